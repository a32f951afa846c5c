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
//!   Otherwise `ok`. A client's mark ([`crate::client`]) on the zone, or on the link by its
//!   recorded identity, counts as the zone being up: such a link is `ok` (or, gone, `missing`),
//!   never an orphan, except under its temporary name in the global zone (a removal stopped
//!   half-way).
//! - Links of the global zone that netzone does not own are not shown: they are the operator's
//!   business and `dladm show-link` lists them.
//! - A link whose zone dladm cannot read (gate's walk prints `?` for it,
//!   [`crate::dladm::observe::UnreadableLink`]) is shown with ZONE `?` (`null` in JSON), OWNER
//!   and STATE `unknown`: ownership is identity, and the zone is part of it, so nothing can be
//!   judged of it. It is never taken for a global-zone link, `gc` leaves it alone, and a journal
//!   record that may describe it is `unknown` too, never an orphan.

use std::collections::BTreeSet;

use crate::client::{ClientRecord, LinkMark};
use crate::dladm::observe::{Observation, ObservedLink};
use crate::flavour::Flavour;
use crate::host::Host;
use crate::identity;
use crate::journal::{Journal, LinkState};
use crate::linkname::LinkName;
use crate::mac::Mac;
use crate::output;
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

/// Who owns a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Owner {
    /// netzone created it (a record identifies it, or it carries the zone's temporary name over the configured lower link).
    Netzone,
    /// Anyone else: netzone never deletes it.
    Operator,
    /// Cannot be judged: dladm could not read which zone holds the link.
    Unknown,
}

/// Where a link is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RowState {
    /// Where it should be.
    Ok,
    /// netzone's, and nothing will use it: `gc` removes it.
    Orphan,
    /// Held by a zone stuck `down`: `recover` frees it.
    Stuck,
    /// Configured (or recorded) for a zone that is up, and not there.
    Missing,
    /// Cannot be judged: dladm could not read which zone holds the link (or the link a record
    /// describes may be that one). Nothing acts on it.
    Unknown,
}

impl Owner {
    /// As `show` prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            Owner::Netzone => "netzone",
            Owner::Operator => "operator",
            Owner::Unknown => "unknown",
        }
    }
}

impl RowState {
    /// As `show` prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            RowState::Ok => "ok",
            RowState::Orphan => "orphan",
            RowState::Stuck => "stuck",
            RowState::Missing => "missing",
            RowState::Unknown => "unknown",
        }
    }
}

/// Where a row comes from, which is what `gc` needs to act on an orphan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Source {
    /// A link the walk saw; `held_by` is the zone holding it (`None` = global zone).
    Link {
        /// The zone holding the link (`None`: the global zone).
        held_by: Option<ZoneName>,
    },
    /// A journal entry (of zone `ROW.zone`, net `net`) whose link exists nowhere.
    Journal {
        /// The entry's net.
        net: LinkName,
    },
    /// A configured net of a ready or running zone.
    Config,
    /// A link whose zone dladm could not read; `ROW.zone` is `None` (unknown, not global).
    Unreadable {
        /// dladm's status for the link's `zone` property.
        status: String,
    },
}

/// One line of `netzone show`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Row {
    /// The link's name.
    pub link: LinkName,
    /// The zone holding the link, or the zone it is recorded or configured for.
    pub zone: Option<ZoneName>,
    /// The VNIC's lower link (`auto` for a configured net whose link is chosen by route).
    pub over: Option<GlobalNic>,
    /// The link's MAC address, when known.
    pub mac: Option<Mac>,
    /// 0: untagged.
    pub vid: u16,
    /// Who owns it.
    pub owner: Owner,
    /// Where it is in its life.
    pub state: RowState,
    /// Where the row comes from.
    pub source: Source,
    /// The journal entry (net) that records this link, if any.
    pub net: Option<LinkName>,
    /// The link's temporary name, if netzone gave it one.
    pub temp: Option<LinkName>,
}

impl Row {
    /// Whether the row's zone is unknown (dladm could not read it), rather than global.
    pub fn zone_unknown(&self) -> bool {
        matches!(self.source, Source::Unreadable { .. })
    }

