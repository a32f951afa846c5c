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
