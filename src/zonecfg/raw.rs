//! The first two stages of reading a zone file: a safety scan of the raw XML, then serde into
//! plain strings. Validation into the typed model happens in [`crate::validate`].
//!
//! The scan runs before serde so that hostile input is refused with a position and a clear
//! reason: libzonecfg (`zonecfg_get_handle_impl`) hands files to libxml2 with DTD validation,
//! netzone instead refuses what a zonecfg-written file never contains (an internal DTD subset,
//! undefined entity references, NUL bytes, hundreds of networks, deep nesting).

use quick_xml::events::Event;
use quick_xml::Reader;
use serde::Deserialize;

use super::error::ConfigError;

/// Most `<network>` resources a zone may have. Far above any real zone, low enough that a
/// hostile file with 100,000 of them is refused at once.
pub const MAX_NETS: usize = 256;
/// Most `<net-attr>` children of one `<network>`.
pub const MAX_NET_ATTRS: usize = 64;
/// Deepest element nesting accepted (a zonecfg file nests three deep).
pub const MAX_DEPTH: usize = 16;
/// Most attributes on one element (zonecfg's `<zone>` has about fifteen). quick-xml checks each
/// attribute against every earlier one for duplicates, so an unbounded count is quadratic: a
/// hostile element with 100,000 attributes would hold the hook for minutes.
pub const MAX_ATTRS: usize = 64;
/// The zonecfg DTD's path. A DOCTYPE may name it, as a path or a `file://` URI, possibly under a
/// native-root prefix such as `/native` (illumos-joyent `usr/src/lib/libzonecfg/common/os_dtd.c`,
/// `os_dtd_identify`/`os_dtd_attach`); netzone never opens it.
pub const ZONECFG_DTD_PATH: &str = "/usr/share/lib/xml/dtd/zonecfg.dtd.1";

/// `<zone>` as written: every attribute netzone reads, as a string.
#[derive(Debug, Default, Deserialize)]
pub struct RawZone {
    /// `name`.
    #[serde(rename = "@name")]
    pub name: Option<String>,
    /// `zonepath`.
    #[serde(rename = "@zonepath")]
    pub zonepath: Option<String>,
    /// `brand`.
    #[serde(rename = "@brand")]
    pub brand: Option<String>,
    /// `ip-type`.
    #[serde(rename = "@ip-type")]
    pub ip_type: Option<String>,
    /// The `<network>` children.
    #[serde(rename = "network", default)]
    pub networks: Vec<RawNet>,
}

/// `<network>` as written.
#[derive(Debug, Default, Deserialize)]
pub struct RawNet {
    /// `physical`.
    #[serde(rename = "@physical")]
    pub physical: Option<String>,
    /// `address`.
    #[serde(rename = "@address")]
    pub address: Option<String>,
    /// `allowed-address`.
    #[serde(rename = "@allowed-address")]
    pub allowed_address: Option<String>,
    /// `defrouter`.
    #[serde(rename = "@defrouter")]
    pub defrouter: Option<String>,
    /// `global-nic`.
    #[serde(rename = "@global-nic")]
    pub global_nic: Option<String>,
    /// `mac-addr`.
    #[serde(rename = "@mac-addr")]
    pub mac_addr: Option<String>,
    /// `vlan-id`.
    #[serde(rename = "@vlan-id")]
    pub vlan_id: Option<String>,
    /// The `<net-attr>` children.
    #[serde(rename = "net-attr", default)]
    pub attrs: Vec<RawNetAttr>,
}

/// `<net-attr name=".." value=".."/>` as written.
#[derive(Debug, Default, Deserialize)]
pub struct RawNetAttr {
    /// `name`.
    #[serde(rename = "@name")]
    pub name: Option<String>,
    /// `value`.
    #[serde(rename = "@value")]
    pub value: Option<String>,
}

/// Line and column (from 1; the column counts characters) of byte `offset` in `text`.
pub fn line_col(text: &[u8], offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |p| p + 1);
    let col = String::from_utf8_lossy(&before[start..]).chars().count() + 1;
    (line, col)
}

fn malformed(origin: &str, text: &[u8], offset: usize, reason: impl Into<String>) -> ConfigError {
    let (line, column) = line_col(text, offset);
    ConfigError::Malformed {
        zone: None,
        origin: origin.to_string(),
        line,
        column,
        reason: reason.into(),
    }
}

