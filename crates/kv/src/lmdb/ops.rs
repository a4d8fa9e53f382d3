//! Reads shared by snapshots and write transactions: point gets and the scan hot path.

use heed::RoTxn;

use super::errors::from_heed;
use super::Db;
use crate::limits::storable;
use crate::{Direction, KeyRange, Result, Visit};

/// The value under `key`, borrowed from the memory map.
#[inline]
pub(super) fn get<'t>(txn: &'t RoTxn<'_>, db: Db, key: &[u8]) -> Result<Option<&'t [u8]>> {
    if !storable(key) {
        // LMDB answers MDB_BAD_VALSIZE for such keys; for a lookup, "absent" is the truth.
        return Ok(None);
    }
    db.get(txn, key).map_err(from_heed)
}

/// Visits every key of `range` in `direction` until `visit` says stop.
///
/// This is the hot path of every full and range scan, so it is a bare loop over heed's
/// iterators: keys and values are slices into the memory map (no copy, no allocation per key),
/// and bounds are checked once per key by heed itself. A full scan uses the plain iterators,
/// which skip even that comparison.
pub(super) fn scan(
    txn: &RoTxn<'_>,
    db: Db,
    range: &KeyRange,
    direction: Direction,
    visit: &mut dyn FnMut(&[u8], &[u8]) -> Visit,
) -> Result<()> {
    if range.is_empty() {
        return Ok(());
    }
    match (direction, range.is_all()) {
        (Direction::Forward, true) => drive(db.iter(txn).map_err(from_heed)?, visit),
        (Direction::Forward, false) => {
            drive(db.range(txn, &range.as_slices()).map_err(from_heed)?, visit)
        }
        (Direction::Reverse, true) => drive(db.rev_iter(txn).map_err(from_heed)?, visit),
        (Direction::Reverse, false) => drive(
            db.rev_range(txn, &range.as_slices()).map_err(from_heed)?,
            visit,
        ),
    }
}

/// Feeds an iterator's items to `visit`; generic so each iterator type gets its own inlined loop.
#[inline(always)]
fn drive<'t, I>(iter: I, visit: &mut dyn FnMut(&[u8], &[u8]) -> Visit) -> Result<()>
where
    I: Iterator<Item = heed::Result<(&'t [u8], &'t [u8])>>,
{
    for item in iter {
        let (key, value) = item.map_err(from_heed)?;
        if let Visit::Stop = visit(key, value) {
            break;
        }
    }
    Ok(())
}

/// [`crate::ReadOps::scan_keys`] over one LMDB database.
pub(super) fn scan_keys(
    txn: &RoTxn<'_>,
    db: Db,
    range: &KeyRange,
    direction: Direction,
    visit: &mut dyn FnMut(&[&[u8]]) -> Visit,
) -> Result<()> {
    if range.is_empty() {
        return Ok(());
    }
    match (direction, range.is_all()) {
        (Direction::Forward, true) => drive_chunks(db.iter(txn).map_err(from_heed)?, visit),
        (Direction::Forward, false) => {
            drive_chunks(db.range(txn, &range.as_slices()).map_err(from_heed)?, visit)
        }
        (Direction::Reverse, true) => drive_chunks(db.rev_iter(txn).map_err(from_heed)?, visit),
        (Direction::Reverse, false) => drive_chunks(
            db.rev_range(txn, &range.as_slices()).map_err(from_heed)?,
            visit,
        ),
    }
}

/// Collects keys into chunks of [`crate::SCAN_CHUNK`] and hands each to `visit`. Holding keys
/// across cursor moves is sound: in a read transaction LMDB's pages never move, and heed ties
/// the slices to the transaction's lifetime.
#[inline(always)]
fn drive_chunks<'t, I>(iter: I, visit: &mut dyn FnMut(&[&[u8]]) -> Visit) -> Result<()>
where
    I: Iterator<Item = heed::Result<(&'t [u8], &'t [u8])>>,
{
    let mut chunk: Vec<&'t [u8]> = Vec::with_capacity(crate::SCAN_CHUNK);
    for item in iter {
        let (key, _) = item.map_err(from_heed)?;
        chunk.push(key);
        if chunk.len() == crate::SCAN_CHUNK {
            if let Visit::Stop = visit(&chunk) {
                return Ok(());
            }
            chunk.clear();
        }
    }
    if !chunk.is_empty() {
        visit(&chunk);
    }
    Ok(())
}

/// Implements [`crate::ReadOps`] for a type with a `txn` field (a heed read or write
/// transaction) and a `db(table)` method: snapshots and write transactions read alike.
macro_rules! lmdb_read_ops {
    ($($ty:tt)+) => {
        impl $crate::ReadOps for $($ty)+ {
    fn get(&self, table: $crate::Table, key: &[u8]) -> $crate::Result<Option<&[u8]>> {
        $crate::lmdb::ops::get(&self.txn, self.db(table), key)
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
        Ok(Box::new($crate::lmdb::cursor::LmdbCursor::new(
            &self.txn,
            self.db(table),
            range,
            direction,
        )?))
    }
}
    };
}
pub(super) use lmdb_read_ops;
