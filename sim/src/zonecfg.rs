//! A zone's configuration file `ROOT/etc/zones/<zone>.xml` (libzonecfg,
//! `usr/src/lib/libzonecfg/common/libzonecfg.c`; DTD `usr/src/lib/libzonecfg/dtd/zonecfg.dtd.1`).
//!
//! What the sim needs from it: the `<zone>` attributes (`brand`, `zonepath`, `ip-type`,
//! `debugid`), every `<network>` (attributes `address`, `allowed-address`, `defrouter`,
//! `global-nic`, `mac-addr`, `physical`, `vlan-id` and `<net-attr name= value=>` children, the
//! joyent/OmniOS DTD) and the `<attr>` resources (exported to joyent hooks).
//!
//! Edits (sim-zonecfg `select net ...; set ...; end; commit`) rewrite only the `<network>`
//! elements that changed and keep every other byte of the file as it was, then save through
//! a temp file in the same directory renamed over the original, as `zonecfg_save` does
//! (`zonecfg.XXXXXX` + `rename`).
//!
//! Facts followed:
//! - `config_file_path`: `<altroot>/etc/zones/<zone>.xml`; a missing file is `Z_NO_ZONE`
//!   ("No such zone configured"), an unparseable one `Z_INVALID_DOCUMENT` ("Invalid document").
//! - `zonecfg_add_nwif_core`: `address`, `allowed-address`, `defrouter` (and the joyent
//!   `global-nic`, `mac-addr`, `vlan-id`) are written only when non-empty; `physical` always.
//! - DTD default: `ip-type` is `shared` when absent.
//!
//! Not modelled: DTD validation; libzonecfg re-serialising the whole document through
//! libxml2, and `zonecfg_modify_nwif` re-adding a modified `<network>` as the last child
//! (the sim edits it in place).

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use quick_xml::escape::escape;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// The `<network>` attributes zonecfg knows, in `zonecfg info` order (zonecfg.c `output_net`).
pub const NET_PROPS: [&str; 7] = [
    "address",
    "allowed-address",
    "defrouter",
    "global-nic",
    "mac-addr",
    "physical",
    "vlan-id",
];

/// One `<network>` resource.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Net {
    /// Attributes in document order (unknown ones kept).
    attrs: Vec<(String, String)>,
    /// `<net-attr name= value=>` children, in order.
    net_attrs: Vec<(String, String)>,
}

impl Net {
    /// An attribute's value, `""` when absent (libzonecfg fills absent ones with "").
    pub fn get(&self, key: &str) -> &str {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// Sets an attribute; an empty value removes it (only non-empty optional attributes are
    /// written, `zonecfg_add_nwif_core`).
    pub fn set(&mut self, key: &str, value: &str) {
        if value.is_empty() && key != "physical" {
            self.attrs.retain(|(k, _)| k != key);
            return;
        }
        match self.attrs.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => *v = value.to_string(),
            None => self.attrs.push((key.to_string(), value.to_string())),
        }
    }

    pub fn physical(&self) -> &str {
        self.get("physical")
    }

    pub fn attrs(&self) -> &[(String, String)] {
        &self.attrs
    }

    pub fn net_attrs(&self) -> &[(String, String)] {
        &self.net_attrs
    }

    pub fn set_net_attrs(&mut self, v: Vec<(String, String)>) {
        self.net_attrs = v;
    }

    fn start_tag(&self, empty: bool) -> String {
        let mut s = String::from("<network");
        for (k, v) in &self.attrs {
            s.push_str(&format!(" {k}=\"{}\"", escape(v.as_str())));
        }
        s.push_str(if empty { "/>" } else { ">" });
        s
    }
}

/// An `<attr name= type= value=>` resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr {
    pub name: String,
    pub kind: String,
    pub value: String,
}

#[derive(Debug, Clone)]
struct Slot {
    net: Net,
    orig: Net,
    /// Byte range of the start tag (or the whole empty element).
    start_tag: Range<usize>,
    /// Byte range of the whole element.
    whole: Range<usize>,
    empty: bool,
    /// Whitespace before the element on its line.
    indent: String,
}

/// A parsed zone configuration that can be edited and re-rendered.
#[derive(Debug, Clone)]
pub struct ZoneDoc {
    text: String,
    zone_attrs: Vec<(String, String)>,
    slots: Vec<Slot>,
    attrs: Vec<Attr>,
    /// The other children of `<zone>` (`filesystem`, `rctl`, `device`, ...): element name and
    /// attributes, for `info` to tell "none configured" from "not modelled".
    others: Vec<(String, Vec<(String, String)>)>,
}

/// Why a zone configuration could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    /// No `<zone>.xml` (`Z_NO_ZONE`).
    NoZone,
    /// Unparseable (`Z_INVALID_DOCUMENT`), with the parser's reason.
    Invalid(String),
    Io(io::Error),
}

