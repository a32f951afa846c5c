//! A net's `global-nic`: its forms, and turning it into the link the VNIC is created over.
//!
//! SmartOS's `jcommon/statechange` (`setup_net`, illumos-joyent) accepts, in this order:
//! 1. an overlay rule `<rule>/<vnet id>` (`[A-Za-z0-9_]+/[0-9]+`, the whole value);
//! 2. a nic tag, looked up in `sysinfo -p` (lines `NIC_<tag>='<link>'`), loaded once;
//! 3. a physical link or an etherstub name (`dladm show-phys`, `dladm show-etherstub`);
//! 4. a `proteusN` link of class `misc` (`dladm show-link -o LINK,CLASS`).
//!
//! netzone keeps that order with fewer processes: a name with the form of a link name is taken
//! as that link (no lookup: dladm refuses it at create if it is none); a name that cannot be a
//! link (`admin`, `external`) is a tag, read with `sysinfo -p` at most once per process (cached
//! in the [`Host`]) and only when some `global-nic` is such a name. When a net configures an
//! MTU, one `show-link -p -o LINK,CLASS,MTU` walk gives the lower link's MTU (a bigger one is
//! refused before anything is created) and checks link-form names too: class, existence, and
//! the tags when one is no usable link. When sysinfo has been read, a tag wins over a link of
//! the same name, as in SmartOS. Aggregations come in as
//! links (class `aggr`) or, as on SmartOS, through a tag. Overlays are not modelled by the
//! simulated host, so an overlay rule is refused before anything is created, naming the rule.
//!
//! The resolution also applies what the zone's brand supports (SmartOS's `jst_vrrp` and
//! `jst_ufpromisc` brand flags, [`BrandFeatures`]): it drops the VRRP and unfiltered-promisc
//! attributes a brand does not honour, and turns `vrrp_vrid` into a VRRP VNIC where it does, so
//! that the plan reads everything from the resolved configuration alone.
//!
//! OmniOS's `global-nic=auto` is resolved first, from the route to the net's `allowed-address`
//! (below).
//!
//! ## `auto`
//!
//! When `global-nic` is `auto`, as
//! OmniOS's brand library does (omniosorg/pkg5 `src/brand/shared/vnic.ksh`, `config_vnics`),
//! the link is the interface the host routes the net's `allowed-address` through, read from the
//! `interface:` line of `route -n get ADDR` (illumos-gate `usr/src/cmd/cmd-inet/usr.sbin/route.c`
//! `print_getmsg`).
//!
//! [`resolve_autos`] runs once per `auto` net, when a plan is made (`netzone plan`, `netzone up`, the
//! hook's create step, on both flavours), before any link is created, and hands the planner a
//! configuration in which every `global-nic` names a link. The validation of the zone file
//! already refuses `auto` without `allowed-address` (vnic.ksh: "Cannot use 'auto' global NIC
//! without allowed-address."), so `netzone check` reports it long before a boot.
//!
//! Where netzone differs from vnic.ksh, on purpose:
//! - vnic.ksh passes the whole `allowed-address` value to `route`; netzone passes the first
//!   address without its prefix length (a list is not a destination, and the prefix is the
//!   zone's netmask), and `-inet6` for an IPv6 address (without it route.c's `in_getaddr`
//!   refuses an IPv6 literal as a "bad value");
//! - vnic.ksh says only "Could not determine global-nic" when there is no route; netzone names
//!   the net and the address, and tells a missing route (`not in table`, exit 3 = ESRCH) from a
//!   `route` that failed;
//! - the interface must be a valid datalink name: a logical interface (`net0:1`) or a name
//!   that is not a link fails here rather than at `create-vnic`.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, OnceLock};

use crate::dladm;
use crate::host::{Host, HostError, Tool};
use crate::linkname::LinkName;
use crate::mac::MacSpec;
use crate::mtu::Mtu;
use crate::zonecfg::{GlobalNic, IpType, Net, ZoneConfig};
use crate::zonename::ZoneName;

/// ESRCH: `route get` exits with the errno of the routing-socket write (route.c `newroute`).
const ROUTE_ESRCH: i32 = 3;

/// Why `global-nic="auto"` could not be resolved. Each names the zone and the net.
#[derive(Debug, thiserror::Error)]
pub enum GlobalNicError {
    #[error(
        "zone '{zone}': net '{net}': global-nic 'auto': cannot use 'auto' without allowed-address"
    )]
    /// `auto` without an `allowed-address` to route.
    NoAllowedAddress {
        /// The zone.
        zone: ZoneName,
        /// The net (its `physical` name in the configuration).
        net: LinkName,
    },
    /// No route to the address.
    #[error("zone '{zone}': net '{net}': global-nic 'auto': no route to allowed-address '{address}' (route -n get: not in table); add a route or name the link in global-nic")]
    NoRoute {
        /// The zone.
        zone: ZoneName,
        /// The net (its `physical` name in the configuration).
        net: LinkName,
        /// The address routed (the first `allowed-address`).
        address: IpAddr,
    },
    #[error(
        "zone '{zone}': net '{net}': global-nic 'auto': route -n get {address} names no interface"
    )]
    /// The route names no interface.
    NoInterface {
        /// The zone.
        zone: ZoneName,
        /// The net (its `physical` name in the configuration).
        net: LinkName,
        /// The address routed (the first `allowed-address`).
        address: IpAddr,
    },
    /// The route's interface is not a datalink name.
    #[error("zone '{zone}': net '{net}': global-nic 'auto': route -n get {address} names interface '{interface}', which is not a datalink name: {reason}")]
    BadInterface {
        /// The zone.
        zone: ZoneName,
        /// The net (its `physical` name in the configuration).
        net: LinkName,
        /// The address routed (the first `allowed-address`).
        address: IpAddr,
        /// The interface `route` named.
        interface: String,
        /// What is wrong with it.
        reason: String,
    },
    /// `route` could not be run, or failed.
    #[error("zone '{zone}': net '{net}': global-nic 'auto': looking up the route to '{address}': {source}")]
    Route {
        /// The zone.
        zone: ZoneName,
        /// The net (its `physical` name in the configuration).
        net: LinkName,
        /// The address routed (the first `allowed-address`).
        address: IpAddr,
        /// The underlying failure.
        #[source]
        source: Box<HostError>,
    },
}

