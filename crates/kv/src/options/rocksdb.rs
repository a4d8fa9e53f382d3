//! [`RocksdbOptions`]: the storage plan's RocksDB knobs (memtables, level-0 triggers, bloom
//! filter, caches, levels, background jobs, scan readahead), their `DATOLITE_ROCKSDB_*`
//! variables and their range checks. They are parsed whether or not the `rocksdb` feature is
//! built, so a variable is checked the same way everywhere; opening the engine without the
//! feature is what fails.
//!
//! Durability is not a knob here: the engine-wide [`SyncMode`](crate::SyncMode) decides it
//! (`full` syncs RocksDB's write-ahead log at every commit; `meta-async` and `none` leave the
//! log to the operating system — the plan's "sync writes off").

use super::env::{parse_in_range, parse_size, read_var};
use super::validate::check;
use crate::Result;

/// RocksDB settings (used when [`EngineKind::Rocksdb`](crate::EngineKind) is chosen).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RocksdbOptions {
    /// Bytes of one memtable (RocksDB `write_buffer_size`).
    pub memtable_size: u64,
    /// Memtables per table, the one being filled included (`max_write_buffer_number`).
    pub memtables: u32,
    /// Level-0 files that start a compaction (`level0_file_num_compaction_trigger`).
    pub l0_compaction_trigger: u32,
    /// Level-0 files at which writes stop until compaction catches up
    /// (`level0_stop_writes_trigger`); writes slow down halfway between the two triggers.
    pub l0_stop_trigger: u32,
    /// Bloom filter bits per key; 10 gives about 1% false positives, 0 turns the filter off.
    pub bloom_bits_per_key: u32,
    /// Bytes of the block cache for data blocks (shared by every table).
    pub block_cache: u64,
    /// Bytes added to the block cache for index and filter blocks, which are then cached there
    /// with high priority (RocksDB's C API has no separate pool, so the two share one LRU);
    /// 0 keeps them outside the cache, in table-reader memory.
    pub index_filter_cache: u64,
    /// Levels of the LSM tree (`num_levels`).
    pub max_levels: u32,
    /// Threads for flushes and compactions (`max_background_jobs`).
    pub background_jobs: u32,
    /// Bytes a scan reads ahead of its iterator (the plan's prefetch); 0 leaves RocksDB's own
    /// adaptive readahead.
    pub readahead: u64,
}

impl Default for RocksdbOptions {
    /// The storage plan's values: 5 memtables of 128 MiB, level-0 triggers 5 and 10, a ~1%
    /// bloom filter, 256 MiB of block cache plus 100 MiB for index and filter blocks, 7 levels,
    /// 4 background jobs, 2 MiB of scan readahead.
    fn default() -> Self {
        RocksdbOptions {
            memtable_size: 128 << 20,
            memtables: 5,
            l0_compaction_trigger: 5,
            l0_stop_trigger: 10,
            bloom_bits_per_key: 10,
            block_cache: 256 << 20,
            index_filter_cache: 100 << 20,
            max_levels: 7,
            background_jobs: 4,
            readahead: 2 << 20,
        }
    }
}

