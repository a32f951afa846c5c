//! Which dladm netzone drives: illumos-joyent (SmartOS: `rename-link -z`, `show-vnic` ZONE field)
//! or illumos-gate (upstream, OmniOS, Helios: no `-z` anywhere).
//!
//! Detection costs one dladm run, so its answer is cached in
//! `<root>/etc/svc/volatile/netzone/flavour.cache` (not `.json`: journals are `<zone>.json`, and
//! `flavour` is a valid zone name) for the life of the host's boot. The cache is
//! keyed by the boot ([`crate::journal::boot_key`]) and by the dladm binary (path, size, mtime): a cache written under
//! another boot or for another dladm is ignored and rewritten. `/etc/svc/volatile` is a tmpfs on
//! illumos, emptied at boot, so on a real host the key is a second line of defence.
//!
//! What differs between the two is decided by each flavour's [`Dialect`] ([`Joyent`] in
//! `joyent.rs`, [`Gate`] in `gate.rs`), which the planner, the executor, the observation
//! (`dladm::observe`), the brand hook and the checks (`live`, `hostcheck`) ask instead of
//! matching on [`Flavour`].

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use crate::dladm::observe::{Observation, ObserveError};
use crate::dladm::{self, DladmErrorKind};
use crate::dladm::{LinkProp, VnicInfo, ZoneProp};
use crate::hook::{Action, Phase};
use crate::host::{Host, HostError};
use crate::linkname::LinkName;
use crate::mtu::Mtu;
use crate::zonecfg::Net;
use crate::zonename::ZoneName;

mod gate;
mod joyent;

pub use gate::Gate;
pub use joyent::Joyent;

/// The decisions that differ between the two dladm dialects, one implementation each
/// ([`Joyent`], [`Gate`]): the planner, the executor and the removal paths ask the dialect
/// instead of matching on [`Flavour`]. [`Flavour::dialect`] gives a flavour's own. How the
/// two plan differently is [`crate::plan::Planner`], implemented in `plan/joyent.rs` and
/// `plan/gate.rs`.
pub trait Dialect: Sync + crate::plan::Planner {
    /// The flavour this dialect is.
    fn flavour(&self) -> Flavour;

