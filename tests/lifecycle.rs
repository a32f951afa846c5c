//! The link lifecycle end to end on the simulated host: zones booted and halted through
//! `sim-zoneadm` (whose zoneadmd runs `netzone-statechange` from the brand's config.xml), and
//! `netzone plan|up|down` run directly.

mod common;

use common::{is_temp, NetSpec, Sim};

const FIXED_MAC: &str = "2:8:20:a:b:c";

fn three_nets() -> Vec<NetSpec> {
    let mut n0 = NetSpec::new("net0", "e1000g0");
    n0.vlan = Some(42);
    let mut n1 = NetSpec::new("net1", "e1000g0");
    n1.mac = Some(FIXED_MAC.into());
    let mut n2 = NetSpec::new("net2", "e1000g1");
    n2.allowed_address = Some("10.0.0.5/24".into());
    n2.mtu = Some(1400);
    vec![n0, n1, n2]
}

fn mac_in_xml(xml: &str, net: &str) -> Option<String> {
    let line = xml
        .lines()
        .find(|l| l.contains(&format!("physical=\"{net}\"")))?;
    let rest = line.split("mac-addr=\"").nth(1)?;
    Some(rest.split('"').next()?.to_string())
}

/// Asserts the zone holds exactly its three nets, as configured, and nothing temporary exists.
fn assert_three_nets_up(sim: &Sim, zone: &str) {
    let links = sim.vnics();
    assert!(
        !links.iter().any(|l| is_temp(&l.name)),
        "temporary link left: {links:?}"
    );
    let mut mine: Vec<_> = links.iter().filter(|l| l.zone == zone).collect();
    mine.sort_by(|a, b| a.name.cmp(&b.name));
    let names: Vec<&str> = mine.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["net0", "net1", "net2"], "{links:?}");
    assert_eq!(mine[0].over.as_deref(), Some("e1000g0"));
    assert_eq!(mine[0].vid, 42);
    assert_eq!(mine[1].over.as_deref(), Some("e1000g0"));
    assert_eq!(mine[1].vid, 0);
    assert_eq!(mine[1].mac.as_deref(), Some(FIXED_MAC));
    assert_eq!(mine[2].over.as_deref(), Some("e1000g1"));
    assert_eq!(mine[2].mtu, 1400, "net-attr mtu applied");
    assert_eq!(mine[0].mtu, 1500, "inherited from e1000g0");
    // joyent: netzone sets both spoofing protections; gate: zoneadmd sets ip-nospoof at ready.
    let prot = mine[2].prop("protection").unwrap_or_default();
    assert!(prot.contains("ip-nospoof"), "{:?}", mine[2]);
    assert_eq!(
        prot.contains("mac-nospoof"),
        sim.flavour == "joyent",
        "{:?}",
        mine[2]
    );
    assert_eq!(mine[2].prop("allowed-ips"), Some("10.0.0.5"));
    // The journal records exactly these three links, complete.
    let j = sim.journal(zone).expect("journal exists");
    let entries = j["links"].as_array().unwrap();
    assert_eq!(entries.len(), 3, "{j}");
    for e in entries {
        assert_eq!(e["state"], "active", "{j}");
        let l = mine.iter().find(|l| e["final"] == l.name.as_str()).unwrap();
        assert_eq!(e["mac"].as_str(), l.mac.as_deref(), "{j}");
    }
    // Assigned MACs were written back, the fixed one left alone.
    let xml = sim.zone_xml(zone);
    assert_eq!(mac_in_xml(&xml, "net0"), mine[0].mac.clone(), "{xml}");
    assert_eq!(mac_in_xml(&xml, "net1").as_deref(), Some(FIXED_MAC));
    assert_eq!(mac_in_xml(&xml, "net2"), mine[2].mac.clone(), "{xml}");
}

