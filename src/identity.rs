//! Ownership by identity: when a link the host shows is one netzone made.
//!
//! A name proves nothing: an operator may create a global-zone VNIC called `net0` while a zone
//! runs with netzone's `net0`, a delegated zone administrator may rename a zone's link, and a
//! hook killed half-way leaves records behind whose names a later operator link can take. So a
//! journal record ([`JournalLink`]) proves ownership of an observed link only when every field
//! dladm shows matches the record:
//! - namespace: the global zone or the record's zone (where netzone's links live);
//! - name: the record's temporary or final name (a link is renamed back to its temporary name
//!   before netzone hands it back to the global zone, so either may be current);
//! - class: a VNIC;
//! - lower link and VLAN id;
//! - MAC address. netzone chooses every MAC itself before `create-vnic` (the configured
//!   `mac-addr`, or one drawn in dladm's random format, [`crate::mac::Mac::draw_random`]) and
//!   records it in the intent record, so the MAC is known before the link exists.
//!
//! Without a record, a link carrying this zone's temporary name ([`crate::tempname`]) is
//! netzone's only if it is in this zone or the global zone *and* over the lower link recorded or
//! configured for that net: the temporary name alone is not proof, since two zone names can
//! share the 48-bit hash.
//!
//! A link that a record names but does not match is somebody else's, on every path: netzone
//! leaves it where and as it is and reports it as a [`NotOurs`].

use std::fmt;

use crate::dladm::observe::ObservedLink;
use crate::journal::JournalLink;
use crate::linkname::LinkName;
use crate::tempname;
use crate::zonename::ZoneName;

/// Why an observed link is not the one a record describes, or `None` when it is.
pub fn mismatch(e: &JournalLink, l: &ObservedLink) -> Option<String> {
    if !(l.zone.is_none() || l.zone.as_ref() == Some(&e.zone)) {
        return Some(format!(
            "it is in zone '{}', not in the global zone or zone '{}'",
            l.zone.as_ref().map(|z| z.as_str()).unwrap_or("global"),
            e.zone
        ));
    }
    if l.name != e.name && l.name != e.final_name {
        return Some(format!("its name is not one recorded for net '{}'", e.net));
    }
    let Some(v) = &l.vnic else {
        return Some("it is not a VNIC".into());
    };
    if v.over != e.over.as_str() {
        return Some(format!(
            "it is over '{}', the record says '{}'",
            v.over, e.over
        ));
    }
    if v.vid != e.vid {
        let show = |x: Option<crate::vlan::VlanId>| x.map(|v| v.get()).unwrap_or(0);
        return Some(format!(
            "its VLAN id is {}, the record says {}",
            show(v.vid),
            show(e.vid)
        ));
    }
    match (e.mac, v.mac) {
        (None, _) => Some("no MAC address was recorded for it".into()),
        (Some(want), Some(got)) if want == got => None,
        (Some(want), got) => Some(format!(
            "its MAC address is {}, the record says {want}",
            got.map(|m| m.to_string())
                .unwrap_or_else(|| "unknown".into())
        )),
    }
}

/// Whether `l` is the link record `e` describes, on every field.
pub fn identifies(e: &JournalLink, l: &ObservedLink) -> bool {
    mismatch(e, l).is_none()
}

/// Whether `l` is netzone's by its temporary name: one of `zone`'s, in `zone` or the global
/// zone, a VNIC over `over` (the lower link recorded or configured for that net's index).
pub fn temp_proof(l: &ObservedLink, zone: &ZoneName, over: Option<&LinkName>) -> bool {
    tempname::owned_index(&l.name, zone).is_some()
        && (l.zone.is_none() || l.zone.as_ref() == Some(zone))
        && matches!((&l.vnic, over), (Some(v), Some(o)) if v.over == o.as_str())
}

/// A link that a record names but that is not netzone's: left where and as it is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NotOurs {
    /// The zone whose record names the link.
    pub zone: ZoneName,
    /// The net the record is for.
    pub net: LinkName,
    /// The link's name.
    pub link: LinkName,
    /// Where the link is (`None`: the global zone).
    #[serde(rename = "in")]
    pub place: Option<ZoneName>,
    /// Which part of the identity differs, in words.
    pub why: String,
}

