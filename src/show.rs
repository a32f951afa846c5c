//! `netzone show`: where every link netzone knows of or finds is, and who owns it.
//!
//! The inventory joins four views of the host, each read once: the zones and their states
//! (`zoneadm list -cip`), every link the global zone sees with the zone holding it (one dladm walk,
//! [`crate::dladm::observe`]), netzone's journals, and the configurations of ready and running
//! zones. [`classify`] is a pure function of them; it also tells `gc` what the orphans are.
//!
//! - OWNER is `netzone` for a link a journal records or that has a netzone temporary name
//!   ([`crate::tempname`]), `operator` for any other link.
//! - STATE `stuck`: held by a `down` zone (`recover` frees it). `orphan`: a netzone link in the
//!   global zone whose zone has no kernel zone (not ready, running or down), any netzone
//!   temporary name in the global zone, or a journal entry whose link exists nowhere while its zone
//!   is not up. `missing`: a configured link that a ready or running zone does not hold.
//!   Otherwise `ok`.
//! - Links of the global zone that netzone does not own are not shown: they are the operator's
//!   business and `dladm show-link` lists them.

use std::collections::BTreeSet;

use crate::dladm::observe::Observation;
use crate::flavour::Flavour;
use crate::host::Host;
use crate::journal::{Journal, LinkState};
use crate::linkname::LinkName;
use crate::output;
use crate::plan;
use crate::recover::{self, RecoverError};
use crate::tempname;
use crate::zoneadm::{self, State, Zone};
use crate::zonecfg::{self, GlobalNic, ZoneConfig};
use crate::zonename::ZoneName;

/// The columns of `netzone show`, in default order.
pub const COLUMNS: &[&str] = &[
    "LINK",
    "ZONE",
    "OVER",
    "MACADDRESS",
    "VID",
    "OWNER",
    "STATE",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Owner {
    Netzone,
    Operator,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RowState {
    Ok,
    Orphan,
    Stuck,
    Missing,
}

impl Owner {
    pub fn as_str(self) -> &'static str {
        match self {
            Owner::Netzone => "netzone",
            Owner::Operator => "operator",
        }
    }
}

impl RowState {
    pub fn as_str(self) -> &'static str {
        match self {
            RowState::Ok => "ok",
            RowState::Orphan => "orphan",
            RowState::Stuck => "stuck",
            RowState::Missing => "missing",
        }
    }
}

/// Where a row comes from, which is what `gc` needs to act on an orphan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A link the walk saw; `held_by` is the zone holding it (`None` = global zone).
    Link { held_by: Option<ZoneName> },
    /// A journal entry (of zone `ROW.zone`, net `net`) whose link exists nowhere.
    Journal { net: LinkName },
    /// A configured net of a ready or running zone.
    Config,
}

/// One line of `netzone show`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub link: LinkName,
    /// The zone holding the link, or the zone it is recorded or configured for.
    pub zone: Option<ZoneName>,
    pub over: String,
    pub mac: String,
    /// 0: untagged.
    pub vid: u16,
    pub owner: Owner,
    pub state: RowState,
    pub source: Source,
    /// The journal entry (net) that records this link, if any.
    pub net: Option<LinkName>,
    /// The link's temporary name, if netzone gave it one.
    pub temp: Option<LinkName>,
}

impl Row {
    /// The values in [`COLUMNS`] order, `""` for empty.
    pub fn values(&self) -> Vec<String> {
        vec![
            self.link.to_string(),
            self.zone
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            self.over.clone(),
            self.mac.clone(),
            self.vid.to_string(),
            self.owner.as_str().to_string(),
            self.state.as_str().to_string(),
        ]
    }
}

/// The host as `show` and `gc` see it.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    pub zones: Vec<Zone>,
    pub obs: Observation,
    pub journals: Vec<Journal>,
    pub configs: Vec<ZoneConfig>,
    /// Things that could not be read (a corrupt journal, an unreadable configuration): shown on
    /// stderr, never fatal.
    pub warnings: Vec<String>,
}

impl Inventory {
    fn state_of(&self, zone: &ZoneName) -> Option<State> {
        self.zones
            .iter()
            .find(|z| z.name == zone.as_str())
            .map(|z| z.state)
    }

    fn journal_of(&self, zone: &ZoneName) -> Option<&Journal> {
        self.journals.iter().find(|j| &j.zone == zone)
    }

