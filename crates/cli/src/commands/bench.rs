//! `datolite bench ablation` lives in `bench_ablation.rs`, `bench people` in `people.rs`,
//! `bench time` in `bench_time.rs`, `bench graph` in `graph.rs`, `bench query` in
//! `bench_query.rs`, `bench ohlc` in `bench_ohlc.rs`, `bench report` in `bench_report/`,
//! `bench parallel` in `bench_parallel.rs`, `bench serve` in `bench_serve.rs`.
//!
//! `datolite bench scan --datoms N`: load N datoms into a fresh temporary database, then time
//! every scan of the storage plan (see `measure.rs`) against the raw engine scan.
//!
//! The data: entities with five attributes of mixed types — `:bench/long`, `:bench/double`,
//! `:bench/string` (short), `:bench/instant`, and `:bench/ref` pointing at the previous entity —
//! loaded with the `Tx` builder in transactions of about 100,000 datoms.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use clap::{Args, Subcommand};
use datolite::{Database, DbQueries, EntityRef, Tx, Value};
use serde::Serialize;

use crate::commands::storage_options;
use crate::commands::timing::time_runs;
use crate::error::{CliError, Result};
use crate::measure::{measure_scans, ScanJson, ScanTimings};
use crate::output::{self, round3, Format};
use crate::progress::{self, Unit};

/// Arguments of `bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    which: Bench,
}

/// The benchmarks.
#[derive(Debug, Subcommand)]
enum Bench {
    /// Load N datoms, then time decoded, key-only, counted, parallel and raw scans.
    Scan(ScanBenchArgs),
    /// The datascript-bench people workload: load 20,000 people in one transaction, then time
    /// queries q1–q4 and the predicate queries (median of --runs).
    People(crate::commands::people::PeopleBenchArgs),
    /// Time: load N datoms, replace 10% of them, then compare scans and queries of the current
    /// state, as of before the replacements and the history; report the bytes history costs.
    Time(crate::commands::bench_time::TimeBenchArgs),
    /// Graph-shaped queries (recursive reachability, negation, grouping, comparisons) on a
    /// generated social graph, optionally beside a peer's timings of the same queries.
    Graph(crate::commands::graph::GraphBenchArgs),
    /// Time any query on the database --db names: a warm-up run, then the median of --runs.
    Query(crate::commands::bench_query::QueryBenchArgs),
    /// The HTTP server under load on loopback: N clients for S seconds, each alternating q1 of
    /// the people workload and a one-entity transaction; requests/s, p50/p99, errors (none).
    Serve(crate::commands::bench_serve::ServeBenchArgs),
    /// Durable one-entity transactions from many threads at once (group commit): tx/s, p50/p99.
    Tx(crate::commands::bench_tx::TxBenchArgs),
    /// The storage plan's ablation: each optimization off and on (scan batch, key-only scans,
    /// statistics count, parallel workers, LMDB readahead on a cold cache, all together), the
    /// engines side by side and the durability modes, on the same data in one run.
    Ablation(crate::commands::bench_ablation::AblationBenchArgs),
    /// Bulk load N generated datoms into a new database, beside a bare LMDB append of the same
    /// keys: datoms/s, the ratio to the raw append, peak memory, bytes per datom per table.
    Import(crate::commands::bench_import::ImportBenchArgs),
    /// Market data: hourly OHLC bars of many symbols, bulk-loaded, then the latest close, daily
    /// high/low, a time-range price filter and bars per symbol (median of --runs).
    Ohlc(crate::commands::bench_ohlc::OhlcBenchArgs),
    /// Why a parallel scan's speed-up varies: folds with every worker and with one, trial after
    /// trial, each split into CPU inflation, waiting and imbalance, beside the cores' own
    /// speed-up on pure arithmetic at the same moment.
    Parallel(crate::commands::bench_parallel::ParallelBenchArgs),
    /// Run the storage plan's benchmarks (scan, ablation and import at each size, ohlc, tune,
    /// optionally the peers) and write a Markdown report with SVG charts to --out.
    Report(crate::commands::bench_report::ReportBenchArgs),
}

