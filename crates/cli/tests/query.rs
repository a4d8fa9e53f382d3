//! End-to-end tests of `query`, `repl` and `bench people` against the learndatalogtoday movie
//! fixture (`fixtures/movies.edn`), loaded with `transact` into a temporary database.

use std::path::{Path, PathBuf};
use std::process::Output;

use tempfile::TempDir;

mod common;
use common::*;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/movies.edn")
}

/// A temporary database holding the movie fixture.
fn movies() -> (TempDir, PathBuf) {
    let tmp = TempDir::new().expect("temp dir");
    let db = tmp.path().join("movies");
    let output = datolite()
        .arg("--db")
        .arg(&db)
        .arg("transact")
        .arg(fixture())
        .output()
        .expect("run transact");
    assert!(output.status.success(), "{}", stderr(&output));
    (tmp, db)
}

fn query(db: &Path, args: &[&str]) -> Output {
    datolite()
        .arg("--db")
        .arg(db)
        .arg("query")
        .args(args)
        .output()
        .expect("run query")
}

const TITLES_1987: &str = "[:find ?title :where [?m :movie/year 1987] [?m :movie/title ?title]]";
const DIRECTOR: &str = "[:find ?name . :in $ ?title :where [?m :movie/title ?title] [?m :movie/director ?d] [?d :person/name ?name]]";

#[test]
fn query_formats_edn_json_table() {
    let (_tmp, db) = movies();
    assert_eq!(
        ok(query(&db, &["--format", "edn", TITLES_1987])),
        "[[\"Lethal Weapon\"] [\"Predator\"] [\"RoboCop\"]]\n"
    );
    assert_eq!(
        json(&ok(query(&db, &["--format", "json", TITLES_1987]))),
        serde_json::json!([["Lethal Weapon"], ["Predator"], ["RoboCop"]])
    );
    assert_eq!(
        ok(query(&db, &[TITLES_1987])),
        "╭───────────────╮\n\
         │ ?title        │\n\
         ╞═══════════════╡\n\
         │ Lethal Weapon │\n\
         │ Predator      │\n\
         │ RoboCop       │\n\
         ╰───────────────╯\n"
    );
}

#[test]
fn query_scalar_collection_tuple_and_inputs() {
    let (_tmp, db) = movies();
    assert_eq!(
        ok(query(
            &db,
            &["--format", "edn", DIRECTOR, "\"The Terminator\""]
        )),
        "\"James Cameron\"\n"
    );
    assert_eq!(
        ok(query(
            &db,
            &["--format", "json", DIRECTOR, "\"The Terminator\""]
        )),
        "\"James Cameron\"\n"
    );
    // No such movie: a scalar with no value is null.
    assert_eq!(
        ok(query(&db, &["--format", "json", DIRECTOR, "\"Nope\""])),
        "null\n"
    );
    let coll = "[:find [?title ...] :in $ [?year ...] :where [?m :movie/year ?year] [?m :movie/title ?title]]";
    assert_eq!(
        json(&ok(query(&db, &["--format", "json", coll, "[1979 1981]"]))),
        serde_json::json!(["Alien", "Mad Max", "Mad Max 2"])
    );
    let tuple = "[:find [?year ?title] :where [?m :movie/title ?title] [?m :movie/year ?year] [(= ?title \"Alien\")]]";
    assert_eq!(
        ok(query(&db, &["--format", "edn", tuple])),
        "[1979 \"Alien\"]\n"
    );
    // The table header is the find elements as written.
    let table = ok(query(
        &db,
        &["[:find ?year (count ?m) :where [?m :movie/year ?year] [(< ?year 1982)]]"],
    ));
    assert!(
        table.contains("?year") && table.contains("(count ?m)"),
        "{table}"
    );
    assert!(table.contains("1979") && table.contains(" 2 "), "{table}");
}

