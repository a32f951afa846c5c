//! The docs' example outputs are the real output of the simulated host: each example block of
//! the man pages (and the error messages README quotes) is read from the page, its commands are
//! run on a simulated host set up as the example describes, and the page's text must equal what
//! they print. An example that drifts from the behaviour fails here.
//!
//! A block is a transcript: a line `# COMMAND` is run (`netzone`, `zoneadm`, `zonecfg`; `svcadm
//! enable -s svc:/network/datalink-management` starts the sim's dlmgmtd; `echo $?` prints the
//! last exit status; `| grep WORD` keeps the lines holding WORD; `svccfg` and `cp` have no
//! counterpart on the simulated host and must show no output), and every other line is output.
//! A block without commands is the output of the command the test names for it. Only what is
//! truly random is normalised: the simulated host's root directory, which stands for `/`, is
//! removed from output (and an absolute path given to `netzone` is taken under it). MACs are
//! fixed in the examples' configurations, so none are drawn. Trailing blanks are dropped (a man
//! page cannot carry them).

mod common;

use std::path::Path;

use common::{NetSpec, Sim};

const NETZONE_8: &str = "man/netzone.8";
const STATECHANGE_8: &str = "man/netzone-statechange.8";
const VERIFY_8: &str = "man/netzone-verify.8";

fn page(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).unwrap()
}

/// An mdoc line as it prints: `\e` is a backslash, `\&` nothing.
fn unescape(l: &str) -> String {
    l.replace("\\e", "\\").replace("\\&", "")
}

/// The lines of the first `.Bd -literal` block after the first line of `name` holding `anchor`.
fn block_after(name: &str, anchor: &str) -> Vec<String> {
    let text = page(name);
    let at = text
        .find(anchor)
        .unwrap_or_else(|| panic!("{name}: no {anchor:?}"));
    let rest = &text[at..];
    let start = rest
        .find("\n.Bd -literal")
        .unwrap_or_else(|| panic!("{name}: no literal block after {anchor:?}"));
    let body = &rest[start + 1..];
    let body = &body[body.find('\n').unwrap() + 1..];
    let end = body.find("\n.Ed").expect("block ends");
    body[..end].lines().map(unescape).collect()
}

/// Splits a command line into words: spaces separate, `'...'` quotes.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

/// A simulated host running an example's commands.
struct Host {
    sim: Sim,
    last: i32,
}

impl Host {
    fn new(sim: Sim) -> Self {
        Host { sim, last: 0 }
    }

    fn root(&self) -> String {
        self.sim.root().display().to_string()
    }

    /// stdout then stderr, the root removed, one string per line.
    fn lines(&self, r: &common::Run) -> Vec<String> {
        let root = self.root();
        r.stdout()
            .lines()
            .chain(r.stderr().lines())
            .map(|l| l.replace(&root, "").trim_end().to_string())
            .collect()
    }

    /// Runs one command line of a transcript; returns its output lines.
    fn run(&mut self, line: &str) -> Vec<String> {
        let (cmd, filter) = match line.split_once(" | grep ") {
            Some((c, w)) => (c, Some(w.trim().to_string())),
            None => (line, None),
        };
        let argv = words(cmd);
        let args: Vec<&str> = argv[1..].iter().map(String::as_str).collect();
        let out = match argv[0].as_str() {
            "netzone" => {
                let root = self.root();
                let rooted: Vec<String> = args
                    .iter()
                    .map(|a| {
                        if a.starts_with('/') {
                            format!("{root}{a}")
                        } else {
                            a.to_string()
                        }
                    })
                    .collect();
                let rooted: Vec<&str> = rooted.iter().map(String::as_str).collect();
                let r = self.sim.netzone(&rooted);
                self.last = r.code().unwrap_or(-1);
                self.lines(&r)
            }
            "zoneadm" => {
                let r = self.sim.zoneadm(&args);
                self.last = r.code().unwrap_or(-1);
                self.lines(&r)
            }
            "zonecfg" => {
                let r = self.sim.run(&self.sim.bin.join("sim-zonecfg"), &args);
                self.last = r.code().unwrap_or(-1);
                self.lines(&r)
            }
            "svcadm" => {
                assert_eq!(args, ["enable", "-s", "svc:/network/datalink-management"]);
                self.sim.illumos_sim(&["dlmgmtd", "start"]).ok();
                self.last = 0;
                Vec::new()
            }
            "echo" if args == ["$?"] => vec![self.last.to_string()],
            // Not on the simulated host; the docs show no output for them.
            "svccfg" | "cp" => Vec::new(),
            other => panic!("the doc test cannot run {other:?}: {line}"),
        };
        match filter {
            Some(w) => out.into_iter().filter(|l| l.contains(&w)).collect(),
            None => out,
        }
    }

