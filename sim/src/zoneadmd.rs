//! zoneadmd's state transitions (`usr/src/cmd/zoneadmd/zoneadmd.c`: `server()`,
//! `zone_ready()`, `zone_bootup()`, `zone_halt()`), as decisions over a [`Platform`] that
//! performs the effects (brand hooks, kernel zone, datalinks; see `crate::vplat`). Nothing in
//! this module touches a file or a process, so every path is unit-tested with a recording
//! platform.
//!
//! Hook order and exit-status rules (illumos-hooks.md §1, checked against the sources):
//! - `zone_ready`: pre(state, READY) before `vplat_create`, post(state, READY) after
//!   `vplat_bringup`; any failure ends in the cleanup hook post(READY=3, HALT=4), whose
//!   result is ignored.
//!   - joyent (TritonDataCenter/illumos-joyent zoneadmd.c): a failing pre-ready also runs
//!     the cleanup post(3,4).
//!   - gate (illumos-gate zoneadmd.c returns -1 straight away; OmniOS clears `do_prestate`
//!     before `goto bad`): a failing pre-ready runs no cleanup hook. This differs from the
//!     fact sheet, which says post(3,4) always runs; the sources win.
//! - `zone_bootup`: a failing pre(state, BOOT) returns at once; a later failure runs the
//!   cleanup post(RUNNING=4, HALT=4) (ignored). `server()` then halts the zone.
//! - `zone_halt`: a failing pre(state, HALT) aborts the halt before `vplat_teardown`; a
//!   failing teardown logs "unable to destroy zone" (unless recovering from a failed boot)
//!   and skips post-halt; post(state, HALT) runs after the teardown and its failure fails
//!   the halt.
//! - The `state` argument is the state when the request arrived; it is not updated between
//!   steps (reboot from running: pre(4,4) post(4,4) pre(4,0) post(4,0) pre(4,1) post(4,1)).
//! - `server()` per state: configured/incomplete refuse every command; installed: ready,
//!   boot (= ready + boot, halt on failure), halt is a no-op success ("zone is already
//!   halted"), reboot refused; ready: ready is a no-op success ("zone is already ready"),
//!   boot, halt, reboot refused; running/shutting_down/down: ready (= halt + ready), boot
//!   is a no-op success ("zone is already booted"), halt, reboot (= halt + ready + boot).

use crate::state::Flavour;

/// `zone_cmd_t` numbers hooks receive (`sys/zone.h`; hooks only ever see 0, 1 and 4).
pub const Z_READY: u32 = 0;
pub const Z_BOOT: u32 = 1;
pub const Z_HALT: u32 = 4;

/// `zone_state_t` of a zone as zoneadmd sees it (libzonecfg `zone_get_state`: the index for
/// configured/incomplete/installed, the kernel for the rest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZoneState {
    Configured,
    Incomplete,
    Installed,
    Ready,
    Running,
    ShuttingDown,
    Down,
}

impl ZoneState {
    /// `zone_state_t` value (CONFIGURED 0 .. DOWN 6).
    pub fn number(self) -> u32 {
        match self {
            ZoneState::Configured => 0,
            ZoneState::Incomplete => 1,
            ZoneState::Installed => 2,
            ZoneState::Ready => 3,
            ZoneState::Running => 4,
            ZoneState::ShuttingDown => 5,
            ZoneState::Down => 6,
        }
    }

    /// `zone_state_str`.
    pub fn as_str(self) -> &'static str {
        match self {
            ZoneState::Configured => "configured",
            ZoneState::Incomplete => "incomplete",
            ZoneState::Installed => "installed",
            ZoneState::Ready => "ready",
            ZoneState::Running => "running",
            ZoneState::ShuttingDown => "shutting_down",
            ZoneState::Down => "down",
        }
    }

    /// True when a kernel zone exists (ready and beyond).
    pub fn in_kernel(self) -> bool {
        self.number() >= 3
    }
}

/// The door commands zoneadm sends for the subcommands the sim supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Ready,
    Boot,
    Reboot,
    Halt,
}

impl Cmd {
    /// zoneadmd.c `z_cmd_name`.
    pub fn name(self) -> &'static str {
        match self {
            Cmd::Ready => "ready",
            Cmd::Boot => "boot",
            Cmd::Reboot => "reboot",
            Cmd::Halt => "halt",
        }
    }
}

/// Which state-change hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Pre,
    Post,
}

