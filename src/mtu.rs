//! Link MTU as the `mtu` link property accepts it: 68..=65536 (illumos `dladm.8`, "mtu").

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Mtu(u32);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("MTU must be 68-65536")]
pub struct MtuError;

impl Mtu {
    pub const MIN: u32 = 68;
    pub const MAX: u32 = 65536;

    pub fn new(v: u32) -> Result<Self, MtuError> {
        if (Self::MIN..=Self::MAX).contains(&v) {
            Ok(Mtu(v))
        } else {
            Err(MtuError)
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

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
