//! What one snapshot already knows of an index: rows it fetched in *windows*, and the key
//! intervals in which those rows are all the rows there are. A point read or a short forward
//! read that falls inside a known interval needs no round trip.
//!
//! Why: the transactor and `pull` read one small prefix per entity (`[e a]` for a
//! cardinality-one attribute, `[a v]` for a unique value or an upsert), each a round trip of
//! its own, so updating 10,000 existing entities took 10,000s of round trips. Such reads come
//! in key order more often than not (entities in id order, values in order), so each uncovered
//! read fetches a window of the rows from its start on, and the next reads land inside it. The
//! window doubles while many reads land in it (up to `fetch_rows`) and falls back to its first
//! size when none do, so scattered reads fetch little beyond what they asked for.
//!
//! Invariants:
//! - An interval `[lo, end)` is recorded only from a forward query from `lo` that returned
//!   every row up to `end`: up to its last row when it came back full, to the end of the table
//!   when it came back short.
//! - A snapshot's data never changes, so what it knows stays true for its whole life, and it
//!   is dropped with the snapshot (per-snapshot, unlike the shared cache of `cache.rs`).
//! - Memory is bounded: a table's knowledge past [`TABLE_BYTES`] is forgotten all at once.

use std::collections::BTreeMap;
use std::ops::Bound;

use super::cache::Rows;
use crate::range::successor;
use crate::Table;

/// Rows of a table's first window (and of a window after a read that missed).
pub(crate) const FIRST_WINDOW: u32 = 32;

/// Bytes of keys and values one snapshot keeps per table before forgetting them (eight tables
/// are windowed: at most 32 MiB per snapshot, about 100,000 datoms' index rows per table).
const TABLE_BYTES: usize = 4 << 20;

/// Whether reads of `table` go through windows: the indexes, whose reads come in key order.
/// The log is read in long scans, and `Values` holds long values that a window would fetch in
/// bulk for nothing; `Stats` and `Meta` are read once per transaction.
pub(crate) fn windowed(table: Table) -> bool {
    matches!(
        table,
        Table::Eavt
            | Table::Aevt
            | Table::Avet
            | Table::Vaet
            | Table::EavtHistory
            | Table::AevtHistory
            | Table::AvetHistory
            | Table::VaetHistory
    )
}

/// What a snapshot knows of one table.
#[derive(Debug)]
pub(crate) struct Known {
    rows: BTreeMap<Vec<u8>, Vec<u8>>,
    /// Known intervals, by start: their exclusive end (`None`: the end of the table). They never
    /// overlap or touch (touching ones are merged).
    intervals: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    bytes: usize,
    /// Rows the next window asks for.
    window: u32,
    /// Reads answered since the last window was fetched.
    hits: u32,
}

/// The answer to a read, when what is known decides it.
pub(crate) type Row = (Vec<u8>, Vec<u8>);

impl Known {
    /// Nothing known yet.
    pub fn new() -> Known {
        Known {
            rows: BTreeMap::new(),
            intervals: BTreeMap::new(),
            bytes: 0,
            window: FIRST_WINDOW,
            hits: 0,
        }
    }

    /// The end of the known interval holding `key` (`Some(None)`: up to the end of the table).
    fn end_of_interval_at(&self, key: &[u8]) -> Option<Option<&[u8]>> {
        let (_, end) = self
            .intervals
            .range::<[u8], _>((Bound::Unbounded, Bound::Included(key)))
            .next_back()?;
        match end {
            Some(end) if key >= end.as_slice() => None,
            end => Some(end.as_deref()),
        }
    }

    /// The first row at or after `lo` and below `hi`, when what is known decides it: `Some(None)`
    /// when there is none, `None` when a round trip is needed.
    pub fn first(&mut self, lo: &[u8], hi: Option<&[u8]>) -> Option<Option<Row>> {
        let (rows, _) = self.rows_in(lo, hi, 1)?;
        Some(rows.keys.into_iter().zip(rows.values).next())
    }

