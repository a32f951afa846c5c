//! `sim-zonecfg -z ZONE <script>`: zonecfg's command-line mode
//! (`usr/src/cmd/zonecfg/zonecfg.c` `one_command_at_a_time`, lexer `zonecfg_lex.l`) for the
//! net resource: `select net <prop>=<value>...`, `set`/`clear` of net properties,
//! `add`/`remove property (name=..,value=..)`, `end`, `cancel`, `info`, `verify`, `commit`,
//! `exit [-F]`.
//!
//! Facts followed (zonecfg.c unless noted):
//! - The argv words are joined with spaces plus a newline and parsed as one input; commands
//!   end at `;` or newline; `#` starts a comment; `"..."` quotes a value. A command that does
//!   not parse prints `syntax error at '<token>'` (zonecfg_lex.l `yyerror`; a newline token
//!   prints as `\n`) and parsing resumes at the next command. Errors never stop the script.
//! - `initialize`: every command that needs the configuration loads it; a missing zone
//!   prints `<zone>: No such zone configured` (`zone_perror`) each time.
//! - `select`: enters the resource scope first, then looks the resource up; no match prints
//!   `select net: No such resource with that id` and returns to the global scope.
//! - `set` in the net scope stores the value; a net property given in the global scope
//!   prints "Cannot set a resource-specific property from the global scope."; an unknown
//!   property word is a syntax error; a property the net resource does not have prints
//!   `<prop>: No such property type` and the `set` usage.
//! - `end`: `physical not specified` if empty; otherwise the modified resource replaces the
//!   selected one and the change needs committing.
//! - `commit`/`verify` (`verify_func`): runs the brand's `<verify_cfg>` (`brand_verify`) as
//!   `exec <verify_cfg> <file>` where the file is a temporary copy of the configuration as
//!   edited (`/tmp/zonecfg_verify.XXXXXX`; the sim uses `ROOT/tmp`); its stdout goes to
//!   zonecfg's stderr; a non-zero exit prints `<zone>: Brand-specific error` and nothing is
//!   saved. Then the net checks (physical required; exclusive: no `address`, `defrouter`
//!   only with `allowed-address`; shared: `address` required, no `allowed-address`); on
//!   error `Zone <zone> failed to verify` and `<zone>: <libzonecfg error>`; in a resource
//!   scope "resource specification incomplete".
//! - `exit` in the global scope ends the script; in a resource scope without `-F` (input is
//!   never a terminal here) it prints "Resource incomplete, input not from terminal and -F
//!   not specified:\nexit command ignored, but exiting anyway." and exits 1 at once.
//! - `cleanup`: at the end an unfinished resource prints "Resource incomplete."; pending
//!   changes are committed implicitly; if that fails, "Configuration not saved.". Exit
//!   status 1 if anything failed or was left unsaved (`saw_error || need_to_commit`), else 0.
//! - `info net` (`output_net`): `net:` then a tab-indented line per property in the order
//!   address, allowed-address, defrouter, global-nic, mac-addr, physical, vlan-id
//!   (`<prop>: <value>`, the value in double quotes if it contains a space, or
//!   `<prop> not specified`), then `property: (name=<n>,value="<v>")` per net-attr.
//!   `info net physical=X` filters ("No such net resource." when nothing matches).
//! - `info attr [name=X]` (`info_attr`) likewise ("No such attr resource."); `info <type>` of a
//!   resource type with nothing configured prints nothing (zonecfg.c `info_fs` and kin: "No
//!   such <type> resource." only after a property filter), exit 0.
//!
//! Not modelled: adding or removing whole resources, resources other than net, global
//! properties other than for `info`, interactive and `-f` modes, the usage text after a
//! syntax error.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::brand::{verify_cfg_command, BrandConfig};
use crate::vplat::{run_subproc, SubprocStatus};
use crate::zonecfg::{self, LoadError, Net, ZoneDoc, NET_PROPS};

/// zonecfg's exit statuses.
pub const Z_OK: i32 = 0;
pub const Z_ERR: i32 = 1;
pub const Z_USAGE: i32 = 2;

/// Property words the lexer knows (zonecfg_lex.l TSTATE keywords).
const PROPERTY_WORDS: &[&str] = &[
    "zonename",
    "zonepath",
    "brand",
    "autoboot",
    "ip-type",
    "pool",
    "limitpriv",
    "bootargs",
    "type",
    "value",
    "options",
    "allowed-address",
    "address",
    "physical",
    "defrouter",
    "mac-addr",
    "vlan-id",
    "global-nic",
    "property",
    "dir",
    "special",
    "raw",
    "name",
    "match",
    "priv",
    "limit",
    "action",
    "ncpus",
    "locked",
    "swap",
    "importance",
    "cpu-shares",
    "max-lwps",
    "max-processes",
    "max-shm-memory",
    "max-shm-ids",
    "max-msg-ids",
    "max-sem-ids",
    "scheduling-class",
    "hostid",
    "user",
    "auths",
    "fs-allowed",
    "default",
    "lower",
    "upper",
    "zfs-io-priority",
];

