//! Clause evaluation: patterns, predicates, functions, `not`, `or`, rules.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};

use datolite_store::{Datom, Db, Value};

use super::functions::{call, compare, constant};
use super::Row;
use crate::ast::{BindVar, Binding, Clause, ClauseKind, Constant, Pattern, Pos, Rule, Term, Var};
use crate::error::{QueryError, Result};

/// At most this many fixpoint rounds before rule evaluation gives up.
pub(crate) const MAX_ROUNDS: usize = 10_000;

/// A function argument or result: nothing, one value, or a sequence.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum FnVal {
    /// `nil`.
    Nil,
    /// One value.
    One(Value),
    /// A tuple or collection.
    Seq(Vec<FnVal>),
}

/// Everything evaluation needs: the snapshot, all its datoms, the rules and
/// the rule relations computed so far.
pub(crate) struct Ctx<'a> {
    pub db: &'a Db,
    pub datoms: Vec<Datom>,
    pub rules: &'a [Rule],
    /// Rule name → its relation (tuples over the head variables).
    rels: RefCell<HashMap<String, BTreeSet<Vec<Value>>>>,
}

impl<'a> Ctx<'a> {
    pub fn new(db: &'a Db, datoms: Vec<Datom>, rules: &'a [Rule]) -> Self {
        Ctx {
            db,
            datoms,
            rules,
            rels: RefCell::new(HashMap::new()),
        }
    }

    /// Computes the relation of every rule reachable from `clauses` by a
    /// naive bottom-up fixpoint: each round evaluates every definition's body
    /// against the relations of the previous round, until nothing new appears.
    pub fn prepare_rules(&self, clauses: &[Clause]) -> Result<()> {
        let mut names = BTreeSet::new();
        let mut todo: Vec<&Clause> = clauses.iter().collect();
        while let Some(c) = todo.pop() {
            match &c.kind {
                ClauseKind::RuleCall { name, .. } => {
                    let defs: Vec<&Rule> = self.rules.iter().filter(|r| &r.name == name).collect();
                    if defs.is_empty() {
                        return Err(QueryError::invalid(
                            format!("unknown rule {name} in {}", c.form),
                            c.pos,
                        ));
                    }
                    if names.insert(name.clone()) {
                        todo.extend(defs.iter().flat_map(|r| &r.body));
                    }
                }
                ClauseKind::Not { clauses, .. } | ClauseKind::And(clauses) => todo.extend(clauses),
                ClauseKind::Or { branches, .. } => todo.extend(branches),
                _ => {}
            }
        }
        if names.iter().all(|n| self.rels.borrow().contains_key(n)) {
            return Ok(());
        }
        for n in &names {
            self.rels.borrow_mut().insert(n.clone(), BTreeSet::new());
        }
        for _ in 0..MAX_ROUNDS {
            let mut changed = false;
            for rule in self.rules.iter().filter(|r| names.contains(&r.name)) {
                let rows = self.eval_clauses(vec![Row::new()], &rule.body)?;
                let mut tuples = Vec::new();
                for row in rows {
                    let tuple = rule
                        .vars
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
                        .collect::<Result<Vec<Value>>>()?;
                    tuples.push(tuple);
                }
                let mut rels = self.rels.borrow_mut();
                let rel = rels.get_mut(&rule.name).expect("initialised above");
                for t in tuples {
                    changed |= rel.insert(t);
                }
            }
            if !changed {
                return Ok(());
            }
        }
        Err(QueryError::invalid(
            format!("rules did not reach a fixpoint in {MAX_ROUNDS} rounds"),
            clauses
                .first()
                .map_or(Pos { line: 1, column: 1 }, |c| c.pos),
        ))
    }

    /// Applies `clauses` to `rows`: repeatedly the first clause that is ready
    /// (its required variables bound), or the first one if none is.
    pub fn eval_clauses(&self, mut rows: Vec<Row>, clauses: &[Clause]) -> Result<Vec<Row>> {
        let mut pending: Vec<&Clause> = clauses.iter().collect();
        while !pending.is_empty() {
            let bound: BTreeSet<Var> = rows
                .first()
                .map(|r| r.keys().cloned().collect())
                .unwrap_or_default();
            let i = (0..pending.len())
                .find(|&i| ready(pending[i], &bound, &pending, i))
                .unwrap_or(0);
            let clause = pending.remove(i);
            rows = self.eval_clause(rows, clause)?;
            if rows.is_empty() {
                return Ok(rows);
            }
        }
        Ok(rows)
    }

