//! `ROOT/etc/zones/index`: the zone index libzonecfg keeps, one `name:state:path:uuid` line per
//! configured zone (`usr/src/lib/libzonecfg/common/getzoneent.c`).
//!
//! Facts followed:
//! - `getzoneent_private`: lines starting with `#` are comments; a line without a newline
//!   (too long) is skipped; an empty name, an empty state or a state other than
//!   `configured`, `incomplete` or `installed` skips the line (runtime states come from the
//!   kernel, never from the index); an unparseable uuid reads as no uuid.
//! - `gettok`: a field that starts with `"` runs to the closing quote (only the zonepath is
//!   ever quoted, when it contains `:`); fields are split on `:`.
//! - `putzoneent`: comment lines and other zones' lines are copied verbatim; a path containing
//!   `:` is written quoted; the file is rewritten through a temp file in the same directory
//!   and renamed into place.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The persistent states the index may hold (`ZONE_STATE_STR_*` in libzonecfg).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexState {
    Configured,
    Incomplete,
    Installed,
}

impl IndexState {
    pub fn parse(s: &str) -> Option<IndexState> {
        match s {
            "configured" => Some(IndexState::Configured),
            "incomplete" => Some(IndexState::Incomplete),
            "installed" => Some(IndexState::Installed),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            IndexState::Configured => "configured",
            IndexState::Incomplete => "incomplete",
            IndexState::Installed => "installed",
        }
    }

    /// `zone_state_t` number (CONFIGURED 0, INCOMPLETE 1, INSTALLED 2).
    pub fn number(self) -> u32 {
        match self {
            IndexState::Configured => 0,
            IndexState::Incomplete => 1,
            IndexState::Installed => 2,
        }
    }
}

/// One zone's index entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    pub name: String,
    pub state: IndexState,
    pub path: String,
    /// Empty when the line has none or it does not parse as a uuid.
    pub uuid: String,
}

/// A line of the index file as read, so that a rewrite preserves what it does not touch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexLine {
    /// An entry and the line it was read from (written back verbatim unless replaced).
    Entry(IndexEntry, String),
    /// Comments and lines getzoneent skips, kept verbatim (without the newline).
    Verbatim(String),
}

/// Path of the index under an alternate root (`ZONE_INDEX_FILE`).
pub fn index_path(root: &Path) -> PathBuf {
    root.join("etc/zones/index")
}

/// getzoneent.c `gettok`: the next field of `rest`, honouring a leading double quote.
fn gettok(rest: &mut Option<&str>) -> String {
    let Some(s) = rest.take() else {
        return String::new();
    };
    // A quoted field ends at its closing quote; anything between that and the next ':'
    // is skipped (the quote is overwritten with NUL in the C code).
    let (quoted, after): (Option<String>, &str) = if let Some(q) = s.strip_prefix('"') {
        match q.find('"') {
            Some(end) => (Some(q[..end].to_string()), &q[end + 1..]),
            None => (Some(q.to_string()), ""),
        }
    } else {
        (None, s)
    };
    let (unquoted, next) = match after.find(':') {
        Some(i) => (&after[..i], Some(&after[i + 1..])),
        None => (after, None),
    };
    *rest = next;
    quoted.unwrap_or_else(|| unquoted.to_string())
}

/// A uuid in its printable form (`uuid_parse`: 36 chars, hyphens at 8, 13, 18, 23).
fn valid_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Parses one line (without its newline) the way `getzoneent_private` does; `None` for a
/// line it skips.
pub fn parse_entry(line: &str) -> Option<IndexEntry> {
    if line.starts_with('#') {
        return None;
    }
    let mut rest = Some(line);
    let name = gettok(&mut rest);
    // ZONENAME_MAX is 64 including the NUL.
    if name.is_empty() || name.len() >= 64 {
        return None;
    }
    let state = IndexState::parse(&gettok(&mut rest))?;
    let path = gettok(&mut rest);
    let uuid = gettok(&mut rest);
    Some(IndexEntry {
        name,
        state,
        path,
        uuid: if valid_uuid(&uuid) {
            uuid.to_ascii_lowercase()
        } else {
            String::new()
        },
    })
}

/// Parses the whole file into lines.
pub fn parse(text: &str) -> Vec<IndexLine> {
    text.lines()
        .map(|l| match parse_entry(l) {
            Some(e) => IndexLine::Entry(e, l.to_string()),
            None => IndexLine::Verbatim(l.to_string()),
        })
        .collect()
}

/// The entries, in file order.
pub fn entries(lines: &[IndexLine]) -> Vec<IndexEntry> {
    lines
        .iter()
        .filter_map(|l| match l {
            IndexLine::Entry(e, _) => Some(e.clone()),
            IndexLine::Verbatim(_) => None,
        })
        .collect()
}

