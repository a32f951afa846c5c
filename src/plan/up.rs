//! `up`: the steps that give a zone its links. What is the same on both flavours is here:
//! leftovers first (records of nets no longer configured, this zone's temporary names proven
//! netzone's), the stale records dropped, the MACs netzone chose saved into the zone's
//! configuration. Each net's link is planned by its flavour ([`Planner::plan_net`]: joyent in
//! `joyent.rs`, gate in `gate.rs`), given an [`UpContext`] to ask and add to.

use crate::dladm::observe::{Observation, ObservedLink};
use crate::flavour::Flavour;
use crate::identity;
use crate::journal::{Journal, JournalLink};
use crate::linkname::LinkName;
use crate::mac::{Mac, MacSpec};
use crate::tempname;
use crate::zonecfg::{Net, ZoneConfig};
use crate::zonename::ZoneName;

use super::macs::MacPicker;
use super::records::{delete, find_record, recorded_persistent, report_others, Found};
use super::{desired_nets, known_mac, plan_flows, Desired, Plan, PlanError, Step};

#[cfg(doc)]
use super::{flow_queries, Planner};

/// The steps that give `cfg`'s zone its links; MACs are drawn at random where netzone picks
/// them ([`plan_up_with`] takes the draw).
pub fn plan_up(
    cfg: &ZoneConfig,
    flavour: Flavour,
    obs: &Observation,
    journal: &Journal,
) -> Result<Plan, PlanError> {
    plan_up_with(cfg, flavour, obs, journal, &mut Mac::draw_random)
}

/// [`plan_up`] with the MAC draw given (tests pass a deterministic one), and no flow observed:
/// the flows of links the plan keeps are left as they are ([`plan_up_full`] sees them).
pub fn plan_up_with(
    cfg: &ZoneConfig,
    flavour: Flavour,
    obs: &Observation,
    journal: &Journal,
    draw: &mut dyn FnMut() -> Mac,
) -> Result<Plan, PlanError> {
    plan_up_full(cfg, flavour, obs, &[], journal, draw)
}

/// [`plan_up_with`] with the flows of the links [`flow_queries`] names, as `show-flow` listed
/// them: the kept links get the `blocked_outgoing_ports` flows they miss ([`plan_flows`]).
pub fn plan_up_full(
    cfg: &ZoneConfig,
    flavour: Flavour,
    obs: &Observation,
    flows: &[crate::netattr::LinkFlows],
    journal: &Journal,
    draw: &mut dyn FnMut() -> Mac,
) -> Result<Plan, PlanError> {
    let mut plan = plan_links(cfg, flavour, obs, journal, draw)?;
    let want = desired_nets(cfg)?;
    plan_flows(&mut plan, &want, obs, flows, journal)?;
    Ok(plan)
}

/// What a flavour's [`Planner::plan_net`] did with the links already on the host for a net.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetOutcome {
    /// A link already there is kept as it is, or finished: the net's record is not stale, even
    /// when it identifies no link (a temporary link proven by its name and lower link).
    Kept,
    /// No link already there is kept: the net's link is created anew.
    Created,
}

/// The state of one `up` plan while each net's link is planned ([`Planner::plan_net`]): the
/// zone, the links as observed, the journal, the net's record and the links it identifies,
/// and the steps so far. Every delete runs before every create, so that a create never meets
/// a link about to go.
pub struct UpContext<'a> {
    zone: &'a ZoneName,
    obs: &'a Observation,
    journal: &'a Journal,
    plan: Plan,
    deletes: Vec<Step>,
    creates: Vec<Step>,
    macs: MacPicker<'a>,
    /// The record of the net being planned, if any.
    record: Option<&'a JournalLink>,
    /// What the host shows of that record.
    found: Option<Found<'a>>,
}

