//! Crash safety: a writer process (`datolite repl`, fed one transaction per line, printing one
//! acknowledgment per commit) is killed with SIGKILL at a random moment, again and again. After
//! every kill, every acknowledged transaction is present, none is partial, and `check` is
//! clean. 20 cycles here; `DATOLITE_TEST_CRASH_CYCLES=N` runs more.
//!
//! And a bulk load (`datolite import`) killed at a random moment leaves the database as it was
//! before the load or fully loaded, never in between.

#![cfg(unix)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{datolite, file, ok, run};

/// Entities per transaction.
const BATCH: u64 = 25;

fn count(db: &Path) -> u64 {
    let out = ok(run(
        db,
        &[
            "query",
            "--format",
            "json",
            "[:find (count ?e) . :where [?e :n]]",
        ],
    ));
    out.trim().parse().unwrap_or(0)
}

/// A new database in a temporary directory, with the `:n` attribute.
fn database_with_schema() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("db");
    let schema = file(
        dir.path(),
        "schema.edn",
        "[{:db/ident :n :db/valueType :db.type/long :db/cardinality :db.cardinality/one}]",
    );
    ok(run(&db, &["transact", schema.to_str().expect("utf-8")]));
    (dir, db)
}

/// A small deterministic generator (no dependency for one number per cycle).
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// One cycle: starts a writer, lets it commit for up to `run_ms`, kills it. Returns how many
/// transactions it acknowledged.
fn cycle(db: &Path, first_batch: u64, run_ms: u64) -> u64 {
    let mut child = datolite()
        .arg("--db")
        .arg(db)
        .arg("repl")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the writer");
    let mut stdin = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
    let pid = child.id();
    let acks = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .filter(|line| line.starts_with("tx "))
            .count() as u64
    });
    let deadline = Instant::now() + Duration::from_millis(run_ms);
    let mut batch = first_batch;
    while Instant::now() < deadline {
        let entities: Vec<String> = (0..BATCH)
            .map(|k| format!("{{:n {}}}", batch * BATCH + k))
            .collect();
        if writeln!(stdin, ".transact [{}]", entities.join(" ")).is_err() {
            break;
        }
        batch += 1;
        std::thread::sleep(Duration::from_millis(2));
    }
    // SIGKILL: no chance to finish a commit, flush or clean up.
    let _ = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status();
    let _ = child.wait();
    drop(stdin);
    acks.join().expect("reader")
}

#[test]
fn killed_writers_lose_no_acknowledged_transaction_and_leave_none_partial() {
    let cycles: u64 = std::env::var("DATOLITE_TEST_CRASH_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let (_dir, db) = database_with_schema();
    let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
    let mut acknowledged = 0u64;
    let mut next_batch = 0u64;
    for i in 0..cycles {
        let acks = cycle(&db, next_batch, 30 + rng.below(200));
        acknowledged += acks;
        let n = count(&db);
        assert_eq!(
            n % BATCH,
            0,
            "cycle {i}: a partial transaction is visible ({n} entities)"
        );
        assert!(
            n >= acknowledged * BATCH,
            "cycle {i}: {acknowledged} transactions were acknowledged, {} are present",
            n / BATCH
        );
        // The next writer's values follow everything written so far.
        next_batch = n / BATCH + 1_000 * (i + 1);
        acknowledged = n / BATCH;
        ok(run(&db, &["check"]));
    }
    assert!(acknowledged > 0, "the writers committed nothing");
}

#[test]
fn a_killed_bulk_load_leaves_the_database_as_before_or_fully_loaded() {
    let (dir, db) = database_with_schema();
    let entities = 30_000u64;
    let data: Vec<String> = (0..entities).map(|k| format!("{{:n {k}}}")).collect();
    let load = file(dir.path(), "load.edn", &data.join("\n"));
    let load = load.to_str().expect("utf-8");
    // How long a whole load takes here, on a database of its own.
    let began = Instant::now();
    ok(run(
        &dir.path().join("timing"),
        &["import", "--batch", "1000", load],
    ));
    let whole_ms = began.elapsed().as_millis() as u64;
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let (mut loads, mut interrupted) = (0u64, 0u64);
    for i in 0..8 {
        let mut child = datolite()
            .arg("--db")
            .arg(&db)
            .args(["import", "--batch", "1000", load])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the import");
        std::thread::sleep(Duration::from_millis(rng.below(whole_ms + 1)));
        let _ = std::process::Command::new("kill")
            .args(["-9", &child.id().to_string()])
            .status();
        let _ = child.wait();
        let n = count(&db);
        assert!(
            n.is_multiple_of(entities) && n / entities <= loads + 1,
            "kill {i}: {n} entities after {loads} complete loads: a load is partly visible"
        );
        interrupted += u64::from(n / entities == loads);
        loads = n / entities;
        ok(run(&db, &["check"]));
    }
    assert!(interrupted > 0, "no kill landed inside a load");
    // And the database takes a whole load afterwards.
    ok(run(&db, &["import", "--batch", "1000", load]));
    assert_eq!(count(&db), (loads + 1) * entities);
}