    /// Runs every `# ` line of `block`; the transcript it prints must be `block`.
    #[track_caller]
    fn transcript(&mut self, what: &str, block: &[String]) {
        assert!(
            block.iter().any(|l| l.starts_with("# ")),
            "{what}: no command in {block:#?}"
        );
        let mut got = Vec::new();
        for l in block {
            if let Some(cmd) = l.strip_prefix("# ") {
                got.push(l.clone());
                got.extend(self.run(cmd));
            }
        }
        assert_eq!(
            got, block,
            "{what}: the example is not what the simulated host prints (left: real)"
        );
    }

    /// `block` (no commands in it) is what `cmd` prints.
    #[track_caller]
    fn output_of(&mut self, what: &str, cmd: &str, block: &[String]) -> Vec<String> {
        let got = self.run(cmd);
        assert_eq!(got, block, "{what}: `{cmd}` prints otherwise (left: real)");
        got
    }
}

fn net(physical: &str, nic: &str, mac: &str) -> NetSpec {
    let mut n = NetSpec::new(physical, nic);
    n.mac = Some(mac.into());
    n
}

/// `check`'s example: a VLAN id out of range. Returns the lines printed.
fn check_example() -> Vec<String> {
    let mut h = Host::new(Sim::new("joyent", &["e1000g0"]));
    let mut n = NetSpec::new("net0", "e1000g0");
    n.vlan = Some(4095);
    h.sim.add_zone("web1", &[n]);
    let block = block_after(NETZONE_8, "resource and the attribute, for example");
    h.output_of("netzone.8 check", "netzone check web1", &block)
}

#[test]
fn netzone_8_check_message() {
    check_example();
}

/// `check --live`'s example: web1 booted (joyent) with net0 over e1000g0 and net1 over
/// e1000g1; then net0's MTU raised inside the zone, net1 moved to e1000g0 and net2 added in
/// the configuration.
fn live_example() -> Vec<String> {
    let mut h = Host::new(Sim::new("joyent", &["e1000g0", "e1000g1"]));
    h.sim.add_zone(
        "web1",
        &[
            net("net0", "e1000g0", "2:8:20:1a:2b:3c"),
            net("net1", "e1000g1", "2:8:20:1a:2b:3d"),
        ],
    );
    h.sim.zoneadm(&["-z", "web1", "boot"]).ok();
    h.sim
        .dladm(&["set-linkprop", "-t", "-p", "mtu=9000", "e1000g0"])
        .ok();
    let r = h
        .sim
        .command(
            &h.sim.bin.join("sim-dladm"),
            &["set-linkprop", "-t", "-p", "mtu=9000", "net0"],
        )
        .env("ILLUMOS_SIM_ZONE", "web1")
        .output()
        .unwrap();
    assert!(r.status.success());
    let xml = h.sim.root().join("etc/zones/web1.xml");
    let text = std::fs::read_to_string(&xml).unwrap().replace(
        "physical=\"net1\" global-nic=\"e1000g1\"",
        "physical=\"net1\" global-nic=\"e1000g0\"",
    );
    let text = text.replace(
        "</zone>",
        "  <network physical=\"net2\" global-nic=\"e1000g0\"/>\n</zone>",
    );
    std::fs::write(&xml, text).unwrap();
    let block = block_after(
        NETZONE_8,
        "Each difference is reported on a line of its own",
    );
    h.output_of(
        "netzone.8 check --live",
        "netzone check --live web1",
        &block,
    )
}

#[test]
fn netzone_8_check_live_message() {
    live_example();
}

