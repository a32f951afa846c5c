//! An IP address with an optional prefix length: zonecfg's `allowed-address` form
//! (`10.0.0.5/24`, `fe80::1`).
//!
//! The prefix length, when given, is the zone's netmask for the address, not a range the zone may
//! use: netzone passes only the address to dladm's `allowed-ips`.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// `addr[/prefix]`, IPv4 or IPv6, with the prefix length in range for the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IpPrefix {
    addr: IpAddr,
    prefix: Option<u8>,
}

/// Why a string or a pair is not an [`IpPrefix`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IpPrefixError {
    /// The part before `/` is not an IPv4 or IPv6 address.
    #[error("not an IP address (expected addr or addr/prefix)")]
    Address,
    /// The prefix length is not a decimal number within the family's range.
    #[error("prefix length must be 0-{max}")]
    Prefix {
        /// 32 for IPv4, 128 for IPv6.
        max: u8,
    },
}

fn max_prefix(addr: &IpAddr) -> u8 {
    if addr.is_ipv4() {
        32
    } else {
        128
    }
}

impl IpPrefix {
    /// An address with no prefix length.
    pub fn host(addr: IpAddr) -> Self {
        IpPrefix { addr, prefix: None }
    }

    /// An address with prefix length `prefix` (0-32 for IPv4, 0-128 for IPv6).
    pub fn new(addr: IpAddr, prefix: u8) -> Result<Self, IpPrefixError> {
        let max = max_prefix(&addr);
        if prefix > max {
            return Err(IpPrefixError::Prefix { max });
        }
        Ok(IpPrefix {
            addr,
            prefix: Some(prefix),
        })
    }

    /// The address.
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length, if one was given.
    pub fn prefix(&self) -> Option<u8> {
        self.prefix
    }
}

impl From<IpAddr> for IpPrefix {
    fn from(addr: IpAddr) -> Self {
        IpPrefix::host(addr)
    }
}

impl FromStr for IpPrefix {
    type Err = IpPrefixError;

    /// `addr` or `addr/prefix`; the prefix is 1-3 decimal digits, no sign, no spaces.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| IpPrefixError::Address)?;
        match prefix {
            None => Ok(IpPrefix::host(addr)),
            Some(p) => {
                let max = max_prefix(&addr);
                let digits = !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit());
                match p.parse::<u8>() {
                    Ok(n) if digits => IpPrefix::new(addr, n),
                    _ => Err(IpPrefixError::Prefix { max }),
                }
            }
        }
    }
}

impl fmt::Display for IpPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.prefix {
            Some(p) => write!(f, "{}/{p}", self.addr),
            None => self.addr.fmt(f),
        }
    }
}

impl serde::Serialize for IpPrefix {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for IpPrefix {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        for ok in [
            "10.0.0.1",
            "10.0.0.1/0",
            "10.0.0.1/32",
            "fe80::1",
            "fe80::1/128",
            "::/0",
        ] {
            let p: IpPrefix = ok.parse().unwrap();
            assert_eq!(p.to_string(), ok);
        }
        let p: IpPrefix = "10.0.0.5/24".parse().unwrap();
        assert_eq!(p.addr().to_string(), "10.0.0.5");
        assert_eq!(p.prefix(), Some(24));
        for bad in [
            "",
            "10.0.0.1/33",
            "fe80::1/129",
            "10.0.0.1/",
            "10.0.0.1/-1",
            "10.0.0.1/+8",
            "10.0.0.1/0008",
            "10.0.0",
            "host/24",
            "10.0.0.1 /24",
        ] {
            assert!(bad.parse::<IpPrefix>().is_err(), "{bad}");
        }
        assert_eq!(
            "10.0.0.1/33".parse::<IpPrefix>().unwrap_err().to_string(),
            "prefix length must be 0-32"
        );
        let v6: IpAddr = "fe80::1".parse().unwrap();
        assert!(IpPrefix::new(v6, 128).is_ok());
        assert_eq!(
            IpPrefix::new(v6, 129),
            Err(IpPrefixError::Prefix { max: 128 })
        );
    }
}
