//! Reclaiming the links of a zone stuck `down`, so that it can be halted and booted again.
//!
//! A zone sits in `down` (state 6) when zoneadmd's teardown could not take its links back, most
//! often because dlmgmtd was not running at halt: illumos-gate `usr/src/cmd/zoneadmd/vplat.c`
//! `unconfigure_exclusive_network_interfaces` retries `zone=global` on every leftover, logs
//! "%d datalink(s) remain in zone after shutdown" and fails `vplat_teardown`, so `zone_destroy`
//! never runs. The operator's way out (omniosorg/illumos-omnios #18) is to free the links by
//! hand and halt again; [`reclaim`] is that, done safely:
//! - a link netzone can prove it created (its zone's journal records it, or it carries the
//!   zone's temporary name, see [`crate::tempname`]) is deleted: a transient link of a zone at or
//!   past shutting down may be deleted from the global zone (`dls_mgmt.c` `dls_devnet_unset`);
//! - any other link belongs to the operator and is only handed back to the global zone,
//!   `set-linkprop -t [-z ZONE] -p zone=global LINK`, the call zoneadmd itself makes;
//! - if the global zone already holds a link of that name, the hand-back would fail with EEXIST
//!   (dlmgmtd `dlmgmt_setzoneid`; illumos bug 10001, where a duplicate even aborts dlmgmtd), so the
//!   link is first renamed inside the zone (`rename-link -z`, illumos-joyent only) to a free
//!   name, which is reported. On gate a loaned link cannot be renamed (`dls_devnet_rename`: EBUSY),
//!   so such a link is reported as blocked and left alone.
//!
//! The decision is [`decide`], a pure function of the observed links and the journal; [`reclaim`]
//! observes, decides and applies it under the zone's journal lock. The brand hook calls
//! [`reclaim`] at pre-halt of a `down` zone, the `netzone recover` command calls it and then
//! re-runs the halt.

use std::collections::BTreeSet;
use std::fmt;

use crate::apply::{self, Deleted};
use crate::dladm::observe::{self, Observation, ObserveError};
use crate::dladm::{self, DladmErrorKind};
use crate::flavour::Flavour;
use crate::host::{Host, HostError};
use crate::identity;
use crate::journal::{Journal, JournalError};
use crate::linkname::LinkName;
use crate::plan::{self, Step};
use crate::tempname;
use crate::zonename::ZoneName;

/// How netzone knows it created a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    /// The zone's journal records it.
    Journal,
    /// It carries one of the zone's temporary names (a crash before the journal was confirmed).
    TempName,
}

impl fmt::Display for Proof {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Proof::Journal => "recorded in its journal",
            Proof::TempName => "netzone temporary name",
        })
    }
}

/// One thing reclaim does to one link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Delete a link netzone created. `zone` is where it was seen (`None` = global zone), `net`
    /// the journal entry it belongs to, `temp` its temporary name.
    Delete {
        name: LinkName,
        zone: Option<ZoneName>,
        net: Option<LinkName>,
        temp: Option<LinkName>,
        proof: Proof,
        /// Its record says it is persistent: deleted without `-t`.
        persistent: bool,
    },
    /// Hand an operator link back to the global zone.
    Return { name: LinkName },
    /// Rename an operator link inside the zone, because the global zone has a link of the same
    /// name (illumos bug 10001), then hand it back under the new name.
    RenameReturn { name: LinkName, new_name: LinkName },
    /// An operator link that cannot be handed back; left alone.
    Blocked { name: LinkName, reason: String },
}

impl Action {
    /// The link acted on, by its name when observed.
    pub fn link(&self) -> &LinkName {
        match self {
            Action::Delete { name, .. }
            | Action::Return { name }
            | Action::RenameReturn { name, .. }
            | Action::Blocked { name, .. } => name,
        }
    }

    /// One line for the operator: what was done (`done`), or what would be.
    pub fn describe(&self, done: bool) -> String {
        let (del, ret, ren) = if done {
            ("deleted", "returned", "renamed")
        } else {
            ("would delete", "would return", "would rename")
        };
        match self {
            Action::Delete {
                name, zone, proof, ..
            } => {
                let place = match zone {
                    Some(_) => "",
                    None => " from the global zone",
                };
                format!("{del} {name}{place} (created by netzone: {proof})")
            }
            Action::Return { name } => {
                format!("{ret} {name} to the global zone (operator link)")
            }
            Action::RenameReturn { name, new_name } => format!(
                "{ren} {name} to {new_name} and {} it to the global zone, which already has a \
                 link named {name} (illumos bug 10001)",
                if done { "returned" } else { "return" }
            ),
            Action::Blocked { name, reason } => format!("cannot return {name}: {reason}"),
        }
    }
}

