//! The engine's `DATOLITE_*` variables and validation, through a lookup (never the process env).
//! The store's variables, `DATOLITE_PROFILE` and the whole table are tested with
//! `datolite_store::StoreOptions` (crates/store/tests/options_env.rs).

use std::collections::HashMap;

use datolite_kv::{EngineKind, EngineOptions, KvError, SyncMode, ENGINE_ENV_VARS};

fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

fn from(vars: &[(&str, &str)]) -> Result<EngineOptions, KvError> {
    EngineOptions::default().overlay_lookup(lookup(vars))
}

#[test]
fn no_variables_means_defaults() {
    assert_eq!(from(&[]).unwrap(), EngineOptions::default());
}

#[test]
fn every_variable_is_applied() {
    let options = from(&[
        ("DATOLITE_ENGINE", "memory"),
        ("DATOLITE_SYNC", "meta-async"),
        ("DATOLITE_CREATE_IF_MISSING", "no"),
        ("DATOLITE_LMDB_MAP_SIZE", "512MiB"),
        ("DATOLITE_LMDB_MAP_GROWTH", "3"),
        ("DATOLITE_LMDB_MAX_READERS", "200"),
        ("DATOLITE_LMDB_NO_READAHEAD", "yes"),
        ("DATOLITE_LMDB_WRITE_MAP", "TRUE"),
        ("DATOLITE_LMDB_GROW_WAIT_MS", "250"),
        // Store variables are not the engine's business.
        ("DATOLITE_STATS", "garbage!"),
    ])
    .unwrap();
    assert_eq!(options.engine, EngineKind::Memory);
    assert_eq!(options.sync, SyncMode::MetaAsync);
    assert!(!options.create_if_missing);
    assert_eq!(options.lmdb.map_size, 512 << 20);
    assert_eq!(
        (
            options.lmdb.map_growth,
            options.lmdb.max_readers,
            options.lmdb.grow_wait_ms
        ),
        (3, 200, 250)
    );
    assert!(options.lmdb.no_readahead && options.lmdb.write_map);
}

#[test]
fn every_listed_variable_rejects_garbage_and_names_itself() {
    assert!(ENGINE_ENV_VARS.len() >= 9);
    for (name, description) in ENGINE_ENV_VARS {
        assert!(!description.is_empty());
        let error = from(&[(name, "garbage!")]).unwrap_err();
        match &error {
            KvError::InvalidOption {
                name: named,
                reason,
            } => {
                assert_eq!(named, name);
                assert!(
                    reason.contains("expected") && reason.contains("\"garbage!\""),
                    "{reason}"
                );
            }
            other => panic!("{name}: unexpected error {other}"),
        }
        assert!(error.to_string().contains(name), "{error}");
    }
}

#[test]
fn out_of_range_values_are_rejected() {
    for (name, value) in [
        ("DATOLITE_LMDB_MAP_SIZE", "100k"),
        ("DATOLITE_LMDB_MAP_GROWTH", "1"),
        ("DATOLITE_LMDB_MAX_READERS", "0"),
        ("DATOLITE_SYNC", "sometimes"),
        ("DATOLITE_ENGINE", "berkeleydb"),
        ("DATOLITE_ROCKSDB_MEMTABLES", "1"),
        ("DATOLITE_ROCKSDB_MAX_LEVELS", "30"),
        ("DATOLITE_ROCKSDB_BACKGROUND_JOBS", "0"),
    ] {
        let error = from(&[(name, value)]).unwrap_err();
        assert!(
            matches!(&error, KvError::InvalidOption { name: n, .. } if n == name),
            "{name}={value}: {error}"
        );
    }
}

#[test]
fn empty_and_padded_values() {
    assert_eq!(from(&[("DATOLITE_SYNC", "")]).unwrap().sync, SyncMode::Full);
    assert_eq!(
        from(&[("DATOLITE_SYNC", "  none ")]).unwrap().sync,
        SyncMode::None
    );
    assert_eq!(
        from(&[("DATOLITE_LMDB_MAP_SIZE", "1g")])
            .unwrap()
            .lmdb
            .map_size,
        1 << 30
    );
    assert_eq!(
        from(&[("DATOLITE_LMDB_MAP_SIZE", "1048576")])
            .unwrap()
            .lmdb
            .map_size,
        1 << 20
    );
}

#[test]
fn sync_and_engine_names_round_trip() {
    for mode in [SyncMode::Full, SyncMode::MetaAsync, SyncMode::None] {
        assert_eq!(mode.as_str().parse::<SyncMode>().unwrap(), mode);
    }
    for kind in [EngineKind::Lmdb, EngineKind::Memory] {
        assert_eq!(kind.as_str().parse::<EngineKind>().unwrap(), kind);
    }
}

#[test]
fn rocksdb_variables_are_applied_and_checked_in_every_build() {
    let options = from(&[
        ("DATOLITE_ENGINE", "rocksdb"),
        ("DATOLITE_ROCKSDB_MEMTABLE_SIZE", "64MiB"),
        ("DATOLITE_ROCKSDB_MEMTABLES", "3"),
        ("DATOLITE_ROCKSDB_L0_COMPACTION_TRIGGER", "4"),
        ("DATOLITE_ROCKSDB_L0_STOP_TRIGGER", "12"),
        ("DATOLITE_ROCKSDB_BLOOM_BITS", "0"),
        ("DATOLITE_ROCKSDB_BLOCK_CACHE", "1GiB"),
        ("DATOLITE_ROCKSDB_INDEX_CACHE", "0"),
        ("DATOLITE_ROCKSDB_MAX_LEVELS", "5"),
        ("DATOLITE_ROCKSDB_BACKGROUND_JOBS", "2"),
        ("DATOLITE_ROCKSDB_READAHEAD", "0"),
    ])
    .unwrap();
    assert_eq!(options.engine, EngineKind::Rocksdb);
    let r = &options.rocksdb;
    assert_eq!(
        (
            r.memtable_size,
            r.memtables,
            r.l0_compaction_trigger,
            r.l0_stop_trigger
        ),
        (64 << 20, 3, 4, 12)
    );
    assert_eq!(
        (r.bloom_bits_per_key, r.block_cache, r.index_filter_cache),
        (0, 1 << 30, 0)
    );
    assert_eq!((r.max_levels, r.background_jobs, r.readahead), (5, 2, 0));
    // A stop trigger below the compaction trigger is refused, naming the field.
    let error = from(&[
        ("DATOLITE_ROCKSDB_L0_COMPACTION_TRIGGER", "8"),
        ("DATOLITE_ROCKSDB_L0_STOP_TRIGGER", "4"),
    ])
    .unwrap_err()
    .to_string();
    assert!(error.contains("rocksdb.l0_stop_trigger"), "{error}");
}

#[cfg(not(feature = "rocksdb"))]
#[test]
fn choosing_rocksdb_without_the_feature_is_an_error_that_says_how_to_get_it() {
    let dir = tempfile::tempdir().unwrap();
    let options = from(&[("DATOLITE_ENGINE", "rocksdb")]).unwrap();
    let Err(error) = datolite_kv::open_engine(Some(dir.path()), &options) else {
        panic!("the rocksdb engine opened in a build without it");
    };
    let error = error.to_string();
    assert!(error.contains("--features rocksdb"), "{error}");
}
