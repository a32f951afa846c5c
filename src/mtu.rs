//! Link MTU as the `mtu` link property accepts it: 68..=65536 (illumos `dladm.8`, "mtu").

use std::fmt;

/// A link MTU netzone may set on a VNIC it creates (the net's `mtu` net-attr).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Mtu(u32);

/// Why an MTU is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("MTU must be 68-65536")]
pub struct MtuError;

impl Mtu {
    /// Smallest MTU accepted (IPv4's minimum datagram size).
    pub const MIN: u32 = 68;
    /// Largest MTU accepted.
    pub const MAX: u32 = 65536;

    /// Checks the range; the lower link may still refuse a value above its own maximum.
    pub fn new(v: u32) -> Result<Self, MtuError> {
        if (Self::MIN..=Self::MAX).contains(&v) {
            Ok(Mtu(v))
        } else {
            Err(MtuError)
        }
    }

    /// The MTU in bytes.
    pub fn get(self) -> u32 {
        self.0
    }
}

/// Decimal digits only (no sign, no spaces), as zonecfg stores the net-attr.
impl std::str::FromStr for Mtu {
    type Err = MtuError;
    fn from_str(s: &str) -> Result<Self, MtuError> {
        if s.is_empty() || s.len() > 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MtuError);
        }
        Mtu::new(s.parse().map_err(|_| MtuError)?)
    }
}

impl fmt::Display for Mtu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Mtu {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Mtu::new(u32::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_boundaries() {
        assert_eq!(Mtu::new(0), Err(MtuError));
        assert_eq!(Mtu::new(67), Err(MtuError));
        assert_eq!(Mtu::new(68).unwrap().get(), 68);
        assert_eq!(Mtu::new(1500).unwrap().get(), 1500);
        assert_eq!(Mtu::new(65536).unwrap().get(), 65536);
        assert_eq!(Mtu::new(65537), Err(MtuError));
        assert_eq!(Mtu::new(u32::MAX), Err(MtuError));
    }

    #[test]
    fn from_str() {
        assert_eq!("68".parse::<Mtu>().unwrap().get(), 68);
        assert_eq!("9000".parse::<Mtu>().unwrap().to_string(), "9000");
        assert_eq!("65536".parse::<Mtu>().unwrap().get(), 65536);
        for bad in [
            "",
            "67",
            "65537",
            "0",
            "-1500",
            "+1500",
            "1500 ",
            " 1500",
            "15e2",
            "abc",
            "1000000",
            "4294967296",
            "1500.0",
        ] {
            assert_eq!(bad.parse::<Mtu>(), Err(MtuError), "{bad:?}");
        }
        assert_eq!(MtuError.to_string(), "MTU must be 68-65536");
    }

    #[test]
    fn serde() {
        assert_eq!(
            serde_json::to_string(&Mtu::new(9000).unwrap()).unwrap(),
            "9000"
        );
        assert_eq!(serde_json::from_str::<Mtu>("68").unwrap().get(), 68);
        assert!(serde_json::from_str::<Mtu>("67").is_err());
    }
}
