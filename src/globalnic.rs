//! Which link a net's VNIC goes over. `global-nic` names the link, or is `auto`: then, as
//! OmniOS's brand library does (omniosorg/pkg5 `src/brand/shared/vnic.ksh`, `config_vnics`),
//! the link is the interface the host routes the net's `allowed-address` through, read from the
//! `interface:` line of `route -n get ADDR` (illumos-gate `usr/src/cmd/cmd-inet/usr.sbin/route.c`
//! `print_getmsg`).
//!
//! [`resolve`] runs once per `auto` net, when a plan is made (`netzone plan`, `netzone up`, the
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

use std::net::IpAddr;

use crate::host::{Host, HostError, Tool};
use crate::linkname::LinkName;
use crate::zonecfg::{GlobalNic, Net, ZoneConfig};
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
pub fn resolve(host: &Host, cfg: &ZoneConfig) -> Result<ZoneConfig, GlobalNicError> {
    let mut out = cfg.clone();
    for net in out.nets.iter_mut() {
        if net.global_nic == Some(GlobalNic::Auto) {
            let link = resolve_auto(host, &cfg.name, net)?;
            net.global_nic = Some(GlobalNic::Link(link));
        }
    }
    Ok(out)
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
