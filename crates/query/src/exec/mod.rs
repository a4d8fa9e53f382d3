//! The executor: runs the planner's steps over relations of cells (DESIGN §8).
//!
//! - A relation ([`rel::Rel`]) is rows of [`val::Val`] cells over one variable list: ids and
//!   numbers unboxed, strings and other values decoded only when a variable binds them and
//!   shared after that. Values are built for the user only in the find step.
//! - Every read of a query goes through one [`Reader`] (one snapshot held for the query).
//! - Data patterns ([`pattern`]): index lookups per input row, or one scan hash-joined to the
//!   input when that reads less; the choice is made per step from the statistics.
//! - Predicates (comparisons without building values), function expressions (subquery `q`
//!   included), and `not`/`not-join`/`or`/`or-join`/`and` evaluated once for the distinct
//!   join tuples of the whole input, then joined back.
//! - Rules ([`rules`]): relations computed bottom-up by a semi-naive fixpoint.
//! - `(count ?x)` over a single attribute pattern is answered from statistics in O(1).
//!
//! Intermediate relations are bags (a pattern over distinct datoms cannot duplicate a row
//! anyway); the find step and rule relations are sets.

mod aggregate;
mod pattern;
mod rel;
mod rules;
mod val;

use std::cell::{Cell as StdCell, RefCell};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use rustc_hash::{FxHashMap, FxHashSet};

use datolite_store::{Db, Index, Reader, Value};

use crate::ast::{
    AggregateFn, BindVar, Binding, Call, Clause, ClauseKind, FindElem, FnArg, Input, Query, Rule,
    Term, Var,
};
use crate::error::Result;
use crate::functions::{call_with, constant, Env};
use crate::plan::{self, Step, StepKind};
use crate::result::{
    bind_inputs, find_tuples, find_vars, shape, unbound_find_var, Cell, InputValue, QueryResult,
};
use crate::rows::{alternatives, mentioned, produced, reachable_rules, FnVal};

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
    if let Some(plan) = scan_aggregate(db, query, inputs)? {
        return Ok(shape(aggregate::run(db, &plan, query)?, &query.find));
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
    if count_from_stats(db, query, inputs).is_some() {
        return Ok(None);
    }
    Ok(aggregate::plan(db, query, inputs))
}

/// The plan of `query`, one line per step; with `analyze`, run and with actual rows.
pub(crate) fn explain(
    db: &Db,
    query: &Query,
    inputs: &[InputValue],
    rules: &[Rule],
    analyze: bool,
) -> Result<String> {
    if let Some(plan) = scan_aggregate(db, query, inputs)? {
        let mut line = plan.describe(db, query);
        if analyze {
            let rows = aggregate::run(db, &plan, query)?.len();
            line.push_str(&format!("  actual rows {rows}"));
        }
        return Ok(line);
    }
    let exec = Exec::new(db, rules)?;
    let mut trace = Trace {
        analyze,
        lines: Vec::new(),
    };
    exec.run(query, inputs, Some(&mut trace))?;
    Ok(trace.lines.join("\n"))
}

struct Trace {
    analyze: bool,
    lines: Vec<String>,
}

/// A rule relation: tuples over the head variables.
type Tuples = FxHashSet<Vec<Val>>;

/// What one query evaluation shares: the snapshot, the rules and their relations.
pub(crate) struct Exec<'a> {
    db: &'a Db,
    reader: Reader<'a>,
    rules: &'a [Rule],
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
}

/// `[:find (count ?x) :where [?e :a ?v]]` with `?x` the entity or the value: the distinct
/// entities or values of `:a`, straight from the statistics.
fn count_from_stats(db: &Db, query: &Query, inputs: &[InputValue]) -> Option<(u64, String)> {
    if !db.has_stats()
        || !query.with.is_empty()
        || query.limit == Some(0)
        || query.where_clauses.len() != 1
        || !inputs.iter().all(|i| *i == InputValue::Db)
    {
        return None;
    }
    let [FindElem::Aggregate(agg)] = query.find_elements() else {
        return None;
    };
    if !matches!(agg.func, AggregateFn::Count | AggregateFn::CountDistinct) {
        return None;
    }
    let ClauseKind::Pattern(p) = &query.where_clauses[0].kind else {
        return None;
    };
    if p.tx != Term::Blank || p.added != Term::Blank {
        return None;
    }
    let attr = plan::const_attribute(db, p)?;
    let var = |t: &Term| match t {
        Term::Var(v) => Some(Some(v.clone())),
        Term::Blank => Some(None),
        _ => None,
    };
    let (e, v) = (var(&p.e)?, var(&p.v)?);
    if e.is_some() && e == v {
        return None;
    }
    let s = db.stats().attribute(attr.id);
    if e.as_ref() == Some(&agg.arg) {
        Some((
            s.distinct_entities,
            format!("distinct entities of :{}", attr.ident),
        ))
    } else if v.as_ref() == Some(&agg.arg) {
        Some((
            s.distinct_values,
            format!("distinct values of :{}", attr.ident),
        ))
    } else {
        None
    }
}

