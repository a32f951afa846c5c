//! The simulated-host harness for netzone's integration tests.
//!
//! Each [`Sim`] is a fresh illumos-like root in a temporary directory, made by `illumos-sim init`;
//! zones are written as `etc/zones/<zone>.xml` plus an index line, and a brand whose
//! `prestatechange`/`poststatechange` hooks run the freshly built `netzone-statechange`. Every
//! command runs as a process with `ILLUMOS_SIM_ROOT`, `NETZONE_ROOT` and `NETZONE_DLADM`/`ZONEADM`/
//! `ZONECFG` pointing at the sim, exactly as an operator's host would be driven.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// The directory holding the built binaries (`target/debug`), from the test executable's path
/// (`target/debug/deps/<test>-<hash>`).
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let deps = exe.parent().expect("deps dir");
    let dir = if deps.ends_with("deps") {
        deps.parent().expect("target dir").to_path_buf()
    } else {
        deps.to_path_buf()
    };
    for b in [
        "sim-dladm",
        "sim-zoneadm",
        "sim-zonecfg",
        "sim-route",
        "illumos-sim",
    ] {
        assert!(
            dir.join(b).exists(),
            "{} not found in {}: run cargo build -p netzone-sim",
            b,
            dir.display()
        );
    }
    dir
}

/// Result of a command, with helpers that print everything on failure.
#[derive(Debug)]
pub struct Run {
    pub argv: String,
    pub out: Output,
}

impl Run {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }
    pub fn code(&self) -> Option<i32> {
        self.out.status.code()
    }
    /// Panics with the command's output unless it exited 0.
    #[track_caller]
    pub fn ok(self) -> Self {
        assert!(
            self.out.status.success(),
            "{} failed ({:?})\nstdout:\n{}\nstderr:\n{}",
            self.argv,
            self.out.status,
            self.stdout(),
            self.stderr()
        );
        self
    }
    /// Panics unless it exited non-zero.
    #[track_caller]
    pub fn fails(self) -> Self {
        assert!(
            !self.out.status.success(),
            "{} unexpectedly succeeded\nstdout:\n{}\nstderr:\n{}",
            self.argv,
            self.stdout(),
            self.stderr()
        );
        self
    }
}

/// One link of the simulated host, from `illumos-sim state --json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimLink {
    pub id: u64,
    pub name: String,
    pub zone: String,
    pub class: String,
    pub over: Option<String>,
    pub mac: Option<String>,
    pub vid: u64,
    pub mtu: u64,
    pub props: Vec<(String, String)>,
}

impl SimLink {
    pub fn prop(&self, name: &str) -> Option<&str> {
        self.props
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn mac_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Array(a) => Some(
            a.iter()
                .map(|b| format!("{:x}", b.as_u64().unwrap_or(0)))
                .collect::<Vec<_>>()
                .join(":"),
        ),
        _ => None,
    }
}

/// A network resource of a test zone.
#[derive(Debug, Clone, Default)]
pub struct NetSpec {
    pub physical: String,
    pub global_nic: Option<String>,
    pub mac: Option<String>,
    pub vlan: Option<u16>,
    pub allowed_address: Option<String>,
    pub mtu: Option<u32>,
    /// `<net-attr name="persistent" value="true|false"/>`.
    pub persistent: Option<bool>,
    /// `<net-attr name="blocked_outgoing_ports" value="..."/>`.
    pub blocked_ports: Option<String>,
}

