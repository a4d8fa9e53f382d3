//! Exact statistics, maintained in the same write transaction as the datoms (`docs/design.md`,
//! §5 Statistics).
//!
//! Per attribute: datom count, distinct entities, distinct values, min and max value (kept in
//! their order-preserving encoding, so comparing them is a `memcmp`). Plus the total number of
//! datoms. `count`-style questions read these in O(1); the planner reads cardinalities here.
//! [`Stats::recount`] recomputes everything from the indexes — the test oracle.

use std::collections::BTreeMap;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use datolite_kv::{Direction, KeyRange, ReadOps, Table, Visit, WriteTxn};

use crate::encoding::{decode_key, Index, Prefix, RawDatom};
use crate::meta;
use crate::scan::try_for_each_key;
use crate::{Result, StoreError};

/// Statistics of one attribute.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AttrStats {
    /// Datoms of the attribute.
    pub count: u64,
    /// Entities that have at least one value.
    pub distinct_entities: u64,
    /// Distinct values.
    pub distinct_values: u64,
    /// Smallest value, encoded.
    pub min: Option<Vec<u8>>,
    /// Largest value, encoded.
    pub max: Option<Vec<u8>>,
}

/// Statistics of one snapshot.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Datoms in the current-state indexes (each datom counted once, not once per index).
    pub datoms: u64,
    /// Per attribute key id.
    pub attributes: BTreeMap<u32, AttrStats>,
}

impl Stats {
    /// Statistics of attribute `id` (zeros when it has no datoms).
    pub fn attribute(&self, id: u32) -> AttrStats {
        self.attributes.get(&id).cloned().unwrap_or_default()
    }

    /// Datom count of attribute `id`.
    pub fn count(&self, id: u32) -> u64 {
        self.attributes.get(&id).map_or(0, |s| s.count)
    }

    /// Reads the statistics table.
    pub fn load(txn: &dyn ReadOps) -> Result<Stats> {
        let mut stats = Stats {
            datoms: meta::get_u64(txn, meta::DATOMS)?.unwrap_or(0),
            ..Stats::default()
        };
        let mut failure = None;
        txn.scan(
            Table::Stats,
            &KeyRange::all(),
            Direction::Forward,
            &mut |key, value| match decode_row(key, value) {
                Ok((id, row)) => {
                    stats.attributes.insert(id, row);
                    Visit::Continue
                }
                Err(e) => {
                    failure = Some(e);
                    Visit::Stop
                }
            },
        )?;
        failure.map_or(Ok(stats), Err)
    }

    /// Writes the rows of `changed` attributes and the total.
    pub fn store(
        &self,
        txn: &mut dyn WriteTxn,
        changed: impl IntoIterator<Item = u32>,
    ) -> Result<()> {
        for id in changed {
            let key = id.to_be_bytes();
            match self.attributes.get(&id) {
                Some(row) if row.count > 0 => txn.put(Table::Stats, &key, &encode_row(row))?,
                _ => {
                    txn.delete(Table::Stats, &key)?;
                }
            }
        }
        meta::put_u64(txn, meta::DATOMS, self.datoms)
    }

    /// Recomputes every statistic from the indexes (slow; for tests, repair and the stats-off
    /// mode).
    pub fn recount(txn: &dyn ReadOps) -> Result<Stats> {
        Stats::count_with(|index, f| {
            try_for_each_key(txn, index.table(), |key| {
                f(&decode_key(index, key)?);
                Ok(())
            })
        })
    }