/// The plans of the clause lists inside `clause` (`not` bodies, `or` branches), indented under
/// its explain line, as they would be planned for rows binding `bound`. Nested steps show
/// estimates only.
fn nested_plan(
    env: &plan::Env<'_>,
    clause: &Clause,
    bound: &BTreeSet<Var>,
    depth: usize,
    lines: &mut Vec<String>,
) -> Result<()> {
    let indent = "   ".repeat(depth);
    let lists: Vec<(&str, &[Clause])> = match &clause.kind {
        ClauseKind::Not { clauses, .. } => vec![("not", clauses.as_slice())],
        ClauseKind::Or { branches, .. } => branches
            .iter()
            .map(|b| match &b.kind {
                ClauseKind::And(cs) => ("branch", cs.as_slice()),
                _ => ("branch", std::slice::from_ref(b)),
            })
            .collect(),
        _ => return Ok(()),
    };
    for (what, clauses) in lists {
        lines.push(format!("{indent}{what}:"));
        let mut inner = bound.clone();
        for (i, s) in plan::plan(env, clauses, bound, 1.0)?.iter().enumerate() {
            lines.push(format!("{indent}   {}. {}", i + 1, s.describe()));
            nested_plan(env, s.clause, &inner, depth + 2, lines)?;
            inner.extend(produced(s.clause));
        }
    }
    Ok(())
}

/// A comparison predicate on two cells, evaluated without building values.
struct Comparison {
    test: fn(Ordering) -> bool,
    left: Operand,
    right: Operand,
}

enum Operand {
    Col(usize),
    Lit(Val),
}

impl Comparison {
    /// `(op x y)` with `op` one of `= != not= < > <= >=` and each side a bound variable or a
    /// literal value; `None` for anything else (the general function path handles it).
    fn of(call: &Call, rel: &Rel) -> Option<Comparison> {
        let test: fn(Ordering) -> bool = match call.func.as_str() {
            "=" => |o| o == Ordering::Equal,
            "!=" | "not=" => |o| o != Ordering::Equal,
            "<" => |o| o == Ordering::Less,
            ">" => |o| o == Ordering::Greater,
            "<=" => |o| o != Ordering::Greater,
            ">=" => |o| o != Ordering::Less,
            _ => return None,
        };
        let operand = |a: &FnArg| match a {
            FnArg::Var(v) => rel.col(v).map(Operand::Col),
            FnArg::Const(c) => match constant(c) {
                FnVal::One(v) => Some(Operand::Lit(Val::from(v))),
                _ => None,
            },
            _ => None,
        };
        match call.args.as_slice() {
            [l, r] => Some(Comparison {
                test,
                left: operand(l)?,
                right: operand(r)?,
            }),
            _ => None,
        }
    }

    fn holds(&self, row: &[Val]) -> bool {
        fn get<'v>(row: &'v [Val], o: &'v Operand) -> &'v Val {
            match o {
                Operand::Col(c) => &row[*c],
                Operand::Lit(v) => v,
            }
        }
        (self.test)(get(row, &self.left).compare(get(row, &self.right)))
    }
}

