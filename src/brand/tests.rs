use super::*;

/// An OmniOS-style brand (pkg5 `src/brand/ipkg/config.xml` layout, abridged): separate
/// prestate/poststate programs, an empty verify_cfg, a sysboot hook, comments, blank lines.
const IPKG: &str = r#"<?xml version="1.0"?>

<!-- the vendor's header comment -->

<!DOCTYPE brand PUBLIC "-//Sun Microsystems Inc//DTD Brands//EN"
    "file:///usr/share/lib/xml/dtd/brand.dtd.1">

<brand name="ipkg">
	<modname></modname>

	<initname>/sbin/init</initname>
	<login_cmd>/usr/bin/login -z %Z %u</login_cmd>
	<forcedlogin_cmd>/usr/bin/login -z %Z -f %u</forcedlogin_cmd>
	<user_cmd>/usr/bin/getent passwd %u</user_cmd>

	<!-- a comment between elements -->
	<install>/usr/lib/brand/ipkg/pkgcreatezone -z %z -R %R</install>
	<installopts>a:c:d:e:hk:P:p:suv</installopts>
	<boot></boot>
	<sysboot>/usr/lib/brand/ipkg/prestate %z %R 99 0</sysboot>
	<halt></halt>
	<shutdown>/usr/sbin/shutdown -y -g0 -i5</shutdown>
	<verify_cfg></verify_cfg>
	<verify_adm></verify_adm>
	<uninstall>/usr/lib/brand/ipkg/uninstall %z %R</uninstall>
	<prestatechange>/usr/lib/brand/ipkg/prestate %z %R</prestatechange>
	<poststatechange>/usr/lib/brand/ipkg/poststate %z %R</poststatechange>
	<query>/usr/lib/brand/shared/query %z %R</query>

	<privilege set="default" name="contract_event" />
	<privilege set="default" name="net_rawaccess" ip-type="exclusive" />
	<privilege set="required" name="sys_mount" />
</brand>
"#;

/// A SmartOS jcommon-style brand: one statechange program told pre|post, its own verify.
const JOYENT: &str = r#"<?xml version="1.0"?>
<!DOCTYPE brand PUBLIC "-//Joyent Inc//DTD Brands//EN" "file:///usr/share/lib/xml/dtd/brand.dtd.1">
<brand name="joyent" extra="kept">
  <modname></modname>
  <initname>/sbin/init</initname>
  <login_cmd>/usr/bin/login -z %Z %u</login_cmd>
  <forcedlogin_cmd>/usr/bin/login -z %Z -f %u</forcedlogin_cmd>
  <user_cmd>/usr/bin/getent passwd %u</user_cmd>
  <install>/usr/lib/brand/joyent/jinstall -z %z -R %R</install>
  <verify_cfg>/usr/lib/brand/joyent/verify %z</verify_cfg>
  <prestatechange>/usr/lib/brand/joyent/statechange pre %z %R</prestatechange>
  <poststatechange>/usr/lib/brand/joyent/statechange post %z %R</poststatechange>
  <privilege set="default" name="contract_event" />
</brand>
"#;

/// An OmniOS bhyve-style brand: self-closing empty hooks, `support prestate %z %R`.
const BHYVE: &str = r#"<?xml version="1.0"?>
<!DOCTYPE brand PUBLIC "-//Sun Microsystems Inc//DTD Brands//EN" "file:///usr/share/lib/xml/dtd/brand.dtd.1">
<brand name="bhyve">
	<modname></modname>
	<initname>/usr/lib/brand/bhyve/init</initname>
	<restartinit>false</restartinit>
	<login_cmd />
	<forcedlogin_cmd />
	<user_cmd />
	<install>/usr/lib/brand/bhyve/createzone -z %z -R %R</install>
	<verify_cfg />
	<verify_adm />
	<uninstall />
	<prestatechange>/usr/lib/brand/bhyve/support prestate %z %R</prestatechange>
	<poststatechange>/usr/lib/brand/bhyve/support poststate %z %R</poststatechange>
	<query />
	<privilege set="default" name="sys_mount" />
