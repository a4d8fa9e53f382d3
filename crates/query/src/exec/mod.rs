//! The executor: runs the planner's steps over a relation of binding rows (DESIGN §8).
//!
//! - Data patterns: an index nested-loop join — for each input row one prefix scan with the
//!   row's bound components (EAVT / AVET / VAET / AEVT as the values allow) — or, when the
//!   input relation is large and the pattern alone is small, a hash join: the pattern is
//!   scanned once with its constants and hashed on a shared variable. Bound values are coerced
//!   to the attribute's type so that [`crate::compare`] equality (`Long 1 = Double 1.0 =
//!   Ref 1`) holds as in the naive evaluator; every candidate datom is re-checked by the same
//!   unification the naive evaluator uses.
//! - Predicates, function expressions (subquery `q` included), `not`/`not-join`,
//!   `or`/`or-join`/`and` as in the naive evaluator, with nested clause lists planned too.
//! - Rules: relations computed bottom-up by a semi-naive fixpoint (a recursive call reads only
//!   the previous round's new tuples), bodies evaluated with the same index-based patterns.
//! - `(count ?x)` over a single attribute pattern is answered from statistics in O(1).
//!
//! Rows hold decoded `Value`s; column batches of encoded values are the later optimization.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;

use datolite_store::{Datom, Db, Index, Value, ValueType};

use crate::ast::{
    AggregateFn, BindVar, Binding, Clause, ClauseKind, Constant, FindElem, Input, Pattern, Pos,
    Query, Rule, Term, Var,
};
use crate::error::{QueryError, Result};
use crate::functions::{call, constant, Env};
use crate::plan::{self, Access, Step, StepKind};
use crate::result::{bind_inputs, find, shape, Cell, InputValue, QueryResult};
use crate::rows::{bind_all, match_datom, merge, project, reachable_rules, unify_term, FnVal, Row};

/// A rule relation: tuples over the head variables.
type Relation = BTreeSet<Vec<Value>>;

/// At most this many fixpoint rounds before rule evaluation gives up.
const MAX_ROUNDS: usize = 10_000;

/// From this many input rows on, a pattern may be hash-joined instead of looked up per row.
const HASH_MIN_ROWS: usize = 256;

/// Runs `query` (see [`crate::q`]).
pub(crate) fn q(
    db: &Db,
    query: &Query,
    inputs: &[InputValue],
    rules: &[Rule],
) -> Result<QueryResult> {
    Exec::new(db, rules).run(query, inputs, None)
}

/// The plan of `query`, one line per step; with `analyze`, run and with actual rows.
pub(crate) fn explain(
    db: &Db,
    query: &Query,
    inputs: &[InputValue],
    rules: &[Rule],
    analyze: bool,
) -> Result<String> {
    let exec = Exec::new(db, rules);
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

struct Exec<'a> {
    db: &'a Db,
    rules: &'a [Rule],
    /// Rule name → its relation (tuples over the head variables).
    rels: RefCell<HashMap<String, BTreeSet<Vec<Value>>>>,
    /// During a semi-naive round: the rule call that reads the delta, and the delta.
    delta: RefCell<Option<(*const Clause, Relation)>>,
    /// Whether the last pattern step ran as a hash join (for `explain` with analyze).
    hashed: std::cell::Cell<bool>,
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
        let _ = scan.for_each(|d| {
            if d.added {
                out.push(d.v.to_owned());
            }
            true
        });
        out
    }

    fn subquery(&self, query: &Query, inputs: &[InputValue]) -> Result<QueryResult> {
        self.run(query, inputs, None)
    }
}

/// Where a lookup stands on one datom component.
enum Res<T> {
    /// Not bound: scan over it.
    Free,
    /// Bound to this.
    Is(T),
    /// Bound to something no datom can have.
    Never,
}

/// A bound value as the attribute's index sees it.
enum Lookup {
    /// Exactly this encoded value.
    Exact(Value),
    /// `0.0` of a Double attribute: both zeros.
    Zero,
    /// No index narrowing possible (NaN, huge integers): scan the attribute and filter.
    Scan,
    /// No value of the attribute can equal it.
    Never,
}

const EXACT_F64: f64 = 9_007_199_254_740_992.0; // 2^53

