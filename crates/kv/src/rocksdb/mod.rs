//! The RocksDB engine (cargo feature `rocksdb`): an LSM tree over RocksDB's C++ library, the
//! storage plan's alternative to LMDB's B+tree (`docs/design.md`, §2.4).
//!
//! - Tables are column families, one per [`Table`], all sharing one block cache and one
//!   memtable budget ([`RocksdbOptions`](crate::RocksdbOptions)).
//! - Snapshots are RocksDB snapshots (`read.rs`); readers never block the writer.
//! - One write transaction at a time (a mutex): the body writes into an overlay
//!   ([`OverlayWrite`]) over a snapshot taken after the previous commit, so it reads its own
//!   writes; a successful body becomes one atomic `WriteBatch`, written with
//!   `sync` when [`SyncMode::Full`] asks for it. A failed body leaves nothing behind.
//! - A commit and the opening of a snapshot group exclude each other (the commit gate), so
//!   [`Engine::read_group`] hands out snapshots of one state.
//! - One process at a time: RocksDB locks its directory. Within a process, opening a directory
//!   twice shares the first engine (`REGISTRY`), as LMDB's engine does, and a second open that
//!   asks for another sync mode or other RocksDB settings is refused.
//! - A directory that holds another engine's files is refused, never opened as empty.

mod read;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock, Weak};

use ::rocksdb::{
    BlockBasedOptions, Cache, ColumnFamily, ColumnFamilyDescriptor, DBCompressionType, Options,
    WriteBatch, WriteBufferManager, WriteOptions, DB,
};

use self::read::RocksdbSnapshot;
use crate::open::open_error;
use crate::overlay::OverlayWrite;
use crate::{
    Engine, EngineKind, EngineOptions, KvError, ReadTxn, Result, RocksdbOptions, SyncMode, Table,
    WriteTxn,
};

/// What every handle on one open database shares.
pub(crate) struct Shared {
    db: DB,
    path: PathBuf,
    sync: SyncMode,
    /// The RocksDB settings it was opened with (a second open must ask for the same).
    knobs: RocksdbOptions,
    /// Bytes scans read ahead (0: RocksDB's adaptive readahead).
    readahead: usize,
    /// Serializes write transactions.
    writer: Mutex<()>,
    /// Held for writing by a commit, for reading while a snapshot group opens.
    commit_gate: RwLock<()>,
}

impl Shared {
    /// The column family of `table`.
    fn cf(&self, table: Table) -> Result<&ColumnFamily> {
        self.db.cf_handle(table.name()).ok_or_else(|| {
            KvError::Engine(format!(
                "rocksdb: the column family of table {} is missing at {}",
                table.name(),
                self.path.display()
            ))
        })
    }
}

/// The RocksDB engine.
pub struct RocksdbEngine {
    shared: Arc<Shared>,
}

/// Open engines of this process by canonical directory: a second open shares the first.
static REGISTRY: Mutex<Option<HashMap<PathBuf, Weak<Shared>>>> = Mutex::new(None);

impl RocksdbEngine {
    /// Opens (creating when `options.create_if_missing`) the RocksDB database in directory
    /// `path`.
    pub fn open(path: &Path, options: &EngineOptions) -> Result<Self> {
        options.validate()?;
        crate::open::prepare_directory(path, options.create_if_missing, EngineKind::Rocksdb)?;
        let canonical = path
            .canonicalize()
            .map_err(|e| open_error(path, e.to_string()))?;
        let mut registry = REGISTRY.lock().unwrap_or_else(PoisonError::into_inner);
        let open = registry.get_or_insert_with(HashMap::new);
        if let Some(shared) = open.get(&canonical).and_then(Weak::upgrade) {
            // One engine per directory: options it was not opened with cannot apply.
            if shared.sync != options.sync || shared.knobs != options.rocksdb {
                return Err(KvError::InvalidOption {
                    name: if shared.sync != options.sync {
                        "sync".into()
                    } else {
                        "rocksdb".into()
                    },
                    reason: format!(
                        "{} is already open in this process with other settings; a second open \
                         shares that engine, so it must ask for the same",
                        canonical.display()
                    ),
                });
            }
            return Ok(RocksdbEngine { shared });
        }
        let shared = Arc::new(Shared {
            db: open_db(&canonical, options)?,
            path: canonical.clone(),
            sync: options.sync,
            knobs: options.rocksdb.clone(),
            readahead: usize::try_from(options.rocksdb.readahead).unwrap_or(usize::MAX),
            writer: Mutex::new(()),
            commit_gate: RwLock::new(()),
        });
        open.retain(|_, engine| engine.strong_count() > 0);
        open.insert(canonical, Arc::downgrade(&shared));
        Ok(RocksdbEngine { shared })
    }
}

