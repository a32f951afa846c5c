//! Host reboots on the simulated host (`illumos-sim reboot`): what survives, and what netzone
//! does with it.

mod common;

use common::{NetSpec, Sim};

fn reboot_ends_zones_and_temporary_links(flavour: &str) {
    let sim = Sim::new(flavour, &["e1000g0"]);
    // An operator's persistent VNIC and a temporary one.
    sim.dladm(&["create-vnic", "-l", "e1000g0", "oper0"]).ok();
    sim.dladm(&["create-vnic", "-t", "-l", "e1000g0", "tmp0"])
        .ok();
    sim.add_zone(
        "web1",
        &[
            NetSpec::new("net0", "e1000g0"),
            NetSpec::new("net1", "e1000g0"),
        ],
    );
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    assert!(sim.journal("web1").is_some());
    let before = sim.state()["boot_time"].as_u64().unwrap();
    sim.reboot();
    let st = sim.state();
    assert!(st["boot_time"].as_u64().unwrap() > before);
    assert!(st["zones"].as_array().unwrap().is_empty());
    assert_eq!(sim.zone_state("web1"), "installed");
    let names: Vec<String> = sim.links().into_iter().map(|l| l.name).collect();
    assert_eq!(names, vec!["e1000g0", "oper0"]);
    // etc/svc/volatile is a tmpfs: empty after boot, journals and flavour cache included.
    let vol = sim.root().join("etc/svc/volatile");
    assert_eq!(
        std::fs::read_dir(&vol).map(|d| d.count()).unwrap_or(0),
        0,
        "volatile not emptied"
    );
    // The zone boots again as if for the first time.
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    assert_eq!(sim.vnics().len(), 3);
    sim.zoneadm(&["-z", "web1", "halt"]).ok();
    let names: Vec<String> = sim.links().into_iter().map(|l| l.name).collect();
    assert_eq!(names, vec!["e1000g0", "oper0"]);
}

#[test]
fn joyent_reboot_ends_zones_and_temporary_links() {
    reboot_ends_zones_and_temporary_links("joyent");
}

#[test]
fn gate_reboot_ends_zones_and_temporary_links() {
    reboot_ends_zones_and_temporary_links("gate");
}

#[test]
fn persistent_link_deleted_with_t_comes_back_at_boot() {
    let sim = Sim::new("gate", &["e1000g0"]);
    sim.dladm(&["create-vnic", "-l", "e1000g0", "-p", "mtu=1400", "p0"])
        .ok();
    sim.dladm(&["delete-vnic", "-t", "p0"]).ok();
    assert!(sim.vnics().is_empty());
    let r = sim
        .dladm(&["create-vnic", "-t", "-l", "e1000g0", "p0"])
        .fails();
    assert!(
        r.stderr().contains("object already exists"),
        "{}",
        r.stderr()
    );
    sim.reboot();
    let v = sim.vnics();
    assert_eq!(v.len(), 1);
    assert_eq!((v[0].name.as_str(), v[0].mtu), ("p0", 1400));
    // Without -t the persistent configuration goes too.
    sim.dladm(&["delete-vnic", "p0"]).ok();
    sim.reboot();
    assert!(sim.vnics().is_empty());
}

/// Where `/etc/svc/volatile` is not emptied at boot (an alternate root on a disk, a copy put
/// back), the records of temporary links and the flavour cache from before the reboot are
/// void: they carry the boot they were written in, and the token netzone keeps in the volatile
/// directory is new after every boot.
#[test]
fn records_and_cache_from_before_a_reboot_are_void() {
    let sim = Sim::new("gate", &["e1000g0"]);
    sim.add_zone("web1", &[NetSpec::new("net0", "e1000g0")]);
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    let vol = sim.root().join("etc/svc/volatile/netzone");
    let journal = std::fs::read(vol.join("web1.json")).unwrap();
    let cache = std::fs::read(vol.join("flavour.cache")).unwrap();
    sim.reboot();
    // Put the old files back, as a volatile directory that survived would have them.
    std::fs::create_dir_all(&vol).unwrap();
    std::fs::write(vol.join("web1.json"), &journal).unwrap();
    std::fs::write(vol.join("flavour.cache"), &cache).unwrap();
    // The stale record is void: nothing reported, nothing to collect.
    let r = sim.netzone(&["show", "--orphans"]);
    assert_eq!(r.code(), Some(0), "{}{}", r.stdout(), r.stderr());
    let mark = sim.log().len();
    sim.netzone(&["gc"]).ok();
    assert!(
        !sim.log()[mark..].iter().any(|l| l.contains("delete-vnic")),
        "{:#?}",
        &sim.log()[mark..]
    );
    // The old cache was not trusted: the flavour was probed once before the reboot (the
    // boot) and once after (the show above).
    let probes = sim
        .log()
        .iter()
        .filter(|l| l.ends_with(&netzone::dladm::probe_command().join(" ")))
        .count();
    assert_eq!(probes, 2, "one probe per boot: {:#?}", sim.log());
    // And the zone boots as if for the first time; its new record replaces the void one.
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    assert_eq!(sim.vnics().len(), 1);
    sim.zoneadm(&["-z", "web1", "halt"]).ok();
    assert!(sim.vnics().is_empty());
    assert!(sim.journal("web1").is_none());
}
