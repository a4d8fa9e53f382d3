//! `datolite --db DIR stats`: total datoms, basis t, size on disk, and per attribute its schema
//! and exact statistics (count, distinct entities, distinct values, min, max).
//!
//! Everything comes from the statistics table in O(attributes): no index is scanned. The rows
//! are also what `demo` prints.

use std::path::Path;

use clap::Args;
use datolite::{Db, Value};

use crate::commands::time::TimeArgs;
use crate::commands::{open_database, Create};
use crate::error::Result;
use crate::output::{self, Format};

/// Arguments of `stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,

    #[command(flatten)]
    time: TimeArgs,
}

/// One attribute's schema and statistics, ready to print (the library's, which the server's
/// `/stats` shares).
pub use datolite::AttributeSummary as AttrRow;

/// [`AttrRow`] as JSON (`AttributeSummary::to_json`), to embed in a report such as the demo's.
pub fn attr_json(row: &AttrRow) -> Box<serde_json::value::RawValue> {
    // The library writes valid JSON; should it ever not, carry the text as a string.
    let text = row.to_json();
    serde_json::value::RawValue::from_string(text.clone())
        .unwrap_or_else(|_| serde_json::value::to_raw_value(&text).unwrap_or_default())
}

/// Rows of every attribute that has datoms in snapshot `db`, in attribute id order.
pub fn attribute_rows(db: &Db) -> Result<Vec<AttrRow>> {
    Ok(datolite::attribute_summaries(db)?)
}

/// The attribute statistics as a table; `schema_columns` adds type, cardinality and unique.
pub fn attribute_table(rows: &[AttrRow], schema_columns: bool) -> comfy_table::Table {
    let value = |v: &Option<Value>| {
        v.as_ref()
            .map_or_else(String::new, |v| output::value_text_short(&v.as_ref(), 32))
    };
    let mut header = vec!["attribute"];
    if schema_columns {
        header.extend(["type", "card.", "unique"]);
    }
    header.extend(["datoms", "entities", "values", "min", "max"]);
    let first_number = if schema_columns { 4 } else { 1 };
    let mut table = output::table(&header, &[first_number, first_number + 1, first_number + 2]);
    for row in rows {
        let mut cells = vec![row.ident.clone()];
        if schema_columns {
            cells.extend([
                row.value_type.clone(),
                row.cardinality.to_string(),
                row.unique.unwrap_or("").to_string(),
            ]);
        }
        cells.extend([
            output::thousands(row.count),
            output::thousands(row.distinct_entities),
            output::thousands(row.distinct_values),
            value(&row.min),
            value(&row.max),
        ]);
        table.add_row(output::row(cells));
    }
    table
}

/// Runs `stats`.
pub fn run(db_path: Option<&Path>, args: StatsArgs) -> Result<()> {
    let database = open_database(db_path, Create::Never)?;
    let db = args.time.apply(database.db()?)?;
    let size = database.size_on_disk()?;
    match args.format {
        Format::Edn | Format::Json => {
            output::print_data_text(args.format, datolite::stats_json(&db, size)?)
        }
        Format::Table => {
            let rows = attribute_rows(&db)?;
            let total = db.count()?;
            let path = db_path.map(crate::commands::shown).unwrap_or_default();
            output::print_text(&format!(
                "database {path}: {} datoms, basis t {}, {} on disk\n{}",
                output::thousands(total),
                db.basis_t(),
                output::bytes(size),
                attribute_table(&rows, true)
            ))
        }
    }
}
