//! `sim-dladm`: the dladm command line (`usr/src/cmd/dladm/dladm.c`) over the simulated
//! datalink table, in the illumos-gate or illumos-joyent flavour.
//!
//! Output conventions (dladm.c `die`, `die_dlerr`, `warn`, `usage`, `die_opterr`,
//! `die_optdup`): errors go to stderr as `<progname>: <msg>` or `<progname>: <msg>:
//! <status>`, warnings as `<progname>: warning: <msg>`, and every failure exits 1.
//! progname is `argv[0]` as typed in illumos-joyent (`progname = argv[0]`) and `dladm` in
//! current illumos-gate (`basename`); the sim stands in for `dladm`, so a basename of
//! `sim-dladm` is shown as `dladm` (joyent keeps the directory part).

pub mod cmds;
pub mod getopt;
pub mod ofmt;
pub mod props;

use std::path::Path;

use crate::dls::DlStatus;
use crate::fault::{self, Action, When};
use crate::state::{Flavour, Host, ZoneState, GLOBAL};

/// How a command ended: exit status 1 after the message was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exit(pub i32);

pub type CmdResult = Result<(), Exit>;

/// A subcommand implementation: context, the subcommand's argv, its usage text.
pub type CmdFn = fn(&mut Ctx, &[String], &str) -> CmdResult;

/// One dladm run's context: the state, the caller's zone and the buffered output.
pub struct Ctx<'a> {
    pub host: &'a mut Host,
    pub flavour: Flavour,
    /// Zone the command runs in (`ILLUMOS_SIM_ZONE`, default the global zone).
    pub caller: String,
    pub progname: String,
    pub out: String,
    pub err: String,
}

impl Ctx<'_> {
    pub fn joyent(&self) -> bool {
        self.flavour == Flavour::Joyent
    }

    /// dladm.c `die`.
    pub fn die(&mut self, msg: &str) -> Exit {
        self.err.push_str(&format!("{}: {}\n", self.progname, msg));
        Exit(1)
    }

    /// dladm.c `die_dlerr`.
    pub fn die_dlerr(&mut self, st: DlStatus, msg: &str) -> Exit {
        self.err
            .push_str(&format!("{}: {}: {}\n", self.progname, msg, st.as_str()));
        Exit(1)
    }

    /// dladm.c `warn`.
    pub fn warn(&mut self, msg: &str) {
        self.err
            .push_str(&format!("{}: warning: {}\n", self.progname, msg));
    }

    /// dladm.c `warn_dlerr`.
    pub fn warn_dlerr(&mut self, st: DlStatus, msg: &str) {
        self.err.push_str(&format!(
            "{}: warning: {}: {}\n",
            self.progname,
            msg,
            st.as_str()
        ));
    }

    /// dladm.c `die_optdup`.
    pub fn die_optdup(&mut self, c: char) -> Exit {
        self.die(&format!(
            "the option -{c} cannot be specified more than once"
        ))
    }

    /// dladm.c `die_opterr`: `:` is a missing value, anything else an unknown option.
    pub fn die_opterr(&mut self, e: getopt::OptError, usage: &str) -> Exit {
        if e.ret == ':' {
            self.die(&format!(
                "option '-{}' requires a value\nusage: {}",
                e.optopt, usage
            ))
        } else {
            self.die(&format!(
                "unrecognized option '-{}'\nusage: {}",
                e.optopt, usage
            ))
        }
    }

    /// dladm.c `usage`: the whole usage text, exit 1.
    pub fn usage(&mut self) -> Exit {
        self.usage_text();
        Exit(1)
    }

    /// dladm.c `usage_text` (gate) / the body of `usage` (joyent).
    pub fn usage_text(&mut self) {
        self.err.push_str("usage:  dladm <subcommand> <args> ...\n");
        for c in commands(self.flavour) {
            if let Some(u) = c.usage {
                self.err.push_str(u);
                self.err.push('\n');
            }
        }
    }

    /// `dladm_zname2info` (libdlmgmt.c): look `name` up in `zonename`'s namespace; an unknown
    /// zone name makes `getzoneidbyname` return -1, which dlmgmtd treats as "the caller's
    /// zone". Without a zone, the caller's namespace (`dladm_name2info`).
    pub fn zname2info(&self, zonename: Option<&str>, name: &str) -> Result<u32, DlStatus> {
        let ns = self.namespace(zonename);
        self.host.lookup(&ns, name).map(|l| l.id)
    }

    /// The namespace a `-z` argument selects.
    pub fn namespace(&self, zonename: Option<&str>) -> String {
        match zonename {
            Some(z) if self.caller == GLOBAL => {
                if z == GLOBAL || self.host.zone(z).is_some() {
                    z.to_string()
                } else {
                    self.caller.clone()
                }
            }
            _ => self.caller.clone(),
        }
    }
}

