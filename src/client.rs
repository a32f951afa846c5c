//! Ownership records for clients: a program that manages a zone's links through the library,
//! without a zonecfg zone (or before the zone exists), marks the zone as its own, so that
//! `show` and `gc` treat the zone's links as owned and never as orphans.
//!
//! Without a mark, netzone judges a zone by `zoneadm list`: links recorded for a zone that is not
//! ready, running or down are crash leftovers, and `gc` removes them. A client's zone may have no
//! kernel zone at all (a sled agent's links made before its zone boots, on gate, or for a zone it
//! runs another way), so the client says so: [`manage`] before it creates links, [`release`]
//! after it removed them.
//!
//! A client that shares a zone with others (or whose zone is otherwise judged by zoneadm) marks
//! single links instead: [`manage_link`] records the identity netzone recorded for the link it
//! created for a net ([`crate::identity`]: lower link, VLAN id, MAC, names), never just its
//! name, so a later link that takes the name (an operator's, or netzone's own after a `down`
//! and `up` with another MAC) is not covered by the mark. The zone's other links are judged as
//! before: `gc` still reaps them when they are orphans.
//!
//! Marks live where the records they cover live ([`journal`]), so that a mark lasts exactly as
//! long as what it vouches for:
//! - a mark on a temporary link is in the volatile directory beside the temporary records,
//!   `<root>/etc/svc/volatile/netzone/clients/links/<zone>.json`, and is gone at reboot with
//!   the link;
//! - a mark on a persistent link ([`JournalLink::persistent`]) is beside the persistent
//!   records, `<root>/etc/netzone/clients/links/<zone>.json` ([`journal::persistent_dir`]), so
//!   after a reboot it still covers the link dlmgmtd brought back, and `gc` (run at boot, before
//!   the zones autoboot) does not reap the link before the client is back;
//! - a zone mark is the client's word that it manages the zone until it calls [`release`], so
//!   it outlives a reboot too: `<root>/etc/netzone/clients/<zone>.json`. After a reboot it
//!   covers what survived of the zone's links, which is its persistent links.
//!
//! (A state directory other than netzone's own keeps the persistent marks in
//! `<state>/persistent/clients`, as [`journal::persistent_dir`] does its records.) Every read
//! ([`record`], [`link_marks`], and [`all`]/[`all_links`] for `show` and `gc`) looks in both
//! places, and [`release`]/[`release_link`] remove from both. Marks are written atomically
//! under the zone's lock (the lock `gc` takes before it removes anything of the zone), and read
//! as the journals are ([`journal`]'s safe open: no symbolic link followed, no blocking on a
//! FIFO, regular files of bounded size only).

use std::fs;
use std::path::{Path, PathBuf};

use crate::host::Host;
use crate::journal::{self, Journal, JournalError, JournalLink};
use crate::linkname::LinkName;
use crate::mac::Mac;
use crate::vlan::VlanId;
use crate::zonename::ZoneName;

/// Current format version of a mark.
pub const VERSION: u32 = 1;

/// A client's mark on a zone.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClientRecord {
    /// Format version ([`VERSION`]).
    pub version: u32,
    /// The zone the client manages.
    pub zone: ZoneName,
    /// Who manages it: a short name chosen by the client (`sled-agent`), shown to operators.
    pub client: String,
}

/// Why a client name is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("client name '{0}' must be 1-64 letters, digits, '_', '-' or '.'")]
pub struct ClientNameError(pub String);

impl ClientNameError {
    /// Always [`crate::error::ErrorKind::InvalidValue`].
    pub fn kind(&self) -> crate::error::ErrorKind {
        crate::error::ErrorKind::InvalidValue
    }
}

