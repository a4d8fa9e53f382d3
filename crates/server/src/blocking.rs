//! Database work off the async runtime: every request's reads and writes run on tokio's
//! blocking pool, so a long query or a synced commit never stalls the threads that accept and
//! answer connections.

use datolite::Cancel;

use crate::ApiError;

/// Runs `work` on the blocking pool; a panic in it is a 500, not a crash.
pub async fn run<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::Internal(format!("the request's work failed: {e}")))?
}

/// Cancels a query when dropped: held by the request's future, so a client that goes away
/// (dropping the future) stops its query at the next check instead of leaving it running.
pub struct CancelOnDrop(pub Cancel);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}
