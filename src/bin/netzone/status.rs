//! `netzone status`: whether this host can serve netzone's hooks now, as CNI's STATUS verb
//! answers for a container network: the tools exist, dlmgmtd answers, the state directory is
//! writable, and every configured global NIC exists. One line per check; exit 0 when all pass,
//! 1 otherwise. `--json` prints `{"version", "ready", "checks": [{"check", "ok", "detail"}]}`.

use std::path::Path;
use std::process::ExitCode;

use netzone::dladm::observe;
use netzone::hostcheck::HostView;
use netzone::zonecfg::{self, GlobalNic};

use crate::GlobalOpts;

#[derive(clap::Args, Debug)]
pub struct StatusArgs {
    /// JSON output.
    #[arg(long)]
    pub json: bool,
}

struct Check {
    name: String,
    ok: bool,
    detail: String,
}

fn executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Creates and removes a file in `dir` (made if missing): the journals and locks live there.
fn writable(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let probe = dir.join(format!(".status.{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|e| e.to_string())?;
    std::fs::remove_file(&probe).map_err(|e| e.to_string())
}

pub fn run(g: &GlobalOpts, a: StatusArgs) -> anyhow::Result<ExitCode> {
    let host = crate::lifecycle::host(g);
    let mut checks = Vec::new();
    for (tool, path) in [
        ("dladm", &g.dladm),
        ("zoneadm", &g.zoneadm),
        ("zonecfg", &g.zonecfg),
    ] {
        let ok = executable(path);
        checks.push(Check {
            name: tool.to_string(),
            ok,
            detail: if ok {
                path.display().to_string()
            } else {
                format!("{} does not exist or is not executable", path.display())
            },
        });
    }
    let dl = if checks[0].ok {
        observe::verify_dlmgmtd(&host).map_err(|e| e.to_string())
    } else {
        Err("dladm cannot be run".to_string())
    };
    checks.push(Check {
        name: "dlmgmtd".into(),
        ok: dl.is_ok(),
        detail: match &dl {
            Ok(()) => "answers".into(),
            Err(e) => format!("does not answer ({e}); start svc:/network/datalink-management"),
        },
    });
    let state = host.state_dir();
    let w = writable(&state);
    checks.push(Check {
        name: "state".into(),
        ok: w.is_ok(),
        detail: match &w {
            Ok(()) => format!("{} is writable", state.display()),
            Err(e) => format!("{} is not writable: {e}", state.display()),
        },
    });
    // Every global NIC a configured zone names must be a link of the global zone.
    let configs: Vec<_> = zonecfg::configured_zones(&g.root)
        .map(|v| v.into_iter().filter_map(|z| z.config.ok()).collect())
        .unwrap_or_default();
    let view = if dl.is_ok() {
        crate::ops::resolve_flavour(&host, g)
            .and_then(|f| HostView::read(&host, f).map_err(anyhow::Error::from))
            .map_err(|e| crate::ops::one_line(&e))
    } else {
        Err("dlmgmtd does not answer".to_string())
    };
    let mut nics: Vec<(String, String)> = Vec::new();
    for c in &configs {
        for n in c.managed_nets() {
            if let Some(GlobalNic::Link(l)) = &n.global_nic {
                nics.push((
                    l.to_string(),
                    format!("zone '{}' net '{}'", c.name(), n.physical),
                ));
            }
        }
    }
    nics.sort();
    for (nic, users) in nics.chunk_by(|a, b| a.0 == b.0).map(|g| {
        (
            g[0].0.clone(),
            g.iter()
                .map(|(_, u)| u.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        )
    }) {
        let (ok, detail) = match &view {
            Ok(v) => match v
                .links
                .iter()
                .find(|l| l.name.as_str() == nic && l.zone.is_none())
            {
                Some(_) => (true, format!("exists (used by {users})")),
                None => (
                    false,
                    format!("no such link in the global zone (used by {users})"),
                ),
            },
            Err(e) => (false, format!("cannot be checked: {e}")),
        };
        checks.push(Check {
            name: format!("global-nic {nic}"),
            ok,
            detail,
        });
    }
    let ready = checks.iter().all(|c| c.ok);
    if a.json {
        let v = serde_json::json!({
            "ready": ready,
            "checks": checks.iter().map(|c| serde_json::json!({
                "check": c.name, "ok": c.ok, "detail": c.detail,
            })).collect::<Vec<_>>(),
        });
        println!("{}", crate::json::document(&v));
    } else {
        let width = checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
        for c in &checks {
            println!(
                "{:<4}  {:<width$}  {}",
                if c.ok { "ok" } else { "FAIL" },
                c.name,
                c.detail
            );
        }
        println!(
            "{}",
            if ready {
                "this host can serve netzone's hooks"
            } else {
                "this host cannot serve netzone's hooks now"
            }
        );
    }
    Ok(ExitCode::from(if ready { 0 } else { 1 }))
}
