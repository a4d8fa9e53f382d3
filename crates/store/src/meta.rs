//! Small counters in the `meta` table: format version, basis t, id allocators, total datoms.

use datolite_kv::{ReadOps, Table, WriteTxn};

use crate::{Result, StoreError};

/// Key of the on-disk format version.
pub const FORMAT: &[u8] = b"format";
/// Key of the t of the last committed transaction.
pub const BASIS_T: &[u8] = b"basis_t";
/// Key of the next counter in the user partition.
pub const NEXT_USER: &[u8] = b"next_user";
/// Key of the next counter in the db (schema) partition.
pub const NEXT_DB: &[u8] = b"next_db";
/// Key of the total number of datoms in the current-state indexes.
pub const DATOMS: &[u8] = b"datoms";
/// Key of the inline value threshold the database was created with (fixed for its lifetime,
/// since it decides how keys are encoded).
pub const INLINE_THRESHOLD: &[u8] = b"inline_threshold";

/// The on-disk format this build writes and reads. Version 2: keywords order as Clojure
/// compares them, new value types, system ids re-laid out (see `bootstrap.rs`). Version 3: the
/// four history tables. Version 4 (this build): the log packed into chunks per transaction
/// (`encoding/log.rs`). Versions 2 and 3 are upgraded in place when opened (`migrate.rs`).
pub const FORMAT_VERSION: u64 = 4;

/// The oldest format this build upgrades in place (see [`FORMAT_VERSION`]).
pub const FORMAT_UPGRADABLE: u64 = 2;

/// Format 3: history tables, one log key per entry.
pub const FORMAT_HISTORY: u64 = 3;

/// Reads a `u64` counter, `None` when absent.
pub fn get_u64(txn: &dyn ReadOps, key: &[u8]) -> Result<Option<u64>> {
    match txn.get(Table::Meta, key)? {
        None => Ok(None),
        Some(bytes) => {
            let array: [u8; 8] = bytes.as_ref().try_into().map_err(|_| {
                StoreError::Corrupt(format!(
                    "meta {} is not 8 bytes",
                    String::from_utf8_lossy(key)
                ))
            })?;
            Ok(Some(u64::from_be_bytes(array)))
        }
    }
}

/// Reads a `u64` counter that must exist.
pub fn require_u64(txn: &dyn ReadOps, key: &[u8]) -> Result<u64> {
    get_u64(txn, key)?.ok_or_else(|| {
        StoreError::Corrupt(format!("meta {} is missing", String::from_utf8_lossy(key)))
    })
}

/// Writes a `u64` counter.
pub fn put_u64(txn: &mut dyn WriteTxn, key: &[u8], value: u64) -> Result<()> {
    txn.put(Table::Meta, key, &value.to_be_bytes())?;
    Ok(())
}

/// Key of the flag telling whether the statistics table is exact (1) or was left behind by
/// writes with statistics turned off (0).
pub const STATS_EXACT: &[u8] = b"stats_exact";
