//! What only the host knows about a zone's networks: the checks `netzone check ZONE` and
//! `netzone-verify` add to the configuration rules of [`crate::validate`], so that a mistake the
//! boot would fail on is refused at `zonecfg commit` instead.
//!
//! The host is read once per run ([`HostView::read`]: one `show-link` walk for classes and MTUs,
//! the link observation of [`crate::dladm::observe`] for zones and MACs, netzone's journals), and
//! [`problems`] is a pure function of (the zone, the other configured zones, that view):
//!
//! - `global-nic` names a link of the global zone: `create-vnic -l` over a missing link fails
//!   "object not found" at boot;
//! - the `mtu` net-attr is not above the lower link's MTU: a VNIC's maximum SDU is its lower
//!   MAC's, and dladm refuses a larger one ("MTU check failed", illumos-gate
//!   `usr/src/uts/common/io/vnic/vnic_dev.c`, and `mac.c` `mac_set_mtu`);
//! - `physical` is not the name of a link netzone did not create: in the global zone zoneadmd
//!   would lend that link to the zone (`vplat.c` `configure_exclusive_network_interfaces` looks
//!   the name up in the global zone), and on gate the name must be free host-wide, so netzone's
//!   `up` refuses it;
//! - on gate, no other configured exclusive-IP zone has a net of the same `physical`: link names
//!   are host-wide there while zones run (a link on loan keeps its name), so the second zone to
//!   boot fails;
//! - a fixed `mac-addr` is not the address of a live VNIC other than the zone's own: the second
//!   `create-vnic -m` fails "MAC address is already in use".
//!
//! Nic tags and `global-nic=auto` resolve to a link in [`lower_link`]: the one place that maps a
//! net to the link its VNIC goes over.

use std::path::Path;

use crate::conflicts::{self, MacHolder};
use crate::dladm::observe::ObservedLink;
use crate::dladm::observe::{self, Observation, ObserveError};
use crate::dladm::{self, LinkInfo, VnicInfo};
use crate::flavour::Flavour;
use crate::host::Host;
use crate::identity;
use crate::journal::{self, Journal};
use crate::linkname::LinkName;
use crate::mac::Mac;
use crate::zonecfg::{GlobalNic, IpType, Net, NetRef, Problem, ZoneConfig};
use crate::zonename::ZoneName;

/// One link the global zone sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostLink {
    /// The link's name.
    pub name: LinkName,
    /// The zone holding it; `None` = the global zone.
    pub zone: Option<ZoneName>,
    /// `phys`, `vnic`, `etherstub`, `aggr`, ... (empty when only the VNIC walk saw it).
    pub class: String,
    /// Its MTU, if known.
    pub mtu: Option<u32>,
    /// Lower link(s) as dladm prints them; empty for a physical link.
    pub over: String,
    /// VNIC details (lower link, MAC, VID), when the VNIC walk saw it.
    pub vnic: Option<VnicInfo>,
}

impl HostLink {
    /// The link as an observation (what [`crate::identity`] compares records with).
    pub fn observed(&self) -> ObservedLink {
        ObservedLink {
            name: self.name.clone(),
            zone: self.zone.clone(),
            vnic: self.vnic.clone(),
        }
    }
}

/// The host as the checks see it.
#[derive(Debug, Clone)]
pub struct HostView {
    /// The dladm flavour.
    pub flavour: Flavour,
    /// Every link of the global zone, and those on loan.
    pub links: Vec<HostLink>,
    /// The link observation the links were joined from (what [`crate::conflicts`] reads).
    pub obs: Observation,
    /// The NICs' MAC addresses (`show-phys -m`).
    pub phys: Vec<(LinkName, Mac)>,
    /// Every zone's journal: what netzone created.
    pub journals: Vec<Journal>,
}

