//! A database written with another on-disk format is refused at open with a message saying
//! what to do, never misread.

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
