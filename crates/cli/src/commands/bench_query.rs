//! `datolite --db DIR bench query [--runs N] [--format table|edn|json] QUERY [ARG ...]`: any query
//! timed in-process on the user's own database — one untimed warm-up run, then the median of
//! N runs — beside `explain --analyze`, which shows where the time goes.

use std::path::Path;

use clap::Args;
use datolite::DbQueries;
use serde_json::json;

use crate::commands::query::QueryInput;
use crate::commands::timing::time_runs;
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

    #[command(flatten)]
    input: QueryInput,
}

/// Runs `bench query`.
pub fn run(db_path: Option<&Path>, args: QueryBenchArgs) -> Result<()> {
    let q = args.input.prepare(db_path)?;
    let inputs = q.inputs();
    let runs = usize::try_from(args.runs).unwrap_or(1);
    let t = time_runs(runs, || {
        Ok(q.db
            .q_edn_limited(&q.text, &inputs, &q.sources, &q.limits)?
            .row_count())
    })?;
    match args.format {
        Format::Edn | Format::Json => output::print_data(
            args.format,
            &json!({
                "median_ms": round3(t.median_ms),
                "rows": t.rows,
                "runs": t.runs,
            }),
        ),
        Format::Table => output::print_text(&format!(
            "median {} ms over {} run{}, {} rows",
            output::ms(t.median_ms),
            t.runs,
            if t.runs == 1 { "" } else { "s" },
            output::thousands(t.rows as u64)
        )),
    }
}
