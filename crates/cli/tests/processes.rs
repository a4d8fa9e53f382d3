//! Many processes on one database, as LMDB is built for: reader processes querying while
//! writers in two processes commit, a second writer waiting for the first (and giving up at its
//! deadline, having written nothing), and a map grown by one process adopted by another.
//! Every process here is real: the `datolite` binary, beside this test process holding the
//! database open through the library.

mod common;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{fails, file, ok, run, run_env, stderr};
use datolite::{Cell, Database, QueryResult, StoreOptions, Value};

const SCHEMA: &str =
    "[{:db/ident :n :db/valueType :db.type/long :db/cardinality :db.cardinality/one}]";

/// Entities per transaction: a reader that ever sees a count that is no multiple of it saw a
/// partial commit.
const BATCH: u64 = 50;

/// A transaction of `BATCH` entities with `:n` values from `first`.
fn batch(first: u64) -> String {
    let entities: Vec<String> = (first..first + BATCH)
        .map(|n| format!("{{:n {n}}}"))
        .collect();
    format!("[{}]", entities.join(" "))
}

/// The number of entities with `:n`, by a query that scans (not the statistics' count).
const COUNT: &str = "[:find (count ?e) . :where [?e :n ?v] [(>= ?v 0)]]";

/// `COUNT` run by a `datolite` process (an empty answer is 0).
fn count_in_a_process(db: &Path) -> u64 {
    let out = ok(run(db, &["query", "--format", "json", COUNT]));
    let text = out.trim();
    if text == "null" || text.is_empty() {
        0
    } else {
        text.parse()
            .unwrap_or_else(|_| panic!("not a count: {text}"))
    }
}

/// `COUNT` in this process.
fn count_here(database: &Database) -> u64 {
    use datolite::DbQueries;
    let db = database.db().expect("snapshot");
    match db.q_edn(COUNT, &[]).expect("count query") {
        QueryResult::Scalar(None) => 0,
        QueryResult::Scalar(Some(Cell::Value(Value::Long(n)))) => n as u64,
        other => panic!("not a count: {other:?}"),
    }
}

fn new_database() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("db");
    let schema = file(dir.path(), "schema.edn", SCHEMA);
    ok(run(
        &db,
        &["transact", schema.to_str().expect("utf-8 path")],
    ));
    (dir, db)
}

#[test]
fn reader_processes_query_while_two_processes_commit() {
    let (dir, db) = new_database();
    // This process keeps the database open (and writes) for the whole test.
    let database = Database::open(&db, StoreOptions::default()).expect("open beside the CLI");
    let rounds = 8;
    let done = AtomicBool::new(false);
    let reads = std::thread::scope(|s| {
        let readers: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let (mut runs, mut last) = (0, 0);
                    while !done.load(Ordering::SeqCst) || runs < 3 {
                        let n = count_in_a_process(&db);
                        assert_eq!(n % BATCH, 0, "a reader saw a partial commit: {n}");
                        assert!(n >= last, "a reader went back in time: {last} then {n}");
                        (runs, last) = (runs + 1, n);
                    }
                    runs
                })
            })
            .collect();
        // The other writer: `datolite transact` processes, each a batch.
        let child_writer = s.spawn(|| {
            for round in 0..rounds {
                let path = file(
                    dir.path(),
                    &format!("tx{round}.edn"),
                    &batch(10_000 + round * BATCH),
                );
                ok(run(&db, &["transact", path.to_str().expect("utf-8 path")]));
            }
        });
        for round in 0..rounds {
            database
                .transact(&batch(round * BATCH))
                .expect("write in this process");
            std::thread::sleep(Duration::from_millis(20));
        }
        child_writer.join().expect("child writer");
        done.store(true, Ordering::SeqCst);
        readers
            .into_iter()
            .map(|r| r.join().expect("reader"))
            .sum::<u64>()
    });
    assert!(reads >= 6, "the readers ran {reads} queries");
    let expected = 2 * rounds * BATCH;
    assert_eq!(
        count_here(&database),
        expected,
        "this process sees every commit"
    );
    assert_eq!(
        count_in_a_process(&db),
        expected,
        "another process sees every commit"
    );
}

#[test]
fn a_second_writer_waits_for_the_first_and_gives_up_at_its_deadline() {
    let (dir, db) = new_database();
    let database = Database::open(&db, StoreOptions::default()).expect("open");
    let engine = database.store().engine().clone();
    let tx = file(dir.path(), "tx.edn", &batch(0));
    let tx = tx.to_str().expect("utf-8 path");
    let (held, is_held) = mpsc::channel();
    let hold = Duration::from_millis(1500);
    std::thread::scope(|s| {
        // This process writes for `hold` (a write transaction that writes nothing).
        let holder = s.spawn(move || {
            engine
                .write(&mut |_txn| {
                    let _ = held.send(());
                    std::thread::sleep(hold);
                    Ok(())
                })
                .expect("the holding write");
            Instant::now()
        });
        is_held.recv().expect("the write began");
        let started = Instant::now();
        // Readers are not held up by a writer, in any process.
        assert_eq!(count_in_a_process(&db), 0);
        // A writer with a short deadline gives up with a clear error, writing nothing.
        let out = run_env(
            &db,
            ("DATOLITE_LMDB_WRITE_WAIT_MS", "200"),
            &["transact", tx],
        );
        let message = fails(out);
        assert!(
            message.contains("being written by another process")
                && message.contains("DATOLITE_LMDB_WRITE_WAIT_MS"),
            "{message}"
        );
        assert!(
            started.elapsed() < hold,
            "the impatient writer waited the whole write"
        );
        // A writer with the default deadline waits for the first and commits after it.
        let waiting = run(&db, &["transact", tx]);
        let finished = Instant::now();
        let released = holder.join().expect("holder");
        ok(waiting);
        assert!(
            finished >= released,
            "the second writer committed while the first wrote"
        );
    });
    assert_eq!(count_in_a_process(&db), BATCH);
    assert_eq!(count_here(&database), BATCH);
}

#[test]
fn a_map_grown_by_one_process_is_adopted_by_another() {
    let (dir, db) = new_database();
    let small = |options: &mut StoreOptions| options.kv.lmdb.map_size = 1 << 20;
    let mut options = StoreOptions::default();
    small(&mut options);
    let database = Database::open(&db, options).expect("open with a 1 MiB map");
    // Another process with a 1 MiB map too writes ~20,000 entities: it grows the map.
    let entities: Vec<String> = (0..20_000).map(|n| format!("{{:n {n}}}")).collect();
    let big = file(dir.path(), "big.edn", &format!("[{}]", entities.join(" ")));
    ok(run_env(
        &db,
        ("DATOLITE_LMDB_MAP_SIZE", "1MiB"),
        &["transact", big.to_str().expect("utf-8 path")],
    ));
    // This process's next snapshot finds the data beyond its 1 MiB map (LMDB refuses to begin
    // it) and adopts the size the other process grew the map to.
    assert_eq!(count_here(&database), 20_000);
    // And it writes on the adopted map.
    database
        .transact(&batch(100_000))
        .expect("write after adopting");
    assert_eq!(count_in_a_process(&db), 20_000 + BATCH);
    let message = stderr(&run(&db, &["query", COUNT]));
    assert!(message.is_empty(), "{message}");
}
