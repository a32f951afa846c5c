//! Hostile input: zone XML that tries entity expansion, external DTD or entity fetches, or
//! sheer size, is refused quickly with a clear message through the real binaries (`netzone
//! check`, `netzone check --file`, `netzone-verify` and the `netzone-statechange` hook); and the
//! parsers of what dladm, zoneadm and zoneadmd hand netzone never panic on arbitrary input
//! (proptest here, cargo-fuzz in `fuzz/`), with every crash the fuzzers found kept as a
//! regression under `tests/fuzz_regressions/`.
//!
//! The time bounds are loose (a refusal takes milliseconds; the bound catches a hang or an
//! expansion, not a slowdown); timing targets live in the benches.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Loose bound on one refusal: a hang or an exponential expansion blows far past it.
const QUICK: Duration = Duration::from_secs(5);

/// The DOCTYPE zonecfg writes at the top of every zone file (libzonecfg `zonecfg_save_impl`).
const ZONECFG_DOCTYPE: &str = r#"<!DOCTYPE zone PUBLIC "-//Sun Microsystems Inc//DTD Zones//EN" "file:///usr/share/lib/xml/dtd/zonecfg.dtd.1">"#;

/// An alternate root with `etc/zones`.
struct Root {
    dir: tempfile::TempDir,
}

/// One run of a binary: exit status, stderr, and how long it took.
struct Run {
    code: i32,
    stderr: String,
    took: Duration,
}

impl Run {
    fn from(out: Output, took: Duration) -> Run {
        Run {
            code: out.status.code().expect("exited, not killed"),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            took,
        }
    }

    /// Exit status 1, `want` in the message, quickly.
    fn refused(&self, want: &str) {
        assert_eq!(self.code, 1, "stderr: {}", self.stderr);
        assert!(
            self.stderr.contains(want),
            "expected '{want}' in:\n{}",
            self.stderr
        );
        assert!(
            self.stderr.lines().all(|l| l.starts_with("netzone: ")),
            "every line carries the program prefix:\n{}",
            self.stderr
        );
        assert!(self.took < QUICK, "took {:?}", self.took);
    }
}

impl Root {
    fn new() -> Root {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("etc/zones")).unwrap();
        std::fs::write(dir.path().join("etc/zones/index"), "global:installed:/\n").unwrap();
        Root { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn zone_file(&self, zone: &str) -> PathBuf {
        self.path().join("etc/zones").join(format!("{zone}.xml"))
    }

    fn add_zone(&self, zone: &str, xml: &str) {
        std::fs::write(self.zone_file(zone), xml).unwrap();
    }

    fn run(&self, exe: &str, args: &[&str]) -> Run {
        let t = Instant::now();
        let out = Command::new(exe)
            .args(args)
            .env("NETZONE_ROOT", self.path())
            // Nothing here may reach dladm: a run that did would fail on this path with a
            // message about it, not about the configuration.
            .env("NETZONE_DLADM", self.path().join("no-dladm"))
            .env("NETZONE_ZONEADM", self.path().join("no-zoneadm"))
            .env("NETZONE_ZONECFG", self.path().join("no-zonecfg"))
            .env("NETZONE_FLAVOUR", "joyent")
            .output()
            .unwrap();
        Run::from(out, t.elapsed())
    }

    /// `netzone check ZONE`.
    fn check(&self, zone: &str) -> Run {
        self.run(env!("CARGO_BIN_EXE_netzone"), &["check", zone])
    }

    /// Every way a zone file reaches netzone: `check ZONE`, `check --file`, `netzone-verify` (the
    /// brand's verify_cfg on commit) and the hook at pre-ready and post-ready.
    fn every_entry(&self, zone: &str) -> Vec<(&'static str, Run)> {
        let file = self.zone_file(zone);
        let file = file.to_str().unwrap();
        let zp = format!("/zones/{zone}");
        vec![
            ("check", self.check(zone)),
            (
                "check --file",
                self.run(env!("CARGO_BIN_EXE_netzone"), &["check", "--file", file]),
            ),
            (
                "netzone-verify",
                self.run(env!("CARGO_BIN_EXE_netzone-verify"), &[file]),
            ),
            (
                "statechange pre-ready",
                self.run(
                    env!("CARGO_BIN_EXE_netzone-statechange"),
                    &["pre", zone, &zp, "2", "0", ""],
                ),
            ),
            (
                "statechange post-ready",
                self.run(
                    env!("CARGO_BIN_EXE_netzone-statechange"),
                    &["post", zone, &zp, "2", "0", ""],
                ),
            ),
        ]
    }

    /// Asserts that every entry point refuses the zone with `want`, naming the zone.
    fn refused_everywhere(&self, zone: &str, want: &str) {
        for (entry, run) in self.every_entry(zone) {
            assert!(
                !run.stderr.contains("no-dladm"),
                "{entry}: reached dladm:\n{}",
                run.stderr
            );
            // A named zone's messages name it; a file given by path (verify_cfg's temporary
            // copy) is named by its path, as the zone inside may be what is unreadable.
            let names = if entry.contains("--file") || entry.contains("verify") {
                self.zone_file(zone).display().to_string()
            } else {
                format!("zone '{zone}'")
            };
            assert!(
                run.stderr.contains(&names),
                "{entry}: the message names '{names}':\n{}",
                run.stderr
            );
            run.refused(want);
        }
    }
}

fn zone_xml(zone: &str, doctype: &str, body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{doctype}\n<zone name=\"{zone}\" zonepath=\"/zones/{zone}\" ip-type=\"exclusive\">\n{body}\n</zone>\n"
    )
}

