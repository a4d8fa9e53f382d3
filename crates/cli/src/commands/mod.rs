//! One module per subcommand, plus opening the database they share.

pub mod backup;
pub mod bench;
pub mod bench_ablation;
pub mod bench_engines;
pub mod bench_import;
pub mod bench_ohlc;
pub mod bench_parallel;
pub mod bench_query;
pub mod bench_report;
pub mod bench_scan_engines;
pub mod bench_serve;
pub mod bench_time;
pub mod bench_tx;
pub mod check;
pub mod demo;
pub mod explain;
pub mod export;
pub mod graph;
pub mod import;
pub mod init;
pub mod limits;
pub mod log;
pub mod people;
pub mod pull;
pub mod query;
pub mod repl;
pub mod scan;
pub mod serve;
pub mod stats;
pub mod time;
pub mod timing;
pub mod transact;
pub mod tune;

use std::path::Path;

use datolite::{Database, EngineKind, StoreOptions};
use datolite_kv::{detect_engine, LMDB_DATA_FILE, ROCKSDB_MARKER_FILE};

use crate::error::{CliError, Result};

/// Whether a command may create the database directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Create {
    /// Writers (`transact`, `import`) start a database where there is none.
    IfMissing,
    /// Readers (`stats`, `scan`) must not leave an empty database behind after a typo.
    Never,
}

/// Storage options from the `DATOLITE_*` environment variables; an invalid variable is an error
/// naming it.
pub fn storage_options() -> Result<StoreOptions> {
    Ok(StoreOptions::from_env()?)
}

/// Opens the database `--db` names — a directory, or a `postgres://` URL — with options from
/// the environment.
pub fn open_database(db: Option<&Path>, create: Create) -> Result<Database> {
    let mut options = storage_options()?;
    if let Some(options) = shared_storage(db, &options)? {
        // A shared database is never created by opening it: `init` does that.
        return Ok(Database::open_with(options)?);
    }
    let Some(path) = db else {
        return Err(CliError::Usage(
            "this command needs a database: pass --db DIR (before or after the command name) or set DATOLITE_DB".into(),
        ));
    };
    if options.kv.engine == EngineKind::Memory {
        return Err(CliError::msg(format!(
            "DATOLITE_ENGINE=memory keeps nothing on disk, so --db {} would not be used (and \
             whatever this command wrote would be gone when it exits); unset DATOLITE_ENGINE to \
             use the database there",
            path.display()
        )));
    }
    if path.exists() && !path.is_dir() {
        return Err(CliError::msg(format!(
            "--db {} is not a directory (a datolite database is a directory holding data.mdb)",
            path.display()
        )));
    }
    // An existing database is opened with the engine that wrote it unless DATOLITE_ENGINE
    // names one (then a mismatch is an error that says which engine the directory holds).
    let engine_named = std::env::var_os("DATOLITE_ENGINE").is_some_and(|v| !v.is_empty());
    let found = detect_engine(path);
    if let (false, Some(kind)) = (engine_named, found) {
        options.kv.engine = kind;
    }
    if create == Create::Never {
        if !path.exists() {
            return Err(CliError::msg(format!(
                "no database at {}: the directory does not exist (create one with `datolite --db DIR transact FILE` or `import`)",
                path.display()
            )));
        }
        // Opening would bootstrap a fresh database inside any existing directory.
        if found.is_none() {
            return Err(CliError::msg(format!(
                "no datolite database in {} (it has neither {LMDB_DATA_FILE}, LMDB's, nor \
                 {ROCKSDB_MARKER_FILE}, RocksDB's)",
                path.display()
            )));
        }
        options.kv.create_if_missing = false;
    }
    Ok(Database::open(path, options)?)
}

