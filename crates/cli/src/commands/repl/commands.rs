//! What each REPL entry does: a query (with its arguments) or a dot-command.

use clap::ValueEnum;
use datolite::DbQueries;

use super::forms::{split_forms, with_rules};
use super::session::Session;
use super::view::{Point, View};
use crate::commands::query::{query_text, render, run_query, QueryFormat};
use crate::commands::stats::{attribute_rows, attribute_table};
use crate::error::{CliError, Result};
use crate::output;

/// Every dot-command, for completion (aliases `.exit` and `.q` aside).
pub const COMMANDS: &[&str] = &[
    ".as-of",
    ".explain",
    ".explain-analyze",
    ".format",
    ".help",
    ".history",
    ".in",
    ".now",
    ".pull",
    ".quit",
    ".rules",
    ".since",
    ".stats",
    ".transact",
];

/// The text of `.help`.
pub const HELP: &str = "\
Enter a Datalog query (it may span lines; it runs when its brackets balance), e.g.
  [:find ?title :where [?m :movie/year 1987] [?m :movie/title ?title]]
A query with inputs takes one EDN value per non-source :in element ($ sources take none),
either after the query, on the line where it ends:
  [:find ?t :in $ ?year ?name :where [?m :movie/year ?year] …] 1987 \"Mel Gibson\"
or set just before it with .in. A wrong number of arguments is an error naming the :in.
`%` takes the session's .rules when its argument is left out.

