//! `datolite bench tx [--threads N] [--seconds S] [--format table|edn|json]`: small durable
//! transactions (one entity each, full sync) from N threads at once into a fresh database, for
//! S seconds: transactions per second, p50/p99 latency, and how many engine commits carried
//! them (group commit shares one commit, one sync, among the transactions that arrive while
//! another commits).

use std::time::{Duration, Instant};

use clap::Args;
use datolite::{Database, SyncMode};
use serde_json::json;

use crate::commands::storage_options;
use crate::error::{CliError, Result};
use crate::output::{self, round3, Format};

/// Arguments of `bench tx`.
#[derive(Debug, Args)]
pub struct TxBenchArgs {
    /// Threads transacting at once.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=256))]
    threads: u64,

    /// How long to run.
    #[arg(long, value_name = "S", default_value_t = 5.0)]
    seconds: f64,

    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

const SCHEMA: &str = "[{:db/ident :event/id :db/valueType :db.type/long :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
 {:db/ident :event/kind :db/valueType :db.type/keyword :db/cardinality :db.cardinality/one}
 {:db/ident :event/value :db/valueType :db.type/double :db/cardinality :db.cardinality/one}]";

/// Runs `bench tx`.
pub fn run(args: TxBenchArgs) -> Result<()> {
    if !(args.seconds > 0.0 && args.seconds <= 3600.0) {
        return Err(CliError::msg(format!(
            "--seconds must be above 0 and at most 3600, got {}",
            args.seconds
        )));
    }
    let dir = tempfile::TempDir::with_prefix("datolite-bench-tx-")
        .map_err(|e| CliError::msg(format!("cannot create a temporary directory: {e}")))?;
    let mut options = storage_options()?;
    // Every transaction durable before it is acknowledged.
    options.kv.sync = SyncMode::Full;
    let database = Database::open(dir.path(), options)?;
    database.transact(SCHEMA)?;
    let (commits_before, _) = database.store().commit_counts();
    let deadline = Instant::now() + Duration::from_secs_f64(args.seconds);
    let start = Instant::now();
    let latencies: Vec<Vec<f64>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..args.threads)
            .map(|t| {
                let database = &database;
                s.spawn(move || -> Result<Vec<f64>> {
                    let mut times = Vec::new();
                    let mut i = 0u64;
                    while Instant::now() < deadline {
                        let tx = format!(
                            "[{{:event/id {} :event/kind :click :event/value {}.5}}]",
                            t << 40 | i,
                            i % 100
                        );
                        let began = Instant::now();
                        database.transact(&tx)?;
                        times.push(began.elapsed().as_secs_f64() * 1000.0);
                        i += 1;
                    }
                    Ok(times)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .map_err(|_| CliError::msg("a bench thread panicked"))?
            })
            .collect::<Result<Vec<_>>>()
    })?;
    let elapsed = start.elapsed().as_secs_f64();
    let mut all: Vec<f64> = latencies.into_iter().flatten().collect();
    all.sort_by(f64::total_cmp);
    let (commits, _) = database.store().commit_counts();
    let commits = commits - commits_before;
    let n = all.len();
    let quantile = |q: f64| {
        all.get(((n as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    let tx_per_sec = n as f64 / elapsed;
    let per_commit = if commits > 0 {
        n as f64 / commits as f64
    } else {
        0.0
    };
    match args.format {
        Format::Edn | Format::Json => output::print_data(args.format, &json!({
            "threads": args.threads,
            "seconds": round3(elapsed),
            "transactions": n,
            "tx_per_sec": round3(tx_per_sec),
            "p50_ms": round3(quantile(0.5)),
            "p99_ms": round3(quantile(0.99)),
            "commits": commits,
            "tx_per_commit": round3(per_commit),
            "sync": "full",
        })),
        Format::Table => output::print_text(&format!(
            "{n} durable one-entity transactions from {} threads in {:.1} s: {:.0} tx/s, p50 {} ms, \
             p99 {} ms; {commits} commits ({:.1} transactions per commit)",
            args.threads,
            elapsed,
            tx_per_sec,
            output::ms(quantile(0.5)),
            output::ms(quantile(0.99)),
            per_commit
        )),
    }
}
