//! `netzone check` through the real binary: valid zones, and malformed or invalid input, each
//! with the exact message and exit status an operator gets.

mod check_support;

use check_support::{one_net, zone_xml, Root, NET0_FIXED_MAC};

/// Checks one zone whose XML is `xml`.
fn check_one(xml: impl AsRef<[u8]>) -> check_support::Run {
    let r = Root::new();
    r.add_zone("web1", xml);
    r.check(&["web1"])
}

fn net_line(msg: &str) -> String {
    format!("netzone: zone 'web1': net 'net0': {msg}")
}

// ---- valid input -------------------------------------------------------------------------

#[test]
fn valid_examples_pass() {
    let r = Root::new();
    let xml = |f: &str| {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("xml")
                .join(f),
        )
        .unwrap()
    };
    r.add_zone("web1", xml("smartos-web1.xml"));
    r.add_zone("web01", xml("omnios-web01.xml"));
    r.add_zone("db1", xml("upstream-db1.xml"));
    r.add_zone("mail1", xml("shared-ip-mail1.xml"));
    // omnios-web01's `auto` net routes through ixgbe1 on this host.
    assert_eq!(r.sim(&["route", "add", "172.16.0.0/16", "ixgbe1"]).code, 0);
    // smartos-web1 asks for a 9000-byte MTU over ixgbe0, which the host must allow.
    let out = r.dladm(&["set-linkprop", "-t", "-p", "mtu=9000", "ixgbe0"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    r.check(&["web1", "web01", "db1", "mail1"]).expect_ok();
    // Valid means read and judged, not just exit 0: -v names each zone with the nets found,
    // counted here from the files themselves (every <network>, and those with a global-nic).
    let out = r.netzone(&["-v", "check", "web1", "web01", "db1", "mail1"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for (zone, file) in [
        ("web1", "smartos-web1.xml"),
        ("web01", "omnios-web01.xml"),
        ("db1", "upstream-db1.xml"),
        ("mail1", "shared-ip-mail1.xml"),
    ] {
        let text = String::from_utf8(xml(file)).unwrap();
        let nets: Vec<&str> = text.split("<network").skip(1).collect();
        let managed = nets
            .iter()
            .filter(|n| n.split('>').next().unwrap_or("").contains("global-nic="))
            .count();
        let line = format!(
            "netzone: zone '{zone}': valid ({} nets, {managed} created by netzone)",
            nets.len()
        );
        assert!(
            out.stderr.lines().any(|l| l == line),
            "{line}\n{}",
            out.stderr
        );
    }
}

#[test]
fn vlan_zero_is_untagged_and_valid() {
    check_one(one_net(
        "web1",
        r#"physical="net0" global-nic="igb0" vlan-id="0""#,
    ))
    .expect_ok();
}

#[test]
fn unknown_elements_are_skipped() {
    let body = r#"  <fs dir="/d" special="/d" type="lofs"><fsoption name="ro"/></fs>
  <dataset name="tank/x"/>
  <rctl name="zone.max-lwps"><rctl-value priv="privileged" limit="1" action="deny"/></rctl>
  <network physical="net0" global-nic="igb0"/>
  <attr name="a" type="string" value="b"/>
  <device match="/dev/x"/>
  <network physical="net1" global-nic="igb0"/>"#;
    check_one(zone_xml("web1", "exclusive", body)).expect_ok();
}

#[test]
fn verbose_says_valid() {
    let r = Root::new();
    r.add_zone(
        "web1",
        one_net("web1", r#"physical="net0" global-nic="igb0""#),
    );
    let out = r.netzone(&["-v", "check", "web1"]);
    out.expect(
        0,
        "netzone: zone 'web1': valid (1 nets, 1 created by netzone)",
    );
}

// ---- malformed XML -------------------------------------------------------------------------

#[test]
fn truncated_xml() {
    let xml = one_net("web1", r#"physical="net0" global-nic="igb0""#);
    let cut = &xml[..xml.len() - 9]; // drops "</zone>\n" and a byte of "/>"
    let out = check_one(cut);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.starts_with("netzone: zone 'web1': ")
            && out.stderr.contains(": malformed XML: "),
        "{}",
        out.stderr
    );
}

#[test]
fn truncated_after_a_complete_element_names_the_open_one() {
    let xml = one_net("web1", r#"physical="net0" global-nic="igb0""#);
    let cut = xml.replace("</zone>\n", "");
    let r = Root::new();
    r.add_zone("web1", &cut);
    // The end of file is just after the last newline: line 5, column 1.
    let (lines, col) = (cut.lines().count() + 1, 1);
    assert!(cut.ends_with('\n'));
    let path = r.zones_dir().join("web1.xml");
    r.check(&["web1"]).expect(
        1,
        &format!(
            "netzone: zone 'web1': {}:{lines}:{col}: malformed XML: unexpected end of file: <zone> is not closed",
            path.display()
        ),
    );
}

#[test]
fn mismatched_end_tag_has_line_and_column() {
    let xml = "<zone name=\"web1\" zonepath=\"/z\">\n  <network physical=\"net0\">\n  </netwrk>\n</zone>\n";
    let r = Root::new();
    r.add_zone("web1", xml);
    let out = r.check(&["web1"]);
    let path = r.zones_dir().join("web1.xml");
    out.expect(
        1,
        &format!(
            "netzone: zone 'web1': {}:3:3: malformed XML: ill-formed document: expected `</network>`, but `</netwrk>` was found",
            path.display()
        ),
    );
}

#[test]
fn entity_declaration_in_doctype_is_refused() {
    let xml = r#"<?xml version="1.0"?>
<!DOCTYPE zone [ <!ENTITY xxe SYSTEM "file:///etc/shadow"> ]>
<zone name="web1" zonepath="/zones/web1" ip-type="exclusive">
  <network physical="&xxe;" global-nic="igb0"/>
</zone>
"#;
    let out = check_one(xml);
    out.expect_part(
        1,
        ":2:1: malformed XML: DOCTYPE with an internal subset (entity declarations) refused: netzone never expands entities",
    );
    assert!(!out.stderr.contains("root:"), "nothing was expanded");
}

#[test]
fn billion_laughs_is_refused_quickly() {
    let mut ents = String::from("<!ENTITY lol \"lol\">");
    for i in 1..10 {
        let prev = if i == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", i - 1)
        };
        ents.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">",
            format!("&{prev};").repeat(10)
        ));
    }
    let xml = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE zone [{ents}]>\n<zone name=\"web1\" zonepath=\"/z\"><attr name=\"x\" value=\"&lol9;\"/></zone>\n"
    );
    let t = std::time::Instant::now();
    check_one(xml).expect_part(1, "malformed XML: DOCTYPE with an internal subset");
    assert!(t.elapsed().as_secs() < 10);
}

#[test]
fn undeclared_entity_reference_is_refused() {
    check_one(one_net("web1", r#"physical="&xxe;" global-nic="igb0""#)).expect_part(
        1,
        "malformed XML: attribute 'physical': entity reference '&xxe;' refused: netzone expands only the predefined XML entities and character references",
    );
}

#[test]
fn entity_in_text_of_skipped_element_is_refused() {
    let xml = zone_xml("web1", "exclusive", "<attr name=\"a\">&ext;</attr>");
    check_one(xml).expect_part(1, "entity reference '&ext;' refused");
}

#[test]
fn predefined_entities_and_char_refs_are_fine() {
    // &#110;&#101;&#116;0 is "net0".
    check_one(one_net(
        "web1",
        r#"physical="&#110;&#101;&#116;0" global-nic="igb0""#,
    ))
    .expect_ok();
    check_one(one_net("web1", r#"physical="net0&amp;" global-nic="igb0""#)).expect(
        1,
        "netzone: zone 'web1': net 'net0&': physical 'net0&': link name may contain only letters, digits, '_' and '.'",
    );
}

#[test]
fn nul_character_reference_is_refused() {
    check_one(one_net("web1", r#"physical="net0&#0;" global-nic="igb0""#))
        .expect_part(1, "malformed XML: attribute 'physical': ");
}

#[test]
fn ten_megabyte_file_is_refused_unread() {
    let mut xml = one_net("web1", r#"physical="net0" global-nic="igb0""#).into_bytes();
    xml.extend(std::iter::repeat_n(b' ', 10 * 1024 * 1024));
    let r = Root::new();
    r.add_zone("web1", &xml);
    let path = r.zones_dir().join("web1.xml");
    r.check(&["web1"]).expect(
        1,
        &format!(
            "netzone: zone 'web1': {}: file is larger than 4194304 bytes ({} bytes); refusing to parse it",
            path.display(),
            xml.len()
        ),
    );
}

#[test]
fn file_of_exactly_the_limit_is_read() {
    let mut xml = one_net("web1", r#"physical="net0" global-nic="igb0""#).into_bytes();
    let pad = 4 * 1024 * 1024 - xml.len();
    xml.extend(std::iter::repeat_n(b'\n', pad));
    assert_eq!(xml.len(), 4 * 1024 * 1024);
    check_one(&xml).expect_ok();
    xml.push(b'\n');
    check_one(&xml).expect_part(1, "file is larger than 4194304 bytes (4194305 bytes)");
}

#[test]
fn nul_byte_is_refused_with_position() {
    let xml = one_net("web1", "physical=\"net\0\" global-nic=\"igb0\"");
    let r = Root::new();
    r.add_zone("web1", &xml);
    let path = r.zones_dir().join("web1.xml");
    let col = xml.lines().nth(3).unwrap().find('\0').unwrap() + 1;
    r.check(&["web1"]).expect(
        1,
        &format!(
            "netzone: zone 'web1': {}:4:{col}: malformed XML: NUL byte in file (not allowed in XML)",
            path.display()
        ),
    );
}

#[test]
fn non_utf8_is_refused() {
    let mut xml = one_net("web1", r#"physical="net0" global-nic="igb0""#).into_bytes();
    let at = xml.windows(4).position(|w| w == b"net0").unwrap();
    xml[at + 1] = 0xff;
    check_one(&xml).expect_part(
        1,
        "malformed XML: file is not valid UTF-8 (zonecfg writes UTF-8)",
    );
}

#[test]
fn hundred_thousand_networks_are_refused_quickly() {
    let nets = "<network physical=\"net0\"/>\n".repeat(100_000);
    let xml = zone_xml("web1", "exclusive", &nets);
    let t = std::time::Instant::now();
    check_one(&xml).expect_part(
        1,
        ":260:1: malformed XML: more than 256 <network> resources",
    );
    assert!(t.elapsed().as_secs() < 10);
}

#[test]
fn deep_nesting_is_refused() {
    let body = format!("{}{}", "<a>".repeat(100_000), "</a>".repeat(100_000));
    check_one(zone_xml("web1", "exclusive", &body))
        .expect_part(1, "malformed XML: elements nested more than 16 deep");
}

#[test]
fn wrong_root_element() {
    check_one("<?xml version=\"1.0\"?>\n<brand name=\"x\"/>\n").expect_part(
        1,
        ":2:1: malformed XML: root element is <brand>, expected <zone>",
    );
}

#[test]
fn unquoted_attribute_value() {
    check_one("<zone name=\"web1\" zonepath=\"/z\"><a x=1/></zone>")
        .expect_part(1, ":1:38: malformed XML: attribute value must be quoted");
}

#[test]
fn content_after_the_root() {
    check_one("<zone name=\"web1\" zonepath=\"/z\"/><zone/>").expect_part(
        1,
        ":1:34: malformed XML: element <zone> after the root element",
    );
    check_one("<zone name=\"web1\" zonepath=\"/z\"/>junk")
        .expect_part(1, ":1:34: malformed XML: text outside the root element");
}

#[test]
fn unclosed_comment() {
    check_one("<zone name=\"web1\" zonepath=\"/z\"><!-- x </zone>")
        .expect_part(1, "malformed XML: syntax error: comment not closed");
}

#[test]
fn byte_order_mark_alone() {
    // Found by the fuzzer: a UTF-8 BOM and a newline once made the scan slice inside the BOM.
    check_one(b"\xef\xbb\xbf\n").expect_part(1, "malformed XML: no <zone> element");
}

#[test]
fn byte_order_mark_before_a_valid_zone() {
    let xml = one_net("web1", r#"physical="net0" global-nic="igb0""#);
    check_one(format!("\u{feff}{xml}")).expect_ok();
}

#[test]
fn empty_file() {
    check_one("").expect_part(1, ":1:1: malformed XML: no <zone> element");
}

#[test]
fn duplicate_attribute() {
    // Line 4 is `  <network physical="net0" physical="net1"/>`; the second one is at column 28.
    check_one(one_net("web1", r#"physical="net0" physical="net1""#)).expect_part(
        1,
        ":4:28: malformed XML: attribute given twice in one element",
    );
}

// ---- invalid values ------------------------------------------------------------------------

#[test]
fn bad_mac_syntax() {
    check_one(one_net("web1", r#"physical="net0" global-nic="igb0" mac-addr="2:8:20:zz:b:c""#))
        .expect(
            1,
            &net_line("mac-addr '2:8:20:zz:b:c': not a MAC address (expected six hex octets separated by ':')"),
        );
}

#[test]
fn multicast_mac() {
    check_one(one_net("web1", r#"physical="net0" global-nic="igb0" mac-addr="1:0:5e:0:0:1""#))
        .expect(
            1,
            &net_line("mac-addr '1:0:5e:0:0:1': multicast or broadcast MAC address cannot be assigned to a VNIC"),
        );
}

#[test]
fn broadcast_and_zero_mac() {
    check_one(one_net(
        "web1",
        r#"physical="net0" global-nic="igb0" mac-addr="ff:ff:ff:ff:ff:ff""#,
    ))
    .expect_part(1, "multicast or broadcast MAC address");
    check_one(one_net(
        "web1",
        r#"physical="net0" global-nic="igb0" mac-addr="0:0:0:0:0:0""#,
    ))
    .expect(
        1,
        &net_line("mac-addr '0:0:0:0:0:0': all-zero MAC address cannot be assigned to a VNIC"),
    );
}

#[test]
fn vrrp_mac_needs_vrid() {
    check_one(one_net(
        "web1",
        r#"physical="net0" global-nic="igb0" mac-addr="vrrp""#,
    ))
    .expect(
        1,
        &net_line("mac-addr 'vrrp': 'vrrp' needs a VRRP router id (net-attr vrrp_vrid)"),
    );
    let ok = zone_xml(
        "web1",
        "exclusive",
        r#"<network physical="net0" global-nic="igb0" mac-addr="vrrp"><net-attr name="vrrp_vrid" value="7"/></network>"#,
    );
    check_one(ok).expect_ok();
    let bad = zone_xml(
        "web1",
        "exclusive",
        r#"<network physical="net0" global-nic="igb0" mac-addr="vrrp"><net-attr name="vrrp_vrid" value="256"/></network>"#,
    );
    let out = check_one(bad);
    out.expect(
        1,
        &net_line("vrrp_vrid '256': VRRP router id must be 1-255"),
    );
    assert_eq!(
        out.lines().len(),
        1,
        "the missing VRID is not reported twice"
    );
}

#[test]
fn vlan_4095() {
    check_one(one_net(
        "web1",
        r#"physical="net0" global-nic="igb0" vlan-id="4095""#,
    ))
    .expect(1, &net_line("vlan-id '4095': VLAN id must be 1-4094"));
}

#[test]
fn vlan_minus_one() {
    check_one(one_net(
        "web1",
        r#"physical="net0" global-nic="igb0" vlan-id="-1""#,
    ))
    .expect(1, &net_line("vlan-id '-1': VLAN id must be 1-4094"));
}

#[test]
fn vlan_abc() {
    check_one(one_net(
        "web1",
        r#"physical="net0" global-nic="igb0" vlan-id="abc""#,
    ))
    .expect(1, &net_line("vlan-id 'abc': VLAN id must be 1-4094"));
}

#[test]
fn vlan_boundaries_valid() {
    for v in ["1", "4094"] {
        check_one(one_net(
            "web1",
            &format!(r#"physical="net0" global-nic="igb0" vlan-id="{v}""#),
        ))
        .expect_ok();
    }
}

#[test]
fn physical_of_32_characters() {
    let name = format!("{}1", "n".repeat(31));
    check_one(one_net("web1", &format!(r#"physical="{name}" global-nic="igb0""#))).expect(
        1,
        &format!("netzone: zone 'web1': net '{name}': physical '{name}': link name is longer than 31 characters"),
    );
    let name31 = format!("{}1", "n".repeat(30));
    check_one(one_net(
        "web1",
        &format!(r#"physical="{name31}" global-nic="igb0""#),
    ))
    .expect_ok();
}

#[test]
fn physical_net01() {
    check_one(one_net("web1", r#"physical="net01" global-nic="igb0""#)).expect(
        1,
        "netzone: zone 'web1': net 'net01': physical 'net01': link name's number must not have a leading zero",
    );
}

#[test]
fn shell_metacharacters_in_physical() {
    check_one(one_net("web1", r#"physical="net0;reboot" global-nic="igb0""#)).expect_part(
        1,
        "netzone: zone 'web1': net 'net0;reboot': physical 'net0;reboot': link name may contain only letters, digits, '_' and '.'",
    );
}

#[test]
fn shell_metacharacters_in_global_nic() {
    check_one(one_net(
        "web1",
        r#"physical="net0" global-nic="$(reboot)0""#,
    ))
    .expect(
        1,
        &net_line(
            "global-nic '$(reboot)0': not a link name or nic tag: link name may contain only letters, digits, '_' and '.'",
        ),
    );
}

#[test]
fn shell_metacharacters_in_zone_name() {
    let r = Root::new();
    r.check(&["web1;reboot"]).expect(
        1,
        "netzone: zone 'web1;reboot': invalid zone name: zone name must start with a letter or digit and contain only letters, digits, '-', '_' and '.'",
    );
    r.check(&["../../etc/passwd"])
        .expect_part(1, "invalid zone name");
}

#[test]
fn shell_metacharacters_in_xml_zone_name() {
    check_one(one_net("web`id`", r#"physical="net0" global-nic="igb0""#)).expect(
        1,
        "netzone: zone 'web`id`': name 'web`id`': zone name must start with a letter or digit and contain only letters, digits, '-', '_' and '.'",
    );
}

#[test]
fn control_characters_are_escaped_in_messages() {
    check_one(one_net("web1", "physical=\"net0&#10;evil\" global-nic=\"igb0\"")).expect(
        1,
        "netzone: zone 'web1': net 'net0\\nevil': physical 'net0\\nevil': link name may contain only letters, digits, '_' and '.'",
    );
}

#[test]
fn duplicate_physicals() {
    let body = r#"<network physical="net0" global-nic="igb0"/>
<network physical="net0" global-nic="igb1"/>
<network physical="net0" global-nic="igb2"/>"#;
    let out = check_one(zone_xml("web1", "exclusive", body));
    out.expect(
        1,
        &net_line("physical 'net0': configured more than once in this zone"),
    );
    assert_eq!(out.lines().len(), 1, "reported once:\n{}", out.stderr);
}

#[test]
fn missing_physical() {
    check_one(one_net("web1", r#"global-nic="igb0""#)).expect(
        1,
        "netzone: zone 'web1': net #1: physical: required attribute missing",
    );
}

#[test]
fn missing_zone() {
    let r = Root::new();
    let path = r.zones_dir().join("nosuch.xml");
    r.check(&["nosuch"]).expect(
        1,
        &format!(
            "netzone: zone 'nosuch': no such zone configured ({} does not exist)",
            path.display()
        ),
    );
}

#[test]
fn unreadable_file() {
    let r = Root::new();
    std::fs::create_dir(r.zones_dir().join("web1.xml")).unwrap();
    r.check(&["web1"])
        .expect_part(1, "netzone: zone 'web1': cannot read ");
}

#[test]
fn file_names_another_zone() {
    let r = Root::new();
    r.write_xml(
        "web1",
        one_net("web2", r#"physical="net0" global-nic="igb0""#),
    );
    r.check(&["web1"]).expect(
        1,
        "netzone: zone 'web2': name 'web2': the file for zone 'web1' names another zone",
    );
}

#[test]
fn global_nic_needs_exclusive_ip() {
    check_one(zone_xml(
        "web1",
        "shared",
        r#"<network physical="net0" global-nic="igb0"/>"#,
    ))
    .expect(
        1,
        "netzone: zone 'web1': ip-type 'shared': exclusive IP required: net 'net0' has global-nic",
    );
}

#[test]
fn global_nic_needs_exclusive_ip_listing_every_net() {
    let body = r#"<network physical="net0" global-nic="igb0"/>
<network physical="net1"/>
<network physical="net2" global-nic="igb1"/>"#;
    let out = check_one(zone_xml("web1", "shared", body));
    out.expect(
        1,
        "netzone: zone 'web1': ip-type 'shared': exclusive IP required: nets 'net0', 'net2' have global-nic",
    );
    assert_eq!(out.lines().len(), 1);
}

#[test]
fn bad_ip_type() {
    check_one(zone_xml("web1", "excl", "")).expect(
        1,
        "netzone: zone 'web1': ip-type 'excl': must be 'shared' or 'exclusive'",
    );
}

#[test]
fn address_with_global_nic() {
    check_one(one_net("web1", r#"physical="net0" global-nic="igb0" address="10.0.0.1/24""#))
        .expect(
            1,
            &net_line("address '10.0.0.1/24': shared-IP address cannot be combined with global-nic (use allowed-address)"),
        );
}

#[test]
fn address_in_exclusive_zone() {
    check_one(one_net("web1", r#"physical="net0" address="10.0.0.1/24""#)).expect(
        1,
        &net_line("address '10.0.0.1/24': not valid in an exclusive-IP zone (use allowed-address)"),
    );
}

#[test]
fn allowed_address_in_shared_zone() {
    check_one(zone_xml(
        "web1",
        "shared",
        r#"<network physical="net0" address="10.0.0.2" allowed-address="10.0.0.1/24"/>"#,
    ))
    .expect(
        1,
        &net_line("allowed-address '10.0.0.1/24': only valid in an exclusive-IP zone"),
    );
}

#[test]
fn bad_addresses() {
    let out = check_one(one_net(
        "web1",
        r#"physical="net0" global-nic="igb0" allowed-address="10.0.0.1/33,fe80::1/64,nope" defrouter="10.0.0.256""#,
    ));
    out.expect(
        1,
        &net_line("allowed-address '10.0.0.1/33': prefix length must be 0-32"),
    );
    out.expect(
        1,
        &net_line("allowed-address 'nope': not an IP address (expected addr or addr/prefix)"),
    );
    out.expect(1, &net_line("defrouter '10.0.0.256': not an IP address"));
    assert_eq!(out.lines().len(), 3);
}

#[test]
fn global_nic_auto_needs_allowed_address() {
    check_one(one_net("web1", r#"physical="net0" global-nic="auto""#)).expect(
        1,
        &net_line("global-nic 'auto': 'auto' needs allowed-address to choose the link"),
    );
    // Valid as configuration; on this host `auto` resolves through the route table, as the
    // boot does: no route is refused, a route to igb1 is checked as igb1.
    let r = Root::new();
    let xml = |mtu: u32| {
        zone_xml(
            "web1",
            "exclusive",
            &format!(
                r#"<network physical="net0" global-nic="auto" allowed-address="10.1.2.3/24"><net-attr name="mtu" value="{mtu}"/></network>"#
            ),
        )
    };
    r.add_zone("web1", xml(1500));
    let p = r.temp_file("auto.xml", xml(1500));
    r.netzone(&["check", "--file", p.to_str().unwrap()])
        .expect_ok();
    r.check(&["web1"]).expect(
        1,
        "netzone: zone 'web1': net 'net0': global-nic 'auto': no route to allowed-address \
         '10.1.2.3' (route -n get: not in table); add a route or name the link in global-nic",
    );
    assert_eq!(r.sim(&["route", "add", "10.1.0.0/16", "igb1"]).code, 0);
    r.check(&["web1"]).expect_ok();
    r.add_zone("web1", xml(9000));
    r.check(&["web1"]).expect_part(
        1,
        "netzone: zone 'web1': net 'net0': mtu '9000': above the MTU of global-nic 'igb1' (1500)",
    );
}

#[test]
fn vlan_and_mac_need_global_nic() {
    let out = check_one(one_net(
        "web1",
        r#"physical="net0" vlan-id="12" mac-addr="2:8:20:1:2:3""#,
    ));
    out.expect(
        1,
        &net_line("vlan-id '12': needs global-nic (netzone only sets it on a VNIC it creates)"),
    );
    out.expect(
        1,
        &net_line(
            "mac-addr '2:8:20:1:2:3': needs global-nic (netzone only sets it on a VNIC it creates)",
        ),
    );
}

#[test]
fn mtu_net_attr() {
    let with_mtu = |v: &str| {
        zone_xml(
            "web1",
            "exclusive",
            &format!(
                r#"<network physical="net0" global-nic="igb0"><net-attr name="mtu" value="{v}"/></network>"#
            ),
        )
    };
    for v in ["68", "1500"] {
        check_one(with_mtu(v)).expect_ok();
    }
    // 65536 is a valid value (the configuration alone is fine) but above igb0's MTU on this
    // host: `check` refuses it, as the boot would fail.
    let r = Root::new();
    let p = r.temp_file("big.xml", with_mtu("65536"));
    r.netzone(&["check", "--file", p.to_str().unwrap()])
        .expect_ok();
    r.add_zone("web1", with_mtu("65536"));
    r.check(&["web1"]).expect(
        1,
        &net_line(
            "mtu '65536': above the MTU of global-nic 'igb0' (1500): a VNIC cannot be larger \
             than its lower link, so the boot would fail; set the mtu net-attr to 1500 or less, \
             or raise the MTU of igb0 first (dladm set-linkprop -p mtu=65536 igb0)",
        ),
    );
    for v in ["67", "65537", "abc", "-1500", ""] {
        check_one(with_mtu(v)).expect(1, &net_line(&format!("mtu '{v}': MTU must be 68-65536")));
    }
}

#[test]
fn bad_net_attrs() {
    let body = r#"<network physical="net0" global-nic="igb0">
  <net-attr name="primary" value="yes"/>
  <net-attr name="ips" value="10.0.0.1/24"/>
  <net-attr name="ips" value="10.0.0.2/24"/>
  <net-attr name="bad name" value="x"/>
  <net-attr value="x"/>
</network>"#;
    let out = check_one(zone_xml("web1", "exclusive", body));
    out.expect(
        1,
        &net_line("primary 'yes': must be 'true', 'false', '1' or '0'"),
    );
    out.expect(
        1,
        &net_line("ips '10.0.0.2/24': net-attr given more than once"),
    );
    out.expect(
        1,
        &net_line("net-attr 'bad name': name may contain only letters, digits, '_', '-' and '.' (at most 64)"),
    );
    out.expect(1, &net_line("net-attr: net-attr #5 has no name"));
    assert_eq!(out.lines().len(), 4);
}

#[test]
fn every_problem_is_reported_in_order() {
    let body = r#"<network physical="net01" global-nic="igb0"/>
<network physical="net1" global-nic="igb0" vlan-id="4095" mac-addr="ff:ff:ff:ff:ff:ff"/>
<network physical="net2" global-nic="igb 0"/>"#;
    let out = check_one(zone_xml("web1", "exclusive", body));
    assert_eq!(out.code, 1);
    assert_eq!(
        out.lines(),
        vec![
            "netzone: zone 'web1': net 'net01': physical 'net01': link name's number must not have a leading zero",
            "netzone: zone 'web1': net 'net1': mac-addr 'ff:ff:ff:ff:ff:ff': multicast or broadcast MAC address cannot be assigned to a VNIC",
            "netzone: zone 'web1': net 'net1': vlan-id '4095': VLAN id must be 1-4094",
            "netzone: zone 'web1': net 'net2': global-nic 'igb 0': not a link name or nic tag: link name may contain only letters, digits, '_' and '.'",
        ]
    );
}

#[test]
fn same_mac_twice_in_one_zone() {
    let body = r#"<network physical="net0" global-nic="igb0" mac-addr="2:8:20:1:2:3"/>
<network physical="net1" global-nic="igb0" mac-addr="02:08:20:01:02:03"/>"#;
    check_one(zone_xml("web1", "exclusive", body)).expect(
        1,
        "netzone: zone 'web1': net 'net1': mac-addr '02:08:20:01:02:03': also used by net 'net0' of this zone",
    );
}

#[test]
fn same_mac_in_two_zones() {
    let r = Root::new();
    r.add_zone("web1", one_net("web1", NET0_FIXED_MAC));
    r.add_zone(
        "web2",
        one_net(
            "web2",
            r#"physical="net5" global-nic="igb0" mac-addr="02:08:20:01:02:03""#,
        ),
    );
    let out = r.check(&["web1", "web2"]);
    out.expect(
        1,
        "netzone: zone 'web1': net 'net0': mac-addr '2:8:20:1:2:3': already used by zone 'web2' net 'net5'",
    );
    out.expect(
        1,
        "netzone: zone 'web2': net 'net5': mac-addr '2:8:20:1:2:3': already used by zone 'web1' net 'net0'",
    );
}

#[test]
fn mac_conflict_reported_alongside_other_problems() {
    let r = Root::new();
    r.add_zone("web2", one_net("web2", NET0_FIXED_MAC));
    r.add_zone(
        "web1",
        one_net(
            "web1",
            r#"physical="net0" global-nic="igb0" vlan-id="4095" mac-addr="2:8:20:1:2:3""#,
        ),
    );
    let out = r.check(&["web1"]);
    out.expect(1, &net_line("vlan-id '4095': VLAN id must be 1-4094"));
    out.expect(
        1,
        &net_line("mac-addr '2:8:20:1:2:3': already used by zone 'web2' net 'net0'"),
    );
}

#[test]
fn zones_not_in_the_index_do_not_count_and_broken_zones_do_not_spread() {
    let r = Root::new();
    // A template file zonecfg keeps in /etc/zones, not a configured zone.
    r.write_xml("SUNWdefault", one_net("other", NET0_FIXED_MAC));
    // A configured zone with a broken file of its own.
    r.add_zone("broken", "<zone");
    r.add_zone("web1", one_net("web1", NET0_FIXED_MAC));
    r.check(&["web1"]).expect_ok();
    r.check(&["broken"])
        .expect_part(1, "netzone: zone 'broken': ");
}

#[test]
fn one_bad_zone_fails_the_run_but_all_are_checked() {
    let r = Root::new();
    r.add_zone(
        "web1",
        one_net("web1", r#"physical="net0" global-nic="igb0""#),
    );
    let out = r.check(&["nosuch", "web1", "bad;"]);
    assert_eq!(out.code, 1);
    assert_eq!(out.lines().len(), 2, "{}", out.stderr);
}

#[test]
fn all_checks_every_indexed_zone() {
    let r = Root::new();
    r.add_zone(
        "web1",
        one_net("web1", r#"physical="net0" global-nic="igb0""#),
    );
    r.add_zone(
        "web2",
        one_net("web2", r#"physical="net0" global-nic="igb0""#),
    );
    r.netzone(&["check", "--all"]).expect_ok();
    r.add_zone(
        "web3",
        one_net(
            "web3",
            r#"physical="net0" global-nic="igb0" vlan-id="4095""#,
        ),
    );
    r.add_zone("ghost", "");
    std::fs::remove_file(r.zones_dir().join("ghost.xml")).unwrap();
    let out = r.netzone(&["check", "-a"]);
    out.expect(
        1,
        "netzone: zone 'web3': net 'net0': vlan-id '4095': VLAN id must be 1-4094",
    );
    out.expect_part(1, "netzone: zone 'ghost': no such zone configured");
    assert_eq!(out.lines().len(), 2, "{}", out.stderr);
    // An index listing only the global zone: nothing to check, and check says so.
    let empty = Root::new();
    let r0 = empty.netzone(&["check", "--all"]);
    r0.expect_part(1, "netzone: no zone is configured under ");
    r0.expect_part(1, "nothing to check");
    // No index at all: not an illumos root; said, and nothing is read or written there.
    std::fs::remove_file(empty.zones_dir().join("index")).unwrap();
    for args in [
        &["check", "--all"][..],
        &["check", "web1"],
        &["show"],
        &["gc"],
    ] {
        let out = empty.netzone(args);
        out.expect_part(1, "has no zone index");
        assert_eq!(out.lines().len(), 1, "{args:?}: {}", out.stderr);
    }
    assert!(
        !empty.path().join("etc/svc/volatile/netzone").exists(),
        "no flavour cache or journal written under a root without an index"
    );
    assert_eq!(r.netzone(&["check", "--all", "web1"]).code, 2);
    assert_eq!(r.netzone(&["check", "--all", "--file", "x.xml"]).code, 2);
}

// ---- usage ---------------------------------------------------------------------------------

#[test]
fn usage_errors_exit_2() {
    let r = Root::new();
    assert_eq!(r.netzone(&["check"]).code, 2);
    assert_eq!(r.netzone(&["check", "--bogus", "web1"]).code, 2);
    assert_eq!(r.netzone(&["check", "--file"]).code, 2);
    assert_eq!(r.netzone(&["check", "--file", "/x.xml", "web1"]).code, 2);
    assert_eq!(r.netzone(&[]).code, 2);
}

#[test]
fn check_file_reads_any_path() {
    let r = Root::new();
    let p = r.temp_file(
        "zonecfg.abc123",
        one_net("web9", r#"physical="net0" global-nic="igb0" vlan-id="0""#),
    );
    r.netzone(&["check", "--file", p.to_str().unwrap()])
        .expect_ok();
    let p = r.temp_file(
        "bad.xml",
        one_net(
            "web9",
            r#"physical="net0" global-nic="igb0" vlan-id="4095""#,
        ),
    );
    r.netzone(&["check", "--file", p.to_str().unwrap()]).expect(
        1,
        "netzone: zone 'web9': net 'net0': vlan-id '4095': VLAN id must be 1-4094",
    );
    let missing = r.path().join("nope.xml");
    r.netzone(&["check", "--file", missing.to_str().unwrap()])
        .expect_part(1, &format!("netzone: cannot read {}: ", missing.display()));
}

#[test]
fn root_from_environment() {
    let r = Root::new();
    r.add_zone(
        "web1",
        one_net("web1", r#"physical="net0" global-nic="igb0""#),
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_netzone"))
        .args(["check", "web1"])
        .env("NETZONE_ROOT", r.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---- what only the host knows ------------------------------------------------------------------

/// The sim's dladm command lines run so far (from its command log).
fn dladm_runs(r: &Root) -> Vec<String> {
    std::fs::read_to_string(r.path().join("var/sim/log"))
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(" sim-dladm "))
        .map(|l| l.split(" sim-dladm ").nth(1).unwrap_or("").to_string())
        .collect()
}

#[test]
fn global_nic_that_does_not_exist_is_refused_naming_the_links() {
    let r = Root::new();
    r.add_zone(
        "web1",
        one_net("web1", r#"physical="net0" global-nic="igb9""#),
    );
    r.check(&["web1"]).expect(
        1,
        &net_line(
            "global-nic 'igb9': no link 'igb9' in the global zone; set global-nic to one of: \
             aggr0, e1000g0, igb0, igb1, igb2, ixgbe0, ixgbe1",
        ),
    );
    // The same file through verify_cfg: refused at commit.
    let p = r.temp_file(
        "zonecfg.tmp",
        one_net("web1", r#"physical="net0" global-nic="igb9""#),
    );
    r.verify(&[p.to_str().unwrap()])
        .expect_part(1, "global-nic 'igb9': no link 'igb9' in the global zone");
}

#[test]
fn physical_named_like_an_operator_link_is_refused_with_its_over() {
    let r = Root::new();
    assert_eq!(
        r.dladm(&["create-vnic", "-t", "-l", "igb1", "oper0"]).code,
        0
    );
    r.add_zone(
        "web1",
        one_net("web1", r#"physical="oper0" global-nic="igb0""#),
    );
    r.check(&["web1"]).expect(
        1,
        "netzone: zone 'web1': net 'oper0': physical 'oper0': link 'oper0' already exists in the \
         global zone (a vnic over igb1) and netzone did not create it; the boot would fail on it \
         or lend it to the zone: rename or remove that link (dladm rename-link oper0 NEWNAME), \
         or give this net another physical name",
    );
}

#[test]
fn mac_in_use_by_a_live_link_is_refused() {
    let r = Root::new();
    let out = r.dladm(&[
        "create-vnic",
        "-t",
        "-l",
        "igb0",
        "-m",
        "2:8:20:0:0:1",
        "vn0",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    r.add_zone(
        "web1",
        one_net(
            "web1",
            r#"physical="net0" global-nic="igb1" mac-addr="02:08:20:00:00:01""#,
        ),
    );
    r.check(&["web1"]).expect(
        1,
        &net_line(
            "mac-addr '2:8:20:0:0:1': in use by link 'vn0' (a vnic over igb0) in the global \
             zone; choose another mac-addr, or remove that link",
        ),
    );
}

#[test]
fn gate_refuses_a_physical_another_zone_uses() {
    let xml = |z: &str| one_net(z, r#"physical="net0" global-nic="igb0""#);
    let gate = Root::with_flavour("gate");
    gate.add_zone("web1", xml("web1"));
    gate.add_zone("web2", xml("web2"));
    let out = gate.netzone(&["check", "-a"]);
    out.expect(
        1,
        "netzone: zone 'web1': net 'net0': physical 'net0': also configured for zone 'web2' \
         (net 'net0'); link names are host-wide on this host (illumos-gate), so the two zones \
         cannot run together: give one of the nets another physical name",
    );
    assert_eq!(out.lines().len(), 2, "both zones named: {}", out.stderr);
    // joyent keeps names per zone: both are fine.
    let joyent = Root::new();
    joyent.add_zone("web1", xml("web1"));
    joyent.add_zone("web2", xml("web2"));
    joyent.netzone(&["check", "-a"]).expect_ok();
}

#[test]
fn the_host_is_read_once_for_every_zone() {
    let r = Root::new();
    for z in ["web1", "web2", "web3"] {
        r.add_zone(z, one_net(z, r#"physical="net0" global-nic="igb0""#));
    }
    r.netzone(&["--flavour", "joyent", "check", "-a"])
        .expect_ok();
    assert_eq!(
        dladm_runs(&r),
        [
            "show-vnic -p -o LINK,OVER,MACADDRESS,MACADDRTYPE,VID,ZONE",
            // The VNIC walk was empty: confirmed by a lookup (dlmgmtd answers).
            "show-link -p -o LINK nzprobe0",
            "show-link -p -o LINK,CLASS,MTU,OVER",
            // The NICs' own MACs (a mac-addr may not take one).
            "show-phys -m -p -o LINK,ADDRESS",
        ]
    );
}

#[test]
fn dlmgmtd_down_checks_the_configuration_only_and_says_so() {
    let r = Root::new();
    r.add_zone(
        "web1",
        one_net("web1", r#"physical="net0" global-nic="igb9""#),
    );
    assert_eq!(r.sim(&["dlmgmtd", "stop"]).code, 0);
    let out = r.netzone(&["--flavour", "joyent", "check", "web1"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.lines().len(), 1, "{}", out.stderr);
    assert!(
        out.stderr
            .starts_with("netzone: cannot read the host's links (")
            && out.stderr.ends_with("): checked the configuration only\n"),
        "{}",
        out.stderr
    );
    // A configuration problem is still reported.
    r.add_zone(
        "web2",
        one_net(
            "web2",
            r#"physical="net0" global-nic="igb0" vlan-id="4095""#,
        ),
    );
    r.netzone(&["--flavour", "joyent", "check", "web2"]).expect(
        1,
        "netzone: zone 'web2': net 'net0': vlan-id '4095': VLAN id must be 1-4094",
    );
}

#[test]
fn mac_of_a_nic_is_refused() {
    let r = Root::new();
    // illumos-sim gives its NICs factory-looking MACs, igb0 the first: 0:14:4f:a0:0:1.
    r.add_zone(
        "web1",
        one_net(
            "web1",
            r#"physical="net0" global-nic="igb1" mac-addr="0:14:4f:a0:0:1""#,
        ),
    );
    r.check(&["web1"]).expect(
        1,
        &net_line("mac-addr '0:14:4f:a0:0:1': the address of NIC 'igb0'; choose another mac-addr"),
    );
}
