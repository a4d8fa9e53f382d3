//! Metadata (`^…`, `#^…`): read, checked as Clojure checks it, and discarded.

use super::{fails, kw, ok, spanned_fails, sym};
use crate::*;

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
