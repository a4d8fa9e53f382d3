//! Database values over time: `as_of`, `since`, `history` and the speculative `with` (Datomic's
//! filtered and speculative databases, `docs/design.md`, §6.7 Views over time).
//!
//! Each returns another [`Db`] usable wherever a `Db` is: the filters share the snapshot and
//! change only the [`View`] its scans go through; `with` runs the transactor over an overlay of
//! the snapshot and keeps the writes in memory, so nothing is committed.

use std::sync::{Arc, Condvar, Mutex};

use datolite_kv::overlay::OverlayWrite;

use crate::bootstrap::attr;
use crate::encoding::Index;
use crate::model::{tx_entity, tx_t, ValueRef};
use crate::snapshot::{Db, DbInner, Overlay};
use crate::stats::Stats;
use crate::time::view::View;
use crate::time::TimePoint;
use crate::transactor::{self, parse_tx_data, TxOp, TxReport};
use crate::version::Version;
use crate::{Result, StoreError};

impl Db {
    /// The database as it was right after `point` (Datomic's `as-of`): the datoms asserted at or
    /// before it and not retracted by then. An instant stands for the last transaction at or
    /// before it. Applied to an as-of value, the earlier point wins.
    pub fn as_of(&self, point: TimePoint) -> Result<Db> {
        let tx = self.point_tx(point)?;
        let mut view = self.view;
        view.as_of = Some(view.as_of.map_or(tx, |t| t.min(tx)));
        Ok(self.with_view(view))
    }

    /// The datoms asserted after `point` (Datomic's `since`): the current ones, or with
    /// [`Db::as_of`] those of that moment. Applied to a since value, the later point wins.
    pub fn since(&self, point: TimePoint) -> Result<Db> {
        let tx = self.point_tx(point)?;
        let mut view = self.view;
        view.since = Some(view.since.map_or(tx, |t| t.max(tx)));
        Ok(self.with_view(view))
    }

    /// Every assertion and retraction ever made (Datomic's `history`): retractions have
    /// `added` false and the retracting transaction as their `tx`. Combined with `as_of` and
    /// `since`, only the datoms of transactions in that window.
    pub fn history(&self) -> Db {
        let mut view = self.view;
        view.history = true;
        self.with_view(view)
    }

    /// The `t` this value is as of, if it is an as-of value.
    pub fn as_of_t(&self) -> Option<u64> {
        self.view.as_of.map(tx_t)
    }

    /// The `t` this value is since, if it is a since value.
    pub fn since_t(&self) -> Option<u64> {
        self.view.since.map(tx_t)
    }

    /// Whether this is a history value.
    pub fn is_history(&self) -> bool {
        self.view.history
    }

    /// Whether this value is the current state (not filtered by as-of, since or history).
    pub fn is_current(&self) -> bool {
        self.view.is_current()
    }

