//! `datolite --db DIR backup DEST` and `datolite --db DIR restore BACKUP`: a consistent hot
//! copy of the database into the new directory DEST while writers go on, and a checked backup
//! copied into the new directory DIR.

use std::path::{Path, PathBuf};

use clap::Args;
use datolite::Database;

use crate::commands::{open_database, Create};
use crate::error::{CliError, Result};
use crate::output;

/// Arguments of `backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The new directory to write the copy to (it must not exist).
    #[arg(value_name = "DEST")]
    dest: PathBuf,
}

/// Arguments of `restore`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A directory `backup` wrote; it is checked before anything is copied.
    #[arg(value_name = "BACKUP")]
    backup: PathBuf,
}

/// Runs `backup`.
pub fn backup(db_path: Option<&Path>, args: BackupArgs) -> Result<()> {
    let database = open_database(db_path, Create::Never)?;
    database.backup(&args.dest)?;
    output::print_text(&format!("backed up to {}", args.dest.display()))
}

/// Runs `restore` into the `--db` directory.
pub fn restore(db_path: Option<&Path>, args: RestoreArgs) -> Result<()> {
    let Some(dest) = db_path else {
        return Err(CliError::Usage(
            "restore needs the directory to restore into: pass --db DIR (a new directory)".into(),
        ));
    };
    if dest.to_str().is_some_and(datolite_kv::is_postgres_url) {
        return Err(CliError::msg(
            "restore writes a database directory, and --db names a PostgreSQL server: restore \
             into a directory, then `datolite --db DIR export` and `datolite --db postgres://… \
             import` the export into the shared database",
        ));
    }
    Database::restore(&args.backup, dest)?;
    output::print_text(&format!(
        "restored {} into {}",
        args.backup.display(),
        dest.display()
    ))
}
