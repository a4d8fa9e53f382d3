//! Growing the memory map when a write finds it full, and adopting the size another process
//! grew it to.
//!
//! LMDB remaps only with no transaction of the process open (a remap moves the mapping every
//! slice a snapshot handed out points into), and the new size reaches other processes through
//! the data file's meta page: their next transaction finds the data beyond their mapping
//! (`MDB_MAP_RESIZED`) and they adopt the recorded size the same way.

use std::sync::PoisonError;
use std::time::Duration;

use super::ffi::LmdbError;
use super::{round_to_pages, Shared};
use crate::{KvError, Result};

impl Shared {
    /// Grows the map by `map_growth` (at least doubling it).
    ///
    /// The caller holds the writer mutex and has aborted its write transaction. This blocks new
    /// snapshots, waits up to `grow_wait_ms` for open ones to close, then remaps
    /// ([`Shared::quiesced`]).
    pub(super) fn grow(&self) -> Result<()> {
        let busy = |open| {
            KvError::Full(format!(
                "the database map ({}) is full and cannot grow while {open} snapshot(s) of this \
                 process stay open (waited {} ms); close long-lived snapshots (database values) \
                 before writing, or reopen with a larger DATOLITE_LMDB_MAP_SIZE",
                human(self.env.map_size()),
                self.options.grow_wait_ms,
            ))
        };
        self.quiesced(busy, || self.remap_larger())
    }

    /// The remap of [`Shared::grow`], run quiesced.
    fn remap_larger(&self) -> Result<()> {
        let current = self.env.map_size();
        // Another process may have grown the map already: its size is then enough to retry.
        // SAFETY: as for the remap below.
        if unsafe { self.adopt_recorded_size() }? > current {
            return Ok(());
        }
        let factor = self.options.map_growth.max(2);
        let target = current
            .checked_mul(factor)
            .and_then(round_to_pages)
            .and_then(|size| usize::try_from(size).ok())
            .ok_or_else(|| {
                KvError::Full(format!(
                    "the database map ({}) is full and cannot grow {factor}-fold on this platform",
                    human(current)
                ))
            })?;
        // SAFETY: LMDB requires that no transaction of this process be open during
        // `mdb_env_set_mapsize`, because the remap invalidates every pointer into the old map.
        // - Write transactions: only `LmdbEngine::write` opens them, under the writer mutex our
        //   caller holds, and it dropped (aborted) its transaction before calling us.
        // - Read transactions: every one is opened through `LmdbSnapshot::open` (including the
        //   raw benchmark scan), which counts it in `readers` while holding the grow gate's read
        //   lock. We hold the write lock, so none can start, and the count is zero, so none is
        //   open. The table-creating transaction at open time committed long ago.
        // - Other processes keep their own mappings, which stay valid (the file only grows);
        //   they adopt the new size when their next transaction finds data beyond theirs.
        unsafe { self.env.set_map_size(target) }.map_err(|error| {
            KvError::Full(format!(
                "the database map is full and growing it from {} to {} failed: {}",
                human(current),
                human(target as u64),
                error.message()
            ))
        })
    }

    /// Runs `open` (which begins a read transaction) with the grow gate's read side held, so
    /// no remap starts meanwhile; when another process grew the map past this process's
    /// mapping (`MDB_MAP_RESIZED`), adopts the new size and runs it again. Any other LMDB error
    /// comes back for the caller to phrase.
    pub(super) fn open_reading<T>(
        &self,
        mut open: impl FnMut() -> std::result::Result<T, LmdbError>,
    ) -> Result<std::result::Result<T, LmdbError>> {
        loop {
            let opened = {
                let _gate = self
                    .grow_gate
                    .read()
                    .unwrap_or_else(PoisonError::into_inner);
                open()
            };
            match opened {
                Err(error) if error.is_map_resized() => self.adopt_map_size()?,
                other => return Ok(other),
            }
        }
    }

    /// Adopts the map size another process grew the map to: LMDB refused to begin a
    /// transaction (`MDB_MAP_RESIZED`). Blocks new snapshots and waits up to `grow_wait_ms` for
    /// this process's open ones to close, as growing does.
    pub(super) fn adopt_map_size(&self) -> Result<()> {
        let busy = |open| {
            KvError::Snapshot(format!(
                "another process grew the database map; this process can adopt the new size only \
                 with no snapshot open, and {open} snapshot(s) stayed open for {} ms; close \
                 long-lived snapshots (database values) sooner",
                self.options.grow_wait_ms
            ))
        };
        // SAFETY: quiesced (see `remap_larger`); a write transaction is only ever begun after
        // this returns.
        self.quiesced(busy, || unsafe { self.adopt_recorded_size() }.map(|_| ()))
    }

    /// Runs `remap` with no read transaction of this process open and none able to start: it
    /// holds the grow gate's write side (`read`, `read_group`, backups and raw scans take the
    /// read side before counting a reader) and waits up to `grow_wait_ms` for the open ones to
    /// close, else fails with `busy(still open)`.
    fn quiesced<T>(
        &self,
        busy: impl FnOnce(usize) -> KvError,
        remap: impl FnOnce() -> Result<T>,
    ) -> Result<T> {
        let _gate = self
            .grow_gate
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let wait = Duration::from_millis(self.options.grow_wait_ms);
        self.readers.wait_for_zero(wait).map_err(busy)?;
        remap()
    }

    /// Sets the map to the size recorded in the data file, unless that is smaller than the
    /// current one (the last writer may have opened with a smaller map). Returns the new size.
    ///
    /// # Safety
    /// No transaction of this process may be open, and none may begin meanwhile.
    unsafe fn adopt_recorded_size(&self) -> Result<u64> {
        let current = self.env.map_size();
        let failed = |error: LmdbError| {
            KvError::Engine(format!(
                "cannot adopt the database map size another process set: {}",
                error.message()
            ))
        };
        self.env.set_map_size(0).map_err(failed)?;
        if self.env.map_size() < current {
            let current = usize::try_from(current).unwrap_or(usize::MAX);
            self.env.set_map_size(current).map_err(failed)?;
        }
        Ok(self.env.map_size())
    }
}

/// Bytes in the largest binary unit that keeps the number at least 1, e.g. `1.5 GiB`.
pub(super) fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
