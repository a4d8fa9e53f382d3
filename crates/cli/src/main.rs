//! `datolite`: the command-line tool of the datolite database.
//!
//! ```text
//! datolite demo                                  build a sample database and show the system at work
//! datolite --db DIR transact FILE|-              EDN tx-data; prints tx id, datom count, tempids
//! datolite --db DIR import FILE|-...             bulk load EDN, JSON lines or CSV, with progress
//! datolite --db DIR export [--format edn|jsonl] [FILE|-]   the database as replayable tx-data
//! datolite --db DIR stats                        statistics per attribute
//! datolite --db DIR check                        verify indexes, statistics and the log
//! datolite --db DIR scan eavt|aevt|avet|vaet|log [--count] [--limit N] [--parallel N]
//! datolite --db DIR query QUERY [ARG ...]        each ARG one EDN value
//! datolite --db DIR explain [--analyze] QUERY [ARG ...]
//! datolite --db DIR log [--from POINT] [--to POINT]
//! datolite --db DIR pull ENTITY PATTERN
//! datolite --db DIR repl                         interactive queries (stdin script when piped)
//! datolite --db DIR serve [--addr 127.0.0.1:8765] [--token-file FILE] [--read-only]
//!                         [--max-body BYTES] [--timeout-ms N]         the database over HTTP
//! datolite bench scan|people|time|graph|tx|import|ohlc|ablation|parallel|query
//! datolite [--db DIR] tune                       recommended DATOLITE_* settings, measured
//! ```
//!
//! Every command that prints data takes `--format table|edn|json`, default `table` (`scan`,
//! `pull` and `repl` default to `edn`: datoms and maps to read on or pipe). Tables stream row by row with control
//! characters escaped; EDN of a report is its JSON document with keyword keys.
//!
//! Storage options come from `DATOLITE_*` environment variables (`StoreOptions::from_env`).
//! Errors print `error: …` on stderr and exit with 1; usage errors exit with 2.
//!
//! The design: `docs/design.md` in the repository — §9 CLI/JSON contract (commands, exit codes,
//! JSON).

mod commands;
mod env_check;
mod error;
mod measure;
mod output;
mod progress;
mod rng;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use crate::error::CliError;

/// mimalloc keeps freed pages for reuse: queries build and drop large relations, and the
/// system allocator hands those pages back to the kernel and faults them in again on the next
/// query (a third of a small query's time, measured with perf on `bench people`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// datolite — an embedded database of immutable facts (datoms in LMDB).
#[derive(Debug, Parser)]
#[command(name = "datolite", version, after_help = ENV_HELP)]
struct Cli {
    /// Database directory, or a shared database's server as postgres://user@host:port/dbname
    /// (its schema: DATOLITE_PG_SCHEMA); default: the DATOLITE_DB environment variable.
    /// `transact` and `import` create a directory when missing; `init` creates either.
    // Not clap's `env`: clap rejects an empty variable, while every DATOLITE_* variable treats
    // empty as unset (so `DATOLITE_DB= datolite …` clears it).
    #[arg(long, value_name = "DIR", global = true)]
    db: Option<PathBuf>,

    /// Indent JSON output (`--format json`); it is compact, one document per line, by default.
    #[arg(long, global = true)]
    pretty: bool,

    #[command(subcommand)]
    command: Command,
}

/// Shown under `--help`: where the storage options come from.
const ENV_HELP: &str = "Storage options come from DATOLITE_* environment variables \
(DATOLITE_SYNC, DATOLITE_PARALLEL_WORKERS, DATOLITE_SCAN_BATCH_SIZE, DATOLITE_LMDB_MAP_SIZE, …); \
an invalid value is an error.";

