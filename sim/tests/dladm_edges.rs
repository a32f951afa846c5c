//! Remaining option checks, filters and the sim-dladm environment's own errors.

mod dladm_support;

use std::process::Command;

use dladm_support::{Run, Sim, DLADM};

#[test]
fn option_checks_of_the_show_commands() {
    let s = Sim::new("joyent");
    let p = s.prog();
    let cases: &[(&[&str], String)] = &[
        (&["show-vnic", "-s", "-s"], format!("{p}: the option -s cannot be specified more than once\n")),
        (&["show-vnic", "-s", "-i", "1", "-i", "2"], format!("{p}: the option -i cannot be specified more than once\n")),
        (&["show-vnic", "-i", "0"], format!("{p}: invalid interval value '0'\n")),
        (&["show-vnic", "-i", "3"], format!("{p}: the option -i can be used only with -s\n")),
        (&["show-vnic", "-s"], format!("{p}: show-vnic -s (statistics) is not modelled by the illumos simulator\n")),
        (&["show-link", "-s", "-P"], format!("{p}: the option -P cannot be used with -s\n")),
        (&["show-link", "-i", "x", "-s"], format!("{p}: invalid interval value 'x'\n")),
        (&["show-link", "-s"], format!("{p}: show-link -s (statistics) is not modelled by the illumos simulator\n")),
        (&["show-link", "averyveryveryverylonglinkname0000"], format!("{p}: link name too long\n")),
        (&["show-phys", "-H"], format!("{p}: show-phys -H (hardware groups) is not modelled by the illumos simulator\n")),
        (&["show-linkprop", "-P", "net0"], format!("{p}: show-linkprop -P (persistent values) is not modelled by the illumos simulator\n")),
        (&["create-vnic", "-R", "/a", "-l", "net0", "v0"], format!("{p}: -R (alternate root) is not modelled by the illumos simulator\n")),
        (&["create-vnic", "-l", "averyveryveryverylonglinkname0000", "v0"], format!("{p}: link name too long\n")),
    ];
    for (args, err) in cases {
        s.dladm(args).fails_with(err);
    }
}

#[test]
fn filters_and_zone_selection() {
    let s = Sim::new("joyent");
    s.zone("z1", true);
    s.dladm(&["create-vnic", "-t", "-l", "net0", "a0"]).ok();
    s.dladm(&["create-vnic", "-t", "-l", "e1000g0", "b0"]).ok();
    s.dladm(&["create-vnic", "-t", "-l", "e1000g0", "-p", "zone=z1", "c0"])
        .ok();
    assert_eq!(
        s.dladm(&["show-vnic", "-p", "-o", "link", "-l", "e1000g0"])
            .ok(),
        "b0\nc0\n"
    );
    assert_eq!(
        s.dladm(&["show-vnic", "-p", "-o", "link", "-z", "z1"]).ok(),
        "c0\n"
    );
    // joyent's undocumented show-link -z, and show-linkprop -z as a walk filter.
    assert_eq!(
        s.dladm(&["show-link", "-z", "z1", "-p", "-o", "link,over", "c0"])
            .ok(),
        "c0:e1000g0\n"
    );
    assert_eq!(
        s.dladm(&[
            "show-linkprop",
            "-z",
            "z1",
            "-c",
            "-o",
            "link,value",
            "-p",
            "zone"
        ])
        .ok(),
        "c0:z1\n"
    );
    // An unknown -z zone falls back to the caller's namespace (getzoneidbyname -1)...
    assert_eq!(
        s.dladm(&["show-link", "-z", "nosuch", "-p", "-o", "link", "a0"])
            .ok(),
        "a0\n"
    );
    // ...but show-vnic then filters rows on the zone name, so it prints nothing, exit 0.
    assert_eq!(
        s.dladm(&["show-vnic", "-z", "nosuch", "-p", "-o", "link", "a0"])
            .ok(),
        ""
    );
    // Inside a zone, the lower link must be in the zone's namespace.
    let p = s.prog();
    s.dladm_in("z1", &["create-vnic", "-t", "-l", "net0", "d0"])
        .fails_with(&format!("{p}: invalid link name 'net0'\n"));
    assert_eq!(
        s.dladm_in("z1", &["show-vnic", "-p", "-o", "link,over,zone"])
            .ok(),
        "c0:?:z1\n"
    );
    // A VRRP VNIC.
    s.dladm(&[
        "create-vnic",
        "-t",
        "-l",
        "net0",
        "-m",
        "vrrp",
        "-V",
        "12",
        "-A",
        "inet6",
        "r0",
    ])
    .ok();
    assert_eq!(
        s.dladm(&["show-vnic", "-p", "-o", "macaddress,macaddrtype", "r0"])
            .ok(),
        "0\\:0\\:5e\\:0\\:2\\:c:vrrp, 12/inet6\n"
    );
    // show-phys -m lists the primary slot.
    assert_eq!(
        s.dladm(&[
            "show-phys",
            "-m",
            "-p",
            "-o",
            "link,slot,address,inuse",
            "e1000g0"
        ])
        .ok(),
        "e1000g0:primary:0\\:14\\:4f\\:a0\\:0\\:2:no\n"
    );
    // show-link -P omits temporary links and the MTU/STATE columns.
    assert_eq!(
        s.dladm(&["show-link", "-P"]).ok(),
        "LINK        CLASS     BRIDGE     OVER\nnet0        phys      --         --\ne1000g0     phys      --         --\nstub0       etherstub --         --\n"
    );
}

#[test]
fn sim_dladm_environment_errors() {
    let r: Run = Command::new(DLADM)
        .env_remove("ILLUMOS_SIM_ROOT")
        .arg("show-link")
        .output()
        .unwrap()
        .into();
    r.fails_with("sim-dladm: ILLUMOS_SIM_ROOT is not set (the simulated root)\n");
    let empty = tempfile::tempdir().unwrap();
    let r: Run = Command::new(DLADM)
        .env("ILLUMOS_SIM_ROOT", empty.path())
        .arg("show-link")
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 1);
    assert!(
        r.err
            .contains("no simulated host here (run `illumos-sim init"),
        "{r:?}"
    );
    let s = Sim::new("gate");
    s.dladm_in("nosuch", &["show-link"])
        .fails_with("sim-dladm: zone 'nosuch' is not running (ILLUMOS_SIM_ZONE)\n");
    std::fs::write(s.root().join("var/sim/state.json"), "{ not json").unwrap();
    let r = s.dladm(&["show-link"]);
    assert_eq!(r.code, 1);
    assert!(r.err.contains("corrupt state"), "{r:?}");
}
