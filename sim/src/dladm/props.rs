//! Link properties: the subset of libdladm's `prop_table` (`linkprop.c`) that zone network
//! set-up touches, with their get/check/set rules, and `dladm_parse_link_props`
//! (`libdladm.c` `dladm_parse_args`) for `-p` strings.
//!
//! Modelled properties (in `prop_table` order): `zone` (`PD_TEMPONLY`, `check_zone`,
//! `get_zone`), `mtu` (`check_uint32`, `get_range`), `priority`, `protection`
//! (`link_protect_vals`), `allowed-ips` (`check_allowedips`), `allowed-dhcp-cids`, and, in
//! the joyent flavour only, `dynamic-methods` and `allow-all-dhcp-cids` (illumos-joyent
//! additions used by jcommon/statechange), and `promisc-filtered` (`MAC_PROP_VN_PROMISC_FILTERED`,
//! VNICs only, `on`/`off`). Anything else is "not found", which dladm reports as an invalid
//! link property.

use crate::dls::{DlStatus, Link, LinkClass};
use crate::state::{Flavour, Host, IpType, ZoneState, GLOBAL};

/// Which value `dladm_get_linkprop` is asked for (`dladm_prop_type_t`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Current,
    Default,
    Perm,
    Modifiable,
}

/// One modelled property.
#[derive(Debug, Clone, Copy)]
pub struct PropDesc {
    pub name: &'static str,
    /// `PD_TEMPONLY`: must be set with `-t`.
    pub temponly: bool,
    /// Literal default (`pd_defval.vd_name`); `None` = ask the driver, `Some("")` with
    /// `get_zone` = not supported.
    pub default: Option<&'static str>,
    /// `pd_optval` names (empty: no list, MODIFIABLE is not supported).
    pub optvals: &'static [&'static str],
    /// Set only from the global zone (dlmgmtd `setzoneid` EACCES for `zone`; the resource
    /// and protection properties are the global zone's to impose).
    pub gz_only: bool,
    pub joyent_only: bool,
}

const PROTECT: &[&str] = &["mac-nospoof", "restricted", "ip-nospoof", "dhcp-nospoof"];
const PRIORITY: &[&str] = &["low", "medium", "high"];
const DYNMETH: &[&str] = &["slaac", "dhcpv4", "dhcpv6", "addrconf"];
const BOOLEAN: &[&str] = &["true", "false"];
const ONOFF: &[&str] = &["on", "off"];

/// `MPT_MAXCID`: the most DHCP client ids in `allowed-dhcp-cids` (sys/mac_flow.h).
pub const MAX_CIDS: usize = 32;
/// `MPT_MAXCIDLEN`: the longest client id in bytes (`mac_dhcpcid_t.dc_id`).
pub const MAX_CID_LEN: usize = 312;

pub const PROPS: &[PropDesc] = &[
    PropDesc {
        name: "zone",
        temponly: true,
        default: Some(""),
        optvals: &[],
        gz_only: true,
        joyent_only: false,
    },
    PropDesc {
        name: "mtu",
        temponly: false,
        default: None,
        optvals: &[],
        gz_only: false,
        joyent_only: false,
    },
    PropDesc {
        name: "priority",
        temponly: false,
        default: Some("high"),
        optvals: PRIORITY,
        gz_only: false,
        joyent_only: false,
    },
    PropDesc {
        name: "protection",
        temponly: false,
        default: Some("--"),
        optvals: PROTECT,
        gz_only: true,
        joyent_only: false,
    },
    PropDesc {
        name: "allowed-ips",
        temponly: false,
        default: Some("--"),
        optvals: &[],
        gz_only: true,
        joyent_only: false,
    },
    PropDesc {
        name: "allowed-dhcp-cids",
        temponly: false,
        default: Some("--"),
        optvals: &[],
        gz_only: true,
        joyent_only: false,
    },
    PropDesc {
        name: "dynamic-methods",
        temponly: false,
        default: Some("--"),
        optvals: DYNMETH,
        gz_only: true,
        joyent_only: true,
    },
    PropDesc {
        name: "allow-all-dhcp-cids",
        temponly: false,
        default: Some("false"),
        optvals: BOOLEAN,
        gz_only: true,
        joyent_only: true,
    },
    PropDesc {
        name: "promisc-filtered",
        temponly: false,
        default: Some("on"),
        optvals: ONOFF,
        gz_only: false,
        joyent_only: false,
    },
];

