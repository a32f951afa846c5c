//! The plan: a pure function from (the zone's configuration, the observed links, the journal) to
//! the ordered dladm steps that bring the host to the wanted state. No I/O happens here, so every
//! decision is unit-tested without a host; `apply` runs the steps.
//!
//! What netzone owns: only nets with a `global-nic` (the others are the operator's links, which
//! zoneadmd lends as they are); among links found on the host, only those a journal record
//! identifies on every field, or that carry this zone's temporary name over the lower link
//! recorded or configured for it ([`crate::identity`]).
//!
//! Per flavour (design notes, "Flavours"):
//! - joyent: `create-vnic -t -l GLOBAL [-m MAC] [-v VID] -p mtu=..,protection=..[,allowed-ips=..,...],zone=Z TMP`
//!   then `rename-link -z Z TMP PHYSICAL` (SmartOS `jcommon/statechange` `setup_net`);
//! - gate: the final name must be free host-wide (a link on loan keeps its name in its zone's
//!   namespace, and a second link of that name in the global zone is illumos bug 10001), then
//!   `create-vnic -t` under the final name before ready; zoneadmd lends it at ready (`vplat.c`
//!   `configure_exclusive_network_interfaces`).
//!
//! On joyent every property SmartOS's `setup_net` sets goes in the create call
//! ([`vnic_props`], `netattr`): the MTU (1500 unless configured), locked-down `protection`,
//! `allowed-ips` from the net's addresses and `allowed-address` (each without its prefix
//! length, which is the zone's netmask, not a range it may use), the DHCP and promiscuous
//! settings; the link appears after ready and zoneadmd never sees it. On gate zoneadmd
//! sets `protection` and `allowed-ips` itself when it lends the link, and refuses a link that
//! already has them ("Protection is already set", `vplat.c` `add_net_for_linkid`), so netzone
//! leaves them to it.
//!
//! ```
//! use netzone::dladm::observe::Observation;
//! use netzone::flavour::Flavour;
//! use netzone::journal::Journal;
//! use netzone::mac::Mac;
//! use netzone::{plan, tempname, zonecfg};
//!
//! let cfg = zonecfg::parse_str(
//!     r#"<zone name="web1" zonepath="/zones/web1" brand="joyent" ip-type="exclusive">
//!          <network physical="net0" global-nic="e1000g0" vlan-id="42"/>
//!        </zone>"#,
//!     "example",
//! )?;
//! // netzone picks the MAC of a net without mac-addr itself (at random; fixed here).
//! let mut draw = || Mac::with_random_prefix([1, 2, 3]);
//! // Nothing on the host yet, nothing recorded: create under the temporary name, then rename.
//! let none = Observation::default();
//! let p = plan::plan_up_with(&cfg, Flavour::Joyent, &none, &Journal::empty(cfg.name()), &mut draw)?;
//! let tmp = tempname::temp_name(cfg.name(), 0);
//! assert_eq!(
//!     p.to_string(),
//!     format!("dladm create-vnic -t -l e1000g0 -m 2:8:20:1:2:3 -v 42 -p mtu=1500,\
//!              protection=mac-nospoof,ip-nospoof,restricted,dhcp-nospoof,zone=web1 {tmp}\n\
//!              dladm rename-link -z web1 {tmp} net0\n\
//!              zonecfg -z web1 'select net physical=net0; set mac-addr=2:8:20:1:2:3; end; commit'\n")
//! );
//! // gate: the final name directly, after checking it is free host-wide.
//! let p = plan::plan_up_with(&cfg, Flavour::Gate, &none, &Journal::empty(cfg.name()), &mut draw)?;
//! assert!(p.to_string().starts_with("dladm create-vnic -t -l e1000g0 -m 2:8:20:1:2:3 -v 42 net0\n"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use crate::dladm::observe::{self, Observation, ObservedLink};
use crate::dladm::{self, LinkProp, VnicSpec};
use crate::flavour::Flavour;
use crate::identity::{self, NotOurs};
use crate::journal::{Journal, JournalLink, LinkState};
use crate::linkname::LinkName;
use crate::mac::{Mac, MacSpec};
use crate::tempname;
use crate::zonecfg::{GlobalNic, IpType, Net, ZoneConfig};
use crate::zonename::ZoneName;

/// One dladm command of a plan. Serialised with its variant as `action` (`create`, `rename`,
/// `delete`, `return-to-global`, `set-prop`); [`Plan`]'s serialisation adds each step's argv.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Step {
    /// Create the VNIC of net `net` (index `index` in the configuration).
    Create {
        /// The net the link is for.
        net: LinkName,
        /// The net's position in the configuration.
        index: usize,
        /// What `create-vnic` is given.
        spec: VnicSpec,
        /// The MAC in `spec` was drawn by netzone (no `mac-addr`, `auto` or `random`): the
        /// executor draws another when dladm reports it in use.
        drawn: bool,
    },
    /// joyent: give the link in `zone` its final name.
    Rename {
        /// The net (its `physical` name in the configuration).
        net: LinkName,
        /// The zone.
        zone: ZoneName,
        /// The name it has now.
        from: LinkName,
        /// The name it gets.
        to: LinkName,
    },
    /// Delete a link netzone owns. `zone` is where it was seen (`None` = global zone);
    /// `persistent`: its record says it was created without `-t`, so it is deleted without `-t`.
    Delete {
        /// The net whose record names the link, if any.
        net: Option<LinkName>,
        /// The link's name.
        name: LinkName,
        /// The zone.
        zone: Option<ZoneName>,
        /// joyent: the link's temporary name. A link on loan to a zone that is still ready is
        /// busy: it is renamed back to this name inside the zone before it is handed back to
        /// the global zone, so it cannot collide there with a link of its final name. `None`,
        /// or the link's own name: no rename.
        temp: Option<LinkName>,
        /// Whether the link is persistent (gate; created without `-t`).
        persistent: bool,
    },
    /// Hand a link netzone did not make back from `zone` to the global zone (reclaim of a zone
    /// stuck `down`): `set-linkprop -t [-z ZONE] -p zone=global NAME`, zoneadmd's own call.
    Return {
        /// The zone holding the link.
        zone: ZoneName,
        /// The link's name.
        name: LinkName,
    },
    /// joyent pre-halt of a running zone only ([`plan_shield`]): rename a link netzone did not
    /// make inside `zone`, because the global zone already has a link of its name (illumos bug
    /// 10001) and the kernel could not hand it back at shutdown (dlmgmtd would delete it when
    /// the zone is destroyed). `recover` never renames one: it reports it as blocked.
    RenameInZone {
        /// The zone holding the link.
        zone: ZoneName,
        /// The name it has now.
        from: LinkName,
        /// The name it gets.
        to: LinkName,
    },
    /// gate: set a property `create-vnic -t -p` does not apply. gate's libdlvnic applies only
    /// the resource properties when it creates a temporary VNIC, so the MTU is set again
    /// afterwards, as omicron does (illumos 15695).
    SetProp {
        /// The net the link is for.
        net: LinkName,
        /// The link's name.
        name: LinkName,
        /// The property.
        prop: LinkProp,
    },
    /// `flowadm add-flow`: SmartOS's `blocked_outgoing_ports`, one flow dropping TCP to `port`
    /// (`maxbw=0`) on the net's link `link` (in `zone` on joyent). The executor records the
    /// flow (`intent`) before the call ([`crate::journal::JournalFlow`]). The kernel removes a
    /// link's flows with the link, so a halt needs no step for them; [`Step::RemoveFlow`]
    /// removes one whose port is no longer configured while the link stays.
    AddFlow {
        /// The net the flow is for.
        net: LinkName,
        /// The link the flow is on.
        link: LinkName,
        /// The zone the link is in (joyent's `-z`), if any.
        zone: Option<ZoneName>,
        /// The flow's name.
        name: String,
        /// The TCP port it blocks.
        port: u16,
    },
    /// `flowadm remove-flow -t NAME`: a flow netzone added on the net's link `link` (a record
    /// identifies it) that the configuration no longer asks for, while the link stays.
    RemoveFlow {
        /// The net whose link carries the flow.
        net: LinkName,
        /// The link, as it is named now.
        link: LinkName,
        /// Where the link is (`None`: the global zone).
        zone: Option<ZoneName>,
        /// The flow's name.
        name: String,
    },
}

impl Step {
    /// The program the step runs: `dladm`, or `flowadm` for [`Step::AddFlow`].
    pub fn program(&self) -> &'static str {
        match self {
            Step::AddFlow { .. } | Step::RemoveFlow { .. } => "flowadm",
            _ => "dladm",
        }
    }

    /// The net this step serves, if any.
    pub fn net(&self) -> Option<&LinkName> {
        match self {
            Step::Create { net, .. }
            | Step::Rename { net, .. }
            | Step::SetProp { net, .. }
            | Step::AddFlow { net, .. }
            | Step::RemoveFlow { net, .. } => Some(net),
            Step::Delete { net, .. } => net.as_ref(),
            Step::Return { .. } | Step::RenameInZone { .. } => None,
        }
    }

    /// The exact dladm argv (after the program name). `flavour` decides whether `-z` is used.
    pub fn argv(&self, flavour: Flavour) -> Vec<String> {
        let z = |zone: Option<&ZoneName>| flavour.dialect().zone_arg(zone).cloned();
        match self {
            Step::Create { spec, .. } => dladm::create_vnic_command(spec),
            Step::Rename { zone, from, to, .. } => {
                dladm::rename_link_command(z(Some(zone)).as_ref(), from, to)
            }
            Step::Delete {
                name,
                zone,
                persistent,
                ..
            } => dladm::delete_vnic_command(z(zone.as_ref()).as_ref(), name, *persistent),
            Step::Return { zone, name } => {
                dladm::return_to_global_command(z(Some(zone)).as_ref(), name)
            }
            Step::RenameInZone { zone, from, to } => {
                dladm::rename_link_command(z(Some(zone)).as_ref(), from, to)
            }
            Step::SetProp { name, prop, .. } => dladm::set_linkprop_command(None, name, prop),
            Step::AddFlow {
                link,
                zone,
                name,
                port,
                ..
            } => crate::netattr::add_flow_command(link, z(zone.as_ref()).as_ref(), name, *port),
            Step::RemoveFlow { name, .. } => crate::netattr::remove_flow_command(name),
        }
    }

    /// Every command the executor may run for this step, in order: the step's own command
    /// ([`When::Always`], the same as [`Step::argv`]), then its fallbacks with the condition
    /// that runs them. Only a delete has fallbacks:
    /// - "link busy" on a link a zone holds (a zone that is still ready): joyent renames it back
    ///   to its temporary name inside the zone, then it is handed back to the global zone
    ///   (`set-linkprop -t -p zone=global`, zoneadmd's own call at halt) and deleted there;
    /// - "link busy" on a link in the global zone: the delete is tried again, up to
    ///   [`crate::apply::BUSY_ATTEMPTS`] times in all, pausing between tries (also the last
    ///   delete of the busy path);
    /// - "object not found" from either delete: the dlmgmtd check that tells a missing link
    ///   (done) from a dlmgmtd that is not answering (a failure).
    ///
    /// The executor ([`crate::apply`]) runs exactly these argv; `netzone plan` and the dry runs
    /// print them ([`Plan::script`]).
    pub fn commands(&self, flavour: Flavour) -> Vec<Command> {
        let mut v = vec![Command {
            when: When::Always,
            program: self.program(),
            argv: self.argv(flavour),
        }];
        let Step::Delete {
            name,
            zone: Some(zone),
            temp,
            persistent,
            ..
        } = self
        else {
            if matches!(self, Step::Delete { .. }) {
                v.push(Command::dladm(
                    When::NotFound,
                    observe::dlmgmtd_probe_command(),
                ));
            }
            return v;
        };
        let z = flavour.dialect().zone_arg(Some(zone));
        let mut last = name.clone();
        if let Some(t) = temp.as_ref().filter(|t| *t != name && z.is_some()) {
            v.push(Command::dladm(
                When::Busy,
                dladm::rename_link_command(z, name, t),
            ));
            last = t.clone();
        }
        v.push(Command::dladm(
            When::Busy,
            dladm::return_to_global_command(z, &last),
        ));
        v.push(Command::dladm(
            When::Busy,
            dladm::delete_vnic_command(None, &last, *persistent),
        ));
        v.push(Command::dladm(
            When::NotFound,
            observe::dlmgmtd_probe_command(),
        ));
        v
    }

    /// One line for the operator: what the step does (`done`: did).
    pub fn describe(&self, done: bool) -> String {
        let w = |did: &str, will: &str| {
            if done {
                did.to_string()
            } else {
                format!("would {will}")
            }
        };
        match self {
            Step::Create { net, spec, .. } => {
                format!("{} {} for net {net}", w("created", "create"), spec.name)
            }
            Step::Rename { from, to, .. } => format!("{} {from} to {to}", w("renamed", "rename")),
            Step::Delete {
                net, name, zone, ..
            } => format!(
                "{} {name}{} (created by netzone: {})",
                w("deleted", "delete"),
                if zone.is_none() {
                    " from the global zone"
                } else {
                    ""
                },
                if net.is_some() {
                    "recorded in its journal"
                } else {
                    "netzone temporary name"
                }
            ),
            Step::Return { name, .. } => format!(
                "{} {name} to the global zone (operator link)",
                w("returned", "return")
            ),
            Step::RenameInZone { from, to, .. } => format!(
                "{} {from} to {to} inside the zone: the global zone already has a link named \
                 {from} (illumos bug 10001)",
                w("renamed", "rename")
            ),
            Step::SetProp { name, prop, .. } => format!("{} {prop} on {name}", w("set", "set")),
            Step::AddFlow {
                link, name, port, ..
            } => format!(
                "{} flow {name} on {link} (blocks TCP to port {port})",
                w("added", "add")
            ),
            Step::RemoveFlow { link, name, .. } => format!(
                "{} flow {name} on {link} (created by netzone: recorded in its journal)",
                w("removed", "remove")
            ),
        }
    }
}

