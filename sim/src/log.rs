//! The command log, `ROOT/var/sim/log`: one line per sim command run, appended before the
//! command takes the state lock.
//!
//! Line format (fields separated by one space):
//! `<unix-seconds>.<milliseconds> <pid> <ppid> <argv0-basename> <arg1> <arg2> ...`
//! Each argument is written as is when it consists only of `[A-Za-z0-9_.,:=/@%+-]`,
//! otherwise in single quotes with an embedded `'` written `'\''` (POSIX shell quoting),
//! and an empty argument is `''`. So a line splits back into argv with any shell-word parser.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

pub fn log_path(root: &Path) -> PathBuf {
    crate::state::sim_dir(root).join("log")
}

/// Quotes one argument for the log line.
pub fn quote_arg(a: &str) -> String {
    let plain = !a.is_empty()
        && a.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.,:=/@%+-".contains(c));
    if plain {
        a.to_string()
    } else {
        format!("'{}'", a.replace('\'', "'\\''"))
    }
}

/// Formats the log line for `argv` (without the trailing newline).
pub fn format_line(unix_ms: u128, pid: u32, ppid: u32, argv: &[String]) -> String {
    let mut line = format!("{}.{:03} {} {}", unix_ms / 1000, unix_ms % 1000, pid, ppid);
    for (i, a) in argv.iter().enumerate() {
        line.push(' ');
        if i == 0 {
            let base = a.rsplit('/').next().unwrap_or(a);
            line.push_str(&quote_arg(base));
        } else {
            line.push_str(&quote_arg(a));
        }
    }
    line
}

/// Appends this process's log line. One `write` of the whole line on an `O_APPEND` file, so
/// concurrent commands never interleave within a line.
pub fn record(root: &Path, argv: &[String]) -> io::Result<()> {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    // SAFETY: getppid has no preconditions and cannot fail.
    let ppid = unsafe { libc::getppid() } as u32;
    let mut line = format_line(ms, std::process::id(), ppid, argv);
    line.push('\n');
    let path = log_path(root);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = OpenOptions::new().create(true).append(true).open(path)?;
    f.write_all(line.as_bytes())
}

/// Reads the whole log ("" when nothing has run yet).
pub fn read(root: &Path) -> io::Result<String> {
    match std::fs::read_to_string(log_path(root)) {
        Ok(s) => Ok(s),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_quotes_only_what_needs_it() {
        let argv: Vec<String> = [
            "/x/target/debug/sim-dladm",
            "create-vnic",
            "-p",
            "mtu=1500,zone=z1",
            "a b",
            "",
            "it's",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            format_line(1_700_000_000_123, 42, 7, &argv),
            "1700000000.123 42 7 sim-dladm create-vnic -p mtu=1500,zone=z1 'a b' '' 'it'\\''s'"
        );
    }
}
