//! The time options of the binary: `--as-of`, `--since`, `--history` and `--with` on `query`,
//! `explain`, `scan` and `stats`, and `--source NAME=VIEW` — each checked end to end, and bad
//! points, files and sources refused with a message naming them.

use std::path::PathBuf;

use serde_json::Value as Json;
use tempfile::TempDir;

mod common;
use common::*;

/// Ann is 30 (t 3), corrected to 31 (t 4) at a set instant; Bo arrives at t 5.
fn corrected() -> (TempDir, PathBuf) {
    let tmp = TempDir::new().expect("temp dir");
    let db = tmp.path().join("db");
    for (name, text) in [
        (
            "schema.edn",
            r#"[{:db/ident :p/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
                {:db/ident :p/age :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
                {:db/id "datomic.tx" :db/txInstant #inst "2024-01-01"}]"#,
        ),
        (
            "ann.edn",
            r#"[{:p/name "Ann" :p/age 30} {:db/id "datomic.tx" :db/txInstant #inst "2024-02-01"}]"#,
        ),
        (
            "fix.edn",
            r#"[{:p/name "Ann" :p/age 31} {:db/id "datomic.tx" :db/txInstant #inst "2024-03-01"}]"#,
        ),
        (
            "bo.edn",
            r#"[{:p/name "Bo" :p/age 5} {:db/id "datomic.tx" :db/txInstant #inst "2024-04-01"}]"#,
        ),
    ] {
        let path = file(tmp.path(), name, text);
        ok(run(&db, &["transact", path.to_str().expect("utf-8")]));
    }
    (tmp, db)
}

fn query_json(db: &std::path::Path, args: &[&str]) -> Json {
    let mut all = vec!["query", "--format", "json"];
    all.extend_from_slice(args);
    json(&ok(run(db, &all)))
}

const AGES: &str = "[:find ?n ?a :where [?e :p/name ?n] [?e :p/age ?a]]";

#[test]
fn as_of_since_and_history_on_query() {
    let (_tmp, db) = corrected();
    let now = query_json(&db, &[AGES]);
    assert_eq!(now, serde_json::json!([["Ann", 31], ["Bo", 5]]));
    // A t, a transaction id, an instant and an EDN instant name the same moment.
    let tx3 = (3u64 << 42) + 3;
    for point in [
        "3",
        &tx3.to_string(),
        "2024-02-15",
        "#inst \"2024-02-01T00:00:00Z\"",
    ] {
        assert_eq!(
            query_json(&db, &["--as-of", point, AGES]),
            serde_json::json!([["Ann", 30]]),
            "--as-of {point}"
        );
    }
    assert_eq!(
        query_json(&db, &["--since", "4", AGES]),
        serde_json::json!([["Bo", 5]])
    );
    let history = query_json(
        &db,
        &[
            "--history",
            "[:find ?a ?added :where [?e :p/name \"Ann\"] [?e :p/age ?a _ ?added]]",
        ],
    );
    assert_eq!(
        history,
        serde_json::json!([[30, false], [30, true], [31, true]])
    );
}

#[test]
fn with_previews_a_transaction_without_committing_it() {
    let (tmp, db) = corrected();
    let change = file(
        tmp.path(),
        "change.edn",
        r#"[{:p/name "Ann" :p/age 32} {:p/name "Cy" :p/age 1}]"#,
    );
    let change = change.to_str().expect("utf-8");
    assert_eq!(
        query_json(&db, &["--with", change, AGES]),
        serde_json::json!([["Ann", 32], ["Bo", 5], ["Cy", 1]])
    );
    // Nothing committed.
    assert_eq!(
        query_json(&db, &[AGES]),
        serde_json::json!([["Ann", 31], ["Bo", 5]])
    );
    // With first, then the history of the result: the speculative retraction is there.
    let history = query_json(
        &db,
        &[
            "--with",
            change,
            "--history",
            "[:find ?a ?added :where [?e :p/name \"Ann\"] [?e :p/age ?a _ ?added]]",
        ],
    );
    assert_eq!(
        history,
        serde_json::json!([[30, false], [30, true], [31, false], [31, true], [32, true]])
    );
    // A file that fails as a transaction names itself and the reason.
    let bad = file(tmp.path(), "bad.edn", "[{:p/name \"Ann\" :p/age \"old\"}]");
    let out = run(
        &db,
        &["query", "--with", bad.to_str().expect("utf-8"), AGES],
    );
    assert_ne!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(err.contains("bad.edn") && err.contains(":p/age"), "{err}");
}

#[test]
fn scan_stats_and_explain_take_the_same_options() {
    let (_tmp, db) = corrected();
    let history = ok(run(
        &db,
        &["scan", "aevt", "--attribute", ":p/age", "--history"],
    ));
    let lines: Vec<&str> = history.lines().collect();
    assert_eq!(lines.len(), 4, "{history}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains(":p/age 30 ") && l.ends_with(" false]")),
        "{history}"
    );
    let counted = ok(run(
        &db,
        &[
            "scan",
            "aevt",
            "--attribute",
            ":p/age",
            "--as-of",
            "3",
            "--count",
        ],
    ));
    assert_eq!(counted.trim(), "1");
    let stats = json(&ok(run(
        &db,
        &["stats", "--format", "json", "--as-of", "3"],
    )));
    let age = stats["attributes"]
        .as_array()
        .expect("attributes")
        .iter()
        .find(|a| a["ident"] == ":p/age")
        .expect(":p/age")
        .clone();
    assert_eq!(age["count"], 1, "{age}");
    assert_eq!(age["min"], 30, "{age}");
    let plan = ok(run(&db, &["explain", "--analyze", "--as-of", "3", AGES]));
    assert!(plan.contains("actual rows 1"), "{plan}");
    assert!(plan.starts_with("sources: $ = as of t 3"), "{plan}");
    let plan = ok(run(
        &db,
        &[
            "explain",
            "--history",
            "--source",
            "$b=as-of:3",
            "[:find ?a :in $ $b :where [$b ?e :p/age ?a]]",
        ],
    ));
    assert!(
        plan.starts_with("sources: $ = history, $b = as of t 3"),
        "{plan}"
    );
}

#[test]
fn sources_bind_views_to_a_query() {
    let (_tmp, db) = corrected();
    let changed = "[:find ?n ?old ?new :in $ $before
                    :where [?e :p/name ?n] [?e :p/age ?new] [$before ?e :p/age ?old]
                           [(not= ?old ?new)]]";
    assert_eq!(
        query_json(&db, &["--source", "$before=as-of:3", changed]),
        serde_json::json!([["Ann", 30, 31]])
    );
    // Views combine.
    let retracted = "[:find ?a :in $ $h :where [$h ?e :p/age ?a _ false]]";
    assert_eq!(
        query_json(&db, &["--source", "$h=history,as-of:4", retracted]),
        serde_json::json!([[30]])
    );
    for (bad, says) in [
        ("before=as-of:3", "$before"),
        ("$before=yesterday", "yesterday"),
        ("$before=as-of:yesterday", "yesterday"),
        ("$x=as-of:3", "$x"),
    ] {
        let out = run(&db, &["query", "--source", bad, changed]);
        assert_ne!(out.status.code(), Some(0), "{bad}");
        let err = stderr(&out);
        assert!(err.contains(says), "{bad}: {err}");
    }
}

#[test]
fn bad_points_are_usage_errors() {
    let (_tmp, db) = corrected();
    for (flag, bad) in [("--as-of", "yesterday"), ("--since", "-3")] {
        let out = run(&db, &["query", flag, bad, AGES]);
        assert_eq!(out.status.code(), Some(2), "{flag} {bad}");
        assert!(stderr(&out).contains(bad), "{}", stderr(&out));
    }
}

/// The README's *Time* section: every `$ datolite --db movies …` command in its console blocks
/// runs against the movie fixture with the section's correction (transaction 3) and prints
/// exactly the lines shown under it.
#[test]
fn readme_time_examples_run_as_shown() {
    let tmp = TempDir::new().expect("temp dir");
    let db = tmp.path().join("movies");
    let movies = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/movies.edn");
    ok(run(&db, &["transact", movies]));
    let fix = file(
        tmp.path(),
        "fix.edn",
        r#"[[:db/add 17592186045474 :movie/year 1980] {:db/id "datomic.tx" :db/txInstant #inst "2030-01-01"}]"#,
    );
    ok(run(&db, &["transact", fix.to_str().expect("utf-8")]));
    let checked = readme_examples("Time: ", &db);
    assert!(checked >= 5, "only {checked} README examples found");
}
