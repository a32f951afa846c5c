//! `sim-zoneadm`: the zoneadm command line (`usr/src/cmd/zoneadm/zoneadm.c`) on the simulated
//! host: `list` and `-z ZONE ready|boot|halt|reboot`, the last four handed to
//! [`crate::zoneadmd::server`] the way zoneadm calls zoneadmd's door.
//!
//! Facts followed (zoneadm.c unless noted):
//! - `main`: options `-z zone`, `-u uuid`, `-R root` (getopt stops at the subcommand); no
//!   subcommand or an unknown one prints the usage on stderr and exits 2 (`Z_USAGE`); a `-z`
//!   zone that does not exist gives `zoneadm: <zone>: No such zone configured` (`zperror` with
//!   `Z_NO_ZONE`) and exit 1 (`Z_ERR`); a zone whose brand cannot be read gives
//!   `zoneadm: zone '<zone>': missing or invalid brand`.
//! - Messages: `zerror` prints `zoneadm: zone '<zone>': <msg>` (without the zone part when no
//!   `-z`); zoneadmd's messages come back through the door and are printed the same way
//!   (libzonecfg `zonecfg_call_zoneadmd`).
//! - `sanity_check`: the global zone and `SUNW*` zones are refused ("<cmd> operation is invalid
//!   for the global zone."); ready/boot need at least `installed` ("must be installed before
//!   <cmd>."); reboot needs a kernel zone ("not running"); halt leaves the decision to
//!   zoneadmd.
//! - `verify_handle` (ready, boot, reboot): for an exclusive-IP zone a `physical` link that
//!   cannot be looked up in the global zone is warned about on stderr in gate ("WARNING:
//!   skipping network interface '<link>': <dladm status>"); the joyent copy skips silently.
//!   `verify_details` refuses a zonepath that differs between the XML and the index.
//! - After a failed door call, ready and boot add "call to zoneadmd failed"; halt and reboot
//!   just exit 1.
//! - `list`: options `-c`, `-i`, `-p`, `-v` (`-p` with `-v`: "list -p and -v are mutually
//!   exclusive."); kernel zones first (the global zone, then by zone id), then index zones not
//!   in the kernel whose state is at least the minimum (running by default, installed with
//!   `-i`, configured with `-c`). `-p` prints `zoneid:zonename:state:zonepath:uuid:brand:
//!   ip-type` with zoneid `-` outside the kernel and every `:` of the zonepath written `\:`;
//!   the joyent copy appends `:<debugid>` (empty when the zone has none; `0` for the global
//!   zone). `-z Z list` prints just that zone (the global zone included).
//! - The global zone: id 0, zonepath `/`, ip-type shared, brand the system default brand
//!   (`zonecfg_default_brand`: `etc/zones/SUNWdefault.xml`; the sim falls back to `ipkg` in
//!   gate flavour and `liveimg`, what SmartOS prints, in joyent flavour).
//!
//! Serialisation: one zoneadmd per zone handles one door call at a time; the sim takes an
//! exclusive lock on `ROOT/var/run/zones/<zone>.zoneadmd.lock` for the whole command, and the
//! state lock only per kernel step, never while a hook runs.
//!
//! Not modelled: `-u`, `-R` beyond refusing state changes ("cannot <cmd> zone in alternate
//! root"), zonepath directory checks, the brand `<verify_adm>` hook, boot arguments (accepted
//! and ignored), the other subcommands (install, shutdown, ...: "not supported by the
//! simulated host", exit 1).

use std::io::{self, Write};
use std::path::Path;

use crate::brand::BrandConfig;
use crate::index::{self, IndexEntry, IndexState};
use crate::lock::StateLock;
use crate::state::{Flavour, Host, IpType, KZone, ZoneState as KState, GLOBAL};
use crate::vplat::SimPlatform;
use crate::zoneadmd::{self, Cmd, ZoneState};
use crate::zonecfg::{self, LoadError, ZoneDoc};

