//! The datalink table: what dls (`usr/src/uts/common/io/dls/dls_mgmt.c`), the VNIC driver
//! (`usr/src/uts/common/io/vnic/vnic_dev.c`) and dlmgmtd (`usr/src/cmd/dlmgmtd/dlmgmt_door.c`,
//! `dlmgmt_db.c`) know about each link, and the operations dladm reaches them through.
//!
//! Facts modelled (each operation cites its source):
//! - link names live in per-zone namespaces, link ids are global (dlmgmt_door.c header
//!   comment: "The datalink ID space is global, while each zone has its own datalink name
//!   space");
//! - a link is on loan when the global zone gave it to a zone (`ll_onloan`, set by
//!   `dlmgmt_setzoneid`);
//! - transient links (`DLMGMT_TRANSIENT`, `ll_transient`) are deleted at zone halt instead of
//!   being returned to the global zone.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;

use serde::{Deserialize, Serialize};

use crate::state::{Flavour, Host, IpType, ZoneState, GLOBAL};

/// `MAXLINKNAMELEN` (`usr/src/uts/common/sys/param.h`): names are shorter than 32 bytes.
pub const MAXLINKNAMELEN: usize = 32;

/// MTU of an etherstub (`ANCHOR_VNIC_MAX_MTU`, vnic_dev.c) and of phys links by default.
pub const ETHERSTUB_MTU: u32 = 9000;
pub const PHYS_MTU: u32 = 1500;

/// The `dladm_status_t` values the sim produces, with the strings of `libdladm.c`
/// `dladm_status2str`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DlStatus {
    Failed,
    NotSup,
    NotFound,
    BadVal,
    Exist,
    LinkInval,
    PropRdOnly,
    BadValCnt,
    Denied,
    BadArg,
    TempOnly,
    LinkBusy,
    VidInval,
    MacAddrInUse,
    InvalidMacAddr,
    InvalidMacAddrLen,
    InvalidMtu,
    PersistOnTemp,
    TooSmall,
}

impl DlStatus {
    /// `dladm_status2str` text.
    pub fn as_str(self) -> &'static str {
        match self {
            DlStatus::Failed => "operation failed",
            DlStatus::NotSup => "operation not supported",
            DlStatus::NotFound => "object not found",
            DlStatus::BadVal => "invalid value",
            DlStatus::Exist => "object already exists",
            DlStatus::LinkInval => "invalid link",
            DlStatus::PropRdOnly => "read-only property",
            DlStatus::BadValCnt => "invalid number of values",
            DlStatus::Denied => "permission denied",
            DlStatus::BadArg => "invalid argument",
            DlStatus::TempOnly => "change cannot be persistent",
            DlStatus::LinkBusy => "link busy",
            DlStatus::VidInval => "invalid VLAN identifier",
            DlStatus::MacAddrInUse => "MAC address is already in use",
            DlStatus::InvalidMacAddr => "invalid MAC address value",
            DlStatus::InvalidMacAddrLen => "invalid MAC address length",
            DlStatus::TooSmall => "buffer size too small",
            DlStatus::InvalidMtu => "MTU check failed, MTU outside of device's supported range",
            DlStatus::PersistOnTemp => "can't create persistent object on top of temporary object",
        }
    }
}

impl fmt::Display for DlStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::error::Error for DlStatus {}

/// Datalink classes the sim models (`datalink_class_t`, names from `dladm_class2str`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkClass {
    Phys,
    Vnic,
    Etherstub,
    /// `DATALINK_CLASS_MISC`: links a driver registers outside the other classes (Oxide's
    /// `proteusN` ports, xde); VNICs may sit on them.
    Misc,
}

impl LinkClass {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkClass::Phys => "phys",
            LinkClass::Vnic => "vnic",
            LinkClass::Etherstub => "etherstub",
            LinkClass::Misc => "misc",
        }
    }
}

/// A 48-bit MAC address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mac(pub [u8; 6]);

impl Mac {
    /// Parses `_link_aton` style: six `:`-separated groups of 1-2 hex digits.
    pub fn parse(s: &str) -> Option<Mac> {
        let mut out = [0u8; 6];
        let parts: Vec<&str> = s.split(':').collect();
        if parts.len() != 6 {
            return None;
        }
        for (i, p) in parts.iter().enumerate() {
            if p.is_empty() || p.len() > 2 || !p.chars().all(|c| c.is_ascii_hexdigit()) {
                return None;
            }
            out[i] = u8::from_str_radix(p, 16).ok()?;
        }
        Some(Mac(out))
    }

