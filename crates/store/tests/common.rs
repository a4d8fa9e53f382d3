//! Helpers shared by the store's integration tests.
#![allow(dead_code)]

use datolite_kv::{Direction, EngineKind, KeyRange, StorageOptions, Table, Visit};
use datolite_store::Store;

/// A memory store.
pub fn memory() -> Store {
    Store::open(
        None,
        StorageOptions {
            engine: EngineKind::Memory,
            ..StorageOptions::default()
        },
    )
    .unwrap()
}

/// An LMDB store in a fresh temporary directory (kept alive by the returned guard).
pub fn lmdb() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(Some(&dir.path().join("db")), StorageOptions::default()).unwrap();
    (store, dir)
}

/// Keys and values of one table.
pub type Rows = Vec<(Vec<u8>, Vec<u8>)>;

/// Every key and value of every table, for whole-database comparisons.
pub fn dump(store: &Store) -> Vec<(Table, Rows)> {
    let txn = store.engine().read().unwrap();
    Table::ALL
        .iter()
        .map(|&table| {
            let mut rows = Vec::new();
            txn.scan(table, &KeyRange::all(), Direction::Forward, &mut |k, v| {
                rows.push((k.to_vec(), v.to_vec()));
                Visit::Continue
            })
            .unwrap();
            (table, rows)
        })
        .collect()
}

/// The schema used by most tests.
pub const SCHEMA: &str = r#"[
 {:db/ident :user/email :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
 {:db/ident :user/handle :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/value}
 {:db/ident :user/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
 {:db/ident :user/age :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
 {:db/ident :user/score :db/valueType :db.type/double :db/cardinality :db.cardinality/one}
 {:db/ident :user/tags :db/valueType :db.type/keyword :db/cardinality :db.cardinality/many}
 {:db/ident :user/friends :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
 {:db/ident :user/address :db/valueType :db.type/ref :db/cardinality :db.cardinality/one :db/isComponent true}
 {:db/ident :address/city :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
]"#;
