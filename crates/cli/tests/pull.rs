//! `datolite pull`: the README's *Pull and entities* examples run as shown, the JSON contract,
//! entities by id, ident and lookup ref, the time options, and errors named.

use tempfile::TempDir;

mod common;
use common::*;

/// The movie fixture in a fresh database.
fn movies() -> (TempDir, std::path::PathBuf) {
    let tmp = TempDir::new().expect("temp dir");
    let db = tmp.path().join("movies");
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/movies.edn");
    ok(run(&db, &["transact", fixture]));
    (tmp, db)
}

#[test]
fn readme_pull_examples_run_as_shown() {
    let (_tmp, db) = movies();
    let checked = readme_examples("Pull and entities", &db);
    assert!(checked >= 3, "only {checked} examples found");
}

#[test]
fn json_contract_and_entities_by_ident_and_lookup_ref() {
    let tmp = TempDir::new().expect("temp dir");
    let db = tmp.path().join("db");
    let tx = file(
        tmp.path(),
        "people.edn",
        r#"[{:db/ident :person/email :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
            {:db/ident :person/aliases :db/valueType :db.type/string :db/cardinality :db.cardinality/many}
            {:db/ident :person/friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/one}]"#,
    );
    ok(run(&db, &["transact", tx.to_str().expect("utf-8")]));
    let tx = file(
        tmp.path(),
        "ann.edn",
        r#"[{:db/id "b" :person/email "bo@x"}
            {:db/id "a" :person/email "ann@x" :person/aliases ["A" "Annie"] :person/friend "b"}]"#,
    );
    ok(run(&db, &["transact", tx.to_str().expect("utf-8")]));
    let tx = file(
        tmp.path(),
        "ident.edn",
        r#"[[:db/add [:person/email "ann@x"] :db/ident :person/ann]]"#,
    );
    ok(run(&db, &["transact", tx.to_str().expect("utf-8")]));
    let by_ident = json(&ok(run(
        &db,
        &[
            "pull",
            ":person/ann",
            r#"[:db/id [:person/email :as "email"] :person/aliases :person/friend]"#,
            "--format",
            "json",
        ],
    )));
    let id = by_ident[":db/id"].as_u64().expect(":db/id is a number");
    assert_eq!(by_ident["email"], "ann@x");
    assert_eq!(
        by_ident[":person/aliases"],
        serde_json::json!(["A", "Annie"])
    );
    assert!(by_ident[":person/friend"][":db/id"].is_u64(), "{by_ident}");
    let by_ref = json(&ok(run(
        &db,
        &[
            "pull",
            r#"[:person/email "ann@x"]"#,
            "[:db/id]",
            "--format",
            "json",
        ],
    )));
    assert_eq!(by_ref[":db/id"].as_u64(), Some(id));
    // Nothing of the pattern: null.
    let none = ok(run(
        &db,
        &["pull", &id.to_string(), "[:db/doc]", "--format", "json"],
    ));
    assert_eq!(none.trim(), "null");
    let table = ok(run(
        &db,
        &[
            "pull",
            ":person/ann",
            "[:person/email]",
            "--format",
            "table",
        ],
    ));
    assert!(
        table.contains(":person/email") && table.contains("ann@x"),
        "{table}"
    );
    for (entity, pattern, says) in [
        (":person/ann", "[:person/nope]", ":person/nope"),
        (":no/one", "[*]", ":no/one"),
        (r#"[:person/email "nobody"]"#, "[*]", "nobody"),
        (":person/ann", "[:person/email", "unterminated"),
        (":person/ann", "[[:person/email :limit 3]]", ":limit"),
    ] {
        let out = run(&db, &["pull", entity, pattern]);
        assert_eq!(out.status.code(), Some(1), "{entity} {pattern}");
        assert!(
            stderr(&out).contains(says),
            "{entity} {pattern}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn pull_takes_the_time_options() {
    let (tmp, db) = movies();
    let change = file(
        tmp.path(),
        "fix.edn",
        "[[:db/add 17592186045474 :movie/year 1980]]",
    );
    let change = change.to_str().expect("utf-8");
    let pull = |extra: &[&str]| {
        let mut args = vec!["pull", "17592186045474", "[:movie/year]"];
        args.extend_from_slice(extra);
        ok(run(&db, &args)).trim().to_string()
    };
    assert_eq!(pull(&["--with", change]), "{:movie/year 1980}");
    assert_eq!(pull(&[]), "{:movie/year 1979}");
    ok(run(&db, &["transact", change]));
    assert_eq!(pull(&[]), "{:movie/year 1980}");
    assert_eq!(pull(&["--as-of", "2"]), "{:movie/year 1979}");
    let out = run(
        &db,
        &["pull", "17592186045474", "[:movie/year]", "--history"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("history"), "{}", stderr(&out));
}
