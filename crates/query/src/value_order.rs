//! The one total order on values that comparisons, equality, joins, `min`/`max` and result
//! sorting share ([`compare`]), and the order results are sorted in ([`order`]): its own module
//! so that the function library, the rows of the naive evaluator and the result shapes all
//! depend on it rather than on each other.

use std::cmp::Ordering;

use datolite_store::Value;

use crate::numeric::{compare_nums, Num};

/// The one total order used for comparisons, equality, joins, `min`/`max`
/// and result sorting.
///
/// - Numbers compare by their exact value with each other, whatever their type: `Long`,
///   `Double`, `Float`, `BigInt`, `BigDec` and `Ref` (entity ids are numbers), so
///   `Long 1 = Double 1.0 = BigDec 1M = Ref 1` (see `numeric.rs`; `-0.0 = 0.0`, NaN after
///   every other number).
/// - Values of different kinds order by kind: Boolean < numbers < Instant < String < Keyword <
///   Symbol < Uuid < Uri < Bytes < Tuple.
/// - Otherwise by `Value`'s own `Ord` (booleans false < true, strings bytewise, keywords and
///   symbols as Clojure compares them — namespace, then name —, tuples element by element
///   with this same order, `nil` first).
pub fn compare(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Boolean(_) => 0,
            Value::Long(_)
            | Value::Double(_)
            | Value::Ref(_)
            | Value::Float(_)
            | Value::BigInt(_)
            | Value::BigDec(_) => 1,
            Value::Instant(_) => 2,
            Value::String(_) => 3,
            Value::Keyword(_) => 4,
            Value::Symbol(_) => 5,
            Value::Uuid(_) => 6,
            Value::Uri(_) => 7,
            Value::Bytes(_) => 8,
            Value::Tuple(_) => 9,
        }
    }
    match (a, b) {
        // The common cases first, without building numbers.
        (Value::Long(x), Value::Long(y)) | (Value::Instant(x), Value::Instant(y)) => {
            return x.cmp(y)
        }
        (Value::Ref(x), Value::Ref(y)) => return x.cmp(y),
        _ => {}
    }
    let (ra, rb) = (rank(a), rank(b));
    if ra != rb {
        return ra.cmp(&rb);
    }
    if ra == 1 {
        if let (Some(x), Some(y)) = (Num::of(a), Num::of(b)) {
            return compare_nums(&x, &y);
        }
    }
    if let (Value::Tuple(x), Value::Tuple(y)) = (a, b) {
        for (p, q) in x.iter().zip(y) {
            let o = match (p, q) {
                (Some(p), Some(q)) => compare(p, q),
                (p, q) => p.is_some().cmp(&q.is_some()),
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        return x.len().cmp(&y.len());
    }
    a.cmp(b)
}

/// The total order of results: [`compare`], ties broken by `Value`'s `Ord`
/// (so `Long 1` and `Double 1.0` stay distinct but adjacent).
pub(crate) fn order(a: &Value, b: &Value) -> Ordering {
    compare(a, b).then_with(|| a.cmp(b))
}