/// When a command of a step runs ([`Step::commands`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum When {
    /// The step's own command: always.
    Always,
    /// Only if the step's delete reported "link busy".
    Busy,
    /// Only if a delete of the step reported "object not found".
    NotFound,
}

impl fmt::Display for When {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            When::Always => "always",
            When::Busy => "if busy",
            When::NotFound => "if not found",
        })
    }
}

/// One command a step may run: the program, its exact argv, and when it runs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Command {
    /// When it runs.
    pub when: When,
    /// `dladm` or `flowadm`.
    pub program: &'static str,
    /// The arguments after the program name.
    pub argv: Vec<String>,
}

impl Command {
    fn dladm(when: When, argv: Vec<String>) -> Self {
        Command {
            when,
            program: "dladm",
            argv,
        }
    }
}

impl fmt::Display for Command {
    /// `dladm ARGV`, or `  if busy: dladm ARGV` for a fallback.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.when != When::Always {
            write!(f, "  {}: ", self.when)?;
        }
        write!(f, "{} {}", self.program, self.argv.join(" "))
    }
}

/// Why no plan can be made. Each names the zone and the net, as illumos tools do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// A `global-nic="auto"` reached the planner unresolved.
    #[error("zone '{zone}': net '{net}': global-nic 'auto' was not resolved to a link before planning (netzone::globalnic::resolve)")]
    AutoGlobalNic {
        /// The zone.
        zone: ZoneName,
        /// The net (its `physical` name in the configuration).
        net: LinkName,
    },
    /// A nic tag or overlay rule reached the planner unresolved.
    #[error("zone '{zone}': net '{net}': global-nic '{global_nic}' must be resolved to a link first (globalnic::resolve)")]
    Unresolved {
        /// The zone.
        zone: ZoneName,
        /// The net (its `physical` name in the configuration).
        net: LinkName,
        /// The `global-nic` as configured.
        global_nic: String,
    },
    /// gate: the net's name is taken by a link of another zone (names are host-wide).
    #[error("zone '{zone}': net '{net}': link name '{net}' is in use by zone '{holder}'")]
    NameInUseByZone {
        /// The zone.
        zone: ZoneName,
        /// The net (its `physical` name in the configuration).
        net: LinkName,
        /// The zone that holds the name.
        holder: ZoneName,
    },
    /// A link with the net's name exists and is not netzone's.
    #[error("zone '{zone}': net '{net}': link '{net}' already exists in {place} and was not created by netzone{}; rename or remove that link, or give the net another physical name", over_note(over.as_ref()))]
    Conflict {
        /// The zone.
        zone: ZoneName,
        /// The net (its `physical` name in the configuration).
        net: LinkName,
        /// Where the existing link is, in words.
        place: String,
        /// The existing link's lower link, if it is a VNIC.
        over: Option<LinkName>,
    },
    /// joyent: the net's temporary name is taken by a link netzone did not create.
    #[error("zone '{zone}': net '{net}': netzone's temporary name '{temp}' is taken in {place} by a link netzone did not create")]
    TempNameTaken {
        /// The zone.
        zone: ZoneName,
        /// The net (its `physical` name in the configuration).
        net: LinkName,
        /// The temporary name.
        temp: LinkName,
        /// Where the link that holds it is, in words.
        place: String,
    },
    /// A link on loan to the zone has the net's name but not its configuration.
    #[error("zone '{zone}': net '{net}': link '{net}' is on loan to the zone but differs from its configuration; halt the zone first")]
    WrongLinkOnLoan {
        /// The zone.
        zone: ZoneName,
        /// The net (its `physical` name in the configuration).
        net: LinkName,
    },
    /// A flow of a name netzone wants for `blocked_outgoing_ports` is on the net's link and no
    /// record identifies it: somebody else's, left alone.
    #[error("zone '{zone}': net '{net}': flow '{}' on link '{}' was not created by netzone ({}); left alone: remove it, or drop its port from blocked_outgoing_ports", taken.flow, taken.link, taken.why)]
    FlowTaken {
        /// The zone.
        zone: ZoneName,
        /// The net (its `physical` name in the configuration).
        net: LinkName,
        /// The flow, where it is, and why it is not netzone's.
        taken: Box<TakenFlow>,
    },
    /// A persistent net asked of the joyent flavour.
    #[error("zone '{zone}': net '{net}': persistent links need the gate flavour (illumos-gate, OmniOS, Helios): on this dladm a zone's link is lent at creation by the temporary-only zone property and named in the zone's name space")]
    PersistentOnJoyent {
        /// The zone.
        zone: ZoneName,
        /// The net (its `physical` name in the configuration).
        net: LinkName,
    },
}

/// A flow under a name netzone wants that is not netzone's ([`PlanError::FlowTaken`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakenFlow {
    /// The flow's name.
    pub flow: String,
    /// The link carrying it.
    pub link: LinkName,
    /// Why it is not netzone's.
    pub why: String,
}

/// ` (a VNIC over X)`, or nothing when the link is not a VNIC (its lower link is unknown).
fn over_note(over: Option<&LinkName>) -> String {
    match over {
        Some(o) => format!(" (a VNIC over {o})"),
        None => String::new(),
    }
}

/// Ordered steps plus the journal bookkeeping that needs no command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The zone the plan is for.
    pub zone: ZoneName,
    /// The flavour whose commands the steps are.
    pub flavour: Flavour,
    /// The commands, in order.
    pub steps: Vec<Step>,
    /// Nets already as configured: left alone.
    pub satisfied: Vec<LinkName>,
    /// Journal entries to record as they are, for links found already in place (a crash between
    /// a command and its confirmation).
    pub adopt: Vec<JournalLink>,
    /// Nets whose journal entries identify no existing link: dropped from the journal.
    pub forget: Vec<LinkName>,
    /// Links that a record names but does not identify: somebody else's, left alone.
    pub not_ours: Vec<NotOurs>,
    /// Links of netzone's that cannot be removed now, and why (left, their records kept).
    pub blocked: Vec<(LinkName, String)>,
    /// The MACs netzone chose for nets without `mac-addr`, saved into the zone's configuration
    /// after the steps (one zonecfg run; [`crate::zonecfg_write`]).
    pub save_macs: Vec<(LinkName, Mac)>,
    /// Flows a record names that exist as recorded: their records are confirmed (`active`).
    pub flows_confirm: Vec<String>,
    /// Flow records that identify no flow (gone, or somebody else's): dropped.
    pub flows_forget: Vec<String>,
}

impl Plan {
    /// A plan with nothing in it.
    pub fn new(zone: &ZoneName, flavour: Flavour) -> Self {
        Plan {
            zone: zone.clone(),
            flavour,
            steps: Vec::new(),
            satisfied: Vec::new(),
            adopt: Vec::new(),
            forget: Vec::new(),
            not_ours: Vec::new(),
            blocked: Vec::new(),
            save_macs: Vec::new(),
            flows_confirm: Vec::new(),
            flows_forget: Vec::new(),
        }
    }

    /// True when running the plan changes nothing on the host or in the journal.
    pub fn is_noop(&self) -> bool {
        self.steps.is_empty()
            && self.adopt.is_empty()
            && self.forget.is_empty()
            && self.flows_confirm.is_empty()
            && self.flows_forget.is_empty()
    }

    /// Every command the executor may run for this plan, one a line, in order: each step's
    /// command, then its fallbacks indented with their condition (`  if busy: dladm ...`,
    /// [`Step::commands`]), then the `zonecfg` run that saves the chosen MACs. What `netzone
    /// plan`, `recover --dry-run` and `gc --dry-run` print; the [`fmt::Display`] form has the
    /// steps' own commands only.
    pub fn script(&self) -> String {
        let mut s = String::new();
        for step in &self.steps {
            for c in step.commands(self.flavour) {
                s.push_str(&c.to_string());
                s.push('\n');
            }
        }
        if let Some(a) = crate::zonecfg_write::mac_writeback_command(&self.zone, &self.save_macs) {
            s.push_str(&format!("zonecfg {} {} '{}'\n", a[0], a[1], a[2]));
        }
        s
    }
}

impl serde::Serialize for Plan {
    /// `{"zone", "flavour", "steps": [{"action", "net", ..., "argv": ["dladm", ...], "fallbacks": [{"when", "argv"}]}],
    /// "unchanged": [net...], "adopt": [journal entry...], "forget": [net...], "not_ours":
    /// [{"zone", "net", "link", "in", "why"}], "blocked": [{"link", "why"}]}`: each step with
    /// its typed fields and the exact command the executor runs.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct StepOut<'a> {
            #[serde(flatten)]
            step: &'a Step,
            argv: Vec<String>,
            /// The commands run only if the step's own fails a known way.
            fallbacks: Vec<FallbackOut>,
        }
        #[derive(serde::Serialize)]
        struct FallbackOut {
            when: When,
            argv: Vec<String>,
        }
        #[derive(serde::Serialize)]
        struct PlanOut<'a> {
            zone: &'a ZoneName,
            flavour: Flavour,
            steps: Vec<StepOut<'a>>,
            unchanged: &'a [LinkName],
            adopt: &'a [JournalLink],
            forget: &'a [LinkName],
            not_ours: &'a [NotOurs],
            blocked: Vec<Blocked<'a>>,
        }
        #[derive(serde::Serialize)]
        struct Blocked<'a> {
            link: &'a LinkName,
            why: &'a str,
        }
        PlanOut {
            zone: &self.zone,
            flavour: self.flavour,
            steps: self
                .steps
                .iter()
                .map(|step| {
                    let mut argv = vec![step.program().to_string()];
                    argv.extend(step.argv(self.flavour));
                    let fallbacks = step
                        .commands(self.flavour)
                        .into_iter()
                        .filter(|c| c.when != When::Always)
                        .map(|c| FallbackOut {
                            when: c.when,
                            argv: std::iter::once(c.program.to_string())
                                .chain(c.argv)
                                .collect(),
                        })
                        .collect();
                    StepOut {
                        step,
                        argv,
                        fallbacks,
                    }
                })
                .collect(),
            unchanged: &self.satisfied,
            adopt: &self.adopt,
            forget: &self.forget,
            not_ours: &self.not_ours,
            blocked: self
                .blocked
                .iter()
                .map(|(link, why)| Blocked { link, why })
                .collect(),
        }
        .serialize(s)
    }
}