/// linkprop.c `dladm_str2cid`: `0x` + hex digits (at most [`MAX_CID_LEN`] bytes, else
/// "buffer size too small"; a non-hex digit is "invalid argument"), a typed DUID
/// (`<digits>.<...>`, accepted here without its sub-checks), or any string of at most
/// [`MAX_CID_LEN`] bytes.
fn check_cid(c: &str) -> Result<(), DlStatus> {
    let b = c.as_bytes();
    if b.len() > 2 && b[..2].eq_ignore_ascii_case(b"0x") {
        let hex = &c[2..];
        if !hex.bytes().all(|x| x.is_ascii_hexdigit()) {
            return Err(DlStatus::BadArg);
        }
        if hex.len().div_ceil(2) > MAX_CID_LEN {
            return Err(DlStatus::TooSmall);
        }
        return Ok(());
    }
    if c.len() > MAX_CID_LEN {
        return Err(DlStatus::TooSmall);
    }
    Ok(())
}

/// The properties that exist in `flavour`, in table order (`dladm_walk_linkprop`).
pub fn table(flavour: Flavour) -> Vec<&'static PropDesc> {
    PROPS
        .iter()
        .filter(|p| !p.joyent_only || flavour == Flavour::Joyent)
        .collect()
}

/// Case-insensitive lookup (`i_dladm_get_linkprop` uses `strcasecmp`).
pub fn lookup(name: &str, flavour: Flavour) -> Option<&'static PropDesc> {
    table(flavour)
        .into_iter()
        .find(|p| p.name.eq_ignore_ascii_case(name))
}

/// A parsed `-p` list: property names with their values.
pub type PropList = Vec<(String, Vec<String>)>;

/// `dladm_parse_args` rejected the string (dladm then says "invalid link properties
/// specified" or "invalid vnic property").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadPropList;

/// `dladm_parse_args`: `name=v1,v2,name2=v3` (a token without `=` adds a value to the
/// previous property, or names a new one after a bare name); with `novalues` only names are
/// allowed. Empty tokens fail. An empty string is "no list".
pub fn parse_link_props(s: &str, novalues: bool) -> Result<PropList, BadPropList> {
    let mut list: PropList = Vec::new();
    if s.is_empty() {
        return Ok(list);
    }
    // `cur` is the property values attach to: Some after `name=`, None after `name,`.
    let mut cur: Option<usize> = None;
    let bytes: Vec<char> = s.chars().collect();
    let mut tok = String::new();
    for (i, &c) in bytes.iter().enumerate() {
        let m = c == '=' || c == ',';
        if !m {
            tok.push(c);
            if i != bytes.len() - 1 {
                continue;
            }
        } else if tok.is_empty() {
            return Err(BadPropList);
        }
        match cur {
            Some(k) if c != '=' => {
                if novalues {
                    return Err(BadPropList);
                }
                list[k].1.push(std::mem::take(&mut tok));
            }
            _ => {
                list.push((std::mem::take(&mut tok), Vec::new()));
                cur = if c == ',' || !m {
                    None
                } else {
                    Some(list.len() - 1)
                };
            }
        }
    }
    Ok(list)
}

fn split(v: Option<&String>) -> Vec<String> {
    v.map(|s| {
        s.split(',')
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .collect()
    })
    .unwrap_or_default()
}

/// The MTU a link class defaults to / may go up to (vnic_dev.c: a VNIC's SDU is its lower
/// MAC's; an etherstub's is `ANCHOR_VNIC_MAX_MTU` 9000; the sim's phys links take 576-9000).
fn mtu_default_and_max(host: &Host, l: &Link) -> (u32, u32) {
    match l.class {
        LinkClass::Phys | LinkClass::Misc => (1500, 9000),
        LinkClass::Etherstub => (9000, 9000),
        LinkClass::Vnic => {
            let lower = l
                .over
                .and_then(|o| host.link(o))
                .map(|x| x.mtu)
                .unwrap_or(1500);
            (lower, lower)
        }
    }
}

