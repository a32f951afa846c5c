//! The zone's configuration as netzone needs it: typed, validated network resources read from
//! `<altroot>/etc/zones/<zone>.xml` (illumos-gate `usr/src/lib/libzonecfg/common/libzonecfg.c`
//! `config_file_path`), with the SmartOS/OmniOS `global-nic`, `mac-addr`, `vlan-id` and `<net-attr>`
//! extensions of the zonecfg DTD (illumos-joyent `usr/src/lib/libzonecfg/dtd/zonecfg.dtd.1`; see
//! `xml/netzone-network.dtd`).
//!
//! Reading goes in three stages: a safety scan of the raw XML ([`raw::scan`]), serde into plain
//! strings ([`raw::RawZone`]), then validation into the types below ([`crate::validate`]), which
//! collects every problem rather than stopping at the first. A value of these types is therefore
//! always usable: names are valid dladm link names, MACs are assignable unicast addresses, and so on.
//! Elements netzone does not use (`fs`, `dataset`, `rctl`, `attr`, `device`, ...) are skipped.

pub mod error;
pub mod raw;

use std::collections::BTreeMap;
use std::io::Read;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

pub use error::{ConfigError, NetRef, Problem};

use crate::ipprefix::IpPrefix;
use crate::linkname::LinkName;
use crate::mac::MacSpec;
use crate::mtu::Mtu;
use crate::vlan::VlanId;
use crate::zoneindex::{self, IndexEntry, IndexError};
use crate::zonename::ZoneName;

/// Largest zone file netzone reads (4 MiB). Real ones are a few KiB; anything bigger is refused
/// before it is read into memory.
pub const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;

/// A net's `global-nic`: what its VNIC is created over (forms and their resolution:
/// [`crate::globalnic`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GlobalNic {
    /// A name with the form of a link name: a link, or (SmartOS) a nic tag spelled like one.
    Link(LinkName),
    /// A SmartOS nic tag that cannot be a link name (`admin`, `external`): looked up with
    /// `sysinfo -p`.
    Tag(crate::globalnic::NicTag),
    /// A SmartOS overlay rule `<rule>/<vnet id>` (`sdc_sdn/23`).
    Overlay {
        /// The rule's name (`sdc_sdn`).
        rule: String,
        /// The virtual network id (`23`).
        vnet: String,
    },
    /// OmniOS `auto`: resolved from the route to `allowed-address` (so that must be set).
    Auto,
}

impl std::fmt::Display for GlobalNic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GlobalNic::Link(l) => l.fmt(f),
            GlobalNic::Tag(t) => t.fmt(f),
            GlobalNic::Overlay { rule, vnet } => write!(f, "{rule}/{vnet}"),
            GlobalNic::Auto => f.write_str("auto"),
        }
    }
}

impl serde::Serialize for GlobalNic {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The zone's `ip-type`. netzone only creates links for exclusive-IP zones: a shared-IP zone uses
/// the global zone's links.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IpType {
    /// The zone uses the global zone's IP stack and links.
    Shared,
    /// The zone has its own IP stack and datalinks.
    Exclusive,
}

impl std::fmt::Display for IpType {
    /// As zonecfg writes it (`zoneadm list -p` abbreviates exclusive to `excl`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            IpType::Shared => "shared",
            IpType::Exclusive => "exclusive",
        })
    }
}

/// One validated `<network>` resource.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Net {
    /// The link's name inside the zone.
    pub physical: LinkName,
    /// Shared-IP `address` (never set together with `global_nic`).
    pub address: Option<String>,
    /// `allowed-address`, split on `,`; each an IP address with an optional `/prefix`.
    pub allowed_address: Vec<IpPrefix>,
    /// `defrouter`: one address, or several (a comma-separated list on SmartOS).
    pub defrouter: Vec<IpAddr>,
    /// `None`: an operator-provided link that netzone does not create.
    pub global_nic: Option<GlobalNic>,
    /// `mac-addr`: a fixed address or a keyword.
    pub mac: Option<MacSpec>,
    /// `None`: untagged (`vlan-id` absent or `0`).
    pub vlan: Option<VlanId>,
    /// From `<net-attr name="mtu">`.
    pub mtu: Option<Mtu>,
    /// Every `<net-attr>`, as written (names are unique).
    pub attrs: BTreeMap<String, String>,
}

