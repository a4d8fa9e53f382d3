//! `datolite demo`: builds a sample database of market data and shows the storage at work —
//! the first thing a new user runs (`cargo run --release -- demo`).
//!
//! The data: 20 symbols (`:symbol/ticker` unique identity, `:symbol/name`) and 1-minute OHLC
//! bars (`:bar/symbol` ref, `:bar/time` instant, `:bar/open :bar/high :bar/low :bar/close`
//! doubles from a deterministic random walk, `:bar/volume` long, `:bar/interval` "1m"). The
//! number of bars and transactions is chosen so the database holds exactly [`TARGET_DATOMS`]
//! datoms, counting the bootstrap schema and every transaction's `:db/txInstant`.
//!
//! A finished build is marked by a `:db/doc` on its last transaction, written in the same atomic
//! transaction as the last bars, so a database with the marker is complete and is reused; any
//! other database in the directory (interrupted build, other size) is rebuilt.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use datolite::{Database, DbQueries, EntityRef, Index, QueryResult, Tx, TxValue, Value};
use serde::Serialize;

use crate::commands::stats::{attribute_rows, attribute_table, AttrJson, AttrRow};
use crate::commands::storage_options;
use crate::error::{CliError, Context, Result};
use crate::measure::{measure_scans, ScanJson, ScanTimings};
use crate::output::{self, round3, Format};
use crate::progress::{self, Unit};
use crate::rng::XorShift;

/// Datoms the default demo database holds.
pub const TARGET_DATOMS: u64 = 124_000;

/// Bars per load transaction when the bar count is given (`--bars`).
const BARS_PER_TX: u64 = 2_000;

/// Runs per timing.
const RUNS: usize = 5;

/// First bar: the New York open of the first trading day of 2024, 2024-01-02T14:30:00Z.
const START_MS: i64 = 1_704_205_800_000;

/// The time-range query's window: 30 minutes from half an hour after the open.
const RANGE_MS: (i64, i64) = (START_MS + 30 * 60_000, START_MS + 60 * 60_000);

/// Files LMDB and datolite keep in a database directory: the only files `--rebuild` deletes.
const DATABASE_FILES: [&str; 3] = ["data.mdb", "lock.mdb", "datolite.lock"];

/// The attribute the demo counts in O(1).
const COUNTED_ATTRIBUTE: &str = ":bar/close";

/// The demo schema, declared in EDN as an application would.
const SCHEMA: &str = r#"[
 {:db/ident :symbol/ticker :db/valueType :db.type/string :db/cardinality :db.cardinality/one
  :db/unique :db.unique/identity :db/doc "Exchange ticker, e.g. AAPL"}
 {:db/ident :symbol/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one
  :db/doc "Company name"}
 {:db/ident :bar/symbol :db/valueType :db.type/ref :db/cardinality :db.cardinality/one
  :db/doc "The symbol this bar belongs to"}
 {:db/ident :bar/time :db/valueType :db.type/instant :db/cardinality :db.cardinality/one
  :db/doc "Start of the bar's interval"}
 {:db/ident :bar/open :db/valueType :db.type/double :db/cardinality :db.cardinality/one}
 {:db/ident :bar/high :db/valueType :db.type/double :db/cardinality :db.cardinality/one}
 {:db/ident :bar/low :db/valueType :db.type/double :db/cardinality :db.cardinality/one}
 {:db/ident :bar/close :db/valueType :db.type/double :db/cardinality :db.cardinality/one}
 {:db/ident :bar/volume :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
 {:db/ident :bar/interval :db/valueType :db.type/string :db/cardinality :db.cardinality/one
  :db/doc "Bar length, e.g. 1m"}
]"#;

