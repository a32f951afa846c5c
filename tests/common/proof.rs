//! Helpers for the proof suites (`tests/proof_*.rs`, `benches/load.rs`), on top of the engine's
//! sim harness in `tests/common/mod.rs`, which the including file declares as `mod common`.
//!
//! The proofs judge the host only by what the simulated kernel holds (`illumos-sim state
//! --json`), by link *identity* (the datalink id dlmgmtd handed out), never by names alone: a
//! foreign link that was deleted and recreated under the same name still counts as touched.
#![allow(dead_code)]

use std::collections::BTreeMap;

use crate::common::{is_temp, NetSpec, Sim, SimLink};

/// The zone every single-zone proof uses.
pub const ZONE: &str = "web1";
/// The operator's link configured for the zone as a plain `physical` (no `global-nic`):
/// zoneadmd lends it at ready and takes it back at halt; netzone must only ever look at it.
pub const OP_ZONE_LINK: &str = "opnet0";
/// The operator's unrelated VNIC in the global zone.
pub const OP_GZ_LINK: &str = "opvnic0";
/// A fixed MAC for the second net.
pub const FIXED_MAC: &str = "2:8:20:a:b:c";

/// The three netzone nets of the proof zone: one VLAN, one fixed MAC, one with
/// allowed-address (and an mtu) over a second NIC.
pub fn three_nets() -> Vec<NetSpec> {
    let mut n0 = NetSpec::new("net0", "e1000g0");
    n0.vlan = Some(42);
    let mut n1 = NetSpec::new("net1", "e1000g0");
    n1.mac = Some(FIXED_MAC.into());
    let mut n2 = NetSpec::new("net2", "e1000g1");
    n2.allowed_address = Some("10.0.0.5/24".into());
    n2.mtu = Some(1500);
    vec![n0, n1, n2]
}

/// [`three_nets`] with `blocked_outgoing_ports` on the first two (flows named from a drawn MAC
/// and from a fixed one).
pub fn three_nets_blocked() -> Vec<NetSpec> {
    let mut nets = three_nets();
    nets[0].blocked_ports = Some("25,587".into());
    nets[1].blocked_ports = Some("25".into());
    nets
}

/// A net netzone does not manage: a `physical` with no `global-nic`.
pub fn operator_net(name: &str) -> NetSpec {
    NetSpec::operator(name)
}

/// A host with two NICs, the operator's two VNICs, and [`ZONE`] configured with
/// [`three_nets`] plus the operator's [`OP_ZONE_LINK`]. Returns the sim and the operator's links
/// as they were created (for [`Foreign::check`]).
pub fn proof_host(flavour: &str) -> (Sim, Foreign) {
    proof_host_with(flavour, &three_nets(), false)
}

/// [`proof_host`] with the zone's nets `nets` (plus [`OP_ZONE_LINK`]); with `operator_flows`,
/// the operator's two links carry a flow each, one of them named as netzone names its flows,
/// recorded in [`Foreign::flows`].
pub fn proof_host_with(flavour: &str, nets: &[NetSpec], operator_flows: bool) -> (Sim, Foreign) {
    let sim = Sim::new(flavour, &["e1000g0", "e1000g1"]);
    sim.dladm(&["create-vnic", "-l", "e1000g0", OP_ZONE_LINK])
        .ok();
    sim.dladm(&["create-vnic", "-l", "e1000g1", OP_GZ_LINK])
        .ok();
    if operator_flows {
        sim.flowadm(&[
            "add-flow",
            "-t",
            "-l",
            OP_ZONE_LINK,
            "-a",
            "transport=tcp,remote_port=25",
            "-p",
            "maxbw=0",
            "f2_8_20_9_9_9_br_25",
        ])
        .ok();
        sim.flowadm(&[
            "add-flow",
            "-t",
            "-l",
            OP_GZ_LINK,
            "-a",
            "transport=udp,local_port=53",
            "opdns",
        ])
        .ok();
    }
    let mut nets = nets.to_vec();
    nets.push(operator_net(OP_ZONE_LINK));
    sim.add_zone(ZONE, &nets);
    let mut foreign = Foreign::record(&sim, &[(OP_ZONE_LINK, Some(ZONE)), (OP_GZ_LINK, None)]);
    foreign.flows = sim.flows().iter().map(|f| flow_identity(f)).collect();
    (sim, foreign)
}

/// A flow line of [`Sim::flows`] without its zone (a flow on a link that zoneadmd lends moves
/// with it): name, link, attributes, properties.
pub fn flow_identity(line: &str) -> String {
    let f: Vec<&str> = line.splitn(5, ' ').collect();
    format!("{} {} {} {}", f[0], f[1], f[3], f[4])
}

