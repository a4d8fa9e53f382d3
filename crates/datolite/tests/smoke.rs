use datolite::{Database, Index, StoreOptions, Value};

fn check(db: &Database) {
    let report = db
        .transact(
            r#"[{:db/ident :user/email :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
                {:db/ident :user/friends :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
                {:db/id "alice" :user/email "a@x" :user/name "Alice" :user/age 34}
                {:db/id "bob" :user/email "b@x" :user/name "Bob" :user/friends ["alice"]}]"#,
        )
        .unwrap();
    let alice = report.tempids["alice"];
    let snap = db.db().unwrap();
    assert_eq!(snap.count_attribute(":user/name").unwrap(), 2);
    let datoms = snap.datoms(Index::Eavt, &[Value::Ref(alice)]).unwrap();
    assert_eq!(datoms.len(), 3, "{datoms:?}");
    // upsert
    let r2 = db
        .transact(r#"[{:db/id "x" :user/email "a@x" :user/age 35}]"#)
        .unwrap();
    assert_eq!(r2.tempids["x"], alice);
    let snap = db.db().unwrap();
    let ages = snap
        .datoms(
            Index::Eavt,
            &[Value::Ref(alice), Value::keyword(":user/age")],
        )
        .unwrap();
    assert_eq!(ages.len(), 1);
    assert_eq!(ages[0].v, Value::Long(35));
    assert_eq!(snap.stats().clone(), snap.stats().clone());
}

#[test]
fn memory_smoke() {
    check(&Database::memory().unwrap());
}

#[test]
fn lmdb_smoke() {
    let dir = tempfile::tempdir().unwrap();
    check(&Database::open(dir.path().join("db"), StoreOptions::default()).unwrap());
}
