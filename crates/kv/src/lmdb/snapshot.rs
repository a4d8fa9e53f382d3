//! LMDB snapshots: owned read transactions that can move between threads.

use std::sync::Arc;

use super::ffi::{Dbi, LmdbError, Txn};
use super::readers::ReaderGuard;
use super::Shared;
use crate::{ReadTxn, Table};

/// A read transaction plus (through its guard) the environment it reads, so it is `'static`
/// and can be boxed as a [`ReadTxn`]; opened under `MDB_NOTLS`, it is `Send`.
pub(super) struct LmdbSnapshot {
    /// Declared before `guard`: the transaction must close before the reader count drops and
    /// before the environment can close.
    pub(super) txn: Txn,
    guard: ReaderGuard,
}

impl LmdbSnapshot {
    /// Opens a snapshot of the latest commit. The caller holds the grow gate's read lock, so no
    /// remap can start between counting the reader and opening its transaction.
    /// The raw LMDB error is returned so the caller can recognize `MDB_MAP_RESIZED`.
    pub(super) fn open(shared: &Arc<Shared>) -> std::result::Result<Self, LmdbError> {
        // Counted before the transaction exists: if opening fails, dropping the guard undoes it.
        let guard = ReaderGuard::new(Arc::clone(shared));
        let txn = shared.env.begin_read()?;
        Ok(LmdbSnapshot { txn, guard })
    }

    #[inline]
    pub(super) fn db(&self, table: Table) -> Dbi {
        self.guard.shared.dbs[table.index()]
    }
}

super::ops::lmdb_read_ops!(LmdbSnapshot);

impl ReadTxn for LmdbSnapshot {}
