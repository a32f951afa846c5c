//! The hook fragments in `brand/` are pasted into a brand's `config.xml`, which zoneadm and
//! zoneadmd read with libxml2 (illumos-gate `usr/src/lib/libbrand/common/libbrand.c`,
//! `open_xml_file`, validating against brand.dtd.1). A fragment that is not well-formed XML
//! (above all a comment holding `--`, which XML 1.0 section 2.5 forbids) makes every zone of
//! that brand unusable, so each fragment is parsed strictly here.

use std::path::PathBuf;

use quick_xml::events::Event;

fn fragments() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("brand");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    v.sort();
    v
}

/// Parses `xml` strictly (comments checked, end tags matched) and returns the names of the
/// elements directly under the root, or the first error.
fn top_elements(xml: &str) -> Result<Vec<String>, String> {
    let mut r = quick_xml::Reader::from_str(xml);
    let c = r.config_mut();
    c.check_comments = true;
    c.check_end_names = true;
    let mut depth = 0usize;
    let mut names = Vec::new();
    loop {
        match r.read_event() {
            Err(e) => return Err(format!("at byte {}: {e}", r.buffer_position())),
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) => {
                if depth == 1 {
                    names.push(String::from_utf8_lossy(e.name().as_ref()).into_owned());
                }
                depth += 1;
            }
            Ok(Event::Empty(e)) => {
                if depth == 1 {
                    names.push(String::from_utf8_lossy(e.name().as_ref()).into_owned());
                }
            }
            Ok(Event::End(_)) => depth -= 1,
            Ok(_) => {}
        }
    }
    if depth != 0 {
        return Err("unclosed element".into());
    }
    Ok(names)
}

/// A fragment as it sits in a config.xml: its elements inside `<brand>`, with the
/// `<brand>` placeholder of its paths replaced by a brand name.
fn as_pasted(text: &str) -> String {
    let body = text
        .strip_prefix("<?xml version=\"1.0\"?>")
        .unwrap_or(text)
        .replace("/<brand>/", "/ipkg/");
    if body.contains("<brand ") {
        body
    } else {
        format!("<brand name=\"x\">\n{body}\n</brand>\n")
    }
}

#[test]
fn every_fragment_is_well_formed_and_carries_the_three_hooks() {
    let files = fragments();
    assert!(files.len() >= 4, "brand/ fragments missing: {files:?}");
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let names = top_elements(&as_pasted(&text))
            .unwrap_or_else(|e| panic!("{}: not well-formed XML: {e}", f.display()));
        for hook in ["prestatechange", "poststatechange", "verify_cfg"] {
            assert!(
                names.iter().any(|n| n == hook),
                "{}: no <{hook}> in {names:?}",
                f.display()
            );
        }
    }
}

#[test]
fn the_strict_parse_refuses_a_double_hyphen_in_a_comment() {
    // The check above must be able to fail: the mistake the fragments once had.
    let bad = as_pasted("<!-- run with --chain -->\n<verify_cfg>x</verify_cfg>");
    assert!(top_elements(&bad).is_err());
    let good = as_pasted("<!-- run with the chain option -->\n<verify_cfg>x</verify_cfg>");
    assert_eq!(top_elements(&good).unwrap(), vec!["verify_cfg".to_string()]);
    assert!(top_elements("<brand><a></b></brand>").is_err());
}
