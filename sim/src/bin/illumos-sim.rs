//! `illumos-sim`: set up and inspect a simulated illumos host (see sim/README.md).
//!
//! ```text
//! illumos-sim init --root R [--flavour joyent|gate] --phys net0,e1000g0 [--etherstub stub0,...]
//!     [--misc proteus1,...]
//! illumos-sim nictag set TAG LINK | remove TAG | list [--root R]
//! illumos-sim state [--root R] [--json]
//! illumos-sim dlmgmtd stop|start [--root R]
//! illumos-sim fault add --cmd SUBCOMMAND [--nth N] --when before|after --action fail|crash|reboot [--root R]
//! illumos-sim fault list [--root R]
//! illumos-sim fault clear [--root R]
//! illumos-sim log [--root R]
//! illumos-sim route add DEST[/PREFIX]|default INTERFACE [--gateway ADDR] [--root R]
//! illumos-sim route delete DEST[/PREFIX]|default [--root R]
//! illumos-sim route list [--root R]
//! illumos-sim reboot [--root R]
//! ```
//! `--root` falls back to `ILLUMOS_SIM_ROOT`. Exit status: 0, 1 on error, 2 on usage errors.
//! This is the harness's control tool, not a simulated illumos command: it is not logged and
//! takes no latency.

use std::path::PathBuf;
use std::process::exit;

use netzone_sim::fault::{Action, Fault, When};
use netzone_sim::state::{Flavour, Host};

const USAGE: &str = "usage: illumos-sim init --root R [--flavour joyent|gate] --phys LINK[,LINK...] [--etherstub LINK[,LINK...]] [--misc LINK[,LINK...]]
       illumos-sim nictag set TAG LINK | nictag remove TAG | nictag list [--root R]
       illumos-sim state [--root R] [--json]
       illumos-sim dlmgmtd stop|start [--root R]
       illumos-sim fault add --cmd SUBCOMMAND [--nth N] --when before|after --action fail|crash|reboot [--root R]
       illumos-sim fault list [--root R]
       illumos-sim fault clear [--root R]
       illumos-sim log [--root R]
       illumos-sim route add DEST[/PREFIX]|default INTERFACE [--gateway ADDR] [--root R]
       illumos-sim route delete DEST[/PREFIX]|default [--root R]
       illumos-sim route list [--root R]
       illumos-sim reboot [--root R]
       illumos-sim zone-unreadable LINK on|off [--root R]
       illumos-sim hold LINK on|off [--root R]";

fn usage(msg: &str) -> ! {
    if !msg.is_empty() {
        eprintln!("illumos-sim: {msg}");
    }
    eprintln!("{USAGE}");
    exit(2)
}

fn fail(msg: impl std::fmt::Display) -> ! {
    eprintln!("illumos-sim: {msg}");
    exit(1)
}

/// `--name value` / `--name=value` options and positional words.
struct Args {
    opts: Vec<(String, Option<String>)>,
    words: Vec<String>,
}

const FLAGS: &[&str] = &["json"];
const VALUED: &[&str] = &[
    "root",
    "flavour",
    "phys",
    "etherstub",
    "misc",
    "cmd",
    "nth",
    "when",
    "action",
    "gateway",
];

fn parse(argv: &[String]) -> Args {
    let mut opts = Vec::new();
    let mut words = Vec::new();
    let mut i = 0;
    while i < argv.len() {
        let a = &argv[i];
        if let Some(o) = a.strip_prefix("--") {
            let (name, inline) = match o.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (o.to_string(), None),
            };
            if FLAGS.contains(&name.as_str()) {
                if inline.is_some() {
                    usage(&format!("option --{name} takes no value"));
                }
                opts.push((name, None));
            } else if VALUED.contains(&name.as_str()) {
                let v = match inline {
                    Some(v) => v,
                    None => {
                        i += 1;
                        match argv.get(i) {
                            Some(v) => v.clone(),
                            None => usage(&format!("option --{name} requires a value")),
                        }
                    }
                };
                opts.push((name, Some(v)));
            } else {
                usage(&format!("unknown option --{name}"));
            }
        } else {
            words.push(a.clone());
        }
        i += 1;
    }
    Args { opts, words }
}

impl Args {
    fn get(&self, name: &str) -> Option<&str> {
        self.opts
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_deref())
    }
    fn has(&self, name: &str) -> bool {
        self.opts.iter().any(|(n, _)| n == name)
    }
    fn only(&self, allowed: &[&str]) {
        for (n, _) in &self.opts {
            if !allowed.contains(&n.as_str()) {
                usage(&format!("option --{n} does not apply here"));
            }
        }
    }
    fn root(&self) -> PathBuf {
        match self.get("root") {
            Some(r) if !r.is_empty() => PathBuf::from(r),
            _ => netzone_sim::common::root_from_env()
                .unwrap_or_else(|| usage("no --root and ILLUMOS_SIM_ROOT is not set")),
        }
    }
}

