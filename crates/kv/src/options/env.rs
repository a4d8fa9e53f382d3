//! Overlaying the engine's `DATOLITE_*` environment variables on [`EngineOptions`], and the
//! parsers of variable values (the store's variables use them too, so every variable reads and
//! fails alike).
//!
//! Everything goes through a lookup function (`name -> Option<String>`) so tests and embedders can
//! feed variables without touching the process environment, which is global and racy in tests.

use super::{EngineOptions, MIN_MAP_SIZE};
use crate::{KvError, Result};

/// The environment variables of the engine's options, with a one-line description (the store's
/// `ENV_VARS` lists every variable datolite reads, these included).
pub const ENGINE_ENV_VARS: &[(&str, &str)] = &[
    (
        "DATOLITE_ENGINE",
        "key-value engine: lmdb (default), memory, rocksdb or postgres (builds with those features)",
    ),
    ("DATOLITE_SYNC", "commit durability: full (default), meta-async or none"),
    ("DATOLITE_CREATE_IF_MISSING", "create the database directory when it is missing (bool, default true)"),
    (
        "DATOLITE_LMDB_MAP_SIZE",
        "initial LMDB map size: bytes, or with a unit such as 512MiB, 64GiB, 1g, 100m (default 64GiB)",
    ),
    ("DATOLITE_LMDB_MAP_GROWTH", "factor the LMDB map grows by when full (>= 2, default 2)"),
    ("DATOLITE_LMDB_MAX_READERS", "maximum concurrent LMDB snapshots across processes (>= 1, default 1024)"),
    (
        "DATOLITE_LMDB_NO_READAHEAD",
        "turn off OS read-ahead: better random reads on data larger than RAM (bool, default false)",
    ),
    ("DATOLITE_LMDB_WRITE_MAP", "write through a writable memory map: faster writes (bool, default false)"),
    (
        "DATOLITE_LMDB_GROW_WAIT_MS",
        "how long growing the map waits for open snapshots to close, in ms (default 30000)",
    ),
    (
        "DATOLITE_LMDB_WRITE_WAIT_MS",
        "how long a write waits for another process's write to finish, in ms (default 10000)",
    ),
    ("DATOLITE_ROCKSDB_MEMTABLE_SIZE", "bytes of one RocksDB memtable, e.g. 128MiB (default)"),
    ("DATOLITE_ROCKSDB_MEMTABLES", "RocksDB memtables per table (2-64, default 5)"),
    ("DATOLITE_ROCKSDB_L0_COMPACTION_TRIGGER", "level-0 files that start a compaction (1-1000, default 5)"),
    ("DATOLITE_ROCKSDB_L0_STOP_TRIGGER", "level-0 files that stop writes (>= the compaction trigger, default 10)"),
    ("DATOLITE_ROCKSDB_BLOOM_BITS", "bloom filter bits per key, 0 = none (0-64, default 10: ~1% false positives)"),
    ("DATOLITE_ROCKSDB_BLOCK_CACHE", "bytes of RocksDB block cache, e.g. 256MiB (default)"),
    ("DATOLITE_ROCKSDB_INDEX_CACHE", "bytes of cache for index and filter blocks, 0 = uncached (default 100MiB)"),
    ("DATOLITE_ROCKSDB_MAX_LEVELS", "levels of the LSM tree (2-20, default 7)"),
    ("DATOLITE_ROCKSDB_BACKGROUND_JOBS", "flush and compaction threads (1-256, default 4)"),
    ("DATOLITE_ROCKSDB_READAHEAD", "bytes scans read ahead, 0 = RocksDB's adaptive readahead (default 2MiB)"),
    ("DATOLITE_PG_URL", "the PostgreSQL server of the postgres engine: postgres://user:password@host:port/dbname"),
    ("DATOLITE_PG_SCHEMA", "PostgreSQL schema holding the database's tables (default datolite)"),
    ("DATOLITE_PG_CACHE_SIZE", "bytes of the local cache of fetched rows, 0 = none (default 256MiB)"),
    ("DATOLITE_PG_POOL_SIZE", "idle PostgreSQL connections kept for snapshots (0-1000, default 8)"),
    (
        "DATOLITE_PG_WRITE_WAIT_MS",
        "how long a write waits for another transactor's write to finish, in ms (default 10000)",
    ),
    ("DATOLITE_PG_CONNECT_TIMEOUT", "seconds a connection attempt may take (1-3600, default 10)"),
];

