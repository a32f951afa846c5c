//! A throw-away illumos-like root for the check/verify tests: `ROOT/etc/zones/index` and one XML
//! file per zone, and helpers to run the real binaries against it.

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

impl Root {
    pub fn new() -> Root {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("etc/zones")).unwrap();
        std::fs::write(dir.path().join("etc/zones/index"), "global:installed:/\n").unwrap();
        Root { dir }
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
        run(c)
    }
}
