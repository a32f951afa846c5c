//! MAC addresses as zonecfg `mac-addr` and `dladm create-vnic -m` take them.
//!
//! Explicit addresses are parsed the way libdladm's `_link_aton` reads them (hex octets separated by
//! `:`, one or two digits each) and printed the way `_link_ntoa` does (lowercase, no zero padding:
//! `2:8:20:a:b:c`); see illumos-gate `usr/src/lib/libdladm/common/libdlvnic.c` and
//! `usr/src/cmd/dladm/dladm.c` `do_create_vnic` for the keywords.

use std::fmt;
use std::str::FromStr;

/// An explicit unicast MAC address that a VNIC can carry: not multicast, broadcast or all-zero.
/// `Display` prints it the way dladm does, so values compare equal in show-vnic output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mac([u8; 6]);

/// Why a `mac-addr` value is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MacError {
    #[error("not a MAC address (expected six hex octets separated by ':')")]
    /// Not six hex octets separated by `:`.
    Syntax,
    #[error("multicast or broadcast MAC address cannot be assigned to a VNIC")]
    /// A multicast or broadcast address.
    Multicast,
    #[error("all-zero MAC address cannot be assigned to a VNIC")]
    /// All zeros.
    Zero,
    #[error("'vrrp' needs a VRRP router id (net-attr vrrp_vrid)")]
    /// `vrrp` without a VRRP router id.
    VrrpWithoutVrid,
}

impl Mac {
    /// Builds a MAC from octets, refusing what a VNIC cannot carry.
    pub fn from_octets(o: [u8; 6]) -> Result<Self, MacError> {
        if o == [0; 6] {
            return Err(MacError::Zero);
        }
        if o[0] & 1 == 1 {
            return Err(MacError::Multicast);
        }
        Ok(Mac(o))
    }

    /// The six octets.
    pub fn octets(&self) -> [u8; 6] {
        self.0
    }

    /// A MAC in dladm's random format: the prefix [`RANDOM_PREFIX`] (`2:8:20`, libdlvnic.c
    /// `dladm_vnic_def_prefix`) and three random octets, which is what `create-vnic -m random`
    /// would pick. netzone draws it itself so that the journal can record a link's MAC before
    /// the link exists (the MAC is part of the link's identity, see `crate::identity`).
    pub fn draw_random() -> Mac {
        use std::hash::{BuildHasher, Hasher};
        use std::sync::atomic::{AtomicU64, Ordering};
        // std's RandomState is seeded from the OS's random source; a process-wide counter makes
        // successive draws differ even where the hasher keys repeat.
        static DRAWS: AtomicU64 = AtomicU64::new(0);
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(DRAWS.fetch_add(1, Ordering::Relaxed));
        h.write_u32(std::process::id());
        let r = h.finish().to_le_bytes();
        Mac::with_random_prefix([r[0], r[1], r[2]])
    }

    /// `2:8:20:a:b:c` from `[a, b, c]`.
    pub fn with_random_prefix(tail: [u8; 3]) -> Mac {
        let p = RANDOM_PREFIX;
        Mac([p[0], p[1], p[2], tail[0], tail[1], tail[2]])
    }

    /// Whether the address has dladm's random prefix.
    pub fn has_random_prefix(&self) -> bool {
        self.0[..3] == RANDOM_PREFIX
    }
}

/// dladm's prefix for random MACs (`libdlvnic.c` `dladm_vnic_def_prefix`): locally
/// administered, unicast.
pub const RANDOM_PREFIX: [u8; 3] = [2, 8, 0x20];

