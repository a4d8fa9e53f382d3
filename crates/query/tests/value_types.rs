//! Queries over every value type, through the executor and the naive evaluator alike: exact
//! numeric equality and order across number types, arithmetic, aggregates, keyword order.

use datolite_edn::parse;
use datolite_query::{naive, parse_query, Cell, QueryResult};
use datolite_store::{Db, Value};

fn db() -> Db {
    let db = datolite::Database::memory().unwrap();
    db.transact(
        r#"[{:db/ident :p/amount :db/valueType :db.type/bigdec :db/cardinality :db.cardinality/one}
            {:db/ident :p/big :db/valueType :db.type/bigint :db/cardinality :db.cardinality/one}
            {:db/ident :p/ratio :db/valueType :db.type/float :db/cardinality :db.cardinality/one}
            {:db/ident :p/n :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
            {:db/ident :p/kw :db/valueType :db.type/keyword :db/cardinality :db.cardinality/one}
            {:db/ident :p/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}]"#,
    )
    .unwrap();
    db.transact(
        r#"[{:p/name "a" :p/amount 19.90M :p/big 12345678901234567890123N :p/ratio 0.5 :p/n 1 :p/kw :b}
            {:p/name "b" :p/amount 0.1M :p/big 2N :p/ratio 0.25 :p/n 2 :p/kw :a/z}
            {:p/name "c" :p/amount 5M :p/big -7N :p/ratio 0.1 :p/n 3 :p/kw :a-b/c}]"#,
    )
    .unwrap();
    db.db().unwrap()
}

/// Runs through both evaluators (they must agree) with EDN arguments.
fn run(db: &Db, query: &str, args: &[&str]) -> QueryResult {
    let parsed = parse_query(query).unwrap_or_else(|e| panic!("{query}: {e}"));
    let args: Vec<_> = args.iter().map(|a| parse(a).unwrap()).collect();
    let (inputs, rules) = datolite_query::bind_args(&parsed, &args).unwrap();
    let got =
        datolite_query::q(db, &parsed, &inputs, &rules).unwrap_or_else(|e| panic!("{query}: {e}"));
    let want = naive::q(db, &parsed, &inputs, &rules).unwrap();
    assert_eq!(got, want, "executor and naive differ on {query}");
    got
}

fn strings(r: QueryResult) -> Vec<String> {
    let cells = match r {
        QueryResult::Collection(c) => c,
        QueryResult::Relation(rows) => rows.into_iter().map(|mut r| r.remove(0)).collect(),
        other => panic!("{other:?}"),
    };
    cells
        .into_iter()
        .map(|c| match c {
            Cell::Value(Value::String(s)) => s,
            Cell::Value(v) => v.to_string(),
            other => format!("{other:?}"),
        })
        .collect()
}

#[test]
fn numbers_are_equal_by_exact_value_across_types() {
    let db = db();
    let names = "[:find [?name ...] :in $ ?x :where [?e :p/amount ?x] [?e :p/name ?name]]";
    // 19.90M, 19.9M and the double? 19.9 is not exactly 19.9: only exact decimals match.
    assert_eq!(strings(run(&db, names, &["19.9M"])), ["a"]);
    assert_eq!(strings(run(&db, names, &["19.900M"])), ["a"]);
    assert!(strings(run(&db, names, &["19.9"])).is_empty());
    // 5M equals the long 5, the double 5.0 and 5N.
    for five in ["5", "5.0", "5N", "5.00M"] {
        assert_eq!(strings(run(&db, names, &[five])), ["c"], "{five}");
    }
    let bigs = "[:find [?name ...] :in $ ?x :where [?e :p/big ?x] [?e :p/name ?name]]";
    assert_eq!(strings(run(&db, bigs, &["2"])), ["b"]);
    assert_eq!(
        strings(run(&db, bigs, &["12345678901234567890123N"])),
        ["a"]
    );
    let floats = "[:find [?name ...] :in $ ?x :where [?e :p/ratio ?x] [?e :p/name ?name]]";
    assert_eq!(strings(run(&db, floats, &["0.25"])), ["b"]);
    // The float nearest 0.1 is not the double 0.1.
    assert!(strings(run(&db, floats, &["0.1"])).is_empty());
}

