//! Messages to syslog, daemon facility, as zoneadmd's own messages go (illumos `zoneadmd.c`
//! `zerror` logs with `LOG_DAEMON`). Brand hooks run without a terminal, so syslog is where an
//! operator finds why a zone did not get its links.

use std::ffi::CString;
use std::sync::Once;

static OPEN: Once = Once::new();
static IDENT: &[u8] = b"netzone\0";

/// Severity of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// `LOG_ERR`.
    Error,
    /// `LOG_WARNING`.
    Warning,
    /// A change an operator's command made (`netzone recover`, `gc`).
    Notice,
    /// `LOG_INFO`.
    Info,
}

/// Sends one message to syslog (`daemon.err`, `daemon.warning` or `daemon.info`). Interior NULs
/// are replaced; a missing syslog daemon is not an error.
pub fn log(level: Level, msg: &str) {
    OPEN.call_once(|| {
        // SAFETY: IDENT is a static NUL-terminated string that outlives every syslog call.
        unsafe { libc::openlog(IDENT.as_ptr().cast(), libc::LOG_PID, libc::LOG_DAEMON) };
    });
    let (pri, c) = entry(level, msg);
    // SAFETY: the format is a constant "%s" and `c` is a valid C string for the call.
    unsafe { libc::syslog(pri, c"%s".as_ptr(), c.as_ptr()) };
}

/// The priority (facility `daemon` plus the level) and the text syslog is given.
fn entry(level: Level, msg: &str) -> (libc::c_int, CString) {
    let pri = match level {
        Level::Error => libc::LOG_ERR,
        Level::Warning => libc::LOG_WARNING,
        Level::Notice => libc::LOG_NOTICE,
        Level::Info => libc::LOG_INFO,
    };
    let c = CString::new(msg.replace('\0', " ")).expect("NULs replaced");
    (libc::LOG_DAEMON | pri, c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_have_the_daemon_facility_their_level_and_no_nul() {
        let (pri, text) = entry(Level::Info, "netzone syslog test with a \0 NUL");
        assert_eq!(pri, libc::LOG_DAEMON | libc::LOG_INFO);
        assert_eq!(text.to_str().unwrap(), "netzone syslog test with a   NUL");
        for (level, want) in [
            (Level::Error, libc::LOG_ERR),
            (Level::Warning, libc::LOG_WARNING),
            (Level::Notice, libc::LOG_NOTICE),
        ] {
            let (pri, _) = entry(level, "x");
            assert_eq!(pri & libc::LOG_PRIMASK, want, "{level:?}");
            assert_eq!(pri & !libc::LOG_PRIMASK, libc::LOG_DAEMON, "{level:?}");
        }
        // Sending one (with a NUL in it) must not panic, whether a syslog daemon runs or not.
        log(Level::Info, "netzone syslog test with a \0 NUL");
    }
}
