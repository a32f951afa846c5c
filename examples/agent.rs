//! A program that manages a zone's links through the library alone, the way a sled agent would:
//! no zonecfg zone, no `netzone` command, no hooks. `cargo run --example agent`.
//!
//! On the simulated illumos host (gate flavour, one NIC) it:
//! 1. marks zone `agent1` as its own ([`netzone::client::manage`]), so `show` and `gc` treat the
//!    zone's links as owned although zoneadm knows no such zone;
//! 2. creates two links from a network spec built in code ([`netzone::spec`]), letting netzone
//!    choose one MAC and receiving it back instead of a zonecfg write-back;
//! 3. lists the zone's links ([`netzone::show::zone_rows`]);
//! 4. changes the spec (one net gone, a VLAN on the other) and applies it again;
//! 5. handles errors by kind: a lower link that does not exist, a name another zone holds;
//! 6. runs `gc`, which leaves the zone's links alone;
//! 7. tears the links down and releases the zone.
//!
//! `--root DIR` uses DIR for the simulated host instead of a temporary directory, and
//! `--leave-up` stops after step 6 (the links stay, for `netzone -R DIR gc` to be tried on).
//! The simulated host's binaries come from the same target directory as this example; missing
//! ones are built with cargo first.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use netzone::apply::{self, MacPolicy, UpOptions};
use netzone::client;
use netzone::error::ErrorKind;
use netzone::flavour::Flavour;
use netzone::host::{Host, Tools};
use netzone::output::OutputSpec;
use netzone::show;
use netzone::spec::{NetSpec, ZoneSpec};
use netzone::zonename::ZoneName;

const SIM_BINS: &[&str] = &[
    "illumos-sim",
    "sim-dladm",
    "sim-zoneadm",
    "sim-zonecfg",
    "sim-route",
];

/// `target/<profile>`, the directory holding this example's `examples/` directory.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>/examples/agent")
        .to_path_buf()
}

