//! `netzone check --live ZONE... | -a`: are a ready or running zone's links what its
//! configuration and journal say ([`netzone::live`])? Each difference on a line of its own
//! (stderr, `netzone: zone 'Z': net 'N': mtu is 9000, configured 1500`); exit 0 when there is
//! none, 1 otherwise. A named zone that is not ready or running is an error; `-a` checks the
//! zones that are. The host is read once for all zones: `zoneadm list`, then two dladm walks.
//! With `--json` the verdicts are also printed as one document on stdout ([`LiveDoc`]).

use std::process::ExitCode;

use netzone::error::ErrorKind;
use netzone::live::{self, Difference, LiveView};
use netzone::zoneadm::{self, State};
use netzone::zonecfg;
use netzone::zonename::ZoneName;

use crate::check::ErrorOut;
use crate::GlobalOpts;

/// `check --live --json`: `{"version":1,"live":true,"valid":..,"zones":[..]}`.
#[derive(serde::Serialize)]
struct LiveDoc<'a> {
    live: bool,
    /// No zone has a difference or an error (exit status 0).
    valid: bool,
    zones: &'a [LiveZone],
}

/// The verdict on one zone.
#[derive(serde::Serialize)]
struct LiveZone {
    /// The zone as named.
    zone: String,
    /// Its state (`null`: not configured, or not a valid name).
    state: Option<&'static str>,
    /// Its links were compared (it is ready or running, and its configuration was read).
    checked: bool,
    valid: bool,
    /// Each difference, with the line printed for it.
    differences: Vec<DifferenceOut>,
    /// Why it was not (fully) checked.
    errors: Vec<ErrorOut>,
}

#[derive(serde::Serialize)]
struct DifferenceOut {
    #[serde(flatten)]
    difference: Difference,
    message: String,
}

impl LiveZone {
    fn new(zone: &str, state: Option<State>) -> Self {
        LiveZone {
            zone: zone.to_string(),
            state: state.map(zoneadm::state_name),
            checked: false,
            valid: false,
            differences: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// Records and prints (stderr) an error.
    fn error(&mut self, kind: ErrorKind, message: String) {
        eprintln!("netzone: {message}");
        self.errors.push(ErrorOut {
            code: kind.code(),
            message,
        });
    }
}

/// Prints the document (with `json`) and gives the exit status.
fn finish(json: bool, zones: &[LiveZone]) -> ExitCode {
    let valid = zones.iter().all(|z| z.valid);
    if json {
        let doc = LiveDoc {
            live: true,
            valid,
            zones,
        };
        println!("{}", crate::json::document(&doc));
    }
    ExitCode::from(if valid { 0 } else { 1 })
}

/// Checks `names` (or, with `all`, every ready or running zone) live.
pub fn run(g: &GlobalOpts, names: &[String], all: bool, json: bool) -> anyhow::Result<ExitCode> {
    let host = crate::lifecycle::host(g);
    let list = zoneadm::list(&host)?;
    let live_state = |s: State| matches!(s, State::Ready | State::Running);
    let mut zones: Vec<LiveZone> = Vec::new();
    // Indexes into `zones` of the zones to check, with their names.
    let mut targets: Vec<(usize, ZoneName)> = Vec::new();
    if all {
        for z in list
            .iter()
            .filter(|z| z.name != "global" && live_state(z.state))
        {
            if let Ok(n) = ZoneName::new(&z.name) {
                targets.push((zones.len(), n));
                zones.push(LiveZone::new(&z.name, Some(z.state)));
            }
        }
        if targets.is_empty() {
            eprintln!("netzone: no zone is ready or running: no links to check");
            return Ok(finish(json, &zones));
        }
    }
    // Every named zone's state first, so a typo or a halted zone is said before any dladm run.
    for z in names {
        let name = match ZoneName::new(z) {
            Ok(n) => n,
            Err(e) => {
                let mut rec = LiveZone::new(z, None);
                rec.error(
                    e.kind(),
                    format!(
                        "zone '{}': invalid zone name: {e}",
                        zonecfg::error::printable(z)
                    ),
                );
                zones.push(rec);
                continue;
            }
        };
        let entry = list.iter().find(|e| e.name == name.as_str());
        let mut rec = LiveZone::new(z, entry.map(|e| e.state));
        match entry {
            None => rec.error(
                ErrorKind::NotFound,
                format!("zone '{name}': no such zone configured"),
            ),
            Some(e) if live_state(e.state) => targets.push((zones.len(), name)),
            Some(e) => rec.error(
                ErrorKind::ZoneState,
                format!(
                    "zone '{name}': zone is {}, not ready or running: it has no links \
                     to check (netzone check {name} checks its configuration)",
                    zoneadm::state_name(e.state)
                ),
            ),
        }
        zones.push(rec);
    }
    if targets.is_empty() {
        return Ok(finish(json, &zones));
    }
    let flavour = crate::ops::resolve_flavour(&host, g)?;
    let view = LiveView::read(&host, flavour)?;
    for (i, z) in &targets {
        let rec = &mut zones[*i];
        let cfg = match zonecfg::load(&g.root, z) {
            Ok(c) => c,
            Err(e) => {
                for line in e.lines() {
                    rec.error(e.kind(), line);
                }
                continue;
            }
        };
        match live::check_zone(&host, flavour, &cfg, &view) {
            Ok(diffs) if diffs.is_empty() => {
                rec.checked = true;
                rec.valid = true;
                if g.verbose {
                    eprintln!(
                        "netzone: zone '{z}': {} links as configured",
                        cfg.managed_nets().count()
                    );
                }
            }
            Ok(diffs) => {
                rec.checked = true;
                for d in diffs {
                    eprintln!("netzone: {d}");
                    rec.differences.push(DifferenceOut {
                        message: d.to_string(),
                        difference: d,
                    });
                }
            }
            Err(e) => rec.error(e.kind(), netzone::output::error_text(&e)),
        }
    }
    Ok(finish(json, &zones))
}
