//! `netzone-verify`, the brand's verify_cfg hook, through the real binary.

mod check_support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use check_support::{one_net, Root, NET0_FIXED_MAC};

/// An executable script standing in for a brand's existing verify_cfg. It records its
/// arguments in `args.out` next to itself and exits with `status`.
fn fake_verify(dir: &Path, name: &str, status: i32) -> PathBuf {
    let p = dir.join(name);
    let out = dir.join(format!("{name}.args"));
    std::fs::write(
        &p,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$#\" \"$@\" > '{}'\necho 'brand: verify said {status}' >&2\nexit {status}\n",
            out.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

fn args_seen(dir: &Path, name: &str) -> Option<String> {
    std::fs::read_to_string(dir.join(format!("{name}.args"))).ok()
}

#[test]
fn valid_file_exits_0_silently() {
    let r = Root::new();
    let f = r.temp_file(
        "zonecfg.Xa1b2c",
        one_net("web1", r#"physical="net0" global-nic="igb0""#),
    );
    r.verify(&[f.to_str().unwrap()]).expect_ok();
}

#[test]
fn invalid_file_exits_1_with_every_message() {
    let r = Root::new();
    let f = r.temp_file(
        "zonecfg.Xa1b2c",
        one_net(
            "web1",
            r#"physical="net01" global-nic="igb0" vlan-id="4095""#,
        ),
    );
    let out = r.verify(&[f.to_str().unwrap()]);
    out.expect(1, "netzone: zone 'web1': net 'net01': physical 'net01': link name's number must not have a leading zero");
    out.expect(
        1,
        "netzone: zone 'web1': net 'net01': vlan-id '4095': VLAN id must be 1-4094",
    );
    assert_eq!(out.stdout, "");
}

#[test]
fn malformed_and_missing_files_exit_1() {
    let r = Root::new();
    let f = r.temp_file("trunc.xml", "<zone name=\"web1\"");
    r.verify(&[f.to_str().unwrap()])
        .expect_part(1, &format!("netzone: {}:1:1: malformed XML: ", f.display()));
    let missing = r.path().join("gone.xml");
    r.verify(&[missing.to_str().unwrap()])
        .expect_part(1, &format!("netzone: cannot read {}: ", missing.display()));
}

#[test]
fn mac_used_by_another_zone_is_refused() {
    let r = Root::new();
    r.add_zone("web2", one_net("web2", NET0_FIXED_MAC));
    let f = r.temp_file(
        "zonecfg.tmp",
        one_net(
            "web1",
            r#"physical="net0" global-nic="igb0" mac-addr="02:08:20:01:02:03""#,
        ),
    );
    r.verify(&[f.to_str().unwrap()]).expect(
        1,
        "netzone: zone 'web1': net 'net0': mac-addr '2:8:20:1:2:3': already used by zone 'web2' net 'net0'",
    );
}

#[test]
fn the_zones_own_current_file_is_not_a_conflict() {
    let r = Root::new();
    let xml = one_net("web1", NET0_FIXED_MAC);
    r.add_zone("web1", &xml);
    let f = r.temp_file("zonecfg.tmp", &xml);
    r.verify(&[f.to_str().unwrap()]).expect_ok();
}

#[test]
fn renaming_a_zone_is_not_a_conflict_with_its_old_name() {
    // zonecfg -z old "set zonename=new": the file to verify has the new name and the old
    // zonepath; the old file still lists the same MAC.
    let r = Root::new();
    let old = one_net("old", NET0_FIXED_MAC);
    r.add_zone("old", &old);
    let renamed = old.replace("name=\"old\"", "name=\"new\"");
    assert!(renamed.contains("zonepath=\"/zones/old\""));
    let f = r.temp_file("zonecfg.tmp", renamed);
    r.verify(&[f.to_str().unwrap()]).expect_ok();
    // A different zone with that MAC still conflicts.
    let other = one_net("new", NET0_FIXED_MAC);
    let f = r.temp_file("zonecfg.tmp2", other);
    r.verify(&[f.to_str().unwrap()]).expect_part(
        1,
        "mac-addr '2:8:20:1:2:3': already used by zone 'old' net 'net0'",
    );
}

#[test]
fn root_option_overrides_environment() {
    let r = Root::new();
    r.add_zone("web2", one_net("web2", NET0_FIXED_MAC));
    let f = r.temp_file("z.xml", one_net("web1", NET0_FIXED_MAC));
    let empty = tempfile::tempdir().unwrap();
    // NETZONE_ROOT (set by the helper) sees the conflict; -R pointing at an empty root does not.
    assert_eq!(r.verify(&[f.to_str().unwrap()]).code, 1);
    r.verify(&["-R", empty.path().to_str().unwrap(), f.to_str().unwrap()])
        .expect_ok();
}

#[test]
fn chain_runs_with_the_same_single_argument_and_both_pass() {
    let r = Root::new();
    let bin = fake_verify(r.path(), "brand-verify", 0);
    let f = r.temp_file(
        "zonecfg.Q1w2e3",
        one_net("web1", r#"physical="net0" global-nic="igb0""#),
    );
    let out = r.verify(&["--chain", bin.to_str().unwrap(), f.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        args_seen(r.path(), "brand-verify").unwrap(),
        format!("1\n{}\n", f.display()),
        "one argument, the file"
    );
    assert!(
        out.stderr.contains("brand: verify said 0"),
        "chained output passes through"
    );
}

#[test]
fn chain_args_come_before_the_file() {
    let r = Root::new();
    let bin = fake_verify(r.path(), "brand", 0);
    let f = r.temp_file(
        "z.xml",
        one_net("web1", r#"physical="net0" global-nic="igb0""#),
    );
    let out = r.verify(&[
        "--chain",
        bin.to_str().unwrap(),
        "--chain-arg",
        "verify_cfg",
        "--chain-arg",
        "-x; rm -rf /",
        f.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        args_seen(r.path(), "brand").unwrap(),
        format!("3\nverify_cfg\n-x; rm -rf /\n{}\n", f.display()),
        "words passed as they are, no shell"
    );
    // --chain-arg without --chain is a usage error.
    assert_eq!(r.verify(&["--chain-arg", "x", f.to_str().unwrap()]).code, 2);
}

#[test]
fn failing_chain_fails_a_valid_file() {
    let r = Root::new();
    let bin = fake_verify(r.path(), "brand-verify", 3);
    let f = r.temp_file(
        "z.xml",
        one_net("web1", r#"physical="net0" global-nic="igb0""#),
    );
    let out = r.verify(&["--chain", bin.to_str().unwrap(), f.to_str().unwrap()]);
    out.expect(
        1,
        &format!(
            "netzone: chained verify_cfg {} failed (exit status: 3)",
            bin.display()
        ),
    );
}

#[test]
fn chain_still_runs_when_netzone_refuses() {
    let r = Root::new();
    let bin = fake_verify(r.path(), "brand-verify", 0);
    let f = r.temp_file(
        "z.xml",
        one_net("web1", r#"physical="net0" global-nic="igb0" vlan-id="-1""#),
    );
    let out = r.verify(&["--chain", bin.to_str().unwrap(), f.to_str().unwrap()]);
    out.expect(
        1,
        "netzone: zone 'web1': net 'net0': vlan-id '-1': VLAN id must be 1-4094",
    );
    assert!(
        args_seen(r.path(), "brand-verify").is_some(),
        "both verdicts are shown"
    );
}

#[test]
fn chain_program_that_cannot_run() {
    let r = Root::new();
    let f = r.temp_file(
        "z.xml",
        one_net("web1", r#"physical="net0" global-nic="igb0""#),
    );
    let nope = r.path().join("no-such-verify");
    r.verify(&["--chain", nope.to_str().unwrap(), f.to_str().unwrap()])
        .expect_part(
            1,
            &format!(
                "netzone: cannot run chained verify_cfg {}: ",
                nope.display()
            ),
        );
}

#[test]
fn chain_argument_is_not_interpreted_by_a_shell() {
    let r = Root::new();
    let marker = r.path().join("pwned");
    let bin = format!("true; touch {}", marker.display());
    let f = r.temp_file(
        "z.xml",
        one_net("web1", r#"physical="net0" global-nic="igb0""#),
    );
    let out = r.verify(&["--chain", &bin, f.to_str().unwrap()]);
    assert_eq!(out.code, 1);
    assert!(!marker.exists(), "no shell ran the chain string");
}

#[test]
fn usage_errors_exit_2() {
    let r = Root::new();
    assert_eq!(r.verify(&[]).code, 2);
    assert_eq!(r.verify(&["a.xml", "b.xml"]).code, 2);
    assert_eq!(r.verify(&["--chain"]).code, 2);
    assert_eq!(r.verify(&["--bogus", "a.xml"]).code, 2);
}

#[test]
fn chain_that_hangs_is_killed_at_the_chain_deadline() {
    // A chained verify_cfg that never finishes, and one that exits but leaves a background
    // process holding its output: neither may hold zonecfg's commit.
    let r = Root::new();
    let f = r.temp_file(
        "z.xml",
        one_net("web1", r#"physical="net0" global-nic="igb0""#),
    );
    let hang = r.path().join("hang");
    std::fs::write(&hang, "#!/bin/sh\nsleep 30\n").unwrap();
    let bg = r.path().join("bg");
    std::fs::write(
        &bg,
        "#!/bin/sh\nsleep 30 &\necho 'brand: fine' >&2\nexit 0\n",
    )
    .unwrap();
    for p in [&hang, &bg] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let run = |prog: &Path| {
        let t = std::time::Instant::now();
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_netzone-verify"));
        c.args(["--chain", prog.to_str().unwrap(), f.to_str().unwrap()])
            .env("NETZONE_ROOT", r.path())
            .env("NETZONE_CHAIN_TIMEOUT", "1");
        r.host_env(&mut c);
        let out = c.output().unwrap();
        (out, t.elapsed())
    };
    let (out, took) = run(&hang);
    assert_eq!(out.status.code(), Some(1));
    assert!(took < std::time::Duration::from_secs(10), "{took:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "netzone: chained verify_cfg {} did not finish within 1 s and was killed (NETZONE_CHAIN_TIMEOUT)\n",
            hang.display()
        )
    );
    let (out, took) = run(&bg);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(took < std::time::Duration::from_secs(10), "{took:?}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "brand: fine\n");
}
