//! Differential test: random transaction sequences applied to the memory engine and every
//! on-disk engine of the build (LMDB; RocksDB with the `rocksdb` feature) give identical tables
//! (every index, the log, values, statistics), and statistics equal a recount.

mod common;

use common::{disk_stores, dump, memory};
use datolite_store::{EntityRef, Stats, Store, Tx, Value};
use proptest::prelude::*;

const SCHEMA: &str = r#"[
 {:db/ident :p/id :db/valueType :db.type/long :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
 {:db/ident :p/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
 {:db/ident :p/score :db/valueType :db.type/double :db/cardinality :db.cardinality/one}
 {:db/ident :p/tags :db/valueType :db.type/keyword :db/cardinality :db.cardinality/many}
 {:db/ident :p/friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
 {:db/ident :p/amount :db/valueType :db.type/bigdec :db/cardinality :db.cardinality/many}
 {:db/ident :p/pair :db/valueType :db.type/tuple :db/tupleTypes [:db.type/long :db.type/string]
  :db/cardinality :db.cardinality/one}
 {:db/ident :p/name+score :db/valueType :db.type/tuple :db/tupleAttrs [:p/name :p/score]
  :db/cardinality :db.cardinality/one}
 {:db/id "datomic.tx" :db/txInstant #inst "1970-01-01T00:08:20Z"}
]"#;

#[derive(Clone, Debug)]
enum Op {
    Name(u8, String),
    Score(u8, f64),
    Tag(u8, u8),
    Untag(u8, u8),
    Friend(u8, u8),
    Amount(u8, i64, i64),
    Pair(u8, i64, String),
    RetractName(u8),
    RetractEntity(u8),
}

fn op() -> impl Strategy<Value = Op> {
    let id = 0u8..12;
    prop_oneof![
        (id.clone(), "[a-z]{0,3}|x{120,140}").prop_map(|(i, s)| Op::Name(i, s)),
        (id.clone(), -5.0f64..5.0).prop_map(|(i, d)| Op::Score(i, d)),
        (id.clone(), 0u8..4).prop_map(|(i, t)| Op::Tag(i, t)),
        (id.clone(), 0u8..4).prop_map(|(i, t)| Op::Untag(i, t)),
        (id.clone(), id.clone()).prop_map(|(i, j)| Op::Friend(i, j)),
        (id.clone(), -300i64..300, 0i64..4).prop_map(|(i, d, s)| Op::Amount(i, d, s)),
        (id.clone(), -3i64..3, "[a-z\\u{0}]{0,3}").prop_map(|(i, n, s)| Op::Pair(i, n, s)),
        id.clone().prop_map(Op::RetractName),
        id.prop_map(Op::RetractEntity),
    ]
}

/// Keywords whose namespaces are prefixes of each other (`t`, `t-x`, `t.x`) and one without.
fn tag(t: u8) -> Value {
    Value::keyword(match t {
        0 => "t/a",
        1 => "t-x/a",
        2 => "t.x/b",
        _ => "t",
    })
}

fn person(tx: &Tx, i: u8) -> EntityRef {
    tx.lookup(":p/id", i64::from(i))
}

/// Applies one transaction (ensuring referenced people exist first); errors are fine as long
/// as both engines agree.
fn apply(store: &Store, t: usize, ops: &[Op]) -> Result<(), String> {
    let mut ensure = Tx::new();
    for op in ops {
        let ids: Vec<u8> = match op {
            Op::Friend(i, j) => vec![*i, *j],
            Op::Name(i, _)
            | Op::Amount(i, ..)
            | Op::Pair(i, ..)
            | Op::Score(i, _)
            | Op::Tag(i, _)
            | Op::Untag(i, _)
            | Op::RetractName(i)
            | Op::RetractEntity(i) => vec![*i],
        };
        for i in ids {
            let e = ensure.tempid(&format!("p{i}"));
            ensure.add(e, ":p/id", i64::from(i));
        }
    }
    ensure.add(
        EntityRef::CurrentTx,
        ":db/txInstant",
        Value::Instant(1_000_000 + 2 * t as i64),
    );
    store.transact(ensure.ops()).map_err(|e| e.to_string())?;
    let mut tx = Tx::new();
    for op in ops {
        match op {
            Op::Name(i, s) => tx.add(person(&tx, *i), ":p/name", s.as_str()),
            Op::Score(i, d) => tx.add(person(&tx, *i), ":p/score", *d),
            Op::Tag(i, t) => tx.add(person(&tx, *i), ":p/tags", tag(*t)),
            Op::Untag(i, t) => tx.retract(person(&tx, *i), ":p/tags", tag(*t)),
            Op::Amount(i, d, s) => tx.add(
                person(&tx, *i),
                ":p/amount",
                Value::big_dec(bigdecimal::BigDecimal::new((*d).into(), *s)),
            ),
            Op::Pair(i, n, s) => tx.add(
                person(&tx, *i),
                ":p/pair",
                Value::Tuple(vec![Some(Value::Long(*n)), Some(Value::from(s.as_str()))]),
            ),
            Op::Friend(i, j) => tx.add(person(&tx, *i), ":p/friend", person(&tx, *j)),
            Op::RetractName(i) => tx.retract_all(person(&tx, *i), ":p/name"),
            Op::RetractEntity(i) => tx.retract_entity(person(&tx, *i)),
        };
    }
    tx.add(
        EntityRef::CurrentTx,
        ":db/txInstant",
        Value::Instant(1_000_001 + 2 * t as i64),
    );
    store
        .transact(tx.ops())
        .map(|_| ())
        .map_err(|e| e.to_string())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn memory_and_disk_engines_agree(txs in prop::collection::vec(prop::collection::vec(op(), 1..6), 1..10)) {
        // Memory against every on-disk engine of this build (LMDB; RocksDB with its feature).
        let mem = memory();
        let disks = disk_stores();
        let stores: Vec<&Store> = std::iter::once(&mem).chain(disks.iter().map(|(s, _)| s)).collect();
        for store in &stores {
            store.transact_edn(SCHEMA).unwrap();
        }
        for (t, ops) in txs.iter().enumerate() {
            let a = apply(&mem, t, ops);
            for (disk, _) in &disks {
                let b = apply(disk, t, ops);
                prop_assert_eq!(&a, &b, "engine {}", disk.engine().name());
            }
        }
        // Every instant is set (the bootstrap is at the epoch, the schema and the data set
        // theirs): the engines hold the same bytes in every table.
        let dm = dump(&mem);
        for (disk, _) in &disks {
            let dd = dump(disk);
            for ((table, rows_m), (_, rows_d)) in dm.iter().zip(dd.iter()) {
                prop_assert_eq!(rows_m, rows_d, "table {:?} differs on {}", table, disk.engine().name());
            }
        }
        for store in stores {
            let db = store.db().unwrap();
            let recount = Stats::recount(store.engine().read().unwrap().as_ref()).unwrap();
            prop_assert_eq!(db.stats(), &recount);
            // Indexes agree with each other, the log replays to the state, history matches.
            let report = store.check().unwrap();
            prop_assert!(report.is_clean(), "{:?}", report.problems);
        }
    }
}
