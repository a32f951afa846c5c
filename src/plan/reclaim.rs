//! The links a zone holds that netzone did not make: handed back to the global zone when a
//! zone is stuck `down` ([`plan_reclaim`], what zoneadmd's
//! `unconfigure_exclusive_network_interfaces` retries), or, on joyent before a halt, renamed
//! inside the zone when the global zone has a link of their name ([`plan_shield`], illumos bug
//! 10001). netzone never renames such a link otherwise, and never deletes one.

use crate::dladm::observe::Observation;
use crate::flavour::Flavour;
use crate::identity;
use crate::journal::Journal;
use crate::linkname::LinkName;
use crate::tempname;
use crate::zonename::ZoneName;

use super::{plan_down, unreadable_reason, Plan, Step};

/// Reclaim for a zone stuck `down` (see `crate::recover`): [`plan_down`]'s removal of
/// netzone's links, and every other link the zone holds handed back to the global zone
/// ([`Step::Return`], what zoneadmd's `unconfigure_exclusive_network_interfaces` retries). A
/// link whose name the global zone already has (illumos bug 10001) cannot be handed back
/// without a collision, and netzone never renames a link it did not create: it is reported in
/// [`Plan::blocked`] and left as it is, on both flavours (gate could not rename a loaned link
/// anyway, `dls_devnet_rename`: EBUSY).
pub fn plan_reclaim(
    zone: &ZoneName,
    flavour: Flavour,
    obs: &Observation,
    journal: &Journal,
) -> Plan {
    plan_reclaim_configured(zone, flavour, obs, journal, &[])
}

/// [`plan_reclaim`], knowing the names `zone` configures (`configured`, its nets' `physical`):
/// a link whose zone dladm could not read ([`Observation::unreadable`]) and that may be one of
/// the zone's (a name its journal records, one of its temporary names, or a configured name the
/// zone is not seen holding) is reported in [`Plan::blocked`] and left as it is; any other such
/// link is none of recover's business. The rest of the zone's links are freed as usual.
pub fn plan_reclaim_configured(
    zone: &ZoneName,
    flavour: Flavour,
    obs: &Observation,
    journal: &Journal,
    configured: &[LinkName],
) -> Plan {
    let mut plan = plan_down(zone, flavour, obs, journal);
    for u in &obs.unreadable {
        let held = obs.find(&u.name, Some(zone)).is_some();
        let maybe_ours =
            tempname::owned_index(&u.name, zone).is_some() || configured.contains(&u.name);
        if maybe_ours && !held && !plan.blocked.iter().any(|(n, _)| n == &u.name) {
            plan.blocked
                .push((u.name.clone(), unreadable_reason(zone, u)));
        }
    }
    let mut global: Vec<&LinkName> = obs
        .links
        .iter()
        .filter(|l| l.zone.is_none())
        .map(|l| &l.name)
        .collect();
    for l in obs.in_zone(zone) {
        let ours = journal.links.iter().any(|e| identity::identifies(e, l))
            || plan.steps.iter().any(|s| matches!(s, Step::Delete { name, zone: z, .. } if name == &l.name && z == &l.zone))
            || plan.blocked.iter().any(|(n, _)| n == &l.name);
        if ours {
            continue;
        }
        if global.contains(&&l.name) {
            plan.blocked.push((
                l.name.clone(),
                format!(
                    "the global zone already has a link named {n} (illumos bug 10001), so it \
                     cannot be handed back, and netzone never renames a link it did not create; \
                     rename the global zone's {n} and run recover again",
                    n = l.name
                ),
            ));
            continue;
        }
        global.push(&l.name);
        plan.steps.push(Step::Return {
            zone: zone.clone(),
            name: l.name.clone(),
        });
    }
    plan
}

/// Longest suffix [`free_name`] appends (`_rec` and up to 4 digits).
const MAX_SUFFIX: usize = 8;

/// A free name for an operator link moved out of the way: `<name>_rec<n>`, the smallest `n` such
/// that the name is not `taken`. Always a valid link name (it ends in a number with no leading
/// zero; the original name is shortened to keep it within 31 characters).
pub fn free_name(name: &LinkName, taken: &dyn Fn(&str) -> bool) -> LinkName {
    let stem: String = name
        .as_str()
        .chars()
        .take(crate::linkname::MAX_LINK_NAME_LEN - MAX_SUFFIX)
        .collect();
    (0..10_000)
        .filter_map(|n| LinkName::new(&format!("{stem}_rec{n}")).ok())
        .find(|c| !taken(c.as_str()))
        .expect("fewer than 10000 links share a stem")
}

/// illumos-joyent pre-halt of a ready or running zone (`crate::recover::shield`): each link
/// the zone holds that netzone did not create and whose name the global zone already has
/// (illumos bug 10001) is renamed inside the zone to a free name ([`Step::RenameInZone`]).
/// joyent's kernel hands lent links back once, at shutdown; one whose name is taken stays on
/// loan, and dlmgmtd deletes it when the zone is destroyed (`dlmgmt_db_fini`): renamed, it
/// survives. Nothing else, and nothing on gate (its zoneadmd retries and reports, and a loaned
/// link cannot be renamed there). [`plan_reclaim`] (`recover`, a zone already `down`) never
/// renames: it reports such a link as blocked.
pub fn plan_shield(
    zone: &ZoneName,
    flavour: Flavour,
    obs: &Observation,
    journal: &Journal,
) -> Plan {
    let mut plan = Plan::new(zone, flavour);
    if !flavour.dialect().shields_lent_links() {
        return plan;
    }
    let down = plan_down(zone, flavour, obs, journal);
    let in_zone: Vec<&str> = obs.in_zone(zone).map(|l| l.name.as_str()).collect();
    let mut global: Vec<String> = obs
        .links
        .iter()
        .filter(|l| l.zone.is_none())
        .map(|l| l.name.to_string())
        .collect();
    for l in obs.in_zone(zone) {
        let ours = journal.links.iter().any(|e| identity::identifies(e, l))
            || down.steps.iter().any(|s| matches!(s, Step::Delete { name, zone: z, .. } if name == &l.name && z == &l.zone))
            || down.blocked.iter().any(|(n, _)| n == &l.name);
        if ours || !global.iter().any(|g| g == l.name.as_str()) {
            continue;
        }
        let to = free_name(&l.name, &|c| {
            global.iter().any(|g| g == c) || in_zone.contains(&c)
        });
        global.push(to.to_string());
        plan.steps.push(Step::RenameInZone {
            zone: zone.clone(),
            from: l.name.clone(),
            to,
        });
    }
    plan
}
