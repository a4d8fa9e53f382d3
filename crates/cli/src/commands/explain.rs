//! `datolite --db DIR explain [--analyze] [--format table|edn|json] QUERY [ARG ...]`: the plan
//! tree the query runs — per node the index, bound components, join method and estimated rows,
//! nested bodies under their node — and with `--analyze` the actual rows and time of every
//! node after running it. `--format json` (or `edn`, the same tree) prints the tree for tools.

use std::path::Path;

use clap::{Args, ValueEnum};
use datolite::DbQueries;

use crate::commands::query::QueryInput;
use crate::error::Result;
use crate::output;

/// How a plan prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    /// One numbered line per node, nested bodies indented (`text` is accepted too, its name
    /// before every command took `table|edn|json`).
    #[value(alias = "text")]
    Table,
    /// The tree as EDN: the JSON tree's shape, keys as keywords.
    Edn,
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
    #[arg(long, value_enum, default_value = "table")]
    format: ExplainFormat,

    #[command(flatten)]
    input: QueryInput,
}

/// Runs `explain`.
pub fn run(db_path: Option<&Path>, args: ExplainArgs) -> Result<()> {
    let q = args.input.prepare(db_path)?;
    let plan =
        q.db.explain_plan_limited(&q.text, &q.inputs(), &q.sources, args.analyze, &q.limits)?;
    match args.format {
        ExplainFormat::Table => output::print_text(plan.to_string().trim_end()),
        ExplainFormat::Edn => output::print_text(&output::json_text_to_edn(&plan.to_json())),
        ExplainFormat::Json => output::print_text(&output::json_text(plan.to_json())),
    }
}