Commands:
  .in ARG ...              arguments of the next query or .explain, each one EDN value
                           (.in 1987 \"Mel Gibson\" [1 2]); used once, then cleared;
                           .in alone shows them, .in clear drops them
  .rules EDN | @FILE       the rules % binds, kept for the session, e.g.
                           .rules [[(follows ?a ?b) [?a :follows ?b]]
                                   [(follows ?a ?b) [?a :follows ?x] (follows ?x ?b)]]
                           .rules alone shows them, .rules clear drops them
  .as-of POINT             read the database as of POINT: a t (42), a transaction id or an
                           instant (2024-05-01T12:00:00Z, #inst \"2024-05-01\")
  .since POINT             read only the datoms added after POINT
  .history on|off          read every assertion and retraction (retractions: added false)
  .now                     back to the current value (drops .as-of, .since and .history)
                           Queries, .pull, .explain and .stats read this view, and the
                           prompt names it: datolite[as-of 42]>
  .pull ENTITY [PATTERN]   ENTITY: an id, an ident or a lookup ref [:person/email \"a@b\"];
                           PATTERN: a pull pattern, default [*]
  .explain QUERY [ARG ...] the query's plan (.explain-analyze also runs it)
  .transact EDN            run one transaction of EDN tx-data; the next entries read it
                           (unless .as-of pins the view)
  .stats                   datoms and per-attribute statistics (as `datolite stats`)
  .format table|edn|json   how results and .pull print (default: edn); alone, shows it
  .help                    this text
  .quit                    leave (also .exit, Ctrl-D)
Tab completes commands and attribute idents (:movie/ti<Tab>). Ctrl-C drops the form being
typed, or cancels the query running (a transaction is not interrupted). The history is kept in
$XDG_STATE_HOME/datolite/repl_history (else ~/.local/state/datolite/repl_history;
DATOLITE_HISTORY_FILE names another file).";

/// What to do after an entry.
pub enum Next {
    /// Read the next entry.
    Continue,
    /// Leave the REPL.
    Quit,
}

impl Session<'_> {
    /// Runs one complete entry.
    pub fn entry(&mut self, entry: &str) -> Result<Next> {
        let entry = entry.trim();
        if entry.is_empty() {
            return Ok(Next::Continue);
        }
        if let Some(command) = entry.strip_prefix('.') {
            let (name, rest) = command
                .split_once(char::is_whitespace)
                .map_or((command, ""), |(n, r)| (n, r.trim()));
            return self.command(name, rest);
        }
        if entry.starts_with('[') || entry.starts_with('{') {
            let (query, args) = self.prepare(entry)?;
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let result = run_query(&self.db()?, &query, &args, &self.limits)?;
            output::print_text(&render(&query, &result, self.format))?;
            return Ok(Next::Continue);
        }
        Err(CliError::msg(format!(
            "not a query or a command: {entry} (.help lists what the REPL takes)"
        )))
    }

    /// Runs dot-command `.name` with the text after it.
    fn command(&mut self, name: &str, rest: &str) -> Result<Next> {
        match name {
            "quit" | "exit" | "q" => return Ok(Next::Quit),
            "help" => output::print_text(HELP)?,
            "stats" => self.stats()?,
            "explain" | "explain-analyze" => self.explain(name, rest)?,
            "transact" => self.transact(rest)?,
            "format" if rest.is_empty() => {
                let name = self
                    .format
                    .to_possible_value()
                    .map(|v| v.get_name().to_string());
                output::print_text(&format!("format: {}", name.unwrap_or_default()))?;
            }
            "format" => {
                self.format = QueryFormat::from_str(rest, true).map_err(|_| {
                    CliError::msg(format!(
                        ".format: unknown format {rest:?}: use table, edn or json"
                    ))
                })?;
            }
            "in" => self.inputs(rest)?,
            "rules" => self.rules(rest)?,
            "as-of" => self.set_view(View {
                as_of: Some(Point::parse(".as-of", rest)?),
                ..self.view.clone()
            })?,
            "since" => self.set_view(View {
                since: Some(Point::parse(".since", rest)?),
                ..self.view.clone()
            })?,
            "history" => {
                let history = match rest {
                    "on" => true,
                    "off" => false,
                    other => {
                        return Err(CliError::msg(format!(
                            ".history takes on or off, not {other:?}"
                        )))
                    }
                };
                self.set_view(View {
                    history,
                    ..self.view.clone()
                })?;
            }
            "now" => self.set_view(View::default())?,
            "pull" => self.pull(rest)?,
            other => return Err(unknown_command(other)),
        }
        Ok(Next::Continue)
    }

    /// The query of entry `text` and the arguments it runs with: the forms after it, else the
    /// pending `.in` arguments (used up here, whatever happens next), with the session's rules
    /// where `%` stands.
    fn prepare(&mut self, text: &str) -> Result<(String, Vec<String>)> {
        let pending = self.pending.take();
        let mut forms = split_forms(text).map_err(CliError::msg)?;
        if forms.is_empty() {
            return Err(CliError::msg(format!("no query in {text:?}")));
        }
        let query = forms.remove(0);
        let args = match pending {
            Some(pending) if !forms.is_empty() => {
                return Err(CliError::msg(format!(
                    "arguments from both .in ({}) and after the query ({}): give them one way \
                     (the .in ones are dropped)",
                    pending.join(" "),
                    forms.join(" ")
                )))
            }
            Some(pending) => pending,
            None => forms,
        };
        let args = with_rules(&query, args, self.rules.as_deref()).map_err(CliError::msg)?;
        Ok((query, args))
    }

    /// `.in`: shows, clears or sets the arguments of the next query.
    fn inputs(&mut self, rest: &str) -> Result<()> {
        match rest {
            "" => output::print_text(&match &self.pending {
                Some(args) if args.is_empty() => "the next query runs with no arguments".into(),
                Some(args) => format!("the next query's arguments: {}", args.join(" ")),
                None => "no arguments set (.in ARG ... sets them for the next query)".into(),
            }),
            "clear" => {
                self.pending = None;
                Ok(())
            }
            text => {
                let args = split_forms(text).map_err(|e| CliError::msg(format!(".in: {e}")))?;
                self.pending = Some(args);
                Ok(())
            }
        }
    }

    /// `.rules`: shows, clears or sets the rules `%` binds. New rules are checked by the
    /// engine's own reader now, so a mistake shows where it was typed, not at the next query.
    fn rules(&mut self, rest: &str) -> Result<()> {
        match rest {
            "" => output::print_text(
                self.rules
                    .as_deref()
                    .unwrap_or("no rules set (.rules EDN or .rules @FILE sets them)"),
            ),
            "clear" => {
                self.rules = None;
                Ok(())
            }
            text => {
                let rules = query_text(text)?;
                let forms =
                    split_forms(&rules).map_err(|e| CliError::msg(format!(".rules: {e}")))?;
                if forms.len() != 1 || !forms[0].starts_with('[') {
                    return Err(CliError::msg(format!(
                        ".rules takes one vector of rules, e.g. [[(name ?x) [?x :a 1]]], not {}",
                        rules.trim()
                    )));
                }
                // A query that takes the rules and calls none of them: only their reading counts.
                let probe = "[:find ?x . :in $ % :where [(ground 1) ?x]]";
                self.database
                    .db()?
                    .q_edn(probe, &[&forms[0]])
                    .map_err(|e| CliError::msg(format!(".rules: {e}")))?;
                self.rules = forms.into_iter().next();
                Ok(())
            }
        }
    }

    /// Makes `view` the session's, once the database shows it (a bad point is an error now).
    /// A point after the latest transaction is allowed, as Datomic allows it, with a note:
    /// it is more often a typo than a plan.
    fn set_view(&mut self, view: View) -> Result<()> {
        let current = self.database.db()?;
        let basis = current.basis_t();
        view.apply(current)?;
        for (name, point) in [(".as-of", &view.as_of), (".since", &view.since)] {
            if let Some(p) = point
                .as_ref()
                .filter(|p| p.point.t().is_some_and(|t| t > basis))
            {
                eprintln!(
                    "note: {name} {} is after the latest transaction (t {basis})",
                    p.text
                );
            }
        }
        self.view = view;
        Ok(())
    }

    /// `.pull ENTITY [PATTERN]` on the session's value, in its format.
    fn pull(&self, rest: &str) -> Result<()> {
        let forms = split_forms(rest).map_err(|e| CliError::msg(format!(".pull: {e}")))?;
        let (entity, pattern) = match forms.as_slice() {
            [entity] => (entity.as_str(), "[*]"),
            [entity, pattern] => (entity.as_str(), pattern.as_str()),
            _ => {
                return Err(CliError::msg(format!(
                    ".pull takes ENTITY [PATTERN] (an id, ident or lookup ref, then a pull \
                     pattern), not {rest:?}"
                )))
            }
        };
        let map = self.db()?.pull(entity, pattern)?;
        output::print_text(&match self.format {
            QueryFormat::Edn => datolite::pull_edn(map.as_ref()),
            QueryFormat::Json => output::json_text(datolite::pull_json(map.as_ref())),
            QueryFormat::Table => crate::commands::pull::table(map.as_ref()).to_string(),
        })
    }

    /// `.explain QUERY [ARG ...]` and `.explain-analyze`, on the session's value.
    fn explain(&mut self, name: &str, rest: &str) -> Result<()> {
        if rest.is_empty() {
            return Err(CliError::msg(format!(".{name} needs a query")));
        }
        let (query, args) = self.prepare(rest)?;
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let analyze = name == "explain-analyze";
        let plan = self
            .db()?
            .explain_plan_limited(&query, &args, &[], analyze, &self.limits)?;
        output::print_text(plan.to_string().trim_end())
    }

    /// `.stats` of the session's value.
    fn stats(&self) -> Result<()> {
        let db = self.db()?;
        let rows = attribute_rows(&db)?;
        output::print_text(&format!(
            "database {}: {} datoms, basis t {}, {} on disk\n{}",
            crate::commands::shown(self.db_path),
            output::thousands(db.count()?),
            db.basis_t(),
            output::bytes(self.database.size_on_disk()?),
            attribute_table(&rows, true)
        ))
    }

    /// `.transact EDN`: one transaction, reported as `tx ID (t T): N datoms[, tempids …]`.
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
        output::print_text(&line)?;
        if let Some(p) = &self.view.as_of {
            // Said on stderr: scripts read the results on stdout.
            eprintln!(
                "note: the session reads the database as of {} (pinned): .now shows this transaction",
                p.text
            );
        }
        Ok(())
    }
}

/// The error for `.name`, naming the closest command when one is a likely misspelling.
fn unknown_command(name: &str) -> CliError {
    let typed = format!(".{name}");
    let closest = COMMANDS
        .iter()
        .map(|c| (strsim::damerau_levenshtein(&typed, c), *c))
        .min()
        .filter(|(distance, _)| *distance <= 2.max(typed.len() / 4));
    match closest {
        Some((_, command)) => CliError::msg(format!(
            "unknown command {typed} (did you mean {command}? .help lists them)"
        )),
        None => CliError::msg(format!("unknown command {typed} (.help lists them)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_names_every_command_and_every_command_runs() {
        let database = datolite::Database::memory().expect("memory database");
        let path = std::path::Path::new("mem");
        let mut session = Session::new(database, path, QueryFormat::Edn, Default::default());
        for command in COMMANDS {
            assert!(HELP.contains(command), "{command}");
            let name = command.trim_start_matches('.');
            if let Err(e) = session.command(name, "") {
                assert!(!e.to_string().contains("unknown command"), "{command}: {e}");
            }
        }
        let error = session
            .command("frobnicate", "")
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            error.as_deref(),
            Some("unknown command .frobnicate (.help lists them)")
        );
        let error = session
            .command("histroy", "on")
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            error.as_deref(),
            Some("unknown command .histroy (did you mean .history? .help lists them)")
        );
    }
}
