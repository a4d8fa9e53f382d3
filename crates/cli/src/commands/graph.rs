//! `datolite bench graph [--people N] [--runs R] [--format json] [--export DIR] [--peer FILE]`:
//! graph-shaped queries on a generated social graph.
//!
//! The data: N people (`:id` 0..N, unique) with `:name`, `:last-name`, `:sex`, `:age`,
//! `:salary` (missing for about one in ten) and 0–3 `:follows` references to other people,
//! from a fixed seed, so every run and every peer sees the same graph. The queries
//! ([`QUERIES`]): reachability from one person through a recursive rule (its rows, its count,
//! and who reaches that person), mutual follows, people without followers (`not-join`),
//! `or-join`, group-by counts and averages, `get-else`, `missing?`, a chained comparison and a
//! two-hop join. Each is timed as the median of `--runs` after one warm-up run.
//!
//! `--export DIR` also writes the data (`DIR/graph.edn`, entity maps with string tempids) and
//! the queries (`DIR/queries.edn`) for a peer to run the same workload
//! (`bench/datalevin_graph.clj`); `--peer FILE` reads that peer's timings (lines of `name ms
//! rows`, tab-separated) and reports them beside ours, with the speedup (peer ms ÷ ours).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use datolite::{Database, DbQueries};
use serde_json::{json, Map, Value as Json};

use crate::commands::people::{LAST_NAMES, NAMES};
use crate::commands::storage_options;
use crate::commands::timing::time_runs;
use crate::error::{CliError, Context, Result};
use crate::output::{self, round3, Format};
use crate::rng::XorShift;

/// Arguments of `bench graph`.
#[derive(Debug, Args)]
pub struct GraphBenchArgs {
    /// People to generate.
    #[arg(long, value_name = "N", default_value_t = 20_000, value_parser = clap::value_parser!(u64).range(2..=10_000_000))]
    people: u64,

    /// Runs per query; the median is reported (after one untimed warm-up run).
    #[arg(long, value_name = "R", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=1000))]
    runs: u64,

    /// Also write the data and the queries to this directory, for a peer to run them.
    #[arg(long, value_name = "DIR")]
    export: Option<PathBuf>,

