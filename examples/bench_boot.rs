//! Benchmark: processes and wall time per zone boot on the simulated host.
//!
//! For zones of 1, 4 and 16 nets (no `mac-addr`, so the assigned MACs are written back), in each
//! dladm flavour, boots the zone with `sim-zoneadm -z Z boot` under `ILLUMOS_SIM_LATENCY_MS`
//! (default 20), counts the dladm and zonecfg processes the boot ran from the sim's command log,
//! and prints them beside the target (2 per net + 3 per zone) and beside what SmartOS's
//! `jcommon/statechange` spends for the same zone (per NIC: show-vnic, create-vnic, rename-link,
//! set-linkprop protection, set-linkprop allowed-ips, plus show-vnic and zonecfg when no MAC is
//! configured: 7 per NIC). The flavour cache is warmed by one earlier boot, as on a host that has
//! booted any zone since its own boot. Halt is measured too, and a second boot of the same zone,
//! whose MACs are saved as `mac-addr` by then (so it checks them host-wide and writes nothing
//! back); the issue 9 budgets (joyent boot <= 2N dladm + 1 zonecfg and halt 1 dladm, gate halt
//! <= N + 1) are checked, and the run exits 1 if one is missed.
//!
//! Run: `cargo build -p netzone-sim && cargo run --release --example bench_boot`
//! (or `cargo run --example bench_boot`; the sim's binaries are taken from the same target dir).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    // target/<profile>/examples/bench_boot
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    for b in [
        "sim-dladm",
        "sim-zoneadm",
        "sim-zonecfg",
        "illumos-sim",
        "sim-sysinfo",
        "sim-flowadm",
        "netzone-statechange",
    ] {
        if !dir.join(b).exists() {
            eprintln!(
                "bench_boot: {} missing in {}: run cargo build -p netzone-sim --bins && cargo build --bins (same profile)",
                b,
                dir.display()
            );
            std::process::exit(1);
        }
    }
    dir.to_path_buf()
}

struct Host {
    root: tempfile::TempDir,
    bin: PathBuf,
    latency: String,
}

