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
    /// Empty.
    Empty,
    #[error("link name is longer than {MAX_LINK_NAME_LEN} characters")]
    /// Longer than dladm allows.
    TooLong,
    #[error("link name may contain only letters, digits, '_' and '.'")]
    /// A character other than a letter, digit, `_` or `.`.
    BadChar,
    #[error("link name must not start with a digit")]
    /// Starts with a digit.
    LeadingDigit,
    #[error("link name must end in a number")]
    /// Does not end in a number (dladm names are driver name plus instance).
    NoNumber,
    #[error("link name's number must not have a leading zero")]
    /// The number starts with 0 (and is not 0).
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

    /// The name as dladm takes it.
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

#[cfg(test)]
mod tests {
    use super::*;

    fn err(s: &str) -> LinkNameError {
        LinkName::new(s).unwrap_err()
    }

    #[test]
    fn valid_names() {
        for s in [
            "net0",
            "net10",
            "e1000g0",
            "igb0",
            "a0",
            "x0",
            "web01_0",
            "vnic.1",
            "_x0",
            "A9",
            "aggr1",
            "net4294967294",
            "z.0",
            "a_b.c_d0",
        ] {
            assert_eq!(LinkName::new(s).unwrap().as_str(), s, "{s}");
        }
    }

    #[test]
    fn length_boundaries() {
        let n31 = format!("{}1", "a".repeat(30));
        assert_eq!(n31.len(), MAX_LINK_NAME_LEN);
        assert!(LinkName::new(&n31).is_ok());
        let n32 = format!("{}1", "a".repeat(31));
        assert_eq!(n32.len(), 32);
        assert_eq!(err(&n32), LinkNameError::TooLong);
        assert_eq!(err(""), LinkNameError::Empty);
        // dladm.c checks the length before the characters.
        assert_eq!(err(&"-".repeat(40)), LinkNameError::TooLong);
        // Multi-byte characters count in bytes, as strlen does.
        assert_eq!(
            err(&format!("{}0", "\u{e9}".repeat(16))),
            LinkNameError::TooLong
        );
    }

    #[test]
    fn characters() {
        for s in [
            "net-0",
            "net 0",
            "net0;",
            "a;rm0",
            "$(x)0",
            "`id`0",
            "net\n0",
            "n\u{e9}t0",
            "a/b0",
            "a|b0",
            "a&b0",
            "a*0",
            "a:b0",
            "a=0",
        ] {
            assert_eq!(err(s), LinkNameError::BadChar, "{s:?}");
        }
    }

    #[test]
    fn leading_digit_and_trailing_number() {
        assert_eq!(err("0net0"), LinkNameError::LeadingDigit);
        assert_eq!(err("0"), LinkNameError::LeadingDigit);
        assert_eq!(err("9a0"), LinkNameError::LeadingDigit);
        assert_eq!(err("net"), LinkNameError::NoNumber);
        assert_eq!(err("net0a"), LinkNameError::NoNumber);
        assert_eq!(err("_"), LinkNameError::NoNumber);
        assert_eq!(err("net01"), LinkNameError::LeadingZero);
        assert_eq!(err("net00"), LinkNameError::LeadingZero);
        assert_eq!(err("net007"), LinkNameError::LeadingZero);
        assert!(LinkName::new("net0").is_ok());
        assert!(LinkName::new("net100").is_ok());
        assert!(
            LinkName::new("n0t1").is_ok(),
            "only the trailing number counts"
        );
    }

    #[test]
    fn parse_display_serde() {
        let l: LinkName = "net7".parse().unwrap();
        assert_eq!(l.to_string(), "net7");
        assert_eq!(l.as_ref(), "net7");
        assert_eq!(serde_json::to_string(&l).unwrap(), "\"net7\"");
        let back: LinkName = serde_json::from_str("\"net7\"").unwrap();
        assert_eq!(back, l);
        assert!(serde_json::from_str::<LinkName>("\"net07\"").is_err());
    }
}
