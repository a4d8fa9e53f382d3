//! The thin safe layer over LMDB's C API (`lmdb-master-sys`, the library heed is built on) that
//! the rest of the engine is written against. Every `unsafe` block of the engine but the remap
//! in `grow.rs` is here.
//!
//! Why not heed: heed keeps its raw cursor private, so a seek had to open a new cursor and
//! descend the B-tree from the root (≈2,400 instructions per lookup in callgrind). LMDB's own
//! `MDB_SET_RANGE` on a cursor that is already positioned first checks the leaf page it stands
//! on and searches only that page when the key is there — lookups made in key order (pull,
//! index-nested-loop joins) mostly never leave the page. That needs the cursor itself.
//!
//! Invariants:
//! - An [`Env`] outlives every transaction of it: the engine's snapshots and write
//!   transactions hold the `Arc` that owns the environment (declared after the transaction).
//! - A [`Txn`] outlives its cursors and every slice read through it (`'t` borrows).
//! - Read transactions are opened with `MDB_NOTLS` in effect (set at open), so they are tied to
//!   their object, not their thread, and may move between threads ([`Txn`] is `Send`, never
//!   `Sync`); write transactions stay on the thread that began them (the engine's `write` runs
//!   the body on the calling thread).

use std::ffi::{c_int, c_uint, CStr, CString};
use std::marker::PhantomData;
use std::path::Path;
use std::ptr::{self, NonNull};

use lmdb_master_sys as sys;

/// An LMDB return code other than success (`MDB_*` codes are negative, errno values positive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct LmdbError(pub(super) c_int);

impl LmdbError {
    /// LMDB's own sentence for the code (`mdb_strerror` also covers errno values).
    pub(super) fn message(self) -> String {
        // SAFETY: mdb_strerror returns a pointer to a static, NUL-terminated string for any code.
        unsafe { CStr::from_ptr(sys::mdb_strerror(self.0)) }
            .to_string_lossy()
            .into_owned()
    }
}

/// `Ok` for LMDB's success code.
#[inline]
fn check(rc: c_int) -> Result<(), LmdbError> {
    if rc == 0 {
        Ok(())
    } else {
        Err(LmdbError(rc))
    }
}

/// An `MDB_val` pointing at `bytes` (LMDB never writes through input values).
#[inline]
fn val(bytes: &[u8]) -> sys::MDB_val {
    sys::MDB_val {
        mv_size: bytes.len(),
        mv_data: bytes.as_ptr() as *mut _,
    }
}

/// An empty `MDB_val` for LMDB to fill.
#[inline]
fn out() -> sys::MDB_val {
    sys::MDB_val {
        mv_size: 0,
        mv_data: ptr::null_mut(),
    }
}

/// The bytes an `MDB_val` filled by LMDB points at.
///
/// # Safety
/// `v` was filled by a successful LMDB read in a transaction that lives for `'t` and is not
/// written to while the slice is alive.
#[inline]
unsafe fn slice<'t>(v: &sys::MDB_val) -> &'t [u8] {
    if v.mv_size == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(v.mv_data as *const u8, v.mv_size)
    }
}

/// What [`Env::open`] needs besides the path.
pub(super) struct EnvConfig {
    pub(super) map_size: usize,
    pub(super) max_readers: u32,
    pub(super) max_dbs: u32,
    /// `MDB_*` environment flags (`MDB_NOTLS` is always added).
    pub(super) flags: c_uint,
}

/// An open LMDB environment; closed on drop.
pub(super) struct Env(NonNull<sys::MDB_env>);

// SAFETY: an MDB_env may be used from any thread; LMDB synchronizes its own state. The calls
// LMDB restricts (set_mapsize with no transaction open, close) are guarded by the engine.
unsafe impl Send for Env {}
unsafe impl Sync for Env {}

/// Environment flags the engine may pass.
pub(super) mod flags {
    pub(in super::super) use lmdb_master_sys::{
        MDB_NOMETASYNC as NO_META_SYNC, MDB_NORDAHEAD as NO_READ_AHEAD, MDB_NOSYNC as NO_SYNC,
        MDB_WRITEMAP as WRITE_MAP,
    };
}

