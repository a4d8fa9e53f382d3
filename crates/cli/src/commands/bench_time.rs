//! `datolite bench time --datoms N`: what keeping the past costs and how fast it is read.
//!
//! Loads N datoms as `bench scan` does (entities of five attributes), then replaces every
//! attribute of every tenth entity — 10% of the datoms retracted and kept in history — and
//! measures, best of `--runs`:
//! - a decoded EAVT scan of the current state, of the state as of before the replacements, and
//!   of the history, as datoms per second (the bar: history at least half the current
//!   rate);
//! - two queries on the current state and as of before (the bar: as-of at most twice the time);
//! - the replacements' write time, and the bytes history costs per retracted datom (the keys and
//!   values of the four history tables, and the growth of the file).

use std::time::Instant;

use clap::Args;
use datolite::{Database, Db, DbQueries, EntityRef, Index, TimePoint, Tx, Value};
use datolite_kv::{Direction, KeyRange, Table, Visit};
use serde::Serialize;

use crate::commands::bench::load;
use crate::commands::storage_options;
use crate::error::{CliError, Result};
use crate::measure::{best_of, decoded_scan};
use crate::output::{self, round3, Format};

/// Arguments of `bench time`.
#[derive(Debug, Args)]
pub struct TimeBenchArgs {
    /// Datoms to load before the replacements.
    #[arg(long, value_name = "N", default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(50..=1_000_000_000))]
    datoms: u64,

