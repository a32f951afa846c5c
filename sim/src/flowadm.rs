//! `flowadm` on the simulated host: `add-flow`, `remove-flow` and `show-flow`, the part of
//! illumos-gate `usr/src/cmd/flowadm/flowadm.c` (`do_add_flow`, `do_remove_flow`,
//! `do_show_flow`) and `usr/src/lib/libdladm/common/flowattr.c` that zone network set-up
//! uses (SmartOS jcommon/statechange's `blocked_outgoing_ports`). illumos-joyent adds `-z ZONE`
//! to the three subcommands (statechange runs `flowadm add-flow -t -l NET -z ZONE ...` and
//! `flowadm remove-flow -t -z ZONE -l NET`): the link is then looked up in that zone's
//! namespace, as dladm's `-z` does.
//!
//! Flows belong to their link: deleting the link (delete-vnic, zone halt, reboot) drops its
//! flows (the kernel tears a MAC client's flows down with it, `mac_link_flow_clean`); the
//! state keeps only flows whose link exists.

use serde::{Deserialize, Serialize};

use crate::dladm::getopt::{getopt_long, LongOpt, OptError};
use crate::dladm::ofmt::{self, f, Field};
use crate::dladm::props::parse_link_props;
use crate::state::{Flavour, Host, GLOBAL};

/// `MAXFLOWNAMELEN` (sys/mac_flow.h): names are shorter than 128 bytes.
pub const MAXFLOWNAMELEN: usize = 128;
/// `MAXLINKNAMELEN`.
const MAXLINKNAMELEN: usize = 32;

/// One flow as the kernel keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flow {
    pub name: String,
    /// Link id of the flow's link.
    pub link: u32,
    /// `-t`: not written to `/etc/dladm/flowadm.conf`.
    pub temporary: bool,
    /// Attributes in flowattr.c `attr_table` order, values as given.
    pub attrs: Vec<(String, String)>,
    /// Flow properties (`maxbw`, `priority`), values as given.
    pub props: Vec<(String, String)>,
}

/// flowattr.c `attr_table`.
const ATTRS: &[&str] = &[
    "local_ip",
    "remote_ip",
    "transport",
    "local_port",
    "remote_port",
    "dsfield",
];

/// flowprop.c `prop_table` names.
const PROPS: &[&str] = &["maxbw", "priority"];

const USAGE: &str = "usage: flowadm <subcommand> <args>...\n    add-flow       [-t] -l <link> -a <attr>=<value>[,...]\n\t\t   [-p <prop>=<value>,...] <flow>\n    remove-flow    [-t] {-l <link> | <flow>}\n    show-flow      [-p] [-l <link>] [<flow>]\n\n    set-flowprop   [-t] -p <prop>=<value>[,...] <flow>\n    reset-flowprop [-t] [-p <prop>,...] <flow>\n    show-flowprop  [-cP] [-l <link>] [-p <prop>,...] [<flow>]\n";

const FLOW_FIELDS: &[Field] = &[
    f("FLOW", 12),
    f("LINK", 12),
    f("IPADDR", 25),
    f("PROTO", 7),
    f("LPORT", 8),
    f("RPORT", 8),
    f("DSFLD", 10),
];

const LOPTS: &[LongOpt] = &[
    LongOpt {
        name: "link",
        has_arg: true,
        val: 'l',
    },
    LongOpt {
        name: "parsable",
        has_arg: false,
        val: 'p',
    },
    LongOpt {
        name: "parseable",
        has_arg: false,
        val: 'p',
    },
    LongOpt {
        name: "temporary",
        has_arg: false,
        val: 't',
    },
    LongOpt {
        name: "root-dir",
        has_arg: true,
        val: 'R',
    },
    LongOpt {
        name: "zone",
        has_arg: true,
        val: 'z',
    },
];

