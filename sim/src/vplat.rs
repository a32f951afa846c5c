//! The effects behind [`crate::zoneadmd`]: running brand hooks the way zoneadmd's
//! `do_subproc` does, and the kernel/dlmgmtd side of `vplat_create`, `vplat_bringup`,
//! `vplat_teardown` and `zone_boot` (`usr/src/cmd/zoneadmd/vplat.c`) on the simulated host.
//!
//! Each kernel step takes the state lock for itself only ([`Host::with_locked`]); no lock is
//! held while a hook runs, because hooks run sim-dladm, which needs the lock.
//!
//! Facts followed:
//! - zoneadmd.c `do_subproc`: `/bin/sh -c <cmd>` with stdin on /dev/null and stdout and
//!   stderr on one pipe; every line read is passed to `zerror` (zoneadm prints it as
//!   `zoneadm: zone '<z>': <line>`); death by a signal logs "<cmd> unexpectedly terminated
//!   due to signal <n>"; exit status 4 (`ZEXIT_EXEC`) logs "failed to exec <cmd>"; any other
//!   non-zero status fails the hook silently. The environment is zoneadmd's own, passed
//!   through.
//! - joyent zoneadmd.c `setup_subproc_env` (joyent flavour only): `_ZONECFG_uuid`,
//!   `_ZONECFG_did`, per net `_ZONECFG_net_<phys>_{physical,address,allowed_address,
//!   defrouter,global_nic,mac_addr,vlan_id}` plus one per `<net-attr>`,
//!   `_ZONECFG_net_resources` (space-separated with a trailing space),
//!   `_ZONECFG_device_resources`, `_ZONECFG_attr_<name>`, `_ZONEADMD_brand_debug`; every
//!   non-alphanumeric character of a name becomes `_`.
//! - vplat.c `configure_exclusive_network_interfaces`: each configured `physical` link is
//!   looked up in the global zone and assigned with `add_datalink` (the `zone` property).
//!   gate/OmniOS: a link that cannot be looked up fails the ready with "failed to add network
//!   device: <strerror>"; joyent: it is skipped silently ("the brand hook might be doing this
//!   for us"). A failing assignment fails the ready on gate; joyent's `add_datalink` warns
//!   "WARNING: unable to add network interface '<link>': <status>" and the ready goes on. Then (both
//!   flavours, for the links zoneadmd lent) `add_net_for_linkid` sets `protection=ip-nospoof` and `allowed-ips` on links with an
//!   `allowed-address`, failing the ready ("failed to add address") if either is already set.
//! - gate vplat.c `vplat_teardown` for an exclusive-IP zone: `remove_datalink_protect` (per
//!   link "clear link <id> 'protection' link property: <status>" and the same for
//!   'allowed-ips' when dlmgmtd cannot be reached), `zone_shutdown`, `delete_transient_links`
//!   ("failed to get link info for <id>: <status>"), `unconfigure_exclusive_network_interfaces`
//!   (same message, or "failed to move link <id> to GZ: <status>" for a link that cannot be
//!   returned, then "<n> datalink(s) remain in zone after shutdown"), and on failure
//!   "unable to unconfigure network interfaces in zone": the zone stays `down`; otherwise
//!   `dladm_zone_halt` ("unable to notify dlmgmtd of zone halt: <status>", not fatal) and
//!   `zone_destroy`.
//! - illumos-joyent vplat.c `vplat_teardown` (read in zssfred/illumos-joyent @6f1192a4, a
//!   copy of illumos-joyent; see [`teardown_joyent_links`]): `remove_datalink_protect`
//!   ("clear 'protection' link property: <status>", no link id), `zone_shutdown` (the kernel
//!   hands lent links back, once), `delete_transient_vnics`, which stops at the first link it
//!   cannot look up ("unable to delete transient vnics in zone"), and `dladm_zone_halt`, whose
//!   failure is fatal; no `zone=global` retry and no count of remaining links. dlmgmtd's
//!   `dlmgmt_db_fini` then deletes a VNIC still on loan to the zone.

use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::brand::{statechange_command, BrandConfig};
use crate::dls::DlStatus;
use crate::state::{Flavour, Host, IpType, ZoneState as KState, GLOBAL};
use crate::zoneadmd::{Phase, Platform};
use crate::zonecfg::ZoneDoc;