/// Arguments of `bench scan`.
#[derive(Debug, Args)]
struct ScanBenchArgs {
    /// Datoms to load (entities of five attributes each).
    #[arg(long, value_name = "N", default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    datoms: u64,

    /// Runs per measurement; the best is reported.
    #[arg(long, value_name = "R", default_value_t = 7, value_parser = clap::value_parser!(u64).range(1..=1000))]
    runs: u64,

    #[command(flatten)]
    engines: crate::commands::bench_engines::EngineChoice,

    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// Datoms per load transaction (a multiple of 5, so entities never straddle transactions).
pub(crate) const DATOMS_PER_TX: u64 = 100_000;

/// Attributes of every bench entity, in the order their datoms are added.
pub(crate) const SCHEMA: &str = r#"[
 {:db/ident :bench/long    :db/valueType :db.type/long    :db/cardinality :db.cardinality/one}
 {:db/ident :bench/double  :db/valueType :db.type/double  :db/cardinality :db.cardinality/one}
 {:db/ident :bench/string  :db/valueType :db.type/string  :db/cardinality :db.cardinality/one}
 {:db/ident :bench/instant :db/valueType :db.type/instant :db/cardinality :db.cardinality/one}
 {:db/ident :bench/ref     :db/valueType :db.type/ref     :db/cardinality :db.cardinality/one}
]"#;

/// Runs `bench`.
pub fn run(db: Option<&std::path::Path>, args: BenchArgs) -> Result<()> {
    match args.which {
        Bench::Scan(args) => scan(args),
        Bench::People(args) => crate::commands::people::run(args),
        Bench::Time(args) => crate::commands::bench_time::run(args),
        Bench::Graph(args) => crate::commands::graph::run(args),
        Bench::Query(args) => crate::commands::bench_query::run(db, args),
        Bench::Tx(args) => crate::commands::bench_tx::run(args),
        Bench::Serve(args) => crate::commands::bench_serve::run(args),
        Bench::Import(args) => crate::commands::bench_import::run(args),
        Bench::Ohlc(args) => crate::commands::bench_ohlc::run(args),
        Bench::Ablation(args) => crate::commands::bench_ablation::run(args),
        Bench::Parallel(args) => crate::commands::bench_parallel::run(args),
        Bench::Report(args) => crate::commands::bench_report::run(args),
    }
}

/// What the load phase measured.
pub(crate) struct Load {
    /// Wall time of the schema and data transactions.
    pub(crate) ms: f64,
    /// Datoms the load added (including transaction instants and schema).
    pub(crate) datoms: u64,
    /// Highest anonymous resident memory seen during the load, in MiB.
    peak_rss_anon_mb: f64,
}

impl Load {
    /// Datoms loaded per second.
    pub(crate) fn per_sec(&self) -> f64 {
        if self.ms > 0.0 {
            self.datoms as f64 / (self.ms / 1000.0)
        } else {
            0.0
        }
    }
}

fn scan(args: ScanBenchArgs) -> Result<()> {
    let kinds = args.engines.kinds()?;
    if !kinds.is_empty() {
        return crate::commands::bench_scan_engines::run(
            &kinds,
            args.datoms,
            args.runs,
            args.format,
        );
    }
    let options = storage_options()?;
    let dir = tempfile::TempDir::with_prefix("datolite-bench-")
        .map_err(|e| CliError::msg(format!("cannot create a temporary directory: {e}")))?;
    let database = Database::open(dir.path(), options)?;
    let load = load(&database, args.datoms)?;
    let runs = usize::try_from(args.runs).unwrap_or(1);
    let timings = measure_scans(&database, ":bench/long", runs)?;
    let selective = selective_queries(&database, args.datoms, runs)?;
    report(&args, &load, &timings, &selective)
}

/// Selective queries of `bench scan`: (JSON key, query). Each reads a handful of datoms
/// through an index, so its time should stay flat as the database grows, unlike a scan's.
pub(crate) const SELECTIVE: [(&str, &str); 2] = [
    // AVET: the entities with one `:bench/long` value, and their doubles.
    (
        "lookup",
        "[:find ?e ?d :in $ ?v :where [?e :bench/long ?v] [?e :bench/double ?d]]",
    ),
    // AVET then VAET: who refers to those entities (each is referred to by the next one).
    (
        "reverse_ref",
        "[:find ?x :in $ ?v :where [?e :bench/long ?v] [?x :bench/ref ?e]]",
    ),
];

