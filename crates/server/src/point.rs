//! Time points (`as_of`, `since`, `from`, `to`) as the command line reads `--as-of POINT`: a
//! `t`, a transaction id or an instant, through the one parser, [`TimePoint::parse`]. A JSON
//! number is read as its digits, so `42` and `"42"` are the same point.

use datolite::{Db, TimePoint};
use serde::Deserialize;

use crate::ApiError;

/// A point as a request gives it.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Point {
    /// A t or a transaction id.
    Number(u64),
    /// Any POINT text: `"42"`, `"2024-05-01T12:00:00Z"`, `"#inst \"2024-05-01\""`.
    Text(String),
}

impl Point {
    /// The point, or a 400 naming `field` and what was expected.
    pub fn parse(&self, field: &str) -> Result<TimePoint, ApiError> {
        let text = match self {
            Point::Number(n) => n.to_string(),
            Point::Text(t) => t.clone(),
        };
        parse_text(&text, field)
    }
}

/// Reads POINT text, or a 400 naming `field`.
pub fn parse_text(text: &str, field: &str) -> Result<TimePoint, ApiError> {
    TimePoint::parse(text).map_err(|e| ApiError::bad(format!("{field}: {e}")))
}

/// The time options of a query or a pull, as the command line's `--as-of`, `--since` and
/// `--history`.
#[derive(Clone, Debug, Default)]
pub struct View {
    /// Read the database as it was at this point.
    pub as_of: Option<Point>,
    /// Read only the datoms added after this point.
    pub since: Option<Point>,
    /// Read every assertion and retraction.
    pub history: bool,
}

impl View {
    /// `db` seen as asked, in the command line's order: as of, then since, then history.
    pub fn apply(&self, db: Db) -> Result<Db, ApiError> {
        let db = match &self.as_of {
            Some(p) => db
                .as_of(p.parse("as_of")?)
                .map_err(|e| bad_view("as_of", e))?,
            None => db,
        };
        let db = match &self.since {
            Some(p) => db
                .since(p.parse("since")?)
                .map_err(|e| bad_view("since", e))?,
            None => db,
        };
        Ok(if self.history { db.history() } else { db })
    }
}

/// A view the database refused (a point past its basis, …), named by its field.
fn bad_view(field: &str, error: datolite::StoreError) -> ApiError {
    ApiError::from(error).at(field)
}
