//! The transaction log as an API (`Db::tx_range`, `Db::for_each_tx`): every transaction in
//! order with its t, id, instant and exactly the datoms its report listed; bounds as t,
//! transaction id or instant; snapshots see only their own past.

mod common;
#[path = "support/people_ops.rs"]
mod people_ops;

use datolite_store::{Datom, Store, TimePoint, TxReport};

fn sorted(mut datoms: Vec<Datom>) -> Vec<Datom> {
    datoms.sort_by(|a, b| {
        (a.e, a.a, a.tx, a.added)
            .cmp(&(b.e, b.a, b.tx, b.added))
            .then_with(|| format!("{}", a.v).cmp(&format!("{}", b.v)))
    });
    datoms
}

/// A schema, then three transactions at set instants: an assertion, a cardinality-one
/// replacement (a retraction and an assertion) and a retraction.
fn history() -> (Store, Vec<TxReport>) {
    let store = common::memory();
    let mut reports = vec![store
        .transact_edn(
            "[{:db/ident :p/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
              {:db/ident :p/age :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
              {:db/id \"datomic.tx\" :db/txInstant #inst \"2023-12-01\"}]",
        )
        .unwrap()];
    let ann = {
        let r = store
            .transact_edn(
                r#"[{:db/id "ann" :p/name "Ann" :p/age 30}
                    {:db/id "datomic.tx" :db/txInstant #inst "2024-01-01"}]"#,
            )
            .unwrap();
        let ann = r.tempids["ann"];
        reports.push(r);
        ann
    };
    reports.push(
        store
            .transact_edn(&format!(
                r#"[[:db/add {ann} :p/age 31] {{:db/id "datomic.tx" :db/txInstant #inst "2024-02-01"}}]"#
            ))
            .unwrap(),
    );
    reports.push(
        store
            .transact_edn(&format!(
                r#"[[:db/retract {ann} :p/name "Ann"] {{:db/id "datomic.tx" :db/txInstant #inst "2024-03-01"}}]"#
            ))
            .unwrap(),
    );
    (store, reports)
}

#[test]
fn every_transaction_in_order_with_exactly_its_reported_datoms() {
    let (store, reports) = history();
    let db = store.db().unwrap();
    let all = db.tx_range(None, None).unwrap();
    // The bootstrap (t 1) and the four transactions above.
    assert_eq!(all.len(), 1 + reports.len());
    assert_eq!(all[0].t, 1);
    for pair in all.windows(2) {
        assert!(pair[0].t < pair[1].t);
    }
    for (entry, report) in all[1..].iter().zip(&reports) {
        assert_eq!((entry.t, entry.tx), (report.t, report.tx));
        assert_eq!(sorted(entry.datoms.clone()), sorted(report.tx_data.clone()));
    }
    // The replacement shows its retraction; the retraction is one.
    let replace = &all[3];
    assert_eq!(replace.datoms.iter().filter(|d| !d.added).count(), 1);
    assert_eq!(all[4].datoms.iter().filter(|d| !d.added).count(), 1);
    let feb = datolite_edn::parse_inst("2024-02-01").unwrap();
    assert_eq!(replace.instant, feb);
}

#[test]
fn bounds_as_t_transaction_id_or_instant() {
    let (store, reports) = history();
    let db = store.db().unwrap();
    let ts = |entries: Vec<datolite_store::TxEntry>| -> Vec<u64> {
        entries.iter().map(|e| e.t).collect()
    };
    let (t2, t3, t4) = (reports[1].t, reports[2].t, reports[3].t);
    assert_eq!(
        ts(db
            .tx_range(Some(TimePoint::T(t2)), Some(TimePoint::T(t4)))
            .unwrap()),
        vec![t2, t3]
    );
    assert_eq!(
        ts(db
            .tx_range(Some(TimePoint::Tx(reports[2].tx)), None)
            .unwrap()),
        vec![t3, t4]
    );
    let inst = |s: &str| TimePoint::Instant(datolite_edn::parse_inst(s).unwrap());
    assert_eq!(
        ts(db
            .tx_range(Some(inst("2024-01-15")), Some(inst("2024-03-01")))
            .unwrap()),
        vec![t3],
        "from inclusive, to exclusive"
    );
    assert_eq!(
        ts(db
            .tx_range(Some(inst("2024-01-01")), Some(inst("2024-01-02")))
            .unwrap()),
        vec![t2]
    );
    // Empty and reversed ranges are empty, not errors.
    assert!(db
        .tx_range(Some(TimePoint::T(t3)), Some(TimePoint::T(t3)))
        .unwrap()
        .is_empty());
    assert!(db
        .tx_range(Some(TimePoint::T(t4)), Some(TimePoint::T(t2)))
        .unwrap()
        .is_empty());
    assert!(db
        .tx_range(Some(TimePoint::T(t4 + 10)), None)
        .unwrap()
        .is_empty());
    // Stopping early.
    let mut seen = 0;
    db.for_each_tx(None, None, |_| {
        seen += 1;
        seen < 2
    })
    .unwrap();
    assert_eq!(seen, 2);
}

#[test]
fn a_snapshot_sees_only_its_own_past() {
    let (store, reports) = history();
    let db = store.db().unwrap();
    store.transact_edn("[{:p/name \"Bo\"}]").unwrap();
    let last = db.tx_range(None, None).unwrap().pop().unwrap();
    assert_eq!(last.t, reports[3].t);
    assert_eq!(store.db().unwrap().tx_range(None, None).unwrap().len(), 6);
}

#[test]
fn instants_never_go_back() {
    let (store, reports) = history();
    let db = store.db().unwrap();
    let all = db.tx_range(None, None).unwrap();
    // The built-in transaction sits at the epoch, so imports may start at any instant.
    assert_eq!(all[0].instant, 0);
    // An instant earlier than the previous transaction's is refused, naming both, and nothing
    // is written.
    let err = store
        .transact_edn(r#"[{:p/name "Old"} {:db/id "datomic.tx" :db/txInstant #inst "2024-02-15"}]"#)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("2024-02-15T00:00:00.000Z") && err.contains("2024-03-01T00:00:00.000Z"),
        "{err}"
    );
    assert_eq!(store.db().unwrap().basis_t(), reports[3].t);
    // The same instant as the previous one is fine.
    store
        .transact_edn(
            r#"[{:p/name "Same"} {:db/id "datomic.tx" :db/txInstant #inst "2024-03-01"}]"#,
        )
        .unwrap();
    // A transaction after one set in the future takes that instant, not the clock's earlier one.
    store
        .transact_edn(
            r#"[{:p/name "Later"} {:db/id "datomic.tx" :db/txInstant #inst "2999-01-01"}]"#,
        )
        .unwrap();
    let r = store.transact_edn(r#"[{:p/name "Now"}]"#).unwrap();
    let last = store
        .db()
        .unwrap()
        .tx_range(Some(TimePoint::T(r.t)), None)
        .unwrap();
    assert_eq!(
        last[0].instant,
        datolite_edn::parse_inst("2999-01-01").unwrap()
    );
}

mod random {
    use super::*;
    use crate::people_ops::{op, op_edn, SCHEMA};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        /// Whatever the transactions, the log API returns each committed transaction in order
        /// with exactly the datoms its report listed, on both engines, and bounds given as t,
        /// transaction id or instant select the same transactions.
        #[test]
        fn the_log_api_equals_the_reports(txs in prop::collection::vec(prop::collection::vec(op(), 1..4), 1..8)) {
            let (disk, _dir) = common::lmdb();
            for store in [common::memory(), disk] {
                store.transact_edn(SCHEMA).unwrap();
                let mut reports = Vec::new();
                for ops in &txs {
                    let text = format!("[{}]", ops.iter().map(op_edn).collect::<Vec<_>>().join(" "));
                    // Retracting a person who does not exist yet is an error: nothing committed.
                    if let Ok(r) = store.transact_edn(&text) {
                        reports.push(r);
                    }
                }
                let db = store.db().unwrap();
                let first = reports.first().map_or(u64::MAX, |r| r.t);
                let logged: Vec<_> = db
                    .tx_range(Some(TimePoint::T(first)), None)
                    .unwrap();
                prop_assert_eq!(logged.len(), reports.len());
                for (entry, report) in logged.iter().zip(&reports) {
                    prop_assert_eq!((entry.t, entry.tx), (report.t, report.tx));
                    prop_assert_eq!(sorted(entry.datoms.clone()), sorted(report.tx_data.clone()));
                }
                if let (Some(a), Some(b)) = (logged.first(), logged.last()) {
                    let by_t = db.tx_range(Some(TimePoint::T(a.t)), Some(TimePoint::T(b.t))).unwrap();
                    let by_tx = db.tx_range(Some(TimePoint::Tx(a.tx)), Some(TimePoint::Tx(b.tx))).unwrap();
                    prop_assert_eq!(&by_t, &by_tx);
                    prop_assert_eq!(by_t.len(), logged.len() - 1);
                    // Instants never go back, so an instant range is a contiguous run of t.
                    let by_instant = db
                        .tx_range(Some(TimePoint::Instant(a.instant)), None)
                        .unwrap();
                    prop_assert!(by_instant.len() >= logged.len());
                    for pair in logged.windows(2) {
                        prop_assert!(pair[0].instant <= pair[1].instant);
                    }
                }
            }
        }
    }
}
