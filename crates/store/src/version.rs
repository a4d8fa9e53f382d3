//! Committed versions: the schema, statistics and id counters of one basis t, shared by every
//! snapshot of it and by the transaction that builds on it.
//!
//! Sharing is copy-on-write. A transaction starts from the latest version's `Arc`s: the schema
//! is copied only when the transaction changes it, and the statistics are changed through a
//! [`StatsChange`] that is applied when the transaction commits — in place when no snapshot
//! still holds the old version, on a copy otherwise. The counters and the basis come from the
//! version too; the transaction reads only the basis t from the write transaction, to check
//! that the cached version is the one it sees.

use std::sync::{Arc, Mutex};

use datolite_kv::{Engine, ReadOps};

use crate::meta;
use crate::schema::Schema;
use crate::stats::{Stats, StatsChange};
use crate::Result;
use crate::StoreOptions;

/// The schema and statistics of one committed version, shared by every snapshot of it.
#[derive(Debug)]
pub(crate) struct Version {
    pub basis_t: u64,
    /// Next counter of the schema partition (its ids are dense below it).
    pub next_db: u64,
    /// Next counter of the user partition (its ids are dense below it).
    pub next_user: u64,
    pub schema: Arc<Schema>,
    pub stats: Arc<Stats>,
}

/// What a store shares with its snapshots: the engine, the options and the latest version.
pub(crate) struct StoreInner {
    pub engine: Arc<dyn Engine>,
    pub options: StoreOptions,
    /// The latest version we know of; a snapshot whose basis matches reuses it.
    pub latest: Mutex<Arc<Version>>,
    /// Transactions waiting to share the next commit.
    pub group: crate::group::Group,
}

impl Version {
    /// Reads the version `txn` sees from the meta, schema and statistics tables.
    pub fn load(txn: &dyn ReadOps) -> Result<Version> {
        Ok(Version {
            basis_t: meta::require_u64(txn, meta::BASIS_T)?,
            next_db: meta::require_u64(txn, meta::NEXT_DB)?,
            next_user: meta::require_u64(txn, meta::NEXT_USER)?,
            schema: Arc::new(Schema::load(txn)?),
            stats: Arc::new(Stats::load(txn)?),
        })
    }
}

/// The version (schema, statistics) visible in `txn`, from the cache when it matches.
pub(crate) fn current_version(inner: &StoreInner, txn: &dyn ReadOps) -> Result<Arc<Version>> {
    let basis_t = meta::require_u64(txn, meta::BASIS_T)?;
    if let Ok(latest) = inner.latest.lock() {
        if latest.basis_t == basis_t {
            return Ok(latest.clone());
        }
    }
    let version = Arc::new(Version::load(txn)?);
    // Another process committed since this one last did: later snapshots share what was loaded.
    if let Ok(mut latest) = inner.latest.lock() {
        if latest.basis_t < version.basis_t {
            *latest = version.clone();
        }
    }
    Ok(version)
}

/// The parts of a committed transaction's version, before its statistics are settled.
pub(crate) struct Committed {
    pub basis_t: u64,
    pub next_db: u64,
    pub next_user: u64,
    pub schema: Arc<Schema>,
    pub stats: StatsChange,
}

impl StoreInner {
    /// Makes a committed transaction's version the latest. When the latest version is the one
    /// the transaction started from and no snapshot holds it, its statistics are released first
    /// so that the transaction's changes apply to them in place instead of to a copy.
    pub fn publish(&self, committed: Committed) {
        let Ok(mut latest) = self.latest.lock() else {
            return;
        };
        if latest.basis_t >= committed.basis_t {
            return;
        }
        if let Some(old) = Arc::get_mut(&mut latest) {
            if Arc::ptr_eq(&old.stats, committed.stats.base()) {
                // `old` is about to be replaced, and nothing else can see it.
                old.stats = Arc::default();
            }
        }
        *latest = Arc::new(committed.into_version());
    }

    /// The t of the last commit, as the engine has it now (0 if it cannot be read).
    pub fn latest_basis(&self) -> u64 {
        self.engine
            .read()
            .ok()
            .and_then(|txn| meta::get_u64(txn.as_ref(), meta::BASIS_T).ok().flatten())
            .unwrap_or(0)
    }

    /// Makes `version` the latest, unless a later one is known.
    pub fn publish_version(&self, version: Arc<Version>) {
        if let Ok(mut latest) = self.latest.lock() {
            if latest.basis_t < version.basis_t {
                *latest = version;
            }
        }
    }
}

impl Committed {
    /// The version this commit makes, its statistics settled.
    pub fn into_version(self) -> Version {
        Version {
            basis_t: self.basis_t,
            next_db: self.next_db,
            next_user: self.next_user,
            schema: self.schema,
            stats: self.stats.into_stats(),
        }
    }
}