impl RocksdbOptions {
    /// These options with the `DATOLITE_ROCKSDB_*` variables read through `lookup` on top.
    pub(crate) fn overlay(&mut self, lookup: &impl Fn(&str) -> Option<String>) -> Result<()> {
        let get = |name: &str| read_var(lookup, name);
        if let Some(text) = get("DATOLITE_ROCKSDB_MEMTABLE_SIZE") {
            self.memtable_size = parse_size("DATOLITE_ROCKSDB_MEMTABLE_SIZE", &text)?;
        }
        if let Some(text) = get("DATOLITE_ROCKSDB_MEMTABLES") {
            self.memtables = parse_in_range("DATOLITE_ROCKSDB_MEMTABLES", &text, 2, 64)?;
        }
        if let Some(text) = get("DATOLITE_ROCKSDB_L0_COMPACTION_TRIGGER") {
            self.l0_compaction_trigger =
                parse_in_range("DATOLITE_ROCKSDB_L0_COMPACTION_TRIGGER", &text, 1, 1000)?;
        }
        if let Some(text) = get("DATOLITE_ROCKSDB_L0_STOP_TRIGGER") {
            self.l0_stop_trigger =
                parse_in_range("DATOLITE_ROCKSDB_L0_STOP_TRIGGER", &text, 1, 1000)?;
        }
        if let Some(text) = get("DATOLITE_ROCKSDB_BLOOM_BITS") {
            self.bloom_bits_per_key = parse_in_range("DATOLITE_ROCKSDB_BLOOM_BITS", &text, 0, 64)?;
        }
        if let Some(text) = get("DATOLITE_ROCKSDB_BLOCK_CACHE") {
            self.block_cache = parse_size("DATOLITE_ROCKSDB_BLOCK_CACHE", &text)?;
        }
        if let Some(text) = get("DATOLITE_ROCKSDB_INDEX_CACHE") {
            self.index_filter_cache = parse_size("DATOLITE_ROCKSDB_INDEX_CACHE", &text)?;
        }
        if let Some(text) = get("DATOLITE_ROCKSDB_MAX_LEVELS") {
            self.max_levels = parse_in_range("DATOLITE_ROCKSDB_MAX_LEVELS", &text, 2, 20)?;
        }
        if let Some(text) = get("DATOLITE_ROCKSDB_BACKGROUND_JOBS") {
            self.background_jobs =
                parse_in_range("DATOLITE_ROCKSDB_BACKGROUND_JOBS", &text, 1, 256)?;
        }
        if let Some(text) = get("DATOLITE_ROCKSDB_READAHEAD") {
            self.readahead = parse_size("DATOLITE_ROCKSDB_READAHEAD", &text)?;
        }
        Ok(())
    }

    /// Range checks; the error names the field.
    pub(crate) fn validate(&self) -> Result<()> {
        check(
            self.memtable_size >= 1 << 20,
            "rocksdb.memtable_size",
            || format!("must be at least 1 MiB, got {} bytes", self.memtable_size),
        )?;
        check(
            (2..=64).contains(&self.memtables),
            "rocksdb.memtables",
            || format!("must be from 2 to 64, got {}", self.memtables),
        )?;
        check(
            self.l0_compaction_trigger >= 1,
            "rocksdb.l0_compaction_trigger",
            || "must be at least 1, got 0".into(),
        )?;
        check(
            self.l0_stop_trigger >= self.l0_compaction_trigger,
            "rocksdb.l0_stop_trigger",
            || {
                format!(
                    "must be at least the compaction trigger ({}), got {}",
                    self.l0_compaction_trigger, self.l0_stop_trigger
                )
            },
        )?;
        check(
            self.bloom_bits_per_key <= 64,
            "rocksdb.bloom_bits_per_key",
            || format!("must be at most 64, got {}", self.bloom_bits_per_key),
        )?;
        check(
            (2..=20).contains(&self.max_levels),
            "rocksdb.max_levels",
            || format!("must be from 2 to 20, got {}", self.max_levels),
        )?;
        check(
            (1..=256).contains(&self.background_jobs),
            "rocksdb.background_jobs",
            || format!("must be from 1 to 256, got {}", self.background_jobs),
        )?;
        for (name, bytes) in [
            ("rocksdb.memtable_size", self.memtable_size),
            ("rocksdb.block_cache", self.block_cache),
            ("rocksdb.index_filter_cache", self.index_filter_cache),
            ("rocksdb.readahead", self.readahead),
        ] {
            check(usize::try_from(bytes).is_ok(), name, || {
                format!("{bytes} bytes exceed this platform's address space")
            })?;
        }
        Ok(())
    }
}
