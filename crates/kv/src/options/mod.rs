//! `StorageOptions`: every tuning knob of datolite's storage in one struct.
//!
//! Defaults are chosen to be good without tuning. [`StorageOptions::from_env`] overlays
//! `DATOLITE_*` environment variables (every one is listed in [`ENV_VARS`]); named profiles are
//! constructors ([`StorageOptions::read_heavy`], [`StorageOptions::bulk_load`],
//! [`StorageOptions::durable`], [`StorageOptions::low_memory`]).
//!
//! Layout: this file holds the types, `env.rs` the environment overlay and value parsers,
//! `profiles.rs` the named profiles, `validate.rs` the range checks.

mod env;
mod profiles;
mod validate;

pub use env::ENV_VARS;
pub use profiles::PROFILES;
pub use validate::MIN_MAP_SIZE;

use std::path::PathBuf;
use std::str::FromStr;

use crate::KvError;

/// Which key-value engine stores the data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum EngineKind {
    /// LMDB through `heed`: memory-mapped B+tree, zero-copy reads. The default.
    #[default]
    Lmdb,
    /// In-memory persistent B-trees; nothing survives the process.
    Memory,
}

impl EngineKind {
    /// The name used by `DATOLITE_ENGINE` and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            EngineKind::Lmdb => "lmdb",
            EngineKind::Memory => "memory",
        }
    }
}

impl FromStr for EngineKind {
    type Err = KvError;

    /// Parses `lmdb` or `memory` (case-insensitive).
    fn from_str(text: &str) -> Result<Self, KvError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "lmdb" => Ok(EngineKind::Lmdb),
            "memory" | "mem" => Ok(EngineKind::Memory),
            _ => Err(KvError::InvalidOption {
                name: "engine".into(),
                reason: format!("expected lmdb or memory, got {text:?}"),
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
    /// writes in the process could corrupt the database.
    pub write_map: bool,
    /// How long a write that must grow the map waits for open snapshots of this process to close
    /// (LMDB can only remap with no read transaction open), in milliseconds.
    pub grow_wait_ms: u64,
}

impl Default for LmdbOptions {
    /// 64 GiB of address space (costs nothing until used), doubling growth, 1024 readers,
    /// read-ahead on, no write map, and up to 30 s of waiting for snapshots when growing.
    fn default() -> Self {
        LmdbOptions {
            map_size: 64 << 30,
            map_growth: 2,
            max_readers: 1024,
            no_readahead: false,
            write_map: false,
            grow_wait_ms: 30_000,
        }
    }
}

/// Every storage knob of a datolite database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorageOptions {
    /// Database directory (used by `Database::open_with`; `Database::open(path, …)` overrides it).
    pub path: Option<PathBuf>,
    /// The key-value engine.
    pub engine: EngineKind,
    /// Durability of commits.
    pub sync: SyncMode,
    /// Create the database directory when it does not exist (otherwise opening it is an error).
    pub create_if_missing: bool,
    /// Datoms per batch in batched scans (the seed's prefetch size).
    pub scan_batch_size: usize,
    /// Worker threads for parallel scans (default: available cores).
    pub parallel_workers: usize,
    /// Values (strings, keywords, bytes) longer than this many bytes are stored out of line:
    /// the key keeps this many bytes plus a hash, the full value lives in the `values` table.
    /// Between 16 and 200.
    pub inline_value_threshold: usize,
    /// Maintain exact statistics (counts, distinct entities and values, min/max per attribute)
    /// in every write. When off, counts fall back to key-only scans.
    pub stats: bool,
    /// Reject attributes that were not declared in the schema (otherwise they are installed on
    /// first use with the value's type and cardinality one).
    pub strict_schema: bool,
    /// LMDB settings.
    pub lmdb: LmdbOptions,
}

impl Default for StorageOptions {
    /// LMDB, full sync, 1024-datom scan batches, one worker per core, 128-byte inline values,
    /// statistics on, lenient schema.
    fn default() -> Self {
        StorageOptions {
            path: None,
            engine: EngineKind::Lmdb,
            sync: SyncMode::Full,
            create_if_missing: true,
            scan_batch_size: 1024,
            parallel_workers: available_cores(),
            inline_value_threshold: 128,
            stats: true,
            strict_schema: false,
            lmdb: LmdbOptions::default(),
        }
    }
}

/// Cores available to this process (1 when the platform cannot tell).
pub(crate) fn available_cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}
