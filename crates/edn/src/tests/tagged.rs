//! `#` forms that make a value: tagged literals (`#inst`, `#uuid`, user tags) and regular
//! expressions, with their errors.

use super::{fails, kw, ok, spanned_fails, string, sym};
use crate::*;

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
