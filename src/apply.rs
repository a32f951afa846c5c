//! Running a plan: every step journalled, and on any failure exactly what this run created
//! undone, newest first.
//!
//! The entry points [`up`], [`down`] and [`crate::recover::reclaim`] each take the zone's lock, read its journal,
//! observe the host once, plan, and apply. Deleting tolerates "object not found" (the goal is
//! reached) and retries "link busy" a bounded number of times; a link on loan to a zone that is
//! still ready or running is first handed back to the global zone (`set-linkprop -t -p
//! zone=global`, as zoneadmd does at halt), renamed back to its temporary name first on joyent so
//! it cannot collide with a global-zone link of the same name.
//!
//! ```no_run
//! use netzone::{apply, flavour, host::{Host, Tools}, zonecfg, zonename::ZoneName};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let host = Host::new(Tools::from_env(), "/");
//! let flavour = flavour::resolve(&host, None)?;
//! let zone = ZoneName::new("web1")?;
//! let cfg = zonecfg::load(&host.root, &zone)?;
//! let plan = apply::plan(&host, flavour, &cfg)?;
//! print!("{plan}"); // one `dladm ...` line per step
//! let outcome = apply::up(&host, flavour, &cfg)?;
//! println!("created {:?}, unchanged {:?}", outcome.created, outcome.plan.satisfied);
//! apply::down(&host, flavour, &zone)?;
//! # Ok(()) }
//! ```

use std::thread;
use std::time::Duration;

use crate::conflicts::{self, MacConflict};
use crate::dladm::observe::{self, Observation, ObserveError};
use crate::dladm::{self, DladmErrorKind};
use crate::flavour::Flavour;
use crate::host::{Host, HostError, Tool};
use crate::journal::{self, FlowState, Journal, JournalError, JournalFlow, JournalLink, LinkState};
use crate::linkname::LinkName;
use crate::mac::{Mac, MacSpec};
use crate::plan::{self, Plan, PlanError, Step, When};
use crate::tempname;
use crate::zonecfg::ZoneConfig;
use crate::zonecfg_write;
use crate::zonename::ZoneName;

/// How many times a delete that reports "link busy" is tried.
pub const BUSY_ATTEMPTS: u32 = 5;
/// First pause between busy retries; doubles each time.
pub const BUSY_BACKOFF: Duration = Duration::from_millis(50);

/// Why an operation on a zone's links failed. Display: `zone 'Z': net 'N': <cause>`.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The zone's configuration could not be read (one line per problem).
    #[error("{}", .0.lines().join("\n"))]
    Config(#[from] Box<crate::zonecfg::ConfigError>),
    /// No plan can be made.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// A `global-nic` could not be turned into a link (route for `auto`, nic tag, overlay
    /// rule, class, MTU), before anything was created.
    #[error(transparent)]
    Resolve(#[from] crate::globalnic::ResolveError),
    /// The host's links could not be read.
    #[error("zone '{zone}': cannot observe links: {source}")]
    Observe {
        /// The zone.
        zone: ZoneName,
        /// The underlying failure.
        #[source]
        source: ObserveError,
    },
    /// The zone's journal or lock could not be used.
    #[error("zone '{zone}': {source}")]
    Journal {
        /// The zone.
        zone: ZoneName,
        /// The underlying failure.
        #[source]
        source: JournalError,
    },
    /// A dladm or zonecfg step failed; everything this run created was undone unless `undo`
    /// lists what could not be.
    #[error("zone '{zone}': {}{source}{}", net.as_ref().map(|n| format!("net '{n}': ")).unwrap_or_default(), undo_note(undo))]
    Step {
        /// The zone.
        zone: ZoneName,
        /// The net whose step failed, if the step was for one.
        net: Option<LinkName>,
        /// The underlying failure.
        #[source]
        source: Box<HostError>,
        /// What could not be undone, one line each.
        undo: Vec<String>,
    },
    /// A configured `mac-addr` is already used elsewhere on the host (nothing was created).
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    MacConflicts(Vec<MacConflict>),
    /// Several steps of a removal failed (each is reported; the others were carried out).
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Several(Vec<ApplyError>),
    /// gate: a link on loan to a zone cannot be named from the global zone.
    #[error("zone '{zone}': net '{net}': link '{net}' is on loan to zone '{holder}' and cannot be removed until it halts")]
    OnLoan {
        /// The zone.
        zone: ZoneName,
        /// The net.
        net: LinkName,
        /// The zone holding the link.
        holder: ZoneName,
    },
}

impl ApplyError {
    /// A `create-vnic` that failed because its name exists, with the run fully undone.
    fn is_create_name_taken(&self) -> bool {
        match self {
            ApplyError::Step { source, undo, .. } => {
                undo.is_empty()
                    && matches!(source.as_ref(), HostError::Dladm { kind: DladmErrorKind::AlreadyExists, argv, .. }
                        if argv.first() == Some("create-vnic"))
            }
            _ => false,
        }
    }
}

fn undo_note(undo: &[String]) -> String {
    if undo.is_empty() {
        String::new()
    } else {
        format!(" (undo incomplete: {})", undo.join("; "))
    }
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The zone.
    pub zone: ZoneName,
    /// The plan that was run.
    pub plan: Plan,
    /// Nets whose links this run created.
    pub created: Vec<LinkName>,
    /// Links this run deleted (or handed back to the global zone).
    pub removed: Vec<LinkName>,
    /// MACs written back into the zone's configuration (with [`MacPolicy::WriteBack`]).
    pub macs_written: Vec<(LinkName, Mac)>,
    /// `up`: the MAC of every net netzone created a link for and that has no configured
    /// `mac-addr` (the one netzone chose and recorded), whether or not it was written back.
    pub macs: Vec<(LinkName, Mac)>,
}

/// What `up` does with the MACs netzone chose for nets without a configured `mac-addr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MacPolicy {
    /// Write them into the zone's configuration with one `zonecfg -z ZONE` run, so the zone
    /// keeps them across boots (what the hooks and the CLI do).
    #[default]
    WriteBack,
    /// Only return them in [`Outcome::macs`]: for a zone with no zonecfg configuration (a
    /// network spec built in code), whose caller keeps them itself.
    Return,
}

