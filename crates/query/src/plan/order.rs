//! Join order: a clause list ordered greedily, one step at a time, given the variables bound
//! so far (`docs/design.md`, §8.2 Planning).
//!
//! 1. a predicate, function expression or negation whose inputs are bound runs first (in
//!    written order) — filters as early as possible;
//! 2. otherwise the relational clause (pattern, rule call, `or`) with the smallest estimated
//!    rows per input row ([`crate::plan::estimate`]), among those sharing a variable with what
//!    is bound; ties are broken by the clause's printed form, so the plan does not depend on
//!    the written order;
//! 3. a clause sharing no variable with what is bound is only taken when nothing else is left;
//!    if it is not even connected through the remaining clauses, the query asks for a
//!    Cartesian product between unrelated pattern groups and planning fails naming both (a
//!    pattern on a constant entity counts as connected: it reads one entity's datoms).

use std::collections::BTreeSet;

use crate::ast::{Clause, ClauseKind, Term, Var};
use crate::error::{QueryError, Result};
use crate::plan::access::{absorbed_predicates, Access};
use crate::plan::estimate::per_row;
use crate::plan::node::{node, Op, Plan};
use crate::plan::Env;
use crate::rows::{mentioned, produced, ready};

/// The plan of `clauses` for rows that bind `bound` (estimated `rows` of them).
pub(crate) fn plan<'q>(
    env: &Env<'q>,
    clauses: &'q [Clause],
    bound: &BTreeSet<Var>,
    rows: f64,
) -> Result<Plan<'q>> {
    let mut pending: Vec<&'q Clause> = clauses.iter().collect();
    let mut bound = bound.clone();
    let mut rows = rows;
    let mut done: Vec<&'q Clause> = Vec::new();
    let mut joined = false;
    let mut nodes = Vec::new();
    while !pending.is_empty() {
        // 1. Filters and bindings whose inputs are bound.
        let filter = (0..pending.len()).find(|&i| {
            matches!(
                pending[i].kind,
                ClauseKind::Pred(_) | ClauseKind::Fn { .. } | ClauseKind::Not { .. }
            ) && ready(pending[i], &bound, &pending, i)
        });
        if let Some(i) = filter {
            let clause = pending.remove(i);
            nodes.push(node(env, clause, &bound, &pending, rows, rows)?);
            bound.extend(produced(clause));
            done.push(clause);
            continue;
        }
        // 2. The cheapest relational clause connected to what is bound.
        let candidates: Vec<usize> = (0..pending.len())
            .filter(|&i| {
                !matches!(
                    pending[i].kind,
                    ClauseKind::Pred(_) | ClauseKind::Fn { .. } | ClauseKind::Not { .. }
                ) && ready(pending[i], &bound, &pending, i)
            })
            .collect();
        if candidates.is_empty() {
            // Nothing can run: take the first clause and let execution report what is unbound.
            let clause = pending.remove(0);
            nodes.push(node(env, clause, &bound, &pending, rows, rows)?);
            bound.extend(produced(clause));
            done.push(clause);
            continue;
        }
        // A pattern about one constant entity (`[17592186045416 :age ?a]`) reads that entity's
        // datoms only: joining it is never an accidental product, whatever it shares.
        let shares = |c: &Clause| {
            let vars = mentioned(c);
            vars.is_empty() || vars.iter().any(|v| bound.contains(v)) || on_constant_entity(c)
        };
        let connected: Vec<usize> = candidates
            .iter()
            .copied()
            .filter(|&i| shares(pending[i]))
            .collect();
        let pool = if !connected.is_empty() {
            connected
        } else if !joined {
            candidates.clone()
        } else {
            let reach = reachable(&bound, &pending);
            let linked: Vec<usize> = candidates
                .iter()
                .copied()
                .filter(|&i| reach.contains(&i))
                .collect();
            if linked.is_empty() && env.products {
                candidates.clone()
            } else if let Some(err) =
                predicate_only_product(env, &bound, &pending, &linked, &done, rows)
            {
                return Err(err);
            } else if linked.is_empty() {
                let other = group(pending[candidates[0]], &pending);
                let mine: Vec<&str> = done
                    .iter()
                    .filter(|c| !matches!(c.kind, ClauseKind::Pred(_)))
                    .map(|c| c.form.as_str())
                    .collect();
                return Err(QueryError::invalid(
                    format!(
                        "Cartesian product: the pattern group {} shares no variable with the \
                         pattern group {}; join them through a variable (or run two queries)",
                        mine.join(" "),
                        other.join(" ")
                    ),
                    pending[candidates[0]].pos,
                ));
            } else {
                linked
            }
        };
        let mut best: Option<(f64, &str, usize)> = None;
        for i in pool {
            let est = per_row(env, pending[i], &bound, &pending);
            let key = (est, pending[i].form.as_str(), i);
            if best.is_none_or(|b| (key.0, key.1) < (b.0, b.1)) {
                best = Some(key);
            }
        }
        let (est, _, i) = best.expect("a candidate");
        let clause = pending.remove(i);
        let mut step = node(env, clause, &bound, &pending, rows, rows * est)?;
        // Range predicates the AVET bounds answer exactly need no filter step.
        if let (Op::Pattern(op), ClauseKind::Pattern(p)) = (&step.op, &clause.kind) {
            if let Access::AvetRange(..) = op.per_row {
                step.absorbed = absorbed_predicates(env, p, &pending);
            }
        }
        pending.retain(|c| !step.absorbed.iter().any(|a| std::ptr::eq(*a, *c)));
        rows *= est;
        nodes.push(step);
        bound.extend(produced(clause));
        done.push(clause);
        // Only a group that can be large makes a later unrelated group an accidental product:
        // patterns on constant entities are bounded by one entity's datoms.
        joined |= !on_constant_entity(clause);
    }
    Ok(Plan { nodes })
}

