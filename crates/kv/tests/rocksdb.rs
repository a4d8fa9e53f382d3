//! What the RocksDB engine does beyond the shared conformance suite: data survives reopening,
//! a second open in the process shares the engine (and must ask for the same settings), the
//! other engine's directory is refused, and a backup is a database of its own.
#![cfg(feature = "rocksdb")]

mod common;

use common::{fast_options, put_all, scan};
use datolite_kv::lmdb::LmdbEngine;
use datolite_kv::rocksdb::RocksdbEngine;
use datolite_kv::{Direction, Engine, KeyRange, SyncMode, Table};

fn pairs(engine: &dyn Engine) -> Vec<(Vec<u8>, Vec<u8>)> {
    let snapshot = engine.read().unwrap();
    scan(
        &*snapshot,
        Table::Eavt,
        &KeyRange::all(),
        Direction::Forward,
    )
}

#[test]
fn data_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    {
        let engine = RocksdbEngine::open(dir.path(), &fast_options()).unwrap();
        put_all(&engine, Table::Eavt, &[(b"a", b"1"), (b"b", b"2")]);
        engine.sync().unwrap();
    }
    let engine = RocksdbEngine::open(dir.path(), &fast_options()).unwrap();
    assert_eq!(
        pairs(&engine),
        vec![
            (b"a".to_vec(), b"1".to_vec()),
            (b"b".to_vec(), b"2".to_vec())
        ]
    );
}

#[test]
fn a_second_open_shares_the_engine_and_must_ask_for_the_same_settings() {
    let dir = tempfile::tempdir().unwrap();
    let first = RocksdbEngine::open(dir.path(), &fast_options()).unwrap();
    let second = RocksdbEngine::open(dir.path(), &fast_options()).unwrap();
    put_all(&first, Table::Eavt, &[(b"k", b"v")]);
    assert_eq!(pairs(&second), vec![(b"k".to_vec(), b"v".to_vec())]);
    let mut durable = fast_options();
    durable.sync = SyncMode::Full;
    let error = RocksdbEngine::open(dir.path(), &durable)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("sync") && error.contains("already open"),
        "{error}"
    );
    let mut knobs = fast_options();
    knobs.rocksdb.block_cache = 1 << 20;
    let error = RocksdbEngine::open(dir.path(), &knobs)
        .unwrap_err()
        .to_string();
    assert!(error.contains("rocksdb"), "{error}");
}

#[test]
fn each_engine_refuses_the_other_engines_directory() {
    let (lmdb_dir, rocks_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let lmdb = LmdbEngine::open(lmdb_dir.path(), &fast_options()).unwrap();
    put_all(&lmdb, Table::Eavt, &[(b"x", b"1")]);
    let rocks = RocksdbEngine::open(rocks_dir.path(), &fast_options()).unwrap();
    put_all(&rocks, Table::Eavt, &[(b"y", b"2")]);
    drop((lmdb, rocks));
    let error = RocksdbEngine::open(lmdb_dir.path(), &fast_options())
        .unwrap_err()
        .to_string();
    assert!(error.contains("holds a lmdb database"), "{error}");
    let error = LmdbEngine::open(rocks_dir.path(), &fast_options())
        .unwrap_err()
        .to_string();
    assert!(error.contains("holds a rocksdb database"), "{error}");
}

#[test]
fn a_backup_is_a_database_with_the_same_contents() {
    let dir = tempfile::tempdir().unwrap();
    let engine = RocksdbEngine::open(&dir.path().join("db"), &fast_options()).unwrap();
    put_all(&engine, Table::Eavt, &[(b"a", b"1"), (b"c", b"3")]);
    let dest = dir.path().join("backup");
    std::fs::create_dir(&dest).unwrap();
    engine.backup(&dest).unwrap();
    // Writes after the backup are not in it.
    put_all(&engine, Table::Eavt, &[(b"d", b"4")]);
    let copy = RocksdbEngine::open(&dest, &fast_options()).unwrap();
    assert_eq!(
        pairs(&copy),
        vec![
            (b"a".to_vec(), b"1".to_vec()),
            (b"c".to_vec(), b"3".to_vec())
        ]
    );
}
