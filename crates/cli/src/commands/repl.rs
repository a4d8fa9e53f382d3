//! `datolite --db DIR repl`: an interactive Datalog prompt.
//!
//! On a terminal it edits lines with `rustyline` and keeps its history in
//! `DIR/.datolite_history`. Input accumulates until the form is balanced (brackets, braces and
//! parentheses counted outside strings and `;` comments), so a query may span lines. With stdin
//! not a terminal it reads every line, runs each complete form and prints its result, which is
//! how scripts and tests drive it; there it exits with 1 when any form failed.
//!
//! Entries: a query (`[:find …]` or `{:find …}`, no inputs), `.help`, `.stats`,
//! `.explain QUERY`, `.transact EDN`, `.format table|edn|json`, `.quit`.

use std::io::{BufRead, IsTerminal};
use std::path::Path;

use clap::{Args, ValueEnum};
use datolite::{Database, DbQueries, QueryOptions};
use rustyline::error::ReadlineError;

use crate::commands::limits::LimitArgs;
use crate::commands::query::{render, run_query, QueryFormat};
use crate::commands::stats::{attribute_rows, attribute_table};
use crate::commands::{open_database, Create};
use crate::error::{CliError, Result};

/// Where the terminal history lives, inside the database directory.
const HISTORY_FILE: &str = ".datolite_history";

const HELP: &str = "\
Enter a Datalog query (it may span lines; it runs when its brackets balance), e.g.
  [:find ?title :where [?m :movie/year 1987] [?m :movie/title ?title]]
or a command:
  .help                    this text
  .stats                   datoms and per-attribute statistics (as `datolite stats`)
  .explain QUERY           the query's plan (`.explain-analyze QUERY` also runs it)
  .transact EDN            run one transaction of EDN tx-data
  .format table|edn|json   how results print (default: edn)
  .quit                    leave (also Ctrl-D)";

/// Arguments of `repl`.
#[derive(Debug, Args)]
pub struct ReplArgs {
    /// How results print (also `.format` inside the REPL).
    #[arg(long, value_enum, default_value = "edn")]
    format: QueryFormat,

    #[command(flatten)]
    limits: LimitArgs,
}

/// What to do after an entry.
enum Next {
    Continue,
    Quit,
}

/// The REPL's state.
struct Session<'a> {
    database: Database,
    db_path: &'a Path,
    format: QueryFormat,
    limits: QueryOptions,
}

/// Runs `repl`.
pub fn run(db_path: Option<&Path>, args: ReplArgs) -> Result<()> {
    let database = open_database(db_path, Create::Never)?;
    let db_path = db_path.unwrap_or(Path::new("."));
    let mut session = Session {
        database,
        db_path,
        format: args.format,
        limits: args.limits.options(),
    };
    if std::io::stdin().is_terminal() {
        interactive(&mut session)
    } else {
        batch(&mut session)
    }
}

/// Reads stdin to the end, running each complete form; errors go to stderr and make the exit
/// code 1 at the end.
fn batch(session: &mut Session<'_>) -> Result<()> {
    let mut buffer = String::new();
    let mut failures = 0usize;
    for line in std::io::stdin().lock().lines() {
        let Some(entry) = add_line(&mut buffer, &line?) else {
            continue;
        };
        match session.entry(&entry) {
            Ok(Next::Continue) => {}
            Ok(Next::Quit) => return finish(failures),
            Err(CliError::BrokenPipe) => return Err(CliError::BrokenPipe),
            Err(error) => {
                eprintln!("error: {error}");
                failures += 1;
            }
        }
    }
    if !buffer.trim().is_empty() {
        eprintln!(
            "error: input ended inside an unfinished form: {}",
            buffer.trim()
        );
        failures += 1;
    }
    finish(failures)
}

/// Appends `line` to the form being typed; once its brackets balance, takes the whole form out
/// (trimmed) and returns it.
fn add_line(buffer: &mut String, line: &str) -> Option<String> {
    if !buffer.is_empty() {
        buffer.push('\n');
    }
    buffer.push_str(line);
    if !is_complete(buffer) {
        return None;
    }
    Some(std::mem::take(buffer).trim().to_string())
}

fn finish(failures: usize) -> Result<()> {
    if failures == 0 {
        Ok(())
    } else {
        Err(CliError::msg(format!(
            "{failures} entr{} failed",
            if failures == 1 { "y" } else { "ies" }
        )))
    }
}

