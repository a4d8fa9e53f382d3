//! The engine interface: snapshots, write transactions and cursors.
//!
//! The traits are object-safe so the store can pick an engine at run time. The hot path of a
//! full scan is [`ReadOps::scan`]: the engine runs its own tight loop and calls the visitor once
//! per key with a slice borrowed straight from the engine's memory (LMDB's memory map), so no
//! key is copied and the only dynamic dispatch is one indirect call per key.

use std::borrow::Cow;

use crate::{Direction, KeyRange, KvError, Result, Table};

/// Keys per chunk handed to [`ReadOps::scan_keys`] visitors.
pub const SCAN_CHUNK: usize = 256;

/// What a scan visitor wants next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visit {
    /// Keep going.
    Continue,
    /// Stop the scan now.
    Stop,
}

/// Read operations shared by snapshots and write transactions.
pub trait ReadOps {
    /// The value stored under `key`, if any: borrowed from the snapshot where the engine keeps
    /// values in memory it can lend (LMDB's map, the memory engine's trees), copied where it
    /// cannot (RocksDB).
    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Cow<'_, [u8]>>>;

    /// Calls `visit(key, value)` for every key of `range` in `direction` until it returns
    /// [`Visit::Stop`]. This is the fast path for full and range scans.
    fn scan(
        &self,
        table: Table,
        range: &KeyRange,
        direction: Direction,
        visit: &mut dyn FnMut(&[u8], &[u8]) -> Visit,
    ) -> Result<()>;

    /// Calls `visit` with consecutive chunks of up to [`SCAN_CHUNK`] keys of `range` in
    /// `direction` (values are not passed) until it returns [`Visit::Stop`]. The fastest way
    /// through many keys: one indirect call per chunk instead of one per key. Key slices stay
    /// valid for the whole call (they point into the snapshot).
    fn scan_keys(
        &self,
        table: Table,
        range: &KeyRange,
        direction: Direction,
        visit: &mut dyn FnMut(&[&[u8]]) -> Visit,
    ) -> Result<()>;

    /// A pull cursor over `range` in `direction` that can also jump ahead with
    /// [`KvCursor::seek`] (merge joins, skip scans).
    fn cursor<'t>(
        &'t self,
        table: Table,
        range: KeyRange,
        direction: Direction,
    ) -> Result<Box<dyn KvCursor<'t> + 't>>;

    /// The first key of `range` in `direction`, with its value.
    fn first(
        &self,
        table: Table,
        range: &KeyRange,
        direction: Direction,
    ) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        let mut found = None;
        self.scan(table, range, direction, &mut |k, v| {
            found = Some((k.to_vec(), v.to_vec()));
            Visit::Stop
        })?;
        Ok(found)
    }

    /// Whether any key lies in `range`.
    fn any(&self, table: Table, range: &KeyRange) -> Result<bool> {
        let mut found = false;
        self.scan(table, range, Direction::Forward, &mut |_, _| {
            found = true;
            Visit::Stop
        })?;
        Ok(found)
    }
}

/// A consistent, read-only view of every table as of one committed write transaction.
///
/// A snapshot may move between threads but must not be used by two threads at once (LMDB's rule
/// for read transactions); parallel scans therefore use one snapshot per worker from
/// [`Engine::read_group`].
pub trait ReadTxn: ReadOps + Send {}

/// A write transaction: reads see its own writes; nothing is visible to others until commit.
pub trait WriteTxn: ReadOps {
    /// Stores `value` under `key`, replacing any previous value.
    fn put(&mut self, table: Table, key: &[u8], value: &[u8]) -> Result<()>;

    /// Stores `value` under `key`, a hint that keys arrive in ascending order (bulk loads).
    /// Engines that have an append mode use it when `key` sorts after the table's last key and
    /// fall back to [`WriteTxn::put`] otherwise; the result is the same either way.
    fn put_sorted(&mut self, table: Table, key: &[u8], value: &[u8]) -> Result<()> {
        self.put(table, key, value)
    }

    /// Stores every key of `keys` (ascending, no duplicates, all sorting after the table's last
    /// key) with an empty value: a bulk append. Engines with an append mode keep one cursor at
    /// the end of the table for the whole batch; a key that turns out not to sort last is
    /// still stored, by an ordinary put.
    fn append_keys(&mut self, table: Table, keys: &mut dyn Iterator<Item = &[u8]>) -> Result<()> {
        for key in keys {
            self.put_sorted(table, key, &[])?;
        }
        Ok(())
    }

