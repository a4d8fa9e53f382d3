//! The planner: orders a clause list and chooses each data pattern's index from live
//! statistics (DESIGN §8).
//!
//! Greedy, one step at a time, given the variables bound so far:
//! 1. a predicate, function expression or negation whose inputs are bound runs first (in
//!    written order) — filters as early as possible;
//! 2. otherwise the relational clause (pattern, rule call, `or`) with the smallest estimated
//!    rows per input row, among those sharing a variable with what is bound; ties are broken by
//!    the clause's printed form, so the plan does not depend on the written order;
//! 3. a clause sharing no variable with what is bound is only taken when nothing else is left;
//!    if it is not even connected through the remaining clauses, the query asks for a
//!    Cartesian product between unrelated pattern groups and planning fails naming both (a
//!    pattern on a constant entity counts as connected: it reads one entity's datoms).
//!
//! Estimates come from [`datolite_store::Stats`]: `count(a)` for an attribute scan,
//! `count / distinct_values` for a bound value, `count / distinct_entities` for a bound entity.
//! A range predicate on a pattern's value (`[(> ?s 50000)]`, the bound possibly a scalar input)
//! turns the pattern into an AVET range scan; the predicate is kept as a filter, so bounds only
//! have to be conservative.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::ops::Bound;

use datolite_store::{Attribute, Db, Value, ValueType};

use crate::ast::{Clause, ClauseKind, Constant, FnArg, Pattern, Term, Var};
use crate::error::{QueryError, Result};
use crate::functions::{builtin, Cmp, Kind};
use crate::rows::{mentioned, produced, ready};

/// How a data pattern is read.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Access {
    /// EAVT with the entity bound, plus the attribute and the value when they are.
    Eavt {
        /// Attribute bound too.
        a: bool,
        /// Value bound too (only with the attribute).
        v: bool,
    },
    /// AVET with attribute and value bound.
    Avet,
    /// AVET with the attribute bound and the value in a range.
    AvetRange(Bound<Value>, Bound<Value>),
    /// VAET with a reference value and the attribute bound.
    Vaet,
    /// AEVT with the attribute bound.
    Aevt,
    /// Every datom (EAVT, nothing bound).
    Full,
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bound = |b: &Bound<Value>, open: &str, closed: &str| match b {
            Bound::Included(v) => format!("{closed}{v}"),
            Bound::Excluded(v) => format!("{open}{v}"),
            Bound::Unbounded => String::new(),
        };
        match self {
            Access::Eavt { a: false, .. } => f.write_str("EAVT [e]"),
            Access::Eavt { a: true, v: false } => f.write_str("EAVT [e a]"),
            Access::Eavt { a: true, v: true } => f.write_str("EAVT [e a v]"),
            Access::Avet => f.write_str("AVET [a v]"),
            Access::AvetRange(lo, hi) => {
                let lo = bound(lo, "v > ", "v >= ");
                let hi = bound(hi, "v < ", "v <= ");
                let parts: Vec<String> = [lo, hi].into_iter().filter(|s| !s.is_empty()).collect();
                write!(f, "AVET [a] range {}", parts.join(", "))
            }
            Access::Vaet => f.write_str("VAET [v a]"),
            Access::Aevt => f.write_str("AEVT [a]"),
            Access::Full => f.write_str("EAVT full scan"),
        }
    }
}

/// What a step does.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum StepKind {
    /// Read a data pattern.
    Pattern(Access),
    /// A predicate.
    Filter,
    /// A function expression binding its result.
    Bind,
    /// `not` / `not-join`.
    Not,
    /// `or` / `or-join` / `and`.
    Or,
    /// A rule call (reads the rule's relation).
    Rule,
}

/// One step of a plan.
#[derive(Clone, Debug)]
pub(crate) struct Step<'q> {
    /// The clause.
    pub clause: &'q Clause,
    /// What to do.
    pub kind: StepKind,
    /// Estimated rows after the step.
    pub est: f64,
    /// Range predicates this step's AVET bounds answer exactly (they run no filter).
    pub absorbed: Vec<&'q Clause>,
}

