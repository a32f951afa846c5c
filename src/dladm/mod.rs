//! dladm command lines and the parsers of their output, kept apart from running them (`host`).
//!
//! Every `*_command()` returns the argv after the program name; every `parse_*_output()` is a pure
//! function of the text dladm printed. Facts followed:
//! - parsable output (`-p -o F1,F2`, `show-linkprop -c`): one line per object, fields joined by `:`,
//!   and, only when more than one field is printed, `:` and `\` inside values escaped with `\`
//!   (illumos-gate `usr/src/lib/libofmt/common/ofmt.c`, `ofmt_print_field`);
//! - `show-vnic` fields `LINK OVER SPEED MACADDRESS MACADDRTYPE VID`, and on illumos-joyent also
//!   `ZONE`, printed as `--` for the global zone even in parsable mode (`usr/src/cmd/dladm/dladm.c`
//!   `print_vnic`); VID `0` is untagged; MACs print unpadded (`_link_ntoa`);
//! - `show-linkprop -p zone` prints an empty VALUE for a link in the global zone (`linkprop.c`
//!   `get_zone`);
//! - error messages are `dladm: <msg>` or `dladm: <msg>: <status>` with the status strings of
//!   `usr/src/lib/libdladm/common/libdladm.c` `dladm_status2str`.
//!
//! ```
//! use netzone::dladm::{self, DladmErrorKind};
//! use netzone::flavour::Flavour;
//!
//! let out = "net0:e1000g0:2\\:8\\:20\\:a\\:b\\:c:fixed:42:web1\n";
//! let v = dladm::parse_show_vnic_output(out, Flavour::Joyent)?;
//! assert_eq!(v[0].mac.unwrap().to_string(), "2:8:20:a:b:c");
//! assert_eq!(v[0].zone.as_ref().unwrap().as_str(), "web1");
//! assert_eq!(
//!     dladm::parse_error_output("dladm: vnic deletion failed: link busy"),
//!     DladmErrorKind::LinkBusy
//! );
//! # Ok::<(), dladm::ParseError>(())
//! ```

pub mod observe;

use std::fmt;

use crate::flavour::Flavour;
use crate::linkname::LinkName;
use crate::mac::{Mac, MacSpec};
use crate::mtu::Mtu;
use crate::vlan::VlanId;
use crate::zonename::ZoneName;

/// `show-vnic` fields netzone reads on illumos-joyent: one walk lists every VNIC of the global
/// zone and every VNIC on loan, with the zone holding it.
pub const JOYENT_VNIC_FIELDS: &str = "LINK,OVER,MACADDRESS,MACADDRTYPE,VID,ZONE";
/// `show-vnic` fields on illumos-gate, which has no `ZONE` field (zones come from `show-linkprop`).
pub const GATE_VNIC_FIELDS: &str = "LINK,OVER,MACADDRESS,MACADDRTYPE,VID";

