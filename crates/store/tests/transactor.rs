//! Transaction semantics: tempids, upserts, cardinality, retraction, components, schema.

mod common;

use common::{lmdb, memory, SCHEMA};
use datolite_store::{Index, Store, Tx, Value};

/// The latest statistics equal a full recount of the indexes.
fn assert_stats_exact(store: &Store) {
    let recount = store
        .engine()
        .read()
        .map(|txn| datolite_store::Stats::recount(txn.as_ref()).unwrap())
        .unwrap();
    let db = store.db().unwrap();
    assert_eq!(db.stats(), &recount, "on {}", store.engine().name());
}

fn values(store: &Store, e: u64, attr: &str) -> Vec<Value> {
    let db = store.db().unwrap();
    db.datoms(Index::Eavt, &[Value::Ref(e), Value::keyword(attr)])
        .unwrap()
        .into_iter()
        .map(|d| d.v)
        .collect()
}

fn semantics(store: &Store) {
    store.transact_edn(SCHEMA).unwrap();
    let r = store
        .transact_edn(
            r#"[{:db/id "ann" :user/email "ann@x" :user/name "Ann" :user/tags [:a :b]
                 :user/address {:address/city "Oslo"}}
                [:db/add -1 :user/email "bob@x"]
                [:db/add -1 :user/friends "ann"]]"#,
        )
        .unwrap();
    let ann = r.tempids["ann"];
    let bob = r.tempids["-1"];
    assert_ne!(ann, bob);
    assert_eq!(values(store, bob, ":user/friends"), vec![Value::Ref(ann)]);
    assert_eq!(
        values(store, ann, ":user/tags"),
        vec![Value::keyword("a"), Value::keyword("b")]
    );
    let address = match values(store, ann, ":user/address").as_slice() {
        [Value::Ref(a)] => *a,
        other => panic!("nested map not stored as ref: {other:?}"),
    };
    assert_eq!(
        values(store, address, ":address/city"),
        vec![Value::from("Oslo")]
    );

    // The transaction is an entity with an instant.
    let tx_datoms = store
        .db()
        .unwrap()
        .datoms(Index::Eavt, &[Value::Ref(r.tx)])
        .unwrap();
    assert!(matches!(tx_datoms.as_slice(), [d] if matches!(d.v, Value::Instant(_))));

    // Cardinality one replaces; asserting the same value is a no-op.
    store
        .transact_edn(&format!("[[:db/add {ann} :user/name \"Anna\"]]"))
        .unwrap();
    assert_eq!(values(store, ann, ":user/name"), vec![Value::from("Anna")]);
    let noop = store
        .transact_edn(&format!("[[:db/add {ann} :user/name \"Anna\"]]"))
        .unwrap();
    assert_eq!(
        noop.tx_data.len(),
        1,
        "only the tx instant: {:?}",
        noop.tx_data
    );

    // Upsert through a lookup ref and through an identity value.
    store
        .transact_edn(
            r#"[{:db/id [:user/email "ann@x"] :user/age 40} {:user/email "bob@x" :user/age 41}]"#,
        )
        .unwrap();
    assert_eq!(values(store, ann, ":user/age"), vec![Value::Long(40)]);
    assert_eq!(values(store, bob, ":user/age"), vec![Value::Long(41)]);

    // Integers widen into double attributes.
    store
        .transact_edn(&format!("[[:db/add {ann} :user/score 3]]"))
        .unwrap();
    assert_eq!(values(store, ann, ":user/score"), vec![Value::Double(3.0)]);

    // Retract one value, all values.
    store
        .transact_edn(&format!("[[:db/retract {ann} :user/tags :a]]"))
        .unwrap();
    assert_eq!(values(store, ann, ":user/tags"), vec![Value::keyword("b")]);
    store
        .transact_edn(&format!("[[:db/retract {ann} :user/tags]]"))
        .unwrap();
    assert!(values(store, ann, ":user/tags").is_empty());

    // retractEntity removes the entity, references to it and its components.
    let before = store.db().unwrap().count().unwrap();
    let gone = store
        .transact_edn(&format!("[[:db/retractEntity {ann}]]"))
        .unwrap();
    let retracted = gone.tx_data.iter().filter(|d| !d.added).count() as u64;
    assert_eq!(store.db().unwrap().count().unwrap(), before - retracted + 1);
    assert!(store.db().unwrap().entity_datoms(ann).unwrap().is_empty());
    assert!(store
        .db()
        .unwrap()
        .entity_datoms(address)
        .unwrap()
        .is_empty());
    assert!(values(store, bob, ":user/friends").is_empty());

    // Undeclared attributes are installed with the type of their first value.
    store
        .transact_edn(r#"[{:user/email "bob@x" :user/nickname "B"}]"#)
        .unwrap();
    let db = store.db().unwrap();
    let attr = db.attribute(":user/nickname").unwrap();
    assert_eq!(attr.value_type, datolite_store::ValueType::String);

    // Long values go out of line and come back whole.
    let long = "x".repeat(1000) + "end";
    store
        .transact_edn(&format!("[[:db/add {bob} :user/name \"{long}\"]]"))
        .unwrap();
    assert_eq!(
        values(store, bob, ":user/name"),
        vec![Value::from(long.as_str())]
    );
    let by_value = store
        .db()
        .unwrap()
        .scan(Index::Avet)
        .attribute(":user/name")
        .value(&Value::from(long.as_str()))
        .collect()
        .unwrap();
    assert_eq!(by_value.len(), 1);

    // The Rust builder.
    let mut tx = Tx::new();
    let carl = tx.tempid("carl");
    tx.add(carl.clone(), ":user/email", "carl@x").add(
        carl,
        ":user/friends",
        datolite_store::EntityRef::Id(bob),
    );
    let r = store.transact(tx.ops()).unwrap();
    assert_eq!(
        values(store, r.tempids["carl"], ":user/friends"),
        vec![Value::Ref(bob)]
    );

    // Statistics equal a full recount after all of that.
    assert_stats_exact(store);
}

