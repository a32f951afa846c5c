//! sim-zoneadm and datalinks: `physical` links assigned at ready (vplat.c
//! `configure_exclusive_network_interfaces`), returned or deleted at halt, the zone left
//! `down` when links remain (dlmgmtd stopped; issue 10001), and recovery by halting again.

mod zone_support;

use netzone_sim::dls::{MacRequest, VnicSpec};
use netzone_sim::state::{Flavour, GLOBAL};
use zone_support::*;

fn link_zone(s: &Sim, name: &str) -> Vec<String> {
    s.host()
        .links
        .iter()
        .filter(|l| l.name == name)
        .map(|l| l.zone.clone())
        .collect()
}

/// A host of `flavour` with the links `phys`, the hook-logging brand `sparse`, and zone `zone`
/// (exclusive-IP, installed) configured with the `physical` links `links`.
fn sparse_zone(flavour: Flavour, phys: &[&str], zone: &str, links: &[&str]) -> Sim {
    let s = Sim::new(flavour, phys);
    s.brand("sparse", "");
    s.zone(zone, "sparse", true, links, "installed");
    s
}

/// A temporary VNIC `name` over the global zone's `over`, made in the global zone (as the
/// operator's `dladm create-vnic -t`), `transient` as a joyent dladm marks one. Returns its id.
fn gz_vnic(h: &mut netzone_sim::state::Host, name: &str, over: &str, transient: bool) -> u32 {
    let over = h.lookup(GLOBAL, over).unwrap().id;
    h.create_vnic(&VnicSpec {
        name: name.into(),
        over,
        mac: MacRequest::Auto,
        vid: 0,
        temporary: true,
        transient,
        zone: GLOBAL.into(),
    })
    .unwrap()
}

/// Gives web1's net0 the attributes `attrs` (XML, before `physical=`) in its zonecfg.
fn set_net0_attrs(s: &Sim, attrs: &str) {
    let path = s.root.join("etc/zones/web1.xml");
    let xml = std::fs::read_to_string(&path).unwrap().replace(
        "<network physical=\"net0\"",
        &format!("<network {attrs} physical=\"net0\""),
    );
    std::fs::write(path, xml).unwrap();
}