impl Step<'_> {
    /// The step as one explain line (without the actual rows).
    pub fn describe(&self) -> String {
        let what = match &self.kind {
            StepKind::Pattern(access) => format!("scan {access}"),
            StepKind::Filter => "filter".into(),
            StepKind::Bind => "bind".into(),
            StepKind::Not => "anti-join".into(),
            StepKind::Or => "union".into(),
            StepKind::Rule => "rule".into(),
        };
        let absorbed: String = self
            .absorbed
            .iter()
            .map(|c| format!(" + {}", c.form))
            .collect();
        format!(
            "{what} {}{absorbed}  (est. rows {})",
            self.clause.form,
            fmt_est(self.est)
        )
    }
}

fn fmt_est(x: f64) -> String {
    if x >= 1e15 {
        format!("{x:.3e}")
    } else {
        format!("{}", x.ceil() as u64)
    }
}

/// What the planner knows beyond the clauses.
pub(crate) struct Env<'a> {
    /// The snapshot (schema and statistics).
    pub db: &'a Db,
    /// Scalar inputs, inlined as constants.
    pub consts: &'a BTreeMap<Var, Value>,
    /// Sizes of the rule relations computed so far.
    pub rule_sizes: &'a HashMap<String, usize>,
}

/// Plans `clauses` for rows that bind `bound` (estimated `rows` of them).
pub(crate) fn plan<'q>(
    env: &Env<'_>,
    clauses: &'q [Clause],
    bound: &BTreeSet<Var>,
    rows: f64,
) -> Result<Vec<Step<'q>>> {
    let mut pending: Vec<&'q Clause> = clauses.iter().collect();
    let mut bound = bound.clone();
    let mut rows = rows;
    let mut done: Vec<&'q Clause> = Vec::new();
    let mut joined = false;
    let mut steps = Vec::new();
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
            let kind = match clause.kind {
                ClauseKind::Pred(_) => StepKind::Filter,
                ClauseKind::Fn { .. } => StepKind::Bind,
                _ => StepKind::Not,
            };
            bound.extend(produced(clause));
            steps.push(Step {
                clause,
                kind,
                est: rows,
                absorbed: Vec::new(),
            });
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
            steps.push(Step {
                clause,
                kind: kind_of(env, clause, &bound, &pending),
                est: rows,
                absorbed: Vec::new(),
            });
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
            if linked.is_empty() {
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
            }
            linked
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
        let kind = kind_of(env, clause, &bound, &pending);
        // Range predicates the AVET bounds answer exactly need no filter step.
        let absorbed: Vec<&'q Clause> = match (&kind, &clause.kind) {
            (StepKind::Pattern(Access::AvetRange(..)), ClauseKind::Pattern(p)) => {
                absorbed_predicates(env, p, &pending)
            }
            _ => Vec::new(),
        };
        pending.retain(|c| !absorbed.iter().any(|a| std::ptr::eq(*a, *c)));
        rows *= est;
        steps.push(Step {
            clause,
            kind,
            est: rows,
            absorbed,
        });
        bound.extend(produced(clause));
        done.push(clause);
        // Only a group that can be large makes a later unrelated group an accidental product:
        // patterns on constant entities are bounded by one entity's datoms.
        joined |= !on_constant_entity(clause);
    }
    Ok(steps)
}

/// Whether `c` is a pattern about one constant entity (`[17592186045416 :age ?a]`).
fn on_constant_entity(c: &Clause) -> bool {
    matches!(&c.kind, ClauseKind::Pattern(p) if matches!(p.e, Term::Const(_)))
}

