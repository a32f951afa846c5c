//! illumos-gate (upstream illumos, OmniOS, Helios): a zone's links are created before ready
//! under their final name in the global zone, and zoneadmd lends them at ready (`vplat.c`
//! `configure_exclusive_network_interfaces`); dladm has no `-z`, so a link on loan to a zone
//! cannot be named from the global zone, and names are host-wide.

use super::{Dialect, Flavour};
use crate::dladm::observe::{self, Observation, ObserveError};
use crate::dladm::{self, LinkProp, VnicInfo, ZoneProp};
use crate::hook::{Action, Phase, CMD_READY};
use crate::host::Host;
use crate::linkname::LinkName;
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

    fn show_vnic_fields(&self) -> &'static str {
        dladm::GATE_VNIC_FIELDS
    }

    /// The `show-linkprop -p zone` walk (every link with its zone), then `show-vnic` for the
    /// VNIC details when a listed link is of `interest`: a boot whose names are all free
    /// costs one process.
    fn walk(
        &self,
        host: &Host,
        interest: &dyn Fn(&LinkName) -> bool,
        keep_unreadable: bool,
    ) -> Result<Observation, ObserveError> {
        observe::walk_zones_then_vnics(host, self.flavour(), interest, keep_unreadable)
    }

    /// The zone walk names the zones; VNICs are matched to its rows by name in walk order
    /// (a name seen twice: one in the global zone, one on loan), and a VNIC it did not list
    /// is the global zone's.
    fn observation(
        &self,
        zones: Vec<(LinkName, ZoneProp)>,
        statuses: &[(LinkName, String)],
        vnics: Vec<VnicInfo>,
    ) -> Observation {
        Observation::from_gate_rows(zones, statuses, vnics)
    }

    /// OmniOS's brands create a zone's VNICs at pre-ready (pkg5 `src/brand/illumos/prestate`:
    /// cmd 0, `config_network` of `shared/vnic.ksh`), before zoneadmd lends the links by name
    /// (`vplat.c` `configure_exclusive_network_interfaces`): pre-ready creates, post-ready
    /// marks the links lent. No shield: it renames a link inside the zone, and gate's dladm
    /// has no `-z` to name one there.
    fn hook_action(&self, phase: Phase, _state: u32, cmd: u32) -> Action {
        match (phase, cmd) {
            (Phase::Pre, CMD_READY) => Action::Up,
            (Phase::Post, CMD_READY) => Action::Lent,
            _ => Action::Nothing,
        }
    }

    /// None: gate's libdladm knows only the common ones.
    fn own_link_props(&self) -> &'static [&'static str] {
        &[]
    }

    /// What zoneadmd sets when it lends a net with an `allowed-address`: `protection` =
    /// `ip-nospoof` and `allowed-ips` = the addresses without their prefix length
    /// (`vplat.c` `add_net_for_linkid`); nothing otherwise, and netzone sets none itself.
    fn carried_props(&self, net: &Net) -> Vec<LinkProp> {
        if net.allowed_address.is_empty() {
            return Vec::new();
        }
        vec![
            LinkProp::new("protection", &["ip-nospoof"]),
            LinkProp {
                name: "allowed-ips".into(),
                values: net
                    .allowed_address
                    .iter()
                    .map(|a| a.addr().to_string())
                    .collect(),
            },
        ]
    }
}
