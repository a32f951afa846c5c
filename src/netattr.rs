//! SmartOS's per-net attributes (`<net-attr name=.. value=..>`, the `_ZONECFG_net_<nic>_<attr>`
//! variables of `jcommon/statechange`) and the link properties they give a VNIC on the joyent
//! flavour, as illumos-joyent `usr/src/lib/brand/jcommon/statechange` `setup_net` computes them:
//!
//! - `protection`: `mac-nospoof,ip-nospoof,restricted,dhcp-nospoof` by default, each dropped by
//!   `allow_mac_spoofing`, `allow_ip_spoofing`, `allow_restricted_traffic`, and `dhcp-nospoof` by
//!   `dhcp_server` or `allow_dhcp_spoofing`, both of which also allow IP spoofing; not set at
//!   all when every one is dropped;
//! - where IP spoofing is not allowed: `allowed-ips` from `ips` (each without its prefix
//!   length; the older `ip` when `ips` is absent), `allowed_ips`, `vrrp_primary_ip` (brands with
//!   VRRP) and netzone's `allowed-address`, without duplicates and sorted as ksh93 walks the
//!   script's associative array; and `dynamic-methods` from `dhcp` (`dhcpv4`) and `addrconf` in
//!   `ips`;
//! - unless DHCP spoofing is allowed: `allowed-dhcp-cids` from `allowed_dhcp_cids`, or, when
//!   none are given and `ips` has `dhcp` or `addrconf`, `allow-all-dhcp-cids=true`;
//! - `promisc-filtered=off` from `allow_unfiltered_promisc` (brands that support it);
//! - booleans are true when the value is `true` or `1` (`get_boolean_nic_property`).
//!
//! SmartOS sets each of these with its own `set-linkprop` after the VNIC exists; netzone puts
//! them all in the one `create-vnic -p` (zone last), which the joyent dladm applies in order.

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::dladm::LinkProp;
use crate::zonecfg::Net;

/// Attributes read as booleans by `get_boolean_nic_property` (plus `primary`, which vmadm
/// writes the same way).
pub const BOOLEAN_ATTRS: &[&str] = &[
    "primary",
    "dhcp_server",
    "allow_dhcp_spoofing",
    "allow_ip_spoofing",
    "allow_mac_spoofing",
    "allow_restricted_traffic",
    "allow_unfiltered_promisc",
];

/// The most DHCP client ids a link takes (`MPT_MAXCID`, illumos `sys/mac_flow.h`).
pub const MAX_CIDS: usize = 32;
/// The longest DHCP client id in bytes (`MPT_MAXCIDLEN`).
pub const MAX_CID_LEN: usize = 312;

/// `get_boolean_nic_property`: `true` and `1` are true, anything else false.
pub fn boolean(attrs: &BTreeMap<String, String>, name: &str) -> bool {
    matches!(
        attrs.get(name).map(String::as_str),
        Some("true") | Some("1")
    )
}

