//! `netzone show` on the simulated host: the three output forms agree field for field.

mod common;

use common::{NetSpec, Sim};
use netzone::output::split_parsable;

const ALL: &str = "link,zone,over,macaddress,vid,owner,state";

fn host() -> Sim {
    let sim = Sim::new("joyent", &["e1000g0", "e1000g1"]);
    sim.dladm(&["create-vnic", "-t", "-l", "e1000g1", "data0"])
        .ok();
    let mut fixed = NetSpec::new("net1", "e1000g1");
    fixed.vlan = Some(42);
    fixed.mac = Some("2:8:20:ab:cd:ef".into());
    sim.add_zone("web1", &[NetSpec::new("net0", "e1000g0"), fixed]);
    sim.add_zone(
        "web2",
        &[NetSpec::new("net0", "e1000g0"), NetSpec::operator("data0")],
    );
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    sim.zoneadm(&["-z", "web2", "boot"]).ok();
    sim
}

#[test]
fn parseable_output_parses_back_field_for_field_as_json_says() {
    let sim = host();
    let p = sim.netzone(&["show", "-p", "-o", ALL]).ok().stdout();
    let j = sim.netzone(&["show", "--json"]).ok().stdout();
    let json: serde_json::Value = serde_json::from_str(&j).unwrap();
    assert_eq!(json["version"], 1);
    let objs = json["links"].as_array().unwrap();
    let lines: Vec<&str> = p.lines().collect();
    assert_eq!(lines.len(), 4, "{p}");
    assert_eq!(lines.len(), objs.len());
    let fields: Vec<&str> = ALL.split(',').collect();
    for (line, obj) in lines.iter().zip(objs) {
        // MAC addresses hold ':', so the escapes are exercised on every line.
        assert!(line.contains("\\:"), "{line}");
        let vals = split_parsable(line);
        assert_eq!(vals.len(), fields.len(), "{line}");
        for (f, v) in fields.iter().zip(&vals) {
            let want = obj[*f].as_str().unwrap_or("");
            assert_eq!(v, want, "field {f} of {line}");
        }
    }
    let rows: Vec<Vec<String>> = lines.iter().map(|l| split_parsable(l)).collect();
    let find = |link: &str, zone: &str| {
        rows.iter()
            .find(|r| r[0] == link && r[1] == zone)
            .unwrap_or_else(|| panic!("{link} in {zone}: {p}"))
            .clone()
    };
    assert_eq!(
        find("net1", "web1")[2..],
        ["e1000g1", "2:8:20:ab:cd:ef", "42", "netzone", "ok"]
    );
    assert_eq!(find("net0", "web2")[5..], ["netzone", "ok"]);
    assert_eq!(find("data0", "web2")[5..], ["operator", "ok"]);

    // One field is printed raw, unescaped, like dladm.
    let one = sim
        .netzone(&["show", "-p", "-o", "MACADDRESS", "web1"])
        .ok()
        .stdout();
    assert!(one.lines().any(|l| l == "2:8:20:ab:cd:ef"), "{one}");
}

#[test]
fn human_table_is_aligned_and_filters_by_zone() {
    let sim = host();
    let out = sim.netzone(&["show", "web2"]).ok().stdout();
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("LINK "), "{out}");
    assert_eq!(lines.len(), 3, "{out}");
    let col = lines[0].find("ZONE").unwrap();
    for l in &lines[1..] {
        assert_eq!(&l[col..col + 4], "web2", "{out}");
    }
    let owner = lines[0].find("OWNER").unwrap();
    assert!(
        lines.iter().any(|l| l[owner..].starts_with("operator")),
        "{out}"
    );
}