/// Opens the database with every table's column family, configured from `options.rocksdb`.
fn open_db(path: &Path, options: &EngineOptions) -> Result<DB> {
    let knobs = &options.rocksdb;
    let size = |bytes: u64| usize::try_from(bytes).unwrap_or(usize::MAX);
    let mut table = BlockBasedOptions::default();
    let cache = Cache::new_lru_cache(size(
        knobs.block_cache.saturating_add(knobs.index_filter_cache),
    ));
    table.set_block_cache(&cache);
    if knobs.bloom_bits_per_key > 0 {
        table.set_bloom_filter(f64::from(knobs.bloom_bits_per_key), false);
    }
    if knobs.index_filter_cache > 0 {
        table.set_cache_index_and_filter_blocks(true);
        table.set_cache_index_and_filter_blocks_with_high_priority(true);
        table.set_pin_l0_filter_and_index_blocks_in_cache(true);
    }
    let mut family = Options::default();
    family.set_block_based_table_factory(&table);
    family.set_compression_type(DBCompressionType::Lz4);
    family.set_write_buffer_size(size(knobs.memtable_size));
    family.set_max_write_buffer_number(knobs.memtables as i32);
    family.set_level_zero_file_num_compaction_trigger(knobs.l0_compaction_trigger as i32);
    // Writes slow down halfway between the two triggers, and stop at the second.
    family.set_level_zero_slowdown_writes_trigger(
        ((knobs.l0_compaction_trigger + knobs.l0_stop_trigger) / 2) as i32,
    );
    family.set_level_zero_stop_writes_trigger(knobs.l0_stop_trigger as i32);
    family.set_num_levels(knobs.max_levels as i32);

    let mut db_options = family.clone();
    db_options.create_if_missing(true);
    db_options.create_missing_column_families(true);
    db_options.set_max_background_jobs(knobs.background_jobs as i32);
    // The memtable size and count are one budget for the whole database, not per table: twelve
    // tables of five 128 MiB memtables each could otherwise hold 7.5 GiB.
    let budget = WriteBufferManager::new_write_buffer_manager(
        size(
            knobs
                .memtable_size
                .saturating_mul(u64::from(knobs.memtables)),
        ),
        false,
    );
    db_options.set_write_buffer_manager(&budget);
    let families = Table::ALL
        .iter()
        .map(|table| ColumnFamilyDescriptor::new(table.name(), family.clone()));
    DB::open_cf_descriptors(&db_options, path, families).map_err(|error| {
        let text = error.to_string();
        if text.contains("lock") || text.contains("LOCK") {
            open_error(
                path,
                format!(
                    "another process has it open (the rocksdb engine admits one process at a \
                     time; LMDB, the default engine, admits many): {text}"
                ),
            )
        } else {
            open_error(path, format!("rocksdb: {text}"))
        }
    })
}

/// A RocksDB error as the engine reports it: a full disk as [`KvError::DiskFull`].
pub(crate) fn engine_error(path: &Path, error: ::rocksdb::Error) -> KvError {
    let text = error.into_string();
    if text.contains("No space left on device") || text.contains("Disk quota exceeded") {
        return KvError::DiskFull {
            path: path.to_path_buf(),
            detail: text,
        };
    }
    KvError::Engine(format!("rocksdb: {text}"))
}

