//! `[:db/cas e a old new]` and `[:db.fn/cas …]`, and the `:db.fn/retractEntity` alias.

mod common;

use common::{fails, holders, memory, values};
use datolite_store::{EntityRef, Store, StoreError, Tx, TxValue, Value};

const SCHEMA: &str = r#"[
 {:db/ident :acct/id :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
 {:db/ident :acct/balance :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
 {:db/ident :acct/rate :db/valueType :db.type/double :db/cardinality :db.cardinality/one}
 {:db/ident :acct/owner :db/valueType :db.type/ref :db/cardinality :db.cardinality/one}
 {:db/ident :acct/tags :db/valueType :db.type/keyword :db/cardinality :db.cardinality/many}
 {:db/ident :person/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
]"#;

/// A store with account "main" (balance 100, rate 1.5, owner Ann) and persons Ann and Bob.
/// Returns the store and the ids of the account, Ann and Bob.
fn seeded() -> (Store, u64, u64, u64) {
    let store = memory();
    store.transact_edn(SCHEMA).unwrap();
    let r = store
        .transact_edn(
            r#"[{:db/id "ann" :person/name "Ann"} {:db/id "bob" :person/name "Bob"}
                {:db/id "main" :acct/id "main" :acct/balance 100 :acct/rate 1.5 :acct/owner "ann"
                 :acct/tags [:a :b]}]"#,
        )
        .unwrap();
    (store, r.tempids["main"], r.tempids["ann"], r.tempids["bob"])
}

#[test]
fn cas_swaps_when_the_value_matches() {
    let (store, main, _, _) = seeded();
    let r = store
        .transact_edn(&format!("[[:db/cas {main} :acct/balance 100 110]]"))
        .unwrap();
    assert_eq!(
        values(&store, main, ":acct/balance"),
        vec![Value::Long(110)]
    );
    // The report shows the old value retracted and the new one asserted.
    let balance: Vec<(Value, bool)> = r
        .tx_data
        .iter()
        .filter(|d| d.e == main)
        .map(|d| (d.v.clone(), d.added))
        .collect();
    assert_eq!(
        balance,
        vec![(Value::Long(100), false), (Value::Long(110), true)]
    );
}

#[test]
fn cas_names_the_entity_by_lookup_ref_ident_or_alias() {
    let (store, main, _, _) = seeded();
    store
        .transact_edn(r#"[[:db.fn/cas [:acct/id "main"] :acct/balance 100 101]]"#)
        .unwrap();
    assert_eq!(
        values(&store, main, ":acct/balance"),
        vec![Value::Long(101)]
    );
    // An entity with an ident.
    let r = store
        .transact_edn(r#"[{:db/id "ops" :db/ident :acct/ops :acct/id "ops" :acct/balance 7}]"#)
        .unwrap();
    let ops = r.tempids["ops"];
    store
        .transact_edn("[[:db/cas :acct/ops :acct/balance 7 8]]")
        .unwrap();
    assert_eq!(values(&store, ops, ":acct/balance"), vec![Value::Long(8)]);
}

#[test]
fn cas_mismatch_fails_naming_entity_attribute_expected_and_found() {
    let (store, main, _, _) = seeded();
    let error = fails(&store, &format!("[[:db/cas {main} :acct/balance 99 110]]"));
    match &error {
        StoreError::CasFailed {
            entity,
            attribute,
            expected,
            found,
        } => {
            assert_eq!(*entity, main);
            assert_eq!(attribute, "acct/balance");
            assert_eq!(expected, "99");
            assert_eq!(found, "100");
        }
        other => panic!("expected a cas failure, got {other:?}"),
    }
    let message = error.to_string();
    for part in [main.to_string().as_str(), ":acct/balance", "99", "100"] {
        assert!(message.contains(part), "{message}");
    }
    // A failed cas undoes the valid operations next to it.
    fails(
        &store,
        &format!(r#"[{{:acct/id "other" :acct/balance 1}} [:db/cas {main} :acct/balance 1 2]]"#),
    );
    assert!(holders(&store, ":acct/id", Value::from("other")).is_empty());
}

#[test]
fn cas_nil_means_no_value() {
    let (store, main, _, _) = seeded();
    // Absent: nil matches.
    let r = store
        .transact_edn(r#"[[:db/add "n" :acct/id "new"] [:db/cas "n" :acct/balance nil 5]]"#)
        .unwrap();
    assert_eq!(
        values(&store, r.tempids["n"], ":acct/balance"),
        vec![Value::Long(5)]
    );
    // Present: nil does not match, and the message says what was found.
    let error = fails(&store, &format!("[[:db/cas {main} :acct/balance nil 5]]"));
    assert!(
        matches!(&error, StoreError::CasFailed { expected, found, .. } if expected == "no value" && found == "100"),
        "{error:?}"
    );
    // Expecting a value where there is none names the absence.
    let error = fails(&store, r#"[[:db/cas [:acct/id "new"] :acct/rate 2.0 3.0]]"#);
    assert!(
        matches!(&error, StoreError::CasFailed { expected, found, .. } if expected == "2.0" && found == "no value"),
        "{error:?}"
    );
}

#[test]
fn cas_on_a_tempid_sees_the_entity_it_resolves_to() {
    let (store, main, _, _) = seeded();
    // The tempid upserts to the existing account through :acct/id, so its balance (100) counts.
    let r = store
        .transact_edn(r#"[{:db/id "a" :acct/id "main"} [:db/cas "a" :acct/balance 100 120]]"#)
        .unwrap();
    assert_eq!(r.tempids["a"], main);
    assert_eq!(
        values(&store, main, ":acct/balance"),
        vec![Value::Long(120)]
    );
    // Same when the cas comes first.
    store
        .transact_edn(r#"[[:db/cas "a" :acct/balance 120 121] {:db/id "a" :acct/id "main"}]"#)
        .unwrap();
    assert_eq!(
        values(&store, main, ":acct/balance"),
        vec![Value::Long(121)]
    );
    // A tempid naming a new entity has no value before the transaction.
    let error = fails(
        &store,
        r#"[[:db/cas "fresh" :acct/balance 1 2] {:db/id "fresh" :acct/id "fresh"}]"#,
    );
    assert!(
        matches!(&error, StoreError::CasFailed { found, .. } if found == "no value"),
        "{error:?}"
    );
}

#[test]
fn cas_on_refs_and_doubles_compares_resolved_values() {
    let (store, main, ann, bob) = seeded();
    // Old as a lookup ref, new as an id.
    store
        .transact_edn(&format!(
            r#"[[:db/cas {main} :acct/owner [:person/name "Ann"] {bob}]]"#
        ))
        .unwrap();
    assert_eq!(values(&store, main, ":acct/owner"), vec![Value::Ref(bob)]);
    let error = fails(
        &store,
        &format!(r#"[[:db/cas {main} :acct/owner {ann} [:person/name "Ann"]]]"#),
    );
    assert!(
        matches!(&error, StoreError::CasFailed { expected, found, .. }
            if *expected == ann.to_string() && *found == bob.to_string()),
        "{error:?}"
    );
    // An integer is widened for a double attribute, on both sides.
    store
        .transact_edn(&format!("[[:db/cas {main} :acct/rate 1.5 2]]"))
        .unwrap();
    store
        .transact_edn(&format!("[[:db/cas {main} :acct/rate 2 2.5]]"))
        .unwrap();
    assert_eq!(values(&store, main, ":acct/rate"), vec![Value::Double(2.5)]);
}

#[test]
fn cas_needs_a_known_cardinality_one_attribute_and_one_value() {
    let (store, main, _, _) = seeded();
    let m = fails(&store, &format!("[[:db/cas {main} :acct/tags :a :c]]")).to_string();
    assert!(
        m.contains(":acct/tags") && m.contains("cardinality many"),
        "{m}"
    );
    let error = fails(&store, &format!("[[:db/cas {main} :acct/nope 1 2]]"));
    assert!(
        matches!(&error, StoreError::UnknownAttribute(a) if a == "acct/nope"),
        "{error:?}"
    );
    let m = fails(&store, &format!("[[:db/cas {main} :acct/balance [1 2] 3]]")).to_string();
    assert!(m.contains("acct/balance"), "{m}");
    let m = fails(&store, &format!("[[:db/cas {main} :acct/balance 100]]")).to_string();
    assert!(m.contains("[:db/cas e a old new]"), "{m}");
    // The new value is an ordinary assertion: a second value for the attribute conflicts.
    let error = fails(
        &store,
        &format!("[[:db/cas {main} :acct/balance 100 1] [:db/add {main} :acct/balance 2]]"),
    );
    assert!(
        matches!(error, StoreError::CardinalityConflict { .. }),
        "{error:?}"
    );
    // A type mismatch in the new value.
    let error = fails(
        &store,
        &format!(r#"[[:db/cas {main} :acct/balance 100 "lots"]]"#),
    );
    assert!(
        matches!(error, StoreError::TypeMismatch { .. }),
        "{error:?}"
    );
}

#[test]
fn cas_from_the_rust_builder() {
    let (store, main, _, _) = seeded();
    let mut tx = Tx::new();
    tx.cas(main, ":acct/balance", Some(100.into()), 130);
    store.transact(tx.ops()).unwrap();
    assert_eq!(
        values(&store, main, ":acct/balance"),
        vec![Value::Long(130)]
    );
    let mut tx = Tx::new();
    let lookup = tx.lookup(":acct/id", "main");
    tx.cas(lookup, ":acct/balance", None::<TxValue>, 1);
    let before = common::dump(&store);
    assert!(matches!(
        store.transact(tx.ops()),
        Err(StoreError::CasFailed { .. })
    ));
    assert_eq!(common::dump(&store), before);
    let mut tx = Tx::new();
    tx.cas(
        EntityRef::Id(main),
        ":acct/owner",
        Some(EntityRef::Ident("acct/none".into()).into()),
        EntityRef::Id(main),
    );
    assert!(matches!(
        store.transact(tx.ops()),
        Err(StoreError::UnknownIdent(i)) if i == "acct/none"
    ));
}

#[test]
fn retract_entity_has_the_db_fn_alias() {
    let (store, main, ann, _) = seeded();
    store
        .transact_edn(r#"[[:db.fn/retractEntity [:acct/id "main"]]]"#)
        .unwrap();
    assert!(store.db().unwrap().entity_datoms(main).unwrap().is_empty());
    store
        .transact_edn(&format!("[[:db.fn/retractEntity {ann}]]"))
        .unwrap();
    assert!(store.db().unwrap().entity_datoms(ann).unwrap().is_empty());
    let m = fails(&store, "[[:db.fn/retractEntity]]").to_string();
    assert!(m.contains("[:db/retractEntity e]"), "{m}");
}
