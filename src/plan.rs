//! The plan: a pure function from (the zone's configuration, the observed links, the journal) to
//! the ordered dladm steps that bring the host to the wanted state. No I/O happens here, so every
//! decision is unit-tested without a host; `apply` runs the steps.
//!
//! What netzone owns: only nets with a `global-nic` (the others are the operator's links, which
//! zoneadmd lends as they are); among links found on the host, only those its journal records or
//! that carry this zone's temporary name (`tempname`).
//!
//! Per flavour (design notes, "Flavours"):
//! - joyent: `create-vnic -t -l GLOBAL [-m MAC] [-v VID] -p [mtu=..,][protection=..,allowed-ips=..,]zone=Z TMP`
//!   then `rename-link -z Z TMP PHYSICAL` (SmartOS `jcommon/statechange` `setup_net`);
//! - gate: the final name must be free host-wide (a link on loan keeps its name in its zone's
//!   namespace, and a second link of that name in the global zone is illumos bug 10001), then
//!   `create-vnic -t` under the final name before ready; zoneadmd lends it at ready (`vplat.c`
//!   `configure_exclusive_network_interfaces`).
//!
//! `allowed-address` becomes `protection=mac-nospoof,ip-nospoof` and `allowed-ips=ADDR,...`
//! (each address without its prefix length, which is the zone's netmask, not a range it may use)
//! on joyent, where the link appears after ready and zoneadmd never sees it. On gate zoneadmd
//! sets `protection` and `allowed-ips` itself when it lends the link, and refuses a link that
//! already has them ("Protection is already set", `vplat.c` `add_net_for_linkid`), so netzone
//! leaves them to it.
//!
//! ```
//! use netzone::dladm::observe::Observation;
//! use netzone::flavour::Flavour;
//! use netzone::journal::Journal;
//! use netzone::{plan, tempname, zonecfg};
//!
//! let cfg = zonecfg::parse_str(
//!     r#"<zone name="web1" zonepath="/zones/web1" brand="joyent" ip-type="exclusive">
//!          <network physical="net0" global-nic="e1000g0" vlan-id="42"/>
//!        </zone>"#,
//!     "example",
//! )?;
//! // Nothing on the host yet, nothing recorded: create under the temporary name, then rename.
//! let p = plan::plan_up(&cfg, Flavour::Joyent, &Observation::default(), &Journal::empty(cfg.name()))?;
//! let tmp = tempname::temp_name(cfg.name(), 0);
//! assert_eq!(
//!     p.to_string(),
//!     format!("dladm create-vnic -t -l e1000g0 -v 42 -p zone=web1 {tmp}\n\
//!              dladm rename-link -z web1 {tmp} net0\n")
//! );
//! // gate: the final name directly, after checking it is free host-wide.
//! let p = plan::plan_up(&cfg, Flavour::Gate, &Observation::default(), &Journal::empty(cfg.name()))?;
//! assert_eq!(p.to_string(), "dladm create-vnic -t -l e1000g0 -v 42 net0\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use crate::dladm::observe::{Observation, ObservedLink};
use crate::dladm::{self, LinkProp, VnicSpec};
use crate::flavour::Flavour;
use crate::journal::{Journal, JournalLink, LinkState};
use crate::linkname::LinkName;
use crate::mac::MacSpec;
use crate::tempname;
use crate::zonecfg::{GlobalNic, IpType, Net, ZoneConfig};
use crate::zonename::ZoneName;

/// One dladm command of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Create the VNIC of net `net` (index `index` in the configuration).
    Create {
        net: LinkName,
        index: usize,
        spec: VnicSpec,
    },
    /// joyent: give the link in `zone` its final name.
    Rename {
        net: LinkName,
        zone: ZoneName,
        from: LinkName,
        to: LinkName,
    },
    /// Delete a link netzone owns. `zone` is where it was seen (`None` = global zone).
    Delete {
        net: Option<LinkName>,
        name: LinkName,
        zone: Option<ZoneName>,
    },
    /// Hand a link netzone does not own back to the global zone (reclaim only).
    ReturnToGlobal { name: LinkName, zone: ZoneName },
    /// gate: set a property `create-vnic -t -p` does not apply. gate's libdlvnic applies only
    /// the resource properties when it creates a temporary VNIC, so the MTU is set again
    /// afterwards, as omicron does (illumos 15695).
    SetProp {
        net: LinkName,
        name: LinkName,
        prop: LinkProp,
    },
}

