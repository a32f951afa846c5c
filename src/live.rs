//! Live verification, as CNI's CHECK verb does for a container network: for a zone that is ready
//! or running, are its links what its configuration and netzone's journal say? `netzone check
//! --live ZONE...` prints each [`Difference`] on a line and exits 1 when there is one.
//!
//! For every net netzone creates a link for ([`crate::zonecfg::ZoneConfig::managed_nets`]), the
//! link called `physical` in the zone's namespace is compared with:
//! - the configuration, resolved as a boot resolves it ([`crate::globalnic`]): the lower link
//!   (`OVER`), the VLAN id, a fixed or VRRP `mac-addr`, the MTU (joyent: the configured one or
//!   SmartOS's 1500; gate: the configured one, if any) and the link properties netzone or
//!   zoneadmd give the link: on joyent everything [`crate::netattr::smartos_props`] puts in the
//!   `create-vnic -p` (`protection`, `allowed-ips`, `dynamic-methods`, `allowed-dhcp-cids`,
//!   `allow-all-dhcp-cids`, `promisc-filtered`); on gate `protection=ip-nospoof` and
//!   `allowed-ips` from `allowed-address`, which zoneadmd sets when it lends the link
//!   (illumos-gate `vplat.c` `add_net_for_linkid`), and nothing else;
//! - the journal: the net's record exists and identifies the link ([`crate::identity`]); a MAC
//!   netzone drew is compared with the recorded one.
//!
//! The host is read once for every zone checked ([`LiveView::read`]): one `show-vnic` walk and one
//! `show-linkprop` walk of the properties above (which also gives each link's zone, so gate
//! needs no `-p zone` walk of its own). Two dladm processes however many zones and links.
//! [`differences`] is a pure function of (the resolved configuration, the journal, that view).

use std::collections::BTreeMap;
use std::fmt;

use crate::dladm::observe::{self, Observation, ObserveError};
use crate::dladm::{self, ParseError};
use crate::flavour::Flavour;
use crate::globalnic::{self, BrandFeatures, ResolveError};
use crate::host::Host;
use crate::journal::{Journal, JournalError, JournalLink, LinkState};
use crate::linkname::LinkName;
use crate::mac::{Mac, MacSpec};
use crate::zonecfg::{GlobalNic, IpType, Net, ZoneConfig};
use crate::zonename::ZoneName;

/// The link properties read on both flavours, `zone` first (it starts each link's rows).
const PROPS_COMMON: &[&str] = &[
    "zone",
    "mtu",
    "protection",
    "allowed-ips",
    "allowed-dhcp-cids",
    "promisc-filtered",
];

/// The link properties the live check reads on `flavour`, `zone` first: those both dladms
/// know, then the flavour's own ([`crate::flavour::Dialect::own_link_props`]).
pub fn checked_props(flavour: Flavour) -> Vec<&'static str> {
    let mut v = PROPS_COMMON.to_vec();
    v.extend_from_slice(flavour.dialect().own_link_props());
    v
}

