//! Parallel scans: one key range split over rayon workers, every worker reading the same
//! snapshot (its own engine read transaction of the `Db`'s version — see `snapshot.rs`).
//!
//! Split points interpolate between the first and last key of the range on the 8 bytes after
//! their common prefix. Datom keys lead with dense ids (entities, attributes), so equal
//! numeric slices hold about equal numbers of keys.

use std::ops::Bound;

use datolite_kv::{Direction, KeyRange, ReadOps};
use rayon::prelude::*;

use crate::model::DatomRef;
use crate::scan::{decode_datom, Scan};
use crate::{Result, StoreError};

/// A scan split over several workers.
pub struct ParallelScan<'s, 'db> {
    scan: &'s Scan<'db>,
    workers: usize,
}

impl<'s, 'db> ParallelScan<'s, 'db> {
    pub(crate) fn new(scan: &'s Scan<'db>, workers: usize) -> Self {
        ParallelScan {
            scan,
            workers: workers.max(1),
        }
    }

    /// Folds every datom: each worker folds its part from `init()`, then parts are combined in
    /// key order with `reduce`.
    pub fn fold<T, I, F, R>(&self, init: I, fold: F, reduce: R) -> Result<T>
    where
        T: Send,
        I: Fn() -> T + Sync + Send,
        F: Fn(&mut T, DatomRef<'_>) + Sync + Send,
        R: Fn(T, T) -> T + Sync + Send,
    {
        let index = self.scan.index;
        self.run(
            |txn, range| {
                let mut acc = init();
                let mut failure = None;
                self.scan
                    .run_keys(txn, range, &mut |key| match decode_datom(index, key, txn) {
                        Ok(d) => {
                            fold(&mut acc, d);
                            true
                        }
                        Err(e) => {
                            failure = Some(e);
                            false
                        }
                    })?;
                failure.map_or(Ok(acc), Err)
            },
            reduce,
        )
    }

    /// Counts the keys in range, decoding nothing.
    pub fn count(&self) -> Result<u64> {
        self.run(
            |txn, range| {
                let mut n = 0u64;
                self.scan.run_keys(txn, range, &mut |_| {
                    n += 1;
                    true
                })?;
                Ok(n)
            },
            |a, b| a + b,
        )
    }

    /// Runs `part` on every part of the range, each on its own worker and snapshot.
    fn run<T, P, R>(&self, part: P, reduce: R) -> Result<T>
    where
        T: Send,
        P: Fn(&dyn ReadOps, &KeyRange) -> Result<T> + Sync + Send,
        R: Fn(T, T) -> T + Sync + Send,
    {
        if self.scan.direction() == Direction::Reverse {
            return Err(StoreError::InvalidArgument(
                "parallel scans run forward only".into(),
            ));
        }
        let range = self.scan.key_range()?;
        let guards = self.scan.db.checkout_up_to(self.workers, true)?;
        let parts = split(&*guards[0], self.scan.index.table(), &range, guards.len())?;
        let results: Vec<Result<T>> = guards
            .into_par_iter()
            .zip(parts.into_par_iter())
            .map(|(guard, range)| part(&*guard, &range))
            .collect();
        let mut combined: Option<T> = None;
        for result in results {
            let value = result?;
            combined = Some(match combined {
                None => value,
                Some(acc) => reduce(acc, value),
            });
        }
        combined.ok_or_else(|| StoreError::InvalidArgument("parallel scan without workers".into()))
    }
}

/// Splits `range` of `table` into `n` consecutive ranges of about equal key counts.
pub(crate) fn split(
    txn: &dyn ReadOps,
    table: datolite_kv::Table,
    range: &KeyRange,
    n: usize,
) -> Result<Vec<KeyRange>> {
    if n <= 1 {
        return Ok(vec![range.clone()]);
    }
    let first = txn.first(table, range, Direction::Forward)?;
    let last = txn.first(table, range, Direction::Reverse)?;
    let (Some((first, _)), Some((last, _))) = (first, last) else {
        return Ok(vec![range.clone()]);
    };
    let common = first.iter().zip(&last).take_while(|(a, b)| a == b).count();
    let slice = |key: &[u8], pad: u8| {
        let mut bytes = [pad; 8];
        for (i, b) in key.iter().skip(common).take(8).enumerate() {
            bytes[i] = *b;
        }
        u64::from_be_bytes(bytes) as u128
    };
    let (lo, hi) = (slice(&first, 0), slice(&last, 0xFF));
    let mut points: Vec<Vec<u8>> = Vec::with_capacity(n - 1);
    for i in 1..n as u128 {
        let point = lo + (hi - lo) * i / n as u128;
        let mut key = first[..common].to_vec();
        key.extend_from_slice(&(point as u64).to_be_bytes());
        if points.last().is_none_or(|p| *p < key) && key > first {
            points.push(key);
        }
    }
    let mut parts = Vec::with_capacity(points.len() + 1);
    let mut start = range.start.clone();
    for point in points {
        parts.push(KeyRange {
            start,
            end: Bound::Excluded(point.clone()),
        });
        start = Bound::Included(point);
    }
    parts.push(KeyRange {
        start,
        end: range.end.clone(),
    });
    Ok(parts)
}
