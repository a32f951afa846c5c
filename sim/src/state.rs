//! The whole persisted state of one simulated illumos host: the kernel's zone table (only
//! what zoneadmd and dls need: id, state, IP type), the datalink table kept jointly by dls
//! (`usr/src/uts/common/io/dls/dls_mgmt.c`) and dlmgmtd (`usr/src/cmd/dlmgmtd/dlmgmt_db.c`),
//! whether dlmgmtd is running, pending injected faults and the id counters.
//!
//! Every sim command runs under [`Host::with_locked`]: it takes the exclusive lock
//! `ROOT/var/sim/state.lock`, loads `ROOT/var/sim/state.json`, runs, and writes the state
//! back atomically (temp file + rename), so concurrent commands serialise the way the
//! kernel and dlmgmtd's door serialise real ones.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::dls::{DlStatus, Link};
use crate::fault::Fault;
use crate::lock::StateLock;

/// Name of the global zone; its zone id is 0 (`GLOBAL_ZONEID`, `usr/src/uts/common/sys/zone.h`).
pub const GLOBAL: &str = "global";

/// Environment variable that overrides the stored flavour.
pub const FLAVOUR_ENV: &str = "ILLUMOS_SIM_FLAVOUR";

/// Which illumos distribution's dladm/dlmgmtd/zoneadmd semantics to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Flavour {
    /// illumos-joyent (SmartOS): `-z` on dladm, transient links from `-t` + `zone=`.
    #[default]
    Joyent,
    /// illumos-gate (upstream, OmniOS, Helios): no `-z`, loaned links cannot be renamed.
    Gate,
}

impl Flavour {
    pub fn parse(s: &str) -> Option<Flavour> {
        match s {
            "joyent" => Some(Flavour::Joyent),
            "gate" => Some(Flavour::Gate),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Flavour::Joyent => "joyent",
            Flavour::Gate => "gate",
        }
    }
}

/// Kernel zone states that exist once a zone has a kernel instance (`zone_status_t` in
/// `usr/src/uts/common/sys/zone.h`, as libzonecfg maps them to `zone_state_t`): a zone that is
/// merely installed has no `KZone`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneState {
    Ready,
    Running,
    ShuttingDown,
    Down,
}

impl ZoneState {
    /// The zoneadm/libzonecfg name of the state (`zone_state_str`).
    pub fn as_str(self) -> &'static str {
        match self {
            ZoneState::Ready => "ready",
            ZoneState::Running => "running",
            ZoneState::ShuttingDown => "shutting_down",
            ZoneState::Down => "down",
        }
    }

    /// The number brand hooks receive (`zone_state_t`: READY 3, RUNNING 4, SHUTTING_DOWN 5, DOWN 6).
    pub fn number(self) -> u32 {
        match self {
            ZoneState::Ready => 3,
            ZoneState::Running => 4,
            ZoneState::ShuttingDown => 5,
            ZoneState::Down => 6,
        }
    }
}

/// The zone's IP stack type (`ZF_NET_EXCL` in the kernel zone flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IpType {
    Excl,
    Shared,
}

/// A zone that exists in the kernel (created by `zone_create`, vplat.c `vplat_create`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KZone {
    pub name: String,
    pub id: u32,
    pub state: ZoneState,
    pub ip_type: IpType,
}

/// Errors from the zone-table operations of [`Host`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZoneError {
    /// `zone_create` with a name that already has a kernel zone (EEXIST).
    Exists,
    /// No kernel zone of that name.
    NoSuchZone,
    /// The name `global` is reserved.
    Reserved,
}

impl std::fmt::Display for ZoneError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ZoneError::Exists => f.write_str("zone already exists"),
            ZoneError::NoSuchZone => f.write_str("no such zone"),
            ZoneError::Reserved => f.write_str("the global zone cannot be created"),
        }
    }
}

impl std::error::Error for ZoneError {}

