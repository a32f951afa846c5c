//! Zone semantics of the datalink model, driven through `sim-dladm` processes: per-zone
//! namespaces, the `zone` property, transient links, loans, renames, teardown (10001) and
//! dlmgmtd being offline.

mod dladm_support;

use dladm_support::Sim;
use netzone_sim::state::{ZoneState, GLOBAL};

/// SmartOS jcommon/statechange: create under a temporary name straight into the zone,
/// then rename inside the zone's namespace.
fn give_net0(s: &Sim, zone: &str, tmp: &str) {
    let p = format!("zone={zone}");
    s.dladm(&["create-vnic", "-t", "-l", "net0", "-p", &p, tmp])
        .ok();
    s.dladm(&["rename-link", "-z", zone, tmp, "net0"]).ok();
}

#[test]
fn two_zones_each_hold_net0_while_the_gz_keeps_its_own() {
    let s = Sim::new("joyent");
    s.zone("z1", true);
    s.zone("z2", true);
    give_net0(&s, "z1", "tmp100");
    give_net0(&s, "z2", "tmp200");
    // The GZ's physical net0 is untouched; each zone has its own net0.
    let gz = s.link(GLOBAL, "net0").unwrap();
    assert_eq!(gz["class"], "phys");
    let a = s.link("z1", "net0").unwrap();
    let b = s.link("z2", "net0").unwrap();
    assert_ne!(a["id"], b["id"]);
    assert_ne!(a["macaddress"], b["macaddress"]);
    for l in [&a, &b] {
        assert_eq!(l["class"], "vnic");
        assert_eq!(l["over"], "net0");
        assert_eq!(l["transient"], true, "-t with zone= is transient in joyent");
        assert_eq!(l["temporary"], true);
        assert_eq!(l["onloan"], true);
    }
    // One walk from the GZ sees every zone's links, with their zone.
    let out = s.dladm(&["show-vnic", "-p", "-o", "LINK,OVER,ZONE"]);
    assert_eq!(out.ok(), "net0:net0:z1\nnet0:net0:z2\n");
    let out = s.dladm(&["show-linkprop", "-c", "-o", "LINK,VALUE", "-p", "zone"]);
    assert_eq!(
        out.ok(),
        "net0:\ne1000g0:\nstub0:\nnet0:z1\nnet0:z2\n",
        "GZ links have an empty zone value"
    );
    // A name lookup from the GZ only searches the GZ namespace; -z selects a zone's.
    assert_eq!(
        s.dladm(&["show-vnic", "-p", "-o", "MACADDRESS", "-z", "z2", "net0"])
            .ok(),
        format!("{}\n", b["macaddress"].as_str().unwrap())
    );
    s.dladm(&["show-vnic", "net0"]).fails_with(&format!(
        "{}: failed to show vnic 'net0': object not found\n",
        s.prog()
    ));
    // Inside a zone only its own links are visible.
    assert_eq!(
        s.dladm_in("z1", &["show-link", "-p", "-o", "LINK,OVER"])
            .ok(),
        "net0:?\n",
        "the lower link's id is not visible from inside the zone"
    );
}

#[test]
fn rename_collides_only_in_the_destination_namespace() {
    let s = Sim::new("joyent");
    s.zone("z1", true);
    give_net0(&s, "z1", "tmp0");
    s.dladm(&[
        "create-vnic",
        "-t",
        "-l",
        "e1000g0",
        "-p",
        "zone=z1",
        "tmp1",
    ])
    .ok();
    // net0 exists in z1 already.
    s.dladm(&["rename-link", "-z", "z1", "tmp1", "net0"])
        .fails_with(&format!(
            "{}: rename operation failed: object already exists\n",
            s.prog()
        ));
    s.dladm(&["rename-link", "-z", "z1", "tmp1", "net1"]).ok();
    assert!(s.link("z1", "net1").is_some());
    // Assigning a link whose name exists in the destination zone fails (setzoneid EEXIST).
    s.dladm(&["create-vnic", "-t", "-l", "e1000g0", "net1"])
        .ok();
    s.dladm(&["set-linkprop", "-t", "-p", "zone=z1", "net1"])
        .fails_with(&format!(
            "{}: warning: cannot set link property 'zone' on 'net1': object already exists\n",
            s.prog()
        ));
    // Renames validate the new name.
    s.dladm(&["rename-link", "-z", "z1", "net1", "net01"])
        .fails_with(&format!(
            "{}: rename operation failed: invalid argument\n",
            s.prog()
        ));
    s.dladm(&["rename-link", "nope0", "x0"])
        .fails_with(&format!(
            "{}: rename operation failed: object not found\n",
            s.prog()
        ));
    // From inside the zone, a link lent by the GZ is busy.
    s.dladm_in("z1", &["rename-link", "net1", "net7"])
        .fails_with(&format!(
            "{}: rename operation failed: link busy\n",
            s.prog()
        ));
}

