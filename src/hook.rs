//! The brand state-change hook: argument parsing and the dispatch table, as pure functions.
//!
//! zoneadmd runs `<hook> <state> <cmd> <altroot>` through the shell, where `<hook>` is the
//! brand's `prestatechange`/`poststatechange` with `%z`/`%R` expanded (illumos
//! `usr/src/cmd/zoneadmd/zoneadmd.c` `brand_prestatechg`/`brand_poststatechg`, `"%s %d %d %s"`),
//! so netzone-statechange sees `pre|post ZONE ZONEPATH STATE CMD [ALTROOT]`; ALTROOT is usually
//! the empty string, which the shell turns into no argument at all, or an empty one.
//!
//! States (`zone_state_t`): 2 installed, 3 ready, 4 running, 5 shutting down, 6 down, 7 mounted;
//! OmniOS's sysboot hook passes the pseudo state 99. Commands (`zone_cmd_t`): 0 ready, 1 boot,
//! 4 halt; SmartOS also passes 8 (unmount) from `brand_umount_cleanup`.
//!
//! | call                         | joyent             | gate                          |
//! |------------------------------|--------------------|-------------------------------|
//! | pre, cmd 0 (ready)           | validate           | validate, create (final names)|
//! | post, cmd 0 (ready)          | create, rename     | mark the links lent (no process) |
//! | post, cmd 4 (halt, or state 3 = failed ready) | remove netzone's links | same |
//! | pre, cmd 4, state 6 (down)   | reclaim stuck links| same                          |
//! | pre, cmd 4, state 3 or 4     | shield lent links from bug 10001 | nothing         |
//! | anything else                | nothing            | nothing                       |
//!
//! ```
//! use netzone::flavour::Flavour;
//! use netzone::hook::{dispatch, parse_args, Action, Phase};
//!
//! // zoneadmd readying an installed zone on SmartOS: `post web1 /zones/web1 2 0 ` (empty ALTROOT).
//! let argv: Vec<String> = ["post", "web1", "/zones/web1", "2", "0", ""].map(String::from).into();
//! let (_opts, a) = parse_args(&argv)?;
//! assert_eq!(dispatch(Flavour::Joyent, a.phase, a.state, a.cmd), Action::Up);
//! assert_eq!(dispatch(Flavour::Gate, a.phase, a.state, a.cmd), Action::Lent);
//! assert_eq!(dispatch(Flavour::Gate, Phase::Pre, 6, 4), Action::Reclaim);
//! # Ok::<(), netzone::hook::UsageError>(())
//! ```

use std::path::PathBuf;

use crate::flavour::Flavour;
use crate::zonename::ZoneName;

/// `pre` or `post`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// `prestatechange`.
    Pre,
    /// `poststatechange`.
    Post,
}

/// zoneadmd's `zone_state_t` values netzone acts on.
pub const STATE_READY: u32 = 3;
/// zoneadmd's `ZONE_STATE_RUNNING` (`zone.h`).
pub const STATE_RUNNING: u32 = 4;
/// zoneadmd's `ZONE_STATE_DOWN` (`zone.h`).
pub const STATE_DOWN: u32 = 6;
/// OmniOS `ZONE_STATE_SYSBOOT` pseudo state (pkg5 `src/brand/shared/vars.ksh`).
pub const STATE_SYSBOOT: u32 = 99;
/// zoneadmd's `zone_cmd_t` values netzone acts on.
pub const CMD_READY: u32 = 0;
/// zoneadmd's `Z_HALT` command (`zoneadmd.h`).
pub const CMD_HALT: u32 = 4;

/// The hook's arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookArgs {
    /// pre or post.
    pub phase: Phase,
    /// The zone.
    pub zone: ZoneName,
    /// The zone's zonepath.
    pub zonepath: PathBuf,
    /// The zone's state when the hook runs (zoneadmd's numbering).
    pub state: u32,
    /// The command zoneadmd is running (zoneadmd's numbering).
    pub cmd: u32,
    /// The alternate root; `None` when absent or empty.
    pub altroot: Option<PathBuf>,
}

