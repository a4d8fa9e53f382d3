//! `Db`: an immutable snapshot of the database, shareable across threads.
//!
//! LMDB lets a read transaction be used by one thread at a time, and cannot open a new read
//! transaction at an older version. So a `Db` owns a small pool of engine snapshots that all
//! see the same committed version: a scan checks one out for its duration; a parallel scan
//! checks out one per worker. When the pool runs dry, a new engine snapshot is opened and kept
//! only if it still sees this `Db`'s version (nothing was committed since); otherwise the caller
//! waits for a snapshot to come back (parallel scans use as many as they can get, at least one).

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use std::ops::{Bound, RangeBounds};

use datolite_kv::overlay::{Delta, Overlaid, ReadsThroughOverlay};
use datolite_kv::{Direction, KeyRange, ReadOps, ReadTxn, Table, Visit};

use crate::encoding::{decode_log_chunk, Index};
use crate::meta;
use crate::model::{DatomRef, Value};
use crate::scan::Scan;
use crate::schema::{Attribute, Schema};
use crate::stats::{AttrStats, Stats};
use crate::time::view::View;
use crate::values::materialize;
use crate::version::{current_version, StoreInner, Version};
use crate::{Result, StoreError};

/// How long a scan waits for a busy snapshot of its `Db` before giving up.
const CHECKOUT_WAIT: Duration = Duration::from_secs(30);

pub(crate) struct DbInner {
    pub store: Arc<StoreInner>,
    pub version: Arc<Version>,
    pub pool: Mutex<Vec<Box<dyn ReadTxn>>>,
    pub returned: Condvar,
    /// For a database value made by [`Db::with`]: the value it was made from and the
    /// speculative transaction's writes on top (the pool then stays empty: snapshots are the
    /// base's, read through the delta).
    pub overlay: Option<Overlay>,
}

/// A speculative transaction's writes over the database value it was applied to.
pub(crate) struct Overlay {
    pub base: Db,
    pub delta: Delta,
}

/// An immutable database value as of one transaction (`basis_t`), seen through a view: the
/// current state, or as of / since a point, or the whole history (`docs/design.md`, §6.7 Views over time).
#[derive(Clone)]
pub struct Db {
    pub(crate) inner: Arc<DbInner>,
    pub(crate) view: View,
}

/// A checked-out engine snapshot; goes back to its `Db`'s pool when dropped.
pub(crate) enum TxnGuard<'db> {
    /// One of the pool's snapshots.
    Pooled {
        txn: Option<Box<dyn ReadTxn>>,
        db: &'db DbInner,
    },
    /// A snapshot of the base of a [`Db::with`] value, read through its delta.
    Overlaid(Box<OverlaidGuard<'db>>),
}

/// The base's snapshot and the delta on top of it.
pub(crate) struct OverlaidGuard<'db> {
    base: TxnGuard<'db>,
    delta: &'db Delta,
}

impl<'db> TxnGuard<'db> {
    fn ops(&self) -> &(dyn ReadOps + 'db) {
        match self {
            // The option is only emptied in Drop.
            TxnGuard::Pooled { txn, .. } => txn.as_deref().expect("snapshot present until drop"),
            TxnGuard::Overlaid(overlaid) => &**overlaid,
        }
    }
}

impl ReadsThroughOverlay for OverlaidGuard<'_> {
    fn overlaid(&self) -> Overlaid<'_, dyn ReadOps + '_> {
        Overlaid {
            base: self.base.ops(),
            delta: self.delta,
        }
    }
}

impl<'db> std::ops::Deref for TxnGuard<'db> {
    type Target = dyn ReadOps + 'db;
    fn deref(&self) -> &Self::Target {
        self.ops()
    }
}

impl Drop for TxnGuard<'_> {
    fn drop(&mut self) {
        if let TxnGuard::Pooled { txn, db } = self {
            if let (Some(txn), Ok(mut pool)) = (txn.take(), db.pool.lock()) {
                pool.push(txn);
                db.returned.notify_one();
            }
        }
    }
}

