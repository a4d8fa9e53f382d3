//! Range checks on [`EngineOptions`], run by every engine opener.

use super::EngineOptions;
use crate::{KvError, Result};

/// The smallest LMDB map size accepted: 256 KiB (small enough to exercise map growth in tests;
/// real databases start far larger and grow by themselves anyway).
pub const MIN_MAP_SIZE: u64 = 256 << 10;

impl EngineOptions {
    /// Checks every value against its allowed range; the error names the offending field.
    pub fn validate(&self) -> Result<()> {
        let lmdb = &self.lmdb;
        check(lmdb.map_size >= MIN_MAP_SIZE, "lmdb.map_size", || {
            format!(
                "must be at least {MIN_MAP_SIZE} bytes, got {}",
                lmdb.map_size
            )
        })?;
        // The map is mapped into the address space in one piece, so it must fit a usize.
        check(
            usize::try_from(lmdb.map_size).is_ok(),
            "lmdb.map_size",
            || {
                format!(
                    "{} bytes exceed this platform's address space",
                    lmdb.map_size
                )
            },
        )?;
        check(lmdb.max_readers >= 1, "lmdb.max_readers", || {
            "must be at least 1, got 0".into()
        })?;
        self.rocksdb.validate()?;
        self.postgres.validate()
    }
}

/// `Ok` when `ok`, else an [`KvError::InvalidOption`] for `name` with the lazily built reason
/// (the store checks its own options with it too).
pub fn check(ok: bool, name: &str, reason: impl FnOnce() -> String) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(KvError::InvalidOption {
            name: name.into(),
            reason: reason(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_out_of_range_values_are_named() {
        EngineOptions::default().validate().unwrap();
        let mut options = EngineOptions::default();
        options.lmdb.map_size = MIN_MAP_SIZE - 1;
        assert!(options
            .validate()
            .unwrap_err()
            .to_string()
            .contains("lmdb.map_size"));
        options.lmdb.map_size = MIN_MAP_SIZE;
        options.validate().unwrap();
    }
}
