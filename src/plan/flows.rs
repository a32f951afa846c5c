//! SmartOS's `blocked_outgoing_ports`: one flow per port on a net's link, dropping TCP to it
//! (`maxbw=0`), added with the link or, on a link the plan keeps, when missing; removed only
//! when a record identifies it (name, link and attributes).

use crate::dladm::observe::{Observation, ObservedLink};
use crate::flavour::Flavour;
use crate::journal::Journal;
use crate::linkname::LinkName;
use crate::mac::MacSpec;
use crate::zonecfg::ZoneConfig;
use crate::zonename::ZoneName;

use super::records::find_record;
use super::{desired_nets, Desired, Plan, PlanError, Step, TakenFlow};

#[cfg(doc)]
use super::plan_up_full;

/// Whether the observed link `l` can carry flows netzone lists or adds: on joyent a link in
/// `zone` (named with `-z`), on gate a link in the global zone (a link on loan cannot be named
/// from the global zone).
fn flow_reachable(flavour: Flavour, zone: &ZoneName, l: &ObservedLink) -> bool {
    l.zone == flavour.dialect().link_home(zone)
}

/// The links whose flows [`plan_up_full`] needs, as (link, zone holding it): for each net with
/// `blocked_outgoing_ports` or recorded flows, the links its record identifies that netzone can
/// name (on joyent in the zone, with `-z`; on gate in the global zone only). None when the
/// journal is empty: a link without a record is created anew, with its flows.
pub fn flow_queries(
    cfg: &ZoneConfig,
    flavour: Flavour,
    obs: &Observation,
    journal: &Journal,
) -> Result<Vec<(LinkName, Option<ZoneName>)>, PlanError> {
    let zone = &cfg.name;
    let mut v = Vec::new();
    for d in desired_nets(cfg)? {
        let net = &d.net.physical;
        if crate::netattr::blocked_ports(d.net).is_empty() && journal.flows_of(net).next().is_none()
        {
            continue;
        }
        let Some(e) = journal.links.iter().find(|e| &e.net == net) else {
            continue;
        };
        for l in find_record(e, obs, zone).ours {
            if flow_reachable(flavour, zone, l) && !v.contains(&(l.name.clone(), l.zone.clone())) {
                v.push((l.name.clone(), l.zone.clone()));
            }
        }
    }
    Ok(v)
}