/// `show-linkprop -c -o LINK,PROPERTY,VALUE -p zone,mtu,...`: a walk of every link the global
/// zone sees (its own and those on loan), one row per link and property, in link-id order.
pub fn show_props_command(flavour: Flavour) -> Vec<String> {
    [
        "show-linkprop",
        "-c",
        "-o",
        "LINK,PROPERTY,VALUE",
        "-p",
        &checked_props(flavour).join(","),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// One link's properties, as the `show-linkprop` walk printed them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LinkProps {
    /// The link's name, in its zone's namespace.
    pub name: LinkName,
    /// The zone holding it (its `zone` property); `None` for the global zone, or when
    /// [`LinkProps::zone_unreadable`].
    pub zone: Option<ZoneName>,
    /// dladm printed `?` for the link's zone: it could not read it (linkprop.c `get_zone`), so
    /// the link may be in any zone, never taken for the global zone's.
    pub zone_unreadable: bool,
    /// Each property's current values; an unset property (`--` or empty) has none.
    pub values: BTreeMap<String, Vec<String>>,
}

impl LinkProps {
    /// The values of property `name` (none when unset or not read).
    pub fn get(&self, name: &str) -> &[String] {
        self.values.get(name).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// Parses the output of [`show_props_command`]: rows `LINK:PROPERTY:VALUE` (`:` and `\`
/// escaped), a `zone` row starting each link, as the walk prints a link's properties in the
/// order asked. A value `--` (not supported on that link) or empty is no value.
pub fn parse_show_props_output(out: &str) -> Result<Vec<LinkProps>, ParseError> {
    let mut links: Vec<LinkProps> = Vec::new();
    for (i, line) in out.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        let bad = |reason: String| ParseError {
            line: i + 1,
            text: line.to_string(),
            reason,
        };
        let f = dladm::split_parsable_line(line);
        let [link, prop, value] = f.as_slice() else {
            return Err(bad(format!("expected 3 fields, got {}", f.len())));
        };
        let name = LinkName::new(link).map_err(|e| bad(format!("link '{link}': {e}")))?;
        let values: Vec<String> = match value.as_str() {
            "" | "--" => Vec::new(),
            v => v
                .split(',')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
        };
        if prop == "zone" {
            let zone_unreadable = value == "?";
            let zone = match values.first().map(String::as_str) {
                None | Some("global") | Some("?") => None,
                Some(z) => Some(ZoneName::new(z).map_err(|e| bad(format!("zone '{z}': {e}")))?),
            };
            links.push(LinkProps {
                name,
                zone,
                zone_unreadable,
                values: BTreeMap::new(),
            });
            continue;
        }
        match links.last_mut() {
            Some(l) if l.name == name => {
                l.values.insert(prop.clone(), values);
            }
            _ => return Err(bad("a property row before the link's zone row".into())),
        }
    }
    Ok(links)
}

/// The host's links as the live check sees them: who holds each, the VNIC details, and the
/// properties.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct LiveView {
    /// Every link with its zone and VNIC details.
    pub obs: Observation,
    /// Every link's properties, in walk order.
    pub props: Vec<LinkProps>,
}

impl LiveView {
    /// Reads the host: one `show-linkprop` walk ([`show_props_command`]) and one `show-vnic`
    /// walk. On gate, whose `show-vnic` has no ZONE field, the zones come from the property
    /// walk. An empty walk is confirmed with a lookup ([`observe::verify_dlmgmtd`]): a stopped
    /// dlmgmtd makes walks print nothing, which must not read as "the links are missing".
    ///
    /// A walk that could not read some links' zones (dladm prints `?`, warns, and exits 1 once
    /// the walk is done: dladm.c `print_linkprop`, `do_show_linkprop`) is read, not failed: those
    /// links go to [`Observation::unreadable`] with dladm's status, and a zone's net that may be
    /// one of them is reported as not checkable rather than missing.
    pub fn read(host: &Host, flavour: Flavour) -> Result<LiveView, ObserveError> {
        let (props, statuses) = observe::linkprop_walk(
            host,
            &show_props_command(flavour),
            parse_show_props_output,
            |p| p.zone_unreadable.then_some(&p.name),
        )?;
        let vnics = observe::observe_vnics(host, flavour)?;
        if props.is_empty() || vnics.is_empty() {
            observe::verify_dlmgmtd(host)?;
        }
        Ok(LiveView::from_parts(flavour, props, &statuses, vnics))
    }

    /// Joins the two walks (pure) as the flavour's dialect does
    /// ([`crate::flavour::Dialect::observation`]): on joyent the VNIC walk names the zones
    /// itself; on gate the property walk does, matched in walk order.
    /// `statuses`: dladm's status for each link whose zone it could not read.
    pub fn from_parts(
        flavour: Flavour,
        props: Vec<LinkProps>,
        statuses: &[(LinkName, String)],
        vnics: Vec<dladm::VnicInfo>,
    ) -> LiveView {
        let zones = props
            .iter()
            .map(|p| {
                let z = match (&p.zone, p.zone_unreadable) {
                    (_, true) => dladm::ZoneProp::Unreadable,
                    (Some(z), false) => dladm::ZoneProp::Zone(z.clone()),
                    (None, false) => dladm::ZoneProp::Global,
                };
                (p.name.clone(), z)
            })
            .collect();
        // The property walk also lists links of other classes, for "not a VNIC" (and for a
        // zone's missing link).
        let obs = flavour.dialect().observation(zones, statuses, vnics);
        LiveView { obs, props }
    }

    /// The properties of link `name` in zone `zone` (`None`: the global zone).
    pub fn props_of(&self, name: &LinkName, zone: Option<&ZoneName>) -> Option<&LinkProps> {
        self.props
            .iter()
            .find(|p| &p.name == name && !p.zone_unreadable && p.zone.as_ref() == zone)
    }
}

/// One way a zone's link is not what its configuration or journal says.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Difference {
    /// The zone.
    pub zone: ZoneName,
    /// The net (its `physical` name).
    pub net: LinkName,
    /// What differs, in words: `mtu is 9000, configured 1500`.
    pub what: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "zone '{}': net '{}': {}", self.zone, self.net, self.what)
    }
}

