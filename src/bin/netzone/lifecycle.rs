//! `netzone plan|up|down`. OWNER: engine issue (#4).

use std::process::ExitCode;

use crate::GlobalOpts;

#[derive(clap::Args, Debug)]
pub struct ZoneArgs {
    /// The zone.
    pub zone: String,
}

pub fn plan(_g: &GlobalOpts, _a: ZoneArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("plan: not implemented yet")
}

pub fn up(_g: &GlobalOpts, _a: ZoneArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("up: not implemented yet")
}

pub fn down(_g: &GlobalOpts, _a: ZoneArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("down: not implemented yet")
}
