//! `up`: the steps that give a zone its links. Leftovers first (records of nets no longer
//! configured, this zone's temporary names proven netzone's), then each net as its flavour
//! creates it, then the MACs netzone chose saved into the zone's configuration.

use crate::dladm::observe::{Observation, ObservedLink};
use crate::dladm::LinkProp;
use crate::flavour::Flavour;
use crate::identity;
use crate::journal::{Journal, LinkState};
use crate::linkname::LinkName;
use crate::mac::{Mac, MacSpec};
use crate::tempname;
use crate::zonecfg::{Net, ZoneConfig};
use crate::zonename::ZoneName;

use super::desired::{entry_for, spec_for};
use super::error::place;
use super::flows::flow_steps;
use super::records::{delete, find_record, recorded_persistent, report_others};
use super::{
    choose_mac, desired_nets, known_mac, matches, plan_flows, Desired, Plan, PlanError, Step,
};

#[cfg(doc)]
use super::flow_queries;

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

/// The link steps of [`plan_up_full`].
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
    let mut plan = Plan::new(zone, flavour);
    let mut deletes: Vec<Step> = Vec::new();
    let here = |l: &ObservedLink| l.zone.is_none() || l.zone.as_ref() == Some(zone);
    let already = |deletes: &[Step], l: &ObservedLink| {
        deletes.iter().any(
            |s| matches!(s, Step::Delete{name, zone: z, ..} if name == &l.name && z == &l.zone),
        )
    };
    let live_macs: Vec<Mac> = obs
        .links
        .iter()
        .filter_map(|l| l.vnic.as_ref().and_then(|v| v.mac))
        .collect();
    let mut chosen: Vec<Mac> = Vec::new();
    let mut pick = |net: &Net, chosen: &mut Vec<Mac>| {
        let (spec, drawn) = choose_mac(net, draw, &|m| live_macs.contains(m) || chosen.contains(m));
        if let Some(m) = spec.fixed() {
            chosen.push(m);
        }
        (spec, drawn)
    };

    // Leftovers first: journal entries for nets that are no longer configured (or no longer
    // netzone's), and links with this zone's temporary names that a record or the configuration
    // proves are netzone's.
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
            plan.forget.push(e.net.clone());
        }
        for l in &found.ours {
            deletes.push(delete(journal, zone, Some(&e.net), l, e.persistent));
        }
        report_others(&mut plan, found);
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
        if !wanted_tmp.contains(&l.name)
            && here(l)
            && !already(&deletes, l)
            && identity::temp_proof(l, zone, over_of(i).as_ref())
        {
            deletes.push(delete(journal, zone, None, l, false));
        }
    }

    let mut creates: Vec<Step> = Vec::new();
    for d in &want {
        let net = &d.net.physical;
        let entry = journal.links.iter().find(|e| &e.net == net);
        let found = entry.map(|e| find_record(e, obs, zone));
        let ours = |l: &ObservedLink| {
            found
                .as_ref()
                .is_some_and(|f| f.ours.iter().any(|o| std::ptr::eq(*o, l)))
        };
        // A link of the other persistence than now configured is replaced, not kept.
        let same_kind = entry.is_none_or(|e| e.persistent == d.net.persistent());
        let mut adopted = false;
        match flavour {
            Flavour::Joyent => {
                let tmp = tempname::temp_name(zone, d.index);
                // This net's temporary links: the record's, or proven by name and lower link.
                let tmps: Vec<&ObservedLink> = obs
                    .named(&tmp)
                    .filter(|l| ours(l) || identity::temp_proof(l, zone, Some(&d.over)))
                    .collect();
                // The name is taken, where this net's link would be created or renamed, by a
                // link that is not netzone's: nothing netzone would do with it is safe.
                if let Some(l) = obs
                    .named(&tmp)
                    .find(|l| here(l) && !tmps.iter().any(|t| std::ptr::eq(*t, *l)))
                {
                    return Err(PlanError::TempNameTaken {
                        zone: zone.clone(),
                        net: net.clone(),
                        temp: tmp.clone(),
                        place: place(l.zone.as_ref()),
                    });
                }
                // A record's link left in the global zone under the final name (a crash while
                // handing it back): netzone's, removed.
                if let Some(l) = obs.find(net, None).filter(|l| ours(l)) {
                    deletes.push(delete(
                        journal,
                        zone,
                        Some(net),
                        l,
                        recorded_persistent(journal, net),
                    ));
                }
                match obs.find(net, Some(zone)) {
                    Some(l) if ours(l) && matches(d, l) => {
                        plan.satisfied.push(net.clone());
                        adopted = true;
                        if entry.is_some_and(|e| e.state != LinkState::Active) {
                            let mut e = entry_for(d, zone, tmp.clone(), LinkState::Active);
                            e.mac = l.vnic.as_ref().and_then(|v| v.mac);
                            plan.adopt.push(e);
                        }
                        deletes.extend(tmps.iter().map(|l| {
                            delete(
                                journal,
                                zone,
                                Some(net),
                                l,
                                recorded_persistent(journal, net),
                            )
                        }));
                    }
                    Some(l) if ours(l) => {
                        // netzone's, but no longer as configured: replace it.
                        deletes.push(delete(
                            journal,
                            zone,
                            Some(net),
                            l,
                            recorded_persistent(journal, net),
                        ));
                        deletes.extend(tmps.iter().map(|l| {
                            delete(
                                journal,
                                zone,
                                Some(net),
                                l,
                                recorded_persistent(journal, net),
                            )
                        }));
                        let (mac, drawn) = pick(d.net, &mut chosen);
                        creates.extend(create_and_rename(d, zone, tmp, mac, drawn));
                    }
                    Some(l) => {
                        return Err(PlanError::Conflict {
                            zone: zone.clone(),
                            net: net.clone(),
                            place: place(Some(zone)),
                            over: l.vnic.as_ref().and_then(|v| LinkName::new(&v.over).ok()),
                        });
                    }
                    None => {
                        // A temporary link already in the zone and as configured: finish it.
                        let finish = tmps
                            .iter()
                            .find(|l| l.zone.as_ref() == Some(zone) && matches(d, l));
                        if let Some(l) = finish {
                            let mut e = entry_for(d, zone, tmp.clone(), LinkState::Created);
                            e.mac = l.vnic.as_ref().and_then(|v| v.mac);
                            plan.adopt.push(e);
                            adopted = true;
                            deletes.extend(tmps.iter().filter(|o| o.zone != l.zone).map(|l| {
                                delete(
                                    journal,
                                    zone,
                                    Some(net),
                                    l,
                                    recorded_persistent(journal, net),
                                )
                            }));
                            creates.push(Step::Rename {
                                net: net.clone(),
                                zone: zone.clone(),
                                from: tmp,
                                to: net.clone(),
                            });
                        } else {
                            deletes.extend(tmps.iter().map(|l| {
                                delete(
                                    journal,
                                    zone,
                                    Some(net),
                                    l,
                                    recorded_persistent(journal, net),
                                )
                            }));
                            let (mac, drawn) = pick(d.net, &mut chosen);
                            creates.extend(create_and_rename(d, zone, tmp, mac, drawn));
                        }
                    }
                }
            }
            Flavour::Gate => {
                if let Some(other) = obs
                    .named(net)
                    .find(|l| l.zone.is_some() && l.zone.as_ref() != Some(zone))
                {
                    return Err(PlanError::NameInUseByZone {
                        zone: zone.clone(),
                        net: net.clone(),
                        holder: other.zone.clone().expect("filtered on Some"),
                    });
                }
                match obs.named(net).find(|l| here(l)) {
                    // Only a link the record identifies is netzone's: an operator's link of
                    // that name is a conflict, never adopted (zoneadmd would lend it to the
                    // zone as if it were this net).
                    Some(l) if ours(l) && matches(d, l) && same_kind => {
                        plan.satisfied.push(net.clone());
                        adopted = true;
                        if entry.is_some_and(|e| e.state != LinkState::Active) {
                            // Created by a run that stopped before its last step: adopt it
                            // (confirmed once this run's steps are done) and redo the MTU.
                            let mut e = entry_for(d, zone, net.clone(), LinkState::Created);
                            e.mac = l.vnic.as_ref().and_then(|v| v.mac);
                            plan.adopt.push(e);
                            creates.extend(mtu_step(d));
                        }
                    }
                    Some(l) if !ours(l) => {
                        return Err(PlanError::Conflict {
                            zone: zone.clone(),
                            net: net.clone(),
                            place: place(l.zone.as_ref()),
                            over: l.vnic.as_ref().and_then(|v| LinkName::new(&v.over).ok()),
                        })
                    }
                    Some(l) if l.zone.is_some() => {
                        return Err(PlanError::WrongLinkOnLoan {
                            zone: zone.clone(),
                            net: net.clone(),
                        })
                    }
                    Some(l) => {
                        deletes.push(delete(
                            journal,
                            zone,
                            Some(net),
                            l,
                            recorded_persistent(journal, net),
                        ));
                        let (mac, drawn) = pick(d.net, &mut chosen);
                        creates.extend(gate_create(d, mac, drawn));
                    }
                    None => {
                        let (mac, drawn) = pick(d.net, &mut chosen);
                        creates.extend(gate_create(d, mac, drawn));
                    }
                }
            }
        }
        // A record that identifies no link is stale: dropped (a create step writes a new one).
        if let (Some(e), Some(f)) = (entry, found) {
            if f.ours.is_empty() && !adopted {
                if !creates.iter().any(|s| s.net() == Some(net)) {
                    plan.forget.push(e.net.clone());
                }
                report_others(&mut plan, f);
            }
        }
    }
    plan.steps = deletes;
    plan.steps.extend(creates);
    // Nets without mac-addr keep the MAC netzone chose: the one drawn now, or the recorded one.
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
    Ok(plan)
}