    /// Statistics counted from every datom of AEVT and AVET, which `each(index, f)` hands to
    /// `f` in index order: the engine's tables ([`Stats::recount`]) or a view over time
    /// (`Db::view_stats`).
    pub(crate) fn count_with(
        mut each: impl FnMut(Index, &mut dyn FnMut(&RawDatom<'_>)) -> Result<()>,
    ) -> Result<Stats> {
        let mut stats = Stats::default();
        let mut last: Option<(u32, u64)> = None;
        each(Index::Aevt, &mut |raw| {
            stats.datoms += 1;
            let row = stats.attributes.entry(raw.a).or_default();
            row.count += 1;
            if last != Some((raw.a, raw.e)) {
                row.distinct_entities += 1;
                last = Some((raw.a, raw.e));
            }
        })?;
        let mut last_value: Option<(u32, Vec<u8>)> = None;
        each(Index::Avet, &mut |raw| {
            let row = stats.attributes.entry(raw.a).or_default();
            let same = matches!(&last_value, Some((a, v)) if *a == raw.a && v.as_slice() == raw.v);
            if !same {
                row.distinct_values += 1;
                if row.min.is_none() {
                    row.min = Some(raw.v.to_vec());
                }
                row.max = Some(raw.v.to_vec());
                last_value = Some((raw.a, raw.v.to_vec()));
            }
        })?;
        Ok(stats)
    }
}

/// A transaction's changes to the statistics it started from, kept apart so the base is never
/// copied while the transaction runs: rows are copied from the base the first time they change,
/// and [`StatsChange::into_stats`] applies them to the base when the transaction commits, in
/// place when nothing else holds the base (see `version.rs`).
#[derive(Debug)]
pub(crate) struct StatsChange {
    base: Arc<Stats>,
    /// Changed rows; `None` marks a row removed (its attribute has no datoms left).
    rows: FxHashMap<u32, Option<AttrStats>>,
    /// The total datom count after the changes.
    datoms: u64,
}

impl StatsChange {
    /// No changes yet to `base`.
    pub fn new(base: Arc<Stats>) -> StatsChange {
        StatsChange {
            datoms: base.datoms,
            base,
            rows: FxHashMap::default(),
        }
    }

    /// The statistics the transaction started from.
    pub fn base(&self) -> &Arc<Stats> {
        &self.base
    }

    /// The row of attribute `a` for updating: a copy of the base row on first use, a fresh row
    /// when the attribute has none (or its row was removed by this transaction).
    pub fn row(&mut self, a: u32) -> &mut AttrStats {
        let base = &self.base;
        self.rows
            .entry(a)
            .or_insert_with(|| Some(base.attributes.get(&a).cloned().unwrap_or_default()))
            .get_or_insert_with(AttrStats::default)
    }

    /// The row of attribute `a` as it stands, if any.
    pub fn get(&self, a: u32) -> Option<&AttrStats> {
        match self.rows.get(&a) {
            Some(row) => row.as_ref(),
            None => self.base.attributes.get(&a),
        }
    }

    /// Removes the row of attribute `a`.
    pub fn remove(&mut self, a: u32) {
        self.rows.insert(a, None);
    }

    /// The total datom count, for updating.
    pub fn datoms_mut(&mut self) -> &mut u64 {
        &mut self.datoms
    }

    /// Writes the changed rows and the total (the transaction's share of [`Stats::store`]).
    pub fn store(&self, txn: &mut dyn WriteTxn) -> Result<()> {
        for (&id, row) in &self.rows {
            let key = id.to_be_bytes();
            match row {
                Some(row) if row.count > 0 => txn.put(Table::Stats, &key, &encode_row(row))?,
                _ => {
                    txn.delete(Table::Stats, &key)?;
                }
            }
        }
        meta::put_u64(txn, meta::DATOMS, self.datoms)
    }

    /// The statistics after the changes. The base is shared unchanged when nothing changed,
    /// updated in place when this is its only holder, and copied otherwise.
    pub fn into_stats(self) -> Arc<Stats> {
        let StatsChange {
            mut base,
            rows,
            datoms,
        } = self;
        if rows.is_empty() && datoms == base.datoms {
            return base;
        }
        let stats = Arc::make_mut(&mut base);
        stats.datoms = datoms;
        for (id, row) in rows {
            match row {
                // A row left at zero datoms is dropped, as `store` deletes it.
                Some(row) if row.count > 0 => {
                    stats.attributes.insert(id, row);
                }
                _ => {
                    stats.attributes.remove(&id);
                }
            }
        }
        base
    }
}

/// The smallest or largest encoded value of attribute `a` in AVET (`Direction::Reverse` = max).
pub fn extreme_value(txn: &dyn ReadOps, a: u32, direction: Direction) -> Result<Option<Vec<u8>>> {
    let prefix = Prefix::new().attr(a).into_bytes();
    match txn.first(Table::Avet, &KeyRange::prefix(&prefix), direction)? {
        None => Ok(None),
        Some((key, _)) => Ok(Some(decode_key(Index::Avet, &key)?.v.to_vec())),
    }
}

fn encode_row(row: &AttrStats) -> Vec<u8> {
    let mut out = Vec::with_capacity(40);
    for n in [row.count, row.distinct_entities, row.distinct_values] {
        out.extend_from_slice(&n.to_be_bytes());
    }
    for bound in [&row.min, &row.max] {
        let bytes = bound.as_deref().unwrap_or(&[]);
        out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
        out.extend_from_slice(bytes);
    }
    out
}

fn decode_row(key: &[u8], value: &[u8]) -> Result<(u32, AttrStats)> {
    let corrupt = || StoreError::Corrupt("malformed statistics row".into());
    let id = u32::from_be_bytes(key.try_into().map_err(|_| corrupt())?);
    let mut at = 0usize;
    let mut take = |n: usize| -> Result<&[u8]> {
        let slice = value.get(at..at + n).ok_or_else(corrupt)?;
        at += n;
        Ok(slice)
    };
    let mut number = || -> Result<u64> {
        Ok(u64::from_be_bytes(
            take(8)?.try_into().map_err(|_| corrupt())?,
        ))
    };
    let count = number()?;
    let distinct_entities = number()?;
    let distinct_values = number()?;
    let mut bound = || -> Result<Option<Vec<u8>>> {
        let len = u32::from_be_bytes(take(4)?.try_into().map_err(|_| corrupt())?) as usize;
        let bytes = take(len)?;
        Ok((!bytes.is_empty()).then(|| bytes.to_vec()))
    };
    let min = bound()?;
    let max = bound()?;
    Ok((
        id,
        AttrStats {
            count,
            distinct_entities,
            distinct_values,
            min,
            max,
        },
    ))
}
