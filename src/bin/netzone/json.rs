//! The frame of every `--json` document `netzone` prints: a top-level `version` (of this
//! frame and the documents' shape), and, when the command fails, an error object instead of
//! the result, `{"version": 1, "error": {"code": "dlmgmtd-down", "message": "..."}}`, whose
//! `code` is the stable [`ErrorKind::code`] of the failure (netzone.8, "JSON OUTPUT").

use std::fmt;

use netzone::error::ErrorKind;
use serde_json::{Map, Value};

/// The version of netzone's `--json` documents.
pub const VERSION: u32 = 1;

/// `v` (an object) with a `version` member first; anything else is put under `result`.
pub fn document<T: serde::Serialize>(v: &T) -> String {
    let body = serde_json::to_value(v).expect("netzone's documents serialise");
    let rest = match body {
        Value::Object(mut m) => {
            m.remove("version");
            m
        }
        other => {
            let mut m = Map::new();
            m.insert("result".into(), other);
            m
        }
    };
    with_version(&rest)
}

/// `{"version":N,` then the members of `rest`: the version comes first whatever order the
/// JSON map keeps its keys in.
fn with_version(rest: &Map<String, Value>) -> String {
    let body = Value::Object(rest.clone()).to_string();
    match body.strip_prefix('{').and_then(|b| b.strip_suffix('}')) {
        Some("") | None => format!("{{\"version\":{VERSION}}}"),
        Some(members) => format!("{{\"version\":{VERSION},{members}}}"),
    }
}

/// The error document for `e`: `{"version":1,"error":{"code":..,"message":..}}`.
pub fn error_document(e: &anyhow::Error) -> String {
    let mut rest = Map::new();
    rest.insert(
        "error".into(),
        serde_json::json!({
            "code": kind_of(e).code(),
            "message": netzone::output::error_text(e.as_ref()),
        }),
    );
    with_version(&rest)
}

/// A refusal of the binary's own, with its kind (the library's errors carry theirs).
#[derive(Debug)]
pub struct Coded {
    /// What kind of failure it is.
    pub kind: ErrorKind,
    /// The message, as printed after `netzone: `.
    pub message: String,
}

impl fmt::Display for Coded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Coded {}

/// An [`anyhow::Error`] of kind `kind`.
pub fn coded(kind: ErrorKind, message: impl Into<String>) -> anyhow::Error {
    Coded {
        kind,
        message: message.into(),
    }
    .into()
}

/// The kind of `e`: that of the first error in its chain whose type netzone knows;
/// [`ErrorKind::CommandFailed`] when none is.
pub fn kind_of(e: &anyhow::Error) -> ErrorKind {
    macro_rules! try_kinds {
        ($c:expr, $($t:ty),* $(,)?) => {$(
            if let Some(x) = $c.downcast_ref::<$t>() {
                return x.kind();
            }
        )*};
    }
    for c in e.chain() {
        if let Some(x) = c.downcast_ref::<Coded>() {
            return x.kind;
        }
        try_kinds!(
            c,
            netzone::apply::ApplyError,
            netzone::zonecfg::ConfigError,
            netzone::recover::RecoverError,
            netzone::flavour::FlavourError,
            netzone::flavour::UnknownFlavour,
            netzone::zoneadm::ZoneListError,
            netzone::host::HostError,
            netzone::journal::JournalError,
            netzone::dladm::observe::ObserveError,
            netzone::plan::PlanError,
            netzone::globalnic::ResolveError,
            netzone::globalnic::GlobalNicError,
            netzone::live::LiveError,
            netzone::output::OutputError,
            netzone::zonename::ZoneNameError,
            netzone::linkname::LinkNameError,
            netzone::zoneindex::IndexError,
            netzone::hook::HookError,
        );
    }
    ErrorKind::CommandFailed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_and_kinds() {
        let text = document(&serde_json::json!({"a": 1, "version": 7}));
        assert_eq!(text, r#"{"version":1,"a":1}"#);
        assert_eq!(document(&serde_json::json!({})), r#"{"version":1}"#);
        let d: Value = serde_json::from_str(&document(&vec![1, 2])).unwrap();
        assert_eq!(d["result"], serde_json::json!([1, 2]));
        let e = coded(ErrorKind::ZoneState, "zone 'a': zone is installed");
        let text = error_document(&e);
        assert!(
            text.starts_with(r#"{"version":1,"error":{"code":"zone-state","#),
            "{text}"
        );
        let d: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(d["error"]["message"], "zone 'a': zone is installed");
        // A typed cause under a context.
        let e = anyhow::Error::from(netzone::zonename::ZoneName::new("-x").unwrap_err())
            .context("zone '-x': invalid zone name");
        assert_eq!(kind_of(&e), ErrorKind::InvalidValue);
        assert_eq!(kind_of(&anyhow::anyhow!("x")), ErrorKind::CommandFailed);
    }
}