#[test]
fn gate_has_no_z_and_a_loaned_link_cannot_be_renamed() {
    let s = Sim::new("gate");
    s.zone("z1", true);
    s.dladm(&["create-vnic", "-t", "-l", "net0", "web0"]).ok();
    s.with_host(|h| h.assign_link("z1", "web0")).unwrap();
    let l = s.link("z1", "web0").unwrap();
    assert_eq!(l["transient"], false, "gate has no -t/zone= transient rule");
    // From inside the zone the loan keeps the link busy (dls_devnet_rename, dd_ref > 1).
    s.dladm_in("z1", &["rename-link", "web0", "net0"])
        .fails_with("dladm: rename operation failed: link busy\n");
    // From the GZ the loaned name is not in the GZ namespace at all.
    s.dladm(&["rename-link", "web0", "net5"])
        .fails_with("dladm: rename operation failed: object not found\n");
    // gate dladm has no -z anywhere.
    let r = s.dladm(&["rename-link", "-z", "z1", "web0", "net0"]);
    assert_eq!(r.code, 1);
    assert!(
        r.err.starts_with(
            "dladm: unrecognized option '-z'\nusage:     rename-link      <oldlink> <newlink>\n"
        ),
        "{r:?}"
    );
    let r = s.dladm(&["show-vnic", "-p", "-o", "LINK,ZONE"]);
    r.fails_with("dladm: unknown output field: `ZONE'\n");
    assert_eq!(
        s.dladm(&["show-vnic", "-p", "-o", "LINK,OVER"]).ok(),
        "web0:net0\n"
    );
}

#[test]
fn zone_property_is_temporary_only_and_needs_a_ready_exclusive_zone() {
    let s = Sim::new("joyent");
    s.zone("z1", true);
    s.zone("shared1", false);
    let p = s.prog();
    // zone= without -t: the persistent set is refused and the new VNIC is removed.
    s.dladm(&["create-vnic", "-l", "net0", "-p", "zone=z1", "v0"])
        .fails_with(&format!(
            "{p}: warning: failed to set property zone: change cannot be persistent\n\
             {p}: vnic creation over net0 failed: change cannot be persistent\n"
        ));
    assert!(s.link(GLOBAL, "v0").is_none() && s.link("z1", "v0").is_none());
    for bad in ["zone=shared1", "zone=nosuch"] {
        s.dladm(&["create-vnic", "-t", "-l", "net0", "-p", bad, "v0"])
            .fails_with(&format!(
                "{p}: vnic creation over net0 failed: invalid value\n"
            ));
    }
    s.zone_state("z1", ZoneState::Down);
    s.dladm(&["create-vnic", "-t", "-l", "net0", "-p", "zone=z1", "v0"])
        .fails_with(&format!(
            "{p}: vnic creation over net0 failed: invalid value\n"
        ));
    assert_eq!(s.state()["links"].as_array().unwrap().len(), 3);
    s.zone_state("z1", ZoneState::Running);
    s.dladm(&["create-vnic", "-t", "-l", "net0", "v0"]).ok();
    s.dladm(&["set-linkprop", "-p", "zone=z1", "v0"])
        .fails_with(&format!(
            "{p}: warning: cannot set link property 'zone' on 'v0': change cannot be persistent\n"
        ));
    s.dladm(&["set-linkprop", "-t", "-p", "zone=z1", "v0"]).ok();
    let l = s.link("z1", "v0").unwrap();
    assert_eq!(
        (l["onloan"].clone(), l["transient"].clone()),
        (true.into(), false.into())
    );
    // Only the GZ may move links.
    s.dladm_in("z1", &["set-linkprop", "-t", "-p", "zone=global", "v0"])
        .fails_with(&format!(
            "{p}: warning: cannot set link property 'zone' on 'v0': permission denied\n"
        ));
    // reset-linkprop returns it to the GZ.
    s.dladm(&["reset-linkprop", "-t", "-z", "z1", "-p", "zone", "v0"])
        .ok();
    assert_eq!(s.link(GLOBAL, "v0").unwrap()["onloan"], false);
}

