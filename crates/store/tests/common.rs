//! Helpers shared by the store's integration tests.
#![allow(dead_code)]

use datolite_kv::{Direction, KeyRange, Table, Visit};
use datolite_store::Store;
use datolite_store::StoreOptions;

/// A memory store.
pub fn memory() -> Store {
    Store::open(None, StoreOptions::memory()).unwrap()
}

/// An LMDB store in a fresh temporary directory (kept alive by the returned guard).
pub fn lmdb() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(Some(&dir.path().join("db")), StoreOptions::default()).unwrap();
    (store, dir)
}

/// A RocksDB store in a fresh temporary directory (kept alive by the returned guard).
#[cfg(feature = "rocksdb")]
pub fn rocksdb() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut options = StoreOptions::default();
    options.kv.engine = datolite_kv::EngineKind::Rocksdb;
    let store = Store::open(Some(&dir.path().join("db")), options).unwrap();
    (store, dir)
}

/// A PostgreSQL store in a schema of its own (dropped with the returned guard), fetching 3 rows
/// per round trip so scans cross pages; `None`, saying so on stderr, without a server in
/// `DATOLITE_PG_URL`.
#[cfg(feature = "postgres")]
pub fn postgres() -> Option<(Store, Guard)> {
    use datolite_kv::postgres::scratch;
    let url = scratch::test_url()?;
    let schema = scratch::ScratchSchema::new(&url);
    let mut options = StoreOptions::default();
    options.kv = schema.options(3);
    options.scan_batch_size = 3;
    let store = Store::init(None, options).unwrap();
    Some((store, Box::new(schema)))
}

/// What must outlive a store: its temporary directory, its PostgreSQL schema.
pub type Guard = Box<dyn std::any::Any>;

/// Every persistent engine this build has, each as a fresh store: LMDB, RocksDB with the
/// `rocksdb` feature, PostgreSQL with the `postgres` feature and a server.
pub fn disk_stores() -> Vec<(Store, Guard)> {
    let (store, dir) = lmdb();
    #[allow(unused_mut)]
    let mut stores: Vec<(Store, Guard)> = vec![(store, Box::new(dir))];
    #[cfg(feature = "rocksdb")]
    {
        let (store, dir) = rocksdb();
        stores.push((store, Box::new(dir)));
    }
    #[cfg(feature = "postgres")]
    stores.extend(postgres());
    stores
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

/// Rewrites the log as formats 2 and 3 kept it — one key `[tx][op][e][a][v]` per entry, no
/// value — and marks the database `format`, to test the upgrades.
pub fn unpack_log(store: &Store, format: u64) {
    use datolite_store::encoding::{decode_log_chunk, encode_log_key};
    datolite_kv::write_with(store.engine().as_ref(), |txn| {
        let mut chunks = Vec::new();
        txn.scan(
            Table::Log,
            &KeyRange::all(),
            Direction::Forward,
            &mut |k, v| {
                chunks.push((k.to_vec(), v.to_vec()));
                Visit::Continue
            },
        )?;
        let mut entries = Vec::new();
        for (key, value) in &chunks {
            txn.delete(Table::Log, key)?;
            decode_log_chunk(key, value, |d| {
                let mut entry = Vec::new();
                encode_log_key(d.tx, d.added, d.e, d.a, d.v, &mut entry);
                entries.push(entry);
                true
            })
            .unwrap();
        }
        for entry in entries {
            txn.put(Table::Log, &entry, &[])?;
        }
        txn.put(
            Table::Meta,
            datolite_store::meta::FORMAT,
            &format.to_be_bytes(),
        )
    })
    .unwrap();
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

/// Runs `edn`, which must fail, and checks that the database is exactly as before.
pub fn fails(store: &Store, edn: &str) -> datolite_store::StoreError {
    let before = dump(store);
    let error = match store.transact_edn(edn) {
        Ok(report) => panic!(
            "transaction must fail: {edn}\nit wrote {:?}",
            report.tx_data
        ),
        Err(error) => error,
    };
    assert_eq!(
        dump(store),
        before,
        "a failed transaction changed the database: {edn}"
    );
    error
}

/// The values of `attr` of entity `e` (EAVT order).
pub fn values(store: &Store, e: u64, attr: &str) -> Vec<datolite_store::Value> {
    let db = store.db().unwrap();
    db.datoms(
        datolite_store::Index::Eavt,
        &[
            datolite_store::Value::Ref(e),
            datolite_store::Value::keyword(attr),
        ],
    )
    .unwrap()
    .into_iter()
    .map(|d| d.v)
    .collect()
}

/// The entities holding `value` for `attr` (AVET order).
pub fn holders(store: &Store, attr: &str, value: datolite_store::Value) -> Vec<u64> {
    let db = store.db().unwrap();
    db.datoms(
        datolite_store::Index::Avet,
        &[datolite_store::Value::keyword(attr), value],
    )
    .unwrap()
    .into_iter()
    .map(|d| d.e)
    .collect()
}
