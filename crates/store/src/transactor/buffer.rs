//! Deferred index writes: a transaction's assertions are collected per table and written in key
//! order when the transaction's operations are done.
//!
//! Why: sorted writes touch each B-tree page once while it is hot, and keys that sort after
//! everything already in a table (new entities in EAVT, a new transaction in the log) are
//! appended without a tree search. Retractions are not deferred; they run first, so the
//! transactor's reads of the committed state see them.

use datolite_kv::{Direction, KeyRange, ReadOps, Table, WriteTxn};

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
    /// How: each key's first 16 bytes after the shared ones become one integer; the integers
    /// are bucketed by their most significant differing byte, buckets not yet in order are
    /// radix-sorted (`radsort` skips the bytes all keys share, such as an attribute id's high
    /// bytes or an entity's partition), and runs of equal integers are ordered by their whole
    /// keys. A comparison sort of 100,000 keys took ~620 instructions a key (`bench people`'s
    /// transaction, callgrind), most of it comparisons that had to go on to `memcmp`; this takes
    /// ~210.
    pub fn sorted_sharing(&self, shared: usize) -> Vec<u32> {
        let order: Vec<(u128, u32)> = (0..self.ends.len())
            .map(|i| {
                let key = self.key(i);
                let key = key.get(shared..).unwrap_or(&[]);
                let mut head = [0u8; 16];
                let n = key.len().min(16);
                head[..n].copy_from_slice(&key[..n]);
                (u128::from_be_bytes(head), i as u32)
            })
            .collect();
        let order = self.sort_heads(order);
        order.into_iter().map(|(_, i)| i).collect()
    }

    /// Sorts `(head, position)` pairs by head, then by whole key.
    ///
    /// Keys often arrive sorted within groups that their most significant differing byte tells
    /// apart — entity by entity within each attribute (AEVT), or in order but for the
    /// transaction's own datoms (EAVT, the log) — so the pairs are first bucketed by that byte
    /// (one stable counting pass), and only buckets not already in order are radix-sorted.
    fn sort_heads(&self, order: Vec<(u128, u32)>) -> Vec<(u128, u32)> {
        let whole =
            |a: &(u128, u32), b: &(u128, u32)| self.key(a.1 as usize).cmp(self.key(b.1 as usize));
        let in_order = |pairs: &[(u128, u32)]| {
            pairs.is_sorted_by(|a, b| a.0.cmp(&b.0).then_with(|| whole(a, b)).is_le())
        };
        if in_order(&order) {
            return order;
        }
        let first = order[0].0;
        let differing = order.iter().fold(0u128, |bits, p| bits | (p.0 ^ first));
        // Heads all equal: only whole keys tell them apart.
        let shift = 120u32.saturating_sub(differing.leading_zeros() / 8 * 8);
        let byte = |p: &(u128, u32)| ((p.0 >> shift) & 0xff) as usize;
        let mut starts = [0usize; 257];
        for p in &order {
            starts[byte(p) + 1] += 1;
        }
        for b in 0..256 {
            starts[b + 1] += starts[b];
        }
        let bounds = starts;
        let mut bucketed = vec![(0u128, 0u32); order.len()];
        for p in &order {
            let slot = &mut starts[byte(p)];
            bucketed[*slot] = *p;
            *slot += 1;
        }
        for b in 0..256 {
            let bucket = &mut bucketed[bounds[b]..bounds[b + 1]];
            if bucket.len() < 2 || in_order(bucket) {
                continue;
            }
            radsort::sort_by_key(bucket, |p| p.0);
            let mut start = 0;
            while start < bucket.len() {
                let head = bucket[start].0;
                let mut end = start + 1;
                while end < bucket.len() && bucket[end].0 == head {
                    end += 1;
                }
                if end - start > 1 {
                    bucket[start..end].sort_unstable_by(whole);
                }
                start = end;
            }
        }
        bucketed
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
    /// an order known to be the same). `last` is the table's last key before this batch
    /// ([`last_key`]): keys that sort after it are appended in one batch, without tree searches.
    pub fn write_sorted(
        &self,
        txn: &mut dyn WriteTxn,
        table: Table,
        mut order: Vec<u32>,
        last: Option<&[u8]>,
    ) -> Result<()> {
        if self.ends.is_empty() {
            return Ok(());
        }
        order.dedup_by(|a, b| self.key(*a as usize) == self.key(*b as usize));
        // Sorted input: once one key is past the old last key, all the rest are too.
        let split =
            order.partition_point(|&i| last.is_some_and(|last| self.key(i as usize) <= last));
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

/// The last key of `table`, if any.
pub(crate) fn last_key(txn: &dyn ReadOps, table: Table) -> Result<Option<Vec<u8>>> {
    Ok(txn
        .first(table, &KeyRange::all(), Direction::Reverse)?
        .map(|(k, _)| k))
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
        // Keys sorted within attribute groups, interleaved (AEVT's usual order).
        let mut buffer = KeyBuffer::default();
        let mut keys = Vec::new();
        for e in (0..500u64).rev().step_by(3).chain(0..400) {
            for a in [3u32, 1, 2, 0x0100] {
                let mut key = a.to_be_bytes().to_vec();
                key.extend_from_slice(&(0x0010_0000_0000_0000 + e).to_be_bytes());
                key.push(next(3) as u8);
                buffer.push(&key);
                keys.push(key);
            }
        }
        let got: Vec<&[u8]> = buffer
            .sorted()
            .iter()
            .map(|&i| buffer.key(i as usize))
            .collect();
        keys.sort();
        assert_eq!(got, keys.iter().map(Vec::as_slice).collect::<Vec<_>>());
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
