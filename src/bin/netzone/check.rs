//! `netzone check`: validate zone network configurations, and what only the host knows.
//!
//! `check ZONE...` reads `<root>/etc/zones/<zone>.xml` for each zone; `check --all` does so for
//! every zone in `<root>/etc/zones/index`; `check --file FILE` reads one file. Every form runs the
//! per-zone rules and the host-wide ones against the other configured zones (an explicit MAC used
//! by another zone). `check ZONE...` and `check --all` then read the host once
//! ([`netzone::hostcheck`]) and check each valid zone against its links: the global NIC exists,
//! the MTU fits it, `physical` is not a link netzone did not make, no other zone's `physical` on
//! gate, no live link with the MAC. When the host cannot be read (dlmgmtd down), it says that
//! only the configuration was checked. `--file` checks the configuration only.
//!
//! Every problem is printed, one line each; exit status 0 when all
//! are valid, 1 otherwise (2 for usage, from clap). With `--json` the same verdicts are also
//! printed as one document on stdout ([`CheckDoc`]).

use std::path::PathBuf;
use std::process::ExitCode;

use netzone::error::ErrorKind;
use netzone::hostcheck::{self, AutoError, HostView};
use netzone::validate;
use netzone::zonecfg::error::NetRef;
use netzone::zonecfg::{self, ConfigError, Problem, ZoneConfig};
use netzone::zonename::ZoneName;

use crate::GlobalOpts;

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Check this zone XML file (as the brand's verify_cfg does) instead of named zones; the
    /// configuration only, not the host.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["zones", "all"])]
    pub file: Option<PathBuf>,
    /// Check every zone listed in ROOT/etc/zones/index.
    #[arg(short = 'a', long, conflicts_with = "zones")]
    pub all: bool,
    /// Check the links of ready or running zones against their configuration and journal
    /// (with -a: every ready or running zone).
    #[arg(long, conflicts_with = "file")]
    pub live: bool,
    /// Also print the verdicts as JSON on stdout (the messages stay on stderr).
    #[arg(long)]
    pub json: bool,
    /// Zones to check (their files under ROOT/etc/zones).
    #[arg(value_name = "ZONE", required_unless_present_any = ["file", "all"])]
    pub zones: Vec<String>,
}

/// A code and a message, as the error document has them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ErrorOut {
    /// [`ErrorKind::code`].
    pub code: &'static str,
    /// The message, as printed after `netzone: `.
    pub message: String,
}

/// `check --json` (static): `{"version":1,"live":false,"valid":..,"host":{..},"zones":[..]}`.
#[derive(serde::Serialize)]
struct CheckDoc {
    live: bool,
    /// Every zone is valid (exit status 0).
    valid: bool,
    /// Whether the host's links were read for the host checks, and why not.
    host: HostRead,
    zones: Vec<ZoneCheck>,
}

#[derive(Default, serde::Serialize)]
struct HostRead {
    read: bool,
    error: Option<ErrorOut>,
}

/// The verdict on one zone (or `--file`).
#[derive(serde::Serialize)]
struct ZoneCheck {
    /// The zone as named, or as its file names it (`null` when unknown).
    zone: Option<String>,
    /// With `--file`: the file.
    file: Option<PathBuf>,
    valid: bool,
    /// Checked against the host's links too.
    host_checked: bool,
    problems: Vec<ProblemOut>,
    /// What could not be checked, said on stderr as well.
    warnings: Vec<String>,
}

/// One problem: the error kind's code, where it is, and the line printed for it.
#[derive(serde::Serialize)]
struct ProblemOut {
    code: &'static str,
    /// `config`: the zone's configuration (and the other zones'); `host`: against the host's
    /// links.
    source: &'static str,
    /// The net's `physical` name as written.
    net: Option<String>,
    /// The net's position (from 1), for a net without a `physical` name.
    net_index: Option<usize>,
    attribute: Option<String>,
    value: Option<String>,
    reason: String,
    message: String,
}

impl ProblemOut {
    fn of(p: &Problem, source: &'static str) -> Self {
        let (net, net_index) = match &p.net {
            Some(NetRef::Physical(n)) => (Some(n.clone()), None),
            Some(NetRef::Index(i)) => (None, Some(*i)),
            None => (None, None),
        };
        ProblemOut {
            code: ErrorKind::InvalidConfig.code(),
            source,
            net,
            net_index,
            attribute: p.attribute.clone(),
            value: p.value.clone(),
            reason: p.reason.clone(),
            message: p.to_string(),
        }
    }

    /// A failure that is no configuration problem: the whole message, its kind's code.
    fn whole(kind: ErrorKind, source: &'static str, message: String) -> Self {
        ProblemOut {
            code: kind.code(),
            source,
            net: None,
            net_index: None,
            attribute: None,
            value: None,
            reason: message.clone(),
            message,
        }
    }

    /// Every problem of `e`.
    fn all(e: &ConfigError, source: &'static str) -> Vec<Self> {
        match e.problems() {
            [] => e
                .lines()
                .into_iter()
                .map(|l| Self::whole(e.kind(), source, l))
                .collect(),
            ps => ps.iter().map(|p| Self::of(p, source)).collect(),
        }
    }
}

/// Prints every line of `e` with the program prefix.
fn report(e: &ConfigError) {
    for line in e.lines() {
        eprintln!("netzone: {line}");
    }
}

/// The host, read at most once per run; `None` after a failed read (said once).
struct HostOnce<'a> {
    g: &'a GlobalOpts,
    host: netzone::host::Host,
    view: Option<Option<HostView>>,
    /// Why the read failed.
    error: Option<ErrorOut>,
}

