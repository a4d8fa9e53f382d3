//! Views of a database value over time: as of a point, since a point, and the whole history —
//! scans that merge each current-state index with its history table (`docs/design.md`, §4.7
//! History and §6.7 Views over time).
//!
//! Invariants the merge relies on:
//! - A history table holds the same keys its index held (T = the asserting transaction), so one
//!   key range selects the same datoms in both, and the two streams merge by plain key order.
//! - The keys of one `(e, a, v)` are disjoint intervals of time `[T, R)`: a datom is asserted
//!   only when absent, so within one `(e, a, v)` the history entries and the current key sort
//!   by T and every retraction R falls at or before the next assertion. A history scan can
//!   therefore emit each history entry as its assertion followed by its retraction and stay in
//!   transaction order within every datom.

use datolite_kv::{Direction, KeyRange, KvCursor, ReadOps, Visit};

use crate::{Result, StoreError};

/// Which datoms a database value shows. The default is the current state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct View {
    /// Only what was true at this transaction (an entity id, inclusive).
    pub as_of: Option<u64>,
    /// Only datoms added after this transaction (an entity id, exclusive).
    pub since: Option<u64>,
    /// Assertions and retractions, current and retracted.
    pub history: bool,
}

impl View {
    /// Whether this is the plain current state (the scans' fast path).
    #[inline]
    pub fn is_current(&self) -> bool {
        self.as_of.is_none() && self.since.is_none() && !self.history
    }

    /// Whether a datom (an assertion or a retraction) of transaction `tx` falls in the view's
    /// window of time.
    #[inline]
    fn shows(&self, tx: u64) -> bool {
        self.as_of.is_none_or(|t| tx <= t) && self.since.is_none_or(|t| tx > t)
    }

    /// Whether the history table must be read: retracted datoms were visible at `as_of`, or the
    /// view is the history itself.
    fn reads_history(&self) -> bool {
        self.history || self.as_of.is_some()
    }
}

/// The transaction of an index key (its last eight bytes).
#[inline]
fn key_tx(key: &[u8]) -> u64 {
    let mut buf = [0u8; 8];
    buf.copy_from_slice(&key[key.len() - 8..]);
    u64::from_be_bytes(buf)
}

/// Calls `f(key, added)` for every datom of `view` in `range` of one index, in `direction`,
/// until `f` returns `false`: the index's keys whose transaction the view shows, merged with
/// the history table's entries. A retraction is handed over as the asserted key with its
/// transaction replaced by the retracting one.
pub(crate) fn run(
    txn: &dyn ReadOps,
    index: crate::encoding::Index,
    range: &KeyRange,
    direction: Direction,
    view: View,
    mut f: impl FnMut(&[u8], bool) -> bool,
) -> Result<()> {
    let mut history = if view.reads_history() {
        Some(txn.cursor(index.history_table(), range.clone(), direction)?)
    } else {
        None
    };
    let mut failure: Option<StoreError> = None;
    let mut retraction = Vec::new();
    let forward = direction == Direction::Forward;
    // Emits one history entry; returns whether to go on.
    let mut emit = |key: &[u8], retracted: u64, f: &mut dyn FnMut(&[u8], bool) -> bool| {
        let asserted = key_tx(key);
        if !view.history {
            // As of a point: visible if asserted by then and not yet retracted.
            return !(view.shows(asserted) && view.as_of.is_none_or(|t| retracted > t))
                || f(key, true);
        }
        let assertion =
            |f: &mut dyn FnMut(&[u8], bool) -> bool| !view.shows(asserted) || f(key, true);
        let mut retract = |f: &mut dyn FnMut(&[u8], bool) -> bool| {
            if !view.shows(retracted) {
                return true;
            }
            retraction.clear();
            retraction.extend_from_slice(&key[..key.len() - 8]);
            retraction.extend_from_slice(&retracted.to_be_bytes());
            f(&retraction, false)
        };
        // In the scan's direction: the assertion first going forward, the retraction first
        // going backward.
        let order = if forward {
            [true, false]
        } else {
            [false, true]
        };
        for added in order {
            let go_on = if added { assertion(f) } else { retract(f) };
            if !go_on {
                return false;
            }
        }
        true
    };
    let mut pending: Option<(Vec<u8>, u64)> = None;
    next_history(history.as_mut(), &mut pending, &mut failure);
    let mut stopped = false;
    txn.scan_keys(index.table(), range, direction, &mut |chunk| {
        for &key in chunk {
            while let Some((hkey, retracted)) = &pending {
                let first = if forward {
                    hkey.as_slice() < key
                } else {
                    hkey.as_slice() > key
                };
                if !first {
                    break;
                }
                if !emit(hkey, *retracted, &mut f) {
                    stopped = true;
                    return Visit::Stop;
                }
                next_history(history.as_mut(), &mut pending, &mut failure);
            }
            if failure.is_some() {
                return Visit::Stop;
            }
            if view.shows(key_tx(key)) && !f(key, true) {
                stopped = true;
                return Visit::Stop;
            }
        }
        Visit::Continue
    })?;
    while !stopped && failure.is_none() {
        let Some((hkey, retracted)) = &pending else {
            break;
        };
        if !emit(hkey, *retracted, &mut f) {
            break;
        }
        next_history(history.as_mut(), &mut pending, &mut failure);
    }
    failure.map_or(Ok(()), Err)
}

/// Puts the history cursor's next entry and its retracting transaction into `pending` (a copy:
/// the cursor's entry lasts only until it moves, and the index scan goes on meanwhile); `None`
/// at the end or on an error (left in `failure`).
fn next_history<'t>(
    cursor: Option<&mut Box<dyn KvCursor<'t> + 't>>,
    pending: &mut Option<(Vec<u8>, u64)>,
    failure: &mut Option<StoreError>,
) {
    let mut reuse = pending.take().map(|(key, _)| key).unwrap_or_default();
    let Some(cursor) = cursor else {
        return;
    };
    let (key, value) = match cursor.next() {
        Ok(Some(entry)) => entry,
        Ok(None) => return,
        Err(e) => {
            *failure = Some(e.into());
            return;
        }
    };
    match <[u8; 8]>::try_from(value) {
        Ok(bytes) => {
            reuse.clear();
            reuse.extend_from_slice(key);
            *pending = Some((reuse, u64::from_be_bytes(bytes)));
        }
        Err(_) => {
            *failure = Some(StoreError::Corrupt(
                "a history entry whose value is not a transaction id".into(),
            ));
        }
    }
}
