//! On-host suite: netzone against the real `/usr/sbin/dladm` and `zoneadm` of an illumos host
//! (SmartOS, OmniOS, Helios, plain illumos). Every test is `#[ignore]`d, and the file compiles
//! to nothing off illumos, so CI and Linux builds never see it. Run it as root (or with
//! `sys_dl_config`) on a host you may create links on:
//!
//! ```text
//! pfexec cargo test --test onhost -- --ignored --test-threads=1
//! NETZONE_ONHOST_ZONE=scratch1 pfexec cargo test --test onhost -- --ignored --test-threads=1
//! ```
//!
//! Conventions (those of oxidecomputer/netadm-sys's libnet tests): every link a test creates is
//! named with the prefix `nzt<pid>t<n>` (unique per process and per test), is temporary (`-t`,
//! gone at reboot even if everything else fails), and is held by a [`DropLink`] guard that
//! deletes it when the test ends, pass or panic. Guards are declared over-link first so they
//! drop (delete) in reverse: VNICs before the etherstub or simnet under them.
//!
//! The zone scenarios need `NETZONE_ONHOST_ZONE` to name a throwaway zone: installed, not
//! running, `ip-type=exclusive`. Its configuration is never changed: netzone reads the net it
//! acts on from a zone file under its own alternate root (`-R`), the test readies the real zone
//! so that links can be lent to it, and halts it again on the way out ([`ZoneGuard`]). Without
//! the variable those tests say so and pass. `tests/onhost_rehearsal.rs` runs the same zone
//! set-up and assertions on the simulated host, in CI.
#![cfg(target_os = "illumos")]

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use netzone::dladm::{self, DladmErrorKind, VnicInfo};
use netzone::flavour::{self, Flavour};
use netzone::host::{Host, Tools};
use netzone::linkname::LinkName;
use netzone::tempname;
use netzone::zonename::ZoneName;

/// A fresh prefix for one test: `nzt<pid>t<n>`.
fn prefix() -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "nzt{}t{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

fn tools() -> Tools {
    Tools::from_env()
}

/// The real host, with netzone's state (flavour cache, journals) under `root`.
fn host(root: impl Into<PathBuf>) -> Host {
    Host::new(tools(), root)
}

/// Runs a program by argv; returns (success, stdout, stderr).
fn run(program: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn dladm(args: &[&str]) -> (bool, String, String) {
    run(&tools().dladm, args)
}

fn dladm_ok(args: &[&str]) {
    let (ok, _, err) = dladm(args);
    assert!(ok, "dladm {}: {err}", args.join(" "));
}

/// What kind of link a guard deletes.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Etherstub,
    Simnet,
    Vnic,
}

/// Deletes its link when dropped (the libnet `DropLink` convention). A link on loan to a zone
/// is deleted from the global zone with `-z` where dladm knows it (illumos-joyent); on gate
/// the zone's halt has already returned it.
struct DropLink {
    name: String,
    kind: Kind,
}

impl DropLink {
    fn etherstub(name: String) -> DropLink {
        dladm_ok(&["create-etherstub", "-t", &name]);
        DropLink {
            name,
            kind: Kind::Etherstub,
        }
    }

    /// A simnet, or `None` where the simnet driver is not installed.
    fn simnet(name: String) -> Option<DropLink> {
        let (ok, _, err) = dladm(&["create-simnet", "-t", &name]);
        if !ok {
            eprintln!("onhost: no simnet here ({err}); using etherstubs only");
            return None;
        }
        Some(DropLink {
            name,
            kind: Kind::Simnet,
        })
    }

    /// A VNIC over `over`, created by hand as an operator would (not by netzone).
    fn vnic(name: String, over: &str, extra: &[&str]) -> DropLink {
        let mut args = vec!["create-vnic", "-t", "-l", over];
        args.extend_from_slice(extra);
        args.push(&name);
        dladm_ok(&args);
        DropLink {
            name,
            kind: Kind::Vnic,
        }
    }

    /// Adopts a link something else (netzone) created, so that it is deleted if still there.
    fn adopt(name: String) -> DropLink {
        DropLink {
            name,
            kind: Kind::Vnic,
        }
    }

    fn link(&self) -> LinkName {
        LinkName::new(&self.name).unwrap()
    }
}

