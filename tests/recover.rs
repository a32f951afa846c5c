//! `netzone recover` on the simulated host: zones left `down` by a halt while dlmgmtd was stopped.

mod common;

use common::{is_temp, NetSpec, Sim};

/// Boots each zone, stops dlmgmtd, halts them (each halt fails and leaves the zone `down`), and
/// starts dlmgmtd again unless `keep_stopped`.
fn strand(sim: &Sim, zones: &[&str], keep_stopped: bool) {
    for z in zones {
        sim.zoneadm(&["-z", z, "boot"]).ok();
        assert_eq!(sim.zone_state(z), "running");
    }
    sim.illumos_sim(&["dlmgmtd", "stop"]).ok();
    for z in zones {
        sim.zoneadm(&["-z", z, "halt"]).fails();
        assert_eq!(sim.zone_state(z), "down", "{z} should be stuck down");
    }
    if !keep_stopped {
        sim.illumos_sim(&["dlmgmtd", "start"]).ok();
    }
}

/// (name, zone, over) of every VNIC, sorted.
fn vnics(sim: &Sim) -> Vec<(String, String, String)> {
    // Read from the state directly: `over` is the lower link's name there.
    let st = sim.state();
    let mut v: Vec<_> = st["links"]
        .as_array()
        .expect("links")
        .iter()
        .filter(|l| l["class"] == "vnic")
        .map(|l| {
            let s = |k: &str| l[k].as_str().unwrap_or_default().to_string();
            (s("name"), s("zone"), s("over"))
        })
        .collect();
    v.sort();
    v
}

fn t(a: &str, b: &str, c: &str) -> (String, String, String) {
    (a.into(), b.into(), c.into())
}

/// A host with two NICs, the operator's data0 over e1000g0 in the global zone, and web1
/// configured with net0, net1 (VLAN 42 over e1000g1) and data0.
fn web1_host(flavour: &str) -> Sim {
    let sim = Sim::new(flavour, &["e1000g0", "e1000g1"]);
    sim.dladm(&["create-vnic", "-t", "-l", "e1000g0", "data0"])
        .ok();
    let mut tagged = NetSpec::new("net1", "e1000g1");
    tagged.vlan = Some(42);
    sim.add_zone(
        "web1",
        &[
            NetSpec::new("net0", "e1000g0"),
            tagged,
            NetSpec::operator("data0"),
        ],
    );
    sim
}

/// [`vnics`] while web1 of [`web1_host`] holds its links.
fn web1_holding() -> Vec<(String, String, String)> {
    vec![
        t("data0", "web1", "e1000g0"),
        t("net0", "web1", "e1000g0"),
        t("net1", "web1", "e1000g1"),
    ]
}

/// [`vnics`] once web1's data0 is back in the global zone, after the operator renamed the
/// global zone's other data0 (over e1000g1) to data9, and netzone's links are gone.
fn data0_back_beside_data9() -> Vec<(String, String, String)> {
    vec![
        t("data0", "global", "e1000g0"),
        t("data9", "global", "e1000g1"),
    ]
}

/// web1 stuck `down` holding the operator's data0, while the operator has created another data0
/// in the global zone (IPD 3 namespaces allow it): handing web1's back would collide (10001).
fn stuck_with_10001(flavour: &str) -> Sim {
    let sim = web1_host(flavour);
    strand(&sim, &["web1"], false);
    sim.dladm(&["create-vnic", "-t", "-l", "e1000g1", "data0"])
        .ok();
    sim
}

