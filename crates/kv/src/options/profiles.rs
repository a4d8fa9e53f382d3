//! Named profiles: complete option sets for typical workloads, as constructors.
//!
//! A profile starts from the defaults and changes only what the workload needs, so every other
//! knob keeps its tuned default; `DATOLITE_*` variables can still adjust a profile afterwards.

use super::{available_cores, StorageOptions, SyncMode};
use crate::{KvError, Result};

/// The names [`StorageOptions::profile`] accepts (`-` may replace `_`).
pub const PROFILES: &[&str] = &["read_heavy", "bulk_load", "durable", "low_memory"];

impl StorageOptions {
    /// Many concurrent queries over a mostly static database: large scan batches, one parallel
    /// worker per core, fully synced commits.
    pub fn read_heavy() -> StorageOptions {
        StorageOptions {
            scan_batch_size: 4096,
            parallel_workers: available_cores(),
            sync: SyncMode::Full,
            ..StorageOptions::default()
        }
    }

    /// Loading a large data set once: no fsync per commit (call `sync` at the end), writes
    /// through a writable map, and the map grows fourfold so a growing load remaps rarely.
    /// A system crash during the load can lose recent commits, never corrupt the database.
    pub fn bulk_load() -> StorageOptions {
        let mut options = StorageOptions {
            sync: SyncMode::None,
            ..StorageOptions::default()
        };
        options.lmdb.write_map = true;
        options.lmdb.map_growth = 4;
        options
    }

    /// Every commit reaches stable storage before it returns, and the map is read-only in
    /// memory so stray writes in the process cannot corrupt the database.
    pub fn durable() -> StorageOptions {
        let mut options = StorageOptions {
            sync: SyncMode::Full,
            ..StorageOptions::default()
        };
        options.lmdb.write_map = false;
        options
    }

    /// Small machines and containers: small scan batches, a single worker, no read-ahead (the
    /// page cache holds only what is read), fewer reader slots and a 1 GiB initial map (it still
    /// grows when needed).
    pub fn low_memory() -> StorageOptions {
        let mut options = StorageOptions {
            scan_batch_size: 256,
            parallel_workers: 1,
            ..StorageOptions::default()
        };
        options.lmdb.no_readahead = true;
        options.lmdb.max_readers = 126;
        options.lmdb.map_size = 1 << 30;
        options
    }

    /// The profile called `name` (one of [`PROFILES`]; case-insensitive, `-` or `_`).
    pub fn profile(name: &str) -> Result<StorageOptions> {
        match name.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "read_heavy" => Ok(StorageOptions::read_heavy()),
            "bulk_load" => Ok(StorageOptions::bulk_load()),
            "durable" => Ok(StorageOptions::durable()),
            "low_memory" => Ok(StorageOptions::low_memory()),
            _ => Err(KvError::InvalidOption {
                name: "profile".into(),
                reason: format!("expected one of {}, got {name:?}", PROFILES.join(", ")),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_is_valid_and_reachable_by_name() {
        for name in PROFILES {
            let options = StorageOptions::profile(name).unwrap();
            options.validate().unwrap();
        }
        assert_eq!(
            StorageOptions::profile("Bulk-Load").unwrap(),
            StorageOptions::bulk_load()
        );
        let error = StorageOptions::profile("fast").unwrap_err().to_string();
        assert!(
            error.contains("read_heavy, bulk_load, durable, low_memory"),
            "{error}"
        );
    }

    #[test]
    fn profiles_change_what_they_promise() {
        let low = StorageOptions::low_memory();
        assert_eq!((low.scan_batch_size, low.parallel_workers), (256, 1));
        assert!(low.lmdb.no_readahead);
        assert_eq!((low.lmdb.max_readers, low.lmdb.map_size), (126, 1 << 30));
        let bulk = StorageOptions::bulk_load();
        assert_eq!(
            (bulk.sync, bulk.lmdb.write_map, bulk.lmdb.map_growth),
            (SyncMode::None, true, 4)
        );
        assert_eq!(StorageOptions::read_heavy().scan_batch_size, 4096);
        assert!(!StorageOptions::durable().lmdb.write_map);
    }
}
