//! Load benchmark: N zones x 2 nets, all named `net0`/`net1` over the same two NICs, booted
//! concurrently then halted concurrently, R rounds, on the simulated host. Prints boots/s,
//! halts/s, zoneadm boot latency and the p50/p99 time of each brand hook, and the failure,
//! collision and leak counts; exits 1 unless all three are 0.
//!
//! Run: `cargo bench --bench load` (200 zones, 3 rounds, 2 x cores at once, joyent), or with sizes:
//! `cargo bench --bench load -- --zones 50 --rounds 1 --jobs 4 --flavour gate --latency-ms 20`.
//! The sim's binaries are built in the same profile first if they are missing.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/common/load.rs"]
mod load;
#[path = "../tests/common/proof.rs"]
mod proof;

use std::process::{Command, ExitCode};

use load::{run_load, LoadOpts};

fn usage(msg: &str) -> ExitCode {
    eprintln!(
        "load: {msg}\nusage: cargo bench --bench load -- [--zones N] [--rounds N] [--jobs N] \
         [--flavour joyent|gate] [--latency-ms N]"
    );
    ExitCode::from(2)
}

/// Builds netzone-sim's binaries in this profile's target directory when they are missing
/// (`cargo bench` builds only this package's).
fn ensure_sim_built() {
    let exe = std::env::current_exe().expect("current_exe");
    let dir = exe.parent().and_then(|d| d.parent()).expect("target dir");
    if dir.join("sim-zoneadm").exists() && dir.join("illumos-sim").exists() {
        return;
    }
    let release = dir.ends_with("release");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut c = Command::new(cargo);
    c.args(["build", "-p", "netzone-sim", "--bins"]);
    if release {
        c.arg("--release");
    }
    let st = c.status().expect("run cargo build -p netzone-sim");
    assert!(st.success(), "cargo build -p netzone-sim failed");
}

fn main() -> ExitCode {
    let mut o = LoadOpts::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut num = |name: &str| -> Result<u64, ExitCode> {
            args.next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| usage(&format!("{name} needs a number")))
        };
        match a.as_str() {
            "--bench" => {}
            "--zones" => match num("--zones") {
                Ok(n) if n > 0 => o.zones = n as usize,
                Ok(_) => return usage("--zones must be at least 1"),
                Err(c) => return c,
            },
            "--rounds" => match num("--rounds") {
                Ok(n) => o.rounds = n as usize,
                Err(c) => return c,
            },
            "--jobs" => match num("--jobs") {
                Ok(n) if n > 0 => o.jobs = n as usize,
                Ok(_) => return usage("--jobs must be at least 1"),
                Err(c) => return c,
            },
            "--latency-ms" => match num("--latency-ms") {
                Ok(n) => o.latency_ms = n,
                Err(c) => return c,
            },
            "--flavour" => match args.next().as_deref() {
                Some(f @ ("joyent" | "gate")) => o.flavour = f.into(),
                _ => return usage("--flavour is joyent or gate"),
            },
            other => return usage(&format!("unknown argument '{other}'")),
        }
    }
    ensure_sim_built();
    let r = run_load(&o);
    print!("{}", r.summary(&o));
    for (what, v) in [
        ("failure", &r.failures),
        ("collision", &r.collisions),
        ("leak", &r.leaks),
    ] {
        for x in v.iter().take(10) {
            println!("  {what}: {x}");
        }
    }
    if r.failures.is_empty() && r.collisions.is_empty() && r.leaks.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