/// `dladm_get_linkprop`.
pub fn get(host: &Host, l: &Link, p: &PropDesc, which: Which) -> Result<Vec<String>, DlStatus> {
    match which {
        Which::Perm => return Ok(vec!["rw".into()]),
        Which::Default => {
            if p.name == "zone" {
                // get_zone: any flag (default/possible) is NOTSUP.
                return Err(DlStatus::NotSup);
            }
            return Ok(match p.default {
                Some(d) => vec![d.to_string()],
                None => vec![mtu_default_and_max(host, l).0.to_string()],
            });
        }
        Which::Modifiable => {
            if p.name == "mtu" {
                return Ok(vec![format!("576-{}", mtu_default_and_max(host, l).1)]);
            }
            if p.optvals.is_empty() {
                return Err(DlStatus::NotSup);
            }
            return Ok(p.optvals.iter().map(|s| s.to_string()).collect());
        }
        Which::Current => {}
    }
    if p.name == "zone" && l.zone_unreadable {
        // linkprop.c `get_zone`: getzonenamebyid fails, dladm_errno2status(EINVAL).
        return Err(DlStatus::BadArg);
    }
    Ok(match p.name {
        "zone" => vec![if l.zone == GLOBAL {
            String::new()
        } else {
            l.zone.clone()
        }],
        "mtu" => vec![l.mtu.to_string()],
        "priority" => vec![l
            .props
            .get("priority")
            .cloned()
            .unwrap_or_else(|| "high".into())],
        other => split(l.props.get(other)),
    })
}

fn valid_ip_or_prefix(s: &str) -> bool {
    let (addr, len) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (s, None),
    };
    match addr.parse::<std::net::IpAddr>() {
        Ok(ip) => match len {
            None => true,
            Some(l) => match l.parse::<u8>() {
                Ok(n) => n <= if ip.is_ipv4() { 32 } else { 128 },
                Err(_) => false,
            },
        },
        Err(_) => false,
    }
}

