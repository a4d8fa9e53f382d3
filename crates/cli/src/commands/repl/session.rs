//! A REPL session's state: the database, the value it reads, the output format, the limits,
//! the arguments pending for the next query (`.in`) and the rules `%` binds (`.rules`).

use std::path::Path;

use datolite::{Database, Db, QueryOptions};

use super::view::View;
use crate::commands::query::QueryFormat;
use crate::error::Result;

/// The REPL's state, shared by every entry.
pub struct Session<'a> {
    /// The open database.
    pub database: Database,
    /// Its directory, for `.stats` and the banner.
    pub db_path: &'a Path,
    /// How results print (`.format`).
    pub format: QueryFormat,
    /// The `--timeout` and `--max-rows` limits of every query.
    pub limits: QueryOptions,
    /// The value queries read (`.as-of`, `.since`, `.history`, `.now`).
    pub view: View,
    /// The arguments `.in` set for the next query, one EDN text each; one-shot.
    pub pending: Option<Vec<String>>,
    /// The rules `%` binds (`.rules`), as EDN text.
    pub rules: Option<String>,
}

impl<'a> Session<'a> {
    /// A session on `database` reading its current value.
    pub fn new(
        database: Database,
        db_path: &'a Path,
        format: QueryFormat,
        limits: QueryOptions,
    ) -> Self {
        Session {
            database,
            db_path,
            format,
            limits,
            view: View::default(),
            pending: None,
            rules: None,
        }
    }

    /// The value entries read: the latest committed value (so a `.transact` is seen at once)
    /// seen through the session's view.
    pub fn db(&self) -> Result<Db> {
        self.view.apply(self.database.db()?)
    }

    /// The prompt of a new entry: `datolite> `, or with the view, `datolite[as-of 42]> `.
    pub fn prompt(&self) -> String {
        match self.view.label() {
            Some(label) => format!("datolite[{label}]> "),
            None => "datolite> ".to_string(),
        }
    }

    /// The attribute idents of the current schema, with their colon, for completion; none
    /// when the database cannot be read (completion is a convenience, not worth an error).
    pub fn idents(&self) -> Vec<String> {
        let Ok(db) = self.database.db() else {
            return Vec::new();
        };
        db.schema()
            .attributes()
            .iter()
            .map(|a| format!(":{}", a.ident))
            .collect()
    }
}