/// What the hook does for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Spawn nothing, exit 0.
    Nothing,
    /// Check the configuration netzone will act on; fail fast (no process).
    Validate,
    /// Validate, then create the zone's links (`apply::up`).
    Up,
    /// gate post-ready: the links zoneadmd lent are no longer pending (journal only, no
    /// process).
    Lent,
    /// Remove netzone's links of the zone (`apply::down`).
    Down,
    /// Free links a `down` zone still holds (`apply::reclaim`).
    Reclaim,
    /// joyent pre-halt: rename inside the zone each link zoneadmd lent it whose name the global
    /// zone has taken (illumos bug 10001), so that the kernel can hand it back
    /// (`recover::shield`). Reads the configuration first; spawns nothing for a zone whose
    /// nets are all netzone's.
    Shield,
}

/// Whether the call may act at all. Calls that cannot act need neither the flavour nor the
/// configuration, so they spawn nothing and read nothing.
pub fn may_act(phase: Phase, state: u32, cmd: u32) -> bool {
    Flavour::ALL
        .iter()
        .any(|f| dispatch(*f, phase, state, cmd) != Action::Nothing)
}

/// The dispatch table (see the module doc): the calls both flavours answer alike here, the
/// others as the flavour's dialect says ([`crate::flavour::Dialect::hook_action`]).
pub fn dispatch(flavour: Flavour, phase: Phase, state: u32, cmd: u32) -> Action {
    if state == STATE_SYSBOOT || !(2..=7).contains(&state) {
        return Action::Nothing;
    }
    match (phase, cmd) {
        (Phase::Pre, CMD_HALT) if state == STATE_DOWN => Action::Reclaim,
        (Phase::Post, CMD_HALT) => Action::Down,
        _ => flavour.dialect().hook_action(phase, state, cmd),
    }
}

/// A usage error; the binary prints it with the usage text and exits non-zero.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsageError {
    /// Not the number of arguments the hook takes.
    #[error("expected pre|post ZONE ZONEPATH STATE CMD [ALTROOT], got {0} arguments")]
    Count(usize),
    /// Neither `pre` nor `post`.
    #[error("'{0}' is neither pre nor post")]
    Phase(String),
    /// Not a zone name (the value, and why).
    #[error("zone '{0}': invalid zone name: {1}")]
    Zone(String, String),
    /// Not a decimal number (which argument, the value).
    #[error("{0} '{1}' is not a number")]
    Number(&'static str, String),
    /// ALTROOT is not absolute: most likely a ZONEPATH with a space, split by the shell.
    #[error("ALTROOT '{0}' is not an absolute path (a ZONEPATH with a space in it, split by the shell?)")]
    Altroot(String),
    /// An option without its value.
    #[error("option {0} needs a value")]
    OptionValue(String),
    /// An option naming a program got something that would be read as an option.
    #[error("option {0}: '{1}' is not a program (it starts with '-')")]
    OptionProgram(String, String),
    /// A flag given a value.
    #[error("option {0} takes no value")]
    FlagValue(String),
    /// An option the hook does not know.
    #[error("unknown option '{0}'")]
    Option(String),
    /// `--brand-features` could not be read.
    #[error("--brand-features: {0}")]
    Features(String),
    /// An option given without the one it needs.
    #[error("option {0} needs {1}")]
    Requires(&'static str, &'static str),
    /// An argument's value is refused (which, the value, why).
    #[error("option {0}: '{1}' is not one of {2}")]
    Value(&'static str, String, &'static str),
}

/// Whether the chained brand hook or netzone runs first (`--order`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Order {
    /// The brand's hook first; if it fails on a call that is not a halt, netzone does nothing.
    #[default]
    ChainFirst,
    /// netzone first, so that a brand hook that makes a zone's VNICs itself finds them made
    /// and leaves them (SmartOS jcommon `setup_net` skips a VNIC the zone already has; OmniOS
    /// `vnic.ksh` reuses an existing one); if the brand's hook then fails on the call where
    /// netzone created links, netzone removes them again.
    NetzoneFirst,
}

