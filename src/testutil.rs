//! Shorthands for unit tests: names known to be valid.

use crate::linkname::LinkName;
use crate::zonename::ZoneName;

/// A link name; panics if invalid.
pub fn ln(s: &str) -> LinkName {
    LinkName::new(s).unwrap()
}

/// A zone name; panics if invalid.
pub fn zn(s: &str) -> ZoneName {
    ZoneName::new(s).unwrap()
}