/// Resource words the lexer knows.
const RESOURCE_WORDS: &[&str] = &[
    "net",
    "fs",
    "device",
    "rctl",
    "attr",
    "admin",
    "security-flags",
    "dataset",
    "dedicated-cpu",
    "capped-cpu",
    "capped-memory",
];

/// Net properties `clear` accepts (zonecfg.c `clear_property`).
const NET_CLEARABLE: &[&str] = &[
    "allowed-address",
    "defrouter",
    "global-nic",
    "mac-addr",
    "vlan-id",
];

/// Command words (zonecfg_lex.l INITIAL state).
const COMMAND_WORDS: &[&str] = &[
    "add", "cancel", "commit", "create", "delete", "end", "exit", "export", "?", "help", "info",
    "remove", "revert", "select", "set", "clear", "verify",
];

/// A lexical token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    Word(String),
    /// A double-quoted string (never a keyword).
    Quoted(String),
    Eq,
    Open,
    Close,
    Comma,
    /// `;` or newline.
    End(char),
}

impl Tok {
    fn text(&self) -> String {
        match self {
            Tok::Word(w) | Tok::Quoted(w) => w.clone(),
            Tok::Eq => "=".into(),
            Tok::Open => "(".into(),
            Tok::Close => ")".into(),
            Tok::Comma => ",".into(),
            Tok::End('\n') => "\\n".into(),
            Tok::End(c) => c.to_string(),
        }
    }

    fn word(&self) -> Option<&str> {
        match self {
            Tok::Word(w) => Some(w),
            _ => None,
        }
    }

    /// A value: a word or a quoted string.
    fn value(&self) -> Option<&str> {
        match self {
            Tok::Word(w) | Tok::Quoted(w) => Some(w),
            _ => None,
        }
    }
}

/// Splits the script into tokens (zonecfg_lex.l, simplified: the character classes of
/// TSTATE/CSTATE are the same except that `,` only separates inside parentheses).
pub fn lex(input: &str) -> Vec<Tok> {
    let mut toks = Vec::new();
    let chars: Vec<char> = input.chars().collect();
    let mut i = 0;
    let mut at_command_start = true;
    let mut paren = 0usize;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\r' => i += 1,
            ';' | '\n' => {
                toks.push(Tok::End(c));
                at_command_start = true;
                paren = 0;
                i += 1;
            }
            '#' if at_command_start => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '=' => {
                toks.push(Tok::Eq);
                i += 1;
            }
            '(' => {
                paren += 1;
                toks.push(Tok::Open);
                i += 1;
            }
            ')' => {
                paren = paren.saturating_sub(1);
                toks.push(Tok::Close);
                i += 1;
            }
            ',' if paren > 0 => {
                toks.push(Tok::Comma);
                i += 1;
            }
            '"' => {
                let mut s = String::new();
                i += 1;
                while i < chars.len() && chars[i] != '"' && chars[i] != '\n' {
                    s.push(chars[i]);
                    i += 1;
                }
                if i < chars.len() && chars[i] == '"' {
                    i += 1;
                }
                toks.push(Tok::Quoted(s));
                at_command_start = false;
            }
            _ => {
                let mut s = String::new();
                while i < chars.len() {
                    let d = chars[i];
                    if " \t\r\n\";=()".contains(d) || (d == ',' && paren > 0) {
                        break;
                    }
                    s.push(d);
                    i += 1;
                }
                toks.push(Tok::Word(s));
                at_command_start = false;
            }
        }
    }
    toks
}

/// A parsed command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Select {
        res: String,
        props: Vec<(String, String)>,
    },
    Set {
        prop: String,
        value: String,
    },
    /// `set property=(name=..,value=..)` / `add property (...)` / `remove property (...)`.
    NetAttr {
        op: AttrOp,
        name: String,
        value: String,
    },
    Clear {
        prop: String,
    },
    End,
    Cancel,
    Commit,
    Verify,
    Exit {
        force: bool,
    },
    Info {
        res: Option<String>,
        props: Vec<(String, String)>,
    },
    /// A command zonecfg has but the sim does not model.
    Unsupported(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrOp {
    Set,
    Add,
    Remove,
}

/// Splits the token stream into commands; `Err(token)` for one that does not parse.
pub fn parse(toks: &[Tok]) -> Vec<Result<Command, String>> {
    let mut cmds = Vec::new();
    let mut cur: Vec<Tok> = Vec::new();
    for t in toks {
        if let Tok::End(_) = t {
            if !cur.is_empty() {
                cmds.push(parse_one(&cur, t));
                cur.clear();
            }
        } else {
            cur.push(t.clone());
        }
    }
    if !cur.is_empty() {
        cmds.push(parse_one(&cur, &Tok::End('\n')));
    }
    cmds
}

/// `prop=value` pairs; `Err(token)` at the first that is not one.
fn pairs(toks: &[Tok], end: &Tok) -> Result<Vec<(String, String)>, String> {
    let mut v = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let name = match toks[i].word() {
            Some(w) if PROPERTY_WORDS.contains(&w) => w.to_string(),
            _ => return Err(toks[i].text()),
        };
        if toks.get(i + 1) != Some(&Tok::Eq) {
            return Err(toks.get(i + 1).unwrap_or(end).text());
        }
        let val = match toks.get(i + 2) {
            Some(t) => match t.value() {
                Some(v) => v.to_string(),
                None => return Err(t.text()),
            },
            None => return Err(end.text()),
        };
        v.push((name, val));
        i += 3;
    }
    Ok(v)
}