/// A client's mark on one link: the identity netzone recorded when it created the link for
/// `net` ([`JournalLink`]). It covers that link only while netzone's record still describes the
/// same link ([`LinkMark::covers`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LinkMark {
    /// Who manages the link (see [`ClientRecord::client`]).
    pub client: String,
    /// The zone the link is for.
    pub zone: ZoneName,
    /// The net (its `physical` name) the link was created for.
    pub net: LinkName,
    /// The link's name once in place (the net's `physical`).
    #[serde(rename = "final")]
    pub final_name: LinkName,
    /// The lower link.
    pub over: LinkName,
    /// The VLAN id, if tagged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vid: Option<VlanId>,
    /// The MAC address netzone chose (or was given) before creating the link.
    pub mac: Mac,
}

impl LinkMark {
    /// Whether this mark is on the link netzone's record `e` describes: same zone, net, final
    /// name, lower link, VLAN id and MAC. (Whether an observed link is the one `e` describes is
    /// [`crate::identity::identifies`].)
    pub fn covers(&self, e: &JournalLink) -> bool {
        self.zone == e.zone
            && self.net == e.net
            && self.final_name == e.final_name
            && self.over == e.over
            && self.vid == e.vid
            && Some(self.mac) == e.mac
    }
}

/// The link marks file of one zone.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct LinkMarks {
    version: u32,
    zone: ZoneName,
    links: Vec<LinkMark>,
}

/// Why a mark could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The client's name is not acceptable.
    #[error(transparent)]
    Name(#[from] ClientNameError),
    /// No link to mark: netzone has no record of a link it created for the net, or the record
    /// does not yet hold the identity a mark needs (its MAC).
    #[error("zone '{zone}': net '{net}': cannot mark the link: {reason}")]
    NoLink {
        /// The zone.
        zone: ZoneName,
        /// The net.
        net: LinkName,
        /// Why, in words.
        reason: String,
    },
    /// The mark (or the zone's lock) could not be written or read.
    #[error("zone '{zone}': {source}")]
    State {
        /// The zone.
        zone: ZoneName,
        /// What failed.
        #[source]
        source: JournalError,
    },
}

impl ClientError {
    /// The error's kind.
    pub fn kind(&self) -> crate::error::ErrorKind {
        match self {
            ClientError::Name(n) => n.kind(),
            ClientError::NoLink { .. } => crate::error::ErrorKind::NotFound,
            ClientError::State { source, .. } => source.kind(),
        }
    }
}

/// `<state>/clients`: the volatile marks (on temporary links), gone at reboot.
pub fn dir(state_dir: &Path) -> PathBuf {
    state_dir.join("clients")
}

/// `<state>/clients/<zone>.json`: where zone marks were kept before they outlived a reboot;
/// still read and removed, no longer written ([`persistent_path`] is).
pub fn path(state_dir: &Path, zone: &ZoneName) -> PathBuf {
    dir(state_dir).join(format!("{zone}.json"))
}

/// `<state>/clients/links`: not a `.json` name, so never read as a zone mark.
pub fn links_dir(state_dir: &Path) -> PathBuf {
    dir(state_dir).join("links")
}

/// `<state>/clients/links/<zone>.json`: the marks on temporary links.
pub fn links_path(state_dir: &Path, zone: &ZoneName) -> PathBuf {
    links_dir(state_dir).join(format!("{zone}.json"))
}

/// `<persistent>/clients` beside the persistent records ([`journal::persistent_dir`]:
/// `<root>/etc/netzone/clients` for netzone's state directory): the marks that outlive a
/// reboot. Not a `.json` name, so never read as a journal.
pub fn persistent_dir(state_dir: &Path) -> PathBuf {
    journal::persistent_dir(state_dir).join("clients")
}

/// `<persistent>/clients/<zone>.json`: the zone mark.
pub fn persistent_path(state_dir: &Path, zone: &ZoneName) -> PathBuf {
    persistent_dir(state_dir).join(format!("{zone}.json"))
}

/// `<persistent>/clients/links`.
pub fn persistent_links_dir(state_dir: &Path) -> PathBuf {
    persistent_dir(state_dir).join("links")
}

/// `<persistent>/clients/links/<zone>.json`: the marks on persistent links.
pub fn persistent_links_path(state_dir: &Path, zone: &ZoneName) -> PathBuf {
    persistent_links_dir(state_dir).join(format!("{zone}.json"))
}

