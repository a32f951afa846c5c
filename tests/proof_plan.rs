//! Never a foreign link, planned: the strict oracle of issue 9 over the pure planners, many
//! cases cheaply. Random hosts (a zone's nets, its journal records with links in any state, and
//! operator links named like nets, like netzone's temporary names of this and another zone, on
//! the same and other NICs and VLANs, in the global zone or a zone) go through every planner a
//! netzone event uses: `plan_up` (both flavours), `plan_down` (halt, `down`), `plan_reclaim`
//! (`recover`, pre-halt of a `down` zone) and `show::classify` + `gc` (`netzone gc`).
//!
//! Property: no step of any plan addresses a link netzone did not create, with one exception:
//! `recover` handing a link a zone holds back to the global zone (`set-linkprop zone=global`,
//! what zoneadmd itself does at halt: the end of its own lending). No plan renames one, not
//! even when the global zone took its name (illumos bug 10001): recover reports that link as
//! blocked on both flavours. A link with this
//! zone's exact temporary name over the lower link configured for that net is netzone's by
//! definition (see `identity`), so the generator never makes an operator link like that.
//!
//! The same property through the real binaries on the simulated host is
//! `tests/proof_foreign.rs`; this one runs 1024 cases in well under a second. Failures are
//! persisted in `tests/proof_plan.proptest-regressions` and replayed first.

use netzone::dladm::observe::{Observation, ObservedLink};
use netzone::dladm::VnicInfo;
use netzone::flavour::Flavour;
use netzone::journal::{Journal, JournalLink, LinkState};
use netzone::linkname::LinkName;
use netzone::mac::Mac;
use netzone::plan::{self, Plan, Step};
use netzone::vlan::VlanId;
use netzone::zoneadm::{State, Zone};
use netzone::zonename::ZoneName;
use netzone::{gc, show, tempname, zonecfg};
use proptest::prelude::*;

const NICS: [&str; 2] = ["e1000g0", "e1000g1"];
const ZONE: &str = "z0";
const OTHER: &str = "z1";

fn ln(s: &str) -> LinkName {
    LinkName::new(s).unwrap()
}
fn zn(s: &str) -> ZoneName {
    ZoneName::new(s).unwrap()
}

#[derive(Debug, Clone)]
struct NetGen {
    nic: usize,
    vlan: bool,
    fixed_mac: bool,
}

#[derive(Debug, Clone)]
struct RecGen {
    net: usize,
    state: usize,
    /// Where its link is: none, the global zone, the zone; and whether under its temporary
    /// name (else its final name).
    place: usize,
    temp: bool,
}

#[derive(Debug, Clone)]
struct ForeignGen {
    name: usize,
    place: usize,
    nic: usize,
    vlan: bool,
}

#[derive(Debug, Clone)]
struct Case {
    flavour: Flavour,
    nets: Vec<NetGen>,
    records: Vec<RecGen>,
    foreign: Vec<ForeignGen>,
    zone_state: usize,
}

fn case() -> impl Strategy<Value = Case> {
    (
        any::<bool>(),
        prop::collection::vec((0..2usize, any::<bool>(), any::<bool>()), 1..=3),
        prop::collection::vec((0..3usize, 0..4usize, 0..3usize, any::<bool>()), 0..=3),
        prop::collection::vec((0..9usize, 0..3usize, 0..2usize, any::<bool>()), 0..=6),
        0..4usize,
    )
        .prop_map(|(gate, nets, records, foreign, zone_state)| Case {
            flavour: if gate { Flavour::Gate } else { Flavour::Joyent },
            nets: nets
                .into_iter()
                .map(|(nic, vlan, fixed_mac)| NetGen {
                    nic,
                    vlan,
                    fixed_mac,
                })
                .collect(),
            records: records
                .into_iter()
                .map(|(net, state, place, temp)| RecGen {
                    net,
                    state,
                    place,
                    temp,
                })
                .collect(),
            foreign: foreign
                .into_iter()
                .map(|(name, place, nic, vlan)| ForeignGen {
                    name,
                    place,
                    nic,
                    vlan,
                })
                .collect(),
            zone_state,
        })
}

fn vid(v: bool) -> Option<VlanId> {
    v.then(|| VlanId::new(42).unwrap())
}

fn link(
    name: &LinkName,
    place: Option<&str>,
    over: &str,
    vlan: Option<VlanId>,
    mac: Mac,
) -> ObservedLink {
    ObservedLink {
        name: name.clone(),
        zone: place.map(zn),
        vnic: Some(VnicInfo {
            link: name.clone(),
            over: over.into(),
            mac: Some(mac),
            mac_type: "fixed".into(),
            vid: vlan,
            zone: place.map(zn),
        }),
    }
}

/// The host a case describes: the zone's configuration, its journal, the observation, and
/// which observed links (by index) are the operator's.
struct Host {
    cfg: zonecfg::ZoneConfig,
    journal: Journal,
    obs: Observation,
    foreign: Vec<usize>,
}

