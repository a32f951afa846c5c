//! `--json` of the report commands on the simulated host: `gc`, `recover`, `check` and `check
//! --live`. Each document starts with `"version":1`, carries what the text output says (typed),
//! and matches the sim's state; a dry run's argv arrays are what the real run then runs (from the
//! sim's command log); a failure under `--json` is the error document with its code, exit 1.

mod common;

use common::{is_temp, NetSpec, Run, Sim};
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

/// The dlmgmtd check a "not found" delete runs (`observe::dlmgmtd_probe_command`).
const PROBE: &str = "show-link -p -o LINK nzprobe0";

/// The argv of every command that changed the host past `mark` in the sim's log (dladm but
/// its observation walks, the dlmgmtd check after a delete, zoneadm halts), each starting with
/// the program's name as the documents spell it (`dladm`, `zoneadm`).
fn ran(sim: &Sim, mark: usize) -> Vec<Vec<String>> {
    let log = sim.log();
    let split = |l: &str| -> Vec<String> {
        l.split(' ')
            .skip(3)
            .map(|w| w.trim_matches('\'').to_string())
            .collect()
    };
    let mut out = Vec::new();
    for (i, l) in log.iter().enumerate().skip(mark) {
        let mut argv = split(l);
        let rest = argv[1..].join(" ");
        let after_delete =
            i > 0 && split(&log[i - 1]).get(1).map(String::as_str) == Some("delete-vnic");
        let keep = match argv[0].as_str() {
            "sim-dladm" => !rest.starts_with("show-") || (rest == PROBE && after_delete),
            "sim-zoneadm" => rest.ends_with(" halt"),
            _ => false,
        };
        if keep {
            argv[0] = argv[0].trim_start_matches("sim-").to_string();
            out.push(argv);
        }
    }
    out
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
    let mut sim = Sim::new(flavour, &["e1000g0", "e1000g1"]);
    sim.env.push(("NETZONE_FLAVOUR".into(), flavour.into()));
    sim
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
    let sim = Sim::new("gate", &["e1000g0"]);
    sim.add_zone("web1", &[NetSpec::new("net0", "e1000g0")]);
    sim.add_zone("web2", &[NetSpec::new("net5", "e1000g0")]);
    for z in ["web1", "web2"] {
        sim.run(
            &Sim::statechange_path(),
            &["pre", z, &format!("/zones/{z}"), "2", "0"],
        )
        .ok();
        let path = sim.journal_path(z);
        let mut j: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        j["pending"] = json!(1);
        std::fs::write(&path, j.to_string()).unwrap();
    }
    sim.illumos_sim(&["zone-unreadable", "net0", "on"]).ok();
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

/// A zone stuck `down` (dlmgmtd stopped during its halt) holding netzone's net0 and the
/// operator's data0.
fn stranded(flavour: &str) -> Sim {
    let sim = host(flavour);
    sim.add_zone(
        "web1",
        &[
            NetSpec::new("net0", "e1000g0"),
            NetSpec {
                physical: "data0".into(),
                ..Default::default()
            },
        ],
    );
    sim.dladm(&["create-vnic", "-t", "-l", "e1000g1", "data0"])
        .ok();
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    sim.illumos_sim(&["dlmgmtd", "stop"]).ok();
    sim.zoneadm(&["-z", "web1", "halt"]).fails();
    sim.illumos_sim(&["dlmgmtd", "start"]).ok();
    assert_eq!(sim.zone_state("web1"), "down");
    sim
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