#[test]
fn down_zone_is_recovered_operator_link_returned_and_zone_boots_again() {
    let sim = web1_host("joyent");
    strand(&sim, &["web1"], false);
    assert_eq!(vnics(&sim), web1_holding());
    let show = sim
        .netzone(&["show", "-p", "-o", "link,owner,state", "web1"])
        .ok();
    assert_eq!(
        show.stdout(),
        "data0:operator:stuck\nnet0:netzone:stuck\nnet1:netzone:stuck\n"
    );

    let r = sim.netzone(&["recover", "web1"]).ok();
    let out = r.stdout();
    assert!(
        out.contains("zone 'web1' is down: freeing its links"),
        "{out}"
    );
    assert!(
        out.contains("deleted net0 (created by netzone: recorded in its journal)"),
        "{out}"
    );
    assert!(out.contains("deleted net1 (created by netzone"), "{out}");
    assert!(
        out.contains("returned data0 to the global zone (operator link)"),
        "{out}"
    );
    assert!(out.ends_with("zone 'web1' is now installed\n"), "{out}");

    assert_eq!(sim.zone_state("web1"), "installed");
    // The operator's link is back in the global zone; netzone's are gone; nothing leaked.
    assert_eq!(vnics(&sim), vec![t("data0", "global", "e1000g0")]);
    assert!(sim.journal("web1").is_none(), "journal emptied");

    // A second run finds nothing to do.
    let again = sim.netzone(&["recover", "--force", "web1"]).ok();
    assert!(
        again.stdout().contains("no link to free"),
        "{}",
        again.stdout()
    );

    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    assert_eq!(sim.zone_state("web1"), "running");
    assert_eq!(vnics(&sim), web1_holding());
}

/// joyent, illumos bug 10001: the global zone took the name of the operator's link web1 holds.
/// `rename-link -z` could move it out of the way, but it is the operator's link: recover
/// reports it as blocked (as on gate), touches nothing of the operator's, and does not halt;
/// netzone's own links are deleted. Once the operator renames the global zone's link, recover
/// hands data0 back under its own name and halts the zone.
#[test]
fn operator_link_whose_name_is_taken_in_the_global_zone_is_blocked_10001() {
    let sim = stuck_with_10001("joyent");

    let dry = sim.netzone(&["recover", "--dry-run", "web1"]).ok();
    assert!(
        dry.stdout().contains(
            "  cannot free data0: the global zone already has a link named data0 (illumos bug \
             10001), so it cannot be handed back, and netzone never renames a link it did not \
             create; rename the global zone's data0 and run recover again\n"
        ),
        "{}",
        dry.stdout()
    );
    assert!(
        !dry.stdout().contains("rename-link -z web1 data0"),
        "{}",
        dry.stdout()
    );
    assert_eq!(sim.zone_state("web1"), "down", "dry run changes nothing");

    let before = vnics(&sim);
    let r = sim.netzone(&["recover", "web1"]).fails();
    assert!(
        r.stderr().contains("netzone: zone 'web1': link data0: the global zone already has a link named data0 (illumos bug 10001)"),
        "{}",
        r.stderr()
    );
    assert!(
        r.stdout().contains("not halting zone 'web1'"),
        "{}",
        r.stdout()
    );
    assert_eq!(sim.zone_state("web1"), "down");
    let mut want = before.clone();
    want.retain(|(n, _, _)| n == "data0");
    assert_eq!(
        vnics(&sim),
        want,
        "netzone's links deleted, the operator's untouched"
    );

    sim.dladm(&["rename-link", "data0", "data9"]).ok();
    let r = sim.netzone(&["recover", "web1"]).ok();
    assert!(
        r.stdout().contains("returned data0 to the global zone"),
        "{}",
        r.stdout()
    );
    assert_eq!(sim.zone_state("web1"), "installed");
    assert_eq!(vnics(&sim), data0_back_beside_data9());
}

/// zoneadmd runs pre-halt with state 6 for a `down` zone: the hook frees the links it can and
/// reports the operator's link whose name the global zone took (10001) instead of renaming it,
/// so the halt fails and the zone stays `down`; after the operator renames the global zone's
/// link, the next halt completes.
#[test]
fn halting_a_down_zone_reclaims_through_the_brand_hook_and_reports_10001() {
    let sim = stuck_with_10001("joyent");
    let r = sim.zoneadm(&["-z", "web1", "halt"]).fails();
    assert!(r.stderr().contains("10001"), "{}", r.stderr());
    assert_eq!(sim.zone_state("web1"), "down");
    sim.dladm(&["rename-link", "data0", "data9"]).ok();
    sim.zoneadm(&["-z", "web1", "halt"]).ok();
    assert_eq!(sim.zone_state("web1"), "installed");
    assert_eq!(vnics(&sim), data0_back_beside_data9());
}