#[test]
fn links_created_inside_a_zone_are_transient_and_deleted_at_teardown() {
    let s = Sim::new("joyent");
    s.zone("z1", true);
    s.dladm(&["create-etherstub", "-t", "stub1"]).ok();
    s.dladm(&["set-linkprop", "-t", "-p", "zone=z1", "stub1"])
        .ok();
    let p = s.prog();
    s.dladm_in("z1", &["create-vnic", "-l", "stub1", "inner0"])
        .fails_with(&format!(
            "{p}: vnic creation over stub1 failed: change cannot be persistent\n"
        ));
    s.dladm_in("z1", &["create-vnic", "-t", "-l", "stub1", "inner0"])
        .ok();
    let l = s.link("z1", "inner0").unwrap();
    assert_eq!(
        (l["transient"].clone(), l["onloan"].clone()),
        (true.into(), false.into())
    );
    // Not on loan, so the GZ's walk does not see it (dlmgmt_util.c link_is_visible).
    assert!(!s
        .dladm(&["show-link", "-p", "-o", "LINK"])
        .ok()
        .contains("inner0"));
    assert!(s
        .dladm_in("z1", &["show-link", "-p", "-o", "LINK"])
        .ok()
        .contains("inner0"));
    s.zone_state("z1", ZoneState::ShuttingDown);
    assert_eq!(s.with_host(|h| h.zone_teardown_links("z1")), Ok(()));
    assert!(s.link("z1", "inner0").is_none());
    // The non-transient etherstub went back to the GZ.
    assert_eq!(s.link(GLOBAL, "stub1").unwrap()["onloan"], false);
    s.with_host(|h| h.zone_destroy("z1")).unwrap();
    assert!(s.state()["zones"].as_array().unwrap().is_empty());
}

#[test]
fn issue_10001_a_duplicate_name_cannot_come_back() {
    for flavour in ["gate", "joyent"] {
        let s = Sim::new(flavour);
        s.zone("z1", true);
        s.dladm(&["create-vnic", "-t", "-l", "net0", "web0"]).ok();
        s.with_host(|h| h.assign_link("z1", "web0")).unwrap();
        // The GZ creates web0 again while the zone holds the first one (OmniOS PR #367).
        s.dladm(&["create-vnic", "-t", "-l", "e1000g0", "web0"])
            .ok();
        s.zone_state("z1", ZoneState::ShuttingDown);
        assert_eq!(s.with_host(|h| h.zone_teardown_links("z1")), Err(1));
        s.zone_state("z1", ZoneState::Down);
        // Never two links of one name in one namespace.
        let st = s.state();
        let gz_web0 = st["links"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["zone"] == GLOBAL && l["name"] == "web0")
            .count();
        assert_eq!(gz_web0, 1);
        assert_eq!(s.link("z1", "web0").unwrap()["over"], "net0");
        // Freeing the name lets the next teardown succeed.
        s.dladm(&["delete-vnic", "web0"]).ok();
        assert_eq!(s.with_host(|h| h.zone_teardown_links("z1")), Ok(()));
        assert_eq!(s.link(GLOBAL, "web0").unwrap()["over"], "net0");
    }
}

#[test]
fn loaned_links_are_busy_for_delete_until_the_zone_is_going_down() {
    let s = Sim::new("joyent");
    s.zone("z1", true);
    give_net0(&s, "z1", "tmp0");
    let p = s.prog();
    s.dladm(&["delete-vnic", "-z", "z1", "net0"])
        .fails_with(&format!("{p}: vnic deletion failed: link busy\n"));
    s.dladm_in("z1", &["delete-vnic", "net0"])
        .fails_with(&format!("{p}: vnic deletion failed: link busy\n"));
    // dls_devnet_unset: a transient link whose zone is shutting down may go.
    s.zone_state("z1", ZoneState::ShuttingDown);
    s.dladm(&["delete-vnic", "-z", "z1", "net0"]).ok();
    assert!(s.link("z1", "net0").is_none());
    // A lower link with VNICs over it is busy too.
    s.dladm(&["create-etherstub", "-t", "stub9"]).ok();
    s.dladm(&["create-vnic", "-t", "-l", "stub9", "v9"]).ok();
    s.dladm(&["delete-etherstub", "stub9"])
        .fails_with(&format!("{p}: vnic deletion failed: link busy\n"));
}

