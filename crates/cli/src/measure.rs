//! The timed scans `demo` and `bench scan` both report: every way the storage plan can answer
//! "how many datoms / give me the datoms", from a full decoded scan down to an O(1) statistics
//! lookup, next to a raw engine scan that decodes nothing — the floor a decoded scan is
//! measured against.
//!
//! Every measurement is the best of `runs`: the minimum is the least noisy estimate of what
//! the code costs on a warm cache (everything here reads memory-mapped pages).

use std::hint::black_box;
use std::time::Instant;

use datolite::{Database, DatomRef, Db, Index, ValueRef};
use datolite_kv::Table;
use serde::Serialize;

use crate::error::{CliError, Result};
use crate::output::round3;

/// Timings of one snapshot's scans, in milliseconds.
#[derive(Clone, Debug)]
pub struct ScanTimings {
    /// Datoms in the EAVT index (what every full scan visits).
    pub datoms: u64,
    /// Full EAVT scan decoding every datom and touching every value.
    pub scan_decoded_ms: f64,
    /// Full EAVT scan counting keys, decoding nothing.
    pub scan_keys_only_ms: f64,
    /// `db.count()`: the statistics' total, O(1).
    pub count_ms: f64,
    /// `db.count_attribute(attr)`: the statistics' per-attribute count, O(1).
    pub count_attr_ms: f64,
    /// The attribute counted, and its count.
    pub count_attr: (String, u64),
    /// Parallel decoded fold over EAVT with `workers` workers.
    pub parallel_scan_ms: f64,
    /// The same fold with one worker (the baseline of the speedup).
    pub single_worker_scan_ms: f64,
    /// Workers of the parallel scan (the `parallel_workers` option).
    pub workers: usize,
    /// The engine's bare iterator over the EAVT table, nothing decoded.
    pub raw_engine_scan_ms: f64,
    /// The engine's name (`lmdb`, `memory`).
    pub engine: &'static str,
}

/// [`ScanTimings`] as JSON: the keys `demo --format json` and `bench scan --format json` share.
#[derive(Debug, Serialize)]
pub struct ScanJson {
    /// Datoms every full scan visited.
    pub datoms: u64,
    /// Full decoded EAVT scan.
    pub scan_decoded_ms: f64,
    /// Key-only EAVT count.
    pub scan_keys_only_ms: f64,
    /// `db.count()`.
    pub count_ms: f64,
    /// `db.count_attribute(count_attribute)`.
    pub count_attr_ms: f64,
    /// The attribute counted.
    pub count_attribute: String,
    /// Its datoms.
    pub count_attribute_datoms: u64,
    /// Parallel decoded fold.
    pub parallel_scan_ms: f64,
    /// The same fold on one worker.
    pub single_worker_scan_ms: f64,
    /// Workers of the parallel fold.
    pub workers: usize,
    /// Raw engine scan, nothing decoded.
    pub raw_engine_scan_ms: f64,
    /// The engine scanned.
    pub engine: &'static str,
    /// `scan_decoded_ms / raw_engine_scan_ms`.
    pub ratio_decoded_to_raw: f64,
    /// `single_worker_scan_ms / parallel_scan_ms`.
    pub parallel_speedup: f64,
    /// Time per datom of the full scans, in nanoseconds: flat across database sizes when a
    /// scan costs the same for every datom.
    pub scan_decoded_ns_per_datom: f64,
    /// Key-only scan, per datom.
    pub scan_keys_only_ns_per_datom: f64,
    /// Parallel decoded fold, per datom.
    pub parallel_scan_ns_per_datom: f64,
    /// Raw engine scan, per datom.
    pub raw_engine_scan_ns_per_datom: f64,
}

impl ScanTimings {
    /// The JSON form, timings rounded to microseconds.
    pub fn to_json(&self) -> ScanJson {
        ScanJson {
            datoms: self.datoms,
            scan_decoded_ms: round3(self.scan_decoded_ms),
            scan_keys_only_ms: round3(self.scan_keys_only_ms),
            count_ms: round3(self.count_ms),
            count_attr_ms: round3(self.count_attr_ms),
            count_attribute: self.count_attr.0.clone(),
            count_attribute_datoms: self.count_attr.1,
            parallel_scan_ms: round3(self.parallel_scan_ms),
            single_worker_scan_ms: round3(self.single_worker_scan_ms),
            workers: self.workers,
            raw_engine_scan_ms: round3(self.raw_engine_scan_ms),
            engine: self.engine,
            ratio_decoded_to_raw: round3(self.ratio_decoded_to_raw()),
            parallel_speedup: round3(self.parallel_speedup()),
            scan_decoded_ns_per_datom: self.ns_per_datom(self.scan_decoded_ms),
            scan_keys_only_ns_per_datom: self.ns_per_datom(self.scan_keys_only_ms),
            parallel_scan_ns_per_datom: self.ns_per_datom(self.parallel_scan_ms),
            raw_engine_scan_ns_per_datom: self.ns_per_datom(self.raw_engine_scan_ms),
        }
    }

    /// `ms` spread over the datoms scanned, in nanoseconds (rounded to a thousandth).
    pub fn ns_per_datom(&self, ms: f64) -> f64 {
        round3(ms * 1e6 / self.datoms.max(1) as f64)
    }

    /// How many times slower decoding every datom is than walking the raw keys.
    pub fn ratio_decoded_to_raw(&self) -> f64 {
        ratio(self.scan_decoded_ms, self.raw_engine_scan_ms)
    }

