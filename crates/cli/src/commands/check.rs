//! `datolite --db DIR check [--repair-stats] [--format table|edn|json]`: verifies the database
//! (indexes against EAVT, long values, statistics against a recount, the log against the
//! current datoms and history) and prints a report; exits 1 when anything is wrong.
//! `--repair-stats` recounts the statistics first.

use std::path::Path;

use clap::Args;
use serde_json::json;

use crate::commands::{open_database, Create};
use crate::error::{CliError, Result};
use crate::output::{self, Format};

/// Arguments of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Recount the statistics and store them before checking.
    #[arg(long)]
    repair_stats: bool,

    /// Output format: `table` is a few lines (what was checked, then each problem); `json`
    /// `{"clean": …, "datoms": …, "history": …, "log_entries": …, "long_values": …,
    /// "stats_checked": …, "problems": […], "more_problems": …}`; `edn` the same map.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// Runs `check`.
pub fn run(db_path: Option<&Path>, args: CheckArgs) -> Result<()> {
    let database = open_database(db_path, Create::Never)?;
    if args.repair_stats {
        database.repair_stats()?;
    }
    let report = database.check()?;
    match args.format {
        Format::Edn | Format::Json => output::print_data(
            args.format,
            &json!({
                "clean": report.is_clean(),
                "datoms": report.datoms,
                "history": report.history,
                "log_entries": report.log_entries,
                "long_values": report.long_values,
                "stats_checked": report.stats_checked,
                "problems": report.problems,
                "more_problems": report.more_problems,
            }),
        )?,
        Format::Table => {
            let mut text = format!(
                "checked {} datoms, {} in history, {} log entries, {} long values; statistics {}",
                report.datoms,
                report.history,
                report.log_entries,
                report.long_values,
                if report.stats_checked {
                    "recounted"
                } else {
                    "not kept exact, not compared"
                }
            );
            for problem in &report.problems {
                text.push_str("\nproblem: ");
                text.push_str(problem);
            }
            if report.more_problems > 0 {
                text.push_str(&format!("\n… and {} more problems", report.more_problems));
            }
            output::print_text(&text)?;
        }
    }
    if report.is_clean() {
        Ok(())
    } else {
        Err(CliError::msg(format!(
            "the database has {} problem(s)",
            report.problems.len() as u64 + report.more_problems
        )))
    }
}