/// Ticker, company name, and the price the random walk starts from.
const SYMBOLS: [(&str, &str, f64); 20] = [
    ("AAPL", "Apple Inc.", 185.64),
    ("MSFT", "Microsoft Corporation", 370.87),
    ("GOOGL", "Alphabet Inc.", 138.17),
    ("AMZN", "Amazon.com, Inc.", 149.93),
    ("NVDA", "NVIDIA Corporation", 481.68),
    ("META", "Meta Platforms, Inc.", 346.29),
    ("TSLA", "Tesla, Inc.", 248.42),
    ("BRK.B", "Berkshire Hathaway Inc.", 362.46),
    ("JPM", "JPMorgan Chase & Co.", 170.30),
    ("V", "Visa Inc.", 259.66),
    ("JNJ", "Johnson & Johnson", 156.02),
    ("WMT", "Walmart Inc.", 157.65),
    ("PG", "Procter & Gamble Co.", 146.28),
    ("XOM", "Exxon Mobil Corporation", 102.23),
    ("MA", "Mastercard Inc.", 423.89),
    ("HD", "The Home Depot, Inc.", 349.92),
    ("KO", "The Coca-Cola Company", 59.13),
    ("PEP", "PepsiCo, Inc.", 168.80),
    ("DIS", "The Walt Disney Company", 90.99),
    ("NFLX", "Netflix, Inc.", 468.50),
];

/// Arguments of `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Directory of the demo database, reused when it holds a complete demo build. (`--db` is
    /// ignored here, so the demo never touches a real database.)
    #[arg(long, value_name = "DIR", default_value = "./datolite-demo")]
    dir: PathBuf,

    /// Delete the demo database in --dir and build it again.
    #[arg(long)]
    rebuild: bool,

    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,

    /// Load exactly N bars instead of aiming at 124,000 datoms (for tests and experiments).
    #[arg(long, value_name = "N", hide = true, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    bars: Option<u64>,
}

/// How many bars to load.
#[derive(Clone, Copy, Debug)]
enum Plan {
    /// As many as make the database hold exactly this many datoms.
    Datoms(u64),
    /// Exactly this many bars, in transactions of [`BARS_PER_TX`].
    Bars(u64),
}

impl Plan {
    /// The `:db/doc` marking a complete build of this plan.
    fn marker(self) -> String {
        match self {
            Plan::Datoms(n) => format!("datolite demo v1: {n} datoms"),
            Plan::Bars(n) => format!("datolite demo v1: {n} bars"),
        }
    }

    /// Bars per transaction, given `base` datoms already in the database. Every transaction
    /// adds 8 datoms per bar plus its `:db/txInstant`, and the last one the marker, so for a
    /// datom target the number of transactions is what absorbs the remainder modulo 8.
    fn batches(self, base: u64) -> Result<Vec<u64>> {
        let (bars, transactions) = match self {
            Plan::Bars(n) => (n, n.div_ceil(BARS_PER_TX)),
            Plan::Datoms(target) => {
                let room = target.checked_sub(base + 1).filter(|&r| r > 8).ok_or_else(|| {
                    CliError::msg(format!("the demo target of {target} datoms is below the {base} datoms of its schema"))
                })?;
                let mut bars = room / 8;
                loop {
                    let transactions = room - 8 * bars;
                    if transactions >= bars.div_ceil(BARS_PER_TX).max(1) {
                        break (bars, transactions);
                    }
                    bars -= 1;
                }
            }
        };
        let (each, extra) = (bars / transactions, bars % transactions);
        Ok((0..transactions)
            .map(|i| each + u64::from(i < extra))
            .collect())
    }
}

/// What the build did (absent when an earlier build was reused).
struct Build {
    ms: f64,
    transactions: usize,
}

/// Runs `demo`.
pub fn run(args: DemoArgs) -> Result<()> {
    let options = storage_options()?;
    let plan = args.bars.map_or(Plan::Datoms(TARGET_DATOMS), Plan::Bars);
    let dir = args.dir.as_path();
    check_directory(dir)?;
    let mut database = Database::open(dir, options.clone())
        .context(|| format!("cannot open the demo database in {}", dir.display()))?;
    let complete = is_complete(&database, plan)?;
    let mut build = None;
    if args.rebuild || !complete {
        if database.db()?.basis_t() > 1 {
            // Something is there (an interrupted build, another size, or --rebuild): start over.
            drop(database);
            remove_database(dir)?;
            database = Database::open(dir, options)?;
        }
        build = Some(load(&database, plan)?);
    } else if args.format == Format::Table {
        eprintln!(
            "reusing the demo database in {} (pass --rebuild to build it again)",
            dir.display()
        );
    }
    let timings = measure_scans(&database, COUNTED_ATTRIBUTE, RUNS)?;
    let queries = run_queries(&database)?;
    report(
        &database,
        dir,
        build.as_ref(),
        &timings,
        &queries,
        args.format,
    )
}

