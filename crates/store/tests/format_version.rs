//! A database written with another on-disk format is refused at open with a message saying
//! what to do, never misread — or upgraded in place when this build knows how.

mod common;

use datolite_kv::{write_with, Table};
use datolite_store::StoreOptions;
use datolite_store::{meta, Store, StoreError};

#[test]
fn older_format_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    {
        let store = Store::open(Some(&path), StoreOptions::default()).unwrap();
        store.transact_edn(r#"[{:user/name "Ann"}]"#).unwrap();
        write_with(store.engine().as_ref(), |txn| {
            txn.put(Table::Meta, meta::FORMAT, &1u64.to_be_bytes())
        })
        .unwrap();
    }
    let err = match Store::open(Some(&path), StoreOptions::default()) {
        Ok(_) => panic!("a format-1 database opened"),
        Err(e) => e,
    };
    assert!(
        matches!(
            err,
            StoreError::FormatVersion {
                found: 1,
                expected: meta::FORMAT_VERSION
            }
        ),
        "{err}"
    );
    let message = err.to_string();
    assert!(
        message.contains("format 1") && message.contains("export"),
        "{message}"
    );
}

#[test]
fn a_format_3_database_gets_its_log_packed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let (expected, log) = {
        let store = Store::open(Some(&path), StoreOptions::default()).unwrap();
        store.transact_edn(common::SCHEMA).unwrap();
        for i in 0..50 {
            store
                .transact_edn(&format!(
                    "[{{:user/email \"u{}\" :user/age {i} :user/name \"{}\"}}]",
                    i % 20,
                    "n".repeat(150 + i)
                ))
                .unwrap();
        }
        let log = log_of(&store);
        let expected = common::dump(&store);
        common::unpack_log(&store, 3);
        assert_ne!(common::dump(&store), expected);
        (expected, log)
    };
    let store = Store::open(Some(&path), StoreOptions::default()).unwrap();
    assert_eq!(common::dump(&store), expected, "byte for byte, every table");
    assert_eq!(log_of(&store), log);
    assert!(store.check().unwrap().is_clean());
}

/// Every entry of the log, printed.
fn log_of(store: &Store) -> Vec<String> {
    let mut log = Vec::new();
    store
        .db()
        .unwrap()
        .log(.., |d| {
            log.push(format!("{} {} {} {} {}", d.e, d.a, d.v, d.tx, d.added));
            true
        })
        .unwrap();
    log
}