/// The persisted state of the whole simulated host.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Host {
    /// Flavour chosen at `illumos-sim init`; see [`Host::flavour`] for the effective one.
    pub stored_flavour: Flavour,
    /// Whether dlmgmtd's door answers (`svcadm disable datalink-management` or a crash makes it
    /// `false`).
    pub dlmgmtd_online: bool,
    /// Kernel zones other than the global zone.
    pub zones: Vec<KZone>,
    /// Every datalink, in any zone's namespace.
    pub links: Vec<Link>,
    /// Injected faults not yet fired.
    pub faults: Vec<Fault>,
    /// Next zone id `zone_create` hands out (the global zone is 0).
    pub next_zone_id: u32,
    /// Next datalink id dlmgmtd hands out (`dlmgmt_create_common`; the id space is global).
    pub next_link_id: u32,
    /// SmartOS nic tags: tag name to link name (what `sysinfo -p` prints as `NIC_<tag>`;
    /// set with `illumos-sim nictag`).
    #[serde(default)]
    pub nictags: std::collections::BTreeMap<String, String>,
    /// Flows (`sim-flowadm add-flow`), each on a link; a flow whose link is gone is dropped
    /// when the state is saved (the kernel removes a link's flows with it).
    #[serde(default)]
    pub flows: Vec<crate::flowadm::Flow>,
    /// The IP routing table `route -n get` answers from (`illumos-sim route`).
    #[serde(default)]
    pub routes: Vec<crate::route::Route>,
    /// When the simulated host last booted (unix seconds; `illumos-sim init` and `reboot`).
    #[serde(default)]
    pub boot_time: u64,
    /// Links whose active instance was deleted with `-t` while their persistent configuration
    /// stays in `/etc/dladm/datalink.conf` (dlmgmtd keeps the entry with only
    /// `DLMGMT_PERSIST`; `dladm_vnic_delete` with `DLADM_OPT_ACTIVE` alone): invisible to
    /// active walks, their names still taken, back at the next boot.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub persistent_only: Vec<Link>,
}

/// Empties `ROOT/etc/svc/volatile` (a tmpfs on illumos, fresh at every boot), keeping the
/// directory itself.
pub fn empty_volatile(root: &Path) -> io::Result<()> {
    let dir = root.join("etc/svc/volatile");
    let entries = match fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for e in entries {
        let e = e?;
        let p = e.path();
        if e.file_type()?.is_dir() {
            fs::remove_dir_all(&p)?;
        } else {
            fs::remove_file(&p)?;
        }
    }
    Ok(())
}

/// The current time in unix seconds.
pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Paths of the sim's own files under an illumos-like root.
pub fn sim_dir(root: &Path) -> PathBuf {
    root.join("var/sim")
}
pub fn state_path(root: &Path) -> PathBuf {
    sim_dir(root).join("state.json")
}
pub fn lock_path(root: &Path) -> PathBuf {
    sim_dir(root).join("state.lock")
}

impl Host {
    /// An empty host: dlmgmtd online, no links, no zones.
    pub fn new(flavour: Flavour) -> Host {
        Host {
            stored_flavour: flavour,
            dlmgmtd_online: true,
            zones: Vec::new(),
            links: Vec::new(),
            faults: Vec::new(),
            next_zone_id: 1,
            next_link_id: 1,
            nictags: Default::default(),
            flows: Vec::new(),
            routes: Vec::new(),
            boot_time: now_secs(),
            persistent_only: Vec::new(),
        }
    }

    /// The effective flavour: `ILLUMOS_SIM_FLAVOUR` wins over the stored one.
    pub fn flavour(&self) -> Flavour {
        std::env::var(FLAVOUR_ENV)
            .ok()
            .and_then(|v| Flavour::parse(v.trim()))
            .unwrap_or(self.stored_flavour)
    }

    /// Writes a fresh state (used by `illumos-sim init`), under the lock.
    pub fn create(root: &Path, host: &Host) -> io::Result<()> {
        fs::create_dir_all(sim_dir(root))?;
        let _lock = StateLock::acquire(&lock_path(root))?;
        host.save(root)
    }

