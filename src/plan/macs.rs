//! The MAC netzone asks `create-vnic` for: chosen before the link exists (the configured
//! address, or one drawn in dladm's random format), so that a journal record can identify the
//! link by it (issue 9: ownership by identity).

use crate::dladm::observe::Observation;
use crate::mac::{Mac, MacSpec};
use crate::zonecfg::Net;

/// The MAC a `create-vnic` of `spec` gives the link, when it is known before the link exists:
/// an explicit address, or a VRRP router's (`00:00:5e:00:01:VRID`, RFC 5798 §7.3, IPv4: netzone
/// passes `-A inet`). `factory` picks a slot of the NIC: known only once the link exists.
pub fn known_mac(spec: Option<&MacSpec>) -> Option<Mac> {
    match spec {
        Some(MacSpec::Fixed(m)) => Some(*m),
        Some(MacSpec::Vrrp { vrid }) => Mac::from_octets([0, 0, 0x5e, 0, 1, *vrid]).ok(),
        _ => None,
    }
}

/// The MAC netzone asks `create-vnic` for: the configured address, `factory` and `vrrp` as
/// configured, otherwise (no `mac-addr`, `auto`, `random`) one drawn in dladm's random format,
/// avoiding `taken`. The second value says whether it was drawn (and may be drawn again when
/// dladm reports it in use). `auto` would let dladm pick a factory slot if one were free;
/// netzone draws instead, so that the address is known before the link exists.
pub fn choose_mac(
    net: &Net,
    draw: &mut dyn FnMut() -> Mac,
    taken: &dyn Fn(&Mac) -> bool,
) -> (MacSpec, bool) {
    match net.mac {
        Some(s @ (MacSpec::Fixed(_) | MacSpec::Factory | MacSpec::Vrrp { .. })) => (s, false),
        None | Some(MacSpec::Auto | MacSpec::Random) => {
            let mut m = draw();
            for _ in 0..MAC_DRAWS {
                if !taken(&m) {
                    break;
                }
                m = draw();
            }
            (MacSpec::Fixed(m), true)
        }
    }
}

/// How many MACs are drawn for one link before giving up, against the observed links at plan
/// time and against dladm's "MAC address is already in use" at create time.
pub const MAC_DRAWS: usize = 8;

/// The MACs one plan chooses ([`choose_mac`]): a drawn one avoids the MACs of the live links
/// and those already chosen for the plan's other nets.
pub(super) struct MacPicker<'a> {
    draw: &'a mut dyn FnMut() -> Mac,
    live: Vec<Mac>,
    chosen: Vec<Mac>,
}

impl<'a> MacPicker<'a> {
    /// A picker that avoids the MACs of `obs`'s VNICs.
    pub(super) fn new(obs: &Observation, draw: &'a mut dyn FnMut() -> Mac) -> Self {
        let live = obs
            .links
            .iter()
            .filter_map(|l| l.vnic.as_ref().and_then(|v| v.mac))
            .collect();
        MacPicker {
            draw,
            live,
            chosen: Vec::new(),
        }
    }

    /// The MAC for `net`, and whether it was drawn.
    pub(super) fn pick(&mut self, net: &Net) -> (MacSpec, bool) {
        let (live, chosen) = (&self.live, &self.chosen);
        let (spec, drawn) = choose_mac(net, &mut *self.draw, &|m| {
            live.contains(m) || chosen.contains(m)
        });
        if let Some(m) = spec.fixed() {
            self.chosen.push(m);
        }
        (spec, drawn)
    }
}

#[cfg(test)]
mod tests {
    use crate::plan::fixtures::*;

    #[test]
    fn drawn_macs_avoid_live_ones() {
        let z = zn("web1");
        let obs = Observation {
            unreadable: Vec::new(),
            links: vec![vnic("opvnic0", "e1000g0", "2:8:20:0:0:1", 0, None)],
        };
        let p = up(&cfg(), Flavour::Gate, &obs, &Journal::empty(&z)).unwrap();
        assert_eq!(
            lines(&p)[0],
            "dladm create-vnic -t -l e1000g0 -m 2:8:20:0:0:2 net0"
        );
        // Every draw taken: the last one is used, and dladm's "in use" makes the executor draw
        // again.
        let mut same = || Mac::with_random_prefix([0, 0, 1]);
        let p = plan_up_with(&cfg(), Flavour::Gate, &obs, &Journal::empty(&z), &mut same).unwrap();
        assert!(lines(&p)[0].contains("-m 2:8:20:0:0:1"));
        let mut n = net("x0", Some("e1000g0"));
        for (spec, drawn) in [
            (None, true),
            (Some(MacSpec::Auto), true),
            (Some(MacSpec::Random), true),
            (Some(MacSpec::Factory), false),
            (Some(MacSpec::Vrrp { vrid: 7 }), false),
        ] {
            n.mac = spec;
            let (got, d) = choose_mac(&n, &mut counter(), &|_| false);
            assert_eq!(d, drawn, "{spec:?}");
            if drawn {
                assert_eq!(got, MacSpec::Fixed(Mac::with_random_prefix([0, 0, 1])));
            } else {
                assert_eq!(Some(got), spec);
            }
        }
        assert_eq!(
            known_mac(Some(&MacSpec::Vrrp { vrid: 7 }))
                .unwrap()
                .to_string(),
            "0:0:5e:0:1:7"
        );
        assert_eq!(known_mac(Some(&MacSpec::Factory)), None);
    }
}
