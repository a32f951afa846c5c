//! sim-zoneadm's refusals and usage errors, with zoneadm's messages and exit statuses
//! (zoneadm.c `main`, `usage`, `sanity_check`, `verify_details`; zoneadmd.c `server`).

mod zone_support;

use netzone_sim::state::Flavour;
use zone_support::*;

fn sim() -> Sim {
    let s = Sim::new(Flavour::Gate, &["net0"]);
    s.brand("sparse", "");
    s.zone("web1", "sparse", true, &[], "installed");
    s.zone("cfg1", "sparse", true, &[], "configured");
    s
}

#[test]
fn unknown_zone() {
    let s = sim();
    for sub in ["boot", "halt", "list"] {
        let o = s.zoneadm(&["-z", "nope", sub]);
        assert_eq!(code(&o), 1, "{sub}");
        assert_eq!(
            stderr(&o),
            "zoneadm: nope: No such zone configured\n",
            "{sub}"
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    let s = sim();
    for args in [
        &[][..],
        &["frobnicate"][..],
        &["-q", "list"][..],
        &["-z"][..],
    ] {
        let o = s.zoneadm(args);
        assert_eq!(code(&o), 2, "{args:?}");
        assert!(
            stderr(&o).contains("usage:\tzoneadm help\n"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
    let o = s.zoneadm(&["-z", "web1", "ready", "now"]);
    assert_eq!(code(&o), 2);
    assert_eq!(stderr(&o), "usage:\tready\n");
    let o = s.zoneadm(&["-z", "web1", "halt", "-x"]);
    assert_eq!(code(&o), 2);
    let o = s.zoneadm(&["help"]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("reboot [-- boot_arguments]\n"));
}

#[test]
fn state_checks() {
    let s = sim();
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["-z", "cfg1", "ready"],
            1,
            "zoneadm: zone 'cfg1': must be installed before ready.\n",
        ),
        (
            &["-z", "cfg1", "boot"],
            1,
            "zoneadm: zone 'cfg1': must be installed before boot.\n",
        ),
        (
            &["-z", "cfg1", "halt"],
            1,
            "zoneadm: zone 'cfg1': halt operation is invalid for zones in state 'configured'\n",
        ),
        (
            &["-z", "web1", "reboot"],
            1,
            "zoneadm: zone 'web1': not running\n",
        ),
        (
            &["-z", "web1", "halt"],
            0,
            "zoneadm: zone 'web1': zone is already halted\n",
        ),
        (
            &["-z", "global", "boot"],
            1,
            "zoneadm: zone 'global': boot operation is invalid for the global zone.\n",
        ),
    ];
    for (args, want_code, want_err) in cases {
        let o = s.zoneadm(args);
        assert_eq!(
            (code(&o), stderr(&o).as_str()),
            (*want_code, *want_err),
            "{args:?}"
        );
    }
    assert_eq!(code(&s.zoneadm(&["-z", "web1", "ready"])), 0);
    let o = s.zoneadm(&["-z", "web1", "ready"]);
    assert_eq!(
        (code(&o), stderr(&o)),
        (0, "zoneadm: zone 'web1': zone is already ready\n".into())
    );
    let o = s.zoneadm(&["-z", "web1", "reboot"]);
    assert_eq!(
        (code(&o), stderr(&o)),
        (
            1,
            "zoneadm: zone 'web1': reboot operation is invalid for zones in state 'ready'\n".into()
        )
    );
    assert_eq!(code(&s.zoneadm(&["-z", "web1", "boot"])), 0);
    let o = s.zoneadm(&["-z", "web1", "boot"]);
    assert_eq!(
        (code(&o), stderr(&o)),
        (0, "zoneadm: zone 'web1': zone is already booted\n".into())
    );
    // boot -f boots an incomplete zone (Z_FORCEBOOT); plain boot refuses it.
    s.zone("inc1", "sparse", false, &[], "incomplete");
    let o = s.zoneadm(&["-z", "inc1", "boot"]);
    assert_eq!(
        (code(&o), stderr(&o)),
        (
            1,
            "zoneadm: zone 'inc1': must be installed before boot.\n".into()
        )
    );
    let o = s.zoneadm(&["-z", "inc1", "boot", "-f"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(s.state("inc1"), "running");
    assert_eq!(code(&s.zoneadm(&["-z", "inc1", "halt"])), 0);
    assert_eq!(s.state("inc1"), "incomplete");
    // No hook ran for the no-op requests.
    assert_eq!(
        s.take_hooks(),
        vec![
            "pre(2,0)",
            "post(2,0)",
            "pre(3,1)",
            "post(3,1)",
            "pre(2,0)",
            "post(2,0)",
            "pre(2,1)",
            "post(2,1)",
            "pre(4,4)",
            "post(4,4)"
        ]
    );
}

#[test]
fn configuration_problems() {
    let s = sim();
    // Brand directory missing.
    s.zone("nob", "nosuchbrand", false, &[], "installed");
    let o = s.zoneadm(&["-z", "nob", "ready"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "zoneadm: zone 'nob': missing or invalid brand\n"
    );
    // A config.xml without its platform.xml (libbrand brand_open opens both).
    s.brand("noplat", "");
    std::fs::remove_file(s.root.join("usr/lib/brand/noplat/platform.xml")).unwrap();
    s.zone("np", "noplat", false, &[], "installed");
    let o = s.zoneadm(&["-z", "np", "ready"]);
    assert_eq!(code(&o), 1);
    assert_eq!(stderr(&o), "zoneadm: zone 'np': missing or invalid brand\n");
    // Zonepath differs between the XML and the index.
    s.zone("mis", "sparse", false, &[], "installed");
    let xml = std::fs::read_to_string(s.root.join("etc/zones/mis.xml"))
        .unwrap()
        .replace("/zones/mis", "/zones/elsewhere");
    std::fs::write(s.root.join("etc/zones/mis.xml"), xml).unwrap();
    let o = s.zoneadm(&["-z", "mis", "boot"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "The XML repository has zonepath '/zones/elsewhere',\n\
         but the index file has zonepath '/zones/mis'.\n\
         These must match, so fix the incorrect entry.\n"
    );
    // Unparseable XML.
    std::fs::write(s.root.join("etc/zones/mis.xml"), "<zone").unwrap();
    let o = s.zoneadm(&["-z", "mis", "ready"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "zoneadm: zone 'mis': missing or invalid brand\n"
    );
    // Alternate root.
    let o = s.zoneadm(&["-R", s.root.to_str().unwrap(), "-z", "web1", "ready"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "zoneadm: zone 'web1': cannot ready zone in alternate root\n"
    );
    let o = s.zoneadm(&["-R", "relative", "list"]);
    assert_eq!(
        (code(&o), stderr(&o)),
        (1, "zoneadm: root path must be absolute.\n".into())
    );
    // Subcommands the sim does not model.
    let o = s.zoneadm(&["-z", "web1", "install"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "zoneadm: zone 'web1': install is not supported by the simulated host\n"
    );
}

#[test]
fn root_must_be_set() {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_sim-zoneadm"))
        .arg("list")
        .env_remove("ILLUMOS_SIM_ROOT")
        .output()
        .unwrap();
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("ILLUMOS_SIM_ROOT is not set"));
    // A root without a simulated host.
    let dir = tempfile::tempdir().unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_sim-zoneadm"))
        .arg("list")
        .env("ILLUMOS_SIM_ROOT", dir.path())
        .output()
        .unwrap();
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("illumos-sim init"), "{}", stderr(&o));
}