#[test]
fn dlmgmtd_stopped_changes_nothing_and_says_why() {
    let sim = web1_host("joyent");
    strand(&sim, &["web1"], true);
    let before = sim.links();
    let journal = sim.journal("web1");
    assert!(journal.is_some());
    let log_len = sim.log().len();

    let r = sim.netzone(&["recover", "web1"]).fails();
    assert_eq!(r.code(), Some(1));
    let err = r.stderr();
    assert!(err.contains("dlmgmtd may not be answering"), "{err}");
    assert!(err.contains("svc:/network/datalink-management"), "{err}");
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(sim.links(), before);
    assert_eq!(sim.journal("web1"), journal);
    assert_eq!(sim.zone_state("web1"), "down");
    // Only look-ups ran: no halt, no dladm command that changes anything.
    let ran: Vec<String> = sim.log()[log_len..].to_vec();
    assert!(
        ran.iter()
            .all(|l| l.contains("show-") || l.contains(" list")),
        "{ran:#?}"
    );
    // Nor does `show` or `gc` pretend the host is empty.
    assert!(sim
        .netzone(&["show"])
        .fails()
        .stderr()
        .contains("dlmgmtd may not be answering"));
    assert!(sim
        .netzone(&["gc"])
        .fails()
        .stderr()
        .contains("dlmgmtd may not be answering"));
}

#[test]
fn all_recovers_every_down_zone_in_one_run() {
    let sim = Sim::new("joyent", &["e1000g0", "e1000g1"]);
    for z in ["z1", "z2", "z3", "z4"] {
        sim.add_zone(z, &[NetSpec::new("net0", "e1000g0")]);
    }
    strand(&sim, &["z1", "z2", "z3"], false);
    sim.zoneadm(&["-z", "z4", "boot"]).ok();

    let r = sim.netzone(&["recover", "--all"]).ok();
    for z in ["z1", "z2", "z3"] {
        assert!(
            r.stdout().contains(&format!("zone '{z}' is now installed")),
            "{}",
            r.stdout()
        );
        assert_eq!(sim.zone_state(z), "installed");
    }
    // The running zone is not touched.
    assert_eq!(sim.zone_state("z4"), "running");
    assert_eq!(vnics(&sim), vec![t("net0", "z4", "e1000g0")]);
    let r = sim.netzone(&["recover", "--all"]).ok();
    assert_eq!(r.stdout(), "no zone is down: nothing to recover\n");
}

#[test]
fn no_halt_frees_links_and_leaves_the_halt_to_the_operator() {
    let sim = Sim::new("joyent", &["e1000g0", "e1000g1"]);
    sim.add_zone("web2", &[NetSpec::new("net0", "e1000g0")]);
    strand(&sim, &["web2"], false);
    let r = sim.netzone(&["-v", "recover", "--no-halt", "web2"]).ok();
    assert!(!r.stdout().contains("halting"), "{}", r.stdout());
    // -v: each change on stderr too.
    assert!(
        r.stderr().contains("netzone: zone 'web2': deleted net0"),
        "{}",
        r.stderr()
    );
    assert_eq!(sim.zone_state("web2"), "down");
    assert!(vnics(&sim).is_empty());
    sim.zoneadm(&["-z", "web2", "halt"]).ok();
    assert_eq!(sim.zone_state("web2"), "installed");
}

