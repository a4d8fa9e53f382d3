//! One LMDB environment per database directory per process.
//!
//! LMDB must not open one data file twice in a process: its lock file (`lock.mdb`) carries POSIX
//! record locks, which belong to the process, so closing either environment would silently drop
//! the other's locks — and with them what tells a later process that this one's readers are
//! alive. A second [`LmdbEngine::open`](super::LmdbEngine::open) of a directory this process has
//! open therefore shares the environment of the first.
//!
//! Invariant: an environment is created, and closed, only while [`OPEN`] is locked, and its
//! entry is removed only once it has closed; an open that finds the entry of a closing
//! environment waits. So a directory never has two environments in this process, not even
//! while one is closing.

use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use super::Shared;

/// What identifies a directory whatever path names it (symbolic links, `..`, bind mounts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct DirId {
    device: u64,
    inode: u64,
}

impl DirId {
    /// The identity of directory `path`.
    #[cfg(unix)]
    pub(super) fn of(path: &Path) -> io::Result<DirId> {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(path)?;
        Ok(DirId {
            device: meta.dev(),
            inode: meta.ino(),
        })
    }

    /// The identity of directory `path` (its canonical path, hashed, where there are no inodes).
    #[cfg(not(unix))]
    pub(super) fn of(path: &Path) -> io::Result<DirId> {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        std::fs::canonicalize(path)?.hash(&mut hasher);
        Ok(DirId {
            device: 0,
            inode: hasher.finish(),
        })
    }
}

/// The environments open in this process, by directory.
static OPEN: Mutex<Vec<(DirId, Weak<Shared>)>> = Mutex::new(Vec::new());

/// The registry, locked. Never drop the last `Arc<Shared>` while holding it: closing takes it.
pub(super) fn lock() -> MutexGuard<'static, Vec<(DirId, Weak<Shared>)>> {
    OPEN.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What this process has of a directory.
pub(super) enum Found {
    /// Nothing: a new environment may be opened.
    Nothing,
    /// The environment, open.
    Open(Arc<Shared>),
    /// An environment whose last user is gone and that is closing now: wait for it, or the new
    /// one's locks would be dropped by its close.
    Closing,
}

/// What this process has of directory `id`. An entry stays until its environment has closed
/// (`Shared`'s `Drop` removes it), so a dead entry means a close in progress.
pub(super) fn find(open: &[(DirId, Weak<Shared>)], id: DirId) -> Found {
    match open.iter().find(|(dir, _)| *dir == id) {
        None => Found::Nothing,
        Some((_, shared)) => shared.upgrade().map_or(Found::Closing, Found::Open),
    }
}

/// Records a new environment.
pub(super) fn insert(open: &mut Vec<(DirId, Weak<Shared>)>, id: DirId, shared: &Arc<Shared>) {
    open.push((id, Arc::downgrade(shared)));
}
