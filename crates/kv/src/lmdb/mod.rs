//! The LMDB engine: the default, a memory-mapped copy-on-write B+tree, driven through its C API
//! (`lmdb-master-sys`) by the thin safe layer in `ffi.rs`.
//!
//! - Snapshots are LMDB read transactions opened without thread-local storage, owned by a
//!   [`ReadTxn`] box and `Send`; readers never block the writer or each other.
//! - Any number of processes open a database at once, as LMDB is built for: readers in every
//!   process, one writer at a time across all of them. A write first takes the cross-process
//!   write lock (`write_lock.rs`, an `flock` on `datolite.lock`) with a deadline, then its
//!   in-process mutex order is: writer mutex, write lock, LMDB's own writer mutex.
//! - One write transaction at a time ([`Engine::write`]). When LMDB reports `MDB_MAP_FULL` —
//!   in any put or at commit — the engine aborts, grows the map and runs the body again, so a
//!   user never sees a full map (unless snapshots of this process stay open too long, see
//!   [`LmdbOptions::grow_wait_ms`](crate::LmdbOptions::grow_wait_ms)).
//! - When another process has grown the map past this process's mapping, LMDB refuses to begin
//!   a transaction (`MDB_MAP_RESIZED`); the engine then adopts the size that process recorded
//!   (with no transaction of its own open, as LMDB requires) and begins again.
//! - One environment per directory per process (`registry.rs`): opening a directory twice in
//!   a process shares the first environment.
//!
//! Layout: `ffi.rs` (environment, transactions and cursors over the C API: the `unsafe` part),
//! `open.rs` (directory, lock file, environment, tables), `registry.rs` (one environment per
//! directory), `write_lock.rs` (the cross-process writer lock), `snapshot.rs` and `write.rs`
//! (the two transaction kinds), `ops.rs` (gets and the scan hot path), `cursor.rs` (range
//! walking and seeks), `readers.rs` (counting open snapshots), `grow.rs` (growing and adopting
//! map sizes), `errors.rs`.

mod cursor;
mod disk;
mod errors;
mod ffi;
mod grow;
mod open;
mod ops;
mod readers;
mod registry;
mod snapshot;
mod write;
mod write_lock;

use std::fs::File;
use std::mem::ManuallyDrop;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use self::errors::from_lmdb;
use self::ffi::{Dbi, Env};
use self::readers::ReaderCount;
use self::registry::{DirId, Found};
use self::snapshot::LmdbSnapshot;
use self::write::LmdbWriteTxn;
use self::write_lock::WriteLock;
use crate::{
    Engine, EngineOptions, KvError, LmdbOptions, ReadTxn, Result, SyncMode, Table, WriteTxn,
};

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

/// State shared by the engines of one directory in this process and their snapshots.
struct Shared {
    /// Closed in `Drop`, under the registry's lock (see `registry.rs`).
    env: ManuallyDrop<Env>,
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
    /// Growth factor and waits (those of the first open of the directory in this process).
    options: LmdbOptions,
    /// The commit durability the environment was opened with.
    sync: SyncMode,
    /// The directory.
    path: PathBuf,
    /// Which directory it is, for the registry.
    id: DirId,
    /// `datolite.lock`, whose `flock` is the cross-process write lock.
    lock_file: File,
    /// With `write_map`: the bytes of the data file reserved on disk so far (`disk.rs`).
    reserved: AtomicU64,
}

impl Shared {
    /// With `write_map`, reserves the whole current map on disk unless it already is: called
    /// before every write transaction, so no page is written through the map (whose size
    /// growing, or adopting another process's growth, changed) without its block.
    fn reserve_write_map(&self) -> Result<()> {
        if !self.options.write_map {
            return Ok(());
        }
        let size = self.env.map_size();
        if self.reserved.load(Ordering::SeqCst) < size {
            disk::reserve(&self.path, size)?;
            self.reserved.store(size, Ordering::SeqCst);
        }
        Ok(())
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        let mut open = registry::lock();
        // SAFETY: this is the last reference to the shared state, so every snapshot and write
        // transaction of the environment is gone, and `env` is not used after this.
        unsafe { ManuallyDrop::drop(&mut self.env) };
        // Closed: this directory's entry (dead now) goes, and a new open may proceed.
        open.retain(|(id, shared)| *id != self.id || shared.strong_count() > 0);
    }
}