/// JSON OUTPUT's example: `up --json` while another run holds the zone's lock.
#[test]
fn netzone_8_json_error() {
    let mut sim = Sim::new("joyent", &["e1000g0"]);
    sim.add_zone("web1", &[net("net0", "e1000g0", "2:8:20:1a:2b:3c")]);
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    sim.env.push(("NETZONE_LOCK_TIMEOUT".into(), "1".into()));
    let mut h = Host::new(sim);
    let state = h.sim.root().join("etc/svc/volatile/netzone");
    let zone = netzone::zonename::ZoneName::new("web1").unwrap();
    let _held = netzone::journal::lock_zone(&state, &zone).unwrap();
    let block = block_after(
        NETZONE_8,
        "the object printed on standard output is an error",
    );
    let got = h.run("netzone up --json web1");
    // stdout's document, then stderr's message.
    assert_eq!(got[..1], block[..], "netzone.8 JSON OUTPUT (left: real)");
    assert_eq!(h.last, 1);
}

/// Examples 1, 3 and 4: three zones up on a joyent host.
#[test]
fn netzone_8_examples_1_3_4() {
    let h = Sim::new("joyent", &["e1000g0", "ixgbe0"]);
    h.add_zone("web1", &[net("net0", "e1000g0", "2:8:20:1a:2b:3c")]);
    h.add_zone("web2", &[net("net0", "e1000g0", "2:8:20:4d:5e:6f")]);
    let mut db = net("net1", "ixgbe0", "2:8:20:0:0:1");
    db.vlan = Some(42);
    h.add_zone("db1", &[db]);
    for z in ["web1", "web2", "db1"] {
        h.zoneadm(&["-z", z, "boot"]).ok();
    }
    let mut h = Host::new(h);
    for (n, anchor) in [
        (1, "Example 1: Seeing where every link is"),
        (3, "Example 3: Monitoring for leaked links"),
        (4, "Example 4: Reading one field in a script"),
    ] {
        let block = block_after(NETZONE_8, anchor);
        h.transcript(&format!("netzone.8 Example {n}"), &block);
    }
}

/// Example 2: web1 (joyent, brand joyent-minimal) with a netzone link and the operator's
/// `data0`, left `down` by a halt while dlmgmtd was stopped.
#[test]
fn netzone_8_example_2_recover() {
    let sim = Sim::new("joyent", &["e1000g0"]);
    sim.install_brand("joyent-minimal", None);
    sim.dladm(&[
        "create-vnic",
        "-t",
        "-l",
        "e1000g0",
        "-m",
        "2:8:20:0:0:99",
        "data0",
    ])
    .ok();
    let data0 = NetSpec::operator("data0");
    sim.add_zone_with_brand(
        "web1",
        "joyent-minimal",
        &[net("net0", "e1000g0", "2:8:20:1a:2b:3c"), data0],
    );
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    sim.illumos_sim(&["dlmgmtd", "stop"]).ok();
    sim.zoneadm(&["-z", "web1", "halt"]).fails();
    assert_eq!(sim.zone_state("web1"), "down");
    let mut h = Host::new(sim);
    let block = block_after(
        NETZONE_8,
        "Example 2: Recovering a zone stuck in the down state",
    );
    h.transcript("netzone.8 Example 2", &block);
    assert_eq!(h.sim.zone_state("web1"), "installed");
}

/// An OmniOS-like base brand (its own hooks and verify_cfg) under ROOT/usr/lib/brand/NAME.
fn base_brand(sim: &Sim, name: &str) {
    let dir = sim.root().join("usr/lib/brand").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let xml = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE brand PUBLIC \"-//Sun Microsystems Inc//DTD Brands//EN\" \"file:///usr/share/lib/xml/dtd/brand.dtd.1\">\n<brand name=\"{name}\">\n\t<modname></modname>\n\t<initname>/sbin/init</initname>\n\t<verify_cfg>/usr/lib/brand/{name}/verifycfg</verify_cfg>\n\t<prestatechange>/usr/lib/brand/{name}/prestate %z %R</prestatechange>\n\t<poststatechange>/usr/lib/brand/{name}/poststate %z %R</poststatechange>\n</brand>\n"
    );
    std::fs::write(dir.join("config.xml"), xml).unwrap();
    common::write_platform(&dir);
}