/// Options that come before the positional arguments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HookOptions {
    /// Run this program with the same arguments (a jcommon-style `statechange pre|post ...`).
    pub chain: Option<PathBuf>,
    /// Run this program on pre calls without the phase word (OmniOS `prestate ZONE ZONEPATH ...`).
    pub chain_pre: Option<PathBuf>,
    /// Same for post calls (OmniOS `poststate`).
    pub chain_post: Option<PathBuf>,
    /// `--brand-features vrrp,unfiltered-promisc|none`: the SmartOS brand features to honour
    /// (`globalnic::BrandFeatures`); unset: from the brand's name.
    pub brand_features: Option<crate::globalnic::BrandFeatures>,
    /// Words given to the `--chain-pre` program before the zone name (`--chain-pre-arg`,
    /// repeatable): `support prestate ZONE ...` for OmniOS bhyve's `support prestate %z %R`.
    pub chain_pre_args: Vec<String>,
    /// Same for `--chain-post` (`--chain-post-arg`).
    pub chain_post_args: Vec<String>,
    /// `--order chain-first|netzone-first`.
    pub order: Order,
    /// `--persistent`: every net of the zone whose link netzone creates gets a persistent link
    /// unless its own `persistent` net-attr says `false` (OmniOS brands; see
    /// [`crate::zonecfg::ZoneConfig::with_persistent_default`]).
    pub persistent: bool,
}

/// Options that take no value.
const FLAG_OPTIONS: &[&str] = &["--persistent"];

/// The positional arguments (`pre|post ZONE ...`) of an argument list that [`parse_args`]
/// accepted: what a chained hook is given.
pub fn positional(args: &[String]) -> &[String] {
    let mut i = 0;
    while i < args.len() && args[i].starts_with("--") {
        if args[i] == "--" {
            i += 1;
            break;
        }
        // Flags stand alone; the other options take a value, inline (`--chain=P`) or as the
        // next argument.
        i += if args[i].contains('=') || FLAG_OPTIONS.contains(&args[i].as_str()) {
            1
        } else {
            2
        };
    }
    &args[i.min(args.len())..]
}

/// Parses the whole argument list (without `argv[0]`).
pub fn parse_args(args: &[String]) -> Result<(HookOptions, HookArgs), UsageError> {
    let mut opts = HookOptions::default();
    let mut i = 0;
    while i < args.len() && args[i].starts_with("--") {
        let a = &args[i];
        if a == "--" {
            i += 1;
            break;
        }
        let (key, inline) = match a.split_once('=') {
            Some((k, v)) => (k, Some(v.to_string())),
            None => (a.as_str(), None),
        };
        if FLAG_OPTIONS.contains(&key) {
            if inline.is_some() {
                return Err(UsageError::FlagValue(key.to_string()));
            }
            opts.persistent = true;
            i += 1;
            continue;
        }
        const KNOWN: [&str; 7] = [
            "--chain",
            "--chain-pre",
            "--chain-post",
            "--chain-pre-arg",
            "--chain-post-arg",
            "--brand-features",
            "--order",
        ];
        if !KNOWN.contains(&key) {
            return Err(UsageError::Option(a.clone()));
        }
        let v = match inline {
            Some(v) => v,
            None => {
                i += 1;
                args.get(i)
                    .cloned()
                    .ok_or_else(|| UsageError::OptionValue(key.to_string()))?
            }
        };
        if v.is_empty() {
            return Err(UsageError::OptionValue(key.to_string()));
        }
        let program = matches!(key, "--chain" | "--chain-pre" | "--chain-post");
        if program && v.starts_with('-') {
            return Err(UsageError::OptionProgram(key.to_string(), v));
        }
        match key {
            "--chain" => opts.chain = Some(PathBuf::from(v)),
            "--chain-pre" => opts.chain_pre = Some(PathBuf::from(v)),
            "--chain-post" => opts.chain_post = Some(PathBuf::from(v)),
            "--chain-pre-arg" => opts.chain_pre_args.push(v),
            "--chain-post-arg" => opts.chain_post_args.push(v),
            "--brand-features" => {
                opts.brand_features =
                    Some(crate::globalnic::BrandFeatures::parse(&v).map_err(UsageError::Features)?)
            }
            _ => {
                opts.order = match v.as_str() {
                    "chain-first" => Order::ChainFirst,
                    "netzone-first" => Order::NetzoneFirst,
                    _ => {
                        return Err(UsageError::Value(
                            "--order",
                            v,
                            "chain-first, netzone-first",
                        ))
                    }
                }
            }
        }
        i += 1;
    }
    if !opts.chain_pre_args.is_empty() && opts.chain_pre.is_none() {
        return Err(UsageError::Requires("--chain-pre-arg", "--chain-pre"));
    }
    if !opts.chain_post_args.is_empty() && opts.chain_post.is_none() {
        return Err(UsageError::Requires("--chain-post-arg", "--chain-post"));
    }
    let pos = &args[i..];
    if !(5..=6).contains(&pos.len()) {
        return Err(UsageError::Count(pos.len()));
    }
    let phase = match pos[0].as_str() {
        "pre" => Phase::Pre,
        "post" => Phase::Post,
        p => return Err(UsageError::Phase(p.to_string())),
    };
    let zone =
        ZoneName::new(&pos[1]).map_err(|e| UsageError::Zone(pos[1].clone(), e.to_string()))?;
    // zoneadmd prints both with "%d": plain decimal digits, nothing else (no sign, no space).
    let num = |what: &'static str, s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| s.parse::<u32>().ok())
            .flatten()
            .ok_or_else(|| UsageError::Number(what, s.to_string()))
    };
    let state = num("state", &pos[3])?;
    let cmd = num("command", &pos[4])?;
    let altroot = pos.get(5).filter(|s| !s.is_empty()).map(PathBuf::from);
    if let Some(a) = &altroot {
        if !a.is_absolute() {
            return Err(UsageError::Altroot(pos[5].clone()));
        }
    }
    Ok((
        opts,
        HookArgs {
            phase,
            zone,
            zonepath: PathBuf::from(&pos[2]),
            state,
            cmd,
            altroot,
        },
    ))
}

