//! Replays of real clients' dladm command lines: SmartOS's jcommon/statechange `setup_net`
//! for a two-NIC zone (illumos-joyent `usr/src/lib/brand/jcommon/statechange`) and
//! OmniOS's on-demand VNICs (omniosorg/pkg5 `src/brand/shared/vnic.ksh` `config_vnics`,
//! `unconfig_vnics`). The sim must accept their exact command lines, and the resulting state
//! must be what illumos would hold.

mod dladm_support;

use dladm_support::Sim;
use netzone_sim::state::{ZoneState, GLOBAL};

#[test]
fn smartos_statechange_two_nic_zone() {
    let s = Sim::new("joyent");
    let z = "3e2a1c9e-0b1f-4b7e-8f1e-7d5a0c2b9a11";
    // zoneadmd readied the zone (vplat_create) before post-ready runs the hook.
    s.zone(z, true);

    // "If the global nic is specified as a device or etherstub name rather than a tag"
    let phys = s.dladm(&["show-phys", "-p", "-o", "LINK"]).ok().to_string();
    let stubs = s
        .dladm(&["show-etherstub", "-p", "-o", "LINK"])
        .ok()
        .to_string();
    assert_eq!(phys, "net0\ne1000g0\n");
    assert_eq!(stubs, "stub0\n");

    // NIC 1: net0 over net0 with a MAC from the config; NIC 2: net1 over stub0, VLAN 42,
    // no MAC (the hook reads the assigned one back).
    let nics = [
        ("net0", "net0", Some("90:b8:d0:9a:c3:1f"), None),
        ("net1", "stub0", None, Some("42")),
    ];
    let tname = "tmp48213".to_string() + "0"; // tmp$$0
    for (nic, global_nic, mac, vlan) in nics {
        // "check if this zone already has this vnic setup"
        assert_eq!(
            s.dladm(&["show-vnic", "-p", "-o", "LINK", "-z", z, nic])
                .code,
            1
        );
        let zone_prop = format!("mtu=1500,zone={z}");
        let mut args: Vec<&str> = vec!["create-vnic", "-t", "-l", global_nic, "-p", &zone_prop];
        if let Some(m) = mac {
            args.extend(["-m", m]);
        }
        if let Some(v) = vlan {
            args.extend(["-v", v]);
        }
        args.push(&tname);
        s.dladm(&args).ok();
        s.dladm(&["rename-link", "-z", z, &tname, nic]).ok();
        let mac_addr = s
            .dladm(&["show-vnic", "-z", z, "-p", "-o", "MACADDRESS", nic])
            .ok()
            .trim()
            .to_string();
        match mac {
            Some(m) => assert_eq!(mac_addr, "90:b8:d0:9a:c3:1f", "{m}"),
            None => assert!(mac_addr.starts_with("2:8:20:")),
        }
        s.dladm(&[
            "set-linkprop",
            "-t",
            "-z",
            z,
            "-p",
            "protection=mac-nospoof,ip-nospoof,restricted,dhcp-nospoof",
            nic,
        ])
        .ok();
        s.dladm(&[
            "set-linkprop",
            "-t",
            "-z",
            z,
            "-p",
            "allowed-ips=10.88.88.5,fe80::1",
            nic,
        ])
        .ok();
        s.dladm(&[
            "set-linkprop",
            "-t",
            "-z",
            z,
            "-p",
            "dynamic-methods=slaac,dhcpv6",
            nic,
        ])
        .ok();
    }
    // The hook's duplicate-MAC diagnostics use the human show-vnic with chosen columns.
    let out = s
        .dladm(&["show-vnic", "-olink,macaddress,zone"])
        .ok()
        .to_string();
    assert!(
        out.starts_with("LINK         MACADDRESS        ZONE\n"),
        "{out}"
    );
    assert!(
        out.contains(&format!("net0         90:b8:d0:9a:c3:1f {z}")),
        "{out}"
    );

    // State: both NICs transient, in the zone's namespace, on loan, with the properties.
    let n0 = s.link(z, "net0").unwrap();
    let n1 = s.link(z, "net1").unwrap();
    assert_eq!(
        (n0["over"].as_str(), n1["over"].as_str()),
        (Some("net0"), Some("stub0"))
    );
    assert_eq!(
        (n0["vid"].as_u64(), n1["vid"].as_u64()),
        (Some(0), Some(42))
    );
    assert_eq!(
        (n0["mtu"].as_u64(), n1["mtu"].as_u64()),
        (Some(1500), Some(1500))
    );
    for n in [&n0, &n1] {
        assert_eq!(
            (n["transient"].as_bool(), n["onloan"].as_bool()),
            (Some(true), Some(true))
        );
        assert_eq!(
            n["props"]["protection"],
            "mac-nospoof,ip-nospoof,restricted,dhcp-nospoof"
        );
        assert_eq!(n["props"]["allowed-ips"], "10.88.88.5,fe80::1");
    }
    assert!(s.link(GLOBAL, &tname).is_none() && s.link(z, &tname).is_none());
    assert_eq!(
        s.dladm(&[
            "show-linkprop",
            "-c",
            "-z",
            z,
            "-o",
            "VALUE",
            "-p",
            "protection",
            "net1"
        ])
        .ok(),
        "mac-nospoof,ip-nospoof,restricted,dhcp-nospoof\n"
    );

    // Halt: zoneadmd deletes transient links and the zone's entries go away.
    s.zone_state(z, ZoneState::ShuttingDown);
    assert_eq!(s.with_host(|h| h.zone_teardown_links(z)), Ok(()));
    s.with_host(|h| h.zone_destroy(z)).unwrap();
    let st = s.state();
    assert_eq!(
        st["links"].as_array().unwrap().len(),
        3,
        "only net0, e1000g0, stub0 remain"
    );
}

