//! Scans: an index, bound leading components, an optional value range (`docs/design.md`,
//! §6 Scans).
//!
//! Four ways to consume a scan, from cheapest: [`Scan::count`] (statistics or key-only),
//! [`Scan::for_each_raw`] (ids decoded, values encoded), [`Scan::batches`] (column batches),
//! [`Scan::for_each`] (typed datoms borrowing the engine's memory), and the owned
//! [`Scan::iter`] / [`Scan::collect`]. [`Scan::parallel`] splits the range over workers.

use std::cell::Cell;
use std::collections::VecDeque;
use std::ops::Bound;

use datolite_kv::{Direction, KeyRange, ReadOps, Visit, SCAN_CHUNK};

use crate::batch::ColumnBatch;
use crate::encoding::{
    decode_key, decode_value, encoded, Component, DecodeError, Decoded, Index, RawDatom,
};
use crate::model::{Datom, DatomRef, Value, ValueRef};
use crate::parallel::ParallelScan;
use crate::snapshot::Db;
use crate::time::view;
use crate::values::materialize;
use crate::{Result, StoreError};

/// Lower and upper bounds of a value range, as encoded keys.
type KeyBounds = (Bound<Vec<u8>>, Bound<Vec<u8>>);

/// A scan under construction or ready to run. Components must be bound in the index's order.
#[derive(Clone)]
pub struct Scan<'db> {
    pub(crate) db: &'db Db,
    pub(crate) index: Index,
    prefix: Vec<u8>,
    bound: usize,
    value_range: Option<KeyBounds>,
    direction: Direction,
    limit: Option<usize>,
    error: Option<String>,
}

impl<'db> Scan<'db> {
    pub(crate) fn new(db: &'db Db, index: Index) -> Self {
        Scan {
            db,
            index,
            prefix: Vec::new(),
            bound: 0,
            value_range: None,
            direction: Direction::Forward,
            limit: None,
            error: None,
        }
    }

    fn bind(mut self, component: Component, bytes: &[u8]) -> Self {
        if self.error.is_none() {
            let order = self.index.components();
            if self.value_range.is_some() || order.get(self.bound) != Some(&component) {
                self.error = Some(format!(
                    "{} scans bind components in the order {:?}; {:?} cannot come next",
                    self.index.name(),
                    order,
                    component
                ));
            } else {
                self.prefix.extend_from_slice(bytes);
                self.bound += 1;
            }
        }
        self
    }

    /// A scan of `index` from key `start` (inclusive) to the end of the index, whatever the
    /// keys' components (`Db::seek_datoms`).
    pub(crate) fn from_key(db: &'db Db, index: Index, start: Vec<u8>) -> Self {
        let mut scan = Scan::new(db, index);
        if !start.is_empty() {
            scan.value_range = Some((Bound::Included(start), Bound::Unbounded));
        }
        scan
    }

    /// Binds the entity.
    pub fn entity(self, e: u64) -> Self {
        self.bind(Component::E, &e.to_be_bytes())
    }

    /// Binds the attribute by ident (`:user/name`).
    pub fn attribute(mut self, ident: &str) -> Self {
        match self.db.attribute(ident) {
            Ok(attr) => {
                let id = attr.id;
                self.attribute_id(id)
            }
            Err(e) => {
                self.error.get_or_insert(e.to_string());
                self
            }
        }
    }

    /// Binds the attribute by id.
    pub fn attribute_id(self, a: u32) -> Self {
        self.bind(Component::A, &a.to_be_bytes())
    }

    /// Binds the value.
    pub fn value(self, v: &Value) -> Self {
        let (bytes, _) = encoded(
            &v.as_ref(),
            self.db.inner.store.options.inline_value_threshold,
        );
        self.bind(Component::V, &bytes)
    }

    /// Binds the value by its index encoding, as [`crate::encoding::encoded`] writes it and
    /// index keys hold it (tag included, inline) — for callers holding values as encodings
    /// already, such as the query executor's cells, so no value is decoded to be encoded again.
    pub fn value_encoded(self, bytes: &[u8]) -> Self {
        self.bind(Component::V, bytes)
    }

    /// Binds the transaction.
    pub fn tx(self, tx: u64) -> Self {
        self.bind(Component::T, &tx.to_be_bytes())
    }

