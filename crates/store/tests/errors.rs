//! Bad input returns a clear error and leaves the database exactly as it was.

mod common;

use common::{dump, lmdb, memory, SCHEMA};
use datolite_store::StoreOptions;
use datolite_store::{Index, Store, StoreError, Value};

fn seeded(store: &Store) {
    store.transact_edn(SCHEMA).unwrap();
    store
        .transact_edn(
            r#"[{:db/id "a" :user/email "a@x" :user/handle "ann" :user/name "Ann" :user/age 30}]"#,
        )
        .unwrap();
}

fn rejects(store: &Store, edn: &str, check: impl Fn(&StoreError) -> bool) -> String {
    let before = dump(store);
    let error = store.transact_edn(edn).expect_err("transaction must fail");
    assert!(check(&error), "unexpected error {error:?}");
    assert_eq!(
        dump(store),
        before,
        "a failed transaction changed the database"
    );
    error.to_string()
}

fn all_cases(store: &Store) {
    seeded(store);
    let m = rejects(store, r#"[{:user/name "x" "#, |e| {
        matches!(e, StoreError::Edn(_))
    });
    assert!(m.contains("line 1"), "{m}");
    let m = rejects(
        store,
        r#"[{:db/id [:user/email "nobody@x"] :user/age 3}]"#,
        |e| matches!(e, StoreError::LookupRefNotFound { .. }),
    );
    assert!(m.contains("nobody@x"), "{m}");
    let m = rejects(store, r#"[{:user/email "b@x" :user/age "old"}]"#, |e| {
        matches!(e, StoreError::TypeMismatch { .. })
    });
    assert!(m.contains(":user/age") && m.contains("long"), "{m}");
    let m = rejects(store, r#"[{:user/email "c@x" :user/handle "ann"}]"#, |e| {
        matches!(e, StoreError::UniqueViolation { .. })
    });
    assert!(m.contains("ann"), "{m}");
    let m = rejects(store, r#"[[:db/retract "ghost" :user/age 3]]"#, |e| {
        matches!(e, StoreError::UnresolvedTempid(_))
    });
    assert!(m.contains("ghost"), "{m}");
    rejects(
        store,
        r#"[[:db/add "x" :user/age 1] [:db/add "x" :user/age 2]]"#,
        |e| matches!(e, StoreError::CardinalityConflict { .. }),
    );
    rejects(store, r#"[[:db/add 99999999 :user/age 1]]"#, |e| {
        matches!(e, StoreError::UnknownEntity(_))
    });
    rejects(store, r#"[[:db/frobnicate 1 :user/age 1]]"#, |e| {
        matches!(e, StoreError::InvalidTxData(_))
    });
    rejects(store, r#"{:not "a vector"}"#, |e| {
        matches!(e, StoreError::InvalidTxData(_))
    });
    rejects(store, r#"[{:user/friends :no.such/ident}]"#, |e| {
        matches!(e, StoreError::UnknownIdent(_))
    });
    rejects(
        store,
        r#"[{:db/ident :user/age :db/valueType :db.type/string}]"#,
        |e| matches!(e, StoreError::Schema(_)),
    );
    let m = rejects(
        store,
        r#"[[:db/cas [:user/email "a@x"] :user/age 31 32]]"#,
        |e| matches!(e, StoreError::CasFailed { .. }),
    );
    assert!(
        m.contains(":user/age") && m.contains("31") && m.contains("30"),
        "{m}"
    );
    let m = rejects(store, "[[:db/retract 1 :db/ident :db/ident]]", |e| {
        matches!(e, StoreError::ReadOnly { .. })
    });
    assert!(m.contains(":db/ident"), "{m}");
    let m = rejects(store, r#"[{:db/id "z" :user/_name "x"}]"#, |e| {
        matches!(e, StoreError::InvalidTxData(_))
    });
    assert!(m.contains(":user/name"), "{m}");
    let m = rejects(
        store,
        r#"[{:db/id #db/id[:db.part/nowhere] :user/name "x"}]"#,
        |e| matches!(e, StoreError::InvalidTxData(_)),
    );
    assert!(m.contains(":db.part/nowhere"), "{m}");
    let m = rejects(
        store,
        r#"[{:user/email "q@x" :user/name "Ann"} {:db/id :user/name :db/unique :db.unique/value}]"#,
        |e| matches!(e, StoreError::Schema(_)),
    );
    assert!(m.contains(":user/name") && m.contains("\"Ann\""), "{m}");
    let m = rejects(
        store,
        r#"[[:db/retract :user/age :db/ident :user/age]]"#,
        |e| matches!(e, StoreError::Schema(_)),
    );
    assert!(m.contains(":user/age: 1 datom still uses it"), "{m}");
    // A failure late in a transaction undoes the earlier, valid operations too.
    rejects(
        store,
        r#"[{:user/email "d@x" :user/name "Dee"} {:user/email "e@x" :user/age "x"}]"#,
        |e| matches!(e, StoreError::TypeMismatch { .. }),
    );
}