/// Indexes of pending clauses connected to `bound` through chains of pending clauses.
fn reachable(bound: &BTreeSet<Var>, pending: &[&Clause]) -> BTreeSet<usize> {
    let mut vars = bound.clone();
    let mut reach = BTreeSet::new();
    loop {
        let before = reach.len();
        for (i, c) in pending.iter().enumerate() {
            let m = mentioned(c);
            if !reach.contains(&i) && m.iter().any(|v| vars.contains(v)) {
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

fn kind_of(env: &Env<'_>, clause: &Clause, bound: &BTreeSet<Var>, pending: &[&Clause]) -> StepKind {
    match &clause.kind {
        ClauseKind::Pattern(p) => StepKind::Pattern(access(env, p, bound, pending)),
        ClauseKind::Pred(_) => StepKind::Filter,
        ClauseKind::Fn { .. } => StepKind::Bind,
        ClauseKind::Not { .. } => StepKind::Not,
        ClauseKind::Or { .. } | ClauseKind::And(_) => StepKind::Or,
        ClauseKind::RuleCall { .. } => StepKind::Rule,
    }
}

fn known(t: &Term, bound: &BTreeSet<Var>) -> bool {
    match t {
        Term::Const(_) => true,
        Term::Var(v) => bound.contains(v),
        _ => false,
    }
}

/// The attribute a pattern's A position names, when it is a constant.
pub(crate) fn const_attribute<'d>(db: &'d Db, p: &Pattern) -> Option<&'d Attribute> {
    match &p.a {
        Term::Const(Constant::Keyword(k)) => db.schema().attribute_named(k).map(|a| a.as_ref()),
        Term::Const(Constant::Long(n)) => u32::try_from(*n)
            .ok()
            .and_then(|id| db.schema().attribute(id))
            .map(|a| a.as_ref()),
        _ => None,
    }
}

/// The index a pattern reads given what is bound when it runs.
pub(crate) fn access(
    env: &Env<'_>,
    p: &Pattern,
    bound: &BTreeSet<Var>,
    pending: &[&Clause],
) -> Access {
    let e = known(&p.e, bound);
    let a = known(&p.a, bound);
    let v = known(&p.v, bound);
    if e {
        return Access::Eavt { a, v: a && v };
    }
    if a && v {
        let is_ref = match &p.a {
            Term::Const(_) => const_attribute(env.db, p).is_some_and(|a| a.is_ref()),
            _ => false,
        };
        return if is_ref { Access::Vaet } else { Access::Avet };
    }
    if a {
        if let (Some(attr), Term::Var(var)) = (const_attribute(env.db, p), &p.v) {
            if let Some((lo, hi)) = range(env, attr, var, pending) {
                return Access::AvetRange(lo, hi);
            }
        }
        return Access::Aevt;
    }
    Access::Full
}

/// Conservative AVET bounds for `var` (the value of an attribute of type `vt`) from the range
/// predicates among `pending` whose other side is a constant or a scalar input.
fn range(
    env: &Env<'_>,
    attr: &Attribute,
    var: &Var,
    pending: &[&Clause],
) -> Option<(Bound<Value>, Bound<Value>)> {
    let (lo, hi, _) = range_bounds(env, attr, var, pending)?;
    Some((lo, hi))
}

/// The predicates among `pending` that pattern `p`'s AVET range answers exactly.
fn absorbed_predicates<'q>(env: &Env<'_>, p: &Pattern, pending: &[&'q Clause]) -> Vec<&'q Clause> {
    match (const_attribute(env.db, p), &p.v) {
        (Some(attr), Term::Var(var)) => range_bounds(env, attr, var, pending)
            .map(|(_, _, exact)| exact)
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// AVET bounds for `var` (the value of `attr`) from the range predicates among `pending` whose
/// other side is a constant or a scalar input, and the predicates whose bound is exact (the
/// range keeps exactly the values they keep).
fn range_bounds<'q>(
    env: &Env<'_>,
    attr: &Attribute,
    var: &Var,
    pending: &[&'q Clause],
) -> Option<(Bound<Value>, Bound<Value>, Vec<&'q Clause>)> {
    let vt = attr.value_type;
    let mut lo: Option<(Bound<Value>, Option<&'q Clause>)> = None;
    let mut hi: Option<(Bound<Value>, Option<&'q Clause>)> = None;
    for c in pending {
        let ClauseKind::Pred(call) = &c.kind else {
            continue;
        };
        if call.args.len() != 2 {
            continue;
        }
        let value_of = |a: &FnArg| -> Option<Value> {
            match a {
                FnArg::Const(Constant::Long(n)) => Some(Value::Long(*n)),
                FnArg::Const(Constant::Double(d)) => Some(Value::Double(*d)),
                FnArg::Const(Constant::Inst(ms)) => Some(Value::Instant(*ms)),
                FnArg::Const(Constant::String(s)) => Some(Value::String(s.clone())),
                FnArg::Var(v) => env.consts.get(v).cloned(),
                _ => None,
            }
        };
        let is_var = |a: &FnArg| matches!(a, FnArg::Var(v) if v == var);
        // The comparisons are the registry's; normalise to `?v op c`.
        let Some(Kind::Comparison(op)) = builtin(&call.func).map(|b| b.kind) else {
            continue;
        };
        let (op, c_value) = if is_var(&call.args[0]) {
            (op, value_of(&call.args[1]))
        } else if is_var(&call.args[1]) {
            (op.flipped(), value_of(&call.args[0]))
        } else {
            continue;
        };
        let Some(c_value) = c_value else { continue };
        if !matches!(op, Cmp::Gt | Cmp::Ge | Cmp::Lt | Cmp::Le) {
            continue;
        }
        let lower = matches!(op, Cmp::Gt | Cmp::Ge);
        if lower && vt == ValueType::Double && !no_negative_nan(env.db, attr) {
            continue;
        }
        let strict = matches!(op, Cmp::Gt | Cmp::Lt);
        let Some((b, exact)) = typed_bound(env.db, vt, &c_value, lower, strict) else {
            continue;
        };
        // Several bounds on one side: keep either (both are conservative); keep the last.
        let side = Some((b, exact.then_some(*c)));
        if lower {
            lo = side;
        } else {
            hi = side;
        }
    }
    if lo.is_none() && hi.is_none() {
        return None;
    }
    let mut exact = Vec::new();
    let mut bound = |side: Option<(Bound<Value>, Option<&'q Clause>)>| match side {
        None => Bound::Unbounded,
        Some((b, clause)) => {
            exact.extend(clause);
            b
        }
    };
    let (lo, hi) = (bound(lo), bound(hi));
    // A predicate giving both bounds is not possible (one op per call), so each clause is
    // absorbed at most once.
    Some((lo, hi, exact))
}

/// Whether no value of a Double attribute is a NaN with the sign bit set: such NaNs sort below
/// every number in the index, yet [`crate::compare`] puts NaN above them, so a lower bound
/// would lose them. Known from the attribute's smallest value in the statistics.
fn no_negative_nan(db: &Db, attr: &Attribute) -> bool {
    if !db.has_stats() {
        return false;
    }
    match db.stats().attribute(attr.id).min {
        None => true,
        Some(min) => matches!(db.decode_value(&min), Ok(Value::Double(d)) if !d.is_nan()),
    }
}

/// The bound `?v op c` gives on values of type `vt`, conservative (it may let through values
/// the predicate then drops, never drop one it keeps), and whether it is exact (keeps exactly
/// what the predicate keeps). `None` when the index order of `vt` does not agree with
/// [`crate::compare`] for `c`.
fn typed_bound(
    db: &Db,
    vt: ValueType,
    c: &Value,
    lower: bool,
    strict: bool,
) -> Option<(Bound<Value>, bool)> {
    let exact = |v: Value| {
        Some((
            if strict {
                Bound::Excluded(v)
            } else {
                Bound::Included(v)
            },
            true,
        ))
    };
    match (vt, c) {
        (ValueType::Long, Value::Long(n)) => exact(Value::Long(*n)),
        (ValueType::Long, Value::Double(d)) if d.is_finite() => {
            let x = if lower { d.floor() } else { d.ceil() };
            if !(-9.2e18..=9.2e18).contains(&x) {
                return None;
            }
            Some((Bound::Included(Value::Long(x as i64)), false))
        }
        (ValueType::Instant, Value::Instant(ms)) => exact(Value::Instant(*ms)),
        (ValueType::Ref, Value::Long(n)) if *n >= 0 => {
            Some((Bound::Included(Value::Ref(*n as u64)), false))
        }
        // Both zeros compare equal; the index puts -0.0 first. Included bounds widened over
        // the zeros are conservative; the predicate stays as a filter.
        (ValueType::Double, Value::Double(d)) if !d.is_nan() => {
            let d = match (*d == 0.0, lower) {
                (true, true) => -0.0,
                (true, false) => 0.0,
                _ => *d,
            };
            Some((Bound::Included(Value::Double(d)), false))
        }
        (ValueType::Double, Value::Long(n)) if n.unsigned_abs() < (1 << 53) => {
            typed_bound(db, vt, &Value::Double(*n as f64), lower, strict)
        }
        // Inline strings order exactly in the index (long ones only by prefix).
        (ValueType::String, Value::String(s)) if s.len() <= db.inline_threshold() => {
            exact(c.clone())
        }
        _ => None,
    }
}

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
            if let Access::AvetRange(..) = access(env, p, bound, pending) {
                (count / 3.0).max(1.0)
            } else {
                count
            }
        }
    }
}
