//! Helpers shared by the query test files: the movie fixture, and running a query through the
//! executor (with every join strategy) and the naive reference evaluator, which must agree
//! (the same result, or both an error).

#![allow(dead_code)]

use datolite_edn as edn;
use datolite_query::{
    bind_args, naive, parse_query, q_with, test_run_options, Cell, InputValue, QueryError,
    QueryResult, Rule,
};
use datolite_store::{Db, Value};

/// The movie database of `fixtures/movies.edn`.
pub fn movies() -> Db {
    let db = datolite::Database::memory().unwrap();
    db.transact(include_str!("../../../../fixtures/movies.edn"))
        .unwrap();
    db.db().unwrap()
}

/// EDN arguments.
pub fn args(a: &[&str]) -> Vec<edn::Edn> {
    a.iter()
        .map(|x| edn::parse(x).unwrap_or_else(|e| panic!("{x}: {e}")))
        .collect()
}

/// Both evaluators on a parsed query with shaped inputs: the executor's result (every join
/// strategy) after checking the naive evaluator agrees; for errors, both messages.
pub fn both_inputs(
    db: &Db,
    text: &str,
    inputs: &[InputValue],
    rules: &[Rule],
) -> Result<QueryResult, (QueryError, QueryError)> {
    let query = parse_query(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    let want = naive::q(db, &query, inputs, rules);
    let mut first = None;
    for options in test_run_options() {
        let got = q_with(db, &query, inputs, rules, options);
        match (&got, &want) {
            (Ok(g), Ok(w)) => {
                assert_eq!(g, w, "executor ({options:?}) and naive differ on {text}")
            }
            (Err(_), Err(_)) => {}
            _ => panic!("executor ({options:?}) {got:?} but naive {want:?} on {text}"),
        }
        first.get_or_insert(got);
    }
    match (first.expect("every option ran"), want) {
        (Ok(r), _) => Ok(r),
        (Err(g), Err(w)) => Err((g, w)),
        (Err(_), Ok(_)) => unreachable!("checked above"),
    }
}

/// Both evaluators on query text with EDN arguments (rules for `%` among them).
pub fn both(db: &Db, text: &str, a: &[&str]) -> Result<QueryResult, (QueryError, QueryError)> {
    let query = parse_query(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    let (inputs, rules) = match bind_args(&query, &args(a)) {
        Ok(x) => x,
        Err(e) => return Err((e.clone(), e)),
    };
    both_inputs(db, text, &inputs, &rules)
}

/// The result both evaluators agree on.
pub fn run(db: &Db, text: &str, a: &[&str]) -> QueryResult {
    both(db, text, a).unwrap_or_else(|(e, _)| panic!("{text}: {e}"))
}

/// Both evaluators fail, each message naming every fragment; returns the executor's message.
pub fn fails(db: &Db, text: &str, a: &[&str], fragments: &[&str]) -> String {
    match both(db, text, a) {
        Ok(r) => panic!("{text} succeeded with {r:?}"),
        Err((got, want)) => {
            for msg in [got.to_string(), want.to_string()] {
                for f in fragments {
                    assert!(msg.contains(f), "error for {text}\n  {msg}\n  lacks {f:?}");
                }
            }
            got.to_string()
        }
    }
}

pub fn s(x: &str) -> Cell {
    Cell::Value(Value::String(x.to_owned()))
}

pub fn l(x: i64) -> Cell {
    Cell::Value(Value::Long(x))
}

pub fn d(x: f64) -> Cell {
    Cell::Value(Value::Double(x))
}

pub fn kw(x: &str) -> Cell {
    Cell::Value(Value::keyword(x))
}

/// A relation's rows.
pub fn rows(r: QueryResult) -> Vec<Vec<Cell>> {
    match r {
        QueryResult::Relation(rows) => rows,
        other => panic!("not a relation: {other:?}"),
    }
}

/// A one-column relation's values.
pub fn col(r: QueryResult) -> Vec<Cell> {
    rows(r)
        .into_iter()
        .map(|row| {
            assert_eq!(row.len(), 1, "{row:?}");
            row.into_iter().next().unwrap()
        })
        .collect()
}

pub fn strings(xs: &[&str]) -> Vec<Cell> {
    xs.iter().map(|x| s(x)).collect()
}

/// The entity id of the person named `name`.
pub fn person(db: &Db, name: &str) -> u64 {
    db.datoms(
        datolite_store::Index::Avet,
        &[Value::keyword(":person/name"), Value::String(name.into())],
    )
    .unwrap()
    .first()
    .unwrap_or_else(|| panic!("no person {name}"))
    .e
}

/// A chain of `n` nodes: `:n/id` 0..n, each `:n/next` the following one.
pub fn chain(n: usize) -> Db {
    let database = datolite::Database::memory().unwrap();
    database
        .transact(
            "[{:db/ident :n/id :db/valueType :db.type/long :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
              {:db/ident :n/next :db/valueType :db.type/ref :db/cardinality :db.cardinality/one}]",
        )
        .unwrap();
    let mut tx = String::from("[");
    for i in 0..n {
        tx.push_str(&format!("{{:db/id \"n{i}\" :n/id {i}"));
        if i + 1 < n {
            tx.push_str(&format!(" :n/next \"n{}\"", i + 1));
        }
        tx.push('}');
    }
    tx.push(']');
    database.transact(&tx).unwrap();
    database.db().unwrap()
}