/// Why a zone could not be checked live.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// Its `global-nic` could not be resolved as a boot would (a tag, `auto`, an overlay).
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    /// Its journal could not be read.
    #[error(transparent)]
    Journal(#[from] JournalError),
}

impl LiveError {
    /// The error's kind: the underlying failure's.
    pub fn kind(&self) -> crate::error::ErrorKind {
        match self {
            LiveError::Resolve(r) => r.kind(),
            LiveError::Journal(j) => j.kind(),
        }
    }
}

/// Resolves `cfg` as the zone's boot resolved it, with as few processes as the forms need:
/// `global-nic`s that are link names cost none (the MTU walk a boot takes is not needed here,
/// the live link shows its own MTU); `auto` costs one `route` per such net, nic tags one
/// `sysinfo`. The brand's features ([`BrandFeatures`]) are applied.
pub fn resolve(host: &Host, cfg: &ZoneConfig) -> Result<ZoneConfig, ResolveError> {
    if globalnic::needs_tags(cfg, None) {
        return globalnic::resolve(host, cfg);
    }
    globalnic::check_forms(cfg)?;
    let features = host
        .brand_features
        .unwrap_or_else(|| BrandFeatures::for_brand(&cfg.brand));
    let autos = cfg
        .managed_nets()
        .any(|n| n.global_nic == Some(GlobalNic::Auto));
    if autos {
        let c = globalnic::resolve_autos(host, cfg)?;
        return globalnic::resolve_with(&c, None, None, features);
    }
    globalnic::resolve_with(cfg, None, None, features)
}

/// Checks one zone against `view`: resolves its configuration ([`resolve`]), reads its journal
/// and returns every [`Difference`] ([`differences`]).
pub fn check_zone(
    host: &Host,
    flavour: Flavour,
    cfg: &ZoneConfig,
    view: &LiveView,
) -> Result<Vec<Difference>, LiveError> {
    let resolved = resolve(host, cfg)?;
    let journal = Journal::load(&host.state_dir(), cfg.name())?;
    Ok(differences(flavour, &resolved, &journal, view))
}

/// A list of values as a message shows it: `none` when empty.
fn shown(v: &[String]) -> String {
    if v.is_empty() {
        "none".to_string()
    } else {
        v.join(",")
    }
}

/// A property's values in a form that compares as dladm means them: sets are sorted, an
/// address's host prefix (`/32`, `/128`) is dropped, a boolean or on/off property's default
/// stands for "unset".
fn normalised(prop: &str, v: &[String]) -> Vec<String> {
    let mut out: Vec<String> = v
        .iter()
        .map(|s| match prop {
            "allowed-ips" => s
                .strip_suffix("/32")
                .or_else(|| s.strip_suffix("/128"))
                .unwrap_or(s)
                .to_string(),
            _ => s.clone(),
        })
        .collect();
    match prop {
        "allow-all-dhcp-cids" if out.is_empty() => out.push("false".into()),
        "promisc-filtered" if out.is_empty() => out.push("on".into()),
        "dynamic-methods" | "protection" | "allowed-ips" | "allowed-dhcp-cids" => {
            out.sort();
            out.dedup();
        }
        _ => {}
    }
    out
}

