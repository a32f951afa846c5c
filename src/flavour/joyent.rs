//! illumos-joyent (SmartOS): a zone's links are created after ready under a temporary name
//! with `zone=` and renamed inside the zone (`rename-link -z`); every dladm subcommand takes
//! `-z` and `show-vnic` has a ZONE field (SmartOS `jcommon/statechange` `setup_net`).

use super::{Dialect, Flavour};
use crate::dladm::observe::{self, Observation, ObserveError};
use crate::dladm::{self, LinkProp, VnicInfo, ZoneProp};
use crate::hook::{Action, Phase, CMD_HALT, CMD_READY, STATE_READY, STATE_RUNNING};
use crate::host::Host;
use crate::linkname::LinkName;
use crate::mtu::Mtu;
use crate::zonecfg::Net;
use crate::zonename::ZoneName;

/// The illumos-joyent dialect ([`Flavour::Joyent`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Joyent;

impl Dialect for Joyent {
    fn flavour(&self) -> Flavour {
        Flavour::Joyent
    }

    fn zone_arg<'a>(&self, zone: Option<&'a ZoneName>) -> Option<&'a ZoneName> {
        zone
    }

    /// Everything SmartOS's `setup_net` sets, in the one `create-vnic` (`netattr`).
    fn vnic_props(&self, net: &Net) -> Vec<LinkProp> {
        crate::netattr::smartos_props(net)
    }

    /// SmartOS's 1500 unless configured, so a zone never inherits a jumbo MTU by accident
    /// (statechange's DEFAULT_MTU comment).
    fn create_mtu(&self, net: &Net) -> Option<Mtu> {
        Some(crate::globalnic::effective_mtu(net))
    }

    /// In the zone: `create-vnic -p zone=Z` lends it at creation.
    fn link_home(&self, zone: &ZoneName) -> Option<ZoneName> {
        Some(zone.clone())
    }

    /// The `zone` property is temporary-only on this dladm, and a zone's link is named in the
    /// zone's name space: persistent links need gate.
    fn persistent_links(&self) -> bool {
        false
    }

    /// Link names live in each zone's name space and `-z` addresses them there.
    fn names_host_wide(&self) -> bool {
        false
    }

    fn show_vnic_fields(&self) -> &'static str {
        dladm::JOYENT_VNIC_FIELDS
    }

    /// One `show-vnic` walk: its ZONE field names every VNIC's zone, so no `show-linkprop`
    /// walk is needed. Only VNICs are seen (links of other classes are never netzone's).
    fn walk(
        &self,
        host: &Host,
        _interest: &dyn Fn(&LinkName) -> bool,
        _keep_unreadable: bool,
    ) -> Result<Observation, ObserveError> {
        observe::walk_vnics_with_zones(host, self.flavour())
    }

    /// The VNIC walk names each VNIC's zone; `zones` adds the links of other classes and the
    /// links whose zone dladm could not read that the VNIC walk did not name.
    fn observation(
        &self,
        zones: Vec<(LinkName, ZoneProp)>,
        statuses: &[(LinkName, String)],
        vnics: Vec<VnicInfo>,
    ) -> Observation {
        Observation::from_joyent_rows(vnics, zones, statuses)
    }

    /// SmartOS's own hook sets the network up at post-ready (jcommon/statechange: `post`,
    /// cmd 0, `setup_net`), once the zone exists and `zone=` can name it: pre-ready only
    /// validates, post-ready creates. The pre-halt of a ready or running zone shields the
    /// links zoneadmd lent it from illumos bug 10001 (`recover::shield`).
    fn hook_action(&self, phase: Phase, state: u32, cmd: u32) -> Action {
        match (phase, cmd) {
            (Phase::Pre, CMD_READY) => Action::Validate,
            (Phase::Post, CMD_READY) => Action::Up,
            (Phase::Pre, CMD_HALT) if state == STATE_READY || state == STATE_RUNNING => {
                Action::Shield
            }
            _ => Action::Nothing,
        }
    }

    /// `dynamic-methods` and `allow-all-dhcp-cids`: illumos-joyent additions to libdladm's
    /// `prop_table` (`linkprop.c`), which jcommon/statechange's `setup_net` sets.
    fn own_link_props(&self) -> &'static [&'static str] {
        &["dynamic-methods", "allow-all-dhcp-cids"]
    }

    /// Everything `create-vnic -p` set ([`Dialect::vnic_props`]).
    fn carried_props(&self, net: &Net) -> Vec<LinkProp> {
        self.vnic_props(net)
    }
}