const NET0: &str = r#"  <network physical="net0" global-nic="igb0"/>"#;

/// A TCP listener that records whether anyone connected: the "remote" end of an external
/// DTD or entity URL. netzone never fetches, so nobody ever does.
struct Tripwire {
    listener: TcpListener,
}

impl Tripwire {
    fn new() -> Tripwire {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        Tripwire { listener }
    }

    fn url(&self, file: &str) -> String {
        format!("http://{}/{file}", self.listener.local_addr().unwrap())
    }

    fn assert_untouched(&self) {
        match self.listener.accept() {
            Ok((mut s, peer)) => {
                let mut req = String::new();
                let _ = s.set_read_timeout(Some(Duration::from_millis(200)));
                let _ = s.read_to_string(&mut req);
                panic!("netzone fetched a URL: connection from {peer}: {req}");
            }
            Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock),
        }
    }
}

// ---- the baseline: what zonecfg writes is accepted -------------------------------------------

#[test]
fn zonecfg_doctype_is_accepted_everywhere() {
    let r = Root::new();
    r.add_zone("web1", &zone_xml("web1", ZONECFG_DOCTYPE, NET0));
    for (entry, run) in r.every_entry("web1") {
        if entry == "statechange post-ready" {
            // Valid, so it goes on to create the link: dladm is where it stops.
            assert_eq!(run.code, 1, "{entry}: {}", run.stderr);
            assert!(run.stderr.contains("no-dladm"), "{entry}: {}", run.stderr);
        } else if entry == "check" || entry == "netzone-verify" {
            // Valid; the host checks that follow cannot read this host (no dladm), and say so.
            assert_eq!(run.code, 0, "{entry}: {}", run.stderr);
            assert!(
                run.stderr
                    .starts_with("netzone: cannot read the host's links (")
                    && run.stderr.ends_with("): checked the configuration only\n")
                    && run.stderr.lines().count() == 1,
                "{entry}: {}",
                run.stderr
            );
        } else {
            assert_eq!(run.code, 0, "{entry}: {}", run.stderr);
            assert_eq!(run.stderr, "", "{entry}");
        }
    }
}

