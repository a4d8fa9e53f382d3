//! What `demo` prints: the scan table (shared with `bench scan`) and the text or JSON report.

use std::path::Path;

use datolite::Database;
use serde::Serialize;

use super::data::Build;
use super::queries::{query_report, DemoQuery, QueryJson};
use super::time::{time_report, TimeJson};
use super::{COUNTED_ATTRIBUTE, RUNS};
use crate::commands::stats::{attr_json, attribute_rows, attribute_table, AttrRow};
use crate::error::Result;
use crate::measure::{ScanJson, ScanTimings};
use crate::output::{self, round3, Format};

/// The scan timings as a table (shared with `bench scan`).
pub fn scan_table(t: &ScanTimings, runs: usize) -> comfy_table::Table {
    let best = format!("best of {runs} (ms)");
    let mut table = output::table(&["scan", "how", "datoms", &best, "rate"], &[2, 3, 4]);
    let mut row = |name: &str, how: String, datoms: u64, ms: f64, rate: String| {
        table.add_row(vec![
            name.to_string(),
            how,
            output::thousands(datoms),
            output::ms(ms),
            rate,
        ]);
    };
    row(
        "full scan, decoded",
        "EAVT for_each: every datom decoded, every value read".into(),
        t.datoms,
        t.scan_decoded_ms,
        output::rate(t.datoms, t.scan_decoded_ms),
    );
    row(
        "key-only count",
        "EAVT for_each_key: keys counted, nothing decoded".into(),
        t.datoms,
        t.scan_keys_only_ms,
        output::rate(t.datoms, t.scan_keys_only_ms),
    );
    row(
        "parallel scan, decoded",
        format!(
            "EAVT parallel({}).fold: ranges split over workers",
            t.workers
        ),
        t.datoms,
        t.parallel_scan_ms,
        output::rate(t.datoms, t.parallel_scan_ms),
    );
    row(
        "total count",
        "db.count(): read from statistics".into(),
        t.datoms,
        t.count_ms,
        "O(1)".into(),
    );
    row(
        "attribute count",
        format!(
            "db.count_attribute(\"{}\"): from statistics",
            t.count_attr.0
        ),
        t.count_attr.1,
        t.count_attr_ms,
        "O(1)".into(),
    );
    row(
        &format!("raw {} scan", t.engine),
        "bare engine cursor, nothing decoded (reference)".into(),
        t.datoms,
        t.raw_engine_scan_ms,
        output::rate(t.datoms, t.raw_engine_scan_ms),
    );
    table
}

/// The JSON of `demo`.
#[derive(Debug, Serialize)]
struct DemoJson<'a> {
    dir: String,
    built: bool,
    build_ms: Option<f64>,
    datoms: u64,
    bars: u64,
    symbols: u64,
    basis_t: u64,
    size_on_disk_bytes: u64,
    /// Runs per timing (the best is reported).
    runs: usize,
    scans: ScanJson,
    attributes: Vec<Box<serde_json::value::RawValue>>,
    queries: Vec<QueryJson>,
    time: &'a TimeJson,
}

/// Prints what the demo built and measured.
pub(super) fn report(
    database: &Database,
    dir: &Path,
    build: Option<&Build>,
    t: &ScanTimings,
    queries: &[DemoQuery],
    time: &TimeJson,
    format: Format,
) -> Result<()> {
    let db = database.db()?;
    let rows = attribute_rows(&db)?;
    let total = db.count()?;
    let bars = db.count_attribute(COUNTED_ATTRIBUTE)?;
    let symbols = db.count_attribute(":symbol/ticker")?;
    let size = database.size_on_disk()?;
    if format != Format::Table {
        return output::print_data(
            format,
            &DemoJson {
                dir: dir.display().to_string(),
                built: build.is_some(),
                build_ms: build.map(|b| round3(b.ms)),
                datoms: total,
                bars,
                symbols,
                basis_t: db.basis_t(),
                size_on_disk_bytes: size,
                runs: RUNS,
                scans: t.to_json(),
                attributes: rows.iter().map(attr_json).collect(),
                queries: queries.iter().map(DemoQuery::to_json).collect(),
                time,
            },
        );
    }

    // Application attributes and the transaction instants; the bootstrap schema is summed up in
    // one row so the counts still add up to the total.
    let shown: Vec<AttrRow> = rows
        .iter()
        .filter(|r| !r.ident.starts_with(":db") || r.ident == ":db/txInstant")
        .cloned()
        .collect();
    let system: u64 = total - shown.iter().map(|r| r.count).sum::<u64>().min(total);
    let mut stats = attribute_table(&shown, false);
    stats.add_row(vec![
        "(schema and system datoms)".to_string(),
        output::thousands(system),
    ]);

    let built = match build {
        Some(b) => format!(
            "built in {:.2} s ({} transaction{} of bars)",
            b.ms / 1000.0,
            b.transactions,
            if b.transactions == 1 { "" } else { "s" }
        ),
        None => "reused from an earlier run (pass --rebuild to build it again)".to_string(),
    };
    let dir_text = dir.display().to_string();
    let next = if t.engine == "memory" {
        "The memory engine (DATOLITE_ENGINE=memory) keeps nothing: the database is gone now."
            .to_string()
    } else {
        let run = format!("{} --db {dir_text}", crate::commands::invocation());
        format!(
            "Try next:\n  {run} stats\n  {run} scan eavt --limit 10\n  \
             {run} scan aevt --attribute :bar/close --count\n  \
             {run} query '[:find ?name :where [_ :symbol/name ?name]]'\n  \
             {run} repl"
        )
    };
    let text = format!(
        "datolite demo: 1-minute OHLC bars of {symbols} stock symbols\n\
         \n  database   {dir_text}: {built}\n  datoms     {} total ({} bars × 8 attributes, plus symbols, schema and transaction instants)\n  storage    {} on disk (LMDB), basis t {}\n\
         \nStatistics, exact and updated in every write (what `count` questions and the query planner read)\n{stats}\n\
         \nScans of the EAVT index\n{scans}\n\
         \n  decoded / raw {:<9} {:.2}×  (the price of turning every key into a typed datom)\
         \n  parallel speedup        {:.2}×  ({} workers against 1; each worker reads the same snapshot)\n\
         \nDatalog queries (`datolite --db DIR query …`)\n{queries}{time}\
         \n{next}",
        output::thousands(total),
        output::thousands(bars),
        output::bytes(size),
        db.basis_t(),
        t.engine,
        t.ratio_decoded_to_raw(),
        t.parallel_speedup(),
        t.workers,
        scans = scan_table(t, RUNS),
        queries = query_report(queries),
        time = time_report(time, &dir_text),
    );
    output::print_text(&text)
}
