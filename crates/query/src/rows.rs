//! Binding rows and what both evaluators do with them: unification (by [`compare`]),
//! destructuring binding forms, and which variables a clause mentions, binds or needs.
//!
//! Rows hold decoded [`Value`]s keyed by variable (the naive evaluator's representation; the
//! executor keeps flat relations of encoded cells).

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use datolite_store::{Schema, Value};

use crate::ast::{
    BindVar, Binding, Call, Clause, ClauseKind, Constant, FnArg, Pos, Rule, Term, Var,
};
use crate::error::{QueryError, Result};
use crate::functions::{constant, FnVal};
use crate::value_order::compare;

/// A binding row: variable → value.
pub(crate) type Row = BTreeMap<Var, Value>;

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

/// One way of binding a value: (variable, value) pairs.
type Alternative<'b> = Vec<(&'b Var, Value)>;

/// What binding `value` with `binding` gives: one list of (variable, value) pairs per
/// alternative. A collection has one alternative per element (per combination, nested), a
/// `nil` where a variable or tuple is expected none; `_` binds nothing and takes anything.
pub(crate) fn alternatives<'b>(
    binding: &'b Binding,
    value: &FnVal,
    form: &str,
    pos: Pos,
) -> Result<Vec<Alternative<'b>>> {
    let bad = |what: &str| {
        QueryError::invalid(format!("cannot bind {what} with {binding} in {form}"), pos)
    };
    destructure(binding, value).map_err(|what| bad(&what))
}

/// The elements a collection binding destructures: a collection's, or a tuple value's (`nil`
/// elements as `nil`, which binds nothing).
fn seq(v: &FnVal) -> std::result::Result<std::borrow::Cow<'_, [FnVal]>, String> {
    use std::borrow::Cow;
    match v {
        FnVal::Seq(items) => Ok(Cow::Borrowed(items)),
        FnVal::Nil => Ok(Cow::Borrowed(&[])),
        FnVal::One(Value::Tuple(items)) => Ok(Cow::Owned(
            items
                .iter()
                .map(|item| item.clone().map_or(FnVal::Nil, FnVal::One))
                .collect(),
        )),
        FnVal::One(x) => Err(format!("the single value {x}")),
        FnVal::Regex(src) => Err(format!("the regular expression #\"{src}\"")),
    }
}

fn destructure<'b>(b: &'b Binding, v: &FnVal) -> std::result::Result<Vec<Alternative<'b>>, String> {
    match b {
        Binding::Scalar(BindVar::Blank) => Ok(vec![Vec::new()]),
        Binding::Scalar(BindVar::Var(var)) => match v {
            FnVal::Nil => Ok(Vec::new()),
            FnVal::One(x) => Ok(vec![vec![(var, x.clone())]]),
            FnVal::Regex(src) => Ok(vec![vec![(var, Value::String(src.clone()))]]),
            FnVal::Seq(_) => Err(format!(
                "a tuple or collection to {var} (variables hold single values)"
            )),
        },
        Binding::Coll(inner) => {
            let mut out = Vec::new();
            for item in seq(v)?.iter() {
                out.extend(destructure(inner, item)?);
            }
            Ok(out)
        }
        Binding::Tuple(bs) => match v {
            FnVal::Nil => Ok(Vec::new()),
            v => tuple(bs, &seq(v)?),
        },
        Binding::Rel(bs) => {
            let mut out = Vec::new();
            for t in seq(v)?.iter() {
                if !matches!(t, FnVal::Nil) {
                    out.extend(tuple(bs, &seq(t)?)?);
                }
            }
            Ok(out)
        }
    }
}

/// A tuple's alternatives: the product of its elements'.
fn tuple<'b>(
    bs: &'b [Binding],
    items: &[FnVal],
) -> std::result::Result<Vec<Alternative<'b>>, String> {
    if items.len() != bs.len() {
        return Err(format!("a tuple of {} values", items.len()));
    }
    let mut out: Vec<Alternative<'b>> = vec![Vec::new()];
    for (b, item) in bs.iter().zip(items) {
        let parts = destructure(b, item)?;
        let mut next = Vec::with_capacity(out.len() * parts.len());
        for prefix in &out {
            for part in &parts {
                let mut alt = prefix.clone();
                alt.extend(part.iter().cloned());
                next.push(alt);
            }
        }
        out = next;
    }
    Ok(out)
}