fn coerce(v: &Value, vt: ValueType) -> Lookup {
    use Lookup::*;
    match (vt, v) {
        (ValueType::Long, Value::Long(_)) => Exact(v.clone()),
        (ValueType::Long, Value::Ref(r)) => {
            i64::try_from(*r).map_or(Never, |n| Exact(Value::Long(n)))
        }
        (ValueType::Long, Value::Double(d)) => {
            if d.is_nan() || d.fract() != 0.0 {
                Never
            } else if d.abs() < EXACT_F64 {
                Exact(Value::Long(*d as i64))
            } else {
                Scan
            }
        }
        (ValueType::Double, Value::Double(d)) => {
            if d.is_nan() {
                Scan
            } else if *d == 0.0 {
                Zero
            } else {
                Exact(v.clone())
            }
        }
        (ValueType::Double, Value::Long(_) | Value::Ref(_)) => {
            let n = match v {
                Value::Long(n) => *n as f64,
                Value::Ref(n) => *n as f64,
                _ => unreachable!(),
            };
            if n == 0.0 {
                Zero
            } else if n.abs() < EXACT_F64 {
                Exact(Value::Double(n))
            } else {
                Scan
            }
        }
        (ValueType::Ref, Value::Ref(_)) => Exact(v.clone()),
        (ValueType::Ref, Value::Long(n)) => {
            u64::try_from(*n).map_or(Never, |n| Exact(Value::Ref(n)))
        }
        (ValueType::Ref, Value::Double(d)) => {
            if d.is_nan() || d.fract() != 0.0 || *d < 0.0 {
                Never
            } else if *d < EXACT_F64 {
                Exact(Value::Ref(*d as u64))
            } else {
                Scan
            }
        }
        (vt, v) if v.value_type() == vt => Exact(v.clone()),
        _ => Never,
    }
}

/// The entity id a value denotes in the E position (compare-equal to `Ref(id)`).
fn entity_of(v: &Value) -> Res<u64> {
    match v {
        Value::Ref(x) => Res::Is(*x),
        Value::Long(n) => u64::try_from(*n).map_or(Res::Never, Res::Is),
        Value::Double(d) if d.fract() == 0.0 && *d >= 0.0 && *d < EXACT_F64 => Res::Is(*d as u64),
        _ => Res::Never,
    }
}

/// A hash key under which [`crate::compare`]-equal values collide.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Int(i128),
    Float(u64),
    Other(Value),
}

fn key(v: &Value) -> Key {
    match v {
        Value::Long(n) => Key::Int(i128::from(*n)),
        Value::Ref(n) => Key::Int(i128::from(*n)),
        Value::Double(d) if d.fract() == 0.0 && d.abs() < 1e30 => Key::Int(*d as i128),
        Value::Double(d) if d.is_nan() => Key::Float(f64::NAN.to_bits()),
        Value::Double(d) => Key::Float(d.to_bits()),
        other => Key::Other(other.clone()),
    }
}

fn scan_error(e: datolite_store::StoreError, clause: &Clause) -> QueryError {
    QueryError::invalid(format!("scan failed for {}: {e}", clause.form), clause.pos)
}

impl<'a> Exec<'a> {
    fn new(db: &'a Db, rules: &'a [Rule]) -> Self {
        Exec {
            db,
            rules,
            rels: RefCell::new(HashMap::new()),
            delta: RefCell::new(None),
            hashed: std::cell::Cell::new(false),
        }
    }

