//! Reads shared by snapshots and write transactions: point gets and the scan hot path.

use super::cursor::walk;
use super::errors::from_lmdb;
use super::ffi::{Dbi, Txn};
use crate::limits::storable;
use crate::{Direction, KeyRange, Result, Visit};

/// The value under `key`, borrowed from the memory map.
#[inline]
pub(super) fn get<'t>(txn: &'t Txn, db: Dbi, key: &[u8]) -> Result<Option<&'t [u8]>> {
    if !storable(key) {
        // LMDB answers MDB_BAD_VALSIZE for such keys; for a lookup, "absent" is the truth.
        return Ok(None);
    }
    txn.get(db, key).map_err(from_lmdb)
}

/// Visits every key of `range` in `direction` until `visit` says stop.
///
/// This is the hot path of every full and range scan, so it is a bare loop over one LMDB
/// cursor: keys and values are slices into the memory map (no copy, no allocation per key), and
/// the far bound is checked once per key.
pub(super) fn scan(
    txn: &Txn,
    db: Dbi,
    range: &KeyRange,
    direction: Direction,
    visit: &mut dyn FnMut(&[u8], &[u8]) -> Visit,
) -> Result<()> {
    let mut cursor = txn.cursor(db).map_err(from_lmdb)?;
    walk(&mut cursor, range, direction, |(key, value)| {
        visit(key, value) == Visit::Continue
    })
}

/// [`crate::ReadOps::scan_keys`] over one LMDB table: keys collected into chunks of
/// [`crate::SCAN_CHUNK`]. Holding keys across cursor moves is sound: in a transaction that is
/// not written to, LMDB's pages never move, and the slices borrow the transaction.
pub(super) fn scan_keys(
    txn: &Txn,
    db: Dbi,
    range: &KeyRange,
    direction: Direction,
    visit: &mut dyn FnMut(&[&[u8]]) -> Visit,
) -> Result<()> {
    let mut cursor = txn.cursor(db).map_err(from_lmdb)?;
    let mut chunk: Vec<&[u8]> = Vec::with_capacity(crate::SCAN_CHUNK);
    let mut stopped = false;
    walk(&mut cursor, range, direction, |(key, _)| {
        chunk.push(key);
        if chunk.len() == crate::SCAN_CHUNK {
            stopped = visit(&chunk) == Visit::Stop;
            chunk.clear();
        }
        !stopped
    })?;
    if !stopped && !chunk.is_empty() {
        visit(&chunk);
    }
    Ok(())
}

/// Implements [`crate::ReadOps`] for a type with a `txn` field (an LMDB read or write
/// transaction) and a `db(table)` method: snapshots and write transactions read alike.
macro_rules! lmdb_read_ops {
    ($($ty:tt)+) => {
        impl $crate::ReadOps for $($ty)+ {
    fn get(
        &self,
        table: $crate::Table,
        key: &[u8],
    ) -> $crate::Result<Option<std::borrow::Cow<'_, [u8]>>> {
        Ok($crate::lmdb::ops::get(&self.txn, self.db(table), key)?.map(std::borrow::Cow::Borrowed))
    }

    fn scan(
        &self,
        table: $crate::Table,
        range: &$crate::KeyRange,
        direction: $crate::Direction,
        visit: &mut dyn FnMut(&[u8], &[u8]) -> $crate::Visit,
    ) -> $crate::Result<()> {
        $crate::lmdb::ops::scan(&self.txn, self.db(table), range, direction, visit)
    }

    fn scan_keys(
        &self,
        table: $crate::Table,
        range: &$crate::KeyRange,
        direction: $crate::Direction,
        visit: &mut dyn FnMut(&[&[u8]]) -> $crate::Visit,
    ) -> $crate::Result<()> {
        $crate::lmdb::ops::scan_keys(&self.txn, self.db(table), range, direction, visit)
    }

    fn cursor<'t>(
        &'t self,
        table: $crate::Table,
        range: $crate::KeyRange,
        direction: $crate::Direction,
    ) -> $crate::Result<Box<dyn $crate::KvCursor<'t> + 't>> {
        let cursor = self
            .txn
            .cursor(self.db(table))
            .map_err($crate::lmdb::errors::from_lmdb)?;
        Ok(Box::new($crate::lmdb::cursor::LmdbCursor::new(
            cursor, range, direction,
        )))
    }
}
    };
}
pub(super) use lmdb_read_ops;
