//! `datolite --db DIR|postgres://… init`: creates a new, empty database — the PostgreSQL schema
//! (`DATOLITE_PG_SCHEMA`, default `datolite`) of a shared database, which opening never
//! creates, or a database directory — and says what it made. An existing database is an error
//! and stays as it was.

use std::path::Path;

use clap::Args;
use datolite::Database;

use crate::commands::{shared_storage, storage_options};
use crate::error::{CliError, Result};

/// Arguments of `init` (none: `--db` and the `DATOLITE_*` variables say where).
#[derive(Debug, Args)]
pub struct InitArgs {}

/// Runs `init`.
pub fn run(db: Option<&Path>, _args: InitArgs) -> Result<()> {
    let options = storage_options()?;
    let (options, place) = match shared_storage(db, &options)? {
        Some(options) => {
            let place = format!(
                "schema {} of {}",
                options.kv.postgres.schema,
                options
                    .kv
                    .postgres
                    .url
                    .as_deref()
                    .map(datolite_kv::redact_url)
                    .unwrap_or_default()
            );
            (options, place)
        }
        None => {
            let Some(path) = db else {
                return Err(CliError::Usage(
                    "init needs a place: pass --db DIR or --db postgres://user@host:port/dbname"
                        .into(),
                ));
            };
            let mut options = options;
            options.kv.path = Some(path.to_path_buf());
            if options.kv.engine == datolite::EngineKind::Memory {
                return Err(CliError::msg(
                    "DATOLITE_ENGINE=memory keeps nothing: there is no database to create; \
                     unset DATOLITE_ENGINE",
                ));
            }
            (options, path.display().to_string())
        }
    };
    let database = Database::init(options)?;
    let db = database.db()?;
    println!(
        "created an empty {} database in {place} (basis t {}, {} datoms of the bootstrap schema)",
        database.store().engine().name(),
        db.basis_t(),
        db.count()?
    );
    Ok(())
}
