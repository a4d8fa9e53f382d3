//! Key ranges and scan directions.

use std::ops::Bound;

/// Scan direction over a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Direction {
    /// Ascending byte order.
    #[default]
    Forward,
    /// Descending byte order.
    Reverse,
}

/// Borrowed key bounds, the form `RangeBounds<[u8]>` APIs (LMDB, B-tree maps) take.
pub type SliceBounds<'a> = (Bound<&'a [u8]>, Bound<&'a [u8]>);

/// A range of keys, with owned bounds so it can be sent to worker threads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRange {
    /// Lower bound.
    pub start: Bound<Vec<u8>>,
    /// Upper bound.
    pub end: Bound<Vec<u8>>,
}

impl KeyRange {
    /// Every key of the table.
    pub fn all() -> Self {
        KeyRange {
            start: Bound::Unbounded,
            end: Bound::Unbounded,
        }
    }

    /// Every key that starts with `prefix`.
    pub fn prefix(prefix: &[u8]) -> Self {
        let start = if prefix.is_empty() {
            Bound::Unbounded
        } else {
            Bound::Included(prefix.to_vec())
        };
        let end = match prefix_successor(prefix) {
            Some(next) => Bound::Excluded(next),
            None => Bound::Unbounded,
        };
        KeyRange { start, end }
    }

    /// Keys `k` with `start <= k < end`.
    pub fn half_open(start: &[u8], end: &[u8]) -> Self {
        KeyRange {
            start: Bound::Included(start.to_vec()),
            end: Bound::Excluded(end.to_vec()),
        }
    }

    /// Whether `key` lies inside the range.
    pub fn contains(&self, key: &[u8]) -> bool {
        let after_start = match &self.start {
            Bound::Unbounded => true,
            Bound::Included(s) => key >= s.as_slice(),
            Bound::Excluded(s) => key > s.as_slice(),
        };
        after_start && self.before_end(key)
    }

    /// Whether no key at all can lie inside the range (its bounds are inverted or touch without
    /// including anything). Engines check this first because some range APIs panic on it.
    pub fn is_empty(&self) -> bool {
        match (&self.start, &self.end) {
            (Bound::Included(s), Bound::Included(e)) => s > e,
            (Bound::Included(s), Bound::Excluded(e))
            | (Bound::Excluded(s), Bound::Included(e))
            | (Bound::Excluded(s), Bound::Excluded(e)) => s >= e,
            _ => false,
        }
    }

    /// Whether the range is unbounded on both sides (a full table scan).
    pub fn is_all(&self) -> bool {
        matches!(
            (&self.start, &self.end),
            (Bound::Unbounded, Bound::Unbounded)
        )
    }

    /// Borrowed bounds, in the form `RangeBounds<[u8]>` APIs (LMDB, B-tree maps) take.
    pub fn as_slices(&self) -> SliceBounds<'_> {
        (as_slice(&self.start), as_slice(&self.end))
    }

    /// The bounds a cursor moving in `direction` iterates after seeking to `key`: the range
    /// clipped to start at `key` (to end at it, in reverse), or the whole range when `key` lies
    /// before it. `None` when nothing is left (`key` lies beyond the far end, or the range is
    /// empty). Shared by the engines so their cursors agree exactly.
    pub(crate) fn seek_bounds<'a>(
        &'a self,
        direction: Direction,
        key: &'a [u8],
    ) -> Option<SliceBounds<'a>> {
        if self.is_empty() {
            return None;
        }
        let (start, end) = self.as_slices();
        match direction {
            Direction::Forward if !self.before_end(key) => None,
            Direction::Forward if self.after_start(key) => Some((Bound::Included(key), end)),
            Direction::Reverse if !self.after_start(key) => None,
            Direction::Reverse if self.before_end(key) => Some((start, Bound::Included(key))),
            _ => Some((start, end)),
        }
    }

    /// Whether `key` is not past the upper bound.
    #[inline]
    pub fn before_end(&self, key: &[u8]) -> bool {
        match &self.end {
            Bound::Unbounded => true,
            Bound::Included(e) => key <= e.as_slice(),
            Bound::Excluded(e) => key < e.as_slice(),
        }
    }

    /// Whether `key` is not before the lower bound.
    #[inline]
    pub fn after_start(&self, key: &[u8]) -> bool {
        match &self.start {
            Bound::Unbounded => true,
            Bound::Included(s) => key >= s.as_slice(),
            Bound::Excluded(s) => key > s.as_slice(),
        }
    }
}

/// A borrowed view of an owned bound.
fn as_slice(bound: &Bound<Vec<u8>>) -> Bound<&[u8]> {
    match bound {
        Bound::Included(key) => Bound::Included(key.as_slice()),
        Bound::Excluded(key) => Bound::Excluded(key.as_slice()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

/// The bounds of `(start, end)` as engines that take an inclusive lower and an exclusive
/// upper bound want them (RocksDB's iterator bounds, PostgreSQL's `k >= $lo AND k < $hi`):
/// an excluded start or an included end becomes its [`successor`]; `None` is unbounded.
#[cfg(any(feature = "rocksdb", feature = "postgres"))]
pub(crate) fn half_open_bounds(
    start: Bound<&[u8]>,
    end: Bound<&[u8]>,
) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
    let lower = match start {
        Bound::Unbounded => None,
        Bound::Included(key) => Some(key.to_vec()),
        Bound::Excluded(key) => Some(successor(key)),
    };
    let upper = match end {
        Bound::Unbounded => None,
        Bound::Included(key) => Some(successor(key)),
        Bound::Excluded(key) => Some(key.to_vec()),
    };
    (lower, upper)
}

/// The smallest key greater than `key`: `key` with a zero byte appended.
#[cfg(any(feature = "rocksdb", feature = "postgres"))]
pub(crate) fn successor(key: &[u8]) -> Vec<u8> {
    let mut next = Vec::with_capacity(key.len() + 1);
    next.extend_from_slice(key);
    next.push(0);
    next
}

/// The smallest byte string greater than every string starting with `prefix`, or `None` when no
/// such string exists (the prefix is empty or all `0xFF`).
pub fn prefix_successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut next = prefix.to_vec();
    while let Some(last) = next.pop() {
        if last < 0xFF {
            next.push(last + 1);
            return Some(next);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_range_contains_exactly_the_prefixed_keys() {
        let r = KeyRange::prefix(&[1, 0xFF]);
        assert!(r.contains(&[1, 0xFF]));
        assert!(r.contains(&[1, 0xFF, 0, 7]));
        assert!(!r.contains(&[1, 0xFE, 9]));
        assert!(!r.contains(&[2]));
        assert_eq!(prefix_successor(&[0xFF, 0xFF]), None);
    }

    #[test]
    fn empty_ranges_are_recognized() {
        assert!(KeyRange::half_open(b"b", b"a").is_empty());
        assert!(KeyRange::half_open(b"a", b"a").is_empty());
        assert!(!KeyRange::half_open(b"a", b"a\0").is_empty());
        let point = KeyRange {
            start: Bound::Included(b"a".to_vec()),
            end: Bound::Included(b"a".to_vec()),
        };
        assert!(!point.is_empty());
        assert!(!KeyRange::all().is_empty() && KeyRange::all().is_all());
        assert!(!KeyRange::prefix(&[0xFF]).is_empty());
    }
}