</brand>
"#;

fn progs() -> Programs {
    Programs::in_dir(Path::new("/opt/netzone/bin")).unwrap()
}

fn wrap(xml: &str, base: &str, name: &str) -> Result<String, WrapError> {
    let p = progs();
    wrap_config(
        xml,
        &WrapSpec {
            base,
            name,
            programs: &p,
        },
    )
}

/// The lines of `out` that differ from `input`'s, as (input line, output line) pairs, when the
/// documents have the same number of lines except `extra` added ones.
fn changed_lines<'a>(input: &'a str, out: &'a str) -> Vec<(&'a str, &'a str)> {
    let a: Vec<&str> = input.lines().collect();
    let b: Vec<&str> = out.lines().filter(|l| !l.contains(MARK)).collect();
    assert_eq!(a.len(), b.len(), "line counts differ:\n{out}");
    a.into_iter().zip(b).filter(|(x, y)| x != y).collect()
}

#[test]
fn omnios_prestate_poststate_are_chained_per_phase() {
    let out = wrap(IPKG, "ipkg", "ipkg-nz").unwrap();
    let changed = changed_lines(IPKG, &out);
    assert_eq!(
        changed,
        vec![
            ("<brand name=\"ipkg\">", "<brand name=\"ipkg-nz\">"),
            (
                "\t<verify_cfg></verify_cfg>",
                "\t<verify_cfg>/opt/netzone/bin/netzone-verify</verify_cfg>"
            ),
            (
                "\t<prestatechange>/usr/lib/brand/ipkg/prestate %z %R</prestatechange>",
                "\t<prestatechange>/opt/netzone/bin/netzone-statechange --order netzone-first \
                 --chain-pre /usr/lib/brand/ipkg/prestate pre %z %R</prestatechange>"
            ),
            (
                "\t<poststatechange>/usr/lib/brand/ipkg/poststate %z %R</poststatechange>",
                "\t<poststatechange>/opt/netzone/bin/netzone-statechange --order netzone-first \
                 --chain-post /usr/lib/brand/ipkg/poststate post %z %R</poststatechange>"
            ),
        ]
    );
    // --persistent (OmniOS): the same hooks, each netzone-statechange line with the option.
    let p = progs().with_persistent(true);
    let per = wrap_config(
        IPKG,
        &WrapSpec {
            base: "ipkg",
            name: "ipkg-nz",
            programs: &p,
        },
    )
    .unwrap();
    assert_eq!(
        per.matches("netzone-statechange --persistent --order")
            .count(),
        2,
        "{per}"
    );
    assert_eq!(per.replace(" --persistent", ""), out);
    // The mark sits just before the root, after the DOCTYPE.
    let mark = out.find(MARK).unwrap();
    assert!(out.find("<!DOCTYPE").unwrap() < mark && mark < out.find("<brand").unwrap());
    assert!(out.contains("derived from brand 'ipkg'"), "{out}");
    let s = scan(&out).unwrap();
    assert!(s.marked);
    assert_eq!(s.name, "ipkg-nz");
    // The sysboot hook is the base's (pseudo state 99 is not netzone's).
    assert!(out.contains("<sysboot>/usr/lib/brand/ipkg/prestate %z %R 99 0</sysboot>"));
}

