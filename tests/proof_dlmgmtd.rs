//! dlmgmtd faults: dlmgmtd stops during a boot, during a halt, or is restarted in between.
//! Each ends, after at most one `netzone recover`, with the zone bootable and nothing leaked.
//!
//! To stop dlmgmtd *during* an event, netzone is pointed (`NETZONE_DLADM`, `NETZONE_ZONECFG`,
//! which zoneadmd passes through to the brand hooks) at a wrapper that counts the commands
//! netzone runs and runs `illumos-sim dlmgmtd stop` just before the k-th one. Every position of
//! a clean boot's and a clean halt's command list is tried, plus "before the event starts".
//! (The wrapper is a test fixture; netzone itself never runs a shell.)

mod common;
#[path = "common/proof.rs"]
mod proof;

use std::path::{Path, PathBuf};

use common::Sim;
use proof::{check_zone, fault_points, proof_host, three_nets, Expect, Foreign, ZONE};

/// Installs the counting wrappers in the sim's root and points netzone at them. dlmgmtd is
/// stopped just before the `stop_at`-th dladm/zonecfg command netzone runs (1-based; 0 =
/// never).
fn install_stopper(sim: &mut Sim, stop_at: usize) -> PathBuf {
    let dir = sim.root().join("proof-wrap");
    std::fs::create_dir_all(&dir).unwrap();
    let counter = dir.join("count");
    for (name, real) in [("dladm", "sim-dladm"), ("zonecfg", "sim-zonecfg")] {
        let script = format!(
            "#!/bin/sh\n\
             n=$(cat '{c}' 2>/dev/null || echo 0)\n\
             n=$((n + 1))\n\
             echo $n > '{c}'\n\
             if [ \"$n\" -eq {stop_at} ]; then '{sim}' dlmgmtd stop >/dev/null; fi\n\
             exec '{real}' \"$@\"\n",
            c = counter.display(),
            sim = sim.bin.join("illumos-sim").display(),
            real = sim.bin.join(real).display(),
        );
        let path = dir.join(name);
        std::fs::write(&path, script).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    sim.env.push((
        "NETZONE_DLADM".into(),
        dir.join("dladm").display().to_string(),
    ));
    sim.env.push((
        "NETZONE_ZONECFG".into(),
        dir.join("zonecfg").display().to_string(),
    ));
    counter
}

fn count(counter: &Path) -> usize {
    std::fs::read_to_string(counter)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

fn dlmgmtd(sim: &Sim) -> String {
    sim.state()["dlmgmtd"].as_str().unwrap_or("").to_string()
}

/// How many dladm/zonecfg commands netzone runs for `event` on a host prepared by `prepare`.
fn commands_of(flavour: &str, prepare: fn(&Sim), event: &[&str]) -> usize {
    let (sim, _) = proof_host(flavour);
    prepare(&sim);
    let mark = sim.log().len();
    sim.zoneadm(event).ok();
    fault_points(&sim.log()[mark..]).len()
}

fn nothing(_: &Sim) {}
fn booted(sim: &Sim) {
    sim.zoneadm(&["-z", ZONE, "boot"]).ok();
}

/// After dlmgmtd comes back: at most one `netzone recover` (only if the zone is `down`), then
/// the zone must be halted and clean, boot, and halt clean again.
fn settle_and_prove(sim: &Sim, foreign: &Foreign) -> Result<usize, String> {
    let mut recovers = 0;
    if sim.zone_state(ZONE) == "down" {
        recovers += 1;
        let r = sim.netzone(&["recover", ZONE]);
        if !r.out.status.success() {
            return Err(format!("recover failed: {}{}", r.stdout(), r.stderr()));
        }
    }
    if sim.zone_state(ZONE) != "installed" {
        // A zone the event left up (e.g. a halt that never started) is halted normally.
        sim.zoneadm(&["-z", ZONE, "halt"]);
    }
    let nets = three_nets();
    // A hook that could not reach dlmgmtd may leave journal entries whose links the kernel
    // deleted (or that were never created), and on gate the VNICs it could not delete, back in
    // the global zone. All are proven netzone's by the journal; the operator's monitoring must
    // see them as orphans, and the boot below must reuse or remove them.
    check_zone(sim, ZONE, &nets, foreign, Expect::HaltedPending)
        .map_err(|e| format!("after settling: {e}"))?;
    let pending = sim
        .journal(ZONE)
        .is_some_and(|j| j["links"].as_array().is_some_and(|a| !a.is_empty()));
    if pending {
        let r = sim.netzone(&["show", "--orphans"]);
        if r.code() != Some(1) {
            return Err(format!(
                "leftovers not reported by `netzone show --orphans` (exit {:?}): {}",
                r.code(),
                r.stdout()
            ));
        }
    }
    for (cmd, want) in [("boot", Expect::Running), ("halt", Expect::Halted)] {
        let r = sim.zoneadm(&["-z", ZONE, cmd]);
        if !r.out.status.success() {
            return Err(format!(
                "{cmd} after recovery failed: {}{}",
                r.stdout(),
                r.stderr()
            ));
        }
        check_zone(sim, ZONE, &nets, foreign, want).map_err(|e| format!("after {cmd}: {e}"))?;
    }
    Ok(recovers)
}

/// dlmgmtd stops before the k-th command netzone runs during `event`; the event fails or
/// not, dlmgmtd is started again, and the zone must be recovered with at most one recover.
fn stop_during(flavour: &str, prepare: fn(&Sim), event: &'static str) {
    let n = commands_of(flavour, prepare, &["-z", ZONE, event]);
    assert!(n > 0, "{flavour} {event}: netzone ran no command");
    let results = proof::parallel(n + 1, 2, |k| {
        let (mut sim, foreign) = proof_host(flavour);
        prepare(&sim);
        let counter = install_stopper(&mut sim, if k == 0 { usize::MAX } else { k });
        if k == 0 {
            sim.illumos_sim(&["dlmgmtd", "stop"]).ok();
        }
        let r = sim.zoneadm(&["-z", ZONE, event]);
        let stopped = dlmgmtd(&sim) == "offline";
        let state = sim.zone_state(ZONE);
        let ran = count(&counter);
        sim.illumos_sim(&["dlmgmtd", "start"]).ok();
        let outcome = settle_and_prove(&sim, &foreign);
        (k, stopped, r.out.status.success(), state, ran, outcome)
    });
    let mut failures = Vec::new();
    for (k, stopped, ok, state, ran, outcome) in &results {
        let at = if *k == 0 {
            "before the event".to_string()
        } else {
            format!("before command {k}/{n}")
        };
        match outcome {
            Ok(recovers) => println!(
                "  ok   {flavour} dlmgmtd stopped {at} of {event}: event {}, zone {state}, \
                 {ran} commands, {recovers} recover",
                if *ok { "succeeded" } else { "failed" }
            ),
            Err(e) => failures.push(format!("{flavour} dlmgmtd stopped {at} of {event}: {e}")),
        }
        if !stopped {
            failures.push(format!(
                "{flavour} {at} of {event}: dlmgmtd was never stopped"
            ));
        }
    }
    println!(
        "{flavour} {event}: {} dlmgmtd stop points covered",
        results.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn dlmgmtd_stops_during_boot_joyent() {
    stop_during("joyent", nothing, "boot");
}

#[test]
fn dlmgmtd_stops_during_halt_joyent() {
    stop_during("joyent", booted, "halt");
}

#[test]
fn dlmgmtd_stops_during_boot_gate() {
    stop_during("gate", nothing, "boot");
}

#[test]
fn dlmgmtd_stops_during_halt_gate() {
    stop_during("gate", booted, "halt");
}

/// dlmgmtd restarted between a stuck halt and the next one: the brand hook's pre-halt of the
/// `down` zone reclaims the links by itself, so a plain `zoneadm halt` gets the zone back
/// without any `netzone recover`; and a recover tried while dlmgmtd is still down changes
/// nothing and says why.
#[test]
fn dlmgmtd_restarted_in_between() {
    for flavour in ["joyent", "gate"] {
        let (sim, foreign) = proof_host(flavour);
        let nets = three_nets();
        sim.zoneadm(&["-z", ZONE, "boot"]).ok();
        sim.illumos_sim(&["dlmgmtd", "stop"]).ok();
        let r = sim.zoneadm(&["-z", ZONE, "halt"]).fails();
        // Each flavour's zoneadmd says it its own way: gate counts the links it could not
        // return (vplat.c `unconfigure_exclusive_network_interfaces`); joyent stops at the
        // first link it cannot look up (vplat.c `delete_transient_vnics`) and never counts.
        let said = r.stdout() + &r.stderr();
        let (expect, never) = match flavour {
            "gate" => (
                &["datalink(s) remain in zone after shutdown"][..],
                "unable to delete transient vnics",
            ),
            _ => (
                &[
                    "clear 'protection' link property: operation failed",
                    "due to failure to get link info: operation failed",
                    "unable to delete transient vnics in zone",
                ][..],
                "datalink(s) remain",
            ),
        };
        for e in expect {
            assert!(said.contains(e), "{flavour}: wants {e:?}: {said}");
        }
        assert!(!said.contains(never), "{flavour}: {said}");
        assert!(said.contains("unable to destroy zone"), "{flavour}: {said}");
        assert_eq!(sim.zone_state(ZONE), "down", "{flavour}");

        // Still stopped: recover refuses and changes nothing.
        let before = sim.links();
        let j_before = sim.journal(ZONE);
        let r = sim.netzone(&["recover", ZONE]).fails();
        assert!(
            r.stderr().contains("dlmgmtd may not be answering"),
            "{flavour}: {}",
            r.stderr()
        );
        assert!(
            r.stderr().contains("nothing was changed"),
            "{flavour}: {}",
            r.stderr()
        );
        assert_eq!(sim.links(), before, "{flavour}: recover changed links");
        assert_eq!(
            sim.journal(ZONE),
            j_before,
            "{flavour}: recover changed the journal"
        );
        assert_eq!(sim.zone_state(ZONE), "down");

        // Restarted: the hook reclaims at pre-halt; one plain halt suffices.
        sim.illumos_sim(&["dlmgmtd", "start"]).ok();
        sim.zoneadm(&["-z", ZONE, "halt"]).ok();
        check_zone(&sim, ZONE, &nets, &foreign, Expect::Halted)
            .unwrap_or_else(|e| panic!("{flavour}: after restart + halt: {e}"));

        // Stopped again before a boot: the boot fails cleanly; restarted, it boots.
        sim.illumos_sim(&["dlmgmtd", "stop"]).ok();
        sim.zoneadm(&["-z", ZONE, "boot"]).fails();
        sim.illumos_sim(&["dlmgmtd", "start"]).ok();
        if sim.zone_state(ZONE) == "down" {
            sim.netzone(&["recover", ZONE]).ok();
        }
        sim.zoneadm(&["-z", ZONE, "boot"]).ok();
        check_zone(&sim, ZONE, &nets, &foreign, Expect::Running)
            .unwrap_or_else(|e| panic!("{flavour}: boot after restart: {e}"));
        sim.zoneadm(&["-z", ZONE, "halt"]).ok();
        check_zone(&sim, ZONE, &nets, &foreign, Expect::Halted)
            .unwrap_or_else(|e| panic!("{flavour}: final halt: {e}"));
    }
}