#[test]
fn semantics_on_memory() {
    semantics(&memory());
}

#[test]
fn semantics_on_lmdb() {
    let (store, _dir) = lmdb();
    semantics(&store);
}

#[test]
fn data_survives_close_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let (count, stats, ann) = {
        let store = Store::open(Some(&path), Default::default()).unwrap();
        store.transact_edn(SCHEMA).unwrap();
        let r = store
            .transact_edn(r#"[{:db/id "ann" :user/email "ann@x" :user/name "Ann"}]"#)
            .unwrap();
        let db = store.db().unwrap();
        (db.count().unwrap(), db.stats().clone(), r.tempids["ann"])
    };
    let store = Store::open(Some(&path), Default::default()).unwrap();
    let db = store.db().unwrap();
    assert_eq!(db.count().unwrap(), count);
    assert_eq!(db.stats(), &stats);
    assert_eq!(values(&store, ann, ":user/name"), vec![Value::from("Ann")]);
    // Ids keep counting where they stopped.
    let r = store.transact_edn(r#"[{:user/email "bob@x"}]"#).unwrap();
    assert!(r.tx_data.iter().all(|d| d.e != ann));
}

/// Compare-and-swap, reverse attributes, legacy tempids, upserts through ref identities and
/// schema changes keep the statistics exact (equal to a full recount).
fn new_forms_keep_statistics_exact(store: &Store) {
    store.transact_edn(SCHEMA).unwrap();
    let r = store
        .transact_edn(
            r#"[{:db/id "ann" :user/email "ann@x" :user/age 30 :user/tags [:a :b]
                 :user/_friends ["bob" "cy"]}
                {:db/id "bob" :user/email "bob@x"}
                {:db/id #db/id[:db.part/user -1] :user/email "cy@x" :user/tags [:c]}
                {:db/id #db/id[:db.part/db] :db/ident :user/owner :db/valueType :db.type/ref
                 :db/cardinality :db.cardinality/one :db/unique :db.unique/identity
                 :db.install/_attribute :db.part/db}]"#,
        )
        .unwrap();
    let ann = r.tempids["ann"];
    store
        .transact_edn(&format!("[[:db/cas {ann} :user/age 30 31] {{:db/id \"d\" :user/owner {ann} :user/name \"Dog\"}}]"))
        .unwrap();
    // Upsert through the ref identity, then schema changes that pass their checks.
    store
        .transact_edn(r#"[{:user/owner [:user/email "ann@x"] :user/name "Rex"}]"#)
        .unwrap();
    store
        .transact_edn(&format!(
            "[[:db/retract {ann} :user/tags :b] {{:db/id :user/tags :db/cardinality :db.cardinality/one}}
              [:db/add :user/score :db/ident :user/points]]"
        ))
        .unwrap();
    store
        .transact_edn("[[:db/add :user/name :db/unique :db.unique/value]]")
        .unwrap();
    assert_stats_exact(store);
    assert_eq!(values(store, ann, ":user/age"), vec![Value::Long(31)]);
}

#[test]
fn new_forms_keep_statistics_exact_on_memory() {
    new_forms_keep_statistics_exact(&memory());
}

#[test]
fn new_forms_keep_statistics_exact_on_lmdb() {
    let (store, _dir) = lmdb();
    new_forms_keep_statistics_exact(&store);
}

/// Retracting an attribute's smallest and largest values over and over in one transaction
/// (renaming every user), then again beside a new value, leaves its bounds exact on every engine:
/// they are recomputed once per transaction, from the tables it leaves.
#[test]
fn retracted_bounds_are_recomputed_from_what_the_transaction_leaves() {
    let mut stores: Vec<(Store, common::Guard)> = vec![(memory(), Box::new(()))];
    stores.extend(common::disk_stores());
    for (store, _guard) in &stores {
        store.transact_edn(SCHEMA).unwrap();
        let users = |name: &str| -> String {
            (0..300)
                .map(|i| format!("{{:user/email \"u{i}@x\" :user/name \"{name}{i}\"}}"))
                .collect()
        };
        store.transact_edn(&format!("[{}]", users("n"))).unwrap();
        let before = store.db().unwrap().stats().clone();
        store.transact_edn(&format!("[{}]", users("m"))).unwrap();
        store
            .transact_edn(
                r#"[[:db/retract [:user/email "u0@x"] :user/name "m0"]
                    [:db/retract [:user/email "u99@x"] :user/name "m99"]
                    {:user/email "u1@x" :user/name "m5x"}]"#,
            )
            .unwrap();
        assert_stats_exact(store);
        assert_ne!(store.db().unwrap().stats(), &before, "the bounds moved");
    }
}
