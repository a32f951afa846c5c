//! The sim's plumbing as processes see it: injected faults (fail/crash, before/after, nth),
//! the command log, latency, the state lock under 50 concurrent commands, and the
//! `illumos-sim` control tool.

mod dladm_support;

use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use dladm_support::{Run, Sim, DLADM, SIM};

#[test]
fn fail_faults_fire_once_at_the_nth_run_before_or_after() {
    let s = Sim::new("gate");
    s.sim(&[
        "fault",
        "add",
        "--cmd",
        "create-vnic",
        "--nth",
        "2",
        "--when",
        "before",
        "--action",
        "fail",
    ])
    .ok();
    s.sim(&[
        "fault",
        "add",
        "--cmd",
        "rename-link",
        "--when",
        "after",
        "--action",
        "fail",
    ])
    .ok();
    assert_eq!(
        s.sim(&["fault", "list"]).ok(),
        "create-vnic nth=2 seen=0 when=before action=fail\nrename-link nth=1 seen=0 when=after action=fail\n"
    );
    s.dladm(&["create-vnic", "-t", "-l", "net0", "v1"]).ok();
    // Second create-vnic: fails before any effect.
    s.dladm(&["create-vnic", "-t", "-l", "net0", "v2"])
        .fails_with("dladm: create-vnic: injected failure (before) from illumos-sim\n");
    assert!(s.link("global", "v2").is_none());
    // Third: the fault is gone.
    s.dladm(&["create-vnic", "-t", "-l", "net0", "v3"]).ok();
    // After-fault: the rename happened, then the command reports failure.
    s.dladm(&["rename-link", "v3", "v4"])
        .fails_with("dladm: rename-link: injected failure (after) from illumos-sim\n");
    assert!(s.link("global", "v4").is_some());
    s.dladm(&["rename-link", "v4", "v5"]).ok();
    assert_eq!(s.sim(&["fault", "list"]).ok(), "");
    s.sim(&[
        "fault",
        "add",
        "--cmd",
        "show-link",
        "--when",
        "after",
        "--action",
        "fail",
    ])
    .ok();
    s.sim(&["fault", "clear"]).ok();
    s.dladm(&["show-link"]).ok();
}

