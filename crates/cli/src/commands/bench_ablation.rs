//! `datolite bench ablation [--datoms N] [--runs R] [--format table|edn|json]`: the storage plan's
//! method — every optimization measured off and on, one at a time and all together, on the
//! same data in one run, with absolute times beside the ratios.
//!
//! The data are `bench scan`'s (N datoms of five attributes per entity, loaded through the
//! transactor in transactions of 100,000 datoms) in a fresh LMDB database. Then, each the best
//! of `--runs` on a warm cache unless said otherwise:
//!
//! | optimization | off | on | what is timed |
//! |---|---|---|---|
//! | scan batch (the plan's prefetch) | 10 | 1000 | the owned datom iterator over EAVT, which fetches a batch per snapshot visit |
//! | key-only scans | decoded | keys only | a full EAVT scan |
//! | statistics count | counting by scan | statistics | the number of datoms |
//! | parallel scans | 1 worker | 2 workers | a decoded fold over EAVT |
//! | LMDB readahead | off (`NORDAHEAD`) | on | one decoded scan of a cold cache: the data file's pages are dropped from the page cache (`posix_fadvise(DONTNEED)`, with the database closed) before each run |
//! | all together | the five off | the five on | counting every datom and folding every value: count by scan plus a one-worker fold through the batch-10 iterator, against the statistics count plus the two-worker fold |
//!
//! Then the **engines**: the same load into LMDB, RocksDB (when this binary is built with the
//! `rocksdb` feature; otherwise the row says so) and memory, each with its load time, decoded
//! and key-only scans, statistics count and bytes per datom; and the **durability modes**: 300
//! one-entity transactions, one after the other, under `full`, `meta-async` and `none` on each
//! on-disk engine.
//!
//! Every measurement is checked against the others (the same datoms, the same fold), so a
//! faster wrong answer cannot pass for an optimization.

use std::path::Path;
use std::time::Instant;

use clap::Args;
use datolite::{Database, DatomRef, Db, EngineKind, Index, StoreOptions, SyncMode};
use serde::Serialize;

use crate::commands::bench::load;
use crate::commands::storage_options;
use crate::error::{CliError, Result};
use crate::measure::{best_of, count_keys, decoded_scan, fold_datom, parallel_fold};
use crate::output::{self, round3, Format};

/// Arguments of `bench ablation`.
#[derive(Debug, Args)]
pub struct AblationBenchArgs {
    /// Datoms to load (entities of five attributes each).
    #[arg(long, value_name = "N", default_value_t = 1_240_000, value_parser = clap::value_parser!(u64).range(1_000..=1_000_000_000))]
    datoms: u64,

