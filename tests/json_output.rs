//! `--json` documents on the simulated host: every command that has `--json` prints a
//! top-level `version`, and a failure under `--json` is `{"version", "error": {"code",
//! "message"}}` on stdout with the stable code of its [`ErrorKind`] (and the message on stderr
//! as usual). netzone.8 lists exactly the codes `ErrorKind` has.

mod common;

use common::{NetSpec, Run, Sim};
use netzone::error::ErrorKind;
use serde_json::Value;

fn doc(r: &Run) -> Value {
    serde_json::from_str(r.stdout().trim_end())
        .unwrap_or_else(|e| panic!("{}: not one JSON document ({e}):\n{}", r.argv, r.stdout()))
}

/// A failed `--json` run: exit 1, one error document on stdout, the message on stderr too.
#[track_caller]
fn error_code(r: Run) -> String {
    let r = r.fails();
    assert_eq!(r.code(), Some(1), "{}", r.stderr());
    assert_eq!(r.stdout().lines().count(), 1, "{}", r.stdout());
    let d = doc(&r);
    assert_eq!(d["version"], 1, "{d}");
    let msg = d["error"]["message"]
        .as_str()
        .expect("a message")
        .to_string();
    assert!(!msg.is_empty());
    assert_eq!(
        d.as_object().unwrap().len(),
        2,
        "only version and error: {d}"
    );
    assert!(
        r.stderr()
            .starts_with(&format!("netzone: {}", msg.lines().next().unwrap())),
        "stderr {:?} vs message {msg:?}",
        r.stderr()
    );
    d["error"]["code"].as_str().expect("a code").to_string()
}

#[test]
fn every_json_document_has_a_version() {
    for flavour in ["joyent", "gate"] {
        let sim = Sim::new(flavour, &["e1000g0"]);
        sim.add_zone("web1", &[NetSpec::new("net0", "e1000g0")]);
        sim.zoneadm(&["-z", "web1", "boot"]).ok();
        for args in [
            &["plan", "--json", "web1"][..],
            &["up", "--json", "web1"],
            &["show", "--json"],
            &["status", "--json"],
            &["down", "--json", "web1"],
        ] {
            if args[0] == "down" {
                sim.zoneadm(&["-z", "web1", "halt"]).ok();
            }
            let r = sim.netzone(args).ok();
            let d = doc(&r);
            assert_eq!(d["version"], 1, "{args:?}: {d}");
            assert!(d.get("error").is_none(), "{args:?}: {d}");
            match args[0] {
                "plan" => assert_eq!(d["unchanged"], serde_json::json!(["net0"]), "{d}"),
                "up" => assert_eq!(d["created"], serde_json::json!([]), "{d}"),
                "down" => assert_eq!(d["removed"], serde_json::json!([]), "{d}"),
                "show" => {
                    let links = d["links"].as_array().expect("links");
                    assert!(
                        links
                            .iter()
                            .any(|l| l["link"] == "net0" && l["zone"] == "web1"),
                        "{d}"
                    );
                }
                _ => assert_eq!(d["ready"], true, "{d}"),
            }
        }
    }
}

