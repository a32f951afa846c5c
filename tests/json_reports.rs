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
