//! Validation of zone configurations: raw strings from the XML into the typed model, collecting
//! every problem (not just the first), and the host-wide checks that need other zones.
//!
//! Rules and where they come from:
//! - link names, MACs, VLAN ids, MTU: the value types' own modules (dladm's rules);
//! - `ip-type` must be `exclusive` when any net has `global-nic`: netzone creates VNICs and gives
//!   them to the zone, which only an exclusive-IP stack can hold (OmniOS `vnic.ksh` and SmartOS
//!   `jcommon/statechange` likewise only act for exclusive-IP zones);
//! - `address` is the shared-IP form and never goes with `global-nic` or an exclusive-IP zone, and
//!   `allowed-address` never with a shared-IP zone (illumos `zonecfg` `verify` refuses the same);
//! - `physical` is unique within a zone (two links cannot have one name in the zone);
//! - an explicit MAC is used once on the whole host: two VNICs with one unicast address break
//!   both, and dladm would refuse the second create at boot, long after the commit.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use crate::ipprefix::IpPrefix;
use crate::linkname::LinkName;
use crate::mac::{Mac, MacSpec};
use crate::mtu::Mtu;
use crate::vlan::VlanId;
use crate::zonecfg::raw::{RawNet, RawZone};
use crate::zonecfg::{self, GlobalNic, IpType, Net, NetRef, Problem, ZoneConfig};
use crate::zonename::ZoneName;

/// `<net-attr>` names that carry the VRRP router id `mac-addr="vrrp"` needs (SmartOS writes
/// `vrrp_vrid`; the dash form is accepted too).
const VRID_ATTRS: &[&str] = &["vrrp_vrid", "vrrp-vrid"];

/// Collects problems for one zone with its label filled in.
struct Problems {
    zone: String,
    list: Vec<Problem>,
}

impl Problems {
    fn add(
        &mut self,
        net: Option<&NetRef>,
        attribute: Option<&str>,
        value: Option<&str>,
        reason: impl std::fmt::Display,
    ) {
        self.list.push(Problem {
            zone: self.zone.clone(),
            net: net.cloned(),
            attribute: attribute.map(str::to_string),
            value: value.map(str::to_string),
            reason: reason.to_string(),
        });
    }
}

/// An attribute's value, with zonecfg's "empty means unset" applied.
fn set(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.is_empty())
}

/// Parses `addr[/prefix]` (IPv4 or IPv6).
fn parse_prefixed(s: &str) -> Result<IpPrefix, String> {
    s.parse::<IpPrefix>().map_err(|e| e.to_string())
}

/// A shared-IP `address`: `addr[/prefix]` or a host name.
fn check_address(s: &str) -> Result<(), String> {
    if parse_prefixed(s).is_ok() {
        return Ok(());
    }
    let hostname = s.len() <= 255
        && s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if hostname {
        Ok(())
    } else {
        Err("not an IP address or host name".to_string())
    }
}

fn is_attr_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// Validates one zone as read from XML. `expect` is the zone the file was loaded for (its name
/// must match). Returns the typed configuration, or every problem found.
pub fn zone(raw: &RawZone, expect: Option<&ZoneName>) -> Result<ZoneConfig, Vec<Problem>> {
    zone_with(raw, expect, true)
}

/// Validates a network specification built in code ([`crate::spec`]): the same rules as
/// [`zone()`], except that `zonepath` (which only a zone file has) is not required.
pub fn network_spec(raw: &RawZone) -> Result<ZoneConfig, Vec<Problem>> {
    zone_with(raw, None, false)
}

