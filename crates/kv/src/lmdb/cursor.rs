//! Walking key ranges with LMDB cursors: the scan loops and the seekable [`LmdbCursor`].
//!
//! A seek is `MDB_SET_RANGE` on the cursor already in use, so lookups made in key order stay
//! on the leaf page the cursor stands on whenever the key is there (see `ffi.rs`).

use std::ops::Bound;

use super::errors::from_lmdb;
use super::ffi::{Cursor, Entry, LmdbError};
use crate::{Direction, KeyRange, KvCursor, Result};

/// Positions `cursor` on the first entry between `start` and `end` in `direction` (for
/// [`Direction::Reverse`], the last one).
#[inline]
pub(super) fn position<'t>(
    cursor: &mut Cursor<'t>,
    (start, end): (Bound<&[u8]>, Bound<&[u8]>),
    direction: Direction,
) -> Result<Option<Entry<'t>>> {
    let found = match direction {
        Direction::Forward => match start {
            Bound::Unbounded => cursor.first(),
            Bound::Included(s) => cursor.seek(s),
            Bound::Excluded(s) => match cursor.seek(s) {
                Ok(Some((k, _))) if k == s => cursor.next(),
                other => other,
            },
        },
        Direction::Reverse => match end {
            Bound::Unbounded => cursor.last(),
            Bound::Included(e) => match cursor.seek(e) {
                Ok(Some((k, v))) if k == e => Ok(Some((k, v))),
                Ok(Some(_)) => cursor.prev(),
                Ok(None) => cursor.last(),
                Err(error) => Err(error),
            },
            Bound::Excluded(e) => match cursor.seek(e) {
                Ok(Some(_)) => cursor.prev(),
                Ok(None) => cursor.last(),
                Err(error) => Err(error),
            },
        },
    }
    .map_err(from_lmdb)?;
    Ok(found.filter(|(k, _)| match direction {
        Direction::Forward => below(end, k),
        Direction::Reverse => above(start, k),
    }))
}

/// The entry after the cursor's in `direction`, if it is still inside `range`.
#[inline]
pub(super) fn step<'t>(
    cursor: &mut Cursor<'t>,
    range: &KeyRange,
    direction: Direction,
) -> Result<Option<Entry<'t>>> {
    Ok(match direction {
        Direction::Forward => cursor
            .next()
            .map_err(from_lmdb)?
            .filter(|(k, _)| range.before_end(k)),
        Direction::Reverse => cursor
            .prev()
            .map_err(from_lmdb)?
            .filter(|(k, _)| range.after_start(k)),
    })
}

/// Calls `each` with every entry of `range` in `direction` until it returns `false`: the scan
/// hot path. The loop is specialized per direction and per open or closed far end, so a full
/// scan pays one `mdb_cursor_get` per key and nothing else.
#[inline(always)]
pub(super) fn walk<'t>(
    cursor: &mut Cursor<'t>,
    range: &KeyRange,
    direction: Direction,
    each: impl FnMut(Entry<'t>) -> bool,
) -> Result<()> {
    if range.is_empty() {
        return Ok(());
    }
    let first = position(cursor, range.as_slices(), direction)?;
    match (direction, &range.start, &range.end) {
        (Direction::Forward, _, Bound::Unbounded) => drive(cursor, first, each, Cursor::next),
        (Direction::Forward, _, _) => drive(cursor, first, each, |c| {
            Ok(c.next()?.filter(|(k, _)| range.before_end(k)))
        }),
        (Direction::Reverse, Bound::Unbounded, _) => drive(cursor, first, each, Cursor::prev),
        (Direction::Reverse, _, _) => drive(cursor, first, each, |c| {
            Ok(c.prev()?.filter(|(k, _)| range.after_start(k)))
        }),
    }
}

/// The loop of [`walk`], monomorphized per way of advancing.
#[inline(always)]
fn drive<'t>(
    cursor: &mut Cursor<'t>,
    first: Option<Entry<'t>>,
    mut each: impl FnMut(Entry<'t>) -> bool,
    mut advance: impl FnMut(&mut Cursor<'t>) -> std::result::Result<Option<Entry<'t>>, LmdbError>,
) -> Result<()> {
    let mut next = first;
    while let Some(entry) = next {
        if !each(entry) {
            break;
        }
        next = advance(cursor).map_err(from_lmdb)?;
    }
    Ok(())
}

/// Whether `key` is before the end bound `end`.
#[inline]
fn below(end: Bound<&[u8]>, key: &[u8]) -> bool {
    match end {
        Bound::Unbounded => true,
        Bound::Included(e) => key <= e,
        Bound::Excluded(e) => key < e,
    }
}

/// Whether `key` is after the start bound `start`.
#[inline]
fn above(start: Bound<&[u8]>, key: &[u8]) -> bool {
    match start {
        Bound::Unbounded => true,
        Bound::Included(s) => key >= s,
        Bound::Excluded(s) => key > s,
    }
}

/// A pull cursor over `range`: one LMDB cursor for its whole life, seeks included.
pub(super) struct LmdbCursor<'t> {
    cursor: Cursor<'t>,
    range: KeyRange,
    direction: Direction,
    state: State,
}

/// Where the cursor stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Not yet positioned: `next` goes to the start of the range.
    Fresh,
    /// On the entry last returned.
    Live,
    /// Past the end of the range. (LMDB would answer `MDB_NEXT` on a cursor whose seek found
    /// nothing with the table's first key, so this is remembered here.)
    Done,
}

impl<'t> LmdbCursor<'t> {
    /// A cursor at the start of `range` (its end, for [`Direction::Reverse`]).
    pub(super) fn new(cursor: Cursor<'t>, range: KeyRange, direction: Direction) -> Self {
        let state = if range.is_empty() {
            State::Done
        } else {
            State::Fresh
        };
        LmdbCursor {
            cursor,
            range,
            direction,
            state,
        }
    }

    fn land(&mut self, found: Option<Entry<'t>>) -> Option<Entry<'t>> {
        self.state = if found.is_some() {
            State::Live
        } else {
            State::Done
        };
        found
    }
}

impl<'t> KvCursor<'t> for LmdbCursor<'t> {
    fn next(&mut self) -> Result<Option<(&[u8], &[u8])>> {
        let found = match self.state {
            State::Done => return Ok(None),
            State::Fresh => position(&mut self.cursor, self.range.as_slices(), self.direction)?,
            State::Live => step(&mut self.cursor, &self.range, self.direction)?,
        };
        Ok(self.land(found))
    }

    fn seek(&mut self, key: &[u8]) -> Result<Option<(&[u8], &[u8])>> {
        let found = match self.range.seek_bounds(self.direction, key) {
            Some(bounds) => position(&mut self.cursor, bounds, self.direction)?,
            None => None,
        };
        Ok(self.land(found))
    }
}
