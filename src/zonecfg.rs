//! The zone's configuration as netzone needs it: typed, validated network resources read from
//! `<altroot>/etc/zones/<zone>.xml` (illumos-gate `usr/src/lib/libzonecfg/common/libzonecfg.c`
//! `config_file_path`), with the SmartOS/OmniOS `global-nic`, `mac-addr`, `vlan-id` and `<net-attr>`
//! extensions of the zonecfg DTD (illumos-joyent `usr/src/lib/libzonecfg/dtd/zonecfg.dtd.1`).
//!
//! OWNER: foundation issue (#2). The types below are the contract the engine builds on; parsing
//! and validation fill them in.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::linkname::LinkName;
use crate::mac::MacSpec;
use crate::mtu::Mtu;
use crate::vlan::VlanId;
use crate::zonename::ZoneName;

/// A net's `global-nic`: the link its VNIC is created over.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GlobalNic {
    Link(LinkName),
    /// OmniOS `auto`: resolved from the route to `allowed-address`.
    Auto,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IpType {
    Shared,
    Exclusive,
}

/// One validated `<network>` resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Net {
    /// The link's name inside the zone.
    pub physical: LinkName,
    /// Shared-IP `address` (never set together with `global_nic`).
    pub address: Option<String>,
    /// `allowed-address`, split on `,`.
    pub allowed_address: Vec<String>,
    pub defrouter: Option<String>,
    /// `None`: an operator-provided link that netzone does not create.
    pub global_nic: Option<GlobalNic>,
    pub mac: Option<MacSpec>,
    /// `None`: untagged.
    pub vlan: Option<VlanId>,
    /// From `<net-attr name="mtu">`.
    pub mtu: Option<Mtu>,
    /// Every `<net-attr>`, as written.
    pub attrs: BTreeMap<String, String>,
}

/// The parts of a zone's configuration netzone reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneConfig {
    pub name: ZoneName,
    pub brand: String,
    pub zonepath: PathBuf,
    pub ip_type: IpType,
    pub nets: Vec<Net>,
}
