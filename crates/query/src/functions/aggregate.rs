//! The aggregate functions, over the column of one group (a bag: duplicates present only
//! through `:with`).
//!
//! `count` → Long; `count-distinct` → Long; `sum` → Long if every value is a Long, else Double;
//! `avg` → Double; `min`/`max` by [`compare`](super::compare) (any values); `median` → the
//! middle value for an odd count, the Double mean of the two middle values for an even count;
//! `variance` and `stddev` → the *population* variance and standard deviation as Doubles
//! (Datomic's: `(stddev ?radius)` of its solar-system sample is 161902.528, the population
//! figure); `distinct` → [`Cell::Set`]. Those returning several values return a
//! [`Cell::Vector`]: `(min n ?x)` the `n` least values least first, `(max n ?x)` the `n`
//! greatest greatest first (Datomic's order), `(rand n ?x)` `n` values drawn with repetition,
//! `(sample n ?x)` `n` distinct values; each returns fewer when the group has fewer values (for
//! `rand`, fewer than `n` values in the group), as Datomic documents.

use std::cmp::Ordering;
use std::hash::{BuildHasher, Hasher};

use datolite_store::Value;

use super::values::R;
use crate::ast::AggregateFn;
use crate::numeric::{arith, Op};
use crate::result::Cell;
use crate::value_order::compare;
use crate::value_order::order;

/// One aggregate over `col` (never empty: a group has at least one member); `n` is the count of
/// the aggregates that take one.
pub(crate) fn aggregate(func: AggregateFn, n: Option<usize>, mut col: Vec<Value>) -> R<Cell> {
    let name = func.name();
    let num = |v: &Value| -> R<f64> {
        crate::numeric::to_f64(v).ok_or_else(|| format!("{name} of a non-number {v}"))
    };
    let n = n.unwrap_or(1);
    // Sums of longs are exact in any order: no sort needed (the others read the sorted column,
    // and a sum of doubles is summed in value order so that it never depends on the order the
    // rows came in).
    if let (AggregateFn::Sum | AggregateFn::Avg, Some(s)) = (func, exact_long_sum(&col)) {
        let len = col.len();
        if len == 0 {
            return Err(format!("{name} of no values"));
        }
        return Ok(Cell::Value(match func {
            AggregateFn::Sum => Value::Long(i64::try_from(s).map_err(|_| "sum overflows a Long")?),
            _ => Value::Double(s as f64 / len as f64),
        }));
    }
    col.sort_by(order);
    let Some(first) = col.first().cloned() else {
        return Err(format!("{name} of no values"));
    };
    let last = col.last().cloned().unwrap_or_else(|| first.clone());
    let len = col.len();
    Ok(Cell::Value(match func {
        AggregateFn::Count => Value::Long(i64::try_from(len).unwrap_or(i64::MAX)),
        AggregateFn::CountDistinct => {
            Value::Long(i64::try_from(distinct(&col).len()).unwrap_or(i64::MAX))
        }
        AggregateFn::Sum => match exact_long_sum(&col) {
            Some(s) => Value::Long(i64::try_from(s).map_err(|_| "sum overflows a Long")?),
            // Big numbers sum exactly, any double makes the sum a double (as `+` does).
            None => col.iter().try_fold(Value::Long(0), |acc, v| {
                arith(Op::Add, &acc, v).map_err(|e| format!("sum: {e}"))
            })?,
        },
        AggregateFn::Avg => match exact_long_sum(&col) {
            Some(s) => Value::Double(s as f64 / len as f64),
            None => Value::Double(col.iter().map(num).sum::<R<f64>>()? / len as f64),
        },
        AggregateFn::Min => first,
        AggregateFn::Max => last,
        AggregateFn::Median => {
            let mid = |i: usize| col.get(i).cloned().ok_or("median index");
            if len % 2 == 1 {
                mid(len / 2)?
            } else {
                Value::Double((num(&mid(len / 2 - 1)?)? + num(&mid(len / 2)?)?) / 2.0)
            }
        }
        AggregateFn::Variance => Value::Double(variance(&col, num)?),
        AggregateFn::Stddev => Value::Double(variance(&col, num)?.sqrt()),
        AggregateFn::Distinct => return Ok(Cell::Set(distinct(&col))),
        AggregateFn::MinN => return Ok(Cell::Vector(col.into_iter().take(n).collect())),
        AggregateFn::MaxN => return Ok(Cell::Vector(col.into_iter().rev().take(n).collect())),
        AggregateFn::Rand => {
            let mut rng = Rng::new();
            col.swap_remove(rng.below(len))
        }
        // n values drawn with repetition, as DataScript's (rand n ?x) (sample draws without).
        AggregateFn::RandN => {
            if n > MAX_RANDOM_DRAWS {
                return Err(format!(
                    "(rand {n} …) draws more than {MAX_RANDOM_DRAWS} values; ask for fewer"
                ));
            }
            let mut rng = Rng::new();
            let picks = (0..n).map(|_| col[rng.below(len)].clone());
            return Ok(Cell::Vector(picks.collect()));
        }
        AggregateFn::Sample => {
            let mut rng = Rng::new();
            let mut pool = distinct(&col);
            // A partial Fisher–Yates shuffle: the first k slots become the sample.
            let k = n.min(pool.len());
            for i in 0..k {
                let j = i + rng.below(pool.len() - i);
                pool.swap(i, j);
            }
            pool.truncate(k);
            return Ok(Cell::Vector(pool));
        }
    }))
}

