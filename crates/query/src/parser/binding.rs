//! Binding analysis: every variable a predicate, function, `:find` or
//! `:with` reads must be bound by something.
//!
//! Conservative on purpose: `not`/`not-join` bind nothing, `or` binds only
//! what every branch binds, `or-join` only its join variables that every
//! branch binds. Order is not considered (the planner reorders clauses).

use std::collections::BTreeSet;

use crate::ast::{Binding, Clause, ClauseKind, FnArg, Input, Query, Rule, SrcVar, Term, Var};
use crate::error::{QueryError, Result};

/// Every variable mentioned in `clause`, as seen from outside it: the join
/// variables of `not-join`/`or-join`, the arguments (not the inside) of a
/// subquery.
pub(super) fn clause_vars(clause: &Clause) -> BTreeSet<Var> {
    let mut out = BTreeSet::new();
    collect_vars(clause, &mut out);
    out
}

fn collect_vars(clause: &Clause, out: &mut BTreeSet<Var>) {
    let term = |t: &Term, out: &mut BTreeSet<Var>| {
        if let Term::Var(v) = t {
            out.insert(v.clone());
        }
    };
    match &clause.kind {
        ClauseKind::Pattern(p) => {
            for t in [&p.e, &p.a, &p.v, &p.tx, &p.added] {
                term(t, out);
            }
        }
        ClauseKind::Pred(call) => out.extend(arg_vars(&call.args)),
        ClauseKind::Fn { call, binding } => {
            out.extend(arg_vars(&call.args));
            out.extend(binding_vars(binding));
        }
        ClauseKind::Not {
            join_vars: Some(vars),
            ..
        } => out.extend(vars.iter().cloned()),
        ClauseKind::Not { clauses, .. } | ClauseKind::And(clauses) => {
            for c in clauses {
                collect_vars(c, out);
            }
        }
        ClauseKind::Or {
            join: Some(vars), ..
        } => out.extend(vars.all().cloned()),
        ClauseKind::Or { branches, .. } => {
            for c in branches {
                collect_vars(c, out);
            }
        }
        ClauseKind::RuleCall { args, .. } => {
            for t in args {
                term(t, out);
            }
        }
    }
}

fn arg_vars(args: &[FnArg]) -> impl Iterator<Item = Var> + '_ {
    args.iter().filter_map(|a| match a {
        FnArg::Var(v) => Some(v.clone()),
        _ => None,
    })
}

fn binding_vars(binding: &Binding) -> impl Iterator<Item = Var> + '_ {
    binding.vars().into_iter().cloned()
}

/// The variables `clause` binds for the clauses around it.
fn binds(clause: &Clause) -> BTreeSet<Var> {
    match &clause.kind {
        ClauseKind::Pattern(_) | ClauseKind::RuleCall { .. } => clause_vars(clause),
        ClauseKind::Fn { binding, .. } => binding_vars(binding).collect(),
        ClauseKind::Pred(_) | ClauseKind::Not { .. } => BTreeSet::new(),
        ClauseKind::And(clauses) => clauses.iter().flat_map(binds).collect(),
        ClauseKind::Or { join, branches, .. } => {
            let mut sets = branches.iter().map(binds);
            let first = sets.next().unwrap_or_default();
            let common = sets.fold(first, |acc, s| acc.intersection(&s).cloned().collect());
            match join {
                None => common,
                Some(vars) => vars.all().filter(|v| common.contains(v)).cloned().collect(),
            }
        }
    }
}

/// Checks `clauses` given the variables bound around them; returns
/// everything bound inside this scope (outer included).
pub(super) fn check_scope(clauses: &[Clause], outer: &BTreeSet<Var>) -> Result<BTreeSet<Var>> {
    let mut bound = outer.clone();
    for c in clauses {
        bound.extend(binds(c));
    }
    for (i, c) in clauses.iter().enumerate() {
        // What the rest of the scope binds: a `not` must join it, and an `or-join`'s required
        // variables must come from it (not from the clause itself).
        let others = || {
            let mut others = outer.clone();
            for (j, d) in clauses.iter().enumerate() {
                if j != i {
                    others.extend(binds(d));
                }
            }
            others
        };
        check_clause(c, &bound, others)?;
    }
    Ok(bound)
}

fn unbound(var: &Var, clause: &Clause, note: &str) -> QueryError {
    QueryError::invalid(
        format!("unbound variable {var}{note} in {}", clause.form),
        clause.pos,
    )
}

