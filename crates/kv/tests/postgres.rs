//! The PostgreSQL engine's own guarantees, beyond the conformance suite: one transactor at a
//! time across engines (processes), a waiting writer that fails clearly, a writer killed
//! mid-transaction that leaves nothing, peers that see new commits with their next snapshot,
//! and the local cache answering repeated reads. Skipped, saying so, without `DATOLITE_PG_URL`.
#![cfg(feature = "postgres")]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use datolite_kv::postgres::scratch::{test_url, ScratchSchema};
use datolite_kv::postgres::PostgresEngine;
use datolite_kv::{Direction, Engine, KeyRange, KvError, ReadTxn, Table, Visit};

/// Rows the killed writer's transaction holds: enough that sending them takes a while.
const KILLED_ROWS: u64 = 200_000;

/// A schema and its options, or `None` without a server.
fn schema() -> Option<ScratchSchema> {
    test_url().map(|url| ScratchSchema::new(&url))
}

fn count(engine: &dyn Engine, table: Table) -> u64 {
    let snapshot = engine.read().unwrap();
    let mut n = 0;
    snapshot
        .scan_keys(table, &KeyRange::all(), Direction::Forward, &mut |keys| {
            n += keys.len() as u64;
            Visit::Continue
        })
        .unwrap();
    n
}

#[test]
fn a_second_transactor_waits_for_the_first_then_fails_clearly_after_its_wait() {
    let Some(schema) = schema() else { return };
    let first = PostgresEngine::init(&schema.options(64)).unwrap();
    // Another engine on the same schema: its own connections, as another process would have.
    let mut patient_options = schema.options(64);
    patient_options.postgres.write_wait_ms = 20_000;
    let patient = PostgresEngine::open(&patient_options).unwrap();
    let mut hasty_options = schema.options(64);
    hasty_options.postgres.write_wait_ms = 100;
    let hasty = PostgresEngine::open(&hasty_options).unwrap();

    let (locked_tx, locked_rx) = mpsc::channel();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            first
                .write(&mut |txn| {
                    txn.put(Table::Meta, b"holder", b"first")?;
                    let _ = locked_tx.send(());
                    std::thread::sleep(Duration::from_millis(800));
                    Ok(())
                })
                .unwrap();
        });
        locked_rx.recv().unwrap();
        // The hasty writer gives up, naming the wait and the variable, writing nothing.
        let error = hasty
            .write(&mut |txn| txn.put(Table::Meta, b"hasty", b"x"))
            .unwrap_err();
        assert!(matches!(error, KvError::TransactorBusy { .. }), "{error}");
        let text = error.to_string();
        assert!(
            text.contains("another transactor") && text.contains("DATOLITE_PG_WRITE_WAIT_MS"),
            "{text}"
        );
        // The patient one waits, then reads what the first committed.
        let started = Instant::now();
        patient
            .write(&mut |txn| {
                let holder = txn.get(Table::Meta, b"holder")?.map(|v| v.into_owned());
                assert_eq!(holder.as_deref(), Some(&b"first"[..]));
                txn.put(Table::Meta, b"holder", b"patient")
            })
            .unwrap();
        assert!(started.elapsed() >= Duration::from_millis(300));
    });
    let snapshot = first.read().unwrap();
    assert_eq!(
        snapshot.get(Table::Meta, b"holder").unwrap().as_deref(),
        Some(&b"patient"[..])
    );
    assert_eq!(snapshot.get(Table::Meta, b"hasty").unwrap(), None);
}

#[test]
fn a_peer_sees_a_commit_with_its_next_snapshot_never_within_one() {
    let Some(schema) = schema() else { return };
    let writer = PostgresEngine::init(&schema.options(4)).unwrap();
    let peer = PostgresEngine::open(&schema.options(4)).unwrap();
    common::put_all(&writer, Table::Eavt, &[(b"a", b"1")]);
    let before = peer.read().unwrap();
    common::put_all(&writer, Table::Eavt, &[(b"b", b"2")]);
    assert_eq!(
        common::keys(&*before, Table::Eavt, &KeyRange::all(), Direction::Forward).len(),
        1
    );
    assert_eq!(before.get(Table::Eavt, b"b").unwrap(), None);
    let after = peer.read().unwrap();
    assert_eq!(
        common::keys(&*after, Table::Eavt, &KeyRange::all(), Direction::Forward).len(),
        2
    );
}

