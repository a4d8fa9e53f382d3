//! The entry points applications and the CLI call: parse, bind arguments, plan, execute.

use datolite_edn::Edn;
use datolite_store::Db;

use crate::args::{bind_args, bind_sources};
use crate::ast::{Query, Rule};
use crate::error::Result;
use crate::exec::{self, JoinStrategy, QueryOptions, RunOptions};
use crate::explain::Explain;
use crate::parser::parse_query;
use crate::result::{InputValue, QueryResult};

/// Runs `query` on `db` with already-shaped `inputs` (one per `:in` element, `InputValue::Db`
/// for sources) and the `rules` that `%` stands for.
///
/// Evaluation runs on the planner ([`crate::plan`]) and executor ([`crate::exec`]); the naive
/// reference evaluator ([`crate::naive`]) stays as the oracle the tests compare against.
pub fn q(db: &Db, query: &Query, inputs: &[InputValue], rules: &[Rule]) -> Result<QueryResult> {
    exec::q(
        db,
        query,
        inputs,
        rules,
        RunOptions::default(),
        &QueryOptions::default(),
    )
}

/// [`q`] within `limits`: a time limit, a row limit per step, cancellation from another
/// thread ([`QueryOptions`]); going past one is a [`crate::QueryError::Limit`] naming the step.
pub fn q_limited(
    db: &Db,
    query: &Query,
    inputs: &[InputValue],
    rules: &[Rule],
    limits: &QueryOptions,
) -> Result<QueryResult> {
    exec::q(db, query, inputs, rules, RunOptions::default(), limits)
}

/// [`q`] run with `options`: every data pattern joined by one strategy instead of the
/// per-step choice, batches of another size between pipelined steps (the property tests run
/// each join method and small batches against the naive evaluator this way).
pub fn q_with(
    db: &Db,
    query: &Query,
    inputs: &[InputValue],
    rules: &[Rule],
    options: RunOptions,
) -> Result<QueryResult> {
    exec::q(db, query, inputs, rules, options, &QueryOptions::default())
}

/// The ways the tests run every query beside the naive evaluator: the default, then each join
/// method forced, with batches so small that every step's output crosses batch boundaries.
pub fn test_run_options() -> [RunOptions; 4] {
    let with = |strategy, batch_rows| RunOptions {
        strategy,
        batch_rows,
    };
    [
        RunOptions::default(),
        with(JoinStrategy::Auto, 3),
        with(JoinStrategy::Lookups, 1),
        with(JoinStrategy::Scans, 2),
    ]
}

/// Parses `text` and runs it with EDN arguments (one per non-source `:in` element, as the CLI
/// passes them).
pub fn q_edn(db: &Db, text: &str, args: &[Edn]) -> Result<QueryResult> {
    q_edn_sources(db, text, args, &[])
}

/// [`q_edn`] with named sources bound to other values of the database (`:in $ $before` with
/// `("$before", db.as_of(…))`, see [`crate::bind_sources`]).
pub fn q_edn_sources(
    db: &Db,
    text: &str,
    args: &[Edn],
    sources: &[(String, Db)],
) -> Result<QueryResult> {
    q_edn_limited(db, text, args, sources, &QueryOptions::default())
}

/// [`q_edn_sources`] within `limits` (see [`q_limited`]).
pub fn q_edn_limited(
    db: &Db,
    text: &str,
    args: &[Edn],
    sources: &[(String, Db)],
    limits: &QueryOptions,
) -> Result<QueryResult> {
    let query = parse_query(text)?;
    let (mut inputs, rules) = bind_args(&query, args)?;
    bind_sources(&query, &mut inputs, sources)?;
    q_limited(db, &query, &inputs, &rules, limits)
}

/// The plan [`q`] would run for `query` as text: one line per node (index, bound components,
/// join method, estimated rows), nested bodies indented under their node; with `analyze` the
/// query is run and each line also gives the actual rows and time.
pub fn explain(
    db: &Db,
    query: &Query,
    inputs: &[InputValue],
    rules: &[Rule],
    analyze: bool,
) -> Result<String> {
    Ok(explain_plan(db, query, inputs, rules, analyze)?.to_string())
}

/// The plan [`q`] would run for `query` as a tree ([`Explain`]: `Display` for people,
/// [`Explain::to_json`] for tools).
pub fn explain_plan(
    db: &Db,
    query: &Query,
    inputs: &[InputValue],
    rules: &[Rule],
    analyze: bool,
) -> Result<Explain> {
    exec::explain(db, query, inputs, rules, analyze, &QueryOptions::default())
}

/// [`explain`] of query text with EDN arguments, as [`q_edn`] takes them.
pub fn explain_edn(db: &Db, text: &str, args: &[Edn], analyze: bool) -> Result<String> {
    Ok(explain_plan_edn(db, text, args, analyze)?.to_string())
}

/// [`explain_plan`] of query text with EDN arguments, as [`q_edn`] takes them.
pub fn explain_plan_edn(db: &Db, text: &str, args: &[Edn], analyze: bool) -> Result<Explain> {
    explain_plan_edn_sources(db, text, args, &[], analyze)
}

/// [`explain_plan_edn`] with named sources, as [`q_edn_sources`] takes them.
pub fn explain_plan_edn_sources(
    db: &Db,
    text: &str,
    args: &[Edn],
    sources: &[(String, Db)],
    analyze: bool,
) -> Result<Explain> {
    explain_plan_edn_limited(db, text, args, sources, analyze, &QueryOptions::default())
}

/// [`explain_plan_edn_sources`] within `limits` (they matter with `analyze`, which runs the
/// query; see [`q_limited`]).
pub fn explain_plan_edn_limited(
    db: &Db,
    text: &str,
    args: &[Edn],
    sources: &[(String, Db)],
    analyze: bool,
    limits: &QueryOptions,
) -> Result<Explain> {
    let query = parse_query(text)?;
    let (mut inputs, rules) = bind_args(&query, args)?;
    bind_sources(&query, &mut inputs, sources)?;
    exec::explain(db, &query, &inputs, &rules, analyze, limits)
}
