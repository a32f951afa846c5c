//! Ownership by identity (issue 9): each scenario in which a name used to be taken as proof
//! that a link was netzone's, as a regression test on the simulated host, in both dladm
//! flavours where the scenario exists. A link netzone did not create must come out of every
//! scenario exactly as the operator left it: same datalink id, name, zone, lower link, MAC, VID.

mod common;

use common::{NetSpec, Sim, SimLink};

const FLAVOURS: [&str; 2] = ["joyent", "gate"];

/// The link with datalink id `id`, if it still exists.
fn by_id(sim: &Sim, id: u64) -> Option<SimLink> {
    sim.links().into_iter().find(|l| l.id == id)
}

/// Creates an operator VNIC in the global zone and returns it as created.
fn operator_vnic(sim: &Sim, name: &str, over: &str) -> SimLink {
    sim.dladm(&["create-vnic", "-t", "-l", over, name]).ok();
    sim.links()
        .into_iter()
        .find(|l| l.name == name && l.zone == "global")
        .unwrap_or_else(|| panic!("{name} not created"))
}

fn assert_untouched(sim: &Sim, was: &SimLink, what: &str) {
    assert_eq!(
        by_id(sim, was.id).as_ref(),
        Some(was),
        "{what}: {was:?} was touched"
    );
}

/// joyent: an operator makes a global-zone VNIC named like a running zone's net. The zone's
/// halt, `netzone show` and `netzone gc` all leave it alone; `show` lists it as the operator's.
/// gate: the same name in the global zone while the zone holds its net0 is illumos bug 10001,
/// covered by [`gate_10001_halt_never_deletes_the_operators_link`].
#[test]
fn operator_gz_link_named_like_a_running_zones_net_is_left_alone() {
    let sim = Sim::new("joyent", &["e1000g0"]);
    sim.add_zone("web1", &[NetSpec::new("net0", "e1000g0")]);
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    let op = operator_vnic(&sim, "net0", "e1000g0");
    let show = sim
        .netzone(&["show", "-p", "-o", "link,zone,owner"])
        .ok()
        .stdout();
    assert!(show.contains("net0::operator\n"), "{show}");
    assert!(show.contains("net0:web1:netzone\n"), "{show}");
    sim.netzone(&["gc"]).ok();
    assert_untouched(&sim, &op, "gc while running");
    sim.zoneadm(&["-z", "web1", "halt"]).ok();
    assert_untouched(&sim, &op, "halt");
    sim.netzone(&["gc"]).ok();
    assert_untouched(&sim, &op, "gc after halt");
    assert!(sim.journal("web1").is_none());
}

/// A halt hook killed after the links went leaves records behind. An operator link created
/// later under a recorded name is never deleted: not by `gc`, not by the zone's next boot (on
/// joyent after zoneadmd lent it to the zone, because its name is the zone's `physical`).
#[test]
fn stale_records_of_a_killed_halt_never_claim_a_later_operator_link() {
    for flavour in FLAVOURS {
        let sim = Sim::new(flavour, &["e1000g0"]);
        sim.add_zone("web1", &[NetSpec::new("net0", "e1000g0")]);
        sim.zoneadm(&["-z", "web1", "boot"]).ok();
        // gate's post-halt deletes net0 and then is killed before it can forget the record.
        let (cmd, when) = match flavour {
            "joyent" => ("show-vnic", "before"),
            _ => ("delete-vnic", "after"),
        };
        sim.fault(cmd, when, "crash", Some(1));
        sim.zoneadm(&["-z", "web1", "halt"]);
        assert_eq!(sim.zone_state("web1"), "installed", "{flavour}");
        assert!(
            sim.journal("web1").is_some(),
            "{flavour}: the record is left"
        );
        assert!(sim.vnics().is_empty(), "{flavour}: {:?}", sim.vnics());
        let op = operator_vnic(&sim, "net0", "e1000g0");
        let show = sim
            .netzone(&["show", "-p", "-o", "link,zone,owner,state"])
            .ok()
            .stdout();
        assert!(show.contains("net0::operator:ok\n"), "{flavour}: {show}");
        assert!(
            show.contains("net0:web1:netzone:orphan\n"),
            "{flavour}: {show}"
        );
        let r = sim.zoneadm(&["-z", "web1", "boot"]);
        assert!(
            !r.out.status.success(),
            "{flavour}: booted over the operator's net0"
        );
        assert!(
            r.stderr().contains("not created by netzone"),
            "{flavour}: {}",
            r.stderr()
        );
        assert_untouched(&sim, &op, flavour);
        sim.netzone(&["gc"]).ok();
        assert_untouched(&sim, &op, flavour);
        assert!(
            sim.journal("web1").is_none(),
            "{flavour}: gc drops the stale record"
        );
    }
}

