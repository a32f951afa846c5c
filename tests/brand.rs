//! `netzone brand install|config|smf` end to end: a base brand with its own logging hooks is
//! derived with `brand install`, a zone of the derived brand boots on the simulated host with
//! the VNICs netzone made and the base's hooks run, and halt leaves nothing; the SmartOS overlay
//! (`brand smf`) passes its structure and shell checks and, run against the simulated host's
//! root with stand-in mount/umount programs, overlays and restores the brand.

mod common;
#[path = "common/smf_dtd.rs"]
mod smf_dtd;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{NetSpec, Sim};

/// The directory holding netzone's binaries (`--bindir` of the wrapped hooks).
fn bindir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_netzone"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn log_path(sim: &Sim) -> PathBuf {
    sim.root().join("var/log/base-hooks.log")
}

fn base_log(sim: &Sim) -> Vec<String> {
    std::fs::read_to_string(log_path(sim))
        .unwrap_or_default()
        .lines()
        .map(String::from)
        .collect()
}

/// A shell script that appends its name and arguments to the base-hook log and exits with
/// `status`.
fn logging_hook(sim: &Sim, path: &Path, status: u8) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let name = path.file_name().unwrap().to_string_lossy();
    std::fs::write(
        path,
        format!(
            "#!/bin/sh\necho \"{name} $*\" >> '{}'\nexit {status}\n",
            log_path(sim).display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Writes brand `name` whose hooks are the three given lines (with `@B@` standing for the
/// brand's directory), plus a platform.xml.
fn base_brand(sim: &Sim, name: &str, pre: &str, post: &str, verify: &str) -> PathBuf {
    let dir = sim.root().join("usr/lib/brand").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::create_dir_all(sim.root().join("var/log")).unwrap();
    let d = dir.display().to_string();
    let xml = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE brand PUBLIC \"-//Sun Microsystems Inc//DTD Brands//EN\" \"file:///usr/share/lib/xml/dtd/brand.dtd.1\">\n<brand name=\"{name}\">\n\t<modname></modname>\n\t<initname>/sbin/init</initname>\n\t<login_cmd>/usr/bin/login -z %Z %u</login_cmd>\n\t<forcedlogin_cmd>/usr/bin/login -z %Z -f %u</forcedlogin_cmd>\n\t<user_cmd>/usr/bin/getent passwd %u</user_cmd>\n\t<install>/bin/true</install>\n\t<sysboot>{d}/prestate %z %R 99 0</sysboot>\n\t<verify_cfg>{v}</verify_cfg>\n\t<prestatechange>{p}</prestatechange>\n\t<poststatechange>{q}</poststatechange>\n\t<privilege set=\"default\" name=\"sys_mount\" />\n</brand>\n",
        v = verify.replace("@B@", &d),
        p = pre.replace("@B@", &d),
        q = post.replace("@B@", &d),
    );
    std::fs::write(dir.join("config.xml"), xml).unwrap();
    std::fs::write(
        dir.join("platform.xml"),
        "<?xml version=\"1.0\"?>\n<platform name=\"base\" allow-exclusive-ip=\"true\">\n</platform>\n",
    )
    .unwrap();
    dir
}

/// An OmniOS-style base (`prestate %z %R`, `poststate %z %R`, a verify program) with logging
/// hooks.
fn omnios_base(sim: &Sim, name: &str) -> PathBuf {
    let dir = base_brand(
        sim,
        name,
        "@B@/prestate %z %R",
        "@B@/poststate %z %R",
        "@B@/verify",
    );
    for h in ["prestate", "poststate", "verify"] {
        logging_hook(sim, &dir.join(h), 0);
    }
    dir
}

fn install(sim: &Sim, base: &str, name: &str) -> common::Run {
    let bin = bindir().display().to_string();
    sim.netzone(&[
        "brand", "install", "--base", base, "--name", name, "--bindir", &bin,
    ])
}

fn derived_boot_and_halt(flavour: &str) {
    let sim = Sim::new(flavour, &["e1000g0"]);
    omnios_base(&sim, "logbase");
    let r = install(&sim, "logbase", "logbase-nz").ok();
    assert!(r.stdout().contains("wrote"), "{}", r.stdout());
    let mut n1 = NetSpec::new("net1", "e1000g0");
    n1.vlan = Some(7);
    sim.add_zone_with_brand("web1", "logbase-nz", &[NetSpec::new("net0", "e1000g0"), n1]);

    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    assert_eq!(sim.zone_state("web1"), "running");
    // netzone made the zone's VNICs, and its journal proves it.
    let mut mine: Vec<_> = sim
        .vnics()
        .into_iter()
        .filter(|l| l.zone == "web1")
        .collect();
    mine.sort_by(|a, b| a.name.cmp(&b.name));
    let names: Vec<&str> = mine.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["net0", "net1"], "{mine:?}");
    assert_eq!(mine[1].vid, 7);
    let j = sim.journal("web1").expect("netzone's journal");
    assert_eq!(j["links"].as_array().unwrap().len(), 2, "{j}");
    // The base's hooks ran, each call with zoneadmd's arguments, before netzone's. netzone's
    // MAC write-back (`zonecfg ... commit`) ran the brand's verify_cfg, the base's chained.
    let (verify, hooks): (Vec<String>, Vec<String>) = base_log(&sim)
        .into_iter()
        .partition(|l| l.starts_with("verify "));
    assert_eq!(verify.len(), 1, "{verify:?}");
    assert!(verify[0].contains("zonecfg_verify"), "{verify:?}");
    assert_eq!(
        hooks,
        [
            "prestate web1 /zones/web1 2 0",
            "poststate web1 /zones/web1 2 0",
            "prestate web1 /zones/web1 2 1",
            "poststate web1 /zones/web1 2 1",
        ]
    );

    sim.zoneadm(&["-z", "web1", "halt"]).ok();
    assert_eq!(sim.zone_state("web1"), "installed");
    assert_eq!(sim.vnics(), vec![], "halt leaves no link");
    assert!(sim.journal("web1").is_none(), "journal removed");
    let log = base_log(&sim);
    assert_eq!(
        &log[5..],
        [
            "prestate web1 /zones/web1 4 4",
            "poststate web1 /zones/web1 4 4"
        ]
    );
}

#[test]
fn gate_derived_brand_boots_with_netzone_and_the_base_hooks() {
    derived_boot_and_halt("gate");
}

#[test]
fn joyent_derived_brand_boots_with_netzone_and_the_base_hooks() {
    derived_boot_and_halt("joyent");
}

/// `brand install --persistent` (OmniOS): the derived brand's zones get persistent links,
/// which a clean halt removes with their persistent configuration.
#[test]
fn gate_derived_brand_with_persistent_gives_persistent_links() {
    let sim = Sim::new("gate", &["e1000g0"]);
    omnios_base(&sim, "logbase");
    let bin = bindir().display().to_string();
    sim.netzone(&[
        "brand",
        "install",
        "--base",
        "logbase",
        "--name",
        "logbase-nz",
        "--bindir",
        &bin,
        "--persistent",
    ])
    .ok();
    let cfg =
        std::fs::read_to_string(sim.root().join("usr/lib/brand/logbase-nz/config.xml")).unwrap();
    assert_eq!(
        cfg.matches("netzone-statechange --persistent").count(),
        2,
        "{cfg}"
    );
    sim.add_zone_with_brand("web1", "logbase-nz", &[NetSpec::new("net0", "e1000g0")]);
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    let st = sim.state();
    let net0 = st["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "net0")
        .unwrap()
        .clone();
    assert_eq!(net0["temporary"], false, "{net0}");
    assert_eq!(net0["zone"], "web1");
    sim.zoneadm(&["-z", "web1", "halt"]).ok();
    sim.illumos_sim(&["reboot"]).ok();
    assert_eq!(sim.vnics(), vec![], "nothing comes back after a clean halt");
}

#[test]
fn the_derived_brand_opens_only_through_the_bases_platform_xml() {
    // The sim's zoneadm opens platform.xml as libbrand's brand_open does: through the link.
    let sim = Sim::new("gate", &["e1000g0"]);
    let dir = omnios_base(&sim, "logbase");
    install(&sim, "logbase", "logbase-nz").ok();
    sim.add_zone_with_brand("web1", "logbase-nz", &[NetSpec::new("net0", "e1000g0")]);
    std::fs::rename(dir.join("platform.xml"), dir.join("platform.xml.away")).unwrap();
    let r = sim.zoneadm(&["-z", "web1", "ready"]).fails();
    assert!(
        r.stderr()
            .ends_with("zoneadm: zone 'web1': missing or invalid brand\n"),
        "{}",
        r.stderr()
    );
    std::fs::rename(dir.join("platform.xml.away"), dir.join("platform.xml")).unwrap();
    sim.zoneadm(&["-z", "web1", "ready"]).ok();
    sim.zoneadm(&["-z", "web1", "halt"]).ok();
    assert_eq!(sim.vnics(), vec![]);
}

/// A SmartOS-like base brand `jbase` whose one `statechange` script is both hooks (as
/// jcommon's), called with the phase first; the script itself is the caller's to write.
fn jbase(sim: &Sim) -> PathBuf {
    base_brand(
        sim,
        "jbase",
        "@B@/statechange pre %z %R",
        "@B@/statechange post %z %R",
        "",
    )
}

/// [`jbase`] with a `statechange` that logs its calls and exits 0.
fn jcommon_base(sim: &Sim) -> PathBuf {
    let dir = jbase(sim);
    logging_hook(sim, &dir.join("statechange"), 0);
    dir
}

#[test]
fn jcommon_style_base_is_chained_with_chain() {
    let sim = Sim::new("joyent", &["e1000g0"]);
    let dir = jcommon_base(&sim);
    install(&sim, "jbase", "jbase-nz").ok();
    let cfg =
        std::fs::read_to_string(sim.root().join("usr/lib/brand/jbase-nz/config.xml")).unwrap();
    assert!(
        cfg.contains(&format!("--chain {}/statechange pre %z %R", dir.display())),
        "{cfg}"
    );
    sim.add_zone_with_brand("z1", "jbase-nz", &[NetSpec::new("net0", "e1000g0")]);
    sim.zoneadm(&["-z", "z1", "ready"]).ok();
    assert_eq!(
        sim.vnics()
            .iter()
            .map(|l| (l.name.as_str(), l.zone.as_str()))
            .collect::<Vec<_>>(),
        [("net0", "z1")]
    );
    assert_eq!(
        base_log(&sim),
        [
            "statechange pre z1 /zones/z1 2 0",
            "statechange post z1 /zones/z1 2 0"
        ]
    );
    sim.zoneadm(&["-z", "z1", "halt"]).ok();
    assert_eq!(sim.vnics(), vec![]);
}

#[test]
fn a_failing_base_pre_hook_fails_the_ready_and_netzone_removes_what_it_made() {
    // gate: netzone creates in pre-ready, before the base's prestate (netzone-first); the
    // base fails, gate's zoneadmd runs no cleanup hook, so netzone itself removes the link.
    let sim = Sim::new("gate", &["e1000g0"]);
    let dir = omnios_base(&sim, "logbase");
    logging_hook(&sim, &dir.join("prestate"), 3);
    install(&sim, "logbase", "logbase-nz").ok();
    sim.add_zone_with_brand("web1", "logbase-nz", &[NetSpec::new("net0", "e1000g0")]);
    let r = sim.zoneadm(&["-z", "web1", "boot"]).fails();
    assert!(
        r.stderr()
            .contains("the brand's hook failed; removing the links netzone created"),
        "{}",
        r.stderr()
    );
    assert_eq!(sim.vnics(), vec![]);
    assert!(sim.journal("web1").is_none());
    assert!(base_log(&sim).contains(&"prestate web1 /zones/web1 2 0".to_string()));
    let log = sim.log();
    let pos = |what: &str| log.iter().position(|l| l.contains(what));
    assert!(
        pos("sim-dladm create-vnic") < pos("sim-dladm delete-vnic"),
        "{log:#?}"
    );
    assert_eq!(sim.zone_state("web1"), "installed");
}

#[test]
fn when_netzone_fails_first_the_base_hook_does_not_run() {
    let sim = Sim::new("gate", &["e1000g0"]);
    omnios_base(&sim, "logbase");
    install(&sim, "logbase", "logbase-nz").ok();
    let mut n = NetSpec::new("net0", "e1000g0");
    n.global_nic = Some("nosuchnic0".into());
    sim.add_zone_with_brand("web1", "logbase-nz", &[n]);
    sim.zoneadm(&["-z", "web1", "boot"]).fails();
    assert_eq!(sim.vnics(), vec![]);
    // The ready's pre hook stopped at netzone; the halt zoneadmd then runs (cmd 4) still
    // reaches the base.
    let log = base_log(&sim);
    assert!(
        !log.contains(&"prestate web1 /zones/web1 2 0".to_string()),
        "{log:?}"
    );
    assert!(
        log.contains(&"prestate web1 /zones/web1 2 4".to_string()),
        "{log:?}"
    );
}

/// A SmartOS jcommon-like `statechange`: at post-ready it makes net0 in the zone (temporary
/// name, rename) unless the zone already has it, as `setup_net` does.
fn vnic_making_statechange(sim: &Sim, path: &Path) {
    let log = log_path(sim).display().to_string();
    std::fs::write(
        path,
        format!(
            r#"#!/bin/sh
echo "statechange $*" >> '{log}'
if [ "$1" = post ] && [ "$5" = 0 ]; then
	if "$NETZONE_DLADM" show-vnic -p -o LINK -z "$2" net0 > /dev/null 2>&1; then
		echo "statechange: $2 has net0, skipped" >> '{log}'
	else
		"$NETZONE_DLADM" create-vnic -t -l e1000g0 -p zone="$2" tmp$$0 || exit 1
		"$NETZONE_DLADM" rename-link -z "$2" tmp$$0 net0 || exit 1
	fi
fi
exit 0
"#
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn a_base_that_makes_vnics_itself_finds_netzones_and_leaves_them() {
    let sim = Sim::new("joyent", &["e1000g0"]);
    let dir = jbase(&sim);
    vnic_making_statechange(&sim, &dir.join("statechange"));
    install(&sim, "jbase", "jbase-nz").ok();
    sim.add_zone_with_brand("z1", "jbase-nz", &[NetSpec::new("net0", "e1000g0")]);
    sim.zoneadm(&["-z", "z1", "boot"]).ok();
    let v = sim.vnics();
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!((v[0].name.as_str(), v[0].zone.as_str()), ("net0", "z1"));
    // netzone's: in its journal, with the MAC it recorded.
    let j = sim.journal("z1").unwrap();
    assert_eq!(j["links"][0]["mac"].as_str(), v[0].mac.as_deref(), "{j}");
    assert!(base_log(&sim).contains(&"statechange: z1 has net0, skipped".to_string()));
    sim.zoneadm(&["-z", "z1", "halt"]).ok();
    assert_eq!(sim.vnics(), vec![]);

    // The same base chained the other way round (the brand's hook first): the brand makes
    // net0, netzone finds a link it did not make and refuses, and the boot fails.
    sim.install_brand(
        "jbase-cf",
        Some(&format!("--chain {}/statechange", dir.display())),
    );
    sim.add_zone_with_brand("z2", "jbase-cf", &[NetSpec::new("net0", "e1000g0")]);
    let r = sim.zoneadm(&["-z", "z2", "boot"]).fails();
    assert!(r.stderr().contains("net0"), "{}", r.stderr());
    assert!(sim
        .journal("z2")
        .is_none_or(|j| j["links"].as_array().is_none_or(|a| a.is_empty())));
}

/// An OmniOS vnic.ksh-like prestate/poststate: pre-ready makes a persistent VNIC named net0
/// unless one exists; post-halt deletes it, failures only logged.
fn vnic_making_prestate(sim: &Sim, dir: &Path) {
    let log = log_path(sim).display().to_string();
    let write = |name: &str, body: &str| {
        let p = dir.join(name);
        let text = format!("#!/bin/sh\necho \"{name} $*\" >> '{log}'\n{body}exit 0\n");
        std::fs::write(&p, text).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    write(
        "prestate",
        &format!(
            r#"if [ "$4" = 0 ]; then
	if "$NETZONE_DLADM" show-vnic -p -o LINK net0 > /dev/null 2>&1; then
		echo "prestate: net0 exists, reused" >> '{log}'
	else
		"$NETZONE_DLADM" create-vnic -l e1000g0 net0 || exit 255
	fi
fi
"#
        ),
    );
    write(
        "poststate",
        &format!(
            r#"if [ "$4" = 4 ]; then
	"$NETZONE_DLADM" delete-vnic net0 2>> '{log}' || echo "poststate: delete-vnic net0 failed" >> '{log}'
fi
"#
        ),
    );
}

#[test]
fn an_omnios_base_that_makes_vnics_reuses_netzones() {
    let sim = Sim::new("gate", &["e1000g0"]);
    let dir = omnios_base(&sim, "obase");
    vnic_making_prestate(&sim, &dir);
    install(&sim, "obase", "obase-nz").ok();
    sim.add_zone_with_brand("web1", "obase-nz", &[NetSpec::new("net0", "e1000g0")]);
    sim.zoneadm(&["-z", "web1", "boot"]).ok();
    let v = sim.vnics();
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!((v[0].name.as_str(), v[0].zone.as_str()), ("net0", "web1"));
    assert_eq!(
        sim.journal("web1").unwrap()["links"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert!(base_log(&sim).contains(&"prestate: net0 exists, reused".to_string()));
    sim.zoneadm(&["-z", "web1", "halt"]).ok();
    assert_eq!(sim.vnics(), vec![]);
    assert!(sim.journal("web1").is_none());
    assert!(base_log(&sim).contains(&"poststate: delete-vnic net0 failed".to_string()));
}

#[test]
fn zonecfg_commit_runs_the_base_verify_and_netzones() {
    let sim = Sim::new("gate", &["e1000g0"]);
    omnios_base(&sim, "logbase");
    install(&sim, "logbase", "logbase-nz").ok();
    sim.add_zone_with_brand("web1", "logbase-nz", &[NetSpec::new("net0", "e1000g0")]);
    let zonecfg = sim.bin.join("sim-zonecfg");
    sim.run(
        &zonecfg,
        &[
            "-z",
            "web1",
            "select net physical=net0; set vlan-id=12; end; commit",
        ],
    )
    .ok();
    let log = base_log(&sim);
    assert_eq!(log.len(), 1, "{log:?}");
    assert!(
        log[0].starts_with("verify ") && log[0].contains("zonecfg_verify"),
        "{log:?}"
    );
    // netzone-verify refuses what netzone cannot set up; the base's verify is not reached
    // twice and nothing is saved.
    let before = sim.zone_xml("web1");
    let r = sim
        .run(
            &zonecfg,
            &[
                "-z",
                "web1",
                "select net physical=net0; set vlan-id=4095; end; commit",
            ],
        )
        .fails();
    assert!(r.stderr().contains("vlan-id '4095'"), "{}", r.stderr());
    assert_eq!(sim.zone_xml("web1"), before);
}

#[test]
fn install_is_idempotent_and_refuses_what_it_did_not_make() {
    let sim = Sim::new("gate", &["e1000g0"]);
    omnios_base(&sim, "logbase");
    install(&sim, "logbase", "logbase-nz").ok();
    let cfg = sim.root().join("usr/lib/brand/logbase-nz/config.xml");
    let first = std::fs::read_to_string(&cfg).unwrap();
    let r = install(&sim, "logbase", "logbase-nz").ok();
    assert!(r.stdout().contains("unchanged"), "{}", r.stdout());
    assert_eq!(std::fs::read_to_string(&cfg).unwrap(), first);

    // The test brand of the harness is not netzone's.
    let r = install(&sim, "logbase", common::BRAND).fails();
    assert_eq!(r.code(), Some(1));
    let want = format!(
        "netzone: brand '{}': {}: exists and was not made by netzone",
        common::BRAND,
        sim.root()
            .join(format!("usr/lib/brand/{b}/config.xml", b = common::BRAND))
            .display()
    );
    assert!(r.stderr().starts_with(&want), "{}", r.stderr());
    // A missing base, named with its path.
    let r = install(&sim, "nosuch", "x").fails();
    assert!(
        r.stderr().contains("netzone: brand 'nosuch': ")
            && r.stderr()
                .contains("usr/lib/brand/nosuch/config.xml: no such brand"),
        "{}",
        r.stderr()
    );
    assert!(!sim.root().join("usr/lib/brand/x").exists());
    // A kernel brand cannot be renamed.
    let lx = sim.root().join("usr/lib/brand/logbase/config.xml");
    let text = std::fs::read_to_string(&lx).unwrap();
    std::fs::write(
        &lx,
        text.replace("<modname></modname>", "<modname>lx_brand</modname>"),
    )
    .unwrap();
    let r = install(&sim, "logbase", "logbase-nz").fails();
    assert!(
        r.stderr()
            .contains("kernel brand module (<modname>lx_brand</modname>)"),
        "{}",
        r.stderr()
    );
    // Usage errors exit 2.
    assert_eq!(
        sim.netzone(&["brand", "install", "--base", "logbase"])
            .code(),
        Some(2)
    );
}

#[test]
fn config_prints_without_writing() {
    let sim = Sim::new("gate", &["e1000g0"]);
    let dir = omnios_base(&sim, "logbase");
    let before = std::fs::read_to_string(dir.join("config.xml")).unwrap();
    let r = sim
        .netzone(&[
            "brand",
            "config",
            "--base",
            "logbase",
            "--bindir",
            "/opt/nz/bin",
        ])
        .ok();
    assert!(
        r.stdout().contains("<brand name=\"logbase\">"),
        "{}",
        r.stdout()
    );
    assert!(r.stdout().contains(&format!(
        "/opt/nz/bin/netzone-statechange --order netzone-first --chain-pre {}/prestate pre %z %R",
        dir.display()
    )));
    let r = sim
        .netzone(&["brand", "config", "--base", "logbase", "--name", "other"])
        .ok();
    assert!(r.stdout().contains("<brand name=\"other\">"));
    assert!(r
        .stdout()
        .contains("/opt/netzone/bin/netzone-verify --chain"));
    assert_eq!(
        std::fs::read_to_string(dir.join("config.xml")).unwrap(),
        before
    );
    let entries: Vec<_> = std::fs::read_dir(sim.root().join("usr/lib/brand"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!entries.contains(&"other".to_string()), "{entries:?}");
    let r = sim
        .netzone(&[
            "brand",
            "config",
            "--base",
            "logbase",
            "--bindir",
            "relative/bin",
        ])
        .fails();
    assert!(
        r.stderr()
            .contains("invalid program directory 'relative/bin'"),
        "{}",
        r.stderr()
    );
}

// ---- the SmartOS overlay ----

#[test]
fn the_validator_catches_what_it_checks() {
    // The checker itself must fail on each kind of violation.
    let good = netzone::brand::smf::manifest(
        &netzone::brand::smf::Spec::new(
            "joyent",
            Path::new("/opt/netzone/bin"),
            Path::new("/opt/custom/smf"),
        )
        .unwrap(),
    );
    let bad = [
        good.replace("grouping=\"optional_all\"", "grouping=\"optional\""),
        good.replace(" timeout_seconds=\"60\"", ""),
        good.replace("<single_instance/>\n", "").replace(
            "<create_default_instance enabled=\"true\"/>",
            "<single_instance/>\n    <create_default_instance enabled=\"true\"/>",
        ),
        good.replace("<stability value=\"Unstable\"/>", "").replace(
            "</template>",
            "</template>\n    <stability value=\"Unstable\"/>",
        ),
        good.replace("<service_fmri value=\"svc:/system/zones:default\"/>", ""),
        good.replace("restart_on=\"none\">", "restart_on=\"none\" bogus=\"1\">"),
    ];
    for b in bad {
        assert_ne!(b, good);
        assert!(!smf_dtd::problems(&b).is_empty(), "not caught:\n{b}");
    }
}

fn smf_files(sim: &Sim, dir: &Path) -> (PathBuf, PathBuf) {
    let bin = bindir().display().to_string();
    let d = dir.display().to_string();
    let r = sim
        .netzone(&[
            "brand", "smf", "--base", "jbase", "--dir", &d, "--bindir", &bin,
        ])
        .ok();
    assert!(r.stdout().contains("svccfg import"), "{}", r.stdout());
    (
        dir.join("netzone-brand-jbase.xml"),
        dir.join("netzone-brand-jbase"),
    )
}

#[test]
fn smf_manifest_is_valid_against_the_service_bundle_dtd() {
    let sim = Sim::new("joyent", &["e1000g0"]);
    jcommon_base(&sim);
    let out = tempfile::tempdir().unwrap();
    let (manifest, _) = smf_files(&sim, out.path());
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert_eq!(
        smf_dtd::doctype(&text).as_deref(),
        Some("service_bundle SYSTEM \"/usr/share/lib/xml/dtd/service_bundle.dtd.1\"")
    );
    let doc = smf_dtd::parse(&text);
    let root = &doc.children[0];
    assert_eq!(root.name, "service_bundle");
    let errs = smf_dtd::problems(&text);
    assert!(errs.is_empty(), "{errs:#?}\n{text}");
    // Zones wait for the overlay: the service is a dependent of system/zones, restarting it
    // never restarts zones.
    let svc = &root.children[0];
    let dep = svc.children.iter().find(|c| c.name == "dependent").unwrap();
    assert_eq!(dep.children[0].attrs["value"], "svc:/system/zones:default");
    assert_eq!(
        dep.attrs.get("restart_on").map(String::as_str),
        Some("none")
    );
    let start = svc
        .children
        .iter()
        .find(|c| {
            c.name == "exec_method" && c.attrs.get("name").map(String::as_str) == Some("start")
        })
        .unwrap();
    assert_eq!(
        start.attrs.get("exec").map(String::as_str),
        Some("/opt/custom/smf/netzone-brand-jbase start")
    );
}

fn run_shell(prog: &str, args: &[&str]) -> Option<std::process::Output> {
    Command::new(prog).args(args).output().ok()
}

#[test]
fn smf_refuses_a_brand_it_cannot_wrap_before_writing() {
    let sim = Sim::new("joyent", &["e1000g0"]);
    base_brand(&sim, "odd", "/x/brand -z %z -R %R prestatechange", "", "");
    let out = tempfile::tempdir().unwrap();
    let d = out.path().join("smf");
    let r = sim
        .netzone(&[
            "brand",
            "smf",
            "--base",
            "odd",
            "--dir",
            d.to_str().unwrap(),
        ])
        .fails();
    assert!(r.stderr().contains("<prestatechange>"), "{}", r.stderr());
    assert_eq!(
        r.stderr().matches("of the form").count(),
        1,
        "{}",
        r.stderr()
    );
    assert!(
        r.stderr().starts_with("netzone: brand 'odd': "),
        "{}",
        r.stderr()
    );
    assert!(!d.exists());
}

#[test]
fn smf_method_passes_the_shell_checks() {
    let sim = Sim::new("joyent", &["e1000g0"]);
    jcommon_base(&sim);
    let out = tempfile::tempdir().unwrap();
    let (_, method) = smf_files(&sim, out.path());
    let m = method.display().to_string();
    let text = std::fs::read_to_string(&method).unwrap();
    assert!(text.starts_with("#!/bin/sh\n"));
    // No bash or ksh syntax a POSIX sh would reject.
    for bashism in ["[[", "function ", "local ", "$(<", "==", "<<<"] {
        assert!(!text.contains(bashism), "{bashism}");
    }
    let sh = run_shell("sh", &["-n", &m]).expect("sh");
    assert!(
        sh.status.success(),
        "{}",
        String::from_utf8_lossy(&sh.stderr)
    );
    if let Some(d) = run_shell("dash", &["-n", &m]) {
        assert!(d.status.success(), "{}", String::from_utf8_lossy(&d.stderr));
    } else {
        eprintln!("dash not installed: dash -n skipped");
    }
    match run_shell("shellcheck", &["-s", "sh", &m]) {
        Some(o) => assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout)),
        None => eprintln!("shellcheck not installed: skipped"),
    }
}

/// Stand-ins for illumos `mount -F lofs -o ro SPECIAL TARGET` and `umount TARGET` on a file:
/// a mount saves the file it covers and copies SPECIAL over it (what a reader of TARGET then
/// sees), adding an /etc/mnttab-style line; an unmount restores the covered file and drops the
/// line. Layers stack as on illumos.
fn fake_mount_tools(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let mnttab = dir.join("mnttab");
    std::fs::write(&mnttab, "").unwrap();
    let mount = dir.join("mount");
    let umount = dir.join("umount");
    let tab = mnttab.display();
    std::fs::write(
        &mount,
        format!(
            "#!/bin/sh\n[ \"$1 $2 $3 $4\" = \"-F lofs -o ro\" ] || {{ echo \"mount: bad args $*\" >&2; exit 2; }}\nn=$(grep -c \"\t$6\t\" '{tab}')\ncp \"$6\" \"$6.covered.$n\" && cp \"$5\" \"$6\" && printf '%s\\t%s\\tlofs\\tro\\t0\\n' \"$5\" \"$6\" >> '{tab}'\n"
        ),
    )
    .unwrap();
    std::fs::write(
        &umount,
        format!(
            "#!/bin/sh\nn=$(grep -c \"\t$1\t\" '{tab}')\n[ \"$n\" -gt 0 ] || {{ echo \"umount: $1 not mounted\" >&2; exit 1; }}\nn=$((n - 1))\nmv \"$1.covered.$n\" \"$1\"\nawk -v t=\"$1\" -F '\t' 'BEGIN {{ d = 0 }} {{ if ($2 == t) last = NR; l[NR] = $0 }} END {{ for (i = 1; i <= NR; i++) if (i != last) print l[i] }}' '{tab}' > '{tab}.new' && mv '{tab}.new' '{tab}'\n"
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    for p in [&mount, &umount] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    (mount, umount, mnttab)
}

#[test]
fn smf_method_overlays_the_brand_at_start_and_restores_it_at_stop() {
    let sim = Sim::new("joyent", &["e1000g0"]);
    let base_dir = jcommon_base(&sim);
    let target = base_dir.join("config.xml");
    let original = std::fs::read_to_string(&target).unwrap();
    let tools = tempfile::tempdir().unwrap();
    let (mount, umount, mnttab) = fake_mount_tools(tools.path());

    // The method as `brand smf` renders it, with the sim's root and the stand-in tools.
    let mut spec = netzone::brand::smf::Spec::new("jbase", &bindir(), tools.path()).unwrap();
    spec.root = sim.root().to_path_buf();
    spec.keep_dir = sim.root().join("opt/netzone/etc/brand/jbase");
    spec.mount = mount;
    spec.umount = umount;
    spec.mnttab = mnttab.clone();
    netzone::brand::smf::write(tools.path(), &spec).unwrap();
    let method = spec.method_path().display().to_string();
    let mounts = || {
        std::fs::read_to_string(&mnttab)
            .unwrap()
            .lines()
            .filter(|l| l.split('\t').nth(1) == Some(target.to_str().unwrap()))
            .count()
    };

    // Two starts (a restart without a stop): one layer, netzone's hooks wrapping the base's
    // once.
    for _ in 0..2 {
        sim.run(Path::new("/bin/sh"), &[&method, "start"]).ok();
        assert_eq!(mounts(), 1);
    }
    let seen = std::fs::read_to_string(&target).unwrap();
    assert_eq!(
        seen,
        std::fs::read_to_string(spec.keep_dir.join("config.xml")).unwrap()
    );
    assert_eq!(seen.matches("--chain ").count(), 2, "{seen}");
    assert!(seen.contains("<brand name=\"jbase\">"));

    // `brand smf` again while the overlay is mounted (a netzone upgrade): it writes the files
    // and says the mounted file is netzone's.
    let again = tempfile::tempdir().unwrap();
    let bin = bindir().display().to_string();
    let d = again.path().display().to_string();
    let r = sim
        .netzone(&[
            "brand", "smf", "--base", "jbase", "--dir", &d, "--bindir", &bin,
        ])
        .ok();
    assert!(
        r.stdout().contains("is netzone's overlay already"),
        "{}",
        r.stdout()
    );
    assert!(again.path().join("netzone-brand-jbase.xml").is_file());
    // A zone of the (unrenamed) brand boots with netzone's VNICs and the base's hook.
    sim.add_zone_with_brand("z1", "jbase", &[NetSpec::new("net0", "e1000g0")]);
    sim.zoneadm(&["-z", "z1", "boot"]).ok();
    assert_eq!(
        sim.vnics()
            .iter()
            .map(|l| (l.name.as_str(), l.zone.as_str()))
            .collect::<Vec<_>>(),
        [("net0", "z1")]
    );
    assert!(sim.journal("z1").is_some());
    assert_eq!(base_log(&sim).len(), 4, "{:?}", base_log(&sim));
    sim.zoneadm(&["-z", "z1", "halt"]).ok();
    assert_eq!(sim.vnics(), vec![]);

    // stop: the platform's file is back, nothing mounted; stop again is harmless.
    sim.run(Path::new("/bin/sh"), &[&method, "stop"]).ok();
    assert_eq!(mounts(), 0);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), original);
    sim.run(Path::new("/bin/sh"), &[&method, "stop"]).ok();

    // A base netzone cannot wrap: start fails (SMF_EXIT_ERR_CONFIG), nothing is mounted.
    std::fs::write(&target, original.replace("pre %z %R", "pre %z %R; true")).unwrap();
    let r = sim.run(Path::new("/bin/sh"), &[&method, "start"]).fails();
    assert_eq!(r.code(), Some(96));
    assert!(r.stderr().contains("cannot wrap"), "{}", r.stderr());
    assert_eq!(mounts(), 0);
    let r = sim.run(Path::new("/bin/sh"), &[&method, "frob"]).fails();
    assert!(r.stderr().contains("usage:"));
}
