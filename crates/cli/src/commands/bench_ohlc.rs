//! `datolite bench ohlc [--size small|medium|large] [--runs R] [--format table|edn|json]`: the
//! market-data shape users analyse — hourly OHLC bars of many symbols — loaded into a fresh
//! temporary database, then four typical queries timed.
//!
//! **The data.** Symbols `SYM000`, `SYM001`, … (`:symbol/ticker`, a unique identity) and, for
//! every symbol and every hour from 2024-01-01T00:00Z on, one bar: `:bar/symbol` (ref),
//! `:bar/time` (instant, the start of the hour), `:bar/open :bar/high :bar/low :bar/close`
//! (doubles, in cents) and `:bar/volume` (long) — 7 datoms a bar. Each symbol's price is a
//! random walk (at most ±0.5% an hour, from starts spread over 20–500) from a fixed xorshift
//! seed, so every run loads the same data; a bar opens at the previous close, and its high and
//! low lie beyond the open and the close (`high ≥ max(open, close)`, `low ≤ min(open, close)`).
//! The sizes (see [`Size`]): small 10 symbols × 30 days, medium 50 × 90, large 100 × 595 (the
//! most whole days of 100 symbols' hourly bars that stay under 10 million datoms: 1,428,000
//! bars, 9,996,000 bar datoms plus the symbols, the schema and the transaction instants).
//! Everything is loaded with [`Database::bulk_load`] (one atomic write; the fast path), in
//! transactions of [`BARS_PER_TX`] bars (about 100,000 datoms each); the load is timed once.
//!
//! **The queries** (Datomic-dialect Datalog), each run once untimed, then timed `--runs` times
//! (median; see `timing.rs`):
//! 1. `latest_close` — the last close of every symbol: a subquery finds each symbol's latest
//!    bar time with the `max` aggregate, and the outer query joins back to that bar's close.
//! 2. `daily_high_low` — per symbol and day of January 2024, the highest high and the lowest
//!    low, grouped by a subquery (the `max` and `min` aggregates). The dialect has no function
//!    truncating an instant to its day, and no way to get an instant's epoch milliseconds for
//!    arithmetic (`quot` and `mod` take integers only), but it has `year month day hour minute
//!    second` (UTC parts of an instant): the subquery keeps the bars in `[2024-01-01,
//!    2024-02-01)` with range predicates on the instant and groups by `(day ?t)`, the day of
//!    the month, which names the day uniquely inside one month. No attribute was added for it.
//! 3. `range_filter` — every bar of one week (2024-01-08 to 2024-01-15) whose close is above
//!    100.0: range predicates on the instant and a predicate on the price.
//! 4. `count_per_symbol` — bars per symbol, with the `count` aggregate.
//!
//! **Every answer is checked** against the generator (the same deterministic walk, replayed
//! without the database): a query that returns no rows, or rows that differ from what the data
//! holds, fails the bench with an error naming the query, so a silently wrong query cannot
//! produce a timing.

use std::collections::BTreeMap;
use std::time::Instant;

use clap::{Args, ValueEnum};
use datolite::{BulkOptions, Cell, Database, DbQueries, EntityRef, QueryResult, StoreError, Tx};
use datolite::{TxValue, Value};
use serde::Serialize;

use crate::commands::storage_options;
use crate::commands::timing::time_runs;
use crate::error::{CliError, Context, Result};
use crate::output::{self, round3, Format};
use crate::progress::{self, Unit};
use crate::rng::XorShift;

/// Arguments of `bench ohlc`.
#[derive(Debug, Args)]
pub struct OhlcBenchArgs {
    /// How much data: small (10 symbols × 30 days of hourly bars), medium (50 × 90), large
    /// (100 × 595, just under 10 million datoms).
    #[arg(long, value_enum, default_value = "small")]
    size: Size,

