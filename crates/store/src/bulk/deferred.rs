//! The index keys a bulk load holds back: AEVT, AVET and VAET keys of user attributes, kept as
//! sorted runs (in memory, spilled to temporary files when large) and written in key order when
//! something needs them or when the load ends (`docs/design.md`, §7.7 Bulk loads).
//!
//! Why these: the transactor reads EAVT (cardinality, existence, composites), the log, the
//! values table and AVET of *unique* attributes (upserts, lookup refs, uniqueness) on every
//! transaction, and the rest of AEVT, AVET and VAET only when it retracts something or the
//! schema changes. So EAVT and the log are written in place (new entities append to both), the
//! unique values held back are remembered in a map that answers the transactor's AVET reads,
//! and everything else waits — to be appended with `MDB_APPEND` after everything already there.
//!
//! Invariants:
//! - What the transactor reads is always complete: a read that could see held-back keys (any
//!   retraction, `retractEntity`'s VAET walk, a schema reload or check after an existing
//!   attribute changed) first writes them all ([`Deferred::drain`], called through
//!   `TxContext::write_held_back`); AVET reads of unique attributes see the LMDB table plus
//!   [`Deferred::unique_holder`].
//! - System attributes (ids below 100: `:db/ident`, the schema's own datoms, `:db/txInstant`)
//!   are never held back: `Schema::load` reads their AEVT keys.
//! - Distinct-value statistics of attributes with held-back AVET keys are recounted from AVET
//!   when the load ends (`attributes`); every other statistic is maintained by the transactor.

use std::path::PathBuf;
use std::thread::JoinHandle;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use datolite_kv::{Direction, KeyRange, Table, WriteTxn};

use super::runs::{KeyBuffer, Merge, RunFile};
use crate::bootstrap::FIRST_USER_SCHEMA_ID;
use crate::{Result, StoreError};

/// The tables whose keys are held back, in slot order.
pub(crate) const DEFERRED: [Table; 3] = [Table::Aevt, Table::Avet, Table::Vaet];

/// Keys merged and written per chunk when draining.
const CHUNK: usize = 64 * 1024;

/// Held-back keys of one table.
#[derive(Default)]
struct Staged {
    arena: KeyBuffer,
    runs: Vec<RunFile>,
}

/// The bulk loader's held-back keys.
pub(crate) struct Deferred {
    tables: [Staged; 3],
    /// AVET prefixes `[a u32][v tagged]` of held-back unique values, and their entity.
    unique: FxHashMap<Box<[u8]>, u64>,
    /// Attributes whose AVET keys were held back at some point (distinct values recounted).
    attributes: FxHashSet<u32>,
    /// Bytes of keys kept in memory before the largest arena is spilled.
    memory_budget: usize,
    /// Held-back unique values remembered before everything is drained instead.
    unique_budget: usize,
    /// Where spill files go.
    spill_dir: PathBuf,
    /// A spill under way on a thread of its own: the slot, and the run it will give.
    spilling: Option<(usize, JoinHandle<Result<RunFile>>)>,
    /// Drains before the end of the load, and runs spilled.
    pub drains: u64,
    pub spilled_runs: u64,
}

impl Deferred {
    /// Nothing held back yet; spills go to `spill_dir` once `memory_budget` bytes are held.
    pub fn new(memory_budget: usize, spill_dir: PathBuf) -> Deferred {
        Deferred {
            tables: Default::default(),
            unique: FxHashMap::default(),
            attributes: FxHashSet::default(),
            memory_budget,
            // About 64 bytes a value: as much memory again as the keys' budget (a million
            // values with the default budget).
            unique_budget: (memory_budget / 64).max(1024),
            spill_dir,
            drains: 0,
            spilled_runs: 0,
            spilling: None,
        }
    }

    /// Whether keys of attribute `a` are held back.
    pub fn holds_back(a: u32) -> bool {
        u64::from(a) >= FIRST_USER_SCHEMA_ID
    }

    /// The slot of a held-back table.
    pub fn slot(table: Table) -> Option<usize> {
        DEFERRED.iter().position(|t| *t == table)
    }

