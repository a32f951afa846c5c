//! The IP routing table, as far as `route -n get` shows it, and the `route` command line
//! (`sim-route`). OmniOS's brand library picks a zone's `global-nic=auto` from the
//! `interface:` line of `route -n get <allowed-address>` (omniosorg/pkg5
//! `src/brand/shared/vnic.ksh`, `config_vnics`), so that is what the sim answers.
//!
//! Facts modelled, from illumos-gate `usr/src/cmd/cmd-inet/usr.sbin/route.c`:
//! - `main`: getopt string `R:nqdtvfp`; no operand at all, or an unknown command word, prints
//!   `usage: route [ -fnpqv ] [ -R <root-dir> ] cmd [[ -<qualifers> ] args ]` on stderr, exit 1;
//!   the exit status of `get` is the errno of the routing-socket write (`newroute` returns
//!   `oerrno`), so a missing route exits 3 (ESRCH);
//! - `args_to_rtcmd`: `-inet`/`-inet6` choose the family (default inet), `-host`/`-net` the
//!   address type, the first plain word is the destination; none: `route: destination
//!   required`, exit 1; an unknown `-keyword`: `route: botched keyword: <kw>`, exit 1;
//! - `in_getaddr`/`in6_getaddr`: an address that does not parse in the chosen family is
//!   `<dest>: bad value` (inet) or `route: <dest>: bad address` (inet6), exit 1 (an IPv6
//!   literal without `-inet6` is therefore a bad value); `addr/len` sets a mask;
//! - `newroute`: on failure, with `-n`, ` <addr>` (leading space, `inet_ntoa`/`inet_ntop`),
//!   without it the destination as typed, then `: not in table` (ESRCH), on stdout;
//! - `print_getmsg`: `   route to: `, `destination: `, `       mask: ` (numeric; 0 is
//!   `default`), `    gateway: ` (only with RTF_GATEWAY), `  interface: <ifname>`,
//!   `      flags: <UP,...>` (`bprintf`: names in bit order), then the metrics header and one
//!   row of `%8d%c ` columns (the last `%8d%c`), the lock character a space.
//!
//! The lookup is longest-prefix match within the family. Names are never resolved (as with
//! `-n`; the sim has no name service), so `route to:` is always numeric. Not modelled:
//! `add`/`delete`/`change`/`flush`/`monitor`/`show`, `-p`, `-v`, `-ifp`/`-ifa` and the other
//! qualifiers, multipath routes, RTF_REJECT/BLACKHOLE, an `addr/len` destination (the mask
//! selects a route in the kernel; the sim refuses it as not modelled).

use std::io::Write;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::state::Host;

/// One route of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    /// Destination network (host bits zero) or host.
    pub dest: IpAddr,
    /// Prefix length: 0 for the default route, 32/128 for a host route.
    pub prefix: u8,
    /// Next hop; `None` for an interface route (directly attached network).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<IpAddr>,
    /// The IP interface the route goes out of (on illumos named after its datalink).
    pub interface: String,
}

/// `RTF_*` bits `route` prints (`routeflags` in route.c, bit order).
const RTF_NAMES: &[&str] = &[
    "UP", "GATEWAY", "HOST", "", "", "", "DONE", "", "", "", "", "STATIC",
];

fn max_prefix(a: &IpAddr) -> u8 {
    if a.is_ipv4() {
        32
    } else {
        128
    }
}

fn masked(a: &IpAddr, prefix: u8) -> IpAddr {
    match a {
        IpAddr::V4(v) => {
            let m = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(prefix))
            };
            IpAddr::V4((u32::from(*v) & m).into())
        }
        IpAddr::V6(v) => {
            let m = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(prefix))
            };
            IpAddr::V6((u128::from(*v) & m).into())
        }
    }
}

fn mask_text(a: &IpAddr, prefix: u8) -> String {
    let ones = match a {
        IpAddr::V4(_) => IpAddr::V4(std::net::Ipv4Addr::BROADCAST),
        IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::from(u128::MAX)),
    };
    numeric(&masked(&ones, prefix))
}