impl Step {
    /// The net this step serves, if any.
    pub fn net(&self) -> Option<&LinkName> {
        match self {
            Step::Create { net, .. } | Step::Rename { net, .. } | Step::SetProp { net, .. } => {
                Some(net)
            }
            Step::Delete { net, .. } => net.as_ref(),
            Step::ReturnToGlobal { .. } => None,
        }
    }

    /// The exact dladm argv (after the program name). `flavour` decides whether `-z` is used.
    pub fn argv(&self, flavour: Flavour) -> Vec<String> {
        let z = |zone: Option<&ZoneName>| match flavour {
            Flavour::Joyent => zone.cloned(),
            Flavour::Gate => None,
        };
        match self {
            Step::Create { spec, .. } => dladm::create_vnic_command(spec),
            Step::Rename { zone, from, to, .. } => {
                dladm::rename_link_command(z(Some(zone)).as_ref(), from, to)
            }
            Step::Delete { name, zone, .. } => {
                dladm::delete_vnic_command(z(zone.as_ref()).as_ref(), name)
            }
            Step::ReturnToGlobal { name, zone } => {
                dladm::return_to_global_command(z(Some(zone)).as_ref(), name)
            }
            Step::SetProp { name, prop, .. } => dladm::set_linkprop_command(None, name, prop),
        }
    }
}

/// Why no plan can be made. Each names the zone and the net, as illumos tools do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("zone '{zone}': net '{net}': global-nic 'auto' was not resolved to a link before planning (netzone::globalnic::resolve)")]
    AutoGlobalNic { zone: ZoneName, net: LinkName },
    #[error("zone '{zone}': net '{net}': link name '{net}' is in use by zone '{holder}'")]
    NameInUseByZone {
        zone: ZoneName,
        net: LinkName,
        holder: ZoneName,
    },
    #[error("zone '{zone}': net '{net}': link '{net}' already exists in {place} and was not created by netzone (over {over})")]
    Conflict {
        zone: ZoneName,
        net: LinkName,
        place: String,
        over: String,
    },
    #[error("zone '{zone}': net '{net}': link '{net}' is on loan to the zone but differs from its configuration; halt the zone first")]
    WrongLinkOnLoan { zone: ZoneName, net: LinkName },
}

/// Ordered steps plus the journal bookkeeping that needs no command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub zone: ZoneName,
    pub flavour: Flavour,
    pub steps: Vec<Step>,
    /// Nets already as configured: left alone.
    pub satisfied: Vec<LinkName>,
    /// Journal entries to record as they are, for links found already in place (a crash between
    /// a command and its confirmation).
    pub adopt: Vec<JournalLink>,
    /// Nets whose journal entries name no existing link: dropped from the journal.
    pub forget: Vec<LinkName>,
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
        }
    }

    /// True when running the plan changes nothing on the host or in the journal.
    pub fn is_noop(&self) -> bool {
        self.steps.is_empty() && self.adopt.is_empty() && self.forget.is_empty()
    }
}

impl fmt::Display for Plan {
    /// One step a line: `dladm <argv>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for s in &self.steps {
            writeln!(f, "dladm {}", s.argv(self.flavour).join(" "))?;
        }
        Ok(())
    }
}

/// What a netzone net wants from its VNIC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desired<'a> {
    pub index: usize,
    pub net: &'a Net,
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
            Some(GlobalNic::Link(l)) => v.push(Desired {
                index,
                net,
                over: l.clone(),
            }),
        }
    }
    Ok(v)
}

/// The properties set at creation besides `mtu` and `zone=` (joyent; see the module doc).
pub fn vnic_props(net: &Net, flavour: Flavour) -> Vec<LinkProp> {
    let mut p = Vec::new();
    if flavour == Flavour::Joyent && !net.allowed_address.is_empty() {
        p.push(LinkProp::new("protection", &["mac-nospoof", "ip-nospoof"]));
        p.push(LinkProp {
            name: "allowed-ips".into(),
            values: net
                .allowed_address
                .iter()
                .map(|a| a.addr().to_string())
                .collect(),
        });
    }
    p
}