    /// The values in [`COLUMNS`] order, `""` for empty; ZONE is `?` (as dladm prints it) when
    /// the zone could not be read.
    pub fn values(&self) -> Vec<String> {
        vec![
            self.link.to_string(),
            match &self.zone {
                Some(z) => z.to_string(),
                None if self.zone_unknown() => "?".to_string(),
                None => String::new(),
            },
            self.over
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            self.mac.map(|m| m.to_string()).unwrap_or_default(),
            self.vid.to_string(),
            self.owner.as_str().to_string(),
            self.state.as_str().to_string(),
        ]
    }
}

/// The host as `show` and `gc` see it.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    /// The zones, from `zoneadm list -cip`.
    pub zones: Vec<Zone>,
    /// Every link the global zone sees.
    pub obs: Observation,
    /// Every zone's journal.
    pub journals: Vec<Journal>,
    /// The configurations of the zones that are ready or running.
    pub configs: Vec<ZoneConfig>,
    /// Configurations of the zones whose temporary names links in the global zone carry: a
    /// link with a zone's temporary name and no record is netzone's only over the lower link
    /// that zone configures for that net ([`identity::temp_proof`]).
    pub temp_configs: Vec<ZoneConfig>,
    /// Things that could not be read (a corrupt journal, an unreadable configuration): shown on
    /// stderr, never fatal.
    pub warnings: Vec<String>,
    /// Zones a client manages through the library ([`crate::client`]): their links are owned
    /// whatever `zoneadm` says of the zone, never orphans.
    pub managed: Vec<ClientRecord>,
    /// Single links a client manages ([`crate::client::manage_link`]): owned, never orphans,
    /// while netzone's record still describes the marked link.
    pub managed_links: Vec<LinkMark>,
    /// When the host was read (unix seconds), to age gate's pending links
    /// ([`Journal::pending`]); 0 counts every pending mark as fresh.
    pub now: u64,
}

impl Inventory {
    /// Whether `show ZONE` lists `row`: the zone's own rows, and a link whose zone dladm cannot
    /// read when its name is one `zone` may hold (a net of its configuration, a name its
    /// journal records, or its temporary name), since it may be on loan to the zone. Other
    /// unreadable links are listed only without a zone.
    pub fn lists_for_zone(&self, row: &Row, zone: &ZoneName) -> bool {
        if !row.zone_unknown() {
            return row.zone.as_ref() == Some(zone);
        }
        let n = &row.link;
        tempname::owned_index(n, zone).is_some()
            || self
                .configs
                .iter()
                .filter(|c| &c.name == zone)
                .any(|c| c.nets.iter().any(|net| &net.physical == n))
            || self
                .journals
                .iter()
                .filter(|j| &j.zone == zone)
                .any(|j| j.links.iter().any(|e| &e.name == n || &e.final_name == n))
    }

    /// Whether a client has marked `zone` as its own.
    pub fn is_managed(&self, zone: &ZoneName) -> bool {
        self.managed.iter().any(|r| &r.zone == zone)
    }

    /// Whether a client has marked the link that record `e` describes.
    pub fn is_link_managed(&self, e: &crate::journal::JournalLink) -> bool {
        self.managed_links.iter().any(|m| m.covers(e))
    }

    fn state_of(&self, zone: &ZoneName) -> Option<State> {
        self.zones
            .iter()
            .find(|z| z.name == zone.as_str())
            .map(|z| z.state)
    }

