//! Comparisons, arithmetic and numeric predicates.
//!
//! Arithmetic works on every number type with Clojure's contagion (see `numeric::arith`): Long
//! arithmetic stays Long and an overflow is an error (as Clojure's `+`, `-`, `*`, `inc` and
//! `dec` throw); any Double or Float makes a Double; big decimals and big integers stay exact.
//! Division of Longs is a Long when exact and a Double otherwise (Datomic would return a
//! ratio). No operation panics: every Long operation is checked.

use std::cmp::Ordering;

use datolite_store::Value;

use super::values::{arg, boolean, integer, long, number, one, show, R};
use super::{Cmp, Env};
use crate::functions::FnVal;
use crate::numeric::{arith, Num, Op};
use crate::value_order::compare;

/// Equality of two arguments by [`compare`] (so `1 = 1.0`), `nil` equal only to `nil`,
/// collections element by element.
pub(crate) fn equal(a: &FnVal, b: &FnVal) -> bool {
    match (a, b) {
        (FnVal::Nil, FnVal::Nil) => true,
        (FnVal::One(x), FnVal::One(y)) => compare(x, y) == Ordering::Equal,
        (FnVal::Seq(x), FnVal::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| equal(a, b))
        }
        (FnVal::Regex(x), FnVal::Regex(y)) => x == y,
        _ => false,
    }
}

/// `= != not= < > <= >=` over any number of arguments (one argument is always true, as in
/// Clojure). Equality accepts `nil` and collections; the orderings need values.
pub(crate) fn comparison(op: Cmp, args: &[FnVal]) -> R<FnVal> {
    match op {
        Cmp::Eq => boolean(args.windows(2).all(|w| equal(&w[0], &w[1]))),
        Cmp::Ne => boolean(!args.windows(2).all(|w| equal(&w[0], &w[1]))),
        _ => {
            let vals: Vec<&Value> = args.iter().map(one).collect::<R<_>>()?;
            boolean(vals.windows(2).all(|w| op.holds(compare(w[0], w[1]))))
        }
    }
}

pub(crate) fn eq(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    comparison(Cmp::Eq, args)
}

pub(crate) fn ne(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    comparison(Cmp::Ne, args)
}

pub(crate) fn lt(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    comparison(Cmp::Lt, args)
}

pub(crate) fn gt(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    comparison(Cmp::Gt, args)
}

pub(crate) fn le(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    comparison(Cmp::Le, args)
}

pub(crate) fn ge(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    comparison(Cmp::Ge, args)
}

/// `+ - * /` over any number of arguments: `(+)` is 0, `(*)` is 1, `(- x)` is `0 - x`, `(/ x)`
/// is `1 / x`; the arithmetic itself (types, overflow, exact division) is `numeric::arith`.
fn fold(args: &[FnVal], op: Op, identity: Option<i64>) -> R<FnVal> {
    let values = args.iter().map(number).collect::<R<Vec<&Value>>>()?;
    let Some((first, rest)) = values.split_first() else {
        return identity
            .map(|n| FnVal::One(Value::Long(n)))
            .ok_or_else(|| "needs at least one argument".to_string());
    };
    if rest.is_empty() {
        return match op {
            Op::Sub => arith(op, &Value::Long(0), first).map(FnVal::One),
            Op::Div => arith(op, &Value::Long(1), first).map(FnVal::One),
            _ => Ok(FnVal::One((*first).clone())),
        };
    }
    rest.iter()
        .try_fold((*first).clone(), |acc, x| arith(op, &acc, x))
        .map(FnVal::One)
}

pub(crate) fn add(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    fold(args, Op::Add, Some(0))
}

pub(crate) fn sub(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    fold(args, Op::Sub, None)
}

pub(crate) fn mul(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    fold(args, Op::Mul, Some(1))
}

pub(crate) fn div(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    fold(args, Op::Div, None)
}

/// `quot`, `rem`, `mod` of two Longs: `quot` truncates, `rem` has the dividend's sign, `mod`
/// the divisor's.
fn integer_division(args: &[FnVal], which: &str) -> R<FnVal> {
    let (x, y) = (long(arg(args, 0)?)?, long(arg(args, 1)?)?);
    if y == 0 {
        return Err("division by zero".into());
    }
    let r = match which {
        "quot" => x.checked_div(y),
        "rem" => x.checked_rem(y),
        // The remainder and the divisor have opposite signs only when |r| < |y|, so r + y
        // cannot overflow.
        _ => x.checked_rem(y).map(|r| {
            if r != 0 && (r < 0) != (y < 0) {
                r + y
            } else {
                r
            }
        }),
    };
    r.map_or_else(|| Err("integer overflow".into()), integer)
}

pub(crate) fn quot(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    integer_division(args, "quot")
}

pub(crate) fn rem(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    integer_division(args, "rem")
}

pub(crate) fn modulo(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    integer_division(args, "mod")
}

pub(crate) fn inc(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    arith(Op::Add, number(arg(args, 0)?)?, &Value::Long(1)).map(FnVal::One)
}

pub(crate) fn dec(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    arith(Op::Sub, number(arg(args, 0)?)?, &Value::Long(1)).map(FnVal::One)
}

/// `even?` / `odd?`: integers only (Clojure throws for anything else).
pub(crate) fn even(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    boolean(long(arg(args, 0)?)? % 2 == 0)
}

pub(crate) fn odd(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    boolean(long(arg(args, 0)?)? % 2 != 0)
}

/// The sign of a number argument: `zero?`, `pos?`, `neg?` (NaN is none of them).
fn sign(args: &[FnVal], want: Ordering) -> R<FnVal> {
    let x = number(arg(args, 0)?)?;
    let nan = matches!(Num::of(x), Some(Num::Float(d)) if d.is_nan());
    boolean(!nan && compare(x, &Value::Long(0)) == want)
}

pub(crate) fn zero(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    sign(args, Ordering::Equal)
}

pub(crate) fn pos(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    sign(args, Ordering::Greater)
}

pub(crate) fn neg(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    sign(args, Ordering::Less)
}

/// `(compare a b)`: -1, 0 or 1 by the query's value order ([`compare`]); `nil` sorts first,
/// as in Clojure.
pub(crate) fn compare_fn(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    let (a, b) = (arg(args, 0)?, arg(args, 1)?);
    let o = match (a, b) {
        (FnVal::Nil, FnVal::Nil) => Ordering::Equal,
        (FnVal::Nil, _) => Ordering::Less,
        (_, FnVal::Nil) => Ordering::Greater,
        (FnVal::One(x), FnVal::One(y)) => compare(x, y),
        (x, y) => {
            return Err(format!(
                "compare takes values or nil, got {} and {}",
                show(x),
                show(y)
            ))
        }
    };
    integer(o as i64)
}
