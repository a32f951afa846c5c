//! The README's main job, `cargo run --example lifecycle`: runs the built example and checks that
//! it tells the whole story and that each step really happened.

use std::path::PathBuf;
use std::process::Command;

/// `target/<profile>/examples/lifecycle`, which `cargo test` builds beside the tests.
fn example() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let dir = exe.parent().and_then(|d| d.parent()).expect("target dir");
    let path = dir.join("examples").join("lifecycle");
    if !path.exists() {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let ok = Command::new(cargo)
            .args(["build", "-q", "--example", "lifecycle"])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok && path.exists(), "cannot build the lifecycle example");
    }
    path
}

/// Lines of `out` between the step headed `from` and the next step heading.
fn section<'a>(out: &'a str, from: &str) -> &'a str {
    let start = out.find(from).unwrap_or_else(|| panic!("no step {from}"));
    let rest = &out[start + from.len()..];
    &rest[..rest.find("\n== ").unwrap_or(rest.len())]
}

#[test]
fn lifecycle_walkthrough_runs_and_reads_as_a_tutorial() {
    let out = Command::new(example())
        .env_remove("NETZONE_EXAMPLE_KEEP")
        .output()
        .expect("run example");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "example failed\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for n in 1..=7 {
        assert!(text.contains(&format!("\n== {n}. ")) || text.starts_with(&format!("== {n}. ")));
    }

    let boot = section(&text, "== 4. ");
    for z in ["web1", "web2", "db1"] {
        assert!(boot.contains(&format!("# zoneadm -z {z} boot &")), "{boot}");
        assert!(boot.contains(&format!("    {z}: booted")), "{boot}");
    }
    // Both zones have their own net0; db1's is tagged with the fixed MAC.
    let table: Vec<&str> = boot
        .lines()
        .skip_while(|l| !l.contains("# netzone show"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .collect();
    let has = |cells: &[&str]| {
        table
            .iter()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == cells)
    };
    assert!(
        table[0].split_whitespace().eq([
            "LINK",
            "ZONE",
            "OVER",
            "MACADDRESS",
            "VID",
            "OWNER",
            "STATE"
        ]),
        "{table:?}"
    );
    assert!(
        has(&[
            "net0",
            "db1",
            "e1000g1",
            "2:8:20:ab:cd:ef",
            "42",
            "netzone",
            "ok"
        ]),
        "{table:?}"
    );
    assert_eq!(
        table.iter().filter(|l| l.contains(" netzone ")).count(),
        3,
        "{table:?}"
    );
    assert!(table
        .iter()
        .any(|l| l.starts_with("    net0   web1 ") || l.starts_with("    net0  web1 ")));
    assert!(
        boot.contains("net0:db1:2\\:8\\:20\\:ab\\:cd\\:ef:42"),
        "{boot}"
    );

    let trouble = section(&text, "== 5. ");
    assert!(
        // The example's host is joyent: its zoneadmd stops at the first link it cannot look
        // up (illumos-joyent vplat.c `delete_transient_vnics`), with no gate-style count.
        trouble.contains("unable to delete transient vnics in zone")
            && !trouble.contains("datalink(s) remain"),
        "{trouble}"
    );
    assert!(trouble.contains("db1=down"), "{trouble}");
    assert!(
        trouble.contains("dlmgmtd may not be answering"),
        "{trouble}"
    );
    assert!(trouble.contains("nothing was changed"), "{trouble}");

    let recover = section(&text, "== 6. ");
    assert!(recover.contains("data0  db1   e1000g0"), "{recover}");
    assert!(recover.contains("operator  stuck"), "{recover}");
    assert!(
        recover.contains("would delete net0 (created by netzone"),
        "{recover}"
    );
    assert!(recover.contains("deleted net0 (created by netzone: recorded in its journal)"));
    // The operator's data0 is never renamed: blocked until the operator renames the global
    // zone's data0, then handed back under its own name.
    assert!(
        recover.contains("cannot free data0: the global zone already has a link named data0"),
        "{recover}"
    );
    assert!(!recover.contains("rename-link -z db1 data0"), "{recover}");
    assert!(
        recover.contains("returned data0 to the global zone"),
        "{recover}"
    );
    assert!(recover.contains("zone 'db1' is now installed"), "{recover}");

    let clean = section(&text, "== 7. ");
    assert!(clean.contains("db1=installed"), "{clean}");
    assert!(
        !clean.contains("stuck") && !clean.contains("orphan  "),
        "{clean}"
    );
    assert!(clean.contains("data0        e1000g0    --"), "{clean}");
    assert!(clean.contains("data1        e1000g1    --"), "{clean}");
    // After the last boot db1 has its links again, with the same fixed MAC.
    assert!(
        clean.contains("net0   db1   2:8:20:ab:cd:ef  42   ok"),
        "{clean}"
    );
    assert!(text
        .trim_end()
        .ends_with("Done. `man -l man/netzone.8` has the rest."));
}