impl Db {
    pub(crate) fn open(store: Arc<StoreInner>) -> Result<Db> {
        let txn = store.engine.read()?;
        let version = current_version(&store, txn.as_ref())?;
        Ok(Db {
            inner: Arc::new(DbInner {
                store,
                version,
                pool: Mutex::new(vec![txn]),
                returned: Condvar::new(),
                overlay: None,
            }),
            view: View::default(),
        })
    }

    /// The t of the last transaction this snapshot contains.
    pub fn basis_t(&self) -> u64 {
        self.inner.version.basis_t
    }

    /// The schema as of this snapshot.
    pub fn schema(&self) -> &Schema {
        &self.inner.version.schema
    }

    /// Exact statistics as of this snapshot.
    pub fn stats(&self) -> &Stats {
        &self.inner.version.stats
    }

    /// Whether this value's statistics answer exactly: they are maintained, and they describe
    /// what this value shows — the current state, not a view over time (those count by
    /// scanning; their plans still use the statistics as estimates).
    pub fn has_stats(&self) -> bool {
        self.inner.store.options.stats && self.view.is_current()
    }

    /// Scan batch size in force.
    pub fn batch_size(&self) -> usize {
        self.inner.store.options.scan_batch_size
    }

    /// Values longer than this many bytes keep only a prefix and hash in index keys (the
    /// threshold the database was created with); shorter ones order exactly in the indexes.
    pub fn inline_threshold(&self) -> usize {
        self.inner.store.options.inline_value_threshold
    }

    /// Parallel workers in force.
    pub fn parallel_workers(&self) -> usize {
        self.inner.store.options.parallel_workers
    }

    /// The attribute named `ident` (with or without the colon).
    pub fn attribute(&self, ident: &str) -> Result<&Arc<Attribute>> {
        self.schema()
            .attribute_named(ident)
            .ok_or_else(|| StoreError::UnknownAttribute(ident.trim_start_matches(':').to_string()))
    }

    /// Total datoms, in O(1) from the statistics (a key-only count when statistics are off, and
    /// for views over time, which statistics do not describe).
    pub fn count(&self) -> Result<u64> {
        if self.has_stats() {
            Ok(self.stats().datoms)
        } else {
            self.scan(Index::Eavt).count()
        }
    }

    /// Datoms of one attribute, in O(1) from the statistics.
    pub fn count_attribute(&self, ident: &str) -> Result<u64> {
        let attr = self.attribute(ident)?.id;
        if self.has_stats() {
            Ok(self.stats().count(attr))
        } else {
            self.scan(Index::Aevt).attribute_id(attr).count()
        }
    }

    /// Statistics of one attribute.
    pub fn attribute_stats(&self, ident: &str) -> Result<AttrStats> {
        let attr = self.attribute(ident)?.id;
        Ok(self.stats().attribute(attr))
    }