#[test]
fn comparisons_and_arithmetic_mix_number_types() {
    let db = db();
    let over =
        "[:find [?name ...] :in $ ?min :where [?e :p/amount ?a] [(> ?a ?min)] [?e :p/name ?name]]";
    assert_eq!(strings(run(&db, over, &["4.99"])), ["a", "c"]);
    assert_eq!(strings(run(&db, over, &["0.1M"])), ["a", "c"]);
    let sum = "[:find ?t . :in $ ?x :where [?e :p/name \"a\"] [?e :p/amount ?a] [(+ ?a ?x) ?t]]";
    assert_eq!(
        run(&db, sum, &["0.1M"]),
        QueryResult::Scalar(Some(Cell::Value(Value::big_dec("20".parse().unwrap()))))
    );
    assert_eq!(
        run(&db, sum, &["1"]),
        QueryResult::Scalar(Some(Cell::Value(Value::big_dec("20.9".parse().unwrap()))))
    );
    let div = "[:find ?t . :where [?e :p/name \"b\"] [?e :p/big ?b] [(/ ?b 8) ?t]]";
    assert_eq!(
        run(&db, div, &[]),
        QueryResult::Scalar(Some(Cell::Value(Value::big_dec("0.25".parse().unwrap()))))
    );
}

#[test]
fn aggregates_over_big_numbers() {
    let db = db();
    let total = run(
        &db,
        "[:find (sum ?a) . :with ?e :where [?e :p/amount ?a]]",
        &[],
    );
    assert_eq!(
        total,
        QueryResult::Scalar(Some(Cell::Value(Value::big_dec("25".parse().unwrap()))))
    );
    let big = run(
        &db,
        "[:find (sum ?b) . :with ?e :where [?e :p/big ?b]]",
        &[],
    );
    assert_eq!(
        big,
        QueryResult::Scalar(Some(Cell::Value(Value::big_int(
            "12345678901234567890118".parse().unwrap()
        ))))
    );
    let extremes = run(
        &db,
        "[:find (min ?a) (max ?a) :where [_ :p/amount ?a]]",
        &[],
    );
    assert_eq!(
        extremes,
        QueryResult::Relation(vec![vec![
            Cell::Value(Value::big_dec("0.1".parse().unwrap())),
            Cell::Value(Value::big_dec("19.9".parse().unwrap())),
        ]])
    );
}

#[test]
fn keywords_sort_as_clojure_compares_them_in_results() {
    let db = db();
    let r = run(&db, "[:find [?k ...] :where [_ :p/kw ?k]]", &[]);
    let QueryResult::Collection(cells) = r else {
        panic!()
    };
    let order: Vec<String> = cells.iter().map(|c| format!("{c:?}")).collect();
    assert_eq!(
        cells,
        vec![
            Cell::Value(Value::keyword(":b")),
            Cell::Value(Value::keyword(":a/z")),
            Cell::Value(Value::keyword(":a-b/c")),
        ],
        "{order:?}"
    );
    let first = run(&db, "[:find (min ?k) . :where [_ :p/kw ?k]]", &[]);
    assert_eq!(
        first,
        QueryResult::Scalar(Some(Cell::Value(Value::keyword(":b"))))
    );
}

#[test]
fn regex_literals_read_from_query_text() {
    let db = db();
    let r = run(
        &db,
        r#"[:find [?n ...] :where [_ :p/name ?n] [(re-find #"^[ab]$" ?n)]]"#,
        &[],
    );
    assert_eq!(strings(r), ["a", "b"]);
    // A literal with an escaped quote keeps its text: the pattern matches a quote.
    let r = run(
        &db,
        r#"[:find [?n ...] :where [_ :p/name ?n] [(str ?n "\"") ?q] [(re-find #"c\"" ?q)]]"#,
        &[],
    );
    assert_eq!(strings(r), ["c"]);
}