    /// Restricts the value (the next component, which must be V) to a range — how the planner
    /// turns `[(> ?s 50000)]` into AVET bounds.
    pub fn value_range(mut self, lower: Bound<&Value>, upper: Bound<&Value>) -> Self {
        if self.index.components().get(self.bound) != Some(&Component::V) {
            self.error.get_or_insert(format!(
                "{} scans cannot range over the value here",
                self.index.name()
            ));
            return self;
        }
        let threshold = self.db.inner.store.options.inline_value_threshold;
        let enc = |v: &Value| {
            let mut key = self.prefix.clone();
            key.extend_from_slice(&encoded(&v.as_ref(), threshold).0);
            key
        };
        // Keys extend the value's encoding with more components, so "after v" means after every
        // key that starts with v's encoding.
        let start = match lower {
            Bound::Unbounded => Bound::Unbounded,
            Bound::Included(v) => Bound::Included(enc(v)),
            Bound::Excluded(v) => successor(enc(v)),
        };
        let end = match upper {
            Bound::Unbounded => Bound::Unbounded,
            Bound::Included(v) => successor(enc(v)).map_excluded(),
            Bound::Excluded(v) => Bound::Excluded(enc(v)),
        };
        self.value_range = Some((start, end));
        self
    }

    /// Scans in descending order.
    pub fn reverse(mut self) -> Self {
        self.direction = Direction::Reverse;
        self
    }

    /// Stops after `n` datoms.
    pub fn limit(mut self, n: usize) -> Self {
        self.limit = Some(n);
        self
    }

    /// The index scanned.
    pub fn index(&self) -> Index {
        self.index
    }

    /// The key range the scan covers.
    pub fn key_range(&self) -> Result<KeyRange> {
        if let Some(error) = &self.error {
            return Err(StoreError::InvalidArgument(error.clone()));
        }
        let prefix_range = KeyRange::prefix(&self.prefix);
        Ok(match &self.value_range {
            None => prefix_range,
            Some((start, end)) => KeyRange {
                start: match start {
                    Bound::Unbounded => prefix_range.start,
                    other => other.clone(),
                },
                end: match end {
                    Bound::Unbounded => prefix_range.end,
                    other => other.clone(),
                },
            },
        })
    }

    /// Bytes of the bound leading components.
    pub(crate) fn prefix(&self) -> &[u8] {
        &self.prefix
    }

    /// How many leading components are bound.
    pub(crate) fn bound(&self) -> usize {
        self.bound
    }

    pub(crate) fn direction(&self) -> Direction {
        self.direction
    }

    /// The `limit` set on the scan, if any.
    pub(crate) fn limit_value(&self) -> Option<usize> {
        self.limit
    }

    /// Runs `f(key, added)` on every key in range with one snapshot (the primitive under every
    /// consumer). On the current state every key is an assertion of the index; views over time
    /// merge in the history table (`time/view.rs`), whose retractions come with `added` false.
    pub(crate) fn run_keys(
        &self,
        txn: &dyn ReadOps,
        range: &KeyRange,
        mut f: impl FnMut(&[u8], bool) -> bool,
    ) -> Result<()> {
        let mut remaining = self.limit.unwrap_or(usize::MAX);
        if remaining == 0 {
            return Ok(());
        }
        // Whether the keys of the chunk being visited are assertions (a view's chunks are all
        // one or all the other).
        let added = Cell::new(true);
        // Chunks keep the per-key work free of indirect calls: `f` is inlined into this loop,
        // its only call site — views hand their keys to the same loop in chunks, because a
        // second call site made the compiler call `f` out of line (+25% instructions per datom
        // of a query's lookups).
        let mut visit = |chunk: &[&[u8]]| {
            let added = added.get();
            for key in chunk {
                remaining -= 1;
                if !f(key, added) || remaining == 0 {
                    return Visit::Stop;
                }
            }
            Visit::Continue
        };
        if self.db.view.is_current() {
            txn.scan_keys(self.index.table(), range, self.direction, &mut visit)?;
            Ok(())
        } else {
            self.run_view(txn, range, &added, &mut visit)
        }
    }

