//! Every dladm error message the sim models, byte for byte, with exit status 1
//! (dladm.c `die`, `die_dlerr`, `warn`, `die_opterr`, `usage`; ofmt.c `ofmt_strerror`).

mod dladm_support;

use dladm_support::Sim;

#[test]
fn create_vnic_option_and_operand_errors() {
    let s = Sim::new("gate");
    let cases: &[(&[&str], &str)] = &[
        (&["create-vnic", "-l", "net0", "-v", "4095", "v0"], "dladm: invalid VLAN identifier '4095'\n"),
        (&["create-vnic", "-l", "net0", "-v", "0", "v0"], "dladm: invalid VLAN identifier '0'\n"),
        (&["create-vnic", "-l", "net0", "-v", "1x", "v0"], "dladm: invalid VLAN identifier '1x'\n"),
        (&["create-vnic", "-l", "net0", "-v", "5", "-v", "6", "v0"], "dladm: the option -v cannot be specified more than once\n"),
        (&["create-vnic", "-l", "net0", "-f", "v0"], "dladm: -f option can only be used with -v\n"),
        (&["create-vnic", "-l", "net0", "-m", "auto", "-m", "random", "v0"], "dladm: cannot specify -m option twice\n"),
        (&["create-vnic", "-l", "net0", "-m", "fixed", "v0"], "dladm: 'fixed' is not a valid MAC address\n"),
        (&["create-vnic", "-l", "net0", "-m", "2:8:20:zz:1:2", "v0"], "dladm: invalid MAC address\n"),
        (&["create-vnic", "-l", "net0", "-m", "2:8:20:1:2", "v0"], "dladm: vnic creation over net0 failed: invalid MAC address length\n"),
        (&["create-vnic", "-l", "net0", "-m", "1:0:5e:1:2:3", "v0"], "dladm: vnic creation over net0 failed: invalid MAC address value\n"),
        (&["create-vnic", "-l", "net0", "v01"], "dladm: invalid link name 'v01'\n"),
        (&["create-vnic", "-l", "net0", "0v"], "dladm: invalid link name '0v'\n"),
        (&["create-vnic", "-l", "net0", "averyveryveryverylonglinkname0000"], "dladm: link name too long 'averyveryveryverylonglinkname0000'\n"),
        (&["create-vnic", "-l", "nope0", "v0"], "dladm: invalid link name 'nope0'\n"),
        (&["create-vnic", "-l", "net0", "-p", "mtu=", "v0"], "dladm: invalid vnic property\n"),
        (&["create-vnic", "-l", "net0", "-p", "foo=1", "v0"], "dladm: warning: failed to set property foo: object not found\ndladm: vnic creation over net0 failed: object not found\n"),
        (&["create-vnic", "-t", "-l", "net0", "-p", "protection=bogus", "v0"], "dladm: vnic creation over net0 failed: invalid value\n"),
        (&["create-vnic", "-l", "net0", "-V", "300", "-m", "vrrp", "v0"], "dladm: invalid VRRP identifier '300'\n"),
        (&["create-vnic", "-l", "net0", "-A", "ipx", "v0"], "dladm: invalid address family 'ipx'\n"),
        (&["create-vnic", "-l", "net0", "-n", "x", "v0"], "dladm: invalid slot number\n"),
        (&["create-vnic", "-l", "net0", "-m", "factory", "v0"], "dladm: vnic creation over net0 failed: operation not supported\n"),
        (&["create-vnic", "-l", "net0", "-l"], "dladm: option '-l' requires a value\nusage:     create-vnic      [-t] -l <link> [-m <value> | auto |\n\t\t     {factory [-n <slot-id>]} | {random [-r <prefix>]} |\n\t\t     {vrrp -V <vrid> -A {inet | inet6}} [-v <vid> [-f]]\n\t\t     [-p <prop>=<value>[,...]] <vnic-link>\n"),
        (&["create-vnic", "-l", "net0", "-q", "v0"], "dladm: unrecognized option '-q'\nusage:     create-vnic      [-t] -l <link> [-m <value> | auto |\n\t\t     {factory [-n <slot-id>]} | {random [-r <prefix>]} |\n\t\t     {vrrp -V <vrid> -A {inet | inet6}} [-v <vid> [-f]]\n\t\t     [-p <prop>=<value>[,...]] <vnic-link>\n"),
    ];
    for (args, err) in cases {
        s.dladm(args).fails_with(err);
    }
    // Nothing was created by any of them.
    assert_eq!(s.state()["links"].as_array().unwrap().len(), 3);
    // Missing -l, a missing or extra operand, and -r without random print the full usage.
    for args in [
        &["create-vnic", "v0"][..],
        &["create-vnic", "-l", "net0"],
        &["create-vnic", "-l", "net0", "v0", "v1"],
        &["create-vnic", "-l", "net0", "-r", "2:8", "v0"],
        &["create-vnic", "-l", "net0", "-m", "vrrp", "v0"],
    ] {
        let r = s.dladm(args);
        assert_eq!(r.code, 1, "{args:?}");
        assert!(
            r.err.starts_with(
                "usage:  dladm <subcommand> <args> ...\n    rename-link      <oldlink> <newlink>\n"
            ),
            "{r:?}"
        );
        assert!(r.err.contains("\n    create-vnic      [-t] -l <link>"));
    }
}

