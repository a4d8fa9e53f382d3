//! Deferred index writes: a transaction's assertions are collected per table and written in key
//! order when the transaction's operations are done.
//!
//! Why: sorted writes touch each B-tree page once while it is hot, and keys that sort after
//! everything already in a table (new entities in EAVT, a new transaction in the log) are
//! appended without a tree search. Retractions are not deferred; they run first, so the
//! transactor's reads of the committed state see them.

use datolite_kv::{Direction, KeyRange, Table, WriteTxn};

use crate::bulk::Deferred;
use crate::encoding::Index;
use crate::Result;

/// The tables assertions go to, in buffer order.
pub(crate) const BUFFERED: [Table; 5] = [
    Table::Eavt,
    Table::Aevt,
    Table::Avet,
    Table::Vaet,
    Table::Log,
];

/// Buffer slot of an index.
pub(crate) fn slot(index: Index) -> usize {
    match index {
        Index::Eavt => 0,
        Index::Aevt => 1,
        Index::Avet => 2,
        Index::Vaet => 3,
    }
}

/// Buffer slot of the log.
pub(crate) const LOG: usize = 4;

/// Keys of one table, back to back in one allocation, in arrival order. Also the bulk loader's
/// arena of held-back keys (`bulk/runs.rs`).
#[derive(Default)]
pub(crate) struct KeyBuffer {
    bytes: Vec<u8>,
    ends: Vec<u32>,
}

impl KeyBuffer {
    /// An empty buffer with room for `keys` keys of about `key_len` bytes.
    pub fn with_capacity(keys: usize, key_len: usize) -> KeyBuffer {
        KeyBuffer {
            bytes: Vec::with_capacity(keys.saturating_mul(key_len)),
            ends: Vec::with_capacity(keys),
        }
    }

    /// Appends a key written by `write`.
    pub fn push_with(&mut self, write: impl FnOnce(&mut Vec<u8>)) {
        write(&mut self.bytes);
        self.ends.push(self.bytes.len() as u32);
    }

    /// Appends `key`.
    pub fn push(&mut self, key: &[u8]) {
        self.push_with(|out| out.extend_from_slice(key));
    }

    /// The `i`-th key pushed.
    pub fn key(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.bytes[start..self.ends[i] as usize]
    }

    /// The keys in arrival order.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.ends.len()).map(|i| self.key(i))
    }

    /// Bytes held (keys and their ends).
    pub fn memory(&self) -> usize {
        self.bytes.len() + 4 * self.ends.len()
    }

    /// Key positions in ascending key order (already-sorted input costs one pass).
    pub fn sorted(&self) -> Vec<u32> {
        self.sorted_sharing(0)
    }

    /// [`KeyBuffer::sorted`] for keys that all begin with the same `shared` bytes (the log's
    /// entries, which share their transaction).
    ///
    /// How: each key's first 16 bytes after the shared ones become one integer, radix-sorted
    /// (`radsort` skips the bytes all keys share, such as an attribute id's high bytes or an
    /// entity's partition), then runs of equal integers are ordered by their whole keys. A
    /// comparison sort of 100,000 keys took ~620 instructions a key (`bench people`'s
    /// transaction, callgrind), most of it comparisons that had to go on to `memcmp`.
    pub fn sorted_sharing(&self, shared: usize) -> Vec<u32> {
        let mut order: Vec<(u128, u32)> = (0..self.ends.len())
            .map(|i| {
                let key = self.key(i);
                let key = key.get(shared..).unwrap_or(&[]);
                let mut head = [0u8; 16];
                let n = key.len().min(16);
                head[..n].copy_from_slice(&key[..n]);
                (u128::from_be_bytes(head), i as u32)
            })
            .collect();
        let whole =
            |a: &(u128, u32), b: &(u128, u32)| self.key(a.1 as usize).cmp(self.key(b.1 as usize));
        if !order.is_sorted_by(|a, b| a.0.cmp(&b.0).then_with(|| whole(a, b)).is_le()) {
            radsort::sort_by_key(&mut order, |p| p.0);
            let mut start = 0;
            while start < order.len() {
                let head = order[start].0;
                let mut end = start + 1;
                while end < order.len() && order[end].0 == head {
                    end += 1;
                }
                if end - start > 1 {
                    order[start..end].sort_unstable_by(whole);
                }
                start = end;
            }
        }
        order.into_iter().map(|(_, i)| i).collect()
    }

    /// Empties the buffer, keeping its memory.
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }

    /// Number of keys buffered.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Writes every key (empty value) into `table` in `order` (from [`KeyBuffer::sorted`], or
    /// an order known to be the same). `before_put` sees each key
    /// first, with the table's last key before this batch, while the table still holds none of
    /// the batch (statistics look at the committed state there). Keys that sort after that
    /// last key are appended in one batch, without tree searches.
    pub fn write_sorted(
        &self,
        txn: &mut dyn WriteTxn,
        table: Table,
        mut order: Vec<u32>,
        mut before_put: impl FnMut(&mut dyn WriteTxn, &[u8], Option<&[u8]>) -> Result<()>,
    ) -> Result<()> {
        if self.ends.is_empty() {
            return Ok(());
        }
        order.dedup_by(|a, b| self.key(*a as usize) == self.key(*b as usize));
        let last = txn
            .first(table, &KeyRange::all(), Direction::Reverse)?
            .map(|(k, _)| k);
        for &i in &order {
            before_put(txn, self.key(i as usize), last.as_deref())?;
        }
        // Sorted input: once one key is past the old last key, all the rest are too.
        let split = order.partition_point(|&i| {
            last.as_deref()
                .is_some_and(|last| self.key(i as usize) <= last)
        });
        for &i in &order[..split] {
            txn.put(table, self.key(i as usize), &[])?;
        }
        txn.append_keys(
            table,
            &mut order[split..].iter().map(|&i| self.key(i as usize)),
        )?;
        Ok(())
    }
}

