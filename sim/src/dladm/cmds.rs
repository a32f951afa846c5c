//! The modelled dladm subcommands. Each follows its `do_*` function in dladm.c
//! (illumos-joyent @8f8c94ab; illumos-gate differs only where noted): the same getopt
//! string, the same order of checks and the same messages.

use super::getopt::{getopt_long, LongOpt, Parsed};
use super::ofmt::{self, f, Field, Ofmt};
use super::props::{self, Which};
use super::{CmdResult, Ctx, Exit};
use crate::dls::{DlStatus, Link, LinkClass, Mac, MacRequest, VnicSpec, DEFAULT_MAC_PREFIX};
use crate::state::GLOBAL;

/// `MAXLINKNAMELEN`.
const MAXLINKNAMELEN: usize = 32;
/// `DLADM_STRSIZE`: the `-p` buffer.
const DLADM_STRSIZE: usize = 256;

const fn lo(name: &'static str, has_arg: bool, val: char) -> LongOpt {
    LongOpt { name, has_arg, val }
}

/// dladm.c `lopts`.
const LOPTS: &[LongOpt] = &[
    lo("vlan-id", true, 'v'),
    lo("output", true, 'o'),
    lo("dev", true, 'd'),
    lo("policy", true, 'P'),
    lo("lacp-mode", true, 'L'),
    lo("lacp-timer", true, 'T'),
    lo("unicast", true, 'u'),
    lo("temporary", false, 't'),
    lo("root-dir", true, 'R'),
    lo("link", true, 'l'),
    lo("forcible", false, 'f'),
    lo("bw-limit", true, 'b'),
    lo("mac-address", true, 'm'),
    lo("slot", true, 'n'),
];

/// dladm.c `show_lopts`.
const SHOW_LOPTS: &[LongOpt] = &[
    lo("statistics", false, 's'),
    lo("continuous", false, 'S'),
    lo("interval", true, 'i'),
    lo("parsable", false, 'p'),
    lo("parseable", false, 'p'),
    lo("extended", false, 'x'),
    lo("output", true, 'o'),
    lo("persistent", false, 'P'),
    lo("lacp", false, 'L'),
];

/// dladm.c `prop_longopts`.
const PROP_LOPTS: &[LongOpt] = &[
    lo("temporary", false, 't'),
    lo("output", true, 'o'),
    lo("root-dir", true, 'R'),
    lo("prop", true, 'p'),
    lo("parsable", false, 'c'),
    lo("parseable", false, 'c'),
    lo("persistent", false, 'P'),
];

/// dladm.c `vnic_lopts`.
const VNIC_LOPTS: &[LongOpt] = &[
    lo("temporary", false, 't'),
    lo("root-dir", true, 'R'),
    lo("dev", true, 'd'),
    lo("mac-address", true, 'm'),
    lo("cpus", true, 'c'),
    lo("bw-limit", true, 'b'),
    lo("slot", true, 'n'),
    lo("mac-prefix", true, 'r'),
    lo("vrid", true, 'V'),
    lo("address-family", true, 'A'),
];

/// dladm.c `etherstub_lopts`.
const ETHERSTUB_LOPTS: &[LongOpt] = &[lo("temporary", false, 't'), lo("root-dir", true, 'R')];

/// dladm.c `link_fields` (show-link).
const LINK_FIELDS: &[Field] = &[
    f("LINK", 12),
    f("CLASS", 10),
    f("MTU", 7),
    f("STATE", 9),
    f("BRIDGE", 11),
    f("OVER", 30),
];

/// dladm.c `vnic_fields`; ZONE is illumos-joyent only.
const VNIC_FIELDS_JOYENT: &[Field] = &[
    f("LINK", 13),
    f("OVER", 11),
    f("SPEED", 6),
    f("MACADDRESS", 18),
    f("MACADDRTYPE", 12),
    f("VID", 5),
    f("ZONE", 20),
];

/// dladm.c `phys_fields` and `phys_m_fields`.
const PHYS_FIELDS: &[Field] = &[
    f("LINK", 13),
    f("MEDIA", 21),
    f("STATE", 11),
    f("SPEED", 7),
    f("DUPLEX", 10),
    f("DEVICE", 13),
    f("FLAGS", 7),
];
const PHYS_M_FIELDS: &[Field] = &[
    f("LINK", 13),
    f("SLOT", 9),
    f("ADDRESS", 19),
    f("INUSE", 5),
    f("CLIENT", 13),
];

/// dladm.c `linkprop_fields`.
const LINKPROP_FIELDS: &[Field] = &[
    f("LINK", 13),
    f("PROPERTY", 16),
    f("PERM", 5),
    f("VALUE", 15),
    f("DEFAULT", 15),
    f("POSSIBLE", 20),
];

/// The resource-control properties `dladm_link_proplist_extract` hands to the kernel with a
/// new VNIC (linkprop.c `rsrc_prop_table`).
fn is_resource_prop(name: &str) -> bool {
    [
        "maxbw",
        "priority",
        "cpus",
        "pool",
        "protection",
        "allowed-ips",
        "allowed-dhcp-cids",
        "allow-all-dhcp-cids",
        "rxrings",
        "txrings",
    ]
    .iter()
    .any(|r| r.eq_ignore_ascii_case(name))
}

fn not_modelled(ctx: &mut Ctx, what: &str) -> Exit {
    ctx.die(&format!("{what} is not modelled by the illumos simulator"))
}

/// `ofmt_open` + `ofmt_check`.
fn open_ofmt(
    ctx: &mut Ctx,
    fields: Option<&str>,
    template: &[Field],
    parsable: bool,
    wrap: bool,
) -> Result<Ofmt, Exit> {
    match ofmt::open(fields, template, parsable, wrap) {
        Err(e) => Err(ctx.die(&e.message(parsable))),
        Ok((h, None)) => Ok(h),
        Ok((h, Some(w))) => {
            if w.fatal(parsable) {
                Err(ctx.die(&w.message(parsable)))
            } else {
                ctx.warn(&w.message(parsable));
                Ok(h)
            }
        }
    }
}