/// `(name=<n>,value=<v>)`.
fn complex(toks: &[Tok], end: &Tok) -> Result<(String, String), String> {
    let at = |i: usize| toks.get(i).cloned().unwrap_or(end.clone());
    if at(0) != Tok::Open {
        return Err(at(0).text());
    }
    let mut name = None;
    let mut value = None;
    let mut i = 1;
    loop {
        let key = at(i);
        let k = match key.word() {
            Some(k @ ("name" | "value")) => k.to_string(),
            _ => return Err(key.text()),
        };
        if at(i + 1) != Tok::Eq {
            return Err(at(i + 1).text());
        }
        let v = match at(i + 2).value() {
            Some(v) => v.to_string(),
            None => return Err(at(i + 2).text()),
        };
        if k == "name" {
            name = Some(v);
        } else {
            value = Some(v);
        }
        match at(i + 3) {
            Tok::Comma => i += 4,
            Tok::Close => {
                if i + 4 != toks.len() {
                    return Err(at(i + 4).text());
                }
                break;
            }
            t => return Err(t.text()),
        }
    }
    Ok((name.unwrap_or_default(), value.unwrap_or_default()))
}

fn parse_one(toks: &[Tok], end: &Tok) -> Result<Command, String> {
    let first = toks[0].word().ok_or_else(|| toks[0].text())?;
    if !COMMAND_WORDS.contains(&first) {
        return Err(toks[0].text());
    }
    let rest = &toks[1..];
    let no_args = |c: Command| {
        if rest.is_empty() {
            Ok(c)
        } else {
            Err(rest[0].text())
        }
    };
    match first {
        "select" => {
            let res = match rest.first().and_then(Tok::word) {
                Some(r) if RESOURCE_WORDS.contains(&r) => r.to_string(),
                _ => return Err(rest.first().unwrap_or(end).text()),
            };
            Ok(Command::Select {
                res,
                props: pairs(&rest[1..], end)?,
            })
        }
        "set" => {
            let prop = match rest.first().and_then(Tok::word) {
                Some(p) if PROPERTY_WORDS.contains(&p) => p.to_string(),
                _ => return Err(rest.first().unwrap_or(end).text()),
            };
            if rest.get(1) != Some(&Tok::Eq) {
                return Err(rest.get(1).unwrap_or(end).text());
            }
            if prop == "property" {
                let (name, value) = complex(&rest[2..], end)?;
                return Ok(Command::NetAttr {
                    op: AttrOp::Set,
                    name,
                    value,
                });
            }
            let value = match rest.get(2) {
                Some(t) => t.value().ok_or_else(|| t.text())?.to_string(),
                None => return Err(end.text()),
            };
            if rest.len() > 3 {
                return Err(rest[3].text());
            }
            Ok(Command::Set { prop, value })
        }
        "add" | "remove" if rest.first().and_then(Tok::word) == Some("property") => {
            let (name, value) = complex(&rest[1..], end)?;
            Ok(Command::NetAttr {
                op: if first == "add" {
                    AttrOp::Add
                } else {
                    AttrOp::Remove
                },
                name,
                value,
            })
        }
        "clear" => match rest {
            [Tok::Word(p)] if PROPERTY_WORDS.contains(&p.as_str()) => {
                Ok(Command::Clear { prop: p.clone() })
            }
            _ => Err(rest.first().unwrap_or(end).text()),
        },
        "end" => no_args(Command::End),
        "cancel" => no_args(Command::Cancel),
        "commit" => no_args(Command::Commit),
        "verify" => no_args(Command::Verify),
        "exit" => match rest {
            [] => Ok(Command::Exit { force: false }),
            [Tok::Word(f)] if f == "-F" => Ok(Command::Exit { force: true }),
            _ => Err(rest[0].text()),
        },
        "info" => match rest.first() {
            None => Ok(Command::Info {
                res: None,
                props: vec![],
            }),
            Some(Tok::Word(w))
                if RESOURCE_WORDS.contains(&w.as_str()) || PROPERTY_WORDS.contains(&w.as_str()) =>
            {
                Ok(Command::Info {
                    res: Some(w.clone()),
                    props: pairs(&rest[1..], end)?,
                })
            }
            Some(t) => Err(t.text()),
        },
        other => Ok(Command::Unsupported(other.to_string())),
    }
}

/// zonecfg_validate_zonename: alphanumeric first, then alphanumerics, `-`, `_`, `.`;
/// shorter than ZONENAME_MAX (64).
pub fn valid_zonename(z: &str) -> bool {
    let mut cs = z.chars();
    matches!(cs.next(), Some(c) if c.is_ascii_alphanumeric())
        && cs.all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        && z.len() < 64
}

/// `quoteit`: double quotes around a value containing a space.
fn quoteit(v: &str) -> String {
    if v.contains(' ') {
        format!("\"{v}\"")
    } else {
        v.to_string()
    }
}