/// What reclaim will do for one zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReclaimPlan {
    pub zone: ZoneName,
    pub actions: Vec<Action>,
    /// Journal entries that identify no existing link: dropped.
    pub forget: Vec<LinkName>,
    /// Links the journal names that are somebody else's: left alone, reported.
    pub not_ours: Vec<identity::NotOurs>,
}

impl ReclaimPlan {
    pub fn is_noop(&self) -> bool {
        self.actions.is_empty() && self.forget.is_empty()
    }
}

/// Longest suffix [`free_name`] appends (`_rec` and up to 4 digits).
const MAX_SUFFIX: usize = 8;

/// A free name for an operator link moved out of the way: `<name>_rec<n>`, the smallest `n` such
/// that the name is not `taken`. Always a valid link name (it ends in a number with no leading
/// zero; the original name is shortened to keep it within 31 characters).
pub fn free_name(name: &LinkName, taken: &dyn Fn(&str) -> bool) -> LinkName {
    let stem: String = name
        .as_str()
        .chars()
        .take(crate::linkname::MAX_LINK_NAME_LEN - MAX_SUFFIX)
        .collect();
    (0..10_000)
        .filter_map(|n| LinkName::new(&format!("{stem}_rec{n}")).ok())
        .find(|c| !taken(c.as_str()))
        .expect("fewer than 10000 links share a stem")
}

/// The pure decision: for `zone`, given every link the global zone sees and the zone's journal.
///
/// Netzone's links, in the zone or left in the global zone, come from the engine's
/// [`plan::plan_down`] (one definition of ownership for halt and reclaim); every other link the
/// zone holds is the operator's.
pub fn decide(
    zone: &ZoneName,
    flavour: Flavour,
    obs: &Observation,
    journal: &Journal,
) -> ReclaimPlan {
    let down = plan::plan_down(zone, flavour, obs, journal);
    let mut actions = Vec::new();
    for step in &down.steps {
        if let Step::Delete {
            net,
            name,
            zone: z,
            persistent,
        } = step
        {
            let entry = net
                .as_ref()
                .and_then(|n| journal.links.iter().find(|e| &e.net == n));
            let temp = entry.map(|e| e.name.clone()).or_else(|| {
                tempname::owned_index(name, zone).map(|i| tempname::temp_name(zone, i))
            });
            actions.push(Action::Delete {
                name: name.clone(),
                zone: z.clone(),
                net: net.clone(),
                temp,
                proof: if entry.is_some() {
                    Proof::Journal
                } else {
                    Proof::TempName
                },
                persistent: *persistent,
            });
        }
    }
    for (name, reason) in &down.blocked {
        actions.push(Action::Blocked {
            name: name.clone(),
            reason: reason.clone(),
        });
    }
    let in_zone: BTreeSet<&str> = obs.in_zone(zone).map(|l| l.name.as_str()).collect();
    let mut global: BTreeSet<String> = obs
        .links
        .iter()
        .filter(|l| l.zone.is_none())
        .map(|l| l.name.to_string())
        .collect();
    for l in obs.in_zone(zone) {
        // netzone's links (those a record identifies) are the plan's to delete, or blocked.
        if journal.links.iter().any(|e| identity::identifies(e, l))
            || down.blocked.iter().any(|(n, _)| n == &l.name)
        {
            continue;
        }
        if !global.contains(l.name.as_str()) {
            global.insert(l.name.to_string());
            actions.push(Action::Return {
                name: l.name.clone(),
            });
            continue;
        }
        match flavour {
            Flavour::Joyent => {
                let new_name = free_name(&l.name, &|c| global.contains(c) || in_zone.contains(c));
                global.insert(new_name.to_string());
                actions.push(Action::RenameReturn {
                    name: l.name.clone(),
                    new_name,
                });
            }
            Flavour::Gate => actions.push(Action::Blocked {
                name: l.name.clone(),
                reason: format!(
                    "the global zone already has a link named {} (illumos bug 10001), and this \
                     dladm cannot rename a link inside a zone; rename the global zone's {} and \
                     run recover again",
                    l.name, l.name
                ),
            }),
        }
    }
    ReclaimPlan {
        zone: zone.clone(),
        actions,
        forget: down.forget,
        not_ours: down.not_ours,
    }
}

