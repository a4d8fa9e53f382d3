//! Row estimates from the live statistics ([`datolite_store::Stats`]): how many rows one input
//! row turns into through a clause, given what is bound.
//!
//! `count(a)` for an attribute scan, `count / distinct_values` for a bound value,
//! `count / distinct_entities` for a bound entity, a third of the attribute for a range bounded
//! on one side, a ninth for one bounded on both, `count / distinct_values` for one value; a
//! rule call reads its relation's size (computed before the clauses that call it are
//! planned), a tenth of it per bound argument.

use std::collections::BTreeSet;
use std::ops::Bound;

use crate::ast::{Clause, ClauseKind, Pattern, Term, Var};
use crate::plan::access::{access, const_attribute, known, Access};
use crate::plan::Env;
use crate::rows::produced;

/// Estimated rows one input row turns into through `clause`.
pub(crate) fn per_row(
    env: &Env<'_>,
    clause: &Clause,
    bound: &BTreeSet<Var>,
    pending: &[&Clause],
) -> f64 {
    match &clause.kind {
        ClauseKind::Pattern(p) => pattern_estimate(env, p, bound, pending),
        ClauseKind::RuleCall { name, args, .. } => {
            let size = env.rule_sizes.get(name).copied().unwrap_or(1000) as f64;
            let nbound = args.iter().filter(|t| known(t, bound)).count();
            (size / 10f64.powi(nbound as i32)).max(1.0)
        }
        ClauseKind::Or { branches, .. } => {
            let sum: f64 = branches
                .iter()
                .map(|b| per_row(env, b, bound, pending))
                .sum();
            // An `or` that binds nothing new is a filter: the union keeps each row at most
            // once.
            if produced(clause).is_subset(bound) {
                sum.min(1.0)
            } else {
                sum
            }
        }
        ClauseKind::And(cs) => cs
            .iter()
            .filter(|c| matches!(c.kind, ClauseKind::Pattern(_) | ClauseKind::RuleCall { .. }))
            .map(|c| per_row(env, c, bound, pending))
            .fold(f64::INFINITY, f64::min)
            .min(1e12),
        _ => 1.0,
    }
}

fn pattern_estimate(env: &Env<'_>, p: &Pattern, bound: &BTreeSet<Var>, pending: &[&Clause]) -> f64 {
    let stats = env.db.stats();
    let e = known(&p.e, bound);
    let v = known(&p.v, bound);
    let total = stats.datoms.max(1) as f64;
    let attr = match &p.a {
        Term::Const(_) => match const_attribute(env.db, p) {
            Some(a) => a,
            None => return 0.0,
        },
        t => {
            let a = known(t, bound);
            return match (e, a, v) {
                (true, true, _) => 1.0,
                (true, false, _) => 10.0,
                (false, _, true) => (total / 100.0).max(1.0),
                (false, true, false) => (total / 10.0).max(1.0),
                _ => total,
            };
        }
    };
    let s = stats.attribute(attr.id);
    let count = s.count as f64;
    if count == 0.0 {
        return 0.0;
    }
    match (e, v) {
        // The chance that a given entity has a given value: a filter, cheaper the rarer.
        (true, true) => {
            (count / s.distinct_entities.max(1) as f64 / s.distinct_values.max(1) as f64).min(1.0)
        }
        (true, false) => count / s.distinct_entities.max(1) as f64,
        (false, true) => count / s.distinct_values.max(1) as f64,
        (false, false) => {
            match access(env, p, bound, pending) {
                // One value (`[(= ?a 30)]`): as if bound.
                Access::AvetRange(Bound::Included(lo), Bound::Included(hi)) if lo == hi => {
                    count / s.distinct_values.max(1) as f64
                }
                // Bounded on both sides (`(< 10 ?a 12)`), or on one.
                Access::AvetRange(Bound::Unbounded, _) | Access::AvetRange(_, Bound::Unbounded) => {
                    (count / 3.0).max(1.0)
                }
                Access::AvetRange(..) => (count / 9.0).max(1.0),
                Access::AvetRangeOf {
                    lo: Some(_),
                    hi: Some(_),
                } => (count / 9.0).max(1.0),
                Access::AvetRangeOf { .. } => (count / 3.0).max(1.0),
                _ => count,
            }
        }
    }
}
