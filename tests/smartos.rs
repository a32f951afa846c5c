//! SmartOS parity on the joyent flavour: a zone written the way vmadm writes it (nic tags,
//! `<net-attr>`s) boots with the link properties SmartOS's `jcommon/statechange` `setup_net`
//! gives the same zone, and halts leaving nothing. The expected values below are worked out
//! by reading the script, net by net (see the comment on each).

mod common;

use common::{Sim, SimLink};

/// A joyent host with two NICs (admin -> e1000g0, external -> e1000g1 at MTU 9000), an
/// etherstub and a proteus port, and the `joyent` brand wired to netzone-statechange.
fn host() -> Sim {
    let sim = Sim::new("joyent", &["e1000g0"]);
    let root = sim.root().display().to_string();
    sim.illumos_sim(&[
        "init",
        "--root",
        &root,
        "--flavour",
        "joyent",
        "--phys",
        "e1000g0,e1000g1",
        "--etherstub",
        "stub0",
        "--misc",
        "proteus1",
    ])
    .ok();
    for b in ["joyent", "bhyve", "kvm", common::BRAND] {
        sim.install_brand(b, None);
    }
    sim.illumos_sim(&["nictag", "set", "admin", "e1000g0"]).ok();
    sim.illumos_sim(&["nictag", "set", "external", "e1000g1"])
        .ok();
    sim.dladm(&["set-linkprop", "-t", "-p", "mtu=9000", "e1000g1"])
        .ok();
    sim
}

/// The zone of the main test: five nets as vmadm writes them.
const ZONE: &str = r#"
  <network physical="net0" global-nic="admin" mac-addr="2:8:20:0:0:1" vlan-id="0">
    <net-attr name="ips" value="10.0.0.5/24"/>
    <net-attr name="primary" value="true"/>
    <net-attr name="blocked_outgoing_ports" value="25,587"/>
  </network>
  <network physical="net1" global-nic="external" vlan-id="42">
    <net-attr name="ips" value="dhcp,addrconf"/>
    <net-attr name="mtu" value="9000"/>
  </network>
  <network physical="net2" global-nic="stub0">
    <net-attr name="ips" value="192.168.9.2/24"/>
    <net-attr name="allow_ip_spoofing" value="1"/>
    <net-attr name="allow_mac_spoofing" value="true"/>
  </network>
  <network physical="net3" global-nic="proteus1" mac-addr="0:0:5e:0:1:7">
    <net-attr name="ips" value="10.2.0.5/24"/>
    <net-attr name="allowed_ips" value="10.2.0.99,10.2.0.5"/>
    <net-attr name="vrrp_vrid" value="7"/>
    <net-attr name="vrrp_primary_ip" value="10.2.0.1"/>
    <net-attr name="allowed_dhcp_cids" value="0x0102,host-7"/>
  </network>
  <network physical="net4" global-nic="admin" allowed-address="172.16.0.4/16">
    <net-attr name="ip" value="172.16.0.9"/>
    <net-attr name="netmask" value="255.255.0.0"/>
    <net-attr name="dhcp_server" value="true"/>
    <net-attr name="allowed_dhcp_cids" value="0x0a"/>
  </network>"#;

fn in_zone(sim: &Sim, zone: &str) -> Vec<SimLink> {
    sim.links().into_iter().filter(|l| l.zone == zone).collect()
}

fn link<'a>(links: &'a [SimLink], name: &str) -> &'a SimLink {
    links
        .iter()
        .find(|l| l.name == name)
        .unwrap_or_else(|| panic!("no link {name} in {links:#?}"))
}

/// (property, value) pairs of a link, sorted, for exact comparison.
fn props(l: &SimLink) -> Vec<(String, String)> {
    let mut p = l.props.clone();
    p.sort();
    p
}

fn pv(v: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut p: Vec<(String, String)> = v
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    p.sort();
    p
}

