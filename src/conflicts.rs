//! Host-wide conflicts between one zone's networks and what the rest of the host holds, as pure
//! functions of what was read. `up` refuses a zone with a conflict before anything is created;
//! `netzone check` can run the same functions on the same inputs.
//!
//! - A `mac-addr` equal to the MAC of a live link (a NIC's factory address, an operator's VNIC,
//!   another zone's link), or to the MAC another zone configures or has recorded for a net, lets
//!   one zone impersonate another interface: refused, naming the holder ([`mac_conflicts`]).
//!   dladm itself refuses only a MAC already used on the same lower link and VLAN
//!   (`mac_client.c` `mac_addr_in_use`).
//! - On gate link names are host-wide while a link is on loan, so two zones configuring the same
//!   `physical` cannot run together; [`shared_physicals`] lists them and [`name_holders`] names
//!   the zone that holds a name when a `create-vnic` finds it taken.

use std::collections::BTreeMap;
use std::fmt;

use crate::dladm::observe::Observation;
use crate::identity;
use crate::journal::Journal;
use crate::linkname::LinkName;
use crate::mac::{Mac, MacSpec};
use crate::zonecfg::{IpType, ZoneConfig};
use crate::zonename::ZoneName;

/// Who already uses a MAC address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MacHolder {
    /// A live link (`place` `None`: the global zone).
    Link {
        /// The link's name.
        name: LinkName,
        /// Where it is (`None`: the global zone).
        place: Option<ZoneName>,
    },
    /// Another zone's configured `mac-addr`.
    Configured {
        /// The zone.
        zone: ZoneName,
        /// The net (its `physical` name in the configuration).
        net: LinkName,
    },
    /// Another zone's journal record (a link netzone made, or is making, for it).
    Recorded {
        /// The zone.
        zone: ZoneName,
        /// The net (its `physical` name in the configuration).
        net: LinkName,
    },
    /// Another net of the same zone.
    SameZone {
        /// The net (its `physical` name in the configuration).
        net: LinkName,
    },
}

impl fmt::Display for MacHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MacHolder::Link { name, place: None } => {
                write!(f, "link '{name}' in the global zone")
            }
            MacHolder::Link {
                name,
                place: Some(z),
            } => write!(f, "link '{name}' in zone '{z}'"),
            MacHolder::Configured { zone, net } => {
                write!(f, "zone '{zone}' net '{net}' (its configured mac-addr)")
            }
            MacHolder::Recorded { zone, net } => {
                write!(
                    f,
                    "zone '{zone}' net '{net}' (recorded in netzone's journal)"
                )
            }
            MacHolder::SameZone { net } => write!(f, "net '{net}' of the same zone"),
        }
    }
}

/// A `mac-addr` someone else already uses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("zone '{zone}': net '{net}': mac-addr {mac} is already used by {holder}")]
pub struct MacConflict {
    /// The zone.
    pub zone: ZoneName,
    /// The net.
    pub net: LinkName,
    /// The MAC address.
    pub mac: Mac,
    /// Who else uses it.
    pub holder: MacHolder,
}

/// The MAC addresses `cfg` configures explicitly, per net (nets of an exclusive-IP zone).
pub fn configured_macs(cfg: &ZoneConfig) -> Vec<(LinkName, Mac)> {
    if cfg.ip_type == IpType::Shared {
        return Vec::new();
    }
    cfg.nets
        .iter()
        .filter_map(|n| match n.mac {
            Some(MacSpec::Fixed(m)) => Some((n.physical.clone(), m)),
            _ => None,
        })
        .collect()
}