fn opterr(ctx: &mut Ctx, p: &Parsed, usage: &str) -> CmdResult {
    match p.error {
        Some(e) => Err(ctx.die_opterr(e, usage)),
        None => Ok(()),
    }
}

fn unknown_opt(ctx: &mut Ctx, c: char, usage: &str) -> Exit {
    ctx.die_opterr(
        super::getopt::OptError {
            ret: '?',
            optopt: c,
        },
        usage,
    )
}

/// dladm.c `str2int`: a whole decimal integer.
fn str2int(s: &str) -> Option<i64> {
    if s.is_empty() {
        return None;
    }
    s.parse::<i64>().ok()
}

/// libdladm `dladm_str2interval`: a positive integer number of seconds.
fn str2interval(s: &str) -> bool {
    matches!(s.parse::<u32>(), Ok(n) if n > 0)
}

/// libinetutil `_link_aton`: `:`-separated groups of one or two hex digits.
fn link_aton(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for p in s.split(':') {
        if p.is_empty() || p.len() > 2 || !p.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        out.push(u8::from_str_radix(p, 16).ok()?);
    }
    Some(out)
}

/// Where a link's name is visible from the caller by id (dlmgmtd `link_by_id`: the global
/// zone sees every id, a zone only links in its namespace); `?` otherwise, as dladm prints
/// when `dladm_datalink_id2info` fails.
fn name_by_id(ctx: &Ctx, id: u32) -> String {
    match ctx.host.link(id) {
        Some(l) if ctx.caller == GLOBAL || l.zone == ctx.caller => l.name.clone(),
        _ => "?".into(),
    }
}

/// The link speed in Mb/s (the sim's phys links are 1 Gb/s; an etherstub has none).
fn speed(ctx: &Ctx, l: &Link) -> u64 {
    match l.class {
        LinkClass::Phys | LinkClass::Misc => 1000,
        LinkClass::Etherstub => 0,
        LinkClass::Vnic => match l.over.and_then(|o| ctx.host.link(o)) {
            Some(lower) if matches!(lower.class, LinkClass::Phys | LinkClass::Misc) => 1000,
            _ => 0,
        },
    }
}

fn link_state(l: &Link) -> &'static str {
    match l.class {
        LinkClass::Etherstub => "unknown",
        _ => "up",
    }
}

fn too_long(s: &str) -> bool {
    s.len() >= MAXLINKNAMELEN
}

fn add_props(ctx: &mut Ctx, propstr: &mut String, v: &str) -> CmdResult {
    propstr.push_str(v);
    propstr.push(',');
    if propstr.len() >= DLADM_STRSIZE {
        let msg = format!("property list too long '{propstr}'");
        return Err(ctx.die(&msg));
    }
    Ok(())
}

fn altroot(ctx: &mut Ctx, r: &Option<String>) -> CmdResult {
    match r {
        Some(_) => Err(not_modelled(ctx, "-R (alternate root)")),
        None => Ok(()),
    }
}

