//! Schema and statistics are shared copy-on-write between versions: a snapshot keeps the
//! schema and statistics of its version however the store moves on, and the latest version's
//! statistics stay equal to a recount whether they were updated in place (no snapshot held the
//! old version) or on a copy (one did).

mod common;

use datolite_store::{Stats, Store};

fn recount(store: &Store) -> Stats {
    Stats::recount(store.engine().read().unwrap().as_ref()).unwrap()
}

#[test]
fn snapshots_keep_their_version_while_later_transactions_change_it() {
    let store = common::memory();
    store
        .transact_edn(
            "[{:db/ident :p/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
              {:db/ident :p/age :db/valueType :db.type/long :db/cardinality :db.cardinality/one}]",
        )
        .unwrap();
    store
        .transact_edn(
            r#"[{:db/id "a" :p/name "Ann" :p/age 30} {:db/id "b" :p/name "Bob" :p/age 40}]"#,
        )
        .unwrap();
    let held = store.db().unwrap();
    let held_stats = held.stats().clone();
    let name = held.attribute("p/name").unwrap().id;
    assert_eq!(held_stats.count(name), 2);

    // A snapshot holds the version: this transaction's statistics go to a copy, and its
    // attribute installed on first use to a copy of the schema.
    let cy = store
        .transact_edn(r#"[{:db/id "cy" :p/name "Cy" :p/age 50 :p/city "Oslo"}]"#)
        .unwrap()
        .tempids["cy"];
    assert_eq!(held.stats(), &held_stats);
    assert!(held.attribute("p/city").is_err());
    let latest = store.db().unwrap();
    assert_eq!(latest.stats().count(name), 3);
    assert!(latest.attribute("p/city").is_ok());
    assert_eq!(latest.stats(), &recount(&store));
    drop(latest);
    drop(held);

    // No snapshot holds the version: updates go in place, retractions included (a row that
    // drops to zero datoms disappears).
    let dee = store
        .transact_edn(r#"[{:db/id "x" :p/name "Dee"}]"#)
        .unwrap()
        .tempids["x"];
    assert_eq!(store.db().unwrap().stats(), &recount(&store));
    store
        .transact_edn(&format!("[[:db/retractEntity {dee}]]"))
        .unwrap();
    let city = store.db().unwrap().attribute("p/city").unwrap().id;
    assert_eq!(store.db().unwrap().stats().count(city), 1);
    store
        .transact_edn(&format!("[[:db/retract {cy} :p/city \"Oslo\"]]"))
        .unwrap();
    let db = store.db().unwrap();
    assert_eq!(db.stats().count(city), 0);
    assert!(!db.stats().attributes.contains_key(&city));
    assert_eq!(db.stats().count(name), 3);
    assert_eq!(db.stats(), &recount(&store));
}
