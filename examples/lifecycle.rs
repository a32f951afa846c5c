//! A walk-through of netzone on the simulated illumos host: `cargo run --example lifecycle`.
//!
//! It builds a host with two NICs, configures three exclusive-IP zones (two that both call their
//! link `net0`, one with a VLAN and a fixed MAC address), wires netzone's hook into their brand,
//! boots them at the same moment, shows where every link is, then reproduces the classic
//! failure: dlmgmtd dies, a halt leaves a zone stuck `down`, and `netzone recover` brings it back.
//! Every command it runs is printed the way an operator would type it, followed by its output.
//!
//! The binaries come from the same target directory as this example: netzone's own
//! (`netzone`, `netzone-statechange`) and the simulated host's (`illumos-sim`, `sim-dladm`,
//! `sim-zoneadm`, `sim-zonecfg`). Missing ones are built with `cargo build` first. Set
//! `NETZONE_EXAMPLE_KEEP=1` to keep the simulated host's directory for poking at afterwards.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Output};
use std::time::Instant;

const NETZONE_BINS: &[&str] = &["netzone", "netzone-statechange"];
const SIM_BINS: &[&str] = &["illumos-sim", "sim-dladm", "sim-zoneadm", "sim-zonecfg"];

/// `target/<profile>`, the directory holding this example's `examples/` directory.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>/examples/lifecycle")
        .to_path_buf()
}

/// Builds whatever binaries are missing, with the cargo that runs us (same profile).
fn ensure_binaries(dir: &Path) -> Result<(), String> {
    let missing = |bins: &[&str]| bins.iter().any(|b| !dir.join(b).exists());
    let release = dir.file_name().is_some_and(|n| n == "release");
    for (pkg, bins) in [("netzone", NETZONE_BINS), ("netzone-sim", SIM_BINS)] {
        if !missing(bins) {
            continue;
        }
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut args = vec!["build", "-q", "-p", pkg, "--bins"];
        if release {
            args.push("--release");
        }
        eprintln!(
            "(building the {pkg} binaries first: cargo {})",
            args.join(" ")
        );
        let ok = Command::new(&cargo)
            .args(&args)
            .status()
            .is_ok_and(|s| s.success());
        if !ok || missing(bins) {
            return Err(format!(
                "the {pkg} binaries are missing from {}; run: cargo build -p {pkg} --bins",
                dir.display()
            ));
        }
    }
    Ok(())
}

/// The simulated host and how to run commands on it.
struct Host {
    root: PathBuf,
    bin: PathBuf,
}

impl Host {
    fn command(&self, prog: &str, args: &[&str]) -> Command {
        let mut c = Command::new(self.bin.join(prog));
        c.args(args)
            .env("ILLUMOS_SIM_ROOT", &self.root)
            .env("NETZONE_ROOT", &self.root)
            .env("NETZONE_DLADM", self.bin.join("sim-dladm"))
            .env("NETZONE_ZONEADM", self.bin.join("sim-zoneadm"))
            .env("NETZONE_ZONECFG", self.bin.join("sim-zonecfg"))
            .env_remove("NETZONE_FLAVOUR")
            .env_remove("ILLUMOS_SIM_FLAVOUR")
            .env_remove("ILLUMOS_SIM_LATENCY_MS");
        c
    }

