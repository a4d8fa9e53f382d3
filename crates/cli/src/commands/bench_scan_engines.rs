//! `datolite bench scan --engine lmdb,postgres`: the scan benchmark's data loaded into each
//! engine, then its scans and selective queries timed in every variant of every engine (see
//! `bench_engines.rs`), in one table whose cells also give the ratio to the first column.

use serde_json::{json, Value as Json};

use datolite::{DbQueries, EngineKind};
use datolite_kv::Table;

use crate::commands::bench::{load, middle_value, SELECTIVE};
use crate::commands::bench_engines::{
    comparison_heading, comparison_table, ms_cell, ratio_text, time_variant, BenchDb,
};
use crate::error::{CliError, Result};
use crate::measure::{count_keys, decoded_scan, raw_engine_scan};
use crate::output::{self, round3, Format};

/// The measures, in table order: (JSON key, label).
const MEASURES: [(&str, &str); 6] = [
    ("scan_decoded_ms", "decoded EAVT scan"),
    ("scan_keys_only_ms", "key-only EAVT scan"),
    ("count_ms", "count (statistics)"),
    ("raw_engine_scan_ms", "raw engine scan"),
    ("lookup_ms", "lookup (AVET)"),
    ("reverse_ref_ms", "reverse_ref (AVET, VAET)"),
];

/// One variant's results.
struct Column {
    label: String,
    engine: &'static str,
    fetch_rows: Option<usize>,
    cold: bool,
    load_ms: f64,
    load_per_sec: f64,
    /// Median ms per measure, in [`MEASURES`] order.
    ms: Vec<f64>,
}

/// Runs the comparison.
pub fn run(kinds: &[EngineKind], datoms: u64, runs: u64, format: Format) -> Result<()> {
    let runs = usize::try_from(runs).unwrap_or(1);
    let value = middle_value(datoms);
    let mut columns = Vec::new();
    let mut loaded = 0;
    for &kind in kinds {
        let bench = BenchDb::fresh(kind, "datolite-bench-")?;
        let load = load(&bench.database, datoms)?;
        loaded = load.datoms;
        for variant in bench.variants() {
            let database = bench.open_as(&variant)?;
            let db = database.db()?;
            let time = |f: &mut dyn FnMut() -> Result<usize>| {
                time_variant(&database, variant.cold, runs, f)
            };
            let decoded = time(&mut || Ok(decoded_scan(&db)?.0 as usize))?;
            let keys = time(&mut || Ok(count_keys(&db)? as usize))?;
            let counted = time(&mut || Ok(db.count()? as usize))?;
            let raw = time(&mut || Ok(raw_engine_scan(&database, Table::Eavt)?.0 as usize))?;
            let counts = [decoded.rows, keys.rows, counted.rows, raw.rows];
            if counts.iter().any(|&n| n != decoded.rows) {
                return Err(CliError::msg(format!(
                    "bench scan on {}: scans disagree on the datoms (decoded, keys, statistics, \
                     raw: {counts:?}); this is a bug in datolite",
                    variant.label
                )));
            }
            let mut ms = vec![
                decoded.median_ms,
                keys.median_ms,
                counted.median_ms,
                raw.median_ms,
            ];
            for (name, query) in SELECTIVE {
                let timing = time(&mut || Ok(db.q_edn(query, &[value.as_str()])?.row_count()))?;
                if timing.rows == 0 {
                    return Err(CliError::msg(format!(
                        "bench scan on {}: the selective query `{name}` found nothing; this is a \
                         bug in datolite",
                        variant.label
                    )));
                }
                ms.push(timing.median_ms);
            }
            columns.push(Column {
                label: variant.label.clone(),
                engine: kind.as_str(),
                fetch_rows: variant.fetch_rows,
                cold: variant.cold,
                load_ms: load.ms,
                load_per_sec: load.per_sec(),
                ms,
            });
        }
    }
    print(&columns, loaded, runs, format)
}

fn print(columns: &[Column], datoms: u64, runs: usize, format: Format) -> Result<()> {
    match format {
        Format::Edn | Format::Json => {
            let variants: Vec<Json> = columns
                .iter()
                .map(|c| {
                    let mut object = json!({
                        "variant": c.label,
                        "engine": c.engine,
                        "fetch_rows": c.fetch_rows,
                        "cache": if c.cold { "cold" } else { "warm" },
                        "load_ms": round3(c.load_ms),
                        "load_datoms_per_sec": c.load_per_sec.round(),
                    });
                    for ((key, _), ms) in MEASURES.iter().zip(&c.ms) {
                        object[*key] = json!(round3(*ms));
                    }
                    object["decoded_to_raw"] = json!(round3(c.ms[0] / c.ms[3].max(1e-9)));
                    object
                })
                .collect();
            output::print_data(
                format,
                &json!({"datoms": datoms, "runs": runs, "variants": variants}),
            )
        }
        Format::Table => {
            let mut table = comparison_table(columns.iter().map(|c| c.label.as_str()));
            let first = columns.first();
            let mut load_row = vec!["load (datoms/s)".to_string()];
            load_row.extend(columns.iter().map(|c| {
                format!(
                    "{} ({})",
                    output::thousands(c.load_per_sec.round() as u64),
                    ratio_text(c.load_per_sec, first.map_or(0.0, |f| f.load_per_sec))
                )
            }));
            table.add_row(load_row);
            for (i, (_, label)) in MEASURES.iter().enumerate() {
                let mut row = vec![label.to_string()];
                row.extend(
                    columns
                        .iter()
                        .map(|c| ms_cell(c.ms[i], first.map_or(0.0, |f| f.ms[i]))),
                );
                table.add_row(row);
            }
            let mut ratio_row = vec!["decoded / raw scan".to_string()];
            ratio_row.extend(columns.iter().map(|c| ratio_text(c.ms[0], c.ms[3])));
            table.add_row(ratio_row);
            output::print_text(&format!(
                "{}\n{table}",
                comparison_heading("scan", datoms, runs)
            ))
        }
    }
}