/// A dladm subcommand: name, usage text (`cmds[]` in dladm.c) and implementation.
pub struct Command {
    pub name: &'static str,
    pub usage: Option<&'static str>,
    pub run: Option<CmdFn>,
}

/// `cmds[]` of illumos-joyent dladm.c (smokris/illumos-joyent @8f8c94ab). Only the
/// subcommands with `run` are modelled; the others exist for `usage()` and fail with a
/// clear message.
const JOYENT: &[(&str, Option<&str>)] = &[
    ("rename-link", Some("    rename-link      [-z zonename] <oldlink> <newlink>")),
    ("show-link", Some("    show-link        [-pP] [-o <field>,..] [-s [-i <interval>]] [<link>]\n")),
    ("create-aggr", Some("    create-aggr      [-t] [-P <policy>] [-L <mode>] [-T <time>] [-u <address>]\n\t\t     -l <link> [-l <link>...] <link>")),
    ("delete-aggr", Some("    delete-aggr      [-t] <link>")),
    ("add-aggr", Some("    add-aggr         [-t] -l <link> [-l <link>...] <link>")),
    ("remove-aggr", Some("    remove-aggr      [-t] -l <link> [-l <link>...] <link>")),
    ("modify-aggr", Some("    modify-aggr      [-t] [-P <policy>] [-L <mode>] [-T <time>] [-u <address>]\n\t\t     <link>")),
    ("show-aggr", Some("    show-aggr        [-pPLx] [-o <field>,..] [-s [-i <interval>]] [<link>]\n")),
    ("up-aggr", None),
    ("scan-wifi", Some("    scan-wifi        [-p] [-o <field>,...] [<link>]")),
    ("connect-wifi", Some("    connect-wifi     [-e <essid>] [-i <bssid>] [-k <key>,...] [-s wep|wpa]\n\t\t     [-a open|shared] [-b bss|ibss] [-c] [-m a|b|g] [-T <time>]\n\t\t     [<link>]")),
    ("disconnect-wifi", Some("    disconnect-wifi  [-a] [<link>]")),
    ("show-wifi", Some("    show-wifi        [-p] [-o <field>,...] [<link>]\n")),
    ("set-linkprop", Some("    set-linkprop     [-t] [-z zonename] -p <prop>=<value>[,...] <name>")),
    ("reset-linkprop", Some("    reset-linkprop   [-t] [-z zonename] [-p <prop>,...] <name>")),
    ("show-linkprop", Some("    show-linkprop    [-cP] [-o <field>,...] [-z zonename] [-p <prop>,...] <name>\n")),
    ("show-ether", Some("    show-ether       [-px][-o <field>,...] <link>\n")),
    ("create-secobj", Some("    create-secobj    [-t] [-f <file>] -c <class> <secobj>")),
    ("delete-secobj", Some("    delete-secobj    [-t] <secobj>[,...]")),
    ("show-secobj", Some("    show-secobj      [-pP] [-o <field>,...] [<secobj>,...]\n")),
    ("init-linkprop", None),
    ("init-secobj", None),
    ("create-vlan", Some("    create-vlan      [-ft] -l <link> -v <vid> [link]")),
    ("delete-vlan", Some("    delete-vlan      [-t] <link>")),
    ("show-vlan", Some("    show-vlan        [-pP] [-o <field>,..] [<link>]\n")),
    ("up-vlan", None),
    ("create-iptun", Some("    create-iptun     [-t] -T <type> [-a {local|remote}=<addr>,...] <link>]")),
    ("delete-iptun", Some("    delete-iptun     [-t] <link>")),
    ("modify-iptun", Some("    modify-iptun     [-t] -a {local|remote}=<addr>,... <link>")),
    ("show-iptun", Some("    show-iptun       [-pP] [-o <field>,..] [<link>]\n")),
    ("up-iptun", None),
    ("down-iptun", None),
    ("delete-phys", Some("    delete-phys      <link>")),
    ("show-phys", Some("    show-phys        [-m | -H | -P] [[-p] [-o <field>[,...]] [<link>]\n")),
    ("init-phys", None),
    ("show-linkmap", None),
    ("create-vnic", Some("    create-vnic      [-t] -l <link> [-m <value> | auto |\n\t\t     {factory [-n <slot-id>]} | {random [-r <prefix>]} |\n\t\t     {vrrp -V <vrid> -A {inet | inet6}} [-v <vid> [-f]]\n\t\t     [-p <prop>=<value>[,...]] <vnic-link>")),
    ("delete-vnic", Some("    delete-vnic      [-t] [-z zonename] <vnic-link>")),
    ("show-vnic", Some("    show-vnic        [-pP] [-l <link>] [-z zonename] [-s [-i <interval>]] [<link>]\n")),
    ("up-vnic", None),
    ("create-part", Some("    create-part      [-t] [-f] -l <link> [-P <pkey>]\n\t\t     [-R <root-dir>] <part-link>")),
    ("delete-part", Some("    delete-part      [-t] [-R <root-dir>] <part-link>")),
    ("show-part", Some("    show-part        [-pP] [-o <field>,...][-l <linkover>]\n\t\t     [<part-link>]")),
    ("show-ib", Some("    show-ib          [-p] [-o <field>,...] [<link>]\n")),
    ("up-part", None),
    ("create-etherstub", Some("    create-etherstub [-t] <link>")),
    ("delete-etherstub", Some("    delete-etherstub [-t] <link>")),
    ("show-etherstub", Some("    show-etherstub   [-t] [<link>]\n")),
    ("create-simnet", None),
    ("modify-simnet", None),
    ("delete-simnet", None),
    ("show-simnet", None),
    ("up-simnet", None),
    ("create-bridge", Some("    create-bridge    [-R <root-dir>] [-P <protect>] [-p <priority>]\n\t\t     [-m <max-age>] [-h <hello-time>] [-d <forward-delay>]\n\t\t     [-f <force-protocol>] [-l <link>]... <bridge>")),
    ("modify-bridge", Some("    modify-bridge    [-R <root-dir>] [-P <protect>] [-p <priority>]\n\t\t     [-m <max-age>] [-h <hello-time>] [-d <forward-delay>]\n\t\t     [-f <force-protocol>] <bridge>")),
    ("delete-bridge", Some("    delete-bridge    [-R <root-dir>] <bridge>")),
    ("add-bridge", Some("    add-bridge       [-R <root-dir>] -l <link> [-l <link>]... <bridge>")),
    ("remove-bridge", Some("    remove-bridge    [-R <root-dir>] -l <link> [-l <link>]... <bridge>")),
    ("show-bridge", Some("    show-bridge      [-p] [-o <field>,...] [-s [-i <interval>]] [<bridge>]\n    show-bridge      -l [-p] [-o <field>,...] [-s [-i <interval>]] <bridge>\n    show-bridge      -f [-p] [-o <field>,...] [-s [-i <interval>]] <bridge>\n    show-bridge      -t [-p] [-o <field>,...] [-s [-i <interval>]] <bridge>\n")),
    ("create-overlay", Some("    create-overlay   [-t] [-d <dcid>] -e <encap> -s <search> -v <vnetid>\n\t\t     [ -p <prop>=<value>[,...]] <overlay>")),
    ("delete-overlay", Some("    delete-overlay   <overlay>")),
    ("modify-overlay", Some("    modify-overlay   -d [dcid/]mac | -f | -s [dcid/]mac=ip:port  | -p prop=value[,...] <overlay>")),
    ("show-overlay", Some("    show-overlay     [-f | -t] [[-p] -o <field>,...] [<overlay>]\n")),
    ("show-usage", Some("    show-usage       [-a] [-d | -F <format>] [-s <DD/MM/YYYY,HH:MM:SS>]\n\t\t     [-e <DD/MM/YYYY,HH:MM:SS>] -f <logfile> [<link>]")),
];

