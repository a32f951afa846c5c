//! `netzone-statechange [--chain PROGRAM] [--chain-pre PROGRAM [--chain-pre-arg ARG]...]
//! [--chain-post PROGRAM [--chain-post-arg ARG]...] [--order chain-first|netzone-first]
//! [--persistent] pre|post ZONE ZONEPATH STATE CMD [ALTROOT]`:
//! the brand's `prestatechange` and `poststatechange` hook (dispatch table in `netzone::hook`).
//!
//! Exit status: 0 success or nothing to do; 1 failure (zoneadmd then fails the state change);
//! 2 bad arguments; a chained hook's non-zero status is passed on. Messages go to stderr, which
//! zoneadmd logs, and to syslog (daemon facility). Environment: NETZONE_ROOT (when ALTROOT is
//! empty), NETZONE_DLADM, NETZONE_ZONEADM, NETZONE_ZONECFG, NETZONE_ROUTE, NETZONE_SYSINFO,
//! NETZONE_FLOWADM, NETZONE_BRAND_FEATURES, NETZONE_FLAVOUR, NETZONE_TIMEOUT
//! (seconds per dladm/zonecfg run, default 30), NETZONE_CHAIN_TIMEOUT (seconds, default 600).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use netzone::hook::{self, Action, HookArgs, HookOptions, Order, Phase};
use netzone::host::{Host, Tools};
use netzone::syslog::{self, Level};

fn secs_from_env(key: &str, default: u64) -> Duration {
    Duration::from_secs(
        std::env::var(key)
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|v| *v > 0)
            .unwrap_or(default),
    )
}

fn say(level: Level, msg: &str) {
    eprintln!("netzone: {msg}");
    syslog::log(level, msg);
}

/// Runs the chained brand hook, passing its output on; returns its exit status.
fn run_chain(host: &Host, program: &Path, args: &[String]) -> u8 {
    match host.run_external(program, args, secs_from_env("NETZONE_CHAIN_TIMEOUT", 600)) {
        Ok(out) => {
            let _ = std::io::stdout().write_all(out.stdout.as_bytes());
            let _ = std::io::stderr().write_all(out.stderr.as_bytes());
            match out.status {
                Some(0) => 0,
                Some(c) => u8::try_from(c).unwrap_or(1).max(1),
                None => {
                    say(
                        Level::Error,
                        &format!("{}: killed by a signal", program.display()),
                    );
                    1
                }
            }
        }
        Err(e) => {
            say(Level::Error, &e.to_string());
            1
        }
    }
}

