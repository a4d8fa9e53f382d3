//! One `--format table|edn|json` convention: every command that prints data takes the three, a
//! format it does not know is a usage error naming it; tables stream and escape control
//! characters; `scan --parallel N` prints what the sequential scan prints.

use std::path::{Path, PathBuf};

use datolite_edn::Edn;
use serde_json::Value as Json;
use tempfile::TempDir;

mod common;
use common::*;

const SCHEMA_AND_PEOPLE: &str = r#"[
 {:db/ident :user/email :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
 {:db/ident :user/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
 {:db/ident :user/age :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
 {:db/ident :user/friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
 {:db/id "alice" :user/email "alice@example.com" :user/name "Alice" :user/age 34}
 {:db/id "bob" :user/email "bob@example.com" :user/name "Bob\nthe\tbuilder\u001b[31m" :user/age 27 :user/friend "alice"}
]"#;

/// A temporary directory holding a database with the people above, and the tx file.
fn people_db() -> (TempDir, PathBuf, PathBuf) {
    let tmp = TempDir::new().expect("temp dir");
    let db = tmp.path().join("db");
    let tx = file(tmp.path(), "people.edn", SCHEMA_AND_PEOPLE);
    ok(run(&db, &["transact", tx.to_str().expect("utf-8 path")]));
    (tmp, db, tx)
}

/// Parses EDN output.
fn edn(text: &str) -> Edn {
    datolite_edn::parse(text).unwrap_or_else(|e| panic!("not EDN ({e}): {text}"))
}

/// The value of keyword `key` in EDN map `map`.
fn get<'a>(map: &'a Edn, key: &str) -> &'a Edn {
    let Edn::Map(pairs) = map else {
        panic!("not a map: {map}")
    };
    pairs
        .iter()
        .find(|(k, _)| matches!(k, Edn::Keyword(_)) && k.to_string() == key)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no {key} in {map}"))
}

/// Whether EDN `e` is JSON `j` with keyword keys: a report's EDN keeps its JSON's shape (the
/// two come from separate runs).
fn same_shape(j: &Json, e: &Edn) -> bool {
    match (j, e) {
        (Json::Null, Edn::Nil) => true,
        (Json::Bool(a), Edn::Bool(b)) => a == b,
        // Numbers by kind only: timings differ from one run to the next.
        (Json::Number(n), Edn::Long(_) | Edn::BigInt(_)) => !n.is_f64(),
        (Json::Number(n), Edn::Double(_)) => n.is_f64(),
        (Json::String(a), Edn::String(b)) => a == b,
        (Json::Array(a), Edn::Vector(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_shape(x, y))
        }
        // By key: `serde_json::Value` sorts the keys the output keeps in order.
        (Json::Object(a), Edn::Map(b)) => {
            a.len() == b.len()
                && b.iter().all(|(key, y)| {
                    let key_text = match key {
                        Edn::String(s) => s.clone(),
                        other => other.to_string().trim_start_matches(':').to_string(),
                    };
                    let x = a.get(&key_text).or_else(|| a.get(&format!(":{key_text}")));
                    x.is_some_and(|x| same_shape(x, y))
                })
        }
        _ => false,
    }
}

/// Runs `args` with each format; checks the table is text, the JSON parses and the EDN parses
/// (`scan` prints one EDN form per datom: the first one is returned). Returns the JSON and EDN
/// outputs.
fn three_formats(db: &Path, args: &[&str]) -> (Json, Edn) {
    let with = |format: &str| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--format", format]);
        ok(run(db, &all))
    };
    let table = with("table");
    assert!(!table.trim().is_empty(), "{args:?}: empty table");
    let edn_text = with("edn");
    let forms = datolite_edn::parse_all(&edn_text)
        .unwrap_or_else(|e| panic!("{args:?}: not EDN ({e}): {edn_text}"));
    assert!(!forms.is_empty(), "{args:?}: no EDN");
    (json(&with("json")), forms[0].clone())
}