    /// A page of at most `limit` rows of `[lo, hi)` from what is known, and whether it holds
    /// the rest of the range (`false`: continue after its last row). `None` when `lo` is not
    /// known, or when nothing known lies between `lo` and the end of what is known while the range
    /// goes on past it.
    pub fn rows_in(&mut self, lo: &[u8], hi: Option<&[u8]>, limit: usize) -> Option<(Rows, bool)> {
        let end = self.end_of_interval_at(lo)?;
        let inside = match (hi, end) {
            (_, None) => true,
            (Some(hi), Some(end)) => hi <= end,
            (None, Some(_)) => false,
        };
        // The known part of the range ends at the nearer of `hi` and `end`.
        let upper = match (hi, end) {
            (Some(hi), Some(end)) => Bound::Excluded(hi.min(end)),
            (Some(bound), None) | (None, Some(bound)) => Bound::Excluded(bound),
            (None, None) => Bound::Unbounded,
        };
        let mut rows = Rows::default();
        for (k, v) in self
            .rows
            .range::<[u8], _>((Bound::Included(lo), upper))
            .take(limit)
        {
            rows.keys.push(k.clone());
            rows.values.push(v.clone());
        }
        let full = rows.keys.len() >= limit;
        if !full && !inside && rows.keys.is_empty() {
            return None;
        }
        self.hits += 1;
        Some((rows, inside && !full))
    }

    /// The size of the next window, adapting to how many later reads the last one served, at
    /// most `max` rows. It doubles after serving at least a quarter as many reads as it had
    /// rows — reads moving along the keys — and falls back to its first size after serving none.
    /// A few reads of one entity's rows (a `pull` of a random entity) leave it as it is.
    pub fn next_window(&mut self, max: u32) -> u32 {
        self.window = if self.hits >= self.window / 4 {
            self.window.saturating_mul(2)
        } else if self.hits == 0 {
            FIRST_WINDOW
        } else {
            self.window
        }
        .min(max)
        .max(1);
        self.hits = 0;
        self.window
    }

    /// Records the answer to a forward query from `lo` for at most `limit` rows, with no upper
    /// bound: every row from `lo` up to its last row, or to the end of the table if it came back
    /// short.
    pub fn record(&mut self, lo: &[u8], limit: u32, rows: &Rows) {
        let end = match rows.keys.last() {
            Some(last) if rows.keys.len() >= limit as usize => Some(successor(last)),
            _ => None,
        };
        let added: usize = rows
            .keys
            .iter()
            .zip(&rows.values)
            .map(|(k, v)| k.len() + v.len())
            .sum();
        if self.bytes + added > TABLE_BYTES {
            self.rows.clear();
            self.intervals.clear();
            self.bytes = 0;
        }
        for (k, v) in rows.keys.iter().zip(&rows.values) {
            if self.rows.insert(k.clone(), v.clone()).is_none() {
                self.bytes += k.len() + v.len();
            }
        }
        self.merge(lo.to_vec(), end);
    }

    /// Adds the interval `[start, end)`, merged with every interval it overlaps or touches.
    fn merge(&mut self, mut start: Vec<u8>, mut end: Option<Vec<u8>>) {
        // The interval starting at or before `start` that reaches it.
        if let Some((s, e)) = self
            .intervals
            .range::<[u8], _>((Bound::Unbounded, Bound::Included(start.as_slice())))
            .next_back()
        {
            if e.as_ref().is_none_or(|e| e.as_slice() >= start.as_slice()) {
                start = s.clone();
                end = wider(end, e.clone());
            }
        }
        // Intervals starting inside the new one (or right at its end).
        let inside: Vec<Vec<u8>> = self
            .intervals
            .range::<[u8], _>((Bound::Included(start.as_slice()), Bound::Unbounded))
            .take_while(|(s, _)| {
                end.as_ref()
                    .is_none_or(|end| s.as_slice() <= end.as_slice())
            })
            .map(|(s, _)| s.clone())
            .collect();
        for s in inside {
            if let Some(e) = self.intervals.remove(&s) {
                end = wider(end, e);
            }
        }
        self.intervals.insert(start, end);
    }
}

