//! Zone names as zonecfg accepts them (illumos-gate `usr/src/lib/libzonecfg/common/libzonecfg.c`
//! `zonecfg_validate_zonename`: at most 63 characters (`ZONENAME_MAX` 64), starting with an
//! alphanumeric, then alphanumerics, `-`, `_` and `.`; `global` and names starting `SUNW` are reserved).

use std::fmt;

/// A non-global zone's name. Every zone name netzone passes to zoneadm or dladm (or uses in a
/// path under `/etc/zones`) is one of these, so it cannot carry `/`, spaces or shell syntax.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct ZoneName(String);

/// Why a string is not a usable zone name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZoneNameError {
    #[error("zone name is empty")]
    /// Empty.
    Empty,
    #[error("zone name is longer than 63 characters")]
    /// Longer than 63 characters.
    TooLong,
    #[error("zone name must start with a letter or digit and contain only letters, digits, '-', '_' and '.'")]
    /// A character zoneadm does not allow, or a bad first character.
    BadChar,
    #[error("zone name is reserved")]
    /// A name illumos reserves (`global`, or starting with `SUNW`).
    Reserved,
}

impl ZoneName {
    /// `ZONENAME_MAX - 1`.
    pub const MAX_LEN: usize = 63;

    /// Checks `s` against zonecfg's rules.
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

    /// The name as zoneadm takes it.
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

impl AsRef<str> for ZoneName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(s: &str) -> ZoneNameError {
        ZoneName::new(s).unwrap_err()
    }

    #[test]
    fn valid() {
        for s in [
            "web1",
            "a",
            "1zone",
            "web-01",
            "db_1",
            "z.example.com",
            "Global",
            "SUNx",
        ] {
            assert_eq!(ZoneName::new(s).unwrap().as_str(), s);
        }
        let max = "z".repeat(ZoneName::MAX_LEN);
        assert!(ZoneName::new(&max).is_ok());
    }

    #[test]
    fn invalid() {
        assert_eq!(err(""), ZoneNameError::Empty);
        assert_eq!(err(&"z".repeat(64)), ZoneNameError::TooLong);
        for s in [
            "-web",
            "_web",
            ".web",
            "web 1",
            "web/1",
            "../etc",
            "web;rm",
            "$(id)",
            "`id`",
            "a|b",
            "we\u{e9}b",
            "web\n",
            "a:b",
        ] {
            assert_eq!(err(s), ZoneNameError::BadChar, "{s:?}");
        }
        assert_eq!(err("global"), ZoneNameError::Reserved);
        assert_eq!(err("SUNWdefault"), ZoneNameError::Reserved);
        assert_eq!(err("SUNW"), ZoneNameError::Reserved);
    }

    #[test]
    fn serde_and_display() {
        let z: ZoneName = "web1".parse().unwrap();
        assert_eq!(z.to_string(), "web1");
        assert_eq!(serde_json::to_string(&z).unwrap(), "\"web1\"");
        assert_eq!(serde_json::from_str::<ZoneName>("\"web1\"").unwrap(), z);
        assert!(serde_json::from_str::<ZoneName>("\"global\"").is_err());
    }
}