fn summary(a: &HookArgs, r: &hook::HookReport) -> Option<String> {
    let o = r.outcome.as_ref()?;
    if o.is_noop() {
        return None;
    }
    let names = |v: &[netzone::linkname::LinkName]| {
        v.iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    Some(match r.action {
        Action::Up => format!(
            "zone '{}': links ready: created {}; unchanged {}",
            a.zone,
            names(&o.created),
            names(&o.plan.satisfied)
        ),
        _ => format!("zone '{}': removed {}", a.zone, names(&o.removed)),
    })
}

/// A usage error: the message and usage on stderr, the message in syslog, exit 2.
fn refuse(msg: &str) -> ExitCode {
    let r = hook::usage_refusal(msg);
    eprint!("{}", r.stderr);
    syslog::log(r.level, &r.syslog);
    ExitCode::from(r.exit)
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let (opts, args) = match hook::parse_args(&argv) {
        Ok(x) => x,
        Err(e) => return refuse(&e.to_string()),
    };
    // An empty NETZONE_ROOT is the same as none; a relative one would resolve against
    // whatever directory zoneadmd happens to run the hook in.
    let env_root = std::env::var_os("NETZONE_ROOT").filter(|v| !v.is_empty());
    if let Some(r) = env_root.as_ref().filter(|r| !Path::new(r).is_absolute()) {
        let e = format!(
            "NETZONE_ROOT '{}' is not an absolute path",
            Path::new(r).display()
        );
        return refuse(&e);
    }
    let root = args
        .altroot
        .clone()
        .or_else(|| env_root.map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("/"));
    let features = match opts.brand_features {
        Some(f) => Some(f),
        None => match netzone::globalnic::features_from_env() {
            Ok(f) => f,
            Err(e) => {
                say(Level::Error, &e);
                return ExitCode::from(2);
            }
        },
    };
    let host = Host::new(Tools::from_env(), root)
        .with_timeout(secs_from_env("NETZONE_TIMEOUT", 30))
        .with_brand_features(features);
    // A halt's teardown is not cut short by SIGINT/SIGTERM: it finishes, then exits as asked.
    let deferred = (args.cmd == hook::CMD_HALT).then(netzone::signals::defer);
    let code = run(&host, &argv, &opts, &args);
    match deferred.and_then(netzone::signals::Deferred::finish) {
        Some(sig) => {
            say(
                Level::Warning,
                &format!(
                    "zone '{}': {} received: stopped after finishing the teardown",
                    args.zone,
                    netzone::signals::name(sig)
                ),
            );
            ExitCode::from(128u8.saturating_add(u8::try_from(sig).unwrap_or(0)))
        }
        None => code,
    }
}

/// The chained hooks, then netzone's part.
fn run(host: &Host, argv: &[String], opts: &hook::HookOptions, args: &HookArgs) -> ExitCode {
    let choice = std::env::var("NETZONE_FLAVOUR").ok();
    let cleanup = args.cmd == hook::CMD_HALT;
    match opts.order {
        // The brand's own hook first: a failing pre hook stops the state change before
        // netzone creates anything; cleanup calls still run netzone's part.
        Order::ChainFirst => {
            let status = run_chains(host, opts, args, argv);
            if status != 0 && !cleanup {
                return ExitCode::from(status);
            }
            let ok = run_netzone(host, choice.as_deref(), opts, args).is_some();
            ExitCode::from(if status != 0 || ok { status } else { 1 })
        }
        // netzone first: a brand hook that makes VNICs finds the zone's made. If netzone fails
        // the brand's hook does not run (except on cleanup calls); if the brand's hook fails
        // after netzone created links, they are removed again, since gate's zoneadmd runs no
        // cleanup hook after a failed pre-ready.
        Order::NetzoneFirst => {
            let report = run_netzone(host, choice.as_deref(), opts, args);
            if report.is_none() && !cleanup {
                return ExitCode::from(1);
            }
            let status = run_chains(host, opts, args, argv);
            let created = report
                .as_ref()
                .and_then(|r| r.outcome.as_ref())
                .is_some_and(|o| !o.created.is_empty());
            if status != 0 && created {
                let undo = HookArgs {
                    phase: Phase::Post,
                    state: hook::STATE_READY,
                    cmd: hook::CMD_HALT,
                    ..args.clone()
                };
                say(
                    Level::Notice,
                    &format!(
                        "zone '{}': the brand's hook failed; removing the links netzone created",
                        args.zone
                    ),
                );
                run_netzone(host, choice.as_deref(), opts, &undo);
            }
            ExitCode::from(if status != 0 {
                status
            } else if report.is_some() {
                0
            } else {
                1
            })
        }
    }
}

/// Runs the chained brand hooks for this call (`--chain`, then `--chain-pre`/`--chain-post`);
/// returns the first non-zero status.
fn run_chains(host: &Host, opts: &HookOptions, args: &HookArgs, argv: &[String]) -> u8 {
    let mut status = 0u8;
    let phase_chain = match args.phase {
        Phase::Pre => opts.chain_pre.as_ref().map(|p| (p, &opts.chain_pre_args)),
        Phase::Post => opts.chain_post.as_ref().map(|p| (p, &opts.chain_post_args)),
    };
    if let Some(p) = &opts.chain {
        status = run_chain(host, p, hook::positional(argv));
    }
    if status == 0 {
        if let Some((p, words)) = phase_chain {
            // PROGRAM [ARG...] ZONE ZONEPATH STATE CMD [ALTROOT]: the phase word dropped.
            let pos = hook::positional(argv);
            let chained: Vec<String> = words.iter().chain(&pos[1..]).cloned().collect();
            status = run_chain(host, p, &chained);
        }
    }
    status
}

/// netzone's part of the call; `None` after reporting a failure.
fn run_netzone(
    host: &Host,
    choice: Option<&str>,
    opts: &HookOptions,
    args: &HookArgs,
) -> Option<hook::HookReport> {
    match hook::execute_with(host, choice, opts, args) {
        Ok(r) => {
            if let Some(msg) = summary(args, &r) {
                syslog::log(Level::Info, &msg);
            }
            Some(r)
        }
        Err(e) => {
            for line in e.lines() {
                say(Level::Error, &line);
            }
            None
        }
    }
}