    fn output(&self, prog: &str, args: &[&str]) -> Output {
        self.command(prog, args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {prog}: {e}"))
    }

    /// Runs a command, printing it as the operator's prompt line and its output indented.
    /// `expect_ok`: whether a non-zero exit is a surprise (then the walk-through stops).
    fn show(&self, display: &str, prog: &str, args: &[&str], expect_ok: bool) -> Output {
        let out = self.output(prog, args);
        if display.contains(' ') {
            println!("  # {display}");
        } else {
            println!("  # {display} {}", args.join(" "));
        }
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text += &String::from_utf8_lossy(&out.stderr);
        for l in text.lines() {
            println!("    {l}");
        }
        if !out.status.success() {
            println!("    (exit status {})", out.status.code().unwrap_or(-1));
        }
        if expect_ok && !out.status.success() {
            panic!("{display} {} failed unexpectedly", args.join(" "));
        }
        println!();
        out
    }

    fn netzone(&self, args: &[&str]) -> Output {
        self.show("netzone", "netzone", args, true)
    }

    fn zone_states(&self) -> String {
        let out = self.output("sim-zoneadm", &["list", "-cp"]);
        let mut s = String::new();
        for l in String::from_utf8_lossy(&out.stdout).lines() {
            let f: Vec<&str> = l.split(':').collect();
            if f.len() > 2 && f[1] != "global" {
                let _ = write!(s, "{}={} ", f[1], f[2]);
            }
        }
        s.trim_end().to_string()
    }
}

fn step(n: u32, title: &str, text: &str) {
    println!("== {n}. {title}\n");
    for l in text.lines() {
        println!("{l}");
    }
    println!();
}

const ZONES: &[(&str, &str)] = &[
    (
        "web1",
        r#"  <network physical="net0" global-nic="e1000g0" allowed-address="192.168.10.11/24" defrouter="192.168.10.1"/>"#,
    ),
    (
        "web2",
        r#"  <network physical="net0" global-nic="e1000g0" allowed-address="192.168.10.12/24" defrouter="192.168.10.1"/>"#,
    ),
    (
        "db1",
        r#"  <network physical="net0" global-nic="e1000g1" vlan-id="42" mac-addr="2:8:20:ab:cd:ef"/>
  <network physical="data0"/>"#,
    ),
];

fn write_zone(root: &Path, name: &str, nets: &str) {
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <!DOCTYPE zone PUBLIC \"-//Sun Microsystems Inc//DTD Zones//EN\" \"file:///usr/share/lib/xml/dtd/zonecfg.dtd.1\">\n\
         <zone name=\"{name}\" zonepath=\"/zones/{name}\" autoboot=\"false\" brand=\"netzone-demo\" ip-type=\"exclusive\">\n{nets}\n</zone>\n"
    );
    std::fs::write(root.join(format!("etc/zones/{name}.xml")), xml).expect("zone xml");
}

