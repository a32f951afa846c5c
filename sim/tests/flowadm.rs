//! sim-flowadm: add-flow, remove-flow and show-flow as illumos flowadm.c and libdladm's
//! flowattr.c have them, joyent's `-z`, the flows in `illumos-sim state --json`, and a link's
//! flows going with it.

mod dladm_support;

use dladm_support::{Run, Sim};

fn flowadm(s: &Sim, args: &[&str]) -> Run {
    s.cmd(env!("CARGO_BIN_EXE_sim-flowadm"))
        .args(args)
        .output()
        .unwrap()
        .into()
}

const ADD: &[&str] = &[
    "add-flow",
    "-t",
    "-l",
    "v0",
    "-a",
    "transport=tcp,remote_port=25",
    "-p",
    "maxbw=0",
    "f2_8_20_0_0_1_br_25",
];

#[test]
fn smartos_blocked_port_flows_in_a_zone() {
    let s = Sim::new("joyent");
    s.zone("z1", true);
    s.dladm(&["create-vnic", "-t", "-l", "net0", "-p", "zone=z1", "tmp0"])
        .ok();
    s.dladm(&["rename-link", "-z", "z1", "tmp0", "net0"]).ok();
    for port in ["25", "587"] {
        flowadm(
            &s,
            &[
                "add-flow",
                "-t",
                "-l",
                "net0",
                "-z",
                "z1",
                "-a",
                &format!("transport=tcp,remote_port={port}"),
                "-p",
                "maxbw=0",
                &format!("f2_8_20_0_0_1_br_{port}"),
            ],
        )
        .ok();
    }
    let st = s.state();
    let flows = st["flows"].as_array().unwrap();
    assert_eq!(flows.len(), 2);
    assert_eq!(flows[0]["name"], "f2_8_20_0_0_1_br_25");
    assert_eq!(flows[0]["link"], "net0");
    assert_eq!(flows[0]["zone"], "z1");
    assert_eq!(flows[0]["attrs"]["remote_port"], "25");
    assert_eq!(flows[0]["attrs"]["transport"], "tcp");
    assert_eq!(flows[0]["props"]["maxbw"], "0");
    assert_eq!(
        flowadm(
            &s,
            &[
                "show-flow",
                "-p",
                "-o",
                "FLOW,LINK,PROTO,RPORT",
                "-z",
                "z1",
                "-l",
                "net0"
            ]
        )
        .ok(),
        "f2_8_20_0_0_1_br_25:net0:tcp:25\nf2_8_20_0_0_1_br_587:net0:tcp:587\n"
    );
    assert_eq!(
        flowadm(&s, &["show-flow"]).ok(),
        "FLOW        LINK        IPADDR                   PROTO  LPORT   RPORT   DSFLD\n\
         f2_8_20_0_0_1_br_25 net0 --                      tcp    --      25      --\n\
         f2_8_20_0_0_1_br_587 net0 --                     tcp    --      587     --\n"
    );
    // SmartOS's pre-halt clean-up: every flow of the link.
    flowadm(&s, &["remove-flow", "-t", "-z", "z1", "-l", "net0"]).ok();
    assert!(s.state()["flows"].as_array().unwrap().is_empty());
    // A link's flows go with it.
    s.dladm(&["create-vnic", "-t", "-l", "net0", "v1"]).ok();
    flowadm(
        &s,
        &[
            "add-flow",
            "-t",
            "-l",
            "v1",
            "-a",
            "transport=tcp,remote_port=25",
            "fx0",
        ],
    )
    .ok();
    assert_eq!(s.state()["flows"].as_array().unwrap().len(), 1);
    s.dladm(&["delete-vnic", "-t", "v1"]).ok();
    assert!(s.state()["flows"].as_array().unwrap().is_empty());
    assert!(s
        .log_lines()
        .iter()
        .any(|l| l.contains("sim-flowadm add-flow -t -l net0 -z z1")));
}

