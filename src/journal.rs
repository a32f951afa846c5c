//! The per-zone journal: netzone's proof of which links it created.
//!
//! Records live where the links they describe live:
//! - temporary links (`create-vnic -t`, the default) die with the boot, so their records are in
//!   `<root>/etc/svc/volatile/netzone/<zone>.json`, a tmpfs emptied at boot like dlmgmtd's own
//!   cache in `/etc/svc/volatile/dladm`;
//! - persistent links (`persistent` net-attr, hook `--persistent`) come back after a reboot,
//!   from `/etc/dladm/datalink.conf`, so their records are in `<root>/etc/netzone/<zone>.json`.
//!   `/etc` because that is where illumos keeps the persistent configuration these records
//!   vouch for (`/etc/dladm/datalink.conf`, read by dlmgmtd early at boot, and the zones'
//!   `/etc/zones`): on the same file system of the same boot environment, a record and its
//!   link are rolled back or forward together by `beadm`, which a record under a `/var` that
//!   may be a separate, shared dataset would not be, and `/var/run` is a tmpfs like
//!   `/etc/svc/volatile`.
//!
//! One [`Journal`] holds both kinds; [`Journal::load`] merges the two files and
//! [`Journal::save`] splits the records by [`JournalLink::persistent`]. Each file carries the
//! boot it was written in ([`boot_key`]): temporary records from another boot are void (their
//! links are gone) and are dropped on load, even where `/etc/svc/volatile` is not a tmpfs (an
//! alternate root); persistent records stay whatever the boot, and whether their link still
//! exists is for the plan to see. Rules:
//! - an entry is written (state `intent`) *before* the `create-vnic` that creates its link, and
//!   confirmed (`created`, `renaming`, `active`) after each step, so a crash at any point leaves a
//!   record naming every link that might exist;
//! - every write is atomic: temp file, fsync, rename, fsync of the directory;
//! - runs on one zone are serialised by an exclusive lock on `<zone>.lock` beside the journal;
//! - a journal with no entries is removed, so "no file" means "netzone holds nothing for the zone".
//!
//! Format (version 1):
//! ```json
//! {"version":1,"zone":"web1","flavour":"joyent","links":[
//!   {"net":"net0","index":0,"name":"nz3f9a0c11d2e4_0","final":"net0","over":"e1000g0",
//!    "vid":42,"mac":"2:8:20:a:b:c","zone":"web1","state":"active","run":"4242-1763900000"}],
//!  "flows":[{"net":"net0","name":"f2_8_20_a_b_c_br_25","link":"net0","transport":"tcp",
//!    "remote_port":25,"state":"active"}]}
//! ```
//!
//! `flows` ([`JournalFlow`], `blocked_outgoing_ports`) follow the same rules: a record
//! (`intent`) before each `flowadm add-flow`, confirmed (`active`) once the run's steps are
//! done; they are temporary flows, so they are kept in the volatile file only.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::flavour::Flavour;
use crate::linkname::LinkName;
use crate::mac::Mac;
use crate::vlan::VlanId;
use crate::zonename::ZoneName;

/// Current format version.
pub const VERSION: u32 = 1;

#[derive(Debug, thiserror::Error)]
/// Why a journal (or a zone's lock) could not be used.
pub enum JournalError {
    /// The file could not be read, written or locked. The cause is part of the message, not a
    /// `source()`, so that it is said once.
    #[error("journal {}: {error}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        error: std::io::Error,
    },
    /// The file holds something netzone cannot read back.
    #[error("journal {} is corrupt: {reason}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Something other than a journal file is in the journal's place.
    #[error(
        "journal {}: {reason}; netzone will not read it: move it aside, then see \
         `netzone show --orphans` for links it may have recorded",
        path.display()
    )]
    Unusable {
        /// The file.
        path: PathBuf,
        /// What it is instead (a FIFO, a symbolic link, too large).
        reason: String,
    },
    /// Another run held the zone's lock for longer than the caller would wait.
    #[error("lock {path}: another netzone run on the zone still holds it after {}", crate::host::human_duration(*waited))]
    Locked {
        /// The lock file.
        path: PathBuf,
        /// How long this run waited (its lock deadline).
        waited: std::time::Duration,
    },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> JournalError + '_ {
    move |error| JournalError::Io {
        path: path.to_path_buf(),
        error,
    }
}

