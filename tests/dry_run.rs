//! `netzone plan`, `recover --dry-run` and `gc --dry-run` print exactly the argv the real run
//! then executes, fallbacks included: each step's own command, then its fallbacks indented with
//! their condition (`  if busy: dladm ...`, `  if not found: dladm ...`), all from the one
//! source the executor runs (`plan::Step::commands`). Each test compares a dry run's commands
//! with the sim's command log of the real run on the same state, on both flavours, and some
//! take a fallback: joyent's replacement of a ready zone's link (busy: renamed back, handed back,
//! deleted), gate's recover of a link on loan (not found: the dlmgmtd check, left for the halt).

mod common;

use common::{stranded, NetSpec, Sim, DLMGMTD_PROBE};

/// What a run changed the host with, from the sim's log past `mark` ([`common::host_changes`]
/// but zoneadm's halts): dladm, zonecfg's writes, flowadm.
fn ran(sim: &Sim, mark: usize) -> Vec<String> {
    common::host_changes(sim, mark)
        .into_iter()
        .filter(|w| w[0] != "sim-zoneadm")
        .map(|w| format!("{} {}", w[0].trim_start_matches("sim-"), w[1..].join(" ")))
        .collect()
}

/// The commands a dry run printed, on the path where `taken` is the condition that occurs
/// (`"busy"`, `"not found"`), or no fallback at all.
fn path(out: &str, taken: Option<&str>) -> Vec<String> {
    out.lines()
        .filter_map(|l| {
            let t = l.trim_start();
            if let Some(rest) = t.strip_prefix("if ") {
                let (cond, cmd) = rest.split_once(": ")?;
                return (Some(cond) == taken).then(|| cmd.to_string());
            }
            ["dladm ", "zonecfg ", "flowadm "]
                .iter()
                .any(|p| t.starts_with(p))
                .then(|| t.to_string())
        })
        .collect()
}

/// Runs the dry run `dry`, checks it changed nothing, runs `real`, and checks that the real
/// run's commands are the dry run's on the path `taken`. Returns the dry run's output.
fn same(sim: &Sim, dry: &[&str], real: &dyn Fn() -> common::Run, taken: Option<&str>) -> String {
    let mark = sim.log().len();
    let out = sim.netzone(dry).ok().stdout();
    assert_eq!(
        ran(sim, mark),
        Vec::<String>::new(),
        "the dry run ran: {out}"
    );
    let want = path(&out, taken);
    assert!(!want.is_empty(), "nothing planned: {out}");
    let mark = sim.log().len();
    let r = real();
    assert_eq!(
        ran(sim, mark),
        want,
        "{dry:?}: the real run differs from the dry run\n{out}\nreal: {}{}",
        r.stdout(),
        r.stderr()
    );
    out
}

fn fixed(physical: &str, nic: &str, mac: &str) -> NetSpec {
    let mut n = NetSpec::new(physical, nic);
    n.mac = Some(mac.into());
    n
}

fn host(flavour: &str) -> Sim {
    Sim::told(flavour, &["e1000g0", "e1000g1"])
}

/// joyent: a ready zone's net reconfigured (a VLAN added): `netzone plan` shows the delete of
/// the old link with its busy fallback (the ready zone holds it), and `netzone up` runs exactly
/// that path, then the new link's create and rename.
#[test]
fn joyent_plan_is_what_up_runs_busy_fallback_included() {
    let sim = host("joyent");
    sim.install_plain_brand("plain");
    sim.add_zone_with_brand(
        "web1",
        "plain",
        &[
            fixed("net0", "e1000g0", "2:8:20:1:2:3"),
            fixed("net1", "e1000g1", "2:8:20:1:2:4"),
        ],
    );
    sim.zoneadm(&["-z", "web1", "ready"]).ok();
    same(
        &sim,
        &["plan", "web1"],
        &|| sim.netzone(&["up", "web1"]).ok(),
        None,
    );
    let xml = sim.zone_xml("web1");
    let xml = xml.replacen("physical=\"net0\"", "physical=\"net0\" vlan-id=\"7\"", 1);
    std::fs::write(sim.root().join("etc/zones/web1.xml"), xml).unwrap();
    let out = same(
        &sim,
        &["plan", "web1"],
        &|| sim.netzone(&["up", "web1"]).ok(),
        Some("busy"),
    );
    assert!(
        out.starts_with(
            "dladm delete-vnic -t -z web1 net0\n  if busy: dladm rename-link -z web1 net0 nz"
        ),
        "{out}"
    );
    assert!(
        out.contains("  if busy: dladm set-linkprop -t -z web1 -p zone=global nz"),
        "{out}"
    );
    // The JSON form carries the same fallbacks.
    let json = sim.netzone(&["plan", "--json", "web1"]).ok().stdout();
    assert!(json.contains("\"steps\":[]"), "up to date now: {json}");
}

/// gate: `netzone plan` of an installed zone is what its pre-ready hook runs.
#[test]
fn gate_plan_is_what_pre_ready_runs() {
    let sim = host("gate");
    sim.install_plain_brand("plain");
    let mut n1 = fixed("net1", "e1000g1", "2:8:20:1:2:4");
    n1.vlan = Some(42);
    n1.mtu = Some(1400);
    sim.add_zone_with_brand(
        "web1",
        "plain",
        &[fixed("net0", "e1000g0", "2:8:20:1:2:3"), n1],
    );
    let out = same(
        &sim,
        &["plan", "web1"],
        &|| sim.pre_ready("web1").ok(),
        None,
    );
    assert!(
        out.contains("dladm set-linkprop -t -p mtu=1400 net1\n"),
        "{out}"
    );
}

