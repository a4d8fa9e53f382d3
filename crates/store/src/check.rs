//! The integrity checker behind `datolite check` (`docs/design.md`, §10.1 Checking a
//! database): everything a snapshot's answers rest on, recomputed from one read transaction
//! and compared with what is stored.
//!
//! 1. **Indexes**: every EAVT datom is in each other index its attribute uses (AEVT, AVET, and
//!    VAET for references) and no index holds a datom EAVT lacks — the same for the four
//!    history tables, whose values (the retracting transaction) must agree.
//! 2. **Values**: every datom's value decodes; a long value's payload is in the `values` table
//!    and encodes back to the key that names it.
//! 3. **Statistics**: the stored statistics equal a recount (when they are kept exact).
//! 4. **The log**: replayed in transaction order, it yields exactly the current datoms (with
//!    their asserting transactions) and the history (with the retracting ones).
//!
//! The checker only reads. It holds the log's replay in memory (one entry per datom ever
//! asserted), the price of comparing two orders that never line up.

use std::collections::{BTreeMap, HashMap, HashSet};

use datolite_kv::{Direction, KeyRange, ReadOps, Table, Visit};

use crate::encoding::{decode_key, decode_log_chunk, encode_key, encoded, Index};
use crate::meta;
use crate::schema::Schema;
use crate::stats::Stats;
use crate::store::Store;
use crate::values::materialize;
use crate::{Result, StoreError};

/// The most problems a report lists one by one; the rest are counted.
const MAX_LISTED: usize = 50;

/// What [`Store::check`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// Current datoms (EAVT keys).
    pub datoms: u64,
    /// Retracted datoms kept as history (EAVT history keys).
    pub history: u64,
    /// Entries of the transaction log.
    pub log_entries: u64,
    /// Long values kept in the `values` table.
    pub long_values: u64,
    /// Whether statistics are kept exact (and so were compared with a recount).
    pub stats_checked: bool,
    /// What is wrong, one sentence each (the first 50).
    pub problems: Vec<String>,
    /// Problems found beyond those listed.
    pub more_problems: u64,
}

impl CheckReport {
    /// Whether nothing is wrong.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }

    fn problem(&mut self, text: String) {
        if self.problems.len() < MAX_LISTED {
            self.problems.push(text);
        } else {
            self.more_problems += 1;
        }
    }
}

/// A current or history datom, by its EAVT key without the transaction: (e, a, value bytes).
type Eav = (u64, u32, Vec<u8>);

impl Store {
    /// Checks the latest committed state (see the module documentation).
    pub fn check(&self) -> Result<CheckReport> {
        let txn = self.engine().read()?;
        let txn: &dyn ReadOps = txn.as_ref();
        let schema = Schema::load(txn)?;
        let mut report = CheckReport::default();
        let current = check_indexes(txn, &schema, false, &mut report)?;
        let history = check_indexes(txn, &schema, true, &mut report)?;
        report.datoms = current.len() as u64;
        report.history = history.len() as u64;
        check_values(txn, &mut report)?;
        let exact = meta::get_u64(txn, meta::STATS_EXACT)?.unwrap_or(1) == 1;
        if self.options().stats && exact {
            report.stats_checked = true;
            check_stats(txn, &mut report)?;
        }
        check_log(txn, &schema, &current, &history, &mut report)?;
        Ok(report)
    }

    /// Recounts the statistics and stores them, replacing what was stored.
    pub fn repair_stats(&self) -> Result<()> {
        datolite_kv::write_with(self.engine().as_ref(), |txn| -> Result<()> {
            crate::store::rebuild_stats(txn)
        })
    }
}

/// Every key of `table` with its value, in key order.
fn entries(txn: &dyn ReadOps, table: Table, mut f: impl FnMut(&[u8], &[u8])) -> Result<()> {
    txn.scan(table, &KeyRange::all(), Direction::Forward, &mut |k, v| {
        f(k, v);
        Visit::Continue
    })?;
    Ok(())
}

/// Index tables of the current state or of history.
fn table(index: Index, history: bool) -> Table {
    if history {
        index.history_table()
    } else {
        index.table()
    }
}