/// `routename` with `-n`: numeric, the unspecified address is `default`.
fn numeric(a: &IpAddr) -> String {
    if a.is_unspecified() {
        "default".to_string()
    } else {
        a.to_string()
    }
}

impl Route {
    /// Parses `DEST/PREFIX` (or `default`, or a bare address = host route) for
    /// `illumos-sim route add`.
    pub fn parse_dest(s: &str) -> Result<(IpAddr, u8), String> {
        if s == "default" {
            return Ok((IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), 0));
        }
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = a.parse().map_err(|_| format!("'{s}': not an address"))?;
        let prefix = match p {
            None => max_prefix(&addr),
            Some(p) => match p.parse::<u8>() {
                Ok(n) if n <= max_prefix(&addr) => n,
                _ => return Err(format!("'{s}': bad prefix length")),
            },
        };
        Ok((masked(&addr, prefix), prefix))
    }

    fn flags(&self) -> String {
        let mut bits = vec![0usize, 6]; // UP, DONE (set on every RTM_GET answer)
        if self.gateway.is_some() {
            bits.push(1);
            bits.push(11); // routes through a gateway are added statically
        }
        if self.prefix == max_prefix(&self.dest) {
            bits.push(2);
        }
        bits.sort_unstable();
        let names: Vec<&str> = bits.iter().map(|b| RTF_NAMES[*b]).collect();
        format!("<{}>", names.join(","))
    }
}

impl Host {
    /// The route the kernel would use for `addr`: the longest matching prefix of its family.
    pub fn route_lookup(&self, addr: &IpAddr) -> Option<&Route> {
        self.routes
            .iter()
            .filter(|r| r.dest.is_ipv4() == addr.is_ipv4())
            .filter(|r| masked(addr, r.prefix) == r.dest)
            .max_by_key(|r| r.prefix)
    }
}

/// `getopt(argc, argv, "R:nqdtvfp")` of route.c `main`, enough for `get`.
struct Opts {
    nflag: bool,
    words: Vec<String>,
}

const USAGE: &str = "usage: route [ -fnpqv ] [ -R <root-dir> ] cmd [[ -<qualifers> ] args ]";

/// Runs `route` with `argv` (argv[0] included) against `host`; returns the exit status.
pub fn run(host: &Host, argv: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let usage = |err: &mut dyn Write| {
        let _ = writeln!(err, "{USAGE}");
        1
    };
    if argv.len() < 2 {
        return usage(err);
    }
    let mut o = Opts {
        nflag: false,
        words: Vec::new(),
    };
    let mut i = 1;
    while i < argv.len() {
        let a = &argv[i];
        if a == "--" {
            i += 1;
            break;
        }
        if !a.starts_with('-') || a.len() < 2 {
            break;
        }
        let mut chars = a[1..].chars();
        while let Some(c) = chars.next() {
            match c {
                'n' => o.nflag = true,
                'q' | 'd' | 't' | 'f' => {}
                'v' | 'p' => {
                    let _ = writeln!(
                        err,
                        "route: option -{c} is not modelled by the illumos simulator"
                    );
                    return 1;
                }
                'R' => {
                    // The value is the rest of the word or the next word; used only with -p.
                    if chars.as_str().is_empty() {
                        i += 1;
                        if i >= argv.len() {
                            return usage(err);
                        }
                    }
                    break;
                }
                _ => return usage(err),
            }
        }
        i += 1;
    }
    o.words.extend(argv[i..].iter().cloned());
    match o.words.first().map(String::as_str) {
        Some("get") => get(host, &o, out, err),
        Some("add" | "change" | "delete" | "flush" | "monitor" | "show") => {
            let _ = writeln!(
                err,
                "route: {} is not modelled by the illumos simulator",
                o.words[0]
            );
            1
        }
        _ => usage(err),
    }
}