    /// The zone a command run from the global zone names with `-z` for a link seen in `zone`:
    /// joyent addresses links in a zone's name space; gate's dladm has no `-z`.
    fn zone_arg<'a>(&self, zone: Option<&'a ZoneName>) -> Option<&'a ZoneName>;

    /// The link properties `create-vnic -p` sets besides `mtu` and `zone`.
    fn vnic_props(&self, net: &Net) -> Vec<LinkProp>;

    /// The MTU `create-vnic -p` sets, if any.
    fn create_mtu(&self, net: &Net) -> Option<Mtu>;

    /// Where netzone's link for `zone` is once created and until the zone is ready: in the zone
    /// (`Some`) or in the global zone (`None`).
    fn link_home(&self, zone: &ZoneName) -> Option<ZoneName>;

    /// Whether links may be persistent (created without `-t`).
    fn persistent_links(&self) -> bool;

    /// Whether link names are host-wide as the global zone sees them: a link on loan keeps its
    /// name, cannot be named from the global zone, and is shadowed there by a global-zone link
    /// of the same name (illumos bug 10001).
    fn names_host_wide(&self) -> bool;

    // ---- Observation: how each dialect lists the host's links ([`crate::dladm::observe`]).
    // The dladm argv builders and output parsers stay in [`crate::dladm`]; these say which of
    // them a dialect uses and how their answers join, so another backend (libdladm) can answer
    // the same questions without a process.

    /// The fields netzone asks `show-vnic -p -o` for ([`dladm::JOYENT_VNIC_FIELDS`],
    /// [`dladm::GATE_VNIC_FIELDS`]). illumos-joyent's `show-vnic` has a `ZONE` field (`--` for
    /// the global zone; `usr/src/cmd/dladm/dladm.c` `print_vnic`); gate's has none and refuses
    /// the name ("unknown output field").
    fn show_vnic_fields(&self) -> &'static str;

    /// Whether a `show-vnic` walk alone names the zone holding each VNIC (its fields include
    /// `ZONE`). When it does not, a VNIC listed without a zone may be the global zone's or on
    /// loan to any zone, and two VNICs of one name cannot be told apart without
    /// `show-linkprop -p zone`.
    fn vnic_walk_names_zones(&self) -> bool {
        self.show_vnic_fields().split(',').any(|f| f == "ZONE")
    }

    /// One walk of every link the global zone sees, in as few dladm processes as the dialect
    /// allows: joyent one `show-vnic` walk (its ZONE field names the zones); gate a
    /// `show-linkprop -p zone` walk, then `show-vnic` only when a listed link is of
    /// `interest`. A link whose zone dladm cannot read (gate prints `?`, linkprop.c
    /// `get_zone`) fails the walk if `interest` names it, unless `keep_unreadable` (then it is
    /// kept in [`Observation::unreadable`]). No dlmgmtd check: see
    /// [`crate::dladm::observe::verify_dlmgmtd`].
    fn walk(
        &self,
        host: &Host,
        interest: &dyn Fn(&LinkName) -> bool,
        keep_unreadable: bool,
    ) -> Result<Observation, ObserveError>;

    /// Joins what dladm printed into one [`Observation`] (pure): `vnics` from a `show-vnic`
    /// walk (of the host, or `-l OVER`), `zones` the rows of a `show-linkprop` walk that read
    /// `zone` (empty when none ran: then gate takes every VNIC for the global zone's, and
    /// joyent needs none) and `statuses` dladm's status for each row it printed `?` for.
    fn observation(
        &self,
        zones: Vec<(LinkName, ZoneProp)>,
        statuses: &[(LinkName, String)],
        vnics: Vec<VnicInfo>,
    ) -> Observation;

    // ---- The brand hook ([`crate::hook`]).

    /// What the brand hook does on the calls where the dialects differ: a ready (`cmd` 0, pre
    /// and post) and the pre-halt (`cmd` 4) of a ready or running zone; [`Action::Nothing`]
    /// for any other call. [`crate::hook::dispatch`] answers the calls both answer alike (a
    /// halt's reclaim and removal) and refuses the states no hook acts on before asking.
    fn hook_action(&self, phase: Phase, state: u32, cmd: u32) -> Action;

    // ---- What a link carries once its zone has it ([`crate::live`]).

    /// The link properties only this dialect's dladm knows among those netzone's links carry,
    /// besides those both know (`zone`, `mtu`, `protection`, `allowed-ips`,
    /// `allowed-dhcp-cids`, `promisc-filtered`; libdladm `linkprop.c` `prop_table`). A
    /// dladm asked for a property it does not know fails the whole `show-linkprop`.
    fn own_link_props(&self) -> &'static [&'static str];

    /// The properties (other than `zone` and `mtu`) a net's link carries once its zone is
    /// ready: what `create-vnic -p` set ([`Dialect::vnic_props`]) and what zoneadmd set when
    /// it lent the link. Each is one of `show-linkprop`'s names as the live check reads them.
    fn carried_props(&self, net: &Net) -> Vec<LinkProp>;
}

impl Flavour {
    /// Both flavours.
    pub const ALL: [Flavour; 2] = [Flavour::Joyent, Flavour::Gate];

    /// This flavour's [`Dialect`].
    pub fn dialect(self) -> &'static dyn Dialect {
        match self {
            Flavour::Joyent => &Joyent,
            Flavour::Gate => &Gate,
        }
    }
}

/// The two dladm dialects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Flavour {
    /// illumos-joyent: links are created after ready under a temporary name with `zone=`, then
    /// renamed inside the zone (`rename-link -z`).
    Joyent,
    /// illumos-gate: links are created before ready under their final name; zoneadmd lends them.
    Gate,
}

impl fmt::Display for Flavour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Flavour::Joyent => "joyent",
            Flavour::Gate => "gate",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown dladm flavour '{0}' (expected joyent or gate)")]
/// A flavour name that is neither `joyent` nor `gate` (the name as given).
pub struct UnknownFlavour(pub String);

impl FromStr for Flavour {
    type Err = UnknownFlavour;
    fn from_str(s: &str) -> Result<Self, UnknownFlavour> {
        match s {
            "joyent" | "smartos" => Ok(Flavour::Joyent),
            "gate" | "illumos" | "omnios" | "helios" => Ok(Flavour::Gate),
            _ => Err(UnknownFlavour(s.to_string())),
        }
    }
}