#[derive(Debug, Subcommand)]
enum Command {
    /// Build a sample database of market bars (~124,000 datoms) and show statistics and scans.
    Demo(commands::demo::DemoArgs),
    /// Create a new, empty database: a directory, or the PostgreSQL schema of a shared
    /// database (`--db postgres://…`), which nothing else creates.
    Init(commands::init::InitArgs),
    /// Run one transaction of EDN tx-data from FILE (or `-` for stdin).
    Transact(commands::transact::TransactArgs),
    /// Bulk-load EDN tx-data, JSON lines or CSV (files or stdin) in batches, or replay an
    /// export.
    Import(commands::import::ImportArgs),
    /// Write the whole database as transaction data that `import` replays into an identical
    /// database.
    Export(commands::export::ExportArgs),
    /// Show statistics: datoms, and per attribute counts, distinct entities and values, min, max.
    Stats(commands::stats::StatsArgs),
    /// Run a Datalog query (EDN text or @FILE); each ARG is one EDN value for `:in`.
    Query(commands::query::QueryArgs),
    /// Show the plan of a query (`--analyze` also runs it and shows actual rows).
    Explain(commands::explain::ExplainArgs),
    /// Interactive Datalog prompt; with stdin not a terminal, runs every form it reads.
    Repl(commands::repl::ReplArgs),
    /// Print the datoms of an index or the transaction log, or count them.
    Scan(commands::scan::ScanArgs),
    /// Print the transactions of the log (t, id, instant, datoms), from --from to --to.
    Log(commands::log::LogArgs),
    /// Pull one entity (an id, an ident or a lookup ref) as a map shaped by a pull pattern.
    Pull(commands::pull::PullArgs),
    /// Verify the database: indexes, long values, statistics, the log; exit 1 on a problem.
    Check(commands::check::CheckArgs),
    /// Copy the database, consistently and while writers go on, into a new directory.
    Backup(commands::backup::BackupArgs),
    /// Restore a checked backup into the new directory --db names.
    Restore(commands::backup::RestoreArgs),
    /// Serve the database over HTTP (JSON or EDN): /query, /pull, /transact, /datoms, /log,
    /// /stats, /health; until SIGTERM or Ctrl-C.
    Serve(commands::serve::ServeArgs),
    /// Benchmarks on a fresh temporary database.
    Bench(commands::bench::BenchArgs),
    /// Measure this machine (and the --db database, read-only) and recommend storage options,
    /// with the evidence and the DATOLITE_* lines to apply them.
    Tune(commands::tune::TuneArgs),
}

fn main() -> ExitCode {
    // A file size limit (`ulimit -f`) reached while writing is an error the write reports
    // (EFBIG: nothing committed), not a signal that kills the process mid-commit.
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to "ignore" installs no handler code.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    let cli = Cli::parse();
    output::set_pretty(cli.pretty);
    env_check::warn_unknown_variables();
    let db = cli
        .db
        .or_else(|| std::env::var_os("DATOLITE_DB").map(PathBuf::from))
        .filter(|path| !path.as_os_str().is_empty());
    let outcome = match cli.command {
        Command::Demo(args) => commands::demo::run(args),
        Command::Init(args) => commands::init::run(db.as_deref(), args),
        Command::Transact(args) => commands::transact::run(db.as_deref(), args),
        Command::Import(args) => commands::import::run(db.as_deref(), args),
        Command::Export(args) => commands::export::run(db.as_deref(), args),
        Command::Stats(args) => commands::stats::run(db.as_deref(), args),
        Command::Scan(args) => commands::scan::run(db.as_deref(), args),
        Command::Log(args) => commands::log::run(db.as_deref(), args),
        Command::Pull(args) => commands::pull::run(db.as_deref(), args),
        Command::Query(args) => commands::query::run(db.as_deref(), args),
        Command::Explain(args) => commands::explain::run(db.as_deref(), args),
        Command::Repl(args) => commands::repl::run(db.as_deref(), args),
        Command::Check(args) => commands::check::run(db.as_deref(), args),
        Command::Backup(args) => commands::backup::backup(db.as_deref(), args),
        Command::Restore(args) => commands::backup::restore(db.as_deref(), args),
        Command::Serve(args) => commands::serve::run(db.as_deref(), args),
        Command::Bench(args) => commands::bench::run(db.as_deref(), args),
        Command::Tune(args) => commands::tune::run(db.as_deref(), args),
    };
    match outcome {
        Ok(()) | Err(CliError::BrokenPipe) => ExitCode::SUCCESS,
        Err(CliError::Usage(message)) => Cli::command()
            .error(clap::error::ErrorKind::MissingRequiredArgument, message)
            .exit(),
        Err(CliError::Message(message)) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