/// What the net's link should carry beyond its lower link, VLAN and MAC: the MTU (if one is
/// due) and the value of every property of [`checked_props`] but `zone` and `mtu` (module doc).
pub fn expected_props(net: &Net, flavour: Flavour) -> (Option<u32>, Vec<(String, Vec<String>)>) {
    let dialect = flavour.dialect();
    let mut want: BTreeMap<String, Vec<String>> = dialect
        .carried_props(net)
        .into_iter()
        .map(|p| (p.name, p.values))
        .collect();
    let mtu = dialect.create_mtu(net).map(|m| m.get());
    let props = checked_props(flavour)
        .into_iter()
        .filter(|p| *p != "zone" && *p != "mtu")
        .map(|p| (p.to_string(), want.remove(p).unwrap_or_default()))
        .collect();
    (mtu, props)
}

/// The journal's record of net `net`: the active one if any, else the newest.
fn record<'a>(journal: &'a Journal, net: &LinkName) -> Option<&'a JournalLink> {
    let mut of_net = journal.links.iter().filter(|e| &e.net == net);
    of_net
        .clone()
        .find(|e| e.state == LinkState::Active)
        .or_else(|| of_net.next_back())
}

/// Compares a value the link has with the configured one, and when the configuration does not
/// fix it (or agrees with the link), with the recorded one: one line at most.
fn compare<T: PartialEq + fmt::Display>(
    what: &str,
    live: Option<T>,
    configured: Option<Option<T>>,
    recorded: Option<Option<T>>,
    out: &mut Vec<String>,
) {
    let show = |v: &Option<T>| match v {
        Some(v) => v.to_string(),
        None => "none".to_string(),
    };
    if let Some(c) = &configured {
        if *c != live {
            out.push(format!("{what} is {}, configured {}", show(&live), show(c)));
            return;
        }
    }
    if let Some(r) = &recorded {
        if *r != live {
            out.push(format!("{what} is {}, recorded {}", show(&live), show(r)));
        }
    }
}