#[test]
fn errors() {
    let s = Sim::new("joyent");
    s.dladm(&["create-vnic", "-t", "-l", "net0", "v0"]).ok();
    flowadm(&s, ADD).ok();
    let fails = |args: &[&str], err: &str| flowadm(&s, args).fails_with(err);
    fails(ADD, "flowadm: add flow failed: object already exists\n");
    fails(
        &[
            "add-flow",
            "-l",
            "v0",
            "-a",
            "transport=tcp,remote_port=25",
            "other",
        ],
        "flowadm: add flow failed: a flow with identical attributes exists\n",
    );
    fails(
        &["add-flow", "-l", "v0", "-a", "transport=udp", "other"],
        "flowadm: add flow failed: flow(s) with incompatible attributes exists\n",
    );
    fails(
        &["add-flow", "-a", "transport=tcp", "f"],
        "flowadm: link is required\n",
    );
    fails(
        &["add-flow", "-l", "nosuch0", "-a", "transport=tcp", "f"],
        "flowadm: invalid link 'nosuch0'\n",
    );
    fails(
        &["add-flow", "-l", "v0", "-a", "transport=tcp"],
        "flowadm: flow name is required\n",
    );
    fails(
        &["add-flow", "-l", "v0", "-a", "transport=tcp", "transport"],
        "flowadm: flow name is required\n",
    );
    fails(
        &["add-flow", "-l", "v0", "-a", "color=red", "f"],
        "flowadm: invalid flow attribute specified\n",
    );
    fails(
        &[
            "add-flow",
            "-l",
            "v0",
            "-a",
            "transport=tcp,transport=udp",
            "f",
        ],
        "flowadm: invalid flow attribute specified\n",
    );
    fails(
        &[
            "add-flow",
            "-l",
            "v0",
            "-a",
            "transport=tcp",
            "-p",
            "color=red",
            "f",
        ],
        "flowadm: invalid flow property specified\n",
    );
    fails(
        &["add-flow", "-l", "v0", "-a", "remote_port=0", "f"],
        "flowadm: add flow failed: invalid port number\n",
    );
    fails(
        &["add-flow", "-l", "v0", "-a", "remote_port=65536", "f"],
        "flowadm: add flow failed: invalid port number\n",
    );
    fails(
        &["add-flow", "-l", "v0", "-a", "transport=ipx", "f"],
        "flowadm: add flow failed: invalid IP protocol\n",
    );
    fails(
        &["add-flow", "-l", "v0", "-a", "remote_ip=10.0.0.300", "f"],
        "flowadm: add flow failed: invalid IP address\n",
    );
    fails(
        &["add-flow", "-l", "v0", "-a", "remote_ip=10.0.0.1/0", "f"],
        "flowadm: add flow failed: invalid IP prefix length\n",
    );
    fails(
        &[
            "add-flow",
            "-l",
            "v0",
            "-a",
            "transport=tcp",
            "-p",
            "maxbw=100K",
            "f",
        ],
        "flowadm: add flow failed: minimum value for maxbw is 1.2M\n",
    );
    fails(
        &[
            "add-flow",
            "-l",
            "v0",
            "-a",
            "transport=tcp",
            &"f".repeat(128),
        ],
        "flowadm: flow name too long\n",
    );
    fails(
        &["remove-flow", "nosuch"],
        "flowadm: remove flow failed: object not found\n",
    );
    fails(
        &["show-flow", "nosuch"],
        "flowadm: invalid flow: 'nosuch'\n",
    );
    fails(&["show-flow", "-q"], "flowadm: unrecognized option '-q'\n");
    let r = flowadm(&s, &["remove-flow"]);
    assert_eq!(r.code, 1);
    assert!(
        r.err.starts_with("usage: flowadm <subcommand> <args>...\n"),
        "{r:?}"
    );
    let r = flowadm(&s, &["frob"]);
    assert!(
        r.err
            .starts_with("flowadm: unknown subcommand 'frob'\nusage:"),
        "{r:?}"
    );
    // Nothing was added by any of them.
    assert_eq!(s.state()["flows"].as_array().unwrap().len(), 1);
    // remove-flow by name.
    flowadm(&s, &["remove-flow", "-t", "f2_8_20_0_0_1_br_25"]).ok();
    assert!(s.state()["flows"].as_array().unwrap().is_empty());
}

#[test]
fn gate_has_no_zone_option() {
    let s = Sim::new("gate");
    s.dladm(&["create-vnic", "-t", "-l", "net0", "v0"]).ok();
    flowadm(&s, ADD).ok();
    let r = flowadm(&s, &["remove-flow", "-z", "z1", "-l", "v0"]);
    assert_eq!(r.code, 1);
    assert!(r.err.contains("unrecognized option '-z'"), "{r:?}");
    flowadm(&s, &["remove-flow", "-l", "v0"]).ok();
    assert!(s.state()["flows"].as_array().unwrap().is_empty());
}
