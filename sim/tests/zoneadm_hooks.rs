//! sim-zoneadm playing zoneadmd: brand hook order, arguments and exit-status rules
//! (zoneadmd.c `zone_ready`/`zone_bootup`/`zone_halt`/`server`), driven as processes.

mod zone_support;

use netzone_sim::state::Flavour;
use zone_support::*;

fn sim(flavour: Flavour) -> Sim {
    let s = Sim::new(flavour, &["net0", "e1000g0"]);
    s.brand("sparse", "");
    s.zone("web1", "sparse", true, &[], "installed");
    s
}

#[test]
fn boot_halt_reboot_hook_order_and_arguments() {
    let s = sim(Flavour::Gate);
    let o = s.zoneadm(&["-z", "web1", "boot"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // `exec HOOK pre web1 /zones/web1 2 0 ` : five words, the trailing space adds none.
    assert_eq!(
        s.take_hook_lines(),
        vec![
            "pre(2,0) web1 /zones/web1 args=5",
            "post(2,0) web1 /zones/web1 args=5",
            "pre(2,1) web1 /zones/web1 args=5",
            "post(2,1) web1 /zones/web1 args=5",
        ]
    );
    assert_eq!(s.state("web1"), "running");

    let o = s.zoneadm(&["-z", "web1", "reboot"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        s.take_hooks(),
        vec![
            "pre(4,4)",
            "post(4,4)",
            "pre(4,0)",
            "post(4,0)",
            "pre(4,1)",
            "post(4,1)"
        ]
    );

    let o = s.zoneadm(&["-z", "web1", "halt"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(s.take_hooks(), vec!["pre(4,4)", "post(4,4)"]);
    assert_eq!(s.state("web1"), "installed");

    // ready then boot from ready.
    assert_eq!(code(&s.zoneadm(&["-z", "web1", "ready"])), 0);
    assert_eq!(s.take_hooks(), vec!["pre(2,0)", "post(2,0)"]);
    assert_eq!(s.state("web1"), "ready");
    assert_eq!(code(&s.zoneadm(&["-z", "web1", "boot"])), 0);
    assert_eq!(s.take_hooks(), vec!["pre(3,1)", "post(3,1)"]);
    // ready from running = halt + ready.
    assert_eq!(code(&s.zoneadm(&["-z", "web1", "ready"])), 0);
    assert_eq!(
        s.take_hooks(),
        vec!["pre(4,4)", "post(4,4)", "pre(4,0)", "post(4,0)"]
    );
}

#[test]
fn failing_pre_ready_aborts_before_the_zone_exists() {
    for (flavour, hooks) in [
        // joyent zoneadmd.c: `goto bad` runs the cleanup post(READY, HALT).
        (Flavour::Joyent, vec!["pre(2,0)", "post(3,4)"]),
        // gate/OmniOS: no cleanup hook after a failing pre-ready.
        (Flavour::Gate, vec!["pre(2,0)"]),
    ] {
        let s = sim(flavour);
        s.fail_hooks(&["pre(2,0)"]);
        let o = s.zoneadm(&["-z", "web1", "boot"]);
        assert_eq!(code(&o), 1);
        assert_eq!(
            stderr(&o),
            "zoneadm: zone 'web1': hook pre(2,0) says no\n\
             zoneadm: zone 'web1': call to zoneadmd failed\n",
            "{flavour:?}"
        );
        // Boot's failure path calls zone_halt(installed): pre(2,4) runs, the teardown finds
        // no kernel zone and fails quietly (bringup_failure_recovery), so no post(2,4).
        let mut want = hooks.clone();
        want.push("pre(2,4)");
        assert_eq!(s.take_hooks(), want, "{flavour:?}");
        assert_eq!(s.state("web1"), "installed");
        assert!(s.host().zone("web1").is_none());

        let o = s.zoneadm(&["-z", "web1", "ready"]);
        assert_eq!(code(&o), 1);
        assert_eq!(s.take_hooks(), hooks, "{flavour:?}");
        assert!(s.host().zone("web1").is_none());
    }
}

#[test]
fn failing_post_ready_fails_but_leaves_a_plain_ready_zone_up() {
    let s = sim(Flavour::Gate);
    s.fail_hooks(&["post(2,0)"]);
    let o = s.zoneadm(&["-z", "web1", "ready"]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).ends_with("zoneadm: zone 'web1': call to zoneadmd failed\n"));
    assert_eq!(s.take_hooks(), vec!["pre(2,0)", "post(2,0)", "post(3,4)"]);
    // zoneadm ready does no halt: the zone is ready.
    assert_eq!(s.state("web1"), "ready");
    let o = s.zoneadm(&["-z", "web1", "halt"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(s.take_hooks(), vec!["pre(3,4)", "post(3,4)"]);

    // On the boot path the failed ready is followed by a halt.
    let o = s.zoneadm(&["-z", "web1", "boot"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        s.take_hooks(),
        vec![
            "pre(2,0)",
            "post(2,0)",
            "post(3,4)",
            "pre(2,4)",
            "post(2,4)"
        ]
    );
    assert_eq!(s.state("web1"), "installed");
}

#[test]
fn failing_post_boot_halts_the_zone() {
    let s = sim(Flavour::Joyent);
    s.fail_hooks(&["post(2,1)", "post(4,4)"]);
    let o = s.zoneadm(&["-z", "web1", "boot"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        s.take_hooks(),
        vec![
            "pre(2,0)",
            "post(2,0)",
            "pre(2,1)",
            "post(2,1)",
            "post(4,4)",
            "pre(2,4)",
            "post(2,4)"
        ]
    );
    assert_eq!(s.state("web1"), "installed");
}

#[test]
fn failing_pre_halt_aborts_the_halt() {
    let s = sim(Flavour::Gate);
    assert_eq!(code(&s.zoneadm(&["-z", "web1", "boot"])), 0);
    s.take_hooks();
    s.fail_hooks(&["pre(4,4)"]);
    let o = s.zoneadm(&["-z", "web1", "halt"]);
    assert_eq!(code(&o), 1);
    // halt_func adds no message of its own.
    assert_eq!(stderr(&o), "zoneadm: zone 'web1': hook pre(4,4) says no\n");
    assert_eq!(s.take_hooks(), vec!["pre(4,4)"]);
    assert_eq!(s.state("web1"), "running");
    // post-halt failing: the teardown has happened, the halt still fails.
    s.fail_hooks(&["post(4,4)"]);
    let o = s.zoneadm(&["-z", "web1", "halt"]);
    assert_eq!(code(&o), 1);
    assert_eq!(s.take_hooks(), vec!["pre(4,4)", "post(4,4)"]);
    assert_eq!(s.state("web1"), "installed");
}

#[test]
fn hook_runs_with_zoneadm_environment_and_null_stdin_and_output_is_relayed() {
    let s = Sim::new(Flavour::Joyent, &["net0"]);
    let script = s.root.join("envhook");
    write_exec(
        &script,
        "#!/bin/sh\nread line; echo \"stdin=[$line] FOO=$FOO res=[$_ZONECFG_net_resources]\"\necho \"to stderr\" >&2\nexit 0\n",
    );
    std::fs::create_dir_all(s.root.join("usr/lib/brand/envb")).unwrap();
    std::fs::write(
        s.root.join("usr/lib/brand/envb/config.xml"),
        format!(
            "<brand name=\"envb\"><prestatechange>/bin/sh {} %z</prestatechange></brand>",
            script.display()
        ),
    )
    .unwrap();
    write_platform(&s.root, "envb");
    s.zone("e1", "envb", true, &["net0"], "installed");
    let o = s
        .zoneadm_cmd(&["-z", "e1", "ready"])
        .env("FOO", "bar")
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "zoneadm: zone 'e1': stdin=[] FOO=bar res=[net0 ]\nzoneadm: zone 'e1': to stderr\n"
    );
}

#[test]
fn hook_killed_by_a_signal_or_not_executable() {
    let s = Sim::new(Flavour::Gate, &[]);
    std::fs::create_dir_all(s.root.join("usr/lib/brand/kb")).unwrap();
    std::fs::write(
        s.root.join("usr/lib/brand/kb/config.xml"),
        "<brand name=\"kb\"><prestatechange>kill -9 $$; :</prestatechange></brand>",
    )
    .unwrap();
    write_platform(&s.root, "kb");
    s.zone("k1", "kb", false, &[], "installed");
    let o = s.zoneadm(&["-z", "k1", "ready"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "zoneadm: zone 'k1': exec kill -9 $$; : 2 0  unexpectedly terminated due to signal 9\n\
         zoneadm: zone 'k1': call to zoneadmd failed\n"
    );
}

#[test]
fn zoneadm_runs_obey_faults_per_subcommand() {
    use netzone_sim::fault::{Action, Fault, When};
    let s = sim(Flavour::Gate);
    assert_eq!(code(&s.zoneadm(&["-z", "web1", "boot"])), 0);
    s.take_hooks();
    s.with_host(|h| {
        h.faults
            .push(Fault::new("zoneadm-halt", 1, When::Before, Action::Fail))
    });
    // Other subcommands do not count towards it.
    assert_eq!(code(&s.zoneadm(&["list", "-p"])), 0);
    let o = s.zoneadm(&["-z", "web1", "halt"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "zoneadm: zoneadm-halt: injected failure (before) from illumos-sim\n"
    );
    assert!(s.take_hooks().is_empty());
    assert_eq!(s.state("web1"), "running");
    s.with_host(|h| {
        h.faults
            .push(Fault::new("zoneadm-halt", 1, When::After, Action::Fail))
    });
    let o = s.zoneadm(&["-z", "web1", "halt"]);
    assert_eq!(code(&o), 1);
    assert_eq!(s.take_hooks(), vec!["pre(4,4)", "post(4,4)"]);
    assert_eq!(s.state("web1"), "installed");
}