/// zonecfg.c `output_net`.
pub fn format_net(n: &Net) -> String {
    let mut s = String::from("net:\n");
    for p in NET_PROPS {
        let v = n.get(p);
        if v.is_empty() {
            s.push_str(&format!("\t{p} not specified\n"));
        } else {
            s.push_str(&format!("\t{p}: {}\n", quoteit(v)));
        }
    }
    for (name, value) in n.net_attrs() {
        s.push_str(&format!("\tproperty: (name={name},value=\"{value}\")\n"));
    }
    s
}

/// Scope of the session (`global_scope`, `resource_scope`, `end_op`).
enum Scope {
    Global,
    Net {
        /// The selected resource, or `None` if the lookup failed.
        index: Option<usize>,
        in_progress: Net,
    },
    /// A resource type the sim does not model (after `select fs ...`).
    Other,
}

/// One zonecfg run.
pub struct Session<'a> {
    root: PathBuf,
    zone: String,
    doc: Option<ZoneDoc>,
    scope: Scope,
    need_to_commit: bool,
    saw_error: bool,
    time_to_exit: bool,
    out: &'a mut dyn Write,
    err: &'a mut dyn Write,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Ran to the end; the exit status.
    Done(i32),
    /// `exit(Z_ERR)` in the middle (exit from an incomplete resource).
    Exited(i32),
}

impl<'a> Session<'a> {
    pub fn new(root: &Path, zone: &str, out: &'a mut dyn Write, err: &'a mut dyn Write) -> Self {
        Session {
            root: root.to_path_buf(),
            zone: zone.to_string(),
            doc: None,
            scope: Scope::Global,
            need_to_commit: false,
            saw_error: false,
            time_to_exit: false,
            out,
            err,
        }
    }

    fn zerr(&mut self, msg: &str) {
        let _ = writeln!(self.err, "{msg}");
    }

    fn perror(&mut self, prefix: &str, msg: &str) {
        self.zerr(&format!("{prefix}: {msg}"));
        self.saw_error = true;
    }

    /// zonecfg.c `initialize(B_TRUE)`.
    fn initialize(&mut self) -> bool {
        if self.doc.is_some() {
            return true;
        }
        match zonecfg::load(&self.root, &self.zone) {
            Ok(d) => {
                self.doc = Some(d);
                true
            }
            Err(e) => {
                let zone = self.zone.clone();
                let msg = match e {
                    LoadError::Io(e) => e.to_string(),
                    other => other.zonecfg_str(),
                };
                self.perror(&zone, &msg);
                false
            }
        }
    }

    /// Runs one command (`Err` = a syntax error); `Some(status)` when zonecfg would exit now.
    pub fn run(&mut self, cmd: Result<Command, String>) -> Option<i32> {
        let cmd = match cmd {
            Ok(c) => c,
            Err(tok) => {
                self.zerr(&format!("syntax error at '{tok}'"));
                self.saw_error = true;
                return None;
            }
        };
        match cmd {
            Command::Select { res, props } => self.select(&res, &props),
            Command::Set { prop, value } => self.set(&prop, &value),
            Command::NetAttr { op, name, value } => self.net_attr(op, &name, &value),
            Command::Clear { prop } => self.clear(&prop),
            Command::End => self.end(),
            Command::Cancel => {
                if matches!(self.scope, Scope::Global) {
                    self.scope_usage("cancel");
                }
                self.scope = Scope::Global;
            }
            Command::Commit => self.verify(true),
            Command::Verify => self.verify(false),
            Command::Exit { force } => {
                if matches!(self.scope, Scope::Global) || force {
                    self.time_to_exit = true;
                } else {
                    self.zerr(
                        "Resource incomplete, input not from terminal and -F not specified:\n\
                         exit command ignored, but exiting anyway.",
                    );
                    return Some(Z_ERR);
                }
            }
            Command::Info { res, props } => self.info(res.as_deref(), &props),
            Command::Unsupported(c) => {
                let z = self.zone.clone();
                self.perror(&z, &format!("{c} is not supported by the simulated host"));
            }
        }
        None
    }

    fn scope_usage(&mut self, cmd: &str) {
        let scope = if matches!(self.scope, Scope::Global) {
            "resource"
        } else {
            "global"
        };
        self.zerr(&format!(
            "The {cmd} command only makes sense in the {scope} scope."
        ));
        self.saw_error = true;
    }

