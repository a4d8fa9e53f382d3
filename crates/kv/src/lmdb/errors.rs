//! Turning `heed` errors into [`KvError`]s a user can act on.

use heed::MdbError;

use crate::KvError;

/// Whether LMDB reported that the memory map is full (the write must be retried after growing).
pub(super) fn is_map_full(error: &heed::Error) -> bool {
    matches!(error, heed::Error::Mdb(MdbError::MapFull))
}

/// Maps a `heed` error to a readable [`KvError`].
pub(super) fn from_heed(error: heed::Error) -> KvError {
    match error {
        heed::Error::Io(error) => KvError::Io(error),
        // Normally intercepted by the write retry loop; this is what is left if growing failed.
        heed::Error::Mdb(MdbError::MapFull) => KvError::Full("the LMDB memory map is full".into()),
        heed::Error::Mdb(MdbError::ReadersFull) => KvError::Snapshot(
            "all LMDB reader slots are in use: close long-lived snapshots or raise \
             DATOLITE_LMDB_MAX_READERS"
                .into(),
        ),
        heed::Error::Mdb(MdbError::TxnFull) => KvError::Engine(
            "the write transaction changed more pages than LMDB can hold in one transaction; \
             split it into smaller transactions"
                .into(),
        ),
        heed::Error::Mdb(MdbError::BadValSize) => KvError::Engine(
            "LMDB rejected a key or value size (keys must be 1 to 511 bytes)".into(),
        ),
        heed::Error::Mdb(MdbError::Corrupted | MdbError::PageNotFound) => KvError::Engine(
            "the LMDB data file is corrupted (a page is missing or damaged); restore a backup"
                .into(),
        ),
        heed::Error::Mdb(MdbError::VersionMismatch | MdbError::Invalid) => KvError::Engine(
            "the directory holds an LMDB file of another version or a file that is not LMDB".into(),
        ),
        heed::Error::Mdb(error) => KvError::Engine(format!("LMDB: {error}")),
        heed::Error::EnvAlreadyOpened => {
            KvError::Engine("the LMDB environment is already open in this process".into())
        }
        heed::Error::Encoding(error) => KvError::Engine(format!("LMDB key encoding: {error}")),
        heed::Error::Decoding(error) => KvError::Engine(format!("LMDB value decoding: {error}")),
    }
}
