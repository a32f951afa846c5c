//! Reboot proof: the host reboots (`illumos-sim fault add --action reboot`: the simulated
//! kernel and dlmgmtd restart, `etc/svc/volatile` is emptied, and every host and netzone process
//! of the caller chain dies) at every dladm/zonecfg command that a boot, a halt and a `netzone
//! recover` of a 3-net zone run, before and after the command's effect; then the normal next
//! events run and must leave nothing leaked, on both flavours.
//!
//! The points come from the command log of a clean run of each phase (as in
//! `tests/proof_crash.rs`). After the reboot:
//! - the zone is `installed` (its kernel zone ended), the operator's persistent links are in
//!   the global zone, unchanged;
//! - boot: `zoneadm boot` must bring the zone up exactly as configured;
//! - halt and recover: if `netzone show --orphans` reports orphans (exit 1), `netzone gc`; the
//!   zone must be halted with no link of netzone's left and no journal.
//!
//! Then a further boot/halt cycle must work and leave everything exact.

mod common;
#[path = "common/proof.rs"]
mod proof;

use common::Sim;
use proof::{
    check_zone, fault_points, numbered, pending_faults, proof_host, three_nets, Expect, Foreign,
    ZONE,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Boot,
    Halt,
    Recover,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::Boot => "boot",
            Phase::Halt => "halt",
            Phase::Recover => "recover",
        }
    }
}

/// `persistent`: the brand's hook runs with `--persistent` (gate), so the zone's links are
/// persistent and come back after the reboot, in the global zone.
fn prepare(flavour: &str, phase: Phase, persistent: bool) -> (Sim, Foreign) {
    let (sim, foreign) = proof_host(flavour);
    if persistent {
        sim.install_brand(common::BRAND, Some("--persistent"));
    }
    match phase {
        Phase::Boot => {}
        Phase::Halt => {
            sim.zoneadm(&["-z", ZONE, "boot"]).ok();
        }
        Phase::Recover => {
            sim.zoneadm(&["-z", ZONE, "boot"]).ok();
            sim.illumos_sim(&["dlmgmtd", "stop"]).ok();
            sim.zoneadm(&["-z", ZONE, "halt"]).fails();
            sim.illumos_sim(&["dlmgmtd", "start"]).ok();
            assert_eq!(sim.zone_state(ZONE), "down");
        }
    }
    (sim, foreign)
}

fn event(sim: &Sim, phase: Phase) -> common::Run {
    match phase {
        Phase::Boot => sim.zoneadm(&["-z", ZONE, "boot"]),
        Phase::Halt => sim.zoneadm(&["-z", ZONE, "halt"]),
        Phase::Recover => sim.netzone(&["recover", ZONE]),
    }
}

fn crash_points(flavour: &str, phase: Phase, persistent: bool) -> Vec<(String, u32)> {
    let (sim, foreign) = prepare(flavour, phase, persistent);
    let mark = sim.log().len();
    event(&sim, phase).ok();
    let lines = sim.log()[mark..].to_vec();
    let clean = match phase {
        Phase::Boot => Expect::Running,
        _ => Expect::Halted,
    };
    check_zone(&sim, ZONE, &three_nets(), &foreign, clean)
        .unwrap_or_else(|e| panic!("{flavour} {}: clean run: {e}", phase.name()));
    let points = fault_points(&lines);
    assert!(!points.is_empty(), "{lines:#?}");
    numbered(&points)
}

fn step(ran: &mut Vec<String>, what: &str, r: common::Run) -> Result<(), String> {
    ran.push(what.to_string());
    if r.out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({:?})\nstdout: {}\nstderr: {}",
            r.out.status,
            r.stdout(),
            r.stderr()
        ))
    }
}

