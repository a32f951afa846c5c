//! Errors from reading a zone configuration.
//!
//! Every message names what an operator needs to find the fault: the zone, the net (by its
//! `physical` name), the attribute and the offending value, in the style of illumos tools:
//! `zone 'web1': net 'net0': vlan-id '4095': VLAN id must be 1-4094`. Binaries print each line
//! with their own `netzone: ` prefix.

use std::fmt;
use std::path::PathBuf;

/// Longest value quoted in a message; longer ones are cut so one hostile attribute cannot flood
/// the terminal or syslog.
const MAX_QUOTED: usize = 64;

/// Makes an untrusted string safe to print on one line: control characters are escaped and long
/// values are cut.
pub fn printable(s: &str) -> String {
    let mut out = String::new();
    for (n, c) in s.chars().enumerate() {
        if n == MAX_QUOTED {
            out.push_str("...");
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Which `<network>` a problem is about: its `physical` name as written, or its position (from 1)
/// when it has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetRef {
    /// By its `physical` name, as written.
    Physical(String),
    /// By its position (from 1).
    Index(usize),
}

impl fmt::Display for NetRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NetRef::Physical(p) => write!(f, "net '{}'", printable(p)),
            NetRef::Index(i) => write!(f, "net #{i}"),
        }
    }
}

/// One thing wrong with a zone's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The zone's name as written (it may itself be the problem).
    pub zone: String,
    /// The net concerned, if the problem is about one.
    pub net: Option<NetRef>,
    /// The XML attribute (or `net-attr` name) concerned.
    pub attribute: Option<String>,
    /// The offending value as written, if there is one.
    pub value: Option<String>,
    /// What is wrong, in words.
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "zone '{}': ", printable(&self.zone))?;
        if let Some(n) = &self.net {
            write!(f, "{n}: ")?;
        }
        match (&self.attribute, &self.value) {
            (Some(a), Some(v)) => write!(f, "{} '{}': ", printable(a), printable(v))?,
            (Some(a), None) => write!(f, "{}: ", printable(a))?,
            (None, Some(v)) => write!(f, "'{}': ", printable(v))?,
            (None, None) => {}
        }
        f.write_str(&self.reason)
    }
}

/// Why a zone configuration could not be used. `Display` gives one line per problem.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `<root>/etc/zones/<zone>.xml` does not exist.
    #[error("zone '{}': no such zone configured ({} does not exist)", printable(zone), path.display())]
    MissingZone {
        /// The zone.
        zone: String,
        /// The file.
        path: PathBuf,
    },

    /// The file exists but could not be read (permissions, a directory, I/O error).
    #[error("{}cannot read {}: {source}", zone_prefix(zone), path.display())]
    Unreadable {
        /// The zone, when known.
        zone: Option<String>,
        /// The file.
        path: PathBuf,
        /// The underlying failure.
        #[source]
        source: std::io::Error,
    },

    /// Larger than [`MAX_CONFIG_BYTES`](super::MAX_CONFIG_BYTES); refused before reading it all.
    #[error("{}{}: file is larger than {} bytes ({}); refusing to parse it", zone_prefix(zone), printable(origin), super::MAX_CONFIG_BYTES, size_text(*size))]
    TooLarge {
        /// The zone, when known.
        zone: Option<String>,
        /// Where the text came from (a path, or a label).
        origin: String,
        /// The size found, if known (`None` when the file grew past the limit while being read).
        size: Option<u64>,
    },

    /// Not well-formed XML, not UTF-8, or XML that netzone refuses (entity declarations, NUL
    /// bytes, too many resources). `line` and `column` count from 1; column counts characters.
    #[error(
        "{}{}:{line}:{column}: malformed XML: {reason}",
        zone_prefix(zone),
        printable(origin)
    )]
    Malformed {
        /// The zone, when known.
        zone: Option<String>,
        /// Where the text came from (a path, or a label).
        origin: String,
        /// The line number (from 1).
        line: usize,
        /// The column (from 1, in characters).
        column: usize,
        /// What is wrong with it.
        reason: String,
    },

    /// The zone index could not be read (host-wide checks need it).
    #[error("{0}")]
    Index(#[from] crate::zoneindex::IndexError),

    /// Well-formed, but the configuration is wrong; every problem found is listed.
    #[error("{}", join_lines(problems))]
    Invalid {
        /// The problems.
        problems: Vec<Problem>,
    },
}

fn zone_prefix(zone: &Option<String>) -> String {
    match zone {
        Some(z) => format!("zone '{}': ", printable(z)),
        None => String::new(),
    }
}

fn size_text(size: Option<u64>) -> String {
    match size {
        Some(s) => format!("{s} bytes"),
        None => "it grew while being read".to_string(),
    }
}

fn join_lines(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

impl ConfigError {
    /// The messages, one per line, without any program prefix.
    pub fn lines(&self) -> Vec<String> {
        match self {
            ConfigError::Invalid { problems } => problems.iter().map(|p| p.to_string()).collect(),
            other => vec![other.to_string()],
        }
    }

    /// The configuration problems, if that is what this error is.
    pub fn problems(&self) -> &[Problem] {
        match self {
            ConfigError::Invalid { problems } => problems,
            _ => &[],
        }
    }

    /// Attaches the zone name to errors found before the file said which zone it is.
    pub(crate) fn with_zone(mut self, name: &str) -> Self {
        match &mut self {
            ConfigError::Unreadable { zone, .. }
            | ConfigError::TooLarge { zone, .. }
            | ConfigError::Malformed { zone, .. } => {
                if zone.is_none() {
                    *zone = Some(name.to_string());
                }
            }
            ConfigError::MissingZone { .. }
            | ConfigError::Index(_)
            | ConfigError::Invalid { .. } => {}
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_escapes_and_cuts() {
        assert_eq!(printable("net0"), "net0");
        assert_eq!(printable("a\nb\tc\u{1b}"), "a\\nb\\tc\\u{1b}");
        let long = "x".repeat(100);
        assert_eq!(printable(&long), format!("{}...", "x".repeat(MAX_QUOTED)));
    }

    #[test]
    fn problem_display_forms() {
        let p = |net, attribute: Option<&str>, value: Option<&str>| Problem {
            zone: "web1".into(),
            net,
            attribute: attribute.map(Into::into),
            value: value.map(Into::into),
            reason: "why".into(),
        };
        assert_eq!(p(None, None, None).to_string(), "zone 'web1': why");
        assert_eq!(
            p(Some(NetRef::Index(2)), Some("physical"), None).to_string(),
            "zone 'web1': net #2: physical: why"
        );
        assert_eq!(
            p(
                Some(NetRef::Physical("net0".into())),
                Some("vlan-id"),
                Some("0x1")
            )
            .to_string(),
            "zone 'web1': net 'net0': vlan-id '0x1': why"
        );
    }

    #[test]
    fn invalid_is_one_line_per_problem() {
        let one = Problem {
            zone: "z".into(),
            net: None,
            attribute: None,
            value: None,
            reason: "a".into(),
        };
        let mut two = one.clone();
        two.reason = "b".into();
        let e = ConfigError::Invalid {
            problems: vec![one, two],
        };
        assert_eq!(e.to_string(), "zone 'z': a\nzone 'z': b");
        assert_eq!(e.lines().len(), 2);
        assert_eq!(e.problems().len(), 2);
    }
}
