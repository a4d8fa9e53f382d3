//! LMDB snapshots: owned read transactions that can move between threads.

use std::sync::Arc;

use heed::{RoTxn, WithoutTls};

use super::cursor::LmdbCursor;
use super::errors::from_heed;
use super::readers::ReaderGuard;
use super::{ops, Db, Shared};
use crate::{Direction, KeyRange, KvCursor, ReadOps, ReadTxn, Result, Table, Visit};

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

impl ReadOps for LmdbSnapshot {
    fn get(&self, table: Table, key: &[u8]) -> Result<Option<&[u8]>> {
        ops::get(&self.txn, self.db(table), key)
    }

    fn scan(
        &self,
        table: Table,
        range: &KeyRange,
        direction: Direction,
        visit: &mut dyn FnMut(&[u8], &[u8]) -> Visit,
    ) -> Result<()> {
        ops::scan(&self.txn, self.db(table), range, direction, visit)
    }

    fn scan_keys(
        &self,
        table: Table,
        range: &KeyRange,
        direction: Direction,
        visit: &mut dyn FnMut(&[&[u8]]) -> Visit,
    ) -> Result<()> {
        ops::scan_keys(&self.txn, self.db(table), range, direction, visit)
    }

    fn cursor<'t>(
        &'t self,
        table: Table,
        range: KeyRange,
        direction: Direction,
    ) -> Result<Box<dyn KvCursor<'t> + 't>> {
        Ok(Box::new(LmdbCursor::new(
            &self.txn,
            self.db(table),
            range,
            direction,
        )?))
    }
}

impl ReadTxn for LmdbSnapshot {}
