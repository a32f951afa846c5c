//! `sim-zoneadm`: zoneadm(8) on the simulated illumos host (see `netzone_sim::zoneadm`).
//! The host's root comes from `ILLUMOS_SIM_ROOT`. Every run is logged and consults the
//! injected faults for the command name `zoneadm-<subcommand>` (`zoneadm-ready`,
//! `zoneadm-boot`, `zoneadm-halt`, `zoneadm-reboot`, `zoneadm-list`): a `before` fault stops
//! the run before anything happens, an `after` fault fires once the command has done its work;
//! `fail` exits 1, `crash` kills the calling process.

use std::io::Write;

use netzone_sim::fault::{self, Action, When};
use netzone_sim::{common, zoneadm};

fn fire(root: &std::path::Path, cmd: &str, when: When) {
    // No simulated host: zoneadm itself reports that.
    let Ok(action) = fault::check_locked(root, cmd, when) else {
        return;
    };
    match action {
        Some(Action::Fail) => {
            eprintln!(
                "zoneadm: {cmd}: injected failure ({}) from illumos-sim",
                when.as_str()
            );
            std::process::exit(zoneadm::Z_ERR);
        }
        Some(Action::Crash) => fault::crash(),
        Some(Action::Reboot) => fault::reboot_finish(root),
        None => {}
    }
}

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    let Some(root) = common::root_from_env() else {
        eprintln!(
            "zoneadm: {} is not set (the simulated host's root)",
            common::ROOT_ENV
        );
        std::process::exit(zoneadm::Z_ERR);
    };
    common::startup(&root, &argv);
    let fault_cmd = zoneadm::parse_args(&argv, &mut std::io::sink())
        .ok()
        .map(|inv| format!("zoneadm-{}", inv.subcommand));
    if let Some(c) = &fault_cmd {
        fire(&root, c, When::Before);
    }
    let code = {
        let stdout = std::io::stdout();
        let stderr = std::io::stderr();
        let mut out = stdout.lock();
        let mut err = stderr.lock();
        let c = zoneadm::run(&argv, &root, &mut out, &mut err);
        let _ = out.flush();
        c
    };
    if let Some(c) = &fault_cmd {
        fire(&root, c, When::After);
    }
    std::process::exit(code);
}
