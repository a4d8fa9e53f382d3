//! The LMDB write transaction handed to write bodies.

use heed::{PutFlags, RwTxn};

use super::errors::{from_heed, is_map_full};
use super::{Db, Shared};
use crate::limits::{check_key, storable};
use crate::{KvError, Result, Table, WriteTxn};

/// A heed write transaction plus the "map full happened" flag.
///
/// The flag is why this wrapper exists: a body may turn the `Full` error of a put into its own
/// error type (or even ignore it), so the engine cannot rely on what the body returns to know
/// whether to grow the map and retry. Dropping the wrapper aborts the transaction.
pub(super) struct LmdbWriteTxn<'e> {
    txn: RwTxn<'e>,
    dbs: &'e [Db; Table::ALL.len()],
    map_full: bool,
}

impl<'e> LmdbWriteTxn<'e> {
    /// Begins the write transaction (the caller holds the writer mutex).
    pub(super) fn begin(shared: &'e Shared) -> Result<Self> {
        let txn = shared.env.write_txn().map_err(from_heed)?;
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

    /// Commits; the raw heed error is returned so the caller can recognize a full map.
    pub(super) fn commit(self) -> heed::Result<()> {
        self.txn.commit()
    }

    #[inline]
    fn db(&self, table: Table) -> Db {
        self.dbs[table.index()]
    }

    /// Records a full map, then converts the error for the body.
    #[cold]
    fn fail(&mut self, error: heed::Error) -> KvError {
        if is_map_full(&error) {
            self.map_full = true;
            return KvError::Full(
                "the LMDB map is full; the write will be retried after growing it".into(),
            );
        }
        from_heed(error)
    }
}

super::ops::lmdb_read_ops!(LmdbWriteTxn<'_>);

impl WriteTxn for LmdbWriteTxn<'_> {
    fn put(&mut self, table: Table, key: &[u8], value: &[u8]) -> Result<()> {
        check_key(key)?;
        let db = self.db(table);
        db.put(&mut self.txn, key, value)
            .map_err(|error| self.fail(error))
    }

    /// Tries LMDB's append mode first: it skips the B-tree search and fills pages completely,
    /// which makes sorted bulk loads faster and the file smaller. LMDB answers `MDB_KEYEXIST`
    /// (without harming the transaction) when the key does not sort after the table's last key;
    /// then it is an ordinary put.
    fn put_sorted(&mut self, table: Table, key: &[u8], value: &[u8]) -> Result<()> {
        check_key(key)?;
        let db = self.db(table);
        match db.put_with_flags(&mut self.txn, PutFlags::APPEND, key, value) {
            Ok(()) => Ok(()),
            Err(heed::Error::Mdb(heed::MdbError::KeyExist)) => db
                .put(&mut self.txn, key, value)
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
        let outcome = (|| -> heed::Result<()> {
            let mut cursor = db.iter_mut(&mut self.txn)?;
            for key in &mut *keys {
                if !storable(key) {
                    rest = Some(key);
                    return Ok(());
                }
                // SAFETY: nothing borrowed from the database is alive while we write: `key`
                // comes from the caller's buffer and the value is empty.
                let put = unsafe {
                    cursor.put_current_with_options::<heed::types::Bytes>(
                        PutFlags::APPEND,
                        key,
                        &[],
                    )
                };
                match put {
                    Ok(()) => {}
                    Err(heed::Error::Mdb(heed::MdbError::KeyExist)) => {
                        rest = Some(key);
                        return Ok(());
                    }
                    Err(e) => return Err(e),
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
        db.delete(&mut self.txn, key)
            .map_err(|error| self.fail(error))
    }
}