    /// Runs per query; the median is reported. Each query first runs once untimed (warm-up).
    #[arg(long, value_name = "R", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=1000))]
    runs: u64,

    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// How much market data to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Size {
    /// 10 symbols × 30 days × 24 hourly bars (7,200 bars).
    Small,
    /// 50 symbols × 90 days × 24 hourly bars (108,000 bars).
    Medium,
    /// 100 symbols × 595 days × 24 hourly bars (1,428,000 bars, under 10 million datoms).
    Large,
}

impl Size {
    /// The size's name, as `--size` spells it and the report shows it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Size::Small => "small",
            Size::Medium => "medium",
            Size::Large => "large",
        }
    }

    /// Symbols and days of hourly bars.
    fn shape(self) -> Shape {
        match self {
            Size::Small => Shape {
                symbols: 10,
                days: 30,
            },
            Size::Medium => Shape {
                symbols: 50,
                days: 90,
            },
            Size::Large => Shape {
                symbols: 100,
                days: 595,
            },
        }
    }
}

/// How many symbols, and how many days of hourly bars each.
#[derive(Clone, Copy, Debug)]
struct Shape {
    /// Symbols.
    symbols: u64,
    /// Days of bars, 24 a day per symbol.
    days: u64,
}

impl Shape {
    /// All bars: one per symbol per hour.
    fn bars(self) -> u64 {
        self.symbols * self.days * 24
    }
}

/// Bars per load transaction: 7 datoms each, so about 100,000 datoms a transaction.
const BARS_PER_TX: usize = 14_285;

/// The first bar's time: 2024-01-01T00:00:00Z.
const START_MS: i64 = 1_704_067_200_000;

/// One hour, in milliseconds.
const HOUR_MS: i64 = 3_600_000;
/// One day, in milliseconds.
const DAY_MS: i64 = 24 * HOUR_MS;

/// `daily_high_low`'s month, `[from, to)`: January 2024, which every size covers (small only
/// its first 30 days).
const MONTH: (i64, i64) = (START_MS, START_MS + 31 * DAY_MS);

/// `range_filter`'s week, `[from, to)`: 2024-01-08 to 2024-01-15, inside every size's data.
const WEEK: (i64, i64) = (START_MS + 7 * DAY_MS, START_MS + 14 * DAY_MS);

/// `range_filter`'s price threshold: the walks start spread over 20–500, so most symbols but
/// not all trade above it.
const MIN_CLOSE: f64 = 100.0;

/// The schema, declared in EDN as an application would. Cardinality one everywhere.
const SCHEMA: &str = r#"[
 {:db/ident :symbol/ticker :db/valueType :db.type/string :db/cardinality :db.cardinality/one
  :db/unique :db.unique/identity}
 {:db/ident :bar/symbol :db/valueType :db.type/ref :db/cardinality :db.cardinality/one}
 {:db/ident :bar/time :db/valueType :db.type/instant :db/cardinality :db.cardinality/one}
 {:db/ident :bar/open :db/valueType :db.type/double :db/cardinality :db.cardinality/one}
 {:db/ident :bar/high :db/valueType :db.type/double :db/cardinality :db.cardinality/one}
 {:db/ident :bar/low :db/valueType :db.type/double :db/cardinality :db.cardinality/one}
 {:db/ident :bar/close :db/valueType :db.type/double :db/cardinality :db.cardinality/one}
 {:db/ident :bar/volume :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
]"#;

/// Query 1: each symbol's latest bar time (the subquery's `max`, run once for all symbols and
/// bound as a relation), then that bar's close — the join on `?s` and `?time` finds it.
const LATEST_CLOSE: &str = "[:find ?ticker ?time ?close \
 :where [(q [:find ?s (max ?t) :where [?b :bar/symbol ?s] [?b :bar/time ?t]] $) [[?s ?time]]] \
 [?s :symbol/ticker ?ticker] [?b :bar/symbol ?s] [?b :bar/time ?time] [?b :bar/close ?close]]";