#[test]
fn query_json_values_follow_the_contract() {
    let (_tmp, db) = movies();
    let born = "[:find ?born . :where [?p :person/name \"Arnold Schwarzenegger\"] [?p :person/born ?born]]";
    assert_eq!(
        ok(query(&db, &["--format", "json", born])),
        "\"1947-07-30T00:00:00.000Z\"\n"
    );
    assert_eq!(
        ok(query(&db, &["--format", "edn", born])),
        "#inst \"1947-07-30T00:00:00.000Z\"\n"
    );
    // Entity ids are numbers, keywords ":ns/name", distinct sets arrays.
    let entity = json(&ok(query(
        &db,
        &[
            "--format",
            "json",
            "[:find ?p . :where [?p :person/name \"Mel Gibson\"]]",
        ],
    )));
    assert!(entity.is_u64(), "{entity}");
    let keyword =
        "[:find ?v . :where [?a :db/ident :movie/year] [?a :db/cardinality ?c] [?c :db/ident ?v]]";
    assert_eq!(
        ok(query(&db, &["--format", "json", keyword])),
        "\":db.cardinality/one\"\n"
    );
    let distinct = "[:find (distinct ?y) . :where [?m :movie/year ?y] [(< ?y 1982)]]";
    assert_eq!(
        ok(query(&db, &["--format", "json", distinct])),
        "[1979,1981]\n"
    );
    // @file reads the query from a file.
    let file = db.parent().expect("tmp").join("q.edn");
    std::fs::write(&file, TITLES_1987).expect("write query");
    let at = format!("@{}", file.display());
    assert_eq!(
        json(&ok(query(&db, &["--format", "json", &at]))),
        serde_json::json!([["Lethal Weapon"], ["Predator"], ["RoboCop"]])
    );
}

#[test]
fn query_errors_exit_1_with_messages() {
    let (_tmp, db) = movies();
    let err = fails(query(
        &db,
        &["[:find ?title\n :where [?m :movie/title ?title]"],
    ));
    assert!(err.contains("line 1, column 1"), "{err}");
    let err = fails(query(&db, &["[:find ?x :where [?m :movie/title ?title]]"]));
    assert!(err.contains("?x") && err.contains("unbound"), "{err}");
    let err = fails(query(&db, &[DIRECTOR]));
    assert!(err.contains("expects 1 input"), "{err}");
    let err = fails(query(&db, &[DIRECTOR, "\"a\"", "\"b\""]));
    assert!(err.contains("expects 1 input"), "{err}");
    let err = fails(query(&db, &[DIRECTOR, "[1 2"]));
    assert!(err.starts_with("error: "), "{err}");
}

#[test]
fn query_limits_stop_a_query_naming_the_step_and_the_flags() {
    let (_tmp, db) = movies();
    let two_hops = "[:find (count ?p2) . :where [?m :movie/cast ?p] [?m2 :movie/cast ?p] [?m2 :movie/cast ?p2]]";
    let err = fails(query(&db, &["--max-rows", "10", two_hops]));
    assert!(
        err.contains("made more than 10 rows") && err.contains("--max-rows"),
        "{err}"
    );
    // The default limits let it run; so does turning the row limit off.
    ok(query(&db, &[two_hops]));
    ok(query(&db, &["--max-rows", "0", "--timeout", "0", two_hops]));
    // A malformed limit is a usage error naming it.
    let out = query(&db, &["--timeout", "soon", two_hops]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("soon"), "{}", stderr(&out));
    // `explain --analyze` runs the query within the same limits.
    let out = datolite()
        .arg("--db")
        .arg(&db)
        .args(["explain", "--analyze", "--max-rows", "10", two_hops])
        .output()
        .expect("run explain");
    assert!(fails(out).contains("made more than 10 rows"));
}

