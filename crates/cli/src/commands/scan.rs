//! `datolite --db DIR scan eavt|aevt|avet|vaet|log`: print datoms in index order, or count them.
//!
//! Index scans stream straight from the engine (`Scan::for_each`), so printing a whole index
//! never holds it in memory: `--format table` too, which measures its columns on the first
//! rows (`output::StreamTable`). `--parallel N` decodes with N workers and still prints in index
//! order (`ParallelScan::for_each_ordered`, a bounded look-ahead). The log is read from the
//! engine's log table in transaction order, with retractions.

use std::io::Write;
use std::path::Path;

use clap::{Args, ValueEnum};
use datolite::{Db, DbQueries, Index, ValueRef};

use crate::commands::time::TimeArgs;
use crate::commands::{open_database, Create};
use crate::error::{CliError, Result};
use crate::output::{self, ScanFormat};

/// What to scan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Source {
    /// Entity, attribute, value, tx: every datom grouped by entity.
    Eavt,
    /// Attribute, entity, value, tx: every datom grouped by attribute.
    Aevt,
    /// Attribute, value, entity, tx: datoms by value.
    Avet,
    /// Value, attribute, entity, tx: references, by the entity referred to.
    Vaet,
    /// The transaction log: every assertion and retraction, in transaction order.
    Log,
}

/// Arguments of `scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Index (or the log) to scan.
    #[arg(value_enum)]
    source: Source,

    /// Print only the number of datoms (from statistics when the whole index or one attribute
    /// of aevt/avet is counted, otherwise a key-only scan).
    #[arg(long)]
    count: bool,

    /// Stop after N datoms.
    #[arg(long, value_name = "N")]
    limit: Option<usize>,

    /// Scan (or count) with N workers; datoms still print in index order, the same output as
    /// without it. Index scans only.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1024))]
    parallel: Option<u64>,

    /// Only datoms of entity E (for vaet: datoms referring to E): an id, an ident
    /// (`:person/ann`) or a lookup ref (`'[:person/email "a@b"]'`).
    #[arg(long, value_name = "E")]
    entity: Option<String>,

    /// Only datoms of this attribute (`:user/name`).
    #[arg(long, value_name = ":ns/name")]
    attribute: Option<String>,

    /// Output format. The default is `edn`, one datom per line, not `table` as for other
    /// commands: a scan is a stream of datoms for reading on or piping.
    #[arg(long, value_enum, default_value = "edn")]
    format: ScanFormat,

    #[command(flatten)]
    time: TimeArgs,
}

/// Runs `scan`.
pub fn run(db_path: Option<&Path>, args: ScanArgs) -> Result<()> {
    let database = open_database(db_path, Create::Never)?;
    let db = args.time.apply(database.db()?)?;
    let index = match args.source {
        Source::Eavt => Index::Eavt,
        Source::Aevt => Index::Aevt,
        Source::Avet => Index::Avet,
        Source::Vaet => Index::Vaet,
        Source::Log => return scan_log(&db, &args),
    };
    let mut scan = bind(&db, index, &args)?;
    if let Some(n) = args.limit {
        scan = scan.limit(n);
    }
    let workers = args
        .parallel
        .map(|n| usize::try_from(n).unwrap_or(usize::MAX));
    if args.count {
        let n = match workers {
            // Each part stops at the limit, so the parts' sum is at least the limit when the
            // scan reaches it: capping the sum gives the sequential count.
            Some(workers) => scan
                .parallel(workers)
                .count()?
                .min(args.limit.map_or(u64::MAX, |n| n as u64)),
            None => scan.count()?,
        };
        return print_count(n, args.format);
    }
    let mut printer = Printer::new(&db, args.format);
    let mut failure = None;
    let print = |d: &datolite::DatomRef<'_>| match printer.datom(d.e, d.a, &d.v, d.tx, d.added) {
        Ok(()) => true,
        Err(e) => {
            failure = Some(e);
            false
        }
    };
    match workers {
        Some(workers) => scan.parallel(workers).for_each_ordered(print)?,
        None => scan.for_each(print)?,
    }
    if let Some(e) = failure {
        return Err(e);
    }
    printer.finish()
}

/// Binds `--entity` and `--attribute` in the index's component order, explaining which
/// combinations an index cannot narrow to (a scan binds a prefix of its key).
fn bind<'db>(db: &'db Db, index: Index, args: &ScanArgs) -> Result<datolite::Scan<'db>> {
    let scan = db.scan(index);
    let entity = entity(db, args)?;
    let attribute = || -> Result<String> {
        let ident = args.attribute.as_deref().unwrap_or_default();
        // Fail early with the library's "unknown attribute" message.
        db.attribute(ident)?;
        Ok(ident.to_string())
    };
    Ok(match (index, entity, &args.attribute) {
        (_, None, None) => scan,
        (Index::Eavt, Some(e), None) => scan.entity(e),
        (Index::Eavt, Some(e), Some(_)) => scan.entity(e).attribute(&attribute()?),
        (Index::Eavt, None, Some(_)) => {
            return Err(CliError::msg("eavt is ordered by entity first: --attribute needs --entity (use aevt to scan one attribute)"))
        }
        (Index::Aevt, None, Some(_)) => scan.attribute(&attribute()?),
        (Index::Aevt, Some(e), Some(_)) => scan.attribute(&attribute()?).entity(e),
        (Index::Aevt | Index::Avet, Some(_), None) => {
            return Err(CliError::msg(format!(
                "{} is ordered by attribute first: --entity needs --attribute (use eavt to scan one entity)",
                index.name()
            )))
        }
        (Index::Avet, _, Some(_)) => {
            if entity.is_some() {
                return Err(CliError::msg("avet is ordered attribute, value, entity: it cannot narrow to an entity without a value (use aevt)"));
            }
            scan.attribute(&attribute()?)
        }
        (Index::Vaet, Some(e), None) => scan.value(&datolite::Value::Ref(e)),
        (Index::Vaet, Some(e), Some(_)) => scan.value(&datolite::Value::Ref(e)).attribute(&attribute()?),
        (Index::Vaet, None, Some(_)) => {
            return Err(CliError::msg("vaet is ordered by the referenced entity first: --attribute needs --entity (use aevt to scan one attribute)"))
        }
    })
}

