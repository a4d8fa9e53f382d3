//! Limits every engine enforces identically, so the memory engine never accepts a key that LMDB
//! would reject (cross-checking engines is one of its jobs).

use crate::{KvError, Result};

/// The longest key any engine accepts: LMDB's compile-time `MDB_MAXKEYSIZE` (511 bytes).
pub const MAX_KEY_LEN: usize = 511;

/// Rejects keys no engine can store.
#[inline]
pub(crate) fn check_key(key: &[u8]) -> Result<()> {
    if key.is_empty() {
        Err(KvError::EmptyKey)
    } else if key.len() > MAX_KEY_LEN {
        Err(KvError::KeyTooLong {
            len: key.len(),
            max: MAX_KEY_LEN,
        })
    } else {
        Ok(())
    }
}

/// Whether `key` could be stored at all; lookups of other keys simply find nothing (LMDB would
/// report an error for them, which a reader has no use for).
#[inline]
pub(crate) fn storable(key: &[u8]) -> bool {
    !key.is_empty() && key.len() <= MAX_KEY_LEN
}