fn reboot_case(
    flavour: &str,
    persistent: bool,
    phase: Phase,
    cmd: &str,
    nth: u32,
    when: &str,
) -> Result<String, String> {
    let (sim, foreign) = prepare(flavour, phase, persistent);
    let before = sim.state()["boot_time"].as_u64().unwrap_or(0);
    sim.illumos_sim(&[
        "fault",
        "add",
        "--cmd",
        cmd,
        "--nth",
        &nth.to_string(),
        "--when",
        when,
        "--action",
        "reboot",
    ])
    .ok();
    let r = event(&sim, phase);
    let pending = pending_faults(&sim);
    if !pending.is_empty() {
        return Err(format!(
            "the reboot point was never reached (event exit {:?}); pending: {pending:?}",
            r.out.status
        ));
    }
    if r.out.status.success() {
        return Err("the event survived the reboot".into());
    }
    let st = sim.state();
    if st["boot_time"].as_u64().unwrap_or(0) <= before
        || !st["zones"].as_array().is_some_and(|z| z.is_empty())
    {
        return Err(format!("the host did not reboot: {st}"));
    }
    if sim.zone_state(ZONE) != "installed" {
        return Err(format!("zone is {} after the reboot", sim.zone_state(ZONE)));
    }
    foreign
        .check(&sim.links(), &[])
        .map_err(|e| format!("right after the reboot: {e}"))?;
    let mut ran = Vec::new();
    let expect = match phase {
        Phase::Boot => {
            step(&mut ran, "zoneadm boot", sim.zoneadm(&["-z", ZONE, "boot"]))?;
            Expect::Running
        }
        Phase::Halt | Phase::Recover => {
            let orphans = sim.netzone(&["show", "--orphans"]);
            match orphans.code() {
                Some(0) => {}
                Some(1) => step(&mut ran, "netzone gc", sim.netzone(&["gc"]))?,
                _ => step(&mut ran, "netzone show --orphans", orphans)?,
            }
            Expect::Halted
        }
    };
    check_zone(&sim, ZONE, &three_nets(), &foreign, expect)
        .map_err(|e| format!("after {ran:?}: {e}"))?;
    let order: &[(&str, Expect)] = match expect {
        Expect::Running => &[("halt", Expect::Halted), ("boot", Expect::Running)],
        _ => &[("boot", Expect::Running), ("halt", Expect::Halted)],
    };
    for (c, want) in order {
        let r = sim.zoneadm(&["-z", ZONE, c]);
        if !r.out.status.success() {
            return Err(format!("later {c} failed: {}{}", r.stdout(), r.stderr()));
        }
        check_zone(&sim, ZONE, &three_nets(), &foreign, *want)
            .map_err(|e| format!("after later {c}: {e}"))?;
    }
    Ok(if ran.is_empty() {
        "nothing".into()
    } else {
        ran.join(" + ")
    })
}

fn exhaustive(flavour: &str, persistent: bool) {
    let mut cases = Vec::new();
    for phase in [Phase::Boot, Phase::Halt, Phase::Recover] {
        let points = crash_points(flavour, phase, persistent);
        println!("{flavour} {}: {} commands", phase.name(), points.len());
        for (cmd, k) in points {
            for when in ["before", "after"] {
                cases.push((phase, cmd.clone(), k, when));
            }
        }
    }
    let results = proof::parallel(cases.len(), 2, |i| {
        let (phase, cmd, k, when) = &cases[i];
        reboot_case(flavour, persistent, *phase, cmd, *k, when)
    });
    let mut failures = Vec::new();
    for ((phase, cmd, k, when), r) in cases.iter().zip(&results) {
        match r {
            Ok(next) => println!(
                "  ok   {flavour} {} reboot {when} {cmd} #{k}: next: {next}",
                phase.name()
            ),
            Err(e) => failures.push(format!(
                "{flavour} {} reboot {when} {cmd} #{k}:\n  {e}",
                phase.name()
            )),
        }
    }
    println!(
        "{flavour}: reboot points covered: {}/{}",
        results.iter().filter(|r| r.is_ok()).count(),
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} reboot points failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_reboot_point_is_recovered_joyent() {
    exhaustive("joyent", false);
}

#[test]
fn every_reboot_point_is_recovered_gate() {
    exhaustive("gate", false);
}

/// Persistent links come back after the reboot: the records in `etc/netzone` must let the next
/// boot reuse or replace them and `netzone gc` remove them, leaving exactly the configured links.
#[test]
fn every_reboot_point_is_recovered_gate_persistent() {
    exhaustive("gate", true);
}

/// A reboot fault kills the host's processes up the chain and leaves the test alive, and the
/// host rebooted with the command's effect applied (`after`) or not (`before`).
#[test]
fn a_reboot_fault_stops_the_host_mid_command() {
    let (sim, _) = proof_host("gate");
    sim.illumos_sim(&[
        "fault",
        "add",
        "--cmd",
        "create-vnic",
        "--nth",
        "2",
        "--when",
        "after",
        "--action",
        "reboot",
    ])
    .ok();
    let r = sim.zoneadm(&["-z", ZONE, "boot"]);
    assert_eq!(
        r.out.status.code(),
        None,
        "zoneadm was killed: {:?}",
        r.out.status
    );
    // No later command ran: the log ends with the second create-vnic.
    let log = sim.log();
    assert!(log.last().unwrap().contains("create-vnic"), "{log:#?}");
    assert_eq!(sim.zone_state(ZONE), "installed");
    assert!(pending_faults(&sim).is_empty());
}
