//! One error taxonomy across netzone: every public error type has a `kind()` returning an
//! [`ErrorKind`], the same for the same cause whichever call met it (`up`, `down`, `plan`,
//! `show`, `gc`, `recover`, the hooks). A program branches on the kind; the message (the
//! `Display` of the error) is for people.
//!
//! ```
//! use netzone::error::ErrorKind;
//! use netzone::host::{HostError, Argv};
//! use netzone::dladm::DladmErrorKind;
//!
//! // create-vnic over a link that does not exist: dladm says "object not found", which for a
//! // create means the lower link is missing, not the VNIC.
//! let e = HostError::Dladm {
//!     kind: DladmErrorKind::NotFound,
//!     argv: Argv::from(["create-vnic", "-t", "-l", "nosuch0", "net0"]),
//!     message: "dladm create-vnic: object not found".into(),
//! };
//! assert_eq!(e.kind(), ErrorKind::LowerLinkMissing);
//! assert_eq!(e.kind().code(), "lower-link-missing");
//! ```

// A new variant of any error must be given its kind: no wildcard arm on netzone's own enums
// (std's `io::ErrorKind` is non-exhaustive, so its matches keep one, allowed where they are).
#![warn(clippy::wildcard_enum_match_arm)]

use std::fmt;

use crate::apply::ApplyError;
use crate::dladm::observe::ObserveError;
use crate::dladm::{DladmErrorKind, ParseError as DladmParseError};
use crate::flavour::{FlavourError, UnknownFlavour};
use crate::globalnic::{GlobalNicError, ResolveError};
use crate::hook::{HookError, UsageError};
use crate::host::HostError;
use crate::ipprefix::IpPrefixError;
use crate::journal::JournalError;
use crate::linkname::LinkNameError;
use crate::mac::MacError;
use crate::mtu::MtuError;
use crate::output::OutputError;
use crate::plan::PlanError;
use crate::recover::RecoverError;
use crate::vlan::VlanIdError;
use crate::zoneadm::{ParseError as ZoneadmParseError, ZoneListError};
use crate::zonecfg::ConfigError;
use crate::zoneindex::IndexError;
use crate::zonename::ZoneNameError;

/// What went wrong, in categories a program can act on. `code()` is the stable spelling used
/// in machine output (`--json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// The datalink management daemon (dlmgmtd) does not answer: no link can be created, moved
    /// or removed until `svc:/network/datalink-management` runs again.
    DlmgmtdDown,
    /// A VNIC's lower link (`global-nic`) does not exist.
    LowerLinkMissing,
    /// A link, zone or file that should exist does not.
    NotFound,
    /// A link name is already taken: by another zone (gate names are host-wide), or by a link
    /// netzone did not create.
    NameTaken,
    /// A fixed MAC address is already used by another link.
    MacInUse,
    /// A link is busy (open, plumbed, or on loan to a zone that still runs).
    LinkBusy,
    /// A program did not finish within its deadline and was killed.
    Timeout,
    /// Another netzone run holds the zone's lock past the lock deadline.
    Locked,
    /// A zone configuration or network spec is invalid (every problem is listed).
    InvalidConfig,
    /// A value (name, MAC, VLAN id, option, argument) is not acceptable.
    InvalidValue,
    /// The caller lacks a privilege (dladm's `sys_dl_config`, or file permissions).
    PermissionDenied,
    /// netzone's own state (a journal, a lock) could not be read or written.
    Io,
    /// A state file (or whatever is in its place) or a program's output could not be
    /// understood.
    Corrupt,
    /// A program failed for another reason, or was killed by a signal.
    CommandFailed,
    /// Something netzone does not do (for example `global-nic="auto"` without a route).
    Unsupported,
    /// The zone is not in a state the request acts on (`netzone up` of a zone that is neither
    /// ready nor running, `check --live` of a halted zone): boot or halt it first.
    ZoneState,
}

