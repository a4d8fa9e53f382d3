//! `datolite --db DIR import [--input edn|jsonl|csv] FILE|-...`: bulk load of EDN tx-data, JSON
//! lines or CSV, or the replay of an export (`docs/design.md`, §7.7 Bulk loads, §9.7 Export and
//! import).
//!
//! EDN input holds either one big vector of operations or a sequence of top-level forms (vectors
//! of operations, single entity maps, single `[:db/add …]` forms); JSON lines an object per
//! line, each an entity; CSV a header of attribute names and an entity per row
//! (`entities.rs` types their values). Inputs are streamed (`read.rs`) by one thread while
//! this one runs their operations in batches of `--batch` operations, each batch one
//! transaction (its own `t`), through the store's bulk loader: the whole import is one atomic
//! write with one sync, so an error — naming the input, the line and column or the batch —
//! leaves the database exactly as it was. Batches never span inputs.
//!
//! Tempids are scoped to a transaction, so they only connect operations within one batch: data
//! spread over batches should refer to entities by lookup ref or upsert on a unique identity
//! (`--id-column`).
//!
//! An export replays one transaction per form into an empty database, and each is checked: its
//! `t`, and every new entity's id equal to the one it had (`export.rs`).

mod entities;
mod read;

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, ValueEnum};
use datolite::{BulkOptions, BulkTx, StoreError, TxOp};
use serde::Serialize;

use crate::commands::{open_database, Create};
use crate::error::{CliError, Context, Result};
use crate::output::{self, Format};
use crate::progress::{self, Unit};

use self::entities::EntityBuilder;
use self::read::{Batcher, Counted};

/// The format of an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    /// EDN tx-data (or an EDN export).
    Edn,
    /// JSON lines: one object per line, each an entity (or a JSON-lines export).
    Jsonl,
    /// CSV: a header of attribute names, then one entity per row.
    Csv,
}

/// Arguments of `import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Inputs: files, or `-` for stdin. Their format comes from the extension (.edn, .jsonl or
    /// .ndjson, .csv) unless --input says.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,

    /// The format of every input (needed for stdin unless it is EDN).
    #[arg(long, value_enum, value_name = "FORMAT")]
    input: Option<InputFormat>,

    /// EDN schema transacted before the inputs (in the same load); JSON lines and CSV values
    /// are typed by it.
    #[arg(long, value_name = "FILE")]
    schema: Option<PathBuf>,

    /// JSON lines and CSV: the namespace of keys without one (`name` → `:NS/name`).
    #[arg(long, value_name = "NS")]
    namespace: Option<String>,

    /// JSON lines and CSV: the key (column) whose attribute identifies an entity
    /// (`:db.unique/identity`, declared so when new): rows with a known value update it.
    #[arg(long, value_name = "KEY")]
    id_column: Option<String>,

    /// Operations per transaction. Tempids only connect operations of the same batch.
    #[arg(long, value_name = "N", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    batch: u64,

    /// Output format of the totals.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// One input: where it is and what it holds.
#[derive(Debug)]
pub struct Input {
    /// A file, or `None` for stdin.
    path: Option<PathBuf>,
    /// What it holds.
    format: InputFormat,
}

impl Input {
    /// The input's name in messages.
    fn name(&self) -> String {
        self.path
            .as_ref()
            .map_or_else(|| "stdin".to_string(), |p| p.display().to_string())
    }
}

/// The inputs `args` name, schema first, each with its format; every file checked readable.
fn inputs(args: &ImportArgs) -> Result<(Vec<Input>, Option<u64>)> {
    let mut inputs = Vec::new();
    let mut total = Some(0u64);
    let schema = args.schema.iter().map(|p| (p, Some(InputFormat::Edn)));
    let files = args.files.iter().map(|p| (p, args.input));
    let mut stdin_seen = false;
    for (path, format) in schema.chain(files) {
        if path.as_os_str() == "-" {
            if std::mem::replace(&mut stdin_seen, true) {
                return Err(CliError::msg("stdin (-) can be imported once"));
            }
            total = None;
            inputs.push(Input {
                path: None,
                format: format.unwrap_or(InputFormat::Edn),
            });
            continue;
        }
        let format = match format {
            Some(format) => format,
            None => format_of(path)?,
        };
        let meta = std::fs::metadata(path).context(|| format!("cannot read {}", path.display()))?;
        total = total.map(|t| t + meta.len());
        inputs.push(Input {
            path: Some(path.clone()),
            format,
        });
    }
    Ok((inputs, total))
}

