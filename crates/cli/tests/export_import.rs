//! `export` and `import` end to end: an export replays into an identical database (EDN and
//! JSON lines), imports stream from stdin and read JSON lines and CSV typed by the schema, and
//! bad input is refused with its file, line and column, nothing written.

use std::path::{Path, PathBuf};

use serde_json::Value as Json;
use tempfile::TempDir;

mod common;
use common::*;

/// A database that exercises what an export must carry: every kind of value, components,
/// cardinality many, a unique identity, a composite tuple, retractions (history), a
/// `retractEntity`, transaction metadata, an attribute renamed halfway and set instants.
fn rich_db() -> (TempDir, PathBuf) {
    let tmp = TempDir::new().expect("temp dir");
    let db = tmp.path().join("db");
    let txs = [
        r#"[{:db/ident :p/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
            {:db/ident :p/friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
            {:db/ident :p/born :db/valueType :db.type/instant :db/cardinality :db.cardinality/one}
            {:db/ident :p/tags :db/valueType :db.type/keyword :db/cardinality :db.cardinality/many}
            {:db/ident :p/pair :db/valueType :db.type/tuple :db/tupleTypes [:db.type/long :db.type/keyword]}
            {:db/ident :p/big :db/valueType :db.type/bigdec :db/cardinality :db.cardinality/one}
            {:db/ident :p/n :db/valueType :db.type/bigint :db/cardinality :db.cardinality/one}
            {:db/ident :p/id :db/valueType :db.type/uuid :db/cardinality :db.cardinality/one}
            {:db/ident :p/site :db/valueType :db.type/uri :db/cardinality :db.cardinality/one}
            {:db/ident :p/raw :db/valueType :db.type/bytes :db/cardinality :db.cardinality/one}
            {:db/ident :p/ratio :db/valueType :db.type/float :db/cardinality :db.cardinality/one}
            {:db/ident :p/d :db/valueType :db.type/double :db/cardinality :db.cardinality/many}
            {:db/ident :p/decs :db/valueType :db.type/tuple :db/tupleType :db.type/bigdec :db/cardinality :db.cardinality/one}
            {:db/ident :p/address :db/valueType :db.type/ref :db/isComponent true :db/cardinality :db.cardinality/one}
            {:db/ident :a/city :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
            {:db/ident :p/name+born :db/valueType :db.type/tuple :db/tupleAttrs [:p/name :p/born]}
            {:db/id "datomic.tx" :db/txInstant #inst "2024-01-01"}]"#,
        r#"[{:db/id "b" :p/name "Bob" :p/friend "a" :p/tags [:x :y] :p/pair [1 :k] :p/big 1.50M
             :p/n 123456789012345678901234567890N :p/id #uuid "550e8400-e29b-41d4-a716-446655440000"
             :p/site #uri "http://x.org/a" :p/raw #bytes "00ff" :p/ratio 0.25 :p/address {:a/city "Oslo"}
             :p/d [##NaN ##-Inf 2.5] :p/decs [1.50M 123456789012345678901234567890.5M]}
            {:db/id "a" :p/name "Al \"the\" one\n" :p/born #inst "2000-01-01" :p/friend "b"}
            {:db/id "datomic.tx" :db/txInstant #inst "2024-02-01"}]"#,
        r#"[[:db/retract [:p/name "Bob"] :p/tags :x] {:p/name "Al \"the\" one\n" :p/born #inst "2001-01-01"}
            [:db/add "datomic.tx" :p/name "a transaction"]]"#,
        r#"[{:db/id :a/city :db/ident :address/city}]"#,
        r#"[[:db/retractEntity [:p/name "Bob"]] {:db/id "c" :p/name "Cy" :p/address {:address/city "Rome"}}]"#,
    ];
    for (i, tx) in txs.iter().enumerate() {
        let path = file(tmp.path(), &format!("tx{i}.edn"), tx);
        ok(run(&db, &["transact", path.to_str().expect("utf-8")]));
    }
    (tmp, db)
}

/// Everything that makes two databases the same: current datoms, history, the log with its
/// ids and instants, and the statistics (but the size on disk).
fn fingerprint(db: &Path) -> Vec<String> {
    let mut stats = json(&ok(run(db, &["stats", "--format", "json"])));
    stats
        .as_object_mut()
        .expect("stats object")
        .remove("size_on_disk_bytes");
    vec![
        ok(run(db, &["scan", "eavt"])),
        ok(run(db, &["scan", "avet"])),
        ok(run(db, &["scan", "eavt", "--history"])),
        ok(run(db, &["log", "--format", "edn"])),
        stats.to_string(),
    ]
}

#[test]
fn export_then_import_is_the_same_database_in_edn_and_json_lines() {
    let (tmp, db) = rich_db();
    let expected = fingerprint(&db);
    for format in ["edn", "jsonl"] {
        let out = tmp.path().join(format!("export.{format}"));
        let path = out.to_str().expect("utf-8");
        ok(run(&db, &["export", "--format", format, path]));
        let copy = tmp.path().join(format!("copy-{format}"));
        let report = json(&ok(run(&copy, &["import", "--format", "json", path])));
        assert_eq!(report["transactions"], 5, "{format}");
        assert_eq!(fingerprint(&copy), expected, "{format}");
        // The past too: the copy answers as-of queries as the original does.
        let q = [
            "query",
            "--as-of",
            "3",
            "--format",
            "edn",
            "[:find ?n ?b :where [?e :p/name ?n] [?e :p/born ?b]]",
        ];
        assert_eq!(ok(run(&copy, &q)), ok(run(&db, &q)), "{format}");
    }
}

#[test]
fn export_to_stdout_and_import_from_stdin() {
    let (tmp, db) = rich_db();
    let text = ok(run(&db, &["export"]));
    assert!(text.starts_with("{:datolite.export/format 1"), "{text}");
    let copy = tmp.path().join("copy");
    ok(run_with_stdin(&copy, &["import", "-"], text.as_bytes()));
    assert_eq!(fingerprint(&copy), fingerprint(&db));
}

#[test]
fn export_without_instants_keeps_everything_else() {
    let (tmp, db) = rich_db();
    let text = ok(run(&db, &["export", "--no-instants"]));
    assert!(!text.contains(":db/txInstant"), "{text}");
    let copy = tmp.path().join("copy");
    ok(run_with_stdin(&copy, &["import", "-"], text.as_bytes()));
    assert_eq!(
        ok(run(&copy, &["scan", "avet", "--attribute", ":p/name"])),
        ok(run(&db, &["scan", "avet", "--attribute", ":p/name"]))
    );
    let first = |db: &Path| {
        json(&ok(run(
            db,
            &["log", "--from", "2", "--to", "3", "--format", "json"],
        )))[0]["instant"]
            .clone()
    };
    assert_eq!(first(&db), "2024-01-01T00:00:00.000Z");
    assert_ne!(first(&copy), first(&db));
}

#[test]
fn an_export_replays_only_into_an_empty_database() {
    let (tmp, db) = rich_db();
    let out = tmp.path().join("export.edn");
    ok(run(&db, &["export", out.to_str().expect("utf-8")]));
    let before = fingerprint(&db);
    let err = fails(run(&db, &["import", out.to_str().expect("utf-8")]));
    assert!(
        err.contains("empty database") && err.contains("t 7"),
        "{err}"
    );
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(fingerprint(&db), before);
}

#[test]
fn an_export_of_another_version_or_a_header_out_of_place_is_refused() {
    let tmp = TempDir::new().expect("temp dir");
    let db = tmp.path().join("db");
    let future = file(
        tmp.path(),
        "future.edn",
        "{:datolite.export/format 99}\n[]\n",
    );
    let err = fails(run(&db, &["import", future.to_str().expect("utf-8")]));
    assert!(
        err.contains("format 99") && err.contains("future.edn"),
        "{err}"
    );
    let late = file(
        tmp.path(),
        "late.edn",
        "{:x/n 1}\n{:datolite.export/format 1}\n",
    );
    let err = fails(run(&db, &["import", late.to_str().expect("utf-8")]));
    assert!(
        err.contains("header must be the first form") && err.contains("line 2"),
        "{err}"
    );
}

#[test]
fn export_to_a_file_in_a_missing_directory_fails_and_leaves_nothing() {
    let (tmp, db) = rich_db();
    let target = tmp.path().join("no/such/dir/export.edn");
    let err = fails(run(&db, &["export", target.to_str().expect("utf-8")]));
    assert!(err.contains("no/such/dir"), "{err}");
    assert!(!target.exists());
    // A database that does not exist is an error, not an empty export.
    let err = fails(run(&tmp.path().join("nothing"), &["export"]));
    assert!(err.contains("nothing"), "{err}");
}

#[test]
fn one_big_vector_from_stdin_is_imported_in_batches() {
    let tmp = TempDir::new().expect("temp dir");
    let db = tmp.path().join("db");
    let mut text = String::from(
        "[{:db/ident :i/n :db/valueType :db.type/long :db/unique :db.unique/identity}\n",
    );
    for i in 0..5000 {
        text.push_str(&format!("{{:i/n {i}}}\n"));
    }
    text.push(']');
    let report = json(&ok(run_with_stdin(
        &db,
        &["import", "--batch", "1000", "--format", "json", "-"],
        text.as_bytes(),
    )));
    assert_eq!(report["ops"], 5001);
    assert_eq!(report["transactions"], 6);
    let count = ok(run(
        &db,
        &["query", "[:find (count ?e) . :where [?e :i/n]]"],
    ));
    assert!(count.contains("5000"), "{count}");
    // A malformed element deep inside the vector names its line and column.
    let bad = text.replace("{:i/n 4000}", "{:i/n 4000 :i/x}");
    let err = fails(run_with_stdin(
        &tmp.path().join("db2"),
        &["import", "-"],
        bad.as_bytes(),
    ));
    assert!(err.contains("stdin") && err.contains("line 4002"), "{err}");
}

#[test]
fn json_lines_become_entities_typed_by_the_schema() {
    let tmp = TempDir::new().expect("temp dir");
    let db = tmp.path().join("db");
    let schema = file(
        tmp.path(),
        "schema.edn",
        "[{:db/ident :person/born :db/valueType :db.type/instant :db/cardinality :db.cardinality/one}
          {:db/ident :person/role :db/valueType :db.type/keyword :db/cardinality :db.cardinality/one}]",
    );
    let data = file(
        tmp.path(),
        "people.jsonl",
        r#"{"email": "a@x.org", "name": "Ann", "age": 31, "born": "1990-05-01", "role": "admin", "tags": ["a", "b"], "address": {"city": "Oslo"}}
{"email": "b@x.org", "name": "Ben", "age": 40, "active": true, "score": 2.5, "nothing": null}

{"email": "a@x.org", "age": 32}
"#,
    );
    ok(run(
        &db,
        &[
            "import",
            "--schema",
            schema.to_str().expect("utf-8"),
            "--namespace",
            "person",
            "--id-column",
            "email",
            data.to_str().expect("utf-8"),
        ],
    ));
    let rows = json(&ok(run(
        &db,
        &["query", "--format", "json", "[:find ?n ?a ?b ?r ?c :where [?e :person/name ?n] [?e :person/age ?a] [?e :person/born ?b] [?e :person/role ?r] [?e :person/address ?d] [?d :person/city ?c]]"],
    )));
    // The third line upserted on the email: Ann is 32, one entity.
    assert_eq!(
        rows,
        serde_json::json!([["Ann", 32, "1990-05-01T00:00:00.000Z", ":admin", "Oslo"]])
    );
    let stats = json(&ok(run(&db, &["stats", "--format", "json"])));
    let attr = |ident: &str| -> Json {
        stats["attributes"]
            .as_array()
            .expect("attributes")
            .iter()
            .find(|a| a["ident"] == ident)
            .cloned()
            .unwrap_or(Json::Null)
    };
    assert_eq!(attr(":person/email")["unique"], "identity");
    assert_eq!(attr(":person/tags")["cardinality"], "many");
    assert_eq!(attr(":person/address")["type"], "ref");
    assert_eq!(attr(":person/score")["type"], "double");
    assert_eq!(attr(":person/active")["type"], "boolean");
    assert_eq!(attr(":person/nothing"), Json::Null);
    let component = ok(run(
        &db,
        &[
            "query",
            "[:find ?c . :where [?a :db/ident :person/address] [?a :db/isComponent ?c]]",
        ],
    ));
    assert!(component.contains("true"), "{component}");
}

#[test]
fn json_lines_errors_name_the_line_and_column() {
    let tmp = TempDir::new().expect("temp dir");
    let db = tmp.path().join("db");
    let typed = file(tmp.path(), "typed.jsonl", "{\"n\": 1}\n{\"n\": \"two\"}\n");
    let err = fails(run(
        &db,
        &["import", "--namespace", "x", typed.to_str().expect("utf-8")],
    ));
    assert!(
        err.contains("typed.jsonl") && err.contains("line 2") && err.contains("expected a long"),
        "{err}"
    );
    let broken = file(
        tmp.path(),
        "broken.jsonl",
        "{\"n\": 1}\n{\"n\": 2,, \"m\": 3}\n",
    );
    let err = fails(run(&db, &["import", broken.to_str().expect("utf-8")]));
    assert!(
        err.contains("line 2, column 9") && err.contains("malformed JSON"),
        "{err}"
    );
    // With strict schema on, an attribute declared nowhere is an error naming it, not inferred.
    let strict = run_env(
        &db,
        ("DATOLITE_STRICT_SCHEMA", "true"),
        &["import", "--namespace", "x", typed.to_str().expect("utf-8")],
    );
    let err = fails(strict);
    assert!(
        err.contains("unknown attribute :x/n") && err.contains("line 1"),
        "{err}"
    );
    let strict_csv = file(tmp.path(), "strict.csv", "sym\nX\n");
    let err = fails(run_env(
        &db,
        ("DATOLITE_STRICT_SCHEMA", "true"),
        &[
            "import",
            "--namespace",
            "s",
            strict_csv.to_str().expect("utf-8"),
        ],
    ));
    assert!(
        err.contains("unknown attribute :s/sym") && err.contains("line 2, column 1"),
        "{err}"
    );
    let array = file(tmp.path(), "array.jsonl", "[1, 2]\n");
    let err = fails(run(&db, &["import", array.to_str().expect("utf-8")]));
    assert!(
        err.contains("line 1") && err.contains("JSON object"),
        "{err}"
    );
    assert!(!ok(run(&tmp.path().join("db"), &["stats"])).contains(":x/n"));
}

#[test]
fn csv_rows_become_entities_with_inferred_or_declared_types() {
    let tmp = TempDir::new().expect("temp dir");
    let db = tmp.path().join("db");
    let schema = file(
        tmp.path(),
        "schema.edn",
        "[{:db/ident :stock/day :db/valueType :db.type/instant :db/cardinality :db.cardinality/one}]",
    );
    let data = file(
        tmp.path(),
        "prices.csv",
        "symbol,price,volume,listed,day,note\nAAPL,191.5,1000,true,2024-05-01,\"big, tech\"\nMSFT,410.25,2000,false,2024-05-01,\nAAPL,192,1500,true,2024-05-02,\"two\nlines\"\n",
    );
    ok(run(
        &db,
        &[
            "import",
            "--schema",
            schema.to_str().expect("utf-8"),
            "--namespace",
            "stock",
            "--id-column",
            "symbol",
            data.to_str().expect("utf-8"),
        ],
    ));
    let rows = json(&ok(run(
        &db,
        &["query", "--format", "json", "[:find ?s ?p ?v ?l ?d :where [?e :stock/symbol ?s] [?e :stock/price ?p] [?e :stock/volume ?v] [?e :stock/listed ?l] [?e :stock/day ?d]]"],
    )));
    assert_eq!(
        rows,
        serde_json::json!([
            ["AAPL", 192.0, 1500, true, "2024-05-02T00:00:00.000Z"],
            ["MSFT", 410.25, 2000, false, "2024-05-01T00:00:00.000Z"]
        ])
    );
    let note = json(&ok(run(
        &db,
        &[
            "query",
            "--format",
            "json",
            "[:find [?n ...] :where [_ :stock/note ?n]]",
        ],
    )));
    assert_eq!(note, serde_json::json!(["two\nlines"]));
    // Codes that look like numbers but would change as numbers stay strings.
    let codes = file(tmp.path(), "codes.csv", "zip,phone,ratio\n00501,+44,1.50\n");
    ok(run(
        &db,
        &["import", "--namespace", "c", codes.to_str().expect("utf-8")],
    ));
    let row = json(&ok(run(
        &db,
        &[
            "query",
            "--format",
            "json",
            "[:find ?z ?p ?r :where [?e :c/zip ?z] [?e :c/phone ?p] [?e :c/ratio ?r]]",
        ],
    )));
    assert_eq!(row, serde_json::json!([["00501", "+44", 1.5]]));
    // Without a schema, an ISO-8601 date column is read as instants.
    let dated = file(tmp.path(), "dated.csv", "sym,at\nX,2024-05-01T09:30:00Z\n");
    ok(run(
        &db,
        &["import", "--namespace", "q", dated.to_str().expect("utf-8")],
    ));
    let at = json(&ok(run(
        &db,
        &[
            "query",
            "--format",
            "json",
            "[:find ?t . :where [?a :db/ident :q/at] [?a :db/valueType ?v] [?v :db/ident ?t]]",
        ],
    )));
    assert_eq!(at, ":db.type/instant");
}

#[test]
fn csv_errors_name_the_line_and_column() {
    let tmp = TempDir::new().expect("temp dir");
    let db = tmp.path().join("db");
    let typed = file(tmp.path(), "typed.csv", "sym,price\nX,1.5\nY,abc\n");
    let err = fails(run(
        &db,
        &["import", "--namespace", "s", typed.to_str().expect("utf-8")],
    ));
    assert!(
        err.contains("typed.csv")
            && err.contains("line 3, column 2")
            && err.contains("expected a double"),
        "{err}"
    );
    let ragged = file(tmp.path(), "ragged.csv", "sym,price\nX,1.5,3\n");
    let err = fails(run(&db, &["import", ragged.to_str().expect("utf-8")]));
    assert!(
        err.contains("ragged.csv") && err.contains("line 2"),
        "{err}"
    );
    // An --id-column the schema declares without uniqueness cannot upsert.
    let schema = file(
        tmp.path(),
        "s.edn",
        "[{:db/ident :s/sym :db/valueType :db.type/string :db/cardinality :db.cardinality/one}]",
    );
    ok(run(&db, &["transact", schema.to_str().expect("utf-8")]));
    let err = fails(run(
        &db,
        &[
            "import",
            "--namespace",
            "s",
            "--id-column",
            "sym",
            typed.to_str().expect("utf-8"),
        ],
    ));
    assert!(
        err.contains("--id-column sym") && err.contains("unique/identity"),
        "{err}"
    );
    // stdin needs --input for formats other than EDN.
    let out = run_with_stdin(
        &db,
        &["import", "--input", "csv", "--namespace", "t", "-"],
        b"a,b\n1,x\n",
    );
    ok(out);
    let count = ok(run(
        &db,
        &["query", "[:find ?b . :where [?e :t/a 1] [?e :t/b ?b]]"],
    ));
    assert!(count.contains('x'), "{count}");
}

#[test]
fn export_reproduces_ids_however_new_entities_refer_to_each_other() {
    let tmp = TempDir::new().expect("temp dir");
    let db = tmp.path().join("db");
    let txs = [
        // The link attribute sorts before the name, so an entity's first datom may be a
        // reference to an entity created after it.
        "[{:db/ident :n/link :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
          {:db/ident :n/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}]",
        r#"[[:db/add "x" :n/name "x"] [:db/add "y" :n/name "y"] [:db/add "x" :n/link "z"] [:db/add "z" :n/name "z"]]"#,
        // A chain whose entities are only references but for the last.
        r#"[{:db/id "a" :n/link "b"} {:db/id "b" :n/link "c"} {:db/id "c" :n/name "c"}]"#,
        // An entity that first appears as a value, and one referring back.
        r#"[[:db/add "p" :n/link "q"] [:db/add "q" :n/name "q"] [:db/add "r" :n/link "p"] [:db/add "r" :n/name "r"]]"#,
    ];
    for (i, tx) in txs.iter().enumerate() {
        let path = file(tmp.path(), &format!("tx{i}.edn"), tx);
        ok(run(&db, &["transact", path.to_str().expect("utf-8")]));
    }
    for format in ["edn", "jsonl"] {
        let text = ok(run(&db, &["export", "--format", format]));
        let copy = tmp.path().join(format!("copy-{format}"));
        ok(run_with_stdin(
            &copy,
            &["import", "--input", format, "-"],
            text.as_bytes(),
        ));
        assert_eq!(fingerprint(&copy), fingerprint(&db), "{format}");
    }
}

#[test]
fn an_export_cut_short_is_refused() {
    let (tmp, db) = rich_db();
    let edn = ok(run(&db, &["export"]));
    // Drop the last transaction (its form is the last line group).
    let cut = &edn[..edn.trim_end().rfind("\n[").expect("several forms")];
    let err = fails(run_with_stdin(
        &tmp.path().join("a"),
        &["import", "-"],
        cut.as_bytes(),
    ));
    assert!(
        err.contains("incomplete") && err.contains("basis t 6"),
        "{err}"
    );
    let jsonl = ok(run(&db, &["export", "--format", "jsonl"]));
    let lines: Vec<&str> = jsonl.lines().collect();
    let gap = [&lines[..2], &lines[3..]].concat().join("\n");
    let err = fails(run_with_stdin(
        &tmp.path().join("b"),
        &["import", "--input", "jsonl", "-"],
        gap.as_bytes(),
    ));
    assert!(
        err.contains("line 3") && err.contains("expected the export's transaction t 3"),
        "{err}"
    );
}

#[test]
fn a_tempid_split_across_batches_is_an_error_not_two_entities() {
    let tmp = TempDir::new().expect("temp dir");
    let db = tmp.path().join("db");
    let data = file(
        tmp.path(),
        "split.edn",
        r#"[[:db/add "a" :p/name "x"] [:db/add "a" :p/age 1] [:db/add "a" :p/email "e"]]"#,
    );
    let err = fails(run(
        &db,
        &["import", "--batch", "2", data.to_str().expect("utf-8")],
    ));
    assert!(
        err.contains("tempid a") && err.contains("batch 1") && err.contains("--batch"),
        "{err}"
    );
    // One form that is not entered is one transaction, however long.
    let whole = file(
        tmp.path(),
        "whole.edn",
        r#"{:db/id "a" :p/name "x" :p/age 1 :p/email "e"}"#,
    );
    let report = json(&ok(run(
        &db,
        &[
            "import",
            "--batch",
            "1",
            "--format",
            "json",
            whole.to_str().expect("utf-8"),
        ],
    )));
    assert_eq!(report["transactions"], 1);
    // With a batch large enough the vector's tempid is one entity.
    ok(run(
        &tmp.path().join("db2"),
        &["import", data.to_str().expect("utf-8")],
    ));
    let n = ok(run(
        &tmp.path().join("db2"),
        &["query", "[:find (count ?e) . :where [?e :p/name]]"],
    ));
    assert!(n.contains('1'), "{n}");
}
