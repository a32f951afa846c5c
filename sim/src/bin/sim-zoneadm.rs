//! `sim-zoneadm`: zoneadm(8) on the simulated illumos host (see `netzone_sim::zoneadm`).
//! The host's root comes from `ILLUMOS_SIM_ROOT`.

use std::io::Write;

use netzone_sim::{common, zoneadm};

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
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let mut out = stdout.lock();
    let mut err = stderr.lock();
    let code = zoneadm::run(&argv, &root, &mut out, &mut err);
    let _ = out.flush();
    std::process::exit(code);
}