#[test]
fn bad_requests_are_refused_before_anything_changes() {
    let sim = Sim::new("joyent", &["e1000g0"]);
    sim.add_zone("web3", &[NetSpec::new("net0", "e1000g0")]);
    sim.add_zone("web4", &[NetSpec::new("net0", "e1000g0")]);
    strand(&sim, &["web4"], false);
    sim.zoneadm(&["-z", "web3", "boot"]).ok();
    let before = sim.links();

    // Unknown zone, even next to a good one: nothing is done.
    let r = sim.netzone(&["recover", "web4", "nosuch"]).fails();
    assert_eq!(r.code(), Some(1));
    assert!(
        r.stderr()
            .contains("netzone: zone 'nosuch': no such zone configured"),
        "{}",
        r.stderr()
    );
    assert!(r.stderr().contains("nothing was changed"));
    assert_eq!(sim.zone_state("web4"), "down");

    // A running zone is refused without --force.
    let r = sim.netzone(&["recover", "web3"]).fails();
    assert!(
        r.stderr().contains(
            "zone 'web3': zone is running, not down: refusing to take its links (use --force"
        ),
        "{}",
        r.stderr()
    );
    // Invalid name.
    let r = sim.netzone(&["recover", "bad/name"]).fails();
    assert!(
        r.stderr().contains("zone 'bad/name': invalid zone name"),
        "{}",
        r.stderr()
    );
    // Usage: neither zones nor --all, or both.
    for args in [&["recover"][..], &["recover", "--all", "web4"][..]] {
        let r = sim.netzone(args).fails();
        assert_eq!(r.code(), Some(2), "{args:?}");
        assert!(
            r.stderr().contains("usage: netzone recover"),
            "{}",
            r.stderr()
        );
    }
    assert_eq!(sim.links(), before);
    assert_eq!(sim.zone_state("web3"), "running");

    // --force on a running zone: its links are in use (dls_link_setzid, "link busy"), so it
    // is halted first and the halt frees them; nothing is renamed while it runs.
    let n = sim.log().len();
    let r = sim.netzone(&["recover", "--force", "web3"]).ok();
    assert!(
        r.stdout().contains(
            "zone 'web3' is running: its links are in use, so it is halted first and its halt \
             frees them"
        ),
        "{}",
        r.stdout()
    );
    assert!(
        !sim.log()[n..].iter().any(|l| l.contains("rename-link")),
        "{:?}",
        &sim.log()[n..]
    );
    assert_eq!(sim.zone_state("web3"), "installed");
    assert!(!vnics(&sim).iter().any(|v| v.1 == "web3" || is_temp(&v.0)));
}

#[test]
fn gate_leaves_loaned_links_to_the_halt_and_refuses_a_10001_rename() {
    let sim = Sim::new("gate", &["e1000g0", "e1000g1"]);
    sim.dladm(&["create-vnic", "-t", "-l", "e1000g0", "data0"])
        .ok();
    sim.add_zone(
        "web1",
        &[NetSpec::new("net0", "e1000g0"), NetSpec::operator("data0")],
    );
    strand(&sim, &["web1"], false);
    sim.dladm(&["create-vnic", "-t", "-l", "e1000g1", "data0"])
        .ok();

    // gate cannot rename a link on loan: the collision is reported and nothing is halted.
    let r = sim.netzone(&["recover", "web1"]).fails();
    assert!(
        r.stderr().contains(
            "netzone: zone 'web1': link data0: the global zone already has a link named data0 \
             (illumos bug 10001), so it cannot be handed back, and netzone never renames a link \
             it did not create; rename the global zone's data0 and run recover again"
        ),
        "{}",
        r.stderr()
    );
    assert!(
        r.stdout().contains("left net0 for the halt"),
        "{}",
        r.stdout()
    );
    assert!(
        r.stdout().contains("not halting zone 'web1'"),
        "{}",
        r.stdout()
    );
    assert_eq!(sim.zone_state("web1"), "down");

    // The operator renames the global zone's link; now the halt hands data0 back by link id
    // (zoneadmd) and netzone's post-halt removes net0.
    sim.dladm(&["rename-link", "data0", "data9"]).ok();
    let r = sim.netzone(&["recover", "web1"]).ok();
    assert!(
        r.stdout().contains("left net0 for the halt"),
        "{}",
        r.stdout()
    );
    assert_eq!(sim.zone_state("web1"), "installed");
    assert_eq!(vnics(&sim), data0_back_beside_data9());
    assert!(sim.journal("web1").is_none());
}

