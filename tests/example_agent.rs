//! `cargo run --example agent`: a program managing a zone's links through the library alone, on
//! the simulated host. Runs the built example, then checks on the host it leaves up that the
//! operator's `netzone gc` leaves the program's links alone.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `target/<profile>/examples/agent`, which `cargo test` builds beside the tests.
fn example() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let dir = exe.parent().and_then(|d| d.parent()).expect("target dir");
    let path = dir.join("examples").join("agent");
    if !path.exists() {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let ok = Command::new(cargo)
            .args(["build", "-q", "--example", "agent"])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok && path.exists(), "cannot build the agent example");
    }
    path
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The operator's `netzone` on the simulated host at `root`.
fn netzone(root: &Path, args: &[&str]) -> Output {
    let bin = common::bin_dir();
    Command::new(env!("CARGO_BIN_EXE_netzone"))
        .args(args)
        .env("ILLUMOS_SIM_ROOT", root)
        .env("NETZONE_ROOT", root)
        .env("NETZONE_DLADM", bin.join("sim-dladm"))
        .env("NETZONE_ZONEADM", bin.join("sim-zoneadm"))
        .env("NETZONE_ZONECFG", bin.join("sim-zonecfg"))
        .env("NETZONE_ROUTE", bin.join("sim-route"))
        .env_remove("NETZONE_FLAVOUR")
        .env_remove("ILLUMOS_SIM_FLAVOUR")
        .output()
        .expect("netzone")
}

#[test]
fn agent_example_creates_lists_changes_handles_errors_and_tears_down() {
    let out = Command::new(example()).output().expect("run example");
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    for want in [
        "== 1. Mark the zone",
        "dladm create-vnic -t -l e1000g0 -m 2:8:20:a0:0:1 agent1n0",
        "net 'agent1n1': netzone chose MAC 2:8:20:",
        "agent1n1  agent1  e1000g0",
        "removed: agent1n1 agent1n0",
        "created: agent1n0",
        "lower link missing (lower-link-missing)",
        "name taken (name-taken)",
        "gc: no orphans",
        "links left: 0",
    ] {
        assert!(t.contains(want), "missing {want:?} in\n{t}");
    }
    // After the change the link is on VLAN 12.
    let s4 = &t[t.find("== 4.").unwrap()..t.find("== 5.").unwrap()];
    assert!(s4.contains("2:8:20:a0:0:1  12   netzone  ok"), "{s4}");
}

#[test]
fn gc_leaves_the_agents_links_alone() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let out = Command::new(example())
        .arg("--root")
        .arg(root)
        .arg("--leave-up")
        .output()
        .expect("run example");
    assert!(out.status.success(), "{}", text(&out));
    let show = |args: &[&str]| {
        let o = netzone(root, args);
        assert!(o.status.success(), "{}", text(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    assert_eq!(
        show(&["show", "-p", "-o", "link,zone,owner,state"]),
        "agent1n0:agent1:netzone:ok\n"
    );
    let gc = show(&["gc"]);
    assert!(gc.contains("no orphans"), "{gc}");
    assert_eq!(
        show(&["show", "agent1", "-p", "-o", "link,vid,state"]),
        "agent1n0:12:ok\n",
        "the link survived gc"
    );
    // Without the client's mark the same link is an orphan, which is what the mark prevents.
    std::fs::remove_file(root.join("etc/netzone/clients/agent1.json")).unwrap();
    let dry = show(&["gc", "--dry-run"]);
    assert!(dry.contains("agent1n0"), "{dry}");
}