#[test]
fn every_spelling_of_the_zonecfg_dtd_is_accepted() {
    // libzonecfg names it as a file:// URI; os_dtd.c also accepts the bare path, and a
    // native-root prefix in a branded zone.
    for doctype in [
        r#"<!DOCTYPE zone SYSTEM "/usr/share/lib/xml/dtd/zonecfg.dtd.1">"#,
        r#"<!DOCTYPE zone PUBLIC '-//Sun Microsystems Inc//DTD Zones//EN' 'file:///native/usr/share/lib/xml/dtd/zonecfg.dtd.1'>"#,
        "<!DOCTYPE zone>",
        "",
    ] {
        let r = Root::new();
        r.add_zone("web1", &zone_xml("web1", doctype, NET0));
        let run = r.check("web1");
        assert_eq!(run.code, 0, "{doctype}: {}", run.stderr);
    }
}

#[test]
fn a_doctype_netzone_cannot_read_is_refused() {
    for doctype in [
        "<!DOCTYPE zone FROB \"x\">",
        r#"<!DOCTYPE zone SYSTEM "/usr/share/lib/xml/dtd/zonecfg.dtd.1" "extra">"#,
        r#"<!DOCTYPE zone SYSTEM "file:///usr/share/lib/xml/dtd/../../../../etc/passwd/usr/share/lib/xml/dtd/zonecfg.dtd.1">"#,
    ] {
        let r = Root::new();
        r.add_zone("web1", &zone_xml("web1", doctype, NET0));
        r.check("web1")
            .refused(":2:1: malformed XML: DOCTYPE: external DTD '");
    }
}

// ---- entity expansion ------------------------------------------------------------------------

/// The classic: ten entities, each ten references to the one before, 10^9 "lol"s.
fn billion_laughs() -> String {
    let mut ents = String::from("  <!ENTITY lol0 \"lol\">\n");
    for i in 1..10 {
        let refs = format!("&lol{};", i - 1).repeat(10);
        ents.push_str(&format!("  <!ENTITY lol{i} \"{refs}\">\n"));
    }
    zone_xml(
        "laughs",
        &format!("<!DOCTYPE zone [\n{ents}]>"),
        r#"  <network physical="net0" global-nic="igb0"><net-attr name="mtu" value="&lol9;"/></network>"#,
    )
}

#[test]
fn billion_laughs_is_refused_quickly() {
    let r = Root::new();
    r.add_zone("laughs", &billion_laughs());
    r.refused_everywhere(
        "laughs",
        ":2:1: malformed XML: DOCTYPE with an internal subset (entity declarations) refused",
    );
}

#[test]
fn quadratic_blowup_is_refused_quickly() {
    // One big entity referenced many times: no nesting, still megabytes expanded per KiB.
    let big = "x".repeat(50_000);
    let refs = "&big;".repeat(50_000);
    let r = Root::new();
    r.add_zone(
        "quad",
        &zone_xml(
            "quad",
            &format!("<!DOCTYPE zone [ <!ENTITY big \"{big}\"> ]>"),
            &format!("  <attr name=\"a\" type=\"string\" value=\"{refs}\"/>\n{NET0}"),
        ),
    );
    r.refused_everywhere("quad", "DOCTYPE with an internal subset");
}

#[test]
fn undeclared_entity_references_are_refused_at_the_first() {
    // No declaration at all: 100,000 references to an entity the file never declares.
    let refs = "&lol;".repeat(100_000);
    let r = Root::new();
    r.add_zone(
        "refs",
        &zone_xml(
            "refs",
            ZONECFG_DOCTYPE,
            &format!("  <attr name=\"a\" type=\"string\" value=\"{refs}\"/>\n{NET0}"),
        ),
    );
    r.refused_everywhere(
        "refs",
        "malformed XML: attribute 'value': entity reference '&lol;' refused",
    );
}

// ---- external entities and DTDs ------------------------------------------------------------

#[test]
fn external_entity_to_a_local_file_is_refused_and_not_read() {
    let r = Root::new();
    r.add_zone(
        "xxe",
        &zone_xml(
            "xxe",
            r#"<!DOCTYPE zone [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>"#,
            r#"  <network physical="&xxe;" global-nic="igb0"/>"#,
        ),
    );
    r.refused_everywhere("xxe", "DOCTYPE with an internal subset");
    let run = r.check("xxe");
    assert!(!run.stderr.contains("root:"), "{}", run.stderr);
}

