//! Counting this process's open LMDB read transactions, so the map can be grown safely.
//!
//! LMDB may only remap (grow) while no transaction of the process is open: a remap moves the
//! mapping, and every slice a snapshot handed out points into it. Each snapshot therefore holds
//! a [`ReaderGuard`]; growth blocks new snapshots and waits here for the count to reach zero.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::Shared;

/// The number of live read transactions, with a way to wait for it to drop to zero.
#[derive(Default)]
pub(super) struct ReaderCount {
    /// Live read transactions. Atomic so opening and closing a snapshot stays lock-free except
    /// when the count returns to zero.
    live: AtomicUsize,
    /// Pairs with `zero`; guards nothing but the wake-up handshake.
    lock: Mutex<()>,
    /// Signalled whenever `live` returns to zero.
    zero: Condvar,
}

impl ReaderCount {
    /// The current number of live read transactions.
    pub(super) fn live(&self) -> usize {
        self.live.load(Ordering::SeqCst)
    }

    /// Waits up to `timeout` for every read transaction to close. Returns `Err(count)` with the
    /// number still open when time ran out. The caller must already prevent new ones.
    pub(super) fn wait_for_zero(&self, timeout: Duration) -> Result<(), usize> {
        let deadline = Instant::now() + timeout;
        let mut guard = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            // Checked under `lock`: a closer decrements, then takes `lock` to notify, so it
            // cannot slip its notification between this check and the wait below.
            let live = self.live();
            if live == 0 {
                return Ok(());
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(live);
            }
            guard = self
                .zero
                .wait_timeout(guard, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    fn increment(&self) {
        self.live.fetch_add(1, Ordering::SeqCst);
    }

    fn decrement(&self) {
        if self.live.fetch_sub(1, Ordering::SeqCst) == 1 {
            let _guard = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
            self.zero.notify_all();
        }
    }
}

/// Counts one read transaction as live from creation to drop, and keeps the engine's shared
/// state (environment, file lock) alive as long as the snapshot is.
///
/// Declare it *after* the transaction in a struct: fields drop in order, so the transaction is
/// closed before the count goes down.
pub(super) struct ReaderGuard {
    pub(super) shared: Arc<Shared>,
}

impl ReaderGuard {
    /// Counts a read transaction that is about to be opened. Call with the grow gate's read lock
    /// held, so that growth never sees a stale zero.
    pub(super) fn new(shared: Arc<Shared>) -> Self {
        shared.readers.increment();
        ReaderGuard { shared }
    }
}

impl Drop for ReaderGuard {
    fn drop(&mut self) {
        self.shared.readers.decrement();
    }
}