#[test]
fn jcommon_statechange_is_chained_with_chain() {
    let out = wrap(JOYENT, "joyent", "joyent").unwrap();
    let s = scan(&out).unwrap();
    assert_eq!(
        s.hook("prestatechange"),
        Some(
            "/opt/netzone/bin/netzone-statechange --order netzone-first --chain \
             /usr/lib/brand/joyent/statechange pre %z %R"
        )
    );
    assert_eq!(
        s.hook("poststatechange"),
        Some(
            "/opt/netzone/bin/netzone-statechange --order netzone-first --chain \
             /usr/lib/brand/joyent/statechange post %z %R"
        )
    );
    assert_eq!(
        s.hook("verify_cfg"),
        Some("/opt/netzone/bin/netzone-verify --chain /usr/lib/brand/joyent/verify --chain-arg %z")
    );
    // Same name: an overlay; the other root attribute and the Joyent DOCTYPE are kept.
    assert!(
        out.contains("<brand name=\"joyent\" extra=\"kept\">"),
        "{out}"
    );
    assert!(out.contains("-//Joyent Inc//DTD Brands//EN"));
    assert!(out.contains("netzone brand config"));
    assert_eq!(changed_lines(JOYENT, &out).len(), 3);
}

#[test]
fn words_before_the_zone_become_chain_args() {
    let out = wrap(BHYVE, "bhyve", "bhyve-nz").unwrap();
    let s = scan(&out).unwrap();
    assert_eq!(
        s.hook("prestatechange"),
        Some(
            "/opt/netzone/bin/netzone-statechange --order netzone-first --chain-pre \
             /usr/lib/brand/bhyve/support --chain-pre-arg prestate pre %z %R"
        )
    );
    assert_eq!(
        s.hook("poststatechange"),
        Some(
            "/opt/netzone/bin/netzone-statechange --order netzone-first --chain-post \
             /usr/lib/brand/bhyve/support --chain-post-arg poststate post %z %R"
        )
    );
    // A self-closing empty verify_cfg becomes an element with netzone's program.
    assert!(out.contains("\t<verify_cfg>/opt/netzone/bin/netzone-verify</verify_cfg>\n"));
    assert!(out.contains("\t<verify_adm />\n\t<uninstall />"));
}

#[test]
fn missing_hooks_are_inserted_in_dtd_order() {
    let base = "<?xml version=\"1.0\"?>\n<brand name=\"min\">\n  <modname></modname>\n  \
                <initname>/sbin/init</initname>\n  <halt></halt>\n  <uninstall></uninstall>\n  \
                <query></query>\n  <privilege set=\"default\" name=\"sys_mount\" />\n</brand>\n";
    let out = wrap(base, "min", "min-nz").unwrap();
    let s = scan(&out).unwrap();
    assert_eq!(
        s.children,
        [
            "modname",
            "initname",
            "halt",
            "verify_cfg",
            "uninstall",
            "prestatechange",
            "poststatechange",
            "query",
            "privilege"
        ]
    );
    // Indented like their neighbours.
    assert!(
        out.contains("  <halt></halt>\n  <verify_cfg>/opt/netzone/bin/netzone-verify</verify_cfg>\n  <uninstall>"),
        "{out}"
    );
    // No base hooks: netzone's alone.
    assert_eq!(
        s.hook("prestatechange"),
        Some("/opt/netzone/bin/netzone-statechange pre %z %R")
    );
    // Every known element is in DTD order.
    let idx: Vec<usize> = s.children.iter().filter_map(|c| order_of(c)).collect();
    assert!(idx.windows(2).all(|w| w[0] <= w[1]), "{:?}", s.children);
    // Inserted at the end when nothing follows in the DTD (a brand without privileges).
    let tail = "<brand name=\"t\">\n<initname>/sbin/init</initname>\n</brand>\n";
    let s = scan(&wrap(tail, "t", "t2").unwrap()).unwrap();
    assert_eq!(
        s.children,
        [
            "initname",
            "verify_cfg",
            "prestatechange",
            "poststatechange"
        ]
    );
}

