//! Integration tests for the public EDN API as other crates use it.

use datolite_edn::{
    format_inst_millis, parse, parse_all, parse_inst, parse_spanned, Edn, EdnError, Keyword, Pos,
    Reader, SpannedKind, Symbol,
};

#[test]
fn schema_and_transaction_data() {
    let src = r#"
        ;; schema
        [{:db/ident       :person/name
          :db/valueType   :db.type/string
          :db/cardinality :db.cardinality/one
          :db/doc         "A person's name"}
         {:db/ident :person/id :db/valueType :db.type/uuid :db/unique :db.unique/identity}]
    "#;
    let schema = parse(src).unwrap();
    let entities = schema.as_seq().unwrap();
    assert_eq!(entities.len(), 2);
    assert_eq!(
        entities[0].get_keyword(":db/valueType"),
        Some(&Edn::Keyword(Keyword::new(Some("db.type"), "string")))
    );
    assert_eq!(
        entities[0].get_keyword(":db/doc").and_then(Edn::as_str),
        Some("A person's name")
    );

    let tx = parse(
        r#"[{:db/id "alice" :person/name "Alice" :person/born #inst "1985-04-12T23:20:50.52Z"
             :person/id #uuid "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"}
            [:db/add "alice" :person/age 42]]"#,
    )
    .unwrap();
    let ops = tx.as_seq().unwrap();
    assert_eq!(
        ops[0].get_keyword(":person/born"),
        Some(&Edn::Inst(482_196_050_520))
    );
    assert!(matches!(
        ops[0].get_keyword(":person/id"),
        Some(Edn::Uuid(_))
    ));
    assert!(ops[1].as_seq().unwrap()[0].is_keyword_named(":db/add"));
}

#[test]
fn query_with_positions() {
    let src = "[:find ?e ?name\n :in $ ?prefix\n :where [?e :person/name ?name]\n        [(clojure.string/starts-with? ?name ?prefix)]]";
    let query = parse_spanned(src).unwrap();
    let parts = query.as_seq().unwrap();
    assert!(parts[0].is_keyword_named(":find"));
    let pred = &parts[8];
    assert_eq!(pred.pos, Pos { line: 4, column: 9 });
    let call = &pred.as_seq().unwrap()[0];
    assert!(matches!(call.kind, SpannedKind::List(_)));
    assert!(call.as_seq().unwrap()[0].is_symbol_named("clojure.string/starts-with?"));
    assert_eq!(
        call.as_seq().unwrap()[0].as_symbol(),
        Some(&Symbol::new(Some("clojure.string"), "starts-with?"))
    );
    assert_eq!(query.to_edn(), parse(src).unwrap());
}

#[test]
fn streaming_many_forms() {
    let src: String = (0..1000)
        .map(|i| format!("{{:db/id {i} :n \"x{i}\"}}\n"))
        .collect();
    let mut reader = Reader::new(&src);
    let mut n = 0;
    while let Some(form) = reader.next_form() {
        let form = form.unwrap();
        assert_eq!(form.get_keyword(":db/id"), Some(&Edn::Long(n)));
        n += 1;
    }
    assert_eq!(n, 1000);
    assert_eq!(
        reader.pos(),
        Pos {
            line: 1001,
            column: 1
        }
    );
    assert_eq!(parse_all(&src).unwrap().len(), 1000);
}

#[test]
fn errors_have_positions() {
    let err: EdnError = parse("[1 2\n {:a 1 :a 2}]").unwrap_err();
    assert_eq!(err.to_string(), "line 2, column 8: duplicate key :a in map");
    let err = parse("{:a [1\n   (2 3]}").unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 2, column 8: unexpected ']': expected ')' to close the list opened at line 2, column 4"
    );
    let err = parse("\n\n  [1 \"abc").unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 3, column 6: unterminated string opened at line 3, column 6"
    );
    let err = parse("\n [1 2").unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 2, column 2: unterminated vector opened at line 2, column 2"
    );
}

#[test]
fn inst_helpers() {
    assert_eq!(parse_inst("1970-01-01T00:00:00Z"), Ok(0));
    assert_eq!(parse_inst("2013-08-02"), Ok(1_375_401_600_000));
    assert_eq!(parse_inst("1985-04-12T23:20:50.52Z"), Ok(482_196_050_520));
    assert_eq!(
        parse_inst("2020-01-01T01:00:00+01:00"),
        Ok(1_577_836_800_000)
    );
    assert_eq!(parse_inst("1969-07-20T20:17:40Z"), Ok(-14_182_940_000));
    assert_eq!(
        format_inst_millis(-14_182_940_000),
        "1969-07-20T20:17:40.000Z"
    );
    for ms in [-14_182_940_000, 0, 482_196_050_520, 253_402_300_799_999] {
        assert_eq!(parse_inst(&format_inst_millis(ms)), Ok(ms));
    }
    assert!(parse_inst("2013-02-29").is_err());
}

