//! The load proof at test size: 20 zones x 2 nets, all named `net0`/`net1` over the same two
//! NICs, booted concurrently then halted concurrently (joyent): no failure, no collision, no
//! leak. The full size (200 zones x 3 rounds) is `cargo bench --bench load`.

mod common;
#[path = "common/load.rs"]
mod load;
#[path = "common/proof.rs"]
mod proof;

use load::{run_load, LoadOpts};

#[test]
fn twenty_zones_boot_and_halt_concurrently_without_collision_or_leak() {
    let o = LoadOpts {
        zones: 20,
        rounds: 1,
        jobs: 4,
        ..LoadOpts::default()
    };
    let r = run_load(&o);
    println!("{}", r.summary(&o));
    assert_eq!(r.boots, 20);
    assert_eq!(r.halts, 20);
    assert!(
        r.failures.is_empty(),
        "failures:\n{}",
        r.failures.join("\n")
    );
    assert!(
        r.collisions.is_empty(),
        "collisions:\n{}",
        r.collisions.join("\n")
    );
    assert!(r.leaks.is_empty(), "leaks:\n{}", r.leaks.join("\n"));
    // Every zone's post-ready and post-halt hook ran, under the timing wrapper.
    assert_eq!(r.hook_times("post", 0).len(), 20, "{:?}", r.hooks);
    assert_eq!(r.hook_times("post", 4).len(), 20, "{:?}", r.hooks);
}

/// The checks can fail: a renamed link (as a name collision would leave it), a zone not
/// running, and a link left after halt are each reported.
#[test]
fn load_checks_report_collisions_and_leaks() {
    let o = LoadOpts {
        zones: 2,
        rounds: 1,
        jobs: 2,
        ..LoadOpts::default()
    };
    let (sim, zones, _) = load::load_host(&o);
    sim.zoneadm(&["-z", &zones[0], "boot"]).ok();
    sim.zoneadm(&["-z", &zones[1], "boot"]).ok();
    let mut r = load::LoadReport::default();
    load::check_booted(&sim, &zones, &mut r);
    assert!(r.collisions.is_empty() && r.failures.is_empty(), "{r:?}");
    sim.dladm(&["rename-link", "-z", &zones[1], "net1", "net7"])
        .ok();
    load::check_booted(&sim, &zones, &mut r);
    assert_eq!(r.collisions.len(), 1, "{r:?}");
    assert!(r.collisions[0].contains("net7"), "{r:?}");

    sim.zoneadm(&["-z", &zones[0], "halt"]).ok();
    sim.dladm(&["create-vnic", "-l", "e1000g0", "stray0"]).ok();
    let mut r = load::LoadReport::default();
    load::check_halted(&sim, &zones, &mut r);
    assert_eq!(r.failures.len(), 1, "{r:?}");
    assert!(r.failures[0].contains(&zones[1]), "{r:?}");
    assert!(r.leaks.iter().any(|l| l.contains("stray0")), "{r:?}");

    assert_eq!(load::percentile(&[], 50.0), std::time::Duration::ZERO);
    let d = std::time::Duration::from_millis;
    let v: Vec<_> = (1..=100).map(d).collect();
    assert_eq!(load::percentile(&v, 50.0), d(51));
    assert_eq!(load::percentile(&v, 99.0), d(99));
}
