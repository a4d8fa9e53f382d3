//! Queries over time: five-element patterns on history values (`?added` false for
//! retractions), several sources in one query (`:in $ $before`, `[$before …]`, `($before not
//! …)`, `($before rule …)`, `(missing? $before …)`, subqueries), as-of, since and `with` values
//! as the default source — through the executor (every join strategy) and the naive evaluator,
//! which must agree, and against databases rebuilt from the log's prefixes.

mod common;
// The store's random transactions on four people, shared rather than copied.
#[path = "../../store/tests/support/people_ops.rs"]
mod people_ops;

use common::{both_inputs, rows};
use datolite_query::{parse_rules, Cell, InputValue, QueryResult};
use datolite_store::{Db, TimePoint, Value};
use people_ops::{op, tx_text, Op, SCHEMA};
use proptest::prelude::*;

fn database() -> datolite::Database {
    let database = datolite::Database::memory().unwrap();
    database.transact(SCHEMA).unwrap();
    database
}

fn run(db: &Db, text: &str, inputs: &[InputValue]) -> QueryResult {
    both_inputs(db, text, inputs, &[]).unwrap_or_else(|(e, _)| panic!("{text}: {e}"))
}

fn sorted_rows(result: QueryResult) -> Vec<Vec<Cell>> {
    let mut out = rows(result);
    out.sort_by_key(|r| format!("{r:?}"));
    out
}

fn long(n: i64) -> Cell {
    Cell::Value(Value::Long(n))
}

/// Ann (id 1) is 30, then 31 (a correction), and gets a tag that is later retracted.
fn ann() -> (datolite::Database, Vec<u64>) {
    let database = database();
    let mut ts = Vec::new();
    for tx in [
        "[{:p/id 1 :p/age 30 :p/tags :t/new}]",
        "[{:p/id 1 :p/age 31}]",
        "[[:db/retract [:p/id 1] :p/tags :t/new] {:p/id 2 :p/age 40}]",
    ] {
        ts.push(database.transact(tx).unwrap().t);
    }
    (database, ts)
}

#[test]
fn five_element_patterns_see_retractions_on_history() {
    let (database, ts) = ann();
    let db = database.db().unwrap();
    let history = db.history();
    let q = "[:find ?age ?tx ?added :where [?e :p/id 1] [?e :p/age ?age ?tx ?added]]";
    let got = sorted_rows(run(&history, q, &[InputValue::Db]));
    let tx = |t: u64| Cell::Value(Value::Ref(datolite_store::model::tx_entity(t)));
    let yes = Cell::Value(Value::Boolean(true));
    let no = Cell::Value(Value::Boolean(false));
    let mut want = vec![
        vec![long(30), tx(ts[0]), yes.clone()],
        vec![long(30), tx(ts[1]), no],
        vec![long(31), tx(ts[1]), yes.clone()],
    ];
    want.sort_by_key(|r| format!("{r:?}"));
    assert_eq!(got, want);
    // Only retractions, and a constant `false`.
    let retracted = "[:find ?tag :where [?e :p/tags ?tag _ false]]";
    assert_eq!(
        rows(run(&history, retracted, &[InputValue::Db])),
        vec![vec![Cell::Value(Value::keyword(":t/new"))]]
    );
    // The current value has no retractions; a `false` constant matches nothing there.
    assert!(rows(run(&db, retracted, &[InputValue::Db])).is_empty());
}