impl<'a> UpContext<'a> {
    /// The zone the plan is for.
    pub fn zone(&self) -> &'a ZoneName {
        self.zone
    }

    /// The links as observed.
    pub fn obs(&self) -> &'a Observation {
        self.obs
    }

    /// The journal record of the net being planned, if any.
    pub fn record(&self) -> Option<&'a JournalLink> {
        self.record
    }

    /// Whether the net's record identifies `l` (one of [`UpContext::obs`]'s links) on every
    /// field ([`crate::identity`]): only such a link is netzone's to keep, finish or delete.
    pub fn ours(&self, l: &ObservedLink) -> bool {
        self.found
            .as_ref()
            .is_some_and(|f| f.ours.iter().any(|o| std::ptr::eq(*o, l)))
    }

    /// Whether `l` is where the zone's links are named: in the global zone or in the zone.
    pub fn here(&self, l: &ObservedLink) -> bool {
        l.zone.is_none() || l.zone.as_ref() == Some(self.zone)
    }

    /// The MAC `create-vnic` is given for `net` ([`super::choose_mac`]): a drawn one avoids the
    /// MACs of live links and those chosen for the plan's other nets. The second value says
    /// whether it was drawn.
    pub fn pick_mac(&mut self, net: &Net) -> (MacSpec, bool) {
        self.macs.pick(net)
    }

    /// Deletes `l`, a link of net `net` that its record proves is netzone's (or, on joyent,
    /// the net's temporary link proven by name and lower link), before any create; without
    /// `-t` if the record says the link is persistent.
    pub fn delete_own(&mut self, net: &LinkName, l: &ObservedLink) {
        let persistent = recorded_persistent(self.journal, net);
        self.deletes
            .push(delete(self.journal, self.zone, Some(net), l, persistent));
    }

    /// Adds `steps` after every delete.
    pub fn create(&mut self, steps: impl IntoIterator<Item = Step>) {
        self.creates.extend(steps);
    }

    /// Net `net` is already as configured: left alone ([`Plan::satisfied`]).
    pub fn keep(&mut self, net: &LinkName) {
        self.plan.satisfied.push(net.clone());
    }

    /// Records `e` as it is, for a link found already in place ([`Plan::adopt`]).
    pub fn adopt(&mut self, e: JournalLink) {
        self.plan.adopt.push(e);
    }

    /// Leftovers: the records of nets no longer configured (or no longer netzone's) and the
    /// links with this zone's temporary names that a record or the configuration proves are
    /// netzone's, deleted.
    fn leftovers(&mut self, want: &[Desired<'_>]) {
        let (zone, obs, journal) = (self.zone, self.obs, self.journal);
        let wanted_nets: Vec<&LinkName> = want.iter().map(|d| &d.net.physical).collect();
        let wanted_tmp: Vec<LinkName> = want
            .iter()
            .map(|d| tempname::temp_name(zone, d.index))
            .collect();
        for e in &journal.links {
            if wanted_nets.contains(&&e.net) {
                continue;
            }
            let found = find_record(e, obs, zone);
            if found.ours.is_empty() {
                self.plan.forget.push(e.net.clone());
            }
            for l in &found.ours {
                self.deletes
                    .push(delete(journal, zone, Some(&e.net), l, e.persistent));
            }
            report_others(&mut self.plan, found);
        }
        let over_of = |i: usize| {
            journal
                .links
                .iter()
                .find(|e| e.index == i)
                .map(|e| e.over.clone())
                .or_else(|| want.iter().find(|d| d.index == i).map(|d| d.over.clone()))
        };
        for l in &obs.links {
            let Some(i) = tempname::owned_index(&l.name, zone) else {
                continue;
            };
            let already = self.deletes.iter().any(
                |s| matches!(s, Step::Delete{name, zone: z, ..} if name == &l.name && z == &l.zone),
            );
            if !wanted_tmp.contains(&l.name)
                && self.here(l)
                && !already
                && identity::temp_proof(l, zone, over_of(i).as_ref())
            {
                self.deletes.push(delete(journal, zone, None, l, false));
            }
        }
    }
}