    /// Runs per measurement; the best is reported.
    #[arg(long, value_name = "R", default_value_t = 7, value_parser = clap::value_parser!(u64).range(1..=1000))]
    runs: u64,

    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// Replacement datoms per transaction.
const REPLACED_PER_TX: usize = 100_000;

/// The queries timed on the current state and as of before the replacements: a join over two
/// attributes with a range, and a lookup by value.
const QUERIES: [(&str, &str, &str); 2] = [
    (
        "join",
        "[:find (count ?e) . :where [?e :bench/long ?l] [(< ?l 500000)] [?e :bench/double ?d]]",
        "",
    ),
    (
        "lookup",
        "[:find ?d . :in $ ?s :where [?e :bench/string ?s] [?e :bench/double ?d]]",
        "\"s00007\"",
    ),
];

/// One scan measured.
#[derive(Debug, Serialize)]
struct ScanRate {
    view: &'static str,
    datoms: u64,
    ms: f64,
    datoms_per_sec: f64,
}

/// One query measured on both values.
#[derive(Debug, Serialize)]
struct QueryPair {
    name: &'static str,
    query: &'static str,
    current_ms: f64,
    as_of_ms: f64,
    ratio_as_of_to_current: f64,
}

/// The JSON of `bench time`.
#[derive(Debug, Serialize)]
struct TimeBenchJson {
    datoms: u64,
    retracted: u64,
    replace_ms: f64,
    replace_transactions: usize,
    history_bytes: u64,
    history_bytes_per_retracted: f64,
    file_growth_bytes: u64,
    scans: Vec<ScanRate>,
    ratio_history_rate_to_current: f64,
    ratio_as_of_rate_to_current: f64,
    queries: Vec<QueryPair>,
    runs: u64,
}

/// Runs `bench time`.
pub fn run(args: TimeBenchArgs) -> Result<()> {
    let options = storage_options()?;
    let dir = tempfile::TempDir::with_prefix("datolite-bench-")
        .map_err(|e| CliError::msg(format!("cannot create a temporary directory: {e}")))?;
    let database = Database::open(dir.path(), options)?;
    load(&database, args.datoms)?;
    let before_t = database.db()?.basis_t();
    let size_before = database.size_on_disk()?;
    let (replace_ms, retracted, replace_transactions) = replace_tenth(&database)?;
    let file_growth_bytes = database.size_on_disk()?.saturating_sub(size_before);
    let history_bytes = history_bytes(&database)?;

    let runs = usize::try_from(args.runs).unwrap_or(1);
    let current = database.db()?;
    let as_of = current.as_of(TimePoint::T(before_t))?;
    let history = current.history();
    let mut scans = Vec::new();
    for (view, db) in [
        ("current", &current),
        ("as of before", &as_of),
        ("history", &history),
    ] {
        let (ms, (datoms, _)) = best_of(runs, || decoded_scan(db))?;
        scans.push(ScanRate {
            view,
            datoms,
            ms: round3(ms),
            datoms_per_sec: (datoms as f64 / (ms / 1000.0)).round(),
        });
    }
    let rate = |i: usize| scans[i].datoms_per_sec;
    let mut queries = Vec::new();
    for (name, query, arg) in QUERIES {
        let args: Vec<&str> = if arg.is_empty() { vec![] } else { vec![arg] };
        let time = |db: &Db| best_of(runs, || Ok(db.q_edn(query, &args)?));
        let (current_ms, _) = time(&current)?;
        let (as_of_ms, _) = time(&as_of)?;
        queries.push(QueryPair {
            name,
            query,
            current_ms: round3(current_ms),
            as_of_ms: round3(as_of_ms),
            ratio_as_of_to_current: round3(as_of_ms / current_ms.max(1e-9)),
        });
    }
    let report = TimeBenchJson {
        datoms: current.count()?,
        retracted,
        replace_ms: round3(replace_ms),
        replace_transactions,
        history_bytes,
        history_bytes_per_retracted: round3(history_bytes as f64 / retracted.max(1) as f64),
        file_growth_bytes,
        ratio_history_rate_to_current: round3(rate(2) / rate(0)),
        ratio_as_of_rate_to_current: round3(rate(1) / rate(0)),
        scans,
        queries,
        runs: args.runs,
    };
    match args.format {
        Format::Edn | Format::Json => output::print_data(args.format, &report),
        Format::Table => output::print_text(&table(&report)),
    }
}

/// Replaces all five attributes of every tenth entity; returns the time, the datoms retracted
/// and the transactions.
fn replace_tenth(database: &Database) -> Result<(f64, u64, usize)> {
    let db = database.db()?;
    let mut entities = Vec::new();
    let mut i = 0u64;
    db.scan(Index::Aevt)
        .attribute(":bench/long")
        .for_each(|d| {
            if i.is_multiple_of(10) {
                entities.push(d.e);
            }
            i += 1;
            true
        })?;
    let start = Instant::now();
    let (mut retracted, mut transactions) = (0u64, 0usize);
    for chunk in entities.chunks(REPLACED_PER_TX / 5) {
        let mut tx = Tx::new();
        for &e in chunk {
            let id = EntityRef::Id(e);
            let k = e as i64;
            tx.add(id.clone(), ":bench/long", -k);
            tx.add(id.clone(), ":bench/double", -(k as f64));
            tx.add(id.clone(), ":bench/string", format!("r{k}"));
            tx.add(id.clone(), ":bench/instant", Value::Instant(-k));
            tx.add(id.clone(), ":bench/ref", id);
        }
        let report = database.transact_tx(&tx)?;
        retracted += report.tx_data.iter().filter(|d| !d.added).count() as u64;
        transactions += 1;
    }
    Ok((
        start.elapsed().as_secs_f64() * 1000.0,
        retracted,
        transactions,
    ))
}

/// Bytes of the keys and values in the four history tables.
fn history_bytes(database: &Database) -> Result<u64> {
    let txn = database.store().engine().read()?;
    let mut bytes = 0u64;
    for table in [
        Table::EavtHistory,
        Table::AevtHistory,
        Table::AvetHistory,
        Table::VaetHistory,
    ] {
        txn.scan(table, &KeyRange::all(), Direction::Forward, &mut |k, v| {
            bytes += (k.len() + v.len()) as u64;
            Visit::Continue
        })?;
    }
    Ok(bytes)
}

/// The report as text.
fn table(r: &TimeBenchJson) -> String {
    let best = format!("best of {} (ms)", r.runs);
    let mut scans = output::table(
        &["scan (EAVT, decoded)", "datoms", &best, "rate"],
        &[1, 2, 3],
    );
    for s in &r.scans {
        scans.add_row(vec![
            s.view.to_string(),
            output::thousands(s.datoms),
            output::ms(s.ms),
            output::rate(s.datoms, s.ms),
        ]);
    }
    let mut queries = output::table(
        &["query", "current (ms)", "as of (ms)", "as of ÷ current"],
        &[1, 2, 3],
    );
    for q in &r.queries {
        queries.add_row(vec![
            format!("{}: {}", q.name, q.query),
            output::ms(q.current_ms),
            output::ms(q.as_of_ms),
            format!("{:.2}×", q.ratio_as_of_to_current),
        ]);
    }
    format!(
        "datolite bench time: {} datoms, {} of them replaced (retracted and kept in history) in {} transaction{} ({} ms)\n\
         \n  history    {} in the history tables: {:.1} bytes per retracted datom (keys and values, every index); the file grew {}\n\
         \n{scans}\n  history ÷ current rate {:.2}×   as of ÷ current rate {:.2}×\n\n{queries}",
        output::thousands(r.datoms),
        output::thousands(r.retracted),
        r.replace_transactions,
        if r.replace_transactions == 1 { "" } else { "s" },
        output::ms(r.replace_ms),
        output::bytes(r.history_bytes),
        r.history_bytes_per_retracted,
        output::bytes(r.file_growth_bytes),
        r.ratio_history_rate_to_current,
        r.ratio_as_of_rate_to_current,
    )
}