/// Readies web1, whose net0 has allowed-address 10.0.0.5/24: zoneadmd sets `protection` and
/// `allowed-ips` on the link it lends; the halt clears both.
fn ready_protects_net0_and_halt_clears_it(s: &Sim) {
    let o = s.zoneadm(&["-z", "web1", "ready"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let l = s.host().lookup("web1", "net0").unwrap().clone();
    assert_eq!(
        l.props.get("protection").map(String::as_str),
        Some("ip-nospoof")
    );
    assert_eq!(
        l.props.get("allowed-ips").map(String::as_str),
        Some("10.0.0.5")
    );
    assert_eq!(code(&s.zoneadm(&["-z", "web1", "halt"])), 0);
    let l = s.host().lookup(GLOBAL, "net0").unwrap().clone();
    assert!(!l.props.contains_key("protection"));
    assert!(!l.props.contains_key("allowed-ips"));
}

/// What illumos-joyent's zoneadm says when `zone`'s halt meets dlmgmtd down and link `id` is
/// the first transient link it must delete (vplat.c: `remove_datalink_protect`'s messages
/// carry no link id, and `delete_transient_vnics` stops at the first link it cannot look up).
fn joyent_halt_without_dlmgmtd(zone: &str, id: u32) -> String {
    format!(
        "zoneadm: zone '{zone}': clear 'protection' link property: operation failed\n\
         zoneadm: zone '{zone}': clear 'allowed-ips' link property: operation failed\n\
         zoneadm: zone '{zone}': failed to delete network interface ({id})due to failure to get \
         link info: operation failed\n\
         zoneadm: zone '{zone}': unable to delete transient vnics in zone\n\
         zoneadm: zone '{zone}': unable to destroy zone\n"
    )
}

#[test]
fn physical_links_are_assigned_at_ready_and_returned_at_halt() {
    for flavour in [Flavour::Joyent, Flavour::Gate] {
        let s = sparse_zone(flavour, &["net0", "e1000g0"], "web1", &["net0", "e1000g0"]);
        let o = s.zoneadm(&["-z", "web1", "boot"]);
        assert_eq!(code(&o), 0, "{flavour:?}: {}", stderr(&o));
        assert_eq!(link_zone(&s, "net0"), vec!["web1"]);
        assert_eq!(link_zone(&s, "e1000g0"), vec!["web1"]);
        assert!(s.host().links.iter().all(|l| l.onloan));
        let o = s.zoneadm(&["-z", "web1", "halt"]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        assert_eq!(link_zone(&s, "net0"), vec![GLOBAL]);
        assert_eq!(link_zone(&s, "e1000g0"), vec![GLOBAL]);
        assert!(s.host().links.iter().all(|l| !l.onloan));
        assert_eq!(s.state("web1"), "installed");
    }
}

#[test]
fn missing_physical_link_fails_ready_in_gate_and_is_skipped_in_joyent() {
    let s = sparse_zone(Flavour::Gate, &["net0"], "web1", &["net0", "web1_0"]);
    let o = s.zoneadm(&["-z", "web1", "ready"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "WARNING: skipping network interface 'web1_0': object not found\n\
         zoneadm: zone 'web1': failed to add network device: No such device or address\n\
         zoneadm: zone 'web1': call to zoneadmd failed\n"
    );
    // The half-made zone was torn down, net0 went back, the cleanup hook ran.
    assert_eq!(s.take_hooks(), vec!["pre(2,0)", "post(3,4)"]);
    assert!(s.host().zone("web1").is_none());
    assert_eq!(link_zone(&s, "net0"), vec![GLOBAL]);
    assert_eq!(s.state("web1"), "installed");

    let s = sparse_zone(Flavour::Joyent, &["net0"], "web1", &["net0", "web1_0"]);
    let o = s.zoneadm(&["-z", "web1", "ready"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    assert_eq!(link_zone(&s, "net0"), vec!["web1"]);
    assert_eq!(s.state("web1"), "ready");
}

/// A configured link the global zone holds open cannot be lent ("link busy", dls_link.c
/// `dls_link_setzid`): both flavours' `add_datalink` warn "WARNING: unable to add network
/// interface"; joyent's `configure_exclusive_network_interfaces` goes on (the zone readies
/// without it), gate's fails the ready (illumos-joyent vplat.c @6f1192a4 in zssfred's copy;
/// illumos-gate vplat.c).
#[test]
fn a_held_link_warns_and_joyent_goes_on_while_gate_fails_the_ready() {
    let s = sparse_zone(
        Flavour::Joyent,
        &["net0", "e1000g0"],
        "web1",
        &["net0", "e1000g0"],
    );
    let held = std::process::Command::new(env!("CARGO_BIN_EXE_illumos-sim"))
        .args(["hold", "e1000g0", "on", "--root"])
        .arg(&s.root)
        .status()
        .unwrap();
    assert!(held.success());
    for (args, want) in [
        (&["hold", "nosuch0", "on"][..], 1),
        (&["hold", "e1000g0", "maybe"], 2),
    ] {
        let st = std::process::Command::new(env!("CARGO_BIN_EXE_illumos-sim"))
            .args(args)
            .arg("--root")
            .arg(&s.root)
            .output()
            .unwrap();
        assert_eq!(st.status.code(), Some(want), "{args:?}");
    }
    let o = s.zoneadm(&["-z", "web1", "ready"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "zoneadm: zone 'web1': WARNING: unable to add network interface 'e1000g0': link busy\n"
    );
    assert_eq!(link_zone(&s, "net0"), vec!["web1"]);
    assert_eq!(link_zone(&s, "e1000g0"), vec![GLOBAL]);
    assert_eq!(s.state("web1"), "ready");
    assert_eq!(code(&s.zoneadm(&["-z", "web1", "halt"])), 0);
    assert_eq!(link_zone(&s, "net0"), vec![GLOBAL]);

    let g = sparse_zone(
        Flavour::Gate,
        &["net0", "e1000g0"],
        "web1",
        &["net0", "e1000g0"],
    );
    g.with_host(|h| {
        let id = h.lookup(GLOBAL, "e1000g0").unwrap().id;
        h.link_mut(id).unwrap().plumbed = true;
    });
    let o = g.zoneadm(&["-z", "web1", "ready"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "zoneadm: zone 'web1': WARNING: unable to add network interface 'e1000g0': link busy\n\
         zoneadm: zone 'web1': failed to add network device: No such device or address\n\
         zoneadm: zone 'web1': call to zoneadmd failed\n"
    );
    assert!(g.host().zone("web1").is_none());
    assert_eq!(link_zone(&g, "net0"), vec![GLOBAL]);
    assert_eq!(g.state("web1"), "installed");
}

#[test]
fn shared_ip_zone_gets_no_links() {
    let s = Sim::new(Flavour::Gate, &["net0"]);
    s.brand("sparse", "");
    s.zone("sh1", "sparse", false, &[], "installed");
    assert_eq!(code(&s.zoneadm(&["-z", "sh1", "boot"])), 0);
    assert_eq!(link_zone(&s, "net0"), vec![GLOBAL]);
    let line = s.list_line("sh1");
    assert!(line.ends_with(":sparse:shared"), "{line}");
}

#[test]
fn halt_with_dlmgmtd_stopped_leaves_zone_down_until_halted_again() {
    let s = sparse_zone(Flavour::Gate, &["net0"], "web1", &["net0"]);
    assert_eq!(code(&s.zoneadm(&["-z", "web1", "boot"])), 0);
    s.take_hooks();
    let id = s.host().links[0].id;
    s.with_host(|h| h.dlmgmtd_online = false);

    let o = s.zoneadm(&["-z", "web1", "halt"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        format!(
            "zoneadm: zone 'web1': clear link {id} 'protection' link property: operation failed\n\
             zoneadm: zone 'web1': clear link {id} 'allowed-ips' link property: operation failed\n\
             zoneadm: zone 'web1': failed to get link info for {id}: operation failed\n\
             zoneadm: zone 'web1': failed to get link info for {id}: operation failed\n\
             zoneadm: zone 'web1': 1 datalink(s) remain in zone after shutdown\n\
             zoneadm: zone 'web1': unable to unconfigure network interfaces in zone\n\
             zoneadm: zone 'web1': unable to destroy zone\n"
        )
    );
    // post-halt is not run when the teardown fails.
    assert_eq!(s.take_hooks(), vec!["pre(4,4)"]);
    assert_eq!(s.state("web1"), "down");
    assert_eq!(link_zone(&s, "net0"), vec!["web1"]);
    // The down zone still has its kernel id in the list.
    assert!(s.list_line("web1").starts_with("1:web1:down:"));

    // Booting a down zone is a no-op success, as for a running one (zoneadm's own
    // verify_handle warns first: dlmgmtd cannot look net0 up).
    let o = s.zoneadm(&["-z", "web1", "boot"]);
    assert_eq!(code(&o), 0);
    assert_eq!(
        stderr(&o),
        "WARNING: skipping network interface 'net0': operation failed\n\
         zoneadm: zone 'web1': zone is already booted\n"
    );

    // Halting again while dlmgmtd is still down fails the same way, with state 6.
    let o = s.zoneadm(&["-z", "web1", "halt"]);
    assert_eq!(code(&o), 1);
    assert_eq!(s.take_hooks(), vec!["pre(6,4)"]);

    // dlmgmtd back: the retry returns the link and finishes the halt.
    s.with_host(|h| h.dlmgmtd_online = true);
    let o = s.zoneadm(&["-z", "web1", "halt"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    assert_eq!(s.take_hooks(), vec!["pre(6,4)", "post(6,4)"]);
    assert_eq!(s.state("web1"), "installed");
    assert_eq!(link_zone(&s, "net0"), vec![GLOBAL]);
}

#[test]
fn transient_links_are_deleted_at_halt_and_block_it_while_dlmgmtd_is_down() {
    let s = Sim::new(Flavour::Joyent, &["net0"]);
    s.brand("joyent", "");
    s.zone("z1", "joyent", true, &[], "installed");
    // The zone is ready; a transient VNIC created into it (what SmartOS's post-ready does).
    assert_eq!(code(&s.zoneadm(&["-z", "z1", "ready"])), 0);
    s.with_host(|h| {
        let id = gz_vnic(h, "tmp100", "net0", true);
        h.set_link_zone(id, "z1").unwrap();
        assert_eq!(h.link(id).unwrap().zone, "z1");
    });
    let id = s.host().lookup("z1", "tmp100").unwrap().id;
    s.with_host(|h| h.dlmgmtd_online = false);
    let o = s.zoneadm(&["-z", "z1", "halt"]);
    assert_eq!(code(&o), 1);
    // illumos-joyent vplat.c: remove_datalink_protect's messages carry no link id, and
    // delete_transient_vnics stops at the first link it cannot look up; no "datalink(s)
    // remain" (gate's unconfigure_exclusive_network_interfaces).
    assert_eq!(stderr(&o), joyent_halt_without_dlmgmtd("z1", id));
    assert_eq!(s.state("z1"), "down");
    s.with_host(|h| h.dlmgmtd_online = true);
    let o = s.zoneadm(&["-z", "z1", "halt"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let h = s.host();
    assert!(
        h.links.iter().all(|l| l.name != "tmp100"),
        "transient link deleted"
    );
    assert_eq!(link_zone(&s, "net0"), vec![GLOBAL]);
}

/// illumos-joyent: dlmgmtd down at halt. The kernel cannot hand the lent link back (its
/// `setzoneid` upcall fails), delete_transient_vnics stops at the first link, the zone stays
/// `down`. Halting again with dlmgmtd back does not retry the hand-back (the kernel's
/// shutdown callback ran once, there is no `zone=global` retry in joyent's vplat.c): the
/// transient link is deleted, and dlmgmtd's `dlmgmt_db_fini` deletes the VNIC still on loan.
#[test]
fn joyent_halt_after_dlmgmtd_outage_deletes_a_lent_vnic_it_never_handed_back() {
    let s = Sim::new(Flavour::Joyent, &["e1000g0"]);
    s.brand("sparse", "");
    s.with_host(|h| gz_vnic(h, "data0", "e1000g0", false));
    s.zone("web1", "sparse", true, &["data0"], "installed");
    assert_eq!(code(&s.zoneadm(&["-z", "web1", "boot"])), 0);
    let id = s.host().lookup("web1", "data0").unwrap().id;
    s.take_hooks();
    s.with_host(|h| h.dlmgmtd_online = false);
    let o = s.zoneadm(&["-z", "web1", "halt"]);
    assert_eq!(code(&o), 1);
    assert_eq!(stderr(&o), joyent_halt_without_dlmgmtd("web1", id));
    assert_eq!(s.take_hooks(), vec!["pre(4,4)"]);
    assert_eq!(s.state("web1"), "down");
    assert_eq!(link_zone(&s, "data0"), vec!["web1"]);

    s.with_host(|h| h.dlmgmtd_online = true);
    let o = s.zoneadm(&["-z", "web1", "halt"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    assert_eq!(s.take_hooks(), vec!["pre(6,4)", "post(6,4)"]);
    assert_eq!(s.state("web1"), "installed");
    assert!(
        s.host().link(id).is_none(),
        "the VNIC left on loan went with the zone (dlmgmt_db_fini)"
    );
    // Gate retries zone=global instead: the same sequence gives the link back.
    let g = sparse_zone(Flavour::Gate, &["net0"], "web1", &["net0"]);
    assert_eq!(code(&g.zoneadm(&["-z", "web1", "boot"])), 0);
    g.with_host(|h| h.dlmgmtd_online = false);
    assert_eq!(code(&g.zoneadm(&["-z", "web1", "halt"])), 1);
    g.with_host(|h| h.dlmgmtd_online = true);
    assert_eq!(code(&g.zoneadm(&["-z", "web1", "halt"])), 0);
    assert_eq!(link_zone(&g, "net0"), vec![GLOBAL]);
}

/// illumos-joyent, illumos 10001 at a plain halt: the kernel's hand-back of the lent link
/// fails (the global zone has taken its name), nothing in joyent's teardown notices, the halt
/// succeeds, and dlmgmtd deletes the VNIC left on loan (`dlmgmt_db_fini`). Gate instead keeps
/// the zone `down` (below).
#[test]
fn issue_10001_name_collision_on_joyent_halt_loses_the_lent_vnic() {
    let s = Sim::new(Flavour::Joyent, &["e1000g0", "e1000g1"]);
    s.brand("sparse", "");
    let lent = s.with_host(|h| gz_vnic(h, "net0", "e1000g0", false));
    s.zone("web1", "sparse", true, &["net0"], "installed");
    assert_eq!(code(&s.zoneadm(&["-z", "web1", "boot"])), 0);
    let other = s.with_host(|h| gz_vnic(h, "net0", "e1000g1", false));
    let o = s.zoneadm(&["-z", "web1", "halt"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    assert_eq!(s.state("web1"), "installed");
    let h = s.host();
    assert!(h.link(lent).is_none(), "the lent net0 is gone");
    assert_eq!(h.link(other).unwrap().zone, GLOBAL);
}

/// illumos-joyent: `dladm_zone_halt` failing is fatal (gate goes on): a zone with no links,
/// halted while dlmgmtd is down, stays `down`.
#[test]
fn joyent_zone_halt_notification_failure_is_fatal() {
    let s = sparse_zone(Flavour::Joyent, &["net0"], "z1", &[]);
    assert_eq!(code(&s.zoneadm(&["-z", "z1", "boot"])), 0);
    s.with_host(|h| h.dlmgmtd_online = false);
    let o = s.zoneadm(&["-z", "z1", "halt"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "zoneadm: zone 'z1': unable to notify dlmgmtd of zone halt: operation failed\n\
         zoneadm: zone 'z1': unable to destroy zone\n"
    );
    assert_eq!(s.state("z1"), "down");
    let g = sparse_zone(Flavour::Gate, &["net0"], "z1", &[]);
    assert_eq!(code(&g.zoneadm(&["-z", "z1", "boot"])), 0);
    g.with_host(|h| h.dlmgmtd_online = false);
    let o = g.zoneadm(&["-z", "z1", "halt"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "zoneadm: zone 'z1': unable to notify dlmgmtd of zone halt: operation failed\n"
    );
    assert_eq!(g.state("z1"), "installed");
}

#[test]
fn issue_10001_name_collision_leaves_the_zone_down_in_gate() {
    let s = sparse_zone(Flavour::Gate, &["net0", "e1000g0"], "web1", &["net0"]);
    assert_eq!(code(&s.zoneadm(&["-z", "web1", "boot"])), 0);
    let loaned = s.host().lookup("web1", "net0").unwrap().id;
    // A second link called net0 appears in the global zone while the first is on loan.
    s.with_host(|h| gz_vnic(h, "net0", "e1000g0", false));
    let o = s.zoneadm(&["-z", "web1", "halt"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        format!(
            "zoneadm: zone 'web1': failed to move link {loaned} to GZ: object already exists\n\
             zoneadm: zone 'web1': 1 datalink(s) remain in zone after shutdown\n\
             zoneadm: zone 'web1': unable to unconfigure network interfaces in zone\n\
             zoneadm: zone 'web1': unable to destroy zone\n"
        )
    );
    assert_eq!(s.state("web1"), "down");
    // Never two links of one name in the global zone.
    let gz_net0 = s
        .host()
        .links
        .iter()
        .filter(|l| l.zone == GLOBAL && l.name == "net0")
        .count();
    assert_eq!(gz_net0, 1);
}

#[test]
fn gate_ready_sets_protection_from_allowed_address_and_halt_clears_it() {
    let s = sparse_zone(Flavour::Gate, &["net0"], "web1", &["net0"]);
    set_net0_attrs(&s, "allowed-address=\"10.0.0.5/24\" defrouter=\"10.0.0.1\"");
    ready_protects_net0_and_halt_clears_it(&s);

    // Protection already set on the link (say by a pre-ready hook): the ready fails.
    s.with_host(|h| {
        let id = h.lookup(GLOBAL, "net0").unwrap().id;
        h.link_mut(id)
            .unwrap()
            .props
            .insert("protection".into(), "mac-nospoof".into());
    });
    let o = s.zoneadm(&["-z", "web1", "ready"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "zoneadm: zone 'web1': Protection is already set\n\
         zoneadm: zone 'web1': failed to add address: Invalid argument\n\
         zoneadm: zone 'web1': call to zoneadmd failed\n"
    );
    assert!(s.host().zone("web1").is_none());
    assert_eq!(link_zone(&s, "net0"), vec![GLOBAL]);
}

/// illumos-joyent's zoneadmd protects the links it lends just as gate's does (vplat.c
/// `configure_exclusive_network_interfaces` -> `add_net`, zssfred/illumos-joyent @6f1192a4).
#[test]
fn joyent_ready_protects_the_links_it_lent_with_allowed_address() {
    let s = sparse_zone(Flavour::Joyent, &["net0", "e1000g0"], "web1", &["net0"]);
    set_net0_attrs(&s, "allowed-address=\"10.0.0.5/24\"");
    ready_protects_net0_and_halt_clears_it(&s);
}