impl Host {
    fn run(&self, prog: &str, args: &[&str]) -> Duration {
        let t = Instant::now();
        let out = Command::new(self.bin.join(prog))
            .args(args)
            .env("ILLUMOS_SIM_ROOT", self.root.path())
            .env("NETZONE_ROOT", self.root.path())
            .env("NETZONE_DLADM", self.bin.join("sim-dladm"))
            .env("NETZONE_ZONEADM", self.bin.join("sim-zoneadm"))
            .env("NETZONE_ZONECFG", self.bin.join("sim-zonecfg"))
            .env("NETZONE_SYSINFO", self.bin.join("sim-sysinfo"))
            .env("NETZONE_FLOWADM", self.bin.join("sim-flowadm"))
            .env("ILLUMOS_SIM_LATENCY_MS", &self.latency)
            .env_remove("NETZONE_FLAVOUR")
            .env_remove("ILLUMOS_SIM_FLAVOUR")
            .output()
            .expect("run");
        let d = t.elapsed();
        if !out.status.success() {
            eprintln!(
                "{prog} {}: failed\n{}{}",
                args.join(" "),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            std::process::exit(1);
        }
        d
    }

    fn new(bin: &Path, flavour: &str, latency: &str) -> Host {
        let h = Host {
            root: tempfile::tempdir().unwrap(),
            bin: bin.to_path_buf(),
            latency: latency.into(),
        };
        let root = h.root.path().display().to_string();
        h.run(
            "illumos-sim",
            &[
                "init",
                "--root",
                &root,
                "--flavour",
                flavour,
                "--phys",
                "e1000g0",
            ],
        );
        let dir = h.root.path().join("usr/lib/brand/nzbench");
        std::fs::create_dir_all(&dir).unwrap();
        let hook = bin.join("netzone-statechange");
        std::fs::write(
            dir.join("config.xml"),
            format!(
                "<?xml version=\"1.0\"?>\n<brand name=\"nzbench\">\n<prestatechange>{h} pre %z %R</prestatechange>\n<poststatechange>{h} post %z %R</poststatechange>\n</brand>\n",
                h = hook.display()
            ),
        )
        .unwrap();
        // libbrand's brand_open also needs the brand's platform.xml.
        std::fs::write(
            dir.join("platform.xml"),
            "<?xml version=\"1.0\"?>\n<platform name=\"nzbench\" allow-exclusive-ip=\"true\">\n</platform>\n",
        )
        .unwrap();
        h
    }

    /// A zone with `nets` nets named `<zone>0..` over e1000g0 (names unique host-wide, as gate
    /// needs).
    fn add_zone(&self, zone: &str, nets: usize) {
        let body: String = (0..nets)
            .map(|i| format!("  <network physical=\"{zone}{i}\" global-nic=\"e1000g0\"/>\n"))
            .collect();
        self.write_zone(zone, &body);
    }

    /// Writes `zone`'s configuration with `body` as its resources, and adds it to the index,
    /// installed.
    fn write_zone(&self, zone: &str, body: &str) {
        let zones = self.root.path().join("etc/zones");
        std::fs::create_dir_all(&zones).unwrap();
        std::fs::write(
            zones.join(format!("{zone}.xml")),
            format!("<?xml version=\"1.0\"?>\n<zone name=\"{zone}\" zonepath=\"/zones/{zone}\" brand=\"nzbench\" ip-type=\"exclusive\">\n{body}</zone>\n"),
        )
        .unwrap();
        let idx = zones.join("index");
        let mut text =
            std::fs::read_to_string(&idx).unwrap_or_else(|_| "global:installed:/\n".into());
        let n = text.lines().count();
        text += &format!("{zone}:installed:/zones/{zone}:00000000-0000-4000-8000-{n:012x}\n");
        std::fs::write(idx, text).unwrap();
    }

    fn log_len(&self) -> usize {
        std::fs::read_to_string(self.root.path().join("var/sim/log"))
            .unwrap_or_default()
            .lines()
            .count()
    }

    /// dladm and zonecfg processes logged since line `from`.
    fn count_since(&self, from: usize) -> (usize, usize) {
        let (d, z, _) = self.count_all_since(from);
        (d, z)
    }

    /// dladm, zonecfg and other (sysinfo, flowadm) processes logged since line `from`.
    fn count_all_since(&self, from: usize) -> (usize, usize, usize) {
        let log = std::fs::read_to_string(self.root.path().join("var/sim/log")).unwrap_or_default();
        let (mut d, mut z, mut o) = (0, 0, 0);
        for l in log.lines().skip(from) {
            match l.split(' ').nth(3) {
                Some("sim-dladm") => d += 1,
                Some("sim-zonecfg") => z += 1,
                Some("sim-sysinfo") | Some("sim-flowadm") => o += 1,
                _ => {}
            }
        }
        (d, z, o)
    }

    /// A zone as SmartOS's vmadm writes it: 4 nets over nic tags (`admin`, `external`), no
    /// `mac-addr` (written back), addresses in `ips`, one DHCP net and one with VLAN 42.
    fn add_smartos_zone(&self, zone: &str) {
        let nets = [
            ("admin", "", "10.0.0.5/24"),
            ("external", " vlan-id=\"42\"", "192.168.9.5/24"),
            ("external", "", "dhcp,addrconf"),
            ("admin", "", "10.0.1.5/24"),
        ];
        let body: String = nets
            .iter()
            .enumerate()
            .map(|(i, (tag, extra, ips))| {
                format!("  <network physical=\"net{i}\" global-nic=\"{tag}\"{extra}><net-attr name=\"ips\" value=\"{ips}\"/><net-attr name=\"primary\" value=\"{}\"/></network>\n", i == 0)
            })
            .collect();
        self.write_zone(zone, &body);
    }
}

fn main() {
    let bin = bin_dir();
    let latency = std::env::var("ILLUMOS_SIM_LATENCY_MS").unwrap_or_else(|_| "20".into());
    println!("netzone boot benchmark, ILLUMOS_SIM_LATENCY_MS={latency}");
    println!(
        "{:<7} {:>4} {:>6} {:>7} {:>6} {:>9} {:>9} {:>8} {:>10} {:>9} {:>8}",
        "flavour",
        "nets",
        "dladm",
        "zonecfg",
        "total",
        "target",
        "smartos",
        "ok",
        "boot ms",
        "halt ms",
        "halt pr"
    );
    let mut all_ok = true;
    let mut reboots = Vec::new();
    for flavour in ["joyent", "gate"] {
        for nets in [1usize, 4, 16] {
            let h = Host::new(&bin, flavour, &latency);
            // Warm the per-boot flavour cache as any earlier zone boot would.
            h.add_zone("warm", 1);
            h.run("sim-zoneadm", &["-z", "warm", "boot"]);
            h.add_zone("bench", nets);
            let from = h.log_len();
            let boot = h.run("sim-zoneadm", &["-z", "bench", "boot"]);
            let (d, z) = h.count_since(from);
            let from = h.log_len();
            let halt = h.run("sim-zoneadm", &["-z", "bench", "halt"]);
            let (hd, hz) = h.count_since(from);
            // Booted again: the MACs netzone chose are saved as `mac-addr` now, so the boot
            // checks them host-wide (issue 9 item 4) and writes nothing back.
            let from = h.log_len();
            let reboot = h.run("sim-zoneadm", &["-z", "bench", "boot"]);
            let (rd, rz) = h.count_since(from);
            h.run("sim-zoneadm", &["-z", "bench", "halt"]);
            let target = 2 * nets + 3;
            let smartos = 7 * nets;
            let ok = d + z <= target;
            all_ok &= ok;
            // The budgets: joyent boot 2N dladm + 1 zonecfg, halt 1 dladm; gate halt
            // N + 1 dladm.
            let budget = match flavour {
                "joyent" => d <= 2 * nets && z <= 1 && hd + hz <= 1,
                _ => hd + hz <= nets + 1,
            };
            all_ok &= budget;
            reboots.push(format!(
                "{flavour:<7} {nets:>4} {rd:>6} {rz:>7} {:>6} {:>10.1} {:>8}",
                rd + rz,
                reboot.as_secs_f64() * 1000.0,
                if budget { "yes" } else { "NO" },
            ));
            println!(
                "{:<7} {:>4} {:>6} {:>7} {:>6} {:>9} {:>9} {:>8} {:>10.1} {:>9.1} {:>8}",
                flavour,
                nets,
                d,
                z,
                d + z,
                format!("<= {target}"),
                smartos,
                if ok { "yes" } else { "NO" },
                boot.as_secs_f64() * 1000.0,
                halt.as_secs_f64() * 1000.0,
                hd + hz
            );
        }
    }
    println!(
        "\nre-boot with the chosen MACs saved as mac-addr (checked host-wide), and the issue's\n\
         budgets (joyent boot <= 2N dladm + 1 zonecfg, halt 1 dladm; gate halt <= N + 1):"
    );
    println!(
        "{:<7} {:>4} {:>6} {:>7} {:>6} {:>10} {:>8}",
        "flavour", "nets", "dladm", "zonecfg", "total", "reboot ms", "budgets"
    );
    for l in &reboots {
        println!("{l}");
    }
    // A SmartOS-style zone (nic tags, ips, DHCP, no mac-addr) on joyent. SmartOS's
    // jcommon/statechange runs 26 dladm and 3 zonecfg for it (per net: show-vnic, create-vnic,
    // rename-link, protection, allowed-ips or dynamic-methods and allow-all-dhcp-cids, show-vnic
    // and zonecfg for the MAC), plus its sysinfo; netzone must stay well under half.
    let h = Host::new(&bin, "joyent", &latency);
    h.run("illumos-sim", &["nictag", "set", "admin", "e1000g0"]);
    h.run("illumos-sim", &["nictag", "set", "external", "e1000g0"]);
    h.add_zone("warm", 1);
    h.run("sim-zoneadm", &["-z", "warm", "boot"]);
    h.add_smartos_zone("smartos");
    let from = h.log_len();
    let boot = h.run("sim-zoneadm", &["-z", "smartos", "boot"]);
    let (d, z, o) = h.count_all_since(from);
    let from = h.log_len();
    let halt = h.run("sim-zoneadm", &["-z", "smartos", "halt"]);
    let (hd, hz, ho) = h.count_all_since(from);
    let ok = d + z + o < (26 + 3) / 2;
    all_ok &= ok;
    println!(
        "SmartOS-style zone (joyent, 4 nets, nic tags): dladm {d}, zonecfg {z}, sysinfo+flowadm {o}, total {} (SmartOS: 26 dladm + 3 zonecfg = 29; target < 14) {}; boot {:.1} ms, halt {:.1} ms ({} processes)",
        d + z + o,
        if ok { "ok" } else { "NO" },
        boot.as_secs_f64() * 1000.0,
        halt.as_secs_f64() * 1000.0,
        hd + hz + ho
    );
    if !all_ok {
        std::process::exit(1);
    }
}
