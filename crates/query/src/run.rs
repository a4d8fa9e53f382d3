//! The entry points applications and the CLI call: parse, bind arguments, evaluate.

use datolite_store::edn::Edn;
use datolite_store::Db;

use crate::args::bind_args;
use crate::ast::{Query, Rule};
use crate::error::Result;
use crate::naive::{self, InputValue, QueryResult};
use crate::parser::parse_query;

/// Runs `query` on `db` with already-shaped `inputs` (one per `:in` element, `InputValue::Db`
/// for sources) and the `rules` that `%` stands for.
///
/// Status: evaluation currently runs on the naive reference evaluator ([`crate::naive`]) —
/// correct, but a nested loop over every datom per pattern. The planner and executor replace
/// it here.
pub fn q(db: &Db, query: &Query, inputs: &[InputValue], rules: &[Rule]) -> Result<QueryResult> {
    naive::q(db, query, inputs, rules)
}

/// Parses `text` and runs it with EDN arguments (one per non-source `:in` element, as the CLI
/// passes them).
pub fn q_edn(db: &Db, text: &str, args: &[Edn]) -> Result<QueryResult> {
    let query = parse_query(text)?;
    let (inputs, rules) = bind_args(&query, args)?;
    q(db, &query, &inputs, &rules)
}