fn spec_for(
    d: &Desired<'_>,
    name: LinkName,
    zone: Option<&ZoneName>,
    flavour: Flavour,
) -> VnicSpec {
    VnicSpec {
        name,
        over: d.over.clone(),
        mac: d.net.mac,
        vid: d.net.vlan,
        mtu: d.net.mtu,
        props: vnic_props(d.net, flavour),
        zone: zone.cloned(),
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
    }
}

/// Whether netzone may delete `name` seen for `zone`: its journal records it, or it carries the
/// zone's temporary-name pattern.
pub fn owns(journal: &Journal, zone: &ZoneName, name: &LinkName) -> bool {
    journal.find(name).is_some() || tempname::owned_index(name, zone).is_some()
}

fn place(zone: Option<&ZoneName>) -> String {
    match zone {
        Some(z) => format!("zone '{z}'"),
        None => "the global zone".into(),
    }
}

fn delete(net: Option<&LinkName>, l: &ObservedLink) -> Step {
    Step::Delete {
        net: net.cloned(),
        name: l.name.clone(),
        zone: l.zone.clone(),
    }
}

/// The names under which an entry's link may be removed. A `renaming` entry names both the
/// temporary and the final name, but while a link still carries the temporary name the rename
/// did not happen (dladm renames atomically), so a link with the final name is not netzone's:
/// e.g. the operator's global-zone link of that name, which zoneadmd lent to the zone at ready
/// because the name is a configured `physical`. Only the temporary name is then netzone's.
fn names_to_remove<'a>(
    e: &'a JournalLink,
    obs: &Observation,
    zone: &ZoneName,
) -> Vec<&'a LinkName> {
    let names = e.candidate_names();
    let temp_present = || {
        obs.named(&e.name)
            .any(|l| l.zone.is_none() || l.zone.as_ref() == Some(zone))
    };
    if e.state == LinkState::Renaming && e.name != e.final_name && temp_present() {
        vec![&e.name]
    } else {
        names
    }
}

