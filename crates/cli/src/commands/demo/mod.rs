//! `datolite demo`: builds a sample database of market data and shows the storage at work —
//! the first thing a new user runs (`cargo run --release -- demo`).
//!
//! The data: 20 symbols (`:symbol/ticker` unique identity, `:symbol/name`) and 1-minute OHLC
//! bars (`:bar/symbol` ref, `:bar/time` instant, `:bar/open :bar/high :bar/low :bar/close`
//! doubles from a deterministic random walk, `:bar/volume` long, `:bar/interval` "1m"). The
//! number of bars and transactions is chosen so the database holds exactly [`TARGET_DATOMS`]
//! datoms, counting the bootstrap schema and every transaction's `:db/txInstant`.
//!
//! A finished build is marked by a `:db/doc` on its last transaction, written in the same atomic
//! transaction as the last bars, so a database with the marker is complete and is reused; any
//! other database in the directory (interrupted build, other size) is rebuilt.

mod data;
mod queries;
mod report;
mod time;

use std::path::{Path, PathBuf};

use clap::Args;
use datolite::Database;

use crate::commands::storage_options;
use crate::error::{CliError, Context, Result};
use crate::measure::measure_scans;
use crate::output::Format;

use data::{is_complete, load, Plan};
use queries::run_queries;
pub use report::scan_table;

/// Datoms the default demo database holds.
pub const TARGET_DATOMS: u64 = 124_000;

/// Runs per timing.
const RUNS: usize = 5;

/// Files LMDB and datolite keep in a database directory, and the demo's previewed correction:
/// the only files `--rebuild` deletes.
const DATABASE_FILES: [&str; 4] = ["data.mdb", "lock.mdb", "datolite.lock", time::FIX_FILE];

/// The attribute the demo counts in O(1).
const COUNTED_ATTRIBUTE: &str = ":bar/close";

/// Arguments of `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Directory of the demo database, reused when it holds a complete demo build. (`--db` is
    /// ignored here, so the demo never touches a real database.)
    #[arg(long, value_name = "DIR", default_value = "./datolite-demo")]
    dir: PathBuf,

    /// Delete the demo database in --dir and build it again.
    #[arg(long)]
    rebuild: bool,

    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,

    /// Load exactly N bars instead of aiming at 124,000 datoms (for tests and experiments).
    #[arg(long, value_name = "N", hide = true, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    bars: Option<u64>,
}

/// Runs `demo`.
pub fn run(args: DemoArgs) -> Result<()> {
    let options = storage_options()?;
    let plan = args.bars.map_or(Plan::Datoms(TARGET_DATOMS), Plan::Bars);
    let dir = args.dir.as_path();
    check_directory(dir)?;
    let mut database = Database::open(dir, options.clone())
        .context(|| format!("cannot open the demo database in {}", dir.display()))?;
    let complete = is_complete(&database, plan)?;
    let mut build = None;
    if args.rebuild || !complete {
        if database.db()?.basis_t() > 1 {
            // Something is there (an interrupted build, another size, or --rebuild): start over.
            drop(database);
            remove_database(dir)?;
            database = Database::open(dir, options)?;
        }
        build = Some(load(&database, plan)?);
    } else if args.format == Format::Table {
        eprintln!(
            "reusing the demo database in {} (pass --rebuild to build it again)",
            dir.display()
        );
    }
    let timings = measure_scans(&database, COUNTED_ATTRIBUTE, RUNS)?;
    let queries = run_queries(&database)?;
    let time = time::time_section(&database, dir)?;
    report::report(
        &database,
        dir,
        build.as_ref(),
        &timings,
        &queries,
        &time,
        args.format,
    )
}

/// Refuses directories that hold anything but a datolite database, since a rebuild deletes.
fn check_directory(dir: &Path) -> Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    if !dir.is_dir() {
        return Err(CliError::msg(format!(
            "--dir {} is not a directory",
            dir.display()
        )));
    }
    let entries = std::fs::read_dir(dir).context(|| format!("cannot read {}", dir.display()))?;
    for entry in entries {
        let name = entry
            .context(|| format!("cannot read {}", dir.display()))?
            .file_name();
        if !DATABASE_FILES.iter().any(|f| name == *f) {
            return Err(CliError::msg(format!(
                "{} holds {} and is not a datolite database; choose another --dir",
                dir.display(),
                name.to_string_lossy()
            )));
        }
    }
    Ok(())
}

/// Deletes the database files in `dir` (and nothing else, see [`check_directory`]).
fn remove_database(dir: &Path) -> Result<()> {
    for file in DATABASE_FILES {
        let path = dir.join(file);
        if path.exists() {
            std::fs::remove_file(&path).context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    Ok(())
}
