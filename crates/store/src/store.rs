//! The store: an engine plus the caches of the latest committed version, and the entry point of
//! writes.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use datolite_kv::{init_engine, open_engine, write_with, Engine, WriteTxn};

use crate::bootstrap::bootstrap_into;
use crate::meta;
use crate::snapshot::Db;
use crate::stats::Stats;
use crate::transactor::{parse_tx_data, TxOp, TxReport};
use crate::version::{StoreInner, Version};
use crate::Result;
use crate::StoreOptions;

/// A datom store over one engine. Cheap to clone; clones share the engine.
#[derive(Clone)]
pub struct Store {
    pub(crate) inner: Arc<StoreInner>,
}

impl Store {
    /// Opens (creating when allowed) the store at `path` with `options`. The memory engine
    /// ignores `path`.
    pub fn open(path: Option<&Path>, options: StoreOptions) -> Result<Store> {
        options.validate()?;
        let engine = open_engine(path, &options.engine_options())?;
        Store::with_engine(engine, options)
    }

    /// Creates a new, empty database where `path` and `options` point (a PostgreSQL schema,
    /// which opening never creates, or an engine's directory) and opens it; an existing
    /// database is an error and stays as it was.
    pub fn init(path: Option<&Path>, options: StoreOptions) -> Result<Store> {
        options.validate()?;
        let engine = init_engine(path, &options.engine_options())?;
        Store::with_engine(engine, options)
    }

    /// A store over an already opened engine.
    pub fn with_engine(engine: Arc<dyn Engine>, mut options: StoreOptions) -> Result<Store> {
        // Opening writes only when there is something to write (a new database, a migration,
        // statistics to recount), so readers open however busy another process's writer is;
        // each write checks again inside its transaction, as another process may have done it.
        let threshold = options.inline_value_threshold as u64;
        let read = engine.read()?;
        let bootstrapped = meta::get_u64(read.as_ref(), meta::BASIS_T)?.is_some();
        drop(read);
        if !bootstrapped {
            write_with(engine.as_ref(), |txn| -> Result<()> {
                if meta::get_u64(&*txn, meta::BASIS_T)?.is_none() {
                    bootstrap_into(txn, threshold)?;
                }
                Ok(())
            })?;
        }
        let read = engine.read()?;
        let mut format = meta::require_u64(read.as_ref(), meta::FORMAT)?;
        drop(read);
        if (meta::FORMAT_UPGRADABLE..meta::FORMAT_VERSION).contains(&format) {
            write_with(engine.as_ref(), |txn| -> Result<()> {
                // Another process may have upgraded meanwhile: look again inside the write.
                let found = meta::require_u64(&*txn, meta::FORMAT)?;
                if found == meta::FORMAT_UPGRADABLE {
                    crate::migrate::upgrade_to_history(txn)?;
                }
                if (meta::FORMAT_UPGRADABLE..=meta::FORMAT_HISTORY).contains(&found) {
                    crate::migrate::upgrade_to_packed_log(txn)?;
                }
                Ok(())
            })?;
            format = meta::FORMAT_VERSION;
        }
        let read = engine.read()?;
        if format != meta::FORMAT_VERSION {
            return Err(crate::StoreError::FormatVersion {
                found: format,
                expected: meta::FORMAT_VERSION,
            });
        }
        // The key encoding depends on the threshold the database was created with; it wins over
        // the option for existing databases.
        if let Some(stored) = meta::get_u64(read.as_ref(), meta::INLINE_THRESHOLD)? {
            options.inline_value_threshold = stored as usize;
        }
        let exact = meta::get_u64(read.as_ref(), meta::STATS_EXACT)?.unwrap_or(1) == 1;
        drop(read);
        if options.stats && !exact {
            write_with(engine.as_ref(), |txn| -> Result<()> {
                if meta::get_u64(&*txn, meta::STATS_EXACT)?.unwrap_or(1) == 1 {
                    return Ok(());
                }
                rebuild_stats(txn)
            })?;
        }
        let read = engine.read()?;
        let version = Arc::new(Version::load(read.as_ref())?);
        drop(read);
        Ok(Store {
            inner: Arc::new(StoreInner {
                engine,
                options,
                latest: Mutex::new(version),
                group: Default::default(),
            }),
        })
    }

    /// The options in force (with the database's own inline threshold).
    pub fn options(&self) -> &StoreOptions {
        &self.inner.options
    }

    /// The engine.
    pub fn engine(&self) -> &Arc<dyn Engine> {
        &self.inner.engine
    }

    /// A snapshot of the latest committed state.
    pub fn db(&self) -> Result<Db> {
        Db::open(self.inner.clone())
    }

    /// Runs EDN transaction data.
    pub fn transact_edn(&self, text: &str) -> Result<TxReport> {
        self.transact(&parse_tx_data(text)?)
    }

    /// Engine commits this store made through `transact`, and the transactions they carried
    /// (more transactions than commits: group commit at work).
    pub fn commit_counts(&self) -> (u64, u64) {
        self.inner.group.counts()
    }

    /// Runs operations as one atomic transaction. Transactions from several threads at once
    /// share commits (group commit, `group.rs`); each is acknowledged once durable.
    pub fn transact(&self, ops: &[TxOp]) -> Result<TxReport> {
        self.inner.group.transact(&self.inner, ops, now_millis())
    }
}

/// Replaces the stored statistics with a recount, and marks them exact.
pub(crate) fn rebuild_stats(txn: &mut dyn WriteTxn) -> Result<()> {
    let stats = Stats::recount(&*txn)?;
    let ids: Vec<u32> = stats.attributes.keys().copied().collect();
    clear_stats(txn)?;
    stats.store(txn, ids)?;
    meta::put_u64(txn, meta::STATS_EXACT, 1)
}

fn clear_stats(txn: &mut dyn WriteTxn) -> Result<()> {
    let mut keys = Vec::new();
    txn.scan(
        datolite_kv::Table::Stats,
        &datolite_kv::KeyRange::all(),
        datolite_kv::Direction::Forward,
        &mut |k, _| {
            keys.push(k.to_vec());
            datolite_kv::Visit::Continue
        },
    )?;
    for key in keys {
        txn.delete(datolite_kv::Table::Stats, &key)?;
    }
    Ok(())
}

/// Milliseconds since the Unix epoch (0 if the clock is before 1970).
pub(crate) fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