/// Options of [`up_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UpOptions {
    /// What to do with the MACs netzone chose.
    pub macs: MacPolicy,
}

impl UpOptions {
    /// What [`up`] uses for `cfg`: write MACs back for a zone read from its zone file, return
    /// them for a spec built in code ([`crate::spec`]), which has no zonecfg zone to write to.
    pub fn for_config(cfg: &ZoneConfig) -> Self {
        UpOptions {
            macs: if cfg.zonepath().is_some() {
                MacPolicy::WriteBack
            } else {
                MacPolicy::Return
            },
        }
    }
}

impl serde::Serialize for Outcome {
    /// The plan's fields ([`Plan`]'s serialisation) plus `"created"`, `"removed"`,
    /// `"macs_written": [{"net", "mac"}]` and `"changed"` (false when the run changed nothing).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct MacOut<'a> {
            net: &'a LinkName,
            mac: &'a Mac,
        }
        #[derive(serde::Serialize)]
        struct OutcomeOut<'a> {
            #[serde(flatten)]
            plan: &'a Plan,
            created: &'a [LinkName],
            removed: &'a [LinkName],
            macs_written: Vec<MacOut<'a>>,
            macs: Vec<MacOut<'a>>,
            changed: bool,
        }
        OutcomeOut {
            plan: &self.plan,
            created: &self.created,
            removed: &self.removed,
            macs_written: self
                .macs_written
                .iter()
                .map(|(net, mac)| MacOut { net, mac })
                .collect(),
            macs: self
                .macs
                .iter()
                .map(|(net, mac)| MacOut { net, mac })
                .collect(),
            changed: !self.is_noop(),
        }
        .serialize(s)
    }
}

impl Outcome {
    /// True when the run changed nothing.
    pub fn is_noop(&self) -> bool {
        self.plan.is_noop() && self.macs_written.is_empty()
    }
}

fn jerr(zone: &ZoneName) -> impl FnOnce(JournalError) -> ApplyError + '_ {
    move |source| ApplyError::Journal {
        zone: zone.clone(),
        source,
    }
}

/// Observes the host; an empty walk is double-checked against a dead dlmgmtd only when the
/// journal has entries that an empty answer would make netzone forget.
fn observe_zone(
    host: &Host,
    flavour: Flavour,
    zone: &ZoneName,
    journal: &Journal,
) -> Result<Observation, ApplyError> {
    observe::observe_checked(host, flavour, !journal.links.is_empty()).map_err(|source| {
        ApplyError::Observe {
            zone: zone.clone(),
            source,
        }
    })
}

/// What `up` needs to see of the host. Nothing at all when no net is netzone's and nothing is
/// recorded, or on joyent when the journal is empty: the journal is written before every
/// `create-vnic`, so there is no leftover of netzone's to find, and the zone's fresh namespace
/// cannot already hold the names (a clash would still fail `rename-link` cleanly and be undone).
/// On gate the host-wide name check needs the `show-linkprop` walk; VNIC details are read only
/// when a name of interest is taken.
///
/// `look` forces the observation on joyent: after a `create-vnic` found its temporary name taken
/// (a leftover whose journal was lost), the retry must see it to remove it.
///
/// A zone with a configured `mac-addr` needs every VNIC's MAC (the host-wide check of
/// [`conflicts::mac_conflicts`]), so its observation is always the full one.
fn observe_for_up(
    host: &Host,
    flavour: Flavour,
    cfg: &ZoneConfig,
    j: &Journal,
    look: bool,
) -> Result<Observation, ApplyError> {
    let want = plan::desired_nets(cfg)?;
    let full = want
        .iter()
        .any(|d| matches!(d.net.mac, Some(MacSpec::Fixed(_))));
    if !full
        && j.links.is_empty()
        && (want.is_empty() || (flavour.dialect().link_home(&cfg.name).is_some() && !look))
    {
        return Ok(Observation::default());
    }
    let zone = &cfg.name;
    let interest = |n: &LinkName| {
        full || want.iter().any(|d| &d.net.physical == n)
            || j.find(n).is_some()
            || tempname::owned_index(n, zone).is_some()
    };
    observe::observe_interested(host, flavour, !j.links.is_empty(), &interest).map_err(|source| {
        ApplyError::Observe {
            zone: zone.clone(),
            source,
        }
    })
}

/// Observes and plans without changing anything (`netzone plan`): the plan `up` would run now.
pub fn plan(host: &Host, flavour: Flavour, cfg: &ZoneConfig) -> Result<Plan, ApplyError> {
    let state = host.state_dir();
    let _lock = host.lock_zone(&cfg.name).map_err(jerr(&cfg.name))?;
    let j = Journal::load(&state, &cfg.name).map_err(jerr(&cfg.name))?;
    let cfg = &crate::globalnic::resolve(host, cfg)?;
    let obs = observe_for_up(host, flavour, cfg, &j, false)?;
    check_conflicts(host, cfg, &obs, &j)?;
    let flows = observe_flows(host, flavour, cfg, &obs, &j)?;
    plan::plan_up_full(cfg, flavour, &obs, &flows, &j, &mut Mac::draw_random)
        .map_err(|e| name_the_holder(host, flavour, e))
}

/// The flows of the links [`plan::flow_queries`] names: one `flowadm show-flow -l` per link,
/// none at all when the journal records no link (the usual boot).
fn observe_flows(
    host: &Host,
    flavour: Flavour,
    cfg: &ZoneConfig,
    obs: &Observation,
    j: &Journal,
) -> Result<Vec<crate::netattr::LinkFlows>, ApplyError> {
    let oerr = |source: ObserveError| ApplyError::Observe {
        zone: cfg.name.clone(),
        source,
    };
    let mut v = Vec::new();
    for (link, zone) in plan::flow_queries(cfg, flavour, obs, j)? {
        let z = flavour.dialect().zone_arg(zone.as_ref());
        let out = host
            .run_checked(Tool::Flowadm, &crate::netattr::show_flow_command(&link, z))
            .map_err(|e| oerr(e.into()))?;
        let flows = crate::netattr::parse_show_flow_output(&out).map_err(|e| oerr(e.into()))?;
        v.push(crate::netattr::LinkFlows { link, zone, flows });
    }
    Ok(v)
}

