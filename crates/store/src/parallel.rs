//! Parallel scans: one key range split over rayon workers, every worker reading the same
//! snapshot (its own engine read transaction of the `Db`'s version — see `snapshot.rs`).
//!
//! Where the range is cut is decided in `split.rs`.

use std::ops::Bound;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Condvar, Mutex, MutexGuard};

use datolite_kv::{Direction, KeyRange, ReadOps};
use rayon::prelude::*;

use crate::model::{Datom, DatomRef};
use crate::scan::{decode_datom, release, Scan};
use crate::snapshot::TxnGuard;
use crate::split::cut_points;
use crate::{Result, StoreError};

/// Parts per worker. The range is cut much finer than the number of workers, and a worker that
/// finishes a part takes the next one, so that however the work goes — the cut model is
/// approximate, a worker starts late while its CPU wakes, or loses its CPU for a while — the
/// workers finish at most about one part apart. `bench parallel` measured that gap: with 4 parts
/// per worker it reached a whole part (4–6 ms of a 20 ms fold of 1.24M datoms, a 1.4× speed-up
/// instead of 1.8×); with 32 it stays near a millisecond. A part costs one cursor seek.
const PARTS_PER_WORKER: usize = 32;

/// Datoms per batch a worker of [`ParallelScan::for_each_ordered`] hands to the caller: large
/// enough that the channel costs little per datom, small enough to bound memory.
const ORDERED_BATCH: usize = 1024;

/// Batches one part may have waiting for the caller before its worker blocks.
const ORDERED_QUEUE: usize = 4;

/// Parts [`ParallelScan::for_each_ordered`] may start ahead of the one the caller is reading,
/// per worker: with the queue bound above, at most `workers × ORDERED_AHEAD × ORDERED_QUEUE ×
/// ORDERED_BATCH` datoms wait in memory, however large the scan.
const ORDERED_AHEAD: usize = 2;