/// Variables a clause binds for the clauses around it (what the planner may count as bound
/// after it): a pattern or rule call its variables, a function its binding's, `and` its
/// clauses', `or` what every branch binds, `or-join` its join variables; a predicate or a
/// negation nothing.
pub(crate) fn produced(c: &Clause) -> BTreeSet<Var> {
    match &c.kind {
        ClauseKind::Pattern(_) | ClauseKind::RuleCall { .. } => mentioned(c),
        ClauseKind::Fn { binding, .. } => binding.vars().into_iter().cloned().collect(),
        ClauseKind::Pred(_) | ClauseKind::Not { .. } => BTreeSet::new(),
        ClauseKind::And(cs) => cs.iter().flat_map(produced).collect(),
        ClauseKind::Or { join: Some(j), .. } => j.all().cloned().collect(),
        ClauseKind::Or { branches, .. } => {
            let mut sets = branches.iter().map(produced);
            let first = sets.next().unwrap_or_default();
            sets.fold(first, |acc, s| acc.intersection(&s).cloned().collect())
        }
    }
}

/// Variables a clause needs bound before it can run (that nothing inside it binds): a
/// predicate's or function's arguments, the join variables of `not-join`, the required
/// variables of `or-join` and the join variables its branches need, what the branches of `or`
/// and the clauses of `and` and `not` need.
pub(crate) fn needed(c: &Clause) -> BTreeSet<Var> {
    let list = |cs: &[Clause]| -> BTreeSet<Var> {
        let bound: BTreeSet<Var> = cs.iter().flat_map(produced).collect();
        cs.iter()
            .flat_map(needed)
            .filter(|v| !bound.contains(v))
            .collect()
    };
    match &c.kind {
        ClauseKind::Pred(call) | ClauseKind::Fn { call, .. } => call_vars(call),
        ClauseKind::Pattern(_) | ClauseKind::RuleCall { .. } => BTreeSet::new(),
        ClauseKind::Not {
            join_vars: Some(vs),
            ..
        } => vs.iter().cloned().collect(),
        ClauseKind::Not { clauses, .. } | ClauseKind::And(clauses) => list(clauses),
        // Its required variables, and the join variables some branch needs but cannot bind
        // (a branch `[(<= ?bmd ?tmd)]` waits for both).
        ClauseKind::Or {
            join: Some(j),
            branches,
            ..
        } => {
            let joined: BTreeSet<&Var> = j.all().collect();
            let mut needs: BTreeSet<Var> = j.required.iter().cloned().collect();
            needs.extend(
                branches
                    .iter()
                    .flat_map(|b| list(std::slice::from_ref(b)))
                    .filter(|v| joined.contains(v)),
            );
            needs
        }
        ClauseKind::Or { branches, .. } => branches
            .iter()
            .flat_map(|b| list(std::slice::from_ref(b)))
            .collect(),
    }
}

/// Every variable a clause mentions (for `or` every branch's, for `not-join` and `or-join` the
/// join variables).
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

pub(crate) fn call_vars(call: &Call) -> BTreeSet<Var> {
    call.args
        .iter()
        .filter_map(|a| match a {
            FnArg::Var(v) => Some(v.clone()),
            _ => None,
        })
        .collect()
}

/// Whether `pending[i]` can run now: rule calls always can; patterns too, except that one
/// whose attribute is a variable waits while another pending clause could bind it (a keyword
/// that clause binds names an attribute, while the pattern would bind attribute ids — the
/// answer must not depend on which runs first); predicates and functions need their argument
/// variables bound; `or` what its branches cannot bind themselves (`(or [(< ?y 1980)] [(> ?y
/// 2000)])` waits for `?y`), `or-join` its required variables; a negation waits until no other
/// pending clause could still bind one of its variables.
pub(crate) fn ready(c: &Clause, bound: &BTreeSet<Var>, pending: &[&Clause], i: usize) -> bool {
    let others = || -> BTreeSet<Var> {
        pending
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != i)
            .flat_map(|(_, c)| produced(c))
            .collect()
    };
    match &c.kind {
        ClauseKind::Not { .. } => {
            let others = others();
            mentioned(c)
                .iter()
                .all(|v| bound.contains(v) || !others.contains(v))
        }
        ClauseKind::Pattern(p) => match &p.a {
            Term::Var(a) if !bound.contains(a) => !others().contains(a),
            _ => true,
        },
        _ => needed(c).is_subset(bound),
    }
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

/// The names of the rules the calls in `clauses` reach — directly, inside `not`/`or`/`and`, or
/// through the definitions they call — as written (an unknown name included, never followed).
pub(crate) fn rules_reached<'r>(clauses: &'r [Clause], rules: &'r [Rule]) -> BTreeSet<&'r str> {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut todo: Vec<&str> = rule_calls(clauses).into_iter().map(|(n, ..)| n).collect();
    while let Some(n) = todo.pop() {
        if seen.insert(n) {
            for r in rules.iter().filter(|r| r.name == n) {
                todo.extend(rule_calls(&r.body).into_iter().map(|(n, ..)| n));
            }
        }
    }
    seen
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