fn boot_and_halt(flavour: &str) {
    let sim = Sim::new(flavour, &["e1000g0", "e1000g1"]);
    sim.add_zone("web1", &three_nets());
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    assert_eq!(sim.zone_state("web1"), "running");
    assert_three_nets_up(&sim, "web1");

    // A second `up` finds everything in place and says so.
    let r = sim.netzone(&["up", "web1"]).ok();
    assert!(r.stdout().contains("nothing to do"), "{}", r.stdout());
    let r = sim.netzone(&["plan", "web1"]).ok();
    assert!(r.stdout().contains("nothing to do"), "{}", r.stdout());

    sim.zoneadm(&["-z", "web1", "halt"]).ok();
    assert_eq!(sim.zone_state("web1"), "installed");
    assert_eq!(sim.vnics(), vec![], "halt leaves no link");
    assert!(sim.journal("web1").is_none(), "journal removed");

    // Boot again: the written-back MACs are reused.
    let before = sim.zone_xml("web1");
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    assert_three_nets_up(&sim, "web1");
    assert_eq!(sim.zone_xml("web1"), before, "MACs kept across boots");
    sim.zoneadm(&["-z", "web1", "halt"]).ok();
    assert_eq!(sim.vnics(), vec![]);
}

#[test]
fn joyent_three_nets_boot_and_halt() {
    boot_and_halt("joyent");
}

#[test]
fn gate_three_nets_boot_and_halt() {
    boot_and_halt("gate");
}

#[test]
fn joyent_twenty_zones_boot_concurrently_with_the_same_link_name() {
    let sim = Sim::new("joyent", &["e1000g0"]);
    let zones: Vec<String> = (0..20).map(|i| format!("z{i}")).collect();
    for z in &zones {
        sim.add_zone(z, &[NetSpec::new("net0", "e1000g0")]);
    }
    std::thread::scope(|s| {
        let handles: Vec<_> = zones
            .iter()
            .map(|z| s.spawn(|| sim.zoneadm(&["-z", z, "boot"])))
            .collect();
        for h in handles {
            h.join().unwrap().ok();
        }
    });
    let links = sim.vnics();
    assert_eq!(links.len(), 20, "{links:?}");
    for z in &zones {
        let l: Vec<_> = links.iter().filter(|l| &l.zone == z).collect();
        assert_eq!(l.len(), 1, "{z}: {links:?}");
        assert_eq!(l[0].name, "net0");
        assert_eq!(l[0].over.as_deref(), Some("e1000g0"));
    }
    let mut macs: Vec<_> = links.iter().map(|l| l.mac.clone()).collect();
    macs.sort();
    macs.dedup();
    assert_eq!(macs.len(), 20, "distinct MACs");
}

#[test]
fn gate_second_zone_with_the_same_name_fails_naming_the_first() {
    let sim = Sim::new("gate", &["e1000g0"]);
    sim.add_zone("web1", &[NetSpec::new("net0", "e1000g0")]);
    sim.add_zone("web2", &[NetSpec::new("net0", "e1000g0")]);
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    let r = sim.zoneadm(&["-z", "web2", "boot"]).fails();
    let all = r.stdout() + &r.stderr();
    assert!(
        all.contains("zone 'web2': net 'net0': link name 'net0' is in use by zone 'web1'"),
        "{all}"
    );
    assert_eq!(sim.zone_state("web2"), "installed");
    let links = sim.vnics();
    assert_eq!(links.len(), 1, "{links:?}");
    assert_eq!(links[0].zone, "web1");
    assert!(sim.journal("web2").is_none());
}

#[test]
fn operator_links_are_never_touched() {
    for flavour in ["joyent", "gate"] {
        let sim = Sim::new(flavour, &["e1000g0"]);
        sim.dladm(&["create-vnic", "-t", "-l", "e1000g0", "oper0"])
            .ok();
        let oper = NetSpec::operator("oper0");
        sim.add_zone("web1", &[NetSpec::new("net0", "e1000g0"), oper]);
        sim.zoneadm(&["-z", "web1", "boot"]).ok();
        let l = sim.vnics();
        assert!(
            l.iter().any(|l| l.name == "oper0" && l.zone == "web1"),
            "{flavour}: {l:?}"
        );
        assert!(
            l.iter().any(|l| l.name == "net0" && l.zone == "web1"),
            "{flavour}: {l:?}"
        );
        let j = sim.journal("web1").unwrap();
        assert_eq!(j["links"].as_array().unwrap().len(), 1, "{j}");
        sim.zoneadm(&["-z", "web1", "halt"]).ok();
        let l = sim.vnics();
        assert_eq!(l.len(), 1, "{flavour}: {l:?}");
        assert_eq!(
            (l[0].name.as_str(), l[0].zone.as_str()),
            ("oper0", "global")
        );
    }
}