/// Usage text.
/// Exit status of a usage error.
pub const EXIT_USAGE: u8 = 2;

/// How the hook refuses a usage error: what goes to standard error, what goes to the system
/// log, and the exit status. zoneadmd passes a hook's standard error to whoever ran zoneadm, or
/// to a service log nobody reads, so the message also goes to syslog (`daemon.err`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageRefusal {
    /// The message, then the usage text.
    pub stderr: String,
    /// The message alone, for [`crate::syslog::log`].
    pub syslog: String,
    /// Always [`crate::syslog::Level::Error`].
    pub level: crate::syslog::Level,
    /// Always [`EXIT_USAGE`].
    pub exit: u8,
}

/// The refusal for a usage error whose message is `msg` (see [`UsageRefusal`]).
pub fn usage_refusal(msg: &str) -> UsageRefusal {
    UsageRefusal {
        stderr: format!("netzone-statechange: {msg}\n{USAGE}\n"),
        syslog: format!("netzone-statechange: {msg}"),
        level: crate::syslog::Level::Error,
        exit: EXIT_USAGE,
    }
}

/// The usage text.
pub const USAGE: &str = "usage: netzone-statechange [--chain PROGRAM] [--chain-pre PROGRAM \
[--chain-pre-arg ARG]...] [--chain-post PROGRAM [--chain-post-arg ARG]...] \
[--order chain-first|netzone-first] [--persistent] \
[--brand-features vrrp,unfiltered-promisc|none] pre|post ZONE ZONEPATH STATE CMD [ALTROOT]";

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn usage_errors_exit_2_and_go_to_syslog_as_errors() {
        let argv: Vec<String> = ["pre", "web1", "/zones/web1", "+2", "0"]
            .map(String::from)
            .into();
        let e = parse_args(&argv).unwrap_err();
        let r = usage_refusal(&e.to_string());
        assert_eq!(r.exit, 2);
        assert_eq!(r.level, crate::syslog::Level::Error);
        assert_eq!(r.syslog, "netzone-statechange: state '+2' is not a number");
        assert_eq!(
            r.stderr,
            format!("netzone-statechange: state '+2' is not a number\n{USAGE}\n")
        );
    }

    #[test]
    fn dispatch_table() {
        use Action::*;
        use Flavour::*;
        use Phase::*;
        let rows = [
            // (flavour, phase, state, cmd, action)
            (Joyent, Pre, 2, 0, Validate),
            (Gate, Pre, 2, 0, Up),
            (Joyent, Post, 2, 0, Up),
            (Gate, Post, 2, 0, Lent),
            (Joyent, Pre, 4, 0, Validate), // reboot: ready from running
            (Joyent, Post, 3, 4, Down),    // failed ready / halt from ready
            (Gate, Post, 3, 4, Down),
            (Joyent, Post, 4, 4, Down),
            (Gate, Post, 4, 4, Down),
            (Joyent, Pre, 6, 4, Reclaim),
            (Gate, Pre, 6, 4, Reclaim),
            (Joyent, Pre, 4, 4, Shield), // pre-halt of a running zone
            (Joyent, Pre, 3, 4, Shield),
            (Gate, Pre, 4, 4, Nothing),
            (Joyent, Pre, 5, 4, Nothing),
            (Gate, Pre, 3, 4, Nothing),
            (Joyent, Pre, 3, 1, Nothing), // boot
            (Joyent, Post, 3, 1, Nothing),
            (Joyent, Post, 6, 8, Nothing), // SmartOS unmount cleanup
            (Gate, Pre, 99, 0, Nothing),   // OmniOS sysboot
            (Gate, Pre, 2, 7, Nothing),    // unknown command
            (Gate, Post, 42, 4, Nothing),  // unknown state
        ];
        for (f, p, st, c, want) in rows {
            assert_eq!(dispatch(f, p, st, c), want, "{f} {p:?} {st} {c}");
        }
        assert!(!may_act(Phase::Pre, 3, 1));
        assert!(!may_act(Phase::Post, 6, 8));
        assert!(!may_act(Phase::Pre, 99, 0));
        assert!(may_act(Phase::Post, 2, 0));
    }

    #[test]
    fn parses_arguments() {
        let (o, a) = parse_args(&s(&["pre", "web1", "/zones/web1", "2", "0"])).unwrap();
        assert_eq!(o, HookOptions::default());
        assert_eq!(a.phase, Phase::Pre);
        assert_eq!(a.altroot, None);
        // A trailing empty ALTROOT is the same as none.
        let (_, b) = parse_args(&s(&["pre", "web1", "/zones/web1", "2", "0", ""])).unwrap();
        assert_eq!(a, b);
        let all = s(&[
            "--chain",
            "/x",
            "--chain-pre=/y",
            "pre",
            "web1",
            "/z",
            "2",
            "0",
        ]);
        assert_eq!(positional(&all), &all[3..]);
        let (o, a) = parse_args(&s(&[
            "--chain",
            "/usr/lib/brand/joyent/statechange",
            "--chain-pre=/x/prestate",
            "post",
            "web1",
            "/zones/web1",
            "3",
            "4",
            "/a",
        ]))
        .unwrap();
        assert_eq!(
            o.chain,
            Some(PathBuf::from("/usr/lib/brand/joyent/statechange"))
        );
        assert_eq!(o.chain_pre, Some(PathBuf::from("/x/prestate")));
        assert_eq!(a.altroot, Some(PathBuf::from("/a")));
    }

    #[test]
    fn persistent_is_a_flag() {
        let all = s(&[
            "--persistent",
            "--chain-pre",
            "/y",
            "pre",
            "web1",
            "/z",
            "2",
            "0",
        ]);
        let (o, _) = parse_args(&all).unwrap();
        assert!(o.persistent);
        assert_eq!(positional(&all), &all[3..]);
        let (o, _) = parse_args(&s(&["pre", "web1", "/z", "2", "0"])).unwrap();
        assert!(!o.persistent);
        assert_eq!(
            parse_args(&s(&["--persistent=yes", "pre", "web1", "/z", "2", "0"])).unwrap_err(),
            UsageError::FlagValue("--persistent".into())
        );
    }

    #[test]
    fn rejects_bad_arguments() {
        let bad: [&[&str]; 8] = [
            &[],
            &["pre", "web1", "/z", "2"],
            &["pre", "web1", "/z", "2", "0", "/a", "extra"],
            &["during", "web1", "/z", "2", "0"],
            &["pre", "global", "/z", "2", "0"],
            &["pre", "web1", "/z", "two", "0"],
            &["--chain"],
            &["--frobnicate", "pre", "web1", "/z", "2", "0"],
        ];
        for b in bad {
            assert!(parse_args(&s(b)).is_err(), "{b:?}");
        }
        assert_eq!(
            parse_args(&s(&["pre", "web1", "/z", "-1", "0"])).unwrap_err(),
            UsageError::Number("state", "-1".into())
        );
        // Only what zoneadmd's "%d" prints: no sign, no blank.
        for n in ["+2", " 2", "2 ", "", "0x2"] {
            assert_eq!(
                parse_args(&s(&["pre", "web1", "/z", n, "0"])).unwrap_err(),
                UsageError::Number("state", n.into())
            );
            assert_eq!(
                parse_args(&s(&["pre", "web1", "/z", "3", n])).unwrap_err(),
                UsageError::Number("command", n.into())
            );
        }
        // A ZONEPATH "/zones/web 3" split by zoneadmd's sh -c: the last word would be ALTROOT.
        assert_eq!(
            parse_args(&s(&["post", "web1", "/zones/web", "3", "4", "4"])).unwrap_err(),
            UsageError::Altroot("4".into())
        );
        // The chained program cannot be an option word: `--chain --` is a usage error.
        for a in [
            &["--chain", "--"][..],
            &["--chain=--"],
            &["--chain-pre", "-x"],
        ] {
            let mut v = s(a);
            v.extend(s(&["pre", "web1", "/z", "2", "0"]));
            assert!(
                matches!(parse_args(&v), Err(UsageError::OptionProgram(..))),
                "{a:?}"
            );
        }
        assert_eq!(
            parse_args(&s(&["--chain-pre-arg", "x", "pre", "web1", "/z", "2", "0"])).unwrap_err(),
            UsageError::Requires("--chain-pre-arg", "--chain-pre")
        );
        assert_eq!(
            parse_args(&s(&["--chain-post-arg=x", "post", "web1", "/z", "2", "0"])).unwrap_err(),
            UsageError::Requires("--chain-post-arg", "--chain-post")
        );
    }

    #[test]
    fn order_option() {
        let argv = |o: &str| s(&["--order", o, "--chain", "/c", "post", "z", "/z", "2", "0"]);
        assert_eq!(
            parse_args(&argv("netzone-first")).unwrap().0.order,
            Order::NetzoneFirst
        );
        assert_eq!(
            parse_args(&argv("chain-first")).unwrap().0.order,
            Order::ChainFirst
        );
        assert_eq!(
            parse_args(&argv("random")).unwrap_err(),
            UsageError::Value("--order", "random".into(), "chain-first, netzone-first")
        );
        assert_eq!(
            positional(&argv("netzone-first")),
            &argv("netzone-first")[4..]
        );
    }

    #[test]
    fn chain_words_keep_their_order() {
        let argv = s(&[
            "--chain-pre",
            "/usr/lib/brand/bhyve/support",
            "--chain-pre-arg",
            "prestate",
            "--chain-pre-arg=-x",
            "--chain-post",
            "/p",
            "--chain-post-arg",
            "poststate",
            "pre",
            "web1",
            "/zones/web1",
            "2",
            "0",
        ]);
        let (o, a) = parse_args(&argv).unwrap();
        assert_eq!(o.chain_pre_args, ["prestate", "-x"]);
        assert_eq!(o.order, Order::ChainFirst);
        assert_eq!(o.chain_post_args, ["poststate"]);
        assert_eq!(a.zone.to_string(), "web1");
        assert_eq!(positional(&argv), &argv[9..]);
    }
}

