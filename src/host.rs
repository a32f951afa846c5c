//! The one place netzone runs programs.
//!
//! Every child is started by argv (never through a shell), with stdin from `/dev/null`, stdout
//! and stderr captured, the caller's environment passed through, and a deadline: a child that
//! outlives it is killed (SIGKILL) and reported as [`HostError::Timeout`]. A hook that hangs would
//! hold zoneadmd's door thread; a dladm blocked on a dead dlmgmtd is the usual cause.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::dladm::{self, DladmErrorKind};

/// Default deadline for one child process.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The programs netzone drives and where they live. The binaries read them from
/// `NETZONE_DLADM`, `NETZONE_ZONEADM`, `NETZONE_ZONECFG`, `NETZONE_SYSINFO` and
/// `NETZONE_FLOWADM`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tools {
    pub dladm: PathBuf,
    pub zoneadm: PathBuf,
    pub zonecfg: PathBuf,
    /// SmartOS `sysinfo`, run (`-p`) only to resolve nic tags.
    pub sysinfo: PathBuf,
    pub flowadm: PathBuf,
}

impl Default for Tools {
    /// The illumos locations.
    fn default() -> Self {
        Tools {
            dladm: "/usr/sbin/dladm".into(),
            zoneadm: "/usr/sbin/zoneadm".into(),
            zonecfg: "/usr/sbin/zonecfg".into(),
            sysinfo: "/usr/bin/sysinfo".into(),
            flowadm: "/usr/sbin/flowadm".into(),
        }
    }
}

impl Tools {
    /// The defaults, overridden by `NETZONE_DLADM`, `NETZONE_ZONEADM` and `NETZONE_ZONECFG`.
    pub fn from_env() -> Self {
        let d = Tools::default();
        let get = |k: &str, d: PathBuf| std::env::var_os(k).map(PathBuf::from).unwrap_or(d);
        Tools {
            dladm: get("NETZONE_DLADM", d.dladm),
            zoneadm: get("NETZONE_ZONEADM", d.zoneadm),
            zonecfg: get("NETZONE_ZONECFG", d.zonecfg),
            sysinfo: get("NETZONE_SYSINFO", d.sysinfo),
            flowadm: get("NETZONE_FLOWADM", d.flowadm),
        }
    }
}

/// Which program to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Dladm,
    Zoneadm,
    Zonecfg,
    Sysinfo,
    Flowadm,
}

impl Tool {
    pub fn name(self) -> &'static str {
        match self {
            Tool::Dladm => "dladm",
            Tool::Zoneadm => "zoneadm",
            Tool::Zonecfg => "zonecfg",
            Tool::Sysinfo => "sysinfo",
            Tool::Flowadm => "flowadm",
        }
    }
}

/// What a finished child left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// Exit status; `None` if a signal ended it.
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn success(&self) -> bool {
        self.status == Some(0)
    }
}

