//! `--json` of the report commands on the simulated host: `gc`, `recover`, `check` and `check
//! --live`. Each document starts with `"version":1`, carries what the text output says (typed),
//! and matches the sim's state; a dry run's argv arrays are what the real run then runs (from the
//! sim's command log); a failure under `--json` is the error document with its code, exit 1.

mod common;

use common::{is_temp, stranded, NetSpec, Run, Sim};
use serde_json::{json, Value};

/// The one JSON document on stdout, whose first member is `"version":1`.
#[track_caller]
fn doc(r: &Run) -> Value {
    let out = r.stdout();
    assert_eq!(out.lines().count(), 1, "{}: one line: {out}", r.argv);
    assert!(
        out.starts_with("{\"version\":1,"),
        "{}: version first: {out}",
        r.argv
    );
    serde_json::from_str(out.trim_end())
        .unwrap_or_else(|e| panic!("{}: not one JSON document ({e}):\n{out}", r.argv))
}

/// A failed `--json` run: exit 1, only the error document on stdout, the message on stderr.
/// Returns the code.
#[track_caller]
fn error_code(r: Run) -> String {
    let r = r.fails();
    assert_eq!(r.code(), Some(1), "{}", r.stderr());
    let d = doc(&r);
    assert_eq!(d.as_object().unwrap().len(), 2, "version and error: {d}");
    let msg = d["error"]["message"].as_str().expect("a message");
    assert!(
        r.stderr()
            .starts_with(&format!("netzone: {}", msg.lines().next().unwrap())),
        "stderr {:?} vs {msg:?}",
        r.stderr()
    );
    d["error"]["code"].as_str().expect("a code").to_string()
}

/// The argv of every command that changed the host past `mark` in the sim's log
/// ([`common::host_changes`]: here dladm and zoneadm halts), each starting with the program's
/// name as the documents spell it (`dladm`, `zoneadm`).
fn ran(sim: &Sim, mark: usize) -> Vec<Vec<String>> {
    common::host_changes(sim, mark)
        .into_iter()
        .filter(|w| w[0] == "sim-dladm" || w[0] == "sim-zoneadm")
        .map(|w| {
            let mut argv: Vec<String> =
                w.iter().map(|a| a.trim_matches('\'').to_string()).collect();
            argv[0] = argv[0].trim_start_matches("sim-").to_string();
            argv
        })
        .collect()
}

/// The argv arrays of a plan document's steps, with the fallbacks whose `when` is `taken`.
fn planned(plan: &Value, taken: Option<&str>) -> Vec<Vec<String>> {
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .expect("argv array")
            .iter()
            .map(|a| a.as_str().expect("argv string").to_string())
            .collect()
    };
    let mut out = Vec::new();
    for s in plan["steps"].as_array().expect("steps") {
        out.push(strings(&s["argv"]));
        for f in s["fallbacks"].as_array().expect("fallbacks") {
            if Some(f["when"].as_str().unwrap()) == taken {
                out.push(strings(&f["argv"]));
            }
        }
    }
    out
}

fn names(sim: &Sim) -> Vec<(String, String)> {
    let mut v: Vec<_> = sim.links().into_iter().map(|l| (l.name, l.zone)).collect();
    v.sort();
    v
}

fn host(flavour: &str) -> Sim {
    Sim::told(flavour, &["e1000g0", "e1000g1"])
}