/// Why a hook call failed.
#[derive(Debug, thiserror::Error)]
pub enum HookError {
    /// The zone's configuration could not be read.
    #[error("{0}")]
    Config(#[from] crate::zonecfg::ConfigError),
    /// The dladm flavour could not be told.
    #[error(transparent)]
    Flavour(#[from] crate::flavour::FlavourError),
    /// No plan could be made.
    #[error(transparent)]
    Plan(#[from] crate::plan::PlanError),
    /// A `global-nic` could not be turned into a link.
    #[error(transparent)]
    Resolve(#[from] crate::globalnic::ResolveError),
    /// Applying a plan failed.
    #[error(transparent)]
    Apply(#[from] crate::apply::ApplyError),
    /// Reclaiming a stuck zone's links failed.
    #[error(transparent)]
    Recover(#[from] crate::recover::RecoverError),
}

impl HookError {
    /// One message per line, without the program prefix.
    pub fn lines(&self) -> Vec<String> {
        match self {
            HookError::Config(e) => e.lines(),
            e => e.to_string().lines().map(String::from).collect(),
        }
    }
}

/// [`Action::Shield`]: joyent only, for a zone with nets zoneadmd lends; every failure is
/// reported (stderr, syslog `warning`) and swallowed, so the halt goes on.
fn shield(host: &crate::host::Host, flavour_choice: Option<&str>, zone: &ZoneName) {
    let warn = |line: &str| {
        eprintln!("netzone: {line}");
        crate::syslog::log(crate::syslog::Level::Warning, line);
    };
    let lends = match crate::zonecfg::load(&host.root, zone) {
        Ok(cfg) => cfg.nets.iter().any(|n| n.global_nic.is_none()),
        Err(e) => {
            warn(&format!("zone '{zone}': {e}"));
            return;
        }
    };
    if !lends {
        return;
    }
    let flavour = match crate::flavour::resolve(host, flavour_choice) {
        Ok(f) => f,
        Err(e) => return warn(&e.to_string()),
    };
    if dispatch(flavour, Phase::Pre, STATE_RUNNING, CMD_HALT) != Action::Shield {
        return;
    }
    let mut log = |line: &str| {
        eprintln!("netzone: {line}");
        crate::syslog::log(crate::syslog::Level::Notice, line);
    };
    if let Err(e) = crate::recover::shield(host, flavour, zone, &mut log) {
        warn(&e.to_string());
    }
}

/// What a hook call did.
#[derive(Debug)]
pub struct HookReport {
    /// What the hook did.
    pub action: Action,
    /// The run's outcome, if it ran one.
    pub outcome: Option<crate::apply::Outcome>,
}

/// Runs netzone's part of one hook call. Calls with nothing to do return before reading
/// anything or spawning anything. `flavour_choice` is `NETZONE_FLAVOUR`, if set.
pub fn execute(
    host: &crate::host::Host,
    flavour_choice: Option<&str>,
    args: &HookArgs,
) -> Result<HookReport, HookError> {
    execute_with(host, flavour_choice, &HookOptions::default(), args)
}

/// [`execute`] with the hook's options: `--persistent` (the chain options are the binary's).
pub fn execute_with(
    host: &crate::host::Host,
    flavour_choice: Option<&str>,
    opts: &HookOptions,
    args: &HookArgs,
) -> Result<HookReport, HookError> {
    if !may_act(args.phase, args.state, args.cmd) {
        return Ok(HookReport {
            action: Action::Nothing,
            outcome: None,
        });
    }
    if args.phase == Phase::Pre
        && args.cmd == CMD_HALT
        && (args.state == STATE_READY || args.state == STATE_RUNNING)
    {
        // The joyent shield (a pre-halt: never fail it, zoneadmd would abort the halt). Only
        // links zoneadmd lent (nets without a global-nic) can be caught by bug 10001; a zone
        // whose nets are all netzone's (transient, deleted at halt) needs no look, so this
        // reads the configuration before anything else and spawns nothing for such a zone.
        shield(host, flavour_choice, &args.zone);
        return Ok(HookReport {
            action: Action::Shield,
            outcome: None,
        });
    }
    let flavour = crate::flavour::resolve(host, flavour_choice)?;
    let action = dispatch(flavour, args.phase, args.state, args.cmd);
    let outcome = match action {
        Action::Nothing => None,
        Action::Lent => {
            crate::apply::mark_pending(host, &args.zone, false)?;
            None
        }
        Action::Validate => {
            // The configuration must read and validate, and overlay rules are refused here,
            // spawning nothing; `global-nic="auto"` and nic tags are resolved when the links are
            // planned (post-ready), so a boot looks each up once.
            let cfg = crate::zonecfg::load(&host.root, &args.zone)?;
            crate::globalnic::check_forms(&cfg)?;
            None
        }
        Action::Up => {
            let o = crate::apply::up_zone_with(host, flavour, &args.zone, opts.persistent)?;
            if args.phase == Phase::Pre {
                // pre-ready (gate): the links wait in the global zone until zoneadmd lends
                // them.
                crate::apply::mark_pending(host, &args.zone, true)?;
            }
            Some(o)
        }
        // Every post-halt call follows a teardown that succeeded (zoneadmd skips post-halt
        // otherwise), the failed ready's cleanup included.
        Action::Down => Some(crate::apply::down_after_halt(host, flavour, &args.zone)?),
        // Handled before the flavour is resolved (above).
        Action::Shield => None,
        Action::Reclaim => {
            // The operator tools' reclaim (`netzone recover`), which also moves an operator link
            // out of the way of a global-zone link of the same name (illumos bug 10001).
            crate::recover::reclaim(host, flavour, &args.zone, false, &mut |line| {
                eprintln!("netzone: {line}");
                crate::syslog::log(crate::syslog::Level::Notice, line);
            })?;
            None
        }
    };
    for n in outcome.iter().flat_map(|o| &o.plan.not_ours) {
        let line = n.to_string();
        eprintln!("netzone: {line}");
        crate::syslog::log(crate::syslog::Level::Notice, &line);
    }
    Ok(HookReport { action, outcome })
}
