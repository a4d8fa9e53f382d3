//! `datolite --db DIR log [--from POINT] [--to POINT] [--format table|edn|json]`: the
//! transactions of the log in order — each with its `t`, entity id, instant and the datoms it
//! asserted and retracted (Datomic's `tx-range`). POINT is a `t` (`42`), a transaction id or an
//! instant (`2024-05-01T12:00:00Z`, `#inst "2024-05-01"`); `--from` is inclusive, `--to`
//! exclusive.
//!
//! JSON (`docs/design.md`, §9 CLI/JSON contract): an array of
//! `{"t": 5, "tx": 13194139533317, "instant": "2024-05-01T12:00:00.000Z", "datoms":
//! [[e, ":attr/ident", v, tx, true|false], …]}`, values as everywhere else.

use std::io::Write;
use std::path::Path;

use clap::{Args, ValueEnum};
use datolite::{edn, Db, TimePoint, TxEntry};

use crate::commands::scan::attribute_ident;
use crate::commands::{open_database, Create};
use crate::error::Result;
use crate::output;

/// How `log` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One row per datom: t, tx, instant, e, a, v, added.
    Table,
    /// One map per transaction: `{:t 5 :tx … :instant #inst "…" :datoms [[e :a v tx added] …]}`.
    Edn,
    /// An array of transactions (see the module documentation).
    Json,
}

/// Arguments of `log`.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// First transaction (inclusive): a t, a transaction id or an instant.
    #[arg(long, value_name = "POINT", value_parser = point)]
    from: Option<TimePoint>,

    /// End of the range (exclusive): a t, a transaction id or an instant.
    #[arg(long, value_name = "POINT", value_parser = point)]
    to: Option<TimePoint>,

    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: LogFormat,
}

/// Reads a POINT argument (clap reports the error with the flag's name).
pub fn point(text: &str) -> std::result::Result<TimePoint, String> {
    TimePoint::parse(text).map_err(|e| e.to_string())
}

/// Runs `log`.
pub fn run(db_path: Option<&Path>, args: LogArgs) -> Result<()> {
    let database = open_database(db_path, Create::Never)?;
    let db = database.db()?;
    let entries = db.tx_range(args.from, args.to)?;
    match args.format {
        LogFormat::Json => {
            let txs: Vec<String> = entries
                .iter()
                .map(|t| datolite::tx_entry_json(&db, t))
                .collect();
            output::print_text(&output::json_text(format!("[{}]", txs.join(","))))
        }
        LogFormat::Edn => {
            let mut out = output::stdout();
            for t in &entries {
                writeln!(out, "{}", tx_edn(&db, t))?;
            }
            out.flush()?;
            Ok(())
        }
        LogFormat::Table => {
            // Streamed, as `scan`'s table: a long log prints without a second copy of it.
            let mut out = output::stdout();
            let mut table = output::StreamTable::new(
                &["t", "tx", "instant", "e", "a", "v", "added"],
                &[0, 1, 3],
            );
            for t in &entries {
                let instant = edn::format_inst_millis(t.instant);
                for d in &t.datoms {
                    table.row(
                        &mut out,
                        vec![
                            t.t.to_string(),
                            t.tx.to_string(),
                            instant.clone(),
                            d.e.to_string(),
                            attribute_ident(&db, d.a),
                            output::value_text_short(&d.v.as_ref(), 48),
                            d.added.to_string(),
                        ],
                    )?;
                }
            }
            table.finish(&mut out)?;
            out.flush()?;
            Ok(())
        }
    }
}

/// One transaction as an EDN map.
fn tx_edn(db: &Db, t: &TxEntry) -> String {
    let datoms: Vec<String> = t
        .datoms
        .iter()
        .map(|d| {
            format!(
                "[{} {} {} {} {}]",
                d.e,
                attribute_ident(db, d.a),
                d.v,
                d.tx,
                d.added
            )
        })
        .collect();
    format!(
        "{{:t {} :tx {} :instant #inst \"{}\" :datoms [{}]}}",
        t.t,
        t.tx,
        edn::format_inst_millis(t.instant),
        datoms.join(" ")
    )
}