impl Drop for DropLink {
    fn drop(&mut self) {
        let sub = match self.kind {
            Kind::Etherstub => "delete-etherstub",
            Kind::Simnet => "delete-simnet",
            Kind::Vnic => "delete-vnic",
        };
        let (ok, _, err) = dladm(&[sub, "-t", &self.name]);
        let gone = err.contains("not found") || err.contains("invalid link name");
        if !ok && !gone {
            eprintln!("onhost: cleanup: dladm {sub} {}: {err}", self.name);
        }
    }
}

/// The VNICs the host has, through netzone's own parser of `show-vnic -p -o`.
fn vnics(h: &Host, f: Flavour) -> Vec<VnicInfo> {
    let out = h.dladm(&dladm::show_vnic_command(f)).expect("show-vnic");
    dladm::parse_show_vnic_output(&out, f).expect("netzone parses real show-vnic output")
}

fn is_joyent_host() -> bool {
    let (_, v, _) = run(std::path::Path::new("/usr/bin/uname"), &["-v"]);
    v.starts_with("joyent_")
}

// ---- dladm, no zone needed --------------------------------------------------------------------

#[test]
#[ignore = "on-host: needs an illumos host and dladm privileges"]
fn flavour_detection_matches_the_host() {
    let root = tempfile::tempdir().unwrap();
    let h = host(root.path());
    let f = flavour::detect(&h).expect("probe");
    assert_eq!(f == Flavour::Joyent, is_joyent_host(), "detected {f}");
    // Cached for this boot: the next call spawns nothing and agrees.
    assert_eq!(flavour::cached(&h), Some(f));
}

#[test]
#[ignore = "on-host: needs an illumos host and dladm privileges"]
fn real_show_vnic_output_parses_field_for_field() {
    let p = prefix();
    let h = host("/");
    let f = flavour::detect(&host(tempfile::tempdir().unwrap().path())).unwrap();
    let stub = DropLink::etherstub(format!("{p}s0"));
    let tagged = DropLink::vnic(
        format!("{p}v0"),
        &stub.name,
        &["-m", "2:8:20:ab:cd:1", "-v", "42"],
    );
    let plain = DropLink::vnic(format!("{p}v1"), &stub.name, &[]);
    let all = vnics(&h, f);
    let t = all
        .iter()
        .find(|v| v.link == tagged.link())
        .expect("listed");
    assert_eq!(t.over, stub.name);
    assert_eq!(t.mac, Some("2:8:20:ab:cd:1".parse().unwrap()));
    assert_eq!(t.vid.map(|v| v.get()), Some(42));
    assert_eq!(t.zone, None);
    let u = all.iter().find(|v| v.link == plain.link()).expect("listed");
    assert_eq!(u.vid, None);
    assert!(u.mac.is_some(), "a random MAC is printed: {u:?}");
    // A simnet as the global NIC, where the driver exists.
    if let Some(sim) = DropLink::simnet(format!("{p}m0")) {
        let over_sim = DropLink::vnic(format!("{p}v2"), &sim.name, &[]);
        let v = vnics(&h, f);
        let s = v
            .iter()
            .find(|v| v.link == over_sim.link())
            .expect("listed");
        assert_eq!(s.over, sim.name);
    }
}

#[test]
#[ignore = "on-host: needs an illumos host and dladm privileges"]
fn real_dladm_errors_are_classified() {
    let p = prefix();
    let h = host("/");
    let stub = DropLink::etherstub(format!("{p}s0"));
    let _a = DropLink::vnic(format!("{p}v0"), &stub.name, &["-m", "2:8:20:ab:cd:2"]);
    let kind = |args: &[&str]| {
        let argv: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        h.dladm(&argv).expect_err("must fail").dladm_kind()
    };
    assert_eq!(
        kind(&["delete-vnic", "-t", &format!("{p}v9")]),
        Some(DladmErrorKind::NotFound)
    );
    assert_eq!(
        kind(&["create-vnic", "-t", "-l", &stub.name, &format!("{p}v0")]),
        Some(DladmErrorKind::AlreadyExists)
    );
    let _b = DropLink::adopt(format!("{p}v1"));
    assert_eq!(
        kind(&[
            "create-vnic",
            "-t",
            "-l",
            &stub.name,
            "-m",
            "2:8:20:ab:cd:2",
            &format!("{p}v1")
        ]),
        Some(DladmErrorKind::MacInUse)
    );
    assert_eq!(
        kind(&[
            "create-vnic",
            "-t",
            "-l",
            &stub.name,
            "-v",
            "4095",
            &format!("{p}v1")
        ]),
        Some(DladmErrorKind::InvalidValue)
    );
}