#[test]
fn external_entity_over_http_is_refused_and_not_fetched() {
    let wire = Tripwire::new();
    let r = Root::new();
    r.add_zone(
        "xxe",
        &zone_xml(
            "xxe",
            &format!(
                r#"<!DOCTYPE zone [ <!ENTITY xxe SYSTEM "{}"> ]>"#,
                wire.url("steal")
            ),
            r#"  <network physical="&xxe;" global-nic="igb0"/>"#,
        ),
    );
    r.refused_everywhere("xxe", "DOCTYPE with an internal subset");
    wire.assert_untouched();
}

#[test]
fn parameter_entity_to_an_external_dtd_is_refused() {
    let wire = Tripwire::new();
    let r = Root::new();
    r.add_zone(
        "pe",
        &zone_xml(
            "pe",
            &format!(
                r#"<!DOCTYPE zone [ <!ENTITY % ext SYSTEM "{}"> %ext; ]>"#,
                wire.url("evil.dtd")
            ),
            NET0,
        ),
    );
    r.refused_everywhere("pe", "DOCTYPE with an internal subset");
    wire.assert_untouched();
}

#[test]
fn external_dtd_over_http_is_refused_and_not_fetched() {
    let wire = Tripwire::new();
    let r = Root::new();
    let url = wire.url("zonecfg.dtd");
    r.add_zone(
        "extdtd",
        &zone_xml(
            "extdtd",
            &format!(r#"<!DOCTYPE zone SYSTEM "{url}">"#),
            NET0,
        ),
    );
    r.refused_everywhere(
        "extdtd",
        &format!(":2:1: malformed XML: DOCTYPE: external DTD '{url}' refused: netzone never fetches a DTD (zonecfg names file:///usr/share/lib/xml/dtd/zonecfg.dtd.1)"),
    );
    wire.assert_untouched();
}

#[test]
fn external_dtd_that_is_a_local_file_is_refused() {
    for doctype in [
        r#"<!DOCTYPE zone SYSTEM "file:///etc/passwd">"#,
        r#"<!DOCTYPE zone PUBLIC "-//Sun Microsystems Inc//DTD Zones//EN" "file:///etc/passwd">"#,
        r#"<!DOCTYPE zone SYSTEM '/etc/shadow'>"#,
    ] {
        let r = Root::new();
        r.add_zone("extdtd", &zone_xml("extdtd", doctype, NET0));
        let run = r.check("extdtd");
        run.refused("DOCTYPE: external DTD '");
        assert!(run.stderr.contains("/etc/"), "{doctype}: {}", run.stderr);
        assert!(!run.stderr.contains("root:"), "{}", run.stderr);
    }
}

#[test]
fn external_dtd_that_would_block_is_never_opened() {
    // A FIFO with no writer blocks whoever opens it for reading: a parser that opened the DTD
    // would hang here instead of answering.
    let r = Root::new();
    let fifo = r.path().join("dtd.fifo");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    r.add_zone(
        "fifo",
        &zone_xml(
            "fifo",
            &format!(r#"<!DOCTYPE zone SYSTEM "file://{}">"#, fifo.display()),
            NET0,
        ),
    );
    r.refused_everywhere("fifo", "DOCTYPE: external DTD 'file://");
}

// ---- size ------------------------------------------------------------------------------------

#[test]
fn hundred_thousand_networks_are_refused_quickly() {
    let nets = (0..100_000)
        .map(|i| format!("  <network physical=\"n{i}\"/>\n"))
        .collect::<String>();
    // Under the 4 MiB cap, so the network count itself is what refuses it.
    let xml = zone_xml("many", ZONECFG_DOCTYPE, &nets);
    assert!(xml.len() < 4 << 20, "{}", xml.len());
    let r = Root::new();
    r.add_zone("many", &xml);
    // Line 3 is <zone>, so the 257th network is on line 260.
    r.refused_everywhere(
        "many",
        ":260:3: malformed XML: more than 256 <network> resources",
    );
}

#[test]
fn hundred_thousand_networks_over_the_size_cap_are_refused_unread() {
    let nets = (0..100_000)
        .map(|i| {
            format!("  <network physical=\"net{i}\" global-nic=\"igb0\" mac-addr=\"2:8:20:0:0:1\" vlan-id=\"{}\"/>\n", i % 4094 + 1)
        })
        .collect::<String>();
    let xml = zone_xml("huge", ZONECFG_DOCTYPE, &nets);
    assert!(xml.len() > 4 << 20, "{}", xml.len());
    let r = Root::new();
    r.add_zone("huge", &xml);
    r.refused_everywhere(
        "huge",
        &format!(
            "huge.xml: file is larger than 4194304 bytes ({} bytes); refusing to parse it",
            xml.len()
        ),
    );
}

#[test]
fn hundred_thousand_attributes_on_one_element_are_refused_quickly() {
    // The duplicate-attribute check compares each attribute with every earlier one; unbounded,
    // 100,000 attributes cost minutes (found by hand, fixed with a cap in the scan).
    let attrs = (0..100_000)
        .map(|i| format!(" a{i}=\"x\""))
        .collect::<String>();
    let r = Root::new();
    r.add_zone(
        "attrs",
        &zone_xml(
            "attrs",
            ZONECFG_DOCTYPE,
            &format!("  <network physical=\"net0\" global-nic=\"igb0\"{attrs}/>"),
        ),
    );
    r.refused_everywhere(
        "attrs",
        ":4:3: malformed XML: more than 64 attributes on <network>",
    );
}

#[test]
fn a_megabyte_attribute_value_is_cut_in_the_message() {
    let long = format!("n{}0", "a".repeat(1 << 20));
    let r = Root::new();
    r.add_zone(
        "long",
        &zone_xml(
            "long",
            ZONECFG_DOCTYPE,
            &format!("  <network physical=\"{long}\" global-nic=\"igb0\"/>"),
        ),
    );
    let run = r.check("long");
    run.refused("link name is longer than 31 characters");
    assert!(
        run.stderr.len() < 1024,
        "{} bytes of message",
        run.stderr.len()
    );
}

// ---- parsers of what dladm, zoneadm and zoneadmd hand netzone --------------------------------

#[path = "fuzz_regressions/props.rs"]
mod props;

use proptest::prelude::*;

/// Text that looks like parsable output: fields of link-ish characters, escapes, separators and
/// line breaks, so that the parsers get past their first check as often as not.
fn parsable_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            "[a-z][a-z0-9_.]{0,8}[0-9]",
            "[0-9a-f]{1,2}(:[0-9a-f]{1,2}){5}",
            "[0-9]{1,5}",
            Just("--".to_string()),
            Just("global".to_string()),
            Just("\\".to_string()),
            Just("\\:".to_string()),
            Just(":".to_string()),
            Just("\n".to_string()),
            Just("\r\n".to_string()),
            any::<char>().prop_map(String::from),
        ],
        0..40,
    )
    .prop_map(|v| v.concat())
}

