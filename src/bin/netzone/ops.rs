//! `netzone recover|show|gc`. OWNER: operator-tools issue (#5).

use std::process::ExitCode;

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
    pub zones: Vec<String>,
}

#[derive(clap::Args, Debug)]
pub struct ShowArgs {
    /// Parseable output (dladm convention); needs -o.
    #[arg(short = 'p', long = "parsable", alias = "parseable")]
    pub parsable: bool,
    /// Fields to print.
    #[arg(short = 'o', long = "output")]
    pub output: Option<String>,
    /// JSON output.
    #[arg(long)]
    pub json: bool,
    /// Only orphans; exit 1 if any exist.
    #[arg(long)]
    pub orphans: bool,
    pub zone: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct GcArgs {
    /// Print what would be removed.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn recover(_g: &GlobalOpts, _a: RecoverArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("recover: not implemented yet")
}

pub fn show(_g: &GlobalOpts, _a: ShowArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("show: not implemented yet")
}

pub fn gc(_g: &GlobalOpts, _a: GcArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("gc: not implemented yet")
}
