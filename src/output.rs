//! Output in dladm's conventions, for the operator commands (`netzone show`, ...).
//!
//! Three forms of one table (illumos-gate `usr/src/lib/libofmt/common/ofmt.c`, and the callers in
//! `usr/src/cmd/dladm/dladm.c`):
//! - parseable, `-p -o FIELD,...`: one line per row, no header, fields joined by `:`; when more
//!   than one field is printed, `:` and `\` inside a value are escaped with `\` (`ofmt_print_field`),
//!   with one field the value is printed raw. Empty values print as nothing. `-p` needs `-o`
//!   (`do_show_link`: "-p requires -o"), and `all` is refused there.
//! - human: a header of upper-case field names, left-aligned columns, `--` for an empty value, the
//!   last column unpadded.
//! - `--json`: an array of objects keyed by lower-case field names, `null` for an empty value.
//!
//! Field names given to `-o` are case-insensitive; an unknown one is an error worded as ofmt words
//! it ("unknown output field: `foo'"). Everything here is pure: it builds strings, it prints nothing.

use serde_json::{Map, Value};

/// Why an output request cannot be honoured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutputError {
    #[error("unknown output field: `{0}'")]
    /// `-o` names a field the table does not have.
    UnknownField(String),
    #[error("-p requires -o")]
    /// `-p` without `-o`.
    ParsableNeedsFields,
    #[error("output field `all' invalid in parsable mode")]
    /// `-o all` with `-p`.
    AllInParsable,
    #[error("no valid output fields")]
    /// `-o` names no field.
    NoFields,
    #[error("-p and --json cannot be used together")]
    /// Both `-p` and `--json`.
    ParsableAndJson,
}

/// Which of the three forms to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// An aligned table with a header.
    Human,
    /// dladm's `-p`: `:`-separated, escaped.
    Parsable,
    /// A JSON array of objects.
    Json,
}

/// What to print: the form, and the chosen columns (indexes into the table's columns, in the
/// order the operator asked for them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSpec {
    /// How to print.
    pub format: Format,
    /// Which columns, by index into the table's columns, in order.
    pub fields: Vec<usize>,
}

impl OutputSpec {
    /// Checks the `-p`, `-o` and `--json` options against the table's `columns` (upper-case
    /// names). Without `-o` every column is printed (not allowed with `-p`).
    pub fn new(
        columns: &[&str],
        parsable: bool,
        output: Option<&str>,
        json: bool,
    ) -> Result<Self, OutputError> {
        let format = match (parsable, json) {
            (true, true) => return Err(OutputError::ParsableAndJson),
            (true, false) => Format::Parsable,
            (false, true) => Format::Json,
            (false, false) => Format::Human,
        };
        let fields = match output {
            None if format == Format::Parsable => return Err(OutputError::ParsableNeedsFields),
            None => (0..columns.len()).collect(),
            Some(list) => select_fields(columns, list, format == Format::Parsable)?,
        };
        Ok(OutputSpec { format, fields })
    }
}

/// Resolves a `-o` list (`link,Zone,OVER`) to column indexes. Empty items are skipped, as
/// ofmt's tokenising does; `all` stands for every column except in parseable mode.
fn select_fields(columns: &[&str], list: &str, parsable: bool) -> Result<Vec<usize>, OutputError> {
    let mut out = Vec::new();
    for item in list.split(',').filter(|s| !s.is_empty()) {
        if item.eq_ignore_ascii_case("all") {
            if parsable {
                return Err(OutputError::AllInParsable);
            }
            out.extend(0..columns.len());
            continue;
        }
        match columns.iter().position(|c| c.eq_ignore_ascii_case(item)) {
            Some(i) => out.push(i),
            None => return Err(OutputError::UnknownField(item.to_string())),
        }
    }
    if out.is_empty() {
        return Err(OutputError::NoFields);
    }
    Ok(out)
}

/// Renders `rows` (each one value per column, `""` for empty) as `spec` asks. The result ends
/// with a newline unless it is empty (no rows in parseable mode).
pub fn render(spec: &OutputSpec, columns: &[&str], rows: &[Vec<String>]) -> String {
    match spec.format {
        Format::Parsable => render_parsable(&spec.fields, rows),
        Format::Human => render_human(&spec.fields, columns, rows),
        Format::Json => render_json(&spec.fields, columns, rows),
    }
}

