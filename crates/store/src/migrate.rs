//! Upgrading older formats in place, each step in the open's one write transaction: format 2
//! to 3 (the history tables, rebuilt from the log), then format 3 to 4 (the log packed into
//! chunks, `encoding/log.rs`).
//!
//! Invariant: after the upgrade the history tables hold exactly what format 3 would have written
//! had it been in use from the start — for every retraction in the log, the retracted datom's
//! index keys (T = the transaction that last asserted it before the retraction) mapped to the
//! retracting transaction, except for `:db/noHistory` attributes (as the schema has them now).
//!
//! Two passes over the log keep memory to the retracted datoms only: the first collects which
//! `(e, a, v)` were ever retracted, the second follows only those, assertion by retraction.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use datolite_kv::{ReadOps, Table, WriteTxn};

use crate::encoding::{decode_log_key, encode_key, LogChunks, RawDatom};
use crate::meta;
use crate::scan::try_for_each_key;
use crate::schema::Schema;
use crate::transactor::buffer::KeyBuffer;
use crate::{Result, StoreError};

/// One `(e, a, encoded v)`.
type Eav = (u64, u32, Vec<u8>);

/// Rebuilds the history tables of a format-2 database from its log and marks it format 3.
pub(crate) fn upgrade_to_history(txn: &mut dyn WriteTxn) -> Result<()> {
    let mut retracted: HashSet<Eav> = HashSet::default();
    for_each_log_entry(&*txn, |raw, added| {
        if !added {
            retracted.insert((raw.e, raw.a, raw.v.to_vec()));
        }
    })?;
    let mut last_assertion: HashMap<Eav, u64> = HashMap::default();
    let mut history: Vec<(Eav, u64, u64)> = Vec::new();
    for_each_log_entry(&*txn, |raw, added| {
        let eav = (raw.e, raw.a, raw.v.to_vec());
        if !retracted.contains(&eav) {
            return;
        }
        if added {
            last_assertion.insert(eav, raw.tx);
        } else if let Some(asserted) = last_assertion.remove(&eav) {
            history.push((eav, asserted, raw.tx));
        }
    })?;
    let schema = Schema::load(&*txn)?;
    let mut key = Vec::new();
    for ((e, a, v), asserted, retracting) in history {
        let Some(attr) = schema.attribute(a) else {
            return Err(StoreError::Corrupt(format!(
                "the log retracts a datom of attribute {a}, which is not in the schema"
            )));
        };
        if attr.no_history || asserted == retracting {
            continue;
        }
        for &index in attr.indexes() {
            key.clear();
            encode_key(index, e, a, &v, asserted, &mut key);
            txn.put(index.history_table(), &key, &retracting.to_be_bytes())?;
        }
    }
    meta::put_u64(txn, meta::FORMAT, meta::FORMAT_HISTORY)
}

/// Packs a format-3 log (one key per entry, [`encode_log_key`]'s form) into chunks and marks
/// the database format 4. Every entry is read before anything is written, since old keys and
/// chunk keys share the table (memory: the log's keys, once).
pub(crate) fn upgrade_to_packed_log(txn: &mut dyn WriteTxn) -> Result<()> {
    let mut keys = KeyBuffer::default();
    try_for_each_key(&*txn, Table::Log, |key| {
        keys.push(key);
        Ok(())
    })?;
    for key in keys.iter() {
        txn.delete(Table::Log, key)?;
    }
    let mut current: Option<(u64, LogChunks)> = None;
    let mut emit = |key: &[u8], value: &[u8]| txn.put_sorted(Table::Log, key, value);
    for key in keys.iter() {
        let (raw, added) = decode_log_key(key)?;
        let chunks = match &mut current {
            Some((tx, chunks)) if *tx == raw.tx => chunks,
            _ => {
                if let Some((_, done)) = current.take() {
                    done.finish(&mut emit)?;
                }
                &mut current.insert((raw.tx, LogChunks::new(raw.tx))).1
            }
        };
        chunks.push(added, raw.e, raw.a, raw.v, &mut emit)?;
    }
    if let Some((_, done)) = current {
        done.finish(&mut emit)?;
    }
    meta::put_u64(txn, meta::FORMAT, meta::FORMAT_VERSION)
}

/// Calls `f(datom, added)` with every entry of the log, in order.
fn for_each_log_entry(txn: &dyn ReadOps, mut f: impl FnMut(RawDatom<'_>, bool)) -> Result<()> {
    try_for_each_key(txn, Table::Log, |key| {
        let (raw, added) = decode_log_key(key)?;
        f(raw, added);
        Ok(())
    })
}