/// `dladm_set_linkprop` for one property on link `id` (`i_dladm_set_single_prop`):
/// TEMPONLY before anything, then the property's check, then the set. `vals == None` resets
/// to the default. `caller` is the caller's zone.
pub fn set(
    host: &mut Host,
    caller: &str,
    id: u32,
    p: &PropDesc,
    vals: Option<&[String]>,
    persist: bool,
) -> Result<(), DlStatus> {
    if persist && p.temponly {
        return Err(DlStatus::TempOnly);
    }
    if caller != GLOBAL && p.gz_only {
        return Err(DlStatus::Denied);
    }
    let l = host.link(id).ok_or(DlStatus::NotFound)?.clone();
    match p.name {
        "zone" => {
            // check_zone: one value; getzoneidbyname must know the zone; it must be an
            // exclusive-IP zone (ZF_NET_EXCL) - else BADVAL. Reset means "global".
            let target = match vals {
                None => GLOBAL.to_string(),
                Some([v]) => v.clone(),
                Some(_) => return Err(DlStatus::BadValCnt),
            };
            if target != GLOBAL {
                let z = host.zone(&target).ok_or(DlStatus::BadVal)?;
                if z.ip_type != IpType::Excl
                    || !matches!(z.state, ZoneState::Ready | ZoneState::Running)
                {
                    return Err(DlStatus::BadVal);
                }
            }
            host.set_link_zone(id, &target)
        }
        "mtu" => {
            let (def, max) = mtu_default_and_max(host, &l);
            let v = match vals {
                None => def,
                Some([v]) => v.parse::<u32>().map_err(|_| DlStatus::BadVal)?,
                Some(_) => return Err(DlStatus::BadValCnt),
            };
            // mac_set_mtu refuses an SDU outside the device's range with EINVAL.
            if !(576..=max).contains(&v) {
                return Err(DlStatus::BadArg);
            }
            if let Some(m) = host.link_mut(id) {
                m.mtu = v;
            }
            Ok(())
        }
        name => {
            // promisc-filtered is a VNIC property (the MAC provider of other links has none).
            if name == "promisc-filtered" && l.class != LinkClass::Vnic {
                return Err(DlStatus::NotSup);
            }
            if let (Some(vs), "allowed-dhcp-cids") = (vals, name) {
                // check_allowedcids: at most MPT_MAXCID values, each through dladm_str2cid.
                if vs.len() > MAX_CIDS {
                    return Err(DlStatus::BadValCnt);
                }
                vs.iter().try_for_each(|c| check_cid(c))?;
            }
            if let (Some(vs), "allow-all-dhcp-cids" | "promisc-filtered") = (vals, name) {
                // Single-valued (pd_flags without PD_CHECK_ALLOC: one value).
                if vs.len() != 1 {
                    return Err(DlStatus::BadValCnt);
                }
            }
            let stored = match vals {
                None => None,
                Some(vs) => {
                    if !p.optvals.is_empty() {
                        let mut canon = Vec::new();
                        for v in vs {
                            let o = p
                                .optvals
                                .iter()
                                .find(|o| o.eq_ignore_ascii_case(v))
                                .ok_or(DlStatus::BadVal)?;
                            canon.push(o.to_string());
                        }
                        if name == "priority" && canon.len() != 1 {
                            return Err(DlStatus::BadValCnt);
                        }
                        Some(canon.join(","))
                    } else {
                        if name == "allowed-ips" && !vs.iter().all(|v| valid_ip_or_prefix(v)) {
                            return Err(DlStatus::BadVal);
                        }
                        Some(vs.join(","))
                    }
                }
            };
            if let Some(m) = host.link_mut(id) {
                match stored {
                    Some(s) => {
                        m.props.insert(name.to_string(), s);
                    }
                    None => {
                        m.props.remove(name);
                    }
                }
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pl(v: &[(&str, &[&str])]) -> PropList {
        v.iter()
            .map(|(n, vs)| (n.to_string(), vs.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    #[test]
    fn parse_args_like_libdladm() {
        assert_eq!(
            parse_link_props("mtu=1500,zone=z1,", false).unwrap(),
            pl(&[("mtu", &["1500"]), ("zone", &["z1"])])
        );
        assert_eq!(
            parse_link_props("protection=mac-nospoof,restricted,", false).unwrap(),
            pl(&[("protection", &["mac-nospoof", "restricted"])])
        );
        assert_eq!(
            parse_link_props("zone,mtu,", true).unwrap(),
            pl(&[("zone", &[]), ("mtu", &[])])
        );
        assert_eq!(
            parse_link_props("zone", false).unwrap(),
            pl(&[("zone", &[])])
        );
        assert!(parse_link_props("zone=x,", true).is_err());
        assert!(parse_link_props("mtu=,", false).is_err());
        assert!(parse_link_props(",mtu=1", false).is_err());
        assert_eq!(parse_link_props("", false).unwrap(), pl(&[]));
    }

    #[test]
    fn client_ids_like_dladm_str2cid() {
        assert_eq!(check_cid("0x01ab"), Ok(()));
        assert_eq!(check_cid("0X0a"), Ok(()));
        assert_eq!(check_cid("0xzz"), Err(DlStatus::BadArg));
        assert_eq!(check_cid("1.2.3"), Ok(()));
        assert_eq!(check_cid("0x"), Ok(()), "a bare 0x is a string id");
        assert_eq!(check_cid(&"a".repeat(312)), Ok(()));
        assert_eq!(check_cid(&"a".repeat(313)), Err(DlStatus::TooSmall));
        assert_eq!(
            check_cid(&format!("0x{}", "ab".repeat(313))),
            Err(DlStatus::TooSmall)
        );
    }

    #[test]
    fn ip_validation() {
        assert!(valid_ip_or_prefix("10.0.0.1"));
        assert!(valid_ip_or_prefix("10.0.0.0/24"));
        assert!(valid_ip_or_prefix("fe80::1/64"));
        assert!(!valid_ip_or_prefix("10.0.0.300"));
        assert!(!valid_ip_or_prefix("10.0.0.0/33"));
    }
}
