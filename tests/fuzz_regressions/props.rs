//! The properties netzone's parsers of untrusted text keep, whatever the bytes: what dladm and
//! zoneadm print (`-p -o` and `list -cip` output, dladm's error messages) and the arguments
//! zoneadmd hands the state-change hook. Each function takes arbitrary bytes and panics when a
//! property fails (or when the parser itself panics).
//!
//! One definition, three drivers: the cargo-fuzz targets in `fuzz/fuzz_targets/` include this file,
//! `tests/hostile_input.rs` runs it under proptest and replays every input under
//! `tests/fuzz_regressions/<target>/` (each one a crash a fuzzer found, kept after the fix).

use netzone::dladm::{self, VnicInfo};
use netzone::flavour::Flavour;
use netzone::hook::{self, HookArgs, HookOptions};
use netzone::output;
use netzone::zoneadm;

/// Lines a `lines()`-based parser sees as records.
fn records(text: &str, blank: impl Fn(&str) -> bool) -> usize {
    text.lines().filter(|l| !blank(l)).count()
}

/// Prints a VNIC back in dladm's parsable form for `flavour`.
fn vnic_line(v: &VnicInfo, flavour: Flavour) -> String {
    let mut f = vec![
        v.link.to_string(),
        v.over.clone(),
        v.mac.map(|m| m.to_string()).unwrap_or_default(),
        v.mac_type.clone(),
        v.vid.map_or("0".to_string(), |x| x.get().to_string()),
    ];
    if flavour == Flavour::Joyent {
        f.push(v.zone.as_ref().map_or("--".to_string(), |z| z.to_string()));
    }
    f.iter()
        .map(|x| output::escape_parsable(x))
        .collect::<Vec<_>>()
        .join(":")
}

/// dladm's `-p -o` output parsers, its error classifier, and the parsable-field splitters.
///
/// Properties: nothing panics; an accepted walk has one record per non-empty line, and printing
/// the records back in dladm's form parses to the same records; splitting joined escaped fields
/// gives the fields back (netzone's own `show -p` and dladm's share the convention); a
/// classified error message is one line.
pub fn dladm_output(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for flavour in [Flavour::Joyent, Flavour::Gate] {
        if let Ok(vnics) = dladm::parse_show_vnic_output(&text, flavour) {
            assert_eq!(vnics.len(), records(&text, str::is_empty));
            let back = vnics
                .iter()
                .map(|v| vnic_line(v, flavour))
                .collect::<Vec<_>>()
                .join("\n");
            let again = dladm::parse_show_vnic_output(&back, flavour)
                .unwrap_or_else(|e| panic!("printed back, refused: {e}\n{back}"));
            assert_eq!(again, vnics, "{back}");
        }
    }
    if let Ok(props) = dladm::parse_show_zone_prop_output(&text) {
        assert_eq!(props.len(), records(&text, str::is_empty));
    }
    let _ = dladm::parse_error_output(&text);
    let msg = dladm::error_message(&text);
    assert!(!msg.contains('\n') && !msg.is_empty(), "{msg:?}");

    // Field splitting: any fields (here separated by U+001F) escaped and joined split back.
    let fields: Vec<&str> = text.split('\u{1f}').collect();
    let line = fields
        .iter()
        .map(|f| output::escape_parsable(f))
        .collect::<Vec<_>>()
        .join(":");
    assert_eq!(dladm::split_parsable_line(&line), fields, "{line:?}");
    assert_eq!(output::split_parsable(&line), fields, "{line:?}");
    let _ = dladm::split_parsable_line(&text);
    let _ = output::split_parsable(&text);
}

/// Prints a zone back as `list -cip` does. zoneadm escapes `:` only in the zonepath (no other
/// field can hold one); netzone's parser unescapes `\:` in any field, so escape them all.
fn zone_line(z: &zoneadm::Zone) -> String {
    let esc = |s: &str| s.replace(':', "\\:");
    [
        z.id.map_or("-".to_string(), |i| i.to_string()),
        esc(&z.name),
        zoneadm::state_name(z.state).to_string(),
        esc(&z.path.to_string_lossy()),
        esc(z.uuid.as_deref().unwrap_or_default()),
        esc(&z.brand),
        // The `zone` crate's `Display` says `exclusive`, which its parser refuses.
        match z.ip_type {
            zoneadm::IpType::Shared => "shared",
            zoneadm::IpType::Exclusive => "excl",
        }
        .to_string(),
    ]
    .join(":")
}

/// `zoneadm list -cip` output.
///
/// Properties: nothing panics; an accepted listing has one zone per non-blank line; printing
/// the zones back the way zoneadm does parses to the same zones.
pub fn zoneadm_list(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(zones) = zoneadm::parse_list_output(&text) else {
        return;
    };
    assert_eq!(zones.len(), records(&text, |l| l.trim().is_empty()));
    let back = zones.iter().map(zone_line).collect::<Vec<_>>().join("\n");
    let again = zoneadm::parse_list_output(&back)
        .unwrap_or_else(|e| panic!("printed back, refused: {e}\n{back}"));
    // `zone::Zone` has no `PartialEq`; its `Debug` shows every field.
    assert_eq!(format!("{again:?}"), format!("{zones:?}"), "{back}");
}

/// The hook's arguments, the way a caller passes them (options, `--`, positionals).
fn hook_argv(o: &HookOptions, a: &HookArgs) -> Vec<String> {
    let mut v = Vec::new();
    for (flag, val) in [
        ("--chain", &o.chain),
        ("--chain-pre", &o.chain_pre),
        ("--chain-post", &o.chain_post),
    ] {
        if let Some(p) = val {
            v.push(flag.to_string());
            v.push(p.to_string_lossy().into_owned());
        }
    }
    if o.persistent {
        v.push("--persistent".to_string());
    }
    v.push("--".to_string());
    v.push(
        match a.phase {
            hook::Phase::Pre => "pre",
            hook::Phase::Post => "post",
        }
        .to_string(),
    );
    v.push(a.zone.to_string());
    v.push(a.zonepath.to_string_lossy().into_owned());
    v.push(a.state.to_string());
    v.push(a.cmd.to_string());
    if let Some(r) = &a.altroot {
        v.push(r.to_string_lossy().into_owned());
    }
    v
}

/// `netzone-statechange`'s argument parser, on argument lists cut from the bytes at NUL (an
/// argv can hold anything but NUL).
///
/// Properties: nothing panics; an accepted list has a valid zone name and passes the same
/// arguments back when printed as a caller would; the dispatch table answers for it.
pub fn statechange_args(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let args: Vec<String> = if text.is_empty() {
        Vec::new()
    } else {
        text.split('\0').map(str::to_string).collect()
    };
    let Ok((opts, parsed)) = hook::parse_args(&args) else {
        return;
    };
    assert!(netzone::zonename::ZoneName::new(parsed.zone.as_ref()).is_ok());
    assert!(parsed
        .altroot
        .as_ref()
        .is_none_or(|r| !r.as_os_str().is_empty()));
    let argv = hook_argv(&opts, &parsed);
    let again = hook::parse_args(&argv).unwrap_or_else(|e| panic!("{argv:?}: {e}"));
    assert_eq!(again, (opts, parsed.clone()), "{argv:?}");
    for f in [Flavour::Joyent, Flavour::Gate] {
        let act = hook::dispatch(f, parsed.phase, parsed.state, parsed.cmd);
        if act != hook::Action::Nothing {
            assert!(hook::may_act(parsed.phase, parsed.state, parsed.cmd));
        }
    }
}
