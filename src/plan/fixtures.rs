//! What the planner's unit tests share: a zone of four nets ([`cfg`]), observed VNICs, a
//! deterministic MAC draw and the records netzone keeps.

pub(super) use super::desired::entry_for;
pub(super) use super::*;
pub(super) use crate::dladm::observe::{Observation, ObservedLink};
pub(super) use crate::flavour::Flavour;
pub(super) use crate::journal::{Journal, JournalLink, LinkState};
pub(super) use crate::linkname::LinkName;
pub(super) use crate::mac::{Mac, MacSpec};
pub(super) use crate::mtu::Mtu;
pub(super) use crate::tempname;
pub(super) use crate::testutil::{ln, zn};
pub(super) use crate::vlan::VlanId;
pub(super) use crate::zonecfg::{GlobalNic, IpType, Net, ZoneConfig};

/// SmartOS's locked-down protection (netattr).
pub(crate) const PROT: &str = "protection=mac-nospoof,ip-nospoof,restricted,dhcp-nospoof";
/// What a joyent net without attributes gets besides zone=.
pub(crate) const LOCKED: &str =
    "mtu=1500,protection=mac-nospoof,ip-nospoof,restricted,dhcp-nospoof";

pub(crate) use crate::testutil::net;

pub(crate) fn cfg() -> ZoneConfig {
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

pub(crate) use crate::testutil::vnic;

/// The links of [`cfg`]'s netzone nets as joyent made them in web1 (net1 tagged 42 with its
/// fixed MAC), each with the MAC of its [`ready_records`] entry.
pub(crate) fn ready_links() -> Vec<ObservedLink> {
    vec![
        vnic("net0", "e1000g0", "2:8:20:1:1:1", 0, Some("web1")),
        vnic("net1", "e1000g0", "2:8:20:a:b:c", 42, Some("web1")),
        vnic("net2", "e1000g1", "2:8:20:1:1:2", 0, Some("web1")),
    ]
}

/// netzone's records of [`ready_links`], all active.
pub(crate) fn ready_records() -> Vec<JournalLink> {
    vec![
        record(0, ln("net0"), LinkState::Active, "2:8:20:1:1:1"),
        record(1, ln("net1"), LinkState::Active, "2:8:20:a:b:c"),
        record(2, ln("net2"), LinkState::Active, "2:8:20:1:1:2"),
    ]
}

pub(crate) fn lines(p: &Plan) -> Vec<String> {
    p.to_string().lines().map(String::from).collect()
}

/// Draws 2:8:20:0:0:1, 2:8:20:0:0:2, ...
pub(crate) fn counter() -> impl FnMut() -> Mac {
    let mut n = 0u8;
    move || {
        n += 1;
        Mac::with_random_prefix([0, 0, n])
    }
}

pub(crate) fn up(
    c: &ZoneConfig,
    f: Flavour,
    obs: &Observation,
    j: &Journal,
) -> Result<Plan, PlanError> {
    plan_up_with(c, f, obs, j, &mut counter())
}

/// The record netzone keeps for net `i` of [`cfg`] once its link exists with `mac`.
pub(crate) fn record(i: usize, name: LinkName, state: LinkState, mac: &str) -> JournalLink {
    let c = cfg();
    let d = desired_nets(&c).unwrap();
    let mut e = entry_for(&d[i], &zn("web1"), name, state);
    e.mac = mac.parse().ok();
    e
}
