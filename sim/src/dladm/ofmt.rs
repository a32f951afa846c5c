//! libofmt (`usr/src/lib/libofmt/common/ofmt.c`) as dladm uses it:
//! - `ofmt_open`: parsable mode needs explicit fields (`OFMT_EPARSENONE`), rejects `all`
//!   (`OFMT_EPARSEALL`) and wrap; field names match case-insensitively; unknown names are
//!   collected (`OFMT_EBADFIELDS`), and no valid name at all is `OFMT_ENOFIELDS`;
//! - `ofmt_check`: every error is fatal in parsable mode, `ENOFIELDS` always; otherwise a
//!   warning;
//! - `ofmt_print`: parsable rows join fields with `:` and escape `:` and `\` with `\` only
//!   when more than one field is printed; human rows pad to the field width (`%-*s`), carry
//!   overflow into later columns, leave the last column unpadded, print `--` for an empty
//!   value and `?` when the value callback failed, repeat the header every `ws_row` rows
//!   (24 when stdout is not a terminal; the header counts as a row), and with `OFMT_WRAP`
//!   split comma lists over several lines (`ofmt_fit_width`).

/// A template field: name and human column width.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub width: usize,
}

pub const fn f(name: &'static str, width: usize) -> Field {
    Field { name, width }
}

/// `ofmt_open` failures and warnings (`ofmt_strerror` text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OfmtError {
    ParseNone,
    ParseAll,
    NoFields,
    /// Unknown field names (fatal only in parsable mode).
    BadFields(Vec<String>),
}

impl OfmtError {
    pub fn message(&self, parsable: bool) -> String {
        match self {
            OfmtError::ParseNone => "output fields must be specified in parsable mode".into(),
            OfmtError::ParseAll => "output field `all' invalid in parsable mode".into(),
            OfmtError::NoFields => "no valid output fields".into(),
            OfmtError::BadFields(bad) => {
                let head = match (parsable, bad.len() > 1) {
                    (false, false) => "ignoring unknown output field:",
                    (false, true) => "ignoring unknown output fields:",
                    (true, false) => "unknown output field:",
                    (true, true) => "unknown output fields:",
                };
                let mut s = head.to_string();
                for b in bad {
                    s.push_str(&format!(" `{b}'"));
                }
                s
            }
        }
    }

    /// Whether `ofmt_check` dies on it.
    pub fn fatal(&self, parsable: bool) -> bool {
        parsable || matches!(self, OfmtError::NoFields)
    }
}

/// An open output handle; rows are appended to `out`.
#[derive(Debug)]
pub struct Ofmt {
    /// Selected fields as indexes into the template, with their width.
    cols: Vec<(usize, Field)>,
    parsable: bool,
    wrap: bool,
    nrow: usize,
    ws_row: usize,
    overflow: usize,
    pub out: String,
}

/// `ofmt_open`. Returns the handle and a non-fatal error to report, or a fatal error.
pub fn open(
    fields: Option<&str>,
    template: &[Field],
    parsable: bool,
    wrap: bool,
) -> Result<(Ofmt, Option<OfmtError>), OfmtError> {
    if parsable {
        match fields {
            None | Some("") => return Err(OfmtError::ParseNone),
            Some(s) if s.eq_ignore_ascii_case("all") => return Err(OfmtError::ParseAll),
            _ => {}
        }
    }
    let names: Vec<String> = match fields {
        Some(s) if !s.eq_ignore_ascii_case("all") && !s.is_empty() => s
            .split(',')
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .collect(),
        _ => template.iter().map(|f| f.name.to_string()).collect(),
    };
    let mut cols = Vec::new();
    let mut bad = Vec::new();
    for n in names {
        match template
            .iter()
            .position(|f| f.name.eq_ignore_ascii_case(&n))
        {
            Some(i) => cols.push((i, template[i])),
            None => bad.push(n),
        }
    }
    if cols.is_empty() {
        return Err(OfmtError::NoFields);
    }
    let warn = if bad.is_empty() {
        None
    } else {
        Some(OfmtError::BadFields(bad))
    };
    let h = Ofmt {
        cols,
        parsable,
        wrap: wrap && !parsable,
        nrow: 0,
        ws_row: 24,
        overflow: 0,
        out: String::new(),
    };
    Ok((h, warn))
}

