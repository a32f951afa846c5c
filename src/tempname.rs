//! Temporary link names: where a joyent VNIC lives between `create-vnic` and `rename-link -z`.
//!
//! Scheme: `nz` + 12 lowercase hex digits + `_` + the net's index in the zone's configuration,
//! e.g. `nz3f9a0c11d2e4_0`. The hex digits are the low 48 bits of the 64-bit FNV-1a hash of the
//! zone name, so:
//! - the name is a valid link name (`[a-z0-9_]`, starts with a letter, ends in a number without a
//!   leading zero, at most 19 characters against dladm's 31; `libdladm.c` `dladm_valid_linkname`);
//! - two zones booting at the same time get different names (a collision needs two zone names
//!   with equal 48-bit hashes);
//! - a retry for the same zone computes the same names, so it finds its own leftovers;
//! - the pattern is recognisably netzone's, which together with the journal is how netzone proves
//!   it owns a link it finds (SmartOS uses `tmp<pid>0`, which a retry cannot find).
//!
//! ```
//! use netzone::{tempname, zonename::ZoneName};
//! let z = ZoneName::new("web1")?;
//! let t = tempname::temp_name(&z, 2);
//! assert!(t.as_str().starts_with("nz") && t.as_str().ends_with("_2"));
//! assert_eq!(tempname::owned_index(&t, &z), Some(2));
//! assert_eq!(tempname::owned_index(&t, &ZoneName::new("web2")?), None);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::linkname::LinkName;
use crate::zonename::ZoneName;

/// Prefix of every netzone temporary name.
pub const PREFIX: &str = "nz";
const HASH_DIGITS: usize = 12;

fn fnv1a(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The per-zone part of the temporary names: `nz<12 hex>_`.
pub fn zone_prefix(zone: &ZoneName) -> String {
    let h = fnv1a(zone.as_str()) & 0xffff_ffff_ffff;
    format!("{PREFIX}{h:0width$x}_", width = HASH_DIGITS)
}

/// The temporary name of the zone's net number `index` (its position among the zone's nets).
pub fn temp_name(zone: &ZoneName, index: usize) -> LinkName {
    LinkName::new(&format!("{}{index}", zone_prefix(zone)))
        .expect("temporary names are valid link names by construction")
}

/// The index if `name` is one of `zone`'s temporary names.
pub fn owned_index(name: &LinkName, zone: &ZoneName) -> Option<usize> {
    let rest = name.as_str().strip_prefix(&zone_prefix(zone))?;
    parse_index(rest)
}

fn parse_index(rest: &str) -> Option<usize> {
    if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if rest.len() > 1 && rest.starts_with('0') {
        return None;
    }
    rest.parse().ok()
}

/// Whether `name` has the shape of a netzone temporary name of any zone (for orphan sweeps that
/// do not know the zone).
pub fn is_temp_name(name: &LinkName) -> bool {
    let Some(rest) = name.as_str().strip_prefix(PREFIX) else {
        return false;
    };
    let (hash, idx) = match rest.split_once('_') {
        Some(x) => x,
        None => return false,
    };
    hash.len() == HASH_DIGITS
        && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        && parse_index(idx).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::zn;
    use std::collections::HashSet;

    #[test]
    fn names_are_valid_stable_and_recognised() {
        let z = zn("web1");
        let a = temp_name(&z, 0);
        assert_eq!(a, temp_name(&z, 0), "a retry finds the same name");
        assert!(a.as_str().starts_with("nz"));
        assert_eq!(a.as_str().len(), 2 + 12 + 1 + 1);
        assert_eq!(owned_index(&a, &z), Some(0));
        assert_eq!(owned_index(&temp_name(&z, 15), &z), Some(15));
        assert_eq!(owned_index(&a, &zn("web2")), None);
        assert!(is_temp_name(&a));
        assert!(!is_temp_name(&LinkName::new("net0").unwrap()));
        assert!(!is_temp_name(&LinkName::new("nz_0").unwrap()));
        assert!(!is_temp_name(&LinkName::new("nzabcdefabcdefg_0").unwrap()));
        // A 63-character zone name still gives a short valid name.
        let long = zn(&"z".repeat(63));
        assert!(temp_name(&long, 999).as_str().len() <= 31);
    }

    #[test]
    fn distinct_across_many_zones() {
        let names: HashSet<_> = (0..5000)
            .map(|i| temp_name(&zn(&format!("zone{i}")), 0))
            .collect();
        assert_eq!(names.len(), 5000);
    }
}
