//! `netzone`: the operator's command. Each subcommand lives in its own module; this file only
//! parses arguments and dispatches. Exit status: 0 success, 1 failure, 2 usage error.

mod brand;
mod check;
mod json;
mod lifecycle;
mod live;
mod ops;
mod status;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// Options every subcommand shares.
#[derive(Args, Debug, Clone)]
pub struct GlobalOpts {
    /// Alternate root: zone configurations are read from ROOT/etc/zones and netzone's state is
    /// kept under ROOT/etc/svc/volatile/netzone.
    #[arg(
        short = 'R',
        long = "root",
        env = "NETZONE_ROOT",
        default_value = "/",
        global = true
    )]
    pub root: PathBuf,
    /// dladm to run.
    #[arg(
        long,
        env = "NETZONE_DLADM",
        default_value = "/usr/sbin/dladm",
        hide = true,
        global = true
    )]
    pub dladm: PathBuf,
    /// zoneadm to run.
    #[arg(
        long,
        env = "NETZONE_ZONEADM",
        default_value = "/usr/sbin/zoneadm",
        hide = true,
        global = true
    )]
    pub zoneadm: PathBuf,
    /// zonecfg to run.
    #[arg(
        long,
        env = "NETZONE_ZONECFG",
        default_value = "/usr/sbin/zonecfg",
        hide = true,
        global = true
    )]
    pub zonecfg: PathBuf,
    /// route to run (`route -n get ADDR` for global-nic="auto").
    #[arg(
        long,
        env = "NETZONE_ROUTE",
        default_value = "/usr/sbin/route",
        hide = true,
        global = true
    )]
    pub route: PathBuf,
    /// dladm flavour: joyent (rename-link -z) or gate (upstream, OmniOS, Helios); probed if unset.
    #[arg(long, env = "NETZONE_FLAVOUR", global = true)]
    pub flavour: Option<String>,
    /// Print each change to stderr as well as syslog.
    #[arg(short = 'v', long, global = true)]
    pub verbose: bool,
}

#[derive(Parser, Debug)]
#[command(
    name = "netzone",
    version,
    about = "Transient datalinks for illumos zones"
)]
struct Cli {
    #[command(flatten)]
    global: GlobalOpts,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Validate zone network configurations.
    Check(check::CheckArgs),
    /// Print the steps `up` would run.
    Plan(lifecycle::ZoneArgs),
    /// Create the zone's links and give them to the zone.
    Up(lifecycle::ZoneArgs),
    /// Remove the zone's netzone links.
    Down(lifecycle::ZoneArgs),
    /// Free links held by a zone stuck `down`, then halt it.
    Recover(ops::RecoverArgs),
    /// Show every link netzone knows of or finds.
    Show(ops::ShowArgs),
    /// Remove orphaned netzone links.
    Gc(ops::GcArgs),
    /// Whether this host can serve netzone's hooks now (exit 0 or 1).
    Status(status::StatusArgs),
    /// Brands that run netzone's hooks: derive one, print one, or overlay one at boot (SmartOS).
    #[command(subcommand)]
    Brand(brand::BrandCmd),
}

/// Refuses a root without a zone index: every illumos root has one (it lists at least the global
/// zone), so its absence means `-R`/`NETZONE_ROOT` points somewhere else, where netzone would
/// read nothing and mistake every link for the operator's. Nothing is read or written there.
pub fn require_index(g: &GlobalOpts) -> anyhow::Result<()> {
    let index = netzone::zoneindex::index_path(&g.root);
    if index.exists() {
        return Ok(());
    }
    Err(json::coded(
        netzone::error::ErrorKind::NotFound,
        format!(
            "{} has no zone index ({} does not exist): not an illumos root with zones; set -R or \
             NETZONE_ROOT to one. Nothing was read or changed",
            g.root.display(),
            index.display()
        ),
    ))
}

/// Prints a failure: `netzone: MESSAGE` on stderr, and under `--json` also the error document
/// on stdout ([`json::error_document`]).
fn fail(e: &anyhow::Error, as_json: bool) -> ExitCode {
    if as_json {
        println!("{}", json::error_document(e));
    }
    eprintln!("netzone: {}", netzone::output::error_text(e.as_ref()));
    ExitCode::from(1)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let g = &cli.global;
    let as_json = match &cli.cmd {
        Cmd::Plan(a) | Cmd::Up(a) | Cmd::Down(a) => a.json,
        Cmd::Show(a) => a.json,
        Cmd::Status(a) => a.json,
        Cmd::Gc(a) => a.json,
        Cmd::Recover(a) => a.json,
        _ => false,
    };
    if !matches!(cli.cmd, Cmd::Check(_)) {
        if let Err(e) = require_index(g) {
            return fail(&e, as_json);
        }
    }
    // Teardown finishes its steps even when interrupted (see netzone::signals).
    let teardown = matches!(cli.cmd, Cmd::Down(_) | Cmd::Recover(_) | Cmd::Gc(_));
    let deferred = teardown.then(netzone::signals::defer);
    let res = match cli.cmd {
        Cmd::Check(a) => check::run(g, a),
        Cmd::Plan(a) => lifecycle::plan(g, a),
        Cmd::Up(a) => lifecycle::up(g, a),
        Cmd::Down(a) => lifecycle::down(g, a),
        Cmd::Recover(a) => ops::recover(g, a),
        Cmd::Show(a) => ops::show(g, a),
        Cmd::Gc(a) => ops::gc(g, a),
        Cmd::Status(a) => status::run(g, a),
        Cmd::Brand(c) => brand::run(g, c),
    };
    let code = match res {
        Ok(code) => code,
        Err(e) => fail(&e, as_json),
    };
    match deferred.and_then(netzone::signals::Deferred::finish) {
        Some(sig) => {
            eprintln!(
                "netzone: {} received: stopped after finishing the teardown",
                netzone::signals::name(sig)
            );
            ExitCode::from(128u8.saturating_add(u8::try_from(sig).unwrap_or(0)))
        }
        None => code,
    }
}