/// Splits a value at commas (`split_str`), dropping empty pieces as strtok does.
fn split_commas(v: &str) -> Vec<String> {
    v.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Per-column wrap state (`split_t` with `s_currfield`).
#[derive(Debug, Clone)]
struct Wrap {
    pieces: Vec<String>,
    next: usize,
}

/// `ofmt_fit_width`: packs the next pieces into at most `width` columns; a piece that is
/// not the last keeps its trailing comma.
fn fit_width(w: &mut Wrap, width: usize) -> String {
    let mut value = String::new();
    let mut i = w.next;
    while i < w.pieces.len() {
        value.push_str(&w.pieces[i]);
        value.push(',');
        let nextlen = if i + 1 == w.pieces.len() {
            value.pop();
            0
        } else {
            w.pieces[i + 1].len()
        };
        if value.len() + nextlen > width {
            i += 1;
            break;
        }
        i += 1;
    }
    w.next = i;
    value
}

impl Ofmt {
    /// Names of the selected fields, upper case as in the template.
    pub fn selected(&self) -> Vec<&'static str> {
        self.cols.iter().map(|(_, f)| f.name).collect()
    }

    /// Template indexes of the selected fields, in output order.
    pub fn selected_indexes(&self) -> Vec<usize> {
        self.cols.iter().map(|(i, _)| *i).collect()
    }

    fn print_field(&mut self, width: usize, value: &str, last: bool, escsep: bool) {
        if self.parsable {
            if self.cols.len() == 1 {
                self.out.push_str(value);
                return;
            }
            for c in value.chars() {
                if escsep && (c == ':' || c == '\\') {
                    self.out.push('\\');
                }
                self.out.push(c);
            }
            if !last {
                self.out.push(':');
            }
            return;
        }
        if last {
            self.out.push_str(value);
            self.overflow = 0;
            return;
        }
        let valwidth = value.len();
        if valwidth + self.overflow >= width {
            // valwidth + overflow >= width, so this cannot underflow.
            self.overflow = self.overflow + valwidth + 1 - width;
            self.out.push_str(value);
            self.out.push(' ');
            return;
        }
        let mut w = width;
        if self.overflow > 0 {
            let compress = self.overflow.min(width - valwidth);
            self.overflow -= compress;
            w -= compress;
        }
        self.out.push_str(&format!("{value:<w$}"));
    }

    fn header(&mut self) {
        let n = self.cols.len();
        let cols = self.cols.clone();
        for (k, (_, f)) in cols.iter().enumerate() {
            self.print_field(f.width, f.name, k + 1 == n, n > 1);
        }
        self.out.push('\n');
    }

    /// `ofmt_print` of one object: `values[i]` is the value of template field `i`;
    /// `None` means the callback failed (`?`).
    pub fn print(&mut self, values: &[Option<String>]) {
        if !self.parsable {
            if self.nrow.is_multiple_of(self.ws_row) {
                self.nrow += 1;
                self.header();
            }
            self.nrow += 1;
        }
        let n = self.cols.len();
        let escsep = n > 1;
        let cols = self.cols.clone();
        let mut wraps: Vec<Option<Wrap>> = vec![None; n];
        let mut more = false;
        for (k, (ti, fld)) in cols.iter().enumerate() {
            let last = k + 1 == n;
            match values.get(*ti).cloned().flatten() {
                Some(mut v) => {
                    if self.wrap {
                        let pieces = split_commas(&v);
                        if !pieces.is_empty() {
                            let mut w = Wrap { pieces, next: 0 };
                            v = fit_width(&mut w, fld.width);
                            if w.next < w.pieces.len() {
                                more = true;
                            }
                            wraps[k] = Some(w);
                        }
                    }
                    let shown = if v.is_empty() && !self.parsable {
                        "--".to_string()
                    } else {
                        v
                    };
                    self.print_field(fld.width, &shown, last, escsep);
                }
                None => self.print_field(fld.width, "?", last, escsep),
            }
        }
        self.out.push('\n');
        while more {
            more = false;
            for (k, (_, fld)) in cols.iter().enumerate() {
                let last = k + 1 == n;
                let v = match wraps[k].as_mut() {
                    Some(w) => {
                        let v = fit_width(w, fld.width);
                        if w.next < w.pieces.len() {
                            more = true;
                        }
                        v
                    }
                    None => String::new(),
                };
                self.print_field(fld.width, &v, last, escsep);
            }
            self.out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &[Field] = &[f("LINK", 12), f("CLASS", 10), f("OVER", 30)];

    fn row(a: &str, b: &str, c: &str) -> Vec<Option<String>> {
        vec![Some(a.into()), Some(b.into()), Some(c.into())]
    }

    #[test]
    fn parsable_escapes_only_with_several_fields() {
        let (mut o, w) = open(Some("link,over"), T, true, false).unwrap();
        assert!(w.is_none());
        o.print(&row("v0", "vnic", "a:b\\c"));
        assert_eq!(o.out, "v0:a\\:b\\\\c\n");
        let (mut o, _) = open(Some("OVER"), T, true, false).unwrap();
        o.print(&row("v0", "vnic", "2:8:20:1:2:3"));
        assert_eq!(o.out, "2:8:20:1:2:3\n");
        let (mut o, _) = open(Some("link,over"), T, true, false).unwrap();
        o.print(&row("v0", "vnic", ""));
        o.print(&[Some("v1".into()), None, None]);
        assert_eq!(o.out, "v0:\nv1:?\n");
    }

    #[test]
    fn open_errors_match_ofmt_strerror() {
        assert_eq!(
            open(None, T, true, false).unwrap_err(),
            OfmtError::ParseNone
        );
        assert_eq!(
            open(Some("all"), T, true, false).unwrap_err(),
            OfmtError::ParseAll
        );
        assert_eq!(
            open(Some("foo"), T, false, false).unwrap_err(),
            OfmtError::NoFields
        );
        let (_, w) = open(Some("link,foo,bar"), T, true, false).unwrap();
        let w = w.unwrap();
        assert!(w.fatal(true));
        assert_eq!(w.message(true), "unknown output fields: `foo' `bar'");
        assert_eq!(
            w.message(false),
            "ignoring unknown output fields: `foo' `bar'"
        );
    }

    #[test]
    fn human_table_pads_overflows_and_repeats_header() {
        let (mut o, _) = open(None, T, false, false).unwrap();
        o.print(&row("averyveryverylongname0", "vnic", ""));
        o.print(&row("net0", "phys", ""));
        let lines: Vec<&str> = o.out.lines().collect();
        assert_eq!(lines[0], "LINK        CLASS     OVER");
        assert_eq!(lines[1], "averyveryverylongname0 vnic --");
        assert_eq!(lines[2], "net0        phys      --");
        let (mut o, _) = open(Some("link"), T, false, false).unwrap();
        for i in 0..30 {
            o.print(&row(&format!("l{i}"), "", ""));
        }
        let headers = o.out.lines().filter(|l| *l == "LINK").count();
        assert_eq!(headers, 2);
        assert_eq!(o.out.lines().nth(24).unwrap(), "LINK");
    }

    #[test]
    fn wrap_splits_comma_lists_like_fit_width() {
        let t = &[f("PROPERTY", 16), f("VALUE", 15), f("DEFAULT", 15)];
        let (mut o, _) = open(None, t, false, true).unwrap();
        o.print(&[
            Some("protection".into()),
            Some("mac-nospoof,restricted,ip-nospoof".into()),
            Some("--".into()),
        ]);
        let lines: Vec<&str> = o.out.lines().collect();
        assert_eq!(lines[1], "protection      mac-nospoof,   --");
        assert_eq!(lines[2], "                restricted,    ");
        assert_eq!(lines[3], "                ip-nospoof     ");
    }
}