fn zone_with(
    raw: &RawZone,
    expect: Option<&ZoneName>,
    need_zonepath: bool,
) -> Result<ZoneConfig, Vec<Problem>> {
    let label = match (set(&raw.name), expect) {
        (Some(n), _) => n.to_string(),
        (None, Some(z)) => z.to_string(),
        (None, None) => "(unnamed)".to_string(),
    };
    let mut p = Problems {
        zone: label,
        list: Vec::new(),
    };

    let name = match set(&raw.name) {
        None => {
            p.add(None, Some("name"), None, "required attribute missing");
            None
        }
        Some(n) => match ZoneName::new(n) {
            Ok(z) => Some(z),
            Err(e) => {
                p.add(None, Some("name"), Some(n), e);
                None
            }
        },
    };
    if let (Some(n), Some(want)) = (&name, expect) {
        if n != want {
            p.add(
                None,
                Some("name"),
                Some(n.as_str()),
                format!("the file for zone '{want}' names another zone"),
            );
        }
    }

    let zonepath = match set(&raw.zonepath) {
        None if !need_zonepath => Some(PathBuf::new()),
        None => {
            p.add(None, Some("zonepath"), None, "required attribute missing");
            None
        }
        Some(zp) if !zp.starts_with('/') => {
            p.add(None, Some("zonepath"), Some(zp), "must be an absolute path");
            None
        }
        Some(zp) => Some(PathBuf::from(zp)),
    };

    let ip_type = match set(&raw.ip_type) {
        None | Some("shared") => Some(IpType::Shared),
        Some("exclusive") => Some(IpType::Exclusive),
        Some(other) => {
            p.add(
                None,
                Some("ip-type"),
                Some(other),
                "must be 'shared' or 'exclusive'",
            );
            None
        }
    };

    let with_nic: Vec<String> = raw
        .networks
        .iter()
        .filter(|n| set(&n.global_nic).is_some())
        .map(|n| zonecfg::error::printable(set(&n.physical).unwrap_or("?")))
        .collect();
    if ip_type == Some(IpType::Shared) && !with_nic.is_empty() {
        p.add(
            None,
            Some("ip-type"),
            Some(set(&raw.ip_type).unwrap_or("shared")),
            if with_nic.len() == 1 {
                format!(
                    "exclusive IP required: net '{}' has global-nic",
                    with_nic[0]
                )
            } else {
                format!(
                    "exclusive IP required: nets '{}' have global-nic",
                    with_nic.join("', '")
                )
            },
        );
    }

    let mut nets = Vec::new();
    let mut physicals: HashSet<String> = HashSet::new();
    let mut dup_physicals: HashSet<String> = HashSet::new();
    let mut macs: HashMap<Mac, String> = HashMap::new();
    for (i, rn) in raw.networks.iter().enumerate() {
        let r = match set(&rn.physical) {
            Some(ph) => NetRef::Physical(ph.to_string()),
            None => NetRef::Index(i + 1),
        };
        if let Some(ph) = set(&rn.physical) {
            if !physicals.insert(ph.to_string()) && dup_physicals.insert(ph.to_string()) {
                p.add(
                    Some(&r),
                    Some("physical"),
                    Some(ph),
                    "configured more than once in this zone",
                );
            }
        }
        if let Some(net) = net(rn, &r, ip_type, &mut p) {
            if let Some(m) = net.mac.and_then(|m| m.fixed()) {
                if let Some(other) = macs.get(&m) {
                    p.add(
                        Some(&r),
                        Some("mac-addr"),
                        set(&rn.mac_addr),
                        format!("also used by net '{other}' of this zone"),
                    );
                } else {
                    macs.insert(m, net.physical.to_string());
                }
            }
            nets.push(net);
        }
    }

    match (name, zonepath, ip_type) {
        (Some(name), Some(zonepath), Some(ip_type)) if p.list.is_empty() => Ok(ZoneConfig {
            name,
            brand: raw.brand.clone().unwrap_or_default(),
            zonepath,
            ip_type,
            nets,
        }),
        _ => Err(p.list),
    }
}