/// zoneadm's exit statuses (`zoneadm.h`).
pub const Z_OK: i32 = 0;
pub const Z_ERR: i32 = 1;
pub const Z_USAGE: i32 = 2;

const EXECNAME: &str = "zoneadm";

/// `SHELP_*` short usages in `cmdtab` order (private commands have none).
const SHORT_USAGES: [&str; 15] = [
    "help",
    "boot [-- boot_arguments]",
    "halt",
    "ready",
    "shutdown [-r [-- boot_arguments]]",
    "reboot [-- boot_arguments]",
    "list [-cipv]",
    "verify",
    "install [brand-specific args]",
    "uninstall [-F] [brand-specific args]",
    "clone [-m method] [-s <ZFS snapshot>] [brand-specific args] zonename",
    "move zonepath",
    "detach [-n] [brand-specific args]",
    "attach [-F] [-n <path>] [brand-specific args]",
    "mark incomplete",
];

/// zoneadm.c `usage(B_FALSE)`.
fn usage(err: &mut dyn Write) -> i32 {
    let _ = writeln!(err, "usage:\t{EXECNAME} help");
    let _ = writeln!(err, "\t{EXECNAME} [-z <zone>] [-u <uuid-match>] list");
    let _ = writeln!(
        err,
        "\t{EXECNAME} {{-z <zone>|-u <uuid-match>}} <subcommand>"
    );
    let _ = writeln!(err, "\nSubcommands:\n");
    for u in SHORT_USAGES {
        let _ = writeln!(err, "{u}");
    }
    let _ = writeln!(err);
    Z_USAGE
}

/// zoneadm.c `sub_usage`.
fn sub_usage(err: &mut dyn Write, short: &str) -> i32 {
    let _ = writeln!(err, "usage:\t{short}");
    Z_USAGE
}

/// What the command line asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub zone: Option<String>,
    pub altroot: Option<String>,
    pub subcommand: String,
    pub args: Vec<String>,
}

/// Parses `zoneadm [-z zone] [-u uuid] [-R root] subcommand args...` (getopt `?u:z:R:`, which
/// stops at the first operand). `Err(status)` after printing usage.
pub fn parse_args(argv: &[String], err: &mut dyn Write) -> Result<Invocation, i32> {
    let mut zone = None;
    let mut altroot = None;
    let mut i = 1;
    while i < argv.len() {
        let a = &argv[i];
        if a == "--" {
            i += 1;
            break;
        }
        if !a.starts_with('-') || a.len() < 2 {
            break;
        }
        let opt = &a[1..2];
        let inline = &a[2..];
        match opt {
            "z" | "u" | "R" => {
                let val = if !inline.is_empty() {
                    inline.to_string()
                } else if i + 1 < argv.len() {
                    i += 1;
                    argv[i].clone()
                } else {
                    let _ = writeln!(err, "{EXECNAME}: option requires an argument -- {opt}");
                    return Err(usage(err));
                };
                match opt {
                    "z" => zone = Some(val),
                    "R" => altroot = Some(val),
                    _ => {}
                }
            }
            "?" => return Err(usage(err)),
            _ => {
                let _ = writeln!(err, "{EXECNAME}: illegal option -- {opt}");
                return Err(usage(err));
            }
        }
        i += 1;
    }
    if i >= argv.len() {
        return Err(usage(err));
    }
    Ok(Invocation {
        zone,
        altroot,
        subcommand: argv[i].clone(),
        args: argv[i + 1..].to_vec(),
    })
}

/// The kernel's view plus the flavour, read in one locked step.
struct Snapshot {
    flavour: Flavour,
    kzones: Vec<KZone>,
}

fn snapshot(root: &Path) -> io::Result<Snapshot> {
    Host::with_locked(root, |h| Snapshot {
        flavour: h.flavour(),
        kzones: h.zones.clone(),
    })
}

