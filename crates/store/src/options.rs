//! `StoreOptions`: every tuning knob of a datolite database in one struct — the engine's
//! ([`EngineOptions`], in `kv`) and the store's own (inline values, statistics, schema
//! strictness, scan batches and workers).
//!
//! Defaults are chosen to be good without tuning. [`StoreOptions::from_env`] overlays
//! `DATOLITE_*` environment variables (every one is listed in [`ENV_VARS`]); named profiles are
//! constructors ([`StoreOptions::read_heavy`], [`StoreOptions::bulk_load`],
//! [`StoreOptions::durable`], [`StoreOptions::low_memory`]), each the engine's profile of the
//! same name plus the store's part.

use datolite_kv::env::{check, parse_bool, parse_in_range, process_env, read_var};
use datolite_kv::{available_cores, profile_name, EngineOptions, KvError, ENGINE_ENV_VARS};

use crate::Result;

/// The store's own environment variables, with a one-line description.
const STORE_ENV_VARS: &[(&str, &str)] = &[
    (
        "DATOLITE_PROFILE",
        "named profile applied before the other variables: read_heavy, bulk_load, durable, low_memory",
    ),
    ("DATOLITE_SCAN_BATCH_SIZE", "datoms per batch in batched scans (>= 1, default 1024)"),
    ("DATOLITE_PARALLEL_WORKERS", "worker threads for parallel scans (>= 1, default: available cores)"),
    (
        "DATOLITE_INLINE_VALUE_THRESHOLD",
        "longest value kept inline in index keys, in bytes (16..=200, default 128)",
    ),
    ("DATOLITE_STATS", "maintain exact statistics in every write (bool, default true)"),
    ("DATOLITE_STRICT_SCHEMA", "reject attributes not declared in the schema (bool, default false)"),
];

/// Every environment variable datolite reads, with a one-line description (the README lists
/// them): the store's, then the engine's ([`datolite_kv::ENGINE_ENV_VARS`]).
pub const ENV_VARS: &[(&str, &str)] =
    &every_env_var::<{ STORE_ENV_VARS.len() + ENGINE_ENV_VARS.len() }>();

/// [`STORE_ENV_VARS`] followed by the engine's, as one array (`N` is their total).
const fn every_env_var<const N: usize>() -> [(&'static str, &'static str); N] {
    let mut out = [("", ""); N];
    let mut i = 0;
    while i < STORE_ENV_VARS.len() {
        out[i] = STORE_ENV_VARS[i];
        i += 1;
    }
    let mut j = 0;
    while j < ENGINE_ENV_VARS.len() {
        out[i + j] = ENGINE_ENV_VARS[j];
        j += 1;
    }
    out
}

/// Every knob of a datolite database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreOptions {
    /// The key-value engine's knobs: which engine, the directory, durability, LMDB's map.
    pub kv: EngineOptions,
    /// Datoms per batch in batched scans (the seed's prefetch size).
    pub scan_batch_size: usize,
    /// Worker threads for parallel scans (default: available cores).
    pub parallel_workers: usize,
    /// Values (strings, keywords, bytes) longer than this many bytes are stored out of line:
    /// the key keeps this many bytes plus a hash, the full value lives in the `values` table.
    /// Between 16 and 200.
    pub inline_value_threshold: usize,
    /// Maintain exact statistics (counts, distinct entities and values, min/max per attribute)
    /// in every write. When off, counts fall back to key-only scans.
    pub stats: bool,
    /// Reject attributes that were not declared in the schema (otherwise they are installed on
    /// first use with the value's type and cardinality one).
    pub strict_schema: bool,
}

impl Default for StoreOptions {
    /// LMDB, full sync, 1024-datom scan batches, one worker per core, 128-byte inline values,
    /// statistics on, lenient schema.
    fn default() -> Self {
        StoreOptions {
            kv: EngineOptions::default(),
            scan_batch_size: 1024,
            parallel_workers: available_cores(),
            inline_value_threshold: 128,
            stats: true,
            strict_schema: false,
        }
    }
}

impl StoreOptions {
    /// The defaults with the memory engine (nothing survives the process).
    pub fn memory() -> StoreOptions {
        let mut options = StoreOptions::default();
        options.kv.engine = datolite_kv::EngineKind::Memory;
        options
    }

