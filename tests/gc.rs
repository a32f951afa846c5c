//! `netzone gc` on the simulated host: removes what crashes left behind, and nothing else.

mod common;

use common::{is_temp, NetSpec, Sim};

/// (name, zone) of every link, sorted.
fn links(sim: &Sim) -> Vec<(String, String)> {
    let mut v: Vec<_> = sim.state()["links"]
        .as_array()
        .expect("links")
        .iter()
        .map(|l| {
            (
                l["name"].as_str().unwrap_or_default().to_string(),
                l["zone"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn gc_removes_a_crashs_orphans_and_nothing_else() {
    let sim = Sim::new("joyent", &["e1000g0", "e1000g1"]);
    // Things gc must leave alone: an operator VNIC in the global zone, a running zone with a
    // netzone link and an operator link.
    sim.dladm(&["create-vnic", "-t", "-l", "e1000g1", "data9"])
        .ok();
    sim.dladm(&["create-vnic", "-t", "-l", "e1000g1", "data0"])
        .ok();
    sim.add_zone(
        "web1",
        &[NetSpec::new("net0", "e1000g0"), NetSpec::operator("data0")],
    );
    sim.add_zone("web2", &[NetSpec::new("net0", "e1000g0")]);
    sim.add_zone("web3", &[NetSpec::new("net0", "e1000g1")]);
    for z in ["web1", "web3"] {
        sim.zoneadm(&["-z", z, "boot"]).ok();
    }
    // web2 is only ready: netzone takes links back only from a zone that is not running.
    sim.zoneadm(&["-z", "web2", "ready"]).ok();

    // Crash 1: `netzone down web2` dies after handing the link back to the global zone under
    // its temporary name, before deleting it.
    sim.fault("set-linkprop", "after", "crash", None);
    sim.netzone(&["down", "web2"]).fails();
    let orphan: Vec<String> = links(&sim)
        .into_iter()
        .filter(|(n, z)| is_temp(n) && z == "global")
        .map(|(n, _)| n)
        .collect();
    assert_eq!(orphan.len(), 1, "{:?}", links(&sim));

    // Crash 2: web3's post-halt hook dies before it clears the journal; the kernel removed the
    // transient link at halt, so the journal now records a link that exists nowhere.
    sim.fault("show-vnic", "before", "crash", None);
    sim.zoneadm(&["-z", "web3", "halt"]).fails();
    assert_eq!(sim.zone_state("web3"), "installed");
    assert!(
        sim.journal("web3").is_some(),
        "stale journal left by the crash"
    );

    let show = sim
        .netzone(&["show", "--orphans", "-p", "-o", "link,zone,state"])
        .fails()
        .stdout();
    assert_eq!(
        show,
        format!("{}:web2:orphan\nnet0:web3:orphan\n", orphan[0]),
        "{show}"
    );

    let before = links(&sim);
    let dry = sim.netzone(&["gc", "--dry-run"]).ok().stdout();
    assert!(
        dry.contains(&format!(
            "would delete orphan {} from the global zone",
            orphan[0]
        )),
        "{dry}"
    );
    assert!(
        dry.contains("would drop zone 'web3' net 'net0' from the journal"),
        "{dry}"
    );
    assert_eq!(links(&sim), before, "dry run changes nothing");
    assert!(sim.journal("web3").is_some());

    let r = sim.netzone(&["gc"]).ok();
    assert!(
        r.stdout().contains(&format!(
            "deleted orphan {} from the global zone (left behind for zone 'web2')",
            orphan[0]
        )),
        "{}",
        r.stdout()
    );
    let mut want = before.clone();
    want.retain(|(n, _)| n != &orphan[0]);
    assert_eq!(links(&sim), want, "exactly the orphan link is gone");
    assert!(sim.journal("web3").is_none(), "stale journal dropped");
    assert!(
        sim.journal("web1").is_some(),
        "a running zone's journal is kept"
    );
    assert_eq!(sim.zone_state("web1"), "running");

    sim.netzone(&["show", "--orphans"]).ok();
    assert_eq!(sim.netzone(&["gc"]).ok().stdout(), "no orphans\n");
    // web3 boots again cleanly.
    sim.zoneadm(&["-z", "web3", "boot"]).ok();
}

#[test]
fn gate_links_of_an_installed_zone_are_orphans_and_gc_removes_them() {
    let sim = Sim::new("gate", &["e1000g0"]);
    sim.dladm(&["create-vnic", "-t", "-l", "e1000g0", "data9"])
        .ok();
    sim.add_zone("web1", &[NetSpec::new("net0", "e1000g0")]);
    // What a gate pre-ready hook leaves when zoneadmd dies before lending the link: net0 in the
    // global zone, recorded in web1's journal, web1 still installed.
    sim.pre_ready("web1").ok();
    assert_eq!(sim.zone_state("web1"), "installed");
    // Marked pending by the pre-ready hook: while zoneadmd may still lend it, not an orphan.
    let show = sim
        .netzone(&["show", "-p", "-o", "link,zone,owner,state"])
        .ok()
        .stdout();
    assert_eq!(show, "net0:web1:netzone:ok\n");
    // zoneadmd died long ago: the mark is older than journal::PENDING_SECS.
    let was = sim.age_pending("web1");
    assert!(was.is_u64(), "pending mark: {was}");
    let show = sim
        .netzone(&["show", "-p", "-o", "link,zone,owner,state"])
        .ok()
        .stdout();
    assert_eq!(show, "net0:web1:netzone:orphan\n");

    // gc removes it with its journal entry; data9 stays.
    let r = sim.netzone(&["gc"]).ok();
    assert!(
        r.stdout()
            .contains("deleted orphan net0 from the global zone (left behind for zone 'web1')"),
        "{}",
        r.stdout()
    );
    assert!(!links(&sim).iter().any(|(n, _)| n == "net0"));
    assert!(links(&sim).contains(&("data9".into(), "global".into())));
    assert!(sim.journal("web1").is_none());
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
}

/// gate, a link whose zone dladm cannot read (linkprop.c `get_zone`; the walk prints `?` and
/// exits 1). web1's pre-ready hook left net0 in the global zone and web2's left net5, both long
/// ago: orphans. dladm then cannot read net0's zone. gc deletes net5 as usual, but neither
/// deletes net0 nor drops the record that may describe it (ownership is identity, and the zone
/// is part of it): it says which link it leaves and why, and exits 0 as for anything else it
/// cannot read. show calls the record `unknown`, not an orphan. Readable again, net0 is an
/// orphan and gc removes it.
#[test]
fn gate_gc_skips_a_link_whose_zone_dladm_cannot_read_and_removes_the_rest() {
    let sim = common::unreadable_orphans();
    let show = sim
        .netzone(&["show", "-p", "-o", "link,zone,owner,state"])
        .ok()
        .stdout();
    assert_eq!(
        show,
        "net0:?:unknown:unknown\nnet0:web1:netzone:unknown\nnet5:web2:netzone:orphan\n"
    );

    let dry = sim.netzone(&["gc", "--dry-run"]).ok();
    assert!(!dry.stdout().contains("net0"), "{}", dry.stdout());
    assert!(
        dry.stdout().contains("would delete orphan net5"),
        "{}",
        dry.stdout()
    );

    let r = sim.netzone(&["gc"]).ok();
    assert!(
        r.stdout()
            .contains("deleted orphan net5 from the global zone (left behind for zone 'web2')"),
        "{}",
        r.stdout()
    );
    assert!(!r.stdout().contains("net0"), "{}", r.stdout());
    assert!(
        r.stderr().contains(
            "netzone: warning: link net0: dladm cannot read which zone holds it (invalid \
             argument), so netzone cannot tell whose it is and leaves it alone"
        ),
        "{}",
        r.stderr()
    );
    assert_eq!(links(&sim), vec![t("e1000g0"), t("net0")]);
    assert!(sim.journal("web2").is_none());
    let j = sim.journal("web1").expect("web1's record of net0 is kept");
    assert_eq!(j["links"].as_array().map(Vec::len), Some(1), "{j}");

    sim.illumos_sim(&["zone-unreadable", "net0", "off"]).ok();
    let r = sim.netzone(&["gc"]).ok();
    assert!(
        r.stdout()
            .contains("deleted orphan net0 from the global zone (left behind for zone 'web1')"),
        "{}",
        r.stdout()
    );
    assert_eq!(links(&sim), vec![t("e1000g0")]);
    assert!(sim.journal("web1").is_none());
}

fn t(name: &str) -> (String, String) {
    (name.into(), "global".into())
}