/// `create-vnic` (dladm.c `do_create_vnic`, libdlvnic.c `dladm_vnic_create`).
pub fn create_vnic(ctx: &mut Ctx, args: &[String], usage: &str) -> CmdResult {
    #[derive(PartialEq, Clone, Copy)]
    enum Kind {
        Unknown,
        Auto,
        Random,
        Factory,
        Fixed,
        Vrrp,
    }
    let p = getopt_long(args, ":tfR:l:m:n:p:r:v:V:A:H", VNIC_LOPTS);
    let mut temp = false;
    let mut force = false;
    let mut root = None;
    let mut dev: Option<String> = None;
    let mut kind = Kind::Unknown;
    let mut mac: Option<Vec<u8>> = None;
    let mut slot: Option<i64> = None;
    let mut prefix: Option<Vec<u8>> = None;
    let mut propstr = String::new();
    let mut vid: i64 = 0;
    let mut vrid: Option<u8> = None;
    let mut inet6: Option<bool> = None;
    for (c, v) in &p.opts {
        let v = v.clone().unwrap_or_default();
        match c {
            't' => temp = true,
            'R' => root = Some(v),
            'l' => {
                if too_long(&v) {
                    return Err(ctx.die("link name too long"));
                }
                dev = Some(v);
            }
            'm' => {
                if kind != Kind::Unknown {
                    return Err(ctx.die("cannot specify -m option twice"));
                }
                if v == "fixed" {
                    return Err(ctx.die("'fixed' is not a valid MAC address"));
                }
                // dladm_vnic_str2macaddrtype: keyword prefixes.
                kind = if v.starts_with("fixed") {
                    Kind::Fixed
                } else if v.starts_with("random") {
                    Kind::Random
                } else if v.starts_with("factory") {
                    Kind::Factory
                } else if v.starts_with("auto") {
                    Kind::Auto
                } else if v.starts_with("vrrp") {
                    Kind::Vrrp
                } else {
                    match link_aton(&v) {
                        Some(b) => mac = Some(b),
                        None => return Err(ctx.die("invalid MAC address")),
                    }
                    Kind::Fixed
                };
            }
            'n' => match v.parse::<i64>() {
                Ok(n) => slot = Some(n),
                Err(_) => return Err(ctx.die("invalid slot number")),
            },
            'p' => add_props(ctx, &mut propstr, &v)?,
            'r' => match link_aton(&v) {
                Some(b) => prefix = Some(b),
                None => return Err(ctx.die("invalid MAC address")),
            },
            'V' => match str2int(&v) {
                Some(n) if (1..=255).contains(&n) => vrid = Some(n as u8),
                _ => return Err(ctx.die(&format!("invalid VRRP identifier '{v}'"))),
            },
            'A' => match v.as_str() {
                "inet" => inet6 = Some(false),
                "inet6" => inet6 = Some(true),
                _ => return Err(ctx.die(&format!("invalid address family '{v}'"))),
            },
            'v' => {
                if vid != 0 {
                    return Err(ctx.die_optdup('v'));
                }
                match str2int(&v) {
                    Some(n) if (1..=4094).contains(&n) => vid = n,
                    _ => return Err(ctx.die(&format!("invalid VLAN identifier '{v}'"))),
                }
            }
            'f' => force = true,
            other => return Err(unknown_opt(ctx, *other, usage)),
        }
    }
    opterr(ctx, &p, usage)?;
    if kind == Kind::Unknown {
        kind = Kind::Auto;
    }
    if force && vid == 0 {
        return Err(ctx.die("-f option can only be used with -v"));
    }
    // illumos-joyent: "If creating a transient VNIC for a zone, mark it in the kernel."
    let transient = ctx.joyent() && propstr.contains("zone=") && temp;
    if prefix.is_some() && kind != Kind::Random && kind != Kind::Fixed {
        return Err(ctx.usage());
    }
    if kind == Kind::Vrrp {
        if vrid.is_none() || inet6.is_none() || mac.is_some() || slot.is_some() || prefix.is_some()
        {
            return Err(ctx.usage());
        }
    } else if inet6.is_some() || vrid.is_some() {
        return Err(ctx.usage());
    }
    let Some(dev) = dev else {
        return Err(ctx.usage());
    };
    if slot.is_some() && kind != Kind::Factory {
        return Err(ctx.usage());
    }
    if p.nops() != 1 {
        return Err(ctx.usage());
    }
    let name = p.operands[0].clone();
    if too_long(&name) {
        return Err(ctx.die(&format!("link name too long '{name}'")));
    }
    if !crate::dls::valid_link_name(&name) {
        return Err(ctx.die(&format!("invalid link name '{name}'")));
    }
    altroot(ctx, &root)?;
    let Ok(over) = ctx.zname2info(None, &dev) else {
        return Err(ctx.die(&format!("invalid link name '{dev}'")));
    };
    let Ok(list) = props::parse_link_props(&propstr, false) else {
        return Err(ctx.die("invalid vnic property"));
    };
    let failed = format!("vnic creation over {dev} failed");
    let request = match kind {
        Kind::Auto => MacRequest::Auto,
        Kind::Random => MacRequest::Random(prefix.unwrap_or_else(|| DEFAULT_MAC_PREFIX.to_vec())),
        Kind::Fixed => match mac {
            Some(b) if b.len() == 6 => MacRequest::Fixed(Mac([b[0], b[1], b[2], b[3], b[4], b[5]])),
            Some(_) => return Err(ctx.die_dlerr(DlStatus::InvalidMacAddrLen, &failed)),
            None => return Err(ctx.die_dlerr(DlStatus::InvalidMacAddr, &failed)),
        },
        // The sim's links have no spare factory MAC slots.
        Kind::Factory => return Err(ctx.die_dlerr(DlStatus::NotSup, &failed)),
        Kind::Vrrp => MacRequest::Vrrp {
            vrid: vrid.unwrap_or(1),
            inet6: inet6.unwrap_or(false),
        },
        Kind::Unknown => MacRequest::Auto,
    };
    let spec = VnicSpec {
        name,
        over,
        mac: request,
        vid: vid as u16,
        temporary: temp,
        transient,
        zone: ctx.caller.clone(),
    };
    let id = match ctx.host.create_vnic(&spec) {
        Ok(id) => id,
        Err(DlStatus::LinkBusy) => {
            let page = if ctx.joyent() {
                "dladm(1M)"
            } else {
                "dladm(8)"
            };
            return Err(ctx.die(&format!(
                "VLAN over '{dev}' may not use default_tag ID (see {page})"
            )));
        }
        Err(st) => return Err(ctx.die_dlerr(st, &failed)),
    };
    // The -p properties. libdlvnic.c `dladm_vnic_create`/`i_dladm_vnic_common`: the
    // resource-control properties (`dladm_link_proplist_extract`) go to the kernel with the
    // VNIC; for a persistent VNIC every property is then written with `DLADM_OPT_PERSIST`,
    // a failure being appended to the error list as "failed to set property P: <status>"
    // (printed by dladm.c `die_dlerrlist` as a warning) and the VNIC removed. illumos-gate
    // applies nothing else to the active VNIC, so `-t -p mtu=,zone=` is silently not applied
    // (illumos 15695); illumos-joyent applies every property to the new VNIC in order, which
    // is what jcommon/statechange's `create-vnic -t ... -p zone=Z` relies on.
    let caller = ctx.caller.clone();
    for (pname, vals) in &list {
        if !ctx.joyent() && !is_resource_prop(pname) {
            continue;
        }
        let st = match props::lookup(pname, ctx.flavour) {
            None => Err(DlStatus::NotFound),
            Some(_) if vals.is_empty() => Err(DlStatus::BadValCnt),
            Some(d) => props::set(ctx.host, &caller, id, d, Some(vals), false),
        };
        if let Err(st) = st {
            ctx.host.links.retain(|l| l.id != id);
            return Err(ctx.die_dlerr(st, &failed));
        }
    }
    if !temp {
        for (pname, vals) in &list {
            let st = match props::lookup(pname, ctx.flavour) {
                None => Err(DlStatus::NotFound),
                Some(d) if d.temponly => Err(DlStatus::TempOnly),
                Some(_) => Ok(()),
            };
            if let Err(st) = st {
                ctx.host.links.retain(|l| l.id != id);
                ctx.warn(&format!("failed to set property {pname}: {st}"));
                return Err(ctx.die_dlerr(st, &failed));
            }
            if let Some(l) = ctx.host.link_mut(id) {
                l.pprops.insert(pname.clone(), vals.join(","));
            }
        }
    }
    Ok(())
}

