//! VLAN ids as `dladm create-vnic -v` accepts them: 1..4094 (illumos-gate
//! `usr/src/cmd/dladm/dladm.c` `do_create_vnic`, "invalid VLAN identifier"). In zonecfg,
//! `vlan-id` absent or `0` means untagged, so the untagged case is `Option<VlanId>::None`.

use std::fmt;

/// A tagged VLAN id, 1..=4094.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct VlanId(u16);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("VLAN id must be 1-4094")]
pub struct VlanIdError;

impl VlanId {
    pub const MIN: u16 = 1;
    pub const MAX: u16 = 4094;

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

    pub fn get(self) -> u16 {
        self.0
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
