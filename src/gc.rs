//! `netzone gc`: removes orphans, and only orphans, as [`crate::show::classify`] finds them:
//! netzone links left in the global zone (a journal records them for a zone that is no longer up,
//! or they carry a netzone temporary name) are deleted, and journal entries whose link exists
//! nowhere while their zone is not up are dropped. A link that is neither in a journal nor named
//! with a temporary name is the operator's and is never touched; links held by zones are left to
//! `netzone down` and `netzone recover`.
//!
//! `gc` holds the host-wide lock exclusive for its whole run (every hook, `up`, `down` and
//! `recover` holds it shared), and re-reads each zone's orphans under that zone's lock before
//! removing them through the one executor ([`apply::execute_removal`]). On gate a boot's links
//! wait in the global zone between pre-ready and ready while the zone reads `installed`; the
//! pre-ready hook marks them pending ([`crate::journal::Journal::pending`]) and `show` does not
//! call them orphans until post-ready clears the mark (or it is older than
//! [`crate::journal::PENDING_SECS`]).

use std::collections::BTreeSet;

use crate::apply::{self, ApplyError};
use crate::flavour::Flavour;
use crate::host::Host;
use crate::journal::{self, Journal};
use crate::linkname::LinkName;
use crate::plan::{Plan, Step};
use crate::recover::RecoverError;
use crate::show::{self, Inventory, Row, RowState, Source};
use crate::zonename::ZoneName;

/// One removal. Serialised with its variant as `action` (`delete`, `forget`) and its fields
/// (`netzone gc --json`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum GcAction {
    /// Delete a netzone link from the global zone. `zone` is the zone it belonged to, if known.
    Delete {
        /// The link's name.
        name: LinkName,
        /// The zone it was left behind for, if known.
        zone: Option<ZoneName>,
        /// The journal entry (net) that records it, if any.
        net: Option<LinkName>,
        /// Its temporary name, if netzone gave it one.
        temp: Option<LinkName>,
    },
    /// Drop the journal entry of `zone`'s net `net`: its link is gone.
    Forget {
        /// The zone whose journal has the entry.
        zone: ZoneName,
        /// The entry's net.
        net: LinkName,
    },
}

impl GcAction {
    /// The zone the action concerns, if known.
    pub fn zone(&self) -> Option<&ZoneName> {
        match self {
            GcAction::Delete { zone, .. } => zone.as_ref(),
            GcAction::Forget { zone, .. } => Some(zone),
        }
    }

    /// One line for the operator.
    pub fn describe(&self, done: bool) -> String {
        match self {
            GcAction::Delete { name, zone, .. } => format!(
                "{} orphan {name} from the global zone ({})",
                if done { "deleted" } else { "would delete" },
                match zone {
                    Some(z) => format!("left behind for zone '{z}'"),
                    None => "netzone temporary name of no known zone".to_string(),
                }
            ),
            GcAction::Forget { zone, net } => format!(
                "{} zone '{zone}' net '{net}' from the journal (its link no longer exists)",
                if done { "dropped" } else { "would drop" }
            ),
        }
    }
}

/// The pure decision: what removing `rows`' orphans takes.
pub fn decide(rows: &[Row]) -> Vec<GcAction> {
    rows.iter()
        .filter(|r| r.state == RowState::Orphan)
        .filter_map(|r| match &r.source {
            Source::Link { held_by: None } => Some(GcAction::Delete {
                name: r.link.clone(),
                zone: r.zone.clone(),
                net: r.net.clone(),
                temp: r.temp.clone(),
            }),
            Source::Journal { net } => Some(GcAction::Forget {
                zone: r.zone.clone()?,
                net: net.clone(),
            }),
            // Links held by a zone are never orphans; configured nets are not links; a link
            // whose zone dladm cannot read is never judged (its row is `unknown`).
            Source::Link { held_by: Some(_) } | Source::Config | Source::Unreadable { .. } => None,
        })
        .collect()
}

/// The removal plan of `zone`'s orphans among `actions`, for the one executor
/// ([`apply::execute_removal`]): deletes from the global zone (a persistent link, as its record
/// in `journal` says, with its persistent configuration), records dropped.
pub fn plan_for(
    zone: &ZoneName,
    flavour: Flavour,
    actions: &[GcAction],
    journal: Option<&Journal>,
) -> Plan {
    let mut plan = Plan::new(zone, flavour);
    for a in actions.iter().filter(|a| a.zone() == Some(zone)) {
        match a {
            GcAction::Delete {
                name, net, temp, ..
            } => plan.steps.push(Step::Delete {
                net: net.clone(),
                name: name.clone(),
                zone: None,
                temp: temp.clone(),
                persistent: journal.is_some_and(|j| {
                    j.links
                        .iter()
                        .any(|e| Some(&e.net) == net.as_ref() && e.persistent)
                }),
            }),
            GcAction::Forget { net, .. } => plan.forget.push(net.clone()),
        }
    }
    plan
}

/// What a gc run did.
#[derive(Debug, Clone, Default)]
pub struct GcReport {
    /// One line per removal (or, dry, per removal it would make, each followed by its argv).
    pub lines: Vec<String>,
    /// Each removal made (or, dry, each it would make), in order: what [`GcReport::lines`]
    /// says, typed.
    pub actions: Vec<GcAction>,
    /// Per zone, the removal plan run (or, dry, the one a run would run): each step with its
    /// exact argv ([`Plan`]'s serialisation).
    pub plans: Vec<Plan>,
    /// The rows gc does not judge and leaves alone: a link whose zone dladm cannot read, or a
    /// record whose link may be that one ([`RowState::Unknown`]); why is in
    /// [`GcReport::warnings`] and in each row's source.
    pub skipped: Vec<Row>,
    /// Removals that failed, one line each.
    pub failures: Vec<String>,
    /// Things that could not be read (shown, never fatal).
    pub warnings: Vec<String>,
}