#[test]
fn wrapping_is_deterministic_and_keeps_entities() {
    let base = IPKG.replace(
        "<installopts>a:c:d:e:hk:P:p:suv</installopts>",
        "<installopts>a&amp;b&lt;c</installopts>",
    );
    let a = wrap(&base, "ipkg", "ipkg-nz").unwrap();
    assert_eq!(a, wrap(&base, "ipkg", "ipkg-nz").unwrap());
    assert!(a.contains("<installopts>a&amp;b&lt;c</installopts>"));
    // An escaped hook is read unescaped: `&#x25;z` is `%z`.
    let esc = IPKG.replace(
        "/usr/lib/brand/ipkg/prestate %z %R</prestatechange>",
        "/usr/lib/brand/ipkg/prestate &#x25;z %R</prestatechange>",
    );
    assert!(scan(&wrap(&esc, "ipkg", "n").unwrap())
        .unwrap()
        .hook("prestatechange")
        .unwrap()
        .contains("--chain-pre /usr/lib/brand/ipkg/prestate pre %z %R"));
}

#[test]
fn refuses_hooks_it_cannot_chain() {
    let cases: [(&str, &str); 8] = [
        // Oxide omicron1: arguments after %z %R.
        (
            "/usr/lib/brand/omicron1/brand -z %z -R %R prestatechange",
            "of the form 'PROGRAM [WORD...] %z %R'",
        ),
        ("/usr/lib/brand/x/pre %z", "of the form"),
        (
            "/usr/lib/brand/x/pre %z %R; rm -rf /",
            "';' is shell syntax",
        ),
        ("/usr/lib/brand/x/pre $ZONE %z %R", "'$' is shell syntax"),
        ("/usr/lib/brand/x/'pre' %z %R", "''' is shell syntax"),
        (
            "DEBUG=1 /usr/lib/brand/x/pre %z %R",
            "environment assignment",
        ),
        ("-x %z %R", "is not a program"),
        (
            "/opt/netzone/bin/netzone-statechange pre %z %R",
            "already runs netzone",
        ),
    ];
    for (hook, want) in cases {
        let xml = IPKG.replace(
            "/usr/lib/brand/ipkg/prestate %z %R</pre",
            &format!("{hook}</pre"),
        );
        assert_ne!(xml, IPKG);
        let e = wrap(&xml, "ipkg", "ipkg-nz").unwrap_err();
        assert!(e.to_string().contains(want), "{hook}: {e}");
        if !matches!(e, WrapError::AlreadyWrapped(_)) {
            assert!(e.to_string().contains("<prestatechange>"), "{e}");
        }
    }
    let xml = JOYENT.replace(
        "/usr/lib/brand/joyent/verify %z",
        "/usr/lib/brand/joyent/verify > /dev/null",
    );
    let e = wrap(&xml, "joyent", "j").unwrap_err();
    assert!(e.to_string().contains("<verify_cfg>"), "{e}");
    let xml = JOYENT.replace(
        "/usr/lib/brand/joyent/verify %z",
        "/opt/netzone/bin/netzone-verify",
    );
    assert!(matches!(
        wrap(&xml, "joyent", "j").unwrap_err(),
        WrapError::AlreadyWrapped(_)
    ));
}

#[test]
fn refuses_documents_that_are_not_the_base_brand() {
    assert!(matches!(
        wrap(IPKG, "sparse", "x").unwrap_err(),
        WrapError::NameMismatch { .. }
    ));
    assert!(matches!(
        wrap("<zone name=\"ipkg\"/>", "ipkg", "x").unwrap_err(),
        WrapError::Root(_)
    ));
    assert!(matches!(
        wrap("<brand><initname/></brand>", "ipkg", "x").unwrap_err(),
        WrapError::NoName
    ));
    assert!(matches!(
        wrap("<brand name=\"ipkg\"><initname>", "ipkg", "x").unwrap_err(),
        WrapError::Xml(_)
    ));
    assert!(matches!(
        wrap("<brand name=\"ipkg\"/>", "ipkg", "x").unwrap_err(),
        WrapError::Xml(_)
    ));
    let dup = IPKG.replace(
        "<query>",
        "<prestatechange>/a %z %R</prestatechange><query>",
    );
    assert_eq!(
        wrap(&dup, "ipkg", "x").unwrap_err(),
        WrapError::Duplicate("prestatechange")
    );
    let nested = IPKG.replace("<verify_cfg></verify_cfg>", "<verify_cfg><x/></verify_cfg>");
    assert_eq!(
        wrap(&nested, "ipkg", "x").unwrap_err(),
        WrapError::Nested("verify_cfg")
    );
    // A kernel brand (lx): derived under another name it could not boot; an overlay can.
    let lx = IPKG.replace("<modname></modname>", "<modname>lx_brand</modname>");
    let e = wrap(&lx, "ipkg", "ipkg-nz").unwrap_err();
    assert_eq!(e, WrapError::KernelBrand("lx_brand".into()));
    assert!(e.to_string().contains("netzone brand smf"), "{e}");
    assert!(wrap(&lx, "ipkg", "ipkg").is_ok());
    assert_eq!(scan(&lx).unwrap().modname, "lx_brand");
    // A file netzone wrote is not wrapped again.
    let once = wrap(IPKG, "ipkg", "ipkg").unwrap();
    assert!(matches!(
        wrap(&once, "ipkg", "ipkg").unwrap_err(),
        WrapError::AlreadyWrapped(_)
    ));
}

