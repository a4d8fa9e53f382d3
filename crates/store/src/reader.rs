//! A snapshot held across many small reads: the query executor's index lookups.
//!
//! Every [`Scan`] run on its own checks a snapshot out of the [`Db`]'s pool and back in; a
//! query that looks up one entity per input row would pay that (a lock and a pool round trip)
//! thousands of times. A [`Reader`] checks one snapshot out for as long as it lives and runs
//! any number of scans on it. Everything a query reads must go through its reader: a second
//! checkout while the reader is held may have to wait for it when a commit has landed since
//! the `Db` was taken.

use std::cell::RefCell;

use datolite_kv::{Direction, KeyRange, KvCursor, Table};

use crate::encoding::{decode_key, Index, RawDatom};
use crate::model::{Value, ValueRef};
use crate::scan::Scan;
use crate::snapshot::{Db, TxnGuard};
use crate::values::materialize;
use crate::Result;

/// One snapshot of a [`Db`], checked out until dropped.
pub struct Reader<'db> {
    db: &'db Db,
    txn: TxnGuard<'db>,
}

impl Db {
    /// A [`Reader`] on this database value.
    pub fn reader(&self) -> Result<Reader<'_>> {
        Ok(Reader {
            db: self,
            txn: self.checkout()?,
        })
    }
}

impl<'db> Reader<'db> {
    /// The database value read.
    pub fn db(&self) -> &'db Db {
        self.db
    }

    /// Calls `f` with every datom of `scan` (ids decoded, value still encoded) until it
    /// returns `false`, on this reader's snapshot.
    pub fn for_each_raw(&self, scan: &Scan<'_>, f: impl FnMut(RawDatom<'_>) -> bool) -> Result<()> {
        scan.run_raw(&*self.txn, f)
    }

    /// The value an encoded value (from [`RawDatom::v`]) stands for, spilled payloads fetched.
    pub fn value(&self, encoded: &[u8]) -> Result<Value> {
        Ok(self.value_ref(encoded)?.to_owned())
    }

    /// [`Reader::value`] without copying: strings and bytes borrow the key or the snapshot.
    #[inline]
    pub fn value_ref<'k>(&'k self, encoded: &'k [u8]) -> Result<ValueRef<'k>> {
        materialize(encoded, &*self.txn)
    }
}

/// Entity after entity from one EAVT cursor (pull reads many entities): the cursor is positioned
/// per entity instead of a scan being set up per entity, and not moved at all when it already
/// stands on the entity (the key that ended the previous entity's datoms is the next entity's
/// first, so pulling consecutive entities never seeks). On a view over time each entity is
/// scanned through the view instead (history and as-of keys are not in EAVT alone).
pub struct EntityReader<'a, 'db> {
    reader: &'a Reader<'db>,
    cursor: Option<RefCell<Positioned<'a>>>,
}

/// The EAVT cursor and a copy of the key it stands on (`None`: past the end, or not yet
/// positioned). A copy, because a cursor's entry lasts only until it moves.
struct Positioned<'a> {
    cursor: Box<dyn KvCursor<'a> + 'a>,
    at: Option<Vec<u8>>,
}

impl<'db> Reader<'db> {
    /// An [`EntityReader`] on this reader's snapshot.
    pub fn entity_reader(&self) -> Result<EntityReader<'_, 'db>> {
        let cursor = if self.db.is_current() {
            let txn: &dyn datolite_kv::ReadOps = &*self.txn;
            Some(RefCell::new(Positioned {
                cursor: txn.cursor(Table::Eavt, KeyRange::all(), Direction::Forward)?,
                at: None,
            }))
        } else {
            None
        };
        Ok(EntityReader {
            reader: self,
            cursor,
        })
    }
}

impl EntityReader<'_, '_> {
    /// Calls `f` with every datom of entity `e`, in EAVT order, until it returns `Ok(false)`; an
    /// error from `f` (a value that does not decode) stops the walk and is the result.
    pub fn for_each_datom(
        &self,
        e: u64,
        mut f: impl FnMut(RawDatom<'_>) -> Result<bool>,
    ) -> Result<()> {
        let Some(cursor) = &self.cursor else {
            let scan = self.reader.db.scan(Index::Eavt).entity(e);
            let mut failure = None;
            self.reader.for_each_raw(&scan, |raw| {
                f(raw).unwrap_or_else(|error| {
                    failure = Some(error);
                    false
                })
            })?;
            return failure.map_or(Ok(()), Err);
        };
        let mut positioned = cursor.borrow_mut();
        let Positioned { cursor, at } = &mut *positioned;
        let prefix = e.to_be_bytes();
        // `at` is only ever a key that ended an entity (the one before it belongs to another
        // entity), so when it belongs to `e` it is `e`'s first datom.
        let mut stood = at.take();
        if let Some(key) = stood.as_deref().filter(|key| key.starts_with(&prefix)) {
            if !f(decode_key(Index::Eavt, key)?)? {
                *at = stood;
                return Ok(());
            }
        } else {
            stood = None;
        }
        let mut next = if stood.is_some() {
            cursor.next()?
        } else {
            cursor.seek(&prefix)?
        };
        while let Some((key, _)) = next {
            if !key.starts_with(&prefix) {
                let mut kept = stood.unwrap_or_default();
                kept.clear();
                kept.extend_from_slice(key);
                *at = Some(kept);
                break;
            }
            if !f(decode_key(Index::Eavt, key)?)? {
                break;
            }
            next = cursor.next()?;
        }
        Ok(())
    }

    /// The reader underneath (to decode values).
    pub fn reader(&self) -> &Reader<'_> {
        self.reader
    }
}
