//! Removal: the links netzone can prove it made for a zone ([`plan_down`], halt and `gc`), and
//! the undo of a failed `up`, which looks at nothing but what the run created ([`plan_undo`]).

use crate::dladm::observe::Observation;
use crate::flavour::Flavour;
use crate::identity;
use crate::journal::{Journal, JournalLink};
use crate::tempname;
use crate::zonename::ZoneName;

use super::records::{delete, find_record, report_others};
use super::{Plan, Step};

/// The steps that remove every link netzone can prove it made for `zone`: the links its journal
/// records identify (under any name they may have), in the global zone or in `zone`. Records
/// that identify no link are forgotten; links they name that are somebody else's are reported
/// in [`Plan::not_ours`] and left alone.
///
/// On gate the global zone names links by name only (no `-z`): a link of the zone's that is on
/// loan while the global zone holds another link of the same name (illumos bug 10001) cannot be
/// addressed without hitting the other one, so it is left and reported in [`Plan::blocked`].
///
/// A record that identifies no link while a link of one of its names has a zone dladm could not
/// read ([`Observation::unreadable`]) is neither forgotten nor acted on: that link may be the
/// record's, so it is reported in [`Plan::blocked`] ([`unreadable_reason`]).
pub fn plan_down(zone: &ZoneName, flavour: Flavour, obs: &Observation, journal: &Journal) -> Plan {
    let mut plan = Plan::new(zone, flavour);
    for e in &journal.links {
        let found = find_record(e, obs, zone);
        if found.ours.is_empty() {
            let unreadable = [&e.name, &e.final_name]
                .into_iter()
                .find_map(|n| obs.unreadable_named(n));
            match unreadable {
                Some(u) if !plan.blocked.iter().any(|(n, _)| n == &u.name) => {
                    plan.blocked
                        .push((u.name.clone(), unreadable_reason(zone, u)));
                }
                Some(_) => {}
                None => plan.forget.push(e.net.clone()),
            }
        }
        for l in &found.ours {
            let shadowed = flavour.dialect().names_host_wide()
                && l.zone.is_some()
                && obs.find(&l.name, None).is_some();
            if shadowed {
                plan.blocked.push((
                    l.name.clone(),
                    format!(
                        "it is on loan to zone '{zone}' and the global zone has another link named \
                         {} (illumos bug 10001); rename or delete the global zone's {} and try again",
                        l.name, l.name
                    ),
                ));
            } else {
                plan.steps
                    .push(delete(journal, zone, Some(&e.net), l, e.persistent));
            }
        }
        report_others(&mut plan, found);
    }
    let over_of = |i: usize| journal.links.iter().find(|e| e.index == i).map(|e| &e.over);
    for l in &obs.links {
        let Some(i) = tempname::owned_index(&l.name, zone) else {
            continue;
        };
        if identity::temp_proof(l, zone, over_of(i))
            && !plan.steps.iter().any(
                |s| matches!(s, Step::Delete{name, zone: z, ..} if name == &l.name && z == &l.zone),
            )
        {
            plan.steps.push(delete(journal, zone, None, l, false));
        }
    }
    plan
}

/// The undo of a failed `up`: the links of `created` (the records of the nets this run
/// created, oldest first) deleted, newest first, under every name each may have
/// ([`JournalLink::candidate_names`]: the temporary and the final name while a rename was in
/// flight). Pure: what this run created is all it looks at, so nothing else is touched. A
/// record is dropped by the executor once the last of its deletes succeeded.
///
/// On joyent each link is addressed in its zone (`-z`); on gate from the global zone, where
/// netzone's links wait until zoneadmd lends them at ready.
pub fn plan_undo(zone: &ZoneName, flavour: Flavour, created: &[JournalLink]) -> Plan {
    let mut plan = Plan::new(zone, flavour);
    for e in created.iter().rev() {
        for name in e.candidate_names() {
            plan.steps.push(Step::Delete {
                net: Some(e.net.clone()),
                name: name.clone(),
                zone: flavour.dialect().link_home(&e.zone),
                temp: Some(e.name.clone()),
                persistent: e.persistent,
            });
        }
    }
    plan
}

/// Why netzone leaves a link whose zone dladm could not read, when it may be one of `zone`'s.
pub fn unreadable_reason(zone: &ZoneName, u: &crate::dladm::observe::UnreadableLink) -> String {
    format!(
        "dladm cannot read which zone holds it ({s}), so netzone cannot tell whether it belongs \
         to zone '{zone}' and leaves it as it is; run recover again once `dladm show-linkprop \
         -p zone {n}` reads it",
        s = u.status,
        n = u.name
    )
}

