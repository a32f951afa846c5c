//! Never a foreign link: a property test over random host states and random netzone
//! operations, run through the real binaries on the sim.
//!
//! A host holds netzone zones (1-2 nets each, names overlapping across zones, some with an
//! operator link configured as a plain `physical`), an `alien` zone of a brand without netzone
//! hooks holding an operator link, operator VNICs in the global zone (some named like netzone's
//! final names, some near-misses of netzone's temporary-name pattern, a SmartOS-style `tmp`
//! name; over both NICs, some on a VLAN), and orphans carrying netzone's exact temporary-name
//! pattern but no journal. Then boots, halts, `netzone up|down|recover|gc`, `recover --all`,
//! dlmgmtd outages, boots and halts whose hook is killed at a random dladm command (before or
//! after its effect, leaving records behind), the operator shadowing a lent link's name
//! (illumos bug 10001) and a delegated administrator renaming a zone's net to a pool name run
//! in a random order.
//!
//! Property (the strict oracle of issue 9): every link netzone did not create still exists as
//! the same link (same datalink id, lower link, MAC, VID), is only ever in the global zone or
//! in a zone whose configuration names it as a net *without* a `global-nic` (zoneadmd's own
//! lending), and keeps its name. The one rename allowed is joyent's pre-halt shield
//! (`shield_rename`): a lent link whose name the global zone took (illumos bug 10001), back in
//! the global zone as `NAME_recN` while another global-zone link holds `NAME`, so that the
//! platform does not delete it at the zone's destruction; `recover` never renames one (it
//! reports it as blocked). The one
//! kind of orphan netzone may remove (`gc`) is a link with a configured zone's exact temporary
//! name over the NIC that zone configures for that net: netzone's by definition (identity.rs).
//! `tests/proof_plan.rs` checks the same property over the pure planners, 1024 cases.
//!
//! 256 cases by default (`PROOF_FOREIGN_CASES=N` for more or fewer); a failing case is kept in
//! `tests/proof_foreign.proptest-regressions` and replayed first by every later run.

mod common;
#[path = "common/proof.rs"]
mod proof;

use common::{NetSpec, Sim, SimLink};
use proptest::prelude::*;

const ALIEN: &str = "alien";
const ALIEN_BRAND: &str = "plain";
const ALIEN_LINK: &str = "opal0";

/// Where an operator VNIC of the pool is made: lower link and VLAN id (0: untagged), so that
/// names like netzone's sit over the same and other NICs, tagged and not.
fn gz_link_place(name: &str) -> (&'static str, u16) {
    match name {
        "net1" => ("e1000g0", 5),
        "vnic7" => ("e1000g1", 0),
        "tmp12340" => ("e1000g1", 7),
        "nz12345_0" => ("e1000g1", 0),
        _ => ("e1000g0", 0),
    }
}

/// dladm subcommands a hook may be killed at (`illumos-sim fault add --action crash`).
const CRASH_AT: &[&str] = &[
    "create-vnic",
    "rename-link",
    "set-linkprop",
    "delete-vnic",
    "show-link",
    "show-vnic",
];

/// Operator VNICs the global zone may hold.
const GZ_POOL: &[&str] = &[
    "net0",               // the name netzone's nets take inside zones
    "net1",               //
    "vnic7",              // plain
    "tmp12340",           // SmartOS jcommon-style temporary name
    "nz12345_0",          // too few hex digits
    "nz0123456789abc_1",  // too many
    "nz0123456789ab_1a1", // index not a number
    "nz0123456789ab0",    // no separator
    "nzprobe0",           // the name netzone's dlmgmtd probe looks up
];

#[derive(Debug, Clone)]
struct ZoneSpec {
    name: String,
    /// (physical, global-nic index)
    nets: Vec<(String, usize)>,
    /// The zone's configuration names an operator link too.
    operator_link: bool,
}

#[derive(Debug, Clone)]
struct HostSpec {
    flavour: &'static str,
    zones: Vec<ZoneSpec>,
    gz_links: Vec<&'static str>,
    /// Exact-pattern orphans: temporary names of these (unknown or known) zones, index 0.
    orphans: Vec<String>,
    alien_booted: bool,
}

