//! Bound values as a pattern's index sees them: the entity id a cell denotes, and a value
//! coerced to the attribute's type so that [`crate::compare`] equality (`Long 1 = Double 1.0 =
//! Ref 1`) holds in a key lookup as it does in the naive evaluator.

use datolite_store::{Attribute, Schema, Value, ValueType};

use crate::exec::val::Val;
use crate::numeric::Num;

/// Where a lookup stands on one datom component.
pub(crate) enum Res<T> {
    Free,
    Is(T),
    Never,
}

/// A bound value as the attribute's index sees it.
pub(crate) enum Coerced {
    /// Exactly this encoded value.
    Exact(Value),
    /// `0.0` of a Double attribute: both zeros.
    Zero,
    /// No index narrowing possible (NaN, huge integers): scan the attribute and filter.
    Scan,
    /// No value of the attribute can equal it.
    Never,
}

const EXACT_F64: f64 = 9_007_199_254_740_992.0; // 2^53

/// `v` as a value of type `vt` that is [`crate::compare`]-equal to it, when there is one.
pub(crate) fn coerce(v: &Value, vt: ValueType) -> Coerced {
    match (vt, v) {
        (ValueType::Long, Value::Long(_)) | (ValueType::Ref, Value::Ref(_)) => {
            Coerced::Exact(v.clone())
        }
        (vt, v) if vt.is_number() || vt == ValueType::Ref => match Num::of(v) {
            Some(n) => coerce_number(&n, vt),
            None => Coerced::Never,
        },
        (vt, v) if v.value_type() == vt => Coerced::Exact(v.clone()),
        _ => Coerced::Never,
    }
}

/// A tuple as tuple attribute `attr` holds it: each element in the attribute's element type
/// (a composite of refs holds ids where a query may have written longs).
pub(crate) fn coerce_tuple(items: &[Option<Value>], attr: &Attribute, schema: &Schema) -> Coerced {
    // Zeros and NaNs have several encodings that compare equal: scan and filter.
    let ambiguous = |v: &Value| match v {
        Value::Double(d) => *d == 0.0 || d.is_nan(),
        Value::Float(x) => *x == 0.0 || x.is_nan(),
        _ => false,
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        out.push(match (item, schema.element_type(attr, i)) {
            (None, _) => None,
            (Some(v), Some(t)) => match crate::resolve::element_as(v, t) {
                Some(x) => Some(x),
                None => return Coerced::Never,
            },
            (Some(_), None) => return Coerced::Never,
        });
    }
    if out.iter().flatten().any(ambiguous) {
        return Coerced::Scan;
    }
    Coerced::Exact(Value::Tuple(out))
}

/// A number as the value of numeric (or ref) type `vt` with exactly its value: numbers are
/// equal across types by exact value, and the index holds each attribute's own type.
fn coerce_number(n: &Num, vt: ValueType) -> Coerced {
    use Coerced::*;
    let exact = |v: Option<Value>| v.map_or(Never, Exact);
    match (vt, n) {
        // Both zeros equal 0 in a query but are two keys in the index; NaNs likewise.
        (ValueType::Double | ValueType::Float, Num::Float(f)) if f.is_nan() => Scan,
        (ValueType::Double, _) if n.is_zero() => Zero,
        (ValueType::Float, _) if n.is_zero() => Scan,
        (ValueType::Long, _) => exact(
            n.to_i128()
                .and_then(|i| i64::try_from(i).ok())
                .map(Value::Long),
        ),
        (ValueType::Ref, _) => exact(
            n.to_i128()
                .and_then(|i| u64::try_from(i).ok())
                .map(Value::Ref),
        ),
        (ValueType::Double, _) => exact(n.to_exact_f64().map(Value::Double)),
        (ValueType::Float, _) => exact(
            n.to_exact_f64()
                .filter(|d| f64::from(*d as f32) == *d)
                .map(|d| Value::Float(d as f32)),
        ),
        (ValueType::BigInt, _) => exact(n.to_bigint().map(Value::big_int)),
        (ValueType::BigDec, _) => exact(n.to_bigdec().map(Value::big_dec)),
        _ => Never,
    }
}

/// The entity id a cell denotes in the E (or A, or tx) position.
pub(crate) fn entity_of(v: &Val) -> Res<u64> {
    match v {
        Val::Ref(x) => Res::Is(*x),
        Val::Long(n) => u64::try_from(*n).map_or(Res::Never, Res::Is),
        Val::Double(d) if d.fract() == 0.0 && *d >= 0.0 && *d < EXACT_F64 => Res::Is(*d as u64),
        _ => Res::Never,
    }
}
