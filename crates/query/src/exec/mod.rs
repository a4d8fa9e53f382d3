//! The executor: runs the planner's tree (`crate::plan::Plan`) as given over relations of
//! cells (`docs/design.md`, §8.3 The physical plan, §8.4 Relations of cells). It chooses nothing: indexes, join methods and
//! nested bodies' plans are the plan's; it binds each input row's values into them.
//!
//! - A relation (`rel::Rel`) is rows of `val::Val` cells over one variable list: ids and
//!   numbers unboxed, strings and other values decoded only when a variable binds them and
//!   shared after that. Values are built for the user only in the find step.
//! - Every read of a query goes through one [`Reader`] (one snapshot held for the query).
//! - Data patterns (`pattern`, `lookup`, `slots`): index lookups per input row, or one
//!   scan hash- or merge-joined to the input, as the node's join says (the planner fixes the
//!   input size from which the scan runs). Keywords that rows bind in the attribute position
//!   are resolved once per step (`idents`).
//! - Predicates and function expressions (`calls`): comparisons on cells without building
//!   values, everything else through the shared function library (subquery `q` included).
//! - `not`/`not-join`/`or`/`or-join`/`and` (`not_or`): evaluated once for the distinct join
//!   tuples of the whole input, then joined back.
//! - Rules (`rules`): relations computed bottom-up by a semi-naive fixpoint, stratified;
//!   calls of transitive closures that bind an argument run as searches (`closure`).
//! - Aggregates (`aggregate`): single-pattern aggregates computed while scanning, in parallel
//!   for large attributes, when the planner chose that strategy (`crate::plan::aggregate`).
//! - Nodes hand rows on in batches (`pipeline`): predicates, function expressions and lookups
//!   run on each batch as it comes; the find step keeps only the find tuples (`find`).
//! - Every node's runs, rows and time are counted (`metrics`) for `explain --analyze`
//!   ([`crate::Explain`]), nested bodies and rule bodies included.
//!
//! Intermediate relations are bags (a pattern over distinct datoms cannot duplicate a row
//! anyway); the find step and rule relations are sets.

mod aggregate;
mod binding;
mod budget;
mod calls;
mod closure;
mod coerce;
mod explain;
mod find;
mod hash_index;
mod idents;
mod interner;
mod lookup;
mod metrics;
mod not_or;
mod pattern;
mod pipeline;
mod rel;
mod rules;
mod slots;
mod val;

use std::cell::{Cell as StdCell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap};

use rustc_hash::{FxHashMap, FxHashSet};

use datolite_store::{Db, Index, Reader, Value};

use crate::ast::{BindVar, Binding, Clause, Input, Query, Rule, SrcVar};
use crate::error::Result;
use crate::explain::{Explain, RulePlan};
use crate::functions::{Env, Regexes};
use crate::inputs::input_values;
use crate::plan::aggregate::{count_from_stats, scan_aggregate, ScanAggregate};
use crate::plan::{self, Node};
use crate::resolve::closure::Closure;
use crate::resolve::{self, Rules};
use crate::result::{shape, Cell, InputValue, QueryResult};
use crate::sources::{self, Sources};

use budget::Budget;
pub use budget::{Cancel, QueryOptions};
pub(crate) use explain::explain;
use find::FindSet;
use metrics::Metrics;
use rel::Rel;
use val::Val;

/// How data patterns join the rows before them: a planner input (normally the planner chooses
/// per node from the statistics; tests force each method to check them all against the naive
/// evaluator).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum JoinStrategy {
    /// Per node, whichever reads less: the default.
    #[default]
    Auto,
    /// Always one index lookup per input row.
    Lookups,
    /// Always one scan joined by hashing (or merging, when both sides are in entity order),
    /// however few the input rows; rule calls always index their relation.
    Scans,
}