/// illumos-gate usage lines that differ (no `-z`; dladm.8 / gate dladm.c `cmds[]`).
fn gate_usage(name: &str) -> Option<&'static str> {
    Some(match name {
        "rename-link" => "    rename-link      <oldlink> <newlink>",
        "set-linkprop" => "    set-linkprop     [-t] -p <prop>=<value>[,...] <name>",
        "reset-linkprop" => "    reset-linkprop   [-t] [-p <prop>,...] <name>",
        "show-linkprop" => "    show-linkprop    [-cP] [-o <field>,...] [-p <prop>,...] <name>\n",
        "delete-vnic" => "    delete-vnic      [-t] <vnic-link>",
        "show-vnic" => "    show-vnic        [-pP] [-l <link>] [-s [-i <interval>]] [<link>]\n",
        _ => return None,
    })
}

fn runner(name: &str) -> Option<CmdFn> {
    Some(match name {
        "create-vnic" => cmds::create_vnic,
        "delete-vnic" => cmds::delete_vnic,
        "rename-link" => cmds::rename_link,
        "show-link" => cmds::show_link,
        "show-vnic" => cmds::show_vnic,
        "show-phys" => cmds::show_phys,
        "show-etherstub" => cmds::show_etherstub,
        "create-etherstub" => cmds::create_etherstub,
        "delete-etherstub" => cmds::delete_etherstub,
        "set-linkprop" => cmds::set_linkprop,
        "reset-linkprop" => cmds::reset_linkprop,
        "show-linkprop" => cmds::show_linkprop,
        _ => return None,
    })
}