#[derive(Debug, Clone)]
enum Op {
    Boot(usize),
    Halt(usize),
    Up(usize),
    Down(usize),
    Recover(usize),
    RecoverForce(usize),
    RecoverAll,
    Gc,
    /// dlmgmtd stops, the zone is halted (it goes `down`), dlmgmtd starts again.
    StuckHalt(usize),
    /// While zone i holds its operator link, the operator creates another link of the same
    /// name in the global zone: handing the lent one back later collides (illumos bug 10001).
    Shadow(usize),
    /// Zone i is booted (`boot`) or halted, and the hook is killed (SIGKILL from the sim) at
    /// the nth run of a dladm subcommand, before or after its effect: records are left behind.
    Killed {
        zone: usize,
        boot: bool,
        at: &'static str,
        nth: u32,
        after: bool,
    },
    /// A delegated administrator inside zone i renames its first net to the name of a pool
    /// link (`zlogin Z dladm rename-link`), which the global zone may hold.
    DelegatedRename(usize, &'static str),
}

fn zone_spec(i: usize) -> impl Strategy<Value = ZoneSpec> {
    (prop::collection::vec(0usize..2, 1..=2), any::<bool>()).prop_map(
        move |(nics, operator_link)| ZoneSpec {
            name: format!("z{i}"),
            nets: nics
                .into_iter()
                .enumerate()
                .map(|(k, nic)| (format!("net{k}"), nic))
                .collect(),
            operator_link,
        },
    )
}

fn host_spec() -> impl Strategy<Value = HostSpec> {
    (
        prop::bool::ANY.prop_map(|g| if g { "gate" } else { "joyent" }),
        prop::collection::vec(any::<bool>(), 1..=2),
        prop::sample::subsequence(GZ_POOL.to_vec(), 0..=4),
        prop::sample::subsequence(vec!["ghost", "z0", ALIEN], 0..=2),
        any::<bool>(),
    )
        .prop_flat_map(|(flavour, zs, gz_links, orphan_zones, alien_booted)| {
            let zones: Vec<_> = (0..zs.len()).map(zone_spec).collect();
            (
                Just(flavour),
                zones,
                Just(gz_links),
                Just(orphan_zones),
                Just(alien_booted),
            )
        })
        .prop_map(
            |(flavour, zones, gz_links, orphan_zones, alien_booted)| HostSpec {
                flavour,
                zones,
                gz_links,
                orphans: orphan_zones
                    .into_iter()
                    .map(|z| {
                        let zn = netzone::zonename::ZoneName::new(z).unwrap();
                        netzone::tempname::temp_name(&zn, 0).to_string()
                    })
                    .collect(),
                alien_booted,
            },
        )
}

fn op(nzones: usize) -> impl Strategy<Value = Op> {
    // Zone index nzones means the alien zone.
    let z = 0..=nzones;
    let nz = 0..nzones;
    prop_oneof![
        3 => z.clone().prop_map(Op::Boot),
        2 => z.clone().prop_map(Op::Halt),
        1 => nz.clone().prop_map(Op::Up),
        1 => nz.clone().prop_map(Op::Down),
        1 => z.clone().prop_map(Op::Recover),
        1 => z.clone().prop_map(Op::RecoverForce),
        1 => Just(Op::RecoverAll),
        1 => Just(Op::Gc),
        2 => z.clone().prop_map(Op::StuckHalt),
        1 => nz.clone().prop_map(Op::Shadow),
        2 => (
            z.clone(),
            any::<bool>(),
            prop::sample::select(CRASH_AT),
            1u32..=2,
            any::<bool>()
        )
            .prop_map(|(zone, boot, at, nth, after)| Op::Killed {
                zone,
                boot,
                at,
                nth,
                after
            }),
        1 => (nz, prop::sample::select(GZ_POOL))
            .prop_map(|(i, to)| Op::DelegatedRename(i, to)),
    ]
}

fn scenario() -> impl Strategy<Value = (HostSpec, Vec<Op>)> {
    host_spec().prop_flat_map(|h| {
        let n = h.zones.len();
        (Just(h), prop::collection::vec(op(n), 2..=5))
    })
}

/// A foreign link: where it may be, by datalink id.
#[derive(Debug, Clone)]
struct Watched {
    link: SimLink,
    /// The zones whose configuration names it as a `physical`: zoneadmd lends a global-zone
    /// link of that name to the zone at ready (vplat.c `configure_exclusive_network_interfaces`),
    /// whoever made it, so being there is zoneadmd's doing, not netzone's.
    lent_to: Vec<String>,
    /// An exact netzone temporary name: netzone may remove it (gc), never move it.
    reserved: bool,
}

fn build(h: &HostSpec) -> (Sim, Vec<Watched>) {
    let sim = Sim::new(h.flavour, &["e1000g0", "e1000g1"]);
    // A brand without hooks, for the zone netzone has nothing to do with.
    let dir = sim.root().join("usr/lib/brand").join(ALIEN_BRAND);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("config.xml"),
        format!(
            "<?xml version=\"1.0\"?>\n<brand name=\"{ALIEN_BRAND}\">\n\t<modname></modname>\n\t<initname>/sbin/init</initname>\n</brand>\n"
        ),
    )
    .unwrap();
    common::write_platform(&dir);
    let mut watch: Vec<(String, bool)> = Vec::new();
    // zone -> the physical names its configuration holds.
    let mut physicals: Vec<(String, Vec<String>)> = vec![(ALIEN.into(), vec![ALIEN_LINK.into()])];
    let nics = ["e1000g0", "e1000g1"];
    for z in &h.zones {
        let mut nets: Vec<NetSpec> = z
            .nets
            .iter()
            .map(|(phys, nic)| NetSpec::new(phys, nics[*nic]))
            .collect();
        if z.operator_link {
            let name = format!("op{}x0", z.name);
            sim.dladm(&["create-vnic", "-l", "e1000g1", &name]).ok();
            nets.push(proof::operator_net(&name));
            watch.push((name, false));
        }
        // Strict oracle: zoneadmd's own lending is expected only for nets without a
        // global-nic; a link named like one of netzone's nets must never end up in a zone.
        physicals.push((
            z.name.clone(),
            nets.iter()
                .filter(|n| n.global_nic.is_none())
                .map(|n| n.physical.clone())
                .collect(),
        ));
        sim.add_zone(&z.name, &nets);
    }
    sim.add_zone(ALIEN, &[proof::operator_net(ALIEN_LINK)]);
    let xml = sim.root().join(format!("etc/zones/{ALIEN}.xml"));
    let text = std::fs::read_to_string(&xml)
        .unwrap()
        .replace("brand=\"nztest\"", &format!("brand=\"{ALIEN_BRAND}\""));
    std::fs::write(&xml, text).unwrap();
    sim.dladm(&["create-vnic", "-l", "e1000g0", ALIEN_LINK])
        .ok();
    watch.push((ALIEN_LINK.into(), false));
    for n in &h.gz_links {
        let (nic, vid) = gz_link_place(n);
        let vid = vid.to_string();
        let mut argv = vec!["create-vnic", "-l", nic];
        if vid != "0" {
            argv.extend(["-v", vid.as_str()]);
        }
        argv.push(n);
        sim.dladm(&argv).ok();
        watch.push((n.to_string(), false));
    }
    for n in &h.orphans {
        sim.dladm(&["create-vnic", "-l", "e1000g1", n]).ok();
        // Only a link with a configured zone's exact temporary name over the NIC that zone
        // configures for that net is netzone's by definition (identity.rs): gc may remove it.
        // Every other one is the operator's and must stay as it is.
        let z0 = netzone::zonename::ZoneName::new("z0").unwrap();
        let reserved =
            netzone::tempname::owned_index(&netzone::linkname::LinkName::new(n).unwrap(), &z0)
                .and_then(|i| h.zones.first().and_then(|z| z.nets.get(i)))
                .is_some_and(|(_, nic)| *nic == 1);
        watch.push((n.clone(), reserved));
    }
    let links = sim.links();
    let watched = watch
        .into_iter()
        .map(|(name, reserved)| Watched {
            lent_to: physicals
                .iter()
                .filter(|(_, p)| p.contains(&name))
                .map(|(z, _)| z.clone())
                .collect(),
            link: links
                .iter()
                .find(|l| l.name == name && l.zone == "global")
                .unwrap_or_else(|| panic!("{name} not created: {links:?}"))
                .clone(),
            reserved,
        })
        .collect();
    if h.alien_booted {
        sim.zoneadm(&["-z", ALIEN, "boot"]).ok();
    }
    (sim, watched)
}