const PROP_LOPTS: &[LongOpt] = &[
    LongOpt {
        name: "link",
        has_arg: true,
        val: 'l',
    },
    LongOpt {
        name: "temporary",
        has_arg: false,
        val: 't',
    },
    LongOpt {
        name: "root-dir",
        has_arg: true,
        val: 'R',
    },
    LongOpt {
        name: "prop",
        has_arg: true,
        val: 'p',
    },
    LongOpt {
        name: "attr",
        has_arg: true,
        val: 'a',
    },
    LongOpt {
        name: "zone",
        has_arg: true,
        val: 'z',
    },
];

/// Why a flowadm run failed: the exit status (always 1, flowadm's `die`/`usage`).
struct Exit;

struct Ctx<'a> {
    host: &'a mut Host,
    joyent: bool,
    caller: String,
    progname: String,
    out: String,
    err: String,
}

impl Ctx<'_> {
    /// flowadm.c `die`.
    fn die(&mut self, msg: &str) -> Exit {
        self.err.push_str(&format!("{}: {}\n", self.progname, msg));
        Exit
    }
    /// flowadm.c `die_dlerr`: `<msg>: <status>`.
    fn die_status(&mut self, msg: &str, status: &str) -> Exit {
        self.die(&format!("{msg}: {status}"))
    }
    /// flowadm.c `usage`: the usage text on stderr, exit 1.
    fn usage(&mut self) -> Exit {
        self.err.push_str(USAGE);
        Exit
    }
    /// flowadm.c `die_opterr`.
    fn opterr(&mut self, e: OptError) -> Exit {
        if e.ret == ':' {
            self.die(&format!("option '-{}' requires a value", e.optopt))
        } else {
            self.die(&format!("unrecognized option '-{}'", e.optopt))
        }
    }
    /// The namespace a `-z` selects (joyent; the global zone only may name another zone, an
    /// unknown zone falls back to the caller's, as libdladm's `dladm_zname2info` does).
    fn namespace(&self, z: Option<&str>) -> String {
        match z {
            Some(z) if self.caller == GLOBAL && (z == GLOBAL || self.host.zone(z).is_some()) => {
                z.to_string()
            }
            _ => self.caller.clone(),
        }
    }
    /// `dladm_name2info` of `-l NAME` (with the `-z` namespace): the link id.
    fn link_id(&mut self, name: &str, z: Option<&str>) -> Result<u32, Exit> {
        if name.len() >= MAXLINKNAMELEN {
            return Err(self.die("link name too long"));
        }
        let ns = self.namespace(z);
        match self.host.lookup(&ns, name) {
            Ok(l) => Ok(l.id),
            Err(_) => Err(self.die(&format!("invalid link '{name}'"))),
        }
    }
    fn flows_visible(&self) -> Vec<&Flow> {
        let ns = self.caller.clone();
        self.host
            .flows
            .iter()
            .filter(|fl| self.host.link(fl.link).is_some_and(|l| l.visible_from(&ns)))
            .collect()
    }
}

/// flowattr.c `do_check_ip_addr`: `addr[/prefix]`, prefix 1 to the family's bits.
fn check_ip(v: &str) -> Result<(), &'static str> {
    let (addr, prefix) = match v.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (v, None),
    };
    if let Some(p) = prefix {
        if p.is_empty()
            || !p.bytes().all(|b| b.is_ascii_digit())
            || p.parse::<u32>().ok() == Some(0)
        {
            return Err("invalid IP prefix length");
        }
    }
    let ip: std::net::IpAddr = addr.parse().map_err(|_| "invalid IP address")?;
    if let Some(p) = prefix {
        let max = if ip.is_ipv4() { 32 } else { 128 };
        if p.parse::<u32>().map_or(true, |n| n > max) {
            return Err("invalid IP prefix length");
        }
    }
    Ok(())
}