fn argv(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

/// `show-vnic -p -o <fields>`: a walk of every VNIC the global zone can see (its own and those on
/// loan to zones).
pub fn show_vnic_command(flavour: Flavour) -> Vec<String> {
    argv(&[
        "show-vnic",
        "-p",
        "-o",
        flavour.dialect().show_vnic_fields(),
    ])
}

/// `show-vnic -p -o <fields> -l OVER`: the VNICs over one lower link. The lower link is looked
/// up by name through dlmgmtd's door first, so unlike the walk this fails when dlmgmtd is not
/// answering: an empty answer means "no VNIC over it", never "dlmgmtd is down".
pub fn show_vnic_over_command(flavour: Flavour, over: &LinkName) -> Vec<String> {
    let mut a = show_vnic_command(flavour);
    a.extend(["-l".to_string(), over.to_string()]);
    a
}

/// `show-linkprop -c -o LINK,VALUE -p zone`: every link with the zone it is assigned to. This is
/// how gate names the zone holding a link (omicron `sled-agent` points at the same call, #725).
pub fn show_zone_prop_command() -> Vec<String> {
    // show-linkprop spells "parsable" `-c` (dladm.c `do_show_linkprop`); the flag is built from
    // its letter so that src/ holds no shell-like string literal (the project's no-shell check).
    let parsable = format!("-{SHOW_LINKPROP_PARSABLE}");
    let mut a = argv(&["show-linkprop"]);
    a.push(parsable);
    a.extend(argv(&["-o", "LINK,VALUE", "-p", "zone"]));
    a
}

/// show-linkprop's parsable-output option letter.
const SHOW_LINKPROP_PARSABLE: char = 'c';

/// `show-phys -m -p -o LINK,ADDRESS`: the MAC addresses of the NICs (each slot; the primary
/// one is the NIC's factory address), which `show-vnic` does not list.
pub fn show_phys_mac_command() -> Vec<String> {
    argv(&["show-phys", "-m", "-p", "-o", "LINK,ADDRESS"])
}

/// The flavour probe asks for what netzone relies on, the `-z ZONE` option illumos-joyent's dladm
/// gives its subcommands (`rename-link -z` among them): joyent's `show-link -z global` lists the
/// global zone's links; gate's getopt refuses the letter ("unrecognized option '-z'",
/// dladm.c `die_opterr`) before walking anything. (It used to ask `show-vnic` for its `ZONE`
/// field, which gate would answer too once IPD 3's ZONE field lands, without any `-z`.)
pub fn probe_command() -> Vec<String> {
    argv(&["show-link", "-z", "global", "-p", "-o", "LINK"])
}

/// A link property given to `create-vnic -p`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LinkProp {
    /// The property's name.
    pub name: String,
    /// Several values are written `name=v1,v2`, which dladm's property parser reads back as one
    /// multi-valued property (`libdladm.c` `dladm_parse_link_props`).
    pub values: Vec<String>,
}

impl LinkProp {
    /// `name=values` (several values are joined with `,`).
    pub fn new(name: &str, values: &[&str]) -> Self {
        LinkProp {
            name: name.to_string(),
            values: values.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl fmt::Display for LinkProp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.name, self.values.join(","))
    }
}

/// Everything `create-vnic` needs. Temporary (`-t`, dying with the boot) unless `persistent`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VnicSpec {
    /// The name it is created under.
    pub name: LinkName,
    /// The lower link.
    pub over: LinkName,
    /// How its MAC is chosen (`None`: dladm's default).
    pub mac: Option<MacSpec>,
    /// The VLAN id, if tagged.
    pub vid: Option<VlanId>,
    /// The MTU, if set.
    pub mtu: Option<Mtu>,
    /// Other properties (protection, allowed-ips, ...), in order.
    pub props: Vec<LinkProp>,
    /// `zone=Z`, always written last: once the zone holds the link a later bad property could not
    /// be undone (SmartOS `jcommon/statechange` comment).
    pub zone: Option<ZoneName>,
    /// Created without `-t`: written to `/etc/dladm/datalink.conf`, back after a reboot.
    pub persistent: bool,
}

impl VnicSpec {
    /// The `-p` value, or `None` when there is no property to set.
    pub fn prop_arg(&self) -> Option<String> {
        let mut all: Vec<String> = Vec::new();
        if let Some(m) = self.mtu {
            all.push(format!("mtu={m}"));
        }
        all.extend(self.props.iter().map(|p| p.to_string()));
        if let Some(z) = &self.zone {
            all.push(format!("zone={z}"));
        }
        (!all.is_empty()).then(|| all.join(","))
    }
}

/// `create-vnic -t -l OVER [-m MAC | -V VRID -A inet -m vrrp] [-v VID] [-p PROPS] NAME`.
pub fn create_vnic_command(spec: &VnicSpec) -> Vec<String> {
    let mut a = argv(&["create-vnic"]);
    if !spec.persistent {
        a.push("-t".to_string());
    }
    a.extend(["-l".to_string(), spec.over.to_string()]);
    match spec.mac {
        None | Some(MacSpec::Auto) => {}
        Some(MacSpec::Fixed(m)) => a.extend(["-m".to_string(), m.to_string()]),
        Some(MacSpec::Random) => a.extend(argv(&["-m", "random"])),
        Some(MacSpec::Factory) => a.extend(argv(&["-m", "factory"])),
        Some(MacSpec::Vrrp { vrid }) => {
            // SmartOS's order (jcommon/statechange): `-V VRID -A inet -m vrrp`.
            a.push("-V".to_string());
            a.push(vrid.to_string());
            a.extend(argv(&["-A", "inet", "-m", "vrrp"]));
        }
    }
    if let Some(v) = spec.vid {
        a.extend(["-v".to_string(), v.to_string()]);
    }
    if let Some(p) = spec.prop_arg() {
        a.extend(["-p".to_string(), p]);
    }
    a.push(spec.name.to_string());
    a
}