#[test]
#[ignore = "on-host: needs an illumos host and dladm privileges"]
fn gc_removes_a_netzone_orphan_and_never_an_operator_link() {
    let p = prefix();
    let stub = DropLink::etherstub(format!("{p}s0"));
    let operator = DropLink::vnic(format!("{p}v0"), &stub.name, &[]);
    // What a crash between create-vnic and rename-link leaves: netzone's temporary name for a
    // zone that has no journal, in the global zone.
    let ghost = ZoneName::new(&format!("{p}z")).unwrap();
    let orphan = DropLink::vnic(tempname::temp_name(&ghost, 0).to_string(), &stub.name, &[]);
    let netzone = |args: &[&str]| run(std::path::Path::new(env!("CARGO_BIN_EXE_netzone")), args);
    let (ok, plan, err) = netzone(&["gc", "--dry-run"]);
    assert!(ok, "{err}");
    assert!(plan.contains(&orphan.name), "{plan}");
    assert!(!plan.contains(&operator.name), "{plan}");
    // gc removes every orphan on the host; only go on if ours is the only one.
    let foreign = plan
        .lines()
        .filter(|l| l.contains(tempname::PREFIX) && !l.contains(&orphan.name))
        .count();
    if foreign > 0 {
        eprintln!("onhost: other netzone orphans on this host; not running gc for real:\n{plan}");
        return;
    }
    let (ok, _, err) = netzone(&["gc"]);
    assert!(ok, "{err}");
    let h = host("/");
    let f = flavour::detect(&host(tempfile::tempdir().unwrap().path())).unwrap();
    let left = vnics(&h, f);
    assert!(
        !left.iter().any(|v| v.link == orphan.link()),
        "orphan removed"
    );
    assert!(
        left.iter().any(|v| v.link == operator.link()),
        "operator link kept"
    );
}

// ---- a throwaway zone ------------------------------------------------------------------------

/// The zone named by `NETZONE_ONHOST_ZONE`, if any.
fn scratch_zone() -> Option<ZoneName> {
    let z = std::env::var("NETZONE_ONHOST_ZONE").ok()?;
    Some(ZoneName::new(&z).expect("NETZONE_ONHOST_ZONE is a zone name"))
}

fn zoneadm(zone: &ZoneName, args: &[&str]) -> (bool, String, String) {
    let mut v = vec!["-z", zone.as_str()];
    v.extend_from_slice(args);
    run(&tools().zoneadm, &v)
}

fn zone_state(zone: &ZoneName) -> String {
    let (ok, out, err) = zoneadm(zone, &["list", "-p"]);
    assert!(ok, "{err}");
    let z = netzone::zoneadm::parse_list_output(&out).expect("zoneadm list -p parses");
    netzone::zoneadm::state_name(z[0].state).to_string()
}

/// The scratch zone made ready (its kernel zone exists, so links can be lent to it) with its
/// real configuration untouched: netzone reads the net it acts on from a zone file under its
/// own alternate root (`-R`), which changes where netzone reads configurations and keeps
/// journals, not which host dladm acts on. So the brand's own hooks see no net to set up, and
/// nothing in `/etc/zones` changes. On drop: halted again.
struct ZoneGuard {
    zone: ZoneName,
    root: tempfile::TempDir,
}

