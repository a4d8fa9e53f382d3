//! History storage and the edges of views: `:db/noHistory`, a format-2 database upgraded with
//! its history rebuilt from the log, every way of reading a view (limits, reverse, iterators,
//! parallel scans, counts, `datoms`, statistics), and what `with` refuses.

mod common;

use datolite_kv::{write_with, Direction, KeyRange, Table, Visit};
use datolite_store::{Datom, Index, Store, StoreOptions, TimePoint, Value};

const SCHEMA: &str = r#"[
 {:db/ident :p/id :db/valueType :db.type/long :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
 {:db/ident :p/age :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
 {:db/ident :p/password :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/noHistory true}
 {:db/ident :p/friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
]"#;

/// Three people, then changes: ages replaced, a friendship retracted, an entity retracted.
fn changed(store: &Store) -> Vec<u64> {
    store.transact_edn(SCHEMA).unwrap();
    let mut ts = Vec::new();
    for tx in [
        "[{:db/id \"one\" :p/id 1 :p/age 30 :p/password \"a\"} {:p/id 2 :p/age 40} {:p/id 3 :p/age 50 :p/friend \"one\"}]",
        "[{:p/id 1 :p/age 31 :p/password \"b\"} [:db/retract [:p/id 3] :p/friend [:p/id 1]]]",
        "[[:db/retractEntity [:p/id 2]] {:p/id 1 :p/age 32}]",
    ] {
        ts.push(store.transact_edn(tx).unwrap().t);
    }
    ts
}

fn history_rows(store: &Store, table: Table) -> usize {
    let txn = store.engine().read().unwrap();
    let mut n = 0;
    txn.scan(table, &KeyRange::all(), Direction::Forward, &mut |_, _| {
        n += 1;
        Visit::Continue
    })
    .unwrap();
    n
}

#[test]
fn no_history_attributes_keep_no_history() {
    let store = common::memory();
    let ts = changed(&store);
    let db = store.db().unwrap();
    let password = u64::from(db.attribute(":p/password").unwrap().id);
    let history = db.history().scan(Index::Eavt).collect().unwrap();
    // The replaced password is gone from history; the current one is there.
    let passwords: Vec<&Datom> = history.iter().filter(|d| d.a == password).collect();
    assert_eq!(passwords.len(), 1, "{passwords:?}");
    assert_eq!(passwords[0].v, Value::from("b"));
    // As of the first change, the old password is not known either.
    let then = db.as_of(TimePoint::T(ts[0])).unwrap();
    let e = then
        .datoms(Index::Avet, &[Value::keyword(":p/id"), Value::Long(1)])
        .unwrap()[0]
        .e;
    assert!(then
        .datoms(Index::Eavt, &[Value::Ref(e), Value::keyword(":p/password")])
        .unwrap()
        .is_empty());
    // Ages are kept: 30 → 31 → 32, and 40 and 50's friendship retracted.
    let age = u64::from(db.attribute(":p/age").unwrap().id);
    assert_eq!(
        history.iter().filter(|d| d.a == age && !d.added).count(),
        3,
        "two replaced ages of 1, the age of the retracted 2"
    );
    assert_eq!(history_rows(&store, Table::VaetHistory), 1);
}

#[test]
fn a_format_2_database_gets_its_history_from_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let expected = {
        let store = Store::open(Some(&path), StoreOptions::default()).unwrap();
        changed(&store);
        let expected = common::dump(&store);
        // What format 2 had: no history tables (empty here), one log key per entry.
        write_with(store.engine().as_ref(), |txn| {
            for table in [
                Table::EavtHistory,
                Table::AevtHistory,
                Table::AvetHistory,
                Table::VaetHistory,
            ] {
                let mut keys = Vec::new();
                txn.scan(table, &KeyRange::all(), Direction::Forward, &mut |k, _| {
                    keys.push(k.to_vec());
                    Visit::Continue
                })?;
                for key in keys {
                    txn.delete(table, &key)?;
                }
            }
            Ok::<(), datolite_kv::KvError>(())
        })
        .unwrap();
        common::unpack_log(&store, 2);
        assert_eq!(history_rows(&store, Table::EavtHistory), 0);
        expected
    };
    let store = Store::open(Some(&path), StoreOptions::default()).unwrap();
    assert_eq!(common::dump(&store), expected, "byte for byte, every table");
}

#[test]
fn every_reader_of_a_view_agrees_with_its_scan() {
    let (store, _dir) = common::lmdb();
    let ts = changed(&store);
    let db = store.db().unwrap();
    for view in [
        db.as_of(TimePoint::T(ts[1])).unwrap(),
        db.since(TimePoint::T(ts[0])).unwrap(),
        db.history(),
        db.as_of(TimePoint::T(ts[1])).unwrap().history(),
    ] {
        for index in Index::ALL {
            let all = view.scan(index).collect().unwrap();
            let mut reversed = view.scan(index).reverse().collect().unwrap();
            reversed.reverse();
            assert_eq!(all, reversed, "{view:?} {index:?} reverse");
            assert_eq!(view.scan(index).count().unwrap(), all.len() as u64);
            let iterated: Vec<Datom> = view
                .scan(index)
                .iter()
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert_eq!(iterated, all, "{view:?} {index:?} iter");
            for n in [0, 1, 3] {
                let limited = view.scan(index).limit(n).collect().unwrap();
                assert_eq!(limited, all[..n.min(all.len())].to_vec(), "limit {n}");
            }
            let parallel = view
                .scan(index)
                .parallel(2)
                .fold(
                    Vec::new,
                    |acc, d| acc.push(d.to_owned()),
                    |mut a, b| {
                        a.extend(b);
                        a
                    },
                )
                .unwrap();
            assert_eq!(parallel, all, "{view:?} {index:?} parallel");
            let mut batched = 0;
            view.scan(index)
                .batches(|b| {
                    batched += b.len();
                    assert_eq!(b.added.len(), b.len());
                    true
                })
                .unwrap();
            assert_eq!(batched, all.len());
        }
        let eavt = view.scan(Index::Eavt).collect().unwrap();
        assert_eq!(view.count().unwrap(), eavt.len() as u64);
        let age = view.attribute(":p/age").unwrap().id;
        let ages = eavt.iter().filter(|d| d.a == u64::from(age)).count() as u64;
        assert_eq!(view.count_attribute(":p/age").unwrap(), ages);
        assert_eq!(view.view_stats().unwrap().count(age), ages);
        assert_eq!(
            view.datoms(Index::Aevt, &[Value::keyword(":p/age")])
                .unwrap()
                .len() as u64,
            ages
        );
    }
}

#[test]
fn history_lists_each_datom_in_transaction_order() {
    let store = common::memory();
    changed(&store);
    let db = store.db().unwrap();
    let e = db
        .datoms(Index::Avet, &[Value::keyword(":p/id"), Value::Long(1)])
        .unwrap()[0]
        .e;
    let ages: Vec<(Value, u64, bool)> = db
        .history()
        .datoms(Index::Eavt, &[Value::Ref(e), Value::keyword(":p/age")])
        .unwrap()
        .into_iter()
        .map(|d| (d.v, d.tx, d.added))
        .collect();
    // Values in index order; within one value, its assertion then its retraction.
    let values: Vec<i64> = ages
        .iter()
        .map(|(v, ..)| match v {
            Value::Long(n) => *n,
            other => panic!("{other}"),
        })
        .collect();
    assert_eq!(values, vec![30, 30, 31, 31, 32]);
    assert!(ages[0].2 && !ages[1].2 && ages[0].1 < ages[1].1);
    assert!(ages[2].2 && !ages[3].2 && ages[2].1 < ages[3].1);
    // The retraction of 30 is the assertion of 31: one transaction.
    assert_eq!(ages[1].1, ages[2].1);
}

#[test]
fn with_refuses_filtered_values_and_chains() {
    let store = common::memory();
    let ts = changed(&store);
    let db = store.db().unwrap();
    let err = db
        .as_of(TimePoint::T(ts[0]))
        .unwrap()
        .with_edn("[{:p/id 9}]")
        .unwrap_err()
        .to_string();
    assert!(err.contains("with") && err.contains("as-of"), "{err}");
    let (one, r1) = db.with_edn("[{:p/id 9 :p/age 1}]").unwrap();
    let (two, r2) = one.with_edn("[{:p/id 9 :p/age 2}]").unwrap();
    assert_eq!((r1.t, r2.t), (db.basis_t() + 1, db.basis_t() + 2));
    assert!(two.is_speculative() && !db.is_speculative());
    // The chain's history has the speculative replacement; the store has none of it.
    let nine = |d: &datolite_store::Db| {
        d.datoms(Index::Avet, &[Value::keyword(":p/id"), Value::Long(9)])
            .unwrap()
            .len()
    };
    assert_eq!(
        (nine(&one), nine(&two), nine(&store.db().unwrap())),
        (1, 1, 0)
    );
    assert_eq!(
        two.history()
            .datoms(Index::Aevt, &[Value::keyword(":p/age")])
            .unwrap()
            .iter()
            .filter(|d| !d.added && d.tx == r2.tx)
            .count(),
        1
    );
    // The log of a with value ends with its speculative transactions.
    let log = two.tx_range(Some(TimePoint::T(r1.t)), None).unwrap();
    assert_eq!(
        log.iter().map(|e| e.t).collect::<Vec<_>>(),
        vec![r1.t, r2.t]
    );
    // A failing transaction is an error, and changes nothing.
    assert!(db.with_edn("[{:p/id \"x\"}]").is_err());
}
