//! Writing the MAC address the host assigned back into the zone's configuration, so the zone
//! keeps it across boots (SmartOS `jcommon/statechange` and OmniOS `vnic.ksh` both do this).
//!
//! One zonecfg process per zone, whatever the number of nets: the subcommands are joined with
//! `;` into one command-file argument, which zonecfg reads like an interactive session.

use crate::linkname::LinkName;
use crate::mac::Mac;
use crate::zonename::ZoneName;

/// `zonecfg -z ZONE "select net physical=X; set mac-addr=M; end; ...; commit"`, or `None` when
/// there is nothing to write.
pub fn mac_writeback_command(zone: &ZoneName, macs: &[(LinkName, Mac)]) -> Option<Vec<String>> {
    if macs.is_empty() {
        return None;
    }
    let mut script: Vec<String> = macs
        .iter()
        .map(|(net, mac)| format!("select net physical={net}; set mac-addr={mac}; end"))
        .collect();
    script.push("commit".into());
    Some(vec!["-z".into(), zone.to_string(), script.join("; ")])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_call_for_all_nets() {
        let z = ZoneName::new("web1").unwrap();
        assert_eq!(mac_writeback_command(&z, &[]), None);
        let a = mac_writeback_command(
            &z,
            &[
                (
                    LinkName::new("net0").unwrap(),
                    "2:8:20:1:2:3".parse().unwrap(),
                ),
                (
                    LinkName::new("net1").unwrap(),
                    "2:8:20:a:b:c".parse().unwrap(),
                ),
            ],
        )
        .unwrap();
        assert_eq!(
            a,
            vec![
                "-z",
                "web1",
                "select net physical=net0; set mac-addr=2:8:20:1:2:3; end; \
                 select net physical=net1; set mac-addr=2:8:20:a:b:c; end; commit"
            ]
        );
    }
}