impl Net {
    /// The `<net-attr>` that asks for a persistent link (`dladm create-vnic` without `-t`).
    pub const PERSISTENT_ATTR: &'static str = "persistent";

    /// Whether this net's link is persistent: `<net-attr name="persistent" value="true"/>`
    /// (validated as `true`/`false`), or the hook's `--persistent` default applied by
    /// [`ZoneConfig::with_persistent_default`]. A persistent link survives a host reboot in the
    /// global zone, so the zone can keep persistent addresses on it (`ipadm` refuses persistent
    /// configuration on a temporary link); a temporary link dies with the boot.
    pub fn persistent(&self) -> bool {
        self.attrs.get(Self::PERSISTENT_ATTR).map(String::as_str) == Some("true")
    }
}

/// The parts of a zone's configuration netzone reads: always validated, so every value is
/// usable as it is. Made by reading a zone file ([`load`], [`parse_str`], [`parse_file`]) or by
/// [`crate::spec::ZoneSpec`] for a zone a program manages without zonecfg.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ZoneConfig {
    pub(crate) name: ZoneName,
    /// Empty when not known (a spec built in code).
    pub(crate) brand: String,
    /// Empty when not known (a spec built in code).
    pub(crate) zonepath: PathBuf,
    pub(crate) ip_type: IpType,
    pub(crate) nets: Vec<Net>,
}

impl ZoneConfig {
    /// The zone's name.
    pub fn name(&self) -> &ZoneName {
        &self.name
    }

    /// The zone's brand, if the configuration names one (a zone file does; a spec built in code
    /// does not).
    pub fn brand(&self) -> Option<&str> {
        Some(self.brand.as_str()).filter(|b| !b.is_empty())
    }

    /// The zone's zonepath, if known (always for a zone file, never for a spec built in code).
    pub fn zonepath(&self) -> Option<&Path> {
        Some(self.zonepath.as_path()).filter(|p| !p.as_os_str().is_empty())
    }

    /// The zone's `ip-type`.
    pub fn ip_type(&self) -> IpType {
        self.ip_type
    }

    /// Every `<network>` resource, in configuration order (a net's index, which its temporary
    /// link name derives from, is its position here).
    pub fn nets(&self) -> &[Net] {
        &self.nets
    }

    /// The nets netzone creates links for (those with a `global-nic`).
    pub fn managed_nets(&self) -> impl Iterator<Item = &Net> {
        self.nets.iter().filter(|n| n.global_nic.is_some())
    }

    /// With `on` (the hook's `--persistent`), every net netzone creates a link for and that
    /// does not say otherwise with its own `persistent` net-attr becomes persistent.
    pub fn with_persistent_default(mut self, on: bool) -> Self {
        if on {
            for n in self.nets.iter_mut().filter(|n| n.global_nic.is_some()) {
                n.attrs
                    .entry(Net::PERSISTENT_ATTR.to_string())
                    .or_insert_with(|| "true".to_string());
            }
        }
        self
    }
}

/// `<root>/etc/zones`, where zonecfg keeps the index and one XML file per zone.
pub fn zones_dir(root: &Path) -> PathBuf {
    root.join("etc/zones")
}

/// `<root>/etc/zones/<zone>.xml` (libzonecfg `config_file_path`).
pub fn config_path(root: &Path, zone: &ZoneName) -> PathBuf {
    zones_dir(root).join(format!("{zone}.xml"))
}

/// Parses and validates zone XML held in memory. `origin` names it in messages (a path, or
/// something like `<stdin>`).
pub fn parse_str(xml: &str, origin: &str) -> Result<ZoneConfig, ConfigError> {
    parse_bytes(xml.as_bytes(), origin, None)
}

/// Reads, parses and validates a zone XML file (for example the temporary copy zonecfg hands to
/// a brand's `verify_cfg`).
pub fn parse_file(path: &Path) -> Result<ZoneConfig, ConfigError> {
    let bytes = read_limited(path, None)?;
    parse_bytes(&bytes, &path.display().to_string(), None)
}

/// Reads the configuration of `zone` from `<root>/etc/zones/<zone>.xml`. The file must name the
/// same zone.
pub fn load(root: &Path, zone: &ZoneName) -> Result<ZoneConfig, ConfigError> {
    let path = config_path(root, zone);
    let bytes = read_limited(&path, Some(zone))?;
    parse_bytes(&bytes, &path.display().to_string(), Some(zone))
}