    /// A peer's timings of the same queries (`name<TAB>ms<TAB>rows` lines), shown beside ours.
    #[arg(long, value_name = "FILE")]
    peer: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// The schema of the graph (a peer declares the same).
const SCHEMA: &str = "[{:db/ident :id :db/valueType :db.type/long :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
 {:db/ident :name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
 {:db/ident :last-name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
 {:db/ident :sex :db/valueType :db.type/keyword :db/cardinality :db.cardinality/one}
 {:db/ident :age :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
 {:db/ident :salary :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
 {:db/ident :follows :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}]";

/// Reachability through `:follows`, right-recursive as users write it.
pub const RULES: &str = "[[(reach ?a ?b) [?a :follows ?b]]
 [(reach ?a ?b) [?a :follows ?x] (reach ?x ?b)]]";

/// The queries: (name, query, whether it takes the rules as its one argument).
pub const QUERIES: [(&str, &str, bool); 13] = [
    (
        "reach",
        "[:find ?x :in $ % :where [?p :id 1] (reach ?p ?x)]",
        true,
    ),
    (
        "reach_count",
        "[:find (count ?x) . :in $ % :where [?p :id 1] (reach ?p ?x)]",
        true,
    ),
    (
        "reached_by",
        "[:find ?x :in $ % :where [?p :id 1] (reach ?x ?p)]",
        true,
    ),
    (
        "mutual",
        "[:find ?a ?b :where [?a :follows ?b] [?b :follows ?a] [(< ?a ?b)]]",
        false,
    ),
    (
        "no_followers",
        "[:find ?p :where [?p :id] (not-join [?p] [_ :follows ?p])]",
        false,
    ),
    (
        "or_join",
        "[:find ?p :where [?p :name \"Ivan\"] (or-join [?p] [?p :last-name \"Ivanov\"] (and [?p :age ?a] [(< ?a 20)]))]",
        false,
    ),
    (
        "group_count",
        "[:find ?n (count ?f) :where [?p :name ?n] [?p :follows ?f]]",
        false,
    ),
    (
        "group_avg",
        "[:find ?n (avg ?s) :where [?p :name ?n] [?p :salary ?s]]",
        false,
    ),
    (
        "get_else",
        "[:find ?p ?s :where [?p :age 30] [(get-else $ ?p :salary -1) ?s]]",
        false,
    ),
    (
        "missing",
        "[:find ?p :where [?p :name \"Ivan\"] [(missing? $ ?p :salary)]]",
        false,
    ),
    (
        "chained",
        "[:find ?p :where [?p :age ?a] [(< 10 ?a 12)]]",
        false,
    ),
    (
        "two_hop",
        "[:find ?c :where [?a :name \"Ivan\"] [?a :age 30] [?a :follows ?b] [?b :follows ?c]]",
        false,
    ),
    (
        "young_followed",
        "[:find (count ?a) . :where [?a :age ?x] [(< ?x 18)] [?b :follows ?a] [?b :age ?y] [(>= ?y 65)]]",
        false,
    ),
];

/// The graph of `people` people as EDN entity maps (the names of `bench people`) with string tempids (`"p0"`, …).
pub fn graph_edn(people: u64) -> String {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut out = String::with_capacity(people as usize * 120);
    out.push('[');
    for i in 0..people {
        let name = NAMES[rng.below(NAMES.len() as u64) as usize];
        let last = LAST_NAMES[rng.below(LAST_NAMES.len() as u64) as usize];
        let sex = if rng.below(2) == 0 { "male" } else { "female" };
        let age = rng.below(100);
        let _ = write!(
            out,
            "{{:db/id \"p{i}\" :id {i} :name \"{name}\" :last-name \"{last}\" :sex :{sex} :age {age}"
        );
        if rng.below(10) != 0 {
            let _ = write!(out, " :salary {}", rng.below(100_000));
        }
        // The person the reachability queries start from follows three others, so that its
        // reach is the graph's large component rather than nothing.
        let n = if i == 1 { 3 } else { rng.below(4) };
        let mut follows: Vec<u64> = (0..n)
            .map(|_| rng.below(people))
            .filter(|&j| j != i)
            .collect();
        follows.sort_unstable();
        follows.dedup();
        if !follows.is_empty() {
            out.push_str(" :follows [");
            for j in follows {
                let _ = write!(out, "\"p{j}\" ");
            }
            out.push(']');
        }
        out.push_str("}\n");
    }
    out.push(']');
    out
}

/// Runs `bench graph`.
pub fn run(args: GraphBenchArgs) -> Result<()> {
    let data = graph_edn(args.people);
    if let Some(dir) = &args.export {
        export(dir, &data)?;
    }
    let peer = match &args.peer {
        Some(path) => read_peer(path)?,
        None => BTreeMap::new(),
    };
    let dir = tempfile::TempDir::with_prefix("datolite-bench-graph-")
        .map_err(|e| CliError::msg(format!("cannot create a temporary directory: {e}")))?;
    let database = Database::open(dir.path(), storage_options()?)?;
    let start = Instant::now();
    database.transact(SCHEMA)?;
    let datoms = database.transact(&data)?.tx_data.len();
    let load_ms = start.elapsed().as_secs_f64() * 1000.0;
    let db = database.db()?;
    let runs = usize::try_from(args.runs).unwrap_or(1);

    let mut queries = Map::new();
    let mut table = output::table(
        &["query", "median (ms)", "rows", "peer (ms)", "speedup"],
        &[1, 2, 3, 4],
    );
    for (name, query, rules) in QUERIES {
        let inputs: &[&str] = if rules { &[RULES] } else { &[] };
        let t = time_runs(runs, || Ok(db.q_edn(query, inputs)?.row_count()))
            .context(|| name.to_string())?;
        let mut entry = json!({
            "query": query,
            "median_ms": round3(t.median_ms),
            "rows": t.rows,
            "runs": t.runs,
        });
        let mut row = vec![
            name.to_string(),
            output::ms(t.median_ms),
            output::thousands(t.rows as u64),
            String::new(),
            String::new(),
        ];
        if let Some(&(ms, rows)) = peer.get(name) {
            let speedup = if t.median_ms > 0.0 {
                ms / t.median_ms
            } else {
                f64::INFINITY
            };
            entry["peer_ms"] = json!(round3(ms));
            entry["peer_rows"] = json!(rows);
            entry["speedup"] = json!(round3(speedup));
            row[3] = output::ms(ms);
            row[4] = if rows == t.rows as u64 {
                format!("{speedup:.1}×")
            } else {
                // Different answers are not a speedup: say so instead.
                format!("rows differ: {rows}")
            };
        }
        queries.insert(name.to_string(), entry);
        table.add_row(row);
    }
    match args.format {
        Format::Edn | Format::Json => output::print_data(
            args.format,
            &json!({
                "people": args.people,
                "datoms": datoms,
                "load_ms": round3(load_ms),
                "runs": args.runs,
                "rules": RULES,
                "queries": Json::Object(queries),
            }),
        ),
        Format::Table => output::print_text(&format!(
            "bench graph: {} people, {} datoms (loaded in {} ms), median of {} run{}\n{table}",
            output::thousands(args.people),
            output::thousands(datoms as u64),
            output::ms(load_ms),
            args.runs,
            if args.runs == 1 { "" } else { "s" }
        )),
    }
}

/// Writes `graph.edn`, `schema.edn` and `queries.edn` (a vector of `[name query rules?]`, the
/// rules as the last element of the first) to `dir`.
fn export(dir: &Path, data: &str) -> Result<()> {
    std::fs::create_dir_all(dir).context(|| format!("cannot create {}", dir.display()))?;
    let write = |file: &str, text: &str| {
        let path = dir.join(file);
        std::fs::write(&path, text).context(|| format!("cannot write {}", path.display()))
    };
    write("schema.edn", SCHEMA)?;
    write("graph.edn", data)?;
    let mut queries = String::from("[");
    for (name, query, rules) in QUERIES {
        let _ = writeln!(
            queries,
            "[{} {} {}]",
            edn_string(name),
            edn_string(query),
            if rules { RULES } else { "nil" }
        );
    }
    queries.push(']');
    write("queries.edn", &queries)
}

/// `s` as an EDN string literal.
fn edn_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A peer's timings: `name<TAB>ms<TAB>rows` per line.
fn read_peer(path: &Path) -> Result<BTreeMap<String, (f64, u64)>> {
    let text =
        std::fs::read_to_string(path).context(|| format!("cannot read {}", path.display()))?;
    let mut out = BTreeMap::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let bad = || {
            CliError::msg(format!(
                "{}:{}: expected `name<TAB>ms<TAB>rows`, found {line:?}",
                path.display(),
                i + 1
            ))
        };
        let mut cols = line.split('\t');
        let (Some(name), Some(ms), Some(rows)) = (cols.next(), cols.next(), cols.next()) else {
            return Err(bad());
        };
        let ms: f64 = ms.trim().parse().map_err(|_| bad())?;
        let rows: u64 = rows.trim().parse().map_err(|_| bad())?;
        let name = name.trim();
        if !QUERIES.iter().any(|(q, ..)| *q == name) {
            let known: Vec<&str> = QUERIES.iter().map(|(q, ..)| *q).collect();
            return Err(CliError::msg(format!(
                "{}:{}: unknown query {name:?} (the queries are {})",
                path.display(),
                i + 1,
                known.join(", ")
            )));
        }
        out.insert(name.to_string(), (ms, rows));
    }
    Ok(out)
}
