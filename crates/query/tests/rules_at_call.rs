//! Rules whose bodies compute from their arguments are evaluated at the call, with the
//! caller's bindings (as Datomic and DataScript do), in both evaluators; recursive rules stay
//! bottom-up.

use datolite_query::{naive, parse_query, parse_rules, Cell, InputValue, QueryResult};
use datolite_store::Value;

fn run(query: &str, rules: &str) -> QueryResult {
    let db = datolite::Database::memory().unwrap();
    db.transact(
        "[{:db/ident :p/next :db/valueType :db.type/ref :db/cardinality :db.cardinality/one}]",
    )
    .unwrap();
    db.transact(
        r#"[{:db/id "a" :p/name "Ann" :p/age 30 :p/next "b"}
            {:db/id "b" :p/name "Bob" :p/age 41 :p/next "c"}
            {:db/id "c" :p/name "Cid" :p/age 52}]"#,
    )
    .unwrap();
    let db = db.db().unwrap();
    let q = parse_query(query).unwrap();
    let rules = parse_rules(rules).unwrap();
    let inputs = [InputValue::Db, InputValue::Rules];
    let got = datolite_query::q(&db, &q, &inputs, &rules).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(got, naive::q(&db, &q, &inputs, &rules).unwrap(), "{query}");
    got
}

fn names(r: QueryResult) -> Vec<String> {
    match r {
        QueryResult::Collection(cells) => cells
            .into_iter()
            .map(|c| match c {
                Cell::Value(Value::String(s)) => s,
                other => format!("{other:?}"),
            })
            .collect(),
        other => panic!("{other:?}"),
    }
}

const RULES: &str = r#"[[(older-than ?age ?limit) [(> ?age ?limit)]]
                         [(decade ?age ?d) [(quot ?age 10) ?q] [(* ?q 10) ?d]]
                         [(decade ?age ?d) [(= ?age 0)] [(ground -1) ?d]]
                         [(after ?x ?y) [?x :p/next ?y]]
                         [(after ?x ?y) [?x :p/next ?z] (after ?z ?y)]]"#;

#[test]
fn arguments_bound_by_the_caller() {
    let r = run(
        "[:find [?n ...] :in $ % :where [?p :p/name ?n] [?p :p/age ?a] (older-than ?a 35)]",
        RULES,
    );
    assert_eq!(names(r), ["Bob", "Cid"]);
    // A constant argument, several definitions, a rule used twice with different bindings.
    let r = run(
        "[:find [?n ...] :in $ % :where [?p :p/name ?n] [?p :p/age ?a] (decade ?a 40)]",
        RULES,
    );
    assert_eq!(names(r), ["Bob"]);
    let r = run(
        "[:find [?n ...] :in $ % :where [?p :p/name ?n] [?p :p/age ?a] (decade ?a ?d) [(>= ?d 40)]]",
        RULES,
    );
    assert_eq!(names(r), ["Bob", "Cid"]);
}

#[test]
fn recursive_rules_still_run_bottom_up() {
    let r = run(
        "[:find [?n ...] :in $ % :where [?a :p/name \"Ann\"] (after ?a ?x) [?x :p/name ?n]]",
        RULES,
    );
    assert_eq!(names(r), ["Bob", "Cid"]);
}