/// What the host-wide checks read besides the observation: the NICs' MACs, the other zones'
/// configurations and every journal. Read only when the zone configures a MAC.
fn check_conflicts(
    host: &Host,
    cfg: &ZoneConfig,
    obs: &Observation,
    own: &Journal,
) -> Result<(), ApplyError> {
    if conflicts::configured_macs(cfg).is_empty() {
        return Ok(());
    }
    let oerr = |source: ObserveError| ApplyError::Observe {
        zone: cfg.name.clone(),
        source,
    };
    let out = host
        .dladm(&dladm::show_phys_mac_command())
        .map_err(|e| oerr(e.into()))?;
    let phys = dladm::parse_show_phys_mac_output(&out).map_err(|e| oerr(e.into()))?;
    let others: Vec<ZoneConfig> = crate::zonecfg::configured_zones(&host.root)
        .map(|zs| zs.into_iter().filter_map(|z| z.config.ok()).collect())
        .unwrap_or_default();
    let journals = all_journals(host);
    let found = conflicts::mac_conflicts(cfg, obs, &phys, own, &others, &journals);
    if found.is_empty() {
        Ok(())
    } else {
        Err(ApplyError::MacConflicts(found))
    }
}

/// Every zone's journal that can be read.
fn all_journals(host: &Host) -> Vec<Journal> {
    let state = host.state_dir();
    journal::zones_with_journal(&state)
        .iter()
        .filter_map(|z| Journal::load(&state, z).ok())
        .collect()
}

/// gate: a final name taken in the global zone by another zone's link (two zones configuring
/// the same `physical`) is reported with the zone that holds it.
fn name_the_holder(host: &Host, flavour: Flavour, e: PlanError) -> ApplyError {
    if let PlanError::Conflict { zone, net, .. } = &e {
        if flavour.dialect().names_host_wide() {
            if let Some(holder) = conflicts::name_holders(net, zone, &all_journals(host)).first() {
                return PlanError::NameInUseByZone {
                    zone: zone.clone(),
                    net: net.clone(),
                    holder: holder.clone(),
                }
                .into();
            }
        }
    }
    e.into()
}

/// gate: a `create-vnic` whose final name another zone took meanwhile (two zones with the same
/// `physical` readied at once) fails naming that zone. Nothing was created, nothing undone.
fn name_the_racer(host: &Host, flavour: Flavour, e: ApplyError) -> ApplyError {
    match &e {
        ApplyError::Step {
            zone,
            net: Some(net),
            ..
        } if flavour.dialect().names_host_wide() && e.is_create_name_taken() => {
            match conflicts::name_holders(net, zone, &all_journals(host)).first() {
                Some(holder) => PlanError::NameInUseByZone {
                    zone: zone.clone(),
                    net: net.clone(),
                    holder: holder.clone(),
                }
                .into(),
                None => e,
            }
        }
        _ => e,
    }
}

/// Gives the zone its links (`netzone up`, joyent post-ready, gate pre-ready), then writes back
/// MACs the host chose. On failure, undoes what this run created and returns the first error.
///
/// `cfg` should be read after any earlier run on the zone finished; [`up_zone`] reads it under
/// the zone's lock, which is what the CLI and the hook use.
///
/// MACs are written back for a zone read from its zone file and returned for a spec built in
/// code ([`UpOptions::for_config`]); [`up_with`] chooses.
pub fn up(host: &Host, flavour: Flavour, cfg: &ZoneConfig) -> Result<Outcome, ApplyError> {
    up_with(host, flavour, cfg, &UpOptions::for_config(cfg))
}

/// [`up`] with explicit options.
pub fn up_with(
    host: &Host,
    flavour: Flavour,
    cfg: &ZoneConfig,
    opts: &UpOptions,
) -> Result<Outcome, ApplyError> {
    let _lock = host.lock_zone(&cfg.name).map_err(jerr(&cfg.name))?;
    up_locked(host, flavour, cfg, opts)
}

/// [`up`] for a zone by name: takes the zone's lock, then reads its configuration from
/// `<root>/etc/zones/<zone>.xml`, so a run that waited for another sees the MACs it saved.
pub fn up_zone(host: &Host, flavour: Flavour, zone: &ZoneName) -> Result<Outcome, ApplyError> {
    up_zone_with(host, flavour, zone, false)
}

/// [`up_zone`] with the brand's default for nets without a `persistent` net-attr (the hook's
/// `--persistent`).
pub fn up_zone_with(
    host: &Host,
    flavour: Flavour,
    zone: &ZoneName,
    persistent_default: bool,
) -> Result<Outcome, ApplyError> {
    let _lock = host.lock_zone(zone).map_err(jerr(zone))?;
    let cfg = crate::zonecfg::load(&host.root, zone)
        .map_err(Box::new)?
        .with_persistent_default(persistent_default);
    up_locked(host, flavour, &cfg, &UpOptions::default())
}

fn up_locked(
    host: &Host,
    flavour: Flavour,
    cfg: &ZoneConfig,
    opts: &UpOptions,
) -> Result<Outcome, ApplyError> {
    // Every global-nic form becomes a link once per run, before anything is created (an
    // unknown tag or a missing route fails here).
    let cfg = &crate::globalnic::resolve(host, cfg)?;
    match up_attempt(host, flavour, cfg, opts, false) {
        // joyent skips the observation on an empty journal; a temporary name already taken means
        // a leftover of this zone whose record was lost. The failed run undid its own work, so
        // look at the host and try once more: the plan removes the leftover first.
        Err(e) if flavour.dialect().link_home(&cfg.name).is_some() && e.is_create_name_taken() => {
            up_attempt(host, flavour, cfg, opts, true)
        }
        other => other,
    }
}