/// `putzoneent`'s line format: the path quoted when it contains `:`.
pub fn render_entry(e: &IndexEntry) -> String {
    let q = if e.path.contains(':') { "\"" } else { "" };
    format!(
        "{}:{}:{q}{}{q}:{}",
        e.name,
        e.state.as_str(),
        e.path,
        e.uuid
    )
}

/// Renders the file, one line each, verbatim lines untouched.
pub fn render(lines: &[IndexLine]) -> String {
    let mut out = String::new();
    for l in lines {
        match l {
            IndexLine::Entry(_, raw) => out.push_str(raw),
            IndexLine::Verbatim(v) => out.push_str(v),
        }
        out.push('\n');
    }
    out
}

/// Reads the index under `root`. A missing file reads as empty (setzoneent returns NULL and
/// the walk finds nothing).
pub fn read(root: &Path) -> io::Result<Vec<IndexEntry>> {
    match fs::read_to_string(index_path(root)) {
        Ok(t) => Ok(entries(&parse(&t))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// Looks one zone up by name.
pub fn lookup(root: &Path, zone: &str) -> io::Result<Option<IndexEntry>> {
    Ok(read(root)?.into_iter().find(|e| e.name == zone))
}

/// Writes `text` to `path` atomically: a temp file in the same directory, then rename (the
/// way `putzoneent` and `zonecfg_save` do).
pub fn write_atomic(path: &Path, text: &str) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let base = path.file_name().and_then(|s| s.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{base}.tmp.{}", std::process::id()));
    {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)
}

/// Adds or replaces one zone's entry (`putzoneent` PZE_ADD / PZE_MODIFY), keeping every other
/// line as it was.
pub fn put(root: &Path, entry: &IndexEntry) -> io::Result<()> {
    let path = index_path(root);
    let mut lines = match fs::read_to_string(&path) {
        Ok(t) => parse(&t),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e),
    };
    let mut found = false;
    for l in lines.iter_mut() {
        if let IndexLine::Entry(e, _) = l {
            if e.name == entry.name {
                *l = IndexLine::Entry(entry.clone(), render_entry(entry));
                found = true;
            }
        }
    }
    if !found {
        lines.push(IndexLine::Entry(entry.clone(), render_entry(entry)));
    }
    write_atomic(&path, &render(&lines))
}

#[cfg(test)]
mod tests {
    use super::*;

    const UUID: &str = "3f0f0c7a-2a5e-4d3e-9c1d-0d4f3a0e9b11";

    #[test]
    fn parses_entries_comments_and_quoted_paths() {
        let text = format!(
            "# DO NOT EDIT\nglobal:installed:/\nweb01:installed:/zones/web01:{UUID}\n\
             odd:configured:\"/zones/a:b\":\nbad:running:/zones/bad:\n:installed:/x:\n"
        );
        let lines = parse(&text);
        let e = entries(&lines);
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].name, "global");
        assert_eq!(e[0].uuid, "");
        assert_eq!(e[1].uuid, UUID);
        assert_eq!(e[1].state, IndexState::Installed);
        assert_eq!(e[2].path, "/zones/a:b");
        assert_eq!(e[2].state, IndexState::Configured);
        // Skipped lines survive a rewrite verbatim.
        assert_eq!(render(&lines), text);
    }

    #[test]
    fn bad_uuid_reads_as_none_and_long_names_are_skipped() {
        let e = parse_entry("z:installed:/z:not-a-uuid").unwrap();
        assert_eq!(e.uuid, "");
        assert!(parse_entry(&format!("{}:installed:/x:", "a".repeat(64))).is_none());
        assert!(parse_entry("z::/x:").is_none());
    }

    #[test]
    fn put_replaces_and_appends_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("etc/zones")).unwrap();
        fs::write(index_path(root), "# keep me\nglobal:installed:/\n").unwrap();
        let mut e = IndexEntry {
            name: "z1".into(),
            state: IndexState::Configured,
            path: "/zones/z:1".into(),
            uuid: String::new(),
        };
        put(root, &e).unwrap();
        e.state = IndexState::Installed;
        e.uuid = UUID.into();
        put(root, &e).unwrap();
        let text = fs::read_to_string(index_path(root)).unwrap();
        assert_eq!(
            text,
            format!("# keep me\nglobal:installed:/\nz1:installed:\"/zones/z:1\":{UUID}\n")
        );
        assert_eq!(lookup(root, "z1").unwrap().unwrap(), e);
        assert!(lookup(root, "nope").unwrap().is_none());
    }
}