/// Writes `bytes` to `path` atomically: a reader sees the old file or the new one, never a mix,
/// and after return the new content survives a crash.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), JournalError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("x"),
        std::process::id()
    ));
    {
        let mut f = File::create(&tmp).map_err(io_err(&tmp))?;
        f.write_all(bytes).map_err(io_err(&tmp))?;
        f.sync_all().map_err(io_err(&tmp))?;
    }
    fs::rename(&tmp, path).map_err(io_err(path))?;
    sync_dir(dir)
}

fn sync_dir(dir: &Path) -> Result<(), JournalError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err(dir))
}

/// How far netzone got with one link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkState {
    /// `create-vnic` is about to run: the link may or may not exist (under `name`).
    Intent,
    /// The link exists under `name`.
    Created,
    /// `rename-link` is about to run: the link is under `name` or `final`.
    Renaming,
    /// The link is complete under `final`.
    Active,
}

/// One link netzone created (or is about to).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct JournalLink {
    /// The net (its `physical` name in the zone configuration).
    pub net: LinkName,
    /// The net's position in the zone's configuration (the temporary name derives from it).
    pub index: usize,
    /// The name `create-vnic` gives it: the temporary name on joyent, the final name on gate.
    pub name: LinkName,
    /// The name it ends up with (the net's `physical`).
    #[serde(rename = "final")]
    pub final_name: LinkName,
    /// The lower link.
    pub over: LinkName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The VLAN id, if tagged.
    pub vid: Option<VlanId>,
    /// The fixed MAC asked for, or the one the host assigned once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<Mac>,
    /// The zone the link is (or will be) lent to.
    pub zone: ZoneName,
    /// How far netzone got with it.
    pub state: LinkState,
    /// Which run wrote the entry (`<pid>-<unix seconds>`), for diagnostics.
    pub run: String,
    /// Created without `-t`: the link outlives the boot, and so does this record.
    #[serde(default, skip_serializing_if = "is_false")]
    pub persistent: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl JournalLink {
    /// Every name the link may have now, given how far netzone got.
    pub fn candidate_names(&self) -> Vec<&LinkName> {
        match self.state {
            LinkState::Intent | LinkState::Created => vec![&self.name],
            LinkState::Renaming if self.name != self.final_name => {
                vec![&self.name, &self.final_name]
            }
            LinkState::Renaming => vec![&self.name],
            LinkState::Active => vec![&self.final_name],
        }
    }
}

/// How far netzone got with one flow (`blocked_outgoing_ports`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FlowState {
    /// `flowadm add-flow` is about to run: the flow may or may not exist.
    Intent,
    /// The flow exists.
    Active,
}

/// One flow netzone added (or is about to) on the link of net `net`: SmartOS's
/// `blocked_outgoing_ports`, `add-flow -t -l LINK [-z ZONE] -a transport=tcp,remote_port=PORT
/// -p maxbw=0 NAME`. A flow is netzone's only when a flow of this name is on the link the net's
/// record identifies, with exactly these attributes as `flowadm show-flow -p -o` shows them
/// (protocol `tcp`, remote port `remote_port`, no address, local port or DS field).
///
/// Flows are always temporary (`-t`): their records live in the volatile file whatever the
/// link's persistence, and go with their link's record (the kernel removes a link's flows with
/// the link).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct JournalFlow {
    /// The net whose link carries the flow.
    pub net: LinkName,
    /// The flow's name (unique host-wide).
    pub name: String,
    /// The link's name when the flow was added (the net's final name).
    pub link: LinkName,
    /// The transport protocol the flow matches (`tcp`).
    pub transport: String,
    /// The remote port the flow matches.
    pub remote_port: u16,
    /// How far netzone got.
    pub state: FlowState,
}

/// A zone's journal.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Journal {
    /// Format version ([`VERSION`]).
    pub version: u32,
    /// The zone.
    pub zone: ZoneName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The dladm flavour the entries were made with.
    pub flavour: Option<Flavour>,
    /// The boot the file was written in ([`boot_key`]); set by [`Journal::save`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boot: Option<String>,
    /// gate: when (unix seconds) `up` left the zone's links in the global zone for zoneadmd to
    /// lend at ready; cleared at post-ready and by any removal. While set (and younger than
    /// [`PENDING_SECS`]) the links are not orphans, so `gc` leaves them alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<u64>,
    /// One entry per net netzone created (or is creating) a link for.
    pub links: Vec<JournalLink>,
    /// The flows netzone added on its links (temporary, so kept in the volatile file only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flows: Vec<JournalFlow>,
}

