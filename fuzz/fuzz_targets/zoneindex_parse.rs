//! Any text through the zone index parser: never panics, and every entry it returns prints back
//! to a line that parses to the same entry.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netzone::zoneindex;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for e in zoneindex::parse(&text) {
        let line = zoneindex::format_line(&e);
        assert_eq!(zoneindex::parse_line(&line), Some(e));
    }
});