/// The later of two exclusive ends (`None` is the end of the table).
fn wider(a: Option<Vec<u8>>, b: Option<Vec<u8>>) -> Option<Vec<u8>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(keys: &[&[u8]]) -> Rows {
        Rows {
            keys: keys.iter().map(|k| k.to_vec()).collect(),
            values: keys.iter().map(|k| [b"v:", *k].concat()).collect(),
        }
    }

    #[test]
    fn reads_inside_a_full_window_are_answered_and_beyond_it_are_not() {
        let mut known = Known::new();
        assert_eq!(known.first(b"a", None), None, "nothing known yet");
        // A full window of 3 from "b": known up to and including "d".
        known.record(b"b", 3, &rows(&[b"b", b"c1", b"d"]));
        let first = |known: &mut Known, lo: &[u8], hi: Option<&[u8]>| {
            known.first(lo, hi).map(|row| row.map(|(k, _)| k))
        };
        assert_eq!(first(&mut known, b"c", None), Some(Some(b"c1".to_vec())));
        assert_eq!(
            first(&mut known, b"c", Some(b"c1")),
            Some(None),
            "below c1: none"
        );
        assert_eq!(first(&mut known, b"c2", Some(b"c3")), Some(None));
        assert_eq!(
            first(&mut known, b"d", Some(b"e")),
            Some(Some(b"d".to_vec()))
        );
        // After "d" nothing is known, nor before "b".
        assert_eq!(first(&mut known, b"d\0", None), None);
        assert_eq!(
            first(&mut known, b"c2", Some(b"e")),
            Some(Some(b"d".to_vec())),
            "the first row decides, though the range goes on past the window"
        );
        assert_eq!(first(&mut known, b"a", None), None);
        let keys = |page: Option<(Rows, bool)>| page.map(|(rows, complete)| (rows.keys, complete));
        assert_eq!(
            keys(known.rows_in(b"b", Some(b"d"), 10)),
            Some((vec![b"b".to_vec(), b"c1".to_vec()], true))
        );
        assert_eq!(
            keys(known.rows_in(b"b", Some(b"d"), 1)),
            Some((vec![b"b".to_vec()], false)),
            "a page of one row, more to come"
        );
        assert_eq!(
            keys(known.rows_in(b"c", None, 10)),
            Some((vec![b"c1".to_vec(), b"d".to_vec()], false)),
            "the known rows, then the server"
        );
        assert!(
            known.rows_in(b"d\0", None, 10).is_none(),
            "nothing known there"
        );
        assert_eq!(
            known.first(b"c", None).flatten().map(|(_, v)| v),
            Some(b"v:c1".to_vec())
        );
    }

    #[test]
    fn a_short_window_knows_the_rest_of_the_table() {
        let mut known = Known::new();
        known.record(b"m", 10, &rows(&[b"n", b"p"]));
        assert_eq!(known.first(b"q", None), Some(None));
        assert_eq!(known.first(b"zzz", Some(b"zzzz")), Some(None));
        assert_eq!(
            known
                .rows_in(b"o", None, 10)
                .map(|(rows, complete)| (rows.keys, complete)),
            Some((vec![b"p".to_vec()], true))
        );
        assert_eq!(known.first(b"l", None), None);
    }

    #[test]
    fn touching_and_overlapping_windows_merge() {
        let mut known = Known::new();
        known.record(b"a", 2, &rows(&[b"a", b"b"])); // [a, b\0)
        known.record(b"e", 2, &rows(&[b"e", b"f"])); // [e, f\0)
        known.record(b"b\0", 2, &rows(&[b"c", b"d"])); // [b\0, d\0): touches the first
        assert_eq!(known.intervals.len(), 2);
        known.record(b"d", 2, &rows(&[b"d", b"e"])); // [d, e\0): bridges to the second
        assert_eq!(known.intervals.len(), 1);
        assert_eq!(
            known
                .rows_in(b"a", Some(b"f\0"), 10)
                .map(|(rows, complete)| (rows.keys.len(), complete)),
            Some((6, true))
        );
        known.record(b"0", 1, &rows(&[b"z"])); // covers everything from "0" to "z"
        assert_eq!(known.intervals.len(), 1);
        assert_eq!(known.first(b"0", Some(b"a")), Some(None));
    }

    #[test]
    fn the_window_grows_while_it_serves_reads_and_shrinks_when_it_does_not() {
        let mut known = Known::new();
        assert_eq!(known.next_window(1000), FIRST_WINDOW);
        known.record(b"a", FIRST_WINDOW, &rows(&[b"a"]));
        for _ in 0..FIRST_WINDOW / 4 {
            assert!(known.first(b"a", None).is_some());
        }
        assert_eq!(known.next_window(1000), 2 * FIRST_WINDOW);
        assert!(known.first(b"a", None).is_some());
        assert_eq!(
            known.next_window(1000),
            2 * FIRST_WINDOW,
            "one read: the size stays"
        );
        assert_eq!(
            known.next_window(1000),
            FIRST_WINDOW,
            "no read landed in the last one"
        );
        assert_eq!(known.next_window(10), 10, "never past fetch_rows");
    }
}
