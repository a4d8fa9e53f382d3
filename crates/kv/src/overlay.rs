//! Overlays: uncommitted writes layered over a read snapshot — how a speculative transaction
//! (Datomic's `with`) runs and how its result is read, without touching the engine.
//!
//! A [`Delta`] records, per table, the keys put (with their values) and the keys deleted.
//! [`OverlayWrite`] is a [`WriteTxn`] whose writes go to a delta and whose reads see the base
//! snapshot with the delta on top; [`Overlaid`] reads a finished delta over a snapshot.
//!
//! Invariant: every read of an overlay answers exactly what the base would answer had the
//! delta's puts and deletes been applied to it in order — the merge below treats a delta entry
//! as replacing the base's entry of the same key, and a deleted key as absent.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Bound;

use crate::{Direction, KeyRange, KvCursor, ReadOps, Result, Table, Visit, WriteTxn, SCAN_CHUNK};

/// One table's changes: `Some(value)` for a put, `None` for a delete.
type Changes = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// Uncommitted changes to every table.
#[derive(Clone, Debug, Default)]
pub struct Delta {
    tables: [Changes; Table::ALL.len()],
}

impl Delta {
    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.tables.iter().all(BTreeMap::is_empty)
    }

    /// Records a put of `value` under `key` in `table`.
    pub fn put(&mut self, table: Table, key: &[u8], value: &[u8]) {
        self.tables[table.index()].insert(key.to_vec(), Some(value.to_vec()));
    }

    /// Records that `key` of `table` is deleted.
    pub fn delete(&mut self, table: Table, key: &[u8]) {
        self.tables[table.index()].insert(key.to_vec(), None);
    }

    /// Every change, table by table in [`Table::ALL`] order and in key order within a table:
    /// `Some(value)` for a put, `None` for a delete.
    pub fn changes(&self) -> impl Iterator<Item = (Table, &[u8], Option<&[u8]>)> {
        Table::ALL
            .iter()
            .zip(&self.tables)
            .flat_map(|(table, changes)| {
                changes
                    .iter()
                    .map(move |(key, value)| (*table, key.as_slice(), value.as_deref()))
            })
    }

    /// Writes the changes into `txn`, in key order per table.
    pub fn apply(&self, txn: &mut dyn WriteTxn) -> Result<()> {
        for (table, key, value) in self.changes() {
            match value {
                Some(value) => txn.put(table, key, value)?,
                None => {
                    txn.delete(table, key)?;
                }
            }
        }
        Ok(())
    }

    /// Records `later`'s changes on top of these (the result of applying both in order).
    pub fn extend(&mut self, later: Delta) {
        for (mine, theirs) in self.tables.iter_mut().zip(later.tables) {
            mine.extend(theirs);
        }
    }
}

/// A [`WriteTxn`] that keeps its writes in a [`Delta`] over `base`.
pub struct OverlayWrite<'a> {
    base: &'a dyn ReadOps,
    delta: Delta,
}

impl<'a> OverlayWrite<'a> {
    /// An empty overlay over `base`.
    pub fn new(base: &'a dyn ReadOps) -> Self {
        OverlayWrite {
            base,
            delta: Delta::default(),
        }
    }

    /// The writes made so far.
    pub fn into_delta(self) -> Delta {
        self.delta
    }
}

/// Reads of a finished [`Delta`] over a base snapshot.
pub struct Overlaid<'a, B: ReadOps + ?Sized> {
    /// The snapshot underneath.
    pub base: &'a B,
    /// The changes on top.
    pub delta: &'a Delta,
}

// Two references: copied freely (derive would ask `B: Copy`).
impl<B: ReadOps + ?Sized> Clone for Overlaid<'_, B> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<B: ReadOps + ?Sized> Copy for Overlaid<'_, B> {}

impl<B: ReadOps + ?Sized> ReadOps for Overlaid<'_, B> {
    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Cow<'_, [u8]>>> {
        (*self).into_get(table, key)
    }

    fn scan(
        &self,
        table: Table,
        range: &KeyRange,
        direction: Direction,
        visit: &mut dyn FnMut(&[u8], &[u8]) -> Visit,
    ) -> Result<()> {
        scan(self.cursor(table, range.clone(), direction)?, visit)
    }

    fn scan_keys(
        &self,
        table: Table,
        range: &KeyRange,
        direction: Direction,
        visit: &mut dyn FnMut(&[&[u8]]) -> Visit,
    ) -> Result<()> {
        scan_keys(self.cursor(table, range.clone(), direction)?, visit)
    }

    fn cursor<'t>(
        &'t self,
        table: Table,
        range: KeyRange,
        direction: Direction,
    ) -> Result<Box<dyn KvCursor<'t> + 't>> {
        (*self).into_cursor(table, range, direction)
    }
}