/// Validates one `<network>`; problems go to `p`, and `None` comes back if there were any.
fn net(rn: &RawNet, r: &NetRef, ip_type: Option<IpType>, p: &mut Problems) -> Option<Net> {
    let before = p.list.len();
    let r = Some(r);

    let physical = match set(&rn.physical) {
        None => {
            p.add(r, Some("physical"), None, "required attribute missing");
            None
        }
        Some(ph) => LinkName::new(ph)
            .map_err(|e| p.add(r, Some("physical"), Some(ph), e))
            .ok(),
    };

    let address = set(&rn.address);
    if let Some(a) = address {
        if let Err(e) = check_address(a) {
            p.add(r, Some("address"), Some(a), e);
        }
        if set(&rn.global_nic).is_some() {
            p.add(
                r,
                Some("address"),
                Some(a),
                "shared-IP address cannot be combined with global-nic (use allowed-address)",
            );
        } else if ip_type == Some(IpType::Exclusive) {
            p.add(
                r,
                Some("address"),
                Some(a),
                "not valid in an exclusive-IP zone (use allowed-address)",
            );
        }
    }

    let mut allowed = Vec::new();
    if let Some(aa) = set(&rn.allowed_address) {
        if ip_type == Some(IpType::Shared) {
            p.add(
                r,
                Some("allowed-address"),
                Some(aa),
                "only valid in an exclusive-IP zone",
            );
        }
        for a in aa.split(',') {
            match parse_prefixed(a) {
                Ok(ip) => allowed.push(ip),
                Err(e) => p.add(r, Some("allowed-address"), Some(a), e),
            }
        }
    }

    let mut defrouter = Vec::new();
    if let Some(d) = set(&rn.defrouter) {
        for a in d.split(',') {
            match a.parse::<IpAddr>() {
                Ok(ip) => defrouter.push(ip),
                Err(_) => p.add(r, Some("defrouter"), Some(a), "not an IP address"),
            }
        }
    }

    let global_nic = match set(&rn.global_nic) {
        None => None,
        Some("auto") => {
            if allowed.is_empty() && set(&rn.allowed_address).is_none() {
                p.add(
                    r,
                    Some("global-nic"),
                    Some("auto"),
                    "'auto' needs allowed-address to choose the link",
                );
            }
            Some(GlobalNic::Auto)
        }
        Some(g) => crate::globalnic::parse(g)
            .map_err(|e| p.add(r, Some("global-nic"), Some(g), e))
            .ok(),
    };

    // net-attrs first: mac-addr="vrrp" needs the VRID from one.
    let mut attrs = BTreeMap::new();
    let mut mtu = None;
    let mut vrid: Option<u8> = None;
    let mut vrid_bad = false;
    for (k, a) in rn.attrs.iter().enumerate() {
        let Some(name) = set(&a.name) else {
            p.add(
                r,
                Some("net-attr"),
                None,
                format!("net-attr #{} has no name", k + 1),
            );
            continue;
        };
        let value = a.value.clone().unwrap_or_default();
        if !is_attr_name(name) {
            p.add(
                r,
                Some("net-attr"),
                Some(name),
                "name may contain only letters, digits, '_', '-' and '.' (at most 64)",
            );
            continue;
        }
        if attrs.contains_key(name) {
            p.add(r, Some(name), Some(&value), "net-attr given more than once");
            continue;
        }
        if name == "mtu" {
            match value.parse::<Mtu>() {
                Ok(m) => mtu = Some(m),
                Err(e) => p.add(r, Some(name), Some(&value), e),
            }
        } else if VRID_ATTRS.contains(&name) {
            match value.parse::<u8>() {
                Ok(v) if v >= 1 && value.bytes().all(|b| b.is_ascii_digit()) => vrid = Some(v),
                _ => {
                    vrid_bad = true;
                    p.add(r, Some(name), Some(&value), "VRRP router id must be 1-255");
                }
            }
        } else if let Err(e) = crate::netattr::check(name, &value) {
            p.add(r, Some(name), Some(&value), e);
        }
        attrs.insert(name.to_string(), value);
    }

    let mac = match set(&rn.mac_addr) {
        None => None,
        Some(m) => match MacSpec::parse(m, vrid) {
            Ok(s) => Some(s),
            Err(crate::mac::MacError::VrrpWithoutVrid) if vrid_bad => None,
            Err(e) => {
                p.add(r, Some("mac-addr"), Some(m), e);
                None
            }
        },
    };

    let vlan = match set(&rn.vlan_id) {
        None => None,
        Some(v) => VlanId::parse_zonecfg(v)
            .map_err(|e| p.add(r, Some("vlan-id"), Some(v), e))
            .ok()
            .flatten(),
    };

    if set(&rn.global_nic).is_none() {
        for (attr, v) in [
            ("mac-addr", set(&rn.mac_addr)),
            ("vlan-id", set(&rn.vlan_id)),
        ] {
            if let Some(v) = v.filter(|v| *v != "0") {
                p.add(
                    r,
                    Some(attr),
                    Some(v),
                    "needs global-nic (netzone only sets it on a VNIC it creates)",
                );
            }
        }
    }

    if p.list.len() != before {
        return None;
    }
    Some(Net {
        physical: physical?,
        address: address.map(str::to_string),
        allowed_address: allowed,
        defrouter,
        global_nic,
        mac,
        vlan,
        mtu,
        attrs,
    })
}