#[test]
fn repeated_reads_come_from_the_cache_until_a_commit_changes_the_table() {
    let Some(schema) = schema() else { return };
    let engine = PostgresEngine::init(&schema.options(16)).unwrap();
    let pairs: Vec<(Vec<u8>, Vec<u8>)> = (0..100u64).map(|n| (common::key(n), vec![1])).collect();
    let borrowed: Vec<(&[u8], &[u8])> = pairs.iter().map(|(k, v)| (&k[..], &v[..])).collect();
    common::put_all(&engine, Table::Aevt, &borrowed);
    common::put_all(&engine, Table::Eavt, &borrowed);
    engine.clear_cache();
    assert_eq!(count(&engine, Table::Aevt), 100);
    let cold = engine.cache_stats().unwrap();
    assert!(cold.misses > 0 && cold.hits == 0, "{cold:?}");
    assert_eq!(count(&engine, Table::Aevt), 100);
    let warm = engine.cache_stats().unwrap();
    assert_eq!(warm.misses, cold.misses, "a second scan went to the server");
    assert!(warm.hits >= cold.misses);
    // A commit to another table leaves this one's pages valid; one to this table does not.
    common::put_all(&engine, Table::Eavt, &[(b"z", b"")]);
    assert_eq!(count(&engine, Table::Aevt), 100);
    assert_eq!(engine.cache_stats().unwrap().misses, cold.misses);
    common::put_all(&engine, Table::Aevt, &[(b"z", b"")]);
    assert_eq!(count(&engine, Table::Aevt), 101);
    assert!(engine.cache_stats().unwrap().misses > cold.misses);
}

/// The key of row `j` of entity `n`.
fn row_key(n: u64, j: u8) -> Vec<u8> {
    [common::key(n), vec![j]].concat()
}

/// Reads through one snapshot of `engine`, rendered for comparison, per entity of `order`: point
/// reads of a present or absent row and of an absent one, the first row and every row of the
/// entity's prefix, and the prefix's last row (reverse: not windowed); every 100th entity, the
/// keys of a prefix of hundreds of rows.
fn windowed_reads(snapshot: &dyn ReadTxn, order: impl Iterator<Item = u64>) -> Vec<String> {
    let mut out = Vec::new();
    for n in order {
        for key in [row_key(n, 1), row_key(n, 9)] {
            let value = snapshot
                .get(Table::Avet, &key)
                .unwrap()
                .map(|v| v.into_owned());
            out.push(format!("get {key:?} {value:?}"));
        }
        let prefix = KeyRange::prefix(&common::key(n));
        for direction in [Direction::Forward, Direction::Reverse] {
            let first = snapshot.first(Table::Avet, &prefix, direction).unwrap();
            out.push(format!("first {n} {direction:?} {first:?}"));
        }
        let mut rows = Vec::new();
        snapshot
            .scan(Table::Avet, &prefix, Direction::Forward, &mut |k, v| {
                rows.push((k.to_vec(), v.to_vec()));
                Visit::Continue
            })
            .unwrap();
        out.push(format!("scan {n} {rows:?}"));
        if n % 100 == 0 {
            // Hundreds of rows: pages after pages from what the snapshot knows, then the server.
            let mut keys = Vec::new();
            let wide = KeyRange::prefix(&common::key(n)[..7]);
            snapshot
                .scan_keys(Table::Avet, &wide, Direction::Forward, &mut |page| {
                    keys.extend(page.iter().map(|k| k.to_vec()));
                    Visit::Continue
                })
                .unwrap();
            out.push(format!("wide {n} {keys:?}"));
        }
    }
    out
}

#[test]
fn windowed_reads_answer_as_the_memory_engine_and_save_round_trips() {
    let Some(schema) = schema() else { return };
    let postgres = PostgresEngine::init(&schema.options(1024)).unwrap();
    let memory = common::memory();
    // Entities 0, 2, 4, … 1,198 with rows 0, 1 and 2; the odd ones are the gaps between them.
    let pairs: Vec<(Vec<u8>, Vec<u8>)> = (0..600u64)
        .flat_map(|n| (0..3).map(move |j| (row_key(n * 2, j), format!("v{n}.{j}").into_bytes())))
        .collect();
    let borrowed: Vec<(&[u8], &[u8])> = pairs.iter().map(|(k, v)| (&k[..], &v[..])).collect();
    common::put_all(&postgres, Table::Avet, &borrowed);
    common::put_all(&*memory.engine, Table::Avet, &borrowed);
    postgres.clear_cache();
    let (theirs, ours) = (memory.engine.read().unwrap(), postgres.read().unwrap());
    // In key order: windows serve the next entities' reads.
    let before = postgres.cache_stats().unwrap().misses;
    assert_eq!(
        windowed_reads(&*ours, 0..1200),
        windowed_reads(&*theirs, 0..1200)
    );
    let trips = postgres.cache_stats().unwrap().misses - before;
    // One reverse `first` per entity goes to the server; the 4,800 windowed reads (6,000 round
    // trips without windows) take a few windows.
    assert!(
        trips < 1200 + 1200 / 4,
        "{trips} round trips for 6,000 reads"
    );
    // Scattered, within what the snapshot now knows, and past the last entity.
    let scattered = || (0..400u64).map(|n| n * 7919 % 1300);
    assert_eq!(
        windowed_reads(&*ours, scattered()),
        windowed_reads(&*theirs, scattered())
    );
}