/// Checks that EAVT (or its history) and the other indexes hold the same datoms; returns the
/// EAVT datoms with their transaction and (for history) the retracting transaction's bytes.
fn check_indexes(
    txn: &dyn ReadOps,
    schema: &Schema,
    history: bool,
    report: &mut CheckReport,
) -> Result<HashMap<Eav, (u64, Vec<u8>)>> {
    let what = if history { " history" } else { "" };
    let mut datoms: HashMap<Eav, (u64, Vec<u8>)> = HashMap::new();
    let mut expected: BTreeMap<Index, u64> = BTreeMap::new();
    let mut problems = Vec::new();
    let mut key = Vec::new();
    entries(txn, table(Index::Eavt, history), |k, v| {
        let d = match decode_key(Index::Eavt, k) {
            Ok(d) => d,
            Err(e) => {
                problems.push(format!(
                    "EAVT{what}: a key does not decode ({}): {k:02x?}",
                    e.0
                ));
                return;
            }
        };
        let Some(attr) = schema.attribute(d.a) else {
            problems.push(format!(
                "EAVT{what}: datom [{} {} …] has an attribute id the schema does not define",
                d.e, d.a
            ));
            return;
        };
        for &index in attr.indexes().iter().filter(|&&i| i != Index::Eavt) {
            key.clear();
            encode_key(index, d.e, d.a, d.v, d.tx, &mut key);
            *expected.entry(index).or_default() += 1;
            match txn.get(table(index, history), &key) {
                Ok(Some(other)) if other == v => {}
                Ok(Some(_)) => problems.push(format!(
                    "{}{what}: datom [{} :{} … {}] has another retracting transaction than in EAVT",
                    index.name().to_uppercase(),
                    d.e,
                    attr.ident,
                    d.tx
                )),
                Ok(None) => problems.push(format!(
                    "{}{what} lacks datom [{} :{} … {}] that EAVT{what} holds",
                    index.name().to_uppercase(),
                    d.e,
                    attr.ident,
                    d.tx
                )),
                Err(e) => problems.push(format!("reading {}: {e}", index.name())),
            }
        }
        // Its value decodes (a long one finds its payload).
        if let Err(e) = materialize(d.v, txn) {
            problems.push(format!(
                "datom [{} {} … {}]: its value: {e}",
                d.e, d.a, d.tx
            ));
        }
        datoms.insert((d.e, d.a, d.v.to_vec()), (d.tx, v.to_vec()));
    })?;
    for p in problems {
        report.problem(p);
    }
    // Keys of the other indexes that EAVT lacks show as a count that differs; name them.
    for index in [Index::Aevt, Index::Avet, Index::Vaet] {
        let mut count = 0u64;
        let mut extra = Vec::new();
        entries(txn, table(index, history), |k, _| {
            count += 1;
            match decode_key(index, k) {
                Ok(d) => match datoms.get(&(d.e, d.a, d.v.to_vec())) {
                    Some((tx, _)) if *tx == d.tx => {}
                    _ => extra.push(format!(
                        "{}{what} holds datom [{} {} … {}] that EAVT{what} lacks",
                        index.name().to_uppercase(),
                        d.e,
                        d.a,
                        d.tx
                    )),
                },
                Err(e) => extra.push(format!(
                    "{}{what}: a key does not decode ({}): {k:02x?}",
                    index.name().to_uppercase(),
                    e.0
                )),
            }
        })?;
        for p in extra {
            report.problem(p);
        }
        let want = expected.get(&index).copied().unwrap_or(0);
        if count != want && report.is_clean() {
            report.problem(format!(
                "{}{what} holds {count} datoms where EAVT{what} implies {want}",
                index.name().to_uppercase()
            ));
        }
    }
    Ok(datoms)
}

/// Checks every long value in the `values` table encodes back to its key (that every datom's
/// value decodes, a long one finding its payload, is checked with the indexes).
fn check_values(txn: &dyn ReadOps, report: &mut CheckReport) -> Result<()> {
    let threshold = meta::get_u64(txn, meta::INLINE_THRESHOLD)?.unwrap_or(128) as usize;
    let mut problems = Vec::new();
    let mut long_values = 0u64;
    entries(txn, Table::Values, |k, _| {
        long_values += 1;
        match materialize(k, txn) {
            Ok(value) => {
                if encoded(&value, threshold).0 != k {
                    problems.push(format!(
                        "values table: the payload under {k:02x?} does not encode to its key"
                    ));
                }
            }
            Err(e) => problems.push(format!("values table: an entry does not decode ({e})")),
        }
    })?;
    report.long_values = long_values;
    for p in problems {
        report.problem(p);
    }
    Ok(())
}