/// gate: set the MTU again after `create-vnic -t` (illumos 15695), if one is configured.
fn mtu_step(d: &Desired<'_>) -> Option<Step> {
    let net = d.net.physical.clone();
    d.net.mtu.map(|m| Step::SetProp {
        net: net.clone(),
        name: net,
        prop: LinkProp::new("mtu", &[&m.to_string()]),
    })
}

/// gate: create under the final name; set the MTU again if one is configured.
fn gate_create(d: &Desired<'_>, mac: MacSpec, drawn: bool) -> Vec<Step> {
    let net = d.net.physical.clone();
    let mut v = vec![Step::Create {
        net: net.clone(),
        index: d.index,
        spec: spec_for(d, net.clone(), None, Flavour::Gate, Some(mac)),
        drawn,
    }];
    v.extend(mtu_step(d));
    v.extend(flow_steps(d, &net, None, mac));
    v
}

fn create_and_rename(
    d: &Desired<'_>,
    zone: &ZoneName,
    tmp: LinkName,
    mac: MacSpec,
    drawn: bool,
) -> Vec<Step> {
    let net = d.net.physical.clone();
    let mut v = vec![
        Step::Create {
            net: net.clone(),
            index: d.index,
            spec: spec_for(d, tmp.clone(), Some(zone), Flavour::Joyent, Some(mac)),
            drawn,
        },
        Step::Rename {
            net: net.clone(),
            zone: zone.clone(),
            from: tmp,
            to: net,
        },
    ];
    v.extend(flow_steps(d, &d.net.physical, Some(zone), mac));
    v
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

    #[test]
    fn joyent_fresh_zone() {
        let z = zn("web1");
        let p = up(
            &cfg(),
            Flavour::Joyent,
            &Observation::default(),
            &Journal::empty(&z),
        )
        .unwrap();
        let t = |i| tempname::temp_name(&z, i);
        assert_eq!(
            lines(&p),
            vec![
                format!("dladm create-vnic -t -l e1000g0 -m 2:8:20:0:0:1 -p {LOCKED},zone=web1 {}", t(0)),
                format!("dladm rename-link -z web1 {} net0", t(0)),
                format!(
                    "dladm create-vnic -t -l e1000g0 -m 2:8:20:a:b:c -v 42 -p {LOCKED},zone=web1 {}",
                    t(1)
                ),
                format!("dladm rename-link -z web1 {} net1", t(1)),
                format!(
                    "dladm create-vnic -t -l e1000g1 -m 2:8:20:0:0:2 -p mtu=9000,{PROT},allowed-ips=10.0.0.5,zone=web1 {}",
                    t(2)
                ),
                format!("dladm rename-link -z web1 {} net2", t(2)),
                // The MACs netzone drew for the nets without mac-addr, saved in one run.
                "zonecfg -z web1 'select net physical=net0; set mac-addr=2:8:20:0:0:1; end; \
                 select net physical=net2; set mac-addr=2:8:20:0:0:2; end; commit'"
                    .to_string(),
            ]
        );
        assert!(!p.is_noop());
        let drawn: Vec<bool> = p
            .steps
            .iter()
            .filter_map(|s| match s {
                Step::Create { drawn, .. } => Some(*drawn),
                _ => None,
            })
            .collect();
        assert_eq!(drawn, vec![true, false, true]);
    }

    #[test]
    fn joyent_idempotent_and_operator_nets_untouched() {
        let z = zn("web1");
        let obs = Observation {
            unreadable: Vec::new(),
            links: vec![
                vnic("net0", "e1000g0", "2:8:20:1:1:1", 0, Some("web1")),
                vnic("net1", "e1000g0", "2:8:20:a:b:c", 42, Some("web1")),
                vnic("net2", "e1000g1", "2:8:20:1:1:2", 0, Some("web1")),
                vnic("oper0", "e1000g0", "2:8:20:1:1:3", 0, Some("web1")),
                // Another zone's net0 does not matter on joyent.
                vnic("net0", "e1000g0", "2:8:20:1:1:4", 0, Some("web2")),
                // Nor does the operator's global-zone link of a net's name.
                vnic("net2", "e1000g0", "2:8:20:1:1:5", 0, None),
            ],
        };
        let mut j = Journal::empty(&z);
        j.links = vec![
            record(0, ln("net0"), LinkState::Active, "2:8:20:1:1:1"),
            record(1, ln("net1"), LinkState::Active, "2:8:20:a:b:c"),
            record(2, ln("net2"), LinkState::Active, "2:8:20:1:1:2"),
        ];
        let p = up(&cfg(), Flavour::Joyent, &obs, &j).unwrap();
        assert!(p.is_noop(), "{p:?}");
        assert_eq!(p.satisfied.len(), 3);
        assert!(p.not_ours.is_empty(), "{:?}", p.not_ours);
        // Without the records, the zone's net0 is not provably netzone's.
        let e = up(&cfg(), Flavour::Joyent, &obs, &Journal::empty(&z)).unwrap_err();
        assert!(e.to_string().contains("net 'net0'"), "{e}");
    }

    #[test]
    fn joyent_foreign_link_with_final_name_is_a_conflict() {
        let z = zn("web1");
        let obs = Observation {
            unreadable: Vec::new(),
            links: vec![vnic("net1", "e1000g0", "2:8:20:9:9:9", 0, Some("web1"))],
        };
        let e = up(&cfg(), Flavour::Joyent, &obs, &Journal::empty(&z)).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("zone 'web1': net 'net1': link 'net1' already exists in zone 'web1'"),
            "{e}"
        );
        // A record naming it with another MAC does not make it netzone's either.
        let mut j = Journal::empty(&z);
        j.links
            .push(record(1, ln("net1"), LinkState::Active, "2:8:20:a:b:c"));
        assert!(up(&cfg(), Flavour::Joyent, &obs, &j).is_err());
    }

    #[test]
    fn joyent_finishes_or_undoes_crash_leftovers() {
        let z = zn("web1");
        let t0 = tempname::temp_name(&z, 0);
        let t1 = tempname::temp_name(&z, 1);
        let t7 = tempname::temp_name(&z, 7);
        let obs = Observation {
            unreadable: Vec::new(),
            links: vec![
                // net0 created and in the zone, crash before the rename: finish it.
                vnic(t0.as_str(), "e1000g0", "2:8:20:1:1:1", 0, Some("web1")),
                // net1's temp link with a wrong MAC: delete and recreate.
                vnic(t1.as_str(), "e1000g0", "2:8:20:1:1:7", 42, Some("web1")),
                // A temp name of an index no longer configured and recorded nowhere: its lower
                // link proves nothing, so it is left alone.
                vnic(t7.as_str(), "e1000g0", "2:8:20:1:1:8", 0, None),
            ],
        };
        let p = up(&cfg(), Flavour::Joyent, &obs, &Journal::empty(&z)).unwrap();
        let l = lines(&p);
        assert_eq!(l[0], format!("dladm delete-vnic -t -z web1 {t1}"));
        assert_eq!(l[1], format!("dladm rename-link -z web1 {t0} net0"));
        assert!(l[2].contains(&format!("-m 2:8:20:a:b:c -v 42 -p {LOCKED},zone=web1 {t1}")));
        assert!(!p.to_string().contains(t7.as_str()), "{p}");
        assert_eq!(p.adopt.len(), 1);
        assert_eq!(p.adopt[0].state, LinkState::Created);
        // Recorded (as an earlier net 7 over e1000g0), the same link is netzone's.
        let mut j = Journal::empty(&z);
        let mut e = record(0, t7.clone(), LinkState::Created, "2:8:20:1:1:8");
        e.net = ln("old7");
        e.index = 7;
        e.final_name = ln("old7");
        j.links.push(e);
        let p = up(&cfg(), Flavour::Joyent, &obs, &j).unwrap();
        assert_eq!(lines(&p)[0], format!("dladm delete-vnic -t {t7}"));
        // A temp link over another lower link than the configured one is not netzone's.
        let obs = Observation {
            unreadable: Vec::new(),
            links: vec![vnic(
                t0.as_str(),
                "e1000g1",
                "2:8:20:1:1:1",
                0,
                Some("web1"),
            )],
        };
        // netzone leaves it and refuses to plan around it.
        let e = up(&cfg(), Flavour::Joyent, &obs, &Journal::empty(&z)).unwrap_err();
        assert!(matches!(e, PlanError::TempNameTaken { .. }), "{e}");
        assert_eq!(e.kind(), crate::error::ErrorKind::NameTaken);
    }

    #[test]
    fn gate_checks_host_wide_names() {
        let z = zn("web1");
        let obs = Observation {
            unreadable: Vec::new(),
            links: vec![vnic("net1", "e1000g0", "2:8:20:9:9:9", 0, Some("web2"))],
        };
        let e = up(&cfg(), Flavour::Gate, &obs, &Journal::empty(&z)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "zone 'web1': net 'net1': link name 'net1' is in use by zone 'web2'"
        );
        let p = up(
            &cfg(),
            Flavour::Gate,
            &Observation::default(),
            &Journal::empty(&z),
        )
        .unwrap();
        assert_eq!(
            lines(&p),
            vec![
                "dladm create-vnic -t -l e1000g0 -m 2:8:20:0:0:1 net0",
                "dladm create-vnic -t -l e1000g0 -m 2:8:20:a:b:c -v 42 net1",
                "dladm create-vnic -t -l e1000g1 -m 2:8:20:0:0:2 -p mtu=9000 net2",
                "dladm set-linkprop -t -p mtu=9000 net2",
                "zonecfg -z web1 'select net physical=net0; set mac-addr=2:8:20:0:0:1; end; \
                 select net physical=net2; set mac-addr=2:8:20:0:0:2; end; commit'",
            ]
        );
        // An operator's link of that name in the GZ is not replaced, even one that looks like
        // the net: only a record identifying it makes it netzone's.
        for over in ["e1000g1", "e1000g0"] {
            let obs = Observation {
                unreadable: Vec::new(),
                links: vec![vnic("net0", over, "2:8:20:9:9:9", 0, None)],
            };
            let e = up(&cfg(), Flavour::Gate, &obs, &Journal::empty(&z)).unwrap_err();
            assert!(e.to_string().contains("the global zone"), "{e}");
        }
        let obs = Observation {
            unreadable: Vec::new(),
            links: vec![vnic("net0", "e1000g1", "2:8:20:9:9:9", 0, None)],
        };
        let e = up(&cfg(), Flavour::Gate, &obs, &Journal::empty(&z)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "zone 'web1': net 'net0': link 'net0' already exists in the global zone and was not \
             created by netzone (a VNIC over e1000g1); rename or remove that link, or give the \
             net another physical name"
        );
        // Seen without VNIC details (gate's zone walk only): no empty "(over )".
        let obs = Observation {
            unreadable: Vec::new(),
            links: vec![ObservedLink {
                name: ln("net0"),
                zone: None,
                vnic: None,
            }],
        };
        let e = up(&cfg(), Flavour::Gate, &obs, &Journal::empty(&z)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "zone 'web1': net 'net0': link 'net0' already exists in the global zone and was not \
             created by netzone; rename or remove that link, or give the net another physical name"
        );
    }

    #[test]
    fn gate_recreates_own_wrong_link_and_keeps_right_one() {
        let z = zn("web1");
        let mut j = Journal::empty(&z);
        // net0 was made over e1000g1 by an earlier configuration.
        let mut e0 = record(0, ln("net0"), LinkState::Active, "2:8:20:9:9:9");
        e0.over = ln("e1000g1");
        j.links.push(e0);
        j.links
            .push(record(1, ln("net1"), LinkState::Created, "2:8:20:a:b:c"));
        let obs = Observation {
            unreadable: Vec::new(),
            links: vec![
                vnic("net0", "e1000g1", "2:8:20:9:9:9", 0, None),
                vnic("net1", "e1000g0", "2:8:20:a:b:c", 42, None),
            ],
        };
        let c = cfg();
        let p = up(&c, Flavour::Gate, &obs, &j).unwrap();
        let l = lines(&p);
        assert_eq!(l[0], "dladm delete-vnic -t net0");
        assert_eq!(l[1], "dladm create-vnic -t -l e1000g0 -m 2:8:20:0:0:1 net0");
        assert_eq!(l[3], "dladm set-linkprop -t -p mtu=9000 net2");
        assert!(l[4]
            .starts_with("zonecfg -z web1 'select net physical=net0; set mac-addr=2:8:20:0:0:1;"));
        assert_eq!(l.len(), 5);
        assert_eq!(p.satisfied, vec![ln("net1")]);
        assert_eq!(p.adopt.len(), 1, "created entry confirmed as active");
    }
}
