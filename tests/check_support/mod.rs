//! A throw-away illumos-like root for the check/verify tests: a simulated host (`illumos-sim
//! init`, joyent flavour, with the physical links the tests name), `ROOT/etc/zones/index` and one
//! XML file per zone, and helpers to run the real binaries against it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Root {
    pub dir: tempfile::TempDir,
}

/// What a binary run produced.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The stderr lines.
    pub fn lines(&self) -> Vec<&str> {
        self.stderr.lines().collect()
    }

    /// Asserts the exit status and that `line` is one of the stderr lines, exactly.
    #[track_caller]
    pub fn expect(&self, code: i32, line: &str) {
        assert_eq!(self.code, code, "exit status; stderr:\n{}", self.stderr);
        assert!(
            self.lines().contains(&line),
            "expected line\n  {line}\nin stderr:\n{}",
            self.stderr
        );
    }

    /// Asserts the exit status and that some stderr line contains `part`.
    #[track_caller]
    pub fn expect_part(&self, code: i32, part: &str) {
        assert_eq!(self.code, code, "exit status; stderr:\n{}", self.stderr);
        assert!(
            self.stderr.contains(part),
            "expected\n  {part}\nin stderr:\n{}",
            self.stderr
        );
    }

    #[track_caller]
    pub fn expect_ok(&self) {
        assert_eq!(self.code, 0, "stderr:\n{}", self.stderr);
        assert_eq!(self.stderr, "", "a valid zone prints nothing");
    }
}

fn run(mut cmd: Command) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("run binary");
    Run {
        code: status.code().expect("exited, not killed"),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// `<zone>` with the given attributes and body, as zonecfg writes it.
pub fn zone_xml(name: &str, ip_type: &str, body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <!DOCTYPE zone PUBLIC \"-//Sun Microsystems Inc//DTD Zones//EN\" \"file:///usr/share/lib/xml/dtd/zonecfg.dtd.1\">\n\
         <zone name=\"{name}\" zonepath=\"/zones/{name}\" autoboot=\"false\" brand=\"sparse\" ip-type=\"{ip_type}\">\n\
         {body}\n\
         </zone>\n"
    )
}

/// An exclusive-IP zone with one `<network>` carrying `attrs` (and optional children).
pub fn one_net(name: &str, attrs: &str) -> String {
    zone_xml(name, "exclusive", &format!("  <network {attrs}/>"))
}

/// The `<network>` attributes of a net0 over igb0 with the fixed MAC 2:8:20:1:2:3 (for
/// [`one_net`]): two zones with it conflict.
pub const NET0_FIXED_MAC: &str = r#"physical="net0" global-nic="igb0" mac-addr="2:8:20:1:2:3""#;

/// The physical links of every test host: the global NICs the tests and `xml/` examples name.
pub const PHYS: &str = "igb0,igb1,igb2,e1000g0,ixgbe0,ixgbe1,aggr0";

/// `target/debug`, where the sim binaries are.
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let deps = exe.parent().expect("deps dir");
    if deps.ends_with("deps") {
        deps.parent().expect("target dir").to_path_buf()
    } else {
        deps.to_path_buf()
    }
}

impl Root {
    pub fn new() -> Root {
        Root::with_flavour("joyent")
    }

    /// A simulated host of the given dladm flavour.
    pub fn with_flavour(flavour: &str) -> Root {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new(bin_dir().join("illumos-sim"))
            .args(["init", "--flavour", flavour, "--phys", PHYS, "--root"])
            .arg(dir.path())
            .output()
            .expect("illumos-sim (cargo build -p netzone-sim)");
        assert!(out.status.success(), "{out:?}");
        std::fs::write(dir.path().join("etc/zones/index"), "global:installed:/\n").unwrap();
        Root { dir }
    }

    /// Runs the sim's dladm on this host (to make links the checks must see).
    pub fn dladm(&self, args: &[&str]) -> Run {
        let mut c = Command::new(bin_dir().join("sim-dladm"));
        c.args(args).env("ILLUMOS_SIM_ROOT", self.path());
        run(c)
    }

    /// Runs `illumos-sim ARGS... --root ROOT`.
    pub fn sim(&self, args: &[&str]) -> Run {
        let mut c = Command::new(bin_dir().join("illumos-sim"));
        c.args(args).arg("--root").arg(self.path());
        run(c)
    }

    /// The environment that points netzone at this simulated host.
    pub fn host_env(&self, c: &mut Command) {
        c.env("ILLUMOS_SIM_ROOT", self.path())
            .env("NETZONE_DLADM", bin_dir().join("sim-dladm"))
            .env("NETZONE_ZONEADM", bin_dir().join("sim-zoneadm"))
            .env("NETZONE_ZONECFG", bin_dir().join("sim-zonecfg"))
            .env("NETZONE_ROUTE", bin_dir().join("sim-route"))
            .env_remove("NETZONE_FLAVOUR");
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn zones_dir(&self) -> PathBuf {
        self.path().join("etc/zones")
    }

    /// Writes `ROOT/etc/zones/<name>.xml` and lists the zone in the index.
    pub fn add_zone(&self, name: &str, xml: impl AsRef<[u8]>) {
        self.write_xml(name, xml);
        let idx = self.zones_dir().join("index");
        let mut text = std::fs::read_to_string(&idx).unwrap();
        text.push_str(&format!("{name}:installed:/zones/{name}:\n"));
        std::fs::write(idx, text).unwrap();
    }

    /// Writes `ROOT/etc/zones/<name>.xml` only.
    pub fn write_xml(&self, name: &str, xml: impl AsRef<[u8]>) {
        std::fs::write(self.zones_dir().join(format!("{name}.xml")), xml).unwrap();
    }

    /// Writes a file outside etc/zones (zonecfg's temporary copy) and returns its path.
    pub fn temp_file(&self, name: &str, xml: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path().join(name);
        std::fs::write(&p, xml).unwrap();
        p
    }

    /// `netzone -R ROOT ARGS...`
    pub fn netzone(&self, args: &[&str]) -> Run {
        let mut c = Command::new(env!("CARGO_BIN_EXE_netzone"));
        c.arg("-R")
            .arg(self.path())
            .args(args)
            .env_remove("NETZONE_ROOT");
        self.host_env(&mut c);
        run(c)
    }

    /// `netzone check ZONE...` under this root.
    pub fn check(&self, zones: &[&str]) -> Run {
        let mut args = vec!["check"];
        args.extend_from_slice(zones);
        self.netzone(&args)
    }

    /// `netzone-verify ARGS...` with NETZONE_ROOT set to this root.
    pub fn verify(&self, args: &[&str]) -> Run {
        let mut c = Command::new(env!("CARGO_BIN_EXE_netzone-verify"));
        c.args(args).env("NETZONE_ROOT", self.path());
        self.host_env(&mut c);
        run(c)
    }
}