    /// The zone whose temporary names `name` has, among the zones netzone knows.
    fn temp_owner(&self, name: &LinkName) -> Option<ZoneName> {
        let known = self
            .zones
            .iter()
            .filter_map(|z| ZoneName::new(&z.name).ok())
            .chain(self.journals.iter().map(|j| j.zone.clone()));
        known
            .into_iter()
            .find(|z| tempname::owned_index(name, z).is_some())
    }
}

/// Ready, running, shutting down: the zone is up and should hold its links.
fn is_up(s: Option<State>) -> bool {
    matches!(s, Some(State::Ready | State::Running | State::ShuttingDown))
}

/// Every row, sorted by zone (global-zone orphans first) then link.
pub fn classify(inv: &Inventory) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut seen: BTreeSet<(Option<ZoneName>, LinkName)> = BTreeSet::new();
    for l in &inv.obs.links {
        let (over, mac, vid) = match &l.vnic {
            Some(v) => (
                v.over.clone(),
                v.mac.map(|m| m.to_string()).unwrap_or_default(),
                v.vid.map(|v| v.get()).unwrap_or(0),
            ),
            None => (String::new(), String::new(), 0),
        };
        let mut row = Row {
            link: l.name.clone(),
            zone: l.zone.clone(),
            over,
            mac,
            vid,
            owner: Owner::Operator,
            state: RowState::Ok,
            source: Source::Link {
                held_by: l.zone.clone(),
            },
            net: None,
            temp: None,
        };
        match &l.zone {
            Some(z) => {
                let entry = inv.journal_of(z).and_then(|j| j.find(&l.name));
                let owned = entry.is_some()
                    || inv.journal_of(z).is_some_and(|j| plan::owns(j, z, &l.name))
                    || tempname::is_temp_name(&l.name);
                if owned {
                    row.owner = Owner::Netzone;
                }
                row.net = entry.map(|e| e.net.clone());
                row.temp = entry
                    .map(|e| e.name.clone())
                    .or_else(|| tempname::is_temp_name(&l.name).then(|| l.name.clone()));
                if inv.state_of(z) == Some(State::Down) {
                    row.state = RowState::Stuck;
                }
            }
            None => {
                // A netzone link in the global zone: recorded by some zone's journal, or carrying
                // a temporary name.
                // An intent entry under a final name (gate) was never confirmed: the link is only
                // netzone's if it is over the recorded link, as the engine's `plan_down` checks.
                let recorded = inv.journals.iter().find_map(|j| {
                    j.find(&l.name)
                        .filter(|e| e.zone == j.zone)
                        .filter(|e| {
                            e.state != LinkState::Intent
                                || e.name != e.final_name
                                || l.vnic.as_ref().is_some_and(|v| v.over == e.over.as_str())
                        })
                        .map(|e| (j.zone.clone(), e))
                });
                if let Some((z, e)) = recorded {
                    row.owner = Owner::Netzone;
                    row.zone = Some(z.clone());
                    row.net = Some(e.net.clone());
                    row.temp = Some(e.name.clone());
                    let st = inv.state_of(&z);
                    if !(is_up(st) || st == Some(State::Down)) {
                        row.state = RowState::Orphan;
                    }
                } else if tempname::is_temp_name(&l.name) {
                    row.owner = Owner::Netzone;
                    row.zone = inv.temp_owner(&l.name);
                    row.temp = Some(l.name.clone());
                    row.state = RowState::Orphan;
                } else {
                    continue;
                }
            }
        }
        seen.insert((row.zone.clone(), row.link.clone()));
        rows.push(row);
    }
    // Journal entries whose link exists nowhere.
    for j in &inv.journals {
        for e in &j.links {
            let found = e.candidate_names().iter().any(|n| {
                inv.obs
                    .named(n)
                    .any(|l| l.zone.is_none() || l.zone.as_ref() == Some(&j.zone))
            });
            if found {
                continue;
            }
            let link = match e.state {
                LinkState::Active => e.final_name.clone(),
                _ => e.name.clone(),
            };
            let st = inv.state_of(&j.zone);
            seen.insert((Some(j.zone.clone()), e.final_name.clone()));
            rows.push(Row {
                link,
                zone: Some(j.zone.clone()),
                over: e.over.to_string(),
                mac: e.mac.map(|m| m.to_string()).unwrap_or_default(),
                vid: e.vid.map(|v| v.get()).unwrap_or(0),
                owner: Owner::Netzone,
                state: if is_up(st) && st != Some(State::ShuttingDown) {
                    RowState::Missing
                } else {
                    RowState::Orphan
                },
                source: Source::Journal { net: e.net.clone() },
                net: Some(e.net.clone()),
                temp: Some(e.name.clone()),
            });
        }
    }
    // Configured links a ready or running zone does not hold.
    for cfg in &inv.configs {
        let st = inv.state_of(&cfg.name);
        if !matches!(st, Some(State::Ready | State::Running)) {
            continue;
        }
        for n in &cfg.nets {
            if n.address.is_some() {
                continue;
            }
            let key = (Some(cfg.name.clone()), n.physical.clone());
            if seen.contains(&key) || inv.obs.find(&n.physical, Some(&cfg.name)).is_some() {
                continue;
            }
            rows.push(Row {
                link: n.physical.clone(),
                zone: Some(cfg.name.clone()),
                over: match &n.global_nic {
                    Some(GlobalNic::Link(l)) => l.to_string(),
                    Some(GlobalNic::Auto) => "auto".to_string(),
                    None => String::new(),
                },
                mac: n
                    .mac
                    .and_then(|m| m.fixed())
                    .map(|m| m.to_string())
                    .unwrap_or_default(),
                vid: n.vlan.map(|v| v.get()).unwrap_or(0),
                owner: if n.global_nic.is_some() {
                    Owner::Netzone
                } else {
                    Owner::Operator
                },
                state: RowState::Missing,
                source: Source::Config,
                net: None,
                temp: None,
            });
        }
    }
    rows.sort_by(|a, b| {
        (a.zone.as_ref().map(ZoneName::as_str), a.link.as_str())
            .cmp(&(b.zone.as_ref().map(ZoneName::as_str), b.link.as_str()))
    });
    rows
}