impl ErrorKind {
    /// The stable machine-readable code, e.g. `dlmgmtd-down`.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::DlmgmtdDown => "dlmgmtd-down",
            ErrorKind::LowerLinkMissing => "lower-link-missing",
            ErrorKind::NotFound => "not-found",
            ErrorKind::NameTaken => "name-taken",
            ErrorKind::MacInUse => "mac-in-use",
            ErrorKind::LinkBusy => "link-busy",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Locked => "locked",
            ErrorKind::InvalidConfig => "invalid-config",
            ErrorKind::InvalidValue => "invalid-value",
            ErrorKind::PermissionDenied => "permission-denied",
            ErrorKind::Io => "io",
            ErrorKind::Corrupt => "corrupt",
            ErrorKind::CommandFailed => "command-failed",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::ZoneState => "zone-state",
        }
    }

    /// Every kind, for tables and tests.
    pub const ALL: &'static [ErrorKind] = &[
        ErrorKind::DlmgmtdDown,
        ErrorKind::LowerLinkMissing,
        ErrorKind::NotFound,
        ErrorKind::NameTaken,
        ErrorKind::MacInUse,
        ErrorKind::LinkBusy,
        ErrorKind::Timeout,
        ErrorKind::Locked,
        ErrorKind::InvalidConfig,
        ErrorKind::InvalidValue,
        ErrorKind::PermissionDenied,
        ErrorKind::Io,
        ErrorKind::Corrupt,
        ErrorKind::CommandFailed,
        ErrorKind::Unsupported,
        ErrorKind::ZoneState,
    ];
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[allow(clippy::wildcard_enum_match_arm)] // std::io::ErrorKind is non-exhaustive.
fn io_kind(e: &std::io::Error) -> ErrorKind {
    match e.kind() {
        std::io::ErrorKind::NotFound => ErrorKind::NotFound,
        std::io::ErrorKind::PermissionDenied => ErrorKind::PermissionDenied,
        _ => ErrorKind::Io,
    }
}

impl HostError {
    /// The error's kind. dladm's "object not found" from `create-vnic` is the lower link
    /// missing (the new link's own name cannot be "not found"); from anything else, the link
    /// acted on is missing.
    pub fn kind(&self) -> ErrorKind {
        match self {
            // Not found or not permitted as for any file; else the program could not start.
            HostError::Spawn { error, .. } => {
                let k = io_kind(error);
                if k == ErrorKind::Io {
                    ErrorKind::CommandFailed
                } else {
                    k
                }
            }
            HostError::Timeout { .. } => ErrorKind::Timeout,
            HostError::Signalled { .. } | HostError::Failed { .. } => ErrorKind::CommandFailed,
            HostError::Dladm { kind, argv, .. } => match kind {
                DladmErrorKind::NotFound if argv.first() == Some("create-vnic") => {
                    ErrorKind::LowerLinkMissing
                }
                DladmErrorKind::NotFound => ErrorKind::NotFound,
                DladmErrorKind::AlreadyExists => ErrorKind::NameTaken,
                DladmErrorKind::LinkBusy => ErrorKind::LinkBusy,
                DladmErrorKind::MacInUse => ErrorKind::MacInUse,
                DladmErrorKind::InvalidValue
                | DladmErrorKind::InvalidArgument
                | DladmErrorKind::UnknownField => ErrorKind::InvalidValue,
                DladmErrorKind::DlmgmtdDown => ErrorKind::DlmgmtdDown,
                DladmErrorKind::PermissionDenied => ErrorKind::PermissionDenied,
                DladmErrorKind::Other => ErrorKind::CommandFailed,
            },
        }
    }
}

impl DladmParseError {
    /// Always [`ErrorKind::Corrupt`]: dladm printed something netzone cannot read.
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::Corrupt
    }
}

