//! Persistent links (`<net-attr name="persistent" value="true"/>`, hook `--persistent`) on the
//! simulated host: created without `-t`, removed like the others on a clean halt, and after a
//! host crash proved netzone's by their records in `etc/netzone`, reused by the next boot or
//! removed by `netzone gc`; operators' persistent links are never touched.

mod common;

use common::{NetSpec, Sim, BRAND};
use serde_json::Value;

/// `temporary` of each VNIC, by name, from `illumos-sim state --json`.
fn temporary(sim: &Sim) -> Vec<(String, String, bool)> {
    let st = sim.state();
    st["links"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["class"] == "vnic")
        .map(|l| {
            (
                l["name"].as_str().unwrap().to_string(),
                l["zone"].as_str().unwrap().to_string(),
                l["temporary"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn persistent_net(physical: &str, over: &str) -> NetSpec {
    NetSpec {
        persistent: Some(true),
        ..NetSpec::new(physical, over)
    }
}

/// A gate host whose test brand runs the hook with `--persistent`.
fn persistent_brand_sim() -> Sim {
    let sim = Sim::new("gate", &["e1000g0", "e1000g1"]);
    sim.install_brand(BRAND, Some("--persistent"));
    sim
}

#[test]
fn brand_default_makes_persistent_links_and_a_clean_halt_removes_them() {
    let sim = persistent_brand_sim();
    let mut n1 = NetSpec::new("net1", "e1000g1");
    n1.persistent = Some(false);
    n1.mtu = Some(1400);
    sim.add_zone("web1", &[NetSpec::new("net0", "e1000g0"), n1]);
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    let mut t = temporary(&sim);
    t.sort();
    assert_eq!(
        t,
        vec![
            ("net0".to_string(), "web1".to_string(), false),
            ("net1".to_string(), "web1".to_string(), true)
        ]
    );
    let log = sim.log();
    assert!(
        log.iter()
            .any(|l| l.contains("sim-dladm create-vnic -l e1000g0 ") && l.ends_with(" net0")),
        "net0 without -t: {log:#?}"
    );
    assert!(
        log.iter()
            .any(|l| l.contains("sim-dladm create-vnic -t -l e1000g1 ") && l.ends_with(" net1")),
        "net1 with -t: {log:#?}"
    );
    // The persistent link's record is in etc/netzone, the temporary one's in volatile.
    let per: Value = serde_json::from_str(
        &std::fs::read_to_string(sim.persistent_journal_path("web1")).unwrap(),
    )
    .unwrap();
    assert_eq!(per["links"][0]["net"], "net0");
    assert_eq!(per["links"][0]["persistent"], true);
    let vol: Value =
        serde_json::from_str(&std::fs::read_to_string(sim.journal_path("web1")).unwrap()).unwrap();
    assert_eq!(vol["links"][0]["net"], "net1");
    sim.zoneadm(&["-z", "web1", "halt"]).ok();
    assert!(temporary(&sim).is_empty(), "{:?}", temporary(&sim));
    assert!(sim.log().iter().any(|l| l.ends_with("delete-vnic net0")));
    assert!(sim.journal("web1").is_none());
    // Deleted with its persistent configuration: nothing comes back at boot.
    sim.reboot();
    assert!(temporary(&sim).is_empty(), "{:?}", temporary(&sim));
}

fn boot_then_crash(sim: &Sim) -> u64 {
    sim.add_zone("web1", &[persistent_net("net0", "e1000g0")]);
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    let id = sim.links().iter().find(|l| l.name == "net0").unwrap().id;
    sim.reboot();
    id
}

#[test]
fn after_a_crash_show_proves_the_leftover_and_the_next_boot_reuses_it() {
    let sim = Sim::new("gate", &["e1000g0", "e1000g1"]);
    let id = boot_then_crash(&sim);
    assert_eq!(
        temporary(&sim),
        vec![("net0".to_string(), "global".to_string(), false)]
    );
    assert!(
        sim.journal("web1").is_some(),
        "the record outlived the reboot"
    );
    let r = sim
        .netzone(&["show", "-p", "-o", "link,zone,owner,state"])
        .ok();
    assert!(
        r.stdout().lines().any(|l| l == "net0:web1:netzone:orphan"),
        "{}",
        r.stdout()
    );
    assert_eq!(sim.netzone(&["show", "--orphans"]).code(), Some(1));
    // The next boot reuses it: one link called net0, the same one, now in the zone.
    let mark = sim.log().len();
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    assert!(
        !sim.log()[mark..].iter().any(|l| l.contains("create-vnic")),
        "no second create: {:#?}",
        &sim.log()[mark..]
    );
    let net0: Vec<_> = sim
        .links()
        .into_iter()
        .filter(|l| l.name == "net0")
        .collect();
    assert_eq!(net0.len(), 1, "{net0:?}");
    assert_eq!((net0[0].id, net0[0].zone.as_str()), (id, "web1"));
    sim.zoneadm(&["-z", "web1", "halt"]).ok();
    assert!(temporary(&sim).is_empty());
    assert!(sim.journal("web1").is_none());
}

#[test]
fn after_a_crash_a_changed_configuration_replaces_the_leftover() {
    let sim = Sim::new("gate", &["e1000g0", "e1000g1"]);
    let id = boot_then_crash(&sim);
    let xml = sim.root().join("etc/zones/web1.xml");
    let text = std::fs::read_to_string(&xml).unwrap();
    std::fs::write(
        &xml,
        text.replace("global-nic=\"e1000g0\"", "global-nic=\"e1000g1\""),
    )
    .unwrap();
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    let net0: Vec<_> = sim
        .links()
        .into_iter()
        .filter(|l| l.name == "net0")
        .collect();
    assert_eq!(net0.len(), 1, "{net0:?}");
    assert_ne!(net0[0].id, id, "replaced");
    assert_eq!(net0[0].over.as_deref(), Some("e1000g1"));
    sim.zoneadm(&["-z", "web1", "halt"]).ok();
    sim.reboot();
    assert!(temporary(&sim).is_empty(), "{:?}", temporary(&sim));
}

#[test]
fn gc_removes_the_leftover_of_a_zone_not_running() {
    let sim = Sim::new("gate", &["e1000g0", "e1000g1"]);
    boot_then_crash(&sim);
    let r = sim.netzone(&["gc"]).ok();
    assert!(
        r.stderr().contains("net0") || r.stdout().contains("net0"),
        "{}{}",
        r.stdout(),
        r.stderr()
    );
    assert!(temporary(&sim).is_empty(), "{:?}", temporary(&sim));
    assert!(sim.journal("web1").is_none());
    assert!(sim.log().iter().any(|l| l.ends_with("delete-vnic net0")));
    sim.reboot();
    assert!(
        temporary(&sim).is_empty(),
        "gone for good: {:?}",
        temporary(&sim)
    );
    assert_eq!(sim.netzone(&["show", "--orphans"]).code(), Some(0));
}

#[test]
fn operators_persistent_links_are_never_touched() {
    let sim = Sim::new("gate", &["e1000g0", "e1000g1"]);
    sim.dladm(&["create-vnic", "-l", "e1000g1", "oper0"]).ok();
    boot_then_crash(&sim);
    // The operator replaces netzone's leftover with a persistent net0 of their own.
    sim.dladm(&["delete-vnic", "net0"]).ok();
    sim.dladm(&["create-vnic", "-l", "e1000g1", "net0"]).ok();
    let before = sim.links();
    let r = sim.netzone(&["show", "-p", "-o", "link,owner"]).ok();
    assert!(
        r.stdout().lines().any(|l| l == "net0:operator"),
        "{}",
        r.stdout()
    );
    sim.netzone(&["gc"]);
    let r = sim.zoneadm(&["-z", "web1", "boot"]).fails();
    assert!(
        r.stderr().contains("net 'net0'") && r.stderr().contains("not created by netzone"),
        "{}",
        r.stderr()
    );
    sim.reboot();
    let after = sim.links();
    let vnics = |v: &[common::SimLink]| {
        let mut x: Vec<(u64, String, Option<String>, Option<String>)> = v
            .iter()
            .filter(|l| l.class == "vnic")
            .map(|l| (l.id, l.name.clone(), l.over.clone(), l.mac.clone()))
            .collect();
        x.sort();
        x
    };
    assert_eq!(vnics(&before), vnics(&after));
}

#[test]
fn joyent_refuses_persistent_nets_before_creating_anything() {
    let sim = Sim::new("joyent", &["e1000g0"]);
    sim.add_zone(
        "web1",
        &[
            NetSpec::new("net0", "e1000g0"),
            persistent_net("net1", "e1000g0"),
        ],
    );
    let r = sim.zoneadm(&["-z", "web1", "boot"]).fails();
    assert!(
        r.stderr()
            .contains("zone 'web1': net 'net1': persistent links need the gate flavour"),
        "{}",
        r.stderr()
    );
    assert!(sim.vnics().is_empty());
    assert!(!sim.log().iter().any(|l| l.contains("create-vnic")));
}

#[test]
fn check_refuses_a_persistent_value_that_is_not_a_boolean() {
    let sim = Sim::new("gate", &["e1000g0"]);
    sim.add_zone("web1", &[NetSpec::new("net0", "e1000g0")]);
    let xml = sim.root().join("etc/zones/web1.xml");
    let text = std::fs::read_to_string(&xml).unwrap().replace(
        "global-nic=\"e1000g0\"/>",
        "global-nic=\"e1000g0\">\n    <net-attr name=\"persistent\" value=\"yes\"/>\n  </network>",
    );
    std::fs::write(&xml, text).unwrap();
    let r = sim.netzone(&["check", "web1"]);
    assert_eq!(r.code(), Some(1));
    assert!(
        r.stderr()
            .contains("zone 'web1': net 'net0': persistent 'yes': must be 'true' or 'false'"),
        "{}",
        r.stderr()
    );
}
