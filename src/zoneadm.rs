//! `zoneadm` command lines netzone's operator tools run, and the parser of `zoneadm list -cip`.
//!
//! `list -cip` prints one line per zone, `zoneid:zonename:state:zonepath:uuid:brand:ip-type`
//! (illumos-gate `usr/src/cmd/zoneadm/zoneadm.c` `zone_print`): `zoneid` is `-` for a zone that is
//! not ready or running, `ip-type` is `shared` or `excl`, and a `:` inside the zonepath is written
//! `\:` (only there, and only `:`: a `\` in a zonepath is printed as is).
//!
//! The oxidecomputer `zone` crate (0.3.1, `impl FromStr for Zone`) parses these seven fields, but
//! it splits on every `:`, so a zonepath holding an escaped `\:` shifts every later field and the
//! line fails to parse (or parses wrongly). So this module parses the line itself, into the crate's
//! own [`zone::Zone`] and [`zone::State`] types, splitting only on unescaped `:`. illumos-joyent
//! appends an eighth field, the zone's debug id, which is accepted and ignored.

use std::path::PathBuf;

pub use zone::{IpType, State, Zone};

use crate::host::{Host, HostError, Tool};
use crate::zonename::ZoneName;

/// A line of `zoneadm list -cip` that is not what zoneadm prints.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot parse zoneadm list output line {line}: {reason}: '{text}'")]
pub struct ParseError {
    /// The line number (from 1).
    pub line: usize,
    /// The line as read.
    pub text: String,
    /// What is wrong with it.
    pub reason: String,
}

/// `zoneadm list -cip`: every configured zone, with its state, in parseable form.
pub fn list_command() -> Vec<String> {
    vec!["list".to_string(), "-cip".to_string()]
}

/// `zoneadm -z ZONE halt`. Halting a `down` zone re-runs zoneadmd's teardown (and the brand's
/// pre-halt hook with state 6), which is how a freed zone reaches `installed`.
pub fn halt_command(zone: &ZoneName) -> Vec<String> {
    vec!["-z".to_string(), zone.to_string(), "halt".to_string()]
}

/// Parses `zoneadm list -cip` output. Blank lines are skipped.
pub fn parse_list_output(out: &str) -> Result<Vec<Zone>, ParseError> {
    out.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            parse_list_line(l).map_err(|reason| ParseError {
                line: i + 1,
                text: l.to_string(),
                reason,
            })
        })
        .collect()
}

fn parse_list_line(line: &str) -> Result<Zone, String> {
    let fields = split_fields(line);
    // illumos-joyent appends the debug id (`zone_print`: `:%s` of `zdid`) as an eighth field.
    if fields.len() != 7 && fields.len() != 8 {
        return Err(format!(
            "{} fields, expected 7 (or 8 with a debug id)",
            fields.len()
        ));
    }
    let (id, name, state, path, uuid, brand, ip_type) = (
        fields[0].as_str(),
        fields[1].as_str(),
        fields[2].as_str(),
        fields[3].as_str(),
        fields[4].as_str(),
        fields[5].as_str(),
        fields[6].as_str(),
    );
    let id = match id {
        "-" => None,
        n => Some(
            n.parse::<u64>()
                .map_err(|_| format!("zone id '{n}' is not a number"))?,
        ),
    };
    if name.is_empty() {
        return Err("empty zone name".to_string());
    }
    let state = state
        .parse::<State>()
        .map_err(|_| format!("unknown zone state '{state}'"))?;
    let ip_type = ip_type
        .parse::<IpType>()
        .map_err(|_| format!("unknown ip-type '{ip_type}'"))?;
    Ok(Zone {
        id,
        name: name.to_string(),
        state,
        path: PathBuf::from(path),
        uuid: (!uuid.is_empty()).then(|| uuid.to_string()),
        brand: brand.to_string(),
        ip_type,
    })
}

/// Why the zone list could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ZoneListError {
    #[error("cannot list zones: {0}")]
    /// zoneadm could not be run, or failed.
    Run(#[from] HostError),
    #[error(transparent)]
    /// Its output could not be read.
    Parse(#[from] ParseError),
}

/// Runs `zoneadm list -cip` and parses it.
pub fn list(host: &Host) -> Result<Vec<Zone>, ZoneListError> {
    let out = host.run_checked(Tool::Zoneadm, &list_command())?;
    Ok(parse_list_output(&out)?)
}

/// Splits a line on the `:` that are not escaped; `\:` stands for `:`, and any other `\` is
/// itself (zoneadm escapes only the `:` of a zonepath).
fn split_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&':') => {
                chars.next();
                fields.last_mut().expect("never empty").push(':');
            }
            ':' => fields.push(String::new()),
            _ => fields.last_mut().expect("never empty").push(c),
        }
    }
    fields
}