impl fmt::Display for Plan {
    /// One step a line: `dladm <argv>`, then the `zonecfg` run that saves the chosen MACs
    /// (its script argument quoted).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for s in &self.steps {
            writeln!(f, "{} {}", s.program(), s.argv(self.flavour).join(" "))?;
        }
        if let Some(a) = crate::zonecfg_write::mac_writeback_command(&self.zone, &self.save_macs) {
            writeln!(f, "zonecfg {} {} '{}'", a[0], a[1], a[2])?;
        }
        Ok(())
    }
}

/// What a netzone net wants from its VNIC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desired<'a> {
    /// The net's position in the configuration.
    pub index: usize,
    /// The net.
    pub net: &'a Net,
    /// Its lower link (resolved).
    pub over: LinkName,
}

/// The nets netzone creates links for: those with a `global-nic`, in an exclusive-IP zone.
/// `global-nic="auto"` must have been resolved first ([`crate::globalnic::resolve`]).
pub fn desired_nets(cfg: &ZoneConfig) -> Result<Vec<Desired<'_>>, PlanError> {
    if cfg.ip_type == IpType::Shared {
        return Ok(Vec::new());
    }
    let mut v = Vec::new();
    for (index, net) in cfg.nets.iter().enumerate() {
        match &net.global_nic {
            None => {}
            Some(GlobalNic::Auto) => {
                return Err(PlanError::AutoGlobalNic {
                    zone: cfg.name.clone(),
                    net: net.physical.clone(),
                })
            }
            Some(g @ (GlobalNic::Tag(_) | GlobalNic::Overlay { .. })) => {
                return Err(PlanError::Unresolved {
                    zone: cfg.name.clone(),
                    net: net.physical.clone(),
                    global_nic: g.to_string(),
                })
            }
            Some(GlobalNic::Link(l)) => v.push(Desired {
                index,
                net,
                over: l.clone(),
            }),
        }
    }
    Ok(v)
}

/// The properties set at creation besides `mtu` and `zone=`: on joyent, what SmartOS's
/// `setup_net` gives the link (`netattr::smartos_props`: locked-down protection, allowed-ips
/// from the net's addresses and `allowed-address`, DHCP and promiscuous settings); on gate
/// none (zoneadmd sets protection and allowed-ips itself, see the module doc).
pub fn vnic_props(net: &Net, flavour: Flavour) -> Vec<LinkProp> {
    flavour.dialect().vnic_props(net)
}

fn spec_for(
    d: &Desired<'_>,
    name: LinkName,
    zone: Option<&ZoneName>,
    flavour: Flavour,
    mac: Option<MacSpec>,
) -> VnicSpec {
    VnicSpec {
        name,
        over: d.over.clone(),
        mac,
        vid: d.net.vlan,
        // joyent: SmartOS's 1500 unless configured, so a zone never inherits a jumbo MTU by
        // accident (statechange's DEFAULT_MTU comment).
        mtu: flavour.dialect().create_mtu(d.net),
        props: vnic_props(d.net, flavour),
        zone: zone.cloned(),
        persistent: d.net.persistent(),
    }
}

/// Whether an observed VNIC is what the net asks for (lower link, VLAN, fixed MAC).
pub fn matches(d: &Desired<'_>, l: &ObservedLink) -> bool {
    let Some(v) = &l.vnic else { return false };
    if v.over != d.over.as_str() || v.vid != d.net.vlan {
        return false;
    }
    match d.net.mac {
        Some(MacSpec::Fixed(m)) => v.mac == Some(m),
        _ => true,
    }
}

/// The MAC a `create-vnic` of `spec` gives the link, when it is known before the link exists:
/// an explicit address, or a VRRP router's (`00:00:5e:00:01:VRID`, RFC 5798 §7.3, IPv4: netzone
/// passes `-A inet`). `factory` picks a slot of the NIC: known only once the link exists.
pub fn known_mac(spec: Option<&MacSpec>) -> Option<Mac> {
    match spec {
        Some(MacSpec::Fixed(m)) => Some(*m),
        Some(MacSpec::Vrrp { vrid }) => Mac::from_octets([0, 0, 0x5e, 0, 1, *vrid]).ok(),
        _ => None,
    }
}

/// The MAC netzone asks `create-vnic` for: the configured address, `factory` and `vrrp` as
/// configured, otherwise (no `mac-addr`, `auto`, `random`) one drawn in dladm's random format,
/// avoiding `taken`. The second value says whether it was drawn (and may be drawn again when
/// dladm reports it in use). `auto` would let dladm pick a factory slot if one were free;
/// netzone draws instead, so that the address is known before the link exists.
pub fn choose_mac(
    net: &Net,
    draw: &mut dyn FnMut() -> Mac,
    taken: &dyn Fn(&Mac) -> bool,
) -> (MacSpec, bool) {
    match net.mac {
        Some(s @ (MacSpec::Fixed(_) | MacSpec::Factory | MacSpec::Vrrp { .. })) => (s, false),
        None | Some(MacSpec::Auto | MacSpec::Random) => {
            let mut m = draw();
            for _ in 0..MAC_DRAWS {
                if !taken(&m) {
                    break;
                }
                m = draw();
            }
            (MacSpec::Fixed(m), true)
        }
    }
}

/// How many MACs are drawn for one link before giving up, against the observed links at plan
/// time and against dladm's "MAC address is already in use" at create time.
pub const MAC_DRAWS: usize = 8;

/// The journal entry this plan writes for net `d`.
fn entry_for(d: &Desired<'_>, zone: &ZoneName, name: LinkName, state: LinkState) -> JournalLink {
    JournalLink {
        net: d.net.physical.clone(),
        index: d.index,
        name,
        final_name: d.net.physical.clone(),
        over: d.over.clone(),
        vid: d.net.vlan,
        mac: d.net.mac.and_then(|m| m.fixed()),
        zone: zone.clone(),
        state,
        run: String::new(),
        persistent: d.net.persistent(),
    }
}

fn place(zone: Option<&ZoneName>) -> String {
    match zone {
        Some(z) => format!("zone '{z}'"),
        None => "the global zone".into(),
    }
}

/// The delete of link `l` (of net `net`, when a record of `journal` proves it), with the
/// temporary name a busy link is renamed back to: its record's, else the name's own.
fn delete(
    journal: &Journal,
    zone: &ZoneName,
    net: Option<&LinkName>,
    l: &ObservedLink,
    persistent: bool,
) -> Step {
    let temp = net
        .and_then(|n| journal.links.iter().find(|e| &e.net == n))
        .map(|e| e.name.clone())
        .or_else(|| tempname::owned_index(&l.name, zone).map(|i| tempname::temp_name(zone, i)));
    Step::Delete {
        net: net.cloned(),
        name: l.name.clone(),
        zone: l.zone.clone(),
        temp,
        persistent,
    }
}

/// Whether the record of net `net` says its link is persistent.
fn recorded_persistent(journal: &Journal, net: &LinkName) -> bool {
    journal.links.iter().any(|e| &e.net == net && e.persistent)
}

/// What the host shows of one record: the links it identifies, and the links that carry one of
/// its names in its zone or the global zone but are somebody else's.
struct Found<'a> {
    ours: Vec<&'a ObservedLink>,
    others: Vec<NotOurs>,
}

fn find_record<'a>(e: &JournalLink, obs: &'a Observation, zone: &ZoneName) -> Found<'a> {
    let mut f = Found {
        ours: Vec::new(),
        others: Vec::new(),
    };
    for l in &obs.links {
        if l.name == e.name || l.name == e.final_name {
            match identity::mismatch(e, l) {
                None => f.ours.push(l),
                Some(why) if l.zone.is_none() || l.zone.as_ref() == Some(zone) => {
                    f.others.push(NotOurs::new(e, l, why))
                }
                Some(_) => {}
            }
        }
    }
    f
}

/// Records the links a stale record names but does not identify (the record is dropped).
fn report_others(plan: &mut Plan, found: Found<'_>) {
    if found.ours.is_empty() {
        plan.not_ours.extend(found.others);
    }
}

/// The steps that give `cfg`'s zone its links; MACs are drawn at random where netzone picks
/// them ([`plan_up_with`] takes the draw).
pub fn plan_up(
    cfg: &ZoneConfig,
    flavour: Flavour,
    obs: &Observation,
    journal: &Journal,
) -> Result<Plan, PlanError> {
    plan_up_with(cfg, flavour, obs, journal, &mut Mac::draw_random)
}

/// [`plan_up`] with the MAC draw given (tests pass a deterministic one), and no flow observed:
/// the flows of links the plan keeps are left as they are ([`plan_up_full`] sees them).
pub fn plan_up_with(
    cfg: &ZoneConfig,
    flavour: Flavour,
    obs: &Observation,
    journal: &Journal,
    draw: &mut dyn FnMut() -> Mac,
) -> Result<Plan, PlanError> {
    plan_up_full(cfg, flavour, obs, &[], journal, draw)
}

/// [`plan_up_with`] with the flows of the links [`flow_queries`] names, as `show-flow` listed
/// them: the kept links get the `blocked_outgoing_ports` flows they miss ([`plan_flows`]).
pub fn plan_up_full(
    cfg: &ZoneConfig,
    flavour: Flavour,
    obs: &Observation,
    flows: &[crate::netattr::LinkFlows],
    journal: &Journal,
    draw: &mut dyn FnMut() -> Mac,
) -> Result<Plan, PlanError> {
    let mut plan = plan_links(cfg, flavour, obs, journal, draw)?;
    let want = desired_nets(cfg)?;
    plan_flows(&mut plan, &want, obs, flows, journal)?;
    Ok(plan)
}

