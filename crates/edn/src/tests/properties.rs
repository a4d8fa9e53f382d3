//! Property tests: print then read is the identity, namespaced maps and metadata behave as
//! specified for any value, and no input (arbitrary, EDN-like or damaged) makes the reader
//! panic.

use proptest::prelude::*;

use crate::*;

/// Valid name parts for keywords and symbols.
fn name_part() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z*!_?$%&=<>|][a-zA-Z0-9*!_?$%&=<>.+'#|-]{0,8}",
        "[+.-]([a-zA-Z*!_?$%&=<>][a-zA-Z0-9.+-]{0,5})?",
        "[a-z]é[a-z]{0,3}",
    ]
    .prop_filter("not a literal", |s| {
        !matches!(s.as_str(), "nil" | "true" | "false") && !s.ends_with(':')
    })
}

fn namespace() -> impl Strategy<Value = Option<String>> {
    prop_oneof![Just(None), name_part().prop_map(Some)]
}

/// A regular-expression pattern as the reader produces it: every `"` escaped
/// by a backslash, no lone backslash at the end.
fn regex_pattern() -> impl Strategy<Value = String> {
    prop::collection::vec((any::<bool>(), any::<char>()), 0..10).prop_map(|pieces| {
        let mut pattern = String::new();
        for (escaped, c) in pieces {
            if escaped {
                pattern.push('\\');
                pattern.push(c);
            } else if c == '"' || c == '\\' {
                pattern.push('x');
            } else {
                pattern.push(c);
            }
        }
        pattern
    })
}

/// Names after a namespace that contain more '/' (Clojure splits at the
/// first one): `b/c`, `b//`, `/`.
fn slashed_name() -> impl Strategy<Value = String> {
    prop_oneof![
        (name_part(), name_part()).prop_map(|(a, b)| format!("{a}/{b}")),
        name_part().prop_map(|a| format!("{a}//")),
        Just("/".to_owned()),
    ]
}

/// Values whose printing needs care: escapes, exact numbers, regexes and
/// unusual names.
fn tricky_leaf() -> impl Strategy<Value = Edn> {
    prop_oneof![
        "[\\x00-\\x1f\\x7f-\\x9f\"\\\\a-zé😀\u{2028}\u{3000}\u{feff}\u{a0}]{0,12}"
            .prop_map(Edn::String),
        prop::sample::select(vec![
            '\u{0}', '\u{7f}', '\u{85}', '\u{3000}', '\u{2028}', '\u{a0}', '\u{feff}', ' ', '\n',
            '\r', 'o', 'u', '\\', '"', '^', '#', ',', ';', '(', '😀',
        ])
        .prop_map(Edn::Char),
        regex_pattern().prop_map(Edn::Regex),
        (name_part(), slashed_name()).prop_map(|(ns, name)| Edn::Keyword(Keyword {
            namespace: Some(ns),
            name
        })),
        (name_part(), slashed_name()).prop_map(|(ns, name)| Edn::Symbol(Symbol {
            namespace: Some(ns),
            name
        })),
        "[0-9#'][a-z0-9]{0,4}".prop_map(|name| Edn::Keyword(Keyword {
            namespace: None,
            name
        })),
        (any::<i128>(), -400i64..400).prop_map(|(digits, scale)| {
            Edn::BigDec(bigdecimal::BigDecimal::new(digits.into(), scale))
        }),
        any::<i64>().prop_map(|n| Edn::BigInt(n.into())),
        (any::<i128>(), 2u64..u64::MAX).prop_filter_map("lowest terms", |(n, d)| {
            use num_integer::Integer;
            let (n, d) = (num_bigint::BigInt::from(n), num_bigint::BigInt::from(d));
            (n.gcd(&d) == 1.into()).then_some(Edn::Ratio(n, d))
        }),
    ]
}

fn leaf() -> impl Strategy<Value = Edn> {
    prop_oneof![
        3 => plain_leaf(),
        1 => tricky_leaf(),
    ]
}

