//! The memory engine: persistent (copy-on-write) B-trees, for tests, ephemeral databases and
//! cross-checking the LMDB engine.
//!
//! The committed state is an `Arc` of eight `imbl::OrdMap`s. A snapshot clones the `Arc`; a
//! write transaction clones the maps (O(1): they share structure), mutates its copy and, on
//! commit, swaps it in as the new state — all-or-nothing, with abort being a plain drop.
//! Snapshots therefore never block and never see later commits.
//!
//! It enforces the same key limits as LMDB ([`MAX_KEY_LEN`](crate::MAX_KEY_LEN), no empty keys)
//! so that code tested against it behaves the same on disk.

mod cursor;
mod txn;

use std::sync::{Arc, Mutex, PoisonError, RwLock};

use imbl::OrdMap;

use self::txn::{MemorySnapshot, MemoryWriteTxn};
use crate::{Engine, ReadTxn, Result, Table, WriteTxn};

/// One table: sorted byte keys to byte values.
type Map = OrdMap<Vec<u8>, Vec<u8>>;

/// One committed state of every table.
#[derive(Clone, Default)]
struct State {
    /// Indexed by [`Table::index`](crate::Table::index).
    tables: [Map; Table::ALL.len()],
    /// Sum of key and value lengths, kept up to date by writes for `size_on_disk`.
    bytes: u64,
}

/// An in-memory engine; nothing survives the process.
#[derive(Default)]
pub struct MemoryEngine {
    /// The latest committed state.
    current: RwLock<Arc<State>>,
    /// Serializes write transactions, so a commit never overwrites a concurrent one.
    writer: Mutex<()>,
}

impl MemoryEngine {
    /// An empty engine.
    pub fn new() -> Self {
        MemoryEngine::default()
    }

    /// The latest committed state (an `Arc` clone).
    fn current(&self) -> Arc<State> {
        // Poisoning cannot leave the state half-written (it is replaced whole), so ignore it.
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }
}

impl std::fmt::Debug for MemoryEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.current();
        let keys: usize = state.tables.iter().map(OrdMap::len).sum();
        f.debug_struct("MemoryEngine")
            .field("keys", &keys)
            .field("bytes", &state.bytes)
            .finish()
    }
}

impl Engine for MemoryEngine {
    fn name(&self) -> &'static str {
        "memory"
    }

    fn read(&self) -> Result<Box<dyn ReadTxn>> {
        Ok(Box::new(MemorySnapshot::new(self.current())))
    }

    fn read_group(&self, n: usize) -> Result<Vec<Box<dyn ReadTxn>>> {
        let state = self.current();
        Ok((0..n)
            .map(|_| Box::new(MemorySnapshot::new(Arc::clone(&state))) as Box<dyn ReadTxn>)
            .collect())
    }

    fn write(&self, body: &mut dyn FnMut(&mut dyn WriteTxn) -> Result<()>) -> Result<()> {
        let _writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let mut txn = MemoryWriteTxn::new(State::clone(&self.current()));
        body(&mut txn)?;
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(txn.into_state());
        Ok(())
    }

    fn sync(&self) -> Result<()> {
        Ok(())
    }

    /// The sum of all key and value lengths (the payload; the trees' overhead is not counted).
    fn size_on_disk(&self) -> Result<u64> {
        Ok(self.current().bytes)
    }

    fn backup(&self, _dest: &std::path::Path) -> Result<()> {
        Err(crate::KvError::Engine(
            "the memory engine keeps no files to back up; back up a database on disk (lmdb)".into(),
        ))
    }

    fn table_bytes(&self, table: Table) -> Result<u64> {
        let state = self.current();
        Ok(state.tables[table.index()]
            .iter()
            .map(|(k, v)| (k.len() + v.len()) as u64)
            .sum())
    }

    fn raw_scan(&self, table: Table) -> Result<(u64, u64)> {
        let state = self.current();
        let (mut keys, mut bytes) = (0u64, 0u64);
        for key in state.tables[table.index()].keys() {
            keys += 1;
            bytes += key.len() as u64;
        }
        Ok((keys, bytes))
    }
}