#[test]
fn missing_links_and_orphans_are_reported_and_orphans_set_the_exit_status() {
    let sim = host();
    assert_eq!(
        sim.netzone(&["show", "--orphans"])
            .ok()
            .stdout()
            .lines()
            .count(),
        1,
        "only the header when there are none"
    );
    // A net added to web1's configuration while it runs: configured but missing. (Its booted
    // links cannot be taken away while it runs: IP holds them, dls_link_setzid.)
    let xml_path = sim.root().join("etc/zones/web1.xml");
    let xml = std::fs::read_to_string(&xml_path).unwrap().replace(
        "</zone>",
        "  <network physical=\"net2\" global-nic=\"e1000g0\"/>\n</zone>",
    );
    std::fs::write(&xml_path, xml).unwrap();
    // A crash left one of web1's temporary names in the global zone, over the lower link web1
    // configures for that net: netzone's by name and lower link.
    let tmp = netzone::tempname::temp_name(&netzone::zonename::ZoneName::new("web1").unwrap(), 0);
    sim.dladm(&["create-vnic", "-t", "-l", "e1000g0", tmp.as_str()])
        .ok();
    // A temporary name of a zone nobody configured, and one of web1's over another lower
    // link, prove nothing: the operator's, not listed.
    let web9 = netzone::tempname::temp_name(&netzone::zonename::ZoneName::new("web9").unwrap(), 0);
    sim.dladm(&["create-vnic", "-t", "-l", "e1000g0", web9.as_str()])
        .ok();
    let wrong = netzone::tempname::temp_name(&netzone::zonename::ZoneName::new("web1").unwrap(), 1);
    sim.dladm(&["create-vnic", "-t", "-l", "e1000g0", wrong.as_str()])
        .ok();
    let p = sim
        .netzone(&["show", "-p", "-o", "link,zone,owner,state"])
        .ok()
        .stdout();
    assert!(p.contains("net2:web1:netzone:missing\n"), "{p}");
    assert!(!p.contains("net0:web1:netzone:missing\n"), "{p}");
    assert!(p.contains(&format!("{tmp}:web1:netzone:orphan\n")), "{p}");
    assert!(
        !p.contains(web9.as_str()) && !p.contains(wrong.as_str()),
        "{p}"
    );
    let r = sim
        .netzone(&["show", "--orphans", "-p", "-o", "link"])
        .fails();
    assert_eq!(r.code(), Some(1));
    assert_eq!(r.stdout(), format!("{tmp}\n"));
    // --problems: every row whose STATE is not ok (here the missing ones and the orphan).
    let r = sim
        .netzone(&["show", "--problems", "-p", "-o", "link,state"])
        .fails();
    assert_eq!(r.code(), Some(1));
    let mut got: Vec<String> = r.stdout().lines().map(String::from).collect();
    got.sort();
    let mut want = vec!["net2:missing".to_string(), format!("{tmp}:orphan")];
    want.sort();
    assert_eq!(got, want);
    assert_eq!(
        sim.netzone(&["show", "--problems", "--orphans"]).code(),
        Some(2)
    );
}

#[test]
fn problems_is_quiet_and_exits_0_on_a_healthy_host() {
    let sim = host();
    let r = sim.netzone(&["show", "--problems"]).ok();
    assert_eq!(
        r.stdout().lines().count(),
        1,
        "only the header: {}",
        r.stdout()
    );
    // The same host has rows, all ok.
    let all = sim.netzone(&["show", "-p", "-o", "state"]).ok().stdout();
    assert!(!all.is_empty() && all.lines().all(|l| l == "ok"), "{all}");
}