/// The address `auto` routes: the net's first `allowed-address`, without its prefix length.
pub fn route_address(net: &Net) -> Option<IpAddr> {
    net.allowed_address.first().map(|a| a.addr())
}

/// `route -n get [-inet6] ADDR` (after the program name).
pub fn route_get_command(addr: &IpAddr) -> Vec<String> {
    let mut v = vec!["-n".to_string(), "get".to_string()];
    if addr.is_ipv6() {
        v.push("-inet6".to_string());
    }
    v.push(addr.to_string());
    v
}

/// The interface named by `route get` output: the first `interface:` line's value (what
/// vnic.ksh's `nawk '/ interface:/ {print $2; exit}'` picks).
pub fn parse_route_get(stdout: &str) -> Option<&str> {
    stdout.lines().find_map(|l| {
        let rest = l.trim_start().strip_prefix("interface:")?;
        rest.split_whitespace().next()
    })
}

/// What one `route -n get` run answered.
#[derive(Debug, PartialEq, Eq)]
pub enum RouteAnswer<'a> {
    /// The interface the route uses.
    Interface(&'a str),
    /// No route to the address.
    NotInTable,
    /// A route without an interface.
    NoInterface,
}

/// Reads a finished `route get` run: exit 0 with an `interface:` line, or "not in table"
/// (exit 3, ESRCH). `None`: `route` failed some other way.
pub fn classify(status: Option<i32>, stdout: &str) -> Option<RouteAnswer<'_>> {
    match status {
        Some(0) => Some(match parse_route_get(stdout) {
            Some(i) => RouteAnswer::Interface(i),
            None => RouteAnswer::NoInterface,
        }),
        Some(ROUTE_ESRCH) => Some(RouteAnswer::NotInTable),
        Some(_) if stdout.trim_end().ends_with(": not in table") => Some(RouteAnswer::NotInTable),
        _ => None,
    }
}

/// The link `auto` stands for on this host, for net `net` of `zone`: one `route` run.
pub fn resolve_auto(host: &Host, zone: &ZoneName, net: &Net) -> Result<LinkName, GlobalNicError> {
    let Some(address) = route_address(net) else {
        return Err(GlobalNicError::NoAllowedAddress {
            zone: zone.clone(),
            net: net.physical.clone(),
        });
    };
    let args = route_get_command(&address);
    let route_err = |source: HostError| GlobalNicError::Route {
        zone: zone.clone(),
        net: net.physical.clone(),
        address,
        source: Box::new(source),
    };
    let out = host.run(Tool::Route, &args).map_err(route_err)?;
    match classify(out.status, &out.stdout) {
        Some(RouteAnswer::Interface(i)) => {
            LinkName::new(i).map_err(|e| GlobalNicError::BadInterface {
                zone: zone.clone(),
                net: net.physical.clone(),
                address,
                interface: crate::zonecfg::error::printable(i),
                reason: e.to_string(),
            })
        }
        Some(RouteAnswer::NotInTable) => Err(GlobalNicError::NoRoute {
            zone: zone.clone(),
            net: net.physical.clone(),
            address,
        }),
        Some(RouteAnswer::NoInterface) => Err(GlobalNicError::NoInterface {
            zone: zone.clone(),
            net: net.physical.clone(),
            address,
        }),
        None => Err(route_err(match out.status {
            None => HostError::Signalled {
                tool: "route",
                argv: crate::host::Argv::from(&args[..]),
            },
            Some(_) => HostError::Failed {
                tool: "route",
                argv: crate::host::Argv::from(&args[..]),
                message: format!("{} {}", out.stdout.trim(), out.stderr.trim())
                    .trim()
                    .replace('\n', "; "),
            },
        })),
    }
}

/// `cfg` with every `global-nic="auto"` replaced by the link it resolves to now (one `route`
/// run per such net, none when there is none). The first failure is returned.
pub fn resolve_autos(host: &Host, cfg: &ZoneConfig) -> Result<ZoneConfig, GlobalNicError> {
    let mut out = cfg.clone();
    for net in out.nets.iter_mut() {
        if net.global_nic == Some(GlobalNic::Auto) {
            let link = resolve_auto(host, &cfg.name, net)?;
            net.global_nic = Some(GlobalNic::Link(link));
        }
    }
    Ok(out)
}

/// Longest SmartOS nic tag (nictagadm refuses 32 characters and more).
pub const MAX_TAG_LEN: usize = 31;

/// The MTU SmartOS gives a VNIC whose net configures none (`DEFAULT_MTU` in `statechange`).
pub const DEFAULT_MTU: u32 = 1500;

/// A SmartOS nic tag name: 1 to 31 of `[A-Za-z0-9_]` (nictagadm's rule). Safe to compare with
/// sysinfo's `NIC_<tag>` keys; never passed to dladm.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NicTag(String);

impl NicTag {
    /// Checks `s` against nictagadm's rule; the error says which part fails.
    pub fn new(s: &str) -> Result<Self, String> {
        if s.is_empty() || s.len() > MAX_TAG_LEN {
            return Err(format!("nic tag must be 1-{MAX_TAG_LEN} characters"));
        }
        if !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err("nic tag may contain only letters, digits and '_'".into());
        }
        Ok(NicTag(s.to_string()))
    }

    /// The tag as written (the `<tag>` of sysinfo's `NIC_<tag>`).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NicTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses a `global-nic` value into its form (see the module doc for the order).