/// `zoneadm list -cip`-like lines with odd zonepaths, states and ids.
fn zoneadm_text() -> impl Strategy<Value = String> {
    let line = (
        prop_oneof![Just("-".to_string()), "[0-9+]{1,4}"],
        "[a-z][a-z0-9_.-]{0,10}",
        prop_oneof![
            Just("configured".to_string()),
            Just("installed".to_string()),
            Just("ready".to_string()),
            Just("running".to_string()),
            Just("down".to_string()),
            Just("shutting_down".to_string()),
            Just("incomplete".to_string()),
            Just("mounted".to_string()),
            "[a-z_]{0,8}",
        ],
        "(/|\\\\|\\\\:|:|[a-z ]){0,12}",
        "[0-9a-f-]{0,8}",
        "[a-z-]{0,8}",
        prop_oneof![
            Just("excl".to_string()),
            Just("shared".to_string()),
            "[a-z]{0,6}"
        ],
    )
        .prop_map(|(a, b, c, d, e, f, g)| format!("{a}:{b}:{c}:{d}:{e}:{f}:{g}"));
    prop::collection::vec(prop_oneof![line, "\\PC{0,10}"], 0..6).prop_map(|v| v.join("\n"))
}

/// Hook argument lists: options, `--`, phases, zone names, numbers, empties, NULs between.
fn hook_args_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            Just("pre".to_string()),
            Just("post".to_string()),
            Just("--".to_string()),
            Just("--chain".to_string()),
            Just("--chain-pre=/x".to_string()),
            Just("--chain-post".to_string()),
            Just(String::new()),
            "[a-z][a-z0-9_.-]{0,10}",
            "[0-9+-]{1,11}",
            "/[a-z/]{0,10}",
            "\\PC{0,6}",
        ],
        0..9,
    )
    .prop_map(|v| v.join("\0").into_bytes())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn dladm_output_parsers_keep_their_properties(s in parsable_text()) {
        props::dladm_output(s.as_bytes());
    }

    #[test]
    fn dladm_output_parsers_survive_any_bytes(b in prop::collection::vec(any::<u8>(), 0..256)) {
        props::dladm_output(&b);
    }

    #[test]
    fn zoneadm_list_parser_keeps_its_properties(s in zoneadm_text()) {
        props::zoneadm_list(s.as_bytes());
    }

    #[test]
    fn zoneadm_list_parser_survives_any_bytes(b in prop::collection::vec(any::<u8>(), 0..256)) {
        props::zoneadm_list(&b);
    }

    #[test]
    fn statechange_args_keep_their_properties(b in hook_args_bytes()) {
        props::statechange_args(&b);
    }

    #[test]
    fn statechange_args_survive_any_bytes(b in prop::collection::vec(any::<u8>(), 0..128)) {
        props::statechange_args(&b);
    }
}

