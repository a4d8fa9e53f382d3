//! The binary on a shared PostgreSQL database: `init`, the commands through `--db postgres://…`,
//! and several processes at once — one writer, two readers, and a second writer that waits for
//! the first (or gives up clearly). Skipped, saying so, without `DATOLITE_PG_URL`.
//! The first tests need no server: they check what happens when there is none.
#![cfg(feature = "postgres")]

mod common;

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use common::{datolite, fails, ok};
use datolite_kv::postgres::scratch::{test_url, ScratchSchema};
use datolite_kv::postgres::PostgresEngine;
use datolite_kv::{Engine, Table};

/// Persons per transaction of the writer: every consistent snapshot counts a multiple of it.
const PER_TX: usize = 10;
/// Transactions the writer process runs.
const TXS: usize = 60;

const SCHEMA: &str = "[{:db/ident :person/name :db/valueType :db.type/string \
                      :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}]";

/// `datolite` on `url` in `schema`, with `args`.
fn pg(url: &str, schema: &ScratchSchema, args: &[&str]) -> Command {
    let mut command = datolite();
    command
        .env("DATOLITE_PG_SCHEMA", &schema.name)
        .arg("--db")
        .arg(url)
        .args(args);
    command
}

/// One transaction of `PER_TX` new persons named after `tag`.
fn persons(tag: &str) -> String {
    let maps: Vec<String> = (0..PER_TX)
        .map(|i| format!("{{:person/name \"{tag}-{i}\"}}"))
        .collect();
    format!("[{}]", maps.join(" "))
}

const COUNT: &str = "[:find (count ?e) . :where [?e :person/name]]";

#[test]
fn an_unreachable_server_or_a_mixed_up_target_is_a_clear_error() {
    // Port 1 on loopback: nothing listens there.
    let unreachable = fails(
        datolite()
            .args(["--db", "postgres://me:secret@127.0.0.1:1/app", "stats"])
            .output()
            .unwrap(),
    );
    assert!(
        unreachable.contains("cannot connect to the PostgreSQL server")
            && unreachable.contains("me:***@")
            && !unreachable.contains("secret"),
        "{unreachable}"
    );
    let dir = tempfile::tempdir().unwrap();
    let no_url = fails(
        datolite()
            .env("DATOLITE_ENGINE", "postgres")
            .arg("stats")
            .output()
            .unwrap(),
    );
    assert!(no_url.contains("DATOLITE_PG_URL"), "{no_url}");
    let directory = fails(
        datolite()
            .env("DATOLITE_ENGINE", "postgres")
            .arg("--db")
            .arg(dir.path())
            .arg("stats")
            .output()
            .unwrap(),
    );
    assert!(directory.contains("is a directory"), "{directory}");
    let restore = fails(
        datolite()
            .args(["--db", "postgres://127.0.0.1:1/app", "restore"])
            .arg(dir.path())
            .output()
            .unwrap(),
    );
    assert!(restore.contains("names a PostgreSQL server"), "{restore}");
    // An option the client does not know is named, not ignored.
    let unknown = fails(
        datolite()
            .args(["--db", "postgres://127.0.0.1:1/app?bogus=1", "stats"])
            .output()
            .unwrap(),
    );
    assert!(unknown.contains("unknown option `bogus`"), "{unknown}");
    // So are a TLS mode libpq does not know, and a check with nothing to check against (HOME
    // has no ~/.postgresql/root.crt); both before any connection is tried.
    let mode = fails(
        datolite()
            .args(["--db", "postgres://127.0.0.1:1/app?sslmode=verify", "stats"])
            .output()
            .unwrap(),
    );
    assert!(mode.contains("sslmode=verify: expected disable"), "{mode}");
    let no_root = fails(
        datolite()
            .env("HOME", dir.path())
            .args([
                "--db",
                "postgres://127.0.0.1:1/app?sslmode=verify-full",
                "stats",
            ])
            .output()
            .unwrap(),
    );
    assert!(
        no_root.contains("no root certificate") && no_root.contains("sslrootcert=<PEM file>"),
        "{no_root}"
    );
    // Commands that build their own database in a directory never write the shared one.
    let demo = fails(
        datolite()
            .env("DATOLITE_ENGINE", "postgres")
            .env("DATOLITE_PG_URL", "postgres://127.0.0.1:1/app")
            .args(["demo", "--dir"])
            .arg(dir.path().join("demo"))
            .output()
            .unwrap(),
    );
    assert!(demo.contains("not in a"), "{demo}");
    let bad_url = fails(
        datolite()
            .env("DATOLITE_PG_URL", "mysql://x")
            .arg("stats")
            .output()
            .unwrap(),
    );
    assert!(bad_url.contains("DATOLITE_PG_URL"), "{bad_url}");
}