#[test]
fn dlmgmtd_offline_fails_every_door_call_and_walks_come_back_empty() {
    let s = Sim::new("gate");
    s.zone("z1", true);
    s.dladm(&["create-vnic", "-t", "-l", "net0", "web0"]).ok();
    s.with_host(|h| h.assign_link("z1", "web0")).unwrap();
    s.sim(&["dlmgmtd", "stop"]).ok();
    assert_eq!(s.state()["dlmgmtd"], "offline");
    // libdlmgmt dladm_door_call: EBADF on the revoked door -> DLADM_STATUS_FAILED.
    s.dladm(&["create-vnic", "-t", "-l", "net0", "v1"])
        .fails_with("dladm: invalid link name 'net0'\n");
    s.dladm(&["delete-vnic", "web0"])
        .fails_with("dladm: invalid link name 'web0'\n");
    s.dladm(&["rename-link", "net0", "net9"])
        .fails_with("dladm: rename operation failed: operation failed\n");
    s.dladm(&["show-link", "net0"])
        .fails_with("dladm: link net0 is not valid: operation failed\n");
    s.dladm(&["show-vnic", "web0"])
        .fails_with("dladm: invalid vnic name 'web0': operation failed\n");
    s.dladm(&["set-linkprop", "-t", "-p", "zone=global", "web0"])
        .fails_with("dladm: link web0 is not valid: operation failed\n");
    s.dladm(&["create-etherstub", "stub7"])
        .fails_with("dladm: etherstub creation failed: operation failed\n");
    // Walks stop at the first failed door call and print nothing, successfully.
    for args in [
        &["show-link"][..],
        &["show-vnic", "-p", "-o", "LINK,OVER"],
        &["show-linkprop", "-c", "-o", "LINK,VALUE", "-p", "zone"],
        &["show-phys"],
    ] {
        let r = s.dladm(args);
        assert_eq!(
            (r.code, r.out.as_str(), r.err.as_str()),
            (0, "", ""),
            "{args:?}"
        );
    }
    // Halt-time teardown cannot return or delete anything.
    s.zone_state("z1", ZoneState::ShuttingDown);
    assert_eq!(s.with_host(|h| h.zone_teardown_links("z1")), Err(1));
    s.sim(&["dlmgmtd", "start"]).ok();
    assert_eq!(s.with_host(|h| h.zone_teardown_links("z1")), Ok(()));
    assert_eq!(s.link(GLOBAL, "web0").unwrap()["onloan"], false);
}

#[test]
fn flavour_env_overrides_the_stored_flavour() {
    let s = Sim::new("gate");
    let r = s
        .cmd(dladm_support::DLADM)
        .env("ILLUMOS_SIM_FLAVOUR", "joyent")
        .args(["show-vnic", "-z", "global"])
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(0), "joyent accepts -z");
    assert_eq!(s.dladm(&["show-vnic", "-z", "global"]).code, 1);
    assert_eq!(s.state()["flavour"], "gate");
}

/// A link whose `zone` cannot be read (linkprop.c `get_zone`: `getzonenamebyid` fails): the
/// show-linkprop walk lists every link, `?` for that one, warns once for it, and exits 1 after
/// the walk (dladm.c `print_linkprop`, `print_linkprop_cb`, `do_show_linkprop`). The knob's
/// errors: an unknown link (1), a bad operand (2). A reboot clears it.
#[test]
fn a_link_whose_zone_cannot_be_read_fails_the_walk_after_listing_the_rest() {
    let s = Sim::new("gate");
    s.dladm(&["create-vnic", "-t", "-l", "net0", "web0"]).ok();
    s.sim(&["zone-unreadable", "web0", "on"]).ok();
    let r = s.dladm(&["show-linkprop", "-c", "-o", "LINK,VALUE", "-p", "zone"]);
    assert_eq!(r.code, 1);
    assert!(r.out.contains("net0:\n"), "{}", r.out);
    assert!(r.out.contains("web0:?\n"), "{}", r.out);
    assert_eq!(
        r.err,
        "dladm: warning: cannot get link property 'zone' for web0: invalid argument\n"
    );
    let r = s.dladm(&["show-linkprop", "-c", "-o", "VALUE", "-p", "zone", "web0"]);
    assert_eq!(
        (r.code, r.out.as_str(), r.err.as_str()),
        (
            1,
            "?\n",
            "dladm: warning: cannot get link property 'zone' for web0: invalid argument\n"
        )
    );
    assert_eq!(s.sim(&["zone-unreadable", "nosuch0", "on"]).code, 1);
    assert_eq!(s.sim(&["zone-unreadable", "web0", "maybe"]).code, 2);
    s.sim(&["zone-unreadable", "web0", "off"]).ok();
    s.dladm(&["show-linkprop", "-c", "-o", "LINK,VALUE", "-p", "zone"])
        .ok();
    s.sim(&["zone-unreadable", "net0", "on"]).ok();
    s.sim(&["reboot"]).ok();
    s.dladm(&["show-linkprop", "-c", "-o", "LINK,VALUE", "-p", "zone"])
        .ok();
}