/// The format a file's extension names.
fn format_of(path: &Path) -> Result<InputFormat> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("edn") => Ok(InputFormat::Edn),
        Some("jsonl" | "ndjson") => Ok(InputFormat::Jsonl),
        Some("csv") => Ok(InputFormat::Csv),
        _ => Err(CliError::msg(format!(
            "{}: cannot tell the format from the extension (.edn, .jsonl, .ndjson or .csv); pass --input edn|jsonl|csv",
            path.display()
        ))),
    }
}

/// Running totals of an import.
#[derive(Debug, Default)]
struct Totals {
    files: u64,
    ops: u64,
    datoms: u64,
    transactions: u64,
}

/// The JSON of `import`.
#[derive(Debug, Serialize)]
struct ImportJson {
    files: u64,
    ops: u64,
    datoms: u64,
    transactions: u64,
    seconds: f64,
    datoms_per_sec: f64,
    /// `append` (a new database: every index appended) or `merge` (into existing data).
    mode: &'static str,
    /// Times the held-back index keys were written before the end (retractions, schema
    /// changes).
    early_index_writes: u64,
    /// Sorted runs spilled to temporary files.
    spilled_runs: u64,
}

/// Runs `import`.
pub fn run(db_path: Option<&Path>, args: ImportArgs) -> Result<()> {
    // Check every file before writing anything: a typo in the last file name should not leave
    // the first files imported.
    let (inputs, total_bytes) = inputs(&args)?;
    let database = open_database(db_path, Create::IfMissing)?;
    let batch = usize::try_from(args.batch).unwrap_or(usize::MAX);
    let current = database.db()?;
    // A database holding only the system schema gets every index appended; otherwise the
    // loaded keys are merged into the existing ones (still one write, in key order).
    let mode = if current.basis_t() <= 1 {
        Mode::Append
    } else {
        Mode::Merge
    };
    let builder = EntityBuilder::new(
        entities::Types::from_schema(current.schema()),
        args.namespace.clone(),
        args.id_column.clone(),
        database.options().strict_schema,
    );
    builder.check_id_key().map_err(CliError::msg)?;
    let start_t = current.basis_t();
    drop(current);
    let bar = progress::bar(total_bytes, Unit::Bytes);
    let mut attempts = 0;
    bar.set_message(mode.label());
    let start = Instant::now();
    let mut totals = Totals::default();
    // A CLI error inside the load (a file, a form) ends it; the store sees a placeholder.
    let mut failure: Option<CliError> = None;
    let loaded = database.bulk_load(&BulkOptions::default(), |loader| {
        // The engine may run the load again from scratch (its map grew): start over.
        totals = Totals::default();
        attempts += 1;
        if attempts > 1 && inputs.iter().any(|i| i.path.is_none()) {
            failure = Some(CliError::msg(
                "the load had to start over (the database map grew) and stdin cannot be read \
                 twice: import from a file, or give DATOLITE_LMDB_MAP_SIZE room",
            ));
            return Err(StoreError::InvalidArgument("import stopped".into()));
        }
        bar.set_position(0);
        // One thread reads and parses the files while this one runs their transactions.
        let outcome = std::thread::scope(|scope| {
            let (sender, batches) = std::sync::mpsc::sync_channel::<Result<Batch>>(4);
            let inputs = &inputs;
            let bar = &bar;
            let builder = builder.clone();
            scope.spawn(move || read_batches(inputs, batch, builder, bar, &sender));
            for next in batches {
                let batch = next?;
                batch.check_next_t(start_t + totals.transactions + 1)?;
                let report = loader.transact(&batch.ops).map_err(|e| batch.failure(&e))?;
                batch.check_replay(&report)?;
                totals.ops += batch.ops.len() as u64;
                totals.transactions += 1;
                totals.datoms += report.datoms;
            }
            totals.files = inputs.len() as u64;
            Ok(())
        });
        match outcome {
            Ok(()) => {
                bar.set_message("writing the indexes in key order");
                Ok(())
            }
            Err(error) => {
                failure = Some(error);
                Err(StoreError::InvalidArgument("import stopped".into()))
            }
        }
    });
    bar.finish_and_clear();
    let report = match (loaded, failure) {
        (_, Some(error)) => return Err(error.nothing_written()),
        (Err(error), None) => return Err(CliError::from(error).nothing_written()),
        (Ok(report), None) => report,
    };
    let seconds = start.elapsed().as_secs_f64();
    let per_sec = if seconds > 0.0 {
        totals.datoms as f64 / seconds
    } else {
        0.0
    };
    match args.format {
        Format::Edn | Format::Json => output::print_data(
            args.format,
            &ImportJson {
                files: totals.files,
                ops: totals.ops,
                datoms: totals.datoms,
                transactions: totals.transactions,
                seconds: output::round3(seconds),
                datoms_per_sec: per_sec.round(),
                mode: mode.name(),
                early_index_writes: report.early_writes,
                spilled_runs: report.spilled_runs,
            },
        ),
        Format::Table => {
            let mut table = output::table(
                &[
                    "files",
                    "ops",
                    "datoms",
                    "transactions",
                    "seconds",
                    "datoms/s",
                    "mode",
                ],
                &[0, 1, 2, 3, 4, 5],
            );
            table.add_row(vec![
                output::thousands(totals.files),
                output::thousands(totals.ops),
                output::thousands(totals.datoms),
                output::thousands(totals.transactions),
                format!("{seconds:.3}"),
                output::thousands(per_sec.round() as u64),
                mode.name().to_string(),
            ]);
            output::print_text(&table.to_string())
        }
    }
}

