//! `datolite --db DIR explain [--analyze] [--format text|json] QUERY [ARG ...]`: the plan tree
//! the query runs — per node the index, bound components, join method and estimated rows,
//! nested bodies under their node — and with `--analyze` the actual rows and time of every
//! node after running it. `--format json` prints the tree for tools.

use std::path::Path;

use clap::{Args, ValueEnum};
use datolite::DbQueries;

use crate::commands::query::query_text;
use crate::commands::time::{SourceArgs, TimeArgs};
use crate::commands::{open_database, Create};
use crate::error::Result;
use crate::output;

/// How a plan prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    /// One numbered line per node, nested bodies indented.
    Text,
    /// The tree as JSON (`steps`, `rules`, per node `op`, `clause`, `access`, `join`,
    /// `est_rows`, `actual`, `bodies`).
    Json,
}

/// Arguments of `explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Run the query and show the actual rows and time of every node.
    #[arg(long)]
    analyze: bool,

    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: ExplainFormat,

    /// The query as EDN text, or `@FILE` to read it from a file.
    #[arg(value_name = "QUERY", allow_hyphen_values = true)]
    query: String,

    /// Inputs for the non-source `:in` elements, each one EDN value (as for `query`).
    #[arg(value_name = "ARG", allow_hyphen_values = true)]
    args: Vec<String>,

    #[command(flatten)]
    time: TimeArgs,

    #[command(flatten)]
    sources: SourceArgs,
}

/// Runs `explain`.
pub fn run(db_path: Option<&Path>, args: ExplainArgs) -> Result<()> {
    let text = query_text(&args.query)?;
    let database = open_database(db_path, Create::Never)?;
    let current = database.db()?;
    let sources = args.sources.bind(&current)?;
    let db = args.time.apply(current)?;
    let inputs: Vec<&str> = args.args.iter().map(String::as_str).collect();
    let plan = db.explain_plan_sources(&text, &inputs, &sources, args.analyze)?;
    match args.format {
        ExplainFormat::Text => output::print_text(plan.to_string().trim_end()),
        ExplainFormat::Json => output::print_text(&plan.to_json()),
    }
}
