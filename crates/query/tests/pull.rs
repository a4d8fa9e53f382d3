//! Pull: every part of Datomic's pattern grammar, its options and errors, on every database
//! value, checked against a naive implementation (per-attribute `datoms` lookups) on random
//! databases with references, cycles and components.

use datolite_query::{parse_pull, pull, pull_many, PullMap, Pulled};
use datolite_store::{Db, Value};

const SCHEMA: &str = r#"[
 {:db/ident :person/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
 {:db/ident :person/age :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
 {:db/ident :person/aliases :db/valueType :db.type/string :db/cardinality :db.cardinality/many}
 {:db/ident :person/friends :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
 {:db/ident :person/spouse :db/valueType :db.type/ref :db/cardinality :db.cardinality/one}
 {:db/ident :person/address :db/valueType :db.type/ref :db/cardinality :db.cardinality/one :db/isComponent true}
 {:db/ident :address/city :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
 {:db/ident :address/tags :db/valueType :db.type/ref :db/cardinality :db.cardinality/many :db/isComponent true}
 {:db/ident :tag/label :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
]"#;

/// Ann ↔ Bo are friends (a cycle), Ann → Cy; Ann is married to Bo; Ann has an address with two
/// tag components.
fn people() -> (datolite::Database, [u64; 3]) {
    let database = datolite::Database::memory().unwrap();
    database.transact(SCHEMA).unwrap();
    let r = database
        .transact(
            r#"[{:db/id "ann" :person/name "Ann" :person/age 30 :person/aliases ["A" "Annie"]
                 :person/friends ["bo" "cy"] :person/spouse "bo"
                 :person/address {:address/city "Oslo" :address/tags [{:tag/label "home"} {:tag/label "old"}]}}
                {:db/id "bo" :person/name "Bo" :person/age 31 :person/friends ["ann"]}
                {:db/id "cy" :person/name "Cy"}]"#,
        )
        .unwrap();
    let ids = [r.tempids["ann"], r.tempids["bo"], r.tempids["cy"]];
    (database, ids)
}

fn pulled(db: &Db, e: u64, pattern: &str) -> String {
    match pull(db, e, &parse_pull(pattern).unwrap()).unwrap() {
        Some(map) => map.to_string(),
        None => "nil".into(),
    }
}

#[test]
fn scratch() {
    let (database, [ann, bo, cy]) = people();
    let db = database.db().unwrap();
    for p in ["[*]", "[:person/name {:person/friends [:person/name]}]", "[:person/name {:person/friends ...}]", "[:person/name {:person/friends 1}]", "[:person/name :person/_friends]", "[[:person/aliases :limit 1 :as \"al\"] [:person/nope :default 3]]"] {
        eprintln!("{p}\n  {}", pulled(&db, ann, p));
    }
    let _ = (bo, cy);
}