fn up_attempt(
    host: &Host,
    flavour: Flavour,
    cfg: &ZoneConfig,
    opts: &UpOptions,
    look: bool,
) -> Result<Outcome, ApplyError> {
    let zone = &cfg.name;
    let state = host.state_dir();
    let mut j = Journal::load(&state, zone).map_err(jerr(zone))?;
    let obs = observe_for_up(host, flavour, cfg, &j, look)?;
    check_conflicts(host, cfg, &obs, &j)?;
    let flows = observe_flows(host, flavour, cfg, &obs, &j)?;
    let plan = plan::plan_up_full(cfg, flavour, &obs, &flows, &j, &mut Mac::draw_random)
        .map_err(|e| name_the_holder(host, flavour, e))?;
    let mut run = Run::new(host, flavour, zone, &mut j);
    let res = run
        .execute(&plan)
        .and_then(|()| run.write_back_macs(cfg, opts.macs));
    match res {
        Ok((macs, written)) => Ok(Outcome {
            zone: zone.clone(),
            created: run.created_nets(),
            removed: run.removed.clone(),
            macs_written: if written { macs.clone() } else { Vec::new() },
            macs,
            plan,
        }),
        Err(e) => Err(name_the_racer(host, flavour, run.undo(e))),
    }
}

/// gate: marks (`pending`) or unmarks the zone's links as waiting in the global zone for
/// zoneadmd to lend them at ready: pre-ready marks them after [`up`], post-ready unmarks them.
/// While marked (for at most [`journal::PENDING_SECS`]), `show` does not call them orphans and
/// `gc` leaves them. Writes the journal only, runs nothing.
pub fn mark_pending(host: &Host, zone: &ZoneName, pending: bool) -> Result<(), ApplyError> {
    let _lock = host.lock_zone(zone).map_err(jerr(zone))?;
    let state = host.state_dir();
    let mut j = Journal::load(&state, zone).map_err(jerr(zone))?;
    let want = (pending && !j.links.is_empty()).then(journal::now_secs);
    if j.pending != want {
        j.pending = want;
        j.save(&state).map_err(jerr(zone))?;
    }
    Ok(())
}

/// Removes every link netzone can prove it made for the zone (`netzone down`).
pub fn down(host: &Host, flavour: Flavour, zone: &ZoneName) -> Result<Outcome, ApplyError> {
    remove(host, flavour, zone, false)
}

/// [`down`] for the post-halt hook (and the cleanup of a failed ready). When every record is
/// over the same lower link, the observation is one process, `show-vnic -l OVER`, which also
/// proves dlmgmtd answers (no probe): on joyent that is the whole halt, since netzone's links
/// in a zone are transient and died with it (`dls_mgmt.c` `dls_devnet_unset`); on gate one
/// `delete-vnic` per link follows. gate's `show-vnic` has no zone column: the halted zone holds
/// nothing, but if a name of interest appears twice (another zone holds a link of that name),
/// or the lower link cannot be looked up, the full observation is made instead.
pub fn down_after_halt(
    host: &Host,
    flavour: Flavour,
    zone: &ZoneName,
) -> Result<Outcome, ApplyError> {
    remove(host, flavour, zone, true)
}

fn plan_after_halt(
    host: &Host,
    flavour: Flavour,
    zone: &ZoneName,
    journal: &Journal,
) -> Result<Plan, ApplyError> {
    let Some(first) = journal.links.first() else {
        return Ok(plan::plan_down(
            zone,
            flavour,
            &Observation::default(),
            journal,
        ));
    };
    let one_over = journal.links.iter().all(|e| e.over == first.over);
    let quick = one_over
        .then(|| observe::observe_over(host, flavour, &first.over).ok())
        .flatten();
    let interest =
        |n: &LinkName| journal.find(n).is_some() || tempname::owned_index(n, zone).is_some();
    let dialect = flavour.dialect();
    let obs = match quick {
        // Without a zone per VNIC (gate), two VNICs of one name of interest cannot be told
        // apart (one is on loan): only the full walk can.
        Some(vnics)
            if dialect.vnic_walk_names_zones()
                || !vnics.iter().enumerate().any(|(i, v)| {
                    interest(&v.link) && vnics[..i].iter().any(|w| w.link == v.link)
                }) =>
        {
            dialect.observation(Vec::new(), &[], vnics)
        }
        _ => observe_zone(host, flavour, zone, journal)?,
    };
    Ok(plan::plan_down(zone, flavour, &obs, journal))
}

fn remove(
    host: &Host,
    flavour: Flavour,
    zone: &ZoneName,
    halted: bool,
) -> Result<Outcome, ApplyError> {
    let state = host.state_dir();
    let _lock = host.lock_zone(zone).map_err(jerr(zone))?;
    let mut j = Journal::load(&state, zone).map_err(jerr(zone))?;
    // Whatever happens next, the links no longer wait for a ready: a removal that fails leaves
    // them as leftovers (`show --orphans`, `gc`), not pending.
    if j.pending.take().is_some() {
        j.save(&state).map_err(jerr(zone))?;
    }
    let plan = if halted {
        plan_after_halt(host, flavour, zone, &j)?
    } else {
        removal_plan(host, flavour, zone, &j)?
    };
    let mut run = Run::new(host, flavour, zone, &mut j);
    // Removal has nothing to undo: keep going past a failed delete, report every failure.
    run.keep_going = true;
    run.execute(&plan)?;
    Ok(Outcome {
        zone: zone.clone(),
        created: Vec::new(),
        removed: run.removed.clone(),
        macs_written: Vec::new(),
        macs: Vec::new(),
        plan,
    })
}

/// What [`execute_removal`] did.
#[derive(Debug, Clone, Default)]
pub struct Executed {
    /// Each step that succeeded, with how it ended, in order.
    pub outcomes: Vec<(Step, Done)>,
    /// Links deleted or handed back.
    pub removed: Vec<LinkName>,
}

