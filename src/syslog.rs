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
    let pri = match level {
        Level::Error => libc::LOG_ERR,
        Level::Warning => libc::LOG_WARNING,
        Level::Notice => libc::LOG_NOTICE,
        Level::Info => libc::LOG_INFO,
    };
    let c = CString::new(msg.replace('\0', " ")).expect("NULs replaced");
    // SAFETY: the format is a constant "%s" and `c` is a valid C string for the call.
    unsafe { libc::syslog(libc::LOG_DAEMON | pri, c"%s".as_ptr(), c.as_ptr()) };
}

#[cfg(test)]
mod tests {
    #[test]
    fn logging_never_panics() {
        super::log(super::Level::Info, "netzone syslog test with a \0 NUL");
    }
}
