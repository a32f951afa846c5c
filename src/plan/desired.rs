//! The nets netzone serves ([`Desired`]: those with a `global-nic`, in an exclusive-IP zone),
//! what `create-vnic` is given for one, whether an observed VNIC is what it asks for, and the
//! journal record a plan writes for it.

use crate::dladm::observe::ObservedLink;
use crate::dladm::VnicSpec;
use crate::flavour::Dialect;
use crate::journal::{JournalLink, LinkState};
use crate::linkname::LinkName;
use crate::mac::MacSpec;
use crate::zonecfg::{GlobalNic, IpType, Net, ZoneConfig};
use crate::zonename::ZoneName;

use super::PlanError;

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

pub(super) fn spec_for(
    d: &Desired<'_>,
    name: LinkName,
    zone: Option<&ZoneName>,
    dialect: &dyn Dialect,
    mac: Option<MacSpec>,
) -> VnicSpec {
    VnicSpec {
        name,
        over: d.over.clone(),
        mac,
        vid: d.net.vlan,
        // joyent: SmartOS's 1500 unless configured, so a zone never inherits a jumbo MTU by
        // accident (statechange's DEFAULT_MTU comment).
        mtu: dialect.create_mtu(d.net),
        props: dialect.vnic_props(d.net),
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

/// The journal entry this plan writes for net `d`.
pub(super) fn entry_for(
    d: &Desired<'_>,
    zone: &ZoneName,
    name: LinkName,
    state: LinkState,
) -> JournalLink {
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

#[cfg(test)]
mod tests {
    use crate::plan::fixtures::*;

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
}