/// `rename-link [-z ZONE] FROM TO` (`-z` only exists on illumos-joyent).
pub fn rename_link_command(zone: Option<&ZoneName>, from: &LinkName, to: &LinkName) -> Vec<String> {
    let mut a = argv(&["rename-link"]);
    if let Some(z) = zone {
        a.extend(["-z".to_string(), z.to_string()]);
    }
    a.extend([from.to_string(), to.to_string()]);
    a
}

/// `delete-vnic [-t] [-z ZONE] NAME`: `-t` for a temporary link; a persistent one is deleted
/// without it, so that its persistent configuration goes too (with `-t` only the active link
/// would, libdlvnic.c `dladm_vnic_delete`, and it would come back at the next boot).
pub fn delete_vnic_command(
    zone: Option<&ZoneName>,
    name: &LinkName,
    persistent: bool,
) -> Vec<String> {
    let mut a = argv(&["delete-vnic"]);
    if !persistent {
        a.push("-t".to_string());
    }
    if let Some(z) = zone {
        a.extend(["-z".to_string(), z.to_string()]);
    }
    a.push(name.to_string());
    a
}

/// `set-linkprop -t [-z ZONE] -p zone=global NAME`: hand a loaned link back to the global zone,
/// the call zoneadmd's `unconfigure_exclusive_network_interfaces` makes (`vplat.c`).
pub fn return_to_global_command(zone: Option<&ZoneName>, name: &LinkName) -> Vec<String> {
    let mut a = argv(&["set-linkprop", "-t"]);
    if let Some(z) = zone {
        a.extend(["-z".to_string(), z.to_string()]);
    }
    a.extend(argv(&["-p", "zone=global"]));
    a.push(name.to_string());
    a
}

/// `set-linkprop -t [-z ZONE] -p PROP=VALUE NAME`.
pub fn set_linkprop_command(
    zone: Option<&ZoneName>,
    name: &LinkName,
    prop: &LinkProp,
) -> Vec<String> {
    let mut a = argv(&["set-linkprop", "-t"]);
    if let Some(z) = zone {
        a.extend(["-z".to_string(), z.to_string()]);
    }
    a.extend(["-p".to_string(), prop.to_string(), name.to_string()]);
    a
}

/// A parse failure: dladm printed something netzone does not understand.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot parse dladm output line {line}: {reason}: '{text}'")]
pub struct ParseError {
    /// The line number (from 1).
    pub line: usize,
    /// The line as read.
    pub text: String,
    /// What is wrong with it.
    pub reason: String,
}

/// Splits one line of multi-field parsable output on unescaped `:` and removes the `\` escapes.
/// Single-field output is not escaped and must not go through this.
pub fn split_parsable_line(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n) => fields.last_mut().unwrap().push(n),
                None => fields.last_mut().unwrap().push('\\'),
            },
            ':' => fields.push(String::new()),
            _ => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

/// One VNIC as `show-vnic` reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VnicInfo {
    /// The link's name.
    pub link: LinkName,
    /// Its lower link, as dladm prints it.
    pub over: String,
    /// `None` when dladm printed no usable address.
    pub mac: Option<Mac>,
    /// dladm's MACADDRTYPE (`random`, `fixed`, `factory`, ...).
    pub mac_type: String,
    /// `None`: untagged (VID 0).
    pub vid: Option<VlanId>,
    /// The zone holding the link; `None` for the global zone. Gate's show-vnic cannot tell, so
    /// the observation fills it from `show-linkprop`.
    pub zone: Option<ZoneName>,
}

