//! `datolite --db DIR query [--format table|edn|json] QUERY [ARG ...]`: one Datalog query.
//!
//! QUERY is EDN text (or `@file.edn` to read it from a file); each ARG is one EDN value for a
//! non-source `:in` element, in order (`$` is the database). Results print as a table (header =
//! the find elements as written), as EDN, or as JSON per `docs/design.md`, §9 CLI/JSON contract
//! (see [`datolite::result_json`]).

use std::io::Write;
use std::path::Path;

use clap::{Args, ValueEnum};
use datolite::{Cell, Db, DbQueries, QueryOptions, QueryResult, Value};
use datolite_edn as edn;

use crate::commands::limits::LimitArgs;
use crate::commands::time::{SourceArgs, TimeArgs};
use crate::commands::{open_database, Create};
use crate::error::{CliError, Context, Result};
use crate::output;

/// How a query result prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum QueryFormat {
    /// A table whose header is the find elements.
    Table,
    /// The result as EDN: a relation as `[[…] …]`, a scalar as its value, a collection or a
    /// tuple as a vector.
    Edn,
    /// The result as JSON (docs/design.md, §9 CLI/JSON contract).
    Json,
}

/// Arguments of `query`.
#[derive(Debug, Args)]
pub struct QueryArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: QueryFormat,

    #[command(flatten)]
    input: QueryInput,
}

/// The query a command runs and the database value it reads: shared by `query`, `explain` and
/// `bench query`.
#[derive(Debug, Args)]
pub struct QueryInput {
    /// The query as EDN text, or `@FILE` to read it from a file.
    #[arg(value_name = "QUERY", allow_hyphen_values = true)]
    query: String,

    /// Inputs for the non-source `:in` elements, each one EDN value (`'"Ivan"'`, `1987`,
    /// `'[1 2]'`, `'#inst "2024-01-02"'`).
    #[arg(value_name = "ARG", allow_hyphen_values = true)]
    args: Vec<String>,

    #[command(flatten)]
    time: TimeArgs,

    #[command(flatten)]
    sources: SourceArgs,

    #[command(flatten)]
    limits: LimitArgs,
}

/// A query ready to run: its text, the database value it reads (time options applied), the
/// named `--source` values and the inputs.
pub struct PreparedQuery {
    /// The query text (`@FILE` read).
    pub text: String,
    /// The value `$` reads.
    pub db: Db,
    /// The `--source NAME=VIEW` values.
    pub sources: Vec<(String, Db)>,
    /// The `--timeout` and `--max-rows` limits.
    pub limits: QueryOptions,
    args: Vec<String>,
}

impl QueryInput {
    /// Reads the query text, opens the database `db_path` names and takes the values the
    /// time and source options ask for.
    pub fn prepare(&self, db_path: Option<&Path>) -> Result<PreparedQuery> {
        // QUERY takes values starting with `-` (EDN may), so clap cannot see a misspelt
        // option there; no query starts with `--`.
        if self.query.starts_with("--") {
            return Err(CliError::Usage(format!(
                "unknown option {} (the command's options come before QUERY; --help lists them)",
                self.query
            )));
        }
        let text = query_text(&self.query)?;
        let database = open_database(db_path, Create::Never)?;
        let current = database.db()?;
        let sources = self.sources.bind(&current)?;
        let db = self.time.apply(current)?;
        Ok(PreparedQuery {
            text,
            db,
            sources,
            limits: self.limits.options(),
            args: self.args.clone(),
        })
    }
}

impl PreparedQuery {
    /// The inputs, one EDN text each.
    pub fn inputs(&self) -> Vec<&str> {
        self.args.iter().map(String::as_str).collect()
    }
}

/// Runs `query`.
pub fn run(db_path: Option<&Path>, args: QueryArgs) -> Result<()> {
    let q = args.input.prepare(db_path)?;
    let result =
        q.db.q_edn_limited(&q.text, &q.inputs(), &q.sources, &q.limits)?;
    if args.format == QueryFormat::Table {
        // Streamed: a large result prints without a second, rendered copy in memory.
        let mut out = output::stdout();
        write_table(&mut out, &q.text, &result)?;
        out.flush()?;
        return Ok(());
    }
    output::print_text(&render(&q.text, &result, args.format))
}

/// The query text of a `QUERY` argument: itself, or the file `@path` names.
pub fn query_text(arg: &str) -> Result<String> {
    match arg.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path).context(|| format!("cannot read {path}")),
        None => Ok(arg.to_string()),
    }
}

/// Runs `text` with `args` on snapshot `db` within `limits`.
pub fn run_query(db: &Db, text: &str, args: &[&str], limits: &QueryOptions) -> Result<QueryResult> {
    Ok(db.q_edn_limited(text, args, &[], limits)?)
}

/// `result` of query `text` in `format`.
pub fn render(text: &str, result: &QueryResult, format: QueryFormat) -> String {
    match format {
        QueryFormat::Edn => datolite::result_edn(result),
        QueryFormat::Json => output::json_text(datolite::result_json(result)),
        QueryFormat::Table => {
            let mut out = Vec::new();
            // Writing to memory cannot fail.
            let _ = write_table(&mut out, text, result);
            String::from_utf8_lossy(&out).trim_end().to_string()
        }
    }
}