/// Removes `p`; a missing file is not an error.
fn remove(p: &Path) -> Result<(), JournalError> {
    match fs::remove_file(p) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(JournalError::Io {
            path: p.to_path_buf(),
            error,
        }),
    }
}

fn check_name(client: &str) -> Result<(), ClientNameError> {
    let ok = !client.is_empty()
        && client.len() <= 64
        && client
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(ClientNameError(crate::zonecfg::error::printable(client)))
    }
}

/// Marks `zone` as managed by `client`: from now on `show` lists its links as netzone's and
/// `gc` leaves them, whatever `zoneadm` says of the zone, until [`release`], across reboots
/// (the mark is kept beside the persistent records, [`persistent_path`]). Idempotent; a second
/// client's mark replaces the first's.
pub fn manage(host: &Host, zone: &ZoneName, client: &str) -> Result<ClientRecord, ClientError> {
    check_name(client)?;
    let state = host.state_dir();
    let err = |source| ClientError::State {
        zone: zone.clone(),
        source,
    };
    let _lock = host.lock_zone(zone).map_err(err)?;
    let rec = ClientRecord {
        version: VERSION,
        zone: zone.clone(),
        client: client.to_string(),
    };
    let mut bytes = serde_json::to_vec_pretty(&rec).expect("a client record serialises");
    bytes.push(b'\n');
    journal::write_atomic(&persistent_path(&state, zone), &bytes).map_err(err)?;
    // One mark per zone: a volatile one an earlier netzone wrote goes.
    remove(&path(&state, zone)).map_err(err)?;
    Ok(rec)
}

/// Removes the mark on `zone` (nothing if there is none). Its links, if any are left, are then
/// judged by the zone's state again.
pub fn release(host: &Host, zone: &ZoneName) -> Result<(), ClientError> {
    let state = host.state_dir();
    let err = |source| ClientError::State {
        zone: zone.clone(),
        source,
    };
    let _lock = host.lock_zone(zone).map_err(err)?;
    remove(&persistent_path(&state, zone)).map_err(err)?;
    remove(&path(&state, zone)).map_err(err)
}

/// The mark on `zone`, if any (the persistent one, else a volatile one an earlier netzone
/// wrote).
pub fn record(host: &Host, zone: &ZoneName) -> Result<Option<ClientRecord>, ClientError> {
    let state = host.state_dir();
    let err = |source| ClientError::State {
        zone: zone.clone(),
        source,
    };
    match read(&persistent_path(&state, zone), zone).map_err(err)? {
        Some(r) => Ok(Some(r)),
        None => read(&path(&state, zone), zone).map_err(err),
    }
}

/// Reads and decodes a mark file through the journal's safe open (no symlinks, regular files
/// only, size cap); `None` when there is none.
fn read_json<T: serde::de::DeserializeOwned>(p: &Path) -> Result<Option<T>, JournalError> {
    let Some(text) = journal::read_journal_file(p)? else {
        return Ok(None);
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| corrupt(p, e.to_string()))
}

fn corrupt(p: &Path, reason: String) -> JournalError {
    JournalError::Corrupt {
        path: p.to_path_buf(),
        reason,
    }
}

fn read(p: &Path, zone: &ZoneName) -> Result<Option<ClientRecord>, JournalError> {
    let Some(rec) = read_json::<ClientRecord>(p)? else {
        return Ok(None);
    };
    if rec.version != VERSION || &rec.zone != zone || check_name(&rec.client).is_err() {
        return Err(corrupt(
            p,
            format!("version {} for zone '{}'", rec.version, rec.zone),
        ));
    }
    Ok(Some(rec))
}