#[test]
fn names_and_program_directories() {
    for ok in ["ipkg", "ipkg-nz", "joyent_minimal", "lx2.6", "A1"] {
        validate_name(ok).unwrap();
    }
    for bad in ["", ".x", "-x", "a--b", "a b", "a/b", "a;b", &"x".repeat(65)] {
        assert!(validate_name(bad).is_err(), "{bad:?}");
    }
    assert!(Programs::in_dir(Path::new("opt/netzone/bin")).is_err());
    assert!(Programs::in_dir(Path::new("/opt/net zone/bin")).is_err());
    assert!(Programs::in_dir(Path::new("/opt/%z/bin")).is_err());
    let p = Programs::in_dir(Path::new("/usr/lib/netzone")).unwrap();
    assert_eq!(p.verify, Path::new("/usr/lib/netzone/netzone-verify"));
}

fn put(root: &Path, brand: &str, xml: &str, platform: bool) {
    let d = brand_dir(root, brand);
    fs::create_dir_all(&d).unwrap();
    fs::write(d.join("config.xml"), xml).unwrap();
    if platform {
        fs::write(
            d.join("platform.xml"),
            "<?xml version=\"1.0\"?>\n<platform name=\"ipkg\" allow-exclusive-ip=\"true\"/>\n",
        )
        .unwrap();
    }
}