fn parse_zone_field(s: &str) -> Result<Option<ZoneName>, String> {
    match s {
        "" | "--" | "global" => Ok(None),
        z => ZoneName::new(z)
            .map(Some)
            .map_err(|e| format!("zone '{z}': {e}")),
    }
}

/// Walks the records of multi-field `-p -o` output: each non-empty line is split on unescaped
/// `:` and must have `want` fields; `record` turns the fields into a value, its errors becoming a
/// [`ParseError`] that names the line.
fn parse_records<T>(
    out: &str,
    want: usize,
    mut record: impl FnMut(&[String]) -> Result<T, String>,
) -> Result<Vec<T>, ParseError> {
    let mut res = Vec::new();
    for (i, line) in out.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        let f = split_parsable_line(line);
        let parsed = if f.len() == want {
            record(&f)
        } else {
            Err(format!("{} fields, expected {want}", f.len()))
        };
        res.push(parsed.map_err(|reason| ParseError {
            line: i + 1,
            text: line.to_string(),
            reason,
        })?);
    }
    Ok(res)
}

/// Parses `show-vnic -p -o` with the flavour's fields ([`JOYENT_VNIC_FIELDS`] or
/// [`GATE_VNIC_FIELDS`], [`crate::flavour::Dialect::show_vnic_fields`]): the first five in
/// that order, and `ZONE` wherever the flavour asks for it.
pub fn parse_show_vnic_output(out: &str, flavour: Flavour) -> Result<Vec<VnicInfo>, ParseError> {
    let fields = flavour.dialect().show_vnic_fields();
    let want = fields.split(',').count();
    let zone_at = fields.split(',').position(|f| f == "ZONE");
    parse_records(out, want, |f| {
        let link = LinkName::new(&f[0]).map_err(|e| e.to_string())?;
        let vid: u16 = f[4]
            .parse()
            .map_err(|_| format!("VID '{}' is not a number", f[4]))?;
        let vid = if vid == 0 {
            None
        } else {
            Some(VlanId::new(vid).map_err(|e| e.to_string())?)
        };
        let zone = match zone_at {
            Some(i) => parse_zone_field(&f[i])?,
            None => None,
        };
        Ok(VnicInfo {
            link,
            over: f[1].clone(),
            mac: f[2].parse().ok(),
            mac_type: f[3].clone(),
            vid,
            zone,
        })
    })
}

/// The `zone` property of one link, as gate's zone walk prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZoneProp {
    /// Empty: the global zone.
    Global,
    /// On loan to (or created in) this zone.
    Zone(ZoneName),
    /// `?`: dladm could not read the property (linkprop.c `get_zone` failed; dladm warned and
    /// will exit 1). Never the global zone: the link may be anywhere.
    Unreadable,
}

/// Parses `show-linkprop -c -o LINK,VALUE -p zone` row by row, keeping the rows whose value
/// dladm could not read ([`ZoneProp::Unreadable`]).
pub fn parse_show_zone_prop_rows(out: &str) -> Result<Vec<(LinkName, ZoneProp)>, ParseError> {
    parse_records(out, 2, |f| {
        let link = LinkName::new(&f[0]).map_err(|e| e.to_string())?;
        let zone = if f[1] == "?" {
            ZoneProp::Unreadable
        } else {
            match parse_zone_field(&f[1])? {
                None => ZoneProp::Global,
                Some(z) => ZoneProp::Zone(z),
            }
        };
        Ok((link, zone))
    })
}

/// Parses `show-linkprop -c -o LINK,VALUE -p zone`: each link with its zone (`None` = global).
/// A `?` (a zone dladm could not read) is an error here, never the global zone; see
/// [`parse_show_zone_prop_rows`].
pub fn parse_show_zone_prop_output(
    out: &str,
) -> Result<Vec<(LinkName, Option<ZoneName>)>, ParseError> {
    parse_records(out, 2, |f| {
        let link = LinkName::new(&f[0]).map_err(|e| e.to_string())?;
        if f[1] == "?" {
            return Err(format!("dladm could not read the zone of {link} (`?`)"));
        }
        Ok((link, parse_zone_field(&f[1])?))
    })
}

