//! Opening an LMDB database directory: checks, the process lock, the environment, the tables.

use std::fs::{self, File, OpenOptions};
use std::path::Path;
use std::time::Duration;

use super::errors::from_lmdb;
use super::ffi::{flags, Dbi, Env, EnvConfig};
use super::round_to_pages;
use super::write_lock::WriteLock;
use crate::{EngineOptions, KvError, Result, SyncMode, Table};

/// The name of LMDB's data file inside the database directory.
pub(super) use crate::open::LMDB_DATA_FILE as DATA_FILE;

/// The largest map a write map starts with (it grows as the data does).
const WRITE_MAP_START: u64 = 256 << 20;

/// Name of the advisory lock file inside the database directory.
pub const LOCK_FILE: &str = "datolite.lock";

/// Opens (creating) the lock file whose `flock` is the cross-process write lock
/// ([`super::write_lock`]). Opening takes no lock: any number of processes may have the
/// database open.
pub(super) fn open_lock_file(path: &Path) -> Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path.join(LOCK_FILE))
        .map_err(|error| {
            open_error(
                path,
                format!(
                    "cannot open the lock file {LOCK_FILE}: {}",
                    describe(&error)
                ),
            )
        })
}

/// Opens the LMDB environment with the flags `options` ask for.
pub(super) fn open_env(path: &Path, options: &EngineOptions, data_len: Option<u64>) -> Result<Env> {
    let lmdb = &options.lmdb;
    // A write map is reserved on disk whole (`disk.rs`): it starts no larger than the data (or
    // WRITE_MAP_START) and grows with it, each step reserved before it is used.
    let requested = if lmdb.write_map {
        lmdb.map_size
            .min(data_len.unwrap_or(0).max(WRITE_MAP_START))
    } else {
        lmdb.map_size
    };
    let map_size = round_to_pages(requested)
        .and_then(|size| usize::try_from(size).ok())
        .ok_or_else(|| KvError::InvalidOption {
            name: "lmdb.map_size".into(),
            reason: format!(
                "{} bytes exceed this platform's address space",
                lmdb.map_size
            ),
        })?;
    let mut env_flags = 0;
    match options.sync {
        SyncMode::Full => {}
        SyncMode::MetaAsync => env_flags |= flags::NO_META_SYNC,
        SyncMode::None => env_flags |= flags::NO_SYNC,
    }
    if lmdb.no_readahead {
        env_flags |= flags::NO_READ_AHEAD;
    }
    if lmdb.write_map {
        env_flags |= flags::WRITE_MAP;
    }
    // Mapping a file is only unsound if the file is changed behind LMDB's back: every process
    // changes it through LMDB, whose lock file coordinates them, and this process maps it once
    // (`registry.rs`).
    let config = EnvConfig {
        map_size,
        max_readers: lmdb.max_readers,
        max_dbs: Table::ALL.len() as u32,
        flags: env_flags,
    };
    Env::open(path, &config).map_err(|error| match from_lmdb(error) {
        KvError::Io(error) => open_error(path, describe(&error)),
        KvError::Engine(reason) => open_error(path, reason),
        other => other,
    })
}

/// The length of the data file before LMDB opens it (`None`: there is none yet).
pub(super) fn data_file_len(path: &Path) -> Option<u64> {
    fs::metadata(path.join(DATA_FILE)).ok().map(|m| m.len())
}