/// What a worker of an ordered scan sends for its part: batches of datoms, or the error that
/// ended the part. The part is complete when its worker marks it in `completed` and drops the
/// sender.
type OrderedMsg = Result<Vec<Datom>>;

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

    /// Calls `f` with every datom in key order — the order of [`Scan::for_each`] — while the
    /// workers decode the parts ahead of it; stops when `f` returns `false` or after the scan's
    /// `limit`. `f` runs on the calling thread.
    ///
    /// Memory stays bounded: workers take the parts in order, start a part at most
    /// `ORDERED_AHEAD` parts per worker ahead of the one `f` is reading, and a part's batches
    /// go through a bounded channel, so a worker waits when the caller is slower.
    pub fn for_each_ordered(&self, mut f: impl FnMut(&DatomRef<'_>) -> bool) -> Result<()> {
        let (guards, parts) = self.plan()?;
        let mut senders = Vec::with_capacity(parts.len());
        let mut receivers = Vec::with_capacity(parts.len());
        for _ in &parts {
            let (tx, rx) = sync_channel::<OrderedMsg>(ORDERED_QUEUE);
            senders.push(Mutex::new(Some(tx)));
            receivers.push(rx);
        }
        let shared = OrderedShared {
            next: AtomicUsize::new(0),
            live: AtomicUsize::new(guards.len()),
            consumed: Mutex::new(0),
            advanced: Condvar::new(),
            stop: AtomicBool::new(false),
            ahead: guards.len() * ORDERED_AHEAD,
            completed: parts.iter().map(|_| AtomicBool::new(false)).collect(),
            senders,
        };
        let limit = self.scan.limit_value().unwrap_or(usize::MAX);
        // Threads of their own, not rayon's: the workers block on full channels while `f` runs
        // on this thread, and blocked tasks would hold rayon's pool (two threads on two cores)
        // from the rest of the program.
        std::thread::scope(|scope| {
            for guard in guards {
                let (shared, parts) = (&shared, &parts);
                scope.spawn(move || {
                    let _last = LastWorker(shared);
                    shared.work(self.scan, &*guard, parts);
                });
            }
            let result = shared.consume(receivers, limit, &mut f);
            // Unblocks workers waiting to start a part; the receivers, dropped by `consume`,
            // unblock those waiting to send.
            shared.halt();
            result
        })
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
        let (guards, parts) = self.plan()?;
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

    /// The snapshots the workers read (one each) and the parts the range is cut into, in key
    /// order.
    fn plan(&self) -> Result<(Vec<TxnGuard<'db>>, Vec<KeyRange>)> {
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
        Ok((guards, parts(&range, points)))
    }
}

/// What the workers of [`ParallelScan::for_each_ordered`] and its caller share.
struct OrderedShared {
    /// The next part a worker takes.
    next: AtomicUsize,
    /// Workers still running (the last one out closes the parts nobody took).
    live: AtomicUsize,
    /// Parts the caller has read to the end.
    consumed: Mutex<usize>,
    /// Signalled when `consumed` grows or `stop` is set.
    advanced: Condvar,
    /// Set when the caller stops reading: workers give up.
    stop: AtomicBool,
    /// How many parts past `consumed` a worker may start.
    ahead: usize,
    /// Whether each part's worker reached its end (a part whose channel closes without this
    /// lost its worker, which is an error rather than the end of the part).
    completed: Vec<AtomicBool>,
    /// Each part's sender, taken by the worker that scans the part.
    senders: Vec<Mutex<Option<SyncSender<OrderedMsg>>>>,
}

impl OrderedShared {
    /// A worker's loop: takes parts in order and sends their datoms in batches.
    fn work(&self, scan: &Scan<'_>, txn: &dyn ReadOps, parts: &[KeyRange]) {
        loop {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            let Some(range) = parts.get(i) else { return };
            if !self.wait_turn(i) {
                return;
            }
            let Some(sender) = lock(&self.senders[i]).take() else {
                return;
            };
            let mut batch = Vec::with_capacity(ORDERED_BATCH);
            let (mut sent_ok, mut failure) = (true, None);
            let scanned = scan.run_keys(txn, range, |key, added| {
                match decode_datom(scan.index, key, txn) {
                    Ok(mut d) => {
                        d.added = added;
                        batch.push(d.to_owned());
                        release(d);
                    }
                    Err(e) => {
                        failure = Some(e);
                        return false;
                    }
                }
                if batch.len() == ORDERED_BATCH {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(ORDERED_BATCH));
                    sent_ok = sender.send(Ok(full)).is_ok();
                }
                sent_ok && !self.stop.load(Ordering::Relaxed)
            });
            let last = match (scanned, failure) {
                (Err(e), _) | (Ok(()), Some(e)) => Err(e),
                (Ok(()), None) => Ok(batch),
            };
            if !sent_ok || sender.send(last).is_err() {
                return;
            }
            self.completed[i].store(true, Ordering::Release);
        }
    }

    /// Waits until part `i` is within `ahead` parts of the caller; `false` when stopped.
    fn wait_turn(&self, i: usize) -> bool {
        let mut consumed = lock(&self.consumed);
        while i >= *consumed + self.ahead && !self.stop.load(Ordering::Relaxed) {
            consumed = self
                .advanced
                .wait(consumed)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        !self.stop.load(Ordering::Relaxed)
    }

    /// The caller's loop: reads the parts in order, calling `f` on each datom, until `limit`.
    fn consume(
        &self,
        receivers: Vec<Receiver<OrderedMsg>>,
        mut limit: usize,
        f: &mut impl FnMut(&DatomRef<'_>) -> bool,
    ) -> Result<()> {
        for (i, receiver) in receivers.into_iter().enumerate() {
            while let Ok(message) = receiver.recv() {
                for d in message? {
                    if limit == 0 {
                        return Ok(());
                    }
                    limit -= 1;
                    let datom = DatomRef {
                        e: d.e,
                        a: d.a,
                        v: d.v.as_ref(),
                        tx: d.tx,
                        added: d.added,
                    };
                    if !f(&datom) {
                        return Ok(());
                    }
                }
            }
            if !self.completed[i].load(Ordering::Acquire) {
                return Err(StoreError::InvalidArgument(
                    "a parallel scan worker stopped before the end of its part".into(),
                ));
            }
            *lock(&self.consumed) = i + 1;
            self.advanced.notify_all();
        }
        Ok(())
    }

    /// Tells the workers to stop.
    fn halt(&self) {
        let _consumed = lock(&self.consumed);
        self.stop.store(true, Ordering::Relaxed);
        self.advanced.notify_all();
    }
}

/// Dropped when a worker of an ordered scan ends, normally or not: the last one closes the
/// channels of parts nobody took, so the caller never waits on them.
struct LastWorker<'a>(&'a OrderedShared);

impl Drop for LastWorker<'_> {
    fn drop(&mut self) {
        if self.0.live.fetch_sub(1, Ordering::AcqRel) == 1 {
            for sender in &self.0.senders {
                lock(sender).take();
            }
        }
    }
}

/// Locks `mutex`, also after a panic elsewhere (the data it guards stays consistent).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
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