fn list(attrs: &BTreeMap<String, String>, name: &str) -> Vec<String> {
    attrs
        .get(name)
        .map(|v| {
            v.split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn is_ip(s: &str) -> bool {
    s.parse::<IpAddr>().is_ok()
}

/// `addr` or `addr/prefix`.
fn is_prefixed(s: &str) -> bool {
    match s.split_once('/') {
        None => is_ip(s),
        Some((a, p)) => match a.parse::<IpAddr>() {
            Ok(ip) => {
                let max = if ip.is_ipv4() { 32 } else { 128 };
                !p.is_empty()
                    && p.len() <= 3
                    && p.bytes().all(|b| b.is_ascii_digit())
                    && p.parse::<u8>().is_ok_and(|n| n <= max)
            }
            Err(_) => false,
        },
    }
}

/// A DHCP client id as illumos `dladm_str2cid` reads one: `0x` and hex digits, a typed DUID
/// (`<type>.<...>`), or any other string of at most [`MAX_CID_LEN`] bytes.
fn check_cid(c: &str) -> Result<(), String> {
    if let Some(hex) = c.strip_prefix("0x").or_else(|| c.strip_prefix("0X")) {
        if !hex.is_empty() {
            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!("DHCP client id '{c}': not a hex string"));
            }
            if hex.len().div_ceil(2) > MAX_CID_LEN {
                return Err(format!(
                    "DHCP client id '{c}': longer than {MAX_CID_LEN} bytes"
                ));
            }
            return Ok(());
        }
    }
    if c.len() > MAX_CID_LEN {
        return Err(format!("DHCP client id longer than {MAX_CID_LEN} bytes"));
    }
    Ok(())
}

/// Checks one SmartOS attribute's value; attributes netzone does not read pass. Values are
/// checked as dladm will check what they become, so a bad one fails `netzone check` rather
/// than the boot.
pub fn check(name: &str, value: &str) -> Result<(), String> {
    if name == crate::zonecfg::Net::PERSISTENT_ATTR {
        // netzone's own attribute: exactly true or false.
        return match value {
            "true" | "false" => Ok(()),
            _ => Err("must be 'true' or 'false'".into()),
        };
    }
    if BOOLEAN_ATTRS.contains(&name) {
        return match value {
            "true" | "false" | "1" | "0" => Ok(()),
            _ => Err("must be 'true', 'false', '1' or '0'".into()),
        };
    }
    match name {
        "ips" => {
            for ip in value.split(',') {
                if !(ip == "dhcp" || ip == "addrconf" || is_prefixed(ip)) {
                    return Err(format!(
                        "'{}': expected an IP address (with optional /prefix), dhcp or addrconf",
                        crate::zonecfg::error::printable(ip)
                    ));
                }
            }
            Ok(())
        }
        "ip" => {
            if value == "dhcp" || is_ip(value) {
                Ok(())
            } else {
                Err("expected an IP address or dhcp".into())
            }
        }
        "allowed_ips" => {
            for ip in value.split(',') {
                if !is_prefixed(ip) {
                    return Err(format!(
                        "'{}': not an IP address or prefix",
                        crate::zonecfg::error::printable(ip)
                    ));
                }
            }
            Ok(())
        }
        "vrrp_primary_ip" => {
            if is_ip(value) {
                Ok(())
            } else {
                Err("not an IP address".into())
            }
        }
        "allowed_dhcp_cids" => {
            let cids: Vec<&str> = value.split(',').collect();
            if cids.len() > MAX_CIDS {
                return Err(format!("at most {MAX_CIDS} DHCP client ids"));
            }
            if cids.iter().any(|c| c.is_empty()) {
                return Err("empty DHCP client id".into());
            }
            cids.iter().try_for_each(|c| check_cid(c))
        }
        "blocked_outgoing_ports" => {
            for p in value.split(',') {
                let ok = !p.is_empty()
                    && p.len() <= 5
                    && p.bytes().all(|b| b.is_ascii_digit())
                    && p.parse::<u32>().is_ok_and(|n| (1..=65535).contains(&n));
                if !ok {
                    return Err(format!(
                        "'{}': port must be 1-65535",
                        crate::zonecfg::error::printable(p)
                    ));
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The zone's addresses as the script reads them: `ips`, or else the older `ip`.
fn zone_ips(net: &Net) -> Vec<String> {
    let ips = list(&net.attrs, "ips");
    if !ips.is_empty() {
        return ips;
    }
    list(&net.attrs, "ip")
}

/// The ports of `blocked_outgoing_ports`, in order, without duplicates.
pub fn blocked_ports(net: &Net) -> Vec<u16> {
    let mut v: Vec<u16> = Vec::new();
    for p in list(&net.attrs, "blocked_outgoing_ports") {
        if let Ok(n) = p.parse::<u16>() {
            if n != 0 && !v.contains(&n) {
                v.push(n);
            }
        }
    }
    v
}

/// SmartOS's flow name for a blocked port: `f` + the VNIC's MAC with `_` for `:` + `_br_` +
/// the port (statechange: "br = block remote"; unique per link, under 31 characters for a
/// unique kstat). A MAC netzone does not know in advance (`factory`) gives `<link>_br_<port>`.
pub fn flow_name(mac: crate::mac::MacSpec, link: &crate::linkname::LinkName, port: u16) -> String {
    use crate::mac::MacSpec;
    let m = match mac {
        MacSpec::Fixed(m) => Some(m.to_string()),
        MacSpec::Vrrp { vrid } => Some(format!("0:0:5e:0:1:{vrid:x}")),
        _ => None,
    };
    match m {
        Some(m) => format!("f{}_br_{port}", m.replace(':', "_")),
        None => format!("{link}_br_{port}"),
    }
}

/// `add-flow -t -l LINK [-z ZONE] -a transport=tcp,remote_port=PORT -p maxbw=0 NAME`
/// (statechange `setup_net`; flowadm(8)).
pub fn add_flow_command(
    link: &crate::linkname::LinkName,
    zone: Option<&crate::zonename::ZoneName>,
    name: &str,
    port: u16,
) -> Vec<String> {
    let mut a: Vec<String> = ["add-flow", "-t", "-l", link.as_str()]
        .iter()
        .map(|s| s.to_string())
        .collect();
    if let Some(z) = zone {
        a.extend(["-z".to_string(), z.to_string()]);
    }
    a.extend([
        "-a".to_string(),
        format!("transport=tcp,remote_port={port}"),
        "-p".to_string(),
        "maxbw=0".to_string(),
        name.to_string(),
    ]);
    a
}

/// The fields netzone reads of `flowadm show-flow -p -o`, in this order: what identifies a flow
/// (its name, its link and every attribute `show-flow` prints).
pub const SHOW_FLOW_FIELDS: &str = "FLOW,LINK,IPADDR,PROTO,LPORT,RPORT,DSFLD";

/// `show-flow -p -o FLOW,LINK,IPADDR,PROTO,LPORT,RPORT,DSFLD -l LINK [-z ZONE]`: the flows of one
/// link (flowadm.c `show_flows_onelink` walks the link's flows by its id). `-z` names the link
/// in a zone's namespace (illumos-joyent only).
pub fn show_flow_command(
    link: &crate::linkname::LinkName,
    zone: Option<&crate::zonename::ZoneName>,
) -> Vec<String> {
    let mut a: Vec<String> = [
        "show-flow",
        "-p",
        "-o",
        SHOW_FLOW_FIELDS,
        "-l",
        link.as_str(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if let Some(z) = zone {
        a.extend(["-z".to_string(), z.to_string()]);
    }
    a
}

/// `remove-flow -t NAME`: removes one flow by its name (names are unique host-wide).
pub fn remove_flow_command(name: &str) -> Vec<String> {
    ["remove-flow", "-t", name]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// One flow as `show-flow -p -o` ([`SHOW_FLOW_FIELDS`]) prints it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ObservedFlow {
    /// The flow's name.
    pub name: String,
    /// The name of the flow's link.
    pub link: String,
    /// `LCL:addr/prefix` or `RMT:addr/prefix`, empty when the flow matches no address.
    pub ipaddr: String,
    /// The transport protocol (`tcp`, ...), empty when none.
    pub proto: String,
    /// The local port, empty when none.
    pub lport: String,
    /// The remote port, empty when none.
    pub rport: String,
    /// The DS field (`0xVV:0xMM`), empty when none.
    pub dsfield: String,
}

/// The flows of one link as one `show-flow -l` run listed them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkFlows {
    /// The link's name when it was asked for.
    pub link: crate::linkname::LinkName,
    /// The zone holding the link (`None`: the global zone).
    pub zone: Option<crate::zonename::ZoneName>,
    /// Its flows.
    pub flows: Vec<ObservedFlow>,
}

/// Parses [`show_flow_command`]'s output.
pub fn parse_show_flow_output(out: &str) -> Result<Vec<ObservedFlow>, crate::dladm::ParseError> {
    let mut v = Vec::new();
    for (i, line) in out.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        let f = crate::dladm::split_parsable_line(line);
        let [name, link, ipaddr, proto, lport, rport, dsfield] = <[String; 7]>::try_from(f)
            .map_err(|f| crate::dladm::ParseError {
                line: i + 1,
                text: line.to_string(),
                reason: format!("{} fields, expected 7", f.len()),
            })?;
        v.push(ObservedFlow {
            name,
            link,
            ipaddr,
            proto,
            lport,
            rport,
            dsfield,
        });
    }
    Ok(v)
}

/// Whether an observed flow is the one a record describes: same name, on the link of that
/// name, matching TCP to the record's remote port and nothing else.
pub fn flow_matches(rec: &crate::journal::JournalFlow, f: &ObservedFlow) -> bool {
    f.name == rec.name
        && f.link == rec.link.as_str()
        && f.proto == rec.transport
        && f.rport == rec.remote_port.to_string()
        && f.ipaddr.is_empty()
        && f.lport.is_empty()
        && f.dsfield.is_empty()
}

/// The link properties SmartOS gives the net's VNIC, besides `mtu` and `zone` (module doc), in
/// the order the script sets them.
pub fn smartos_props(net: &Net) -> Vec<LinkProp> {
    let a = &net.attrs;
    let enable_dhcp = boolean(a, "dhcp_server") || boolean(a, "allow_dhcp_spoofing");
    let allow_ip = boolean(a, "allow_ip_spoofing") || enable_dhcp;
    let mut out = Vec::new();

    let mut prot: Vec<&str> = Vec::new();
    if !boolean(a, "allow_mac_spoofing") {
        prot.push("mac-nospoof");
    }
    if !allow_ip {
        prot.push("ip-nospoof");
    }
    if !boolean(a, "allow_restricted_traffic") {
        prot.push("restricted");
    }
    if !enable_dhcp {
        prot.push("dhcp-nospoof");
    }
    if !prot.is_empty() {
        out.push(LinkProp::new("protection", &prot));
    }

    let ips = zone_ips(net);
    if !allow_ip {
        let mut allowed: Vec<String> = Vec::new();
        let mut methods: Vec<&str> = Vec::new();
        for ip in &ips {
            match ip.as_str() {
                "dhcp" => methods.push("dhcpv4"),
                "addrconf" => methods.push("addrconf"),
                other => allowed.push(other.split('/').next().unwrap_or(other).to_string()),
            }
        }
        allowed.extend(list(a, "allowed_ips"));
        allowed.extend(list(a, "vrrp_primary_ip"));
        allowed.extend(net.allowed_address.iter().map(|a| a.addr().to_string()));
        // ksh93 walks an associative array's keys in sorted order.
        allowed.sort();
        allowed.dedup();
        methods.dedup();
        if !allowed.is_empty() {
            out.push(LinkProp {
                name: "allowed-ips".into(),
                values: allowed,
            });
        }
        if !methods.is_empty() {
            out.push(LinkProp::new("dynamic-methods", &methods));
        }
    }

    if !enable_dhcp {
        let cids = list(a, "allowed_dhcp_cids");
        if !cids.is_empty() {
            out.push(LinkProp {
                name: "allowed-dhcp-cids".into(),
                values: cids,
            });
        } else if ips.iter().any(|i| i == "dhcp" || i == "addrconf") {
            out.push(LinkProp::new("allow-all-dhcp-cids", &["true"]));
        }
    }

    if boolean(a, "allow_unfiltered_promisc") {
        out.push(LinkProp::new("promisc-filtered", &["off"]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(attrs: &[(&str, &str)], allowed_address: &[&str]) -> Net {
        Net {
            physical: crate::testutil::ln("net0"),
            address: None,
            allowed_address: allowed_address.iter().map(|s| s.parse().unwrap()).collect(),
            defrouter: Vec::new(),
            global_nic: None,
            mac: None,
            vlan: None,
            mtu: None,
            attrs: attrs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn props(attrs: &[(&str, &str)]) -> Vec<String> {
        smartos_props(&net(attrs, &[]))
            .iter()
            .map(|p| p.to_string())
            .collect()
    }

    #[test]
    fn locked_down_by_default() {
        assert_eq!(
            props(&[]),
            ["protection=mac-nospoof,ip-nospoof,restricted,dhcp-nospoof"]
        );
        assert_eq!(
            props(&[("ips", "10.0.0.5/24,fd00::5/64")]),
            [
                "protection=mac-nospoof,ip-nospoof,restricted,dhcp-nospoof",
                "allowed-ips=10.0.0.5,fd00::5"
            ]
        );
    }

    #[test]
    fn opt_outs_as_get_boolean_nic_property_reads_them() {
        assert_eq!(
            props(&[
                ("allow_mac_spoofing", "1"),
                ("allow_restricted_traffic", "true")
            ]),
            ["protection=ip-nospoof,dhcp-nospoof"]
        );
        // "yes" is not true for the script.
        assert_eq!(
            props(&[("allow_mac_spoofing", "yes")]),
            ["protection=mac-nospoof,ip-nospoof,restricted,dhcp-nospoof"]
        );
        // IP spoofing allowed: no allowed-ips, no dynamic-methods.
        assert_eq!(
            props(&[("allow_ip_spoofing", "true"), ("ips", "10.0.0.5/24,dhcp")]),
            [
                "protection=mac-nospoof,restricted,dhcp-nospoof",
                "allow-all-dhcp-cids=true"
            ]
        );
        // dhcp_server and allow_dhcp_spoofing both allow IP spoofing too.
        for a in ["dhcp_server", "allow_dhcp_spoofing"] {
            assert_eq!(
                props(&[
                    (a, "true"),
                    ("ips", "10.0.0.5/24"),
                    ("allowed_dhcp_cids", "0x01")
                ]),
                ["protection=mac-nospoof,restricted"],
                "{a}"
            );
        }
        assert!(props(&[
            ("allow_mac_spoofing", "true"),
            ("allow_restricted_traffic", "true"),
            ("dhcp_server", "1"),
        ])
        .is_empty());
    }

    #[test]
    fn addresses_and_dynamic_methods() {
        let n = net(
            &[
                ("ips", "10.0.0.9/24,dhcp,addrconf"),
                ("allowed_ips", "10.0.0.1,10.0.0.9"),
                ("vrrp_primary_ip", "10.0.0.20"),
            ],
            &["192.168.1.4/24"],
        );
        let p: Vec<String> = smartos_props(&n).iter().map(|p| p.to_string()).collect();
        assert_eq!(
            p,
            [
                "protection=mac-nospoof,ip-nospoof,restricted,dhcp-nospoof",
                "allowed-ips=10.0.0.1,10.0.0.20,10.0.0.9,192.168.1.4",
                "dynamic-methods=dhcpv4,addrconf",
                "allow-all-dhcp-cids=true"
            ]
        );
        // The older ip attribute when ips is absent; netmask does not matter.
        assert_eq!(
            props(&[("ip", "10.1.1.1"), ("netmask", "255.255.255.0")])[1],
            "allowed-ips=10.1.1.1"
        );
        assert_eq!(props(&[("ip", "dhcp")])[1], "dynamic-methods=dhcpv4");
        // CIDs given: those, not allow-all.
        assert_eq!(
            props(&[("ips", "dhcp"), ("allowed_dhcp_cids", "0x0102,host1")])[2],
            "allowed-dhcp-cids=0x0102,host1"
        );
        assert_eq!(
            props(&[("allow_unfiltered_promisc", "true")])[1],
            "promisc-filtered=off"
        );
    }

    #[test]
    fn checks() {
        assert!(check("allow_ip_spoofing", "1").is_ok());
        assert!(check("allow_ip_spoofing", "yes").is_err());
        assert!(check("ips", "10.0.0.1/24,dhcp,addrconf,fd00::1/64").is_ok());
        assert!(check("ips", "10.0.0.1/33").is_err());
        assert!(check("ips", "dchp").is_err());
        assert!(check("ip", "dhcp").is_ok());
        assert!(check("ip", "10.0.0.1/24").is_err());
        assert!(check("allowed_ips", "10.0.0.0/8,fd00::1").is_ok());
        assert!(check("allowed_ips", "x").is_err());
        assert!(check("vrrp_primary_ip", "10.0.0.1").is_ok());
        assert!(check("vrrp_primary_ip", "10.0.0.1/24").is_err());
        assert!(check("allowed_dhcp_cids", "0x01ab,client-7,1.2.3").is_ok());
        assert!(check("allowed_dhcp_cids", "0xzz").is_err());
        assert!(check("allowed_dhcp_cids", "a,,b").is_err());
        assert!(check("allowed_dhcp_cids", &vec!["a"; 33].join(",")).is_err());
        assert!(check("allowed_dhcp_cids", &"a".repeat(313)).is_err());
        assert!(check("blocked_outgoing_ports", "25,465,587").is_ok());
        for bad in ["0", "65536", "25,", "x", "+25"] {
            assert!(check("blocked_outgoing_ports", bad).is_err(), "{bad}");
        }
        assert!(check("model", "virtio").is_ok());
        assert_eq!(
            blocked_ports(&net(&[("blocked_outgoing_ports", "25,587,25")], &[])),
            [25, 587]
        );
    }
}
