//! The load proof, shared by `tests/proof_load.rs` (small) and `benches/load.rs` (full size):
//! N zones with two nets each, all named `net0`/`net1` over the same two NICs, booted
//! concurrently then halted concurrently, for R rounds. Counts failures, name collisions and
//! leaks, and times boots and the brand hooks.
//!
//! Hook time is measured by a timing brand whose `prestatechange`/`poststatechange` run
//! `netzone-statechange` under a small bash wrapper that records `$EPOCHREALTIME` before and
//! after (builtins only, so the wrapper adds one bash start per hook and no other process).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::common::{is_temp, NetSpec, Sim, BRAND};

#[derive(Debug, Clone)]
pub struct LoadOpts {
    pub zones: usize,
    pub rounds: usize,
    /// Boots (or halts) in flight at once.
    pub jobs: usize,
    pub flavour: String,
    /// `ILLUMOS_SIM_LATENCY_MS` for every sim command (0 = none).
    pub latency_ms: u64,
}

impl Default for LoadOpts {
    fn default() -> Self {
        LoadOpts {
            zones: 200,
            rounds: 3,
            // Twice the cores: on 2 cores 4 at once already saturate the host (the sim
            // serialises every command on its state lock), and more only add queueing.
            jobs: 2 * std::thread::available_parallelism().map_or(2, |n| n.get()),
            flavour: "joyent".into(),
            latency_ms: 0,
        }
    }
}

/// One hook run, from the timing wrapper's log.
#[derive(Debug, Clone)]
pub struct HookRun {
    pub phase: String,
    pub zone: String,
    pub state: u32,
    pub cmd: u32,
    pub took: Duration,
    pub status: i32,
}

#[derive(Debug, Default)]
pub struct LoadReport {
    pub boots: usize,
    pub halts: usize,
    /// One line per failed boot/halt or zone found in the wrong state.
    pub failures: Vec<String>,
    /// Zones whose links were not exactly their own `net0`/`net1` after a boot round, or
    /// duplicated names/MACs.
    pub collisions: Vec<String>,
    /// Links or journal entries left after a halt round.
    pub leaks: Vec<String>,
    /// Wall time of the boot rounds only (sum over rounds).
    pub boot_wall: Duration,
    pub halt_wall: Duration,
    /// Per-zone `zoneadm boot` latency.
    pub boot_latency: Vec<Duration>,
    pub hooks: Vec<HookRun>,
}