/// How a query runs, beyond the query itself: what the tests vary to check every join method
/// and every batch boundary against the naive evaluator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunOptions {
    /// How data patterns join (a planner input).
    pub strategy: JoinStrategy,
    /// Rows per batch between pipelined steps (at least 1).
    pub batch_rows: usize,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            strategy: JoinStrategy::Auto,
            batch_rows: pipeline::BATCH_ROWS,
        }
    }
}

/// Runs `query` (see [`crate::q`]) with `options`.
pub(crate) fn q(
    db: &Db,
    query: &Query,
    inputs: &[InputValue],
    rules: &[Rule],
    options: RunOptions,
    limits: &QueryOptions,
) -> Result<QueryResult> {
    query.check_inputs(inputs.len())?;
    let sources = Sources::new(db, query, inputs)?;
    let (query, rules) = sources::scope(query, rules);
    // Unknown names are errors before any shortcut runs.
    let query = resolve::query(&sources, &query)?;
    let query = &*query;
    if let Some(plan) = top_level_aggregate(db, query, inputs)? {
        return Ok(shape(aggregate::run(db, &plan, query)?, query));
    }
    let mut exec = Exec::new(&sources, &rules)?;
    exec.options = RunOptions {
        batch_rows: options.batch_rows.max(1),
        ..options
    };
    exec.budget = Budget::new(limits);
    exec.run(query, inputs, None)
}

/// The single-pattern aggregation plan, when it applies (see [`aggregate`]). Only at the top
/// level: a parallel scan needs snapshots of its own, which a running query's reader holds.
fn top_level_aggregate<'d>(
    db: &'d Db,
    query: &Query,
    inputs: &[InputValue],
) -> Result<Option<ScanAggregate<'d>>> {
    query.check_inputs(inputs.len())?;
    if count_from_stats(db, query, inputs).is_some() {
        return Ok(None);
    }
    Ok(scan_aggregate(db, query, inputs))
}

/// A rule relation: tuples over the head variables.
type Tuples = FxHashSet<Vec<Val>>;

/// What one query evaluation shares: the snapshot, the rules and their relations.
pub(crate) struct Exec<'a> {
    /// The query's sources (`$` and the other `:in` database values).
    sources: &'a Sources,
    /// One reader per snapshot the sources read (views of one snapshot share it: the view is
    /// the scan's, the reader only holds the snapshot), and each source's reader, `$` first.
    readers: Vec<Reader<'a>>,
    source_readers: Vec<(&'a str, &'a Db, usize)>,
    /// The source the running clause reads (an index into `source_readers`).
    active: StdCell<usize>,
    /// The rules, resolved against the snapshot.
    rules: Rules<'a>,
    /// Regular expressions compiled so far.
    regexes: Regexes,
    /// Cells of strings (and other encoded values) read so far, shared when read again.
    interner: RefCell<interner::Interner>,
    /// Rule name → its relation.
    rels: RefCell<FxHashMap<String, Tuples>>,
    /// During a semi-naive round: the rule call that reads the delta, and the delta.
    delta: RefCell<Option<(*const Clause, Tuples)>>,
    /// The next plan node id (plans of the query, its rules and subqueries share the ids).
    ids: StdCell<usize>,
    /// Plan runs so far (see `pipeline`: a node's batches of one run count as one run).
    plan_runs: StdCell<u64>,
    /// What each plan node did, by node id (counted only with `explain --analyze`).
    metrics: RefCell<Vec<Metrics>>,
    /// With `explain`: each rule definition's plan and metrics, as its stratum finished.
    rule_plans: RefCell<Option<Vec<RulePlan>>>,
    /// With `explain --analyze`: the query runs and the plans show what each node did.
    analyzing: StdCell<bool>,
    /// How patterns join and how many rows a batch holds.
    options: RunOptions,
    /// The query's time and row limits, and its cancellation.
    budget: Budget,
}