    fn select(&mut self, res: &str, props: &[(String, String)]) {
        if !matches!(self.scope, Scope::Global) {
            self.scope_usage("select");
            return;
        }
        if res != "net" {
            self.scope = Scope::Other;
            let z = self.zone.clone();
            self.perror(
                &z,
                &format!("select {res} is not supported by the simulated host"),
            );
            self.scope = Scope::Global;
            return;
        }
        // global_scope is cleared before the configuration is even read.
        self.scope = Scope::Net {
            index: None,
            in_progress: Net::default(),
        };
        if !self.initialize() {
            return;
        }
        // fill_in_nwiftab: only net properties identify a net resource.
        if let Some((p, _)) = props.iter().find(|(p, _)| !NET_PROPS.contains(&p.as_str())) {
            let p = p.clone();
            self.perror(&p, "No such property type");
            self.scope = Scope::Global;
            return;
        }
        let found = if props.is_empty() {
            Err("Insufficient specification")
        } else {
            self.doc
                .as_ref()
                .expect("initialized")
                .nets()
                .iter()
                .position(|n| props.iter().all(|(k, v)| n.get(k) == v))
                .ok_or("No such resource with that id")
        };
        match found {
            Ok(i) => {
                let net = self.doc.as_ref().expect("initialized").nets()[i].clone();
                self.scope = Scope::Net {
                    index: Some(i),
                    in_progress: net,
                };
            }
            Err(msg) => {
                self.perror("select net", msg);
                self.scope = Scope::Global;
            }
        }
    }

    fn set(&mut self, prop: &str, value: &str) {
        if matches!(self.scope, Scope::Global) {
            if NET_PROPS.contains(&prop) {
                self.zerr("Cannot set a resource-specific property from the global scope.");
                self.saw_error = true;
            } else {
                let z = self.zone.clone();
                self.perror(
                    &z,
                    &format!("set {prop} is not supported by the simulated host"),
                );
            }
            return;
        }
        if !self.initialize() {
            return;
        }
        match &mut self.scope {
            Scope::Net { in_progress, .. } if NET_PROPS.contains(&prop) => {
                in_progress.set(prop, value);
            }
            Scope::Net { .. } => {
                self.perror(prop, "No such property type");
                self.zerr("usage:\nset <property-name>=<property-value>\n\tSets property values.");
            }
            _ => {}
        }
    }

    fn clear(&mut self, prop: &str) {
        if matches!(self.scope, Scope::Global) {
            let z = self.zone.clone();
            self.perror(
                &z,
                &format!("clear {prop} is not supported by the simulated host"),
            );
            return;
        }
        if !self.initialize() {
            return;
        }
        match &mut self.scope {
            Scope::Net { in_progress, .. } if NET_CLEARABLE.contains(&prop) => {
                in_progress.set(prop, "");
                self.need_to_commit = true;
            }
            _ => self.perror(prop, "Clearing this property is not allowed"),
        }
    }

    fn net_attr(&mut self, op: AttrOp, name: &str, value: &str) {
        if matches!(self.scope, Scope::Global) {
            let z = self.zone.clone();
            self.perror(
                &z,
                "add/remove of resources is not supported by the simulated host",
            );
            return;
        }
        if !self.initialize() {
            return;
        }
        let Scope::Net { in_progress, .. } = &mut self.scope else {
            return;
        };
        let mut attrs = in_progress.net_attrs().to_vec();
        let pair = (name.to_string(), value.to_string());
        match op {
            AttrOp::Set => attrs = vec![pair],
            AttrOp::Add => attrs.push(pair),
            AttrOp::Remove => {
                // zonecfg_remove_res_attr: name and value must both match.
                match attrs.iter().position(|a| *a == pair) {
                    Some(i) => {
                        attrs.remove(i);
                    }
                    None => {
                        self.perror("property", "No such property with that id");
                        return;
                    }
                }
            }
        }
        in_progress.set_net_attrs(attrs);
    }

    fn end(&mut self) {
        match std::mem::replace(&mut self.scope, Scope::Global) {
            Scope::Global => self.scope_usage("end"),
            Scope::Other => {}
            Scope::Net { index, in_progress } => {
                if in_progress.physical().is_empty() {
                    self.zerr("physical not specified");
                    self.saw_error = true;
                    self.scope = Scope::Net { index, in_progress };
                    return;
                }
                let Some(i) = index else {
                    // The select never found (or loaded) the resource.
                    let z = self.zone.clone();
                    self.perror(&z, "No such resource with that id");
                    return;
                };
                if let Some(n) = self.doc.as_mut().and_then(|d| d.net_mut(i)) {
                    *n = in_progress;
                }
                self.need_to_commit = true;
            }
        }
    }