impl HostView {
    /// Joins a `show-link` walk (names, classes, MTUs) with a link observation (zones, VNIC
    /// MACs). Both walks go in link-id order, so a name seen twice (IPD 3 names are per zone)
    /// is matched in order.
    pub fn from_parts(
        flavour: Flavour,
        show_link: Vec<LinkInfo>,
        obs: &Observation,
        journals: Vec<Journal>,
    ) -> Self {
        let mut used = vec![false; obs.links.len()];
        let mut links = Vec::with_capacity(show_link.len());
        for li in show_link {
            let seen = obs
                .links
                .iter()
                .enumerate()
                .find(|(i, l)| !used[*i] && l.name == li.link);
            let (zone, vnic) = match seen {
                Some((i, l)) => {
                    used[i] = true;
                    (l.zone.clone(), l.vnic.clone())
                }
                None => (None, None),
            };
            links.push(HostLink {
                name: li.link,
                zone,
                class: li.class,
                mtu: li.mtu,
                over: li.over,
                vnic,
            });
        }
        // Links the observation saw and show-link did not (made between the two walks).
        for (l, _) in obs.links.iter().zip(&used).filter(|(_, u)| !**u) {
            links.push(HostLink {
                name: l.name.clone(),
                zone: l.zone.clone(),
                class: if l.vnic.is_some() {
                    "vnic".into()
                } else {
                    String::new()
                },
                mtu: None,
                over: l.vnic.as_ref().map(|v| v.over.clone()).unwrap_or_default(),
                vnic: l.vnic.clone(),
            });
        }
        HostView {
            flavour,
            links,
            obs: obs.clone(),
            phys: Vec::new(),
            journals,
        }
    }

    /// Reads the host: the link observation (one dladm process on joyent, two on gate), one
    /// `show-link` walk, one `show-phys -m` (the NICs' MACs), and the journals under the host's
    /// state directory. An empty walk is confirmed with a lookup, so a stopped dlmgmtd is an
    /// error, never "no links".
    pub fn read(host: &Host, flavour: Flavour) -> Result<HostView, ObserveError> {
        let obs = observe::observe(host, flavour)?;
        let walk = dladm::parse_show_link_output(&host.dladm(&dladm::show_link_command())?)?;
        if walk.is_empty() {
            observe::verify_dlmgmtd(host)?;
        }
        let phys =
            dladm::parse_show_phys_mac_output(&host.dladm(&dladm::show_phys_mac_command())?)?;
        let mut v = HostView::from_parts(flavour, walk, &obs, read_journals(&host.state_dir()));
        v.phys = phys;
        Ok(v)
    }

    /// The global zone's link called `name`.
    pub fn global(&self, name: &LinkName) -> Option<&HostLink> {
        self.links
            .iter()
            .find(|l| &l.name == name && l.zone.is_none())
    }

    fn journal(&self, zone: &ZoneName) -> Option<&Journal> {
        self.journals.iter().find(|j| &j.zone == zone)
    }

    /// Whether `l` is one of `zone`'s own links: held by it, or one its journal identifies
    /// (name, lower link, VID and MAC match a record: [`crate::identity`]).
    fn is_own(&self, zone: &ZoneName, l: &HostLink) -> bool {
        let o = l.observed();
        l.zone.as_ref() == Some(zone)
            || self
                .journal(zone)
                .is_some_and(|j| j.links.iter().any(|e| identity::identifies(e, &o)))
    }

    /// The other zone whose journal identifies `l` (a netzone leftover `gc` would remove).
    fn recorded_by_other(&self, zone: &ZoneName, l: &HostLink) -> Option<&ZoneName> {
        let o = l.observed();
        self.journals
            .iter()
            .find(|j| &j.zone != zone && j.links.iter().any(|e| identity::identifies(e, &o)))
            .map(|j| &j.zone)
    }

