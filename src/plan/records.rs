//! What the host shows of a journal record: the links it identifies on every field
//! ([`crate::identity`]), and those that only carry one of its names (somebody else's); and
//! the delete of a link a record or this zone's temporary name proves is netzone's.

use crate::dladm::observe::{Observation, ObservedLink};
use crate::identity::{self, NotOurs};
use crate::journal::{Journal, JournalLink};
use crate::linkname::LinkName;
use crate::tempname;
use crate::zonename::ZoneName;

use super::{Plan, Step};

/// The delete of link `l` (of net `net`, when a record of `journal` proves it), with the
/// temporary name a busy link is renamed back to: its record's, else the name's own.
pub(super) fn delete(
    journal: &Journal,
    zone: &ZoneName,
    net: Option<&LinkName>,
    l: &ObservedLink,
    persistent: bool,
) -> Step {
    let temp = net
        .and_then(|n| journal.links.iter().find(|e| &e.net == n))
        .map(|e| e.name.clone())
        .or_else(|| tempname::owned_index(&l.name, zone).map(|i| tempname::temp_name(zone, i)));
    Step::Delete {
        net: net.cloned(),
        name: l.name.clone(),
        zone: l.zone.clone(),
        temp,
        persistent,
    }
}

/// Whether the record of net `net` says its link is persistent.
pub(super) fn recorded_persistent(journal: &Journal, net: &LinkName) -> bool {
    journal.links.iter().any(|e| &e.net == net && e.persistent)
}

/// What the host shows of one record: the links it identifies, and the links that carry one of
/// its names in its zone or the global zone but are somebody else's.
pub(super) struct Found<'a> {
    pub(super) ours: Vec<&'a ObservedLink>,
    pub(super) others: Vec<NotOurs>,
}

pub(super) fn find_record<'a>(e: &JournalLink, obs: &'a Observation, zone: &ZoneName) -> Found<'a> {
    let mut f = Found {
        ours: Vec::new(),
        others: Vec::new(),
    };
    for l in &obs.links {
        if l.name == e.name || l.name == e.final_name {
            match identity::mismatch(e, l) {
                None => f.ours.push(l),
                Some(why) if l.zone.is_none() || l.zone.as_ref() == Some(zone) => {
                    f.others.push(NotOurs::new(e, l, why))
                }
                Some(_) => {}
            }
        }
    }
    f
}

/// Records the links a stale record names but does not identify (the record is dropped).
pub(super) fn report_others(plan: &mut Plan, found: Found<'_>) {
    if found.ours.is_empty() {
        plan.not_ours.extend(found.others);
    }
}