fn delete_common(ctx: &mut Ctx, args: &[String], usage: &str, etherstub: bool) -> CmdResult {
    let optstring = if ctx.joyent() { ":R:tz:" } else { ":R:t" };
    let p = getopt_long(args, optstring, LOPTS);
    let mut root = None;
    let mut zonename: Option<String> = None;
    let mut temp = false;
    for (c, v) in &p.opts {
        match c {
            't' => temp = true,
            'R' => root = v.clone(),
            'z' if ctx.joyent() => zonename = v.clone(),
            other => return Err(unknown_opt(ctx, *other, usage)),
        }
    }
    opterr(ctx, &p, usage)?;
    if p.nops() != 1 {
        return Err(ctx.usage());
    }
    altroot(ctx, &root)?;
    let name = p.operands[0].clone();
    let Ok(id) = ctx.zname2info(zonename.as_deref(), &name) else {
        return Err(ctx.die(&format!("invalid link name '{name}'")));
    };
    let class = ctx.host.link(id).map(|l| l.class);
    // do_etherstub_check: only when dladm_vnic_info succeeds (a VNIC or an etherstub).
    if let Some(c @ (LinkClass::Vnic | LinkClass::Etherstub)) = class {
        let is_stub = c == LinkClass::Etherstub;
        if is_stub != etherstub {
            let what = if is_stub { "a vnic" } else { "an etherstub" };
            return Err(ctx.die(&format!("'{name}' is not {what}")));
        }
    } else {
        // dladm_vnic_delete: any other class is BADARG.
        return Err(ctx.die_dlerr(DlStatus::BadArg, "vnic deletion failed"));
    }
    let caller = ctx.caller.clone();
    let res = if temp {
        ctx.host.delete_link_active(&caller, id)
    } else {
        ctx.host.delete_link(&caller, id)
    };
    if let Err(st) = res {
        return Err(ctx.die_dlerr(st, "vnic deletion failed"));
    }
    Ok(())
}

/// `delete-vnic` (dladm.c `do_delete_vnic_common`).
pub fn delete_vnic(ctx: &mut Ctx, args: &[String], usage: &str) -> CmdResult {
    delete_common(ctx, args, usage, false)
}

/// `delete-etherstub` (dladm.c `do_delete_vnic_common` with `etherstub`).
pub fn delete_etherstub(ctx: &mut Ctx, args: &[String], usage: &str) -> CmdResult {
    delete_common(ctx, args, usage, true)
}

/// `rename-link` (dladm.c `do_rename_link`; joyent passes `-z` to `dladm_rename_link`).
pub fn rename_link(ctx: &mut Ctx, args: &[String], usage: &str) -> CmdResult {
    let optstring = if ctx.joyent() { ":R:z:" } else { ":R:" };
    let p = getopt_long(args, optstring, LOPTS);
    let mut root = None;
    let mut zonename: Option<String> = None;
    for (c, v) in &p.opts {
        match c {
            'R' => root = v.clone(),
            'z' if ctx.joyent() => zonename = v.clone(),
            other => return Err(unknown_opt(ctx, *other, usage)),
        }
    }
    opterr(ctx, &p, usage)?;
    if p.nops() != 2 {
        return Err(ctx.usage());
    }
    altroot(ctx, &root)?;
    let (l1, l2) = (p.operands[0].clone(), p.operands[1].clone());
    let res = ctx.zname2info(zonename.as_deref(), &l1).and_then(|id| {
        let caller = ctx.caller.clone();
        let flavour = ctx.flavour;
        ctx.host.rename_link(&caller, id, &l2, flavour)
    });
    if let Err(st) = res {
        return Err(ctx.die_dlerr(st, "rename operation failed"));
    }
    Ok(())
}

