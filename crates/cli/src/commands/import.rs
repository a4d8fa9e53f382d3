//! `datolite --db DIR import FILE...`: bulk load of EDN tx-data in batches.
//!
//! A file holds either one big vector of operations or a sequence of top-level forms (vectors of
//! operations, single entity maps, single `[:db/add …]` forms). Forms are read one at a time
//! with the streaming EDN reader and their operations are committed in batches of `--batch`
//! operations, each batch one atomic transaction. Batches never span files, so an error names
//! one file and one batch, and everything before that batch stays committed.
//!
//! Tempids are scoped to a transaction, so they only connect operations within one batch: data
//! spread over batches should refer to entities by lookup ref or upsert on a unique identity.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use datolite::{Database, TxOp};
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
    let bar = progress::bar(total_bytes, Unit::Bytes);
    let start = Instant::now();
    let mut totals = Totals::default();
    let mut done_bytes = 0u64;
    for file in &args.files {
        let name = file.display().to_string();
        bar.set_message(name.clone());
        let text = std::fs::read_to_string(file).context(|| format!("cannot read {name}"))?;
        import_file(&database, &name, &text, batch, &mut totals, |offset| {
            bar.set_position(done_bytes + offset as u64)
        })?;
        done_bytes += text.len() as u64;
        totals.files += 1;
    }
    bar.finish_and_clear();
    let seconds = start.elapsed().as_secs_f64();
    let per_sec = if seconds > 0.0 {
        totals.datoms as f64 / seconds
    } else {
        0.0
    };
    match args.format {
        Format::Json => output::print_json(&ImportJson {
            files: totals.files,
            ops: totals.ops,
            datoms: totals.datoms,
            transactions: totals.transactions,
            seconds: output::round3(seconds),
            datoms_per_sec: per_sec.round(),
        }),
        Format::Table => {
            let mut table = output::table(
                &[
                    "files",
                    "ops",
                    "datoms",
                    "transactions",
                    "seconds",
                    "datoms/s",
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
            ]);
            output::print_text(&table.to_string())
        }
    }
}

/// Imports one file's text, calling `progress` with the byte offset reached.
fn import_file(
    database: &Database,
    name: &str,
    text: &str,
    batch: usize,
    totals: &mut Totals,
    progress: impl Fn(usize),
) -> Result<()> {
    let mut file = FileImport {
        database,
        name,
        pending: Vec::with_capacity(batch.min(1 << 20)),
        batches: 0,
        ops: 0,
        totals,
    };
    let mut reader = Reader::new(text);
    while let Some(form) = reader.next_form() {
        let form = form.map_err(|e| file.failure(&format!("malformed EDN at {e}")))?;
        file.add_form(&form)
            .map_err(|e| file.failure(&format!("in the form ending at {}: {e}", reader.pos())))?;
        while file.pending.len() >= batch {
            file.commit(batch)?;
        }
        progress(reader.offset());
    }
    let rest = file.pending.len();
    if rest > 0 {
        file.commit(rest)?;
    }
    progress(text.len());
    Ok(())
}

/// The state of one file's import.
struct FileImport<'a> {
    database: &'a Database,
    name: &'a str,
    /// Operations read but not committed yet.
    pending: Vec<TxOp>,
    /// Batches of this file committed so far.
    batches: u64,
    /// Operations of this file committed so far.
    ops: u64,
    totals: &'a mut Totals,
}

impl FileImport<'_> {
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

    /// Commits the first `n` pending operations as one transaction.
    fn commit(&mut self, n: usize) -> Result<()> {
        let report = match self.database.transact_ops(&self.pending[..n]) {
            Ok(report) => report,
            Err(e) => {
                let (first, last) = (self.ops + 1, self.ops + n as u64);
                let range = if first == last {
                    format!("operation {first}")
                } else {
                    format!("operations {first}–{last}")
                };
                let message = format!(
                    "batch {} ({range} of the file) failed: {e}",
                    self.batches + 1
                );
                return Err(self.failure(&message));
            }
        };
        self.pending.drain(..n);
        self.batches += 1;
        self.ops += n as u64;
        self.totals.ops += n as u64;
        self.totals.transactions += 1;
        self.totals.datoms += report.tx_data.len() as u64;
        Ok(())
    }

    /// The error for a failure in this file, saying what was committed before it (each batch is
    /// atomic, so the failing batch itself wrote nothing).
    fn failure(&self, what: &str) -> CliError {
        let committed = match self.totals.transactions {
            0 => "nothing was written to the database".to_string(),
            n => format!(
                "the {} batch{} committed before ({} operations, {} datoms) stay{} in the database; nothing after {} was written",
                output::thousands(n),
                if n == 1 { "" } else { "es" },
                output::thousands(self.totals.ops),
                output::thousands(self.totals.datoms),
                if n == 1 { "s" } else { "" },
                if n == 1 { "it" } else { "them" },
            ),
        };
        CliError::msg(format!(
            "import of {} failed: {what}\n{committed}",
            self.name
        ))
    }
}
