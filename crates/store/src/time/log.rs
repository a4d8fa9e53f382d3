//! The transaction log as an API: each transaction of a range, in order, with its `t`, its
//! entity id, its instant and every datom it asserted or retracted (Datomic's `tx-range`).
//!
//! The log table (`docs/design.md`, §4.3) is keyed by transaction first, so a range of `t`s is
//! one key range; bounds given as instants are compared with each transaction's own
//! `:db/txInstant`, which the log holds among the transaction's datoms.

use crate::bootstrap::attr;
use crate::model::{tx_entity, tx_t, Datom};
use crate::snapshot::Db;
use crate::time::TimePoint;
use crate::Result;

/// One transaction of the log.
#[derive(Clone, Debug, PartialEq)]
pub struct TxEntry {
    /// Its number (1 is the bootstrap).
    pub t: u64,
    /// Its entity id (the `tx` of its datoms).
    pub tx: u64,
    /// Its `:db/txInstant`, milliseconds since the epoch.
    pub instant: i64,
    /// What it asserted (`added`) and retracted, in log order.
    pub datoms: Vec<Datom>,
}

impl Db {
    /// Calls `f` with each transaction from `from` (inclusive) to `to` (exclusive), in order;
    /// `None` leaves that end open. Stops when `f` returns `false`. Bounds are as in Datomic's
    /// `tx-range`: a `t` or transaction id bounds the numbers, an instant the transactions'
    /// `:db/txInstant`s.
    pub fn for_each_tx(
        &self,
        from: Option<TimePoint>,
        to: Option<TimePoint>,
        mut f: impl FnMut(TxEntry) -> bool,
    ) -> Result<()> {
        let first = from.and_then(TimePoint::t).unwrap_or(0);
        let end = to.and_then(TimePoint::t);
        if end.is_some_and(|end| end <= first) {
            return Ok(());
        }
        let in_instants = |ms: i64| {
            !matches!(from, Some(TimePoint::Instant(lo)) if ms < lo)
                && !matches!(to, Some(TimePoint::Instant(hi)) if ms >= hi)
        };
        let txs = tx_entity(first)..end.map_or(u64::MAX, tx_entity);
        let mut current: Option<TxEntry> = None;
        let mut go_on = true;
        let mut emit = |entry: TxEntry, go_on: &mut bool| {
            if in_instants(entry.instant) {
                *go_on = f(entry);
            }
        };
        self.log(txs, |d| {
            if current.as_ref().is_some_and(|c| c.tx != d.tx) {
                if let Some(done) = current.take() {
                    emit(done, &mut go_on);
                }
                if !go_on {
                    return false;
                }
            }
            let entry = current.get_or_insert_with(|| TxEntry {
                t: tx_t(d.tx),
                tx: d.tx,
                instant: i64::MIN,
                datoms: Vec::new(),
            });
            if d.e == d.tx && d.a == u64::from(attr::TX_INSTANT) && d.added {
                if let crate::ValueRef::Instant(ms) = d.v {
                    entry.instant = ms;
                }
            }
            entry.datoms.push(d.to_owned());
            true
        })?;
        if go_on {
            if let Some(done) = current {
                emit(done, &mut go_on);
            }
        }
        Ok(())
    }

    /// The transactions from `from` (inclusive) to `to` (exclusive), in order (see
    /// [`Db::for_each_tx`]).
    pub fn tx_range(&self, from: Option<TimePoint>, to: Option<TimePoint>) -> Result<Vec<TxEntry>> {
        let mut out = Vec::new();
        self.for_each_tx(from, to, |entry| {
            out.push(entry);
            true
        })?;
        Ok(out)
    }
}
