//! Property tests for the value types and the parser: printing a parsed valid value gives the
//! text back, parsing a printed value gives the value back, and no input makes anything panic.

use netzone::linkname::LinkName;
use netzone::mac::{Mac, MacSpec};
use netzone::vlan::VlanId;
use netzone::zonecfg;
use proptest::prelude::*;

/// Valid link names in their one spelling: a non-digit first character, then name characters,
/// then a number without a leading zero; at most 31 bytes.
fn link_name() -> impl Strategy<Value = String> {
    (
        "[A-Za-z_.]",
        "[A-Za-z0-9_.]{0,20}[A-Za-z_.]",
        "0|[1-9][0-9]{0,7}",
    )
        .prop_map(|(a, b, n)| {
            let mut s = format!("{a}{b}{n}");
            s.truncate(31);
            s
        })
        .prop_filter("ends in a canonical number", |s| LinkName::new(s).is_ok())
}

/// Unicast, non-zero octets.
fn octets() -> impl Strategy<Value = [u8; 6]> {
    any::<[u8; 6]>().prop_filter("assignable", |o| o[0] & 1 == 0 && *o != [0; 6])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn linkname_print_parse_identity(s in link_name()) {
        let l = LinkName::new(&s).unwrap();
        prop_assert_eq!(l.to_string(), s.clone());
        prop_assert_eq!(LinkName::new(l.as_ref()).unwrap(), l);
    }

    #[test]
    fn linkname_never_panics(s in any::<String>()) {
        if let Ok(l) = LinkName::new(&s) {
            prop_assert!(l.as_str().len() <= 31);
            prop_assert_eq!(l.as_str(), s.as_str());
        }
    }

    #[test]
    fn linkname_rejects_leading_zero_numbers(base in "[a-z]{1,10}", n in "0[0-9]{1,5}") {
        let name = format!("{base}{n}");
        prop_assert!(LinkName::new(&name).is_err());
    }

    #[test]
    fn mac_print_parse_identity(o in octets()) {
        let m = Mac::from_octets(o).unwrap();
        let printed = m.to_string();
        prop_assert_eq!(printed.parse::<Mac>().unwrap(), m);
        // Zero-padded upper-case input denotes the same address and prints the dladm way.
        let padded = o.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":");
        let p = padded.parse::<Mac>().unwrap();
        prop_assert_eq!(p, m);
        prop_assert_eq!(p.to_string(), printed.clone());
        prop_assert_eq!(MacSpec::parse(&printed, None).unwrap(), MacSpec::Fixed(m));
    }

    #[test]
    fn mac_never_panics(s in any::<String>()) {
        if let Ok(m) = s.parse::<Mac>() {
            prop_assert_eq!(m.to_string().parse::<Mac>().unwrap(), m);
        }
        let _ = MacSpec::parse(&s, None);
    }

    #[test]
    fn mac_never_panics_on_near_misses(s in "[0-9a-fA-F:]{0,20}") {
        let _ = s.parse::<Mac>();
    }

    #[test]
    fn vlan_print_parse_identity(v in 1u16..=4094) {
        let id = VlanId::new(v).unwrap();
        prop_assert_eq!(id.to_string(), v.to_string());
        prop_assert_eq!(id.to_string().parse::<VlanId>().unwrap(), id);
        prop_assert_eq!(VlanId::parse_zonecfg(&id.to_string()).unwrap(), Some(id));
    }

    #[test]
    fn vlan_out_of_range_refused(v in 4095u32..=u32::MAX) {
        prop_assert!(VlanId::parse_zonecfg(&v.to_string()).is_err());
        prop_assert!(v.to_string().parse::<VlanId>().is_err());
    }

    #[test]
    fn vlan_never_panics(s in any::<String>()) {
        if let Ok(Some(v)) = VlanId::parse_zonecfg(&s) {
            prop_assert!((1..=4094).contains(&v.get()));
        }
        let _ = s.parse::<VlanId>();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parser_never_panics_on_arbitrary_text(s in any::<String>()) {
        let _ = zonecfg::parse_str(&s, "prop");
    }

    #[test]
    fn parser_never_panics_on_xmlish_text(s in "[<>/=\" a-z&;#!\\[\\]-]{0,200}") {
        let _ = zonecfg::parse_str(&format!("<zone name=\"z\" zonepath=\"/z\">{s}</zone>"), "prop");
        let _ = zonecfg::parse_str(&s, "prop");
    }

    #[test]
    fn parser_never_panics_on_attribute_values(
        phys in any::<String>(), nic in any::<String>(), mac in any::<String>(), vlan in any::<String>()
    ) {
        let esc = |s: &str| s.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;");
        let xml = format!(
            "<zone name=\"z\" zonepath=\"/z\" ip-type=\"exclusive\"><network physical=\"{}\" global-nic=\"{}\" mac-addr=\"{}\" vlan-id=\"{}\"/></zone>",
            esc(&phys), esc(&nic), esc(&mac), esc(&vlan)
        );
        match zonecfg::parse_str(&xml, "prop") {
            Ok(z) => prop_assert_eq!(z.nets()[0].physical.as_str(), phys.as_str()),
            Err(e) => prop_assert!(!e.lines().is_empty()),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Index lines: whatever parses prints back to a line that parses to the same entry.
    #[test]
    fn index_line_round_trip(s in "[a-z0-9:\"/#. -]{0,60}") {
        if let Some(e) = netzone::zoneindex::parse_line(&s) {
            let line = netzone::zoneindex::format_line(&e);
            prop_assert_eq!(netzone::zoneindex::parse_line(&line), Some(e));
        }
    }

    #[test]
    fn index_entry_print_parse_identity(
        name in "[a-z][a-z0-9_.-]{0,20}",
        path in "/[a-z0-9:/._-]{0,40}",
        uuid in "([0-9a-f-]{36})?",
        state in 0usize..3,
    ) {
        use netzone::zoneindex::{IndexEntry, State};
        let e = IndexEntry {
            name,
            state: [State::Configured, State::Incomplete, State::Installed][state],
            path: path.into(),
            uuid: (!uuid.is_empty()).then_some(uuid),
        };
        prop_assert_eq!(netzone::zoneindex::parse_line(&netzone::zoneindex::format_line(&e)), Some(e));
    }
}
