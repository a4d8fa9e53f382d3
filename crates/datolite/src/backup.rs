//! Hot backup, restore and the integrity check of a database on disk.
//!
//! A backup is a consistent, compacted copy of the latest commit, taken in a read transaction
//! while writers go on (LMDB's `mdb_env_copy2`). It is written into a hidden directory beside
//! the destination and renamed into place only once complete, so a destination directory
//! either holds a whole backup or does not exist. Restoring checks the backup first
//! ([`Database::check`]) and copies it the same way.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use datolite_kv::KvError;
use datolite_store::{CheckReport, StoreOptions};

use crate::{Database, Error, Result};

impl Database {
    /// Verifies the latest committed state: indexes against EAVT, long values, statistics
    /// against a recount, the log against the current datoms and history
    /// (see [`CheckReport`]).
    pub fn check(&self) -> Result<CheckReport> {
        Ok(self.store().check()?)
    }

    /// Recounts the statistics and stores them (what `check` reports as differing).
    pub fn repair_stats(&self) -> Result<()> {
        Ok(self.store().repair_stats()?)
    }

    /// Writes a consistent copy of the latest commit to the new directory `dest` while
    /// writers go on. `dest` must not exist; it appears only once the copy is complete.
    pub fn backup(&self, dest: impl AsRef<Path>) -> Result<()> {
        let dest = dest.as_ref();
        into_place(dest, |partial| Ok(self.store().engine().backup(partial)?))
    }

    /// Restores the backup in directory `backup` into the new directory `dest`, after checking
    /// it: a backup that fails [`Database::check`] is refused, naming its first problem. The
    /// backup is opened with the engine that wrote it (LMDB or RocksDB), and so is the copy.
    pub fn restore(backup: impl AsRef<Path>, dest: impl AsRef<Path>) -> Result<()> {
        let (backup, dest) = (backup.as_ref(), dest.as_ref());
        let mut options = StoreOptions::default();
        options.kv.create_if_missing = false;
        if let Some(kind) = datolite_kv::detect_engine(backup) {
            options.kv.engine = kind;
        }
        let source = Database::open(backup, options)?;
        let report = source.check()?;
        if let Some(problem) = report.problems.first() {
            return Err(open_error(
                backup,
                format!(
                    "the backup fails its check ({} problem(s)), first: {problem}",
                    report.problems.len() as u64 + report.more_problems
                ),
            ));
        }
        source.backup(dest)
    }
}

/// Runs `write` on a fresh hidden directory beside `dest`, then renames it to `dest`; on any
/// failure the hidden directory is removed and `dest` never appears.
fn into_place(dest: &Path, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    if dest.exists() {
        return Err(open_error(
            dest,
            "it already exists; a backup or restore writes a new directory".into(),
        ));
    }
    let partial = partial_path(dest)?;
    std::fs::create_dir_all(&partial)
        .map_err(|e| open_error(&partial, format!("cannot create it: {e}")))?;
    let outcome = write(&partial).and_then(|()| {
        std::fs::rename(&partial, dest).map_err(|e| {
            open_error(
                dest,
                format!("cannot move the finished copy into place: {e}"),
            )
        })
    });
    if outcome.is_err() {
        let _ = std::fs::remove_dir_all(&partial);
    }
    outcome
}

/// `PARENT/.NAME.partial-PID-NANOS` for `dest = PARENT/NAME`.
fn partial_path(dest: &Path) -> Result<PathBuf> {
    let name = dest
        .file_name()
        .ok_or_else(|| open_error(dest, "the destination has no directory name".into()))?;
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let hidden = format!(
        ".{}.partial-{}-{nanos}",
        name.to_string_lossy(),
        std::process::id()
    );
    Ok(dest.with_file_name(hidden))
}

fn open_error(path: &Path, reason: String) -> Error {
    Error::Store(
        KvError::Open {
            path: path.to_path_buf(),
            reason,
        }
        .into(),
    )
}
