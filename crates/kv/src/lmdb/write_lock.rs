//! The cross-process write lock: an exclusive `flock` on `datolite.lock`, held for the whole of
//! each write (the retries after growing the map included).
//!
//! LMDB serializes writers across processes itself, but its writer mutex waits forever; this
//! lock is taken first, with a deadline, so a write that finds another process writing waits a
//! bounded time ([`LmdbOptions::write_wait_ms`](crate::LmdbOptions::write_wait_ms)) and then
//! fails with [`KvError::WriteBusy`], having written nothing. Holding it also makes the writer
//! the only process that can grow the map while it writes. The operating system releases it
//! when the holder exits, even when killed.

use std::fs::{File, TryLockError};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::{KvError, Result};

/// The longest pause between two attempts to take the lock.
const MAX_PAUSE: Duration = Duration::from_millis(20);

/// The held lock; released on drop.
pub(super) struct WriteLock<'f> {
    file: &'f File,
}

impl<'f> WriteLock<'f> {
    /// Takes the lock on `file` (the directory `path`'s lock file), waiting up to `wait`.
    pub(super) fn acquire(file: &'f File, path: &Path, wait: Duration) -> Result<Self> {
        let start = Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(WriteLock { file }),
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(error)) => {
                    return Err(KvError::Open {
                        path: path.to_path_buf(),
                        reason: format!("cannot take the write lock on datolite.lock: {error}"),
                    })
                }
            }
            let waited = start.elapsed();
            if waited >= wait {
                return Err(KvError::WriteBusy {
                    path: path.to_path_buf(),
                    waited_ms: u64::try_from(waited.as_millis()).unwrap_or(u64::MAX),
                });
            }
            std::thread::sleep(pause.min(wait - waited));
            pause = (pause * 2).min(MAX_PAUSE);
        }
    }
}

impl Drop for WriteLock<'_> {
    fn drop(&mut self) {
        // Unlocking a lock we hold cannot fail in a way we could act on; closing the file (or
        // the process exiting) releases it anyway.
        let _ = self.file.unlock();
    }
}
