//! Access paths: which index a data pattern reads and which leading components it binds,
//! given the variables bound when it runs — and range predicates turned into AVET bounds.
//!
//! Every datom is in EAVT, AEVT and AVET; reference datoms are in VAET too
//! (`docs/design.md`, §4 Key layout). With the entity known the pattern reads EAVT; with the
//! attribute and value, AVET (VAET for a constant reference attribute); with the attribute
//! only, AEVT — or an AVET range when range predicates bound the value; with nothing, all of
//! EAVT. The executor reads exactly the index chosen here ([`crate::exec`]'s `lookup`).

use std::fmt;
use std::ops::Bound;

use datolite_store::{Attribute, Db, Value, ValueType};

use crate::ast::{Call, Clause, ClauseKind, Constant, FnArg, Pattern, Term, Var};
use crate::functions::{builtin, Cmp, Kind};
use crate::plan::Env;

use std::collections::BTreeSet;

/// One end of a per-row range: the variable holding it, and whether the comparison is strict.
pub(crate) type RangeEnd = (Var, bool);

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
    /// AVET with the attribute bound and the value in a range whose ends are variables the
    /// input row binds (`[(< ?lo ?x)]`, `?lo` from an earlier clause): one range per row. The
    /// comparisons stay as filters (the ends are converted to the attribute's type at run time,
    /// conservatively).
    AvetRangeOf {
        /// The lower end.
        lo: Option<RangeEnd>,
        /// The upper end.
        hi: Option<RangeEnd>,
    },
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
                if parts.is_empty() {
                    f.write_str("AVET [a]")
                } else {
                    write!(f, "AVET [a] range {}", parts.join(", "))
                }
            }
            Access::AvetRangeOf { lo, hi } => {
                let lo = lo
                    .as_ref()
                    .map(|(v, strict)| format!("v {} {v}", if *strict { ">" } else { ">=" }));
                let hi = hi
                    .as_ref()
                    .map(|(v, strict)| format!("v {} {v}", if *strict { "<" } else { "<=" }));
                let parts: Vec<String> = [lo, hi].into_iter().flatten().collect();
                write!(f, "AVET [a] range {} per row", parts.join(", "))
            }
            Access::Vaet => f.write_str("VAET [v a]"),
            Access::Aevt => f.write_str("AEVT [a]"),
            Access::Full => f.write_str("EAVT full scan"),
        }
    }
}

