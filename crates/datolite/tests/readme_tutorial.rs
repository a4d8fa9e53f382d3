//! Runs every example of README.md's "Query tutorial" against the movie fixture, so the examples
//! cannot rot.
//!
//! The convention: inside the section, a fenced block whose first line starts with
//! `$ datolite --db movies query --format edn ` is an example. After that prefix come shell
//! words — single-quoted strings (which may span lines) or bare words — up to the end of the
//! line that closes the last quote: the first word is the query, the others its EDN arguments.
//! The block's remaining lines are the expected output, exactly as [`datolite::result_edn`]
//! prints it (the CLI's `--format edn`). A block starting `$ datolite --db movies explain
//! --analyze ` is checked the same way against the plan `explain` prints.

use datolite::{result_edn, Database, DbQueries};

const PREFIX: &str = "$ datolite --db movies query --format edn ";
const EXPLAIN_PREFIX: &str = "$ datolite --db movies explain --analyze ";

/// One tutorial example.
#[derive(Debug)]
struct Example {
    line: usize,
    /// `explain --analyze` rather than `query`.
    explain: bool,
    words: Vec<String>,
    expected: String,
}

/// The fenced blocks of the "Query tutorial" section, with the line each starts on.
fn tutorial_blocks(readme: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut in_section = false;
    let mut current: Option<(usize, String)> = None;
    for (i, line) in readme.lines().enumerate() {
        if current.is_none() && line.starts_with("## ") {
            in_section = line.trim() == "## Query tutorial";
            continue;
        }
        if !in_section {
            continue;
        }
        if line.starts_with("```") {
            match current.take() {
                Some(block) => blocks.push(block),
                None => current = Some((i + 1, String::new())),
            }
        } else if let Some((_, text)) = current.as_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    blocks
}

/// Splits shell words (single quotes, no escapes) from `text`, stopping at the first newline
/// outside quotes; returns the words and the rest of the text.
fn shell_words(text: &str) -> (Vec<String>, &str) {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quoted = false;
    for (i, c) in text.char_indices() {
        match c {
            '\'' => {
                quoted = !quoted;
                word.get_or_insert_with(String::new);
            }
            '\n' if !quoted => {
                words.extend(word.take());
                return (words, &text[i + 1..]);
            }
            c if c.is_whitespace() && !quoted => words.extend(word.take()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    assert!(!quoted, "unterminated quote in {text}");
    words.extend(word);
    (words, "")
}

fn examples() -> Vec<Example> {
    let readme = include_str!("../../../README.md");
    tutorial_blocks(readme)
        .into_iter()
        .filter_map(|(line, block)| {
            let (explain, command) = match block.strip_prefix(PREFIX) {
                Some(command) => (false, command),
                None => (true, block.strip_prefix(EXPLAIN_PREFIX)?),
            };
            let (words, rest) = shell_words(command);
            Some(Example {
                line,
                explain,
                words,
                expected: rest.trim_end().to_string(),
            })
        })
        .collect()
}

/// `text` with the digits of every ` in 0.123 ms` replaced by `…`.
fn without_timings(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(" in ") {
        let (head, tail) = rest.split_at(i + 4);
        out.push_str(head);
        let digits = tail
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(tail.len());
        if digits > 0 && tail[digits..].starts_with(" ms") {
            out.push('…');
            rest = &tail[digits..];
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn readme_tutorial_examples_run_as_shown() {
    let examples = examples();
    assert!(
        examples.len() >= 10,
        "the Query tutorial should hold at least 10 examples, found {}",
        examples.len()
    );
    let db = Database::memory().expect("memory database");
    db.transact(include_str!("../../../fixtures/movies.edn"))
        .expect("load the movie fixture");
    let snapshot = db.db().expect("snapshot");
    let mut failures = Vec::new();
    for example in &examples {
        let (query, args) = example.words.split_first().expect("a query");
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let got = if example.explain {
            snapshot.explain(query, &args, true)
        } else {
            snapshot
                .q_edn(query, &args)
                .map(|result| result_edn(&result))
        };
        let got = got.unwrap_or_else(|error| format!("error: {error}"));
        // Explain's timings differ from run to run: compare everything but their digits.
        if without_timings(&got) != without_timings(&example.expected) {
            failures.push(format!(
                "README.md line {}: {query}\n  expected {}\n  got      {got}",
                example.line, example.expected
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        examples.iter().any(|e| e.explain),
        "the tutorial shows one explain example"
    );
}

#[test]
fn shell_words_split_like_sh() {
    let (words, rest) = shell_words("'[:find ?x\n :where]' 1985 '\"a b\"'\n[1]\n");
    assert_eq!(words, ["[:find ?x\n :where]", "1985", "\"a b\""]);
    assert_eq!(rest, "[1]\n");
}
