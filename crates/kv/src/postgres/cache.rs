//! The process-local cache of what a snapshot fetched: pages of rows and single values, shared
//! by every snapshot of one engine and bounded in bytes (least recently used out first).
//!
//! Invariant: an entry is keyed by its table's *version* — the number of the last commit that
//! changed the table, which every commit bumps for the tables it touched, in the same
//! PostgreSQL transaction as its rows. A page fetched at version `v` is therefore exactly what
//! any snapshot that sees version `v` would fetch: the entry is immutable, never invalidated,
//! only evicted. A commit makes the changed tables' entries unreachable (they age out); the
//! tables it did not touch keep theirs.

use std::sync::{Arc, Mutex, PoisonError};

use lru::LruCache;

use crate::{CacheStats, Table};

/// Bytes an entry costs beyond its keys and values (the map slot, the vectors' headers).
const ENTRY_OVERHEAD: u64 = 96;

/// What was asked of the server.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Request {
    /// The value of one key.
    Get(Vec<u8>),
    /// Up to `limit` rows from `lo` (inclusive) below `hi`, in key order or reversed.
    Page {
        lo: Vec<u8>,
        hi: Option<Vec<u8>>,
        reverse: bool,
        limit: u32,
    },
}

/// A request against one version of one table.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct CacheKey {
    pub table: Table,
    pub version: i64,
    pub request: Request,
}

/// Rows as the server returned them, in the request's order (a get: zero or one row).
#[derive(Debug, Default)]
pub(crate) struct Rows {
    pub keys: Vec<Vec<u8>>,
    pub values: Vec<Vec<u8>>,
}

impl Rows {
    /// Rows in the cache's accounting.
    fn cost(&self, key: &CacheKey) -> u64 {
        let request = match &key.request {
            Request::Get(k) => k.len(),
            Request::Page { lo, hi, .. } => lo.len() + hi.as_ref().map_or(0, Vec::len),
        };
        let rows: usize = self
            .keys
            .iter()
            .zip(&self.values)
            .map(|(k, v)| k.len() + v.len() + 48)
            .sum();
        ENTRY_OVERHEAD + (request + rows) as u64
    }

    /// How many rows.
    pub fn len(&self) -> usize {
        self.keys.len()
    }
}

/// The cache (see the module's invariant).
pub(crate) struct PageCache {
    capacity: u64,
    inner: Mutex<Inner>,
}

struct Inner {
    entries: LruCache<CacheKey, Arc<Rows>>,
    stats: CacheStats,
}

impl PageCache {
    /// A cache of at most `capacity` bytes (0: caches nothing).
    pub fn new(capacity: u64) -> Self {
        PageCache {
            capacity,
            inner: Mutex::new(Inner {
                entries: LruCache::unbounded(),
                stats: CacheStats::default(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves the map consistent (every step is one call).
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The cached answer to `key`, if any.
    pub fn get(&self, key: &CacheKey) -> Option<Arc<Rows>> {
        let mut inner = self.lock();
        if self.capacity == 0 {
            inner.stats.misses += 1;
            return None;
        }
        let found = inner.entries.get(key).cloned();
        match found {
            Some(_) => inner.stats.hits += 1,
            None => inner.stats.misses += 1,
        }
        found
    }

    /// Remembers `rows` as the answer to `key`, evicting the least recently used entries to
    /// stay within the capacity. An entry larger than the whole cache is not kept.
    pub fn insert(&self, key: CacheKey, rows: Arc<Rows>) {
        let cost = rows.cost(&key);
        if cost > self.capacity {
            return;
        }
        let mut inner = self.lock();
        if let Some(old) = inner.entries.put(key.clone(), rows) {
            inner.stats.bytes -= old.cost(&key).min(inner.stats.bytes);
        }
        inner.stats.bytes += cost;
        while inner.stats.bytes > self.capacity {
            match inner.entries.pop_lru() {
                Some((old_key, old)) => {
                    let freed = old.cost(&old_key);
                    inner.stats.bytes -= freed.min(inner.stats.bytes);
                }
                None => break,
            }
        }
    }

    /// Hits, misses and bytes so far.
    pub fn stats(&self) -> CacheStats {
        self.lock().stats
    }

    /// Forgets everything (the benchmarks' cold runs).
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.entries.clear();
        inner.stats = CacheStats::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> CacheKey {
        CacheKey {
            table: Table::Eavt,
            version: 1,
            request: Request::Get(vec![n]),
        }
    }

    fn rows(bytes: usize) -> Arc<Rows> {
        Arc::new(Rows {
            keys: vec![vec![0; bytes]],
            values: vec![Vec::new()],
        })
    }

    #[test]
    fn stays_within_its_capacity_evicting_the_least_recently_used() {
        let cache = PageCache::new(1000);
        for n in 0..10 {
            cache.insert(key(n), rows(200));
        }
        assert!(cache.stats().bytes <= 1000);
        assert!(cache.get(&key(9)).is_some());
        assert!(cache.get(&key(0)).is_none());
        // Too large for the whole cache: not kept, nothing evicted for it.
        cache.insert(key(42), rows(5000));
        assert!(cache.get(&key(42)).is_none());
        assert!(cache.get(&key(9)).is_some());
    }

    #[test]
    fn versions_keep_entries_apart_and_zero_capacity_caches_nothing() {
        let cache = PageCache::new(1 << 20);
        cache.insert(key(1), rows(3));
        let mut later = key(1);
        later.version = 2;
        assert!(cache.get(&later).is_none());
        assert!(cache.get(&key(1)).is_some());
        let off = PageCache::new(0);
        off.insert(key(1), rows(3));
        assert!(off.get(&key(1)).is_none());
    }
}