#[cfg(test)]
mod tests {
    use crate::plan::fixtures::*;

    /// The records a failed `up` leaves for the nets it created, when step `k` of `p` fails:
    /// what the executor writes (create: intent, then created; rename: renaming, then active).
    /// `refused`: dladm refused the failing step (a create that created nothing); otherwise the
    /// step may have done its work (a create left at intent, a rename at renaming).
    fn records_at(p: &Plan, k: usize, refused: bool) -> Vec<JournalLink> {
        let z = zn("web1");
        let mut v: Vec<JournalLink> = Vec::new();
        for (i, s) in p.steps.iter().enumerate().take(k + 1) {
            let failing = i == k;
            match s {
                Step::Create {
                    net, index, spec, ..
                } => {
                    if failing && refused {
                        continue;
                    }
                    v.push(JournalLink {
                        net: net.clone(),
                        index: *index,
                        name: spec.name.clone(),
                        final_name: net.clone(),
                        over: spec.over.clone(),
                        vid: spec.vid,
                        mac: known_mac(spec.mac.as_ref()),
                        zone: z.clone(),
                        state: if failing {
                            LinkState::Intent
                        } else {
                            LinkState::Created
                        },
                        run: String::new(),
                        persistent: false,
                    });
                }
                Step::Rename { net, .. } => {
                    let e = v.iter_mut().find(|e| &e.net == net).unwrap();
                    e.state = match (failing, refused) {
                        (false, _) => LinkState::Active,
                        (true, true) => LinkState::Created,
                        (true, false) => LinkState::Renaming,
                    };
                }
                _ => {}
            }
        }
        v
    }

