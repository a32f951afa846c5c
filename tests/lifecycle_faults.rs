//! Failures and crashes injected at every step of `up` (`illumos-sim fault add`): a failure
//! leaves no created link and no journal; a crash (the sim SIGKILLs netzone, the caller of the
//! dladm/zonecfg that crashed) is cleaned up by the next `up`, by `down`, or by the zone's halt.

mod common;
#[path = "common/proof.rs"]
mod proof;

use common::{is_temp, NetSpec, Sim};
use proof::{fault_points, numbered};

const PLAIN: &str = "nzplain";

fn nets() -> Vec<NetSpec> {
    let mut n1 = NetSpec::new("net1", "e1000g0");
    n1.vlan = Some(7);
    n1.mtu = Some(1400);
    vec![NetSpec::new("net0", "e1000g0"), n1]
}

/// Every dladm/zonecfg run of creating web1's links ([`create`]) for [`nets`], as (fault
/// command, nth run): read from the sim's command log of a clean run (as `proof_crash` does),
/// so a step added to `up` is a new fault point without anyone listing it.
fn points(flavour: &str) -> Vec<(String, u32)> {
    let sim = plain_host(flavour);
    let mark = sim.log().len();
    create(&sim, flavour).ok();
    assert_up(&sim, &format!("{flavour} clean up"));
    let lines = sim.log()[mark..].to_vec();
    let points = numbered(&fault_points(&lines));
    // Sanity: every net was created; the MAC write-back ran.
    let count = |c: &str| points.iter().filter(|(p, _)| p == c).count();
    assert_eq!(count("create-vnic"), nets().len(), "{flavour}: {lines:#?}");
    assert_eq!(count("zonecfg"), 1, "{flavour}: {lines:#?}");
    points
}

/// A host whose flavour netzone is told (NETZONE_FLAVOUR), so that no flavour probe takes part
/// in the run counts of the faults.
fn host(flavour: &str) -> Sim {
    Sim::told(flavour, &["e1000g0"])
}

/// A host with zone web1 (brand without hooks), readied on joyent so `zone=` can take it (and
/// `netzone up` acts only for a ready or running zone).
fn plain_host(flavour: &str) -> Sim {
    let sim = host(flavour);
    sim.install_plain_brand(PLAIN);
    sim.add_zone_with_brand("web1", PLAIN, &nets());
    if flavour == "joyent" {
        sim.zoneadm(&["-z", "web1", "ready"]).ok();
    }
    sim
}

/// Creates web1's links outside a boot: `netzone up` of the ready zone on joyent; on gate, where
/// the links must exist before ready (zoneadm refuses to ready the zone without them) and `up`
/// refuses a zone that is not ready or running, the brand's pre-ready hook call itself.
fn create(sim: &Sim, flavour: &str) -> common::Run {
    if flavour == "gate" {
        sim.pre_ready("web1")
    } else {
        sim.netzone(&["up", "web1"])
    }
}

fn assert_clean(sim: &Sim, what: &str) {
    let l = sim.vnics();
    assert_eq!(l, vec![], "{what}: links left");
    assert!(
        sim.journal("web1").is_none(),
        "{what}: journal left: {:?}",
        sim.journal("web1")
    );
}

