//! netzone: transient datalinks for illumos zones, as a library.
//!
//! A brand's state-change hooks call netzone to give an exclusive-IP zone its VNICs at ready and
//! to take them away at halt; the `netzone` command and the hooks are clients of this library,
//! and so can any other program be (a sled agent, say). Everything below is what they use.
//!
//! # A walk through the API
//!
//! 1. **Where to act**: a [`host::Host`] names the tools (dladm, zoneadm, zonecfg, route), the
//!    alternate root under which zone files and netzone's state live, a deadline per child, a
//!    deadline for the per-zone lock, a command prefix (`pfexec`) and extra child environment.
//!    [`flavour::resolve`] tells which dladm it drives (joyent: `rename-link -z`; gate: no `-z`),
//!    or the caller says.
//! 2. **What is wanted**: a zone's networks, either read from its zone file
//!    ([`zonecfg::load`]) or built in code ([`spec::ZoneSpec`]), validated by the same rules
//!    ([`validate`]) into a [`zonecfg::ZoneConfig`] whose values are always usable (typed link
//!    names, MACs, VLAN ids, MTUs, addresses).
//! 3. **Plan, then run**: [`apply::plan`] observes the host once and returns the pure
//!    [`plan::Plan`]: the exact dladm commands, each a [`plan::Step`]. [`apply::up`] /
//!    [`apply::up_with`] run such a plan with every step journalled ([`journal`]) and undo
//!    exactly what the run created if a step fails; [`apply::down`] removes what netzone can
//!    prove it created, identified by name, zone, lower link, VLAN id and MAC ([`identity`]).
//! 4. **What is there**: [`show::gather`] and [`show::classify`] (or [`show::zone_rows`] for one
//!    zone) list every link netzone knows of with its owner and state; [`gc`] removes orphans
//!    only. A program managing zones zoneadm does not know marks them ([`client::manage`]), or
//!    marks single links by their recorded identity ([`client::manage_link`]), so those links
//!    are owned, never orphans.
//! 5. **When it fails**: every error has a `kind()` ([`error::ErrorKind`]: dlmgmtd down, lower
//!    link missing, name taken, MAC in use, timeout, locked, invalid configuration, ...), the
//!    same whichever call met the cause. Plans, steps, outcomes and rows are `serde::Serialize`.
//!
//! The example runs on the simulated illumos host (`sim/` in the repository; `cargo test
//! --workspace` builds it; without its binaries the example says so and stops):
//!
//! ```
//! use netzone::apply::{self, MacPolicy, UpOptions};
//! use netzone::error::ErrorKind;
//! use netzone::flavour::Flavour;
//! use netzone::host::{Host, Tools};
//! use netzone::spec::{NetSpec, ZoneSpec};
//! use netzone::zonename::ZoneName;
//! use netzone::{client, show};
//! # use std::path::PathBuf;
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let target = option_env!("CARGO_TARGET_DIR")
//! #     .map(PathBuf::from)
//! #     .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
//! # let bin = target.join("debug");
//! # if !bin.join("illumos-sim").exists() || !bin.join("sim-dladm").exists() {
//! #     println!("skipped: the simulated host is not built (cargo build -p netzone-sim --bins)");
//! #     return Ok(());
//! # }
//! # let dir = tempfile::tempdir()?;
//! # let root = dir.path();
//! # let st = std::process::Command::new(bin.join("illumos-sim"))
//! #     .args(["init", "--flavour", "gate", "--phys", "e1000g0", "--root"])
//! #     .arg(root)
//! #     .env_remove("ILLUMOS_SIM_FLAVOUR")
//! #     .status()?;
//! # assert!(st.success());
//! # let tools = Tools {
//! #     dladm: bin.join("sim-dladm"),
//! #     zoneadm: bin.join("sim-zoneadm"),
//! #     zonecfg: bin.join("sim-zonecfg"),
//! #     route: bin.join("sim-route"),
//! #     sysinfo: bin.join("sim-sysinfo"),
//! #     flowadm: bin.join("sim-flowadm"),
//! # };
//! // `tools` and `root` name the simulated host; on illumos: `Tools::default()` and "/".
//! let host = Host::new(tools, root)
//!     .with_env("ILLUMOS_SIM_ROOT", root)
//!     .with_lock_timeout(std::time::Duration::from_secs(5));
//! let flavour = Flavour::Gate;
//! let zone = ZoneName::new("db1")?;
//!
//! // This program manages db1 itself: no zonecfg zone, links owned all the same.
//! client::manage(&host, &zone, "walkthrough")?;
//! let cfg = ZoneSpec::new("db1")
//!     .net(NetSpec::new("db1n0").over("e1000g0").vlan(42))
//!     .build()?;
//! let plan = apply::plan(&host, flavour, &cfg)?;
//! assert!(plan.to_string().starts_with("dladm create-vnic -t -l e1000g0 -m 2:8:20:"));
//!
//! // No zone file to write the MAC netzone chose into: take it back instead.
//! let opts = UpOptions { macs: MacPolicy::Return };
//! let outcome = apply::up_with(&host, flavour, &cfg, &opts)?;
//! assert_eq!(outcome.created[0].as_str(), "db1n0");
//! let (_, mac) = &outcome.macs[0];
//!
//! let rows = show::zone_rows(&host, flavour, &zone)?;
//! assert_eq!(rows[0].mac, Some(*mac));
//! assert_eq!(rows[0].state, show::RowState::Ok);
//!
//! // Errors are told apart by kind, not by message.
//! let bad = ZoneSpec::new("db1")
//!     .net(NetSpec::new("db1n0").over("e1000g0").vlan(42))
//!     .net(NetSpec::new("db1n1").over("nosuch0"))
//!     .build()?;
//! let err = apply::up_with(&host, flavour, &bad, &opts).unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::LowerLinkMissing);
//!
//! let outcome = apply::down(&host, flavour, &zone)?;
//! assert_eq!(outcome.removed[0].as_str(), "db1n0");
//! client::release(&host, &zone)?;
//! # Ok(()) }
//! ```
//!
//! `examples/agent.rs` is the same story as a program (`cargo run --example agent`). The
//! library needs neither clap nor anyhow: depend on it with `default-features = false`.

#![warn(missing_docs)]

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
pub mod hostcheck;
pub mod identity;
pub mod ipprefix;
pub mod journal;
pub mod linkname;
pub mod live;
pub mod mac;
pub mod mtu;
pub mod netattr;
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