    /// Many concurrent queries over a mostly static database: large scan batches, one parallel
    /// worker per core, fully synced commits.
    pub fn read_heavy() -> StoreOptions {
        StoreOptions {
            kv: EngineOptions::read_heavy(),
            scan_batch_size: 4096,
            parallel_workers: available_cores(),
            ..StoreOptions::default()
        }
    }

    /// Loading a large data set once: no fsync per commit (call `sync` at the end), writes
    /// through a writable map, and the map grows fourfold so a growing load remaps rarely.
    /// A system crash during the load can lose recent commits, never corrupt the database.
    pub fn bulk_load() -> StoreOptions {
        StoreOptions {
            kv: EngineOptions::bulk_load(),
            ..StoreOptions::default()
        }
    }

    /// Every commit reaches stable storage before it returns, and the map is read-only in
    /// memory so stray writes in the process cannot corrupt the database.
    pub fn durable() -> StoreOptions {
        StoreOptions {
            kv: EngineOptions::durable(),
            ..StoreOptions::default()
        }
    }

    /// Small machines and containers: small scan batches, a single worker, no read-ahead (the
    /// page cache holds only what is read), fewer reader slots and a 1 GiB initial map (it still
    /// grows when needed).
    pub fn low_memory() -> StoreOptions {
        StoreOptions {
            kv: EngineOptions::low_memory(),
            scan_batch_size: 256,
            parallel_workers: 1,
            ..StoreOptions::default()
        }
    }

    /// The profile called `name` (one of [`datolite_kv::PROFILES`]; case-insensitive, `-` or
    /// `_`).
    pub fn profile(name: &str) -> Result<StoreOptions> {
        Ok(match profile_name(name)? {
            "read_heavy" => StoreOptions::read_heavy(),
            "bulk_load" => StoreOptions::bulk_load(),
            "durable" => StoreOptions::durable(),
            _ => StoreOptions::low_memory(),
        })
    }

    /// Options from the process environment: the defaults, then the profile named by
    /// `DATOLITE_PROFILE` (if set), then every other `DATOLITE_*` variable on top.
    ///
    /// Empty variables count as unset. An invalid value is an error naming the variable.
    pub fn from_env() -> Result<StoreOptions> {
        StoreOptions::from_lookup(process_env)
    }