fn build(c: &Case) -> Host {
    let z = zn(ZONE);
    let nets: Vec<String> = c
        .nets
        .iter()
        .enumerate()
        .map(|(i, n)| {
            format!(
                r#"<network physical="net{i}" global-nic="{}"{}{}/>"#,
                NICS[n.nic],
                if n.vlan { r#" vlan-id="42""# } else { "" },
                if n.fixed_mac {
                    format!(r#" mac-addr="2:8:20:0:1:{i}""#)
                } else {
                    String::new()
                }
            )
        })
        .collect();
    let xml = format!(
        r#"<zone name="{ZONE}" zonepath="/zones/{ZONE}" brand="joyent" ip-type="exclusive">{}</zone>"#,
        nets.join("")
    );
    let cfg = zonecfg::parse_str(&xml, "proof").unwrap();
    let mut journal = Journal::empty(&z);
    let mut obs = Observation::default();
    let states = [
        LinkState::Intent,
        LinkState::Created,
        LinkState::Renaming,
        LinkState::Active,
    ];
    for (k, r) in c.records.iter().enumerate() {
        let Some(n) = c.nets.get(r.net) else { continue };
        if journal.links.iter().any(|e| e.index == r.net) {
            continue;
        }
        let net = ln(&format!("net{}", r.net));
        let tmp = tempname::temp_name(&z, r.net);
        let mac = Mac::with_random_prefix([0, 2, k as u8]);
        let e = JournalLink {
            net: net.clone(),
            index: r.net,
            name: if c.flavour == Flavour::Joyent {
                tmp.clone()
            } else {
                net.clone()
            },
            final_name: net.clone(),
            over: ln(NICS[n.nic]),
            vid: vid(n.vlan),
            mac: Some(mac),
            zone: z.clone(),
            state: states[r.state],
            run: String::new(),
            persistent: false,
        };
        let name = if r.temp {
            e.name.clone()
        } else {
            e.final_name.clone()
        };
        let place = match r.place {
            0 => None,
            1 => Some(None),
            _ => Some(Some(ZONE)),
        };
        if let Some(p) = place {
            let clash = obs
                .links
                .iter()
                .any(|l| l.name == name && l.zone.as_ref().map(|z| z.as_str()) == p);
            if !clash {
                obs.links
                    .push(link(&name, p, NICS[n.nic], vid(n.vlan), mac));
            }
        }
        journal.links.push(e);
    }
    let mut foreign = Vec::new();
    let pool: Vec<LinkName> = vec![
        ln("net0"),
        ln("net1"),
        ln("net2"),
        ln("vnic7"),
        tempname::temp_name(&z, 0),
        tempname::temp_name(&z, 1),
        tempname::temp_name(&z, 5),
        tempname::temp_name(&zn(OTHER), 0),
        ln("opnet0"),
    ];
    for (k, f) in c.foreign.iter().enumerate() {
        let name = pool[f.name].clone();
        let place = [None, Some(ZONE), Some(OTHER)][f.place];
        let mut nic = f.nic;
        // This zone's exact temporary name over the NIC its net is configured over is
        // netzone's by definition: an operator link never looks like that.
        if let Some(i) = tempname::owned_index(&name, &z) {
            if place != Some(OTHER) && c.nets.get(i).is_some_and(|n| n.nic == nic) {
                nic = 1 - nic;
            }
        }
        let clash = obs
            .links
            .iter()
            .any(|l| l.name == name && l.zone.as_ref().map(|z| z.as_str()) == place);
        if clash {
            continue;
        }
        let mac = Mac::from_octets([2, 8, 0x21, 0, 0, k as u8 + 1]).unwrap();
        foreign.push(obs.links.len());
        obs.links
            .push(link(&name, place, NICS[nic], vid(f.vlan), mac));
    }
    Host {
        cfg,
        journal,
        obs,
        foreign,
    }
}

/// The link a step's dladm command acts on, if it names one: on joyent by name in the named
/// zone (`-z`) or the global zone; on gate by name from the global zone, which finds the global
/// zone's link of that name first.
fn addressed<'a>(step: &Step, flavour: Flavour, obs: &'a Observation) -> Option<&'a ObservedLink> {
    let (name, zone) = match step {
        Step::Delete { name, zone, .. } => (name, zone.clone()),
        Step::Rename { from, zone, .. } => (from, Some(zone.clone())),
        Step::SetProp { name, .. } => (name, None),
        // A recorded flow on a link its record identifies.
        Step::RemoveFlow { link, zone, .. } => (link, zone.clone()),
        Step::Return { name, zone }
        | Step::RenameInZone {
            from: name, zone, ..
        } => (name, Some(zone.clone())),
        // A flow goes on the link the same plan creates.
        Step::Create { .. } | Step::AddFlow { .. } => return None,
    };
    match flavour {
        Flavour::Joyent => obs.find(name, zone.as_ref()),
        Flavour::Gate => obs
            .find(name, None)
            .or_else(|| obs.find(name, zone.as_ref())),
    }
}

