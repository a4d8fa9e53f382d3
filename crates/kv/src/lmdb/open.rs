//! Opening an LMDB database directory: checks, the process lock, the environment, the tables.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io;
use std::path::Path;

use heed::types::Bytes;
use heed::{CommitOrAbort, EnvFlags, EnvOpenOptions, WithoutTls};

use super::errors::from_heed;
use super::{round_to_pages, Db};
use crate::{EngineOptions, KvError, Result, SyncMode, Table};

/// Name of the advisory lock file inside the database directory.
pub const LOCK_FILE: &str = "datolite.lock";

/// Makes sure `path` is a usable directory, creating it when missing and allowed.
pub(super) fn prepare_directory(path: &Path, create_if_missing: bool) -> Result<()> {
    match fs::metadata(path) {
        Ok(meta) if meta.is_dir() && !create_if_missing && !path.join("data.mdb").exists() => {
            Err(open_error(
                path,
                "the directory holds no database (no data.mdb) and creating one was not asked for"
                    .into(),
            ))
        }
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(open_error(
            path,
            "the path exists but is not a directory".into(),
        )),
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            if !create_if_missing {
                return Err(KvError::MissingDirectory(path.to_path_buf()));
            }
            fs::create_dir_all(path).map_err(|error| {
                open_error(
                    path,
                    format!("cannot create the directory: {}", describe(&error)),
                )
            })
        }
        Err(error) => Err(open_error(path, describe(&error))),
    }
}

/// Takes the exclusive advisory lock that makes one engine the sole owner of the directory.
///
/// LMDB itself allows many processes, but datolite grows the map, which is only safe when no
/// other process has the file mapped; and heed refuses a second environment for one file in a
/// process. The lock is per open file description, so a second open in the same process is
/// refused just like one from another process.
pub(super) fn lock_directory(path: &Path) -> Result<File> {
    let lock_path = path.join(LOCK_FILE);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .map_err(|error| {
            open_error(
                path,
                format!(
                    "cannot open the lock file {LOCK_FILE}: {}",
                    describe(&error)
                ),
            )
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(KvError::Locked(path.to_path_buf())),
        Err(TryLockError::Error(error)) => Err(open_error(
            path,
            format!("cannot lock {LOCK_FILE}: {}", describe(&error)),
        )),
    }
}

/// Opens the LMDB environment with the flags `options` ask for.
pub(super) fn open_env(path: &Path, options: &EngineOptions) -> Result<heed::Env<WithoutTls>> {
    let lmdb = &options.lmdb;
    let map_size = round_to_pages(lmdb.map_size)
        .and_then(|size| usize::try_from(size).ok())
        .ok_or_else(|| KvError::InvalidOption {
            name: "lmdb.map_size".into(),
            reason: format!(
                "{} bytes exceed this platform's address space",
                lmdb.map_size
            ),
        })?;
    let mut flags = EnvFlags::empty();
    match options.sync {
        SyncMode::Full => {}
        SyncMode::MetaAsync => flags |= EnvFlags::NO_META_SYNC,
        SyncMode::None => flags |= EnvFlags::NO_SYNC,
    }
    if lmdb.no_readahead {
        flags |= EnvFlags::NO_READ_AHEAD;
    }
    if lmdb.write_map {
        flags |= EnvFlags::WRITE_MAP;
    }
    // Without TLS, read transactions are tied to their objects rather than to threads, which
    // makes them `Send` and lets one thread hold several snapshots.
    let mut builder = EnvOpenOptions::new().read_txn_without_tls();
    builder
        .map_size(map_size)
        .max_readers(lmdb.max_readers)
        .max_dbs(Table::ALL.len() as u32);
    // SAFETY: heed marks NO_SYNC and NO_META_SYNC unsafe because they weaken durability after a
    // system crash (the last commits may be lost), which is exactly what `SyncMode` documents
    // and the user chose; they do not affect memory safety within the process.
    unsafe {
        builder.flags(flags);
    }
    // SAFETY: mapping a file is undefined behaviour only if the file is changed behind LMDB's
    // back. We hold the exclusive `datolite.lock`, so no other datolite engine (in this or any
    // process) maps the file, and LMDB's own lock file coordinates anything else using LMDB.
    unsafe { builder.open(path) }.map_err(|error| match error {
        heed::Error::Io(error) => open_error(path, describe(&error)),
        other => match from_heed(other) {
            KvError::Engine(reason) => open_error(path, reason),
            other => other,
        },
    })
}

/// Creates (or opens) one named database per [`Table`] and commits, so the handles are valid in
/// every later transaction.
pub(super) fn create_tables(env: &heed::Env<WithoutTls>) -> Result<[Db; Table::ALL.len()]> {
    let wtxn = env.write_txn().map_err(from_heed)?;
    let committed = env
        .create_databases_and_commit(wtxn, |opener, wtxn| -> heed::Result<_> {
            // A macro rather than a closure: the handles' lifetime is tied to `wtxn`'s type.
            macro_rules! create {
                ($table:expr) => {
                    opener.create_database::<Bytes, Bytes>(wtxn, Some($table.name()))?
                };
            }
            // Destructured so that adding a table without updating this list fails to compile.
            let [eavt, aevt, avet, vaet, log, values, stats, meta, eavt_h, aevt_h, avet_h, vaet_h] =
                Table::ALL;
            let dbs = [
                create!(eavt),
                create!(aevt),
                create!(avet),
                create!(vaet),
                create!(log),
                create!(values),
                create!(stats),
                create!(meta),
                create!(eavt_h),
                create!(aevt_h),
                create!(avet_h),
                create!(vaet_h),
            ];
            Ok(CommitOrAbort::<_, ()>::Commit(dbs))
        })
        .map_err(from_heed)?;
    match committed {
        CommitOrAbort::Commit(dbs) => Ok(dbs),
        CommitOrAbort::Abort(()) => Err(KvError::Engine(
            "creating the LMDB tables was aborted".into(),
        )),
    }
}

/// An [`KvError::Open`] for `path`.
fn open_error(path: &Path, reason: String) -> KvError {
    KvError::Open {
        path: path.to_path_buf(),
        reason,
    }
}

/// A human sentence for an I/O error, with a hint for the common cases.
fn describe(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::PermissionDenied => {
            "permission denied (check the owner and mode of the directory and its files)".into()
        }
        io::ErrorKind::NotADirectory => "a component of the path is not a directory".into(),
        io::ErrorKind::ReadOnlyFilesystem => "the file system is read-only".into(),
        _ => error.to_string(),
    }
}