/// Runs a removal plan (`netzone recover`, `netzone gc`) with the executor every other path
/// uses, the only code that writes the journal: the plan's stale records are dropped, each
/// step is tried, every failure is reported. The caller holds the zone's lock and passes its
/// journal. With `leave_on_loan`, a gate link on loan is left for the halt instead of failing.
pub fn execute_removal(
    host: &Host,
    flavour: Flavour,
    journal: &mut Journal,
    plan: &Plan,
    leave_on_loan: bool,
) -> (Executed, Option<ApplyError>) {
    let zone = plan.zone.clone();
    let mut run = Run::new(host, flavour, &zone, journal);
    run.keep_going = true;
    run.leave_on_loan = leave_on_loan;
    let r = run.execute(plan);
    let done = Executed {
        outcomes: std::mem::take(&mut run.outcomes),
        removed: std::mem::take(&mut run.removed),
    };
    (done, r.err())
}

/// The plan of [`down`] without running it, for dry runs.
///
/// `down` with an empty journal observes nothing: the journal is written before every
/// `create-vnic`, so a zone without entries holds no link netzone created (a reboot empties both).
pub fn removal_plan(
    host: &Host,
    flavour: Flavour,
    zone: &ZoneName,
    journal: &Journal,
) -> Result<Plan, ApplyError> {
    if journal.links.is_empty() {
        return Ok(plan::plan_down(
            zone,
            flavour,
            &Observation::default(),
            journal,
        ));
    }
    let obs = observe_zone(host, flavour, zone, journal)?;
    Ok(plan::plan_down(zone, flavour, &obs, journal))
}

/// One execution: the journal it keeps and the links it created.
struct Run<'a> {
    host: &'a Host,
    flavour: Flavour,
    zone: &'a ZoneName,
    journal: &'a mut Journal,
    run_id: String,
    /// Nets whose links this run created, oldest first.
    created: Vec<LinkName>,
    removed: Vec<LinkName>,
    keep_going: bool,
    /// Reclaim on gate: a link on loan that the global zone cannot name is left to zoneadmd,
    /// whose teardown hands it back by link id; post-halt then deletes it.
    leave_on_loan: bool,
    /// How each step that ran ended, in order.
    outcomes: Vec<(Step, Done)>,
    /// The flows this run added.
    added_flows: Vec<String>,
}

/// How one step of a plan ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Done {
    /// The command did what the step says.
    Completed,
    /// dladm found no such link: the goal is reached.
    AlreadyGone,
    /// gate: the global zone cannot name a link on loan, so it is left for zoneadmd's own
    /// hand-back at the next halt (`unconfigure_exclusive_network_interfaces`, by link id).
    LeftForHalt,
}

impl<'a> Run<'a> {
    fn new(host: &'a Host, flavour: Flavour, zone: &'a ZoneName, journal: &'a mut Journal) -> Self {
        Run {
            host,
            flavour,
            zone,
            journal,
            run_id: journal::run_id(),
            created: Vec::new(),
            removed: Vec::new(),
            keep_going: false,
            leave_on_loan: false,
            outcomes: Vec::new(),
            added_flows: Vec::new(),
        }
    }

    fn created_nets(&self) -> Vec<LinkName> {
        self.created.clone()
    }

    fn save(&self) -> Result<(), ApplyError> {
        self.journal
            .save(&self.host.state_dir())
            .map_err(jerr(self.zone))
    }

    fn step_err(&self, net: Option<&LinkName>, source: HostError) -> ApplyError {
        ApplyError::Step {
            zone: self.zone.clone(),
            net: net.cloned(),
            source: Box::new(source),
            undo: Vec::new(),
        }
    }

    fn execute(&mut self, plan: &Plan) -> Result<(), ApplyError> {
        let mut dirty = false;
        if self.journal.flavour != Some(self.flavour) && !plan.is_noop() {
            self.journal.flavour = Some(self.flavour);
            dirty = true;
        }
        for net in &plan.forget {
            self.journal.remove(net);
            dirty = true;
        }
        for e in &plan.adopt {
            // The same link, its record brought up to date: its flows' records stay.
            self.journal.links.retain(|l| l.net != e.net);
            let mut e = e.clone();
            e.run = self.run_id.clone();
            self.journal.links.push(e);
            dirty = true;
        }
        for name in &plan.flows_forget {
            self.journal.flows.retain(|f| &f.name != name);
            dirty = true;
        }
        for name in &plan.flows_confirm {
            for f in self.journal.flows.iter_mut().filter(|f| &f.name == name) {
                f.state = FlowState::Active;
                dirty = true;
            }
        }
        if dirty {
            self.save()?;
        }
        self.run_steps(plan)?;
        // gate links are complete once every step ran (joyent's become active at their rename);
        // so are the flows this run added.
        let mut done = false;
        for e in &mut self.journal.links {
            if e.state == LinkState::Created && e.name == e.final_name {
                e.state = LinkState::Active;
                done = true;
            }
        }
        for f in &mut self.journal.flows {
            if f.state == FlowState::Intent && self.added_flows.contains(&f.name) {
                f.state = FlowState::Active;
                done = true;
            }
        }
        if done {
            self.save()?;
        }
        Ok(())
    }