    /// Whether nothing is held back.
    pub fn is_empty(&self) -> bool {
        self.spilling.is_none()
            && self
                .tables
                .iter()
                .all(|t| t.arena.len() == 0 && t.runs.is_empty())
    }

    /// Holds back `key` of the table in `slot` ([`Deferred::spill_if_needed`] keeps memory in
    /// bounds).
    pub fn push(&mut self, slot: usize, key: &[u8]) {
        if DEFERRED[slot] == Table::Avet {
            self.attributes
                .insert(u32::from_be_bytes([key[0], key[1], key[2], key[3]]));
        }
        self.tables[slot].arena.push(key);
    }

    /// Spills the largest arena when the arenas hold more than the budget. The sorting and
    /// writing run on a thread of their own while the load goes on (the transactor is
    /// single-threaded; the second core would idle); one spill at a time, so at most one
    /// arena more than the budget is in memory.
    pub fn spill_if_needed(&mut self) -> Result<()> {
        let held: usize = self.tables.iter().map(|t| t.arena.memory()).sum();
        if held <= self.memory_budget {
            return Ok(());
        }
        self.finish_spill()?;
        let Some(slot) = (0..self.tables.len()).max_by_key(|&i| self.tables[i].arena.memory())
        else {
            return Ok(());
        };
        let arena = std::mem::take(&mut self.tables[slot].arena);
        let dir = self.spill_dir.clone();
        let handle = std::thread::Builder::new()
            .name("datolite-spill".into())
            .spawn(move || RunFile::spill(&arena, &dir))
            .map_err(|e| StoreError::Io(format!("bulk load: cannot start a spill thread: {e}")))?;
        self.spilling = Some((slot, handle));
        self.spilled_runs += 1;
        Ok(())
    }

    /// Waits for the spill under way, if any, and keeps its run.
    fn finish_spill(&mut self) -> Result<()> {
        if let Some((slot, handle)) = self.spilling.take() {
            let run = handle.join().map_err(|_| {
                StoreError::Io("bulk load: the thread spilling sorted keys panicked".into())
            })??;
            self.tables[slot].runs.push(run);
        }
        Ok(())
    }

    /// Remembers that unique value `av` (an AVET prefix) of a held-back attribute belongs to `e`.
    pub fn note_unique(&mut self, av: &[u8], e: u64) {
        self.unique.insert(av.into(), e);
    }

    /// Whether so many unique values are remembered that they should be written instead.
    pub fn unique_full(&self) -> bool {
        self.unique.len() >= self.unique_budget
    }

    /// The entity holding held-back unique value `av`, if any.
    pub fn unique_holder(&self, av: &[u8]) -> Option<u64> {
        self.unique.get(av).copied()
    }

    /// Attributes whose AVET keys were held back during the load.
    pub fn attributes(&self) -> impl Iterator<Item = u32> + '_ {
        self.attributes.iter().copied()
    }

    /// Writes every held-back key into its table in key order: keys after the table's last key
    /// are appended, the others put.
    pub fn drain(&mut self, txn: &mut dyn WriteTxn) -> Result<()> {
        self.finish_spill()?;
        let mut chunk = KeyBuffer::default();
        let tables = std::mem::take(&mut self.tables);
        // The three tables' keys are sorted at once, one core each.
        let orders: Vec<Vec<u32>> = tables.par_iter().map(|t| t.arena.sorted()).collect();
        for ((table, staged), order) in DEFERRED.into_iter().zip(tables).zip(orders) {
            if staged.arena.len() == 0 && staged.runs.is_empty() {
                continue;
            }
            let last = txn
                .first(table, &KeyRange::all(), Direction::Reverse)?
                .map(|(k, _)| k);
            let mut merge = Merge::new(&staged.arena, order, staged.runs)?;
            while merge.next_chunk(&mut chunk, CHUNK)? {
                let mut keys = chunk.iter().peekable();
                while let Some(key) = keys.next_if(|k| last.as_deref().is_some_and(|l| *k <= l)) {
                    txn.put(table, key, &[])?;
                }
                txn.append_keys(table, &mut keys)?;
            }
        }
        self.unique.clear();
        Ok(())
    }
}
