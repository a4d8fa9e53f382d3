//! Benchmarks on several engines side by side (`bench scan --engine lmdb,postgres`, `bench
//! people --engine …`): a fresh database per engine, and the *variants* each engine is measured
//! in — LMDB as it is; PostgreSQL with its local cache warm, and cold (emptied before every
//! timed run) at 1,000 and at 10 rows per round trip, the storage plan's prefetch question.
//!
//! A PostgreSQL benchmark database is a throwaway schema on the server `DATOLITE_PG_URL` names,
//! dropped afterwards. "Cold" is datolite's cache only: the server's own buffers stay warm, as
//! they would for a peer that restarts next to a busy server.

use clap::Args;
use datolite::{Database, EngineKind, StoreOptions};

use crate::commands::timing::{time_runs_after, Timing};
use crate::error::{CliError, Result};
use crate::output;

/// `--engine`: the engines to run on, side by side.
#[derive(Debug, Args)]
pub struct EngineChoice {
    /// Engines to measure side by side in one run, e.g. `lmdb,postgres` (postgres needs
    /// DATOLITE_PG_URL; it runs warm, and cold at 1,000 and 10 rows per round trip). Default:
    /// the one DATOLITE_ENGINE names.
    #[arg(long = "engine", value_name = "ENGINE,…", value_delimiter = ',')]
    pub engines: Vec<String>,
}

impl EngineChoice {
    /// The engines asked for, checked; empty when none was (the single-engine report).
    pub fn kinds(&self) -> Result<Vec<EngineKind>> {
        let mut kinds = Vec::new();
        for name in &self.engines {
            let kind: EngineKind = name.parse().map_err(CliError::from)?;
            if kind == EngineKind::Memory {
                return Err(CliError::msg(
                    "--engine memory: the benchmarks compare engines that keep data; use lmdb, \
                     rocksdb or postgres",
                ));
            }
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        Ok(kinds)
    }
}

/// A fresh benchmark database of one engine, and what it must outlive.
pub struct BenchDb {
    /// The database.
    pub database: Database,
    kind: EngineKind,
    options: StoreOptions,
    /// Kept for its `Drop`: the temporary directory, or the PostgreSQL schema (dropped with it).
    _place: Box<dyn std::any::Any>,
}

/// One way an engine is measured.
#[derive(Clone, Debug)]
pub struct Variant {
    /// Column heading and JSON `variant`.
    pub label: String,
    /// Rows per round trip (the store's scan batch) for PostgreSQL; `None`: as configured.
    pub fetch_rows: Option<usize>,
    /// Whether the engine's local cache is emptied before every timed run.
    pub cold: bool,
}

impl BenchDb {
    /// A new, empty database of engine `kind`, with the storage options of the environment.
    pub fn fresh(kind: EngineKind, prefix: &str) -> Result<BenchDb> {
        let mut options = crate::commands::storage_options()?;
        options.kv.engine = kind;
        match kind {
            EngineKind::Postgres => Self::fresh_schema(options, prefix),
            _ => {
                let dir = tempfile::TempDir::with_prefix(prefix).map_err(|e| {
                    CliError::msg(format!("cannot create a temporary directory: {e}"))
                })?;
                let database = Database::open(dir.path(), options.clone())?;
                Ok(BenchDb {
                    database,
                    kind,
                    options,
                    _place: Box::new(dir),
                })
            }
        }
    }

    #[cfg(feature = "postgres")]
    fn fresh_schema(mut options: StoreOptions, prefix: &str) -> Result<BenchDb> {
        let url = options.kv.postgres.url.clone().ok_or_else(|| {
            CliError::msg(
                "--engine postgres needs a server: set DATOLITE_PG_URL=postgres://user@host:port/\
                 dbname (bash scripts/local-postgres.sh start prints one)",
            )
        })?;
        let schema = datolite_kv::postgres::scratch::ScratchSchema::with_prefix(
            &url,
            &prefix.trim_end_matches('-').replace('-', "_"),
        );
        schema.point(&mut options.kv);
        let database = Database::init(options.clone())?;
        Ok(BenchDb {
            database,
            kind: EngineKind::Postgres,
            options,
            _place: Box::new(schema),
        })
    }

    #[cfg(not(feature = "postgres"))]
    fn fresh_schema(_options: StoreOptions, _prefix: &str) -> Result<BenchDb> {
        Err(CliError::msg(
            "--engine postgres: this binary is built without the postgres feature",
        ))
    }

    /// The variants this engine is measured in.
    pub fn variants(&self) -> Vec<Variant> {
        let name = self.kind.as_str();
        match self.kind {
            EngineKind::Postgres => vec![
                Variant {
                    label: format!("{name} warm"),
                    fetch_rows: Some(1000),
                    cold: false,
                },
                Variant {
                    label: format!("{name} cold, 1000 rows/trip"),
                    fetch_rows: Some(1000),
                    cold: true,
                },
                Variant {
                    label: format!("{name} cold, 10 rows/trip"),
                    fetch_rows: Some(10),
                    cold: true,
                },
            ],
            _ => vec![Variant {
                label: name.to_string(),
                fetch_rows: None,
                cold: false,
            }],
        }
    }

    /// The database as `variant` reads it: a PostgreSQL variant (the only ones naming rows
    /// per round trip) opens the same schema again, with its own connections and cache.
    pub fn open_as(&self, variant: &Variant) -> Result<Database> {
        let Some(rows) = variant.fetch_rows else {
            return Ok(self.database.clone());
        };
        let mut options = self.options.clone();
        options.scan_batch_size = rows;
        Ok(Database::open_with(options)?)
    }
}

/// [`time_runs`](crate::commands::timing::time_runs) — one untimed run, then the median of
/// `runs` — except that for a `cold` variant the engine's cache is emptied before every timed
/// run, outside the timing.
pub fn time_variant(
    database: &Database,
    cold: bool,
    runs: usize,
    f: impl FnMut() -> Result<usize>,
) -> Result<Timing> {
    let engine = database.store().engine();
    time_runs_after(
        runs,
        || {
            if cold {
                engine.clear_cache();
            }
        },
        f,
    )
}

/// The table of a comparison: a first column naming the measure, then one column per variant
/// headed by `labels`; cells from [`ms_cell`].
pub fn comparison_table<'a>(labels: impl Iterator<Item = &'a str>) -> comfy_table::Table {
    let mut headers = vec!["median (ms), ratio to the first column"];
    headers.extend(labels);
    let numeric: Vec<usize> = (1..headers.len()).collect();
    output::table(&headers, &numeric)
}

/// A comparison cell: `ms`, and its ratio to the first column's `first`.
pub fn ms_cell(ms: f64, first: f64) -> String {
    format!("{} ({})", output::ms(ms), ratio_text(ms, first))
}

/// The line above a comparison table: which benchmark, on how many datoms, how many runs.
pub fn comparison_heading(bench: &str, datoms: u64, runs: usize) -> String {
    format!(
        "bench {bench}: {} datoms on each engine, median of {runs} run{} (cold: datolite's \
         cache emptied before every run)",
        output::thousands(datoms),
        if runs == 1 { "" } else { "s" }
    )
}

/// `a / b` as text (`-` when `b` is zero).
pub fn ratio_text(a: f64, b: f64) -> String {
    if b > 0.0 {
        format!("{:.2}×", a / b)
    } else {
        "-".into()
    }
}