/// The fuzz targets whose crashes are kept, each with its property function.
type Target = (&'static str, fn(&[u8]));
const TARGETS: &[Target] = &[
    ("dladm_output", props::dladm_output),
    ("zoneadm_list", props::zoneadm_list),
    ("statechange_args", props::statechange_args),
];

/// Every input a fuzzer ever crashed on (`tests/fuzz_regressions/<target>/<file>`, copied from
/// `fuzz/artifacts/`) still runs clean through the same properties, and so do the fuzzers'
/// seeds (recorded dladm, zoneadm and zoneadmd text, `fuzz/seeds/<target>/`).
#[test]
fn fuzz_regressions_stay_fixed() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = manifest.join("tests/fuzz_regressions");
    let mut replayed = 0;
    for (target, check) in TARGETS {
        let kept = std::fs::read_dir(dir.join(target)).into_iter().flatten();
        let seeds = std::fs::read_dir(manifest.join("fuzz/seeds").join(target))
            .into_iter()
            .flatten();
        for e in kept.chain(seeds) {
            let path = e.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            if std::panic::catch_unwind(|| check(&data)).is_err() {
                panic!("{target}: regression {} fails again", path.display());
            }
            replayed += 1;
        }
    }
    assert!(replayed >= 10, "the seeds are there: {replayed}");
    // zonecfg_parse crashes are replayed through the real binary.
    if let Ok(entries) = std::fs::read_dir(dir.join("zonecfg_parse")) {
        for e in entries {
            let path = e.unwrap().path();
            let r = Root::new();
            std::fs::copy(&path, r.zone_file("fz")).unwrap();
            let run = r.check("fz");
            assert!(
                run.code == 0 || run.code == 1,
                "{}: {}",
                path.display(),
                run.stderr
            );
            assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
            replayed += 1;
        }
    }
    eprintln!("replayed {replayed} fuzz regressions");
}