impl<'a> Exec<'a> {
    fn new(db: &'a Db, rules: &'a [Rule]) -> Result<Self> {
        Ok(Exec {
            db,
            reader: db.reader()?,
            rules,
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
        let rows = bind_inputs(query, inputs)?;
        if let Some((n, why)) = count_from_stats(self.db, query, inputs) {
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
            return Ok(shape(rel, &query.find));
        }
        self.prepare_rules(&query.where_clauses)?;
        let mut consts = BTreeMap::new();
        for (input, value) in query.inputs.iter().zip(inputs) {
            if let (Input::Binding(Binding::Scalar(BindVar::Var(v))), InputValue::Scalar(x)) =
                (input, value)
            {
                consts.insert(v.clone(), x.clone());
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
            Some(t) => {
                if !consts.is_empty() {
                    let c: Vec<String> = consts.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                    t.lines.push(format!("inputs inlined: {}", c.join(", ")));
                }
                t.lines.push(format!("input rows: {}", rel.len()));
                let mut actual = Vec::new();
                let out = if t.analyze {
                    self.run_steps(rel, &steps, Some(&mut actual))?
                } else {
                    Rel::empty(Vec::new())
                };
                let mut bound = rel_vars.clone();
                for (i, s) in steps.iter().enumerate() {
                    let mut line = format!("{}. {}", i + 1, s.describe());
                    if t.analyze {
                        match actual.get(i) {
                            Some((n, mode)) => {
                                line.push_str(&format!("  actual rows {n}"));
                                if let Some(m) = mode {
                                    line.push_str(&format!(" ({})", m.describe()));
                                }
                            }
                            None => line.push_str("  (not run: no rows left)"),
                        }
                    }
                    t.lines.push(line);
                    nested_plan(&env, s.clause, &bound, 1, &mut t.lines)?;
                    bound.extend(produced(s.clause));
                }
                self.explain_rules(&query.where_clauses, &mut t.lines)?;
                out
            }
        };
        let vars = find_vars(query);
        let mut tuples = Vec::with_capacity(rel.len());
        if !rel.is_empty() {
            let cols = vars
                .iter()
                .map(|v| rel.col(v).ok_or_else(|| unbound_find_var(v, query)))
                .collect::<Result<Vec<usize>>>()?;
            for row in rel.rows() {
                tuples.push(cols.iter().map(|&c| row[c].to_value()).collect());
            }
        }
        Ok(shape(find_tuples(tuples, query)?, &query.find))
    }

    /// For `explain`: each rule the query reaches, its relation's size, and each
    /// definition's body as planned from no bound variables (how rounds evaluate it).
    fn explain_rules(&self, clauses: &[Clause], lines: &mut Vec<String>) -> Result<()> {
        let names = reachable_rules(clauses, self.rules)?;
        if names.is_empty() {
            return Ok(());
        }
        lines.push("rules (computed bottom-up before the query, semi-naive):".into());
        let (consts, sizes) = (BTreeMap::new(), self.rule_sizes());
        let env = plan::Env {
            db: self.db,
            consts: &consts,
            rule_sizes: &sizes,
        };
        for rule in self.rules.iter().filter(|r| names.contains(&r.name)) {
            let size = sizes.get(&rule.name).copied().unwrap_or(0);
            lines.push(format!("   {}  ({size} tuples)", rule.form));
            let mut bound = BTreeSet::new();
            for (i, s) in plan::plan(&env, &rule.body, &bound, 1.0)?
                .iter()
                .enumerate()
            {
                lines.push(format!("      {}. {}", i + 1, s.describe()));
                nested_plan(&env, s.clause, &bound, 3, lines)?;
                bound.extend(produced(s.clause));
            }
        }
        Ok(())
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
        mut actual: Option<&mut Vec<(usize, Option<Mode>)>>,
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

    /// Keeps the rows for which the predicate is true (not `nil`, not `false`).
    fn filter(&self, mut rel: Rel, c: &Call, clause: &Clause) -> Result<Rel> {
        if let Some(cmp) = Comparison::of(c, &rel) {
            rel.retain(|row| cmp.holds(row));
            return Ok(rel);
        }
        let vars = rel.vars().to_vec();
        let col = |v: &Var| vars.iter().position(|x| x == v);
        let mut failure = None;
        rel.retain(|row| {
            if failure.is_some() {
                return false;
            }
            match call_with(
                self,
                &|v: &Var| col(v).map(|c| row[c].to_value()),
                c,
                clause,
            ) {
                Ok(v) => !matches!(v, FnVal::Nil | FnVal::One(Value::Boolean(false))),
                Err(e) => {
                    failure = Some(e);
                    false
                }
            }
        });
        failure.map_or(Ok(rel), Err)
    }

    /// Extends each row by binding the function's result.
    fn bind(&self, rel: Rel, c: &Call, binding: &Binding, clause: &Clause) -> Result<Rel> {
        let mut new_vars: Vec<Var> = Vec::new();
        for v in binding.vars() {
            if rel.col(v).is_none() && !new_vars.contains(v) {
                new_vars.push(v.clone());
            }
        }
        let mut vars = rel.vars().to_vec();
        vars.extend(new_vars.iter().cloned());
        let mut out = Rel::empty(vars);
        let mut extra: Vec<Option<Val>> = vec![None; new_vars.len()];
        for row in rel.rows() {
            let v = call_with(
                self,
                &|v: &Var| rel.col(v).map(|c| row[c].to_value()),
                c,
                clause,
            )?;
            'alt: for alt in alternatives(binding, &v, &clause.form, clause.pos)? {
                extra.iter_mut().for_each(|x| *x = None);
                for (var, x) in alt {
                    let x = Val::from(x);
                    if let Some(col) = rel.col(var) {
                        if !row[col].same(&x) {
                            continue 'alt;
                        }
                    } else if let Some(i) = new_vars.iter().position(|n| n == var) {
                        match &extra[i] {
                            Some(old) if !old.same(&x) => continue 'alt,
                            Some(_) => {}
                            None => extra[i] = Some(x),
                        }
                    }
                }
                let cells: Option<Vec<Val>> = extra.iter().cloned().collect();
                if let Some(cells) = cells {
                    out.push_extended(row, &cells);
                }
            }
        }
        Ok(out)
    }

    /// `not` / `not-join`: the body runs once over the distinct tuples of the key variables the
    /// input binds; rows whose tuple the body satisfies are dropped.
    fn anti_join(&self, rel: Rel, keys: &[Var], clauses: &[Clause]) -> Result<Rel> {
        let cols: Vec<usize> = keys.iter().filter_map(|v| rel.col(v)).collect();
        let start = rel.distinct_projection(&cols);
        let k = cols.len();
        let res = self.eval_clauses(start, clauses)?;
        let hits: FxHashSet<&[Val]> = res.rows().map(|r| &r[..k]).collect();
        let mut out = Rel::empty(rel.vars().to_vec());
        let mut key = Vec::with_capacity(k);
        for row in rel.rows() {
            key.clear();
            key.extend(cols.iter().map(|&c| row[c].clone()));
            if !hits.contains(key.as_slice()) {
                out.push(row);
            }
        }
        Ok(out)
    }

    /// `or` / `or-join` / `and`: each branch runs once over the distinct tuples of the target
    /// variables the input binds; their union is joined back on those variables and binds the
    /// targets the input did not.
    fn union(&self, rel: Rel, targets: &[Var], branches: &[Clause]) -> Result<Rel> {
        let cols: Vec<usize> = targets.iter().filter_map(|v| rel.col(v)).collect();
        let k = cols.len();
        let start = rel.distinct_projection(&cols);
        let mut results = Vec::new();
        for branch in branches {
            let body = match &branch.kind {
                ClauseKind::And(cs) => cs.as_slice(),
                _ => std::slice::from_ref(branch),
            };
            let res = self.eval_clauses(start.clone(), body)?;
            if !res.is_empty() {
                results.push(res);
            }
        }
        // The targets every non-empty branch result binds.
        let new_vars: Vec<Var> = targets
            .iter()
            .filter(|v| rel.col(v).is_none() && results.iter().all(|r| r.col(v).is_some()))
            .cloned()
            .collect();
        let mut matches: FxHashMap<Vec<Val>, Vec<Vec<Val>>> = FxHashMap::default();
        let mut seen: FxHashSet<Vec<Val>> = FxHashSet::default();
        for res in &results {
            let new_cols: Vec<usize> = new_vars.iter().filter_map(|v| res.col(v)).collect();
            for row in res.rows() {
                let mut t: Vec<Val> = row[..k].to_vec();
                t.extend(new_cols.iter().map(|&c| row[c].clone()));
                if seen.insert(t.clone()) {
                    let extra = t.split_off(k);
                    matches.entry(t).or_default().push(extra);
                }
            }
        }
        let mut vars = rel.vars().to_vec();
        vars.extend(new_vars);
        let mut out = Rel::empty(vars);
        let mut key = Vec::with_capacity(k);
        for row in rel.rows() {
            key.clear();
            key.extend(cols.iter().map(|&c| row[c].clone()));
            for extra in matches.get(&key).into_iter().flatten() {
                out.push_extended(row, extra);
            }
        }
        Ok(out)
    }
}