/// The link steps of [`plan_up_full`].
fn plan_links(
    cfg: &ZoneConfig,
    flavour: Flavour,
    obs: &Observation,
    journal: &Journal,
    draw: &mut dyn FnMut() -> Mac,
) -> Result<Plan, PlanError> {
    let zone = &cfg.name;
    let want = desired_nets(cfg)?;
    if !flavour.dialect().persistent_links() {
        if let Some(d) = want.iter().find(|d| d.net.persistent()) {
            return Err(PlanError::PersistentOnJoyent {
                zone: zone.clone(),
                net: d.net.physical.clone(),
            });
        }
    }
    let mut plan = Plan::new(zone, flavour);
    let mut deletes: Vec<Step> = Vec::new();
    let here = |l: &ObservedLink| l.zone.is_none() || l.zone.as_ref() == Some(zone);
    let already = |deletes: &[Step], l: &ObservedLink| {
        deletes.iter().any(
            |s| matches!(s, Step::Delete{name, zone: z, ..} if name == &l.name && z == &l.zone),
        )
    };
    let live_macs: Vec<Mac> = obs
        .links
        .iter()
        .filter_map(|l| l.vnic.as_ref().and_then(|v| v.mac))
        .collect();
    let mut chosen: Vec<Mac> = Vec::new();
    let mut pick = |net: &Net, chosen: &mut Vec<Mac>| {
        let (spec, drawn) = choose_mac(net, draw, &|m| live_macs.contains(m) || chosen.contains(m));
        if let Some(m) = spec.fixed() {
            chosen.push(m);
        }
        (spec, drawn)
    };

    // Leftovers first: journal entries for nets that are no longer configured (or no longer
    // netzone's), and links with this zone's temporary names that a record or the configuration
    // proves are netzone's.
    let wanted_nets: Vec<&LinkName> = want.iter().map(|d| &d.net.physical).collect();
    let wanted_tmp: Vec<LinkName> = want
        .iter()
        .map(|d| tempname::temp_name(zone, d.index))
        .collect();
    for e in &journal.links {
        if wanted_nets.contains(&&e.net) {
            continue;
        }
        let found = find_record(e, obs, zone);
        if found.ours.is_empty() {
            plan.forget.push(e.net.clone());
        }
        for l in &found.ours {
            deletes.push(delete(journal, zone, Some(&e.net), l, e.persistent));
        }
        report_others(&mut plan, found);
    }
    let over_of = |i: usize| {
        journal
            .links
            .iter()
            .find(|e| e.index == i)
            .map(|e| e.over.clone())
            .or_else(|| want.iter().find(|d| d.index == i).map(|d| d.over.clone()))
    };
    for l in &obs.links {
        let Some(i) = tempname::owned_index(&l.name, zone) else {
            continue;
        };
        if !wanted_tmp.contains(&l.name)
            && here(l)
            && !already(&deletes, l)
            && identity::temp_proof(l, zone, over_of(i).as_ref())
        {
            deletes.push(delete(journal, zone, None, l, false));
        }
    }

    let mut creates: Vec<Step> = Vec::new();
    for d in &want {
        let net = &d.net.physical;
        let entry = journal.links.iter().find(|e| &e.net == net);
        let found = entry.map(|e| find_record(e, obs, zone));
        let ours = |l: &ObservedLink| {
            found
                .as_ref()
                .is_some_and(|f| f.ours.iter().any(|o| std::ptr::eq(*o, l)))
        };
        // A link of the other persistence than now configured is replaced, not kept.
        let same_kind = entry.is_none_or(|e| e.persistent == d.net.persistent());
        let mut adopted = false;
        match flavour {
            Flavour::Joyent => {
                let tmp = tempname::temp_name(zone, d.index);
                // This net's temporary links: the record's, or proven by name and lower link.
                let tmps: Vec<&ObservedLink> = obs
                    .named(&tmp)
                    .filter(|l| ours(l) || identity::temp_proof(l, zone, Some(&d.over)))
                    .collect();
                // The name is taken, where this net's link would be created or renamed, by a
                // link that is not netzone's: nothing netzone would do with it is safe.
                if let Some(l) = obs
                    .named(&tmp)
                    .find(|l| here(l) && !tmps.iter().any(|t| std::ptr::eq(*t, *l)))
                {
                    return Err(PlanError::TempNameTaken {
                        zone: zone.clone(),
                        net: net.clone(),
                        temp: tmp.clone(),
                        place: place(l.zone.as_ref()),
                    });
                }
                // A record's link left in the global zone under the final name (a crash while
                // handing it back): netzone's, removed.
                if let Some(l) = obs.find(net, None).filter(|l| ours(l)) {
                    deletes.push(delete(
                        journal,
                        zone,
                        Some(net),
                        l,
                        recorded_persistent(journal, net),
                    ));
                }
                match obs.find(net, Some(zone)) {
                    Some(l) if ours(l) && matches(d, l) => {
                        plan.satisfied.push(net.clone());
                        adopted = true;
                        if entry.is_some_and(|e| e.state != LinkState::Active) {
                            let mut e = entry_for(d, zone, tmp.clone(), LinkState::Active);
                            e.mac = l.vnic.as_ref().and_then(|v| v.mac);
                            plan.adopt.push(e);
                        }
                        deletes.extend(tmps.iter().map(|l| {
                            delete(
                                journal,
                                zone,
                                Some(net),
                                l,
                                recorded_persistent(journal, net),
                            )
                        }));
                    }
                    Some(l) if ours(l) => {
                        // netzone's, but no longer as configured: replace it.
                        deletes.push(delete(
                            journal,
                            zone,
                            Some(net),
                            l,
                            recorded_persistent(journal, net),
                        ));
                        deletes.extend(tmps.iter().map(|l| {
                            delete(
                                journal,
                                zone,
                                Some(net),
                                l,
                                recorded_persistent(journal, net),
                            )
                        }));
                        let (mac, drawn) = pick(d.net, &mut chosen);
                        creates.extend(create_and_rename(d, zone, tmp, mac, drawn));
                    }
                    Some(l) => {
                        return Err(PlanError::Conflict {
                            zone: zone.clone(),
                            net: net.clone(),
                            place: place(Some(zone)),
                            over: l.vnic.as_ref().and_then(|v| LinkName::new(&v.over).ok()),
                        });
                    }
                    None => {
                        // A temporary link already in the zone and as configured: finish it.
                        let finish = tmps
                            .iter()
                            .find(|l| l.zone.as_ref() == Some(zone) && matches(d, l));
                        if let Some(l) = finish {
                            let mut e = entry_for(d, zone, tmp.clone(), LinkState::Created);
                            e.mac = l.vnic.as_ref().and_then(|v| v.mac);
                            plan.adopt.push(e);
                            adopted = true;
                            deletes.extend(tmps.iter().filter(|o| o.zone != l.zone).map(|l| {
                                delete(
                                    journal,
                                    zone,
                                    Some(net),
                                    l,
                                    recorded_persistent(journal, net),
                                )
                            }));
                            creates.push(Step::Rename {
                                net: net.clone(),
                                zone: zone.clone(),
                                from: tmp,
                                to: net.clone(),
                            });
                        } else {
                            deletes.extend(tmps.iter().map(|l| {
                                delete(
                                    journal,
                                    zone,
                                    Some(net),
                                    l,
                                    recorded_persistent(journal, net),
                                )
                            }));
                            let (mac, drawn) = pick(d.net, &mut chosen);
                            creates.extend(create_and_rename(d, zone, tmp, mac, drawn));
                        }
                    }
                }
            }
            Flavour::Gate => {
                if let Some(other) = obs
                    .named(net)
                    .find(|l| l.zone.is_some() && l.zone.as_ref() != Some(zone))
                {
                    return Err(PlanError::NameInUseByZone {
                        zone: zone.clone(),
                        net: net.clone(),
                        holder: other.zone.clone().expect("filtered on Some"),
                    });
                }
                match obs.named(net).find(|l| here(l)) {
                    // Only a link the record identifies is netzone's: an operator's link of
                    // that name is a conflict, never adopted (zoneadmd would lend it to the
                    // zone as if it were this net).
                    Some(l) if ours(l) && matches(d, l) && same_kind => {
                        plan.satisfied.push(net.clone());
                        adopted = true;
                        if entry.is_some_and(|e| e.state != LinkState::Active) {
                            // Created by a run that stopped before its last step: adopt it
                            // (confirmed once this run's steps are done) and redo the MTU.
                            let mut e = entry_for(d, zone, net.clone(), LinkState::Created);
                            e.mac = l.vnic.as_ref().and_then(|v| v.mac);
                            plan.adopt.push(e);
                            creates.extend(mtu_step(d));
                        }
                    }
                    Some(l) if !ours(l) => {
                        return Err(PlanError::Conflict {
                            zone: zone.clone(),
                            net: net.clone(),
                            place: place(l.zone.as_ref()),
                            over: l.vnic.as_ref().and_then(|v| LinkName::new(&v.over).ok()),
                        })
                    }
                    Some(l) if l.zone.is_some() => {
                        return Err(PlanError::WrongLinkOnLoan {
                            zone: zone.clone(),
                            net: net.clone(),
                        })
                    }
                    Some(l) => {
                        deletes.push(delete(
                            journal,
                            zone,
                            Some(net),
                            l,
                            recorded_persistent(journal, net),
                        ));
                        let (mac, drawn) = pick(d.net, &mut chosen);
                        creates.extend(gate_create(d, mac, drawn));
                    }
                    None => {
                        let (mac, drawn) = pick(d.net, &mut chosen);
                        creates.extend(gate_create(d, mac, drawn));
                    }
                }
            }
        }
        // A record that identifies no link is stale: dropped (a create step writes a new one).
        if let (Some(e), Some(f)) = (entry, found) {
            if f.ours.is_empty() && !adopted {
                if !creates.iter().any(|s| s.net() == Some(net)) {
                    plan.forget.push(e.net.clone());
                }
                report_others(&mut plan, f);
            }
        }
    }
    plan.steps = deletes;
    plan.steps.extend(creates);
    // Nets without mac-addr keep the MAC netzone chose: the one drawn now, or the recorded one.
    for d in want.iter().filter(|d| d.net.mac.is_none()) {
        let net = &d.net.physical;
        let drawn = plan.steps.iter().find_map(|s| match s {
            Step::Create { net: n, spec, .. } if n == net => known_mac(spec.mac.as_ref()),
            _ => None,
        });
        let recorded = || {
            plan.adopt
                .iter()
                .chain(&journal.links)
                .find(|e| &e.net == net)
                .and_then(|e| e.mac)
        };
        if let Some(m) = drawn.or_else(recorded) {
            plan.save_macs.push((net.clone(), m));
        }
    }
    Ok(plan)
}

/// Whether the observed link `l` can carry flows netzone lists or adds: on joyent a link in
/// `zone` (named with `-z`), on gate a link in the global zone (a link on loan cannot be named
/// from the global zone).
fn flow_reachable(flavour: Flavour, zone: &ZoneName, l: &ObservedLink) -> bool {
    l.zone == flavour.dialect().link_home(zone)
}

/// The links whose flows [`plan_up_full`] needs, as (link, zone holding it): for each net with
/// `blocked_outgoing_ports` or recorded flows, the links its record identifies that netzone can
/// name (on joyent in the zone, with `-z`; on gate in the global zone only). None when the
/// journal is empty: a link without a record is created anew, with its flows.
pub fn flow_queries(
    cfg: &ZoneConfig,
    flavour: Flavour,
    obs: &Observation,
    journal: &Journal,
) -> Result<Vec<(LinkName, Option<ZoneName>)>, PlanError> {
    let zone = &cfg.name;
    let mut v = Vec::new();
    for d in desired_nets(cfg)? {
        let net = &d.net.physical;
        if crate::netattr::blocked_ports(d.net).is_empty() && journal.flows_of(net).next().is_none()
        {
            continue;
        }
        let Some(e) = journal.links.iter().find(|e| &e.net == net) else {
            continue;
        };
        for l in find_record(e, obs, zone).ours {
            if flow_reachable(flavour, zone, l) && !v.contains(&(l.name.clone(), l.zone.clone())) {
                v.push((l.name.clone(), l.zone.clone()));
            }
        }
    }
    Ok(v)
}