#[test]
fn install_writes_the_brand_once_and_links_platform_xml() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    put(root, "ipkg", IPKG, true);
    let r = install(root, "ipkg", "ipkg-nz", &progs()).unwrap();
    assert!(r.config_changed && r.platform_changed);
    let cfg = fs::read_to_string(r.dir.join("config.xml")).unwrap();
    assert_eq!(cfg, wrap(IPKG, "ipkg", "ipkg-nz").unwrap());
    assert_eq!(
        fs::read_link(r.dir.join("platform.xml")).unwrap(),
        Path::new("../ipkg/platform.xml")
    );
    // The link resolves (under the alternate root too).
    assert!(fs::read_to_string(r.dir.join("platform.xml"))
        .unwrap()
        .contains("<platform"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let m = fs::metadata(r.dir.join("config.xml"))
            .unwrap()
            .permissions();
        assert_eq!(m.mode() & 0o777, 0o444);
    }
    // Again: nothing changes.
    let again = install(root, "ipkg", "ipkg-nz", &progs()).unwrap();
    assert!(!again.config_changed && !again.platform_changed);
    // The base changed (a package update): the derived brand follows.
    put(root, "ipkg", &IPKG.replace("sys_mount", "sys_time"), true);
    let upd = install(root, "ipkg", "ipkg-nz", &progs()).unwrap();
    assert!(upd.config_changed && !upd.platform_changed);
    assert!(fs::read_to_string(upd.dir.join("config.xml"))
        .unwrap()
        .contains("sys_time"));
    // A platform.xml copy (not the link) in netzone's directory is replaced by the link.
    fs::remove_file(upd.dir.join("platform.xml")).unwrap();
    fs::write(upd.dir.join("platform.xml"), "<platform/>").unwrap();
    assert!(
        install(root, "ipkg", "ipkg-nz", &progs())
            .unwrap()
            .platform_changed
    );
    assert!(fs::symlink_metadata(upd.dir.join("platform.xml"))
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn install_refuses_what_it_did_not_make() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // No base brand: the message names the path.
    let e = install(root, "ipkg", "ipkg-nz", &progs()).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.starts_with("brand 'ipkg': ")
            && msg.contains("usr/lib/brand/ipkg/config.xml: no such brand"),
        "{msg}"
    );
    // A base without platform.xml.
    put(root, "ipkg", IPKG, false);
    let e = install(root, "ipkg", "ipkg-nz", &progs()).unwrap_err();
    assert!(e.to_string().contains("ipkg/platform.xml: missing"), "{e}");
    put(root, "ipkg", IPKG, true);
    // Another brand already called NEW.
    put(root, "other", &IPKG.replace("\"ipkg\"", "\"other\""), true);
    let e = install(root, "ipkg", "other", &progs()).unwrap_err();
    assert!(
        e.to_string()
            .contains("other/config.xml: exists and was not made by netzone"),
        "{e}"
    );
    assert_eq!(
        fs::read_to_string(brand_dir(root, "other").join("config.xml")).unwrap(),
        IPKG.replace("\"ipkg\"", "\"other\"")
    );
    // A directory with something else in it.
    fs::create_dir_all(brand_dir(root, "busy")).unwrap();
    fs::write(brand_dir(root, "busy").join("notes"), "x").unwrap();
    let e = install(root, "ipkg", "busy", &progs()).unwrap_err();
    assert!(e.to_string().contains("busy: exists, is not empty"), "{e}");
    // An empty directory is taken.
    fs::create_dir_all(brand_dir(root, "empty")).unwrap();
    install(root, "ipkg", "empty", &progs()).unwrap();
    // The same name, and invalid names.
    assert!(install(root, "ipkg", "ipkg", &progs())
        .unwrap_err()
        .to_string()
        .contains("name of its own"));
    assert!(matches!(
        install(root, "ipkg", "../x", &progs()).unwrap_err(),
        BrandError::Name { .. }
    ));
    // A base netzone already wraps.
    let e = install(root, "empty", "twice", &progs()).unwrap_err();
    assert!(e.to_string().contains("already runs netzone"), "{e}");
}

#[test]
fn config_reads_only() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    put(root, "joyent", JOYENT, true);
    let before: Vec<_> = fs::read_dir(brand_dir(root, "joyent")).unwrap().collect();
    let out = config(root, "joyent", "joyent", &progs()).unwrap();
    assert!(out.contains("--chain /usr/lib/brand/joyent/statechange pre %z %R"));
    let after: Vec<_> = fs::read_dir(brand_dir(root, "joyent")).unwrap().collect();
    assert_eq!(before.len(), after.len());
    assert_eq!(
        fs::read_to_string(brand_dir(root, "joyent").join("config.xml")).unwrap(),
        JOYENT
    );
}

mod props {
    use super::*;
    use proptest::prelude::*;

    /// A base brand: some DTD elements in order, with texts; the three hooks, when present,
    /// in one of the forms netzone chains.
    #[derive(Debug, Clone)]
    struct Base {
        elements: Vec<(&'static str, String)>,
    }

    impl Base {
        fn xml(&self) -> String {
            let mut x = String::from(
                "<?xml version=\"1.0\"?>\n<!DOCTYPE brand PUBLIC \"-//Sun Microsystems Inc//DTD Brands//EN\" \"file:///usr/share/lib/xml/dtd/brand.dtd.1\">\n<brand name=\"base\">\n",
            );
            for (tag, text) in &self.elements {
                if *tag == "privilege" {
                    x += "\t<privilege set=\"default\" name=\"sys_mount\" />\n";
                } else if text.is_empty() {
                    x += &format!("\t<{tag} />\n");
                } else {
                    x += &format!("\t<{tag}>{text}</{tag}>\n");
                }
            }
            x + "</brand>\n"
        }
    }

