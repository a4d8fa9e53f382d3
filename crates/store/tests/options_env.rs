//! `DATOLITE_*` variables, profiles and validation of every option (the engine's and the
//! store's), through a lookup (never the process env).

use std::collections::HashMap;

use datolite_kv::{EngineKind, KvError, SyncMode};
use datolite_store::{StoreError, StoreOptions, ENV_VARS};

fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

fn from(vars: &[(&str, &str)]) -> Result<StoreOptions, StoreError> {
    StoreOptions::from_lookup(lookup(vars))
}

#[test]
fn no_variables_means_defaults() {
    assert_eq!(from(&[]).unwrap(), StoreOptions::default());
}

#[test]
fn every_variable_is_applied() {
    let options = from(&[
        ("DATOLITE_ENGINE", "memory"),
        ("DATOLITE_SYNC", "meta-async"),
        ("DATOLITE_CREATE_IF_MISSING", "no"),
        ("DATOLITE_SCAN_BATCH_SIZE", "2048"),
        ("DATOLITE_PARALLEL_WORKERS", "3"),
        ("DATOLITE_INLINE_VALUE_THRESHOLD", "64"),
        ("DATOLITE_STATS", "off"),
        ("DATOLITE_STRICT_SCHEMA", "1"),
        ("DATOLITE_LMDB_MAP_SIZE", "512MiB"),
        ("DATOLITE_LMDB_MAP_GROWTH", "3"),
        ("DATOLITE_LMDB_MAX_READERS", "200"),
        ("DATOLITE_LMDB_NO_READAHEAD", "yes"),
        ("DATOLITE_LMDB_WRITE_MAP", "TRUE"),
        ("DATOLITE_LMDB_GROW_WAIT_MS", "250"),
    ])
    .unwrap();
    assert_eq!(options.kv.engine, EngineKind::Memory);
    assert_eq!(options.kv.sync, SyncMode::MetaAsync);
    assert!(!options.kv.create_if_missing);
    assert_eq!(
        (
            options.scan_batch_size,
            options.parallel_workers,
            options.inline_value_threshold
        ),
        (2048, 3, 64)
    );
    assert!(!options.stats && options.strict_schema);
    assert_eq!(options.kv.lmdb.map_size, 512 << 20);
    assert_eq!(
        (
            options.kv.lmdb.map_growth,
            options.kv.lmdb.max_readers,
            options.kv.lmdb.grow_wait_ms
        ),
        (3, 200, 250)
    );
    assert!(options.kv.lmdb.no_readahead && options.kv.lmdb.write_map);
}

#[test]
fn every_listed_variable_rejects_garbage_and_names_itself() {
    for (name, description) in ENV_VARS {
        assert!(!description.is_empty());
        let error = from(&[(name, "garbage!")]).unwrap_err();
        match &error {
            StoreError::Kv(KvError::InvalidOption {
                name: named,
                reason,
            }) => {
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
        ("DATOLITE_SCAN_BATCH_SIZE", "0"),
        ("DATOLITE_PARALLEL_WORKERS", "0"),
        ("DATOLITE_INLINE_VALUE_THRESHOLD", "15"),
        ("DATOLITE_INLINE_VALUE_THRESHOLD", "201"),
        ("DATOLITE_LMDB_MAP_SIZE", "100k"),
        ("DATOLITE_LMDB_MAP_GROWTH", "1"),
        ("DATOLITE_LMDB_MAX_READERS", "0"),
        ("DATOLITE_SYNC", "sometimes"),
        ("DATOLITE_ENGINE", "berkeleydb"),
    ] {
        let error = from(&[(name, value)]).unwrap_err();
        assert!(
            matches!(&error, StoreError::Kv(KvError::InvalidOption { name: n, .. }) if n == name),
            "{name}={value}: {error}"
        );
    }
}

#[test]
fn profile_first_then_variables_on_top() {
    let options = from(&[
        ("DATOLITE_PROFILE", "low_memory"),
        ("DATOLITE_SCAN_BATCH_SIZE", "512"),
    ])
    .unwrap();
    assert_eq!(options.scan_batch_size, 512); // the variable wins
    assert_eq!(options.kv.lmdb.max_readers, 126); // the rest is the profile
    assert!(options.kv.lmdb.no_readahead);
    let options = from(&[("DATOLITE_PROFILE", "bulk-load")]).unwrap();
    assert_eq!(options, StoreOptions::bulk_load());
    let error = from(&[("DATOLITE_PROFILE", "turbo")]).unwrap_err();
    assert!(
        matches!(&error, StoreError::Kv(KvError::InvalidOption { name, .. }) if name == "DATOLITE_PROFILE"),
        "{error}"
    );
}

#[test]
fn overlay_keeps_existing_options_and_ignores_the_profile() {
    let base = StoreOptions::bulk_load();
    let options = base
        .clone()
        .overlay_lookup(lookup(&[
            ("DATOLITE_PROFILE", "durable"),
            ("DATOLITE_STATS", "false"),
        ]))
        .unwrap();
    assert_eq!(
        options,
        StoreOptions {
            stats: false,
            ..base
        }
    );
}

#[test]
fn empty_and_padded_values() {
    assert_eq!(
        from(&[("DATOLITE_SYNC", "")]).unwrap().kv.sync,
        SyncMode::Full
    );
    assert_eq!(
        from(&[("DATOLITE_SYNC", "  none ")]).unwrap().kv.sync,
        SyncMode::None
    );
    assert_eq!(
        from(&[("DATOLITE_LMDB_MAP_SIZE", "1g")])
            .unwrap()
            .kv
            .lmdb
            .map_size,
        1 << 30
    );
    assert_eq!(
        from(&[("DATOLITE_LMDB_MAP_SIZE", "1048576")])
            .unwrap()
            .kv
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
    for kind in [EngineKind::Lmdb, EngineKind::Memory, EngineKind::Rocksdb] {
        assert_eq!(kind.as_str().parse::<EngineKind>().unwrap(), kind);
    }
}
