//! `datolite [--db DIR] tune [--datoms N] [--runs R] [--format table|edn|json]`: measures this
//! machine with a short calibrated workload and recommends storage options — scan batch size,
//! parallel workers, LMDB readahead, sync mode, engine and profile — with the evidence, and the
//! exact `DATOLITE_*` lines to apply them.
//!
//! The workload: `bench scan`'s data (N datoms, default 200,000) in a fresh temporary LMDB
//! database, on which every candidate of each knob is timed (best of R runs):
//!
//! - **batch size** (`DATOLITE_SCAN_BATCH_SIZE`): 16, 128, 1024, 4096 datoms per batch of the
//!   owned datom iterator — the fastest wins;
//! - **workers** (`DATOLITE_PARALLEL_WORKERS`): 1 up to the available cores (at most 8), a
//!   parallel decoded fold — the fastest wins;
//! - **readahead** (`DATOLITE_LMDB_NO_READAHEAD`): one decoded scan of a cold cache with it on
//!   and off — the faster wins;
//! - **sync** (`DATOLITE_SYNC`): 300 one-entity transactions under each mode. `full` is
//!   recommended whatever they cost: an acknowledged transaction must survive a power loss
//!   unless the user says otherwise; the others' speed-up is shown so the user can choose;
//! - **engine** (`DATOLITE_ENGINE`): the load plus a decoded scan on each on-disk engine this
//!   binary has — the faster total wins;
//! - **profile** (`DATOLITE_PROFILE`): `low_memory` on a machine with less than 2 GiB of
//!   memory, else `read_heavy` (the defaults with synced commits), so the other lines only
//!   adjust it.
//!
//! With `--db DIR` the batch size and workers are timed on that database instead (read-only:
//! nothing is written to it), and readahead is recommended off when its data file is larger
//! than the machine's memory (LMDB's advice for random reads on data that does not fit).

use std::path::Path;

use clap::Args;
use datolite::{Database, Db, EngineKind, StoreOptions, SyncMode};
use serde::Serialize;

use crate::commands::bench::load;
use crate::commands::bench_ablation::{
    cold_scan, disk_engines, durability_row, iterator_fold, with_engine,
};
use crate::commands::{open_database, storage_options, Create};
use crate::error::{CliError, Result};
use crate::measure::{best_of, decoded_scan, parallel_fold};
use crate::output::{self, round3, Format};

/// Arguments of `tune`.
#[derive(Debug, Args)]
pub struct TuneArgs {
    /// Datoms of the calibration database.
    #[arg(long, value_name = "N", default_value_t = 200_000, value_parser = clap::value_parser!(u64).range(1_000..=100_000_000))]
    datoms: u64,

