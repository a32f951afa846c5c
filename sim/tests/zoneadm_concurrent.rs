//! Concurrent sim-zoneadm runs: different zones proceed in parallel (no state lock is held
//! while a hook runs), requests on one zone are serialised like zoneadmd's door calls.

mod zone_support;

use std::collections::BTreeSet;
use std::process::Child;

use netzone_sim::state::{Flavour, GLOBAL};
use zone_support::*;

#[test]
fn concurrent_ready_of_several_zones() {
    const N: usize = 6;
    let phys: Vec<String> = (0..N).map(|i| format!("e1000g{i}")).collect();
    let phys_ref: Vec<&str> = phys.iter().map(String::as_str).collect();
    let s = Sim::new(Flavour::Gate, &phys_ref);
    // The hook takes the state lock itself (as a hook running sim-dladm would; at most 20 s)
    // and sleeps: if zoneadm held the lock across hooks, the hook would fail.
    let hook = s.root.join("slow");
    write_exec(
        &hook,
        &format!(
            "#!/bin/sh\nif command -v flock >/dev/null; then flock -w 20 '{}' true || exit 1; fi\nsleep 0.2\necho \"$1($3,$4) $2\" >> '{}'\n",
            s.root.join("var/sim/state.lock").display(),
            s.hook_log.display()
        ),
    );
    std::fs::create_dir_all(s.root.join("usr/lib/brand/slow")).unwrap();
    std::fs::write(
        s.root.join("usr/lib/brand/slow/config.xml"),
        format!(
            "<brand name=\"slow\"><prestatechange>/bin/sh {h} pre %z</prestatechange>\
             <poststatechange>/bin/sh {h} post %z</poststatechange></brand>",
            h = hook.display()
        ),
    )
    .unwrap();
    write_platform(&s.root, "slow");
    for (i, p) in phys.iter().enumerate() {
        s.zone(&format!("z{i}"), "slow", true, &[p], "installed");
    }
    let children: Vec<(usize, Child)> = (0..N)
        .map(|i| {
            let z = format!("z{i}");
            (
                i,
                s.zoneadm_cmd(&["-z", &z, "ready"])
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap(),
            )
        })
        .collect();
    for (i, c) in children {
        let o = c.wait_with_output().unwrap();
        assert_eq!(code(&o), 0, "z{i}: {}", stderr(&o));
    }
    let h = s.host();
    let ids: BTreeSet<u32> = h.zones.iter().map(|z| z.id).collect();
    assert_eq!(ids.len(), N, "distinct zone ids");
    for (i, p) in phys.iter().enumerate() {
        let l = h.links.iter().find(|l| &l.name == p).unwrap();
        assert_eq!(l.zone, format!("z{i}"));
    }
    assert_eq!(s.take_hooks().len(), 2 * N);
    assert!(h.links.iter().all(|l| l.zone != GLOBAL));
}

#[test]
fn requests_on_one_zone_are_serialised() {
    let s = Sim::new(Flavour::Joyent, &[]);
    s.brand("sparse", "");
    s.zone("web1", "sparse", false, &[], "installed");
    let kids: Vec<Child> = (0..3)
        .map(|_| {
            s.zoneadm_cmd(&["-z", "web1", "boot"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut already = 0;
    for k in kids {
        let o = k.wait_with_output().unwrap();
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        if stderr(&o) == "zoneadm: zone 'web1': zone is already booted\n" {
            already += 1;
        }
    }
    // One boot did the work, the other two found the zone running.
    assert_eq!(already, 2);
    assert_eq!(
        s.take_hooks(),
        vec!["pre(2,0)", "post(2,0)", "pre(2,1)", "post(2,1)"]
    );
    assert_eq!(s.state("web1"), "running");
}
