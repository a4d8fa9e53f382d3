//! The naive reference evaluator: the oracle the real planner and executor
//! are tested against.
//!
//! Correctness and legibility over speed, in the style of DataScript's
//! `query.cljc`: every data pattern is a nested loop over *all* datoms of the
//! snapshot, bindings are a plain relation (`Vec` of variable → value maps),
//! clauses run in written order (a predicate, function or negation whose
//! variables are not bound yet waits until they are), and rules are computed
//! bottom-up by a naive fixpoint.
//!
//! Deliberate simplifications, all documented where they happen:
//! - every source's datoms are read once, whole, into memory (`$` and each other `:in`
//!   database value);
//! - variables hold a single [`Value`](datolite_store::Value): a function result that is a tuple or
//!   collection must be destructured by its binding form (`[?a ?b]`,
//!   `[?x ...]`, `[[?a ?b]]`, nested), binding it to a scalar variable is an error.
//!
//! Names are resolved as in the executor: once per query by the shared resolution pass
//! (unknown attributes and idents are errors, constant idents and lookup refs become entity
//! ids), inputs when they are bound, and keywords bound in the attribute position per row
//! (`pattern`).

mod eval;
mod pattern;

use std::collections::HashMap;

use datolite_store::{Db, Index};

use crate::ast::{Query, Rule};
use crate::error::{QueryError, Result};
use crate::find::find;
use crate::inputs::bind_inputs;
use crate::resolve;
use crate::result::shape;
use crate::sources::Sources;

pub use crate::result::{Cell, InputValue, QueryResult};
pub use crate::value_order::compare;

/// Runs `query` against `db` with `inputs` (one per `:in` entry) and the
/// rule set `rules` (used by rule calls whether or not `%` is declared).
pub fn q(db: &Db, query: &Query, inputs: &[InputValue], rules: &[Rule]) -> Result<QueryResult> {
    query.check_inputs(inputs.len())?;
    let sources = Sources::new(db, query, inputs)?;
    let (query, rules) = crate::sources::scope(query, rules);
    let mut datoms = HashMap::new();
    for (name, source) in sources.iter() {
        let all = source
            .scan(Index::Eavt)
            .collect()
            .map_err(|e| QueryError::invalid(format!("scan failed: {e}"), query.pos))?;
        datoms.insert(name.to_owned(), all);
    }
    let ctx = eval::Ctx::new(&sources, datoms, resolve::rules(&sources, &rules));
    run(&ctx, &query, inputs)
}

/// [`q`] with an already built context (also used for subqueries).
pub(crate) fn run(
    ctx: &eval::Ctx<'_>,
    query: &Query,
    inputs: &[InputValue],
) -> Result<QueryResult> {
    query.check_inputs(inputs.len())?;
    // 1. Names against the schema, input bindings.
    let query = resolve::query(ctx.sources, query)?;
    let query = ctx.rules.inline_query(&query);
    let rows = bind_inputs(ctx.db(), &query, inputs, &ctx.rules.rules)?;
    // 2. Rules reachable from the query, computed to a fixpoint.
    ctx.prepare_rules(&query.where_clauses)?;
    // 3. Clauses.
    let rows = ctx.eval_clauses(rows, &query.where_clauses)?;
    // 4. Find.
    let mut rel = find(&rows, &query)?;
    crate::pull::pull_columns(&mut rel, &query, ctx.sources, inputs)?;
    Ok(shape(rel, &query))
}
