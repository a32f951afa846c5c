//! `netzone check`: validate zone network configurations without touching the host.
//!
//! `check ZONE...` reads `<root>/etc/zones/<zone>.xml` for each zone; `check --all` does so for
//! every zone in `<root>/etc/zones/index`; `check --file FILE` reads one file, as the brand's
//! `verify_cfg` (`netzone-verify`) does. Both run the per-zone rules and
//! the host-wide ones (an explicit MAC used by another configured zone). Every problem is
//! printed, one line each; exit status 0 when all are valid, 1 otherwise (2 for usage, from clap).

use std::path::PathBuf;
use std::process::ExitCode;

use netzone::validate;
use netzone::zonecfg::{self, ConfigError, ZoneConfig};
use netzone::zonename::ZoneName;

use crate::GlobalOpts;

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Check this zone XML file (as the brand's verify_cfg does) instead of named zones.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["zones", "all"])]
    pub file: Option<PathBuf>,
    /// Check every zone listed in ROOT/etc/zones/index.
    #[arg(short = 'a', long, conflicts_with = "zones")]
    pub all: bool,
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

/// Prints the verdict on one zone; returns whether it is valid.
fn verdict(g: &GlobalOpts, res: Result<ZoneConfig, ConfigError>) -> bool {
    match res {
        Ok(cfg) => {
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
        Err(e) => {
            report(&e);
            false
        }
    }
}

pub fn run(g: &GlobalOpts, a: CheckArgs) -> anyhow::Result<ExitCode> {
    let mut ok = true;
    if let Some(file) = &a.file {
        ok &= verdict(g, validate::check_file(&g.root, file));
    }
    let mut zones = a.zones.clone();
    if a.all {
        match netzone::zoneindex::read(&g.root) {
            Ok(entries) => zones.extend(
                entries
                    .into_iter()
                    .map(|e| e.name)
                    .filter(|n| n != "global"),
            ),
            Err(e) => {
                eprintln!("netzone: {e}");
                ok = false;
            }
        }
    }
    for z in &zones {
        match ZoneName::new(z) {
            Ok(name) => ok &= verdict(g, validate::check_zone(&g.root, &name)),
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
