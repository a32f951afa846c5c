//! Brands that run netzone's hooks without anyone editing a platform file.
//!
//! A brand is `ROOT/usr/lib/brand/<name>/config.xml` plus `platform.xml`. libbrand
//! (`usr/src/lib/libbrand/common/libbrand.c`, `brand_open`) requires the directory, a
//! `config.xml` that parses and validates against its DTD (`open_xml_file`: `XML_PARSE_DTDVALID`)
//! with root `<brand name=...>` equal to the directory name, and a `platform.xml` that parses
//! and validates too (its name is not compared). The hooks are the text of `<prestatechange>`,
//! `<poststatechange>` (`%z`/`%R` substituted, zoneadmd appends `STATE CMD ALTROOT` and runs the
//! line with `/bin/sh -c "exec ..."`) and `<verify_cfg>` (not substituted; zonecfg appends the
//! file name).
//!
//! [`wrap_config`] is the pure part: a base brand's config.xml in, the same document out with the
//! three hooks replaced by netzone's programs chaining the base's own hooks, every other byte
//! kept (the root's attributes are re-serialised when the brand is renamed), a missing hook
//! element inserted at its place in the DTD's order, and a comment marking the file as
//! netzone's. The form of the chaining follows how the base's hooks take their arguments:
//!
//! | base hooks                                          | netzone's hooks                                  |
//! |-----------------------------------------------------|--------------------------------------------------|
//! | `P pre %z %R` / `P post %z %R` (SmartOS jcommon)    | `netzone-statechange --chain P pre\|post %z %R`  |
//! | `P1 %z %R` / `P2 %z %R` (OmniOS `prestate`/`poststate`) | `--chain-pre P1 pre %z %R` / `--chain-post P2 post %z %R` |
//! | `P W... %z %R` (OmniOS bhyve `support prestate %z %R`)  | `--chain-pre P --chain-pre-arg W... pre %z %R`   |
//! | `verify_cfg` `V W...`                               | `netzone-verify --chain V --chain-arg W...`       |
//!
//! Each chained state-change hook runs with `--order netzone-first`: netzone makes the zone's
//! links before the brand's hook runs, because the platforms' own hooks leave a VNIC alone that
//! already exists (SmartOS jcommon `setup_net`: "check if this zone already has this vnic
//! setup. If so, move on"; OmniOS `vnic.ksh` `config_vnics` reuses an existing VNIC). Run the
//! other way round, the brand's hook makes the VNIC first and netzone finds a link that is not
//! its own. If the brand's hook then fails, netzone removes what it made in that call.
//!
//! Anything else (words after `%z %R`, shell syntax, an environment assignment first) is refused
//! with the element named: netzone passes words to programs without a shell and cannot promise
//! the same call. [`install`] and [`config`] are the edges that read and write files; [`smf`]
//! holds the SmartOS boot-time overlay.

pub mod smf;

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};

/// The directory `brand install` and `brand smf` take netzone's programs from by default
/// (where `dist/build.sh` packages them).
pub const DEFAULT_BINDIR: &str = "/opt/netzone/bin";

/// The start of the comment that marks a config.xml as written by netzone.
pub const MARK: &str = "netzone-generated";

/// The brand DTD's element order (illumos-omnios `usr/src/lib/libbrand/dtd/brand.dtd.1`, a
/// superset of illumos-gate's and illumos-joyent's): a missing hook is inserted before the first
/// element that comes after it here.
pub const DTD_ORDER: [&str; 32] = [
    "modname",
    "initname",
    "restartinit",
    "restartinit0",
    "restartinitreboot",
    "login_cmd",
    "forcedlogin_cmd",
    "user_cmd",
    "install",
    "installopts",
    "boot",
    "sysboot",
    "halt",
    "shutdown",
    "verify_cfg",
    "verify_adm",
    "postattach",
    "postclone",
    "postinstall",
    "predetach",
    "attach",
    "detach",
    "clone",
    "presnap",
    "postsnap",
    "validatesnap",
    "preuninstall",
    "uninstall",
    "prestatechange",
    "poststatechange",
    "query",
    "privilege",
];

const PRE: &str = "prestatechange";
const POST: &str = "poststatechange";
const VERIFY: &str = "verify_cfg";
const HOOKS: [&str; 3] = [PRE, POST, VERIFY];