    /// What this value is, when it is not the committed current state: `"as of t 3"`,
    /// `"history since t 2"`, `"with speculative transactions up to t 9"` (for `explain`).
    pub fn view_description(&self) -> Option<String> {
        let mut parts = Vec::new();
        if self.is_speculative() {
            parts.push(format!(
                "with speculative transactions up to t {}",
                self.basis_t()
            ));
        }
        if self.view.history {
            parts.push("history".to_string());
        }
        if let Some(t) = self.as_of_t() {
            parts.push(format!("as of t {t}"));
        }
        if let Some(t) = self.since_t() {
            parts.push(format!("since t {t}"));
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    }

    /// Whether this value has speculative transactions applied by [`Db::with`].
    pub fn is_speculative(&self) -> bool {
        self.inner.overlay.is_some()
    }

    /// This database with `ops` applied as one more transaction, committed nowhere (Datomic's
    /// `with`): the value after it, usable everywhere a `Db` is (and chainable), and the report
    /// of what it did. The transaction is checked like any other; the store never sees it.
    pub fn with(&self, ops: &[TxOp]) -> Result<(Db, TxReport)> {
        if !self.view.is_current() {
            return Err(StoreError::InvalidArgument(
                "with applies to a database value that is not filtered by as-of, since or \
                 history; apply the transaction first, then filter the result"
                    .into(),
            ));
        }
        let inner = &self.inner;
        let (delta, outcome) = {
            let guard = self.checkout()?;
            let mut overlay = OverlayWrite::new(&*guard);
            let outcome = transactor::run(
                &mut overlay,
                &inner.store.options,
                &inner.version,
                ops,
                crate::store::now_millis(),
            )?;
            (overlay.into_delta(), outcome)
        };
        let committed = outcome.committed;
        let version = Version {
            basis_t: committed.basis_t,
            next_db: committed.next_db,
            next_user: committed.next_user,
            schema: committed.schema,
            stats: committed.stats.into_stats(),
        };
        let db = Db {
            inner: Arc::new(DbInner {
                store: inner.store.clone(),
                version: Arc::new(version),
                pool: Mutex::new(Vec::new()),
                returned: Condvar::new(),
                overlay: Some(Overlay {
                    base: self.clone(),
                    delta,
                }),
            }),
            view: View::default(),
        };
        Ok((db, outcome.report))
    }

    /// [`Db::with`] with EDN transaction data.
    pub fn with_edn(&self, text: &str) -> Result<(Db, TxReport)> {
        self.with(&parse_tx_data(text)?)
    }

    /// Statistics of what this value shows: the maintained ones for the current state (a copy),
    /// counted by scanning AEVT and AVET through the view for as-of, since and history values
    /// (a history value counts its retractions too).
    pub fn view_stats(&self) -> Result<Stats> {
        if self.has_stats() {
            return Ok(self.stats().clone());
        }
        Stats::count_with(|index, f| {
            self.scan(index).for_each_raw(|raw| {
                f(&raw);
                true
            })
        })
    }

    /// Whether `other` is a value of the same database (the same store): ids mean the same in
    /// both, so one query may join them.
    pub fn same_database(&self, other: &Db) -> bool {
        Arc::ptr_eq(&self.inner.store, &other.inner.store)
    }

    /// Whether `other` reads the same snapshot (it may see it through another view).
    pub fn same_snapshot(&self, other: &Db) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Whether `other` is this very value: the same snapshot seen through the same view.
    pub fn same_value(&self, other: &Db) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner) && self.view == other.view
    }

    fn with_view(&self, view: View) -> Db {
        Db {
            inner: self.inner.clone(),
            view,
        }
    }

    /// The transaction entity a point stands for; an instant, the last transaction at or before
    /// it (transaction instants never go back, so the transactions up to an instant are a
    /// prefix of the log, found by binary search on `t`).
    fn point_tx(&self, point: TimePoint) -> Result<u64> {
        match point {
            TimePoint::T(t) => Ok(tx_entity(t)),
            TimePoint::Tx(tx) => Ok(tx),
            TimePoint::Instant(ms) => {
                let current = self.with_view(View::default());
                let (mut lo, mut hi) = (0, self.basis_t());
                // Invariant: transaction `lo` is at or before `ms` (0: none is), `hi + 1` after.
                while lo < hi {
                    let mid = lo + (hi - lo).div_ceil(2);
                    if current.tx_instant(mid)? <= ms {
                        lo = mid;
                    } else {
                        hi = mid - 1;
                    }
                }
                Ok(tx_entity(lo))
            }
        }
    }

    /// The `:db/txInstant` of transaction `t`.
    fn tx_instant(&self, t: u64) -> Result<i64> {
        let mut instant = None;
        self.scan(Index::Eavt)
            .entity(tx_entity(t))
            .attribute_id(attr::TX_INSTANT)
            .for_each(|d| {
                if let ValueRef::Instant(ms) = d.v {
                    instant = Some(ms);
                }
                false
            })?;
        instant.ok_or_else(|| StoreError::Corrupt(format!("transaction {t} has no :db/txInstant")))
    }
}

impl PartialEq for Db {
    /// The same value (see [`Db::same_value`]).
    fn eq(&self, other: &Db) -> bool {
        self.same_value(other)
    }
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = f.debug_struct("Db");
        s.field("basis_t", &self.basis_t());
        if let Some(t) = self.as_of_t() {
            s.field("as_of_t", &t);
        }
        if let Some(t) = self.since_t() {
            s.field("since_t", &t);
        }
        if self.is_history() {
            s.field("history", &true);
        }
        if self.is_speculative() {
            s.field("speculative", &true);
        }
        s.finish()
    }
}