fn plain_leaf() -> impl Strategy<Value = Edn> {
    prop_oneof![
        Just(Edn::Nil),
        any::<bool>().prop_map(Edn::Bool),
        any::<i64>().prop_map(Edn::Long),
        any::<f64>().prop_map(Edn::Double),
        prop_oneof![
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(-0.0),
            Just(1e-300)
        ]
        .prop_map(Edn::Double),
        any::<String>().prop_map(Edn::String),
        any::<char>().prop_map(Edn::Char),
        (namespace(), name_part()).prop_map(|(ns, name)| Edn::Keyword(Keyword {
            namespace: ns,
            name
        })),
        (namespace(), name_part()).prop_map(|(ns, name)| Edn::Symbol(Symbol {
            namespace: ns,
            name
        })),
        any::<i64>().prop_map(Edn::Inst),
        (-62_167_219_200_000i64..253_402_300_800_000).prop_map(Edn::Inst),
        any::<[u8; 16]>().prop_map(Edn::Uuid),
        (any::<i128>(), any::<u64>()).prop_map(|(hi, lo)| {
            let n = (num_bigint::BigInt::from(hi) << 64) + lo;
            Edn::BigInt(n)
        }),
        (any::<i64>(), -40i64..40).prop_map(|(digits, scale)| {
            Edn::BigDec(bigdecimal::BigDecimal::new(digits.into(), scale))
        }),
        (any::<i32>(), 2u32..1000).prop_filter_map("lowest terms", |(n, d)| {
            use num_integer::Integer;
            let (n, d) = (num_bigint::BigInt::from(n), num_bigint::BigInt::from(d));
            (n.gcd(&d) == 1.into()).then_some(Edn::Ratio(n, d))
        }),
    ]
}

/// Drops elements equal to an earlier one (maps and sets must be distinct).
fn distinct<T>(items: Vec<T>, key: impl Fn(&T) -> &Edn) -> Vec<T> {
    let mut seen = std::collections::HashSet::new();
    items
        .into_iter()
        .filter(|item| seen.insert(key(item).clone()))
        .collect()
}

fn edn() -> impl Strategy<Value = Edn> {
    leaf().prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Edn::List),
            prop::collection::vec(inner.clone(), 0..8).prop_map(Edn::Vector),
            prop::collection::vec(inner.clone(), 0..8)
                .prop_map(|items| Edn::Set(distinct(items, |e| e))),
            prop::collection::vec((inner.clone(), inner.clone()), 0..8)
                .prop_map(|entries| Edn::Map(distinct(entries, |(k, _)| k))),
            (
                name_part().prop_filter("reserved tags", |t| {
                    t.starts_with(|c: char| c.is_ascii_alphabetic()) && t != "inst" && t != "uuid"
                }),
                inner
            )
                .prop_map(|(tag, value)| Edn::Tagged(tag, Box::new(value))),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn print_then_read_is_identity(value in edn()) {
        let text = value.to_string();
        let read = parse(&text);
        prop_assert_eq!(read.as_ref(), Ok(&value), "printed as {}", text);
        let spanned = parse_spanned(&text).map(|s| s.to_edn());
        prop_assert_eq!(spanned.as_ref(), Ok(&value));
        // Printed forms are delimited: two in a row read back as two.
        let streamed = parse_all(&format!("\u{FEFF}{text} {text}"));
        prop_assert_eq!(streamed, Ok(vec![value.clone(), value]));
    }

    #[test]
    fn namespaced_map_qualifies_its_keys(
        ns in name_part(),
        entries in prop::collection::vec((any::<bool>(), namespace(), name_part(), edn()), 0..6),
    ) {
        // `#:ns{…}` with keys written without a namespace, in `_`, or in
        // another namespace, equals the map written with the keys as they
        // are meant.
        let mut text = format!("#:{ns}{{");
        let mut expected = Vec::new();
        for (keyword, key_ns, name, value) in entries {
            let (written, meant) = match &key_ns {
                None => (name.clone(), Some(ns.clone())),
                Some(k) if k == "_" => (format!("_/{name}"), None),
                Some(k) => (format!("{k}/{name}"), Some(k.clone())),
            };
            let (written, key) = if keyword {
                (format!(":{written}"), Edn::Keyword(Keyword { namespace: meant, name }))
            } else {
                (written, Edn::Symbol(Symbol { namespace: meant, name }))
            };
            if expected.iter().any(|(k, _)| k == &key) {
                continue;
            }
            text.push_str(&format!("{written} {value} "));
            expected.push((key, value));
        }
        text.push('}');
        let expected = Edn::Map(expected);
        prop_assert_eq!(parse(&text), Ok(expected.clone()), "{}", text);
        prop_assert_eq!(parse_spanned(&text).map(|s| s.to_edn()), Ok(expected), "{}", text);
    }

    #[test]
    fn metadata_never_changes_the_value(value in edn(), meta in edn()) {
        // Metadata is dropped; what it may be attached to and be follows Clojure.
        let src = format!("^{meta} {value}");
        let meta_ok = matches!(meta, Edn::Symbol(_) | Edn::Keyword(_) | Edn::String(_) | Edn::Map(_));
        let target_ok = matches!(
            value,
            Edn::Symbol(_) | Edn::List(_) | Edn::Vector(_) | Edn::Map(_) | Edn::Set(_)
        );
        match parse(&src) {
            Ok(read) => {
                prop_assert!(meta_ok && target_ok, "{} read as {}", src, read);
                prop_assert_eq!(read, value);
            }
            Err(e) => prop_assert!(!(meta_ok && target_ok), "{}: {}", src, e),
        }
    }

    #[test]
    fn inst_round_trips(millis in any::<i64>()) {
        prop_assert_eq!(parse_inst(&format_inst_millis(millis)), Ok(millis));
    }

    #[test]
    fn arbitrary_strings_never_panic(
        prefix in prop::sample::select(vec!["", "\u{FEFF}", "#:", "#::", "#:p", "#\"", "^", "#^", "\\o", "##"]),
        src in any::<String>(),
    ) {
        let src = format!("{prefix}{src}");
        let _ = parse(&src);
        let _ = parse_all(&src);
        let _ = parse_spanned(&src);
    }

    #[test]
    fn fragment_soup_never_panics(parts in prop::collection::vec(prop::sample::select(vec![
        "#:", "#::", "#\"", "\"", "^", "#^", "{", "}", "[", "]", "(", ")", "#{", ":a", "a/b", "_/",
        ":_/k", "p", "\\", "\\o", "\\u", "\\o4", "12", "1.5", "N", "M", "/", "#_", "##", "Inf", " ",
        "\n", "\r", ";", ",", "\u{FEFF}", "\u{3000}", "\u{a0}", "#<", "#db/id", "é", "::", "'",
    ]), 0..24)) {
        let src: String = parts.concat();
        let _ = parse(&src);
        let _ = parse_all(&src);
        let _ = parse_spanned(&src);
    }

    #[test]
    fn edn_like_strings_never_panic(src in "[\\[\\](){}#_:\"\\\\ ;\n,^@'a-z0-9.+/NMe|\u{FEFF}\u{3000}-]{0,64}") {
        let _ = parse(&src);
        let _ = parse_all(&src);
        let _ = parse_spanned(&src);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..128)) {
        let src = String::from_utf8_lossy(&bytes);
        let _ = parse(&src);
        let _ = parse_spanned(&src);
    }

    #[test]
    fn damaged_edn_never_panics(value in edn(), cut in any::<prop::sample::Index>(), insert in any::<char>()) {
        let text = value.to_string();
        let chars: Vec<char> = text.chars().collect();
        let at = cut.index(chars.len() + 1);
        let truncated: String = chars[..at].iter().collect();
        let _ = parse(&truncated);
        let mut spliced = chars.clone();
        spliced.insert(at, insert);
        let spliced: String = spliced.into_iter().collect();
        let _ = parse(&spliced);
        let _ = parse_spanned(&spliced);
        if let Err(e) = parse(&truncated) {
            prop_assert!(e.line >= 1 && e.column >= 1);
        }
    }
}