/// Reads the host: one `zoneadm list`, one dladm walk (two on gate), the journals and the
/// configurations of the zones that are up. A stopped dlmgmtd is reported as such.
pub fn gather(host: &Host, flavour: Flavour) -> Result<Inventory, RecoverError> {
    let zones = zoneadm::list(host)?;
    let obs = recover::observe_links(host, flavour, None)?;
    let mut inv = Inventory {
        zones,
        obs,
        ..Inventory::default()
    };
    let state = host.state_dir();
    for z in crate::journal::zones_with_journal(&state) {
        match Journal::load(&state, &z) {
            Ok(j) => inv.journals.push(j),
            Err(e) => inv.warnings.push(format!("zone '{z}': {e}")),
        }
    }
    for z in &inv.zones {
        if !matches!(z.state, State::Ready | State::Running) || z.name == "global" {
            continue;
        }
        let Ok(name) = ZoneName::new(&z.name) else {
            continue;
        };
        match zonecfg::load(&host.root, &name) {
            Ok(cfg) => inv.configs.push(cfg),
            Err(e) => inv.warnings.push(format!("zone '{name}': {e}")),
        }
    }
    Ok(inv)
}

/// Renders rows as `spec` asks (see [`output`]).
pub fn render(spec: &output::OutputSpec, rows: &[Row]) -> String {
    let values: Vec<Vec<String>> = rows.iter().map(Row::values).collect();
    output::render(spec, COLUMNS, &values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dladm::observe::ObservedLink;
    use crate::dladm::VnicInfo;
    use crate::journal::JournalLink;
    use crate::testutil::{ln, zn};
    use crate::zonecfg::{IpType, Net};
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    fn zone(name: &str, state: State) -> Zone {
        Zone {
            id: None,
            name: name.into(),
            state,
            path: PathBuf::from(format!("/zones/{name}")),
            uuid: None,
            brand: "joyent".into(),
            ip_type: zoneadm::IpType::Exclusive,
        }
    }

    fn link(name: &str, zone: Option<&str>, vid: u16) -> ObservedLink {
        ObservedLink {
            name: ln(name),
            zone: zone.map(zn),
            vnic: Some(VnicInfo {
                link: ln(name),
                over: "e1000g0".into(),
                mac: "2:8:20:1:2:3".parse().ok(),
                mac_type: "random".into(),
                vid: crate::vlan::VlanId::new(vid).ok(),
                zone: zone.map(zn),
            }),
        }
    }

    fn entry(zone: &str, net: &str, index: usize) -> JournalLink {
        JournalLink {
            net: ln(net),
            index,
            name: tempname::temp_name(&zn(zone), index),
            final_name: ln(net),
            over: ln("e1000g0"),
            vid: None,
            mac: None,
            zone: zn(zone),
            state: LinkState::Active,
            run: "1-1".into(),
        }
    }

    fn journal(zone: &str, links: Vec<JournalLink>) -> Journal {
        let mut j = Journal::empty(&zn(zone));
        j.links = links;
        j
    }

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

    fn cfg(name: &str, nets: Vec<Net>) -> ZoneConfig {
        ZoneConfig {
            name: zn(name),
            brand: "joyent".into(),
            zonepath: format!("/zones/{name}").into(),
            ip_type: IpType::Exclusive,
            nets,
        }
    }

    fn summary(rows: &[Row]) -> Vec<String> {
        rows.iter()
            .map(|r| {
                format!(
                    "{} {} {} {}",
                    r.link,
                    r.zone.as_ref().map(|z| z.as_str()).unwrap_or("-"),
                    r.owner.as_str(),
                    r.state.as_str()
                )
            })
            .collect()
    }

    #[test]
    fn every_state_is_recognised() {
        let gz_tmp = tempname::temp_name(&zn("gone1"), 0);
        let inv = Inventory {
            zones: vec![
                zone("global", State::Running),
                zone("web1", State::Running),
                zone("db1", State::Down),
                zone("old1", State::Installed),
            ],
            obs: Observation {
                links: vec![
                    link("e1000g0", None, 0),
                    link("data9", None, 0),
                    link("net0", Some("web1"), 0),
                    link("data0", Some("web1"), 0),
                    link("net0", Some("db1"), 42),
                    link("data1", Some("db1"), 0),
                    link(gz_tmp.as_str(), None, 0),
                    // old1's journal records net0, now in the global zone: a crash leftover.
                    link("oldnet0", None, 0),
                ],
            },
            journals: vec![
                journal(
                    "web1",
                    vec![entry("web1", "net0", 0), entry("web1", "net1", 1)],
                ),
                journal("db1", vec![entry("db1", "net0", 0)]),
                journal(
                    "old1",
                    vec![entry("old1", "oldnet0", 0), entry("old1", "net5", 1)],
                ),
            ],
            configs: vec![cfg(
                "web1",
                vec![
                    net("net0", Some("e1000g0")),
                    net("net1", Some("e1000g0")),
                    net("data0", None),
                    net("data5", None),
                ],
            )],
            warnings: vec![],
        };
        let rows = classify(&inv);
        assert_eq!(
            summary(&rows),
            vec![
                format!("{gz_tmp} - netzone orphan"),
                "data1 db1 operator stuck".to_string(),
                "net0 db1 netzone stuck".to_string(),
                "net5 old1 netzone orphan".to_string(),
                "oldnet0 old1 netzone orphan".to_string(),
                "data0 web1 operator ok".to_string(),
                "data5 web1 operator missing".to_string(),
                "net0 web1 netzone ok".to_string(),
                "net1 web1 netzone missing".to_string(),
            ]
        );
        let stuck = rows
            .iter()
            .find(|r| r.link.as_str() == "net0" && r.state == RowState::Stuck);
        assert_eq!(stuck.unwrap().vid, 42);
        let stale = rows.iter().find(|r| r.link.as_str() == "net5").unwrap();
        assert_eq!(stale.source, Source::Journal { net: ln("net5") });
    }

    #[test]
    fn temp_name_in_the_global_zone_is_attributed_to_its_zone() {
        let tmp = tempname::temp_name(&zn("web1"), 3);
        let inv = Inventory {
            zones: vec![zone("web1", State::Installed)],
            obs: Observation {
                links: vec![link(tmp.as_str(), None, 0)],
            },
            ..Inventory::default()
        };
        let rows = classify(&inv);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].zone, Some(zn("web1")));
        assert_eq!(rows[0].state, RowState::Orphan);
        assert_eq!(rows[0].temp, Some(tmp));
    }

    #[test]
    fn values_and_parseable_output_round_trip() {
        let inv = Inventory {
            zones: vec![zone("web1", State::Running)],
            obs: Observation {
                links: vec![link("net0", Some("web1"), 7)],
            },
            journals: vec![journal("web1", vec![entry("web1", "net0", 0)])],
            ..Inventory::default()
        };
        let rows = classify(&inv);
        let spec = output::OutputSpec::new(COLUMNS, true, Some("link,macaddress,vid,state"), false)
            .unwrap();
        let out = render(&spec, &rows);
        assert_eq!(out, "net0:2\\:8\\:20\\:1\\:2\\:3:7:ok\n");
        assert_eq!(
            output::split_parsable(out.trim_end()),
            vec!["net0", "2:8:20:1:2:3", "7", "ok"]
        );
    }
}
