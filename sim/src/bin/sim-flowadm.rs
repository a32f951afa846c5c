//! `sim-flowadm`: the simulated `/usr/sbin/flowadm` (see `netzone_sim::flowadm` and
//! sim/README.md). Logged and slowed like every sim command; faults are keyed by the
//! subcommand (`add-flow`, `remove-flow`, `show-flow`). `ILLUMOS_SIM_ZONE` runs it as if inside
//! a zone, as for sim-dladm.

use netzone_sim::fault::{self, Action, When};
use netzone_sim::state::{Host, GLOBAL};
use netzone_sim::{common, flowadm};

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    let Some(root) = common::root_from_env() else {
        eprintln!(
            "sim-flowadm: {} is not set (the simulated root)",
            common::ROOT_ENV
        );
        std::process::exit(1);
    };
    common::startup(&root, &argv);
    let sub = argv.get(1).cloned().unwrap_or_default();
    let caller = std::env::var(common::ZONE_ENV)
        .ok()
        .filter(|z| !z.is_empty())
        .unwrap_or_else(|| GLOBAL.to_string());
    let res = Host::with_locked(&root, |host| {
        if let Some(a) = fault::check(host, &sub, When::Before) {
            if a == Action::Reboot {
                host.reboot();
            }
            return (String::new(), String::new(), 1, Some((a, When::Before)));
        }
        let (out, err, code) = flowadm::run(host, &caller, &argv);
        let after = fault::check(host, &sub, When::After).map(|a| (a, When::After));
        if matches!(after, Some((Action::Reboot, _))) {
            host.reboot();
        }
        (out, err, code, after)
    });
    let (out, err, code, fault) = match res {
        Ok(r) => r,
        Err(e) => {
            eprintln!("sim-flowadm: {e}");
            std::process::exit(1);
        }
    };
    print!("{out}");
    eprint!("{err}");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    match fault {
        None => std::process::exit(code),
        Some((Action::Crash, _)) => fault::crash(),
        Some((Action::Reboot, _)) => fault::reboot_finish(&root),
        Some((Action::Fail, when)) => {
            eprintln!(
                "flowadm: {sub}: injected failure ({}) from illumos-sim",
                when.as_str()
            );
            std::process::exit(1);
        }
    }
}