/// Writes `result` of query `text` as a table, streamed row by row.
fn write_table(out: &mut impl Write, text: &str, result: &QueryResult) -> Result<()> {
    // Return maps title their columns with the key names.
    let headers = match result.map_keys() {
        Some(keys) => keys.names.clone(),
        None => find_headers(text),
    };
    write_result_table(out, &headers, result)
}

/// The find elements of query `text` as written (`?title`, `(count ?e)`), for table headers.
/// Falls back to `?1`, `?2`, … names when the text cannot be read (the query ran, so this only
/// happens for forms the header reader does not know).
pub fn find_headers(text: &str) -> Vec<String> {
    let Ok(form) = edn::parse(text) else {
        return Vec::new();
    };
    let is_find = |e: &edn::Edn| matches!(e, edn::Edn::Keyword(k) if k.to_string().trim_start_matches(':') == "find");
    let elements: Vec<edn::Edn> = match form {
        edn::Edn::Vector(items) => items
            .iter()
            .skip_while(|e| !is_find(e))
            .skip(1)
            .take_while(|e| !matches!(e, edn::Edn::Keyword(_)))
            .cloned()
            .collect(),
        edn::Edn::Map(pairs) => match pairs.into_iter().find(|(k, _)| is_find(k)) {
            Some((_, edn::Edn::Vector(items))) => items,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    let mut headers = Vec::new();
    for element in elements {
        match element {
            // `?x .` — the dot is not an element.
            edn::Edn::Symbol(s) if s.to_string() == "." => {}
            // `[?x ...]` and `[?x ?y]`.
            edn::Edn::Vector(items) => headers.extend(
                items
                    .iter()
                    .filter(|e| !matches!(e, edn::Edn::Symbol(s) if s.to_string() == "..."))
                    .map(ToString::to_string),
            ),
            other => headers.push(other.to_string()),
        }
    }
    headers
}

/// Writes the result as a table with `headers` (padded with `?1`, `?2`, … if too few).
fn write_result_table(
    out: &mut impl Write,
    headers: &[String],
    result: &QueryResult,
) -> Result<()> {
    let rows: Vec<&[Cell]> = result.rows();
    let width = rows.first().map_or(headers.len(), |r| r.len());
    let header: Vec<String> = (0..width.max(headers.len()))
        .map(|i| {
            headers
                .get(i)
                .cloned()
                .unwrap_or_else(|| format!("?{}", i + 1))
        })
        .collect();
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    // Numbers line up on the right.
    let right: Vec<usize> = (0..width)
        .filter(|&i| {
            rows.first().is_some_and(|r| {
                matches!(
                    r[i],
                    Cell::Value(Value::Long(_) | Value::Double(_) | Value::Ref(_))
                )
            })
        })
        .collect();
    let mut table = output::StreamTable::new(&header_refs, &right);
    for row in rows {
        table.row(out, row.iter().map(cell_text).collect())?;
    }
    table.finish(out)
}

/// A cell as table text: strings without quotes (control characters escaped, so a newline
/// cannot break the table), instants as bare RFC 3339, sets as `#{…}`, vectors as `[…]`.
fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Value(Value::String(s)) => output::unquoted_text(s),
        Cell::Value(v) => output::value_text(&v.as_ref()),
        Cell::Set(_) | Cell::Vector(_) | Cell::Pulled(_) => datolite::cell_edn_string(cell),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_cells_escape_control_characters() {
        let cell = Cell::Value(Value::from("a\nb\tc\u{1}\\d é"));
        assert_eq!(cell_text(&cell), r"a\nb\tc\u0001\\d é");
    }

    #[test]
    fn headers_are_the_find_elements() {
        assert_eq!(
            find_headers("[:find ?t (count ?e) :where [?e :a ?t]]"),
            ["?t", "(count ?e)"]
        );
        assert_eq!(find_headers("[:find ?t . :where [?e :a ?t]]"), ["?t"]);
        assert_eq!(find_headers("[:find [?t ...] :where [?e :a ?t]]"), ["?t"]);
        assert_eq!(
            find_headers("{:find [?a ?b] :where [[?a :x ?b]]}"),
            ["?a", "?b"]
        );
    }

    #[test]
    fn return_maps_title_the_table_columns_with_their_keys() {
        let result = QueryResult::Maps {
            keys: datolite::ReturnMap {
                kind: datolite::ReturnKind::Keys,
                names: vec!["title".into(), "year".into()],
            },
            rows: vec![vec![
                Cell::Value(Value::from("Alien")),
                Cell::Value(Value::Long(1979)),
            ]],
        };
        let text = "[:find ?t ?y :keys title year :where [?m :movie/title ?t] [?m :movie/year ?y]]";
        let table = render(text, &result, QueryFormat::Table);
        let header = table.lines().nth(1).unwrap_or_default();
        assert!(
            header.contains("title") && header.contains("year"),
            "{table}"
        );
        assert!(!table.contains("?t"), "{table}");
        assert!(table.contains("Alien") && table.contains("1979"), "{table}");
        assert_eq!(
            render(text, &result, QueryFormat::Json),
            r#"[{"title":"Alien","year":1979}]"#
        );
    }
}