/// Why a config.xml cannot be wrapped (the pure part; [`BrandError`] adds brand and path).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WrapError {
    /// The file is not well-formed XML (the parser's message).
    #[error("invalid XML: {0}")]
    Xml(String),
    /// The root element is not `<brand>` (the one found).
    #[error("root element is <{0}>, not <brand>")]
    Root(String),
    /// `<brand>` has no `name`.
    #[error("<brand> has no name attribute")]
    NoName,
    /// `<brand name>` differs from the brand's directory.
    #[error("<brand name=\"{found}\"> does not match the brand's directory '{expected}'")]
    NameMismatch {
        /// The name in the file.
        found: String,
        /// The directory's name.
        expected: String,
    },
    /// A hook element appears twice (which).
    #[error("more than one <{0}> element")]
    Duplicate(&'static str),
    /// A hook element holds elements (which).
    #[error("<{0}> holds elements where a program line belongs")]
    Nested(&'static str),
    /// A hook's program line cannot be chained.
    #[error("<{tag}>{text}</{tag}>: {reason}")]
    Hook {
        /// The hook element.
        tag: &'static str,
        /// Its text.
        text: String,
        /// Why it cannot be chained.
        reason: String,
    },
    /// The brand already runs netzone (the line that does).
    #[error("it already runs netzone ({0}); derive from the brand it wraps instead")]
    AlreadyWrapped(String),
    #[error(
        "it has a kernel brand module (<modname>{0}</modname>), which zoneadmd registers under \
         the zone's brand name, so a brand of another name cannot boot; overlay the brand's own \
         config.xml instead (netzone brand smf)"
    )]
    /// The brand has a kernel brand module (its name).
    KernelBrand(String),
}

/// Why `brand install`, `brand config` or `brand smf` failed.
#[derive(Debug, thiserror::Error)]
pub enum BrandError {
    /// The brand name is refused.
    #[error("invalid brand name '{name}': {reason}")]
    Name {
        /// The name.
        name: String,
        /// Why.
        reason: &'static str,
    },
    /// The program directory is refused.
    #[error("invalid program directory '{dir}': {reason}")]
    Bindir {
        /// The directory.
        dir: String,
        /// Why.
        reason: &'static str,
    },
    /// A file could not be read or written.
    #[error("brand '{brand}': {path}: {reason}")]
    File {
        /// The brand.
        brand: String,
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The brand cannot be derived or overlaid.
    #[error("brand '{brand}': {reason}")]
    Brand {
        /// The brand.
        brand: String,
        /// Why.
        reason: String,
    },
    /// The brand's config.xml cannot be wrapped.
    #[error("brand '{brand}': {path}: {wrap}")]
    Wrap {
        /// The brand.
        brand: String,
        /// Its config.xml.
        path: PathBuf,
        /// Why.
        wrap: WrapError,
    },
}

fn file_err(brand: &str, path: &Path, reason: impl ToString) -> BrandError {
    BrandError::File {
        brand: brand.to_string(),
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

/// A brand name netzone accepts: what libbrand can open (a directory name under MAXNAMELEN) and
/// what fits in an XML comment and a shell word: letters, digits, `_`, `.`, `-`, not starting
/// with `.` or `-`, no `--`, at most 64 bytes.
pub fn validate_name(name: &str) -> Result<(), BrandError> {
    let bad = |reason| {
        Err(BrandError::Name {
            name: name.to_string(),
            reason,
        })
    };
    if name.is_empty() {
        return bad("empty");
    }
    if name.len() > 64 {
        return bad("longer than 64 bytes");
    }
    if name.starts_with(['.', '-']) {
        return bad("starts with '.' or '-'");
    }
    if name.contains("--") {
        return bad("contains '--'");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
    {
        return bad("only letters, digits, '_', '.' and '-' are allowed");
    }
    Ok(())
}

/// Whether every byte of `s` is one netzone writes into a hook line or a method script without
/// quoting: no shell syntax, no whitespace.
fn plain_word(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._,:@=+%-".contains(&b))
}

/// netzone's programs as the wrapped hooks name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Programs {
    /// `netzone-statechange`.
    pub statechange: PathBuf,
    /// `netzone-verify`.
    pub verify: PathBuf,
    /// The state-change hook runs with `--persistent`: the brand's zones get persistent links
    /// (gate flavour; OmniOS makes its own on-demand VNICs persistent, pkg5 pull request 121).
    pub persistent: bool,
}

impl Programs {
    /// `DIR/netzone-statechange` and `DIR/netzone-verify`; DIR must be absolute and a plain word
    /// (zoneadmd runs the hook line through the shell).
    pub fn in_dir(dir: &Path) -> Result<Programs, BrandError> {
        let text = dir.to_string_lossy();
        let bad = |reason| {
            Err(BrandError::Bindir {
                dir: text.to_string(),
                reason,
            })
        };
        if !dir.is_absolute() {
            return bad("not an absolute path");
        }
        if !plain_word(&text) || text.contains('%') {
            return bad("only letters, digits and /._,:@=+- are allowed");
        }
        Ok(Programs {
            statechange: dir.join("netzone-statechange"),
            verify: dir.join("netzone-verify"),
            persistent: false,
        })
    }

    /// The same programs, the state-change hook with `--persistent` when `on`.
    pub fn with_persistent(mut self, on: bool) -> Programs {
        self.persistent = on;
        self
    }
}

/// A base hook split into the program and the words netzone passes before its own arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chained {
    /// The program.
    pub program: String,
    /// The words before netzone's own arguments.
    pub words: Vec<String>,
}

/// Splits a hook line into words that mean the same with or without a shell.
fn words(tag: &'static str, text: &str) -> Result<Vec<String>, WrapError> {
    let err = |reason: String| WrapError::Hook {
        tag,
        text: text.trim().to_string(),
        reason,
    };
    let w: Vec<String> = text.split_whitespace().map(String::from).collect();
    for word in &w {
        if let Some(c) = word
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || "/._,:@=+%-".contains(*c)))
        {
            return Err(err(format!(
                "'{c}' is shell syntax; netzone runs the brand's program without a shell and \
                 cannot chain it"
            )));
        }
    }
    if let Some(first) = w.first() {
        if first.contains('=') {
            return Err(err(format!(
                "'{first}' is an environment assignment; netzone cannot chain it"
            )));
        }
        if first.starts_with('-') || first.contains('%') {
            return Err(err(format!("'{first}' is not a program")));
        }
    }
    Ok(w)
}