/// One demo query: what it asks, its text and inputs, and what it measured.
struct DemoQuery {
    name: &'static str,
    what: String,
    query: &'static str,
    args: Vec<String>,
    ms: f64,
    runs: usize,
    result: QueryResult,
}

/// The demo's Datalog queries over the bars: a count, a time-range filter, an aggregate and
/// the same aggregate as a subquery per symbol.
fn demo_queries() -> Vec<(&'static str, String, &'static str, Vec<String>)> {
    let inst = |ms: i64| format!("#inst \"{}\"", datolite_edn::format_inst_millis(ms));
    vec![
        (
            "bar_count",
            "how many bars (an aggregate over one attribute)".to_string(),
            "[:find (count ?b) . :where [?b :bar/close _]]",
            vec![],
        ),
        (
            "time_range",
            "AAPL closes in a 30-minute window (#inst inputs, range predicates)".to_string(),
            "[:find ?t ?close :in $ ?ticker ?from ?to :where [?s :symbol/ticker ?ticker] [?b :bar/symbol ?s] [?b :bar/time ?t] [(>= ?t ?from)] [(< ?t ?to)] [?b :bar/close ?close]]",
            vec!["\"AAPL\"".to_string(), inst(RANGE_MS.0), inst(RANGE_MS.1)],
        ),
        (
            "max_high_per_day",
            "per symbol and day (UTC), the highest high: a grouped aggregate".to_string(),
            "[:find ?ticker ?day (max ?high) :where [?b :bar/symbol ?s] [?s :symbol/ticker ?ticker] [?b :bar/time ?t] [(day ?t) ?day] [?b :bar/high ?high]]",
            vec![],
        ),
        (
            "max_high_per_day_subquery",
            "the same through a subquery run once per symbol, its relation bound to [[?day ?max]]".to_string(),
            "[:find ?ticker ?day ?max :where [?s :symbol/ticker ?ticker] [(q [:find ?day (max ?h) :in $ ?s :where [?b :bar/symbol ?s] [?b :bar/time ?t] [(day ?t) ?day] [?b :bar/high ?h]] $ ?s) [[?day ?max]]]]",
            vec![],
        ),
    ]
}

/// Runs every demo query, best of [`RUNS`] (a single run when the first takes over a second).
fn run_queries(database: &Database) -> Result<Vec<DemoQuery>> {
    let db = database.db()?;
    let mut out = Vec::new();
    for (name, what, query, args) in demo_queries() {
        let inputs: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut best = f64::INFINITY;
        let mut runs = 0;
        let mut result = None;
        while runs < RUNS {
            let start = Instant::now();
            let r = db
                .q_edn(query, &inputs)
                .context(|| format!("demo query {name}"))?;
            let ms = start.elapsed().as_secs_f64() * 1000.0;
            best = best.min(ms);
            runs += 1;
            result = Some(r);
            if ms > 1000.0 {
                break;
            }
        }
        out.push(DemoQuery {
            name,
            what,
            query,
            args,
            ms: best,
            runs,
            result: result.ok_or_else(|| CliError::msg("no query run"))?,
        });
    }
    Ok(out)
}

/// A demo query as JSON.
#[derive(Debug, Serialize)]
struct QueryJson {
    name: &'static str,
    query: &'static str,
    args: Vec<String>,
    ms: f64,
    runs: usize,
    rows: usize,
    result: serde_json::Value,
}

impl DemoQuery {
    fn rows(&self) -> usize {
        self.result.row_count()
    }

    fn to_json(&self) -> QueryJson {
        QueryJson {
            name: self.name,
            query: self.query,
            args: self.args.clone(),
            ms: round3(self.ms),
            runs: self.runs,
            rows: self.rows(),
            result: serde_json::from_str(&datolite::result_json(&self.result))
                .unwrap_or(serde_json::Value::Null),
        }
    }
}

