//! Arbitrary bytes through dladm's `-p -o` output parsers and error classifier: the
//! properties are in `tests/fuzz_regressions/props.rs`, shared with the proptests and the replay
//! of every crash kept under `tests/fuzz_regressions/dladm_output/`.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/fuzz_regressions/props.rs"]
#[allow(dead_code)]
mod props;

fuzz_target!(|data: &[u8]| props::dladm_output(data));
