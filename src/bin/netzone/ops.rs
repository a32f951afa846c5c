//! `netzone recover|show|gc`: the operator's tools. OWNER: operator-tools issue (#5).
//!
//! Output goes to stdout, one sentence a line, so it reads as a record of what happened; errors
//! go to stderr prefixed `netzone: `. Every change is also logged to syslog (daemon.notice), and
//! to stderr with `-v`.

use std::process::ExitCode;

use anyhow::Context;
use netzone::flavour::{self, Flavour, FlavourError};
use netzone::host::{Host, Tool};
use netzone::output::OutputSpec;
use netzone::recover::{self, RecoverError};
use netzone::zoneadm::{self, State};
use netzone::zonename::ZoneName;
use netzone::{gc as gcmod, show as showmod, syslog};

use crate::GlobalOpts;

#[derive(clap::Args, Debug)]
pub struct RecoverArgs {
    /// Recover every zone in state down.
    #[arg(long)]
    pub all: bool,
    /// Do not re-run the halt afterwards.
    #[arg(long)]
    pub no_halt: bool,
    /// Recover even if the zone is not down.
    #[arg(long)]
    pub force: bool,
    /// Print what would be done.
    #[arg(long)]
    pub dry_run: bool,
    /// Zones to recover.
    #[arg(value_name = "ZONE")]
    pub zones: Vec<String>,
}