    /// Unicast and not all zeros: what `mac_unicst_verify`/`vnic_dev_create` accept.
    pub fn is_valid_unicast(&self) -> bool {
        self.0[0] & 1 == 0 && self.0 != [0; 6]
    }
}

impl fmt::Display for Mac {
    /// `_link_ntoa`: lowercase hex, no zero padding (`2:8:20:a:b:c`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        write!(
            f,
            "{:x}:{:x}:{:x}:{:x}:{:x}:{:x}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

/// How a VNIC's MAC was chosen (`vnic_mac_addr_type_t`; show-vnic MACADDRTYPE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MacType {
    /// Phys links: the factory primary address.
    Primary,
    Fixed,
    Random,
    /// VRRP virtual router MAC (`00:00:5e:00:01:VRID`, or `:02:` for inet6).
    Vrrp {
        vrid: u8,
        inet6: bool,
    },
}

impl MacType {
    /// MACADDRTYPE text (dladm.c `print_vnic`: fixed also covers primary; vrrp prints
    /// `vrrp, V/inet` or `vrrp, V/inet6`).
    pub fn describe(self) -> String {
        match self {
            MacType::Primary | MacType::Fixed => "fixed".into(),
            MacType::Random => "random".into(),
            MacType::Vrrp { vrid, inet6 } => {
                format!("vrrp, {}/{}", vrid, if inet6 { "inet6" } else { "inet" })
            }
        }
    }
}

/// One datalink.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// Global datalink id.
    pub id: u32,
    pub name: String,
    /// Zone whose namespace holds the name now (`ll_zoneid`): `global` or a zone name.
    pub zone: String,
    /// Lent by the global zone (`ll_onloan`); returned to it at halt unless transient.
    pub onloan: bool,
    /// Deleted at zone halt rather than returned (`ll_transient`).
    pub transient: bool,
    /// Created with `-t`: active only, not in `/etc/dladm/datalink.conf`.
    pub temporary: bool,
    pub class: LinkClass,
    /// Link id of the lower link (VNICs).
    pub over: Option<u32>,
    pub mac: Option<Mac>,
    pub mac_type: MacType,
    /// VLAN id, 0 = untagged.
    pub vid: u16,
    pub mtu: u32,
    /// Other link properties set with set-linkprop / create-vnic -p (name -> value list).
    pub props: BTreeMap<String, String>,
    /// Persistent property values (`/etc/dladm/datalink.conf`, written by `create-vnic -p`
    /// without `-t` and by `set-linkprop` without `-t`): what the link has after a reboot.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pprops: BTreeMap<String, String>,
    /// IP is plumbed on the link from inside the zone that holds it: a DLPI stream opened from
    /// the link's own zone counts in `dl_zone_ref` (dls.c `dls_open`, released by
    /// `dls_close`), and while it is non-zero the link cannot change zone (dls_link.c
    /// `dls_link_setzid`: EBUSY, "link busy"). Set for the zone's links when it boots (its
    /// network/physical service plumbs them), cleared when it shuts down (its IP stack goes).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub plumbed: bool,
    /// The link's `zone` property cannot be read (`illumos-sim zone-unreadable`): linkprop.c
    /// `get_zone` fails, as it does when `getzonenamebyid` cannot name the zone id the kernel
    /// reports for the link (`dladm_errno2status(EINVAL)`, "invalid argument"). Stands in for
    /// kernel states the sim has no other way to reach (a zone id the kernel no longer names).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub zone_unreadable: bool,
}

/// Random bytes from the OS (for `random`/`auto` MAC addresses).
fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        if f.read_exact(&mut b).is_ok() {
            return b;
        }
    }
    // Fallback: time and pid mixed.
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
        ^ (u128::from(std::process::id()) << 64);
    for (i, x) in b.iter_mut().enumerate() {
        *x = (t >> ((i % 16) * 8)) as u8;
    }
    b
}

