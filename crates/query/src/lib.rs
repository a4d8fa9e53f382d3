//! datolite's query language: the Datomic dialect of Datalog.
//!
//! The AST ([`ast`]) and the parser ([`parse_query`], [`parse_rules`]) turning
//! EDN text into it, with binding analysis and errors that quote the offending
//! form and its line/column; the planner ([`plan`]: index choice and join order
//! from live statistics, range pushdown, Cartesian-product refusal) and the
//! executor ([`exec`]) behind [`q`] and [`explain()`]; the naive reference
//! evaluator ([`naive`]) they are tested against. Both evaluators share the
//! resolution of names against the schema (`resolve`), the function registry
//! (`functions`: built-ins and aggregates), the value order [`compare`], input
//! binding (lookup refs included) and the find step (aggregates, sorting,
//! result shapes).
//!
//! ```
//! use datolite_query::{parse_query, FindSpec};
//! let q = parse_query("[:find ?name . :in $ ?e :where [?e :person/name ?name]]").unwrap();
//! assert!(matches!(q.find, FindSpec::Scalar(_)));
//! assert_eq!(q.inputs.len(), 2);
//! ```
//!
//! The design: `docs/design.md` in the repository — §8 The query engine (and §5 Statistics for
//! what the planner reads).

#![warn(missing_docs)]

pub mod args;
pub mod ast;
pub mod error;
pub mod exec;
pub mod explain;
mod find;
mod functions;
mod inputs;
pub mod naive;
mod numeric;
pub mod parser;
pub mod plan;
pub mod pull;
mod resolve;
mod result;
mod rows;
mod run;
mod sources;
mod value_order;

pub use args::{bind_args, bind_sources, input_form, value_of};
pub use ast::{
    Aggregate, AggregateCount, AggregateFn, BindVar, Binding, Call, Clause, ClauseKind, Constant,
    Direction, FindElem, FindSpec, FnArg, Input, OrderBy, Pattern, Pos, Query, ReturnKind,
    ReturnMap, Rule, RuleVars, SrcVar, Term, Var,
};
pub use error::{QueryError, Result};
pub use exec::{Cancel, JoinStrategy, QueryOptions, RunOptions};
pub use explain::{Actual, Body, Explain, PlanNode, RulePlan};
pub use functions::{builtin_aggregates, builtin_functions};
pub use parser::{parse_query, parse_query_form, parse_rules, parse_rules_form};
pub use pull::{entity_of, parse_pull, pull, pull_many, PullKey, PullMap, PullPattern, Pulled};
pub use result::{Cell, InputForm, InputValue, QueryResult};
pub use run::{
    explain, explain_edn, explain_plan, explain_plan_edn, explain_plan_edn_limited,
    explain_plan_edn_sources, q, q_edn, q_edn_limited, q_edn_sources, q_limited, q_with,
    test_run_options,
};
pub use value_order::compare;
