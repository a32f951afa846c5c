//! The link properties and tools SmartOS's jcommon/statechange needs, with illumos's value
//! checks: `allow-all-dhcp-cids`, `promisc-filtered`, `dynamic-methods`, `allowed-dhcp-cids`,
//! VRRP VNICs, misc-class links, nic tags and `sim-sysinfo`.

mod dladm_support;

use dladm_support::Sim;

fn sysinfo(s: &Sim, args: &[&str]) -> dladm_support::Run {
    let bin = env!("CARGO_BIN_EXE_sim-sysinfo");
    s.cmd(bin).args(args).output().unwrap().into()
}

#[test]
fn smartos_properties_in_one_create() {
    let s = Sim::new("joyent");
    s.dladm(&[
        "create-vnic", "-t", "-l", "net0", "-p",
        "mtu=1500,protection=mac-nospoof,ip-nospoof,restricted,dhcp-nospoof,dynamic-methods=dhcpv4,addrconf,allow-all-dhcp-cids=true,promisc-filtered=off",
        "v0",
    ])
    .ok();
    let l = s.link("global", "v0").unwrap();
    assert_eq!(l["props"]["allow-all-dhcp-cids"], "true");
    assert_eq!(l["props"]["promisc-filtered"], "off");
    assert_eq!(l["props"]["dynamic-methods"], "dhcpv4,addrconf");
    let out = s
        .dladm(&[
            "show-linkprop",
            "-c",
            "-o",
            "VALUE,DEFAULT,POSSIBLE",
            "-p",
            "allow-all-dhcp-cids,promisc-filtered",
            "v0",
        ])
        .ok()
        .to_string();
    assert_eq!(out, "true:false:true,false\noff:on:on,off\n");
}

#[test]
fn value_checks() {
    let s = Sim::new("joyent");
    s.dladm(&["create-vnic", "-t", "-l", "net0", "v0"]).ok();
    let p = s.prog();
    let set = |v: &str| s.dladm(&["set-linkprop", "-t", "-p", v, "v0"]);
    set("allowed-dhcp-cids=0x01ab,host-7,1.2.3").ok();
    set("allowed-dhcp-cids=0xzz").fails_with(&format!(
        "{p}: warning: cannot set link property 'allowed-dhcp-cids' on 'v0': invalid argument\n"
    ));
    let many = vec!["c"; 33].join(",");
    set(&format!("allowed-dhcp-cids={many}"))
        .fails_with(&format!("{p}: warning: cannot set link property 'allowed-dhcp-cids' on 'v0': invalid number of values\n"));
    // (A client id over MPT_MAXCIDLEN cannot get past dladm's own property-list limit; the
    // check is covered by the props unit tests.)
    set("allow-all-dhcp-cids=maybe").fails_with(&format!(
        "{p}: warning: link property 'allow-all-dhcp-cids' must be one of: true,false\n"
    ));
    let r = set("promisc-filtered=off,on");
    assert!(r.err.contains("invalid number of values"), "{r:?}");
    // promisc-filtered is a VNIC property.
    let r = s.dladm(&["set-linkprop", "-t", "-p", "promisc-filtered=off", "net0"]);
    assert!(r.err.contains("operation not supported"), "{r:?}");
    // gate has no allow-all-dhcp-cids.
    let g = Sim::new("gate");
    g.dladm(&["create-vnic", "-t", "-l", "net0", "v0"]).ok();
    let r = g.dladm(&["set-linkprop", "-t", "-p", "allow-all-dhcp-cids=true", "v0"]);
    assert!(
        r.err
            .contains("invalid link property 'allow-all-dhcp-cids'")
            || r.err.contains("object not found"),
        "{r:?}"
    );
}

#[test]
fn vrrp_vnic_and_misc_links() {
    let s = Sim::new("joyent");
    let root = s.root().display().to_string();
    s.sim(&[
        "init",
        "--root",
        &root,
        "--flavour",
        "joyent",
        "--phys",
        "net0",
        "--misc",
        "proteus1",
    ])
    .ok();
    s.dladm(&[
        "create-vnic",
        "-t",
        "-l",
        "proteus1",
        "-V",
        "7",
        "-A",
        "inet",
        "-m",
        "vrrp",
        "v0",
    ])
    .ok();
    let l = s.link("global", "v0").unwrap();
    assert_eq!(l["macaddress"], "0:0:5e:0:1:7");
    assert_eq!(l["macaddrtype"], "vrrp, 7/inet");
    let out = s
        .dladm(&["show-link", "-p", "-o", "LINK,CLASS,MTU", "proteus1"])
        .ok()
        .to_string();
    assert_eq!(out, "proteus1:misc:1500\n");
}

#[test]
fn nic_tags_and_sysinfo() {
    let s = Sim::new("joyent");
    s.sim(&["nictag", "set", "external", "e1000g0"]).ok();
    s.sim(&["nictag", "set", "admin", "net0"]).ok();
    let r = sysinfo(&s, &["-p"]);
    assert_eq!(
        r.ok(),
        "Hostname='sim'\nSystem_Type='SunOS'\nNIC_admin='net0'\nNIC_external='e1000g0'\n"
    );
    let j: serde_json::Value = serde_json::from_str(sysinfo(&s, &[]).ok()).unwrap();
    assert_eq!(j["NIC Tags"]["admin"], "net0");
    sysinfo(&s, &["-x"]).fails_with("sysinfo: unknown option '-x'\n");
    assert_eq!(s.state()["nictags"]["external"], "e1000g0");
    s.sim(&["nictag", "remove", "external"]).ok();
    assert_eq!(s.sim(&["nictag", "list"]).ok(), "admin net0\n");
    for bad in [
        &["nictag", "set", "bad-tag", "net0"][..],
        &["nictag", "set", "t", "0x"],
        &["nictag", "remove", "nosuch"],
    ] {
        assert_eq!(s.sim(bad).code, 1, "{bad:?}");
    }
    assert_eq!(s.sim(&["nictag", "set", "t"]).code, 2);
    // Logged like every sim command; a fault fails it.
    assert!(s.log_lines().iter().any(|l| l.contains("sim-sysinfo -p")));
    s.sim(&[
        "fault", "add", "--cmd", "sysinfo", "--when", "before", "--action", "fail",
    ])
    .ok();
    sysinfo(&s, &["-p"]).fails_with("sysinfo: injected failure (before)\n");
}