#[test]
fn init_creates_the_schema_once_and_the_commands_work_on_it() {
    let Some(url) = test_url() else { return };
    let schema = ScratchSchema::new(&url);
    let missing = fails(pg(&url, &schema, &["stats"]).output().unwrap());
    assert!(
        missing.contains("holds no datolite database") && missing.contains("init"),
        "{missing}"
    );
    let created = ok(pg(&url, &schema, &["init"]).output().unwrap());
    assert!(
        created.contains("created an empty postgres database"),
        "{created}"
    );
    let again = fails(pg(&url, &schema, &["init"]).output().unwrap());
    assert!(
        again.contains("already holds a datolite database"),
        "{again}"
    );

    let dir = tempfile::tempdir().unwrap();
    let tx = common::file(dir.path(), "tx.edn", SCHEMA);
    ok(pg(&url, &schema, &["transact"]).arg(&tx).output().unwrap());
    let people = common::file(dir.path(), "people.edn", &persons("ann"));
    ok(pg(&url, &schema, &["transact"])
        .arg(&people)
        .output()
        .unwrap());
    let count = ok(pg(&url, &schema, &["query", COUNT, "--format", "edn"])
        .output()
        .unwrap());
    assert_eq!(count.trim(), PER_TX.to_string());
    // A password in the URL is never shown (the local server trusts any).
    if let Some((user, rest)) = url
        .split_once('@')
        .filter(|(user, _)| !user[11..].contains(':'))
    {
        let with_password = format!("{user}:hunter2@{rest}");
        let stats = ok(pg(&with_password, &schema, &["stats"]).output().unwrap());
        assert!(
            stats.contains(":***@") && !stats.contains("hunter2"),
            "{stats}"
        );
    }
    let checked = ok(pg(&url, &schema, &["check"]).output().unwrap());
    assert!(checked.contains("checked"), "{checked}");
    let pulled = ok(
        pg(&url, &schema, &["pull", "[:person/name \"ann-3\"]", "[*]"])
            .output()
            .unwrap(),
    );
    assert!(pulled.contains("ann-3"), "{pulled}");
    let backup = fails(
        pg(&url, &schema, &["backup"])
            .arg(dir.path().join("b"))
            .output()
            .unwrap(),
    );
    assert!(backup.contains("pg_dump"), "{backup}");
    // A URL with another engine named would open something else: refused.
    let mut lmdb = pg(&url, &schema, &["stats"]);
    lmdb.env("DATOLITE_ENGINE", "lmdb");
    let conflict = fails(lmdb.output().unwrap());
    assert!(conflict.contains("DATOLITE_ENGINE=lmdb"), "{conflict}");
}

