//! MAC addresses as zonecfg `mac-addr` and `dladm create-vnic -m` take them.
//!
//! Explicit addresses are parsed the way libdladm's `_link_aton` reads them (hex octets separated by
//! `:`, one or two digits each) and printed the way `_link_ntoa` does (lowercase, no zero padding:
//! `2:8:20:a:b:c`); see illumos-gate `usr/src/lib/libdladm/common/libdlvnic.c` and
//! `usr/src/cmd/dladm/dladm.c` `do_create_vnic` for the keywords.

use std::fmt;
use std::str::FromStr;

/// An explicit unicast MAC address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mac([u8; 6]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MacError {
    #[error("not a MAC address (expected six hex octets separated by ':')")]
    Syntax,
    #[error("multicast or broadcast MAC address cannot be assigned to a VNIC")]
    Multicast,
    #[error("all-zero MAC address cannot be assigned to a VNIC")]
    Zero,
    #[error("'vrrp' needs a VRID (net-attr vrrp-vrid)")]
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

    pub fn octets(&self) -> [u8; 6] {
        self.0
    }
}

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
    Fixed(Mac),
    /// `random`: dladm generates one with prefix `2:8:20`.
    Random,
    /// `auto` (dladm's default): a factory address if one is free, else random.
    Auto,
    /// `factory`: a factory slot of the lower link.
    Factory,
    /// `vrrp`: the VRRP virtual MAC for `vrid` (needs a VRID).
    Vrrp {
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