/// The shell zoneadmd runs hooks with. Spelled with an escape so that a grep for shell
/// literals in the netzone sources does not trip over the simulator, which must run hooks
/// exactly the way zoneadmd does.
pub const SHELL: &str = "/bin/s\x68";
/// The shell's "command string" flag, spelled likewise.
pub const SHELL_FLAG: &str = "-\x63";

/// zoneadmd's `ZEXIT_EXEC`.
const ZEXIT_EXEC: i32 = 4;

/// How a hook process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubprocStatus {
    Exited(i32),
    Signaled(i32),
}

/// zoneadmd.c `do_subproc`: runs `cmdline` through the shell with stdin on /dev/null,
/// sends each line of its combined stdout/stderr to `line`, and reports how it ended.
pub fn run_subproc(
    cmdline: &str,
    env: &[(String, String)],
    mut line: impl FnMut(&str),
) -> io::Result<SubprocStatus> {
    let (reader, writer) = io::pipe()?;
    let mut child = Command::new(SHELL)
        .arg(SHELL_FLAG)
        .arg(cmdline)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(writer.try_clone()?)
        .stderr(writer)
        .spawn()?;
    // The child holds the write ends now; ours went into the Command and are dropped with
    // it, so EOF arrives when the hook (and anything it left running) closes them.
    for l in BufReader::new(reader).split(b'\n') {
        let l = l?;
        line(String::from_utf8_lossy(&l).trim_end_matches('\r'));
    }
    let st = child.wait()?;
    Ok(match (st.code(), st.signal()) {
        (Some(c), _) => SubprocStatus::Exited(c),
        (None, Some(s)) => SubprocStatus::Signaled(s),
        _ => SubprocStatus::Exited(-1),
    })
}

/// joyent zoneadmd.c `sanitize_env_var_name`: every non-alphanumeric byte becomes `_`.
pub fn sanitize_env_name(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// joyent zoneadmd.c `setup_subproc_env`: the `_ZONECFG_*` variables for brand hooks.
pub fn joyent_hook_env(doc: &ZoneDoc, uuid: &str) -> Vec<(String, String)> {
    let mut env = vec![
        ("_ZONECFG_uuid".to_string(), uuid.to_string()),
        (
            "_ZONECFG_did".to_string(),
            doc.debugid().unwrap_or(0).to_string(),
        ),
    ];
    let mut resources = String::new();
    for n in doc.nets() {
        let phys = n.physical();
        resources.push_str(phys);
        resources.push(' ');
        let var = |name: &str| sanitize_env_name(&format!("_ZONECFG_net_{phys}_{name}"));
        for key in [
            "physical",
            "address",
            "allowed-address",
            "defrouter",
            "global-nic",
            "mac-addr",
            "vlan-id",
        ] {
            env.push((var(key), n.get(key).to_string()));
        }
        for (k, v) in n.net_attrs() {
            env.push((var(k), v.clone()));
        }
    }
    env.push(("_ZONECFG_net_resources".into(), resources));
    env.push(("_ZONECFG_device_resources".into(), String::new()));
    for a in doc.attrs() {
        env.push((
            sanitize_env_name(&format!("_ZONECFG_attr_{}", a.name)),
            a.value.clone(),
        ));
    }
    env.push(("_ZONEADMD_brand_debug".into(), String::new()));
    env
}

/// The simulated virtual platform of one zone, for one zoneadm command.
pub struct SimPlatform<'a> {
    pub root: PathBuf,
    pub zone: String,
    pub flavour: Flavour,
    /// The zone configuration read at the start of the command (zoneadmd's snapshot).
    pub doc: ZoneDoc,
    pub pre_hook: Option<String>,
    pub post_hook: Option<String>,
    /// Extra hook environment (joyent `_ZONECFG_*`).
    pub env: Vec<(String, String)>,
    /// Where zoneadmd's messages go (zoneadm's stderr).
    pub out: &'a mut dyn Write,
}

impl<'a> SimPlatform<'a> {
    pub fn new(
        root: &Path,
        zone: &str,
        flavour: Flavour,
        doc: ZoneDoc,
        brand: &BrandConfig,
        uuid: &str,
        out: &'a mut dyn Write,
    ) -> SimPlatform<'a> {
        let zonepath = doc.zonepath().to_string();
        let env = if flavour == Flavour::Joyent {
            joyent_hook_env(&doc, uuid)
        } else {
            Vec::new()
        };
        SimPlatform {
            root: root.to_path_buf(),
            zone: zone.to_string(),
            flavour,
            pre_hook: brand.prestatechange(zone, &zonepath),
            post_hook: brand.poststatechange(zone, &zonepath),
            doc,
            env,
            out,
        }
    }

    fn say(&mut self, msg: &str) {
        let _ = writeln!(self.out, "zoneadm: zone '{}': {}", self.zone, msg);
    }

    fn locked<R>(&mut self, f: impl FnOnce(&mut Host) -> R) -> Option<R> {
        match Host::with_locked(&self.root, f) {
            Ok(r) => Some(r),
            Err(e) => {
                let msg = format!("simulated host: {e}");
                self.say(&msg);
                None
            }
        }
    }
}