/// Six `:`-separated hex octets of one or two digits each, either case (`2:8:20:a:b:c`,
/// `02:08:20:0A:0B:0C`).
impl FromStr for Mac {
    type Err = MacError;
    fn from_str(s: &str) -> Result<Self, MacError> {
        let mut o = [0u8; 6];
        let mut n = 0;
        for part in s.split(':') {
            if n == 6 || part.is_empty() || part.len() > 2 {
                return Err(MacError::Syntax);
            }
            if !part.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(MacError::Syntax);
            }
            o[n] = u8::from_str_radix(part, 16).map_err(|_| MacError::Syntax)?;
            n += 1;
        }
        if n != 6 {
            return Err(MacError::Syntax);
        }
        Mac::from_octets(o)
    }
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = self.0;
        write!(
            f,
            "{:x}:{:x}:{:x}:{:x}:{:x}:{:x}",
            o[0], o[1], o[2], o[3], o[4], o[5]
        )
    }
}

impl serde::Serialize for Mac {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Mac {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// What a net's `mac-addr` asks for: a fixed address, or a keyword that lets the host choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MacSpec {
    /// This address.
    Fixed(Mac),
    /// `random`: dladm generates one with prefix `2:8:20`.
    Random,
    /// `auto` (dladm's default): a factory address if one is free, else random.
    Auto,
    /// `factory`: a factory slot of the lower link.
    Factory,
    /// `vrrp`: the VRRP virtual MAC for `vrid` (needs a VRID).
    Vrrp {
        /// The VRRP router id (1-255).
        vrid: u8,
    },
}

impl MacSpec {
    /// Parses a zonecfg `mac-addr` value. `vrid` is the net's `vrrp-vrid` net-attr, if any.
    pub fn parse(s: &str, vrid: Option<u8>) -> Result<Self, MacError> {
        match s {
            "random" => Ok(MacSpec::Random),
            "auto" => Ok(MacSpec::Auto),
            "factory" => Ok(MacSpec::Factory),
            "vrrp" => vrid
                .map(|vrid| MacSpec::Vrrp { vrid })
                .ok_or(MacError::VrrpWithoutVrid),
            _ => s.parse().map(MacSpec::Fixed),
        }
    }

    /// The explicit address, if this spec names one.
    pub fn fixed(&self) -> Option<Mac> {
        match self {
            MacSpec::Fixed(m) => Some(*m),
            _ => None,
        }
    }
}

impl fmt::Display for MacSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MacSpec::Fixed(m) => m.fmt(f),
            MacSpec::Random => f.write_str("random"),
            MacSpec::Auto => f.write_str("auto"),
            MacSpec::Factory => f.write_str("factory"),
            MacSpec::Vrrp { .. } => f.write_str("vrrp"),
        }
    }
}

