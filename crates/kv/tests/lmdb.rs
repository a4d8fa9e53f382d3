//! LMDB-specific behaviour: persistence, map growth, locking and opening errors.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{fast_options, key, keys, open_lmdb, put_all};
use datolite_kv::lmdb::{LmdbEngine, LOCK_FILE};
use datolite_kv::{
    open_engine, write_with, Direction, Engine, EngineKind, EngineOptions, KeyRange, KvError,
    SyncMode, Table,
};

/// Options with a tiny initial map, to make growth happen.
fn tiny_map(map_size: u64, grow_wait_ms: u64) -> EngineOptions {
    let mut options = fast_options();
    options.lmdb.map_size = map_size;
    options.lmdb.grow_wait_ms = grow_wait_ms;
    options
}

/// Writes keys `from..to` with `value_len`-byte values in one transaction; returns how many
/// times the body ran.
fn write_range(
    engine: &dyn Engine,
    from: u64,
    to: u64,
    value_len: usize,
) -> Result<usize, KvError> {
    let runs = AtomicUsize::new(0);
    let value = vec![0xABu8; value_len];
    engine.write(&mut |txn| {
        runs.fetch_add(1, Ordering::SeqCst);
        for n in from..to {
            txn.put(Table::Eavt, &key(n), &value)?;
        }
        Ok(())
    })?;
    Ok(runs.into_inner())
}

fn count(engine: &dyn Engine, table: Table) -> usize {
    keys(
        &*engine.read().unwrap(),
        table,
        &KeyRange::all(),
        Direction::Forward,
    )
    .len()
}

#[test]
fn data_survives_drop_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let options = EngineOptions {
        sync: SyncMode::Full,
        ..EngineOptions::default()
    };
    {
        let engine = open_lmdb(dir.path(), &options);
        put_all(
            &engine,
            Table::Meta,
            &[(b"version", b"1"), (b"basis-t", b"42")],
        );
    }
    let engine = open_lmdb(dir.path(), &options);
    let snap = engine.read().unwrap();
    assert_eq!(
        snap.get(Table::Meta, b"version").unwrap().as_deref(),
        Some(&b"1"[..])
    );
    assert_eq!(
        snap.get(Table::Meta, b"basis-t").unwrap().as_deref(),
        Some(&b"42"[..])
    );
    assert!(dir.path().join(LOCK_FILE).exists());
    assert!(dir.path().join("data.mdb").exists());
}

#[test]
fn map_grows_across_many_writes() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open_lmdb(dir.path(), &tiny_map(1 << 20, 1000));
    let initial = engine.map_size();
    // ~20 MB in 20 commits of 1000 values of 1 KiB.
    for batch in 0..20 {
        write_range(&engine, batch * 1000, (batch + 1) * 1000, 1024).unwrap();
    }
    assert_eq!(count(&engine, Table::Eavt), 20_000);
    assert!(
        engine.map_size() >= 20 << 20,
        "map stayed at {} (from {initial})",
        engine.map_size()
    );
    let (keys, key_bytes) = engine.raw_scan_count(Table::Eavt).unwrap();
    assert_eq!((keys, key_bytes), (20_000, 20_000 * 8));
    drop(engine);
    // The grown map is what reopening finds (LMDB keeps the data; the map fits it again).
    let engine = open_lmdb(dir.path(), &tiny_map(1 << 20, 1000));
    assert_eq!(count(&engine, Table::Eavt), 20_000);
    write_range(&engine, 20_000, 21_000, 1024).unwrap();
    assert_eq!(count(&engine, Table::Eavt), 21_000);
}

#[test]
fn map_grows_inside_one_large_write_by_rerunning_the_body() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open_lmdb(dir.path(), &tiny_map(256 << 10, 1000));
    let runs = write_range(&engine, 0, 8000, 1024).unwrap(); // ~8 MB
    assert!(runs > 1, "the body should have been rerun after growing");
    assert_eq!(count(&engine, Table::Eavt), 8000);
}