fn zone_of(h: &HostSpec, i: usize) -> String {
    h.zones
        .get(i)
        .map(|z| z.name.clone())
        .unwrap_or_else(|| ALIEN.to_string())
}

fn run_op(sim: &Sim, h: &HostSpec, op: &Op) -> String {
    let r = match op {
        Op::Boot(i) => sim.zoneadm(&["-z", &zone_of(h, *i), "boot"]),
        Op::Halt(i) => sim.zoneadm(&["-z", &zone_of(h, *i), "halt"]),
        Op::Up(i) => sim.netzone(&["up", &zone_of(h, *i)]),
        Op::Down(i) => sim.netzone(&["down", &zone_of(h, *i)]),
        Op::Recover(i) => sim.netzone(&["recover", &zone_of(h, *i)]),
        Op::RecoverForce(i) => sim.netzone(&["recover", "--force", &zone_of(h, *i)]),
        Op::RecoverAll => sim.netzone(&["recover", "--all"]),
        Op::Gc => sim.netzone(&["gc"]),
        Op::Shadow(i) => {
            let name = match h.zones.get(*i) {
                Some(z) if z.operator_link => format!("op{}x0", z.name),
                _ => return format!("{op:?} -> (no operator link)"),
            };
            let r = sim.dladm(&["create-vnic", "-l", "e1000g0", &name]);
            return format!("{op:?} -> {:?} {}", r.code(), r.stderr());
        }
        Op::Killed {
            zone,
            boot,
            at,
            nth,
            after,
        } => {
            let when = if *after { "after" } else { "before" };
            sim.fault(at, when, "crash", Some(*nth));
            let what = if *boot { "boot" } else { "halt" };
            let r = sim.zoneadm(&["-z", &zone_of(h, *zone), what]);
            // A fault that did not fire is not left armed for later operations.
            sim.illumos_sim(&["fault", "clear"]).ok();
            r
        }
        Op::DelegatedRename(i, to) => {
            let z = zone_of(h, *i);
            let from = h.zones[*i].nets[0].0.clone();
            let out = sim
                .command(&sim.bin.join("sim-dladm"), &["rename-link", &from, to])
                .env("ILLUMOS_SIM_ZONE", &z)
                .output()
                .unwrap();
            return format!(
                "{op:?} -> {:?} {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Op::StuckHalt(i) => {
            sim.illumos_sim(&["dlmgmtd", "stop"]).ok();
            let r = sim.zoneadm(&["-z", &zone_of(h, *i), "halt"]);
            sim.illumos_sim(&["dlmgmtd", "start"]).ok();
            r
        }
    };
    format!("{op:?} -> {:?}\n{}{}", r.code(), r.stdout(), r.stderr())
}

/// Links the platform, not netzone, deletes during `op`. illumos-joyent hands a zone's lent
/// links back only at its first shutdown (the kernel's dls shutdown callback) and has no
/// `zone=global` retry (vplat.c `delete_transient_vnics`); when a zone left `down` is halted
/// again and the halt succeeds, dlmgmtd deletes every VNIC still on loan to it
/// (`dlmgmt_db_fini`). netzone's pre-halt reclaim frees its zones' links first; the `alien`
/// zone has no netzone hook, so on joyent halting it from `down` loses its lent link.
fn platform_losses(sim: &Sim, h: &HostSpec, op: &Op) -> Vec<u64> {
    let i = match op {
        Op::Halt(i) => i,
        Op::Killed {
            zone, boot: false, ..
        } => zone,
        _ => return Vec::new(),
    };
    let zone = zone_of(h, *i);
    if h.flavour != "joyent" || zone != ALIEN || sim.zone_state(&zone) != "down" {
        return Vec::new();
    }
    sim.links()
        .into_iter()
        .filter(|l| l.zone == zone)
        .map(|l| l.id)
        .collect()
}

/// Links the operator made during the run (`Shadow`): global-zone VNICs not yet watched and
/// not netzone's (no temporary name, no journal entry names them) are watched from now on.
fn watch_new_operator_links(sim: &Sim, h: &HostSpec, watched: &mut Vec<Watched>) {
    let journals: Vec<serde_json::Value> =
        std::fs::read_dir(sim.root().join("etc/svc/volatile/netzone"))
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
            .filter_map(|e| serde_json::from_str(&std::fs::read_to_string(e.path()).ok()?).ok())
            .collect();
    let journalled = |name: &str| {
        journals.iter().any(|j| {
            j["links"]
                .as_array()
                .is_some_and(|a| a.iter().any(|e| e["name"] == name || e["final"] == name))
        })
    };
    for l in sim.links() {
        let known = watched.iter().any(|w| w.link.id == l.id);
        if known || l.class != "vnic" || l.zone != "global" || !l.name.starts_with("op") {
            continue;
        }
        if common::is_temp(&l.name) || journalled(&l.name) {
            continue;
        }
        // zoneadmd lends it to the zone whose operator link has its name.
        let lent_to = h
            .zones
            .iter()
            .filter(|z| z.operator_link && l.name == format!("op{}x0", z.name))
            .map(|z| z.name.clone())
            .collect();
        watched.push(Watched {
            link: l,
            lent_to,
            reserved: false,
        });
    }
}

/// Whether `now`, a rename of the watched link `w`, is the pre-halt shield's (the one
/// exemption of the oracle, besides zoneadmd's lending): joyent only, a lent link, back in the
/// global zone under `NAME_recN` while another global-zone link holds `NAME`.
fn shield_rename(flavour: &str, w: &Watched, now: &SimLink, links: &[SimLink]) -> bool {
    let was = &w.link.name;
    let suffix_ok = now
        .name
        .strip_prefix(was.as_str())
        .and_then(|r| r.strip_prefix("_rec"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    let shadowed = links
        .iter()
        .any(|l| l.id != now.id && l.zone == "global" && &l.name == was);
    flavour == "joyent" && now.zone == "global" && !w.lent_to.is_empty() && suffix_ok && shadowed
}

/// A host of one netzone zone `z0` with the given nets (physical, NIC index) and an operator
/// link its configuration names, and the given operator links in the global zone.
fn one_zone(
    flavour: &'static str,
    nets: &[(&str, usize)],
    gz_links: Vec<&'static str>,
) -> HostSpec {
    HostSpec {
        flavour,
        zones: vec![ZoneSpec {
            name: "z0".into(),
            nets: nets.iter().map(|(n, i)| (n.to_string(), *i)).collect(),
            operator_link: true,
        }],
        gz_links,
        orphans: vec![],
        alien_booted: false,
    }
}

/// Runs `ops` in order, watching the operator's new links, and panics (with `what` and the
/// output so far, kept in `out`) as soon as the property fails.
fn run_checked(
    sim: &Sim,
    h: &HostSpec,
    watched: &mut Vec<Watched>,
    ops: &[Op],
    out: &mut String,
    what: &str,
) {
    for op in ops {
        *out += &run_op(sim, h, op);
        watch_new_operator_links(sim, h, watched);
        check_foreign(sim, watched).unwrap_or_else(|e| panic!("{what}: {e}\n{out}"));
    }
}

/// The property, checked after every operation.
fn check_foreign(sim: &Sim, watched: &[Watched]) -> Result<(), String> {
    let links = sim.links();
    for w in watched {
        let was = &w.link;
        let Some(now) = links.iter().find(|l| l.id == was.id) else {
            if w.reserved {
                continue;
            }
            return Err(format!(
                "foreign link {} (id {}) was deleted",
                was.name, was.id
            ));
        };
        if now.over != was.over
            || now.mac != was.mac
            || now.vid != was.vid
            || now.class != was.class
        {
            return Err(format!(
                "foreign link {} changed: {was:?} -> {now:?}",
                was.name
            ));
        }
        let in_ok_zone = now.zone == "global" || w.lent_to.contains(&now.zone);
        if !in_ok_zone {
            return Err(format!(
                "foreign link {} moved into zone {} (may only be in global or {:?}): {now:?}",
                was.name, now.zone, w.lent_to
            ));
        }
        // Renamed only by joyent's pre-halt shield, and only so that it comes back at all:
        // zoneadmd lent it (its name is a `physical` of a zone), the global zone took its
        // name meanwhile (illumos bug 10001: the platform would delete it at the zone's
        // destruction otherwise), it is back in the global zone, and its new name is the
        // documented `NAME_recN`. recover never renames it (it reports the link as blocked, see
        // `recover_never_renames_a_lent_link_whose_name_the_global_zone_took`).
        if now.name != was.name && !shield_rename(&sim.flavour, w, now, &links) {
            return Err(format!(
                "foreign link {} renamed to {}: {now:?}",
                was.name, now.name
            ));
        }
    }
    Ok(())
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROOF_FOREIGN_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(256),
        max_shrink_iters: 16,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct(
                "tests/proof_foreign.proptest-regressions",
            ),
        )),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn netzone_never_deletes_or_moves_a_foreign_link((h, ops) in scenario()) {
        let (sim, mut watched) = build(&h);
        check_foreign(&sim, &watched).map_err(TestCaseError::fail)?;
        let mut history = Vec::new();
        for op in &ops {
            let lost = platform_losses(&sim, &h, op);
            history.push(run_op(&sim, &h, op));
            // What the platform itself deletes is not netzone's doing: stop watching it.
            let now = sim.links();
            watched.retain(|w| !lost.contains(&w.link.id) || now.iter().any(|l| l.id == w.link.id));
            watch_new_operator_links(&sim, &h, &mut watched);
            if let Err(e) = check_foreign(&sim, &watched) {
                return Err(TestCaseError::fail(format!(
                    "{e}\nhost: {h:?}\nops so far:\n{}",
                    history.join("\n")
                )));
            }
        }
    }
}

/// The property can fail: a foreign link deleted, moved into another zone, or renamed inside
/// a zone is each reported.
#[test]
fn the_foreign_check_catches_violations() {
    let h = one_zone("joyent", &[("net0", 0)], vec!["vnic7", "net1"]);
    let (sim, watched) = build(&h);
    check_foreign(&sim, &watched).unwrap();
    sim.zoneadm(&["-z", "z0", "boot"]).ok();
    check_foreign(&sim, &watched).unwrap();
    // Renamed inside its zone.
    sim.dladm(&["rename-link", "-z", "z0", "opz0x0", "opz0x9"])
        .ok();
    let e = check_foreign(&sim, &watched).unwrap_err();
    assert!(e.contains("renamed"), "{e}");
    sim.dladm(&["rename-link", "-z", "z0", "opz0x9", "opz0x0"])
        .ok();
    // Moved into a zone that does not name it.
    sim.dladm(&["set-linkprop", "-t", "-p", "zone=z0", "vnic7"])
        .ok();
    let e = check_foreign(&sim, &watched).unwrap_err();
    assert!(e.contains("moved into zone z0"), "{e}");
    sim.dladm(&[
        "set-linkprop",
        "-t",
        "-z",
        "z0",
        "-p",
        "zone=global",
        "vnic7",
    ])
    .ok();
    check_foreign(&sim, &watched).unwrap();
    // Deleted.
    sim.dladm(&["delete-vnic", "net1"]).ok();
    let e = check_foreign(&sim, &watched).unwrap_err();
    assert!(e.contains("net1") && e.contains("deleted"), "{e}");
}

/// Found by the property test: on gate, an operator's VNIC in the global zone that happens to
/// match a zone's net (same name, same lower link, no VLAN or fixed MAC) was taken as already
/// created by netzone, so zoneadmd lent the operator's link to the zone and netzone wrote its
/// MAC into the zone's configuration. It is a conflict: the boot fails, naming the link, and
/// the operator's link stays where it was with its MAC not copied anywhere.
#[test]
fn gate_never_adopts_an_operator_link_with_a_nets_name() {
    let sim = Sim::new("gate", &["e1000g0"]);
    sim.dladm(&["create-vnic", "-l", "e1000g0", "net0"]).ok();
    let before = sim.links();
    sim.add_zone("z0", &[NetSpec::new("net0", "e1000g0")]);
    let r = sim.zoneadm(&["-z", "z0", "boot"]).fails();
    assert!(
        r.stderr().contains(
            "link 'net0' already exists in the global zone and was not created by netzone"
        ),
        "{}",
        r.stderr()
    );
    assert_eq!(sim.links(), before, "the operator's net0 was touched");
    assert!(
        !sim.zone_xml("z0").contains("mac-addr"),
        "{}",
        sim.zone_xml("z0")
    );
    assert!(sim.journal("z0").is_none());
}

/// Found by the property test: on joyent, zoneadmd lends a global-zone link named like a
/// zone's net to the zone at ready (vplat.c assigns every `physical` it finds). netzone's
/// `rename-link` of its temporary link to that name then fails ("object already exists"), and
/// the undo deleted the *final* name too, i.e. the operator's link. The boot must fail with
/// the clash named, and the operator's link must come back to the global zone intact.
#[test]
fn joyent_rename_clash_never_deletes_the_operators_link() {
    let sim = Sim::new("joyent", &["e1000g0"]);
    sim.dladm(&["create-vnic", "-l", "e1000g0", "net0"]).ok();
    let before = sim.links();
    sim.add_zone(
        "z0",
        &[
            NetSpec::new("net0", "e1000g0"),
            NetSpec::new("net1", "e1000g0"),
        ],
    );
    let r = sim.zoneadm(&["-z", "z0", "boot"]).fails();
    assert!(
        r.stderr().contains("net 'net0'") && r.stderr().contains("already exists"),
        "{}",
        r.stderr()
    );
    assert_eq!(sim.zone_state("z0"), "installed");
    assert_eq!(sim.links(), before, "the operator's net0 was touched");
    assert!(sim.journal("z0").is_none());
}

/// The operator shadows a lent link's name in the global zone, the zone gets stuck `down`, and
/// `recover` (driven by the same ops as the property) reports the lent link as blocked instead
/// of renaming it: every operator link keeps its name and place, the zone stays `down`. Once
/// the operator renames the shadow, recover hands the lent link back under its own name.
#[test]
fn recover_never_renames_a_lent_link_whose_name_the_global_zone_took() {
    for flavour in ["joyent", "gate"] {
        let h = one_zone(flavour, &[("net0", 0)], vec![]);
        let (sim, mut watched) = build(&h);
        let mut out = String::new();
        run_checked(
            &sim,
            &h,
            &mut watched,
            &[Op::Boot(0), Op::Shadow(0), Op::StuckHalt(0)],
            &mut out,
            flavour,
        );
        assert_eq!(watched.len(), 3, "the shadow is watched: {watched:?}");
        assert_eq!(sim.zone_state("z0"), "down");
        let before = sim.links();
        let out = run_op(&sim, &h, &Op::Recover(0));
        check_foreign(&sim, &watched).unwrap_or_else(|e| panic!("{e}\n{out}"));
        assert!(out.contains("10001"), "{flavour}: {out}");
        let lent = &watched[0].link;
        let held = sim.links().into_iter().find(|l| l.id == lent.id);
        assert_eq!(
            held.map(|l| (l.zone, l.name)),
            Some(("z0".to_string(), lent.name.clone())),
            "{flavour}: the lent link is still in the zone under its name: {out}"
        );
        assert_eq!(sim.zone_state("z0"), "down", "{flavour}: {out}");
        assert!(
            sim.links()
                .iter()
                .all(|l| before.iter().any(|b| b.id == l.id && b.name == l.name)),
            "{flavour}: nothing renamed: {out}"
        );
        // The operator renames the shadow: now the link goes back under its own name.
        let shadow = &watched[2].link;
        sim.dladm(&["rename-link", &shadow.name, "shadow9"]).ok();
        let out = run_op(&sim, &h, &Op::Recover(0));
        let links = sim.links();
        let now = links
            .iter()
            .find(|l| l.id == lent.id)
            .expect("lent link kept");
        assert_eq!(
            (now.zone.as_str(), now.name.as_str()),
            ("global", lent.name.as_str()),
            "{flavour}: {out}"
        );
        assert_eq!(sim.zone_state("z0"), "installed", "{flavour}: {out}");
    }
}

/// The crash variant of the rename clash: netzone is killed at `rename-link` to a
/// name that zoneadmd already gave the zone (the operator's global-zone link of that name), so
/// its journal says `renaming` with both names in the zone. Whatever cleans up next (the
/// failed ready's cleanup hook, halt, recover) must delete only the temporary link.
#[test]
fn joyent_crash_at_a_clashing_rename_never_deletes_the_operators_link() {
    for when in ["before", "after"] {
        let sim = Sim::new("joyent", &["e1000g0"]);
        sim.dladm(&["create-vnic", "-l", "e1000g0", "net0"]).ok();
        let before = sim.links();
        sim.add_zone("z0", &[NetSpec::new("net0", "e1000g0")]);
        sim.fault("rename-link", when, "crash", Some(1));
        sim.zoneadm(&["-z", "z0", "boot"]).fails();
        assert!(
            proof::pending_faults(&sim).is_empty(),
            "{when}: the crash fired"
        );
        if sim.zone_state("z0") == "down" {
            sim.netzone(&["recover", "z0"]).ok();
        }
        if sim.zone_state("z0") != "installed" {
            sim.zoneadm(&["-z", "z0", "halt"]).ok();
        }
        assert_eq!(
            sim.links(),
            before,
            "{when}: the operator's net0 was touched"
        );
    }
}

/// The same crash under `netzone up` run by hand on a readied zone (brand without hooks): the
/// rerun of `up` refuses to take the operator's link as the net's, and `down` removes only
/// netzone's temporary link.
#[test]
fn joyent_up_rerun_after_a_clashing_rename_crash_refuses_the_operators_link() {
    for when in ["before", "after"] {
        let sim = Sim::new("joyent", &["e1000g0"]);
        sim.install_plain_brand("plain");
        sim.dladm(&["create-vnic", "-l", "e1000g0", "net0"]).ok();
        let before = sim.links();
        sim.add_zone_with_brand("z0", "plain", &[NetSpec::new("net0", "e1000g0")]);
        sim.zoneadm(&["-z", "z0", "ready"]).ok();
        sim.fault("rename-link", when, "crash", Some(1));
        sim.netzone(&["up", "z0"]).fails();
        assert!(
            proof::pending_faults(&sim).is_empty(),
            "{when}: the crash fired"
        );
        let r = sim.netzone(&["up", "z0"]).fails();
        assert!(
            r.stderr().contains("net 'net0'") && r.stderr().contains("not created by netzone"),
            "{when}: {}",
            r.stderr()
        );
        sim.netzone(&["down", "z0"]).ok();
        sim.zoneadm(&["-z", "z0", "halt"]).ok();
        assert_eq!(
            sim.links(),
            before,
            "{when}: the operator's net0 was touched"
        );
        assert!(
            sim.journal("z0").is_none(),
            "{when}: {:?}",
            sim.journal("z0")
        );
    }
}

/// The oracle's one rename exemption is exactly the shield's case: a lent link back in the
/// global zone as `NAME_recN` while another global-zone link holds `NAME`, on joyent. Any other
/// rename (no shadow, another suffix, still in a zone, gate, a link never lent) is a violation.
#[test]
fn the_shield_exemption_is_no_wider_than_the_shield() {
    let link = |id: u64, name: &str, zone: &str| SimLink {
        id,
        name: name.into(),
        zone: zone.into(),
        class: "vnic".into(),
        over: Some("e1000g0".into()),
        mac: None,
        vid: 0,
        mtu: 1500,
        props: vec![],
    };
    let lent = Watched {
        link: link(1, "opz0x0", "z0"),
        lent_to: vec!["z0".into()],
        reserved: false,
    };
    let back = link(1, "opz0x0_rec0", "global");
    let shadow = link(2, "opz0x0", "global");
    let host = [back.clone(), shadow.clone()];
    assert!(shield_rename("joyent", &lent, &back, &host));
    // No shadow: nothing forced the rename.
    assert!(!shield_rename(
        "joyent",
        &lent,
        &back,
        std::slice::from_ref(&back)
    ));
    // The shadow is in a zone, not the global zone.
    let zoned = link(2, "opz0x0", "z1");
    assert!(!shield_rename(
        "joyent",
        &lent,
        &back,
        &[back.clone(), zoned]
    ));
    // gate never shields.
    assert!(!shield_rename("gate", &lent, &back, &host));
    // Another name than NAME_recN.
    for other in ["opz0x0_rec", "opz0x0_recx", "opz0x0x", "vnic9"] {
        let now = link(1, other, "global");
        assert!(
            !shield_rename("joyent", &lent, &now, &[now.clone(), shadow.clone()]),
            "{other}"
        );
    }
    // Renamed but still in the zone.
    let inside = link(1, "opz0x0_rec0", "z0");
    assert!(!shield_rename(
        "joyent",
        &lent,
        &inside,
        &[inside.clone(), shadow.clone()]
    ));
    // A link zoneadmd never lent.
    let never = Watched {
        lent_to: vec![],
        ..lent.clone()
    };
    assert!(!shield_rename("joyent", &never, &back, &host));
}

/// The shield's own case through the real binaries, checked by the oracle: joyent, a lent
/// operator link whose name the global zone took, a plain halt. The link comes back to the
/// global zone as `NAME_rec0` (the platform would have deleted it), every other link is as
/// the operator left it; on gate the halt hands nothing back under another name.
#[test]
fn a_plain_halt_under_10001_passes_the_strict_oracle() {
    for flavour in ["joyent", "gate"] {
        let h = one_zone(flavour, &[("net0", 0)], vec![]);
        let (sim, mut watched) = build(&h);
        let mut out = String::new();
        run_checked(
            &sim,
            &h,
            &mut watched,
            &[Op::Boot(0), Op::Shadow(0), Op::Halt(0)],
            &mut out,
            flavour,
        );
        let lent = &watched[0].link;
        let now = sim.links().into_iter().find(|l| l.id == lent.id);
        if flavour == "joyent" {
            let now = now.unwrap_or_else(|| panic!("the lent link was lost: {out}"));
            assert_eq!(
                (now.zone.as_str(), now.name.as_str()),
                ("global", format!("{}_rec0", lent.name).as_str()),
                "{out}"
            );
        } else {
            assert!(
                now.is_none_or(|l| l.name == lent.name),
                "gate renamed it: {out}"
            );
        }
    }
}

/// The generator's kills are real: on both flavours, a hook killed at each dladm subcommand
/// (before and after its effect) at boot or at halt fires, a kill at halt leaves netzone's
/// records behind (a boot's failure is cleaned up by zoneadmd's own halt), and whatever runs
/// next (halt, recover, gc, a boot) leaves every operator link as it was, among them links
/// over the zone's NICs, one on a VLAN.
#[test]
fn hooks_killed_at_every_command_leave_foreign_links_alone() {
    for flavour in ["joyent", "gate"] {
        let mut left_records = 0;
        let mut fired = 0;
        for at in CRASH_AT {
            for after in [false, true] {
                for boot in [true, false] {
                    let h = one_zone(
                        flavour,
                        &[("net0", 0), ("net1", 1)],
                        vec!["vnic7", "tmp12340"],
                    );
                    let (sim, mut watched) = build(&h);
                    let mut out = String::new();
                    if !boot {
                        out += &run_op(&sim, &h, &Op::Boot(0));
                    }
                    let when = if after { "after" } else { "before" };
                    sim.fault(at, when, "crash", Some(1));
                    out += &run_op(&sim, &h, &if boot { Op::Boot(0) } else { Op::Halt(0) });
                    if proof::pending_faults(&sim).is_empty() {
                        fired += 1;
                        if !boot && sim.journal("z0").is_some() {
                            left_records += 1;
                        }
                    }
                    sim.illumos_sim(&["fault", "clear"]).ok();
                    let what = format!("{flavour} {at} {when} boot={boot}");
                    check_foreign(&sim, &watched).unwrap_or_else(|e| panic!("{what}: {e}\n{out}"));
                    let then = [
                        Op::Halt(0),
                        Op::Recover(0),
                        Op::Gc,
                        Op::Boot(0),
                        Op::Halt(0),
                    ];
                    run_checked(&sim, &h, &mut watched, &then, &mut out, &what);
                    assert_eq!(sim.zone_state("z0"), "installed", "{what}: {out}");
                }
            }
        }
        assert!(fired >= 8, "{flavour}: only {fired} kills fired");
        assert!(
            left_records > 0,
            "{flavour}: no kill at halt left a record behind"
        );
    }
}