/// Query 2: one subquery groups the month's bars by symbol and day of the month (`day`, see
/// the module documentation) and keeps the highest high and the lowest low; the outer query
/// names each symbol by its ticker. The subquery holds no ticker pattern, so its plan starts
/// from the AVET range of the month (a symbol-first plan, or a subquery run per symbol, reads
/// every bar of every symbol: several times slower).
const DAILY_HIGH_LOW: &str = "[:find ?ticker ?day ?high ?low :in $ ?from ?to \
 :where [(q [:find ?s ?day (max ?h) (min ?l) :in $ ?from ?to \
             :where [?b :bar/time ?t] [(>= ?t ?from)] [(< ?t ?to)] [(day ?t) ?day] \
                    [?b :bar/symbol ?s] [?b :bar/high ?h] [?b :bar/low ?l]] \
            $ ?from ?to) [[?s ?day ?high ?low]]] \
        [?s :symbol/ticker ?ticker]]";

/// Query 3: the bars of a time range whose close is above a price, named by ticker — written
/// as a user would. The planner is greedy by estimated rows: it starts from the few tickers
/// (est. 50) rather than the week's AVET range and so reads every bar of every symbol; without
/// the ticker pattern the same query runs from the range, several times faster. The bench
/// keeps the natural form so that it measures what users meet.
const RANGE_FILTER: &str = "[:find ?ticker ?t ?close :in $ ?from ?to ?min \
 :where [?b :bar/time ?t] [(>= ?t ?from)] [(< ?t ?to)] [?b :bar/close ?close] [(> ?close ?min)] \
 [?b :bar/symbol ?s] [?s :symbol/ticker ?ticker]]";

/// Query 4: bars per symbol.
const COUNT_PER_SYMBOL: &str =
    "[:find ?ticker (count ?b) :where [?b :bar/symbol ?s] [?s :symbol/ticker ?ticker]]";

/// The ticker of symbol `i`.
fn ticker(i: usize) -> String {
    format!("SYM{i:03}")
}

/// A price rounded to cents, as exchanges quote them. Rounding is monotonic, so a high or low
/// computed from cent prices stays on the right side of them.
fn cents(price: f64) -> f64 {
    (price * 100.0).round() / 100.0
}

/// One generated bar.
#[derive(Clone, Copy, Debug)]
struct Bar {
    /// The symbol's index (`ticker(symbol)`).
    symbol: usize,
    /// The start of its hour, in epoch milliseconds.
    time: i64,
    /// Opening price (the previous bar's close).
    open: f64,
    /// Highest price, ≥ open and close.
    high: f64,
    /// Lowest price, ≤ open and close.
    low: f64,
    /// Closing price.
    close: f64,
    /// Shares traded.
    volume: i64,
}

impl Bar {
    /// The bar as an entity map, its symbol being the entity `symbol_id`.
    fn attrs(&self, symbol_id: u64) -> Vec<(&'static str, TxValue)> {
        vec![
            (":bar/symbol", EntityRef::Id(symbol_id).into()),
            (":bar/time", Value::Instant(self.time).into()),
            (":bar/open", self.open.into()),
            (":bar/high", self.high.into()),
            (":bar/low", self.low.into()),
            (":bar/close", self.close.into()),
            (":bar/volume", self.volume.into()),
        ]
    }
}

/// The bar generator: hour by hour, one bar per symbol (the order market data arrives in), each
/// symbol's price a random walk. The same shape always yields the same bars, which the bulk
/// loader needs (it may run its feed again from the start) and the answer checks rely on.
struct Walk {
    /// The random source, from a fixed seed.
    rng: XorShift,
    /// Each symbol's last close.
    prices: Vec<f64>,
    /// The next bar's number.
    next: u64,
    /// Bars to generate.
    total: u64,
}