/// flowattr.c `dladm_str2proto`: a case-insensitive prefix match, as `strncasecmp` with the
/// keyword's length reads it (`tcpx` is tcp).
fn check_proto(v: &str) -> Result<(), &'static str> {
    let l = v.to_ascii_lowercase();
    let ok = ["tcp", "udp", "sctp", "icmpv6", "icmp"]
        .iter()
        .any(|k| l.starts_with(k));
    if ok {
        Ok(())
    } else {
        Err("invalid IP protocol")
    }
}

/// flowattr.c `do_check_port`: `strtol`, 1 to 65535, nothing after the number.
fn check_port(v: &str) -> Result<(), &'static str> {
    let digits = v.strip_prefix(['+', '-']).unwrap_or(v);
    let ok = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !v.starts_with('-')
        && digits
            .parse::<u32>()
            .is_ok_and(|n| (1..=65535).contains(&n));
    if ok {
        Ok(())
    } else {
        Err("invalid port number")
    }
}

/// flowattr.c `do_check_dsfield`: hex value 1-0xff, optional `:mask` 1-0xff.
fn check_dsfield(v: &str) -> Result<(), &'static str> {
    let hex = |s: &str| {
        let s = s
            .strip_prefix("0x")
            .or_else(|| s.strip_prefix("0X"))
            .unwrap_or(s);
        u32::from_str_radix(s, 16)
            .ok()
            .filter(|n| (1..=0xff).contains(n))
    };
    let (val, mask) = match v.split_once(':') {
        Some((a, m)) => (a, Some(m)),
        None => (v, None),
    };
    if let Some(m) = mask {
        if hex(m).is_none() {
            return Err("invalid dsfield mask");
        }
    }
    if hex(val).is_none() {
        return Err("invalid dsfield");
    }
    Ok(())
}

/// flowprop.c checks: `maxbw` a bandwidth (`0` drops everything; otherwise at least 1.2M,
/// a number with an optional K/M/G suffix), `priority` low/medium/high.
fn check_prop(name: &str, v: &str) -> Result<(), &'static str> {
    match name {
        "maxbw" => {
            let (num, _unit) = match v
                .char_indices()
                .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
            {
                Some((i, _)) => (&v[..i], &v[i..]),
                None => (v, ""),
            };
            let unit = &v[num.len()..];
            let n: f64 = num.parse().map_err(|_| "invalid value")?;
            let mult = match unit.to_ascii_uppercase().as_str() {
                "" | "M" => 1_000_000.0,
                "K" => 1_000.0,
                "G" => 1_000_000_000.0,
                _ => return Err("invalid value"),
            };
            let bps = n * mult;
            if bps != 0.0 && bps < 1_200_000.0 {
                return Err("minimum value for maxbw is 1.2M");
            }
            Ok(())
        }
        "priority" => match v {
            "low" | "medium" | "high" => Ok(()),
            _ => Err("invalid value"),
        },
        _ => Err("invalid property"),
    }
}