/// The MAC request of `create-vnic -m` (dladm.c `do_create_vnic`, libdlvnic.c
/// `dladm_vnic_str2macaddrtype`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MacRequest {
    /// Default: a factory slot if one is free, else random (libdlvnic.c, `VNIC_MAC_ADDR_TYPE_AUTO`).
    Auto,
    /// Random with a prefix (default `2:8:20`).
    Random(Vec<u8>),
    Fixed(Mac),
    /// `-m vrrp -V VRID -A inet|inet6` (libdlvnic.c: the VRRP virtual MAC).
    Vrrp {
        vrid: u8,
        inet6: bool,
    },
}

/// Default random MAC prefix (`dladm_vnic_def_prefix` in libdlvnic.c: 2:8:20).
pub const DEFAULT_MAC_PREFIX: [u8; 3] = [2, 8, 0x20];

/// What create-vnic asks for.
#[derive(Debug, Clone)]
pub struct VnicSpec {
    pub name: String,
    pub over: u32,
    pub mac: MacRequest,
    pub vid: u16,
    pub temporary: bool,
    /// Set by joyent dladm when `-t` and `zone=` are given (dladm.c `do_create_vnic`), and by
    /// libdladm for any link created inside a non-global zone.
    pub transient: bool,
    /// Namespace of the creating zone.
    pub zone: String,
}

/// `dladm_valid_linkname` (libdladm.c): shorter than `MAXLINKNAMELEN`, `[A-Za-z0-9_.]`, does
/// not start with a digit, ends in a digit, and no leading zero in the trailing number.
pub fn valid_link_name(name: &str) -> bool {
    let b = name.as_bytes();
    if b.is_empty() || b.len() >= MAXLINKNAMELEN {
        return false;
    }
    if !b
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'.')
    {
        return false;
    }
    if b[0].is_ascii_digit() || !b[b.len() - 1].is_ascii_digit() {
        return false;
    }
    let digits = b.iter().rev().take_while(|c| c.is_ascii_digit()).count();
    let num = &b[b.len() - digits..];
    !(num.len() > 1 && num[0] == b'0')
}

impl Link {
    /// A link is visible in zone `ns` (dlmgmt_door.c header: "Door clients can see links that
    /// were created in their zone, and links that are currently assigned to their zone");
    /// from the global zone, walks also list links on loan (`dlmgmt_getnext`).
    pub fn visible_from(&self, ns: &str) -> bool {
        self.zone == ns || (ns == GLOBAL && self.onloan)
    }
}

impl Host {
    /// Fails with `Failed` ("operation failed") when dlmgmtd's door is gone: libdladm
    /// `dladm_door_call` gets EBADF from `door_call` on the revoked door (dlmgmt_main.c
    /// `dlmgmt_door_fini` revokes it), retries once, and maps EBADF through
    /// `dladm_errno2status` to `DLADM_STATUS_FAILED`.
    pub fn door(&self) -> Result<(), DlStatus> {
        if self.dlmgmtd_online {
            Ok(())
        } else {
            Err(DlStatus::Failed)
        }
    }

    pub fn link(&self, id: u32) -> Option<&Link> {
        self.links.iter().find(|l| l.id == id)
    }

    pub fn link_mut(&mut self, id: u32) -> Option<&mut Link> {
        self.links.iter_mut().find(|l| l.id == id)
    }

    /// dlmgmtd `getlinkid`: a name is looked up in one zone's namespace only
    /// (`link_by_name(name, zoneid)`).
    pub fn lookup(&self, ns: &str, name: &str) -> Result<&Link, DlStatus> {
        self.door()?;
        self.links
            .iter()
            .find(|l| l.zone == ns && l.name == name)
            .ok_or(DlStatus::NotFound)
    }

    /// dlmgmtd `getnext` walk from zone `ns`, in link-id order.
    pub fn walk(&self, ns: &str) -> Result<Vec<&Link>, DlStatus> {
        self.door()?;
        let mut v: Vec<&Link> = self.links.iter().filter(|l| l.visible_from(ns)).collect();
        v.sort_by_key(|l| l.id);
        Ok(v)
    }

    /// dlmgmtd's `link_by_name`: its table also holds links that exist only in the persistent
    /// configuration (after `delete-vnic -t` of a persistent link), whose names stay taken.
    fn name_taken(&self, ns: &str, name: &str) -> bool {
        self.links
            .iter()
            .chain(self.persistent_only.iter())
            .any(|l| l.zone == ns && l.name == name)
    }

    fn alloc_link_id(&mut self) -> u32 {
        let id = self.next_link_id.max(1);
        self.next_link_id = id + 1;
        id
    }