/// Builds the simulated host's binaries if they are missing.
fn ensure_sim(dir: &Path) -> Result<(), String> {
    let missing = || SIM_BINS.iter().any(|b| !dir.join(b).exists());
    if !missing() {
        return Ok(());
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut args = vec!["build", "-q", "-p", "netzone-sim", "--bins"];
    if dir.file_name().is_some_and(|n| n == "release") {
        args.push("--release");
    }
    eprintln!(
        "(building the simulated host first: cargo {})",
        args.join(" ")
    );
    let ok = Command::new(cargo)
        .args(&args)
        .status()
        .is_ok_and(|s| s.success());
    if !ok || missing() {
        return Err(format!(
            "the simulated host's binaries are missing from {}; run: cargo build -p netzone-sim --bins",
            dir.display()
        ));
    }
    Ok(())
}

/// A fresh simulated host in `root`: one NIC, gate flavour (links are made in the global zone
/// under their final names, as a sled agent makes them before its zone boots).
fn init_sim(bin: &Path, root: &Path) -> Result<Host, String> {
    let st = Command::new(bin.join("illumos-sim"))
        .args(["init", "--root"])
        .arg(root)
        .args(["--flavour", "gate", "--phys", "e1000g0"])
        .env_remove("ILLUMOS_SIM_FLAVOUR")
        .output()
        .map_err(|e| format!("illumos-sim: {e}"))?;
    if !st.status.success() {
        return Err(format!(
            "illumos-sim init: {}",
            String::from_utf8_lossy(&st.stderr)
        ));
    }
    let tools = Tools {
        dladm: bin.join("sim-dladm"),
        zoneadm: bin.join("sim-zoneadm"),
        zonecfg: bin.join("sim-zonecfg"),
        route: bin.join("sim-route"),
        sysinfo: bin.join("sim-sysinfo"),
        flowadm: bin.join("sim-flowadm"),
    };
    // Everything the library runs gets the sim's root through the host's own environment.
    Ok(Host::new(tools, root)
        .with_env("ILLUMOS_SIM_ROOT", root)
        .with_lock_timeout(std::time::Duration::from_secs(10)))
}

fn list(host: &Host, flavour: Flavour, zone: &ZoneName) -> Result<(), Box<dyn std::error::Error>> {
    let rows = show::zone_rows(host, flavour, zone)?;
    let spec = OutputSpec::new(show::COLUMNS, false, None, false)?;
    for l in show::render(&spec, &rows).lines() {
        println!("    {l}");
    }
    Ok(())
}

fn run(host: &Host, leave_up: bool) -> Result<(), Box<dyn std::error::Error>> {
    let flavour = Flavour::Gate;
    let zone = ZoneName::new("agent1")?;

    println!("== 1. Mark the zone as this program's");
    let rec = client::manage(host, &zone, "example-agent")?;
    println!("    zone '{}' managed by '{}'\n", rec.zone, rec.client);

    println!("== 2. Create its links from a spec built in code");
    let mac = "2:8:20:a0:0:1".parse()?;
    let spec = ZoneSpec::new("agent1")
        .net(NetSpec::new("agent1n0").over("e1000g0").mac(mac))
        .net(
            NetSpec::new("agent1n1")
                .over("e1000g0")
                .allowed_address("10.0.7.5/24".parse::<netzone::ipprefix::IpPrefix>()?),
        )
        .build()?;
    // No zonecfg zone to write a chosen MAC to: take it back instead.
    let opts = UpOptions {
        macs: MacPolicy::Return,
    };
    let o = apply::up_with(host, flavour, &spec, &opts)?;
    for s in &o.plan.steps {
        println!("    dladm {}", s.argv(flavour).join(" "));
    }
    for (net, mac) in &o.macs {
        println!("    net '{net}': netzone chose MAC {mac}");
    }
    println!();

    println!("== 3. List them");
    list(host, flavour, &zone)?;
    println!();

    println!("== 4. Change the spec: agent1n1 goes, agent1n0 moves to VLAN 12");
    let spec = ZoneSpec::new("agent1")
        .net(NetSpec::new("agent1n0").over("e1000g0").mac(mac).vlan(12))
        .build()?;
    let o = apply::up_with(host, flavour, &spec, &opts)?;
    let names = |v: &[netzone::linkname::LinkName]| {
        v.iter().map(|n| n.as_str()).collect::<Vec<_>>().join(" ")
    };
    println!("    removed: {}", names(&o.removed));
    println!("    created: {}", names(&o.created));
    list(host, flavour, &zone)?;
    println!();

    println!("== 5. Handle errors by kind");
    let bad = ZoneSpec::new("agent1")
        .net(NetSpec::new("agent1n0").over("e1000g0").mac(mac).vlan(12))
        .net(NetSpec::new("agent1n2").over("nosuch0"))
        .build()?;
    match apply::up_with(host, flavour, &bad, &opts) {
        Err(e) if e.kind() == ErrorKind::LowerLinkMissing => {
            println!("    lower link missing ({}): {e}", e.kind().code());
            println!("    -> the spec names a NIC this host lacks; the run was undone");
        }
        other => return Err(format!("expected a missing lower link, got {other:?}").into()),
    }
    let other = ZoneSpec::new("agent2")
        .net(NetSpec::new("agent1n0").over("e1000g0"))
        .build()?;
    match apply::up_with(host, flavour, &other, &opts) {
        Err(e) if e.kind() == ErrorKind::NameTaken => {
            println!("    name taken ({}): {e}", e.kind().code());
            println!("    -> link names are host-wide on this flavour: pick another name");
        }
        other => return Err(format!("expected a name taken, got {other:?}").into()),
    }
    list(host, flavour, &zone)?;
    println!();

    println!("== 6. gc leaves the zone's links alone");
    let report = netzone::gc::run(host, flavour, false, &mut |_| {})?;
    if report.lines.is_empty() {
        println!("    gc: no orphans");
    }
    for l in &report.lines {
        println!("    gc: {l}");
    }
    if show::zone_rows(host, flavour, &zone)?.is_empty() {
        return Err("gc removed the zone's links".into());
    }
    println!();
    if leave_up {
        println!("(links left up: --leave-up)");
        return Ok(());
    }

    println!("== 7. Tear down and release the zone");
    let o = apply::down(host, flavour, &zone)?;
    println!("    removed: {}", names(&o.removed));
    client::release(host, &zone)?;
    let left = show::zone_rows(host, flavour, &zone)?;
    println!("    links left: {}", left.len());
    if !left.is_empty() {
        return Err("links left after down".into());
    }
    Ok(())
}

fn main() -> ExitCode {
    let mut root_arg: Option<PathBuf> = None;
    let mut leave_up = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--root" => root_arg = args.next().map(PathBuf::from),
            "--leave-up" => leave_up = true,
            _ => {
                eprintln!("usage: agent [--root DIR] [--leave-up]");
                return ExitCode::from(2);
            }
        }
    }
    let bin = target_dir();
    if let Err(e) = ensure_sim(&bin) {
        eprintln!("agent: {e}");
        return ExitCode::from(1);
    }
    let tmp = tempfile::Builder::new()
        .prefix("netzone-agent.")
        .tempdir()
        .expect("temporary directory");
    let root = root_arg.unwrap_or_else(|| tmp.path().to_path_buf());
    let host = match init_sim(&bin, &root) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("agent: {e}");
            return ExitCode::from(1);
        }
    };
    match run(&host, leave_up) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("agent: {e}");
            ExitCode::from(1)
        }
    }
}