/// Checks that `bytes` is text netzone will parse: UTF-8 without NUL.
pub fn check_text<'a>(bytes: &'a [u8], origin: &str) -> Result<&'a str, ConfigError> {
    if let Some(p) = bytes.iter().position(|b| *b == 0) {
        return Err(malformed(
            origin,
            bytes,
            p,
            "NUL byte in file (not allowed in XML)",
        ));
    }
    std::str::from_utf8(bytes).map_err(|e| {
        malformed(
            origin,
            bytes,
            e.valid_up_to(),
            "file is not valid UTF-8 (zonecfg writes UTF-8)",
        )
    })
}

/// Why an entity or character reference was refused, in an operator's words.
fn escape_reason(e: &quick_xml::escape::EscapeError) -> String {
    use quick_xml::escape::EscapeError as E;
    match e {
        E::UnrecognizedEntity(_, name) => format!(
            "entity reference '&{};' refused: netzone expands only the predefined XML entities and character references",
            super::error::printable(name)
        ),
        E::UnterminatedEntity(_) => "'&' does not start an entity reference ending in ';'".to_string(),
        E::InvalidCharRef(e) => format!("invalid character reference: {e}"),
    }
}

/// An attribute syntax error as (offset in the tag, reason), without quick-xml's own
/// "position N:" prefix, which counts from the tag rather than the file.
fn attr_error(e: &quick_xml::events::attributes::AttrError) -> (usize, String) {
    use quick_xml::events::attributes::AttrError as A;
    match *e {
        A::ExpectedEq(p) => (p, "attribute name not followed by '='".into()),
        A::ExpectedValue(p) => (p, "attribute has no value".into()),
        A::UnquotedValue(p) => (p, "attribute value must be quoted".into()),
        A::ExpectedQuote(p, q) => (p, format!("attribute value not closed by {}", q as char)),
        A::Duplicated(p, _) => (p, "attribute given twice in one element".into()),
    }
}

/// Unescapes `raw` as quick-xml would, refusing references that could not come from zonecfg.
fn check_escapes(raw: &str) -> Result<(), String> {
    let s = quick_xml::escape::unescape(raw).map_err(|e| escape_reason(&e))?;
    if s.contains('\0') {
        return Err("character reference to NUL".to_string());
    }
    Ok(())
}

/// The system identifier of a DOCTYPE declaration without internal subset (` zone PUBLIC
/// "pubid" "sysid"` or ` zone SYSTEM "sysid"`), if it names one. A declaration netzone cannot
/// read is returned whole, so that it is refused rather than trusted.
fn doctype_system_id(decl: &str) -> Option<String> {
    let mut rest = decl.trim_start();
    // The root element's name.
    rest = rest.trim_start_matches(|c: char| !c.is_whitespace());
    let rest = rest.trim_start();
    let (literals, rest) = if let Some(r) = rest.strip_prefix("SYSTEM") {
        (1, r)
    } else if let Some(r) = rest.strip_prefix("PUBLIC") {
        (2, r)
    } else if rest.is_empty() {
        return None;
    } else {
        return Some(decl.trim().to_string());
    };
    let mut rest = rest;
    let mut last = None;
    for _ in 0..literals {
        rest = rest.trim_start();
        let Some(q) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            return Some(decl.trim().to_string());
        };
        let Some(end) = rest[1..].find(q) else {
            return Some(decl.trim().to_string());
        };
        last = Some(rest[1..1 + end].to_string());
        rest = &rest[2 + end..];
    }
    if !rest.trim().is_empty() {
        return Some(decl.trim().to_string());
    }
    last
}

/// Whether a DOCTYPE system identifier names the zonecfg DTD (see [`ZONECFG_DTD_PATH`]).
fn is_zonecfg_dtd(id: &str) -> bool {
    let path = id.strip_prefix("file://").unwrap_or(id);
    path.starts_with('/')
        && path.ends_with(ZONECFG_DTD_PATH)
        && !path.contains("..")
        && !path.contains(|c: char| c.is_whitespace() || c.is_control())
}

