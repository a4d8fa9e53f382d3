//! Binding rows and what both evaluators do with them: unification (by [`compare`]),
//! destructuring binding forms, and which variables a clause mentions or needs.
//!
//! Rows hold decoded [`Value`]s keyed by variable; the column batches of encoded values that
//! DESIGN §8 describes are a later optimization of the executor.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use datolite_store::{Datom, Schema, Value};

use crate::ast::{BindVar, Binding, Clause, ClauseKind, Constant, Pattern, Pos, Rule, Term, Var};
use crate::error::{QueryError, Result};
use crate::functions::compare;
use crate::functions::constant;

/// A binding row: variable → value.
pub(crate) type Row = BTreeMap<Var, Value>;

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

/// Unifies a variable / blank term with `v`: a bound variable must be
/// equal by [`compare`], an unbound one is bound.
pub(crate) fn unify(row: &mut Row, t: &Term, v: &Value) -> bool {
    match t {
        Term::Blank => true,
        Term::Var(var) => unify_var(row, var, v),
        _ => false,
    }
}

pub(crate) fn unify_var(row: &mut Row, var: &Var, v: &Value) -> bool {
    match row.get(var) {
        Some(old) => compare(old, v) == Ordering::Equal,
        None => {
            row.insert(var.clone(), v.clone());
            true
        }
    }
}

/// The row restricted to `vars`.
pub(crate) fn project<'v>(row: &Row, vars: impl Iterator<Item = &'v Var>) -> Row {
    vars.filter_map(|v| row.get(v).map(|x| (v.clone(), x.clone())))
        .collect()
}

/// `a` extended with `b`, if they agree on their common variables.
pub(crate) fn merge(a: &Row, b: &Row) -> Option<Row> {
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
    let alternatives = alternatives(binding, value, form, pos)?;
    let mut out = Vec::new();
    for row in &rows {
        'alt: for alt in &alternatives {
            let mut r = row.clone();
            for (var, x) in alt {
                if !unify_var(&mut r, var, x) {
                    continue 'alt;
                }
            }
            out.push(r);
        }
    }
    Ok(out)
}

/// What binding `value` with `binding` gives: one list of (variable, value) pairs per
/// alternative (a collection or relation has several, a nil scalar none; `_` binds nothing).
pub(crate) fn alternatives<'b>(
    binding: &'b Binding,
    value: &FnVal,
    form: &str,
    pos: Pos,
) -> Result<Vec<Vec<(&'b Var, Value)>>> {
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
    let raw: Vec<Vec<(&BindVar, FnVal)>> = match binding {
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
    let mut out = Vec::with_capacity(raw.len());
    'alt: for alt in raw {
        let mut pairs = Vec::with_capacity(alt.len());
        for (b, v) in alt {
            let BindVar::Var(var) = b else { continue };
            match v {
                FnVal::One(x) => pairs.push((var, x)),
                FnVal::Nil => continue 'alt,
                FnVal::Seq(_) => {
                    return Err(bad("a tuple or collection (variables hold single values)"))
                }
            }
        }
        out.push(pairs);
    }
    Ok(out)
}

/// Variables a clause mentions (a negation binds nothing outside).
pub(crate) fn produced(c: &Clause) -> BTreeSet<Var> {
    match &c.kind {
        ClauseKind::Not { .. } => BTreeSet::new(),
        _ => mentioned(c),
    }
}

/// Every variable a clause mentions.
pub(crate) fn mentioned(c: &Clause) -> BTreeSet<Var> {
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

pub(crate) fn call_vars(call: &crate::ast::Call) -> BTreeSet<Var> {
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
pub(crate) fn ready(c: &Clause, bound: &BTreeSet<Var>, pending: &[&Clause], i: usize) -> bool {
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

/// The row extended by matching pattern `p` against datom `d`, if it matches.
pub(crate) fn match_datom(schema: &Schema, row: &Row, p: &Pattern, d: &Datom) -> Option<Row> {
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
        && unify_term(schema, &mut r, &p.v, &d.v)
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
pub(crate) fn unify_term(schema: &Schema, row: &mut Row, t: &Term, v: &Value) -> bool {
    match t {
        Term::Const(c) => constant_matches(schema, c, v),
        Term::Src(_) => false,
        t => unify(row, t, v),
    }
}

/// Whether a constant written in a value position matches `v`: a
/// `Ref(x)` equals a Long `x` or a keyword naming entity `x`; otherwise
/// [`compare`] equality (so Long 1 = Double 1.0).
pub(crate) fn constant_matches(schema: &Schema, c: &Constant, v: &Value) -> bool {
    if let (Value::Ref(x), Constant::Keyword(k)) = (v, c) {
        return schema.entity_of_ident(k) == Some(*x);
    }
    match constant(c) {
        FnVal::One(cv) => compare(&cv, v) == Ordering::Equal,
        _ => false,
    }
}

/// The names of every rule that `clauses` call, directly or through other rules, `not`, `or`
/// and `and`; a call of a rule that `rules` does not define is an error naming the call.
pub(crate) fn reachable_rules(clauses: &[Clause], rules: &[Rule]) -> Result<BTreeSet<String>> {
    let mut names = BTreeSet::new();
    let mut todo: Vec<&Clause> = clauses.iter().collect();
    while let Some(c) = todo.pop() {
        match &c.kind {
            ClauseKind::RuleCall { name, .. } => {
                let defs: Vec<&Rule> = rules.iter().filter(|r| &r.name == name).collect();
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
    check_stratified(&names, rules)?;
    Ok(names)
}

/// The rule calls anywhere in `clauses` (inside `not`, `or`, `and` too): the rule's name,
/// whether the call sits under a `not`, and the call.
pub(crate) fn rule_calls(clauses: &[Clause]) -> Vec<(&str, bool, &Clause)> {
    fn walk<'c>(clauses: &'c [Clause], negated: bool, out: &mut Vec<(&'c str, bool, &'c Clause)>) {
        for c in clauses {
            match &c.kind {
                ClauseKind::RuleCall { name, .. } => out.push((name, negated, c)),
                ClauseKind::Not { clauses, .. } => walk(clauses, true, out),
                ClauseKind::And(clauses) => walk(clauses, negated, out),
                ClauseKind::Or { branches, .. } => walk(branches, negated, out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(clauses, false, &mut out);
    out
}

/// Rejects rules that depend on themselves through negation (`(not (r ...))` inside the
/// definition of something `r` calls): their bottom-up fixpoint has no single meaning, and
/// neither evaluator would compute one a user could rely on.
fn check_stratified(names: &BTreeSet<String>, rules: &[Rule]) -> Result<()> {
    let mut edges: Vec<(&str, &str, bool, &Clause)> = Vec::new();
    for rule in rules.iter().filter(|r| names.contains(&r.name)) {
        edges.extend(
            rule_calls(&rule.body)
                .into_iter()
                .map(|(to, neg, c)| (rule.name.as_str(), to, neg, c)),
        );
    }
    let reaches = |from: &str, target: &str| {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut todo = vec![from];
        while let Some(n) = todo.pop() {
            if n == target {
                return true;
            }
            if seen.insert(n) {
                todo.extend(edges.iter().filter(|e| e.0 == n).map(|e| e.1));
            }
        }
        false
    };
    for &(from, to, negated, clause) in &edges {
        if negated && reaches(to, from) {
            return Err(QueryError::invalid(
                format!(
                    "rule {from} depends on itself through negation ({} under not); \
                     such rules have no stratified meaning",
                    clause.form
                ),
                clause.pos,
            ));
        }
    }
    Ok(())
}