/// The steps that give `cfg`'s zone its links.
pub fn plan_up(
    cfg: &ZoneConfig,
    flavour: Flavour,
    obs: &Observation,
    journal: &Journal,
) -> Result<Plan, PlanError> {
    let zone = &cfg.name;
    let want = desired_nets(cfg)?;
    let mut plan = Plan::new(zone, flavour);
    let mut deletes: Vec<Step> = Vec::new();

    // Leftovers first: temporary names of this zone and journal entries for nets that are no
    // longer configured (or no longer netzone's).
    let wanted_nets: Vec<&LinkName> = want.iter().map(|d| &d.net.physical).collect();
    let wanted_tmp: Vec<LinkName> = want
        .iter()
        .map(|d| tempname::temp_name(zone, d.index))
        .collect();
    for e in &journal.links {
        if wanted_nets.contains(&&e.net) {
            continue;
        }
        let mut found = false;
        for n in names_to_remove(e, obs, zone) {
            for l in obs.named(n) {
                if l.zone.is_none() || l.zone.as_ref() == Some(zone) {
                    deletes.push(delete(Some(&e.net), l));
                    found = true;
                }
            }
        }
        if !found {
            plan.forget.push(e.net.clone());
        }
    }
    for l in &obs.links {
        if tempname::owned_index(&l.name, zone).is_some()
            && !wanted_tmp.contains(&l.name)
            && (l.zone.is_none() || l.zone.as_ref() == Some(zone))
            && !deletes.iter().any(
                |s| matches!(s, Step::Delete{name, zone: z, ..} if name == &l.name && z == &l.zone),
            )
        {
            deletes.push(delete(None, l));
        }
    }

    let mut creates: Vec<Step> = Vec::new();
    for d in &want {
        let net = &d.net.physical;
        let entry = journal.links.iter().find(|e| &e.net == net);
        let journal_names =
            |n: &LinkName| entry.is_some_and(|e| names_to_remove(e, obs, zone).contains(&n));
        // An entry for this net that does not name the link found under the net's name: that
        // link is someone else's (see `names_to_remove`), never "already done".
        let not_ours = |n: &LinkName| entry.is_some() && !journal_names(n);
        match flavour {
            Flavour::Joyent => {
                let tmp = tempname::temp_name(zone, d.index);
                let tmps: Vec<&ObservedLink> = obs
                    .named(&tmp)
                    .filter(|l| l.zone.is_none() || l.zone.as_ref() == Some(zone))
                    .collect();
                match obs.find(net, Some(zone)) {
                    Some(l) if matches(d, l) && !not_ours(net) => {
                        plan.satisfied.push(net.clone());
                        if entry.is_some_and(|e| e.state != LinkState::Active) {
                            let mut e = entry_for(d, zone, tmp.clone(), LinkState::Active);
                            e.mac = l.vnic.as_ref().and_then(|v| v.mac);
                            plan.adopt.push(e);
                        }
                        deletes.extend(tmps.iter().map(|l| delete(Some(net), l)));
                    }
                    Some(l) => {
                        if !journal_names(net) {
                            return Err(PlanError::Conflict {
                                zone: zone.clone(),
                                net: net.clone(),
                                place: place(Some(zone)),
                                over: l.vnic.as_ref().map(|v| v.over.clone()).unwrap_or_default(),
                            });
                        }
                        deletes.push(delete(Some(net), l));
                        deletes.extend(tmps.iter().map(|l| delete(Some(net), l)));
                        creates.extend(create_and_rename(d, zone, tmp));
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
                            deletes.extend(
                                tmps.iter()
                                    .filter(|o| o.zone != l.zone)
                                    .map(|l| delete(Some(net), l)),
                            );
                            creates.push(Step::Rename {
                                net: net.clone(),
                                zone: zone.clone(),
                                from: tmp,
                                to: net.clone(),
                            });
                        } else {
                            deletes.extend(tmps.iter().map(|l| delete(Some(net), l)));
                            creates.extend(create_and_rename(d, zone, tmp));
                        }
                    }
                }
            }
            Flavour::Gate => {
                let here = obs
                    .named(net)
                    .find(|l| l.zone.is_none() || l.zone.as_ref() == Some(zone));
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
                match here {
                    // A matching link in the global zone is netzone's only if the journal
                    // names it: an operator's link of that name is a conflict below, never
                    // adopted (zoneadmd would lend it to the zone as if it were this net).
                    Some(l) if matches(d, l) && (l.zone.is_some() || journal_names(net)) => {
                        plan.satisfied.push(net.clone());
                        if entry.is_some_and(|e| e.state != LinkState::Active) {
                            // Created by a run that stopped before its last step: adopt it
                            // (confirmed once this run's steps are done) and redo the MTU.
                            let mut e = entry_for(d, zone, net.clone(), LinkState::Created);
                            e.mac = l.vnic.as_ref().and_then(|v| v.mac);
                            plan.adopt.push(e);
                            creates.extend(gate_create(d).into_iter().skip(1));
                        }
                    }
                    Some(l) if !journal_names(net) => {
                        return Err(PlanError::Conflict {
                            zone: zone.clone(),
                            net: net.clone(),
                            place: place(l.zone.as_ref()),
                            over: l.vnic.as_ref().map(|v| v.over.clone()).unwrap_or_default(),
                        })
                    }
                    Some(l) if l.zone.is_some() => {
                        return Err(PlanError::WrongLinkOnLoan {
                            zone: zone.clone(),
                            net: net.clone(),
                        })
                    }
                    Some(l) => {
                        deletes.push(delete(Some(net), l));
                        creates.extend(gate_create(d));
                    }
                    None => creates.extend(gate_create(d)),
                }
            }
        }
        if entry.is_some_and(|e| e.state == LinkState::Intent)
            && !plan.adopt.iter().any(|a| &a.net == net)
            && !creates.iter().any(|s| s.net() == Some(net))
            && !deletes.iter().any(|s| s.net() == Some(net))
        {
            plan.forget.push(net.clone());
        }
    }
    plan.steps = deletes;
    plan.steps.extend(creates);
    Ok(plan)
}