impl LoadError {
    /// `zonecfg_strerror` text.
    pub fn zonecfg_str(&self) -> String {
        match self {
            LoadError::NoZone => "No such zone configured".into(),
            LoadError::Invalid(_) => "Invalid document".into(),
            LoadError::Io(e) => e.to_string(),
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::NoZone => f.write_str("No such zone configured"),
            LoadError::Invalid(r) => write!(f, "Invalid document: {r}"),
            LoadError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for LoadError {}

/// `config_file_path`: `<root>/etc/zones/<zone>.xml`.
pub fn config_path(root: &Path, zone: &str) -> PathBuf {
    root.join("etc/zones").join(format!("{zone}.xml"))
}

fn attrs_of(e: &BytesStart<'_>) -> Result<Vec<(String, String)>, String> {
    let mut v = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|e| e.to_string())?;
        let k = String::from_utf8_lossy(a.key.as_ref()).into_owned();
        let val = a.unescape_value().map_err(|e| e.to_string())?.into_owned();
        v.push((k, val));
    }
    Ok(v)
}

fn lookup<'a>(attrs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

impl ZoneDoc {
    /// Parses the text of a zone XML file.
    pub fn parse(text: &str) -> Result<ZoneDoc, String> {
        let mut reader = Reader::from_str(text);
        let mut depth = 0usize;
        let mut zone_attrs: Option<Vec<(String, String)>> = None;
        let mut slots: Vec<Slot> = Vec::new();
        let mut attrs: Vec<Attr> = Vec::new();
        let mut others: Vec<(String, Vec<(String, String)>)> = Vec::new();
        // The <network> being read, with its start offset and start-tag range.
        let mut open_net: Option<(Net, usize, Range<usize>)> = None;
        loop {
            let before = reader.buffer_position() as usize;
            let ev = reader.read_event().map_err(|e| e.to_string())?;
            let after = reader.buffer_position() as usize;
            // The element starts at its '<' (text events are separate, so `before` is it).
            let lt = text[before..after]
                .find('<')
                .map(|i| before + i)
                .unwrap_or(before);
            match ev {
                Event::Eof => break,
                Event::Start(e) | Event::Empty(e) if depth == 0 => {
                    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    if name != "zone" {
                        return Err(format!("root element is <{name}>, not <zone>"));
                    }
                    zone_attrs = Some(attrs_of(&e)?);
                    if text[lt..after].ends_with("/>") {
                        continue;
                    }
                    depth += 1;
                }
                Event::Start(e) => {
                    let name = e.name();
                    if depth == 1 && !matches!(name.as_ref(), b"network" | b"attr") {
                        let n = String::from_utf8_lossy(name.as_ref()).into_owned();
                        others.push((n, attrs_of(&e)?));
                    }
                    if depth == 1 && name.as_ref() == b"network" {
                        let net = Net {
                            attrs: attrs_of(&e)?,
                            net_attrs: Vec::new(),
                        };
                        open_net = Some((net, lt, lt..after));
                    }
                    depth += 1;
                }
                Event::Empty(e) => {
                    let name = e.name();
                    if depth == 1 && name.as_ref() == b"network" {
                        let net = Net {
                            attrs: attrs_of(&e)?,
                            net_attrs: Vec::new(),
                        };
                        slots.push(Slot {
                            orig: net.clone(),
                            net,
                            start_tag: lt..after,
                            whole: lt..after,
                            empty: true,
                            indent: indent_before(text, lt),
                        });
                    } else if depth == 2 && name.as_ref() == b"net-attr" {
                        if let Some((net, _, _)) = open_net.as_mut() {
                            let a = attrs_of(&e)?;
                            net.net_attrs.push((
                                lookup(&a, "name").unwrap_or("").to_string(),
                                lookup(&a, "value").unwrap_or("").to_string(),
                            ));
                        }
                    } else if depth == 1 && name.as_ref() == b"attr" {
                        let a = attrs_of(&e)?;
                        attrs.push(Attr {
                            name: lookup(&a, "name").unwrap_or("").to_string(),
                            kind: lookup(&a, "type").unwrap_or("").to_string(),
                            value: lookup(&a, "value").unwrap_or("").to_string(),
                        });
                    } else if depth == 1 {
                        let n = String::from_utf8_lossy(name.as_ref()).into_owned();
                        others.push((n, attrs_of(&e)?));
                    }
                }
                Event::End(_) => {
                    depth = depth.saturating_sub(1);
                    if depth == 1 {
                        if let Some((net, start, tag)) = open_net.take() {
                            slots.push(Slot {
                                orig: net.clone(),
                                net,
                                start_tag: tag,
                                whole: start..after,
                                empty: false,
                                indent: indent_before(text, start),
                            });
                        }
                    }
                }
                _ => {}
            }
        }
        if depth != 0 {
            return Err("unexpected end of document".into());
        }
        let zone_attrs = zone_attrs.ok_or_else(|| "no <zone> element".to_string())?;
        Ok(ZoneDoc {
            text: text.to_string(),
            zone_attrs,
            slots,
            attrs,
            others,
        })
    }