/// Reports (stats, check, explain, transact, import, bench, tune): EDN is the JSON with keyword
/// keys, and the table runs too.
#[test]
fn reports_print_table_edn_and_json_of_one_shape() {
    let (tmp, db, _) = people_db();
    let more = file(
        tmp.path(),
        "more.edn",
        r#"[{:user/email "cy@example.com" :user/name "Cy"}]"#,
    );
    let more = more.to_str().expect("utf-8 path");
    let query = "[:find ?n :where [_ :user/name ?n]]";
    let reports: Vec<Vec<&str>> = vec![
        vec!["stats"],
        vec!["check"],
        vec!["explain", query],
        vec!["explain", "--analyze", query],
        vec!["bench", "query", "--runs", "1", query],
    ];
    for args in &reports {
        let (j, e) = three_formats(&db, args);
        assert!(same_shape(&j, &e), "{args:?}:\n{j}\n{e}");
    }
    let (stats, stats_edn) = three_formats(&db, &["stats"]);
    assert_eq!(
        get(&stats_edn, ":datoms"),
        &Edn::Long(stats["datoms"].as_i64().expect("datoms"))
    );
    // Writes: each format on its own transaction.
    for format in ["table", "edn", "json"] {
        ok(run(&db, &["transact", more, "--format", format]));
        ok(run(&db, &["import", more, "--format", format]));
    }
    let tx_json = json(&ok(run(&db, &["transact", more, "--format", "json"])));
    let tx_edn = edn(&ok(run(&db, &["transact", more, "--format", "edn"])));
    assert!(same_shape(&tx_json["datoms"], get(&tx_edn, ":datoms")));
    let import_edn = edn(&ok(run(&db, &["import", more, "--format", "edn"])));
    assert!(
        matches!(get(&import_edn, ":datoms"), Edn::Long(_)),
        "{import_edn}"
    );
    // A benchmark on its own temporary database.
    let bench = datolite()
        .args([
            "bench", "scan", "--datoms", "2000", "--runs", "1", "--format", "edn",
        ])
        .output()
        .expect("run");
    let bench = edn(&ok(bench));
    assert!(
        matches!(get(&bench, ":datoms"), Edn::Long(2000..)),
        "{bench}"
    );
}

/// Data commands (query, scan, log, pull) print their values as EDN proper in `edn`.
#[test]
fn data_commands_print_table_edn_and_json() {
    let (_tmp, db, _) = people_db();
    let (j, e) = three_formats(
        &db,
        &[
            "query",
            "[:find ?a . :where [?e :user/email \"alice@example.com\"] [?e :user/age ?a]]",
        ],
    );
    assert_eq!((j, e), (serde_json::json!(34), Edn::Long(34)));
    let (j, e) = three_formats(&db, &["scan", "aevt", "--attribute", ":user/age"]);
    assert_eq!(j.as_array().map(Vec::len), Some(2));
    assert!(matches!(e, Edn::Vector(_)), "{e}");
    // EDN scan output is one datom per line.
    let scan = ok(run(
        &db,
        &[
            "scan",
            "aevt",
            "--attribute",
            ":user/age",
            "--format",
            "edn",
        ],
    ));
    for line in scan.lines() {
        let Edn::Vector(datom) = edn(line) else {
            panic!("{line}")
        };
        assert_eq!(datom[1].to_string(), ":user/age");
    }
    let (j, e) = three_formats(&db, &["log"]);
    assert!(j.as_array().is_some_and(|txs| !txs.is_empty()));
    assert!(matches!(get(&e, ":t"), Edn::Long(_)), "{e}");
    let (j, e) = three_formats(
        &db,
        &[
            "pull",
            "[:user/email \"alice@example.com\"]",
            "[:user/name]",
        ],
    );
    assert_eq!(j[":user/name"], "Alice", "{j}");
    assert_eq!(get(&e, ":user/name"), &Edn::String("Alice".into()));
}

/// A format a command does not know is a usage error (exit 2) that names it.
#[test]
fn unknown_format_is_a_usage_error_naming_it() {
    let (_tmp, db, tx) = people_db();
    let tx = tx.to_str().expect("utf-8 path");
    let query = "[:find ?n :where [_ :user/name ?n]]";
    let commands: Vec<Vec<&str>> = vec![
        vec!["stats"],
        vec!["check"],
        vec!["transact", tx],
        vec!["import", tx],
        vec!["scan", "eavt"],
        vec!["log"],
        vec!["pull", ":user/name", "[*]"],
        vec!["query", query],
        vec!["explain", query],
        vec!["bench", "scan"],
        vec!["bench", "query", query],
        vec!["tune"],
        vec!["demo"],
    ];
    for args in commands {
        let mut all = args.clone();
        all.extend(["--format", "yaml"]);
        let output = run(&db, &all);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let message = stderr(&output);
        assert!(
            message.contains("yaml") && message.contains("table") && message.contains("edn"),
            "{args:?}: {message}"
        );
    }
    // `text`, explain's format before, still works.
    let text = ok(run(&db, &["explain", "--format", "text", query]));
    assert_eq!(text, ok(run(&db, &["explain", query])));
}