/// gate: create under the final name; set the MTU again if one is configured.
fn gate_create(d: &Desired<'_>) -> Vec<Step> {
    let net = d.net.physical.clone();
    let mut v = vec![Step::Create {
        net: net.clone(),
        index: d.index,
        spec: spec_for(d, net.clone(), None, Flavour::Gate),
    }];
    if let Some(m) = d.net.mtu {
        v.push(Step::SetProp {
            net: net.clone(),
            name: net,
            prop: LinkProp::new("mtu", &[&m.to_string()]),
        });
    }
    v
}

fn create_and_rename(d: &Desired<'_>, zone: &ZoneName, tmp: LinkName) -> Vec<Step> {
    let net = d.net.physical.clone();
    vec![
        Step::Create {
            net: net.clone(),
            index: d.index,
            spec: spec_for(d, tmp.clone(), Some(zone), Flavour::Joyent),
        },
        Step::Rename {
            net: net.clone(),
            zone: zone.clone(),
            from: tmp,
            to: net,
        },
    ]
}

/// The steps that remove every link netzone owns for `zone`: journal entries (under any name
/// they may have) and links with the zone's temporary names, in the global zone or in `zone`.
/// Journal entries naming no existing link are forgotten.
pub fn plan_down(zone: &ZoneName, flavour: Flavour, obs: &Observation, journal: &Journal) -> Plan {
    let mut plan = Plan::new(zone, flavour);
    let here = |l: &ObservedLink| l.zone.is_none() || l.zone.as_ref() == Some(zone);
    for e in &journal.links {
        let mut found = false;
        for n in names_to_remove(e, obs, zone) {
            for l in obs.named(n).filter(|l| here(l)) {
                // On gate a final name in the global zone may be the operator's once the journal
                // entry is only an intent: it was never confirmed as ours.
                if flavour == Flavour::Gate
                    && e.state == LinkState::Intent
                    && !matches!(&l.vnic, Some(v) if v.over == e.over.as_str())
                {
                    continue;
                }
                plan.steps.push(delete(Some(&e.net), l));
                found = true;
            }
        }
        if !found {
            plan.forget.push(e.net.clone());
        }
    }
    for l in obs.links.iter().filter(|l| here(l)) {
        if tempname::owned_index(&l.name, zone).is_some()
            && !plan.steps.iter().any(
                |s| matches!(s, Step::Delete{name, zone: z, ..} if name == &l.name && z == &l.zone),
            )
        {
            plan.steps.push(delete(None, l));
        }
    }
    plan
}