impl ZoneGuard {
    fn new(zone: &ZoneName, physical: &str, global_nic: &str) -> ZoneGuard {
        assert_eq!(
            zone_state(zone),
            "installed",
            "NETZONE_ONHOST_ZONE must name an installed, not running, zone"
        );
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("etc/zones")).unwrap();
        // An illumos root lists its zones in an index (netzone refuses a root without one).
        std::fs::write(root.path().join("etc/zones/index"), "global:installed:/\n").unwrap();
        // A fixed MAC, so that netzone has no MAC to write back with zonecfg (which would
        // edit the real configuration).
        std::fs::write(
            root.path().join(format!("etc/zones/{zone}.xml")),
            format!(
                "<?xml version=\"1.0\"?>\n<zone name=\"{zone}\" zonepath=\"/zones/{zone}\" ip-type=\"exclusive\">\n  <network physical=\"{physical}\" global-nic=\"{global_nic}\" mac-addr=\"2:8:20:ab:cd:3\"/>\n</zone>\n"
            ),
        )
        .unwrap();
        let g = ZoneGuard {
            zone: zone.clone(),
            root,
        };
        let (ok, _, err) = zoneadm(zone, &["ready"]);
        assert!(ok, "zoneadm ready: {err}");
        g
    }

    /// `netzone -R <root> ARGS... ZONE`.
    fn netzone(&self, args: &[&str]) -> (bool, String, String) {
        let mut v = args.to_vec();
        v.push(self.zone.as_str());
        self.netzone_host(&v)
    }

    /// `netzone -R <root> ARGS...`.
    fn netzone_host(&self, args: &[&str]) -> (bool, String, String) {
        let root = self.root.path().to_str().unwrap();
        let mut v = vec!["-R", root];
        v.extend_from_slice(args);
        run(std::path::Path::new(env!("CARGO_BIN_EXE_netzone")), &v)
    }
}

impl Drop for ZoneGuard {
    fn drop(&mut self) {
        let (ok, _, err) = zoneadm(&self.zone, &["halt"]);
        if !ok {
            eprintln!("onhost: cleanup: zoneadm halt: {err}");
        }
    }
}

fn detected_flavour() -> Flavour {
    flavour::detect(&host(tempfile::tempdir().unwrap().path())).expect("probe")
}

#[test]
#[ignore = "on-host: needs an illumos host, privileges and NETZONE_ONHOST_ZONE"]
fn zone_gets_its_link_under_its_own_name_and_loses_it_at_down() {
    let Some(zone) = scratch_zone() else {
        eprintln!("onhost: NETZONE_ONHOST_ZONE not set; zone scenario skipped");
        return;
    };
    let p = prefix();
    let f = detected_flavour();
    let stub = DropLink::etherstub(format!("{p}s0"));
    let physical = format!("{p}n0");
    // Deleted if a failure leaves them behind (declared after the stub: dropped before it).
    let _final = DropLink::adopt(physical.clone());
    let _temp = DropLink::adopt(tempname::temp_name(&zone, 0).to_string());
    let g = ZoneGuard::new(&zone, &physical, &stub.name);

    let (ok, out, err) = g.netzone(&["up"]);
    assert!(ok, "netzone up: {err}{out}");
    let h = host("/");
    let obs = netzone::dladm::observe::observe(&h, f).expect("observe");
    let link = obs
        .links
        .iter()
        .find(|l| l.name.as_str() == physical)
        .unwrap_or_else(|| panic!("{physical} exists: {obs:?}"));
    match f {
        // joyent: created under a temporary name, lent and renamed into the zone.
        Flavour::Joyent => assert_eq!(link.zone.as_ref(), Some(&zone), "{link:?}"),
        // gate: created under its final name for zoneadmd to lend at ready (the zone is
        // already ready here, so it stays in the global zone).
        Flavour::Gate => assert_eq!(link.zone, None, "{link:?}"),
    }
    let vnic = link.vnic.as_ref().expect("a VNIC");
    assert_eq!(vnic.over, stub.name);
    assert_eq!(vnic.mac, Some("2:8:20:ab:cd:3".parse().unwrap()));
    assert!(
        !obs.links.iter().any(|l| tempname::is_temp_name(&l.name)),
        "no temporary name left: {obs:?}"
    );

    // Idempotent: a second up changes nothing and says so.
    let (ok, out, err) = g.netzone(&["up"]);
    assert!(ok, "second up: {err}");
    assert!(out.contains("nothing to do"), "{out}{err}");

    let (ok, _, err) = g.netzone(&["down"]);
    assert!(ok, "netzone down: {err}");
    let obs = netzone::dladm::observe::observe(&h, f).expect("observe");
    assert!(
        !obs.links.iter().any(|l| l.name.as_str() == physical),
        "the link is gone, not handed back to the global zone: {obs:?}"
    );
    let (ok, out, err) = g.netzone(&["down"]);
    assert!(
        ok && out.contains("nothing to do"),
        "second down: {out}{err}"
    );
}