/// The conflicts of zone `cfg`'s configured MACs with: the live links in `obs` and `phys` (a
/// NIC's address, `show-phys -m`), except the zone's own links (those its journal `own`
/// identifies); the other zones' configurations `others` and journals `journals`; and the
/// zone's other nets.
pub fn mac_conflicts(
    cfg: &ZoneConfig,
    obs: &Observation,
    phys: &[(LinkName, Mac)],
    own: &Journal,
    others: &[ZoneConfig],
    journals: &[Journal],
) -> Vec<MacConflict> {
    let zone = &cfg.name;
    let mine = configured_macs(cfg);
    let mut res = Vec::new();
    for (i, (net, mac)) in mine.iter().enumerate() {
        let conflict = |holder| MacConflict {
            zone: zone.clone(),
            net: net.clone(),
            mac: *mac,
            holder,
        };
        if let Some((other, _)) = mine[..i].iter().find(|(_, m)| m == mac) {
            res.push(conflict(MacHolder::SameZone { net: other.clone() }));
            continue;
        }
        if let Some((name, _)) = phys.iter().find(|(_, m)| m == mac) {
            res.push(conflict(MacHolder::Link {
                name: name.clone(),
                place: None,
            }));
            continue;
        }
        let live = obs.links.iter().find(|l| {
            l.vnic.as_ref().and_then(|v| v.mac) == Some(*mac)
                && !own.links.iter().any(|e| identity::identifies(e, l))
        });
        if let Some(l) = live {
            res.push(conflict(MacHolder::Link {
                name: l.name.clone(),
                place: l.zone.clone(),
            }));
            continue;
        }
        let configured = others.iter().filter(|c| &c.name != zone).find_map(|c| {
            configured_macs(c)
                .into_iter()
                .find(|(_, m)| m == mac)
                .map(|(n, _)| (c.name.clone(), n))
        });
        if let Some((z, n)) = configured {
            res.push(conflict(MacHolder::Configured { zone: z, net: n }));
            continue;
        }
        let recorded = journals.iter().filter(|j| &j.zone != zone).find_map(|j| {
            j.links
                .iter()
                .find(|e| e.mac == Some(*mac))
                .map(|e| (j.zone.clone(), e.net.clone()))
        });
        if let Some((z, n)) = recorded {
            res.push(conflict(MacHolder::Recorded { zone: z, net: n }));
        }
    }
    res
}

/// The zones other than `zone` whose journals record a link that ends up called `name`: on
/// gate, where names are host-wide, the zones holding it.
pub fn name_holders(name: &LinkName, zone: &ZoneName, journals: &[Journal]) -> Vec<ZoneName> {
    journals
        .iter()
        .filter(|j| &j.zone != zone)
        .filter(|j| j.links.iter().any(|e| &e.final_name == name))
        .map(|j| j.zone.clone())
        .collect()
}