    /// Names of the global zone's links a VNIC can go over (everything but VNICs), for messages.
    fn lower_candidates(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .links
            .iter()
            .filter(|l| l.zone.is_none() && l.class != "vnic" && !l.class.is_empty())
            .map(|l| l.name.as_str())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// Every journal under `state_dir` that can be read (an unreadable one is reported by `show`).
fn read_journals(state_dir: &Path) -> Vec<Journal> {
    journal::zones_with_journal(state_dir)
        .iter()
        .filter_map(|z| Journal::load(state_dir, z).ok())
        .collect()
}

/// `cfg` with every `global-nic="auto"` resolved on this host ([`crate::globalnic::resolve_autos`],
/// one `route` run per such net), so [`problems`] checks the link it stands for. A route that
/// is missing or names no usable link is a problem of the configuration on this host, as the
/// boot would meet it; `route` that cannot be run at all leaves `auto` unresolved, with the
/// reason.
pub fn resolve_auto(host: &Host, cfg: &ZoneConfig) -> Result<ZoneConfig, AutoError> {
    use crate::globalnic::GlobalNicError;
    crate::globalnic::resolve_autos(host, cfg).map_err(|e| match e {
        GlobalNicError::Route { .. } => AutoError::Unreadable(e.to_string()),
        other => AutoError::Problem(other.to_string()),
    })
}

/// Why `auto` was not resolved by [`resolve_auto`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AutoError {
    /// The route table answered, and the answer is not a link the zone can use: refuse.
    Problem(String),
    /// `route` could not be asked: check without it and say so.
    Unreadable(String),
}

/// Where a net's VNIC would go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lower<'a> {
    /// A link of the global zone.
    Found(&'a HostLink),
    /// No link of that name in the global zone; `held_by` is a zone holding one of that name.
    Missing {
        /// The name looked for.
        name: LinkName,
        /// A zone holding a link of that name, if any.
        held_by: Option<ZoneName>,
    },
    /// Not resolvable from the view (`auto`, until route lookup exists; nic tags).
    Unresolved,
}

/// The link net `net`'s VNIC goes over. Nic tags and `global-nic=auto` are resolved here when
/// netzone learns them; until then they are [`Lower::Unresolved`] and the checks that need the
/// lower link are skipped for that net.
pub fn lower_link<'a>(net: &Net, view: &'a HostView) -> Lower<'a> {
    match &net.global_nic {
        Some(GlobalNic::Link(l)) => match view.global(l) {
            Some(found) => Lower::Found(found),
            None => Lower::Missing {
                name: l.clone(),
                held_by: view
                    .links
                    .iter()
                    .find(|x| &x.name == l)
                    .and_then(|x| x.zone.clone()),
            },
        },
        Some(GlobalNic::Auto)
        | Some(GlobalNic::Tag(_))
        | Some(GlobalNic::Overlay { .. })
        | None => Lower::Unresolved,
    }
}

fn problem(zone: &ZoneName, net: &Net, attr: &str, value: &str, reason: String) -> Problem {
    Problem {
        zone: zone.to_string(),
        net: Some(NetRef::Physical(net.physical.to_string())),
        attribute: Some(attr.to_string()),
        value: Some(value.to_string()),
        reason,
    }
}

/// How a link is described in a message: `a vnic over igb0`, `a phys link`.
fn describe(l: &HostLink) -> String {
    match (l.class.as_str(), l.over.as_str()) {
        ("", "") => "a link".to_string(),
        ("", over) => format!("a link over {over}"),
        (class, "") => format!("a {class} link"),
        (class, over) => format!("a {class} over {over}"),
    }
}

fn place(zone: &Option<ZoneName>) -> String {
    match zone {
        Some(z) => format!("zone '{z}'"),
        None => "the global zone".to_string(),
    }
}