/// `show-link` (dladm.c `do_show_link`, `print_link`, `print_link_topology`).
pub fn show_link(ctx: &mut Ctx, args: &[String], usage: &str) -> CmdResult {
    let optstring = if ctx.joyent() {
        ":pPsi:o:z:"
    } else {
        ":pPsi:o:"
    };
    let p = getopt_long(args, optstring, SHOW_LOPTS);
    let (mut parsable, mut stats, mut persist, mut interval) = (false, false, false, false);
    let mut fields: Option<String> = None;
    let mut zonename: Option<String> = None;
    for (c, v) in &p.opts {
        match c {
            'p' => {
                if parsable {
                    return Err(ctx.die_optdup('p'));
                }
                parsable = true;
            }
            's' => {
                if stats {
                    return Err(ctx.die_optdup('s'));
                }
                stats = true;
            }
            'P' => {
                if persist {
                    return Err(ctx.die_optdup('P'));
                }
                persist = true;
            }
            'o' => fields = v.clone(),
            'i' => {
                if interval {
                    return Err(ctx.die_optdup('i'));
                }
                interval = true;
                let v = v.clone().unwrap_or_default();
                if !str2interval(&v) {
                    return Err(ctx.die(&format!("invalid interval value '{v}'")));
                }
            }
            'z' if ctx.joyent() => zonename = v.clone(),
            other => return Err(unknown_opt(ctx, *other, usage)),
        }
    }
    opterr(ctx, &p, usage)?;
    if interval && !stats {
        return Err(ctx.die("the option -i can be used only with -s"));
    }
    if stats && persist {
        return Err(ctx.die("the option -P cannot be used with -s"));
    }
    let mut single = None;
    if p.nops() == 1 {
        let name = p.operands[0].clone();
        if too_long(&name) {
            return Err(ctx.die("link name too long"));
        }
        match ctx.zname2info(zonename.as_deref(), &name) {
            Ok(id) => {
                if persist && ctx.host.link(id).is_some_and(|l| l.temporary) {
                    return Err(ctx.die_dlerr(
                        DlStatus::BadArg,
                        &format!("link {name} is a temporary link"),
                    ));
                }
                single = Some(id);
            }
            Err(st) => return Err(ctx.die_dlerr(st, &format!("link {name} is not valid"))),
        }
    } else if p.nops() > 1 {
        return Err(ctx.usage());
    }
    let is_all = fields
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case("all"));
    if parsable && fields.is_none() {
        return Err(ctx.die("-p requires -o"));
    }
    if parsable && is_all {
        return Err(ctx.die("\"-o all\" is invalid with -p"));
    }
    if fields.is_none() || is_all {
        fields = Some(if persist {
            "link,class,bridge,over".into()
        } else {
            "link,class,mtu,state,bridge,over".into()
        });
    }
    if stats {
        return Err(not_modelled(ctx, "show-link -s (statistics)"));
    }
    let mut o = open_ofmt(ctx, fields.as_deref(), LINK_FIELDS, parsable, !parsable)?;
    let links: Vec<Link> = match single {
        Some(id) => ctx.host.link(id).cloned().into_iter().collect(),
        None => ctx
            .host
            .walk(&ctx.caller)
            .map(|v| v.into_iter().cloned().collect())
            .unwrap_or_default(),
    };
    for l in links {
        if persist && l.temporary {
            continue;
        }
        let over = match l.over {
            Some(o) => name_by_id(ctx, o),
            None => String::new(),
        };
        let (mtu, state) = if persist {
            (String::new(), String::new())
        } else {
            (l.mtu.to_string(), link_state(&l).to_string())
        };
        o.print(&[
            Some(l.name.clone()),
            Some(l.class.as_str().into()),
            Some(mtu),
            Some(state),
            Some(String::new()),
            Some(over),
        ]);
    }
    ctx.out.push_str(&o.out);
    Ok(())
}

/// `show-vnic` and `show-etherstub` (dladm.c `do_show_vnic_common`, `print_vnic`).
fn show_vnic_common(ctx: &mut Ctx, args: &[String], usage: &str, etherstub: bool) -> CmdResult {
    let optstring = if ctx.joyent() {
        ":pPl:si:o:z:"
    } else {
        ":pPl:si:o:"
    };
    let p = getopt_long(args, optstring, LOPTS);
    let (mut parsable, mut persist, mut stats, mut interval) = (false, false, false, false);
    let mut dev: Option<String> = None;
    let mut fields: Option<String> = None;
    let mut zonename: Option<String> = None;
    for (c, v) in &p.opts {
        let val = v.clone().unwrap_or_default();
        match c {
            'p' => parsable = true,
            'P' => persist = true,
            'l' => {
                if etherstub {
                    return Err(ctx.die("option not supported for this command"));
                }
                if too_long(&val) {
                    return Err(ctx.die("link name too long"));
                }
                dev = Some(val);
            }
            's' => {
                if stats {
                    return Err(ctx.die("the option -s cannot be specified more than once"));
                }
                stats = true;
            }
            'i' => {
                if interval {
                    return Err(ctx.die("the option -i cannot be specified more than once"));
                }
                interval = true;
                if !str2interval(&val) {
                    return Err(ctx.die(&format!("invalid interval value '{val}'")));
                }
            }
            'o' => fields = Some(val),
            'z' if ctx.joyent() => zonename = Some(val),
            other => return Err(unknown_opt(ctx, *other, usage)),
        }
    }
    opterr(ctx, &p, usage)?;
    if interval && !stats {
        return Err(ctx.die("the option -i can be used only with -s"));
    }
    let mut single: Option<(u32, String)> = None;
    if p.nops() == 1 {
        let name = p.operands[0].clone();
        match ctx.zname2info(zonename.as_deref(), &name) {
            Ok(id) => single = Some((id, name)),
            Err(st) => {
                return Err(ctx.die_dlerr(st, &format!("invalid vnic name '{name}'")));
            }
        }
    } else if p.nops() > 1 {
        return Err(ctx.usage());
    }
    let mut dev_id = None;
    if let Some(d) = &dev {
        match ctx.zname2info(zonename.as_deref(), d) {
            Ok(id) => dev_id = Some(id),
            Err(st) => return Err(ctx.die_dlerr(st, &format!("invalid link name '{d}'"))),
        }
    }
    let is_all = fields
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case("all"));
    if (fields.is_none() || is_all) && etherstub {
        fields = Some("link".into());
    }
    // IPD 3 proposes a ZONE field for gate's show-vnic (without joyent's `-z`); the sim
    // offers it on gate when ILLUMOS_SIM_IPD3=1, so that nothing mistakes it for joyent.
    let ipd3 = std::env::var("ILLUMOS_SIM_IPD3").is_ok_and(|v| v == "1");
    let template: &[Field] = if ctx.joyent() || ipd3 {
        VNIC_FIELDS_JOYENT
    } else {
        &VNIC_FIELDS_JOYENT[..6]
    };
    let mut o = open_ofmt(ctx, fields.as_deref(), template, parsable, false)?;
    if stats {
        return Err(not_modelled(ctx, "show-vnic -s (statistics)"));
    }
    // print_vnic: Err = failure status, Ok(None) = skipped, Ok(Some) = a row.
    let row = |ctx: &Ctx, l: &Link| -> Result<Option<Vec<Option<String>>>, DlStatus> {
        // dladm_vnic_info: VNIC_IOC_INFO knows only VNICs and etherstubs.
        if !matches!(l.class, LinkClass::Vnic | LinkClass::Etherstub) {
            return Err(DlStatus::NotFound);
        }
        if persist && l.temporary {
            return Err(DlStatus::NotFound);
        }
        let is_stub = l.class == LinkClass::Etherstub;
        if is_stub != etherstub {
            return Ok(None);
        }
        if let Some(d) = dev_id {
            if l.over != Some(d) {
                return Ok(None);
            }
        }
        let zone = if !is_stub && l.zone != GLOBAL {
            l.zone.clone()
        } else {
            String::new()
        };
        if let Some(z) = &zonename {
            if *z != zone {
                return Ok(None);
            }
        }
        if is_stub {
            return Ok(Some(vec![
                Some(l.name.clone()),
                Some(String::new()),
                Some(String::new()),
                Some(String::new()),
                Some(String::new()),
                Some(String::new()),
                Some(String::new()),
            ]));
        }
        let over = l.over.map(|o| name_by_id(ctx, o)).unwrap_or_default();
        Ok(Some(vec![
            Some(l.name.clone()),
            Some(over),
            Some(speed(ctx, l).to_string()),
            Some(l.mac.map(|m| m.to_string()).unwrap_or_default()),
            Some(l.mac_type.describe()),
            Some(l.vid.to_string()),
            Some(if zone.is_empty() { "--".into() } else { zone }),
        ]))
    };
    match single {
        Some((id, name)) => {
            let l = ctx.host.link(id).cloned();
            match l.map(|l| row(ctx, &l)) {
                Some(Ok(Some(r))) => o.print(&r),
                Some(Err(st)) => {
                    ctx.out.push_str(&o.out);
                    return Err(ctx.die_dlerr(st, &format!("failed to show vnic '{name}'")));
                }
                _ => {}
            }
        }
        None => {
            let links: Vec<Link> = ctx
                .host
                .walk(&ctx.caller)
                .map(|v| v.into_iter().cloned().collect())
                .unwrap_or_default();
            for l in links
                .iter()
                .filter(|l| matches!(l.class, LinkClass::Vnic | LinkClass::Etherstub))
            {
                if let Ok(Some(r)) = row(ctx, l) {
                    o.print(&r);
                }
            }
        }
    }
    ctx.out.push_str(&o.out);
    Ok(())
}

