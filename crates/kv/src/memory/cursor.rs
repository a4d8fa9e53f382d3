//! Pull cursors over a memory table.

use imbl::ordmap::RangedIter;
use imbl::shared_ptr::DefaultSharedPtr;

use super::Map;
use crate::{Direction, KeyRange, KvCursor, Result};

/// A cursor over `range` of one table; seeking re-creates the range iterator (a B-tree descent).
pub(super) struct MemoryCursor<'t> {
    map: &'t Map,
    range: KeyRange,
    direction: Direction,
    /// `None` once nothing is left.
    iter: Option<RangedIter<'t, Vec<u8>, Vec<u8>, DefaultSharedPtr>>,
}

impl<'t> MemoryCursor<'t> {
    /// A cursor at the start of `range` (its end, for [`Direction::Reverse`]).
    pub(super) fn new(map: &'t Map, range: KeyRange, direction: Direction) -> Self {
        let iter = (!range.is_empty()).then(|| map.range::<_, [u8]>(range.as_slices()));
        MemoryCursor {
            map,
            range,
            direction,
            iter,
        }
    }
}

impl<'t> KvCursor<'t> for MemoryCursor<'t> {
    fn next(&mut self) -> Result<Option<(&[u8], &[u8])>> {
        let Some(iter) = &mut self.iter else {
            return Ok(None);
        };
        let entry = match self.direction {
            Direction::Forward => iter.next(),
            Direction::Reverse => iter.next_back(),
        };
        Ok(entry.map(|(key, value)| (key.as_slice(), value.as_slice())))
    }

    fn seek(&mut self, key: &[u8]) -> Result<Option<(&[u8], &[u8])>> {
        self.iter = self
            .range
            .seek_bounds(self.direction, key)
            .map(|bounds| self.map.range::<_, [u8]>(bounds));
        self.next()
    }
}
