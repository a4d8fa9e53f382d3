//! The built-in entities (system attributes, type/cardinality/uniqueness idents, partitions)
//! are read-only; ids in their range that name nothing do not exist.

mod common;

use common::{fails, memory, SCHEMA};
use datolite_store::bootstrap::{FIRST_USER_SCHEMA_ID, SYSTEM_ATTRIBUTES};
use datolite_store::{Index, Store, StoreError, Value, ValueType};

fn seeded() -> Store {
    let store = memory();
    store.transact_edn(SCHEMA).unwrap();
    store
        .transact_edn(r#"[{:user/email "a@x" :user/name "Ann"}]"#)
        .unwrap();
    store
}

/// The entities below the first user schema id that a new database holds, with their idents,
/// read from its datoms (not from the bootstrap tables the transactor uses).
fn built_ins(store: &Store) -> Vec<(u64, String)> {
    let db = store.db().unwrap();
    db.datoms(Index::Aevt, &[Value::keyword(":db/ident")])
        .unwrap()
        .into_iter()
        .filter(|d| d.e < FIRST_USER_SCHEMA_ID)
        .map(|d| match d.v {
            Value::Keyword(k) => (d.e, k),
            other => panic!("ident {other:?}"),
        })
        .collect()
}

/// The system attributes, one ident per value type, two cardinalities, two uniqueness values
/// and three partitions.
fn expected_built_ins() -> usize {
    SYSTEM_ATTRIBUTES.len() + ValueType::ALL.len() + 2 + 2 + 3
}

fn read_only(error: &StoreError, entity: u64, ident: &str) -> bool {
    matches!(error, StoreError::ReadOnly { entity: e, ident: i } if *e == entity && i == ident)
}

#[test]
fn retracting_the_ident_of_db_ident_is_refused_and_the_database_keeps_working() {
    let store = seeded();
    let error = fails(&store, "[[:db/retract 1 :db/ident :db/ident]]");
    assert!(read_only(&error, 1, ":db/ident"), "{error:?}");
    assert_eq!(
        error.to_string(),
        "entity 1 (:db/ident) is built in and read-only"
    );
    // Later transactions still work, including ones that install attributes.
    store
        .transact_edn(r#"[{:user/email "b@x" :user/nickname "B"}]"#)
        .unwrap();
}

#[test]
fn every_write_onto_a_built_in_entity_is_refused() {
    let store = seeded();
    let all = built_ins(&store);
    assert_eq!(all.len(), expected_built_ins(), "{all:?}");
    for (e, ident) in [
        (1, "db/ident"),
        (5, "db/isComponent"),
        (11, "db/noHistory"),
        (21, "db.type/long"),
        (40, "db.cardinality/one"),
        (43, "db.unique/identity"),
        (50, "db.part/db"),
        (52, "db.part/user"),
    ] {
        assert!(
            all.contains(&(e, ident.to_string())),
            "{e} {ident}: {all:?}"
        );
    }
    for (e, ident) in &all {
        let ident = format!(":{ident}");
        for edn in [
            format!(r#"[[:db/add {e} :db/doc "mine"]]"#),
            format!(r#"[[:db/add {ident} :db/doc "mine"]]"#),
            format!(r#"[[:db/add [:db/ident {ident}] :db/doc "mine"]]"#),
            format!("[[:db/retract {e} :db/ident {ident}]]"),
            format!("[[:db/retract {e} :db/ident]]"),
            format!("[[:db/retractEntity {e}]]"),
            format!(r#"[{{:db/id {e} :user/name "x"}}]"#),
            format!(r#"[[:db/cas {e} :db/doc nil "mine"]]"#),
            // A reverse attribute writes onto its source.
            format!(r#"[{{:db/id "x" :user/name "x" :user/_friends {e}}}]"#),
        ] {
            let error = fails(&store, &edn);
            assert!(read_only(&error, *e, &ident), "{edn}: {error:?}");
        }
    }
}

#[test]
fn writing_onto_db_is_component_installs_nothing() {
    let store = seeded();
    let error = fails(&store, r#"[{:db/id 5 :name "x"}]"#);
    assert!(read_only(&error, 5, ":db/isComponent"), "{error:?}");
    assert!(store.db().unwrap().attribute(":name").is_err());
    let error = fails(&store, "[[:db/retractEntity 11]]");
    assert!(read_only(&error, 11, ":db/noHistory"), "{error:?}");
}

#[test]
fn references_to_built_ins_stay_fine() {
    let store = seeded();
    store
        .transact_edn(
            r#"[{:db/ident :user/level :db/valueType :db.type/long :db/cardinality :db.cardinality/one :db/doc "level"}
                [:db/add "x" :user/friends :db/ident]
                [:db/add "x" :user/email "x@x"]]"#,
        )
        .unwrap();
    // Retracting a reference to a built-in is a write onto the referring entity.
    store
        .transact_edn(r#"[[:db/retract [:user/email "x@x"] :user/friends :db/ident]]"#)
        .unwrap();
}

#[test]
fn a_built_in_cannot_be_a_component() {
    let store = seeded();
    let m = fails(
        &store,
        r#"[{:user/email "z@x" :user/address :db.type/long}]"#,
    )
    .to_string();
    assert!(
        m.contains(":user/address") && m.contains(":db.type/long") && m.contains("read-only"),
        "{m}"
    );
}

#[test]
fn unused_ids_in_the_built_in_range_do_not_exist() {
    let store = seeded();
    let used: Vec<u64> = built_ins(&store).into_iter().map(|(e, _)| e).collect();
    for id in (0..FIRST_USER_SCHEMA_ID).filter(|id| !used.contains(id)) {
        for edn in [
            format!("[[:db/add {id} :user/age 1]]"),
            format!(r#"[[:db/add "x" :user/friends {id}]]"#),
            format!("[[:db/retractEntity {id}]]"),
        ] {
            let error = fails(&store, &edn);
            assert!(
                matches!(error, StoreError::UnknownEntity(e) if e == id),
                "{edn}: {error:?}"
            );
        }
    }
    let m = fails(&store, "[[:db/add 15 :user/age 1]]").to_string();
    assert!(m.starts_with("entity 15 does not exist"), "{m}");
}

#[test]
fn an_unknown_id_suggests_a_tempid() {
    let store = seeded();
    let m = fails(&store, "[[:db/add 123456 :user/age 1]]").to_string();
    assert_eq!(
        m,
        r#"entity 123456 does not exist; to create an entity use a tempid (a string such as "new" or a negative number)"#
    );
}

#[test]
fn a_new_database_still_bootstraps_its_built_ins() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let count = {
        let store = Store::open(Some(&path), Default::default()).unwrap();
        assert_eq!(built_ins(&store).len(), expected_built_ins());
        store.db().unwrap().count().unwrap()
    };
    let store = Store::open(Some(&path), Default::default()).unwrap();
    assert_eq!(store.db().unwrap().count().unwrap(), count);
    store.transact_edn(SCHEMA).unwrap();
}
