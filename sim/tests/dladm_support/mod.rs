//! Shared helpers for the sim's process-level tests: a temporary simulated root, and
//! running `sim-dladm` / `illumos-sim` as processes against it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use netzone_sim::state::{Host, ZoneState};

pub const DLADM: &str = env!("CARGO_BIN_EXE_sim-dladm");
pub const SIM: &str = env!("CARGO_BIN_EXE_illumos-sim");

/// A simulated host in a temporary directory.
pub struct Sim {
    pub dir: tempfile::TempDir,
    pub flavour: &'static str,
}

/// The result of one command, with stdout/stderr as text.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub out: String,
    pub err: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            out: String::from_utf8_lossy(&o.stdout).into_owned(),
            err: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Asserts success and returns stdout.
    #[track_caller]
    pub fn ok(&self) -> &str {
        assert_eq!(self.code, 0, "command failed: {self:?}");
        &self.out
    }

    /// Asserts exit 1 with exactly this stderr and no stdout.
    #[track_caller]
    pub fn fails_with(&self, err: &str) {
        assert_eq!(
            (self.code, self.err.as_str(), self.out.as_str()),
            (1, err, ""),
            "{self:?}"
        );
    }
}

impl Sim {
    /// `illumos-sim init` with phys links net0 and e1000g0 and etherstub stub0.
    pub fn new(flavour: &'static str) -> Sim {
        Sim::with(flavour, "net0,e1000g0", Some("stub0"))
    }

    pub fn with(flavour: &'static str, phys: &str, stubs: Option<&str>) -> Sim {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Command::new(SIM);
        c.args(["init", "--root"])
            .arg(dir.path())
            .args(["--flavour", flavour, "--phys", phys]);
        if let Some(s) = stubs {
            c.args(["--etherstub", s]);
        }
        let r: Run = c.output().unwrap().into();
        r.ok();
        Sim { dir, flavour }
    }

    /// dladm's progname for this flavour: `argv[0]` as typed (with `sim-dladm` shown as
    /// `dladm`) in joyent, `dladm` in gate.
    pub fn prog(&self) -> String {
        if self.flavour == "joyent" {
            DLADM.replace("sim-dladm", "dladm")
        } else {
            "dladm".into()
        }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn cmd(&self, bin: &str) -> Command {
        let mut c = Command::new(bin);
        c.env("ILLUMOS_SIM_ROOT", self.root())
            .env_remove("ILLUMOS_SIM_FLAVOUR")
            .env_remove("ILLUMOS_SIM_ZONE")
            .env_remove("ILLUMOS_SIM_LATENCY_MS")
            .env_remove("POSIXLY_CORRECT");
        c
    }

    /// Runs `sim-dladm ARGS` from the global zone.
    pub fn dladm(&self, args: &[&str]) -> Run {
        self.cmd(DLADM).args(args).output().unwrap().into()
    }

    /// Runs `sim-dladm ARGS` as if inside `zone` (zlogin).
    pub fn dladm_in(&self, zone: &str, args: &[&str]) -> Run {
        self.cmd(DLADM)
            .env("ILLUMOS_SIM_ZONE", zone)
            .args(args)
            .output()
            .unwrap()
            .into()
    }

    pub fn sim(&self, args: &[&str]) -> Run {
        self.cmd(SIM).args(args).output().unwrap().into()
    }

    /// `illumos-sim state --json`.
    pub fn state(&self) -> serde_json::Value {
        let r = self.sim(&["state", "--json"]);
        serde_json::from_str(r.ok()).unwrap()
    }

    /// The state's link entry named `name` in `zone`.
    pub fn link(&self, zone: &str, name: &str) -> Option<serde_json::Value> {
        self.state()["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["zone"] == zone && l["name"] == name)
            .cloned()
    }

    /// Kernel zone creation as zoneadmd's vplat_create does it (ready).
    pub fn zone(&self, name: &str, exclusive: bool) {
        Host::with_locked(self.root(), |h| h.zone_create(name, exclusive).unwrap()).unwrap();
    }

    pub fn zone_state(&self, name: &str, st: ZoneState) {
        Host::with_locked(self.root(), |h| h.zone_set_state(name, st).unwrap()).unwrap();
    }

    pub fn with_host<R>(&self, f: impl FnOnce(&mut Host) -> R) -> R {
        Host::with_locked(self.root(), f).unwrap()
    }

    pub fn log_lines(&self) -> Vec<String> {
        std::fs::read_to_string(self.root().join("var/sim/log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }
}

pub fn path(p: &Path) -> PathBuf {
    p.to_path_buf()
}
