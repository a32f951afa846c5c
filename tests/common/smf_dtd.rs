//! illumos's `service_bundle` DTD (illumos-gate `usr/src/cmd/svc/dtd/service_bundle.dtd.1`) for
//! the SMF manifests netzone writes (`smf/netzone-gc.xml`, `netzone brand smf`), shared by
//! `tests/smf.rs` and `tests/brand.rs`, which declare it with `#[path]`.
//!
//! The DTD's rules for the elements such manifests use are restated below as data (the content
//! model of each element as a sequence of particles, and its attributes: required or not, and
//! the values an enumerated one may take); [`validate`] checks a document against them. No XML
//! validator is installed on the build machine, and the DTD itself is not shipped here.
#![allow(dead_code)]

use std::collections::BTreeMap;

use quick_xml::events::Event;
use quick_xml::Reader;

/// An element of the parsed document.
#[derive(Debug, Clone)]
pub struct Elem {
    pub name: String,
    pub attrs: BTreeMap<String, String>,
    pub children: Vec<Elem>,
    pub text: String,
}

/// Parses `xml` into its document node (named `#document`), whose children are the root.
pub fn parse(xml: &str) -> Elem {
    let mut r = Reader::from_str(xml);
    let mut stack: Vec<Elem> = vec![Elem {
        name: "#document".into(),
        attrs: BTreeMap::new(),
        children: vec![],
        text: String::new(),
    }];
    let open = |e: &quick_xml::events::BytesStart| Elem {
        name: String::from_utf8(e.name().as_ref().to_vec()).unwrap(),
        attrs: e
            .attributes()
            .map(|a| {
                let a = a.unwrap();
                (
                    String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                    a.unescape_value().unwrap().into_owned(),
                )
            })
            .collect(),
        children: vec![],
        text: String::new(),
    };
    loop {
        match r.read_event().unwrap() {
            Event::Start(e) => stack.push(open(&e)),
            Event::Empty(e) => {
                let el = open(&e);
                stack.last_mut().unwrap().children.push(el);
            }
            Event::End(_) => {
                let el = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(el);
            }
            Event::Text(t) => stack
                .last_mut()
                .unwrap()
                .text
                .push_str(&t.unescape().unwrap()),
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(stack.len(), 1, "unclosed elements");
    stack.pop().unwrap()
}

/// How often a particle may occur.
#[derive(Clone, Copy)]
enum Occ {
    One,
    Opt,
    Any,
    Many,
}

/// One particle of a content model: any of `names`, `occ` times.
type Particle = (&'static [&'static str], Occ);

/// An attribute: name, required, and the values it may take (empty: any text).
type Attr = (&'static str, bool, &'static [&'static str]);

struct Rule {
    /// The content model, a sequence; `None` for `#PCDATA` only.
    model: Option<&'static [Particle]>,
    attrs: &'static [Attr],
}

const BOOL: &[&str] = &["true", "false"];
const GROUPING: &[&str] = &["require_all", "require_any", "exclude_all", "optional_all"];
const RESTART_ON: &[&str] = &["error", "restart", "refresh", "none"];
const PROP_TYPES: &[&str] = &[
    "count",
    "integer",
    "opaque",
    "host",
    "hostname",
    "net_address_v4",
    "net_address_v6",
    "time",
    "astring",
    "ustring",
    "boolean",
    "fmri",
    "uri",
];
const PROPS: &[&str] = &["propval", "property"];

/// The DTD's rules for the elements netzone's manifest may use, in the DTD's terms.
fn rule(name: &str) -> Option<Rule> {
    use Occ::*;
    let r = |model, attrs| Some(Rule { model, attrs });
    match name {
        // ( service_bundle* | service* | xi:include* ): this manifest uses services only.
        "service_bundle" => r(
            Some(&[(&["service"], Any)]),
            &[("type", true, &[]), ("name", true, &[])],
        ),
        "service" => r(
            Some(&[
                (&["create_default_instance"], Opt),
                (&["single_instance"], Opt),
                (&["restarter"], Opt),
                (&["dependency"], Any),
                (&["dependent"], Any),
                (&["method_context"], Opt),
                (&["exec_method"], Any),
                (&["property_group"], Any),
                (&["instance"], Any),
                (&["stability"], Opt),
                (&["template"], Opt),
            ]),
            &[
                ("name", true, &[]),
                ("version", true, &[]),
                ("type", true, &["service", "restarter", "milestone"]),
            ],
        ),
        "create_default_instance" => r(Some(&[]), &[("enabled", true, BOOL)]),
        "single_instance" => r(Some(&[]), &[]),
        "dependency" => r(
            Some(&[
                (&["service_fmri"], Any),
                (&["stability"], Opt),
                (PROPS, Any),
            ]),
            &[
                ("name", true, &[]),
                ("grouping", true, GROUPING),
                ("restart_on", true, RESTART_ON),
                ("type", true, &[]),
                ("delete", false, BOOL),
            ],
        ),
        "dependent" => r(
            Some(&[
                (&["service_fmri"], One),
                (&["stability"], Opt),
                (PROPS, Any),
            ]),
            &[
                ("name", true, &[]),
                ("grouping", true, GROUPING),
                ("restart_on", true, RESTART_ON),
                ("delete", false, BOOL),
                ("override", false, BOOL),
            ],
        ),
        "service_fmri" => r(Some(&[]), &[("value", true, &[])]),
        "exec_method" => r(
            Some(&[
                (&["method_context"], Opt),
                (&["stability"], Opt),
                (PROPS, Any),
            ]),
            &[
                ("type", true, &["method", "monitor"]),
                ("name", true, &[]),
                ("exec", true, &[]),
                ("timeout_seconds", true, &[]),
                ("delete", false, BOOL),
            ],
        ),
        "method_context" => r(
            Some(&[
                (&["method_profile", "method_credential"], Opt),
                (&["method_environment"], Opt),
            ]),
            &[
                ("working_directory", false, &[]),
                ("project", false, &[]),
                ("resource_pool", false, &[]),
            ],
        ),
        "method_credential" => r(
            Some(&[]),
            &[
                ("user", true, &[]),
                ("group", false, &[]),
                ("supp_groups", false, &[]),
                ("privileges", false, &[]),
                ("limit_privileges", false, &[]),
            ],
        ),
        "property_group" => r(
            Some(&[(&["stability"], Opt), (PROPS, Any)]),
            &[
                ("name", true, &[]),
                ("type", true, &[]),
                ("delete", false, BOOL),
            ],
        ),
        "propval" => r(
            Some(&[]),
            &[
                ("name", true, &[]),
                ("type", true, PROP_TYPES),
                ("value", true, &[]),
                ("override", false, BOOL),
            ],
        ),
        "stability" => r(
            Some(&[]),
            &[(
                "value",
                true,
                &[
                    "Standard", "Stable", "Evolving", "Unstable", "External", "Obsolete",
                ],
            )],
        ),
        "template" => r(
            Some(&[
                (&["common_name"], One),
                (&["description"], Opt),
                (&["documentation"], Opt),
                (&["pg_pattern"], Any),
            ]),
            &[],
        ),
        "common_name" | "description" => r(Some(&[(&["loctext"], Many)]), &[]),
        "loctext" => r(None, &[("xml:lang", true, &[])]),
        "documentation" => r(Some(&[(&["doc_link", "manpage"], Any)]), &[]),
        "manpage" => r(
            Some(&[]),
            &[
                ("title", true, &[]),
                ("section", true, &[]),
                ("manpath", false, &[]),
            ],
        ),
        _ => None,
    }
}

/// Every way `e` (and its descendants) breaks the rules.
pub fn validate(e: &Elem, path: &str, out: &mut Vec<String>) {
    let here = format!("{path}/{}", e.name);
    let Some(rule) = rule(&e.name) else {
        out.push(format!("{here}: element not allowed here"));
        return;
    };
    for (name, required, values) in rule.attrs {
        match e.attrs.get(*name) {
            None if *required => out.push(format!("{here}: attribute {name} is required")),
            Some(v) if !values.is_empty() && !values.contains(&v.as_str()) => {
                out.push(format!("{here}: {name}='{v}' is not one of {values:?}"))
            }
            _ => {}
        }
    }
    for a in e.attrs.keys() {
        if !rule.attrs.iter().any(|(n, _, _)| n == a) {
            out.push(format!("{here}: attribute {a} is not declared"));
        }
    }
    match rule.model {
        None => {
            if !e.children.is_empty() {
                out.push(format!("{here}: only text is allowed"));
            }
        }
        Some(model) => {
            if !e.text.trim().is_empty() {
                out.push(format!("{here}: text is not allowed"));
            }
            // Greedy match of the sequence: the particles' name sets are disjoint in these
            // models, so greedy matching decides membership.
            let mut i = 0;
            for (names, occ) in model {
                let mut n = 0;
                while i < e.children.len() && names.contains(&e.children[i].name.as_str()) {
                    i += 1;
                    n += 1;
                    if matches!(occ, Occ::One | Occ::Opt) {
                        break;
                    }
                }
                let ok = match occ {
                    Occ::One => n == 1,
                    Occ::Opt | Occ::Any => true,
                    Occ::Many => n >= 1,
                };
                if !ok {
                    out.push(format!("{here}: expected {names:?} at child {i}"));
                }
            }
            if i < e.children.len() {
                out.push(format!(
                    "{here}: <{}> not allowed at child {i}",
                    e.children[i].name
                ));
            }
        }
    }
    for c in &e.children {
        validate(c, &here, out);
    }
}

/// Every way the one root element of `xml` (and its descendants) breaks the rules.
pub fn problems(xml: &str) -> Vec<String> {
    let doc = parse(xml);
    assert_eq!(doc.children.len(), 1, "one root element");
    let mut out = Vec::new();
    validate(&doc.children[0], "", &mut out);
    out
}

/// The children of `e` named `name`.
pub fn find<'a>(e: &'a Elem, name: &str) -> Vec<&'a Elem> {
    e.children.iter().filter(|c| c.name == name).collect()
}

/// The document's `<!DOCTYPE ...>` declaration, trimmed, if it has one.
pub fn doctype(xml: &str) -> Option<String> {
    let mut r = Reader::from_str(xml);
    loop {
        match r.read_event().unwrap() {
            Event::DocType(d) => return Some(String::from_utf8_lossy(&d).trim().to_string()),
            Event::Eof => return None,
            _ => {}
        }
    }
}