/// Moves the keys of user attributes in AEVT, AVET and VAET from `buffers` to `deferred` (a
/// bulk load writes them later, in order); system attributes' keys stay to be written now.
pub(crate) fn hold_back(buffers: &mut [KeyBuffer; 5], deferred: &mut Deferred) -> Result<()> {
    for index in [Index::Aevt, Index::Avet, Index::Vaet] {
        let Some(deferred_slot) = Deferred::slot(index.table()) else {
            continue;
        };
        let buffer = &mut buffers[slot(index)];
        if buffer.len() == 0 {
            continue;
        }
        // VAET keys are `[09][v u64][a u32]…`, the others start with the attribute.
        let at = if index == Index::Vaet { 9 } else { 0 };
        let mut kept = KeyBuffer::default();
        for i in 0..buffer.len() {
            let key = buffer.key(i);
            let a = u32::from_be_bytes([key[at], key[at + 1], key[at + 2], key[at + 3]]);
            if Deferred::holds_back(a) {
                deferred.push(deferred_slot, key);
            } else {
                kept.push_with(|out| out.extend_from_slice(key));
            }
        }
        if kept.len() == 0 {
            buffer.clear();
        } else {
            *buffer = kept;
        }
    }
    deferred.spill_if_needed()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Radix-sorted heads plus ordered ties give exactly the byte order of the keys: short keys,
    /// keys equal in their first 16 bytes, duplicates, a shared prefix.
    #[test]
    fn sorted_is_byte_order() {
        let mut state = 11u64;
        let mut next = |n: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % n
        };
        for shared in [0usize, 8] {
            let mut buffer = KeyBuffer::default();
            let mut keys = Vec::new();
            for _ in 0..3000 {
                let mut key = vec![7u8; shared];
                let len = 1 + next(30) as usize;
                // Few distinct bytes early on: many keys tie in their first 16 bytes.
                key.extend((0..len).map(|i| {
                    if i < 18 {
                        next(2) as u8
                    } else {
                        next(256) as u8
                    }
                }));
                buffer.push(&key);
                keys.push(key);
            }
            let order = buffer.sorted_sharing(shared);
            let got: Vec<&[u8]> = order.iter().map(|&i| buffer.key(i as usize)).collect();
            keys.sort();
            let expected: Vec<&[u8]> = keys.iter().map(Vec::as_slice).collect();
            assert_eq!(got, expected, "shared {shared}");
        }
    }
}
