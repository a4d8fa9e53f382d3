//! End-to-end tests of the `datolite` binary: every test runs the real executable against a
//! database in a temporary directory and checks its stdout, stderr and exit code.

use std::path::{Path, PathBuf};

use serde_json::Value as Json;
use tempfile::TempDir;

mod common;
use common::*;

const SCHEMA_AND_PEOPLE: &str = r#"[
 {:db/ident :user/email :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
 {:db/ident :user/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
 {:db/ident :user/age :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
 {:db/id "alice" :user/email "alice@example.com" :user/name "Alice" :user/age 34}
 {:db/id "bob" :user/email "bob@example.com" :user/name "Bob" :user/age 27}
]"#;

/// A temporary directory holding a database with the people above.
fn people_db() -> (TempDir, PathBuf) {
    let tmp = TempDir::new().expect("temp dir");
    let db = tmp.path().join("db");
    let tx = file(tmp.path(), "people.edn", SCHEMA_AND_PEOPLE);
    ok(run(&db, &["transact", tx.to_str().expect("utf-8 path")]));
    (tmp, db)
}

fn stats_json(db: &Path) -> Json {
    json(&ok(run(db, &["stats", "--format", "json"])))
}

/// The statistics row of attribute `ident`.
fn attribute<'a>(stats: &'a Json, ident: &str) -> Option<&'a Json> {
    stats["attributes"]
        .as_array()
        .expect("attributes array")
        .iter()
        .find(|row| row["ident"] == ident)
}

fn attr_count(stats: &Json, ident: &str) -> u64 {
    attribute(stats, ident).map_or(0, |row| row["count"].as_u64().expect("count"))
}

#[test]
fn transact_then_stats_json_shows_the_datoms() {
    let (_tmp, db) = people_db();
    let stats = stats_json(&db);
    assert_eq!(attr_count(&stats, ":user/name"), 2);
    assert_eq!(attr_count(&stats, ":user/email"), 2);
    let age = attribute(&stats, ":user/age").expect(":user/age row");
    assert_eq!(age["type"], "long");
    assert_eq!(age["min"], 27);
    assert_eq!(age["max"], 34);
    assert_eq!(
        attribute(&stats, ":user/email").expect("email row")["unique"],
        "identity"
    );
    assert!(stats["datoms"].as_u64().expect("datoms") > 6);
    assert_eq!(stats["basis_t"], 2);
}

#[test]
fn transact_prints_tx_and_tempids_as_json() {
    let tmp = TempDir::new().expect("temp dir");
    let db = tmp.path().join("db");
    let tx = file(tmp.path(), "people.edn", SCHEMA_AND_PEOPLE);
    let report = json(&ok(run(
        &db,
        &["transact", "--format", "json", tx.to_str().expect("utf-8")],
    )));
    assert_eq!(report["t"], 2);
    assert!(report["tx"].as_u64().is_some());
    assert!(report["tempids"]["alice"].as_u64().is_some());
    assert!(report["tempids"]["bob"].as_u64().is_some());
    // 3 attributes (ident, type, cardinality, +unique for email = 10 datoms), 2 people × 3, txInstant.
    assert_eq!(report["datoms"], 17);
}

#[test]
fn transact_reads_stdin() {
    let tmp = TempDir::new().expect("temp dir");
    let db = tmp.path().join("db");
    let output = run_with_stdin(
        &db,
        &["transact", "-"],
        br#"[{:db/id "x" :thing/label "from stdin"}]"#,
    );
    ok(output);
    assert_eq!(attr_count(&stats_json(&db), ":thing/label"), 1);
}