impl EngineOptions {
    /// These options with the process's engine variables on top.
    pub fn apply_env(self) -> Result<EngineOptions> {
        self.overlay_lookup(process_env)
    }

    /// These options with the engine variables on top, read through `lookup` (`name ->
    /// value`) instead of the process environment. Empty variables count as unset; an invalid
    /// value is an error naming the variable. The result is validated.
    pub fn overlay_lookup(
        mut self,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<EngineOptions> {
        let get = |name: &str| read_var(&lookup, name);
        if let Some(text) = get("DATOLITE_ENGINE") {
            self.engine = text.parse().map_err(|_| {
                invalid(
                    "DATOLITE_ENGINE",
                    "lmdb, memory, rocksdb or postgres",
                    &text,
                )
            })?;
        }
        if let Some(text) = get("DATOLITE_SYNC") {
            self.sync = text
                .parse()
                .map_err(|_| invalid("DATOLITE_SYNC", "full, meta-async or none", &text))?;
        }
        if let Some(text) = get("DATOLITE_CREATE_IF_MISSING") {
            self.create_if_missing = parse_bool("DATOLITE_CREATE_IF_MISSING", &text)?;
        }
        if let Some(text) = get("DATOLITE_LMDB_MAP_SIZE") {
            let size = parse_size("DATOLITE_LMDB_MAP_SIZE", &text)?;
            if size < MIN_MAP_SIZE {
                return Err(invalid(
                    "DATOLITE_LMDB_MAP_SIZE",
                    &format!("at least {MIN_MAP_SIZE} bytes"),
                    &text,
                ));
            }
            self.lmdb.map_size = size;
        }
        if let Some(text) = get("DATOLITE_LMDB_MAP_GROWTH") {
            self.lmdb.map_growth = parse_in_range("DATOLITE_LMDB_MAP_GROWTH", &text, 2, 1024)?;
        }
        if let Some(text) = get("DATOLITE_LMDB_MAX_READERS") {
            self.lmdb.max_readers =
                parse_in_range("DATOLITE_LMDB_MAX_READERS", &text, 1, u32::MAX.into())?;
        }
        if let Some(text) = get("DATOLITE_LMDB_NO_READAHEAD") {
            self.lmdb.no_readahead = parse_bool("DATOLITE_LMDB_NO_READAHEAD", &text)?;
        }
        if let Some(text) = get("DATOLITE_LMDB_WRITE_MAP") {
            self.lmdb.write_map = parse_bool("DATOLITE_LMDB_WRITE_MAP", &text)?;
        }
        if let Some(text) = get("DATOLITE_LMDB_GROW_WAIT_MS") {
            self.lmdb.grow_wait_ms =
                parse_in_range("DATOLITE_LMDB_GROW_WAIT_MS", &text, 0, u64::MAX)?;
        }
        if let Some(text) = get("DATOLITE_LMDB_WRITE_WAIT_MS") {
            self.lmdb.write_wait_ms =
                parse_in_range("DATOLITE_LMDB_WRITE_WAIT_MS", &text, 0, u64::MAX)?;
        }
        self.rocksdb.overlay(&lookup)?;
        self.postgres.overlay(&lookup)?;
        self.validate()?;
        Ok(self)
    }
}

/// Reads a variable from the process environment. Non-UTF-8 values are passed on lossily so
/// the parser rejects them with the variable's name instead of silently ignoring them.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var_os(name).map(|value| value.to_string_lossy().into_owned())
}