#[test]
fn memory_engine_rejects_bad_input_without_changes() {
    all_cases(&memory());
}

#[test]
fn lmdb_engine_rejects_bad_input_without_changes() {
    let (store, _dir) = lmdb();
    all_cases(&store);
}

#[test]
fn strict_schema_rejects_undeclared_attributes() {
    let store = Store::open(
        None,
        StoreOptions {
            strict_schema: true,
            ..StoreOptions::memory()
        },
    )
    .unwrap();
    seeded(&store);
    let m = rejects(
        &store,
        r#"[{:user/email "z@x" :user/nickname "zed"}]"#,
        |e| matches!(e, StoreError::UnknownAttribute(_)),
    );
    assert!(m.contains(":user/nickname"), "{m}");
}

#[test]
fn unreadable_directories_are_clear_errors_and_a_second_open_shares() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain-file");
    std::fs::write(&file, b"not a database").unwrap();
    let error = Store::open(Some(&file), StoreOptions::default())
        .err()
        .expect("a file is not a database");
    assert!(error.to_string().contains("plain-file"), "{error}");

    let missing = dir.path().join("missing");
    let mut options = StoreOptions::default();
    options.kv.create_if_missing = false;
    let error = Store::open(Some(&missing), options)
        .err()
        .expect("missing directory");
    assert!(error.to_string().contains("does not exist"), "{error}");

    // A second store on one directory (as another process would open it) shares the data.
    let path = dir.path().join("db");
    let first = Store::open(Some(&path), StoreOptions::default()).unwrap();
    let second = Store::open(Some(&path), StoreOptions::default()).unwrap();
    first
        .transact_edn(
            "[{:db/ident :n :db/valueType :db.type/long :db/cardinality :db.cardinality/one}]",
        )
        .unwrap();
    second.transact_edn("[{:n 1}]").unwrap();
    let attribute = first.db().unwrap().attribute(":n").map(|a| a.id).unwrap();
    assert_eq!(first.db().unwrap().stats().count(attribute), 1);
}

#[test]
fn malformed_reads_are_clear_errors() {
    let store = memory();
    seeded(&store);
    let db = store.db().unwrap();
    let five = [
        Value::Ref(1),
        Value::keyword("db/ident"),
        Value::Long(1),
        Value::Ref(1),
        Value::Long(0),
    ];
    assert!(matches!(
        db.datoms(Index::Eavt, &five),
        Err(StoreError::InvalidArgument(_))
    ));
    let unknown = db
        .datoms(Index::Aevt, &[Value::keyword(":no/such")])
        .unwrap_err();
    assert!(unknown.to_string().contains(":no/such"), "{unknown}");
    // Components out of index order: EAVT cannot bind a value before an entity.
    let out_of_order = db
        .scan(Index::Eavt)
        .value(&Value::Long(1))
        .collect()
        .unwrap_err();
    assert!(
        matches!(out_of_order, StoreError::InvalidArgument(_)),
        "{out_of_order}"
    );
}