#[test]
fn joyent_recover_dry_run_is_what_recover_runs() {
    let sim = stranded("joyent");
    let out = same(
        &sim,
        &["recover", "--dry-run", "--no-halt", "web1"],
        &|| sim.netzone(&["recover", "--no-halt", "web1"]).ok(),
        None,
    );
    assert!(
        out.contains("    dladm delete-vnic -t -z web1 net0\n"),
        "{out}"
    );
}

/// gate: the global zone cannot name a link on loan, so the delete reports "not found" and the
/// dlmgmtd check follows (the link is left for the halt), as the dry run says.
#[test]
fn gate_recover_dry_run_is_what_recover_runs_not_found_fallback_included() {
    let sim = stranded("gate");
    let out = same(
        &sim,
        &["recover", "--dry-run", "--no-halt", "web1"],
        &|| sim.netzone(&["recover", "--no-halt", "web1"]).ok(),
        Some("not found"),
    );
    assert!(
        out.contains("    dladm delete-vnic -t net0\n")
            && out.contains(&format!("      if not found: dladm {DLMGMTD_PROBE}\n")),
        "{out}"
    );
}

#[test]
fn joyent_gc_dry_run_is_what_gc_runs() {
    let sim = host("joyent");
    sim.add_zone("web2", &[NetSpec::new("net0", "e1000g0")]);
    sim.zoneadm(&["-z", "web2", "ready"]).ok();
    // `netzone down` killed after handing the link back, before deleting it: an orphan.
    sim.fault("set-linkprop", "after", "crash", None);
    sim.netzone(&["down", "web2"]).fails();
    let out = same(
        &sim,
        &["gc", "--dry-run"],
        &|| sim.netzone(&["gc"]).ok(),
        None,
    );
    assert!(out.contains("would delete orphan nz"), "{out}");
}

#[test]
fn gate_gc_dry_run_is_what_gc_runs() {
    let sim = host("gate");
    sim.add_zone("web2", &[NetSpec::new("net0", "e1000g0")]);
    // The pre-ready hook killed right after its create-vnic: the link waits in the global zone
    // for a ready that never comes, unmarked.
    sim.fault("create-vnic", "after", "crash", None);
    sim.zoneadm(&["-z", "web2", "boot"]).fails();
    assert_eq!(sim.zone_state("web2"), "installed");
    let out = same(
        &sim,
        &["gc", "--dry-run"],
        &|| sim.netzone(&["gc"]).ok(),
        None,
    );
    assert!(out.contains("would delete orphan net0"), "{out}");
}

/// `plan --json` carries the zonecfg write-back as the argv that then runs: a joyent zone whose
/// `up` was killed at its write-back has its links (MACs drawn and recorded) and nothing saved;
/// the next plan's JSON lists the recorded MACs and the one zonecfg command, and `up` runs
/// exactly that command and nothing else.
#[test]
fn plan_json_carries_the_zonecfg_write_back_that_up_runs() {
    let sim = host("joyent");
    sim.install_plain_brand("plain");
    sim.add_zone_with_brand(
        "web1",
        "plain",
        &[
            NetSpec::new("net0", "e1000g0"),
            NetSpec::new("net1", "e1000g1"),
        ],
    );
    sim.zoneadm(&["-z", "web1", "ready"]).ok();
    sim.fault("zonecfg", "before", "crash", None);
    sim.netzone(&["up", "web1"]).fails();
    assert!(!sim.zone_xml("web1").contains("mac-addr"));
    let mark = sim.log().len();
    let json = sim.netzone(&["plan", "--json", "web1"]).ok().stdout();
    assert_eq!(ran(&sim, mark), Vec::<String>::new(), "plan ran: {json}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["steps"], serde_json::json!([]), "{json}");
    let saved = v["save_macs"].as_array().unwrap();
    assert_eq!(saved.len(), 2, "{json}");
    for s in saved {
        let mac = s["mac"].as_str().unwrap();
        assert!(mac.starts_with("2:8:20:"), "{json}");
        let vnics = sim.vnics();
        assert!(
            vnics
                .iter()
                .any(|l| l.name == s["net"] && l.mac.as_deref() == Some(mac)),
            "{json}: {vnics:?}"
        );
    }
    let argv: Vec<String> = v["zonecfg"]
        .as_array()
        .unwrap_or_else(|| panic!("no write-back: {json}"))
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    assert_eq!(argv[..3], ["zonecfg", "-z", "web1"], "{json}");
    let mark = sim.log().len();
    sim.netzone(&["up", "web1"]).ok();
    // The sim's log quotes the script, the one argument with spaces.
    let logged = format!("{} '{}'", argv[..3].join(" "), argv[3]);
    assert_eq!(argv.len(), 4, "{json}");
    assert_eq!(ran(&sim, mark), vec![logged], "{json}");
    assert!(sim.zone_xml("web1").contains("mac-addr"));
    // Once saved, nothing is left to write back.
    let v: serde_json::Value =
        serde_json::from_str(&sim.netzone(&["plan", "--json", "web1"]).ok().stdout()).unwrap();
    assert!(v["zonecfg"].is_null(), "{v}");
}