    /// The children of `<zone>` named `element` other than networks and attrs, with their
    /// attributes.
    pub fn others(&self, element: &str) -> Vec<&[(String, String)]> {
        self.others
            .iter()
            .filter(|(n, _)| n == element)
            .map(|(_, a)| a.as_slice())
            .collect()
    }

    pub fn zone_attr(&self, key: &str) -> Option<&str> {
        lookup(&self.zone_attrs, key)
    }

    /// The zone's brand (`brand` attribute), if set.
    pub fn brand(&self) -> Option<&str> {
        self.zone_attr("brand").filter(|b| !b.is_empty())
    }

    pub fn zonepath(&self) -> &str {
        self.zone_attr("zonepath").unwrap_or("")
    }

    /// `ip-type="exclusive"`; anything else (or absent, the DTD default) is shared.
    pub fn exclusive(&self) -> bool {
        self.zone_attr("ip-type") == Some("exclusive")
    }

    /// The joyent `debugid` attribute (`zonecfg_get_did`; -1/absent = none).
    pub fn debugid(&self) -> Option<i64> {
        self.zone_attr("debugid")
            .and_then(|v| v.trim().parse::<i64>().ok())
            .filter(|v| *v >= 0)
    }

    pub fn nets(&self) -> Vec<&Net> {
        self.slots.iter().map(|s| &s.net).collect()
    }

    pub fn net_mut(&mut self, i: usize) -> Option<&mut Net> {
        self.slots.get_mut(i).map(|s| &mut s.net)
    }

    pub fn attrs(&self) -> &[Attr] {
        &self.attrs
    }

    /// True when some `<network>` differs from what was read.
    pub fn modified(&self) -> bool {
        self.slots.iter().any(|s| s.net != s.orig)
    }

    /// The document text with changed `<network>` elements re-rendered and everything else
    /// as read.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(self.text.len() + 64);
        let mut pos = 0usize;
        for s in &self.slots {
            if s.net == s.orig {
                continue;
            }
            if s.net.net_attrs == s.orig.net_attrs {
                // Only the attributes changed: replace the start tag, keep the children.
                out.push_str(&self.text[pos..s.start_tag.start]);
                out.push_str(&s.net.start_tag(s.empty));
                pos = s.start_tag.end;
            } else {
                out.push_str(&self.text[pos..s.whole.start]);
                if s.net.net_attrs.is_empty() {
                    out.push_str(&s.net.start_tag(true));
                } else {
                    out.push_str(&s.net.start_tag(false));
                    for (n, v) in &s.net.net_attrs {
                        out.push_str(&format!(
                            "\n{}  <net-attr name=\"{}\" value=\"{}\"/>",
                            s.indent,
                            escape(n.as_str()),
                            escape(v.as_str())
                        ));
                    }
                    out.push_str(&format!("\n{}</network>", s.indent));
                }
                pos = s.whole.end;
            }
        }
        out.push_str(&self.text[pos..]);
        out
    }
}

/// The whitespace between the start of the line and `at`.
fn indent_before(text: &str, at: usize) -> String {
    let line_start = text[..at].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let prefix = &text[line_start..at];
    if prefix.chars().all(char::is_whitespace) {
        prefix.to_string()
    } else {
        String::new()
    }
}

/// Loads `<root>/etc/zones/<zone>.xml`.
pub fn load(root: &Path, zone: &str) -> Result<ZoneDoc, LoadError> {
    let path = config_path(root, zone);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(LoadError::NoZone),
        Err(e) => return Err(LoadError::Io(e)),
    };
    ZoneDoc::parse(&text).map_err(LoadError::Invalid)
}

/// Writes `text` as the zone's configuration atomically: a `zonecfg.XXXXXX` temp file in
/// `etc/zones`, then `rename` over `<zone>.xml` (libzonecfg `zonecfg_save_impl`).
pub fn save_text(root: &Path, zone: &str, text: &str) -> io::Result<()> {
    let path = config_path(root, zone);
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let tmp = dir.join(format!("zonecfg.{:06}", std::process::id() % 1_000_000));
    let res = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, &path)
    })();
    if res.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE zone PUBLIC "-//Sun Microsystems Inc//DTD Zones//EN" "file:///usr/share/lib/xml/dtd/zonecfg.dtd.1">
<!--
    DO NOT EDIT THIS FILE.  Use zonecfg(8) instead.
