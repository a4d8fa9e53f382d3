//! Bulk loads (`docs/design.md`, §7.7 Bulk loads): many transactions in one engine write, their
//! AEVT, AVET and VAET keys held back and appended in key order at the end.
//!
//! Each transaction of a load runs through the transactor exactly as [`Store::transact`] runs
//! it — tempids, upserts, lookup refs, cardinality, uniqueness, schema, its own `t` and
//! `:db/txInstant` — so a load and the same transactions run one by one leave identical tables
//! and statistics (`tests/bulk_load.rs` checks it on random inputs). What differs is where the
//! keys go: see `deferred.rs`. The whole load is one engine write: a failure or a crash leaves the
//! database as it was before the load, and there is one durable sync, at the end.

mod deferred;
mod runs;

use std::path::PathBuf;
use std::sync::Arc;

use datolite_kv::{write_with, KeyRange, Table, WriteTxn};

pub(crate) use deferred::Deferred;

use crate::encoding::{decode_key, Index, Prefix};
use crate::scan::try_for_each_key_in;
use crate::stats::Stats;
use crate::store::now_millis;
use crate::transactor::{self, TxOp};
use crate::version::{current_version, Version};
use crate::{Result, Store, StoreOptions};

/// Options of a bulk load.
#[derive(Clone, Debug)]
pub struct BulkOptions {
    /// Bytes of held-back keys kept in memory; beyond it the largest table's keys are sorted and
    /// spilled to a temporary file (default 64 MiB).
    pub memory_budget: usize,
    /// Directory of the spill files (default: the database's directory; the system's temporary
    /// directory for the memory engine).
    pub spill_dir: Option<PathBuf>,
}

impl Default for BulkOptions {
    fn default() -> Self {
        BulkOptions {
            memory_budget: 64 << 20,
            spill_dir: None,
        }
    }
}

/// What a bulk load did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BulkReport {
    /// Transactions committed (all in one engine write).
    pub transactions: u64,
    /// Datoms asserted and retracted by them.
    pub datoms: u64,
    /// The database's t after the load.
    pub basis_t: u64,
    /// Times the held-back keys had to be written before the end, because a transaction
    /// retracted something or changed the schema (each such write puts keys into the middle of
    /// the indexes rather than appending them).
    pub early_writes: u64,
    /// Sorted runs spilled to temporary files.
    pub spilled_runs: u64,
}

/// What one transaction of a bulk load did: [`TxReport`](crate::TxReport) without the datoms themselves (a
/// load's reports would hold every value it loads), only their number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BulkTx {
    /// The transaction entity id.
    pub tx: u64,
    /// The transaction's sequence number.
    pub t: u64,
    /// Tempids and the entity ids they resolved to.
    pub tempids: std::collections::BTreeMap<String, u64>,
    /// Datoms asserted and retracted.
    pub datoms: u64,
}

/// The transactions of a bulk load, fed one by one by the caller (see [`Store::bulk_load`]).
pub struct BulkLoader<'a> {
    txn: &'a mut dyn WriteTxn,
    options: &'a StoreOptions,
    base: Arc<Version>,
    deferred: Deferred,
    report: BulkReport,
}

impl BulkLoader<'_> {
    /// Runs `ops` as the next transaction of the load, at the current time, with
    /// [`Store::transact`]'s semantics; it becomes visible (and durable) when the whole load
    /// commits.
    pub fn transact(&mut self, ops: &[TxOp]) -> Result<BulkTx> {
        let outcome = transactor::run_deferring(
            &mut *self.txn,
            self.options,
            &self.base,
            ops,
            now_millis(),
            Some(&mut self.deferred),
        )?;
        self.base = Arc::new(outcome.committed.into_version());
        self.report.transactions += 1;
        self.report.datoms += outcome.datoms;
        let report = outcome.report;
        Ok(BulkTx {
            tx: report.tx,
            t: report.t,
            tempids: report.tempids,
            datoms: outcome.datoms,
        })
    }

    /// What the load did so far.
    pub fn report(&self) -> &BulkReport {
        &self.report
    }

    /// Writes the held-back keys and settles the statistics they leave open; the version the
    /// load commits.
    fn finish(mut self) -> Result<(Version, BulkReport)> {
        self.report.early_writes = self.deferred.drains;
        self.deferred.drain(&mut *self.txn)?;
        self.report.spilled_runs = self.deferred.spilled_runs;
        let version = &self.base;
        let mut stats: Stats = (*version.stats).clone();
        if self.options.stats {
            let mut changed = Vec::new();
            for a in self.deferred.attributes() {
                if let Some(row) = stats.attributes.get_mut(&a) {
                    row.distinct_values = distinct_values(&*self.txn, a)?;
                    changed.push(a);
                }
            }
            stats.store(&mut *self.txn, changed)?;
        }
        self.report.basis_t = version.basis_t;
        let version = Version {
            basis_t: version.basis_t,
            next_db: version.next_db,
            next_user: version.next_user,
            schema: version.schema.clone(),
            stats: Arc::new(stats),
        };
        Ok((version, self.report))
    }
}

/// Distinct values of attribute `a`: runs of equal `(a, v)` in AVET.
fn distinct_values(txn: &dyn datolite_kv::ReadOps, a: u32) -> Result<u64> {
    let prefix = Prefix::new().attr(a).into_bytes();
    let mut distinct = 0u64;
    let mut last: Vec<u8> = Vec::new();
    try_for_each_key_in(txn, Table::Avet, &KeyRange::prefix(&prefix), |key| {
        let raw = decode_key(Index::Avet, key)?;
        if distinct == 0 || raw.v != last.as_slice() {
            distinct += 1;
            last.clear();
            last.extend_from_slice(raw.v);
        }
        Ok(())
    })?;
    Ok(distinct)
}

impl Store {
    /// Loads many transactions fast: `feed` runs them one by one through the [`BulkLoader`] it
    /// is given, each with [`Store::transact`]'s exact semantics, all in one engine write that
    /// commits (with one sync) when `feed` returns `Ok` — or leaves the database as it was when
    /// anything fails. Index keys are held back and appended in key order at the end, so a load
    /// into a new database writes every index page once, full.
    ///
    /// `feed` may run more than once: when the engine's map fills, the write starts over from
    /// scratch (`docs/design.md`, §2.2), so `feed` must produce the same transactions each
    /// time. Other writers wait for the load; readers see the database as it was until it
    /// commits.
    pub fn bulk_load(
        &self,
        options: &BulkOptions,
        mut feed: impl FnMut(&mut BulkLoader<'_>) -> Result<()>,
    ) -> Result<BulkReport> {
        let inner = &self.inner;
        let spill_dir = options
            .spill_dir
            .clone()
            .or_else(|| inner.options.kv.path.clone())
            .unwrap_or_else(std::env::temp_dir);
        let mut done: Option<(Version, BulkReport)> = None;
        write_with(inner.engine.as_ref(), |txn| -> Result<()> {
            let base = current_version(inner, &*txn)?;
            let mut loader = BulkLoader {
                txn,
                options: &inner.options,
                base,
                deferred: Deferred::new(options.memory_budget, spill_dir.clone()),
                report: BulkReport::default(),
            };
            feed(&mut loader)?;
            done = Some(loader.finish()?);
            Ok(())
        })?;
        let (version, report) = done.ok_or_else(|| {
            crate::StoreError::Corrupt("a bulk load committed without a version".into())
        })?;
        inner.publish_version(Arc::new(version));
        Ok(report)
    }
}
