//! VLAN ids as `dladm create-vnic -v` accepts them: 1..4094 (illumos-gate
//! `usr/src/cmd/dladm/dladm.c` `do_create_vnic`, "invalid VLAN identifier"). In zonecfg,
//! `vlan-id` absent or `0` means untagged, so the untagged case is `Option<VlanId>::None`.

use std::fmt;

/// A tagged VLAN id, 1..=4094.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct VlanId(u16);

/// Why a VLAN id is refused (the message is the one netzone's contract quotes).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("VLAN id must be 1-4094")]
pub struct VlanIdError;

impl VlanId {
    /// Smallest VLAN id (0 means untagged and is not a `VlanId`).
    pub const MIN: u16 = 1;
    /// Largest VLAN id (4095 is reserved).
    pub const MAX: u16 = 4094;

    /// A tagged id; 0 and 4095 (reserved by 802.1Q) and above are refused.
    pub fn new(v: u16) -> Result<Self, VlanIdError> {
        if (Self::MIN..=Self::MAX).contains(&v) {
            Ok(VlanId(v))
        } else {
            Err(VlanIdError)
        }
    }

    /// Parses a zonecfg `vlan-id` value: empty or `0` is untagged (`None`).
    pub fn parse_zonecfg(s: &str) -> Result<Option<VlanId>, VlanIdError> {
        if s.is_empty() {
            return Ok(None);
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) || s.len() > 5 {
            return Err(VlanIdError);
        }
        let v: u16 = s.parse().map_err(|_| VlanIdError)?;
        if v == 0 {
            Ok(None)
        } else {
            VlanId::new(v).map(Some)
        }
    }

    /// The numeric id.
    pub fn get(self) -> u16 {
        self.0
    }
}

/// A tagged id in decimal, as `dladm create-vnic -v` takes it: `0` is refused here (use
/// [`VlanId::parse_zonecfg`] for zonecfg's "0 means untagged").
impl std::str::FromStr for VlanId {
    type Err = VlanIdError;
    fn from_str(s: &str) -> Result<Self, VlanIdError> {
        if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(VlanIdError);
        }
        VlanId::new(s.parse().map_err(|_| VlanIdError)?)
    }
}

impl fmt::Display for VlanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl<'de> serde::Deserialize<'de> for VlanId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        VlanId::new(u16::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_boundaries() {
        assert_eq!(VlanId::new(0), Err(VlanIdError));
        assert_eq!(VlanId::new(1).unwrap().get(), 1);
        assert_eq!(VlanId::new(4094).unwrap().get(), 4094);
        assert_eq!(VlanId::new(4095), Err(VlanIdError));
        assert_eq!(VlanId::new(u16::MAX), Err(VlanIdError));
    }

    #[test]
    fn zonecfg_values() {
        assert_eq!(VlanId::parse_zonecfg(""), Ok(None));
        assert_eq!(VlanId::parse_zonecfg("0"), Ok(None), "0 is untagged");
        assert_eq!(VlanId::parse_zonecfg("1").unwrap().unwrap().get(), 1);
        assert_eq!(VlanId::parse_zonecfg("42").unwrap().unwrap().get(), 42);
        assert_eq!(VlanId::parse_zonecfg("4094").unwrap().unwrap().get(), 4094);
        for bad in [
            "4095",
            "4096",
            "65535",
            "65536",
            "99999",
            "100000",
            "-1",
            "-0",
            "+1",
            "abc",
            "1a",
            " 1",
            "1 ",
            "0x10",
            "1.0",
            "\u{664}",
            "18446744073709551616",
        ] {
            assert_eq!(VlanId::parse_zonecfg(bad), Err(VlanIdError), "{bad:?}");
        }
    }

    #[test]
    fn from_str_and_display() {
        assert_eq!("1".parse::<VlanId>().unwrap().to_string(), "1");
        assert_eq!("4094".parse::<VlanId>().unwrap().to_string(), "4094");
        for bad in ["0", "4095", "", "-1", "abc", "00001"] {
            assert_eq!(bad.parse::<VlanId>(), Err(VlanIdError), "{bad:?}");
        }
        assert_eq!(VlanIdError.to_string(), "VLAN id must be 1-4094");
    }

    #[test]
    fn serde() {
        let v = VlanId::new(3317).unwrap();
        assert_eq!(serde_json::to_string(&v).unwrap(), "3317");
        assert_eq!(serde_json::from_str::<VlanId>("3317").unwrap(), v);
        assert!(serde_json::from_str::<VlanId>("0").is_err());
        assert!(serde_json::from_str::<VlanId>("4095").is_err());
    }
}