/// `blocked_outgoing_ports` on the links the plan keeps (satisfied, or finished with a rename),
/// given their flows (`flows`, from [`flow_queries`]; a link whose flows were not listed is
/// left as it is): a wanted flow that is missing is added; one a record identifies (name, link
/// and attributes) is kept and its record confirmed; one of the wanted name that no record
/// identifies is somebody else's and fails the plan ([`PlanError::FlowTaken`]), left alone. A
/// recorded flow no longer wanted is removed only if its record identifies it; otherwise its
/// record is dropped and the flow, if any, left alone. Links the plan creates get their flows
/// from their create steps.
pub fn plan_flows(
    plan: &mut Plan,
    want: &[Desired<'_>],
    obs: &Observation,
    flows: &[crate::netattr::LinkFlows],
    journal: &Journal,
) -> Result<(), PlanError> {
    let zone = plan.zone.clone();
    let flavour = plan.flavour;
    let mut extra = Vec::new();
    for d in want {
        let net = &d.net.physical;
        let ports = crate::netattr::blocked_ports(d.net);
        let recs: Vec<&crate::journal::JournalFlow> = journal.flows_of(net).collect();
        if ports.is_empty() && recs.is_empty() {
            continue;
        }
        let created = plan
            .steps
            .iter()
            .any(|s| matches!(s, Step::Create { net: n, .. } if n == net));
        let renamed = plan
            .steps
            .iter()
            .any(|s| matches!(s, Step::Rename { net: n, .. } if n == net));
        if created || !(renamed || plan.satisfied.contains(net)) {
            continue;
        }
        let Some(e) = journal.links.iter().find(|e| &e.net == net) else {
            continue;
        };
        let deleted = |l: &ObservedLink| {
            plan.steps.iter().any(
                |s| matches!(s, Step::Delete { name, zone: z, .. } if name == &l.name && z == &l.zone),
            )
        };
        let found = find_record(e, obs, &zone);
        let Some((l, seen)) = found
            .ours
            .iter()
            .filter(|l| flow_reachable(flavour, &zone, l) && !deleted(l))
            .find_map(|l| {
                flows
                    .iter()
                    .find(|f| f.link == l.name && f.zone == l.zone)
                    .map(|f| (*l, &f.flows))
            })
        else {
            continue;
        };
        let Some(mac) = l.vnic.as_ref().and_then(|v| v.mac) else {
            continue;
        };
        // Where the kept link is named: in the zone on joyent, in the global zone on gate.
        let step_zone = flavour.dialect().link_home(&zone);
        let wanted: Vec<(String, u16)> = ports
            .iter()
            .map(|p| (crate::netattr::flow_name(MacSpec::Fixed(mac), net, *p), *p))
            .collect();
        for (name, port) in &wanted {
            let rec = recs.iter().find(|r| &r.name == name);
            match seen.iter().find(|f| &f.name == name) {
                None => extra.push(Step::AddFlow {
                    net: net.clone(),
                    link: net.clone(),
                    zone: step_zone.clone(),
                    name: name.clone(),
                    port: *port,
                }),
                Some(f) => match rec {
                    Some(r) if r.remote_port == *port && crate::netattr::flow_matches(r, f) => {
                        if r.state != crate::journal::FlowState::Active {
                            plan.flows_confirm.push(name.clone());
                        }
                    }
                    _ => {
                        return Err(PlanError::FlowTaken {
                            zone: zone.clone(),
                            net: net.clone(),
                            taken: Box::new(TakenFlow {
                                flow: name.clone(),
                                link: l.name.clone(),
                                why: match rec {
                                None => "no record of it".into(),
                                Some(_) => format!(
                                    "it matches proto '{}' remote port '{}', not its record's tcp port {port}",
                                    f.proto, f.rport
                                ),
                            },
                            }),
                        })
                    }
                },
            }
        }
        for r in recs
            .iter()
            .filter(|r| !wanted.iter().any(|(n, _)| n == &r.name))
        {
            match seen.iter().find(|f| f.name == r.name) {
                Some(f) if crate::netattr::flow_matches(r, f) => extra.push(Step::RemoveFlow {
                    net: net.clone(),
                    link: l.name.clone(),
                    zone: step_zone.clone(),
                    name: r.name.clone(),
                }),
                _ => plan.flows_forget.push(r.name.clone()),
            }
        }
    }
    plan.steps.extend(extra);
    Ok(())
}

/// `blocked_outgoing_ports`: one add-flow per port on the net's link, named as SmartOS names
/// them (`netattr::flow_name`).
pub(super) fn flow_steps(
    d: &Desired<'_>,
    link: &LinkName,
    zone: Option<&ZoneName>,
    mac: MacSpec,
) -> Vec<Step> {
    crate::netattr::blocked_ports(d.net)
        .into_iter()
        .map(|port| Step::AddFlow {
            net: d.net.physical.clone(),
            link: link.clone(),
            zone: zone.cloned(),
            name: crate::netattr::flow_name(mac, link, port),
            port,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::plan::fixtures::*;

    fn flow(name: &str, link: &str, proto: &str, rport: &str) -> crate::netattr::ObservedFlow {
        crate::netattr::ObservedFlow {
            name: name.into(),
            link: link.into(),
            ipaddr: String::new(),
            proto: proto.into(),
            lport: String::new(),
            rport: rport.into(),
            dsfield: String::new(),
        }
    }

    fn flow_record(
        name: &str,
        port: u16,
        state: crate::journal::FlowState,
    ) -> crate::journal::JournalFlow {
        crate::journal::JournalFlow {
            net: ln("net1"),
            name: name.into(),
            link: ln("net1"),
            transport: "tcp".into(),
            remote_port: port,
            state,
        }
    }

    /// A satisfied net with blocked ports: missing flows are added, recorded ones that exist
    /// are confirmed, unwanted recorded ones removed only when identified, a flow of a wanted
    /// name that no record identifies fails the plan and is left alone.
    #[test]
    fn flows_of_a_kept_link() {
        use crate::journal::FlowState;
        let z = zn("web1");
        let mut c = cfg();
        c.nets[1]
            .attrs
            .insert("blocked_outgoing_ports".into(), "25,587".into());
        let obs = Observation {
            unreadable: Vec::new(),
            links: ready_links(),
        };
        let mut j = Journal::empty(&z);
        j.links = ready_records();
        assert_eq!(
            flow_queries(&c, Flavour::Joyent, &obs, &j).unwrap(),
            vec![(ln("net1"), Some(z.clone()))]
        );
        let f25 = "f2_8_20_a_b_c_br_25";
        let f587 = "f2_8_20_a_b_c_br_587";
        let f993 = "f2_8_20_a_b_c_br_993";
        j.flows = vec![
            flow_record(f25, 25, FlowState::Intent),
            flow_record(f993, 993, FlowState::Active),
            flow_record("f2_8_20_a_b_c_br_110", 110, FlowState::Active),
        ];
        let seen = vec![crate::netattr::LinkFlows {
            link: ln("net1"),
            zone: Some(z.clone()),
            flows: vec![
                flow(f25, "net1", "tcp", "25"),
                flow(f993, "net1", "tcp", "993"),
                // An operator's flow under a name netzone recorded: not identified.
                flow("f2_8_20_a_b_c_br_110", "net1", "udp", "110"),
            ],
        }];
        let p = plan_up_full(&c, Flavour::Joyent, &obs, &seen, &j, &mut counter()).unwrap();
        assert_eq!(
            lines(&p)
                .into_iter()
                .filter(|l| l.starts_with("flowadm"))
                .collect::<Vec<_>>(),
            vec![
                format!("flowadm add-flow -t -l net1 -z web1 -a transport=tcp,remote_port=587 -p maxbw=0 {f587}"),
                format!("flowadm remove-flow -t {f993}"),
            ]
        );
        assert_eq!(p.flows_confirm, vec![f25.to_string()]);
        assert_eq!(p.flows_forget, vec!["f2_8_20_a_b_c_br_110".to_string()]);
        // Flows not listed: left as they are.
        let p = plan_up_full(&c, Flavour::Joyent, &obs, &[], &j, &mut counter()).unwrap();
        assert!(p.is_noop(), "{p}");
        // A flow of a wanted name that is somebody else's fails the plan.
        let mut taken = seen.clone();
        taken[0].flows[0] = flow(f25, "net1", "tcp", "26");
        let e = plan_up_full(&c, Flavour::Joyent, &obs, &taken, &j, &mut counter()).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("zone 'web1': net 'net1': flow '{f25}' on link 'net1' was not created by netzone (it matches proto 'tcp' remote port '26', not its record's tcp port 25); left alone: remove it, or drop its port from blocked_outgoing_ports")
        );
        j.flows.clear();
        let e = plan_up_full(&c, Flavour::Joyent, &obs, &seen, &j, &mut counter()).unwrap_err();
        assert!(e.to_string().contains("(no record of it)"), "{e}");
        // gate: only a link in the global zone can be named; one on loan is not asked about.
        assert!(flow_queries(&c, Flavour::Gate, &obs, &j)
            .unwrap()
            .is_empty());
    }
}
