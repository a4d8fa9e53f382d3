//! The transaction log inside queries: `tx-ids` and `tx-data`, checked against the log API
//! (`Db::tx_range`) and through both evaluators (with every join strategy).

mod common;

use common::{fails, rows, run};
use datolite_query::Cell;
use datolite_store::{Db, TimePoint, Value};

/// Movies (t 2), then a correction of Alien's year (t 3) at a set instant.
fn corrected() -> (Db, u64) {
    let database = datolite::Database::memory().unwrap();
    database
        .transact(include_str!("../../../fixtures/movies.edn"))
        .unwrap();
    let alien = database
        .db()
        .unwrap()
        .datoms(
            datolite_store::Index::Avet,
            &[Value::keyword(":movie/title"), Value::from("Alien")],
        )
        .unwrap()[0]
        .e;
    database
        .transact(&format!(
            r#"[[:db/add {alien} :movie/year 1980] {{:db/id "datomic.tx" :db/txInstant #inst "2031-01-01"}}]"#
        ))
        .unwrap();
    (database.db().unwrap(), alien)
}

fn cell_ids(cells: Vec<Vec<Cell>>) -> Vec<u64> {
    cells
        .into_iter()
        .map(|r| match &r[0] {
            Cell::Value(Value::Ref(x)) => *x,
            other => panic!("expected an id, got {other:?}"),
        })
        .collect()
}

#[test]
fn tx_ids_lists_the_transactions_of_a_range() {
    let (db, _) = corrected();
    let all: Vec<u64> = db
        .tx_range(None, None)
        .unwrap()
        .iter()
        .map(|t| t.tx)
        .collect();
    // `nil` leaves an end open (inputs cannot be nil: it is written in the query).
    let open = "[:find ?tx :in $ ?from :where [(tx-ids $ ?from nil) [?tx ...]]]";
    let mut got = cell_ids(rows(run(&db, open, &["1"])));
    got.sort();
    assert_eq!(got, all);
    // t bounds: from inclusive, to exclusive; a transaction id and an instant work too.
    let q = "[:find ?tx :in $ ?from ?to :where [(tx-ids $ ?from ?to) [?tx ...]]]";
    assert_eq!(cell_ids(rows(run(&db, q, &["2", "3"]))), vec![all[1]]);
    let from_id = all[2].to_string();
    assert_eq!(cell_ids(rows(run(&db, open, &[&from_id]))), vec![all[2]]);
    assert_eq!(
        cell_ids(rows(run(&db, open, &["#inst \"2030-01-01\""]))),
        vec![all[2]]
    );
    // Transaction entities join as any entity: their instants.
    let q = "[:find ?inst . :where [(tx-ids $ 3 nil) [?tx ...]] [?tx :db/txInstant ?inst]]";
    let jan_2031 = datolite_edn::parse_inst("2031-01-01").unwrap();
    assert_eq!(
        run(&db, q, &[]),
        datolite_query::QueryResult::Scalar(Some(Cell::Value(Value::Instant(jan_2031))))
    );
}

#[test]
fn tx_data_gives_assertions_and_retractions() {
    let (db, alien) = corrected();
    let q = "[:find ?e ?attr ?v ?added :in $ ?tx \
             :where [(tx-data $ ?tx) [[?e ?a ?v _ ?added]]] [?a :db/ident ?attr]]";
    let got = rows(run(&db, q, &["3"]));
    let want = |v: i64, added: bool| {
        vec![
            Cell::Value(Value::Ref(alien)),
            Cell::Value(Value::keyword(":movie/year")),
            Cell::Value(Value::Long(v)),
            Cell::Value(Value::Boolean(added)),
        ]
    };
    assert!(got.contains(&want(1979, false)), "{got:?}");
    assert!(got.contains(&want(1980, true)), "{got:?}");
    // Everything the log API lists for t 3, and nothing else.
    let entry = &db
        .tx_range(Some(TimePoint::T(3)), Some(TimePoint::T(4)))
        .unwrap()[0];
    assert_eq!(got.len(), entry.datoms.len());
    // By transaction id, the same.
    let by_id = rows(run(&db, q, &[&entry.tx.to_string()]));
    assert_eq!(by_id, got);
    // A transaction that does not exist has no data.
    assert!(rows(run(&db, q, &["99"])).is_empty());
}

#[test]
fn bad_points_are_errors_naming_them() {
    let (db, _) = corrected();
    fails(
        &db,
        "[:find ?tx :where [(tx-ids $ \"soon\" nil) [?tx ...]]]",
        &[],
        &["tx-ids", "\"soon\""],
    );
    fails(
        &db,
        "[:find ?e :where [(tx-data $ 17592186045418) [[?e]]]]",
        &[],
        &["partition"],
    );
    fails(
        &db,
        "[:find ?e :where [(tx-data $ #inst \"2031-01-01\") [[?e]]]]",
        &[],
        &["tx-data", "t or a transaction id"],
    );
}
