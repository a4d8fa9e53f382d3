//! Named profiles, the engine's part: complete engine option sets for typical workloads, as
//! constructors. The store's profiles (`datolite_store::StoreOptions::profile`) add their own
//! knobs on top of these.
//!
//! A profile starts from the defaults and changes only what the workload needs, so every other
//! knob keeps its tuned default; `DATOLITE_*` variables can still adjust a profile afterwards.

use super::{EngineOptions, SyncMode};
use crate::{KvError, Result};

/// The names [`EngineOptions::profile`] accepts (`-` may replace `_`).
pub const PROFILES: &[&str] = &["read_heavy", "bulk_load", "durable", "low_memory"];

impl EngineOptions {
    /// Many concurrent queries over a mostly static database: fully synced commits.
    pub fn read_heavy() -> EngineOptions {
        EngineOptions {
            sync: SyncMode::Full,
            ..EngineOptions::default()
        }
    }

    /// Loading a large data set once: no fsync per commit (call `sync` at the end), writes
    /// through a writable map, and the map grows fourfold so a growing load remaps rarely.
    /// A system crash during the load can lose recent commits, never corrupt the database.
    pub fn bulk_load() -> EngineOptions {
        let mut options = EngineOptions {
            sync: SyncMode::None,
            ..EngineOptions::default()
        };
        options.lmdb.write_map = true;
        options.lmdb.map_growth = 4;
        options
    }

    /// Every commit reaches stable storage before it returns, and the map is read-only in
    /// memory so stray writes in the process cannot corrupt the database.
    pub fn durable() -> EngineOptions {
        let mut options = EngineOptions {
            sync: SyncMode::Full,
            ..EngineOptions::default()
        };
        options.lmdb.write_map = false;
        options
    }

    /// Small machines and containers: no read-ahead (the page cache holds only what is read),
    /// fewer reader slots and a 1 GiB initial map (it still grows when needed).
    pub fn low_memory() -> EngineOptions {
        let mut options = EngineOptions::default();
        options.lmdb.no_readahead = true;
        options.lmdb.max_readers = 126;
        options.lmdb.map_size = 1 << 30;
        options
    }

    /// The profile called `name` (one of [`PROFILES`]; case-insensitive, `-` or `_`).
    pub fn profile(name: &str) -> Result<EngineOptions> {
        match profile_name(name)? {
            "read_heavy" => Ok(EngineOptions::read_heavy()),
            "bulk_load" => Ok(EngineOptions::bulk_load()),
            "durable" => Ok(EngineOptions::durable()),
            _ => Ok(EngineOptions::low_memory()),
        }
    }
}

/// The canonical spelling of profile `name` (one of [`PROFILES`]), or an error listing them.
pub fn profile_name(name: &str) -> Result<&'static str> {
    let wanted = name.trim().to_ascii_lowercase().replace('-', "_");
    PROFILES
        .iter()
        .copied()
        .find(|p| *p == wanted)
        .ok_or_else(|| KvError::InvalidOption {
            name: "profile".into(),
            reason: format!("expected one of {}, got {name:?}", PROFILES.join(", ")),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_is_valid_and_reachable_by_name() {
        for name in PROFILES {
            let options = EngineOptions::profile(name).unwrap();
            options.validate().unwrap();
        }
        assert_eq!(
            EngineOptions::profile("Bulk-Load").unwrap(),
            EngineOptions::bulk_load()
        );
        let error = EngineOptions::profile("fast").unwrap_err().to_string();
        assert!(
            error.contains("read_heavy, bulk_load, durable, low_memory"),
            "{error}"
        );
    }

    #[test]
    fn profiles_change_what_they_promise() {
        let low = EngineOptions::low_memory();
        assert!(low.lmdb.no_readahead);
        assert_eq!((low.lmdb.max_readers, low.lmdb.map_size), (126, 1 << 30));
        let bulk = EngineOptions::bulk_load();
        assert_eq!(
            (bulk.sync, bulk.lmdb.write_map, bulk.lmdb.map_growth),
            (SyncMode::None, true, 4)
        );
        assert_eq!(EngineOptions::read_heavy().sync, SyncMode::Full);
        assert!(!EngineOptions::durable().lmdb.write_map);
    }
}