    fn run(
        &self,
        query: &Query,
        inputs: &[InputValue],
        trace: Option<&mut Trace>,
    ) -> Result<QueryResult> {
        let rows = bind_inputs(query, inputs)?;
        if let Some((n, why)) = self.count_from_stats(query, inputs) {
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
        let sizes = self.rule_sizes();
        let env = plan::Env {
            db: self.db,
            consts: &consts,
            rule_sizes: &sizes,
        };
        let bound: BTreeSet<Var> = rows
            .first()
            .map(|r| r.keys().cloned().collect())
            .unwrap_or_default();
        let steps = plan::plan(&env, &query.where_clauses, &bound, rows.len() as f64)?;
        let rows = match trace {
            None => self.run_steps(rows, &steps, None)?,
            Some(t) => {
                if !consts.is_empty() {
                    let c: Vec<String> = consts.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                    t.lines.push(format!("inputs inlined: {}", c.join(", ")));
                }
                t.lines.push(format!("input rows: {}", rows.len()));
                let mut actual = Vec::new();
                let out = if t.analyze {
                    self.run_steps(rows, &steps, Some(&mut actual))?
                } else {
                    Vec::new()
                };
                for (i, s) in steps.iter().enumerate() {
                    let mut line = format!("{}. {}", i + 1, s.describe());
                    if t.analyze {
                        match actual.get(i) {
                            Some((n, hashed)) => {
                                line.push_str(&format!("  actual rows {n}"));
                                if *hashed {
                                    line.push_str(" (hash join)");
                                }
                            }
                            None => line.push_str("  (not run: no rows left)"),
                        }
                    }
                    t.lines.push(line);
                }
                out
            }
        };
        let rel = find(&rows, query)?;
        Ok(shape(rel, &query.find))
    }

    fn rule_sizes(&self) -> HashMap<String, usize> {
        self.rels
            .borrow()
            .iter()
            .map(|(k, v)| (k.clone(), v.len()))
            .collect()
    }

    /// `[:find (count ?x) :where [?e :a ?v]]` with `?x` the entity or the value: the distinct
    /// entities or values of `:a`, straight from the statistics.
    fn count_from_stats(&self, query: &Query, inputs: &[InputValue]) -> Option<(u64, String)> {
        if !self.db.has_stats()
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
        let attr = plan::const_attribute(self.db, p)?;
        let var = |t: &Term| match t {
            Term::Var(v) => Some(Some(v.clone())),
            Term::Blank => Some(None),
            _ => None,
        };
        let (e, v) = (var(&p.e)?, var(&p.v)?);
        if e.is_some() && e == v {
            return None;
        }
        let s = self.db.stats().attribute(attr.id);
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

    /// Computes every rule reachable from `clauses` by a semi-naive fixpoint.
    fn prepare_rules(&self, clauses: &[Clause]) -> Result<()> {
        let names = reachable_rules(clauses, self.rules)?;
        if names.iter().all(|n| self.rels.borrow().contains_key(n)) {
            return Ok(());
        }
        for n in &names {
            self.rels.borrow_mut().insert(n.clone(), BTreeSet::new());
        }
        let defs: Vec<&Rule> = self
            .rules
            .iter()
            .filter(|r| names.contains(&r.name))
            .collect();
        let mut delta: HashMap<String, BTreeSet<Vec<Value>>> = HashMap::new();
        for round in 0..MAX_ROUNDS {
            let mut new: HashMap<String, BTreeSet<Vec<Value>>> = HashMap::new();
            for rule in &defs {
                let calls: Vec<(usize, &String)> = rule
                    .body
                    .iter()
                    .enumerate()
                    .filter_map(|(i, c)| match &c.kind {
                        ClauseKind::RuleCall { name, .. } if names.contains(name) => {
                            Some((i, name))
                        }
                        _ => None,
                    })
                    .collect();
                let nested = rule
                    .body
                    .iter()
                    .any(|c| !matches!(c.kind, ClauseKind::RuleCall { .. }) && mentions_rule(c));
                let mut tuples = Vec::new();
                if round == 0 || nested {
                    tuples = self.rule_tuples(rule)?;
                } else {
                    for (i, name) in calls {
                        let Some(d) = delta.get(name).filter(|d| !d.is_empty()) else {
                            continue;
                        };
                        *self.delta.borrow_mut() =
                            Some((&rule.body[i] as *const Clause, d.clone()));
                        let got = self.rule_tuples(rule);
                        *self.delta.borrow_mut() = None;
                        tuples.extend(got?);
                    }
                }
                let rels = self.rels.borrow();
                let known = &rels[&rule.name];
                for t in tuples {
                    if !known.contains(&t) {
                        new.entry(rule.name.clone()).or_default().insert(t);
                    }
                }
            }
            if new.is_empty() {
                return Ok(());
            }
            let mut rels = self.rels.borrow_mut();
            for (name, ts) in &new {
                rels.get_mut(name)
                    .expect("initialised above")
                    .extend(ts.iter().cloned());
            }
            delta = new;
        }
        Err(QueryError::invalid(
            format!("rules did not reach a fixpoint in {MAX_ROUNDS} rounds"),
            clauses
                .first()
                .map_or(Pos { line: 1, column: 1 }, |c| c.pos),
        ))
    }

    fn rule_tuples(&self, rule: &Rule) -> Result<Vec<Vec<Value>>> {
        let rows = self.eval_clauses(vec![Row::new()], &rule.body)?;
        rows.into_iter()
            .map(|row| {
                rule.vars
                    .all()
                    .map(|v| {
                        row.get(v).cloned().ok_or_else(|| {
                            QueryError::invalid(
                                format!(
                                    "rule head variable {v} is not bound by the body of {}",
                                    rule.form
                                ),
                                rule.pos,
                            )
                        })
                    })
                    .collect()
            })
            .collect()
    }

    /// Plans and runs a nested clause list (rule body, `not`, `or` branch).
    fn eval_clauses(&self, rows: Vec<Row>, clauses: &[Clause]) -> Result<Vec<Row>> {
        if rows.is_empty() {
            return Ok(rows);
        }
        let consts = BTreeMap::new();
        let sizes = self.rule_sizes();
        let env = plan::Env {
            db: self.db,
            consts: &consts,
            rule_sizes: &sizes,
        };
        let bound: BTreeSet<Var> = rows[0].keys().cloned().collect();
        let steps = plan::plan(&env, clauses, &bound, rows.len() as f64)?;
        self.run_steps(rows, &steps, None)
    }

    fn run_steps(
        &self,
        mut rows: Vec<Row>,
        steps: &[Step<'_>],
        mut actual: Option<&mut Vec<(usize, bool)>>,
    ) -> Result<Vec<Row>> {
        for step in steps {
            if rows.is_empty() {
                break;
            }
            self.hashed.set(false);
            rows = self.run_step(rows, step)?;
            if let Some(a) = actual.as_deref_mut() {
                a.push((rows.len(), self.hashed.get()));
            }
        }
        Ok(rows)
    }

    fn run_step(&self, rows: Vec<Row>, step: &Step<'_>) -> Result<Vec<Row>> {
        let clause = step.clause;
        let mut out = BTreeSet::new();
        match (&step.kind, &clause.kind) {
            (StepKind::Pattern(access), ClauseKind::Pattern(p)) => {
                let range = match access {
                    Access::AvetRange(lo, hi) => Some((lo.clone(), hi.clone())),
                    _ => None,
                };
                if let Some(rows) = self.hash_join(&rows, p, clause, range.as_ref())? {
                    return Ok(rows);
                }
                let schema = self.db.schema();
                for row in &rows {
                    for d in self.lookup(p, row, range.as_ref(), clause)? {
                        if let Some(r) = match_datom(schema, row, p, &d) {
                            out.insert(r);
                        }
                    }
                }
            }
            (_, ClauseKind::Pred(c)) => {
                for row in rows {
                    let v = call(self as &dyn Env, &row, c, clause)?;
                    if !matches!(v, FnVal::Nil | FnVal::One(Value::Boolean(false))) {
                        out.insert(row);
                    }
                }
            }
            (_, ClauseKind::Fn { call: c, binding }) => {
                for row in rows {
                    let v = call(self as &dyn Env, &row, c, clause)?;
                    out.extend(bind_all(vec![row], binding, &v, &clause.form, clause.pos)?);
                }
            }
            (
                _,
                ClauseKind::Not {
                    join_vars, clauses, ..
                },
            ) => {
                for row in rows {
                    let start = match join_vars {
                        Some(vars) => project(&row, vars.iter()),
                        None => row.clone(),
                    };
                    if self.eval_clauses(vec![start], clauses)?.is_empty() {
                        out.insert(row);
                    }
                }
            }
            (_, ClauseKind::Or { join, branches, .. }) => {
                for row in rows {
                    let start = match join {
                        Some(vars) => project(&row, vars.all()),
                        None => row.clone(),
                    };
                    for branch in branches {
                        let body = match &branch.kind {
                            ClauseKind::And(cs) => cs.as_slice(),
                            _ => std::slice::from_ref(branch),
                        };
                        for r in self.eval_clauses(vec![start.clone()], body)? {
                            let r = match join {
                                Some(vars) => project(&r, vars.all()),
                                None => r,
                            };
                            if let Some(merged) = merge(&row, &r) {
                                out.insert(merged);
                            }
                        }
                    }
                }
            }
            (_, ClauseKind::And(cs)) => return self.eval_clauses(rows, cs),
            (_, ClauseKind::RuleCall { name, args, .. }) => {
                let delta = self.delta.borrow();
                let rels = self.rels.borrow();
                let rel = match delta.as_ref() {
                    Some((ptr, d)) if std::ptr::eq(*ptr, clause) => d,
                    _ => rels.get(name).ok_or_else(|| {
                        QueryError::invalid(
                            format!("unknown rule {name} in {}", clause.form),
                            clause.pos,
                        )
                    })?,
                };
                let schema = self.db.schema();
                if let Some(t) = rel.iter().find(|t| t.len() != args.len()) {
                    return Err(QueryError::invalid(
                        format!(
                            "rule {name} takes {} arguments, {} given in {}",
                            t.len(),
                            args.len(),
                            clause.form
                        ),
                        clause.pos,
                    ));
                }
                // Many rows: index the relation on an argument every row binds.
                let first = &rows[0];
                let keyed = args.iter().position(|t| match t {
                    Term::Var(v) => first.contains_key(v),
                    _ => false,
                });
                if let (Some(i), true) = (keyed, rows.len() * rel.len() > 4096) {
                    let Term::Var(var) = &args[i] else {
                        unreachable!("a variable position")
                    };
                    let mut index: BTreeMap<Key, Vec<&Vec<Value>>> = BTreeMap::new();
                    for t in rel {
                        index.entry(key(&t[i])).or_default().push(t);
                    }
                    for row in &rows {
                        let Some(v) = row.get(var) else { continue };
                        for tuple in index.get(&key(v)).into_iter().flatten() {
                            let mut r = row.clone();
                            if args
                                .iter()
                                .zip(tuple.iter())
                                .all(|(t, v)| unify_term(schema, &mut r, t, v))
                            {
                                out.insert(r);
                            }
                        }
                    }
                    return Ok(out.into_iter().collect());
                }
                for row in &rows {
                    for tuple in rel {
                        if tuple.len() != args.len() {
                            return Err(QueryError::invalid(
                                format!(
                                    "rule {name} takes {} arguments, {} given in {}",
                                    tuple.len(),
                                    args.len(),
                                    clause.form
                                ),
                                clause.pos,
                            ));
                        }
                        let mut r = row.clone();
                        if args
                            .iter()
                            .zip(tuple)
                            .all(|(t, v)| unify_term(schema, &mut r, t, v))
                        {
                            out.insert(r);
                        }
                    }
                }
            }
            (_, ClauseKind::Pattern(_)) => unreachable!("patterns are planned as pattern steps"),
        }
        Ok(out.into_iter().collect())
    }

    /// A hash join of `p` with `rows`, when worth it: many rows, a shared variable in E, A or V,
    /// and the pattern alone (its constants bound) no bigger than a couple of rows per row.
    fn hash_join(
        &self,
        rows: &[Row],
        p: &Pattern,
        clause: &Clause,
        range: Option<&(Bound<Value>, Bound<Value>)>,
    ) -> Result<Option<Vec<Row>>> {
        if rows.len() < HASH_MIN_ROWS {
            return Ok(None);
        }
        let first = &rows[0];
        let shared = |t: &Term| matches!(t, Term::Var(v) if first.contains_key(v));
        let (pos, var) = match (&p.e, &p.a, &p.v) {
            (Term::Var(v), _, _) if shared(&p.e) => (0, v),
            (_, Term::Var(v), _) if shared(&p.a) => (1, v),
            (_, _, Term::Var(v)) if shared(&p.v) => (2, v),
            _ => return Ok(None),
        };
        // The pattern with only its constants: its size bounds the scan.
        let empty = Row::new();
        let alone = match plan::const_attribute(self.db, p) {
            Some(a) => self.db.stats().count(a.id),
            None => return Ok(None),
        };
        if alone as usize > rows.len().saturating_mul(2) {
            return Ok(None);
        }
        let datoms = self.lookup(p, &empty, range, clause)?;
        let mut table: BTreeMap<Key, Vec<usize>> = BTreeMap::new();
        for (i, d) in datoms.iter().enumerate() {
            let k = match pos {
                0 => key(&Value::Ref(d.e)),
                1 => key(&Value::Ref(d.a)),
                _ => key(&d.v),
            };
            table.entry(k).or_default().push(i);
        }
        let schema = self.db.schema();
        let mut out = BTreeSet::new();
        for row in rows {
            let Some(v) = row.get(var) else { continue };
            if let Some(hits) = table.get(&key(v)) {
                for &i in hits {
                    if let Some(r) = match_datom(schema, row, p, &datoms[i]) {
                        out.insert(r);
                    }
                }
            }
        }
        self.hashed.set(true);
        Ok(Some(out.into_iter().collect()))
    }

    /// Candidate datoms for `p` in `row`: one index scan narrowed by what the row and the
    /// constants bind (the caller re-checks each with [`match_datom`]).
    fn lookup(
        &self,
        p: &Pattern,
        row: &Row,
        range: Option<&(Bound<Value>, Bound<Value>)>,
        clause: &Clause,
    ) -> Result<Vec<Datom>> {
        let schema = self.db.schema();
        let e = match &p.e {
            Term::Const(Constant::Long(n)) => u64::try_from(*n).map_or(Res::Never, Res::Is),
            Term::Const(Constant::Keyword(k)) => {
                schema.entity_of_ident(k).map_or(Res::Never, Res::Is)
            }
            Term::Const(_) | Term::Src(_) => Res::Never,
            Term::Var(v) => row.get(v).map_or(Res::Free, entity_of),
            Term::Blank => Res::Free,
        };
        let a = match &p.a {
            Term::Const(_) => {
                plan::const_attribute(self.db, p).map_or(Res::Never, |a| Res::Is(a.clone()))
            }
            Term::Var(v) => match row.get(v).map(entity_of) {
                None => Res::Free,
                Some(Res::Is(id)) => u32::try_from(id)
                    .ok()
                    .and_then(|id| schema.attribute(id))
                    .map_or(Res::Never, |a| Res::Is(a.as_ref().clone())),
                Some(_) => Res::Never,
            },
            Term::Blank => Res::Free,
            Term::Src(_) => Res::Never,
        };
        let v: Option<Value> = match &p.v {
            Term::Const(Constant::Keyword(k)) => match &a {
                Res::Is(attr) if attr.is_ref() => match schema.entity_of_ident(k) {
                    Some(x) => Some(Value::Ref(x)),
                    None => return Ok(Vec::new()),
                },
                _ => Some(Value::Keyword(k.clone())),
            },
            Term::Const(c) => match constant(c) {
                FnVal::One(x) => Some(x),
                _ => return Ok(Vec::new()),
            },
            Term::Var(var) => row.get(var).cloned(),
            _ => None,
        };
        let lookup = match (&a, &v) {
            (Res::Is(attr), Some(x)) => Some(coerce(x, attr.value_type)),
            _ => None,
        };
        if matches!(e, Res::Never)
            || matches!(a, Res::Never)
            || matches!(lookup, Some(Lookup::Never))
        {
            return Ok(Vec::new());
        }
        let zero = (Value::Double(-0.0), Value::Double(0.0));
        let scan = match (&e, &a) {
            (Res::Is(e), Res::Is(attr)) => {
                let s = self.db.scan(Index::Eavt).entity(*e).attribute_id(attr.id);
                match &lookup {
                    Some(Lookup::Exact(x)) => s.value(x),
                    Some(Lookup::Zero) => {
                        s.value_range(Bound::Included(&zero.0), Bound::Included(&zero.1))
                    }
                    _ => s,
                }
            }
            (Res::Is(e), _) => self.db.scan(Index::Eavt).entity(*e),
            (_, Res::Is(attr)) => match &lookup {
                Some(Lookup::Exact(x)) if attr.is_ref() => {
                    self.db.scan(Index::Vaet).value(x).attribute_id(attr.id)
                }
                Some(Lookup::Exact(x)) => self.db.scan(Index::Avet).attribute_id(attr.id).value(x),
                Some(Lookup::Zero) => self
                    .db
                    .scan(Index::Avet)
                    .attribute_id(attr.id)
                    .value_range(Bound::Included(&zero.0), Bound::Included(&zero.1)),
                Some(_) => self.db.scan(Index::Aevt).attribute_id(attr.id),
                None => match range {
                    Some((lo, hi)) => self
                        .db
                        .scan(Index::Avet)
                        .attribute_id(attr.id)
                        .value_range(lo.as_ref(), hi.as_ref()),
                    None => self.db.scan(Index::Aevt).attribute_id(attr.id),
                },
            },
            _ => self.db.scan(Index::Eavt),
        };
        let mut out = Vec::new();
        scan.for_each(|d| {
            out.push(d.to_owned());
            true
        })
        .map_err(|e| scan_error(e, clause))?;
        Ok(out)
    }
}

/// Whether a clause calls a rule anywhere inside it.
fn mentions_rule(c: &Clause) -> bool {
    match &c.kind {
        ClauseKind::RuleCall { .. } => true,
        ClauseKind::Not { clauses, .. } | ClauseKind::And(clauses) => {
            clauses.iter().any(mentions_rule)
        }
        ClauseKind::Or { branches, .. } => branches.iter().any(mentions_rule),
        _ => false,
    }
}
