//! The LMDB write transaction handed to write bodies.

use super::errors::from_lmdb;
use super::ffi::{Dbi, LmdbError, Txn};
use super::Shared;
use crate::limits::{check_key, storable};
use crate::{KvError, Result, Table, WriteTxn};

/// The write transaction plus the "map full happened" flag.
///
/// The flag is why this wrapper exists: a body may turn the `Full` error of a put into its own
/// error type (or even ignore it), so the engine cannot rely on what the body returns to know
/// whether to grow the map and retry. Dropping the wrapper aborts the transaction; it borrows
/// the engine's shared state, so the environment outlives it.
pub(super) struct LmdbWriteTxn<'e> {
    txn: Txn,
    dbs: &'e [Dbi; Table::ALL.len()],
    map_full: bool,
}

impl<'e> LmdbWriteTxn<'e> {
    /// Begins the write transaction (the caller holds the writer mutex and the write lock).
    /// The raw LMDB error is returned so the caller can recognize `MDB_MAP_RESIZED`.
    pub(super) fn begin(shared: &'e Shared) -> std::result::Result<Self, LmdbError> {
        let txn = shared.env.begin_write()?;
        Ok(LmdbWriteTxn {
            txn,
            dbs: &shared.dbs,
            map_full: false,
        })
    }

    /// Whether any write of this transaction hit `MDB_MAP_FULL`.
    pub(super) fn map_full(&self) -> bool {
        self.map_full
    }

    /// Commits; the raw LMDB error is returned so the caller can recognize a full map.
    pub(super) fn commit(self) -> std::result::Result<(), LmdbError> {
        self.txn.commit()
    }

    #[inline]
    fn db(&self, table: Table) -> Dbi {
        self.dbs[table.index()]
    }

    /// Records a full map, then converts the error for the body.
    #[cold]
    fn fail(&mut self, error: LmdbError) -> KvError {
        if error.is_map_full() {
            self.map_full = true;
            return KvError::Full(
                "the LMDB map is full; the write will be retried after growing it".into(),
            );
        }
        from_lmdb(error)
    }
}

super::ops::lmdb_read_ops!(LmdbWriteTxn<'_>);

impl WriteTxn for LmdbWriteTxn<'_> {
    fn put(&mut self, table: Table, key: &[u8], value: &[u8]) -> Result<()> {
        check_key(key)?;
        let db = self.db(table);
        self.txn
            .put(db, key, value, false)
            .map_err(|error| self.fail(error))
    }

    /// Tries LMDB's append mode first: it skips the B-tree search and fills pages completely,
    /// which makes sorted bulk loads faster and the file smaller. LMDB answers `MDB_KEYEXIST`
    /// (without harming the transaction) when the key does not sort after the table's last key;
    /// then it is an ordinary put.
    fn put_sorted(&mut self, table: Table, key: &[u8], value: &[u8]) -> Result<()> {
        check_key(key)?;
        let db = self.db(table);
        match self.txn.put(db, key, value, true) {
            Ok(()) => Ok(()),
            Err(error) if error.is_key_exist() => self
                .txn
                .put(db, key, value, false)
                .map_err(|error| self.fail(error)),
            Err(error) => Err(self.fail(error)),
        }
    }

    /// One write cursor for the batch: LMDB's append through a cursor that already stands at
    /// the end of the table skips the descent to the last page that every `mdb_put` with
    /// `MDB_APPEND` makes.
    fn append_keys(&mut self, table: Table, keys: &mut dyn Iterator<Item = &[u8]>) -> Result<()> {
        let db = self.db(table);
        let mut rest: Option<&[u8]> = None;
        let outcome = (|| -> std::result::Result<(), LmdbError> {
            let mut cursor = self.txn.cursor(db)?;
            for key in &mut *keys {
                if !storable(key) {
                    rest = Some(key);
                    return Ok(());
                }
                // SAFETY: the cursor is the write transaction's, and nothing read through the
                // transaction is alive: `key` comes from the caller's buffer, the value is empty.
                match unsafe { cursor.append(key, &[]) } {
                    Ok(()) => {}
                    Err(error) if error.is_key_exist() => {
                        rest = Some(key);
                        return Ok(());
                    }
                    Err(error) => return Err(error),
                }
            }
            Ok(())
        })();
        outcome.map_err(|error| self.fail(error))?;
        // A key that did not sort last (or is too long to store): ordinary puts from there on.
        if let Some(key) = rest {
            self.put(table, key, &[])?;
            for key in keys {
                self.put(table, key, &[])?;
            }
        }
        Ok(())
    }

    fn delete(&mut self, table: Table, key: &[u8]) -> Result<bool> {
        if !storable(key) {
            return Ok(false);
        }
        let db = self.db(table);
        // Deletes copy pages too (copy-on-write), so they can fill the map as well.
        self.txn.delete(db, key).map_err(|error| self.fail(error))
    }
}