/// gate, illumos bug 10001: the operator makes a global-zone `net0` while the zone holds
/// netzone's `net0`; zoneadmd cannot hand the zone's back and the halt leaves the zone `down`.
/// The reclaim must not delete the operator's `net0` (`delete-vnic net0` from the global zone
/// would address it) and must keep the record of netzone's own, so that once the operator moves
/// theirs away, a halt finishes and the zone boots again.
#[test]
fn gate_10001_halt_never_deletes_the_operators_link() {
    let sim = Sim::new("gate", &["e1000g0"]);
    sim.add_zone("web1", &[NetSpec::new("net0", "e1000g0")]);
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    let op = operator_vnic(&sim, "net0", "e1000g0");
    sim.zoneadm(&["-z", "web1", "halt"]);
    assert_eq!(sim.zone_state("web1"), "down");
    assert_untouched(&sim, &op, "halt");
    let r = sim.netzone(&["recover", "web1"]);
    assert!(!r.out.status.success(), "{}", r.stdout());
    assert!(r.stderr().contains("10001"), "{}", r.stderr());
    assert_untouched(&sim, &op, "recover");
    sim.zoneadm(&["-z", "web1", "halt"]);
    assert_untouched(&sim, &op, "second halt");
    assert!(
        sim.journal("web1").is_some(),
        "netzone's net0 is still recorded"
    );
    // The operator renames theirs; the next halt completes and removes netzone's net0.
    sim.dladm(&["rename-link", "net0", "opnet9"]).ok();
    sim.zoneadm(&["-z", "web1", "halt"]).ok();
    assert_eq!(sim.zone_state("web1"), "installed");
    assert!(sim.journal("web1").is_none());
    let names: Vec<String> = sim.vnics().into_iter().map(|l| l.name).collect();
    assert_eq!(names, ["opnet9"]);
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    sim.zoneadm(&["-z", "web1", "halt"]).ok();
}

/// joyent: the same sequence cannot wedge the zone (its links are transient and die with it),
/// and the operator's link survives the halt.
#[test]
fn joyent_gz_link_made_while_running_survives_the_halt() {
    let sim = Sim::new("joyent", &["e1000g0"]);
    sim.add_zone("web1", &[NetSpec::new("net0", "e1000g0")]);
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    let op = operator_vnic(&sim, "net0", "e1000g0");
    sim.zoneadm(&["-z", "web1", "halt"]).ok();
    assert_eq!(sim.zone_state("web1"), "installed");
    assert_untouched(&sim, &op, "halt");
}

/// A delegated zone administrator renames the zone's `net0` to the name of a global-zone link.
/// The next `netzone up` and the halt leave the global-zone link alone.
#[test]
fn delegated_rename_of_a_physical_never_touches_the_global_zone_link() {
    for flavour in FLAVOURS {
        let sim = Sim::new(flavour, &["e1000g0"]);
        let op = operator_vnic(&sim, "vnic7", "e1000g0");
        sim.add_zone("web1", &[NetSpec::new("net0", "e1000g0")]);
        sim.zoneadm(&["-z", "web1", "boot"]).ok();
        let renamed = sim
            .command(
                &sim.bin.join("sim-dladm"),
                &["rename-link", "net0", "vnic7"],
            )
            .env("ILLUMOS_SIM_ZONE", "web1")
            .output()
            .unwrap();
        let inside = sim
            .links()
            .into_iter()
            .any(|l| l.name == "vnic7" && l.zone == "web1");
        assert_eq!(renamed.status.success(), inside, "{flavour}");
        sim.netzone(&["up", "web1"]);
        assert_untouched(&sim, &op, flavour);
        sim.zoneadm(&["-z", "web1", "halt"]);
        assert_untouched(&sim, &op, flavour);
        sim.netzone(&["gc"]);
        assert_untouched(&sim, &op, flavour);
    }
}