impl Env {
    /// Opens the environment in directory `path` (which exists).
    pub(super) fn open(path: &Path, config: &EnvConfig) -> Result<Env, LmdbError> {
        let path = path_cstring(path).ok_or(LmdbError(libc_einval()))?;
        let mut raw: *mut sys::MDB_env = ptr::null_mut();
        // SAFETY: mdb_env_create writes a fresh handle (or fails and writes nothing usable).
        check(unsafe { sys::mdb_env_create(&mut raw) })?;
        let env = Env(NonNull::new(raw).ok_or(LmdbError(libc_einval()))?);
        // From here on `env` closes the handle on every failure, as mdb_env_open requires.
        // SAFETY: the handle is created and not yet open, when these setters are allowed.
        unsafe {
            check(sys::mdb_env_set_mapsize(env.ptr(), config.map_size as _))?;
            check(sys::mdb_env_set_maxreaders(env.ptr(), config.max_readers))?;
            check(sys::mdb_env_set_maxdbs(env.ptr(), config.max_dbs))?;
            check(sys::mdb_env_open(
                env.ptr(),
                path.as_ptr(),
                config.flags | sys::MDB_NOTLS,
                0o600,
            ))?;
        }
        Ok(env)
    }

    #[inline]
    fn ptr(&self) -> *mut sys::MDB_env {
        self.0.as_ptr()
    }

    /// The size of the memory map in bytes.
    pub(super) fn map_size(&self) -> u64 {
        self.info().me_mapsize as u64
    }

    /// The number of the last page in use.
    pub(super) fn last_page(&self) -> u64 {
        self.info().me_last_pgno as u64
    }

    fn info(&self) -> sys::MDB_envinfo {
        let mut info = std::mem::MaybeUninit::<sys::MDB_envinfo>::zeroed();
        // SAFETY: the environment is open; mdb_env_info fills the struct.
        unsafe {
            sys::mdb_env_info(self.ptr(), info.as_mut_ptr());
            info.assume_init()
        }
    }

    /// The database page size.
    pub(super) fn page_size(&self) -> Result<u32, LmdbError> {
        let mut stat = std::mem::MaybeUninit::<sys::MDB_stat>::zeroed();
        // SAFETY: the environment is open; mdb_env_stat fills the struct on success.
        unsafe {
            check(sys::mdb_env_stat(self.ptr(), stat.as_mut_ptr()))?;
            Ok(stat.assume_init().ms_psize)
        }
    }

    /// Flushes the data file to disk, even under `MDB_NOSYNC` / `MDB_NOMETASYNC`.
    pub(super) fn sync(&self) -> Result<(), LmdbError> {
        // SAFETY: the environment is open.
        check(unsafe { sys::mdb_env_sync(self.ptr(), 1) })
    }

    /// Copies the latest commit into directory `dest` (existing, empty), compacted: free pages
    /// left out and pages renumbered. Runs in a read transaction, so writers go on.
    pub(super) fn copy_compacted(&self, dest: &Path) -> Result<(), LmdbError> {
        let dest = path_cstring(dest).ok_or(LmdbError(libc_einval()))?;
        // SAFETY: the environment is open; `dest` is NUL-terminated.
        check(unsafe { sys::mdb_env_copy2(self.ptr(), dest.as_ptr(), sys::MDB_CP_COMPACT) })
    }

    /// Frees the reader-table slots of processes that died with a snapshot open, so their old
    /// snapshots no longer hold pages back from reuse. Returns how many were freed.
    pub(super) fn clear_stale_readers(&self) -> Result<u32, LmdbError> {
        let mut dead: c_int = 0;
        // SAFETY: the environment is open; mdb_reader_check writes the count on success.
        check(unsafe { sys::mdb_reader_check(self.ptr(), &mut dead) })?;
        Ok(u32::try_from(dead).unwrap_or(0))
    }

    /// Sets a new map size.
    ///
    /// # Safety
    /// No transaction of this process may be open on the environment. A size of 0 adopts the
    /// size the last writer (in any process) recorded in the data file.
    pub(super) unsafe fn set_map_size(&self, size: usize) -> Result<(), LmdbError> {
        check(sys::mdb_env_set_mapsize(self.ptr(), size as _))
    }

    /// A read-only transaction on the latest commit.
    pub(super) fn begin_read(&self) -> Result<Txn, LmdbError> {
        self.begin(sys::MDB_RDONLY)
    }

    /// The write transaction (LMDB blocks until no other is open).
    pub(super) fn begin_write(&self) -> Result<Txn, LmdbError> {
        self.begin(0)
    }

