//! `EngineOptions`: the knobs of the key-value engine (which engine, where, how durable, LMDB's
//! map and readers). Knobs about datoms (inline values, statistics, schema strictness, scan
//! batches and workers) are the store's: `datolite_store::StoreOptions` holds them together
//! with these.
//!
//! Defaults are chosen to be good without tuning. [`EngineOptions::overlay_lookup`] overlays
//! the engine's `DATOLITE_*` environment variables (listed in [`ENGINE_ENV_VARS`]); the engine
//! parts of the named profiles are constructors ([`EngineOptions::read_heavy`],
//! [`EngineOptions::bulk_load`], [`EngineOptions::durable`], [`EngineOptions::low_memory`]).
//!
//! Layout: this file holds the types, `env.rs` the environment overlay and value parsers,
//! `profiles.rs` the named profiles, `validate.rs` the range checks.

mod env;
mod postgres;
mod profiles;
mod rocksdb;
mod validate;

pub use env::{
    invalid, parse_bool, parse_in_range, parse_size, process_env, read_var, ENGINE_ENV_VARS,
};
#[cfg(feature = "postgres")]
pub(crate) use postgres::credentials;
pub use postgres::{is_postgres_url, redact_url, PostgresOptions};
pub use profiles::{profile_name, PROFILES};
pub use rocksdb::RocksdbOptions;
pub use validate::{check, MIN_MAP_SIZE};

use std::path::PathBuf;
use std::str::FromStr;

use crate::KvError;

/// Which key-value engine stores the data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum EngineKind {
    /// LMDB (over its C API): memory-mapped B+tree, zero-copy reads. The default.
    #[default]
    Lmdb,
    /// In-memory persistent B-trees; nothing survives the process.
    Memory,
    /// RocksDB (an LSM tree, over its C++ library): only in builds with the `rocksdb` feature;
    /// one process at a time.
    Rocksdb,
    /// PostgreSQL (over its wire protocol): shared storage for one transactor and many peer
    /// processes on any machines; only in builds with the `postgres` feature.
    Postgres,
}

impl EngineKind {
    /// The name used by `DATOLITE_ENGINE` and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            EngineKind::Lmdb => "lmdb",
            EngineKind::Memory => "memory",
            EngineKind::Rocksdb => "rocksdb",
            EngineKind::Postgres => "postgres",
        }
    }
}

impl FromStr for EngineKind {
    type Err = KvError;

    /// Parses `lmdb`, `memory`, `rocksdb` or `postgres` (case-insensitive).
    fn from_str(text: &str) -> Result<Self, KvError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "lmdb" => Ok(EngineKind::Lmdb),
            "memory" | "mem" => Ok(EngineKind::Memory),
            "rocksdb" => Ok(EngineKind::Rocksdb),
            "postgres" | "postgresql" => Ok(EngineKind::Postgres),
            _ => Err(KvError::InvalidOption {
                name: "engine".into(),
                reason: format!("expected lmdb, memory, rocksdb or postgres, got {text:?}"),
            }),
        }
    }
}

/// How hard a commit works to reach stable storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SyncMode {
    /// Flush data and metadata on every commit: a committed transaction survives a power loss.
    #[default]
    Full,
    /// Flush data but not the metadata page (LMDB `NOMETASYNC`): a crash may lose the last
    /// transaction but never corrupts the database.
    MetaAsync,
    /// Leave flushing to the operating system (LMDB `NOSYNC`): fastest; a system crash may lose
    /// recent transactions. Process crashes lose nothing.
    None,
}

impl SyncMode {
    /// The name used by `DATOLITE_SYNC` and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncMode::Full => "full",
            SyncMode::MetaAsync => "meta-async",
            SyncMode::None => "none",
        }
    }
}

impl FromStr for SyncMode {
    type Err = KvError;

    /// Parses `full`, `meta-async` (or `meta_async`) or `none` (case-insensitive).
    fn from_str(text: &str) -> Result<Self, KvError> {
        match text.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "full" => Ok(SyncMode::Full),
            "meta-async" => Ok(SyncMode::MetaAsync),
            "none" => Ok(SyncMode::None),
            _ => Err(KvError::InvalidOption {
                name: "sync".into(),
                reason: format!("expected full, meta-async or none, got {text:?}"),
            }),
        }
    }
}

/// LMDB-specific settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LmdbOptions {
    /// Initial size of the memory map in bytes. Only address space: the file grows as data is
    /// written. When a write finds the map full, datolite grows it and retries the write.
    /// At least [`MIN_MAP_SIZE`]; rounded up to a multiple of 64 KiB (LMDB wants whole pages).
    pub map_size: u64,
    /// Factor by which the map grows when full (at least 2 is enforced for values below it).
    pub map_growth: u64,
    /// Maximum number of concurrent read transactions (snapshots) across all processes.
    pub max_readers: u32,
    /// Turn off OS read-ahead (LMDB `NORDAHEAD`): better for random reads on databases larger
    /// than memory, worse for cold sequential scans.
    pub no_readahead: bool,
    /// Write through a writable memory map (LMDB `WRITEMAP`): faster writes, but stray pointer
    /// writes in the process could corrupt the database. The map is then reserved on disk
    /// whole before anything is written through it (so a full disk is an error, not a crash):
    /// it starts at no more than the data's size or 256 MiB, whichever is larger, and grows
    /// by `map_growth` as the data does.
    pub write_map: bool,
    /// How long a write that must grow the map waits for open snapshots of this process to close
    /// (LMDB can only remap with no read transaction open), in milliseconds. The same wait
    /// applies when another process grew the map and this one must adopt the new size.
    pub grow_wait_ms: u64,
    /// How long a write waits for another process's write to finish (the cross-process write
    /// lock on `datolite.lock`) before failing with [`KvError::WriteBusy`](crate::KvError),
    /// in milliseconds.
    pub write_wait_ms: u64,
}

impl Default for LmdbOptions {
    /// 64 GiB of address space (costs nothing until used), doubling growth, 1024 readers,
    /// read-ahead on, no write map, up to 30 s of waiting for snapshots when growing and up to
    /// 10 s for another process's write.
    fn default() -> Self {
        LmdbOptions {
            map_size: 64 << 30,
            map_growth: 2,
            max_readers: 1024,
            no_readahead: false,
            write_map: false,
            grow_wait_ms: 30_000,
            write_wait_ms: 10_000,
        }
    }
}

/// The knobs of the key-value engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineOptions {
    /// Database directory (used by `Database::open_with`; `Database::open(path, …)` overrides it).
    pub path: Option<PathBuf>,
    /// The key-value engine.
    pub engine: EngineKind,
    /// Durability of commits.
    pub sync: SyncMode,
    /// Create the database directory when it does not exist (otherwise opening it is an error).
    pub create_if_missing: bool,
    /// LMDB settings.
    pub lmdb: LmdbOptions,
    /// RocksDB settings.
    pub rocksdb: RocksdbOptions,
    /// PostgreSQL settings.
    pub postgres: PostgresOptions,
}

impl Default for EngineOptions {
    /// LMDB, full sync, created when missing, LMDB's defaults.
    fn default() -> Self {
        EngineOptions {
            path: None,
            engine: EngineKind::Lmdb,
            sync: SyncMode::Full,
            create_if_missing: true,
            lmdb: LmdbOptions::default(),
            rocksdb: RocksdbOptions::default(),
            postgres: PostgresOptions::default(),
        }
    }
}

/// Cores available to this process (1 when the platform cannot tell): the default number of
/// parallel scan workers.
pub fn available_cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}