/// Other zones' configurations that count against `cfg`: not its own older configuration
/// (same name, or same zonepath: `zonecfg set zonename` renames in place).
fn rivals<'a>(
    cfg: &'a ZoneConfig,
    others: &'a [ZoneConfig],
) -> impl Iterator<Item = &'a ZoneConfig> {
    others.iter().filter(move |o| {
        o.name() != cfg.name() && (o.zonepath().is_none() || o.zonepath() != cfg.zonepath())
    })
}

/// Everything wrong with `cfg` on this host, one problem per finding, each naming the zone, the
/// net, the value and the conflicting object, and saying what to change. `others` are the other
/// configured zones (their valid configurations). Pure.
pub fn problems(cfg: &ZoneConfig, others: &[ZoneConfig], view: &HostView) -> Vec<Problem> {
    let mut out = Vec::new();
    if cfg.ip_type() != IpType::Exclusive {
        return out;
    }
    let zone = cfg.name();
    for net in cfg.managed_nets() {
        // The lower link.
        match lower_link(net, view) {
            Lower::Found(lower) => {
                if let (Some(m), Some(lm)) = (net.mtu, lower.mtu) {
                    if m.get() > lm {
                        out.push(problem(
                            zone,
                            net,
                            "mtu",
                            &m.to_string(),
                            format!(
                                "above the MTU of global-nic '{}' ({lm}): a VNIC cannot be larger \
                                 than its lower link, so the boot would fail; set the mtu \
                                 net-attr to {lm} or less, or raise the MTU of {} first \
                                 (dladm set-linkprop -p mtu={m} {})",
                                lower.name, lower.name, lower.name
                            ),
                        ));
                    }
                }
            }
            Lower::Missing { name, held_by } => {
                let reason = match held_by {
                    Some(z) => format!(
                        "link '{name}' is on loan to zone '{z}', not in the global zone; set \
                         global-nic to a link of the global zone"
                    ),
                    None => {
                        let cands = view.lower_candidates();
                        if cands.is_empty() {
                            format!("no link '{name}' in the global zone; set global-nic to an existing link (dladm show-link)")
                        } else {
                            format!(
                                "no link '{name}' in the global zone; set global-nic to one of: {}",
                                cands.join(", ")
                            )
                        }
                    }
                };
                out.push(problem(zone, net, "global-nic", name.as_str(), reason));
            }
            Lower::Unresolved => {}
        }

        // The final name.
        let phys = &net.physical;
        for l in view.links.iter().filter(|l| &l.name == phys) {
            if view.is_own(zone, l) {
                continue;
            }
            match &l.zone {
                None => {
                    let reason = match view.recorded_by_other(zone, l) {
                        Some(o) => format!(
                            "link '{phys}' in the global zone is a leftover of zone '{o}' \
                             (netzone recorded it); run netzone gc, or give this net another \
                             physical name"
                        ),
                        None => format!(
                            "link '{phys}' already exists in the global zone ({}) and netzone did \
                             not create it; the boot would fail on it or lend it to the zone: \
                             rename or remove that link (dladm rename-link {phys} NEWNAME), or \
                             give this net another physical name",
                            describe(l)
                        ),
                    };
                    out.push(problem(zone, net, "physical", phys.as_str(), reason));
                }
                Some(holder) if view.flavour.dialect().names_host_wide() => {
                    out.push(problem(
                        zone,
                        net,
                        "physical",
                        phys.as_str(),
                        format!(
                            "link name '{phys}' is in use by zone '{holder}' and link names are \
                             host-wide on this host (illumos-gate); halt zone '{holder}' first, \
                             or give this net another physical name"
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
        if view.flavour.dialect().names_host_wide() {
            let mut pool: Vec<ZoneConfig> = rivals(cfg, others).cloned().collect();
            pool.push(cfg.clone());
            for (name, zones) in conflicts::shared_physicals(&pool) {
                if &name != phys {
                    continue;
                }
                for o in zones.iter().filter(|z| *z != zone) {
                    out.push(problem(
                        zone,
                        net,
                        "physical",
                        phys.as_str(),
                        format!(
                            "also configured for zone '{o}' (net '{phys}'); link names are \
                             host-wide on this host (illumos-gate), so the two zones cannot run \
                             together: give one of the nets another physical name"
                        ),
                    ));
                }
            }
        }
    }

    // The MACs: the conflict rules `up` applies ([`conflicts::mac_conflicts`]). Conflicts with
    // another zone's configuration or with a net of the same zone are configuration problems
    // [`crate::validate`] already reports; the host adds live links and other zones' records.
    let own = view
        .journal(zone)
        .cloned()
        .unwrap_or_else(|| Journal::empty(zone));
    let rivals: Vec<ZoneConfig> = rivals(cfg, others).cloned().collect();
    for c in conflicts::mac_conflicts(cfg, &view.obs, &view.phys, &own, &rivals, &view.journals) {
        let Some(net) = cfg.nets().iter().find(|n| n.physical == c.net) else {
            continue;
        };
        let what = match &c.holder {
            MacHolder::Link { name, place: at }
                if view.phys.iter().any(|(n, m)| n == name && *m == c.mac) =>
            {
                format!("the address of NIC '{name}'; choose another mac-addr")
            }
            MacHolder::Link { name, place: at } => {
                let desc = view
                    .links
                    .iter()
                    .find(|l| &l.name == name && &l.zone == at)
                    .map(|l| format!(" ({})", describe(l)))
                    .unwrap_or_default();
                format!(
                    "in use by link '{name}'{desc} in {}; choose another mac-addr, or remove \
                     that link",
                    place(at)
                )
            }
            MacHolder::Recorded { zone: z, net: n } => format!(
                "recorded by netzone for zone '{z}' net '{n}'; choose another mac-addr, or \
                 run netzone gc if zone '{z}' is gone"
            ),
            MacHolder::Configured { .. } | MacHolder::SameZone { .. } => continue,
        };
        out.push(problem(zone, net, "mac-addr", &c.mac.to_string(), what));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{ln, zn};

    fn cfg(name: &str, nets: &str) -> ZoneConfig {
        crate::zonecfg::parse_str(
            &format!(
                "<zone name=\"{name}\" zonepath=\"/zones/{name}\" ip-type=\"exclusive\">{nets}</zone>"
            ),
            "test",
        )
        .unwrap()
    }

    fn li(name: &str, class: &str, mtu: u32, over: &str) -> LinkInfo {
        LinkInfo {
            link: ln(name),
            class: class.into(),
            mtu: Some(mtu),
            over: over.into(),
        }
    }

    fn vnic(name: &str, over: &str, mac: &str, zone: Option<&str>) -> ObservedLink {
        crate::testutil::vnic(name, over, mac, 0, zone)
    }

    /// igb0 (1500), igb1 (9000), a VNIC `oper0` of the operator's over igb1 in the global zone,
    /// and web2's `net0` on loan to web2.
    fn view(flavour: Flavour) -> HostView {
        let walk = vec![
            li("igb0", "phys", 1500, ""),
            li("igb1", "phys", 9000, ""),
            li("oper0", "vnic", 9000, "igb1"),
            li("net0", "vnic", 1500, "igb0"),
        ];
        let obs = Observation {
            unreadable: Vec::new(),
            links: vec![
                vnic("oper0", "igb1", "2:8:20:0:0:1", None),
                vnic("net0", "igb0", "2:8:20:0:0:2", Some("web2")),
            ],
        };
        HostView::from_parts(flavour, walk, &obs, vec![])
    }

    /// A journal of `zone` with one active record of net `net` over `over` with `mac`.
    fn journal_of(zone: &str, net: &str, over: &str, mac: &str) -> Journal {
        let mut j = Journal::empty(&zn(zone));
        j.links.push(crate::journal::JournalLink {
            net: ln(net),
            index: 0,
            name: ln(net),
            final_name: ln(net),
            over: ln(over),
            vid: None,
            mac: mac.parse().ok(),
            zone: zn(zone),
            state: crate::journal::LinkState::Active,
            run: String::new(),
            persistent: false,
        });
        j
    }

    fn lines(p: &[Problem]) -> Vec<String> {
        p.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_good_zone_has_no_problem() {
        let c = cfg(
            "web1",
            r#"<network physical="data0" global-nic="igb1" mac-addr="2:8:20:0:0:9"><net-attr name="mtu" value="9000"/></network>"#,
        );
        for f in [Flavour::Joyent, Flavour::Gate] {
            assert!(problems(&c, &[], &view(f)).is_empty());
        }
    }

    #[test]
    fn missing_lower_link_lists_the_candidates() {
        let c = cfg("web1", r#"<network physical="data0" global-nic="igb9"/>"#);
        assert_eq!(
            lines(&problems(&c, &[], &view(Flavour::Joyent))),
            [
                "zone 'web1': net 'data0': global-nic 'igb9': no link 'igb9' in the global zone; \
              set global-nic to one of: igb0, igb1"
            ]
        );
        // A link of that name exists only on loan to a zone.
        let c = cfg("web1", r#"<network physical="data0" global-nic="net0"/>"#);
        let p = lines(&problems(&c, &[], &view(Flavour::Joyent)));
        assert_eq!(p.len(), 1);
        assert!(
            p[0].contains("link 'net0' is on loan to zone 'web2'"),
            "{p:?}"
        );
    }

    #[test]
    fn mtu_above_the_lower_link() {
        let c = cfg(
            "web1",
            r#"<network physical="data0" global-nic="igb0"><net-attr name="mtu" value="9000"/></network>"#,
        );
        let p = lines(&problems(&c, &[], &view(Flavour::Gate)));
        assert_eq!(p.len(), 1);
        assert!(
            p[0].starts_with(
                "zone 'web1': net 'data0': mtu '9000': above the MTU of global-nic 'igb0' (1500)"
            ) && p[0].contains("dladm set-linkprop -p mtu=9000 igb0"),
            "{p:?}"
        );
        let ok = cfg(
            "web1",
            r#"<network physical="data0" global-nic="igb0"><net-attr name="mtu" value="1500"/></network>"#,
        );
        assert!(problems(&ok, &[], &view(Flavour::Gate)).is_empty());
    }

    #[test]
    fn physical_taken_by_a_link_netzone_did_not_make() {
        let c = cfg("web1", r#"<network physical="oper0" global-nic="igb0"/>"#);
        let p = lines(&problems(&c, &[], &view(Flavour::Joyent)));
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].starts_with(
                "zone 'web1': net 'oper0': physical 'oper0': link 'oper0' already exists in the \
                 global zone (a vnic over igb1) and netzone did not create it"
            ),
            "{p:?}"
        );
        // A record of this zone naming it but with another MAC proves nothing.
        let mut v = view(Flavour::Joyent);
        v.journals
            .push(journal_of("web1", "oper0", "igb1", "2:8:20:0:0:7"));
        assert_eq!(problems(&c, &[], &v).len(), 1);
        // A record that identifies it: its own, no problem.
        v.journals = vec![journal_of("web1", "oper0", "igb1", "2:8:20:0:0:1")];
        assert!(problems(&c, &[], &v).is_empty());
        // Identified by another zone's journal: a leftover, gc's business.
        v.journals = vec![journal_of("old1", "oper0", "igb1", "2:8:20:0:0:1")];
        let p = lines(&problems(&c, &[], &v));
        assert!(p[0].contains("is a leftover of zone 'old1'"), "{p:?}");
    }

    #[test]
    fn gate_names_are_host_wide() {
        let c = cfg("web1", r#"<network physical="net0" global-nic="igb0"/>"#);
        // joyent: web2's net0 lives in web2's namespace.
        assert!(problems(&c, &[], &view(Flavour::Joyent)).is_empty());
        let p = lines(&problems(&c, &[], &view(Flavour::Gate)));
        assert_eq!(p.len(), 1);
        assert!(
            p[0].contains("link name 'net0' is in use by zone 'web2'"),
            "{p:?}"
        );
        // Configured only, not running: still refused on gate.
        let mut v = view(Flavour::Gate);
        v.links.retain(|l| l.name.as_str() != "net0");
        let web3 = cfg("web3", r#"<network physical="net0" global-nic="igb1"/>"#);
        let p = lines(&problems(&c, std::slice::from_ref(&web3), &v));
        assert_eq!(
            p,
            [
                "zone 'web1': net 'net0': physical 'net0': also configured for zone 'web3' (net \
              'net0'); link names are host-wide on this host (illumos-gate), so the two zones \
              cannot run together: give one of the nets another physical name"
            ]
        );
        // Its own older configuration does not count, nor does joyent.
        let old = cfg("web1", r#"<network physical="net0" global-nic="igb1"/>"#);
        assert!(problems(&c, &[old], &v).is_empty());
        v.flavour = Flavour::Joyent;
        assert!(problems(&c, &[web3], &v).is_empty());
    }

    #[test]
    fn mac_in_use_by_a_live_link() {
        let c = cfg(
            "web1",
            r#"<network physical="data0" global-nic="igb0" mac-addr="02:08:20:00:00:01"/>"#,
        );
        let p = lines(&problems(&c, &[], &view(Flavour::Joyent)));
        assert_eq!(
            p,
            ["zone 'web1': net 'data0': mac-addr '2:8:20:0:0:1': in use by link 'oper0' (a vnic \
              over igb1) in the global zone; choose another mac-addr, or remove that link"]
        );
        // The zone's own running link with that MAC, identified by its record, is no conflict;
        // without the record it is somebody else's link that happens to be in the zone.
        let c = cfg(
            "web2",
            r#"<network physical="net0" global-nic="igb0" mac-addr="2:8:20:0:0:2"/>"#,
        );
        let mut v = view(Flavour::Gate);
        assert_eq!(problems(&c, &[], &v).len(), 1);
        v.journals
            .push(journal_of("web2", "net0", "igb0", "2:8:20:0:0:2"));
        assert!(problems(&c, &[], &v).is_empty());
    }

    #[test]
    fn shared_ip_and_auto_are_not_checked_against_links() {
        let mut c = cfg("web1", r#"<network physical="data0" global-nic="igb9"/>"#);
        c.ip_type = IpType::Shared;
        assert!(problems(&c, &[], &view(Flavour::Gate)).is_empty());
        let c = cfg(
            "web1",
            r#"<network physical="data0" global-nic="auto" allowed-address="10.0.0.2/24"/>"#,
        );
        assert!(problems(&c, &[], &view(Flavour::Gate)).is_empty());
    }

    #[test]
    fn walks_are_joined_in_order() {
        let walk = vec![
            li("net0", "vnic", 1500, "igb0"),
            li("net0", "vnic", 9000, "igb1"),
        ];
        let obs = Observation {
            unreadable: Vec::new(),
            links: vec![
                vnic("net0", "igb0", "2:8:20:0:0:3", None),
                vnic("net0", "igb1", "2:8:20:0:0:4", Some("web2")),
                vnic("late0", "igb1", "2:8:20:0:0:5", None),
            ],
        };
        let v = HostView::from_parts(Flavour::Gate, walk, &obs, vec![]);
        assert_eq!(v.links.len(), 3);
        assert_eq!(v.links[0].zone, None);
        assert_eq!(v.links[1].zone, Some(zn("web2")));
        assert_eq!(v.links[1].mtu, Some(9000));
        assert_eq!(v.links[2].class, "vnic");
        assert_eq!(v.global(&ln("net0")).unwrap().over, "igb0");
    }
}