impl NotOurs {
    /// The record `e` that names link `l` without identifying it, and why.
    pub fn new(e: &JournalLink, l: &ObservedLink, why: String) -> Self {
        NotOurs {
            zone: e.zone.clone(),
            net: e.net.clone(),
            link: l.name.clone(),
            place: l.zone.clone(),
            why,
        }
    }
}

impl fmt::Display for NotOurs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let place = match &self.place {
            Some(z) => format!("zone '{z}'"),
            None => "the global zone".into(),
        };
        write!(
            f,
            "zone '{}': net '{}': link '{}' in {place} is not netzone's ({}); left alone",
            self.zone, self.net, self.link, self.why
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::LinkState;
    use crate::testutil::{ln, zn};
    use crate::vlan::VlanId;

    fn rec() -> JournalLink {
        JournalLink {
            net: ln("net0"),
            index: 0,
            name: tempname::temp_name(&zn("web1"), 0),
            final_name: ln("net0"),
            over: ln("e1000g0"),
            vid: VlanId::new(42).ok(),
            mac: "2:8:20:a:b:c".parse().ok(),
            zone: zn("web1"),
            state: LinkState::Active,
            run: String::new(),
            persistent: false,
        }
    }

    fn link(name: &str, zone: Option<&str>, over: &str, vid: u16, mac: &str) -> ObservedLink {
        crate::testutil::vnic(name, over, mac, vid, zone)
    }

    #[test]
    fn every_field_must_match() {
        let e = rec();
        let ok = link("net0", Some("web1"), "e1000g0", 42, "2:8:20:a:b:c");
        assert!(identifies(&e, &ok));
        assert!(identifies(
            &e,
            &link("net0", None, "e1000g0", 42, "2:8:20:a:b:c")
        ));
        let bad = [
            (
                link("net0", Some("web2"), "e1000g0", 42, "2:8:20:a:b:c"),
                "zone 'web2'",
            ),
            (
                link("net1", Some("web1"), "e1000g0", 42, "2:8:20:a:b:c"),
                "name",
            ),
            (
                link("net0", Some("web1"), "e1000g1", 42, "2:8:20:a:b:c"),
                "over 'e1000g1'",
            ),
            (
                link("net0", Some("web1"), "e1000g0", 7, "2:8:20:a:b:c"),
                "VLAN id is 7",
            ),
            (
                link("net0", Some("web1"), "e1000g0", 42, "2:8:20:a:b:d"),
                "MAC address is 2:8:20:a:b:d",
            ),
        ];
        for (l, why) in bad {
            let m = mismatch(&e, &l).expect("not ours");
            assert!(m.contains(why), "{m} lacks {why}");
        }
        let mut not_vnic = ok.clone();
        not_vnic.vnic = None;
        assert_eq!(mismatch(&e, &not_vnic).unwrap(), "it is not a VNIC");
        let mut no_mac = e.clone();
        no_mac.mac = None;
        assert!(!identifies(&no_mac, &ok));
        let n = NotOurs::new(
            &e,
            &link("net0", None, "e1000g1", 42, "2:8:20:1:1:1"),
            "x".into(),
        );
        assert_eq!(
            n.to_string(),
            "zone 'web1': net 'net0': link 'net0' in the global zone is not netzone's (x); left alone"
        );
    }

    #[test]
    fn temporary_name_needs_place_and_lower_link() {
        let z = zn("web1");
        let t = tempname::temp_name(&z, 3);
        let l = link(t.as_str(), None, "e1000g0", 0, "2:8:20:1:2:3");
        assert!(temp_proof(&l, &z, Some(&ln("e1000g0"))));
        assert!(!temp_proof(&l, &z, Some(&ln("e1000g1"))));
        assert!(!temp_proof(&l, &z, None));
        assert!(!temp_proof(&l, &zn("web2"), Some(&ln("e1000g0"))));
        let elsewhere = link(t.as_str(), Some("web9"), "e1000g0", 0, "2:8:20:1:2:3");
        assert!(!temp_proof(&elsewhere, &z, Some(&ln("e1000g0"))));
    }
}
