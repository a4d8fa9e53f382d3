//! # datolite-kv — the key-value engines under datolite
//!
//! Every index of datolite is a sorted table of byte keys inside one embedded key-value engine.
//! This crate hides the engine behind three small object-safe traits:
//!
//! - [`Engine`]: opens snapshot read transactions ([`Engine::read`], [`Engine::read_group`]) and
//!   runs one write transaction at a time ([`Engine::write`]), growing the storage by itself when
//!   it fills up (LMDB's `MDB_MAP_FULL` never reaches a user).
//! - [`ReadTxn`]: a consistent snapshot: point gets, visitor scans over key ranges (the hot path,
//!   one indirect call per key), and pull cursors with seek for merge joins.
//! - [`WriteTxn`]: puts and deletes plus everything a [`ReadTxn`] can do, seeing its own writes.
//!
//! Two engines ship: [`lmdb::LmdbEngine`] (default, over LMDB's C API) and [`memory::MemoryEngine`]
//! (persistent B-trees, for tests, ephemeral databases and cross-checking). All tuning lives in
//! [`EngineOptions`], which also reads the engine's `DATOLITE_*` environment variables and has the
//! engine's part of the named profiles (the store adds its own knobs: `datolite_store::StoreOptions`).
//!
//! Invariant: the engine knows nothing about datoms. Tables are a fixed set ([`Table`]); keys are
//! compared as raw bytes (memcmp order), which the store's encoding makes equal to value order.
//!
//! The design: `docs/design.md` in the repository — §2 The engines (kv), and §10 Invariants for
//! what the engines guarantee.

#![warn(missing_docs)]

mod error;
mod limits;
pub mod lmdb;
pub mod memory;
mod open;
mod options;
pub mod overlay;
#[cfg(feature = "postgres")]
pub mod postgres;
mod range;
#[cfg(feature = "rocksdb")]
pub mod rocksdb;
mod table;
mod txn;

pub use error::{KvError, Result};
pub use limits::MAX_KEY_LEN;
pub use open::{detect_engine, init_engine, open_engine, LMDB_DATA_FILE, ROCKSDB_MARKER_FILE};
pub use options::{
    available_cores, is_postgres_url, redact_url, EngineKind, EngineOptions, LmdbOptions,
    PostgresOptions, RocksdbOptions, SyncMode, ENGINE_ENV_VARS, MIN_MAP_SIZE, PROFILES,
};
/// Parsers of `DATOLITE_*` variable values and the range check of options, shared with the
/// store's options so every variable and option reads and fails alike.
pub mod env {
    pub use crate::options::{
        check, invalid, parse_bool, parse_in_range, parse_size, process_env, read_var,
    };
}
pub use options::profile_name;
pub use range::{prefix_successor, Direction, KeyRange, SliceBounds};
pub use table::Table;
pub use txn::{
    write_with, CacheStats, Engine, KvCursor, ReadOps, ReadTxn, Visit, WriteTxn, SCAN_CHUNK,
};
