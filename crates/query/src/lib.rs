//! datolite's query language: the Datomic dialect of Datalog.
//!
//! Step 1 of the engine: the AST ([`ast`]) and the parser ([`parse_query`],
//! [`parse_rules`]) turning EDN text into it, with binding analysis and
//! errors that quote the offending form and its line/column. Planning and
//! execution come later and consume [`Query`] and [`Rule`].
//!
//! ```
//! use datolite_query::{parse_query, FindSpec};
//! let q = parse_query("[:find ?name . :in $ ?e :where [?e :person/name ?name]]").unwrap();
//! assert!(matches!(q.find, FindSpec::Scalar(_)));
//! assert_eq!(q.inputs.len(), 2);
//! ```

#![warn(missing_docs)]

pub mod args;
pub mod ast;
pub mod error;
pub mod naive;
pub mod parser;
mod run;

pub use args::{bind_args, value_of};
pub use ast::{
    Aggregate, AggregateFn, BindVar, Binding, Call, Clause, ClauseKind, Constant, Direction,
    FindElem, FindSpec, FnArg, Input, OrderBy, Pattern, Pos, Query, Rule, RuleVars, SrcVar, Term,
    Var,
};
pub use error::{QueryError, Result};
pub use naive::{compare, Cell, InputValue, QueryResult};
pub use parser::{parse_query, parse_query_form, parse_rules, parse_rules_form};
pub use run::{q, q_edn};