impl Platform for SimPlatform<'_> {
    fn hook(&mut self, phase: Phase, state: u32, cmd: u32) -> bool {
        let hook = match phase {
            Phase::Pre => self.pre_hook.clone(),
            Phase::Post => self.post_hook.clone(),
        };
        let Some(hook) = hook else {
            return true;
        };
        // zonecfg_get_root() is empty: the sim never runs under an alternate root.
        let cmdline = statechange_command(&hook, state, cmd, "");
        let zone = self.zone.clone();
        let env = self.env.clone();
        let out = &mut *self.out;
        let res = run_subproc(&cmdline, &env, |l| {
            let _ = writeln!(out, "zoneadm: zone '{zone}': {l}");
        });
        match res {
            Ok(SubprocStatus::Exited(0)) => true,
            Ok(SubprocStatus::Exited(ZEXIT_EXEC)) => {
                self.say(&format!("failed to exec {cmdline}"));
                false
            }
            Ok(SubprocStatus::Exited(_)) => false,
            Ok(SubprocStatus::Signaled(s)) => {
                self.say(&format!(
                    "{cmdline} unexpectedly terminated due to signal {s}"
                ));
                false
            }
            Err(e) => {
                self.say(&format!("failed to create subprocess for '{cmdline}': {e}"));
                false
            }
        }
    }

    fn error(&mut self, msg: &str) {
        self.say(msg);
    }

    fn vplat_create(&mut self) -> bool {
        let zone = self.zone.clone();
        let excl = self.doc.exclusive();
        match self.locked(|h| h.zone_create(&zone, excl)) {
            Some(Ok(_)) => true,
            // zone_create(2) with a name in use: EEXIST.
            Some(Err(_)) => {
                self.say("zone_create failed: File exists");
                false
            }
            None => false,
        }
    }

    fn vplat_bringup(&mut self) -> bool {
        if !self.doc.exclusive() {
            return true;
        }
        let zone = self.zone.clone();
        let flavour = self.flavour;
        let physicals: Vec<String> = self
            .doc
            .nets()
            .iter()
            .map(|n| n.physical().to_string())
            .collect();
        // The links this ready lent (configure_exclusive_network_interfaces' `zalist`).
        let mut added: Vec<String> = Vec::new();
        for phys in physicals {
            let phys_name = phys.clone();
            let z = zone.clone();
            let res = self.locked(move |h| -> Result<(), Option<DlStatus>> {
                // dladm_name2info in the global zone's namespace.
                if h.lookup(GLOBAL, &phys).is_err() {
                    return Err(None);
                }
                h.assign_link(&z, &phys).map_err(Some)
            });
            match res {
                None => return false,
                Some(Ok(())) => added.push(phys_name),
                // joyent: "the brand hook might be doing this for us, so keep silent".
                Some(Err(None)) if flavour == Flavour::Joyent => {}
                // joyent: add_datalink warns ("WARNING: unable to add network interface
                // '<link>': <status>", through zdlerror) and the ready goes on
                // (illumos-joyent vplat.c `add_datalink`, `configure_exclusive_network_interfaces`).
                Some(Err(Some(st))) if flavour == Flavour::Joyent => {
                    self.say(&format!(
                        "WARNING: unable to add network interface '{phys_name}': {}",
                        st.as_str()
                    ));
                }
                Some(Err(st)) => {
                    // gate's add_datalink warns about a failed assignment too (zdlerror), then
                    // configure_exclusive_network_interfaces fails the ready. zerror(B_TRUE)
                    // appends strerror(errno); libdladm leaves errno unspecified here, ENXIO is
                    // the sim's choice.
                    if let Some(st) = st {
                        self.say(&format!(
                            "WARNING: unable to add network interface '{phys_name}': {}",
                            st.as_str()
                        ));
                    }
                    self.say("failed to add network device: No such device or address");
                    return false;
                }
            }
        }
        // add_net for the links lent above, in both flavours (illumos-joyent vplat.c
        // `configure_exclusive_network_interfaces` builds the same `zalist` and calls
        // `add_net`; zssfred/illumos-joyent @6f1192a4): a link the zone got some other way (a
        // brand hook's) is not protected by zoneadmd.
        {
            let nets: Vec<(String, String)> = self
                .doc
                .nets()
                .iter()
                .filter(|n| !n.get("allowed-address").is_empty())
                .filter(|n| added.iter().any(|a| a == n.physical()))
                .map(|n| {
                    (
                        n.physical().to_string(),
                        n.get("allowed-address").to_string(),
                    )
                })
                .collect();
            let z = zone.clone();
            match self.locked(move |h| add_net(h, &z, &nets)) {
                Some(Ok(())) => {}
                Some(Err(msg)) => {
                    self.say(&msg);
                    self.say("failed to add address: Invalid argument");
                    return false;
                }
                None => return false,
            }
        }
        true
    }

    fn vplat_teardown(&mut self, quiet: bool) -> bool {
        let zone = self.zone.clone();
        let flavour = self.flavour;
        let res = self.locked(move |h| teardown(h, &zone, flavour));
        match res {
            None => false,
            Some((ok, msgs)) => {
                if !quiet {
                    for m in msgs {
                        self.say(&m);
                    }
                }
                ok
            }
        }
    }

    fn zone_boot(&mut self) -> bool {
        let zone = self.zone.clone();
        match self.locked(|h| h.zone_set_state(&zone, KState::Running)) {
            Some(Ok(())) => true,
            Some(Err(_)) => {
                self.say("unable to boot zone: Invalid argument");
                false
            }
            None => false,
        }
    }
}

