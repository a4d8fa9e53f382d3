//! `datolite --db DIR stats`: total datoms, basis t, size on disk, and per attribute its schema
//! and exact statistics (count, distinct entities, distinct values, min, max).
//!
//! Everything comes from the statistics table in O(attributes): no index is scanned. The rows
//! are also what `demo` prints.

use std::path::Path;

use clap::Args;
use datolite::{Cardinality, Db, Unique, Value};
use serde::Serialize;

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

/// One attribute's schema and statistics, ready to print.
#[derive(Clone, Debug)]
pub struct AttrRow {
    /// Ident with the colon (`:bar/close`).
    pub ident: String,
    /// Value type name (`double`).
    pub value_type: String,
    /// `one` or `many`.
    pub cardinality: &'static str,
    /// `identity`, `value`, or none.
    pub unique: Option<&'static str>,
    /// Datoms of the attribute.
    pub count: u64,
    /// Entities with a value.
    pub distinct_entities: u64,
    /// Distinct values.
    pub distinct_values: u64,
    /// Smallest value.
    pub min: Option<Value>,
    /// Largest value.
    pub max: Option<Value>,
}

/// [`AttrRow`] as JSON, values per `docs/design.md`, §9 CLI/JSON contract.
#[derive(Debug, Serialize)]
pub struct AttrJson {
    ident: String,
    #[serde(rename = "type")]
    value_type: String,
    cardinality: &'static str,
    unique: Option<&'static str>,
    count: u64,
    distinct_entities: u64,
    distinct_values: u64,
    min: Option<serde_json::Value>,
    max: Option<serde_json::Value>,
}

impl AttrRow {
    /// The row as JSON.
    pub fn to_json(&self) -> AttrJson {
        AttrJson {
            ident: self.ident.clone(),
            value_type: self.value_type.clone(),
            cardinality: self.cardinality,
            unique: self.unique,
            count: self.count,
            distinct_entities: self.distinct_entities,
            distinct_values: self.distinct_values,
            min: self.min.as_ref().map(output::owned_value_json),
            max: self.max.as_ref().map(output::owned_value_json),
        }
    }
}

/// The JSON of `stats`.
#[derive(Debug, Serialize)]
struct StatsJson {
    datoms: u64,
    basis_t: u64,
    size_on_disk_bytes: u64,
    attributes: Vec<AttrJson>,
}

/// Rows of every attribute that has datoms in snapshot `db`, in attribute id order.
pub fn attribute_rows(db: &Db) -> Result<Vec<AttrRow>> {
    // Min and max are kept encoded; the snapshot decodes them (long values live out of line).
    let decode = |bytes: &Option<Vec<u8>>| -> Result<Option<Value>> {
        match bytes {
            None => Ok(None),
            Some(b) => Ok(Some(db.decode_value(b)?)),
        }
    };
    let mut rows = Vec::new();
    // Views over time count what they show (statistics describe the current state).
    let counted = db.view_stats()?;
    for (&id, stats) in &counted.attributes {
        if stats.count == 0 {
            continue;
        }
        let attr = db.schema().attribute(id);
        rows.push(AttrRow {
            ident: attr.map_or_else(|| format!("#{id}"), |a| format!(":{}", a.ident)),
            value_type: attr.map_or_else(|| "?".to_string(), |a| a.value_type.to_string()),
            cardinality: match attr.map(|a| a.cardinality) {
                Some(Cardinality::Many) => "many",
                _ => "one",
            },
            unique: match attr.and_then(|a| a.unique) {
                Some(Unique::Identity) => Some("identity"),
                Some(Unique::Value) => Some("value"),
                None => None,
            },
            count: stats.count,
            distinct_entities: stats.distinct_entities,
            distinct_values: stats.distinct_values,
            min: decode(&stats.min)?,
            max: decode(&stats.max)?,
        });
    }
    Ok(rows)
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
    let rows = attribute_rows(&db)?;
    let size = database.size_on_disk()?;
    let total = db.count()?;
    match args.format {
        Format::Edn | Format::Json => output::print_data(
            args.format,
            &StatsJson {
                datoms: total,
                basis_t: db.basis_t(),
                size_on_disk_bytes: size,
                attributes: rows.iter().map(AttrRow::to_json).collect(),
            },
        ),
        Format::Table => {
            let path = db_path.map(|p| p.display().to_string()).unwrap_or_default();
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