#[test]
fn bad_output_requests_are_errors() {
    let sim = Sim::new("joyent", &["e1000g0"]);
    // A root with a zone index (netzone refuses a root without one before anything else).
    sim.add_zone("web1", &[NetSpec::new("net0", "e1000g0")]);
    let cases: &[(&[&str], &str)] = &[
        (
            &["show", "-p", "-o", "link,foo"],
            "unknown output field: `foo'",
        ),
        (&["show", "-o", "Bogus"], "unknown output field: `Bogus'"),
        (&["show", "-p"], "-p requires -o"),
        (
            &["show", "-p", "-o", "all"],
            "output field `all' invalid in parsable mode",
        ),
        (
            &["show", "-p", "-o", "link", "--json"],
            "cannot be used together",
        ),
        (
            &["show", "nosuch"],
            "zone 'nosuch': no such zone configured",
        ),
        (&["show", "-bad-"], "unexpected argument"),
    ];
    for (args, want) in cases {
        let r = sim.netzone(args).fails();
        assert!(r.stderr().contains(want), "{args:?}: {}", r.stderr());
        if args.contains(&"--json") {
            // Under --json the failure is also a document on stdout, with its code.
            let d: serde_json::Value = serde_json::from_str(&r.stdout()).unwrap();
            assert_eq!(d["error"]["code"], "invalid-value", "{args:?}: {d}");
        } else {
            assert!(r.stdout().is_empty(), "{args:?}");
        }
    }
}

/// Runs `sim`'s command in a thread and fails the test if it has not finished in 20 s.
fn within_20s(f: impl FnOnce() -> common::Run + Send + 'static) -> common::Run {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(std::time::Duration::from_secs(20))
        .expect("the command hung")
}

#[test]
fn a_fifo_in_a_journals_place_hangs_nothing_and_is_named() {
    let sim = std::sync::Arc::new(Sim::new("joyent", &["e1000g0"]));
    sim.add_zone("web1", &[NetSpec::new("net0", "e1000g0")]);
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    let p = sim.journal_path("web1");
    std::fs::remove_file(&p).unwrap();
    let c = std::ffi::CString::new(p.to_str().unwrap()).unwrap();
    // SAFETY: plain system call on a valid C string.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let want = format!(
        "journal {}: is a FIFO, not a regular file; netzone will not read it: move it aside",
        p.display()
    );
    let s = sim.clone();
    let show = within_20s(move || s.netzone(&["show"]));
    assert!(show.stderr().contains(&want), "{}", show.stderr());
    // The halt's teardown refuses to guess rather than hang zoneadmd.
    let s = sim.clone();
    let halt = within_20s(move || s.zoneadm(&["-z", "web1", "halt"]));
    let all = halt.stdout() + &halt.stderr();
    assert!(all.contains(&want), "{all}");
}

/// gate: dladm cannot read the `zone` of one link (linkprop.c `get_zone`: `getzonenamebyid`
/// fails). Its `show-linkprop -p zone` walk prints `?` for that link, warns, and exits 1 after
/// listing every other link (dladm.c `print_linkprop`, `do_show_linkprop`). A boot and a halt of
/// a zone that does not care about that link go on; `show` lists it as unknown, never as the
/// global zone's.
#[test]
fn gate_survives_a_link_whose_zone_dladm_cannot_read() {
    let sim = Sim::new("gate", &["e1000g0"]);
    sim.dladm(&["create-vnic", "-t", "-l", "e1000g0", "vnic7"])
        .ok();
    sim.add_zone("web1", &[NetSpec::new("net0", "e1000g0")]);
    sim.illumos_sim(&["zone-unreadable", "vnic7", "on"]).ok();

    // The sim, as gate's dladm: the row, the warning, exit 1.
    let r = sim
        .dladm(&["show-linkprop", "-c", "-o", "LINK,VALUE", "-p", "zone"])
        .fails();
    assert_eq!(r.code(), Some(1));
    assert!(r.stdout().contains("e1000g0:\n"), "{}", r.stdout());
    assert!(r.stdout().contains("vnic7:?\n"), "{}", r.stdout());
    assert!(
        r.stderr()
            .contains("cannot get link property 'zone' for vnic7: invalid argument"),
        "{}",
        r.stderr()
    );

    // Boot and halt of web1 are not held up by a link web1 has nothing to do with.
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    assert_eq!(sim.zone_state("web1"), "running");
    let names: Vec<String> = sim.vnics().into_iter().map(|l| l.name).collect();
    assert!(names.contains(&"net0".to_string()), "{names:?}");

    // show places every link it can, and says which one it cannot.
    let r = sim
        .netzone(&["show", "-p", "-o", "link,zone,owner,state"])
        .ok();
    assert_eq!(
        r.stdout(),
        "vnic7:?:unknown:unknown\nnet0:web1:netzone:ok\n"
    );
    assert!(
        r.stderr().contains(
            "netzone: warning: link vnic7: dladm cannot read which zone holds it (invalid \
             argument), so netzone cannot tell whose it is and leaves it alone"
        ),
        "{}",
        r.stderr()
    );

    sim.zoneadm(&["-z", "web1", "halt"]).ok();
    assert_eq!(sim.zone_state("web1"), "installed");
    assert!(sim.journal("web1").is_none());
    // vnic7 was never touched.
    assert!(sim
        .vnics()
        .iter()
        .any(|l| l.name == "vnic7" && l.zone == "global"));

    // Once dladm can read it again, it is an operator link of the global zone: not listed.
    sim.illumos_sim(&["zone-unreadable", "vnic7", "off"]).ok();
    let r = sim.netzone(&["show", "-p", "-o", "link"]).ok();
    assert_eq!(r.stdout(), "");
}

