//! Errors reported while parsing and validating a query.

use datolite_edn::{EdnError, Pos};

/// Everything that can go wrong turning query text into a [`Query`](crate::Query).
///
/// Every variant that points into the text displays as
/// `line L, column C: message`, and messages quote the offending form printed
/// as EDN (`unknown function foo in (foo ?x)`), so the user can find it even
/// in a long query.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QueryError {
    /// The text is not valid EDN.
    #[error("{0}")]
    Edn(#[from] EdnError),
    /// The text is EDN but not a valid query, rule set or clause.
    #[error("line {}, column {}: {message}", pos.line, pos.column)]
    Invalid {
        /// What went wrong, naming the form.
        message: String,
        /// Where the offending form starts.
        pos: Pos,
    },
    /// The query was called with the wrong number of inputs.
    #[error("query expects {expected} inputs ({names}), got {got}")]
    InputCount {
        /// How many inputs `:in` declares.
        expected: usize,
        /// The `:in` forms, space separated (`$ ?name`).
        names: String,
        /// How many the caller supplied.
        got: usize,
    },
    /// The query went past its budget ([`crate::QueryOptions`]: time, rows) or was cancelled;
    /// the message names the step it was running.
    #[error("line {}, column {}: {message}", pos.line, pos.column)]
    Limit {
        /// What limit, and the step.
        message: String,
        /// Where the step's clause starts.
        pos: Pos,
    },
    /// Reading the database failed while the query ran.
    #[error("reading the database failed: {0}")]
    Storage(String),
    /// A pull pattern that is malformed or names something the database does not have; the
    /// message quotes the pattern or spec.
    #[error("pull: {0}")]
    Pull(String),
    /// An entity named by an ident or a lookup ref that names nothing, or a form that is none
    /// of an id, an ident and a lookup ref; the message quotes it.
    #[error("{0}")]
    Entity(String),
}

impl QueryError {
    /// An [`QueryError::Invalid`] at `pos`.
    pub fn invalid(message: impl Into<String>, pos: Pos) -> Self {
        QueryError::Invalid {
            message: message.into(),
            pos,
        }
    }

    /// The position the error points at, if it points into the text.
    pub fn pos(&self) -> Option<Pos> {
        match self {
            QueryError::Edn(e) => Some(e.pos()),
            QueryError::Invalid { pos, .. } | QueryError::Limit { pos, .. } => Some(*pos),
            QueryError::InputCount { .. }
            | QueryError::Storage(_)
            | QueryError::Pull(_)
            | QueryError::Entity(_) => None,
        }
    }
}

impl From<datolite_store::StoreError> for QueryError {
    fn from(e: datolite_store::StoreError) -> Self {
        QueryError::Storage(e.to_string())
    }
}

/// Results of this crate.
pub type Result<T, E = QueryError> = std::result::Result<T, E>;