fn add_flow(ctx: &mut Ctx, args: &[String]) -> Result<(), Exit> {
    let optstring = if ctx.joyent {
        "tR:l:a:p:z:"
    } else {
        "tR:l:a:p:"
    };
    let p = getopt_long(args, optstring, PROP_LOPTS);
    let mut temp = false;
    let mut link: Option<String> = None;
    let mut zone: Option<String> = None;
    let mut attrstr = String::new();
    let mut propstr = String::new();
    for (c, v) in &p.opts {
        let v = v.clone().unwrap_or_default();
        match c {
            't' => temp = true,
            'R' => return Err(ctx.die("alternate roots are not modelled by the simulator")),
            'l' => link = Some(v),
            'z' => zone = Some(v),
            'a' => {
                attrstr.push_str(&v);
                attrstr.push(',');
            }
            'p' => {
                propstr.push_str(&v);
                propstr.push(',');
            }
            _ => {}
        }
    }
    if let Some(e) = p.error {
        return Err(ctx.opterr(e));
    }
    // -l is looked up when getopt sees it; -z (joyent) may come after it on the command line.
    let Some(l) = link else {
        return Err(ctx.die("link is required"));
    };
    let id = ctx.link_id(&l, zone.as_deref())?;
    if p.nops() != 1 || ATTRS.contains(&p.operands[0].as_str()) {
        return Err(ctx.die("flow name is required"));
    }
    let name = p.operands[0].clone();
    if name.len() >= MAXFLOWNAMELEN {
        return Err(ctx.die("flow name too long"));
    }
    // dladm_parse_flow_attrs: dladm_parse_args, then every name known and none twice.
    let attrs = match parse_link_props(attrstr.trim_end_matches(','), false) {
        Ok(a) => a,
        Err(_) => return Err(ctx.die("invalid flow attribute specified")),
    };
    let mut seen = Vec::new();
    for (n, _) in &attrs {
        if !ATTRS.contains(&n.as_str()) || seen.contains(n) {
            return Err(ctx.die("invalid flow attribute specified"));
        }
        seen.push(n.clone());
    }
    let props = match parse_link_props(propstr.trim_end_matches(','), false) {
        Ok(a) => a,
        Err(_) => return Err(ctx.die("invalid flow property specified")),
    };
    for (n, _) in &props {
        if !PROPS.contains(&n.as_str()) {
            return Err(ctx.die("invalid flow property specified"));
        }
    }
    // dladm_flow_add: attributes (flow_attrlist_extract, one value each) then properties.
    let failed = "add flow failed";
    if attrs.is_empty() {
        return Err(ctx.die_status(failed, "invalid argument"));
    }
    let mut canon: Vec<(String, String)> = Vec::new();
    for (n, vs) in &attrs {
        let [v] = vs.as_slice() else {
            return Err(ctx.die_status(failed, "invalid argument"));
        };
        let check = match n.as_str() {
            "local_ip" | "remote_ip" => check_ip(v),
            "transport" => check_proto(v),
            "local_port" | "remote_port" => check_port(v),
            _ => check_dsfield(v),
        };
        if let Err(st) = check {
            return Err(ctx.die_status(failed, st));
        }
        canon.push((n.clone(), v.clone()));
    }
    canon.sort_by_key(|(n, _)| ATTRS.iter().position(|a| a == n));
    let mut pcanon = Vec::new();
    for (n, vs) in &props {
        let [v] = vs.as_slice() else {
            return Err(ctx.die_status(failed, "invalid number of values"));
        };
        if let Err(st) = check_prop(n, v) {
            return Err(ctx.die_status(failed, st));
        }
        pcanon.push((n.clone(), v.clone()));
    }
    // The kernel: names are unique host-wide (mac_flow_lookup_byname, EEXIST); the flows of
    // one link all match on the same attribute set (FLOW_INCOMPATIBLE), and no two of them
    // on the same values (FLOW_IDENTICAL).
    if ctx.host.flows.iter().any(|fl| fl.name == name) {
        return Err(ctx.die_status(failed, "object already exists"));
    }
    let names = |a: &[(String, String)]| a.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    for fl in ctx.host.flows.iter().filter(|fl| fl.link == id) {
        if names(&fl.attrs) != names(&canon) {
            return Err(ctx.die_status(failed, "flow(s) with incompatible attributes exists"));
        }
        if fl.attrs == canon {
            return Err(ctx.die_status(failed, "a flow with identical attributes exists"));
        }
    }
    ctx.host.flows.push(Flow {
        name,
        link: id,
        temporary: temp,
        attrs: canon,
        props: pcanon,
    });
    Ok(())
}

