//! Pull cursors over LMDB ranges.

use std::ops::Bound;

use heed::types::Bytes;
use heed::{RoRange, RoRevRange, RoTxn};

use super::errors::from_heed;
use super::Db;
use crate::{Direction, KeyRange, KvCursor, Result};

/// A cursor over `range`: heed's range iterator, re-created on every seek (heed keeps its raw
/// LMDB cursor private, and a seek is a B-tree descent either way).
pub(super) struct LmdbCursor<'t> {
    txn: &'t RoTxn<'t>,
    db: Db,
    range: KeyRange,
    direction: Direction,
    position: Position<'t>,
}

/// Where the cursor stands.
enum Position<'t> {
    /// Iterating forward.
    Forward(RoRange<'t, Bytes, Bytes>),
    /// Iterating backward.
    Reverse(RoRevRange<'t, Bytes, Bytes>),
    /// Past the end of the range (or the range is empty).
    Done,
}

impl<'t> LmdbCursor<'t> {
    /// A cursor at the start of `range` (its end, for [`Direction::Reverse`]).
    pub(super) fn new(
        txn: &'t RoTxn<'t>,
        db: Db,
        range: KeyRange,
        direction: Direction,
    ) -> Result<Self> {
        let mut cursor = LmdbCursor {
            txn,
            db,
            range,
            direction,
            position: Position::Done,
        };
        if !cursor.range.is_empty() {
            let (start, end) = cursor.range.as_slices();
            cursor.position = cursor.open(start, end)?;
        }
        Ok(cursor)
    }

    /// A heed iterator over `start..end` in the cursor's direction.
    fn open(&self, start: Bound<&[u8]>, end: Bound<&[u8]>) -> Result<Position<'t>> {
        let bounds = (start, end);
        Ok(match self.direction {
            Direction::Forward => {
                Position::Forward(self.db.range(self.txn, &bounds).map_err(from_heed)?)
            }
            Direction::Reverse => {
                Position::Reverse(self.db.rev_range(self.txn, &bounds).map_err(from_heed)?)
            }
        })
    }
}

impl<'t> KvCursor<'t> for LmdbCursor<'t> {
    fn next(&mut self) -> Result<Option<(&'t [u8], &'t [u8])>> {
        match &mut self.position {
            Position::Forward(iter) => iter.next().transpose().map_err(from_heed),
            Position::Reverse(iter) => iter.next().transpose().map_err(from_heed),
            Position::Done => Ok(None),
        }
    }

    fn seek(&mut self, key: &[u8]) -> Result<Option<(&'t [u8], &'t [u8])>> {
        self.position = match self.range.seek_bounds(self.direction, key) {
            Some((start, end)) => self.open(start, end)?,
            None => Position::Done,
        };
        self.next()
    }
}