pub fn parse(s: &str) -> Result<GlobalNic, String> {
    if s == "auto" {
        return Ok(GlobalNic::Auto);
    }
    if let Some((rule, vnet)) = s.split_once('/') {
        let rule_ok =
            !rule.is_empty() && rule.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        let vnet_ok = !vnet.is_empty() && vnet.bytes().all(|b| b.is_ascii_digit());
        if rule_ok && vnet_ok {
            return Ok(GlobalNic::Overlay {
                rule: rule.to_string(),
                vnet: vnet.to_string(),
            });
        }
        return Err("not a link name, nic tag or overlay rule '<rule>/<vnet id>'".into());
    }
    if let Ok(l) = LinkName::new(s) {
        return Ok(GlobalNic::Link(l));
    }
    match NicTag::new(s) {
        Ok(t) => Ok(GlobalNic::Tag(t)),
        Err(_) => match LinkName::new(s) {
            Err(e) => Err(format!("not a link name or nic tag: {e}")),
            Ok(_) => unreachable!("checked above"),
        },
    }
}

/// Which of SmartOS's optional per-brand network features a zone's brand has (the `jst_vrrp`
/// and `jst_ufpromisc` flags a brand sets before sourcing `jcommon/statechange`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BrandFeatures {
    /// `vrrp_vrid` makes a VRRP VNIC and `vrrp_primary_ip` joins `allowed-ips`.
    pub vrrp: bool,
    /// `allow_unfiltered_promisc` sets `promisc-filtered=off`.
    pub unfiltered_promisc: bool,
}

impl BrandFeatures {
    /// The features of a SmartOS brand by its name, as the brands' own statechange scripts
    /// (TritonDataCenter/smartos-live `overlay/generic/usr/lib/brand/<brand>/statechange`)
    /// have them:
    ///
    /// | brand | VRRP | unfiltered promisc | the script |
    /// |---|---|---|---|
    /// | `joyent` | yes | no | sets `jst_vrrp="yes"`, leaves `jst_ufpromisc` commented out, sources `jcommon/statechange` |
    /// | `joyent-minimal` | yes | no | its own `setup_net`: `vrrp_vrid` gives `-V VRID -A inet -m vrrp`, `vrrp_primary_ip` joins `allowed-ips`; no `promisc-filtered` |
    /// | `kvm` | no | yes | its own `setup_net`: `allow_unfiltered_promisc` sets `promisc-filtered=off`; no VRRP |
    /// | `bhyve` | no | no | sets only `jst_showsnap` (and forced zlog attributes) before sourcing `jcommon/statechange` |
    /// | `lx` | no | no | `jst_vrrp` and `jst_ufpromisc` commented out |
    ///
    /// Any other brand has neither unless told ([`BrandFeatures::parse`]).
    pub fn for_brand(brand: &str) -> Self {
        BrandFeatures {
            vrrp: matches!(brand, "joyent" | "joyent-minimal"),
            unfiltered_promisc: brand == "kvm",
        }
    }

    /// A list as the hook option `--brand-features` and `NETZONE_BRAND_FEATURES` take it:
    /// `vrrp`, `unfiltered-promisc`, comma-separated, or `none`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut f = BrandFeatures::default();
        if s == "none" {
            return Ok(f);
        }
        for w in s.split(',') {
            match w {
                "vrrp" => f.vrrp = true,
                "unfiltered-promisc" => f.unfiltered_promisc = true,
                other => {
                    return Err(format!(
                        "unknown brand feature '{}' (expected vrrp, unfiltered-promisc or none)",
                        crate::zonecfg::error::printable(other)
                    ))
                }
            }
        }
        Ok(f)
    }
}

/// `NETZONE_BRAND_FEATURES`, if set ([`BrandFeatures::parse`]).
pub fn features_from_env() -> Result<Option<BrandFeatures>, String> {
    match std::env::var("NETZONE_BRAND_FEATURES") {
        Ok(v) => BrandFeatures::parse(&v)
            .map(Some)
            .map_err(|e| format!("NETZONE_BRAND_FEATURES: {e}")),
        Err(_) => Ok(None),
    }
}

/// One link of the global zone as `show-link -p -o LINK,CLASS,MTU` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostLink {
    /// The link's name.
    pub name: LinkName,
    /// dladm's CLASS (`phys`, `aggr`, `etherstub`, `misc`, `vnic`, ...): only some carry VNICs.
    pub class: String,
    /// The link's MTU, `None` where dladm prints none (the upper bound for a net's `mtu`).
    pub mtu: Option<u32>,
}