/// Runs sim-dladm under a shell that would print "survived" if it were not killed.
fn under_wrapper(s: &Sim, args: &[&str]) -> (std::process::ExitStatus, String) {
    let out = s
        .cmd("/bin/sh")
        .arg("-c")
        .arg("\"$0\" \"$@\"; echo survived")
        .arg(DLADM)
        .args(args)
        .stderr(Stdio::null())
        .output()
        .unwrap();
    (
        out.status,
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn crash_faults_kill_the_calling_process() {
    let s = Sim::new("joyent");
    s.sim(&[
        "fault",
        "add",
        "--cmd",
        "create-vnic",
        "--when",
        "after",
        "--action",
        "crash",
    ])
    .ok();
    let (st, out) = under_wrapper(&s, &["create-vnic", "-t", "-l", "net0", "v1"]);
    assert_eq!(st.signal(), Some(9), "the parent was SIGKILLed");
    assert!(!out.contains("survived"));
    assert!(
        s.link("global", "v1").is_some(),
        "after: the effect is applied"
    );
    s.sim(&[
        "fault",
        "add",
        "--cmd",
        "create-vnic",
        "--when",
        "before",
        "--action",
        "crash",
    ])
    .ok();
    let (st, _) = under_wrapper(&s, &["create-vnic", "-t", "-l", "net0", "v2"]);
    assert_eq!(st.signal(), Some(9));
    assert!(s.link("global", "v2").is_none(), "before: no effect");
    // Each fault fired once.
    let (st, out) = under_wrapper(&s, &["create-vnic", "-t", "-l", "net0", "v2"]);
    assert!(st.success() && out.contains("survived"));
}

#[test]
fn every_command_is_logged_with_pid_and_argv() {
    let s = Sim::new("gate");
    let child = s
        .cmd(DLADM)
        .args(["create-vnic", "-t", "-l", "net0", "it's", "a b"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let r = child.wait_with_output().unwrap();
    assert_eq!(r.status.code(), Some(1));
    s.dladm(&["show-link", "-p", "-o", "link"]).ok();
    let lines = s.log_lines();
    assert_eq!(lines.len(), 2);
    let f: Vec<&str> = lines[0].splitn(4, ' ').collect();
    let (secs, ms) = f[0].split_once('.').unwrap();
    assert!(secs.parse::<u64>().unwrap() > 1_600_000_000 && ms.len() == 3);
    assert_eq!(f[1], pid.to_string());
    assert_eq!(f[2], std::process::id().to_string(), "ppid is the caller");
    assert_eq!(f[3], "sim-dladm create-vnic -t -l net0 'it'\\''s' 'a b'");
    assert!(lines[1].ends_with(" sim-dladm show-link -p -o link"));
    assert_eq!(
        s.sim(&["log"]).ok(),
        format!("{}\n{}\n", lines[0], lines[1])
    );
}

#[test]
fn fifty_concurrent_create_vnics_give_fifty_links() {
    let s = Sim::new("joyent");
    let children: Vec<_> = (0..50)
        .map(|i| {
            s.cmd(DLADM)
                .args([
                    "create-vnic",
                    "-t",
                    "-l",
                    if i % 2 == 0 { "net0" } else { "stub0" },
                ])
                .arg(format!("vnic{i}"))
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let st = s.state();
    let vnics: Vec<&serde_json::Value> = st["links"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["class"] == "vnic")
        .collect();
    assert_eq!(vnics.len(), 50);
    let mut names: Vec<&str> = vnics.iter().map(|l| l["name"].as_str().unwrap()).collect();
    let mut macs: Vec<&str> = vnics
        .iter()
        .map(|l| l["macaddress"].as_str().unwrap())
        .collect();
    let mut ids: Vec<u64> = vnics.iter().map(|l| l["id"].as_u64().unwrap()).collect();
    names.sort();
    names.dedup();
    macs.sort();
    macs.dedup();
    ids.sort();
    ids.dedup();
    assert_eq!((names.len(), macs.len(), ids.len()), (50, 50, 50));
    assert_eq!(s.log_lines().len(), 50);
    // The same names again all collide, concurrently too.
    let children: Vec<_> = (0..10)
        .map(|i| {
            s.cmd(DLADM)
                .args(["create-vnic", "-t", "-l", "net0", &format!("vnic{i}")])
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert_eq!(c.wait().unwrap().code(), Some(1));
    }
    assert_eq!(s.state()["links"].as_array().unwrap().len(), 53);
}

#[test]
fn latency_is_slept_outside_the_lock() {
    let s = Sim::new("gate");
    let t = Instant::now();
    let children: Vec<_> = (0..4)
        .map(|_| {
            s.cmd(DLADM)
                .env("ILLUMOS_SIM_LATENCY_MS", "400")
                .args(["show-link"])
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let e = t.elapsed();
    assert!(e >= Duration::from_millis(400), "{e:?}");
    assert!(
        e < Duration::from_millis(1400),
        "4 x 400 ms ran in parallel: {e:?}"
    );
}

#[test]
fn illumos_sim_cli_contract() {
    let s = Sim::new("gate");
    // Usage errors exit 2.
    for args in [
        &[][..],
        &["bogus"],
        &["state", "--nope"],
        &["init", "--root", "/tmp/x"],
        &[
            "init",
            "--root",
            "/tmp/x",
            "--phys",
            "net0",
            "--flavour",
            "solaris",
        ],
        &[
            "fault", "add", "--cmd", "x", "--when", "later", "--action", "fail",
        ],
        &[
            "fault", "add", "--cmd", "x", "--when", "after", "--action", "explode",
        ],
        &[
            "fault", "add", "--cmd", "x", "--nth", "0", "--when", "after", "--action", "fail",
        ],
        &["dlmgmtd", "restart"],
    ] {
        let r = s.sim(args);
        assert_eq!(r.code, 2, "{args:?}: {r:?}");
        assert!(r.err.contains("usage: illumos-sim"));
    }
    // Errors exit 1.
    let empty = tempfile::tempdir().unwrap();
    let r: Run = Command::new(SIM)
        .args(["state", "--json", "--root"])
        .arg(empty.path())
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 1);
    assert!(r.err.contains("no simulated host here"), "{r:?}");
    let r: Run = Command::new(SIM)
        .args(["init", "--phys", "net", "--root"])
        .arg(empty.path())
        .output()
        .unwrap()
        .into();
    assert_eq!(
        (r.code, r.err.as_str()),
        (1, "illumos-sim: phys link 'net': invalid link\n")
    );
    // --root falls back to ILLUMOS_SIM_ROOT (Sim::sim sets only the env).
    let st = s.state();
    assert_eq!(st["flavour"], "gate");
    assert_eq!(st["dlmgmtd"], "online");
    for key in [
        "name",
        "zone",
        "class",
        "over",
        "macaddress",
        "vid",
        "mtu",
        "transient",
        "temporary",
    ] {
        assert!(st["links"][0].get(key).is_some(), "{key}");
    }
    assert_eq!(st["links"][0]["zone"], "global");
    assert_eq!(st["links"][0]["over"], serde_json::Value::Null);
    s.zone("z1", true);
    let z = &s.state()["zones"][0];
    assert_eq!(
        (z["name"].as_str(), z["id"].as_u64(), z["state"].as_str()),
        (Some("z1"), Some(1), Some("ready"))
    );
    // The human view is there too.
    assert!(s.sim(&["state"]).ok().contains("stub0"));
    // Distinct factory MACs for phys links.
    assert_ne!(st["links"][0]["macaddress"], st["links"][1]["macaddress"]);
}