/// Control characters in values print escaped in tables, so they cannot break a row or reach
/// the terminal.
#[test]
fn tables_escape_control_characters() {
    let (_tmp, db, _) = people_db();
    let scan = ok(run(
        &db,
        &[
            "scan",
            "aevt",
            "--attribute",
            ":user/name",
            "--format",
            "table",
        ],
    ));
    let query = ok(run(&db, &["query", "[:find ?n :where [_ :user/name ?n]]"]));
    let log = ok(run(&db, &["log", "--format", "table"]));
    let pull = ok(run(
        &db,
        &[
            "pull",
            "[:user/email \"bob@example.com\"]",
            "[:user/name]",
            "--format",
            "table",
        ],
    ));
    for table in [&scan, &query, &log, &pull] {
        assert!(
            !table.contains('\u{1b}') && !table.contains('\t'),
            "{table}"
        );
        assert!(table.contains(r"Bob\nthe\tbuilder\u001b[31m"), "{table}");
        // Every line is a row of the table (the newline did not split one).
        assert!(
            table.lines().all(|l| l.starts_with(['│', '╭', '╞', '╰'])),
            "{table}"
        );
    }
}

/// A generated database: `n` people with a unique name, an age and a friend, in one import.
fn big_db(n: usize) -> (TempDir, PathBuf) {
    let tmp = TempDir::new().expect("temp dir");
    let db = tmp.path().join("db");
    let mut text = String::from(
        "[{:db/ident :p/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
          {:db/ident :p/age :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
          {:db/ident :p/friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/one}]\n[",
    );
    // Everyone is their own friend: a reference within one map, whatever batch it falls in.
    for i in 0..n {
        text.push_str(&format!(
            "{{:db/id \"p{i}\" :p/name \"person {i}\" :p/age {} :p/friend \"p{i}\"}}\n",
            i % 97
        ));
    }
    text.push(']');
    let data = file(tmp.path(), "people.edn", &text);
    ok(run(&db, &["import", data.to_str().expect("utf-8 path")]));
    (tmp, db)
}

/// `scan --parallel N` prints byte for byte what the sequential scan prints, on every index,
/// with a limit and with filters.
#[test]
fn parallel_scan_prints_the_sequential_output() {
    let (_tmp, db) = big_db(2000);
    for index in ["eavt", "aevt", "avet", "vaet"] {
        let mut cases: Vec<Vec<&str>> = vec![vec![], vec!["--limit", "1234"]];
        if index != "eavt" && index != "vaet" {
            cases.push(vec!["--attribute", ":p/age"]);
        }
        for extra in cases {
            let mut args = vec!["scan", index];
            args.extend(&extra);
            let sequential = ok(run(&db, &args));
            assert!(sequential.lines().count() > 1000, "{args:?}");
            for workers in ["1", "3"] {
                for format in ["edn", "json"] {
                    let mut seq_args = args.clone();
                    seq_args.extend(["--format", format]);
                    let mut par_args = seq_args.clone();
                    par_args.extend(["--parallel", workers]);
                    assert!(
                        ok(run(&db, &seq_args)) == ok(run(&db, &par_args)),
                        "{par_args:?} differs from the sequential scan"
                    );
                }
            }
        }
    }
    let entity = ok(run(
        &db,
        &["scan", "eavt", "--entity", "[:p/name \"person 7\"]"],
    ));
    let parallel = ok(run(
        &db,
        &[
            "scan",
            "eavt",
            "--entity",
            "[:p/name \"person 7\"]",
            "--parallel",
            "2",
        ],
    ));
    assert_eq!(entity, parallel);
    let count = ok(run(
        &db,
        &[
            "scan",
            "eavt",
            "--count",
            "--parallel",
            "2",
            "--limit",
            "1500",
        ],
    ));
    assert_eq!(count.trim(), "1500");
    // Views over time too: the history's retractions print in place.
    let retract = db.with_file_name("retract.edn");
    std::fs::write(&retract, r#"[[:db/retract [:p/name "person 3"] :p/age 3]]"#).expect("write");
    ok(run(
        &db,
        &["transact", retract.to_str().expect("utf-8 path")],
    ));
    let history = ok(run(&db, &["scan", "eavt", "--history"]));
    assert!(history.contains(" :p/age 3 ") && history.contains(" false]"));
    assert!(history == ok(run(&db, &["scan", "eavt", "--history", "--parallel", "3"])));
    let log = run(&db, &["scan", "log", "--parallel", "2"]);
    assert!(fails(log).contains("--parallel"));
}

/// The peak resident memory (VmHWM) of process `pid` in bytes, while it runs.
fn peak_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// `scan --format table` streams: 200,000 datoms print within a bounded memory (a table of
/// every row held them all before: ~1.7 GB for a million), and the rows after the measured ones
/// line up with them. The peak is read from `/proc` while the scan prints (other tests' children
/// would blur `getrusage(RUSAGE_CHILDREN)`).
#[cfg(target_os = "linux")]
#[test]
fn table_scan_of_many_datoms_runs_in_bounded_memory() {
    use std::io::Read;
    let (_tmp, db) = big_db(70_000);
    let mut child = datolite()
        .arg("--db")
        .arg(&db)
        .args(["scan", "eavt", "--format", "table"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run");
    let mut stdout = child.stdout.take().expect("stdout");
    let (mut text, mut chunk, mut peak) = (Vec::new(), vec![0u8; 1 << 16], 0);
    loop {
        let n = stdout.read(&mut chunk).expect("read");
        if n == 0 {
            break;
        }
        text.extend_from_slice(&chunk[..n]);
        peak = peak_rss(child.id()).unwrap_or(peak).max(peak);
    }
    assert!(child.wait().expect("wait").success());
    let text = String::from_utf8(text).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() > 200_000, "{}", lines.len());
    let width = lines[0].chars().count();
    assert!(lines.iter().all(|l| l.chars().count() == width));
    assert!(peak > 0, "no reading of the peak memory");
    assert!(peak < 200 << 20, "peak RSS {} MiB", peak >> 20);
    eprintln!(
        "scan eavt --format table of {} rows: peak RSS {} MiB",
        lines.len(),
        peak >> 20
    );
}

/// Runs `datolite args… --format FORMAT` without a database and returns stdout.
fn run_format(args: &[&str], format: &str) -> String {
    ok(datolite()
        .args(args)
        .args(["--format", format])
        .output()
        .expect("run"))
}

/// Benchmarks, `tune` and `demo` print table, EDN and JSON of one shape (the slow ones, tune
/// and ablation, EDN only: their JSON has its own tests).
#[test]
fn benchmarks_tune_and_demo_print_table_edn_and_json() {
    let tmp = TempDir::new().expect("temp dir");
    let demo_dir = tmp.path().join("demo");
    let demo_dir = demo_dir.to_str().expect("utf-8");
    let quick: Vec<Vec<&str>> = vec![
        vec!["bench", "tx", "--threads", "1", "--seconds", "0.1"],
        vec!["bench", "time", "--datoms", "50", "--runs", "1"],
        vec!["bench", "import", "--datoms", "1000"],
        vec!["bench", "graph", "--people", "2", "--runs", "1"],
        vec!["bench", "people", "--people", "50", "--runs", "1"],
        vec!["bench", "parallel", "--datoms", "1000", "--trials", "1"],
        vec!["bench", "scan", "--datoms", "1000", "--runs", "1"],
        vec!["demo", "--dir", demo_dir, "--bars", "100"],
    ];
    for args in &quick {
        assert!(!run_format(args, "table").trim().is_empty(), "{args:?}");
        let j = json(&run_format(args, "json"));
        let e = edn(&run_format(args, "edn"));
        assert!(same_shape(&j, &e), "{args:?}:\n{j}\n{e}");
    }
    let tune = edn(&run_format(
        &["tune", "--datoms", "1000", "--runs", "1"],
        "edn",
    ));
    assert!(matches!(get(&tune, ":cores"), Edn::Long(1..)), "{tune}");
    let ablation = edn(&run_format(
        &["bench", "ablation", "--datoms", "1000", "--runs", "1"],
        "edn",
    ));
    assert!(matches!(get(&ablation, ":ablations"), Edn::Vector(v) if !v.is_empty()));
}