/// The subcommand table of a flavour.
pub fn commands(flavour: Flavour) -> Vec<Command> {
    JOYENT
        .iter()
        .map(|(name, usage)| Command {
            name,
            usage: match flavour {
                Flavour::Gate => gate_usage(name).or(*usage),
                Flavour::Joyent => *usage,
            },
            run: runner(name),
        })
        .collect()
}

/// progname as dladm prints it (see the module comment).
pub fn progname(argv0: &str, flavour: Flavour) -> String {
    let (dir, base) = match argv0.rfind('/') {
        Some(i) => (&argv0[..=i], &argv0[i + 1..]),
        None => ("", argv0),
    };
    let base = if base == "sim-dladm" { "dladm" } else { base };
    match flavour {
        Flavour::Joyent => format!("{dir}{base}"),
        Flavour::Gate => base.to_string(),
    }
}

/// Runs one dladm command line against `host` (already locked). `argv[0]` is the program.
pub fn run(host: &mut Host, caller: &str, argv: &[String]) -> (String, String, i32) {
    let flavour = host.flavour();
    let mut ctx = Ctx {
        host,
        flavour,
        caller: caller.to_string(),
        progname: progname(argv.first().map(String::as_str).unwrap_or("dladm"), flavour),
        out: String::new(),
        err: String::new(),
    };
    let code = match dispatch(&mut ctx, argv) {
        Ok(()) => 0,
        Err(Exit(c)) => c,
    };
    (ctx.out, ctx.err, code)
}