impl LmdbEngine {
    /// Opens (or creates, with `options.create_if_missing`) the database in directory `path`.
    ///
    /// Other processes may have it open too. A directory this process has open already shares
    /// that environment; its durability and mapping options must then be the same.
    ///
    /// Errors: [`KvError::MissingDirectory`] when the directory
    /// is missing and may not be created; [`KvError::Open`] when it cannot
    /// be used (not a directory, permissions, not an LMDB file);
    /// [`KvError::WriteBusy`] when a new database's tables cannot be
    /// created because another process keeps writing;
    /// [`KvError::InvalidOption`] for invalid options, or options
    /// that differ from those the directory is already open with in this process.
    pub fn open(path: &Path, options: &EngineOptions) -> Result<Self> {
        options.validate()?;
        crate::open::prepare_directory(path, options.create_if_missing, crate::EngineKind::Lmdb)?;
        let id = DirId::of(path).map_err(|error| open::open_error(path, error.to_string()))?;
        let mut open = loop {
            let open = registry::lock();
            match registry::find(&open, id) {
                Found::Nothing => break open,
                Found::Open(shared) => {
                    // Released first: should the check fail, dropping `shared` may close it.
                    drop(open);
                    same_environment(&shared, options)?;
                    return Ok(LmdbEngine { shared });
                }
                Found::Closing => {
                    drop(open);
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
        };
        let lock_file = open::open_lock_file(path)?;
        let data_len = open::data_file_len(path);
        let env = open::open_env(path, options, data_len)?;
        open::check_not_truncated(path, &env, options.lmdb.write_map, data_len)?;
        // Snapshots left by processes that died are no longer readers.
        env.clear_stale_readers().map_err(from_lmdb)?;
        let write_wait = Duration::from_millis(options.lmdb.write_wait_ms);
        let write_map = options.lmdb.write_map;
        let (dbs, reserved) = open::open_tables(&env, &lock_file, path, write_wait, write_map)?;
        let shared = Arc::new(Shared {
            env: ManuallyDrop::new(env),
            dbs,
            readers: ReaderCount::default(),
            grow_gate: RwLock::new(()),
            commit_gate: RwLock::new(()),
            writer: Mutex::new(()),
            options: options.lmdb.clone(),
            sync: options.sync,
            path: path.to_path_buf(),
            id,
            lock_file,
            reserved: AtomicU64::new(reserved),
        });
        registry::insert(&mut open, id, &shared);
        Ok(LmdbEngine { shared })
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

    /// One snapshot, opened outside any growth (adopting the map size another process grew
    /// the map to, when LMDB asks).
    fn snapshot(&self) -> Result<LmdbSnapshot> {
        self.shared
            .open_reading(|| LmdbSnapshot::open(&self.shared))?
            .map_err(from_lmdb)
    }
}

/// Checks that `options` open the environment `shared` is open with, as this process has it.
fn same_environment(shared: &Shared, options: &EngineOptions) -> Result<()> {
    let lmdb = &options.lmdb;
    let differs = [
        ("sync", shared.sync != options.sync),
        ("lmdb.write_map", shared.options.write_map != lmdb.write_map),
        (
            "lmdb.no_readahead",
            shared.options.no_readahead != lmdb.no_readahead,
        ),
    ];
    match differs.iter().find(|(_, differs)| *differs) {
        Some((name, _)) => Err(KvError::InvalidOption {
            name: (*name).into(),
            reason: format!(
                "{} is already open in this process with another {name}; every open of one \
                 directory in a process shares one LMDB environment, so its options must agree",
                shared.path.display()
            ),
        }),
        None => Ok(()),
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
        self.shared
            .open_reading(|| {
                // Lock order everywhere: grow gate (held by `open_reading`), then commit gate.
                let _commit = self
                    .shared
                    .commit_gate
                    .read()
                    .unwrap_or_else(PoisonError::into_inner);
                // A failed group drops the snapshots it had opened.
                (0..n)
                    .map(|_| {
                        LmdbSnapshot::open(&self.shared)
                            .map(|snapshot| Box::new(snapshot) as Box<dyn ReadTxn>)
                    })
                    .collect()
            })?
            .map_err(from_lmdb)
    }

    fn write(&self, body: &mut dyn FnMut(&mut dyn WriteTxn) -> Result<()>) -> Result<()> {
        let shared = &*self.shared;
        // Poisoning only means an earlier body panicked; its transaction was aborted by unwinding.
        let _writer = shared.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let wait = Duration::from_millis(shared.options.write_wait_ms);
        let _lock = WriteLock::acquire(&shared.lock_file, &shared.path, wait)?;
        loop {
            shared.reserve_write_map()?;
            let mut txn = match LmdbWriteTxn::begin(shared) {
                Ok(txn) => txn,
                Err(error) if error.is_map_resized() => {
                    shared.adopt_map_size()?;
                    continue;
                }
                Err(error) => return Err(from_lmdb(error)),
            };
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
                Err(error) => return Err(disk::commit_error(&shared.path, error)),
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

    fn table_bytes(&self, table: Table) -> Result<u64> {
        let page_size = u64::from(self.shared.env.page_size().map_err(from_lmdb)?);
        let snapshot = self.snapshot()?;
        let (pages, _) = snapshot
            .txn
            .table_pages(snapshot.db(table))
            .map_err(from_lmdb)?;
        Ok(pages * page_size)
    }

    fn backup(&self, dest: &Path) -> Result<()> {
        // The copy reads through a transaction of its own: counted as a reader, so a remap
        // waits for it as for a snapshot.
        self.shared
            .open_reading(|| {
                let _reader = readers::ReaderGuard::new(Arc::clone(&self.shared));
                self.shared.env.copy_compacted(dest)
            })?
            .map_err(|error| {
                open::open_error(
                    dest,
                    format!("cannot write the backup: {}", error.message()),
                )
            })
    }

    fn size_on_disk(&self) -> Result<u64> {
        let page_size = u64::from(self.shared.env.page_size().map_err(from_lmdb)?);
        Ok((self.shared.env.last_page() + 1) * page_size)
    }
}