#[test]
fn errors_under_json_carry_a_stable_code() {
    let mut sim = Sim::new("gate", &["e1000g0"]);
    let mut bad = NetSpec::new("net0", "e1000g0");
    bad.vlan = Some(4095);
    sim.add_zone("bad1", &[bad]);
    sim.add_zone("web1", &[NetSpec::new("net0", "e1000g0")]);
    sim.zoneadm(&["-z", "web1", "ready"]).ok();
    sim.add_zone("web2", &[NetSpec::new("net1", "e1000g0")]);

    // Invalid configuration.
    assert_eq!(
        error_code(sim.netzone(&["plan", "--json", "bad1"])),
        "invalid-config"
    );
    // A zone that is not configured, a zone that is not up, an invalid name.
    assert_eq!(
        error_code(sim.netzone(&["show", "--json", "nosuch"])),
        "not-found"
    );
    assert_eq!(
        error_code(sim.netzone(&["up", "--json", "web2"])),
        "zone-state"
    );
    assert_eq!(
        error_code(sim.netzone(&["plan", "--json", "bad/zone"])),
        "invalid-value"
    );
    // Without --json the same failure prints nothing on stdout.
    let r = sim.netzone(&["up", "web2"]).fails();
    assert_eq!(r.stdout(), "");

    // Another run holds the zone's lock (here: this test) past NETZONE_LOCK_TIMEOUT.
    let state = sim.root().join("etc/svc/volatile/netzone");
    let zone = netzone::zonename::ZoneName::new("web1").unwrap();
    let held = netzone::journal::lock_zone(&state, &zone).unwrap();
    sim.env.push(("NETZONE_LOCK_TIMEOUT".into(), "1".into()));
    assert_eq!(error_code(sim.netzone(&["up", "--json", "web1"])), "locked");
    drop(held);
    sim.netzone(&["up", "--json", "web1"]).ok();
    // A running zone's links are in use: down refuses.
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    assert_eq!(
        error_code(sim.netzone(&["down", "--json", "web1"])),
        "link-busy"
    );

    // dlmgmtd stopped.
    sim.illumos_sim(&["dlmgmtd", "stop"]).ok();
    assert_eq!(
        error_code(sim.netzone(&["up", "--json", "web1"])),
        "dlmgmtd-down"
    );
    assert_eq!(error_code(sim.netzone(&["show", "--json"])), "dlmgmtd-down");

    // A root that is no illumos root.
    let elsewhere = tempfile::tempdir().unwrap();
    let r = sim
        .command(
            std::path::Path::new(env!("CARGO_BIN_EXE_netzone")),
            &["status", "--json"],
        )
        .env("NETZONE_ROOT", elsewhere.path())
        .output()
        .unwrap();
    let d: Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(d["error"]["code"], "not-found", "{d}");
}

/// The codes netzone.8 documents under JSON OUTPUT: the `.It Sy CODE` items of its table.
fn documented_codes() -> Vec<String> {
    let page =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/man/netzone.8")).unwrap();
    let section = page
        .split("\n.Sh JSON OUTPUT\n")
        .nth(1)
        .expect("netzone.8 has a JSON OUTPUT section");
    let section = section.split("\n.Sh ").next().unwrap();
    let table = section
        .split("\n.Bl -tag")
        .nth(1)
        .expect("a table of codes")
        .split("\n.El")
        .next()
        .unwrap();
    table
        .lines()
        .filter_map(|l| l.strip_prefix(".It Sy "))
        .map(|c| c.trim().to_string())
        .collect()
}

#[test]
fn the_man_page_lists_exactly_the_codes() {
    let mut documented = documented_codes();
    let mut codes: Vec<String> = ErrorKind::ALL
        .iter()
        .map(|k| k.code().to_string())
        .collect();
    // The page's order is its own; each code once.
    let n = documented.len();
    documented.sort();
    documented.dedup();
    assert_eq!(documented.len(), n, "a code listed twice");
    codes.sort();
    assert_eq!(
        documented, codes,
        "netzone.8 JSON OUTPUT must list every ErrorKind code, and no other"
    );
}

/// A conflict with a link netzone does not own: the operator's `net0` lent to the zone where
/// netzone's would go.
#[test]
fn a_conflict_with_an_operator_link_is_name_taken() {
    let sim = Sim::new("joyent", &["e1000g0"]);
    sim.dladm(&["create-vnic", "-t", "-l", "e1000g0", "net0"])
        .ok();
    sim.add_ready_plain_zone("web1", &[NetSpec::new("net0", "e1000g0")]);
    let code = error_code(sim.netzone(&["up", "--json", "web1"]));
    assert_eq!(code, "name-taken");
    // Nothing of netzone's was made, the operator's link is where it was.
    assert!(
        sim.vnics().iter().all(|l| l.name == "net0"),
        "{:?}",
        sim.vnics()
    );
}