    fn eval_clause(&self, rows: Vec<Row>, clause: &Clause) -> Result<Vec<Row>> {
        let mut out = BTreeSet::new();
        match &clause.kind {
            ClauseKind::Pattern(p) => {
                for row in &rows {
                    for d in &self.datoms {
                        if let Some(r) = self.match_pattern(row, p, d) {
                            out.insert(r);
                        }
                    }
                }
            }
            ClauseKind::Pred(c) => {
                for row in rows {
                    let v = call(self, &row, c, clause)?;
                    if !matches!(v, FnVal::Nil | FnVal::One(Value::Boolean(false))) {
                        out.insert(row);
                    }
                }
            }
            ClauseKind::Fn { call: c, binding } => {
                for row in rows {
                    let v = call(self, &row, c, clause)?;
                    out.extend(bind_all(vec![row], binding, &v, &clause.form, clause.pos)?);
                }
            }
            ClauseKind::Not {
                join_vars, clauses, ..
            } => {
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
            ClauseKind::Or { join, branches, .. } => {
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
            ClauseKind::And(cs) => return self.eval_clauses(rows, cs),
            ClauseKind::RuleCall { name, args, .. } => {
                let rels = self.rels.borrow();
                let rel = rels.get(name).ok_or_else(|| {
                    QueryError::invalid(
                        format!("unknown rule {name} in {}", clause.form),
                        clause.pos,
                    )
                })?;
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
                            .all(|(t, v)| self.unify_term(&mut r, t, v))
                        {
                            out.insert(r);
                        }
                    }
                }
            }
        }
        Ok(out.into_iter().collect())
    }

    /// The row extended by matching pattern `p` against datom `d`, if it matches.
    fn match_pattern(&self, row: &Row, p: &Pattern, d: &Datom) -> Option<Row> {
        let schema = self.db.schema();
        let mut r = row.clone();
        let e_ok = match &p.e {
            Term::Const(Constant::Long(n)) => u64::try_from(*n) == Ok(d.e),
            Term::Const(Constant::Keyword(k)) => schema.entity_of_ident(k) == Some(d.e),
            Term::Const(_) | Term::Src(_) => false,
            t => unify(&mut r, t, &Value::Ref(d.e)),
        };
        let a_ok = e_ok
            && match &p.a {
                Term::Const(Constant::Keyword(k)) => {
                    schema.attribute_named(k).map(|a| u64::from(a.id)) == Some(d.a)
                }
                Term::Const(Constant::Long(n)) => u64::try_from(*n) == Ok(d.a),
                Term::Const(_) | Term::Src(_) => false,
                t => unify(&mut r, t, &Value::Ref(d.a)),
            };
        let ok = a_ok
            && self.unify_term(&mut r, &p.v, &d.v)
            && match &p.tx {
                Term::Const(Constant::Long(n)) => u64::try_from(*n) == Ok(d.tx),
                Term::Const(_) | Term::Src(_) => false,
                t => unify(&mut r, t, &Value::Ref(d.tx)),
            }
            && match &p.added {
                Term::Const(Constant::Bool(b)) => *b == d.added,
                Term::Const(_) | Term::Src(_) => false,
                t => unify(&mut r, t, &Value::Boolean(d.added)),
            };
        ok.then_some(r)
    }

    /// Unifies a value-position term (pattern V, rule argument) with `v`.
    fn unify_term(&self, row: &mut Row, t: &Term, v: &Value) -> bool {
        match t {
            Term::Const(c) => self.constant_matches(c, v),
            Term::Src(_) => false,
            t => unify(row, t, v),
        }
    }

    /// Whether a constant written in a value position matches `v`: a
    /// `Ref(x)` equals a Long `x` or a keyword naming entity `x`; otherwise
    /// [`compare`] equality (so Long 1 = Double 1.0).
    pub fn constant_matches(&self, c: &Constant, v: &Value) -> bool {
        if let (Value::Ref(x), Constant::Keyword(k)) = (v, c) {
            return self.db.schema().entity_of_ident(k) == Some(*x);
        }
        match constant(c) {
            FnVal::One(cv) => compare(&cv, v) == Ordering::Equal,
            _ => false,
        }
    }
}

/// Unifies a variable / blank term with `v`: a bound variable must be
/// equal by [`compare`], an unbound one is bound.
fn unify(row: &mut Row, t: &Term, v: &Value) -> bool {
    match t {
        Term::Blank => true,
        Term::Var(var) => unify_var(row, var, v),
        _ => false,
    }
}

fn unify_var(row: &mut Row, var: &Var, v: &Value) -> bool {
    match row.get(var) {
        Some(old) => compare(old, v) == Ordering::Equal,
        None => {
            row.insert(var.clone(), v.clone());
            true
        }
    }
}

/// The row restricted to `vars`.
fn project<'v>(row: &Row, vars: impl Iterator<Item = &'v Var>) -> Row {
    vars.filter_map(|v| row.get(v).map(|x| (v.clone(), x.clone())))
        .collect()
}

/// `a` extended with `b`, if they agree on their common variables.
fn merge(a: &Row, b: &Row) -> Option<Row> {
    let mut r = a.clone();
    for (k, v) in b {
        if !unify_var(&mut r, k, v) {
            return None;
        }
    }
    Some(r)
}