    fn begin(&self, flags: c_uint) -> Result<Txn, LmdbError> {
        let mut raw: *mut sys::MDB_txn = ptr::null_mut();
        // SAFETY: the environment is open; on success `raw` is a live transaction we own.
        check(unsafe { sys::mdb_txn_begin(self.ptr(), ptr::null_mut(), flags, &mut raw) })?;
        Ok(Txn(NonNull::new(raw).ok_or(LmdbError(libc_einval()))?))
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        // SAFETY: every transaction of the environment is gone (see the module invariants).
        unsafe { sys::mdb_env_close(self.ptr()) }
    }
}

/// A table's handle inside an environment.
pub(super) type Dbi = sys::MDB_dbi;

/// A transaction, read-only or the write one; aborted on drop unless committed.
pub(super) struct Txn(NonNull<sys::MDB_txn>);

// SAFETY: read transactions are opened under MDB_NOTLS (not tied to a thread); the write
// transaction is never sent (the engine keeps it on the thread running the write body).
unsafe impl Send for Txn {}

impl Txn {
    #[inline]
    fn ptr(&self) -> *mut sys::MDB_txn {
        self.0.as_ptr()
    }

    /// Opens the named table, creating it when missing (in a write transaction), or `None`
    /// when it is missing and `create` is false (which a read transaction may ask). The handle
    /// is the environment's once the transaction commits.
    pub(super) fn open_table(&self, name: &str, create: bool) -> Result<Option<Dbi>, LmdbError> {
        let name = CString::new(name).map_err(|_| LmdbError(libc_einval()))?;
        let mut dbi: Dbi = 0;
        let flags = if create { sys::MDB_CREATE } else { 0 };
        // SAFETY: the transaction is live; `name` is NUL-terminated.
        match check(unsafe { sys::mdb_dbi_open(self.ptr(), name.as_ptr(), flags, &mut dbi) }) {
            Ok(()) => Ok(Some(dbi)),
            Err(LmdbError(sys::MDB_NOTFOUND)) if !create => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// The value under `key`.
    #[inline]
    pub(super) fn get(&self, dbi: Dbi, key: &[u8]) -> Result<Option<&[u8]>, LmdbError> {
        let (mut k, mut v) = (val(key), out());
        // SAFETY: the transaction is live; the value slice borrows `self`.
        match unsafe { sys::mdb_get(self.ptr(), dbi, &mut k, &mut v) } {
            0 => Ok(Some(unsafe { slice(&v) })),
            sys::MDB_NOTFOUND => Ok(None),
            rc => Err(LmdbError(rc)),
        }
    }

    /// Stores `value` under `key`; with `append`, in LMDB's append mode (`MDB_APPEND`: the key must
    /// sort after the last one, else `MDB_KEYEXIST` and nothing is written).
    pub(super) fn put(
        &mut self,
        dbi: Dbi,
        key: &[u8],
        value: &[u8],
        append: bool,
    ) -> Result<(), LmdbError> {
        let (mut k, mut v) = (val(key), val(value));
        let flags = if append { sys::MDB_APPEND } else { 0 };
        // SAFETY: a write transaction (the engine calls this only on the one from begin_write);
        // `&mut self` means no slice read through it is alive.
        check(unsafe { sys::mdb_put(self.ptr(), dbi, &mut k, &mut v, flags) })
    }

    /// Removes `key`; whether it was there.
    pub(super) fn delete(&mut self, dbi: Dbi, key: &[u8]) -> Result<bool, LmdbError> {
        let mut k = val(key);
        // SAFETY: as for `put`.
        match unsafe { sys::mdb_del(self.ptr(), dbi, &mut k, ptr::null_mut()) } {
            0 => Ok(true),
            sys::MDB_NOTFOUND => Ok(false),
            rc => Err(LmdbError(rc)),
        }
    }

    /// Commits (a failed commit has been aborted by LMDB).
    pub(super) fn commit(self) -> Result<(), LmdbError> {
        let raw = self.ptr();
        std::mem::forget(self);
        // SAFETY: the transaction is live and, forgotten, is not aborted again on drop.
        check(unsafe { sys::mdb_txn_commit(raw) })
    }

    /// Pages table `dbi` occupies (branch, leaf and overflow pages) and its entries.
    pub(super) fn table_pages(&self, dbi: Dbi) -> Result<(u64, u64), LmdbError> {
        // SAFETY: MDB_stat is plain old data; mdb_stat fills it for a live transaction.
        let mut stat: sys::MDB_stat = unsafe { std::mem::zeroed() };
        check(unsafe { sys::mdb_stat(self.ptr(), dbi, &mut stat) })?;
        let pages = stat.ms_branch_pages + stat.ms_leaf_pages + stat.ms_overflow_pages;
        Ok((pages as u64, stat.ms_entries as u64))
    }

    /// A cursor over table `dbi`, unpositioned.
    pub(super) fn cursor(&self, dbi: Dbi) -> Result<Cursor<'_>, LmdbError> {
        let mut raw: *mut sys::MDB_cursor = ptr::null_mut();
        // SAFETY: the transaction is live; the cursor borrows it.
        check(unsafe { sys::mdb_cursor_open(self.ptr(), dbi, &mut raw) })?;
        Ok(Cursor {
            raw,
            _txn: PhantomData,
        })
    }
}

impl Drop for Txn {
    fn drop(&mut self) {
        // SAFETY: the transaction is live (commit forgets it); its cursors borrowed it and are
        // gone.
        unsafe { sys::mdb_txn_abort(self.ptr()) }
    }
}

/// An LMDB cursor; keys and values it returns live as long as the transaction (`'t`).
pub(super) struct Cursor<'t> {
    raw: *mut sys::MDB_cursor,
    _txn: PhantomData<&'t Txn>,
}

