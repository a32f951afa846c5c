//! `dist/build.sh`: the proto area, the IPS manifest's form and the SmartOS tarball. On Linux
//! nothing can publish or lint an IPS package, so this checks what pkgsend/pkglint would
//! reject first: every action well-formed, the package attributes present, every file and
//! directory action matching the proto area (path, mode) and the other way round, dependencies
//! stated.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bindir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_netzone"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn build(out: &Path, extra: &[&str]) -> Output {
    Command::new("sh")
        .arg(repo().join("dist/build.sh"))
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .expect("sh dist/build.sh")
}

/// One action of a p5m: its name and its attributes, in order.
#[derive(Debug)]
struct Action {
    name: String,
    attrs: Vec<(String, String)>,
}

impl Action {
    fn get(&self, k: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses a p5m: `#` comments, `\` continuation lines, `name key=value ...` with values
/// optionally double-quoted. Returns an error naming the line for anything else.
fn parse_p5m(text: &str) -> Result<Vec<Action>, String> {
    let mut logical = Vec::new();
    let mut cur = String::new();
    for line in text.lines() {
        if cur.is_empty() && (line.trim().is_empty() || line.trim_start().starts_with('#')) {
            continue;
        }
        if let Some(l) = line.strip_suffix('\\') {
            cur.push_str(l);
            cur.push(' ');
            continue;
        }
        cur.push_str(line);
        logical.push(std::mem::take(&mut cur));
    }
    if !cur.is_empty() {
        return Err(format!("continuation at end of file: {cur}"));
    }
    let mut out = Vec::new();
    for l in logical {
        let mut chars = l.trim().chars().peekable();
        let name: String = chars.by_ref().take_while(|c| !c.is_whitespace()).collect();
        if ![
            "set", "dir", "file", "depend", "license", "link", "hardlink",
        ]
        .contains(&name.as_str())
        {
            return Err(format!("unknown action '{name}': {l}"));
        }
        let mut attrs = Vec::new();
        loop {
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
            if chars.peek().is_none() {
                break;
            }
            let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
            if key.is_empty()
                || !key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
            {
                return Err(format!("bad attribute name '{key}': {l}"));
            }
            let value = if chars.peek() == Some(&'"') {
                chars.next();
                let mut v = String::new();
                let mut closed = false;
                for c in chars.by_ref() {
                    if c == '"' {
                        closed = true;
                        break;
                    }
                    v.push(c);
                }
                if !closed {
                    return Err(format!("unterminated quoted value: {l}"));
                }
                if chars.peek().is_some_and(|c| !c.is_whitespace()) {
                    return Err(format!("text after a quoted value: {l}"));
                }
                v
            } else {
                chars.by_ref().take_while(|c| !c.is_whitespace()).collect()
            };
            if value.is_empty() {
                return Err(format!("empty value for '{key}': {l}"));
            }
            attrs.push((key, value));
        }
        out.push(Action { name, attrs });
    }
    Ok(out)
}

/// Every path under `root` (relative), split into directories and files.
fn walk(root: &Path, rel: &Path, dirs: &mut BTreeSet<String>, files: &mut BTreeSet<String>) {
    for e in std::fs::read_dir(root.join(rel)).unwrap() {
        let e = e.unwrap();
        let p = rel.join(e.file_name());
        let s = p.to_string_lossy().into_owned();
        if e.file_type().unwrap().is_dir() {
            dirs.insert(s);
            walk(root, &p, dirs, files);
        } else {
            files.insert(s);
        }
    }
}

/// Checks a manifest against its proto area; returns every problem.
fn check_manifest(actions: &[Action], proto: &Path) -> Vec<String> {
    let mut errs = Vec::new();
    let set = |n: &str| {
        actions
            .iter()
            .find(|a| a.name == "set" && a.get("name") == Some(n))
            .and_then(|a| a.get("value"))
    };
    for required in [
        "pkg.fmri",
        "pkg.summary",
        "pkg.description",
        "info.classification",
        "variant.arch",
    ] {
        if set(required).is_none() {
            errs.push(format!("no set action for {required}"));
        }
    }
    if let Some(f) = set("pkg.fmri") {
        let ok = f
            .strip_prefix("pkg://")
            .and_then(|r| r.split_once('/'))
            .map(|(_, r)| r)
            .or_else(|| f.strip_prefix("pkg:/"))
            .and_then(|r| r.split_once('@'))
            .is_some_and(|(name, ver)| {
                !name.is_empty()
                    && ver
                        .split([',', '-'])
                        .all(|p| !p.is_empty() && p.split('.').all(|n| n.parse::<u64>().is_ok()))
            });
        if !ok {
            errs.push(format!(
                "pkg.fmri '{f}' is not pkg:/NAME@VERSION[,BUILD][-BRANCH]"
            ));
        }
    }
    if let Some(c) = set("info.classification") {
        if !c.starts_with("org.opensolaris.category.2008:") {
            errs.push(format!("info.classification '{c}'"));
        }
    }
    let (mut dirs, mut files) = (BTreeSet::new(), BTreeSet::new());
    walk(proto, Path::new(""), &mut dirs, &mut files);
    dirs.remove("opt"); // the system's
    let mut seen_dirs = BTreeSet::new();
    let mut seen_files = BTreeSet::new();
    for a in actions {
        match a.name.as_str() {
            "set" if a.get("name").is_none() || a.get("value").is_none() => {
                errs.push(format!("set without name or value: {a:?}"));
            }
            "dir" | "file" => {
                let (Some(path), Some(owner), Some(group), Some(mode)) =
                    (a.get("path"), a.get("owner"), a.get("group"), a.get("mode"))
                else {
                    errs.push(format!("{} lacks path/owner/group/mode: {a:?}", a.name));
                    continue;
                };
                if path.starts_with('/') || path.contains("..") {
                    errs.push(format!("path '{path}' must be relative to the image root"));
                }
                if owner != "root" || !["bin", "sys"].contains(&group) {
                    errs.push(format!("{path}: owner {owner} group {group}"));
                }
                let Ok(m) = u32::from_str_radix(mode, 8) else {
                    errs.push(format!("{path}: mode '{mode}' is not octal"));
                    continue;
                };
                if mode.len() != 4 {
                    errs.push(format!("{path}: mode '{mode}' is not four digits"));
                }
                let on_disk = proto.join(path);
                match std::fs::metadata(&on_disk) {
                    Err(_) => errs.push(format!("{path}: not in the proto area")),
                    Ok(md) => {
                        if (a.name == "dir") != md.is_dir() {
                            errs.push(format!("{path}: {} action for the wrong kind", a.name));
                        }
                        if md.permissions().mode() & 0o7777 != m {
                            errs.push(format!(
                                "{path}: mode {mode} but {:o} in the proto area",
                                md.permissions().mode() & 0o7777
                            ));
                        }
                    }
                }
                if let Some(parent) = Path::new(path).parent() {
                    let p = parent.to_string_lossy();
                    if p != "opt"
                        && !actions
                            .iter()
                            .any(|d| d.name == "dir" && d.get("path") == Some(&p))
                    {
                        errs.push(format!("{path}: no dir action for its parent {p}"));
                    }
                }
                if a.name == "dir" {
                    seen_dirs.insert(path.to_string());
                } else {
                    seen_files.insert(path.to_string());
                }
            }
            "depend" => {
                let ok = a.get("fmri").is_some_and(|f| f.starts_with("pkg:/"))
                    && a.get("type")
                        .is_some_and(|t| ["require", "optional", "incorporate"].contains(&t));
                if !ok {
                    errs.push(format!("depend needs fmri=pkg:/... and a type: {a:?}"));
                }
            }
            _ => {}
        }
    }
    for d in dirs.difference(&seen_dirs) {
        errs.push(format!("{d}: in the proto area but no dir action"));
    }
    for f in files.difference(&seen_files) {
        errs.push(format!("{f}: in the proto area but no file action"));
    }
    errs
}

#[test]
fn build_sh_makes_a_well_formed_ips_package_and_a_tarball() {
    let out = tempfile::tempdir().unwrap();
    let bin = bindir().display().to_string();
    let o = build(
        out.path(),
        &["--bin-dir", &bin, "--version", "0.1.0", "--arch", "i386"],
    );
    assert!(
        o.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let proto = out.path().join("proto");
    for f in [
        "opt/netzone/bin/netzone",
        "opt/netzone/bin/netzone-statechange",
        "opt/netzone/bin/netzone-verify",
        "opt/netzone/share/man/man8/netzone.8",
        "opt/netzone/share/man/man7/netzone.7",
        "opt/netzone/share/brand/wrap-prestate.xml",
    ] {
        assert!(proto.join(f).is_file(), "{f}");
    }
    // The packaged binary is the one built, and runs.
    let v = Command::new(proto.join("opt/netzone/bin/netzone"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&v.stdout).starts_with("netzone "));

    let text = std::fs::read_to_string(out.path().join("netzone.p5m")).unwrap();
    let actions = parse_p5m(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let errs = check_manifest(&actions, &proto);
    assert!(errs.is_empty(), "{errs:#?}\n{text}");
    let fmri = actions
        .iter()
        .find(|a| a.get("name") == Some("pkg.fmri"))
        .unwrap()
        .get("value")
        .unwrap();
    assert_eq!(fmri, "pkg://netzone/system/zones/netzone@0.1.0,5.11-0");
    let deps: Vec<&str> = actions
        .iter()
        .filter(|a| a.name == "depend")
        .filter_map(|a| a.get("fmri"))
        .collect();
    assert!(deps.contains(&"pkg:/system/zones"), "{deps:?}");
    assert!(
        deps.contains(&"pkg:/system/library/gcc-runtime"),
        "{deps:?}"
    );

    // The tarball holds netzone/... (for -C /opt), exactly the proto's files, owned by root.
    let tgz = out.path().join("netzone-0.1.0-i386.tar.gz");
    let l = Command::new("tar").arg("-tzvf").arg(&tgz).output().unwrap();
    assert!(l.status.success());
    let listing = String::from_utf8_lossy(&l.stdout);
    let mut in_tar = BTreeSet::new();
    for line in listing.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        assert!(
            f[1].starts_with("0/0") || f[1].starts_with("root/"),
            "{line}"
        );
        let name = f.last().unwrap().trim_end_matches('/');
        if !line.starts_with('d') {
            in_tar.insert(format!("opt/{name}"));
        }
    }
    let (mut dirs, mut files) = (BTreeSet::new(), BTreeSet::new());
    walk(&proto, Path::new(""), &mut dirs, &mut files);
    assert_eq!(in_tar, files);
}

#[test]
fn the_manifest_check_catches_what_it_checks() {
    let out = tempfile::tempdir().unwrap();
    let bin = bindir().display().to_string();
    assert!(build(out.path(), &["--bin-dir", &bin]).status.success());
    let proto = out.path().join("proto");
    let good = std::fs::read_to_string(out.path().join("netzone.p5m")).unwrap();
    let broken = [
        good.replace("set name=pkg.summary", "set name=pkg.sumary"),
        good.replace("mode=0555", "mode=0755"),
        good.replace(
            "file path=opt/netzone/bin/netzone-verify owner=root group=bin mode=0555\n",
            "",
        ),
        good.replace(
            "dir  path=opt/netzone/share/xml owner=root group=bin mode=0755\n",
            "",
        ),
        good.replace(" owner=root group=bin mode=0444", " owner=root mode=0444"),
        good.replace("@0.1.0", "@0.x"),
        good.replace(
            "depend type=require fmri=pkg:/system/zones",
            "depend fmri=pkg:/system/zones",
        ),
        good.replace(
            "file path=opt/netzone/bin/netzone ",
            "file path=opt/netzone/bin/netzonx ",
        ),
    ];
    for b in broken {
        assert_ne!(b, good);
        let errs = parse_p5m(&b)
            .map(|a| check_manifest(&a, &proto))
            .unwrap_or_else(|e| vec![e]);
        assert!(!errs.is_empty(), "not caught:\n{b}");
    }
    for bad in [
        "frob path=x",
        "set name=\"a b",
        "dir path=x owner=",
        "set name=a \\",
    ] {
        assert!(parse_p5m(bad).is_err(), "{bad}");
    }
}

#[test]
fn build_sh_refuses_bad_input() {
    let out = tempfile::tempdir().unwrap();
    let o = build(out.path(), &["--bin-dir", "/nonexistent"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("/nonexistent/netzone: not an executable file")
    );
    let bin = bindir().display().to_string();
    for (args, want) in [
        (
            vec!["--bin-dir", bin.as_str(), "--version", "1.x"],
            "is not dot-separated numbers",
        ),
        (
            vec!["--bin-dir", bin.as_str(), "--publisher", "a b"],
            "publisher 'a b'",
        ),
        (vec!["--frob"], "unknown argument '--frob'"),
    ] {
        let o = build(out.path(), &args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains(want),
            "{args:?}"
        );
    }
    assert!(!out.path().join("netzone.p5m").exists());
}

#[test]
fn build_sh_is_posix_sh() {
    let script = repo().join("dist/build.sh");
    let s = script.to_str().unwrap();
    let o = Command::new("sh").args(["-n", s]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for (prog, args) in [("dash", vec!["-n", s]), ("shellcheck", vec!["-s", "sh", s])] {
        match Command::new(prog).args(&args).output() {
            Ok(o) => assert!(
                o.status.success(),
                "{prog}: {}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ),
            Err(_) => eprintln!("{prog} not installed: skipped"),
        }
    }
}