/// The entity `--entity` names — an id, an ident or a lookup ref — resolved in `db`.
fn entity(db: &Db, args: &ScanArgs) -> Result<Option<u64>> {
    let Some(text) = &args.entity else {
        return Ok(None);
    };
    db.entid(text)
        .map(Some)
        .map_err(|e| CliError::msg(format!("--entity {text}: {e}")))
}

/// Prints a count alone (or `{"count": n}`).
fn print_count(n: u64, format: ScanFormat) -> Result<()> {
    match format {
        ScanFormat::Json => output::print_json(&serde_json::json!({ "count": n })),
        ScanFormat::Edn | ScanFormat::Table => output::print_text(&n.to_string()),
    }
}

/// Scans the transaction log in order, filtered by `--entity` / `--attribute`.
fn scan_log(db: &Db, args: &ScanArgs) -> Result<()> {
    if args.parallel.is_some() {
        return Err(CliError::msg(
            "--parallel applies to index scans, not to the log",
        ));
    }
    let attribute = match &args.attribute {
        Some(ident) => Some(db.attribute(ident)?.id),
        None => None,
    };
    let entity = entity(db, args)?;
    let limit = args.limit.unwrap_or(usize::MAX);
    let mut printer = Printer::new(db, args.format);
    let (mut seen, mut failure) = (0usize, None::<CliError>);
    if limit > 0 {
        db.log(.., |d| {
            if entity.is_some_and(|e| e != d.e) || attribute.is_some_and(|a| u64::from(a) != d.a) {
                return true;
            }
            seen += 1;
            if !args.count {
                if let Err(e) = printer.datom(d.e, d.a, &d.v, d.tx, d.added) {
                    failure = Some(e);
                    return false;
                }
            }
            seen < limit
        })?;
    }
    if let Some(e) = failure {
        return Err(e);
    }
    if args.count {
        return print_count(seen as u64, args.format);
    }
    printer.finish()
}

/// The ident of attribute `a` (`:user/name`), or its id when the schema does not know it.
pub use datolite::attribute_ident;

/// Prints datoms as they stream by, in the chosen format.
struct Printer<'db> {
    db: &'db Db,
    format: ScanFormat,
    out: std::io::BufWriter<std::io::StdoutLock<'static>>,
    /// The table of `--format table`, printed as it streams.
    table: Option<output::StreamTable>,
    /// Datoms printed so far (JSON needs commas between them).
    printed: u64,
}

impl<'db> Printer<'db> {
    fn new(db: &'db Db, format: ScanFormat) -> Self {
        let table = (format == ScanFormat::Table)
            .then(|| output::StreamTable::new(&["e", "a", "v", "tx", "added"], &[0, 3]));
        Printer {
            db,
            format,
            out: output::stdout(),
            table,
            printed: 0,
        }
    }

    fn datom(&mut self, e: u64, a: u64, v: &ValueRef<'_>, tx: u64, added: bool) -> Result<()> {
        match self.format {
            ScanFormat::Edn => {
                let ident = attribute_ident(self.db, a);
                writeln!(self.out, "[{e} {ident} {v} {tx} {added}]")?
            }
            ScanFormat::Json => {
                // Streamed row by row: compact, or one row per line with --pretty.
                let row = datolite::datom_json(self.db, e, a, v, tx, added);
                let lead = match (self.printed == 0, output::pretty()) {
                    (true, true) => "[\n  ",
                    (false, true) => ",\n  ",
                    (true, false) => "[",
                    (false, false) => ",",
                };
                write!(self.out, "{lead}{row}")?;
            }
            ScanFormat::Table => {
                if let Some(table) = &mut self.table {
                    table.row(
                        &mut self.out,
                        vec![
                            e.to_string(),
                            attribute_ident(self.db, a),
                            output::value_text_short(v, 48),
                            tx.to_string(),
                            added.to_string(),
                        ],
                    )?;
                }
            }
        }
        self.printed += 1;
        Ok(())
    }

    fn finish(mut self) -> Result<()> {
        match self.format {
            ScanFormat::Json if self.printed == 0 => writeln!(self.out, "[]")?,
            ScanFormat::Json if output::pretty() => writeln!(self.out, "\n]")?,
            ScanFormat::Json => writeln!(self.out, "]")?,
            ScanFormat::Table => {
                if let Some(table) = self.table.take() {
                    table.finish(&mut self.out)?;
                }
            }
            ScanFormat::Edn => {}
        }
        self.out.flush()?;
        Ok(())
    }
}
