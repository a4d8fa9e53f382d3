//! The time options `query`, `explain`, `scan` and `stats` share: `--with FILE` (transaction
//! data applied speculatively first), then `--as-of POINT`, `--since POINT` and `--history`
//! (views of the result); and `--source NAME=VIEW` for the other sources of a query
//! (`:in $ $before` with `--source '$before=as-of:42'`).
//!
//! POINT is a `t` (`42`), a transaction id, or an instant (`2024-05-01T12:00:00Z`,
//! `#inst "2024-05-01"`), as `datolite log` takes it.

use std::path::PathBuf;

use clap::Args;
use datolite::{Db, TimePoint};

use crate::commands::log::point;
use crate::error::{CliError, Context, Result};

/// Which value of the database a command reads.
#[derive(Debug, Default, Args)]
pub struct TimeArgs {
    /// Read the database as it was at POINT: a t (42), a transaction id, or an instant
    /// (2024-05-01T12:00:00Z, '#inst "2024-05-01"').
    #[arg(long, value_name = "POINT", value_parser = point)]
    pub as_of: Option<TimePoint>,

    /// Read only the datoms added after POINT.
    #[arg(long, value_name = "POINT", value_parser = point)]
    pub since: Option<TimePoint>,

    /// Read every assertion and retraction ever made (retractions have added = false).
    #[arg(long)]
    pub history: bool,

    /// Apply the transaction data in FILE (EDN) first, speculatively: nothing is committed.
    #[arg(long, value_name = "FILE")]
    pub with: Option<PathBuf>,
}

impl TimeArgs {
    /// `db` as the options ask: with the speculative transaction applied, then viewed.
    pub fn apply(&self, db: Db) -> Result<Db> {
        let db = match &self.with {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .context(|| format!("cannot read --with {}", path.display()))?;
                db.with_edn(&text)
                    .map_err(|e| CliError::msg(format!("--with {}: {e}", path.display())))?
                    .0
            }
            None => db,
        };
        view(db, self.as_of, self.since, self.history)
    }
}

/// `db` seen as of, since and as history, as asked.
pub fn view(
    db: Db,
    as_of: Option<TimePoint>,
    since: Option<TimePoint>,
    history: bool,
) -> Result<Db> {
    let db = match as_of {
        Some(p) => db.as_of(p)?,
        None => db,
    };
    let db = match since {
        Some(p) => db.since(p)?,
        None => db,
    };
    Ok(if history { db.history() } else { db })
}

/// Other sources of a query, each `NAME=VIEW`.
#[derive(Debug, Default, Args)]
pub struct SourceArgs {
    /// Bind a source of the query's :in to a view of the database: NAME=VIEW, VIEW one or more
    /// of as-of:POINT, since:POINT, history, with:FILE, or current, joined by commas
    /// ('$before=as-of:42', '$h=history,since:2024-05-01'). Repeatable.
    #[arg(long = "source", value_name = "NAME=VIEW")]
    pub sources: Vec<String>,
}

impl SourceArgs {
    /// The named sources as values of `db` (the database before `--with`/`--as-of`).
    pub fn bind(&self, db: &Db) -> Result<Vec<(String, Db)>> {
        self.sources.iter().map(|spec| source(db, spec)).collect()
    }
}

/// One `--source NAME=VIEW`.
fn source(db: &Db, spec: &str) -> Result<(String, Db)> {
    let bad = |why: &str| CliError::msg(format!("--source {spec}: {why}"));
    let (name, view_text) = spec
        .split_once('=')
        .ok_or_else(|| bad("expected NAME=VIEW, such as '$before=as-of:42'"))?;
    let name = name.trim();
    if !name.starts_with('$') || name.len() < 2 {
        return Err(bad(
            "the name is a source of the query's :in, such as $before",
        ));
    }
    let mut time = TimeArgs::default();
    for part in view_text.split(',').map(str::trim) {
        let (kind, arg) = part.split_once(':').unwrap_or((part, ""));
        match (kind, arg) {
            ("current", "") => {}
            ("history", "") => time.history = true,
            ("as-of", p) if !p.is_empty() => time.as_of = Some(point(p).map_err(|e| bad(&e))?),
            ("since", p) if !p.is_empty() => time.since = Some(point(p).map_err(|e| bad(&e))?),
            ("with", f) if !f.is_empty() => time.with = Some(PathBuf::from(f)),
            _ => {
                return Err(bad(&format!(
                    "unknown view {part:?}; expected as-of:POINT, since:POINT, history, \
                     with:FILE or current"
                )))
            }
        }
    }
    Ok((name.to_string(), time.apply(db.clone())?))
}
