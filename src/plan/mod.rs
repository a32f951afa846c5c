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
//! ([`Dialect::vnic_props`](crate::flavour::Dialect::vnic_props), `netattr`): the MTU (1500
//! unless configured), locked-down `protection`,
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
//!
//! The module is split by job: [`Step`] and the commands it runs (`step.rs`), [`PlanError`]
//! (`error.rs`), [`Plan`] (here), the nets netzone serves (`desired.rs`), the MACs it chooses
//! (`macs.rs`), what the host shows of journal records (`records.rs`), `up` (`up.rs`) with
//! each net's link planned by its flavour ([`Planner`]: `joyent.rs`, `gate.rs`), the
//! `blocked_outgoing_ports` flows (`flows.rs`), removal (`down.rs`) and the links a zone
//! holds that netzone did not make (`reclaim.rs`).

use std::fmt;

use crate::flavour::Flavour;
use crate::identity::NotOurs;
use crate::journal::JournalLink;
use crate::linkname::LinkName;
use crate::mac::Mac;
use crate::zonename::ZoneName;

mod desired;
mod down;
mod error;
mod flows;
mod gate;
mod joyent;
mod macs;
mod planner;
mod reclaim;
mod records;
mod step;
mod up;

#[cfg(test)]
mod fixtures;

pub use desired::{desired_nets, matches, Desired};
pub use down::{plan_down, plan_undo, unreadable_reason};
pub use error::{PlanError, TakenFlow};
pub use flows::{flow_queries, plan_flows};
pub use macs::{choose_mac, known_mac, MAC_DRAWS};
pub use planner::Planner;
pub use reclaim::{free_name, plan_reclaim, plan_reclaim_configured, plan_shield};
pub use step::{Command, Step, When};
pub use up::{plan_up, plan_up_full, plan_up_with, NetOutcome, UpContext};

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
    /// [{"zone", "net", "link", "in", "why"}], "blocked": [{"link", "why"}], "save_macs":
    /// [{"net", "mac"}], "zonecfg": argv | null, "flows_confirm": [flow...], "flows_forget":
    /// [flow...]}`: each step with its typed fields and the exact command the executor runs,
    /// then the MAC write-back's one zonecfg command (run after the steps) and the flow
    /// records the run confirms or drops.
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
            save_macs: Vec<SavedMac<'a>>,
            zonecfg: Option<Vec<String>>,
            flows_confirm: &'a [String],
            flows_forget: &'a [String],
        }
        #[derive(serde::Serialize)]
        struct SavedMac<'a> {
            net: &'a LinkName,
            mac: String,
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
                    let argv = step.line(self.flavour);
                    let fallbacks = step
                        .commands(self.flavour)
                        .into_iter()
                        .filter(|c| c.when != When::Always)
                        .map(|c| FallbackOut {
                            when: c.when,
                            argv: c.line(),
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
            save_macs: self
                .save_macs
                .iter()
                .map(|(net, mac)| SavedMac {
                    net,
                    mac: mac.to_string(),
                })
                .collect(),
            zonecfg: crate::zonecfg_write::mac_writeback_command(&self.zone, &self.save_macs)
                .map(|a| std::iter::once("zonecfg".to_string()).chain(a).collect()),
            flows_confirm: &self.flows_confirm,
            flows_forget: &self.flows_forget,
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