    /// Runs the plan's steps in order. A `Delete` of a recorded net drops the net's record once
    /// the last delete the plan has for that net succeeded and none of them failed (a link that
    /// may still be under another of its names stays recorded).
    fn run_steps(&mut self, plan: &Plan) -> Result<(), ApplyError> {
        let last_delete = |net: &LinkName| {
            plan.steps
                .iter()
                .rposition(|s| matches!(s, Step::Delete { net: Some(n), .. } if n == net))
        };
        let mut failed_nets: Vec<LinkName> = Vec::new();
        let mut errors = Vec::new();
        for (i, step) in plan.steps.iter().enumerate() {
            let r = match step {
                Step::Create {
                    net,
                    index,
                    spec,
                    drawn,
                } => self
                    .create(net, *index, spec, *drawn)
                    .map(|()| Done::Completed),
                Step::Rename {
                    net,
                    zone,
                    from,
                    to,
                } => self.rename(net, zone, from, to).map(|()| Done::Completed),
                Step::Delete {
                    net, name, zone, ..
                } => self.delete(step, net.as_ref(), name, zone.as_ref()),
                Step::Return { name, .. } | Step::RenameInZone { from: name, .. } => {
                    self.hand_back(step, name)
                }
                Step::SetProp { net, .. } => self
                    .host
                    .dladm(&step.argv(self.flavour))
                    .map(|_| Done::Completed)
                    .map_err(|e| self.step_err(Some(net), e)),
                Step::AddFlow {
                    net,
                    link,
                    name,
                    port,
                    ..
                } => self
                    .add_flow(step, net, link, name, *port)
                    .map(|()| Done::Completed),
                Step::RemoveFlow { net, name, .. } => self.remove_flow(step, net, name),
            };
            if let (Err(_), Some(n)) = (&r, step.net()) {
                failed_nets.push(n.clone());
            }
            if let (
                Ok(Done::Completed),
                Step::Delete {
                    net: Some(n), name, ..
                },
            ) = (&r, step)
            {
                if last_delete(n) == Some(i) && !failed_nets.contains(n) {
                    self.forget_deleted(n, name)?;
                }
            }
            match r {
                Ok(d) => self.outcomes.push((step.clone(), d)),
                // Removals have nothing to undo: every step is tried and every failure reported.
                Err(e) if self.keep_going => errors.push(e),
                Err(e) => return Err(e),
            }
        }
        match errors.len() {
            0 => {}
            1 => return Err(errors.remove(0)),
            _ => return Err(ApplyError::Several(errors)),
        }
        Ok(())
    }

    /// Drops net `net`'s record after its link `name` was deleted, if the record names it.
    fn forget_deleted(&mut self, net: &LinkName, name: &LinkName) -> Result<(), ApplyError> {
        let recorded = self
            .journal
            .links
            .iter()
            .any(|e| &e.net == net && (&e.name == name || &e.final_name == name));
        if recorded {
            self.journal.remove(net);
            self.save()?;
        }
        Ok(())
    }

    fn create(
        &mut self,
        net: &LinkName,
        index: usize,
        spec: &dladm::VnicSpec,
        drawn: bool,
    ) -> Result<(), ApplyError> {
        let mut spec = spec.clone();
        let mut draws = 1;
        loop {
            // Intent first, with the MAC the link will have: if the process dies during
            // create-vnic, the record names the link and proves it netzone's.
            self.journal.remove(net);
            self.journal.links.push(JournalLink {
                net: net.clone(),
                index,
                name: spec.name.clone(),
                final_name: net.clone(),
                over: spec.over.clone(),
                vid: spec.vid,
                mac: plan::known_mac(spec.mac.as_ref()),
                zone: self.zone.clone(),
                state: LinkState::Intent,
                run: self.run_id.clone(),
                persistent: spec.persistent,
            });
            self.save()?;
            match self.host.dladm(&dladm::create_vnic_command(&spec)) {
                Ok(_) => break,
                // dladm refused the request: nothing was created (above all not on "object
                // already exists", where the name is somebody else's), so there is nothing to
                // undo and nothing to record. Any other failure (a timeout, a signal, a message
                // netzone does not know) may have created the link: the intent stays, and the
                // undo removes it.
                Err(e) if e.dladm_kind().is_some_and(refused) => {
                    self.journal.remove(net);
                    self.save()?;
                    if drawn
                        && e.dladm_kind() == Some(DladmErrorKind::MacInUse)
                        && draws < plan::MAC_DRAWS
                    {
                        draws += 1;
                        spec.mac = Some(MacSpec::Fixed(Mac::draw_random()));
                        continue;
                    }
                    return Err(self.step_err(Some(net), e));
                }
                Err(e) => {
                    self.created.push(net.clone());
                    return Err(self.step_err(Some(net), e));
                }
            }
        }
        self.created.push(net.clone());
        // Created until the run's other steps for the net (rename on joyent, the MTU on gate) are
        // done: a crash in between makes the next run finish them.
        self.journal.entry_mut(net).expect("just recorded").state = LinkState::Created;
        if self.journal.entry_mut(net).is_some_and(|e| e.mac.is_none()) {
            // `factory`: the slot dladm picked is known only now; read it back so the record
            // can prove the link netzone's.
            let mac = self.read_mac(&spec.name)?;
            self.journal.entry_mut(net).expect("just recorded").mac = mac;
        }
        self.save()
    }

    /// `flowadm add-flow`, its record (`intent`) written first: if the process dies during the
    /// call, the record names the flow and the next run finds out whether it exists. A flow on a
    /// link this run made that fails is undone with the link (the kernel removes a link's flows
    /// with it). flowadm's refusals (the name taken, an identical or incompatible flow on the
    /// link: `mac_flow.c`) leave nothing behind, so their record goes.
    fn add_flow(
        &mut self,
        step: &Step,
        net: &LinkName,
        link: &LinkName,
        name: &str,
        port: u16,
    ) -> Result<(), ApplyError> {
        self.journal.flows.retain(|f| f.name != name);
        self.journal.flows.push(JournalFlow {
            net: net.clone(),
            name: name.to_string(),
            link: link.clone(),
            transport: "tcp".into(),
            remote_port: port,
            state: FlowState::Intent,
        });
        self.save()?;
        match self
            .host
            .run_checked(Tool::Flowadm, &step.argv(self.flavour))
        {
            Ok(_) => {
                self.added_flows.push(name.to_string());
                Ok(())
            }
            Err(e) => {
                if let HostError::Failed { message, .. } = &e {
                    if flow_refused(message) {
                        self.journal.flows.retain(|f| f.name != name);
                        self.save()?;
                    }
                }
                Err(self.step_err(Some(net), e))
            }
        }
    }