    /// [`Scan::run_keys`] on a view over time: the index merged with its history
    /// (`time/view.rs`), copied into chunks whose keys are all assertions or all retractions
    /// (`added` tells `visit` which).
    #[inline(never)]
    fn run_view(
        &self,
        txn: &dyn ReadOps,
        range: &KeyRange,
        added: &Cell<bool>,
        visit: &mut dyn FnMut(&[&[u8]]) -> Visit,
    ) -> Result<()> {
        let mut chunk = ViewChunk::default();
        let mut stopped = false;
        view::run(
            txn,
            self.index,
            range,
            self.direction,
            self.db.view,
            |key, is_added| {
                if (!chunk.is_empty() && is_added != chunk.added) || chunk.len() == SCAN_CHUNK {
                    stopped = !chunk.flush(added, visit);
                    if stopped {
                        return false;
                    }
                }
                chunk.push(key, is_added);
                true
            },
        )?;
        if !stopped {
            chunk.flush(added, visit);
        }
        Ok(())
    }

    /// Calls `f` with every raw key; stops when `f` returns `false`.
    pub fn for_each_key(&self, mut f: impl FnMut(&[u8]) -> bool) -> Result<()> {
        let range = self.key_range()?;
        self.db
            .with_txn(|txn| self.run_keys(txn, &range, |key, _| f(key)))
    }