fn assert_up(sim: &Sim, what: &str) {
    let l = sim.vnics();
    assert!(
        !l.iter().any(|l| is_temp(&l.name)),
        "{what}: temp link: {l:?}"
    );
    let mut names: Vec<_> = l.iter().map(|l| l.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["net0", "net1"], "{what}: {l:?}");
    let n1 = l.iter().find(|l| l.name == "net1").unwrap();
    assert_eq!((n1.vid, n1.mtu), (7, 1400), "{what}");
    let j = sim.journal("web1").expect("journal");
    let entries = j["links"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{what}: {j}");
    assert!(
        entries.iter().all(|e| e["state"] == "active"),
        "{what}: {j}"
    );
}

fn cli_failures(flavour: &str) {
    for (cmd, nth) in points(flavour) {
        let cmd = cmd.as_str();
        for when in ["before", "after"] {
            let what = format!("{flavour} {cmd}#{nth} {when} fail");
            let sim = plain_host(flavour);
            sim.fault(cmd, when, "fail", Some(nth));
            let r = create(&sim, flavour).fails();
            assert_eq!(r.code(), Some(1), "{what}");
            assert!(
                r.stderr().starts_with("netzone: zone 'web1': "),
                "{what}: {}",
                r.stderr()
            );
            assert_clean(&sim, &what);
            // The host is usable afterwards.
            create(&sim, flavour).ok();
            assert_up(&sim, &what);
        }
    }
}

fn cli_crashes(flavour: &str) {
    for (cmd, nth) in points(flavour) {
        let cmd = cmd.as_str();
        for when in ["before", "after"] {
            for cleanup in ["up", "down"] {
                let what = format!("{flavour} {cmd}#{nth} {when} crash, then {cleanup}");
                let sim = plain_host(flavour);
                sim.fault(cmd, when, "crash", Some(nth));
                let r = create(&sim, flavour).fails();
                assert_eq!(r.code(), None, "{what}: killed by the sim");
                if cleanup == "up" {
                    create(&sim, flavour).ok();
                    assert_up(&sim, &what);
                    sim.netzone(&["down", "web1"]).ok();
                } else {
                    sim.netzone(&["down", "web1"]).ok();
                }
                assert_clean(&sim, &what);
            }
        }
    }
}

/// Crashes and failures inside the brand hook during `zoneadm boot`: zoneadmd's clean-up call
/// (or, on gate, the next boot) leaves the host clean, and the zone boots afterwards.
fn hook_faults(flavour: &str) {
    for (cmd, nth) in points(flavour) {
        let cmd = cmd.as_str();
        for when in ["before", "after"] {
            for action in ["fail", "crash"] {
                let what = format!("{flavour} boot, {cmd}#{nth} {when} {action}");
                let sim = host(flavour);
                sim.add_zone("web1", &nets());
                sim.fault(cmd, when, action, Some(nth));
                let r = sim.zoneadm(&["-z", "web1", "boot"]);
                if r.out.status.success() {
                    // Only a fault after the last step can let the boot through (the zonecfg
                    // write-back of a crashed hook is not reached); the zone is then complete.
                    panic!("{what}: boot succeeded despite the fault\n{}", r.stdout());
                }
                let state = sim.zone_state("web1");
                if state != "installed" {
                    sim.zoneadm(&["-z", "web1", "halt"]).ok();
                }
                if flavour == "gate" && action == "crash" {
                    // gate's zoneadmd runs no clean-up hook after a failed pre-ready: the
                    // crashed run's journal (and maybe its link) wait for the next boot, which
                    // finishes or replaces them (checked below). The journal names them.
                    if let Some(j) = sim.journal("web1") {
                        assert!(!j["links"].as_array().unwrap().is_empty(), "{what}: {j}");
                    }
                } else {
                    assert_clean(&sim, &what);
                }
                sim.zoneadm(&["-z", "web1", "boot"]).ok();
                assert_up(&sim, &what);
                sim.zoneadm(&["-z", "web1", "halt"]).ok();
                assert_clean(&sim, &what);
            }
        }
    }
}

#[test]
fn joyent_cli_failures_leave_nothing() {
    cli_failures("joyent");
}

#[test]
fn gate_cli_failures_leave_nothing() {
    cli_failures("gate");
}

#[test]
fn joyent_cli_crashes_are_cleaned_by_next_run() {
    cli_crashes("joyent");
}

#[test]
fn gate_cli_crashes_are_cleaned_by_next_run() {
    cli_crashes("gate");
}

#[test]
fn joyent_hook_faults_during_boot() {
    hook_faults("joyent");
}

#[test]
fn gate_hook_faults_during_boot() {
    hook_faults("gate");
}

/// dlmgmtd stopped while the zone halts leaves the zone `down` with its links; once dlmgmtd is
/// back, halting again runs pre(6,4), which reclaims them, and the halt completes.
#[test]
fn down_zone_is_reclaimed_by_the_next_halt() {
    for flavour in ["joyent", "gate"] {
        let sim = Sim::new(flavour, &["e1000g0"]);
        sim.add_zone("web1", &nets());
        sim.zoneadm(&["-z", "web1", "boot"]).ok();
        sim.illumos_sim(&["dlmgmtd", "stop"]).ok();
        sim.zoneadm(&["-z", "web1", "halt"]).fails();
        assert_eq!(sim.zone_state("web1"), "down", "{flavour}");
        sim.illumos_sim(&["dlmgmtd", "start"]).ok();
        sim.zoneadm(&["-z", "web1", "halt"]).ok();
        assert_eq!(sim.zone_state("web1"), "installed", "{flavour}");
        assert_clean(&sim, flavour);
    }
}

/// joyent: `netzone up` killed at any step on a ready zone; the zone's halt (post-halt hook, and
/// the kernel deleting transient links) leaves nothing behind, and the zone boots again.
#[test]
fn joyent_cli_crash_is_cleaned_by_halt() {
    for (cmd, nth) in points("joyent") {
        let cmd = cmd.as_str();
        for when in ["before", "after"] {
            let what = format!("joyent {cmd}#{nth} {when} crash, then halt");
            let sim = host("joyent");
            sim.add_zone("web1", &nets());
            sim.zoneadm(&["-z", "web1", "ready"]).ok();
            sim.netzone(&["down", "web1"]).ok();
            // The ready wrote the MACs back; forget them so the run has a zonecfg step again.
            let zones = sim.root().join("etc/zones/web1.xml");
            let xml = std::fs::read_to_string(&zones).unwrap();
            let xml: String = xml
                .lines()
                .map(|l| match l.find(" mac-addr=\"") {
                    Some(i) => {
                        let end = l[i + 11..].find('"').unwrap() + i + 12;
                        format!("{}{}\n", &l[..i], &l[end..])
                    }
                    None => format!("{l}\n"),
                })
                .collect();
            std::fs::write(&zones, xml).unwrap();
            sim.fault(cmd, when, "crash", Some(nth));
            let r = sim.netzone(&["up", "web1"]).fails();
            assert_eq!(r.code(), None, "{what}: killed by the sim");
            sim.zoneadm(&["-z", "web1", "halt"]).ok();
            assert_clean(&sim, &what);
            sim.zoneadm(&["-z", "web1", "boot"]).ok();
            assert_up(&sim, &what);
        }
    }
}

/// A failed `up` undoes only what it created, newest first: after the failing command, every
/// command that changes the host acts on a link this run created (its temporary or final name),
/// and the links are deleted in the reverse of their creation. The undo is a plan of steps run
/// by the one executor (`plan::plan_undo`); on joyent the ready zone's links are busy, so each
/// delete takes the executor's fallback (renamed back to its temporary name, handed back to the
/// global zone, deleted there).
fn undo_acts_only_on_created_links(flavour: &str) {
    for (cmd, nth) in points(flavour) {
        if cmd == "show-vnic" || cmd == "show-link" || cmd == "show-linkprop" || cmd == "show-phys"
        {
            continue;
        }
        let what = format!("{flavour} {cmd}#{nth} after fail");
        let sim = plain_host(flavour);
        sim.fault(&cmd, "after", "fail", Some(nth));
        let mark = sim.log().len();
        create(&sim, flavour).fails();
        let log = fault_points(&sim.log()[mark..]);
        let numbered = numbered(&log);
        let failed = numbered
            .iter()
            .position(|(c, n)| *c == cmd && *n == nth)
            .unwrap_or_else(|| panic!("{what}: {log:#?}"));
        let args =
            |l: &str| -> Vec<String> { l.split_whitespace().skip(4).map(String::from).collect() };
        // Created by this run, in order: the last operand of each create-vnic that ran.
        let mut created: Vec<String> = Vec::new();
        let mut renamed: Vec<(String, String)> = Vec::new();
        for p in &log[..=failed] {
            let a = args(&p.line);
            match p.cmd.as_str() {
                "create-vnic" => created.push(a.last().unwrap().clone()),
                "rename-link" => {
                    let n = a.len();
                    renamed.push((a[n - 2].clone(), a[n - 1].clone()));
                }
                _ => {}
            }
        }
        let names_of = |c: &String| -> Vec<String> {
            let mut v = vec![c.clone()];
            v.extend(
                renamed
                    .iter()
                    .filter(|(f, _)| f == c)
                    .map(|(_, t)| t.clone()),
            );
            v
        };
        let ours: Vec<String> = created.iter().flat_map(names_of).collect();
        let mut deleted_order: Vec<usize> = Vec::new();
        for p in &log[failed + 1..] {
            let a = args(&p.line);
            let name = a.last().unwrap();
            match p.cmd.as_str() {
                "delete-vnic" | "rename-link" | "set-linkprop" => {
                    assert!(
                        ours.contains(name),
                        "{what}: {} acts on {name}, not the run's: {log:#?}",
                        p.line
                    );
                    if p.cmd == "rename-link" {
                        assert!(ours.contains(&a[a.len() - 2]), "{what}: {}", p.line);
                    }
                    if p.cmd == "delete-vnic" {
                        let i = created
                            .iter()
                            .position(|c| names_of(c).contains(name))
                            .unwrap();
                        deleted_order.push(i);
                    }
                }
                "create-vnic" | "zonecfg" | "add-flow" => {
                    panic!("{what}: the undo ran {}", p.line)
                }
                _ => {}
            }
        }
        deleted_order.dedup();
        let want: Vec<usize> = (0..created.len()).rev().collect();
        assert_eq!(deleted_order, want, "{what}: {log:#?}");
        assert_clean(&sim, &what);
    }
}

#[test]
fn joyent_undo_acts_only_on_created_links() {
    undo_acts_only_on_created_links("joyent");
}

#[test]
fn gate_undo_acts_only_on_created_links() {
    undo_acts_only_on_created_links("gate");
}
