//! Arbitrary bytes through the `zoneadm list -cip` parser: the
//! properties are in `tests/fuzz_regressions/props.rs`, shared with the proptests and the replay
//! of every crash kept under `tests/fuzz_regressions/zoneadm_list/`.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/fuzz_regressions/props.rs"]
#[allow(dead_code)]
mod props;

fuzz_target!(|data: &[u8]| props::zoneadm_list(data));