/// `zonecfg_default_brand`: the brand of `etc/zones/SUNWdefault.xml`, else the flavour's.
fn default_brand(root: &Path, flavour: Flavour) -> String {
    if let Ok(doc) = zonecfg::load(root, "SUNWdefault") {
        if let Some(b) = doc.brand() {
            return b.to_string();
        }
    }
    match flavour {
        Flavour::Joyent => "liveimg".into(),
        Flavour::Gate => "ipkg".into(),
    }
}

fn kstate(s: KState) -> ZoneState {
    match s {
        KState::Ready => ZoneState::Ready,
        KState::Running => ZoneState::Running,
        KState::ShuttingDown => ZoneState::ShuttingDown,
        KState::Down => ZoneState::Down,
    }
}

/// libzonecfg `zone_get_state`: a zone in the kernel has its kernel state
/// (`kernel_state_to_user_state`); otherwise the index state.
fn zone_state(entry: &IndexEntry, kzones: &[KZone]) -> ZoneState {
    if let Some(k) = kzones.iter().find(|k| k.name == entry.name) {
        return kstate(k.state);
    }
    match entry.state {
        IndexState::Configured => ZoneState::Configured,
        IndexState::Incomplete => ZoneState::Incomplete,
        IndexState::Installed => ZoneState::Installed,
    }
}

/// One line of `zoneadm list` (zoneadm.c `zone_entry_t`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListEntry {
    pub id: Option<u32>,
    pub name: String,
    pub state: &'static str,
    pub path: String,
    pub uuid: String,
    pub brand: String,
    pub exclusive: bool,
    pub did: Option<i64>,
}

/// zoneadm.c `zone_print` in parseable mode (`-p`); `with_did` for the joyent copy.
pub fn format_parsable(e: &ListEntry, with_did: bool) -> String {
    let mut s = match e.id {
        Some(id) => id.to_string(),
        None => "-".to_string(),
    };
    s.push_str(&format!(":{}:{}:", e.name, e.state));
    s.push_str(&e.path.replace(':', "\\:"));
    s.push_str(&format!(
        ":{}:{}:{}",
        e.uuid,
        e.brand,
        if e.exclusive { "excl" } else { "shared" }
    ));
    if with_did {
        s.push(':');
        if let Some(d) = e.did {
            s.push_str(&d.to_string());
        }
    }
    s
}

/// zoneadm.c `zone_print` in verbose mode (`-v`), without the header.
pub fn format_verbose(e: &ListEntry) -> String {
    let id = match e.id {
        Some(id) => format!("{id:>4}"),
        None => format!("{:>4}", "-"),
    };
    format!(
        "{id} {:<16} {:<10} {:<30} {:<8} {:<6}",
        e.name,
        e.state,
        e.path,
        e.brand,
        if e.exclusive { "excl" } else { "shared" }
    )
}

/// zoneadm.c `lookup_zone_info` for a non-global zone; `Err` carries the zperror2 text.
fn lookup_zone_info(
    root: &Path,
    entry: &IndexEntry,
    kzones: &[KZone],
    default_brand: &str,
) -> Result<ListEntry, String> {
    let k = kzones.iter().find(|k| k.name == entry.name);
    let state = zone_state(entry, kzones);
    let doc = zonecfg::load(root, &entry.name).map_err(|e| {
        format!(
            "{EXECNAME}: {}: could not get brand name: {}",
            entry.name,
            e.zonecfg_str()
        )
    })?;
    let exclusive = match k {
        Some(k) if state == ZoneState::Running => k.ip_type == IpType::Excl,
        _ => doc.exclusive(),
    };
    Ok(ListEntry {
        id: k.map(|k| k.id),
        name: entry.name.clone(),
        state: state.as_str(),
        path: entry.path.clone(),
        uuid: entry.uuid.clone(),
        brand: doc.brand().unwrap_or(default_brand).to_string(),
        exclusive,
        did: doc.debugid(),
    })
}

