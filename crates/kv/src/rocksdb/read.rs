//! RocksDB snapshots and their reads: point gets, the scan loop and the seekable cursor.
//!
//! Invariants:
//! - A snapshot pins one RocksDB sequence number: every read through it — gets, scans,
//!   cursors — sees exactly the commits before it was opened.
//! - Iterators are bounded by the range itself (`iterate_lower_bound` / `iterate_upper_bound`),
//!   so RocksDB stops at the range's end without reading past it, and every valid entry lies in
//!   the range.
//! - RocksDB reuses an iterator's buffers when it moves, so a cursor's entry lasts only until
//!   the next move ([`KvCursor`]'s contract) and chunked key scans copy their keys.

use std::borrow::Cow;
use std::ops::Bound;
use std::sync::Arc;

use ::rocksdb::{DBRawIteratorWithThreadMode, ReadOptions, SnapshotWithThreadMode, DB};

use super::{engine_error, Shared};
use crate::range::half_open_bounds;
use crate::{Direction, KeyRange, KvCursor, ReadOps, ReadTxn, Result, Table, Visit};

/// A RocksDB snapshot that owns a handle on its database (so it can be boxed, sent to another
/// thread and outlive the call that opened it).
pub(crate) struct RocksdbSnapshot {
    // Declared before `shared`, so it is released before the database handle it borrows.
    snapshot: SnapshotWithThreadMode<'static, DB>,
    shared: Arc<Shared>,
}

impl RocksdbSnapshot {
    /// A snapshot of the latest commit.
    pub(crate) fn open(shared: &Arc<Shared>) -> Self {
        let snapshot = shared.db.snapshot();
        // SAFETY: the snapshot borrows `shared.db`, which lives inside the `Arc` kept in the
        // same struct (so it neither moves nor drops while the snapshot exists) and is dropped
        // after the snapshot (field order). Only the lifetime is changed.
        let snapshot = unsafe {
            std::mem::transmute::<SnapshotWithThreadMode<'_, DB>, SnapshotWithThreadMode<'static, DB>>(
                snapshot,
            )
        };
        RocksdbSnapshot {
            snapshot,
            shared: Arc::clone(shared),
        }
    }

    /// A raw iterator over `range` of `table`, bounded by the range, not yet positioned.
    fn iterator(
        &self,
        table: Table,
        range: &KeyRange,
    ) -> Result<DBRawIteratorWithThreadMode<'_, DB>> {
        let mut options = ReadOptions::default();
        let (start, end) = range.as_slices();
        let (lower, upper) = half_open_bounds(start, end);
        if let Some(lower) = lower {
            options.set_iterate_lower_bound(lower);
        }
        if let Some(upper) = upper {
            options.set_iterate_upper_bound(upper);
        }
        if self.shared.readahead > 0 {
            options.set_readahead_size(self.shared.readahead);
        }
        Ok(self
            .snapshot
            .raw_iterator_cf_opt(self.shared.cf(table)?, options))
    }
}

/// Moves `iter` one entry on in `direction`.
#[inline]
fn advance(iter: &mut DBRawIteratorWithThreadMode<'_, DB>, direction: Direction) {
    match direction {
        Direction::Forward => iter.next(),
        Direction::Reverse => iter.prev(),
    }
}

/// Puts `iter` on the first entry of its bounds in `direction` (the last, in reverse).
fn rewind(iter: &mut DBRawIteratorWithThreadMode<'_, DB>, direction: Direction) {
    match direction {
        Direction::Forward => iter.seek_to_first(),
        Direction::Reverse => iter.seek_to_last(),
    }
}

