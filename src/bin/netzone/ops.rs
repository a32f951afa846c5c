//! `netzone recover|show|gc`: the operator's tools. OWNER: operator-tools issue (#5).
//!
//! Output goes to stdout, one sentence a line, so it reads as a record of what happened; errors
//! go to stderr prefixed `netzone: `. Every change is also logged to syslog (daemon.notice), and
//! to stderr with `-v`.

use std::process::ExitCode;

use anyhow::Context;
use netzone::apply::Done;
use netzone::error::ErrorKind;
use netzone::flavour::{self, Flavour, FlavourError};
use netzone::host::{Host, Tool};
use netzone::linkname::LinkName;
use netzone::output::OutputSpec;
use netzone::plan::Step;
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
    /// Print the result as JSON (per zone: the links freed and blocked, the halt) instead of
    /// text.
    #[arg(long)]
    pub json: bool,
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
             usage: netzone recover [--no-halt] [--force] [--dry-run] [--json] ZONE... | --all"
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
    let mut refusals: Vec<(ErrorKind, String)> = Vec::new();
    for z in &names {
        match state_of(z) {
            None => refusals.push((
                ErrorKind::NotFound,
                format!("zone '{z}': no such zone configured"),
            )),
            Some(State::Down) => {}
            Some(_) if a.force => {}
            Some(s) => refusals.push((
                ErrorKind::ZoneState,
                format!(
                    "zone '{z}': zone is {}, not down: refusing to take its links \
                     (use --force to reclaim them anyway)",
                    zoneadm::state_name(s)
                ),
            )),
        }
    }
    if let Some((kind, _)) = refusals.first() {
        let mut lines: Vec<String> = refusals.iter().map(|(_, m)| m.clone()).collect();
        lines.push("nothing was changed".into());
        return Err(crate::json::coded(*kind, lines.join("\nnetzone: ")));
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
    let out = Say { json: a.json };
    if targets.is_empty() {
        out.say("no zone is down: nothing to recover");
    }
    let mut log = change_logger(g);
    let mut records = Vec::new();
    for z in &targets {
        let st = state_of(z).unwrap_or(State::Down);
        let mut rec = ZoneRecovery::new(z, st);
        recover_one(&host, flavour, st, &a, &out, &mut rec, &mut log);
        records.push(rec);
    }
    if a.json {
        let doc = RecoverDoc {
            dry_run: a.dry_run,
            zones: &records,
        };
        println!("{}", crate::json::document(&doc));
    }
    Ok(if records.iter().all(|r| r.ok) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Prints the text report's lines; says nothing under `--json`, whose document is built from
/// the same facts ([`ZoneRecovery`]).
struct Say {
    json: bool,
}

impl Say {
    fn say(&self, line: impl AsRef<str>) {
        if !self.json {
            println!("{}", line.as_ref());
        }
    }
}

/// `recover --json`: `{"version":1,"dry_run":..,"zones":[..]}`, one [`ZoneRecovery`] a zone.
#[derive(serde::Serialize)]
struct RecoverDoc<'a> {
    dry_run: bool,
    zones: &'a [ZoneRecovery],
}

/// What `recover` did with one zone (dry: would do), as the text report says it.
#[derive(serde::Serialize)]
struct ZoneRecovery {
    /// The zone.
    zone: ZoneName,
    /// Its state when recover began.
    state: &'static str,
    /// `--force` on a running zone: halted first, its halt's teardown freeing the links.
    halted_first: bool,
    /// What the reclaim decided, in `plan --json`'s form (steps with argv and fallbacks,
    /// blocked links, records dropped); `null` when no reclaim ran.
    plan: Option<netzone::plan::Plan>,
    /// Each step carried out, with how it ended.
    freed: Vec<Freed>,
    /// The links left as they are, with why.
    blocked: Vec<Blocked>,
    /// Why the reclaim could not finish (also on stderr).
    error: Option<ErrorOut>,
    /// Each `zoneadm halt` run (dry: that would run), in order.
    halts: Vec<Halt>,
    /// Whether a halt ran and succeeded.
    halted: bool,
    /// The zone's state after the last halt; `null` when none ran or the zone is no longer
    /// configured.
    final_state: Option<&'static str>,
    /// False when anything failed (the exit status is then 1).
    ok: bool,
}

impl ZoneRecovery {
    fn new(zone: &ZoneName, st: State) -> Self {
        ZoneRecovery {
            zone: zone.clone(),
            state: zoneadm::state_name(st),
            halted_first: false,
            plan: None,
            freed: Vec::new(),
            blocked: Vec::new(),
            error: None,
            halts: Vec::new(),
            halted: false,
            final_state: None,
            ok: true,
        }
    }

    /// Records and prints (stderr) a failure.
    fn fail(&mut self, kind: ErrorKind, message: String) {
        eprintln!("netzone: {message}");
        if self.error.is_none() {
            self.error = Some(ErrorOut {
                code: kind.code(),
                message,
            });
        }
        self.ok = false;
    }
}

/// One step a reclaim carried out: the step's typed fields, its argv, how it ended and the
/// line the text report prints.
#[derive(serde::Serialize)]
struct Freed {
    #[serde(flatten)]
    step: Step,
    argv: Vec<String>,
    result: &'static str,
    message: String,
}

#[derive(serde::Serialize)]
struct Blocked {
    link: LinkName,
    why: String,
}

#[derive(serde::Serialize)]
struct ErrorOut {
    code: &'static str,
    message: String,
}

/// One `zoneadm -z ZONE halt`: its argv (with `zoneadm`), whether it ran, its failure.
#[derive(serde::Serialize)]
struct Halt {
    argv: Vec<String>,
    ran: bool,
    error: Option<String>,
}

fn halt_argv(z: &ZoneName) -> Vec<String> {
    std::iter::once("zoneadm".to_string())
        .chain(zoneadm::halt_command(z))
        .collect()
}

fn freed(flavour: Flavour, outcomes: &[(Step, Done)], lines: &[String]) -> Vec<Freed> {
    outcomes
        .iter()
        .zip(lines)
        .map(|((step, done), line)| Freed {
            argv: step.line(flavour),
            step: step.clone(),
            result: match done {
                Done::Completed => "completed",
                Done::AlreadyGone => "already-gone",
                Done::LeftForHalt => "left-for-halt",
            },
            message: line.clone(),
        })
        .collect()
}

/// A dry run's halt: says the command it would run and records it as not run.
fn would_halt(z: &ZoneName, out: &Say, rec: &mut ZoneRecovery) {
    out.say(format!(
        "  would run: zoneadm {}",
        zoneadm::halt_command(z).join(" ")
    ));
    rec.halts.push(Halt {
        argv: halt_argv(z),
        ran: false,
        error: None,
    });
}

/// Runs `argv` (a halt) and records it.
fn run_halt(host: &Host, z: &ZoneName, rec: &mut ZoneRecovery) -> Result<(), String> {
    let argv = zoneadm::halt_command(z);
    let res = host
        .run_checked(Tool::Zoneadm, &argv)
        .map(|_| ())
        .map_err(|e| e.to_string());
    rec.halts.push(Halt {
        argv: halt_argv(z),
        ran: true,
        error: res.as_ref().err().cloned(),
    });
    rec.halted = res.is_ok();
    res
}

/// `--force` on a running zone. Its links are in use (IP plumbed): moving one out fails "link
/// busy" (dls_link_setzid) after joyent's rename to the temporary name has already succeeded,
/// which would leave the running zone with a link under that name. So nothing is freed while
/// it runs: the zone is halted first, and its halt's teardown frees the links; only a zone
/// left `down` by that halt goes on to the usual reclaim.
fn recover_running(
    host: &Host,
    flavour: Flavour,
    a: &RecoverArgs,
    out: &Say,
    rec: &mut ZoneRecovery,
    log: &mut dyn FnMut(&str),
) {
    let z = rec.zone.clone();
    let argv = zoneadm::halt_command(&z);
    if a.no_halt {
        rec.fail(
            ErrorKind::LinkBusy,
            format!(
                "zone '{z}': the zone is running and its links are in use; they can be \
                 freed only by halting it (drop --no-halt, or run zoneadm -z {z} halt)"
            ),
        );
        return;
    }
    rec.halted_first = true;
    out.say(format!(
        "zone '{z}' is running: its links are in use, so it is halted first and its halt frees them"
    ));
    if a.dry_run {
        would_halt(&z, out, rec);
        return;
    }
    out.say(format!("  halting: zoneadm {}", argv.join(" ")));
    let halted = run_halt(host, &z, rec);
    if halted.is_ok() {
        log(&format!("zone '{z}': halted by netzone recover"));
    }
    match zoneadm::list(host) {
        Ok(list) => match list.iter().find(|e| e.name == z.as_str()).map(|e| e.state) {
            Some(State::Down) => recover_one(host, flavour, State::Down, a, out, rec, log),
            Some(s) => {
                out.say(format!("zone '{z}' is now {}", zoneadm::state_name(s)));
                rec.final_state = Some(zoneadm::state_name(s));
                if let Err(e) = halted {
                    rec.fail(
                        ErrorKind::CommandFailed,
                        format!("zone '{z}': halt failed: {e}"),
                    );
                }
            }
            None => out.say(format!("zone '{z}' is no longer configured")),
        },
        Err(e) => rec.fail(e.kind(), format!("zone '{z}': {e}")),
    }
}

/// Recovers one zone; prints what happens and records it in `rec` (`rec.ok` false if anything
/// failed).
fn recover_one(
    host: &Host,
    flavour: Flavour,
    st: State,
    a: &RecoverArgs,
    out: &Say,
    rec: &mut ZoneRecovery,
    log: &mut dyn FnMut(&str),
) {
    if st == State::Running {
        return recover_running(host, flavour, a, out, rec, log);
    }
    let z = rec.zone.clone();
    out.say(format!(
        "zone '{z}' is {}: {} its links",
        zoneadm::state_name(st),
        if a.dry_run { "would free" } else { "freeing" }
    ));
    let res = recover::reclaim(host, flavour, &z, a.dry_run, log);
    let plan = match &res {
        Ok(r) => Some(&r.plan),
        Err(RecoverError::Incomplete { plan, .. }) => Some(&**plan),
        Err(_) => None,
    };
    if let Some(plan) = plan {
        rec.blocked = plan
            .blocked
            .iter()
            .map(|(link, why)| Blocked {
                link: link.clone(),
                why: why.clone(),
            })
            .collect();
        rec.plan = Some(plan.clone());
    }
    if let Ok(r) = &res {
        for n in &r.plan.not_ours {
            eprintln!("netzone: {n}");
        }
    }
    match res {
        Ok(r) if a.dry_run => {
            for line in recover::describe(&r.plan) {
                out.say(format!("  {line}"));
            }
            if r.plan.is_noop() && r.plan.blocked.is_empty() {
                out.say("  no link to free");
            }
        }
        Ok(r) => {
            for line in &r.done {
                out.say(format!("  {line}"));
            }
            if r.done.is_empty() {
                out.say("  no link to free");
            }
            rec.freed = freed(flavour, &r.outcomes, &r.done);
        }
        Err(e) => {
            if let RecoverError::Incomplete { done, outcomes, .. } = &e {
                for line in done {
                    out.say(format!("  {line}"));
                }
                rec.freed = freed(flavour, outcomes, done);
            }
            rec.fail(e.kind(), e.to_string());
        }
    }
    let halt = !a.no_halt
        && matches!(
            st,
            State::Down | State::Ready | State::Running | State::ShuttingDown
        );
    if !halt {
        return;
    }
    let argv = zoneadm::halt_command(&z);
    if a.dry_run {
        would_halt(&z, out, rec);
        return;
    }
    if !rec.ok {
        out.say(format!(
            "  not halting zone '{z}': its links are not all free"
        ));
        return;
    }
    out.say(format!("  halting: zoneadm {}", argv.join(" ")));
    match run_halt(host, &z, rec) {
        Err(e) => rec.fail(
            ErrorKind::CommandFailed,
            format!("zone '{z}': halt failed: {e}"),
        ),
        Ok(()) => log(&format!("zone '{z}': halted by netzone recover")),
    }
    match zoneadm::list(host) {
        Ok(list) => match list.iter().find(|e| e.name == z.as_str()) {
            Some(e) => {
                out.say(format!(
                    "zone '{z}' is now {}",
                    zoneadm::state_name(e.state)
                ));
                rec.final_state = Some(zoneadm::state_name(e.state));
                if e.state == State::Down {
                    rec.ok = false;
                }
            }
            None => {
                rec.final_state = None;
                out.say(format!("zone '{z}' is no longer configured"));
            }
        },
        Err(e) => rec.fail(e.kind(), format!("zone '{z}': {e}")),
    }
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
        .filter(|r| zone.as_ref().is_none_or(|z| inv.lists_for_zone(r, z)))
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
