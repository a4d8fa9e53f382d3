//! Namespaced maps (`#:ns{…}`): key qualification, positions, streaming and errors.

use super::{fails, kw, ok, spanned_fails, string, sym};
use crate::*;

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