/// A key and its value.
pub(super) type Entry<'t> = (&'t [u8], &'t [u8]);

impl<'t> Cursor<'t> {
    #[inline]
    fn op(
        &mut self,
        key: Option<&[u8]>,
        op: sys::MDB_cursor_op,
    ) -> Result<Option<Entry<'t>>, LmdbError> {
        let mut k = key.map_or_else(out, val);
        let mut v = out();
        // SAFETY: the cursor and its transaction are live; the slices borrow the transaction.
        match unsafe { sys::mdb_cursor_get(self.raw, &mut k, &mut v, op) } {
            0 => Ok(Some(unsafe { (slice(&k), slice(&v)) })),
            sys::MDB_NOTFOUND => Ok(None),
            rc => Err(LmdbError(rc)),
        }
    }

    /// The first entry.
    #[inline]
    pub(super) fn first(&mut self) -> Result<Option<Entry<'t>>, LmdbError> {
        self.op(None, sys::MDB_FIRST)
    }

    /// The last entry.
    #[inline]
    pub(super) fn last(&mut self) -> Result<Option<Entry<'t>>, LmdbError> {
        self.op(None, sys::MDB_LAST)
    }

    /// The entry after the current one (the first, on an unpositioned cursor).
    #[inline]
    pub(super) fn next(&mut self) -> Result<Option<Entry<'t>>, LmdbError> {
        self.op(None, sys::MDB_NEXT)
    }

    /// The entry before the current one (the last, on an unpositioned cursor).
    #[inline]
    pub(super) fn prev(&mut self) -> Result<Option<Entry<'t>>, LmdbError> {
        self.op(None, sys::MDB_PREV)
    }

    /// The first entry whose key is `>= key`. On a positioned cursor LMDB searches the current
    /// leaf page alone when the key falls inside it.
    #[inline]
    pub(super) fn seek(&mut self, key: &[u8]) -> Result<Option<Entry<'t>>, LmdbError> {
        if key.is_empty() {
            // LMDB refuses empty keys; every key is >= the empty one.
            return self.first();
        }
        self.op(Some(key), sys::MDB_SET_RANGE)
    }

    /// Appends `key` (with `value`) at the end of the table; `Err(MDB_KEYEXIST)` when it does
    /// not sort after the last key (nothing is written then).
    ///
    /// # Safety
    /// The cursor belongs to the write transaction, and no slice read through that transaction
    /// is alive.
    pub(super) unsafe fn append(&mut self, key: &[u8], value: &[u8]) -> Result<(), LmdbError> {
        let (mut k, mut v) = (val(key), val(value));
        check(sys::mdb_cursor_put(
            self.raw,
            &mut k,
            &mut v,
            sys::MDB_APPEND,
        ))
    }
}

impl Drop for Cursor<'_> {
    fn drop(&mut self) {
        // SAFETY: the cursor is live and its transaction still open (the borrow).
        unsafe { sys::mdb_cursor_close(self.raw) }
    }
}

/// `EINVAL` (22 on every platform LMDB runs on), for inputs LMDB would never accept (a path
/// with a NUL byte).
fn libc_einval() -> c_int {
    22
}

/// The directory path as C wants it.
fn path_cstring(path: &Path) -> Option<CString> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        CString::new(path.as_os_str().as_bytes()).ok()
    }
    #[cfg(not(unix))]
    {
        CString::new(path.to_str()?).ok()
    }
}
