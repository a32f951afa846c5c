//! gate's `up` of one net: the final name must be free host-wide (a link on loan keeps its name
//! in its zone's name space, and a second link of that name in the global zone is illumos bug
//! 10001), then `create-vnic -t` under the final name before ready; zoneadmd lends it at ready
//! (`vplat.c` `configure_exclusive_network_interfaces`). gate's libdlvnic applies only the
//! resource properties when it creates a temporary VNIC, so a configured MTU is set again
//! afterwards (illumos 15695).

use crate::dladm::LinkProp;
use crate::flavour::Gate;
use crate::journal::LinkState;
use crate::linkname::LinkName;
use crate::mac::MacSpec;

use super::desired::{entry_for, spec_for};
use super::error::place;
use super::flows::flow_steps;
use super::{matches, Desired, NetOutcome, PlanError, Planner, Step, UpContext};

impl Planner for Gate {
    fn plan_net(&self, ctx: &mut UpContext<'_>, d: &Desired<'_>) -> Result<NetOutcome, PlanError> {
        let (zone, obs) = (ctx.zone(), ctx.obs());
        let net = &d.net.physical;
        // A link of the other persistence than now configured is replaced, not kept.
        let same_kind = ctx
            .record()
            .is_none_or(|e| e.persistent == d.net.persistent());
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
        match obs.named(net).find(|l| ctx.here(l)) {
            // Only a link the record identifies is netzone's: an operator's link of that name
            // is a conflict, never adopted (zoneadmd would lend it to the zone as if it were
            // this net).
            Some(l) if ctx.ours(l) && matches(d, l) && same_kind => {
                ctx.keep(net);
                if ctx.record().is_some_and(|e| e.state != LinkState::Active) {
                    // Created by a run that stopped before its last step: adopt it (confirmed
                    // once this run's steps are done) and redo the MTU.
                    let mut e = entry_for(d, zone, net.clone(), LinkState::Created);
                    e.mac = l.vnic.as_ref().and_then(|v| v.mac);
                    ctx.adopt(e);
                    ctx.create(mtu_step(d));
                }
                Ok(NetOutcome::Kept)
            }
            Some(l) if !ctx.ours(l) => Err(PlanError::Conflict {
                zone: zone.clone(),
                net: net.clone(),
                place: place(l.zone.as_ref()),
                over: l.vnic.as_ref().and_then(|v| LinkName::new(&v.over).ok()),
            }),
            Some(l) if l.zone.is_some() => Err(PlanError::WrongLinkOnLoan {
                zone: zone.clone(),
                net: net.clone(),
            }),
            Some(l) => {
                ctx.delete_own(net, l);
                let (mac, drawn) = ctx.pick_mac(d.net);
                ctx.create(gate_create(d, mac, drawn));
                Ok(NetOutcome::Created)
            }
            None => {
                let (mac, drawn) = ctx.pick_mac(d.net);
                ctx.create(gate_create(d, mac, drawn));
                Ok(NetOutcome::Created)
            }
        }
    }

    /// No: zoneadmd retries the hand-back and reports, and a lent link cannot be renamed.
    fn shields_lent_links(&self) -> bool {
        false
    }
}

/// Set the MTU again after `create-vnic -t` (illumos 15695), if one is configured.
fn mtu_step(d: &Desired<'_>) -> Option<Step> {
    let net = d.net.physical.clone();
    d.net.mtu.map(|m| Step::SetProp {
        net: net.clone(),
        name: net,
        prop: LinkProp::new("mtu", &[&m.to_string()]),
    })
}

/// Create under the final name; set the MTU again if one is configured; then the flows.
fn gate_create(d: &Desired<'_>, mac: MacSpec, drawn: bool) -> Vec<Step> {
    let net = d.net.physical.clone();
    let mut v = vec![Step::Create {
        net: net.clone(),
        index: d.index,
        spec: spec_for(d, net.clone(), None, &Gate, Some(mac)),
        drawn,
    }];
    v.extend(mtu_step(d));
    v.extend(flow_steps(d, &net, None, mac));
    v
}

#[cfg(test)]
mod tests {
    use crate::plan::fixtures::*;

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