/// A state-change hook: `PROGRAM [WORD...] %z %R`.
pub fn split_statechange(tag: &'static str, text: &str) -> Result<Chained, WrapError> {
    let w = words(tag, text)?;
    let n = w.len();
    if n < 3 || w[n - 2] != "%z" || w[n - 1] != "%R" {
        return Err(WrapError::Hook {
            tag,
            text: text.trim().to_string(),
            reason:
                "netzone chains a state-change hook only of the form 'PROGRAM [WORD...] %z %R' \
                     (zoneadmd appends STATE CMD ALTROOT)"
                    .into(),
        });
    }
    Ok(Chained {
        program: w[0].clone(),
        words: w[1..n - 2].to_vec(),
    })
}

/// A verify_cfg hook: `PROGRAM [WORD...]` (zonecfg appends the file).
pub fn split_verify(text: &str) -> Result<Chained, WrapError> {
    let w = words(VERIFY, text)?;
    Ok(Chained {
        program: w[0].clone(),
        words: w[1..].to_vec(),
    })
}

fn basename(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

/// netzone's three hook lines for a base whose hooks are `pre`, `post`, `verify` (absent or
/// empty: none). Pure.
pub fn wrapped_hooks(
    pre: Option<&str>,
    post: Option<&str>,
    verify: Option<&str>,
    progs: &Programs,
) -> Result<[(&'static str, String); 3], WrapError> {
    let pre = pre.filter(|t| !t.trim().is_empty());
    let post = post.filter(|t| !t.trim().is_empty());
    let verify = verify.filter(|t| !t.trim().is_empty());
    let pre_c = pre.map(|t| split_statechange(PRE, t)).transpose()?;
    let post_c = post.map(|t| split_statechange(POST, t)).transpose()?;
    let verify_c = verify.map(split_verify).transpose()?;
    for (tag, c, ours) in [
        (PRE, &pre_c, "netzone-statechange"),
        (POST, &post_c, "netzone-statechange"),
        (VERIFY, &verify_c, "netzone-verify"),
    ] {
        if let Some(c) = c {
            if basename(&c.program) == ours {
                return Err(WrapError::AlreadyWrapped(format!(
                    "<{tag}> runs {}",
                    c.program
                )));
            }
        }
    }
    let mut sc = progs.statechange.display().to_string();
    if progs.persistent {
        sc += " --persistent";
    }
    let (pre_line, post_line) = match (&pre_c, &post_c) {
        // jcommon style: one program told the phase by its first word.
        (Some(a), Some(b))
            if a.program == b.program && a.words == ["pre"] && b.words == ["post"] =>
        {
            (
                format!("{sc} --order netzone-first --chain {} pre %z %R", a.program),
                format!(
                    "{sc} --order netzone-first --chain {} post %z %R",
                    b.program
                ),
            )
        }
        _ => {
            let line = |c: &Option<Chained>, flag: &str, phase: &str| {
                let mut l = sc.clone();
                if let Some(c) = c {
                    l += &format!(" --order netzone-first --chain-{flag} {}", c.program);
                    for w in &c.words {
                        l += &format!(" --chain-{flag}-arg {w}");
                    }
                }
                l + &format!(" {phase} %z %R")
            };
            (line(&pre_c, "pre", "pre"), line(&post_c, "post", "post"))
        }
    };
    let mut verify_line = progs.verify.display().to_string();
    if let Some(c) = &verify_c {
        verify_line += &format!(" --chain {}", c.program);
        for w in &c.words {
            verify_line += &format!(" --chain-arg {w}");
        }
    }
    Ok([(PRE, pre_line), (POST, post_line), (VERIFY, verify_line)])
}

/// What [`scan`] finds in a config.xml.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scan {
    /// The root's `name` attribute.
    pub name: String,
    /// The names of `<brand>`'s child elements, in document order.
    pub children: Vec<String>,
    /// The text of the three hook elements that are present.
    pub hooks: Vec<(&'static str, String)>,
    /// Whether a comment marks the document as netzone's.
    pub marked: bool,
    /// The `<modname>` text, trimmed (empty: no kernel brand module).
    pub modname: String,
}

impl Scan {
    /// The text of hook element `tag`, if the file has one.
    pub fn hook(&self, tag: &str) -> Option<&str> {
        self.hooks
            .iter()
            .find(|(t, _)| *t == tag)
            .map(|(_, v)| v.as_str())
    }
}

fn xml_err(e: impl std::fmt::Display) -> WrapError {
    WrapError::Xml(e.to_string())
}

fn hook_tag(name: &[u8]) -> Option<&'static str> {
    HOOKS.into_iter().find(|h| h.as_bytes() == name)
}

/// Reads a config.xml: root, children, hook texts, netzone's mark. Pure.
pub fn scan(xml: &str) -> Result<Scan, WrapError> {
    let mut reader = Reader::from_str(xml);
    let mut s = Scan::default();
    let mut root_seen = false;
    let mut depth = 0usize;
    let mut in_hook: Option<(&'static str, String)> = None;
    loop {
        match reader.read_event().map_err(xml_err)? {
            Event::Eof => {
                if depth > 0 {
                    return Err(WrapError::Xml("unexpected end of document".into()));
                }
                break;
            }
            Event::Start(e) => {
                let tag = e.name().as_ref().to_vec();
                if depth == 0 {
                    root(&e, &mut s, &mut root_seen)?;
                } else if depth == 1 {
                    let name = String::from_utf8_lossy(&tag).into_owned();
                    if let Some(h) = hook_tag(&tag) {
                        if s.hook(h).is_some() || in_hook.is_some() {
                            return Err(WrapError::Duplicate(h));
                        }
                        in_hook = Some((h, String::new()));
                    } else if tag == b"modname" && !s.children.iter().any(|c| c == "modname") {
                        in_hook = Some(("modname", String::new()));
                    }
                    s.children.push(name);
                } else if let Some((h, _)) = &in_hook {
                    return Err(WrapError::Nested(h));
                }
                depth += 1;
            }
            Event::Empty(e) => {
                let tag = e.name().as_ref().to_vec();
                if depth == 0 {
                    root(&e, &mut s, &mut root_seen)?;
                    return Err(WrapError::Xml("empty <brand> element".into()));
                } else if depth == 1 {
                    if let Some(h) = hook_tag(&tag) {
                        if s.hook(h).is_some() {
                            return Err(WrapError::Duplicate(h));
                        }
                        s.hooks.push((h, String::new()));
                    }
                    s.children.push(String::from_utf8_lossy(&tag).into_owned());
                } else if let Some((h, _)) = &in_hook {
                    return Err(WrapError::Nested(h));
                }
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 1 {
                    match in_hook.take() {
                        Some(("modname", t)) => s.modname = t.trim().to_string(),
                        Some(h) => s.hooks.push(h),
                        None => {}
                    }
                }
            }
            Event::Text(t) => {
                if let Some((_, buf)) = in_hook.as_mut() {
                    buf.push_str(&t.unescape().map_err(xml_err)?);
                }
            }
            Event::CData(t) => {
                if let Some((_, buf)) = in_hook.as_mut() {
                    buf.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::Comment(c) if String::from_utf8_lossy(&c).trim_start().starts_with(MARK) => {
                s.marked = true;
            }
            _ => {}
        }
    }
    if !root_seen {
        return Err(WrapError::Root(String::new()));
    }
    Ok(s)
}

fn root(e: &BytesStart<'_>, s: &mut Scan, seen: &mut bool) -> Result<(), WrapError> {
    let tag = String::from_utf8_lossy(e.name().as_ref()).into_owned();
    if *seen || tag != "brand" {
        return Err(WrapError::Root(tag));
    }
    *seen = true;
    for a in e.attributes() {
        let a = a.map_err(xml_err)?;
        if a.key.as_ref() == b"name" {
            s.name = a.unescape_value().map_err(xml_err)?.into_owned();
            return Ok(());
        }
    }
    Err(WrapError::NoName)
}

fn order_of(tag: &str) -> Option<usize> {
    DTD_ORDER.iter().position(|t| *t == tag)
}

/// What [`wrap_config`] makes of a base config.xml.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrapSpec<'a> {
    /// The base brand's name (its config.xml's root must carry it).
    pub base: &'a str,
    /// The name of the result (`base` for an overlay of the same brand).
    pub name: &'a str,
    /// netzone's programs the wrapped hooks run.
    pub programs: &'a Programs,
}

/// The base's config.xml with netzone's hooks (see the module doc). Pure.
pub fn wrap_config(xml: &str, spec: &WrapSpec<'_>) -> Result<String, WrapError> {
    let s = scan(xml)?;
    if s.name != spec.base {
        return Err(WrapError::NameMismatch {
            found: s.name,
            expected: spec.base.to_string(),
        });
    }
    // vplat.c `vplat_create`: with a non-empty modname, zoneadmd passes the zone's brand name
    // (`ba_brandname`) with the module to `zone_setattr(ZONE_ATTR_BRAND)`, and the kernel knows
    // the module only under the base's name.
    if spec.name != spec.base && !s.modname.is_empty() {
        return Err(WrapError::KernelBrand(s.modname));
    }
    if s.marked {
        return Err(WrapError::AlreadyWrapped(format!(
            "its config.xml carries the '{MARK}' comment"
        )));
    }
    let lines = wrapped_hooks(s.hook(PRE), s.hook(POST), s.hook(VERIFY), spec.programs)?;
    let mut missing: Vec<&'static str> = HOOKS
        .into_iter()
        .filter(|h| !s.children.iter().any(|c| c == h))
        .collect();
    missing.sort_by_key(|h| order_of(h));
    let line_of = |tag: &str| {
        lines
            .iter()
            .find(|(t, _)| *t == tag)
            .map(|(_, l)| l.as_str())
            .unwrap_or_default()
    };
    let marker = if spec.name == spec.base {
        format!(
            " {MARK}: brand '{}' with netzone's hooks (netzone brand config); do not edit ",
            spec.base
        )
    } else {
        format!(
            " {MARK}: brand '{}' derived from brand '{}' by netzone brand install; do not edit, \
             run it again ",
            spec.name, spec.base
        )
    };

    let mut reader = Reader::from_str(xml);
    let mut w = Writer::new(Vec::with_capacity(xml.len() + 512));
    let mut depth = 0usize;
    let mut skip_to: Option<usize> = None;
    let mut indent = String::from("\n\t");
    let write = |w: &mut Writer<Vec<u8>>, ev: Event<'_>| w.write_event(ev).map_err(xml_err);
    let element = |w: &mut Writer<Vec<u8>>, tag: &str, text: &str| -> Result<(), WrapError> {
        write(w, Event::Start(BytesStart::new(tag)))?;
        write(w, Event::Text(BytesText::new(text)))?;
        write(w, Event::End(BytesEnd::new(tag)))
    };
    loop {
        let ev = reader.read_event().map_err(xml_err)?;
        if let Some(d) = skip_to {
            // Inside a replaced hook element: drop its old content up to its end tag.
            match &ev {
                Event::Start(_) => depth += 1,
                Event::End(_) => {
                    depth -= 1;
                    if depth == d {
                        skip_to = None;
                        write(&mut w, ev)?;
                    }
                }
                Event::Eof => return Err(WrapError::Xml("unexpected end of document".into())),
                _ => {}
            }
            continue;
        }
        let empty = matches!(ev, Event::Empty(_));
        match ev {
            Event::Eof => break,
            Event::Start(e) if depth == 0 => {
                write(
                    &mut w,
                    Event::Comment(BytesText::from_escaped(marker.as_str())),
                )?;
                write(&mut w, Event::Text(BytesText::from_escaped("\n")))?;
                write(&mut w, Event::Start(renamed(&e, spec.name)?))?;
                depth = 1;
            }
            Event::Start(e) | Event::Empty(e) if depth == 1 => {
                let tag = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                if let Some(idx) = order_of(&tag) {
                    while let Some(m) = missing.first().copied() {
                        if order_of(m) >= Some(idx) {
                            break;
                        }
                        element(&mut w, m, line_of(m))?;
                        write(
                            &mut w,
                            Event::Text(BytesText::from_escaped(indent.as_str())),
                        )?;
                        missing.remove(0);
                    }
                }
                match hook_tag(tag.as_bytes()) {
                    Some(h) if empty => element(&mut w, h, line_of(h))?,
                    Some(h) => {
                        write(&mut w, Event::Start(e))?;
                        write(&mut w, Event::Text(BytesText::new(line_of(h))))?;
                        skip_to = Some(1);
                        depth = 2;
                    }
                    None if empty => write(&mut w, Event::Empty(e))?,
                    None => {
                        write(&mut w, Event::Start(e))?;
                        depth = 2;
                    }
                }
            }
            Event::Start(e) => {
                depth += 1;
                write(&mut w, Event::Start(e))?;
            }
            Event::End(e) => {
                if depth == 1 {
                    for m in std::mem::take(&mut missing) {
                        element(&mut w, m, line_of(m))?;
                        write(&mut w, Event::Text(BytesText::from_escaped("\n")))?;
                    }
                }
                depth = depth.saturating_sub(1);
                write(&mut w, Event::End(e))?;
            }
            Event::Text(t) => {
                if depth == 1 {
                    let raw = String::from_utf8_lossy(&t).into_owned();
                    if !raw.is_empty() && raw.trim().is_empty() {
                        indent = raw;
                    }
                }
                write(&mut w, Event::Text(t))?;
            }
            other => write(&mut w, other)?,
        }
    }
    String::from_utf8(w.into_inner()).map_err(xml_err)
}

/// The root start tag with `name` set to `name`, every other attribute kept in order.
fn renamed(e: &BytesStart<'_>, name: &str) -> Result<BytesStart<'static>, WrapError> {
    let mut out = BytesStart::new("brand");
    for a in e.attributes() {
        let a = a.map_err(xml_err)?;
        if a.key.as_ref() == b"name" {
            out.push_attribute(("name", name));
        } else {
            out.push_attribute(a);
        }
    }
    Ok(out.into_owned())
}

/// `ROOT/usr/lib/brand/<brand>`.
pub fn brand_dir(root: &Path, brand: &str) -> PathBuf {
    root.join("usr/lib/brand").join(brand)
}

fn read_config(root: &Path, brand: &str) -> Result<(PathBuf, String), BrandError> {
    let path = brand_dir(root, brand).join("config.xml");
    match fs::read_to_string(&path) {
        Ok(t) => Ok((path, t)),
        Err(e) if e.kind() == ErrorKind::NotFound => Err(file_err(
            brand,
            &path,
            "no such brand (its config.xml does not exist)",
        )),
        Err(e) => Err(file_err(brand, &path, e)),
    }
}

/// `brand config`: the wrapped config.xml of brand `base` under `root`, named `name` (the base's
/// own name for an overlay). Reads, never writes.
pub fn config(root: &Path, base: &str, name: &str, progs: &Programs) -> Result<String, BrandError> {
    validate_name(base)?;
    validate_name(name)?;
    let (path, text) = read_config(root, base)?;
    wrap_config(
        &text,
        &WrapSpec {
            base,
            name,
            programs: progs,
        },
    )
    .map_err(|wrap| BrandError::Wrap {
        brand: base.to_string(),
        path,
        wrap,
    })
}

/// What [`install`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    /// The brand's directory.
    pub dir: PathBuf,
    /// Whether config.xml changed (false: it already held exactly this).
    pub config_changed: bool,
    /// Whether the platform.xml link was (re)made.
    pub platform_changed: bool,
}

/// Where a derived brand's platform.xml points: the base's, relative so that it resolves
/// under an alternate root as well.
pub fn platform_target(base: &str) -> PathBuf {
    Path::new("..").join(base).join("platform.xml")
}

/// `brand install`: writes `ROOT/usr/lib/brand/<name>/config.xml` (the base's, wrapped and
/// renamed) and `platform.xml`, a symbolic link to the base's (libbrand opens it by path and
/// does not compare its name, so the base's updates carry over). Idempotent; refuses a missing
/// base and a `<name>` directory netzone did not make.
pub fn install(
    root: &Path,
    base: &str,
    name: &str,
    progs: &Programs,
) -> Result<Installed, BrandError> {
    validate_name(base)?;
    validate_name(name)?;
    if base == name {
        return Err(BrandError::Brand {
            brand: name.to_string(),
            reason: "the new brand needs a name of its own (--name)".into(),
        });
    }
    let xml = config(root, base, name, progs)?;
    let base_platform = brand_dir(root, base).join("platform.xml");
    if !base_platform.is_file() {
        return Err(file_err(
            base,
            &base_platform,
            "missing; libbrand cannot open the brand without it",
        ));
    }
    let dir = brand_dir(root, name);
    let cfg_path = dir.join("config.xml");
    let old = match fs::read_to_string(&cfg_path) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == ErrorKind::NotFound => None,
        Err(e) => return Err(file_err(name, &cfg_path, e)),
    };
    match &old {
        Some(t) => {
            if !scan(t).map(|s| s.marked).unwrap_or(false) {
                return Err(file_err(
                    name,
                    &cfg_path,
                    "exists and was not made by netzone; choose another --name or remove it",
                ));
            }
        }
        None => {
            if let Ok(mut entries) = fs::read_dir(&dir) {
                if entries.next().is_some() {
                    return Err(file_err(
                        name,
                        &dir,
                        "exists, is not empty and was not made by netzone; choose another \
                         --name or remove it",
                    ));
                }
            }
        }
    }
    fs::create_dir_all(&dir).map_err(|e| file_err(name, &dir, e))?;
    let config_changed = old.as_deref() != Some(xml.as_str());
    if config_changed {
        let tmp = dir.join(".config.xml.netzone-tmp");
        fs::write(&tmp, &xml).map_err(|e| file_err(name, &tmp, e))?;
        set_mode(&tmp, 0o444).map_err(|e| file_err(name, &tmp, e))?;
        fs::rename(&tmp, &cfg_path).map_err(|e| file_err(name, &cfg_path, e))?;
    }
    let plat = dir.join("platform.xml");
    let want = platform_target(base);
    let platform_changed = match fs::read_link(&plat) {
        Ok(t) if t == want => false,
        Ok(_) => true,
        Err(e) if e.kind() == ErrorKind::NotFound => true,
        // A regular file (not a link): the directory is netzone's (checked above); replace it.
        Err(_) => true,
    };
    if platform_changed {
        match fs::remove_file(&plat) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(file_err(name, &plat, e)),
        }
        symlink(&want, &plat).map_err(|e| file_err(name, &plat, e))?;
    }
    Ok(Installed {
        dir,
        config_changed,
        platform_changed,
    })
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn symlink(_target: &Path, _link: &Path) -> std::io::Result<()> {
    Err(std::io::Error::new(
        ErrorKind::Unsupported,
        "symbolic links need a Unix host",
    ))
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests;
