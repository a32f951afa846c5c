//! Shorthands for unit tests: names known to be valid.

use crate::linkname::LinkName;
use crate::zonename::ZoneName;

/// A link name; panics if invalid.
pub fn ln(s: &str) -> LinkName {
    LinkName::new(s).unwrap()
}

/// A zone name; panics if invalid.
pub fn zn(s: &str) -> ZoneName {
    ZoneName::new(s).unwrap()
}

/// A net named `phys` over `over` (the global NIC, if any), with nothing else configured.
pub fn net(phys: &str, over: Option<&str>) -> crate::zonecfg::Net {
    crate::zonecfg::Net {
        physical: ln(phys),
        address: None,
        allowed_address: vec![],
        defrouter: vec![],
        global_nic: over.map(|o| crate::zonecfg::GlobalNic::Link(ln(o))),
        mac: None,
        vlan: None,
        mtu: None,
        attrs: std::collections::BTreeMap::new(),
    }
}

/// A VNIC as a walk observes it: `name` over `over` with `mac` (none if it does not parse) and
/// VLAN `vid` (0: untagged), in `zone` (`None`: the global zone).
pub fn vnic(
    name: &str,
    over: &str,
    mac: &str,
    vid: u16,
    zone: Option<&str>,
) -> crate::dladm::observe::ObservedLink {
    crate::dladm::observe::ObservedLink {
        name: ln(name),
        zone: zone.map(zn),
        vnic: Some(crate::dladm::VnicInfo {
            link: ln(name),
            over: over.into(),
            mac: mac.parse().ok(),
            mac_type: "random".into(),
            vid: crate::vlan::VlanId::new(vid).ok(),
            zone: zone.map(zn),
        }),
    }
}

/// netzone's record of net `net`'s link (its `index`-th) in `zone`, under its temporary name,
/// over e1000g0 with MAC 2:8:20:1:2:3, in `state`.
pub fn temp_entry(
    zone: &str,
    net: &str,
    index: usize,
    state: crate::journal::LinkState,
) -> crate::journal::JournalLink {
    crate::journal::JournalLink {
        net: ln(net),
        index,
        name: crate::tempname::temp_name(&zn(zone), index),
        final_name: ln(net),
        over: ln("e1000g0"),
        vid: None,
        mac: "2:8:20:1:2:3".parse().ok(),
        zone: zn(zone),
        state,
        run: "1-1".into(),
        persistent: false,
    }
}

/// `zone`'s journal holding `links`.
pub fn journal(zone: &str, links: Vec<crate::journal::JournalLink>) -> crate::journal::Journal {
    let mut j = crate::journal::Journal::empty(&zn(zone));
    j.links = links;
    j
}

/// An exclusive-IP joyent zone `name` at /zones/NAME with `nets`.
pub fn zone_config(name: &str, nets: Vec<crate::zonecfg::Net>) -> crate::zonecfg::ZoneConfig {
    crate::zonecfg::ZoneConfig {
        name: zn(name),
        brand: "joyent".into(),
        zonepath: format!("/zones/{name}").into(),
        ip_type: crate::zonecfg::IpType::Exclusive,
        nets,
    }
}
