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
            sysinfo: sim.bin.join("sim-sysinfo"),
            flowadm: sim.bin.join("sim-flowadm"),
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

#[test]
fn a_clients_zone_is_owned_not_orphaned() {
    let sim = Sim::new("gate", &["e1000g0"]);
    let h = host(&sim);
    let f = Flavour::Gate;
    let zone = netzone::zonename::ZoneName::new("agent1").unwrap();
    // No mac-addr: netzone chooses one. No zonecfg zone: the MAC is returned, not written.
    let cfg = ZoneSpec::new("agent1")
        .net(NetSpec::new("agent1n0").over("e1000g0"))
        .build()
        .unwrap();
    let o = apply::up(&h, f, &cfg).unwrap();
    assert!(o.macs_written.is_empty());
    assert_eq!(o.macs.len(), 1);
    let link = sim
        .links()
        .into_iter()
        .find(|l| l.name == "agent1n0")
        .unwrap();
    assert_eq!(link.mac.as_deref(), Some(o.macs[0].1.to_string().as_str()));
    assert!(
        !sim.log().iter().any(|l| l.contains("zonecfg")),
        "{:?}",
        sim.log()
    );
    // Writing back to a zone zonecfg does not know fails, and what was created is undone.
    let cfg2 = ZoneSpec::new("agent9")
        .net(NetSpec::new("agent9n0").over("e1000g0"))
        .build()
        .unwrap();
    let opts = apply::UpOptions {
        macs: apply::MacPolicy::WriteBack,
    };
    let e = apply::up_with(&h, f, &cfg2, &opts).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::CommandFailed, "{e}");
    assert!(!sim.links().iter().any(|l| l.name == "agent9n0"));

    // Unmarked, the zone (unknown to zoneadm) looks like a crash's leftover.
    let rows = show::zone_rows(&h, f, &zone).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].state, show::RowState::Orphan);
    let dry = sim.netzone(&["gc", "--dry-run"]).ok().stdout();
    assert!(dry.contains("agent1n0"), "{dry}");

    // gc would remove it, but another run holds a zone's lock (and so the host-wide lock,
    // shared): a host with a lock deadline gives up with `locked`, having removed nothing.
    let held = h
        .lock_zone(&netzone::zonename::ZoneName::new("other").unwrap())
        .unwrap();
    let impatient = host(&sim).with_lock_timeout(Duration::from_millis(300));
    let e = netzone::gc::run(&impatient, f, false, &mut |_| {}).unwrap_err();
    assert!(
        matches!(e, netzone::recover::RecoverError::HostLock(_)),
        "{e}"
    );
    assert_eq!(e.kind(), ErrorKind::Locked, "{e}");
    assert!(sim.links().iter().any(|l| l.name == "agent1n0"));
    drop(held);

    // Marked: owned, ok, and gc leaves it.
    netzone::client::manage(&h, &zone, "test-agent").unwrap();
    let rows = show::zone_rows(&h, f, &zone).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].owner, show::Owner::Netzone);
    assert_eq!(rows[0].state, show::RowState::Ok);
    let out = sim.netzone(&["gc"]).ok().stdout();
    assert!(out.contains("no orphans"), "{out}");
    assert!(sim.links().iter().any(|l| l.name == "agent1n0"));
    let shown = sim
        .netzone(&["show", "agent1", "-p", "-o", "link,owner,state"])
        .ok()
        .stdout();
    assert_eq!(shown, "agent1n0:netzone:ok\n");
    sim.netzone(&["show", "--orphans"]).ok();

    // A record whose link is gone is missing (the client wants it), not an orphan to forget.
    sim.dladm(&["delete-vnic", "agent1n0"]).ok();
    let rows = show::zone_rows(&h, f, &zone).unwrap();
    assert_eq!(rows[0].state, show::RowState::Missing);
    let o = apply::up(&h, f, &cfg).unwrap();
    assert_eq!(o.created.len(), 1, "recreated");

    // Released and torn down: nothing left.
    apply::down(&h, f, &zone).unwrap();
    netzone::client::release(&h, &zone).unwrap();
    assert!(show::zone_rows(&h, f, &zone).unwrap().is_empty());
    assert!(!sim.links().iter().any(|l| l.name == "agent1n0"));
}

