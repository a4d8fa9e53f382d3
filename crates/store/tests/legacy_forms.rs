//! Datomic's legacy transaction forms: `#db/id [partition idx?]` tempids and the
//! `:db.install/_attribute` / `:db.alter/_attribute` markers of schema maps; other tagged
//! literals are errors naming the tag.

mod common;

use common::{fails, holders, memory, values};
use datolite_store::model::{partition_of, PART_DB, PART_USER};
use datolite_store::{Store, StoreError, Value};

const LEGACY_SCHEMA: &str = r#"[
 {:db/id #db/id[:db.part/db] :db/ident :person/name :db/valueType :db.type/string
  :db/cardinality :db.cardinality/one :db/unique :db.unique/identity :db.install/_attribute :db.part/db}
 {:db/id #db/id [:db.part/db] :db/ident :person/age :db/valueType :db.type/long
  :db/cardinality :db.cardinality/one :db.install/_attribute :db.part/db}
 {:db/id #db/id[:db.part/db -1] :db/ident :person/friend :db/valueType :db.type/ref
  :db/cardinality :db.cardinality/many :db.install/_attribute :db.part/db}
 [:db/add #db/id[:db.part/user] :db/ident :person.kind/robot]
]"#;

fn store() -> Store {
    let store = memory();
    let r = store.transact_edn(LEGACY_SCHEMA).unwrap();
    // The markers write nothing: 3 × (ident, type, cardinality) + 1 unique + the enum ident +
    // the transaction instant.
    assert_eq!(r.tx_data.len(), 3 * 3 + 1 + 1 + 1, "{:?}", r.tx_data);
    assert!(r.tx_data.iter().all(|d| d.added));
    store
}

