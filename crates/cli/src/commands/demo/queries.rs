//! The demo's Datalog queries: what they ask, how they are timed, and their report.

use std::time::Instant;

use datolite::{Database, DbQueries, QueryResult};
use serde::Serialize;

use super::data::START_MS;
use super::RUNS;
use crate::error::{CliError, Context, Result};
use crate::output::{self, round3};

/// The time-range query's window: 30 minutes from half an hour after the open.
const RANGE_MS: (i64, i64) = (START_MS + 30 * 60_000, START_MS + 60 * 60_000);

/// One demo query: what it asks, its text and inputs, and what it measured.
pub(super) struct DemoQuery {
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
pub(super) fn run_queries(database: &Database) -> Result<Vec<DemoQuery>> {
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
pub(super) struct QueryJson {
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

    pub(super) fn to_json(&self) -> QueryJson {
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
pub(super) fn query_report(queries: &[DemoQuery]) -> String {
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