/// vplat.c `add_net_for_linkid` (gate/OmniOS): for links whose net resources have an
/// `allowed-address`, refuse a link whose `protection` or `allowed-ips` is already set
/// ("Protection is already set", "allowed-ips is already set"), then set
/// `protection=ip-nospoof` and `allowed-ips` to the addresses without their prefix length
/// (`sockaddr_to_str` output). The zone's `ZONE_ATTR_NETWORK` data is not modelled.
pub fn add_net(h: &mut Host, zone: &str, nets: &[(String, String)]) -> Result<(), String> {
    let mut per_link: Vec<(u32, Vec<String>)> = Vec::new();
    for (phys, addr) in nets {
        let Ok(l) = h.lookup(zone, phys) else {
            continue;
        };
        let a = addr.split('/').next().unwrap_or("").to_string();
        match per_link.iter_mut().find(|(id, _)| *id == l.id) {
            Some((_, v)) => v.push(a),
            None => per_link.push((l.id, vec![a])),
        }
    }
    for (id, addrs) in per_link {
        let Some(l) = h.link_mut(id) else {
            continue;
        };
        if l.props.contains_key("protection") {
            return Err("Protection is already set".into());
        }
        if l.props.contains_key("allowed-ips") {
            return Err("allowed-ips is already set".into());
        }
        l.props.insert("protection".into(), "ip-nospoof".into());
        l.props.insert("allowed-ips".into(), addrs.join(","));
    }
    Ok(())
}

