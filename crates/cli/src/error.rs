//! The CLI's error type: a message for the user, plus the two cases `main` treats specially.
//!
//! Library errors are already phrased for a person (see `datolite_store::StoreError`), so the
//! CLI mostly forwards them, adding where they happened (which file, which batch) with
//! [`Context::context`].

use std::fmt;

use datolite_kv::KvError;

/// Result of a CLI command.
pub type Result<T, E = CliError> = std::result::Result<T, E>;

/// Why a command failed.
#[derive(Debug)]
pub enum CliError {
    /// Something went wrong; the message says what (printed as `error: …`, exit code 1).
    Message(String),
    /// The command line is incomplete in a way clap cannot see (such as `--db` missing for a
    /// command that needs it); reported like clap's own usage errors (exit code 2).
    Usage(String),
    /// stdout was closed by the reader (`datolite scan eavt | head`): not an error, stop quietly.
    BrokenPipe,
}

impl CliError {
    /// An error with `message`.
    pub fn msg(message: impl Into<String>) -> Self {
        CliError::Message(message.into())
    }

    /// The error of an atomic write that failed: the message says nothing was written.
    pub fn nothing_written(self) -> Self {
        match self {
            CliError::Message(m) => CliError::Message(format!(
                "{m}\nnothing was written to the database (an import is one atomic write)"
            )),
            other => other,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Message(m) | CliError::Usage(m) => f.write_str(m),
            CliError::BrokenPipe => f.write_str("broken pipe"),
        }
    }
}

impl std::error::Error for CliError {}

impl From<datolite::Error> for CliError {
    fn from(error: datolite::Error) -> Self {
        match error {
            datolite::Error::Query(error) => error.into(),
            other => CliError::Message(other.to_string()),
        }
    }
}

impl From<datolite_store::StoreError> for CliError {
    fn from(error: datolite_store::StoreError) -> Self {
        CliError::Message(error.to_string())
    }
}

impl From<datolite::QueryError> for CliError {
    fn from(error: datolite::QueryError) -> Self {
        match error {
            datolite::QueryError::Limit { .. } => {
                CliError::Message(crate::commands::limits::hint(error.to_string()))
            }
            other => CliError::Message(other.to_string()),
        }
    }
}

impl From<KvError> for CliError {
    fn from(error: KvError) -> Self {
        CliError::Message(error.to_string())
    }
}

impl From<std::io::Error> for CliError {
    fn from(error: std::io::Error) -> Self {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            CliError::BrokenPipe
        } else {
            CliError::Message(format!("I/O error: {error}"))
        }
    }
}

impl From<serde_json::Error> for CliError {
    fn from(error: serde_json::Error) -> Self {
        if error.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe) {
            CliError::BrokenPipe
        } else {
            CliError::Message(format!("JSON output failed: {error}"))
        }
    }
}

/// Adds where an error happened in front of its message.
pub trait Context<T> {
    /// Prefixes the error message with `what()` and `": "`.
    fn context(self, what: impl FnOnce() -> String) -> Result<T>;
}

impl<T, E: Into<CliError>> Context<T> for std::result::Result<T, E> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|error| match error.into() {
            CliError::Message(m) => CliError::Message(format!("{}: {m}", what())),
            other => other,
        })
    }
}