    /// The zone whose temporary name the global-zone link `l` carries and whose configuration
    /// puts that net over the link's lower link, with that lower link.
    fn temp_owner(&self, l: &ObservedLink) -> Option<(ZoneName, LinkName)> {
        self.temp_configs.iter().chain(&self.configs).find_map(|c| {
            let i = tempname::owned_index(&l.name, &c.name)?;
            let over = match &c.nets.get(i)?.global_nic {
                Some(GlobalNic::Link(o)) => o.clone(),
                _ => return None,
            };
            identity::temp_proof(l, &c.name, Some(&over)).then(|| (c.name.clone(), over))
        })
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
                LinkName::new(&v.over).ok().map(GlobalNic::Link),
                v.mac,
                v.vid.map(|v| v.get()).unwrap_or(0),
            ),
            None => (None, None, 0),
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
        // A record proves ownership only when it identifies the link on every field; a record
        // that merely names it shows it as the operator's.
        let identified = inv.journals.iter().find_map(|j| {
            j.links
                .iter()
                .find(|e| e.zone == j.zone && identity::identifies(e, l))
                .map(|e| (j.zone.clone(), e))
        });
        let named = inv.journals.iter().any(|j| {
            j.find(&l.name).is_some() && (l.zone.is_none() || l.zone.as_ref() == Some(&j.zone))
        });
        match &l.zone {
            Some(z) => {
                if let Some((_, e)) = identified.as_ref().filter(|(jz, _)| jz == z) {
                    row.owner = Owner::Netzone;
                    row.net = Some(e.net.clone());
                    row.temp = Some(e.name.clone());
                }
                if inv.state_of(z) == Some(State::Down) {
                    row.state = RowState::Stuck;
                }
            }
            None => {
                if let Some((z, e)) = identified {
                    row.owner = Owner::Netzone;
                    row.zone = Some(z.clone());
                    row.net = Some(e.net.clone());
                    row.temp = Some(e.name.clone());
                    // Under its temporary name in the global zone, a link is on its way out
                    // (a removal stopped after handing it back): an orphan whatever the zone's
                    // state. Under its final name it may be a gate link waiting to be lent.
                    let st = inv.state_of(&z);
                    let temp = l.name == e.name && e.name != e.final_name;
                    // gate, between pre-ready and ready: the links wait for zoneadmd to lend
                    // them while the zone still reads `installed`; not leftovers.
                    let pending = inv.journals.iter().any(|j| {
                        j.zone == z
                            && j.pending.is_some_and(|t| {
                                inv.now == 0 || t + crate::journal::PENDING_SECS > inv.now
                            })
                    });
                    let alive = is_up(st)
                        || st == Some(State::Down)
                        || inv.is_managed(&z)
                        || inv.is_link_managed(e);
                    if temp || !(alive || pending) {
                        row.state = RowState::Orphan;
                    }
                } else if let Some((z, over)) = inv.temp_owner(l) {
                    row.owner = Owner::Netzone;
                    row.zone = Some(z);
                    row.temp = Some(l.name.clone());
                    row.over = Some(GlobalNic::Link(over));
                    row.state = RowState::Orphan;
                } else if !named {
                    // The operator's global-zone links are not listed, except those a record
                    // names: shown as the operator's, so the mismatch is visible.
                    continue;
                }
            }
        }
        seen.insert((row.zone.clone(), row.link.clone()));
        rows.push(row);
    }
    // Links whose zone dladm could not read: nothing can be judged of them.
    for u in &inv.obs.unreadable {
        let (over, mac, vid) = match &u.vnic {
            Some(v) => (
                LinkName::new(&v.over).ok().map(GlobalNic::Link),
                v.mac,
                v.vid.map(|v| v.get()).unwrap_or(0),
            ),
            None => (None, None, 0),
        };
        rows.push(Row {
            link: u.name.clone(),
            zone: None,
            over,
            mac,
            vid,
            owner: Owner::Unknown,
            state: RowState::Unknown,
            source: Source::Unreadable {
                status: u.status.clone(),
            },
            net: None,
            temp: None,
        });
    }
    // Journal entries whose link exists nowhere.
    for j in &inv.journals {
        for e in &j.links {
            let found = inv.obs.links.iter().any(|l| identity::identifies(e, l));
            if found {
                continue;
            }
            // Its link may be one whose zone dladm could not read: neither missing nor an
            // orphan, since either verdict could be wrong (and gc would drop the record).
            let unknown = [&e.name, &e.final_name]
                .iter()
                .any(|n| inv.obs.unreadable_named(n).is_some());
            let link = match e.state {
                LinkState::Active => e.final_name.clone(),
                _ => e.name.clone(),
            };
            let st = inv.state_of(&j.zone);
            seen.insert((Some(j.zone.clone()), e.final_name.clone()));
            rows.push(Row {
                link,
                zone: Some(j.zone.clone()),
                over: Some(GlobalNic::Link(e.over.clone())),
                mac: e.mac,
                vid: e.vid.map(|v| v.get()).unwrap_or(0),
                owner: Owner::Netzone,
                state: if unknown {
                    RowState::Unknown
                } else if (is_up(st) && st != Some(State::ShuttingDown))
                    || inv.is_managed(&j.zone)
                    || inv.is_link_managed(e)
                {
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
                over: n.global_nic.clone(),
                mac: n.mac.and_then(|m| m.fixed()),
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
    let unreadable: Vec<String> = obs.unreadable.iter().map(unreadable_warning).collect();
    let mut inv = Inventory {
        zones,
        obs,
        now: crate::journal::now_secs(),
        warnings: unreadable,
        ..Inventory::default()
    };
    let state = host.state_dir();
    let (managed, warnings) = crate::client::all(&state);
    inv.managed = managed;
    inv.warnings.extend(warnings);
    let (links, warnings) = crate::client::all_links(&state);
    inv.managed_links = links;
    inv.warnings.extend(warnings);
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
    for z in &inv.zones {
        let Ok(name) = ZoneName::new(&z.name) else {
            continue;
        };
        let has_temp = inv
            .obs
            .links
            .iter()
            .any(|l| l.zone.is_none() && tempname::owned_index(&l.name, &name).is_some());
        if has_temp && !inv.configs.iter().any(|c| c.name == name) {
            if let Ok(cfg) = zonecfg::load(&host.root, &name) {
                inv.temp_configs.push(cfg);
            }
        }
    }
    resolve_tags(host, &mut inv);
    Ok(inv)
}

/// The warning `show` and `gc` print for a link whose zone dladm could not read.
pub fn unreadable_warning(u: &crate::dladm::observe::UnreadableLink) -> String {
    format!(
        "link {n}: dladm cannot read which zone holds it ({s}), so netzone cannot tell whose it \
         is and leaves it alone; `dladm show-linkprop -p zone {n}` shows the same",
        n = u.name,
        s = u.status
    )
}

/// Whether a row needs the link behind a nic tag (`global-nic="admin"`): a netzone temporary
/// name in the global zone whose net is configured over a tag (proving the link netzone's
/// takes its lower link), or a net over a tag that its ready or running zone does not hold
/// (the row's OVER).
fn tags_needed(inv: &Inventory) -> bool {
    let is_tag = |n: &crate::zonecfg::Net| matches!(n.global_nic, Some(GlobalNic::Tag(_)));
    let temp = inv.obs.links.iter().filter(|l| l.zone.is_none()).any(|l| {
        inv.configs.iter().chain(&inv.temp_configs).any(|c| {
            tempname::owned_index(&l.name, &c.name)
                .and_then(|i| c.nets.get(i))
                .is_some_and(is_tag)
        })
    });
    let missing = inv.configs.iter().any(|c| {
        c.nets
            .iter()
            .any(|n| is_tag(n) && inv.obs.find(&n.physical, Some(&c.name)).is_none())
    });
    temp || missing
}

/// Turns the nic tags of the configurations read into the links they stand for, when a row
/// needs one ([`tags_needed`]): `sysinfo -p` once per process
/// ([`crate::globalnic::nic_tags`]), never otherwise. A tag that cannot be resolved (sysinfo
/// fails, or does not name it) stays a tag, with a warning: the temporary links of its net
/// cannot be proven netzone's by their lower link, so they are not claimed, and a missing
/// row shows the tag as OVER.
fn resolve_tags(host: &Host, inv: &mut Inventory) {
    if !tags_needed(inv) {
        return;
    }
    let tags = crate::globalnic::nic_tags(host);
    let mut warnings = Vec::new();
    for c in inv.configs.iter_mut().chain(inv.temp_configs.iter_mut()) {
        match tags {
            Ok(t) => {
                for (net, tag) in crate::globalnic::substitute_tags(c, t) {
                    warnings.push(format!(
                        "zone '{}': net '{net}': global-nic '{tag}': no nic tag '{tag}' in \
                         sysinfo; its links are shown over the tag",
                        c.name
                    ));
                }
            }
            Err(ref reason) => {
                for n in &c.nets {
                    if let Some(GlobalNic::Tag(tag)) = &n.global_nic {
                        warnings.push(format!(
                            "zone '{}': net '{}': global-nic '{tag}': the nic tag cannot be \
                             resolved ({reason}); its links are shown over the tag",
                            c.name, n.physical
                        ));
                    }
                }
            }
        }
    }
    inv.warnings.extend(warnings);
}

/// The rows of one zone (`netzone show ZONE`): its links wherever they are, its journal entries
/// whose link is gone, and its configured links it does not hold. Reads the host as [`gather`]
/// does.
pub fn zone_rows(host: &Host, flavour: Flavour, zone: &ZoneName) -> Result<Vec<Row>, RecoverError> {
    let inv = gather(host, flavour)?;
    Ok(classify(&inv)
        .into_iter()
        .filter(|r| r.zone.as_ref() == Some(zone))
        .collect())
}

/// Renders rows as `spec` asks (see [`output`]). An unknown zone is `?` in the table and the
/// parseable output, as dladm prints it, and `null` in JSON.
pub fn render(spec: &output::OutputSpec, rows: &[Row]) -> String {
    let values: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut v = r.values();
            if spec.format == output::Format::Json && r.zone_unknown() {
                v[1].clear();
            }
            v
        })
        .collect();
    output::render(spec, COLUMNS, &values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dladm::observe::ObservedLink;
    use crate::journal::JournalLink;
    use crate::tempname;
    use crate::testutil::{ln, zn};
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
        crate::testutil::vnic(name, "e1000g0", "2:8:20:1:2:3", vid, zone)
    }

    use crate::testutil::journal;

    fn entry(zone: &str, net: &str, index: usize) -> JournalLink {
        crate::testutil::temp_entry(zone, net, index, LinkState::Active)
    }

    use crate::testutil::net;

    use crate::testutil::zone_config as cfg;

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
                unreadable: Vec::new(),
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
                journal(
                    "db1",
                    vec![{
                        let mut e = entry("db1", "net0", 0);
                        e.vid = crate::vlan::VlanId::new(42).ok();
                        e
                    }],
                ),
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
            temp_configs: vec![],
            warnings: vec![],
            now: 0,
            managed: vec![],
            managed_links: vec![],
        };
        let rows = classify(&inv);
        assert_eq!(
            summary(&rows),
            vec![
                // gz_tmp carries a temporary name of a zone with no record: not netzone's by
                // proof, an operator link of the global zone, not listed.
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
    fn temp_name_in_the_global_zone_is_shown_only_with_proof() {
        let tmp = tempname::temp_name(&zn("web1"), 3);
        let mut inv = Inventory {
            zones: vec![zone("web1", State::Installed)],
            obs: Observation {
                unreadable: Vec::new(),
                links: vec![link(tmp.as_str(), None, 0)],
            },
            ..Inventory::default()
        };
        assert!(
            classify(&inv).is_empty(),
            "a temporary name alone proves nothing"
        );
        let mut e = entry("web1", "net3", 3);
        e.state = LinkState::Intent;
        inv.journals.push(journal("web1", vec![e.clone()]));
        let rows = classify(&inv);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].zone, Some(zn("web1")));
        assert_eq!(rows[0].state, RowState::Orphan);
        assert_eq!(rows[0].owner, Owner::Netzone);
        assert_eq!(rows[0].temp, Some(tmp));
        // The same record with another MAC: the link is the operator's, the record an orphan.
        e.mac = "2:8:20:9:9:9".parse().ok();
        inv.journals = vec![journal("web1", vec![e])];
        let rows = classify(&inv);
        let owners: Vec<(&str, Owner, RowState)> = rows
            .iter()
            .map(|r| (r.link.as_str(), r.owner, r.state))
            .collect();
        assert_eq!(
            owners,
            vec![
                (rows[0].link.as_str(), Owner::Operator, RowState::Ok),
                (rows[1].link.as_str(), Owner::Netzone, RowState::Orphan),
            ]
        );
        assert_eq!(rows[0].zone, None);
        assert_eq!(rows[1].source, Source::Journal { net: ln("net3") });
    }

    /// A link whose zone dladm could not read: ZONE `?` (`null` in JSON), OWNER and STATE
    /// `unknown`, never a global-zone link; a record whose link may be it is `unknown`, not an
    /// orphan, so gc has nothing to do with either.
    #[test]
    fn unreadable_zone_is_unknown_never_global_nor_orphan() {
        let mut u = link("net0", None, 0);
        u.vnic.as_mut().unwrap().zone = None;
        let inv = Inventory {
            zones: vec![zone("old1", State::Installed)],
            obs: Observation {
                links: vec![],
                unreadable: vec![crate::dladm::observe::UnreadableLink {
                    name: ln("net0"),
                    status: "invalid argument".into(),
                    vnic: u.vnic,
                }],
            },
            journals: vec![journal("old1", vec![entry("old1", "net0", 0)])],
            ..Inventory::default()
        };
        let rows = classify(&inv);
        assert_eq!(
            summary(&rows),
            vec!["net0 - unknown unknown", "net0 old1 netzone unknown"]
        );
        assert_eq!(rows[0].values()[1], "?");
        assert!(crate::gc::decide(&rows).is_empty());
        let spec = output::OutputSpec::new(COLUMNS, false, Some("link,zone,owner"), true).unwrap();
        let v: serde_json::Value = serde_json::from_str(&render(&spec, &rows)).unwrap();
        assert!(v[0]["zone"].is_null(), "{v}");
        assert_eq!(v[0]["owner"], "unknown");
        assert_eq!(v[1]["zone"], "old1");
        let spec = output::OutputSpec::new(COLUMNS, true, Some("link,zone"), false).unwrap();
        assert_eq!(render(&spec, &rows[..1]), "net0:?\n");
    }

    /// `show ZONE` lists an unreadable link only when its name is one the zone may hold: a
    /// net of its configuration (an operator link zoneadmd lends), a recorded name, or its
    /// temporary name; never another zone's or an unrelated one.
    #[test]
    fn show_zone_lists_an_unreadable_link_only_under_a_name_the_zone_may_hold() {
        let unreadable = |name: &str| crate::dladm::observe::UnreadableLink {
            name: ln(name),
            status: "invalid argument".into(),
            vnic: None,
        };
        let web1 = zn("web1");
        let tmp = crate::tempname::temp_name(&web1, 1).to_string();
        let other_tmp = crate::tempname::temp_name(&zn("web2"), 0).to_string();
        let inv = Inventory {
            zones: vec![zone("web1", State::Running)],
            obs: Observation {
                links: vec![],
                unreadable: ["op0", "net0", "vnic9", tmp.as_str(), other_tmp.as_str()]
                    .map(unreadable)
                    .into(),
            },
            journals: vec![journal("web1", vec![entry("web1", "net0", 0)])],
            configs: vec![cfg("web1", vec![net("op0", None)])],
            ..Inventory::default()
        };
        let listed: Vec<String> = classify(&inv)
            .iter()
            .filter(|r| inv.lists_for_zone(r, &web1))
            .map(|r| format!("{}:{}", r.link, r.values()[1]))
            .collect();
        assert_eq!(
            listed,
            vec![
                "net0:?".to_string(),
                format!("{tmp}:?"),
                "op0:?".into(),
                "net0:web1".into(),
                "op0:web1".into()
            ]
        );
        let web2: Vec<String> = classify(&inv)
            .iter()
            .filter(|r| inv.lists_for_zone(r, &zn("web2")))
            .map(|r| r.link.to_string())
            .collect();
        assert_eq!(web2, vec![other_tmp]);
    }

    #[test]
    fn values_and_parseable_output_round_trip() {
        let inv = Inventory {
            zones: vec![zone("web1", State::Running)],
            obs: Observation {
                unreadable: Vec::new(),
                links: vec![link("net0", Some("web1"), 7)],
            },
            journals: vec![journal(
                "web1",
                vec![{
                    let mut e = entry("web1", "net0", 0);
                    e.vid = crate::vlan::VlanId::new(7).ok();
                    e
                }],
            )],
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