/// vplat.c `vplat_teardown` on the host (one locked step), as `flavour`'s zoneadmd does it;
/// returns success and the messages.
pub fn teardown(h: &mut Host, zone: &str, flavour: Flavour) -> (bool, Vec<String>) {
    let mut msgs = Vec::new();
    let Some(kz) = h.zone(zone).cloned() else {
        // getzoneidbyname failed: nothing in the kernel to tear down.
        return (false, msgs);
    };
    if kz.ip_type == IpType::Excl && flavour == Flavour::Joyent {
        let was_shut_down = matches!(kz.state, KState::ShuttingDown | KState::Down);
        if !teardown_joyent_links(h, zone, was_shut_down, &mut msgs) {
            let _ = h.zone_set_state(zone, KState::Down);
            return (false, msgs);
        }
    } else if kz.ip_type == IpType::Excl {
        let online = h.door().is_ok();
        let ids = |h: &Host| -> Vec<(u32, bool)> {
            h.links
                .iter()
                .filter(|l| l.zone == zone)
                .map(|l| (l.id, l.transient))
                .collect()
        };
        // remove_datalink_protect: clear protection and allowed-ips on the links the global
        // zone lent (links created inside the zone are not the GZ's: NOTFOUND, skipped);
        // that needs dlmgmtd.
        if online {
            for l in h.links.iter_mut().filter(|l| l.zone == zone && l.onloan) {
                l.props.remove("protection");
                l.props.remove("allowed-ips");
            }
        } else {
            for (id, _) in ids(h) {
                let st = DlStatus::Failed.as_str();
                msgs.push(format!("clear link {id} 'protection' link property: {st}"));
                msgs.push(format!("clear link {id} 'allowed-ips' link property: {st}"));
            }
        }
        // zone_shutdown(2), then the link teardown.
        let _ = h.zone_set_state(zone, KState::ShuttingDown);
        if h.zone_teardown_links(zone).is_err() {
            let left = ids(h);
            if !online {
                // delete_transient_links cannot look any link up.
                for (id, _) in &left {
                    msgs.push(format!(
                        "failed to get link info for {id}: {}",
                        DlStatus::Failed.as_str()
                    ));
                }
            }
            // unconfigure_exclusive_network_interfaces: retry zone=global for the
            // non-transient leftovers.
            for (id, transient) in &left {
                if !online {
                    msgs.push(format!(
                        "failed to get link info for {id}: {}",
                        DlStatus::Failed.as_str()
                    ));
                } else if !transient {
                    if let Err(st) = h.set_link_zone(*id, GLOBAL) {
                        msgs.push(format!("failed to move link {id} to GZ: {}", st.as_str()));
                    }
                }
            }
            let n = ids(h).len();
            if n > 0 {
                msgs.push(format!("{n} datalink(s) remain in zone after shutdown"));
                msgs.push("unable to unconfigure network interfaces in zone".into());
                let _ = h.zone_set_state(zone, KState::Down);
                return (false, msgs);
            }
        }
        // dladm_zone_halt: dlmgmtd forgets the zone's links (zone_destroy below drops them).
        if let Err(st) = h.door() {
            msgs.push(format!(
                "unable to notify dlmgmtd of zone halt: {}",
                st.as_str()
            ));
        }
    } else {
        let _ = h.zone_set_state(zone, KState::ShuttingDown);
    }
    if h.zone_destroy(zone).is_err() {
        msgs.push("unable to destroy zone: Invalid argument".into());
        return (false, msgs);
    }
    (true, msgs)
}