#[test]
fn a_clients_link_is_owned_by_identity_and_gc_reaps_the_rest() {
    let sim = Sim::new("gate", &["e1000g0"]);
    let h = host(&sim);
    let f = Flavour::Gate;
    let zone = netzone::zonename::ZoneName::new("agent1").unwrap();
    let n0 = netzone::linkname::LinkName::new("agent1n0").unwrap();
    // Two links for a zone zoneadm does not know, MACs chosen by netzone.
    let cfg = ZoneSpec::new("agent1")
        .net(NetSpec::new("agent1n0").over("e1000g0"))
        .net(NetSpec::new("agent1n1").over("e1000g0"))
        .build()
        .unwrap();
    assert_eq!(apply::up(&h, f, &cfg).unwrap().created.len(), 2);
    // The client marks one of them, by the identity netzone recorded (not by its name).
    let m = netzone::client::manage_link(&h, &zone, &n0, "test-agent").unwrap();
    let on_host = sim
        .links()
        .into_iter()
        .find(|l| l.name == "agent1n0")
        .unwrap();
    assert_eq!(on_host.mac.as_deref(), Some(m.mac.to_string().as_str()));
    let state = |rows: &[show::Row], link: &str| {
        rows.iter()
            .find(|r| r.link.as_str() == link)
            .map(|r| (r.owner, r.state))
    };
    let rows = show::zone_rows(&h, f, &zone).unwrap();
    assert_eq!(
        state(&rows, "agent1n0"),
        Some((show::Owner::Netzone, show::RowState::Ok))
    );
    assert_eq!(
        state(&rows, "agent1n1"),
        Some((show::Owner::Netzone, show::RowState::Orphan))
    );
    // The operator's gc reaps the unmarked orphan and leaves the marked link alone.
    let out = sim.netzone(&["gc"]).ok().stdout();
    assert!(out.contains("agent1n1"), "{out}");
    assert!(!out.contains("agent1n0"), "{out}");
    let names: Vec<String> = sim.links().into_iter().map(|l| l.name).collect();
    assert!(names.iter().any(|n| n == "agent1n0"), "{names:?}");
    assert!(!names.iter().any(|n| n == "agent1n1"), "{names:?}");
    let shown = sim
        .netzone(&["show", "agent1", "-p", "-o", "link,owner,state"])
        .ok()
        .stdout();
    assert_eq!(shown, "agent1n0:netzone:ok\n");

    // Torn down and made again, the link has the same name but another MAC: another link,
    // which the old mark does not cover.
    apply::down(&h, f, &zone).unwrap();
    let one = ZoneSpec::new("agent1")
        .net(NetSpec::new("agent1n0").over("e1000g0"))
        .build()
        .unwrap();
    let o = apply::up(&h, f, &one).unwrap();
    assert_ne!(o.macs[0].1, m.mac);
    let rows = show::zone_rows(&h, f, &zone).unwrap();
    assert_eq!(
        state(&rows, "agent1n0"),
        Some((show::Owner::Netzone, show::RowState::Orphan))
    );
    // Marked again, it is owned; released, it is an orphan again and gc reaps it.
    netzone::client::manage_link(&h, &zone, &n0, "test-agent").unwrap();
    let rows = show::zone_rows(&h, f, &zone).unwrap();
    assert_eq!(state(&rows, "agent1n0").unwrap().1, show::RowState::Ok);
    netzone::client::release_link(&h, &zone, &n0).unwrap();
    let out = sim.netzone(&["gc"]).ok().stdout();
    assert!(out.contains("agent1n0"), "{out}");
    assert!(!sim.links().iter().any(|l| l.name.starts_with("agent1")));
}

