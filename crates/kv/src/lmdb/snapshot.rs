//! LMDB snapshots: owned read transactions that can move between threads.

use std::sync::Arc;

use heed::{RoTxn, WithoutTls};

use super::errors::from_heed;
use super::readers::ReaderGuard;
use super::{Db, Shared};
use crate::{ReadTxn, Result, Table};

/// A read transaction that owns (a handle to) its environment, so it is `'static` and can be
/// boxed as a [`ReadTxn`]; `WithoutTls` makes it `Send`.
pub(super) struct LmdbSnapshot {
    /// Declared before `guard`: the transaction must close before the reader count drops.
    pub(super) txn: RoTxn<'static, WithoutTls>,
    guard: ReaderGuard,
}

impl LmdbSnapshot {
    /// Opens a snapshot of the latest commit. The caller holds the grow gate's read lock, so no
    /// remap can start between counting the reader and opening its transaction.
    pub(super) fn open(shared: &Arc<Shared>) -> Result<Self> {
        // Counted before the transaction exists: if opening fails, dropping the guard undoes it.
        let guard = ReaderGuard::new(Arc::clone(shared));
        let txn = shared.env.clone().static_read_txn().map_err(from_heed)?;
        Ok(LmdbSnapshot { txn, guard })
    }

    #[inline]
    fn db(&self, table: Table) -> Db {
        self.guard.shared.dbs[table.index()]
    }
}

super::ops::lmdb_read_ops!(LmdbSnapshot);

impl ReadTxn for LmdbSnapshot {}
