//! The demo's look at time: the correction the build ends with (a cardinality-one replace of a
//! bar's close), the close before and after it read with as-of, the attribute's history, and a
//! speculative `with` previewing one more correction — each with the command that shows it.

use std::path::Path;

use datolite::{Cell, Database, Db, DbQueries, QueryResult, TimePoint, Value};
use serde::Serialize;

use crate::error::{CliError, Context, Result};

/// The close of one bar.
/// The previewed correction, written into the demo's directory so that the `--with` command
/// the demo prints runs as printed.
pub(super) const FIX_FILE: &str = "fix.edn";

const CLOSE: &str = "[:find ?close . :in $ ?b :where [?b :bar/close ?close]]";
/// Every close the bar ever had, with the transaction and whether it was asserted.
const HISTORY: &str = "[:find ?close ?tx ?added :in $ ?b :where [?b :bar/close ?close ?tx ?added]]";

/// What the time section shows.
#[derive(Debug, Serialize)]
pub(super) struct TimeJson {
    /// The corrected bar.
    bar: u64,
    /// The correction's t.
    correction_t: u64,
    /// The close as of the t before the correction.
    close_before: f64,
    /// The close now.
    close_after: f64,
    /// Every close of the bar: value, transaction, added.
    history: Vec<(f64, u64, bool)>,
    /// The close a speculative correction would give, and the close still committed.
    with_preview: f64,
    committed_after_with: f64,
}

/// Reads the correction back through the time API.
pub(super) fn time_section(database: &Database, dir: &Path) -> Result<TimeJson> {
    let db = database.db()?;
    let correction_t = db.basis_t();
    let correction = db
        .tx_range(Some(TimePoint::T(correction_t)), None)?
        .pop()
        .ok_or_else(|| CliError::msg("the demo database has no transactions"))?;
    let bar = correction
        .datoms
        .iter()
        .find(|d| !d.added)
        .map(|d| d.e)
        .ok_or_else(|| CliError::msg("the demo's last transaction corrected no bar"))?;
    let before = db.as_of(TimePoint::T(correction_t - 1))?;
    let close_before = close(&before, bar)?;
    let close_after = close(&db, bar)?;
    let mut history = Vec::new();
    if let QueryResult::Relation(rows) = db.history().q_edn(HISTORY, &[&bar.to_string()])? {
        for row in rows {
            if let [Cell::Value(Value::Double(v)), Cell::Value(Value::Ref(tx)), Cell::Value(Value::Boolean(added))] =
                row.as_slice()
            {
                history.push((*v, *tx, *added));
            }
        }
    }
    history.sort_by_key(|&(_, tx, added)| (tx, added));
    let preview = ((close_after + 0.01) * 100.0).round() / 100.0;
    let fix = format!("[[:db/add {bar} :bar/close {preview:?}]]\n");
    let fix_path = dir.join(FIX_FILE);
    std::fs::write(&fix_path, &fix).context(|| format!("cannot write {}", fix_path.display()))?;
    let (with, _) = db.with_edn(&fix)?;
    Ok(TimeJson {
        bar,
        correction_t,
        close_before,
        close_after,
        history,
        with_preview: close(&with, bar)?,
        committed_after_with: close(&database.db()?, bar)?,
    })
}

fn close(db: &Db, bar: u64) -> Result<f64> {
    match db.q_edn(CLOSE, &[&bar.to_string()])? {
        QueryResult::Scalar(Some(Cell::Value(Value::Double(v)))) => Ok(v),
        other => Err(CliError::msg(format!(
            "bar {bar} has no close: {}",
            datolite::result_edn(&other)
        ))),
    }
}

/// The section as text, with the commands that show the same.
pub(super) fn time_report(t: &TimeJson, dir: &str) -> String {
    let history: Vec<String> = t
        .history
        .iter()
        .map(|(v, tx, added)| {
            format!(
                "      {v:<10} tx {tx}  {}",
                if *added { "asserted" } else { "retracted" }
            )
        })
        .collect();
    format!(
        "\nTime: facts are never overwritten\
         \n  The build ended with a correction (t {t_fix}): the close of bar {bar} went from {before} to {after}.\
         \n  as of t {t_before}   {before}     {run} query --as-of {t_before} '{CLOSE}' {bar}\
         \n  now          {after}     {run} query '{CLOSE}' {bar}\
         \n  history of the bar's close ({run} query --history '{HISTORY}' {bar}):\n{history}\
         \n  with: a further correction ({fix}) previewed in memory gives {preview}; the database still says {committed}\
         \n      ({run} query --with {fix} '{CLOSE}' {bar})\n",
        run = format!("{} --db {dir}", crate::commands::invocation()),
        fix = Path::new(dir).join(FIX_FILE).display(),
        t_fix = t.correction_t,
        t_before = t.correction_t - 1,
        bar = t.bar,
        before = t.close_before,
        after = t.close_after,
        history = history.join("\n"),
        preview = t.with_preview,
        committed = t.committed_after_with,
    )
}