/// `show-vnic`.
pub fn show_vnic(ctx: &mut Ctx, args: &[String], usage: &str) -> CmdResult {
    show_vnic_common(ctx, args, usage, false)
}

/// `show-etherstub` (uses show-vnic's getopt string, so its usage's `-t` is refused).
pub fn show_etherstub(ctx: &mut Ctx, args: &[String], usage: &str) -> CmdResult {
    show_vnic_common(ctx, args, usage, true)
}

/// `show-phys` (dladm.c `do_show_phys`, `print_phys`, `print_phys_default`,
/// `print_phys_mac`).
pub fn show_phys(ctx: &mut Ctx, args: &[String], usage: &str) -> CmdResult {
    let p = getopt_long(args, ":pPo:mH", SHOW_LOPTS);
    let (mut parsable, mut persist, mut m, mut h) = (false, false, false, false);
    let mut fields: Option<String> = None;
    for (c, v) in &p.opts {
        match c {
            'p' => {
                if parsable {
                    return Err(ctx.die_optdup('p'));
                }
                parsable = true;
            }
            'P' => {
                if persist {
                    return Err(ctx.die_optdup('P'));
                }
                persist = true;
            }
            'o' => fields = v.clone(),
            'm' => m = true,
            'H' => h = true,
            other => return Err(unknown_opt(ctx, *other, usage)),
        }
    }
    opterr(ctx, &p, usage)?;
    let is_all = fields
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case("all"));
    if parsable && fields.is_none() {
        return Err(ctx.die("-p requires -o"));
    }
    if m && h {
        return Err(ctx.die("-m cannot combine with -H"));
    }
    if parsable && is_all {
        return Err(ctx.die("\"-o all\" is invalid with -p"));
    }
    let mut single: Option<(u32, String)> = None;
    if p.nops() == 1 {
        let name = p.operands[0].clone();
        match ctx.zname2info(None, &name) {
            Ok(id) => single = Some((id, name)),
            Err(st) => return Err(ctx.die_dlerr(st, &format!("link {name} is not valid"))),
        }
    } else if p.nops() > 1 {
        return Err(ctx.usage());
    }
    if m && persist {
        return Err(ctx.die("-m not compatible with -P"));
    }
    if h {
        return Err(not_modelled(ctx, "show-phys -H (hardware groups)"));
    }
    if fields.is_none() || is_all {
        fields = Some(
            if m {
                "link,slot,address,inuse,client"
            } else if persist {
                "link,device,media,flags"
            } else {
                "link,media,state,speed,duplex,device"
            }
            .into(),
        );
    }
    let template = if m { PHYS_M_FIELDS } else { PHYS_FIELDS };
    let mut o = open_ofmt(ctx, fields.as_deref(), template, parsable, false)?;
    let row = |l: &Link| -> Result<Vec<Option<String>>, DlStatus> {
        if l.class != LinkClass::Phys {
            return Err(DlStatus::BadArg);
        }
        if m {
            return Ok(vec![
                Some(l.name.clone()),
                Some("primary".into()),
                Some(l.mac.map(|x| x.to_string()).unwrap_or_default()),
                Some("no".into()),
                Some(String::new()),
            ]);
        }
        if persist {
            return Ok(vec![
                Some(l.name.clone()),
                Some("Ethernet".into()),
                Some(String::new()),
                Some(String::new()),
                Some(String::new()),
                Some(l.name.clone()),
                Some("-----".into()),
            ]);
        }
        Ok(vec![
            Some(l.name.clone()),
            Some("Ethernet".into()),
            Some("up".into()),
            Some("1000".into()),
            Some("full".into()),
            Some(l.name.clone()),
            Some(String::new()),
        ])
    };
    match single {
        Some((id, name)) => {
            let l = ctx.host.link(id).cloned();
            if let Some(l) = l {
                match row(&l) {
                    Ok(r) => o.print(&r),
                    Err(st) => {
                        ctx.out.push_str(&o.out);
                        return Err(
                            ctx.die_dlerr(st, &format!("failed to show physical link {name}"))
                        );
                    }
                }
            }
        }
        None => {
            let links: Vec<Link> = ctx
                .host
                .walk(&ctx.caller)
                .map(|v| v.into_iter().cloned().collect())
                .unwrap_or_default();
            for l in links.iter().filter(|l| l.class == LinkClass::Phys) {
                if let Ok(r) = row(l) {
                    o.print(&r);
                }
            }
        }
    }
    ctx.out.push_str(&o.out);
    Ok(())
}

