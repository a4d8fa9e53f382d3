//! The one total order on values that comparisons, equality, joins, `min`/`max` and result
//! sorting share.

use std::cmp::Ordering;

use datolite_store::Value;

/// The one total order used for comparisons, equality, joins, `min`/`max`
/// and result sorting.
///
/// - Numbers compare numerically with each other: `Long`, `Double` and
///   `Ref` (entity ids are numbers), so `Long 1 = Double 1.0 = Ref 1`.
///   Two integers (Long/Ref) compare exactly; with a Double both sides are
///   compared as `f64` (`-0.0 = 0.0`, NaN after every other number).
/// - Values of different kinds order by kind: Boolean < numbers < Instant <
///   String < Keyword < Uuid < Bytes.
/// - Otherwise by `Value`'s own `Ord` (booleans false < true, strings and
///   keywords bytewise, ...).
pub fn compare(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Boolean(_) => 0,
            Value::Long(_) | Value::Double(_) | Value::Ref(_) => 1,
            Value::Instant(_) => 2,
            Value::String(_) => 3,
            Value::Keyword(_) => 4,
            Value::Uuid(_) => 5,
            Value::Bytes(_) => 6,
        }
    }
    fn int(v: &Value) -> Option<i128> {
        match v {
            Value::Long(n) => Some(i128::from(*n)),
            Value::Ref(n) => Some(i128::from(*n)),
            _ => None,
        }
    }
    fn float(v: &Value) -> f64 {
        match v {
            Value::Long(n) => *n as f64,
            Value::Ref(n) => *n as f64,
            Value::Double(d) => *d,
            _ => f64::NAN,
        }
    }
    let (ra, rb) = (rank(a), rank(b));
    if ra != rb {
        return ra.cmp(&rb);
    }
    if ra == 1 {
        return match (int(a), int(b)) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => {
                let (x, y) = (float(a), float(b));
                x.partial_cmp(&y)
                    .unwrap_or_else(|| x.is_nan().cmp(&y.is_nan()))
            }
        };
    }
    a.cmp(b)
}
