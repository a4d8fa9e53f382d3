//! Reverse attributes in entity maps: `{:db/id "ann" :person/_friends "bob"}` asserts
//! `[bob :person/friends ann]`.

mod common;

use common::{fails, holders, memory, values};
use datolite_store::{EntityRef, Store, StoreError, Tx, TxValue, Value};

const SCHEMA: &str = r#"[
 {:db/ident :person/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
 {:db/ident :person/friends :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
 {:db/ident :person/mother :db/valueType :db.type/ref :db/cardinality :db.cardinality/one}
 {:db/ident :person/age :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
]"#;

fn store() -> Store {
    let store = memory();
    store.transact_edn(SCHEMA).unwrap();
    store
}

fn person(store: &Store, name: &str) -> u64 {
    match holders(store, ":person/name", Value::from(name)).as_slice() {
        [e] => *e,
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn a_reverse_attribute_asserts_the_forward_datom_on_the_other_entity() {
    let store = store();
    let r = store
        .transact_edn(
            r#"[{:db/id "ann" :person/name "Ann" :person/_friends "bob"}
                {:db/id "bob" :person/name "Bob"}]"#,
        )
        .unwrap();
    let (ann, bob) = (r.tempids["ann"], r.tempids["bob"]);
    assert_eq!(
        values(&store, bob, ":person/friends"),
        vec![Value::Ref(ann)]
    );
    assert!(values(&store, ann, ":person/friends").is_empty());
    // Exactly the two names, the friendship and the transaction instant.
    assert_eq!(r.tx_data.len(), 4, "{:?}", r.tx_data);
}

#[test]
fn the_value_may_be_an_id_lookup_ref_ident_collection_or_nested_maps() {
    let store = store();
    let r = store
        .transact_edn(
            r#"[{:db/id "bob" :person/name "Bob"} {:db/id "cy" :person/name "Cy"}
                {:db/id "ida" :db/ident :person/ida :person/name "Ida"}]"#,
        )
        .unwrap();
    let (bob, cy, ida) = (r.tempids["bob"], r.tempids["cy"], r.tempids["ida"]);
    let r = store
        .transact_edn(&format!(
            r#"[{{:db/id "a1" :person/name "A1" :person/_friends {bob}}}
                {{:db/id "a2" :person/name "A2" :person/_friends [:person/name "Cy"]}}
                {{:db/id "a3" :person/name "A3" :person/_friends :person/ida}}
                {{:db/id "a4" :person/name "A4" :person/_friends [{bob} [:person/name "Cy"] :person/ida]}}
                {{:db/id "a5" :person/name "A5" :person/_friends #{{"n1" "n2"}}}}
                {{:db/id "n1" :person/name "N1"}} {{:db/id "n2" :person/name "N2"}}
                {{:db/id "a6" :person/name "A6" :person/_friends {{:person/name "Dee"}}}}
                {{:db/id "a7" :person/name "A7" :person/_friends [{{:person/name "Eve"}} {{:person/name "Fay"}}]}}]"#
        ))
        .unwrap();
    let t = |name: &str| Value::Ref(r.tempids[name]);
    assert_eq!(
        values(&store, bob, ":person/friends"),
        vec![t("a1"), t("a4")]
    );
    assert_eq!(
        values(&store, cy, ":person/friends"),
        vec![t("a2"), t("a4")]
    );
    assert_eq!(
        values(&store, ida, ":person/friends"),
        vec![t("a3"), t("a4")]
    );
    assert_eq!(
        values(&store, r.tempids["n1"], ":person/friends"),
        vec![t("a5")]
    );
    assert_eq!(
        values(&store, r.tempids["n2"], ":person/friends"),
        vec![t("a5")]
    );
    // Nested maps are new entities that refer back.
    assert_eq!(
        values(&store, person(&store, "Dee"), ":person/friends"),
        vec![t("a6")]
    );
    assert_eq!(
        values(&store, person(&store, "Eve"), ":person/friends"),
        vec![t("a7")]
    );
    assert_eq!(
        values(&store, person(&store, "Fay"), ":person/friends"),
        vec![t("a7")]
    );
}

#[test]
fn a_collection_of_sources_is_fine_for_a_cardinality_one_attribute() {
    let store = store();
    let r = store
        .transact_edn(
            r#"[{:db/id "mom" :person/name "Mom" :person/_mother ["k1" "k2"]}
                {:db/id "k1" :person/name "K1"} {:db/id "k2" :person/name "K2"}]"#,
        )
        .unwrap();
    let mom = Value::Ref(r.tempids["mom"]);
    assert_eq!(
        values(&store, r.tempids["k1"], ":person/mother"),
        vec![mom.clone()]
    );
    assert_eq!(values(&store, r.tempids["k2"], ":person/mother"), vec![mom]);
}

#[test]
fn reverse_attributes_work_with_upserts() {
    let store = store();
    let r = store
        .transact_edn(r#"[{:db/id "ann" :person/name "Ann"} {:db/id "bob" :person/name "Bob"}]"#)
        .unwrap();
    // The map upserts to Ann; Bob is named by a lookup ref.
    store
        .transact_edn(r#"[{:person/name "Ann" :person/_friends [:person/name "Bob"]}]"#)
        .unwrap();
    assert_eq!(
        values(&store, r.tempids["bob"], ":person/friends"),
        vec![Value::Ref(r.tempids["ann"])]
    );
}

#[test]
fn the_forward_attribute_must_exist_and_be_a_ref() {
    let store = store();
    store.transact_edn(r#"[{:person/name "Ann"}]"#).unwrap();
    let error = fails(&store, r#"[{:db/id "x" :person/_name "Ann"}]"#);
    let m = error.to_string();
    assert!(
        matches!(error, StoreError::InvalidTxData(_))
            && m.contains(":person/_name")
            && m.contains(":person/name")
            && m.contains("string"),
        "{m}"
    );
    let error = fails(
        &store,
        r#"[{:person/name "Bo" :person/_enemies [:person/name "Ann"]}]"#,
    );
    assert!(
        matches!(&error, StoreError::UnknownAttribute(a) if a == "person/enemies"),
        "{error:?}"
    );
    // An undeclared reverse name is never installed as an attribute of its own.
    let error = fails(&store, r#"[[:db/add "x" :person/_friends "y"]]"#);
    let m = error.to_string();
    assert!(
        m.contains(":person/_friends") && m.contains("entity map"),
        "{m}"
    );
    assert!(store.db().unwrap().attribute(":person/_friends").is_err());
    // A source that is not an entity.
    let error = fails(
        &store,
        r#"[{:db/id "x" :person/name "X" :person/_friends 1.5}]"#,
    );
    assert!(
        matches!(error, StoreError::TypeMismatch { .. }),
        "{error:?}"
    );
}

#[test]
fn reverse_attributes_from_the_rust_builder() {
    let store = store();
    let r = store
        .transact_edn(r#"[{:db/id "bob" :person/name "Bob"}]"#)
        .unwrap();
    let bob = r.tempids["bob"];
    let mut tx = Tx::new();
    let ann = tx.tempid("ann");
    tx.map(
        Some(ann),
        vec![
            (":person/name", "Ann".into()),
            (
                ":person/_friends",
                TxValue::Many(vec![EntityRef::Id(bob).into()]),
            ),
        ],
    );
    let r = store.transact(tx.ops()).unwrap();
    assert_eq!(
        values(&store, bob, ":person/friends"),
        vec![Value::Ref(r.tempids["ann"])]
    );
}
