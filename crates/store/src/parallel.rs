//! Parallel scans: one key range split over rayon workers, every worker reading the same
//! snapshot (its own engine read transaction of the `Db`'s version — see `snapshot.rs`).
//!
//! Where the range is cut is decided in `split.rs`.

use std::ops::Bound;
use std::sync::atomic::{AtomicUsize, Ordering};

use datolite_kv::{Direction, KeyRange, ReadOps};
use rayon::prelude::*;

use crate::model::DatomRef;
use crate::scan::{decode_datom, release, Scan};
use crate::split::cut_points;
use crate::{Result, StoreError};

/// Parts per worker. The range is cut much finer than the number of workers, and a worker that
/// finishes a part takes the next one, so that however the work goes — the cut model is
/// approximate, a worker starts late while its CPU wakes, or loses its CPU for a while — the
/// workers finish at most about one part apart. `bench parallel` measured that gap: with 4 parts
/// per worker it reached a whole part (4–6 ms of a 20 ms fold of 1.24M datoms, a 1.4× speed-up
/// instead of 1.8×); with 32 it stays near a millisecond. A part costs one cursor seek.
const PARTS_PER_WORKER: usize = 32;

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
        F: Fn(&mut T, &DatomRef<'_>) + Sync + Send,
        R: Fn(T, T) -> T + Sync + Send,
    {
        let index = self.scan.index;
        self.run(
            |txn, range| {
                let mut acc = init();
                let mut failure = None;
                self.scan.run_keys(txn, range, |key, added| {
                    match decode_datom(index, key, txn) {
                        Ok(mut d) => {
                            d.added = added;
                            fold(&mut acc, &d);
                            release(d);
                            true
                        }
                        Err(e) => {
                            failure = Some(e);
                            false
                        }
                    }
                })?;
                failure.map_or(Ok(acc), Err)
            },
            reduce,
        )
    }

    /// Counts the keys in range, decoding nothing.
    pub fn count(&self) -> Result<u64> {
        self.run(|txn, range| self.count_part(txn, range), |a, b| a + b)
    }

    /// The number of keys in each part the range is cut into (how balanced the work is;
    /// parts are handed to workers as they become free).
    pub fn part_sizes(&self) -> Result<Vec<u64>> {
        self.run(
            |txn, range| Ok(vec![self.count_part(txn, range)?]),
            |mut a, b| {
                a.extend(b);
                a
            },
        )
    }

    fn count_part(&self, txn: &dyn ReadOps, range: &KeyRange) -> Result<u64> {
        let mut n = 0u64;
        self.scan.run_keys(txn, range, |_, _| {
            n += 1;
            true
        })?;
        Ok(n)
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
        let wanted = if guards.len() > 1 {
            guards.len() * PARTS_PER_WORKER
        } else {
            1
        };
        let points = cut_points(
            self.scan.db,
            &*guards[0],
            self.scan.index,
            self.scan.prefix(),
            self.scan.bound(),
            &range,
            wanted,
        )?;
        let parts = parts(&range, points);
        // Workers take parts from a shared counter until none are left, each with its own
        // snapshot of the same version; results are put back in key order before reducing.
        let next = AtomicUsize::new(0);
        let mut results: Vec<(usize, Result<T>)> = guards
            .into_par_iter()
            .map(|guard| {
                let mut mine = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(range) = parts.get(i) else { break };
                    mine.push((i, part(&*guard, range)));
                }
                mine
            })
            .flatten()
            .collect();
        results.sort_by_key(|(i, _)| *i);
        let mut combined: Option<T> = None;
        for (_, result) in results {
            let value = result?;
            combined = Some(match combined {
                None => value,
                Some(acc) => reduce(acc, value),
            });
        }
        combined.ok_or_else(|| StoreError::InvalidArgument("parallel scan without workers".into()))
    }
}

/// Consecutive ranges covering `range`, cut at `points` (sorted, inside the range).
fn parts(range: &KeyRange, points: Vec<Vec<u8>>) -> Vec<KeyRange> {
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
    parts
}
