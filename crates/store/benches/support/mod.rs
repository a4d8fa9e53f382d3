//! The database the store's benches share (`scan`, `seek`, `transact`): 24,800 entities of five
//! attributes each (long, double, string, instant, ref) — 124,000 datoms — in a fresh LMDB
//! directory, loaded in transactions of at most 2,000 entities.

use datolite_store::{EntityRef, Store, StoreOptions, Tx, Value};

/// Entities in [`database`]; entity `i` (in load order) has `:bench/long` = `i`.
pub const ENTITIES: i64 = 24_800;

/// Entities per loading transaction.
const CHUNK: i64 = 2_000;

/// Adds entity number `i`'s four value attributes (long, double, string, instant) to `tx`; its
/// ref is the caller's.
pub fn add_values(tx: &mut Tx, e: &EntityRef, i: i64) {
    tx.add(e.clone(), ":bench/long", i)
        .add(e.clone(), ":bench/double", i as f64 / 3.0)
        .add(e.clone(), ":bench/string", format!("name {}", i % 977))
        .add(
            e.clone(),
            ":bench/instant",
            Value::Instant(1_700_000_000_000 + i * 60_000),
        );
}

/// A fresh 124,000-datom LMDB database opened with `options` (`options.kv.path` is ignored: the
/// database lives in the returned temporary directory, removed when it is dropped).
pub fn database(options: StoreOptions) -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = Store::open(Some(&dir.path().join("db")), options).expect("open");
    let mut previous: Option<u64> = None;
    // The last transaction holds the remaining 800 (a whole number of chunks would be 24,000
    // entities, 120,000 datoms).
    for chunk in 0..(ENTITIES + CHUNK - 1) / CHUNK {
        let mut tx = Tx::new();
        for i in chunk * CHUNK..((chunk + 1) * CHUNK).min(ENTITIES) {
            let e = tx.tempid(&format!("e{i}"));
            add_values(&mut tx, &e, i);
            // Each chunk's entities point at an entity of the chunk before (the first chunk's
            // at its own transaction), so VAET holds a ref per entity.
            match previous {
                Some(p) => tx.add(e, ":bench/ref", EntityRef::Id(p)),
                None => tx.add(e, ":bench/ref", EntityRef::CurrentTx),
            };
        }
        let report = store.transact(tx.ops()).expect("load");
        previous = report.tempids.values().next().copied();
    }
    (store, dir)
}