/// `blocked_outgoing_ports` on the links the plan keeps (satisfied, or finished with a rename),
/// given their flows (`flows`, from [`flow_queries`]; a link whose flows were not listed is
/// left as it is): a wanted flow that is missing is added; one a record identifies (name, link
/// and attributes) is kept and its record confirmed; one of the wanted name that no record
/// identifies is somebody else's and fails the plan ([`PlanError::FlowTaken`]), left alone. A
/// recorded flow no longer wanted is removed only if its record identifies it; otherwise its
/// record is dropped and the flow, if any, left alone. Links the plan creates get their flows
/// from their create steps.
pub fn plan_flows(
    plan: &mut Plan,
    want: &[Desired<'_>],
    obs: &Observation,
    flows: &[crate::netattr::LinkFlows],
    journal: &Journal,
) -> Result<(), PlanError> {
    let zone = plan.zone.clone();
    let flavour = plan.flavour;
    let mut extra = Vec::new();
    for d in want {
        let net = &d.net.physical;
        let ports = crate::netattr::blocked_ports(d.net);
        let recs: Vec<&crate::journal::JournalFlow> = journal.flows_of(net).collect();
        if ports.is_empty() && recs.is_empty() {
            continue;
        }
        let created = plan
            .steps
            .iter()
            .any(|s| matches!(s, Step::Create { net: n, .. } if n == net));
        let renamed = plan
            .steps
            .iter()
            .any(|s| matches!(s, Step::Rename { net: n, .. } if n == net));
        if created || !(renamed || plan.satisfied.contains(net)) {
            continue;
        }
        let Some(e) = journal.links.iter().find(|e| &e.net == net) else {
            continue;
        };
        let deleted = |l: &ObservedLink| {
            plan.steps.iter().any(
                |s| matches!(s, Step::Delete { name, zone: z, .. } if name == &l.name && z == &l.zone),
            )
        };
        let found = find_record(e, obs, &zone);
        let Some((l, seen)) = found
            .ours
            .iter()
            .filter(|l| flow_reachable(flavour, &zone, l) && !deleted(l))
            .find_map(|l| {
                flows
                    .iter()
                    .find(|f| f.link == l.name && f.zone == l.zone)
                    .map(|f| (*l, &f.flows))
            })
        else {
            continue;
        };
        let Some(mac) = l.vnic.as_ref().and_then(|v| v.mac) else {
            continue;
        };
        let step_zone = match flavour {
            Flavour::Joyent => Some(zone.clone()),
            Flavour::Gate => None,
        };
        let wanted: Vec<(String, u16)> = ports
            .iter()
            .map(|p| (crate::netattr::flow_name(MacSpec::Fixed(mac), net, *p), *p))
            .collect();
        for (name, port) in &wanted {
            let rec = recs.iter().find(|r| &r.name == name);
            match seen.iter().find(|f| &f.name == name) {
                None => extra.push(Step::AddFlow {
                    net: net.clone(),
                    link: net.clone(),
                    zone: step_zone.clone(),
                    name: name.clone(),
                    port: *port,
                }),
                Some(f) => match rec {
                    Some(r) if r.remote_port == *port && crate::netattr::flow_matches(r, f) => {
                        if r.state != crate::journal::FlowState::Active {
                            plan.flows_confirm.push(name.clone());
                        }
                    }
                    _ => {
                        return Err(PlanError::FlowTaken {
                            zone: zone.clone(),
                            net: net.clone(),
                            taken: Box::new(TakenFlow {
                                flow: name.clone(),
                                link: l.name.clone(),
                                why: match rec {
                                None => "no record of it".into(),
                                Some(_) => format!(
                                    "it matches proto '{}' remote port '{}', not its record's tcp port {port}",
                                    f.proto, f.rport
                                ),
                            },
                            }),
                        })
                    }
                },
            }
        }
        for r in recs
            .iter()
            .filter(|r| !wanted.iter().any(|(n, _)| n == &r.name))
        {
            match seen.iter().find(|f| f.name == r.name) {
                Some(f) if crate::netattr::flow_matches(r, f) => extra.push(Step::RemoveFlow {
                    net: net.clone(),
                    link: l.name.clone(),
                    zone: step_zone.clone(),
                    name: r.name.clone(),
                }),
                _ => plan.flows_forget.push(r.name.clone()),
            }
        }
    }
    plan.steps.extend(extra);
    Ok(())
}

/// gate: set the MTU again after `create-vnic -t` (illumos 15695), if one is configured.
fn mtu_step(d: &Desired<'_>) -> Option<Step> {
    let net = d.net.physical.clone();
    d.net.mtu.map(|m| Step::SetProp {
        net: net.clone(),
        name: net,
        prop: LinkProp::new("mtu", &[&m.to_string()]),
    })
}

/// gate: create under the final name; set the MTU again if one is configured.
fn gate_create(d: &Desired<'_>, mac: MacSpec, drawn: bool) -> Vec<Step> {
    let net = d.net.physical.clone();
    let mut v = vec![Step::Create {
        net: net.clone(),
        index: d.index,
        spec: spec_for(d, net.clone(), None, Flavour::Gate, Some(mac)),
        drawn,
    }];
    v.extend(mtu_step(d));
    v.extend(flow_steps(d, &net, None, mac));
    v
}

/// `blocked_outgoing_ports`: one add-flow per port on the net's link, named as SmartOS names
/// them (`netattr::flow_name`).
fn flow_steps(
    d: &Desired<'_>,
    link: &LinkName,
    zone: Option<&ZoneName>,
    mac: MacSpec,
) -> Vec<Step> {
    crate::netattr::blocked_ports(d.net)
        .into_iter()
        .map(|port| Step::AddFlow {
            net: d.net.physical.clone(),
            link: link.clone(),
            zone: zone.cloned(),
            name: crate::netattr::flow_name(mac, link, port),
            port,
        })
        .collect()
}

fn create_and_rename(
    d: &Desired<'_>,
    zone: &ZoneName,
    tmp: LinkName,
    mac: MacSpec,
    drawn: bool,
) -> Vec<Step> {
    let net = d.net.physical.clone();
    let mut v = vec![
        Step::Create {
            net: net.clone(),
            index: d.index,
            spec: spec_for(d, tmp.clone(), Some(zone), Flavour::Joyent, Some(mac)),
            drawn,
        },
        Step::Rename {
            net: net.clone(),
            zone: zone.clone(),
            from: tmp,
            to: net,
        },
    ];
    v.extend(flow_steps(d, &d.net.physical, Some(zone), mac));
    v
}

/// The steps that remove every link netzone can prove it made for `zone`: the links its journal
/// records identify (under any name they may have), in the global zone or in `zone`. Records
/// that identify no link are forgotten; links they name that are somebody else's are reported
/// in [`Plan::not_ours`] and left alone.
///
/// On gate the global zone names links by name only (no `-z`): a link of the zone's that is on
/// loan while the global zone holds another link of the same name (illumos bug 10001) cannot be
/// addressed without hitting the other one, so it is left and reported in [`Plan::blocked`].
///
/// A record that identifies no link while a link of one of its names has a zone dladm could not
/// read ([`Observation::unreadable`]) is neither forgotten nor acted on: that link may be the
/// record's, so it is reported in [`Plan::blocked`] ([`unreadable_reason`]).
pub fn plan_down(zone: &ZoneName, flavour: Flavour, obs: &Observation, journal: &Journal) -> Plan {
    let mut plan = Plan::new(zone, flavour);
    for e in &journal.links {
        let found = find_record(e, obs, zone);
        if found.ours.is_empty() {
            let unreadable = [&e.name, &e.final_name]
                .into_iter()
                .find_map(|n| obs.unreadable_named(n));
            match unreadable {
                Some(u) if !plan.blocked.iter().any(|(n, _)| n == &u.name) => {
                    plan.blocked
                        .push((u.name.clone(), unreadable_reason(zone, u)));
                }
                Some(_) => {}
                None => plan.forget.push(e.net.clone()),
            }
        }
        for l in &found.ours {
            let shadowed = flavour.dialect().names_host_wide()
                && l.zone.is_some()
                && obs.find(&l.name, None).is_some();
            if shadowed {
                plan.blocked.push((
                    l.name.clone(),
                    format!(
                        "it is on loan to zone '{zone}' and the global zone has another link named \
                         {} (illumos bug 10001); rename or delete the global zone's {} and try again",
                        l.name, l.name
                    ),
                ));
            } else {
                plan.steps
                    .push(delete(journal, zone, Some(&e.net), l, e.persistent));
            }
        }
        report_others(&mut plan, found);
    }
    let over_of = |i: usize| journal.links.iter().find(|e| e.index == i).map(|e| &e.over);
    for l in &obs.links {
        let Some(i) = tempname::owned_index(&l.name, zone) else {
            continue;
        };
        if identity::temp_proof(l, zone, over_of(i))
            && !plan.steps.iter().any(
                |s| matches!(s, Step::Delete{name, zone: z, ..} if name == &l.name && z == &l.zone),
            )
        {
            plan.steps.push(delete(journal, zone, None, l, false));
        }
    }
    plan
}

/// The undo of a failed `up`: the links of `created` (the records of the nets this run
/// created, oldest first) deleted, newest first, under every name each may have
/// ([`JournalLink::candidate_names`]: the temporary and the final name while a rename was in
/// flight). Pure: what this run created is all it looks at, so nothing else is touched. A
/// record is dropped by the executor once the last of its deletes succeeded.
///
/// On joyent each link is addressed in its zone (`-z`); on gate from the global zone, where
/// netzone's links wait until zoneadmd lends them at ready.
pub fn plan_undo(zone: &ZoneName, flavour: Flavour, created: &[JournalLink]) -> Plan {
    let mut plan = Plan::new(zone, flavour);
    for e in created.iter().rev() {
        for name in e.candidate_names() {
            plan.steps.push(Step::Delete {
                net: Some(e.net.clone()),
                name: name.clone(),
                zone: flavour.dialect().link_home(&e.zone),
                temp: Some(e.name.clone()),
                persistent: e.persistent,
            });
        }
    }
    plan
}

/// Reclaim for a zone stuck `down` (see `crate::recover`): [`plan_down`]'s removal of
/// netzone's links, and every other link the zone holds handed back to the global zone
/// ([`Step::Return`], what zoneadmd's `unconfigure_exclusive_network_interfaces` retries). A
/// link whose name the global zone already has (illumos bug 10001) cannot be handed back
/// without a collision, and netzone never renames a link it did not create: it is reported in
/// [`Plan::blocked`] and left as it is, on both flavours (gate could not rename a loaned link
/// anyway, `dls_devnet_rename`: EBUSY).
pub fn plan_reclaim(
    zone: &ZoneName,
    flavour: Flavour,
    obs: &Observation,
    journal: &Journal,
) -> Plan {
    plan_reclaim_configured(zone, flavour, obs, journal, &[])
}

/// Why netzone leaves a link whose zone dladm could not read, when it may be one of `zone`'s.
pub fn unreadable_reason(zone: &ZoneName, u: &crate::dladm::observe::UnreadableLink) -> String {
    format!(
        "dladm cannot read which zone holds it ({s}), so netzone cannot tell whether it belongs \
         to zone '{zone}' and leaves it as it is; run recover again once `dladm show-linkprop \
         -p zone {n}` reads it",
        s = u.status,
        n = u.name
    )
}

/// [`plan_reclaim`], knowing the names `zone` configures (`configured`, its nets' `physical`):
/// a link whose zone dladm could not read ([`Observation::unreadable`]) and that may be one of
/// the zone's (a name its journal records, one of its temporary names, or a configured name the
/// zone is not seen holding) is reported in [`Plan::blocked`] and left as it is; any other such
/// link is none of recover's business. The rest of the zone's links are freed as usual.
pub fn plan_reclaim_configured(
    zone: &ZoneName,
    flavour: Flavour,
    obs: &Observation,
    journal: &Journal,
    configured: &[LinkName],
) -> Plan {
    let mut plan = plan_down(zone, flavour, obs, journal);
    for u in &obs.unreadable {
        let held = obs.find(&u.name, Some(zone)).is_some();
        let maybe_ours =
            tempname::owned_index(&u.name, zone).is_some() || configured.contains(&u.name);
        if maybe_ours && !held && !plan.blocked.iter().any(|(n, _)| n == &u.name) {
            plan.blocked
                .push((u.name.clone(), unreadable_reason(zone, u)));
        }
    }
    let mut global: Vec<&LinkName> = obs
        .links
        .iter()
        .filter(|l| l.zone.is_none())
        .map(|l| &l.name)
        .collect();
    for l in obs.in_zone(zone) {
        let ours = journal.links.iter().any(|e| identity::identifies(e, l))
            || plan.steps.iter().any(|s| matches!(s, Step::Delete { name, zone: z, .. } if name == &l.name && z == &l.zone))
            || plan.blocked.iter().any(|(n, _)| n == &l.name);
        if ours {
            continue;
        }
        if global.contains(&&l.name) {
            plan.blocked.push((
                l.name.clone(),
                format!(
                    "the global zone already has a link named {n} (illumos bug 10001), so it \
                     cannot be handed back, and netzone never renames a link it did not create; \
                     rename the global zone's {n} and run recover again",
                    n = l.name
                ),
            ));
            continue;
        }
        global.push(&l.name);
        plan.steps.push(Step::Return {
            zone: zone.clone(),
            name: l.name.clone(),
        });
    }
    plan
}

/// Longest suffix [`free_name`] appends (`_rec` and up to 4 digits).
const MAX_SUFFIX: usize = 8;

/// A free name for an operator link moved out of the way: `<name>_rec<n>`, the smallest `n` such
/// that the name is not `taken`. Always a valid link name (it ends in a number with no leading
/// zero; the original name is shortened to keep it within 31 characters).
pub fn free_name(name: &LinkName, taken: &dyn Fn(&str) -> bool) -> LinkName {
    let stem: String = name
        .as_str()
        .chars()
        .take(crate::linkname::MAX_LINK_NAME_LEN - MAX_SUFFIX)
        .collect();
    (0..10_000)
        .filter_map(|n| LinkName::new(&format!("{stem}_rec{n}")).ok())
        .find(|c| !taken(c.as_str()))
        .expect("fewer than 10000 links share a stem")
}

/// illumos-joyent pre-halt of a ready or running zone (`crate::recover::shield`): each link
/// the zone holds that netzone did not create and whose name the global zone already has
/// (illumos bug 10001) is renamed inside the zone to a free name ([`Step::RenameInZone`]).
/// joyent's kernel hands lent links back once, at shutdown; one whose name is taken stays on
/// loan, and dlmgmtd deletes it when the zone is destroyed (`dlmgmt_db_fini`): renamed, it
/// survives. Nothing else, and nothing on gate (its zoneadmd retries and reports, and a loaned
/// link cannot be renamed there). [`plan_reclaim`] (`recover`, a zone already `down`) never
/// renames: it reports such a link as blocked.
pub fn plan_shield(
    zone: &ZoneName,
    flavour: Flavour,
    obs: &Observation,
    journal: &Journal,
) -> Plan {
    let mut plan = Plan::new(zone, flavour);
    if flavour != Flavour::Joyent {
        return plan;
    }
    let down = plan_down(zone, flavour, obs, journal);
    let in_zone: Vec<&str> = obs.in_zone(zone).map(|l| l.name.as_str()).collect();
    let mut global: Vec<String> = obs
        .links
        .iter()
        .filter(|l| l.zone.is_none())
        .map(|l| l.name.to_string())
        .collect();
    for l in obs.in_zone(zone) {
        let ours = journal.links.iter().any(|e| identity::identifies(e, l))
            || down.steps.iter().any(|s| matches!(s, Step::Delete { name, zone: z, .. } if name == &l.name && z == &l.zone))
            || down.blocked.iter().any(|(n, _)| n == &l.name);
        if ours || !global.iter().any(|g| g == l.name.as_str()) {
            continue;
        }
        let to = free_name(&l.name, &|c| {
            global.iter().any(|g| g == c) || in_zone.contains(&c)
        });
        global.push(to.to_string());
        plan.steps.push(Step::RenameInZone {
            zone: zone.clone(),
            from: l.name.clone(),
            to,
        });
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dladm::VnicInfo;
    use crate::mac::Mac;
    use crate::mtu::Mtu;
    use crate::testutil::{ln, zn};
    use crate::vlan::VlanId;
    use std::collections::BTreeMap;

    fn net(phys: &str, over: Option<&str>) -> Net {
        Net {
            physical: ln(phys),
            address: None,
            allowed_address: vec![],
            defrouter: vec![],
            global_nic: over.map(|o| GlobalNic::Link(ln(o))),
            mac: None,
            vlan: None,
            mtu: None,
            attrs: BTreeMap::new(),
        }
    }

    fn cfg() -> ZoneConfig {
        let mut n1 = net("net1", Some("e1000g0"));
        n1.vlan = Some(VlanId::new(42).unwrap());
        n1.mac = Some(MacSpec::Fixed("2:8:20:a:b:c".parse().unwrap()));
        let mut n2 = net("net2", Some("e1000g1"));
        n2.allowed_address = vec!["10.0.0.5/24".parse().unwrap()];
        n2.mtu = Some(Mtu::new(9000).unwrap());
        ZoneConfig {
            name: zn("web1"),
            brand: "joyent".into(),
            zonepath: "/zones/web1".into(),
            ip_type: IpType::Exclusive,
            nets: vec![net("net0", Some("e1000g0")), n1, n2, net("oper0", None)],
        }
    }

    fn vnic(name: &str, over: &str, mac: &str, vid: u16, zone: Option<&str>) -> ObservedLink {
        ObservedLink {
            name: ln(name),
            zone: zone.map(zn),
            vnic: Some(VnicInfo {
                link: ln(name),
                over: over.into(),
                mac: mac.parse::<Mac>().ok(),
                mac_type: "random".into(),
                vid: VlanId::new(vid).ok(),
                zone: zone.map(zn),
            }),
        }
    }

    fn lines(p: &Plan) -> Vec<String> {
        p.to_string().lines().map(String::from).collect()
    }

    /// SmartOS's locked-down protection (netattr).
    const PROT: &str = "protection=mac-nospoof,ip-nospoof,restricted,dhcp-nospoof";
    /// What a joyent net without attributes gets besides zone=.
    const LOCKED: &str = "mtu=1500,protection=mac-nospoof,ip-nospoof,restricted,dhcp-nospoof";

    /// Draws 2:8:20:0:0:1, 2:8:20:0:0:2, ...
    fn counter() -> impl FnMut() -> Mac {
        let mut n = 0u8;
        move || {
            n += 1;
            Mac::with_random_prefix([0, 0, n])
        }
    }

    fn up(c: &ZoneConfig, f: Flavour, obs: &Observation, j: &Journal) -> Result<Plan, PlanError> {
        plan_up_with(c, f, obs, j, &mut counter())
    }

    /// The record netzone keeps for net `i` of [`cfg`] once its link exists with `mac`.
    fn record(i: usize, name: LinkName, state: LinkState, mac: &str) -> JournalLink {
        let c = cfg();
        let d = desired_nets(&c).unwrap();
        let mut e = entry_for(&d[i], &zn("web1"), name, state);
        e.mac = mac.parse().ok();
        e
    }

    fn flow(name: &str, link: &str, proto: &str, rport: &str) -> crate::netattr::ObservedFlow {
        crate::netattr::ObservedFlow {
            name: name.into(),
            link: link.into(),
            ipaddr: String::new(),
            proto: proto.into(),
            lport: String::new(),
            rport: rport.into(),
            dsfield: String::new(),
        }
    }

    fn flow_record(
        name: &str,
        port: u16,
        state: crate::journal::FlowState,
    ) -> crate::journal::JournalFlow {
        crate::journal::JournalFlow {
            net: ln("net1"),
            name: name.into(),
            link: ln("net1"),
            transport: "tcp".into(),
            remote_port: port,
            state,
        }
    }

    /// A satisfied net with blocked ports: missing flows are added, recorded ones that exist
    /// are confirmed, unwanted recorded ones removed only when identified, a flow of a wanted
    /// name that no record identifies fails the plan and is left alone.
    #[test]
    fn flows_of_a_kept_link() {
        use crate::journal::FlowState;
        let z = zn("web1");
        let mut c = cfg();
        c.nets[1]
            .attrs
            .insert("blocked_outgoing_ports".into(), "25,587".into());
        let obs = Observation {
            unreadable: Vec::new(),
            links: vec![
                vnic("net0", "e1000g0", "2:8:20:1:1:1", 0, Some("web1")),
                vnic("net1", "e1000g0", "2:8:20:a:b:c", 42, Some("web1")),
                vnic("net2", "e1000g1", "2:8:20:1:1:2", 0, Some("web1")),
            ],
        };
        let mut j = Journal::empty(&z);
        j.links = vec![
            record(0, ln("net0"), LinkState::Active, "2:8:20:1:1:1"),
            record(1, ln("net1"), LinkState::Active, "2:8:20:a:b:c"),
            record(2, ln("net2"), LinkState::Active, "2:8:20:1:1:2"),
        ];
        assert_eq!(
            flow_queries(&c, Flavour::Joyent, &obs, &j).unwrap(),
            vec![(ln("net1"), Some(z.clone()))]
        );
        let f25 = "f2_8_20_a_b_c_br_25";
        let f587 = "f2_8_20_a_b_c_br_587";
        let f993 = "f2_8_20_a_b_c_br_993";
        j.flows = vec![
            flow_record(f25, 25, FlowState::Intent),
            flow_record(f993, 993, FlowState::Active),
            flow_record("f2_8_20_a_b_c_br_110", 110, FlowState::Active),
        ];
        let seen = vec![crate::netattr::LinkFlows {
            link: ln("net1"),
            zone: Some(z.clone()),
            flows: vec![
                flow(f25, "net1", "tcp", "25"),
                flow(f993, "net1", "tcp", "993"),
                // An operator's flow under a name netzone recorded: not identified.
                flow("f2_8_20_a_b_c_br_110", "net1", "udp", "110"),
            ],
        }];
        let p = plan_up_full(&c, Flavour::Joyent, &obs, &seen, &j, &mut counter()).unwrap();
        assert_eq!(
            lines(&p)
                .into_iter()
                .filter(|l| l.starts_with("flowadm"))
                .collect::<Vec<_>>(),
            vec![
                format!("flowadm add-flow -t -l net1 -z web1 -a transport=tcp,remote_port=587 -p maxbw=0 {f587}"),
                format!("flowadm remove-flow -t {f993}"),
            ]
        );
        assert_eq!(p.flows_confirm, vec![f25.to_string()]);
        assert_eq!(p.flows_forget, vec!["f2_8_20_a_b_c_br_110".to_string()]);
        // Flows not listed: left as they are.
        let p = plan_up_full(&c, Flavour::Joyent, &obs, &[], &j, &mut counter()).unwrap();
        assert!(p.is_noop(), "{p}");
        // A flow of a wanted name that is somebody else's fails the plan.
        let mut taken = seen.clone();
        taken[0].flows[0] = flow(f25, "net1", "tcp", "26");
        let e = plan_up_full(&c, Flavour::Joyent, &obs, &taken, &j, &mut counter()).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("zone 'web1': net 'net1': flow '{f25}' on link 'net1' was not created by netzone (it matches proto 'tcp' remote port '26', not its record's tcp port 25); left alone: remove it, or drop its port from blocked_outgoing_ports")
        );
        j.flows.clear();
        let e = plan_up_full(&c, Flavour::Joyent, &obs, &seen, &j, &mut counter()).unwrap_err();
        assert!(e.to_string().contains("(no record of it)"), "{e}");
        // gate: only a link in the global zone can be named; one on loan is not asked about.
        assert!(flow_queries(&c, Flavour::Gate, &obs, &j)
            .unwrap()
            .is_empty());
    }

    /// The records a failed `up` leaves for the nets it created, when step `k` of `p` fails:
    /// what the executor writes (create: intent, then created; rename: renaming, then active).
    /// `refused`: dladm refused the failing step (a create that created nothing); otherwise the
    /// step may have done its work (a create left at intent, a rename at renaming).
    fn records_at(p: &Plan, k: usize, refused: bool) -> Vec<JournalLink> {
        let z = zn("web1");
        let mut v: Vec<JournalLink> = Vec::new();
        for (i, s) in p.steps.iter().enumerate().take(k + 1) {
            let failing = i == k;
            match s {
                Step::Create {
                    net, index, spec, ..
                } => {
                    if failing && refused {
                        continue;
                    }
                    v.push(JournalLink {
                        net: net.clone(),
                        index: *index,
                        name: spec.name.clone(),
                        final_name: net.clone(),
                        over: spec.over.clone(),
                        vid: spec.vid,
                        mac: known_mac(spec.mac.as_ref()),
                        zone: z.clone(),
                        state: if failing {
                            LinkState::Intent
                        } else {
                            LinkState::Created
                        },
                        run: String::new(),
                        persistent: false,
                    });
                }
                Step::Rename { net, .. } => {
                    let e = v.iter_mut().find(|e| &e.net == net).unwrap();
                    e.state = match (failing, refused) {
                        (false, _) => LinkState::Active,
                        (true, true) => LinkState::Created,
                        (true, false) => LinkState::Renaming,
                    };
                }
                _ => {}
            }
        }
        v
    }

    #[test]
    fn undo_plans_delete_only_what_the_run_created_newest_first() {
        let z = zn("web1");
        let t = |i| tempname::temp_name(&z, i);
        let none = Observation::default();
        let p = up(&cfg(), Flavour::Joyent, &none, &Journal::empty(&z)).unwrap();
        let undo = |k: usize, refused: bool| {
            lines(&plan_undo(&z, Flavour::Joyent, &records_at(&p, k, refused)))
        };
        // net0's create refused: nothing was created, nothing is undone.
        assert!(undo(0, true).is_empty());
        // net0's create failed otherwise: the link may exist under its temporary name.
        assert_eq!(
            undo(0, false),
            vec![format!("dladm delete-vnic -t -z web1 {}", t(0))]
        );
        // net0's rename refused: still under the temporary name.
        assert_eq!(
            undo(1, true),
            vec![format!("dladm delete-vnic -t -z web1 {}", t(0))]
        );
        // net0's rename failed otherwise: under either name.
        assert_eq!(
            undo(1, false),
            vec![
                format!("dladm delete-vnic -t -z web1 {}", t(0)),
                "dladm delete-vnic -t -z web1 net0".to_string(),
            ]
        );
        // net1's create refused: net0, finished, is undone.
        assert_eq!(undo(2, true), vec!["dladm delete-vnic -t -z web1 net0"]);
        // net2's rename failed: newest first, net2 under both names, then net1 and net0.
        assert_eq!(
            undo(5, false),
            vec![
                format!("dladm delete-vnic -t -z web1 {}", t(2)),
                "dladm delete-vnic -t -z web1 net2".to_string(),
                "dladm delete-vnic -t -z web1 net1".to_string(),
                "dladm delete-vnic -t -z web1 net0".to_string(),
            ]
        );
        // The MAC write-back (after the last step) failed: every link of the run goes, each
        // under its final name.
        assert_eq!(
            undo(p.steps.len(), false),
            vec![
                "dladm delete-vnic -t -z web1 net2",
                "dladm delete-vnic -t -z web1 net1",
                "dladm delete-vnic -t -z web1 net0",
            ]
        );
        // gate: from the global zone, under the final name.
        let g = up(&cfg(), Flavour::Gate, &none, &Journal::empty(&z)).unwrap();
        let gundo = |k: usize, refused: bool| {
            lines(&plan_undo(&z, Flavour::Gate, &records_at(&g, k, refused)))
        };
        assert!(gundo(0, true).is_empty());
        assert_eq!(gundo(0, false), vec!["dladm delete-vnic -t net0"]);
        // net2's MTU (set-linkprop, step 3) failed: all three links, newest first.
        assert_eq!(
            gundo(3, false),
            vec![
                "dladm delete-vnic -t net2",
                "dladm delete-vnic -t net1",
                "dladm delete-vnic -t net0",
            ]
        );
        // Every step of an undo is a delete of a net's recorded link: none can address a link
        // the run did not record.
        for k in 0..p.steps.len() {
            for refused in [true, false] {
                let recs = records_at(&p, k, refused);
                for s in &plan_undo(&z, Flavour::Joyent, &recs).steps {
                    let Step::Delete {
                        net: Some(n), name, ..
                    } = s
                    else {
                        panic!("{s:?}")
                    };
                    let e = recs.iter().find(|e| &e.net == n).unwrap();
                    assert!(e.candidate_names().contains(&name), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn what_the_planner_cannot_do_is_unsupported() {
        use crate::error::ErrorKind;
        let empty = Observation {
            unreadable: Vec::new(),
            links: vec![],
        };
        let j = Journal::empty(&zn("web1"));
        // A nic tag that was never resolved to a link.
        let mut c = cfg();
        c.nets[0].global_nic = Some(GlobalNic::Tag(
            crate::globalnic::NicTag::new("admin").unwrap(),
        ));
        let e = up(&c, Flavour::Gate, &empty, &j).unwrap_err();
        assert!(matches!(e, PlanError::Unresolved { .. }), "{e}");
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        // A persistent net on joyent.
        let mut c = cfg();
        c.nets[1]
            .attrs
            .insert(Net::PERSISTENT_ATTR.into(), "true".into());
        let e = up(&c, Flavour::Joyent, &empty, &j).unwrap_err();
        assert!(matches!(e, PlanError::PersistentOnJoyent { .. }), "{e}");
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        assert!(up(&c, Flavour::Gate, &empty, &j).is_ok());
    }

    #[test]
    fn joyent_fresh_zone() {
        let z = zn("web1");
        let p = up(
            &cfg(),
            Flavour::Joyent,
            &Observation::default(),
            &Journal::empty(&z),
        )
        .unwrap();
        let t = |i| tempname::temp_name(&z, i);
        assert_eq!(
            lines(&p),
            vec![
                format!("dladm create-vnic -t -l e1000g0 -m 2:8:20:0:0:1 -p {LOCKED},zone=web1 {}", t(0)),
                format!("dladm rename-link -z web1 {} net0", t(0)),
                format!(
                    "dladm create-vnic -t -l e1000g0 -m 2:8:20:a:b:c -v 42 -p {LOCKED},zone=web1 {}",
                    t(1)
                ),
                format!("dladm rename-link -z web1 {} net1", t(1)),
                format!(
                    "dladm create-vnic -t -l e1000g1 -m 2:8:20:0:0:2 -p mtu=9000,{PROT},allowed-ips=10.0.0.5,zone=web1 {}",
                    t(2)
                ),
                format!("dladm rename-link -z web1 {} net2", t(2)),
                // The MACs netzone drew for the nets without mac-addr, saved in one run.
                "zonecfg -z web1 'select net physical=net0; set mac-addr=2:8:20:0:0:1; end; \
                 select net physical=net2; set mac-addr=2:8:20:0:0:2; end; commit'"
                    .to_string(),
            ]
        );
        assert!(!p.is_noop());
        let drawn: Vec<bool> = p
            .steps
            .iter()
            .filter_map(|s| match s {
                Step::Create { drawn, .. } => Some(*drawn),
                _ => None,
            })
            .collect();
        assert_eq!(drawn, vec![true, false, true]);
    }

    #[test]
    fn drawn_macs_avoid_live_ones() {
        let z = zn("web1");
        let obs = Observation {
            unreadable: Vec::new(),
            links: vec![vnic("opvnic0", "e1000g0", "2:8:20:0:0:1", 0, None)],
        };
        let p = up(&cfg(), Flavour::Gate, &obs, &Journal::empty(&z)).unwrap();
        assert_eq!(
            lines(&p)[0],
            "dladm create-vnic -t -l e1000g0 -m 2:8:20:0:0:2 net0"
        );
        // Every draw taken: the last one is used, and dladm's "in use" makes the executor draw
        // again.
        let mut same = || Mac::with_random_prefix([0, 0, 1]);
        let p = plan_up_with(&cfg(), Flavour::Gate, &obs, &Journal::empty(&z), &mut same).unwrap();
        assert!(lines(&p)[0].contains("-m 2:8:20:0:0:1"));
        let mut n = net("x0", Some("e1000g0"));
        for (spec, drawn) in [
            (None, true),
            (Some(MacSpec::Auto), true),
            (Some(MacSpec::Random), true),
            (Some(MacSpec::Factory), false),
            (Some(MacSpec::Vrrp { vrid: 7 }), false),
        ] {
            n.mac = spec;
            let (got, d) = choose_mac(&n, &mut counter(), &|_| false);
            assert_eq!(d, drawn, "{spec:?}");
            if drawn {
                assert_eq!(got, MacSpec::Fixed(Mac::with_random_prefix([0, 0, 1])));
            } else {
                assert_eq!(Some(got), spec);
            }
        }
        assert_eq!(
            known_mac(Some(&MacSpec::Vrrp { vrid: 7 }))
                .unwrap()
                .to_string(),
            "0:0:5e:0:1:7"
        );
        assert_eq!(known_mac(Some(&MacSpec::Factory)), None);
    }

    #[test]
    fn joyent_idempotent_and_operator_nets_untouched() {
        let z = zn("web1");
        let obs = Observation {
            unreadable: Vec::new(),
            links: vec![
                vnic("net0", "e1000g0", "2:8:20:1:1:1", 0, Some("web1")),
                vnic("net1", "e1000g0", "2:8:20:a:b:c", 42, Some("web1")),
                vnic("net2", "e1000g1", "2:8:20:1:1:2", 0, Some("web1")),
                vnic("oper0", "e1000g0", "2:8:20:1:1:3", 0, Some("web1")),
                // Another zone's net0 does not matter on joyent.
                vnic("net0", "e1000g0", "2:8:20:1:1:4", 0, Some("web2")),
                // Nor does the operator's global-zone link of a net's name.
                vnic("net2", "e1000g0", "2:8:20:1:1:5", 0, None),
            ],
        };
        let mut j = Journal::empty(&z);
        j.links = vec![
            record(0, ln("net0"), LinkState::Active, "2:8:20:1:1:1"),
            record(1, ln("net1"), LinkState::Active, "2:8:20:a:b:c"),
            record(2, ln("net2"), LinkState::Active, "2:8:20:1:1:2"),
        ];
        let p = up(&cfg(), Flavour::Joyent, &obs, &j).unwrap();
        assert!(p.is_noop(), "{p:?}");
        assert_eq!(p.satisfied.len(), 3);
        assert!(p.not_ours.is_empty(), "{:?}", p.not_ours);
        // Without the records, the zone's net0 is not provably netzone's.
        let e = up(&cfg(), Flavour::Joyent, &obs, &Journal::empty(&z)).unwrap_err();
        assert!(e.to_string().contains("net 'net0'"), "{e}");
    }

    #[test]
    fn joyent_foreign_link_with_final_name_is_a_conflict() {
        let z = zn("web1");
        let obs = Observation {
            unreadable: Vec::new(),
            links: vec![vnic("net1", "e1000g0", "2:8:20:9:9:9", 0, Some("web1"))],
        };
        let e = up(&cfg(), Flavour::Joyent, &obs, &Journal::empty(&z)).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("zone 'web1': net 'net1': link 'net1' already exists in zone 'web1'"),
            "{e}"
        );
        // A record naming it with another MAC does not make it netzone's either.
        let mut j = Journal::empty(&z);
        j.links
            .push(record(1, ln("net1"), LinkState::Active, "2:8:20:a:b:c"));
        assert!(up(&cfg(), Flavour::Joyent, &obs, &j).is_err());
    }

    #[test]
    fn joyent_finishes_or_undoes_crash_leftovers() {
        let z = zn("web1");
        let t0 = tempname::temp_name(&z, 0);
        let t1 = tempname::temp_name(&z, 1);
        let t7 = tempname::temp_name(&z, 7);
        let obs = Observation {
            unreadable: Vec::new(),
            links: vec![
                // net0 created and in the zone, crash before the rename: finish it.
                vnic(t0.as_str(), "e1000g0", "2:8:20:1:1:1", 0, Some("web1")),
                // net1's temp link with a wrong MAC: delete and recreate.
                vnic(t1.as_str(), "e1000g0", "2:8:20:1:1:7", 42, Some("web1")),
                // A temp name of an index no longer configured and recorded nowhere: its lower
                // link proves nothing, so it is left alone.
                vnic(t7.as_str(), "e1000g0", "2:8:20:1:1:8", 0, None),
            ],
        };
        let p = up(&cfg(), Flavour::Joyent, &obs, &Journal::empty(&z)).unwrap();
        let l = lines(&p);
        assert_eq!(l[0], format!("dladm delete-vnic -t -z web1 {t1}"));
        assert_eq!(l[1], format!("dladm rename-link -z web1 {t0} net0"));
        assert!(l[2].contains(&format!("-m 2:8:20:a:b:c -v 42 -p {LOCKED},zone=web1 {t1}")));
        assert!(!p.to_string().contains(t7.as_str()), "{p}");
        assert_eq!(p.adopt.len(), 1);
        assert_eq!(p.adopt[0].state, LinkState::Created);
        // Recorded (as an earlier net 7 over e1000g0), the same link is netzone's.
        let mut j = Journal::empty(&z);
        let mut e = record(0, t7.clone(), LinkState::Created, "2:8:20:1:1:8");
        e.net = ln("old7");
        e.index = 7;
        e.final_name = ln("old7");
        j.links.push(e);
        let p = up(&cfg(), Flavour::Joyent, &obs, &j).unwrap();
        assert_eq!(lines(&p)[0], format!("dladm delete-vnic -t {t7}"));
        // A temp link over another lower link than the configured one is not netzone's.
        let obs = Observation {
            unreadable: Vec::new(),
            links: vec![vnic(
                t0.as_str(),
                "e1000g1",
                "2:8:20:1:1:1",
                0,
                Some("web1"),
            )],
        };
        // netzone leaves it and refuses to plan around it.
        let e = up(&cfg(), Flavour::Joyent, &obs, &Journal::empty(&z)).unwrap_err();
        assert!(matches!(e, PlanError::TempNameTaken { .. }), "{e}");
        assert_eq!(e.kind(), crate::error::ErrorKind::NameTaken);
    }

    #[test]
    fn gate_checks_host_wide_names() {
        let z = zn("web1");
        let obs = Observation {
            unreadable: Vec::new(),
            links: vec![vnic("net1", "e1000g0", "2:8:20:9:9:9", 0, Some("web2"))],
        };
        let e = up(&cfg(), Flavour::Gate, &obs, &Journal::empty(&z)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "zone 'web1': net 'net1': link name 'net1' is in use by zone 'web2'"
        );
        let p = up(
            &cfg(),
            Flavour::Gate,
            &Observation::default(),
            &Journal::empty(&z),
        )
        .unwrap();
        assert_eq!(
            lines(&p),
            vec![
                "dladm create-vnic -t -l e1000g0 -m 2:8:20:0:0:1 net0",
                "dladm create-vnic -t -l e1000g0 -m 2:8:20:a:b:c -v 42 net1",
                "dladm create-vnic -t -l e1000g1 -m 2:8:20:0:0:2 -p mtu=9000 net2",
                "dladm set-linkprop -t -p mtu=9000 net2",
                "zonecfg -z web1 'select net physical=net0; set mac-addr=2:8:20:0:0:1; end; \
                 select net physical=net2; set mac-addr=2:8:20:0:0:2; end; commit'",
            ]
        );
        // An operator's link of that name in the GZ is not replaced, even one that looks like
        // the net: only a record identifying it makes it netzone's.
        for over in ["e1000g1", "e1000g0"] {
            let obs = Observation {
                unreadable: Vec::new(),
                links: vec![vnic("net0", over, "2:8:20:9:9:9", 0, None)],
            };
            let e = up(&cfg(), Flavour::Gate, &obs, &Journal::empty(&z)).unwrap_err();
            assert!(e.to_string().contains("the global zone"), "{e}");
        }
        let obs = Observation {
            unreadable: Vec::new(),
            links: vec![vnic("net0", "e1000g1", "2:8:20:9:9:9", 0, None)],
        };
        let e = up(&cfg(), Flavour::Gate, &obs, &Journal::empty(&z)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "zone 'web1': net 'net0': link 'net0' already exists in the global zone and was not \
             created by netzone (a VNIC over e1000g1); rename or remove that link, or give the \
             net another physical name"
        );
        // Seen without VNIC details (gate's zone walk only): no empty "(over )".
        let obs = Observation {
            unreadable: Vec::new(),
            links: vec![ObservedLink {
                name: ln("net0"),
                zone: None,
                vnic: None,
            }],
        };
        let e = up(&cfg(), Flavour::Gate, &obs, &Journal::empty(&z)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "zone 'web1': net 'net0': link 'net0' already exists in the global zone and was not \
             created by netzone; rename or remove that link, or give the net another physical name"
        );
    }

    #[test]
    fn gate_recreates_own_wrong_link_and_keeps_right_one() {
        let z = zn("web1");
        let mut j = Journal::empty(&z);
        // net0 was made over e1000g1 by an earlier configuration.
        let mut e0 = record(0, ln("net0"), LinkState::Active, "2:8:20:9:9:9");
        e0.over = ln("e1000g1");
        j.links.push(e0);
        j.links
            .push(record(1, ln("net1"), LinkState::Created, "2:8:20:a:b:c"));
        let obs = Observation {
            unreadable: Vec::new(),
            links: vec![
                vnic("net0", "e1000g1", "2:8:20:9:9:9", 0, None),
                vnic("net1", "e1000g0", "2:8:20:a:b:c", 42, None),
            ],
        };
        let c = cfg();
        let p = up(&c, Flavour::Gate, &obs, &j).unwrap();
        let l = lines(&p);
        assert_eq!(l[0], "dladm delete-vnic -t net0");
        assert_eq!(l[1], "dladm create-vnic -t -l e1000g0 -m 2:8:20:0:0:1 net0");
        assert_eq!(l[3], "dladm set-linkprop -t -p mtu=9000 net2");
        assert!(l[4]
            .starts_with("zonecfg -z web1 'select net physical=net0; set mac-addr=2:8:20:0:0:1;"));
        assert_eq!(l.len(), 5);
        assert_eq!(p.satisfied, vec![ln("net1")]);
        assert_eq!(p.adopt.len(), 1, "created entry confirmed as active");
    }

    #[test]
    fn shared_ip_and_auto_nic() {
        let mut c = cfg();
        c.ip_type = IpType::Shared;
        let z = zn("web1");
        let p = up(
            &c,
            Flavour::Joyent,
            &Observation::default(),
            &Journal::empty(&z),
        )
        .unwrap();
        assert!(p.is_noop());
        let mut c = cfg();
        c.nets[0].global_nic = Some(GlobalNic::Auto);
        let e = up(
            &c,
            Flavour::Joyent,
            &Observation::default(),
            &Journal::empty(&z),
        )
        .unwrap_err();
        assert!(e.to_string().contains("global-nic 'auto' was not resolved"));
    }

    #[test]
    fn down_removes_only_identified_links() {
        let z = zn("web1");
        let t1 = tempname::temp_name(&z, 1);
        let mut j = Journal::empty(&z);
        j.links.push(record(
            0,
            tempname::temp_name(&z, 0),
            LinkState::Active,
            "2:8:20:1:1:1",
        ));
        j.links
            .push(record(1, t1.clone(), LinkState::Renaming, "2:8:20:a:b:c"));
        j.links.push(record(
            2,
            tempname::temp_name(&z, 2),
            LinkState::Intent,
            "2:8:20:1:1:9",
        ));
        let obs = Observation {
            unreadable: Vec::new(),
            links: vec![
                vnic("net0", "e1000g0", "2:8:20:1:1:1", 0, Some("web1")),
                vnic(t1.as_str(), "e1000g0", "2:8:20:a:b:c", 42, Some("web1")),
                vnic("oper0", "e1000g0", "2:8:20:1:1:3", 0, Some("web1")),
                vnic("net0", "e1000g0", "2:8:20:1:1:4", 0, Some("web2")),
                // The operator's global-zone net0: named by the record, not identified.
                vnic("net0", "e1000g0", "2:8:20:1:1:5", 0, None),
            ],
        };
        let p = plan_down(&z, Flavour::Joyent, &obs, &j);
        assert_eq!(
            lines(&p),
            vec![
                "dladm delete-vnic -t -z web1 net0".to_string(),
                format!("dladm delete-vnic -t -z web1 {t1}"),
            ]
        );
        assert_eq!(p.forget, vec![ln("net2")]);
        assert!(
            p.not_ours.is_empty(),
            "net0's record is identified: {:?}",
            p.not_ours
        );
        // Stale records (a hook killed after the links went): the operator's net0 is reported,
        // not deleted, and the record dropped.
        let obs2 = Observation {
            unreadable: Vec::new(),
            links: vec![vnic("net0", "e1000g0", "2:8:20:1:1:5", 0, None)],
        };
        let p = plan_down(&z, Flavour::Joyent, &obs2, &j);
        assert!(p.steps.is_empty(), "{p}");
        assert_eq!(p.forget, vec![ln("net0"), ln("net1"), ln("net2")]);
        assert_eq!(p.not_ours.len(), 1);
        assert!(
            p.not_ours[0].why.contains("MAC address is 2:8:20:1:1:5"),
            "{:?}",
            p.not_ours
        );
        // Without a journal a temporary name alone proves nothing.
        let p = plan_down(&z, Flavour::Joyent, &obs, &Journal::empty(&z));
        assert!(p.is_noop(), "{p}");
    }

    #[test]
    fn gate_never_addresses_a_shadowed_loaned_link() {
        let z = zn("web1");
        let mut j = Journal::empty(&z);
        j.links
            .push(record(0, ln("net0"), LinkState::Active, "2:8:20:1:1:1"));
        // The zone holds netzone's net0 on loan; the operator made another net0 in the GZ
        // (illumos bug 10001): `delete-vnic net0` from the GZ would hit the operator's.
        let obs = Observation {
            unreadable: Vec::new(),
            links: vec![
                vnic("net0", "e1000g0", "2:8:20:1:1:1", 0, Some("web1")),
                vnic("net0", "e1000g0", "2:8:20:7:7:7", 0, None),
            ],
        };
        let p = plan_down(&z, Flavour::Gate, &obs, &j);
        assert!(p.steps.is_empty(), "{p}");
        assert!(p.forget.is_empty());
        assert_eq!(p.blocked.len(), 1);
        assert!(p.blocked[0].1.contains("10001"));
        // joyent names it with -z: no problem there.
        let p = plan_down(&z, Flavour::Joyent, &obs, &j);
        assert_eq!(lines(&p), vec!["dladm delete-vnic -t -z web1 net0"]);
    }
}
