//! `global-nic="auto"` on the simulated host: the link is the interface `route -n get
//! <allowed-address>` names (OmniOS `vnic.ksh` `config_vnics`), looked up once per net when the
//! links are planned, on both flavours; no route fails the boot before anything is created.

mod common;

use common::{NetSpec, Sim};

fn auto_net(physical: &str, addr: &str) -> NetSpec {
    NetSpec {
        allowed_address: Some(addr.into()),
        ..NetSpec::new(physical, "auto")
    }
}

fn routed_sim(flavour: &str) -> Sim {
    let sim = Sim::new(flavour, &["e1000g0", "ixgbe1"]);
    sim.add_route("default", "e1000g0");
    sim.add_route("10.1.0.0/16", "ixgbe1");
    sim
}

fn route_runs(sim: &Sim) -> usize {
    sim.log()
        .iter()
        .filter(|l| l.contains(" sim-route "))
        .count()
}

fn boots_over_the_routed_link(flavour: &str) {
    let sim = routed_sim(flavour);
    sim.add_zone(
        "web1",
        &[
            auto_net("net0", "10.1.7.7/16"),
            auto_net("net1", "192.168.5.5/24"),
            NetSpec::new("net2", "e1000g0"),
        ],
    );
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    let v = sim.vnics();
    let over = |n: &str| {
        let l = v
            .iter()
            .find(|l| l.name == n)
            .unwrap_or_else(|| panic!("{n}: {v:?}"));
        assert_eq!(l.zone, "web1");
        l.over.clone().unwrap()
    };
    assert_eq!(over("net0"), "ixgbe1", "the /16 route");
    assert_eq!(over("net1"), "e1000g0", "the default route");
    assert_eq!(over("net2"), "e1000g0");
    assert_eq!(route_runs(&sim), 2, "once per auto net per boot");
    // The journal records the resolved link, the identity it proves ownership by.
    let j = sim.journal("web1").expect("journal");
    let rec = j["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["net"] == "net0")
        .unwrap()
        .clone();
    assert_eq!(rec["over"], "ixgbe1");
    // `netzone plan` of the running zone: nothing to do, after one more lookup per auto net.
    let r = sim.netzone(&["plan", "web1"]).ok();
    assert!(
        r.stdout().contains("nothing to do") && !r.stdout().contains("dladm"),
        "{}",
        r.stdout()
    );
    assert_eq!(route_runs(&sim), 4);
    sim.zoneadm(&["-z", "web1", "halt"]).ok();
    assert!(sim.vnics().is_empty(), "{:?}", sim.vnics());
    // A changed route takes effect at the next boot.
    sim.add_route("10.1.0.0/16", "e1000g0");
    let r = sim.netzone(&["plan", "web1"]).ok();
    assert!(r.stdout().contains("-l e1000g0"), "{}", r.stdout());
    assert!(!r.stdout().contains("ixgbe1"), "{}", r.stdout());
}

#[test]
fn joyent_auto_boots_over_the_routed_link() {
    boots_over_the_routed_link("joyent");
}

#[test]
fn gate_auto_boots_over_the_routed_link() {
    boots_over_the_routed_link("gate");
}

fn no_route_fails_before_anything_is_created(flavour: &str) {
    let sim = Sim::new(flavour, &["e1000g0"]);
    sim.add_route("10.1.0.0/16", "e1000g0");
    sim.add_zone(
        "web1",
        &[
            NetSpec::new("net0", "e1000g0"),
            auto_net("net1", "172.16.0.5/24"),
        ],
    );
    let r = sim.zoneadm(&["-z", "web1", "boot"]).fails();
    let err = r.stderr();
    assert!(
        err.contains(
            "netzone: zone 'web1': net 'net1': global-nic 'auto': no route to allowed-address '172.16.0.5'"
        ),
        "{err}"
    );
    assert!(sim.vnics().is_empty(), "{:?}", sim.vnics());
    assert!(
        !sim.log().iter().any(|l| l.contains("create-vnic")),
        "nothing created: {:#?}",
        sim.log()
    );
    assert!(sim.journal("web1").is_none());
    assert_eq!(sim.zone_state("web1"), "installed");
    // The CLI says the same and exits 1 (plan resolves `auto` as up does; up itself refuses
    // the installed zone before that).
    let r = sim.netzone(&["plan", "web1"]);
    assert_eq!(r.code(), Some(1), "{}", r.stderr());
    assert!(r.stderr().contains("'172.16.0.5'"), "{}", r.stderr());
    // With a route, the same zone boots.
    sim.add_route("default", "e1000g0");
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    assert_eq!(sim.vnics().len(), 2);
}

#[test]
fn joyent_auto_without_route_fails_the_boot_cleanly() {
    no_route_fails_before_anything_is_created("joyent");
}

#[test]
fn gate_auto_without_route_fails_the_boot_cleanly() {
    no_route_fails_before_anything_is_created("gate");
}

#[test]
fn ipv6_allowed_address_is_looked_up_with_inet6() {
    let sim = Sim::new("gate", &["e1000g0", "ixgbe1"]);
    sim.add_route("fd00:1::/64", "ixgbe1");
    sim.add_zone("web1", &[auto_net("net0", "fd00:1::5/64")]);
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    assert_eq!(sim.vnics()[0].over.as_deref(), Some("ixgbe1"));
    assert!(
        sim.log()
            .iter()
            .any(|l| l.ends_with("sim-route -n get -inet6 fd00:1::5")),
        "{:#?}",
        sim.log()
    );
}

#[test]
fn check_refuses_auto_without_allowed_address() {
    let sim = Sim::new("gate", &["e1000g0"]);
    sim.add_zone("web1", &[NetSpec::new("net0", "auto")]);
    let r = sim.netzone(&["check", "web1"]);
    assert_eq!(r.code(), Some(1));
    assert!(
        r.stderr()
            .contains("zone 'web1': net 'net0': global-nic 'auto': 'auto' needs allowed-address"),
        "{}",
        r.stderr()
    );
    assert_eq!(route_runs(&sim), 0, "check never looks up routes");
}

#[test]
fn sim_route_answers_like_illumos_route() {
    let sim = routed_sim("gate");
    let r = sim.route(&["-n", "get", "10.1.2.3"]).ok();
    assert!(
        r.stdout().contains("  interface: ixgbe1\n"),
        "{}",
        r.stdout()
    );
    sim.illumos_sim(&["route", "delete", "default"]).ok();
    let r = sim.route(&["-n", "get", "8.8.8.8"]);
    assert_eq!(r.code(), Some(3));
    assert_eq!(r.stdout(), " 8.8.8.8: not in table\n");
    sim.illumos_sim(&["route", "delete", "default"]).fails();
}