    /// zonecfg.c `verify_func` (`save` for commit).
    fn verify(&mut self, save: bool) {
        if !self.initialize() {
            return;
        }
        let zone = self.zone.clone();
        let doc = self.doc.as_ref().expect("initialized").clone();
        let mut ret: Option<&str> = None;
        if doc.zonepath().is_empty() {
            self.zerr("zonepath not specified");
            self.saw_error = true;
            ret = Some("Required resource missing");
        }
        match self.brand_verify(&doc) {
            Ok(true) => {}
            Ok(false) => {
                self.perror(&zone, "Brand-specific error");
                return;
            }
            Err(e) => {
                self.perror(&zone, &e);
                return;
            }
        }
        let exclusive = doc.exclusive();
        let mut has_addr: Vec<(String, bool, bool)> = Vec::new();
        for n in doc.nets() {
            if n.physical().is_empty() {
                self.zerr("net: physical not specified");
                self.saw_error = true;
                ret.get_or_insert("Required property missing");
            }
            if exclusive {
                if !n.get("address").is_empty() {
                    self.zerr("net: address cannot be specified for an exclusive IP type");
                    self.saw_error = true;
                    ret.get_or_insert("Invalid argument");
                } else {
                    match has_addr.iter_mut().find(|(p, _, _)| p == n.physical()) {
                        Some(e) => {
                            e.1 |= !n.get("allowed-address").is_empty();
                            e.2 |= !n.get("defrouter").is_empty();
                        }
                        None => has_addr.push((
                            n.physical().to_string(),
                            !n.get("allowed-address").is_empty(),
                            !n.get("defrouter").is_empty(),
                        )),
                    }
                }
            } else {
                if n.get("address").is_empty() {
                    self.zerr("net: address not specified");
                    self.saw_error = true;
                    ret.get_or_insert("Required property missing");
                }
                if !n.get("allowed-address").is_empty() {
                    self.zerr("net: allowed-address cannot be specified for a shared IP type");
                    self.saw_error = true;
                    ret.get_or_insert("Invalid argument");
                }
            }
        }
        for (phys, addr, router) in &has_addr {
            if !addr && *router {
                self.zerr(&format!(
                    "net: defrouter for {phys} cannot be specified without allowed-address \
                     for an exclusive IP type"
                ));
                self.saw_error = true;
                ret = Some("Invalid argument");
            }
        }
        if !matches!(self.scope, Scope::Global) {
            self.zerr("resource specification incomplete");
            self.saw_error = true;
            ret.get_or_insert("Insufficient specification");
        }
        if save {
            if ret.is_none() {
                let text = doc.render();
                match zonecfg::save_text(&self.root, &zone, &text) {
                    Ok(()) => {
                        self.need_to_commit = false;
                        self.doc = ZoneDoc::parse(&text).ok();
                    }
                    Err(_) => ret = Some("Problem saving file"),
                }
            } else {
                self.zerr(&format!("Zone {zone} failed to verify"));
            }
        }
        if let Some(r) = ret {
            self.perror(&zone, r);
        }
    }

    /// zonecfg.c `brand_verify`: `Ok(false)` when the brand's verify_cfg refuses.
    fn brand_verify(&mut self, doc: &ZoneDoc) -> Result<bool, String> {
        let Some(brand) = doc.brand() else {
            return Ok(true);
        };
        let cfg = BrandConfig::load(&self.root, brand).map_err(|_| "unknown brand.".to_string())?;
        let Some(hook) = cfg.verify_cfg() else {
            return Ok(true);
        };
        let dir = self.root.join("tmp");
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let file = unique_temp(&dir, "zonecfg_verify");
        std::fs::write(&file, doc.render()).map_err(|_| "Problem creating temporary file")?;
        let cmdline = verify_cfg_command(&hook, &file);
        // popen(): the hook's stdout is copied to zonecfg's stderr, its stderr is zonecfg's.
        let err = &mut *self.err;
        let st = run_subproc(&cmdline, &[], |l| {
            let _ = writeln!(err, "{l}");
        });
        let _ = std::fs::remove_file(&file);
        match st {
            Ok(SubprocStatus::Exited(0)) => Ok(true),
            Ok(SubprocStatus::Exited(_)) => Ok(false),
            Ok(SubprocStatus::Signaled(s)) => {
                self.zerr(&format!(
                    "{cmdline} unexpectedly terminated due to signal {s}"
                ));
                Ok(false)
            }
            Err(_) => {
                self.zerr(&format!("Could not launch: {cmdline}"));
                Ok(false)
            }
        }
    }