#[derive(clap::Args, Debug)]
pub struct ShowArgs {
    /// Parseable output (dladm convention); needs -o.
    #[arg(short = 'p', long = "parsable", alias = "parseable")]
    pub parsable: bool,
    /// Fields to print, comma-separated, case-insensitive: LINK, ZONE, OVER, MACADDRESS, VID,
    /// OWNER, STATE.
    #[arg(short = 'o', long = "output", value_name = "FIELD,...")]
    pub output: Option<String>,
    /// JSON output.
    #[arg(long)]
    pub json: bool,
    /// Only orphans; exit 1 if any exist.
    #[arg(long)]
    pub orphans: bool,
    /// Only rows whose STATE is not ok (orphan, stuck, missing, unknown); exit 1 if any exist.
    #[arg(long, conflicts_with = "orphans")]
    pub problems: bool,
    /// Only this zone's links.
    pub zone: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct GcArgs {
    /// Print what would be removed.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the result as JSON (each zone's removal plan with argv arrays) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Exit status of a usage error, as clap's own.
const USAGE: u8 = 2;

/// One Host builder for every command: NETZONE_TIMEOUT bounds show, gc and recover too.
fn host(g: &GlobalOpts) -> Host {
    crate::lifecycle::host(g)
}

/// The dladm flavour; a probe that fails because dlmgmtd is down says so.
pub fn resolve_flavour(host: &Host, g: &GlobalOpts) -> Result<Flavour, anyhow::Error> {
    flavour::resolve(host, g.flavour.as_deref()).map_err(|e| match e {
        FlavourError::Probe(h) if recover::is_dlmgmtd_down(&h) => {
            RecoverError::DlmgmtdDown(h.to_string()).into()
        }
        other => other.into(),
    })
}

/// An error and its causes on one line, each cause said once.
pub fn one_line(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in e.chain() {
        let t = c.to_string();
        if !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
    }
    parts.join(": ")
}

/// Records one change: syslog always, stderr with `-v`.
fn change_logger(g: &GlobalOpts) -> impl FnMut(&str) + '_ {
    move |line: &str| {
        syslog::log(syslog::Level::Notice, line);
        if g.verbose {
            eprintln!("netzone: {line}");
        }
    }
}

fn parse_zone(s: &str) -> anyhow::Result<ZoneName> {
    ZoneName::new(s).with_context(|| format!("zone '{s}': invalid zone name"))
}

pub fn recover(g: &GlobalOpts, a: RecoverArgs) -> anyhow::Result<ExitCode> {
    if a.all != a.zones.is_empty() {
        eprintln!(
            "netzone recover: name the zones to recover, or give --all, not both\n\
             usage: netzone recover [--no-halt] [--force] [--dry-run] ZONE... | --all"
        );
        return Ok(ExitCode::from(USAGE));
    }
    let names = a
        .zones
        .iter()
        .map(|z| parse_zone(z))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let host = host(g);
    let zones = zoneadm::list(&host)?;
    let state_of = |z: &ZoneName| zones.iter().find(|e| e.name == z.as_str()).map(|e| e.state);
    // Check every named zone before touching any, so a typo changes nothing.
    let mut bad = false;
    for z in &names {
        match state_of(z) {
            None => {
                eprintln!("netzone: zone '{z}': no such zone configured");
                bad = true;
            }
            Some(State::Down) => {}
            Some(s) if a.force => {
                let _ = s;
            }
            Some(s) => {
                eprintln!(
                    "netzone: zone '{z}': zone is {}, not down: refusing to take its links \
                     (use --force to reclaim them anyway)",
                    zoneadm::state_name(s)
                );
                bad = true;
            }
        }
    }
    if bad {
        eprintln!("netzone: nothing was changed");
        return Ok(ExitCode::from(1));
    }
    let targets: Vec<ZoneName> = if a.all {
        zones
            .iter()
            .filter(|e| e.state == State::Down)
            .filter_map(|e| ZoneName::new(&e.name).ok())
            .collect()
    } else {
        names
    };
    // dlmgmtd must answer before anything is changed: links cannot be moved without it.
    let flavour = resolve_flavour(&host, g)?;
    recover::observe_links(&host, flavour, None)?;
    if targets.is_empty() {
        println!("no zone is down: nothing to recover");
        return Ok(ExitCode::SUCCESS);
    }
    let mut log = change_logger(g);
    let mut failed = false;
    for z in &targets {
        let st = state_of(z).unwrap_or(State::Down);
        if !recover_one(&host, flavour, z, st, &a, &mut log) {
            failed = true;
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `--force` on a running zone. Its links are in use (IP plumbed): moving one out fails "link
/// busy" (dls_link_setzid) after joyent's rename to the temporary name has already succeeded,
/// which would leave the running zone with a link under that name. So nothing is freed while
/// it runs: the zone is halted first, and its halt's teardown frees the links; only a zone
/// left `down` by that halt goes on to the usual reclaim.
fn recover_running(
    host: &Host,
    flavour: Flavour,
    z: &ZoneName,
    a: &RecoverArgs,
    log: &mut dyn FnMut(&str),
) -> bool {
    let argv = zoneadm::halt_command(z);
    if a.no_halt {
        eprintln!(
            "netzone: zone '{z}': the zone is running and its links are in use; they can be \
             freed only by halting it (drop --no-halt, or run zoneadm -z {z} halt)"
        );
        return false;
    }
    println!("zone '{z}' is running: its links are in use, so it is halted first and its halt frees them");
    if a.dry_run {
        println!("  would run: zoneadm {}", argv.join(" "));
        return true;
    }
    println!("  halting: zoneadm {}", argv.join(" "));
    let halted = host.run_checked(Tool::Zoneadm, &argv);
    if halted.is_ok() {
        log(&format!("zone '{z}': halted by netzone recover"));
    }
    match zoneadm::list(host) {
        Ok(list) => match list.iter().find(|e| e.name == z.as_str()).map(|e| e.state) {
            Some(State::Down) => recover_one(host, flavour, z, State::Down, a, log),
            Some(s) => {
                println!("zone '{z}' is now {}", zoneadm::state_name(s));
                if let Err(e) = halted {
                    eprintln!("netzone: zone '{z}': halt failed: {e}");
                    return false;
                }
                true
            }
            None => {
                println!("zone '{z}' is no longer configured");
                true
            }
        },
        Err(e) => {
            eprintln!("netzone: zone '{z}': {e}");
            false
        }
    }
}

/// Recovers one zone; prints what happens. False if anything failed.
fn recover_one(
    host: &Host,
    flavour: Flavour,
    z: &ZoneName,
    st: State,
    a: &RecoverArgs,
    log: &mut dyn FnMut(&str),
) -> bool {
    if st == State::Running {
        return recover_running(host, flavour, z, a, log);
    }
    println!(
        "zone '{z}' is {}: {} its links",
        zoneadm::state_name(st),
        if a.dry_run { "would free" } else { "freeing" }
    );
    let mut ok = true;
    let res = recover::reclaim(host, flavour, z, a.dry_run, log);
    if let Ok(r) = &res {
        for n in &r.plan.not_ours {
            eprintln!("netzone: {n}");
        }
    }
    match res {
        Ok(r) if a.dry_run => {
            for line in recover::describe(&r.plan) {
                println!("  {line}");
            }
            if r.plan.is_noop() && r.plan.blocked.is_empty() {
                println!("  no link to free");
            }
        }
        Ok(r) => {
            for line in &r.done {
                println!("  {line}");
            }
            if r.done.is_empty() {
                println!("  no link to free");
            }
        }
        Err(e) => {
            if let RecoverError::Incomplete { done, .. } = &e {
                for line in done {
                    println!("  {line}");
                }
            }
            eprintln!("netzone: {e}");
            ok = false;
        }
    }
    let halt = !a.no_halt
        && matches!(
            st,
            State::Down | State::Ready | State::Running | State::ShuttingDown
        );
    if !halt {
        return ok;
    }
    let argv = zoneadm::halt_command(z);
    if a.dry_run {
        println!("  would run: zoneadm {}", argv.join(" "));
        return ok;
    }
    if !ok {
        println!("  not halting zone '{z}': its links are not all free");
        return false;
    }
    println!("  halting: zoneadm {}", argv.join(" "));
    if let Err(e) = host.run_checked(Tool::Zoneadm, &argv) {
        eprintln!("netzone: zone '{z}': halt failed: {e}");
        ok = false;
    } else {
        log(&format!("zone '{z}': halted by netzone recover"));
    }
    match zoneadm::list(host) {
        Ok(list) => match list.iter().find(|e| e.name == z.as_str()) {
            Some(e) => {
                println!("zone '{z}' is now {}", zoneadm::state_name(e.state));
                if e.state == State::Down {
                    ok = false;
                }
            }
            None => println!("zone '{z}' is no longer configured"),
        },
        Err(e) => {
            eprintln!("netzone: zone '{z}': {e}");
            ok = false;
        }
    }
    ok
}

pub fn show(g: &GlobalOpts, a: ShowArgs) -> anyhow::Result<ExitCode> {
    let spec = OutputSpec::new(showmod::COLUMNS, a.parsable, a.output.as_deref(), a.json)?;
    let zone = a.zone.as_deref().map(parse_zone).transpose()?;
    let host = host(g);
    let flavour = resolve_flavour(&host, g)?;
    let inv = showmod::gather(&host, flavour)?;
    for w in &inv.warnings {
        eprintln!("netzone: warning: {w}");
    }
    if let Some(z) = &zone {
        let known = inv.zones.iter().any(|e| e.name == z.as_str())
            || inv.journals.iter().any(|j| &j.zone == z)
            || inv.is_managed(z)
            || inv.managed_links.iter().any(|m| &m.zone == z);
        if !known {
            return Err(crate::json::coded(
                netzone::error::ErrorKind::NotFound,
                format!("zone '{z}': no such zone configured"),
            ));
        }
    }
    let rows: Vec<_> = showmod::classify(&inv)
        .into_iter()
        .filter(|r| zone.is_none() || r.zone == zone)
        .filter(|r| !a.orphans || r.state == showmod::RowState::Orphan)
        .filter(|r| !a.problems || r.state != showmod::RowState::Ok)
        .collect();
    if a.json {
        // The rows as netzone.8 describes them, under a versioned document.
        let links: serde_json::Value =
            serde_json::from_str(&showmod::render(&spec, &rows)).context("show's JSON rows")?;
        println!(
            "{}",
            crate::json::document(&serde_json::json!({ "links": links }))
        );
    } else {
        print!("{}", showmod::render(&spec, &rows));
    }
    Ok(if (a.orphans || a.problems) && !rows.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

pub fn gc(g: &GlobalOpts, a: GcArgs) -> anyhow::Result<ExitCode> {
    let host = host(g);
    let flavour = resolve_flavour(&host, g)?;
    let mut log = change_logger(g);
    let r = gcmod::run(&host, flavour, a.dry_run, &mut log)?;
    for w in &r.warnings {
        eprintln!("netzone: warning: {w}");
    }
    if a.json {
        println!("{}", crate::json::document(&GcDoc::new(&r, a.dry_run)));
    } else {
        for l in &r.lines {
            println!("{l}");
        }
        if r.lines.is_empty() && r.failures.is_empty() {
            println!("no orphans");
        }
    }
    for f in &r.failures {
        eprintln!("netzone: gc: {f}");
    }
    Ok(if r.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `gc --json`: the removals made (dry: that would be made), each zone's removal plan with
/// its argv, the rows left alone, and what went wrong (netzone.8, JSON OUTPUT).
#[derive(serde::Serialize)]
struct GcDoc<'a> {
    dry_run: bool,
    removals: Vec<GcRemoval<'a>>,
    plans: &'a [netzone::plan::Plan],
    skipped: &'a [showmod::Row],
    warnings: &'a [String],
    failures: &'a [String],
}

/// One removal: the action's typed fields and the sentence the text output prints for it.
#[derive(serde::Serialize)]
struct GcRemoval<'a> {
    #[serde(flatten)]
    action: &'a gcmod::GcAction,
    message: String,
}

impl<'a> GcDoc<'a> {
    fn new(r: &'a gcmod::GcReport, dry_run: bool) -> Self {
        GcDoc {
            dry_run,
            removals: r
                .actions
                .iter()
                .map(|action| GcRemoval {
                    action,
                    message: action.describe(!dry_run),
                })
                .collect(),
            plans: &r.plans,
            skipped: &r.skipped,
            warnings: &r.warnings,
            failures: &r.failures,
        }
    }
}