/// How long a gate zone's links may wait between pre-ready and ready before `gc` takes them
/// for a dead boot's leftovers: the brand hook chain's own default deadline
/// (`NETZONE_CHAIN_TIMEOUT`).
pub const PENDING_SECS: u64 = 600;

/// Seconds since the epoch.
pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `<state_dir>/<zone>.json`: the records of temporary links.
pub fn path(state_dir: &Path, zone: &ZoneName) -> PathBuf {
    state_dir.join(format!("{zone}.json"))
}

/// netzone's volatile state directory under a root (what `Host::state_dir` gives).
const VOLATILE: &str = "etc/svc/volatile/netzone";

/// The directory of persistent-link records that goes with the state directory `state_dir`:
/// `<root>/etc/netzone` for netzone's `<root>/etc/svc/volatile/netzone`; any other state
/// directory (a library user's, a test's) keeps them in its `persistent` subdirectory.
pub fn persistent_dir(state_dir: &Path) -> PathBuf {
    if state_dir.ends_with(VOLATILE) {
        if let Some(root) = state_dir.ancestors().nth(4) {
            return root.join("etc/netzone");
        }
    }
    state_dir.join("persistent")
}

/// `<persistent_dir>/<zone>.json`: the records of persistent links.
pub fn persistent_path(state_dir: &Path, zone: &ZoneName) -> PathBuf {
    persistent_dir(state_dir).join(format!("{zone}.json"))
}

/// The identity of the running boot as netzone keys its records and caches on: the platform's
/// ([`crate::flavour::boot_identity`]: utmpx's `BOOT_TIME` on illumos) together with a token
/// netzone keeps in `state_dir`, drawn when it is missing. `/etc/svc/volatile` is emptied at
/// every boot, so a new boot always means a new token, also where the platform's identity
/// cannot be read or is not the simulated host's.
pub fn boot_key(state_dir: &Path) -> String {
    format!(
        "{}/{}",
        crate::flavour::boot_identity(),
        boot_token(state_dir).unwrap_or_else(|| "no-token".into())
    )
}

/// The token file's content; created (once, atomically: link(2) of a complete file) if
/// missing.
fn boot_token(state_dir: &Path) -> Option<String> {
    let p = state_dir.join("boot.token");
    let read = || {
        fs::read_to_string(&p)
            .ok()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
    };
    if let Some(t) = read() {
        return Some(t);
    }
    fs::create_dir_all(state_dir).ok()?;
    let mut b = [0u8; 16];
    File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut b))
        .ok()?;
    let token: String = b.iter().map(|x| format!("{x:02x}")).collect();
    let tmp = state_dir.join(format!(".boot.token.{}", std::process::id()));
    fs::write(&tmp, format!("{token}\n")).ok()?;
    // Fails with EEXIST if another run got there first: then its token is the one.
    let _ = fs::hard_link(&tmp, &p);
    let _ = fs::remove_file(&tmp);
    read()
}

/// An identifier for this run's entries.
pub fn run_id() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!("{}-{secs}", std::process::id())
}

/// The most a journal file may hold: far more than any zone's links need (a few hundred bytes
/// each), far less than would hurt to read.
pub const MAX_JOURNAL_BYTES: u64 = 1 << 20;