/// Refuses a data file shorter than its last commit needs (a copy cut short, a file system
/// that lost its tail): LMDB would map the missing pages and the first read of one would kill
/// the process with `SIGBUS`.
///
/// Other processes commit meanwhile, so which length counts matters. Without a write map LMDB
/// leaves the file alone, and its length measured *now* is the truth: the commit the open read
/// wrote its pages before its meta page, and later commits only add. With a write map LMDB has
/// just extended the file to the map, so `len_before` (measured before the open) is the
/// evidence, and the extension is put back so the damage stays visible to the next open — but
/// only while the file is exactly as long as this open made it: a commit by another process
/// between the measure and the open makes the file look short, and shrinking it then would cut
/// off that commit's pages (it did, in a reader process racing a writer: SIGBUS in every
/// process mapping them).
pub(super) fn check_not_truncated(
    path: &Path,
    env: &Env,
    write_map: bool,
    len_before: Option<u64>,
) -> Result<()> {
    let len = if write_map {
        len_before
    } else {
        data_file_len(path)
    };
    let Some(len) = len else {
        return Ok(());
    };
    let page = u64::from(env.page_size().map_err(from_lmdb)?);
    let needed = (env.last_page() + 1).saturating_mul(page);
    if len >= needed {
        return Ok(());
    }
    if write_map && data_file_len(path) == Some(env.map_size()) {
        if let Ok(file) = OpenOptions::new().write(true).open(path.join(DATA_FILE)) {
            let _ = file.set_len(len);
        }
    }
    Err(open_error(
        path,
        format!(
            "the data file is truncated: it holds {len} bytes, but its last commit uses {needed}; \
             restore a backup (datolite restore)"
        ),
    ))
}

/// Opens one named table per [`Table`], so the handles are valid in every later transaction:
/// in a read transaction when they all exist (an existing database is opened without taking the
/// write lock, however busy its writer), else creating them under the write lock — with a
/// `write_map`, its blocks reserved first (`disk.rs`). Returns the handles and the bytes
/// reserved.
pub(super) fn open_tables(
    env: &Env,
    lock_file: &File,
    path: &Path,
    write_wait: Duration,
    write_map: bool,
) -> Result<([Dbi; Table::ALL.len()], u64)> {
    let mut dbs = [0; Table::ALL.len()];
    let txn = env.begin_read().map_err(from_lmdb)?;
    let mut missing = false;
    for table in Table::ALL {
        match txn.open_table(table.name(), false).map_err(from_lmdb)? {
            Some(dbi) => dbs[table.index()] = dbi,
            None => missing = true,
        }
    }
    if !missing {
        // Committing a read transaction ends it and keeps its handles for the environment.
        txn.commit().map_err(from_lmdb)?;
        return Ok((dbs, 0));
    }
    drop(txn);
    let _lock = WriteLock::acquire(lock_file, path, write_wait)?;
    let reserved = if write_map {
        super::disk::reserve(path, env.map_size())?;
        env.map_size()
    } else {
        0
    };
    let txn = env.begin_write().map_err(from_lmdb)?;
    for table in Table::ALL {
        dbs[table.index()] = txn
            .open_table(table.name(), true)
            .map_err(from_lmdb)?
            .ok_or_else(|| open_error(path, format!("cannot create table {}", table.name())))?;
    }
    txn.commit().map_err(from_lmdb)?;
    Ok((dbs, reserved))
}

pub(super) use crate::open::{describe, open_error};

#[cfg(test)]
mod tests {
    use crate::lmdb::LmdbEngine;
    use crate::{Engine, EngineOptions, Table};

    /// A length measured before another process's commit grew the file must neither refuse the
    /// database nor shrink the file (the race `check_not_truncated` documents).
    #[test]
    fn a_stale_length_from_before_a_commit_is_not_a_truncation() {
        let dir = tempfile::tempdir().unwrap();
        let options = EngineOptions {
            path: Some(dir.path().to_path_buf()),
            ..EngineOptions::default()
        };
        let engine = LmdbEngine::open(dir.path(), &options).unwrap();
        let stale = super::data_file_len(dir.path());
        engine
            .write(&mut |txn| {
                for i in 0u32..20_000 {
                    txn.put(Table::Eavt, &i.to_be_bytes(), &[0; 64])?;
                }
                Ok(())
            })
            .unwrap();
        let grown = super::data_file_len(dir.path()).unwrap();
        assert!(stale.unwrap_or(0) < grown);
        // Without a write map the length now counts.
        super::check_not_truncated(dir.path(), &engine.shared.env, false, stale).unwrap();
        assert_eq!(super::data_file_len(dir.path()), Some(grown));
    }
}
