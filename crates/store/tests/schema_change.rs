//! Schema changes follow Datomic's rules and are checked against the existing data.

mod common;

use common::{fails, holders, memory, values};
use datolite_store::StoreOptions;
use datolite_store::{Cardinality, Store, StoreError, Unique, Value};

const SCHEMA: &str = r#"[
 {:db/ident :item/code :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
 {:db/ident :item/tags :db/valueType :db.type/keyword :db/cardinality :db.cardinality/many}
 {:db/ident :item/parts :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
 {:db/ident :item/count :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
 {:db/ident :item/serial :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/value}
]"#;

/// Items i1 and i2 share code "X"; i3 has code "Y"; i1 has two tags, i2 one.
fn seeded() -> (Store, u64, u64, u64) {
    seeded_in(memory())
}

/// The same in a store with a strict schema (undeclared attributes are errors).
fn seeded_strict() -> (Store, u64, u64, u64) {
    let options = StoreOptions {
        strict_schema: true,
        ..StoreOptions::memory()
    };
    seeded_in(Store::open(None, options).unwrap())
}

fn seeded_in(store: Store) -> (Store, u64, u64, u64) {
    store.transact_edn(SCHEMA).unwrap();
    let r = store
        .transact_edn(
            r#"[{:db/id "i1" :item/code "X" :item/tags [:a :b] :item/count 1 :item/serial "s1"}
                {:db/id "i2" :item/code "X" :item/tags [:a] :item/count 2 :item/serial "s2"}
                {:db/id "i3" :item/code "Y" :item/count 3}]"#,
        )
        .unwrap();
    (store, r.tempids["i1"], r.tempids["i2"], r.tempids["i3"])
}

fn attribute(store: &Store, ident: &str) -> datolite_store::Attribute {
    store
        .db()
        .unwrap()
        .attribute(ident)
        .unwrap()
        .as_ref()
        .clone()
}

fn schema_error(error: &StoreError) -> &str {
    match error {
        StoreError::Schema(m) => m,
        other => panic!("expected a schema error, got {other:?}"),
    }
}

#[test]
fn adding_uniqueness_is_refused_while_two_entities_share_a_value() {
    let (store, i1, i2, _) = seeded();
    for edn in [
        "[{:db/id :item/code :db/unique :db.unique/value}]",
        "[{:db/id :item/code :db/unique :db.unique/identity}]",
        // The same through an ident map (which runs with the schema definitions).
        "[{:db/ident :item/code :db/unique :db.unique/identity}]",
        "[[:db/add :item/code :db/unique :db.unique/value]]",
    ] {
        let error = fails(&store, edn);
        let m = schema_error(&error);
        assert!(
            m.contains(":item/code")
                && m.contains(r#""X""#)
                && m.contains(&i1.to_string())
                && m.contains(&i2.to_string()),
            "{edn}: {m}"
        );
    }
    // Data of the same transaction counts: creating a duplicate while adding uniqueness fails,
    // removing the duplicate while adding it succeeds.
    fails(
        &store,
        &format!(
            r#"[[:db/add {i2} :item/code "Z"] [:db/add "new" :item/code "Y"]
                {{:db/id :item/code :db/unique :db.unique/value}}]"#
        ),
    );
    store
        .transact_edn(&format!(
            r#"[[:db/add {i2} :item/code "Z"] {{:db/id :item/code :db/unique :db.unique/value}}]"#
        ))
        .unwrap();
    assert_eq!(attribute(&store, ":item/code").unique, Some(Unique::Value));
    // Now enforced.
    let error = fails(&store, r#"[{:item/code "X"}]"#);
    assert!(
        matches!(error, StoreError::UniqueViolation { .. }),
        "{error:?}"
    );
    // Value → identity needs no check, and upserts from then on.
    store
        .transact_edn("[[:db/add :item/code :db/unique :db.unique/identity]]")
        .unwrap();
    let r = store
        .transact_edn(r#"[{:db/id "x" :item/code "X" :item/count 10}]"#)
        .unwrap();
    assert_eq!(r.tempids["x"], i1);
}

#[test]
fn removing_uniqueness_is_allowed() {
    let (store, i1, _, _) = seeded();
    store
        .transact_edn("[[:db/retract :item/serial :db/unique :db.unique/value]]")
        .unwrap();
    assert_eq!(attribute(&store, ":item/serial").unique, None);
    store
        .transact_edn(r#"[{:db/id "dup" :item/serial "s1"}]"#)
        .unwrap();
    assert_eq!(holders(&store, ":item/serial", Value::from("s1")).len(), 2);
    assert!(holders(&store, ":item/serial", Value::from("s1")).contains(&i1));
}

#[test]
fn cardinality_many_to_one_is_refused_while_an_entity_holds_several_values() {
    let (store, i1, _, _) = seeded();
    for edn in [
        "[{:db/id :item/tags :db/cardinality :db.cardinality/one}]",
        "[{:db/ident :item/tags :db/cardinality :db.cardinality/one}]",
        "[[:db/retract :item/tags :db/cardinality :db.cardinality/many]]",
    ] {
        let error = fails(&store, edn);
        let m = schema_error(&error);
        assert!(
            m.contains(":item/tags") && m.contains(&i1.to_string()) && m.contains("2 values"),
            "{edn}: {m}"
        );
    }
    // Retracting the extra value in the same transaction makes it possible.
    store
        .transact_edn(&format!(
            "[[:db/retract {i1} :item/tags :b] {{:db/id :item/tags :db/cardinality :db.cardinality/one}}]"
        ))
        .unwrap();
    assert_eq!(
        attribute(&store, ":item/tags").cardinality,
        Cardinality::One
    );
    // From now on a new value replaces the old one.
    store
        .transact_edn(&format!("[[:db/add {i1} :item/tags :c]]"))
        .unwrap();
    assert_eq!(values(&store, i1, ":item/tags"), vec![Value::keyword("c")]);
}

#[test]
fn cardinality_one_to_many_is_allowed() {
    let (store, i1, _, _) = seeded();
    store
        .transact_edn("[{:db/id :item/count :db/cardinality :db.cardinality/many}]")
        .unwrap();
    store
        .transact_edn(&format!("[[:db/add {i1} :item/count 7]]"))
        .unwrap();
    assert_eq!(
        values(&store, i1, ":item/count"),
        vec![Value::Long(1), Value::Long(7)]
    );
}

#[test]
fn removing_an_attribute_is_refused_while_datoms_use_it() {
    let (store, i1, i2, i3) = seeded_strict();
    for edn in [
        "[[:db/retract :item/count :db/ident :item/count]]",
        "[[:db/retract :item/count :db/valueType :db.type/long]]",
        "[[:db/retractEntity :item/count]]",
    ] {
        let error = fails(&store, edn);
        let m = schema_error(&error);
        assert!(
            m.contains(":item/count") && m.contains("3 datoms"),
            "{edn}: {m}"
        );
    }
    // Retracting the type and declaring another one in the next transaction would change the
    // type of existing data: the first step is already refused, and so is both in one.
    fails(
        &store,
        "[[:db/retract :item/count :db/valueType :db.type/long] [:db/add :item/count :db/valueType :db.type/string]]",
    );
    // Without datoms the attribute can go, and its name is unknown afterwards.
    store
        .transact_edn(&format!(
            "[[:db/retract {i1} :item/count 1] [:db/retract {i2} :item/count 2] [:db/retract {i3} :item/count 3]
              [:db/retractEntity :item/count]]"
        ))
        .unwrap();
    let error = fails(&store, &format!("[[:db/add {i1} :item/count 1]]"));
    assert!(
        matches!(&error, StoreError::UnknownAttribute(i) if i == "item/count"),
        "{error:?}"
    );
}

#[test]
fn type_changes_are_refused() {
    let (store, _, _, _) = seeded();
    for edn in [
        "[{:db/id :item/count :db/valueType :db.type/string}]",
        "[{:db/ident :item/count :db/valueType :db.type/string}]",
        "[[:db/add :item/count :db/valueType :db.type/ref]]",
    ] {
        let error = fails(&store, edn);
        let m = schema_error(&error);
        assert!(
            m.contains("cannot change the type of :item/count"),
            "{edn}: {m}"
        );
    }
}

#[test]
fn component_doc_and_no_history_changes_are_allowed_on_the_right_attributes() {
    let (store, _, _, _) = seeded();
    store
        .transact_edn(
            r#"[{:db/id :item/parts :db/isComponent true :db/doc "parts" :db/noHistory true}]"#,
        )
        .unwrap();
    let parts = attribute(&store, ":item/parts");
    assert!(parts.is_component);
    assert_eq!(parts.doc.as_deref(), Some("parts"));
    store
        .transact_edn("[[:db/add :item/parts :db/isComponent false]]")
        .unwrap();
    assert!(!attribute(&store, ":item/parts").is_component);
    // A component must be a reference.
    let error = fails(&store, "[{:db/id :item/code :db/isComponent true}]");
    assert!(schema_error(&error).contains(":item/code"), "{error:?}");
    let error = fails(
        &store,
        "[{:db/ident :item/label :db/valueType :db.type/string :db/isComponent true}]",
    );
    assert!(schema_error(&error).contains(":item/label"), "{error:?}");
}

#[test]
fn renaming_keeps_the_data_under_the_new_name_only() {
    let (store, i1, _, _) = seeded_strict();
    let code = attribute(&store, ":item/code").id;
    store
        .transact_edn("[[:db/add :item/code :db/ident :item/sku]]")
        .unwrap();
    assert_eq!(attribute(&store, ":item/sku").id, code);
    assert_eq!(values(&store, i1, ":item/sku"), vec![Value::from("X")]);
    // The old name no longer resolves (Datomic keeps it as an alias; we do not).
    assert!(store.db().unwrap().attribute(":item/code").is_err());
    let error = fails(&store, &format!(r#"[[:db/add {i1} :item/code "Q"]]"#));
    assert!(
        matches!(&error, StoreError::UnknownAttribute(i) if i == "item/code"),
        "{error:?}"
    );
    // The name is free: it may be defined again, as a new attribute.
    store
        .transact_edn("[{:db/ident :item/code :db/valueType :db.type/long}]")
        .unwrap();
    assert_ne!(attribute(&store, ":item/code").id, code);
    // Renaming onto a name in use is a unique conflict on :db/ident.
    let error = fails(&store, "[[:db/add :item/sku :db/ident :item/tags]]");
    assert!(
        matches!(error, StoreError::UniqueViolation { .. }),
        "{error:?}"
    );
}

#[test]
fn without_a_strict_schema_an_old_name_is_installed_as_a_new_attribute() {
    let (store, i1, _, _) = seeded();
    let code = attribute(&store, ":item/code").id;
    store
        .transact_edn("[[:db/add :item/code :db/ident :item/sku]]")
        .unwrap();
    store
        .transact_edn(&format!(r#"[[:db/add {i1} :item/code "Q"]]"#))
        .unwrap();
    assert_ne!(attribute(&store, ":item/code").id, code);
    assert_eq!(values(&store, i1, ":item/sku"), vec![Value::from("X")]);
    assert_eq!(values(&store, i1, ":item/code"), vec![Value::from("Q")]);
}

#[test]
fn a_user_entity_cannot_become_an_attribute() {
    let (store, i1, _, _) = seeded();
    let error = fails(
        &store,
        &format!("[[:db/add {i1} :db/valueType :db.type/long] [:db/add {i1} :db/ident :item/odd]]"),
    );
    assert!(schema_error(&error).contains(&i1.to_string()), "{error:?}");
}

#[test]
fn tuple_definitions_never_change() {
    let (store, _, _, _) = seeded();
    store
        .transact_edn(
            r#"[{:db/ident :t/pair :db/valueType :db.type/tuple :db/tupleTypes [:db.type/long :db.type/string]
                 :db/cardinality :db.cardinality/one}
                {:db/ident :t/a :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
                {:db/ident :t/b :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
                {:db/ident :t/a+b :db/valueType :db.type/tuple :db/tupleAttrs [:t/a :t/b]
                 :db/cardinality :db.cardinality/one}]"#,
        )
        .unwrap();
    for edn in [
        "[{:db/id :t/pair :db/tupleTypes [:db.type/long :db.type/long]}]",
        "[{:db/id :t/a+b :db/tupleAttrs [:t/b :t/a]}]",
    ] {
        let error = fails(&store, edn);
        assert!(
            schema_error(&error).contains("cannot change the tuple definition"),
            "{edn}: {error:?}"
        );
    }
    // Other changes to tuple attributes are fine.
    store
        .transact_edn(r#"[{:db/id :t/pair :db/doc "a pair"}]"#)
        .unwrap();
}