#[test]
fn two_sources_in_one_query() {
    let (database, ts) = ann();
    let db = database.db().unwrap();
    let before = db.as_of(TimePoint::T(ts[0])).unwrap();
    let inputs = [InputValue::Db, InputValue::Source(before.clone())];
    // The age now and before, joined on the entity.
    let changed = "[:find ?id ?old ?new :in $ $before
                    :where [?e :p/age ?new] [$before ?e :p/age ?old] [?e :p/id ?id]
                           [(not= ?old ?new)]]";
    assert_eq!(
        rows(run(&db, changed, &inputs)),
        vec![vec![long(1), long(30), long(31)]]
    );
    // The source read first, the default after it: the second pattern runs on each batch the
    // first hands on, and must read `$`, not the `$before` active while the first emits.
    let reversed = "[:find ?id ?old ?new :in $ $before
                     :where [$before ?e :p/age ?old] [?e :p/age ?new] [?e :p/id ?id]
                            [(not= ?old ?new)]]";
    assert_eq!(
        rows(both_inputs(&db, reversed, &inputs, &[]).unwrap()),
        vec![vec![long(1), long(30), long(31)]]
    );
    // People who did not exist before: `not` reading $before.
    let new = "[:find ?id :in $ $before :where [?e :p/id ?id] ($before not [?e :p/id])]";
    assert_eq!(rows(run(&db, new, &inputs)), vec![vec![long(2)]]);
    // The same with `missing?` on $before.
    let missing = "[:find ?id :in $ $before :where [?e :p/id ?id] [(missing? $before ?e :p/id)]]";
    assert_eq!(rows(run(&db, missing, &inputs)), vec![vec![long(2)]]);
    // `or` reading $before: tagged then.
    let tagged = "[:find ?id :in $ $before :where [?e :p/id ?id] ($before or [?e :p/tags :t/new] [?e :p/tags :t/old])]";
    assert_eq!(rows(run(&db, tagged, &inputs)), vec![vec![long(1)]]);
    // A rule called with a source reads it.
    let rules = parse_rules("[[(aged ?e ?a) [?e :p/age ?a]]]").unwrap();
    let by_rule = "[:find ?a :in $ $before % :where [?e :p/id 1] ($before aged ?e ?a)]";
    let with_rules = [
        InputValue::Db,
        InputValue::Source(before.clone()),
        InputValue::Rules,
    ];
    let got = both_inputs(&db, by_rule, &with_rules, &rules).unwrap();
    assert_eq!(rows(got), vec![vec![long(30)]]);
    let now = "[:find ?a :in $ $before % :where [?e :p/id 1] (aged ?e ?a)]";
    let got = both_inputs(&db, now, &with_rules, &rules).unwrap();
    assert_eq!(rows(got), vec![vec![long(31)]]);
    // A subquery on $before.
    let sub = "[:find ?a :in $ $before :where
                [(q [:find ?x . :in $ :where [?e :p/id 1] [?e :p/age ?x]] $before) ?a]]";
    assert_eq!(rows(run(&db, sub, &inputs)), vec![vec![long(30)]]);
}

#[test]
fn a_source_from_another_database_is_an_error() {
    let (database, _) = ann();
    let other = ann().0.db().unwrap();
    let db = database.db().unwrap();
    let q = "[:find ?e :in $ $other :where [$other ?e :p/id 1]]";
    let (error, _) =
        both_inputs(&db, q, &[InputValue::Db, InputValue::Source(other)], &[]).unwrap_err();
    assert!(error.to_string().contains("$other"), "{error}");
    assert!(error.to_string().contains("another database"), "{error}");
}

#[test]
fn lookup_refs_resolve_in_the_source_they_are_read_from() {
    let database = database();
    let t1 = database.transact("[{:p/id 7 :p/age 1}]").unwrap().t;
    database
        .transact("[[:db/retractEntity [:p/id 7]]]")
        .unwrap();
    let db = database.db().unwrap();
    let before = db.as_of(TimePoint::T(t1)).unwrap();
    // [:p/id 7] names nothing now; in $before it is the entity.
    let q = "[:find ?a :in $ $before :where [$before [:p/id 7] :p/age ?a]]";
    assert_eq!(
        rows(run(&db, q, &[InputValue::Db, InputValue::Source(before)])),
        vec![vec![long(1)]]
    );
}

#[test]
fn with_values_are_queried_like_any_other() {
    let (database, _) = ann();
    let db = database.db().unwrap();
    let (after, report) = db.with_edn("[{:p/id 3 :p/age 50}]").unwrap();
    let q = "[:find (count ?e) :where [?e :p/id]]";
    assert_eq!(rows(run(&db, q, &[InputValue::Db])), vec![vec![long(2)]]);
    assert_eq!(rows(run(&after, q, &[InputValue::Db])), vec![vec![long(3)]]);
    // Nothing was committed.
    assert_eq!(database.db().unwrap().basis_t(), db.basis_t());
    assert_eq!(after.basis_t(), report.t);
    // The speculative value and the current one, side by side.
    let new = "[:find ?id :in $ $after :where [$after ?e :p/id ?id] (not [?e :p/id])]";
    assert_eq!(
        rows(run(&db, new, &[InputValue::Db, InputValue::Source(after)])),
        vec![vec![long(3)]]
    );
}