    /// `flowadm remove-flow -t NAME` of a flow a record identifies; "object not found" means it
    /// is gone already. Its record goes once it is.
    fn remove_flow(&mut self, step: &Step, net: &LinkName, name: &str) -> Result<Done, ApplyError> {
        let done = match self
            .host
            .run_checked(Tool::Flowadm, &step.argv(self.flavour))
        {
            Ok(_) => Done::Completed,
            Err(HostError::Failed { message, .. }) if message.contains("object not found") => {
                Done::AlreadyGone
            }
            Err(e) => return Err(self.step_err(Some(net), e)),
        };
        self.journal.flows.retain(|f| f.name != name);
        self.save()?;
        Ok(done)
    }

    /// The MAC of the link `name` netzone just created (in this zone on joyent, in the global
    /// zone on gate).
    fn read_mac(&self, name: &LinkName) -> Result<Option<Mac>, ApplyError> {
        let vnics = observe::observe_vnics(self.host, self.flavour).map_err(|source| {
            ApplyError::Observe {
                zone: self.zone.clone(),
                source,
            }
        })?;
        Ok(vnics
            .iter()
            .find(|v| {
                // gate's show-vnic has no zone field: every VNIC reads as the global zone's.
                &v.link == name && v.zone == self.flavour.dialect().link_home(self.zone)
            })
            .and_then(|v| v.mac))
    }

    fn rename(
        &mut self,
        net: &LinkName,
        zone: &ZoneName,
        from: &LinkName,
        to: &LinkName,
    ) -> Result<(), ApplyError> {
        if let Some(e) = self.journal.entry_mut(net) {
            e.state = LinkState::Renaming;
        }
        self.save()?;
        let z = self.flavour.dialect().zone_arg(Some(zone));
        if let Err(err) = self.host.dladm(&dladm::rename_link_command(z, from, to)) {
            // If the link is still under `from`, the rename did not happen, and a link called
            // `to` (e.g. "object already exists": an operator's link that zoneadmd lent to the
            // zone because its name is a configured `physical`) is not netzone's: the undo must
            // delete only `from`. If `from` is gone, or the host cannot be read, the link may be
            // under either name and the entry stays `renaming`.
            let still_temp = observe::observe(self.host, self.flavour)
                .map(|o| o.find(from, Some(zone)).is_some())
                .unwrap_or(false);
            if still_temp {
                if let Some(e) = self.journal.entry_mut(net) {
                    e.state = LinkState::Created;
                }
                self.save()?;
            }
            return Err(self.step_err(Some(net), err));
        }
        if let Some(e) = self.journal.entry_mut(net) {
            e.state = LinkState::Active;
        }
        self.save()
    }

    /// A link netzone did not make, handed back to the global zone (or, joyent's pre-halt
    /// shield, renamed inside its zone); "not found" means it is gone already, or on gate out of the global zone's
    /// reach until zoneadmd hands it back at the halt.
    fn hand_back(&mut self, step: &Step, name: &LinkName) -> Result<Done, ApplyError> {
        match self.host.dladm(&step.argv(self.flavour)) {
            Ok(_) => {
                if matches!(step, Step::Return { .. }) {
                    self.removed.push(name.clone());
                }
                Ok(Done::Completed)
            }
            // A link on loan cannot be named from the global zone where names are host-wide.
            Err(e) if e.dladm_kind() == Some(DladmErrorKind::NotFound) => {
                Ok(if self.flavour.dialect().names_host_wide() {
                    Done::LeftForHalt
                } else {
                    Done::AlreadyGone
                })
            }
            Err(e) => Err(self.step_err(None, e)),
        }
    }

    fn delete(
        &mut self,
        step: &Step,
        net: Option<&LinkName>,
        name: &LinkName,
        zone: Option<&ZoneName>,
    ) -> Result<Done, ApplyError> {
        let done = match run_delete(self.host, self.flavour, step) {
            Ok(Deleted::Gone) => {
                self.removed.push(name.clone());
                Done::Completed
            }
            Ok(Deleted::Unreachable) if self.leave_on_loan => return Ok(Done::LeftForHalt),
            Ok(Deleted::Unreachable) => {
                return Err(ApplyError::OnLoan {
                    zone: self.zone.clone(),
                    net: net.unwrap_or(name).clone(),
                    holder: zone.cloned().unwrap_or_else(|| self.zone.clone()),
                })
            }
            Err(e) => return Err(self.step_err(net.or(Some(name)), e)),
        };
        Ok(done)
    }

    /// The MACs of nets with no `mac-addr`, which netzone chose and recorded, written back
    /// with one zonecfg run so the zone keeps them across boots.
    /// With [`MacPolicy::Return`] nothing is written. Returns the MACs and whether they were
    /// written.
    fn write_back_macs(
        &mut self,
        cfg: &ZoneConfig,
        policy: MacPolicy,
    ) -> Result<(Vec<(LinkName, Mac)>, bool), ApplyError> {
        let macs: Vec<(LinkName, Mac)> = plan::desired_nets(cfg)?
            .into_iter()
            .filter(|d| d.net.mac.is_none())
            .filter_map(|d| {
                let e = self
                    .journal
                    .links
                    .iter()
                    .find(|e| e.net == d.net.physical)?;
                Some((d.net.physical.clone(), e.mac?))
            })
            .collect();
        if policy == MacPolicy::Return {
            return Ok((macs, false));
        }
        if let Some(args) = zonecfg_write::mac_writeback_command(self.zone, &macs) {
            self.host
                .run_checked(Tool::Zonecfg, &args)
                .map_err(|e| self.step_err(None, e))?;
            return Ok((macs, true));
        }
        Ok((macs, false))
    }

