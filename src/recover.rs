//! Reclaiming the links of a zone stuck `down`, so that it can be halted and booted again.
//!
//! A zone sits in `down` (state 6) when zoneadmd's teardown could not take its links back, most
//! often because dlmgmtd was not running at halt: illumos-gate `usr/src/cmd/zoneadmd/vplat.c`
//! `unconfigure_exclusive_network_interfaces` retries `zone=global` on every leftover, logs
//! "%d datalink(s) remain in zone after shutdown" and fails `vplat_teardown`, so `zone_destroy`
//! never runs. illumos-joyent's teardown (vplat.c `delete_transient_vnics`) instead stops at
//! the first link it cannot look up ("unable to delete transient vnics in zone"), with the same
//! result: the zone is `down`, its links still in it. On joyent the kernel hands lent links back
//! only at the zone's first shutdown, and a later halt that succeeds lets dlmgmtd delete any
//! VNIC still on loan (`dlmgmt_db_fini`), so the links must be freed before that halt. The
//! operator's way out (omniosorg/illumos-omnios #18) is to free the links by hand and halt
//! again; [`reclaim`] is that, done safely:
//! - a link netzone can prove it created (its zone's journal records it, or it carries the
//!   zone's temporary name, see [`crate::tempname`]) is deleted: a transient link of a zone at or
//!   past shutting down may be deleted from the global zone (`dls_mgmt.c` `dls_devnet_unset`);
//! - any other link belongs to the operator and is only handed back to the global zone,
//!   `set-linkprop -t [-z ZONE] -p zone=global LINK`, the call zoneadmd itself makes;
//! - if the global zone already holds a link of that name, the hand-back would fail with EEXIST
//!   (dlmgmtd `dlmgmt_setzoneid`; illumos bug 10001, where a duplicate even aborts dlmgmtd). The
//!   link is the operator's, and netzone never renames a link it did not create: it is reported
//!   as blocked and left as it is, on both flavours (gate could not rename a loaned link anyway,
//!   `dls_devnet_rename`: EBUSY), and the zone is not halted; once the operator renames the
//!   global zone's link, recover runs again;
//! - on gate, a link whose zone dladm cannot read (its walk prints `?`) that may be one of the
//!   zone's (a name its journal records, one of its temporary names, a name it configures) is
//!   reported as blocked and left as it is, its record kept: where it is cannot be known, so
//!   neither can whose it is. Any other such link does not concern the zone.
//!
//! The decision is [`decide`], a pure function of the observed links and the journal that
//! returns a [`Plan`] of dladm steps ([`plan::plan_reclaim`]); [`reclaim`] observes, decides and
//! runs it with the one executor every removal uses ([`apply::execute_removal`]) under the
//! zone's journal lock. The brand hook calls
//! [`reclaim`] at pre-halt of a `down` zone, the `netzone recover` command calls it and then
//! re-runs the halt.

use crate::apply::{self, Done};
use crate::dladm::observe::{self, Observation, ObserveError};
use crate::dladm::DladmErrorKind;
use crate::flavour::Flavour;
use crate::host::{Host, HostError};
use crate::journal::{Journal, JournalError};
use crate::plan::{self, Plan, Step};
use crate::zonename::ZoneName;

/// The pure decision: for `zone`, given every link the global zone sees and the zone's journal.
/// netzone's links (those a record identifies, in the zone or left in the global zone) are
/// deleted, the operator's are handed back; see [`plan::plan_reclaim`].
pub fn decide(zone: &ZoneName, flavour: Flavour, obs: &Observation, journal: &Journal) -> Plan {
    plan::plan_reclaim(zone, flavour, obs, journal)
}

/// One line per thing the plan does (dry: would do), each followed by every argv the executor
/// may run for it, fallbacks with their condition ([`Step::commands`]).
pub fn describe(plan: &Plan) -> Vec<String> {
    let mut v = Vec::new();
    for s in &plan.steps {
        v.push(s.describe(false));
        v.extend(s.commands(plan.flavour).iter().map(|c| format!("  {c}")));
    }
    for (name, reason) in &plan.blocked {
        v.push(format!("cannot free {name}: {reason}"));
    }
    v
}