/// Links netzone does not own, recorded by id when the test created them, with the zone each
/// may legitimately be lent to by zoneadmd.
#[derive(Debug, Clone)]
pub struct Foreign {
    pub links: Vec<(SimLink, Option<String>)>,
    /// The operator's flows ([`flow_identity`]), which must stay exactly as they are.
    pub flows: Vec<String>,
}

impl Foreign {
    /// Records the named global-zone links; `lent_to` is the zone that has the link in its
    /// configuration (zoneadmd moves it there at ready and back at halt).
    pub fn record(sim: &Sim, names: &[(&str, Option<&str>)]) -> Foreign {
        let all = sim.links();
        let links = names
            .iter()
            .map(|(n, z)| {
                let l = all
                    .iter()
                    .find(|l| l.name == *n && l.zone == "global")
                    .unwrap_or_else(|| panic!("operator link {n} not in the global zone: {all:?}"))
                    .clone();
                (l, z.map(String::from))
            })
            .collect();
        Foreign {
            links,
            flows: Vec::new(),
        }
    }

    pub fn ids(&self) -> Vec<u64> {
        self.links.iter().map(|(l, _)| l.id).collect()
    }

    /// Every foreign link still exists with the same id, name, lower link, MAC and VID, and is
    /// where it belongs: in its zone while `up_zones` contains that zone, else in the global
    /// zone.
    pub fn check(&self, links: &[SimLink], up_zones: &[&str]) -> Result<(), String> {
        for (was, lent) in &self.links {
            let Some(now) = links.iter().find(|l| l.id == was.id) else {
                return Err(format!(
                    "operator link {} (id {}) was deleted",
                    was.name, was.id
                ));
            };
            let want_zone = match lent {
                Some(z) if up_zones.contains(&z.as_str()) => z.as_str(),
                _ => "global",
            };
            if now.name != was.name
                || now.over != was.over
                || now.mac != was.mac
                || now.vid != was.vid
                || now.zone != want_zone
            {
                return Err(format!(
                    "operator link {} changed: was {was:?} (expected in zone {want_zone}), now {now:?}",
                    was.name
                ));
            }
        }
        Ok(())
    }
}

impl Foreign {
    /// The weaker check for any moment, e.g. right after a crash: every foreign link still
    /// exists unchanged, in the global zone or in the zone whose configuration names it.
    /// Every operator flow is still there, unchanged; returns the other flows.
    pub fn check_flows(&self, flows: &[String]) -> Result<Vec<String>, String> {
        let now: Vec<String> = flows.iter().map(|f| flow_identity(f)).collect();
        for f in &self.flows {
            if !now.contains(f) {
                return Err(format!(
                    "operator flow {f} was removed or changed: {flows:?}"
                ));
            }
        }
        Ok(flows
            .iter()
            .filter(|f| !self.flows.contains(&flow_identity(f)))
            .cloned()
            .collect())
    }

    pub fn check_anywhere(&self, links: &[SimLink]) -> Result<(), String> {
        for (was, lent) in &self.links {
            let Some(now) = links.iter().find(|l| l.id == was.id) else {
                return Err(format!(
                    "operator link {} (id {}) was deleted",
                    was.name, was.id
                ));
            };
            let place_ok = now.zone == "global" || lent.as_deref() == Some(now.zone.as_str());
            if now.name != was.name
                || now.over != was.over
                || now.mac != was.mac
                || now.vid != was.vid
                || !place_ok
            {
                return Err(format!(
                    "operator link {} changed: was {was:?}, now {now:?}",
                    was.name
                ));
            }
        }
        Ok(())
    }
}

/// What a zone should look like after an event has run its course.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// `running`, holding exactly its netzone nets (as configured) and its operator link.
    Running,
    /// `installed`, no netzone link anywhere, no journal.
    Halted,
    /// As [`Expect::Halted`], but the journal may still hold entries whose links exist
    /// nowhere: what a post-halt hook killed before it could forget them leaves. They name no
    /// link, so they can neither leak nor claim anything; the next boot or `netzone gc` drops
    /// them.
    HaltedStale,
    /// As [`Expect::HaltedStale`], and links may also wait in the global zone if the zone's
    /// journal names them: gate's VNICs when the hook that would delete them could not (dlmgmtd
    /// down, or killed). Proven netzone's, they are `netzone show --orphans` material, removed by
    /// `netzone gc` or reused by the next boot.
    HaltedPending,
}