#[test]
fn map_full_is_retried_even_when_the_body_swallows_the_error() {
    #[derive(Debug)]
    struct AppError;
    impl From<KvError> for AppError {
        fn from(_: KvError) -> Self {
            AppError
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let engine = open_lmdb(dir.path(), &tiny_map(256 << 10, 1000));
    let value = vec![1u8; 1024];
    // Converts the put's error into its own type and returns it...
    let converted: Result<(), AppError> = write_with(&engine, |txn| {
        for n in 0..2000 {
            txn.put(Table::Log, &key(n), &value)
                .map_err(AppError::from)?;
        }
        Ok(())
    });
    assert!(converted.is_ok());
    // ...or ignores failed puts entirely: the engine still notices and retries.
    engine
        .write(&mut |txn| {
            for n in 2000..4000 {
                let _ = txn.put(Table::Log, &key(n), &value);
            }
            Ok(())
        })
        .unwrap();
    assert_eq!(count(&engine, Table::Log), 4000);
}

#[test]
fn growth_with_an_open_snapshot_fails_clearly_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open_lmdb(dir.path(), &tiny_map(256 << 10, 50));
    put_all(&engine, Table::Eavt, &[(b"before", b"1")]);
    let snapshot = engine.read().unwrap();
    assert_eq!(engine.open_snapshots(), 1);
    let error = write_range(&engine, 0, 2000, 1024).unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, KvError::Full(_)), "{message}");
    assert!(message.contains("1 snapshot"), "{message}");
    assert!(message.contains("DATOLITE_LMDB_MAP_SIZE"), "{message}");
    // The snapshot still reads its state; nothing of the failed write landed.
    assert_eq!(
        snapshot.get(Table::Eavt, b"before").unwrap().as_deref(),
        Some(&b"1"[..])
    );
    drop(snapshot);
    assert_eq!(engine.open_snapshots(), 0);
    assert_eq!(count(&engine, Table::Eavt), 1);
    // With the snapshot closed, the same write succeeds.
    write_range(&engine, 0, 2000, 1024).unwrap();
    assert_eq!(count(&engine, Table::Eavt), 2001);
}

#[test]
fn growth_waits_for_snapshots_closed_by_other_threads() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open_lmdb(dir.path(), &tiny_map(256 << 10, 10_000));
    let group = engine.read_group(2).unwrap();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            drop(group);
        });
        write_range(&engine, 0, 2000, 1024).unwrap();
    });
    assert_eq!(count(&engine, Table::Eavt), 2000);
}

#[test]
fn concurrent_readers_and_growing_writer() {
    // Readers keep opening short snapshots and scanning while the writer grows the map many
    // times; no reader may see a torn state and the writer must always succeed.
    let dir = tempfile::tempdir().unwrap();
    let engine = open_lmdb(dir.path(), &tiny_map(256 << 10, 10_000));
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                while !done.load(Ordering::SeqCst) {
                    let snap = engine.read().unwrap();
                    let n = keys(&*snap, Table::Eavt, &KeyRange::all(), Direction::Forward).len();
                    assert_eq!(n % 500, 0, "saw a partial commit: {n} keys");
                }
            });
        }
        for batch in 0..10 {
            write_range(&engine, batch * 500, (batch + 1) * 500, 1024).unwrap();
        }
        done.store(true, Ordering::SeqCst);
    });
    assert_eq!(count(&engine, Table::Eavt), 5000);
}

#[test]
fn a_second_open_in_one_process_shares_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let first = open_lmdb(dir.path(), &fast_options());
    // Through another path to the same directory, too.
    let second = open_lmdb(&dir.path().join("."), &fast_options());
    put_all(&first, Table::Eavt, &[(b"k", b"v")]);
    let snapshot = second.read().unwrap();
    assert_eq!(
        snapshot.get(Table::Eavt, b"k").unwrap().as_deref(),
        Some(&b"v"[..])
    );
    drop(snapshot);
    // Options that would need another environment are refused, naming the option.
    let mut other = fast_options();
    other.lmdb.write_map = !other.lmdb.write_map;
    let error = LmdbEngine::open(dir.path(), &other).unwrap_err();
    assert!(
        matches!(&error, KvError::InvalidOption { name, .. } if name == "lmdb.write_map"),
        "{error}"
    );
    // The environment lives while either engine does, and a later open after both are gone
    // opens it again.
    drop(first);
    put_all(&second, Table::Eavt, &[(b"l", b"w")]);
    drop(second);
    let third = open_lmdb(dir.path(), &fast_options());
    assert_eq!(count(&third, Table::Eavt), 2);
}

#[test]
fn snapshots_keep_the_database_open_after_the_engine_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open_lmdb(dir.path(), &fast_options());
    put_all(&engine, Table::Eavt, &[(b"k", b"v")]);
    let snapshot = engine.read().unwrap();
    drop(engine);
    assert_eq!(
        snapshot.get(Table::Eavt, b"k").unwrap().as_deref(),
        Some(&b"v"[..])
    );
    // Opening again meanwhile shares the environment the snapshot keeps alive.
    let again = open_lmdb(dir.path(), &fast_options());
    drop(snapshot);
    assert_eq!(count(&again, Table::Eavt), 1);
}

