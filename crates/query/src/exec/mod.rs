//! The executor: runs the planner's steps over relations of cells (DESIGN §8).
//!
//! - A relation (`rel::Rel`) is rows of `val::Val` cells over one variable list: ids and
//!   numbers unboxed, strings and other values decoded only when a variable binds them and
//!   shared after that. Values are built for the user only in the find step.
//! - Every read of a query goes through one [`Reader`] (one snapshot held for the query).
//! - Data patterns (`pattern`, `lookup`, `slots`): index lookups per input row, or one
//!   scan hash- or merge-joined to the input when that reads less; chosen per step from the
//!   statistics (or forced with [`JoinStrategy`]). Keywords that rows bind in the
//!   attribute position are resolved once per step (`idents`).
//! - Predicates and function expressions (`calls`): comparisons on cells without building
//!   values, everything else through the shared function library (subquery `q` included).
//! - `not`/`not-join`/`or`/`or-join`/`and` (`not_or`): evaluated once for the distinct join
//!   tuples of the whole input, then joined back.
//! - Rules (`rules`): relations computed bottom-up by a semi-naive fixpoint, stratified.
//! - Aggregates (`aggregate`): `(count ?x)` of one pattern from statistics in O(1); other
//!   single-pattern aggregates while scanning, in parallel for large attributes.
//! - `explain`: the plan as text, nested bodies included.
//!
//! Intermediate relations are bags (a pattern over distinct datoms cannot duplicate a row
//! anyway); the find step and rule relations are sets.

mod aggregate;
mod calls;
mod explain;
mod find;
mod idents;
mod lookup;
mod not_or;
mod pattern;
mod rel;
mod rules;
mod slots;
mod val;

use std::cell::{Cell as StdCell, RefCell};
use std::collections::{BTreeMap, HashMap};

use rustc_hash::{FxHashMap, FxHashSet};

use datolite_store::{Db, Index, Reader, Value};

use crate::ast::{BindVar, Binding, Clause, ClauseKind, Input, Query, Rule, Var};
use crate::error::Result;
use crate::functions::{Env, Regexes};
use crate::inputs::bind_inputs;
use crate::plan::{self, Step, StepKind};
use crate::resolve::{self, Rules};
use crate::result::{shape, Cell, InputValue, QueryResult};
use crate::rows::mentioned;

pub(crate) use explain::explain;
use explain::Trace;
use pattern::Mode;
use rel::Rel;
use val::Val;

/// How data patterns join the rows before them (normally chosen per step from statistics).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum JoinStrategy {
    /// Per step, whichever reads less: the default.
    #[default]
    Auto,
    /// Always one index lookup per input row.
    Lookups,
    /// Always one scan joined by hashing (or merging, when both sides are in entity order),
    /// however few the input rows; rule calls always index their relation.
    Scans,
}

/// Runs `query` (see [`crate::q`]) joining with `strategy`.
pub(crate) fn q(
    db: &Db,
    query: &Query,
    inputs: &[InputValue],
    rules: &[Rule],
    strategy: JoinStrategy,
) -> Result<QueryResult> {
    // Unknown names are errors before any shortcut runs.
    let query = resolve::query(db, query)?;
    let query = &*query;
    if let Some(plan) = scan_aggregate(db, query, inputs)? {
        return Ok(shape(aggregate::run(db, &plan, query)?, query));
    }
    let mut exec = Exec::new(db, rules)?;
    exec.strategy = strategy;
    exec.run(query, inputs, None)
}

/// The single-pattern aggregation plan, when it applies (see [`aggregate`]). Only at the top
/// level: a parallel scan needs snapshots of its own, which a running query's reader holds.
fn scan_aggregate<'d>(
    db: &'d Db,
    query: &Query,
    inputs: &[InputValue],
) -> Result<Option<aggregate::ScanAggregate<'d>>> {
    query.check_inputs(inputs.len())?;
    if aggregate::count_from_stats(db, query, inputs).is_some() {
        return Ok(None);
    }
    Ok(aggregate::plan(db, query, inputs))
}

/// What running a step did, for `explain --analyze`: rows after it and how a pattern joined.
type Actual = (usize, Option<Mode>);

/// A rule relation: tuples over the head variables.
type Tuples = FxHashSet<Vec<Val>>;

/// What one query evaluation shares: the snapshot, the rules and their relations.
pub(crate) struct Exec<'a> {
    db: &'a Db,
    reader: Reader<'a>,
    /// The rules, resolved against the snapshot.
    rules: Rules<'a>,
    /// Regular expressions compiled so far.
    regexes: Regexes,
    /// Rule name → its relation.
    rels: RefCell<FxHashMap<String, Tuples>>,
    /// During a semi-naive round: the rule call that reads the delta, and the delta.
    delta: RefCell<Option<(*const Clause, Tuples)>>,
    /// How the last pattern step ran (for `explain` with analyze).
    last_mode: StdCell<Option<Mode>>,
    /// How patterns join.
    strategy: JoinStrategy,
}

impl Env for Exec<'_> {
    fn db(&self) -> &Db {
        self.db
    }

    fn values(&self, e: u64, a: u64) -> Vec<Value> {
        let Ok(a) = u32::try_from(a) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let scan = self.db.scan(Index::Eavt).entity(e).attribute_id(a);
        // A failed read yields no values, as an absent attribute does.
        let _ = self.reader.for_each_raw(&scan, |raw| {
            if let Ok(v) = self.reader.value(raw.v) {
                out.push(v);
            }
            true
        });
        out
    }

    fn subquery(&self, query: &Query, inputs: &[InputValue]) -> Result<QueryResult> {
        self.run(query, inputs, None)
    }

    fn regexes(&self) -> &Regexes {
        &self.regexes
    }
}

