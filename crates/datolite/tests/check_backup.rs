//! The integrity checker finds each kind of damage (planted through the engine, below the
//! transactor), `--repair-stats` repairs statistics, and a hot backup taken while a writer
//! commits is consistent: it checks clean, restores, and holds whole transactions only.

use std::sync::atomic::{AtomicBool, Ordering};

use datolite::{Database, DbQueries, QueryResult, StoreOptions, Value};
use datolite_kv::{Direction, KeyRange, ReadOps, Table};

const SCHEMA: &str =
    "[{:db/ident :name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
  {:db/ident :friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
  {:db/ident :n :db/valueType :db.type/long :db/cardinality :db.cardinality/one}]";

/// A database with references, a long (out-of-line) string, retractions (history) and a
/// replaced value.
fn sample(dir: &std::path::Path) -> Database {
    let db = Database::open(dir.join("db"), StoreOptions::default()).unwrap();
    db.transact(SCHEMA).unwrap();
    let long = "x".repeat(400);
    db.transact(&format!(
        "[{{:db/id \"a\" :name \"Ann\" :friend \"b\"}} {{:db/id \"b\" :name \"{long}\" :n 1}}]"
    ))
    .unwrap();
    db.transact("[[:db/retract [:name \"Ann\"] :name \"Ann\"]]")
        .unwrap_err(); // :name is no identity: a lookup ref by it is an error, nothing written
    let e = first_entity(&db, "[:find ?e . :where [?e :n 1]]");
    db.transact(&format!("[[:db/add {e} :n 2]]")).unwrap();
    db.transact(&format!("[[:db/retract {e} :n 2]]")).unwrap();
    db
}

fn first_entity(db: &Database, query: &str) -> u64 {
    match db.db().unwrap().q_edn(query, &[]).unwrap() {
        QueryResult::Scalar(Some(datolite::Cell::Value(Value::Ref(e)))) => e,
        other => panic!("{query}: {other:?}"),
    }
}

/// The first key of `table` in `direction`, read through `txn` (the store's `ReadOps::first`).
fn end_key(txn: &dyn ReadOps, table: Table, direction: Direction) -> Vec<u8> {
    txn.first(table, &KeyRange::all(), direction)
        .unwrap()
        .expect("a key")
        .0
}

/// Runs `damage` in a raw engine write (no transactor), then checks.
fn damaged(damage: impl Fn(&mut dyn datolite_kv::WriteTxn)) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let db = sample(dir.path());
    let report = db.check().unwrap();
    assert!(report.is_clean(), "{:?}", report.problems);
    assert!(report.history > 0 && report.long_values > 0 && report.stats_checked);
    db.store()
        .engine()
        .write(&mut |txn| {
            damage(txn);
            Ok(())
        })
        .unwrap();
    let report = db.check().unwrap();
    assert!(!report.is_clean(), "the damage went unnoticed");
    report.problems
}

fn any(problems: &[String], fragment: &str) -> bool {
    problems.iter().any(|p| p.contains(fragment))
}

#[test]
fn each_kind_of_damage_is_found() {
    // An index lacks a datom EAVT holds, and holds one EAVT lacks.
    let problems = damaged(|txn| {
        let key = end_key(&*txn, Table::Aevt, Direction::Reverse);
        txn.delete(Table::Aevt, &key).unwrap();
    });
    assert!(any(&problems, "AEVT lacks datom"), "{problems:?}");
    let problems = damaged(|txn| {
        let mut key = end_key(&*txn, Table::Avet, Direction::Reverse);
        key.push(0); // another transaction id's last byte: a datom EAVT does not hold
        let len = key.len();
        key.swap(len - 1, len - 2);
        txn.put(Table::Avet, &key, &[]).unwrap();
    });
    assert!(any(&problems, "that EAVT lacks"), "{problems:?}");
    // History tables disagree.
    let problems = damaged(|txn| {
        let key = end_key(&*txn, Table::AevtHistory, Direction::Forward);
        txn.delete(Table::AevtHistory, &key).unwrap();
    });
    assert!(any(&problems, "AEVT history lacks datom"), "{problems:?}");
    // A long value's payload is gone.
    let problems = damaged(|txn| {
        let key = end_key(&*txn, Table::Values, Direction::Forward);
        txn.delete(Table::Values, &key).unwrap();
    });
    assert!(
        any(&problems, "missing from the values table"),
        "{problems:?}"
    );
    // The log lost an assertion.
    let problems = damaged(|txn| {
        let key = end_key(&*txn, Table::Log, Direction::Reverse);
        txn.delete(Table::Log, &key).unwrap();
    });
    assert!(any(&problems, "log:"), "{problems:?}");
}

#[test]
fn statistics_that_differ_from_a_recount_are_found_and_repaired() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample(dir.path());
    let stats_key = end_key(
        db.store().engine().read().unwrap().as_ref(),
        Table::Stats,
        Direction::Forward,
    );
    db.store()
        .engine()
        .write(&mut |txn| {
            txn.delete(Table::Stats, &stats_key)?;
            Ok(())
        })
        .unwrap();
    // The store's cached statistics are the old ones; the check reads what is stored.
    let report = db.check().unwrap();
    assert!(
        report.problems.iter().any(|p| p.contains("statistics")),
        "{:?}",
        report.problems
    );
    db.repair_stats().unwrap();
    let report = db.check().unwrap();
    assert!(report.is_clean(), "{:?}", report.problems);
}

#[test]
fn a_hot_backup_under_concurrent_writes_is_whole_and_restores() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path().join("db"), StoreOptions::default()).unwrap();
    db.transact(SCHEMA).unwrap();
    let done = AtomicBool::new(false);
    let batch = 40;
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut i = 0;
            while !done.load(Ordering::SeqCst) || i < 20 {
                let entities: Vec<String> = (0..batch)
                    .map(|k| format!("{{:n {}}}", i * batch + k))
                    .collect();
                db.transact(&format!("[{}]", entities.join(" "))).unwrap();
                i += 1;
            }
        });
        for k in 0..5 {
            db.backup(dir.path().join(format!("backup{k}"))).unwrap();
        }
        done.store(true, Ordering::SeqCst);
    });
    for k in 0..5 {
        let backup = dir.path().join(format!("backup{k}"));
        let restored = dir.path().join(format!("restored{k}"));
        Database::restore(&backup, &restored).unwrap();
        let copy = Database::open(&restored, StoreOptions::default()).unwrap();
        let report = copy.check().unwrap();
        assert!(report.is_clean(), "backup {k}: {:?}", report.problems);
        let n = match copy
            .db()
            .unwrap()
            .q_edn("[:find (count ?e) . :where [?e :n ?v] [(>= ?v 0)]]", &[])
            .unwrap()
        {
            QueryResult::Scalar(None) => 0,
            QueryResult::Scalar(Some(datolite::Cell::Value(Value::Long(n)))) => n,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            n % batch as i64,
            0,
            "backup {k} holds part of a transaction: {n}"
        );
    }
    // A destination that exists is refused, and nothing is written into it.
    let taken = dir.path().join("taken");
    std::fs::create_dir(&taken).unwrap();
    let error = db.backup(&taken).unwrap_err().to_string();
    assert!(error.contains("already exists"), "{error}");
    assert_eq!(std::fs::read_dir(&taken).unwrap().count(), 0);
    // A memory database has no files to copy.
    let error = Database::memory()
        .unwrap()
        .backup(dir.path().join("m"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("memory engine"), "{error}");
    assert!(!dir.path().join("m").exists());
}
