//! joyent's `up` of one net: `create-vnic -t -l GLOBAL [-m MAC] [-v VID] -p ...,zone=Z TMP`
//! after ready, then `rename-link -z Z TMP PHYSICAL` (SmartOS `jcommon/statechange`
//! `setup_net`). Link names live in each zone's name space, so only the zone's own and the
//! global zone's links of the net's names matter; a link left under the temporary name by a
//! crash is finished (renamed) when it is as configured, else replaced.

use crate::dladm::observe::ObservedLink;
use crate::flavour::Joyent;
use crate::identity;
use crate::journal::LinkState;
use crate::linkname::LinkName;
use crate::mac::MacSpec;
use crate::tempname;
use crate::zonename::ZoneName;

use super::desired::{entry_for, spec_for};
use super::error::place;
use super::flows::flow_steps;
use super::{matches, Desired, NetOutcome, PlanError, Planner, Step, UpContext};

impl Planner for Joyent {
    fn plan_net(&self, ctx: &mut UpContext<'_>, d: &Desired<'_>) -> Result<NetOutcome, PlanError> {
        let (zone, obs) = (ctx.zone(), ctx.obs());
        let net = &d.net.physical;
        let tmp = tempname::temp_name(zone, d.index);
        // This net's temporary links: the record's, or proven by name and lower link.
        let tmps: Vec<&ObservedLink> = obs
            .named(&tmp)
            .filter(|l| ctx.ours(l) || identity::temp_proof(l, zone, Some(&d.over)))
            .collect();
        // The name is taken, where this net's link would be created or renamed, by a link that
        // is not netzone's: nothing netzone would do with it is safe.
        if let Some(l) = obs
            .named(&tmp)
            .find(|l| ctx.here(l) && !tmps.iter().any(|t| std::ptr::eq(*t, *l)))
        {
            return Err(PlanError::TempNameTaken {
                zone: zone.clone(),
                net: net.clone(),
                temp: tmp.clone(),
                place: place(l.zone.as_ref()),
            });
        }
        // A record's link left in the global zone under the final name (a crash while handing
        // it back): netzone's, removed.
        if let Some(l) = obs.find(net, None).filter(|l| ctx.ours(l)) {
            ctx.delete_own(net, l);
        }
        match obs.find(net, Some(zone)) {
            Some(l) if ctx.ours(l) && matches(d, l) => {
                ctx.keep(net);
                if ctx.record().is_some_and(|e| e.state != LinkState::Active) {
                    let mut e = entry_for(d, zone, tmp.clone(), LinkState::Active);
                    e.mac = l.vnic.as_ref().and_then(|v| v.mac);
                    ctx.adopt(e);
                }
                for t in &tmps {
                    ctx.delete_own(net, t);
                }
                Ok(NetOutcome::Kept)
            }
            Some(l) if ctx.ours(l) => {
                // netzone's, but no longer as configured: replace it.
                ctx.delete_own(net, l);
                for t in &tmps {
                    ctx.delete_own(net, t);
                }
                let (mac, drawn) = ctx.pick_mac(d.net);
                ctx.create(create_and_rename(d, zone, tmp, mac, drawn));
                Ok(NetOutcome::Created)
            }
            Some(l) => Err(PlanError::Conflict {
                zone: zone.clone(),
                net: net.clone(),
                place: place(Some(zone)),
                over: l.vnic.as_ref().and_then(|v| LinkName::new(&v.over).ok()),
            }),
            None => {
                // A temporary link already in the zone and as configured: finish it.
                let finish = tmps
                    .iter()
                    .find(|l| l.zone.as_ref() == Some(zone) && matches(d, l));
                if let Some(l) = finish {
                    let mut e = entry_for(d, zone, tmp.clone(), LinkState::Created);
                    e.mac = l.vnic.as_ref().and_then(|v| v.mac);
                    ctx.adopt(e);
                    for t in tmps.iter().filter(|o| o.zone != l.zone) {
                        ctx.delete_own(net, t);
                    }
                    ctx.create([Step::Rename {
                        net: net.clone(),
                        zone: zone.clone(),
                        from: tmp,
                        to: net.clone(),
                    }]);
                    Ok(NetOutcome::Kept)
                } else {
                    for t in &tmps {
                        ctx.delete_own(net, t);
                    }
                    let (mac, drawn) = ctx.pick_mac(d.net);
                    ctx.create(create_and_rename(d, zone, tmp, mac, drawn));
                    Ok(NetOutcome::Created)
                }
            }
        }
    }

    /// Yes: a lent link whose name the global zone has would be deleted at zone destroy.
    fn shields_lent_links(&self) -> bool {
        true
    }
}

/// Create under the temporary name in the zone, rename to the final name, then the flows.
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
            spec: spec_for(d, tmp.clone(), Some(zone), &Joyent, Some(mac)),
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
            links: [
                ready_links(),
                vec![
                    vnic("oper0", "e1000g0", "2:8:20:1:1:3", 0, Some("web1")),
                    // Another zone's net0 does not matter on joyent.
                    vnic("net0", "e1000g0", "2:8:20:1:1:4", 0, Some("web2")),
                    // Nor does the operator's global-zone link of a net's name.
                    vnic("net2", "e1000g0", "2:8:20:1:1:5", 0, None),
                ],
            ]
            .concat(),
        };
        let mut j = Journal::empty(&z);
        j.links = ready_records();
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
}