impl<'a> Exec<'a> {
    fn new(db: &'a Db, rules: &'a [Rule]) -> Result<Self> {
        Ok(Exec {
            db,
            reader: db.reader()?,
            rules: resolve::rules(db, rules),
            regexes: Regexes::default(),
            rels: RefCell::new(FxHashMap::default()),
            delta: RefCell::new(None),
            last_mode: StdCell::new(None),
            strategy: JoinStrategy::Auto,
        })
    }

    fn run(
        &self,
        query: &Query,
        inputs: &[InputValue],
        trace: Option<&mut Trace>,
    ) -> Result<QueryResult> {
        let query = resolve::query(self.db, query)?;
        let query = self.rules.inline_query(&query);
        let query = &*query;
        let rows = bind_inputs(self.db, query, inputs, &self.rules.rules)?;
        if let Some((n, why)) = aggregate::count_from_stats(self.db, query, inputs) {
            if let Some(t) = trace {
                t.lines.push(format!(
                    "1. count from statistics: {why} = {n} (O(1), no scan)"
                ));
            }
            let rel = if n == 0 {
                Vec::new()
            } else {
                vec![vec![Cell::Value(Value::Long(n as i64))]]
            };
            return Ok(shape(rel, query));
        }
        self.prepare_rules(&query.where_clauses)?;
        // Scalar inputs, as bound (lookup refs resolved): the same in every row.
        let mut consts = BTreeMap::new();
        for input in &query.inputs {
            if let Input::Binding(Binding::Scalar(BindVar::Var(v))) = input {
                if let Some(x) = rows.first().and_then(|r| r.get(v)) {
                    consts.insert(v.clone(), x.clone());
                }
            }
        }
        let rel = Rel::from_rows(&rows);
        let sizes = self.rule_sizes();
        let env = plan::Env {
            db: self.db,
            consts: &consts,
            rule_sizes: &sizes,
        };
        let rel_vars = rel.var_set();
        let steps = plan::plan(&env, &query.where_clauses, &rel_vars, rel.len() as f64)?;
        let rel = match trace {
            None => self.run_steps(rel, &steps, None)?,
            Some(t) => self.run_traced(rel, &steps, &env, t, &query.where_clauses)?,
        };
        Ok(shape(find::find(&rel, query)?, query))
    }

    fn rule_sizes(&self) -> HashMap<String, usize> {
        self.rels
            .borrow()
            .iter()
            .map(|(k, v)| (k.clone(), v.len()))
            .collect()
    }

    /// Plans and runs a nested clause list (rule body, `not`, `or` branch) over `rel`.
    fn eval_clauses(&self, rel: Rel, clauses: &[Clause]) -> Result<Rel> {
        if rel.is_empty() {
            return Ok(rel);
        }
        let consts = BTreeMap::new();
        let sizes = self.rule_sizes();
        let env = plan::Env {
            db: self.db,
            consts: &consts,
            rule_sizes: &sizes,
        };
        let steps = plan::plan(&env, clauses, &rel.var_set(), rel.len() as f64)?;
        self.run_steps(rel, &steps, None)
    }

    fn run_steps(
        &self,
        mut rel: Rel,
        steps: &[Step<'_>],
        mut actual: Option<&mut Vec<Actual>>,
    ) -> Result<Rel> {
        for step in steps {
            if rel.is_empty() {
                break;
            }
            self.last_mode.set(None);
            rel = self.run_step(rel, step)?;
            if let Some(a) = actual.as_deref_mut() {
                // Only a pattern step's own mode (a `not` body's patterns set one too).
                let mode = matches!(step.kind, StepKind::Pattern(_))
                    .then(|| self.last_mode.get())
                    .flatten();
                a.push((rel.len(), mode));
            }
        }
        Ok(rel)
    }

    fn run_step(&self, rel: Rel, step: &Step<'_>) -> Result<Rel> {
        let clause = step.clause;
        match (&step.kind, &clause.kind) {
            (StepKind::Pattern(access), ClauseKind::Pattern(p)) => {
                self.pattern_step(rel, p, clause, access)
            }
            (_, ClauseKind::Pred(c)) => self.filter(rel, c, clause),
            (_, ClauseKind::Fn { call: c, binding }) => self.bind(rel, c, binding, clause),
            (
                _,
                ClauseKind::Not {
                    join_vars, clauses, ..
                },
            ) => {
                let keys: Vec<Var> = match join_vars {
                    Some(vs) => vs.clone(),
                    None => mentioned(clause).into_iter().collect(),
                };
                self.anti_join(rel, &keys, clauses)
            }
            (_, ClauseKind::Or { join, branches, .. }) => {
                let targets: Vec<Var> = match join {
                    Some(j) => j.all().cloned().collect(),
                    None => mentioned(clause).into_iter().collect(),
                };
                self.union(rel, &targets, branches)
            }
            (_, ClauseKind::And(cs)) => self.eval_clauses(rel, cs),
            (_, ClauseKind::RuleCall { name, args, .. }) => self.rule_step(rel, clause, name, args),
            (_, ClauseKind::Pattern(_)) => unreachable!("patterns are planned as pattern steps"),
        }
    }
}
