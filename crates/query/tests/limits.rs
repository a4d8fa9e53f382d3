//! Bounded queries: the row limit per step, the time limit, cancellation from another thread,
//! and the planner's refusal of large products joined only through a predicate. A query
//! within its limits answers as without them.

use std::time::{Duration, Instant};

use datolite_query::{q_edn, q_edn_limited, Cancel, QueryError, QueryOptions};
use datolite_store::Db;

mod common;
use common::{args, chain};

/// Every node reaches every later one: 4.5M pairs on 3,000 nodes, computed bottom-up (no
/// argument is bound), and slow enough to run into any small budget.
const REACH: &str = "[[(reach ?a ?b) [?a :n/next ?b]] [(reach ?a ?b) (reach ?a ?x) (reach ?x ?b)]]";
const ALL_PAIRS: &str = "[:find (count ?b) . :in $ % :where (reach ?a ?b)]";

fn limited(db: &Db, text: &str, a: &[&str], limits: &QueryOptions) -> Result<String, QueryError> {
    q_edn_limited(db, text, &args(a), &[], limits).map(|r| format!("{r:?}"))
}

fn limit_message(result: Result<String, QueryError>) -> String {
    match result {
        Err(error @ QueryError::Limit { .. }) => error.to_string(),
        other => panic!("expected a limit error, got {other:?}"),
    }
}

#[test]
fn a_step_past_the_row_limit_stops_the_query_naming_it() {
    let db = chain(300);
    let two_hops = "[:find (count ?c) . :where [?a :n/next ?b] [?b :n/next ?c]]";
    let rows = |max| QueryOptions {
        max_rows: Some(max),
        ..QueryOptions::default()
    };
    let message = limit_message(limited(&db, two_hops, &[], &rows(100)));
    assert!(
        message.contains("[?a :n/next ?b] made more than 100 rows"),
        "{message}"
    );
    // Within the limit, the answer is the unlimited one.
    let unlimited = format!("{:?}", q_edn(&db, two_hops, &[]).unwrap());
    assert_eq!(limited(&db, two_hops, &[], &rows(300)).unwrap(), unlimited);
    // A rule's relation counts as a step.
    let message = limit_message(limited(&db, ALL_PAIRS, &[REACH], &rows(10_000)));
    assert!(message.contains("rows, the query's row limit"), "{message}");
}

#[test]
fn a_query_past_its_time_limit_stops() {
    let db = chain(3000);
    let limits = QueryOptions {
        timeout: Some(Duration::from_millis(50)),
        ..QueryOptions::default()
    };
    let start = Instant::now();
    let message = limit_message(limited(&db, ALL_PAIRS, &[REACH], &limits));
    assert!(message.contains("ran out of time"), "{message}");
    assert!(message.contains("its limit is 50 ms"), "{message}");
    // Checked often: it stops well before the 4.5M pairs are made.
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn a_query_is_cancelled_from_another_thread() {
    let db = chain(3000);
    let cancel = Cancel::new();
    let limits = QueryOptions {
        cancel: Some(cancel.clone()),
        ..QueryOptions::default()
    };
    let message = std::thread::scope(|s| {
        let canceller = s.spawn(|| {
            std::thread::sleep(Duration::from_millis(50));
            cancel.cancel();
        });
        let result = limited(&db, ALL_PAIRS, &[REACH], &limits);
        canceller.join().unwrap();
        limit_message(result)
    });
    assert!(message.contains("cancelled"), "{message}");
    // A cancelled handle stops a scan that makes no rows too, at its first check.
    let scan = "[:find ?e :where [?e :n/next ?e]]";
    let message = limit_message(limited(&chain(10_000), scan, &[], &limits));
    assert!(
        message.contains("cancelled while running step"),
        "{message}"
    );
}

#[test]
fn a_large_product_joined_only_through_a_predicate_is_refused() {
    let db = chain(3000);
    let text = "[:find (count ?a) . :where [?a :n/id _] [?b :n/id _] [(< ?a ?b)]]";
    let error = q_edn(&db, text, &[]).unwrap_err().to_string();
    assert!(
        error.contains("Cartesian product")
            && error.contains("joined only through [(< ?a ?b)]")
            && error.contains("9000000 rows"),
        "{error}"
    );
    // A small one runs, with the naive evaluator's answer.
    let small = chain(30);
    common::both(&small, text, &[]).unwrap();
    // Joined through a variable as well, it is no product.
    let joined =
        "[:find (count ?a) . :where [?a :n/next ?b] [?b :n/id ?i] [?a :n/id ?j] [(< ?j ?i)]]";
    assert!(q_edn(&db, joined, &[]).is_ok());
}