    #[test]
    fn undo_plans_delete_only_what_the_run_created_newest_first() {
        let z = zn("web1");
        let t = |i| tempname::temp_name(&z, i);
        let none = Observation::default();
        let p = up(&cfg(), Flavour::Joyent, &none, &Journal::empty(&z)).unwrap();
        let undo = |k: usize, refused: bool| {
            lines(&plan_undo(&z, Flavour::Joyent, &records_at(&p, k, refused)))
        };
        // net0's create refused: nothing was created, nothing is undone.
        assert!(undo(0, true).is_empty());
        // net0's create failed otherwise: the link may exist under its temporary name.
        assert_eq!(
            undo(0, false),
            vec![format!("dladm delete-vnic -t -z web1 {}", t(0))]
        );
        // net0's rename refused: still under the temporary name.
        assert_eq!(
            undo(1, true),
            vec![format!("dladm delete-vnic -t -z web1 {}", t(0))]
        );
        // net0's rename failed otherwise: under either name.
        assert_eq!(
            undo(1, false),
            vec![
                format!("dladm delete-vnic -t -z web1 {}", t(0)),
                "dladm delete-vnic -t -z web1 net0".to_string(),
            ]
        );
        // net1's create refused: net0, finished, is undone.
        assert_eq!(undo(2, true), vec!["dladm delete-vnic -t -z web1 net0"]);
        // net2's rename failed: newest first, net2 under both names, then net1 and net0.
        assert_eq!(
            undo(5, false),
            vec![
                format!("dladm delete-vnic -t -z web1 {}", t(2)),
                "dladm delete-vnic -t -z web1 net2".to_string(),
                "dladm delete-vnic -t -z web1 net1".to_string(),
                "dladm delete-vnic -t -z web1 net0".to_string(),
            ]
        );
        // The MAC write-back (after the last step) failed: every link of the run goes, each
        // under its final name.
        assert_eq!(
            undo(p.steps.len(), false),
            vec![
                "dladm delete-vnic -t -z web1 net2",
                "dladm delete-vnic -t -z web1 net1",
                "dladm delete-vnic -t -z web1 net0",
            ]
        );
        // gate: from the global zone, under the final name.
        let g = up(&cfg(), Flavour::Gate, &none, &Journal::empty(&z)).unwrap();
        let gundo = |k: usize, refused: bool| {
            lines(&plan_undo(&z, Flavour::Gate, &records_at(&g, k, refused)))
        };
        assert!(gundo(0, true).is_empty());
        assert_eq!(gundo(0, false), vec!["dladm delete-vnic -t net0"]);
        // net2's MTU (set-linkprop, step 3) failed: all three links, newest first.
        assert_eq!(
            gundo(3, false),
            vec![
                "dladm delete-vnic -t net2",
                "dladm delete-vnic -t net1",
                "dladm delete-vnic -t net0",
            ]
        );
        // Every step of an undo is a delete of a net's recorded link: none can address a link
        // the run did not record.
        for k in 0..p.steps.len() {
            for refused in [true, false] {
                let recs = records_at(&p, k, refused);
                for s in &plan_undo(&z, Flavour::Joyent, &recs).steps {
                    let Step::Delete {
                        net: Some(n), name, ..
                    } = s
                    else {
                        panic!("{s:?}")
                    };
                    let e = recs.iter().find(|e| &e.net == n).unwrap();
                    assert!(e.candidate_names().contains(&name), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn down_removes_only_identified_links() {
        let z = zn("web1");
        let t1 = tempname::temp_name(&z, 1);
        let mut j = Journal::empty(&z);
        j.links.push(record(
            0,
            tempname::temp_name(&z, 0),
            LinkState::Active,
            "2:8:20:1:1:1",
        ));
        j.links
            .push(record(1, t1.clone(), LinkState::Renaming, "2:8:20:a:b:c"));
        j.links.push(record(
            2,
            tempname::temp_name(&z, 2),
            LinkState::Intent,
            "2:8:20:1:1:9",
        ));
        let obs = Observation {
            unreadable: Vec::new(),
            links: vec![
                vnic("net0", "e1000g0", "2:8:20:1:1:1", 0, Some("web1")),
                vnic(t1.as_str(), "e1000g0", "2:8:20:a:b:c", 42, Some("web1")),
                vnic("oper0", "e1000g0", "2:8:20:1:1:3", 0, Some("web1")),
                vnic("net0", "e1000g0", "2:8:20:1:1:4", 0, Some("web2")),
                // The operator's global-zone net0: named by the record, not identified.
                vnic("net0", "e1000g0", "2:8:20:1:1:5", 0, None),
            ],
        };
        let p = plan_down(&z, Flavour::Joyent, &obs, &j);
        assert_eq!(
            lines(&p),
            vec![
                "dladm delete-vnic -t -z web1 net0".to_string(),
                format!("dladm delete-vnic -t -z web1 {t1}"),
            ]
        );
        assert_eq!(p.forget, vec![ln("net2")]);
        assert!(
            p.not_ours.is_empty(),
            "net0's record is identified: {:?}",
            p.not_ours
        );
        // Stale records (a hook killed after the links went): the operator's net0 is reported,
        // not deleted, and the record dropped.
        let obs2 = Observation {
            unreadable: Vec::new(),
            links: vec![vnic("net0", "e1000g0", "2:8:20:1:1:5", 0, None)],
        };
        let p = plan_down(&z, Flavour::Joyent, &obs2, &j);
        assert!(p.steps.is_empty(), "{p}");
        assert_eq!(p.forget, vec![ln("net0"), ln("net1"), ln("net2")]);
        assert_eq!(p.not_ours.len(), 1);
        assert!(
            p.not_ours[0].why.contains("MAC address is 2:8:20:1:1:5"),
            "{:?}",
            p.not_ours
        );
        // Without a journal a temporary name alone proves nothing.
        let p = plan_down(&z, Flavour::Joyent, &obs, &Journal::empty(&z));
        assert!(p.is_noop(), "{p}");
    }

    #[test]
    fn gate_never_addresses_a_shadowed_loaned_link() {
        let z = zn("web1");
        let mut j = Journal::empty(&z);
        j.links
            .push(record(0, ln("net0"), LinkState::Active, "2:8:20:1:1:1"));
        // The zone holds netzone's net0 on loan; the operator made another net0 in the GZ
        // (illumos bug 10001): `delete-vnic net0` from the GZ would hit the operator's.
        let obs = Observation {
            unreadable: Vec::new(),
            links: vec![
                vnic("net0", "e1000g0", "2:8:20:1:1:1", 0, Some("web1")),
                vnic("net0", "e1000g0", "2:8:20:7:7:7", 0, None),
            ],
        };
        let p = plan_down(&z, Flavour::Gate, &obs, &j);
        assert!(p.steps.is_empty(), "{p}");
        assert!(p.forget.is_empty());
        assert_eq!(p.blocked.len(), 1);
        assert!(p.blocked[0].1.contains("10001"));
        // joyent names it with -z: no problem there.
        let p = plan_down(&z, Flavour::Joyent, &obs, &j);
        assert_eq!(lines(&p), vec!["dladm delete-vnic -t -z web1 net0"]);
    }
}
