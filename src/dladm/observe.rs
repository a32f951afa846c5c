//! What links exist and who holds them: one `show-vnic` walk on joyent (its ZONE field names the
//! zone), `show-linkprop -p zone` plus `show-vnic` on gate. Two processes at most per
//! observation, however many links there are.
//!
//! On gate, a link whose zone dladm cannot read (its walk prints `?` and exits 1) does not fail
//! the observation unless netzone has to place that link ([`ObserveError::ZoneUnreadable`]).
//!
//! A walk from the global zone lists the global zone's links plus every link on loan to a zone
//! (dlmgmtd `dlmgmt_getnext`); with IPD 3 names are per zone, so the same name may appear more
//! than once with different zones.

use crate::dladm::{self, VnicInfo};
use crate::flavour::Flavour;
use crate::host::{Host, HostError};
use crate::linkname::LinkName;
use crate::zonename::ZoneName;

/// One link seen by a walk.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ObservedLink {
    /// The link's name (in the zone holding it).
    pub name: LinkName,
    /// Holding zone; `None` = the global zone.
    pub zone: Option<ZoneName>,
    /// VNIC details; `None` for links of other classes (seen only on gate).
    pub vnic: Option<VnicInfo>,
}

/// Every link a walk from the global zone sees.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Observation {
    /// Every link seen: the global zone's and those on loan to zones.
    pub links: Vec<ObservedLink>,
}

/// Why the links could not be observed.
#[derive(Debug, thiserror::Error)]
pub enum ObserveError {
    /// dladm failed.
    #[error(transparent)]
    Host(#[from] HostError),
    /// dladm's output could not be read.
    #[error(transparent)]
    Parse(#[from] dladm::ParseError),
    /// gate: dladm could not read the zone of a link netzone has to place (its `show-linkprop`
    /// walk printed `?` for it).
    #[error(
        "link {link}: dladm cannot read which zone holds it ({status}), so netzone will not act \
         on it; `dladm show-linkprop -p zone {link}` shows the same"
    )]
    ZoneUnreadable {
        /// The link.
        link: LinkName,
        /// dladm's status for it (`invalid argument`, ...).
        status: String,
    },
}

impl Observation {
    /// From a joyent `show-vnic` walk (ZONE field filled).
    pub fn from_joyent(vnics: Vec<VnicInfo>) -> Self {
        Observation {
            links: vnics
                .into_iter()
                .map(|v| ObservedLink {
                    name: v.link.clone(),
                    zone: v.zone.clone(),
                    vnic: Some(v),
                })
                .collect(),
        }
    }

    /// From gate's `show-linkprop -p zone` walk (every link, with its zone) and `show-vnic` walk
    /// (details of VNICs, no zone). A VNIC name seen twice (one in the global zone, one on loan)
    /// is matched in walk order.
    pub fn from_gate(zones: Vec<(LinkName, Option<ZoneName>)>, vnics: Vec<VnicInfo>) -> Self {
        let mut vnics: Vec<Option<VnicInfo>> = vnics.into_iter().map(Some).collect();
        let mut links = Vec::with_capacity(zones.len());
        for (name, zone) in zones {
            let v = vnics
                .iter_mut()
                .find(|v| v.as_ref().is_some_and(|v| v.link == name))
                .and_then(Option::take)
                .map(|mut v| {
                    v.zone = zone.clone();
                    v
                });
            links.push(ObservedLink {
                name,
                zone,
                vnic: v,
            });
        }
        // VNICs the linkprop walk did not list (created between the two walks): global zone.
        for v in vnics.into_iter().flatten() {
            links.push(ObservedLink {
                name: v.link.clone(),
                zone: None,
                vnic: Some(v),
            });
        }
        Observation { links }
    }

    /// The link called `name` in zone `zone` (`None` = global zone).
    pub fn find(&self, name: &LinkName, zone: Option<&ZoneName>) -> Option<&ObservedLink> {
        self.links
            .iter()
            .find(|l| &l.name == name && l.zone.as_ref() == zone)
    }

    /// Every link called `name`, in any zone.
    pub fn named<'a>(&'a self, name: &'a LinkName) -> impl Iterator<Item = &'a ObservedLink> {
        self.links.iter().filter(move |l| &l.name == name)
    }

    /// Every link held by `zone`.
    pub fn in_zone<'a>(&'a self, zone: &'a ZoneName) -> impl Iterator<Item = &'a ObservedLink> {
        self.links
            .iter()
            .filter(move |l| l.zone.as_ref() == Some(zone))
    }
}

/// Observes the host's links: one dladm process on joyent, two on gate (plus one when the walk
/// comes back empty, see [`verify_dlmgmtd`]).
pub fn observe(host: &Host, flavour: Flavour) -> Result<Observation, ObserveError> {
    observe_checked(host, flavour, true)
}

