//! `<root>/etc/zones/index`: the list of configured zones.
//!
//! Format from illumos-gate `usr/src/lib/libzonecfg/common/getzoneent.c`: one zone per line,
//! `name:state:path:uuid`; lines starting with `#` are comments; the path is enclosed in double
//! quotes when it contains `:`; the uuid may be empty. Only the persistent states `configured`,
//! `incomplete` and `installed` are stored there (runtime states come from the kernel), and
//! `getzoneent` skips lines it cannot use rather than failing, so this reader does the same.

use std::io::Read;
use std::path::{Path, PathBuf};

pub use zone::State;

/// Largest index file read (the same cap as a zone file; real ones are a line per zone).
const MAX_INDEX_BYTES: u64 = super::zonecfg::MAX_CONFIG_BYTES;

/// One zone line of the index.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexEntry {
    /// The zone name as written (`global` included; it is not a valid [`crate::zonename::ZoneName`]).
    pub name: String,
    /// `Configured`, `Incomplete` or `Installed`.
    pub state: State,
    /// The zonepath, quotes removed.
    pub path: PathBuf,
    /// The zone's UUID; `None` when empty (a zone that was never installed).
    pub uuid: Option<String>,
}

/// Why the index could not be read.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The index could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Unreadable {
        /// The index file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    #[error("{}: file is larger than {MAX_INDEX_BYTES} bytes; refusing to parse it", path.display())]
    /// The index is larger than any zonecfg writes.
    TooLarge {
        /// The index file.
        path: PathBuf,
    },
}

/// `<root>/etc/zones/index`.
pub fn index_path(root: &Path) -> PathBuf {
    root.join("etc/zones/index")
}

/// Reads the index under `root`. A missing index means no zones are configured (as
/// `setzoneent` returning no file does for `zoneadm list -c`).
pub fn read(root: &Path) -> Result<Vec<IndexEntry>, IndexError> {
    let path = index_path(root);
    let unreadable = |source| IndexError::Unreadable {
        path: path.clone(),
        source,
    };
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(unreadable(e)),
    };
    let mut buf = Vec::new();
    file.take(MAX_INDEX_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(unreadable)?;
    if buf.len() as u64 > MAX_INDEX_BYTES {
        return Err(IndexError::TooLarge { path });
    }
    Ok(parse(&String::from_utf8_lossy(&buf)))
}

/// Parses index text; lines that are comments, blank or unusable are skipped.
pub fn parse(text: &str) -> Vec<IndexEntry> {
    text.lines().filter_map(parse_line).collect()
}

/// Parses one line, or `None` for comments and lines `getzoneent` would skip.
pub fn parse_line(line: &str) -> Option<IndexEntry> {
    // CRLF files (edited elsewhere): carriage returns at the end are not part of any field.
    let line = line.trim_end_matches('\r');
    if line.starts_with('#') || line.trim().is_empty() {
        return None;
    }
    let (name, rest) = line.split_once(':')?;
    let (state, rest) = rest.split_once(':')?;
    let (path, uuid) = if let Some(q) = rest.strip_prefix('"') {
        let (path, after) = q.split_once('"')?;
        let uuid = match after {
            "" => "",
            a => a.strip_prefix(':')?,
        };
        (path, uuid)
    } else {
        rest.split_once(':').unwrap_or((rest, ""))
    };
    if name.is_empty() || path.is_empty() {
        return None;
    }
    let state = match state {
        "configured" => State::Configured,
        "incomplete" => State::Incomplete,
        "installed" => State::Installed,
        _ => return None,
    };
    Some(IndexEntry {
        name: name.to_string(),
        state,
        path: PathBuf::from(path),
        // A UUID never holds whitespace; stray blanks around it are not part of it.
        uuid: Some(uuid.trim())
            .filter(|u| !u.is_empty())
            .map(str::to_string),
    })
}

/// Formats an entry as the index stores it (the path quoted when it contains `:`).
pub fn format_line(e: &IndexEntry) -> String {
    let state = match e.state {
        State::Configured => "configured",
        State::Incomplete => "incomplete",
        _ => "installed",
    };
    let path = e.path.display().to_string();
    let path = if path.contains(':') {
        format!("\"{path}\"")
    } else {
        path
    };
    format!(
        "{}:{state}:{path}:{}",
        e.name,
        e.uuid.as_deref().unwrap_or("")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_typical_index() {
        let text = "# DO NOT EDIT: this file is maintained by zonecfg\n\
                    global:installed:/\n\
                    web01:installed:/zones/web01:3f0f0c7a-2a5e-4d3e-9c1d-0d4f3a0e9b11\n\
                    \n\
                    db1:configured:/zones/db1:\n";
        let v = parse(text);
        assert_eq!(v.len(), 3);
        assert_eq!(v[0].name, "global");
        assert_eq!(v[0].path, PathBuf::from("/"));
        assert_eq!(v[0].uuid, None);
        assert_eq!(v[1].state, State::Installed);
        assert_eq!(
            v[1].uuid.as_deref(),
            Some("3f0f0c7a-2a5e-4d3e-9c1d-0d4f3a0e9b11")
        );
        assert_eq!(v[2].state, State::Configured);
        assert_eq!(v[2].uuid, None);
    }

    #[test]
    fn quoted_path_with_colons() {
        let e = parse_line("odd:installed:\"/zones/a:b:c\":1234").unwrap();
        assert_eq!(e.path, PathBuf::from("/zones/a:b:c"));
        assert_eq!(e.uuid.as_deref(), Some("1234"));
        assert_eq!(format_line(&e), "odd:installed:\"/zones/a:b:c\":1234");
        let e = parse_line("odd:incomplete:\"/zones/x:y\"").unwrap();
        assert_eq!(e.path, PathBuf::from("/zones/x:y"));
        assert_eq!(e.state, State::Incomplete);
    }

    #[test]
    fn skips_what_getzoneent_skips() {
        assert_eq!(parse_line("# web1:installed:/zones/web1:"), None);
        assert_eq!(parse_line("web1:running:/zones/web1:"), None);
        assert_eq!(parse_line("web1:installed"), None);
        assert_eq!(parse_line(":installed:/zones/x:"), None);
        assert_eq!(parse_line("web1:installed::"), None);
        assert_eq!(parse_line("web1:installed:\"/unterminated"), None);
        assert_eq!(parse_line("web1:installed:\"/a:b\"junk"), None);
    }

    #[test]
    fn carriage_returns_and_blanks_are_not_fields() {
        // Found by the fuzzer: a uuid of carriage returns did not survive print and re-parse.
        let e = parse_line("web1:installed:/zones/web1:abcd\r\r").unwrap();
        assert_eq!(e.uuid.as_deref(), Some("abcd"));
        let e = parse_line("web1:installed:/zones/web1:\r \r").unwrap();
        assert_eq!(e.uuid, None);
        assert_eq!(parse_line(&format_line(&e)), Some(e));
    }

    #[test]
    fn round_trip() {
        for line in [
            "web01:installed:/zones/web01:3f0f0c7a-2a5e-4d3e-9c1d-0d4f3a0e9b11",
            "db1:configured:/zones/db1:",
        ] {
            assert_eq!(format_line(&parse_line(line).unwrap()), line);
        }
    }

    #[test]
    fn missing_index_is_no_zones() {
        let d = tempfile::tempdir().unwrap();
        assert!(read(d.path()).unwrap().is_empty());
    }
}
