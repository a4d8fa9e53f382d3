//! `docs/errors.md` is a test: every row of its bad-input tables runs against a fresh database
//! holding the document's own people, and must print the message, exit with the code and leave
//! the database as the row says.

mod common;

use std::path::Path;

use common::{datolite, file, ok, run, stderr};

const DOC: &str = include_str!("../../../docs/errors.md");

/// One row of a bad-input table.
struct Row {
    stdin: String,
    command: String,
    message: String,
    exit: i32,
    after: String,
}

/// The text inside the first code span of `cell`, or the cell trimmed.
fn code(cell: &str) -> String {
    let cell = cell.trim();
    match (cell.find('`'), cell.rfind('`')) {
        (Some(a), Some(b)) if b > a => cell[a + 1..b].to_string(),
        _ => cell.to_string(),
    }
}

fn rows() -> Vec<Row> {
    let mut rows = Vec::new();
    let mut in_table = false;
    for line in DOC.lines() {
        if line.starts_with("| stdin | command |") {
            in_table = true;
            continue;
        }
        if !line.starts_with('|') {
            in_table = false;
            continue;
        }
        if !in_table || line.starts_with("|---") {
            continue;
        }
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").collect();
        assert_eq!(cells.len(), 5, "a row of five cells: {line}");
        rows.push(Row {
            stdin: code(cells[0]),
            command: code(cells[1]),
            message: code(cells[2]),
            exit: cells[3].trim().parse().expect("an exit code"),
            after: cells[4].trim().to_string(),
        });
    }
    rows
}

/// Words of a command line: whitespace separates them, except inside EDN brackets and strings.
fn words(text: &str) -> Vec<String> {
    let (mut words, mut word) = (Vec::new(), String::new());
    let (mut depth, mut in_string) = (0i32, false);
    for c in text.chars() {
        match c {
            '"' => in_string = !in_string,
            '[' | '(' | '{' if !in_string => depth += 1,
            ']' | ')' | '}' if !in_string => depth -= 1,
            c if c.is_whitespace() && depth <= 0 && !in_string => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                continue;
            }
            _ => {}
        }
        word.push(c);
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// The database's statistics and basis, as `stats --format json` prints them.
fn state(db: &Path) -> String {
    ok(run(db, &["stats", "--format", "json"]))
}

#[test]
fn every_row_of_the_error_matrix_holds() {
    let base = DOC
        .split("```clojure\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .expect("the people of docs/errors.md");
    let rows = rows();
    assert!(rows.len() >= 25, "the matrix has {} rows", rows.len());
    for row in rows {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("db");
        let people = file(dir.path(), "people.edn", base);
        ok(run(&db, &["transact", people.to_str().expect("utf-8")]));
        let before = state(&db);
        let mut command = datolite();
        command.current_dir(dir.path());
        let mut args = words(&row.command).into_iter();
        let mut rest = Vec::new();
        let mut db_arg = db.clone().into_os_string();
        while let Some(word) = args.next() {
            match word.as_str() {
                "--db" => db_arg = args.next().expect("--db DIR").into(),
                "--env" => {
                    let pair = args.next().expect("--env NAME=VALUE");
                    let (name, value) = pair.split_once('=').expect("NAME=VALUE");
                    command.env(name, value);
                }
                _ => rest.push(word),
            }
        }
        command.arg("--db").arg(&db_arg).args(&rest);
        let out = if row.stdin.is_empty() {
            command.output().expect("run datolite")
        } else {
            let input = file(dir.path(), "stdin.edn", &row.stdin);
            command
                .stdin(std::fs::File::open(input).expect("stdin file"))
                .output()
                .expect("run datolite")
        };
        let what = format!("docs/errors.md row `{}`", row.command);
        assert_eq!(
            out.status.code(),
            Some(row.exit),
            "{what}: {}",
            stderr(&out)
        );
        assert!(
            stderr(&out).contains(&row.message),
            "{what}: stderr lacks {:?}: {}",
            row.message,
            stderr(&out)
        );
        assert!(
            row.after.starts_with("unchanged"),
            "{what}: unknown after {:?}",
            row.after
        );
        assert_eq!(state(&db), before, "{what}: the database changed");
        ok(run(&db, &["check"]));
        if let Some(name) = row.after.strip_prefix("unchanged; no ") {
            assert!(
                !dir.path().join(name).exists(),
                "{what}: {name} was created"
            );
        }
    }
}