impl Env for Exec<'_> {
    fn db(&self) -> &Db {
        self.db()
    }

    fn source(&self, src: &SrcVar) -> &Db {
        self.sources.get(Some(src))
    }

    fn values(&self, e: u64, a: u64) -> Vec<Value> {
        let mut out = Vec::new();
        // A failed read yields no values, as an absent attribute does.
        let reader = self.reader();
        let _ = self.each_value(e, a, |raw| {
            if let Ok(v) = reader.value(raw) {
                out.push(v);
            }
            true
        });
        out
    }

    fn has_values(&self, e: u64, a: u64) -> bool {
        let mut found = false;
        // A failed read finds nothing, as `values` does.
        let _ = self.each_value(e, a, |_| {
            found = true;
            false
        });
        found
    }

    fn subquery(&self, query: &Query, inputs: &[InputValue]) -> Result<QueryResult> {
        // A subquery reading other values than `$` has sources of its own: a run of its own.
        if inputs.iter().any(|i| matches!(i, InputValue::Source(_))) {
            return q(
                self.sources.default_db(),
                query,
                inputs,
                &self.rules.rules,
                self.options,
                &self.budget.remaining(),
            );
        }
        self.run(query, inputs, None)
    }

    fn regexes(&self) -> &Regexes {
        &self.regexes
    }
}

impl<'a> Exec<'a> {
    fn new(sources: &'a Sources, rules: &'a [Rule]) -> Result<Self> {
        let mut readers: Vec<Reader<'a>> = Vec::new();
        let mut source_readers = Vec::new();
        for (name, db) in sources.iter() {
            let shared = readers.iter().position(|r| r.db().same_snapshot(db));
            let index = match shared {
                Some(i) => i,
                None => {
                    readers.push(db.reader()?);
                    readers.len() - 1
                }
            };
            source_readers.push((name, db, index));
        }
        Ok(Exec {
            sources,
            readers,
            source_readers,
            active: StdCell::new(0),
            rules: resolve::rules(sources, rules),
            regexes: Regexes::default(),
            interner: RefCell::default(),
            rels: RefCell::new(FxHashMap::default()),
            delta: RefCell::new(None),
            ids: StdCell::new(0),
            plan_runs: StdCell::new(0),
            metrics: RefCell::new(Vec::new()),
            rule_plans: RefCell::new(None),
            analyzing: StdCell::new(false),
            options: RunOptions::default(),
            budget: Budget::default(),
        })
    }

    /// Calls `f` with the encoded value of each datom of attribute `a` on entity `e` in the
    /// source being read (every datom the view shows), until it returns false.
    fn each_value(
        &self,
        e: u64,
        a: u64,
        mut f: impl FnMut(&[u8]) -> bool,
    ) -> datolite_store::Result<()> {
        let Ok(a) = u32::try_from(a) else {
            return Ok(());
        };
        let scan = self.db().scan(Index::Eavt).entity(e).attribute_id(a);
        self.reader().for_each_raw(&scan, |raw| f(raw.v))
    }