/// `show-link -p -o LINK,CLASS,MTU`: every link the global zone sees, with class and MTU.
pub fn show_link_command() -> Vec<String> {
    ["show-link", "-p", "-o", "LINK,CLASS,MTU"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// Parses [`show_link_command`]'s output. Links whose name is not valid are skipped (they
/// cannot be a `global-nic` netzone accepts).
pub fn parse_show_link_output(out: &str) -> Result<Vec<HostLink>, dladm::ParseError> {
    let mut v = Vec::new();
    for (i, line) in out.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        let f = dladm::split_parsable_line(line);
        if f.len() != 3 {
            return Err(dladm::ParseError {
                line: i + 1,
                text: line.to_string(),
                reason: format!("{} fields, expected 3", f.len()),
            });
        }
        if let Ok(name) = LinkName::new(&f[0]) {
            v.push(HostLink {
                name,
                class: f[1].clone(),
                mtu: f[2].parse().ok(),
            });
        }
    }
    Ok(v)
}

/// The nic tags of `sysinfo -p`: `NIC_<tag>='<link>'` lines (others ignored). A value that is
/// not a valid link name is kept out: the tag then reads as unresolvable.
pub fn parse_sysinfo(out: &str) -> BTreeMap<String, LinkName> {
    let mut m = BTreeMap::new();
    for line in out.lines() {
        let Some(rest) = line.strip_prefix("NIC_") else {
            continue;
        };
        let Some((tag, val)) = rest.split_once('=') else {
            continue;
        };
        let val = val
            .strip_prefix('\'')
            .and_then(|v| v.strip_suffix('\''))
            .unwrap_or(val);
        if NicTag::new(tag).is_err() {
            continue;
        }
        if let Ok(l) = LinkName::new(val) {
            m.insert(tag.to_string(), l);
        }
    }
    m
}

/// Why a zone's `global-nic`s cannot be turned into links. Each names the zone and the net.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// An overlay rule: statechange creates the overlay device from it (`setup_net`); netzone
    /// creates none, so it refuses before anything is created.
    #[error("zone '{zone}': net '{net}': global-nic '{rule}/{vnet}': overlay rule '{rule}' cannot be used: netzone does not create overlay devices")]
    Overlay {
        /// The zone.
        zone: ZoneName,
        /// The net (its `physical` name).
        net: LinkName,
        /// The overlay rule.
        rule: String,
        /// The virtual network id.
        vnet: String,
    },
    #[error("zone '{zone}': net '{net}': global-nic '{name}': no nic tag '{name}' in sysinfo and no such physical link, aggregation or etherstub")]
    /// Neither a nic tag nor a link that can carry VNICs.
    Unresolved {
        /// The zone.
        zone: ZoneName,
        /// The net (its `physical` name).
        net: LinkName,
        /// The `global-nic` as configured.
        name: String,
    },
    #[error("zone '{zone}': net '{net}': global-nic '{name}': link of class '{class}' cannot carry VNICs (expected a physical link, aggregation, etherstub or proteusN)")]
    /// The link exists but its class cannot carry VNICs (statechange accepts only physical
    /// links, aggregations, etherstubs and `proteusN` of class `misc`).
    WrongClass {
        /// The zone.
        zone: ZoneName,
        /// The net (its `physical` name).
        net: LinkName,
        /// The `global-nic` as configured.
        name: String,
        /// The link's class.
        class: String,
    },
    #[error(
        "zone '{zone}': net '{net}': mtu {mtu} is above the MTU of global-nic '{link}' ({lower})"
    )]
    /// The net's `mtu` is above its lower link's: dladm would refuse it after the VNIC is made.
    MtuTooBig {
        /// The zone.
        zone: ZoneName,
        /// The net (its `physical` name).
        net: LinkName,
        /// The MTU the net asks for.
        mtu: u32,
        /// The lower link.
        link: LinkName,
        /// The lower link's MTU.
        lower: u32,
    },
    #[error("zone '{zone}': cannot list the host's links: {source}")]
    /// The `show-link` walk failed.
    Links {
        /// The zone.
        zone: ZoneName,
        /// Why.
        #[source]
        source: crate::dladm::observe::ObserveError,
    },
    /// `global-nic="auto"`: no route, or `route` failed.
    #[error(transparent)]
    Auto(#[from] GlobalNicError),
    #[error("zone '{zone}': net '{net}': global-nic '{tag}' needs the nic tags, but sysinfo failed: {reason}")]
    /// A tag needed `sysinfo -p`, which failed.
    Sysinfo {
        /// The zone.
        zone: ZoneName,
        /// The net (its `physical` name).
        net: LinkName,
        /// The tag.
        tag: String,
        /// How sysinfo failed.
        reason: String,
    },
}

/// What the resolution needs from the host, worked out from the configuration alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needs {
    /// The `show-link` walk.
    pub links: bool,
}

/// The nets netzone creates a link for.
fn managed(cfg: &ZoneConfig) -> impl Iterator<Item = &crate::zonecfg::Net> {
    cfg.nets
        .iter()
        .filter(move |n| cfg.ip_type == IpType::Exclusive && n.global_nic.is_some())
}

/// Whether the `show-link` walk is needed: only for a configured MTU (is the lower link's
/// smaller?). A `global-nic` in link-name form is otherwise taken as the link it names, so a
/// zone of plain link names costs no extra process; when the walk is taken anyway, such a
/// name is also checked (class, existence, and a tag lookup when it is no usable link).
pub fn needs(cfg: &ZoneConfig) -> Needs {
    Needs {
        links: managed(cfg).any(|n| n.mtu.is_some()),
    }
}

/// Whether a host link can be a `global-nic` (module doc, 3 and 4).
fn usable(l: &HostLink) -> Result<(), String> {
    match l.class.as_str() {
        "phys" | "aggr" | "etherstub" => Ok(()),
        "misc" if is_proteus(l.name.as_str()) => Ok(()),
        other => Err(other.to_string()),
    }
}

/// `proteus[1-9][0-9]*` (the script's pattern: `proteus0` is not one).
fn is_proteus(s: &str) -> bool {
    s.strip_prefix("proteus").is_some_and(|n| {
        !n.is_empty() && !n.starts_with('0') && n.bytes().all(|b| b.is_ascii_digit())
    })
}

/// Whether the nic tags are needed given the host's links: some `global-nic` is a tag, or a
/// link-form name that is not a usable link (`links` unknown: assumed a link).
pub fn needs_tags(cfg: &ZoneConfig, links: Option<&[HostLink]>) -> bool {
    managed(cfg).any(|n| match &n.global_nic {
        Some(GlobalNic::Tag(_)) => true,
        Some(GlobalNic::Link(l)) => {
            links.is_some_and(|ls| !ls.iter().any(|h| &h.name == l && usable(h).is_ok()))
        }
        _ => false,
    })
}