    /// Loads the state without taking the lock (for callers that already hold it).
    pub fn load(root: &Path) -> io::Result<Host> {
        let path = state_path(root);
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    format!(
                        "{}: no simulated host here (run `illumos-sim init --root {}`)",
                        path.display(),
                        root.display()
                    ),
                ))
            }
            Err(e) => return Err(e),
        };
        serde_json::from_str(&text).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: corrupt state: {e}", path.display()),
            )
        })
    }

    /// Saves atomically: write a temp file in the same directory, fsync, rename over.
    pub fn save(&self, root: &Path) -> io::Result<()> {
        let dir = sim_dir(root);
        let tmp = dir.join(format!("state.json.tmp.{}", std::process::id()));
        let mut text = serde_json::to_string_pretty(self).map_err(io::Error::other)?;
        text.push('\n');
        {
            let mut f = fs::File::create(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
        }
        fs::rename(&tmp, state_path(root))
    }

    /// Runs `f` on the state under the exclusive state lock and saves the result atomically
    /// (skipped when `f` changed nothing). The lock is held for the whole of `f`.
    pub fn with_locked<R>(root: &Path, f: impl FnOnce(&mut Host) -> R) -> io::Result<R> {
        let _lock = StateLock::acquire(&lock_path(root))?;
        let mut host = Host::load(root)?;
        let before = serde_json::to_value(&host).map_err(io::Error::other)?;
        let r = f(&mut host);
        // A link's flows go with it (mac_flow: the flows of a MAC client are torn down when
        // the link is), however it went: delete-vnic, a zone's halt, a reboot.
        let ids: Vec<u32> = host.links.iter().map(|l| l.id).collect();
        host.flows.retain(|fl| ids.contains(&fl.link));
        let after = serde_json::to_value(&host).map_err(io::Error::other)?;
        if before != after {
            host.save(root)?;
        }
        Ok(r)
    }

    /// The documented `illumos-sim state --json` view (see sim/README.md): zones with
    /// name/id/state, links with name/zone/class/over/macaddress/vid/mtu/transient/temporary
    /// (plus id, onloan, macaddrtype and props), `zone` being `global` for global-zone links.
    pub fn public_json(&self) -> serde_json::Value {
        use serde_json::json;
        let mut links: Vec<&crate::dls::Link> = self.links.iter().collect();
        links.sort_by_key(|l| l.id);
        json!({
            "flavour": self.flavour().as_str(),
            "dlmgmtd": if self.dlmgmtd_online { "online" } else { "offline" },
            "boot_time": self.boot_time,
            "routes": self.routes.iter().map(|r| json!({
                "destination": format!("{}/{}", r.dest, r.prefix),
                "gateway": r.gateway.map(|g| g.to_string()),
                "interface": r.interface,
            })).collect::<Vec<_>>(),
            "zones": self.zones.iter().map(|z| json!({
                "name": z.name,
                "id": z.id,
                "state": z.state.as_str(),
                "ip_type": match z.ip_type { IpType::Excl => "excl", IpType::Shared => "shared" },
            })).collect::<Vec<_>>(),
            "links": links.iter().map(|l| json!({
                "id": l.id,
                "name": l.name,
                "zone": l.zone,
                "class": l.class.as_str(),
                "over": l.over.and_then(|o| self.link(o)).map(|o| o.name.clone()),
                "macaddress": l.mac.map(|m| m.to_string()),
                "macaddrtype": l.mac_type.describe(),
                "vid": l.vid,
                "mtu": l.mtu,
                "transient": l.transient,
                "temporary": l.temporary,
                "onloan": l.onloan,
                "props": l.props,
            })).collect::<Vec<_>>(),
            "nictags": self.nictags,
            "flows": self.flows.iter().map(|fl| json!({
                "name": fl.name,
                "link": self.link(fl.link).map(|l| l.name.clone()),
                "zone": self.link(fl.link).map(|l| l.zone.clone()),
                "temporary": fl.temporary,
                "attrs": fl.attrs.iter().map(|(k, v)| (k.clone(), v.clone())).collect::<std::collections::BTreeMap<_, _>>(),
                "props": fl.props.iter().map(|(k, v)| (k.clone(), v.clone())).collect::<std::collections::BTreeMap<_, _>>(),
            })).collect::<Vec<_>>(),
        })
    }

    // ---- the kernel zone table -------------------------------------------------------

    pub fn zone(&self, name: &str) -> Option<&KZone> {
        self.zones.iter().find(|z| z.name == name)
    }

    pub fn zone_mut(&mut self, name: &str) -> Option<&mut KZone> {
        self.zones.iter_mut().find(|z| z.name == name)
    }

    /// vplat.c `vplat_create` -> `zone_create(2)`: a new kernel zone in state ready, with a
    /// fresh zone id. Fails if the name already has a kernel zone (EEXIST).
    pub fn zone_create(&mut self, name: &str, exclusive: bool) -> Result<u32, ZoneError> {
        if name == GLOBAL {
            return Err(ZoneError::Reserved);
        }
        if self.zone(name).is_some() {
            return Err(ZoneError::Exists);
        }
        let id = self.next_zone_id.max(1);
        self.next_zone_id = id + 1;
        self.zones.push(KZone {
            name: name.to_string(),
            id,
            state: ZoneState::Ready,
            ip_type: if exclusive {
                IpType::Excl
            } else {
                IpType::Shared
            },
        });
        Ok(id)
    }

    /// Sets a kernel zone's state. Booting (running) plumbs IP on every link the zone holds
    /// (the zone's svc:/network/physical opens them from inside: dls.c `dls_open`); shutting
    /// down unplumbs them (the zone's IP stack is destroyed, closing its streams: `dls_close`).
    pub fn zone_set_state(&mut self, name: &str, state: ZoneState) -> Result<(), ZoneError> {
        let z = self.zone_mut(name).ok_or(ZoneError::NoSuchZone)?;
        z.state = state;
        let plumbed = match state {
            ZoneState::Running => Some(true),
            ZoneState::ShuttingDown | ZoneState::Down => Some(false),
            _ => None,
        };
        if let Some(p) = plumbed {
            for l in self.links.iter_mut().filter(|l| l.zone == name) {
                l.plumbed = p;
            }
        }
        Ok(())
    }

    /// vplat.c `add_datalink`: zoneadmd assigns a configured `physical` link to the zone at
    /// ready by setting its `zone` link property (`dladm_set_linkprop(.., "zone", ..,
    /// DLADM_OPT_ACTIVE)`), which dlmgmtd carries out as `setzoneid` (the link goes on loan).
    /// The link is looked up in the global zone's namespace; `NotFound` if it is not there.
    pub fn assign_link(&mut self, zone: &str, link_name: &str) -> Result<(), DlStatus> {
        let id = self.lookup(GLOBAL, link_name)?.id;
        self.set_link_zone(id, zone)
    }

    /// Halt-time link teardown as zoneadmd and the kernel do it for an exclusive-IP zone:
    /// - vplat.c `delete_transient_links`: every transient link in the zone is deleted;
    /// - the kernel's `dls_stack_shutdown` (dls_mgmt.c) and vplat.c
    ///   `unconfigure_exclusive_network_interfaces` (which retries with `zone=global`) return
    ///   non-transient links on loan to the global zone.
    ///
    /// Both go through dlmgmtd's door, so with dlmgmtd offline nothing is deleted or
    /// returned. Returning a link whose name already exists in the global zone fails with
    /// EEXIST (illumos issue 10001; gate `dlmgmt_door.c` `dlmgmt_setzoneid`), and the link
    /// stays. `Err(n)`: `n` links remain in the zone (zoneadmd logs
    /// "%d datalink(s) remain in zone after shutdown" and the zone stays down).
    pub fn zone_teardown_links(&mut self, zone: &str) -> Result<(), usize> {
        if !self.dlmgmtd_online {
            let n = self.links.iter().filter(|l| l.zone == zone).count();
            return if n == 0 { Ok(()) } else { Err(n) };
        }
        // Transient links first (vplat.c `delete_transient_links`), upper links before
        // the links they sit on.
        loop {
            let victim = self
                .links
                .iter()
                .filter(|l| l.zone == zone && l.transient)
                .find(|l| !self.links.iter().any(|u| u.over == Some(l.id)))
                .map(|l| l.id);
            match victim {
                Some(id) => self.links.retain(|l| l.id != id),
                None => break,
            }
        }
        // Then give loaned links back (dls_mgmt.c `dls_stack_shutdown`, vplat.c
        // `unconfigure_exclusive_network_interfaces`).
        let loaned: Vec<u32> = self
            .links
            .iter()
            .filter(|l| l.zone == zone && l.onloan)
            .map(|l| l.id)
            .collect();
        for id in loaned {
            let _ = self.set_link_zone(id, GLOBAL);
        }
        let n = self.links.iter().filter(|l| l.zone == zone).count();
        if n == 0 {
            Ok(())
        } else {
            Err(n)
        }
    }

    /// A host reboot (a crash or `reboot`), as the kernel and dlmgmtd's start-up leave it:
    /// - every kernel zone is gone (zones come back only when booted again; the index keeps
    ///   configured/installed), and zone ids start again at 1;
    /// - only links in the persistent configuration come back (dlmgmtd `dlmgmt_db_init` reads
    ///   `/etc/dladm/datalink.conf`; svc:/network/datalink-management and `dladm up-vnic`
    ///   re-create them), all in the global zone and none on loan (the `zone` property is
    ///   temporary-only, linkprop.c `PD_TEMPONLY`); temporary (`-t`) and transient links
    ///   are not, nor is any active-only property: a link's properties are its persistent
    ///   ones, and a VNIC's MTU the persistent `mtu` or its lower link's;
    /// - a persistent link whose active instance was deleted with `-t` is back;
    /// - two persistent links of one name (one was on loan when the other was made, bug
    ///   10001): dlmgmtd keeps the first it reads (lower link id), the other is not created;
    /// - dlmgmtd is online, the routing table (persistent routes and the addresses' interface
    ///   routes) is kept, the boot time is now (and always later than the last one).
    ///
    /// Emptying `/etc/svc/volatile` (a tmpfs) is the caller's part: it is a directory of the root.
    pub fn reboot(&mut self) {
        self.zones.clear();
        self.next_zone_id = 1;
        self.dlmgmtd_online = true;
        let back = std::mem::take(&mut self.persistent_only);
        self.links.extend(back);
        self.links.retain(|l| !l.temporary && !l.transient);
        self.links.sort_by_key(|l| l.id);
        let mut kept: Vec<crate::dls::Link> = Vec::new();
        for mut l in std::mem::take(&mut self.links) {
            if kept.iter().any(|k| k.name == l.name) {
                continue;
            }
            l.zone = GLOBAL.to_string();
            l.onloan = false;
            // No zone runs after a reboot: nothing holds IP on the link.
            l.plumbed = false;
            l.zone_unreadable = false;
            l.props = l.pprops.clone();
            let pmtu = l.props.remove("mtu").and_then(|m| m.parse::<u32>().ok());
            if l.class == crate::dls::LinkClass::Vnic {
                let lower = l
                    .over
                    .and_then(|o| kept.iter().find(|k| k.id == o))
                    .map(|k| k.mtu);
                if let Some(m) = pmtu.or(lower) {
                    l.mtu = m;
                }
            } else if let Some(m) = pmtu {
                l.mtu = m;
            }
            kept.push(l);
        }
        self.links = kept;
        self.boot_time = now_secs().max(self.boot_time + 1);
    }

    /// vplat.c `vplat_teardown` tail: `dladm_zone_halt` (dlmgmtd `dlmgmt_zonehalt` ->
    /// `dlmgmt_db_fini` drops every entry whose zone is this one) and `zone_destroy(2)`:
    /// the kernel zone is gone.
    pub fn zone_destroy(&mut self, zone: &str) -> Result<(), ZoneError> {
        if self.zone(zone).is_none() {
            return Err(ZoneError::NoSuchZone);
        }
        self.links.retain(|l| l.zone != zone);
        self.zones.retain(|z| z.name != zone);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dls::DlStatus;

    #[test]
    fn zone_ids_are_fresh_and_global_is_reserved() {
        let mut h = Host::new(Flavour::Gate);
        assert_eq!(h.zone_create("a", true), Ok(1));
        assert_eq!(h.zone_create("b", false), Ok(2));
        assert_eq!(h.zone_create("a", true), Err(ZoneError::Exists));
        assert_eq!(h.zone_create(GLOBAL, true), Err(ZoneError::Reserved));
        h.zone_destroy("a").unwrap();
        assert_eq!(h.zone_create("a", true), Ok(3));
        assert_eq!(h.zone("b").unwrap().ip_type, IpType::Shared);
        assert_eq!(
            h.zone_set_state("zz", ZoneState::Running),
            Err(ZoneError::NoSuchZone)
        );
    }

    #[test]
    fn reboot_keeps_only_persistent_configuration() {
        use crate::dls::{MacRequest, VnicSpec};
        let mut h = Host::new(Flavour::Gate);
        h.add_phys("e1000g0", 0).unwrap();
        let over = h.lookup(GLOBAL, "e1000g0").unwrap().id;
        let spec = |name: &str, temporary: bool| VnicSpec {
            name: name.into(),
            over,
            mac: MacRequest::Auto,
            vid: 0,
            temporary,
            transient: false,
            zone: GLOBAL.into(),
        };
        let p0 = h.create_vnic(&spec("p0", false)).unwrap();
        let p1 = h.create_vnic(&spec("p1", false)).unwrap();
        h.create_vnic(&spec("t0", true)).unwrap();
        let p2 = h.create_vnic(&spec("p2", false)).unwrap();
        h.zone_create("z1", true).unwrap();
        // p0 on loan with an active-only property; p1 with a persistent MTU; p2 deleted with -t.
        h.set_link_zone(p0, "z1").unwrap();
        h.link_mut(p0)
            .unwrap()
            .props
            .insert("allowed-ips".into(), "10.0.0.5".into());
        h.link_mut(p1)
            .unwrap()
            .pprops
            .insert("mtu".into(), "1400".into());
        h.link_mut(p1).unwrap().mtu = 1400;
        h.delete_link_active(GLOBAL, p2).unwrap();
        assert!(h.link(p2).is_none());
        assert_eq!(
            h.create_vnic(&spec("p2", true)),
            Err(DlStatus::Exist),
            "a persistent-only entry keeps its name"
        );
        let before = h.boot_time;
        h.reboot();
        assert!(h.zones.is_empty());
        assert!(h.boot_time > before);
        let names: Vec<(&str, &str, bool)> = h
            .links
            .iter()
            .map(|l| (l.name.as_str(), l.zone.as_str(), l.onloan))
            .collect();
        assert_eq!(
            names,
            vec![
                ("e1000g0", GLOBAL, false),
                ("p0", GLOBAL, false),
                ("p1", GLOBAL, false),
                ("p2", GLOBAL, false)
            ]
        );
        assert!(h.link(p0).unwrap().props.is_empty());
        assert_eq!(h.link(p1).unwrap().mtu, 1400);
        assert!(h.persistent_only.is_empty());
        assert_eq!(h.zone_create("z9", true), Ok(1));
    }

    #[test]
    fn with_locked_persists_and_serialises_threads() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        assert_eq!(
            Host::with_locked(root, |_| ()).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
        Host::create(root, &Host::new(Flavour::Gate)).unwrap();
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let root = root.to_path_buf();
                std::thread::spawn(move || {
                    Host::with_locked(&root, |h| h.zone_create(&format!("z{i}"), true).unwrap())
                        .unwrap()
                })
            })
            .collect();
        let mut ids: Vec<u32> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        ids.sort();
        assert_eq!(ids, (1..=8).collect::<Vec<_>>());
        let h = Host::load(root).unwrap();
        assert_eq!(h.zones.len(), 8);
        assert_eq!(h.stored_flavour, Flavour::Gate);
        // A run that changes nothing does not rewrite the file.
        let before = fs::metadata(state_path(root)).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        Host::with_locked(root, |h| h.zones.len()).unwrap();
        let after = fs::metadata(state_path(root)).unwrap().modified().unwrap();
        assert_eq!(before, after);
        // No temp files are left behind.
        let leftovers: Vec<_> = fs::read_dir(sim_dir(root))
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp."))
            .collect();
        assert!(leftovers.is_empty());
    }
}