impl<'a, B: ReadOps + ?Sized> Overlaid<'a, B> {
    /// [`ReadOps::get`], borrowing what the overlay borrows (see [`Overlaid::into_cursor`]).
    pub fn into_get(self, table: Table, key: &[u8]) -> Result<Option<Cow<'a, [u8]>>> {
        match self.delta.tables[table.index()].get(key) {
            Some(change) => Ok(change.as_deref().map(Cow::Borrowed)),
            None => self.base.get(table, key),
        }
    }

    /// A cursor that borrows what the overlay borrows (not the overlay itself), so an overlay
    /// built on the spot can hand one out.
    pub fn into_cursor(
        self,
        table: Table,
        range: KeyRange,
        direction: Direction,
    ) -> Result<Box<dyn KvCursor<'a> + 'a>> {
        let base = self.base.cursor(table, range.clone(), direction)?;
        Ok(Box::new(MergedCursor::new(
            base,
            &self.delta.tables[table.index()],
            range,
            direction,
        )))
    }
}

/// A reader whose reads are those of an overlay it makes on demand — [`OverlayWrite`] (what it
/// has written so far over its base), the store's snapshot of a `with` value (which owns its
/// base's snapshot, so it cannot be an [`Overlaid`] itself). Implementing this is all such a
/// type needs to be [`ReadOps`].
pub trait ReadsThroughOverlay {
    /// The overlay to read through.
    fn overlaid(&self) -> Overlaid<'_, dyn ReadOps + '_>;
}

impl<T: ReadsThroughOverlay + ?Sized> ReadOps for T {
    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Cow<'_, [u8]>>> {
        self.overlaid().into_get(table, key)
    }

    fn scan(
        &self,
        table: Table,
        range: &KeyRange,
        direction: Direction,
        visit: &mut dyn FnMut(&[u8], &[u8]) -> Visit,
    ) -> Result<()> {
        self.overlaid().scan(table, range, direction, visit)
    }

    fn scan_keys(
        &self,
        table: Table,
        range: &KeyRange,
        direction: Direction,
        visit: &mut dyn FnMut(&[&[u8]]) -> Visit,
    ) -> Result<()> {
        self.overlaid().scan_keys(table, range, direction, visit)
    }

    fn cursor<'t>(
        &'t self,
        table: Table,
        range: KeyRange,
        direction: Direction,
    ) -> Result<Box<dyn KvCursor<'t> + 't>> {
        self.overlaid().into_cursor(table, range, direction)
    }
}

/// An overlay write reads like the overlay of what it has written so far.
impl ReadsThroughOverlay for OverlayWrite<'_> {
    fn overlaid(&self) -> Overlaid<'_, dyn ReadOps + '_> {
        Overlaid {
            base: self.base,
            delta: &self.delta,
        }
    }
}

impl WriteTxn for OverlayWrite<'_> {
    fn put(&mut self, table: Table, key: &[u8], value: &[u8]) -> Result<()> {
        crate::limits::check_key(key)?;
        self.delta.put(table, key, value);
        Ok(())
    }

    fn delete(&mut self, table: Table, key: &[u8]) -> Result<bool> {
        let present = self.get(table, key)?.is_some();
        if present {
            self.delta.delete(table, key);
        }
        Ok(present)
    }
}

/// Every entry of a cursor, to `visit` until it says stop: a scan over an engine's cursor.
pub(crate) fn scan<'t>(
    mut cursor: Box<dyn KvCursor<'t> + 't>,
    visit: &mut dyn FnMut(&[u8], &[u8]) -> Visit,
) -> Result<()> {
    while let Some((key, value)) = cursor.next()? {
        if visit(key, value) == Visit::Stop {
            break;
        }
    }
    Ok(())
}

/// Keys of a cursor in chunks: a cursor's entry lasts only until it moves, so the chunk's keys
/// are copied into one buffer first.
pub(crate) fn scan_keys<'t>(
    mut cursor: Box<dyn KvCursor<'t> + 't>,
    visit: &mut dyn FnMut(&[&[u8]]) -> Visit,
) -> Result<()> {
    let mut bytes: Vec<u8> = Vec::new();
    let mut ends: Vec<usize> = Vec::with_capacity(SCAN_CHUNK);
    loop {
        let more = match cursor.next()? {
            Some((key, _)) => {
                bytes.extend_from_slice(key);
                ends.push(bytes.len());
                true
            }
            None => false,
        };
        if (!more || ends.len() == SCAN_CHUNK) && !ends.is_empty() {
            let mut start = 0;
            let chunk: Vec<&[u8]> = ends
                .iter()
                .map(|&end| {
                    let key = &bytes[start..end];
                    start = end;
                    key
                })
                .collect();
            let stop = visit(&chunk) == Visit::Stop;
            drop(chunk);
            ends.clear();
            bytes.clear();
            if stop {
                return Ok(());
            }
        }
        if !more {
            return Ok(());
        }
    }
}

