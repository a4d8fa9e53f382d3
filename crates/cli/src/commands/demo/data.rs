//! The demo's data: its schema and symbols, the plan of how many bars to load in which
//! transactions, the random walk that generates the bars, and the load itself.

use std::time::Instant;

use datolite::{Cell, Database, DbQueries, EntityRef, Index, QueryResult, Tx, TxValue, Value};

use crate::error::{CliError, Result};
use crate::progress::{self, Unit};
use crate::rng::XorShift;

/// Bars per load transaction when the bar count is given (`--bars`).
const BARS_PER_TX: u64 = 2_000;

/// First bar: the New York open of the first trading day of 2024, 2024-01-02T14:30:00Z.
pub(super) const START_MS: i64 = 1_704_205_800_000;

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

/// How many bars to load.
#[derive(Clone, Copy, Debug)]
pub(super) enum Plan {
    /// As many as make the database hold exactly this many datoms.
    Datoms(u64),
    /// Exactly this many bars, in transactions of [`BARS_PER_TX`].
    Bars(u64),
}

impl Plan {
    /// The `:db/doc` marking a complete build of this plan.
    fn marker(self) -> String {
        match self {
            Plan::Datoms(n) => format!("datolite demo v2: {n} datoms"),
            Plan::Bars(n) => format!("datolite demo v2: {n} bars"),
        }
    }

    /// Bars per transaction, given `base` datoms already in the database. Every transaction
    /// adds 8 datoms per bar plus its `:db/txInstant`; the correction that ends the build adds
    /// its `:db/txInstant` and the marker (its replaced close leaves the count as it was). So
    /// for a datom target the number of transactions is what absorbs the remainder modulo 8.
    fn batches(self, base: u64) -> Result<Vec<u64>> {
        let (bars, transactions) = match self {
            Plan::Bars(n) => (n, n.div_ceil(BARS_PER_TX)),
            Plan::Datoms(target) => {
                let room = target.checked_sub(base + 2).filter(|&r| r > 8).ok_or_else(|| {
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
pub(super) struct Build {
    pub(super) ms: f64,
    pub(super) transactions: usize,
}

/// Whether `database` holds a complete build of `plan` (its marker).
pub(super) fn is_complete(database: &Database, plan: Plan) -> Result<bool> {
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
pub(super) fn load(database: &Database, plan: Plan) -> Result<Build> {
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
    let first_symbol = ids[0];
    let mut walk = Walk::new(ids);
    for &size in &batches {
        let mut tx = Tx::new();
        for _ in 0..size {
            walk.next_bar(&mut tx);
        }
        database.transact_tx(&tx)?;
        bar.inc(size);
    }
    bar.finish_and_clear();
    correct_first_bar(database, first_symbol, plan)?;
    Ok(Build {
        ms: start.elapsed().as_secs_f64() * 1000.0,
        transactions: batches.len(),
    })
}

/// The build's last transaction: the exchange corrects the close of the first bar of the first
/// symbol by a cent (a cardinality-one replace: the old close is retracted and kept in history),
/// marking the build complete.
fn correct_first_bar(database: &Database, symbol: u64, plan: Plan) -> Result<()> {
    let db = database.db()?;
    let first = db
        .q_edn(
            "[:find [?b ?close] :in $ ?s ?t :where [?b :bar/time ?t] [?b :bar/symbol ?s] [?b :bar/close ?close]]",
            &[&symbol.to_string(), &format!("#inst \"{}\"", datolite_edn::format_inst_millis(START_MS))],
        )?;
    let (bar, close) = match first {
        QueryResult::Tuple(Some(cells)) => match cells.as_slice() {
            [Cell::Value(Value::Ref(bar)), Cell::Value(Value::Double(close))] => (*bar, *close),
            _ => return Err(CliError::msg("the first bar has no close")),
        },
        _ => return Err(CliError::msg("the demo database has no first bar")),
    };
    let mut tx = Tx::new();
    tx.add(EntityRef::Id(bar), ":bar/close", cents(close + 0.01));
    tx.add(EntityRef::CurrentTx, ":db/doc", plan.marker());
    database.transact_tx(&tx)?;
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::demo::TARGET_DATOMS;

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
            // 8 datoms per bar, one txInstant per transaction (the correction's too), one marker.
            assert_eq!(base + 8 * bars + batches.len() as u64 + 2, TARGET_DATOMS);
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
