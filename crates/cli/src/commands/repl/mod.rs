//! `datolite --db DIR repl`: an interactive Datalog prompt.
//!
//! Input accumulates until the form is balanced (brackets, braces and parentheses counted
//! outside strings and `;` comments), so a query may span lines. On a terminal it edits lines
//! with `rustyline`, completes commands and attribute idents with Tab ([`completion`]), keeps
//! its history in the user's state directory ([`history`]), and Ctrl-C cancels a running query
//! ([`interrupt`]). With stdin not a terminal it reads
//! every line, runs each complete form and prints its result, which is how scripts and tests
//! drive it; there it keeps no history and exits with 1 when any entry failed (later entries
//! still run).
//!
//! Entries ([`commands`], whose `.help` text is the reference):
//! - a query, followed on the same entry by its arguments, one EDN value per non-source `:in`
//!   element: `[:find ?t :in $ ?year :where [?m :movie/year ?year] [?m :movie/title ?t]] 1987`;
//! - `.in ARG ...` sets the arguments of the next query instead (one-shot: the next query or
//!   `.explain` uses them up, whether it succeeds or not; `.in` alone shows them);
//! - `.rules EDN|@FILE` sets the rules `%` takes when its argument is left out (sticky);
//! - `.as-of POINT`, `.since POINT`, `.history on|off`, `.now` set the value queries, `.pull`,
//!   `.explain` and `.stats` read (sticky, shown in the prompt: `datolite[as-of 42]> `);
//! - `.pull ENTITY [PATTERN]`, `.explain QUERY [ARG ...]`, `.explain-analyze`, `.transact EDN`,
//!   `.stats`, `.format table|edn|json`, `.help`, `.quit`.

mod commands;
mod completion;
mod forms;
mod history;
mod interrupt;
mod session;
mod view;

use std::io::{BufRead, IsTerminal};
use std::path::Path;

use clap::Args;
use datolite::Cancel;
use rustyline::config::Config;
use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::Editor;

use crate::commands::limits::LimitArgs;
use crate::commands::query::QueryFormat;
use crate::commands::{open_database, Create};
use crate::error::{CliError, Result};
use commands::Next;
use completion::ReplHelper;
pub use history::HISTORY_FILE_VAR;
use session::Session;

/// How many entries the history keeps (rustyline's default, 100, is short for queries one
/// comes back to).
const HISTORY_SIZE: usize = 1000;

/// Arguments of `repl`.
#[derive(Debug, Args)]
pub struct ReplArgs {
    /// How results print (also `.format` inside the REPL).
    #[arg(long, value_enum, default_value = "edn")]
    format: QueryFormat,

    #[command(flatten)]
    limits: LimitArgs,
}

/// Runs `repl`.
pub fn run(db_path: Option<&Path>, args: ReplArgs) -> Result<()> {
    let database = open_database(db_path, Create::Never)?;
    let db_path = db_path.unwrap_or(Path::new("."));
    let mut session = Session::new(database, db_path, args.format, args.limits.options());
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

/// The end of a batch: an error counting the failed entries, if any.
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

/// The terminal loop, with line editing, completion and history.
fn interactive(session: &mut Session<'_>) -> Result<()> {
    // Entries, not lines, go into the history (a multi-line query is one entry).
    let config = Config::builder()
        .auto_add_history(false)
        .max_history_size(HISTORY_SIZE)
        .map_err(|e| CliError::msg(format!("cannot start line editing: {e}")))?
        .build();
    let mut editor: Editor<ReplHelper, DefaultHistory> = Editor::with_config(config)
        .map_err(|e| CliError::msg(format!("cannot start line editing: {e}")))?;
    editor.set_helper(Some(ReplHelper {
        idents: session.idents(),
    }));
    let history = history::session_history();
    if let Some(path) = &history {
        // A first session has no file yet; an unreadable one only costs the old lines.
        let _ = editor.load_history(path);
    }
    println!(
        "datolite repl on {} — .help for help, .quit to leave",
        crate::commands::shown(session.db_path)
    );
    let mut buffer = String::new();
    loop {
        let prompt = session.prompt();
        let prompt = if buffer.is_empty() {
            prompt
        } else {
            // The continuation prompt lines up with the first.
            format!("{:>width$}", "...> ", width = prompt.chars().count())
        };
        match editor.readline(&prompt) {
            Ok(line) => {
                let Some(entry) = add_line(&mut buffer, &line) else {
                    continue;
                };
                if entry.is_empty() {
                    continue;
                }
                let _ = editor.add_history_entry(&entry);
                // Ctrl-C while the entry runs cancels its query (a fresh handle each time: a
                // cancelled one stays cancelled).
                let cancel = Cancel::new();
                session.limits.cancel = Some(cancel.clone());
                let next = interrupt::cancel_on_interrupt(&cancel, || session.entry(&entry));
                if let Some(helper) = editor.helper_mut() {
                    // A transaction may have added attributes.
                    helper.idents = session.idents();
                }
                match next {
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
    if let Some(path) = &history {
        save_history(&mut editor, path);
    }
    Ok(())
}

/// Writes the session's lines to `path`; a failure is a warning (the session's work is done).
fn save_history(editor: &mut Editor<ReplHelper, DefaultHistory>, path: &Path) {
    if let Err(e) = editor.save_history(path) {
        eprintln!(
            "warning: cannot save the history to {}: {e}",
            path.display()
        );
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
