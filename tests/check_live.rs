//! `netzone check --live` on the simulated host, both flavours: a booted zone whose links are as
//! configured passes with one `zoneadm list` and two dladm walks; each kind of difference (MTU,
//! a link property, lower link, VLAN, MAC against the configuration and against the journal, a
//! missing link, a missing record) is one line and exit 1; a zone that is not ready or running
//! is an error before anything is read; a stopped dlmgmtd is an error, never "missing links".

mod common;

use common::{NetSpec, Run, Sim};

const ZONE_XML: &str = "etc/zones/web1.xml";

/// web1 booted: net0 over e1000g0 with an allowed-address and an MTU, net1 over e1000g1 on
/// VLAN 42 with a fixed MAC. web2 configured and installed, not booted.
fn booted(flavour: &str) -> Sim {
    let sim = Sim::new(flavour, &["e1000g0", "e1000g1"]);
    let mut net0 = NetSpec::new("net0", "e1000g0");
    net0.allowed_address = Some("10.0.0.5/24".into());
    net0.mtu = Some(1500);
    let mut net1 = NetSpec::new("net1", "e1000g1");
    net1.vlan = Some(42);
    net1.mac = Some("2:8:20:ab:cd:ef".into());
    sim.add_zone("web1", &[net0, net1]);
    sim.add_zone("web2", &[NetSpec::new("net0", "e1000g1")]);
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    sim
}

fn live(sim: &Sim, args: &[&str]) -> Run {
    let mut a = vec!["check", "--live"];
    a.extend_from_slice(args);
    sim.netzone(&a)
}

/// The `netzone:` lines of a failed live check.
fn diffs(sim: &Sim) -> Vec<String> {
    let r = live(sim, &["web1"]).fails();
    assert_eq!(r.code(), Some(1));
    assert_eq!(r.stdout(), "");
    r.stderr().lines().map(String::from).collect()
}

/// Edits web1's zone file.
fn edit(sim: &Sim, from: &str, to: &str) -> String {
    let p = sim.root().join(ZONE_XML);
    let old = std::fs::read_to_string(&p).unwrap();
    assert!(old.contains(from), "{from} not in\n{old}");
    std::fs::write(&p, old.replace(from, to)).unwrap();
    old
}

fn restore(sim: &Sim, xml: &str) {
    std::fs::write(sim.root().join(ZONE_XML), xml).unwrap();
    live(sim, &["web1"]).ok();
}

/// As seen from inside web1 (`zlogin web1 dladm ...`).
fn in_zone(sim: &Sim, args: &[&str]) {
    let r = sim
        .command(&sim.bin.join("sim-dladm"), args)
        .env("ILLUMOS_SIM_ZONE", "web1")
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
}

