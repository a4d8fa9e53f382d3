//! Helpers shared by the CLI's end-to-end tests: run the real `datolite` binary with a clean
//! environment and look at its stdout, stderr and exit code.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value as Json;

/// The binary with a clean environment: no `DATOLITE_*` variable of the caller leaks in.
pub fn datolite() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_datolite"));
    without_datolite_vars(&mut command);
    command
}

/// Keeps the caller's `DATOLITE_*` variables out of `command`'s environment.
pub fn without_datolite_vars(command: &mut Command) {
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("DATOLITE_") {
            command.env_remove(&name);
        }
    }
}

/// Runs `datolite --db DB args…`.
pub fn run(db: &Path, args: &[&str]) -> Output {
    datolite()
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run datolite")
}

/// Runs `datolite --db DB args…` with the environment variable `name` set to `value`.
pub fn run_env(db: &Path, (name, value): (&str, &str), args: &[&str]) -> Output {
    datolite()
        .env(name, value)
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run datolite")
}

/// Runs `datolite --db DB args…` with `input` on stdin.
pub fn run_with_stdin(db: &Path, args: &[&str], input: &[u8]) -> Output {
    run_with_stdin_in(datolite(), db, args, input)
}

/// Runs `command` (a [`datolite`] with its environment set) as `--db DB args…` with `input` on
/// stdin.
pub fn run_with_stdin_in(mut command: Command, db: &Path, args: &[&str], input: &[u8]) -> Output {
    let mut child = command
        .arg("--db")
        .arg(db)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn datolite");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write stdin");
    child.wait_with_output().expect("wait for datolite")
}

/// Stdout as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Stderr as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts success and returns stdout.
pub fn ok(output: Output) -> String {
    assert!(
        output.status.success(),
        "datolite failed: {:?}\nstdout: {}\nstderr: {}",
        output.status,
        stdout(&output),
        stderr(&output)
    );
    stdout(&output)
}

/// Asserts exit code 1 and returns stderr.
pub fn fails(output: Output) -> String {
    assert_eq!(
        output.status.code(),
        Some(1),
        "expected exit 1\nstdout: {}\nstderr: {}",
        stdout(&output),
        stderr(&output)
    );
    stderr(&output)
}

/// Parses JSON output.
pub fn json(text: &str) -> Json {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// A file `name` with `text` inside `dir`.
pub fn file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write test file");
    path
}

/// Runs every `$ datolite --db movies …` command in the console blocks of the README section
/// whose heading starts with `heading`, against the database `db`, and checks each prints
/// exactly the lines shown under it (on stderr, failing, when they start with `error:`). A
/// command goes on past a line ending in a backslash or
/// with a quote still open. Returns how many commands ran.
pub fn readme_examples(heading: &str, db: &Path) -> usize {
    let readme = include_str!("../../../../README.md");
    let section = readme
        .split("\n## ")
        .find(|s| s.starts_with(heading))
        .unwrap_or_else(|| panic!("the README has no section {heading}"));
    let mut checked = 0;
    let mut in_console = false;
    let mut lines = section.lines().peekable();
    while let Some(line) = lines.next() {
        if line.starts_with("```") {
            in_console = !in_console && line.trim() == "```console";
            continue;
        }
        let Some(command) = line
            .strip_prefix("$ datolite --db movies ")
            .filter(|_| in_console)
        else {
            continue;
        };
        let mut text = command.to_string();
        while text.ends_with('\\') || text.matches('\'').count() % 2 == 1 {
            if text.ends_with('\\') {
                text.pop();
            } else {
                text.push('\n');
            }
            text.push_str(lines.next().expect("the command goes on"));
        }
        let mut expected = Vec::new();
        while let Some(next) = lines.peek() {
            if next.starts_with('$') || next.starts_with("```") {
                break;
            }
            expected.push(lines.next().expect("peeked"));
        }
        let words = shell_words(&text);
        let args: Vec<&str> = words.iter().map(String::as_str).collect();
        // An example showing an error shows what the failing command prints on stderr.
        let out = if expected.first().is_some_and(|l| l.starts_with("error:")) {
            fails(run(db, &args))
        } else {
            ok(run(db, &args))
        };
        assert_eq!(
            without_times(out.trim_end()),
            without_times(&expected.join("\n")),
            "README: $ datolite --db movies {text}"
        );
        checked += 1;
    }
    checked
}

/// `text` with every measured time (`in 0.012 ms`, from `explain --analyze`) replaced by
/// `in _ ms`: the one part of an example's output that differs from run to run.
fn without_times(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(" in ") {
        out.push_str(&rest[..i + 4]);
        rest = &rest[i + 4..];
        let number = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if number > 0 && rest[number..].starts_with(" ms") {
            out.push('_');
            rest = &rest[number..];
        }
    }
    out.push_str(rest);
    out
}

/// Shell words: single-quoted strings (kept whole, newlines included) and bare words.
pub fn shell_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                word.get_or_insert_with(String::new);
            }
            c if c.is_whitespace() && !quoted => words.extend(word.take()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}
