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
//! The mark is a small JSON file, `<state>/clients/<zone>.json` beside the journals
//! (`<root>/etc/svc/volatile/netzone`), written atomically under the zone's lock (the lock `gc`
//! takes before it removes anything of the zone). Like the journals and the links they describe,
//! it lives in the volatile directory and is gone at reboot.

use std::fs;
use std::path::{Path, PathBuf};

use crate::host::Host;
use crate::journal::{self, JournalError};
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

/// Why a mark could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The client's name is not acceptable.
    #[error(transparent)]
    Name(#[from] ClientNameError),
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
            ClientError::State { source, .. } => source.kind(),
        }
    }
}

/// `<state>/clients`.
pub fn dir(state_dir: &Path) -> PathBuf {
    state_dir.join("clients")
}

/// `<state>/clients/<zone>.json`.
pub fn path(state_dir: &Path, zone: &ZoneName) -> PathBuf {
    dir(state_dir).join(format!("{zone}.json"))
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
/// `gc` leaves them, whatever `zoneadm` says of the zone. Idempotent; a second client's mark
/// replaces the first's.
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
    journal::write_atomic(&path(&state, zone), &bytes).map_err(err)?;
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
    let p = path(&state, zone);
    match fs::remove_file(&p) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(err(JournalError::Io { path: p, error })),
    }
}

/// The mark on `zone`, if any.
pub fn record(host: &Host, zone: &ZoneName) -> Result<Option<ClientRecord>, ClientError> {
    read(&path(&host.state_dir(), zone), zone).map_err(|source| ClientError::State {
        zone: zone.clone(),
        source,
    })
}

fn read(p: &Path, zone: &ZoneName) -> Result<Option<ClientRecord>, JournalError> {
    let text = match fs::read_to_string(p) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => {
            return Err(JournalError::Io {
                path: p.to_path_buf(),
                error,
            })
        }
    };
    let corrupt = |reason: String| JournalError::Corrupt {
        path: p.to_path_buf(),
        reason,
    };
    let rec: ClientRecord = serde_json::from_str(&text).map_err(|e| corrupt(e.to_string()))?;
    if rec.version != VERSION || &rec.zone != zone || check_name(&rec.client).is_err() {
        return Err(corrupt(format!(
            "version {} for zone '{}'",
            rec.version, rec.zone
        )));
    }
    Ok(Some(rec))
}

/// Every mark under `state_dir`, sorted by zone; marks that cannot be read are returned as
/// warnings (one line each), never fatal.
pub fn all(state_dir: &Path) -> (Vec<ClientRecord>, Vec<String>) {
    let mut recs = Vec::new();
    let mut warnings = Vec::new();
    let entries = fs::read_dir(dir(state_dir)).into_iter().flatten().flatten();
    for e in entries {
        let name = e.file_name();
        let Some(stem) = name.to_str().and_then(|n| n.strip_suffix(".json")) else {
            continue;
        };
        let Ok(zone) = ZoneName::new(stem) else {
            continue;
        };
        match read(&e.path(), &zone) {
            Ok(Some(r)) => recs.push(r),
            Ok(None) => {}
            Err(err) => warnings.push(format!("zone '{zone}': client record: {err}")),
        }
    }
    recs.sort_by(|a, b| a.zone.cmp(&b.zone));
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
}