#[test]
fn repl_runs_multi_line_forms_from_stdin() {
    let (_tmp, db) = movies();
    let output = run_with_stdin(
        &db,
        &["repl"],
        b"[:find ?title\n :where [?m :movie/year 1987]\n        [?m :movie/title ?title]]\n\
              .transact [{:movie/title \"Short Circuit\" :movie/year 1986}]\n\
              .format json\n\
              [:find [?t ...] :where [?m :movie/year 1986] [?m :movie/title ?t]]\n\
              .quit\n[:find ?never :where [?never :movie/title \"x\"]]\n",
    );
    let out = ok(output);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "[[\"Lethal Weapon\"] [\"Predator\"] [\"RoboCop\"]]"
    );
    assert!(lines[1].starts_with("tx "), "{out}");
    assert_eq!(lines[2], "[\"Aliens\",\"Short Circuit\"]");
    assert_eq!(lines.len(), 3, "{out}");
}

#[test]
fn repl_reports_errors_and_continues() {
    let (_tmp, db) = movies();
    let output = run_with_stdin(
        &db,
        &["repl"],
        b".nope\n[:find ?x :where [?m :movie/title ?t]]\n.stats\n",
    );
    let err = fails(output.clone());
    assert!(err.contains("unknown command .nope"), "{err}");
    assert!(err.contains("?x"), "{err}");
    assert!(stdout(&output).contains(":movie/title"));
}

#[test]
fn bench_people_json_has_every_key() {
    let tmp = TempDir::new().expect("temp dir");
    let data = tmp.path().join("people.edn");
    std::fs::write(
        &data,
        r#"[{:name "Ivan" :last-name "Ivanov" :sex :male :age 30 :salary 60000}
            {:name "Ivan" :last-name "Petrov" :sex :female :age 20 :salary 10000}
            {:name "Oleg" :last-name "Sidorov" :sex :male :age 40 :salary 70000}]"#,
    )
    .expect("write data");
    let out = ok(datolite()
        .args([
            "bench", "people", "--format", "json", "--runs", "1", "--data",
        ])
        .arg(&data)
        .output()
        .expect("run bench"));
    let report = json(&out);
    assert!(report["add_all_ms"].is_number(), "{report}");
    assert!(report["update_all_ms"].is_number(), "{report}");
    for name in ["q1", "q2", "q2_switch", "q3", "q4", "qpred1", "qpred2"] {
        assert!(report[format!("{name}_ms")].is_number(), "{name}: {report}");
    }
    let rows = |name: &str| report[format!("{name}_rows")].as_u64().expect("rows");
    assert_eq!(rows("q1"), 2);
    assert_eq!(rows("q2"), 2);
    assert_eq!(rows("q2_switch"), 2);
    assert_eq!(rows("q3"), 1);
    assert_eq!(rows("q4"), 1);
    assert_eq!(rows("qpred1"), 2);
    assert_eq!(rows("qpred2"), 2);
}

#[test]
fn repl_explains_a_query() {
    let (_tmp, db) = movies();
    let out = ok(run_with_stdin(
        &db,
        &["repl"],
        b".explain [:find ?t\n  :where [?m :movie/year 1987] [?m :movie/title ?t]]\n",
    ));
    assert!(out.contains(":movie/year"), "{out}");
}

#[test]
fn explain_shows_the_plan_and_actual_rows() {
    let (_tmp, db) = movies();
    let run = |args: &[&str]| {
        datolite()
            .arg("--db")
            .arg(&db)
            .arg("explain")
            .args(args)
            .output()
            .expect("run explain")
    };
    let plan = ok(run(&[TITLES_1987]));
    assert!(
        plan.contains("AVET"),
        "a bound value should use AVET:\n{plan}"
    );
    assert!(!plan.contains("actual rows"), "{plan}");
    let analyzed = ok(run(&["--analyze", TITLES_1987]));
    assert!(analyzed.contains("actual rows"), "{analyzed}");
    let bad = run(&["[:find ?x :where [?e :movie/title ?t]]"]);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("?x"), "{}", stderr(&bad));
    // The tree as JSON, for tools: every node with its plan and, analyzed, what it did.
    let json = ok(run(&["--analyze", "--format", "json", TITLES_1987]));
    let tree: serde_json::Value = serde_json::from_str(&json).expect("explain JSON");
    let steps = tree["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 2, "{json}");
    assert!(
        steps[0]["access"].as_str().unwrap().starts_with("AVET"),
        "{json}"
    );
    assert!(steps.iter().all(|s| s["actual"]["rows"].is_u64()), "{json}");
    let bad_format = run(&["--format", "yaml", TITLES_1987]);
    assert!(!bad_format.status.success());
    assert!(
        stderr(&bad_format).contains("yaml"),
        "{}",
        stderr(&bad_format)
    );
}