fn render_parsable(fields: &[usize], rows: &[Vec<String>]) -> String {
    let escape = fields.len() > 1;
    let mut out = String::new();
    for row in rows {
        let line: Vec<String> = fields
            .iter()
            .map(|&i| {
                let v = cell(row, i);
                if escape {
                    escape_parsable(v)
                } else {
                    v.to_string()
                }
            })
            .collect();
        out.push_str(&line.join(":"));
        out.push('\n');
    }
    out
}

fn render_human(fields: &[usize], columns: &[&str], rows: &[Vec<String>]) -> String {
    let shown = |row: &Vec<String>, i: usize| -> String {
        let v = cell(row, i);
        if v.is_empty() {
            "--".to_string()
        } else {
            v.to_string()
        }
    };
    let mut widths: Vec<usize> = fields
        .iter()
        .map(|&i| columns[i].to_ascii_uppercase().chars().count())
        .collect();
    for row in rows {
        for (w, &i) in widths.iter_mut().zip(fields) {
            *w = (*w).max(shown(row, i).chars().count());
        }
    }
    let line = |cells: Vec<String>| -> String {
        let last = cells.len().saturating_sub(1);
        let mut s = String::new();
        for (n, (c, w)) in cells.iter().zip(&widths).enumerate() {
            if n == last {
                s.push_str(c);
            } else {
                s.push_str(c);
                let pad = w - c.chars().count() + 2;
                s.extend(std::iter::repeat_n(' ', pad));
            }
        }
        s.push('\n');
        s
    };
    let mut out = line(
        fields
            .iter()
            .map(|&i| columns[i].to_ascii_uppercase())
            .collect(),
    );
    for row in rows {
        out.push_str(&line(fields.iter().map(|&i| shown(row, i)).collect()));
    }
    out
}