pub fn percentile(v: &[Duration], p: f64) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    let mut s = v.to_vec();
    s.sort();
    let i = ((p / 100.0) * (s.len() as f64 - 1.0)).round() as usize;
    s[i.min(s.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

impl LoadReport {
    pub fn boots_per_sec(&self) -> f64 {
        self.boots as f64 / self.boot_wall.as_secs_f64().max(1e-9)
    }
    pub fn halts_per_sec(&self) -> f64 {
        self.halts as f64 / self.halt_wall.as_secs_f64().max(1e-9)
    }
    /// Hook durations of one kind: `(phase, cmd)` e.g. `("post", 0)` = the post-ready hook
    /// that creates the links on joyent.
    pub fn hook_times(&self, phase: &str, cmd: u32) -> Vec<Duration> {
        self.hooks
            .iter()
            .filter(|h| h.phase == phase && h.cmd == cmd)
            .map(|h| h.took)
            .collect()
    }
    pub fn summary(&self, o: &LoadOpts) -> String {
        let mut s = format!(
            "load: {} zones x 2 nets (all net0/net1), {} rounds, {} jobs, {} flavour, latency {} ms\n",
            o.zones, o.rounds, o.jobs, o.flavour, o.latency_ms
        );
        s += &format!(
            "  boots: {} in {:.2} s = {:.1} boots/s; halts: {} in {:.2} s = {:.1} halts/s\n",
            self.boots,
            self.boot_wall.as_secs_f64(),
            self.boots_per_sec(),
            self.halts,
            self.halt_wall.as_secs_f64(),
            self.halts_per_sec()
        );
        s += &format!(
            "  zoneadm boot latency: p50 {} p99 {}\n",
            ms(percentile(&self.boot_latency, 50.0)),
            ms(percentile(&self.boot_latency, 99.0))
        );
        let kinds: [(&str, &str, u32); 4] = [
            ("pre-ready hook (validate / gate create)", "pre", 0),
            ("post-ready hook (joyent create+rename)", "post", 0),
            ("post-halt hook (teardown)", "post", 4),
            ("pre-halt hook", "pre", 4),
        ];
        for (label, phase, cmd) in kinds {
            let t = self.hook_times(phase, cmd);
            if !t.is_empty() {
                s += &format!(
                    "  {label}: n={} p50 {} p99 {}\n",
                    t.len(),
                    ms(percentile(&t, 50.0)),
                    ms(percentile(&t, 99.0))
                );
            }
        }
        let all: Vec<Duration> = self.hooks.iter().map(|h| h.took).collect();
        s += &format!(
            "  every hook call: n={} p50 {} p99 {}\n",
            all.len(),
            ms(percentile(&all, 50.0)),
            ms(percentile(&all, 99.0))
        );
        s += &format!(
            "  failures: {}  collisions: {}  leaks: {}\n",
            self.failures.len(),
            self.collisions.len(),
            self.leaks.len()
        );
        s
    }
}

/// The timing wrapper and a brand that runs netzone-statechange under it.
fn install_timing_brand(sim: &Sim) -> PathBuf {
    let log = sim.root().join("var/proof-hooks.log");
    let wrapper = sim.root().join("var/proof-hooktime");
    let script = format!(
        "#!/bin/bash\n\
         s=$EPOCHREALTIME\n\
         '{hook}' \"$@\"\n\
         rc=$?\n\
         e=$EPOCHREALTIME\n\
         printf '%s %s %s %s\\n' \"$s\" \"$e\" \"$rc\" \"$*\" >> '{log}'\n\
         exit $rc\n",
        hook = Sim::statechange_path().display(),
        log = log.display()
    );
    std::fs::create_dir_all(wrapper.parent().unwrap()).unwrap();
    std::fs::write(&wrapper, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let dir = sim.root().join("usr/lib/brand").join(BRAND);
    std::fs::create_dir_all(&dir).unwrap();
    let xml = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE brand PUBLIC \"-//Sun Microsystems Inc//DTD Brands//EN\" \"file:///usr/share/lib/xml/dtd/brand.dtd.1\">\n<brand name=\"{BRAND}\">\n\t<modname></modname>\n\t<initname>/sbin/init</initname>\n\t<prestatechange>{w} pre %z %R</prestatechange>\n\t<poststatechange>{w} post %z %R</poststatechange>\n</brand>\n",
        w = wrapper.display()
    );
    std::fs::write(dir.join("config.xml"), xml).unwrap();
    crate::common::write_platform(&dir);
    log
}

fn parse_hook_log(text: &str) -> Vec<HookRun> {
    let secs = |s: &str| s.replace(',', ".").parse::<f64>().ok();
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let (s, e) = (secs(f.first()?)?, secs(f.get(1)?)?);
            Some(HookRun {
                status: f.get(2)?.parse().ok()?,
                phase: f.get(3)?.to_string(),
                zone: f.get(4)?.to_string(),
                state: f.get(6)?.parse().ok()?,
                cmd: f.get(7)?.parse().ok()?,
                took: Duration::from_secs_f64((e - s).max(0.0)),
            })
        })
        .collect()
}

pub fn zone_name(i: usize) -> String {
    format!("lz{i}")
}

/// Runs `zoneadm -z Z cmd` for every zone, `jobs` at a time; returns per-zone latency and
/// failures.
fn all_zones(sim: &Sim, zones: &[String], cmd: &str, jobs: usize) -> (Vec<Duration>, Vec<String>) {
    let failures = Mutex::new(Vec::new());
    let lat = crate::proof::parallel(zones.len(), jobs, |i| {
        let t = Instant::now();
        let r = sim.zoneadm(&["-z", &zones[i], cmd]);
        let took = t.elapsed();
        if !r.out.status.success() {
            failures.lock().unwrap().push(format!(
                "{cmd} {}: {:?}: {}{}",
                zones[i],
                r.out.status,
                r.stdout(),
                r.stderr()
            ));
        }
        took
    });
    (lat, failures.into_inner().unwrap())
}

