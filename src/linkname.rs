//! Datalink names as dladm accepts them.
//!
//! Rules from illumos-gate `usr/src/lib/libdladm/common/libdladm.c` `dladm_valid_linkname()` and
//! `usr/src/uts/common/sys/param.h` (`MAXLINKNAMELEN` = 32): at most 31 bytes of `[A-Za-z0-9_.]`,
//! not starting with a digit, ending in a number with no leading zero unless it is `0`.

use std::fmt;
use std::str::FromStr;

/// Longest valid link name (`MAXLINKNAMELEN - 1`).
pub const MAX_LINK_NAME_LEN: usize = 31;

/// A name that dladm and dlmgmtd will accept. Every name netzone passes to dladm is one of these,
/// so nothing from a zone configuration reaches argv unchecked.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkName(String);

/// Why a string is not a valid link name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkNameError {
    #[error("link name is empty")]
    Empty,
    #[error("link name is longer than {MAX_LINK_NAME_LEN} characters")]
    TooLong,
    #[error("link name may contain only letters, digits, '_' and '.'")]
    BadChar,
    #[error("link name must not start with a digit")]
    LeadingDigit,
    #[error("link name must end in a number")]
    NoNumber,
    #[error("link name's number must not have a leading zero")]
    LeadingZero,
}

impl LinkName {
    /// Checks `s` against dladm's rules.
    pub fn new(s: &str) -> Result<Self, LinkNameError> {
        if s.is_empty() {
            return Err(LinkNameError::Empty);
        }
        // dladm.c tests the length before validity, so a long name with bad characters is "too long".
        if s.len() > MAX_LINK_NAME_LEN {
            return Err(LinkNameError::TooLong);
        }
        let b = s.as_bytes();
        if !b
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'.')
        {
            return Err(LinkNameError::BadChar);
        }
        if b[0].is_ascii_digit() {
            return Err(LinkNameError::LeadingDigit);
        }
        let digits = b.iter().rev().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return Err(LinkNameError::NoNumber);
        }
        let num = &b[b.len() - digits..];
        if num.len() > 1 && num[0] == b'0' {
            return Err(LinkNameError::LeadingZero);
        }
        Ok(LinkName(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for LinkName {
    type Err = LinkNameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LinkName::new(s)
    }
}

impl fmt::Display for LinkName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for LinkName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl serde::Serialize for LinkName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for LinkName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        LinkName::new(&s).map_err(serde::de::Error::custom)
    }
}
