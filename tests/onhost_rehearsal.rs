//! The on-host suite's zone scenarios (`tests/onhost.rs`, illumos only) rehearsed on the
//! simulated host, so that their set-up holds up where CI can run it: the scratch zone is made
//! ready with no nets of its own (a brand with no hooks), and netzone reads the net it acts on
//! from a zone file under a separate alternate root (`-R`), which moves netzone's configuration
//! and journals but not the host dladm acts on. Same assertions as on the real host.

mod common;

use common::Sim;

const ZONE: &str = "scratch";
const STUB: &str = "nzt1t0s0";
const PHYSICAL: &str = "nzt1t0n0";
const MAC: &str = "2:8:20:ab:cd:3";

/// A sim host with a ready scratch zone and an etherstub, and netzone's own root.
fn scratch(flavour: &str) -> (Sim, tempfile::TempDir) {
    let sim = Sim::new(flavour, &["e1000g0"]);
    sim.install_plain_brand("plain");
    sim.add_zone_with_brand(ZONE, "plain", &[]);
    sim.dladm(&["create-etherstub", "-t", STUB]).ok();
    sim.zoneadm(&["-z", ZONE, "ready"]).ok();
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("etc/zones")).unwrap();
    // An illumos root lists its zones in an index (netzone refuses a root without one).
    std::fs::write(root.path().join("etc/zones/index"), "global:installed:/\n").unwrap();
    std::fs::write(
        root.path().join(format!("etc/zones/{ZONE}.xml")),
        format!(
            "<?xml version=\"1.0\"?>\n<zone name=\"{ZONE}\" zonepath=\"/zones/{ZONE}\" ip-type=\"exclusive\">\n  <network physical=\"{PHYSICAL}\" global-nic=\"{STUB}\" mac-addr=\"{MAC}\"/>\n</zone>\n"
        ),
    )
    .unwrap();
    (sim, root)
}

fn netzone(sim: &Sim, root: &tempfile::TempDir, args: &[&str]) -> common::Run {
    let mut v = vec!["-R", root.path().to_str().unwrap()];
    v.extend_from_slice(args);
    sim.netzone(&v)
}

fn up_and_down(flavour: &str, want_zone: &str) {
    let (sim, root) = scratch(flavour);
    let out = netzone(&sim, &root, &["up", ZONE]).ok().stdout();
    assert!(out.contains(&format!("created {PHYSICAL}")), "{out}");
    let v = sim.vnics();
    let l = v.iter().find(|l| l.name == PHYSICAL).expect("created");
    assert_eq!(l.zone, want_zone, "{l:?}");
    assert_eq!(l.over.as_deref(), Some(STUB));
    assert_eq!(l.mac.as_deref(), Some(MAC));
    assert!(!v.iter().any(|l| common::is_temp(&l.name)), "{v:?}");
    // The real configuration of the zone was never read or changed.
    assert!(!sim.zone_xml(ZONE).contains("network"));
    let out = netzone(&sim, &root, &["up", ZONE]).ok().stdout();
    assert!(out.contains("nothing to do"), "{out}");
    netzone(&sim, &root, &["down", ZONE]).ok();
    assert!(!sim.vnics().iter().any(|l| l.name == PHYSICAL));
    let out = netzone(&sim, &root, &["down", ZONE]).ok().stdout();
    assert!(out.contains("nothing to do"), "{out}");
    sim.zoneadm(&["-z", ZONE, "halt"]).ok();
    assert_eq!(sim.zone_state(ZONE), "installed");
}

#[test]
fn joyent_zone_gets_its_link_and_loses_it_at_down() {
    up_and_down("joyent", ZONE);
}

#[test]
fn gate_link_waits_in_the_global_zone_under_its_final_name() {
    up_and_down("gate", "global");
}

#[test]
fn joyent_crash_leftover_is_collected_then_the_zone_gets_its_link() {
    let (sim, root) = scratch("joyent");
    let plan = netzone(&sim, &root, &["plan", ZONE]).ok().stdout();
    let temp = plan
        .split_whitespace()
        .find(|w| common::is_temp(w))
        .expect("the plan names the temporary link")
        .to_string();
    sim.dladm(&["create-vnic", "-t", "-l", STUB, "-m", MAC, &temp])
        .ok();
    let dry = netzone(&sim, &root, &["gc", "--dry-run"]).ok().stdout();
    // One removal, with the exact argv that will run and its fallback (the dlmgmtd check a
    // "not found" runs).
    assert_eq!(dry.lines().count(), 3, "{dry}");
    assert!(
        dry.contains(&format!(
            "dladm delete-vnic -t {temp}\n    if not found: dladm show-link"
        )),
        "{dry}"
    );
    let out = netzone(&sim, &root, &["gc"]).ok().stdout();
    assert!(out.contains(&temp), "{out}");
    netzone(&sim, &root, &["up", ZONE]).ok();
    let v = sim.vnics();
    assert!(
        v.iter().any(|l| l.name == PHYSICAL && l.zone == ZONE),
        "{v:?}"
    );
    assert!(!v.iter().any(|l| l.name == temp), "{v:?}");
    netzone(&sim, &root, &["down", ZONE]).ok();
}
