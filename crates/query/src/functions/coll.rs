//! Values, collections and logic: `identity`, `ground`, `tuple`, `untuple`, `vector`, `count`,
//! `true?`, `false?`, `nil?`, `some?`, `not`, and the calendar fields of instants.

use datolite_store::Value;

use super::values::{arg, boolean, integer, show, truthy, R};
use super::Env;
use crate::functions::FnVal;

/// `identity`, `ground` and `untuple` return their argument (`ground` a constant, `untuple` a
/// tuple its binding form destructures).
pub(crate) fn identity(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    arg(args, 0).cloned()
}

/// `(vector a b ...)`: a tuple value of scalars (as `tuple`), or — when an argument is itself
/// a collection — a collection a binding form destructures (`(vector [1 2] [3 4])`).
pub(crate) fn vector(env: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    if args.iter().any(|a| matches!(a, FnVal::Seq(_))) {
        return Ok(FnVal::Seq(args.to_vec()));
    }
    tuple(env, args)
}

/// `(tuple a b ...)`: one tuple value of the arguments (`nil` elements allowed), which a
/// variable can hold and a tuple attribute can match; a binding form destructures it too.
pub(crate) fn tuple(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    let elements = args
        .iter()
        .map(|a| match a {
            FnVal::Nil => Ok(None),
            FnVal::One(Value::Tuple(_)) => Err("a tuple cannot hold a tuple".to_string()),
            FnVal::One(v) => Ok(Some(v.clone())),
            other => Err(format!("a tuple holds values, got {}", show(other))),
        })
        .collect::<R<Vec<_>>>()?;
    Ok(FnVal::One(Value::Tuple(elements)))
}

/// `(count x)`: characters of a string, bytes of a byte array, elements of a collection; 0 for
/// `nil`. Other values have no count (Clojure throws).
pub(crate) fn count(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    let n = match arg(args, 0)? {
        FnVal::Nil => 0,
        FnVal::Seq(items) => items.len(),
        FnVal::One(Value::Tuple(items)) => items.len(),
        FnVal::One(Value::String(s)) => s.chars().count(),
        FnVal::One(Value::Bytes(b)) => b.len(),
        other => {
            return Err(format!(
                "count of {} (not a string or collection)",
                show(other)
            ))
        }
    };
    integer(i64::try_from(n).unwrap_or(i64::MAX))
}

pub(crate) fn is_true(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    boolean(matches!(arg(args, 0)?, FnVal::One(Value::Boolean(true))))
}

pub(crate) fn is_false(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    boolean(matches!(arg(args, 0)?, FnVal::One(Value::Boolean(false))))
}

pub(crate) fn is_nil(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    boolean(matches!(arg(args, 0)?, FnVal::Nil))
}

pub(crate) fn is_some(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    boolean(!matches!(arg(args, 0)?, FnVal::Nil))
}

/// `(not x)`: true for `nil` and `false`.
pub(crate) fn not(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    boolean(!truthy(arg(args, 0)?))
}

/// `year month day hour minute second` of an instant, in UTC.
fn calendar(args: &[FnVal], field: usize) -> R<FnVal> {
    let FnVal::One(Value::Instant(ms)) = arg(args, 0)? else {
        return Err(format!("expected an instant, got {}", show(arg(args, 0)?)));
    };
    let (y, mo, d, h, mi, s) = datolite_edn::civil_utc(*ms);
    integer([y, mo, d, h, mi, s][field])
}

pub(crate) fn year(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    calendar(args, 0)
}

pub(crate) fn month(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    calendar(args, 1)
}

pub(crate) fn day(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    calendar(args, 2)
}

pub(crate) fn hour(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    calendar(args, 3)
}

pub(crate) fn minute(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    calendar(args, 4)
}

pub(crate) fn second(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    calendar(args, 5)
}
