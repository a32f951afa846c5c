//! A brand's `ROOT/usr/lib/brand/<brand>/config.xml`, as libbrand reads it
//! (`usr/src/lib/libbrand/common/libbrand.c`).
//!
//! Facts followed:
//! - `brand_open`: the brand directory must exist, `config.xml` must parse, its root element
//!   must be `<brand>` and its `name` attribute must equal the directory name.
//! - `brand_get_value`: a hook is the text of the first child element of that name; an absent
//!   or empty optional element means "no hook".
//! - `i_substitute_tokens`: `%z` is the zone operated on, `%R` its zonepath, `%%` a literal
//!   `%`; `%u`/`%Z` have no value in the hooks modelled here and expand to nothing, like any
//!   other `%` sequence. `<verify_cfg>` is read without substitution
//!   (`brand_get_verify_cfg` passes `B_FALSE`); the state-change hooks, `<query>` and
//!   `<verify_adm>` are substituted.
//! - zoneadmd.c `brand_callback_init` prefixes a hook with `EXEC_PREFIX` ("exec ") and
//!   `brand_prestatechg`/`brand_poststatechg` append the arguments with
//!   `snprintf("%s %d %d %s", hook, state, cmd, altroot)`, the alternate root being empty
//!   outside `zoneadm -R`: the command line ends in a space.
//!
//! - `brand_open` then opens `platform.xml` in the same directory (`BRAND_PLATFORM`, through
//!   `open_xml_file`, so a symbolic link is followed) and fails the whole brand when it is
//!   missing or does not parse; its root element is `<platform>` (`zone_platform.dtd.1`); its
//!   `name` attribute is not compared with the brand's.
//!
//! Not modelled: DTD validation of either file (`XML_PARSE_DTDVALID`); the sim checks
//! well-formedness and the root elements only.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use quick_xml::events::Event;
use quick_xml::Reader;

/// Why a brand could not be opened (libbrand just returns NULL; zoneadm reports
/// "missing or invalid brand").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrandError {
    pub brand: String,
    pub reason: String,
}

impl fmt::Display for BrandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "brand '{}': {}", self.brand, self.reason)
    }
}

impl std::error::Error for BrandError {}

/// The parsed config.xml of one brand: the brand name and the text of each child element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrandConfig {
    pub name: String,
    elements: Vec<(String, String)>,
}

/// `BRAND_DIR/<brand>/config.xml` under the alternate root.
pub fn config_path(root: &Path, brand: &str) -> PathBuf {
    root.join("usr/lib/brand").join(brand).join("config.xml")
}

/// `BRAND_DIR/<brand>/platform.xml` under the alternate root.
pub fn platform_path(root: &Path, brand: &str) -> PathBuf {
    root.join("usr/lib/brand").join(brand).join("platform.xml")
}

/// The platform file must be well-formed XML whose root element is `<platform>`.
pub fn check_platform(text: &str) -> Result<(), String> {
    let mut reader = Reader::from_str(text);
    let mut root: Option<String> = None;
    let mut depth = 0usize;
    loop {
        match reader.read_event() {
            Err(e) => return Err(format!("invalid XML: {e}")),
            Ok(Event::Eof) if depth > 0 => return Err("unexpected end of document".into()),
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) => {
                if depth == 0 && root.is_none() {
                    root = Some(String::from_utf8_lossy(e.name().as_ref()).into_owned());
                }
                depth += 1;
            }
            Ok(Event::Empty(e)) if depth == 0 && root.is_none() => {
                root = Some(String::from_utf8_lossy(e.name().as_ref()).into_owned());
            }
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(_) => {}
        }
    }
    match root.as_deref() {
        Some("platform") => Ok(()),
        Some(r) => Err(format!("root element is <{r}>, not <platform>")),
        None => Err("no <platform> element".into()),
    }
}

/// A minimal platform.xml for test brands (allows exclusive-IP zones).
pub const MINIMAL_PLATFORM: &str = "<?xml version=\"1.0\"?>\n<!DOCTYPE platform PUBLIC \"-//Sun Microsystems Inc//Zones Platform//EN\" \"file:///usr/share/lib/xml/dtd/zone_platform.dtd.1\">\n<platform name=\"sim\" allow-exclusive-ip=\"true\">\n</platform>\n";

