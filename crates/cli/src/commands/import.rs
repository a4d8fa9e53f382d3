//! `datolite --db DIR import FILE...`: bulk load of EDN tx-data (`docs/design.md`, §7.7 Bulk
//! loads).
//!
//! A file holds either one big vector of operations or a sequence of top-level forms (vectors of
//! operations, single entity maps, single `[:db/add …]` forms). Forms are read one at a time
//! with the streaming EDN reader and their operations run in batches of `--batch` operations,
//! each batch one transaction (its own `t`), through the store's bulk loader: the whole import
//! is one atomic write with one sync, so an error — naming one file and one batch — leaves the
//! database exactly as it was. Batches never span files.
//!
//! Tempids are scoped to a transaction, so they only connect operations within one batch: data
//! spread over batches should refer to entities by lookup ref or upsert on a unique identity.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use datolite::{BulkOptions, StoreError, TxOp};
use datolite_edn::{Edn, Reader};
use datolite_store::transactor::tx_op;
use serde::Serialize;

use crate::commands::{open_database, Create};
use crate::error::{CliError, Context, Result};
use crate::output::{self, Format};
use crate::progress::{self, Unit};

/// Arguments of `import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// EDN files of tx-data (`.edn`; JSON lines and CSV are not supported yet).
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,

    /// Operations per transaction. Tempids only connect operations of the same batch.
    #[arg(long, value_name = "N", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    batch: u64,

    /// Output format of the totals.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
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
    let mut total_bytes = 0u64;
    for file in &args.files {
        let is_edn = file
            .extension()
            .is_some_and(|ext| ext.eq_ignore_ascii_case("edn"));
        if !is_edn {
            return Err(CliError::msg(format!(
                "{}: only EDN tx-data (.edn) can be imported yet; JSON lines and CSV are not supported",
                file.display()
            )));
        }
        let meta = std::fs::metadata(file).context(|| format!("cannot read {}", file.display()))?;
        total_bytes += meta.len();
    }
    let database = open_database(db_path, Create::IfMissing)?;
    let batch = usize::try_from(args.batch).unwrap_or(usize::MAX);
    // A database holding only the system schema gets every index appended; otherwise the
    // loaded keys are merged into the existing ones (still one write, in key order).
    let mode = if database.db()?.basis_t() <= 1 {
        Mode::Append
    } else {
        Mode::Merge
    };
    let bar = progress::bar(total_bytes, Unit::Bytes);
    bar.set_message(mode.label());
    let start = Instant::now();
    let mut totals = Totals::default();
    // A CLI error inside the load (a file, a form) ends it; the store sees a placeholder.
    let mut failure: Option<CliError> = None;
    let loaded = database.bulk_load(&BulkOptions::default(), |loader| {
        // The engine may run the load again from scratch (its map grew): start over.
        totals = Totals::default();
        // One thread reads and parses the files while this one runs their transactions.
        let outcome = std::thread::scope(|scope| {
            let (sender, batches) = std::sync::mpsc::sync_channel::<Result<Batch>>(4);
            let files = &args.files;
            let bar = &bar;
            scope.spawn(move || read_batches(files, batch, bar, &sender));
            for next in batches {
                let batch = next?;
                let report = loader.transact(&batch.ops).map_err(|e| batch.failure(&e))?;
                totals.ops += batch.ops.len() as u64;
                totals.transactions += 1;
                totals.datoms += report.datoms;
            }
            totals.files = files.len() as u64;
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
struct Batch {
    name: String,
    /// Batch number within the file, from 1.
    number: u64,
    /// Number of the batch's first operation within the file, from 1.
    first_op: u64,
    ops: Vec<TxOp>,
}

impl Batch {
    /// The error of this batch's transaction.
    fn failure(&self, error: &dyn std::fmt::Display) -> CliError {
        let last = self.first_op + self.ops.len() as u64 - 1;
        let range = if self.first_op == last {
            format!("operation {last}")
        } else {
            format!("operations {}–{last}", self.first_op)
        };
        CliError::msg(format!(
            "import of {} failed: batch {} ({range} of the file) failed: {error}",
            self.name, self.number
        ))
    }
}

/// Reads `files` form by form and sends their operations in batches of `batch` (never spanning
/// files), or the first error; stops when the receiver is gone.
fn read_batches(
    files: &[std::path::PathBuf],
    batch: usize,
    bar: &indicatif::ProgressBar,
    sender: &std::sync::mpsc::SyncSender<Result<Batch>>,
) {
    let mut done_bytes = 0u64;
    for file in files {
        let name = file.display().to_string();
        let sent = std::fs::read_to_string(file)
            .context(|| format!("cannot read {name}"))
            .and_then(|text| {
                let mut reader = FileReader {
                    name: &name,
                    pending: Vec::new(),
                    batches: 0,
                    ops: 0,
                };
                reader.read(&text, batch, sender, |offset| {
                    bar.set_position(done_bytes + offset as u64)
                })?;
                Ok(text.len() as u64)
            });
        match sent {
            Ok(bytes) => done_bytes += bytes,
            Err(error) => {
                let _ = sender.send(Err(error));
                return;
            }
        }
    }
}

/// The state of reading one file.
struct FileReader<'a> {
    name: &'a str,
    /// Operations read but not sent yet.
    pending: Vec<TxOp>,
    /// Batches of this file sent so far.
    batches: u64,
    /// Operations of this file sent so far.
    ops: u64,
}

/// The receiver hung up (the load failed): stop reading.
struct Stop;

impl FileReader<'_> {
    /// Reads `text`, sending a batch every `batch` operations and the rest at the end; calls
    /// `progress` with the byte offset reached. `Ok` also when the receiver hung up.
    fn read(
        &mut self,
        text: &str,
        batch: usize,
        sender: &std::sync::mpsc::SyncSender<Result<Batch>>,
        progress: impl Fn(usize),
    ) -> Result<()> {
        let mut reader = Reader::new(text);
        while let Some(form) = reader.next_form() {
            let form = form.map_err(|e| self.failure(&format!("malformed EDN at {e}")))?;
            self.add_form(&form).map_err(|e| {
                self.failure(&format!("in the form ending at {}: {e}", reader.pos()))
            })?;
            while self.pending.len() >= batch {
                if self.send(batch, sender).is_err() {
                    return Ok(());
                }
            }
            progress(reader.offset());
        }
        let rest = self.pending.len();
        if rest > 0 && self.send(rest, sender).is_err() {
            return Ok(());
        }
        progress(text.len());
        Ok(())
    }

    /// Sends the first `n` pending operations as one batch.
    fn send(
        &mut self,
        n: usize,
        sender: &std::sync::mpsc::SyncSender<Result<Batch>>,
    ) -> std::result::Result<(), Stop> {
        let rest = self.pending.split_off(n);
        let ops = std::mem::replace(&mut self.pending, rest);
        self.batches += 1;
        let batch = Batch {
            name: self.name.to_string(),
            number: self.batches,
            first_op: self.ops + 1,
            ops,
        };
        self.ops += n as u64;
        sender.send(Ok(batch)).map_err(|_| Stop)
    }

    /// Appends the operations of one top-level form.
    fn add_form(&mut self, form: &Edn) -> Result<()> {
        match form {
            Edn::Map(_) => self.pending.push(tx_op(form)?),
            // `[:db/add e a v]` is one operation; any other vector is a vector of operations.
            Edn::Vector(items) | Edn::List(items)
                if items
                    .first()
                    .is_some_and(|first| first.as_keyword().is_some()) =>
            {
                self.pending.push(tx_op(form)?)
            }
            Edn::Vector(items) | Edn::List(items) => {
                for item in items {
                    self.pending.push(tx_op(item)?);
                }
            }
            other => {
                return Err(CliError::msg(format!(
                "expected a vector of operations, an entity map or a [:db/add …] form, got a {}",
                other.type_name()
            )))
            }
        }
        Ok(())
    }

    /// The error for a failure in this file.
    fn failure(&self, what: &str) -> CliError {
        CliError::msg(format!("import of {} failed: {what}", self.name))
    }
}