/// The state as zoneadm prints it (`zone_state_str`); the `zone` crate has no `Display` for it.
pub fn state_name(s: State) -> &'static str {
    match s {
        State::Configured => "configured",
        State::Incomplete => "incomplete",
        State::Installed => "installed",
        State::Ready => "ready",
        State::Mounted => "mounted",
        State::Running => "running",
        State::ShuttingDown => "shutting_down",
        State::Down => "down",
    }
}

/// Whether the kernel has the zone, so its links can be on loan to it (ready through down).
pub fn has_kernel_zone(s: State) -> bool {
    matches!(
        s,
        State::Ready | State::Running | State::ShuttingDown | State::Down
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // Recorded from an OmniOS host (uuids shortened), plus a zonepath with a colon.
    const LIST: &str = "\
0:global:running:/::ipkg:shared
3:web01:running:/zones/web01:3f0f0c7a-2a5e-4d3e-9c1d-0d4f3a0e9b11:sparse:excl
-:db1:installed:/zones/db1:9d2b1c55-7a61-4c8e-b1e5-5b0f2d8a7c10:sparse:excl
7:stuck1:down:/zones/stuck1:0b7e5a3c-1111-2222-3333-444455556666:joyent:excl:
-:odd:configured:/zones/a\\:b\\:c::lipkg:shared

";

    #[test]
    fn parses_recorded_list() {
        let z = parse_list_output(LIST).unwrap();
        assert_eq!(z.len(), 5);
        assert_eq!(z[0].name, "global");
        assert_eq!(z[0].id, Some(0));
        assert_eq!(z[0].path, PathBuf::from("/"));
        assert_eq!(z[0].uuid, None);
        assert_eq!(z[1].state, State::Running);
        assert_eq!(z[1].ip_type, IpType::Exclusive);
        assert_eq!(z[2].id, None);
        assert_eq!(z[2].state, State::Installed);
        assert_eq!(z[3].state, State::Down);
        assert_eq!(z[3].brand, "joyent");
        assert_eq!(
            z[3].uuid.as_deref(),
            Some("0b7e5a3c-1111-2222-3333-444455556666")
        );
    }

    #[test]
    fn escaped_colon_in_zonepath_is_kept() {
        let z = parse_list_output(LIST).unwrap();
        assert_eq!(z[4].path, PathBuf::from("/zones/a:b:c"));
        assert_eq!(z[4].uuid, None);
        assert_eq!(z[4].brand, "lipkg");
        assert_eq!(z[4].ip_type, IpType::Shared);
        // The zone crate's own parser gets this line wrong: it is why this module exists.
        let line = LIST.lines().nth(4).unwrap();
        let theirs = line.parse::<Zone>();
        assert!(theirs.is_err() || theirs.unwrap().path != std::path::Path::new("/zones/a:b:c"));
    }

    #[test]
    fn joyent_debug_id_field_is_accepted() {
        let z = parse_list_output(
            "0:global:running:/::liveimg:shared:0\n1:web1:running:/zones/web\\:1:u:joyent:excl:\n",
        )
        .unwrap();
        assert_eq!(z[0].brand, "liveimg");
        assert_eq!(z[1].path, PathBuf::from("/zones/web:1"));
        assert_eq!(z[1].ip_type, IpType::Exclusive);
    }

    #[test]
    fn backslash_not_before_colon_is_literal() {
        let z = parse_list_output("-:w:installed:/z/a\\b:u:sparse:excl\n").unwrap();
        assert_eq!(z[0].path, PathBuf::from("/z/a\\b"));
    }

    #[test]
    fn bad_lines_are_errors_with_line_numbers() {
        let cases = [
            ("-:web1:installed:/z", "4 fields, expected 7"),
            ("-:web1:installed:/z:u:sparse:excl:1:2", "9 fields"),
            ("x:web1:installed:/z:u:sparse:excl", "zone id 'x'"),
            (
                "-:web1:sleeping:/z:u:sparse:excl",
                "unknown zone state 'sleeping'",
            ),
            (
                "-:web1:installed:/z:u:sparse:both",
                "unknown ip-type 'both'",
            ),
            ("-::installed:/z:u:sparse:excl", "empty zone name"),
        ];
        for (line, want) in cases {
            let text = format!("0:global:running:/::ipkg:shared\n{line}\n");
            let e = parse_list_output(&text).unwrap_err();
            assert_eq!(e.line, 2, "{line}");
            assert!(e.to_string().contains(want), "{e} / {want}");
        }
    }

    #[test]
    fn commands() {
        assert_eq!(list_command(), vec!["list", "-cip"]);
        let z = ZoneName::new("web1").unwrap();
        assert_eq!(halt_command(&z), vec!["-z", "web1", "halt"]);
    }

    #[test]
    fn state_names_round_trip() {
        for s in [
            State::Configured,
            State::Incomplete,
            State::Installed,
            State::Ready,
            State::Mounted,
            State::Running,
            State::ShuttingDown,
            State::Down,
        ] {
            assert_eq!(state_name(s).parse::<State>().unwrap(), s);
        }
        assert!(has_kernel_zone(State::Down));
        assert!(!has_kernel_zone(State::Installed));
    }
}