fn remove_flow(ctx: &mut Ctx, args: &[String]) -> Result<(), Exit> {
    let optstring = if ctx.joyent { ":tR:l:z:" } else { ":tR:l:" };
    let p = getopt_long(args, optstring, LOPTS);
    let mut link: Option<String> = None;
    let mut zone: Option<String> = None;
    for (c, v) in &p.opts {
        let v = v.clone().unwrap_or_default();
        match c {
            't' => {}
            'R' => return Err(ctx.die("alternate roots are not modelled by the simulator")),
            'l' => link = Some(v),
            'z' => zone = Some(v),
            _ => {}
        }
    }
    if let Some(e) = p.error {
        return Err(ctx.opterr(e));
    }
    match link {
        None => {
            if p.nops() != 1 {
                return Err(ctx.usage());
            }
            let name = p.operands[0].clone();
            if name.len() >= MAXFLOWNAMELEN {
                return Err(ctx.die("flow name too long"));
            }
            // The kernel looks a flow up by its name, unique host-wide (mac_flow.c
            // `mac_flow_lookup_byname`): the global zone reaches every flow, a zone only those
            // on its links.
            let visible = if ctx.caller == GLOBAL {
                ctx.host.flows.iter().any(|fl| fl.name == name)
            } else {
                ctx.flows_visible().iter().any(|fl| fl.name == name)
            };
            if !visible {
                return Err(ctx.die_status("remove flow failed", "object not found"));
            }
            ctx.host.flows.retain(|fl| fl.name != name);
        }
        Some(l) => {
            let id = ctx.link_id(&l, zone.as_deref())?;
            if p.nops() == 1 {
                return Err(ctx.usage());
            }
            // Walking a link with no flows removes nothing and succeeds.
            ctx.host.flows.retain(|fl| fl.link != id);
        }
    }
    Ok(())
}

fn show_flow(ctx: &mut Ctx, args: &[String]) -> Result<(), Exit> {
    let optstring = if ctx.joyent { ":pPl:o:z:" } else { ":pPl:o:" };
    let p = getopt_long(args, optstring, LOPTS);
    let mut parsable = false;
    let mut fields: Option<String> = None;
    let mut link: Option<String> = None;
    let mut zone: Option<String> = None;
    for (c, v) in &p.opts {
        let v = v.clone().unwrap_or_default();
        match c {
            'p' => parsable = true,
            'P' => {}
            'o' => {
                if fields.is_some() {
                    return Err(ctx.die("the option -o cannot be specified more than once"));
                }
                fields = Some(v)
            }
            'l' => link = Some(v),
            'z' => zone = Some(v),
            _ => {}
        }
    }
    if let Some(e) = p.error {
        return Err(ctx.opterr(e));
    }
    let id = match &link {
        Some(l) => Some(ctx.link_id(l, zone.as_deref())?),
        None => None,
    };
    let flow = match p.operands.last() {
        Some(n) if p.nops() == 1 => {
            if n.len() >= MAXFLOWNAMELEN {
                return Err(ctx.die("flow name too long"));
            }
            Some(n.clone())
        }
        _ => None,
    };
    let mut h = match ofmt::open(fields.as_deref(), FLOW_FIELDS, parsable, false) {
        Err(e) => return Err(ctx.die(&e.message(parsable))),
        Ok((h, None)) => h,
        Ok((h, Some(w))) => {
            if w.fatal(parsable) {
                return Err(ctx.die(&w.message(parsable)));
            }
            ctx.err.push_str(&format!(
                "{}: warning: {}\n",
                ctx.progname,
                w.message(parsable)
            ));
            h
        }
    };
    let mut rows: Vec<Flow> = ctx.flows_visible().into_iter().cloned().collect();
    // The walk goes link by link (dladm_walk_datalink_id, link-id order), flows in the order
    // they were added.
    rows.sort_by_key(|fl| fl.link);
    if let Some(n) = &flow {
        match rows.iter().find(|fl| &fl.name == n) {
            Some(fl) => rows = vec![fl.clone()],
            None => return Err(ctx.die(&format!("invalid flow: '{n}'"))),
        }
    } else if let Some(id) = id {
        // One link (`-l`, looked up in the `-z` namespace): flowadm.c `show_flows_onelink`
        // walks that link's flows by its id (`dladm_walk_flow`), whichever zone holds it.
        rows = ctx
            .host
            .flows
            .iter()
            .filter(|fl| fl.link == id)
            .cloned()
            .collect();
    }
    for fl in rows {
        let get = |k: &str| {
            fl.attrs
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
        };
        let ip = get("local_ip")
            .map(|v| format!("LCL:{}", with_prefix(&v)))
            .or_else(|| get("remote_ip").map(|v| format!("RMT:{}", with_prefix(&v))))
            .unwrap_or_default();
        let proto = get("transport").map(|v| proto_name(&v)).unwrap_or_default();
        let port = |k: &str| {
            get(k)
                .map(|v| {
                    v.trim_start_matches('+')
                        .parse::<u32>()
                        .map(|n| n.to_string())
                        .unwrap_or(v)
                })
                .unwrap_or_default()
        };
        let link_name = ctx
            .host
            .link(fl.link)
            .map(|l| l.name.clone())
            .unwrap_or_default();
        h.print(&[
            Some(fl.name.clone()),
            Some(link_name),
            Some(ip),
            Some(proto),
            Some(port("local_port")),
            Some(port("remote_port")),
            Some(get("dsfield").map(|v| dsfield_text(&v)).unwrap_or_default()),
        ]);
    }
    ctx.out.push_str(&h.out);
    Ok(())
}

