//! Tab completion on the terminal: dot-commands at the start of a line, the fixed arguments of
//! some of them (`.format json`, `.history on`), and attribute idents (`:person/name`) for a
//! word that starts with `:`.
//!
//! [`complete`] is a pure function of the line, the cursor and the idents, so it is tested
//! directly; [`ReplHelper`] only hands it to `rustyline`.

use rustyline::completion::Completer;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};

use super::commands::COMMANDS;

/// The fixed words some commands take as their first argument.
const ARGUMENTS: &[(&str, &[&str])] = &[
    (".format", &["edn", "json", "table"]),
    (".history", &["off", "on"]),
    (".in", &["clear"]),
    (".rules", &["clear"]),
];

/// Characters that end an EDN token (and so start the word being completed).
fn is_delimiter(c: char) -> bool {
    c.is_whitespace() || matches!(c, '[' | ']' | '(' | ')' | '{' | '}' | '"' | ',' | '^' | '#')
}

/// The completions of the word before byte `pos` of `line`: the byte where that word starts
/// and the candidates that replace it, sorted. `idents` are attribute idents with their colon.
pub fn complete(line: &str, pos: usize, idents: &[String]) -> (usize, Vec<String>) {
    let before = line.get(..pos).unwrap_or(line);
    let start = before
        .char_indices()
        .rev()
        .find(|&(_, c)| is_delimiter(c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let word = &before[start..];
    let ahead = before[..start].trim_start();
    if ahead.is_empty() && word.starts_with('.') {
        return (start, matching(word, COMMANDS.iter().copied()));
    }
    // The first argument of a command with fixed arguments.
    if let Some(command) = ahead.strip_suffix(char::is_whitespace).map(str::trim_end) {
        if let Some((_, words)) = ARGUMENTS.iter().find(|(name, _)| *name == command) {
            return (start, matching(word, words.iter().copied()));
        }
    }
    if word.starts_with(':') && !inside_string(&before[..start]) {
        return (start, matching(word, idents.iter().map(String::as_str)));
    }
    (start, Vec::new())
}

/// The `words` that start with `word`, sorted, each once.
fn matching<'w>(word: &str, words: impl Iterator<Item = &'w str>) -> Vec<String> {
    let mut found: Vec<String> = words
        .filter(|w| w.starts_with(word))
        .map(str::to_string)
        .collect();
    found.sort();
    found.dedup();
    found
}

/// Whether `text` ends inside a string literal (an odd number of unescaped quotes).
fn inside_string(text: &str) -> bool {
    let mut inside = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '"' => inside = !inside,
            _ => {}
        }
    }
    inside
}

/// The `rustyline` helper: completion from [`complete`], nothing else.
pub struct ReplHelper {
    /// The database's attribute idents, with their colon; refreshed after every entry (a
    /// transaction may add attributes).
    pub idents: Vec<String>,
}

impl Completer for ReplHelper {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        Ok(complete(line, pos, &self.idents))
    }
}

impl Hinter for ReplHelper {
    type Hint = String;
}

impl Highlighter for ReplHelper {}

impl Validator for ReplHelper {}

impl Helper for ReplHelper {}

#[cfg(test)]
mod tests {
    use super::*;

    fn idents() -> Vec<String> {
        [":movie/title", ":movie/year", ":person/name", ":db/ident"]
            .map(String::from)
            .to_vec()
    }

    /// The candidates for `line` with the cursor at its end.
    fn at_end(line: &str) -> (usize, Vec<String>) {
        complete(line, line.len(), &idents())
    }

    #[test]
    fn commands_complete_at_the_line_start() {
        assert_eq!(at_end(".h"), (0, vec![".help".into(), ".history".into()]));
        assert_eq!(at_end(".as"), (0, vec![".as-of".into()]));
        assert_eq!(at_end("  .no"), (2, vec![".now".into()]));
        assert_eq!(at_end(".").1.len(), COMMANDS.len());
        // Not a command after other text.
        assert_eq!(at_end("[:find .h").1, Vec::<String>::new());
    }

    #[test]
    fn fixed_arguments_complete() {
        assert_eq!(at_end(".format j"), (8, vec!["json".into()]));
        assert_eq!(at_end(".history "), (9, vec!["off".into(), "on".into()]));
        assert_eq!(at_end(".as-of ").1, Vec::<String>::new());
    }

    #[test]
    fn attribute_idents_complete_after_a_colon() {
        assert_eq!(
            at_end("[:find ?t :where [?m :movie/"),
            (21, vec![":movie/title".into(), ":movie/year".into()])
        );
        assert_eq!(at_end("[?p :p").1, vec![":person/name".to_string()]);
        assert_eq!(at_end(".pull 1 [:d").1, vec![":db/ident".to_string()]);
        // The cursor inside the line completes the word before it.
        let line = "[?m :mov ?t]";
        assert_eq!(complete(line, 8, &idents()).0, 4);
        assert_eq!(complete(line, 8, &idents()).1.len(), 2);
        // Not inside a string, not for other words.
        assert_eq!(at_end("[?m :movie/title \"a :mo").1, Vec::<String>::new());
        assert_eq!(at_end("[?m mov").1, Vec::<String>::new());
    }
}