impl NetSpec {
    pub fn new(physical: &str, global_nic: &str) -> Self {
        NetSpec {
            physical: physical.into(),
            global_nic: Some(global_nic.into()),
            ..Default::default()
        }
    }
    /// A net netzone does not manage: a `physical` with no `global-nic` (the operator's link,
    /// which zoneadmd lends at ready).
    pub fn operator(physical: &str) -> Self {
        NetSpec {
            physical: physical.into(),
            ..Default::default()
        }
    }
    pub fn xml(&self) -> String {
        let mut a = format!("<network physical=\"{}\"", self.physical);
        if let Some(g) = &self.global_nic {
            a += &format!(" global-nic=\"{g}\"");
        }
        if let Some(m) = &self.mac {
            a += &format!(" mac-addr=\"{m}\"");
        }
        if let Some(v) = self.vlan {
            a += &format!(" vlan-id=\"{v}\"");
        }
        if let Some(x) = &self.allowed_address {
            a += &format!(" allowed-address=\"{x}\"");
        }
        let mut attrs = String::new();
        if let Some(m) = self.mtu {
            attrs += &format!("\n    <net-attr name=\"mtu\" value=\"{m}\"/>");
        }
        if let Some(p) = self.persistent {
            attrs += &format!("\n    <net-attr name=\"persistent\" value=\"{p}\"/>");
        }
        if let Some(p) = &self.blocked_ports {
            attrs += &format!("\n    <net-attr name=\"blocked_outgoing_ports\" value=\"{p}\"/>");
        }
        if attrs.is_empty() {
            a + "/>"
        } else {
            a + ">" + &attrs + "\n  </network>"
        }
    }
}

/// The brand every test zone uses.
pub const BRAND: &str = "nztest";

/// A simulated host.
pub struct Sim {
    pub dir: tempfile::TempDir,
    pub bin: PathBuf,
    pub flavour: String,
    /// Extra environment for every command (e.g. ILLUMOS_SIM_LATENCY_MS).
    pub env: Vec<(String, String)>,
}

impl Sim {
    /// `illumos-sim init --flavour F --phys ...` in a fresh root, plus the test brand.
    pub fn new(flavour: &str, phys: &[&str]) -> Sim {
        let sim = Sim {
            dir: tempfile::tempdir().expect("tempdir"),
            bin: bin_dir(),
            flavour: flavour.into(),
            env: Vec::new(),
        };
        let root = sim.root().display().to_string();
        sim.illumos_sim(&[
            "init",
            "--root",
            &root,
            "--flavour",
            flavour,
            "--phys",
            &phys.join(","),
        ])
        .ok();
        sim.install_brand(BRAND, None);
        sim
    }

    /// [`Sim::new`], with netzone told the flavour (`NETZONE_FLAVOUR`), so that it runs no
    /// flavour probe.
    pub fn told(flavour: &str, phys: &[&str]) -> Sim {
        let mut sim = Sim::new(flavour, phys);
        sim.env.push(("NETZONE_FLAVOUR".into(), flavour.into()));
        sim
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn statechange_path() -> PathBuf {
        PathBuf::from(env!("CARGO_BIN_EXE_netzone-statechange"))
    }

    /// Writes `usr/lib/brand/<brand>/config.xml` whose hooks run netzone-statechange (with
    /// `extra` options such as `--chain PROGRAM`).
    pub fn install_brand(&self, brand: &str, extra: Option<&str>) {
        let dir = self.root().join("usr/lib/brand").join(brand);
        std::fs::create_dir_all(&dir).unwrap();
        let hook = Self::statechange_path();
        let extra = extra.map(|e| format!("{e} ")).unwrap_or_default();
        let xml = format!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE brand PUBLIC \"-//Sun Microsystems Inc//DTD Brands//EN\" \"file:///usr/share/lib/xml/dtd/brand.dtd.1\">\n<brand name=\"{brand}\">\n\t<modname></modname>\n\t<initname>/sbin/init</initname>\n\t<prestatechange>{h} {extra}pre %z %R</prestatechange>\n\t<poststatechange>{h} {extra}post %z %R</poststatechange>\n</brand>\n",
            h = hook.display()
        );
        std::fs::write(dir.join("config.xml"), xml).unwrap();
        write_platform(&dir);
    }

    /// Writes the zone's XML and its index line (state installed), brand [`BRAND`].
    pub fn add_zone(&self, zone: &str, nets: &[NetSpec]) {
        self.add_zone_with_brand(zone, BRAND, nets)
    }

