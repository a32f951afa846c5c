//! Simulated illumos host: datalink state of dls and dlmgmtd, zone states, and the
//! `dladm`/`zoneadm`/`zonecfg` command lines, for testing netzone on non-illumos machines.

pub mod brand;
pub mod index;
pub mod zonecfg;
