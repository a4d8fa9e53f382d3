//! The entity API (lazy maps over EAVT, navigation through references and reverse references,
//! keys, touch, equality) and index access (`datoms` with idents and lookup refs in any
//! component, `seek_datoms`, `index_range`), on current and as-of values.

mod common;

use datolite_store::{Datom, EntityValue, Index, Store, TimePoint, Value};

const SCHEMA: &str = r#"[
 {:db/ident :person/email :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
 {:db/ident :person/age :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
 {:db/ident :person/tags :db/valueType :db.type/keyword :db/cardinality :db.cardinality/many}
 {:db/ident :person/friends :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
 {:db/ident :person/boss :db/valueType :db.type/ref :db/cardinality :db.cardinality/one}
 {:db/ident :person/address :db/valueType :db.type/ref :db/cardinality :db.cardinality/one :db/isComponent true}
 {:db/ident :address/city :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
 {:db/ident :color/red}
]"#;

fn people() -> (Store, [u64; 3], u64) {
    let store = common::memory();
    store.transact_edn(SCHEMA).unwrap();
    let r = store
        .transact_edn(
            r#"[{:db/id "a" :person/email "a@x" :person/age 30 :person/tags [:dev :ops]
                 :person/friends ["b" "c"] :person/address {:address/city "Oslo"}}
                {:db/id "b" :person/email "b@x" :person/age 40 :person/boss "a"}
                {:db/id "c" :person/email "c@x" :person/age 50 :person/friends ["a"]}]"#,
        )
        .unwrap();
    (store, [r.tempids["a"], r.tempids["b"], r.tempids["c"]], r.t)
}

#[test]
fn entities_read_lazily_and_navigate() {
    let (store, [a, b, c], _) = people();
    let db = store.db().unwrap();
    let ann = db.entity(a);
    assert_eq!(
        ann.get(":person/age").unwrap(),
        Some(EntityValue::One(Value::Long(30)))
    );
    assert_eq!(
        ann.get(":person/tags").unwrap(),
        Some(EntityValue::Many(vec![
            Value::keyword(":dev"),
            Value::keyword(":ops")
        ]))
    );
    assert_eq!(ann.get(":person/boss").unwrap(), None);
    // References are entities; navigate through them, and back through reverse attributes.
    let Some(EntityValue::Entities(friends)) = ann.get(":person/friends").unwrap() else {
        panic!("friends")
    };
    assert_eq!(friends, vec![db.entity(b), db.entity(c)]);
    let Some(EntityValue::Entity(boss)) = friends[0].get(":person/boss").unwrap() else {
        panic!("boss")
    };
    assert_eq!(boss, ann);
    assert_eq!(
        ann.get(":person/_friends").unwrap(),
        Some(EntityValue::Entities(vec![db.entity(c)]))
    );
    assert_eq!(
        ann.get(":person/_boss").unwrap(),
        Some(EntityValue::Entities(vec![db.entity(b)]))
    );
    let Some(EntityValue::Entity(address)) = ann.get(":person/address").unwrap() else {
        panic!("address")
    };
    // A reverse component is its one owner.
    assert_eq!(
        address.get(":person/_address").unwrap(),
        Some(EntityValue::Entity(ann.clone()))
    );
    assert_eq!(
        ann.keys().unwrap(),
        [
            ":person/email",
            ":person/age",
            ":person/tags",
            ":person/friends",
            ":person/address"
        ]
    );
    assert_eq!(ann.touch().unwrap().len(), 5);
    assert_eq!(ann.datoms().unwrap().len(), 7);
    // Equality is (database value, id).
    assert_ne!(ann, store.db().unwrap().entity(a));
    assert_ne!(ann, db.entity(b));
    // Unknown names are errors.
    assert!(ann
        .get(":person/nope")
        .unwrap_err()
        .to_string()
        .contains("person/nope"));
    assert!(ann
        .get(":person/_age")
        .unwrap_err()
        .to_string()
        .contains("not references"));
    // A nonexistent id: an entity with nothing.
    assert!(db.entity(123_456_789).keys().unwrap().is_empty());
}

#[test]
fn entities_of_other_values() {
    let (store, [a, ..], t) = people();
    store
        .transact_edn(&format!("[[:db/add {a} :person/age 31]]"))
        .unwrap();
    let db = store.db().unwrap();
    let then = db.as_of(TimePoint::T(t)).unwrap();
    assert_eq!(
        then.entity(a).get(":person/age").unwrap(),
        Some(EntityValue::One(Value::Long(30)))
    );
    assert_eq!(
        db.entity(a).get(":person/age").unwrap(),
        Some(EntityValue::One(Value::Long(31)))
    );
}

fn es(datoms: &[Datom]) -> Vec<u64> {
    datoms.iter().map(|d| d.e).collect()
}

#[test]
fn datoms_take_idents_and_lookup_refs_in_any_component() {
    let (store, [a, b, c], _) = people();
    let db = store.db().unwrap();
    let lookup = |email: &str| {
        Value::Tuple(vec![
            Some(Value::keyword(":person/email")),
            Some(Value::from(email)),
        ])
    };
    // E as a lookup ref.
    let by_ref = db
        .datoms(Index::Eavt, &[lookup("a@x"), Value::keyword(":person/age")])
        .unwrap();
    assert_eq!(by_ref.len(), 1);
    assert_eq!(by_ref[0].v, Value::Long(30));
    // V of a reference attribute as a lookup ref (AVET), and VAET's V first.
    let bossed = db
        .datoms(
            Index::Avet,
            &[Value::keyword(":person/boss"), lookup("a@x")],
        )
        .unwrap();
    assert_eq!(es(&bossed), [b]);
    // VAET orders by attribute: :person/friends (c) was declared before :person/boss (b).
    let refer = db.datoms(Index::Vaet, &[lookup("a@x")]).unwrap();
    assert_eq!(es(&refer), [c, b]);
    // An ident names its entity (the attribute entity here).
    let age_attr = db
        .datoms(Index::Eavt, &[Value::keyword(":person/age")])
        .unwrap();
    assert!(age_attr
        .iter()
        .any(|d| d.v == Value::keyword(":person/age")));
    // Errors name what is unknown.
    for (components, says) in [
        (vec![lookup("nobody@x")], "matches no entity"),
        (vec![Value::keyword(":no/ident")], ":no/ident"),
        (
            vec![Value::Tuple(vec![
                Some(Value::keyword(":person/age")),
                Some(Value::Long(30)),
            ])],
            "not unique",
        ),
    ] {
        let e = db.datoms(Index::Eavt, &components).unwrap_err().to_string();
        assert!(e.contains(says), "{e}");
    }
    let _ = a;
}

#[test]
fn seek_datoms_goes_from_a_point_to_the_end() {
    let (store, [a, b, c], _) = people();
    let db = store.db().unwrap();
    let from_b: Vec<Datom> = db
        .seek_datoms(Index::Eavt, &[Value::Ref(b)])
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    // Everything of b, then c, then the address (created after c), and nothing of a.
    assert_eq!(from_b.first().map(|d| d.e), Some(b));
    assert!(from_b.iter().all(|d| d.e >= b), "{from_b:?}");
    assert!(from_b.iter().any(|d| d.e == c));
    assert!(!from_b.iter().any(|d| d.e == a));
    let ages: Vec<Value> = db
        .seek_datoms(
            Index::Avet,
            &[Value::keyword(":person/age"), Value::Long(35)],
        )
        .unwrap()
        .take(2)
        .map(|d| d.unwrap().v)
        .collect();
    assert_eq!(ages, [Value::Long(40), Value::Long(50)]);
}

#[test]
fn index_range_is_start_inclusive_end_exclusive() {
    let (store, [a, b, c], _) = people();
    let db = store.db().unwrap();
    let range = |s: Option<i64>, e: Option<i64>| {
        es(&db
            .index_range(
                ":person/age",
                s.map(Value::Long).as_ref(),
                e.map(Value::Long).as_ref(),
            )
            .unwrap())
    };
    assert_eq!(range(Some(30), Some(50)), [a, b]);
    assert_eq!(range(Some(31), None), [b, c]);
    assert_eq!(range(None, Some(40)), [a]);
    assert_eq!(range(Some(60), None), Vec::<u64>::new());
    assert!(db
        .index_range(":person/nope", None, None)
        .unwrap_err()
        .to_string()
        .contains("person/nope"));
}
