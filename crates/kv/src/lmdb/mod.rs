//! The LMDB engine: the default, a memory-mapped copy-on-write B+tree, driven through its C API
//! (`lmdb-master-sys`) by the thin safe layer in `ffi.rs`.
//!
//! - Snapshots are LMDB read transactions opened without thread-local storage, owned by a
//!   [`ReadTxn`] box and `Send`; readers never block the writer or each other.
//! - One write transaction at a time ([`Engine::write`]). When LMDB reports `MDB_MAP_FULL` —
//!   in any put or at commit — the engine aborts, grows the map and runs the body again, so a
//!   user never sees a full map (unless snapshots of this process stay open too long, see
//!   [`LmdbOptions::grow_wait_ms`](crate::LmdbOptions::grow_wait_ms)).
//! - An exclusive `datolite.lock` file makes the engine the only user of its directory, which
//!   is what makes growing the map safe.
//!
//! Layout: `ffi.rs` (environment, transactions and cursors over the C API: the `unsafe` part),
//! `open.rs` (directory, lock, environment, tables), `snapshot.rs` and `write.rs` (the two
//! transaction kinds), `ops.rs` (gets and the scan hot path), `cursor.rs` (range walking and
//! seeks), `readers.rs` (counting open snapshots), `grow.rs` (map growth), `errors.rs`.

mod cursor;
mod errors;
mod ffi;
mod grow;
mod open;
mod ops;
mod readers;
mod snapshot;
mod write;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use self::errors::from_lmdb;
use self::ffi::{Dbi, Env};
use self::readers::ReaderCount;
use self::snapshot::LmdbSnapshot;
use self::write::LmdbWriteTxn;
use crate::{Engine, EngineOptions, LmdbOptions, ReadTxn, Result, Table, WriteTxn};

pub use self::open::LOCK_FILE;

/// Map sizes are rounded up to this, a multiple of every common page size (4, 16 and 64 KiB).
const MAP_ALIGN: u64 = 64 << 10;

/// `size` rounded up to a whole number of [`MAP_ALIGN`] units, or `None` on overflow.
fn round_to_pages(size: u64) -> Option<u64> {
    size.checked_next_multiple_of(MAP_ALIGN)
}

/// An LMDB database directory opened as a datolite engine.
///
/// Dropping the engine closes the database once the last snapshot taken from it is gone
/// (snapshots keep the environment, and the directory lock, alive).
pub struct LmdbEngine {
    shared: Arc<Shared>,
}

/// State shared by the engine and its snapshots.
struct Shared {
    /// Declared first so the environment closes before the directory lock is released.
    env: Env,
    /// One handle per table, indexed by [`Table::index`].
    dbs: [Dbi; Table::ALL.len()],
    /// Open read transactions of this process (growth waits for zero).
    readers: ReaderCount,
    /// Snapshot openers take the read side; growth takes the write side to keep new snapshots
    /// out while it waits for old ones and remaps.
    grow_gate: RwLock<()>,
    /// `read_group` takes the read side while opening its snapshots; commits take the write
    /// side, so no commit lands between the snapshots of a group.
    commit_gate: RwLock<()>,
    /// Serializes write bodies. LMDB serializes write transactions anyway, but the retry-after-
    /// growth loop must also own the "no write transaction is open" state while it remaps.
    writer: Mutex<()>,
    /// Growth factor and wait.
    options: LmdbOptions,
    /// The directory.
    path: PathBuf,
    /// The exclusive advisory lock on `datolite.lock`; released when this file is closed.
    _lock: File,
}

impl LmdbEngine {
    /// Opens (or creates, with `options.create_if_missing`) the database in directory `path`.
    ///
    /// Errors: [`KvError::MissingDirectory`](crate::KvError::MissingDirectory) when the directory
    /// is missing and may not be created; [`KvError::Open`](crate::KvError::Open) when it cannot
    /// be used (not a directory, permissions, not an LMDB file);
    /// [`KvError::Locked`](crate::KvError::Locked) when it is already open, in this process or
    /// another; [`KvError::InvalidOption`](crate::KvError::InvalidOption) for invalid options.
    pub fn open(path: &Path, options: &EngineOptions) -> Result<Self> {
        options.validate()?;
        open::prepare_directory(path, options.create_if_missing)?;
        let lock = open::lock_directory(path)?;
        let env = open::open_env(path, options)?;
        let dbs = open::create_tables(&env)?;
        Ok(LmdbEngine {
            shared: Arc::new(Shared {
                env,
                dbs,
                readers: ReaderCount::default(),
                grow_gate: RwLock::new(()),
                commit_gate: RwLock::new(()),
                writer: Mutex::new(()),
                options: options.lmdb.clone(),
                path: path.to_path_buf(),
                _lock: lock,
            }),
        })
    }

