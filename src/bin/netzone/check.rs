//! `netzone check`. OWNER: foundation issue (#2).

use std::path::PathBuf;
use std::process::ExitCode;

use crate::GlobalOpts;

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Check this zone XML file (as the brand's verify_cfg does) instead of named zones.
    #[arg(long)]
    pub file: Option<PathBuf>,
    /// Zones to check.
    pub zones: Vec<String>,
}

pub fn run(_g: &GlobalOpts, _a: CheckArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("check: not implemented yet")
}