fn check(what: &str, plan: &Plan, h: &Host, hand_back_ok: bool) -> Result<(), String> {
    for s in &plan.steps {
        let Some(l) = addressed(s, plan.flavour, &h.obs) else {
            continue;
        };
        let i = h.obs.links.iter().position(|x| std::ptr::eq(x, l)).unwrap();
        if !h.foreign.contains(&i) {
            continue;
        }
        let allowed = matches!(s, Step::Return { .. }) && hand_back_ok;
        if !allowed {
            return Err(format!(
                "{what}: `dladm {}` acts on the operator's {l:?}\nplan:\n{plan}",
                s.argv(plan.flavour).join(" ")
            ));
        }
    }
    Ok(())
}

fn zone(name: &str, state: State) -> Zone {
    Zone {
        id: None,
        name: name.into(),
        state,
        path: format!("/zones/{name}").into(),
        uuid: None,
        brand: "joyent".into(),
        ip_type: netzone::zoneadm::IpType::Exclusive,
    }
}

fn run(c: &Case) -> Result<(), String> {
    let h = build(c);
    let z = zn(ZONE);
    let f = c.flavour;
    let mut n = 0u8;
    let mut draw = || {
        n = n.wrapping_add(1);
        Mac::with_random_prefix([0, 3, n])
    };
    if let Ok(p) = plan::plan_up_with(&h.cfg, f, &h.obs, &h.journal, &mut draw) {
        check("up", &p, &h, false)?;
    }
    check(
        "down",
        &plan::plan_down(&z, f, &h.obs, &h.journal),
        &h,
        false,
    )?;
    check(
        "recover",
        &plan::plan_reclaim(&z, f, &h.obs, &h.journal),
        &h,
        true,
    )?;
    // joyent's pre-halt shield (`recover::shield`) renames only a link the zone holds whose
    // name the global zone took (illumos bug 10001), which the platform would otherwise delete
    // when the zone is destroyed; nothing else, and nothing on gate.
    for s in &plan::plan_shield(&z, f, &h.obs, &h.journal).steps {
        let ok = match s {
            Step::RenameInZone { zone, from, .. } => {
                f == Flavour::Joyent
                    && zone == &z
                    && h.obs.find(from, Some(&z)).is_some()
                    && h.obs.find(from, None).is_some()
            }
            _ => false,
        };
        if !ok {
            return Err(format!(
                "shield: {s:?} is not a 10001 rename\n{}",
                h.obs.links.len()
            ));
        }
    }
    let state = [State::Installed, State::Ready, State::Running, State::Down][c.zone_state];
    let inv = show::Inventory {
        zones: vec![zone(ZONE, state), zone(OTHER, State::Running)],
        obs: h.obs.clone(),
        journals: vec![h.journal.clone()],
        configs: vec![h.cfg.clone()],
        ..Default::default()
    };
    let rows = show::classify(&inv);
    for r in &rows {
        let show::Source::Link { held_by } = &r.source else {
            continue;
        };
        let Some(l) = h.obs.find(&r.link, held_by.as_ref()) else {
            continue;
        };
        let i = h.obs.links.iter().position(|x| std::ptr::eq(x, l)).unwrap();
        if h.foreign.contains(&i) && r.owner == show::Owner::Netzone {
            return Err(format!(
                "show: the operator's {l:?} is listed as netzone's: {r:?}"
            ));
        }
    }
    let actions = gc::decide(&rows);
    check(
        "gc",
        &gc::plan_for(&z, f, &actions, Some(&h.journal)),
        &h,
        false,
    )?;
    Ok(())
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROOF_PLAN_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1024),
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct(
                "tests/proof_plan.proptest-regressions",
            ),
        )),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn no_plan_acts_on_a_foreign_link(c in case()) {
        run(&c).map_err(|e| TestCaseError::fail(format!("{e}\ncase: {c:?}")))?;
    }
}

/// The oracle can fail: a plan that deletes an operator link is caught, and so is a hand-back
/// outside recover.
#[test]
fn the_oracle_catches_a_deleted_foreign_link() {
    let c = Case {
        flavour: Flavour::Joyent,
        nets: vec![NetGen {
            nic: 0,
            vlan: false,
            fixed_mac: false,
        }],
        records: vec![],
        foreign: vec![ForeignGen {
            name: 0,
            place: 0,
            nic: 0,
            vlan: false,
        }],
        zone_state: 0,
    };
    let h = build(&c);
    let mut p = Plan::new(&zn(ZONE), Flavour::Joyent);
    p.steps.push(Step::Delete {
        net: None,
        name: ln("net0"),
        zone: None,
        temp: None,
        persistent: false,
    });
    assert!(check("t", &p, &h, true).unwrap_err().contains("operator"));
    let mut p = Plan::new(&zn(ZONE), Flavour::Gate);
    p.steps.push(Step::Delete {
        net: None,
        name: ln("net0"),
        zone: Some(zn(ZONE)),
        temp: None,
        persistent: false,
    });
    assert!(
        check("t", &p, &h, true).is_err(),
        "gate addresses the global zone's net0"
    );
    let mut p = Plan::new(&zn(ZONE), Flavour::Joyent);
    p.steps.push(Step::Return {
        zone: zn(ZONE),
        name: ln("net0"),
    });
    // Not held by the zone: nothing addressed.
    assert!(check("t", &p, &h, false).is_ok());
}
