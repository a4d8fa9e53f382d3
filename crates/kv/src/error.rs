//! Errors of the key-value layer.

use std::path::PathBuf;

/// Result of a key-value operation.
pub type Result<T, E = KvError> = std::result::Result<T, E>;

/// Everything that can go wrong below the datom layer, phrased for a user.
#[derive(Debug, thiserror::Error)]
pub enum KvError {
    /// The database directory does not exist and creating it was not asked for.
    #[error("database directory {0} does not exist")]
    MissingDirectory(PathBuf),
    /// The directory cannot be read or written (permissions, not a directory, …).
    #[error("cannot open database at {path}: {reason}")]
    Open {
        /// The directory.
        path: PathBuf,
        /// What the operating system or engine said.
        reason: String,
    },
    /// Another process kept the database's write lock (`datolite.lock`) for longer than this
    /// write was allowed to wait for it (`LmdbOptions::write_wait_ms`); nothing was written.
    #[error(
        "database at {path} is being written by another process: waited {waited_ms} ms for its \
         write lock (datolite.lock) and gave up, nothing was written; retry, or wait longer with \
         DATOLITE_LMDB_WRITE_WAIT_MS"
    )]
    WriteBusy {
        /// The directory.
        path: PathBuf,
        /// How long the write waited.
        waited_ms: u64,
    },
    /// Another transactor kept a shared database's write lock (a PostgreSQL advisory lock) for
    /// longer than this write was allowed to wait (`PostgresOptions::write_wait_ms`); nothing
    /// was written.
    #[error(
        "database {database} is being written by another transactor: waited {waited_ms} ms for \
         its write lock (a PostgreSQL advisory lock) and gave up, nothing was written; retry, or \
         wait longer with DATOLITE_PG_WRITE_WAIT_MS"
    )]
    TransactorBusy {
        /// The server (password hidden) and schema.
        database: String,
        /// How long the write waited.
        waited_ms: u64,
    },
    /// The disk holding the database is full (or a file size limit was reached): the write
    /// was not committed, and every earlier commit is intact.
    #[error(
        "disk full at {path}: {detail}; this write was not committed, and every earlier commit \
         is intact"
    )]
    DiskFull {
        /// The database directory.
        path: PathBuf,
        /// How full, or what limit.
        detail: String,
    },
    /// The engine's storage is full and could not grow.
    #[error("database is full: {0}")]
    Full(String),
    /// A key is longer than the engine accepts.
    #[error("key of {len} bytes is longer than the engine's maximum of {max} bytes")]
    KeyTooLong {
        /// Length of the rejected key.
        len: usize,
        /// The engine's limit.
        max: usize,
    },
    /// An empty key: LMDB cannot store it, so no engine accepts it.
    #[error("keys must not be empty")]
    EmptyKey,
    /// An option value is invalid: engine or store options, or a `DATOLITE_*` variable.
    #[error("invalid storage option {name}: {reason}")]
    InvalidOption {
        /// The option or environment variable.
        name: String,
        /// Why it was rejected.
        reason: String,
    },
    /// All snapshot transactions of a database value are busy.
    #[error("snapshot unavailable: {0}")]
    Snapshot(String),
    /// Any other engine error.
    #[error("storage engine error: {0}")]
    Engine(String),
    /// An I/O error.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The caller aborted a write transaction (the closure of [`crate::write_with`] failed);
    /// nothing was written.
    #[error("transaction aborted")]
    Aborted,
}
