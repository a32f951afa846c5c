//! `sim-route`: the simulated `/usr/sbin/route`, enough of it for `route -n get DEST` (see
//! `netzone_sim::route`). The host's root comes from `ILLUMOS_SIM_ROOT`. Every run is logged
//! and consults the injected faults for the command name `route` (`before`: nothing is looked
//! up; `after`: the answer has been printed); `fail` exits 1, `crash` kills the caller.

use std::io::Write;

use netzone_sim::fault::{self, Action, When};
use netzone_sim::state::Host;
use netzone_sim::{common, route};

/// Fault name for every sim-route run.
const FAULT_CMD: &str = "route";

fn fire(root: &std::path::Path, when: When) {
    match fault::check_locked(root, FAULT_CMD, when) {
        Ok(Some(Action::Fail)) => {
            eprintln!(
                "route: injected failure ({}) from illumos-sim",
                when.as_str()
            );
            std::process::exit(1);
        }
        Ok(Some(Action::Crash)) => fault::crash(),
        Ok(Some(Action::Reboot)) => fault::reboot_finish(root),
        Ok(None) => {}
        Err(e) => {
            eprintln!("route: simulated host: {e}");
            std::process::exit(1);
        }
    }
}

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    let Some(root) = common::root_from_env() else {
        eprintln!(
            "route: {} is not set (the simulated host's root)",
            common::ROOT_ENV
        );
        std::process::exit(1);
    };
    common::startup(&root, &argv);
    fire(&root, When::Before);
    let host = match Host::with_locked(&root, |h| h.clone()) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("route: simulated host: {e}");
            std::process::exit(1);
        }
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = route::run(&host, &argv, &mut out, &mut err);
    let _ = std::io::stdout().write_all(&out);
    let _ = std::io::stderr().write_all(&err);
    let _ = std::io::stdout().flush();
    fire(&root, When::After);
    std::process::exit(code);
}
