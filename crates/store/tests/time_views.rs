//! Database values over time, checked against what they must equal: `as_of(t)` against the
//! database rebuilt from the first t transactions, `since(t)` against the current state's later
//! datoms, `history()` against the log, and `with` against committing the same transactions —
//! in every index, forward and reverse, on both engines.

mod common;
#[path = "support/people_ops.rs"]
mod people_ops;

use datolite_store::{Datom, Db, Index, Store, TimePoint, Value};
use people_ops::{op, tx_text, Op, SCHEMA};
use proptest::prelude::*;

fn scan(db: &Db, index: Index, reverse: bool) -> Vec<Datom> {
    let scan = db.scan(index);
    let scan = if reverse { scan.reverse() } else { scan };
    scan.collect().unwrap()
}

/// A datom as a sortable tuple (values through their printed form).
fn key(d: &Datom) -> (u64, u64, String, u64, bool) {
    (d.e, d.a, d.v.to_string(), d.tx, d.added)
}

fn sorted(datoms: impl IntoIterator<Item = Datom>) -> Vec<(u64, u64, String, u64, bool)> {
    let mut out: Vec<_> = datoms.into_iter().map(|d| key(&d)).collect();
    out.sort();
    out
}

/// Commits the schema and every transaction that succeeds; returns their texts.
fn run(store: &Store, txs: &[Vec<Op>]) -> Vec<String> {
    store.transact_edn(SCHEMA).unwrap();
    let mut committed = Vec::new();
    for (day, ops) in txs.iter().enumerate() {
        let text = tx_text(ops, day);
        // Retracting a person who does not exist yet is an error: nothing committed.
        if store.transact_edn(&text).is_ok() {
            committed.push(text);
        }
    }
    committed
}

/// A memory store with the schema and the first `n` committed transactions.
fn rebuilt(committed: &[String], n: usize) -> Store {
    let store = common::memory();
    store.transact_edn(SCHEMA).unwrap();
    for text in &committed[..n] {
        store.transact_edn(text).unwrap();
    }
    store
}

fn check_views(store: &Store, committed: &[String]) -> Result<(), TestCaseError> {
    let db = store.db().unwrap();
    // t of the schema transaction: the bootstrap is t 1.
    let schema_t = 2;
    let log: Vec<Datom> = db
        .tx_range(None, None)
        .unwrap()
        .into_iter()
        .flat_map(|entry| entry.datoms)
        .collect();
    for n in 0..=committed.len() {
        let t = schema_t + n as u64;
        let past = rebuilt(committed, n).db().unwrap();
        let as_of = db.as_of(TimePoint::T(t)).unwrap();
        prop_assert_eq!(as_of.as_of_t(), Some(t));
        for index in Index::ALL {
            for reverse in [false, true] {
                prop_assert_eq!(
                    scan(&as_of, index, reverse),
                    scan(&past, index, reverse),
                    "as_of({}) {:?} reverse={}",
                    t,
                    index,
                    reverse
                );
            }
            let since = db.since(TimePoint::T(t)).unwrap();
            let later: Vec<Datom> = scan(&db, index, false)
                .into_iter()
                .filter(|d| d.tx > datolite_store::model::tx_entity(t))
                .collect();
            prop_assert_eq!(scan(&since, index, false), later, "since({})", t);
            // The history up to t is the log up to t, in every index.
            let logged = log
                .iter()
                .filter(|d| d.tx <= datolite_store::model::tx_entity(t))
                .filter(|d| index != Index::Vaet || matches!(d.v, Value::Ref(_)))
                .cloned();
            prop_assert_eq!(
                sorted(scan(&as_of.history(), index, false)),
                sorted(logged),
                "history as of {} in {:?}",
                t,
                index
            );
        }
        prop_assert_eq!(as_of.count().unwrap(), past.count().unwrap());
        let instant = past
            .tx_range(Some(TimePoint::T(t)), None)
            .unwrap()
            .pop()
            .unwrap()
            .instant;
        prop_assert_eq!(
            scan(
                &db.as_of(TimePoint::Instant(instant)).unwrap(),
                Index::Eavt,
                false
            ),
            scan(&past, Index::Eavt, false),
            "as of t {}'s instant",
            t
        );
        // Applying the rest speculatively, one `with` on another, ends where committing did.
        let mut speculative = past.clone();
        for text in &committed[n..] {
            speculative = speculative.with_edn(text).unwrap().0;
        }
        for index in Index::ALL {
            prop_assert_eq!(
                scan(&speculative, index, false),
                scan(&db, index, false),
                "with from t {} in {:?}",
                t,
                index
            );
        }
        prop_assert_eq!(speculative.count().unwrap(), db.count().unwrap());
        prop_assert_eq!(speculative.basis_t(), db.basis_t());
        prop_assert_eq!(
            sorted(scan(&speculative.history(), Index::Eavt, false)),
            sorted(scan(&db.history(), Index::Eavt, false)),
            "the history of a with value"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// For every t: as_of(t) equals the database rebuilt from the first t transactions, since(t)
    /// the current datoms added after t, history() as of t the log up to t, and `with` of the
    /// remaining transactions the committed result — on both engines.
    #[test]
    fn views_equal_what_they_stand_for(txs in prop::collection::vec(prop::collection::vec(op(), 1..4), 1..7)) {
        let (disk, _dir) = common::lmdb();
        for store in [common::memory(), disk] {
            let committed = run(&store, &txs);
            check_views(&store, &committed)?;
        }
    }
}