    /// Runs per measurement; the best is used.
    #[arg(long, value_name = "R", default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=100))]
    runs: u64,

    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// One candidate value of a knob and what it measured.
#[derive(Debug, Serialize)]
struct Candidate {
    value: String,
    ms: f64,
}

/// One knob: its variable, the candidates measured, the value recommended and why.
#[derive(Debug, Serialize)]
struct Choice {
    knob: &'static str,
    env: &'static str,
    measured_on: String,
    candidates: Vec<Candidate>,
    recommended: String,
    why: String,
}

/// The JSON of `tune`.
#[derive(Debug, Serialize)]
struct TuneJson {
    cores: usize,
    memory_bytes: Option<u64>,
    calibration_datoms: u64,
    database: Option<String>,
    choices: Vec<Choice>,
    env_lines: Vec<String>,
}

/// Batch sizes tried.
const BATCH_SIZES: [usize; 4] = [16, 128, 1024, 4096];

/// Runs `tune`.
pub fn run(db_path: Option<&Path>, args: TuneArgs) -> Result<()> {
    let runs = usize::try_from(args.runs).unwrap_or(1);
    let base = storage_options()?;
    let cores = datolite_kv::available_cores();
    let memory = physical_memory();
    let tmp = tempfile::TempDir::with_prefix("datolite-tune-")
        .map_err(|e| CliError::msg(format!("cannot create a temporary directory: {e}")))?;
    let path = tmp.path().join("lmdb");
    let lmdb = with_engine(&base, EngineKind::Lmdb);
    let database = Database::open(&path, lmdb.clone())?;
    let loaded = load(&database, args.datoms)?;
    let calibration = database.db()?;
    let calibration_datoms = calibration.count()?;

    // Batch size and workers: on the user's database when one is given (read-only), else on
    // the calibration database.
    let users = match db_path {
        Some(dir) => Some((dir, open_database(Some(dir), Create::Never)?)),
        None => None,
    };
    let (target_name, target_dir, target_options) = match &users {
        Some((dir, db)) => (
            crate::commands::shown(dir),
            dir.to_path_buf(),
            db.options().clone(),
        ),
        None => (
            "the calibration database".to_string(),
            path.clone(),
            lmdb.clone(),
        ),
    };
    let mut choices = Vec::new();

    let mut candidates = Vec::new();
    let mut reference = None;
    for size in BATCH_SIZES {
        let mut options = target_options.clone();
        options.scan_batch_size = size;
        let db = reopen(&target_dir, options)?.db()?;
        let (ms, fold) = best_of(runs, || iterator_fold(&db))?;
        agree(&mut reference, fold, "batch sizes")?;
        candidates.push(Candidate {
            value: size.to_string(),
            ms: round3(ms),
        });
    }
    choices.push(fastest(
        "scan batch size",
        "DATOLITE_SCAN_BATCH_SIZE",
        &target_name,
        candidates,
        "the owned datom iterator over EAVT, fastest batch",
    ));

    let target_db: Db = match &users {
        Some((_, db)) => db.db()?,
        None => calibration.clone(),
    };
    let mut candidates = Vec::new();
    let mut reference = None;
    for workers in 1..=cores.clamp(1, 8) {
        let (ms, fold) = best_of(runs, || parallel_fold(&target_db, workers))?;
        agree(&mut reference, fold, "worker counts")?;
        candidates.push(Candidate {
            value: workers.to_string(),
            ms: round3(ms),
        });
    }
    choices.push(fastest(
        "parallel workers",
        "DATOLITE_PARALLEL_WORKERS",
        &target_name,
        candidates,
        "a parallel decoded fold over EAVT, fastest worker count",
    ));
    drop((target_db, users, calibration, database));

    choices.push(readahead_choice(&path, &lmdb, runs, db_path, memory)?);
    choices.push(sync_choice(&base, tmp.path())?);
    choices.push(engine_choice(
        &base,
        tmp.path(),
        args.datoms,
        loaded.ms,
        &path,
        runs,
    )?);
    let profile = if memory.is_some_and(|bytes| bytes < 2 << 30) {
        "low_memory"
    } else {
        "read_heavy"
    };
    choices.insert(
        0,
        Choice {
            knob: "profile",
            env: "DATOLITE_PROFILE",
            measured_on: "this machine's memory".into(),
            candidates: Vec::new(),
            recommended: profile.into(),
            why: match memory {
                Some(bytes) => format!(
                    "{} of memory: {}",
                    output::bytes(bytes),
                    if profile == "low_memory" {
                        "less than 2 GiB, so smaller maps and fewer readers"
                    } else {
                        "enough for the defaults with synced commits; the lines below adjust it"
                    }
                ),
                None => "memory unknown: the defaults with synced commits".into(),
            },
        },
    );
    let env_lines = choices
        .iter()
        .map(|c| format!("export {}={}", c.env, c.recommended))
        .collect();
    let report = TuneJson {
        cores,
        memory_bytes: memory,
        calibration_datoms,
        database: db_path.map(crate::commands::shown),
        choices,
        env_lines,
    };
    match args.format {
        Format::Edn | Format::Json => output::print_data(args.format, &report),
        Format::Table => output::print_text(&table_text(&report)),
    }
}

/// Fails when candidates of one knob read different data (a bug worth stopping for).
fn agree(reference: &mut Option<(u64, u64)>, fold: (u64, u64), what: &str) -> Result<()> {
    match reference {
        Some(first) if *first != fold => Err(CliError::msg(format!(
            "{what} disagree on the datoms read ({first:?} vs {fold:?}); this is a bug in datolite"
        ))),
        _ => {
            *reference = Some(fold);
            Ok(())
        }
    }
}

/// The choice of the fastest candidate.
fn fastest(
    knob: &'static str,
    env: &'static str,
    measured_on: &str,
    candidates: Vec<Candidate>,
    what: &str,
) -> Choice {
    let best = candidates
        .iter()
        .min_by(|a, b| a.ms.total_cmp(&b.ms))
        .map(|c| (c.value.clone(), c.ms))
        .unwrap_or_default();
    Choice {
        knob,
        env,
        measured_on: measured_on.to_string(),
        why: format!("{what}: {} ms", best.1),
        recommended: best.0,
        candidates,
    }
}

/// Readahead: a cold decoded scan of the calibration database with it off and on; off when the
/// user's data file is larger than memory.
fn readahead_choice(
    path: &Path,
    options: &StoreOptions,
    runs: usize,
    db_path: Option<&Path>,
    memory: Option<u64>,
) -> Result<Choice> {
    let mut candidates = Vec::new();
    let mut reference = None;
    for no_readahead in [true, false] {
        let (ms, fold) = cold_scan(path, options, no_readahead, runs)?;
        agree(&mut reference, fold, "readahead settings")?;
        candidates.push(Candidate {
            value: no_readahead.to_string(),
            ms: round3(ms),
        });
    }
    let mut choice = fastest(
        "LMDB readahead off",
        "DATOLITE_LMDB_NO_READAHEAD",
        "the calibration database, cold cache",
        candidates,
        "a cold decoded scan, faster setting",
    );
    let data_file = db_path.and_then(|dir| {
        std::fs::metadata(dir.join(datolite_kv::LMDB_DATA_FILE))
            .ok()
            .map(|m| m.len())
    });
    if let (Some(size), Some(memory)) = (data_file, memory) {
        if size > memory {
            choice.recommended = "true".into();
            choice.why = format!(
                "the database's data file ({}) is larger than memory ({}): random reads would \
                 drag in pages they do not need",
                output::bytes(size),
                output::bytes(memory)
            );
        }
    }
    Ok(choice)
}

/// Sync: the cost of each mode shown, `full` recommended.
fn sync_choice(base: &StoreOptions, dir: &Path) -> Result<Choice> {
    let mut candidates = Vec::new();
    for sync in [SyncMode::Full, SyncMode::MetaAsync, SyncMode::None] {
        let row = durability_row(base, EngineKind::Lmdb, sync, dir)?;
        candidates.push(Candidate {
            value: row.sync.to_string(),
            ms: row.ms_per_tx,
        });
    }
    let full = candidates.first().map_or(0.0, |c| c.ms);
    let others: Vec<String> = candidates
        .iter()
        .skip(1)
        .map(|c| {
            let speedup = if c.ms > 0.0 { full / c.ms } else { 0.0 };
            format!("{} commits {speedup:.1}× faster", c.value)
        })
        .collect();
    Ok(Choice {
        knob: "sync",
        env: "DATOLITE_SYNC",
        measured_on: "one-entity transactions on LMDB (ms per transaction)".into(),
        candidates,
        recommended: "full".into(),
        why: format!(
            "an acknowledged transaction survives a power loss; {} (meta-async may lose the last \
             transaction in a system crash, none the last ones)",
            others.join(", ")
        ),
    })
}

/// Engine: the load plus a decoded scan on each on-disk engine this binary has.
fn engine_choice(
    base: &StoreOptions,
    dir: &Path,
    datoms: u64,
    lmdb_load_ms: f64,
    lmdb_path: &Path,
    runs: usize,
) -> Result<Choice> {
    let mut candidates = Vec::new();
    for engine in disk_engines() {
        let (database, load_ms) = if engine == EngineKind::Lmdb {
            (
                Database::open(lmdb_path, with_engine(base, engine))?,
                lmdb_load_ms,
            )
        } else {
            let database = Database::open(dir.join(engine.as_str()), with_engine(base, engine))?;
            let loaded = load(&database, datoms)?;
            (database, loaded.ms)
        };
        let db = database.db()?;
        let (scan_ms, _) = best_of(runs, || decoded_scan(&db))?;
        candidates.push(Candidate {
            value: engine.as_str().to_string(),
            ms: round3(load_ms + scan_ms),
        });
    }
    let mut choice = fastest(
        "engine",
        "DATOLITE_ENGINE",
        "the calibration load plus a decoded scan",
        candidates,
        "load and scan, faster engine",
    );
    if !cfg!(feature = "rocksdb") {
        choice.why.push_str(" (rocksdb not built into this binary)");
    }
    Ok(choice)
}

/// Physical memory from `/proc/meminfo` (`MemTotal`), when the platform has it.
/// The machine's memory, from `/proc/meminfo` (`None` where there is none).
pub(crate) fn physical_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The human-readable report: one row per knob, then the lines to apply.
fn table_text(report: &TuneJson) -> String {
    let mut table = output::table(&["knob", "measured (ms)", "recommended", "why"], &[]);
    for choice in &report.choices {
        let measured = choice
            .candidates
            .iter()
            .map(|c| format!("{}: {}", c.value, c.ms))
            .collect::<Vec<_>>()
            .join(", ");
        table.add_row(vec![
            choice.knob.to_string(),
            measured,
            choice.recommended.clone(),
            choice.why.clone(),
        ]);
    }
    format!(
        "tune: {} cores, {} of memory; calibration database of {} datoms{}\n{table}\n\
         To apply:\n{}",
        report.cores,
        report
            .memory_bytes
            .map_or("unknown".to_string(), output::bytes),
        output::thousands(report.calibration_datoms),
        report.database.as_ref().map_or(String::new(), |db| format!(
            "; batch size and workers timed on {db}"
        )),
        report.env_lines.join("\n")
    )
}

/// The database in `dir` (or the shared one `options` name) opened again with `options`.
fn reopen(dir: &Path, options: StoreOptions) -> Result<Database> {
    if options.kv.engine == EngineKind::Postgres {
        return Ok(Database::open_with(options)?);
    }
    Ok(Database::open(dir, options)?)
}