impl BrandConfig {
    /// libbrand `brand_open` + the config part of `open_xml_file`.
    pub fn load(root: &Path, brand: &str) -> Result<BrandConfig, BrandError> {
        let err = |reason: String| BrandError {
            brand: brand.to_string(),
            reason,
        };
        // MAXNAMELEN is 256 including the NUL.
        if brand.is_empty() || brand.len() >= 256 || brand.contains('/') {
            return Err(err("invalid brand name".into()));
        }
        let path = config_path(root, brand);
        let text =
            fs::read_to_string(&path).map_err(|e| err(format!("{}: {e}", path.display())))?;
        let cfg = BrandConfig::parse(&text).map_err(|e| err(format!("{}: {e}", path.display())))?;
        if cfg.name != brand {
            return Err(err(format!(
                "{}: brand name '{}' does not match its directory",
                path.display(),
                cfg.name
            )));
        }
        let plat = platform_path(root, brand);
        let text =
            fs::read_to_string(&plat).map_err(|e| err(format!("{}: {e}", plat.display())))?;
        check_platform(&text).map_err(|e| err(format!("{}: {e}", plat.display())))?;
        Ok(cfg)
    }

    /// Parses config.xml text: the root must be `<brand name="...">`; each direct child
    /// element's text content is kept (first occurrence wins, as `brand_get_value` stops at
    /// the first match).
    pub fn parse(text: &str) -> Result<BrandConfig, String> {
        let mut reader = Reader::from_str(text);
        let mut name: Option<String> = None;
        let mut depth = 0usize;
        let mut elements: Vec<(String, String)> = Vec::new();
        let mut current: Option<(String, String)> = None;
        loop {
            match reader.read_event() {
                Err(e) => return Err(format!("invalid XML: {e}")),
                Ok(Event::Eof) if depth > 0 => return Err("unexpected end of document".into()),
                Ok(Event::Eof) => break,
                Ok(Event::Start(e)) => {
                    let tag = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    if depth == 0 {
                        if tag != "brand" {
                            return Err(format!("root element is <{tag}>, not <brand>"));
                        }
                        name = Some(attr(&e, "name")?.unwrap_or_default());
                    } else if depth == 1 {
                        current = Some((tag, String::new()));
                    }
                    depth += 1;
                }
                Ok(Event::Empty(e)) => {
                    let tag = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    if depth == 0 {
                        return Err("empty <brand> element".into());
                    }
                    if depth == 1 {
                        elements.push((tag, String::new()));
                    }
                }
                Ok(Event::End(_)) => {
                    depth = depth.saturating_sub(1);
                    if depth == 1 {
                        if let Some(c) = current.take() {
                            elements.push(c);
                        }
                    }
                }
                Ok(Event::Text(t)) => {
                    if let Some((_, buf)) = current.as_mut() {
                        let s = t.unescape().map_err(|e| format!("invalid XML: {e}"))?;
                        buf.push_str(&s);
                    }
                }
                Ok(Event::CData(t)) => {
                    if let Some((_, buf)) = current.as_mut() {
                        buf.push_str(&String::from_utf8_lossy(&t));
                    }
                }
                Ok(_) => {}
            }
        }
        let name = name.ok_or_else(|| "no <brand> element".to_string())?;
        Ok(BrandConfig { name, elements })
    }

    /// The raw text of the first `<tag>` child, trimmed; `None` when absent or empty.
    pub fn raw(&self, tag: &str) -> Option<&str> {
        self.elements
            .iter()
            .find(|(t, _)| t == tag)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// A hook with `%z`/`%R` substituted (`brand_get_prestatechange` and friends).
    pub fn hook(&self, tag: &str, zone: &str, zonepath: &str) -> Option<String> {
        self.raw(tag).map(|t| substitute_tokens(t, zone, zonepath))
    }

    pub fn prestatechange(&self, zone: &str, zonepath: &str) -> Option<String> {
        self.hook("prestatechange", zone, zonepath)
    }

    pub fn poststatechange(&self, zone: &str, zonepath: &str) -> Option<String> {
        self.hook("poststatechange", zone, zonepath)
    }

    /// `brand_get_verify_cfg`: no token substitution.
    pub fn verify_cfg(&self) -> Option<String> {
        self.raw("verify_cfg").map(str::to_string)
    }
}

fn attr(e: &quick_xml::events::BytesStart<'_>, key: &str) -> Result<Option<String>, String> {
    for a in e.attributes() {
        let a = a.map_err(|e| format!("invalid XML: {e}"))?;
        if a.key.as_ref() == key.as_bytes() {
            let v = a
                .unescape_value()
                .map_err(|e| format!("invalid XML: {e}"))?;
            return Ok(Some(v.into_owned()));
        }
    }
    Ok(None)
}

/// libbrand.c `i_substitute_tokens` for the hooks zoneadmd runs: `%z` zone name, `%R`
/// zonepath, `%%` a `%`; `%u` and `%Z` (user name, current zone) are not supplied for these
/// hooks and, like any unknown sequence, produce nothing. A lone trailing `%` disappears.
pub fn substitute_tokens(template: &str, zone: &str, zonepath: &str) -> String {
    let mut out = String::with_capacity(template.len() + zone.len() + zonepath.len());
    let mut chars = template.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('z') => out.push_str(zone),
            Some('R') => out.push_str(zonepath),
            _ => {}
        }
    }
    out
}