/// A variable's trimmed value; empty counts as unset (so `DATOLITE_X=` in a shell resets it).
pub fn read_var(lookup: &impl Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    lookup(name)
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

/// The error for `name` holding `got` where `expected` was wanted.
pub fn invalid(name: &str, expected: &str, got: &str) -> KvError {
    KvError::InvalidOption {
        name: name.into(),
        reason: format!("expected {expected}, got {got:?}"),
    }
}

/// Parses a boolean: true/false, 1/0, yes/no, on/off (case-insensitive).
pub fn parse_bool(name: &str, text: &str) -> Result<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(invalid(
            name,
            "a boolean (true/false, 1/0, yes/no, on/off)",
            text,
        )),
    }
}

/// Parses an unsigned integer between `min` and `max` (inclusive); `_` separators are allowed.
pub fn parse_in_range<T: TryFrom<u64>>(name: &str, text: &str, min: u64, max: u64) -> Result<T> {
    let expected = || {
        if max == u64::MAX {
            format!("an integer >= {min}")
        } else {
            format!("an integer from {min} to {max}")
        }
    };
    let digits: String = text.trim().chars().filter(|c| *c != '_').collect();
    let value: u64 = digits
        .parse()
        .map_err(|_| invalid(name, &expected(), text))?;
    if value < min || value > max {
        return Err(invalid(name, &expected(), text));
    }
    T::try_from(value).map_err(|_| invalid(name, &expected(), text))
}

/// Parses a byte size: a plain number of bytes, or a number with a unit. Units are powers of
/// 1024 whatever their spelling (`k`, `kb`, `kib`, `m`, `mb`, `mib`, `g`, `gb`, `gib`, `t`,
/// `tb`, `tib`, case-insensitive), because map sizes must be whole pages anyway.
pub fn parse_size(name: &str, text: &str) -> Result<u64> {
    const EXPECTED: &str = "a size in bytes such as 1073741824, 512MiB, 64GiB, 1g or 100m";
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '_'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let digits: String = number.chars().filter(|c| *c != '_').collect();
    let value: u64 = digits.parse().map_err(|_| invalid(name, EXPECTED, text))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return Err(invalid(name, EXPECTED, text)),
    };
    value
        .checked_mul(1u64 << shift)
        .ok_or_else(|| invalid(name, "a size that fits in 64 bits", text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_accept_units_and_plain_bytes() {
        assert_eq!(parse_size("X", "4096").unwrap(), 4096);
        assert_eq!(parse_size("X", "512MiB").unwrap(), 512 << 20);
        assert_eq!(parse_size("X", "64GiB").unwrap(), 64 << 30);
        assert_eq!(parse_size("X", "1g").unwrap(), 1 << 30);
        assert_eq!(parse_size("X", "100m").unwrap(), 100 << 20);
        assert_eq!(parse_size("X", " 2 KB ").unwrap(), 2048);
        assert_eq!(parse_size("X", "1_000").unwrap(), 1000);
        for bad in [
            "",
            "MiB",
            "1.5g",
            "12 parsecs",
            "-1",
            "99999999999999999999t",
        ] {
            assert!(parse_size("X", bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn booleans_accept_common_spellings() {
        for yes in ["true", "1", "YES", "On"] {
            assert!(parse_bool("X", yes).unwrap());
        }
        for no in ["false", "0", "no", "OFF"] {
            assert!(!parse_bool("X", no).unwrap());
        }
        assert!(parse_bool("X", "maybe").is_err());
    }

    #[test]
    fn integers_respect_their_range() {
        assert_eq!(parse_in_range::<usize>("X", "16", 16, 200).unwrap(), 16);
        assert!(parse_in_range::<usize>("X", "15", 16, 200).is_err());
        assert!(parse_in_range::<usize>("X", "201", 16, 200).is_err());
        assert!(parse_in_range::<u32>("X", "4294967296", 1, u32::MAX.into()).is_err());
        let error = parse_in_range::<usize>("X", "zero", 1, u64::MAX)
            .unwrap_err()
            .to_string();
        assert!(error.contains("an integer >= 1"), "{error}");
    }
}