impl serde::Serialize for MacSpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_draws_have_the_prefix_and_differ() {
        let draws: std::collections::BTreeSet<Mac> = (0..64).map(|_| Mac::draw_random()).collect();
        assert!(draws.len() > 60, "{draws:?}");
        assert!(draws.iter().all(|m| m.has_random_prefix()));
        assert_eq!(
            Mac::with_random_prefix([10, 11, 12]).to_string(),
            "2:8:20:a:b:c"
        );
        assert!(!"90:b8:d0:c0:ff:ee"
            .parse::<Mac>()
            .unwrap()
            .has_random_prefix());
    }

    fn mac(s: &str) -> Result<Mac, MacError> {
        s.parse()
    }

    #[test]
    fn forms_and_printing() {
        assert_eq!(mac("2:8:20:a:b:c").unwrap().to_string(), "2:8:20:a:b:c");
        assert_eq!(
            mac("02:08:20:0a:0b:0c").unwrap().to_string(),
            "2:8:20:a:b:c"
        );
        assert_eq!(
            mac("02:08:20:0A:0B:0C").unwrap().to_string(),
            "2:8:20:a:b:c"
        );
        assert_eq!(
            mac("90:b8:d0:c0:ff:ee").unwrap().to_string(),
            "90:b8:d0:c0:ff:ee"
        );
        assert_eq!(mac("2:0:0:0:0:0").unwrap().octets(), [2, 0, 0, 0, 0, 0]);
        assert_eq!(
            mac("fe:ff:ff:ff:ff:ff").unwrap().to_string(),
            "fe:ff:ff:ff:ff:ff"
        );
        assert_eq!(mac("02:08:20:0a:0b:0c"), mac("2:8:20:a:b:c"));
    }

    #[test]
    fn syntax_errors() {
        for s in [
            "",
            "2:8:20:a:b",
            "2:8:20:a:b:c:d",
            "2:8:20:a:b:",
            ":2:8:20:a:b",
            "2::8:20:a:b",
            "002:8:20:a:b:c",
            "2:8:20:a:b:g",
            "2-8-20-a-b-c",
            "2.8.20.a.b.c",
            "0208200a0b0c",
            " 2:8:20:a:b:c",
            "2:8:20:a:b:c ",
            "+2:8:20:a:b:c",
            "2:8:20:a:b:-c",
            "fixed",
            "2:8:20:a:b:\u{e9}",
            "0x2:8:20:a:b:c",
        ] {
            assert_eq!(mac(s), Err(MacError::Syntax), "{s:?}");
        }
    }

    #[test]
    fn unassignable_addresses() {
        assert_eq!(mac("0:0:0:0:0:0"), Err(MacError::Zero));
        assert_eq!(mac("00:00:00:00:00:00"), Err(MacError::Zero));
        assert_eq!(mac("ff:ff:ff:ff:ff:ff"), Err(MacError::Multicast));
        assert_eq!(mac("1:0:5e:0:0:1"), Err(MacError::Multicast));
        assert_eq!(mac("33:33:0:0:0:1"), Err(MacError::Multicast));
        assert_eq!(mac("3:0:0:0:0:1"), Err(MacError::Multicast));
        assert!(mac("0:0:0:0:0:1").is_ok(), "one non-zero octet is enough");
        assert_eq!(
            Mac::from_octets([1, 2, 3, 4, 5, 6]),
            Err(MacError::Multicast)
        );
        assert_eq!(Mac::from_octets([0; 6]), Err(MacError::Zero));
    }

    #[test]
    fn keywords() {
        assert_eq!(MacSpec::parse("random", None), Ok(MacSpec::Random));
        assert_eq!(MacSpec::parse("auto", None), Ok(MacSpec::Auto));
        assert_eq!(MacSpec::parse("factory", None), Ok(MacSpec::Factory));
        assert_eq!(
            MacSpec::parse("vrrp", Some(12)),
            Ok(MacSpec::Vrrp { vrid: 12 })
        );
        assert_eq!(MacSpec::parse("vrrp", None), Err(MacError::VrrpWithoutVrid));
        assert_eq!(MacSpec::parse("RANDOM", None), Err(MacError::Syntax));
        assert_eq!(MacSpec::parse("fixed", None), Err(MacError::Syntax));
        let f = MacSpec::parse("02:08:20:01:02:03", None).unwrap();
        assert_eq!(f.fixed(), Some(mac("2:8:20:1:2:3").unwrap()));
        assert_eq!(f.to_string(), "2:8:20:1:2:3");
        assert_eq!(MacSpec::Random.fixed(), None);
        for k in ["random", "auto", "factory"] {
            assert_eq!(MacSpec::parse(k, None).unwrap().to_string(), k);
        }
        assert_eq!(MacSpec::Vrrp { vrid: 1 }.to_string(), "vrrp");
    }

    #[test]
    fn serde() {
        let m = mac("2:8:20:a:b:c").unwrap();
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"2:8:20:a:b:c\"");
        assert_eq!(
            serde_json::from_str::<Mac>("\"02:08:20:0a:0b:0c\"").unwrap(),
            m
        );
        assert!(serde_json::from_str::<Mac>("\"ff:ff:ff:ff:ff:ff\"").is_err());
        assert_eq!(
            serde_json::to_string(&MacSpec::Fixed(m)).unwrap(),
            "\"2:8:20:a:b:c\""
        );
        assert_eq!(serde_json::to_string(&MacSpec::Auto).unwrap(), "\"auto\"");
    }
}