/// Every difference between `cfg` (resolved: every managed `global-nic` a link, the brand's
/// features applied, see [`resolve`]) with its `journal`, and the links `view` shows. Pure.
pub fn differences(
    flavour: Flavour,
    cfg: &ZoneConfig,
    journal: &Journal,
    view: &LiveView,
) -> Vec<Difference> {
    let mut out = Vec::new();
    if cfg.ip_type() != IpType::Exclusive {
        return out;
    }
    let zone = cfg.name();
    for net in cfg.managed_nets() {
        let phys = &net.physical;
        let rec = record(journal, phys);
        let mut lines: Vec<String> = Vec::new();
        let Some(link) = view.obs.find(phys, Some(zone)) else {
            // dladm could not say which zone holds a link of that name: it may be this one.
            if let Some(u) = view.obs.unreadable_named(phys) {
                out.push(Difference {
                    zone: zone.clone(),
                    net: phys.clone(),
                    what: format!(
                        "dladm cannot read which zone holds link '{phys}' ({}), so it cannot \
                         be checked; run check --live again once dladm can",
                        u.status
                    ),
                });
                continue;
            }
            // Where is it, then? Under a name the journal records, in the global zone.
            let elsewhere = match rec {
                Some(e) => [&e.name, &e.final_name].into_iter().find_map(|n| {
                    view.obs
                        .find(n, None)
                        .filter(|l| crate::identity::identifies(e, l))
                        .map(|l| {
                            format!(
                                "; link '{}' netzone recorded for it is in the global zone",
                                l.name
                            )
                        })
                }),
                None => None,
            };
            lines.push(format!(
                "no link '{phys}' in the zone{}",
                elsewhere.unwrap_or_default()
            ));
            out.extend(lines.into_iter().map(|what| Difference {
                zone: zone.clone(),
                net: phys.clone(),
                what,
            }));
            continue;
        };
        let Some(v) = &link.vnic else {
            out.push(Difference {
                zone: zone.clone(),
                net: phys.clone(),
                what: format!("link '{phys}' in the zone is not a VNIC: netzone did not create it"),
            });
            continue;
        };
        // Lower link, VLAN, MAC.
        let over = match &net.global_nic {
            Some(GlobalNic::Link(l)) => Some(l.to_string()),
            _ => None,
        };
        compare(
            "over",
            Some(v.over.clone()),
            over.map(Some),
            rec.map(|e| Some(e.over.to_string())),
            &mut lines,
        );
        compare(
            "vlan-id",
            v.vid.map(|x| x.get()),
            Some(net.vlan.map(|x| x.get())),
            rec.map(|e| e.vid.map(|x| x.get())),
            &mut lines,
        );
        let configured_mac: Option<Option<Mac>> = match net.mac {
            Some(s @ (MacSpec::Fixed(_) | MacSpec::Vrrp { .. })) => {
                Some(crate::plan::known_mac(Some(&s)))
            }
            _ => None,
        };
        compare(
            "mac-addr",
            v.mac,
            configured_mac,
            rec.and_then(|e| e.mac.map(Some)),
            &mut lines,
        );
        // MTU and properties.
        let props = view.props_of(phys, Some(zone));
        let (mtu, want) = expected_props(net, flavour);
        if let (Some(m), Some(p)) = (mtu, props) {
            let live = p.get("mtu").first().cloned().unwrap_or_default();
            if live != m.to_string() {
                let live = if live.is_empty() {
                    "unknown".into()
                } else {
                    live
                };
                lines.push(format!("mtu is {live}, configured {m}"));
            }
        }
        if let Some(p) = props {
            for (name, want) in &want {
                let live = normalised(name, p.get(name));
                let w = normalised(name, want);
                if live != w {
                    lines.push(format!(
                        "{name} is {}, configured {}",
                        shown(p.get(name)),
                        shown(want)
                    ));
                }
            }
        }
        // The journal: the link must be the one netzone recorded.
        match rec {
            None => lines.push(format!(
                "netzone's journal has no record of link '{phys}': netzone did not create it, \
                 or its journal was lost"
            )),
            Some(e) if lines.is_empty() => {
                if let Some(why) = crate::identity::mismatch(e, link) {
                    lines.push(format!(
                        "link '{phys}' is not the one netzone's journal records: {why}"
                    ));
                }
            }
            Some(_) => {}
        }
        out.extend(lines.into_iter().map(|what| Difference {
            zone: zone.clone(),
            net: phys.clone(),
            what,
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dladm::observe::ObservedLink;
    use crate::testutil::{ln, zn};

    fn cfg(nets: &str) -> ZoneConfig {
        crate::zonecfg::parse_str(
            &format!(
                "<zone name=\"web1\" zonepath=\"/zones/web1\" brand=\"joyent\" ip-type=\"exclusive\">{nets}</zone>"
            ),
            "test",
        )
        .unwrap()
    }

    fn rec(net: &str, over: &str, mac: &str) -> JournalLink {
        JournalLink {
            net: ln(net),
            index: 0,
            name: ln(net),
            final_name: ln(net),
            over: ln(over),
            vid: None,
            mac: mac.parse().ok(),
            zone: zn("web1"),
            state: LinkState::Active,
            run: String::new(),
            persistent: false,
        }
    }

    fn journal(recs: Vec<JournalLink>) -> Journal {
        let mut j = Journal::empty(&zn("web1"));
        j.links = recs;
        j
    }

    /// A joyent walk: `net0` over igb0 in web1 with `mac`, `mtu` and `protection`.
    fn view(mac: &str, mtu: &str, prot: &str) -> LiveView {
        let props = parse_show_props_output(&format!(
            "igb0:zone:\nigb0:mtu:1500\nigb0:protection:\nigb0:allowed-ips:\nigb0:allowed-dhcp-cids:\nigb0:promisc-filtered:--\nigb0:dynamic-methods:\nigb0:allow-all-dhcp-cids:\n\
             net0:zone:web1\nnet0:mtu:{mtu}\nnet0:protection:{prot}\nnet0:allowed-ips:\nnet0:allowed-dhcp-cids:\nnet0:promisc-filtered:on\nnet0:dynamic-methods:\nnet0:allow-all-dhcp-cids:false\n"
        ))
        .unwrap();
        let vnics = dladm::parse_show_vnic_output(
            &format!("net0:igb0:{}:fixed:0:web1\n", mac.replace(':', "\\:")),
            Flavour::Joyent,
        )
        .unwrap();
        LiveView::from_parts(Flavour::Joyent, props, &[], vnics)
    }

    const PROT: &str = "mac-nospoof,restricted,ip-nospoof,dhcp-nospoof";

    fn lines(d: &[Difference]) -> Vec<String> {
        d.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn command_and_parser() {
        assert_eq!(
            show_props_command(Flavour::Gate).join(" "),
            "show-linkprop -c -o LINK,PROPERTY,VALUE -p zone,mtu,protection,allowed-ips,allowed-dhcp-cids,promisc-filtered"
        );
        assert!(show_props_command(Flavour::Joyent)
            .last()
            .unwrap()
            .ends_with(",dynamic-methods,allow-all-dhcp-cids"));
        let p = parse_show_props_output(
            "net0:zone:web1\nnet0:allowed-ips:10.0.0.1,fd00\\:\\:1\nnet0:zone:\nnet0:mtu:9000\n",
        )
        .unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].zone, Some(zn("web1")));
        assert_eq!(p[0].get("allowed-ips"), ["10.0.0.1", "fd00::1"]);
        assert_eq!(p[1].zone, None);
        assert_eq!(p[1].get("mtu"), ["9000"]);
        assert!(parse_show_props_output("net0:mtu:1500\n").is_err());
        assert!(parse_show_props_output("net0:zone\n").is_err());
    }

    #[test]
    fn an_unreadable_zone_is_never_the_global_zone() {
        let p = parse_show_props_output("vnic7:zone:?\nvnic7:mtu:1500\nnet0:zone:\n").unwrap();
        assert!(p[0].zone_unreadable && p[0].zone.is_none());
        assert!(!p[1].zone_unreadable);
        let status = [(
            LinkName::new("vnic7").unwrap(),
            "invalid argument".to_string(),
        )];
        let v = LiveView::from_parts(Flavour::Gate, p, &status, vec![]);
        assert!(v.props_of(&LinkName::new("vnic7").unwrap(), None).is_none());
        assert!(v.obs.find(&LinkName::new("vnic7").unwrap(), None).is_none());
        let u = v.obs.unreadable_named(&LinkName::new("vnic7").unwrap());
        assert_eq!(u.map(|u| u.status.as_str()), Some("invalid argument"));
        assert!(v.obs.find(&LinkName::new("net0").unwrap(), None).is_some());
    }

    #[test]
    fn a_link_as_configured_has_no_difference() {
        let c = cfg(r#"<network physical="net0" global-nic="igb0" mac-addr="2:8:20:0:0:1"/>"#);
        let j = journal(vec![rec("net0", "igb0", "2:8:20:0:0:1")]);
        assert!(
            differences(Flavour::Joyent, &c, &j, &view("2:8:20:0:0:1", "1500", PROT)).is_empty()
        );
    }

    #[test]
    fn each_field_is_one_line() {
        let c = cfg(
            r#"<network physical="net0" global-nic="igb1" vlan-id="42" mac-addr="2:8:20:0:0:9"/>"#,
        );
        let j = journal(vec![rec("net0", "igb0", "2:8:20:0:0:1")]);
        let d = lines(&differences(
            Flavour::Joyent,
            &c,
            &j,
            &view("2:8:20:0:0:1", "9000", "mac-nospoof"),
        ));
        assert_eq!(
            d,
            [
                "zone 'web1': net 'net0': over is igb0, configured igb1",
                "zone 'web1': net 'net0': vlan-id is none, configured 42",
                "zone 'web1': net 'net0': mac-addr is 2:8:20:0:0:1, configured 2:8:20:0:0:9",
                "zone 'web1': net 'net0': mtu is 9000, configured 1500",
                "zone 'web1': net 'net0': protection is mac-nospoof, configured mac-nospoof,ip-nospoof,restricted,dhcp-nospoof",
            ]
        );
    }

    #[test]
    fn drawn_mac_against_the_record_and_missing_records() {
        let c = cfg(r#"<network physical="net0" global-nic="igb0"/>"#);
        let j = journal(vec![rec("net0", "igb0", "2:8:20:0:0:7")]);
        assert_eq!(
            lines(&differences(
                Flavour::Joyent,
                &c,
                &j,
                &view("2:8:20:0:0:1", "1500", PROT)
            )),
            ["zone 'web1': net 'net0': mac-addr is 2:8:20:0:0:1, recorded 2:8:20:0:0:7"]
        );
        let d = lines(&differences(
            Flavour::Joyent,
            &c,
            &journal(vec![]),
            &view("2:8:20:0:0:1", "1500", PROT),
        ));
        assert_eq!(d.len(), 1);
        assert!(
            d[0].contains("netzone's journal has no record of link 'net0'"),
            "{d:?}"
        );
    }

    #[test]
    fn missing_and_not_a_vnic() {
        let c = cfg(r#"<network physical="net1" global-nic="igb0"/>"#);
        let d = lines(&differences(
            Flavour::Joyent,
            &c,
            &journal(vec![]),
            &view("2:8:20:0:0:1", "1500", PROT),
        ));
        assert_eq!(d, ["zone 'web1': net 'net1': no link 'net1' in the zone"]);
        // The link netzone recorded, found in the global zone.
        let mut v = view("2:8:20:0:0:1", "1500", PROT);
        let mut gz = v.obs.links[0].clone();
        gz.zone = None;
        gz.name = ln("net1");
        gz.vnic.as_mut().unwrap().link = ln("net1");
        gz.vnic.as_mut().unwrap().zone = None;
        v.obs.links.push(gz);
        let d = lines(&differences(
            Flavour::Joyent,
            &c,
            &journal(vec![rec("net1", "igb0", "2:8:20:0:0:1")]),
            &v,
        ));
        assert_eq!(
            d,
            ["zone 'web1': net 'net1': no link 'net1' in the zone; link 'net1' netzone recorded \
              for it is in the global zone"]
        );
        // A non-VNIC link of the name in the zone.
        let mut v = view("2:8:20:0:0:1", "1500", PROT);
        v.obs.links.push(ObservedLink {
            name: ln("net1"),
            zone: Some(zn("web1")),
            vnic: None,
        });
        let d = lines(&differences(Flavour::Joyent, &c, &journal(vec![]), &v));
        assert!(
            d[0].contains("link 'net1' in the zone is not a VNIC"),
            "{d:?}"
        );
    }

    #[test]
    fn gate_expects_zoneadmds_protection_only() {
        let mut n =
            cfg(r#"<network physical="net0" global-nic="igb0" allowed-address="10.0.0.5/24"/>"#)
                .nets()[0]
                .clone();
        let (mtu, p) = expected_props(&n, Flavour::Gate);
        assert_eq!(mtu, None);
        assert_eq!(
            p,
            [
                ("protection".to_string(), vec!["ip-nospoof".to_string()]),
                ("allowed-ips".to_string(), vec!["10.0.0.5".to_string()]),
                ("allowed-dhcp-cids".to_string(), vec![]),
                ("promisc-filtered".to_string(), vec![]),
            ]
        );
        n.allowed_address.clear();
        assert!(expected_props(&n, Flavour::Gate)
            .1
            .iter()
            .all(|(_, v)| v.is_empty()));
        assert_eq!(
            normalised("allowed-ips", &["10.0.0.5/32".into()]),
            ["10.0.0.5"]
        );
        assert_eq!(normalised("promisc-filtered", &[]), ["on"]);
    }
}