/// Examples 5 and 6: deriving a brand (OmniOS) and the SmartOS overlay.
#[test]
fn netzone_8_examples_5_6_brands() {
    let sim = Sim::new("gate", &["e1000g0"]);
    base_brand(&sim, "sparse");
    let mut h = Host::new(sim);
    let block = block_after(NETZONE_8, "Example 5: Deriving a brand on OmniOS");
    // zonecfg's `set brand` is not modelled by the simulated host: run the rest.
    let runnable: Vec<String> = block
        .iter()
        .filter(|l| !l.starts_with("# zonecfg"))
        .cloned()
        .collect();
    assert_eq!(runnable.len() + 1, block.len(), "{block:#?}");
    h.transcript("netzone.8 Example 5", &runnable);

    let sim = Sim::new("joyent", &["e1000g0"]);
    base_brand(&sim, "joyent");
    let mut h = Host::new(sim);
    let block = block_after(
        NETZONE_8,
        "Example 6: Overlaying the joyent brand on SmartOS",
    );
    h.transcript("netzone.8 Example 6", &block);
}

/// netzone-statechange.8: gate's boot warning, and the hook calls of a boot from installed.
#[test]
fn netzone_statechange_8_examples() {
    let sim = Sim::new("gate", &["e1000g0"]);
    sim.add_zone("web1", &[net("net0", "e1000g0", "2:8:20:1a:2b:3c")]);
    let r = sim.zoneadm(&["-z", "web1", "boot"]).ok();
    let warning = block_after(STATECHANGE_8, "flavour every boot prints");
    let got: Vec<String> = r.stderr().lines().map(String::from).collect();
    assert_eq!(got, warning, "netzone-statechange.8 warning (left: real)");

    // A brand whose hooks record how zoneadmd calls them.
    let sim = Sim::new("joyent", &["e1000g0"]);
    let dir = sim.root().join("usr/lib/brand/rec");
    std::fs::create_dir_all(&dir).unwrap();
    let hook = dir.join("netzone-statechange");
    let log = sim.root().join("calls");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\necho \"netzone-statechange $*\" >> '{}'\n",
            log.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(
        dir.join("config.xml"),
        format!(
            "<?xml version=\"1.0\"?>\n<brand name=\"rec\">\n\t<modname></modname>\n\t<initname>/sbin/init</initname>\n\t<prestatechange>{h} pre %z %R</prestatechange>\n\t<poststatechange>{h} post %z %R</poststatechange>\n</brand>\n",
            h = hook.display()
        ),
    )
    .unwrap();
    common::write_platform(&dir);
    sim.add_zone_with_brand("web1", "rec", &[]);
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    let calls: Vec<String> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let block = block_after(
        STATECHANGE_8,
        "Example 3: What zoneadmd runs when web1 boots from installed",
    );
    assert_eq!(calls, block, "netzone-statechange.8 Example 3 (left: real)");
}

/// netzone-verify.8: zonecfg refuses a commit through the brand's verify_cfg.
fn verify_example() -> Vec<String> {
    let sim = Sim::new("joyent", &["e1000g0"]);
    let dir = sim.root().join("usr/lib/brand/nzverify");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("config.xml"),
        format!(
            "<?xml version=\"1.0\"?>\n<brand name=\"nzverify\">\n\t<modname></modname>\n\t<initname>/sbin/init</initname>\n\t<verify_cfg>{}</verify_cfg>\n</brand>\n",
            env!("CARGO_BIN_EXE_netzone-verify")
        ),
    )
    .unwrap();
    common::write_platform(&dir);
    sim.add_zone_with_brand("web1", "nzverify", &[NetSpec::new("net0", "e1000g0")]);
    let mut h = Host::new(sim);
    let block = block_after(VERIFY_8, "Example 2: A refused commit");
    h.transcript("netzone-verify.8 Example", &block);
    assert!(!h.sim.zone_xml("web1").contains("4095"), "nothing saved");
    block
}

#[test]
fn netzone_verify_8_example() {
    verify_example();
}

