//! One dladm (or flowadm) command of a plan ([`Step`]) and every command the executor may run
//! for it ([`Step::commands`]): the step's own, then the fallbacks a delete needs when dladm
//! reports the link busy (a zone that is still ready holds it: zoneadmd's own hand-back,
//! `set-linkprop -t -p zone=global`) or not found (the dlmgmtd probe that tells a missing link
//! from a dlmgmtd that is not answering).

use std::fmt;

use crate::dladm::observe;
use crate::dladm::{self, LinkProp, VnicSpec};
use crate::flavour::Flavour;
use crate::linkname::LinkName;
use crate::zonename::ZoneName;

#[cfg(doc)]
use super::{plan_shield, Plan};

/// One dladm command of a plan. Serialised with its variant as `action` (`create`, `rename`,
/// `delete`, `return`, `rename-in-zone`, `set-prop`, `add-flow`, `remove-flow`); [`Plan`]'s
/// serialisation adds each step's argv.
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

    /// The step's own command line, program first ([`Command::line`] of its first command).
    pub fn line(&self, flavour: Flavour) -> Vec<String> {
        std::iter::once(self.program().to_string())
            .chain(self.argv(flavour))
            .collect()
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

    /// The whole command line: the program, then its arguments (what `--json` prints).
    pub fn line(self) -> Vec<String> {
        std::iter::once(self.program.to_string())
            .chain(self.argv)
            .collect()
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
