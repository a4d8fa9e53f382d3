//! End-to-end tests of the RocksDB engine through the real binary (builds with the `rocksdb`
//! feature): a database made with `DATOLITE_ENGINE=rocksdb` answers like an LMDB one, reopens
//! with its own engine, is refused to a second process and to the wrong engine with a message
//! that says why, and backs up and restores.
#![cfg(feature = "rocksdb")]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::Stdio;

use tempfile::TempDir;

mod common;
use common::*;

const PEOPLE: &str = r#"[
 {:db/ident :user/email :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
 {:db/ident :user/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
 {:db/ident :user/friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
 {:db/id "alice" :user/email "alice@example.com" :user/name "Alice" :user/friend "bob"}
 {:db/id "bob" :user/email "bob@example.com" :user/name "Bob"}
 {:db/id "carol" :user/email "carol@example.com" :user/name "Carol" :user/friend ["alice" "bob"]}
]"#;

const FRIENDS: &str =
    "[:find ?n ?f :where [?p :user/name ?n] [?p :user/friend ?q] [?q :user/name ?f]]";

/// The same people loaded into a RocksDB database and an LMDB one.
fn both(tmp: &TempDir) -> (std::path::PathBuf, std::path::PathBuf) {
    let tx = file(tmp.path(), "people.edn", PEOPLE);
    let tx = tx.to_str().expect("utf-8 path");
    let rocks = tmp.path().join("rocks");
    let lmdb = tmp.path().join("lmdb");
    ok(run_env(
        &rocks,
        ("DATOLITE_ENGINE", "rocksdb"),
        &["transact", tx],
    ));
    ok(run(&lmdb, &["transact", tx]));
    (rocks, lmdb)
}

fn query(db: &Path, q: &str) -> String {
    ok(run(db, &["query", "--format", "json", q]))
}

#[test]
fn a_rocksdb_database_answers_like_an_lmdb_one_and_reopens_with_its_engine() {
    let tmp = TempDir::new().expect("temp dir");
    let (rocks, lmdb) = both(&tmp);
    assert!(rocks.join("CURRENT").exists() && !rocks.join("data.mdb").exists());
    // No DATOLITE_ENGINE: the directory's own engine is used.
    let answer = query(&rocks, FRIENDS);
    assert_eq!(answer, query(&lmdb, FRIENDS));
    assert!(answer.contains("Carol"), "{answer}");
    let check = json(&ok(run(&rocks, &["check", "--format", "json"])));
    assert_eq!(check["clean"], true, "{check}");
    // A retraction and the history: the time views work on RocksDB too.
    let retract = file(
        tmp.path(),
        "retract.edn",
        r#"[[:db/retract [:user/email "carol@example.com"] :user/friend [:user/email "bob@example.com"]]]"#,
    );
    for db in [&rocks, &lmdb] {
        ok(run(
            db,
            &["transact", retract.to_str().expect("utf-8 path")],
        ));
    }
    assert_eq!(query(&rocks, FRIENDS), query(&lmdb, FRIENDS));
    let history = "[:find ?f ?added :where [?p :user/name \"Carol\"] [?p :user/friend ?q ?t ?added] [?q :user/name ?f]]";
    let h = ok(run(
        &rocks,
        &["query", "--history", "--format", "json", history],
    ));
    assert_eq!(
        h,
        ok(run(
            &lmdb,
            &["query", "--history", "--format", "json", history]
        ))
    );
}

#[test]
fn the_wrong_engine_and_a_second_process_are_refused_with_the_reason() {
    let tmp = TempDir::new().expect("temp dir");
    let (rocks, lmdb) = both(&tmp);
    let err = fails(run_env(&rocks, ("DATOLITE_ENGINE", "lmdb"), &["stats"]));
    assert!(
        err.contains("holds a rocksdb database") && err.contains("DATOLITE_ENGINE=rocksdb"),
        "{err}"
    );
    let err = fails(run_env(&lmdb, ("DATOLITE_ENGINE", "rocksdb"), &["stats"]));
    assert!(err.contains("holds a lmdb database"), "{err}");
    // A REPL keeps the database open; a second process cannot open it meanwhile.
    let mut repl = datolite()
        .arg("--db")
        .arg(&rocks)
        .arg("repl")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn repl");
    let mut input = repl.stdin.take().expect("repl stdin");
    writeln!(input, "[:find (count ?p) . :where [?p :user/name]]").expect("write to repl");
    input.flush().expect("flush repl stdin");
    // Once the REPL answers, it holds the database.
    let mut answer = String::new();
    BufReader::new(repl.stdout.take().expect("repl stdout"))
        .read_line(&mut answer)
        .expect("read the repl's answer");
    assert!(answer.contains('3'), "the REPL answered {answer:?}");
    let err = fails(run(&rocks, &["stats"]));
    assert!(err.contains("another process has it open"), "{err}");
    drop(input);
    assert!(repl.wait().expect("repl exits").success());
    // Closed again: the database opens.
    ok(run(&rocks, &["stats"]));
}

#[test]
fn backup_and_restore_keep_the_engine() {
    let tmp = TempDir::new().expect("temp dir");
    let (rocks, _) = both(&tmp);
    let backup = tmp.path().join("backup");
    ok(run(
        &rocks,
        &["backup", backup.to_str().expect("utf-8 path")],
    ));
    assert!(backup.join("CURRENT").exists());
    let restored = tmp.path().join("restored");
    ok(run(
        &restored,
        &["restore", backup.to_str().expect("utf-8 path")],
    ));
    assert!(restored.join("CURRENT").exists());
    assert_eq!(query(&restored, FRIENDS), query(&rocks, FRIENDS));
}

#[test]
fn ablation_and_tune_measure_rocksdb_beside_lmdb() {
    let report = json(&ok(datolite()
        .args([
            "bench", "ablation", "--datoms", "2000", "--runs", "1", "--format", "json",
        ])
        .output()
        .expect("run bench ablation")));
    let rocks = report["engines"]
        .as_array()
        .expect("engines")
        .iter()
        .find(|row| row["engine"] == "rocksdb")
        .expect("a rocksdb row");
    assert_eq!(rocks["built"], true, "{rocks}");
    assert!(rocks["load_ms"].as_f64().unwrap_or(0.0) > 0.0, "{rocks}");
    let modes = report["durability"]
        .as_array()
        .expect("durability")
        .iter()
        .filter(|row| row["engine"] == "rocksdb")
        .count();
    assert_eq!(modes, 3, "{report}");
    let tune = json(&ok(datolite()
        .args([
            "tune", "--datoms", "2000", "--runs", "1", "--format", "json",
        ])
        .output()
        .expect("run tune")));
    let engine = tune["choices"]
        .as_array()
        .expect("choices")
        .iter()
        .find(|c| c["knob"] == "engine")
        .expect("engine choice");
    let tried: Vec<&str> = engine["candidates"]
        .as_array()
        .expect("candidates")
        .iter()
        .map(|c| c["value"].as_str().expect("value"))
        .collect();
    assert_eq!(tried, ["lmdb", "rocksdb"]);
}