impl ObserveError {
    /// The error's kind: the failed dladm run's, [`ErrorKind::Corrupt`] for unreadable output,
    /// [`ErrorKind::CommandFailed`] for a link dladm could not place.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ObserveError::Host(h) => h.kind(),
            ObserveError::Parse(p) => p.kind(),
            ObserveError::ZoneUnreadable { .. } => ErrorKind::CommandFailed,
        }
    }
}

impl JournalError {
    /// The error's kind: something other than a journal file in its place (a FIFO, a symbolic
    /// link, a file too large) is [`ErrorKind::Corrupt`], like a journal that does not parse:
    /// both are state netzone will not act on until someone moves it aside.
    pub fn kind(&self) -> ErrorKind {
        match self {
            JournalError::Io { error, .. } => io_kind(error),
            JournalError::Corrupt { .. } => ErrorKind::Corrupt,
            JournalError::Locked { .. } => ErrorKind::Locked,
            JournalError::Unusable { .. } => ErrorKind::Corrupt,
        }
    }
}

impl ConfigError {
    /// The error's kind: a zone with no configuration file is [`ErrorKind::NotFound`]; a file
    /// that cannot be read, [`ErrorKind::Io`]; anything wrong in it, [`ErrorKind::InvalidConfig`].
    pub fn kind(&self) -> ErrorKind {
        match self {
            ConfigError::MissingZone { .. } => ErrorKind::NotFound,
            ConfigError::Unreadable { source, .. } => io_kind(source),
            ConfigError::Index(i) => i.kind(),
            ConfigError::TooLarge { .. }
            | ConfigError::Malformed { .. }
            | ConfigError::Invalid { .. } => ErrorKind::InvalidConfig,
        }
    }
}

impl IndexError {
    /// The error's kind.
    pub fn kind(&self) -> ErrorKind {
        match self {
            IndexError::Unreadable { source, .. } => io_kind(source),
            IndexError::TooLarge { .. } => ErrorKind::InvalidConfig,
        }
    }
}

impl PlanError {
    /// The error's kind: a name held by another zone or by a link netzone did not create
    /// (the net's own name, or joyent's temporary name) is [`ErrorKind::NameTaken`]; a
    /// `global-nic` not resolved before planning, or a persistent net on joyent, is
    /// [`ErrorKind::Unsupported`] (the configuration may be valid: the call cannot do it).
    pub fn kind(&self) -> ErrorKind {
        // No wildcard arm: a new variant must be given its kind here.
        match self {
            PlanError::AutoGlobalNic { .. }
            | PlanError::Unresolved { .. }
            | PlanError::PersistentOnJoyent { .. } => ErrorKind::Unsupported,
            PlanError::NameInUseByZone { .. }
            | PlanError::Conflict { .. }
            | PlanError::TempNameTaken { .. }
            | PlanError::FlowTaken { .. } => ErrorKind::NameTaken,
            PlanError::WrongLinkOnLoan { .. } => ErrorKind::LinkBusy,
        }
    }
}

impl ApplyError {
    /// The error's kind: the kind of the underlying failure, whichever step met it. Several
    /// failed removals have their common kind, or [`ErrorKind::CommandFailed`] when they differ.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ApplyError::Config(c) => c.kind(),
            ApplyError::Plan(p) => p.kind(),
            ApplyError::Observe { source, .. } => source.kind(),
            ApplyError::Journal { source, .. } => source.kind(),
            ApplyError::Step { source, .. } => source.kind(),
            ApplyError::Resolve(r) => r.kind(),
            ApplyError::MacConflicts(_) => ErrorKind::MacInUse,
            ApplyError::OnLoan { .. } => ErrorKind::LinkBusy,
            ApplyError::Several(v) => {
                let mut kinds = v.iter().map(ApplyError::kind);
                let first = kinds.next().unwrap_or(ErrorKind::CommandFailed);
                if kinds.all(|k| k == first) {
                    first
                } else {
                    ErrorKind::CommandFailed
                }
            }
        }
    }
}

