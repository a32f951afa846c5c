//! Simulated illumos host: datalink state of dls and dlmgmtd, zone states, and the
//! `dladm`/`zoneadm`/`zonecfg` command lines, for testing netzone on non-illumos machines.
//!
//! Core modules: [`state`] (the persisted host and its kernel zone table), [`dls`] (the
//! datalink table and its operations), [`lock`], [`log`], [`fault`], [`common`] (start-up of
//! every sim binary).

pub mod common;
pub mod dladm;
pub mod dls;
pub mod fault;
pub mod flowadm;
pub mod lock;
pub mod log;
pub mod route;
pub mod state;

// zoneadm, zoneadmd and zonecfg: [`index`] (etc/zones/index), [`zonecfg`] (zone XML),
// [`brand`] (brand config.xml hooks), [`zoneadmd`] (state transitions, pure), [`vplat`]
// (their effects and the hook runner), [`zoneadm`] and [`zonecfg_cmd`] (the command lines).
pub mod brand;
pub mod index;
pub mod vplat;
pub mod zoneadm;
pub mod zoneadmd;
pub mod zonecfg;
pub mod zonecfg_cmd;
