//! `sim-sysinfo`: SmartOS's `sysinfo` on the simulated host, answering the nic tags from the
//! sim's state (`illumos-sim nictag set TAG LINK`). Logged and slowed like every sim command;
//! faults under the command name `sysinfo`.
//!
//! `sysinfo -p` prints `key='value'` lines, the form SmartOS's `/lib/sdc/config.sh`
//! `load_sdc_sysinfo` evaluates (smartos-live `overlay/generic/usr/bin/sysinfo`): a few host
//! lines, then one `NIC_<tag>='<link>'` line per nic tag, sorted by tag. Without `-p` it prints
//! the same facts as a JSON object (`"NIC Tags": {tag: link}`; the real tool's JSON carries the
//! tags per interface, which the sim does not model). `-f` and `-u` (refresh the cache) are
//! accepted and change nothing. Any other argument: `sysinfo: unknown option` on stderr, exit 1.

use netzone_sim::common;
use netzone_sim::fault::{self, Action, When};
use netzone_sim::state::Host;

const FAULT_CMD: &str = "sysinfo";

fn die(msg: &str) -> ! {
    eprintln!("sysinfo: {msg}");
    std::process::exit(1)
}

fn fire(root: &std::path::Path, when: When) {
    match Host::with_locked(root, |h| fault::check(h, FAULT_CMD, when)) {
        Ok(Some(Action::Fail)) => die(&format!("injected failure ({})", when.as_str())),
        Ok(Some(Action::Crash)) => fault::crash(),
        Ok(Some(Action::Reboot)) => fault::reboot_finish(root),
        Ok(None) => {}
        Err(e) => die(&format!("simulated host: {e}")),
    }
}

/// A value in single quotes as a shell reads it back (`'` written `'\''`).
fn quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', "'\\''"))
}

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    let Some(root) = common::root_from_env() else {
        die(&format!(
            "{} is not set (the simulated host's root)",
            common::ROOT_ENV
        ));
    };
    common::startup(&root, &argv);
    let mut parsable = false;
    for a in &argv[1..] {
        match a.as_str() {
            "-p" => parsable = true,
            "-f" | "-u" => {}
            other => die(&format!("unknown option '{other}'")),
        }
    }
    fire(&root, When::Before);
    let tags = Host::with_locked(&root, |h| h.nictags.clone())
        .unwrap_or_else(|e| die(&format!("simulated host: {e}")));
    if parsable {
        println!("Hostname={}", quote("sim"));
        println!("System_Type={}", quote("SunOS"));
        for (t, l) in &tags {
            println!("NIC_{t}={}", quote(l));
        }
    } else {
        let v = serde_json::json!({
            "Hostname": "sim",
            "System Type": "SunOS",
            "NIC Tags": tags,
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    }
    fire(&root, When::After);
}