#[test]
fn vmadm_zone_boots_with_smartos_properties_and_halts_clean() {
    let sim = host();
    sim.add_zone_raw("sm1", "joyent", ZONE);
    sim.zoneadm(&["-z", "sm1", "boot"]).ok();
    let links = in_zone(&sim, "sm1");
    assert_eq!(links.len(), 5, "{links:#?}");

    // net0: tag admin -> e1000g0; no mtu -> DEFAULT_MTU 1500; every protection (no allow_*);
    // allowed-ips from ips without the prefix.
    let n0 = link(&links, "net0");
    assert_eq!(n0.over.as_deref(), Some("e1000g0"));
    assert_eq!((n0.mtu, n0.vid), (1500, 0));
    assert_eq!(n0.mac.as_deref(), Some("2:8:20:0:0:1"));
    assert_eq!(
        props(n0),
        pv(&[
            (
                "protection",
                "mac-nospoof,ip-nospoof,restricted,dhcp-nospoof"
            ),
            ("allowed-ips", "10.0.0.5"),
        ])
    );

    // net1: tag external -> e1000g1 (MTU 9000, so mtu=9000 is allowed); dhcp and addrconf
    // become dynamic-methods, no static address so no allowed-ips; no allowed_dhcp_cids and
    // dhcp in ips: allow-all-dhcp-cids=true.
    let n1 = link(&links, "net1");
    assert_eq!(n1.over.as_deref(), Some("e1000g1"));
    assert_eq!((n1.mtu, n1.vid), (9000, 42));
    assert_eq!(
        props(n1),
        pv(&[
            (
                "protection",
                "mac-nospoof,ip-nospoof,restricted,dhcp-nospoof"
            ),
            ("dynamic-methods", "dhcpv4,addrconf"),
            ("allow-all-dhcp-cids", "true"),
        ])
    );

    // net2: an etherstub by name; allow_ip_spoofing=1 and allow_mac_spoofing=true drop
    // ip-nospoof and mac-nospoof, and with IP spoofing allowed there is no allowed-ips.
    let n2 = link(&links, "net2");
    assert_eq!(n2.over.as_deref(), Some("stub0"));
    assert_eq!(n2.mtu, 1500);
    assert_eq!(props(n2), pv(&[("protection", "restricted,dhcp-nospoof")]));

    // net3: a proteus misc link; the joyent brand has jst_vrrp, so vrrp_vrid makes a VRRP
    // VNIC (MAC 0:0:5e:0:1:7) and vrrp_primary_ip joins allowed-ips; ksh93 lists the map's
    // keys sorted; allowed_dhcp_cids set as given.
    let n3 = link(&links, "net3");
    assert_eq!(n3.over.as_deref(), Some("proteus1"));
    assert_eq!(n3.mac.as_deref(), Some("0:0:5e:0:1:7"));
    assert_eq!(
        props(n3),
        pv(&[
            (
                "protection",
                "mac-nospoof,ip-nospoof,restricted,dhcp-nospoof"
            ),
            ("allowed-ips", "10.2.0.1,10.2.0.5,10.2.0.99"),
            ("allowed-dhcp-cids", "0x0102,host-7"),
        ])
    );
    let st = sim.state();
    let raw3 = st["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "net3")
        .unwrap();
    assert_eq!(raw3["macaddrtype"], "vrrp, 7/inet");

    // net4: dhcp_server: DHCP spoofing and IP spoofing allowed, so protection keeps only
    // mac-nospoof and restricted, no allowed-ips (allowed-address included), and no DHCP
    // client ids (they are only set when DHCP spoofing is not allowed).
    let n4 = link(&links, "net4");
    assert_eq!(n4.over.as_deref(), Some("e1000g0"));
    assert_eq!(props(n4), pv(&[("protection", "mac-nospoof,restricted")]));

    // blocked_outgoing_ports: one flow per port on net0, named f<MAC>_br_<port> as SmartOS
    // names them, dropping TCP to the port (maxbw=0).
    let st = sim.state();
    let flows = st["flows"].as_array().unwrap();
    assert_eq!(flows.len(), 2, "{flows:#?}");
    for (f, port) in flows.iter().zip(["25", "587"]) {
        assert_eq!(f["name"], format!("f2_8_20_0_0_1_br_{port}"));
        assert_eq!(f["link"], "net0");
        assert_eq!(f["zone"], "sm1");
        assert_eq!(f["attrs"]["transport"], "tcp");
        assert_eq!(f["attrs"]["remote_port"], port);
        assert_eq!(f["props"]["maxbw"], "0");
    }

    // Each flow has its own record, confirmed once it exists, naming the flow, its link and
    // its attributes.
    let j = sim.journal("sm1").unwrap();
    let recs = j["flows"].as_array().unwrap();
    assert_eq!(recs.len(), 2, "{j:#}");
    for (r, port) in recs.iter().zip([25, 587]) {
        assert_eq!(r["name"], format!("f2_8_20_0_0_1_br_{port}"));
        assert_eq!((&r["net"], &r["link"]), (&"net0".into(), &"net0".into()));
        assert_eq!(
            (&r["transport"], &r["remote_port"]),
            (&"tcp".into(), &port.into())
        );
        assert_eq!(r["state"], "active");
    }
    // The usual boot never lists flows: the links are new, and so are their flows.
    assert!(!sim.log().iter().any(|l| l.contains("show-flow")));

    // The whole boot asked sysinfo once, with no other netzone process for it.
    let log = sim.log();
    assert_eq!(
        log.iter().filter(|l| l.contains(" sim-sysinfo ")).count(),
        1,
        "{log:#?}"
    );

    sim.zoneadm(&["-z", "sm1", "halt"]).ok();
    assert!(sim.vnics().is_empty(), "{:#?}", sim.vnics());
    assert!(in_zone(&sim, "sm1").is_empty());
    assert!(sim.state()["flows"].as_array().unwrap().is_empty());
    assert!(sim.journal("sm1").is_none());
}

/// The zone of the flow tests: one net with two blocked ports and a fixed MAC.
const BLOCKED: &str = r#"<network physical="net0" global-nic="admin" mac-addr="2:8:20:0:0:9">
    <net-attr name="blocked_outgoing_ports" value="25,587"/>
  </network>"#;

fn zone_file(sim: &Sim, zone: &str) -> std::path::PathBuf {
    sim.root().join(format!("etc/zones/{zone}.xml"))
}

/// Flows are owned like links: a missing one is added again on the next `up`, one a record
/// identifies is removed when the configuration drops its port, and an operator's flow under
/// netzone's name is never touched (the `up` that would need the name fails, naming it).
#[test]
fn flows_are_owned_by_identity() {
    let sim = host();
    sim.add_zone_raw("fl1", "joyent", BLOCKED);
    sim.zoneadm(&["-z", "fl1", "boot"]).ok();
    let f25 = "f2_8_20_0_0_9_br_25";
    let f587 = "f2_8_20_0_0_9_br_587";
    let names = |sim: &Sim| -> Vec<String> {
        sim.flows()
            .iter()
            .map(|l| l.split(' ').next().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&sim), [f25, f587]);
    // Somebody removes one: the next `up` (the net is otherwise as configured) adds it again,
    // after one show-flow of the net's link.
    sim.flowadm(&["remove-flow", "-t", f587]).ok();
    let mark = sim.log().len();
    sim.netzone(&["up", "fl1"]).ok();
    let ran: Vec<String> = sim.log()[mark..]
        .iter()
        .filter(|l| l.contains(" sim-flowadm "))
        .cloned()
        .collect();
    assert_eq!(ran.len(), 2, "{ran:#?}");
    assert!(
        ran[0].contains("show-flow -p -o FLOW,LINK,IPADDR,PROTO,LPORT,RPORT,DSFLD -l net0 -z fl1"),
        "{ran:#?}"
    );
    assert!(
        ran[1].ends_with(&format!(
            "add-flow -t -l net0 -z fl1 -a transport=tcp,remote_port=587 -p maxbw=0 {f587}"
        )),
        "{ran:#?}"
    );
    assert_eq!(names(&sim), [f25, f587]);
    // Nothing missing: `up` adds nothing.
    let mark = sim.log().len();
    sim.netzone(&["up", "fl1"]).ok();
    assert!(!sim.log()[mark..].iter().any(|l| l.contains("add-flow")));

    // The operator replaces netzone's flow for port 25 with one of the same name of their own.
    sim.flowadm(&["remove-flow", "-t", f25]).ok();
    sim.flowadm(&[
        "add-flow",
        "-t",
        "-l",
        "net0",
        "-z",
        "fl1",
        "-a",
        "transport=udp,remote_port=25",
        f25,
    ])
    .ok();
    let theirs = sim
        .flows()
        .into_iter()
        .find(|l| l.starts_with(f25))
        .unwrap();
    let r = sim.netzone(&["up", "fl1"]).fails();
    assert!(
        r.stderr().contains(&format!(
            "netzone: zone 'fl1': net 'net0': flow '{f25}' on link 'net0' was not created by \
             netzone (it matches proto 'udp' remote port '25', not its record's tcp port 25); \
             left alone"
        )),
        "{}",
        r.stderr()
    );
    assert!(sim.flows().contains(&theirs));
    // The configuration drops port 25, then 587: the operator's flow stays (its record is
    // dropped), netzone's 587 goes with the one command that removes it.
    let xml = std::fs::read_to_string(zone_file(&sim, "fl1")).unwrap();
    std::fs::write(zone_file(&sim, "fl1"), xml.replace("25,587", "587")).unwrap();
    sim.netzone(&["up", "fl1"]).ok();
    assert!(sim.flows().contains(&theirs));
    let j = sim.journal("fl1").unwrap();
    let recs: Vec<&str> = j["flows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(recs, [f587]);
    let xml = std::fs::read_to_string(zone_file(&sim, "fl1")).unwrap();
    let none = xml.replace(
        r#"<net-attr name="blocked_outgoing_ports" value="587"/>"#,
        "",
    );
    assert_ne!(none, xml);
    std::fs::write(zone_file(&sim, "fl1"), none).unwrap();
    let mark = sim.log().len();
    sim.netzone(&["up", "fl1"]).ok();
    let removes: Vec<String> = sim.log()[mark..]
        .iter()
        .filter(|l| l.contains("remove-flow"))
        .cloned()
        .collect();
    assert_eq!(removes.len(), 1, "{removes:#?}");
    assert!(
        removes[0].ends_with(&format!("remove-flow -t {f587}")),
        "{removes:#?}"
    );
    assert_eq!(sim.flows(), [theirs]);
    assert!(sim.journal("fl1").unwrap().get("flows").is_none());
    sim.zoneadm(&["-z", "fl1", "halt"]).ok();
    assert!(sim.vnics().is_empty());
}

/// The gate flavour: the flows are added in the global zone right after each link is created
/// (before zoneadmd lends it), without `-z`, recorded like joyent's, and go with the links at
/// halt. A failed add-flow undoes the link.
#[test]
fn gate_flows() {
    let sim = Sim::new("gate", &["e1000g0"]);
    let mut n = common::NetSpec::new("net0", "e1000g0");
    n.mac = Some("2:8:20:0:0:7".into());
    n.blocked_ports = Some("25".into());
    sim.add_zone("g1", &[n]);
    let r = sim.netzone(&["plan", "g1"]).ok();
    assert_eq!(
        r.stdout().lines().collect::<Vec<_>>(),
        [
            "dladm create-vnic -t -l e1000g0 -m 2:8:20:0:0:7 net0",
            "flowadm add-flow -t -l net0 -a transport=tcp,remote_port=25 -p maxbw=0 f2_8_20_0_0_7_br_25",
        ]
    );
    sim.fault("add-flow", "before", "fail", None);
    sim.zoneadm(&["-z", "g1", "boot"]).fails();
    assert!(sim.vnics().is_empty(), "{:#?}", sim.vnics());
    assert!(sim.flows().is_empty());
    sim.zoneadm(&["-z", "g1", "boot"]).ok();
    assert_eq!(
        sim.flows(),
        [r#"f2_8_20_0_0_7_br_25 net0 g1 {"remote_port":"25","transport":"tcp"} {"maxbw":"0"}"#]
    );
    let j = sim.journal("g1").unwrap();
    assert_eq!(j["flows"][0]["state"], "active", "{j:#}");
    sim.zoneadm(&["-z", "g1", "halt"]).ok();
    assert!(sim.vnics().is_empty());
    assert!(sim.flows().is_empty());
    assert!(sim.journal("g1").is_none());
}

/// Which SmartOS brands honour `allow_unfiltered_promisc`, as their statechange scripts say
/// (TritonDataCenter/smartos-live `overlay/generic/usr/lib/brand/*/statechange`): `kvm` sets
/// `promisc-filtered=off` in its own `setup_net`; `bhyve` and `joyent` leave `jst_ufpromisc`
/// unset, so `jcommon/statechange` skips it.
#[test]
fn unfiltered_promisc_only_for_brands_that_have_it() {
    let sim = host();
    let net = r#"<network physical="net0" global-nic="admin"><net-attr name="allow_unfiltered_promisc" value="true"/></network>"#;
    sim.add_zone_raw("kv1", "kvm", net);
    sim.add_zone_raw("vm1", "bhyve", net);
    sim.add_zone_raw("os1", "joyent", net);
    sim.zoneadm(&["-z", "kv1", "boot"]).ok();
    sim.zoneadm(&["-z", "vm1", "boot"]).ok();
    sim.zoneadm(&["-z", "os1", "boot"]).ok();
    let kv = in_zone(&sim, "kv1");
    assert_eq!(link(&kv, "net0").prop("promisc-filtered"), Some("off"));
    let vm = in_zone(&sim, "vm1");
    assert_eq!(link(&vm, "net0").prop("promisc-filtered"), None);
    let os = in_zone(&sim, "os1");
    assert_eq!(link(&os, "net0").prop("promisc-filtered"), None);
    // A hook option overrides the brand's name.
    sim.install_brand("joyent", Some("--brand-features unfiltered-promisc"));
    sim.zoneadm(&["-z", "os1", "reboot"]).ok();
    let os = in_zone(&sim, "os1");
    assert_eq!(link(&os, "net0").prop("promisc-filtered"), Some("off"));
}

#[test]
fn links_by_name_need_no_sysinfo() {
    let sim = host();
    sim.add_zone_raw(
        "p1",
        "joyent",
        r#"<network physical="net0" global-nic="e1000g1"/>"#,
    );
    // A sysinfo that does not exist: never run.
    let mut sim = sim;
    sim.env
        .push(("NETZONE_SYSINFO".into(), "/nonexistent/sysinfo".into()));
    sim.zoneadm(&["-z", "p1", "boot"]).ok();
    let l = in_zone(&sim, "p1");
    assert_eq!(link(&l, "net0").over.as_deref(), Some("e1000g1"));
    // SmartOS's 1500, not the NIC's 9000.
    assert_eq!(link(&l, "net0").mtu, 1500);
    assert!(!sim.log().iter().any(|l| l.contains("sysinfo")));
    // Nor any show-link walk of the lower links' MTUs: no MTU configured (the flavour probe,
    // `show-link -z global -p -o LINK`, is not such a walk).
    assert!(!sim
        .log()
        .iter()
        .any(|l| l.contains("show-link") && l.contains("MTU")));
}

/// A failed boot created nothing: no VNIC, no create-vnic in the log.
fn nothing_created(sim: &Sim) {
    assert!(sim.vnics().is_empty(), "{:#?}", sim.vnics());
    assert!(
        !sim.log().iter().any(|l| l.contains("create-vnic")),
        "{:#?}",
        sim.log()
    );
}

#[test]
fn unknown_tag_fails_the_boot_naming_it_before_anything_is_created() {
    let sim = host();
    sim.add_zone_raw(
        "t1",
        "joyent",
        r#"<network physical="net0" global-nic="admin"/>
           <network physical="net1" global-nic="sdc_underlay"/>"#,
    );
    let r = sim.zoneadm(&["-z", "t1", "boot"]).fails();
    assert!(
        r.stderr().contains(
            "netzone: zone 't1': net 'net1': global-nic 'sdc_underlay': no nic tag 'sdc_underlay' in sysinfo"
        ),
        "{}",
        r.stderr()
    );
    nothing_created(&sim);
    // netzone check needs no host to accept any valid tag name.
    let mut sim = sim;
    sim.env
        .push(("NETZONE_SYSINFO".into(), "/nonexistent/sysinfo".into()));
    sim.netzone(&["check", "t1"]).ok();
}

#[test]
fn sysinfo_failure_names_the_tag() {
    let mut sim = host();
    sim.add_zone_raw(
        "t2",
        "joyent",
        r#"<network physical="net0" global-nic="external"/>"#,
    );
    sim.env
        .push(("NETZONE_SYSINFO".into(), "/nonexistent/sysinfo".into()));
    let r = sim.netzone(&["plan", "t2"]).fails();
    assert!(
        r.stderr()
            .contains("net 'net0': global-nic 'external' needs the nic tags, but sysinfo failed"),
        "{}",
        r.stderr()
    );
    nothing_created(&sim);
}

#[test]
fn overlay_rule_is_refused_naming_the_rule() {
    let sim = host();
    sim.add_zone_raw(
        "o1",
        "joyent",
        r#"<network physical="net0" global-nic="sdc_sdn/23"/>"#,
    );
    sim.netzone(&["check", "o1"]).ok();
    let r = sim.zoneadm(&["-z", "o1", "boot"]).fails();
    assert!(
        r.stderr()
            .contains("global-nic 'sdc_sdn/23': overlay rule 'sdc_sdn' cannot be used"),
        "{}",
        r.stderr()
    );
    nothing_created(&sim);
}

#[test]
fn mtu_above_the_lower_link_is_refused_at_plan_time() {
    let sim = host();
    sim.add_zone_raw(
        "m1",
        "joyent",
        r#"<network physical="net0" global-nic="admin"><net-attr name="mtu" value="9000"/></network>"#,
    );
    let r = sim.netzone(&["plan", "m1"]).fails();
    assert_eq!(
        r.stderr().trim(),
        "netzone: zone 'm1': net 'net0': mtu 9000 is above the MTU of global-nic 'e1000g0' (1500)"
    );
    sim.zoneadm(&["-z", "m1", "boot"]).fails();
    nothing_created(&sim);
}

/// With a configured MTU the host's links are listed once, and a link-form global-nic is
/// checked against them too.
#[test]
fn global_nic_must_be_able_to_carry_vnics() {
    let sim = host();
    sim.dladm(&["create-vnic", "-t", "-l", "e1000g0", "oper0"])
        .ok();
    sim.add_zone_raw(
        "c1",
        "joyent",
        r#"<network physical="net0" global-nic="oper0"><net-attr name="mtu" value="1500"/></network>"#,
    );
    let r = sim.netzone(&["plan", "c1"]).fails();
    assert!(
        r.stderr()
            .contains("global-nic 'oper0': link of class 'vnic' cannot carry VNICs"),
        "{}",
        r.stderr()
    );
    let sim = host();
    sim.add_zone_raw(
        "c2",
        "joyent",
        r#"<network physical="net0" global-nic="nosuch0"><net-attr name="mtu" value="1500"/></network>"#,
    );
    let r = sim.netzone(&["plan", "c2"]).fails();
    assert!(
        r.stderr().contains(
            "global-nic 'nosuch0': no nic tag 'nosuch0' in sysinfo and no such physical link"
        ),
        "{}",
        r.stderr()
    );
}

#[test]
fn a_failed_flow_undoes_the_link() {
    let sim = host();
    sim.add_zone_raw(
        "f1",
        "joyent",
        r#"<network physical="net0" global-nic="admin"><net-attr name="blocked_outgoing_ports" value="25"/></network>"#,
    );
    let r = sim.netzone(&["plan", "f1"]).ok();
    let flow_line = r
        .stdout()
        .lines()
        .find(|l| {
            l.starts_with(
                "flowadm add-flow -t -l net0 -z f1 -a transport=tcp,remote_port=25 -p maxbw=0 f",
            )
        })
        .map(String::from);
    assert!(flow_line.is_some(), "{}", r.stdout());
    sim.fault("add-flow", "before", "fail", None);
    let r = sim.zoneadm(&["-z", "f1", "boot"]).fails();
    assert!(
        r.stderr().contains("zone 'f1': net 'net0': flowadm"),
        "{}",
        r.stderr()
    );
    assert!(sim.vnics().is_empty(), "{:#?}", sim.vnics());
    assert!(sim.state()["flows"].as_array().unwrap().is_empty());
}

/// How many sim-sysinfo runs the log holds from line `mark` on.
fn sysinfo_runs(sim: &Sim, mark: usize) -> usize {
    sim.log()[mark..]
        .iter()
        .filter(|l| l.contains(" sim-sysinfo "))
        .count()
}

/// `show`, `gc` and `recover` with nets over nic tags: a tag is resolved (one `sysinfo -p`)
/// only when a row needs the link behind it, a leftover under a zone's temporary name over
/// a tag's link is netzone's orphan (and an operator's link of that name over another link is
/// not), an unresolvable tag is said and claims nothing, and a zone over tags stuck `down` is
/// recovered.
#[test]
fn show_gc_and_recover_resolve_nic_tags() {
    let mut sim = host();
    sim.add_zone_raw(
        "tg1",
        "joyent",
        r#"<network physical="net0" global-nic="admin"/>
           <network physical="net1" global-nic="external"/>"#,
    );
    sim.zoneadm(&["-z", "tg1", "boot"]).ok();
    // Every configured link held: no row needs a tag, no sysinfo.
    let mark = sim.log().len();
    let r = sim
        .netzone(&["show", "tg1", "-p", "-o", "LINK,OVER,STATE"])
        .ok();
    assert_eq!(r.stdout(), "net0:e1000g0:ok\nnet1:e1000g1:ok\n");
    assert_eq!(sysinfo_runs(&sim, mark), 0);
    // A net added while it runs is missing: its OVER is the tag's link, one sysinfo.
    let xml = std::fs::read_to_string(zone_file(&sim, "tg1")).unwrap();
    let more = xml.replace(
        "</zone>",
        "<network physical=\"net2\" global-nic=\"external\"/>\n</zone>",
    );
    std::fs::write(zone_file(&sim, "tg1"), more).unwrap();
    let mark = sim.log().len();
    let r = sim.netzone(&["show", "--problems", "-p", "-o", "LINK,ZONE,OVER,STATE"]);
    assert_eq!(r.code(), Some(1));
    assert_eq!(r.stdout(), "net2:tg1:e1000g1:missing\n");
    assert_eq!(sysinfo_runs(&sim, mark), 1);
    std::fs::write(zone_file(&sim, "tg1"), xml).unwrap();

    // Leftovers under tg2's temporary names in the global zone, its journal lost: the one over
    // the link its net's tag names is netzone's; the other is over another link than its net's
    // tag names, so it is not.
    sim.add_zone_raw(
        "tg2",
        "joyent",
        r#"<network physical="net0" global-nic="admin"/>
           <network physical="net1" global-nic="external"/>"#,
    );
    let z2 = netzone::zonename::ZoneName::new("tg2").unwrap();
    let t0 = netzone::tempname::temp_name(&z2, 0).to_string();
    let t1 = netzone::tempname::temp_name(&z2, 1).to_string();
    sim.dladm(&["create-vnic", "-t", "-l", "e1000g0", &t0]).ok();
    sim.dladm(&["create-vnic", "-t", "-l", "e1000g0", &t1]).ok();
    // sysinfo unreadable: the tags cannot be resolved, nothing is claimed, and that is said.
    sim.env
        .push(("NETZONE_SYSINFO".into(), "/nonexistent/sysinfo".into()));
    let r = sim.netzone(&["show", "--orphans", "-p", "-o", "LINK"]).ok();
    assert_eq!(r.stdout(), "", "{}", r.stdout());
    assert!(
        r.stderr().contains(
            "netzone: warning: zone 'tg2': net 'net0': global-nic 'admin': the nic tag cannot be resolved"
        ),
        "{}",
        r.stderr()
    );
    sim.netzone(&["gc"]).ok();
    assert_eq!(sim.vnics().iter().filter(|l| l.zone == "global").count(), 2);
    sim.env.pop();
    let mark = sim.log().len();
    let r = sim.netzone(&[
        "show",
        "--orphans",
        "-p",
        "-o",
        "LINK,ZONE,OVER,OWNER,STATE",
    ]);
    assert_eq!(r.code(), Some(1));
    assert_eq!(r.stdout(), format!("{t0}:tg2:e1000g0:netzone:orphan\n"));
    assert_eq!(sysinfo_runs(&sim, mark), 1);
    sim.netzone(&["gc"]).ok();
    let gz: Vec<String> = sim
        .vnics()
        .into_iter()
        .filter(|l| l.zone == "global")
        .map(|l| l.name)
        .collect();
    assert_eq!(gz, std::slice::from_ref(&t1));

    // tg1 stuck down (dlmgmtd gone at its halt): recover frees its links and halts it.
    sim.illumos_sim(&["dlmgmtd", "stop"]).ok();
    sim.zoneadm(&["-z", "tg1", "halt"]).fails();
    sim.illumos_sim(&["dlmgmtd", "start"]).ok();
    assert_eq!(sim.zone_state("tg1"), "down");
    sim.netzone(&["recover", "tg1"]).ok();
    assert_eq!(sim.zone_state("tg1"), "installed");
    assert!(in_zone(&sim, "tg1").is_empty());
    let left: Vec<String> = sim.vnics().into_iter().map(|l| l.name).collect();
    assert_eq!(left, [t1]);
}

/// A `netzone up` killed at an add-flow, before or after it ran: the link is in place under its
/// final name, so the next `up` keeps it, confirms the flow that exists and adds the one that
/// does not; nothing leaks at the halt.
#[test]
fn up_killed_at_a_flow_is_finished_by_the_next_up() {
    for when in ["before", "after"] {
        let sim = host();
        let mut n = common::NetSpec::new("net0", "e1000g0");
        n.mac = Some("2:8:20:0:0:5".into());
        n.blocked_ports = Some("25,587".into());
        sim.add_ready_plain_zone("cr1", &[n]);
        sim.fault("add-flow", when, "crash", Some(2));
        let r = sim.netzone(&["up", "cr1"]);
        assert!(!r.out.status.success(), "{when}: the crash did not kill up");
        let j = sim.journal("cr1").unwrap();
        let states: Vec<&str> = j["flows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["state"].as_str().unwrap())
            .collect();
        // The first flow was added (its record still says intent: the run never finished),
        // the second recorded before its add-flow.
        assert_eq!(states, ["intent", "intent"], "{when}: {j:#}");
        let expect = if when == "after" { 2 } else { 1 };
        assert_eq!(sim.flows().len(), expect, "{when}: {:#?}", sim.flows());
        let mark = sim.log().len();
        sim.netzone(&["up", "cr1"]).ok();
        let adds = sim.log()[mark..]
            .iter()
            .filter(|l| l.contains("add-flow"))
            .count();
        assert_eq!(adds, 2 - expect, "{when}");
        assert!(!sim.log()[mark..].iter().any(|l| l.contains("create-vnic")));
        assert_eq!(
            sim.flows(),
            [
                r#"f2_8_20_0_0_5_br_25 net0 cr1 {"remote_port":"25","transport":"tcp"} {"maxbw":"0"}"#,
                r#"f2_8_20_0_0_5_br_587 net0 cr1 {"remote_port":"587","transport":"tcp"} {"maxbw":"0"}"#,
            ],
            "{when}"
        );
        let j = sim.journal("cr1").unwrap();
        assert!(
            j["flows"]
                .as_array()
                .unwrap()
                .iter()
                .all(|f| f["state"] == "active"),
            "{when}: {j:#}"
        );
        sim.zoneadm(&["-z", "cr1", "halt"]).ok();
        assert!(sim.flows().is_empty() && sim.vnics().is_empty(), "{when}");
    }
}