/// The pure resolution: `cfg` with every managed net's `global-nic` turned into a link, and
/// the brand's features applied. `links` is the `show-link` walk (when taken), `tags` the
/// sysinfo nic tags (when read).
pub fn resolve_with(
    cfg: &ZoneConfig,
    links: Option<&[HostLink]>,
    tags: Option<&BTreeMap<String, LinkName>>,
    features: BrandFeatures,
) -> Result<ZoneConfig, ResolveError> {
    let mut out = cfg.clone();
    let zone = &cfg.name;
    for net in out.nets.iter_mut() {
        if cfg.ip_type != IpType::Exclusive {
            break;
        }
        let Some(g) = net.global_nic.clone() else {
            continue;
        };
        let unresolved = |name: &str| ResolveError::Unresolved {
            zone: zone.clone(),
            net: net.physical.clone(),
            name: name.to_string(),
        };
        let lower = match &g {
            GlobalNic::Auto => None,
            GlobalNic::Overlay { rule, vnet } => {
                return Err(ResolveError::Overlay {
                    zone: zone.clone(),
                    net: net.physical.clone(),
                    rule: rule.clone(),
                    vnet: vnet.clone(),
                })
            }
            GlobalNic::Tag(t) => match tags.and_then(|m| m.get(t.as_str())) {
                Some(l) => Some(l.clone()),
                None => return Err(unresolved(t.as_str())),
            },
            GlobalNic::Link(l) => match tags.and_then(|m| m.get(l.as_str())) {
                Some(tagged) => Some(tagged.clone()),
                None => match links {
                    None => Some(l.clone()),
                    Some(ls) => match ls.iter().find(|h| &h.name == l) {
                        None => return Err(unresolved(l.as_str())),
                        Some(h) => match usable(h) {
                            Ok(()) => Some(l.clone()),
                            Err(class) => {
                                return Err(ResolveError::WrongClass {
                                    zone: zone.clone(),
                                    net: net.physical.clone(),
                                    name: l.to_string(),
                                    class,
                                })
                            }
                        },
                    },
                },
            },
        };
        if let Some(lower) = &lower {
            net.global_nic = Some(GlobalNic::Link(lower.clone()));
            let lower_mtu = links
                .and_then(|ls| ls.iter().find(|h| &h.name == lower))
                .and_then(|h| h.mtu);
            if let (Some(m), Some(lm)) = (net.mtu, lower_mtu) {
                if m.get() > lm {
                    return Err(ResolveError::MtuTooBig {
                        zone: zone.clone(),
                        net: net.physical.clone(),
                        mtu: m.get(),
                        link: lower.clone(),
                        lower: lm,
                    });
                }
            }
        }
        apply_features(net, features);
    }
    Ok(out)
}

/// Drops what the brand does not honour and makes `vrrp_vrid` a VRRP VNIC where it does
/// (statechange: `jst_vrrp` gates both `-V VRID -A inet -m vrrp` and `vrrp_primary_ip`;
/// `jst_ufpromisc` gates `promisc-filtered=off`).
fn apply_features(net: &mut crate::zonecfg::Net, f: BrandFeatures) {
    if f.vrrp {
        if let Some(vrid) = net
            .attrs
            .get("vrrp_vrid")
            .and_then(|v| v.parse::<u8>().ok())
            .filter(|v| *v >= 1)
        {
            net.mac = Some(MacSpec::Vrrp { vrid });
        }
    } else {
        net.attrs.remove("vrrp_primary_ip");
    }
    if !f.unfiltered_promisc {
        net.attrs.remove("allow_unfiltered_promisc");
    }
}

/// What can be refused without the host: an overlay rule (the first one, naming it).
pub fn check_forms(cfg: &ZoneConfig) -> Result<(), ResolveError> {
    for n in managed(cfg) {
        if let Some(GlobalNic::Overlay { rule, vnet }) = &n.global_nic {
            return Err(ResolveError::Overlay {
                zone: cfg.name.clone(),
                net: n.physical.clone(),
                rule: rule.clone(),
                vnet: vnet.clone(),
            });
        }
    }
    Ok(())
}

/// The sysinfo nic tags, read at most once per [`Host`] (so once per netzone process).
#[derive(Debug, Clone, Default)]
pub struct TagCache(Arc<OnceLock<Result<BTreeMap<String, LinkName>, String>>>);

impl TagCache {
    /// How many times sysinfo has been run through this cache (0 or 1).
    pub fn loaded(&self) -> bool {
        self.0.get().is_some()
    }
}

