//! sim-zoneadm together with `illumos-sim` (init, dlmgmtd stop/start, state --json): the
//! flow netzone's harness drives, end to end.

mod zone_support;

use std::process::Command;

use zone_support::*;

fn illumos_sim(root: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_illumos-sim"))
        .args(args)
        .env("ILLUMOS_SIM_ROOT", root)
        .env_remove("ILLUMOS_SIM_FLAVOUR")
        .output()
        .unwrap()
}

fn zone_states(root: &std::path::Path) -> Vec<(String, String)> {
    let o = illumos_sim(root, &["state", "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v["zones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|z| {
            (
                z["name"].as_str().unwrap().to_string(),
                z["state"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn down_zone_recovery_through_illumos_sim() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let o = illumos_sim(
        root,
        &[
            "init",
            "--root",
            root.to_str().unwrap(),
            "--flavour",
            "gate",
            "--phys",
            "net0,net1",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // No index file at all: list still shows the global zone.
    let o = Command::new(env!("CARGO_BIN_EXE_sim-zoneadm"))
        .args(["list", "-cp"])
        .env("ILLUMOS_SIM_ROOT", root)
        .env_remove("ILLUMOS_SIM_FLAVOUR")
        .output()
        .unwrap();
    assert_eq!(stdout(&o), "0:global:running:/::ipkg:shared\n");

    std::fs::create_dir_all(root.join("usr/lib/brand/plain")).unwrap();
    std::fs::write(
        root.join("usr/lib/brand/plain/config.xml"),
        "<brand name=\"plain\"><modname></modname></brand>",
    )
    .unwrap();
    write_platform(root, "plain");
    std::fs::write(
        root.join("etc/zones/web1.xml"),
        "<zone name=\"web1\" zonepath=\"/zones/web1\" brand=\"plain\" ip-type=\"exclusive\">\
         <network physical=\"net1\"/></zone>",
    )
    .unwrap();
    std::fs::write(
        root.join("etc/zones/index"),
        format!("global:installed:/\nweb1:installed:/zones/web1:{UUID}\n"),
    )
    .unwrap();
    let zoneadm = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_sim-zoneadm"))
            .args(args)
            .env("ILLUMOS_SIM_ROOT", root)
            .env_remove("ILLUMOS_SIM_FLAVOUR")
            .output()
            .unwrap()
    };
    assert_eq!(code(&zoneadm(&["-z", "web1", "boot"])), 0);
    assert_eq!(zone_states(root), vec![("web1".into(), "running".into())]);

    assert_eq!(code(&illumos_sim(root, &["dlmgmtd", "stop"])), 0);
    let o = zoneadm(&["-z", "web1", "halt"]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("1 datalink(s) remain in zone after shutdown"));
    assert_eq!(zone_states(root), vec![("web1".into(), "down".into())]);

    assert_eq!(code(&illumos_sim(root, &["dlmgmtd", "start"])), 0);
    let o = zoneadm(&["-z", "web1", "halt"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(zone_states(root).is_empty());
    let o = zoneadm(&["list", "-cp"]);
    assert_eq!(
        stdout(&o),
        format!(
            "0:global:running:/::ipkg:shared\n-:web1:installed:/zones/web1:{UUID}:plain:excl\n"
        )
    );
    // Every command was logged.
    let log = std::fs::read_to_string(root.join("var/sim/log")).unwrap();
    assert_eq!(
        log.lines().filter(|l| l.contains(" sim-zoneadm ")).count(),
        5,
        "{log}"
    );
}