/// illumos-joyent, illumos bug 10001 at a plain halt: web1 runs holding the operator's data0
/// (lent by zoneadmd) and the operator creates another data0 in the global zone. joyent's
/// kernel cannot hand web1's back at `zone_shutdown`, its zoneadmd does not notice (vplat.c
/// `delete_transient_vnics`: no "datalink(s) remain" check), and dlmgmtd deletes the VNIC left
/// on loan when the zone is destroyed (`dlmgmt_db_fini`). netzone's pre-halt renames it inside
/// the zone first, so the kernel hands it back under the new name and the operator keeps it.
#[test]
fn joyent_10001_at_a_plain_halt_keeps_the_operators_lent_link() {
    let sim = web1_host("joyent");
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    let lent = sim
        .links()
        .into_iter()
        .find(|l| l.name == "data0" && l.zone == "web1")
        .expect("data0 lent to web1");
    sim.dladm(&["create-vnic", "-t", "-l", "e1000g1", "data0"])
        .ok();
    let r = sim.zoneadm(&["-z", "web1", "halt"]).ok();
    assert!(
        r.stderr().contains(
            "renamed data0 to data0_rec0 inside the zone: the global zone already has a link \
             named data0 (illumos bug 10001)"
        ),
        "{}",
        r.stderr()
    );
    assert_eq!(sim.zone_state("web1"), "installed");
    let back = sim
        .links()
        .into_iter()
        .find(|l| l.id == lent.id)
        .expect("the operator's lent data0 survives the halt");
    assert_eq!(
        (back.name.as_str(), back.zone.as_str()),
        ("data0_rec0", "global")
    );
    assert_eq!(
        vnics(&sim),
        vec![
            t("data0", "global", "e1000g1"),
            t("data0_rec0", "global", "e1000g0"),
        ]
    );
    // Booted again, web1 asks for data0 and gets the global zone's new one (zoneadmd lends by
    // name); the renamed one stays the operator's, untouched.
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    sim.zoneadm(&["-z", "web1", "halt"]).ok();
    assert!(sim
        .links()
        .iter()
        .any(|l| l.id == lent.id && l.zone == "global"));
}

/// gate, a link whose zone dladm cannot read (linkprop.c `get_zone`; the walk prints `?` and
/// exits 1). web1 and web2 are stuck `down`; dladm cannot read the zone of net1, which web1's
/// journal records. Recovering web2 is not concerned and goes as usual. Recovering web1 does
/// the rest (net0 left for the halt) and reports net1 as blocked, as it reports any link it
/// cannot free: nothing is done to it, its record is kept, the zone is not halted, exit 1.
/// Readable again, web1 recovers.
#[test]
fn gate_recover_blocks_only_its_own_link_whose_zone_dladm_cannot_read() {
    let sim = Sim::new("gate", &["e1000g0"]);
    sim.add_zone(
        "web1",
        &[
            NetSpec::new("net0", "e1000g0"),
            NetSpec::new("net1", "e1000g0"),
        ],
    );
    sim.add_zone("web2", &[NetSpec::new("net2", "e1000g0")]);
    strand(&sim, &["web1", "web2"], false);
    sim.illumos_sim(&["zone-unreadable", "net1", "on"]).ok();

    let r = sim.netzone(&["recover", "web2"]).ok();
    assert!(
        r.stdout().contains("left net2 for the halt"),
        "{}",
        r.stdout()
    );
    assert_eq!(sim.zone_state("web2"), "installed");
    assert!(sim.journal("web2").is_none());

    let r = sim.netzone(&["recover", "web1"]).fails();
    assert_eq!(r.code(), Some(1));
    assert!(
        r.stderr().contains(
            "netzone: zone 'web1': link net1: dladm cannot read which zone holds it (invalid \
             argument), so netzone cannot tell whether it belongs to zone 'web1' and leaves it \
             as it is; run recover again once `dladm show-linkprop -p zone net1` reads it"
        ),
        "{}",
        r.stderr()
    );
    assert!(
        r.stdout().contains("left net0 for the halt"),
        "{}",
        r.stdout()
    );
    assert!(
        r.stdout().contains("not halting zone 'web1'"),
        "{}",
        r.stdout()
    );
    assert_eq!(sim.zone_state("web1"), "down");
    let j = sim.journal("web1").expect("web1's records are kept");
    let nets: Vec<&str> = j["links"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["net"].as_str())
        .collect();
    assert!(nets.contains(&"net1"), "{j}");
    assert_eq!(
        vnics(&sim),
        vec![t("net0", "web1", "e1000g0"), t("net1", "web1", "e1000g0")]
    );

    sim.illumos_sim(&["zone-unreadable", "net1", "off"]).ok();
    sim.netzone(&["recover", "web1"]).ok();
    assert_eq!(sim.zone_state("web1"), "installed");
    assert!(sim.journal("web1").is_none());
    assert_eq!(vnics(&sim), vec![]);
}
