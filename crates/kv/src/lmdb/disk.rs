//! The disk under a database: reserving the blocks a write map writes through, and telling a
//! full disk from other I/O errors.
//!
//! With `write_map`, LMDB writes pages straight into a memory map of a sparse file; a page
//! whose block the file system cannot allocate (a full disk) faults with `SIGBUS`, killing the
//! process mid-write. So the engine reserves the whole map on disk (`posix_fallocate`) when it
//! opens and before it grows: a full disk is then an error before anything is written, never a
//! signal. Without `write_map`, LMDB writes with `pwrite` at commit, and a full disk comes back
//! as `ENOSPC` — or as `EIO` after a short write — which becomes [`KvError::DiskFull`].

use std::path::Path;

use super::errors::from_lmdb;
use super::ffi::LmdbError;
use super::open::DATA_FILE;
use crate::KvError;

/// Below this much free space an `EIO` at commit is taken for a full disk (LMDB reports a
/// short write as `EIO`).
const NEARLY_FULL: u64 = 64 << 20;

/// Reserves disk blocks for the first `bytes` of the data file of directory `dir`.
#[cfg(unix)]
pub(super) fn reserve(dir: &Path, bytes: u64) -> Result<(), KvError> {
    use std::os::unix::io::AsRawFd;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(dir.join(DATA_FILE))?;
    let len = libc::off_t::try_from(bytes).map_err(|_| too_large(bytes))?;
    // SAFETY: `file` is an open descriptor for the duration of the call.
    let rc = unsafe { libc::posix_fallocate(file.as_raw_fd(), 0, len) };
    match rc {
        0 => Ok(()),
        libc::ENOSPC | libc::EFBIG | libc::EDQUOT => Err(KvError::DiskFull {
            path: dir.to_path_buf(),
            detail: format!(
                "the write map needs {} reserved on disk and the disk (or this process's file size \
                 limit) does not allow it; use a smaller DATOLITE_LMDB_MAP_SIZE or turn \
                 DATOLITE_LMDB_WRITE_MAP off",
                super::grow::human(bytes)
            ),
        }),
        libc::EOPNOTSUPP | libc::EINVAL => Err(KvError::InvalidOption {
            name: "lmdb.write_map".into(),
            reason: format!(
                "the file system of {} cannot reserve disk space, so a full disk would crash a \
                 process writing through the map; turn DATOLITE_LMDB_WRITE_MAP off",
                dir.display()
            ),
        }),
        errno => Err(KvError::Io(std::io::Error::from_raw_os_error(errno))),
    }
}

/// Where disk space cannot be reserved, the write map cannot be made safe.
#[cfg(not(unix))]
pub(super) fn reserve(dir: &Path, _bytes: u64) -> Result<(), KvError> {
    Err(KvError::InvalidOption {
        name: "lmdb.write_map".into(),
        reason: format!(
            "disk space for {} cannot be reserved on this platform, so a full disk would crash \
             a process writing through the map; turn DATOLITE_LMDB_WRITE_MAP off",
            dir.display()
        ),
    })
}

fn too_large(bytes: u64) -> KvError {
    KvError::InvalidOption {
        name: "lmdb.map_size".into(),
        reason: format!("{bytes} bytes exceed this platform's file offsets"),
    }
}

/// Bytes free for this user on the file system of `dir`.
#[cfg(unix)]
fn free_bytes(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut stat = std::mem::MaybeUninit::<libc::statvfs>::zeroed();
    // SAFETY: `path` is NUL-terminated; statvfs fills `stat` on success.
    if unsafe { libc::statvfs(path.as_ptr(), stat.as_mut_ptr()) } != 0 {
        return None;
    }
    // SAFETY: filled by the successful call.
    let stat = unsafe { stat.assume_init() };
    // The field types differ between platforms (`u32` on some).
    #[allow(clippy::unnecessary_cast)]
    Some((stat.f_bavail as u64).saturating_mul(stat.f_frsize as u64))
}

#[cfg(not(unix))]
fn free_bytes(_dir: &Path) -> Option<u64> {
    None
}

/// Whether the data file of `dir` has reached this process's file size limit (`ulimit -f`).
#[cfg(unix)]
fn at_file_size_limit(dir: &Path) -> bool {
    let mut limit = std::mem::MaybeUninit::<libc::rlimit>::zeroed();
    // SAFETY: getrlimit fills `limit` on success.
    if unsafe { libc::getrlimit(libc::RLIMIT_FSIZE, limit.as_mut_ptr()) } != 0 {
        return false;
    }
    // SAFETY: filled by the successful call.
    let limit = unsafe { limit.assume_init() }.rlim_cur;
    if limit == libc::RLIM_INFINITY {
        return false;
    }
    // `rlim_t` is `u64` here, narrower on some platforms.
    #[allow(clippy::unnecessary_cast)]
    let limit = limit as u64;
    std::fs::metadata(dir.join(DATA_FILE)).is_ok_and(|m| m.len() >= limit)
}

/// The error for a failed commit of a write to the database in `dir`: a full disk (or a file
/// size limit) said as such, anything else as LMDB reported it.
pub(super) fn commit_error(dir: &Path, error: LmdbError) -> KvError {
    #[cfg(unix)]
    {
        let free = free_bytes(dir);
        // A write cut short at the file size limit comes back as `EIO` too.
        let at_limit = error.0 == libc::EFBIG || (error.0 == libc::EIO && at_file_size_limit(dir));
        let full = match error.0 {
            libc::ENOSPC | libc::EDQUOT => true,
            libc::EIO => at_limit || free.is_some_and(|f| f < NEARLY_FULL),
            _ => at_limit,
        };
        if full {
            let detail = if at_limit {
                "the data file reached this process's file size limit (ulimit -f)".to_string()
            } else {
                format!(
                    "{} free ({})",
                    free.map_or("nothing".to_string(), super::grow::human),
                    error.message()
                )
            };
            return KvError::DiskFull {
                path: dir.to_path_buf(),
                detail,
            };
        }
    }
    let _ = (dir, NEARLY_FULL);
    from_lmdb(error)
}