fn run(host: &Host) {
    let root = &host.root;
    step(
        1,
        "A host",
        &format!(
            "The simulated illumos host lives in {}: the same layout as a real root\n\
             (etc/zones, usr/lib/brand, ...) plus the kernel's datalink state. It has two NICs,\n\
             e1000g0 and e1000g1, and speaks SmartOS's dladm (the joyent flavour, with -z).",
            root.display()
        ),
    );
    host.show(
        "illumos-sim",
        "illumos-sim",
        &[
            "init",
            "--root",
            &root.display().to_string(),
            "--flavour",
            "joyent",
            "--phys",
            "e1000g0,e1000g1",
        ],
        true,
    );
    host.show("dladm", "sim-dladm", &["show-link"], true);

    let hook = host.bin.join("netzone-statechange");
    let brand_dir = root.join("usr/lib/brand/netzone-demo");
    std::fs::create_dir_all(&brand_dir).expect("brand dir");
    std::fs::create_dir_all(root.join("etc/zones")).expect("zones dir");
    let brand = format!(
        "<?xml version=\"1.0\"?>\n\
         <!DOCTYPE brand PUBLIC \"-//Sun Microsystems Inc//DTD Brands//EN\" \"file:///usr/share/lib/xml/dtd/brand.dtd.1\">\n\
         <brand name=\"netzone-demo\">\n\
         \t<modname></modname>\n\
         \t<initname>/sbin/init</initname>\n\
         \t<prestatechange>{h} pre %z %R</prestatechange>\n\
         \t<poststatechange>{h} post %z %R</poststatechange>\n\
         </brand>\n",
        h = hook.display()
    );
    std::fs::write(brand_dir.join("config.xml"), &brand).expect("config.xml");
    // libbrand's brand_open also needs the brand's platform.xml.
    std::fs::write(
        brand_dir.join("platform.xml"),
        "<?xml version=\"1.0\"?>\n<platform name=\"netzone-demo\" allow-exclusive-ip=\"true\">\n</platform>\n",
    )
    .expect("platform.xml");
    step(
        2,
        "Wire netzone into the zone brand",
        "zoneadmd runs a brand's prestatechange and poststatechange hooks around every state\n\
         change, appending the state and the command. netzone-statechange is that hook: it\n\
         creates a zone's VNICs after ready and removes them at halt. The brand's config.xml\n\
         (usr/lib/brand/netzone-demo/config.xml) names it:",
    );
    for l in brand.lines().filter(|l| l.contains("statechange>")) {
        println!("    {}", l.trim());
    }
    println!();

    let mut index = String::from("global:installed:/\n");
    for (i, (name, nets)) in ZONES.iter().enumerate() {
        write_zone(root, name, nets);
        index +=
            &format!("{name}:installed:/zones/{name}:6e7a0000-0000-4000-8000-00000000000{i}\n");
    }
    std::fs::write(root.join("etc/zones/index"), index).expect("index");
    step(
        3,
        "Three zones",
        "Each zone's network comes from its zonecfg `net` resources. A `global-nic` asks netzone\n\
         to create a VNIC over that link; `physical` is the link's name inside the zone. web1 and\n\
         web2 both want `net0` over e1000g0 (with an allowed-address, which netzone turns into\n\
         anti-spoofing link properties); db1 wants a tagged VNIC (VLAN 42) with a fixed MAC\n\
         address over e1000g1, and also borrows `data0`, a link the operator made by hand\n\
         (no global-nic: netzone never creates or deletes it; zoneadmd lends it to the zone):",
    );
    host.show(
        "dladm",
        "sim-dladm",
        &["create-vnic", "-t", "-l", "e1000g0", "data0"],
        true,
    );
    for (name, nets) in ZONES {
        println!("    {name}:");
        for l in nets.lines() {
            println!("    {l}");
        }
    }
    println!();
    println!("`netzone check` validates them the way the brand's verify_cfg hook would:\n");
    let out = host.netzone(&["check", "web1", "web2", "db1"]);
    if out.stdout.is_empty() && out.stderr.is_empty() {
        println!("(no complaint: all three are valid)\n");
    }

    step(
        4,
        "Boot all three at once",
        "Each boot runs the hook, which creates the VNIC under a temporary name with\n\
         `-p zone=Z` (so it lands in the zone), then renames it to net0 inside the zone with\n\
         `rename-link -z`. Link names are per zone, so web1 and web2 can both have a net0\n\
         even when they boot at the same moment.",
    );
    let t = Instant::now();
    let spawned: Vec<_> = ZONES
        .iter()
        .map(|(z, _)| {
            println!("  # zoneadm -z {z} boot &");
            host.command("sim-zoneadm", &["-z", z, "boot"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn zoneadm boot")
        })
        .collect();
    println!("  # wait");
    let mut all_ok = true;
    for (c, (z, _)) in spawned.into_iter().zip(ZONES) {
        let out = c.wait_with_output().expect("wait for zoneadm boot");
        let ok = out.status.success();
        all_ok &= ok;
        println!("    {z}: {}", if ok { "booted" } else { "FAILED" });
        for l in String::from_utf8_lossy(&out.stderr).lines() {
            println!("      {l}");
        }
    }
    assert!(all_ok, "a zone failed to boot");
    println!(
        "  # zoneadm list: {}   ({} ms)\n",
        host.zone_states(),
        t.elapsed().as_millis()
    );
    println!("`netzone show` lists every link netzone knows of, who owns it and whether it is where\nit should be:\n");
    host.netzone(&["show"]);
    println!("dladm itself agrees (its ZONE column is the SmartOS extension):\n");
    host.show("dladm", "sim-dladm", &["show-vnic"], true);
    println!("The same as parseable output, in dladm's convention (`:` inside values escaped):\n");
    host.netzone(&["show", "-p", "-o", "link,zone,macaddress,vid"]);

    step(
        5,
        "Trouble: dlmgmtd dies, a halt leaves db1 stuck `down`",
        "When dlmgmtd is not running at halt, zoneadmd cannot take the zone's links back; the\n\
         teardown fails and the zone sits in `down` with its links still in it. Until now the\n\
         usual way out was a reboot of the whole host.",
    );
    host.show(
        "svcadm disable datalink-management      (the sim: illumos-sim dlmgmtd stop)",
        "illumos-sim",
        &["dlmgmtd", "stop"],
        true,
    );
    host.show("zoneadm", "sim-zoneadm", &["-z", "db1", "halt"], false);
    println!("  # zoneadm list: {}\n", host.zone_states());

    println!("netzone will not act while dlmgmtd is down; it says so and changes nothing:\n");
    host.show("netzone", "netzone", &["recover", "db1"], false);

    step(
        6,
        "Recover",
        "Once dlmgmtd runs again, `netzone show` marks db1's links stuck. `netzone recover`\n\
         deletes the links netzone created (its journal proves it), hands the operator's link\n\
         back to the global zone, then halts the zone again. --dry-run shows the plan first,\n\
         each command with its fallbacks.",
    );
    host.show(
        "svcadm enable datalink-management       (the sim: illumos-sim dlmgmtd start)",
        "illumos-sim",
        &["dlmgmtd", "start"],
        true,
    );
    println!(
        "Before anyone gets to db1, someone creates another data0 in the global zone: handing\n\
         db1's data0 back now would make two (illumos bug 10001).\n"
    );
    host.show(
        "dladm",
        "sim-dladm",
        &["create-vnic", "-t", "-l", "e1000g1", "data0"],
        true,
    );
    host.netzone(&["show", "db1"]);
    host.netzone(&["recover", "--dry-run", "db1"]);
    println!(
        "data0 is the operator's: netzone never renames a link it did not create, so recover\n\
         frees what it can, says what blocks the rest, and leaves db1 `down`:\n"
    );
    host.show("netzone", "netzone", &["recover", "db1"], false);
    println!("The operator renames the global zone's data0 and runs recover again:\n");
    host.show(
        "dladm",
        "sim-dladm",
        &["rename-link", "data0", "data1"],
        true,
    );
    host.netzone(&["recover", "db1"]);

    step(
        7,
        "Clean again",
        "db1 is installed; netzone's link is gone and the operator's data0 is back in the global\n\
         zone under its own name; web1 and web2 never noticed. Nothing is orphaned (`netzone show\n\
         --orphans` exits 0: a check for monitoring), and db1 boots again with the same MAC\n\
         address (it borrows the global zone's data0 now).",
    );
    println!("  # zoneadm list: {}\n", host.zone_states());
    host.netzone(&["show"]);
    host.show(
        "dladm",
        "sim-dladm",
        &["show-vnic", "-o", "link,over,zone"],
        true,
    );
    host.netzone(&["show", "--orphans"]);
    host.show("zoneadm", "sim-zoneadm", &["-z", "db1", "boot"], true);
    host.netzone(&["show", "-o", "link,zone,macaddress,vid,state", "db1"]);
    println!("Done. `man -l man/netzone.8` has the rest.");
}

fn main() -> ExitCode {
    let bin = target_dir();
    if let Err(e) = ensure_binaries(&bin) {
        eprintln!("lifecycle: {e}");
        return ExitCode::from(1);
    }
    let dir = tempfile::Builder::new()
        .prefix("netzone-demo.")
        .tempdir()
        .expect("temporary directory");
    let host = Host {
        root: dir.path().join("root"),
        bin,
    };
    std::fs::create_dir_all(&host.root).expect("root");
    run(&host);
    if std::env::var_os("NETZONE_EXAMPLE_KEEP").is_some() {
        let kept = dir.keep();
        println!("The simulated host is kept in {}.", kept.display());
    }
    ExitCode::SUCCESS
}