    /// Runs per measurement; the best is reported.
    #[arg(long, value_name = "R", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=1000))]
    runs: u64,

    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// One optimization, off and on.
#[derive(Debug, Serialize)]
struct Ablation {
    name: &'static str,
    off: &'static str,
    on: &'static str,
    off_ms: f64,
    on_ms: f64,
    /// `off_ms / on_ms`.
    speedup: f64,
    /// Nanoseconds per datom of the database, off and on (flat across sizes for scans).
    off_ns_per_datom: f64,
    on_ns_per_datom: f64,
}

/// One engine's load and reads of the same data.
#[derive(Debug, Serialize)]
struct EngineRow {
    engine: &'static str,
    /// `false` when this binary lacks the engine (the other fields are then zero).
    built: bool,
    load_ms: f64,
    scan_decoded_ms: f64,
    scan_keys_only_ms: f64,
    count_ms: f64,
    bytes_per_datom: f64,
}

/// One durability mode on one engine.
#[derive(Debug, Serialize)]
pub(crate) struct DurabilityRow {
    pub(crate) engine: &'static str,
    pub(crate) sync: &'static str,
    pub(crate) transactions: u64,
    pub(crate) ms_per_tx: f64,
    pub(crate) tx_per_sec: f64,
}

/// The JSON of `bench ablation`.
#[derive(Debug, Serialize)]
struct AblationJson {
    datoms: u64,
    runs: u64,
    load_ms: f64,
    ablations: Vec<Ablation>,
    engines: Vec<EngineRow>,
    durability: Vec<DurabilityRow>,
}

/// Durable transactions per durability measurement.
const DURABILITY_TXS: u64 = 300;

/// Runs `bench ablation`.
pub fn run(args: AblationBenchArgs) -> Result<()> {
    let runs = usize::try_from(args.runs).unwrap_or(1);
    let base = storage_options()?;
    let tmp = tempfile::TempDir::with_prefix("datolite-bench-ablation-")
        .map_err(|e| CliError::msg(format!("cannot create a temporary directory: {e}")))?;
    let path = tmp.path().join("lmdb");
    let lmdb = with_engine(&base, EngineKind::Lmdb);

    let database = Database::open(&path, lmdb.clone())?;
    let loaded = load(&database, args.datoms)?;
    let datoms = database.db()?.count()?;
    let lmdb_row = engine_row(&database, loaded.ms, runs)?;
    let mut ablations = warm_ablations(&database, &path, &lmdb, runs)?;
    drop(database);
    ablations.insert(4, readahead_ablation(&path, &lmdb, runs)?);
    for row in &mut ablations {
        row.off_ns_per_datom = round3(row.off_ms * 1e6 / datoms.max(1) as f64);
        row.on_ns_per_datom = round3(row.on_ms * 1e6 / datoms.max(1) as f64);
    }

    let mut engines = vec![lmdb_row];
    engines.push(other_engine(
        &base,
        EngineKind::Rocksdb,
        &tmp.path().join("rocksdb"),
        args.datoms,
        runs,
    )?);
    engines.push(other_engine(
        &base,
        EngineKind::Memory,
        &tmp.path().join("memory"),
        args.datoms,
        runs,
    )?);

    let mut durability = Vec::new();
    for engine in disk_engines() {
        for sync in [SyncMode::Full, SyncMode::MetaAsync, SyncMode::None] {
            durability.push(durability_row(&base, engine, sync, tmp.path())?);
        }
    }

    let report = AblationJson {
        datoms,
        runs: args.runs,
        load_ms: round3(loaded.ms),
        ablations,
        engines,
        durability,
    };
    match args.format {
        Format::Edn | Format::Json => output::print_data(args.format, &report),
        Format::Table => output::print_text(&table_text(&report)),
    }
}

/// `base` with `engine` chosen.
pub(crate) fn with_engine(base: &StoreOptions, engine: EngineKind) -> StoreOptions {
    let mut options = base.clone();
    options.kv.engine = engine;
    options
}

/// The on-disk engines this binary has.
pub(crate) fn disk_engines() -> Vec<EngineKind> {
    if cfg!(feature = "rocksdb") {
        vec![EngineKind::Lmdb, EngineKind::Rocksdb]
    } else {
        vec![EngineKind::Lmdb]
    }
}

/// An ablation row from two timings (per-datom figures are filled in later).
fn ablation(
    name: &'static str,
    (off, on): (&'static str, &'static str),
    off_ms: f64,
    on_ms: f64,
) -> Ablation {
    Ablation {
        name,
        off,
        on,
        off_ms: round3(off_ms),
        on_ms: round3(on_ms),
        speedup: round3(if on_ms > 0.0 { off_ms / on_ms } else { 0.0 }),
        off_ns_per_datom: 0.0,
        on_ns_per_datom: 0.0,
    }
}

/// Fails when two ways of reading the same data disagree.
fn agree<T: PartialEq + std::fmt::Debug>(what: &str, off: T, on: T) -> Result<()> {
    if off == on {
        Ok(())
    } else {
        Err(CliError::msg(format!(
            "{what}: the two settings disagree ({off:?} off, {on:?} on); this is a bug in datolite"
        )))
    }
}

/// The owned iterator over EAVT, decoding and folding every datom: (count, checksum).
pub(crate) fn iterator_fold(db: &Db) -> Result<(u64, u64)> {
    let mut acc = (0u64, 0u64);
    for datom in db.scan(Index::Eavt).iter()? {
        let d = datom?;
        let datom = DatomRef {
            e: d.e,
            a: d.a,
            v: d.v.as_ref(),
            tx: d.tx,
            added: d.added,
        };
        fold_datom(&mut acc, &datom);
    }
    Ok(acc)
}

/// The ablations on a warm cache: batch, key-only, statistics, workers, and all together.
fn warm_ablations(
    database: &Database,
    path: &Path,
    options: &StoreOptions,
    runs: usize,
) -> Result<Vec<Ablation>> {
    let db = database.db()?;
    // Two more handles on the same database, differing only in the batch size.
    let batched = |size: usize| -> Result<Db> {
        let mut options = options.clone();
        options.scan_batch_size = size;
        Ok(Database::open(path, options)?.db()?)
    };
    let (small, large) = (batched(10)?, batched(1000)?);
    let mut rows = Vec::new();

    let (off_ms, off) = best_of(runs, || iterator_fold(&small))?;
    let (on_ms, on) = best_of(runs, || iterator_fold(&large))?;
    agree("scan batch", off, on)?;
    rows.push(ablation(
        "scan batch (prefetch)",
        ("10", "1000"),
        off_ms,
        on_ms,
    ));

    let (off_ms, (decoded, _)) = best_of(runs, || decoded_scan(&db))?;
    let (on_ms, keys) = best_of(runs, || count_keys(&db))?;
    agree("key-only scan", decoded, keys)?;
    rows.push(ablation(
        "key-only scan",
        ("decoded", "keys only"),
        off_ms,
        on_ms,
    ));

    let (off_ms, scanned) = best_of(runs, || count_keys(&db))?;
    let (on_ms, counted) = best_of(runs, || Ok(db.count()?))?;
    agree("statistics count", scanned, counted)?;
    rows.push(ablation(
        "statistics count",
        ("count by scan", "statistics"),
        off_ms,
        on_ms,
    ));

    let (off_ms, one) = best_of(runs, || parallel_fold(&db, 1))?;
    let (on_ms, two) = best_of(runs, || parallel_fold(&db, 2))?;
    agree("parallel scan", one, two)?;
    rows.push(ablation(
        "parallel scan",
        ("1 worker", "2 workers"),
        off_ms,
        on_ms,
    ));

    let (off_ms, off) = best_of(runs, || Ok((count_keys(&small)?, iterator_fold(&small)?)))?;
    let (on_ms, on) = best_of(runs, || Ok((large.count()?, parallel_fold(&large, 2)?)))?;
    agree("all together", off, on)?;
    rows.push(ablation(
        "all together",
        ("all off", "all on"),
        off_ms,
        on_ms,
    ));
    Ok(rows)
}

/// LMDB readahead off and on, each run on a cold cache.
fn readahead_ablation(path: &Path, options: &StoreOptions, runs: usize) -> Result<Ablation> {
    let (off_ms, off) = cold_scan(path, options, true, runs)?;
    let (on_ms, on) = cold_scan(path, options, false, runs)?;
    agree("readahead", off, on)?;
    Ok(ablation(
        "LMDB readahead (cold cache)",
        ("off", "on"),
        off_ms,
        on_ms,
    ))
}

/// The best of `runs` decoded scans of the LMDB database at `path` on a cold cache, readahead
/// off or on: each run drops the data file from the page cache, opens the database (closed
/// before: the option is the environment's) and scans it once; every run must read the same
/// datoms. Returns (ms, fold).
pub(crate) fn cold_scan(
    path: &Path,
    options: &StoreOptions,
    no_readahead: bool,
    runs: usize,
) -> Result<(f64, (u64, u64))> {
    let mut options = options.clone();
    options.kv.lmdb.no_readahead = no_readahead;
    let mut best = f64::INFINITY;
    let mut first = None;
    for _ in 0..runs.max(1) {
        evict(&path.join(datolite_kv::LMDB_DATA_FILE))?;
        let database = Database::open(path, options.clone())?;
        let start = Instant::now();
        let fold = decoded_scan(&database.db()?)?;
        best = best.min(start.elapsed().as_secs_f64() * 1000.0);
        agree("cold scans", *first.get_or_insert(fold), fold)?;
    }
    Ok((best, first.unwrap_or_default()))
}

/// Drops `file`'s pages from the page cache (they are clean: the database is closed and its
/// commits synced), so the next read comes from the disk.
fn evict(file: &Path) -> Result<()> {
    use std::os::fd::AsRawFd;
    let handle = std::fs::File::open(file)
        .map_err(|e| CliError::msg(format!("cannot open {}: {e}", file.display())))?;
    handle
        .sync_all()
        .map_err(|e| CliError::msg(format!("cannot sync {}: {e}", file.display())))?;
    // SAFETY: a plain advisory call on a file descriptor this function owns.
    let code = unsafe { libc::posix_fadvise(handle.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
    if code != 0 {
        return Err(CliError::msg(format!(
            "cannot drop {} from the page cache: {}",
            file.display(),
            std::io::Error::from_raw_os_error(code)
        )));
    }
    Ok(())
}

/// The reads of `database` every engine row reports.
fn engine_row(database: &Database, load_ms: f64, runs: usize) -> Result<EngineRow> {
    let db = database.db()?;
    let (scan_decoded_ms, (decoded, _)) = best_of(runs, || decoded_scan(&db))?;
    let (scan_keys_only_ms, keys) = best_of(runs, || count_keys(&db))?;
    let (count_ms, counted) = best_of(runs, || Ok(db.count()?))?;
    agree("engine scans", decoded, keys)?;
    agree("engine count", keys, counted)?;
    let engine = database.store().engine();
    Ok(EngineRow {
        engine: engine.name(),
        built: true,
        load_ms: round3(load_ms),
        scan_decoded_ms: round3(scan_decoded_ms),
        scan_keys_only_ms: round3(scan_keys_only_ms),
        count_ms: round3(count_ms),
        bytes_per_datom: round3(engine.size_on_disk()? as f64 / counted.max(1) as f64),
    })
}

/// `engine`'s row: the same load into a fresh database, then its reads; a row saying "not
/// built" when this binary lacks the engine.
fn other_engine(
    base: &StoreOptions,
    engine: EngineKind,
    path: &Path,
    datoms: u64,
    runs: usize,
) -> Result<EngineRow> {
    if engine == EngineKind::Rocksdb && !cfg!(feature = "rocksdb") {
        return Ok(EngineRow {
            engine: "rocksdb",
            built: false,
            load_ms: 0.0,
            scan_decoded_ms: 0.0,
            scan_keys_only_ms: 0.0,
            count_ms: 0.0,
            bytes_per_datom: 0.0,
        });
    }
    let database = Database::open(path, with_engine(base, engine))?;
    let loaded = load(&database, datoms)?;
    engine_row(&database, loaded.ms, runs)
}

/// [`DURABILITY_TXS`] one-entity transactions under `sync` on a fresh `engine` database.
pub(crate) fn durability_row(
    base: &StoreOptions,
    engine: EngineKind,
    sync: SyncMode,
    dir: &Path,
) -> Result<DurabilityRow> {
    let mut options = with_engine(base, engine);
    options.kv.sync = sync;
    let path = dir.join(format!("sync-{}-{}", engine.as_str(), sync.as_str()));
    let database = Database::open(&path, options)?;
    database.transact(
        "[{:db/ident :event/id :db/valueType :db.type/long :db/cardinality :db.cardinality/one}]",
    )?;
    let start = Instant::now();
    for i in 0..DURABILITY_TXS {
        database.transact(&format!("[{{:event/id {i}}}]"))?;
    }
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    drop(database);
    std::fs::remove_dir_all(&path)
        .map_err(|e| CliError::msg(format!("cannot remove {}: {e}", path.display())))?;
    Ok(DurabilityRow {
        engine: engine.as_str(),
        sync: sync.as_str(),
        transactions: DURABILITY_TXS,
        ms_per_tx: round3(ms / DURABILITY_TXS as f64),
        tx_per_sec: round3(DURABILITY_TXS as f64 / (ms / 1000.0)),
    })
}

/// The human-readable report: three tables.
fn table_text(report: &AblationJson) -> String {
    let mut ablations = output::table(
        &[
            "optimization",
            "off",
            "on",
            "off (ms)",
            "on (ms)",
            "speed-up",
            "off / on (ns/datom)",
        ],
        &[3, 4, 5, 6],
    );
    for row in &report.ablations {
        ablations.add_row(vec![
            row.name.to_string(),
            row.off.to_string(),
            row.on.to_string(),
            output::ms(row.off_ms),
            output::ms(row.on_ms),
            format!("{:.2}×", row.speedup),
            format!("{:.1} / {:.1}", row.off_ns_per_datom, row.on_ns_per_datom),
        ]);
    }
    let mut engines = output::table(
        &[
            "engine",
            "load (ms)",
            "decoded scan (ms)",
            "key-only scan (ms)",
            "count (ms)",
            "bytes/datom",
        ],
        &[1, 2, 3, 4, 5],
    );
    for row in &report.engines {
        if !row.built {
            engines.add_row(vec![
                row.engine.to_string(),
                "not built (cargo build --features rocksdb)".to_string(),
            ]);
            continue;
        }
        engines.add_row(vec![
            row.engine.to_string(),
            output::ms(row.load_ms),
            output::ms(row.scan_decoded_ms),
            output::ms(row.scan_keys_only_ms),
            output::ms(row.count_ms),
            format!("{:.1}", row.bytes_per_datom),
        ]);
    }
    let mut durability = output::table(&["engine", "sync", "ms per tx", "tx/s"], &[2, 3]);
    for row in &report.durability {
        durability.add_row(vec![
            row.engine.to_string(),
            row.sync.to_string(),
            format!("{:.3}", row.ms_per_tx),
            format!("{:.0}", row.tx_per_sec),
        ]);
    }
    format!(
        "bench ablation: {} datoms (load {} ms), best of {} runs\n{ablations}\n{engines}\n\
         durability: {DURABILITY_TXS} one-entity transactions in a row\n{durability}",
        output::thousands(report.datoms),
        output::ms(report.load_ms),
        report.runs
    )
}
