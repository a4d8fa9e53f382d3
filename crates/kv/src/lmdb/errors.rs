//! Turning LMDB return codes into [`KvError`]s a user can act on.

use lmdb_master_sys as sys;

use super::ffi::LmdbError;
use crate::KvError;

impl LmdbError {
    /// Whether LMDB reported that the memory map is full (the write must be retried after
    /// growing).
    pub(super) fn is_map_full(self) -> bool {
        self.0 == sys::MDB_MAP_FULL
    }

    /// Whether another process grew the map past this process's mapping (the size must be
    /// adopted, with no transaction of this process open, before a transaction can begin).
    pub(super) fn is_map_resized(self) -> bool {
        self.0 == sys::MDB_MAP_RESIZED
    }

    /// Whether an append found a key that does not sort after the table's last key.
    pub(super) fn is_key_exist(self) -> bool {
        self.0 == sys::MDB_KEYEXIST
    }
}

/// Maps an LMDB code to a readable [`KvError`].
pub(super) fn from_lmdb(error: LmdbError) -> KvError {
    match error.0 {
        // Normally intercepted by the write retry loop; this is what is left if growing failed.
        sys::MDB_MAP_FULL => KvError::Full("the LMDB memory map is full".into()),
        sys::MDB_READERS_FULL => KvError::Snapshot(
            "all LMDB reader slots are in use: close long-lived snapshots or raise \
             DATOLITE_LMDB_MAX_READERS"
                .into(),
        ),
        sys::MDB_TXN_FULL => KvError::Engine(
            "the write transaction changed more pages than LMDB can hold in one transaction; \
             split it into smaller transactions"
                .into(),
        ),
        sys::MDB_BAD_VALSIZE => KvError::Engine(
            "LMDB rejected a key or value size (keys must be 1 to 511 bytes)".into(),
        ),
        sys::MDB_CORRUPTED | sys::MDB_PAGE_NOTFOUND => KvError::Engine(
            "the LMDB data file is corrupted (a page is missing or damaged); restore a backup"
                .into(),
        ),
        sys::MDB_VERSION_MISMATCH | sys::MDB_INVALID => KvError::Engine(
            "the directory holds an LMDB file of another version or a file that is not LMDB".into(),
        ),
        // Positive codes are errno values.
        code if code > 0 => KvError::Io(std::io::Error::from_raw_os_error(code)),
        _ => KvError::Engine(format!("LMDB: {}", error.message())),
    }
}