/// Most values `(rand n ?x)` draws (each a copy: a typo of a huge n must not exhaust memory).
const MAX_RANDOM_DRAWS: usize = 1_000_000;

/// The values of a sorted column without [`compare`]-equal repeats.
fn distinct(col: &[Value]) -> Vec<Value> {
    let mut d = col.to_vec();
    d.dedup_by(|a, b| compare(a, b) == Ordering::Equal);
    d
}

/// The population variance: the mean squared distance from the mean. For Longs `(n·Σx² −
/// (Σx)²) / n²` with the sums exact in 128-bit integers (so the answer does not depend on the
/// order of the values), else two passes over doubles.
fn variance(col: &[Value], num: impl Fn(&Value) -> R<f64>) -> R<f64> {
    if let Some(v) = exact_long_variance(col) {
        return Ok(v);
    }
    let xs = col.iter().map(num).collect::<R<Vec<f64>>>()?;
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    Ok(xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n)
}

/// [`variance`] of a column of Longs in integers (`None` for other values or on overflow).
fn exact_long_variance(col: &[Value]) -> Option<f64> {
    let n = i128::try_from(col.len()).ok()?;
    let (mut sum, mut squares) = (0i128, 0i128);
    for v in col {
        let Value::Long(x) = v else { return None };
        let x = i128::from(*x);
        sum = sum.checked_add(x)?;
        squares = squares.checked_add(x.checked_mul(x)?)?;
    }
    let numerator = n.checked_mul(squares)?.checked_sub(sum.checked_mul(sum)?)?;
    Some(numerator as f64 / n.checked_mul(n)? as f64)
}

/// The exact sum of a column of Longs (`None` when any value is not a Long): no intermediate
/// overflow, and the same answer in any order (the scan-time aggregation relies on that).
fn exact_long_sum(col: &[Value]) -> Option<i128> {
    col.iter()
        .map(|v| match v {
            Value::Long(n) => Some(i128::from(*n)),
            _ => None,
        })
        .sum()
}

/// A small random generator for `rand` and `sample` (xorshift64*, seeded from the process's
/// random hasher keys): statistical quality is enough to pick values, and no seed is exposed.
struct Rng(u64);

impl Rng {
    fn new() -> Rng {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(0x9E37_79B9_7F4A_7C15);
        Rng(h.finish() | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % (n.max(1) as u64)) as usize
    }
}