/// A reader handing out at most `n` bytes per read, so the stream reader's cuts fall anywhere.
struct Trickle<'a> {
    data: &'a [u8],
    n: usize,
}

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.n.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Every form of `src` through the stream reader, `n` bytes per read.
fn streamed(src: &str, n: usize) -> Result<Vec<Edn>, String> {
    StreamReader::new(Trickle {
        data: src.as_bytes(),
        n,
    })
    .collect::<Result<Vec<_>, _>>()
    .map_err(|e| e.to_string())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn stream_reads_what_the_reader_reads(
        values in prop::collection::vec(edn(), 0..6),
        gaps in prop::collection::vec(prop::sample::select(vec![" ", "\n", ",", " ;c\n", " #_ 1 ", "\r\n"]), 6),
        n in 1usize..40,
    ) {
        let mut src = String::new();
        for (value, gap) in values.iter().zip(&gaps) {
            src.push_str(&value.to_string());
            src.push_str(gap);
        }
        prop_assert_eq!(streamed(&src, n), Ok(values), "{:?}", src);
    }

    #[test]
    fn stream_agrees_with_the_reader_on_fragment_soup(parts in prop::collection::vec(prop::sample::select(vec![
        "#:", "#\"", "\"", "^", "{", "}", "[", "]", "(", ")", "#{", ":a", "a/b", "p", "\\", "\\o",
        "12", "1.5", "N", "#_", "##", "Inf", " ", "\n", ";", ",", "#inst", "é", "\\]", "a", "#", "'",
    ]), 0..24), n in 1usize..16) {
        let src: String = parts.concat();
        let whole = parse_all(&src).map_err(|e| e.to_string());
        let stream = streamed(&src, n);
        prop_assert_eq!(whole.is_ok(), stream.is_ok(), "{:?}: {:?} vs {:?}", src, whole, stream);
        if let (Ok(whole), Ok(stream)) = (&whole, &stream) {
            prop_assert_eq!(whole, stream);
        }
    }
}