    /// The database directory.
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// The current size of the memory map in bytes (it grows when writes fill it).
    pub fn map_size(&self) -> u64 {
        self.shared.env.map_size()
    }

    /// The number of snapshots of this engine currently open.
    pub fn open_snapshots(&self) -> usize {
        self.shared.readers.live()
    }

    /// Counts the keys of `table` and sums their lengths with a bare LMDB cursor (`MDB_NEXT`
    /// and nothing else): the reference that scan benchmarks compare against.
    pub fn raw_scan_count(&self, table: Table) -> Result<(u64, u64)> {
        let snapshot = self.snapshot()?;
        let mut cursor = snapshot.txn.cursor(snapshot.db(table)).map_err(from_lmdb)?;
        let (mut keys, mut key_bytes) = (0u64, 0u64);
        while let Some((key, _)) = cursor.next().map_err(from_lmdb)? {
            keys += 1;
            key_bytes += key.len() as u64;
        }
        Ok((keys, key_bytes))
    }

    /// One snapshot, opened outside any growth.
    fn snapshot(&self) -> Result<LmdbSnapshot> {
        let _gate = self
            .shared
            .grow_gate
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        LmdbSnapshot::open(&self.shared)
    }
}

impl std::fmt::Debug for LmdbEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LmdbEngine")
            .field("path", &self.shared.path)
            .finish_non_exhaustive()
    }
}

impl Engine for LmdbEngine {
    fn name(&self) -> &'static str {
        "lmdb"
    }

    fn read(&self) -> Result<Box<dyn ReadTxn>> {
        Ok(Box::new(self.snapshot()?))
    }

    fn read_group(&self, n: usize) -> Result<Vec<Box<dyn ReadTxn>>> {
        // Lock order everywhere: grow gate, then commit gate.
        let _grow = self
            .shared
            .grow_gate
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let _commit = self
            .shared
            .commit_gate
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        (0..n)
            .map(|_| Ok(Box::new(LmdbSnapshot::open(&self.shared)?) as Box<dyn ReadTxn>))
            .collect()
    }

    fn write(&self, body: &mut dyn FnMut(&mut dyn WriteTxn) -> Result<()>) -> Result<()> {
        let shared = &*self.shared;
        // Poisoning only means an earlier body panicked; its transaction was aborted by unwinding.
        let _writer = shared.writer.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            let mut txn = LmdbWriteTxn::begin(shared)?;
            let outcome = body(&mut txn);
            // Checked before the outcome: the body may have converted or swallowed the error.
            if txn.map_full() {
                drop(txn); // aborts: the map can only be remapped with no transaction open
                shared.grow()?;
                continue;
            }
            outcome?; // an error drops (aborts) the transaction: nothing is written
            let committed = {
                let _gate = shared
                    .commit_gate
                    .write()
                    .unwrap_or_else(PoisonError::into_inner);
                txn.commit()
            };
            match committed {
                Ok(()) => return Ok(()),
                // A failed commit has already been aborted by LMDB.
                Err(error) if error.is_map_full() => shared.grow()?,
                Err(error) => return Err(from_lmdb(error)),
            }
        }
    }

    fn sync(&self) -> Result<()> {
        self.shared.env.sync().map_err(from_lmdb)
    }

    /// The bytes of the data file in use: every page up to the last one written. (With
    /// `write_map` the file itself is as large as the map, but sparse.)
    fn raw_scan(&self, table: Table) -> Result<(u64, u64)> {
        self.raw_scan_count(table)
    }

    fn size_on_disk(&self) -> Result<u64> {
        let page_size = u64::from(self.shared.env.page_size().map_err(from_lmdb)?);
        Ok((self.shared.env.last_page() + 1) * page_size)
    }
}