#[test]
fn omnios_vnic_ksh_on_demand_vnics() {
    let s = Sim::new("gate");
    let zone = "web01";
    // demand_vnics rows: "nic global mac vlan addr"
    let demand = [
        ("web01_0", "e1000g0", "-", "-"),
        ("web01_1", "net0", "2:8:20:ab:cd:ef", "42"),
    ];

    // config_vnics (prestate, cmd 0: before the zone exists in the kernel).
    for (nic, global, mac, vlan) in demand {
        let exists = s.dladm(&["show-vnic", "-p", "-o", "LINK", nic]);
        assert_eq!((exists.code, exists.out.as_str()), (1, ""));
        assert_eq!(
            exists.err,
            format!("dladm: invalid vnic name '{nic}': object not found\n")
        );
        let mut args = vec!["create-vnic", "-l", global];
        if mac != "-" {
            args.extend(["-m", mac]);
        }
        if vlan != "-" && vlan != "0" {
            args.extend(["-v", vlan]);
        }
        args.push(nic);
        s.dladm(&args).ok();
        if mac == "-" {
            let m = s
                .dladm(&["show-vnic", "-p", "-o", "MACADDRESS", nic])
                .ok()
                .trim()
                .to_string();
            assert!(m.starts_with("2:8:20:"), "{m}");
        }
        // A second prestate run finds it and moves on.
        assert_eq!(
            s.dladm(&["show-vnic", "-p", "-o", "LINK", nic]).ok(),
            format!("{nic}\n")
        );
    }
    for (nic, ..) in demand {
        let l = s.link(GLOBAL, nic).unwrap();
        assert_eq!(
            (l["temporary"].as_bool(), l["transient"].as_bool()),
            (Some(false), Some(false))
        );
    }
    assert_eq!(s.link(GLOBAL, "web01_1").unwrap()["vid"], 42);

    // zoneadmd readies the zone and assigns each physical link (vplat.c add_datalink).
    s.zone(zone, true);
    for (nic, ..) in demand {
        s.with_host(|h| h.assign_link(zone, nic)).unwrap();
    }
    // While the zone holds them, their names live in the zone's namespace: the GZ can no
    // longer name them (so unconfig_vnics could not delete them either).
    s.dladm(&["show-vnic", "-p", "-o", "LINK", "web01_0"])
        .fails_with("dladm: invalid vnic name 'web01_0': object not found\n");
    s.dladm(&["delete-vnic", "web01_0"])
        .fails_with("dladm: invalid link name 'web01_0'\n");
    assert_eq!(
        s.dladm(&["show-vnic", "-p", "-o", "LINK,OVER"]).ok(),
        "web01_0:e1000g0\nweb01_1:net0\n",
        "the walk still lists loaned links"
    );
    // Halt: non-transient links go back to the GZ, then poststate unconfig_vnics deletes.
    s.zone_state(zone, ZoneState::ShuttingDown);
    assert_eq!(s.with_host(|h| h.zone_teardown_links(zone)), Ok(()));
    s.with_host(|h| h.zone_destroy(zone)).unwrap();
    for (nic, ..) in demand {
        s.dladm(&["delete-vnic", nic]).ok();
    }
    assert_eq!(s.state()["links"].as_array().unwrap().len(), 3);
    // unconfig_vnics after a crash that already removed them: logged, not fatal.
    s.dladm(&["delete-vnic", "web01_0"])
        .fails_with("dladm: invalid link name 'web01_0'\n");
}
