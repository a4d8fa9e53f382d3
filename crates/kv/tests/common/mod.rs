//! Shared test helpers: engine fixtures and collecting scans into vectors.
#![allow(dead_code)] // each test binary uses a different subset

use std::path::Path;

use datolite_kv::lmdb::LmdbEngine;
use datolite_kv::memory::MemoryEngine;
use datolite_kv::{
    Direction, Engine, EngineOptions, KeyRange, KvCursor, ReadOps, SyncMode, Table, Visit,
};

/// Owned key-value pairs.
pub type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

/// An engine plus whatever must outlive it (the LMDB temp directory, the PostgreSQL schema).
pub struct Fixture {
    pub engine: Box<dyn Engine>,
    pub dir: Option<tempfile::TempDir>,
    /// Declared after the engine: the schema is dropped once the engine's connections are.
    #[cfg(feature = "postgres")]
    pub schema: Option<datolite_kv::postgres::scratch::ScratchSchema>,
}

/// A fresh memory engine.
pub fn memory() -> Fixture {
    Fixture {
        engine: Box::new(MemoryEngine::new()),
        dir: None,
        #[cfg(feature = "postgres")]
        schema: None,
    }
}

/// A fresh LMDB engine in a temp directory (no fsync: tests need no durability).
pub fn lmdb() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let engine = LmdbEngine::open(dir.path(), &fast_options()).unwrap();
    Fixture {
        engine: Box::new(engine),
        dir: Some(dir),
        #[cfg(feature = "postgres")]
        schema: None,
    }
}

/// A fresh RocksDB engine in a temp directory (no fsync).
#[cfg(feature = "rocksdb")]
pub fn rocksdb() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let engine = datolite_kv::rocksdb::RocksdbEngine::open(dir.path(), &fast_options()).unwrap();
    Fixture {
        engine: Box::new(engine),
        dir: Some(dir),
        #[cfg(feature = "postgres")]
        schema: None,
    }
}

/// A fresh PostgreSQL engine in a schema of its own on the server `DATOLITE_PG_URL` names,
/// fetching 2 rows per round trip so every scan crosses pages; `None` (the tests skip, saying
/// so) without a server.
#[cfg(feature = "postgres")]
pub fn postgres() -> Option<Fixture> {
    use datolite_kv::postgres::{scratch, PostgresEngine};
    let url = scratch::test_url()?;
    let schema = scratch::ScratchSchema::new(&url);
    let engine = PostgresEngine::init(&schema.options(2)).unwrap();
    Some(Fixture {
        engine: Box::new(engine),
        dir: None,
        schema: Some(schema),
    })
}

/// A fresh engine of every persistent kind this build has: LMDB, RocksDB with the `rocksdb`
/// feature, PostgreSQL with the `postgres` feature and a server in `DATOLITE_PG_URL`.
pub fn disk_engines() -> Vec<Fixture> {
    #[allow(unused_mut)]
    let mut fixtures = vec![lmdb()];
    #[cfg(feature = "rocksdb")]
    fixtures.push(rocksdb());
    #[cfg(feature = "postgres")]
    fixtures.extend(postgres());
    fixtures
}

/// Options for tests: defaults without fsync.
pub fn fast_options() -> EngineOptions {
    EngineOptions {
        sync: SyncMode::None,
        ..EngineOptions::default()
    }
}

/// Opens an LMDB engine at `path` with `options`.
pub fn open_lmdb(path: &Path, options: &EngineOptions) -> LmdbEngine {
    LmdbEngine::open(path, options).unwrap()
}

/// Every pair of `range` in `direction`, via `scan`.
pub fn scan(txn: &dyn ReadOps, table: Table, range: &KeyRange, direction: Direction) -> Pairs {
    let mut out = Vec::new();
    txn.scan(table, range, direction, &mut |k, v| {
        out.push((k.to_vec(), v.to_vec()));
        Visit::Continue
    })
    .unwrap();
    out
}

/// Every key of `range` in `direction`.
pub fn keys(
    txn: &dyn ReadOps,
    table: Table,
    range: &KeyRange,
    direction: Direction,
) -> Vec<Vec<u8>> {
    scan(txn, table, range, direction)
        .into_iter()
        .map(|(k, _)| k)
        .collect()
}

/// Drains a cursor.
pub fn drain(cursor: &mut dyn KvCursor<'_>) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while let Some((k, _)) = cursor.next().unwrap() {
        out.push(k.to_vec());
    }
    out
}

/// Commits `pairs` into `table` in one write.
pub fn put_all(engine: &dyn Engine, table: Table, pairs: &[(&[u8], &[u8])]) {
    engine
        .write(&mut |txn| {
            for (k, v) in pairs {
                txn.put(table, k, v)?;
            }
            Ok(())
        })
        .unwrap();
}

/// `n` as a fixed-width big-endian key (sorts numerically).
pub fn key(n: u64) -> Vec<u8> {
    n.to_be_bytes().to_vec()
}