/// Reclaim for a zone stuck `down`: delete the links netzone owns that the zone still holds,
/// and hand every other link it holds back to the global zone (what zoneadmd's
/// `unconfigure_exclusive_network_interfaces` retries), so the next halt can finish.
pub fn plan_reclaim(
    zone: &ZoneName,
    flavour: Flavour,
    obs: &Observation,
    journal: &Journal,
) -> Plan {
    let mut plan = plan_down(zone, flavour, obs, journal);
    for l in obs.in_zone(zone) {
        if !owns(journal, zone, &l.name) {
            plan.steps.push(Step::ReturnToGlobal {
                name: l.name.clone(),
                zone: zone.clone(),
            });
        }
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

    #[test]
    fn joyent_fresh_zone() {
        let z = zn("web1");
        let p = plan_up(
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
                format!("dladm create-vnic -t -l e1000g0 -p zone=web1 {}", t(0)),
                format!("dladm rename-link -z web1 {} net0", t(0)),
                format!(
                    "dladm create-vnic -t -l e1000g0 -m 2:8:20:a:b:c -v 42 -p zone=web1 {}",
                    t(1)
                ),
                format!("dladm rename-link -z web1 {} net1", t(1)),
                format!(
                    "dladm create-vnic -t -l e1000g1 -p mtu=9000,protection=mac-nospoof,ip-nospoof,allowed-ips=10.0.0.5,zone=web1 {}",
                    t(2)
                ),
                format!("dladm rename-link -z web1 {} net2", t(2)),
            ]
        );
        assert!(!p.is_noop());
    }

    #[test]
    fn joyent_idempotent_and_operator_nets_untouched() {
        let z = zn("web1");
        let obs = Observation {
            links: vec![
                vnic("net0", "e1000g0", "2:8:20:1:1:1", 0, Some("web1")),
                vnic("net1", "e1000g0", "2:8:20:a:b:c", 42, Some("web1")),
                vnic("net2", "e1000g1", "2:8:20:1:1:2", 0, Some("web1")),
                vnic("oper0", "e1000g0", "2:8:20:1:1:3", 0, Some("web1")),
                // Another zone's net0 does not matter on joyent.
                vnic("net0", "e1000g0", "2:8:20:1:1:4", 0, Some("web2")),
            ],
        };
        let p = plan_up(&cfg(), Flavour::Joyent, &obs, &Journal::empty(&z)).unwrap();
        assert!(p.is_noop(), "{p:?}");
        assert_eq!(p.satisfied.len(), 3);
    }

    #[test]
    fn joyent_foreign_link_with_final_name_is_a_conflict() {
        let z = zn("web1");
        let obs = Observation {
            links: vec![vnic("net1", "e1000g0", "2:8:20:9:9:9", 0, Some("web1"))],
        };
        let e = plan_up(&cfg(), Flavour::Joyent, &obs, &Journal::empty(&z)).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("zone 'web1': net 'net1': link 'net1' already exists in zone 'web1'"),
            "{e}"
        );
    }

    #[test]
    fn joyent_finishes_or_undoes_crash_leftovers() {
        let z = zn("web1");
        let t0 = tempname::temp_name(&z, 0);
        let t1 = tempname::temp_name(&z, 1);
        let obs = Observation {
            links: vec![
                // net0 created and in the zone, crash before the rename: finish it.
                vnic(t0.as_str(), "e1000g0", "2:8:20:1:1:1", 0, Some("web1")),
                // net1's temp link with a wrong MAC: delete and recreate.
                vnic(t1.as_str(), "e1000g0", "2:8:20:1:1:7", 42, Some("web1")),
                // A temp name of an index no longer configured, left in the GZ.
                vnic(
                    tempname::temp_name(&z, 7).as_str(),
                    "e1000g0",
                    "2:8:20:1:1:8",
                    0,
                    None,
                ),
            ],
        };
        let p = plan_up(&cfg(), Flavour::Joyent, &obs, &Journal::empty(&z)).unwrap();
        let l = lines(&p);
        assert_eq!(
            l[0],
            format!("dladm delete-vnic -t {}", tempname::temp_name(&z, 7))
        );
        assert_eq!(l[1], format!("dladm delete-vnic -t -z web1 {t1}"));
        assert_eq!(l[2], format!("dladm rename-link -z web1 {t0} net0"));
        assert!(l[3].contains(&format!("-m 2:8:20:a:b:c -v 42 -p zone=web1 {t1}")));
        assert_eq!(p.adopt.len(), 1);
        assert_eq!(p.adopt[0].state, LinkState::Created);
    }

    #[test]
    fn gate_checks_host_wide_names() {
        let z = zn("web1");
        let obs = Observation {
            links: vec![vnic("net1", "e1000g0", "2:8:20:9:9:9", 0, Some("web2"))],
        };
        let e = plan_up(&cfg(), Flavour::Gate, &obs, &Journal::empty(&z)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "zone 'web1': net 'net1': link name 'net1' is in use by zone 'web2'"
        );
        let p = plan_up(
            &cfg(),
            Flavour::Gate,
            &Observation::default(),
            &Journal::empty(&z),
        )
        .unwrap();
        assert_eq!(
            lines(&p),
            vec![
                "dladm create-vnic -t -l e1000g0 net0",
                "dladm create-vnic -t -l e1000g0 -m 2:8:20:a:b:c -v 42 net1",
                "dladm create-vnic -t -l e1000g1 -p mtu=9000 net2",
                "dladm set-linkprop -t -p mtu=9000 net2",
            ]
        );
        // An operator's link of that name in the GZ is not replaced.
        let obs = Observation {
            links: vec![vnic("net0", "e1000g1", "2:8:20:9:9:9", 0, None)],
        };
        let e = plan_up(&cfg(), Flavour::Gate, &obs, &Journal::empty(&z)).unwrap_err();
        assert!(e.to_string().contains("the global zone"), "{e}");
    }

    #[test]
    fn gate_recreates_own_wrong_link_and_keeps_right_one() {
        let z = zn("web1");
        let mut j = Journal::empty(&z);
        let c = cfg();
        let d = desired_nets(&c).unwrap();
        j.links
            .push(entry_for(&d[0], &z, ln("net0"), LinkState::Active));
        j.links
            .push(entry_for(&d[1], &z, ln("net1"), LinkState::Created));
        let obs = Observation {
            links: vec![
                vnic("net0", "e1000g1", "2:8:20:9:9:9", 0, None),
                vnic("net1", "e1000g0", "2:8:20:a:b:c", 42, None),
            ],
        };
        let p = plan_up(&c, Flavour::Gate, &obs, &j).unwrap();
        let l = lines(&p);
        assert_eq!(l[0], "dladm delete-vnic -t net0");
        assert_eq!(l[1], "dladm create-vnic -t -l e1000g0 net0");
        assert_eq!(l[3], "dladm set-linkprop -t -p mtu=9000 net2");
        assert_eq!(l.len(), 4);
        assert_eq!(p.satisfied, vec![ln("net1")]);
        assert_eq!(p.adopt.len(), 1, "created entry confirmed as active");
    }

    #[test]
    fn shared_ip_and_auto_nic() {
        let mut c = cfg();
        c.ip_type = IpType::Shared;
        let z = zn("web1");
        let p = plan_up(
            &c,
            Flavour::Joyent,
            &Observation::default(),
            &Journal::empty(&z),
        )
        .unwrap();
        assert!(p.is_noop());
        let mut c = cfg();
        c.nets[0].global_nic = Some(GlobalNic::Auto);
        let e = plan_up(
            &c,
            Flavour::Joyent,
            &Observation::default(),
            &Journal::empty(&z),
        )
        .unwrap_err();
        assert!(e.to_string().contains("global-nic 'auto' was not resolved"));
    }

    #[test]
    fn down_removes_only_owned_links() {
        let z = zn("web1");
        let c = cfg();
        let d = desired_nets(&c).unwrap();
        let mut j = Journal::empty(&z);
        j.links.push(entry_for(
            &d[0],
            &z,
            tempname::temp_name(&z, 0),
            LinkState::Active,
        ));
        j.links.push(entry_for(
            &d[1],
            &z,
            tempname::temp_name(&z, 1),
            LinkState::Renaming,
        ));
        j.links.push(entry_for(
            &d[2],
            &z,
            tempname::temp_name(&z, 2),
            LinkState::Intent,
        ));
        let obs = Observation {
            links: vec![
                vnic("net0", "e1000g0", "2:8:20:1:1:1", 0, Some("web1")),
                vnic(
                    tempname::temp_name(&z, 1).as_str(),
                    "e1000g0",
                    "2:8:20:a:b:c",
                    42,
                    Some("web1"),
                ),
                vnic("oper0", "e1000g0", "2:8:20:1:1:3", 0, Some("web1")),
                vnic("net0", "e1000g0", "2:8:20:1:1:4", 0, Some("web2")),
            ],
        };
        let p = plan_down(&z, Flavour::Joyent, &obs, &j);
        assert_eq!(
            lines(&p),
            vec![
                "dladm delete-vnic -t -z web1 net0".to_string(),
                format!(
                    "dladm delete-vnic -t -z web1 {}",
                    tempname::temp_name(&z, 1)
                ),
            ]
        );
        assert_eq!(p.forget, vec![ln("net2")]);
        let r = plan_reclaim(&z, Flavour::Joyent, &obs, &j);
        assert_eq!(
            r.steps.last().unwrap().argv(Flavour::Joyent).join(" "),
            "set-linkprop -t -z web1 -p zone=global oper0"
        );
        // Without a journal only the temporary name proves ownership.
        let p = plan_down(&z, Flavour::Joyent, &obs, &Journal::empty(&z));
        assert_eq!(p.steps.len(), 1);
        let mut obs = obs;
        obs.links.remove(1);
        assert!(plan_down(&z, Flavour::Joyent, &obs, &Journal::empty(&z)).is_noop());
    }
}
