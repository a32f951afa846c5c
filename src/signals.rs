//! Teardown that a signal does not cut short.
//!
//! Halt hooks, `netzone down`, `recover` and `gc` remove links one dladm call at a time; a
//! SIGINT (a terminal's ^C) or SIGTERM (a service stop) between two calls would leave a link
//! renamed but not removed, or removed but still in the journal. While a [`Deferred`] guard
//! lives, SIGINT, SIGTERM and SIGHUP are only recorded; the teardown finishes its steps, and the
//! caller then exits as the signal asked ([`Deferred::finish`]). Children already run in their
//! own process groups ([`crate::host`]), so a terminal's ^C does not reach a dladm half-way
//! through either. (netavark learned this the hard way: containers/netavark issue 1223.)

use std::sync::atomic::{AtomicI32, Ordering};

/// The first deferred signal received, 0 if none.
static PENDING: AtomicI32 = AtomicI32::new(0);

const SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

extern "C" fn record(sig: libc::c_int) {
    // Only an atomic store: async-signal-safe.
    let _ = PENDING.compare_exchange(0, sig, Ordering::SeqCst, Ordering::SeqCst);
}

/// While alive, SIGINT, SIGTERM and SIGHUP are recorded instead of ending the process.
#[derive(Debug)]
#[must_use = "signals are deferred only while the guard lives"]
pub struct Deferred {
    previous: Vec<(libc::c_int, libc::sigaction)>,
}

/// Starts deferring SIGINT, SIGTERM and SIGHUP.
pub fn defer() -> Deferred {
    let mut previous = Vec::new();
    for sig in SIGNALS {
        // SAFETY: an all-zero sigaction is a valid value to fill in; the handler only stores to
        // an atomic; sigaction is called with valid pointers.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = record as extern "C" fn(libc::c_int) as libc::sighandler_t;
            libc::sigemptyset(&mut sa.sa_mask);
            sa.sa_flags = libc::SA_RESTART;
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(sig, &sa, &mut old) == 0 {
                previous.push((sig, old));
            }
        }
    }
    Deferred { previous }
}

impl Deferred {
    /// The signal received while deferred, if any (the first one).
    pub fn pending(&self) -> Option<i32> {
        match PENDING.load(Ordering::SeqCst) {
            0 => None,
            s => Some(s),
        }
    }

    /// Restores the previous dispositions and returns the signal received meanwhile, if any:
    /// the caller reports it and exits with status 128 + the signal number, as a shell would.
    pub fn finish(self) -> Option<i32> {
        let sig = self.pending();
        drop(self);
        sig
    }
}

impl Drop for Deferred {
    fn drop(&mut self) {
        for (sig, old) in &self.previous {
            // SAFETY: restores a disposition sigaction itself returned.
            unsafe {
                libc::sigaction(*sig, old, std::ptr::null_mut());
            }
        }
    }
}

/// The signal's usual name, for messages.
pub fn name(sig: i32) -> &'static str {
    match sig {
        libc::SIGINT => "SIGINT",
        libc::SIGTERM => "SIGTERM",
        libc::SIGHUP => "SIGHUP",
        _ => "a signal",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signal_while_deferred_is_recorded_not_fatal() {
        let guard = defer();
        // SAFETY: raise has no preconditions; the handler installed above only records.
        unsafe {
            libc::raise(libc::SIGTERM);
        }
        assert_eq!(guard.pending(), Some(libc::SIGTERM));
        assert_eq!(guard.finish(), Some(libc::SIGTERM));
        assert_eq!(name(libc::SIGTERM), "SIGTERM");
        PENDING.store(0, Ordering::SeqCst);
    }
}