impl std::fmt::Debug for RocksdbEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RocksdbEngine")
            .field("path", &self.shared.path)
            .finish_non_exhaustive()
    }
}

impl Engine for RocksdbEngine {
    fn name(&self) -> &'static str {
        "rocksdb"
    }

    fn read(&self) -> Result<Box<dyn ReadTxn>> {
        Ok(Box::new(RocksdbSnapshot::open(&self.shared)))
    }

    fn read_group(&self, n: usize) -> Result<Vec<Box<dyn ReadTxn>>> {
        let _commit = self
            .shared
            .commit_gate
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        Ok((0..n)
            .map(|_| Box::new(RocksdbSnapshot::open(&self.shared)) as Box<dyn ReadTxn>)
            .collect())
    }

    fn write(&self, body: &mut dyn FnMut(&mut dyn WriteTxn) -> Result<()>) -> Result<()> {
        let shared = &*self.shared;
        // Poisoning only means an earlier body panicked; its overlay was dropped unwritten.
        let _writer = shared.writer.lock().unwrap_or_else(PoisonError::into_inner);
        // The snapshot is taken under the writer mutex: it sees every earlier commit.
        let snapshot = RocksdbSnapshot::open(&self.shared);
        let mut txn = OverlayWrite::new(&snapshot);
        body(&mut txn)?;
        let delta = txn.into_delta();
        let mut batch = WriteBatch::default();
        for (table, key, value) in delta.changes() {
            let cf = shared.cf(table)?;
            match value {
                Some(value) => batch.put_cf(cf, key, value),
                None => batch.delete_cf(cf, key),
            }
        }
        if batch.is_empty() {
            return Ok(());
        }
        let mut options = WriteOptions::default();
        options.set_sync(shared.sync == SyncMode::Full);
        let _gate = shared
            .commit_gate
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        shared
            .db
            .write_opt(batch, &options)
            .map_err(|error| engine_error(&shared.path, error))
    }

    fn sync(&self) -> Result<()> {
        self.shared
            .db
            .flush_wal(true)
            .map_err(|error| engine_error(&self.shared.path, error))
    }

    /// The bytes of every file in the database directory (tables, write-ahead log, manifest).
    fn size_on_disk(&self) -> Result<u64> {
        let mut total = 0;
        for entry in std::fs::read_dir(&self.shared.path)? {
            let metadata = entry?.metadata()?;
            if metadata.is_file() {
                total += metadata.len();
            }
        }
        Ok(total)
    }

    /// The table's live data in its sorted files plus what its memtables hold.
    fn table_bytes(&self, table: Table) -> Result<u64> {
        let cf = self.shared.cf(table)?;
        let mut total = 0;
        for property in [
            "rocksdb.estimate-live-data-size",
            "rocksdb.cur-size-all-mem-tables",
        ] {
            total += self
                .shared
                .db
                .property_int_value_cf(cf, property)
                .map_err(|error| engine_error(&self.shared.path, error))?
                .unwrap_or(0);
        }
        Ok(total)
    }

    fn raw_scan(&self, table: Table) -> Result<(u64, u64)> {
        let snapshot = RocksdbSnapshot::open(&self.shared);
        snapshot.raw_scan(table)
    }

    /// A RocksDB checkpoint: hard links to the immutable table files plus copies of the rest,
    /// of one consistent state. RocksDB creates the directory itself, so the empty `dest` is
    /// removed first.
    fn backup(&self, dest: &Path) -> Result<()> {
        std::fs::remove_dir(dest)
            .map_err(|e| open_error(dest, format!("cannot use it for the backup: {e}")))?;
        let checkpoint = ::rocksdb::checkpoint::Checkpoint::new(&self.shared.db)
            .map_err(|error| engine_error(&self.shared.path, error))?;
        checkpoint
            .create_checkpoint(dest)
            .map_err(|error| open_error(dest, format!("cannot write the backup: {error}")))
    }
}
