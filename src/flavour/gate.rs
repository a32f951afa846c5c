//! illumos-gate (upstream illumos, OmniOS, Helios): a zone's links are created before ready
//! under their final name in the global zone, and zoneadmd lends them at ready (`vplat.c`
//! `configure_exclusive_network_interfaces`); dladm has no `-z`, so a link on loan to a zone
//! cannot be named from the global zone, and names are host-wide.

use super::{Dialect, Flavour};
use crate::dladm::LinkProp;
use crate::mtu::Mtu;
use crate::zonecfg::Net;
use crate::zonename::ZoneName;

/// The illumos-gate dialect ([`Flavour::Gate`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Gate;

impl Dialect for Gate {
    fn flavour(&self) -> Flavour {
        Flavour::Gate
    }

    fn zone_arg<'a>(&self, _zone: Option<&'a ZoneName>) -> Option<&'a ZoneName> {
        None
    }

    /// None: zoneadmd sets `protection` and `allowed-ips` itself when it lends the link, and
    /// refuses a link that already has them (`vplat.c` `add_net_for_linkid`).
    fn vnic_props(&self, _net: &Net) -> Vec<LinkProp> {
        Vec::new()
    }

    /// The configured MTU only (set again after creation, illumos 15695).
    fn create_mtu(&self, net: &Net) -> Option<Mtu> {
        net.mtu
    }

    /// In the global zone, until zoneadmd lends it at ready.
    fn link_home(&self, _zone: &ZoneName) -> Option<ZoneName> {
        None
    }

    fn persistent_links(&self) -> bool {
        true
    }

    fn names_host_wide(&self) -> bool {
        true
    }
}