/// Walks the document once with quick-xml's pull reader and refuses anything unsafe or not
/// well-formed, with its position. Linear in the input; never recurses.
pub fn scan(text: &str, origin: &str) -> Result<(), ConfigError> {
    let bytes = text.as_bytes();
    let mut reader = Reader::from_str(text);
    // Defaults already check that end tags match; say so, since the scan relies on it.
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<String> = Vec::new();
    let mut seen_root = false;
    let mut nets = 0usize;
    let mut attrs_in_net = 0usize;
    loop {
        let at = reader.buffer_position() as usize;
        let ev = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => {
                let pos = reader.error_position() as usize;
                return Err(malformed(origin, bytes, pos, e.to_string()));
            }
        };
        // Start of the markup itself, past any whitespace the reader consumed before it.
        // (Bytes, not str: the reader's position need not be on a char boundary, e.g. in a BOM.)
        let at = at
            + bytes[at.min(bytes.len())..]
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let is_empty = matches!(ev, Event::Empty(_));
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                if stack.is_empty() {
                    if seen_root {
                        return Err(malformed(
                            origin,
                            bytes,
                            at,
                            format!(
                                "element <{}> after the root element",
                                super::error::printable(&name)
                            ),
                        ));
                    }
                    if name != "zone" {
                        return Err(malformed(
                            origin,
                            bytes,
                            at,
                            format!(
                                "root element is <{}>, expected <zone>",
                                super::error::printable(&name)
                            ),
                        ));
                    }
                    seen_root = true;
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(malformed(
                        origin,
                        bytes,
                        at,
                        format!("elements nested more than {MAX_DEPTH} deep"),
                    ));
                }
                if stack.len() == 1 && name == "network" {
                    nets += 1;
                    attrs_in_net = 0;
                    if nets > MAX_NETS {
                        return Err(malformed(
                            origin,
                            bytes,
                            at,
                            format!("more than {MAX_NETS} <network> resources"),
                        ));
                    }
                }
                if stack.len() == 2 && stack[1] == "network" && name == "net-attr" {
                    attrs_in_net += 1;
                    if attrs_in_net > MAX_NET_ATTRS {
                        return Err(malformed(
                            origin,
                            bytes,
                            at,
                            format!("more than {MAX_NET_ATTRS} <net-attr> in one <network>"),
                        ));
                    }
                }
                for (n, a) in e.attributes().enumerate() {
                    if n == MAX_ATTRS {
                        return Err(malformed(
                            origin,
                            bytes,
                            at,
                            format!(
                                "more than {MAX_ATTRS} attributes on <{}>",
                                super::error::printable(&name)
                            ),
                        ));
                    }
                    let a = a.map_err(|err| {
                        let (pos, reason) = attr_error(&err);
                        // Positions count from the byte after '<'.
                        malformed(origin, bytes, at + 1 + pos, reason)
                    })?;
                    let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
                    let raw = std::str::from_utf8(&a.value).unwrap_or_default();
                    check_escapes(raw).map_err(|reason| {
                        malformed(
                            origin,
                            bytes,
                            at,
                            format!("attribute '{}': {reason}", super::error::printable(&key)),
                        )
                    })?;
                }
                if !is_empty {
                    stack.push(name);
                }
            }
            Event::End(_) => {
                stack.pop();
            }
            Event::Text(ref t) => {
                let raw = std::str::from_utf8(t).unwrap_or_default();
                if stack.is_empty() && !raw.trim().is_empty() {
                    return Err(malformed(
                        origin,
                        bytes,
                        at,
                        "text outside the root element",
                    ));
                }
                check_escapes(raw).map_err(|reason| malformed(origin, bytes, at, reason))?;
            }
            Event::DocType(ref d) => {
                let raw = String::from_utf8_lossy(d);
                if raw.contains('[') {
                    return Err(malformed(
                        origin,
                        bytes,
                        at,
                        "DOCTYPE with an internal subset (entity declarations) refused: netzone never expands entities",
                    ));
                }
                if let Some(dtd) = doctype_system_id(&raw).filter(|s| !is_zonecfg_dtd(s)) {
                    return Err(malformed(
                        origin,
                        bytes,
                        at,
                        format!(
                            "DOCTYPE: external DTD '{}' refused: netzone never fetches a DTD (zonecfg names file://{ZONECFG_DTD_PATH})",
                            super::error::printable(&dtd)
                        ),
                    ));
                }
            }
            Event::Eof => {
                if let Some(open) = stack.last() {
                    return Err(malformed(
                        origin,
                        bytes,
                        bytes.len(),
                        format!(
                            "unexpected end of file: <{}> is not closed",
                            super::error::printable(open)
                        ),
                    ));
                }
                if !seen_root {
                    return Err(malformed(origin, bytes, bytes.len(), "no <zone> element"));
                }
                return Ok(());
            }
            Event::CData(_) | Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
    }
}

/// Deserializes a document that [`scan`] accepted.
pub fn deserialize(text: &str, origin: &str) -> Result<RawZone, ConfigError> {
    quick_xml::de::from_str(text).map_err(|e| ConfigError::Malformed {
        zone: None,
        origin: origin.to_string(),
        line: 1,
        column: 1,
        reason: e.to_string(),
    })
}
