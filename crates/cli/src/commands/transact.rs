//! `datolite --db DIR transact FILE|-`: one atomic transaction of EDN tx-data.

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::commands::{open_database, Create};
use crate::error::{Context, Result};
use crate::output::{self, Format};

/// Arguments of `transact`.
#[derive(Debug, Args)]
pub struct TransactArgs {
    /// File of EDN tx-data (a vector of entity maps and [:db/add e a v] forms), or `-` for stdin.
    #[arg(value_name = "FILE")]
    file: PathBuf,

    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// Runs `transact`.
pub fn run(db_path: Option<&Path>, args: TransactArgs) -> Result<()> {
    let (name, text) = read_input(&args.file)?;
    let database = open_database(db_path, Create::IfMissing)?;
    let report = database.transact(&text).context(|| name.clone())?;
    match args.format {
        Format::Edn | Format::Json => {
            output::print_data_text(args.format, datolite::tx_report_json(&report))
        }
        Format::Table => {
            let mut summary = output::table(&["tx", "t", "datoms"], &[0, 1, 2]);
            summary.add_row(vec![
                report.tx.to_string(),
                report.t.to_string(),
                report.tx_data.len().to_string(),
            ]);
            let mut text = summary.to_string();
            if !report.tempids.is_empty() {
                let mut tempids = output::table(&["tempid", "entity"], &[1]);
                for (tempid, id) in &report.tempids {
                    tempids.add_row(output::row(vec![tempid.clone(), id.to_string()]));
                }
                text = format!("{text}\n{tempids}");
            }
            output::print_text(&text)
        }
    }
}

/// The text of `file` (`-` is stdin), and the name to mention in errors.
fn read_input(file: &Path) -> Result<(String, String)> {
    if file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context(|| "cannot read stdin".to_string())?;
        Ok(("stdin".to_string(), text))
    } else {
        let name = file.display().to_string();
        let text = std::fs::read_to_string(file).context(|| format!("cannot read {name}"))?;
        Ok((name, text))
    }
}