/// Explicit MACs of other zones, each with the zone and net that use it. The zone being checked
/// is left out in its older configuration: a zone of the same name, or of the same zonepath
/// (`zonecfg set zonename` renames a zone in place, and zoneadm refuses two zones one zonepath,
/// illumos-gate `usr/src/cmd/zoneadm/zoneadm.c` `crosscheck_zonepaths`).
fn taken_macs(
    others: &[ZoneConfig],
    except: &str,
    zonepath: Option<&Path>,
) -> HashMap<Mac, (String, String)> {
    let mut taken = HashMap::new();
    for o in others
        .iter()
        .filter(|o| o.name.as_str() != except && (zonepath.is_none() || o.zonepath() != zonepath))
    {
        for n in &o.nets {
            if let Some(m) = n.mac.and_then(|m| m.fixed()) {
                taken
                    .entry(m)
                    .or_insert_with(|| (o.name.to_string(), n.physical.to_string()));
            }
        }
    }
    taken
}

fn mac_conflicts<'a>(
    zone: &str,
    zonepath: Option<&Path>,
    nets: impl Iterator<Item = (&'a str, Mac)>,
    others: &[ZoneConfig],
) -> Vec<Problem> {
    let taken = taken_macs(others, zone, zonepath);
    nets.filter_map(|(physical, m)| {
        taken.get(&m).map(|(oz, on)| Problem {
            zone: zone.to_string(),
            net: Some(NetRef::Physical(physical.to_string())),
            attribute: Some("mac-addr".into()),
            value: Some(m.to_string()),
            reason: format!("already used by zone '{oz}' net '{on}'"),
        })
    })
    .collect()
}

/// Problems between `zone` and the other zones on the host: an explicit MAC it shares with any of
/// them. Zones in `others` with the same name or zonepath are skipped (that is its own, older
/// configuration).
pub fn host_conflicts(zone: &ZoneConfig, others: &[ZoneConfig]) -> Vec<Problem> {
    mac_conflicts(
        zone.name.as_str(),
        zone.zonepath(),
        zone.nets
            .iter()
            .filter_map(|n| Some((n.physical.as_str(), n.mac?.fixed()?))),
        others,
    )
}

/// The valid configurations of every other zone configured under `root` (from the index).
/// Zones whose own file is unreadable or invalid are left out: they are reported when they
/// themselves are checked, and must not make a good zone fail.
pub fn other_zones(root: &Path, except: &str) -> Result<Vec<ZoneConfig>, zonecfg::ConfigError> {
    Ok(zonecfg::configured_zones(root)?
        .into_iter()
        .filter(|z| z.entry.name != except)
        .filter_map(|z| z.config.ok())
        .collect())
}

/// Everything `netzone check` and `netzone-verify` check for one parsed zone: the per-zone rules
/// and the host-wide ones against the other zones under `root`. When the zone has problems of
/// its own, MAC conflicts with other zones are still reported alongside them.
fn check_raw(
    root: &Path,
    raw: &RawZone,
    expect: Option<&ZoneName>,
) -> Result<ZoneConfig, zonecfg::ConfigError> {
    let name = set(&raw.name)
        .map(str::to_string)
        .or_else(|| expect.map(|z| z.to_string()))
        .unwrap_or_default();
    let others = other_zones(root, &name)?;
    match zone(raw, expect) {
        Ok(cfg) => {
            let problems = host_conflicts(&cfg, &others);
            if problems.is_empty() {
                Ok(cfg)
            } else {
                Err(zonecfg::ConfigError::Invalid { problems })
            }
        }
        Err(mut problems) => {
            let fixed = raw.networks.iter().filter_map(|n| {
                let m = set(&n.mac_addr)?.parse::<Mac>().ok()?;
                Some((set(&n.physical).unwrap_or("?"), m))
            });
            let zonepath = set(&raw.zonepath).map(Path::new);
            problems.extend(mac_conflicts(&name, zonepath, fixed, &others));
            Err(zonecfg::ConfigError::Invalid { problems })
        }
    }
}

/// `netzone check ZONE`: loads `<root>/etc/zones/<zone>.xml` and runs every check.
pub fn check_zone(root: &Path, zone: &ZoneName) -> Result<ZoneConfig, zonecfg::ConfigError> {
    let path = zonecfg::config_path(root, zone);
    let bytes = zonecfg::read_file(&path, Some(zone))?;
    let raw = zonecfg::parse_raw(&bytes, &path.display().to_string(), Some(zone))?;
    check_raw(root, &raw, Some(zone))
}