fn every_difference_kind(flavour: &str) {
    let sim = booted(flavour);

    // As configured: exit 0, silent; one zoneadm list and two dladm walks, however many nets.
    let before = sim.log().len();
    let r = live(&sim, &["web1"]).ok();
    assert_eq!((r.stdout(), r.stderr()), (String::new(), String::new()));
    let ran: Vec<String> = sim.log()[before..]
        .iter()
        .map(|l| l.split(' ').skip(3).collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(ran.len(), 3, "{ran:#?}");
    assert!(ran[0].starts_with("sim-zoneadm list"), "{ran:#?}");
    assert!(ran[1].starts_with("sim-dladm show-linkprop -c"), "{ran:#?}");
    assert!(ran[2].starts_with("sim-dladm show-vnic -p"), "{ran:#?}");
    let v = live(&sim, &["-v", "web1"]).ok();
    assert!(v.stderr().contains("zone 'web1': 2 links as configured"));

    // MTU changed inside the zone.
    in_zone(&sim, &["set-linkprop", "-t", "-p", "mtu=1400", "net0"]);
    assert_eq!(
        diffs(&sim),
        ["netzone: zone 'web1': net 'net0': mtu is 1400, configured 1500"]
    );
    in_zone(&sim, &["set-linkprop", "-t", "-p", "mtu=1500", "net0"]);
    live(&sim, &["web1"]).ok();

    // An address added to the configuration after the boot: the link lacks its protection
    // (joyent: netzone's create-vnic sets it; gate: zoneadmd sets it when it lends the link).
    let xml = edit(
        &sim,
        "vlan-id=\"42\"",
        "vlan-id=\"42\" allowed-address=\"10.0.0.9/24\"",
    );
    let want: Vec<String> = match flavour {
        "joyent" => vec![
            "netzone: zone 'web1': net 'net1': allowed-ips is none, configured 10.0.0.9".into(),
        ],
        _ => vec![
            "netzone: zone 'web1': net 'net1': protection is none, configured ip-nospoof".into(),
            "netzone: zone 'web1': net 'net1': allowed-ips is none, configured 10.0.0.9".into(),
        ],
    };
    assert_eq!(diffs(&sim), want);
    restore(&sim, &xml);

    // Lower link, VLAN and MAC changed in the configuration while the zone runs.
    let xml = edit(
        &sim,
        "global-nic=\"e1000g1\" mac-addr=\"2:8:20:ab:cd:ef\" vlan-id=\"42\"",
        "global-nic=\"e1000g0\" mac-addr=\"2:8:20:ab:cd:e0\" vlan-id=\"43\"",
    );
    assert_eq!(
        diffs(&sim),
        [
            "netzone: zone 'web1': net 'net1': over is e1000g1, configured e1000g0",
            "netzone: zone 'web1': net 'net1': vlan-id is 42, configured 43",
            "netzone: zone 'web1': net 'net1': mac-addr is 2:8:20:ab:cd:ef, configured 2:8:20:ab:cd:e0",
        ]
    );
    restore(&sim, &xml);

    // A journal whose record of net0 says another MAC: the link is not the one recorded.
    let jp = sim.journal_path("web1");
    let journal = std::fs::read_to_string(&jp).unwrap();
    let mac0 = sim.journal("web1").unwrap()["links"][0]["mac"]
        .as_str()
        .unwrap()
        .to_string();
    let other = if mac0 == "2:8:20:1:2:3" {
        "2:8:20:1:2:4"
    } else {
        "2:8:20:1:2:3"
    };
    std::fs::write(
        &jp,
        journal.replacen(
            &format!("\"mac\": \"{mac0}\""),
            &format!("\"mac\": \"{other}\""),
            1,
        ),
    )
    .unwrap();
    // The configuration has the MAC written back at boot, so it agrees with the link: the
    // record is what differs.
    assert_eq!(
        diffs(&sim),
        [format!(
            "netzone: zone 'web1': net 'net0': mac-addr is {mac0}, recorded {other}"
        )]
    );
    // No journal at all: every link is unaccounted for.
    std::fs::remove_file(&jp).unwrap();
    let d = diffs(&sim);
    assert_eq!(d.len(), 2, "{d:#?}");
    for (line, net) in d.iter().zip(["net0", "net1"]) {
        assert_eq!(
            line,
            &format!(
                "netzone: zone 'web1': net '{net}': netzone's journal has no record of link \
                 '{net}': netzone did not create it, or its journal was lost"
            )
        );
    }
    std::fs::write(&jp, &journal).unwrap();
    live(&sim, &["web1"]).ok();

    // A net added to the configuration while the zone runs: its link is missing.
    let xml = edit(
        &sim,
        "</zone>",
        "  <network physical=\"net2\" global-nic=\"e1000g1\"/>\n</zone>",
    );
    assert_eq!(
        diffs(&sim),
        ["netzone: zone 'web1': net 'net2': no link 'net2' in the zone"]
    );
    restore(&sim, &xml);

    // Zones that are not ready or running: an error, before any dladm run.
    let before = sim.log().len();
    let r = live(&sim, &["web2", "nosuch"]).fails();
    assert_eq!(r.code(), Some(1));
    assert_eq!(
        r.stderr(),
        "netzone: zone 'web2': zone is installed, not ready or running: it has no links to \
         check (netzone check web2 checks its configuration)\n\
         netzone: zone 'nosuch': no such zone configured\n"
    );
    assert!(
        sim.log()[before..].iter().all(|l| !l.contains("sim-dladm")),
        "{:#?}",
        &sim.log()[before..]
    );
    // Named with a running zone: the running one is still checked, the exit is 1.
    let r = live(&sim, &["web1", "web2"]).fails();
    assert!(!r.stderr().contains("web1"), "{}", r.stderr());
    // -a checks the zones that are up and passes.
    live(&sim, &["-a"]).ok();

    // A zone booted with a link changed behind netzone's back, seen by -a too.
    in_zone(&sim, &["set-linkprop", "-t", "-p", "mtu=1400", "net1"]);
    match flavour {
        // joyent: netzone gives every link SmartOS's 1500 unless configured.
        "joyent" => assert_eq!(
            live(&sim, &["-a"]).fails().stderr(),
            "netzone: zone 'web1': net 'net1': mtu is 1400, configured 1500\n"
        ),
        // gate: a VNIC's MTU is its lower link's unless one is configured; only that counts.
        _ => {
            live(&sim, &["-a"]).ok();
        }
    }

    // dlmgmtd down: an error, not a list of missing links.
    sim.illumos_sim(&["dlmgmtd", "stop"]).ok();
    let r = live(&sim, &["web1"]).fails();
    assert!(!r.stderr().contains("no link '"), "{}", r.stderr());
    assert!(r.stderr().contains("operation failed"), "{}", r.stderr());
}

#[test]
fn joyent_differences() {
    every_difference_kind("joyent");
}

#[test]
fn gate_differences() {
    every_difference_kind("gate");
}

/// joyent's link properties set from the global zone, and a link renamed inside the zone.
#[test]
fn joyent_protection_and_rename() {
    let sim = booted("joyent");
    sim.dladm(&[
        "set-linkprop",
        "-t",
        "-z",
        "web1",
        "-p",
        "protection=mac-nospoof",
        "net1",
    ])
    .ok();
    assert_eq!(
        diffs(&sim),
        [
            "netzone: zone 'web1': net 'net1': protection is mac-nospoof, configured \
          mac-nospoof,ip-nospoof,restricted,dhcp-nospoof"
        ]
    );
    sim.dladm(&["rename-link", "-z", "web1", "net1", "eth1"])
        .ok();
    assert_eq!(
        diffs(&sim),
        ["netzone: zone 'web1': net 'net1': no link 'net1' in the zone"]
    );
}

/// A ready zone (its links made by the brand's hooks at ready) is checked like a running one.
#[test]
fn a_ready_zone_is_checked() {
    for flavour in ["joyent", "gate"] {
        let sim = Sim::new(flavour, &["e1000g0"]);
        let mut n = NetSpec::new("net0", "e1000g0");
        n.allowed_address = Some("10.0.0.5/24".into());
        sim.add_zone("web3", &[n]);
        sim.zoneadm(&["-z", "web3", "ready"]).ok();
        assert_eq!(sim.zone_state("web3"), "ready");
        let r = live(&sim, &["web3"]).ok();
        assert_eq!(r.stderr(), "", "{flavour}");
        let p = sim.root().join("etc/zones/web3.xml");
        let xml = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, xml.replace("10.0.0.5/24", "10.0.0.6/24")).unwrap();
        let r = live(&sim, &["web3"]).fails();
        assert_eq!(
            r.stderr(),
            "netzone: zone 'web3': net 'net0': allowed-ips is 10.0.0.5, configured 10.0.0.6\n",
            "{flavour}"
        );
        // Halted: no longer checkable.
        std::fs::write(&p, xml).unwrap();
        sim.zoneadm(&["-z", "web3", "halt"]).ok();
        let r = live(&sim, &["web3"]).fails();
        assert!(
            r.stderr()
                .contains("zone 'web3': zone is installed, not ready or running"),
            "{}",
            r.stderr()
        );
    }
}