fn person(store: &Store, name: &str) -> u64 {
    match holders(store, ":person/name", Value::from(name)).as_slice() {
        [e] => *e,
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn legacy_schema_maps_install_attributes() {
    let store = store();
    let db = store.db().unwrap();
    for ident in [":person/name", ":person/age", ":person/friend"] {
        let attribute = db.attribute(ident).unwrap();
        assert_eq!(partition_of(u64::from(attribute.id)), PART_DB, "{ident}");
    }
    assert!(db.schema().entity_of_ident("person.kind/robot").is_some());
    store
        .transact_edn(r#"[{:db/id #db/id[:db.part/user] :person/name "Ann" :person/age 3}]"#)
        .unwrap();
    assert_eq!(
        values(&store, person(&store, "Ann"), ":person/age"),
        vec![Value::Long(3)]
    );
}

#[test]
fn each_unnumbered_db_id_is_a_new_entity() {
    let store = store();
    let r = store
        .transact_edn(
            r#"[[:db/add #db/id[:db.part/user] :person/name "A"]
                [:db/add #db/id[:db.part/user] :person/age 1]
                {:db/id #db/id[:db.part/user] :person/name "B"}]"#,
        )
        .unwrap();
    let entities: std::collections::BTreeSet<u64> = r
        .tx_data
        .iter()
        .filter(|d| d.e != r.tx)
        .map(|d| d.e)
        .collect();
    assert_eq!(entities.len(), 3, "{:?}", r.tx_data);
    assert!(entities.iter().all(|e| partition_of(*e) == PART_USER));
    // Not reported: nothing could look them up.
    assert!(r.tempids.is_empty(), "{:?}", r.tempids);
}

#[test]
fn a_numbered_db_id_is_one_entity_wherever_it_appears() {
    let store = store();
    let r = store
        .transact_edn(
            r#"[[:db/add #db/id[:db.part/user -7] :person/name "C"]
                [:db/add #db/id [:db.part/user -7] :person/age 5]
                {:db/id #db/id[:db.part/user -8] :person/name "D" :person/friend #db/id[:db.part/user -7]}
                [:db/add -7 :person/name "E"]
                [:db/add -7 :person/friend #db/id[:db.part/user -7]]]"#,
        )
        .unwrap();
    let c = person(&store, "C");
    assert_eq!(r.tempids["#db/id[:db.part/user -7]"], c);
    assert_eq!(values(&store, c, ":person/age"), vec![Value::Long(5)]);
    assert_eq!(
        values(&store, person(&store, "D"), ":person/friend"),
        vec![Value::Ref(c)]
    );
    // A plain -7 is another tempid.
    assert_ne!(person(&store, "E"), c);
    assert_eq!(r.tempids["-7"], person(&store, "E"));
    assert_eq!(
        values(&store, person(&store, "E"), ":person/friend"),
        vec![Value::Ref(c)]
    );
}

#[test]
fn db_id_partitions_choose_where_entities_go() {
    let store = store();
    let r = store
        .transact_edn(
            r#"[{:db/id #db/id[:db.part/db] :db/doc "in the schema partition"}
                [:db/add #db/id[:db.part/tx] :db/doc "about the transaction"]]"#,
        )
        .unwrap();
    let docs: Vec<(u64, Value)> = r
        .tx_data
        .iter()
        .filter(|d| matches!(d.v, Value::String(_)))
        .map(|d| (d.e, d.v.clone()))
        .collect();
    assert_eq!(docs.len(), 2, "{docs:?}");
    assert_eq!(partition_of(docs[0].0), PART_DB);
    assert!(docs.contains(&(r.tx, Value::from("about the transaction"))));
}

#[test]
fn malformed_db_ids_and_unknown_partitions_are_errors() {
    let store = store();
    let m = fails(
        &store,
        r#"[{:db/id #db/id[:db.part/people] :person/name "X"}]"#,
    )
    .to_string();
    assert!(
        m.contains(":db.part/people") && m.contains("unknown partition"),
        "{m}"
    );
    let m = fails(
        &store,
        r#"[{:person/name "X" :person/friend #db/id[:db.part/people -1]}]"#,
    )
    .to_string();
    assert!(m.contains(":db.part/people"), "{m}");
    for bad in [
        r#"#db/id[:db.part/user 7]"#,
        r#"#db/id[:db.part/user -1 -2]"#,
        r#"#db/id "user""#,
        r#"#db/id["db.part/user"]"#,
    ] {
        let error = fails(&store, &format!(r#"[{{:db/id {bad} :person/name "X"}}]"#));
        assert!(
            matches!(&error, StoreError::InvalidTxData(m) if m.contains("#db/id")),
            "{bad}: {error:?}"
        );
    }
}

#[test]
fn install_and_alter_markers_are_accepted_only_where_datomic_put_them() {
    let store = store();
    // An alteration with the legacy marker: accepted, the marker writes nothing.
    let r = store
        .transact_edn(
            r#"[{:db/id :person/age :db/cardinality :db.cardinality/many :db.alter/_attribute :db.part/db}]"#,
        )
        .unwrap();
    assert_eq!(r.tx_data.len(), 3, "{:?}", r.tx_data);
    let db = store.db().unwrap();
    assert_eq!(
        db.attribute(":person/age").unwrap().cardinality,
        datolite_store::Cardinality::Many
    );
    for (edn, named) in [
        (
            r#"[{:db/id #db/id[:db.part/user] :person/name "X" :db.install/_attribute :db.part/db}]"#,
            ":db.install/_attribute",
        ),
        (
            r#"[{:db/id #db/id[:db.part/db] :db/ident :x/y :db/valueType :db.type/long :db.install/_attribute :db.part/user}]"#,
            ":db.install/_attribute",
        ),
        (
            r#"[{:db/ident :x/y :db/cardinality :db.cardinality/one :db.alter/_attribute :db.part/db}]"#,
            ":db.alter/_attribute",
        ),
        (
            r#"[{:db/id #db/id[:db.part/db] :db/ident :my.part/x :db.install/_partition :db.part/db}]"#,
            ":db.install/_partition",
        ),
        (
            r#"[[:db/add :db.part/db :db.install/attribute :person/name]]"#,
            ":db.install/attribute",
        ),
        (r#"[{:db/id "x" :db/frobnicate 1}]"#, ":db/frobnicate"),
    ] {
        let m = fails(&store, edn).to_string();
        assert!(m.contains(named), "{edn}: {m}");
    }
}

#[test]
fn other_tagged_literals_are_errors_naming_the_tag() {
    let store = store();
    for (edn, tag) in [
        (r#"[{:db/id #my/id 1 :person/name "X"}]"#, "#my/id"),
        (r#"[[:db/add #my/id 1 :person/name "X"]]"#, "#my/id"),
        (
            r#"[{:person/name "X" :person/friend #my/ref 3}]"#,
            "#my/ref",
        ),
        (r#"[{:person/name #my/str "X"}]"#, "#my/str"),
        (
            r#"[{:person/name "X" :person/undeclared #my/tag 1}]"#,
            "#my/tag",
        ),
        (r#"[#my/op [:db/add 1 :person/name "X"]]"#, "#my/op"),
    ] {
        let m = fails(&store, edn).to_string();
        assert!(m.contains(tag), "{edn}: {m}");
    }
}

#[test]
fn an_undeclared_attribute_with_a_db_id_value_is_a_ref() {
    let store = store();
    let r = store
        .transact_edn(
            r#"[{:db/id #db/id[:db.part/user -1] :person/name "P"}
                {:person/name "Q" :person/boss #db/id[:db.part/user -1]}]"#,
        )
        .unwrap();
    let db = store.db().unwrap();
    assert_eq!(
        db.attribute(":person/boss").unwrap().value_type,
        datolite_store::ValueType::Ref
    );
    assert_eq!(
        values(&store, person(&store, "Q"), ":person/boss"),
        vec![Value::Ref(r.tempids["#db/id[:db.part/user -1]"])]
    );
}