/// The effects zoneadmd performs. Every method reports its own error messages through
/// [`Platform::error`] (zoneadmd's `zerror` to the zoneadm caller) and returns success.
pub trait Platform {
    /// Runs the brand's pre/post state-change hook with `state cmd`; a brand without that
    /// hook succeeds.
    fn hook(&mut self, phase: Phase, state: u32, cmd: u32) -> bool;
    /// A message for the zoneadm caller.
    fn error(&mut self, msg: &str);
    /// vplat.c `vplat_create`: `zone_create(2)`, the zone is now ready.
    fn vplat_create(&mut self) -> bool;
    /// vplat.c `vplat_bringup`: mounts and, for exclusive-IP zones, assigning the configured
    /// datalinks (`configure_exclusive_network_interfaces`).
    fn vplat_bringup(&mut self) -> bool;
    /// vplat.c `vplat_teardown`: shut the zone down, release its links, destroy it. `quiet`:
    /// called with a NULL log during bringup-failure cleanup (no messages).
    fn vplat_teardown(&mut self, quiet: bool) -> bool;
    /// `zone_boot(2)` after the brand's boot preparations: the zone is now running.
    fn zone_boot(&mut self) -> bool;
}

/// One door call's worth of zoneadmd state.
struct Zoneadmd<'a, P: Platform> {
    p: &'a mut P,
    flavour: Flavour,
    /// zoneadmd.c `bringup_failure_recovery`: suppresses "unable to destroy zone".
    bringup_failure_recovery: bool,
}

impl<P: Platform> Zoneadmd<'_, P> {
    /// zoneadmd.c `zone_ready`.
    fn zone_ready(&mut self, zstate: u32) -> bool {
        if !self.p.hook(Phase::Pre, zstate, Z_READY) {
            // joyent: `goto bad` runs the cleanup hook; gate/OmniOS: no cleanup hook.
            if self.flavour == Flavour::Joyent {
                let _ = self.p.hook(Phase::Post, ZoneState::Ready.number(), Z_HALT);
            }
            return false;
        }
        let ok = if !self.p.vplat_create() {
            false
        } else if !self.p.vplat_bringup() {
            self.bringup_failure_recovery = true;
            let _ = self.p.vplat_teardown(true);
            false
        } else {
            self.p.hook(Phase::Post, zstate, Z_READY)
        };
        if !ok {
            // "we up the zone's state to the target state, READY, and then invoke the hook
            // as if we're halting"; the result is ignored.
            let _ = self.p.hook(Phase::Post, ZoneState::Ready.number(), Z_HALT);
        }
        ok
    }

    /// zoneadmd.c `zone_bootup`.
    fn zone_bootup(&mut self, zstate: u32) -> bool {
        if !self.p.hook(Phase::Pre, zstate, Z_BOOT) {
            return false;
        }
        if self.p.zone_boot() && self.p.hook(Phase::Post, zstate, Z_BOOT) {
            return true;
        }
        let _ = self
            .p
            .hook(Phase::Post, ZoneState::Running.number(), Z_HALT);
        false
    }

    /// zoneadmd.c `zone_halt`.
    fn zone_halt(&mut self, zstate: u32) -> bool {
        if !self.p.hook(Phase::Pre, zstate, Z_HALT) {
            return false;
        }
        if !self.p.vplat_teardown(false) {
            if !self.bringup_failure_recovery {
                self.p.error("unable to destroy zone");
            }
            return false;
        }
        self.p.hook(Phase::Post, zstate, Z_HALT)
    }

    /// `zone_ready` then `zone_bootup`, halting the zone if either fails (the
    /// `Z_BOOT` case of `server()`).
    fn ready_and_boot(&mut self, zstate: u32) -> bool {
        let ok = self.zone_ready(zstate) && self.zone_bootup(zstate);
        if !ok {
            self.bringup_failure_recovery = true;
            let _ = self.zone_halt(zstate);
        }
        ok
    }

    fn invalid(&mut self, cmd: Cmd, state: ZoneState) -> bool {
        self.p.error(&format!(
            "{} operation is invalid for zones in state '{}'",
            cmd.name(),
            state.as_str()
        ));
        false
    }
}