    /// Undoes what this run created: the plan of [`plan::plan_undo`] (computed from this
    /// run's records alone), run by this same executor, every step tried. Returns `err` with
    /// anything that could not be undone noted.
    fn undo(&mut self, err: ApplyError) -> ApplyError {
        let created: Vec<JournalLink> = self
            .created
            .iter()
            .filter_map(|n| self.journal.links.iter().find(|e| &e.net == n).cloned())
            .collect();
        let plan = plan::plan_undo(self.zone, self.flavour, &created);
        self.keep_going = true;
        self.leave_on_loan = false;
        let prefix = format!("zone '{}': ", self.zone);
        let failed: Vec<String> = match self.run_steps(&plan) {
            Ok(()) => Vec::new(),
            Err(ApplyError::Several(v)) => v.iter().map(ToString::to_string).collect(),
            Err(e) => vec![e.to_string()],
        }
        .into_iter()
        .map(|l| l.strip_prefix(&prefix).map(String::from).unwrap_or(l))
        .collect();
        match err {
            ApplyError::Step {
                zone,
                net,
                source,
                mut undo,
            } => {
                undo.extend(failed);
                ApplyError::Step {
                    zone,
                    net,
                    source,
                    undo,
                }
            }
            other => other,
        }
    }
}

/// Whether a failed `add-flow` left nothing behind: flowadm reports the kernel's refusals as
/// `add flow failed: <status>` (flowadm.c `do_add_flow`; `mac_flow.c`: a name taken host-wide,
/// a flow of identical or incompatible attributes on the link) and the value checks of
/// `flowattr.c` before anything exists.
fn flow_refused(message: &str) -> bool {
    [
        "object already exists",
        "identical attributes",
        "incompatible attributes",
        "invalid",
    ]
    .iter()
    .any(|m| message.contains(m))
}

/// Whether a failed `create-vnic` left nothing behind: dladm checks the name, the MAC, the
/// values and the caller's privileges before the link exists (`libdlvnic.c`
/// `dladm_vnic_create`, which also deletes a VNIC whose properties it could not set).
fn refused(kind: DladmErrorKind) -> bool {
    matches!(
        kind,
        DladmErrorKind::AlreadyExists
            | DladmErrorKind::MacInUse
            | DladmErrorKind::InvalidValue
            | DladmErrorKind::InvalidArgument
            | DladmErrorKind::NotFound
            | DladmErrorKind::PermissionDenied
            | DladmErrorKind::LinkBusy
    )
}

/// How a delete ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    /// The link no longer exists.
    Gone,
    /// gate only: the link is on loan to a zone and the global zone cannot name it.
    Unreachable,
}

/// Runs a delete step's commands, exactly as [`Step::commands`] lists them (what the dry runs
/// print): the delete; on "link busy" of a link a zone holds, the busy fallbacks in order
/// (renamed back to the temporary name on joyent, handed back to the global zone, deleted
/// there); on "link busy" in the global zone, the delete again, [`BUSY_ATTEMPTS`] times in all;
/// on "object not found", the dlmgmtd check, and the link counts as gone. On gate a link on
/// loan cannot be named from the global zone at all: its "not found" is
/// [`Deleted::Unreachable`].
fn run_delete(host: &Host, flavour: Flavour, step: &Step) -> Result<Deleted, HostError> {
    let cmds = step.commands(flavour);
    let own = &cmds[0];
    let busy: Vec<&plan::Command> = cmds.iter().filter(|c| c.when == When::Busy).collect();
    let probe = cmds.iter().find(|c| c.when == When::NotFound);
    let not_found = |unreachable: bool| -> Result<Deleted, HostError> {
        if let Some(p) = probe {
            observe::check_dlmgmtd(host, &p.argv)?;
        }
        Ok(if unreachable {
            Deleted::Unreachable
        } else {
            Deleted::Gone
        })
    };
    let Some((last, before)) = busy.split_last() else {
        return match delete_retrying(host, &own.argv) {
            Ok(()) => Ok(Deleted::Gone),
            Err(e) if e.dladm_kind() == Some(DladmErrorKind::NotFound) => not_found(false),
            Err(e) => Err(e),
        };
    };
    match host.dladm(&own.argv) {
        Ok(_) => return Ok(Deleted::Gone),
        Err(e) if e.dladm_kind() == Some(DladmErrorKind::NotFound) => {
            return not_found(flavour.dialect().names_host_wide())
        }
        Err(e) if e.dladm_kind() == Some(DladmErrorKind::LinkBusy) => {}
        Err(e) => return Err(e),
    }
    for c in before {
        match host.dladm(&c.argv) {
            Ok(_) => {}
            Err(e) if e.dladm_kind() == Some(DladmErrorKind::NotFound) => return Ok(Deleted::Gone),
            Err(e) => return Err(e),
        }
    }
    match delete_retrying(host, &last.argv) {
        Ok(()) => Ok(Deleted::Gone),
        Err(e) if e.dladm_kind() == Some(DladmErrorKind::NotFound) => not_found(false),
        Err(e) => Err(e),
    }
}

/// Runs the `delete-vnic` argv `argv`, again while it reports "link busy", [`BUSY_ATTEMPTS`]
/// times in all with a doubling pause.
fn delete_retrying(host: &Host, argv: &[String]) -> Result<(), HostError> {
    let mut pause = BUSY_BACKOFF;
    for attempt in 1..=BUSY_ATTEMPTS {
        match host.dladm(argv) {
            Ok(_) => return Ok(()),
            Err(e)
                if e.dladm_kind() == Some(DladmErrorKind::LinkBusy) && attempt < BUSY_ATTEMPTS =>
            {
                thread::sleep(pause);
                pause *= 2;
            }
            Err(e) if e.dladm_kind() == Some(DladmErrorKind::LinkBusy) => {
                let name = argv.last().map(String::as_str).unwrap_or_default();
                return Err(HostError::Dladm {
                    kind: DladmErrorKind::LinkBusy,
                    argv: argv.to_vec().into(),
                    message: format!(
                        "dladm delete-vnic: {name}: still busy after {BUSY_ATTEMPTS} attempts"
                    ),
                });
            }
            Err(e) => return Err(e),
        }
    }
    unreachable!("the last attempt returns")
}