/// Checks one zone of a proof host against `expect`: the zone state, no temporary name
/// anywhere, the netzone links exactly as configured (or none), the journal matching them
/// field for field, and every foreign link untouched. Returns every problem found.
pub fn check_zone(
    sim: &Sim,
    zone: &str,
    nets: &[NetSpec],
    foreign: &Foreign,
    expect: Expect,
) -> Result<(), String> {
    let mut problems = Vec::new();
    let state = sim.zone_state(zone);
    let want_state = match expect {
        Expect::Running => "running",
        Expect::Halted | Expect::HaltedStale | Expect::HaltedPending => "installed",
    };
    if state != want_state {
        problems.push(format!("zone {zone} is {state:?}, expected {want_state}"));
    }
    let links = sim.links();
    let temps: Vec<_> = links.iter().filter(|l| is_temp(&l.name)).collect();
    if !temps.is_empty() {
        problems.push(format!("temporary links left: {temps:?}"));
    }
    let fids = foreign.ids();
    let ours: Vec<&SimLink> = links
        .iter()
        .filter(|l| l.class == "vnic" && !fids.contains(&l.id))
        .collect();
    let journal = sim.journal(zone);
    let entries = journal
        .as_ref()
        .and_then(|j| j["links"].as_array().cloned())
        .unwrap_or_default();
    match expect {
        Expect::Halted | Expect::HaltedStale | Expect::HaltedPending => {
            let journalled = |l: &SimLink| {
                l.zone == "global"
                    && entries
                        .iter()
                        .any(|e| e["name"] == l.name.as_str() || e["final"] == l.name.as_str())
            };
            let leaked: Vec<_> = ours
                .iter()
                .filter(|l| expect != Expect::HaltedPending || !journalled(l))
                .collect();
            if !leaked.is_empty() {
                problems.push(format!("links leaked after halt: {leaked:?}"));
            }
            if expect == Expect::Halted && !entries.is_empty() {
                problems.push(format!("journal not empty after halt: {journal:?}"));
            }
            if expect == Expect::HaltedStale {
                for e in &entries {
                    let named = |k: &str| {
                        e[k].as_str()
                            .is_some_and(|n| links.iter().any(|l| l.name == n))
                    };
                    if named("name") || named("final") {
                        problems.push(format!("stale journal entry names an existing link: {e}"));
                    }
                }
            }
        }
        Expect::Running => {
            let mut in_zone: Vec<&&SimLink> = ours.iter().filter(|l| l.zone == zone).collect();
            in_zone.sort_by(|a, b| a.name.cmp(&b.name));
            let elsewhere: Vec<_> = ours.iter().filter(|l| l.zone != zone).collect();
            if !elsewhere.is_empty() {
                problems.push(format!("netzone links outside the zone: {elsewhere:?}"));
            }
            let mut want: Vec<&NetSpec> = nets.iter().collect();
            want.sort_by(|a, b| a.physical.cmp(&b.physical));
            let names: Vec<&str> = in_zone.iter().map(|l| l.name.as_str()).collect();
            let want_names: Vec<&str> = want.iter().map(|n| n.physical.as_str()).collect();
            if names != want_names {
                problems.push(format!("zone holds {names:?}, expected {want_names:?}"));
            } else {
                for (l, n) in in_zone.iter().zip(&want) {
                    if l.over.as_deref() != n.global_nic.as_deref()
                        || l.vid != u64::from(n.vlan.unwrap_or(0))
                        || (n.mac.is_some() && l.mac != n.mac)
                    {
                        problems.push(format!(
                            "link {} differs from its config {n:?}: {l:?}",
                            l.name
                        ));
                    }
                }
            }
            check_journal(&entries, &in_zone, &want_names, &mut problems);
        }
    }
    let up: Vec<&str> = if expect == Expect::Running {
        vec![zone]
    } else {
        vec![]
    };
    if let Err(e) = foreign.check(&links, &up) {
        problems.push(e);
    }
    match foreign.check_flows(&sim.flows()) {
        Err(e) => problems.push(e),
        Ok(mut ours) => {
            // Running: exactly the configured flows, on the nets' links, each recorded and
            // confirmed; otherwise none at all.
            let mut want = Vec::new();
            let mut recorded = Vec::new();
            if expect == Expect::Running {
                for n in nets {
                    let Some(ports) = &n.blocked_ports else {
                        continue;
                    };
                    let Some(l) = links
                        .iter()
                        .find(|l| l.name == n.physical && l.zone == zone)
                    else {
                        continue;
                    };
                    let mac = l.mac.clone().unwrap_or_default().replace(':', "_");
                    for p in ports.split(',') {
                        let name = format!("f{mac}_br_{p}");
                        want.push(format!(
                            "{name} {} {zone} {{\"remote_port\":\"{p}\",\"transport\":\"tcp\"}} {{\"maxbw\":\"0\"}}",
                            n.physical
                        ));
                        recorded.push(format!("{name} {} tcp {p} active", n.physical));
                    }
                }
            }
            want.sort();
            ours.sort();
            if ours != want {
                problems.push(format!("flows are {ours:#?}, expected {want:#?}"));
            }
            let mut recs: Vec<String> = journal
                .as_ref()
                .and_then(|j| j["flows"].as_array().cloned())
                .unwrap_or_default()
                .iter()
                .map(|r| {
                    format!(
                        "{} {} {} {} {}",
                        r["name"].as_str().unwrap_or(""),
                        r["link"].as_str().unwrap_or(""),
                        r["transport"].as_str().unwrap_or(""),
                        r["remote_port"],
                        r["state"].as_str().unwrap_or("")
                    )
                })
                .collect();
            recs.sort();
            recorded.sort();
            // A halted zone's journal may keep stale records (HaltedStale): their flows exist
            // nowhere, which the check above proves.
            if (expect == Expect::Running || expect == Expect::Halted) && recs != recorded {
                problems.push(format!(
                    "flow records are {recs:#?}, expected {recorded:#?}"
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n  "))
    }
}

/// The journal of a running zone names exactly its links, each `active`, with the link's real
/// lower link and MAC.
fn check_journal(
    entries: &[serde_json::Value],
    in_zone: &[&&SimLink],
    want: &[&str],
    problems: &mut Vec<String>,
) {
    let mut finals: Vec<&str> = entries.iter().filter_map(|e| e["final"].as_str()).collect();
    finals.sort_unstable();
    if finals != want {
        problems.push(format!("journal names {finals:?}, expected {want:?}"));
        return;
    }
    for e in entries {
        let Some(l) = in_zone.iter().find(|l| e["final"] == l.name.as_str()) else {
            continue;
        };
        if e["state"] != "active" || e["over"].as_str() != l.over.as_deref() {
            problems.push(format!("journal entry {e} does not match link {l:?}"));
        }
        if let Some(m) = e["mac"].as_str() {
            if Some(m) != l.mac.as_deref() {
                problems.push(format!("journal MAC {m} but link has {:?}", l.mac));
            }
        }
    }
}

/// One dladm or zonecfg run the sim logged: the label `fault add --cmd` takes (the dladm
/// subcommand, or `zonecfg`) and the whole line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedCommand {
    pub cmd: String,
    pub line: String,
}

/// The dladm, flowadm and zonecfg commands in sim log lines (`<time> <pid> <ppid> <argv0> <args>...`),
/// in order; zoneadm and illumos-sim runs are not fault points and are left out.
pub fn fault_points(lines: &[String]) -> Vec<LoggedCommand> {
    lines
        .iter()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let cmd = match *f.get(3)? {
                "sim-dladm" | "sim-flowadm" => f.get(4)?.to_string(),
                "sim-zonecfg" => "zonecfg".to_string(),
                _ => return None,
            };
            Some(LoggedCommand {
                cmd,
                line: line.clone(),
            })
        })
        .collect()
}

/// `(cmd, k)` for each command: `k` is its occurrence number among runs of the same
/// subcommand (what `fault add --nth` counts).
pub fn numbered(points: &[LoggedCommand]) -> Vec<(String, u32)> {
    let mut seen: BTreeMap<&str, u32> = BTreeMap::new();
    points
        .iter()
        .map(|p| {
            let k = seen.entry(p.cmd.as_str()).or_insert(0);
            *k += 1;
            (p.cmd.clone(), *k)
        })
        .collect()
}

/// Pending faults, from `illumos-sim fault list` (one per line; empty when none).
pub fn pending_faults(sim: &Sim) -> Vec<String> {
    sim.illumos_sim(&["fault", "list"])
        .ok()
        .stdout()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("no ") && !l.starts_with("CMD"))
        .map(String::from)
        .collect()
}

/// Runs `f(i)` for i in 0..n on `threads` threads; returns the results in order.
pub fn parallel<T: Send>(n: usize, threads: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<T>>> =
        (0..n).map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if i >= n {
                    break;
                }
                let r = f(i);
                *slots[i].lock().unwrap() = Some(r);
            });
        }
    });
    slots
        .into_iter()
        .map(|m| m.into_inner().unwrap().expect("every slot filled"))
        .collect()
}
