//! `datolite bench import --datoms N [--format table|edn|json]`: the bulk loader on generated data,
//! beside the physical reference — a bare LMDB append of the very keys it wrote.
//!
//! The data are `bench scan`'s: entities of five attributes of mixed types (long, double, short
//! string, instant, and a ref to the previous entity), in transactions of 100,000 datoms, all
//! through [`Database::bulk_load`] into a new database (`docs/design.md`, §7.7 Bulk loads).
//! Then every key of the index tables and the log is read back and appended, table by table,
//! into a second, empty environment with the same options, in one write transaction: only the
//! appends and the commit are timed (`raw_append_ms`). `ratio_to_raw` is `import_ms /
//! raw_append_ms`: what the transactor, the sorting and the merging cost on top of writing the
//! pages.

use std::path::Path;
use std::time::{Duration, Instant};

use clap::Args;
use datolite::{BulkOptions, Database, StoreOptions};
use datolite_kv::{open_engine, Direction, KeyRange, Table, Visit};
use serde::Serialize;

use crate::commands::bench::{bench_tx, RssSampler, DATOMS_PER_TX, SCHEMA};
use crate::commands::storage_options;
use crate::error::{CliError, Result};
use crate::output::{self, round3, Format};
use crate::progress::{self, Unit};

/// Arguments of `bench import`.
#[derive(Debug, Args)]
pub struct ImportBenchArgs {
    /// Datoms to load (entities of five attributes each).
    #[arg(long, value_name = "N", default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    datoms: u64,

    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// The tables the raw reference appends: every table a load fills (the log with its chunks,
/// the indexes with keys alone).
const KEY_TABLES: [Table; 5] = [
    Table::Eavt,
    Table::Aevt,
    Table::Avet,
    Table::Vaet,
    Table::Log,
];

/// The report of `bench import`.
#[derive(Debug, Serialize)]
struct ImportBenchJson {
    datoms: u64,
    transactions: u64,
    import_ms: f64,
    datoms_per_sec: f64,
    raw_append_ms: f64,
    ratio_to_raw: f64,
    peak_rss_anon_mb: f64,
    bytes_per_datom: f64,
    /// Bytes per datom of each table (its pages, divided by all datoms).
    bytes_per_datom_by_table: Vec<(String, f64)>,
    spilled_runs: u64,
}

/// Runs `bench import`.
pub fn run(args: ImportBenchArgs) -> Result<()> {
    let options = storage_options()?;
    let dir = tempfile::TempDir::with_prefix("datolite-bench-import-")
        .map_err(|e| CliError::msg(format!("cannot create a temporary directory: {e}")))?;
    let database = Database::open(dir.path().join("db"), options.clone())?;
    let before = database.db()?.count()?;
    let bar = progress::bar(args.datoms, Unit::Items("datoms"));
    let sampler = RssSampler::start();
    let start = Instant::now();
    let report = database.bulk_load(&BulkOptions::default(), |loader| {
        loader.transact(&datolite_store::transactor::parse_tx_data(SCHEMA)?)?;
        let (mut previous, mut next, mut loaded) = (None, 0u64, 0u64);
        while loaded < args.datoms {
            let in_tx = DATOMS_PER_TX.min(args.datoms - loaded);
            let (tx, last_name) = bench_tx(next, in_tx, previous);
            let report = loader.transact(tx.ops())?;
            previous = report.tempids.get(&last_name).copied();
            next += in_tx.div_ceil(5);
            loaded += in_tx;
            bar.set_position(loaded);
        }
        bar.set_message("writing the indexes in key order");
        Ok(())
    })?;
    let import_ms = start.elapsed().as_secs_f64() * 1000.0;
    bar.finish_and_clear();
    let peak_kib = sampler.stop();
    let snapshot = database.db()?;
    let datoms = snapshot.count()?.saturating_sub(before);
    // Every entity with all five attributes refers to its predecessor: nothing was lost.
    let refs = snapshot.count_attribute(":bench/ref")?;
    if refs != args.datoms / 5 {
        return Err(CliError::msg(format!(
            "bench import loaded {refs} :bench/ref datoms, expected {}",
            args.datoms / 5
        )));
    }
    let engine = database.store().engine();
    let per_datom = |bytes: u64| round3(bytes as f64 / datoms.max(1) as f64);
    let mut by_table = Vec::new();
    for table in KEY_TABLES.into_iter().chain([Table::Values]) {
        by_table.push((
            table.name().to_string(),
            per_datom(engine.table_bytes(table)?),
        ));
    }
    let raw_ms = raw_append_ms(&database, &dir.path().join("raw"), &options)?;
    let json = ImportBenchJson {
        datoms,
        transactions: report.transactions,
        import_ms: round3(import_ms),
        datoms_per_sec: (datoms as f64 / (import_ms / 1000.0)).round(),
        raw_append_ms: round3(raw_ms),
        ratio_to_raw: round3(import_ms / raw_ms.max(1e-9)),
        peak_rss_anon_mb: round3(peak_kib as f64 / 1024.0),
        bytes_per_datom: per_datom(engine.size_on_disk()?),
        bytes_per_datom_by_table: by_table,
        spilled_runs: report.spilled_runs,
    };
    match args.format {
        Format::Edn | Format::Json => output::print_data(args.format, &json),
        Format::Table => {
            let tables: Vec<String> = json
                .bytes_per_datom_by_table
                .iter()
                .map(|(name, bytes)| format!("{name} {bytes:.1}"))
                .collect();
            output::print_text(&format!(
                "bulk load of {} datoms in {} transactions: {} ({} datoms/s); a bare LMDB append \
                 of the same keys: {} — {:.2}× the raw append\npeak anonymous memory {:.0} MiB, \
                 {} sorted runs spilled; {:.1} bytes per datom on disk ({})",
                output::thousands(json.datoms),
                output::thousands(json.transactions),
                output::ms(json.import_ms),
                output::thousands(json.datoms_per_sec as u64),
                output::ms(json.raw_append_ms),
                json.ratio_to_raw,
                json.peak_rss_anon_mb,
                json.spilled_runs,
                json.bytes_per_datom,
                tables.join(", ")
            ))
        }
    }
}

/// Appends every key of [`KEY_TABLES`] of `source` into a new engine at `dir` (same options), in
/// one write transaction; the milliseconds the appends and the commit took (reading the keys
/// back is not counted).
fn raw_append_ms(source: &Database, dir: &Path, options: &StoreOptions) -> Result<f64> {
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::msg(format!("cannot create {}: {e}", dir.display())))?;
    let mut kv = options.kv.clone();
    kv.path = Some(dir.to_path_buf());
    kv.create_if_missing = true;
    let raw = open_engine(Some(dir), &kv)?;
    let read = source.store().engine().read()?;
    let mut appending = Duration::ZERO;
    let mut body_end = Instant::now();
    raw.write(&mut |txn| {
        appending = Duration::ZERO;
        for table in KEY_TABLES {
            // Keys and values back to back: entry i is `bytes[ends[i]..ends[i + 1]]`, its key
            // ending at `splits[i]`. Only the log has values (its chunks).
            let (mut bytes, mut ends, mut splits) = (Vec::new(), vec![0], Vec::new());
            read.scan(
                table,
                &KeyRange::all(),
                Direction::Forward,
                &mut |key, value| {
                    bytes.extend_from_slice(key);
                    splits.push(bytes.len());
                    bytes.extend_from_slice(value);
                    ends.push(bytes.len());
                    Visit::Continue
                },
            )?;
            let began = Instant::now();
            let mut entries = ends
                .windows(2)
                .zip(&splits)
                .map(|(w, &split)| (&bytes[w[0]..split], &bytes[split..w[1]]));
            if table == Table::Log {
                for (key, value) in entries {
                    txn.put_sorted(table, key, value)?;
                }
            } else {
                txn.append_keys(table, &mut entries.by_ref().map(|(key, _)| key))?;
            }
            appending += began.elapsed();
        }
        body_end = Instant::now();
        Ok(())
    })?;
    let commit = body_end.elapsed();
    Ok((appending + commit).as_secs_f64() * 1000.0)
}