/// The demo queries, each with its text, inputs, timing and (the first rows of) its result.
fn query_report(queries: &[DemoQuery]) -> String {
    const SHOWN: usize = 6;
    let mut text = String::new();
    for q in queries {
        let result = datolite::result_edn(&q.result);
        let result = match &q.result {
            QueryResult::Relation(rows) if rows.len() > SHOWN => {
                let head = QueryResult::Relation(rows[..SHOWN].to_vec());
                let edn = datolite::result_edn(&head);
                format!("{} … ({} rows)]", &edn[..edn.len() - 1], rows.len())
            }
            _ => result,
        };
        let args = if q.args.is_empty() {
            String::new()
        } else {
            format!("\n    inputs {}", q.args.join(" "))
        };
        text.push_str(&format!(
            "\n  {} — {}\n    {}{args}\n    {} ms (best of {}) → {result}\n",
            q.name,
            q.what,
            q.query,
            output::ms(q.ms),
            q.runs,
        ));
    }
    text
}

/// Refuses directories that hold anything but a datolite database, since a rebuild deletes.
fn check_directory(dir: &Path) -> Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    if !dir.is_dir() {
        return Err(CliError::msg(format!(
            "--dir {} is not a directory",
            dir.display()
        )));
    }
    let entries = std::fs::read_dir(dir).context(|| format!("cannot read {}", dir.display()))?;
    for entry in entries {
        let name = entry
            .context(|| format!("cannot read {}", dir.display()))?
            .file_name();
        if !DATABASE_FILES.iter().any(|f| name == *f) {
            return Err(CliError::msg(format!(
                "{} holds {} and is not a datolite database; choose another --dir",
                dir.display(),
                name.to_string_lossy()
            )));
        }
    }
    Ok(())
}