#[test]
fn printing_reads_back() {
    let value = parse(
        r#"{:s "tab\there \"q\" \\ é", :c [\a \newline \u0000], :d [1.0 -2e10 1.5M ##-Inf],
            :t #inst "1900-01-01", :k #{:a/b c/d}, :x #my/tag (nil true)}"#,
    )
    .unwrap();
    let printed = value.to_string();
    assert_eq!(parse(&printed).unwrap(), value, "{printed}");
    assert!(printed.contains("#inst \"1900-01-01T00:00:00.000Z\""));
}

#[test]
fn datomic_files_and_queries() {
    // A transaction file as exported by Clojure tools: a byte-order mark,
    // namespaced maps, a legacy temporary id and metadata on a form.
    let src = "\u{FEFF};; people\n[#:person{:db/id #db/id[:db.part/user -1] :name \"Ann\" :_/note \"n\"}\n ^{:doc \"second\"} #:person {:name \"Bo\"}]\n[:db/add \"x\" :person/name \"Cy\"]";
    let mut reader = Reader::new(src);
    let first = reader.next_form().unwrap().unwrap();
    let people = first.as_seq().unwrap();
    assert_eq!(
        people[0].get_keyword(":db/id"),
        Some(&Edn::Tagged(
            "db/id".into(),
            Box::new(Edn::Vector(vec![
                Edn::Keyword(Keyword::new(Some("db.part"), "user")),
                Edn::Long(-1)
            ]))
        ))
    );
    assert_eq!(
        people[0].get_keyword(":person/name").and_then(Edn::as_str),
        Some("Ann")
    );
    assert_eq!(
        people[0].get_keyword(":note").and_then(Edn::as_str),
        Some("n")
    );
    assert_eq!(
        people[1].get_keyword(":person/name").and_then(Edn::as_str),
        Some("Bo")
    );
    assert_eq!(
        reader.pos(),
        Pos {
            line: 3,
            column: 41
        }
    );
    assert!(reader.next_form().unwrap().is_ok());
    assert!(reader.next_form().is_none());

    // A query with a regular-expression literal, with positions.
    let query =
        parse_spanned("[:find ?n\n :where [?e :person/name ?n]\n [(re-find #\"^A\\w+\" ?n)]]")
            .unwrap();
    let call = &query.as_seq().unwrap()[4].as_seq().unwrap()[0];
    let pattern = &call.as_seq().unwrap()[1];
    assert_eq!(pattern.kind, SpannedKind::Regex(r"^A\w+".into()));
    assert_eq!(
        pattern.pos,
        Pos {
            line: 3,
            column: 12
        }
    );
    assert_eq!(pattern.to_edn().to_string(), r#"#"^A\w+""#);
}

#[test]
fn new_forms_report_errors_with_positions() {
    for (src, expected) in [
        (
            "[#:person{:name \"Ann\"\n :person/name \"Bo\"}]",
            "line 2, column 2: duplicate key :person/name in map",
        ),
        (
            "#::{:a 1}",
            "line 1, column 1: auto-resolved namespaced maps (#::) are not EDN: name the namespace, as in #:person{:name \"Ann\"}",
        ),
        (
            "[:find ?e\n :where [(re-find #\"^A ?e)]]",
            "line 2, column 19: unterminated regular expression opened at line 2, column 19",
        ),
        (
            "[1 ^:private]",
            "line 1, column 4: metadata marker '^' must be followed by a form to attach the metadata to",
        ),
        (
            "^[:a] x",
            "line 1, column 2: metadata must be a symbol, keyword, string or map, not a vector",
        ),
        (
            "\u{FEFF}[1 \u{FEFF}2]",
            "line 1, column 4: invalid symbol '\u{FEFF}2': a byte-order mark (U+FEFF) is only allowed at the very start of the input",
        ),
        (
            "#<java.lang.Object@5e>",
            "line 1, column 1: unreadable form '#<': a printed object that cannot be read back",
        ),
    ] {
        assert_eq!(parse(src).unwrap_err().to_string(), expected, "{src}");
        assert_eq!(parse_spanned(src).unwrap_err().to_string(), expected, "{src}");
        assert_eq!(parse_all(src).unwrap_err().to_string(), expected, "{src}");
    }
}

#[test]
fn every_printed_form_reads_back() {
    let src = r#"[42N -9223372036854775809 1.50M 1E+3M -1/3 #"a\"b\d" "\u0000\u0001\u007f é😀"
        \o101 \u0085 :a/b/c ##NaN ##-Inf 1e300 -0.0 #db/id [:db.part/user]]"#;
    let value = parse(src).unwrap();
    let printed = value.to_string();
    assert_eq!(parse(&printed).unwrap(), value, "{printed}");
    assert!(
        printed.starts_with(
            r#"[42N -9223372036854775809N 1.50M 1E+3M -1/3 #"a\"b\d" "\u0000\u0001\u007f é😀" \A \u0085 :a/b/c ##NaN ##-Inf 1e300 -0.0 "#
        ),
        "{printed}"
    );
}
