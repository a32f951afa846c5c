//! A zone's network specification built in code: for a program (a sled agent, say) that manages
//! a zone's links without a zonecfg zone file.
//!
//! [`ZoneSpec`] and [`NetSpec`] take typed values (link names as text, addresses as
//! [`std::net::IpAddr`] with a prefix length, [`Mac`], VLAN id and MTU as numbers) and
//! [`ZoneSpec::build`] runs them through exactly the checks a zone file gets
//! ([`crate::validate`]): link-name rules, VLAN and MTU ranges, assignable unicast MACs,
//! `physical` unique in the zone, a MAC used once in the zone, `address` never with `global-nic`
//! or in an exclusive-IP zone, and so on, every problem reported, not only the first. Only what a
//! network needs is asked for: no brand, no zonepath.
//!
//! ```
//! use std::net::{IpAddr, Ipv4Addr};
//! use netzone::ipprefix::IpPrefix;
//! use netzone::spec::{NetSpec, ZoneSpec};
//!
//! let addr = IpPrefix::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 5)), 24)?;
//! let cfg = ZoneSpec::new("web1")
//!     .net(NetSpec::new("net0").over("e1000g0").vlan(42).mtu(9000).allowed_address(addr))
//!     .build()?;
//! assert_eq!(cfg.name().as_str(), "web1");
//! assert_eq!(cfg.nets()[0].vlan.map(|v| v.get()), Some(42));
//! assert_eq!(cfg.zonepath(), None);
//!
//! // Two nets with one name, and a shared-IP address on a VNIC: both reported.
//! let e = ZoneSpec::new("web1")
//!     .net(NetSpec::new("net0").over("e1000g0"))
//!     .net(NetSpec::new("net0").over("e1000g0").address("10.0.0.6/24"))
//!     .build()
//!     .unwrap_err();
//! assert_eq!(e.problems().len(), 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::net::IpAddr;

use crate::ipprefix::IpPrefix;
use crate::mac::{Mac, MacSpec};
use crate::validate;
use crate::zonecfg::raw::{RawNet, RawNetAttr, RawZone};
use crate::zonecfg::{ConfigError, IpType, ZoneConfig};

/// A zone's networks, as a program describes them. Exclusive-IP unless [`ZoneSpec::ip_type`]
/// says otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneSpec {
    zone: String,
    ip_type: IpType,
    nets: Vec<NetSpec>,
}

/// One network of a [`ZoneSpec`]: a VNIC netzone creates when it has a lower link
/// ([`NetSpec::over`]), otherwise a link the caller provides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetSpec {
    physical: String,
    over: Option<String>,
    address: Option<String>,
    allowed: Vec<IpPrefix>,
    defrouter: Vec<IpAddr>,
    mac: Option<MacSpec>,
    vlan: Option<u16>,
    mtu: Option<u32>,
    attrs: Vec<(String, String)>,
}

impl ZoneSpec {
    /// A spec for zone `zone` with no networks yet. The name is checked by [`ZoneSpec::build`].
    pub fn new(zone: impl AsRef<str>) -> Self {
        ZoneSpec {
            zone: zone.as_ref().to_string(),
            ip_type: IpType::Exclusive,
            nets: Vec::new(),
        }
    }

    /// The zone's IP type (default exclusive; netzone creates links only for exclusive-IP zones).
    pub fn ip_type(mut self, t: IpType) -> Self {
        self.ip_type = t;
        self
    }

    /// Adds a network; its index (which its temporary link name derives from) is its position.
    pub fn net(mut self, net: NetSpec) -> Self {
        self.nets.push(net);
        self
    }

    /// Validates the spec as a zone file would be, returning the configuration that
    /// [`crate::apply`] and [`crate::plan`] take, or every problem found
    /// ([`ConfigError::Invalid`]).
    pub fn build(&self) -> Result<ZoneConfig, ConfigError> {
        validate::network_spec(&self.to_raw()).map_err(|problems| ConfigError::Invalid { problems })
    }

    /// The spec in the zone file's form, so that the file's validation applies unchanged.
    fn to_raw(&self) -> RawZone {
        RawZone {
            name: Some(self.zone.clone()),
            ip_type: Some(self.ip_type.to_string()),
            networks: self.nets.iter().map(NetSpec::to_raw).collect(),
            ..RawZone::default()
        }
    }
}

fn joined<T: ToString>(v: &[T]) -> Option<String> {
    (!v.is_empty()).then(|| v.iter().map(T::to_string).collect::<Vec<_>>().join(","))
}