    /// Calls `f` with every datom, ids decoded and the value still encoded.
    pub fn for_each_raw(&self, f: impl FnMut(RawDatom<'_>) -> bool) -> Result<()> {
        self.db.with_txn(|txn| self.run_raw(txn, f))
    }

    /// [`Scan::for_each_raw`] on a snapshot the caller holds.
    pub(crate) fn run_raw(
        &self,
        txn: &dyn ReadOps,
        mut f: impl FnMut(RawDatom<'_>) -> bool,
    ) -> Result<()> {
        let range = self.key_range()?;
        let mut failure = None;
        self.run_keys(txn, &range, |key, added| {
            match decode_key(self.index, key) {
                Ok(mut raw) => {
                    raw.added = added;
                    f(raw)
                }
                Err(e) => {
                    failure = Some(StoreError::from(e));
                    false
                }
            }
        })?;
        failure.map_or(Ok(()), Err)
    }

    /// Calls `f` with every datom decoded into typed values (borrowing the engine's memory).
    ///
    /// `f` borrows the datom: the scan drops it, so a datom owning nothing (the common case)
    /// costs no call to free it (see the private `release` below).
    pub fn for_each(&self, mut f: impl FnMut(&DatomRef<'_>) -> bool) -> Result<()> {
        let range = self.key_range()?;
        self.db.with_txn(|txn| {
            let mut failure = None;
            self.run_keys(txn, &range, |key, added| {
                // Built in place, not through a `Result<DatomRef, StoreError>`: see
                // `decode_datom` on why every copy of a datom counts here.
                let raw = match decode_key(self.index, key) {
                    Ok(raw) => raw,
                    Err(e) => {
                        failure = Some(e.into());
                        return false;
                    }
                };
                let v = match decode_value(raw.v) {
                    Ok(Decoded::Value(v)) => v,
                    rare => match rare_value(rare, raw.v, txn) {
                        Ok(v) => v,
                        Err(e) => {
                            failure = Some(e);
                            return false;
                        }
                    },
                };
                let datom = DatomRef {
                    e: raw.e,
                    a: u64::from(raw.a),
                    v,
                    tx: raw.tx,
                    added,
                };
                let go_on = f(&datom);
                release(datom);
                go_on
            })?;
            failure.map_or(Ok(()), Err)
        })
    }

    /// Calls `f` with column batches of up to `scan_batch_size` datoms.
    pub fn batches(&self, mut f: impl FnMut(&ColumnBatch<'_>) -> bool) -> Result<()> {
        let range = self.key_range()?;
        let size = self.db.batch_size().max(1);
        self.db.with_txn(|txn| {
            let mut batch = ColumnBatch::new(size, txn);
            let mut failure = None;
            let mut stopped = false;
            self.run_keys(txn, &range, |key, added| {
                match decode_key(self.index, key) {
                    Ok(mut raw) => {
                        raw.added = added;
                        batch.push(&raw);
                        if batch.len() == size {
                            stopped = !f(&batch);
                            batch.clear();
                            !stopped
                        } else {
                            true
                        }
                    }
                    Err(e) => {
                        failure = Some(StoreError::from(e));
                        false
                    }
                }
            })?;
            if let Some(e) = failure {
                return Err(e);
            }
            if !stopped && !batch.is_empty() {
                f(&batch);
            }
            Ok(())
        })
    }

    /// The number of datoms in the scan: O(1) from statistics for a whole index or one
    /// attribute of AEVT/AVET, otherwise a key-only scan that decodes nothing.
    pub fn count(&self) -> Result<u64> {
        if let Some(n) = self.count_from_stats()? {
            return Ok(n);
        }
        let mut n = 0u64;
        self.for_each_key(|_| {
            n += 1;
            true
        })?;
        Ok(n)
    }

    fn count_from_stats(&self) -> Result<Option<u64>> {
        self.key_range()?;
        if !self.db.has_stats() || self.limit.is_some() || self.value_range.is_some() {
            return Ok(None);
        }
        Ok(match (self.index, self.bound) {
            (Index::Eavt | Index::Aevt | Index::Avet, 0) => Some(self.db.stats().datoms),
            (Index::Aevt | Index::Avet, 1) => {
                let a = u32::from_be_bytes(
                    self.prefix[..4]
                        .try_into()
                        .map_err(|_| StoreError::Corrupt("prefix".into()))?,
                );
                Some(self.db.stats().count(a))
            }
            _ => None,
        })
    }

    /// Every datom, owned.
    pub fn collect(&self) -> Result<Vec<Datom>> {
        let mut out = Vec::new();
        self.for_each(|d| {
            out.push(d.to_owned());
            true
        })?;
        Ok(out)
    }

    /// An iterator of owned datoms, fetched `scan_batch_size` at a time (each batch one short
    /// use of a snapshot, so the iterator can live across other work).
    pub fn iter(&self) -> Result<DatomIter> {
        Ok(DatomIter {
            db: self.db.clone(),
            index: self.index,
            range: self.key_range()?,
            direction: self.direction,
            remaining: self.limit.unwrap_or(usize::MAX),
            buffer: VecDeque::new(),
            last_key: None,
            done: false,
        })
    }

    /// This scan split over `workers` threads, all reading this `Db`'s snapshot.
    pub fn parallel(&self, workers: usize) -> ParallelScan<'_, 'db> {
        ParallelScan::new(self, workers)
    }
}

/// Keys of a view copied out of the engine until they are visited, all assertions or all
/// retractions.
#[derive(Default)]
struct ViewChunk {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    added: bool,
}

impl ViewChunk {
    fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn push(&mut self, key: &[u8], added: bool) {
        self.added = added;
        self.bytes.extend_from_slice(key);
        self.ends.push(self.bytes.len());
    }

    /// Visits the chunk's keys (if any) and empties it; returns whether to go on.
    fn flush(&mut self, added: &Cell<bool>, visit: &mut dyn FnMut(&[&[u8]]) -> Visit) -> bool {
        if self.ends.is_empty() {
            return true;
        }
        let mut start = 0;
        let keys: Vec<&[u8]> = self
            .ends
            .iter()
            .map(|&end| {
                let key = &self.bytes[start..end];
                start = end;
                key
            })
            .collect();
        added.set(self.added);
        let go_on = visit(&keys) == Visit::Continue;
        drop(keys);
        self.bytes.clear();
        self.ends.clear();
        go_on
    }
}

trait MapExcluded {
    fn map_excluded(self) -> Bound<Vec<u8>>;
}

impl MapExcluded for Bound<Vec<u8>> {
    /// An upper bound "everything starting with v": the successor excluded.
    fn map_excluded(self) -> Bound<Vec<u8>> {
        match self {
            Bound::Included(k) => Bound::Excluded(k),
            other => other,
        }
    }
}

/// The smallest key after every key starting with `prefix`, as an inclusive bound.
fn successor(prefix: Vec<u8>) -> Bound<Vec<u8>> {
    match datolite_kv::KeyRange::prefix(&prefix).end {
        Bound::Excluded(next) => Bound::Included(next),
        _ => Bound::Unbounded,
    }
}

/// Decodes a key of `index` into a typed datom.
#[inline(always)]
pub(crate) fn decode_datom<'t>(
    index: Index,
    key: &'t [u8],
    txn: &'t dyn ReadOps,
) -> Result<DatomRef<'t>> {
    let raw = decode_key(index, key)?;
    // The common case, an inline value that decodes, stays in a 32-byte `Result` (the value's
    // spare tags hold the error): going through `materialize`'s `Result<_, StoreError>` (88
    // bytes) put the value at an offset and copied it into the datom through memory — a
    // store-forwarding stall per datom (`docs/design.md`, §3.7 Values in memory).
    let v = match decode_value(raw.v) {
        Ok(Decoded::Value(v)) => v,
        rare => rare_value(rare, raw.v, txn)?,
    };
    Ok(DatomRef {
        e: raw.e,
        a: u64::from(raw.a),
        v,
        tx: raw.tx,
        added: true,
    })
}

/// The rare half of [`decode_datom`]'s value: spilled payloads and bytes that do not decode.
#[cold]
#[inline(never)]
fn rare_value<'t>(
    decoded: std::result::Result<Decoded<'t>, DecodeError>,
    v: &'t [u8],
    txn: &'t dyn ReadOps,
) -> Result<ValueRef<'t>> {
    match decoded? {
        Decoded::Value(value) => Ok(value),
        Decoded::Spilled => materialize(v, txn),
    }
}