/// Checks a boot round: every zone running with exactly its own net0 over e1000g0 and net1
/// over e1000g1, nothing temporary left, every MAC distinct.
pub fn check_booted(sim: &Sim, zones: &[String], r: &mut LoadReport) {
    let states = zone_states(sim);
    for z in zones {
        if states.get(z).map(String::as_str) != Some("running") {
            r.failures
                .push(format!("{z} is {:?} after boot", states.get(z)));
        }
    }
    let links = sim.vnics();
    let mut by_zone: BTreeMap<&str, Vec<(&str, Option<&str>)>> = BTreeMap::new();
    for l in &links {
        if is_temp(&l.name) {
            r.collisions.push(format!("temporary link left: {l:?}"));
        }
        by_zone
            .entry(l.zone.as_str())
            .or_default()
            .push((l.name.as_str(), l.over.as_deref()));
    }
    for z in zones {
        let mut got = by_zone.remove(z.as_str()).unwrap_or_default();
        got.sort();
        if got != [("net0", Some("e1000g0")), ("net1", Some("e1000g1"))] {
            r.collisions.push(format!("{z} holds {got:?}"));
        }
    }
    for (z, l) in by_zone {
        r.collisions
            .push(format!("unexpected links in zone {z}: {l:?}"));
    }
    let mut macs: Vec<&Option<String>> = links.iter().map(|l| &l.mac).collect();
    macs.sort();
    let n = macs.len();
    macs.dedup();
    if macs.len() != n {
        r.collisions
            .push(format!("{} duplicate MACs", n - macs.len()));
    }
}

/// Checks a halt round: every zone installed, no VNIC anywhere, no journal with entries.
pub fn check_halted(sim: &Sim, zones: &[String], r: &mut LoadReport) {
    let states = zone_states(sim);
    for z in zones {
        if states.get(z).map(String::as_str) != Some("installed") {
            r.failures
                .push(format!("{z} is {:?} after halt", states.get(z)));
        }
    }
    for l in sim.vnics() {
        r.leaks.push(format!("link left after halt: {l:?}"));
    }
    for z in zones {
        if let Some(j) = sim.journal(z) {
            if j["links"].as_array().is_some_and(|a| !a.is_empty()) {
                r.leaks
                    .push(format!("journal of {z} not empty after halt: {j}"));
            }
        }
    }
}

/// Every zone's state from one `zoneadm list -cp`.
fn zone_states(sim: &Sim) -> BTreeMap<String, String> {
    let out = sim.zoneadm(&["list", "-cp"]).ok().stdout();
    out.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            Some((f.get(1)?.to_string(), f.get(2)?.to_string()))
        })
        .collect()
}

/// A fresh sim host with the load's zones configured (and the timing brand); returns the
/// host, the zone names and the hook log's path.
pub fn load_host(o: &LoadOpts) -> (Sim, Vec<String>, PathBuf) {
    let mut sim = Sim::new(&o.flavour, &["e1000g0", "e1000g1"]);
    if o.latency_ms > 0 {
        sim.env
            .push(("ILLUMOS_SIM_LATENCY_MS".into(), o.latency_ms.to_string()));
    }
    let hook_log = install_timing_brand(&sim);
    let zones: Vec<String> = (0..o.zones).map(zone_name).collect();
    for z in &zones {
        sim.add_zone(
            z,
            &[
                NetSpec::new("net0", "e1000g0"),
                NetSpec::new("net1", "e1000g1"),
            ],
        );
    }
    (sim, zones, hook_log)
}

/// Runs the load proof on a fresh sim host.
pub fn run_load(o: &LoadOpts) -> LoadReport {
    let (sim, zones, hook_log) = load_host(o);
    let mut r = LoadReport::default();
    for round in 0..o.rounds {
        let t = Instant::now();
        let (lat, fails) = all_zones(&sim, &zones, "boot", o.jobs);
        r.boot_wall += t.elapsed();
        r.boots += zones.len();
        r.boot_latency.extend(lat);
        r.failures
            .extend(fails.into_iter().map(|f| format!("round {round}: {f}")));
        check_booted(&sim, &zones, &mut r);

        let t = Instant::now();
        let (_, fails) = all_zones(&sim, &zones, "halt", o.jobs);
        r.halt_wall += t.elapsed();
        r.halts += zones.len();
        r.failures
            .extend(fails.into_iter().map(|f| format!("round {round}: {f}")));
        check_halted(&sim, &zones, &mut r);
    }
    r.hooks = parse_hook_log(&std::fs::read_to_string(&hook_log).unwrap_or_default());
    for h in &r.hooks {
        if h.status != 0 {
            r.failures.push(format!("hook failed: {h:?}"));
        }
    }
    r
}
