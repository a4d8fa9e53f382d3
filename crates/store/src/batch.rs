//! Column batches: datoms of a scan laid out column by column, values still encoded.
//!
//! The executor works on these (late materialization): ids are plain integers, values stay in
//! their order-preserving encoding — comparable and hashable as bytes — until output.

use datolite_kv::ReadOps;

use crate::encoding::RawDatom;
use crate::model::ValueRef;
use crate::values::materialize;
use crate::Result;

/// Up to `scan_batch_size` datoms, column-wise.
pub struct ColumnBatch<'t> {
    /// Entities.
    pub e: Vec<u64>,
    /// Attribute ids.
    pub a: Vec<u32>,
    /// Transaction entities.
    pub tx: Vec<u64>,
    /// Whether each datom is an assertion (all are, except a history view's retractions).
    pub added: Vec<bool>,
    values: Vec<u8>,
    value_ends: Vec<u32>,
    txn: &'t dyn ReadOps,
}

impl<'t> ColumnBatch<'t> {
    pub(crate) fn new(capacity: usize, txn: &'t dyn ReadOps) -> Self {
        ColumnBatch {
            e: Vec::with_capacity(capacity),
            a: Vec::with_capacity(capacity),
            tx: Vec::with_capacity(capacity),
            added: Vec::with_capacity(capacity),
            values: Vec::with_capacity(capacity * 12),
            value_ends: Vec::with_capacity(capacity),
            txn,
        }
    }

    pub(crate) fn push(&mut self, raw: &RawDatom<'_>) {
        self.e.push(raw.e);
        self.a.push(raw.a);
        self.tx.push(raw.tx);
        self.added.push(raw.added);
        self.values.extend_from_slice(raw.v);
        self.value_ends.push(self.values.len() as u32);
    }

    pub(crate) fn clear(&mut self) {
        self.e.clear();
        self.a.clear();
        self.tx.clear();
        self.added.clear();
        self.values.clear();
        self.value_ends.clear();
    }

    /// Number of datoms.
    pub fn len(&self) -> usize {
        self.e.len()
    }

    /// Whether the batch is empty.
    pub fn is_empty(&self) -> bool {
        self.e.is_empty()
    }

    /// The encoded value of row `i`.
    pub fn encoded_value(&self, i: usize) -> &[u8] {
        let start = if i == 0 {
            0
        } else {
            self.value_ends[i - 1] as usize
        };
        &self.values[start..self.value_ends[i] as usize]
    }

    /// The decoded value of row `i`.
    pub fn value(&self, i: usize) -> Result<ValueRef<'_>> {
        let start = if i == 0 {
            0
        } else {
            self.value_ends[i - 1] as usize
        };
        materialize(&self.values[start..self.value_ends[i] as usize], self.txn)
    }
}