    /// A scan over `index`; narrow it with the builder methods of [`Scan`].
    pub fn scan(&self, index: Index) -> Scan<'_> {
        Scan::new(self, index)
    }

    /// Decodes an encoded value (statistics' min and max, raw scans, column batches) through
    /// this snapshot, which holds the payloads of long values.
    pub fn decode_value(&self, encoded: &[u8]) -> Result<Value> {
        self.with_txn(|txn| Ok(materialize(encoded, txn)?.to_owned()))
    }

    /// Calls `f` with every entry of the transaction log whose transaction entity lies in
    /// `txs`, in transaction order: assertions (`added`) and retractions. Stops when `f`
    /// returns `false`.
    pub fn log(
        &self,
        txs: impl RangeBounds<u64>,
        mut f: impl FnMut(DatomRef<'_>) -> bool,
    ) -> Result<()> {
        let bound = |b: Bound<&u64>, end: bool| match b {
            Bound::Unbounded => Bound::Unbounded,
            Bound::Included(t) if end => Bound::Excluded((t + 1).to_be_bytes().to_vec()),
            Bound::Included(t) => Bound::Included(t.to_be_bytes().to_vec()),
            Bound::Excluded(t) if end => Bound::Excluded(t.to_be_bytes().to_vec()),
            Bound::Excluded(t) => Bound::Included((t + 1).to_be_bytes().to_vec()),
        };
        let range = KeyRange {
            start: bound(txs.start_bound(), false),
            end: bound(txs.end_bound(), true),
        };
        self.with_txn(|txn| {
            let mut failure = None;
            txn.scan(Table::Log, &range, Direction::Forward, &mut |key, value| {
                let mut go_on = true;
                let decoded = decode_log_chunk(key, value, |raw| {
                    let datom = materialize(raw.v, txn).map(|v| DatomRef {
                        e: raw.e,
                        a: u64::from(raw.a),
                        v,
                        tx: raw.tx,
                        added: raw.added,
                    });
                    match datom {
                        Ok(datom) => go_on = f(datom),
                        Err(e) => {
                            failure = Some(e);
                            go_on = false;
                        }
                    }
                    go_on
                });
                if let Err(e) = decoded {
                    failure = Some(e.into());
                }
                visit(go_on && failure.is_none())
            })?;
            failure.map_or(Ok(()), Err)
        })
    }

    /// Runs `f` with one engine snapshot of this version.
    pub(crate) fn with_txn<R>(&self, f: impl FnOnce(&dyn ReadOps) -> Result<R>) -> Result<R> {
        let guard = self.checkout()?;
        f(&*guard)
    }

    /// Checks out one engine snapshot, waiting when all are busy.
    pub(crate) fn checkout(&self) -> Result<TxnGuard<'_>> {
        let mut got = self.checkout_up_to(1, true)?;
        got.pop().ok_or_else(|| {
            StoreError::Kv(datolite_kv::KvError::Snapshot(
                "no snapshot available".into(),
            ))
        })
    }

    /// Checks out between 1 and `n` engine snapshots of this version.
    pub(crate) fn checkout_up_to(&self, n: usize, wait: bool) -> Result<Vec<TxnGuard<'_>>> {
        let inner = &*self.inner;
        if let Some(overlay) = &inner.overlay {
            let base = overlay.base.checkout_up_to(n, wait)?;
            return Ok(base
                .into_iter()
                .map(|base| {
                    TxnGuard::Overlaid(Box::new(OverlaidGuard {
                        base,
                        delta: &overlay.delta,
                    }))
                })
                .collect());
        }
        let mut out = Vec::with_capacity(n);
        let lock_error = || {
            StoreError::Kv(datolite_kv::KvError::Snapshot(
                "snapshot pool poisoned".into(),
            ))
        };
        {
            let mut pool = inner.pool.lock().map_err(|_| lock_error())?;
            while out.len() < n {
                match pool.pop() {
                    Some(txn) => out.push(TxnGuard::Pooled {
                        txn: Some(txn),
                        db: inner,
                    }),
                    None => break,
                }
            }
        }
        while out.len() < n {
            let txn = inner.store.engine.read()?;
            if meta::require_u64(txn.as_ref(), meta::BASIS_T)? != inner.version.basis_t {
                break;
            }
            out.push(TxnGuard::Pooled {
                txn: Some(txn),
                db: inner,
            });
        }
        if out.is_empty() && wait {
            let pool = inner.pool.lock().map_err(|_| lock_error())?;
            let (mut pool, _) = inner
                .returned
                .wait_timeout_while(pool, CHECKOUT_WAIT, |p| p.is_empty())
                .map_err(|_| lock_error())?;
            if let Some(txn) = pool.pop() {
                out.push(TxnGuard::Pooled {
                    txn: Some(txn),
                    db: inner,
                });
            }
        }
        if out.is_empty() {
            return Err(StoreError::Kv(datolite_kv::KvError::Snapshot(format!(
                "every read transaction of the snapshot at t={} is in use and newer data has been committed since",
                inner.version.basis_t
            ))));
        }
        Ok(out)
    }
}

/// Visitor result helper for scans.
pub(crate) fn visit(keep_going: bool) -> Visit {
    if keep_going {
        Visit::Continue
    } else {
        Visit::Stop
    }
}