    /// The planner's view of this run: the snapshot, scalar inputs, rule sizes so far.
    fn plan_env<'e>(
        &'e self,
        consts: &'e BTreeMap<crate::ast::Var, Value>,
        sizes: &'e HashMap<String, usize>,
        closures: &'e BTreeMap<String, Closure>,
        demand: &'e BTreeSet<String>,
    ) -> plan::Env<'e> {
        plan::Env {
            db: self.sources.default_db(),
            consts,
            rule_sizes: sizes,
            strategy: self.options.strategy,
            ids: &self.ids,
            closures,
            demand,
            products: false,
        }
    }

    /// Runs `query`; with `explain`, its plan (and, when analyzing, what each node did) is
    /// written there — and without analyzing, nothing runs past the rules.
    fn run(
        &self,
        query: &Query,
        inputs: &[InputValue],
        explain: Option<&mut Explain>,
    ) -> Result<QueryResult> {
        let query = resolve::query(self.sources, query)?;
        let query = self.rules.inline_query(&query);
        let query = &*query;
        // The inputs bound straight into the first relation.
        let mut rel = Rel::unit();
        let db = self.sources.default_db();
        for input in input_values(db, query, inputs, &self.rules.rules)? {
            rel = rel.bind_each(input.binding, &input.form, query.pos, |_, _| {
                Ok(input.value.clone())
            })?;
        }
        if let Some((n, why)) = count_from_stats(db, query, inputs) {
            if let Some(x) = explain {
                x.count_from_stats(n, why);
            }
            let rel = if n == 0 {
                Vec::new()
            } else {
                vec![vec![Cell::Value(Value::Long(n as i64))]]
            };
            return Ok(shape(rel, query));
        }
        self.prepare_query_rules(&query.where_clauses)?;
        // Scalar inputs, as bound (lookup refs resolved): the same in every row.
        let mut consts = BTreeMap::new();
        for input in &query.inputs {
            if let Input::Binding(Binding::Scalar(BindVar::Var(v))) = input {
                if let (Some(col), false) = (rel.col(v), rel.is_empty()) {
                    consts.insert(v.clone(), rel.row(0)[col].to_value());
                }
            }
        }
        let sizes = self.rule_sizes();
        let env = self.plan_env(&consts, &sizes, &self.rules.closures, &self.rules.demand);
        let plan = plan::plan(&env, &query.where_clauses, &rel.var_set(), rel.len() as f64)?;
        let Some(x) = explain else {
            let mut rows = find::find(self.run_for_find(rel, &plan, query)?, query)?;
            crate::pull::pull_columns(&mut rows, query, self.sources, inputs)?;
            return Ok(shape(rows, query));
        };
        x.inputs_inlined = consts.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        x.input_rows = Some(rel.len());
        let found = if x.analyzed {
            self.run_for_find(rel, &plan, query)?
        } else {
            FindSet::new(query)
        };
        x.steps = self.explain_plan(&plan, x.analyzed);
        x.rules = self.rule_plans.borrow_mut().take().unwrap_or_default();
        Ok(shape(find::find(found, query)?, query))
    }

    /// Runs the plan into the set the find step reads (the last relation is never gathered).
    fn run_for_find(&self, rel: Rel, plan: &plan::Plan<'_>, query: &Query) -> Result<FindSet> {
        let mut found = FindSet::new(query);
        self.run_plan_into(rel, plan, &mut |batch| {
            found.add(batch);
            Ok(())
        })?;
        Ok(found)
    }

    fn rule_sizes(&self) -> HashMap<String, usize> {
        self.rels
            .borrow()
            .iter()
            .map(|(k, v)| (k.clone(), v.len()))
            .collect()
    }

    /// Updates the metrics of `node` (only `explain --analyze` reads them, so only then).
    fn record(&self, node: &Node<'_>, f: impl FnOnce(&mut Metrics)) {
        if !self.analyzing.get() {
            return;
        }
        let mut metrics = self.metrics.borrow_mut();
        let i = node.id.0;
        if metrics.len() <= i {
            metrics.resize(i + 1, Metrics::default());
        }
        f(&mut metrics[i]);
    }

    /// The database value the running clause reads.
    fn db(&self) -> &'a Db {
        self.source_readers[self.active.get()].1
    }

    /// The reader of the snapshot the running clause reads.
    fn reader(&self) -> &Reader<'a> {
        &self.readers[self.source_readers[self.active.get()].2]
    }

    /// Runs `f` with `src` as the source clauses read (`None`: the default), then restores the
    /// one before. A source the query lacks is an error (resolution refuses it first), never
    /// the default.
    fn reading<T>(&self, src: Option<&SrcVar>, f: impl FnOnce() -> Result<T>) -> Result<T> {
        let name = src.map_or(sources::DEFAULT, |s| s.0.as_str());
        let i = self
            .source_readers
            .iter()
            .position(|(n, ..)| *n == name)
            .ok_or_else(|| {
                crate::error::QueryError::Storage(format!("internal: unknown source {name}"))
            })?;
        let before = self.active.replace(i);
        let out = f();
        self.active.set(before);
        out
    }
}