/// zoneadmd.c `server()`: carries out `cmd` on a zone in `state`. Returns the door call's
/// result (true = rval 0).
pub fn server<P: Platform>(p: &mut P, flavour: Flavour, state: ZoneState, cmd: Cmd) -> bool {
    let mut d = Zoneadmd {
        p,
        flavour,
        bringup_failure_recovery: false,
    };
    let z = state.number();
    match state {
        ZoneState::Configured | ZoneState::Incomplete => d.invalid(cmd, state),
        ZoneState::Installed => match cmd {
            Cmd::Ready => d.zone_ready(z),
            Cmd::Boot => d.ready_and_boot(z),
            Cmd::Halt => {
                // "We could have two clients racing to halt this zone; the second client
                // loses, but its request doesn't fail".
                d.p.error("zone is already halted");
                true
            }
            Cmd::Reboot => d.invalid(cmd, state),
        },
        ZoneState::Ready => match cmd {
            Cmd::Ready => {
                d.p.error("zone is already ready");
                true
            }
            Cmd::Boot => {
                let ok = d.zone_bootup(z);
                if !ok {
                    d.bringup_failure_recovery = true;
                    let _ = d.zone_halt(z);
                }
                ok
            }
            Cmd::Halt => d.zone_halt(z),
            Cmd::Reboot => d.invalid(cmd, state),
        },
        ZoneState::Running | ZoneState::ShuttingDown | ZoneState::Down => match cmd {
            Cmd::Ready => d.zone_halt(z) && d.zone_ready(z),
            Cmd::Boot => {
                d.p.error("zone is already booted");
                true
            }
            Cmd::Halt => d.zone_halt(z),
            Cmd::Reboot => {
                if !d.zone_halt(z) || !d.zone_ready(z) {
                    return false;
                }
                let ok = d.zone_bootup(z);
                if !ok {
                    let _ = d.zone_halt(z);
                }
                ok
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A platform that records calls and fails the steps it is told to.
    #[derive(Default)]
    struct Rec {
        calls: Vec<String>,
        fail_hooks: Vec<(Phase, u32, u32)>,
        fail_create: bool,
        fail_bringup: bool,
        fail_teardown: bool,
        fail_boot: bool,
    }

    impl Platform for Rec {
        fn hook(&mut self, phase: Phase, state: u32, cmd: u32) -> bool {
            let tag = if phase == Phase::Pre { "pre" } else { "post" };
            self.calls.push(format!("{tag}({state},{cmd})"));
            !self.fail_hooks.contains(&(phase, state, cmd))
        }
        fn error(&mut self, msg: &str) {
            self.calls.push(format!("msg:{msg}"));
        }
        fn vplat_create(&mut self) -> bool {
            self.calls.push("create".into());
            !self.fail_create
        }
        fn vplat_bringup(&mut self) -> bool {
            self.calls.push("bringup".into());
            !self.fail_bringup
        }
        fn vplat_teardown(&mut self, quiet: bool) -> bool {
            self.calls
                .push(if quiet { "teardown(quiet)" } else { "teardown" }.into());
            !self.fail_teardown
        }
        fn zone_boot(&mut self) -> bool {
            self.calls.push("boot".into());
            !self.fail_boot
        }
    }

    fn run(rec: &mut Rec, f: Flavour, s: ZoneState, c: Cmd) -> (bool, String) {
        let ok = server(rec, f, s, c);
        (ok, rec.calls.join(" "))
    }

    use Flavour::{Gate, Joyent};
    use ZoneState::*;

    #[test]
    fn boot_from_installed() {
        for f in [Joyent, Gate] {
            let (ok, calls) = run(&mut Rec::default(), f, Installed, Cmd::Boot);
            assert!(ok);
            assert_eq!(
                calls,
                "pre(2,0) create bringup post(2,0) pre(2,1) boot post(2,1)"
            );
        }
    }

    #[test]
    fn reboot_from_running_keeps_the_arrival_state() {
        let (ok, calls) = run(&mut Rec::default(), Joyent, Running, Cmd::Reboot);
        assert!(ok);
        assert_eq!(
            calls,
            "pre(4,4) teardown post(4,4) pre(4,0) create bringup post(4,0) pre(4,1) boot post(4,1)"
        );
    }

    #[test]
    fn failing_pre_ready_runs_cleanup_only_in_joyent() {
        let mut r = Rec {
            fail_hooks: vec![(Phase::Pre, 2, 0)],
            ..Default::default()
        };
        let (ok, calls) = run(&mut r, Joyent, Installed, Cmd::Ready);
        assert!(!ok);
        assert_eq!(calls, "pre(2,0) post(3,4)");
        let mut r = Rec {
            fail_hooks: vec![(Phase::Pre, 2, 0)],
            ..Default::default()
        };
        let (ok, calls) = run(&mut r, Gate, Installed, Cmd::Ready);
        assert!(!ok);
        assert_eq!(calls, "pre(2,0)");
    }

    #[test]
    fn failing_post_ready_fails_ready_and_boot_halts() {
        let mut r = Rec {
            fail_hooks: vec![(Phase::Post, 2, 0), (Phase::Post, 3, 4)],
            ..Default::default()
        };
        // Plain ready: no halt, the zone stays ready; the cleanup hook's failure is ignored.
        let (ok, calls) = run(&mut r, Gate, Installed, Cmd::Ready);
        assert!(!ok);
        assert_eq!(calls, "pre(2,0) create bringup post(2,0) post(3,4)");
        // Boot: zone_halt follows, without "unable to destroy zone" noise on success.
        let mut r = Rec {
            fail_hooks: vec![(Phase::Post, 2, 0)],
            ..Default::default()
        };
        let (ok, calls) = run(&mut r, Joyent, Installed, Cmd::Boot);
        assert!(!ok);
        assert_eq!(
            calls,
            "pre(2,0) create bringup post(2,0) post(3,4) pre(2,4) teardown post(2,4)"
        );
    }

    #[test]
    fn failing_bringup_tears_down_quietly() {
        let mut r = Rec {
            fail_bringup: true,
            fail_teardown: true,
            ..Default::default()
        };
        let (ok, calls) = run(&mut r, Gate, Installed, Cmd::Boot);
        assert!(!ok);
        // The boot path's zone_halt teardown fails too, but bringup_failure_recovery hides
        // "unable to destroy zone".
        assert_eq!(
            calls,
            "pre(2,0) create bringup teardown(quiet) post(3,4) pre(2,4) teardown"
        );
    }

    #[test]
    fn failing_boot_runs_running_halt_cleanup() {
        let mut r = Rec {
            fail_boot: true,
            ..Default::default()
        };
        let (ok, calls) = run(&mut r, Joyent, Ready, Cmd::Boot);
        assert!(!ok);
        assert_eq!(calls, "pre(3,1) boot post(4,4) pre(3,4) teardown post(3,4)");
        let mut r = Rec {
            fail_hooks: vec![(Phase::Pre, 3, 1)],
            ..Default::default()
        };
        let (ok, calls) = run(&mut r, Joyent, Ready, Cmd::Boot);
        assert!(!ok);
        assert_eq!(calls, "pre(3,1) pre(3,4) teardown post(3,4)");
    }

    #[test]
    fn failing_pre_halt_aborts_halt() {
        let mut r = Rec {
            fail_hooks: vec![(Phase::Pre, 4, 4)],
            ..Default::default()
        };
        let (ok, calls) = run(&mut r, Gate, Running, Cmd::Halt);
        assert!(!ok);
        assert_eq!(calls, "pre(4,4)");
    }

    #[test]
    fn failing_teardown_skips_post_halt() {
        let mut r = Rec {
            fail_teardown: true,
            ..Default::default()
        };
        let (ok, calls) = run(&mut r, Gate, Running, Cmd::Halt);
        assert!(!ok);
        assert_eq!(calls, "pre(4,4) teardown msg:unable to destroy zone");
        // Halting the down zone later retries with state 6.
        let (ok, calls) = run(&mut Rec::default(), Gate, Down, Cmd::Halt);
        assert!(ok);
        assert_eq!(calls, "pre(6,4) teardown post(6,4)");
    }

    #[test]
    fn failing_post_halt_fails_after_teardown() {
        let mut r = Rec {
            fail_hooks: vec![(Phase::Post, 3, 4)],
            ..Default::default()
        };
        let (ok, calls) = run(&mut r, Joyent, Ready, Cmd::Halt);
        assert!(!ok);
        assert_eq!(calls, "pre(3,4) teardown post(3,4)");
    }

    #[test]
    fn no_op_and_refused_requests() {
        let cases: [(ZoneState, Cmd, bool, &str); 8] = [
            (Installed, Cmd::Halt, true, "msg:zone is already halted"),
            (Ready, Cmd::Ready, true, "msg:zone is already ready"),
            (Running, Cmd::Boot, true, "msg:zone is already booted"),
            (Down, Cmd::Boot, true, "msg:zone is already booted"),
            (
                Installed,
                Cmd::Reboot,
                false,
                "msg:reboot operation is invalid for zones in state 'installed'",
            ),
            (
                Ready,
                Cmd::Reboot,
                false,
                "msg:reboot operation is invalid for zones in state 'ready'",
            ),
            (
                Configured,
                Cmd::Boot,
                false,
                "msg:boot operation is invalid for zones in state 'configured'",
            ),
            (
                Incomplete,
                Cmd::Halt,
                false,
                "msg:halt operation is invalid for zones in state 'incomplete'",
            ),
        ];
        for (s, c, want_ok, want) in cases {
            let (ok, calls) = run(&mut Rec::default(), Gate, s, c);
            assert_eq!((ok, calls.as_str()), (want_ok, want), "{s:?} {c:?}");
        }
    }

    #[test]
    fn ready_from_running_halts_then_readies() {
        let (ok, calls) = run(&mut Rec::default(), Gate, Running, Cmd::Ready);
        assert!(ok);
        assert_eq!(
            calls,
            "pre(4,4) teardown post(4,4) pre(4,0) create bringup post(4,0)"
        );
    }
}