/// The base's cursor and the delta's entries of one table, merged in key order.
struct MergedCursor<'t> {
    base: Box<dyn KvCursor<'t> + 't>,
    /// The base's next entry, not yet returned (`None` when exhausted): a copy, because the
    /// base's own entry lasts only until the base moves, and the delta may come first.
    base_next: Option<(Vec<u8>, Vec<u8>)>,
    /// Whether `base_next` has been read since the last move.
    base_ready: bool,
    changes: &'t Changes,
    range: KeyRange,
    direction: Direction,
    /// The last delta key passed (the delta is read after it); `None` before the first.
    delta_after: Option<&'t [u8]>,
    /// Set by a seek: the delta is read from this key on, inclusive.
    delta_from: Option<Vec<u8>>,
}

impl<'t> MergedCursor<'t> {
    fn new(
        base: Box<dyn KvCursor<'t> + 't>,
        changes: &'t Changes,
        range: KeyRange,
        direction: Direction,
    ) -> Self {
        MergedCursor {
            base,
            base_next: None,
            base_ready: false,
            changes,
            range,
            direction,
            delta_after: None,
            delta_from: None,
        }
    }

    /// The delta's next entry in the range, in the cursor's direction.
    fn delta_next(&self) -> Option<(&'t [u8], &'t Option<Vec<u8>>)> {
        if self.range.is_empty() {
            return None;
        }
        let (start, end) = self.range.as_slices();
        let from = match (&self.delta_after, &self.delta_from) {
            (Some(after), _) => Bound::Excluded(*after),
            (None, Some(from)) => Bound::Included(from.as_slice()),
            (None, None) => match self.direction {
                Direction::Forward => start,
                Direction::Reverse => end,
            },
        };
        let entry = match self.direction {
            Direction::Forward => {
                let from = tighter_start(from, start);
                if !valid(from, end) {
                    return None;
                }
                self.changes.range::<[u8], _>((from, end)).next()
            }
            Direction::Reverse => {
                let from = tighter_end(from, end);
                if !valid(start, from) {
                    return None;
                }
                self.changes.range::<[u8], _>((start, from)).next_back()
            }
        };
        entry.map(|(k, v)| (k.as_slice(), v))
    }
}

impl<'t> KvCursor<'t> for MergedCursor<'t> {
    fn next(&mut self) -> Result<Option<(&[u8], &[u8])>> {
        loop {
            if !self.base_ready {
                let next = self.base.next()?;
                copy_entry(&mut self.base_next, next);
                self.base_ready = true;
            }
            let delta = self.delta_next();
            let take_delta = match (&self.base_next, delta) {
                (None, None) => return Ok(None),
                (Some(_), None) => false,
                (None, Some(_)) => true,
                (Some((b, _)), Some((d, _))) => match self.direction {
                    Direction::Forward => d <= b.as_slice(),
                    Direction::Reverse => d >= b.as_slice(),
                },
            };
            if !take_delta {
                self.base_ready = false;
                return Ok(self
                    .base_next
                    .as_ref()
                    .map(|(k, v)| (k.as_slice(), v.as_slice())));
            }
            let Some((key, change)) = delta else {
                return Ok(None);
            };
            self.delta_after = Some(key);
            self.delta_from = None;
            // The delta replaces the base's entry of the same key.
            if self.base_next.as_ref().is_some_and(|(b, _)| b == key) {
                self.base_ready = false;
            }
            if let Some(value) = change {
                return Ok(Some((key, value.as_slice())));
            }
        }
    }

    fn seek(&mut self, key: &[u8]) -> Result<Option<(&[u8], &[u8])>> {
        let found = self.base.seek(key)?;
        copy_entry(&mut self.base_next, found);
        self.base_ready = true;
        self.delta_after = None;
        self.delta_from = Some(key.to_vec());
        self.next()
    }
}

/// Copies `entry` into `slot`, reusing its buffers.
fn copy_entry(slot: &mut Option<(Vec<u8>, Vec<u8>)>, entry: Option<(&[u8], &[u8])>) {
    match entry {
        None => *slot = None,
        Some((key, value)) => {
            let (k, v) = slot.get_or_insert_with(Default::default);
            k.clear();
            k.extend_from_slice(key);
            v.clear();
            v.extend_from_slice(value);
        }
    }
}