#[test]
fn readme_query_tutorial_examples_run_as_shown() {
    let (_tmp, db) = movies();
    let checked = readme_examples("Query tutorial", &db);
    assert!(checked >= 10, "only {checked} examples found");
}

#[test]
fn bench_query_times_a_query_on_the_database() {
    let (_tmp, db) = movies();
    let out = json(&ok(run(
        &db,
        &[
            "bench",
            "query",
            "--runs",
            "3",
            "--format",
            "json",
            "[:find ?t :in $ ?y :where [?m :movie/year ?y] [?m :movie/title ?t]]",
            "1987",
        ],
    )));
    assert_eq!(out["rows"], 3, "{out}");
    assert_eq!(out["runs"], 3, "{out}");
    assert!(out["median_ms"].as_f64().is_some(), "{out}");
    // An unknown attribute is an error naming it, not zero rows timed.
    let err = fails(run(
        &db,
        &["bench", "query", "[:find ?m :where [?m :movie/yeer 1987]]"],
    ));
    assert!(err.contains(":movie/yeer"), "{err}");
}

#[test]
fn bench_graph_reports_every_query_beside_a_peer() {
    let tmp = TempDir::new().expect("temp dir");
    // `bench graph` on 300 people (JSON), with one more option and its path.
    let graph = |option: &str, path: &Path| {
        datolite()
            .args([
                "bench", "graph", "--people", "300", "--runs", "1", "--format", "json",
            ])
            .arg(option)
            .arg(path)
            .output()
            .expect("run bench graph")
    };
    let export = tmp.path().join("export");
    let out = json(&ok(graph("--export", &export)));
    let queries = out["queries"].as_object().expect("queries");
    assert_eq!(queries.len(), 13, "{out}");
    let reach = queries["reach"]["rows"].as_u64().expect("reach rows");
    assert!(reach > 0, "person 1 reaches somebody: {out}");
    assert_eq!(queries["reach_count"]["rows"], 1, "{out}");
    for file in ["graph.edn", "queries.edn"] {
        assert!(export.join(file).is_file(), "{file} exported");
    }
    // A peer's timings are shown beside ours; a peer that disagrees on rows gets no speedup.
    let peer = file(
        tmp.path(),
        "peer.tsv",
        &format!("reach\t10.0\t{reach}\nmutual\t1.0\t999999\n"),
    );
    let out = json(&ok(graph("--peer", &peer)));
    assert!(
        out["queries"]["reach"]["speedup"].as_f64().is_some(),
        "{out}"
    );
    assert_eq!(out["queries"]["mutual"]["peer_rows"], 999999, "{out}");
    let bad = file(tmp.path(), "bad.tsv", "reach 10.0\n");
    let err = fails(graph("--peer", &bad));
    assert!(err.contains("bad.tsv:1"), "{err}");
    // A timing for a query bench graph does not run is an error naming it, not ignored.
    let typo = file(tmp.path(), "typo.tsv", "reach\t10.0\t5\nreahc\t1.0\t5\n");
    let err = fails(graph("--peer", &typo));
    assert!(
        err.contains("typo.tsv:2") && err.contains("\"reahc\""),
        "{err}"
    );
}