fn list(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

fn init(a: &Args) {
    a.only(&["root", "flavour", "phys", "etherstub", "misc"]);
    if a.words.len() != 1 {
        usage("init takes no operands");
    }
    let root = a.root();
    let flavour = match a.get("flavour") {
        None => Flavour::Joyent,
        Some(f) => Flavour::parse(f).unwrap_or_else(|| usage(&format!("unknown flavour '{f}'"))),
    };
    let Some(phys) = a.get("phys") else {
        usage("init needs --phys LINK[,LINK...]");
    };
    let mut host = Host::new(flavour);
    for (i, p) in list(phys).iter().enumerate() {
        if let Err(e) = host.add_phys(p, i) {
            fail(format!("phys link '{p}': {e}"));
        }
    }
    for s in list(a.get("etherstub").unwrap_or("")) {
        if let Err(e) = host.create_etherstub(netzone_sim::state::GLOBAL, &s, false) {
            fail(format!("etherstub '{s}': {e}"));
        }
    }
    let nphys = list(phys).len();
    for (i, m) in list(a.get("misc").unwrap_or("")).iter().enumerate() {
        if let Err(e) = host.add_misc(m, nphys + i) {
            fail(format!("misc link '{m}': {e}"));
        }
    }
    for d in ["etc/zones", "var/sim", "usr/lib/brand"] {
        if let Err(e) = std::fs::create_dir_all(root.join(d)) {
            fail(format!("{}: {e}", root.join(d).display()));
        }
    }
    // A freshly installed illumos root lists the global zone in its index, and zoneadm/zonecfg
    // (libzonecfg `getzoneent.c`) read that file for every configured zone; an existing index is
    // kept.
    let index = root.join("etc/zones/index");
    if !index.exists() {
        if let Err(e) = std::fs::write(&index, "global:installed:/\n") {
            fail(format!("{}: {e}", index.display()));
        }
    }
    if let Err(e) = Host::create(&root, &host) {
        fail(e);
    }
}

fn state(a: &Args) {
    a.only(&["root", "json"]);
    if a.words.len() != 1 {
        usage("state takes no operands");
    }
    let root = a.root();
    let v = Host::with_locked(&root, |h| h.public_json()).unwrap_or_else(|e| fail(e));
    if a.has("json") {
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return;
    }
    println!(
        "flavour {}  dlmgmtd {}",
        v["flavour"].as_str().unwrap_or(""),
        v["dlmgmtd"].as_str().unwrap_or("")
    );
    println!("ZONE               ID STATE");
    for z in v["zones"].as_array().into_iter().flatten() {
        println!(
            "{:<16} {:>4} {}",
            z["name"].as_str().unwrap_or(""),
            z["id"],
            z["state"].as_str().unwrap_or("")
        );
    }
    println!(
        "{:<16} {:<12} {:<10} {:<12} {:<18} {:>4} {:>5} FLAGS",
        "LINK", "ZONE", "CLASS", "OVER", "MACADDRESS", "VID", "MTU"
    );
    for l in v["links"].as_array().into_iter().flatten() {
        let mut flags = String::new();
        for (k, c) in [("temporary", 't'), ("transient", 'T'), ("onloan", 'L')] {
            flags.push(if l[k].as_bool() == Some(true) { c } else { '-' });
        }
        println!(
            "{:<16} {:<12} {:<10} {:<12} {:<18} {:>4} {:>5} {}",
            l["name"].as_str().unwrap_or(""),
            l["zone"].as_str().unwrap_or(""),
            l["class"].as_str().unwrap_or(""),
            l["over"].as_str().unwrap_or("--"),
            l["macaddress"].as_str().unwrap_or("--"),
            l["vid"],
            l["mtu"],
            flags
        );
    }
}

/// A SmartOS nic tag name as nictagadm accepts it: 1-31 of `[A-Za-z0-9_]`.
fn valid_tag(t: &str) -> bool {
    !t.is_empty() && t.len() <= 31 && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn nictag(a: &Args) {
    a.only(&["root"]);
    let root = a.root();
    match (a.words.get(1).map(String::as_str), a.words.len()) {
        (Some("set"), 4) => {
            let (tag, link) = (a.words[2].clone(), a.words[3].clone());
            if !valid_tag(&tag) {
                fail(format!("invalid nic tag name '{tag}'"));
            }
            if !netzone_sim::dls::valid_link_name(&link) {
                fail(format!("invalid link name '{link}'"));
            }
            Host::with_locked(&root, |h| h.nictags.insert(tag, link)).unwrap_or_else(|e| fail(e));
        }
        (Some("remove"), 3) => {
            let tag = a.words[2].clone();
            let had =
                Host::with_locked(&root, |h| h.nictags.remove(&tag)).unwrap_or_else(|e| fail(e));
            if had.is_none() {
                fail(format!("no nic tag '{tag}'"));
            }
        }
        (Some("list"), 2) => {
            let tags = Host::with_locked(&root, |h| h.nictags.clone()).unwrap_or_else(|e| fail(e));
            for (t, l) in tags {
                println!("{t} {l}");
            }
        }
        _ => usage("nictag needs set TAG LINK, remove TAG or list"),
    }
}

/// `zone-unreadable LINK on|off`: every link named LINK (in any zone) gets a `zone` property
/// that cannot be read, or back a readable one.
fn zone_unreadable(a: &Args) {
    a.only(&["root"]);
    let on = match (a.words.get(2).map(String::as_str), a.words.len()) {
        (Some("on"), 3) => true,
        (Some("off"), 3) => false,
        _ => usage("zone-unreadable needs LINK on|off"),
    };
    let name = a.words[1].clone();
    let n = Host::with_locked(&a.root(), |h| {
        let mut n = 0;
        for l in h.links.iter_mut().filter(|l| l.name == name) {
            l.zone_unreadable = on;
            n += 1;
        }
        n
    })
    .unwrap_or_else(|e| fail(e));
    if n == 0 {
        fail(format!("no link named '{name}'"));
    }
}

/// `hold LINK on|off`: a process in the global zone holds the global zone's LINK open (a DLPI
/// stream, as `snoop -d LINK` or an IP interface has), or lets it go. While held, the link
/// cannot change zone (dls_link.c `dls_link_setzid`: EBUSY, "link busy").
fn hold(a: &Args) {
    a.only(&["root"]);
    let on = match (a.words.get(2).map(String::as_str), a.words.len()) {
        (Some("on"), 3) => true,
        (Some("off"), 3) => false,
        _ => usage("hold needs LINK on|off"),
    };
    let name = a.words[1].clone();
    let found = Host::with_locked(&a.root(), |h| {
        match h
            .links
            .iter_mut()
            .find(|l| l.name == name && l.zone == netzone_sim::state::GLOBAL)
        {
            Some(l) => {
                l.plumbed = on;
                true
            }
            None => false,
        }
    })
    .unwrap_or_else(|e| fail(e));
    if !found {
        fail(format!("no link named '{name}' in the global zone"));
    }
}

fn dlmgmtd(a: &Args) {
    a.only(&["root"]);
    let online = match a.words.get(1).map(String::as_str) {
        Some("stop") => false,
        Some("start") => true,
        _ => usage("dlmgmtd needs stop or start"),
    };
    if a.words.len() != 2 {
        usage("dlmgmtd takes one operand");
    }
    Host::with_locked(&a.root(), |h| h.dlmgmtd_online = online).unwrap_or_else(|e| fail(e));
}

fn fault(a: &Args) {
    match a.words.get(1).map(String::as_str) {
        Some("add") => {
            a.only(&["root", "cmd", "nth", "when", "action"]);
            let cmd = a
                .get("cmd")
                .unwrap_or_else(|| usage("fault add needs --cmd"));
            if cmd.is_empty() {
                usage("--cmd must not be empty");
            }
            let nth = match a.get("nth") {
                None => 1,
                Some(n) => match n.parse::<u32>() {
                    Ok(n) if n >= 1 => n,
                    _ => usage(&format!("--nth must be a positive integer, not '{n}'")),
                },
            };
            let when = a
                .get("when")
                .map(|w| {
                    When::parse(w).unwrap_or_else(|| {
                        usage(&format!("--when must be before or after, not '{w}'"))
                    })
                })
                .unwrap_or_else(|| usage("fault add needs --when before|after"));
            let action = a
                .get("action")
                .map(|w| {
                    Action::parse(w).unwrap_or_else(|| {
                        usage(&format!(
                            "--action must be fail, crash or reboot, not '{w}'"
                        ))
                    })
                })
                .unwrap_or_else(|| usage("fault add needs --action fail|crash|reboot"));
            let f = Fault::new(cmd, nth, when, action);
            Host::with_locked(&a.root(), |h| h.faults.push(f)).unwrap_or_else(|e| fail(e));
        }
        Some("list") => {
            a.only(&["root"]);
            let faults =
                Host::with_locked(&a.root(), |h| h.faults.clone()).unwrap_or_else(|e| fail(e));
            for f in faults {
                println!(
                    "{} nth={} seen={} when={} action={}",
                    f.cmd,
                    f.nth,
                    f.seen,
                    f.when.as_str(),
                    f.action.as_str()
                );
            }
        }
        Some("clear") => {
            a.only(&["root"]);
            Host::with_locked(&a.root(), |h| h.faults.clear()).unwrap_or_else(|e| fail(e));
        }
        _ => usage("fault needs add, list or clear"),
    }
    if a.words.len() != 2 {
        usage("fault takes one operand");
    }
}

fn log(a: &Args) {
    a.only(&["root"]);
    if a.words.len() != 1 {
        usage("log takes no operands");
    }
    let root = a.root();
    if !netzone_sim::state::state_path(&root).exists() {
        fail(format!("{}: no simulated host here", root.display()));
    }
    match netzone_sim::log::read(&root) {
        Ok(s) => print!("{s}"),
        Err(e) => fail(e),
    }
}

fn route(a: &Args) {
    use netzone_sim::route::Route;
    let root = a.root();
    match a.words.get(1).map(String::as_str) {
        Some("add") => {
            a.only(&["root", "gateway"]);
            if a.words.len() != 4 {
                usage("route add needs DEST[/PREFIX] and INTERFACE");
            }
            let (dest, prefix) = Route::parse_dest(&a.words[2]).unwrap_or_else(|e| fail(e));
            let gateway = a.get("gateway").map(|g| {
                g.parse::<std::net::IpAddr>()
                    .ok()
                    .filter(|g| g.is_ipv4() == dest.is_ipv4())
                    .unwrap_or_else(|| {
                        fail(format!(
                            "gateway '{g}': not an address of the destination's family"
                        ))
                    })
            });
            let interface = a.words[3].clone();
            if !netzone_sim::dls::valid_link_name(&interface) {
                fail(format!(
                    "interface '{interface}': not a valid interface name"
                ));
            }
            let r = Route {
                dest,
                prefix,
                gateway,
                interface,
            };
            Host::with_locked(&root, |h| {
                h.routes
                    .retain(|x| (x.dest, x.prefix) != (r.dest, r.prefix));
                h.routes.push(r);
            })
            .unwrap_or_else(|e| fail(e));
        }
        Some("delete") => {
            a.only(&["root"]);
            if a.words.len() != 3 {
                usage("route delete needs DEST[/PREFIX]");
            }
            let (dest, prefix) = Route::parse_dest(&a.words[2]).unwrap_or_else(|e| fail(e));
            let found = Host::with_locked(&root, |h| {
                let n = h.routes.len();
                h.routes.retain(|x| (x.dest, x.prefix) != (dest, prefix));
                n != h.routes.len()
            })
            .unwrap_or_else(|e| fail(e));
            if !found {
                fail(format!("route {}: not in table", a.words[2]));
            }
        }
        Some("list") => {
            a.only(&["root"]);
            if a.words.len() != 2 {
                usage("route list takes no operands");
            }
            let routes = Host::with_locked(&root, |h| h.routes.clone()).unwrap_or_else(|e| fail(e));
            for r in routes {
                let g = r
                    .gateway
                    .map(|g| g.to_string())
                    .unwrap_or_else(|| "-".into());
                println!("{}/{} {} {}", r.dest, r.prefix, g, r.interface);
            }
        }
        _ => usage("route needs add, delete or list"),
    }
}

fn reboot(a: &Args) {
    a.only(&["root"]);
    if a.words.len() != 1 {
        usage("reboot takes no operands");
    }
    let root = a.root();
    Host::with_locked(&root, |h| {
        // Under the state lock, so no sim command runs half before and half after.
        h.reboot();
        netzone_sim::state::empty_volatile(&root)
    })
    .unwrap_or_else(|e| fail(e))
    .unwrap_or_else(|e| fail(e));
}

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let a = parse(&argv);
    match a.words.first().map(String::as_str) {
        Some("init") => init(&a),
        Some("state") => state(&a),
        Some("dlmgmtd") => dlmgmtd(&a),
        Some("nictag") => nictag(&a),
        Some("fault") => fault(&a),
        Some("log") => log(&a),
        Some("route") => route(&a),
        Some("reboot") => reboot(&a),
        Some("zone-unreadable") => zone_unreadable(&a),
        Some("hold") => hold(&a),
        Some(other) => usage(&format!("unknown command '{other}'")),
        None => usage(""),
    }
}