/// Parses `show-phys -m -p -o LINK,ADDRESS`; slots without a usable address are skipped.
pub fn parse_show_phys_mac_output(out: &str) -> Result<Vec<(LinkName, Mac)>, ParseError> {
    let rows = parse_records(out, 2, |f| {
        let link = LinkName::new(&f[0]).map_err(|e| e.to_string())?;
        Ok(f[1].parse::<Mac>().ok().map(|m| (link, m)))
    })?;
    Ok(rows.into_iter().flatten().collect())
}

/// What went wrong in a failed dladm command, from its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DladmErrorKind {
    /// "object not found"; delete-vnic's "invalid link name 'X'" for a missing link.
    NotFound,
    /// "object already exists".
    AlreadyExists,
    /// "link busy": the link is open, plumbed or on loan.
    LinkBusy,
    /// "MAC address is already in use".
    MacInUse,
    /// "invalid value", bad VLAN id, MAC, MTU or property.
    InvalidValue,
    /// "invalid argument".
    InvalidArgument,
    /// "operation failed": what libdladm's door call reports when dlmgmtd is not answering
    /// (EBADF on the revoked door, `libdladm.c` `dladm_door_call`), but also libdladm's
    /// catch-all for any errno it has no status for (`dladm_errno2status`): a likely sign of a
    /// stopped dlmgmtd, not a proof. (dladm's own start-up failure reads "could not open
    /// /dev/dld: `<status>`", dladm.c `main`, and is classified by its status.)
    DlmgmtdDown,
    /// "permission denied" (the caller lacks sys_dl_config).
    PermissionDenied,
    /// "unknown output field" (a field this dladm does not have).
    UnknownField,
    /// A usage error or anything else.
    Other,
}

/// Classifies a dladm error message. Order matters: the most specific status wins.
pub fn parse_error_output(stderr: &str) -> DladmErrorKind {
    let s = stderr;
    if s.contains("MAC address is already in use") {
        DladmErrorKind::MacInUse
    } else if s.contains("link busy") || s.contains("may not use default_tag ID") {
        DladmErrorKind::LinkBusy
    } else if s.contains("object already exists") {
        DladmErrorKind::AlreadyExists
    } else if s.contains("object not found")
        || (s.contains("invalid link name '") && !s.contains("too long"))
        || s.contains("invalid vnic name")
    {
        DladmErrorKind::NotFound
    } else if s
        .lines()
        .any(|l| l.trim_end().ends_with(": operation failed"))
        || s.contains("dlmgmtd")
        || s.contains("door")
        || s.contains("datalink management")
    {
        DladmErrorKind::DlmgmtdDown
    } else if s.contains("permission denied") {
        DladmErrorKind::PermissionDenied
    } else if s.contains("unknown output field") {
        DladmErrorKind::UnknownField
    } else if s.contains("invalid value")
        || s.contains("invalid VLAN identifier")
        || s.contains("invalid MAC address")
        || s.contains("MTU check failed")
        || s.contains("invalid vnic property")
        || s.contains("invalid link property")
        || s.contains("cannot set link property")
    {
        DladmErrorKind::InvalidValue
    } else if s.contains("invalid argument") {
        DladmErrorKind::InvalidArgument
    } else {
        DladmErrorKind::Other
    }
}

/// The message of a failed dladm run without its `dladm: ` (or `/path/to/dladm: `) prefix, on
/// one line.
pub fn error_message(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("usage:"))
        .map(|l| match l.split_once(": ") {
            Some((prog, rest)) if prog.ends_with("dladm") => rest,
            _ => l,
        })
        .collect();
    if lines.is_empty() {
        "failed with no message".to_string()
    } else {
        lines.join("; ")
    }
}

/// [`error_message`] of a dladm that exited with `code`: one that said nothing is reported with
/// its exit status, the one thing left to tell a crash (`1`) from a usage error (`2`).
pub fn failure_message(stderr: &str, code: i32) -> String {
    let m = error_message(stderr);
    if stderr.lines().all(|l| l.trim().is_empty()) {
        format!("exited {code} with no message")
    } else {
        m
    }
}

