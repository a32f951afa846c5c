//! `netzone-statechange` as zoneadmd and operators run it: no-op calls spawn nothing, bad
//! arguments fail with usage, `--chain` runs the brand's hook with the same arguments and its
//! exit status counts, errors name zone and net.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use common::{NetSpec, Sim};

/// A chained "brand hook" that appends its arguments to `<root>/chain.log` and exits `status`.
fn chain_script(sim: &Sim, status: i32) -> PathBuf {
    let p = sim.root().join(format!("chain{status}"));
    let log = sim.root().join("chain.log");
    std::fs::write(
        &p,
        format!(
            "#!/bin/sh\necho \"$# $*\" >> '{}'\nexit {status}\n",
            log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

fn chain_log(sim: &Sim) -> Vec<String> {
    std::fs::read_to_string(sim.root().join("chain.log"))
        .unwrap_or_default()
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn calls_with_nothing_to_do_spawn_nothing() {
    let mut sim = Sim::new("joyent", &["e1000g0"]);
    sim.add_zone("web1", &[NetSpec::new("net0", "e1000g0")]);
    // Any process netzone tried to start would fail.
    sim.env
        .push(("NETZONE_DLADM".into(), "/nonexistent/dladm".into()));
    sim.env
        .push(("NETZONE_ZONECFG".into(), "/nonexistent/zonecfg".into()));
    let before = sim.log().len();
    for args in [
        &["pre", "web1", "/zones/web1", "3", "1"][..], // pre-boot
        &["post", "web1", "/zones/web1", "3", "1", ""], // post-boot, empty ALTROOT
        &["pre", "web1", "/zones/web1", "4", "4"],     // pre-halt of a running zone
        &[
            "post",
            "web1",
            "/zones/web1",
            "6",
            "8",
            "/zones/web1/root/mnt",
        ], // SmartOS unmount
        &["pre", "web1", "/zones/web1", "99", "0"],    // OmniOS sysboot
        &["post", "web1", "/zones/web1", "42", "4"],   // unknown state
        &["pre", "web1", "/zones/web1", "2", "5"],     // unknown command
    ] {
        let r = sim.statechange(args).ok();
        assert_eq!(r.stderr(), "", "{args:?}");
    }
    assert_eq!(sim.log().len(), before, "no sim command ran");
    assert!(!sim.root().join("etc/svc/volatile/netzone").exists());
}

#[test]
fn bad_arguments_fail_with_usage() {
    let sim = Sim::new("joyent", &["e1000g0"]);
    for args in [
        &[][..],
        &["pre", "web1", "/zones/web1", "3"],
        &["sideways", "web1", "/zones/web1", "3", "0"],
        &["pre", "no zone", "/zones/web1", "3", "0"],
        &["pre", "web1", "/zones/web1", "three", "0"],
        &["pre", "web1", "/zones/web1", "3", "0", "/a", "extra"],
        &["--chain"],
        &["--bogus", "x", "pre", "web1", "/zones/web1", "3", "0"],
        // Issue 12: a ZONEPATH with a blank, split by zoneadmd's sh -c, shifts the arguments
        // (this one used to halt against a root named `4`); signs are not what %d prints;
        // an option word is not a program.
        &["post", "web1", "/zones/my", "3", "4", "4"],
        &["pre", "web1", "/zones/web1", "+2", "0"],
        &["pre", "web1", "/zones/web1", "2", "+0"],
        &["--chain", "--", "pre", "web1", "/zones/web1", "2", "0"],
    ] {
        let r = sim.statechange(args).fails();
        assert_eq!(r.code(), Some(2), "{args:?}");
        assert!(
            r.stderr().contains("usage: netzone-statechange"),
            "{args:?}: {}",
            r.stderr()
        );
    }
}

#[test]
fn chain_runs_with_the_same_arguments_and_its_status_counts() {
    let sim = Sim::new("joyent", &["e1000g0"]);
    sim.add_zone("web1", &[NetSpec::new("net0", "e1000g0")]);
    let ok = chain_script(&sim, 0);
    let bad = chain_script(&sim, 3);
    let okp = ok.display().to_string();
    let badp = bad.display().to_string();

    // Through zoneadm: the brand hook is wrapped; boot and halt work and the chain saw every call.
    sim.install_brand(common::BRAND, Some(&format!("--chain {okp}")));
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    assert_eq!(sim.vnics().len(), 1);
    sim.zoneadm(&["-z", "web1", "halt"]).ok();
    assert_eq!(sim.vnics(), vec![]);
    let calls = chain_log(&sim);
    assert!(
        calls.contains(&"5 pre web1 /zones/web1 2 0".to_string()),
        "{calls:?}"
    );
    assert!(
        calls
            .iter()
            .any(|c| c.starts_with("5 post web1 /zones/web1 4 4")),
        "{calls:?}"
    );

    // A failing chained hook on the creating call (joyent post-ready) stops netzone first.
    let r = sim
        .statechange(&["--chain", &badp, "post", "web1", "/zones/web1", "2", "0"])
        .fails();
    assert_eq!(r.code(), Some(3));
    assert_eq!(sim.vnics(), vec![]);

    // OmniOS-style prestate/poststate: no phase word; only on their phase.
    let n = chain_log(&sim).len();
    sim.statechange(&["--chain-pre", &okp, "pre", "web1", "/zones/web1", "3", "1"])
        .ok();
    sim.statechange(&["--chain-pre", &okp, "post", "web1", "/zones/web1", "3", "1"])
        .ok();
    let calls = chain_log(&sim);
    assert_eq!(calls[n..], ["4 web1 /zones/web1 3 1".to_string()]);

    // A failing chained hook on a halt still lets netzone clean up, and its status is kept.
    sim.install_brand(common::BRAND, None);
    sim.zoneadm(&["-z", "web1", "ready"]).ok();
    assert_eq!(sim.vnics().len(), 1);
    let r = sim
        .statechange(&[
            "--chain-post",
            &badp,
            "post",
            "web1",
            "/zones/web1",
            "3",
            "4",
        ])
        .fails();
    assert_eq!(r.code(), Some(3));
    assert!(sim.journal("web1").is_none(), "netzone cleaned up");
    // A missing chained program is an error too.
    sim.statechange(&[
        "--chain",
        "/nonexistent/hook",
        "pre",
        "web1",
        "/zones/web1",
        "2",
        "0",
    ])
    .fails();
}

#[test]
fn errors_name_zone_and_net_and_create_nothing() {
    // joyent: pre-ready validates; a bad configuration stops the ready with its message.
    let sim = Sim::new("joyent", &["e1000g0"]);
    let zones = sim.root().join("etc/zones");
    sim.add_zone("web1", &[NetSpec::new("net0", "e1000g0")]);
    let xml = std::fs::read_to_string(zones.join("web1.xml"))
        .unwrap()
        .replace(
            "global-nic=\"e1000g0\"",
            "global-nic=\"e1000g0\" vlan-id=\"5000\"",
        );
    std::fs::write(zones.join("web1.xml"), xml).unwrap();
    let r = sim.zoneadm(&["-z", "web1", "boot"]).fails();
    let all = r.stdout() + &r.stderr();
    assert!(all.contains("zone 'web1'") && all.contains("5000"), "{all}");
    assert_eq!(sim.vnics(), vec![]);

    // A global NIC that does not exist: dladm's own message, with zone and net.
    let sim = Sim::new("joyent", &["e1000g0"]);
    sim.add_zone("web2", &[NetSpec::new("net0", "nosuch0")]);
    let r = sim.zoneadm(&["-z", "web2", "boot"]).fails();
    let all = r.stdout() + &r.stderr();
    assert!(
        all.contains("netzone: zone 'web2': net 'net0': dladm create-vnic: "),
        "{all}"
    );
    assert_eq!(sim.vnics(), vec![]);
    assert!(sim.journal("web2").is_none());
}

#[test]
fn a_chained_hook_or_dladm_that_leaves_a_background_process_does_not_hold_the_hook() {
    // The issue-12 case: a brand hook doing `sleep 20 &` held netzone-statechange 20 s with
    // NETZONE_CHAIN_TIMEOUT=2, and a dladm wrapper doing the same held every dladm call.
    let mut sim = Sim::new("joyent", &["e1000g0"]);
    sim.add_zone("web1", &[NetSpec::new("net0", "e1000g0")]);
    let hook = sim.root().join("bg-hook");
    std::fs::write(&hook, "#!/bin/sh\nsleep 20 &\nexit 0\n").unwrap();
    let wrapper = sim.root().join("bg-dladm");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nsleep 20 &\nexec '{}' \"$@\"\n",
            sim.bin.join("sim-dladm").display()
        ),
    )
    .unwrap();
    for p in [&hook, &wrapper] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    sim.env.push(("NETZONE_CHAIN_TIMEOUT".into(), "2".into()));
    sim.env.push(("NETZONE_FLAVOUR".into(), "joyent".into()));
    let t = std::time::Instant::now();
    let hookp = hook.display().to_string();
    sim.statechange(&["--chain", &hookp, "pre", "web1", "/zones/web1", "3", "1"])
        .ok();
    assert!(
        t.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        t.elapsed()
    );

    // exec keeps the background sleep in the wrapper's group and on its pipes.
    sim.env
        .push(("NETZONE_DLADM".into(), wrapper.display().to_string()));
    sim.env.push(("NETZONE_TIMEOUT".into(), "15".into()));
    let t = std::time::Instant::now();
    sim.zoneadm(&["-z", "web1", "ready"]).ok();
    assert_eq!(sim.vnics().len(), 1);
    sim.zoneadm(&["-z", "web1", "halt"]).ok();
    assert!(
        t.elapsed() < std::time::Duration::from_secs(8),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(sim.vnics(), vec![]);
}

#[test]
fn netzone_root_empty_means_unset_and_relative_is_refused() {
    let mut sim = Sim::told("joyent", &["e1000g0"]);
    sim.env
        .push(("NETZONE_ROOT".into(), "relative/root".into()));
    let r = sim
        .statechange(&["pre", "nosuchzone", "/zones/nosuchzone", "2", "0"])
        .fails();
    assert_eq!(r.code(), Some(2));
    assert!(
        r.stderr().starts_with(
            "netzone-statechange: NETZONE_ROOT 'relative/root' is not an absolute path\nusage: "
        ),
        "{}",
        r.stderr()
    );
    // Empty: the real root, "/", whose etc/zones has no such zone (never a relative etc/zones).
    sim.env.pop();
    sim.env.push(("NETZONE_ROOT".into(), String::new()));
    let r = sim
        .statechange(&["pre", "nosuchzone", "/zones/nosuchzone", "2", "0"])
        .fails();
    assert_eq!(r.code(), Some(1));
    assert!(
        r.stderr().contains("/etc/zones/nosuchzone.xml"),
        "{}",
        r.stderr()
    );
}

#[test]
fn sigterm_during_a_halt_hook_lets_its_teardown_finish() {
    // The post-halt hook's teardown is not cut short by SIGTERM: it removes every link and its
    // journal, then exits 128 + 15 saying so.
    let sim = Sim::new("joyent", &["e1000g0"]);
    let nets: Vec<NetSpec> = (0..3)
        .map(|i| NetSpec::new(&format!("net{i}"), "e1000g0"))
        .collect();
    sim.add_zone("web1", &nets);
    sim.netzone(&["--flavour", "joyent", "plan", "web1"]).ok();
    sim.zoneadm(&["-z", "web1", "ready"]).ok();
    assert_eq!(sim.vnics().len(), 3);
    let mut cmd = std::process::Command::new(Sim::statechange_path());
    cmd.args(["post", "web1", "/zones/web1", "3", "4", ""])
        .env("ILLUMOS_SIM_ROOT", sim.root())
        .env("NETZONE_ROOT", sim.root())
        .env("NETZONE_DLADM", sim.bin.join("sim-dladm"))
        .env("NETZONE_ZONEADM", sim.bin.join("sim-zoneadm"))
        .env("NETZONE_ZONECFG", sim.bin.join("sim-zonecfg"))
        .env("NETZONE_FLAVOUR", "joyent")
        .env("ILLUMOS_SIM_LATENCY_MS", "150")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    // Signalled once the teardown has started.
    let out = common::sigterm_once_started(&sim, &mut cmd);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(143), "{stderr}");
    assert_eq!(
        stderr,
        "netzone: zone 'web1': SIGTERM received: stopped after finishing the teardown\n"
    );
    assert!(sim.journal("web1").is_none(), "{stderr}");
    assert!(
        !sim.vnics()
            .iter()
            .any(|l| l.zone == "web1" || common::is_temp(&l.name)),
        "{:?}",
        sim.vnics()
    );
}