impl HostOnce<'_> {
    fn get(&mut self) -> Option<(&netzone::host::Host, &HostView)> {
        if self.view.is_none() {
            let host = &self.host;
            let res = crate::ops::resolve_flavour(host, self.g)
                .and_then(|f| HostView::read(host, f).map_err(anyhow::Error::from));
            self.view = Some(match res {
                Ok(v) => Some(v),
                Err(e) => {
                    let message = format!(
                        "cannot read the host's links ({}): checked the configuration only",
                        crate::ops::one_line(&e)
                    );
                    eprintln!("netzone: {message}");
                    self.error = Some(ErrorOut {
                        code: crate::json::kind_of(&e).code(),
                        message,
                    });
                    None
                }
            });
        }
        let host = &self.host;
        self.view
            .as_ref()
            .and_then(Option::as_ref)
            .map(|v| (host, v))
    }
}

/// Prints the verdict on one zone and returns it.
fn verdict(
    g: &GlobalOpts,
    zone: Option<String>,
    res: Result<ZoneConfig, ConfigError>,
    host: Option<(&mut HostOnce<'_>, &[ZoneConfig])>,
) -> ZoneCheck {
    let mut out = ZoneCheck {
        zone,
        file: None,
        valid: false,
        host_checked: false,
        problems: Vec::new(),
        warnings: Vec::new(),
    };
    let cfg = match res {
        Ok(cfg) => cfg,
        Err(e) => {
            report(&e);
            out.problems = ProblemOut::all(&e, "config");
            if out.zone.is_none() {
                out.zone = e.problems().first().map(|p| p.zone.clone());
            }
            return out;
        }
    };
    out.zone = Some(cfg.name().to_string());
    if let Some((once, others)) = host {
        if let Some((h, view)) = once.get() {
            out.host_checked = true;
            let cfg = match hostcheck::resolve_auto(h, &cfg) {
                Ok(resolved) => resolved,
                Err(AutoError::Problem(e)) => {
                    eprintln!("netzone: {e}");
                    out.problems
                        .push(ProblemOut::whole(ErrorKind::InvalidConfig, "host", e));
                    return out;
                }
                Err(AutoError::Unreadable(e)) => {
                    let w = format!("{e}: global-nic 'auto' not checked against the host");
                    eprintln!("netzone: {w}");
                    out.warnings.push(w);
                    cfg.clone()
                }
            };
            let problems = hostcheck::problems(&cfg, others, view);
            if !problems.is_empty() {
                out.problems = problems.iter().map(|p| ProblemOut::of(p, "host")).collect();
                report(&ConfigError::Invalid { problems });
                return out;
            }
        }
    }
    if g.verbose {
        eprintln!(
            "netzone: zone '{}': valid ({} nets, {} created by netzone)",
            cfg.name(),
            cfg.nets().len(),
            cfg.managed_nets().count()
        );
    }
    out.valid = true;
    out
}

/// Prints the document (with `--json`) and gives the exit status.
fn finish(a: &CheckArgs, zones: Vec<ZoneCheck>, host: HostRead) -> ExitCode {
    let valid = zones.iter().all(|z| z.valid);
    if a.json {
        let doc = CheckDoc {
            live: false,
            valid,
            host,
            zones,
        };
        println!("{}", crate::json::document(&doc));
    }
    ExitCode::from(if valid { 0 } else { 1 })
}

pub fn run(g: &GlobalOpts, a: CheckArgs) -> anyhow::Result<ExitCode> {
    if let Some(file) = &a.file {
        let mut v = verdict(g, None, validate::check_file(&g.root, file), None);
        v.file = Some(file.clone());
        return Ok(finish(&a, vec![v], HostRead::default()));
    }
    crate::require_index(g)?;
    if a.live {
        return crate::live::run(g, &a.zones, a.all, a.json);
    }
    let mut zones = a.zones.clone();
    if a.all {
        let entries = netzone::zoneindex::read(&g.root)
            .map_err(|e| crate::json::coded(e.kind(), e.to_string()))?;
        zones.extend(
            entries
                .into_iter()
                .map(|e| e.name)
                .filter(|n| n != "global"),
        );
        if zones.is_empty() {
            return Err(crate::json::coded(
                ErrorKind::NotFound,
                format!(
                    "no zone is configured under {} (its index lists only the global zone): \
                     nothing to check",
                    g.root.display()
                ),
            ));
        }
    }
    // Every configured zone's valid configuration, read once for the host checks.
    let configured: Vec<ZoneConfig> = zonecfg::configured_zones(&g.root)
        .map(|v| v.into_iter().filter_map(|z| z.config.ok()).collect())
        .unwrap_or_default();
    let mut once = HostOnce {
        g,
        host: crate::lifecycle::host(g),
        view: None,
        error: None,
    };
    let mut verdicts = Vec::new();
    for z in &zones {
        match ZoneName::new(z) {
            Ok(name) => verdicts.push(verdict(
                g,
                Some(z.clone()),
                validate::check_zone(&g.root, &name),
                Some((&mut once, &configured)),
            )),
            Err(e) => {
                let message = format!(
                    "zone '{}': invalid zone name: {e}",
                    zonecfg::error::printable(z)
                );
                eprintln!("netzone: {message}");
                verdicts.push(ZoneCheck {
                    zone: Some(z.clone()),
                    file: None,
                    valid: false,
                    host_checked: false,
                    problems: vec![ProblemOut::whole(e.kind(), "config", message)],
                    warnings: Vec::new(),
                });
            }
        }
    }
    let host = HostRead {
        read: matches!(once.view, Some(Some(_))),
        error: once.error.take(),
    };
    Ok(finish(&a, verdicts, host))
}