impl ReadOps for RocksdbSnapshot {
    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Cow<'_, [u8]>>> {
        let found = self
            .snapshot
            .get_pinned_cf_opt(self.shared.cf(table)?, key, ReadOptions::default())
            .map_err(|error| engine_error(&self.shared.path, error))?;
        Ok(found.map(|value| Cow::Owned(value.to_vec())))
    }

    fn scan(
        &self,
        table: Table,
        range: &KeyRange,
        direction: Direction,
        visit: &mut dyn FnMut(&[u8], &[u8]) -> Visit,
    ) -> Result<()> {
        if range.is_empty() {
            return Ok(());
        }
        let mut iter = self.iterator(table, range)?;
        rewind(&mut iter, direction);
        while let Some((key, value)) = iter.item() {
            if visit(key, value) == Visit::Stop {
                return Ok(());
            }
            advance(&mut iter, direction);
        }
        iter.status()
            .map_err(|error| engine_error(&self.shared.path, error))
    }

    fn scan_keys(
        &self,
        table: Table,
        range: &KeyRange,
        direction: Direction,
        visit: &mut dyn FnMut(&[&[u8]]) -> Visit,
    ) -> Result<()> {
        crate::overlay::scan_keys(self.cursor(table, range.clone(), direction)?, visit)
    }

    fn cursor<'t>(
        &'t self,
        table: Table,
        range: KeyRange,
        direction: Direction,
    ) -> Result<Box<dyn KvCursor<'t> + 't>> {
        let iter = self.iterator(table, &range)?;
        Ok(Box::new(RocksdbCursor {
            iter,
            state: if range.is_empty() {
                State::Done
            } else {
                State::Fresh
            },
            range,
            direction,
            shared: &self.shared,
        }))
    }
}

impl ReadTxn for RocksdbSnapshot {}

/// A pull cursor: one RocksDB iterator for its whole life, seeks included.
struct RocksdbCursor<'t> {
    iter: DBRawIteratorWithThreadMode<'t, DB>,
    range: KeyRange,
    direction: Direction,
    state: State,
    shared: &'t Shared,
}

/// Where the cursor stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Not yet positioned: `next` goes to the start of the range.
    Fresh,
    /// On the entry last returned.
    Live,
    /// Past the end of the range.
    Done,
}

impl RocksdbCursor<'_> {
    /// The entry the iterator stands on, remembering whether there is one.
    fn land(&mut self) -> Result<Option<(&[u8], &[u8])>> {
        self.iter
            .status()
            .map_err(|error| engine_error(&self.shared.path, error))?;
        self.state = if self.iter.valid() {
            State::Live
        } else {
            State::Done
        };
        Ok(self.iter.item())
    }
}

impl<'t> KvCursor<'t> for RocksdbCursor<'t> {
    fn next(&mut self) -> Result<Option<(&[u8], &[u8])>> {
        match self.state {
            State::Done => return Ok(None),
            State::Fresh => rewind(&mut self.iter, self.direction),
            State::Live => advance(&mut self.iter, self.direction),
        }
        self.land()
    }

    fn seek(&mut self, key: &[u8]) -> Result<Option<(&[u8], &[u8])>> {
        // The range clipped at `key`: inside the iterator's bounds by construction.
        match (self.range.seek_bounds(self.direction, key), self.direction) {
            (None, _) => {
                self.state = State::Done;
                return Ok(None);
            }
            (Some((Bound::Included(from), _)), Direction::Forward) => self.iter.seek(from),
            (Some((_, Bound::Included(to))), Direction::Reverse) => self.iter.seek_for_prev(to),
            (Some(_), direction) => rewind(&mut self.iter, direction),
        }
        self.land()
    }
}

impl RocksdbSnapshot {
    /// [`crate::Engine::raw_scan`]: every key of `table` through a bare iterator.
    pub(crate) fn raw_scan(&self, table: Table) -> Result<(u64, u64)> {
        let mut iter = self.iterator(table, &KeyRange::all())?;
        iter.seek_to_first();
        let (mut keys, mut bytes) = (0u64, 0u64);
        while let Some(key) = iter.key() {
            keys += 1;
            bytes += key.len() as u64;
            iter.next();
        }
        iter.status()
            .map_err(|error| engine_error(&self.shared.path, error))?;
        Ok((keys, bytes))
    }
}