/// zoneadmd.c `brand_prestatechg`/`brand_poststatechg`: `exec <hook> <state> <cmd> <altroot>`
/// (the `exec ` from `brand_callback_init`); with no alternate root the line ends in a space.
pub fn statechange_command(hook: &str, state: u32, cmd: u32, altroot: &str) -> String {
    format!("exec {hook} {state} {cmd} {altroot}")
}

/// zonecfg.c `brand_verify`: `exec <verify_cfg> <file>`.
pub fn verify_cfg_command(hook: &str, xml_file: &Path) -> String {
    format!("exec {hook} {}", xml_file.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CFG: &str = r#"<?xml version="1.0"?>
<!DOCTYPE brand PUBLIC "-//Sun Microsystems Inc//DTD Brands//EN" "file:///usr/share/lib/xml/dtd/brand.dtd.1">
<brand name="sparse">
  <modname></modname>
  <prestatechange>/usr/lib/brand/sparse/prestate %z %R</prestatechange>
  <poststatechange>/opt/hook post %z 100%% %R%x</poststatechange>
  <verify_cfg>/usr/lib/brand/sparse/verify %z</verify_cfg>
  <privilege set="default" name="contract_event" />
</brand>
"#;

    #[test]
    fn reads_hooks_and_substitutes_tokens() {
        let b = BrandConfig::parse(CFG).unwrap();
        assert_eq!(b.name, "sparse");
        assert_eq!(
            b.prestatechange("web1", "/zones/web1").as_deref(),
            Some("/usr/lib/brand/sparse/prestate web1 /zones/web1")
        );
        // %% is one %, unknown %x vanishes.
        assert_eq!(
            b.poststatechange("web1", "/zones/web1").as_deref(),
            Some("/opt/hook post web1 100% /zones/web1")
        );
        // verify_cfg is not substituted.
        assert_eq!(
            b.verify_cfg().as_deref(),
            Some("/usr/lib/brand/sparse/verify %z")
        );
        // An empty optional element is no hook.
        assert_eq!(b.raw("modname"), None);
        assert_eq!(b.raw("boot"), None);
    }

    #[test]
    fn substitution_edge_cases() {
        assert_eq!(substitute_tokens("a%", "z", "/p"), "a");
        assert_eq!(substitute_tokens("%u%Z%z", "z", "/p"), "z");
        assert_eq!(
            substitute_tokens("%R/root", "z", "/zones/z"),
            "/zones/z/root"
        );
    }

    #[test]
    fn command_line_ends_with_space_without_altroot() {
        assert_eq!(
            statechange_command("/h pre z /zp", 2, 0, ""),
            "exec /h pre z /zp 2 0 "
        );
        assert_eq!(statechange_command("/h", 6, 4, "/a"), "exec /h 6 4 /a");
    }

    #[test]
    fn load_checks_name_and_root_element() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let p = config_path(root, "other");
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, CFG).unwrap();
        let e = BrandConfig::load(root, "other").unwrap_err();
        assert!(e.reason.contains("does not match"), "{e}");
        assert!(BrandConfig::load(root, "missing").is_err());
        assert!(BrandConfig::parse("<zone name=\"x\"/>").is_err());
        assert!(BrandConfig::parse("<brand name=\"x\"><a>").is_err());
        let p = config_path(root, "sparse");
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, CFG).unwrap();
        // libbrand brand_open: no platform.xml, no brand.
        let e = BrandConfig::load(root, "sparse").unwrap_err();
        assert!(e.reason.contains("platform.xml"), "{e}");
        let plat = platform_path(root, "sparse");
        fs::write(&plat, "<brand name=\"sparse\"/>").unwrap();
        let e = BrandConfig::load(root, "sparse").unwrap_err();
        assert!(e.reason.contains("not <platform>"), "{e}");
        fs::write(&plat, "<platform name=\"x\">").unwrap();
        assert!(BrandConfig::load(root, "sparse").is_err());
        fs::write(&plat, MINIMAL_PLATFORM).unwrap();
        assert_eq!(BrandConfig::load(root, "sparse").unwrap().name, "sparse");
        // A symbolic link to another brand's platform.xml is followed; its name is not compared.
        fs::remove_file(&plat).unwrap();
        let other = platform_path(root, "other");
        fs::write(&other, MINIMAL_PLATFORM.replace("sim", "other")).unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("../other/platform.xml", &plat).unwrap();
            assert_eq!(BrandConfig::load(root, "sparse").unwrap().name, "sparse");
        }
    }
}
