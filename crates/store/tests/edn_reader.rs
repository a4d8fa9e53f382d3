//! Integration tests for the public EDN API as other crates use it.

use datolite_store::edn::{
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
