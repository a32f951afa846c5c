//! `sim-dladm`: the simulated `/usr/sbin/dladm` (see sim/README.md).

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    std::process::exit(netzone_sim::dladm::main_with(argv));
}
