//! `netzone-verify FILE [--chain PROGRAM]`: the brand's `verify_cfg` hook.
//!
//! zonecfg runs a brand's `verify_cfg` on `commit` with one argument, the path of a temporary
//! copy of the zone's XML (illumos-gate `usr/src/lib/libbrand/dtd/brand.dtd.1`, `verify_cfg`), and
//! refuses the commit when it exits non-zero. This runs netzone's validation on that file,
//! including the host-wide checks against the other zones under `<root>/etc/zones` (the zone's
//! own current file is skipped: the file being verified replaces it), and what only the host knows
//! ([`netzone::hostcheck`]: the global NIC exists, the MTU fits it, `physical` is not a link
//! netzone did not make, no other zone's `physical` on gate, no live link with the MAC), read
//! once; when the host cannot be read (dlmgmtd down) it says it checked the configuration only
//! and lets the commit through. With `--chain`, the brand's
//! previous `verify_cfg` program also runs, by argv with the same argument (after any
//! `--chain-arg` words); both must pass.
//!
//! Exit status: 0 valid, 1 invalid or unreadable (or the chained program failed), 2 usage.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use netzone::flavour;
use netzone::host::{Host, HostError, Tools};
use netzone::hostcheck::{self, AutoError, HostView};
use netzone::validate;
use netzone::zonecfg::{self, ConfigError};

#[derive(Parser, Debug)]
#[command(
    name = "netzone-verify",
    version,
    about = "Brand verify_cfg hook: refuse a zone configuration whose networks netzone cannot set up"
)]
struct Args {
    /// Alternate root whose etc/zones holds the other configured zones.
    #[arg(short = 'R', long = "root", env = "NETZONE_ROOT", default_value = "/")]
    root: PathBuf,
    /// Also run this existing verify_cfg program with FILE as its argument; both must pass.
    #[arg(long, value_name = "PROGRAM")]
    chain: Option<PathBuf>,
    /// An argument for the chained program, before FILE (repeat for several), for brands whose
    /// verify_cfg is a program plus words, such as `brand verify_cfg`.
    #[arg(
        long,
        value_name = "ARG",
        requires = "chain",
        allow_hyphen_values = true
    )]
    chain_arg: Vec<String>,
    /// The zone XML file zonecfg asks to verify.
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

fn report(e: &ConfigError) {
    for line in e.lines() {
        eprintln!("netzone: {line}");
    }
}

/// netzone's own verdict on the file: the configuration, then the host.
fn verify(a: &Args) -> bool {
    let cfg = match validate::check_file(&a.root, &a.file) {
        Ok(cfg) => cfg,
        Err(e) => {
            report(&e);
            return false;
        }
    };
    let host = Host::new(Tools::from_env(), &a.root);
    let flavour_choice = std::env::var("NETZONE_FLAVOUR").ok();
    let view = flavour::resolve(&host, flavour_choice.as_deref())
        .map_err(|e| e.to_string())
        .and_then(|f| HostView::read(&host, f).map_err(|e| e.to_string()));
    let view = match view {
        Ok(v) => v,
        Err(e) => {
            eprintln!(
                "netzone: cannot read the host's links ({e}): checked the configuration only"
            );
            return true;
        }
    };
    let others: Vec<_> = zonecfg::configured_zones(&a.root)
        .map(|v| v.into_iter().filter_map(|z| z.config.ok()).collect())
        .unwrap_or_default();
    let cfg = match hostcheck::resolve_auto(&host, &cfg) {
        Ok(resolved) => resolved,
        Err(AutoError::Problem(e)) => {
            eprintln!("netzone: {e}");
            return false;
        }
        Err(AutoError::Unreadable(e)) => {
            eprintln!("netzone: {e}: global-nic 'auto' not checked against the host");
            cfg
        }
    };
    let problems = hostcheck::problems(&cfg, &others, &view);
    if problems.is_empty() {
        return true;
    }
    report(&ConfigError::Invalid { problems });
    false
}

/// Seconds the chained program may run: `NETZONE_CHAIN_TIMEOUT`, default 600.
fn chain_timeout() -> Duration {
    Duration::from_secs(
        std::env::var("NETZONE_CHAIN_TIMEOUT")
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|v| *v > 0)
            .unwrap_or(600),
    )
}

/// Runs the chained verify_cfg through [`Host`]: by argv, never through a shell, in its own
/// process group, with a deadline. Its output is passed on when it finishes.
fn chain(root: &Path, program: &Path, args: &[String], file: &Path) -> bool {
    let host = Host::new(Tools::from_env(), root);
    let mut argv = args.to_vec();
    argv.push(file.to_string_lossy().into_owned());
    match host.run_external(program, &argv, chain_timeout()) {
        Ok(out) => {
            let _ = std::io::stdout().write_all(out.stdout.as_bytes());
            let _ = std::io::stderr().write_all(out.stderr.as_bytes());
            match out.status {
                Some(0) => true,
                Some(c) => {
                    eprintln!(
                        "netzone: chained verify_cfg {} failed (exit status: {c})",
                        program.display()
                    );
                    false
                }
                None => {
                    eprintln!(
                        "netzone: chained verify_cfg {} was killed by a signal",
                        program.display()
                    );
                    false
                }
            }
        }
        Err(HostError::Spawn { error, .. }) => {
            eprintln!(
                "netzone: cannot run chained verify_cfg {}: {error}",
                program.display()
            );
            false
        }
        Err(HostError::Timeout { timeout, .. }) => {
            eprintln!(
                "netzone: chained verify_cfg {} did not finish within {} and was killed \
                 (NETZONE_CHAIN_TIMEOUT)",
                program.display(),
                netzone::host::human_duration(timeout)
            );
            false
        }
        Err(e) => {
            eprintln!("netzone: chained verify_cfg {}: {e}", program.display());
            false
        }
    }
}

fn main() -> ExitCode {
    let a = Args::parse();
    let mut ok = verify(&a);
    if let Some(p) = &a.chain {
        ok &= chain(&a.root, p, &a.chain_arg, &a.file);
    }
    ExitCode::from(if ok { 0 } else { 1 })
}
