//! What every sim binary does first: find the root, log the command line, sleep the
//! configured latency (before taking the state lock, as a real command spends its time
//! outside dlmgmtd's table lock).

use std::path::PathBuf;
use std::time::Duration;

/// Environment variable naming the simulated root.
pub const ROOT_ENV: &str = "ILLUMOS_SIM_ROOT";
/// Environment variable: fixed delay in milliseconds added to every sim command.
pub const LATENCY_ENV: &str = "ILLUMOS_SIM_LATENCY_MS";
/// Environment variable: run sim-dladm as if inside this non-global zone (what `zlogin Z
/// dladm ...` would be). Unset or `global`: the global zone.
pub const ZONE_ENV: &str = "ILLUMOS_SIM_ZONE";

/// The root from `ILLUMOS_SIM_ROOT`, if set and non-empty.
pub fn root_from_env() -> Option<PathBuf> {
    std::env::var_os(ROOT_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The configured latency (0 when unset or unparsable).
pub fn latency() -> Duration {
    let ms = std::env::var(LATENCY_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(0);
    Duration::from_millis(ms)
}

/// Logs `argv` to `ROOT/var/sim/log` and sleeps the latency. Logging failures are reported on
/// stderr but do not stop the command.
pub fn startup(root: &std::path::Path, argv: &[String]) {
    if let Err(e) = crate::log::record(root, argv) {
        eprintln!("illumos-sim: warning: cannot append to the command log: {e}");
    }
    let d = latency();
    if !d.is_zero() {
        std::thread::sleep(d);
    }
}