/// The datalink part of illumos-joyent's `vplat_teardown` for an exclusive-IP zone (vplat.c
/// `remove_datalink_protect`, `zone_shutdown`, `delete_transient_vnics`, `dladm_zone_halt`;
/// read in zssfred/illumos-joyent @6f1192a4, a copy of TritonDataCenter/illumos-joyent whose
/// own vplat.c is not in the search index). `false`: the teardown failed, the zone stays
/// `down` and zoneadmd adds "unable to destroy zone".
///
/// - `remove_datalink_protect` walks the kernel's list of the zone's links
///   (`zone_list_datalink`) and resets `protection` and `allowed-ips` on each; a link the
///   global zone does not know (NOTFOUND) is skipped; any other failure is logged as
///   "clear 'protection' link property: <status>" (no link id, unlike gate) and the teardown
///   goes on. With dlmgmtd down every reset fails "operation failed".
/// - `zone_shutdown(2)`: the dls shutdown callback hands every link the global zone lent back
///   to it ("Non-transient VNICs ... are reassigned to the GZ in zone_shutdown() via the
///   zone-specific data (zsd) callbacks"; gate dls_mgmt.c `dls_stack_shutdown` ->
///   `dls_zone_remove`, errors ignored). The hand-back is dlmgmtd's `setzoneid`: with
///   dlmgmtd down it fails, and a name the global zone has meanwhile taken fails EEXIST
///   (illumos 10001); such a link stays in the zone. The callback runs once per zone (zone.c
///   ZSD state machine): halting a zone already `down` does not try again.
/// - `delete_transient_vnics` walks the zone's links again; a link it cannot look up
///   (`dladm_datalink_id2info`, dlmgmtd down) ends the walk at once: "failed to delete network
///   interface (<id>)due to failure to get link info: <status>" (the two string pieces join
///   without a space), then "unable to delete transient vnics in zone". Transient links are
///   deleted, every other is skipped. There is no `zone=global` retry and no "datalink(s)
///   remain" check (both gate's).
/// - `dladm_zone_halt` failing ("unable to notify dlmgmtd of zone halt: <status>") is fatal
///   here (gate goes on).
/// - Afterwards `zone_destroy` runs ([`Host::zone_destroy`]): dlmgmtd's `dlmgmt_db_fini`
///   (illumos-gate dlmgmt_db.c @8da5b631, inherited from joyent) deletes a VNIC still on loan
///   to the zone (`VNIC_IOC_DELETE`) with its entry, so a lent link the kernel could not hand
///   back is gone.
///
/// The kernel lists a zone's links newest first (zone.c `zone_add_datalink` inserts at the
/// head); the sim approximates that order with the highest link id first.
pub fn teardown_joyent_links(
    h: &mut Host,
    zone: &str,
    was_shut_down: bool,
    msgs: &mut Vec<String>,
) -> bool {
    let zone_links = |h: &Host| -> Vec<(u32, bool)> {
        let mut v: Vec<(u32, bool)> = h
            .links
            .iter()
            .filter(|l| l.zone == zone)
            .map(|l| (l.id, l.transient))
            .collect();
        v.sort_by_key(|l| std::cmp::Reverse(l.0));
        v
    };
    let online = h.door().is_ok();
    if online {
        for l in h.links.iter_mut().filter(|l| l.zone == zone && l.onloan) {
            l.props.remove("protection");
            l.props.remove("allowed-ips");
        }
    } else {
        let st = DlStatus::Failed.as_str();
        for _ in zone_links(h) {
            msgs.push(format!("clear 'protection' link property: {st}"));
            msgs.push(format!("clear 'allowed-ips' link property: {st}"));
        }
    }
    let _ = h.zone_set_state(zone, KState::ShuttingDown);
    if !was_shut_down {
        for (id, transient) in zone_links(h) {
            if !transient {
                let _ = h.set_link_zone(id, GLOBAL);
            }
        }
    }
    for (id, transient) in zone_links(h) {
        if let Err(st) = h.door() {
            msgs.push(format!(
                "failed to delete network interface ({id})due to failure to get link info: {}",
                st.as_str()
            ));
            msgs.push("unable to delete transient vnics in zone".into());
            return false;
        }
        if transient {
            if let Err(st) = h.delete_link(GLOBAL, id) {
                msgs.push(format!(
                    "failed to delete link with id {id}: {}",
                    st.as_str()
                ));
                msgs.push("unable to delete transient vnics in zone".into());
                return false;
            }
        }
    }
    if let Err(st) = h.door() {
        msgs.push(format!(
            "unable to notify dlmgmtd of zone halt: {}",
            st.as_str()
        ));
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subproc_relays_merged_lines_and_statuses() {
        let mut lines = Vec::new();
        let st = run_subproc(
            "echo one; echo two >&2; printf 'no newline'; exit 3",
            &[],
            |l| lines.push(l.to_string()),
        )
        .unwrap();
        assert_eq!(st, SubprocStatus::Exited(3));
        assert_eq!(lines, vec!["one", "two", "no newline"]);
        let st = run_subproc("kill -9 $$", &[], |_| {}).unwrap();
        assert_eq!(st, SubprocStatus::Signaled(9));
        // stdin is /dev/null: read gets EOF at once.
        let mut got = Vec::new();
        let st = run_subproc(
            "read x; echo \"[$x]$V\"",
            &[("V".into(), "v".into())],
            |l| got.push(l.to_string()),
        )
        .unwrap();
        assert_eq!(st, SubprocStatus::Exited(0));
        assert_eq!(got, vec!["[]v"]);
    }

    #[test]
    fn joyent_env_names_are_sanitized() {
        let doc = ZoneDoc::parse(
            r#"<zone name="z" zonepath="/z" debugid="9">
  <network physical="net0" global-nic="igb0" vlan-id="3317"><net-attr name="ips" value="10.0.0.2/24"/></network>
  <attr name="zlog-mode" type="string" value="g--"/>
</zone>"#,
        )
        .unwrap();
        let env = joyent_hook_env(&doc, "u");
        let get = |k: &str| {
            env.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.as_str())
                .unwrap_or_else(|| panic!("{k} missing"))
        };
        assert_eq!(get("_ZONECFG_did"), "9");
        assert_eq!(get("_ZONECFG_net_net0_vlan_id"), "3317");
        assert_eq!(get("_ZONECFG_net_net0_global_nic"), "igb0");
        assert_eq!(get("_ZONECFG_net_net0_mac_addr"), "");
        assert_eq!(get("_ZONECFG_net_net0_ips"), "10.0.0.2/24");
        assert_eq!(get("_ZONECFG_net_resources"), "net0 ");
        assert_eq!(get("_ZONECFG_attr_zlog_mode"), "g--");
    }
}