    fn word() -> impl Strategy<Value = String> {
        "[a-z0-9][a-z0-9._-]{0,7}"
    }

    fn statechange(phase: &'static str) -> impl Strategy<Value = String> {
        prop_oneof![
            word().prop_map(move |p| format!("/usr/lib/brand/b/{p} {phase} %z %R")),
            (word(), proptest::collection::vec(word(), 0..3)).prop_map(|(p, w)| {
                let mut l = format!("/usr/lib/brand/b/{p}");
                for x in w {
                    l += &format!(" {x}");
                }
                l + " %z %R"
            }),
            Just(String::new()),
        ]
    }

    fn base() -> impl Strategy<Value = Base> {
        (
            proptest::collection::vec(any::<bool>(), DTD_ORDER.len()),
            proptest::collection::vec("[A-Za-z0-9 /%:._-]{0,16}", DTD_ORDER.len()),
            statechange("pre"),
            statechange("post"),
            proptest::option::of((word(), proptest::collection::vec(word(), 0..2))),
        )
            .prop_map(|(present, texts, pre, post, verify)| {
                let mut elements = Vec::new();
                for (i, tag) in DTD_ORDER.iter().enumerate() {
                    // initname and privilege are required by the DTD.
                    if !(present[i] || *tag == "initname" || *tag == "privilege") {
                        continue;
                    }
                    let text = match *tag {
                        "prestatechange" => pre.clone(),
                        "poststatechange" => post.clone(),
                        "verify_cfg" => verify
                            .as_ref()
                            .map(|(p, w)| {
                                std::iter::once(format!("/usr/lib/brand/b/{p}"))
                                    .chain(w.iter().cloned())
                                    .collect::<Vec<_>>()
                                    .join(" ")
                            })
                            .unwrap_or_default(),
                        "modname" => String::new(),
                        _ => texts[i].trim().to_string(),
                    };
                    elements.push((*tag, text));
                }
                Base { elements }
            })
    }

    /// The lines that are neither a hook, the root, nor netzone's mark.
    fn kept(xml: &str) -> Vec<&str> {
        xml.lines()
            .filter(|l| {
                !(HOOKS.iter().any(|h| l.contains(&format!("<{h}")))
                    || l.contains(MARK)
                    || l.starts_with("<brand "))
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Wrapping keeps every other line, puts the three hooks in DTD order, chains the
        /// base's programs, and refuses to wrap its own output.
        #[test]
        fn wrapping_keeps_the_rest_and_orders_the_hooks(b in base()) {
            let input = b.xml();
            let out = wrap(&input, "base", "derived").unwrap();
            prop_assert_eq!(kept(&input), kept(&out));
            let s = scan(&out).unwrap();
            prop_assert_eq!(&s.name, "derived");
            let mut want: Vec<&str> = b.elements.iter().map(|(t, _)| *t).collect();
            for h in HOOKS {
                if !want.contains(&h) {
                    want.push(h);
                }
            }
            want.sort_by_key(|t| order_of(t));
            prop_assert_eq!(s.children.iter().map(String::as_str).collect::<Vec<_>>(), want);
            for (tag, text) in &b.elements {
                if !HOOKS.contains(tag) || text.is_empty() {
                    continue;
                }
                let program = text.split_whitespace().next().unwrap();
                let hook = s.hook(tag).unwrap();
                prop_assert!(hook.contains(&format!(" {program} ")) || hook.ends_with(&format!(" {program}")), "{}", hook);
            }
            prop_assert!(matches!(wrap(&out, "derived", "again"), Err(WrapError::AlreadyWrapped(_))));
        }
    }
}
