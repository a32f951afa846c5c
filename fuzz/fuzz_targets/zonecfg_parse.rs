//! Any bytes through the zone file parser: it must return Ok or Err, never panic, and an Ok
//! configuration must hold only values its own types accept.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netzone::zonecfg;

fuzz_target!(|data: &[u8]| {
    // The byte-level entry (size, NUL and UTF-8 checks, scan, serde).
    let raw_ok = zonecfg::parse_raw(data, "fuzz", None).is_ok();
    let Ok(text) = std::str::from_utf8(data) else {
        assert!(!raw_ok, "non-UTF-8 input must be refused");
        return;
    };
    match zonecfg::parse_str(text, "fuzz") {
        Ok(z) => {
            assert!(raw_ok);
            assert!(z.nets().len() <= zonecfg::raw::MAX_NETS);
            for n in z.nets() {
                assert!(netzone::linkname::LinkName::new(n.physical.as_str()).is_ok());
                if let Some(v) = n.vlan {
                    assert!((1..=4094).contains(&v.get()));
                }
            }
        }
        Err(e) => assert!(!e.lines().is_empty()),
    }
});