    /// Adds a misc-class link (as a driver would at attach; `illumos-sim init --misc`): MTU
    /// 1500, a factory-looking MAC like a phys link's.
    pub fn add_misc(&mut self, name: &str, index: usize) -> Result<u32, DlStatus> {
        let id = self.add_phys(name, index)?;
        if let Some(l) = self.link_mut(id) {
            l.class = LinkClass::Misc;
        }
        Ok(id)
    }

    /// Adds a physical link as the kernel and dlmgmtd would at boot (used by `illumos-sim
    /// init`). `index` makes distinct factory-looking MACs (OUI 0:14:4f).
    pub fn add_phys(&mut self, name: &str, index: usize) -> Result<u32, DlStatus> {
        if !valid_link_name(name) {
            return Err(DlStatus::LinkInval);
        }
        if self.name_taken(GLOBAL, name) {
            return Err(DlStatus::Exist);
        }
        let id = self.alloc_link_id();
        let i = index as u32;
        self.links.push(Link {
            id,
            name: name.to_string(),
            zone: GLOBAL.to_string(),
            onloan: false,
            transient: false,
            temporary: false,
            class: LinkClass::Phys,
            over: None,
            mac: Some(Mac([
                0,
                0x14,
                0x4f,
                0xa0 | ((i >> 16) & 0x0f) as u8,
                (i >> 8) as u8,
                (i as u8).wrapping_add(1),
            ])),
            mac_type: MacType::Primary,
            vid: 0,
            mtu: PHYS_MTU,
            props: BTreeMap::new(),
            pprops: BTreeMap::new(),
            plumbed: false,
            zone_unreadable: false,
        });
        Ok(id)
    }

    /// `create-etherstub` (libdlvnic.c: an etherstub is a VNIC-class object with
    /// `VNIC_IOC_CREATE` over no link; class etherstub, MTU 9000 from vnic_dev.c
    /// `ANCHOR_VNIC_MAX_MTU`). A link created inside a zone is transient (libdllink.c
    /// `dladm_create_datalink_id`), and such a create cannot be persistent (TEMPONLY).
    pub fn create_etherstub(
        &mut self,
        ns: &str,
        name: &str,
        temporary: bool,
    ) -> Result<u32, DlStatus> {
        self.door()?;
        if ns != GLOBAL && !temporary {
            return Err(DlStatus::TempOnly);
        }
        if !valid_link_name(name) {
            return Err(DlStatus::BadArg);
        }
        if self.name_taken(ns, name) {
            return Err(DlStatus::Exist);
        }
        let id = self.alloc_link_id();
        let b = random_bytes::<3>();
        self.links.push(Link {
            id,
            name: name.to_string(),
            zone: ns.to_string(),
            onloan: false,
            transient: ns != GLOBAL,
            temporary,
            class: LinkClass::Etherstub,
            over: None,
            mac: Some(Mac([2, 8, 0x20, b[0], b[1], b[2]])),
            mac_type: MacType::Random,
            vid: 0,
            mtu: ETHERSTUB_MTU,
            props: BTreeMap::new(),
            pprops: BTreeMap::new(),
            plumbed: false,
            zone_unreadable: false,
        });
        Ok(id)
    }