/// Finds the orphans and, unless `dry_run`, removes them, zone by zone under each zone's lock.
/// `log` receives one line per change.
pub fn run(
    host: &Host,
    flavour: Flavour,
    dry_run: bool,
    log: &mut dyn FnMut(&str),
) -> Result<GcReport, RecoverError> {
    let inv = show::gather(host, flavour)?;
    let mut report = GcReport {
        warnings: inv.warnings.clone(),
        ..GcReport::default()
    };
    let rows = show::classify(&inv);
    report.skipped = rows
        .iter()
        .filter(|r| r.state == RowState::Unknown)
        .cloned()
        .collect();
    let actions = decide(&rows);
    let zones: BTreeSet<ZoneName> = actions.iter().filter_map(|a| a.zone().cloned()).collect();
    if dry_run {
        for z in &zones {
            let j = inv.journals.iter().find(|j| &j.zone == z);
            let plan = plan_for(z, flavour, &actions, j);
            for a in actions.iter().filter(|a| a.zone() == Some(z)) {
                report.lines.push(a.describe(false));
                report.actions.push(a.clone());
                if let GcAction::Delete { name: n, .. } = a {
                    let step = plan
                        .steps
                        .iter()
                        .find(|s| matches!(s, Step::Delete { name, .. } if name == n));
                    if let Some(s) = step {
                        report
                            .lines
                            .extend(s.commands(flavour).iter().map(|c| format!("  {c}")));
                    }
                }
            }
            report.plans.push(plan);
        }
        return Ok(report);
    }
    let state = host.state_dir();
    // Exclusive: no boot, halt, up, down or recover runs while gc removes anything (on gate a
    // boot's links wait in the global zone between pre-ready and ready: see `show`'s pending).
    let _host = host.lock_host_exclusive().map_err(RecoverError::HostLock)?;
    for z in zones {
        let _lock = journal::lock_zone_within(&state, &z, host.lock_timeout).map_err(|source| {
            RecoverError::Journal {
                zone: z.clone(),
                source,
            }
        })?;
        // Read again under the lock: a run on this zone may have changed things.
        let fresh = show::gather(host, flavour)?;
        let acts: Vec<GcAction> = decide(&show::classify(&fresh))
            .into_iter()
            .filter(|a| a.zone() == Some(&z))
            .collect();
        let mut j = match Journal::load(&state, &z) {
            Ok(j) => j,
            Err(e) => {
                report.failures.push(format!("zone '{z}': {e}"));
                continue;
            }
        };
        let plan = plan_for(&z, flavour, &acts, Some(&j));
        if plan.is_noop() {
            continue;
        }
        let (executed, err) = apply::execute_removal(host, flavour, &mut j, &plan, false);
        for a in &acts {
            let done = match a {
                GcAction::Delete { name, .. } => executed
                    .outcomes
                    .iter()
                    .any(|(s, _)| matches!(s, Step::Delete { name: n, .. } if n == name)),
                // Dropped before any step ran; a journal that could not be written is an error.
                GcAction::Forget { .. } => !matches!(err, Some(ApplyError::Journal { .. })),
            };
            if done {
                let line = a.describe(true);
                log(&line);
                report.lines.push(line);
                report.actions.push(a.clone());
            }
        }
        report.plans.push(plan);
        if let Some(e) = err {
            report
                .failures
                .extend(e.to_string().lines().map(String::from));
        }
    }
    Ok(report)
}

/// Whether any orphan exists (`netzone show --orphans` exit status).
pub fn has_orphans(inv: &Inventory) -> bool {
    show::classify(inv)
        .iter()
        .any(|r| r.state == RowState::Orphan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::show::Owner;
    use crate::testutil::{ln, zn};

    fn row(link: &str, zone: Option<&str>, state: RowState, source: Source) -> Row {
        Row {
            link: ln(link),
            zone: zone.map(zn),
            over: Some(crate::zonecfg::GlobalNic::Link(ln("e1000g0"))),
            mac: None,
            vid: 0,
            owner: Owner::Netzone,
            state,
            source,
            net: Some(ln("net0")),
            temp: None,
        }
    }

    #[test]
    fn only_orphans_become_actions() {
        let rows = vec![
            row(
                "nz0",
                None,
                RowState::Orphan,
                Source::Link { held_by: None },
            ),
            row(
                "net0",
                Some("old1"),
                RowState::Orphan,
                Source::Journal { net: ln("net0") },
            ),
            row(
                "net0",
                Some("web1"),
                RowState::Ok,
                Source::Link {
                    held_by: Some(zn("web1")),
                },
            ),
            row(
                "net0",
                Some("db1"),
                RowState::Stuck,
                Source::Link {
                    held_by: Some(zn("db1")),
                },
            ),
            row("net1", Some("web1"), RowState::Missing, Source::Config),
        ];
        let acts = decide(&rows);
        assert_eq!(
            acts,
            vec![
                GcAction::Delete {
                    name: ln("nz0"),
                    zone: None,
                    net: Some(ln("net0")),
                    temp: None
                },
                GcAction::Forget {
                    zone: zn("old1"),
                    net: ln("net0")
                },
            ]
        );
        assert_eq!(
            acts[1].describe(false),
            "would drop zone 'old1' net 'net0' from the journal (its link no longer exists)"
        );
        assert!(acts[0]
            .describe(true)
            .starts_with("deleted orphan nz0 from the global zone"));
    }
}