/// `create-etherstub` (dladm.c `do_create_etherstub`; getopt string `tR:` has no leading
/// colon).
pub fn create_etherstub(ctx: &mut Ctx, args: &[String], usage: &str) -> CmdResult {
    let p = getopt_long(args, "tR:", ETHERSTUB_LOPTS);
    let mut temp = false;
    let mut root = None;
    for (c, v) in &p.opts {
        match c {
            't' => temp = true,
            'R' => root = v.clone(),
            other => return Err(unknown_opt(ctx, *other, usage)),
        }
    }
    opterr(ctx, &p, usage)?;
    if p.nops() != 1 {
        return Err(ctx.usage());
    }
    let name = p.operands[0].clone();
    if too_long(&name) {
        return Err(ctx.die(&format!("link name too long '{name}'")));
    }
    if !crate::dls::valid_link_name(&name) {
        return Err(ctx.die(&format!("invalid link name '{name}'")));
    }
    altroot(ctx, &root)?;
    let caller = ctx.caller.clone();
    if let Err(st) = ctx.host.create_etherstub(&caller, &name, temp) {
        return Err(ctx.die_dlerr(st, "etherstub creation failed"));
    }
    Ok(())
}

/// `set-linkprop` / `reset-linkprop` (dladm.c `set_linkprop`, `reset_one_linkprop`).
/// As in dladm.c, the exit status follows the *last* property processed.
fn set_common(ctx: &mut Ctx, args: &[String], usage: &str, reset: bool) -> CmdResult {
    let optstring = if ctx.joyent() { ":p:R:tz:" } else { ":p:R:t" };
    let p = getopt_long(args, optstring, PROP_LOPTS);
    let mut propstr = String::new();
    let mut temp = false;
    let mut root = None;
    let mut zonename: Option<String> = None;
    for (c, v) in &p.opts {
        let val = v.clone().unwrap_or_default();
        match c {
            'p' => add_props(ctx, &mut propstr, &val)?,
            't' => temp = true,
            'R' => root = Some(val),
            'z' if ctx.joyent() => zonename = Some(val),
            other => return Err(unknown_opt(ctx, *other, usage)),
        }
    }
    opterr(ctx, &p, usage)?;
    if p.nops() != 1 {
        return Err(ctx.usage());
    }
    let Ok(list) = props::parse_link_props(&propstr, reset) else {
        return Err(ctx.die("invalid link properties specified"));
    };
    if list.is_empty() && !reset {
        return Err(ctx.die("link property must be specified"));
    }
    altroot(ctx, &root)?;
    let name = p.operands[0].clone();
    let id = match ctx.zname2info(zonename.as_deref(), &name) {
        Ok(id) => id,
        Err(st) => return Err(ctx.die_dlerr(st, &format!("link {name} is not valid"))),
    };
    let caller = ctx.caller.clone();
    let mut status: Result<(), DlStatus> = Ok(());
    if list.is_empty() {
        for d in props::table(ctx.flavour) {
            let st = props::set(ctx.host, &caller, id, d, None, !temp);
            if let Err(e) = st {
                if !matches!(e, DlStatus::PropRdOnly | DlStatus::NotSup) {
                    ctx.warn_dlerr(
                        e,
                        &format!("cannot reset link property '{}' on '{}'", d.name, name),
                    );
                    status = Err(e);
                }
            }
        }
    } else {
        for (pname, vals) in &list {
            if !reset && vals.is_empty() {
                ctx.warn(&format!("no value specified for '{pname}'"));
                status = Err(DlStatus::BadArg);
                continue;
            }
            let desc = props::lookup(pname, ctx.flavour);
            let st = match desc {
                None => Err(DlStatus::NotFound),
                Some(d) => {
                    let v = if reset { None } else { Some(vals.as_slice()) };
                    props::set(ctx.host, &caller, id, d, v, !temp)
                }
            };
            status = st;
            if st.is_ok() && !temp {
                // DLADM_OPT_PERSIST: the value goes to datalink.conf too.
                if let Some(l) = ctx.host.link_mut(id) {
                    if reset {
                        l.pprops.remove(pname);
                    } else {
                        l.pprops.insert(pname.clone(), vals.join(","));
                    }
                }
            }
            match st {
                Ok(()) => {}
                Err(DlStatus::NotFound) => {
                    ctx.warn(&format!("invalid link property '{pname}'"));
                }
                Err(DlStatus::BadVal) => {
                    let l = ctx.host.link(id).cloned();
                    let possible = match (desc, l) {
                        (Some(d), Some(l)) => props::get(ctx.host, &l, d, Which::Modifiable),
                        _ => Err(DlStatus::NotFound),
                    };
                    match possible {
                        Err(_) => ctx.warn_dlerr(
                            DlStatus::BadVal,
                            &format!("cannot set link property '{pname}' on '{name}'"),
                        ),
                        Ok(vs) if !vs.is_empty() => ctx.warn(&format!(
                            "link property '{pname}' must be one of: {}",
                            vs.join(",")
                        )),
                        Ok(_) => ctx.warn(&format!(
                            "invalid link property '{}'",
                            vals.first().cloned().unwrap_or_default()
                        )),
                    }
                }
                Err(e) => {
                    let verb = if reset { "reset" } else { "set" };
                    ctx.warn_dlerr(
                        e,
                        &format!("cannot {verb} link property '{pname}' on '{name}'"),
                    );
                }
            }
        }
    }
    match status {
        Ok(()) => Ok(()),
        Err(_) => Err(Exit(1)),
    }
}