fn render_json(fields: &[usize], columns: &[&str], rows: &[Vec<String>]) -> String {
    let array: Vec<Value> = rows
        .iter()
        .map(|row| {
            let mut obj = Map::new();
            for &i in fields {
                let v = cell(row, i);
                let v = if v.is_empty() {
                    Value::Null
                } else {
                    Value::String(v.to_string())
                };
                obj.insert(columns[i].to_ascii_lowercase(), v);
            }
            Value::Object(obj)
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&Value::Array(array)).unwrap_or_default();
    s.push('\n');
    s
}

fn cell(row: &[String], i: usize) -> &str {
    row.get(i).map(String::as_str).unwrap_or("")
}

/// Escapes `:` and `\` with a backslash, as ofmt does in multi-field parseable output.
pub fn escape_parsable(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    for c in v.chars() {
        if c == ':' || c == '\\' {
            s.push('\\');
        }
        s.push(c);
    }
    s
}

/// Splits one line of multi-field parseable output into its values, undoing the escapes:
/// `\x` stands for `x`, and an unescaped `:` separates fields. The inverse of the parseable form
/// for two or more fields (a single field is printed raw and must not be split).
pub fn split_parsable(line: &str) -> Vec<String> {
    // One splitter for every `-p` line, dladm's and netzone's own (they use the same escapes).
    crate::dladm::split_parsable_line(line)
}

/// An error and its causes as one line, each cause said once: `e`'s message, then each
/// `source()` in turn unless the text before already contains it (many messages embed their
/// cause, and a chain printer would otherwise repeat it: "cannot run X: No such file: cannot
/// run X: No such file: No such file").
pub fn error_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let t = c.to_string();
        if !t.is_empty() && !out.contains(&t) {
            out.push_str(": ");
            out.push_str(&t);
        }
        cur = c.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct E(String, Option<Box<E>>);
    impl std::fmt::Display for E {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(&self.0)
        }
    }
    impl std::error::Error for E {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|e| e as _)
        }
    }

    #[test]
    fn error_text_says_each_cause_once() {
        let io = || E("No such file or directory (os error 2)".into(), None);
        // A message that embeds its cause and also returns it as source().
        let inner = E(
            "cannot run /usr/sbin/dladm: No such file or directory (os error 2)".into(),
            Some(Box::new(io())),
        );
        let outer = E(
            "zone 'web1': cannot run /usr/sbin/dladm: No such file or directory (os error 2)"
                .into(),
            Some(Box::new(inner)),
        );
        assert_eq!(
            error_text(&outer),
            "zone 'web1': cannot run /usr/sbin/dladm: No such file or directory (os error 2)"
        );
        // A context that does not embed its cause gets it appended, once.
        let ctx = E("invalid zone name 'a b'".into(), Some(Box::new(io())));
        assert_eq!(
            error_text(&ctx),
            "invalid zone name 'a b': No such file or directory (os error 2)"
        );
    }

    const COLS: &[&str] = &["LINK", "ZONE", "MACADDRESS", "VID"];

    fn rows() -> Vec<Vec<String>> {
        vec![
            vec![
                "net0".into(),
                "web1".into(),
                "2:8:20:a:b:c".into(),
                "0".into(),
            ],
            vec!["net1".into(), "".into(), "".into(), "42".into()],
        ]
    }

    fn spec(p: bool, o: Option<&str>, j: bool) -> Result<OutputSpec, OutputError> {
        OutputSpec::new(COLS, p, o, j)
    }

    #[test]
    fn parsable_escapes_colons_only_with_several_fields() {
        let s = spec(true, Some("link,macaddress"), false).unwrap();
        assert_eq!(
            render(&s, COLS, &rows()),
            "net0:2\\:8\\:20\\:a\\:b\\:c\nnet1:\n"
        );
        let s = spec(true, Some("MACADDRESS"), false).unwrap();
        assert_eq!(render(&s, COLS, &rows()), "2:8:20:a:b:c\n\n");
    }

    #[test]
    fn parsable_escapes_backslash() {
        let s = spec(true, Some("link,zone"), false).unwrap();
        let r = vec![vec!["a\\b:c".into(), "z".into()]];
        let out = render(&s, COLS, &r);
        assert_eq!(out, "a\\\\b\\:c:z\n");
        assert_eq!(split_parsable(out.trim_end()), vec!["a\\b:c", "z"]);
    }

    #[test]
    fn fields_are_case_insensitive_and_ordered_as_asked() {
        let s = spec(true, Some("Vid,LiNk"), false).unwrap();
        assert_eq!(s.fields, vec![3, 0]);
        assert_eq!(render(&s, COLS, &rows()), "0:net0\n42:net1\n");
    }

    #[test]
    fn unknown_field_is_an_error_in_every_mode() {
        for (p, j) in [(true, false), (false, false), (false, true)] {
            assert_eq!(
                spec(p, Some("link,foo"), j).unwrap_err().to_string(),
                "unknown output field: `foo'"
            );
        }
    }

    #[test]
    fn parsable_without_fields_or_with_all_is_refused() {
        assert_eq!(
            spec(true, None, false).unwrap_err(),
            OutputError::ParsableNeedsFields
        );
        assert_eq!(
            spec(true, Some("all"), false).unwrap_err(),
            OutputError::AllInParsable
        );
        assert_eq!(
            spec(false, Some(",,"), false).unwrap_err(),
            OutputError::NoFields
        );
        assert_eq!(
            spec(true, Some("link"), true).unwrap_err(),
            OutputError::ParsableAndJson
        );
    }

    #[test]
    fn all_selects_every_column_in_human_mode() {
        assert_eq!(
            spec(false, Some("ALL"), false).unwrap().fields,
            vec![0, 1, 2, 3]
        );
    }

    #[test]
    fn human_table_is_aligned_with_dashes_for_empty() {
        let s = spec(false, None, false).unwrap();
        let out = render(&s, COLS, &rows());
        assert_eq!(
            out,
            "LINK  ZONE  MACADDRESS    VID\n\
             net0  web1  2:8:20:a:b:c  0\n\
             net1  --    --            42\n"
        );
    }

    #[test]
    fn human_table_with_no_rows_is_just_the_header() {
        let s = spec(false, Some("zone,link"), false).unwrap();
        assert_eq!(render(&s, COLS, &[]), "ZONE  LINK\n");
    }

    #[test]
    fn json_uses_lower_case_keys_and_null_for_empty() {
        let s = spec(false, Some("link,zone"), true).unwrap();
        let out = render(&s, COLS, &rows());
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            v,
            serde_json::json!([
                {"link": "net0", "zone": "web1"},
                {"link": "net1", "zone": null}
            ])
        );
    }

    #[test]
    fn split_undoes_escape_field_for_field() {
        let vals = ["a:b", "", "c\\", "::", "d"];
        let line: Vec<String> = vals.iter().map(|v| escape_parsable(v)).collect();
        assert_eq!(split_parsable(&line.join(":")), vals);
    }
}
