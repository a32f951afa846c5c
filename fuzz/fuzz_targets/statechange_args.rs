//! Arbitrary bytes through `netzone-statechange`'s argument parser: the
//! properties are in `tests/fuzz_regressions/props.rs`, shared with the proptests and the replay
//! of every crash kept under `tests/fuzz_regressions/statechange_args/`.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/fuzz_regressions/props.rs"]
#[allow(dead_code)]
mod props;

fuzz_target!(|data: &[u8]| props::statechange_args(data));