    /// How many times faster the parallel fold is than the single-worker fold.
    pub fn parallel_speedup(&self) -> f64 {
        ratio(self.single_worker_scan_ms, self.parallel_scan_ms)
    }
}

/// `a / b`, or 0 when `b` is too small to measure (a ratio of noise is worse than none).
fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        0.0
    }
}

/// Runs `f` `runs` times (at least once) and returns the fastest time in ms and the last result.
pub fn best_of<T>(runs: usize, mut f: impl FnMut() -> Result<T>) -> Result<(f64, T)> {
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        let value = black_box(f()?);
        best = best.min(start.elapsed().as_secs_f64() * 1000.0);
        last = Some(value);
    }
    last.map(|value| (best, value))
        .ok_or_else(|| CliError::msg("no measurement ran"))
}

/// A number derived from every part of a value, so the compiler cannot skip decoding it.
#[inline]
pub fn touch(value: &ValueRef<'_>) -> u64 {
    match value {
        ValueRef::Boolean(b) => u64::from(*b),
        ValueRef::Long(n) | ValueRef::Instant(n) => *n as u64,
        ValueRef::Double(d) => d.to_bits(),
        ValueRef::String(s) | ValueRef::Keyword(s) | ValueRef::Uri(s) | ValueRef::Symbol(s) => {
            s.len() as u64 + u64::from(s.as_bytes().first().copied().unwrap_or(0))
        }
        ValueRef::Uuid(u) => u64::from(u.as_bytes()[0]),
        ValueRef::Bytes(b) => b.len() as u64,
        ValueRef::Ref(e) => *e,
        ValueRef::Float(x) => u64::from(x.to_bits()),
        ValueRef::BigInt(n) => n.bits(),
        ValueRef::BigDec(d) => d.digits(),
        ValueRef::Tuple(items) => items.len() as u64,
    }
}

/// Folds one datom into a (count, checksum) accumulator.
#[inline]
pub(crate) fn fold_datom(acc: &mut (u64, u64), d: &DatomRef<'_>) {
    acc.0 += 1;
    acc.1 = acc
        .1
        .wrapping_add(d.e ^ d.tx ^ d.a)
        .wrapping_add(touch(&d.v));
}

/// Measures every scan of the current snapshot of `database`, `runs` times each, and checks
/// that they all agree on the number of datoms (a disagreement is a bug worth shouting about).
pub fn measure_scans(database: &Database, attribute: &str, runs: usize) -> Result<ScanTimings> {
    let db = database.db()?;
    let workers = db.parallel_workers();

    let (scan_decoded_ms, decoded) = best_of(runs, || decoded_scan(&db))?;
    let (scan_keys_only_ms, keys) = best_of(runs, || count_keys(&db))?;
    let (count_ms, counted) = best_of(runs, || Ok(db.count()?))?;
    let (count_attr_ms, attr_count) = best_of(runs, || Ok(db.count_attribute(attribute)?))?;
    let (parallel_scan_ms, parallel) = best_of(runs, || parallel_fold(&db, workers))?;
    let (single_worker_scan_ms, single) = best_of(runs, || parallel_fold(&db, 1))?;
    let (raw_engine_scan_ms, (raw, _raw_bytes)) =
        best_of(runs, || raw_engine_scan(database, Table::Eavt))?;

    let counts = [decoded.0, keys, counted, parallel.0, single.0, raw];
    if counts.iter().any(|&n| n != decoded.0) || parallel.1 != decoded.1 || single.1 != decoded.1 {
        return Err(CliError::msg(format!(
            "scans disagree on the datoms (decoded {}, keys {}, statistics {}, parallel {}, one worker {}, raw {}); \
             this is a bug in datolite",
            counts[0], counts[1], counts[2], counts[3], counts[4], counts[5]
        )));
    }
    Ok(ScanTimings {
        datoms: decoded.0,
        scan_decoded_ms,
        scan_keys_only_ms,
        count_ms,
        count_attr_ms,
        count_attr: (attribute.to_string(), attr_count),
        parallel_scan_ms,
        single_worker_scan_ms,
        workers,
        raw_engine_scan_ms,
        engine: database.store().engine().name(),
    })
}

/// Datoms counted by a key-only EAVT scan, nothing decoded.
pub fn count_keys(db: &Db) -> Result<u64> {
    let mut n = 0u64;
    db.scan(Index::Eavt).for_each_key(|_| {
        n += 1;
        true
    })?;
    Ok(n)
}

/// A full EAVT scan decoding every datom: (count, checksum).
pub fn decoded_scan(db: &Db) -> Result<(u64, u64)> {
    let mut acc = (0u64, 0u64);
    db.scan(Index::Eavt).for_each(|d| {
        fold_datom(&mut acc, d);
        true
    })?;
    Ok(acc)
}

/// A parallel decoded fold over EAVT with `workers` workers: (count, checksum).
pub(crate) fn parallel_fold(db: &Db, workers: usize) -> Result<(u64, u64)> {
    Ok(db.scan(Index::Eavt).parallel(workers).fold(
        || (0u64, 0u64),
        fold_datom,
        |a, b| (a.0 + b.0, a.1.wrapping_add(b.1)),
    )?)
}

/// The raw engine scan of `table`: (keys, key bytes) from the engine's bare iterator in a fresh
/// snapshot — no visitor, nothing decoded. The floor every decoded scan is compared against.
pub fn raw_engine_scan(database: &Database, table: Table) -> Result<(u64, u64)> {
    Ok(database.store().engine().raw_scan(table)?)
}
