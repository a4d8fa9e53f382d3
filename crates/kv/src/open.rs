//! Choosing and opening an engine from [`EngineOptions`], and the checks every on-disk engine
//! makes of its directory first.

use std::fs;
use std::io;
use std::path::Path;
use std::sync::Arc;

use crate::KvError;
use crate::{lmdb::LmdbEngine, memory::MemoryEngine, Engine, EngineKind, EngineOptions, Result};

/// The file that marks a directory as an LMDB database.
pub const LMDB_DATA_FILE: &str = "data.mdb";

/// The file that marks a directory as a RocksDB database (it names the current manifest).
pub const ROCKSDB_MARKER_FILE: &str = "CURRENT";

/// Opens the engine `options.engine` names: LMDB or RocksDB at `path`, the PostgreSQL schema
/// `options.postgres` names (which refuses a `path`: see `refuse_directory`), or a fresh memory
/// engine (which ignores `path`).
pub fn open_engine(path: Option<&Path>, options: &EngineOptions) -> Result<Arc<dyn Engine>> {
    let on_disk = || {
        path.ok_or_else(|| KvError::InvalidOption {
            name: "path".into(),
            reason: format!(
                "the {} engine needs a database directory",
                options.engine.as_str()
            ),
        })
    };
    match options.engine {
        EngineKind::Memory => Ok(Arc::new(MemoryEngine::new())),
        EngineKind::Lmdb => Ok(Arc::new(LmdbEngine::open(on_disk()?, options)?)),
        #[cfg(feature = "rocksdb")]
        EngineKind::Rocksdb => Ok(Arc::new(crate::rocksdb::RocksdbEngine::open(
            on_disk()?,
            options,
        )?)),
        #[cfg(not(feature = "rocksdb"))]
        EngineKind::Rocksdb => Err(KvError::InvalidOption {
            name: "engine".into(),
            reason: "the rocksdb engine is not built into this binary; build with \
                     `--features rocksdb` (needs libclang), or use lmdb or memory"
                .into(),
        }),
        EngineKind::Postgres => {
            refuse_directory(path)?;
            postgres(options, false)
        }
    }
}

/// The postgres engine keeps nothing in a directory: a caller that names one expects its own
/// database there (a benchmark's throwaway directory, the demo's), and opening the shared
/// database instead would write into it.
fn refuse_directory(path: Option<&Path>) -> Result<()> {
    match path {
        Some(path) => Err(KvError::InvalidOption {
            name: "engine".into(),
            reason: format!(
                "the postgres engine keeps its data on the server (DATOLITE_PG_URL), not in a \
                 directory: {} would not be used, and the shared database would be written \
                 instead; open it without a directory (Database::open_with, or --db \
                 postgres://…), or choose another engine for a directory",
                path.display()
            ),
        }),
        None => Ok(()),
    }
}

/// The PostgreSQL database `options` name, opened — or first created, with `init`.
#[cfg(feature = "postgres")]
fn postgres(options: &EngineOptions, init: bool) -> Result<Arc<dyn Engine>> {
    use crate::postgres::PostgresEngine;
    Ok(Arc::new(if init {
        PostgresEngine::init(options)?
    } else {
        PostgresEngine::open(options)?
    }))
}

/// The error for the postgres engine in a build without it.
#[cfg(not(feature = "postgres"))]
fn postgres(_options: &EngineOptions, _init: bool) -> Result<Arc<dyn Engine>> {
    Err(KvError::InvalidOption {
        name: "engine".into(),
        reason: "the postgres engine is not built into this binary; build with `--features \
                 postgres` (the datolite binary has it by default)"
            .into(),
    })
}

/// Creates a new, empty database where `options` point — a PostgreSQL schema (which opening
/// never creates), or an on-disk engine's directory — and opens it. An existing database is
/// an error that says so; nothing in it changes.
pub fn init_engine(path: Option<&Path>, options: &EngineOptions) -> Result<Arc<dyn Engine>> {
    match options.engine {
        EngineKind::Postgres => {
            refuse_directory(path)?;
            postgres(options, true)
        }
        EngineKind::Memory => open_engine(path, options),
        EngineKind::Lmdb | EngineKind::Rocksdb => {
            if let Some(path) = path {
                if let Some(found) = detect_engine(path) {
                    return Err(open_error(
                        path,
                        format!(
                            "it already holds a {} database; nothing was changed",
                            found.as_str()
                        ),
                    ));
                }
            }
            let creating = EngineOptions {
                create_if_missing: true,
                ..options.clone()
            };
            open_engine(path, &creating)
        }
    }
}

/// The on-disk engine whose files directory `path` holds, if any.
pub fn detect_engine(path: &Path) -> Option<EngineKind> {
    if path.join(LMDB_DATA_FILE).exists() {
        Some(EngineKind::Lmdb)
    } else if path.join(ROCKSDB_MARKER_FILE).exists() {
        Some(EngineKind::Rocksdb)
    } else {
        None
    }
}

/// Makes sure `path` is a usable directory for engine `kind`, creating it when missing and
/// allowed. A directory holding another engine's database is refused: opening it would show an
/// empty database instead of the data.
pub(crate) fn prepare_directory(
    path: &Path,
    create_if_missing: bool,
    kind: EngineKind,
) -> Result<()> {
    match fs::metadata(path) {
        Ok(meta) if meta.is_dir() => match detect_engine(path) {
            Some(found) if found != kind => Err(open_error(
                path,
                format!(
                    "it holds a {} database, not a {} one; open it with DATOLITE_ENGINE={}",
                    found.as_str(),
                    kind.as_str(),
                    found.as_str()
                ),
            )),
            None if !create_if_missing => Err(open_error(
                path,
                format!(
                    "the directory holds no database (no {}) and creating one was not asked for",
                    marker(kind)
                ),
            )),
            _ => Ok(()),
        },
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

/// The file that marks a database of `kind`.
fn marker(kind: EngineKind) -> &'static str {
    match kind {
        EngineKind::Rocksdb => ROCKSDB_MARKER_FILE,
        EngineKind::Lmdb | EngineKind::Memory | EngineKind::Postgres => LMDB_DATA_FILE,
    }
}

/// An [`KvError::Open`] for `path`.
pub(crate) fn open_error(path: &Path, reason: String) -> KvError {
    KvError::Open {
        path: path.to_path_buf(),
        reason,
    }
}

/// A human sentence for an I/O error, with a hint for the common cases.
pub(crate) fn describe(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::PermissionDenied => {
            "permission denied (check the owner and mode of the directory and its files)".into()
        }
        io::ErrorKind::NotADirectory => "a component of the path is not a directory".into(),
        io::ErrorKind::ReadOnlyFilesystem => "the file system is read-only".into(),
        io::ErrorKind::FileTooLarge => format!(
            "{error}: the data file would pass this process's file size limit (ulimit -f) or \
             the file system's; use a smaller DATOLITE_LMDB_MAP_SIZE with a write map"
        ),
        _ => error.to_string(),
    }
}
