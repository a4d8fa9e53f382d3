//! Upgrading a format-2 database to format 3 in place: the history tables, rebuilt from the log.
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

use crate::encoding::{decode_log_key, encode_key, RawDatom};
use crate::meta;
use crate::scan::try_for_each_key;
use crate::schema::Schema;
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