impl Walk {
    /// The walk of `shape`, before its first bar.
    fn new(shape: Shape) -> Walk {
        let mut rng = XorShift(0x0DDB_1A5E_5BAD_5EED);
        // Start prices spread evenly over 20–500 (one at random in each of `symbols` equal
        // slices), so at every size some symbols trade below `range_filter`'s 100.0 and most
        // above: the price predicate always has something to filter out.
        let n = shape.symbols as f64;
        let prices = (0..shape.symbols)
            .map(|i| cents(20.0 + 480.0 * (i as f64 + rng.unit()) / n))
            .collect();
        Walk {
            rng,
            prices,
            next: 0,
            total: shape.bars(),
        }
    }
}

impl Iterator for Walk {
    type Item = Bar;

    fn next(&mut self) -> Option<Bar> {
        if self.next >= self.total {
            return None;
        }
        let n = self.prices.len() as u64;
        let (symbol, hour) = ((self.next % n) as usize, (self.next / n) as i64);
        self.next += 1;
        let open = self.prices[symbol];
        let close = cents(open * (1.0 + (self.rng.unit() - 0.5) * 0.01)).max(0.01);
        let high = cents(open.max(close) * (1.0 + self.rng.unit() * 0.003));
        let low = cents(open.min(close) * (1.0 - self.rng.unit() * 0.003)).max(0.01);
        let volume = 100 * (1 + self.rng.below(1_000) as i64);
        self.prices[symbol] = close;
        Some(Bar {
            symbol,
            time: START_MS + hour * HOUR_MS,
            open,
            high,
            low,
            close,
            volume,
        })
    }
}

/// What the load measured.
struct Load {
    /// Wall time of the bulk load (schema, symbols and bars), in milliseconds.
    ms: f64,
    /// Datoms it added (bars, symbols, schema and transaction instants).
    datoms: u64,
}

/// Loads the schema, the symbols and every bar of `shape` in one bulk load.
fn load(database: &Database, shape: Shape) -> Result<Load> {
    let before = database.db()?.count()?;
    let progress = progress::bar(shape.bars(), Unit::Items("bars"));
    let start = Instant::now();
    database.bulk_load(&BulkOptions::default(), |loader| {
        loader.transact(&datolite_store::transactor::parse_tx_data(SCHEMA)?)?;
        let tickers: Vec<String> = (0..shape.symbols as usize).map(ticker).collect();
        let mut tx = Tx::new();
        for name in &tickers {
            let symbol = tx.tempid(name);
            tx.add(symbol, ":symbol/ticker", name.as_str());
        }
        let report = loader.transact(tx.ops())?;
        let ids = tickers
            .iter()
            .map(|name| {
                report.tempids.get(name).copied().ok_or_else(|| {
                    StoreError::InvalidTxData(format!("symbol {name} got no entity id"))
                })
            })
            .collect::<std::result::Result<Vec<u64>, StoreError>>()?;
        // A fresh walk each time: the loader may call this again from the start.
        let mut walk = Walk::new(shape);
        let mut loaded = 0u64;
        loop {
            let mut tx = Tx::new();
            for bar in walk.by_ref().take(BARS_PER_TX) {
                tx.map(None, bar.attrs(ids[bar.symbol]));
            }
            if tx.ops().is_empty() {
                break;
            }
            loader.transact(tx.ops())?;
            loaded += tx.ops().len() as u64;
            progress.set_position(loaded);
        }
        progress.set_message("writing the indexes in key order");
        Ok(())
    })?;
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    progress.finish_and_clear();
    let after = database.db()?.count()?;
    Ok(Load {
        ms,
        datoms: after.saturating_sub(before),
    })
}

