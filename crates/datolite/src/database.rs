//! `Database`: the handle applications hold.

use std::path::Path;

use datolite_store::{
    BulkLoader, BulkOptions, BulkReport, Db, Store, StoreOptions, Tx, TxOp, TxReport,
};

use crate::Result;

/// An open database: transact into it, take snapshots of it. Cheap to clone; clones share the
/// engine. Drop every clone (and every snapshot) to close it.
#[derive(Clone)]
pub struct Database {
    store: Store,
}

impl Database {
    /// Opens (or creates, unless `options.kv.create_if_missing` is off) the database in directory
    /// `path`.
    pub fn open(path: impl AsRef<Path>, options: StoreOptions) -> Result<Database> {
        Ok(Database {
            store: Store::open(Some(path.as_ref()), options)?,
        })
    }

    /// Opens the database `options.kv.path` names (or a memory database when the engine is
    /// memory).
    pub fn open_with(options: StoreOptions) -> Result<Database> {
        let path = options.kv.path.clone();
        Ok(Database {
            store: Store::open(path.as_deref(), options)?,
        })
    }

    /// Creates a new, empty database where `options` point — the PostgreSQL schema
    /// `options.kv.postgres` names (opening never creates one), or the directory
    /// `options.kv.path` — and opens it. An existing database is an error; nothing in it
    /// changes.
    pub fn init(options: StoreOptions) -> Result<Database> {
        let path = options.kv.path.clone();
        Ok(Database {
            store: Store::init(path.as_deref(), options)?,
        })
    }

    /// A fresh in-memory database (nothing survives the process).
    pub fn memory() -> Result<Database> {
        Database::open_with(StoreOptions::memory())
    }

    /// Runs EDN transaction data atomically.
    pub fn transact(&self, edn: &str) -> Result<TxReport> {
        Ok(self.store.transact_edn(edn)?)
    }

    /// Runs a transaction built in Rust.
    pub fn transact_tx(&self, tx: &Tx) -> Result<TxReport> {
        Ok(self.store.transact(tx.ops())?)
    }

    /// Runs operations atomically.
    pub fn transact_ops(&self, ops: &[TxOp]) -> Result<TxReport> {
        Ok(self.store.transact(ops)?)
    }

    /// Loads many transactions in one atomic write, much faster than transacting them one by
    /// one: `feed` runs each through the [`BulkLoader`] it is given
    /// ([`BulkLoader::transact`], with [`Database::transact_ops`]'s semantics). Everything
    /// commits, with one sync, when `feed` returns `Ok`; nothing does when anything fails.
    /// `feed` may be called again from the start if the engine must grow its map, so it must
    /// produce the same transactions each time. See `Store::bulk_load`.
    pub fn bulk_load(
        &self,
        options: &BulkOptions,
        feed: impl FnMut(&mut BulkLoader<'_>) -> datolite_store::Result<()>,
    ) -> Result<BulkReport> {
        Ok(self.store.bulk_load(options, feed)?)
    }

    /// A snapshot of the latest committed state.
    pub fn db(&self) -> Result<Db> {
        Ok(self.store.db()?)
    }

    /// The storage options in force.
    pub fn options(&self) -> &StoreOptions {
        self.store.options()
    }

    /// Flushes committed data to disk (useful after bulk loads with relaxed sync).
    pub fn sync(&self) -> Result<()> {
        Ok(self.store.engine().sync()?)
    }

    /// Bytes used by the engine.
    pub fn size_on_disk(&self) -> Result<u64> {
        Ok(self.store.engine().size_on_disk()?)
    }

    /// The underlying store.
    pub fn store(&self) -> &Store {
        &self.store
    }
}