    /// Removes `key`; returns whether it was present.
    fn delete(&mut self, table: Table, key: &[u8]) -> Result<bool>;
}

/// A pull cursor over a key range of a snapshot (`'t`).
///
/// An entry it returns stays valid until the cursor moves again (the next `next` or `seek`):
/// LMDB and the memory engine could lend entries for the snapshot's whole life, but RocksDB's
/// iterators reuse their buffers, so callers that keep an entry past a move copy it.
pub trait KvCursor<'t> {
    /// The next key and value in the cursor's direction.
    fn next(&mut self) -> Result<Option<(&[u8], &[u8])>>;

    /// Moves to the first key at or after `key` in the cursor's direction (for a reverse
    /// cursor: the last key at or before `key`), staying inside the range, and returns it.
    /// Seeking backwards (against the direction) is allowed and repositions the cursor.
    fn seek(&mut self, key: &[u8]) -> Result<Option<(&[u8], &[u8])>>;
}

/// What an engine's local cache did: hits, misses and what it holds. Engines that read through
/// the operating system's page cache (LMDB) or their own block cache (RocksDB) have none of
/// their own to report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Requests answered from the cache.
    pub hits: u64,
    /// Requests that went to the storage.
    pub misses: u64,
    /// Bytes held now.
    pub bytes: u64,
}

/// An embedded key-value engine.
pub trait Engine: Send + Sync {
    /// Short name of the engine ("lmdb", "memory", "rocksdb").
    fn name(&self) -> &'static str;

    /// A snapshot of the latest committed state.
    fn read(&self) -> Result<Box<dyn ReadTxn>>;

    /// `n` snapshots guaranteed to see the same committed state (no commit can land between
    /// their openings), one per parallel worker.
    fn read_group(&self, n: usize) -> Result<Vec<Box<dyn ReadTxn>>>;

    /// Runs `body` inside the single write transaction and commits it when `body` returns `Ok`;
    /// aborts (writing nothing) when it returns `Err`. When the storage fills up — in `body` or
    /// at commit — the engine aborts, grows the storage and runs `body` again from scratch, so
    /// `body` must be repeatable. Write transactions are serialized.
    fn write(&self, body: &mut dyn FnMut(&mut dyn WriteTxn) -> Result<()>) -> Result<()>;

    /// Flushes committed data to stable storage (meaningful with relaxed sync modes).
    fn sync(&self) -> Result<()>;

    /// Bytes the engine uses on disk (or in memory for the memory engine).
    fn size_on_disk(&self) -> Result<u64>;

    /// Bytes table `table` occupies: its pages on LMDB (page size × branch, leaf and overflow
    /// pages), its keys and values in memory.
    fn table_bytes(&self, table: Table) -> Result<u64>;

    /// The benchmarks' yardstick: walks every key of `table` in a fresh snapshot with the
    /// engine's own bare iterator (no visitor, no decoding) and returns (keys, key bytes).
    fn raw_scan(&self, table: Table) -> Result<(u64, u64)>;

    /// The engine's own cache of fetched data, if it keeps one (the PostgreSQL engine).
    fn cache_stats(&self) -> Option<CacheStats> {
        None
    }

    /// Empties the engine's own cache, if it keeps one: the benchmarks' cold runs.
    fn clear_cache(&self) {}

    /// Writes a consistent copy of the latest commit into `dest`, an existing empty directory,
    /// while writers go on (a hot backup). Engines without files say so.
    fn backup(&self, dest: &std::path::Path) -> Result<()>;
}

/// Runs `body` in a write transaction of `engine`, returning its value; `body`'s own errors abort
/// the transaction and come back unchanged (storage-full retries happen inside, see
/// [`Engine::write`]).
pub fn write_with<T, E: From<KvError>>(
    engine: &dyn Engine,
    mut body: impl FnMut(&mut dyn WriteTxn) -> Result<T, E>,
) -> Result<T, E> {
    let mut output: Option<T> = None;
    let mut failure: Option<E> = None;
    let outcome = engine.write(&mut |txn| {
        failure = None;
        match body(txn) {
            Ok(value) => {
                output = Some(value);
                Ok(())
            }
            Err(error) => {
                failure = Some(error);
                Err(KvError::Aborted)
            }
        }
    });
    match (outcome, failure, output) {
        (Err(KvError::Aborted), Some(error), _) => Err(error),
        (Err(error), _, _) => Err(error.into()),
        (Ok(()), _, Some(value)) => Ok(value),
        (Ok(()), _, None) => {
            Err(KvError::Engine("write transaction committed without a result".into()).into())
        }
    }
}