    /// A brand with no hooks: zoneadm readies and halts its zones without netzone.
    pub fn install_plain_brand(&self, brand: &str) {
        let dir = self.root().join("usr/lib/brand").join(brand);
        std::fs::create_dir_all(&dir).unwrap();
        let xml = format!(
            "<?xml version=\"1.0\"?>\n<brand name=\"{brand}\">\n\t<modname></modname>\n\t<initname>/sbin/init</initname>\n</brand>\n"
        );
        std::fs::write(dir.join("config.xml"), xml).unwrap();
        write_platform(&dir);
    }

    /// A zone of a brand without hooks, made ready by zoneadm, so that `netzone up` (which acts
    /// only for a ready or running zone) creates its links. On gate zoneadm warns that the
    /// links it would lend do not exist yet, and readies the zone all the same.
    pub fn add_ready_plain_zone(&self, zone: &str, nets: &[NetSpec]) {
        self.install_plain_brand("nzplain");
        self.add_zone_with_brand(zone, "nzplain", nets);
        self.zoneadm(&["-z", zone, "ready"]).ok();
    }

    /// Writes the zone's XML and its index line (state installed).
    pub fn add_zone_with_brand(&self, zone: &str, brand: &str, nets: &[NetSpec]) {
        let body: Vec<String> = nets.iter().map(|n| format!("  {}", n.xml())).collect();
        self.add_zone_raw(zone, brand, &body.join("\n"));
    }