-->
<zone name="web01" zonepath="/zones/web01" autoboot="true" brand="sparse" ip-type="exclusive" debugid="7">
  <network allowed-address="192.168.10.21/24" defrouter="192.168.10.1" physical="web01_0" global-nic="igb0"/>
  <network physical="web01_1" global-nic="aggr0" vlan-id="42" mac-addr="2:8:20:ab:cd:ef">
    <net-attr name="mtu" value="9000"/>
  </network>
  <attr name="resolvers" type="string" value="192.168.10.1"/>
  <custom-thing keep="me">text &amp; more</custom-thing>
</zone>
"#;

    #[test]
    fn reads_zone_and_networks() {
        let d = ZoneDoc::parse(XML).unwrap();
        assert_eq!(d.brand(), Some("sparse"));
        assert_eq!(d.zonepath(), "/zones/web01");
        assert!(d.exclusive());
        assert_eq!(d.debugid(), Some(7));
        let n = d.nets();
        assert_eq!(n.len(), 2);
        assert_eq!(n[0].physical(), "web01_0");
        assert_eq!(n[0].get("defrouter"), "192.168.10.1");
        assert_eq!(n[0].get("vlan-id"), "");
        assert_eq!(n[1].get("mac-addr"), "2:8:20:ab:cd:ef");
        assert_eq!(n[1].net_attrs(), &[("mtu".to_string(), "9000".to_string())]);
        assert_eq!(d.attrs()[0].value, "192.168.10.1");
        assert!(!d.modified());
        assert_eq!(d.render(), XML);
    }

    #[test]
    fn edits_touch_only_the_changed_network() {
        let mut d = ZoneDoc::parse(XML).unwrap();
        let n = d.net_mut(1).unwrap();
        n.set("mac-addr", "2:8:20:1:2:3");
        n.set("vlan-id", "");
        let out = d.render();
        assert!(out.contains(
            r#"<network physical="web01_1" global-nic="aggr0" mac-addr="2:8:20:1:2:3">"#
        ));
        assert!(out.contains(r#"<net-attr name="mtu" value="9000"/>"#));
        assert!(out.contains("<custom-thing keep=\"me\">text &amp; more</custom-thing>"));
        assert!(out.contains("DO NOT EDIT"));
        let again = ZoneDoc::parse(&out).unwrap();
        assert_eq!(again.nets()[1].get("mac-addr"), "2:8:20:1:2:3");
        assert_eq!(again.nets()[1].get("vlan-id"), "");
        assert_eq!(again.nets()[0], d.nets()[0]);

        // Changing net-attrs rebuilds the element; an empty one becomes a non-empty element.
        let mut d = ZoneDoc::parse(XML).unwrap();
        d.net_mut(0)
            .unwrap()
            .set_net_attrs(vec![("ips".into(), "10.0.0.1/24".into())]);
        d.net_mut(1).unwrap().set_net_attrs(vec![]);
        let out = d.render();
        let again = ZoneDoc::parse(&out).unwrap();
        assert_eq!(
            again.nets()[0].net_attrs(),
            &[("ips".to_string(), "10.0.0.1/24".to_string())]
        );
        assert!(again.nets()[1].net_attrs().is_empty());
        assert!(out.contains("  </network>\n  <network physical=\"web01_1\""));
    }

    #[test]
    fn values_are_escaped() {
        let mut d = ZoneDoc::parse(XML).unwrap();
        d.net_mut(0).unwrap().set("global-nic", "a\"b<c");
        let again = ZoneDoc::parse(&d.render()).unwrap();
        assert_eq!(again.nets()[0].get("global-nic"), "a\"b<c");
    }

    #[test]
    fn rejects_non_zone_documents() {
        assert!(ZoneDoc::parse("<brand name=\"x\"/>").is_err());
        assert!(ZoneDoc::parse("<zone name=\"x\"><network physical=\"a\">").is_err());
        assert!(ZoneDoc::parse("not xml at all <").is_err());
        let d = ZoneDoc::parse("<zone name=\"x\" zonepath=\"/z\"/>").unwrap();
        assert!(!d.exclusive());
        assert!(d.nets().is_empty());
    }

    #[test]
    fn load_and_save() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        assert!(matches!(load(root, "web01"), Err(LoadError::NoZone)));
        save_text(root, "web01", XML).unwrap();
        assert_eq!(load(root, "web01").unwrap().nets().len(), 2);
        save_text(root, "bad", "<zone").unwrap();
        let e = load(root, "bad").unwrap_err();
        assert_eq!(e.zonecfg_str(), "Invalid document");
        // No temp files left behind.
        let names: Vec<String> = fs::read_dir(root.join("etc/zones"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| n.ends_with(".xml")), "{names:?}");
    }
}