/// How the loaded keys reach the indexes.
#[derive(Clone, Copy)]
enum Mode {
    /// Into a new database: every index appended.
    Append,
    /// Into a database with data: keys merged into the existing indexes.
    Merge,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Append => "append",
            Mode::Merge => "merge",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Mode::Append => "new database, indexes appended:",
            Mode::Merge => "existing data, indexes merged:",
        }
    }
}

/// One transaction's operations, and where they came from.
pub struct Batch {
    name: String,
    /// Batch number within the input, from 1.
    number: u64,
    /// Number of the batch's first operation within the input, from 1.
    first_op: u64,
    ops: Vec<TxOp>,
    /// When the batch is a transaction of an export: what it must reproduce.
    replay: Option<Replay>,
}

/// What a replayed transaction of an export must become.
#[derive(Clone, Copy, Debug)]
pub struct Replay {
    /// Its `t`: the export's transactions follow the bootstrap, one by one.
    t: u64,
}

impl Batch {
    /// The error of this batch's transaction.
    fn failure(&self, error: &dyn std::fmt::Display) -> CliError {
        if let Some(replay) = self.replay {
            return CliError::msg(format!(
                "import of {} failed: transaction {} of the export failed: {error}",
                self.name, replay.t
            ));
        }
        let last = self.first_op + self.ops.len() as u64 - 1;
        let range = if self.first_op == last {
            format!("operation {last}")
        } else {
            format!("operations {}–{last}", self.first_op)
        };
        CliError::msg(format!(
            "import of {} failed: batch {} ({range} of the input) failed: {error}",
            self.name, self.number
        ))
    }

    /// For a replayed export: the transaction is about to get its old `t` (`next_t`).
    fn check_next_t(&self, next_t: u64) -> Result<()> {
        match self.replay {
            Some(replay) if replay.t != next_t => Err(self.failure(&format!(
                "an export replays into an empty database, but this transaction would become \
                 t {next_t} instead of t {} (import an export into a new --db directory, first)",
                replay.t
            ))),
            _ => Ok(()),
        }
    }

    /// For a replayed export: every new entity got its old id (the tempid `"e<id>"`), or
    /// the replay stops — a copy with other ids would answer
    /// queries about ids differently.
    fn check_replay(&self, report: &BulkTx) -> Result<()> {
        if self.replay.is_none() {
            return Ok(());
        }
        for (tempid, id) in &report.tempids {
            let old = tempid.strip_prefix('e').and_then(|n| n.parse::<u64>().ok());
            if old.is_some_and(|old| old != *id) {
                return Err(self.failure(&format!(
                    "entity {tempid} got id {id}: the replay no longer reproduces the export's ids"
                )));
            }
        }
        Ok(())
    }
}

/// Reads `inputs` and sends their operations in batches of `batch` (never spanning inputs),
/// or the first error; stops when the receiver is gone.
fn read_batches(
    inputs: &[Input],
    batch: usize,
    mut builder: EntityBuilder,
    bar: &indicatif::ProgressBar,
    sender: &std::sync::mpsc::SyncSender<Result<Batch>>,
) {
    for input in inputs {
        let name = input.name();
        let mut batcher = Batcher::new(name.clone(), batch, sender);
        let outcome = match &input.path {
            Some(path) => std::fs::File::open(path)
                .context(|| format!("cannot read {name}"))
                .and_then(|file| {
                    let reader = Counted {
                        inner: file,
                        bar: bar.clone(),
                    };
                    read::read_input(input, reader, &mut batcher, &mut builder)
                }),
            None => {
                let reader = Counted {
                    inner: std::io::stdin().lock(),
                    bar: bar.clone(),
                };
                read::read_input(input, reader, &mut batcher, &mut builder)
            }
        };
        if let Err(error) = outcome {
            let _ = sender.send(Err(error));
            return;
        }
    }
}