/// What each query must answer, computed from the generator alone (no database).
struct Expected {
    /// `latest_close`: ticker → the close of its last bar.
    latest_close: BTreeMap<String, f64>,
    /// `daily_high_low`: (ticker, day of the month) → (highest high, lowest low) in [`MONTH`].
    daily_high_low: BTreeMap<(String, i64), (f64, f64)>,
    /// `range_filter`: bars in [`WEEK`] closing above [`MIN_CLOSE`].
    range_filter: usize,
    /// `count_per_symbol`: ticker → bars.
    count_per_symbol: BTreeMap<String, i64>,
}

/// Replays the walk of `shape` and computes every query's answer.
fn expected(shape: Shape) -> Expected {
    let mut e = Expected {
        latest_close: BTreeMap::new(),
        daily_high_low: BTreeMap::new(),
        range_filter: 0,
        count_per_symbol: BTreeMap::new(),
    };
    for bar in Walk::new(shape) {
        let name = ticker(bar.symbol);
        // Bars come in time order, so the last one seen is the latest.
        e.latest_close.insert(name.clone(), bar.close);
        *e.count_per_symbol.entry(name.clone()).or_default() += 1;
        if (MONTH.0..MONTH.1).contains(&bar.time) {
            let day = (bar.time - MONTH.0) / DAY_MS + 1;
            let entry = e
                .daily_high_low
                .entry((name, day))
                .or_insert((bar.high, bar.low));
            entry.0 = entry.0.max(bar.high);
            entry.1 = entry.1.min(bar.low);
        }
        if (WEEK.0..WEEK.1).contains(&bar.time) && bar.close > MIN_CLOSE {
            e.range_filter += 1;
        }
    }
    e
}

/// A string cell.
fn text(cell: &Cell) -> Option<&str> {
    match cell {
        Cell::Value(Value::String(s)) => Some(s),
        _ => None,
    }
}

/// A double cell.
fn double(cell: &Cell) -> Option<f64> {
    match cell {
        Cell::Value(Value::Double(x)) => Some(*x),
        _ => None,
    }
}

/// A long cell.
fn long(cell: &Cell) -> Option<i64> {
    match cell {
        Cell::Value(Value::Long(n)) => Some(*n),
        _ => None,
    }
}

/// Checks the answer of query `name` against `expected`: no rows, a row of the wrong shape or
/// a wrong value is an error naming the query.
fn check(name: &str, result: &QueryResult, expected: &Expected) -> Result<()> {
    let rows = result.rows();
    if rows.is_empty() {
        return Err(CliError::msg(format!(
            "bench ohlc: query {name} returned no rows"
        )));
    }
    let shape_error = |row: &[Cell]| {
        CliError::msg(format!(
            "bench ohlc: query {name} returned a row of an unexpected shape: {row:?}"
        ))
    };
    let right = match name {
        "latest_close" => {
            let mut got = BTreeMap::new();
            for row in &rows {
                match row {
                    [t, _, c] => got.insert(
                        text(t).ok_or_else(|| shape_error(row))?.to_string(),
                        double(c).ok_or_else(|| shape_error(row))?,
                    ),
                    _ => return Err(shape_error(row)),
                };
            }
            got == expected.latest_close && rows.len() == got.len()
        }
        "daily_high_low" => {
            let mut got = BTreeMap::new();
            for row in &rows {
                match row {
                    [t, d, h, l] => got.insert(
                        (
                            text(t).ok_or_else(|| shape_error(row))?.to_string(),
                            long(d).ok_or_else(|| shape_error(row))?,
                        ),
                        (
                            double(h).ok_or_else(|| shape_error(row))?,
                            double(l).ok_or_else(|| shape_error(row))?,
                        ),
                    ),
                    _ => return Err(shape_error(row)),
                };
            }
            got == expected.daily_high_low && rows.len() == got.len()
        }
        "range_filter" => {
            for row in &rows {
                match row {
                    [_, _, c] if double(c).is_some_and(|c| c > MIN_CLOSE) => {}
                    _ => return Err(shape_error(row)),
                }
            }
            rows.len() == expected.range_filter
        }
        "count_per_symbol" => {
            let mut got = BTreeMap::new();
            for row in &rows {
                match row {
                    [t, n] => got.insert(
                        text(t).ok_or_else(|| shape_error(row))?.to_string(),
                        long(n).ok_or_else(|| shape_error(row))?,
                    ),
                    _ => return Err(shape_error(row)),
                };
            }
            got == expected.count_per_symbol
        }
        _ => {
            return Err(CliError::msg(format!(
                "bench ohlc: no check for query {name}"
            )))
        }
    };
    if right {
        Ok(())
    } else {
        Err(CliError::msg(format!(
            "bench ohlc: query {name} returned {} rows that differ from the generated data",
            rows.len()
        )))
    }
}