/// `addr/prefix` as `dladm_flow_attr_ip2str` prints it (the full length when none was given).
fn with_prefix(v: &str) -> String {
    if v.contains('/') {
        v.to_string()
    } else if v.contains(':') {
        format!("{v}/128")
    } else {
        format!("{v}/32")
    }
}

/// `dladm_proto2str`.
fn proto_name(v: &str) -> String {
    let l = v.to_ascii_lowercase();
    for k in ["tcp", "udp", "sctp", "icmpv6", "icmp"] {
        if l.starts_with(k) {
            return k.to_string();
        }
    }
    String::new()
}

/// `dladm_flow_attr_dsfield2str`: `0x<value>:0x<mask>`, the mask 0xff when none was given.
fn dsfield_text(v: &str) -> String {
    let hex = |s: &str| {
        let s = s
            .strip_prefix("0x")
            .or_else(|| s.strip_prefix("0X"))
            .unwrap_or(s);
        u32::from_str_radix(s, 16).unwrap_or(0)
    };
    let (val, mask) = match v.split_once(':') {
        Some((a, m)) => (hex(a), hex(m)),
        None => (hex(v), 0xff),
    };
    format!("0x{val:x}:0x{mask:x}")
}

/// Runs one flowadm command line (`argv[0]` is the program) for `caller`'s zone; returns
/// (stdout, stderr, exit status).
pub fn run(host: &mut Host, caller: &str, argv: &[String]) -> (String, String, i32) {
    let joyent = host.flavour() == Flavour::Joyent;
    let mut ctx = Ctx {
        host,
        joyent,
        caller: caller.to_string(),
        progname: "flowadm".to_string(),
        out: String::new(),
        err: String::new(),
    };
    let sub = argv.get(1).map(String::as_str);
    let args: Vec<String> = argv.iter().skip(1).cloned().collect();
    let res = match sub {
        None => Err(ctx.usage()),
        Some("add-flow") => add_flow(&mut ctx, &args),
        Some("remove-flow") => remove_flow(&mut ctx, &args),
        Some("show-flow") => show_flow(&mut ctx, &args),
        Some(s @ ("set-flowprop" | "reset-flowprop" | "show-flowprop" | "init-flow")) => Err(ctx
            .die(&format!(
                "subcommand '{s}' is not modelled by the illumos simulator"
            ))),
        Some(other) => {
            let msg = format!("{}: unknown subcommand '{other}'\n", ctx.progname);
            ctx.err.push_str(&msg);
            Err(ctx.usage())
        }
    };
    let code = match res {
        Ok(()) => 0,
        Err(Exit) => 1,
    };
    (ctx.out, ctx.err, code)
}