/// Every error message README quotes in an inline code span is one the examples above print.
#[test]
fn readme_messages_are_real() {
    let mut printed = check_example();
    printed.extend(live_example());
    printed.extend(verify_example());
    let readme = page("README.md");
    let spans: Vec<String> = readme
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|s| s.starts_with("netzone: zone '"))
        .collect();
    assert!(spans.len() >= 2, "{spans:?}");
    for s in &spans {
        assert!(
            printed.contains(s),
            "README quotes {s:?}, which no example prints: {printed:#?}"
        );
    }
}

const NETZONE_7: &str = "man/netzone.7";

/// netzone.7: the configuration file of Example 2 is valid, boots on a host with its two NICs
/// (ixgbe0 at MTU 9000), and its links are as configured; the message form of the DESCRIPTION
/// is the form `check` prints.
#[test]
fn netzone_7_examples() {
    let sim = Sim::new("gate", &["e1000g0", "ixgbe0"]);
    sim.dladm(&["set-linkprop", "-t", "-p", "mtu=9000", "ixgbe0"])
        .ok();
    sim.install_brand("sparse", None);
    let xml = block_after(
        NETZONE_7,
        "Example 2: The same resources in the configuration file",
    );
    // The zone's file and index line, as zonecfg writes them.
    sim.add_zone_with_brand("db1", "sparse", &[]);
    std::fs::write(
        sim.root().join("etc/zones/db1.xml"),
        format!("<?xml version=\"1.0\"?>\n{}\n", xml.join("\n")),
    )
    .unwrap();
    let r = sim.netzone(&["check", "db1"]).ok();
    assert_eq!((r.stdout(), r.stderr()), (String::new(), String::new()));
    sim.zoneadm(&["-z", "db1", "boot"]).ok();
    sim.netzone(&["check", "--live", "db1"]).ok();
    let rows = sim
        .netzone(&["show", "-p", "-o", "link,over,macaddress,vid", "db1"])
        .ok()
        .stdout();
    assert!(
        rows.contains("net1:ixgbe0:2\\:8\\:20\\:ab\\:cd\\:ef:42\n"),
        "{rows}"
    );
    assert!(rows.contains("net0:e1000g0:"), "{rows}");

    let form = block_after(NETZONE_7, "Each problem is reported as");
    assert_eq!(
        form,
        ["zone 'ZONE': net 'PHYSICAL': ATTRIBUTE 'VALUE': REASON"]
    );
    let line = &check_example()[0];
    let parts: Vec<&str> = line
        .strip_prefix("netzone: ")
        .unwrap()
        .splitn(4, ": ")
        .collect();
    assert!(
        parts[0].starts_with("zone '")
            && parts[1].starts_with("net '")
            && parts[2].ends_with('\'')
            && !parts[3].is_empty(),
        "{line}"
    );
}

/// Example 7: `check --json` of web1, whose VLAN id is out of range (the same zone as
/// `check`'s message above).
#[test]
fn netzone_8_example_7_check_json() {
    let mut h = Host::new(Sim::new("joyent", &["e1000g0"]));
    let mut n = NetSpec::new("net0", "e1000g0");
    n.vlan = Some(4095);
    h.sim.add_zone("web1", &[n]);
    let block = block_after(NETZONE_8, "Example 7: Checking a zone from a script");
    h.transcript("netzone.8 Example 7", &block);
}

/// Example 8: `gc --dry-run --json` after web3's post-halt hook died before it cleared the
/// journal: the record of a link the halt removed.
#[test]
fn netzone_8_example_8_gc_json() {
    let sim = Sim::new("joyent", &["e1000g0"]);
    sim.add_zone("web3", &[net("net0", "e1000g0", "2:8:20:1a:2b:3c")]);
    sim.zoneadm(&["-z", "web3", "boot"]).ok();
    sim.fault("show-vnic", "before", "crash", None);
    sim.zoneadm(&["-z", "web3", "halt"]).fails();
    assert_eq!(sim.zone_state("web3"), "installed");
    let mut h = Host::new(sim);
    let block = block_after(NETZONE_8, "Example 8: Collecting leftovers from a script");
    h.transcript("netzone.8 Example 8", &block);
    assert!(
        h.sim.journal("web3").is_some(),
        "the dry run changed nothing"
    );
}