/// Reads a journal file, `None` if there is none. It is opened without following a symbolic
/// link and without blocking (so a FIFO in its place cannot hang a halt), and read only if it is
/// a regular file of at most [`MAX_JOURNAL_BYTES`]: anything else is [`JournalError::Unusable`].
/// Client marks ([`crate::client`]) are read through it too.
pub(crate) fn read_journal_file(p: &Path) -> Result<Option<String>, JournalError> {
    use std::io::Read;
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let unusable = |reason: String| JournalError::Unusable {
        path: p.to_path_buf(),
        reason,
    };
    let f = match OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(p)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(unusable("is a symbolic link".into()))
        }
        Err(e) => return Err(io_err(p)(e)),
    };
    let md = f.metadata().map_err(io_err(p))?;
    let ft = md.file_type();
    if !ft.is_file() {
        let what = if ft.is_fifo() {
            "a FIFO"
        } else if ft.is_dir() {
            "a directory"
        } else if ft.is_char_device() || ft.is_block_device() {
            "a device"
        } else if ft.is_socket() {
            "a socket"
        } else {
            "not a file"
        };
        return Err(unusable(format!("is {what}, not a regular file")));
    }
    let too_big = || unusable(format!("is larger than {MAX_JOURNAL_BYTES} bytes"));
    if md.len() > MAX_JOURNAL_BYTES {
        return Err(too_big());
    }
    let mut bytes = Vec::new();
    f.take(MAX_JOURNAL_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io_err(p))?;
    if bytes.len() as u64 > MAX_JOURNAL_BYTES {
        return Err(too_big());
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| JournalError::Corrupt {
            path: p.to_path_buf(),
            reason: "not UTF-8 text".into(),
        })
}

impl Journal {
    /// A journal with no entries for `zone`.
    pub fn empty(zone: &ZoneName) -> Self {
        Journal {
            version: VERSION,
            zone: zone.clone(),
            flavour: None,
            boot: None,
            pending: None,
            links: Vec::new(),
            flows: Vec::new(),
        }
    }

    /// Reads one of the zone's files; a missing file is `None`.
    fn load_file(p: &Path, zone: &ZoneName) -> Result<Option<Self>, JournalError> {
        let Some(text) = read_journal_file(p)? else {
            return Ok(None);
        };
        let j: Journal = serde_json::from_str(&text).map_err(|e| JournalError::Corrupt {
            path: p.to_path_buf(),
            reason: e.to_string(),
        })?;
        if j.version != VERSION || &j.zone != zone {
            return Err(JournalError::Corrupt {
                path: p.to_path_buf(),
                reason: format!("version {} for zone '{}'", j.version, j.zone),
            });
        }
        Ok(Some(j))
    }

    /// Reads the zone's journal: the records of its temporary links written during this boot,
    /// and the records of its persistent links. Missing files are empty.
    pub fn load(state_dir: &Path, zone: &ZoneName) -> Result<Self, JournalError> {
        let mut j = Journal::empty(zone);
        if let Some(v) = Self::load_file(&path(state_dir, zone), zone)? {
            j.flavour = v.flavour;
            // Temporary records from another boot name links that are gone: void.
            if v.boot.is_none() || v.boot == Some(boot_key(state_dir)) {
                j.pending = v.pending;
                j.flows = v.flows;
                j.links.extend(v.links.into_iter().map(|mut e| {
                    e.persistent = false;
                    e
                }));
            }
        }
        if let Some(p) = Self::load_file(&persistent_path(state_dir, zone), zone)? {
            j.flavour = j.flavour.or(p.flavour);
            for mut e in p.links {
                e.persistent = true;
                if j.links.iter().all(|x| x.net != e.net) {
                    j.links.push(e);
                }
            }
        }
        Ok(j)
    }

    /// Writes the journal: the temporary records to the volatile file and the persistent ones
    /// to the persistent file, each atomically, a file with no record removed.
    pub fn save(&self, state_dir: &Path) -> Result<(), JournalError> {
        let (pers, temp): (Vec<JournalLink>, Vec<JournalLink>) =
            self.links.iter().cloned().partition(|e| e.persistent);
        let boot = Some(boot_key(state_dir));
        for (p, links, flows) in [
            (path(state_dir, &self.zone), temp, self.flows.clone()),
            (persistent_path(state_dir, &self.zone), pers, Vec::new()),
        ] {
            let dir = p.parent().unwrap_or(state_dir).to_path_buf();
            if links.is_empty() && flows.is_empty() {
                match fs::remove_file(&p) {
                    Ok(()) => sync_dir(&dir)?,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(io_err(&p)(e)),
                }
                continue;
            }
            let part = Journal {
                links,
                flows,
                boot: boot.clone(),
                ..self.clone()
            };
            let mut bytes = serde_json::to_vec_pretty(&part).expect("journal serialises");
            bytes.push(b'\n');
            write_atomic(&p, &bytes)?;
        }
        Ok(())
    }

    /// The entry recording a link that may be called `name`.
    pub fn find(&self, name: &LinkName) -> Option<&JournalLink> {
        self.links
            .iter()
            .find(|l| l.candidate_names().contains(&name))
    }