/// Marks the link netzone created for `zone`'s net `net` as managed by `client`: from now on
/// `show` lists it as netzone's and `gc` leaves it, whatever `zoneadm` says of the zone, for as
/// long as netzone's record describes the same link. Call it after `up` created the link;
/// after `down`, [`release_link`] (a stale mark covers no later link, but stays on disk).
/// The mark is kept where netzone's record is: beside the persistent records for a persistent
/// link ([`persistent_links_path`]; it outlives a reboot as the link does), in the volatile
/// directory otherwise ([`links_path`]). Idempotent; a second client's mark on the same net
/// replaces the first's.
pub fn manage_link(
    host: &Host,
    zone: &ZoneName,
    net: &LinkName,
    client: &str,
) -> Result<LinkMark, ClientError> {
    check_name(client)?;
    let state = host.state_dir();
    let err = |source| ClientError::State {
        zone: zone.clone(),
        source,
    };
    let _lock = host.lock_zone(zone).map_err(err)?;
    let j = Journal::load(&state, zone).map_err(err)?;
    let no_link = |reason: &str| ClientError::NoLink {
        zone: zone.clone(),
        net: net.clone(),
        reason: reason.into(),
    };
    let e = j
        .links
        .iter()
        .find(|e| &e.net == net)
        .ok_or_else(|| no_link("netzone has no record of a link it created for it"))?;
    let mac = e
        .mac
        .ok_or_else(|| no_link("netzone's record has no MAC address for it yet"))?;
    let mark = LinkMark {
        client: client.to_string(),
        zone: zone.clone(),
        net: net.clone(),
        final_name: e.final_name.clone(),
        over: e.over.clone(),
        vid: e.vid,
        mac,
    };
    let (p, other) = if e.persistent {
        (
            persistent_links_path(&state, zone),
            links_path(&state, zone),
        )
    } else {
        (
            links_path(&state, zone),
            persistent_links_path(&state, zone),
        )
    };
    let mut marks = read_links(&p, zone).map_err(err)?;
    marks.retain(|m| &m.net != net);
    marks.push(mark.clone());
    write_links(&p, zone, marks).map_err(err)?;
    // One mark per net: one left in the other place (the net's earlier link, of the other
    // kind) goes.
    remove_link_mark(&other, zone, net).map_err(err)?;
    Ok(mark)
}

/// Removes the mark on `zone`'s net `net` (nothing if there is none).
pub fn release_link(host: &Host, zone: &ZoneName, net: &LinkName) -> Result<(), ClientError> {
    let state = host.state_dir();
    let err = |source| ClientError::State {
        zone: zone.clone(),
        source,
    };
    let _lock = host.lock_zone(zone).map_err(err)?;
    remove_link_mark(&persistent_links_path(&state, zone), zone, net).map_err(err)?;
    remove_link_mark(&links_path(&state, zone), zone, net).map_err(err)
}

/// Removes the mark on `net` from the marks file `p` of `zone`, if it holds one.
fn remove_link_mark(p: &Path, zone: &ZoneName, net: &LinkName) -> Result<(), JournalError> {
    let mut marks = read_links(p, zone)?;
    let before = marks.len();
    marks.retain(|m| &m.net != net);
    if marks.len() != before {
        write_links(p, zone, marks)?;
    }
    Ok(())
}

/// The link marks of `zone`: those on persistent links, then those on temporary links, each
/// in the order they were made.
pub fn link_marks(host: &Host, zone: &ZoneName) -> Result<Vec<LinkMark>, ClientError> {
    let state = host.state_dir();
    let err = |source| ClientError::State {
        zone: zone.clone(),
        source,
    };
    let mut marks = read_links(&persistent_links_path(&state, zone), zone).map_err(err)?;
    marks.extend(read_links(&links_path(&state, zone), zone).map_err(err)?);
    Ok(marks)
}

fn read_links(p: &Path, zone: &ZoneName) -> Result<Vec<LinkMark>, JournalError> {
    let Some(f) = read_json::<LinkMarks>(p)? else {
        return Ok(Vec::new());
    };
    let bad = f.version != VERSION
        || &f.zone != zone
        || f.links
            .iter()
            .any(|m| &m.zone != zone || check_name(&m.client).is_err());
    if bad {
        return Err(corrupt(
            p,
            format!(
                "version {} for zone '{}', or a mark for another zone or with an invalid client \
                 name",
                f.version, f.zone
            ),
        ));
    }
    Ok(f.links)
}