#[test]
fn create_vnic_properties_by_flavour() {
    // gate (illumos 15695): only resource-control properties reach a -t VNIC.
    let g = Sim::new("gate");
    g.zone("z1", true);
    g.dladm(&[
        "create-vnic",
        "-t",
        "-l",
        "net0",
        "-p",
        "mtu=1400,foo=1,zone=z1,protection=mac-nospoof",
        "v0",
    ])
    .ok();
    let l = g.link("global", "v0").expect("not moved into z1");
    assert_eq!(
        (l["mtu"].as_u64(), l["onloan"].as_bool()),
        (Some(1500), Some(false))
    );
    assert_eq!(l["props"]["protection"], "mac-nospoof");
    // A persistent VNIC with zone= fails on the persistent write and is removed.
    g.dladm(&["create-vnic", "-l", "net0", "-p", "zone=z1", "v1"])
        .fails_with(
            "dladm: warning: failed to set property zone: change cannot be persistent\n\
         dladm: vnic creation over net0 failed: change cannot be persistent\n",
        );
    assert!(g.link("global", "v1").is_none());
    // joyent applies every property to the new VNIC, in order.
    let j = Sim::new("joyent");
    let p = j.prog();
    j.zone("z1", true);
    j.dladm(&[
        "create-vnic",
        "-t",
        "-l",
        "net0",
        "-p",
        "mtu=1400,zone=z1",
        "v0",
    ])
    .ok();
    let l = j.link("z1", "v0").unwrap();
    assert_eq!(
        (l["mtu"].as_u64(), l["onloan"].as_bool()),
        (Some(1400), Some(true))
    );
    j.dladm(&["create-vnic", "-t", "-l", "net0", "-p", "mtu=9000", "v1"])
        .fails_with(&format!(
            "{p}: vnic creation over net0 failed: invalid argument\n"
        ));
    j.dladm(&["create-vnic", "-t", "-l", "net0", "-p", "foo=1", "v1"])
        .fails_with(&format!(
            "{p}: vnic creation over net0 failed: object not found\n"
        ));
    assert!(j.link("global", "v1").is_none());
}

#[test]
fn create_vnic_conflicts() {
    let s = Sim::new("joyent");
    let p = s.prog();
    s.dladm(&[
        "create-vnic",
        "-t",
        "-l",
        "net0",
        "-m",
        "2:8:20:1:2:3",
        "v0",
    ])
    .ok();
    s.dladm(&["create-vnic", "-t", "-l", "net0", "v0"])
        .fails_with(&format!(
            "{p}: vnic creation over net0 failed: object already exists\n"
        ));
    s.dladm(&[
        "create-vnic",
        "-t",
        "-l",
        "net0",
        "-m",
        "02:08:20:01:02:03",
        "v1",
    ])
    .fails_with(&format!(
        "{p}: vnic creation over net0 failed: MAC address is already in use\n"
    ));
    // The same MAC over another lower link is fine (uniqueness is per lower MAC).
    s.dladm(&[
        "create-vnic",
        "-t",
        "-l",
        "e1000g0",
        "-m",
        "2:8:20:1:2:3",
        "v1",
    ])
    .ok();
    s.dladm(&["create-vnic", "-t", "-l", "v0", "v2"])
        .fails_with(&format!(
            "{p}: vnic creation over v0 failed: invalid argument\n"
        ));
    s.dladm(&["create-etherstub", "-t", "tstub0"]).ok();
    s.dladm(&["create-vnic", "-l", "tstub0", "v3"]).fails_with(&format!(
        "{p}: vnic creation over tstub0 failed: can't create persistent object on top of temporary object\n"
    ));
}