/// Queries whose answers on a view must equal those on the rebuilt database (no transaction
/// ids in the answers, which a rebuilt database shares anyway).
const QUERIES: &[&str] = &[
    "[:find ?id ?a :where [?e :p/id ?id] [?e :p/age ?a]]",
    "[:find ?id ?t :where [?e :p/id ?id] [?e :p/tags ?t]]",
    "[:find ?x ?y :where [?a :p/friend ?b] [?a :p/id ?x] [?b :p/id ?y]]",
    "[:find (count ?e) :where [?e :p/age]]",
    "[:find ?id :where [?e :p/id ?id] (not [?e :p/age])]",
    "[:find ?a (count ?e) :where [?e :p/age ?a]]",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// For every t, each query on `as_of(t)` answers what it answers on the database rebuilt
    /// from the first t transactions (both evaluators, every join strategy); on history values
    /// the five-element pattern answers what the log holds; a two-source query comparing a
    /// moment with the next equals the difference of the two rebuilt databases.
    #[test]
    fn queries_over_time_equal_rebuilt_databases(txs in prop::collection::vec(prop::collection::vec(op(), 1..4), 1..6)) {
        let dir = tempfile::tempdir().unwrap();
        let disk = datolite::Database::open(dir.path().join("db"), datolite::StoreOptions::default()).unwrap();
        disk.transact(SCHEMA).unwrap();
        for database in [crate::database(), disk] {
            check_queries(&database, &txs)?;
        }
    }
}

/// The property of `queries_over_time_equal_rebuilt_databases` on one database (the schema
/// committed, `txs` not yet).
fn check_queries(database: &datolite::Database, txs: &[Vec<Op>]) -> Result<(), TestCaseError> {
    let mut committed = Vec::new();
    for (day, ops) in txs.iter().enumerate() {
        let text = tx_text(ops, day);
        if database.transact(&text).is_ok() {
            committed.push(text);
        }
    }
    let db = database.db().unwrap();
    let schema_t = 2;
    let log: Vec<datolite_store::Datom> = db
        .tx_range(None, None)
        .unwrap()
        .into_iter()
        .flat_map(|e| e.datoms)
        .collect();
    for n in 0..=committed.len() {
        let t = schema_t + n as u64;
        let rebuilt = crate::database();
        for text in &committed[..n] {
            rebuilt.transact(text).unwrap();
        }
        let past = rebuilt.db().unwrap();
        let as_of = db.as_of(TimePoint::T(t)).unwrap();
        for q in QUERIES {
            prop_assert_eq!(
                sorted_rows(run(&as_of, q, &[InputValue::Db])),
                sorted_rows(run(&past, q, &[InputValue::Db])),
                "{} as of {}",
                q,
                t
            );
        }
        // History: every assertion and retraction of :p/age up to t, from the log.
        let age = u64::from(db.attribute(":p/age").unwrap().id);
        let mut want: Vec<Vec<Cell>> = log
            .iter()
            .filter(|d| d.a == age && d.tx <= datolite_store::model::tx_entity(t))
            .map(|d| {
                vec![
                    Cell::Value(Value::Ref(d.e)),
                    Cell::Value(d.v.clone()),
                    Cell::Value(Value::Ref(d.tx)),
                    Cell::Value(Value::Boolean(d.added)),
                ]
            })
            .collect();
        want.sort_by_key(|r| format!("{r:?}"));
        want.dedup();
        let history = "[:find ?e ?v ?tx ?added :where [?e :p/age ?v ?tx ?added]]";
        prop_assert_eq!(
            sorted_rows(run(&as_of.history(), history, &[InputValue::Db])),
            want,
            "history as of {}",
            t
        );
        // Two sources: the ages set by transaction t itself, as `since` sees them, and
        // as the difference of the moment before and t.
        if n > 0 {
            let before = db.as_of(TimePoint::T(t - 1)).unwrap();
            let q =
                "[:find ?e ?a :in $ $before :where [?e :p/age ?a] (not [$before ?e :p/age ?a])]";
            let diff = sorted_rows(run(
                &as_of,
                q,
                &[InputValue::Db, InputValue::Source(before)],
            ));
            let since = db
                .as_of(TimePoint::T(t))
                .unwrap()
                .since(TimePoint::T(t - 1))
                .unwrap();
            let set_then = sorted_rows(run(
                &since,
                "[:find ?e ?a :where [?e :p/age ?a]]",
                &[InputValue::Db],
            ));
            prop_assert_eq!(diff, set_then, "ages set by t {}", t);
        }
    }
    Ok(())
}

#[test]
fn a_rule_naming_an_undeclared_source_is_an_error() {
    let (database, _) = ann();
    let db = database.db().unwrap();
    let rules = parse_rules("[[(aged ?e ?a) [$old ?e :p/age ?a]]]").unwrap();
    let q = "[:find ?a :in $ % :where (aged ?e ?a)]";
    let (error, _) = both_inputs(&db, q, &[InputValue::Db, InputValue::Rules], &rules).unwrap_err();
    assert!(error.to_string().contains("unknown source $old"), "{error}");
}