impl RecoverError {
    /// The error's kind. The host-wide lock `gc` takes is [`ErrorKind::Locked`] when another
    /// run holds it past the host's lock deadline, like a zone's lock.
    pub fn kind(&self) -> ErrorKind {
        match self {
            RecoverError::DlmgmtdDown(_) => ErrorKind::DlmgmtdDown,
            RecoverError::Observe { source, .. } => source.kind(),
            RecoverError::Journal { source, .. } | RecoverError::HostLock(source) => source.kind(),
            RecoverError::ZoneList(z) => z.kind(),
            RecoverError::Incomplete { .. } => ErrorKind::CommandFailed,
        }
    }
}

impl ZoneListError {
    /// The error's kind.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ZoneListError::Run(h) => h.kind(),
            ZoneListError::Parse(p) => p.kind(),
        }
    }
}

impl ZoneadmParseError {
    /// Always [`ErrorKind::Corrupt`]: zoneadm printed something netzone cannot read.
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::Corrupt
    }
}

impl FlavourError {
    /// The error's kind: an unknown flavour name is [`ErrorKind::InvalidValue`]; a probe that
    /// failed has the failed dladm run's kind ([`ErrorKind::DlmgmtdDown`] when dlmgmtd is down).
    pub fn kind(&self) -> ErrorKind {
        match self {
            FlavourError::Unknown(u) => u.kind(),
            FlavourError::Probe(h) => h.kind(),
        }
    }
}

impl UnknownFlavour {
    /// Always [`ErrorKind::InvalidValue`].
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::InvalidValue
    }
}

impl GlobalNicError {
    /// The error's kind: an address with no route, or a route with no usable interface, is
    /// [`ErrorKind::Unsupported`] (netzone cannot choose the link); a failed lookup has the
    /// failed run's kind.
    pub fn kind(&self) -> ErrorKind {
        match self {
            GlobalNicError::Route { source, .. } => source.kind(),
            GlobalNicError::NoAllowedAddress { .. } => ErrorKind::InvalidConfig,
            GlobalNicError::NoRoute { .. }
            | GlobalNicError::NoInterface { .. }
            | GlobalNicError::BadInterface { .. } => ErrorKind::Unsupported,
        }
    }
}

impl ResolveError {
    /// The error's kind: a nic tag or link that is not there is
    /// [`ErrorKind::LowerLinkMissing`]; an overlay rule is [`ErrorKind::Unsupported`]; a link
    /// of the wrong class or an MTU above the lower link's is [`ErrorKind::InvalidConfig`]; a
    /// failed `show-link` or `route` run has that run's kind.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ResolveError::Overlay { .. } => ErrorKind::Unsupported,
            ResolveError::Unresolved { .. } => ErrorKind::LowerLinkMissing,
            ResolveError::WrongClass { .. } | ResolveError::MtuTooBig { .. } => {
                ErrorKind::InvalidConfig
            }
            ResolveError::Links { source, .. } => source.kind(),
            ResolveError::Auto(g) => g.kind(),
            ResolveError::Sysinfo { .. } => ErrorKind::CommandFailed,
        }
    }
}

impl HookError {
    /// The error's kind: the underlying failure's.
    pub fn kind(&self) -> ErrorKind {
        match self {
            HookError::Config(c) => c.kind(),
            HookError::Flavour(f) => f.kind(),
            HookError::Plan(p) => p.kind(),
            HookError::Apply(a) => a.kind(),
            HookError::Resolve(r) => r.kind(),
            HookError::Recover(r) => r.kind(),
        }
    }
}

/// The kind of errors that only ever mean "this value is not acceptable".
macro_rules! invalid_value {
    ($($t:ty),* $(,)?) => {$(
        impl $t {
            /// Always [`ErrorKind::InvalidValue`].
            pub fn kind(&self) -> ErrorKind {
                ErrorKind::InvalidValue
            }
        }
    )*};
}