/// Why a reclaim could not run or did not finish.
#[derive(Debug, thiserror::Error)]
pub enum RecoverError {
    #[error(
        "{0}: dlmgmtd may not be answering (check svcs svc:/network/datalink-management), so nothing was \
         changed; try again once it is online"
    )]
    DlmgmtdDown(String),
    #[error("{}cannot observe links: {source}", zone.as_ref().map(|z| format!("zone '{z}': ")).unwrap_or_default())]
    Observe {
        zone: Option<ZoneName>,
        #[source]
        source: ObserveError,
    },
    #[error("zone '{zone}': {source}")]
    Journal {
        zone: ZoneName,
        #[source]
        source: JournalError,
    },
    #[error(transparent)]
    ZoneList(#[from] crate::zoneadm::ZoneListError),
    /// Some actions failed; the others were carried out.
    #[error("zone '{zone}': {}", failures.join("; "))]
    Incomplete {
        zone: ZoneName,
        failures: Vec<String>,
        /// What was done before and after the failures.
        done: Vec<String>,
    },
}

/// Whether a failed dladm run means dlmgmtd is not answering. The door call to a dead dlmgmtd
/// fails with EBADF, which libdladm maps to `DLADM_STATUS_FAILED`, "operation failed"
/// (`libdladm.c` `dladm_door_call`, `dladm_errno2status`).
pub fn is_dlmgmtd_down(e: &HostError) -> bool {
    match e {
        HostError::Dladm { kind, message, .. } => {
            *kind == DladmErrorKind::DlmgmtdDown || message.contains("operation failed")
        }
        _ => false,
    }
}

/// Observes the host's links, telling a stopped dlmgmtd apart from other failures.
pub fn observe_links(
    host: &Host,
    flavour: Flavour,
    zone: Option<&ZoneName>,
) -> Result<Observation, RecoverError> {
    observe::observe(host, flavour).map_err(|source| match &source {
        ObserveError::Host(h) if is_dlmgmtd_down(h) => RecoverError::DlmgmtdDown(dladm_message(h)),
        _ => RecoverError::Observe {
            zone: zone.cloned(),
            source,
        },
    })
}