    /// `create-vnic` as libdlvnic.c `dladm_vnic_create` and vnic_dev.c `vnic_dev_create` do it:
    /// - the lower link must be a phys link or an etherstub (no VNIC over a VNIC: BADARG);
    /// - a persistent VNIC over a temporary link is refused (PERSIST_ON_TEMP);
    /// - from inside a zone the VNIC is transient and cannot be persistent (TEMPONLY);
    /// - the name must be free in the creating zone's namespace (EEXIST from dlmgmtd
    ///   `dlmgmt_create_common`);
    /// - the MAC must be unicast, and the (MAC, VID) pair unused among the clients of the
    ///   same lower link (mac_client.c `mac_unicast_add`, `mac_addr_in_use`);
    /// - `auto` falls back to a random MAC with prefix 2:8:20 (the sim's lower links have no
    ///   spare factory slots);
    /// - the MTU is inherited from the lower link (vnic_dev.c: the VNIC's max SDU is the
    ///   lower MAC's).
    pub fn create_vnic(&mut self, spec: &VnicSpec) -> Result<u32, DlStatus> {
        self.door()?;
        if spec.zone != GLOBAL && !spec.temporary {
            return Err(DlStatus::TempOnly);
        }
        let lower = self.link(spec.over).ok_or(DlStatus::NotFound)?.clone();
        if lower.class == LinkClass::Vnic {
            return Err(DlStatus::BadArg);
        }
        if lower.temporary && !spec.temporary {
            return Err(DlStatus::PersistOnTemp);
        }
        if !valid_link_name(&spec.name) {
            return Err(DlStatus::BadArg);
        }
        if !(spec.vid == 0 || (1..=4094).contains(&spec.vid)) {
            return Err(DlStatus::VidInval);
        }
        if self.name_taken(&spec.zone, &spec.name) {
            return Err(DlStatus::Exist);
        }
        // mac_client.c `mac_addr_in_use`: the (MAC address, VID) tuple must be unused among
        // the clients of the lower MAC; the same MAC on another VLAN is fine.
        let vid = spec.vid;
        let in_use = |h: &Host, m: &Mac| {
            h.links
                .iter()
                .any(|l| l.over == Some(lower.id) && l.mac.as_ref() == Some(m) && l.vid == vid)
        };
        let (mac, mac_type) = match &spec.mac {
            MacRequest::Fixed(m) => {
                if !m.is_valid_unicast() {
                    return Err(DlStatus::InvalidMacAddr);
                }
                if in_use(self, m) {
                    return Err(DlStatus::MacAddrInUse);
                }
                (*m, MacType::Fixed)
            }
            MacRequest::Vrrp { vrid, inet6 } => {
                let m = Mac([0, 0, 0x5e, 0, if *inet6 { 2 } else { 1 }, *vrid]);
                if in_use(self, &m) {
                    return Err(DlStatus::MacAddrInUse);
                }
                (
                    m,
                    MacType::Vrrp {
                        vrid: *vrid,
                        inet6: *inet6,
                    },
                )
            }
            MacRequest::Auto | MacRequest::Random(_) => {
                let prefix: Vec<u8> = match &spec.mac {
                    MacRequest::Random(p) => p.clone(),
                    _ => DEFAULT_MAC_PREFIX.to_vec(),
                };
                if prefix.len() > 5 || prefix.first().is_some_and(|b| b & 1 == 1) {
                    return Err(DlStatus::InvalidMacAddr);
                }
                let mut tries = 0;
                loop {
                    let r = random_bytes::<6>();
                    let mut b = [0u8; 6];
                    b[..prefix.len()].copy_from_slice(&prefix);
                    b[prefix.len()..].copy_from_slice(&r[prefix.len()..]);
                    let m = Mac(b);
                    if m.is_valid_unicast() && !in_use(self, &m) {
                        break (m, MacType::Random);
                    }
                    tries += 1;
                    if tries > 1000 {
                        return Err(DlStatus::MacAddrInUse);
                    }
                }
            }
        };
        let id = self.alloc_link_id();
        self.links.push(Link {
            id,
            name: spec.name.clone(),
            zone: spec.zone.clone(),
            onloan: false,
            transient: spec.transient || spec.zone != GLOBAL,
            temporary: spec.temporary,
            class: LinkClass::Vnic,
            over: Some(lower.id),
            mac: Some(mac),
            mac_type,
            vid: spec.vid,
            mtu: lower.mtu,
            props: BTreeMap::new(),
            pprops: BTreeMap::new(),
            plumbed: false,
            zone_unreadable: false,
        });
        Ok(id)
    }

    /// Deletes a VNIC or etherstub (libdlvnic.c `dladm_vnic_delete`, vnic_dev.c
    /// `vnic_dev_delete`, dls_mgmt.c `dls_devnet_unset`):
    /// - from the global zone, a link on loan to a zone is busy (`dd_ref > 1`: "link busy"),
    ///   unless it is transient and its zone is at or past shutting down, or its zone is gone;
    /// - a link with VNICs over it is busy;
    /// - a zone sees only links in its namespace (dlmgmtd `link_by_id`), and a link the
    ///   global zone lent it is busy for it too.
    pub fn delete_link(&mut self, ns: &str, id: u32) -> Result<(), DlStatus> {
        self.door()?;
        let l = self.link(id).ok_or(DlStatus::NotFound)?.clone();
        if ns != GLOBAL && l.zone != ns {
            return Err(DlStatus::NotFound);
        }
        if ns != GLOBAL && l.onloan {
            // The global zone's loan holds the link (`dd_ref > 1`).
            return Err(DlStatus::LinkBusy);
        }
        if l.onloan && ns == GLOBAL {
            let zone = self.zone(&l.zone);
            let deletable = match zone {
                None => true,
                Some(z) => {
                    l.transient && matches!(z.state, ZoneState::ShuttingDown | ZoneState::Down)
                }
            };
            if !deletable {
                return Err(DlStatus::LinkBusy);
            }
        }
        if self.links.iter().any(|u| u.over == Some(id)) {
            return Err(DlStatus::LinkBusy);
        }
        self.links.retain(|x| x.id != id);
        Ok(())
    }