fn global_entry(entries: &[IndexEntry], default_brand: &str) -> ListEntry {
    ListEntry {
        id: Some(0),
        name: GLOBAL.into(),
        state: "running",
        path: "/".into(),
        uuid: entries
            .iter()
            .find(|e| e.name == GLOBAL)
            .map(|e| e.uuid.clone())
            .unwrap_or_default(),
        brand: default_brand.into(),
        exclusive: false,
        did: Some(0),
    }
}

/// zoneadm.c `zone_print_list`: the entries `zoneadm list` prints, given the minimum state.
fn list_entries(
    root: &Path,
    snap: &Snapshot,
    min_state: u32,
    err: &mut dyn Write,
) -> io::Result<Vec<ListEntry>> {
    let entries = index::read(root)?;
    let dbrand = default_brand(root, snap.flavour);
    let mut out = vec![global_entry(&entries, &dbrand)];
    let mut kz = snap.kzones.clone();
    kz.sort_by_key(|k| k.id);
    for k in &kz {
        // A kernel zone the index does not know is still listed by zone_list(2).
        let e = entries
            .iter()
            .find(|e| e.name == k.name)
            .cloned()
            .unwrap_or(IndexEntry {
                name: k.name.clone(),
                state: IndexState::Installed,
                path: String::new(),
                uuid: String::new(),
            });
        match lookup_zone_info(root, &e, &snap.kzones, &dbrand) {
            Ok(le) => out.push(le),
            Err(m) => {
                let _ = writeln!(err, "{m}");
            }
        }
    }
    if min_state >= ZoneState::Running.number() {
        return Ok(out);
    }
    for e in &entries {
        if e.name == GLOBAL || kz.iter().any(|k| k.name == e.name) {
            continue;
        }
        match lookup_zone_info(root, e, &snap.kzones, &dbrand) {
            Ok(le) => {
                if zone_state(e, &snap.kzones).number() >= min_state {
                    out.push(le);
                }
            }
            Err(m) => {
                let _ = writeln!(err, "{m}");
            }
        }
    }
    Ok(out)
}

/// A minimal getopt over single-letter flags (`list` takes no option arguments).
fn flags(args: &[String], allowed: &str) -> Result<(Vec<char>, Vec<String>), char> {
    let mut f = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a == "--" {
            i += 1;
            break;
        }
        if !a.starts_with('-') || a.len() < 2 {
            break;
        }
        for c in a[1..].chars() {
            if c == '?' || !allowed.contains(c) {
                return Err(c);
            }
            f.push(c);
        }
        i += 1;
    }
    Ok((f, args[i..].to_vec()))
}