fn dladm_message(e: &HostError) -> String {
    match e {
        HostError::Dladm { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

/// What a reclaim did (or, dry, would do).
#[derive(Debug, Clone)]
pub struct ReclaimReport {
    pub plan: ReclaimPlan,
    /// One line per action carried out, in order.
    pub done: Vec<String>,
}

/// Frees the links `zone` holds, as [`decide`] says. Takes the zone's journal lock for the
/// duration (never across a halt: the brand hook takes it too). With `dry_run`, observes and
/// decides only. `log` receives one line per change made, for syslog and `-v`.
pub fn reclaim(
    host: &Host,
    flavour: Flavour,
    zone: &ZoneName,
    dry_run: bool,
    log: &mut dyn FnMut(&str),
) -> Result<ReclaimReport, RecoverError> {
    let jerr = |source| RecoverError::Journal {
        zone: zone.clone(),
        source,
    };
    let state = host.state_dir();
    let _lock = host.lock_zone(zone).map_err(jerr)?;
    let mut j = Journal::load(&state, zone).map_err(jerr)?;
    let obs = observe_links(host, flavour, Some(zone))?;
    let plan = decide(zone, flavour, &obs, &j);
    let mut report = ReclaimReport {
        plan: plan.clone(),
        done: Vec::new(),
    };
    if dry_run || plan.is_noop() {
        return Ok(report);
    }
    if !plan.forget.is_empty() {
        for n in &plan.forget {
            j.remove(n);
        }
        j.save(&state).map_err(jerr)?;
    }
    let mut failures = Vec::new();
    for a in &plan.actions {
        match execute(host, flavour, zone, a) {
            Ok(done) => {
                if let (Action::Delete { net: Some(n), .. }, Done::Completed | Done::AlreadyGone) =
                    (a, &done)
                {
                    j.remove(n);
                    j.save(&state).map_err(jerr)?;
                }
                let line = match &done {
                    Done::Completed => a.describe(true),
                    Done::AlreadyGone => format!("{} is already gone", a.link()),
                    Done::LeftForHalt(why) => format!("left {} for the halt: {why}", a.link()),
                };
                if matches!(done, Done::Completed) {
                    log(&format!("zone '{zone}': {line}"));
                }
                report.done.push(line);
            }
            Err(e) => failures.push(e),
        }
    }
    if failures.is_empty() {
        Ok(report)
    } else {
        Err(RecoverError::Incomplete {
            zone: zone.clone(),
            failures,
            done: report.done,
        })
    }
}

/// How one action ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Done {
    Completed,
    /// dladm found no such link: the goal is reached.
    AlreadyGone,
    /// gate: the global zone cannot name a link on loan, so it is left for zoneadmd's own retry
    /// at the next halt (`unconfigure_exclusive_network_interfaces`), which works by link id.
    LeftForHalt(String),
}

const GATE_ON_LOAN: &str = "this dladm cannot name a link on loan to a zone from the global zone; \
                            zoneadmd hands it back when the zone halts";

/// Carries out one action.
fn execute(host: &Host, flavour: Flavour, zone: &ZoneName, a: &Action) -> Result<Done, String> {
    let z = (flavour == Flavour::Joyent).then_some(zone);
    let not_found = |r: &Result<String, HostError>| matches!(r, Err(e) if e.dladm_kind() == Some(DladmErrorKind::NotFound));
    let gone = || match flavour {
        Flavour::Joyent => Done::AlreadyGone,
        Flavour::Gate => Done::LeftForHalt(GATE_ON_LOAN.to_string()),
    };
    match a {
        Action::Delete {
            name,
            zone: seen,
            temp,
            persistent,
            ..
        } => match apply::delete_link(
            host,
            flavour,
            name,
            seen.as_ref(),
            temp.as_ref(),
            *persistent,
        ) {
            Ok(Deleted::Gone) => Ok(Done::Completed),
            Ok(Deleted::Unreachable) => Ok(Done::LeftForHalt(GATE_ON_LOAN.to_string())),
            Err(e) => Err(format!("link {name}: {e}")),
        },
        Action::Return { name } => {
            let r = host.dladm(&dladm::return_to_global_command(z, name));
            if not_found(&r) {
                return Ok(gone());
            }
            r.map(|_| Done::Completed)
                .map_err(|e| format!("link {name}: {e}"))
        }
        Action::RenameReturn { name, new_name } => {
            let r = host.dladm(&dladm::rename_link_command(z, name, new_name));
            if not_found(&r) {
                return Ok(gone());
            }
            r.map_err(|e| format!("link {name}: {e}"))?;
            host.dladm(&dladm::return_to_global_command(z, new_name))
                .map(|_| Done::Completed)
                .map_err(|e| format!("link {new_name} (renamed from {name}): {e}"))
        }
        Action::Blocked { name, reason } => Err(format!("link {name}: {reason}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dladm::observe::ObservedLink;
    use crate::dladm::VnicInfo;
    use crate::journal::{JournalLink, LinkState};
    use crate::testutil::{ln, zn};

    fn link(name: &str, zone: Option<&str>) -> ObservedLink {
        ObservedLink {
            name: ln(name),
            zone: zone.map(zn),
            vnic: Some(VnicInfo {
                link: ln(name),
                over: "e1000g0".into(),
                mac: "2:8:20:1:2:3".parse().ok(),
                mac_type: "random".into(),
                vid: None,
                zone: zone.map(zn),
            }),
        }
    }

    fn entry(zone: &str, net: &str, index: usize, state: LinkState) -> JournalLink {
        JournalLink {
            net: ln(net),
            index,
            name: tempname::temp_name(&zn(zone), index),
            final_name: ln(net),
            over: ln("e1000g0"),
            vid: None,
            mac: "2:8:20:1:2:3".parse().ok(),
            zone: zn(zone),
            state,
            run: "1-1".into(),
            persistent: false,
        }
    }

    fn journal(zone: &str, links: Vec<JournalLink>) -> Journal {
        let mut j = Journal::empty(&zn(zone));
        j.links = links;
        j
    }

    #[test]
    fn netzone_links_deleted_operator_links_returned() {
        let z = zn("web1");
        let tmp = tempname::temp_name(&z, 1);
        let obs = Observation {
            links: vec![
                link("e1000g0", None),
                link("net0", Some("web1")),
                link(tmp.as_str(), Some("web1")),
                link("data0", Some("web1")),
                // Another zone's links are not touched.
                link("net0", Some("web2")),
            ],
        };
        let j = journal("web1", vec![entry("web1", "net0", 0, LinkState::Active)]);
        let p = decide(&z, Flavour::Joyent, &obs, &j);
        assert_eq!(
            p.actions,
            vec![
                Action::Delete {
                    name: ln("net0"),
                    zone: Some(z.clone()),
                    net: Some(ln("net0")),
                    temp: Some(tempname::temp_name(&z, 0)),
                    proof: Proof::Journal,
                    persistent: false,
                },
                // A temporary name of this zone but no record: not provably netzone's, so it
                // is handed back like any operator link.
                Action::Return { name: tmp.clone() },
                Action::Return { name: ln("data0") },
            ]
        );
        assert!(p.forget.is_empty());
    }

    #[test]
    fn operator_link_with_a_name_taken_in_the_global_zone_is_renamed_first() {
        let z = zn("web1");
        let obs = Observation {
            links: vec![
                link("data0", None),
                link("data0_rec0", None),
                link("data0", Some("web1")),
                link("data1", Some("web1")),
            ],
        };
        let p = decide(&z, Flavour::Joyent, &obs, &Journal::empty(&z));
        assert_eq!(
            p.actions,
            vec![
                Action::RenameReturn {
                    name: ln("data0"),
                    new_name: ln("data0_rec1"),
                },
                Action::Return { name: ln("data1") },
            ]
        );
        assert!(p.actions[0]
            .describe(true)
            .contains("renamed data0 to data0_rec1 and returned it"));
        // gate cannot rename a loaned link: reported, not attempted.
        let p = decide(&z, Flavour::Gate, &obs, &Journal::empty(&z));
        assert!(matches!(&p.actions[0], Action::Blocked { name, reason }
            if name.as_str() == "data0" && reason.contains("10001")));
    }

    #[test]
    fn stale_journal_entries_are_forgotten_and_nothing_else_happens() {
        let z = zn("web1");
        let obs = Observation {
            links: vec![link("net0", Some("web2"))],
        };
        let j = journal("web1", vec![entry("web1", "net0", 0, LinkState::Active)]);
        let p = decide(&z, Flavour::Joyent, &obs, &j);
        assert!(p.actions.is_empty());
        assert_eq!(p.forget, vec![ln("net0")]);
        assert!(!p.is_noop());
        let p = decide(&z, Flavour::Joyent, &obs, &Journal::empty(&z));
        assert!(p.is_noop());
    }

    #[test]
    fn intent_entry_finds_the_link_under_its_temporary_name() {
        let z = zn("web1");
        let tmp = tempname::temp_name(&z, 0);
        let obs = Observation {
            links: vec![link(tmp.as_str(), Some("web1"))],
        };
        let j = journal("web1", vec![entry("web1", "net0", 0, LinkState::Intent)]);
        let p = decide(&z, Flavour::Joyent, &obs, &j);
        assert_eq!(p.actions.len(), 1);
        assert!(
            matches!(&p.actions[0], Action::Delete { name, proof: Proof::Journal, .. } if *name == tmp)
        );
    }

    #[test]
    fn free_name_is_valid_and_fits() {
        let long = ln(&format!("{}0", "a".repeat(30)));
        let n = free_name(&long, &|_| false);
        assert!(n.as_str().len() <= 31, "{n}");
        assert!(n.as_str().ends_with("_rec0"));
        let n = free_name(&ln("net1"), &|c| c == "net1_rec0" || c == "net1_rec1");
        assert_eq!(n.as_str(), "net1_rec2");
    }

    #[test]
    fn dlmgmtd_down_is_recognised() {
        let e = HostError::Dladm {
            kind: DladmErrorKind::Other,
            argv: crate::host::Argv::from(["show-vnic"]),
            message: "dladm show-vnic: show-vnic failed: operation failed".into(),
        };
        assert!(is_dlmgmtd_down(&e));
        let e = HostError::Dladm {
            kind: DladmErrorKind::NotFound,
            argv: crate::host::Argv::from(["show-vnic"]),
            message: "dladm show-vnic: object not found".into(),
        };
        assert!(!is_dlmgmtd_down(&e));
    }

    #[test]
    fn descriptions_read_as_sentences() {
        let a = Action::Return { name: ln("data0") };
        assert_eq!(
            a.describe(false),
            "would return data0 to the global zone (operator link)"
        );
        let d = Action::Delete {
            name: ln("net0"),
            zone: None,
            net: None,
            temp: None,
            proof: Proof::TempName,
            persistent: false,
        };
        assert_eq!(
            d.describe(true),
            "deleted net0 from the global zone (created by netzone: netzone temporary name)"
        );
    }
}
