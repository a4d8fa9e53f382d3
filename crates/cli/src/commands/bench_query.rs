//! `datolite --db DIR bench query [--runs N] [--format table|json] QUERY [ARG ...]`: any query
//! timed in-process on the user's own database — one untimed warm-up run, then the median of
//! N runs — beside `explain --analyze`, which shows where the time goes.

use std::path::Path;

use clap::Args;
use datolite::DbQueries;
use serde_json::json;

use crate::commands::query::query_text;
use crate::commands::time::{SourceArgs, TimeArgs};
use crate::commands::timing::time_runs;
use crate::commands::{open_database, Create};
use crate::error::Result;
use crate::output::{self, round3, Format};

/// Arguments of `bench query`.
#[derive(Debug, Args)]
pub struct QueryBenchArgs {
    /// Timed runs; the median is reported.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    runs: u64,

    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,

    /// The query as EDN text, or `@FILE` to read it from a file.
    #[arg(value_name = "QUERY", allow_hyphen_values = true)]
    query: String,

    /// Inputs for the non-source `:in` elements, each one EDN value.
    #[arg(value_name = "ARG", allow_hyphen_values = true)]
    args: Vec<String>,

    #[command(flatten)]
    time: TimeArgs,

    #[command(flatten)]
    sources: SourceArgs,
}

/// Runs `bench query`.
pub fn run(db_path: Option<&Path>, args: QueryBenchArgs) -> Result<()> {
    let text = query_text(&args.query)?;
    let database = open_database(db_path, Create::Never)?;
    let current = database.db()?;
    let sources = args.sources.bind(&current)?;
    let db = args.time.apply(current)?;
    let inputs: Vec<&str> = args.args.iter().map(String::as_str).collect();
    let runs = usize::try_from(args.runs).unwrap_or(1);
    let t = time_runs(runs, || {
        Ok(db.q_edn_sources(&text, &inputs, &sources)?.row_count())
    })?;
    match args.format {
        Format::Json => output::print_json(&json!({
            "median_ms": round3(t.median_ms),
            "rows": t.rows,
            "runs": t.runs,
        })),
        Format::Table => output::print_text(&format!(
            "median {} ms over {} run{}, {} rows",
            output::ms(t.median_ms),
            t.runs,
            if t.runs == 1 { "" } else { "s" },
            output::thousands(t.rows as u64)
        )),
    }
}