/// joyent: a `down` killed after handing web2's link back leaves it in the global zone under its
/// temporary name; web3's post-halt hook killed leaves a record of a link that is gone. `gc
/// --dry-run --json` lists both removals and web2's delete as an argv array; `gc --json` runs
/// exactly that, and says what it removed, which is then gone from the host.
#[test]
fn gc_json_lists_removals_and_its_dry_run_is_what_it_runs() {
    let sim = host("joyent");
    sim.add_zone("web2", &[NetSpec::new("net0", "e1000g0")]);
    sim.add_zone("web3", &[NetSpec::new("net0", "e1000g1")]);
    sim.zoneadm(&["-z", "web2", "ready"]).ok();
    sim.zoneadm(&["-z", "web3", "boot"]).ok();
    sim.fault("set-linkprop", "after", "crash", None);
    sim.netzone(&["down", "web2"]).fails();
    sim.fault("show-vnic", "before", "crash", None);
    sim.zoneadm(&["-z", "web3", "halt"]).fails();
    let orphan = names(&sim)
        .into_iter()
        .find(|(n, z)| is_temp(n) && z == "global")
        .expect("web2's orphan")
        .0;

    let before = names(&sim);
    let mark = sim.log().len();
    let dry = doc(&sim.netzone(&["gc", "--dry-run", "--json"]).ok());
    assert!(ran(&sim, mark).is_empty(), "the dry run ran something");
    assert_eq!(names(&sim), before);
    assert_eq!(dry["dry_run"], true, "{dry}");
    assert_eq!(
        dry["removals"],
        json!([
            {"action": "delete", "name": orphan, "zone": "web2", "net": "net0", "temp": orphan,
             "message": format!("would delete orphan {orphan} from the global zone (left behind for zone 'web2')")},
            {"action": "forget", "zone": "web3", "net": "net0",
             "message": "would drop zone 'web3' net 'net0' from the journal (its link no longer exists)"},
        ]),
        "{dry}"
    );
    let plans = dry["plans"].as_array().expect("plans");
    assert_eq!(plans.len(), 2, "{dry}");
    assert_eq!(plans[0]["zone"], "web2");
    assert_eq!(plans[1]["forget"], json!(["net0"]), "{dry}");
    let want: Vec<Vec<String>> = plans.iter().flat_map(|p| planned(p, None)).collect();
    assert_eq!(
        want,
        vec![vec![
            "dladm".to_string(),
            "delete-vnic".into(),
            "-t".into(),
            orphan.clone()
        ]]
    );
    assert_eq!(dry["skipped"], json!([]));
    assert_eq!(dry["failures"], json!([]));

    let mark = sim.log().len();
    let real = doc(&sim.netzone(&["gc", "--json"]).ok());
    assert_eq!(
        ran(&sim, mark),
        want,
        "the real run differs from the dry run"
    );
    assert_eq!(real["dry_run"], false);
    let removals = real["removals"].as_array().unwrap();
    assert_eq!(removals.len(), 2, "{real}");
    assert_eq!(removals[0]["name"], orphan.as_str());
    assert_eq!(
        removals[0]["message"],
        format!("deleted orphan {orphan} from the global zone (left behind for zone 'web2')")
    );
    assert_eq!(removals[1]["action"], "forget");
    assert!(
        names(&sim).iter().all(|(n, _)| n != &orphan),
        "{:?}",
        names(&sim)
    );
    assert!(sim.journal("web3").is_none());
    // Nothing left: an empty document, not "no orphans".
    let again = doc(&sim.netzone(&["gc", "--json"]).ok());
    assert_eq!(again["removals"], json!([]));
    assert_eq!(again["plans"], json!([]));
}