/// Why a reclaim could not run or did not finish.
#[derive(Debug, thiserror::Error)]
pub enum RecoverError {
    #[error(
        "{0}: dlmgmtd may not be answering (check svcs svc:/network/datalink-management), so nothing was \
         changed; try again once it is online"
    )]
    /// dlmgmtd does not answer; nothing was changed.
    DlmgmtdDown(String),
    /// The host's links could not be read.
    #[error("{}cannot observe links: {source}", zone.as_ref().map(|z| format!("zone '{z}': ")).unwrap_or_default())]
    Observe {
        /// The zone, when the observation was for one.
        zone: Option<ZoneName>,
        /// The underlying failure.
        #[source]
        source: ObserveError,
    },
    /// The host-wide lock (`gc` holds it exclusive) could not be taken.
    #[error("{0}")]
    HostLock(#[source] JournalError),
    /// The zone's journal or lock could not be used.
    #[error("zone '{zone}': {source}")]
    Journal {
        /// The zone.
        zone: ZoneName,
        /// The underlying failure.
        #[source]
        source: JournalError,
    },
    /// The zones could not be listed.
    #[error(transparent)]
    ZoneList(#[from] crate::zoneadm::ZoneListError),
    /// Some actions failed; the others were carried out.
    #[error("zone '{zone}': {}", failures.join("; "))]
    Incomplete {
        /// The zone.
        zone: ZoneName,
        /// What failed, one line each.
        failures: Vec<String>,
        /// What was done before and after the failures.
        done: Vec<String>,
        /// The same, typed: each step carried out and how it ended.
        outcomes: Vec<(Step, Done)>,
        /// The plan that was run (its blocked links among the failures).
        plan: Box<Plan>,
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

/// Observes the host's links, telling a stopped dlmgmtd apart from other failures. On gate a
/// link whose zone dladm cannot read does not fail it: it is kept apart
/// ([`Observation::unreadable`], [`observe::observe_all`]) for the caller to judge.
pub fn observe_links(
    host: &Host,
    flavour: Flavour,
    zone: Option<&ZoneName>,
) -> Result<Observation, RecoverError> {
    observe::observe_all(host, flavour).map_err(|source| match &source {
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
    /// What the reclaim planned.
    pub plan: Plan,
    /// One line per step carried out, in order.
    pub done: Vec<String>,
    /// The same, typed: each step carried out and how it ended, in order.
    pub outcomes: Vec<(Step, Done)>,
}

const GATE_ON_LOAN: &str = "this dladm cannot name a link on loan to a zone from the global zone; \
                            zoneadmd hands it back when the zone halts";

fn line(step: &Step, d: &Done) -> String {
    let name = match step {
        Step::Delete { name, .. } | Step::Return { name, .. } => name,
        Step::RenameInZone { from, .. } => from,
        Step::Create { net, .. }
        | Step::Rename { net, .. }
        | Step::SetProp { net, .. }
        | Step::AddFlow { net, .. }
        | Step::RemoveFlow { net, .. } => net,
    };
    match d {
        Done::Completed => step.describe(true),
        Done::AlreadyGone => format!("{name} is already gone"),
        Done::LeftForHalt => format!("left {name} for the halt: {GATE_ON_LOAN}"),
    }
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
    // A link whose zone dladm cannot read may be one the zone configures: its configuration
    // (a file, no process) says which names to leave alone then. Unreadable, it names none.
    let configured: Vec<crate::linkname::LinkName> = if obs.unreadable.is_empty() {
        Vec::new()
    } else {
        crate::zonecfg::load(&host.root, zone)
            .map(|c| c.nets.into_iter().map(|n| n.physical).collect())
            .unwrap_or_default()
    };
    let plan = plan::plan_reclaim_configured(zone, flavour, &obs, &j, &configured);
    let mut report = ReclaimReport {
        plan: plan.clone(),
        done: Vec::new(),
        outcomes: Vec::new(),
    };
    if dry_run || (plan.is_noop() && plan.blocked.is_empty()) {
        return Ok(report);
    }
    let (executed, err) = apply::execute_removal(host, flavour, &mut j, &plan, true);
    for (step, d) in &executed.outcomes {
        let l = line(step, d);
        if *d == Done::Completed {
            log(&format!("zone '{zone}': {l}"));
        }
        report.done.push(l);
    }
    report.outcomes = executed.outcomes;
    let prefix = format!("zone '{zone}': ");
    let mut failures: Vec<String> = err
        .map(|e| {
            e.to_string()
                .lines()
                .map(|l| l.strip_prefix(&prefix).unwrap_or(l).to_string())
                .collect()
        })
        .unwrap_or_default();
    failures.extend(
        plan.blocked
            .iter()
            .map(|(name, reason)| format!("link {name}: {reason}")),
    );
    if failures.is_empty() {
        Ok(report)
    } else {
        Err(RecoverError::Incomplete {
            zone: zone.clone(),
            failures,
            done: report.done,
            outcomes: report.outcomes,
            plan: Box::new(report.plan),
        })
    }
}

/// The pure decision for [`shield`] ([`plan::plan_shield`]): only the renames inside the zone
/// of links that are not netzone's and whose name the global zone already has (illumos bug
/// 10001). Nothing else (netzone's own links die with the zone; zoneadmd's teardown hands the
/// rest back).
pub fn decide_shield(
    zone: &ZoneName,
    flavour: Flavour,
    obs: &Observation,
    journal: &Journal,
) -> Plan {
    plan::plan_shield(zone, flavour, obs, journal)
}

/// illumos-joyent, pre-halt of a ready or running zone that holds links zoneadmd lent it.
/// joyent's kernel hands those back at `zone_shutdown` (the dls shutdown callback, once), but a
/// link whose name the global zone has taken meanwhile cannot go back (EEXIST, illumos bug
/// 10001); joyent's zoneadmd does not notice (vplat.c `delete_transient_vnics`, no remaining-link
/// check), and dlmgmtd deletes the VNIC left on loan when the zone is destroyed (dlmgmt_db.c
/// `dlmgmt_db_fini`). The operator would lose it. So each such link is renamed inside the zone
/// first (`rename-link -z`, which joyent allows on a loaned link even while the zone runs), to
/// a free name that the kernel can then hand back; each rename is reported through `log`.
/// Returns the lines of what was done.
pub fn shield(
    host: &Host,
    flavour: Flavour,
    zone: &ZoneName,
    log: &mut dyn FnMut(&str),
) -> Result<Vec<String>, RecoverError> {
    let jerr = |source| RecoverError::Journal {
        zone: zone.clone(),
        source,
    };
    let _lock = host.lock_zone(zone).map_err(jerr)?;
    let mut j = Journal::load(&host.state_dir(), zone).map_err(jerr)?;
    let obs = observe_links(host, flavour, Some(zone))?;
    let plan = decide_shield(zone, flavour, &obs, &j);
    if plan.is_noop() {
        return Ok(Vec::new());
    }
    let (executed, err) = apply::execute_removal(host, flavour, &mut j, &plan, true);
    let mut done = Vec::new();
    for (step, d) in &executed.outcomes {
        let l = line(step, d);
        if *d == Done::Completed {
            log(&format!("zone '{zone}': {l}"));
        }
        done.push(l);
    }
    match err {
        None => Ok(done),
        Some(e) => Err(RecoverError::Incomplete {
            zone: zone.clone(),
            failures: vec![e.to_string()],
            done,
            outcomes: executed.outcomes,
            plan: Box::new(plan),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dladm::observe::ObservedLink;
    use crate::journal::LinkState;
    use crate::tempname;
    use crate::testutil::{ln, zn};

    fn link(name: &str, zone: Option<&str>) -> ObservedLink {
        crate::testutil::vnic(name, "e1000g0", "2:8:20:1:2:3", 0, zone)
    }

    use crate::testutil::{journal, temp_entry as entry};

    fn lines(p: &Plan) -> Vec<String> {
        p.to_string().lines().map(String::from).collect()
    }

    #[test]
    fn netzone_links_deleted_operator_links_returned() {
        let z = zn("web1");
        let tmp = tempname::temp_name(&z, 1);
        let obs = Observation {
            unreadable: Vec::new(),
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
        // A temporary name of this zone but no record: not provably netzone's, so it is handed
        // back like any operator link.
        assert_eq!(
            lines(&p),
            vec![
                "dladm delete-vnic -t -z web1 net0".to_string(),
                format!("dladm set-linkprop -t -z web1 -p zone=global {tmp}"),
                "dladm set-linkprop -t -z web1 -p zone=global data0".to_string(),
            ]
        );
        assert!(p.forget.is_empty());
        assert_eq!(
            describe(&p)[0],
            "would delete net0 (created by netzone: recorded in its journal)"
        );
    }

    #[test]
    fn operator_link_with_a_name_taken_in_the_global_zone_is_blocked_never_renamed() {
        let z = zn("web1");
        let obs = Observation {
            unreadable: Vec::new(),
            links: vec![
                link("data0", None),
                link("data0", Some("web1")),
                link("data1", Some("web1")),
            ],
        };
        // Handing data0 back would collide (illumos bug 10001); it is the operator's, so it is
        // reported and left as it is, on both flavours; data1 goes back as usual.
        for (f, want) in [
            (
                Flavour::Joyent,
                "dladm set-linkprop -t -z web1 -p zone=global data1",
            ),
            (Flavour::Gate, "dladm set-linkprop -t -p zone=global data1"),
        ] {
            let p = decide(&z, f, &obs, &Journal::empty(&z));
            assert_eq!(lines(&p), vec![want], "{f}");
            assert_eq!(p.blocked.len(), 1, "{f}");
            assert_eq!(p.blocked[0].0, ln("data0"));
            assert!(
                p.blocked[0].1.starts_with(
                    "the global zone already has a link named data0 (illumos bug 10001), so it \
                     cannot be handed back, and netzone never renames a link it did not create"
                ),
                "{}",
                p.blocked[0].1
            );
        }
    }

    /// A link whose zone dladm could not read, named like a record of the zone, one of its
    /// temporary names or a configured net: blocked, its record kept. Named like nothing of the
    /// zone's: ignored. The zone's other links are freed as usual.
    #[test]
    fn unreadable_links_of_the_zone_are_blocked_others_ignored() {
        let z = zn("web1");
        let unreadable = |n: &str| crate::dladm::observe::UnreadableLink {
            name: ln(n),
            status: "invalid argument".into(),
            vnic: None,
        };
        let tmp = tempname::temp_name(&z, 5);
        let obs = Observation {
            links: vec![link("net0", Some("web1")), link("data0", Some("web1"))],
            unreadable: vec![
                unreadable("net1"),
                unreadable(tmp.as_str()),
                unreadable("data1"),
                unreadable("vnic7"),
            ],
        };
        let j = journal(
            "web1",
            vec![
                entry("web1", "net0", 0, LinkState::Active),
                entry("web1", "net1", 1, LinkState::Active),
            ],
        );
        let p = plan::plan_reclaim_configured(&z, Flavour::Joyent, &obs, &j, &[ln("data1")]);
        assert_eq!(
            lines(&p),
            vec![
                "dladm delete-vnic -t -z web1 net0".to_string(),
                "dladm set-linkprop -t -z web1 -p zone=global data0".to_string(),
            ]
        );
        assert!(p.forget.is_empty(), "{:?}", p.forget);
        let blocked: Vec<&str> = p.blocked.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(blocked, vec!["net1", tmp.as_str(), "data1"]);
        assert!(p.blocked[0].1.starts_with(
            "dladm cannot read which zone holds it (invalid argument), so netzone cannot tell \
             whether it belongs to zone 'web1'"
        ));
        // Without the configuration, data1 is nothing of the zone's.
        let p = decide(&z, Flavour::Joyent, &obs, &j);
        assert_eq!(p.blocked.len(), 2);
    }

    #[test]
    fn stale_journal_entries_are_forgotten_and_nothing_else_happens() {
        let z = zn("web1");
        let obs = Observation {
            unreadable: Vec::new(),
            links: vec![link("net0", Some("web2"))],
        };
        let j = journal("web1", vec![entry("web1", "net0", 0, LinkState::Active)]);
        let p = decide(&z, Flavour::Joyent, &obs, &j);
        assert!(p.steps.is_empty());
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
            unreadable: Vec::new(),
            links: vec![link(tmp.as_str(), Some("web1"))],
        };
        let j = journal("web1", vec![entry("web1", "net0", 0, LinkState::Intent)]);
        let p = decide(&z, Flavour::Joyent, &obs, &j);
        assert_eq!(
            lines(&p),
            vec![format!("dladm delete-vnic -t -z web1 {tmp}")]
        );
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
        let z = zn("web1");
        let a = Step::Return {
            zone: z.clone(),
            name: ln("data0"),
        };
        assert_eq!(
            a.describe(false),
            "would return data0 to the global zone (operator link)"
        );
        let d = Step::Delete {
            name: ln("net0"),
            zone: None,
            net: None,
            temp: None,
            persistent: false,
        };
        assert_eq!(
            d.describe(true),
            "deleted net0 from the global zone (created by netzone: netzone temporary name)"
        );
        assert_eq!(
            line(&d, &Done::LeftForHalt),
            format!("left net0 for the halt: {GATE_ON_LOAN}")
        );
    }
}
