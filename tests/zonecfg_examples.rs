//! Every example in xml/ parses to the values written in it.

use std::path::{Path, PathBuf};

use netzone::linkname::LinkName;
use netzone::mac::{Mac, MacSpec};
use netzone::zonecfg::{self, GlobalNic, IpType};

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("xml").join(name)
}

fn link(s: &str) -> LinkName {
    LinkName::new(s).unwrap()
}

#[test]
fn smartos_style_with_net_attrs() {
    let z = zonecfg::parse_file(&example("smartos-web1.xml")).unwrap();
    assert_eq!(z.name().as_str(), "web1");
    assert_eq!(z.brand(), Some("joyent-minimal"));
    assert_eq!(z.zonepath(), Some(std::path::Path::new("/zones/web1")));
    assert_eq!(z.ip_type(), IpType::Exclusive);
    assert_eq!(
        z.nets().len(),
        2,
        "nets separated by a dataset are both read"
    );
    let n0 = &z.nets()[0];
    assert_eq!(n0.physical, link("net0"));
    assert_eq!(n0.global_nic, Some(GlobalNic::Link(link("ixgbe0"))));
    assert_eq!(
        n0.mac,
        Some(MacSpec::Fixed("90:b8:d0:c0:ff:ee".parse::<Mac>().unwrap()))
    );
    assert_eq!(n0.vlan, None, "vlan-id 0 is untagged");
    assert_eq!(n0.mtu.map(|m| m.get()), Some(9000));
    assert_eq!(strs(&n0.allowed_address), ["10.88.88.50/24"]);
    assert_eq!(strs(&n0.defrouter), ["10.88.88.1"]);
    assert_eq!(n0.address, None);
    assert_eq!(n0.attrs.len(), 3);
    assert_eq!(n0.attrs["ips"], "10.88.88.50/24");
    assert_eq!(n0.attrs["primary"], "true");
    let n1 = &z.nets()[1];
    assert_eq!(n1.physical, link("net1"));
    assert_eq!(n1.global_nic, Some(GlobalNic::Link(link("ixgbe1"))));
    assert_eq!(n1.mac.unwrap().to_string(), "2:8:20:a:b:c");
    assert_eq!(n1.vlan.map(|v| v.get()), Some(3317));
    assert_eq!(n1.mtu, None);
    assert_eq!(n1.attrs["allow_ip_spoofing"], "false");
    assert_eq!(z.managed_nets().count(), 2);
}

#[test]
fn omnios_style() {
    let z = zonecfg::parse_file(&example("omnios-web01.xml")).unwrap();
    assert_eq!(z.name().as_str(), "web01");
    assert_eq!(z.brand(), Some("sparse"));
    assert_eq!(z.ip_type(), IpType::Exclusive);
    assert_eq!(z.nets().len(), 3);
    assert_eq!(z.nets()[0].physical, link("web01_0"));
    assert_eq!(z.nets()[0].global_nic, Some(GlobalNic::Link(link("igb0"))));
    assert_eq!(strs(&z.nets()[0].allowed_address), ["192.168.10.21/24"]);
    assert_eq!(strs(&z.nets()[0].defrouter), ["192.168.10.1"]);
    assert_eq!(z.nets()[0].mac, None);
    assert_eq!(z.nets()[1].vlan.map(|v| v.get()), Some(42));
    // Zero-padded on input, printed as dladm prints it.
    assert_eq!(z.nets()[1].mac.unwrap().to_string(), "2:8:20:ab:cd:ef");
    assert_eq!(z.nets()[2].global_nic, Some(GlobalNic::Auto));
    assert_eq!(strs(&z.nets()[2].allowed_address), ["172.16.5.9/16"]);
    assert!(z
        .nets()
        .iter()
        .all(|n| n.attrs.is_empty() && n.mtu.is_none()));
}

#[test]
fn upstream_only() {
    let z = zonecfg::parse_file(&example("upstream-db1.xml")).unwrap();
    assert_eq!(z.name().as_str(), "db1");
    assert_eq!(z.brand(), Some("ipkg"));
    assert_eq!(z.ip_type(), IpType::Exclusive);
    assert_eq!(z.nets().len(), 1);
    let n = &z.nets()[0];
    assert_eq!(n.physical, link("db1_0"));
    assert_eq!(n.global_nic, None);
    assert_eq!(n.mac, None);
    assert_eq!(n.vlan, None);
    assert_eq!(strs(&n.allowed_address), ["10.0.0.5/8"]);
    assert_eq!(z.managed_nets().count(), 0);
}

#[test]
fn shared_ip() {
    let z = zonecfg::parse_file(&example("shared-ip-mail1.xml")).unwrap();
    assert_eq!(z.name().as_str(), "mail1");
    assert_eq!(z.ip_type(), IpType::Shared, "ip-type defaults to shared");
    assert_eq!(z.nets().len(), 2);
    assert_eq!(z.nets()[0].address.as_deref(), Some("192.168.1.25/24"));
    assert_eq!(z.nets()[0].physical, link("e1000g0"));
    assert_eq!(z.nets()[1].address.as_deref(), Some("mail1-backup"));
    assert!(z.nets().iter().all(|n| n.global_nic.is_none()));
}