fn get(host: &Host, o: &Opts, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let mut inet6 = false;
    let mut dest: Option<&str> = None;
    for w in &o.words[1..] {
        match w.as_str() {
            "-inet" => inet6 = false,
            "-inet6" => inet6 = true,
            "-host" | "-net" | "host" | "net" => {}
            kw if kw.starts_with('-') => {
                let _ = writeln!(err, "route: botched keyword: {}", &kw[1..]);
                return 1;
            }
            d if dest.is_none() => dest = Some(d),
            _ => {
                let _ = writeln!(
                    err,
                    "route: a gateway or further operands to get are not modelled by the illumos simulator"
                );
                return 1;
            }
        }
    }
    let Some(dest) = dest else {
        let _ = writeln!(err, "route: destination required");
        return 1;
    };
    if dest.contains('/') {
        let _ = writeln!(
            err,
            "route: get of a prefix ({dest}) is not modelled by the illumos simulator"
        );
        return 1;
    }
    let addr: Option<IpAddr> = if dest == "default" {
        Some(if inet6 {
            IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED)
        } else {
            IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)
        })
    } else if inet6 {
        dest.parse::<std::net::Ipv6Addr>().ok().map(IpAddr::V6)
    } else {
        dest.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
    };
    let Some(addr) = addr else {
        if inet6 {
            let _ = writeln!(err, "route: {dest}: bad address");
        } else {
            let _ = writeln!(err, "{dest}: bad value");
        }
        return 1;
    };
    let Some(r) = host.route_lookup(&addr) else {
        let shown = if o.nflag {
            format!(" {addr}")
        } else {
            dest.to_string()
        };
        let _ = writeln!(out, "{shown}: not in table");
        return libc::ESRCH;
    };
    let mtu = host
        .links
        .iter()
        .find(|l| l.zone == crate::state::GLOBAL && l.name == r.interface)
        .map_or(0, |l| l.mtu);
    let mut s = String::new();
    s += &format!("   route to: {}\n", numeric(&addr));
    s += &format!("destination: {}\n", numeric(&r.dest));
    s += &format!("       mask: {}\n", mask_text(&r.dest, r.prefix));
    if let Some(g) = &r.gateway {
        s += &format!("    gateway: {}\n", numeric(g));
    }
    s += &format!("  interface: {}\n", r.interface);
    s += &format!("      flags: {}\n", r.flags());
    s += " recvpipe  sendpipe  ssthresh    rtt,ms rttvar,ms  hopcount      mtu     expire\n";
    for v in [0, 0, 0, 0, 0, 0] {
        s += &format!("{v:8} ");
        s.push(' ');
    }
    s += &format!("{mtu:8}  ");
    s += &format!("{:8} \n", 0);
    let _ = out.write_all(s.as_bytes());
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Flavour;

    fn host() -> Host {
        let mut h = Host::new(Flavour::Gate);
        h.add_phys("e1000g0", 0).unwrap();
        for (d, g, i) in [
            ("default", Some("192.168.1.1"), "e1000g0"),
            ("192.168.1.0/24", None, "e1000g0"),
            ("10.1.0.0/16", None, "ixgbe1"),
            ("10.1.2.3/32", Some("192.168.1.9"), "e1000g0"),
            ("fd00:1::/64", None, "ixgbe1"),
        ] {
            let (dest, prefix) = Route::parse_dest(d).unwrap();
            h.routes.push(Route {
                dest,
                prefix,
                gateway: g.map(|g| g.parse().unwrap()),
                interface: i.into(),
            });
        }
        h
    }

    fn run_s(h: &Host, args: &[&str]) -> (i32, String, String) {
        let argv: Vec<String> = std::iter::once("route")
            .chain(args.iter().copied())
            .map(String::from)
            .collect();
        let (mut o, mut e) = (Vec::new(), Vec::new());
        let c = run(h, &argv, &mut o, &mut e);
        (
            c,
            String::from_utf8(o).unwrap(),
            String::from_utf8(e).unwrap(),
        )
    }

    #[test]
    fn get_prints_print_getmsg_format() {
        let h = host();
        let (c, o, _) = run_s(&h, &["-n", "get", "10.1.7.7"]);
        assert_eq!(c, 0);
        assert_eq!(
            o,
            "   route to: 10.1.7.7\ndestination: 10.1.0.0\n       mask: 255.255.0.0\n  interface: ixgbe1\n      flags: <UP,DONE>\n recvpipe  sendpipe  ssthresh    rtt,ms rttvar,ms  hopcount      mtu     expire\n       0         0         0         0         0         0         0         0 \n"
        );
        // Longest prefix wins; a gateway route prints the gateway and its flags.
        let (_, o, _) = run_s(&h, &["-n", "get", "10.1.2.3"]);
        assert!(o.contains("    gateway: 192.168.1.9\n"), "{o}");
        assert!(o.contains("flags: <UP,GATEWAY,HOST,DONE,STATIC>"), "{o}");
        let (_, o, _) = run_s(&h, &["-n", "get", "8.8.8.8"]);
        assert!(
            o.contains("destination: default\n       mask: default\n"),
            "{o}"
        );
        assert!(o.contains("  interface: e1000g0\n"), "{o}");
        assert!(o.contains("1500"), "the interface's MTU: {o}");
        let (c, o, _) = run_s(&h, &["-n", "get", "-inet6", "fd00:1::5"]);
        assert_eq!(c, 0);
        assert!(o.contains("       mask: ffff:ffff:ffff:ffff::\n"), "{o}");
    }

    #[test]
    fn get_errors() {
        let h = host();
        let (c, o, _) = run_s(&h, &["-n", "get", "-inet6", "fd00:2::5"]);
        assert_eq!((c, o.as_str()), (3, " fd00:2::5: not in table\n"));
        let mut empty = Host::new(Flavour::Gate);
        empty.routes.clear();
        let (c, o, _) = run_s(&empty, &["get", "10.0.0.1"]);
        assert_eq!((c, o.as_str()), (3, "10.0.0.1: not in table\n"));
        let (c, _, e) = run_s(&h, &["-n", "get", "fd00:1::5"]);
        assert_eq!((c, e.as_str()), (1, "fd00:1::5: bad value\n"));
        let (c, _, e) = run_s(&h, &["-n", "get", "-inet6", "10.0.0.1"]);
        assert_eq!((c, e.as_str()), (1, "route: 10.0.0.1: bad address\n"));
        let (c, _, e) = run_s(&h, &["-n", "get"]);
        assert_eq!((c, e.as_str()), (1, "route: destination required\n"));
        let (c, _, e) = run_s(&h, &["-n", "get", "-bogus", "10.0.0.1"]);
        assert_eq!((c, e.as_str()), (1, "route: botched keyword: bogus\n"));
        let (c, _, e) = run_s(&h, &[]);
        assert_eq!(c, 1);
        assert!(e.starts_with("usage: route"), "{e}");
        let (c, _, e) = run_s(&h, &["-x", "get", "1.2.3.4"]);
        assert_eq!(c, 1);
        assert!(e.starts_with("usage: route"), "{e}");
        let (c, _, e) = run_s(&h, &["add", "default", "1.2.3.4"]);
        assert_eq!(c, 1);
        assert!(e.contains("not modelled"), "{e}");
    }

    #[test]
    fn parse_dest_masks_host_bits() {
        assert_eq!(
            Route::parse_dest("10.1.2.3/16").unwrap(),
            ("10.1.0.0".parse().unwrap(), 16)
        );
        assert_eq!(Route::parse_dest("10.1.2.3").unwrap().1, 32);
        assert!(Route::parse_dest("10.1.2.3/33").is_err());
        assert!(Route::parse_dest("x").is_err());
    }
}
