//! `getopt_long(3C)` as dladm uses it: illumos libc's BSD-derived `getopt_long` permutes
//! operands GNU-style (operands may come before options unless `POSIXLY_CORRECT` is set),
//! accepts `--name`, `--name=value`, `--name value` and unique prefixes of long names, and
//! with `opterr = 0` (every dladm subcommand sets it) prints nothing itself: dladm's
//! `die_opterr` reports the error from the returned character and `optopt`.
//!
//! A leading `:` in the option string makes a missing argument return `:`, otherwise `?`
//! (so `create-etherstub -R` with optstring `tR:` reports "unrecognized option '-R'", as the
//! real command does).

/// One long option (`struct option`).
#[derive(Debug, Clone, Copy)]
pub struct LongOpt {
    pub name: &'static str,
    pub has_arg: bool,
    pub val: char,
}

/// What `getopt_long` returned that is not an option: the returned character (`:` or `?`)
/// and `optopt` (`'\0'` for an unknown long option).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptError {
    pub ret: char,
    pub optopt: char,
}

/// The options in command-line order, stopping at the first error (dladm dies there),
/// and the operands in order.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub opts: Vec<(char, Option<String>)>,
    pub error: Option<OptError>,
    pub operands: Vec<String>,
}

impl Parsed {
    /// Number of operands (`argc - optind` after the loop).
    pub fn nops(&self) -> usize {
        self.operands.len()
    }
}

fn short_spec(optstring: &str, c: char) -> Option<bool> {
    let body = optstring.trim_start_matches(':');
    let chars: Vec<char> = body.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let has_arg = chars.get(i + 1) == Some(&':');
        if chars[i] == c && c != ':' {
            return Some(has_arg);
        }
        i += if has_arg { 2 } else { 1 };
    }
    None
}

/// Parses `args` (the subcommand's argv: `args[0]` is the subcommand name and is skipped).
pub fn getopt_long(args: &[String], optstring: &str, longopts: &[LongOpt]) -> Parsed {
    let colon = optstring.starts_with(':');
    let missing = if colon { ':' } else { '?' };
    let posix = std::env::var_os("POSIXLY_CORRECT").is_some();
    let mut p = Parsed::default();
    let mut i = 1;
    while i < args.len() {
        let a = &args[i];
        if a == "--" {
            p.operands.extend(args[i + 1..].iter().cloned());
            break;
        }
        if !a.starts_with('-') || a == "-" {
            if posix {
                p.operands.extend(args[i..].iter().cloned());
                break;
            }
            p.operands.push(a.clone());
            i += 1;
            continue;
        }
        if let Some(long) = a.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let exact = longopts.iter().find(|o| o.name == name);
            let found = exact.or_else(|| {
                let cands: Vec<&LongOpt> = longopts
                    .iter()
                    .filter(|o| o.name.starts_with(name))
                    .collect();
                // Ambiguous prefixes are accepted when every candidate means the same
                // option (e.g. --parsable/--parseable), as BSD getopt_long does.
                match cands.first() {
                    Some(first) if cands.iter().all(|c| c.val == first.val) => Some(*first),
                    _ => None,
                }
            });
            let Some(o) = found else {
                p.error = Some(OptError {
                    ret: '?',
                    optopt: '\0',
                });
                return p;
            };
            if o.has_arg {
                let v = match inline {
                    Some(v) => Some(v),
                    None if i + 1 < args.len() => {
                        i += 1;
                        Some(args[i].clone())
                    }
                    None => None,
                };
                match v {
                    Some(v) => p.opts.push((o.val, Some(v))),
                    None => {
                        p.error = Some(OptError {
                            ret: missing,
                            optopt: o.val,
                        });
                        return p;
                    }
                }
            } else if inline.is_some() {
                p.error = Some(OptError {
                    ret: '?',
                    optopt: o.val,
                });
                return p;
            } else {
                p.opts.push((o.val, None));
            }
            i += 1;
            continue;
        }
        // A cluster of short options.
        let chars: Vec<char> = a.chars().skip(1).collect();
        let mut j = 0;
        while j < chars.len() {
            let c = chars[j];
            match short_spec(optstring, c) {
                None => {
                    p.error = Some(OptError {
                        ret: '?',
                        optopt: c,
                    });
                    return p;
                }
                Some(false) => {
                    p.opts.push((c, None));
                    j += 1;
                }
                Some(true) => {
                    let rest: String = chars[j + 1..].iter().collect();
                    if !rest.is_empty() {
                        p.opts.push((c, Some(rest)));
                    } else if i + 1 < args.len() {
                        i += 1;
                        p.opts.push((c, Some(args[i].clone())));
                    } else {
                        p.error = Some(OptError {
                            ret: missing,
                            optopt: c,
                        });
                        return p;
                    }
                    break;
                }
            }
        }
        i += 1;
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    const LO: &[LongOpt] = &[
        LongOpt {
            name: "temporary",
            has_arg: false,
            val: 't',
        },
        LongOpt {
            name: "link",
            has_arg: true,
            val: 'l',
        },
        LongOpt {
            name: "parsable",
            has_arg: false,
            val: 'p',
        },
        LongOpt {
            name: "parseable",
            has_arg: false,
            val: 'p',
        },
    ];

    #[test]
    fn permutes_operands_and_reads_attached_values() {
        let p = getopt_long(
            &v(&[
                "create-vnic",
                "-t",
                "vnic0",
                "-lnet0",
                "--link=e1",
                "-m",
                "auto",
            ]),
            ":tl:m:",
            LO,
        );
        assert_eq!(p.error, None);
        assert_eq!(p.operands, v(&["vnic0"]));
        assert_eq!(
            p.opts,
            vec![
                ('t', None),
                ('l', Some("net0".into())),
                ('l', Some("e1".into())),
                ('m', Some("auto".into()))
            ]
        );
    }

    #[test]
    fn errors_follow_the_optstring_colon_rule() {
        let p = getopt_long(&v(&["x", "-l"]), ":l:", LO);
        assert_eq!(
            p.error,
            Some(OptError {
                ret: ':',
                optopt: 'l'
            })
        );
        let p = getopt_long(&v(&["x", "-R"]), "tR:", LO);
        assert_eq!(
            p.error,
            Some(OptError {
                ret: '?',
                optopt: 'R'
            })
        );
        let p = getopt_long(&v(&["x", "-q"]), ":l:", LO);
        assert_eq!(
            p.error,
            Some(OptError {
                ret: '?',
                optopt: 'q'
            })
        );
        let p = getopt_long(&v(&["x", "--nope"]), ":l:", LO);
        assert_eq!(
            p.error,
            Some(OptError {
                ret: '?',
                optopt: '\0'
            })
        );
        let p = getopt_long(&v(&["x", "--pars", "--temp", "--", "-t"]), ":tp", LO);
        assert_eq!(p.opts, vec![('p', None), ('t', None)]);
        assert_eq!(p.operands, v(&["-t"]));
    }
}
