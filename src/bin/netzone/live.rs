//! `netzone check --live ZONE... | -a`: are a ready or running zone's links what its
//! configuration and journal say ([`netzone::live`])? Each difference on a line of its own
//! (stderr, `netzone: zone 'Z': net 'N': mtu is 9000, configured 1500`); exit 0 when there is
//! none, 1 otherwise. A named zone that is not ready or running is an error; `-a` checks the
//! zones that are. The host is read once for all zones: `zoneadm list`, then two dladm walks.

use std::process::ExitCode;

use netzone::live::{self, LiveView};
use netzone::zoneadm::{self, State};
use netzone::zonecfg;
use netzone::zonename::ZoneName;

use crate::GlobalOpts;

/// Checks `names` (or, with `all`, every ready or running zone) live.
pub fn run(g: &GlobalOpts, names: &[String], all: bool) -> anyhow::Result<ExitCode> {
    let host = crate::lifecycle::host(g);
    let list = zoneadm::list(&host)?;
    let live_state = |s: State| matches!(s, State::Ready | State::Running);
    let mut ok = true;
    let mut targets: Vec<ZoneName> = Vec::new();
    if all {
        targets.extend(
            list.iter()
                .filter(|z| z.name != "global" && live_state(z.state))
                .filter_map(|z| ZoneName::new(&z.name).ok()),
        );
        if targets.is_empty() {
            eprintln!("netzone: no zone is ready or running: no links to check");
            return Ok(ExitCode::SUCCESS);
        }
    }
    // Every named zone's state first, so a typo or a halted zone is said before any dladm run.
    for z in names {
        let name = match ZoneName::new(z) {
            Ok(n) => n,
            Err(e) => {
                eprintln!(
                    "netzone: zone '{}': invalid zone name: {e}",
                    zonecfg::error::printable(z)
                );
                ok = false;
                continue;
            }
        };
        match list.iter().find(|e| e.name == name.as_str()) {
            None => {
                eprintln!("netzone: zone '{name}': no such zone configured");
                ok = false;
            }
            Some(e) if live_state(e.state) => targets.push(name),
            Some(e) => {
                eprintln!(
                    "netzone: zone '{name}': zone is {}, not ready or running: it has no links \
                     to check (netzone check {name} checks its configuration)",
                    zoneadm::state_name(e.state)
                );
                ok = false;
            }
        }
    }
    if targets.is_empty() {
        return Ok(ExitCode::from(1));
    }
    let flavour = crate::ops::resolve_flavour(&host, g)?;
    let view = LiveView::read(&host, flavour)?;
    for z in &targets {
        let cfg = match zonecfg::load(&g.root, z) {
            Ok(c) => c,
            Err(e) => {
                for line in e.lines() {
                    eprintln!("netzone: {line}");
                }
                ok = false;
                continue;
            }
        };
        match live::check_zone(&host, flavour, &cfg, &view) {
            Ok(diffs) if diffs.is_empty() => {
                if g.verbose {
                    eprintln!(
                        "netzone: zone '{z}': {} links as configured",
                        cfg.managed_nets().count()
                    );
                }
            }
            Ok(diffs) => {
                for d in &diffs {
                    eprintln!("netzone: {d}");
                }
                ok = false;
            }
            Err(e) => {
                eprintln!("netzone: {}", netzone::output::error_text(&e));
                ok = false;
            }
        }
    }
    Ok(ExitCode::from(if ok { 0 } else { 1 }))
}