/// [`observe`], confirming an empty walk only when `confirm_empty`: a caller with nothing
/// recorded to forget (an empty journal) loses nothing by reading "no links" from a dead
/// dlmgmtd, since its next command fails on the door anyway, and saves the probe.
pub fn observe_checked(
    host: &Host,
    flavour: Flavour,
    confirm_empty: bool,
) -> Result<Observation, ObserveError> {
    let obs = walk(host, flavour)?;
    if confirm_empty && obs.links.is_empty() {
        verify_dlmgmtd(host)?;
    }
    Ok(obs)
}

/// A name looked up only to see whether dlmgmtd answers; whether it exists does not matter.
pub const PROBE_LINK: &str = "nzprobe0";

/// `show-link -p -o LINK nzprobe0`: a lookup by name, which goes through dlmgmtd's door.
pub fn dlmgmtd_probe_command() -> Vec<String> {
    ["show-link", "-p", "-o", "LINK", PROBE_LINK]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// dladm's walks print nothing and exit 0 when dlmgmtd is down: the walk's door call fails and
/// the show subcommands ignore the walk's status (`dladm.c` `do_show_vnic_common`,
/// `(void) dladm_walk_datalink_id(...)`). An empty walk would then read as "no links", and a
/// journal would be forgotten while its links sit in a zone. So an empty walk is confirmed by a
/// lookup by name, which reports the door failure ("operation failed"); "not found" means dlmgmtd
/// answered.
///
/// The failure is reported without the probe's name (an internal detail) and without claiming
/// more than dladm said: libdladm maps any errno it has no status for to "operation failed"
/// (`dladm_errno2status`), a dead door among them, so the message says what failed and where
/// to look.
pub fn verify_dlmgmtd(host: &Host) -> Result<(), HostError> {
    check_dlmgmtd(host, &dlmgmtd_probe_command())
}

/// [`verify_dlmgmtd`] with the probe's argv given (a delete step's "not found" fallback,
/// [`crate::plan::Step::commands`], which is built from [`dlmgmtd_probe_command`]).
pub fn check_dlmgmtd(host: &Host, argv: &[String]) -> Result<(), HostError> {
    match host.dladm(argv) {
        Ok(_) => Ok(()),
        Err(e) if e.dladm_kind() == Some(dladm::DladmErrorKind::NotFound) => Ok(()),
        Err(HostError::Dladm {
            kind,
            argv,
            message,
        }) => {
            let status = message.rsplit(": ").next().unwrap_or(&message).to_string();
            Err(HostError::Dladm {
                kind,
                argv,
                message: format!(
                    "dladm listed no links, and looking a link up by name failed ({status})"
                ),
            })
        }
        Err(e) => Err(e),
    }
}

fn walk(host: &Host, flavour: Flavour) -> Result<Observation, ObserveError> {
    walk_interested(host, flavour, &|_| true)
}

/// [`observe_checked`], but on gate the `show-vnic` walk runs only when the `show-linkprop` walk
/// lists a link `interest` cares about: a boot whose link names are all free costs one process.
/// Links seen without VNIC details have `vnic: None`.
pub fn observe_interested(
    host: &Host,
    flavour: Flavour,
    confirm_empty: bool,
    interest: &dyn Fn(&LinkName) -> bool,
) -> Result<Observation, ObserveError> {
    let obs = walk_interested(host, flavour, interest)?;
    if confirm_empty && obs.links.is_empty() {
        verify_dlmgmtd(host)?;
    }
    Ok(obs)
}

fn walk_interested(
    host: &Host,
    flavour: Flavour,
    interest: &dyn Fn(&LinkName) -> bool,
) -> Result<Observation, ObserveError> {
    match flavour {
        Flavour::Joyent => {
            let out = host.dladm(&dladm::show_vnic_command(flavour))?;
            Ok(Observation::from_joyent(dladm::parse_show_vnic_output(
                &out, flavour,
            )?))
        }
        Flavour::Gate => {
            let zones = gate_zone_walk(host, interest)?;
            let vnics = if zones.iter().any(|(n, _)| interest(n)) {
                let out = host.dladm(&dladm::show_vnic_command(flavour))?;
                let v = dladm::parse_show_vnic_output(&out, flavour)?;
                // The first walk listed links of interest and the second none: dlmgmtd may
                // have stopped in between (walks then print nothing and succeed). Without the
                // details those links would read as "not a VNIC", i.e. not netzone's.
                if v.is_empty() {
                    verify_dlmgmtd(host)?;
                }
                v
            } else {
                Vec::new()
            };
            Ok(Observation::from_gate(zones, vnics))
        }
    }
}

/// gate's `show-linkprop -c -o LINK,VALUE -p zone` walk. dladm goes on past a link whose zone it
/// cannot read (linkprop.c `get_zone`: `getzonenamebyid` fails): it prints `?` in that row, warns
/// "cannot get link property 'zone' for L: <status>", and exits 1 once the walk is done (dladm.c
/// `print_linkprop`, `print_linkprop_cb`, `do_show_linkprop`'s `ls_retstatus`). The other rows
/// are complete, so one such link does not fail the observation: a link `interest` names is
/// refused ([`ObserveError::ZoneUnreadable`]; netzone acts on no link it cannot place), any
/// other is left out. Any other failure is the run's error, as always.
fn gate_zone_walk(
    host: &Host,
    interest: &dyn Fn(&LinkName) -> bool,
) -> Result<Vec<(LinkName, Option<ZoneName>)>, ObserveError> {
    let args = dladm::show_zone_prop_command();
    let out = host.run(crate::host::Tool::Dladm, &args)?;
    if out.status == Some(0) {
        return Ok(dladm::parse_show_zone_prop_output(&out.stdout)?);
    }
    let warnings: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    let per_link = out.status == Some(1)
        && !warnings.is_empty()
        && warnings
            .iter()
            .all(|l| l.contains("cannot get link property 'zone' for "));
    let rows = match dladm::parse_show_zone_prop_rows(&out.stdout) {
        Ok(rows) if per_link && rows.iter().any(|(_, z)| *z == dladm::ZoneProp::Unreadable) => rows,
        _ => {
            return match Host::dladm_verdict(&args, out) {
                Ok(_) => Ok(Vec::new()),
                Err(e) => Err(e.into()),
            }
        }
    };
    let mut zones = Vec::with_capacity(rows.len());
    for (link, zone) in rows {
        match zone {
            dladm::ZoneProp::Global => zones.push((link, None)),
            dladm::ZoneProp::Zone(z) => zones.push((link, Some(z))),
            dladm::ZoneProp::Unreadable if interest(&link) => {
                let status = warnings
                    .iter()
                    .find_map(|l| l.split_once(&format!("'zone' for {link}: ")).map(|x| x.1))
                    .unwrap_or("unknown status")
                    .trim()
                    .to_string();
                return Err(ObserveError::ZoneUnreadable { link, status });
            }
            dladm::ZoneProp::Unreadable => {}
        }
    }
    Ok(zones)
}

/// The VNICs over `over` (one process): on joyent with their zones, on gate without (as if in
/// the global zone). Fails when dlmgmtd is not answering (see
/// [`dladm::show_vnic_over_command`]), so no probe is needed.
pub fn observe_over(
    host: &Host,
    flavour: Flavour,
    over: &LinkName,
) -> Result<Vec<VnicInfo>, ObserveError> {
    let out = host.dladm(&dladm::show_vnic_over_command(flavour, over))?;
    Ok(dladm::parse_show_vnic_output(&out, flavour)?)
}

/// VNIC details (one process); on gate without zones.
pub fn observe_vnics(host: &Host, flavour: Flavour) -> Result<Vec<VnicInfo>, ObserveError> {
    let out = host.dladm(&dladm::show_vnic_command(flavour))?;
    Ok(dladm::parse_show_vnic_output(&out, flavour)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gate_merge_assigns_zones() {
        let zones = dladm::parse_show_zone_prop_output("e1000g0:\nnet0:web1\nnet0:\n").unwrap();
        let vnics = dladm::parse_show_vnic_output(
            "net0:e1000g0:2\\:8\\:20\\:1\\:2\\:3:random:0\nnet0:e1000g0:2\\:8\\:20\\:1\\:2\\:4:random:0\nlate0:e1000g0:2\\:8\\:20\\:1\\:2\\:5:random:0\n",
            Flavour::Gate,
        )
        .unwrap();
        let o = Observation::from_gate(zones, vnics);
        assert_eq!(o.links.len(), 4);
        assert!(o.links[0].vnic.is_none());
        let n0 = LinkName::new("net0").unwrap();
        let web1 = ZoneName::new("web1").unwrap();
        let l = o.find(&n0, Some(&web1)).unwrap();
        assert_eq!(l.vnic.as_ref().unwrap().zone, Some(web1.clone()));
        assert!(o.find(&n0, None).is_some());
        assert_eq!(o.named(&n0).count(), 2);
        assert_eq!(o.in_zone(&web1).count(), 1);
        assert!(o
            .find(&LinkName::new("late0").unwrap(), None)
            .is_some_and(|l| l.vnic.is_some()));
    }
}