    /// The entry of net `net`.
    pub fn entry_mut(&mut self, net: &LinkName) -> Option<&mut JournalLink> {
        self.links.iter_mut().find(|l| &l.net == net)
    }

    /// Drops the entry of net `net`, and the records of the flows on its link (they go with the
    /// link).
    pub fn remove(&mut self, net: &LinkName) {
        self.links.retain(|l| &l.net != net);
        self.flows.retain(|f| &f.net != net);
    }

    /// The flow records of net `net`.
    pub fn flows_of<'a>(&'a self, net: &'a LinkName) -> impl Iterator<Item = &'a JournalFlow> {
        self.flows.iter().filter(move |f| &f.net == net)
    }
}

/// Zones that have a journal of either kind (for `show`/`gc`/`recover --all`).
pub fn zones_with_journal(state_dir: &Path) -> Vec<ZoneName> {
    let mut res: Vec<ZoneName> = [state_dir.to_path_buf(), persistent_dir(state_dir)]
        .iter()
        .flat_map(|d| fs::read_dir(d).into_iter().flatten().flatten())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let stem = name.strip_suffix(".json")?;
            ZoneName::new(stem).ok()
        })
        .collect();
    res.sort();
    res.dedup();
    res
}

/// Holds the exclusive per-zone lock (`<state_dir>/<zone>.lock`) until dropped.
#[derive(Debug)]
pub struct ZoneLock {
    _file: File,
    /// The host-wide lock held shared with it ([`lock_host_within`]), if any.
    _host: Option<HostLock>,
}

impl ZoneLock {
    /// The same lock, holding `host` too until dropped.
    pub fn with_host(mut self, host: HostLock) -> Self {
        self._host = Some(host);
        self
    }
}

/// Holds the host-wide lock (`<state_dir>/netzone.lock`) until dropped: shared by every run on
/// one zone (hooks, `up`, `down`, `recover`), exclusive for `gc`, so that `gc` never races a
/// boot or a halt (the CNI spec asks runtimes for the same exclusivity of GC against ADD/DEL).
#[derive(Debug)]
pub struct HostLock {
    _file: File,
}

/// Takes the host-wide lock, shared or `exclusive`, waiting at most `deadline` (`None`: as
/// long as it takes); past it, [`JournalError::Locked`].
pub fn lock_host_within(
    state_dir: &Path,
    exclusive: bool,
    deadline: Option<std::time::Duration>,
) -> Result<HostLock, JournalError> {
    let f = lock_file(state_dir, "netzone.lock", exclusive, deadline)?;
    Ok(HostLock { _file: f })
}

/// Takes the zone's lock, waiting for another netzone run on the same zone to finish. The lock is
/// released by the kernel if the holder dies, so a crash never wedges the zone.
pub fn lock_zone(state_dir: &Path, zone: &ZoneName) -> Result<ZoneLock, JournalError> {
    lock_zone_within(state_dir, zone, None)
}

/// [`lock_zone`], waiting at most `deadline` (`None`: as long as it takes); past it,
/// [`JournalError::Locked`].
pub fn lock_zone_within(
    state_dir: &Path,
    zone: &ZoneName,
    deadline: Option<std::time::Duration>,
) -> Result<ZoneLock, JournalError> {
    let f = lock_file(state_dir, &format!("{zone}.lock"), true, deadline)?;
    Ok(ZoneLock {
        _file: f,
        _host: None,
    })
}

fn lock_file(
    state_dir: &Path,
    name: &str,
    exclusive: bool,
    deadline: Option<std::time::Duration>,
) -> Result<File, JournalError> {
    fs::create_dir_all(state_dir).map_err(io_err(state_dir))?;
    let p = state_dir.join(name);
    let f = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&p)
        .map_err(io_err(&p))?;
    let Some(deadline) = deadline else {
        flock(&f, exclusive, false).map_err(io_err(&p))?;
        return Ok(f);
    };
    let start = std::time::Instant::now();
    let mut nap = std::time::Duration::from_millis(1);
    loop {
        match flock(&f, exclusive, true) {
            Ok(()) => return Ok(f),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(io_err(&p)(e)),
        }
        let waited = start.elapsed();
        if waited >= deadline {
            return Err(JournalError::Locked {
                path: p,
                waited: deadline,
            });
        }
        std::thread::sleep(nap.min(deadline - waited));
        nap = (nap * 2).min(std::time::Duration::from_millis(50));
    }
}

