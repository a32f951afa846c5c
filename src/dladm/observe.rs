//! What links exist and who holds them: one `show-vnic` walk on joyent (its ZONE field names the
//! zone), `show-linkprop -p zone` plus `show-vnic` on gate. Two processes at most per
//! observation, however many links there are.
//!
//! On gate, a link whose zone dladm cannot read (its walk prints `?` and exits 1) does not fail
//! the observation unless netzone has to place that link ([`ObserveError::ZoneUnreadable`]);
//! [`observe_all`] keeps such links apart, in [`Observation::unreadable`], for the commands that
//! walk every link (`show`, `gc`, `recover`) and judge each one.
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

/// A link the walk saw whose zone dladm could not read (gate: `?` in its `show-linkprop -p
/// zone` row). It may be held by any zone, the global zone included, so it is never among
/// [`Observation::links`]: whoever would act on it cannot know where it is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UnreadableLink {
    /// The link's name (in whatever zone holds it).
    pub name: LinkName,
    /// dladm's status for the property (`invalid argument`, ...).
    pub status: String,
    /// VNIC details, when `show-vnic` listed a VNIC of that name (its zone field is `None`:
    /// unknown, not global).
    pub vnic: Option<VnicInfo>,
}

/// Every link a walk from the global zone sees.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Observation {
    /// Every link seen: the global zone's and those on loan to zones.
    pub links: Vec<ObservedLink>,
    /// gate: links whose zone dladm could not read ([`observe_all`] only; empty otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unreadable: Vec<UnreadableLink>,
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
            unreadable: Vec::new(),
        }
    }

    /// From a joyent `show-vnic` walk joined with a `show-linkprop` walk that read `zone`
    /// (`rows`, in walk order): the VNIC walk names each VNIC's zone; a row adds a link of
    /// another class (`vnic: None`) where the VNIC walk has no link of that name in that zone,
    /// and a row whose zone dladm could not read (`?`) goes to [`Observation::unreadable`]
    /// (with its status from `statuses`) unless the VNIC walk named a link of that name.
    pub fn from_joyent_rows(
        vnics: Vec<VnicInfo>,
        rows: Vec<(LinkName, dladm::ZoneProp)>,
        statuses: &[(LinkName, String)],
    ) -> Self {
        let mut o = Self::from_joyent(vnics);
        for (name, prop) in rows {
            let zone = match prop {
                dladm::ZoneProp::Unreadable => {
                    if o.named(&name).next().is_none() {
                        let status = status_of(statuses, &name);
                        o.unreadable.push(UnreadableLink {
                            name,
                            status,
                            vnic: None,
                        });
                    }
                    continue;
                }
                dladm::ZoneProp::Global => None,
                dladm::ZoneProp::Zone(z) => Some(z),
            };
            if o.find(&name, zone.as_ref()).is_none() {
                o.links.push(ObservedLink {
                    name,
                    zone,
                    vnic: None,
                });
            }
        }
        o
    }

    /// From gate's `show-linkprop -p zone` walk (every link, with its zone) and `show-vnic` walk
    /// (details of VNICs, no zone). A VNIC name seen twice (one in the global zone, one on loan)
    /// is matched in walk order.
    pub fn from_gate(zones: Vec<(LinkName, Option<ZoneName>)>, vnics: Vec<VnicInfo>) -> Self {
        Self::from_gate_rows(
            zones
                .into_iter()
                .map(|(n, z)| {
                    (
                        n,
                        match z {
                            Some(z) => dladm::ZoneProp::Zone(z),
                            None => dladm::ZoneProp::Global,
                        },
                    )
                })
                .collect(),
            &[],
            vnics,
        )
    }

    /// [`Observation::from_gate`] from the walk's rows as read, `?` rows included: those go to
    /// [`Observation::unreadable`] (with dladm's status from `statuses`, by link name) and take
    /// their VNIC's details with them, so a VNIC whose zone is unknown is never taken for one
    /// of the global zone's.
    pub fn from_gate_rows(
        rows: Vec<(LinkName, dladm::ZoneProp)>,
        statuses: &[(LinkName, String)],
        vnics: Vec<VnicInfo>,
    ) -> Self {
        let mut vnics: Vec<Option<VnicInfo>> = vnics.into_iter().map(Some).collect();
        let mut links = Vec::with_capacity(rows.len());
        let mut unreadable = Vec::new();
        for (name, prop) in rows {
            let v = vnics
                .iter_mut()
                .find(|v| v.as_ref().is_some_and(|v| v.link == name))
                .and_then(Option::take);
            let zone = match prop {
                dladm::ZoneProp::Global => None,
                dladm::ZoneProp::Zone(z) => Some(z),
                dladm::ZoneProp::Unreadable => {
                    let status = status_of(statuses, &name);
                    unreadable.push(UnreadableLink {
                        name,
                        status,
                        vnic: v,
                    });
                    continue;
                }
            };
            let v = v.map(|mut v| {
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
        Observation { links, unreadable }
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

    /// The link called `name` whose zone dladm could not read, if any: it may be a link of any
    /// zone of that name.
    pub fn unreadable_named(&self, name: &LinkName) -> Option<&UnreadableLink> {
        self.unreadable.iter().find(|u| &u.name == name)
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

/// [`observe`] for a command that judges every link on its own (`show`, `gc`, `recover`): on
/// gate, a link whose zone dladm cannot read does not fail the observation but is kept in
/// [`Observation::unreadable`], never among the links whose zone is known. Same processes as
/// [`observe`].
pub fn observe_all(host: &Host, flavour: Flavour) -> Result<Observation, ObserveError> {
    let obs = walk_interested(host, flavour, &|_| true, true)?;
    if obs.links.is_empty() && obs.unreadable.is_empty() {
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
    walk_interested(host, flavour, &|_| true, false)
}

/// [`observe_checked`], but on gate the `show-vnic` walk runs only when the `show-linkprop` walk
/// lists a link `interest` cares about: a boot whose link names are all free costs one process.
/// Links seen without VNIC details have `vnic: None`. A link whose zone dladm cannot read fails
/// the observation if `interest` names it ([`ObserveError::ZoneUnreadable`]); any other is kept
/// in [`Observation::unreadable`].
pub fn observe_interested(
    host: &Host,
    flavour: Flavour,
    confirm_empty: bool,
    interest: &dyn Fn(&LinkName) -> bool,
) -> Result<Observation, ObserveError> {
    let obs = walk_interested(host, flavour, interest, false)?;
    if confirm_empty && obs.links.is_empty() && obs.unreadable.is_empty() {
        verify_dlmgmtd(host)?;
    }
    Ok(obs)
}

/// One walk, the dialect's own ([`crate::flavour::Dialect::walk`]). gate: a link whose zone
/// dladm cannot read is refused when `interest` names it, unless `keep_unreadable` (then every
/// such link is kept in [`Observation::unreadable`]).
fn walk_interested(
    host: &Host,
    flavour: Flavour,
    interest: &dyn Fn(&LinkName) -> bool,
    keep_unreadable: bool,
) -> Result<Observation, ObserveError> {
    flavour.dialect().walk(host, interest, keep_unreadable)
}

/// joyent's walk: one `show-vnic` walk whose ZONE field names each VNIC's zone.
pub(crate) fn walk_vnics_with_zones(
    host: &Host,
    flavour: Flavour,
) -> Result<Observation, ObserveError> {
    let out = host.dladm(&dladm::show_vnic_command(flavour))?;
    Ok(Observation::from_joyent(dladm::parse_show_vnic_output(
        &out, flavour,
    )?))
}

/// gate's walk: the `show-linkprop -p zone` walk, then the `show-vnic` walk only when the
/// first lists a link `interest` cares about. A link whose zone dladm cannot read is refused
/// when `interest` names it, unless `keep_unreadable`.
pub(crate) fn walk_zones_then_vnics(
    host: &Host,
    flavour: Flavour,
    interest: &dyn Fn(&LinkName) -> bool,
    keep_unreadable: bool,
) -> Result<Observation, ObserveError> {
    let (rows, statuses) = gate_zone_walk(host)?;
    if !keep_unreadable {
        let refused = rows
            .iter()
            .find(|(n, z)| *z == dladm::ZoneProp::Unreadable && interest(n));
        if let Some((link, _)) = refused {
            let status = status_of(&statuses, link);
            return Err(ObserveError::ZoneUnreadable {
                link: link.clone(),
                status,
            });
        }
    }
    let vnics = if rows.iter().any(|(n, _)| interest(n)) {
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
    Ok(Observation::from_gate_rows(rows, &statuses, vnics))
}

/// gate's `show-linkprop -c -o LINK,VALUE -p zone` walk: its rows, and dladm's status for each
/// link whose zone it could not read. dladm goes on past such a link (linkprop.c `get_zone`:
/// `getzonenamebyid` fails): it prints `?` in that row, warns "cannot get link property 'zone'
/// for L: <status>", and exits 1 once the walk is done (dladm.c `print_linkprop`,
/// `print_linkprop_cb`, `do_show_linkprop`'s `ls_retstatus`). The other rows are complete, so
/// such a run is read, not failed; the caller decides what a `?` row means to it. Any other
/// failure is the run's error, as always.
fn gate_zone_walk(
    host: &Host,
) -> Result<(Vec<(LinkName, dladm::ZoneProp)>, ZoneStatuses), ObserveError> {
    linkprop_walk(
        host,
        &dladm::show_zone_prop_command(),
        dladm::parse_show_zone_prop_rows,
        |(link, z)| (*z == dladm::ZoneProp::Unreadable).then_some(link),
    )
}

/// dladm's status for each link whose zone it could not read, by link name.
pub(crate) type ZoneStatuses = Vec<(LinkName, String)>;

/// Runs a `show-linkprop` walk that reads `zone` and parses it with `parse`, reading past the
/// links whose zone dladm could not read (`unreadable` picks out their rows): such a run exits 1
/// with only per-link warnings (see [`gate_zone_walk`]) and its rows are complete. Returns the
/// rows and dladm's status for each unreadable link; any other failure is the run's error.
pub(crate) fn linkprop_walk<T>(
    host: &Host,
    args: &[String],
    parse: impl Fn(&str) -> Result<Vec<T>, dladm::ParseError>,
    unreadable: impl Fn(&T) -> Option<&LinkName>,
) -> Result<(Vec<T>, ZoneStatuses), ObserveError> {
    let out = host.run(crate::host::Tool::Dladm, args)?;
    if out.status != Some(0) && only_zone_warnings(&out) {
        if let Ok(rows) = parse(&out.stdout) {
            if rows.iter().any(|r| unreadable(r).is_some()) {
                let statuses = zone_statuses(&out.stderr, rows.iter().filter_map(&unreadable));
                return Ok((rows, statuses));
            }
        }
    }
    let stdout = Host::dladm_verdict(args, out)?;
    let rows = parse(&stdout)?;
    let statuses = zone_statuses("", rows.iter().filter_map(&unreadable));
    Ok((rows, statuses))
}

/// Whether a `show-linkprop` walk that exited non-zero failed only because some links' `zone`
/// could not be read: exit 1 and nothing on stderr but dladm's per-link warnings (see
/// [`gate_zone_walk`]). Such a walk's other rows are complete.
fn only_zone_warnings(out: &crate::host::Output) -> bool {
    let mut warnings = out
        .stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .peekable();
    out.status == Some(1)
        && warnings.peek().is_some()
        && warnings.all(|l| l.contains("cannot get link property 'zone' for "))
}

/// dladm's status for `link` among `statuses` ([`zone_statuses`]); "unknown status" when it
/// printed none for it.
fn status_of(statuses: &[(LinkName, String)], link: &LinkName) -> String {
    statuses
        .iter()
        .find(|(n, _)| n == link)
        .map(|(_, s)| s.clone())
        .unwrap_or_else(|| "unknown status".to_string())
}

/// dladm's status for each of `links` from its warnings "cannot get link property 'zone' for
/// L: STATUS" on `stderr` ("unknown status" when it gave none).
fn zone_statuses<'a>(
    stderr: &str,
    links: impl Iterator<Item = &'a LinkName>,
) -> Vec<(LinkName, String)> {
    links
        .map(|link| {
            let status = stderr
                .lines()
                .find_map(|l| l.split_once(&format!("'zone' for {link}: ")).map(|x| x.1))
                .unwrap_or("unknown status")
                .trim()
                .to_string();
            (link.clone(), status)
        })
        .collect()
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

    /// A `?` row keeps its VNIC: the VNIC is never left over and taken for a global-zone link.
    #[test]
    fn gate_unreadable_rows_are_kept_apart_with_their_vnic() {
        let rows = dladm::parse_show_zone_prop_rows("e1000g0:\nvnic7:?\nnet0:web1\n").unwrap();
        let vnics = dladm::parse_show_vnic_output(
            "vnic7:e1000g0:2\\:8\\:20\\:1\\:2\\:3:random:0\nnet0:e1000g0:2\\:8\\:20\\:1\\:2\\:4:random:0\n",
            Flavour::Gate,
        )
        .unwrap();
        let v7 = LinkName::new("vnic7").unwrap();
        let o =
            Observation::from_gate_rows(rows, &[(v7.clone(), "invalid argument".into())], vnics);
        assert_eq!(o.links.len(), 2);
        assert_eq!(o.named(&v7).count(), 0);
        let u = o.unreadable_named(&v7).unwrap();
        assert_eq!(u.status, "invalid argument");
        assert_eq!(u.vnic.as_ref().map(|v| v.over.as_str()), Some("e1000g0"));
        assert!(o
            .unreadable_named(&LinkName::new("net0").unwrap())
            .is_none());
    }
}