/// gate, a link whose zone dladm cannot read: every output form shows it, with its zone unknown
/// (`?` in the table and the parseable output, as dladm prints it; `null` in JSON) and OWNER
/// and STATE `unknown`; `--problems` lists it and exits 1; `show ZONE` lists it only when its
/// name is one the zone may hold. Its VNIC details (OVER, MACADDRESS) are still shown.
#[test]
fn gate_show_lists_a_link_whose_zone_is_unreadable_as_unknown() {
    let sim = Sim::new("gate", &["e1000g0"]);
    sim.dladm(&["create-vnic", "-t", "-l", "e1000g0", "vnic7"])
        .ok();
    sim.add_zone("web1", &[NetSpec::new("net0", "e1000g0")]);
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    sim.illumos_sim(&["zone-unreadable", "vnic7", "on"]).ok();

    let table = sim.netzone(&["show"]).ok().stdout();
    let line = table
        .lines()
        .find(|l| l.starts_with("vnic7 "))
        .unwrap_or_else(|| panic!("{table}"));
    let cols: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(cols[1], "?", "{table}");
    assert_eq!(cols[2], "e1000g0", "{table}");
    assert_eq!(&cols[5..], ["unknown", "unknown"], "{table}");

    let j = sim.netzone(&["show", "--json"]).ok().stdout();
    let json: serde_json::Value = serde_json::from_str(&j).unwrap();
    let v7 = json["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["link"] == "vnic7")
        .unwrap_or_else(|| panic!("{j}"))
        .clone();
    assert!(v7["zone"].is_null(), "{v7}");
    assert_eq!(v7["owner"], "unknown");
    assert_eq!(v7["state"], "unknown");
    assert_eq!(v7["over"], "e1000g0");

    let r = sim
        .netzone(&["show", "--problems", "-p", "-o", "link,zone,state"])
        .fails();
    assert_eq!(r.code(), Some(1));
    assert_eq!(r.stdout(), "vnic7:?:unknown\n");

    let r = sim
        .netzone(&["show", "-p", "-o", "link,state", "web1"])
        .ok();
    assert_eq!(r.stdout(), "net0:ok\n");

    // A link named like one of web1's nets whose zone dladm cannot read may be web1's:
    // `show web1` lists it beside the record's row, never as web1's or the global zone's.
    sim.illumos_sim(&["zone-unreadable", "net0", "on"]).ok();
    let r = sim
        .netzone(&["show", "-p", "-o", "link,zone,owner,state", "web1"])
        .ok();
    assert_eq!(
        r.stdout(),
        "net0:?:unknown:unknown\nnet0:web1:netzone:unknown\n",
        "{}",
        r.stderr()
    );
}