#[test]
#[ignore = "on-host: needs an illumos host, privileges and NETZONE_ONHOST_ZONE"]
fn a_crash_leftover_is_collected_and_the_zone_then_gets_its_link() {
    let Some(zone) = scratch_zone() else {
        eprintln!("onhost: NETZONE_ONHOST_ZONE not set; zone scenario skipped");
        return;
    };
    if detected_flavour() == Flavour::Gate {
        eprintln!("onhost: gate dladm: netzone uses no temporary names there; skipped");
        return;
    }
    let p = prefix();
    let stub = DropLink::etherstub(format!("{p}s0"));
    let physical = format!("{p}n0");
    let _final = DropLink::adopt(physical.clone());
    let g = ZoneGuard::new(&zone, &physical, &stub.name);
    // What a crash between create-vnic and rename-link leaves once its journal is gone: the
    // zone's temporary VNIC in the global zone.
    let temp = DropLink::vnic(
        tempname::temp_name(&zone, 0).to_string(),
        &stub.name,
        &["-m", "2:8:20:ab:cd:3"],
    );
    let (ok, plan, err) = g.netzone_host(&["gc", "--dry-run"]);
    assert!(ok, "{err}");
    assert!(plan.contains(&temp.name), "{plan}");
    if plan.lines().filter(|l| l.starts_with("would ")).count() != 1 {
        eprintln!("onhost: other netzone orphans on this host; not running gc for real:\n{plan}");
        return;
    }
    let (ok, out, err) = g.netzone_host(&["gc"]);
    assert!(ok && out.contains(&temp.name), "gc: {out}{err}");

    let (ok, out, err) = g.netzone(&["up"]);
    assert!(ok, "netzone up after gc: {err}{out}");
    let h = host("/");
    let obs = netzone::dladm::observe::observe(&h, Flavour::Joyent).expect("observe");
    assert!(
        obs.in_zone(&zone).any(|l| l.name.as_str() == physical),
        "zone holds {physical}: {obs:?}"
    );
    assert!(
        !obs.links.iter().any(|l| l.name == temp.link()),
        "the leftover is gone: {obs:?}"
    );
    let (ok, _, err) = g.netzone(&["down"]);
    assert!(ok, "netzone down: {err}");
}

/// Every brand of the host that `netzone brand install` accepts becomes a config.xml that the
/// host's own `xmllint --valid` accepts against `/usr/share/lib/xml/dtd/brand.dtd.1` (libbrand
/// validates the file the same way, `open_xml_file`). The brands are copied to a scratch root
/// (`-R`); nothing under `/usr` is touched, so no privileges are needed.
#[test]
#[ignore = "on-host: needs an illumos host with zone brands and xmllint"]
fn derived_brands_of_this_host_validate_against_its_brand_dtd() {
    let root = tempfile::tempdir().expect("tempdir");
    let progs = netzone::brand::Programs::in_dir(std::path::Path::new("/opt/netzone/bin"))
        .expect("program directory");
    let mut derived = 0;
    let entries = std::fs::read_dir("/usr/lib/brand").expect("/usr/lib/brand");
    for e in entries.flatten() {
        let base = e.file_name().to_string_lossy().into_owned();
        let (cfg, plat) = (e.path().join("config.xml"), e.path().join("platform.xml"));
        if !cfg.is_file() || !plat.is_file() || netzone::brand::validate_name(&base).is_err() {
            continue;
        }
        let dir = netzone::brand::brand_dir(root.path(), &base);
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::copy(&cfg, dir.join("config.xml")).expect("copy config.xml");
        std::fs::copy(&plat, dir.join("platform.xml")).expect("copy platform.xml");
        let name = format!("{base}-nzt");
        match netzone::brand::install(root.path(), &base, &name, &progs) {
            Ok(r) => {
                let file = r.dir.join("config.xml");
                let (ok, out, err) = run(
                    std::path::Path::new("/usr/bin/xmllint"),
                    &["--valid", "--noout", file.to_str().unwrap()],
                );
                assert!(ok, "brand '{name}' from '{base}': {out}{err}");
                derived += 1;
            }
            Err(e) => eprintln!("onhost: not derived: {e}"),
        }
    }
    assert!(derived > 0, "no brand of this host could be derived");
}