#[test]
fn cli_up_down_are_idempotent_and_plan_prints_argv() {
    let sim = Sim::new("gate", &["e1000g0", "e1000g1"]);
    sim.install_plain_brand("nzplain");
    sim.add_zone_with_brand("web1", "nzplain", &three_nets());
    let r = sim.netzone(&["plan", "web1"]).ok();
    // netzone draws the MACs of nets without mac-addr itself, in dladm's random format.
    let plan: Vec<String> = r
        .stdout()
        .lines()
        .map(|l| {
            let w: Vec<&str> = l.split(' ').collect();
            w.iter()
                .enumerate()
                .map(|(i, x)| {
                    let drawn = i > 0 && w[i - 1] == "-m" && *x != "2:8:20:a:b:c";
                    if drawn {
                        assert!(x.starts_with("2:8:20:"), "{l}");
                        "DRAWN".to_string()
                    } else if let Some(m) = x.strip_prefix("mac-addr=") {
                        assert!(m.starts_with("2:8:20:"), "{l}");
                        format!("mac-addr=DRAWN{}", if m.ends_with(';') { ";" } else { "" })
                    } else {
                        x.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    assert_eq!(
        plan,
        [
            "dladm create-vnic -t -l e1000g0 -m DRAWN -v 42 net0",
            "dladm create-vnic -t -l e1000g0 -m 2:8:20:a:b:c net1",
            "dladm create-vnic -t -l e1000g1 -m DRAWN -p mtu=1400 net2",
            "dladm set-linkprop -t -p mtu=1400 net2",
            "zonecfg -z web1 'select net physical=net0; set mac-addr=DRAWN; end; select net \
             physical=net2; set mac-addr=DRAWN; end; commit'",
        ]
    );
    // `up` acts only for a ready or running zone: an installed zone's links would be orphans.
    let r = sim.netzone(&["up", "web1"]).fails();
    assert_eq!(r.code(), Some(1));
    assert_eq!(
        r.stderr(),
        "netzone: zone 'web1': zone is installed, not ready or running: nothing was created \
         (its links would be orphans); boot the zone, and its brand's hooks create them\n"
    );
    assert_eq!(sim.vnics(), vec![]);
    assert!(sim.journal("web1").is_none());
    // The brand's pre-ready hook creates them; zoneadm readies the zone and lends them.
    sim.pre_ready("web1").ok();
    assert_eq!(sim.vnics().len(), 3);
    sim.zoneadm(&["-z", "web1", "ready"]).ok();
    let r = sim.netzone(&["up", "web1"]).ok();
    assert!(r.stdout().contains("nothing to do"), "{}", r.stdout());
    // A halt of the hook-less brand hands them back to the global zone; down removes them.
    sim.zoneadm(&["-z", "web1", "halt"]).ok();
    let r = sim.netzone(&["down", "web1"]).ok();
    assert!(r.stdout().contains("removed"), "{}", r.stdout());
    assert_eq!(sim.vnics(), vec![]);
    assert!(sim.journal("web1").is_none());
    let r = sim.netzone(&["down", "web1"]).ok();
    assert!(r.stdout().contains("nothing to do"), "{}", r.stdout());
}

#[test]
fn cli_errors_name_zone_and_net() {
    let sim = Sim::new("joyent", &["e1000g0"]);
    // A global NIC that does not exist: dladm's error, with zone and net.
    sim.add_ready_plain_zone("web1", &[NetSpec::new("net0", "nosuch0")]);
    let r = sim.netzone(&["up", "web1"]).fails();
    assert!(
        r.stderr()
            .starts_with("netzone: zone 'web1': net 'net0': dladm create-vnic: "),
        "{}",
        r.stderr()
    );
    assert!(
        sim.journal("web1").is_none(),
        "failed create leaves no record"
    );
    // An unknown zone, an invalid zone name, an unknown flavour.
    let r = sim.netzone(&["up", "nosuch"]).fails();
    assert!(r.stderr().contains("nosuch"), "{}", r.stderr());
    sim.netzone(&["up", "bad name"]).fails();
    let r = sim.netzone(&["--flavour", "bsd", "up", "web1"]).fails();
    assert!(
        r.stderr().contains("unknown dladm flavour 'bsd'"),
        "{}",
        r.stderr()
    );
}

#[test]
fn flavour_is_detected_once_per_boot() {
    for flavour in ["joyent", "gate"] {
        let sim = Sim::new(flavour, &["e1000g0"]);
        sim.add_zone("web1", &[NetSpec::new("net0", "e1000g0")]);
        sim.netzone(&["plan", "web1"]).ok();
        let cache = sim.root().join("etc/svc/volatile/netzone/flavour.cache");
        let text = std::fs::read_to_string(&cache).expect("flavour cached");
        assert!(text.contains(&format!("\"{flavour}\"")), "{text}");
        let n = sim.log().len();
        sim.netzone(&["plan", "web1"]).ok();
        // The second plan runs no probe: nothing at all on joyent (empty journal), the
        // show-linkprop walk of the host-wide name check on gate.
        let want = if flavour == "joyent" { 0 } else { 1 };
        assert_eq!(sim.log().len() - n, want, "{:?}", &sim.log()[n..]);
    }
}

#[test]
fn concurrent_runs_on_one_zone_are_serialised() {
    let sim = Sim::new("joyent", &["e1000g0", "e1000g1"]);
    sim.add_ready_plain_zone("web1", &three_nets());
    let outs: Vec<String> = std::thread::scope(|s| {
        let h: Vec<_> = (0..4)
            .map(|_| s.spawn(|| sim.netzone(&["up", "web1"]).ok().stdout()))
            .collect();
        h.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let created = outs.iter().filter(|o| o.contains("created")).count();
    let nothing = outs.iter().filter(|o| o.contains("nothing to do")).count();
    assert_eq!((created, nothing), (1, 3), "{outs:?}");
    assert_eq!(sim.vnics().len(), 3);
}

#[test]
fn dead_dlmgmtd_never_makes_netzone_forget_its_links() {
    let sim = Sim::new("gate", &["e1000g0"]);
    sim.add_zone("web1", &[NetSpec::new("net0", "e1000g0")]);
    // The pre-ready hook creates the links; the zone stays installed.
    sim.pre_ready("web1").ok();
    sim.illumos_sim(&["dlmgmtd", "stop"]).ok();
    // The walk prints nothing when dlmgmtd is down; netzone notices instead of reading "no links".
    let r = sim.netzone(&["down", "web1"]).fails();
    assert!(r.stderr().contains("operation failed"), "{}", r.stderr());
    assert!(sim.journal("web1").is_some(), "journal kept");
    sim.illumos_sim(&["dlmgmtd", "start"]).ok();
    sim.netzone(&["down", "web1"]).ok();
    assert_eq!(sim.vnics(), vec![]);
    assert!(sim.journal("web1").is_none());
}

/// A temporary VNIC of the zone left in the global zone with no journal entry (the journal was
/// lost, say removed by hand): `up` finds that its temporary name is taken, looks, removes its own
/// leftover (the name's pattern proves it netzone's for this zone) and finishes.
#[test]
fn up_recovers_a_leftover_temp_link_without_a_journal() {
    let sim = Sim::new("joyent", &["e1000g0"]);
    sim.install_plain_brand("plain");
    sim.add_zone_with_brand("web1", "plain", &[NetSpec::new("net0", "e1000g0")]);
    sim.zoneadm(&["-z", "web1", "ready"]).ok();
    let plan = sim.netzone(&["plan", "web1"]).ok().stdout();
    let tmp = plan
        .split_whitespace()
        .find(|w| is_temp(w))
        .unwrap_or_else(|| panic!("no temporary name in the plan: {plan}"))
        .to_string();
    sim.dladm(&["create-vnic", "-t", "-l", "e1000g0", &tmp])
        .ok();
    // An operator's VNIC beside it must survive.
    sim.dladm(&["create-vnic", "-t", "-l", "e1000g0", "data0"])
        .ok();
    assert!(sim.journal("web1").is_none());

    sim.netzone(&["up", "web1"]).ok();
    let links = sim.vnics();
    assert!(!links.iter().any(|l| l.name == tmp), "{links:?}");
    let net0: Vec<_> = links.iter().filter(|l| l.zone == "web1").collect();
    assert_eq!(net0.len(), 1, "{links:?}");
    assert_eq!(net0[0].name, "net0");
    assert!(links
        .iter()
        .any(|l| l.name == "data0" && l.zone == "global"));
    // A second run has nothing to do.
    let again = sim.netzone(&["up", "web1"]).ok().stdout();
    assert!(again.contains("nothing to do"), "{again}");
}

#[test]
fn down_of_a_running_zone_is_refused_before_any_step() {
    // A running zone holds the links it booted with (IP plumbed): moving one out fails "link
    // busy" (dls_link_setzid), while joyent's rename-link -z would still succeed, which used to
    // leave the running zone with a NIC under netzone's temporary name.
    for flavour in ["joyent", "gate"] {
        let sim = Sim::new(flavour, &["e1000g0"]);
        sim.add_zone("web1", &[NetSpec::new("net0", "e1000g0")]);
        sim.zoneadm(&["-z", "web1", "boot"]).ok();
        let before = sim.links();
        let n = sim.log().len();
        let r = sim.netzone(&["down", "web1"]).fails();
        assert_eq!(
            r.stderr(),
            "netzone: zone 'web1': the zone is running and its links are in use; netzone takes \
             links back only from a zone that is ready or halted: halt it (zoneadm -z web1 \
             halt), whose teardown removes them\n",
            "{flavour}"
        );
        assert_eq!(sim.links(), before, "{flavour}: nothing changed");
        assert!(
            !sim.log()[n..].iter().any(|c| c.contains("dladm")),
            "{flavour}: no dladm step ran: {:?}",
            &sim.log()[n..]
        );
        assert!(!sim.links().iter().any(|l| common::is_temp(&l.name)));
        // The way out works.
        sim.zoneadm(&["-z", "web1", "halt"]).ok();
        assert_eq!(sim.vnics(), vec![], "{flavour}");
        // joyent, at ready (nothing plumbed): down does its job. (On gate the global zone
        // cannot name a link on loan, so down of a ready zone leaves it to the halt.)
        if flavour == "joyent" {
            sim.zoneadm(&["-z", "web1", "ready"]).ok();
            sim.netzone(&["down", "web1"]).ok();
            assert_eq!(sim.vnics(), vec![], "{flavour}");
            sim.zoneadm(&["-z", "web1", "halt"]).ok();
        }
    }
}

#[test]
fn sigterm_during_down_lets_the_teardown_finish() {
    // Teardown is not cut short by SIGINT/SIGTERM (netavark issue 1223): with every dladm call
    // slowed down, a SIGTERM early in `netzone down` still leaves no link and no journal, and
    // netzone then exits 128 + 15 saying so.
    let sim = Sim::new("joyent", &["e1000g0", "e1000g1"]);
    sim.add_zone("web1", &three_nets());
    sim.zoneadm(&["-z", "web1", "ready"]).ok();
    assert_eq!(sim.vnics().len(), 3);
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_netzone"));
    cmd.args(["down", "web1"])
        .env("ILLUMOS_SIM_ROOT", sim.root())
        .env("NETZONE_ROOT", sim.root())
        .env("NETZONE_DLADM", sim.bin.join("sim-dladm"))
        .env("NETZONE_ZONEADM", sim.bin.join("sim-zoneadm"))
        .env("NETZONE_ZONECFG", sim.bin.join("sim-zonecfg"))
        .env("ILLUMOS_SIM_LATENCY_MS", "150")
        .env_remove("NETZONE_FLAVOUR")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    // Signalled once the teardown has started.
    let out = common::sigterm_once_started(&sim, &mut cmd);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(143), "{stderr}");
    assert!(
        stderr.ends_with("netzone: SIGTERM received: stopped after finishing the teardown\n"),
        "{stderr}"
    );
    assert_eq!(sim.vnics(), vec![], "{stderr}");
    assert!(sim.journal("web1").is_none());
}

#[test]
fn each_cause_is_said_once_in_one_wording_without_internal_names() {
    let sim = Sim::new("joyent", &["e1000g0"]);
    sim.add_zone("web1", &[NetSpec::new("net0", "e1000g0")]);
    // One wording for an invalid zone name, whichever command meets it.
    let want = "zone 'bad name': invalid zone name: zone name must start with a letter or digit \
                and contain only letters, digits, '-', '_' and '.'";
    for args in [
        &["up", "bad name"][..],
        &["down", "bad name"],
        &["plan", "bad name"],
    ] {
        let r = sim.netzone(args).fails();
        assert_eq!(r.stderr(), format!("netzone: {want}\n"), "{args:?}");
    }
    let r = sim
        .statechange(&["pre", "bad name", "/zones/x", "2", "0"])
        .fails();
    assert!(
        r.stderr()
            .starts_with(&format!("netzone-statechange: {want}\n")),
        "{}",
        r.stderr()
    );
    // A dladm that cannot be run: the cause once, not three times.
    let mut missing = Sim::new("joyent", &["e1000g0"]);
    missing.add_zone("web1", &[NetSpec::new("net0", "e1000g0")]);
    missing
        .env
        .push(("NETZONE_DLADM".into(), "/nonexistent/dladm".into()));
    let r = missing.netzone(&["show"]).fails();
    assert_eq!(
        r.stderr().matches("No such file or directory").count(),
        1,
        "{}",
        r.stderr()
    );
    assert_eq!(
        r.stderr().matches("/nonexistent/dladm").count(),
        1,
        "{}",
        r.stderr()
    );
    // A dlmgmtd that does not answer: no probe name in the diagnosis, and not more certainty
    // than "operation failed" gives.
    sim.illumos_sim(&["dlmgmtd", "stop"]).ok();
    let r = sim.netzone(&["show"]).fails();
    assert!(!r.stderr().contains("nzprobe"), "{}", r.stderr());
    assert_eq!(
        r.stderr().matches("operation failed").count(),
        1,
        "{}",
        r.stderr()
    );
    assert!(
        r.stderr()
            .contains("dlmgmtd may not be answering (check svcs svc:/network/datalink-management)"),
        "{}",
        r.stderr()
    );
}

#[test]
fn flavour_detection_survives_a_zone_field_in_gates_show_vnic() {
    // IPD 3 proposes a ZONE field for gate's show-vnic, without joyent's -z: a probe that
    // asked show-vnic for ZONE would call such a host joyent and rename-link -z would fail.
    let mut sim = Sim::new("gate", &["e1000g0"]);
    sim.env.push(("ILLUMOS_SIM_IPD3".into(), "1".into()));
    sim.dladm(&["show-vnic", "-p", "-o", "LINK,ZONE"]).ok();
    sim.add_zone("web1", &[NetSpec::new("net0", "e1000g0")]);
    sim.netzone(&["plan", "web1"]).ok();
    let cache = sim.root().join("etc/svc/volatile/netzone/flavour.cache");
    let text = std::fs::read_to_string(&cache).expect("flavour cached");
    assert!(text.contains("\"gate\""), "{text}");
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    sim.zoneadm(&["-z", "web1", "halt"]).ok();
    assert_eq!(sim.vnics(), vec![]);
}
