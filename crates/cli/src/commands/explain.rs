//! `datolite --db DIR explain [--analyze] QUERY [ARG ...]`: the plan the planner chose for a
//! query — index per pattern, bound components, estimated rows, and with `--analyze` the actual
//! rows after running it.

use std::path::Path;

use clap::Args;
use datolite::DbQueries;

use crate::commands::query::query_text;
use crate::commands::{open_database, Create};
use crate::error::Result;
use crate::output;

/// Arguments of `explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Run the query and show the actual rows after every step.
    #[arg(long)]
    analyze: bool,

    /// The query as EDN text, or `@FILE` to read it from a file.
    #[arg(value_name = "QUERY", allow_hyphen_values = true)]
    query: String,

    /// Inputs for the non-source `:in` elements, each one EDN value (as for `query`).
    #[arg(value_name = "ARG", allow_hyphen_values = true)]
    args: Vec<String>,
}

/// Runs `explain`.
pub fn run(db_path: Option<&Path>, args: ExplainArgs) -> Result<()> {
    let text = query_text(&args.query)?;
    let database = open_database(db_path, Create::Never)?;
    let db = database.db()?;
    let inputs: Vec<&str> = args.args.iter().map(String::as_str).collect();
    let plan = db.explain(&text, &inputs, args.analyze)?;
    output::print_text(plan.trim_end())
}