/// `set-linkprop`.
pub fn set_linkprop(ctx: &mut Ctx, args: &[String], usage: &str) -> CmdResult {
    set_common(ctx, args, usage, false)
}

/// `reset-linkprop`.
pub fn reset_linkprop(ctx: &mut Ctx, args: &[String], usage: &str) -> CmdResult {
    set_common(ctx, args, usage, true)
}

/// State of one show-linkprop run (`show_linkprop_state_t`).
struct LpState {
    parsable: bool,
    have_list: bool,
    status: Result<(), DlStatus>,
    retstatus: Result<(), DlStatus>,
}

/// dladm.c `print_linkprop`: one column's text, or `None` when the lookup failed (the
/// column then prints `?`).
fn print_linkprop(
    ctx: &mut Ctx,
    st: &mut LpState,
    l: &Link,
    pname: &str,
    which: Which,
) -> Option<String> {
    let got = match props::lookup(pname, ctx.flavour) {
        None => Err(DlStatus::NotFound),
        Some(d) => props::get(ctx.host, l, d, which),
    };
    let vals = match got {
        Ok(v) => v,
        Err(DlStatus::NotSup) => {
            if matches!(which, Which::Current | Which::Perm) {
                vec!["--".to_string()]
            } else {
                vec![String::new()]
            }
        }
        Err(e) => {
            if st.have_list && st.status.is_ok() {
                ctx.warn_dlerr(
                    e,
                    &format!("cannot get link property '{}' for {}", pname, l.name),
                );
            }
            st.status = Err(e);
            st.retstatus = Err(e);
            return None;
        }
    };
    st.status = Ok(());
    let buf = vals
        .iter()
        .map(|v| {
            if v.is_empty() && !st.parsable {
                "--".to_string()
            } else {
                v.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    if which == Which::Modifiable && !st.parsable {
        Some(format!("{buf} "))
    } else {
        Some(buf)
    }
}

/// `show-linkprop` (dladm.c `do_show_linkprop`, `show_linkprop_onelink`,
/// `print_linkprop_cb`). Exits 1 if any property lookup failed.
pub fn show_linkprop(ctx: &mut Ctx, args: &[String], usage: &str) -> CmdResult {
    let optstring = if ctx.joyent() { ":p:cPo:z:" } else { ":p:cPo:" };
    let p = getopt_long(args, optstring, PROP_LOPTS);
    let mut propstr = String::new();
    let mut parsable = false;
    let mut persist = false;
    let mut fields: Option<String> = None;
    let mut zonename: Option<String> = None;
    for (c, v) in &p.opts {
        let val = v.clone().unwrap_or_default();
        match c {
            'p' => add_props(ctx, &mut propstr, &val)?,
            'c' => parsable = true,
            'P' => persist = true,
            'o' => fields = Some(val),
            'z' if ctx.joyent() => zonename = Some(val),
            other => return Err(unknown_opt(ctx, *other, usage)),
        }
    }
    opterr(ctx, &p, usage)?;
    let mut single = None;
    if p.nops() == 1 {
        let name = p.operands[0].clone();
        match ctx.zname2info(zonename.as_deref(), &name) {
            Ok(id) => single = Some(id),
            Err(st) => return Err(ctx.die_dlerr(st, &format!("link {name} is not valid"))),
        }
    } else if p.nops() > 1 {
        return Err(ctx.usage());
    }
    let Ok(list) = props::parse_link_props(&propstr, true) else {
        return Err(ctx.die("invalid link properties specified"));
    };
    let mut o = open_ofmt(ctx, fields.as_deref(), LINKPROP_FIELDS, parsable, !parsable)?;
    if persist {
        return Err(not_modelled(ctx, "show-linkprop -P (persistent values)"));
    }
    let links: Vec<Link> = match single {
        Some(id) => ctx.host.link(id).cloned().into_iter().collect(),
        None => ctx
            .host
            .walk(&ctx.caller)
            .map(|v| v.into_iter().cloned().collect())
            .unwrap_or_default(),
    };
    let mut st = LpState {
        parsable,
        have_list: !list.is_empty(),
        status: Ok(()),
        retstatus: Ok(()),
    };
    let selected = o.selected_indexes();
    for l in links {
        st.status = Ok(());
        if let Some(z) = &zonename {
            if ctx.zname2info(Some(z), &l.name) != Ok(l.id) {
                continue;
            }
        }
        let names: Vec<String> = if list.is_empty() {
            props::table(ctx.flavour)
                .iter()
                .map(|d| d.name.to_string())
                .collect()
        } else {
            list.iter().map(|(n, _)| n.clone()).collect()
        };
        for pname in names {
            let mut row: Vec<Option<String>> = vec![Some(String::new()); LINKPROP_FIELDS.len()];
            for &i in &selected {
                row[i] = match i {
                    0 => Some(l.name.clone()),
                    1 => Some(pname.clone()),
                    2 => print_linkprop(ctx, &mut st, &l, &pname, Which::Perm),
                    3 => print_linkprop(ctx, &mut st, &l, &pname, Which::Current),
                    4 => print_linkprop(ctx, &mut st, &l, &pname, Which::Default),
                    _ => print_linkprop(ctx, &mut st, &l, &pname, Which::Modifiable),
                };
            }
            o.print(&row);
        }
    }
    ctx.out.push_str(&o.out);
    match st.retstatus {
        Ok(()) => Ok(()),
        Err(_) => Err(Exit(1)),
    }
}