/// A failure to run a program at all, or a program that failed.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("cannot run {program}: {source}")]
    Spawn {
        program: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{tool} {argv}: timed out after {secs} s and was killed")]
    Timeout {
        tool: &'static str,
        argv: String,
        secs: u64,
    },
    #[error("{tool} {argv}: killed by a signal")]
    Signalled { tool: &'static str, argv: String },
    /// dladm exited non-zero; `kind` is read from its message.
    #[error("{message}")]
    Dladm {
        kind: DladmErrorKind,
        argv: String,
        message: String,
    },
    /// zoneadm or zonecfg exited non-zero.
    #[error("{tool} {argv}: {message}")]
    Failed {
        tool: &'static str,
        argv: String,
        message: String,
    },
}

impl HostError {
    /// The dladm error kind, if dladm ran and failed.
    pub fn dladm_kind(&self) -> Option<DladmErrorKind> {
        match self {
            HostError::Dladm { kind, .. } => Some(*kind),
            _ => None,
        }
    }
}

/// The host netzone acts on: tool paths, the alternate root and the child deadline.
#[derive(Debug, Clone)]
pub struct Host {
    pub tools: Tools,
    /// Alternate root (`-R`): zone configurations and netzone's state live under it.
    pub root: PathBuf,
    pub timeout: Duration,
    /// The SmartOS brand features to assume (`--brand-features`, `NETZONE_BRAND_FEATURES`);
    /// `None`: from the zone's brand name.
    pub brand_features: Option<crate::globalnic::BrandFeatures>,
    /// sysinfo's nic tags, read at most once (shared by clones of this host).
    pub nic_tags: crate::globalnic::TagCache,
}

impl Host {
    pub fn new(tools: Tools, root: impl Into<PathBuf>) -> Self {
        Host {
            tools,
            root: root.into(),
            timeout: DEFAULT_TIMEOUT,
            brand_features: None,
            nic_tags: Default::default(),
        }
    }

    pub fn with_brand_features(mut self, f: Option<crate::globalnic::BrandFeatures>) -> Self {
        self.brand_features = f;
        self
    }

    pub fn with_timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    /// `<root>/etc/svc/volatile/netzone`: netzone's state, gone at reboot like the links it
    /// describes.
    pub fn state_dir(&self) -> PathBuf {
        self.root.join("etc/svc/volatile/netzone")
    }

    pub fn path(&self, tool: Tool) -> &Path {
        match tool {
            Tool::Dladm => &self.tools.dladm,
            Tool::Zoneadm => &self.tools.zoneadm,
            Tool::Zonecfg => &self.tools.zonecfg,
            Tool::Sysinfo => &self.tools.sysinfo,
            Tool::Flowadm => &self.tools.flowadm,
        }
    }

    /// Runs `tool args...` to completion or the deadline. A non-zero exit is not an error here.
    pub fn run(&self, tool: Tool, args: &[String]) -> Result<Output, HostError> {
        run_captured(
            self.path(tool),
            args,
            self.timeout,
            tool.name(),
            args.join(" "),
        )
    }

    /// Runs a program that is not one of the [`Tools`] (a chained brand hook) by argv, with its
    /// own deadline. A non-zero exit is not an error here.
    pub fn run_external(
        &self,
        program: &Path,
        args: &[String],
        timeout: Duration,
    ) -> Result<Output, HostError> {
        let argv = format!("{} {}", program.display(), args.join(" "));
        run_captured(program, args, timeout, "chained hook", argv)
    }

    /// Runs dladm; a non-zero exit becomes [`HostError::Dladm`] with its classified message.
    /// Returns stdout.
    pub fn dladm(&self, args: &[String]) -> Result<String, HostError> {
        let out = self.run(Tool::Dladm, args)?;
        match out.status {
            Some(0) => Ok(out.stdout),
            Some(_) => Err(HostError::Dladm {
                kind: dladm::parse_error_output(&out.stderr),
                argv: args.join(" "),
                message: format!(
                    "dladm {}: {}",
                    args.first().map(String::as_str).unwrap_or(""),
                    dladm::error_message(&out.stderr)
                ),
            }),
            None => Err(HostError::Signalled {
                tool: "dladm",
                argv: args.join(" "),
            }),
        }
    }

    /// Runs zonecfg or zoneadm; a non-zero exit is [`HostError::Failed`]. Returns stdout.
    pub fn run_checked(&self, tool: Tool, args: &[String]) -> Result<String, HostError> {
        if tool == Tool::Dladm {
            return self.dladm(args);
        }
        let out = self.run(tool, args)?;
        match out.status {
            Some(0) => Ok(out.stdout),
            Some(_) => Err(HostError::Failed {
                tool: tool.name(),
                argv: args.join(" "),
                message: out.stderr.trim().replace('\n', "; "),
            }),
            None => Err(HostError::Signalled {
                tool: tool.name(),
                argv: args.join(" "),
            }),
        }
    }
}

enum WaitError {
    Timeout,
    Io(std::io::Error),
}

/// Collects a child's output while it runs (so a chatty child never blocks on a full pipe) and
/// kills it at the deadline.
fn wait_with_deadline(mut child: Child, timeout: Duration) -> Result<Output, WaitError> {
    let mut out_pipe = child.stdout.take();
    let mut err_pipe = child.stderr.take();
    let out_reader = thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(p) = out_pipe.as_mut() {
            let _ = p.read_to_end(&mut s);
        }
        s
    });
    let err_reader = thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(p) = err_pipe.as_mut() {
            let _ = p.read_to_end(&mut s);
        }
        s
    });
    let start = Instant::now();
    let mut nap = Duration::from_micros(200);
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break st,
            Ok(None) => {}
            Err(e) => return Err(WaitError::Io(e)),
        }
        if start.elapsed() >= timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Err(WaitError::Timeout);
        }
        thread::sleep(nap);
        nap = (nap * 2).min(Duration::from_millis(5));
    };
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    Ok(Output {
        status: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    })
}

/// Spawns `program args...` with stdin from /dev/null and captured output, and waits for it
/// until `timeout`; `label` and `argv` name it in a timeout error.
fn run_captured(
    program: &Path,
    args: &[String],
    timeout: Duration,
    label: &'static str,
    argv: String,
) -> Result<Output, HostError> {
    let spawn_error = |source| HostError::Spawn {
        program: program.to_path_buf(),
        source,
    };
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(spawn_error)?;
    wait_with_deadline(child, timeout).map_err(|e| match e {
        WaitError::Timeout => HostError::Timeout {
            tool: label,
            argv,
            secs: timeout.as_secs(),
        },
        WaitError::Io(source) => spawn_error(source),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host_with(dladm: &str) -> Host {
        Host::new(
            Tools {
                dladm: dladm.into(),
                zoneadm: "/nonexistent/zoneadm".into(),
                zonecfg: "/bin/false".into(),
                ..Default::default()
            },
            "/",
        )
    }

    #[test]
    fn captures_output_and_status() {
        let h = host_with("echo");
        let out = h.run(Tool::Dladm, &["a b".into(), "c".into()]).unwrap();
        assert_eq!(out.stdout, "a b c\n");
        assert!(out.success());
        // argv is passed as-is: no word splitting, no globbing.
        let out = h.run(Tool::Dladm, &["*".into()]).unwrap();
        assert_eq!(out.stdout, "*\n");
    }

    #[test]
    fn nonzero_exit_is_classified() {
        let h = host_with("/bin/false");
        let e = h.dladm(&["delete-vnic".into()]).unwrap_err();
        assert!(matches!(e, HostError::Dladm { .. }));
        let e = h.run_checked(Tool::Zonecfg, &[]).unwrap_err();
        assert!(matches!(
            e,
            HostError::Failed {
                tool: "zonecfg",
                ..
            }
        ));
    }

    #[test]
    fn missing_program_is_spawn_error() {
        let h = host_with("/nonexistent/dladm");
        let e = h.run(Tool::Zoneadm, &[]).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/zoneadm"), "{e}");
    }

    #[test]
    fn timeout_kills_the_child() {
        let h = host_with("sleep").with_timeout(Duration::from_millis(200));
        let t = Instant::now();
        let e = h.run(Tool::Dladm, &["5".into()]).unwrap_err();
        assert!(matches!(e, HostError::Timeout { .. }), "{e}");
        assert!(t.elapsed() < Duration::from_secs(3));
    }
}