#[test]
fn load_reads_root_etc_zones() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(d.path().join("etc/zones")).unwrap();
    std::fs::copy(
        example("omnios-web01.xml"),
        d.path().join("etc/zones/web01.xml"),
    )
    .unwrap();
    let z = zonecfg::load(d.path(), &"web01".parse().unwrap()).unwrap();
    assert_eq!(z.nets().len(), 3);
    let e = zonecfg::load(d.path(), &"web02".parse().unwrap()).unwrap_err();
    assert!(matches!(e, zonecfg::ConfigError::MissingZone { .. }), "{e}");
}

/// The DTD extension in xml/ declares exactly the `<network>` attributes the parser reads, and
/// a network using every one of them parses with each value in place.
#[test]
fn dtd_matches_what_the_parser_reads() {
    let dtd = std::fs::read_to_string(example("netzone-network.dtd")).unwrap();
    let attlist = |el: &str| -> Vec<String> {
        let start = dtd.find(&format!("<!ATTLIST {el}")).unwrap();
        let body = &dtd[start..start + dtd[start..].find('>').unwrap()];
        body.lines()
            .skip(1)
            .filter_map(|l| l.split_whitespace().next().map(str::to_string))
            .collect()
    };
    assert_eq!(
        attlist("network"),
        [
            "physical",
            "address",
            "allowed-address",
            "defrouter",
            "global-nic",
            "mac-addr",
            "vlan-id"
        ]
    );
    assert_eq!(attlist("net-attr"), ["name", "value"]);
    assert!(dtd.contains("<!ELEMENT network (net-attr)*>"));
    assert!(dtd.contains("<!ELEMENT net-attr EMPTY>"));

    let z = zonecfg::parse_str(
        r#"<zone name="z1" zonepath="/z" ip-type="exclusive">
             <network physical="net0" allowed-address="10.0.0.2/24" defrouter="10.0.0.1"
                      global-nic="e1000g0" mac-addr="2:8:20:1:2:3" vlan-id="7">
               <net-attr name="mtu" value="1400"/>
             </network>
           </zone>"#,
        "inline",
    )
    .unwrap();
    let n = &z.nets()[0];
    assert_eq!(strs(&n.allowed_address), ["10.0.0.2/24"]);
    assert_eq!(strs(&n.defrouter), ["10.0.0.1"]);
    assert_eq!(n.global_nic.as_ref().unwrap().to_string(), "e1000g0");
    assert_eq!(n.mac.unwrap().to_string(), "2:8:20:1:2:3");
    assert_eq!(n.vlan.unwrap().get(), 7);
    assert_eq!(n.mtu.unwrap().get(), 1400);
    // The shared-IP attribute, in a shared-IP zone.
    let s = zonecfg::parse_str(
        r#"<zone name="z2" zonepath="/z"><network physical="e1000g0" address="10.0.0.9/24"/></zone>"#,
        "inline",
    )
    .unwrap();
    assert_eq!(s.nets()[0].address.as_deref(), Some("10.0.0.9/24"));
}

#[test]
fn model_serializes_for_json_output() {
    let z = zonecfg::parse_file(&example("omnios-web01.xml")).unwrap();
    let v: serde_json::Value = serde_json::to_value(&z).unwrap();
    assert_eq!(v["name"], "web01");
    assert_eq!(v["ip_type"], "exclusive");
    assert_eq!(v["nets"][1]["mac"], "2:8:20:ab:cd:ef");
    assert_eq!(v["nets"][1]["vlan"], 42);
    assert_eq!(v["nets"][2]["global_nic"], "auto");
    assert_eq!(v["nets"][0]["global_nic"], "igb0");
}

#[test]
fn configured_zones_lists_every_index_entry() {
    let d = tempfile::tempdir().unwrap();
    let zones = d.path().join("etc/zones");
    std::fs::create_dir_all(&zones).unwrap();
    std::fs::copy(example("omnios-web01.xml"), zones.join("web01.xml")).unwrap();
    std::fs::copy(example("upstream-db1.xml"), zones.join("db1.xml")).unwrap();
    std::fs::write(
        zones.join("index"),
        "# comment\nglobal:installed:/\nweb01:installed:/zones/web01:3f0f0c7a-2a5e-4d3e-9c1d-0d4f3a0e9b11\n\
         db1:configured:\"/zones/db:1\":\nghost:installed:/zones/ghost:\nbad;name:installed:/x:\n",
    )
    .unwrap();
    let all = zonecfg::configured_zones(d.path()).unwrap();
    let names: Vec<_> = all.iter().map(|z| z.entry.name.as_str()).collect();
    assert_eq!(
        names,
        ["web01", "db1", "ghost", "bad;name"],
        "global left out"
    );
    assert_eq!(all[0].config.as_ref().unwrap().nets().len(), 3);
    assert_eq!(all[1].entry.path, PathBuf::from("/zones/db:1"));
    assert!(all[1].config.is_ok());
    assert!(matches!(
        all[2].config,
        Err(zonecfg::ConfigError::MissingZone { .. })
    ));
    let e = all[3].config.as_ref().unwrap_err().to_string();
    assert!(e.starts_with("zone 'bad;name': name: in "), "{e}");
}

/// Typed values as their text, to compare with what the file says.
fn strs<T: ToString>(v: &[T]) -> Vec<String> {
    v.iter().map(ToString::to_string).collect()
}
