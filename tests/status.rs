//! `netzone status` on the simulated host: every check passes on a healthy host (exit 0); a
//! stopped dlmgmtd, a missing global NIC and a missing tool each fail it (exit 1), named.

mod common;

use common::{NetSpec, Sim};

#[test]
fn a_healthy_host_is_ready() {
    let sim = Sim::new("joyent", &["e1000g0"]);
    sim.add_zone("web1", &[NetSpec::new("net0", "e1000g0")]);
    let r = sim.netzone(&["status"]).ok();
    let out = r.stdout();
    for want in [
        "ok    dlmgmtd",
        "ok    state",
        "ok    global-nic e1000g0  exists (used by zone 'web1' net 'net0')",
        "this host can serve netzone's hooks",
    ] {
        assert!(out.contains(want), "{want}:\n{out}");
    }
    let j: serde_json::Value =
        serde_json::from_str(&sim.netzone(&["status", "--json"]).ok().stdout()).unwrap();
    assert_eq!(j["version"], 1);
    assert_eq!(j["ready"], true);
    assert!(j["checks"].as_array().unwrap().len() >= 6, "{j}");
}

#[test]
fn each_failure_is_named_and_exits_1() {
    let sim = Sim::new("gate", &["e1000g0"]);
    sim.add_zone("web1", &[NetSpec::new("net0", "igb9")]);
    let r = sim.netzone(&["status"]).fails();
    assert_eq!(r.code(), Some(1));
    assert!(
        r.stdout().contains(
            "FAIL  global-nic igb9  no such link in the global zone (used by zone 'web1' net 'net0')"
        ),
        "{}",
        r.stdout()
    );
    assert!(r
        .stdout()
        .ends_with("this host cannot serve netzone's hooks now\n"));
    sim.illumos_sim(&["dlmgmtd", "stop"]).ok();
    let r = sim.netzone(&["status", "--json"]).fails();
    let j: serde_json::Value = serde_json::from_str(&r.stdout()).unwrap();
    assert_eq!(j["ready"], false);
    let dl = j["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "dlmgmtd")
        .unwrap();
    assert_eq!(dl["ok"], false, "{j}");
    assert!(
        dl["detail"]
            .as_str()
            .unwrap()
            .contains("start svc:/network/datalink-management"),
        "{j}"
    );
    sim.illumos_sim(&["dlmgmtd", "start"]).ok();
    let r = sim
        .netzone(&["--zonecfg", "/nonexistent/zonecfg", "status"])
        .fails();
    assert!(
        r.stdout().lines().any(|l| l.starts_with("FAIL  zonecfg ")
            && l.ends_with(" /nonexistent/zonecfg does not exist or is not executable")),
        "{}",
        r.stdout()
    );
}