/// The `:bench/long` value of the middle entity of `datoms` loaded datoms: what the selective
/// queries ask about.
pub(crate) fn middle_value(datoms: u64) -> String {
    let middle = (datoms / 5 / 2) as i64;
    (middle.wrapping_mul(7919) % 1_000_003).to_string()
}

/// The median time and rows of each selective query, asked about the middle entity's value.
fn selective_queries(database: &Database, datoms: u64, runs: usize) -> Result<Vec<Selective>> {
    let db = database.db()?;
    let value = middle_value(datoms);
    let mut out = Vec::new();
    for (name, query) in SELECTIVE {
        let timing = time_runs(runs, || Ok(db.q_edn(query, &[value.as_str()])?.row_count()))?;
        if timing.rows == 0 {
            return Err(CliError::msg(format!(
                "bench scan: the selective query `{name}` found nothing for {value}; this is a bug in datolite"
            )));
        }
        out.push(Selective {
            name,
            median_ms: round3(timing.median_ms),
            rows: timing.rows,
        });
    }
    Ok(out)
}

/// One selective query's timing.
struct Selective {
    name: &'static str,
    median_ms: f64,
    rows: usize,
}

/// Loads `n` user datoms, sampling memory on a background thread meanwhile.
pub(crate) fn load(database: &Database, n: u64) -> Result<Load> {
    let before = database.db()?.count()?;
    let sampler = RssSampler::start();
    let bar = progress::bar(n, Unit::Items("datoms"));
    let start = Instant::now();
    database.transact(SCHEMA)?;
    let mut previous: Option<u64> = None;
    let mut next = 0u64; // entity number
    let mut loaded = 0u64;
    while loaded < n {
        let in_tx = DATOMS_PER_TX.min(n - loaded);
        let (tx, last_name) = bench_tx(next, in_tx, previous);
        let report = database.transact_tx(&tx)?;
        previous = report.tempids.get(&last_name).copied();
        next += in_tx.div_ceil(5);
        loaded += in_tx;
        bar.set_position(loaded);
    }
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    bar.finish_and_clear();
    let peak = sampler.stop();
    let after = database.db()?.count()?;
    Ok(Load {
        ms,
        datoms: after.saturating_sub(before),
        peak_rss_anon_mb: peak as f64 / 1024.0,
    })
}

/// One load transaction of `datoms` datoms for entities numbered from `first`; each entity
/// refers to the one before it (`previous` is the last entity of the previous transaction).
/// Returns the transaction and the tempid of its last entity.
pub(crate) fn bench_tx(first: u64, datoms: u64, previous: Option<u64>) -> (Tx, String) {
    const BASE_MS: i64 = 1_704_067_200_000; // 2024-01-01T00:00:00Z
    let mut tx = Tx::new();
    let mut last_name = String::new();
    let mut added = 0u64;
    let mut i = first;
    let mut previous_ref: Option<EntityRef> = previous.map(EntityRef::Id);
    while added < datoms {
        let name = format!("e{i}");
        let e = tx.tempid(&name);
        let k = i as i64;
        let attrs = (datoms - added).min(5);
        for a in 0..attrs {
            match a {
                0 => tx.add(e.clone(), ":bench/long", k.wrapping_mul(7919) % 1_000_003),
                1 => tx.add(e.clone(), ":bench/double", k as f64 * 0.25),
                2 => tx.add(e.clone(), ":bench/string", format!("s{:05}", i % 50_000)),
                3 => tx.add(
                    e.clone(),
                    ":bench/instant",
                    Value::Instant(BASE_MS + k * 1000),
                ),
                // The very first entity has no predecessor; it refers to itself.
                _ => tx.add(
                    e.clone(),
                    ":bench/ref",
                    previous_ref.clone().unwrap_or_else(|| e.clone()),
                ),
            };
        }
        added += attrs;
        previous_ref = Some(e);
        last_name = name;
        i += 1;
    }
    (tx, last_name)
}