fn parse_bytes(
    bytes: &[u8],
    origin: &str,
    expect: Option<&ZoneName>,
) -> Result<ZoneConfig, ConfigError> {
    let raw = parse_raw(bytes, origin, expect)?;
    crate::validate::zone(&raw, expect).map_err(|problems| ConfigError::Invalid { problems })
}

/// The first two stages only: safety scan and serde into strings, no validation. For callers
/// (host-wide checks) that want to look at a file that may be invalid.
pub fn parse_raw(
    bytes: &[u8],
    origin: &str,
    expect: Option<&ZoneName>,
) -> Result<raw::RawZone, ConfigError> {
    let label = |e: ConfigError| match expect {
        Some(z) => e.with_zone(z.as_str()),
        None => e,
    };
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(label(ConfigError::TooLarge {
            zone: None,
            origin: origin.to_string(),
            size: Some(bytes.len() as u64),
        }));
    }
    let text = raw::check_text(bytes, origin).map_err(label)?;
    raw::scan(text, origin).map_err(label)?;
    raw::deserialize(text, origin).map_err(label)
}

/// Reads a zone file with the size limit applied; the bytes still need [`parse_raw`].
/// `zone` (when known) labels errors and turns "not found" into [`ConfigError::MissingZone`].
pub fn read_file(path: &Path, zone: Option<&ZoneName>) -> Result<Vec<u8>, ConfigError> {
    read_limited(path, zone)
}

/// Reads at most [`MAX_CONFIG_BYTES`] of `path`, refusing bigger files by their size first and
/// by what was read second (a file may grow, or be a device with no size).
fn read_limited(path: &Path, zone: Option<&ZoneName>) -> Result<Vec<u8>, ConfigError> {
    let zname = zone.map(|z| z.to_string());
    let unreadable = |source: std::io::Error| ConfigError::Unreadable {
        zone: zname.clone(),
        path: path.to_path_buf(),
        source,
    };
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(match zone {
                Some(z) => ConfigError::MissingZone {
                    zone: z.to_string(),
                    path: path.to_path_buf(),
                },
                None => unreadable(e),
            })
        }
        Err(e) => return Err(unreadable(e)),
    };
    let meta = file.metadata().map_err(unreadable)?;
    if meta.is_dir() {
        return Err(unreadable(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "is a directory",
        )));
    }
    if meta.len() > MAX_CONFIG_BYTES {
        return Err(ConfigError::TooLarge {
            zone: zname,
            origin: path.display().to_string(),
            size: Some(meta.len()),
        });
    }
    let mut buf = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(unreadable)?;
    if buf.len() as u64 > MAX_CONFIG_BYTES {
        return Err(ConfigError::TooLarge {
            zone: zname,
            origin: path.display().to_string(),
            size: None,
        });
    }
    Ok(buf)
}

/// A zone from the index together with its configuration (or why that could not be read).
#[derive(Debug)]
pub struct ConfiguredZone {
    /// The index line.
    pub entry: IndexEntry,
    /// The zone's configuration, or why it could not be read.
    pub config: Result<ZoneConfig, ConfigError>,
}

/// Every zone in `<root>/etc/zones/index` except `global`, with its parsed configuration. This is
/// what host-wide checks, `netzone show` and `netzone recover --all` walk. An index line whose
/// name is not a valid zone name gets an `Invalid` config rather than being dropped, so callers
/// still see every zone the index lists.
pub fn configured_zones(root: &Path) -> Result<Vec<ConfiguredZone>, IndexError> {
    let entries = zoneindex::read(root)?;
    Ok(entries
        .into_iter()
        .filter(|e| e.name != "global")
        .map(|entry| {
            let config = match ZoneName::new(&entry.name) {
                Ok(z) => load(root, &z),
                Err(e) => Err(ConfigError::Invalid {
                    problems: vec![Problem {
                        zone: entry.name.clone(),
                        net: None,
                        attribute: Some("name".into()),
                        value: None,
                        reason: format!("in {}: {e}", zoneindex::index_path(root).display()),
                    }],
                }),
            };
            ConfiguredZone { entry, config }
        })
        .collect())
}
