//! Upsert through `:db.unique/identity` attributes, including ref-typed ones whose value is an
//! id, a lookup ref, an ident or another tempid that upserts too.

mod common;

use common::{fails, holders, memory, values};
use datolite_store::{Store, StoreError, Value};

const SCHEMA: &str = r#"[
 {:db/ident :person/email :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
 {:db/ident :person/handle :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
 {:db/ident :person/nick :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
 {:db/ident :acct/owner :db/valueType :db.type/ref :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
 {:db/ident :acct/code :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
 {:db/ident :acct/balance :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
 {:db/ident :org/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
]"#;

/// Ann (email ann@x) owns account A1, Bob (handle bob) owns account B1, and the organisation
/// :org/acme owns account C1. Returns the store and the ids by tempid.
fn seeded() -> (Store, std::collections::BTreeMap<String, u64>) {
    let store = memory();
    store.transact_edn(SCHEMA).unwrap();
    let r = store
        .transact_edn(
            r#"[{:db/id "ann" :person/email "ann@x"}
                {:db/id "bob" :person/handle "bob"}
                {:db/id "acme" :db/ident :org/acme :org/name "Acme"}
                {:db/id "a1" :acct/owner "ann" :acct/code "A1" :acct/balance 1}
                {:db/id "b1" :acct/owner "bob" :acct/code "B1" :acct/balance 2}
                {:db/id "c1" :acct/owner "acme" :acct/code "C1" :acct/balance 3}]"#,
        )
        .unwrap();
    (store, r.tempids)
}

fn count(store: &Store) -> u64 {
    store.db().unwrap().count().unwrap()
}

#[test]
fn a_ref_identity_given_as_lookup_ref_id_or_ident_upserts() {
    let (store, ids) = seeded();
    let before = count(&store);
    store
        .transact_edn(r#"[{:acct/owner [:person/email "ann@x"] :acct/balance 10}]"#)
        .unwrap();
    assert_eq!(
        values(&store, ids["a1"], ":acct/balance"),
        vec![Value::Long(10)]
    );
    store
        .transact_edn(&format!(
            "[{{:acct/owner {} :acct/balance 20}}]",
            ids["bob"]
        ))
        .unwrap();
    assert_eq!(
        values(&store, ids["b1"], ":acct/balance"),
        vec![Value::Long(20)]
    );
    let r = store
        .transact_edn(r#"[{:db/id "c" :acct/owner :org/acme :acct/balance 30}]"#)
        .unwrap();
    assert_eq!(r.tempids["c"], ids["c1"]);
    assert_eq!(
        values(&store, ids["c1"], ":acct/balance"),
        vec![Value::Long(30)]
    );
    // Each replaced one balance: three retractions, three assertions, three tx instants.
    assert_eq!(count(&store), before + 3);
}

#[test]
fn a_ref_identity_pointing_at_a_tempid_that_upserts_resolves_in_a_chain() {
    let (store, ids) = seeded();
    for edn in [
        r#"[{:db/id "acct" :acct/owner "p" :acct/balance 40} {:db/id "p" :person/email "ann@x"}]"#,
        r#"[{:db/id "p" :person/email "ann@x"} {:db/id "acct" :acct/owner "p" :acct/balance 41}]"#,
    ] {
        let r = store.transact_edn(edn).unwrap();
        assert_eq!(r.tempids["p"], ids["ann"], "{edn}");
        assert_eq!(r.tempids["acct"], ids["a1"], "{edn}");
    }
    assert_eq!(
        values(&store, ids["a1"], ":acct/balance"),
        vec![Value::Long(41)]
    );
    // Two links: a statement owned by the account owned by Bob.
    store
        .transact_edn(
            r#"[{:db/ident :stmt/acct :db/valueType :db.type/ref :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
                {:db/ident :stmt/total :db/valueType :db.type/long :db/cardinality :db.cardinality/one}]"#,
        )
        .unwrap();
    let first = store
        .transact_edn(r#"[{:db/id "s" :stmt/acct [:acct/code "B1"] :stmt/total 1}]"#)
        .unwrap();
    let r = store
        .transact_edn(
            r#"[{:db/id "s" :stmt/acct "acct" :stmt/total 2}
                {:db/id "acct" :acct/owner "who"}
                {:db/id "who" :person/handle "bob"}]"#,
        )
        .unwrap();
    assert_eq!(r.tempids["who"], ids["bob"]);
    assert_eq!(r.tempids["acct"], ids["b1"]);
    assert_eq!(r.tempids["s"], first.tempids["s"]);
    assert_eq!(
        values(&store, first.tempids["s"], ":stmt/total"),
        vec![Value::Long(2)]
    );
}

#[test]
fn new_entities_in_a_chain_are_created_once_and_found_again() {
    let (store, _) = seeded();
    let edn = r#"[{:db/id "a1" :acct/owner "zed"} {:db/id "a2" :acct/owner "zed" :acct/balance 5}
                  {:db/id "zed" :person/email "zed@x"}]"#;
    let first = store.transact_edn(edn).unwrap();
    // Both accounts assert the same owner, so they are one entity.
    assert_eq!(first.tempids["a1"], first.tempids["a2"]);
    assert_ne!(first.tempids["a1"], first.tempids["zed"]);
    let zed = first.tempids["zed"];
    assert_eq!(
        holders(&store, ":acct/owner", Value::Ref(zed)),
        vec![first.tempids["a1"]]
    );
    // The same data again finds the entities it created.
    let before = count(&store);
    let again = store.transact_edn(edn).unwrap();
    assert_eq!(again.tempids, first.tempids);
    assert_eq!(count(&store), before + 1, "only the tx instant");
}

#[test]
fn tempids_asserting_the_same_new_identity_value_are_one_entity() {
    let (store, _) = seeded();
    let r = store
        .transact_edn(
            r#"[[:db/add "x" :person/email "new@x"] [:db/add "y" :person/nick "newbie"]
                [:db/add "y" :person/email "new@x"]]"#,
        )
        .unwrap();
    assert_eq!(r.tempids["x"], r.tempids["y"]);
    assert_eq!(
        values(&store, r.tempids["x"], ":person/nick"),
        vec![Value::from("newbie")]
    );
}

#[test]
fn upserting_to_two_different_entities_is_an_error_naming_both() {
    let (store, ids) = seeded();
    let (ann, bob) = (ids["ann"].to_string(), ids["bob"].to_string());
    // One map, two identity values held by different entities.
    let m = fails(
        &store,
        r#"[{:db/id "t" :person/email "ann@x" :person/handle "bob"}]"#,
    )
    .to_string();
    assert!(
        m.contains(&ann) && m.contains(&bob) && m.contains(r#""t""#),
        "{m}"
    );
    assert!(
        m.contains(":person/email \"ann@x\"") && m.contains(":person/handle \"bob\""),
        "{m}"
    );
    // Through a ref identity resolved by a chain: the owner makes it A1, the code makes it B1.
    let m = fails(
        &store,
        r#"[{:db/id "acct" :acct/owner "p" :acct/code "B1"} {:db/id "p" :person/email "ann@x"}]"#,
    )
    .to_string();
    assert!(
        m.contains(&ids["a1"].to_string()) && m.contains(&ids["b1"].to_string()),
        "{m}"
    );
    // Two tempids bound to different entities that assert one new identity value.
    let error = fails(
        &store,
        r#"[{:db/id "x" :person/email "ann@x" :person/nick "same"}
            {:db/id "y" :person/handle "bob" :person/nick "same"}]"#,
    );
    let m = error.to_string();
    assert!(matches!(error, StoreError::InvalidTxData(_)), "{m}");
    assert!(m.contains(&ann) && m.contains(&bob), "{m}");
    // A tempid bound by an earlier step (it defines an attribute, so it is created with the
    // schema) that a nested map of the data upserts to Bob.
    let m = fails(
        &store,
        r#"[{:db/id "e" :db/ident :person/email2 :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
            {:acct/code "Z" :acct/owner {:db/id "e" :person/handle "bob"}}]"#,
    )
    .to_string();
    assert!(m.contains(&bob) && m.contains("earlier step"), "{m}");
}

#[test]
fn a_ref_identity_to_a_missing_entity_is_an_error() {
    let (store, _) = seeded();
    let error = fails(
        &store,
        r#"[{:acct/owner [:person/email "nobody@x"] :acct/balance 1}]"#,
    );
    assert!(
        matches!(error, StoreError::LookupRefNotFound { .. }),
        "{error:?}"
    );
    let error = fails(&store, r#"[{:acct/owner :org/none :acct/balance 1}]"#);
    assert!(matches!(error, StoreError::UnknownIdent(_)), "{error:?}");
}