/// gate: two zones configured with the same `physical`, booted together: exactly one boots,
/// the other fails naming the zone that holds the name, and the winner's link is untouched.
/// joyent: names are per zone, both boot.
#[test]
fn two_zones_with_the_same_physical_booted_together() {
    for flavour in FLAVOURS {
        for round in 0..3 {
            let mut sim = Sim::new(flavour, &["e1000g0"]);
            sim.env.push(("ILLUMOS_SIM_LATENCY_MS".into(), "20".into()));
            sim.add_zone("web1", &[NetSpec::new("net0", "e1000g0")]);
            sim.add_zone("web2", &[NetSpec::new("net0", "e1000g0")]);
            let runs: Vec<common::Run> = std::thread::scope(|s| {
                let h: Vec<_> = ["web1", "web2"]
                    .map(|z| {
                        let sim = &sim;
                        s.spawn(move || sim.zoneadm(&["-z", z, "boot"]))
                    })
                    .into_iter()
                    .collect();
                h.into_iter().map(|h| h.join().unwrap()).collect()
            });
            let ok: Vec<bool> = runs.iter().map(|r| r.out.status.success()).collect();
            let what = format!("{flavour} round {round}");
            if flavour == "joyent" {
                assert_eq!(ok, [true, true], "{what}: {runs:?}");
                continue;
            }
            assert_eq!(ok.iter().filter(|b| **b).count(), 1, "{what}: {runs:?}");
            let (winner, loser) = if ok[0] { ("web1", 1) } else { ("web2", 0) };
            let err = runs[loser].stderr();
            assert!(
                err.contains(&format!("link name 'net0' is in use by zone '{winner}'")),
                "{what}: {err}"
            );
            assert_eq!(sim.zone_state(winner), "running", "{what}");
            let l: Vec<(String, String)> =
                sim.vnics().into_iter().map(|l| (l.name, l.zone)).collect();
            assert_eq!(l, [("net0".to_string(), winner.to_string())], "{what}");
            sim.zoneadm(&["-z", winner, "halt"]).ok();
            assert!(sim.vnics().is_empty(), "{what}");
        }
    }
}

/// A `mac-addr` equal to a NIC's MAC, to an operator VNIC's, or to another zone's configured
/// MAC is refused before anything is created, naming the holder.
#[test]
fn a_mac_addr_in_use_elsewhere_is_refused_before_anything_is_created() {
    for flavour in FLAVOURS {
        let sim = Sim::new(flavour, &["e1000g0", "e1000g1"]);
        let op = operator_vnic(&sim, "opvnic0", "e1000g1");
        let nic = sim
            .links()
            .into_iter()
            .find(|l| l.name == "e1000g0")
            .unwrap();
        let mut other = NetSpec::new("net0", "e1000g1");
        other.mac = Some("2:8:20:77:77:77".into());
        sim.add_zone("web2", &[other]);
        for (mac, holder) in [
            (
                nic.mac.clone().unwrap(),
                "link 'e1000g0' in the global zone".to_string(),
            ),
            (
                op.mac.clone().unwrap(),
                "link 'opvnic0' in the global zone".to_string(),
            ),
            (
                "2:8:20:77:77:77".to_string(),
                "zone 'web2' net 'net0'".to_string(),
            ),
        ] {
            let mut n = NetSpec::new("net0", "e1000g0");
            n.mac = Some(mac.clone());
            sim.add_zone("web1", &[n]);
            let before = sim.links();
            let r = sim.zoneadm(&["-z", "web1", "boot"]);
            assert!(!r.out.status.success(), "{flavour} {mac}");
            assert!(
                r.stderr()
                    .contains(&format!("mac-addr {mac} is already used by {holder}")),
                "{flavour} {mac}: {}",
                r.stderr()
            );
            assert_eq!(
                sim.links(),
                before,
                "{flavour} {mac}: something was created"
            );
            assert!(sim.journal("web1").is_none());
            // `netzone check` (and so verify_cfg at commit) refuses it too, naming the holder;
            // `up` refuses the installed zone before it gets that far.
            let r = sim.netzone(&["check", "web1"]).fails();
            let name = holder.split('\'').nth(1).unwrap();
            assert!(
                r.stderr().contains("mac-addr") && r.stderr().contains(&format!("'{name}'")),
                "{}",
                r.stderr()
            );
        }
    }
}