    /// Like [`StoreOptions::from_env`], reading variables through `lookup` instead of the
    /// process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<StoreOptions> {
        let base = match read_var(&lookup, "DATOLITE_PROFILE") {
            Some(name) => StoreOptions::profile(&name).map_err(|error| match error {
                crate::StoreError::Kv(KvError::InvalidOption { reason, .. }) => {
                    KvError::InvalidOption {
                        name: "DATOLITE_PROFILE".into(),
                        reason,
                    }
                    .into()
                }
                other => other,
            })?,
            None => StoreOptions::default(),
        };
        base.overlay_lookup(lookup)
    }

    /// These options with the process's `DATOLITE_*` variables on top (all but
    /// `DATOLITE_PROFILE`, which only [`StoreOptions::from_env`] applies, since a profile
    /// replaces options rather than adjusting them).
    pub fn apply_env(self) -> Result<StoreOptions> {
        self.overlay_lookup(process_env)
    }

    /// Like [`StoreOptions::apply_env`], reading variables through `lookup`. The result is
    /// validated.
    pub fn overlay_lookup(
        mut self,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<StoreOptions> {
        // The engine's variables (validated with the engine's options), then the store's.
        self.kv = self.kv.overlay_lookup(&lookup)?;
        let get = |name: &str| read_var(&lookup, name);
        if let Some(text) = get("DATOLITE_SCAN_BATCH_SIZE") {
            self.scan_batch_size =
                parse_in_range("DATOLITE_SCAN_BATCH_SIZE", &text, 1, usize::MAX as u64)?;
        }
        if let Some(text) = get("DATOLITE_PARALLEL_WORKERS") {
            self.parallel_workers =
                parse_in_range("DATOLITE_PARALLEL_WORKERS", &text, 1, usize::MAX as u64)?;
        }
        if let Some(text) = get("DATOLITE_INLINE_VALUE_THRESHOLD") {
            self.inline_value_threshold =
                parse_in_range("DATOLITE_INLINE_VALUE_THRESHOLD", &text, 16, 200)?;
        }
        if let Some(text) = get("DATOLITE_STATS") {
            self.stats = parse_bool("DATOLITE_STATS", &text)?;
        }
        if let Some(text) = get("DATOLITE_STRICT_SCHEMA") {
            self.strict_schema = parse_bool("DATOLITE_STRICT_SCHEMA", &text)?;
        }
        self.validate()?;
        Ok(self)
    }

    /// The engine's options as the store opens it: the PostgreSQL engine fetches
    /// `scan_batch_size` rows per round trip, so one knob sizes scan batches on every engine.
    pub fn engine_options(&self) -> EngineOptions {
        let mut kv = self.kv.clone();
        kv.postgres.fetch_rows = self.scan_batch_size;
        kv
    }

    /// Checks every value against its allowed range; the error names the offending field.
    pub fn validate(&self) -> Result<()> {
        check(self.scan_batch_size >= 1, "scan_batch_size", || {
            format!("must be at least 1, got {}", self.scan_batch_size)
        })?;
        check(self.parallel_workers >= 1, "parallel_workers", || {
            format!("must be at least 1, got {}", self.parallel_workers)
        })?;
        check(
            (16..=200).contains(&self.inline_value_threshold),
            "inline_value_threshold",
            || {
                format!(
                    "must be between 16 and 200, got {}",
                    self.inline_value_threshold
                )
            },
        )?;
        self.kv.validate()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datolite_kv::{SyncMode, ENGINE_ENV_VARS, MIN_MAP_SIZE, PROFILES};

    #[test]
    fn defaults_are_valid_and_out_of_range_values_are_named() {
        StoreOptions::default().validate().unwrap();
        let mut options = StoreOptions {
            inline_value_threshold: 8,
            ..StoreOptions::default()
        };
        let error = options.validate().unwrap_err().to_string();
        assert!(error.contains("inline_value_threshold"), "{error}");
        options.inline_value_threshold = 16;
        options.kv.lmdb.map_size = MIN_MAP_SIZE - 1;
        assert!(options
            .validate()
            .unwrap_err()
            .to_string()
            .contains("lmdb.map_size"));
        options.kv.lmdb.map_size = MIN_MAP_SIZE;
        options.validate().unwrap();
    }

    #[test]
    fn every_profile_is_valid_and_reachable_by_name() {
        for name in PROFILES {
            let options = StoreOptions::profile(name).unwrap();
            options.validate().unwrap();
            assert_eq!(options.kv, EngineOptions::profile(name).unwrap());
        }
        assert_eq!(
            StoreOptions::profile("Bulk-Load").unwrap(),
            StoreOptions::bulk_load()
        );
        let error = StoreOptions::profile("fast").unwrap_err().to_string();
        assert!(
            error.contains("read_heavy, bulk_load, durable, low_memory"),
            "{error}"
        );
    }

    #[test]
    fn profiles_change_what_they_promise() {
        let low = StoreOptions::low_memory();
        assert_eq!((low.scan_batch_size, low.parallel_workers), (256, 1));
        assert!(low.kv.lmdb.no_readahead);
        assert_eq!(
            (low.kv.lmdb.max_readers, low.kv.lmdb.map_size),
            (126, 1 << 30)
        );
        let bulk = StoreOptions::bulk_load();
        assert_eq!(
            (
                bulk.kv.sync,
                bulk.kv.lmdb.write_map,
                bulk.kv.lmdb.map_growth
            ),
            (SyncMode::None, true, 4)
        );
        assert_eq!(StoreOptions::read_heavy().scan_batch_size, 4096);
        assert!(!StoreOptions::durable().kv.lmdb.write_map);
    }

    #[test]
    fn every_engine_variable_is_listed_with_its_description() {
        for entry in ENGINE_ENV_VARS {
            assert!(ENV_VARS.contains(entry), "{entry:?} missing from ENV_VARS");
        }
    }
}
