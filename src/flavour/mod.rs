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
//! `joyent.rs`, [`Gate`] in `gate.rs`), which the planner and the executor ask.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use crate::dladm::LinkProp;
use crate::dladm::{self, DladmErrorKind};
use crate::host::{Host, HostError};
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
}

impl Flavour {
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