/// The four queries, by report key: (key, what it asks, query, inputs as EDN).
fn queries() -> [(&'static str, &'static str, &'static str, Vec<String>); 4] {
    let inst = |ms: i64| format!("#inst \"{}\"", datolite_edn::format_inst_millis(ms));
    [
        (
            "latest_close",
            "last close per symbol (max-time subquery, join back)",
            LATEST_CLOSE,
            vec![],
        ),
        (
            "daily_high_low",
            "daily high/low per symbol, January 2024 (grouping subquery)",
            DAILY_HIGH_LOW,
            vec![inst(MONTH.0), inst(MONTH.1)],
        ),
        (
            "range_filter",
            "bars of 2024-01-08..15 with close > 100.0",
            RANGE_FILTER,
            vec![inst(WEEK.0), inst(WEEK.1), format!("{MIN_CLOSE:?}")],
        ),
        (
            "count_per_symbol",
            "bars per symbol (count)",
            COUNT_PER_SYMBOL,
            vec![],
        ),
    ]
}

/// A query's median time and rows.
#[derive(Clone, Copy, Debug, Default)]
struct Measured {
    /// Median of the timed runs, in milliseconds.
    ms: f64,
    /// Rows of its answer.
    rows: usize,
}

/// The JSON of `bench ohlc`; the field order is the key order.
#[derive(Debug, Serialize)]
struct OhlcJson {
    size: &'static str,
    symbols: u64,
    days: u64,
    bars: u64,
    datoms: u64,
    load_ms: f64,
    runs: u64,
    latest_close_ms: f64,
    latest_close_rows: usize,
    daily_high_low_ms: f64,
    daily_high_low_rows: usize,
    range_filter_ms: f64,
    range_filter_rows: usize,
    count_per_symbol_ms: f64,
    count_per_symbol_rows: usize,
}

/// Runs `bench ohlc`.
pub fn run(args: OhlcBenchArgs) -> Result<()> {
    let shape = args.size.shape();
    let runs = usize::try_from(args.runs).unwrap_or(1);
    let dir = tempfile::TempDir::with_prefix("datolite-bench-ohlc-")
        .map_err(|e| CliError::msg(format!("cannot create a temporary directory: {e}")))?;
    let database = Database::open(dir.path(), storage_options()?)?;
    let load = load(&database, shape)?;
    let expected = expected(shape);
    let db = database.db()?;

    let mut measured = [Measured::default(); 4];
    let mut table = output::table(&["query", "what", "median (ms)", "rows"], &[2, 3]);
    for (slot, (name, what, query, inputs)) in measured.iter_mut().zip(queries()) {
        let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
        let mut last = None;
        let timing = time_runs(runs, || {
            let result = db.q_edn(query, &inputs)?;
            let rows = result.row_count();
            last = Some(result);
            Ok(rows)
        })
        .context(|| format!("bench ohlc: query {name}"))?;
        let result = last.ok_or_else(|| CliError::msg(format!("query {name} never ran")))?;
        check(name, &result, &expected)?;
        *slot = Measured {
            ms: timing.median_ms,
            rows: timing.rows,
        };
        table.add_row(vec![
            name.to_string(),
            what.to_string(),
            output::ms(timing.median_ms),
            output::thousands(timing.rows as u64),
        ]);
    }
    let [latest, daily, range, count] = measured;
    match args.format {
        Format::Edn | Format::Json => output::print_data(
            args.format,
            &OhlcJson {
                size: args.size.name(),
                symbols: shape.symbols,
                days: shape.days,
                bars: shape.bars(),
                datoms: load.datoms,
                load_ms: round3(load.ms),
                runs: args.runs,
                latest_close_ms: round3(latest.ms),
                latest_close_rows: latest.rows,
                daily_high_low_ms: round3(daily.ms),
                daily_high_low_rows: daily.rows,
                range_filter_ms: round3(range.ms),
                range_filter_rows: range.rows,
                count_per_symbol_ms: round3(count.ms),
                count_per_symbol_rows: count.rows,
            },
        ),
        Format::Table => output::print_text(&format!(
            "bench ohlc ({}): {} symbols × {} days × 24 hourly bars = {} bars; {} datoms \
             bulk-loaded in {} ms; median of {} run{}\n{table}",
            args.size.name(),
            shape.symbols,
            shape.days,
            output::thousands(shape.bars()),
            output::thousands(load.datoms),
            output::ms(load.ms),
            args.runs,
            if args.runs == 1 { "" } else { "s" }
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_keep_high_and_low_around_open_and_close() {
        let shape = Size::Small.shape();
        let mut previous_close = vec![None; shape.symbols as usize];
        let mut bars = 0u64;
        for bar in Walk::new(shape) {
            assert!(bar.high >= bar.open.max(bar.close), "{bar:?}");
            assert!(bar.low <= bar.open.min(bar.close), "{bar:?}");
            assert!(bar.low > 0.0 && bar.volume > 0, "{bar:?}");
            if let Some(close) = previous_close[bar.symbol] {
                assert_eq!(bar.open, close, "a bar opens at the previous close");
            }
            previous_close[bar.symbol] = Some(bar.close);
            bars += 1;
        }
        assert_eq!(bars, 10 * 30 * 24);
    }

    #[test]
    fn large_stays_under_ten_million_datoms() {
        let shape = Size::Large.shape();
        let bars = shape.bars();
        let transactions = bars.div_ceil(BARS_PER_TX as u64) + 2;
        // 7 per bar, one ticker per symbol, one instant per transaction, ~30 of schema.
        assert!(7 * bars + shape.symbols + transactions + 100 < 10_000_000);
        // A day more would not fit.
        assert!(7 * (bars + 24 * shape.symbols) > 10_000_000);
    }

    #[test]
    fn empty_or_wrong_answers_are_errors_naming_the_query() {
        let expected = expected(Size::Small.shape());
        for name in ["latest_close", "range_filter"] {
            let err = check(name, &QueryResult::Relation(vec![]), &expected)
                .expect_err("no rows must fail");
            assert!(err.to_string().contains(name), "{err}");
        }
        // One symbol's count, one short: plausible, but wrong.
        let wrong = QueryResult::Relation(
            expected
                .count_per_symbol
                .iter()
                .enumerate()
                .map(|(i, (ticker, n))| {
                    let n = if i == 0 { n - 1 } else { *n };
                    vec![
                        Cell::Value(Value::from(ticker.as_str())),
                        Cell::Value(Value::Long(n)),
                    ]
                })
                .collect(),
        );
        let err = check("count_per_symbol", &wrong, &expected).expect_err("wrong count");
        assert!(err.to_string().contains("count_per_symbol"), "{err}");
    }

    #[test]
    fn windows_start_at_midnight_utc() {
        assert_eq!(
            datolite_edn::format_inst_millis(MONTH.1),
            "2024-02-01T00:00:00.000Z"
        );
        assert_eq!(
            datolite_edn::format_inst_millis(WEEK.0),
            "2024-01-08T00:00:00.000Z"
        );
    }
}
