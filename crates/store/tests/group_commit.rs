//! Group commit: many threads transacting at once share commits, and each transaction stays
//! atomic and isolated — a failing one writes nothing and takes no other down, tempids resolve
//! per transaction, every acknowledged transaction is present, `check` is clean.

use std::sync::Barrier;

use datolite_store::{Store, StoreOptions};

const SCHEMA: &str = "[{:db/ident :k :db/valueType :db.type/long :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
 {:db/ident :v :db/valueType :db.type/long :db/cardinality :db.cardinality/one}]";

#[test]
fn concurrent_transactions_share_commits_and_stay_atomic() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(Some(&dir.path().join("db")), StoreOptions::default()).unwrap();
    store.transact_edn(SCHEMA).unwrap();
    let threads = 8u64;
    let per_thread = 60u64;
    let barrier = Barrier::new(threads as usize);
    let reports: Vec<Vec<(u64, Result<u64, String>)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (store, barrier) = (&store, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    (0..per_thread)
                        .map(|i| {
                            let k = t * 1000 + i;
                            // Every 7th transaction fails (a string for a long) after a valid
                            // first datom: it must leave nothing, not even that datom.
                            let tx = if i % 7 == 3 {
                                format!("[{{:db/id \"e\" :k {k}}} {{:db/id \"f\" :v \"bad\"}}]")
                            } else {
                                format!("[{{:db/id \"e\" :k {k} :v {i}}}]")
                            };
                            let result = store
                                .transact_edn(&tx)
                                .map(|r| r.t)
                                .map_err(|e| e.to_string());
                            (k, result)
                        })
                        .collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let db = store.db().unwrap();
    let mut ts = Vec::new();
    let mut committed = 0u64;
    for (k, result) in reports.into_iter().flatten() {
        let present = db
            .datoms(
                datolite_store::Index::Avet,
                &[
                    datolite_store::Value::keyword(":k"),
                    datolite_store::Value::Long(k as i64),
                ],
            )
            .unwrap()
            .len();
        match result {
            Ok(t) => {
                assert_eq!(present, 1, "acknowledged :k {k} is missing");
                ts.push(t);
                committed += 1;
            }
            Err(message) => {
                assert!(message.contains("type mismatch"), "{message}");
                assert_eq!(
                    present, 0,
                    "the failed transaction of :k {k} left its datom"
                );
            }
        }
    }
    // Each successful transaction has its own t; together they are the t's after the schema.
    ts.sort_unstable();
    ts.dedup();
    assert_eq!(ts.len() as u64, committed);
    assert_eq!(db.basis_t(), *ts.last().unwrap());
    let attribute = db.attribute(":k").unwrap().id;
    assert_eq!(db.stats().count(attribute), committed);
    let report = store.check().unwrap();
    assert!(report.is_clean(), "{:?}", report.problems);
    let (commits, transactions) = store.commit_counts();
    assert_eq!(transactions, 1 + threads * per_thread);
    assert!(
        commits < transactions,
        "no commit was shared: {commits} commits"
    );
}