/// The MACs netzone chooses are recorded before the link exists and written back without a
/// `show-vnic`: a boot of N nets without mac-addr runs 2N dladm (joyent) or N + 1 (gate) and
/// one zonecfg, and the saved MACs are the links'.
#[test]
fn chosen_macs_are_recorded_and_saved_without_a_read_back() {
    for flavour in FLAVOURS {
        let sim = Sim::told(flavour, &["e1000g0"]);
        sim.add_zone(
            "web1",
            &[
                NetSpec::new("net0", "e1000g0"),
                NetSpec::new("net1", "e1000g0"),
            ],
        );
        let mark = sim.log().len();
        sim.zoneadm(&["-z", "web1", "boot"]).ok();
        let log = sim.log()[mark..].to_vec();
        let dladm: Vec<&String> = log.iter().filter(|l| l.contains(" sim-dladm ")).collect();
        let zonecfg = log.iter().filter(|l| l.contains(" sim-zonecfg ")).count();
        assert!(
            !dladm.iter().any(|l| l.contains("show-vnic")),
            "{flavour}: {dladm:?}"
        );
        let want = if flavour == "joyent" { 4 } else { 3 };
        assert_eq!(dladm.len(), want, "{flavour}: {dladm:?}");
        assert_eq!(zonecfg, 1, "{flavour}");
        let xml = sim.zone_xml("web1");
        for l in sim.vnics() {
            let mac = l.mac.unwrap();
            assert!(mac.starts_with("2:8:20:"), "{mac}");
            assert!(
                xml.contains(&format!("mac-addr=\"{mac}\"")),
                "{flavour}: {xml}"
            );
            assert!(
                log.iter().any(|c| c.contains(&format!("-m {mac}"))),
                "{log:?}"
            );
        }
        let mark = sim.log().len();
        sim.zoneadm(&["-z", "web1", "halt"]).ok();
        let n = sim.log()[mark..]
            .iter()
            .filter(|l| l.contains(" sim-dladm "))
            .count();
        let want = if flavour == "joyent" { 1 } else { 3 };
        assert_eq!(
            n,
            want,
            "{flavour}: halt ran {n} dladm: {:?}",
            &sim.log()[mark..]
        );
    }
}

