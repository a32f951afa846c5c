//! `sim-zonecfg`: zonecfg(8)'s command-line mode on the simulated illumos host (see
//! `netzone_sim::zonecfg_cmd`). The host's root comes from `ILLUMOS_SIM_ROOT`. Every run is
//! logged and consults the injected faults for the command name `zonecfg`: a `before` fault
//! stops the run before anything is read or written, an `after` fault fires once the script
//! has run (changes committed); `fail` exits 1, `crash` kills the calling process.

use std::io::Write;

use netzone_sim::fault::{self, Action, When};
use netzone_sim::{common, zonecfg_cmd};

/// Fault name for every sim-zonecfg run.
const FAULT_CMD: &str = "zonecfg";

fn fire(root: &std::path::Path, when: When) {
    let action = fault::check_locked(root, FAULT_CMD, when);
    match action {
        Ok(Some(Action::Fail)) => {
            eprintln!(
                "zonecfg: injected fault ({}): operation failed",
                when.as_str()
            );
            std::process::exit(zonecfg_cmd::Z_ERR);
        }
        Ok(Some(Action::Crash)) => fault::crash(),
        Ok(Some(Action::Reboot)) => fault::reboot_finish(root),
        Ok(None) => {}
        Err(e) => {
            eprintln!("zonecfg: simulated host: {e}");
            std::process::exit(zonecfg_cmd::Z_ERR);
        }
    }
}

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    let Some(root) = common::root_from_env() else {
        eprintln!(
            "zonecfg: {} is not set (the simulated host's root)",
            common::ROOT_ENV
        );
        std::process::exit(zonecfg_cmd::Z_ERR);
    };
    common::startup(&root, &argv);
    fire(&root, When::Before);
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let code = {
        let mut out = stdout.lock();
        let mut err = stderr.lock();
        let c = zonecfg_cmd::run(&argv, &root, &mut out, &mut err);
        let _ = out.flush();
        c
    };
    fire(&root, When::After);
    std::process::exit(code);
}