fn list_cmd(
    root: &Path,
    inv: &Invocation,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<i32> {
    let allowed = if inv.zone.is_none() { "cipv" } else { "pv" };
    let (fl, rest) = match flags(&inv.args, allowed) {
        Ok(v) => v,
        Err(_) => return Ok(sub_usage(err, "list [-cipv]")),
    };
    let parsable = fl.contains(&'p');
    let verbose = fl.contains(&'v');
    let zerr = |err: &mut dyn Write, msg: &str| match &inv.zone {
        Some(z) => writeln!(err, "{EXECNAME}: zone '{z}': {msg}"),
        None => writeln!(err, "{EXECNAME}: {msg}"),
    };
    if parsable && verbose {
        zerr(err, "list -p and -v are mutually exclusive.")?;
        return Ok(Z_ERR);
    }
    if inv.zone.is_some() && !rest.is_empty() {
        return Ok(sub_usage(err, "list [-cipv]"));
    }
    let snap = snapshot(root)?;
    let with_did = snap.flavour == Flavour::Joyent;
    let list = match &inv.zone {
        None => {
            let mut min = ZoneState::Running.number();
            for c in &fl {
                match c {
                    'c' => min = 0,
                    'i' => min = min.min(ZoneState::Installed.number()),
                    _ => {}
                }
            }
            list_entries(root, &snap, min, err)?
        }
        Some(z) => list_entries(root, &snap, 0, err)?
            .into_iter()
            .filter(|e| &e.name == z)
            .collect(),
    };
    if verbose {
        writeln!(
            out,
            "{:>4} {:<16} {:<10} {:<30} {:<8} {:<6}",
            "ID", "NAME", "STATUS", "PATH", "BRAND", "IP"
        )?;
    }
    for e in &list {
        if parsable {
            writeln!(out, "{}", format_parsable(e, with_did))?;
        } else if verbose {
            writeln!(out, "{}", format_verbose(e))?;
        } else {
            writeln!(out, "{}", e.name)?;
        }
    }
    // `zoneadm -z Z list` fails when nothing was printed.
    Ok(if inv.zone.is_some() && list.is_empty() {
        Z_ERR
    } else {
        Z_OK
    })
}

/// Runs `zoneadm` with `argv` against the host at `root`; returns the exit status.
pub fn run(argv: &[String], root: &Path, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let inv = match parse_args(argv, err) {
        Ok(i) => i,
        Err(st) => return st,
    };
    match run_inv(&inv, root, out, err) {
        Ok(st) => st,
        Err(e) => {
            let _ = writeln!(err, "{EXECNAME}: simulated host: {e}");
            Z_ERR
        }
    }
}

fn run_inv(
    inv: &Invocation,
    root: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<i32> {
    if let Some(r) = &inv.altroot {
        if !r.starts_with('/') {
            writeln!(err, "{EXECNAME}: root path must be absolute.")?;
            return Ok(Z_ERR);
        }
        if !Path::new(r).is_dir() {
            writeln!(err, "{EXECNAME}: root path must be a directory.")?;
            return Ok(Z_ERR);
        }
    }
    // zone_get_id: a kernel zone, or a configured one.
    if let Some(z) = &inv.zone {
        if z != GLOBAL {
            let in_kernel = snapshot(root)?.kzones.iter().any(|k| &k.name == z);
            if !in_kernel && !zonecfg::config_path(root, z).exists() {
                writeln!(err, "{EXECNAME}: {z}: No such zone configured")?;
                return Ok(Z_ERR);
            }
        }
    }
    let cmd = match inv.subcommand.as_str() {
        "help" => {
            let _ = usage(out);
            return Ok(Z_OK);
        }
        "list" => return list_cmd(root, inv, out, err),
        "ready" => Cmd::Ready,
        "boot" => Cmd::Boot,
        "halt" => Cmd::Halt,
        "reboot" => Cmd::Reboot,
        s if SHORT_USAGES.iter().any(|u| u.split(' ').next() == Some(s))
            || ["mount", "umount", "unmount", "apply", "sysboot"].contains(&s) =>
        {
            let z = inv.zone.as_deref().unwrap_or(GLOBAL);
            writeln!(
                err,
                "{EXECNAME}: zone '{z}': {s} is not supported by the simulated host"
            )?;
            return Ok(Z_ERR);
        }
        _ => return Ok(usage(err)),
    };
    state_change(root, inv, cmd, err)
}

/// ready_func / boot_func / halt_func / reboot_func, then zoneadmd.
fn state_change(root: &Path, inv: &Invocation, cmd: Cmd, err: &mut dyn Write) -> io::Result<i32> {
    let short = match cmd {
        Cmd::Ready => "ready",
        Cmd::Boot => "boot [-- boot_arguments]",
        Cmd::Halt => "halt",
        Cmd::Reboot => "reboot [-- boot_arguments]",
    };
    // Options: ready/halt take none, boot takes -f/-s, all but ready/halt take boot args.
    let allowed = match cmd {
        Cmd::Boot => "fs",
        _ => "",
    };
    let (force, rest) = match flags(&inv.args, allowed) {
        Ok((fl, rest)) => (fl.contains(&'f'), rest),
        Err(_) => return Ok(sub_usage(err, short)),
    };
    if matches!(cmd, Cmd::Ready | Cmd::Halt) && !rest.is_empty() {
        return Ok(sub_usage(err, short));
    }
    let Some(zone) = inv.zone.clone() else {
        writeln!(err, "{EXECNAME}: no zone specified")?;
        return Ok(Z_ERR);
    };
    let zerr = |err: &mut dyn Write, msg: &str| writeln!(err, "{EXECNAME}: zone '{zone}': {msg}");
    if inv.altroot.is_some() {
        zerr(
            err,
            &format!("cannot {} zone in alternate root", cmd.name()),
        )?;
        return Ok(Z_ERR);
    }
    // main(): the target zone's brand (zone_get_brand) must be readable.
    let doc = match zonecfg::load(root, &zone) {
        Ok(d) => Some(d),
        Err(LoadError::NoZone) if zone == GLOBAL => None,
        Err(_) => {
            zerr(err, "missing or invalid brand")?;
            return Ok(Z_ERR);
        }
    };
    // sanity_check.
    if zone == GLOBAL {
        zerr(
            err,
            &format!("{} operation is invalid for the global zone.", cmd.name()),
        )?;
        return Ok(Z_ERR);
    }
    if zone.starts_with("SUNW") {
        zerr(
            err,
            &format!(
                "{} operation is invalid for zones starting with SUNW.",
                cmd.name()
            ),
        )?;
        return Ok(Z_ERR);
    }
    let doc = doc.expect("non-global zone has a configuration");

    // One zoneadmd per zone handles one request at a time.
    let lock_path = root
        .join("var/run/zones")
        .join(format!("{zone}.zoneadmd.lock"));
    let _zone_lock = StateLock::acquire(&lock_path)?;

    let snap = snapshot(root)?;
    let entry = index::lookup(root, &zone)?;
    let state = match &entry {
        Some(e) => zone_state(e, &snap.kzones),
        None => match snap.kzones.iter().find(|k| k.name == zone) {
            Some(k) => kstate(k.state),
            None => {
                writeln!(
                    err,
                    "{EXECNAME}: {zone}: could not get state: No such zone configured"
                )?;
                return Ok(Z_ERR);
            }
        },
    };
    // `boot -f` (Z_FORCEBOOT): an incomplete zone may be booted; zoneadmd then treats it
    // as installed (sanity_check min_state, zoneadmd.c server()).
    let state = if force && cmd == Cmd::Boot && state == ZoneState::Incomplete {
        ZoneState::Installed
    } else {
        state
    };
    match cmd {
        Cmd::Ready | Cmd::Boot if state.number() < ZoneState::Installed.number() => {
            zerr(err, &format!("must be installed before {}.", cmd.name()))?;
            return Ok(Z_ERR);
        }
        Cmd::Reboot if !state.in_kernel() => {
            zerr(err, "not running")?;
            return Ok(Z_ERR);
        }
        _ => {}
    }
    let dbrand = default_brand(root, snap.flavour);
    let brand_name = doc.brand().unwrap_or(&dbrand).to_string();
    if cmd != Cmd::Halt && !verify_details(root, &doc, entry.as_ref(), snap.flavour, err)? {
        return Ok(Z_ERR);
    }
    let brand = match BrandConfig::load(root, &brand_name) {
        Ok(b) => b,
        Err(_) => {
            zerr(err, "missing or invalid brand")?;
            return Ok(Z_ERR);
        }
    };
    let uuid = entry.as_ref().map(|e| e.uuid.clone()).unwrap_or_default();
    let ok = {
        let mut platform = SimPlatform::new(root, &zone, snap.flavour, doc, &brand, &uuid, err);
        zoneadmd::server(&mut platform, snap.flavour, state, cmd)
    };
    if ok {
        return Ok(Z_OK);
    }
    if matches!(cmd, Cmd::Ready | Cmd::Boot) {
        zerr(err, "call to zoneadmd failed")?;
    }
    Ok(Z_ERR)
}

/// zoneadm.c `verify_details`/`verify_handle`, the parts with meaning on the sim.
fn verify_details(
    root: &Path,
    doc: &ZoneDoc,
    entry: Option<&IndexEntry>,
    flavour: Flavour,
    err: &mut dyn Write,
) -> io::Result<bool> {
    if let Some(e) = entry {
        if e.path != doc.zonepath() {
            write!(
                err,
                "The XML repository has zonepath '{}',\nbut the index file has zonepath '{}'.\n\
                 These must match, so fix the incorrect entry.\n",
                doc.zonepath(),
                e.path
            )?;
            return Ok(false);
        }
    }
    if doc.exclusive() && flavour == Flavour::Gate {
        let physicals: Vec<String> = doc
            .nets()
            .iter()
            .map(|n| n.physical().to_string())
            .collect();
        let missing = Host::with_locked(root, |h| {
            physicals
                .iter()
                .filter_map(|p| h.lookup(GLOBAL, p).err().map(|st| (p.clone(), st)))
                .collect::<Vec<_>>()
        })?;
        for (p, st) in missing {
            writeln!(
                err,
                "WARNING: skipping network interface '{p}': {}",
                st.as_str()
            )?;
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: Option<u32>, path: &str, did: Option<i64>) -> ListEntry {
        ListEntry {
            id,
            name: "web01".into(),
            state: "installed",
            path: path.into(),
            uuid: "3f0f0c7a-2a5e-4d3e-9c1d-0d4f3a0e9b11".into(),
            brand: "sparse".into(),
            exclusive: true,
            did,
        }
    }

    #[test]
    fn parsable_line_escapes_colons_in_the_zonepath() {
        let e = entry(None, "/zones/a:b:c", None);
        assert_eq!(
            format_parsable(&e, false),
            "-:web01:installed:/zones/a\\:b\\:c:3f0f0c7a-2a5e-4d3e-9c1d-0d4f3a0e9b11:sparse:excl"
        );
        assert_eq!(
            format_parsable(&entry(Some(3), "/z", Some(7)), true),
            "3:web01:installed:/z:3f0f0c7a-2a5e-4d3e-9c1d-0d4f3a0e9b11:sparse:excl:7"
        );
        assert!(format_parsable(&entry(None, "/z", None), true).ends_with(":excl:"));
    }

    #[test]
    fn verbose_line_is_aligned() {
        assert_eq!(
            format_verbose(&entry(Some(3), "/z", None)),
            format!(
                "   3 web01            installed  {:<30} sparse   excl  ",
                "/z"
            )
        );
    }

    #[test]
    fn argument_parsing() {
        let argv = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let mut e = Vec::new();
        let inv = parse_args(
            &argv(&["zoneadm", "-z", "web1", "boot", "--", "-s"]),
            &mut e,
        )
        .unwrap();
        assert_eq!(inv.zone.as_deref(), Some("web1"));
        assert_eq!(inv.subcommand, "boot");
        assert_eq!(inv.args, vec!["--", "-s"]);
        let inv = parse_args(&argv(&["zoneadm", "-zweb1", "halt"]), &mut e).unwrap();
        assert_eq!(inv.zone.as_deref(), Some("web1"));
        assert_eq!(parse_args(&argv(&["zoneadm"]), &mut e), Err(Z_USAGE));
        assert_eq!(parse_args(&argv(&["zoneadm", "-z"]), &mut e), Err(Z_USAGE));
        assert_eq!(
            parse_args(&argv(&["zoneadm", "-x", "list"]), &mut e),
            Err(Z_USAGE)
        );
        let text = String::from_utf8(e).unwrap();
        assert!(text.contains("usage:\tzoneadm help"), "{text}");
        assert_eq!(flags(&argv(&["-cp"]), "cipv"), Ok((vec!['c', 'p'], vec![])));
        assert_eq!(flags(&argv(&["-cx"]), "cipv"), Err('x'));
    }
}
