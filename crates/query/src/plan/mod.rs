//! The planner: turns a clause list into a physical plan tree (`Plan`) from the live
//! statistics (`docs/design.md`, §8 The query engine). The executor runs the tree as given.
//!
//! - `order`: the join order, greedy by estimated rows, refusing accidental Cartesian
//!   products;
//! - `access`: each data pattern's index and bound prefix, range predicates turned into AVET
//!   bounds;
//! - `estimate`: rows per input row from the statistics;
//! - `node`: the tree — join methods, nested bodies' plans, rule-call joins and searches;
//! - `aggregate`: the aggregation strategy of single-pattern queries (from statistics, or
//!   while scanning).

pub(crate) mod access;
pub(crate) mod aggregate;
pub(crate) mod estimate;
pub(crate) mod node;
pub(crate) mod order;

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use datolite_store::{Db, Value};

use crate::ast::Var;
use crate::exec::JoinStrategy;
use crate::resolve::closure::Closure;

pub(crate) use access::Access;
pub(crate) use node::{
    ClosureOp, Component, Join, Node, NodeId, Op, PatternOp, Plan, Repeat, RuleOp, ScanJoin, Search,
};
pub(crate) use order::plan;

/// What the planner knows beyond the clauses.
pub(crate) struct Env<'a> {
    /// The snapshot (schema and statistics).
    pub db: &'a Db,
    /// Scalar inputs, inlined as constants.
    pub consts: &'a BTreeMap<Var, Value>,
    /// Sizes of the rule relations computed so far.
    pub rule_sizes: &'a HashMap<String, usize>,
    /// How data patterns join (normally chosen per node from the statistics).
    pub strategy: JoinStrategy,
    /// The next node id of this query run (ids index the run's metrics).
    pub ids: &'a Cell<usize>,
    /// The rules recognized as transitive closures, which a call binding an argument answers
    /// by a search (empty where searches are not planned: inside rule definitions).
    pub closures: &'a BTreeMap<String, Closure>,
    /// The recursive rules a call binding arguments evaluates on demand (magic sets; empty
    /// where that is not planned: inside rule definitions).
    pub demand: &'a BTreeSet<String>,
    /// Whether unrelated clause groups are joined as a product instead of refused: only for
    /// the rules a rewrite generates (a magic relation joined to a body's clauses may share no
    /// variable with them), never for what a user wrote.
    pub products: bool,
}

impl Env<'_> {
    /// A fresh node id.
    pub(crate) fn next_id(&self) -> NodeId {
        let id = self.ids.get();
        self.ids.set(id + 1);
        NodeId(id)
    }
}