/// The later of two lower bounds.
fn tighter_start<'a>(a: Bound<&'a [u8]>, b: Bound<&'a [u8]>) -> Bound<&'a [u8]> {
    match (a, b) {
        (Bound::Unbounded, other) | (other, Bound::Unbounded) => other,
        (x, y) => {
            let (kx, ky) = (key_of(x), key_of(y));
            if kx > ky || (kx == ky && matches!(x, Bound::Excluded(_))) {
                x
            } else {
                y
            }
        }
    }
}

/// The earlier of two upper bounds.
fn tighter_end<'a>(a: Bound<&'a [u8]>, b: Bound<&'a [u8]>) -> Bound<&'a [u8]> {
    match (a, b) {
        (Bound::Unbounded, other) | (other, Bound::Unbounded) => other,
        (x, y) => {
            let (kx, ky) = (key_of(x), key_of(y));
            if kx < ky || (kx == ky && matches!(x, Bound::Excluded(_))) {
                x
            } else {
                y
            }
        }
    }
}

fn key_of(bound: Bound<&[u8]>) -> &[u8] {
    match bound {
        Bound::Included(k) | Bound::Excluded(k) => k,
        Bound::Unbounded => &[],
    }
}

/// Whether `(start, end)` is a range `BTreeMap::range` accepts (it panics on inverted ones).
fn valid(start: Bound<&[u8]>, end: Bound<&[u8]>) -> bool {
    match (start, end) {
        (Bound::Included(s), Bound::Included(e)) => s <= e,
        (Bound::Included(s), Bound::Excluded(e)) | (Bound::Excluded(s), Bound::Included(e)) => {
            s <= e
        }
        (Bound::Excluded(s), Bound::Excluded(e)) => s < e,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemoryEngine;
    use crate::Engine;

    fn keys(ops: &dyn ReadOps, range: &KeyRange, direction: Direction) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        ops.scan(Table::Eavt, range, direction, &mut |k, _| {
            out.push(k.to_vec());
            Visit::Continue
        })
        .unwrap();
        out
    }

    #[test]
    fn an_overlay_reads_like_the_writes_applied() {
        let engine = MemoryEngine::default();
        engine
            .write(&mut |txn| {
                for k in [1u8, 3, 5, 7] {
                    txn.put(Table::Eavt, &[k], &[k])?;
                }
                Ok(())
            })
            .unwrap();
        let snapshot = engine.read().unwrap();
        let mut overlay = OverlayWrite::new(snapshot.as_ref());
        overlay.put(Table::Eavt, &[2], &[20]).unwrap();
        overlay.put(Table::Eavt, &[5], &[50]).unwrap();
        assert!(overlay.delete(Table::Eavt, &[3]).unwrap());
        assert!(!overlay.delete(Table::Eavt, &[4]).unwrap());
        let want: Vec<Vec<u8>> = vec![vec![1], vec![2], vec![5], vec![7]];
        assert_eq!(keys(&overlay, &KeyRange::all(), Direction::Forward), want);
        let mut reversed = want.clone();
        reversed.reverse();
        assert_eq!(
            keys(&overlay, &KeyRange::all(), Direction::Reverse),
            reversed
        );
        assert_eq!(
            overlay.get(Table::Eavt, &[5]).unwrap().as_deref(),
            Some(&[50u8][..])
        );
        assert_eq!(overlay.get(Table::Eavt, &[3]).unwrap(), None);
        let delta = overlay.into_delta();
        let read = Overlaid {
            base: snapshot.as_ref(),
            delta: &delta,
        };
        let range = KeyRange::half_open(&[2], &[6]);
        assert_eq!(
            keys(&read, &range, Direction::Forward),
            vec![vec![2], vec![5]]
        );
        let mut cursor = read
            .cursor(Table::Eavt, KeyRange::all(), Direction::Forward)
            .unwrap();
        assert_eq!(
            cursor.seek(&[3]).unwrap().map(|(k, _)| k.to_vec()),
            Some(vec![5])
        );
        assert_eq!(
            cursor.next().unwrap().map(|(k, _)| k.to_vec()),
            Some(vec![7])
        );
        assert_eq!(cursor.next().unwrap(), None);
        let mut back = read
            .cursor(Table::Eavt, KeyRange::all(), Direction::Reverse)
            .unwrap();
        assert_eq!(
            back.seek(&[4]).unwrap().map(|(k, _)| k.to_vec()),
            Some(vec![2])
        );
        assert_eq!(back.next().unwrap().map(|(k, _)| k.to_vec()), Some(vec![1]));
    }
}