fn dispatch(ctx: &mut Ctx, argv: &[String]) -> CmdResult {
    if argv.len() < 2 {
        // Current illumos-gate runs show-link without a subcommand; illumos-joyent's
        // main() prints the usage (dladm.c main: `if (argc < 2) usage();`).
        if ctx.flavour == Flavour::Gate {
            let args = vec!["show-link".to_string()];
            return cmds::show_link(ctx, &args, "");
        }
        return Err(ctx.usage());
    }
    let sub = argv[1].as_str();
    if sub == "help" && ctx.flavour == Flavour::Gate {
        // Current gate dladm.c `do_help`: the usage text, exit 0.
        ctx.usage_text();
        return Ok(());
    }
    let table = commands(ctx.flavour);
    let Some(cmd) = table.iter().find(|c| c.name == sub) else {
        let msg = format!("{}: unknown subcommand '{}'\n", ctx.progname, sub);
        ctx.err.push_str(&msg);
        return Err(ctx.usage());
    };
    match cmd.run {
        Some(f) => f(ctx, &argv[1..], cmd.usage.unwrap_or("")),
        None => Err(ctx.die(&format!(
            "subcommand '{sub}' is not modelled by the illumos simulator"
        ))),
    }
}

/// The whole of `sim-dladm`: log, latency, lock, fault points, run, print. Returns the exit
/// status (the crash fault never returns).
pub fn main_with(argv: Vec<String>) -> i32 {
    let Some(root) = crate::common::root_from_env() else {
        eprintln!(
            "sim-dladm: {} is not set (the simulated root)",
            crate::common::ROOT_ENV
        );
        return 1;
    };
    main_in(&root, argv)
}

fn main_in(root: &Path, argv: Vec<String>) -> i32 {
    crate::common::startup(root, &argv);
    let sub = argv.get(1).cloned().unwrap_or_default();
    let caller = std::env::var(crate::common::ZONE_ENV)
        .ok()
        .filter(|z| !z.is_empty())
        .unwrap_or_else(|| GLOBAL.to_string());
    let res = Host::with_locked(root, |host| {
        if let Some(a) = fault::check(host, &sub, When::Before) {
            if a == Action::Reboot {
                host.reboot();
            }
            return (String::new(), String::new(), 1, Some((a, When::Before)));
        }
        if caller != GLOBAL {
            let ok = host
                .zone(&caller)
                .is_some_and(|z| matches!(z.state, ZoneState::Running | ZoneState::Ready));
            if !ok {
                return (
                    String::new(),
                    format!(
                        "sim-dladm: zone '{caller}' is not running ({})\n",
                        crate::common::ZONE_ENV
                    ),
                    1,
                    None,
                );
            }
        }
        let (out, err, code) = run(host, &caller, &argv);
        let after = fault::check(host, &sub, When::After).map(|a| (a, When::After));
        if matches!(after, Some((Action::Reboot, _))) {
            host.reboot();
        }
        (out, err, code, after)
    });
    let (out, err, code, fault) = match res {
        Ok(r) => r,
        Err(e) => {
            eprintln!("sim-dladm: {e}");
            return 1;
        }
    };
    print!("{out}");
    eprint!("{err}");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    match fault {
        None => code,
        Some((Action::Crash, _)) => fault::crash(),
        Some((Action::Reboot, _)) => fault::reboot_finish(root),
        Some((Action::Fail, w)) => {
            let flavour = Host::load(root).map(|h| h.flavour()).unwrap_or_default();
            eprintln!(
                "{}: {}: injected failure ({}) from illumos-sim",
                progname(argv.first().map(String::as_str).unwrap_or("dladm"), flavour),
                sub,
                w.as_str()
            );
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progname_follows_the_flavour() {
        assert_eq!(
            progname("/usr/sbin/sim-dladm", Flavour::Joyent),
            "/usr/sbin/dladm"
        );
        assert_eq!(progname("sim-dladm", Flavour::Joyent), "dladm");
        assert_eq!(progname("/x/dladm", Flavour::Joyent), "/x/dladm");
        assert_eq!(progname("/usr/sbin/sim-dladm", Flavour::Gate), "dladm");
    }

    #[test]
    fn gate_usage_has_no_z() {
        for c in commands(Flavour::Gate) {
            if let Some(u) = c.usage {
                assert!(!u.contains("-z zonename"), "{}", c.name);
            }
        }
        let j = commands(Flavour::Joyent);
        assert!(
            j.iter()
                .filter(|c| c.usage.is_some_and(|u| u.contains("-z zonename")))
                .count()
                >= 6
        );
        assert_eq!(j.iter().filter(|c| c.run.is_some()).count(), 12);
    }
}