fn check_clause(
    clause: &Clause,
    bound: &BTreeSet<Var>,
    others: impl Fn() -> BTreeSet<Var>,
) -> Result<()> {
    let check_args = |args: &[FnArg]| {
        for v in arg_vars(args) {
            if !bound.contains(&v) {
                return Err(unbound(&v, clause, ""));
            }
        }
        Ok(())
    };
    match &clause.kind {
        ClauseKind::Pattern(_) | ClauseKind::RuleCall { .. } => Ok(()),
        ClauseKind::Pred(call) | ClauseKind::Fn { call, .. } => check_args(&call.args),
        ClauseKind::Not {
            join_vars, clauses, ..
        } => {
            let inner = match join_vars {
                None => {
                    // A negation tests the rows the rest of the query makes: it must share a
                    // variable with them (constants only is an existence test, fine).
                    let vars: BTreeSet<Var> = clauses.iter().flat_map(clause_vars).collect();
                    let around = others();
                    if !vars.is_empty() && !vars.iter().any(|v| around.contains(v)) {
                        let names: Vec<String> = vars.iter().map(Var::to_string).collect();
                        return Err(QueryError::invalid(
                            format!(
                                "none of the variables of {} ({}) is bound by the rest of the \
                                 query; a not clause removes rows, so it must join them",
                                clause.form,
                                names.join(" ")
                            ),
                            clause.pos,
                        ));
                    }
                    bound.clone()
                }
                Some(vars) => {
                    for v in vars {
                        if !bound.contains(v) {
                            return Err(unbound(
                                v,
                                clause,
                                " (not-join variables must be bound outside)",
                            ));
                        }
                    }
                    vars.iter().cloned().collect()
                }
            };
            check_scope(clauses, &inner).map(|_| ())
        }
        ClauseKind::And(clauses) => check_scope(clauses, bound).map(|_| ()),
        ClauseKind::Or { join, branches, .. } => {
            let inner = match join {
                None => bound.clone(),
                Some(vars) => {
                    let around = others();
                    for v in &vars.required {
                        if !around.contains(v) {
                            return Err(unbound(
                                v,
                                clause,
                                " (required or-join variables must be bound outside)",
                            ));
                        }
                    }
                    vars.all().filter(|v| bound.contains(v)).cloned().collect()
                }
            };
            for b in branches {
                check_scope(std::slice::from_ref(b), &inner)?;
            }
            Ok(())
        }
    }
}

/// Every source a clause names (`[$h ?e :a]`, `($h not …)`, `(get-else $h …)`) must be an
/// `:in` source: an undeclared one is an error naming it (never silently the default database).
fn check_sources(clauses: &[Clause], declared: &BTreeSet<&str>) -> Result<()> {
    for clause in clauses {
        let mut named: Vec<&SrcVar> = Vec::new();
        match &clause.kind {
            ClauseKind::Pattern(p) => named.extend(&p.src),
            ClauseKind::Pred(call) | ClauseKind::Fn { call, .. } => {
                named.extend(call.args.iter().filter_map(|a| match a {
                    FnArg::Src(s) => Some(s),
                    _ => None,
                }))
            }
            ClauseKind::RuleCall { src, .. } => named.extend(src),
            ClauseKind::Not { src, clauses, .. } => {
                named.extend(src);
                check_sources(clauses, declared)?;
            }
            ClauseKind::Or { src, branches, .. } => {
                named.extend(src);
                check_sources(branches, declared)?;
            }
            ClauseKind::And(clauses) => check_sources(clauses, declared)?,
        }
        if let Some(s) = named.into_iter().find(|s| !declared.contains(s.0.as_str())) {
            let names: Vec<&str> = declared.iter().copied().collect();
            return Err(QueryError::invalid(
                format!(
                    "unknown source {s} in {}; the query's sources are {} (declare sources in :in)",
                    clause.form,
                    if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(" ")
                    }
                ),
                clause.pos,
            ));
        }
    }
    Ok(())
}

/// Checks the `:where` clauses; returns the variables bound by the inputs
/// and the clauses, for the `:find`/`:with` checks.
pub(super) fn check_query(query: &Query) -> Result<BTreeSet<Var>> {
    let declared: BTreeSet<&str> = query
        .inputs
        .iter()
        .filter_map(|i| match i {
            Input::Src(s) => Some(s.0.as_str()),
            _ => None,
        })
        .collect();
    check_sources(&query.where_clauses, &declared)?;
    let mut outer = BTreeSet::new();
    for input in &query.inputs {
        if let Input::Binding(b) = input {
            outer.extend(binding_vars(b));
        }
    }
    check_scope(&query.where_clauses, &outer)
}

/// Checks a rule body: the head variables count as bound (callers pass
/// them in or the body binds them).
pub(super) fn check_rule(rule: &Rule) -> Result<()> {
    let outer: BTreeSet<Var> = rule.vars.all().cloned().collect();
    check_scope(&rule.body, &outer).map(|_| ())
}