    /// `delete-vnic -t` (`DLADM_OPT_ACTIVE` only): as [`Host::delete_link`], but a persistent
    /// link keeps its entry in the persistent configuration (libdlvnic.c `dladm_vnic_delete`
    /// skips `dladm_remove_conf`; dlmgmtd `dlmgmt_destroy` clears only `DLMGMT_ACTIVE`), so
    /// its name stays taken and the link comes back at the next boot.
    pub fn delete_link_active(&mut self, ns: &str, id: u32) -> Result<(), DlStatus> {
        let l = self.link(id).cloned();
        self.delete_link(ns, id)?;
        if let Some(mut l) = l.filter(|l| !l.temporary) {
            l.zone = GLOBAL.to_string();
            l.onloan = false;
            l.props = l.pprops.clone();
            self.persistent_only.push(l);
        }
        Ok(())
    }

    /// rename-link (libdllink.c `dladm_rename_link`, dls_mgmt.c `dls_devnet_rename`,
    /// dlmgmt_door.c `dlmgmt_remapid`), for link `id` already found in the caller's (or,
    /// joyent `-z`, the named zone's) namespace, in this order:
    /// - the new name must be free in the link's current namespace (EEXIST; remapid looks it
    ///   up with `link_by_name(name, ll_zoneid)`);
    /// - a link on loan to a zone holds an extra `dd_ref` (dls_mgmt.c `dls_devnet_setzid`),
    ///   so `dls_devnet_rename` fails with EBUSY ("link busy"). illumos-joyent lets the global
    ///   zone rename a loaned link inside the zone's namespace (`rename-link -z Z`, what
    ///   jcommon/statechange does after `create-vnic -p zone=Z`); from inside the zone, and
    ///   always in illumos-gate, the loan keeps the link busy;
    /// - the new name is validated by dlmgmtd (`dladm_valid_linkname`, EINVAL).
    pub fn rename_link(
        &mut self,
        caller: &str,
        id: u32,
        new: &str,
        flavour: Flavour,
    ) -> Result<(), DlStatus> {
        self.door()?;
        let l = self.link(id).ok_or(DlStatus::NotFound)?.clone();
        if l.name != new && self.name_taken(&l.zone, new) {
            return Err(DlStatus::Exist);
        }
        if l.onloan && (flavour == Flavour::Gate || caller != GLOBAL) {
            return Err(DlStatus::LinkBusy);
        }
        if !valid_link_name(new) {
            return Err(DlStatus::BadArg);
        }
        if let Some(m) = self.link_mut(id) {
            m.name = new.to_string();
        }
        Ok(())
    }

