//! The state of one transaction while it runs inside the engine's write transaction.
//!
//! Everything here is derived from the write transaction and the operations, so the engine can
//! rerun a transaction from scratch (after growing its storage) and get the same result.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::collections::BTreeSet;
use std::sync::Arc;

use datolite_kv::WriteTxn;

use rustc_hash::{FxHashMap, FxHashSet};

use super::buffer::KeyBuffer;
use super::ops::Tempid;
use super::resolve::{Resolved, Target};
use crate::bulk::Deferred;
use crate::model::Datom;
use crate::schema::Schema;
use crate::stats::StatsChange;
use crate::StoreOptions;

/// One running transaction.
pub(crate) struct TxContext<'a> {
    /// The engine's write transaction.
    pub txn: &'a mut dyn WriteTxn,
    /// Storage options (inline threshold, strictness, statistics).
    pub options: &'a StoreOptions,
    /// The schema, shared with the version the transaction started from until the transaction
    /// installs an attribute (copied then) or writes schema datoms (reloaded then).
    pub schema: Arc<Schema>,
    /// The statistics' changes, datom by datom.
    pub stats: StatsChange,
    /// Whether schema datoms were written (the schema must be reloaded).
    pub schema_touched: bool,
    /// Whether this transaction may write the built-in entities: only transaction 1, which
    /// creates them (see `builtin.rs`).
    pub writes_built_ins: bool,
    /// Internal tempids handed out so far (entity maps without `:db/id`, nested maps); kept
    /// across the schema and data steps so the two never reuse a number.
    pub internal: u32,
    /// The transaction's t.
    pub t: u64,
    /// The transaction entity.
    pub tx: u64,
    /// Next counter in the user partition.
    pub next_user: u64,
    /// Next counter in the db partition.
    pub next_db: u64,
    /// Resolved tempids.
    pub tempids: HashMap<Tempid, u64>,
    /// Tempids that define an ident (allocated in the schema partition).
    pub schema_tempids: HashSet<Tempid>,
    /// Entities created by this transaction (no datoms before it: seeks can be skipped).
    pub new_entities: HashSet<u64>,
    /// Datoms of attributes installed on first use by the running resolution, for `apply.rs`
    /// to write ahead of the resolved operations.
    pub installs: Vec<Resolved>,
    /// `(e, a)` pairs asserted by this transaction.
    pub added_ea: FxHashSet<(u64, u32)>,
    /// Unique `(a, v)` prefixes asserted by this transaction and their entity.
    pub unique_values: FxHashMap<Vec<u8>, u64>,
    /// Smallest and largest encoded value asserted per attribute (merged at flush).
    pub added_bounds: FxHashMap<u32, (Vec<u8>, Vec<u8>)>,
    /// Attributes whose smallest or largest value this transaction retracted: their bounds are
    /// recomputed once, from the tables as the transaction leaves them
    /// ([`TxContext::refresh_extremes`]). Recomputing at every such retraction rescanned, from
    /// the edge of the attribute's range, every value retracted before it — quadratic on the
    /// engines whose writes go through an overlay, where a retracted key is a tombstone to step
    /// over (10,000 updated strings took 15 s of CPU on PostgreSQL).
    pub stale_extremes: BTreeSet<u32>,
    /// Buffered assertion keys per table (see `buffer.rs`).
    pub buffers: [KeyBuffer; 5],
    /// `(entity, composite tuple attribute)` pairs whose sources this transaction changed.
    pub composites_touched: FxHashSet<(u64, u32)>,
    /// Datoms asserted and retracted, in order (left empty in bulk loads).
    pub report: Vec<Datom>,
    /// Datoms asserted and retracted.
    pub datoms: u64,
    /// Scratch buffer for keys.
    pub key: Vec<u8>,
    /// Scratch vector of `expand`'s targets.
    pub targets_scratch: Vec<Target>,
    /// In a bulk load, the index keys held back (`bulk/deferred.rs`); `None` otherwise.
    pub deferred: Option<&'a mut Deferred>,
}

impl TxContext<'_> {
    /// Writes the keys a bulk load held back, before a read that could need them (retractions,
    /// reverse references, schema reloads and checks). Nothing to do outside bulk loads.
    pub fn write_held_back(&mut self) -> crate::Result<()> {
        match self.deferred.as_deref_mut() {
            Some(deferred) if !deferred.is_empty() => {
                deferred.drains += 1;
                deferred.drain(&mut *self.txn)
            }
            _ => Ok(()),
        }
    }

    /// The attribute named `ident`, if known.
    pub fn attribute(&self, ident: &str) -> Option<Arc<crate::schema::Attribute>> {
        self.schema.attribute_named(ident).cloned()
    }
}