/// Deletes the database files in `dir` (and nothing else, see [`check_directory`]).
fn remove_database(dir: &Path) -> Result<()> {
    for file in DATABASE_FILES {
        let path = dir.join(file);
        if path.exists() {
            std::fs::remove_file(&path).context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    Ok(())
}

/// Whether `database` holds a complete build of `plan` (its marker).
fn is_complete(database: &Database, plan: Plan) -> Result<bool> {
    let db = database.db()?;
    let marker = Value::String(plan.marker());
    Ok(db
        .scan(Index::Avet)
        .attribute(":db/doc")
        .value(&marker)
        .limit(1)
        .count()?
        > 0)
}

/// Builds the demo database: schema, symbols, then bars in batches with a progress bar.
fn load(database: &Database, plan: Plan) -> Result<Build> {
    let start = Instant::now();
    database.transact(SCHEMA)?;
    let mut tx = Tx::new();
    for (ticker, name, _) in SYMBOLS {
        let symbol = tx.tempid(ticker);
        tx.add(symbol.clone(), ":symbol/ticker", ticker);
        tx.add(symbol, ":symbol/name", name);
    }
    let report = database.transact_tx(&tx)?;
    let ids = SYMBOLS
        .iter()
        .map(|(ticker, _, _)| {
            report
                .tempids
                .get(*ticker)
                .copied()
                .ok_or_else(|| CliError::msg(format!("symbol {ticker} got no entity id")))
        })
        .collect::<Result<Vec<u64>>>()?;

    let batches = plan.batches(database.db()?.count()?)?;
    let bars: u64 = batches.iter().sum();
    let bar = progress::bar(bars, Unit::Items("bars"));
    bar.set_message("loading the demo database");
    let mut walk = Walk::new(ids);
    for (i, &size) in batches.iter().enumerate() {
        let mut tx = Tx::new();
        for _ in 0..size {
            walk.next_bar(&mut tx);
        }
        if i + 1 == batches.len() {
            tx.add(EntityRef::CurrentTx, ":db/doc", plan.marker());
        }
        database.transact_tx(&tx)?;
        bar.inc(size);
    }
    bar.finish_and_clear();
    Ok(Build {
        ms: start.elapsed().as_secs_f64() * 1000.0,
        transactions: batches.len(),
    })
}

/// Prices rounded to cents, as exchanges quote them.
fn cents(price: f64) -> f64 {
    (price * 100.0).round() / 100.0
}

/// The bar generator: minute by minute, one bar per symbol, each symbol's price a random walk.
struct Walk {
    rng: XorShift,
    ids: Vec<u64>,
    prices: Vec<f64>,
    next: u64,
}

impl Walk {
    fn new(ids: Vec<u64>) -> Self {
        Walk {
            rng: XorShift(0x9E37_79B9_7F4A_7C15),
            ids,
            prices: SYMBOLS.iter().map(|s| s.2).collect(),
            next: 0,
        }
    }

    /// Adds the next bar to `tx`.
    fn next_bar(&mut self, tx: &mut Tx) {
        let n = self.ids.len() as u64;
        let (s, minute) = ((self.next % n) as usize, (self.next / n) as i64);
        self.next += 1;
        let open = self.prices[s];
        // At most ±0.2% a minute, about what large caps move.
        let close = cents(open * (1.0 + (self.rng.unit() - 0.5) * 0.004)).max(0.01);
        let high = cents(open.max(close) * (1.0 + self.rng.unit() * 0.001));
        let low = cents(open.min(close) * (1.0 - self.rng.unit() * 0.001)).max(0.01);
        let volume = 100 * (1 + (self.rng.next() % 500) as i64);
        self.prices[s] = close;
        let attrs: Vec<(&str, TxValue)> = vec![
            (":bar/symbol", EntityRef::Id(self.ids[s]).into()),
            (
                ":bar/time",
                Value::Instant(START_MS + minute * 60_000).into(),
            ),
            (":bar/open", open.into()),
            (":bar/high", high.into()),
            (":bar/low", low.into()),
            (":bar/close", close.into()),
            (":bar/volume", volume.into()),
            (":bar/interval", "1m".into()),
        ];
        tx.map(None, attrs);
    }
}

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
struct DemoJson {
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
    attributes: Vec<AttrJson>,
    queries: Vec<QueryJson>,
}

/// Prints what the demo built and measured.
fn report(
    database: &Database,
    dir: &Path,
    build: Option<&Build>,
    t: &ScanTimings,
    queries: &[DemoQuery],
    format: Format,
) -> Result<()> {
    let db = database.db()?;
    let rows = attribute_rows(&db)?;
    let total = db.count()?;
    let bars = db.count_attribute(COUNTED_ATTRIBUTE)?;
    let symbols = db.count_attribute(":symbol/ticker")?;
    let size = database.size_on_disk()?;
    if format == Format::Json {
        return output::print_json(&DemoJson {
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
            attributes: rows.iter().map(AttrRow::to_json).collect(),
            queries: queries.iter().map(DemoQuery::to_json).collect(),
        });
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
        format!(
            "Try next:\n  datolite --db {dir_text} stats\n  datolite --db {dir_text} scan eavt --limit 10\n  \
             datolite --db {dir_text} scan aevt --attribute :bar/close --count\n  \
             datolite --db {dir_text} query '[:find ?name :where [_ :symbol/name ?name]]'\n  \
             datolite --db {dir_text} repl"
        )
    };
    let text = format!(
        "datolite demo: 1-minute OHLC bars of {symbols} stock symbols\n\
         \n  database   {dir_text}: {built}\n  datoms     {} total ({} bars × 8 attributes, plus symbols, schema and transaction instants)\n  storage    {} on disk (LMDB), basis t {}\n\
         \nStatistics, exact and updated in every write (what `count` questions and the query planner read)\n{stats}\n\
         \nScans of the EAVT index\n{scans}\n\
         \n  decoded / raw {:<9} {:.2}×  (the price of turning every key into a typed datom)\
         \n  parallel speedup        {:.2}×  ({} workers against 1; each worker reads the same snapshot)\n\
         \nDatalog queries (`datolite --db DIR query …`)\n{queries}\
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
    );
    output::print_text(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_is_the_2024_open() {
        assert_eq!(
            datolite_edn::format_inst_millis(START_MS),
            "2024-01-02T14:30:00.000Z"
        );
    }

    #[test]
    fn datom_target_is_met_exactly() {
        for base in [100u64, 173, 250, 333] {
            let batches = Plan::Datoms(TARGET_DATOMS).batches(base).expect("plan");
            let bars: u64 = batches.iter().sum();
            // 8 datoms per bar, one txInstant per transaction, one marker.
            assert_eq!(base + 8 * bars + batches.len() as u64 + 1, TARGET_DATOMS);
            assert!(batches.iter().all(|&b| b <= BARS_PER_TX));
        }
    }

    #[test]
    fn bar_plan_uses_fixed_batches() {
        assert_eq!(
            Plan::Bars(4_500).batches(0).expect("plan"),
            vec![1500, 1500, 1500]
        );
        assert_eq!(Plan::Bars(10).batches(0).expect("plan"), vec![10]);
    }
}
