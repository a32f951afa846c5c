//! Output formats: human tables, parsable `-p -o` rows and escaping, show-linkprop
//! wrapping, and getopt-style command lines (permuted operands, long options).

mod dladm_support;

use dladm_support::Sim;

#[test]
fn parsable_output_escapes_only_with_several_fields() {
    let s = Sim::new("joyent");
    s.dladm(&[
        "create-vnic",
        "-t",
        "-l",
        "net0",
        "-m",
        "2:8:20:a:b:c",
        "-v",
        "42",
        "v0",
    ])
    .ok();
    assert_eq!(
        s.dladm(&["show-vnic", "-p", "-o", "LINK,MACADDRESS", "v0"])
            .ok(),
        "v0:2\\:8\\:20\\:a\\:b\\:c\n"
    );
    assert_eq!(
        s.dladm(&["show-vnic", "-p", "-o", "macaddress", "v0"]).ok(),
        "2:8:20:a:b:c\n",
        "one field: raw value, field names are case-insensitive"
    );
    assert_eq!(
        s.dladm(&[
            "show-vnic",
            "-p",
            "-o",
            "LINK,OVER,MACADDRESS,MACADDRTYPE,VID,ZONE"
        ])
        .ok(),
        "v0:net0:2\\:8\\:20\\:a\\:b\\:c:fixed:42:--\n",
        "ZONE is the literal -- even in parsable mode"
    );
    assert_eq!(
        s.dladm(&["show-phys", "-m", "-p", "-o", "ADDRESS", "net0"])
            .ok(),
        "0:14:4f:a0:0:1\n"
    );
    assert_eq!(
        s.dladm(&["show-link", "-p", "-o", "LINK,CLASS,OVER"]).ok(),
        "net0:phys:\ne1000g0:phys:\nstub0:etherstub:\nv0:vnic:net0\n"
    );
    assert_eq!(
        s.dladm(&["show-etherstub", "-p"]).ok(),
        "stub0\n",
        "show-etherstub defaults to the link field even with -p"
    );
    // A random MAC has the 2:8:20 prefix and prints unpadded.
    s.dladm(&["create-vnic", "-t", "-l", "stub0", "v1"]).ok();
    let mac = s
        .dladm(&["show-vnic", "-p", "-o", "MACADDRESS", "v1"])
        .ok()
        .trim()
        .to_string();
    assert!(mac.starts_with("2:8:20:"), "{mac}");
    assert!(mac
        .split(':')
        .all(|p| p.len() <= 2 && (p.len() == 1 || !p.starts_with('0'))));
    assert_eq!(
        s.dladm(&["show-vnic", "-p", "-o", "MACADDRTYPE,SPEED", "v1"])
            .ok(),
        "random:0\n"
    );
    assert_eq!(
        s.link("global", "v1").unwrap()["mtu"],
        9000,
        "MTU comes from the etherstub"
    );
}

#[test]
fn human_tables_match_dladm() {
    let s = Sim::new("joyent");
    s.dladm(&[
        "create-vnic",
        "-t",
        "-l",
        "net0",
        "-m",
        "2:8:20:a:b:c",
        "v0",
    ])
    .ok();
    assert_eq!(
        s.dladm(&["show-link"]).ok(),
        "LINK        CLASS     MTU    STATE    BRIDGE     OVER\n\
         net0        phys      1500   up       --         --\n\
         e1000g0     phys      1500   up       --         --\n\
         stub0       etherstub 9000   unknown  --         --\n\
         v0          vnic      1500   up       --         net0\n"
    );
    assert_eq!(
        s.dladm(&["show-vnic"]).ok(),
        "LINK         OVER       SPEED MACADDRESS        MACADDRTYPE VID  ZONE\n\
         v0           net0       1000  2:8:20:a:b:c      fixed       0    --\n"
    );
    assert_eq!(
        s.dladm(&["show-phys", "net0"]).ok(),
        "LINK         MEDIA                STATE      SPEED  DUPLEX    DEVICE\n\
         net0         Ethernet             up         1000   full      net0\n"
    );
    s.dladm(&[
        "set-linkprop",
        "-t",
        "-p",
        "protection=mac-nospoof,restricted",
        "v0",
    ])
    .ok();
    assert_eq!(
        s.dladm(&["show-linkprop", "-p", "zone,protection", "v0"])
            .ok(),
        "LINK         PROPERTY        PERM VALUE          DEFAULT        POSSIBLE\n\
         v0           zone            rw   --             --             -- \n\
         v0           protection      rw   mac-nospoof,   --             mac-nospoof,\n\
         \x20                                 restricted                    restricted,\n\
         \x20                                                               ip-nospoof,\n\
         \x20                                                               dhcp-nospoof \n"
    );
    // The header repeats every 24 rows when stdout is not a terminal.
    for i in 1..30 {
        s.dladm(&["create-vnic", "-t", "-l", "e1000g0", &format!("w{i}")])
            .ok();
    }
    let out = s.dladm(&["show-vnic", "-o", "link"]).ok().to_string();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 30 + 2);
    assert_eq!((lines[0], lines[24]), ("LINK", "LINK"));
}