/// `flock(2)` the whole file, exclusively or shared; with `try_only`, fail with `WouldBlock`
/// instead of waiting. (std's `File::lock` is newer than the crate's minimum Rust.)
fn flock(f: &File, exclusive: bool, try_only: bool) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let mode = if exclusive {
        libc::LOCK_EX
    } else {
        libc::LOCK_SH
    };
    let op = mode | if try_only { libc::LOCK_NB } else { 0 };
    loop {
        // SAFETY: the descriptor is owned by `f`, which outlives the call.
        if unsafe { libc::flock(f.as_raw_fd(), op) } == 0 {
            return Ok(());
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::ln;

    fn entry(state: LinkState) -> JournalLink {
        JournalLink {
            net: ln("net0"),
            index: 0,
            name: ln("nz0123456789ab_0"),
            final_name: ln("net0"),
            over: ln("e1000g0"),
            vid: VlanId::new(42).ok(),
            mac: "2:8:20:a:b:c".parse().ok(),
            zone: ZoneName::new("web1").unwrap(),
            state,
            run: "1-2".into(),
            persistent: false,
        }
    }

    #[test]
    fn round_trip_and_removal() {
        let dir = tempfile::tempdir().unwrap();
        let z = ZoneName::new("web1").unwrap();
        assert_eq!(Journal::load(dir.path(), &z).unwrap(), Journal::empty(&z));
        let mut j = Journal::empty(&z);
        j.flavour = Some(Flavour::Joyent);
        j.links.push(entry(LinkState::Intent));
        j.save(dir.path()).unwrap();
        let text = fs::read_to_string(path(dir.path(), &z)).unwrap();
        assert!(text.contains("\"final\": \"net0\""), "{text}");
        assert!(text.contains("\"state\": \"intent\""), "{text}");
        assert_eq!(Journal::load(dir.path(), &z).unwrap(), j);
        assert_eq!(zones_with_journal(dir.path()), vec![z.clone()]);
        j.remove(&ln("net0"));
        j.save(dir.path()).unwrap();
        assert!(!path(dir.path(), &z).exists());
        // No temp files left behind: only the boot token.
        let left: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, vec![std::ffi::OsString::from("boot.token")]);
    }

    #[test]
    fn persistent_records_outlive_the_boot_and_temporary_ones_do_not() {
        let root = tempfile::tempdir().unwrap();
        let state = root.path().join(VOLATILE);
        assert_eq!(persistent_dir(&state), root.path().join("etc/netzone"));
        let z = ZoneName::new("web1").unwrap();
        let mut j = Journal::empty(&z);
        j.links.push(entry(LinkState::Active));
        let mut p = entry(LinkState::Active);
        p.net = ln("net1");
        p.persistent = true;
        j.links.push(p.clone());
        j.save(&state).unwrap();
        let vol = fs::read_to_string(path(&state, &z)).unwrap();
        let per = fs::read_to_string(persistent_path(&state, &z)).unwrap();
        let net = |n: &str| format!("\"net\": \"{n}\"");
        assert!(
            vol.contains(&net("net0")) && !vol.contains(&net("net1")),
            "{vol}"
        );
        assert!(
            per.contains(&net("net1")) && !per.contains(&net("net0")),
            "{per}"
        );
        assert_eq!(Journal::load(&state, &z).unwrap().links.len(), 2);
        // Another boot: a new token (the volatile directory was emptied, or not: the file's
        // boot no longer matches). The temporary record is void, the persistent one stays.
        fs::remove_file(state.join("boot.token")).unwrap();
        let after = Journal::load(&state, &z).unwrap();
        assert_eq!(after.links, vec![p]);
        assert_eq!(zones_with_journal(&state), vec![z.clone()]);
        // Saving writes only what is left; the stale volatile file goes.
        after.save(&state).unwrap();
        assert!(!path(&state, &z).exists());
        Journal::empty(&z).save(&state).unwrap();
        assert!(!persistent_path(&state, &z).exists());
        assert!(zones_with_journal(&state).is_empty());
    }

    /// Flow records live in the volatile file whatever their link's persistence, die with the
    /// boot, and go with their link's record.
    #[test]
    fn flow_records_are_temporary_and_go_with_their_link() {
        let root = tempfile::tempdir().unwrap();
        let state = root.path().join(VOLATILE);
        let z = ZoneName::new("web1").unwrap();
        let mut j = Journal::empty(&z);
        let mut p = entry(LinkState::Active);
        p.persistent = true;
        j.links.push(p);
        j.flows.push(JournalFlow {
            net: ln("net0"),
            name: "f2_8_20_a_b_c_br_25".into(),
            link: ln("net0"),
            transport: "tcp".into(),
            remote_port: 25,
            state: FlowState::Intent,
        });
        j.save(&state).unwrap();
        let vol = fs::read_to_string(path(&state, &z)).unwrap();
        assert!(vol.contains("\"remote_port\": 25"), "{vol}");
        assert!(vol.contains("\"state\": \"intent\""), "{vol}");
        let per = fs::read_to_string(persistent_path(&state, &z)).unwrap();
        assert!(!per.contains("flows"), "{per}");
        assert_eq!(Journal::load(&state, &z).unwrap(), j);
        assert_eq!(j.flows_of(&ln("net0")).count(), 1);
        // Another boot: the flows are gone with it, the persistent link's record stays.
        fs::remove_file(state.join("boot.token")).unwrap();
        let after = Journal::load(&state, &z).unwrap();
        assert!(after.flows.is_empty());
        assert_eq!(after.links.len(), 1);
        // A link's record removed: its flows' records too.
        let mut j2 = j.clone();
        j2.remove(&ln("net0"));
        assert!(j2.flows.is_empty() && j2.links.is_empty());
    }

    #[test]
    fn boot_key_is_stable_within_a_boot() {
        let dir = tempfile::tempdir().unwrap();
        let a = boot_key(dir.path());
        assert_eq!(a, boot_key(dir.path()));
        fs::remove_file(dir.path().join("boot.token")).unwrap();
        assert_ne!(a, boot_key(dir.path()));
    }

    #[test]
    fn corrupt_journal_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let z = ZoneName::new("web1").unwrap();
        fs::write(path(dir.path(), &z), "{not json").unwrap();
        let e = Journal::load(dir.path(), &z).unwrap_err();
        assert!(e.to_string().contains("corrupt"), "{e}");
        // A journal naming another zone is refused too.
        let mut other = Journal::empty(&ZoneName::new("web2").unwrap());
        other.links.push(entry(LinkState::Active));
        fs::write(path(dir.path(), &z), serde_json::to_string(&other).unwrap()).unwrap();
        assert!(Journal::load(dir.path(), &z).is_err());
    }

    #[test]
    fn only_a_regular_file_of_sane_size_is_read_and_nothing_hangs() {
        let dir = tempfile::tempdir().unwrap();
        let z = ZoneName::new("web1").unwrap();
        let p = path(dir.path(), &z);
        let unusable = |part: &str| {
            let e = Journal::load(dir.path(), &z).unwrap_err();
            assert!(matches!(e, JournalError::Unusable { .. }), "{e}");
            assert_eq!(e.kind(), crate::error::ErrorKind::Corrupt);
            let msg = e.to_string();
            assert!(
                msg.starts_with(&format!("journal {}: ", p.display())),
                "{msg}"
            );
            assert!(msg.contains(part), "{msg}");
            assert!(msg.contains("move it aside"), "{msg}");
        };
        // A FIFO with no writer: a blocking open would wait forever.
        let c = std::ffi::CString::new(p.to_str().unwrap()).unwrap();
        // SAFETY: plain system call on a valid C string.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let (tx, rx) = std::sync::mpsc::channel();
        let (d, zz) = (dir.path().to_path_buf(), z.clone());
        std::thread::spawn(move || {
            let _ = tx.send(
                Journal::load(&d, &zz)
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
            );
        });
        let r = rx
            .recv_timeout(std::time::Duration::from_secs(5))
            .expect("loading a FIFO journal hung");
        let msg = r.unwrap_err();
        assert!(msg.contains("is a FIFO, not a regular file"), "{msg}");
        fs::remove_file(&p).unwrap();
        // A symbolic link to /dev/zero would be read forever.
        std::os::unix::fs::symlink("/dev/zero", &p).unwrap();
        unusable("is a symbolic link");
        fs::remove_file(&p).unwrap();
        // A symbolic link to a valid journal is refused too: never follow.
        let real = dir.path().join("elsewhere.json");
        let mut j = Journal::empty(&z);
        j.links.push(entry(LinkState::Active));
        fs::write(&real, serde_json::to_vec(&j).unwrap()).unwrap();
        std::os::unix::fs::symlink(&real, &p).unwrap();
        unusable("is a symbolic link");
        fs::remove_file(&p).unwrap();
        // A directory.
        fs::create_dir(&p).unwrap();
        unusable("is a directory, not a regular file");
        fs::remove_dir(&p).unwrap();
        // Too large.
        fs::write(&p, vec![b' '; MAX_JOURNAL_BYTES as usize + 1]).unwrap();
        unusable("is larger than");
        // Not text.
        fs::write(&p, [0xff, 0xfe, 0]).unwrap();
        let e = Journal::load(dir.path(), &z).unwrap_err();
        assert!(e.to_string().contains("not UTF-8"), "{e}");
        // And the real thing still loads.
        fs::write(&p, serde_json::to_vec(&j).unwrap()).unwrap();
        assert_eq!(Journal::load(dir.path(), &z).unwrap(), j);
    }

    #[test]
    fn candidate_names_follow_state() {
        assert_eq!(
            entry(LinkState::Intent).candidate_names(),
            vec![&ln("nz0123456789ab_0")]
        );
        assert_eq!(entry(LinkState::Renaming).candidate_names().len(), 2);
        assert_eq!(
            entry(LinkState::Active).candidate_names(),
            vec![&ln("net0")]
        );
        let mut j = Journal::empty(&ZoneName::new("web1").unwrap());
        j.links.push(entry(LinkState::Active));
        assert!(j.find(&ln("net0")).is_some());
        assert!(j.find(&ln("nz0123456789ab_0")).is_none());
    }

    #[test]
    fn host_lock_is_shared_by_runs_and_exclusive_for_gc() {
        let dir = tempfile::tempdir().unwrap();
        let quick = Some(std::time::Duration::from_millis(20));
        let a = lock_host_within(dir.path(), false, quick).unwrap();
        let b = lock_host_within(dir.path(), false, quick).unwrap();
        assert!(matches!(
            lock_host_within(dir.path(), true, quick),
            Err(JournalError::Locked { .. })
        ));
        drop((a, b));
        let gc = lock_host_within(dir.path(), true, quick).unwrap();
        assert!(
            lock_host_within(dir.path(), false, quick).is_err(),
            "runs wait for gc"
        );
        drop(gc);
        assert!(lock_host_within(dir.path(), false, quick).is_ok());
    }

    #[test]
    fn lock_serialises() {
        let dir = tempfile::tempdir().unwrap();
        let z = ZoneName::new("web1").unwrap();
        let g = lock_zone(dir.path(), &z).unwrap();
        let p = dir.path().join("web1.lock");
        let f = OpenOptions::new().write(true).open(&p).unwrap();
        assert!(flock(&f, true, true).is_err(), "second lock must wait");
        drop(g);
        assert!(flock(&f, true, true).is_ok());
    }

    #[test]
    fn lock_deadline() {
        let dir = tempfile::tempdir().unwrap();
        let z = ZoneName::new("web1").unwrap();
        let g = lock_zone(dir.path(), &z).unwrap();
        let t = std::time::Instant::now();
        let e = lock_zone_within(dir.path(), &z, Some(std::time::Duration::from_millis(300)))
            .unwrap_err();
        assert!(t.elapsed() >= std::time::Duration::from_millis(300));
        assert!(matches!(e, JournalError::Locked { .. }), "{e}");
        assert_eq!(e.kind(), crate::error::ErrorKind::Locked);
        assert!(
            e.to_string().ends_with("still holds it after 300 ms"),
            "{e}"
        );
        // Released before the deadline: taken.
        let d = dir.path().to_path_buf();
        let z2 = z.clone();
        let waiter = std::thread::spawn(move || {
            lock_zone_within(&d, &z2, Some(std::time::Duration::from_secs(10))).is_ok()
        });
        std::thread::sleep(std::time::Duration::from_millis(100));
        drop(g);
        assert!(waiter.join().unwrap());
    }
}
