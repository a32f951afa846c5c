//! `netzone check`: validate zone network configurations, and what only the host knows.
//!
//! `check ZONE...` reads `<root>/etc/zones/<zone>.xml` for each zone; `check --all` does so for
//! every zone in `<root>/etc/zones/index`; `check --file FILE` reads one file. Every form runs the
//! per-zone rules and the host-wide ones against the other configured zones (an explicit MAC used
//! by another zone). `check ZONE...` and `check --all` then read the host once
//! ([`netzone::hostcheck`]) and check each valid zone against its links: the global NIC exists,
//! the MTU fits it, `physical` is not a link netzone did not make, no other zone's `physical` on
//! gate, no live link with the MAC. When the host cannot be read (dlmgmtd down), it says that
//! only the configuration was checked. `--file` checks the configuration only.
//!
//! Every problem is printed, one line each; exit status 0 when all
//! are valid, 1 otherwise (2 for usage, from clap).

use std::path::PathBuf;
use std::process::ExitCode;

use netzone::hostcheck::{self, AutoError, HostView};
use netzone::validate;
use netzone::zonecfg::{self, ConfigError, ZoneConfig};
use netzone::zonename::ZoneName;

use crate::GlobalOpts;

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Check this zone XML file (as the brand's verify_cfg does) instead of named zones; the
    /// configuration only, not the host.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["zones", "all"])]
    pub file: Option<PathBuf>,
    /// Check every zone listed in ROOT/etc/zones/index.
    #[arg(short = 'a', long, conflicts_with = "zones")]
    pub all: bool,
    /// Check the links of ready or running zones against their configuration and journal
    /// (with -a: every ready or running zone).
    #[arg(long, conflicts_with = "file")]
    pub live: bool,
    /// Zones to check (their files under ROOT/etc/zones).
    #[arg(value_name = "ZONE", required_unless_present_any = ["file", "all"])]
    pub zones: Vec<String>,
}

/// Prints every line of `e` with the program prefix.
fn report(e: &ConfigError) {
    for line in e.lines() {
        eprintln!("netzone: {line}");
    }
}

/// The host, read at most once per run; `None` after a failed read (said once).
struct HostOnce<'a> {
    g: &'a GlobalOpts,
    host: netzone::host::Host,
    view: Option<Option<HostView>>,
}

impl HostOnce<'_> {
    fn get(&mut self) -> Option<(&netzone::host::Host, &HostView)> {
        if self.view.is_none() {
            let host = &self.host;
            let res = crate::ops::resolve_flavour(host, self.g)
                .and_then(|f| HostView::read(host, f).map_err(anyhow::Error::from));
            self.view = Some(match res {
                Ok(v) => Some(v),
                Err(e) => {
                    eprintln!(
                        "netzone: cannot read the host's links ({}): checked the configuration \
                         only",
                        crate::ops::one_line(&e)
                    );
                    None
                }
            });
        }
        let host = &self.host;
        self.view
            .as_ref()
            .and_then(Option::as_ref)
            .map(|v| (host, v))
    }
}

/// Prints the verdict on one zone; returns whether it is valid.
fn verdict(
    g: &GlobalOpts,
    res: Result<ZoneConfig, ConfigError>,
    host: Option<(&mut HostOnce<'_>, &[ZoneConfig])>,
) -> bool {
    let cfg = match res {
        Ok(cfg) => cfg,
        Err(e) => {
            report(&e);
            return false;
        }
    };
    if let Some((once, others)) = host {
        if let Some((h, view)) = once.get() {
            let cfg = match hostcheck::resolve_auto(h, &cfg) {
                Ok(resolved) => resolved,
                Err(AutoError::Problem(e)) => {
                    eprintln!("netzone: {e}");
                    return false;
                }
                Err(AutoError::Unreadable(e)) => {
                    eprintln!("netzone: {e}: global-nic 'auto' not checked against the host");
                    cfg.clone()
                }
            };
            let problems = hostcheck::problems(&cfg, others, view);
            if !problems.is_empty() {
                report(&ConfigError::Invalid { problems });
                return false;
            }
        }
    }
    if g.verbose {
        eprintln!(
            "netzone: zone '{}': valid ({} nets, {} created by netzone)",
            cfg.name(),
            cfg.nets().len(),
            cfg.managed_nets().count()
        );
    }
    true
}

pub fn run(g: &GlobalOpts, a: CheckArgs) -> anyhow::Result<ExitCode> {
    let mut ok = true;
    if let Some(file) = &a.file {
        ok &= verdict(g, validate::check_file(&g.root, file), None);
        return Ok(ExitCode::from(if ok { 0 } else { 1 }));
    }
    crate::require_index(g)?;
    if a.live {
        return crate::live::run(g, &a.zones, a.all);
    }
    let mut zones = a.zones.clone();
    if a.all {
        match netzone::zoneindex::read(&g.root) {
            Ok(entries) => {
                let before = zones.len();
                zones.extend(
                    entries
                        .into_iter()
                        .map(|e| e.name)
                        .filter(|n| n != "global"),
                );
                if zones.len() == before {
                    eprintln!(
                        "netzone: no zone is configured under {} (its index lists only the \
                         global zone): nothing to check",
                        g.root.display()
                    );
                    return Ok(ExitCode::from(1));
                }
            }
            Err(e) => {
                eprintln!("netzone: {e}");
                ok = false;
            }
        }
    }
    // Every configured zone's valid configuration, read once for the host checks.
    let configured: Vec<ZoneConfig> = zonecfg::configured_zones(&g.root)
        .map(|v| v.into_iter().filter_map(|z| z.config.ok()).collect())
        .unwrap_or_default();
    let mut once = HostOnce {
        g,
        host: crate::lifecycle::host(g),
        view: None,
    };
    for z in &zones {
        match ZoneName::new(z) {
            Ok(name) => {
                ok &= verdict(
                    g,
                    validate::check_zone(&g.root, &name),
                    Some((&mut once, &configured)),
                )
            }
            Err(e) => {
                eprintln!(
                    "netzone: zone '{}': invalid zone name: {e}",
                    zonecfg::error::printable(z)
                );
                ok = false;
            }
        }
    }
    Ok(ExitCode::from(if ok { 0 } else { 1 }))
}
