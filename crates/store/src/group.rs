//! Group commit (`docs/design.md`, §7.6): transactions that arrive while another commit is
//! under way share the next engine commit — one write transaction, one sync — instead of one
//! each.
//!
//! A caller that finds no commit under way *leads*: it takes the transactions queued so far,
//! runs its own and theirs, in arrival order, in one engine write, and hands each its result.
//! A caller that finds one under way queues a copy of its operations and waits; if it wakes to
//! find no result and no leader, it leads the next group itself. Every result is handed out
//! only after the write that holds it committed (and synced, as the durability mode says).
//!
//! Invariants:
//! - Each transaction is atomic and isolated: in a group it runs on an overlay of the shared
//!   write transaction ([`OverlayWrite`]) whose changes are applied only when it succeeds, so a
//!   failing one writes nothing and the others go on; each starts from the version the one
//!   before it made.
//! - A lone transaction runs directly on the write transaction, as before: no overlay, no copy.
//! - If the engine write itself fails, every transaction of the group fails with its error; if
//!   the leader panics, the waiting callers run their own transactions.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use datolite_kv::overlay::OverlayWrite;
use datolite_kv::{write_with, KvError};

use crate::transactor::{self, TxOp, TxReport};
use crate::version::{current_version, StoreInner, Version};
use crate::{Result, StoreError};

/// A transaction waiting for a leader.
struct Waiting {
    id: u64,
    ops: Vec<TxOp>,
    now_ms: i64,
}

/// What the callers of one store share.
#[derive(Default)]
struct State {
    /// Whether a commit is under way.
    leading: bool,
    /// Transactions for the next commit, in arrival order.
    queue: Vec<Waiting>,
    /// Results handed to callers that have not taken them yet, by id.
    results: HashMap<u64, Result<TxReport>>,
    next_id: u64,
}

/// The group-commit queue of a store.
#[derive(Default)]
pub(crate) struct Group {
    state: Mutex<State>,
    done: Condvar,
    /// Engine commits made, and transactions they carried (successful or not).
    commits: AtomicU64,
    transactions: AtomicU64,
}

impl Group {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Engine commits made so far, and the transactions they carried.
    pub(crate) fn counts(&self) -> (u64, u64) {
        (
            self.commits.load(Ordering::Relaxed),
            self.transactions.load(Ordering::Relaxed),
        )
    }

    /// Runs `ops` (at `now_ms`) as one transaction of `inner`, alone or in a group.
    pub(crate) fn transact(
        &self,
        inner: &StoreInner,
        ops: &[TxOp],
        now_ms: i64,
    ) -> Result<TxReport> {
        let mut state = self.lock();
        let id = state.next_id;
        state.next_id += 1;
        let mut queued = false;
        loop {
            if let Some(result) = state.results.remove(&id) {
                return result;
            }
            if !state.leading {
                state.leading = true;
                state.queue.retain(|w| w.id != id);
                let batch = std::mem::take(&mut state.queue);
                drop(state);
                // Should the commit panic, leadership is given up all the same: the waiting
                // callers wake without results and run their transactions themselves.
                let resign = Resign(self);
                self.commits.fetch_add(1, Ordering::Relaxed);
                self.transactions
                    .fetch_add(1 + batch.len() as u64, Ordering::Relaxed);
                let (mine, theirs) = commit(inner, ops, now_ms, &batch);
                self.lock().results.extend(theirs);
                drop(resign);
                return mine;
            }
            if !queued {
                state.queue.push(Waiting {
                    id,
                    ops: ops.to_vec(),
                    now_ms,
                });
                queued = true;
            }
            state = self
                .done
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// Ends a leadership when dropped (also while unwinding): no commit under way, waiters woken.
struct Resign<'g>(&'g Group);

impl Drop for Resign<'_> {
    fn drop(&mut self) {
        self.0.lock().leading = false;
        self.0.done.notify_all();
    }
}

/// Commits `ops` and `batch` in one engine write: the caller's result, and each waiting one's.
fn commit(
    inner: &StoreInner,
    ops: &[TxOp],
    now_ms: i64,
    batch: &[Waiting],
) -> (Result<TxReport>, Vec<(u64, Result<TxReport>)>) {
    if batch.is_empty() {
        return (alone(inner, ops, now_ms), Vec::new());
    }
    let options = &inner.options;
    let mut results: Vec<Result<TxReport>> = Vec::new();
    let mut last: Option<Arc<Version>> = None;
    let written = write_with(inner.engine.as_ref(), |txn| -> Result<()> {
        // A full map reruns the body: start over.
        results.clear();
        let mut base = current_version(inner, &*txn)?;
        let all =
            std::iter::once((ops, now_ms)).chain(batch.iter().map(|w| (&w.ops[..], w.now_ms)));
        for (ops, now_ms) in all {
            let mut overlay = OverlayWrite::new(&*txn);
            match transactor::run(&mut overlay, options, &base, ops, now_ms) {
                Ok(outcome) => {
                    let delta = overlay.into_delta();
                    delta.apply(txn)?;
                    base = Arc::new(outcome.committed.into_version());
                    results.push(Ok(outcome.report));
                }
                Err(error) => results.push(Err(error)),
            }
        }
        last = Some(base);
        Ok(())
    });
    match written {
        Ok(()) => {
            if let Some(version) = last {
                inner.publish_version(version);
            }
            let mut results = results.into_iter();
            let mine = results.next().unwrap_or_else(|| Err(lost()));
            let theirs = batch.iter().map(|w| w.id).zip(results).collect();
            (mine, theirs)
        }
        Err(error) => {
            let error = not_committed(inner, error);
            let theirs = batch
                .iter()
                .map(|w| {
                    (
                        w.id,
                        Err(StoreError::Kv(KvError::Engine(error.to_string()))),
                    )
                })
                .collect();
            (Err(error), theirs)
        }
    }
}

/// One transaction in its own engine write.
fn alone(inner: &StoreInner, ops: &[TxOp], now_ms: i64) -> Result<TxReport> {
    let options = &inner.options;
    let outcome = write_with(inner.engine.as_ref(), |txn| {
        // Start from the version this write transaction sees; the cache is right unless a
        // snapshot of another version was loaded meanwhile.
        let base = current_version(inner, &*txn)?;
        transactor::run(txn, options, &base, ops, now_ms)
    })
    .map_err(|error| not_committed(inner, error))?;
    inner.publish(outcome.committed);
    Ok(outcome.report)
}

/// A full disk says what the database holds.
fn not_committed(inner: &StoreInner, error: StoreError) -> StoreError {
    match error {
        StoreError::Kv(source @ KvError::DiskFull { .. }) => StoreError::NotCommitted {
            source,
            basis_t: inner.latest_basis(),
        },
        other => other,
    }
}

/// A group's write returned fewer results than transactions (cannot happen: each pushes one).
fn lost() -> StoreError {
    StoreError::Kv(KvError::Engine(
        "a grouped transaction got no result".into(),
    ))
}