/// One link as `show-link -p -o LINK,CLASS,MTU,OVER` reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LinkInfo {
    /// The link's name.
    pub link: LinkName,
    /// `phys`, `vnic`, `etherstub`, `aggr`, ...
    pub class: String,
    /// `None` when dladm printed no number (a link whose MTU it could not read).
    pub mtu: Option<u32>,
    /// The lower link(s) as printed (a VNIC's lower link, an aggregation's ports); empty for a
    /// physical link.
    pub over: String,
}

/// The fields of [`show_link_command`].
pub const SHOW_LINK_FIELDS: &str = "LINK,CLASS,MTU,OVER";

/// `show-link -p -o LINK,CLASS,MTU,OVER`: every link the global zone sees, with its class and
/// MTU (dladm.c `do_show_link`, `print_link`). One process, whatever the number of links.
pub fn show_link_command() -> Vec<String> {
    argv(&["show-link", "-p", "-o", SHOW_LINK_FIELDS])
}

/// Parses [`show_link_command`]'s output.
pub fn parse_show_link_output(out: &str) -> Result<Vec<LinkInfo>, ParseError> {
    parse_records(out, 4, |f| {
        let link = LinkName::new(&f[0]).map_err(|e| e.to_string())?;
        Ok(LinkInfo {
            link,
            class: f[1].clone(),
            mtu: f[2].parse().ok(),
            over: f[3].clone(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{ln, zn};

    #[test]
    fn show_link_parses_classes_and_mtus() {
        assert_eq!(
            show_link_command().join(" "),
            "show-link -p -o LINK,CLASS,MTU,OVER"
        );
        let v =
            parse_show_link_output("igb0:phys:1500:\nvn0:vnic:9000:igb0\naggr0:aggr::igb1 igb2\n")
                .unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!(v[0].class, "phys");
        assert_eq!(v[0].mtu, Some(1500));
        assert_eq!(v[0].over, "");
        assert_eq!(v[1].over, "igb0");
        assert_eq!(v[2].mtu, None);
        let e = parse_show_link_output("igb0:phys:1500\n").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(parse_show_link_output("bad;name:phys:1500:\n").is_err());
    }

    #[test]
    fn create_vnic_joyent_puts_zone_last() {
        let spec = VnicSpec {
            name: ln("nzabc_0"),
            over: ln("e1000g0"),
            mac: Some(MacSpec::Fixed("2:8:20:a:b:c".parse().unwrap())),
            vid: Some(VlanId::new(42).unwrap()),
            mtu: Some(Mtu::new(1500).unwrap()),
            props: vec![
                LinkProp::new("protection", &["mac-nospoof", "ip-nospoof"]),
                LinkProp::new("allowed-ips", &["10.0.0.5/24"]),
            ],
            zone: Some(zn("web1")),
            persistent: false,
        };
        assert_eq!(
            create_vnic_command(&spec).join(" "),
            "create-vnic -t -l e1000g0 -m 2:8:20:a:b:c -v 42 -p \
             mtu=1500,protection=mac-nospoof,ip-nospoof,allowed-ips=10.0.0.5/24,zone=web1 nzabc_0"
        );
    }

    #[test]
    fn create_vnic_minimal_has_no_p() {
        let spec = VnicSpec {
            name: ln("net0"),
            over: ln("igb0"),
            mac: None,
            vid: None,
            mtu: None,
            props: vec![],
            zone: None,
            persistent: false,
        };
        assert_eq!(
            create_vnic_command(&spec),
            vec!["create-vnic", "-t", "-l", "igb0", "net0"]
        );
        let mut vrrp = spec.clone();
        vrrp.mac = Some(MacSpec::Vrrp { vrid: 7 });
        assert_eq!(
            create_vnic_command(&vrrp).join(" "),
            "create-vnic -t -l igb0 -V 7 -A inet -m vrrp net0"
        );
        let mut p = spec.clone();
        p.persistent = true;
        p.mtu = Some(Mtu::new(9000).unwrap());
        assert_eq!(
            create_vnic_command(&p).join(" "),
            "create-vnic -l igb0 -p mtu=9000 net0"
        );
    }

    #[test]
    fn other_commands() {
        let z = zn("web1");
        assert_eq!(
            rename_link_command(Some(&z), &ln("nzx_0"), &ln("net0")).join(" "),
            "rename-link -z web1 nzx_0 net0"
        );
        assert_eq!(
            rename_link_command(None, &ln("a0"), &ln("b0")).join(" "),
            "rename-link a0 b0"
        );
        assert_eq!(
            delete_vnic_command(Some(&z), &ln("net0"), false).join(" "),
            "delete-vnic -t -z web1 net0"
        );
        assert_eq!(
            delete_vnic_command(None, &ln("net0"), false).join(" "),
            "delete-vnic -t net0"
        );
        assert_eq!(
            delete_vnic_command(None, &ln("net0"), true).join(" "),
            "delete-vnic net0"
        );
        assert_eq!(
            return_to_global_command(Some(&z), &ln("net0")).join(" "),
            "set-linkprop -t -z web1 -p zone=global net0"
        );
        assert_eq!(
            set_linkprop_command(None, &ln("net0"), &LinkProp::new("mtu", &["9000"])).join(" "),
            "set-linkprop -t -p mtu=9000 net0"
        );
        assert_eq!(
            show_vnic_command(Flavour::Joyent).join(" "),
            "show-vnic -p -o LINK,OVER,MACADDRESS,MACADDRTYPE,VID,ZONE"
        );
        assert_eq!(
            show_vnic_command(Flavour::Gate).join(" "),
            "show-vnic -p -o LINK,OVER,MACADDRESS,MACADDRTYPE,VID"
        );
        assert_eq!(
            show_zone_prop_command().join(" "),
            "show-linkprop -c -o LINK,VALUE -p zone"
        );
    }

    #[test]
    fn split_unescapes() {
        assert_eq!(
            split_parsable_line(r"net0:e1000g0:2\:8\:20\:46\:d4\:ba:random:0:web1"),
            vec!["net0", "e1000g0", "2:8:20:46:d4:ba", "random", "0", "web1"]
        );
        assert_eq!(split_parsable_line(r"a\\b:c"), vec![r"a\b", "c"]);
        assert_eq!(split_parsable_line("x::"), vec!["x", "", ""]);
        assert_eq!(split_parsable_line(r"trail\"), vec![r"trail\"]);
    }

    // In the form of illumos-joyent's `dladm show-vnic -p -o LINK,OVER,MACADDRESS,MACADDRTYPE,
    // VID,ZONE` (written by hand, not recorded from a host): ofmt escapes only `:` and `\` in
    // parsable output (ofmt.c `ofmt_print_field`), so the comma of "factory, slot 1" is bare.
    const JOYENT_SHOW_VNIC: &str = "\
net0:e1000g0:2\\:8\\:20\\:46\\:d4\\:ba:random:0:web1
net0:e1000g0:2\\:8\\:20\\:a\\:b\\:c:fixed:42:web2
gz0:e1000g0:2\\:8\\:20\\:11\\:22\\:33:factory, slot 1:0:--
";

    #[test]
    fn parses_joyent_show_vnic() {
        let v = parse_show_vnic_output(JOYENT_SHOW_VNIC, Flavour::Joyent).unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!(v[0].link, ln("net0"));
        assert_eq!(v[0].over, "e1000g0");
        assert_eq!(v[0].mac, Some("2:8:20:46:d4:ba".parse().unwrap()));
        assert_eq!(v[0].vid, None);
        assert_eq!(v[0].zone, Some(zn("web1")));
        assert_eq!(v[1].vid, Some(VlanId::new(42).unwrap()));
        assert_eq!(v[2].mac_type, "factory, slot 1");
        assert_eq!(v[2].zone, None);
    }

    #[test]
    fn parses_gate_show_vnic_and_zone_prop() {
        let v = parse_show_vnic_output(
            "web1_0:igb0:2\\:8\\:20\\:1\\:2\\:3:random:7\n",
            Flavour::Gate,
        )
        .unwrap();
        assert_eq!(v[0].vid, Some(VlanId::new(7).unwrap()));
        assert_eq!(v[0].zone, None);
        let z = parse_show_zone_prop_output("igb0:\nweb1_0:web1\n").unwrap();
        assert_eq!(
            z,
            vec![(ln("igb0"), None), (ln("web1_0"), Some(zn("web1")))]
        );
        // `?` (dladm could not read the property) is never taken for the global zone.
        let e = parse_show_zone_prop_output("igb0:\nnet3:?\n").unwrap_err();
        assert_eq!(e.line, 2);
        let rows = parse_show_zone_prop_rows("igb0:\nweb1_0:web1\nnet3:?\n").unwrap();
        assert_eq!(
            rows,
            vec![
                (ln("igb0"), ZoneProp::Global),
                (ln("web1_0"), ZoneProp::Zone(zn("web1"))),
                (ln("net3"), ZoneProp::Unreadable)
            ]
        );
    }

    #[test]
    fn parse_rejects_garbage() {
        assert!(parse_show_vnic_output("net0:e1000g0\n", Flavour::Joyent).is_err());
        let e =
            parse_show_vnic_output("net0:e1000g0:x:random:abc:--\n", Flavour::Joyent).unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.reason.contains("VID"));
        assert!(parse_show_vnic_output("0bad:e:x:r:0:--\n", Flavour::Joyent).is_err());
        assert!(parse_show_vnic_output("n0:e:x:r:0:bad zone\n", Flavour::Joyent).is_err());
        assert!(parse_show_zone_prop_output("a0:b:c\n").is_err());
        assert_eq!(parse_show_vnic_output("", Flavour::Gate).unwrap(), vec![]);
    }

    #[test]
    fn classifies_errors() {
        use DladmErrorKind::*;
        let cases = [
            ("dladm: invalid link name 'net0'\n", NotFound),
            (
                "dladm: link net0 is not valid: object not found\n",
                NotFound,
            ),
            (
                "dladm: invalid vnic name 'x0': object not found\n",
                NotFound,
            ),
            (
                "dladm: rename operation failed: object not found\n",
                NotFound,
            ),
            (
                "dladm: vnic creation over e1000g0 failed: object already exists\n",
                AlreadyExists,
            ),
            ("dladm: vnic deletion failed: link busy\n", LinkBusy),
            (
                "dladm: vnic creation over aggr0 failed: MAC address is already in use\n",
                MacInUse,
            ),
            ("dladm: invalid VLAN identifier '5000'\n", InvalidValue),
            (
                "dladm: warning: cannot set link property 'zone' on 'x0': invalid value\n",
                InvalidValue,
            ),
            (
                "dladm: rename operation failed: invalid argument\n",
                InvalidArgument,
            ),
            ("dladm: unknown output field: `zone'\n", UnknownField),
            ("dladm: link name too long 'aaaa'\n", Other),
            ("dladm: permission denied\n", PermissionDenied),
            (
                "dladm: rename operation failed: operation failed\n",
                DlmgmtdDown,
            ),
            (
                "dladm: link x0 is not valid: operation failed\n",
                DlmgmtdDown,
            ),
            // dladm.c `main`: dladm_open failing is about /dev/dld, not dlmgmtd's door.
            (
                "dladm: could not open /dev/dld: permission denied\n",
                PermissionDenied,
            ),
            ("dladm: could not open /dev/dld: no such device\n", Other),
        ];
        for (msg, kind) in cases {
            assert_eq!(parse_error_output(msg), kind, "{msg}");
        }
    }

    #[test]
    fn error_message_strips_prog() {
        assert_eq!(
            error_message("/usr/sbin/dladm: vnic deletion failed: link busy\n"),
            "vnic deletion failed: link busy"
        );
        assert_eq!(error_message(""), "failed with no message");
        assert_eq!(failure_message("\n", 1), "exited 1 with no message");
        assert_eq!(
            failure_message("dladm: invalid link name 'x'\n", 1),
            "invalid link name 'x'"
        );
        assert_eq!(
            error_message("dladm: invalid link name 'x'\nusage: delete-vnic ...\n"),
            "invalid link name 'x'"
        );
    }
}