/// A client's marks outlive a host reboot exactly as what they cover does: a mark on a
/// persistent link, and a zone mark, are kept beside the persistent records, so `gc` (run at
/// boot, before the zones autoboot) leaves the persistent links dlmgmtd brought back until the
/// client releases them; a mark on a temporary link goes with the link.
#[test]
fn a_clients_marks_on_persistent_links_survive_a_reboot() {
    use netzone::client;
    use netzone::journal::Journal;
    use netzone::linkname::LinkName;
    use netzone::zonename::ZoneName;
    let sim = Sim::new("gate", &["e1000g0"]);
    let h = host(&sim);
    let f = Flavour::Gate;
    let persistent = |n: &str| NetSpec::new(n).over("e1000g0").attr("persistent", "true");
    let (z1, z2) = (
        ZoneName::new("agent1").unwrap(),
        ZoneName::new("agent2").unwrap(),
    );
    let (n0, t0) = (
        LinkName::new("agent1n0").unwrap(),
        LinkName::new("agent1t0").unwrap(),
    );
    // agent1: a persistent and a temporary link, each marked by the client; agent2: a
    // persistent link, the zone marked. zoneadm knows neither zone.
    let one = ZoneSpec::new("agent1")
        .net(persistent("agent1n0"))
        .net(NetSpec::new("agent1t0").over("e1000g0"))
        .build()
        .unwrap();
    let two = ZoneSpec::new("agent2")
        .net(persistent("agent2p0"))
        .build()
        .unwrap();
    apply::up(&h, f, &one).unwrap();
    apply::up(&h, f, &two).unwrap();
    let m0 = client::manage_link(&h, &z1, &n0, "test-agent").unwrap();
    client::manage_link(&h, &z1, &t0, "test-agent").unwrap();
    client::manage(&h, &z2, "test-agent").unwrap();
    // The persistent link's mark and the zone mark are beside the persistent records.
    let etc = sim.root().join("etc/netzone/clients");
    assert!(etc.join("links/agent1.json").is_file());
    assert!(etc.join("agent2.json").is_file());

    sim.reboot();
    let names = || -> Vec<String> {
        let mut v: Vec<String> = sim.links().into_iter().map(|l| l.name).collect();
        v.sort();
        v
    };
    assert_eq!(names(), ["agent1n0", "agent2p0", "e1000g0"], "after boot");
    // The temporary link's mark went with it; the others are still there.
    assert_eq!(client::link_marks(&h, &z1).unwrap(), vec![m0]);
    assert!(client::record(&h, &z2).unwrap().is_some());
    // gc at boot leaves both persistent links and their records; show lists them as netzone's.
    let out = sim.netzone(&["gc"]).ok().stdout();
    assert!(
        !out.contains("agent1n0") && !out.contains("agent2p0"),
        "{out}"
    );
    assert_eq!(names(), ["agent1n0", "agent2p0", "e1000g0"], "after gc");
    for z in [&z1, &z2] {
        let j = Journal::load(&h.state_dir(), z).unwrap();
        assert!(j.links.iter().all(|e| e.persistent), "{j:?}");
        assert_eq!(j.links.len(), 1, "{j:?}");
    }
    let shown = |z: &str| {
        sim.netzone(&["show", z, "-p", "-o", "link,owner,state"])
            .ok()
            .stdout()
    };
    assert_eq!(shown("agent1"), "agent1n0:netzone:ok\n");
    assert_eq!(shown("agent2"), "agent2p0:netzone:ok\n");
    let orphans = sim.netzone(&["show", "--orphans"]);
    assert_eq!(orphans.code(), Some(0), "{}", orphans.stdout());
    // Released, they are orphans again and gc reaps them, records and all.
    client::release_link(&h, &z1, &n0).unwrap();
    client::release(&h, &z2).unwrap();
    assert!(client::link_marks(&h, &z1).unwrap().is_empty());
    assert_eq!(client::record(&h, &z2).unwrap(), None);
    let out = sim.netzone(&["gc"]).ok().stdout();
    assert!(
        out.contains("agent1n0") && out.contains("agent2p0"),
        "{out}"
    );
    assert_eq!(names(), ["e1000g0"]);
    for z in [&z1, &z2] {
        assert!(Journal::load(&h.state_dir(), z).unwrap().links.is_empty());
    }
    assert!(!etc.join("links/agent1.json").exists());
    assert!(!etc.join("agent2.json").exists());
}