#[test]
fn scan_eavt_limit_prints_three_datoms() {
    let (_tmp, db) = people_db();
    let out = ok(run(&db, &["scan", "eavt", "--limit", "3"]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    for line in lines {
        assert!(line.starts_with('[') && line.ends_with(" true]"), "{line}");
        // The attribute prints as its ident.
        assert!(
            line.split_whitespace()
                .nth(1)
                .is_some_and(|a| a.starts_with(':')),
            "{line}"
        );
    }
}

#[test]
fn scan_entity_and_attribute_narrow_the_scan() {
    let (_tmp, db) = people_db();
    let out = ok(run(&db, &["scan", "aevt", "--attribute", ":user/name"]));
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(
        out.contains("\"Alice\"") && out.contains("\"Bob\""),
        "{out}"
    );
    let json_rows = json(&ok(run(
        &db,
        &[
            "scan",
            "aevt",
            "--attribute",
            ":user/age",
            "--format",
            "json",
        ],
    )));
    let rows = json_rows.as_array().expect("array");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][1], ":user/age");
    let entity = rows[0][0].as_u64().expect("entity id").to_string();
    let out = ok(run(&db, &["scan", "eavt", "--entity", &entity]));
    assert_eq!(out.lines().count(), 3, "{out}");
    let failed = run(&db, &["scan", "eavt", "--attribute", ":user/name"]);
    assert_eq!(failed.status.code(), Some(1));
    assert!(stderr(&failed).contains("--entity"), "{}", stderr(&failed));
    let unknown = run(&db, &["scan", "aevt", "--attribute", ":no/such"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        stderr(&unknown).contains("unknown attribute"),
        "{}",
        stderr(&unknown)
    );
}

/// JSON is compact, one document per line, unless `--pretty` indents it; both parse the same.
#[test]
fn json_is_compact_unless_pretty() {
    let (_tmp, db) = people_db();
    for args in [
        vec!["stats", "--format", "json"],
        vec!["scan", "eavt", "--format", "json"],
        vec![
            "query",
            "--format",
            "json",
            "[:find ?n ?a :where [?e :user/name ?n] [?e :user/age ?a]]",
        ],
        vec![
            "explain",
            "--format",
            "json",
            "[:find ?n :where [_ :user/name ?n]]",
        ],
        vec!["pull", ":user/name", "[*]", "--format", "json"],
        vec!["log", "--format", "json"],
    ] {
        let compact = ok(run(&db, &args));
        assert_eq!(compact.lines().count(), 1, "{args:?}: {compact}");
        let mut pretty_args = args.clone();
        pretty_args.push("--pretty");
        let pretty = ok(run(&db, &pretty_args));
        assert!(pretty.lines().count() > 1, "{args:?}: {pretty}");
        assert_eq!(json(&compact), json(&pretty), "{args:?}");
    }
}

/// `scan --entity` takes an id, a lookup ref or an ident, on the indexes and on the log; one
/// that names nothing is an error naming it.
#[test]
fn scan_entity_takes_ids_lookup_refs_and_idents() {
    let (_tmp, db) = people_db();
    let by_ref = ok(run(
        &db,
        &[
            "scan",
            "eavt",
            "--entity",
            r#"[:user/email "alice@example.com"]"#,
        ],
    ));
    assert_eq!(by_ref.lines().count(), 3, "{by_ref}");
    assert!(
        by_ref.contains("\"Alice\"") && !by_ref.contains("\"Bob\""),
        "{by_ref}"
    );
    let id = by_ref
        .split_whitespace()
        .next()
        .and_then(|w| w.strip_prefix('['))
        .expect("entity id")
        .to_string();
    assert_eq!(ok(run(&db, &["scan", "eavt", "--entity", &id])), by_ref);
    // The attribute :user/age is an entity too: by its ident.
    let ident = ok(run(&db, &["scan", "eavt", "--entity", ":user/age"]));
    assert!(ident.contains(":db/ident :user/age"), "{ident}");
    let log = ok(run(
        &db,
        &[
            "scan",
            "log",
            "--count",
            "--entity",
            r#"[:user/email "bob@example.com"]"#,
        ],
    ));
    assert_eq!(log.trim(), "3");
    for (entity, message) in [
        (r#"[:user/email "nobody@x"]"#, "matches no entity"),
        (":user/nobody", "unknown ident :user/nobody"),
        (r#""alice""#, "an entity is an id, an ident or a lookup ref"),
        ("[:user/email", "line 1, column 1"),
    ] {
        let failed = run(&db, &["scan", "eavt", "--entity", entity]);
        assert_eq!(failed.status.code(), Some(1), "{entity}");
        let text = stderr(&failed);
        assert!(
            text.contains("--entity") && text.contains(message),
            "{entity}: {text}"
        );
        assert!(!text.contains("pull:"), "{text}");
    }
}

#[test]
fn scan_log_prints_assertions_and_retractions_in_tx_order() {
    let (tmp, db) = people_db();
    let change = file(
        tmp.path(),
        "older.edn",
        r#"[[:db/add [:user/email "alice@example.com"] :user/age 35]]"#,
    );
    ok(run(&db, &["transact", change.to_str().expect("utf-8")]));
    let out = ok(run(&db, &["scan", "log"]));
    let txs: Vec<u64> = out
        .lines()
        .map(|line| {
            line.trim_end_matches(']')
                .split_whitespace()
                .rev()
                .nth(1)
                .and_then(|tx| tx.parse().ok())
                .expect("tx column")
        })
        .collect();
    assert!(
        txs.windows(2).all(|w| w[0] <= w[1]),
        "log out of order:\n{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.contains(":user/age 34") && l.ends_with(" false]")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.contains(":user/age 35") && l.ends_with(" true]")),
        "{out}"
    );
    let count: u64 = ok(run(&db, &["scan", "log", "--count"]))
        .trim()
        .parse()
        .expect("count");
    assert_eq!(count as usize, out.lines().count());
}

#[test]
fn log_prints_each_transaction_with_its_datoms() {
    let (tmp, db) = people_db();
    let change = file(
        tmp.path(),
        "older.edn",
        r#"[[:db/add [:user/email "alice@example.com"] :user/age 35]
            {:db/id "datomic.tx" :db/txInstant #inst "2031-05-01T12:00:00Z"}]"#,
    );
    ok(run(&db, &["transact", change.to_str().expect("utf-8")]));
    let text = ok(run(&db, &["log", "--format", "json"]));
    // The keys in the contract's order.
    let at = |key: &str| text.find(&format!("\"{key}\":")).expect(key);
    assert!(at("t") < at("tx") && at("tx") < at("instant") && at("instant") < at("datoms"));
    let all = json(&text);
    let all = all.as_array().expect("array of transactions");
    // The bootstrap, the people, the change.
    assert_eq!(all.len(), 3, "{all:?}");
    let ts: Vec<u64> = all.iter().map(|t| t["t"].as_u64().expect("t")).collect();
    assert_eq!(ts, vec![1, 2, 3]);
    let last = &all[2];
    assert_eq!(last["instant"], "2031-05-01T12:00:00.000Z");
    let datoms = last["datoms"].as_array().expect("datoms");
    let tx = last["tx"].as_u64().expect("tx");
    // The replaced age retracted, the new one asserted, the instant: all in this transaction.
    assert!(datoms.iter().all(|d| d[3] == tx), "{datoms:?}");
    assert!(datoms
        .iter()
        .any(|d| d[1] == ":user/age" && d[2] == 34 && d[4] == false));
    assert!(datoms
        .iter()
        .any(|d| d[1] == ":user/age" && d[2] == 35 && d[4] == true));
    // Bounds: a t, the transaction id, an instant — from inclusive, to exclusive.
    for from in [
        "3",
        &tx.to_string(),
        "2031-01-01",
        "#inst \"2031-05-01T12:00:00Z\"",
    ] {
        let only = json(&ok(run(&db, &["log", "--from", from, "--format", "json"])));
        assert_eq!(
            only.as_array().map(Vec::len),
            Some(1),
            "--from {from}: {only}"
        );
    }
    let before = json(&ok(run(&db, &["log", "--to", "3", "--format", "json"])));
    assert_eq!(before.as_array().map(Vec::len), Some(2));
    let edn = ok(run(&db, &["log", "--from", "3", "--format", "edn"]));
    assert!(edn.starts_with("{:t 3 :tx "), "{edn}");
    assert!(
        edn.contains(":user/age 34 ") && edn.contains(" false]"),
        "{edn}"
    );
    // A point that is none names itself and what was expected (a usage error: exit 2).
    for (bad, says) in [("yesterday", "instant"), ("17592186045418", "partition")] {
        let out = run(&db, &["log", "--from", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let err = stderr(&out);
        assert!(err.contains(bad) && err.contains(says), "{err}");
    }
}

#[test]
fn scan_aevt_count_matches_statistics() {
    let (_tmp, db) = people_db();
    let total = stats_json(&db)["datoms"].as_u64().expect("datoms");
    let count: u64 = ok(run(&db, &["scan", "aevt", "--count"]))
        .trim()
        .parse()
        .expect("count");
    assert_eq!(count, total);
    let eavt_lines = ok(run(&db, &["scan", "eavt"])).lines().count() as u64;
    assert_eq!(eavt_lines, total);
    let names: u64 = ok(run(
        &db,
        &["scan", "aevt", "--attribute", ":user/name", "--count"],
    ))
    .trim()
    .parse()
    .expect("count");
    assert_eq!(names, 2);
}

#[test]
fn scan_eavt_parallel_count_matches() {
    let (_tmp, db) = people_db();
    let total = stats_json(&db)["datoms"].as_u64().expect("datoms");
    let count: u64 = ok(run(&db, &["scan", "eavt", "--count", "--parallel", "2"]))
        .trim()
        .parse()
        .expect("count");
    assert_eq!(count, total);
    // Without --count, --parallel prints what the sequential scan prints.
    assert_eq!(
        ok(run(&db, &["scan", "eavt", "--parallel", "2"])),
        ok(run(&db, &["scan", "eavt"]))
    );
}

#[test]
fn import_of_a_multi_form_file() {
    let tmp = TempDir::new().expect("temp dir");
    let db = tmp.path().join("db");
    let data = file(
        tmp.path(),
        "items.edn",
        r#"; schema first, as one vector
[{:db/ident :item/sku :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
 {:db/ident :item/n :db/valueType :db.type/long :db/cardinality :db.cardinality/one}]
{:item/sku "a" :item/n 1}
{:item/sku "b" :item/n 2}
[{:item/sku "c" :item/n 3} {:item/sku "d" :item/n 4}]
[:db/add [:item/sku "a"] :item/n 10]
"#,
    );
    let report = json(&ok(run(
        &db,
        &[
            "import",
            "--batch",
            "2",
            "--format",
            "json",
            data.to_str().expect("utf-8"),
        ],
    )));
    assert_eq!(report["files"], 1);
    assert_eq!(report["ops"], 7);
    assert_eq!(report["transactions"], 4);
    assert_eq!(report["mode"], "append");
    assert!(report["datoms"].as_u64().expect("datoms") > 10);
    assert!(report["seconds"].is_number() && report["datoms_per_sec"].is_number());
    let stats = stats_json(&db);
    assert_eq!(attr_count(&stats, ":item/sku"), 4);
    assert_eq!(attr_count(&stats, ":item/n"), 4);
    assert_eq!(attribute(&stats, ":item/n").expect("row")["max"], 10);
}

#[test]
fn import_of_malformed_edn_writes_nothing() {
    let tmp = TempDir::new().expect("temp dir");
    let db = tmp.path().join("db");
    let data = file(
        tmp.path(),
        "broken.edn",
        "{:item/n 1}\n{:item/n 2}\n{:item/n 3}\n{:item/n 4}\n{:item/n 5}\n{:item/n 6 \"unclosed}\n",
    );
    let output = run(
        &db,
        &["import", "--batch", "2", data.to_str().expect("utf-8")],
    );
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("broken.edn"), "{err}");
    assert!(err.contains("line 6") && err.contains("column"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    // An import is one atomic write: the batches before the error are not kept either.
    assert_eq!(attr_count(&stats_json(&db), ":item/n"), 0);
}

#[test]
fn import_failure_in_a_batch_names_file_and_batch() {
    let tmp = TempDir::new().expect("temp dir");
    let db = tmp.path().join("db");
    let data = file(
        tmp.path(),
        "typed.edn",
        "[{:db/ident :item/n :db/valueType :db.type/long :db/cardinality :db.cardinality/one}]\n{:item/n 1}\n{:item/n \"two\"}\n",
    );
    let output = run(
        &db,
        &["import", "--batch", "1", data.to_str().expect("utf-8")],
    );
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains("typed.edn") && err.contains("batch 3") && err.contains("type mismatch"),
        "{err}"
    );
    assert_eq!(attr_count(&stats_json(&db), ":item/n"), 0);
}

#[test]
fn import_rejects_files_of_unknown_format() {
    let tmp = TempDir::new().expect("temp dir");
    let db = tmp.path().join("db");
    let text = file(tmp.path(), "rows.txt", "a,b\n1,2\n");
    let output = run(&db, &["import", text.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("rows.txt") && err.contains("--input"), "{err}");
    assert!(
        !db.exists(),
        "a rejected import must not create the database"
    );
}

#[test]
fn malformed_edn_to_transact_leaves_the_database_unchanged() {
    let (tmp, db) = people_db();
    let before = ok(run(&db, &["stats", "--format", "json"]));
    let bad = file(
        tmp.path(),
        "bad.edn",
        "[{:user/name \"Carol\"\n :user/age }",
    );
    let output = run(&db, &["transact", bad.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.starts_with("error: ") && err.contains("malformed EDN"),
        "{err}"
    );
    assert!(err.contains("line"), "{err}");
    assert_eq!(ok(run(&db, &["stats", "--format", "json"])), before);
}

#[test]
fn unknown_lookup_ref_is_an_error() {
    let (tmp, db) = people_db();
    let before = ok(run(&db, &["stats", "--format", "json"]));
    let tx = file(
        tmp.path(),
        "lookup.edn",
        r#"[[:db/add [:user/email "nobody@example.com"] :user/name "Nobody"]]"#,
    );
    let output = run(&db, &["transact", tx.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("lookup ref"),
        "{}",
        stderr(&output)
    );
    assert_eq!(ok(run(&db, &["stats", "--format", "json"])), before);
}

#[test]
fn type_mismatch_is_an_error() {
    let (tmp, db) = people_db();
    let before = ok(run(&db, &["stats", "--format", "json"]));
    let tx = file(
        tmp.path(),
        "age.edn",
        r#"[{:db/id "carol" :user/name "Carol" :user/age "old"}]"#,
    );
    let output = run(&db, &["transact", tx.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("type mismatch"),
        "{}",
        stderr(&output)
    );
    assert_eq!(ok(run(&db, &["stats", "--format", "json"])), before);
}

#[test]
fn db_pointing_at_a_regular_file_is_a_clear_error() {
    let tmp = TempDir::new().expect("temp dir");
    let not_a_dir = file(tmp.path(), "plain.txt", "hello");
    for args in [&["stats"][..], &["scan", "eavt"], &["transact", "-"]] {
        let output = run(&not_a_dir, args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&output).contains("not a directory"),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn reading_a_missing_database_fails_without_creating_it() {
    let tmp = TempDir::new().expect("temp dir");
    let db = tmp.path().join("nothing-here");
    let output = run(&db, &["stats"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("does not exist"),
        "{}",
        stderr(&output)
    );
    assert!(!db.exists());
}

#[test]
fn invalid_storage_variable_is_named_in_the_error() {
    let (_tmp, db) = people_db();
    let output = run_env(&db, ("DATOLITE_SCAN_BATCH_SIZE", "abc"), &["stats"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("DATOLITE_SCAN_BATCH_SIZE"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn db_from_environment_variable() {
    let (_tmp, db) = people_db();
    let output = datolite()
        .env("DATOLITE_DB", &db)
        .args(["scan", "aevt", "--count"])
        .output()
        .expect("run");
    assert!(ok(output).trim().parse::<u64>().expect("count") > 0);
}

#[test]
fn missing_db_is_a_clear_usage_error() {
    let output = datolite().args(["stats"]).output().expect("run");
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.contains("--db") && err.contains("DATOLITE_DB"), "{err}");
    // An empty variable counts as unset, like every DATOLITE_* variable.
    let output = datolite()
        .env("DATOLITE_DB", "")
        .args(["scan", "eavt"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("DATOLITE_DB"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn unknown_bench_is_a_usage_error() {
    let output = datolite().args(["bench", "nosuch"]).output().expect("run");
    assert_eq!(output.status.code(), Some(2));
}

/// Every command the demo suggests runs as printed: it starts with how to run this binary
/// again, and the rest succeeds — the `--with` preview included, whose file the demo wrote.
#[test]
fn demo_suggests_commands_that_run_as_printed() {
    let tmp = TempDir::new().expect("temp dir");
    let dir = tmp.path().join("demo");
    let dir_arg = dir.to_str().expect("utf-8");
    let text = ok(datolite()
        .args(["demo", "--dir", dir_arg, "--bars", "100"])
        .output()
        .expect("run"));
    // How the demo names this binary: `cargo run --` in a cargo `target/debug`, else its path.
    let exe = Path::new(env!("CARGO_BIN_EXE_datolite"));
    let in_target = exe
        .parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .is_some_and(|n| n == "target");
    let run = if in_target {
        "cargo run --".to_string()
    } else {
        exe.canonicalize().expect("binary").display().to_string()
    };
    let prefix = format!("{run} --db ");
    let commands: Vec<&str> = text
        .lines()
        .filter_map(|line| line.split_once(prefix.as_str()).map(|(_, rest)| rest))
        .collect();
    // Five "Try next" lines and four from the time section.
    assert_eq!(commands.len(), 9, "{text}");
    for command in commands {
        // The time section puts some commands in parentheses, one before a colon.
        let command = command.trim_end_matches([')', ':']);
        let mut words = shell_words(command);
        assert_eq!(
            words.first().map(String::as_str),
            Some(dir_arg),
            "{command}"
        );
        words.remove(0);
        if words.first().map(String::as_str) == Some("repl") {
            continue; // interactive; its stdin would be empty
        }
        let output = datolite()
            .arg("--db")
            .arg(&dir)
            .args(&words)
            .output()
            .expect("run");
        let out = ok(output);
        if command.contains("--with") {
            let preview = text
                .split("gives ")
                .nth(1)
                .and_then(|rest| rest.split(';').next())
                .expect("the preview's value");
            assert!(out.contains(preview), "{out} vs {preview}");
        }
    }
}

#[test]
fn demo_builds_then_reuses_a_small_database() {
    let tmp = TempDir::new().expect("temp dir");
    let dir = tmp.path().join("demo");
    let dir_arg = dir.to_str().expect("utf-8");
    let first = json(&ok(datolite()
        .args([
            "demo", "--dir", dir_arg, "--bars", "100", "--format", "json",
        ])
        .output()
        .expect("run")));
    assert_eq!(first["built"], true);
    assert_eq!(first["bars"], 100);
    assert_eq!(first["symbols"], 20);
    // The demo queries: name, query, timing, rows and the result as JSON.
    let queries = first["queries"].as_array().expect("queries");
    assert_eq!(queries.len(), 4, "{queries:?}");
    assert_eq!(queries[0]["name"], "bar_count");
    assert_eq!(queries[0]["result"], 100);
    assert!(queries
        .iter()
        .all(|q| q["ms"].is_number() && q["rows"].is_u64()));
    assert_eq!(queries[2]["result"], queries[3]["result"]);
    let datoms = first["datoms"].as_u64().expect("datoms");
    assert_eq!(first["scans"]["datoms"], datoms);
    for key in [
        "scan_decoded_ms",
        "scan_keys_only_ms",
        "count_ms",
        "count_attr_ms",
        "parallel_scan_ms",
        "raw_engine_scan_ms",
        "ratio_decoded_to_raw",
    ] {
        assert!(first["scans"][key].is_number(), "{key} missing: {first}");
    }
    assert!(first["attributes"]
        .as_array()
        .expect("attributes")
        .iter()
        .any(|a| a["ident"] == ":bar/close"));
    // Time: the correction the build ends with, read back as of before it, in history, and
    // previewed with `with` (nothing committed).
    let time = &first["time"];
    let (before, after) = (
        time["close_before"].as_f64().expect("before"),
        time["close_after"].as_f64().expect("after"),
    );
    assert!((after - before - 0.01).abs() < 1e-9, "{time}");
    let history = time["history"].as_array().expect("history");
    assert_eq!(history.len(), 3, "{time}");
    assert_eq!(history[1][0].as_f64(), Some(before));
    assert_eq!(history[1][2], false);
    assert_eq!(history[2][0].as_f64(), Some(after));
    assert!(time["with_preview"].as_f64().expect("preview") > after);
    assert_eq!(time["committed_after_with"].as_f64(), Some(after));
    let correction_t = time["correction_t"].as_u64().expect("t");
    let bar = time["bar"].as_u64().expect("bar").to_string();
    let close = "[:find ?c . :in $ ?b :where [?b :bar/close ?c]]";
    let as_of = (correction_t - 1).to_string();
    let then = ok(run(
        &dir,
        &["query", "--as-of", &as_of, "--format", "json", close, &bar],
    ));
    assert_eq!(json(&then).as_f64(), Some(before));

    let again = json(&ok(datolite()
        .args([
            "demo", "--dir", dir_arg, "--bars", "100", "--format", "json",
        ])
        .output()
        .expect("run")));
    assert_eq!(again["built"], false);
    assert_eq!(again["datoms"], datoms);

    // A different size is a different build: rebuilt, not appended to.
    let other = json(&ok(datolite()
        .args(["demo", "--dir", dir_arg, "--bars", "40", "--format", "json"])
        .output()
        .expect("run")));
    assert_eq!(other["built"], true);
    assert_eq!(other["bars"], 40);

    let table = ok(datolite()
        .args(["demo", "--dir", dir_arg, "--bars", "40", "--rebuild"])
        .output()
        .expect("run"));
    assert!(
        table.contains(":bar/close") && table.contains("raw lmdb scan"),
        "{table}"
    );

    // The demo database is an ordinary database.
    let count: u64 = ok(run(
        &dir,
        &["scan", "aevt", "--attribute", ":bar/close", "--count"],
    ))
    .trim()
    .parse()
    .expect("count");
    assert_eq!(count, 40);
}

#[test]
fn demo_refuses_a_directory_that_is_not_a_database() {
    let tmp = TempDir::new().expect("temp dir");
    file(tmp.path(), "precious.txt", "keep me");
    let output = datolite()
        .args(["demo", "--bars", "10", "--dir"])
        .arg(tmp.path())
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("precious.txt"),
        "{}",
        stderr(&output)
    );
    assert!(tmp.path().join("precious.txt").exists());
}

#[test]
fn bench_scan_json_has_every_key() {
    let output = datolite()
        .args([
            "bench", "scan", "--datoms", "2000", "--format", "json", "--runs", "1",
        ])
        .output()
        .expect("run");
    let report = json(&ok(output));
    for key in [
        "datoms",
        "load_ms",
        "scan_decoded_ms",
        "scan_keys_only_ms",
        "count_ms",
        "count_attr_ms",
        "parallel_scan_ms",
        "workers",
        "raw_engine_scan_ms",
        "load_datoms_per_sec",
        "peak_rss_anon_mb",
        "ratio_decoded_to_raw",
        "parallel_speedup",
        "lookup_ms",
        "reverse_ref_ms",
    ] {
        assert!(
            report[key].is_number(),
            "{key} missing or not a number: {report}"
        );
    }
    // 2,000 bench datoms plus the bootstrap schema, the bench schema and transaction instants.
    let datoms = report["datoms"].as_u64().expect("datoms");
    assert!(datoms >= 2000);
    assert_eq!(report["count_attribute_datoms"], 400);
    // The selective queries find the middle entity (its value is unique at this size) and the
    // one entity that refers to it.
    assert_eq!(report["lookup_rows"], 1, "{report}");
    assert_eq!(report["reverse_ref_rows"], 1, "{report}");
    // Time per datom, so growth across sizes shows: each is its scan's time over the datoms.
    for scan in [
        "scan_decoded",
        "scan_keys_only",
        "parallel_scan",
        "raw_engine_scan",
    ] {
        let ms = report[format!("{scan}_ms")].as_f64().expect("ms");
        let ns = report[format!("{scan}_ns_per_datom")]
            .as_f64()
            .expect("ns per datom");
        // The ms are rounded to a microsecond: allow for that.
        assert!(
            (ns - ms * 1e6 / datoms as f64).abs() <= 0.0005 * 1e6 / datoms as f64 + 0.001,
            "{scan}: {ns} ns/datom from {ms} ms over {datoms} datoms"
        );
    }
}

/// `bench ablation` at a tiny size: every optimization off and on with consistent ratios, the
/// engines (RocksDB marked as not built unless this binary has it) and the durability modes.
#[test]
fn bench_ablation_json_reports_each_optimization_the_engines_and_durability() {
    let output = datolite()
        .args([
            "bench", "ablation", "--datoms", "2000", "--runs", "1", "--format", "json",
        ])
        .output()
        .expect("run");
    let report = json(&ok(output));
    assert!(report["datoms"].as_u64().unwrap_or(0) >= 2000, "{report}");
    let names: Vec<&str> = report["ablations"]
        .as_array()
        .expect("ablations")
        .iter()
        .map(|row| {
            let (off, on) = (
                row["off_ms"].as_f64().expect("off"),
                row["on_ms"].as_f64().expect("on"),
            );
            let speedup = row["speedup"].as_f64().expect("speedup");
            // Both times are rounded to a microsecond: compare where that is negligible.
            if on >= 0.1 {
                assert!((speedup - off / on).abs() <= 0.02 * speedup, "{row}");
            }
            row["name"].as_str().expect("name")
        })
        .collect();
    assert_eq!(
        names,
        [
            "scan batch (prefetch)",
            "key-only scan",
            "statistics count",
            "parallel scan",
            "LMDB readahead (cold cache)",
            "all together"
        ]
    );
    let engines = report["engines"].as_array().expect("engines");
    let built: Vec<(&str, bool)> = engines
        .iter()
        .map(|row| {
            (
                row["engine"].as_str().expect("engine"),
                row["built"] == true,
            )
        })
        .collect();
    assert_eq!(
        built,
        [
            ("lmdb", true),
            ("rocksdb", cfg!(feature = "rocksdb")),
            ("memory", true)
        ]
    );
    for row in engines.iter().filter(|row| row["built"] == true) {
        assert!(row["load_ms"].as_f64().unwrap_or(0.0) > 0.0, "{row}");
        assert!(
            row["bytes_per_datom"].as_f64().unwrap_or(0.0) > 0.0,
            "{row}"
        );
    }
    let modes: Vec<&str> = report["durability"]
        .as_array()
        .expect("durability")
        .iter()
        .filter(|row| row["engine"] == "lmdb")
        .map(|row| row["sync"].as_str().expect("sync"))
        .collect();
    assert_eq!(modes, ["full", "meta-async", "none"]);
}

/// `bench ohlc --size small`'s symbols (the size's definition in `bench_ohlc.rs` and the
/// README: 10 symbols × 30 days of hourly bars).
const OHLC_SMALL_SYMBOLS: u64 = 10;
/// `bench ohlc --size small`'s days of hourly bars, from 2024-01-01 on.
const OHLC_SMALL_DAYS: u64 = 30;

/// `bench ohlc --size small`: every key, no empty answer, and the answers the size implies.
#[test]
fn bench_ohlc_json_has_every_key_and_plausible_answers() {
    let output = datolite()
        .args([
            "bench", "ohlc", "--size", "small", "--runs", "1", "--format", "json",
        ])
        .output()
        .expect("run");
    let report = json(&ok(output));
    assert_eq!(report["size"], "small", "{report}");
    for key in ["symbols", "bars", "datoms", "load_ms"] {
        assert!(
            report[key].is_number(),
            "{key} missing or not a number: {report}"
        );
    }
    for query in [
        "latest_close",
        "daily_high_low",
        "range_filter",
        "count_per_symbol",
    ] {
        assert!(
            report[format!("{query}_ms")].is_number(),
            "{query}_ms missing: {report}"
        );
        let rows = report[format!("{query}_rows")].as_u64().unwrap_or(0);
        assert!(rows > 0, "{query}_rows missing or 0: {report}");
    }
    // The answers, from the size's definition: one bar per symbol per hour, so one count and
    // one latest close per symbol, and a high/low per symbol for each day of January the data
    // covers (all 30).
    let (symbols, days) = (OHLC_SMALL_SYMBOLS, OHLC_SMALL_DAYS);
    assert_eq!(report["symbols"], symbols, "{report}");
    assert_eq!(report["bars"], symbols * days * 24, "{report}");
    assert_eq!(report["count_per_symbol_rows"], symbols, "{report}");
    assert_eq!(report["latest_close_rows"], symbols, "{report}");
    assert_eq!(report["daily_high_low_rows"], symbols * days, "{report}");
    // A bar in the week filtered is one of 7 × 24 per symbol.
    let range_rows = report["range_filter_rows"].as_u64().unwrap_or(0);
    assert!(range_rows <= symbols * 7 * 24, "{report}");
    // Seven datoms a bar and a ticker a symbol, plus the schema and transaction instants.
    let datoms = report["datoms"].as_u64().unwrap_or(0);
    assert!(datoms > 7 * symbols * days * 24 + symbols, "{report}");
    assert!(datoms < 7 * symbols * days * 24 + symbols + 100, "{report}");
}

/// A size `bench ohlc` does not know is refused by the argument parser (exit 2).
#[test]
fn bench_ohlc_unknown_size_is_a_usage_error() {
    let output = datolite()
        .args(["bench", "ohlc", "--size", "huge"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("huge"), "{}", stderr(&output));
}

/// `bench import` at a tiny size: every key, the tables within the file, the ratio its own.
#[test]
fn bench_import_json_has_every_key() {
    let output = datolite()
        .args(["bench", "import", "--datoms", "2000", "--format", "json"])
        .output()
        .expect("run");
    let report = json(&ok(output));
    for key in [
        "datoms",
        "transactions",
        "import_ms",
        "datoms_per_sec",
        "raw_append_ms",
        "ratio_to_raw",
        "peak_rss_anon_mb",
        "bytes_per_datom",
        "spilled_runs",
    ] {
        assert!(report[key].is_number(), "{key} missing: {report}");
    }
    assert!(report["datoms"].as_u64().expect("datoms") >= 2000);
    let ratio =
        report["import_ms"].as_f64().expect("ms") / report["raw_append_ms"].as_f64().expect("ms");
    assert!((report["ratio_to_raw"].as_f64().expect("ratio") - ratio).abs() < 0.01 * ratio + 0.01);
    let tables = report["bytes_per_datom_by_table"]
        .as_array()
        .expect("tables");
    let sum: f64 = tables.iter().filter_map(|t| t[1].as_f64()).sum();
    let total = report["bytes_per_datom"].as_f64().expect("bytes");
    // The tables' pages are part of the file, which also holds LMDB's meta and free pages.
    assert!(
        sum > 0.0 && sum <= total + 0.01,
        "tables {sum} vs the file {total}"
    );
}

/// `bench time` at a tiny size: the three views' scans, the queries, the history's bytes.
#[test]
fn bench_time_json_has_every_key() {
    let output = datolite()
        .args([
            "bench", "time", "--datoms", "2000", "--runs", "1", "--format", "json",
        ])
        .output()
        .expect("run");
    let report = json(&ok(output));
    for key in [
        "datoms",
        "retracted",
        "replace_ms",
        "history_bytes",
        "history_bytes_per_retracted",
        "ratio_history_rate_to_current",
        "ratio_as_of_rate_to_current",
    ] {
        assert!(report[key].is_number(), "{key} missing: {report}");
    }
    let scans = report["scans"].as_array().expect("scans");
    let views: Vec<&str> = scans.iter().filter_map(|s| s["view"].as_str()).collect();
    assert_eq!(views, ["current", "as of before", "history"]);
    // The history holds every current datom's assertion plus each retraction and what it retracted.
    let datoms = |i: usize| scans[i]["datoms"].as_u64().expect("datoms");
    let retracted = report["retracted"].as_u64().expect("retracted");
    assert!(retracted > 0);
    assert!(datoms(2) >= datoms(0) + retracted, "{report}");
    let queries = report["queries"].as_array().expect("queries");
    assert!(!queries.is_empty());
    for q in queries {
        assert!(
            q["current_ms"].is_number() && q["as_of_ms"].is_number(),
            "{q}"
        );
    }
}

/// `bench parallel` at a tiny size: every trial taken apart, the spreads over the trials.
#[test]
fn bench_parallel_json_takes_every_trial_apart() {
    let output = datolite()
        .args([
            "bench", "parallel", "--datoms", "2000", "--trials", "3", "--format", "json",
        ])
        .output()
        .expect("run");
    let report = json(&ok(output));
    let workers = report["workers"].as_u64().expect("workers");
    assert!(workers >= 2, "{report}");
    let parts = report["part_sizes"].as_array().expect("part sizes");
    let keys: u64 = parts.iter().filter_map(Json::as_u64).sum();
    assert_eq!(keys, report["datoms"].as_u64().expect("datoms"));
    let trials = report["trials"].as_array().expect("trials");
    assert_eq!(trials.len(), 3);
    for trial in trials {
        let one = &trial["one"];
        let all = &trial["all"];
        assert_eq!(one["threads"], 1, "{trial}");
        let threads = all["threads"].as_u64().expect("threads");
        assert!((1..=workers).contains(&threads), "{trial}");
        let (w1, wn) = (
            one["wall_ms"].as_f64().expect("ms"),
            all["wall_ms"].as_f64().expect("ms"),
        );
        let speedup = trial["speedup"].as_f64().expect("speedup");
        assert!(
            (speedup - w1 / wn).abs() < 0.01 * speedup + 0.002,
            "{trial}"
        );
        for key in ["cpu_ms", "preempted_ms", "start_ms", "imbalance_ms"] {
            let v = all[key].as_f64().expect(key);
            assert!(
                v >= 0.0 && v <= wn + 0.01,
                "{key} outside the fold's wall time: {trial}"
            );
        }
        assert!(trial["cores_speedup"].as_f64().expect("cores") > 0.0);
    }
    for key in ["speedup", "inflation", "cores_speedup"] {
        let s = &report[key];
        let (min, median, max) = (s["min"].as_f64(), s["median"].as_f64(), s["max"].as_f64());
        assert!(min <= median && median <= max, "{key}: {s}");
    }
}

/// `bench report` at a tiny size: it runs each benchmark as a command it lists, keeps every
/// command's JSON, draws the charts, and the README's numbers are the JSON's.
#[test]
fn bench_report_writes_the_readme_the_charts_and_every_output() {
    let tmp = TempDir::new().expect("tmp");
    let out = tmp.path().join("report");
    let out_arg = out.to_str().expect("utf-8 path");
    let output = datolite()
        .args([
            "bench",
            "report",
            "--out",
            out_arg,
            "--sizes",
            "2000",
            "--runs",
            "1",
            "--ohlc",
            "small",
            "--tune-datoms",
            "2000",
        ])
        .output()
        .expect("run");
    ok(output);
    let readme = std::fs::read_to_string(out.join("README.md")).expect("README.md");
    for chart in [
        "scan-rate.svg",
        "selective.svg",
        "load-rate.svg",
        "ablation.svg",
        "ohlc.svg",
    ] {
        let svg = std::fs::read_to_string(out.join(chart)).expect("chart");
        assert!(svg.starts_with("<svg"), "{chart} is not an SVG");
        assert!(
            readme.contains(&format!("]({chart})")),
            "{chart} not linked"
        );
    }
    // Every output is listed with the command that printed it, and parses.
    let data: Vec<_> = std::fs::read_dir(out.join("data"))
        .expect("data/")
        .map(|e| e.expect("entry").file_name().into_string().expect("name"))
        .collect();
    for name in [
        "scan-lmdb-2000.json",
        "ablation-2000.json",
        "import-2000.json",
        "parallel-2000.json",
        "ohlc-small.json",
        "tune.json",
    ] {
        assert!(data.iter().any(|d| d == name), "{name} missing: {data:?}");
        let text = std::fs::read_to_string(out.join("data").join(name)).expect("output");
        json(&text);
        assert!(
            readme.contains(&format!("(data/{name})")),
            "{name} not listed"
        );
    }
    assert!(readme.contains(
        "`DATOLITE_ENGINE=lmdb datolite bench scan --datoms 2000 --runs 1 --format json`"
    ));
    // The scan table shows the scan's own numbers.
    let scan = json(&std::fs::read_to_string(out.join("data/scan-lmdb-2000.json")).expect("scan"));
    let ratio = scan["ratio_decoded_to_raw"].as_f64().expect("ratio");
    assert!(
        readme.contains(&format!(
            "decoded scan ÷ raw lmdb cursor at {} datoms",
            thousands(&scan)
        )),
        "{readme}"
    );
    assert!(
        readme.contains(&format!("{ratio:.2}×")) || ratio >= 100.0,
        "{readme}"
    );
    let tune = json(&std::fs::read_to_string(out.join("data/tune.json")).expect("tune"));
    for line in tune["env_lines"].as_array().expect("env_lines") {
        assert!(
            readme.contains(line.as_str().expect("line")),
            "{line} missing"
        );
    }
}

/// `12,345` for a report's `datoms`.
fn thousands(report: &Json) -> String {
    let digits = report["datoms"].as_u64().expect("datoms").to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A benchmark that fails inside `bench report` stops it with the failing command named.
#[test]
fn bench_report_names_a_failing_command() {
    let tmp = TempDir::new().expect("tmp");
    let output = datolite()
        .env("DATOLITE_SCAN_BATCH_SIZE", "many")
        .args([
            "bench",
            "report",
            "--out",
            tmp.path().join("r").to_str().expect("utf-8"),
            "--sizes",
            "1000",
        ])
        .output()
        .expect("run");
    let message = fails(output);
    assert!(message.contains("bench scan --datoms 1000"), "{message}");
    assert!(message.contains("DATOLITE_SCAN_BATCH_SIZE"), "{message}");
    assert!(!tmp.path().join("r/README.md").exists());
}

#[test]
fn check_backup_and_restore_round_trip() {
    let (tmp, db) = people_db();
    let report = json(&ok(run(&db, &["check", "--format", "json"])));
    assert_eq!(report["clean"], true, "{report}");
    assert_eq!(report["problems"].as_array().map(Vec::len), Some(0));
    assert!(report["datoms"].as_u64().unwrap_or(0) > 0, "{report}");
    let backup = tmp.path().join("backup");
    let out = ok(run(&db, &["backup", backup.to_str().expect("utf-8 path")]));
    assert!(out.contains("backed up to"), "{out}");
    // Restoring writes a new directory, checked first; the copy answers like the original.
    let restored = tmp.path().join("restored");
    ok(run(
        &restored,
        &["restore", backup.to_str().expect("utf-8 path")],
    ));
    ok(run(&restored, &["check", "--repair-stats"]));
    let names = "[:find [?n ...] :where [_ :user/name ?n]]";
    assert_eq!(
        ok(run(&restored, &["query", "--format", "json", names])),
        ok(run(&db, &["query", "--format", "json", names]))
    );
    // Existing destinations are refused with the reason; nothing is overwritten.
    let err = fails(run(&db, &["backup", backup.to_str().expect("utf-8 path")]));
    assert!(err.contains("already exists"), "{err}");
    let err = fails(run(
        &restored,
        &["restore", backup.to_str().expect("utf-8 path")],
    ));
    assert!(err.contains("already exists"), "{err}");
    // A directory that is no backup is not restored.
    let err = fails(run(
        &tmp.path().join("other"),
        &[
            "restore",
            tmp.path().join("nothing").to_str().expect("utf-8 path"),
        ],
    ));
    assert!(err.contains("nothing"), "{err}");
    assert!(!tmp.path().join("other").exists());
}

#[test]
fn bench_tx_json_has_every_key() {
    let output = datolite()
        .args([
            "bench",
            "tx",
            "--threads",
            "4",
            "--seconds",
            "0.3",
            "--format",
            "json",
        ])
        .output()
        .expect("run");
    let report = json(&ok(output));
    for key in [
        "threads",
        "seconds",
        "transactions",
        "tx_per_sec",
        "p50_ms",
        "p99_ms",
        "commits",
        "tx_per_commit",
        "sync",
    ] {
        assert!(report.get(key).is_some(), "missing {key}: {report}");
    }
    let transactions = report["transactions"].as_u64().unwrap_or(0);
    let commits = report["commits"].as_u64().unwrap_or(0);
    assert!(
        transactions > 0 && commits > 0 && commits <= transactions,
        "{report}"
    );
    let err = fails(
        datolite()
            .args(["bench", "tx", "--seconds", "0"])
            .output()
            .expect("run"),
    );
    assert!(err.contains("--seconds"), "{err}");
}

/// `tune`: every knob with its measurements, the fastest candidate recommended (durability
/// kept), lines that the binary accepts, and a `--db` database timed but left as it was.
#[test]
fn tune_recommends_the_measured_fastest_and_its_lines_apply() {
    let (tmp, db) = people_db();
    let db_str = db.to_str().expect("utf-8 path");
    let before = ok(run(&db, &["log", "--format", "json"]));
    let report = json(&ok(datolite()
        .args([
            "--db", db_str, "tune", "--datoms", "2000", "--runs", "1", "--format", "json",
        ])
        .output()
        .expect("run tune")));
    let choices = report["choices"].as_array().expect("choices");
    let knobs: Vec<&str> = choices
        .iter()
        .map(|c| c["knob"].as_str().expect("knob"))
        .collect();
    assert_eq!(
        knobs,
        [
            "profile",
            "scan batch size",
            "parallel workers",
            "LMDB readahead off",
            "sync",
            "engine"
        ]
    );
    for choice in choices {
        let candidates = choice["candidates"].as_array().expect("candidates");
        let recommended = choice["recommended"].as_str().expect("recommended");
        match choice["knob"].as_str() {
            Some("sync") => assert_eq!(recommended, "full", "{choice}"),
            Some("profile") => assert!(candidates.is_empty()),
            _ => {
                let fastest = candidates
                    .iter()
                    .min_by(|a, b| {
                        let ms = |c: &&Json| c["ms"].as_f64().expect("ms");
                        ms(a).total_cmp(&ms(b))
                    })
                    .expect("a candidate");
                assert_eq!(fastest["value"], recommended, "{choice}");
            }
        }
    }
    // Batch size and workers were timed on the database given, which is unchanged.
    assert!(choices[1]["measured_on"]
        .as_str()
        .is_some_and(|on| on.contains(db_str)));
    assert_eq!(ok(run(&db, &["log", "--format", "json"])), before);
    // The lines apply: the binary accepts every variable they set.
    let mut command = datolite();
    for line in report["env_lines"].as_array().expect("env lines") {
        let line = line.as_str().expect("line");
        let (name, value) = line
            .strip_prefix("export ")
            .and_then(|assignment| assignment.split_once('='))
            .expect("export NAME=value");
        command.env(name, value);
    }
    let out = command
        .arg("--db")
        .arg(tmp.path().join("tuned"))
        .args(["transact", "-"])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run with the tuned variables");
    assert!(
        !stderr(&out).contains("DATOLITE_"),
        "a tuned variable was rejected: {}",
        stderr(&out)
    );
}