    fn info(&mut self, res: Option<&str>, props: &[(String, String)]) {
        if !self.initialize() {
            return;
        }
        let doc = self.doc.as_ref().expect("initialized").clone();
        let mut text = String::new();
        if let Scope::Net { in_progress, .. } = &self.scope {
            text = format_net(in_progress);
        } else {
            match res {
                None => {
                    text.push_str(&format!(
                        "zonename: {}\n",
                        doc.zone_attr("name").unwrap_or(&self.zone)
                    ));
                    text.push_str(&format!("zonepath: {}\n", doc.zonepath()));
                    text.push_str(&format!("brand: {}\n", doc.brand().unwrap_or("")));
                    text.push_str(&format!(
                        "autoboot: {}\n",
                        doc.zone_attr("autoboot").unwrap_or("false")
                    ));
                    // info_bootargs, info_pool, info_limitpriv, info_sched: the attribute
                    // or empty.
                    for (label, attr) in [
                        ("bootargs", "bootargs"),
                        ("pool", "pool"),
                        ("limitpriv", "limitpriv"),
                        ("scheduling-class", "scheduling-class"),
                    ] {
                        text.push_str(&format!("{label}: {}\n", doc.zone_attr(attr).unwrap_or("")));
                    }
                    text.push_str(&format!(
                        "ip-type: {}\n",
                        if doc.exclusive() {
                            "exclusive"
                        } else {
                            "shared"
                        }
                    ));
                    for (label, attr) in [("hostid", "hostid"), ("fs-allowed", "fs-allowed")] {
                        text.push_str(&format!("{label}: {}\n", doc.zone_attr(attr).unwrap_or("")));
                    }
                    for n in doc.nets() {
                        text.push_str(&format_net(n));
                    }
                    for a in doc.attrs() {
                        text.push_str(&format!(
                            "attr:\n\tname: {}\n\ttype: {}\n\tvalue: {}\n",
                            quoteit(&a.name),
                            quoteit(&a.kind),
                            quoteit(&a.value)
                        ));
                    }
                }
                Some("net") => {
                    let matching: Vec<&Net> = doc
                        .nets()
                        .into_iter()
                        .filter(|n| props.iter().all(|(k, v)| n.get(k) == v))
                        .collect();
                    for n in &matching {
                        text.push_str(&format_net(n));
                    }
                    if matching.is_empty() && !props.is_empty() {
                        text.push_str("No such net resource.\n");
                    }
                }
                Some("zonename") => text = format!("zonename: {}\n", self.zone),
                Some("zonepath") => text = format!("zonepath: {}\n", doc.zonepath()),
                Some("brand") => text = format!("brand: {}\n", doc.brand().unwrap_or("")),
                Some("ip-type") => {
                    text = format!(
                        "ip-type: {}\n",
                        if doc.exclusive() {
                            "exclusive"
                        } else {
                            "shared"
                        }
                    )
                }
                Some("autoboot") => {
                    text = format!(
                        "autoboot: {}\n",
                        doc.zone_attr("autoboot").unwrap_or("false")
                    )
                }
                Some("attr") => {
                    // zonecfg.c `info_attr`: every attr, or those matching the given
                    // name/type/value; "No such attr resource." on stdout (exit 0) when
                    // a filter matched nothing.
                    let matching: Vec<_> = doc
                        .attrs()
                        .iter()
                        .filter(|a| {
                            props.iter().all(|(k, v)| match k.as_str() {
                                "name" => &a.name == v,
                                "type" => &a.kind == v,
                                "value" => &a.value == v,
                                _ => false,
                            })
                        })
                        .collect();
                    for a in &matching {
                        text.push_str(&format!(
                            "attr:\n\tname: {}\n\ttype: {}\n\tvalue: {}\n",
                            quoteit(&a.name),
                            quoteit(&a.kind),
                            quoteit(&a.value)
                        ));
                    }
                    if matching.is_empty() && !props.is_empty() {
                        text.push_str("No such attr resource.\n");
                    }
                }
                Some(other) => match unmodelled_resource(&doc, other) {
                    // zonecfg.c `info_fs`, `info_rctl`, `info_pset`, `info_mcap`, ...: a
                    // resource type with nothing configured prints nothing (or, with a
                    // property filter, "No such <type> resource.") and exits 0.
                    Some(false) => {
                        if !props.is_empty() {
                            text = format!("No such {other} resource.\n");
                        }
                    }
                    _ => {
                        let z = self.zone.clone();
                        self.perror(
                            &z,
                            &format!("info {other} is not supported by the simulated host"),
                        );
                        return;
                    }
                },
            }
        }
        let _ = self.out.write_all(text.as_bytes());
    }

    /// zonecfg.c `cleanup`: implicit commit and the exit status.
    pub fn finish(&mut self) -> i32 {
        if !matches!(self.scope, Scope::Global) {
            if !self.time_to_exit {
                self.zerr("Resource incomplete.");
                return Z_ERR;
            }
            self.saw_error = true;
        }
        if self.need_to_commit && self.doc.is_some() {
            self.verify(true);
            if self.need_to_commit {
                self.zerr("Configuration not saved.");
                return Z_ERR;
            }
        }
        if self.need_to_commit || self.saw_error {
            Z_ERR
        } else {
            Z_OK
        }
    }

    /// Runs a whole script (the joined argv words).
    pub fn run_script(&mut self, script: &str) -> Outcome {
        let mut input = script.to_string();
        input.push('\n');
        for c in parse(&lex(&input)) {
            if let Some(st) = self.run(c) {
                return Outcome::Exited(st);
            }
            if self.time_to_exit {
                break;
            }
        }
        Outcome::Done(self.finish())
    }
}

/// A fresh `<prefix>.XXXXXX` path in `dir`.
fn unique_temp(dir: &Path, prefix: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    dir.join(format!(
        "{prefix}.{:06x}",
        (std::process::id() ^ t ^ n.wrapping_mul(0x9e37)) & 0xff_ffff
    ))
}

/// zonecfg's `main` for `-z ZONE word...`; returns the exit status.
pub fn run(argv: &[String], root: &Path, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let usage = |err: &mut dyn Write| {
        let _ = writeln!(
            err,
            "usage:\tzonecfg -z <zone> [-R <root>] subcommand\n\tzonecfg -z <zone> [-R <root>] -f <command-file>"
        );
        Z_USAGE
    };
    let mut zone: Option<String> = None;
    let mut i = 1;
    while i < argv.len() && argv[i].starts_with('-') && argv[i].len() > 1 {
        let a = &argv[i];
        if a == "--" {
            i += 1;
            break;
        }
        match &a[1..2] {
            "z" => {
                let v = if a.len() > 2 {
                    a[2..].to_string()
                } else if i + 1 < argv.len() {
                    i += 1;
                    argv[i].clone()
                } else {
                    return usage(err);
                };
                if v != "global" && !valid_zonename(&v) {
                    let _ = writeln!(err, "{v}: Bogus zone name");
                    return usage(err);
                }
                zone = Some(v);
            }
            _ => {
                let _ = writeln!(
                    err,
                    "zonecfg: option {a} is not supported by the simulated host"
                );
                return usage(err);
            }
        }
        i += 1;
    }
    let Some(zone) = zone else {
        return usage(err);
    };
    if i >= argv.len() {
        let _ = writeln!(
            err,
            "zonecfg: interactive mode is not supported by the simulated host"
        );
        return usage(err);
    }
    let script = argv[i..].join(" ");
    let mut s = Session::new(root, &zone, out, err);
    match s.run_script(&script) {
        Outcome::Done(st) | Outcome::Exited(st) => st,
    }
}

