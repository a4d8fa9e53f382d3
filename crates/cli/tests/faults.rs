//! Faults give errors, not signals, and leave the database as it was: a full disk (simulated
//! by a file size limit, `ulimit -f`, which fails writes the way a full disk does) with and
//! without a write map, a truncated or overwritten data file, the memory engine pointed at a
//! directory, a misspelt `DATOLITE_*` variable.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{fails, file, ok, run, run_env, stderr, without_datolite_vars};

const SCHEMA: &str =
    "[{:db/ident :n :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
 {:db/ident :s :db/valueType :db.type/string :db/cardinality :db.cardinality/one}]";

/// A database with the schema and `people` entities, and a transaction of 20,000 more (~3 MB
/// of pages) in `big.edn`.
fn setup(dir: &Path, people: usize) -> (std::path::PathBuf, std::path::PathBuf) {
    let db = dir.join("db");
    let schema = file(dir, "schema.edn", SCHEMA);
    ok(run(&db, &["transact", schema.to_str().expect("utf-8")]));
    if people > 0 {
        let some: Vec<String> = (0..people).map(|i| format!("{{:n {i}}}")).collect();
        let tx = file(dir, "some.edn", &format!("[{}]", some.join(" ")));
        ok(run(&db, &["transact", tx.to_str().expect("utf-8")]));
    }
    let big: Vec<String> = (0..20_000)
        .map(|i| format!("{{:n {} :s \"{}{i}\"}}", 1_000_000 + i, "x".repeat(60)))
        .collect();
    let big = file(dir, "big.edn", &format!("[{}]", big.join(" ")));
    (db, big)
}

/// `datolite ARGS` with the file size limited to `blocks` 512-byte blocks (`sh`'s `ulimit -f`
/// unit) and `vars` set.
fn limited(blocks: u32, vars: &[(&str, &str)], args: &[&str]) -> Output {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(format!("ulimit -f {blocks} && exec \"$0\" \"$@\""));
    command.arg(env!("CARGO_BIN_EXE_datolite")).args(args);
    without_datolite_vars(&mut command);
    command.envs(vars.iter().copied());
    command.output().expect("run sh")
}

fn count(db: &Path) -> String {
    ok(run(
        db,
        &[
            "query",
            "--format",
            "json",
            "[:find (count ?e) . :where [?e :n]]",
        ],
    ))
    .trim()
    .to_string()
}

#[test]
fn a_full_disk_is_an_error_naming_it_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, big) = setup(dir.path(), 10);
    let before = count(&db);
    let db_arg = db.to_str().expect("utf-8");
    let out = limited(
        4096,
        &[],
        &["--db", db_arg, "transact", big.to_str().expect("utf-8")],
    );
    let message = fails(out);
    assert!(
        message.contains("disk full") && message.contains("file size limit"),
        "{message}"
    );
    assert!(
        message.contains("not committed") && message.contains("the database is as of t = 3"),
        "{message}"
    );
    assert_eq!(
        count(&db),
        before,
        "nothing of the failed transaction is visible"
    );
    ok(run(&db, &["check"]));
    // And the database takes the transaction once there is room.
    ok(run(&db, &["transact", big.to_str().expect("utf-8")]));
    ok(run(&db, &["check"]));
}

#[test]
fn a_write_map_on_a_full_disk_is_an_error_not_a_signal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, big) = setup(dir.path(), 10);
    let before = count(&db);
    let db_arg = db.to_str().expect("utf-8");
    let vars = [
        ("DATOLITE_LMDB_WRITE_MAP", "true"),
        ("DATOLITE_LMDB_MAP_SIZE", "64MiB"),
    ];
    // The map cannot be reserved within the limit: the write fails before a page is written.
    let out = limited(
        8192,
        &vars,
        &["--db", db_arg, "transact", big.to_str().expect("utf-8")],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "no signal: {:?} {}",
        out.status,
        stderr(&out)
    );
    let message = stderr(&out);
    assert!(message.contains("file size limit"), "{message}");
    assert_eq!(count(&db), before);
    ok(run(&db, &["check"]));
    // Reading with a write map needs no reservation.
    let out = limited(
        1 << 22,
        &vars,
        &[
            "--db",
            db_arg,
            "query",
            "[:find (count ?e) . :where [?e :n]]",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_truncated_or_overwritten_data_file_is_refused_at_open() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, big) = setup(dir.path(), 0);
    ok(run(&db, &["transact", big.to_str().expect("utf-8")]));
    let data = db.join("data.mdb");
    let len = std::fs::metadata(&data).expect("data file").len();
    let half = len / 2;
    std::fs::OpenOptions::new()
        .write(true)
        .open(&data)
        .expect("open data file")
        .set_len(half)
        .expect("truncate");
    let message = fails(run(&db, &["query", "[:find ?e :where [?e :n 1]]"]));
    assert!(
        message.contains("truncated") && message.contains("restore"),
        "{message}"
    );
    // Also with a write map, which would extend the file: its length is left as found.
    let out = run_env(
        &db,
        ("DATOLITE_LMDB_WRITE_MAP", "true"),
        &["query", "[:find ?e :where [?e :n 1]]"],
    );
    assert!(fails(out).contains("truncated"));
    assert_eq!(std::fs::metadata(&data).expect("data file").len(), half);
    // An overwritten header is no LMDB file.
    std::fs::write(&data, vec![0x5a; 16384]).expect("overwrite");
    let message = fails(run(&db, &["stats"]));
    assert!(message.contains("not LMDB"), "{message}");
}

#[test]
fn the_memory_engine_refuses_a_directory_and_unknown_variables_are_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, _) = setup(dir.path(), 3);
    let out = run_env(&db, ("DATOLITE_ENGINE", "memory"), &["stats"]);
    let message = fails(out);
    assert!(
        message.contains("DATOLITE_ENGINE=memory") && message.contains("would not be used"),
        "{message}"
    );
    let out = run_env(&db, ("DATOLITE_LMDB_MAPSIZE", "1GiB"), &["stats"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: unknown variable DATOLITE_LMDB_MAPSIZE is ignored (did you mean DATOLITE_LMDB_MAP_SIZE?)"),
        "{}",
        stderr(&out)
    );
}