/// Compares the stored statistics with a recount.
fn check_stats(txn: &dyn ReadOps, report: &mut CheckReport) -> Result<()> {
    let stored = Stats::load(txn)?;
    let counted = Stats::recount(txn)?;
    if stored == counted {
        return Ok(());
    }
    if stored.datoms != counted.datoms {
        report.problem(format!(
            "statistics: {} datoms stored, {} counted (repair with check --repair-stats)",
            stored.datoms, counted.datoms
        ));
    }
    let ids: HashSet<u32> = stored
        .attributes
        .keys()
        .chain(counted.attributes.keys())
        .copied()
        .collect();
    let mut ids: Vec<u32> = ids.into_iter().collect();
    ids.sort_unstable();
    for id in ids {
        if stored.attributes.get(&id) != counted.attributes.get(&id) {
            report.problem(format!(
                "statistics of attribute {id} differ from a recount: stored {:?}, counted {:?} \
                 (repair with check --repair-stats)",
                stored.attributes.get(&id),
                counted.attributes.get(&id)
            ));
        }
    }
    Ok(())
}

/// Replays the log and compares the outcome with the current datoms and the history.
fn check_log(
    txn: &dyn ReadOps,
    schema: &Schema,
    current: &HashMap<Eav, (u64, Vec<u8>)>,
    history: &HashMap<Eav, (u64, Vec<u8>)>,
    report: &mut CheckReport,
) -> Result<()> {
    // One transaction's entries at a time: its retractions apply to the state before it, and a
    // datom it both asserts and retracts was never visible (no history is kept of it).
    let mut state: HashMap<Eav, u64> = HashMap::new();
    let mut replayed_history: HashSet<(Eav, u64, u64)> = HashSet::new();
    let mut tx_entries: Vec<(Eav, bool)> = Vec::new();
    let mut tx_now = None;
    let mut entries_seen = 0u64;
    let mut failure = None;
    let no_history = |a: u32| schema.attribute(a).is_some_and(|attr| attr.no_history);
    let mut apply = |tx: u64, ops: &mut Vec<(Eav, bool)>, state: &mut HashMap<Eav, u64>| {
        let retracted_here: HashSet<Eav> = ops
            .iter()
            .filter(|(eav, added)| !added && !state.contains_key(eav))
            .map(|(eav, _)| eav.clone())
            .collect();
        for (eav, added) in ops.drain(..) {
            if added {
                if !retracted_here.contains(&eav) {
                    state.insert(eav, tx);
                }
            } else if let Some(asserted) = state.remove(&eav) {
                if !no_history(eav.1) {
                    replayed_history.insert((eav, asserted, tx));
                }
            }
        }
    };
    txn.scan(
        Table::Log,
        &KeyRange::all(),
        Direction::Forward,
        &mut |k, v| {
            let decoded = decode_log_chunk(k, v, |d| {
                entries_seen += 1;
                if tx_now.is_some_and(|t| t != d.tx) {
                    apply(tx_now.unwrap_or(0), &mut tx_entries, &mut state);
                }
                tx_now = Some(d.tx);
                tx_entries.push(((d.e, d.a, d.v.to_vec()), d.added));
                true
            });
            match decoded {
                Ok(_) => Visit::Continue,
                Err(e) => {
                    failure = Some(StoreError::from(e));
                    Visit::Stop
                }
            }
        },
    )?;
    if let Some(e) = failure {
        report.problem(e.to_string());
        return Ok(());
    }
    if let Some(tx) = tx_now {
        apply(tx, &mut tx_entries, &mut state);
    }
    report.log_entries = entries_seen;
    let mut problems = Vec::new();
    for (eav, (tx, _)) in current {
        match state.get(eav) {
            Some(t) if t == tx => {}
            Some(t) => problems.push(format!(
                "log: datom [{} {} …] is current as of tx {tx}, the log asserts it in tx {t}",
                eav.0, eav.1
            )),
            None => problems.push(format!(
                "log: datom [{} {} … {tx}] is current but the log does not leave it asserted",
                eav.0, eav.1
            )),
        }
    }
    for (eav, t) in &state {
        if !current.contains_key(eav) {
            problems.push(format!(
                "log: datom [{} {} … {t}] is asserted by the log but not current",
                eav.0, eav.1
            ));
        }
    }
    let stored_history: HashSet<(Eav, u64, u64)> = history
        .iter()
        .map(|(eav, (tx, retracting))| {
            let mut r = [0u8; 8];
            let n = retracting.len().min(8);
            r[..n].copy_from_slice(&retracting[..n]);
            (eav.clone(), *tx, u64::from_be_bytes(r))
        })
        .collect();
    for (eav, asserted, retracted) in stored_history.symmetric_difference(&replayed_history) {
        let side = if stored_history.contains(&(eav.clone(), *asserted, *retracted)) {
            "is in the history tables but not retracted so by the log"
        } else {
            "is retracted by the log but missing from the history tables"
        };
        problems.push(format!(
            "log: datom [{} {} … {asserted}] retracted in tx {retracted} {side}",
            eav.0, eav.1
        ));
    }
    problems.sort();
    for p in problems {
        report.problem(p);
    }
    Ok(())
}