#[test]
fn missing_directory_is_created_only_when_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/db");
    let refuse = EngineOptions {
        create_if_missing: false,
        ..fast_options()
    };
    let error = LmdbEngine::open(&path, &refuse).unwrap_err();
    assert!(
        matches!(&error, KvError::MissingDirectory(p) if *p == path),
        "{error}"
    );
    assert!(!path.exists());
    open_lmdb(&path, &fast_options());
    assert!(path.is_dir());
}

#[test]
fn a_regular_file_is_not_a_database_directory() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, b"hello").unwrap();
    let error = LmdbEngine::open(&file, &fast_options()).unwrap_err();
    assert!(
        matches!(&error, KvError::Open { path, .. } if *path == file),
        "{error}"
    );
    assert!(error.to_string().contains("not a directory"), "{error}");
    // A path below a regular file cannot be created either.
    let error = LmdbEngine::open(&file.join("db"), &fast_options()).unwrap_err();
    assert!(matches!(&error, KvError::Open { .. }), "{error}");
}

#[test]
fn a_garbage_data_file_is_an_open_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("data.mdb"), vec![0x5Au8; 64 << 10]).unwrap();
    let error = LmdbEngine::open(dir.path(), &fast_options()).unwrap_err();
    assert!(matches!(&error, KvError::Open { .. }), "{error}");
}

#[test]
fn invalid_options_are_rejected_before_touching_the_disk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let mut options = fast_options();
    options.lmdb.map_size = 1000;
    let error = LmdbEngine::open(&path, &options).unwrap_err();
    assert!(
        matches!(&error, KvError::InvalidOption { name, .. } if name == "lmdb.map_size"),
        "{error}"
    );
    assert!(!path.exists());
}

#[test]
fn every_flag_combination_opens_and_writes() {
    for options in [
        EngineOptions::bulk_load(),
        EngineOptions::durable(),
        EngineOptions::low_memory(),
        EngineOptions::read_heavy(),
        EngineOptions {
            sync: SyncMode::MetaAsync,
            ..EngineOptions::default()
        },
    ] {
        let dir = tempfile::tempdir().unwrap();
        let engine = open_lmdb(dir.path(), &options);
        engine
            .write(&mut |txn| {
                for n in 0..1000 {
                    txn.put_sorted(Table::Eavt, &key(n), b"v")?;
                }
                Ok(())
            })
            .unwrap();
        engine.sync().unwrap();
        assert_eq!(count(&engine, Table::Eavt), 1000);
        let size = engine.size_on_disk().unwrap();
        assert!(
            size > 8 * 1000 && size < 64 << 20,
            "{options:?}: size {size}"
        );
    }
}

#[test]
fn open_engine_picks_the_engine() {
    let dir = tempfile::tempdir().unwrap();
    let lmdb = open_engine(Some(dir.path()), &fast_options()).unwrap();
    assert_eq!(lmdb.name(), "lmdb");
    let memory = open_engine(
        None,
        &EngineOptions {
            engine: EngineKind::Memory,
            ..EngineOptions::default()
        },
    )
    .unwrap();
    assert_eq!(memory.name(), "memory");
    assert!(matches!(
        open_engine(None, &fast_options()),
        Err(KvError::InvalidOption { .. })
    ));
}

#[test]
fn threads_opening_and_closing_one_directory_share_it_safely() {
    // Opens race closes: an open that finds the environment closing waits for the close, so
    // the directory never has two environments in the process.
    let dir = tempfile::tempdir().unwrap();
    drop(open_lmdb(dir.path(), &fast_options()));
    std::thread::scope(|s| {
        for t in 0..4u64 {
            let path = dir.path();
            s.spawn(move || {
                for i in 0..50u64 {
                    let engine = open_lmdb(path, &fast_options());
                    let n = t * 1000 + i;
                    put_all(&engine, Table::Eavt, &[(&key(n), b"v")]);
                    assert_eq!(
                        engine
                            .read()
                            .unwrap()
                            .get(Table::Eavt, &key(n))
                            .unwrap()
                            .as_deref(),
                        Some(&b"v"[..])
                    );
                }
            });
        }
    });
    assert_eq!(
        count(&open_lmdb(dir.path(), &fast_options()), Table::Eavt),
        200
    );
}