/// Writes `zone`'s link marks atomically; no marks left, no file.
fn write_links(p: &Path, zone: &ZoneName, links: Vec<LinkMark>) -> Result<(), JournalError> {
    if links.is_empty() {
        return remove(p);
    }
    let f = LinkMarks {
        version: VERSION,
        zone: zone.clone(),
        links,
    };
    let mut bytes = serde_json::to_vec_pretty(&f).expect("link marks serialise");
    bytes.push(b'\n');
    journal::write_atomic(p, &bytes)
}

/// Each `ZONE.json` in `dir` with its zone; other names, and a directory that cannot be read,
/// give nothing.
fn zone_files(dir: &Path) -> impl Iterator<Item = (ZoneName, PathBuf)> {
    fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name();
            let stem = name.to_str()?.strip_suffix(".json")?;
            Some((ZoneName::new(stem).ok()?, e.path()))
        })
}

/// Every link mark of `state_dir` (persistent and volatile), sorted by zone and net; files that
/// cannot be read are returned as warnings (one line each), never fatal.
pub fn all_links(state_dir: &Path) -> (Vec<LinkMark>, Vec<String>) {
    let mut marks = Vec::new();
    let mut warnings = Vec::new();
    let files =
        zone_files(&persistent_links_dir(state_dir)).chain(zone_files(&links_dir(state_dir)));
    for (zone, path) in files {
        match read_links(&path, &zone) {
            Ok(v) => marks.extend(v),
            Err(err) => warnings.push(format!("zone '{zone}': client link marks: {err}")),
        }
    }
    marks.sort_by(|a, b| (&a.zone, &a.net).cmp(&(&b.zone, &b.net)));
    (marks, warnings)
}