/// A `datolite repl` process on the shared database, fed through its stdin.
fn repl(url: &str, schema: &ScratchSchema) -> Child {
    pg(url, schema, &["repl", "--format", "edn"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn one_writer_two_readers_and_a_second_writer_that_waits() {
    let Some(url) = test_url() else { return };
    let schema = ScratchSchema::new(&url);
    ok(pg(&url, &schema, &["init"]).output().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let tx = common::file(dir.path(), "schema.edn", SCHEMA);
    ok(pg(&url, &schema, &["transact"]).arg(&tx).output().unwrap());

    // Two reader processes count persons over and over, each query a new snapshot; one
    // writer process adds PER_TX persons per transaction.
    let writer_log = dir.path().join("writer.stderr");
    let mut writer = pg(&url, &schema, &["repl", "--format", "edn"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&writer_log).unwrap())
        .spawn()
        .unwrap();
    let mut readers = [repl(&url, &schema), repl(&url, &schema)];
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let done = &done;
        let mut writer_in = writer.stdin.take().unwrap();
        scope.spawn(move || {
            for n in 0..TXS {
                writeln!(writer_in, ".transact {}", persons(&format!("w{n}"))).unwrap();
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        for reader in &mut readers {
            let mut reader_in = reader.stdin.take().unwrap();
            scope.spawn(move || {
                while !done.load(Ordering::SeqCst) {
                    writeln!(reader_in, "{COUNT}").unwrap();
                    std::thread::sleep(Duration::from_millis(3));
                }
            });
        }
        // The readers go on until the writer process has committed everything and exited.
        let status = writer.wait().unwrap();
        done.store(true, Ordering::SeqCst);
        assert!(
            status.success(),
            "{}",
            std::fs::read_to_string(&writer_log).unwrap_or_default()
        );
    });
    let mut seen = std::collections::BTreeSet::new();
    for reader in readers {
        let output = reader.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let counts: Vec<usize> = String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(|line| match line.trim() {
                "nil" => 0, // no person yet: an aggregate over nothing
                count => count
                    .parse()
                    .unwrap_or_else(|_| panic!("not a count: {line}")),
            })
            .collect();
        assert!(!counts.is_empty());
        seen.extend(counts.iter().copied());
        // Every snapshot saw whole transactions, and later snapshots never saw fewer.
        for pair in counts.windows(2) {
            assert!(pair[0] <= pair[1], "a later snapshot saw less: {counts:?}");
        }
        for count in &counts {
            assert_eq!(
                count % PER_TX,
                0,
                "a snapshot saw part of a transaction: {counts:?}"
            );
        }
    }
    // The readers ran while the writer did: they saw the database grow.
    assert!(seen.len() >= 2, "the readers saw only {seen:?}");
    let total = |expected: usize| {
        let count = ok(pg(&url, &schema, &["query", COUNT, "--format", "edn"])
            .output()
            .unwrap());
        assert_eq!(count.trim(), expected.to_string());
    };
    total(TXS * PER_TX);

    // A transactor holds the write lock (this process, through the engine); a second writer
    // process waits for it and then commits; one that may not wait long gives up clearly.
    let mut options = schema.options(64);
    options.postgres.write_wait_ms = 30_000;
    let holder = PostgresEngine::open(&options).unwrap();
    let late = common::file(dir.path(), "late.edn", &persons("late"));
    let hasty = common::file(dir.path(), "hasty.edn", &persons("hasty"));
    let (locked_tx, locked_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    std::thread::scope(|scope| {
        let holder = &holder;
        scope.spawn(move || {
            holder
                .write(&mut |txn| {
                    txn.put(Table::Meta, b"test-holder", b"1")?;
                    let _ = locked_tx.send(());
                    // Held until the test says so (or a minute, should the test fail first).
                    let _ = release_rx.recv_timeout(Duration::from_secs(60));
                    Ok(())
                })
                .unwrap();
        });
        locked_rx.recv().unwrap();
        let mut waiting = pg(&url, &schema, &["transact"])
            .arg(&late)
            .env("DATOLITE_PG_WRITE_WAIT_MS", "30000")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let gave_up = fails(
            pg(&url, &schema, &["transact"])
                .arg(&hasty)
                .env("DATOLITE_PG_WRITE_WAIT_MS", "200")
                .output()
                .unwrap(),
        );
        assert!(
            gave_up.contains("another transactor") && gave_up.contains("nothing was written"),
            "{gave_up}"
        );
        // The waiting writer is still waiting: the lock is still held.
        std::thread::sleep(Duration::from_millis(300));
        assert!(
            waiting.try_wait().unwrap().is_none(),
            "the second writer did not wait for the lock"
        );
        release_tx.send(()).unwrap();
        let waited = waiting.wait_with_output().unwrap();
        assert!(
            waited.status.success(),
            "{}",
            String::from_utf8_lossy(&waited.stderr)
        );
    });
    total(TXS * PER_TX + PER_TX);
}
