//! netzone: transient datalinks for illumos zones.
//!
//! A brand's state-change hooks call netzone to give an exclusive-IP zone its VNICs at ready,
//! and to take them away at halt. See the README for the design.

pub mod apply;
pub mod brand;
pub mod client;
pub mod conflicts;
pub mod dladm;
pub mod error;
pub mod flavour;
pub mod gc;
pub mod globalnic;
pub mod hook;
pub mod host;
pub mod identity;
pub mod ipprefix;
pub mod journal;
pub mod linkname;
pub mod mac;
pub mod mtu;
pub mod output;
pub mod plan;
pub mod recover;
pub mod show;
pub mod signals;
pub mod spec;
pub mod syslog;
pub mod tempname;
#[cfg(test)]
mod testutil;
pub mod validate;
pub mod vlan;
pub mod zoneadm;
pub mod zonecfg;
pub mod zonecfg_write;
pub mod zoneindex;
pub mod zonename;