#[test]
fn delete_and_etherstub_errors() {
    let s = Sim::new("gate");
    s.dladm(&["create-vnic", "-t", "-l", "net0", "v0"]).ok();
    let cases: &[(&[&str], &str)] = &[
        (&["delete-vnic", "v9"], "dladm: invalid link name 'v9'\n"),
        (&["delete-vnic", "stub0"], "dladm: 'stub0' is not a vnic\n"),
        (
            &["delete-etherstub", "v0"],
            "dladm: 'v0' is not an etherstub\n",
        ),
        (
            &["delete-vnic", "net0"],
            "dladm: vnic deletion failed: invalid argument\n",
        ),
        (
            &["delete-vnic", "-z", "z1", "v0"],
            "dladm: unrecognized option '-z'\nusage:     delete-vnic      [-t] <vnic-link>\n",
        ),
        (
            &["create-etherstub", "stub0"],
            "dladm: etherstub creation failed: object already exists\n",
        ),
        (
            &["create-etherstub", "stub"],
            "dladm: invalid link name 'stub'\n",
        ),
        (
            &["create-etherstub", "-R"],
            "dladm: unrecognized option '-R'\nusage:     create-etherstub [-t] <link>\n",
        ),
        (
            &["show-etherstub", "-t"],
            "dladm: unrecognized option '-t'\nusage:     show-etherstub   [-t] [<link>]\n\n",
        ),
        (
            &["show-etherstub", "-l", "net0"],
            "dladm: option not supported for this command\n",
        ),
    ];
    for (args, err) in cases {
        s.dladm(args).fails_with(err);
    }
    s.dladm(&["delete-vnic", "v0"]).ok();
    s.dladm(&["delete-etherstub", "stub0"]).ok();
    assert_eq!(s.state()["links"].as_array().unwrap().len(), 2);
}

#[test]
fn show_errors() {
    let s = Sim::new("gate");
    s.dladm(&["create-vnic", "-t", "-l", "net0", "v0"]).ok();
    let cases: &[(&[&str], &str)] = &[
        (
            &["show-link", "x0"],
            "dladm: link x0 is not valid: object not found\n",
        ),
        (&["show-link", "-p"], "dladm: -p requires -o\n"),
        (
            &["show-link", "-p", "-o", "all"],
            "dladm: \"-o all\" is invalid with -p\n",
        ),
        (
            &["show-link", "-p", "-p", "-o", "link"],
            "dladm: the option -p cannot be specified more than once\n",
        ),
        (
            &["show-link", "-i", "2"],
            "dladm: the option -i can be used only with -s\n",
        ),
        (
            &["show-link", "-P", "v0"],
            "dladm: link v0 is a temporary link: invalid argument\n",
        ),
        (
            &["show-link", "-p", "-o", "link,foo"],
            "dladm: unknown output field: `foo'\n",
        ),
        (
            &["show-link", "-o", "foo,bar"],
            "dladm: no valid output fields\n",
        ),
        (
            &["show-vnic", "x0"],
            "dladm: invalid vnic name 'x0': object not found\n",
        ),
        (
            &["show-vnic", "net0"],
            "dladm: failed to show vnic 'net0': object not found\n",
        ),
        (
            &["show-vnic", "-l", "x0"],
            "dladm: invalid link name 'x0': object not found\n",
        ),
        (
            &["show-vnic", "-p"],
            "dladm: output fields must be specified in parsable mode\n",
        ),
        (
            &["show-vnic", "-p", "-o", "all"],
            "dladm: output field `all' invalid in parsable mode\n",
        ),
        (
            &["show-vnic", "-p", "-o", "link,foo,bar"],
            "dladm: unknown output fields: `foo' `bar'\n",
        ),
        (
            &["show-phys", "v0"],
            "dladm: failed to show physical link v0: invalid argument\n",
        ),
        (
            &["show-phys", "x0"],
            "dladm: link x0 is not valid: object not found\n",
        ),
        (&["show-phys", "-p"], "dladm: -p requires -o\n"),
        (
            &["show-phys", "-m", "-H"],
            "dladm: -m cannot combine with -H\n",
        ),
        (
            &["show-phys", "-m", "-P"],
            "dladm: -m not compatible with -P\n",
        ),
        (
            &["show-linkprop", "x0"],
            "dladm: link x0 is not valid: object not found\n",
        ),
        (
            &["show-linkprop", "-c", "-p", "zone", "v0"],
            "dladm: output fields must be specified in parsable mode\n",
        ),
        (
            &["show-linkprop", "-p", "zone=x", "v0"],
            "dladm: invalid link properties specified\n",
        ),
        (&["nosuch-cmd"], ""),
    ];
    for (args, err) in cases {
        if err.is_empty() {
            continue;
        }
        s.dladm(args).fails_with(err);
    }
    // Unknown fields only warn in human mode.
    let r = s.dladm(&["show-link", "-o", "link,foo", "v0"]);
    assert_eq!(r.code, 0);
    assert_eq!(
        r.err,
        "dladm: warning: ignoring unknown output field: `foo'\n"
    );
    assert_eq!(r.out, "LINK\nv0\n");
    // An unknown property in show-linkprop: a warning, `?` in its columns, exit 1.
    let r = s.dladm(&[
        "show-linkprop",
        "-c",
        "-o",
        "link,property,value",
        "-p",
        "foo",
        "v0",
    ]);
    assert_eq!(r.code, 1);
    assert_eq!(r.out, "v0:foo:?\n");
    assert_eq!(
        r.err,
        "dladm: warning: cannot get link property 'foo' for v0: object not found\n"
    );
    // Unknown subcommand: the message, then the full usage.
    let r = s.dladm(&["nosuch-cmd"]);
    assert_eq!(r.code, 1);
    assert!(r.err.starts_with(
        "dladm: unknown subcommand 'nosuch-cmd'\nusage:  dladm <subcommand> <args> ...\n"
    ));
    // Unmodelled subcommands say so.
    s.dladm(&["create-aggr", "-l", "net0", "aggr0"])
        .fails_with("dladm: subcommand 'create-aggr' is not modelled by the illumos simulator\n");
}

