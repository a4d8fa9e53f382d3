//! Reader tests: every construct, every error, positions, and property tests
//! (print/read round trip, no panics on arbitrary input).

use proptest::prelude::*;

use crate::*;

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
    fails(
        "a/",
        "invalid symbol 'a/': a name may not end with '/'",
        1,
        1,
    );
    fails("\"\\q\"", "invalid escape", 1, 2);
    fails("\\", "backslash at end of input", 1, 1);
    fails("[\\ a]", "invalid character \\ a", 1, 2);
    fails("\\foo", "invalid character \\foo", 1, 1);
    fails("##Foo", "unknown symbolic value '##Foo'", 1, 1);
    fails("'[1]", "quote (') is not EDN", 1, 1);
    fails("@x", "unexpected character '@'", 1, 1);
    fails("#(inc %)", "unsupported dispatch '#('", 1, 1);
    fails("#", "'#' at end of input", 1, 1);
    fails("#!x", "unsupported dispatch '#!'", 1, 1);
    fails("#'x", "unsupported dispatch '#''", 1, 1);
    fails("#😀 1", "unsupported dispatch '#😀'", 1, 1);
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
    fails("#a/ 1", "invalid tag", 1, 1);
    fails("#nil 1", "invalid tag #nil: a tag must be a symbol", 1, 1);
    fails("[1 #true 1]", "invalid tag #true", 1, 4);
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
    // Every kind of nesting, as deep as allowed, in both builders (the test
    // thread's stack is small, so this also guards the frames' sizes).
    // (per level: what opens it, the innermost form, what closes it, how
    // many levels it nests, and the extra level its innermost part needs.)
    for (open, inner, close, per_level, extra) in [
        ("#:p{:a ", "1", "}", 1, 0),
        ("#{", "", "}", 1, 0),
        ("#^:m ", "x", "", 1, 0),
        ("^{:m 1} ", "x", "", 1, 1),
        ("#t ", "1", "", 1, 0),
        ("[^:m #:p{:a ", "1", "}]", 3, 0),
    ] {
        let levels = (MAX_DEPTH - extra) / per_level;
        let src = format!("{}{inner}{}", open.repeat(levels), close.repeat(levels));
        assert!(parse(&src).is_ok(), "{open}");
        assert!(parse_spanned(&src).is_ok(), "{open}");
        let src = format!(
            "{}{inner}{}",
            open.repeat(levels + 1),
            close.repeat(levels + 1)
        );
        assert!(
            parse(&src).unwrap_err().message.contains("nest too deeply"),
            "{open}"
        );
    }
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
// Namespaced maps, regular expressions, metadata, byte-order mark, Clojure's
// corners.

fn string(s: &str) -> Edn {
    Edn::String(s.into())
}