fn sysinfo_tags(host: &Host) -> Result<&BTreeMap<String, LinkName>, String> {
    host.nic_tags
        .0
        .get_or_init(|| {
            let out = host
                .run(Tool::Sysinfo, &["-p".to_string()])
                .map_err(|e| e.to_string())?;
            if !out.success() {
                let msg = out.stderr.trim();
                return Err(format!(
                    "{} -p exited with status {}{}{}",
                    host.tools.sysinfo.display(),
                    out.status.map(|s| s.to_string()).unwrap_or("?".into()),
                    if msg.is_empty() { "" } else { ": " },
                    crate::zonecfg::error::printable(msg)
                ));
            }
            Ok(parse_sysinfo(&out.stdout))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// The sysinfo nic tags of `host` (`sysinfo -p`, read at most once per [`Host`]); the error
/// says why they could not be read.
pub fn nic_tags(host: &Host) -> Result<&BTreeMap<String, LinkName>, String> {
    sysinfo_tags(host)
}

/// Replaces every nic tag `global-nic` of `cfg` with the link `tags` maps it to. Returns the
/// nets whose tag `tags` does not name, with that tag (left as they are).
pub fn substitute_tags(
    cfg: &mut ZoneConfig,
    tags: &BTreeMap<String, LinkName>,
) -> Vec<(LinkName, NicTag)> {
    let mut missing = Vec::new();
    for n in cfg.nets.iter_mut() {
        if let Some(GlobalNic::Tag(t)) = &n.global_nic {
            match tags.get(t.as_str()) {
                Some(l) => n.global_nic = Some(GlobalNic::Link(l.clone())),
                None => missing.push((n.physical.clone(), t.clone())),
            }
        }
    }
    missing
}

/// Resolves `cfg`'s `global-nic`s on `host` (module doc): at most one `show-link` walk and one
/// `sysinfo -p` run. Nothing is created; an unresolvable tag or an overlay rule fails here.
pub fn resolve(host: &Host, cfg: &ZoneConfig) -> Result<ZoneConfig, ResolveError> {
    let features = host
        .brand_features
        .unwrap_or_else(|| BrandFeatures::for_brand(&cfg.brand));
    // Overlays first: refused whatever the host has. Then `auto` (one route lookup per net).
    check_forms(cfg)?;
    let resolved;
    let cfg = if managed(cfg).any(|n| n.global_nic == Some(GlobalNic::Auto)) {
        resolved = resolve_autos(host, cfg)?;
        &resolved
    } else {
        cfg
    };
    let links = if needs(cfg).links {
        let err = |e: crate::dladm::observe::ObserveError| ResolveError::Links {
            zone: cfg.name.clone(),
            source: e,
        };
        let out = host
            .dladm(&show_link_command())
            .map_err(|e: HostError| err(e.into()))?;
        let ls = parse_show_link_output(&out).map_err(|e| err(e.into()))?;
        if ls.is_empty() {
            // An empty walk is what a dead dlmgmtd gives; say so rather than "no such link".
            crate::dladm::observe::verify_dlmgmtd(host).map_err(|e| err(e.into()))?;
        }
        Some(ls)
    } else {
        None
    };
    let tags = if needs_tags(cfg, links.as_deref()) {
        match sysinfo_tags(host) {
            Ok(t) => Some(t),
            Err(reason) => {
                let n = managed(cfg)
                    .find(|n| match &n.global_nic {
                        Some(GlobalNic::Tag(_)) => true,
                        Some(GlobalNic::Link(l)) => links.as_deref().is_some_and(|ls| {
                            !ls.iter().any(|h| &h.name == l && usable(h).is_ok())
                        }),
                        _ => false,
                    })
                    .expect("needs_tags found one");
                return Err(ResolveError::Sysinfo {
                    zone: cfg.name.clone(),
                    net: n.physical.clone(),
                    tag: n
                        .global_nic
                        .as_ref()
                        .map(|g| g.to_string())
                        .unwrap_or_default(),
                    reason,
                });
            }
        }
    } else {
        None
    };
    resolve_with(cfg, links.as_deref(), tags, features)
}

/// The MTU a joyent VNIC is created with: the configured one, else SmartOS's 1500.
pub fn effective_mtu(net: &crate::zonecfg::Net) -> Mtu {
    net.mtu
        .unwrap_or_else(|| Mtu::new(DEFAULT_MTU).expect("1500 is a valid MTU"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{ln, zn};

    const ANSWER: &str = "   route to: 10.1.7.7\ndestination: 10.1.0.0\n       mask: 255.255.0.0\n  interface: ixgbe1\n      flags: <UP,DONE>\n recvpipe  sendpipe  ssthresh    rtt,ms rttvar,ms  hopcount      mtu     expire\n       0         0         0         0         0         0      1500         0 \n";

    fn net(allowed: &[&str]) -> Net {
        Net {
            physical: ln("net0"),
            address: None,
            allowed_address: allowed.iter().map(|s| s.parse().unwrap()).collect(),
            defrouter: vec![],
            global_nic: Some(GlobalNic::Auto),
            mac: None,
            vlan: None,
            mtu: None,
            attrs: Default::default(),
        }
    }

    #[test]
    fn brand_features_as_the_brands_scripts_set_them() {
        let f = |b: &str| {
            let x = BrandFeatures::for_brand(b);
            (x.vrrp, x.unfiltered_promisc)
        };
        assert_eq!(f("joyent"), (true, false));
        assert_eq!(f("joyent-minimal"), (true, false));
        assert_eq!(f("kvm"), (false, true));
        assert_eq!(f("bhyve"), (false, false));
        assert_eq!(f("lx"), (false, false));
    }

    #[test]
    fn tags_substituted_and_unknown_ones_reported() {
        let mut n0 = net(&[]);
        n0.global_nic = Some(GlobalNic::Tag(NicTag::new("admin").unwrap()));
        let mut n1 = net(&[]);
        n1.physical = ln("net1");
        n1.global_nic = Some(GlobalNic::Tag(NicTag::new("sdc_underlay").unwrap()));
        let mut cfg = ZoneConfig {
            name: zn("z1"),
            brand: "joyent".into(),
            zonepath: "/zones/z1".into(),
            ip_type: IpType::Exclusive,
            nets: vec![n0, n1],
        };
        let tags = parse_sysinfo("NIC_admin='e1000g0'\nNIC_external='ixgbe1'\n");
        let missing = substitute_tags(&mut cfg, &tags);
        assert_eq!(cfg.nets[0].global_nic, Some(GlobalNic::Link(ln("e1000g0"))));
        assert_eq!(
            missing,
            vec![(ln("net1"), NicTag::new("sdc_underlay").unwrap())]
        );
        assert!(matches!(cfg.nets[1].global_nic, Some(GlobalNic::Tag(_))));
    }

    #[test]
    fn command_and_address() {
        let a = route_address(&net(&["10.1.7.7/16", "10.1.7.8"])).unwrap();
        assert_eq!(route_get_command(&a), vec!["-n", "get", "10.1.7.7"]);
        let a = route_address(&net(&["fd00:1::5/64"])).unwrap();
        assert_eq!(
            route_get_command(&a),
            vec!["-n", "get", "-inet6", "fd00:1::5"]
        );
        assert_eq!(route_address(&net(&[])), None);
    }

    #[test]
    fn answers() {
        assert_eq!(parse_route_get(ANSWER), Some("ixgbe1"));
        assert_eq!(
            classify(Some(0), ANSWER),
            Some(RouteAnswer::Interface("ixgbe1"))
        );
        assert_eq!(
            classify(Some(3), " 10.9.9.9: not in table\n"),
            Some(RouteAnswer::NotInTable)
        );
        assert_eq!(
            classify(Some(0), "   route to: 10.1.7.7\n      flags: <UP,DONE>\n"),
            Some(RouteAnswer::NoInterface)
        );
        assert_eq!(classify(Some(1), ""), None);
        assert_eq!(classify(None, ANSWER), None);
    }

    /// A stand-in `route` program: a shell script printing a fixed answer.
    fn fake_route(dir: &std::path::Path, body: &str) -> Host {
        use std::os::unix::fs::PermissionsExt;
        let p = dir.join("route");
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        Host::new(
            crate::host::Tools {
                route: p,
                ..Default::default()
            },
            dir,
        )
    }

    fn cfg() -> ZoneConfig {
        let mut fixed = net(&[]);
        fixed.physical = ln("net1");
        fixed.global_nic = Some(GlobalNic::Link(ln("e1000g0")));
        ZoneConfig {
            name: zn("web1"),
            brand: "ipkg".into(),
            zonepath: "/zones/web1".into(),
            ip_type: crate::zonecfg::IpType::Exclusive,
            nets: vec![net(&["10.1.7.7/16"]), fixed],
        }
    }

    #[test]
    fn resolve_replaces_auto_only() {
        let dir = tempfile::tempdir().unwrap();
        let host = fake_route(
            dir.path(),
            &format!("printf '{}'", ANSWER.replace('\n', "\\n")),
        );
        let r = resolve(&host, &cfg()).unwrap();
        assert_eq!(r.nets[0].global_nic, Some(GlobalNic::Link(ln("ixgbe1"))));
        assert_eq!(r.nets[1].global_nic, Some(GlobalNic::Link(ln("e1000g0"))));
    }

    #[test]
    fn resolve_errors_name_net_and_address() {
        let dir = tempfile::tempdir().unwrap();
        let host = fake_route(dir.path(), "echo ' 10.1.7.7: not in table'; exit 3");
        let e = resolve(&host, &cfg()).unwrap_err().to_string();
        assert!(
            e.starts_with("zone 'web1': net 'net0': global-nic 'auto': no route to allowed-address '10.1.7.7'"),
            "{e}"
        );
        let host = fake_route(dir.path(), "echo '  interface: net0:1'");
        let e = resolve(&host, &cfg()).unwrap_err().to_string();
        assert!(
            e.contains("names interface 'net0:1', which is not a datalink name"),
            "{e}"
        );
        let host = fake_route(
            dir.path(),
            "echo 'route: socket: Permission denied' >&2; exit 13",
        );
        let e = resolve(&host, &cfg()).unwrap_err().to_string();
        assert!(
            e.ends_with("looking up the route to '10.1.7.7': route -n get 10.1.7.7: route: socket: Permission denied"),
            "{e}"
        );
        let host = fake_route(dir.path(), "echo '   route to: 10.1.7.7'");
        let e = resolve(&host, &cfg()).unwrap_err().to_string();
        assert!(
            e.ends_with("route -n get 10.1.7.7 names no interface"),
            "{e}"
        );
        let mut c = cfg();
        c.nets[0].allowed_address.clear();
        let e = resolve(&host, &c).unwrap_err().to_string();
        assert!(
            e.contains("cannot use 'auto' without allowed-address"),
            "{e}"
        );
        // A missing route program is a spawn error, not a wrong answer.
        let host = Host::new(
            crate::host::Tools {
                route: dir.path().join("nonexistent"),
                ..Default::default()
            },
            dir.path(),
        );
        let e = resolve(&host, &cfg()).unwrap_err().to_string();
        assert!(e.contains("cannot run"), "{e}");
    }
}

#[cfg(test)]
mod form_tests {
    use super::*;
    use crate::testutil::ln;

    fn cfg(nets: &str, brand: &str) -> ZoneConfig {
        crate::zonecfg::parse_str(
            &format!(
                r#"<zone name="web1" zonepath="/z" brand="{brand}" ip-type="exclusive">{nets}</zone>"#
            ),
            "t",
        )
        .unwrap()
    }

    fn hl(name: &str, class: &str, mtu: u32) -> HostLink {
        HostLink {
            name: ln(name),
            class: class.into(),
            mtu: Some(mtu),
        }
    }

    #[test]
    fn forms() {
        assert_eq!(parse("e1000g0"), Ok(GlobalNic::Link(ln("e1000g0"))));
        assert_eq!(
            parse("admin"),
            Ok(GlobalNic::Tag(NicTag::new("admin").unwrap()))
        );
        assert_eq!(
            parse("sdc_underlay"),
            Ok(GlobalNic::Tag(NicTag::new("sdc_underlay").unwrap()))
        );
        assert_eq!(
            parse("sdc_sdn/23"),
            Ok(GlobalNic::Overlay {
                rule: "sdc_sdn".into(),
                vnet: "23".into()
            })
        );
        assert_eq!(parse("auto"), Ok(GlobalNic::Auto));
        for bad in [
            "a b",
            "x/",
            "/3",
            "a/b",
            "a/1/2",
            "ex-ternal",
            "",
            &"a".repeat(32),
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(is_proteus("proteus1") && is_proteus("proteus12"));
        assert!(!is_proteus("proteus0") && !is_proteus("proteus") && !is_proteus("proteus01"));
    }

    #[test]
    fn sysinfo_lines() {
        let t = parse_sysinfo(
            "Live_Image='20240101T000000Z'\nNIC_admin='e1000g0'\nNIC_external='aggr1'\nNIC_bad='x y'\nNIC_sdc_underlay='stub0'\n",
        );
        assert_eq!(t.len(), 3);
        assert_eq!(t["admin"], ln("e1000g0"));
        assert_eq!(t["external"], ln("aggr1"));
        assert_eq!(t["sdc_underlay"], ln("stub0"));
    }

    #[test]
    fn show_link_parse() {
        let l =
            parse_show_link_output("e1000g0:phys:1500\nstub0:etherstub:9000\nproteus1:misc:1500\n")
                .unwrap();
        assert_eq!(l.len(), 3);
        assert_eq!(l[1], hl("stub0", "etherstub", 9000));
        assert!(parse_show_link_output("a:b\n").is_err());
    }

    #[test]
    fn resolution_in_smartos_order() {
        let c = cfg(
            r#"<network physical="net0" global-nic="admin"/>
               <network physical="net1" global-nic="e1000g1"/>
               <network physical="net2" global-nic="proteus1"/>"#,
            "joyent",
        );
        let links = [
            hl("e1000g0", "phys", 1500),
            hl("e1000g1", "phys", 9000),
            hl("proteus1", "misc", 1500),
        ];
        assert!(!needs(&c).links, "no mtu, no walk");
        assert!(needs_tags(&c, Some(&links)));
        let mut tags = BTreeMap::new();
        tags.insert("admin".to_string(), ln("e1000g0"));
        let r = resolve_with(&c, Some(&links), Some(&tags), BrandFeatures::default()).unwrap();
        let over: Vec<String> = r
            .nets
            .iter()
            .map(|n| n.global_nic.as_ref().unwrap().to_string())
            .collect();
        assert_eq!(over, ["e1000g0", "e1000g1", "proteus1"]);
        // A tag named like a link wins once the tags are read (SmartOS looks tags up first).
        tags.insert("e1000g1".to_string(), ln("e1000g0"));
        let r = resolve_with(&c, Some(&links), Some(&tags), BrandFeatures::default()).unwrap();
        assert_eq!(r.nets[1].global_nic, Some(GlobalNic::Link(ln("e1000g0"))));
        // Links only: no sysinfo needed.
        let c2 = cfg(
            r#"<network physical="net1" global-nic="e1000g1"/>"#,
            "joyent",
        );
        assert!(!needs_tags(&c2, Some(&links)));
    }

    #[test]
    fn resolution_errors_name_what_is_wrong() {
        let c = cfg(
            r#"<network physical="net0" global-nic="external"/>"#,
            "joyent",
        );
        let e =
            resolve_with(&c, None, Some(&BTreeMap::new()), BrandFeatures::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "zone 'web1': net 'net0': global-nic 'external': no nic tag 'external' in sysinfo and no such physical link, aggregation or etherstub"
        );
        let c = cfg(
            r#"<network physical="net0" global-nic="sdc_sdn/23"/>"#,
            "joyent",
        );
        let e = resolve_with(&c, None, None, BrandFeatures::default()).unwrap_err();
        assert!(e.to_string().contains("overlay rule 'sdc_sdn'"), "{e}");
        let c = cfg(r#"<network physical="net0" global-nic="vnic7"/>"#, "joyent");
        let e = resolve_with(
            &c,
            Some(&[hl("vnic7", "vnic", 1500)]),
            None,
            BrandFeatures::default(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("class 'vnic'"), "{e}");
        let e = resolve_with(
            &c,
            Some(&[hl("proteus0", "misc", 1500)]),
            Some(&BTreeMap::new()),
            BrandFeatures::default(),
        )
        .unwrap_err();
        assert!(matches!(e, ResolveError::Unresolved { .. }));
        let c = cfg(
            r#"<network physical="net0" global-nic="e1000g0"><net-attr name="mtu" value="9000"/></network>"#,
            "joyent",
        );
        let e = resolve_with(
            &c,
            Some(&[hl("e1000g0", "phys", 1500)]),
            None,
            BrandFeatures::default(),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "zone 'web1': net 'net0': mtu 9000 is above the MTU of global-nic 'e1000g0' (1500)"
        );
        assert!(resolve_with(
            &c,
            Some(&[hl("e1000g0", "phys", 9000)]),
            None,
            BrandFeatures::default()
        )
        .is_ok());
    }

    #[test]
    fn brand_features() {
        let c = cfg(
            r#"<network physical="net0" global-nic="e1000g0">
                 <net-attr name="vrrp_vrid" value="12"/>
                 <net-attr name="vrrp_primary_ip" value="10.0.0.1"/>
                 <net-attr name="allow_unfiltered_promisc" value="true"/>
               </network>"#,
            "joyent",
        );
        let f = BrandFeatures::for_brand("joyent");
        assert!(f.vrrp && !f.unfiltered_promisc);
        let r = resolve_with(&c, None, None, f).unwrap();
        assert_eq!(r.nets[0].mac, Some(MacSpec::Vrrp { vrid: 12 }));
        assert!(r.nets[0].attrs.contains_key("vrrp_primary_ip"));
        assert!(!r.nets[0].attrs.contains_key("allow_unfiltered_promisc"));
        let r = resolve_with(&c, None, None, BrandFeatures::for_brand("kvm")).unwrap();
        assert_eq!(r.nets[0].mac, None);
        assert!(!r.nets[0].attrs.contains_key("vrrp_primary_ip"));
        assert!(r.nets[0].attrs.contains_key("allow_unfiltered_promisc"));
        assert_eq!(
            BrandFeatures::parse("vrrp,unfiltered-promisc"),
            Ok(BrandFeatures {
                vrrp: true,
                unfiltered_promisc: true
            })
        );
        assert_eq!(BrandFeatures::parse("none"), Ok(BrandFeatures::default()));
        assert!(BrandFeatures::parse("vrrp,bogus").is_err());
    }
}