/// Whether `t` is known when the pattern runs: a constant or a bound variable.
pub(crate) fn known(t: &Term, bound: &BTreeSet<Var>) -> bool {
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
            if let Some((lo, hi)) = row_range(env, attr, var, bound, pending) {
                return Access::AvetRangeOf { lo, hi };
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

/// Ends for `var` (the value of `attr`) from comparisons among `pending` with a variable that
/// `bound` holds (and no constant or input is known for): the last lower and the last upper
/// end found. Only for the types whose index order agrees with the query order for every
/// value of the type (doubles only as an upper end unless no NaN sorts below the numbers).
fn row_range(
    env: &Env<'_>,
    attr: &Attribute,
    var: &Var,
    bound: &BTreeSet<Var>,
    pending: &[&Clause],
) -> Option<(Option<RangeEnd>, Option<RangeEnd>)> {
    let vt = attr.value_type;
    if !matches!(
        vt,
        ValueType::Long | ValueType::Instant | ValueType::Double | ValueType::String
    ) {
        return None;
    }
    let (mut lo, mut hi) = (None, None);
    for c in pending {
        let ClauseKind::Pred(call) = &c.kind else {
            continue;
        };
        let Some(pairs) = var_comparisons(call, var) else {
            continue;
        };
        for (op, other) in pairs.flatten() {
            let end = match other {
                FnArg::Var(v) if bound.contains(v) && !env.consts.contains_key(v) => v.clone(),
                _ => continue,
            };
            let strict = matches!(op, Cmp::Gt | Cmp::Lt);
            match op {
                Cmp::Gt | Cmp::Ge if vt != ValueType::Double || no_negative_nan(env.db, attr) => {
                    lo = Some((end, strict));
                }
                Cmp::Lt | Cmp::Le => hi = Some((end, strict)),
                _ => {}
            }
        }
    }
    (lo.is_some() || hi.is_some()).then_some((lo, hi))
}

/// The bound one row's value `v` gives as the lower (or upper) end of a per-row range on an
/// attribute of type `vt` (see [`Access::AvetRangeOf`]): conservative, `Unbounded` when the
/// index order cannot express it.
pub(crate) fn row_bound(
    db: &Db,
    vt: ValueType,
    v: &Value,
    lower: bool,
    strict: bool,
) -> Bound<Value> {
    typed_bound(db, vt, v, lower, strict).map_or(Bound::Unbounded, |(b, _)| b)
}

/// The predicates among `pending` that pattern `p`'s AVET range answers exactly.
pub(crate) fn absorbed_predicates<'q>(
    env: &Env<'_>,
    p: &Pattern,
    pending: &[&'q Clause],
) -> Vec<&'q Clause> {
    match (const_attribute(env.db, p), &p.v) {
        (Some(attr), Term::Var(var)) => range_bounds(env, attr, var, pending)
            .map(|(_, _, exact)| exact)
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// AVET bounds for `var` (the value of `attr`) from the comparisons among `pending` whose
/// other side is a constant or a scalar input, and the predicates whose bounds are exact (the
/// range keeps exactly the values they keep).
///
/// A comparison of more than two arguments is a chain (`(< 10 ?a 12)` is `10 < ?a` and
/// `?a < 12`): each adjacent pair with `var` on one side and a known value on the other gives a
/// bound; `=` gives both. Such a predicate is absorbed when every pair of it is such a pair
/// with an exact bound and each of those bounds is the one the range keeps.
fn range_bounds<'q>(
    env: &Env<'_>,
    attr: &Attribute,
    var: &Var,
    pending: &[&'q Clause],
) -> Option<(Bound<Value>, Bound<Value>, Vec<&'q Clause>)> {
    let vt = attr.value_type;
    // Each side: the bound kept, and the index of the clause it came from when exact.
    let mut lo: Option<(Bound<Value>, Option<usize>)> = None;
    let mut hi: Option<(Bound<Value>, Option<usize>)> = None;
    // The clauses all of whose pairs gave exact bounds: candidates for absorption.
    let mut whole: Vec<(usize, &'q Clause, (bool, bool))> = Vec::new();
    for (i, c) in pending.iter().enumerate() {
        let ClauseKind::Pred(call) = &c.kind else {
            continue;
        };
        let Some(pairs) = var_comparisons(call, var) else {
            continue;
        };
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
        let mut all_exact = true;
        // The sides (lower, upper) this clause bounds.
        let mut sides = (false, false);
        for pair in pairs {
            let Some((op, c_value)) = pair.and_then(|(op, other)| Some((op, value_of(other)?)))
            else {
                all_exact = false;
                continue;
            };
            let strict = matches!(op, Cmp::Gt | Cmp::Lt);
            let lowers: &[bool] = match op {
                Cmp::Gt | Cmp::Ge => &[true],
                Cmp::Lt | Cmp::Le => &[false],
                _ => &[true, false],
            };
            for &lower in lowers {
                if lower && vt == ValueType::Double && !no_negative_nan(env.db, attr) {
                    all_exact = false;
                    continue;
                }
                let Some((b, exact)) = typed_bound(env.db, vt, &c_value, lower, strict) else {
                    all_exact = false;
                    continue;
                };
                all_exact &= exact;
                // Several bounds on one side: keep either (both are conservative); the last.
                let side = Some((b, exact.then_some(i)));
                if lower {
                    lo = side;
                    sides.0 = true;
                } else {
                    hi = side;
                    sides.1 = true;
                }
            }
        }
        if (sides.0 || sides.1) && all_exact {
            whole.push((i, c, sides));
        }
    }
    if lo.is_none() && hi.is_none() {
        return None;
    }
    let kept = |side: &Option<(Bound<Value>, Option<usize>)>| side.as_ref().and_then(|s| s.1);
    let (lo_from, hi_from) = (kept(&lo), kept(&hi));
    // A clause is absorbed when no bound of it was replaced by another clause's: each side it
    // bounds keeps its bound.
    let exact = whole
        .into_iter()
        .filter(|&(i, _, (lower, upper))| {
            (!lower || lo_from == Some(i)) && (!upper || hi_from == Some(i))
        })
        .map(|(_, c, _)| c)
        .collect();
    let bound =
        |side: Option<(Bound<Value>, Option<usize>)>| side.map_or(Bound::Unbounded, |s| s.0);
    Some((bound(lo), bound(hi), exact))
}

/// The comparisons `call` makes of `var`, one per adjacent pair of its arguments (a chain
/// `(< 10 ?a 12)` is `10 < ?a` and `?a < 12`), normalised to `?var op other`: `None` for a pair
/// that does not hold `var` on exactly one side. The whole result is `None` for a call that
/// is no ordering comparison (`<`, `<=`, `>`, `>=`, `=`) of two or more arguments.
fn var_comparisons<'c>(
    call: &'c Call,
    var: &'c Var,
) -> Option<impl Iterator<Item = Option<(Cmp, &'c FnArg)>> + 'c> {
    let Some(Kind::Comparison(op)) = builtin(&call.func).map(|b| b.kind) else {
        return None;
    };
    if call.args.len() < 2 || !matches!(op, Cmp::Gt | Cmp::Ge | Cmp::Lt | Cmp::Le | Cmp::Eq) {
        return None;
    }
    let is_var = move |a: &FnArg| matches!(a, FnArg::Var(v) if v == var);
    Some(
        call.args
            .windows(2)
            .map(move |pair| match (is_var(&pair[0]), is_var(&pair[1])) {
                (true, false) => Some((op, &pair[1])),
                (false, true) => Some((op.flipped(), &pair[0])),
                _ => None,
            }),
    )
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
