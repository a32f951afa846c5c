//! Zone names as zonecfg accepts them (illumos-gate `usr/src/lib/libzonecfg/common/libzonecfg.c`
//! `zonecfg_validate_zonename`: at most 63 characters (`ZONENAME_MAX` 64), starting with an
//! alphanumeric, then alphanumerics, `-`, `_` and `.`; `global` and names starting `SUNW` are reserved).

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct ZoneName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZoneNameError {
    #[error("zone name is empty")]
    Empty,
    #[error("zone name is longer than 63 characters")]
    TooLong,
    #[error("zone name must start with a letter or digit and contain only letters, digits, '-', '_' and '.'")]
    BadChar,
    #[error("zone name is reserved")]
    Reserved,
}

impl ZoneName {
    pub const MAX_LEN: usize = 63;

    pub fn new(s: &str) -> Result<Self, ZoneNameError> {
        if s.is_empty() {
            return Err(ZoneNameError::Empty);
        }
        if s.len() > Self::MAX_LEN {
            return Err(ZoneNameError::TooLong);
        }
        let b = s.as_bytes();
        if !b[0].is_ascii_alphanumeric()
            || !b
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        {
            return Err(ZoneNameError::BadChar);
        }
        if s == "global" || s.starts_with("SUNW") {
            return Err(ZoneNameError::Reserved);
        }
        Ok(ZoneName(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for ZoneName {
    type Err = ZoneNameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ZoneName::new(s)
    }
}

impl fmt::Display for ZoneName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for ZoneName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ZoneName::new(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}