/// The JSON of `bench scan`: the scan keys (`datoms` first), the selective queries'
/// (`<name>_ms`, `<name>_rows`), then the load's.
#[derive(Debug, Serialize)]
struct BenchJson {
    #[serde(flatten)]
    scans: ScanJson,
    #[serde(flatten)]
    selective: serde_json::Map<String, serde_json::Value>,
    requested_datoms: u64,
    runs: u64,
    load_ms: f64,
    load_datoms_per_sec: f64,
    peak_rss_anon_mb: f64,
}

/// Prints the report.
fn report(
    args: &ScanBenchArgs,
    load: &Load,
    t: &ScanTimings,
    selective: &[Selective],
) -> Result<()> {
    let per_sec = load.per_sec();
    match args.format {
        Format::Edn | Format::Json => output::print_data(
            args.format,
            &BenchJson {
                scans: t.to_json(),
                selective: selective
                    .iter()
                    .flat_map(|q| {
                        [
                            (format!("{}_ms", q.name), serde_json::json!(q.median_ms)),
                            (format!("{}_rows", q.name), serde_json::json!(q.rows)),
                        ]
                    })
                    .collect(),
                requested_datoms: args.datoms,
                runs: args.runs,
                load_ms: round3(load.ms),
                load_datoms_per_sec: per_sec.round(),
                peak_rss_anon_mb: round3(load.peak_rss_anon_mb),
            },
        ),
        Format::Table => {
            let mut load_table = output::table(&["load", "value"], &[1]);
            load_table.add_row(vec![
                "datoms loaded".to_string(),
                output::thousands(load.datoms),
            ]);
            load_table.add_row(vec!["load time (ms)".to_string(), output::ms(load.ms)]);
            load_table.add_row(vec![
                "datoms/s".to_string(),
                output::thousands(per_sec.round() as u64),
            ]);
            load_table.add_row(vec![
                "peak RssAnon (MiB)".to_string(),
                format!("{:.1}", load.peak_rss_anon_mb),
            ]);
            let scans = crate::commands::demo::scan_table(t, args.runs as usize);
            let mut queries = output::table(&["selective query", "median (ms)", "rows"], &[1, 2]);
            for q in selective {
                queries.add_row(vec![
                    q.name.to_string(),
                    format!("{:.3}", q.median_ms),
                    q.rows.to_string(),
                ]);
            }
            output::print_text(&format!(
                "bench scan: {} datoms in EAVT\n{load_table}\n{scans}\n{queries}\ndecoded / raw = {:.2}×   parallel speedup ({} workers vs 1) = {:.2}×",
                output::thousands(t.datoms),
                t.ratio_decoded_to_raw(),
                t.workers,
                t.parallel_speedup()
            ))
        }
    }
}

/// Samples `RssAnon` from /proc/self/status every ~5 ms on a background thread and keeps the
/// maximum. Anonymous memory is what the process allocates itself; LMDB's memory map is
/// file-backed and would otherwise drown it out.
pub(crate) struct RssSampler {
    stop: Arc<AtomicBool>,
    peak_kib: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
}

impl RssSampler {
    pub(crate) fn start() -> RssSampler {
        let stop = Arc::new(AtomicBool::new(false));
        let peak_kib = Arc::new(AtomicU64::new(rss_anon_kib().unwrap_or(0)));
        let thread = {
            let (stop, peak) = (stop.clone(), peak_kib.clone());
            std::thread::Builder::new()
                .name("rss-sampler".into())
                .spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        match rss_anon_kib() {
                            Some(kib) => {
                                peak.fetch_max(kib, Ordering::Relaxed);
                            }
                            None => return, // no /proc: report 0
                        }
                        std::thread::sleep(Duration::from_millis(5));
                    }
                })
                .ok()
        };
        RssSampler {
            stop,
            peak_kib,
            thread,
        }
    }

    /// Stops sampling; the peak in KiB (0 where /proc is absent).
    pub(crate) fn stop(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        if let Some(kib) = rss_anon_kib() {
            self.peak_kib.fetch_max(kib, Ordering::Relaxed);
        }
        self.peak_kib.load(Ordering::Relaxed)
    }
}

/// The `RssAnon:` line of /proc/self/status, in KiB.
fn rss_anon_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("RssAnon:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