/// gate's `show-linkprop` walk prints `?` for a link whose zone it cannot read, warns and exits
/// 1 (linkprop.c `get_zone`; dladm.c `print_linkprop`): the live check reads the rest of the
/// walk. A link that has nothing to do with the zone does not stop the check; one that may be
/// the zone's own net is reported as not checkable, never as missing or as the global zone's.
#[test]
fn gate_survives_a_link_whose_zone_dladm_cannot_read() {
    let sim = booted("gate");
    sim.dladm(&["create-vnic", "-t", "-l", "e1000g0", "vnic7"])
        .ok();
    sim.illumos_sim(&["zone-unreadable", "vnic7", "on"]).ok();
    let r = live(&sim, &["web1"]).ok();
    assert_eq!(r.stderr(), "", "an unrelated link stops nothing");
    live(&sim, &["-a"]).ok();

    sim.illumos_sim(&["zone-unreadable", "net1", "on"]).ok();
    let d = diffs(&sim);
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(
        d[0].starts_with(
            "netzone: zone 'web1': net 'net1': dladm cannot read which zone holds link 'net1' ("
        ),
        "{d:?}"
    );
    assert!(d[0].contains("cannot be checked"), "{d:?}");

    // Once dladm can read it again, the zone checks clean.
    sim.illumos_sim(&["zone-unreadable", "net1", "off"]).ok();
    sim.illumos_sim(&["zone-unreadable", "vnic7", "off"]).ok();
    live(&sim, &["web1"]).ok();
}
