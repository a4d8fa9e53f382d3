//! `datolite --db DIR pull ENTITY PATTERN [--format table|edn|json]`: one entity as a map
//! shaped by a pull pattern (Datomic's `pull`). ENTITY is an id, an ident (`:person/ann`) or a
//! lookup ref (`'[:person/email "a@b"]'`); PATTERN an EDN pull pattern (or `@FILE`). The time
//! options (`--as-of`, `--since`, `--with`) read another value of the database.
//!
//! JSON (`docs/design.md`, §9 CLI/JSON contract): an object whose keys are the attribute idents
//! as strings (`":person/name"`; `:as` names as given), `":db/id"` a number, many values
//! arrays, references not expanded `{":db/id": 17592186045418}`; `null` when the entity has
//! none of the pattern's attributes.

use std::path::Path;

use clap::Args;
use datolite::{DbQueries, PullMap, Pulled};

use crate::commands::query::query_text;
use crate::commands::time::TimeArgs;
use crate::commands::{open_database, Create};
use crate::error::Result;
use crate::output::{self, ScanFormat};

/// Arguments of `pull`.
#[derive(Debug, Args)]
pub struct PullArgs {
    /// The entity: an id, an ident (`:person/ann`) or a lookup ref (`[:person/email "a@b"]`).
    #[arg(value_name = "ENTITY", allow_hyphen_values = true)]
    entity: String,

    /// The pull pattern as EDN (`[:person/name {:person/friends [:person/name]}]`), or `@FILE`.
    #[arg(value_name = "PATTERN", allow_hyphen_values = true)]
    pattern: String,

    /// Output format.
    #[arg(long, value_enum, default_value = "edn")]
    format: ScanFormat,

    #[command(flatten)]
    time: TimeArgs,
}

/// Runs `pull`.
pub fn run(db_path: Option<&Path>, args: PullArgs) -> Result<()> {
    let pattern = query_text(&args.pattern)?;
    let database = open_database(db_path, Create::Never)?;
    let db = args.time.apply(database.db()?)?;
    let map = db.pull(&args.entity, &pattern)?;
    match args.format {
        ScanFormat::Edn => output::print_text(&datolite::pull_edn(map.as_ref())),
        ScanFormat::Json => {
            output::print_text(&output::json_text(datolite::pull_json(map.as_ref())))
        }
        ScanFormat::Table => output::print_text(&table(map.as_ref()).to_string()),
    }
}

/// One row per key: the key and its value as EDN (nested maps stay EDN).
pub fn table(map: Option<&PullMap>) -> comfy_table::Table {
    let mut table = output::table(&["key", "value"], &[]);
    for (key, value) in map.map_or(&[][..], |m| m.0.as_slice()) {
        let text = match value {
            Pulled::Value(datolite::Value::String(s)) => output::unquoted_text(s),
            Pulled::Value(v) => output::value_text(&v.as_ref()),
            other => other.to_string(),
        };
        table.add_row(output::row(vec![key.to_string(), text]));
    }
    table
}