/// Binds `value` (a function result or an input) with `binding` in every
/// row: a scalar binds one value (nil drops the row), a tuple destructures,
/// a collection yields a row per element, a relation a row per tuple.
pub(crate) fn bind_all(
    rows: Vec<Row>,
    binding: &Binding,
    value: &FnVal,
    form: &str,
    pos: Pos,
) -> Result<Vec<Row>> {
    let bad = |what: &str| {
        QueryError::invalid(format!("cannot bind {what} with {binding} in {form}"), pos)
    };
    let seq = |v: &FnVal| -> Result<Vec<FnVal>> {
        match v {
            FnVal::Seq(items) => Ok(items.clone()),
            FnVal::Nil => Ok(Vec::new()),
            FnVal::One(x) => Err(bad(&format!("the single value {x}"))),
        }
    };
    // Each alternative: a list of (binding var, value) pairs.
    let alternatives: Vec<Vec<(&BindVar, FnVal)>> = match binding {
        Binding::Scalar(b) => match value {
            FnVal::Nil => vec![],
            v => vec![vec![(b, v.clone())]],
        },
        Binding::Coll(b) => seq(value)?.into_iter().map(|v| vec![(b, v)]).collect(),
        Binding::Tuple(bs) => match value {
            FnVal::Nil => vec![],
            v => {
                let items = seq(v)?;
                if items.len() != bs.len() {
                    return Err(bad(&format!("a tuple of {} values", items.len())));
                }
                vec![bs.iter().zip(items).collect()]
            }
        },
        Binding::Rel(bs) => {
            let mut alts = Vec::new();
            for t in seq(value)? {
                let items = seq(&t)?;
                if items.len() != bs.len() {
                    return Err(bad(&format!("a tuple of {} values", items.len())));
                }
                alts.push(bs.iter().zip(items).collect());
            }
            alts
        }
    };
    let mut out = Vec::new();
    for row in &rows {
        'alt: for alt in &alternatives {
            let mut r = row.clone();
            for (b, v) in alt {
                let BindVar::Var(var) = b else { continue };
                match v {
                    FnVal::One(x) => {
                        if !unify_var(&mut r, var, x) {
                            continue 'alt;
                        }
                    }
                    FnVal::Nil => continue 'alt,
                    FnVal::Seq(_) => {
                        return Err(bad("a tuple or collection (variables hold single values)"))
                    }
                }
            }
            out.push(r);
        }
    }
    Ok(out)
}

/// Variables a clause mentions (a negation binds nothing outside).
fn produced(c: &Clause) -> BTreeSet<Var> {
    match &c.kind {
        ClauseKind::Not { .. } => BTreeSet::new(),
        _ => mentioned(c),
    }
}

/// Every variable a clause mentions.
fn mentioned(c: &Clause) -> BTreeSet<Var> {
    let mut s = BTreeSet::new();
    let term = |s: &mut BTreeSet<Var>, t: &Term| {
        if let Term::Var(v) = t {
            s.insert(v.clone());
        }
    };
    match &c.kind {
        ClauseKind::Pattern(p) => {
            for t in [&p.e, &p.a, &p.v, &p.tx, &p.added] {
                term(&mut s, t);
            }
        }
        ClauseKind::Pred(call) => s.extend(call_vars(call)),
        ClauseKind::Fn { call, binding } => {
            s.extend(call_vars(call));
            s.extend(binding.vars().into_iter().cloned());
        }
        ClauseKind::Not {
            join_vars: Some(vs),
            ..
        } => s.extend(vs.iter().cloned()),
        ClauseKind::Not { clauses, .. } | ClauseKind::And(clauses) => {
            s.extend(clauses.iter().flat_map(mentioned))
        }
        ClauseKind::Or { join: Some(j), .. } => s.extend(j.all().cloned()),
        ClauseKind::Or { branches, .. } => s.extend(branches.iter().flat_map(mentioned)),
        ClauseKind::RuleCall { args, .. } => {
            for t in args {
                term(&mut s, t);
            }
        }
    }
    s
}

fn call_vars(call: &crate::ast::Call) -> BTreeSet<Var> {
    call.args
        .iter()
        .filter_map(|a| match a {
            crate::ast::FnArg::Var(v) => Some(v.clone()),
            _ => None,
        })
        .collect()
}

/// Whether `pending[i]` can run now: patterns, rule calls and plain `or`
/// always can; predicates and functions need their argument variables
/// bound; `or-join` its required variables; a negation waits until no other
/// pending clause could still bind one of its variables.
fn ready(c: &Clause, bound: &BTreeSet<Var>, pending: &[&Clause], i: usize) -> bool {
    match &c.kind {
        ClauseKind::Pred(call) | ClauseKind::Fn { call, .. } => call_vars(call).is_subset(bound),
        ClauseKind::Or { join: Some(j), .. } => j.required.iter().all(|v| bound.contains(v)),
        ClauseKind::Not { .. } => {
            let others: BTreeSet<Var> = pending
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .flat_map(|(_, c)| produced(c))
                .collect();
            mentioned(c)
                .iter()
                .all(|v| bound.contains(v) || !others.contains(v))
        }
        _ => true,
    }
}