/// The terminal loop, with line editing and history.
fn interactive(session: &mut Session<'_>) -> Result<()> {
    let mut editor = rustyline::DefaultEditor::new()
        .map_err(|e| CliError::msg(format!("cannot start line editing: {e}")))?;
    let history = session.db_path.join(HISTORY_FILE);
    let _ = editor.load_history(&history);
    println!(
        "datolite repl on {} — .help for help, .quit to leave",
        session.db_path.display()
    );
    let mut buffer = String::new();
    loop {
        let prompt = if buffer.is_empty() {
            "datolite> "
        } else {
            "     ...> "
        };
        match editor.readline(prompt) {
            Ok(line) => {
                let Some(entry) = add_line(&mut buffer, &line) else {
                    continue;
                };
                if entry.is_empty() {
                    continue;
                }
                let _ = editor.add_history_entry(&entry);
                match session.entry(&entry) {
                    Ok(Next::Continue) => {}
                    Ok(Next::Quit) => break,
                    Err(error) => eprintln!("error: {error}"),
                }
            }
            // Ctrl-C drops the unfinished form; Ctrl-D leaves.
            Err(ReadlineError::Interrupted) => buffer.clear(),
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(CliError::msg(format!("cannot read input: {e}"))),
        }
    }
    let _ = editor.save_history(&history);
    Ok(())
}

impl Session<'_> {
    /// Runs one complete entry.
    fn entry(&mut self, entry: &str) -> Result<Next> {
        if entry.is_empty() {
            return Ok(Next::Continue);
        }
        if let Some(command) = entry.strip_prefix('.') {
            let (name, rest) = command
                .split_once(char::is_whitespace)
                .map_or((command, ""), |(n, r)| (n, r.trim()));
            return match name {
                "quit" | "exit" | "q" => Ok(Next::Quit),
                "help" => {
                    println!("{HELP}");
                    Ok(Next::Continue)
                }
                "stats" => {
                    self.stats()?;
                    Ok(Next::Continue)
                }
                "explain" | "explain-analyze" => {
                    if rest.is_empty() {
                        return Err(CliError::msg(format!(".{name} needs a query")));
                    }
                    let db = self.database.db()?;
                    let analyze = name == "explain-analyze";
                    let plan = db.explain_plan_limited(rest, &[], &[], analyze, &self.limits)?;
                    println!("{plan}");
                    Ok(Next::Continue)
                }
                "transact" => {
                    self.transact(rest)?;
                    Ok(Next::Continue)
                }
                "format" => {
                    self.format = QueryFormat::from_str(rest, true).map_err(|_| {
                        CliError::msg(format!("unknown format {rest:?}: use table, edn or json"))
                    })?;
                    Ok(Next::Continue)
                }
                other => Err(CliError::msg(format!(
                    "unknown command .{other} (.help lists them)"
                ))),
            };
        }
        if entry.starts_with('[') || entry.starts_with('{') {
            let db = self.database.db()?;
            let result = run_query(&db, entry, &[], &self.limits)?;
            println!("{}", render(entry, &result, self.format));
            return Ok(Next::Continue);
        }
        Err(CliError::msg(format!(
            "not a query or a command: {entry} (.help lists what the REPL takes)"
        )))
    }

    fn stats(&self) -> Result<()> {
        let db = self.database.db()?;
        let rows = attribute_rows(&db)?;
        println!(
            "database {}: {} datoms, basis t {}, {} on disk\n{}",
            self.db_path.display(),
            crate::output::thousands(db.count()?),
            db.basis_t(),
            crate::output::bytes(self.database.size_on_disk()?),
            attribute_table(&rows, true)
        );
        Ok(())
    }

    fn transact(&self, tx_data: &str) -> Result<()> {
        if tx_data.is_empty() {
            return Err(CliError::msg(
                ".transact needs EDN tx-data, e.g. .transact [{:person/name \"Ann\"}]",
            ));
        }
        let report = self.database.transact(tx_data)?;
        let mut line = format!(
            "tx {} (t {}): {} datoms",
            report.tx,
            report.t,
            report.tx_data.len()
        );
        if !report.tempids.is_empty() {
            let ids: Vec<String> = report
                .tempids
                .iter()
                .map(|(k, v)| format!("{k:?} {v}"))
                .collect();
            line.push_str(&format!(", tempids {{{}}}", ids.join(", ")));
        }
        println!("{line}");
        Ok(())
    }
}

/// Whether `text` holds complete forms: every `[`, `{`, `(` closed outside strings and `;`
/// comments. Extra closers count as complete (the reader reports them).
pub fn is_complete(text: &str) -> bool {
    let mut depth = 0i64;
    let mut in_string = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if in_string {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            ';' => {
                // A comment runs to the end of the line.
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '\\' => {
                // A character literal such as \( does not open anything.
                chars.next();
            }
            '[' | '{' | '(' => depth += 1,
            ']' | '}' | ')' => depth -= 1,
            _ => {}
        }
    }
    !in_string && depth <= 0
}

#[cfg(test)]
mod tests {
    use super::is_complete;

    #[test]
    fn forms_complete_when_balanced() {
        assert!(is_complete("[:find ?e :where [?e :a 1]]"));
        assert!(!is_complete("[:find ?e\n :where [?e :a"));
        assert!(!is_complete("[:find ?e :where [?e :a \"]\""));
        assert!(is_complete("[:find ?e :where [?e :a \"]\"]]"));
        assert!(!is_complete("[:find ?e ; ]]]\n"));
        assert!(is_complete(".help"));
        assert!(is_complete(""));
    }
}