impl NetSpec {
    /// A network whose link is called `physical` inside the zone.
    pub fn new(physical: impl AsRef<str>) -> Self {
        NetSpec {
            physical: physical.as_ref().to_string(),
            over: None,
            address: None,
            allowed: Vec::new(),
            defrouter: Vec::new(),
            mac: None,
            vlan: None,
            mtu: None,
            attrs: Vec::new(),
        }
    }

    /// The lower link of its VNIC (zonecfg's `global-nic`): netzone creates this net's link.
    pub fn over(mut self, link: impl AsRef<str>) -> Self {
        self.over = Some(link.as_ref().to_string());
        self
    }

    /// A fixed MAC address for the VNIC.
    pub fn mac(mut self, mac: Mac) -> Self {
        self.mac = Some(MacSpec::Fixed(mac));
        self
    }

    /// How the VNIC's MAC is chosen (`random`, `auto`, `factory`, `vrrp`, or a fixed address).
    /// Without one, dladm chooses (as `auto`).
    pub fn mac_spec(mut self, mac: MacSpec) -> Self {
        if let MacSpec::Vrrp { vrid } = mac {
            self.attrs.push(("vrrp_vrid".into(), vrid.to_string()));
        }
        self.mac = Some(mac);
        self
    }

    /// The VLAN id (1-4094; 0 means untagged).
    pub fn vlan(mut self, vid: u16) -> Self {
        self.vlan = Some(vid);
        self
    }

    /// The link's MTU.
    pub fn mtu(mut self, mtu: u32) -> Self {
        self.mtu = Some(mtu);
        self
    }

    /// An address the zone may use on the link (`allowed-address`; repeat for several). On
    /// joyent netzone sets `protection` and `allowed-ips` from them.
    pub fn allowed_address(mut self, addr: impl Into<IpPrefix>) -> Self {
        self.allowed.push(addr.into());
        self
    }

    /// A default router (`defrouter`; repeat for several).
    pub fn defrouter(mut self, addr: IpAddr) -> Self {
        self.defrouter.push(addr);
        self
    }

    /// A shared-IP zone's `address` (an address with optional prefix, or a host name). Not
    /// valid with [`NetSpec::over`] or in an exclusive-IP zone; accepted here so that such a
    /// spec is refused with the zone file's message.
    pub fn address(mut self, addr: impl AsRef<str>) -> Self {
        self.address = Some(addr.as_ref().to_string());
        self
    }

    /// A `<net-attr>` (name unique per net; `mtu` is [`NetSpec::mtu`]'s).
    pub fn attr(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        self.attrs
            .push((name.as_ref().to_string(), value.as_ref().to_string()));
        self
    }