    /// The `zone` link property (linkprop.c `check_zone`, `do_set_zone`; dlmgmt_door.c
    /// `dlmgmt_setzoneid`; dls_mgmt.c `dls_devnet_setzid`):
    /// - only the global zone may change it (EACCES -> "permission denied") - callers check;
    /// - the zone must exist in the kernel and be exclusive-IP (`ZF_NET_EXCL`), else BADVAL:
    ///   `check_zone` looks it up with `getzoneidbyname`, which finds a kernel zone from ready
    ///   through shutting down to down (zone.c `zone_find_by_name`/`zone_find_by_id`: a zone
    ///   outside READY..DOWN "doesn't exist"), so every state the sim has qualifies;
    /// - same zone: no-op; a link with IP plumbed in its zone cannot leave it (dls_link.c
    ///   `dls_link_setzid`, EBUSY: "link busy"); the name must be free in the destination
    ///   namespace (EEXIST);
    /// - moving in sets `ll_onloan`, moving to `global` clears it.
    pub fn set_link_zone(&mut self, id: u32, zone: &str) -> Result<(), DlStatus> {
        self.door()?;
        let l = self.link(id).ok_or(DlStatus::NotFound)?.clone();
        if zone != GLOBAL {
            let z = self.zone(zone).ok_or(DlStatus::BadVal)?;
            if z.ip_type != IpType::Excl {
                return Err(DlStatus::BadVal);
            }
        }
        if l.zone == zone {
            return Ok(());
        }
        if l.plumbed {
            // dls_link.c `dls_link_setzid`: the zone's own streams (`dl_zone_ref`) hold it.
            return Err(DlStatus::LinkBusy);
        }
        if self.name_taken(zone, &l.name) {
            return Err(DlStatus::Exist);
        }
        if let Some(m) = self.link_mut(id) {
            m.zone = zone.to_string();
            m.onloan = zone != GLOBAL;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host() -> Host {
        let mut h = Host::new(Flavour::Joyent);
        h.add_phys("net0", 0).unwrap();
        h.add_phys("e1000g0", 1).unwrap();
        h
    }

    fn vnic(h: &mut Host, name: &str, over: &str) -> Result<u32, DlStatus> {
        let over = h.lookup(GLOBAL, over).unwrap().id;
        h.create_vnic(&VnicSpec {
            name: name.into(),
            over,
            mac: MacRequest::Auto,
            vid: 0,
            temporary: true,
            transient: false,
            zone: GLOBAL.into(),
        })
    }

    #[test]
    fn link_names_follow_dladm_valid_linkname() {
        for ok in [
            "net0",
            "net10",
            "_x0",
            "a.b_c9",
            "vnic1234567890123456789012345671",
        ]
        .iter()
        .filter(|n| n.len() < 32)
        {
            assert!(valid_link_name(ok), "{ok}");
        }
        for bad in [
            "net",
            "net01",
            "net00",
            "0net0",
            "ne-t0",
            "",
            &"a".repeat(31)[..],
        ] {
            assert!(!valid_link_name(bad), "{bad}");
        }
        assert!(valid_link_name(&format!("{}0", "a".repeat(30))));
        assert!(!valid_link_name(&format!("{}0", "a".repeat(31))));
    }

    #[test]
    fn mac_prints_like_link_ntoa_and_parses() {
        let m = Mac::parse("02:08:20:0a:B:c").unwrap();
        assert_eq!(m.to_string(), "2:8:20:a:b:c");
        assert!(Mac::parse("2:8:20:a:b").is_none());
        assert!(Mac::parse("2:8:20:a:b:100").is_none());
        assert!(!Mac::parse("1:0:0:0:0:0").unwrap().is_valid_unicast());
    }

    #[test]
    fn names_are_per_zone_and_ids_global() {
        let mut h = host();
        h.zone_create("a", true).unwrap();
        h.zone_create("b", true).unwrap();
        let v1 = vnic(&mut h, "net1", "net0").unwrap();
        assert_eq!(vnic(&mut h, "net1", "net0"), Err(DlStatus::Exist));
        h.set_link_zone(v1, "a").unwrap();
        let v2 = vnic(&mut h, "net1", "net0").unwrap();
        assert_ne!(v1, v2);
        assert_eq!(h.set_link_zone(v2, "a"), Err(DlStatus::Exist));
        h.set_link_zone(v2, "b").unwrap();
        assert_eq!(h.walk(GLOBAL).unwrap().len(), 4);
        assert_eq!(h.lookup(GLOBAL, "net1"), Err(DlStatus::NotFound));
        assert_eq!(h.lookup("a", "net1").unwrap().id, v1);
    }

    #[test]
    fn zone_property_needs_an_exclusive_kernel_zone() {
        let mut h = host();
        let v = vnic(&mut h, "v0", "net0").unwrap();
        assert_eq!(h.set_link_zone(v, "nope"), Err(DlStatus::BadVal));
        h.zone_create("sh", false).unwrap();
        assert_eq!(h.set_link_zone(v, "sh"), Err(DlStatus::BadVal));
        // Any kernel zone from ready to down qualifies (linkprop.c `check_zone` finds it).
        for st in [ZoneState::ShuttingDown, ZoneState::Down] {
            h.zone_create("dn", true).unwrap();
            h.zone_set_state("dn", st).unwrap();
            assert_eq!(h.set_link_zone(v, "dn"), Ok(()));
            assert_eq!(h.set_link_zone(v, GLOBAL), Ok(()));
            h.zone_destroy("dn").unwrap();
        }
    }

    #[test]
    fn teardown_deletes_transient_returns_loaned_and_detects_10001() {
        let mut h = host();
        h.zone_create("z", true).unwrap();
        let t = vnic(&mut h, "tmp0", "net0").unwrap();
        h.link_mut(t).unwrap().transient = true;
        h.set_link_zone(t, "z").unwrap();
        let p = vnic(&mut h, "x0", "net0").unwrap();
        h.assign_link("z", "x0").unwrap();
        // The GZ re-creates x0 while the zone holds it (issue 10001).
        let again = vnic(&mut h, "x0", "net0").unwrap();
        assert_eq!(h.zone_teardown_links("z"), Err(1));
        assert!(h.link(t).is_none(), "transient link deleted");
        assert_eq!(
            h.link(p).unwrap().zone,
            "z",
            "duplicate name cannot come back"
        );
        h.delete_link(GLOBAL, again).unwrap();
        assert_eq!(h.zone_teardown_links("z"), Ok(()));
        assert_eq!(h.link(p).unwrap().zone, GLOBAL);
        assert!(!h.link(p).unwrap().onloan);
    }

    #[test]
    fn a_running_zone_holds_its_plumbed_links_but_rename_z_still_works() {
        let mut h = Host::new(Flavour::Joyent);
        h.add_phys("e1000g0", 1).unwrap();
        h.zone_create("z", true).unwrap();
        let v = vnic(&mut h, "net0", "e1000g0").unwrap();
        h.set_link_zone(v, "z").unwrap();
        // Booting plumbs it: it cannot leave (dls_link_setzid) ...
        h.zone_set_state("z", ZoneState::Running).unwrap();
        assert!(h.link(v).unwrap().plumbed);
        assert_eq!(h.set_link_zone(v, GLOBAL), Err(DlStatus::LinkBusy));
        assert_eq!(h.link(v).unwrap().zone, "z");
        // ... while joyent's rename-link -z in the zone's namespace still succeeds
        // (dls_devnet_rename does not look at dl_zone_ref).
        h.rename_link(GLOBAL, v, "nz0", Flavour::Joyent).unwrap();
        assert_eq!(h.link(v).unwrap().name, "nz0");
        // A link lent to the running zone afterwards is not plumbed and may leave again.
        let w = vnic(&mut h, "net1", "e1000g0").unwrap();
        h.set_link_zone(w, "z").unwrap();
        h.set_link_zone(w, GLOBAL).unwrap();
        // Shutting down unplumbs: the halt returns it.
        h.zone_set_state("z", ZoneState::ShuttingDown).unwrap();
        h.set_link_zone(v, GLOBAL).unwrap();
        assert!(!h.link(v).unwrap().plumbed);
    }

    #[test]
    fn teardown_with_dlmgmtd_offline_changes_nothing() {
        let mut h = host();
        h.zone_create("z", true).unwrap();
        h.assign_link("z", "e1000g0").unwrap();
        h.dlmgmtd_online = false;
        assert_eq!(h.zone_teardown_links("z"), Err(1));
        h.dlmgmtd_online = true;
        assert_eq!(h.zone_teardown_links("z"), Ok(()));
        h.zone_destroy("z").unwrap();
        assert_eq!(h.lookup(GLOBAL, "e1000g0").unwrap().zone, GLOBAL);
    }

    #[test]
    fn mac_unique_per_lower_link() {
        let mut h = host();
        let net0 = h.lookup(GLOBAL, "net0").unwrap().id;
        let e = h.lookup(GLOBAL, "e1000g0").unwrap().id;
        let m = Mac::parse("2:8:20:1:2:3").unwrap();
        let mut spec = VnicSpec {
            name: "v0".into(),
            over: net0,
            mac: MacRequest::Fixed(m),
            vid: 0,
            temporary: true,
            transient: false,
            zone: GLOBAL.into(),
        };
        h.create_vnic(&spec).unwrap();
        spec.name = "v1".into();
        assert_eq!(h.create_vnic(&spec), Err(DlStatus::MacAddrInUse));
        spec.vid = 7;
        h.create_vnic(&spec).unwrap();
        spec.name = "v2".into();
        assert_eq!(h.create_vnic(&spec), Err(DlStatus::MacAddrInUse));
        spec.over = e;
        h.create_vnic(&spec).unwrap();
    }
}
