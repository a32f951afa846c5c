//! `netzone plan|up|down ZONE`: print the steps, apply them, or remove the zone's netzone links.
//! `up` and `down` are idempotent: a second run changes nothing and says so.
//!
//! Exit status: 0 success (including nothing to do), 1 failure; messages follow illumos tools:
//! `netzone: zone 'web1': net 'net0': dladm create-vnic: ...`.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use netzone::apply::{self, Outcome};
use netzone::flavour::{self, Flavour};
use netzone::host::{Host, Tools};
use netzone::journal::Journal;
use netzone::linkname::LinkName;
use netzone::syslog::{self, Level};
use netzone::zoneadm::{self, State};
use netzone::zonecfg::{self, ZoneConfig};
use netzone::zonename::ZoneName;

use crate::json::coded;
use crate::GlobalOpts;
use netzone::error::ErrorKind;

#[derive(clap::Args, Debug)]
pub struct ZoneArgs {
    /// Print the result as JSON (steps as argv arrays) instead of text.
    #[arg(long)]
    pub json: bool,
    /// The zone.
    pub zone: String,
}

/// The host from the global options; NETZONE_TIMEOUT (seconds) bounds every child, and
/// NETZONE_LOCK_TIMEOUT (seconds, unset: no limit) the wait for another run on the same zone.
pub fn host(g: &GlobalOpts) -> Host {
    let timeout = std::env::var("NETZONE_TIMEOUT")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|v| *v > 0)
        .map(Duration::from_secs)
        .unwrap_or(netzone::host::DEFAULT_TIMEOUT);
    let host = Host::new(
        Tools {
            dladm: g.dladm.clone(),
            zoneadm: g.zoneadm.clone(),
            zonecfg: g.zonecfg.clone(),
            route: g.route.clone(),
            ..Tools::from_env()
        },
        &g.root,
    )
    .with_timeout(timeout)
    .with_brand_features(brand_features());
    match std::env::var("NETZONE_LOCK_TIMEOUT")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        Some(secs) => host.with_lock_timeout(Duration::from_secs(secs)),
        None => host,
    }
}

/// `NETZONE_BRAND_FEATURES`; an invalid value is reported and ignored (the brand's name decides).
pub fn brand_features() -> Option<netzone::globalnic::BrandFeatures> {
    match netzone::globalnic::features_from_env() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("netzone: {e}; using the brand's defaults");
            None
        }
    }
}

fn zone_name(s: &str) -> anyhow::Result<ZoneName> {
    ZoneName::new(s).with_context(|| format!("zone '{s}': invalid zone name"))
}

fn setup(g: &GlobalOpts, zone: &str) -> anyhow::Result<(Host, Flavour, ZoneName)> {
    let h = host(g);
    let f = flavour::resolve(&h, g.flavour.as_deref())?;
    Ok((h, f, zone_name(zone)?))
}

fn load(h: &Host, zone: &ZoneName) -> anyhow::Result<ZoneConfig> {
    zonecfg::load(&h.root, zone).map_err(|e| coded(e.kind(), e.lines().join("\nnetzone: ")))
}

/// Every line of a multi-line error gets the `netzone: ` prefix main adds to the first; the
/// error keeps its kind.
fn lines(e: apply::ApplyError) -> anyhow::Error {
    coded(
        e.kind(),
        e.to_string()
            .lines()
            .collect::<Vec<_>>()
            .join("\nnetzone: "),
    )
}

fn names(v: &[LinkName]) -> String {
    v.iter().map(|n| n.as_str()).collect::<Vec<_>>().join(" ")
}

/// A plan or outcome as JSON, through the library's own serialisation (`Plan` and
/// `Outcome`): each step's typed fields and its exact argv (starting with `dladm`).
/// The document carries a top-level `version` ([`crate::json::document`]).
fn json<T: serde::Serialize>(v: &T) -> String {
    crate::json::document(v)
}

pub fn plan(g: &GlobalOpts, a: ZoneArgs) -> anyhow::Result<ExitCode> {
    let (h, f, zone) = setup(g, &a.zone)?;
    let cfg = load(&h, &zone)?;
    let p = apply::plan(&h, f, &cfg).map_err(lines)?;
    if a.json {
        println!("{}", json(&p));
    } else if p.is_noop() {
        println!("# zone '{zone}': nothing to do ({f})");
    } else {
        print!("{}", p.script());
    }
    Ok(ExitCode::SUCCESS)
}

