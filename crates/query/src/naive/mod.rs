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
//! - every source (`$`, `$h`, ...) denotes the one `db` passed to [`q`];
//! - variables hold a single [`Value`](datolite_store::Value): a function result that is a tuple or
//!   collection must be destructured by its binding form (`[?a ?b]`,
//!   `[?x ...]`, `[[?a ?b]]`), binding it to a scalar variable is an error;
//! - `:keys` is ignored (the result is positional).

mod eval;

use datolite_store::{Db, Index};

use crate::ast::{Query, Rule};
use crate::error::{QueryError, Result};
use crate::result::{bind_inputs, find, shape};

pub use crate::functions::compare;
pub use crate::result::{Cell, InputValue, QueryResult};

/// Runs `query` against `db` with `inputs` (one per `:in` entry) and the
/// rule set `rules` (used by rule calls whether or not `%` is declared).
pub fn q(db: &Db, query: &Query, inputs: &[InputValue], rules: &[Rule]) -> Result<QueryResult> {
    query.check_inputs(inputs.len())?;
    let datoms = db
        .scan(Index::Eavt)
        .collect()
        .map_err(|e| QueryError::invalid(format!("scan failed: {e}"), query.pos))?;
    let ctx = eval::Ctx::new(db, datoms, rules);
    run(&ctx, query, inputs)
}

/// [`q`] with an already built context (also used for subqueries).
pub(crate) fn run(
    ctx: &eval::Ctx<'_>,
    query: &Query,
    inputs: &[InputValue],
) -> Result<QueryResult> {
    query.check_inputs(inputs.len())?;
    let rows = bind_inputs(query, inputs)?;
    // 2. Rules reachable from the query, computed to a fixpoint.
    ctx.prepare_rules(&query.where_clauses)?;
    // 3. Clauses.
    let rows = ctx.eval_clauses(rows, &query.where_clauses)?;
    // 4. Find.
    let rel = find(&rows, query)?;
    Ok(shape(rel, &query.find))
}