#[test]
fn command_lines_are_parsed_like_getopt_long() {
    let s = Sim::new("joyent");
    // Operands before options (omicron xtask), long options, attached values.
    s.dladm(&[
        "create-vnic",
        "-t",
        "v0",
        "-l",
        "net0",
        "-m",
        "2:8:20:0:0:1",
    ])
    .ok();
    s.dladm(&[
        "create-vnic",
        "--temporary",
        "v1",
        "-le1000g0",
        "--mac-address=2:8:20:0:0:2",
    ])
    .ok();
    assert_eq!(s.link("global", "v1").unwrap()["over"], "e1000g0");
    assert_eq!(
        s.link("global", "v1").unwrap()["macaddress"],
        "2:8:20:0:0:2"
    );
    assert_eq!(
        s.dladm(&["show-vnic", "-p", "--output", "link", "v1"]).ok(),
        "v1\n"
    );
    // show-vnic takes dladm.c's `lopts`, which has no --parsable: getopt_long reports an
    // unknown long option with optopt 0, which dladm prints as a NUL character.
    let r = s.dladm(&["show-vnic", "--parsable", "-o", "link", "v1"]);
    assert_eq!(r.code, 1);
    assert!(r.err.ends_with(": unrecognized option '-\0'\nusage:     show-vnic        [-pP] [-l <link>] [-z zonename] [-s [-i <interval>]] [<link>]\n\n"), "{r:?}");
    assert_eq!(
        s.dladm(&[
            "show-linkprop",
            "--parseable",
            "-olink,value",
            "--prop=mtu",
            "v1"
        ])
        .ok(),
        "v1:1500\n"
    );
    assert_eq!(s.dladm(&["show-vnic", "-olink", "-p", "v0"]).ok(), "v0\n");
    // A `--` ends the options.
    let r = s.dladm(&["show-vnic", "-p", "-o", "link", "--", "-x"]);
    assert_eq!(r.code, 1);
    // POSIXLY_CORRECT stops at the first operand.
    let r: dladm_support::Run = s
        .cmd(dladm_support::DLADM)
        .env("POSIXLY_CORRECT", "1")
        .args(["create-vnic", "-t", "v9", "-l", "net0"])
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 1);
    assert!(r.err.starts_with("usage:  dladm"));
    assert!(s.link("global", "v9").is_none());
}

#[test]
fn no_subcommand_differs_by_flavour() {
    let j = Sim::new("joyent");
    let r = j.dladm(&[]);
    assert_eq!(r.code, 1);
    assert!(r.err.starts_with("usage:  dladm <subcommand> <args> ...\n    rename-link      [-z zonename] <oldlink> <newlink>\n"));
    let g = Sim::new("gate");
    assert!(g.dladm(&[]).ok().starts_with("LINK        CLASS"));
    // Current gate also has `help`: the usage text on stderr, exit 0; joyent does not.
    let r = g.dladm(&["help"]);
    assert_eq!((r.code, r.out.as_str()), (0, ""));
    assert!(r.err.starts_with("usage:  dladm <subcommand> <args> ...\n"));
    let r = j.dladm(&["help"]);
    assert_eq!(r.code, 1);
    assert!(r.err.contains(": unknown subcommand 'help'\n"));
}