/// Drops a decoded datom. Most datoms own nothing (their values borrow the engine's pages);
/// for those the drop is skipped outright, because a call to the value's drop glue per datom
/// (which the compiler does not inline since values can own big numbers and tuples) stores
/// the datom to memory and reloads it — it more than doubled the cost of a decoded scan.
#[inline(always)]
pub(crate) fn release(datom: DatomRef<'_>) {
    if datom.v.owns_memory() {
        drop_owned(datom.v);
    } else {
        std::mem::forget(datom);
    }
}

/// The rare half of [`release`], out of line so that the datom is not forced to memory.
#[cold]
#[inline(never)]
fn drop_owned(value: ValueRef<'_>) {
    drop(value);
}

/// Owned datoms of a scan, prefetched in batches.
pub struct DatomIter {
    db: Db,
    index: Index,
    range: KeyRange,
    direction: Direction,
    remaining: usize,
    buffer: VecDeque<Datom>,
    last_key: Option<Vec<u8>>,
    done: bool,
}

impl DatomIter {
    fn refill(&mut self) -> Result<()> {
        let mut range = self.range.clone();
        if let Some(last) = self.last_key.take() {
            match self.direction {
                Direction::Forward => range.start = Bound::Excluded(last),
                Direction::Reverse => range.end = Bound::Excluded(last),
            }
        }
        // A history view hands over retractions under keys of its own making, which cannot
        // resume a scan: it is read in one batch.
        let want = if self.db.view.history {
            self.remaining
        } else {
            self.db.batch_size().max(1).min(self.remaining)
        };
        let mut scan = Scan::new(&self.db, self.index);
        scan.direction = self.direction;
        let mut batch = Vec::with_capacity(want.min(self.db.batch_size().max(1)));
        let mut last = None;
        self.db.with_txn(|txn| {
            let mut failure = None;
            scan.run_keys(txn, &range, |key, added| {
                match decode_datom(scan.index, key, txn) {
                    Ok(mut d) => {
                        d.added = added;
                        batch.push(d.to_owned());
                        if batch.len() == want {
                            last = Some(key.to_vec());
                            false
                        } else {
                            true
                        }
                    }
                    Err(e) => {
                        failure = Some(e);
                        false
                    }
                }
            })?;
            failure.map_or(Ok(()), Err)
        })?;
        self.remaining -= batch.len();
        self.done = last.is_none() || self.remaining == 0;
        self.last_key = last;
        self.buffer.extend(batch);
        Ok(())
    }
}

impl Iterator for DatomIter {
    type Item = Result<Datom>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.buffer.is_empty() && !self.done {
            if let Err(e) = self.refill() {
                self.done = true;
                return Some(Err(e));
            }
        }
        self.buffer.pop_front().map(Ok)
    }
}

/// Calls `f` with every key of `table`, in order, on a snapshot or write transaction the caller
/// holds; the first error `f` returns (a key that does not decode) stops the walk and is the
/// result. For whole-table passes that have no `Db` (statistics recount, format upgrades).
pub(crate) fn try_for_each_key(
    txn: &dyn ReadOps,
    table: datolite_kv::Table,
    f: impl FnMut(&[u8]) -> Result<()>,
) -> Result<()> {
    try_for_each_key_in(txn, table, &KeyRange::all(), f)
}

/// [`try_for_each_key`] over the keys of `range` only.
pub(crate) fn try_for_each_key_in(
    txn: &dyn ReadOps,
    table: datolite_kv::Table,
    range: &KeyRange,
    mut f: impl FnMut(&[u8]) -> Result<()>,
) -> Result<()> {
    let mut failure = None;
    txn.scan(
        table,
        range,
        Direction::Forward,
        &mut |key, _| match f(key) {
            Ok(()) => Visit::Continue,
            Err(e) => {
                failure = Some(e);
                Visit::Stop
            }
        },
    )?;
    failure.map_or(Ok(()), Err)
}