invalid_value!(
    LinkNameError,
    ZoneNameError,
    MacError,
    VlanIdError,
    MtuError,
    IpPrefixError,
    UsageError,
    OutputError,
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::Argv;

    fn dladm(kind: DladmErrorKind, argv: &[&str]) -> HostError {
        HostError::Dladm {
            kind,
            argv: Argv::from(argv),
            message: "dladm: x".into(),
        }
    }

    #[test]
    fn codes_are_unique_and_kebab_case() {
        let mut codes: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.code()).collect();
        for (k, c) in ErrorKind::ALL.iter().zip(&codes) {
            assert_eq!(serde_json::to_value(k).unwrap(), *c);
            assert!(
                c.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{c}"
            );
        }
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), ErrorKind::ALL.len());
    }

    #[test]
    fn dladm_failures_map_by_command() {
        assert_eq!(
            dladm(DladmErrorKind::NotFound, &["create-vnic", "-l", "x0", "n0"]).kind(),
            ErrorKind::LowerLinkMissing
        );
        assert_eq!(
            dladm(DladmErrorKind::NotFound, &["delete-vnic", "n0"]).kind(),
            ErrorKind::NotFound
        );
        assert_eq!(
            dladm(DladmErrorKind::AlreadyExists, &["create-vnic"]).kind(),
            ErrorKind::NameTaken
        );
        assert_eq!(
            dladm(DladmErrorKind::DlmgmtdDown, &["show-vnic"]).kind(),
            ErrorKind::DlmgmtdDown
        );
        assert_eq!(
            dladm(DladmErrorKind::MacInUse, &["create-vnic"]).kind(),
            ErrorKind::MacInUse
        );
        // The same cause wrapped by different operations has the same kind.
        let down = || dladm(DladmErrorKind::DlmgmtdDown, &["show-vnic"]);
        let observe = ObserveError::Host(down());
        assert_eq!(observe.kind(), ErrorKind::DlmgmtdDown);
        let recover = RecoverError::Observe {
            zone: None,
            source: ObserveError::Host(down()),
        };
        assert_eq!(recover.kind(), ErrorKind::DlmgmtdDown);
        assert_eq!(
            RecoverError::DlmgmtdDown("x".into()).kind(),
            ErrorKind::DlmgmtdDown
        );
        assert_eq!(FlavourError::Probe(down()).kind(), ErrorKind::DlmgmtdDown);
        let z = crate::zonename::ZoneName::new("web1").unwrap();
        let apply = ApplyError::Step {
            zone: z.clone(),
            net: None,
            source: Box::new(down()),
            undo: vec![],
        };
        assert_eq!(apply.kind(), ErrorKind::DlmgmtdDown);
        assert_eq!(HookError::Apply(apply).kind(), ErrorKind::DlmgmtdDown);
    }

    #[test]
    fn several_failures_have_their_common_kind() {
        let z = crate::zonename::ZoneName::new("web1").unwrap();
        let step = |k: DladmErrorKind| ApplyError::Step {
            zone: z.clone(),
            net: None,
            source: Box::new(dladm(k, &["delete-vnic", "n0"])),
            undo: vec![],
        };
        let busy = ApplyError::Several(vec![
            step(DladmErrorKind::LinkBusy),
            step(DladmErrorKind::LinkBusy),
        ]);
        assert_eq!(busy.kind(), ErrorKind::LinkBusy);
        let mixed = ApplyError::Several(vec![
            step(DladmErrorKind::LinkBusy),
            step(DladmErrorKind::DlmgmtdDown),
        ]);
        assert_eq!(mixed.kind(), ErrorKind::CommandFailed);
    }

    #[test]
    fn config_and_io() {
        let e = crate::zonecfg::parse_str("<zone name=\"a\"/>", "t").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidConfig);
        let dir = tempfile::tempdir().unwrap();
        let e = crate::zonecfg::load(dir.path(), &crate::zonename::ZoneName::new("a").unwrap())
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert_eq!(
            "x".parse::<crate::mac::Mac>().unwrap_err().kind(),
            ErrorKind::InvalidValue
        );
    }
}
