//! Shared set-up for the zoneadm/zonecfg process tests: a simulated root with physical links,
//! brands whose state-change hooks log their arguments, zones in the index, and helpers to
//! run the binaries.

#![allow(dead_code)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use netzone_sim::state::{Flavour, Host};

pub const UUID: &str = "3f0f0c7a-2a5e-4d3e-9c1d-0d4f3a0e9b11";

pub struct Sim {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
    /// Every hook call appends a line here.
    pub hook_log: PathBuf,
    /// Lines `pre(2,0)` etc. here make that hook call fail (exit 1).
    pub fail_file: PathBuf,
}

/// Writes a hook script. Brand configs run scripts as `/bin/sh <script>` rather than executing
/// them: exec'ing a file this multi-threaded test process has just written can fail with
/// ETXTBSY while a sibling test's fork still holds the write descriptor.
pub fn write_exec(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

impl Sim {
    /// A host of `flavour` with the given physical links and an index holding the global zone.
    pub fn new(flavour: Flavour, phys: &[&str]) -> Sim {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let mut h = Host::new(flavour);
        for (i, p) in phys.iter().enumerate() {
            h.add_phys(p, i).unwrap();
        }
        Host::create(&root, &h).unwrap();
        fs::create_dir_all(root.join("etc/zones")).unwrap();
        fs::write(
            root.join("etc/zones/index"),
            "# DO NOT EDIT: this file is maintained by zonecfg(8)\nglobal:installed:/\n",
        )
        .unwrap();
        let hook_log = root.join("hooks.log");
        let fail_file = root.join("hooks.fail");
        Sim {
            _dir: dir,
            root,
            hook_log,
            fail_file,
        }
    }

    /// A brand whose pre/post hooks are one logging script, called as
    /// `<script> pre|post %z %R` (zoneadmd appends state, cmd and the empty altroot).
    /// `extra` is more config.xml elements (e.g. `<verify_cfg>`).
    pub fn brand(&self, name: &str, extra: &str) {
        let script = self.root.join(format!("usr/lib/brand/{name}/statechange"));
        write_exec(
            &script,
            &format!(
                "#!/bin/sh\n\
                 echo \"$1($4,$5) $2 $3 args=$#\" >> '{log}'\n\
                 if grep -qx \"$1($4,$5)\" '{fail}' 2>/dev/null; then\n\
                 \techo \"hook $1($4,$5) says no\"\n\
                 \texit 1\n\
                 fi\n\
                 exit 0\n",
                log = self.hook_log.display(),
                fail = self.fail_file.display()
            ),
        );
        let cfg = format!(
            "<?xml version=\"1.0\"?>\n\
             <!DOCTYPE brand PUBLIC \"-//Sun Microsystems Inc//DTD Brands//EN\" \"file:///usr/share/lib/xml/dtd/brand.dtd.1\">\n\
             <brand name=\"{name}\">\n\
             \t<modname></modname>\n\
             \t<prestatechange>/bin/sh {s} pre %z %R</prestatechange>\n\
             \t<poststatechange>/bin/sh {s} post %z %R</poststatechange>\n\
             {extra}\n\
             </brand>\n",
            s = script.display()
        );
        fs::write(
            self.root.join(format!("usr/lib/brand/{name}/config.xml")),
            cfg,
        )
        .unwrap();
        write_platform(&self.root, name);
    }

    /// Writes `<zone>.xml` and adds the zone to the index in `state`.
    pub fn zone(&self, name: &str, brand: &str, exclusive: bool, physicals: &[&str], state: &str) {
        self.zone_at(
            name,
            brand,
            exclusive,
            physicals,
            state,
            &format!("/zones/{name}"),
        );
    }

    pub fn zone_at(
        &self,
        name: &str,
        brand: &str,
        exclusive: bool,
        physicals: &[&str],
        state: &str,
        zonepath: &str,
    ) {
        let mut nets = String::new();
        for p in physicals {
            nets.push_str(&format!(
                "  <network physical=\"{p}\" global-nic=\"igb0\"/>\n"
            ));
        }
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <!DOCTYPE zone PUBLIC \"-//Sun Microsystems Inc//DTD Zones//EN\" \"file:///usr/share/lib/xml/dtd/zonecfg.dtd.1\">\n\
             <zone name=\"{name}\" zonepath=\"{zonepath}\" autoboot=\"false\" brand=\"{brand}\" ip-type=\"{ip}\">\n\
             {nets}</zone>\n",
            ip = if exclusive { "exclusive" } else { "shared" },
        );
        fs::write(self.root.join(format!("etc/zones/{name}.xml")), xml).unwrap();
        let q = if zonepath.contains(':') { "\"" } else { "" };
        let uuid = if state == "configured" { "" } else { UUID };
        let mut idx = fs::read_to_string(self.root.join("etc/zones/index")).unwrap();
        idx.push_str(&format!("{name}:{state}:{q}{zonepath}{q}:{uuid}\n"));
        fs::write(self.root.join("etc/zones/index"), idx).unwrap();
    }

    fn cmd(&self, bin: &str, args: &[&str]) -> Command {
        let mut c = Command::new(bin);
        c.args(args)
            .env("ILLUMOS_SIM_ROOT", &self.root)
            .env_remove("ILLUMOS_SIM_FLAVOUR")
            .env_remove("ILLUMOS_SIM_LATENCY_MS");
        c
    }

    pub fn zoneadm_cmd(&self, args: &[&str]) -> Command {
        self.cmd(env!("CARGO_BIN_EXE_sim-zoneadm"), args)
    }

    pub fn zoneadm(&self, args: &[&str]) -> Output {
        self.zoneadm_cmd(args).output().unwrap()
    }

    pub fn zonecfg(&self, args: &[&str]) -> Output {
        self.cmd(env!("CARGO_BIN_EXE_sim-zonecfg"), args)
            .output()
            .unwrap()
    }

    /// The hook calls logged so far, as `pre(2,0)` ..., and clears the log.
    pub fn take_hooks(&self) -> Vec<String> {
        let text = fs::read_to_string(&self.hook_log).unwrap_or_default();
        let _ = fs::remove_file(&self.hook_log);
        text.lines()
            .map(|l| l.split(' ').next().unwrap().to_string())
            .collect()
    }

    /// Raw hook log lines, and clears the log.
    pub fn take_hook_lines(&self) -> Vec<String> {
        let text = fs::read_to_string(&self.hook_log).unwrap_or_default();
        let _ = fs::remove_file(&self.hook_log);
        text.lines().map(str::to_string).collect()
    }

    /// Makes these hook calls fail from now on.
    pub fn fail_hooks(&self, calls: &[&str]) {
        let mut s = calls.join("\n");
        s.push('\n');
        fs::write(&self.fail_file, s).unwrap();
    }

    pub fn host(&self) -> Host {
        Host::load(&self.root).unwrap()
    }

    pub fn with_host<R>(&self, f: impl FnOnce(&mut Host) -> R) -> R {
        Host::with_locked(&self.root, f).unwrap()
    }

    /// The zone's `list -p` line.
    pub fn list_line(&self, zone: &str) -> String {
        let o = self.zoneadm(&["-z", zone, "list", "-p"]);
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o).trim_end().to_string()
    }

    /// The zone's state as `zoneadm list -p` shows it.
    pub fn state(&self, zone: &str) -> String {
        self.list_line(zone).split(':').nth(2).unwrap().to_string()
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// Writes the sim's minimal `platform.xml` for brand `name` (libbrand `brand_open` needs it).
pub fn write_platform(root: &std::path::Path, name: &str) {
    fs::write(
        netzone_sim::brand::platform_path(root, name),
        netzone_sim::brand::MINIMAL_PLATFORM,
    )
    .unwrap();
}