/// `physical` names that more than one configuration gives a netzone net (one with a
/// `global-nic`), with the zones, sorted. On gate such zones cannot run at the same time.
pub fn shared_physicals(configs: &[ZoneConfig]) -> Vec<(LinkName, Vec<ZoneName>)> {
    let mut by_name: BTreeMap<LinkName, Vec<ZoneName>> = BTreeMap::new();
    for c in configs {
        if c.ip_type == IpType::Shared {
            continue;
        }
        for n in c.nets.iter().filter(|n| n.global_nic.is_some()) {
            let v = by_name.entry(n.physical.clone()).or_default();
            if !v.contains(&c.name) {
                v.push(c.name.clone());
            }
        }
    }
    by_name
        .into_iter()
        .filter(|(_, zs)| zs.len() > 1)
        .map(|(n, mut zs)| {
            zs.sort();
            (n, zs)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dladm::observe::ObservedLink;
    use crate::journal::{JournalLink, LinkState};
    use crate::testutil::{ln, zn};
    use crate::zonecfg::{GlobalNic, Net};
    use std::collections::BTreeMap;

    fn net(phys: &str, mac: Option<&str>) -> Net {
        Net {
            physical: ln(phys),
            address: None,
            allowed_address: vec![],
            defrouter: vec![],
            global_nic: Some(GlobalNic::Link(ln("e1000g0"))),
            mac: mac.map(|m| MacSpec::Fixed(m.parse().unwrap())),
            vlan: None,
            mtu: None,
            attrs: BTreeMap::new(),
        }
    }

    use crate::testutil::zone_config as cfg;

    fn vnic(name: &str, zone: Option<&str>, mac: &str) -> ObservedLink {
        crate::testutil::vnic(name, "e1000g0", mac, 0, zone)
    }

    fn record(zone: &str, net: &str, mac: &str) -> JournalLink {
        JournalLink {
            net: ln(net),
            index: 0,
            name: ln(net),
            final_name: ln(net),
            over: ln("e1000g0"),
            vid: None,
            mac: mac.parse().ok(),
            zone: zn(zone),
            state: LinkState::Active,
            run: String::new(),
            persistent: false,
        }
    }

    #[test]
    fn every_kind_of_holder_is_named() {
        let web1 = cfg(
            "web1",
            vec![
                net("net0", Some("0:1b:21:0:0:1")),
                net("net1", Some("2:8:20:0:0:2")),
                net("net2", Some("2:8:20:0:0:3")),
                net("net3", Some("2:8:20:0:0:4")),
                net("net4", Some("2:8:20:0:0:4")),
                net("net5", Some("2:8:20:0:0:5")),
                net("net6", None),
            ],
        );
        let phys = vec![(ln("e1000g0"), "0:1b:21:0:0:1".parse().unwrap())];
        let obs = Observation {
            unreadable: Vec::new(),
            links: vec![vnic("opvnic0", None, "2:8:20:0:0:2")],
        };
        let others = vec![cfg("web2", vec![net("net0", Some("2:8:20:0:0:3"))])];
        let mut j2 = Journal::empty(&zn("web3"));
        j2.links.push(record("web3", "net9", "2:8:20:0:0:5"));
        let c = mac_conflicts(
            &web1,
            &obs,
            &phys,
            &Journal::empty(&zn("web1")),
            &others,
            &[j2],
        );
        let lines: Vec<String> = c.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            vec![
                "zone 'web1': net 'net0': mac-addr 0:1b:21:0:0:1 is already used by link 'e1000g0' in the global zone",
                "zone 'web1': net 'net1': mac-addr 2:8:20:0:0:2 is already used by link 'opvnic0' in the global zone",
                "zone 'web1': net 'net2': mac-addr 2:8:20:0:0:3 is already used by zone 'web2' net 'net0' (its configured mac-addr)",
                "zone 'web1': net 'net4': mac-addr 2:8:20:0:0:4 is already used by net 'net3' of the same zone",
                "zone 'web1': net 'net5': mac-addr 2:8:20:0:0:5 is already used by zone 'web3' net 'net9' (recorded in netzone's journal)",
            ]
        );
    }

    #[test]
    fn own_links_and_own_configuration_are_no_conflict() {
        let web1 = cfg("web1", vec![net("net0", Some("2:8:20:0:0:2"))]);
        let obs = Observation {
            unreadable: Vec::new(),
            links: vec![vnic("net0", Some("web1"), "2:8:20:0:0:2")],
        };
        let mut own = Journal::empty(&zn("web1"));
        own.links.push(record("web1", "net0", "2:8:20:0:0:2"));
        let me_again = [web1.clone()];
        assert!(mac_conflicts(&web1, &obs, &[], &own, &me_again, &[own.clone()]).is_empty());
        // Without the record, the same link is someone else's.
        let c = mac_conflicts(&web1, &obs, &[], &Journal::empty(&zn("web1")), &[], &[]);
        assert_eq!(c.len(), 1);
        assert!(
            c[0].to_string().contains("link 'net0' in zone 'web1'"),
            "{}",
            c[0]
        );
    }

    #[test]
    fn shared_physicals_and_holders() {
        let a = cfg("a", vec![net("net0", None), net("net1", None)]);
        let b = cfg("b", vec![net("net0", None)]);
        let mut shared = cfg("s", vec![net("net1", None)]);
        shared.ip_type = IpType::Shared;
        assert_eq!(
            shared_physicals(&[b.clone(), a.clone(), shared]),
            vec![(ln("net0"), vec![zn("a"), zn("b")])]
        );
        let mut ja = Journal::empty(&zn("a"));
        ja.links.push(record("a", "net0", "2:8:20:0:0:1"));
        assert_eq!(
            name_holders(&ln("net0"), &zn("b"), &[ja.clone()]),
            vec![zn("a")]
        );
        assert!(name_holders(&ln("net0"), &zn("a"), &[ja.clone()]).is_empty());
        assert!(name_holders(&ln("net1"), &zn("b"), &[ja]).is_empty());
    }
}