/// A product of this many estimated rows or more, joined only through predicates or function
/// expressions, is refused: its rows exist before any predicate can drop one.
pub(crate) const PRODUCT_GUARD_ROWS: f64 = 1e6;

/// The error for joining a group reachable only through predicates or function expressions
/// (`[?a :name _] [?b :name _] [(< ?a ?b)]`) when the product is large: the predicate filters
/// the product's rows only after they are all made.
fn predicate_only_product(
    env: &Env<'_>,
    bound: &BTreeSet<Var>,
    pending: &[&Clause],
    linked: &[usize],
    done: &[&Clause],
    rows: f64,
) -> Option<QueryError> {
    let through_data = reachable_through(bound, pending, |c| !is_call(c));
    if env.products || linked.iter().any(|i| through_data.contains(i)) {
        return None;
    }
    let (i, est) = linked
        .iter()
        .map(|&i| (i, per_row(env, pending[i], bound, pending)))
        .min_by(|a, b| a.1.total_cmp(&b.1))?;
    let product = rows * est;
    if product < PRODUCT_GUARD_ROWS {
        return None;
    }
    let mine: Vec<&str> = done
        .iter()
        .filter(|c| !is_call(c))
        .map(|c| c.form.as_str())
        .collect();
    let links: Vec<&str> = pending
        .iter()
        .filter(|c| is_call(c))
        .map(|c| c.form.as_str())
        .collect();
    Some(QueryError::invalid(
        format!(
            "Cartesian product: the pattern group {} and {} are joined only through {}, which \
             can only filter the product after its ~{} rows are made; join them through a \
             variable (or run two queries)",
            mine.join(" "),
            pending[i].form,
            links.join(" "),
            product.round() as u64
        ),
        pending[i].pos,
    ))
}

/// Whether `c` is a predicate or a function expression: it relates variables without reading
/// anything.
fn is_call(c: &Clause) -> bool {
    matches!(c.kind, ClauseKind::Pred(_) | ClauseKind::Fn { .. })
}

/// Whether `c` is a pattern about one constant entity (`[17592186045416 :age ?a]`).
fn on_constant_entity(c: &Clause) -> bool {
    matches!(&c.kind, ClauseKind::Pattern(p) if matches!(p.e, Term::Const(_)))
}

/// Indexes of pending clauses connected to `bound` through chains of pending clauses.
fn reachable(bound: &BTreeSet<Var>, pending: &[&Clause]) -> BTreeSet<usize> {
    reachable_through(bound, pending, |_| true)
}

/// [`reachable`] through chains of the clauses `links` accepts only (the clauses reached
/// through them count, whatever they are).
fn reachable_through(
    bound: &BTreeSet<Var>,
    pending: &[&Clause],
    links: impl Fn(&Clause) -> bool,
) -> BTreeSet<usize> {
    let mut vars = bound.clone();
    let mut reach = BTreeSet::new();
    loop {
        let before = reach.len();
        for (i, c) in pending.iter().enumerate() {
            let m = mentioned(c);
            if !reach.contains(&i) && links(c) && m.iter().any(|v| vars.contains(v)) {
                reach.insert(i);
                vars.extend(m);
            }
        }
        if reach.len() == before {
            return reach;
        }
    }
}

/// The forms of the pending clauses connected to `start`.
fn group<'q>(start: &'q Clause, pending: &[&'q Clause]) -> Vec<&'q str> {
    let mut vars = mentioned(start);
    let mut forms = vec![start.form.as_str()];
    let mut taken: BTreeSet<*const Clause> = BTreeSet::new();
    taken.insert(start as *const Clause);
    loop {
        let mut grew = false;
        for c in pending {
            let m = mentioned(c);
            if !taken.contains(&(*c as *const Clause)) && m.iter().any(|v| vars.contains(v)) {
                taken.insert(*c as *const Clause);
                forms.push(c.form.as_str());
                vars.extend(m);
                grew = true;
            }
        }
        if !grew {
            return forms;
        }
    }
}