    // `..RawNet::default()`: attributes this spec does not set stay unset, including ones added
    // to the zone file's model later.
    #[allow(clippy::needless_update)]
    fn to_raw(&self) -> RawNet {
        let mut attrs: Vec<RawNetAttr> = self
            .attrs
            .iter()
            .map(|(k, v)| RawNetAttr {
                name: Some(k.clone()),
                value: Some(v.clone()),
            })
            .collect();
        if let Some(m) = self.mtu {
            attrs.push(RawNetAttr {
                name: Some("mtu".into()),
                value: Some(m.to_string()),
            });
        }
        RawNet {
            physical: Some(self.physical.clone()),
            address: self.address.clone(),
            allowed_address: joined(&self.allowed),
            defrouter: joined(&self.defrouter),
            global_nic: self.over.clone(),
            mac_addr: self.mac.map(|m| m.to_string()),
            vlan_id: self.vlan.map(|v| v.to_string()),
            attrs,
            ..RawNet::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dladm::observe::Observation;
    use crate::flavour::Flavour;
    use crate::journal::Journal;
    use crate::plan;
    use crate::testutil::ln;
    use crate::zonecfg::GlobalNic;

    fn lines(e: ConfigError) -> Vec<String> {
        e.lines()
    }

    #[test]
    fn builds_typed_config_without_brand_or_zonepath() {
        let mac: Mac = "2:8:20:a:b:c".parse().unwrap();
        let cfg = ZoneSpec::new("web1")
            .net(
                NetSpec::new("net0")
                    .over("e1000g0")
                    .mac(mac)
                    .vlan(42)
                    .mtu(9000)
                    .allowed_address("10.0.0.5/24".parse::<IpPrefix>().unwrap())
                    .allowed_address("fe80::5".parse::<IpAddr>().unwrap())
                    .defrouter("10.0.0.1".parse().unwrap()),
            )
            .net(NetSpec::new("data0"))
            .build()
            .unwrap();
        assert_eq!(cfg.name().as_str(), "web1");
        assert_eq!(cfg.brand(), None);
        assert_eq!(cfg.zonepath(), None);
        assert_eq!(cfg.ip_type(), IpType::Exclusive);
        let n = &cfg.nets()[0];
        assert_eq!(n.global_nic, Some(GlobalNic::Link(ln("e1000g0"))));
        assert_eq!(n.mac, Some(MacSpec::Fixed(mac)));
        assert_eq!(n.vlan.map(|v| v.get()), Some(42));
        assert_eq!(n.mtu.map(|m| m.get()), Some(9000));
        assert_eq!(
            n.allowed_address
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["10.0.0.5/24", "fe80::5"]
        );
        assert_eq!(n.defrouter, vec!["10.0.0.1".parse::<IpAddr>().unwrap()]);
        assert_eq!(cfg.nets()[1].global_nic, None);
        // The plan takes it like a zone file's configuration.
        let p = plan::plan_up(
            &cfg,
            Flavour::Gate,
            &Observation::default(),
            &Journal::empty(cfg.name()),
        )
        .unwrap();
        assert_eq!(
            p.to_string(),
            "dladm create-vnic -t -l e1000g0 -m 2:8:20:a:b:c -v 42 -p mtu=9000 net0\n\
             dladm set-linkprop -t -p mtu=9000 net0\n"
        );
    }

    #[test]
    fn refuses_what_a_zone_file_would_refuse() {
        let e = ZoneSpec::new("web1")
            .net(NetSpec::new("net0").over("e1000g0"))
            .net(NetSpec::new("net0").over("e1000g1"))
            .build()
            .unwrap_err();
        assert_eq!(
            lines(e),
            ["zone 'web1': net 'net0': physical 'net0': configured more than once in this zone"]
        );
        let e = ZoneSpec::new("web1")
            .net(NetSpec::new("net0").over("e1000g0").address("10.0.0.5/24"))
            .build()
            .unwrap_err();
        assert_eq!(
            lines(e),
            ["zone 'web1': net 'net0': address '10.0.0.5/24': shared-IP address cannot be combined with global-nic (use allowed-address)"]
        );
        let e = ZoneSpec::new("bad zone")
            .net(NetSpec::new("0net").over("e1000g0").vlan(4095).mtu(10))
            .build()
            .unwrap_err();
        let l = lines(e);
        assert_eq!(l.len(), 4, "{l:?}");
        assert!(
            l[0].starts_with("zone 'bad zone': name 'bad zone': "),
            "{l:?}"
        );
        assert!(l.iter().any(|x| x.contains("vlan-id '4095'")), "{l:?}");
        assert!(l.iter().any(|x| x.contains("mtu '10'")), "{l:?}");
        // The same MAC twice in one zone.
        let mac: Mac = "2:8:20:a:b:c".parse().unwrap();
        let e = ZoneSpec::new("web1")
            .net(NetSpec::new("net0").over("e1000g0").mac(mac))
            .net(NetSpec::new("net1").over("e1000g0").mac(mac))
            .build()
            .unwrap_err();
        assert!(lines(e)[0].contains("also used by net 'net0'"));
        // A VNIC in a shared-IP zone.
        let e = ZoneSpec::new("web1")
            .ip_type(IpType::Shared)
            .net(NetSpec::new("net0").over("e1000g0"))
            .build()
            .unwrap_err();
        assert!(lines(e)[0].contains("exclusive IP required"));
        // mac-addr and vlan-id need a VNIC netzone creates.
        let e = ZoneSpec::new("web1")
            .net(NetSpec::new("net0").vlan(5))
            .build()
            .unwrap_err();
        assert!(lines(e)[0].contains("needs global-nic"));
    }

    #[test]
    fn mac_keywords_and_vrrp() {
        let cfg = ZoneSpec::new("web1")
            .net(
                NetSpec::new("net0")
                    .over("e1000g0")
                    .mac_spec(MacSpec::Vrrp { vrid: 7 }),
            )
            .net(
                NetSpec::new("net1")
                    .over("e1000g0")
                    .mac_spec(MacSpec::Random),
            )
            .build()
            .unwrap();
        assert_eq!(cfg.nets()[0].mac, Some(MacSpec::Vrrp { vrid: 7 }));
        assert_eq!(cfg.nets()[1].mac, Some(MacSpec::Random));
    }
}
