//! The SMF manifest `smf/netzone-gc.xml`: its structure is valid against illumos's
//! `service_bundle` DTD (illumos-gate `usr/src/cmd/svc/dtd/service_bundle.dtd.1`, restated as
//! data in `tests/common/smf_dtd.rs`), and it runs `netzone gc` once at boot after dlmgmtd and
//! before the zones autoboot.

#[path = "common/smf_dtd.rs"]
mod smf_dtd;

use std::path::Path;

use smf_dtd::{find, parse, problems};

fn manifest_text() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("smf/netzone-gc.xml"))
        .unwrap()
}

#[test]
fn manifest_is_valid_against_the_service_bundle_rules() {
    let xml = manifest_text();
    assert!(
        xml.contains(
            "<!DOCTYPE service_bundle SYSTEM \"/usr/share/lib/xml/dtd/service_bundle.dtd.1\">"
        ),
        "svccfg finds the DTD by this DOCTYPE"
    );
    assert_eq!(problems(&xml), Vec::<String>::new());
    let doc = parse(&xml);
    assert_eq!(doc.children[0].name, "service_bundle");
    assert_eq!(doc.children[0].attrs["type"], "manifest");
}

#[test]
fn the_rules_catch_what_svccfg_would_refuse() {
    let xml = manifest_text();
    // Each mutation breaks one DTD rule; the validator must see each.
    let cases = [
        // dependent before dependency: out of order.
        (
            xml.replacen("<dependency name=\"datalink-management\"", "<dependent name=\"x\" grouping=\"require_all\" restart_on=\"none\"><service_fmri value=\"svc:/a\"/></dependent><dependency name=\"datalink-management\"", 1),
            "not allowed at child",
        ),
        (
            xml.replacen("restart_on=\"none\" type=\"service\"", "restart_on=\"never\" type=\"service\"", 1),
            "restart_on='never'",
        ),
        (
            xml.replacen("timeout_seconds=\"600\"", "", 1),
            "timeout_seconds is required",
        ),
        (
            xml.replacen("<stability value=\"Unstable\"/>", "<stability value=\"Unstable\"/><stability value=\"Unstable\"/>", 1),
            "<stability> not allowed",
        ),
        (
            xml.replacen("<single_instance/>", "<single_instance/><bogus/>", 1),
            "not allowed",
        ),
    ];
    for (bad, want) in cases {
        assert_ne!(bad, xml, "mutation applied ({want})");
        let p = problems(&bad);
        assert!(p.iter().any(|l| l.contains(want)), "{want}: {p:?}");
    }
}

#[test]
fn gc_runs_once_after_dlmgmtd_and_before_zones_autoboot() {
    let doc = parse(&manifest_text());
    let svc = &find(&doc.children[0], "service")[0];
    assert_eq!(svc.attrs["name"], "system/netzone/gc");
    // After dlmgmtd: a require_all dependency on datalink-management.
    let deps = find(svc, "dependency");
    let dl = deps
        .iter()
        .find(|d| find(d, "service_fmri")[0].attrs["value"] == "svc:/network/datalink-management")
        .expect("depends on dlmgmtd");
    assert_eq!(dl.attrs["grouping"], "require_all");
    // Before zones autoboot: svc:/system/zones waits for it, but a failed gc never keeps the
    // zones from booting (optional_all is satisfied by a service in maintenance).
    let dependents = find(svc, "dependent");
    assert_eq!(dependents.len(), 1);
    assert_eq!(
        find(dependents[0], "service_fmri")[0].attrs["value"],
        "svc:/system/zones"
    );
    assert_eq!(dependents[0].attrs["grouping"], "optional_all");
    // Once: a transient service whose start method is `netzone gc`.
    let start = find(svc, "exec_method")
        .into_iter()
        .find(|m| m.attrs["name"] == "start")
        .unwrap();
    assert_eq!(start.attrs["exec"], "/usr/sbin/netzone gc");
    let startd = find(svc, "property_group")
        .into_iter()
        .find(|g| g.attrs["name"] == "startd")
        .unwrap();
    let duration = find(startd, "propval")
        .into_iter()
        .find(|p| p.attrs["name"] == "duration")
        .unwrap();
    assert_eq!(duration.attrs["value"], "transient");
    // Enabled when imported.
    assert_eq!(
        find(svc, "create_default_instance")[0].attrs["enabled"],
        "true"
    );
}

#[test]
fn netzone_8_documents_the_service() {
    let man = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("man/netzone.8"))
        .unwrap();
    for want in ["svc:/system/netzone/gc", "netzone-gc.xml", "svccfg import"] {
        assert!(man.contains(want), "netzone.8 mentions {want}");
    }
}