fn spanned_fails(src: &str, message: &str, line: u32, column: u32) {
    match parse_spanned(src) {
        Ok(v) => panic!("{src:?} parsed as {}", v.to_edn()),
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
fn namespaced_maps() {
    let expected = Edn::Map(vec![
        (kw(Some("person"), "name"), string("Ann")),
        (kw(Some("other"), "x"), Edn::Long(1)),
        (kw(None, "y"), Edn::Long(2)),
    ]);
    for src in [
        r#"#:person{:name "Ann" :other/x 1 :_/y 2}"#,
        "#:person {:name \"Ann\", :other/x 1, :_/y 2}",
        "#:person\n\t {:name \"Ann\" :other/x 1 #_ :ignored :_/y 2}",
        // Clojure's EDN reader reads the namespace as a form: whitespace and
        // comments may come before it.
        "#: person{:name \"Ann\" :other/x 1 :_/y 2}",
        "#:;c\nperson{:name \"Ann\" :other/x 1 :_/y 2}",
    ] {
        assert_eq!(ok(src), expected, "{src}");
        assert_eq!(parse_spanned(src).unwrap().to_edn(), expected, "{src}");
    }
    // Symbols take the namespace too; other keys and all values stay.
    assert_eq!(
        ok(r#"#:p{a 1 _/b 2 q/c 3 "s" 4 7 5 [:x] 6 :k :v {:n 1} #:q{:m 2} / 8 :/ 9}"#),
        Edn::Map(vec![
            (sym(Some("p"), "a"), Edn::Long(1)),
            (sym(None, "b"), Edn::Long(2)),
            (sym(Some("q"), "c"), Edn::Long(3)),
            (string("s"), Edn::Long(4)),
            (Edn::Long(7), Edn::Long(5)),
            (Edn::Vector(vec![kw(None, "x")]), Edn::Long(6)),
            (kw(Some("p"), "k"), kw(None, "v")),
            (
                Edn::Map(vec![(kw(None, "n"), Edn::Long(1))]),
                Edn::Map(vec![(kw(Some("q"), "m"), Edn::Long(2))])
            ),
            (sym(Some("p"), "/"), Edn::Long(8)),
            (kw(Some("p"), "/"), Edn::Long(9)),
        ])
    );
    assert_eq!(ok("#:p{}"), Edn::Map(vec![]));
    assert_eq!(
        ok("#:a.b-c{:d 1}"),
        Edn::Map(vec![(kw(Some("a.b-c"), "d"), Edn::Long(1))])
    );
    // Transaction data as Datomic writes it.
    let tx = ok(r#"[#:person{:db/id "ann" :name "Ann" :friends [#:person{:name "Bo"}]}]"#);
    let entity = &tx.as_seq().unwrap()[0];
    assert_eq!(entity.get_keyword(":db/id"), Some(&string("ann")));
    assert_eq!(entity.get_keyword(":person/name"), Some(&string("Ann")));
    assert_eq!(
        entity.get_keyword(":person/friends"),
        Some(&Edn::Vector(vec![Edn::Map(vec![(
            kw(Some("person"), "name"),
            string("Bo")
        )])]))
    );
    // It prints as a plain map, which reads back equal.
    let map = ok("#:p{:a 1 :_/b 2}");
    assert_eq!(map.to_string(), "{:p/a 1, :b 2}");
    assert_eq!(ok(&map.to_string()), map);
}

#[test]
fn namespaced_map_positions_and_streaming() {
    let form = parse_spanned("[0\n #:p{:a\n 1 b 2}]").unwrap();
    let map = &form.as_seq().unwrap()[1];
    assert_eq!(map.pos, Pos { line: 2, column: 2 });
    let entries = map.as_map().unwrap();
    assert!(entries[0].0.is_keyword_named(":p/a"));
    assert_eq!(entries[0].0.pos, Pos { line: 2, column: 6 });
    assert_eq!(entries[0].1.pos, Pos { line: 3, column: 2 });
    assert!(entries[1].0.is_symbol_named("p/b"));
    assert_eq!(entries[1].0.pos, Pos { line: 3, column: 4 });

    let forms: Vec<Edn> = Reader::new("#:p{:a 1}\n#:q{:a 2}")
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        forms,
        vec![
            Edn::Map(vec![(kw(Some("p"), "a"), Edn::Long(1))]),
            Edn::Map(vec![(kw(Some("q"), "a"), Edn::Long(2))]),
        ]
    );
    let mut reader = Reader::new("#:p{:a 1}\n#:q{:a 2 :q/a 3}");
    assert!(reader.next_form().unwrap().is_ok());
    let e = reader.next_form().unwrap().unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 2, column 10: duplicate key :q/a in map"
    );
    assert!(reader.next_form().is_none());
}

#[test]
fn namespaced_map_errors() {
    let cases: &[(&str, &str, u32, u32)] = &[
        // Duplicates after expansion, at the later key.
        (
            "#:p{:name 1 :p/name 2}",
            "duplicate key :p/name in map",
            1,
            13,
        ),
        ("#:p{a 1\n p/a 2}", "duplicate key p/a in map", 2, 2),
        ("#:p{:_/a 1 :a 2 :_/a 3}", "duplicate key :a in map", 1, 17),
        (
            "#::{:a 1}",
            "auto-resolved namespaced maps (#::) are not EDN",
            1,
            1,
        ),
        (
            "[#::p{:a 1}]",
            "auto-resolved namespaced maps (#::) are not EDN",
            1,
            2,
        ),
        ("#:{:a 1}", "namespaced map must name its namespace", 1, 1),
        ("#:", "namespaced map must name its namespace", 1, 1),
        (
            "#:p/q{:a 1}",
            "invalid namespace 'p/q' for a namespaced map: it may not contain '/'",
            1,
            3,
        ),
        (
            "#:nil{:a 1}",
            "invalid namespace 'nil' for a namespaced map: nil is not a symbol",
            1,
            3,
        ),
        (
            "#:1{:a 1}",
            "invalid namespace for a namespaced map: invalid symbol '1'",
            1,
            3,
        ),
        (
            "#:p [1]",
            "namespaced map #:p must be followed by a map {…}",
            1,
            1,
        ),
        ("#:p", "namespaced map #:p must be followed by a map", 1, 1),
        // Only whitespace between the namespace and the map, as in Clojure.
        (
            "#:p ;c\n{:a 1}",
            "namespaced map #:p must be followed by a map",
            1,
            1,
        ),
        (
            "#:p #_x {:a 1}",
            "namespaced map #:p must be followed by a map",
            1,
            1,
        ),
        (
            "#:p{:a}",
            "map literal must contain an even number of forms, found 1",
            1,
            1,
        ),
        (
            "#:p{:a 1",
            "unterminated map opened at line 1, column 4",
            1,
            4,
        ),
        (
            "#:p{:a 1]",
            "expected '}' to close the map opened at line 1, column 4",
            1,
            9,
        ),
        (
            "#:p{:_/a/b 1}",
            "key :a/b in a namespaced map: without a namespace its name may not contain '/'",
            1,
            5,
        ),
    ];
    for &(src, message, line, column) in cases {
        fails(src, message, line, column);
        spanned_fails(src, message, line, column);
    }
}

#[test]
fn regular_expressions() {
    assert_eq!(ok(r#"#"^Ma.*""#), Edn::Regex("^Ma.*".into()));
    assert_eq!(ok(r#"#"""#), Edn::Regex(String::new()));
    // A backslash escapes the next character, and both are kept.
    assert_eq!(ok(r#"#"a\"b""#), Edn::Regex(r#"a\"b"#.into()));
    assert_eq!(ok(r#"#"\d+\.\d*""#), Edn::Regex(r"\d+\.\d*".into()));
    assert_eq!(ok(r#"#"\\""#), Edn::Regex(r"\\".into()));
    assert_eq!(ok("#\"a\nb é\""), Edn::Regex("a\nb é".into()));
    let query = ok(r#"[:find ?n :where [?e :person/name ?n] [(re-find #"^Ma" ?n)]]"#);
    let clause = &query.as_seq().unwrap()[4];
    assert_eq!(
        clause.as_seq().unwrap()[0],
        Edn::List(vec![
            sym(None, "re-find"),
            Edn::Regex("^Ma".into()),
            sym(None, "?n")
        ])
    );
    assert_eq!(ok(r#"#"a" "#).type_name(), "regular expression");
    // Ends a token like a string does.
    assert_eq!(
        ok(r#"[a#"b"]"#),
        Edn::Vector(vec![sym(None, "a#"), string("b")])
    );
    let spanned = parse_spanned("[1\n  #\"x\"]").unwrap();
    let re = &spanned.as_seq().unwrap()[1];
    assert_eq!(re.pos, Pos { line: 2, column: 3 });
    assert_eq!(re.kind, SpannedKind::Regex("x".into()));
    // Printing gives the literal back.
    for src in [r#"#"^Ma.*""#, r#"#"a\"b""#, r#"#"\\""#, r#"#"[\"\\]+""#] {
        assert_eq!(ok(src).to_string(), src);
    }
    fails(
        r#"#"abc"#,
        "unterminated regular expression opened at line 1, column 1",
        1,
        1,
    );
    fails(
        "[1\n #\"a\\\"]",
        "unterminated regular expression opened at line 2, column 2",
        2,
        2,
    );
    fails(r#"#"a\"#, "unterminated regular expression", 1, 1);
    spanned_fails("  #\"", "unterminated regular expression", 1, 3);
}

#[test]
fn metadata_is_read_and_discarded() {
    for (src, expected) in [
        ("^:private x", sym(None, "x")),
        ("^{:doc \"x\"} [1]", Edn::Vector(vec![Edn::Long(1)])),
        ("^String s", sym(None, "s")),
        ("^\"tag\" s", sym(None, "s")),
        ("#^:a [1]", Edn::Vector(vec![Edn::Long(1)])),
        ("^:a ^:b (f)", Edn::List(vec![sym(None, "f")])),
        ("^ :a\n ;c\n x", sym(None, "x")),
        ("^^:m {:a 1} x", sym(None, "x")),
        ("^:a #_ 1 [2]", Edn::Vector(vec![Edn::Long(2)])),
        ("^:a #{1}", Edn::Set(vec![Edn::Long(1)])),
        (
            "^:a #:p{:a 1}",
            Edn::Map(vec![(kw(Some("p"), "a"), Edn::Long(1))]),
        ),
        ("^#:p{:a 1} x", sym(None, "x")),
        (
            "[^:a x y]",
            Edn::Vector(vec![sym(None, "x"), sym(None, "y")]),
        ),
        ("{^:a k 1}", Edn::Map(vec![(sym(None, "k"), Edn::Long(1))])),
        // '^' ends a token, as in Clojure.
        (
            "[a^:m b]",
            Edn::Vector(vec![sym(None, "a"), sym(None, "b")]),
        ),
        (
            "[1^:m [2]]",
            Edn::Vector(vec![Edn::Long(1), Edn::Vector(vec![Edn::Long(2)])]),
        ),
    ] {
        assert_eq!(ok(src), expected, "{src}");
        assert_eq!(parse_spanned(src).unwrap().to_edn(), expected, "{src}");
    }
    // The form keeps its own position.
    let form = parse_spanned("[^:a\n x]").unwrap();
    assert_eq!(form.as_seq().unwrap()[0].pos, Pos { line: 2, column: 2 });
    let forms: Vec<Edn> = Reader::new("^:a x ^:b y")
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(forms, vec![sym(None, "x"), sym(None, "y")]);

    let cases: &[(&str, &str, u32, u32)] = &[
        (
            "^",
            "metadata marker '^' must be followed by metadata",
            1,
            1,
        ),
        (
            "^:a",
            "metadata marker '^' must be followed by a form to attach the metadata to",
            1,
            1,
        ),
        (
            "[^:a]",
            "must be followed by a form to attach the metadata to",
            1,
            2,
        ),
        (
            "[1 ^:a #_ 2]",
            "must be followed by a form to attach the metadata to",
            1,
            4,
        ),
        (
            "#^",
            "metadata marker '^' must be followed by metadata",
            1,
            1,
        ),
        (
            "^1 x",
            "metadata must be a symbol, keyword, string or map, not an integer",
            1,
            2,
        ),
        (
            "^[1] x",
            "metadata must be a symbol, keyword, string or map, not a vector",
            1,
            2,
        ),
        ("^ nil x", "not nil", 1, 3),
        (
            "^:a 1",
            "metadata can only be attached to a symbol or a collection, not an integer",
            1,
            5,
        ),
        ("^:a\n\"s\"", "not a string", 2, 1),
        ("^:a :k", "not a keyword", 1, 5),
        ("^:a nil", "not nil", 1, 5),
        ("^:a #inst \"2020-01-01\"", "not an instant", 1, 5),
        ("^:a #my/tag [1]", "not a tagged literal", 1, 5),
        ("^:a #\"re\"", "not a regular expression", 1, 5),
        (
            "^{:a} x",
            "map literal must contain an even number of forms",
            1,
            2,
        ),
        ("^:a [1", "unterminated vector", 1, 5),
    ];
    for &(src, message, line, column) in cases {
        fails(src, message, line, column);
        spanned_fails(src, message, line, column);
    }
    // A long chain of metadata is a nesting error, not a stack overflow.
    let chain = format!("{}x", "^:a ".repeat(100_000));
    fails(&chain, "nest too deeply", 1, 4 * MAX_DEPTH as u32 + 1);
}

#[test]
fn byte_order_mark_at_the_start_is_skipped() {
    let bom = "\u{FEFF}";
    assert_eq!(ok(&format!("{bom}[1]")), Edn::Vector(vec![Edn::Long(1)]));
    assert_eq!(
        parse_all(&format!("{bom}1 2")).unwrap(),
        vec![Edn::Long(1), Edn::Long(2)]
    );
    assert_eq!(parse_all(bom).unwrap(), vec![]);
    let form = parse_spanned(&format!("{bom}[1\n 2]")).unwrap();
    assert_eq!(form.pos, Pos::START);
    assert_eq!(form.as_seq().unwrap()[0].pos, Pos { line: 1, column: 2 });
    assert_eq!(form.as_seq().unwrap()[1].pos, Pos { line: 2, column: 2 });
    let mut reader = Reader::new("\u{FEFF}{:a 1} {:a 2}");
    assert_eq!(reader.pos(), Pos::START);
    assert!(reader.next_form().unwrap().is_ok());
    assert_eq!(reader.pos(), Pos { line: 1, column: 7 });
    assert!(reader.next_form().unwrap().is_ok());
    assert!(reader.next_form().is_none());
    // Inside strings it is text like any other.
    assert_eq!(ok(&format!("{bom}\"{bom}\"")), string(bom));
    // Positions in errors do not count it.
    fails(bom, "expected a form, found end of input", 1, 1);
    fails(
        &format!("{bom}[1 x"),
        "unterminated vector opened at line 1, column 1",
        1,
        1,
    );
    fails(&format!("{bom}1 2"), "unexpected '2' after the form", 1, 3);
    // Anywhere else it is an error, as part of the token it starts or ends.
    let message = "byte-order mark (U+FEFF) is only allowed at the very start of the input";
    fails(&format!("{bom}{bom}1"), message, 1, 1);
    fails(&format!(" {bom}x"), message, 1, 2);
    fails(&format!("[1 {bom}]"), message, 1, 4);
    fails(&format!("[:a{bom}]"), message, 1, 2);
    fails(&format!("[1{bom}]"), "invalid number", 1, 2);
    spanned_fails(&format!("{bom}[x {bom}]"), message, 1, 4);
    let mut reader = Reader::new("1\n\u{FEFF}2");
    assert!(reader.next_form().unwrap().is_ok());
    assert_eq!(
        reader.next_form().unwrap().unwrap_err().pos(),
        Pos { line: 2, column: 1 }
    );
}

#[test]
fn clojure_corners() {
    // Names split at the first '/', as Clojure's Symbol.intern does.
    assert_eq!(ok("a/b/c"), sym(Some("a"), "b/c"));
    assert_eq!(ok(":a/b/c"), kw(Some("a"), "b/c"));
    assert_eq!(ok("a//"), sym(Some("a"), "/"));
    assert_eq!(ok(":/"), kw(None, "/"));
    assert_eq!(ok(":1"), kw(None, "1"));
    assert_eq!(ok("[a|b]"), Edn::Vector(vec![sym(None, "a|b")]));
    assert_eq!(ok(":a/b/c").to_string(), ":a/b/c");
    fails(
        ":a/1",
        "the part after the last '/' may not start with a digit",
        1,
        1,
    );
    fails("[x a:]", "invalid symbol 'a:': misplaced ':'", 1, 4);
    fails(":a:", "misplaced ':'", 1, 1);
    fails(":a::b", "misplaced ':'", 1, 1);
    fails("::a", "auto-resolved keywords (::) are not EDN", 1, 1);
    fails(":/a", "invalid keyword ':/a'", 1, 1);
    fails("'a", "quote (') is not EDN", 1, 1);
    // Characters.
    assert_eq!(ok(r"\o123"), Edn::Char('S'));
    assert_eq!(ok(r"\o"), Edn::Char('o'));
    assert_eq!(ok(r"\u0041"), Edn::Char('A'));
    assert_eq!(ok("[\\ ]"), Edn::Vector(vec![Edn::Char(' ')]));
    fails(r"\o400", "invalid character \\o400", 1, 1);
    fails(r"[\uD800]", "a surrogate", 1, 2);
    // Strings: octal escapes.
    assert_eq!(ok(r#""\101\0""#), string("A\u{0}"));
    fails(r#"[1 "\9"]"#, "'9' is not an octal digit", 1, 5);
    // Dispatch.
    fails("#<Object@1f>", "unreadable form '#<'", 1, 1);
    fails("[1 #(inc %)]", "anonymous function literal", 1, 4);
    fails("#?(:clj 1)", "reader conditional", 1, 1);
    fails("#=(+ 1 2)", "read-eval", 1, 1);
    assert_eq!(ok("## Inf"), Edn::Double(f64::INFINITY));
    assert_eq!(ok("##;c\n-Inf"), Edn::Double(f64::NEG_INFINITY));
    fails("##", "## must be followed by Inf, -Inf or NaN", 1, 1);
    fails("[##]", "## must be followed by Inf, -Inf or NaN", 1, 2);
    assert_eq!(ok("#é 1"), Edn::Tagged("é".into(), Box::new(Edn::Long(1))));
    // Datomic's temporary ids are tagged literals (the transactor reads them).
    let user = Edn::Tagged(
        "db/id".into(),
        Box::new(Edn::Vector(vec![kw(Some("db.part"), "user")])),
    );
    assert_eq!(ok("#db/id [:db.part/user]"), user);
    assert_eq!(ok("#db/id[:db.part/user]"), user);
    assert_eq!(
        ok("#db/id[:db.part/db -1]"),
        Edn::Tagged(
            "db/id".into(),
            Box::new(Edn::Vector(vec![kw(Some("db.part"), "db"), Edn::Long(-1)]))
        )
    );
    assert_eq!(
        ok("#db/id [:db.part/user]").to_string(),
        "#db/id [:db.part/user]"
    );
    // Whitespace is what Clojure's reader takes as whitespace.
    assert_eq!(
        ok("[1\u{3000}2\u{2028}3\u{1f}4\u{2003}5\u{b}6]"),
        Edn::Vector((1..=6).map(Edn::Long).collect())
    );
    fails("[1\u{a0}2]", "invalid number", 1, 2);
    fails("[a\u{a0}b]", "invalid symbol", 1, 2);
    // A comment ends at a return too, as in Clojure.
    assert_eq!(
        ok("[1 ; c\r2]"),
        Edn::Vector(vec![Edn::Long(1), Edn::Long(2)])
    );
    // Numbers end at '#' too.
    assert_eq!(
        ok("[1#{2} 3#_4]"),
        Edn::Vector(vec![
            Edn::Long(1),
            Edn::Set(vec![Edn::Long(2)]),
            Edn::Long(3)
        ])
    );
}

#[test]
fn printing_every_kind() {
    let cases: Vec<(Edn, &str)> = vec![
        (Edn::BigInt(42.into()), "42N"),
        (
            Edn::BigInt("-9223372036854775809".parse().unwrap()),
            "-9223372036854775809N",
        ),
        (ok("1.50M"), "1.50M"),
        (ok("-0.05M"), "-0.05M"),
        (ok("0.001M"), "0.001M"),
        (ok("1e3M"), "1E+3M"),
        (ok("0M"), "0M"),
        (ok("-1/3"), "-1/3"),
        (ok("+10/4"), "5/2"),
        (Edn::Regex(r#"a\"b"#.into()), r#"#"a\"b""#),
        // Built by hand: made readable.
        (Edn::Regex(r#"a"b"#.into()), r#"#"a\"b""#),
        (Edn::Regex(r"a\".into()), r#"#"a\\""#),
        (
            string("\u{0}\u{1}\u{1f}\u{7f}\u{85}\u{9f}"),
            r#""\u0000\u0001\u001f\u007f\u0085\u009f""#,
        ),
        (
            string("tab\t\"q\" \\ é 😀 \u{2028}\u{feff}"),
            "\"tab\\t\\\"q\\\" \\\\ é 😀 \u{2028}\u{feff}\"",
        ),
        (Edn::Char('\u{85}'), r"\u0085"),
        (Edn::Char('\u{3000}'), r"\u3000"),
        (Edn::Char('\u{a0}'), r"\u00a0"),
        (Edn::Char('\u{feff}'), r"\ufeff"),
        (Edn::Char('é'), r"\é"),
        (Edn::Char('😀'), r"\😀"),
        (Edn::Char('^'), r"\^"),
        (Edn::Double(1e21), "1e21"),
        (Edn::Double(-3.0), "-3.0"),
        (Edn::Double(0.1), "0.1"),
    ];
    for (value, text) in cases {
        assert_eq!(value.to_string(), text, "{value:?}");
        let read = ok(text);
        match &value {
            // Hand-built patterns read back in their escaped form.
            Edn::Regex(p) if p.contains('"') && !p.contains("\\\"") => {
                assert_eq!(read, Edn::Regex(p.replace('"', "\\\"")));
            }
            Edn::Regex(p) if p.ends_with('\\') => assert_eq!(read, Edn::Regex(format!("{p}\\"))),
            _ => assert_eq!(read, value, "{text}"),
        }
    }
}

#[test]
fn printer_functions_write_to_any_writer() {
    use std::fmt::Write;
    let mut out = String::new();
    display::write_string(&mut out, "a\"\u{1}").unwrap();
    out.push(' ');
    display::write_char(&mut out, '\n').unwrap();
    out.push(' ');
    display::write_double(&mut out, 2.0).unwrap();
    out.push(' ');
    display::write_double(&mut out, f64::NEG_INFINITY).unwrap();
    out.push(' ');
    display::write_bigdec(&mut out, &"-1.250".parse().unwrap()).unwrap();
    out.push(' ');
    display::write_regex(&mut out, "x+").unwrap();
    write!(out, " {}", Edn::Long(1)).unwrap();
    assert_eq!(out, r#""a\"\u0001" \newline 2.0 ##-Inf -1.250M #"x+" 1"#);
}

// ---------------------------------------------------------------------------
// Property tests

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
