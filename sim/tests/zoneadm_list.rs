//! `sim-zoneadm list`: zoneadm.c `list_func`/`zone_print_list`/`zone_print`, index states
//! overlaid with kernel states, parseable escaping, and the joyent debugid column.

mod zone_support;

use netzone_sim::state::Flavour;
use zone_support::*;

fn populated(flavour: Flavour) -> Sim {
    let s = Sim::new(flavour, &["net0"]);
    s.brand("sparse", "");
    s.zone("c1", "sparse", true, &[], "configured");
    s.zone("i1", "sparse", true, &[], "incomplete");
    s.zone_at("odd", "sparse", false, &[], "installed", "/zones/a:b");
    s.zone("r1", "sparse", true, &[], "installed");
    s.zone("r2", "sparse", false, &[], "installed");
    assert_eq!(code(&s.zoneadm(&["-z", "r2", "ready"])), 0);
    assert_eq!(code(&s.zoneadm(&["-z", "r1", "boot"])), 0);
    s
}

#[test]
fn list_cip_in_gate_flavour() {
    let s = populated(Flavour::Gate);
    let o = s.zoneadm(&["list", "-cip"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // Kernel zones first (global, then by zone id: r2 was readied first), then the index.
    assert_eq!(
        stdout(&o),
        format!(
            "0:global:running:/::ipkg:shared\n\
             1:r2:ready:/zones/r2:{UUID}:sparse:shared\n\
             2:r1:running:/zones/r1:{UUID}:sparse:excl\n\
             -:c1:configured:/zones/c1::sparse:excl\n\
             -:i1:incomplete:/zones/i1:{UUID}:sparse:excl\n\
             -:odd:installed:/zones/a\\:b:{UUID}:sparse:shared\n"
        )
    );
    // -i: installed and up; -c and -i together are the same as -c.
    let o = s.zoneadm(&["list", "-ip"]);
    assert_eq!(
        stdout(&o)
            .lines()
            .map(|l| l.split(':').nth(1).unwrap())
            .collect::<Vec<_>>(),
        vec!["global", "r2", "r1", "odd"]
    );
    assert_eq!(
        stdout(&s.zoneadm(&["list", "-c", "-i", "-p"])),
        stdout(&s.zoneadm(&["list", "-cp"]))
    );
    // No options: the names of the zones in the kernel.
    assert_eq!(stdout(&s.zoneadm(&["list"])), "global\nr2\nr1\n");
}

#[test]
fn list_in_joyent_flavour_has_the_debugid_column() {
    let s = populated(Flavour::Joyent);
    let o = s.zoneadm(&["list", "-pc"]);
    let out = stdout(&o);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("0:global:running:/::liveimg:shared:0"));
    assert_eq!(
        lines.next(),
        Some(format!("1:r2:ready:/zones/r2:{UUID}:sparse:shared:").as_str())
    );
    // A zone with a debugid in its XML shows it.
    let xml = std::fs::read_to_string(s.root.join("etc/zones/c1.xml"))
        .unwrap()
        .replace(
            "ip-type=\"exclusive\"",
            "ip-type=\"exclusive\" debugid=\"42\"",
        );
    std::fs::write(s.root.join("etc/zones/c1.xml"), xml).unwrap();
    assert_eq!(
        s.list_line("c1"),
        "-:c1:configured:/zones/c1::sparse:excl:42"
    );
}

#[test]
fn default_brand_comes_from_sunwdefault() {
    let s = Sim::new(Flavour::Gate, &[]);
    std::fs::write(
        s.root.join("etc/zones/SUNWdefault.xml"),
        "<zone name=\"SUNWdefault\" brand=\"native\"/>",
    )
    .unwrap();
    assert_eq!(
        stdout(&s.zoneadm(&["list", "-p"])),
        "0:global:running:/::native:shared\n"
    );
    assert_eq!(s.list_line("global"), "0:global:running:/::native:shared");
}

#[test]
fn verbose_list() {
    let s = populated(Flavour::Gate);
    let o = s.zoneadm(&["list", "-v"]);
    assert_eq!(
        stdout(&o),
        format!(
            "  ID NAME             STATUS     PATH                           BRAND    IP    \n\
             {:>4} {:<16} {:<10} {:<30} {:<8} {:<6}\n\
             {:>4} {:<16} {:<10} {:<30} {:<8} {:<6}\n\
             {:>4} {:<16} {:<10} {:<30} {:<8} {:<6}\n",
            0,
            "global",
            "running",
            "/",
            "ipkg",
            "shared",
            1,
            "r2",
            "ready",
            "/zones/r2",
            "sparse",
            "shared",
            2,
            "r1",
            "running",
            "/zones/r1",
            "sparse",
            "excl"
        )
    );
}

#[test]
fn list_errors() {
    let s = populated(Flavour::Gate);
    let o = s.zoneadm(&["list", "-pv"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "zoneadm: list -p and -v are mutually exclusive.\n"
    );
    let o = s.zoneadm(&["-z", "r1", "list", "-pv"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "zoneadm: zone 'r1': list -p and -v are mutually exclusive.\n"
    );
    // -c is not allowed with a target zone.
    let o = s.zoneadm(&["-z", "r1", "list", "-c"]);
    assert_eq!(code(&o), 2);
    assert_eq!(stderr(&o), "usage:\tlist [-cipv]\n");
    let o = s.zoneadm(&["list", "-x"]);
    assert_eq!(code(&o), 2);
    // A zone in the index whose XML is gone is reported and skipped.
    std::fs::remove_file(s.root.join("etc/zones/c1.xml")).unwrap();
    let o = s.zoneadm(&["list", "-cp"]);
    assert_eq!(code(&o), 0);
    assert_eq!(
        stderr(&o),
        "zoneadm: c1: could not get brand name: No such zone configured\n"
    );
    assert!(!stdout(&o).contains(":c1:"));
}