/// `options` pointed at the PostgreSQL database `db` names (a `postgres://` URL), or at the
/// one `DATOLITE_ENGINE=postgres` and `DATOLITE_PG_URL` name when there is no `--db`; `None`
/// for a directory. A URL with another engine named, or a directory with the postgres engine named,
/// is an error: either would open something other than what the user meant.
pub fn shared_storage(db: Option<&Path>, options: &StoreOptions) -> Result<Option<StoreOptions>> {
    let url = db
        .and_then(Path::to_str)
        .filter(|text| datolite_kv::is_postgres_url(text));
    let engine_named = std::env::var_os("DATOLITE_ENGINE").is_some_and(|v| !v.is_empty());
    match (url, db) {
        (Some(url), _) => {
            if engine_named && options.kv.engine != EngineKind::Postgres {
                return Err(CliError::msg(format!(
                    "--db {} names a PostgreSQL server, but DATOLITE_ENGINE={}; unset \
                     DATOLITE_ENGINE or set it to postgres",
                    datolite_kv::redact_url(url),
                    options.kv.engine.as_str()
                )));
            }
            let mut options = options.clone();
            options.kv.engine = EngineKind::Postgres;
            options.kv.postgres.url = Some(url.to_string());
            Ok(Some(options))
        }
        (None, Some(path)) if options.kv.engine == EngineKind::Postgres => {
            Err(CliError::msg(format!(
                "DATOLITE_ENGINE=postgres keeps the data in PostgreSQL, but --db {} is a \
                 directory; pass --db postgres://user@host:port/dbname (or set DATOLITE_PG_URL \
                 and leave out --db)",
                path.display()
            )))
        }
        (None, None) if options.kv.engine == EngineKind::Postgres => Ok(Some(options.clone())),
        (None, _) => Ok(None),
    }
}

/// `--db` as messages and reports show it: a directory's path, or a server's URL with its
/// password hidden.
pub fn shown(db: &Path) -> String {
    datolite_kv::redact_url(&db.display().to_string())
}

/// How the user can run this binary again, for commands a report suggests: `datolite` when
/// that is what `PATH` finds, `cargo run --release --` (or `cargo run --`) for a binary in a
/// cargo `target` directory (the README's `cargo run --release -- demo`), else the binary's path.
pub fn invocation() -> String {
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| p.canonicalize().ok());
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("datolite"))
            .find(|p| p.is_file())
            .and_then(|p| p.canonicalize().ok())
    });
    invocation_for(exe.as_deref(), on_path.as_deref())
}

/// [`invocation`] for a binary at `exe` when `PATH` finds `datolite` at `on_path`.
fn invocation_for(exe: Option<&Path>, on_path: Option<&Path>) -> String {
    let Some(exe) = exe else {
        return "datolite".into();
    };
    if on_path == Some(exe) {
        return "datolite".into();
    }
    let profile = exe.parent().and_then(Path::file_name);
    let in_target = exe
        .parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .is_some_and(|name| name == "target");
    match profile.and_then(|p| p.to_str()) {
        Some("release") if in_target => "cargo run --release --".into(),
        Some("debug") if in_target => "cargo run --".into(),
        _ => {
            let path = exe.display().to_string();
            if path
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c))
            {
                path
            } else {
                format!("'{}'", path.replace('\'', r"'\''"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::invocation_for;
    use std::path::Path;

    #[test]
    fn invocations_that_run_as_printed() {
        let release = Path::new("/src/datolite/target/release/datolite");
        let debug = Path::new("/src/datolite/target/debug/datolite");
        let installed = Path::new("/usr/local/bin/datolite");
        assert_eq!(invocation_for(Some(installed), Some(installed)), "datolite");
        assert_eq!(
            invocation_for(Some(release), None),
            "cargo run --release --"
        );
        assert_eq!(
            invocation_for(Some(release), Some(installed)),
            "cargo run --release --"
        );
        assert_eq!(invocation_for(Some(debug), None), "cargo run --");
        assert_eq!(
            invocation_for(Some(installed), None),
            "/usr/local/bin/datolite"
        );
        assert_eq!(
            invocation_for(Some(Path::new("/opt/my tools/datolite")), None),
            "'/opt/my tools/datolite'"
        );
        assert_eq!(invocation_for(None, None), "datolite");
    }
}