/// `netzone check --file` and `netzone-verify`: runs every check on a zone file that may not be
/// under `root` (zonecfg's temporary copy); the zone's own file under `root` is not compared.
pub fn check_file(root: &Path, path: &Path) -> Result<ZoneConfig, zonecfg::ConfigError> {
    let bytes = zonecfg::read_file(path, None)?;
    let raw = zonecfg::parse_raw(&bytes, &path.display().to_string(), None)?;
    check_raw(root, &raw, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(xml_nets: &str, name: &str) -> ZoneConfig {
        zonecfg::parse_str(
            &format!(
                "<zone name=\"{name}\" zonepath=\"/zones/{name}\" ip-type=\"exclusive\">{xml_nets}</zone>"
            ),
            "test",
        )
        .unwrap()
    }

    #[test]
    fn prefixed_addresses() {
        for ok in [
            "10.0.0.1",
            "10.0.0.1/0",
            "10.0.0.1/32",
            "fe80::1",
            "fe80::1/128",
            "::/0",
        ] {
            assert_eq!(
                parse_prefixed(ok).map(|p| p.to_string()),
                Ok(ok.into()),
                "{ok}"
            );
        }
        for bad in [
            "",
            "10.0.0.1/33",
            "fe80::1/129",
            "10.0.0.1/",
            "10.0.0.1/-1",
            "10.0.0.1/+8",
            "10.0.0.1/0008",
            "10.0.0",
            "host/24",
            "10.0.0.1 /24",
        ] {
            assert!(parse_prefixed(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn shared_ip_addresses() {
        assert!(check_address("192.168.1.5/24").is_ok());
        assert!(check_address("mail1-backup").is_ok());
        assert!(check_address("a.example.com").is_ok());
        for bad in ["-x", "a b", "x;y", "", ".x", &"a".repeat(256)] {
            assert!(check_address(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn host_conflicts_skip_own_zone_and_compare_octets() {
        let me = cfg(
            r#"<network physical="net0" global-nic="igb0" mac-addr="2:8:20:1:2:3"/>
               <network physical="net1" global-nic="igb0" mac-addr="random"/>"#,
            "web1",
        );
        let old_me = cfg(
            r#"<network physical="net0" global-nic="igb0" mac-addr="2:8:20:1:2:3"/>"#,
            "web1",
        );
        let other = cfg(
            r#"<network physical="net3" global-nic="igb0" mac-addr="02:08:20:01:02:03"/>
               <network physical="net4" global-nic="igb0" mac-addr="random"/>"#,
            "web2",
        );
        assert!(host_conflicts(&me, std::slice::from_ref(&old_me)).is_empty());
        let p = host_conflicts(&me, &[old_me, other]);
        assert_eq!(p.len(), 1, "keywords never conflict: {p:?}");
        assert_eq!(
            p[0].to_string(),
            "zone 'web1': net 'net0': mac-addr '2:8:20:1:2:3': already used by zone 'web2' net 'net3'"
        );
    }

    #[test]
    fn problems_carry_their_fields() {
        let e = zonecfg::parse_str(
            r#"<zone name="web1" zonepath="/z" ip-type="exclusive"><network physical="net0" global-nic="igb0" vlan-id="4095"/></zone>"#,
            "test",
        )
        .unwrap_err();
        let p = &e.problems()[0];
        assert_eq!(p.zone, "web1");
        assert_eq!(p.net, Some(NetRef::Physical("net0".into())));
        assert_eq!(p.attribute.as_deref(), Some("vlan-id"));
        assert_eq!(p.value.as_deref(), Some("4095"));
        assert_eq!(p.reason, "VLAN id must be 1-4094");
    }

    #[test]
    fn relative_zonepath_and_missing_attributes() {
        let e = zonecfg::parse_str(r#"<zone zonepath="zones/x"/>"#, "t").unwrap_err();
        assert_eq!(
            e.lines(),
            [
                "zone '(unnamed)': name: required attribute missing",
                "zone '(unnamed)': zonepath 'zones/x': must be an absolute path",
            ]
        );
        let e = zonecfg::parse_str(r#"<zone name="a"/>"#, "t").unwrap_err();
        assert_eq!(
            e.lines(),
            ["zone 'a': zonepath: required attribute missing"]
        );
    }
}