    /// Writes the zone's XML with `body` (its `<network>` elements, as written) and its index
    /// line (state installed).
    pub fn add_zone_raw(&self, zone: &str, brand: &str, body: &str) {
        let zones = self.root().join("etc/zones");
        std::fs::create_dir_all(&zones).unwrap();
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE zone PUBLIC \"-//Sun Microsystems Inc//DTD Zones//EN\" \"file:///usr/share/lib/xml/dtd/zonecfg.dtd.1\">\n<zone name=\"{zone}\" zonepath=\"/zones/{zone}\" autoboot=\"false\" brand=\"{brand}\" ip-type=\"exclusive\">\n{body}\n</zone>\n"
        );
        std::fs::write(zones.join(format!("{zone}.xml")), xml).unwrap();
        let index = zones.join("index");
        let mut text = std::fs::read_to_string(&index).unwrap_or_default();
        if !text.lines().any(|l| l.starts_with("global:")) {
            text.insert_str(0, "global:installed:/\n");
        }
        // A stable, valid UUID per zone name.
        let h = zone
            .bytes()
            .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
        text += &format!(
            "{zone}:installed:/zones/{zone}:{:08x}-0000-4000-8000-{:012x}\n",
            h as u32,
            h & 0xffff_ffff_ffff
        );
        std::fs::write(index, text).unwrap();
    }

    pub fn command(&self, program: &Path, args: &[&str]) -> Command {
        let mut c = Command::new(program);
        c.args(args)
            .env("ILLUMOS_SIM_ROOT", self.root())
            .env("NETZONE_ROOT", self.root())
            .env("NETZONE_DLADM", self.bin.join("sim-dladm"))
            .env("NETZONE_ZONEADM", self.bin.join("sim-zoneadm"))
            .env("NETZONE_ZONECFG", self.bin.join("sim-zonecfg"))
            .env("NETZONE_SYSINFO", self.bin.join("sim-sysinfo"))
            .env("NETZONE_FLOWADM", self.bin.join("sim-flowadm"))
            .env_remove("NETZONE_BRAND_FEATURES")
            .env("NETZONE_ROUTE", self.bin.join("sim-route"))
            .env_remove("NETZONE_FLAVOUR")
            .env_remove("ILLUMOS_SIM_FLAVOUR")
            .env_remove("ILLUMOS_SIM_LATENCY_MS");
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    pub fn run(&self, program: &Path, args: &[&str]) -> Run {
        let out = self
            .command(program, args)
            .output()
            .unwrap_or_else(|e| panic!("{}: {e}", program.display()));
        Run {
            argv: format!("{} {}", program.display(), args.join(" ")),
            out,
        }
    }

    pub fn netzone(&self, args: &[&str]) -> Run {
        self.run(Path::new(env!("CARGO_BIN_EXE_netzone")), args)
    }
    pub fn statechange(&self, args: &[&str]) -> Run {
        self.run(&Self::statechange_path(), args)
    }
    /// The brand's pre-ready hook for `zone` (`netzone-statechange pre Z /zones/Z 2 0`), as
    /// zoneadmd runs it, without readying the zone.
    pub fn pre_ready(&self, zone: &str) -> Run {
        self.statechange(&["pre", zone, &format!("/zones/{zone}"), "2", "0"])
    }
    /// Makes `zone`'s pending mark older than `journal::PENDING_SECS` (zoneadmd died long ago).
    /// Returns the mark it replaced.
    pub fn age_pending(&self, zone: &str) -> Value {
        let path = self.journal_path(zone);
        let mut j: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let was = std::mem::replace(&mut j["pending"], Value::from(1));
        std::fs::write(&path, j.to_string()).unwrap();
        was
    }
    pub fn zoneadm(&self, args: &[&str]) -> Run {
        self.run(&self.bin.join("sim-zoneadm"), args)
    }
    pub fn dladm(&self, args: &[&str]) -> Run {
        self.run(&self.bin.join("sim-dladm"), args)
    }
    pub fn flowadm(&self, args: &[&str]) -> Run {
        self.run(&self.bin.join("sim-flowadm"), args)
    }
    /// Every flow of the host as `state --json` lists it (`name`, `link`, `zone`, `attrs`,
    /// `props`), one line each, sorted: `NAME LINK ZONE ATTRS PROPS`.
    pub fn flows(&self) -> Vec<String> {
        let st = self.state();
        let mut v: Vec<String> = st["flows"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|f| {
                format!(
                    "{} {} {} {} {}",
                    f["name"].as_str().unwrap_or(""),
                    f["link"].as_str().unwrap_or(""),
                    f["zone"].as_str().unwrap_or(""),
                    f["attrs"],
                    f["props"]
                )
            })
            .collect();
        v.sort();
        v
    }
    pub fn illumos_sim(&self, args: &[&str]) -> Run {
        self.run(&self.bin.join("illumos-sim"), args)
    }
    pub fn route(&self, args: &[&str]) -> Run {
        self.run(&self.bin.join("sim-route"), args)
    }

    /// `illumos-sim route add DEST INTERFACE`.
    pub fn add_route(&self, dest: &str, interface: &str) {
        self.illumos_sim(&["route", "add", dest, interface]).ok();
    }

    /// `illumos-sim reboot`: a host crash or reboot.
    pub fn reboot(&self) {
        self.illumos_sim(&["reboot"]).ok();
    }

    /// `illumos-sim fault add --cmd C --when W --action A [--nth N]`.
    pub fn fault(&self, cmd: &str, when: &str, action: &str, nth: Option<u32>) {
        let n = nth.map(|n| n.to_string());
        let mut a = vec![
            "fault", "add", "--cmd", cmd, "--when", when, "--action", action,
        ];
        if let Some(n) = &n {
            a.extend(["--nth", n.as_str()]);
        }
        self.illumos_sim(&a).ok();
    }

    pub fn state(&self) -> Value {
        let r = self.illumos_sim(&["state", "--json"]).ok();
        serde_json::from_slice(&r.out.stdout).expect("state --json is JSON")
    }

    /// Every link of the host, with `over` resolved to the lower link's name.
    pub fn links(&self) -> Vec<SimLink> {
        let st = self.state();
        let raw = st["links"].as_array().cloned().unwrap_or_default();
        let name_of = |id: u64| {
            raw.iter()
                .find(|l| l["id"].as_u64() == Some(id))
                .and_then(|l| l["name"].as_str())
                .map(String::from)
        };
        raw.iter()
            .map(|l| SimLink {
                id: l["id"].as_u64().unwrap_or(0),
                name: l["name"].as_str().unwrap_or("").into(),
                zone: l["zone"].as_str().unwrap_or("").into(),
                class: l["class"].as_str().unwrap_or("").into(),
                over: l["over"]
                    .as_str()
                    .map(String::from)
                    .or_else(|| l["over"].as_u64().and_then(name_of)),
                mac: mac_text(&l["macaddress"]).or_else(|| mac_text(&l["mac"])),
                vid: l["vid"].as_u64().unwrap_or(0),
                mtu: l["mtu"].as_u64().unwrap_or(0),
                props: l["props"]
                    .as_object()
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| {
                                (
                                    k.clone(),
                                    v.as_str()
                                        .map(String::from)
                                        .unwrap_or_else(|| v.to_string()),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect()
    }

    /// VNICs (every class but phys/etherstub).
    pub fn vnics(&self) -> Vec<SimLink> {
        self.links()
            .into_iter()
            .filter(|l| l.class == "vnic")
            .collect()
    }

    /// The zone's state as `sim-zoneadm list -cp` prints it.
    pub fn zone_state(&self, zone: &str) -> String {
        let r = self.zoneadm(&["list", "-cp"]).ok();
        r.stdout()
            .lines()
            .find_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                (f.get(1) == Some(&zone)).then(|| f[2].to_string())
            })
            .unwrap_or_default()
    }

    pub fn journal_path(&self, zone: &str) -> PathBuf {
        self.root()
            .join("etc/svc/volatile/netzone")
            .join(format!("{zone}.json"))
    }

    /// Where the records of the zone's persistent links are kept.
    pub fn persistent_journal_path(&self, zone: &str) -> PathBuf {
        self.root().join("etc/netzone").join(format!("{zone}.json"))
    }

    /// The zone's journal, if any: the records of its temporary links (volatile) and of its
    /// persistent links (`etc/netzone`), in one `links` array.
    pub fn journal(&self, zone: &str) -> Option<Value> {
        let read = |p: PathBuf| -> Option<Value> {
            let text = std::fs::read_to_string(p).ok()?;
            Some(serde_json::from_str(&text).expect("journal is JSON"))
        };
        match (
            read(self.journal_path(zone)),
            read(self.persistent_journal_path(zone)),
        ) {
            (None, None) => None,
            (Some(j), None) | (None, Some(j)) => Some(j),
            (Some(mut v), Some(p)) => {
                let extra = p["links"].as_array().cloned().unwrap_or_default();
                if let Some(a) = v["links"].as_array_mut() {
                    a.extend(extra);
                }
                Some(v)
            }
        }
    }

    /// Lines of the sim's command log.
    pub fn log(&self) -> Vec<String> {
        std::fs::read_to_string(self.root().join("var/sim/log"))
            .unwrap_or_default()
            .lines()
            .map(String::from)
            .collect()
    }

    /// The zone's XML as written now.
    pub fn zone_xml(&self, zone: &str) -> String {
        std::fs::read_to_string(self.root().join(format!("etc/zones/{zone}.xml"))).unwrap()
    }
}

/// A minimal `platform.xml` beside a test brand's config.xml (libbrand `brand_open` refuses a
/// brand without one, and so does the sim).
pub const PLATFORM_XML: &str =
    "<?xml version=\"1.0\"?>\n<platform name=\"sim\" allow-exclusive-ip=\"true\">\n</platform>\n";

/// Writes [`PLATFORM_XML`] into a brand directory.
pub fn write_platform(brand_dir: &Path) {
    std::fs::write(brand_dir.join("platform.xml"), PLATFORM_XML).unwrap();
}

/// Whether `name` is a netzone temporary name.
pub fn is_temp(name: &str) -> bool {
    netzone::linkname::LinkName::new(name)
        .map(|n| netzone::tempname::is_temp_name(&n))
        .unwrap_or(false)
}

/// The dlmgmtd check a "not found" delete runs (`observe::dlmgmtd_probe_command`), as the sim's
/// log spells its arguments.
pub const DLMGMTD_PROBE: &str = "show-link -p -o LINK nzprobe0";

/// The commands that changed the host past `mark` in the sim's log: dladm but its observation
/// walks (`show-*`; the dlmgmtd check right after a delete counts, as that delete's fallback),
/// zonecfg's commits, flowadm, zoneadm halts. Each is the log line's words from the program on,
/// as logged (`sim-dladm`, arguments in the log's quoting).
pub fn host_changes(sim: &Sim, mark: usize) -> Vec<Vec<String>> {
    let log = sim.log();
    let words = |l: &str| -> Vec<String> { l.split(' ').skip(3).map(String::from).collect() };
    let mut out = Vec::new();
    for (i, l) in log.iter().enumerate().skip(mark) {
        let w = words(l);
        let Some(prog) = w.first() else { continue };
        let rest = w[1..].join(" ");
        let after_delete =
            i > 0 && words(&log[i - 1]).get(1).map(String::as_str) == Some("delete-vnic");
        let keep = match prog.as_str() {
            "sim-dladm" => !rest.starts_with("show-") || (rest == DLMGMTD_PROBE && after_delete),
            "sim-zonecfg" => rest.contains("commit"),
            "sim-flowadm" => true,
            "sim-zoneadm" => rest.ends_with(" halt"),
            _ => false,
        };
        if keep {
            out.push(w);
        }
    }
    out
}

/// A zone stuck `down` (dlmgmtd stopped during its halt) holding netzone's net0 and the
/// operator's data0, on a host with two NICs whose flavour netzone is told.
pub fn stranded(flavour: &str) -> Sim {
    let sim = Sim::told(flavour, &["e1000g0", "e1000g1"]);
    sim.add_zone(
        "web1",
        &[NetSpec::new("net0", "e1000g0"), NetSpec::operator("data0")],
    );
    sim.dladm(&["create-vnic", "-t", "-l", "e1000g1", "data0"])
        .ok();
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    sim.illumos_sim(&["dlmgmtd", "stop"]).ok();
    sim.zoneadm(&["-z", "web1", "halt"]).fails();
    sim.illumos_sim(&["dlmgmtd", "start"]).ok();
    assert_eq!(sim.zone_state("web1"), "down");
    sim
}

/// gate: web1's pre-ready hook left net0 in the global zone and web2's left net5, both long ago
/// (orphans), and dladm cannot read net0's zone (`illumos-sim zone-unreadable`).
pub fn unreadable_orphans() -> Sim {
    let sim = Sim::new("gate", &["e1000g0"]);
    sim.add_zone("web1", &[NetSpec::new("net0", "e1000g0")]);
    sim.add_zone("web2", &[NetSpec::new("net5", "e1000g0")]);
    for z in ["web1", "web2"] {
        sim.pre_ready(z).ok();
        sim.age_pending(z);
    }
    sim.illumos_sim(&["zone-unreadable", "net0", "on"]).ok();
    sim
}

/// Spawns `cmd` (its output piped), sends it SIGTERM once it has started changing the host (its
/// first command is in the sim's log, whatever the machine's load; 20 s at the most), and
/// returns its output.
pub fn sigterm_once_started(sim: &Sim, cmd: &mut Command) -> Output {
    let mark = sim.log().len();
    let child = cmd.spawn().unwrap();
    let t = std::time::Instant::now();
    while sim.log().len() == mark && t.elapsed() < std::time::Duration::from_secs(20) {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // SAFETY: plain system call on our own child's pid.
    assert_eq!(
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) },
        0
    );
    child.wait_with_output().unwrap()
}