/// gate: a link whose zone dladm cannot read is skipped (listed with its source and a
/// warning); the other orphan is removed.
#[test]
fn gc_json_lists_what_it_skips() {
    let sim = common::unreadable_orphans();
    let d = doc(&sim.netzone(&["gc", "--json"]).ok());
    let skipped = d["skipped"].as_array().expect("skipped");
    assert_eq!(skipped.len(), 2, "{d}");
    assert_eq!(skipped[0]["link"], "net0");
    assert_eq!(skipped[0]["zone"], Value::Null);
    assert_eq!(skipped[0]["source"]["kind"], "unreadable");
    assert_eq!(skipped[1]["zone"], "web1");
    assert!(skipped.iter().all(|r| r["state"] == "unknown"), "{d}");
    assert!(
        d["warnings"][0]
            .as_str()
            .unwrap()
            .starts_with("link net0: dladm cannot read which zone holds it"),
        "{d}"
    );
    let removed: Vec<&str> = d["removals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(removed, ["net5"]);
    assert_eq!(
        names(&sim),
        vec![
            ("e1000g0".to_string(), "global".to_string()),
            ("net0".into(), "global".into())
        ]
    );
}

#[test]
fn gc_json_failures_are_error_documents() {
    let sim = Sim::new("joyent", &["e1000g0"]);
    sim.illumos_sim(&["dlmgmtd", "stop"]).ok();
    assert_eq!(error_code(sim.netzone(&["gc", "--json"])), "dlmgmtd-down");
    // A root that is no illumos root.
    let elsewhere = tempfile::tempdir().unwrap();
    let r = sim
        .command(
            std::path::Path::new(env!("CARGO_BIN_EXE_netzone")),
            &["gc", "--dry-run", "--json"],
        )
        .env("NETZONE_ROOT", elsewhere.path())
        .output()
        .unwrap();
    assert_eq!(
        error_code(Run {
            argv: "gc".into(),
            out: r
        }),
        "not-found"
    );
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// joyent: `recover --dry-run --json` gives web1's plan (delete net0, return data0) as argv
/// arrays and the halt it would run; `recover --json` runs exactly those, lists each link freed
/// and how, and the halt; the host then has data0 in the global zone, no net0, web1 installed.
#[test]
fn recover_json_lists_links_freed_and_the_halt_and_its_dry_run_is_what_it_runs() {
    let sim = stranded("joyent");
    let mark = sim.log().len();
    let dry = doc(&sim
        .netzone(&["recover", "--dry-run", "--json", "web1"])
        .ok());
    assert!(ran(&sim, mark).is_empty(), "the dry run ran something");
    assert_eq!(dry["dry_run"], true);
    let zones = dry["zones"].as_array().expect("zones");
    assert_eq!(zones.len(), 1, "{dry}");
    let z = &zones[0];
    assert_eq!(
        (z["zone"].as_str(), z["state"].as_str()),
        (Some("web1"), Some("down"))
    );
    assert_eq!(z["freed"], json!([]), "a dry run frees nothing");
    assert_eq!(z["halted"], false);
    assert_eq!(z["ok"], true);
    let halt = strings(&["zoneadm", "-z", "web1", "halt"]);
    assert_eq!(
        z["halts"],
        json!([{"argv": halt, "ran": false, "error": null}])
    );
    let mut want = planned(&z["plan"], None);
    assert_eq!(
        want,
        vec![
            strings(&["dladm", "delete-vnic", "-t", "-z", "web1", "net0"]),
            strings(&[
                "dladm",
                "set-linkprop",
                "-t",
                "-z",
                "web1",
                "-p",
                "zone=global",
                "data0"
            ]),
        ],
        "{dry}"
    );
    want.push(halt.clone());
    assert_eq!(sim.zone_state("web1"), "down");

    let mark = sim.log().len();
    let real = doc(&sim.netzone(&["recover", "--json", "web1"]).ok());
    assert_eq!(
        ran(&sim, mark),
        want,
        "the real run differs from the dry run"
    );
    let z = &real["zones"][0];
    assert_eq!(real["dry_run"], false);
    assert_eq!(
        z["freed"],
        json!([
            {"action": "delete", "net": "net0", "name": "net0", "zone": "web1", "temp": z["freed"][0]["temp"],
             "persistent": false, "argv": want[0], "result": "completed",
             "message": "deleted net0 (created by netzone: recorded in its journal)"},
            {"action": "return", "zone": "web1", "name": "data0", "argv": want[1],
             "result": "completed", "message": "returned data0 to the global zone (operator link)"},
        ]),
        "{real}"
    );
    assert_eq!(z["blocked"], json!([]));
    assert_eq!(
        z["halts"],
        json!([{"argv": halt, "ran": true, "error": null}])
    );
    assert_eq!(z["halted"], true);
    assert_eq!(z["final_state"], "installed");
    assert_eq!(z["ok"], true);
    assert_eq!(sim.zone_state("web1"), "installed");
    let links = names(&sim);
    assert!(
        links.contains(&("data0".into(), "global".into())),
        "{links:?}"
    );
    assert!(!links.iter().any(|(n, _)| n == "net0"), "{links:?}");
}

/// gate: the global zone cannot name a link on loan, so net0's delete reports "not found", the
/// dlmgmtd check follows and the link is left for the halt: the dry run's `not-found` fallback
/// is what runs, and the link's result says so.
#[test]
fn gate_recover_json_dry_run_fallback_is_what_runs() {
    let sim = stranded("gate");
    let dry = doc(&sim
        .netzone(&["recover", "--dry-run", "--no-halt", "--json", "web1"])
        .ok());
    let z = &dry["zones"][0];
    assert_eq!(z["halts"], json!([]), "--no-halt: {dry}");
    let want = planned(&z["plan"], Some("not-found"));
    assert!(
        want.contains(&strings(&[
            "dladm",
            "show-link",
            "-p",
            "-o",
            "LINK",
            "nzprobe0"
        ])),
        "{dry}"
    );
    let mark = sim.log().len();
    let real = doc(&sim
        .netzone(&["recover", "--no-halt", "--json", "web1"])
        .ok());
    assert_eq!(
        ran(&sim, mark),
        want,
        "the real run differs from the dry run"
    );
    let freed = real["zones"][0]["freed"].as_array().expect("freed").clone();
    let results: Vec<(&str, &str)> = freed
        .iter()
        .map(|f| (f["name"].as_str().unwrap(), f["result"].as_str().unwrap()))
        .collect();
    assert_eq!(
        results,
        [("net0", "left-for-halt"), ("data0", "left-for-halt")],
        "{real}"
    );
    assert_eq!(real["zones"][0]["halted"], false);
    assert_eq!(sim.zone_state("web1"), "down", "--no-halt");
}

/// illumos bug 10001 (joyent): the operator's data0, held by web1, cannot go back because the
/// global zone has another data0. `recover --json` lists it as blocked with why, frees
/// netzone's net0, does not halt, and exits 1 with the reason in the zone's error.
#[test]
fn recover_json_lists_a_blocked_link_with_why_and_exits_1() {
    let sim = stranded("joyent");
    sim.dladm(&["create-vnic", "-t", "-l", "e1000g0", "data0"])
        .ok();
    let r = sim.netzone(&["recover", "--json", "web1"]).fails();
    assert_eq!(r.code(), Some(1));
    let d = doc(&r);
    let z = &d["zones"][0];
    assert_eq!(z["ok"], false);
    assert_eq!(z["blocked"][0]["link"], "data0", "{d}\n{}", r.stderr());
    assert!(
        z["blocked"][0]["why"]
            .as_str()
            .unwrap()
            .starts_with("the global zone already has a link named data0 (illumos bug 10001)"),
        "{d}"
    );
    assert_eq!(z["plan"]["blocked"], z["blocked"]);
    assert_eq!(z["freed"][0]["name"], "net0");
    assert_eq!(z["error"]["code"], "command-failed");
    assert!(
        r.stderr().contains(&format!(
            "netzone: {}",
            z["error"]["message"].as_str().unwrap()
        )),
        "{}",
        r.stderr()
    );
    assert_eq!(z["halts"], json!([]), "not halted");
    assert_eq!(z["halted"], false);
    assert_eq!(sim.zone_state("web1"), "down");
    assert!(!names(&sim).iter().any(|(n, z)| n == "net0" && z == "web1"));
}

/// Refusals before anything changes, under `--json`: the error document with its code.
#[test]
fn recover_json_refusals_are_error_documents() {
    let sim = stranded("joyent");
    sim.add_zone("web3", &[NetSpec::new("net0", "e1000g0")]);
    sim.zoneadm(&["-z", "web3", "boot"]).ok();
    let before = names(&sim);
    assert_eq!(
        error_code(sim.netzone(&["recover", "--json", "web1", "nosuch"])),
        "not-found"
    );
    assert_eq!(
        error_code(sim.netzone(&["recover", "--json", "web3"])),
        "zone-state"
    );
    assert_eq!(
        error_code(sim.netzone(&["recover", "--json", "bad/name"])),
        "invalid-value"
    );
    assert_eq!(names(&sim), before, "nothing changed");
    assert_eq!(sim.zone_state("web1"), "down");
    sim.illumos_sim(&["dlmgmtd", "stop"]).ok();
    assert_eq!(
        error_code(sim.netzone(&["recover", "--json", "web1"])),
        "dlmgmtd-down"
    );
    sim.illumos_sim(&["dlmgmtd", "start"]).ok();
    // --all with no zone down: an empty list.
    sim.netzone(&["recover", "web1"]).ok();
    let d = doc(&sim.netzone(&["recover", "--all", "--json"]).ok());
    assert_eq!(d["zones"], json!([]), "{d}");
    // --force on a running zone: halted first; the record says so.
    let d = doc(&sim.netzone(&["recover", "--force", "--json", "web3"]).ok());
    let z = &d["zones"][0];
    assert_eq!(
        (z["state"].as_str(), z["halted_first"].as_bool()),
        (Some("running"), Some(true)),
        "{d}"
    );
    assert_eq!(z["halted"], true);
    assert_eq!(z["final_state"], "installed");
    assert_eq!(sim.zone_state("web3"), "installed");
}

/// `check --json`: web1's VLAN id is out of range (a configuration problem), web3's global-nic
/// is no link of the host (a host problem), web2 is valid, `nosuch` is not configured. Every
/// problem is listed with its code, where it is, and the line stderr has; exit 1.
#[test]
fn check_json_lists_each_zones_problems_with_codes() {
    let sim = Sim::new("joyent", &["e1000g0"]);
    let mut bad = NetSpec::new("net0", "e1000g0");
    bad.vlan = Some(4095);
    sim.add_zone("web1", &[bad]);
    sim.add_zone("web2", &[NetSpec::new("net0", "e1000g0")]);
    sim.add_zone("web3", &[NetSpec::new("net0", "nosuch0")]);
    let r = sim
        .netzone(&["check", "--json", "web1", "web2", "web3", "nosuch"])
        .fails();
    assert_eq!(r.code(), Some(1));
    let d = doc(&r);
    assert_eq!(
        (d["live"].as_bool(), d["valid"].as_bool()),
        (Some(false), Some(false))
    );
    assert_eq!(d["host"], json!({"read": true, "error": null}), "{d}");
    let zones = d["zones"].as_array().expect("zones");
    let named: Vec<(&str, bool)> = zones
        .iter()
        .map(|z| (z["zone"].as_str().unwrap(), z["valid"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        named,
        [
            ("web1", false),
            ("web2", true),
            ("web3", false),
            ("nosuch", false)
        ]
    );
    assert_eq!(
        zones[0]["problems"],
        json!([{"code": "invalid-config", "source": "config", "net": "net0", "net_index": null,
                "attribute": "vlan-id", "value": "4095", "reason": "VLAN id must be 1-4094",
                "message": "zone 'web1': net 'net0': vlan-id '4095': VLAN id must be 1-4094"}])
    );
    assert_eq!(
        zones[0]["host_checked"], false,
        "invalid: not checked against the host"
    );
    assert_eq!(zones[1]["problems"], json!([]));
    assert_eq!(zones[1]["host_checked"], true);
    let p = &zones[2]["problems"][0];
    assert_eq!(
        (
            p["source"].as_str(),
            p["attribute"].as_str(),
            p["value"].as_str()
        ),
        (Some("host"), Some("global-nic"), Some("nosuch0")),
        "{d}"
    );
    assert_eq!(zones[3]["problems"][0]["code"], "not-found");
    // Every problem's message is a line stderr has.
    for z in zones {
        for p in z["problems"].as_array().unwrap() {
            let line = format!("netzone: {}\n", p["message"].as_str().unwrap());
            assert!(r.stderr().contains(&line), "{line}: {}", r.stderr());
        }
    }

    // -a, and --file; a valid zone alone exits 0.
    let d = doc(&sim.netzone(&["check", "-a", "--json"]).fails());
    assert_eq!(d["zones"].as_array().map(Vec::len), Some(3), "{d}");
    let d = doc(&sim.netzone(&["check", "--json", "web2"]).ok());
    assert_eq!(d["valid"], true);
    let file = sim.root().join("etc/zones/web1.xml");
    let d = doc(&sim
        .netzone(&["check", "--json", "--file", file.to_str().unwrap()])
        .fails());
    assert_eq!(d["zones"][0]["zone"], "web1");
    assert_eq!(d["zones"][0]["file"], file.to_str().unwrap());
    assert_eq!(d["zones"][0]["problems"][0]["attribute"], "vlan-id");
    assert_eq!(d["host"]["read"], false, "--file reads no host");

    // dlmgmtd stopped: the configuration only, and the document says why.
    sim.illumos_sim(&["dlmgmtd", "stop"]).ok();
    let d = doc(&sim.netzone(&["check", "--json", "web2", "web3"]).ok());
    assert_eq!(d["host"]["read"], false);
    assert_eq!(d["host"]["error"]["code"], "dlmgmtd-down", "{d}");
    assert_eq!(d["zones"][1]["valid"], true, "web3's NIC not checked: {d}");
    assert_eq!(d["zones"][1]["host_checked"], false);
}

#[test]
fn check_json_failures_are_error_documents() {
    let sim = Sim::new("joyent", &["e1000g0"]);
    // An index that lists only the global zone.
    assert_eq!(
        error_code(sim.netzone(&["check", "-a", "--json"])),
        "not-found"
    );
    let elsewhere = tempfile::tempdir().unwrap();
    for args in [
        &["check", "--json", "web1"][..],
        &["check", "--live", "--json", "-a"],
    ] {
        let r = sim
            .command(std::path::Path::new(env!("CARGO_BIN_EXE_netzone")), args)
            .env("NETZONE_ROOT", elsewhere.path())
            .output()
            .unwrap();
        let r = Run {
            argv: args.join(" "),
            out: r,
        };
        assert_eq!(error_code(r), "not-found", "{args:?}");
    }
    sim.add_zone("web1", &[NetSpec::new("net0", "e1000g0")]);
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    sim.illumos_sim(&["dlmgmtd", "stop"]).ok();
    assert_eq!(
        error_code(sim.netzone(&["check", "--live", "--json", "web1"])),
        "dlmgmtd-down"
    );
}

/// `check --live --json`: web1 runs (joyent) with net0 and net1; net0's MTU is then raised
/// inside the zone and net2 added to its configuration. The differences are listed per net with
/// the lines stderr has, and match the host; a halted zone and an unknown one are errors with
/// their codes; exit 1. Put right, the zone is valid and the exit status 0.
#[test]
fn check_live_json_lists_differences_per_net() {
    let sim = Sim::new("joyent", &["e1000g0", "e1000g1"]);
    sim.add_zone(
        "web1",
        &[
            NetSpec::new("net0", "e1000g0"),
            NetSpec::new("net1", "e1000g1"),
        ],
    );
    sim.add_zone("web2", &[NetSpec::new("net0", "e1000g0")]);
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    let d = doc(&sim.netzone(&["check", "--live", "--json", "-a"]).ok());
    assert_eq!(d["live"], true);
    assert_eq!(d["valid"], true);
    assert_eq!(
        d["zones"],
        json!([{"zone": "web1", "state": "running", "checked": true, "valid": true,
                "differences": [], "errors": []}])
    );

    sim.dladm(&["set-linkprop", "-t", "-p", "mtu=9000", "e1000g0"])
        .ok();
    let out = sim
        .command(
            &sim.bin.join("sim-dladm"),
            &["set-linkprop", "-t", "-p", "mtu=9000", "net0"],
        )
        .env("ILLUMOS_SIM_ZONE", "web1")
        .output()
        .unwrap();
    assert!(out.status.success());
    let xml = sim.zone_xml("web1").replace(
        "</zone>",
        "  <network physical=\"net2\" global-nic=\"e1000g0\"/>\n</zone>",
    );
    std::fs::write(sim.root().join("etc/zones/web1.xml"), xml).unwrap();

    let r = sim
        .netzone(&["check", "--live", "--json", "web1", "web2", "nosuch"])
        .fails();
    assert_eq!(r.code(), Some(1));
    let d = doc(&r);
    assert_eq!(d["valid"], false);
    let z = &d["zones"][0];
    assert_eq!(
        (z["checked"].as_bool(), z["valid"].as_bool()),
        (Some(true), Some(false))
    );
    let diffs: Vec<(&str, &str)> = z["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["net"].as_str().unwrap(), x["what"].as_str().unwrap()))
        .collect();
    assert_eq!(
        diffs,
        [
            ("net0", "mtu is 9000, configured 1500"),
            ("net2", "no link 'net2' in the zone")
        ],
        "{d}"
    );
    let net0 = sim
        .links()
        .into_iter()
        .find(|l| l.name == "net0" && l.zone == "web1")
        .expect("web1's net0");
    assert_eq!(net0.mtu, 9000, "the difference is the host's");
    for x in z["differences"].as_array().unwrap() {
        assert_eq!(x["zone"], "web1");
        let line = format!("netzone: {}\n", x["message"].as_str().unwrap());
        assert!(r.stderr().contains(&line), "{line}: {}", r.stderr());
    }
    assert_eq!(d["zones"][1]["state"], "installed");
    assert_eq!(d["zones"][1]["checked"], false);
    assert_eq!(d["zones"][1]["errors"][0]["code"], "zone-state");
    assert_eq!(d["zones"][2]["state"], Value::Null);
    assert_eq!(d["zones"][2]["errors"][0]["code"], "not-found");
}

/// The halt fails (an injected zoneadm failure): the zone's record has the halt run, its error,
/// `halted` false and the failure's code; exit 1; the zone is still `down`, its links freed.
/// `--force --no-halt` on a running zone is refused for that zone (link-busy).
#[test]
fn recover_json_records_a_failed_halt_and_a_busy_zone() {
    let sim = stranded("joyent");
    sim.fault("zoneadm-halt", "before", "fail", None);
    let r = sim.netzone(&["recover", "--json", "web1"]).fails();
    assert_eq!(r.code(), Some(1));
    let d = doc(&r);
    let z = &d["zones"][0];
    assert_eq!(z["ok"], false);
    assert_eq!(z["halted"], false);
    assert_eq!(z["halts"][0]["ran"], true);
    assert!(
        z["halts"][0]["error"]
            .as_str()
            .is_some_and(|e| e.contains("injected failure")),
        "{d}"
    );
    assert_eq!(z["error"]["code"], "command-failed");
    assert!(
        z["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("zone 'web1': halt failed: "),
        "{d}"
    );
    assert_eq!(z["freed"].as_array().map(Vec::len), Some(2), "{d}");
    assert_eq!(z["final_state"], "down");
    assert_eq!(sim.zone_state("web1"), "down");

    sim.add_zone("web3", &[NetSpec::new("net0", "e1000g0")]);
    sim.zoneadm(&["-z", "web3", "boot"]).ok();
    let r = sim
        .netzone(&["recover", "--force", "--no-halt", "--json", "web3"])
        .fails();
    let d = doc(&r);
    let z = &d["zones"][0];
    assert_eq!(
        (z["state"].as_str(), z["ok"].as_bool()),
        (Some("running"), Some(false))
    );
    assert_eq!(z["error"]["code"], "link-busy", "{d}");
    assert_eq!(z["plan"], Value::Null, "no reclaim ran");
    assert_eq!(sim.zone_state("web3"), "running");
}

/// A removal that fails (an injected dladm failure): listed under failures, not under
/// removals; the document is still printed, exit 1, and the orphan is still there.
#[test]
fn gc_json_lists_a_failed_removal_and_exits_1() {
    let sim = host("joyent");
    sim.add_zone("web2", &[NetSpec::new("net0", "e1000g0")]);
    sim.zoneadm(&["-z", "web2", "ready"]).ok();
    sim.fault("set-linkprop", "after", "crash", None);
    sim.netzone(&["down", "web2"]).fails();
    let orphan = names(&sim)
        .into_iter()
        .find(|(n, z)| is_temp(n) && z == "global")
        .expect("web2's orphan")
        .0;
    sim.fault("delete-vnic", "before", "fail", None);
    let r = sim.netzone(&["gc", "--json"]).fails();
    assert_eq!(r.code(), Some(1));
    let d = doc(&r);
    assert_eq!(d["removals"], json!([]), "{d}");
    let failures = d["failures"].as_array().expect("failures");
    assert!(!failures.is_empty(), "{d}");
    for f in failures {
        let line = format!("netzone: gc: {}", f.as_str().unwrap());
        assert!(r.stderr().contains(&line), "{line}: {}", r.stderr());
    }
    assert!(names(&sim).iter().any(|(n, _)| n == &orphan));
}

/// `check --live --json` of a running zone whose configuration has become invalid, and of one
/// whose journal cannot be read: each zone's errors carry the failure's code; exit 1.
#[test]
fn check_live_json_records_unreadable_configuration_and_journal() {
    let sim = Sim::new("joyent", &["e1000g0"]);
    sim.add_zone("web1", &[NetSpec::new("net0", "e1000g0")]);
    sim.add_zone("web2", &[NetSpec::new("net0", "e1000g0")]);
    for z in ["web1", "web2"] {
        sim.zoneadm(&["-z", z, "boot"]).ok();
    }
    let xml = sim
        .zone_xml("web1")
        .replace("physical=\"net0\"", "physical=\"net0\" vlan-id=\"4095\"");
    std::fs::write(sim.root().join("etc/zones/web1.xml"), xml).unwrap();
    std::fs::write(sim.journal_path("web2"), "{not json").unwrap();
    let r = sim
        .netzone(&["check", "--live", "--json", "web1", "web2"])
        .fails();
    let d = doc(&r);
    assert_eq!(d["valid"], false);
    let codes: Vec<(&str, bool, &str)> = d["zones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|z| {
            (
                z["zone"].as_str().unwrap(),
                z["checked"].as_bool().unwrap(),
                z["errors"][0]["code"].as_str().unwrap_or("none"),
            )
        })
        .collect();
    assert_eq!(
        codes,
        [
            ("web1", false, "invalid-config"),
            ("web2", false, "corrupt")
        ],
        "{d}"
    );
    for z in d["zones"].as_array().unwrap() {
        let line = format!("netzone: {}", z["errors"][0]["message"].as_str().unwrap());
        assert!(r.stderr().contains(&line), "{line}: {}", r.stderr());
    }
}

/// `global-nic="auto"`: with no route to the allowed-address, the problem the route table gives
/// is a host problem; with no route program to ask, the zone is valid as configured and the
/// document carries the warning stderr prints.
#[test]
fn check_json_auto_global_nic_problem_and_warning() {
    let mut sim = Sim::new("joyent", &["e1000g0"]);
    let mut n = NetSpec::new("net0", "auto");
    n.allowed_address = Some("10.1.2.3/24".into());
    sim.add_zone("web1", &[n]);
    let r = sim.netzone(&["check", "--json", "web1"]).fails();
    let d = doc(&r);
    let p = &d["zones"][0]["problems"][0];
    assert_eq!(
        (p["code"].as_str(), p["source"].as_str()),
        (Some("invalid-config"), Some("host")),
        "{d}"
    );
    assert!(
        p["message"]
            .as_str()
            .unwrap()
            .contains("global-nic 'auto': no route to allowed-address '10.1.2.3'"),
        "{d}"
    );
    assert!(
        r.stderr()
            .contains(&format!("netzone: {}\n", p["message"].as_str().unwrap())),
        "{}",
        r.stderr()
    );
    sim.env
        .push(("NETZONE_ROUTE".into(), "/nonexistent/route".into()));
    let r = sim.netzone(&["check", "--json", "web1"]).ok();
    let d = doc(&r);
    let z = &d["zones"][0];
    assert_eq!(
        (z["valid"].as_bool(), z["host_checked"].as_bool()),
        (Some(true), Some(true))
    );
    let w = z["warnings"][0].as_str().expect("a warning");
    assert!(
        w.ends_with("global-nic 'auto' not checked against the host"),
        "{d}"
    );
    assert!(
        r.stderr().contains(&format!("netzone: {w}\n")),
        "{}",
        r.stderr()
    );
}