#[test]
fn set_linkprop_warnings_and_exit_status() {
    let s = Sim::new("joyent");
    let p = s.prog();
    s.dladm(&["create-vnic", "-t", "-l", "net0", "v0"]).ok();
    s.dladm(&["set-linkprop", "v0"])
        .fails_with(&format!("{p}: link property must be specified\n"));
    s.dladm(&["set-linkprop", "-p", ",", "v0"])
        .fails_with(&format!("{p}: invalid link properties specified\n"));
    s.dladm(&["set-linkprop", "-t", "-p", "foo=1", "v0"])
        .fails_with(&format!("{p}: warning: invalid link property 'foo'\n"));
    s.dladm(&["set-linkprop", "-t", "-p", "mtu", "v0"])
        .fails_with(&format!("{p}: warning: no value specified for 'mtu'\n"));
    s.dladm(&["set-linkprop", "-t", "-p", "protection=bogus", "v0"]).fails_with(&format!(
        "{p}: warning: link property 'protection' must be one of: mac-nospoof,restricted,ip-nospoof,dhcp-nospoof\n"
    ));
    s.dladm(&["set-linkprop", "-t", "-p", "allowed-ips=10.0.0.300", "v0"])
        .fails_with(&format!(
            "{p}: warning: cannot set link property 'allowed-ips' on 'v0': invalid value\n"
        ));
    s.dladm(&["set-linkprop", "-t", "-p", "mtu=abc", "v0"])
        .fails_with(&format!(
            "{p}: warning: link property 'mtu' must be one of: 576-1500\n"
        ));
    s.dladm(&["set-linkprop", "-t", "-p", "mtu=1500", "x0"])
        .fails_with(&format!("{p}: link x0 is not valid: object not found\n"));
    // As in dladm.c, the exit status follows the last property: a bad one then a good one
    // warns but exits 0.
    let r = s.dladm(&["set-linkprop", "-t", "-p", "foo=1,mtu=1400", "v0"]);
    assert_eq!(
        (r.code, r.err.as_str()),
        (0, &*format!("{p}: warning: invalid link property 'foo'\n"))
    );
    assert_eq!(s.link("global", "v0").unwrap()["mtu"], 1400);
    // reset-linkprop of everything without -t: zone cannot be reset persistently.
    s.dladm(&["reset-linkprop", "v0"]).fails_with(&format!(
        "{p}: warning: cannot reset link property 'zone' on 'v0': change cannot be persistent\n"
    ));
    s.dladm(&["reset-linkprop", "-t", "v0"]).ok();
    assert_eq!(s.link("global", "v0").unwrap()["mtu"], 1500);
}
