//! Injected faults: make the Nth run of a sim subcommand fail or crash, before or after its
//! effect, once. Stored in the state so they survive across processes; consumed when they fire.
//!
//! A crash models a brand hook (or netzone itself) dying mid-way: the effect of the command is
//! applied (`after`) or not (`before`), then the *calling* process, the parent of the sim
//! command, is killed with SIGKILL.

use serde::{Deserialize, Serialize};

use crate::state::Host;

/// When a fault fires relative to the command's effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum When {
    Before,
    After,
}

impl When {
    pub fn parse(s: &str) -> Option<When> {
        match s {
            "before" => Some(When::Before),
            "after" => Some(When::After),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            When::Before => "before",
            When::After => "after",
        }
    }
}

/// What a fault does when it fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// The command exits 1 with an error message.
    Fail,
    /// The command kills its parent with SIGKILL, then exits.
    Crash,
    /// The host reboots at this point ([`Host::reboot`], under the same state lock as the
    /// command's effect, then `etc/svc/volatile` emptied): every simulated-host and netzone
    /// process up the caller chain is killed with SIGKILL, as a host crash would stop them.
    Reboot,
}

impl Action {
    pub fn parse(s: &str) -> Option<Action> {
        match s {
            "fail" => Some(Action::Fail),
            "crash" => Some(Action::Crash),
            "reboot" => Some(Action::Reboot),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Fail => "fail",
            Action::Crash => "crash",
            Action::Reboot => "reboot",
        }
    }
}

/// One pending fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    /// Subcommand it applies to: a dladm subcommand (`create-vnic`, ...), `zonecfg`, or what a
    /// sim binary passes to [`check`].
    pub cmd: String,
    /// Fires on the nth run of `cmd` counted from when the fault was added (1 = next run).
    pub nth: u32,
    /// Runs of `cmd` seen so far.
    pub seen: u32,
    pub when: When,
    pub action: Action,
}

impl Fault {
    pub fn new(cmd: &str, nth: u32, when: When, action: Action) -> Fault {
        Fault {
            cmd: cmd.to_string(),
            nth: nth.max(1),
            seen: 0,
            when,
            action,
        }
    }
}

/// Checks for a fault on this run of `cmd` at point `when`, consuming it if it fires.
///
/// Every run must call `check(.., When::Before)` exactly once, first: that call counts the run
/// for every pending fault on `cmd`. `check(.., When::After)` then only looks for an `after`
/// fault whose count was reached by this run.
pub fn check(host: &mut Host, cmd: &str, when: When) -> Option<Action> {
    if when == When::Before {
        for f in host.faults.iter_mut().filter(|f| f.cmd == cmd) {
            f.seen = f.seen.saturating_add(1);
        }
    }
    let pos = host
        .faults
        .iter()
        .position(|f| f.cmd == cmd && f.when == when && f.seen == f.nth)?;
    Some(host.faults.remove(pos).action)
}

/// [`check`] for a command that runs no effect under the lock itself: a `reboot` fault also
/// reboots the state in the same locked run.
pub fn check_locked(
    root: &std::path::Path,
    cmd: &str,
    when: When,
) -> std::io::Result<Option<Action>> {
    Host::with_locked(root, |h| {
        let a = check(h, cmd, when);
        if a == Some(Action::Reboot) {
            h.reboot();
        }
        a
    })
}

/// The end of a `reboot` fault, after the state was rebooted: every ancestor that is a process
/// of the simulated host or of netzone (executable name starting with `sim-` or `netzone`;
/// read from `/proc`) is SIGKILLed, nearest first, `etc/svc/volatile` is emptied, and the
/// command exits 1. The walk stops at the first other process (the test or the operator's
/// shell), which survives, as whatever watches a crashing host would.
pub fn reboot_finish(root: &std::path::Path) -> ! {
    let mut pid = std::process::id() as i32;
    while let Some((comm, ppid)) = proc_stat(pid) {
        if pid != std::process::id() as i32 {
            if !(comm.starts_with("sim-") || comm.starts_with("netzone")) {
                break;
            }
            // SAFETY: kill has no memory-safety preconditions.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
        if ppid <= 1 {
            break;
        }
        pid = ppid;
    }
    if let Err(e) = crate::state::empty_volatile(root) {
        eprintln!("illumos-sim: reboot: {e}");
    }
    std::process::exit(1)
}

/// (comm, ppid) of a process from `/proc/<pid>/stat`.
fn proc_stat(pid: i32) -> Option<(String, i32)> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let open = s.find('(')?;
    let close = s.rfind(')')?;
    let comm = s[open + 1..close].to_string();
    let ppid = s[close + 1..].split_whitespace().nth(1)?.parse().ok()?;
    Some((comm, ppid))
}

/// Performs the crash: SIGKILL to the parent process, then exit with status 1.
pub fn crash() -> ! {
    // SAFETY: getppid and kill have no memory-safety preconditions.
    unsafe {
        let ppid = libc::getppid();
        if ppid > 1 {
            libc::kill(ppid, libc::SIGKILL);
        }
    }
    std::process::exit(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Flavour;

    #[test]
    fn fires_once_at_nth_run_at_its_point() {
        let mut h = Host::new(Flavour::Joyent);
        h.faults
            .push(Fault::new("create-vnic", 2, When::After, Action::Fail));
        h.faults
            .push(Fault::new("rename-link", 1, When::Before, Action::Crash));
        // run 1 of create-vnic: nothing.
        assert_eq!(check(&mut h, "create-vnic", When::Before), None);
        assert_eq!(check(&mut h, "create-vnic", When::After), None);
        // run 2: the after fault fires, not before.
        assert_eq!(check(&mut h, "create-vnic", When::Before), None);
        assert_eq!(
            check(&mut h, "create-vnic", When::After),
            Some(Action::Fail)
        );
        // run 3: gone.
        assert_eq!(check(&mut h, "create-vnic", When::Before), None);
        assert_eq!(check(&mut h, "create-vnic", When::After), None);
        assert_eq!(
            check(&mut h, "rename-link", When::Before),
            Some(Action::Crash)
        );
        assert!(h.faults.is_empty());
    }
}