/// For an `info` resource type the sim does not print: `Some(false)` when the zone has none
/// of it (so `info` prints nothing, as zonecfg does), `Some(true)` when it has some (which
/// the sim cannot print), `None` for a word that is no resource type. The XML elements are
/// libzonecfg's (`zonecfg_impl.h` DTD names): capped-cpu is the `zone.cpu-cap` rctl,
/// capped-memory the `mcap` element or the `zone.max-swap`/`zone.max-locked-memory` rctls,
/// dedicated-cpu the `pset` element.
fn unmodelled_resource(doc: &ZoneDoc, res: &str) -> Option<bool> {
    let rctl = |names: &[&str]| {
        doc.others("rctl").iter().any(|a| {
            a.iter()
                .any(|(k, v)| k == "name" && names.contains(&v.as_str()))
        })
    };
    Some(match res {
        "fs" => !doc.others("filesystem").is_empty(),
        "dataset" => !doc.others("dataset").is_empty(),
        "device" => !doc.others("device").is_empty(),
        "rctl" => !doc.others("rctl").is_empty(),
        "admin" => !doc.others("admin").is_empty(),
        "dedicated-cpu" => !doc.others("pset").is_empty(),
        "capped-cpu" => rctl(&["zone.cpu-cap"]),
        "capped-memory" => {
            !doc.others("mcap").is_empty() || rctl(&["zone.max-swap", "zone.max-locked-memory"])
        }
        "security-flags" => !doc.others("security-flags").is_empty(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexes_and_parses_the_omnios_writeback_script() {
        let cmds = parse(&lex(
            "select net physical=net0; set mac-addr=2:8:20:1:2:3; end; exit\n",
        ));
        assert_eq!(
            cmds,
            vec![
                Ok(Command::Select {
                    res: "net".into(),
                    props: vec![("physical".into(), "net0".into())]
                }),
                Ok(Command::Set {
                    prop: "mac-addr".into(),
                    value: "2:8:20:1:2:3".into()
                }),
                Ok(Command::End),
                Ok(Command::Exit { force: false }),
            ]
        );
    }

    #[test]
    fn parses_complex_values_quotes_and_comments() {
        let cmds = parse(&lex(
            "# c\nadd property (name=mtu,value=\"9000\"); set global-nic=\"aggr 0\"\n",
        ));
        assert_eq!(
            cmds,
            vec![
                Ok(Command::NetAttr {
                    op: AttrOp::Add,
                    name: "mtu".into(),
                    value: "9000".into()
                }),
                Ok(Command::Set {
                    prop: "global-nic".into(),
                    value: "aggr 0".into()
                }),
            ]
        );
    }

    #[test]
    fn syntax_errors_name_the_token() {
        let e = |s: &str| parse(&lex(&format!("{s}\n"))).remove(0).unwrap_err();
        assert_eq!(e("bogus net"), "bogus");
        assert_eq!(e("select"), "\\n");
        assert_eq!(e("select net physical"), "\\n");
        assert_eq!(e("set foo=bar"), "foo");
        assert_eq!(e("set mac-addr"), "\\n");
        assert_eq!(e("select net nope=x"), "nope");
        assert_eq!(e("end now"), "now");
        assert_eq!(e("add property (name=a value=b)"), "value");
    }

    #[test]
    fn info_net_format() {
        let d = ZoneDoc::parse(
            r#"<zone name="z"><network physical="net0" global-nic="igb0" mac-addr="2:8:20:1:2:3" vlan-id="42"><net-attr name="ips" value="10.0.0.2/24,10.0.0.3/24"/></network></zone>"#,
        )
        .unwrap();
        assert_eq!(
            format_net(d.nets()[0]),
            "net:\n\taddress not specified\n\tallowed-address not specified\n\
             \tdefrouter not specified\n\tglobal-nic: igb0\n\tmac-addr: 2:8:20:1:2:3\n\
             \tphysical: net0\n\tvlan-id: 42\n\
             \tproperty: (name=ips,value=\"10.0.0.2/24,10.0.0.3/24\")\n"
        );
    }

    #[test]
    fn zonenames() {
        assert!(valid_zonename("web01"));
        assert!(valid_zonename("a.b-c_d"));
        assert!(!valid_zonename("-x"));
        assert!(!valid_zonename("a b"));
        assert!(!valid_zonename(&"a".repeat(64)));
    }
}