/// The link steps of [`plan_up_full`]: leftovers, then each net as its flavour plans it.
fn plan_links(
    cfg: &ZoneConfig,
    flavour: Flavour,
    obs: &Observation,
    journal: &Journal,
    draw: &mut dyn FnMut() -> Mac,
) -> Result<Plan, PlanError> {
    let zone = &cfg.name;
    let want = desired_nets(cfg)?;
    if !flavour.dialect().persistent_links() {
        if let Some(d) = want.iter().find(|d| d.net.persistent()) {
            return Err(PlanError::PersistentOnJoyent {
                zone: zone.clone(),
                net: d.net.physical.clone(),
            });
        }
    }
    let mut ctx = UpContext {
        zone,
        obs,
        journal,
        plan: Plan::new(zone, flavour),
        deletes: Vec::new(),
        creates: Vec::new(),
        macs: MacPicker::new(obs, draw),
        record: None,
        found: None,
    };
    ctx.leftovers(&want);
    for d in &want {
        let net = &d.net.physical;
        ctx.record = journal.links.iter().find(|e| &e.net == net);
        ctx.found = ctx.record.map(|e| find_record(e, obs, zone));
        let outcome = flavour.dialect().plan_net(&mut ctx, d)?;
        // A record that identifies no link is stale: dropped (a create step writes a new one).
        if let (Some(e), Some(f)) = (ctx.record.take(), ctx.found.take()) {
            if f.ours.is_empty() && outcome != NetOutcome::Kept {
                if !ctx.creates.iter().any(|s| s.net() == Some(net)) {
                    ctx.plan.forget.push(e.net.clone());
                }
                report_others(&mut ctx.plan, f);
            }
        }
    }
    let mut plan = ctx.plan;
    plan.steps = ctx.deletes;
    plan.steps.extend(ctx.creates);
    save_macs(&mut plan, &want, journal);
    Ok(plan)
}

/// Nets without mac-addr keep the MAC netzone chose: the one drawn now, or the recorded one,
/// saved into the zone's configuration after the steps ([`Plan::save_macs`]).
fn save_macs(plan: &mut Plan, want: &[Desired<'_>], journal: &Journal) {
    for d in want.iter().filter(|d| d.net.mac.is_none()) {
        let net = &d.net.physical;
        let drawn = plan.steps.iter().find_map(|s| match s {
            Step::Create { net: n, spec, .. } if n == net => known_mac(spec.mac.as_ref()),
            _ => None,
        });
        let recorded = || {
            plan.adopt
                .iter()
                .chain(&journal.links)
                .find(|e| &e.net == net)
                .and_then(|e| e.mac)
        };
        if let Some(m) = drawn.or_else(recorded) {
            plan.save_macs.push((net.clone(), m));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::plan::fixtures::*;

    #[test]
    fn what_the_planner_cannot_do_is_unsupported() {
        use crate::error::ErrorKind;
        let empty = Observation {
            unreadable: Vec::new(),
            links: vec![],
        };
        let j = Journal::empty(&zn("web1"));
        // A nic tag that was never resolved to a link.
        let mut c = cfg();
        c.nets[0].global_nic = Some(GlobalNic::Tag(
            crate::globalnic::NicTag::new("admin").unwrap(),
        ));
        let e = up(&c, Flavour::Gate, &empty, &j).unwrap_err();
        assert!(matches!(e, PlanError::Unresolved { .. }), "{e}");
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        // A persistent net on joyent.
        let mut c = cfg();
        c.nets[1]
            .attrs
            .insert(Net::PERSISTENT_ATTR.into(), "true".into());
        let e = up(&c, Flavour::Joyent, &empty, &j).unwrap_err();
        assert!(matches!(e, PlanError::PersistentOnJoyent { .. }), "{e}");
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        assert!(up(&c, Flavour::Gate, &empty, &j).is_ok());
    }
}