/// Why the flavour could not be determined.
#[derive(Debug, thiserror::Error)]
pub enum FlavourError {
    #[error(transparent)]
    /// The flavour was named, but not one netzone knows.
    Unknown(#[from] UnknownFlavour),
    #[error("cannot tell the dladm flavour: {0}")]
    /// The probe failed in a way that says neither joyent nor gate.
    Probe(HostError),
}

/// Reads the probe's outcome ([`dladm::probe_command`]): success means dladm knows `-z`
/// (joyent); "unrecognized option '-z'" means gate (so does "unknown output field", what the
/// older `show-vnic -o LINK,ZONE` probe got from gate); anything else is not an answer.
pub fn parse_probe_output(res: Result<String, HostError>) -> Result<Flavour, FlavourError> {
    match res {
        Ok(_) => Ok(Flavour::Joyent),
        Err(e) if e.dladm_kind() == Some(DladmErrorKind::UnknownField) => Ok(Flavour::Gate),
        Err(HostError::Dladm { ref message, .. })
            if message.contains("unrecognized option '-z'") =>
        {
            Ok(Flavour::Gate)
        }
        Err(e) => Err(FlavourError::Probe(e)),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct CacheEntry {
    boot: String,
    dladm: String,
    flavour: Flavour,
}

/// An identity of the running boot: on illumos the time of utmpx's `BOOT_TIME` record (what
/// `who -b` prints), on Linux (where the simulated host runs) the kernel's boot id, else the
/// start time of process 1, which only changes at boot.
pub fn boot_identity() -> String {
    #[cfg(any(target_os = "illumos", target_os = "solaris"))]
    if let Some(t) = utmpx_boot_time() {
        return t;
    }
    if let Ok(s) = std::fs::read_to_string("/proc/sys/kernel/random/boot_id") {
        return s.trim().to_string();
    }
    match std::fs::metadata("/proc/1") {
        Ok(m) => match m.modified() {
            Ok(t) => format!("{t:?}"),
            Err(_) => "unknown".into(),
        },
        Err(_) => "unknown".into(),
    }
}

/// The `BOOT_TIME` record of the utmpx database (illumos `getutxent(3C)`).
#[cfg(any(target_os = "illumos", target_os = "solaris"))]
fn utmpx_boot_time() -> Option<String> {
    let mut res = None;
    // SAFETY: setutxent/getutxent/endutxent walk libc's utmpx database; each returned pointer
    // is valid until the next call, and it is read before that.
    unsafe {
        libc::setutxent();
        loop {
            let e = libc::getutxent();
            if e.is_null() {
                break;
            }
            if (*e).ut_type == libc::BOOT_TIME {
                res = Some(format!("boot-{}.{}", (*e).ut_tv.tv_sec, (*e).ut_tv.tv_usec));
                break;
            }
        }
        libc::endutxent();
    }
    res
}

fn dladm_identity(path: &Path) -> String {
    match std::fs::metadata(path) {
        Ok(m) => format!(
            "{}:{}:{:?}",
            path.display(),
            m.len(),
            m.modified().ok().map(|t| t
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0))
        ),
        Err(_) => format!("{}:missing", path.display()),
    }
}

/// The cache file.
pub fn cache_path(host: &Host) -> std::path::PathBuf {
    host.state_dir().join("flavour.cache")
}

/// The flavour from the cache, if it was written during this boot for this dladm.
pub fn cached(host: &Host) -> Option<Flavour> {
    let text = std::fs::read_to_string(cache_path(host)).ok()?;
    let e: CacheEntry = serde_json::from_str(&text).ok()?;
    (e.boot == crate::journal::boot_key(&host.state_dir())
        && e.dladm == dladm_identity(&host.tools.dladm))
    .then_some(e.flavour)
}

/// Probes dladm (one process) and caches the answer. The cache write is best effort: a failure
/// only costs the next call another probe.
pub fn detect(host: &Host) -> Result<Flavour, FlavourError> {
    if let Some(f) = cached(host) {
        return Ok(f);
    }
    let f = parse_probe_output(host.dladm(&dladm::probe_command()))?;
    let e = CacheEntry {
        boot: crate::journal::boot_key(&host.state_dir()),
        dladm: dladm_identity(&host.tools.dladm),
        flavour: f,
    };
    if let Ok(text) = serde_json::to_vec(&e) {
        let _ = crate::journal::write_atomic(&cache_path(host), &text);
    }
    Ok(f)
}

/// The explicit choice (`--flavour` / `NETZONE_FLAVOUR`) if given, else [`detect`].
pub fn resolve(host: &Host, choice: Option<&str>) -> Result<Flavour, FlavourError> {
    match choice {
        Some(s) if !s.is_empty() => Ok(s.parse()?),
        _ => detect(host),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_flavour_has_its_dialect() {
        let z = crate::zonename::ZoneName::new("web1").unwrap();
        for f in [Flavour::Joyent, Flavour::Gate] {
            assert_eq!(f.dialect().flavour(), f);
        }
        let (j, g) = (Flavour::Joyent.dialect(), Flavour::Gate.dialect());
        // joyent names a zone's links with -z, in the zone's own name space.
        assert_eq!(j.zone_arg(Some(&z)), Some(&z));
        assert_eq!(g.zone_arg(Some(&z)), None);
        assert_eq!(j.link_home(&z), Some(z.clone()));
        assert_eq!(g.link_home(&z), None);
        assert!(!j.persistent_links() && g.persistent_links());
        assert!(!j.names_host_wide() && g.names_host_wide());
        let mut net: crate::zonecfg::Net = crate::zonecfg::parse_str(
            r#"<zone name="web1" zonepath="/zones/web1" brand="joyent" ip-type="exclusive">
                 <network physical="net0" global-nic="e1000g0"/></zone>"#,
            "t",
        )
        .unwrap()
        .nets
        .remove(0);
        // joyent: SmartOS's 1500 and locked-down protection; gate: neither (zoneadmd's).
        assert_eq!(
            j.create_mtu(&net).map(|m| m.to_string()),
            Some("1500".into())
        );
        assert_eq!(g.create_mtu(&net), None);
        assert!(!j.vnic_props(&net).is_empty());
        assert!(g.vnic_props(&net).is_empty());
        net.mtu = Some(crate::mtu::Mtu::new(9000).unwrap());
        assert_eq!(g.create_mtu(&net), net.mtu);
    }

    use crate::testutil::{ln, zn};

    fn vnic(link: &str, mac: &str, zone: Option<&str>) -> VnicInfo {
        crate::testutil::vnic(link, "e1000g0", mac, 0, zone)
            .vnic
            .expect("a VNIC")
    }

    #[test]
    fn show_vnic_fields_per_dialect() {
        let (j, g) = (Flavour::Joyent.dialect(), Flavour::Gate.dialect());
        assert_eq!(
            j.show_vnic_fields(),
            "LINK,OVER,MACADDRESS,MACADDRTYPE,VID,ZONE"
        );
        assert_eq!(g.show_vnic_fields(), "LINK,OVER,MACADDRESS,MACADDRTYPE,VID");
        assert!(j.vnic_walk_names_zones());
        assert!(!g.vnic_walk_names_zones());
        // The parser reads what the builder asked for: six fields on joyent, five on gate.
        let line = "net0:e1000g0:2\\:8\\:20\\:a\\:b\\:c:random:0:web1\n";
        assert_eq!(
            dladm::parse_show_vnic_output(line, Flavour::Joyent).unwrap()[0].zone,
            Some(zn("web1"))
        );
        assert!(dladm::parse_show_vnic_output(line, Flavour::Gate).is_err());
    }

    #[test]
    fn observation_joins_per_dialect() {
        let (j, g) = (Flavour::Joyent.dialect(), Flavour::Gate.dialect());
        let vnics = vec![
            vnic("net0", "2:8:20:0:0:1", Some("web1")),
            vnic("net0", "2:8:20:0:0:2", None),
        ];
        // The VNIC walk alone: joyent keeps each VNIC's zone; gate, without zone rows, takes
        // every VNIC for the global zone's.
        let o = j.observation(Vec::new(), &[], vnics.clone());
        assert_eq!(o.links.len(), 2);
        assert_eq!(o.links[0].zone, Some(zn("web1")));
        assert_eq!(o.links[1].zone, None);
        let o = g.observation(Vec::new(), &[], vnics.clone());
        assert!(o.links.iter().all(|l| l.zone.is_none()), "{o:?}");

        // With a zone walk. gate: its rows give the zones, matched to the VNICs in walk order.
        let rows = vec![
            (ln("e1000g0"), ZoneProp::Global),
            (ln("net0"), ZoneProp::Zone(zn("web2"))),
            (ln("net0"), ZoneProp::Global),
            (ln("lost0"), ZoneProp::Unreadable),
        ];
        let statuses = [(ln("lost0"), "invalid argument".to_string())];
        let o = g.observation(rows.clone(), &statuses, vnics.clone());
        assert_eq!(o.links.len(), 3, "{o:?}");
        assert!(o.links[0].vnic.is_none());
        assert_eq!(o.links[1].zone, Some(zn("web2")));
        assert_eq!(
            o.links[1].vnic.as_ref().unwrap().mac.unwrap().to_string(),
            "2:8:20:0:0:1"
        );
        assert_eq!(o.links[2].zone, None);
        assert_eq!(o.unreadable.len(), 1);
        assert_eq!(o.unreadable[0].status, "invalid argument");

        // joyent: the VNIC walk's zones stand; rows add a link of another class once (not
        // the VNICs it already has) and a `?` link the VNIC walk did not name.
        let o = j.observation(rows, &statuses, vnics);
        assert_eq!(o.links.len(), 4, "{o:?}");
        assert!(o
            .find(&ln("net0"), Some(&zn("web1")))
            .unwrap()
            .vnic
            .is_some());
        assert!(o
            .find(&ln("net0"), Some(&zn("web2")))
            .unwrap()
            .vnic
            .is_none());
        assert!(o.find(&ln("e1000g0"), None).unwrap().vnic.is_none());
        assert_eq!(o.unreadable.len(), 1);
        assert_eq!(o.unreadable[0].name, ln("lost0"));
        // A `?` row for a name the VNIC walk named is not unreadable on joyent.
        let o = j.observation(
            vec![(ln("net0"), ZoneProp::Unreadable)],
            &[],
            vec![vnic("net0", "2:8:20:0:0:1", Some("web1"))],
        );
        assert!(o.unreadable.is_empty());
        assert_eq!(o.links.len(), 1);
    }

    /// A host whose dladm is a script that logs each run's argv to `log` and answers
    /// `show-vnic` and `show-linkprop` with the given output and exit status.
    fn fake_dladm(
        dir: &Path,
        vnic_out: &str,
        prop_out: &str,
        prop_stderr: &str,
        prop_rc: u8,
    ) -> Host {
        use std::os::unix::fs::PermissionsExt;
        let p = dir.join("dladm");
        let log = dir.join("log");
        std::fs::write(
            &p,
            format!(
                "#!/bin/sh\necho \"$*\" >> '{}'\ncase \"$1\" in\n\
                 show-vnic) printf '{vnic_out}';;\n\
                 show-linkprop) printf '{prop_out}'; printf '{prop_stderr}' >&2; exit {prop_rc};;\n\
                 *) echo \"dladm: $1: object not found\" >&2; exit 1;;\nesac\n",
                log.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        Host::new(
            crate::host::Tools {
                dladm: p,
                ..Default::default()
            },
            dir,
        )
    }

    fn runs(dir: &Path) -> Vec<String> {
        std::fs::read_to_string(dir.join("log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn walk_per_dialect() {
        let vnic_j = "net0:e1000g0:2\\\\:8\\\\:20\\\\:0\\\\:0\\\\:1:random:0:web1\\n";
        let vnic_g = "net0:e1000g0:2\\\\:8\\\\:20\\\\:0\\\\:0\\\\:1:random:0\\n";
        let props = "e1000g0:\\nnet0:web1\\n";
        let (j, g) = (Flavour::Joyent.dialect(), Flavour::Gate.dialect());
        let all = |_: &LinkName| true;
        let none = |_: &LinkName| false;

        // joyent: one show-vnic walk with ZONE, whatever the interest.
        let dir = tempfile::tempdir().unwrap();
        let host = fake_dladm(dir.path(), vnic_j, props, "", 0);
        let o = j.walk(&host, &none, false).unwrap();
        assert_eq!(o.links.len(), 1);
        assert_eq!(o.links[0].zone, Some(zn("web1")));
        assert_eq!(
            runs(dir.path()),
            ["show-vnic -p -o LINK,OVER,MACADDRESS,MACADDRTYPE,VID,ZONE"]
        );

        // gate: the zone walk first; show-vnic only when a listed link is of interest.
        let dir = tempfile::tempdir().unwrap();
        let host = fake_dladm(dir.path(), vnic_g, props, "", 0);
        let o = g.walk(&host, &none, false).unwrap();
        assert_eq!(o.links.len(), 2);
        assert!(o.links.iter().all(|l| l.vnic.is_none()));
        assert_eq!(runs(dir.path()), ["show-linkprop -c -o LINK,VALUE -p zone"]);
        let o = g.walk(&host, &all, false).unwrap();
        let net0 = o.find(&ln("net0"), Some(&zn("web1"))).unwrap();
        assert_eq!(net0.vnic.as_ref().unwrap().zone, Some(zn("web1")));
        assert_eq!(runs(dir.path()).len(), 3);
        assert_eq!(
            runs(dir.path())[2],
            "show-vnic -p -o LINK,OVER,MACADDRESS,MACADDRTYPE,VID"
        );

        // gate: a link whose zone dladm cannot read fails the walk when it is of interest,
        // and is kept apart when asked to.
        let dir = tempfile::tempdir().unwrap();
        let host = fake_dladm(
            dir.path(),
            vnic_g,
            "e1000g0:\\nnet0:?\\n",
            "dladm: warning: cannot get link property '\\''zone'\\'' for net0: invalid argument\\n",
            1,
        );
        let only_net0 = |n: &LinkName| n.as_str() == "net0";
        match g.walk(&host, &only_net0, false) {
            Err(ObserveError::ZoneUnreadable { link, status }) => {
                assert_eq!(link, ln("net0"));
                assert_eq!(status, "invalid argument");
            }
            other => panic!("{other:?}"),
        }
        let o = g.walk(&host, &only_net0, true).unwrap();
        assert_eq!(o.unreadable.len(), 1);
        assert!(o.unreadable[0].vnic.is_some());
        assert_eq!(o.links.len(), 1);
        // joyent never runs the zone walk, so the same host is no trouble to it.
        let o = j.walk(&host, &only_net0, false);
        assert!(o.is_err(), "five fields are not joyent's six: {o:?}");
    }

    #[test]
    fn hook_action_per_dialect() {
        use crate::hook::{self, Action::*, Phase::*};
        let (j, g) = (Flavour::Joyent.dialect(), Flavour::Gate.dialect());
        // Ready: joyent validates first and creates after (statechange's post-ready);
        // gate creates before (OmniOS's prestate) and marks the links lent after.
        assert_eq!(j.hook_action(Pre, 2, hook::CMD_READY), Validate);
        assert_eq!(j.hook_action(Post, 2, hook::CMD_READY), Up);
        assert_eq!(g.hook_action(Pre, 2, hook::CMD_READY), Up);
        assert_eq!(g.hook_action(Post, 2, hook::CMD_READY), Lent);
        // Pre-halt: joyent shields a ready or running zone's lent links; gate cannot.
        for state in [hook::STATE_READY, hook::STATE_RUNNING] {
            assert_eq!(j.hook_action(Pre, state, hook::CMD_HALT), Shield);
            assert_eq!(g.hook_action(Pre, state, hook::CMD_HALT), Nothing);
        }
        assert_eq!(j.hook_action(Pre, 5, hook::CMD_HALT), Nothing);
        // The calls both answer alike are the table's, not the dialect's.
        for d in [j, g] {
            assert_eq!(d.hook_action(Post, 4, hook::CMD_HALT), Nothing);
            assert_eq!(d.hook_action(Pre, 3, 1), Nothing);
            assert_eq!(
                hook::dispatch(d.flavour(), Pre, hook::STATE_DOWN, hook::CMD_HALT),
                Reclaim
            );
            assert_eq!(hook::dispatch(d.flavour(), Post, 4, hook::CMD_HALT), Down);
            assert_eq!(
                hook::dispatch(d.flavour(), Pre, hook::STATE_SYSBOOT, hook::CMD_READY),
                Nothing
            );
        }
    }

    #[test]
    fn link_props_per_dialect() {
        let (j, g) = (Flavour::Joyent.dialect(), Flavour::Gate.dialect());
        assert_eq!(
            j.own_link_props(),
            ["dynamic-methods", "allow-all-dhcp-cids"]
        );
        assert!(g.own_link_props().is_empty());
        let mut net: crate::zonecfg::Net = crate::zonecfg::parse_str(
            r#"<zone name="web1" zonepath="/zones/web1" brand="joyent" ip-type="exclusive">
                 <network physical="net0" global-nic="e1000g0"
                          allowed-address="10.0.0.5/24"/></zone>"#,
            "t",
        )
        .unwrap()
        .nets
        .remove(0);
        // gate: zoneadmd's two, the address without its prefix.
        let p = g.carried_props(&net);
        assert_eq!(
            p.iter()
                .map(|p| format!("{}={}", p.name, p.values.join(",")))
                .collect::<Vec<_>>(),
            ["protection=ip-nospoof", "allowed-ips=10.0.0.5"]
        );
        // joyent: what create-vnic -p set, SmartOS's protection among it.
        assert_eq!(j.carried_props(&net), j.vnic_props(&net));
        assert!(j.carried_props(&net).iter().any(|p| p.name == "protection"));
        // Every property a dialect's links carry is one the live check reads there (else
        // the check could never see it).
        for d in [j, g] {
            let read = crate::live::checked_props(d.flavour());
            for p in d.carried_props(&net) {
                assert!(
                    read.contains(&p.name.as_str()),
                    "{}: {}",
                    d.flavour(),
                    p.name
                );
            }
        }
        net.allowed_address.clear();
        assert!(g.carried_props(&net).is_empty());
    }

    #[test]
    fn parses_names() {
        assert_eq!("joyent".parse::<Flavour>().unwrap(), Flavour::Joyent);
        assert_eq!("gate".parse::<Flavour>().unwrap(), Flavour::Gate);
        assert_eq!("omnios".parse::<Flavour>().unwrap(), Flavour::Gate);
        assert!("bsd".parse::<Flavour>().is_err());
        assert_eq!(Flavour::Gate.to_string(), "gate");
    }

    #[test]
    fn probe_outcomes() {
        assert_eq!(
            parse_probe_output(Ok(String::new())).unwrap(),
            Flavour::Joyent
        );
        let gate = HostError::Dladm {
            kind: DladmErrorKind::UnknownField,
            argv: Default::default(),
            message: "unknown output field: `zone'".into(),
        };
        assert_eq!(parse_probe_output(Err(gate)).unwrap(), Flavour::Gate);
        let gate = HostError::Dladm {
            kind: DladmErrorKind::Other,
            argv: Default::default(),
            message: "dladm show-link: unrecognized option '-z'".into(),
        };
        assert_eq!(parse_probe_output(Err(gate)).unwrap(), Flavour::Gate);
        let down = HostError::Dladm {
            kind: DladmErrorKind::DlmgmtdDown,
            argv: Default::default(),
            message: "x".into(),
        };
        assert!(parse_probe_output(Err(down)).is_err());
    }

    #[test]
    fn cache_is_keyed_by_boot_and_dladm() {
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("dladm");
        std::fs::write(&fake, "x").unwrap();
        let host = Host::new(
            crate::host::Tools {
                dladm: fake.clone(),
                ..Default::default()
            },
            dir.path(),
        );
        assert_eq!(cached(&host), None);
        let e = CacheEntry {
            boot: crate::journal::boot_key(&host.state_dir()),
            dladm: dladm_identity(&fake),
            flavour: Flavour::Gate,
        };
        crate::journal::write_atomic(&cache_path(&host), &serde_json::to_vec(&e).unwrap()).unwrap();
        assert_eq!(cached(&host), Some(Flavour::Gate));
        // Detect trusts the cache: no process runs (the fake dladm is not executable).
        assert_eq!(detect(&host).unwrap(), Flavour::Gate);
        // Another boot: stale.
        let stale = CacheEntry {
            boot: "another-boot".into(),
            ..e.clone()
        };
        crate::journal::write_atomic(&cache_path(&host), &serde_json::to_vec(&stale).unwrap())
            .unwrap();
        assert_eq!(cached(&host), None);
        // Another dladm binary: stale.
        crate::journal::write_atomic(&cache_path(&host), &serde_json::to_vec(&e).unwrap()).unwrap();
        std::fs::write(&fake, "a different dladm").unwrap();
        assert_eq!(cached(&host), None);
        assert_eq!(resolve(&host, Some("joyent")).unwrap(), Flavour::Joyent);
        assert!(resolve(&host, Some("x")).is_err());
    }
}