fn report(verb: &str, o: &Outcome, verbose: bool) {
    if verbose {
        eprint!("{}", o.plan.script());
    }
    for n in &o.plan.not_ours {
        eprintln!("netzone: {n}");
        syslog::log(Level::Notice, &n.to_string());
    }
    let z = &o.zone;
    if o.is_noop() {
        if o.plan.satisfied.is_empty() {
            println!("zone '{z}': {verb}: nothing to do");
        } else {
            println!(
                "zone '{z}': {verb}: nothing to do ({} already up)",
                names(&o.plan.satisfied)
            );
        }
        return;
    }
    // Changes are also recorded in syslog (daemon facility), like the hook's.
    if !o.removed.is_empty() {
        println!("zone '{z}': {verb}: removed {}", names(&o.removed));
        syslog::log(
            Level::Info,
            &format!("zone '{z}': {verb}: removed {}", names(&o.removed)),
        );
    }
    if !o.created.is_empty() {
        println!("zone '{z}': {verb}: created {}", names(&o.created));
        syslog::log(
            Level::Info,
            &format!("zone '{z}': {verb}: created {}", names(&o.created)),
        );
    }
    for (net, mac) in &o.macs_written {
        println!("zone '{z}': {verb}: net '{net}': mac-addr {mac} saved");
    }
    if o.removed.is_empty() && o.created.is_empty() && o.macs_written.is_empty() {
        println!("zone '{z}': {verb}: journal updated");
    }
}

/// `up` acts only for a zone that is ready or running: the links of a zone in any other state
/// would be orphans (`show` lists them, `gc` removes them), and the zone's boot creates them
/// through the brand's hooks anyway. Checked before anything is created.
fn require_up(h: &Host, zone: &ZoneName) -> anyhow::Result<()> {
    let zones = netzone::zoneadm::list(h)?;
    match zones.iter().find(|z| z.name == zone.as_str()) {
        None => Err(coded(
            ErrorKind::NotFound,
            format!("zone '{zone}': no such zone configured"),
        )),
        Some(z) if matches!(z.state, State::Ready | State::Running) => Ok(()),
        Some(z) => Err(coded(
            ErrorKind::ZoneState,
            format!(
                "zone '{zone}': zone is {}, not ready or running: nothing was created (its \
                 links would be orphans); boot the zone, and its brand's hooks create them",
                netzone::zoneadm::state_name(z.state)
            ),
        )),
    }
}

pub fn up(g: &GlobalOpts, a: ZoneArgs) -> anyhow::Result<ExitCode> {
    let (h, f, zone) = setup(g, &a.zone)?;
    require_up(&h, &zone)?;
    let o = apply::up_zone(&h, f, &zone).map_err(lines)?;
    if a.json {
        println!("{}", json(&o));
    } else {
        report("up", &o, g.verbose);
    }
    Ok(ExitCode::SUCCESS)
}

/// `down` of a running zone that holds netzone links would not complete: IP is plumbed on the
/// links the zone booted with, and a link in use cannot leave its zone (dls_link.c
/// `dls_link_setzid`, "link busy"), while on joyent the rename to the temporary name before the
/// move would succeed and leave the zone with a link under that name. So it is refused before
/// any step runs, with the way out.
fn refuse_running(h: &Host, zone: &ZoneName) -> anyhow::Result<()> {
    let held = Journal::load(&h.state_dir(), zone)
        .map(|j| !j.links.is_empty())
        .unwrap_or(true);
    if !held {
        return Ok(());
    }
    let running = zoneadm::list(h)?
        .iter()
        .any(|z| z.name == zone.as_str() && z.state == zoneadm::State::Running);
    if running {
        return Err(coded(
            ErrorKind::LinkBusy,
            format!(
                "zone '{zone}': the zone is running and its links are in use; netzone takes \
                 links back only from a zone that is ready or halted: halt it (zoneadm -z {zone} \
                 halt), whose teardown removes them"
            ),
        ));
    }
    Ok(())
}

pub fn down(g: &GlobalOpts, a: ZoneArgs) -> anyhow::Result<ExitCode> {
    let (h, f, zone) = setup(g, &a.zone)?;
    refuse_running(&h, &zone)?;
    let o = apply::down(&h, f, &zone).map_err(lines)?;
    if a.json {
        println!("{}", json(&o));
    } else {
        report("down", &o, g.verbose);
    }
    Ok(ExitCode::SUCCESS)
}