/// The killed writer's part: runs only when the parent test starts this binary with
/// `DATOLITE_PG_CHILD_SCHEMA` set; says when its body is done, then sends and commits.
#[test]
fn child_writer_for_the_kill_test() {
    let (Some(url), Ok(schema)) = (
        std::env::var("DATOLITE_PG_URL").ok(),
        std::env::var("DATOLITE_PG_CHILD_SCHEMA"),
    ) else {
        return;
    };
    let mut options = ScratchSchema::new(&url).options(64);
    options.postgres.schema = schema;
    let engine = PostgresEngine::open(&options).unwrap();
    engine
        .write(&mut |txn| {
            for n in 0..KILLED_ROWS {
                txn.put(Table::Log, &common::key(n), b"payload of the killed writer")?;
            }
            println!("body done");
            Ok(())
        })
        .unwrap();
    println!("committed");
}

#[test]
fn a_writer_killed_mid_transaction_leaves_nothing_and_frees_the_lock() {
    let Some(schema) = schema() else { return };
    let engine = PostgresEngine::init(&schema.options(1024)).unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_writer_for_the_kill_test",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("DATOLITE_PG_CHILD_SCHEMA", &schema.name)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut lines = stdout.lines();
    loop {
        let line = lines
            .next()
            .expect("the child ended before its body finished")
            .unwrap();
        if line.contains("body done") {
            break;
        }
    }
    // The body is done: the child is now sending its rows inside its transaction.
    std::thread::sleep(Duration::from_millis(20));
    child.kill().unwrap();
    child.wait().unwrap();
    let rest: Vec<String> = lines.map_while(|line| line.ok()).collect();
    assert!(
        !rest.iter().any(|line| line.contains("committed")),
        "the child committed before it was killed: make KILLED_ROWS larger"
    );
    // Nothing of it is visible, and its lock went with its connection: a write goes through
    // at once.
    assert_eq!(count(&engine, Table::Log), 0);
    let mut options = schema.options(1024);
    options.postgres.write_wait_ms = 5_000;
    let next = PostgresEngine::open(&options).unwrap();
    common::put_all(&next, Table::Log, &[(b"after", b"ok")]);
    assert_eq!(count(&engine, Table::Log), 1);
}

#[test]
fn opening_a_schema_without_a_database_says_how_to_create_one() {
    let Some(schema) = schema() else { return };
    let error = PostgresEngine::open(&schema.options(8))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("holds no datolite database") && error.contains("init"),
        "{error}"
    );
    PostgresEngine::init(&schema.options(8)).unwrap();
    let again = PostgresEngine::init(&schema.options(8))
        .unwrap_err()
        .to_string();
    assert!(
        again.contains("already holds a datolite database"),
        "{again}"
    );
}

#[test]
fn connections_the_server_dropped_are_replaced_by_the_next_read_and_write() {
    let Some(schema) = schema() else { return };
    let mut options = schema.options(8);
    // A name of its own, so terminating its connections touches no other test.
    let app = format!("reconnect_{}", schema.name);
    let url = options.postgres.url.clone().unwrap();
    options.postgres.url = Some(format!("{url}?application_name={app}"));
    let engine = PostgresEngine::init(&options).unwrap();
    common::put_all(&engine, Table::Eavt, &[(b"a", b"1")]);
    assert_eq!(count(&engine, Table::Eavt), 1);
    // The server drops every connection of the engine: its pooled snapshots' and its
    // transactor's (what a restart or a failover does).
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let killed = client
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
            &[&app],
        )
        .unwrap()
        .len();
    assert!(
        killed >= 2,
        "expected pooled and transactor connections, killed {killed}"
    );
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(count(&engine, Table::Eavt), 1);
    common::put_all(&engine, Table::Eavt, &[(b"b", b"2")]);
    assert_eq!(count(&engine, Table::Eavt), 2);
    assert!(engine.size_on_disk().unwrap() > 0);
}