/// gate: between pre-ready and ready a zone's links wait in the global zone while the zone
/// still reads `installed`. The pre-ready hook marks them pending: `show` does not call them
/// orphans and `gc` leaves them (a gc loop used to fail boots by deleting them); post-ready
/// (or any removal) clears the mark, after which a leftover is an orphan again.
#[test]
fn gc_never_takes_a_gate_boots_pending_links() {
    let sim = Sim::new("gate", &["e1000g0"]);
    sim.add_zone("web1", &[NetSpec::new("net0", "e1000g0")]);
    // zoneadmd's pre-ready call, as during `zoneadm boot`, before the zone exists in the kernel.
    sim.statechange(&["pre", "web1", "/zones/web1", "2", "0"])
        .ok();
    assert!(sim.journal("web1").unwrap()["pending"].is_u64());
    let before = sim.vnics();
    assert_eq!(before.len(), 1);
    let show = sim
        .netzone(&["show", "-p", "-o", "link,state"])
        .ok()
        .stdout();
    assert_eq!(show, "net0:ok\n");
    sim.netzone(&["gc"]).ok();
    assert_eq!(sim.vnics(), before, "gc took a pending link");
    // post-ready clears the mark (here without a ready: the link is then a leftover).
    sim.statechange(&["post", "web1", "/zones/web1", "2", "0"])
        .ok();
    assert!(sim.journal("web1").unwrap().get("pending").is_none());
    let show = sim
        .netzone(&["show", "-p", "-o", "link,state"])
        .ok()
        .stdout();
    assert_eq!(show, "net0:orphan\n");
    sim.netzone(&["gc"]).ok();
    assert!(sim.vnics().is_empty());
    // A real boot: marked at pre-ready, unmarked at post-ready.
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    let j = sim.journal("web1").unwrap();
    assert!(j.get("pending").is_none(), "{j}");
    sim.zoneadm(&["-z", "web1", "halt"]).ok();
}

/// issue 12 item 8: a configured operator link the global zone holds open (a DLPI stream, as
/// `snoop -d` has) cannot be lent at ready ("link busy", dls_link.c `dls_link_setzid`). joyent's
/// zoneadmd warns and readies the zone without it (vplat.c `configure_exclusive_network_interfaces`
/// and `add_datalink`); netzone's post-ready still makes the zone's own nets and the boot goes
/// on. gate's zoneadmd fails the ready; the cleanup hook removes what netzone's pre-ready made.
/// Either way the operator's link is left exactly as it was.
#[test]
fn an_operator_link_zoneadmd_cannot_lend_at_ready() {
    for flavour in FLAVOURS {
        let sim = Sim::new(flavour, &["e1000g0"]);
        let op = operator_vnic(&sim, "data0", "e1000g0");
        sim.add_zone(
            "web1",
            &[NetSpec::new("net0", "e1000g0"), NetSpec::operator("data0")],
        );
        sim.illumos_sim(&["hold", "data0", "on"]).ok();
        let r = sim.zoneadm(&["-z", "web1", "boot"]);
        assert!(
            r.stderr()
                .contains("WARNING: unable to add network interface 'data0': link busy"),
            "{flavour}: {}",
            r.stderr()
        );
        assert_untouched(&sim, &op, flavour);
        if flavour == "joyent" {
            assert!(r.out.status.success(), "{}", r.stderr());
            assert_eq!(sim.zone_state("web1"), "running");
            let net0: Vec<SimLink> = sim
                .links()
                .into_iter()
                .filter(|l| l.name == "net0")
                .collect();
            assert_eq!(net0.len(), 1, "{net0:?}");
            assert_eq!(net0[0].zone, "web1");
            sim.zoneadm(&["-z", "web1", "halt"]).ok();
        } else {
            assert!(!r.out.status.success());
            assert!(
                r.stderr().contains("failed to add network device"),
                "{}",
                r.stderr()
            );
        }
        assert_eq!(sim.zone_state("web1"), "installed", "{flavour}");
        assert!(sim.journal("web1").is_none(), "{flavour}: journal left");
        let names: Vec<String> = sim.vnics().into_iter().map(|l| l.name).collect();
        assert_eq!(
            names,
            ["data0"],
            "{flavour}: only the operator's link is left"
        );
        assert_untouched(&sim, &op, flavour);
        // Let go, the zone boots with its operator link.
        sim.illumos_sim(&["hold", "data0", "off"]).ok();
        sim.zoneadm(&["-z", "web1", "boot"]).ok();
        assert!(sim
            .links()
            .iter()
            .any(|l| l.id == op.id && l.zone == "web1"));
        sim.zoneadm(&["-z", "web1", "halt"]).ok();
        assert_untouched(&sim, &op, flavour);
    }
}
