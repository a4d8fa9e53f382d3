//! Memory snapshots and write transactions, and the reads they share.

use std::sync::Arc;

use super::cursor::MemoryCursor;
use super::{Map, State};
use crate::limits::{check_key, storable};
use crate::{Direction, KeyRange, KvCursor, ReadOps, ReadTxn, Result, Table, Visit, WriteTxn};

/// A snapshot: one committed state, shared.
pub(super) struct MemorySnapshot {
    state: Arc<State>,
}

impl MemorySnapshot {
    pub(super) fn new(state: Arc<State>) -> Self {
        MemorySnapshot { state }
    }
}

/// Implements [`ReadOps`] for a type holding the engine state in a `state` field: snapshots and
/// write transactions read alike.
macro_rules! memory_read_ops {
    ($ty:ty) => {
        impl ReadOps for $ty {
            fn get(&self, table: Table, key: &[u8]) -> Result<Option<std::borrow::Cow<'_, [u8]>>> {
                Ok(get(&self.state.tables[table.index()], key).map(std::borrow::Cow::Borrowed))
            }

            fn scan(
                &self,
                table: Table,
                range: &KeyRange,
                direction: Direction,
                visit: &mut dyn FnMut(&[u8], &[u8]) -> Visit,
            ) -> Result<()> {
                scan(&self.state.tables[table.index()], range, direction, visit);
                Ok(())
            }

            fn scan_keys(
                &self,
                table: Table,
                range: &KeyRange,
                direction: Direction,
                visit: &mut dyn FnMut(&[&[u8]]) -> Visit,
            ) -> Result<()> {
                scan_keys(&self.state.tables[table.index()], range, direction, visit);
                Ok(())
            }

            fn cursor<'t>(
                &'t self,
                table: Table,
                range: KeyRange,
                direction: Direction,
            ) -> Result<Box<dyn KvCursor<'t> + 't>> {
                Ok(Box::new(MemoryCursor::new(
                    &self.state.tables[table.index()],
                    range,
                    direction,
                )))
            }
        }
    };
}

memory_read_ops!(MemorySnapshot);
memory_read_ops!(MemoryWriteTxn);

impl ReadTxn for MemorySnapshot {}

/// A write transaction: a private copy of the state, published whole on commit.
pub(super) struct MemoryWriteTxn {
    state: State,
}

impl MemoryWriteTxn {
    pub(super) fn new(state: State) -> Self {
        MemoryWriteTxn { state }
    }

    /// The state to publish.
    pub(super) fn into_state(self) -> State {
        self.state
    }
}

impl WriteTxn for MemoryWriteTxn {
    fn put(&mut self, table: Table, key: &[u8], value: &[u8]) -> Result<()> {
        check_key(key)?;
        let old = self.state.tables[table.index()].insert(key.to_vec(), value.to_vec());
        self.state.bytes += (key.len() + value.len()) as u64;
        if let Some(old) = old {
            self.state.bytes -= (key.len() + old.len()) as u64;
        }
        Ok(())
    }

    fn delete(&mut self, table: Table, key: &[u8]) -> Result<bool> {
        if !storable(key) {
            return Ok(false);
        }
        match self.state.tables[table.index()].remove(key) {
            Some(old) => {
                self.state.bytes -= (key.len() + old.len()) as u64;
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

/// The value under `key` in `map`.
fn get<'m>(map: &'m Map, key: &[u8]) -> Option<&'m [u8]> {
    map.get(key).map(Vec::as_slice)
}

/// Visits `range` of `map` in `direction` until `visit` says stop.
fn scan(
    map: &Map,
    range: &KeyRange,
    direction: Direction,
    visit: &mut dyn FnMut(&[u8], &[u8]) -> Visit,
) {
    if range.is_empty() {
        return;
    }
    let iter = map.range::<_, [u8]>(range.as_slices());
    match direction {
        Direction::Forward => drive(iter, visit),
        Direction::Reverse => drive(iter.rev(), visit),
    }
}

/// Feeds an iterator's entries to `visit`.
fn drive<'m>(
    iter: impl Iterator<Item = (&'m Vec<u8>, &'m Vec<u8>)>,
    visit: &mut dyn FnMut(&[u8], &[u8]) -> Visit,
) {
    for (key, value) in iter {
        if let Visit::Stop = visit(key, value) {
            break;
        }
    }
}

/// Visits `range` of `map` in chunks of keys until `visit` says stop.
fn scan_keys(
    map: &Map,
    range: &KeyRange,
    direction: Direction,
    visit: &mut dyn FnMut(&[&[u8]]) -> Visit,
) {
    if range.is_empty() {
        return;
    }
    let iter = map.range::<_, [u8]>(range.as_slices());
    let keys: Box<dyn Iterator<Item = &[u8]>> = match direction {
        Direction::Forward => Box::new(iter.map(|(k, _)| k.as_slice())),
        Direction::Reverse => Box::new(iter.rev().map(|(k, _)| k.as_slice())),
    };
    let mut chunk = Vec::with_capacity(crate::SCAN_CHUNK);
    for key in keys {
        chunk.push(key);
        if chunk.len() == crate::SCAN_CHUNK {
            if let Visit::Stop = visit(&chunk) {
                return;
            }
            chunk.clear();
        }
    }
    if !chunk.is_empty() {
        visit(&chunk);
    }
}