/// Every zone mark of `state_dir` (persistent, and volatile ones an earlier netzone wrote), one
/// per zone, sorted by zone; marks that cannot be read are returned as warnings (one line
/// each), never fatal.
pub fn all(state_dir: &Path) -> (Vec<ClientRecord>, Vec<String>) {
    let mut recs = Vec::new();
    let mut warnings = Vec::new();
    let files = zone_files(&persistent_dir(state_dir)).chain(zone_files(&dir(state_dir)));
    for (zone, path) in files {
        match read(&path, &zone) {
            Ok(Some(r)) => recs.push(r),
            Ok(None) => {}
            Err(err) => warnings.push(format!("zone '{zone}': client record: {err}")),
        }
    }
    // Stable: for a zone with both, the persistent mark (read first) is the one kept.
    recs.sort_by(|a, b| a.zone.cmp(&b.zone));
    recs.dedup_by(|a, b| a.zone == b.zone);
    (recs, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::Tools;
    use crate::testutil::zn;

    #[test]
    fn mark_read_release() {
        let dir = tempfile::tempdir().unwrap();
        let h = Host::new(Tools::default(), dir.path());
        let z = zn("agent1");
        assert_eq!(record(&h, &z).unwrap(), None);
        let r = manage(&h, &z, "sled-agent").unwrap();
        assert_eq!(r.client, "sled-agent");
        assert_eq!(record(&h, &z).unwrap(), Some(r.clone()));
        manage(&h, &zn("agent0"), "other").unwrap();
        let (recs, warnings) = all(&h.state_dir());
        assert!(warnings.is_empty());
        assert_eq!(
            recs.iter().map(|r| r.zone.as_str()).collect::<Vec<_>>(),
            ["agent0", "agent1"]
        );
        // Marks do not look like journals to the journal walker.
        assert!(journal::zones_with_journal(&h.state_dir()).is_empty());
        release(&h, &z).unwrap();
        release(&h, &z).unwrap();
        assert_eq!(record(&h, &z).unwrap(), None);
    }

    fn fifo(p: &Path) {
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        let c = std::ffi::CString::new(p.to_str().unwrap()).unwrap();
        // SAFETY: plain system call on a valid C string.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    }

    /// Runs `f` on another thread: `None` if it has not returned within 5 s (it hangs).
    fn within_5s<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f());
        });
        rx.recv_timeout(std::time::Duration::from_secs(5)).ok()
    }

    #[test]
    fn a_fifo_in_place_of_a_mark_does_not_hang() {
        let dir = tempfile::tempdir().unwrap();
        let h = Host::new(Tools::default(), dir.path());
        let z = zn("agent1");
        fifo(&path(&h.state_dir(), &z));
        fifo(&links_path(&h.state_dir(), &z));
        let (h2, z2) = (h.clone(), z.clone());
        let e = within_5s(move || record(&h2, &z2).unwrap_err())
            .expect("reading a FIFO zone mark hung");
        assert_eq!(e.kind(), crate::error::ErrorKind::Corrupt, "{e}");
        assert!(e.to_string().contains("is a FIFO"), "{e}");
        let (h2, z2) = (h.clone(), z.clone());
        let e = within_5s(move || link_marks(&h2, &z2).unwrap_err())
            .expect("reading a FIFO link mark hung");
        assert_eq!(e.kind(), crate::error::ErrorKind::Corrupt, "{e}");
        // show's walk: warnings, never a hang, never fatal.
        let state = h.state_dir();
        let ((recs, w1), (marks, w2)) =
            within_5s(move || (all(&state), all_links(&state))).expect("the walk hung");
        assert!(recs.is_empty() && marks.is_empty());
        assert_eq!((w1.len(), w2.len()), (1, 1), "{w1:?} {w2:?}");
        // A symbolic link in place of a mark is not followed.
        fs::remove_file(path(&h.state_dir(), &z)).unwrap();
        let elsewhere = dir.path().join("elsewhere.json");
        fs::write(
            &elsewhere,
            serde_json::to_vec(&ClientRecord {
                version: VERSION,
                zone: z.clone(),
                client: "x".into(),
            })
            .unwrap(),
        )
        .unwrap();
        std::os::unix::fs::symlink(&elsewhere, path(&h.state_dir(), &z)).unwrap();
        let e = record(&h, &z).unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
    }

    fn recorded(net: &str, mac: Option<&str>) -> JournalLink {
        JournalLink {
            net: crate::testutil::ln(net),
            index: 0,
            name: crate::testutil::ln(net),
            final_name: crate::testutil::ln(net),
            over: crate::testutil::ln("e1000g0"),
            vid: VlanId::new(12).ok(),
            mac: mac.map(|m| m.parse().unwrap()),
            zone: zn("agent1"),
            state: journal::LinkState::Active,
            run: String::new(),
            persistent: false,
        }
    }

    #[test]
    fn link_marks_are_by_identity() {
        let dir = tempfile::tempdir().unwrap();
        let h = Host::new(Tools::default(), dir.path());
        let z = zn("agent1");
        let n0 = crate::testutil::ln("agent1n0");
        // Nothing recorded: nothing to mark.
        let e = manage_link(&h, &z, &n0, "sled-agent").unwrap_err();
        assert!(matches!(e, ClientError::NoLink { .. }), "{e}");
        assert_eq!(e.kind(), crate::error::ErrorKind::NotFound);
        // A record without its MAC yet (an intent): no identity to mark.
        let mut j = Journal::empty(&z);
        j.links.push(recorded("agent1n0", None));
        j.links.push(recorded("agent1n1", Some("2:8:20:0:0:2")));
        j.save(&h.state_dir()).unwrap();
        let e = manage_link(&h, &z, &n0, "sled-agent").unwrap_err();
        assert!(e.to_string().contains("no MAC"), "{e}");
        j.links[0].mac = "2:8:20:0:0:1".parse().ok();
        j.save(&h.state_dir()).unwrap();
        let m = manage_link(&h, &z, &n0, "sled-agent").unwrap();
        assert!(m.covers(&j.links[0]));
        assert!(!m.covers(&j.links[1]));
        // The same name with another MAC, lower link or VLAN is another link.
        for change in [
            |e: &mut JournalLink| e.mac = "2:8:20:0:0:9".parse().ok(),
            |e: &mut JournalLink| e.over = crate::testutil::ln("e1000g1"),
            |e: &mut JournalLink| e.vid = None,
        ] {
            let mut other = j.links[0].clone();
            change(&mut other);
            assert!(!m.covers(&other));
        }
        // Idempotent, one mark per net; a zone mark is not implied.
        manage_link(&h, &z, &n0, "other").unwrap();
        let marks = link_marks(&h, &z).unwrap();
        assert_eq!(marks.len(), 1);
        assert_eq!(marks[0].client, "other");
        assert_eq!(record(&h, &z).unwrap(), None);
        assert!(
            all(&h.state_dir()).0.is_empty(),
            "links/ is not a zone mark"
        );
        assert_eq!(all_links(&h.state_dir()).0, marks);
        // Released: the file goes with the last mark.
        release_link(&h, &z, &n0).unwrap();
        release_link(&h, &z, &n0).unwrap();
        assert!(link_marks(&h, &z).unwrap().is_empty());
        assert!(!links_path(&h.state_dir(), &z).exists());
        // A marks file for another zone under this zone's name is refused.
        let m2 = LinkMark {
            zone: zn("agent2"),
            ..m
        };
        fs::write(
            links_path(&h.state_dir(), &z),
            serde_json::to_vec(&LinkMarks {
                version: VERSION,
                zone: z.clone(),
                links: vec![m2],
            })
            .unwrap(),
        )
        .unwrap();
        let e = link_marks(&h, &z).unwrap_err();
        assert_eq!(e.kind(), crate::error::ErrorKind::Corrupt, "{e}");
    }

    #[test]
    fn bad_names_and_corrupt_marks() {
        let dir = tempfile::tempdir().unwrap();
        let h = Host::new(Tools::default(), dir.path());
        let z = zn("agent1");
        for bad in ["", "a b", "x;y", &"a".repeat(65)] {
            let e = manage(&h, &z, bad).unwrap_err();
            assert_eq!(e.kind(), crate::error::ErrorKind::InvalidValue, "{bad}");
        }
        fs::create_dir_all(super::dir(&h.state_dir())).unwrap();
        fs::write(path(&h.state_dir(), &z), "{nope").unwrap();
        let e = record(&h, &z).unwrap_err();
        assert_eq!(e.kind(), crate::error::ErrorKind::Corrupt);
        let (recs, warnings) = all(&h.state_dir());
        assert!(recs.is_empty());
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        // A mark for another zone under this zone's name is refused.
        let other = ClientRecord {
            version: VERSION,
            zone: zn("agent2"),
            client: "x".into(),
        };
        fs::write(
            path(&h.state_dir(), &z),
            serde_json::to_string(&other).unwrap(),
        )
        .unwrap();
        assert!(record(&h, &z).is_err());
    }
    /// A corrupt mark beside the persistent records is the same typed error, and the same
    /// warning in `show`'s walk, as a corrupt mark in the volatile directory.
    #[test]
    fn a_corrupt_persistent_mark_is_the_same_error_as_a_volatile_one() {
        let dir = tempfile::tempdir().unwrap();
        let h = Host::new(Tools::default(), dir.path());
        let z = zn("agent1");
        let (state, etc) = (h.state_dir(), dir.path().join("etc/netzone/clients"));
        assert_eq!(persistent_dir(&state), etc);
        let places = [
            (path(&state, &z), links_path(&state, &z)),
            (etc.join("agent1.json"), etc.join("links/agent1.json")),
        ];
        for (zone_mark, link_mark) in places {
            for p in [&zone_mark, &link_mark] {
                fs::create_dir_all(p.parent().unwrap()).unwrap();
                fs::write(p, "{nope").unwrap();
            }
            let corrupt_at = |e: &ClientError, at: &Path| {
                assert_eq!(e.kind(), crate::error::ErrorKind::Corrupt, "{e}");
                assert!(
                    matches!(e, ClientError::State {
                        source: JournalError::Corrupt { path, .. }, ..
                    } if path == at),
                    "{e:?}"
                );
            };
            corrupt_at(&record(&h, &z).unwrap_err(), &zone_mark);
            corrupt_at(&link_marks(&h, &z).unwrap_err(), &link_mark);
            corrupt_at(
                &release_link(&h, &z, &crate::testutil::ln("agent1n0")).unwrap_err(),
                &link_mark,
            );
            let ((recs, w1), (marks, w2)) = (all(&state), all_links(&state));
            assert!(recs.is_empty() && marks.is_empty());
            assert_eq!((w1.len(), w2.len()), (1, 1), "{w1:?} {w2:?}");
            assert!(w1[0].contains(zone_mark.to_str().unwrap()), "{w1:?}");
            assert!(w2[0].contains(link_mark.to_str().unwrap()), "{w2:?}");
            // release takes a corrupt zone mark away; the link marks file is the operator's to
            // look at.
            release(&h, &z).unwrap();
            assert!(!zone_mark.exists());
            fs::remove_file(&link_mark).unwrap();
        }
    }

    /// A link mark is kept where netzone's record of the link is; the zone mark beside the
    /// persistent records; each read and released from both places.
    #[test]
    fn marks_live_where_their_records_live() {
        let dir = tempfile::tempdir().unwrap();
        let h = Host::new(Tools::default(), dir.path());
        let z = zn("agent1");
        let state = h.state_dir();
        let (n0, n1) = (
            crate::testutil::ln("agent1n0"),
            crate::testutil::ln("agent1n1"),
        );
        let mut j = Journal::empty(&z);
        j.links.push(recorded("agent1n0", Some("2:8:20:0:0:1")));
        j.links.push(recorded("agent1n1", Some("2:8:20:0:0:2")));
        j.links[0].persistent = true;
        j.save(&state).unwrap();
        let m0 = manage_link(&h, &z, &n0, "a").unwrap();
        let m1 = manage_link(&h, &z, &n1, "a").unwrap();
        let in_file = |p: PathBuf| read_links(&p, &z).unwrap();
        assert_eq!(in_file(persistent_links_path(&state, &z)), vec![m0.clone()]);
        assert_eq!(in_file(links_path(&state, &z)), vec![m1.clone()]);
        assert_eq!(link_marks(&h, &z).unwrap(), [m0.clone(), m1.clone()]);
        assert_eq!(all_links(&state).0, [m0.clone(), m1.clone()]);
        // The net's link made again temporary: its mark moves with the record.
        j.links[0].persistent = false;
        j.save(&state).unwrap();
        manage_link(&h, &z, &n0, "a").unwrap();
        assert!(!persistent_links_path(&state, &z).exists());
        assert_eq!(in_file(links_path(&state, &z)).len(), 2);
        release_link(&h, &z, &n0).unwrap();
        release_link(&h, &z, &n1).unwrap();
        assert!(!links_path(&state, &z).exists());
        // Zone marks: written beside the persistent records, replacing a volatile one an
        // earlier netzone wrote; one per zone in the walk; released from both places.
        let old = ClientRecord {
            version: VERSION,
            zone: z.clone(),
            client: "old".into(),
        };
        journal::write_atomic(&path(&state, &z), &serde_json::to_vec(&old).unwrap()).unwrap();
        assert_eq!(record(&h, &z).unwrap(), Some(old.clone()));
        let r = manage(&h, &z, "new").unwrap();
        assert!(persistent_path(&state, &z).is_file());
        assert!(!path(&state, &z).exists());
        journal::write_atomic(&path(&state, &z), &serde_json::to_vec(&old).unwrap()).unwrap();
        assert_eq!(record(&h, &z).unwrap(), Some(r.clone()));
        assert_eq!(all(&state).0, [r]);
        release(&h, &z).unwrap();
        assert!(!persistent_path(&state, &z).exists() && !path(&state, &z).exists());
        assert_eq!(record(&h, &z).unwrap(), None);
    }
}
