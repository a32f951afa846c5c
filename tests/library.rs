//! The library as a program uses it, on the simulated host, without zonecfg and without the CLI:
//! a network spec built in code, `up`/`down`/`plan`/`show` called directly, and every failure
//! told apart by its [`ErrorKind`], the same from every call.

mod common;

use std::time::Duration;

use common::Sim;
use netzone::apply;
use netzone::error::ErrorKind;
use netzone::flavour::Flavour;
use netzone::host::{Host, Tools};
use netzone::mac::Mac;
use netzone::show;
use netzone::spec::{NetSpec, ZoneSpec};
use netzone::zonecfg::ZoneConfig;

/// A library host on the sim: the sim's tools, its root, and `ILLUMOS_SIM_ROOT` given to every
/// child through the host's own environment (nothing set in this process).
fn host(sim: &Sim) -> Host {
    Host::new(
        Tools {
            dladm: sim.bin.join("sim-dladm"),
            zoneadm: sim.bin.join("sim-zoneadm"),
            zonecfg: sim.bin.join("sim-zonecfg"),
            route: sim.bin.join("sim-route"),
        },
        sim.root(),
    )
    .with_env("ILLUMOS_SIM_ROOT", sim.root())
    .with_timeout(Duration::from_secs(20))
}

fn mac(s: &str) -> Mac {
    s.parse().unwrap()
}

fn spec(zone: &str, physical: &str, over: &str, m: &str) -> ZoneConfig {
    ZoneSpec::new(zone)
        .net(NetSpec::new(physical).over(over).mac(mac(m)).vlan(7))
        .build()
        .unwrap()
}

#[test]
fn one_kind_per_cause_from_every_call() {
    let sim = Sim::new("gate", &["e1000g0", "e1000g1"]);
    let h = host(&sim);
    let f = Flavour::Gate;
    let a1 = spec("agent1", "agent1n0", "e1000g0", "2:8:20:aa:0:1");
    let o = apply::up(&h, f, &a1).unwrap();
    assert_eq!(o.created.len(), 1);
    assert!(o.macs_written.is_empty());
    let link = sim
        .links()
        .into_iter()
        .find(|l| l.name == "agent1n0")
        .expect("created");
    assert_eq!(link.over.as_deref(), Some("e1000g0"));

    // The outcome serialises with each step's action, typed fields and exact argv.
    let j = serde_json::to_value(&o).unwrap();
    assert_eq!(j["zone"], "agent1");
    assert_eq!(j["flavour"], "gate");
    assert_eq!(j["changed"], true);
    assert_eq!(j["created"][0], "agent1n0");
    let step = &j["steps"][0];
    assert_eq!(step["action"], "create");
    assert_eq!(step["net"], "agent1n0");
    assert_eq!(step["spec"]["over"], "e1000g0");
    assert_eq!(step["spec"]["vid"], 7);
    assert_eq!(step["argv"][0], "dladm");
    assert_eq!(step["argv"][1], "create-vnic");

    // The same name for another zone: name taken (gate names are host-wide).
    let a2 = spec("agent2", "agent1n0", "e1000g1", "2:8:20:aa:0:2");
    let e = apply::up(&h, f, &a2).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NameTaken, "{e}");
    assert_eq!(
        apply::plan(&h, f, &a2).unwrap_err().kind(),
        ErrorKind::NameTaken
    );
    // The same MAC over the same lower link: in use.
    let a2 = spec("agent2", "agent2n0", "e1000g0", "2:8:20:aa:0:1");
    let e = apply::up(&h, f, &a2).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MacInUse, "{e}");
    // A lower link that does not exist: not the same kind as a missing VNIC.
    let a3 = spec("agent3", "agent3n0", "nosuch0", "2:8:20:aa:0:3");
    let e = apply::up(&h, f, &a3).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LowerLinkMissing, "{e}");
    assert!(e.to_string().contains("nosuch0"), "{e}");
    // Nothing of the failed runs is left behind.
    let names: Vec<String> = sim.links().into_iter().map(|l| l.name).collect();
    assert!(
        !names.iter().any(|n| n == "agent2n0" || n == "agent3n0"),
        "{names:?}"
    );

    // Another run holds the zone's lock: a host with a lock deadline gives up with `locked`.
    let held = h.lock_zone(a1.name()).unwrap();
    let impatient = host(&sim).with_lock_timeout(Duration::from_millis(300));
    let t = std::time::Instant::now();
    let e = apply::plan(&impatient, f, &a1).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Locked, "{e}");
    assert!(t.elapsed() < Duration::from_secs(5));
    assert_eq!(
        apply::down(&impatient, f, a1.name()).unwrap_err().kind(),
        ErrorKind::Locked
    );
    drop(held);

    // Rows are typed and serialise: the lower link and MAC as values, not strings to parse.
    let inv = show::gather(&h, f).unwrap();
    let rows = show::classify(&inv);
    let row = rows
        .iter()
        .find(|r| r.link.as_str() == "agent1n0")
        .expect("row");
    assert_eq!(row.mac, Some(mac("2:8:20:aa:0:1")));
    let rj = serde_json::to_value(row).unwrap();
    assert_eq!(rj["over"], "e1000g0");
    assert_eq!(rj["mac"], "2:8:20:aa:0:1");
    assert_eq!(rj["vid"], 7);

    // dlmgmtd stops: up, down, plan and show all say so with one kind.
    sim.illumos_sim(&["dlmgmtd", "stop"]).ok();
    let up = apply::up(&h, f, &a1).unwrap_err();
    let down = apply::down(&h, f, a1.name()).unwrap_err();
    let plan = apply::plan(&h, f, &a1).unwrap_err();
    let shown = show::gather(&h, f).unwrap_err();
    for (what, k) in [
        ("up", up.kind()),
        ("down", down.kind()),
        ("plan", plan.kind()),
        ("show", shown.kind()),
    ] {
        assert_eq!(k, ErrorKind::DlmgmtdDown, "{what}");
    }
    sim.illumos_sim(&["dlmgmtd", "start"]).ok();
    let o = apply::down(&h, f, a1.name()).unwrap();
    assert_eq!(o.removed.len(), 1);
    assert!(!sim.links().iter().any(|l| l.name == "agent1n0"));
}
