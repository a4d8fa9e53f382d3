//! Reader tests: every construct, every error, positions, and property tests
//! (print/read round trip, no panics on arbitrary input).

use proptest::prelude::*;

use super::*;

fn kw(ns: Option<&str>, name: &str) -> Edn {
    Edn::Keyword(Keyword::new(ns, name))
}

fn sym(ns: Option<&str>, name: &str) -> Edn {
    Edn::Symbol(Symbol::new(ns, name))
}

fn ok(src: &str) -> Edn {
    match parse(src) {
        Ok(v) => v,
        Err(e) => panic!("{src:?}: {e}"),
    }
}

/// Asserts `src` fails with a message containing `message` at line/column.
fn fails(src: &str, message: &str, line: u32, column: u32) {
    match parse(src) {
        Ok(v) => panic!("{src:?} parsed as {v}"),
        Err(e) => {
            assert!(
                e.message.contains(message),
                "{src:?}: {e} (wanted {message:?})"
            );
            assert_eq!((e.line, e.column), (line, column), "{src:?}: {e}");
        }
    }
}

#[test]
fn scalars() {
    assert_eq!(ok("nil"), Edn::Nil);
    assert_eq!(ok("true"), Edn::Bool(true));
    assert_eq!(ok("false"), Edn::Bool(false));
    assert_eq!(ok("42"), Edn::Long(42));
    assert_eq!(ok("-7"), Edn::Long(-7));
    assert_eq!(ok("+7"), Edn::Long(7));
    assert_eq!(ok("7N"), Edn::BigInt(7.into()));
    assert_eq!(
        ok("[1 9223372036854775808]"),
        Edn::Vector(vec![
            Edn::Long(1),
            Edn::BigInt("9223372036854775808".parse().unwrap())
        ])
    );
    assert_eq!(ok("007"), Edn::Long(7));
    assert_eq!(ok("1/2"), Edn::Ratio(1.into(), 2.into()));
    assert_eq!(ok("1.5"), Edn::Double(1.5));
    assert_eq!(ok("-2e10"), Edn::Double(-2e10));
    assert_eq!(ok("1.5M"), Edn::BigDec("1.5".parse().unwrap()));
    assert_eq!(ok("##Inf"), Edn::Double(f64::INFINITY));
    assert_eq!(ok("##-Inf"), Edn::Double(f64::NEG_INFINITY));
    assert_eq!(ok("##NaN"), Edn::Double(f64::NAN));
    assert_eq!(ok(r#""a\"b\n""#), Edn::String("a\"b\n".into()));
    assert_eq!(ok(r"\a"), Edn::Char('a'));
    assert_eq!(ok(r"\newline"), Edn::Char('\n'));
    assert_eq!(ok(r"\u00e9"), Edn::Char('é'));
    assert_eq!(ok(":name"), kw(None, "name"));
    assert_eq!(ok(":db/id"), kw(Some("db"), "id"));
    assert_eq!(ok(":db.type/string"), kw(Some("db.type"), "string"));
    assert_eq!(ok(":nil"), kw(None, "nil"));
}

#[test]
fn symbols() {
    for text in [
        "?e", "_", "...", ".", "+", "-", "<=", "!=", "not=", "%", "$", "$db", "nil?", "-a",
    ] {
        assert_eq!(ok(text), sym(None, text), "{text}");
    }
    assert_eq!(
        ok("clojure.string/starts-with?"),
        sym(Some("clojure.string"), "starts-with?")
    );
    assert_eq!(ok("/"), sym(None, "/"));
}

#[test]
fn collections() {
    assert_eq!(ok("()"), Edn::List(vec![]));
    assert_eq!(ok("[]"), Edn::Vector(vec![]));
    assert_eq!(ok("{}"), Edn::Map(vec![]));
    assert_eq!(ok("#{}"), Edn::Set(vec![]));
    assert_eq!(
        ok("[:find ?e :where [?e :person/name \"Alice\"]]"),
        Edn::Vector(vec![
            kw(None, "find"),
            sym(None, "?e"),
            kw(None, "where"),
            Edn::Vector(vec![
                sym(None, "?e"),
                kw(Some("person"), "name"),
                Edn::String("Alice".into())
            ]),
        ])
    );
    assert_eq!(
        ok("{:a 1, :b [2 3]}"),
        Edn::Map(vec![
            (kw(None, "a"), Edn::Long(1)),
            (kw(None, "b"), Edn::Vector(vec![Edn::Long(2), Edn::Long(3)])),
        ])
    );
    assert_eq!(
        ok("#{1 \"1\" 1.0 :1}"),
        Edn::Set(vec![
            Edn::Long(1),
            Edn::String("1".into()),
            Edn::Double(1.0),
            kw(None, "1")
        ])
    );
    assert_eq!(
        ok("(f(g)[h]{})"),
        Edn::List(vec![
            sym(None, "f"),
            Edn::List(vec![sym(None, "g")]),
            Edn::Vector(vec![sym(None, "h")]),
            Edn::Map(vec![]),
        ])
    );
    // Tokens end at delimiters without whitespace.
    assert_eq!(
        ok("[a\"s\"\\c :k]"),
        Edn::Vector(vec![
            sym(None, "a"),
            Edn::String("s".into()),
            Edn::Char('c'),
            kw(None, "k")
        ])
    );
    // Maps and sets with more entries than the pairwise duplicate check.
    let big: String = (0..100).map(|i| format!(":k{i} {i} ")).collect();
    assert_eq!(
        ok(&format!("{{{big}}}")).as_map().map(<[_]>::len),
        Some(100)
    );
}

#[test]
fn tagged_literals() {
    assert_eq!(
        ok("#inst \"1985-04-12T23:20:50.52Z\""),
        Edn::Inst(482_196_050_520)
    );
    assert_eq!(ok("#inst\"2013-08-02\""), Edn::Inst(1_375_401_600_000));
    assert_eq!(
        ok("#uuid \"f81d4fae-7dec-11d0-a765-00a0c91e6bf6\""),
        Edn::Uuid([
            0xf8, 0x1d, 0x4f, 0xae, 0x7d, 0xec, 0x11, 0xd0, 0xa7, 0x65, 0x00, 0xa0, 0xc9, 0x1e,
            0x6b, 0xf6
        ])
    );
    assert_eq!(
        ok("#myapp/Person {:name \"x\"}"),
        Edn::Tagged(
            "myapp/Person".into(),
            Box::new(Edn::Map(vec![(kw(None, "name"), Edn::String("x".into()))]))
        )
    );
    assert_eq!(
        ok("#a #b 1"),
        Edn::Tagged(
            "a".into(),
            Box::new(Edn::Tagged("b".into(), Box::new(Edn::Long(1))))
        )
    );
    assert_eq!(
        ok("#a ; comment\n #_ 1 2"),
        Edn::Tagged("a".into(), Box::new(Edn::Long(2)))
    );
}

#[test]
fn discard_comments_commas() {
    assert_eq!(ok("#_ 1 2"), Edn::Long(2));
    assert_eq!(ok("#_#_ 1 2 3"), Edn::Long(3));
    assert_eq!(ok("[1 #_ 2]"), Edn::Vector(vec![Edn::Long(1)]));
    assert_eq!(ok("[1 #_2]"), Edn::Vector(vec![Edn::Long(1)]));
    assert_eq!(ok("[#_ [nested #_ x] 1]"), Edn::Vector(vec![Edn::Long(1)]));
    assert_eq!(
        ok("{:a 1 #_ :b #_ 2}"),
        Edn::Map(vec![(kw(None, "a"), Edn::Long(1))])
    );
    assert_eq!(ok("[#_ #_ 1 2]"), Edn::Vector(vec![]));
    assert_eq!(
        ok("; leading\n,,[1,2];trailing"),
        Edn::Vector(vec![Edn::Long(1), Edn::Long(2)])
    );
    assert_eq!(
        ok("[1 ; comment ]\n 2]"),
        Edn::Vector(vec![Edn::Long(1), Edn::Long(2)])
    );
    assert_eq!(parse_all("#_ 1").unwrap(), vec![]);
    assert_eq!(parse_all("").unwrap(), vec![]);
    assert_eq!(parse_all(" ; nothing").unwrap(), vec![]);
    assert_eq!(
        parse_all("1 :a \"s\"").unwrap(),
        vec![Edn::Long(1), kw(None, "a"), Edn::String("s".into())]
    );
}

#[test]
fn top_level_errors() {
    fails("", "expected a form, found end of input", 1, 1);
    fails("  ; c\n", "expected a form, found end of input", 2, 1);
    fails("#_ 1", "expected a form, found end of input", 1, 5);
    fails("1 2", "unexpected '2' after the form", 1, 3);
    fails("[1]\n  ]", "unexpected ']' after the form", 2, 3);
    fails(")", "unmatched ')'", 1, 1);
    let e = parse_all("1 }").unwrap_err();
    assert_eq!(
        (e.message.as_str(), e.line, e.column),
        ("unmatched '}'", 1, 3)
    );
}

#[test]
fn unterminated() {
    fails(
        "[1\n    [2 3]",
        "unterminated vector opened at line 1, column 1",
        1,
        1,
    );
    fails(
        "{:a [1 2]\n :b (x\n",
        "unterminated list opened at line 2, column 5",
        2,
        5,
    );
    fails("#{1", "unterminated set opened at line 1, column 1", 1, 1);
    fails("{", "unterminated map", 1, 1);
    fails("(", "unterminated list", 1, 1);
    fails(
        "[\"ok\"\n  \"never closed]",
        "unterminated string opened at line 2, column 3",
        2,
        3,
    );
    fails("\"a\\", "unterminated string", 1, 1);
}

#[test]
fn mismatched_delimiters() {
    fails(
        "[1\n 2)",
        "unexpected ')': expected ']' to close the vector opened at line 1, column 1",
        2,
        3,
    );
    fails("(]", "expected ')' to close the list", 1, 2);
    fails("#{1)", "expected '}' to close the set", 1, 4);
}

#[test]
fn map_and_set_errors() {
    fails("{:a 1 :b}", "even number of forms, found 3", 1, 1);
    fails("[0\n {:a}]", "even number of forms", 2, 2);
    fails("{:a 1\n :a 2}", "duplicate key :a in map", 2, 2);
    fails("#{1 2 1}", "duplicate element 1 in set", 1, 7);
    fails("#{[1 2] [1 2]}", "duplicate element [1 2] in set", 1, 9);
    fails("#{##NaN ##NaN}", "duplicate element ##NaN", 1, 9);
    // Large collections take the hashing path.
    let big: String = (0..50).map(|i| format!("{i} ")).collect();
    fails(
        &format!("#{{{big} 7}}"),
        "duplicate element 7 in set",
        1,
        144,
    );
    let keys: String = (0..50).map(|i| format!(":k{i} 0 ")).collect();
    let src = format!("{{{keys}:k3 1}}");
    let col = src.rfind(":k3").unwrap() as u32 + 1;
    fails(&src, "duplicate key :k3 in map", 1, col);
    // Long duplicates are shortened in the message.
    let long = "x".repeat(200);
    let e = parse(&format!("#{{\"{long}\" \"{long}\"}}")).unwrap_err();
    assert!(e.message.len() < 120 && e.message.contains('…'), "{e}");
}

#[test]
fn scalar_errors() {
    fails("[1 08]", "invalid number '08'", 1, 4);
    fails("1/0", "invalid number", 1, 1);
    fails("::x", "auto-resolved", 1, 1);
    fails("[:]", "a keyword needs a name", 1, 2);
    fails("a/b/c", "invalid symbol", 1, 1);
    fails("\"\\q\"", "invalid escape", 1, 2);
    fails("\\", "backslash at end of input", 1, 1);
    fails("[\\ ]", "backslash must be followed by a character", 1, 2);
    fails("\\foo", "invalid character \\foo", 1, 1);
    fails("##Foo", "unknown symbolic value '##Foo'", 1, 1);
    fails("'[1]", "quote (') is not EDN", 1, 1);
    fails("@x", "unexpected character '@'", 1, 1);
    fails("#(inc %)", "unsupported dispatch '#('", 1, 1);
    fails("#", "'#' at end of input", 1, 1);
    fails("#\"re\"", "unsupported dispatch", 1, 1);
    fails(".5", "invalid symbol", 1, 1);
}

#[test]
fn tag_errors() {
    fails(
        "#inst 1",
        "#inst must be followed by a string, not an integer",
        1,
        7,
    );
    fails(
        "[\n  #inst \"2013-02-30\"]",
        "invalid #inst \"2013-02-30\": day 30 is out of range",
        2,
        9,
    );
    fails("#uuid \"nope\"", "invalid #uuid", 1, 7);
    fails(
        "#uuid :k",
        "#uuid must be followed by a string, not a keyword",
        1,
        7,
    );
    fails("#foo", "tag #foo must be followed by a value", 1, 1);
    fails("[#foo]", "tag #foo must be followed by a value", 1, 2);
    fails("#a/b/c 1", "invalid tag", 1, 1);
    fails("#_", "#_ must be followed by a form to discard", 1, 1);
    fails("[1 #_]", "#_ must be followed by a form to discard", 1, 4);
    fails(
        "[#_ #_ 1]",
        "#_ must be followed by a form to discard",
        1,
        5,
    );
    fails("#_ [1", "unterminated vector", 1, 4);
}

#[test]
fn nesting_limit() {
    let deep_ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
    assert!(parse(&deep_ok).is_ok());
    let too_deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
    fails(&too_deep, "nest too deeply", 1, MAX_DEPTH as u32 + 1);
    // Far beyond the limit: still an error, not a stack overflow.
    fails(
        &"(".repeat(1_000_000),
        "nest too deeply",
        1,
        MAX_DEPTH as u32 + 1,
    );
    fails(
        &"#a ".repeat(100_000),
        "nest too deeply",
        1,
        3 * MAX_DEPTH as u32 + 1,
    );
    assert_eq!(parse_all(&"#_ ".repeat(100_000)).unwrap_err().line, 1);
    let spanned = format!(
        "{}{{}}{}",
        "{:a ".repeat(MAX_DEPTH - 1),
        "}".repeat(MAX_DEPTH - 1)
    );
    assert!(parse_spanned(&spanned).is_ok());
}

#[test]
fn reader_streams_forms() {
    let src = "{:a 1}\n{:a 2} ; two\n\n [x]";
    let mut reader = Reader::new(src);
    assert_eq!(reader.pos(), Pos { line: 1, column: 1 });
    assert!(reader
        .next_form()
        .unwrap()
        .unwrap()
        .get_keyword(":a")
        .is_some());
    assert_eq!(reader.pos(), Pos { line: 1, column: 7 });
    assert_eq!(reader.offset(), 6);
    assert!(reader.next_form().unwrap().is_ok());
    assert_eq!(reader.pos(), Pos { line: 2, column: 7 });
    assert_eq!(
        reader.next_form().unwrap().unwrap(),
        Edn::Vector(vec![sym(None, "x")])
    );
    assert!(reader.next_form().is_none());
    assert!(reader.next_form().is_none());

    // After an error nothing more is produced.
    let mut reader = Reader::new("1 ) 2");
    assert!(reader.next_form().unwrap().is_ok());
    assert!(reader.next_form().unwrap().is_err());
    assert!(reader.next_form().is_none());

    // Iterator form.
    let forms: Result<Vec<_>, _> = Reader::new("1 2 3").collect();
    assert_eq!(forms.unwrap().len(), 3);
}

#[test]
fn spanned_positions() {
    let src = "[:find ?e\n :where\n  [?e :person/name #inst \"2013-08-02\"]]";
    let form = parse_spanned(src).unwrap();
    assert_eq!(form.pos, Pos { line: 1, column: 1 });
    let items = form.as_seq().unwrap();
    assert_eq!(items[1].pos, Pos { line: 1, column: 8 });
    assert!(items[1].is_symbol_named("?e"));
    assert_eq!(items[2].pos, Pos { line: 2, column: 2 });
    assert!(items[2].is_keyword_named(":where"));
    let clause = items[3].as_seq().unwrap();
    assert_eq!(items[3].pos, Pos { line: 3, column: 3 });
    assert_eq!(clause[1].pos, Pos { line: 3, column: 7 });
    assert_eq!(
        clause[2].pos,
        Pos {
            line: 3,
            column: 20
        }
    );
    assert_eq!(clause[2].kind, SpannedKind::Inst(1_375_401_600_000));
    assert_eq!(form.to_edn(), parse(src).unwrap());

    let map = parse_spanned("{:a\n #{1 é 2}}").unwrap();
    let (k, v) = &map.as_map().unwrap()[0];
    assert_eq!(k.pos, Pos { line: 1, column: 2 });
    assert_eq!(v.pos, Pos { line: 2, column: 2 });
    if let SpannedKind::Set(items) = &v.kind {
        assert_eq!(items[2].pos, Pos { line: 2, column: 8 });
    } else {
        panic!("not a set: {v:?}");
    }
    let tagged = parse_spanned("  #my/tag [1]").unwrap();
    assert_eq!(tagged.pos, Pos { line: 1, column: 3 });
    assert_eq!(tagged.type_name(), "tagged literal");

    let e = parse_spanned("[1 #{2 2}]").unwrap_err();
    assert_eq!((e.line, e.column), (1, 8));
    assert!(parse_spanned("1 2").is_err());
    assert!(parse_spanned("").is_err());
}

#[test]
fn display_round_trips_samples() {
    for src in [
        "[:find ?e ?n :in $ % :where [?e :person/name ?n] [(clojure.string/starts-with? ?n \"A\")]]",
        "{:db/id \"tmp\", :person/tags #{:a :b}, :at #inst \"1960-02-29T12:00:00.001Z\"}",
        "(1 -2 3.25 -0.0 1e300 ##NaN \\a \\space \\\" \"\\u0000\" #uuid \"f81d4fae-7dec-11d0-a765-00a0c91e6bf6\")",
        "#my/tag #other [nil true false]",
    ] {
        let value = ok(src);
        assert_eq!(ok(&value.to_string()), value, "{src} printed as {value}");
    }
    assert_eq!(ok("{:a 1 :b 2}").to_string(), "{:a 1, :b 2}");
    assert_eq!(
        ok("#inst \"2013-08-02\"").to_string(),
        "#inst \"2013-08-02T00:00:00.000Z\""
    );
}

#[test]
fn large_input_is_fast_enough() {
    // A smoke test that parsing is linear; the real measure is the release
    // benchmark, this only guards against accidental quadratic behaviour.
    let entity = "{:db/id \"e\" :person/name \"Alice \\\"A\\\"\" :person/age 42 :person/score 1.5 :person/tags #{:a :b} :person/born #inst \"1990-01-01T00:00:00Z\"}\n";
    let src = entity.repeat(20_000);
    let start = std::time::Instant::now();
    let mut count = 0;
    for form in Reader::new(&src) {
        form.unwrap();
        count += 1;
    }
    assert_eq!(count, 20_000);
    assert!(start.elapsed().as_secs() < 10);
    assert_eq!(
        parse_spanned(&format!("[{src}]"))
            .unwrap()
            .as_seq()
            .unwrap()[19_999]
            .pos
            .line,
        20_000
    );
}

// ---------------------------------------------------------------------------
// Property tests

/// Valid name parts for keywords and symbols.
fn name_part() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z*!_?$%&=<>][a-zA-Z0-9*!_?$%&=<>.+'#-]{0,8}",
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

fn leaf() -> impl Strategy<Value = Edn> {
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
    }

    #[test]
    fn inst_round_trips(millis in any::<i64>()) {
        prop_assert_eq!(parse_inst(&format_inst_millis(millis)), Ok(millis));
    }

    #[test]
    fn arbitrary_strings_never_panic(src in any::<String>()) {
        let _ = parse(&src);
        let _ = parse_all(&src);
        let _ = parse_spanned(&src);
    }

    #[test]
    fn edn_like_strings_never_panic(src in "[\\[\\](){}#_:\"\\\\ ;\n,^@'a-z0-9.+/NMe-]{0,64}") {
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
