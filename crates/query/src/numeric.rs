//! Numbers across types: exact comparison and the numeric key under which equal numbers meet.
//!
//! Longs, entity ids, doubles, floats, big integers and big decimals are all numbers to a query:
//! they compare by their exact mathematical value (`1 = 1.0 = 1N = 1M = Ref 1`, and
//! `0.1M != 0.1` because the double nearest 0.1 is not 0.1), `-0.0 = 0.0`, and NaN sorts after
//! every other number and equals itself. The fast cases (two integers, two doubles) never build
//! a big number.

use std::cmp::Ordering;

use bigdecimal::BigDecimal;
use num_bigint::BigInt;
use num_traits::{ToPrimitive, Zero};

use datolite_store::model::{decimal_in_range, MAX_DECIMAL_SCALE};
use datolite_store::{Value, ValueRef};

/// A number, in the cheapest form that holds it exactly.
#[derive(Clone, Debug)]
pub(crate) enum Num {
    /// An integer that fits 128 bits (longs, ids, small big integers).
    Int(i128),
    /// A double (floats widen to doubles exactly).
    Float(f64),
    /// Anything else: a big decimal (or a big integer beyond 128 bits), exact.
    Big(BigDecimal),
}

impl Num {
    /// The number a value is, if it is one.
    pub(crate) fn of(v: &Value) -> Option<Num> {
        Num::of_ref(&v.as_ref())
    }

    /// [`Num::of`] on a borrowed value.
    pub(crate) fn of_ref(v: &ValueRef<'_>) -> Option<Num> {
        Some(match v {
            ValueRef::Long(n) => Num::Int(i128::from(*n)),
            ValueRef::Ref(n) => Num::Int(i128::from(*n)),
            ValueRef::Double(d) => Num::Float(*d),
            ValueRef::Float(x) => Num::Float(f64::from(*x)),
            ValueRef::BigInt(n) => match n.to_i128() {
                Some(small) => Num::Int(small),
                None => Num::Big(BigDecimal::from(BigInt::clone(n))),
            },
            ValueRef::BigDec(d) => {
                if d.is_integer() {
                    if let Some(small) = d.to_i128() {
                        return Some(Num::Int(small));
                    }
                }
                Num::Big(BigDecimal::clone(d))
            }
            _ => return None,
        })
    }

    /// Whether the number is zero (either zero, for doubles).
    pub(crate) fn is_zero(&self) -> bool {
        match self {
            Num::Int(n) => *n == 0,
            Num::Float(d) => *d == 0.0,
            Num::Big(b) => b.is_zero(),
        }
    }

    /// The number as a 128-bit integer, when it is one exactly.
    pub(crate) fn to_i128(&self) -> Option<i128> {
        match self {
            Num::Int(n) => Some(*n),
            Num::Float(d) if d.fract() == 0.0 && d.abs() < 1.7e38 => Some(*d as i128),
            Num::Float(_) => None,
            Num::Big(b) if b.is_integer() => b.to_i128(),
            Num::Big(_) => None,
        }
    }

    /// The number as a double, when a double holds it exactly.
    pub(crate) fn to_exact_f64(&self) -> Option<f64> {
        match self {
            Num::Float(d) => Some(*d),
            Num::Int(n) => Some(*n as f64).filter(|d| d.abs() < 1.7e38 && *d as i128 == *n),
            Num::Big(b) => b.to_f64().filter(|d| exact_decimal(*d).as_ref() == Some(b)),
        }
    }

    /// The number as a big integer, when it is whole.
    pub(crate) fn to_bigint(&self) -> Option<BigInt> {
        if let Some(n) = self.to_i128() {
            return Some(BigInt::from(n));
        }
        let b = self.to_big()?;
        b.is_integer()
            .then(|| b.with_scale(0).as_bigint_and_exponent().0)
    }

    /// The number as an exact decimal (`None` for NaN and the infinities).
    pub(crate) fn to_bigdec(&self) -> Option<BigDecimal> {
        self.to_big()
    }

    /// The exact decimal of a finite number (`None` for NaN and the infinities).
    fn to_big(&self) -> Option<BigDecimal> {
        match self {
            Num::Int(n) => Some(BigDecimal::from(BigInt::from(*n))),
            Num::Float(d) => exact_decimal(*d),
            Num::Big(b) => Some(b.clone()),
        }
    }

    /// The sign of an infinite or NaN float: `Some(Greater)` for `+∞` and NaN (both sort after
    /// every finite number), `Some(Less)` for `-∞`, `None` for finite numbers.
    fn non_finite(&self) -> Option<Ordering> {
        match self {
            Num::Float(d) if d.is_nan() || *d == f64::INFINITY => Some(Ordering::Greater),
            Num::Float(d) if *d == f64::NEG_INFINITY => Some(Ordering::Less),
            _ => None,
        }
    }
}

/// The exact value of two numbers compared: see the module doc.
pub(crate) fn compare_nums(a: &Num, b: &Num) -> Ordering {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => x.cmp(y),
        (Num::Float(x), Num::Float(y)) => x
            .partial_cmp(y)
            .unwrap_or_else(|| x.is_nan().cmp(&y.is_nan())),
        (Num::Int(i), Num::Float(f)) => int_vs_float(*i, *f),
        (Num::Float(f), Num::Int(i)) => int_vs_float(*i, *f).reverse(),
        _ => match (a.non_finite(), b.non_finite()) {
            (Some(x), None) => x,
            (None, Some(y)) => y.reverse(),
            // Both infinite or NaN: only possible for two floats, handled above.
            (Some(x), Some(y)) => x.cmp(&y),
            (None, None) => match (a.to_big(), b.to_big()) {
                (Some(x), Some(y)) => x.cmp(&y),
                _ => Ordering::Equal,
            },
        },
    }
}

/// An integer against a double, exactly (NaN after everything).
fn int_vs_float(i: i128, f: f64) -> Ordering {
    if f.is_nan() {
        return Ordering::Less;
    }
    // 2^127: every i128 is below it; from -2^127 up, `floor as i128` is exact.
    const LIMIT: f64 = 170_141_183_460_469_231_731_687_303_715_884_105_728.0;
    if f >= LIMIT {
        return Ordering::Less;
    }
    if f < -LIMIT {
        return Ordering::Greater;
    }
    let floor = f.floor();
    match i.cmp(&(floor as i128)) {
        Ordering::Equal if f > floor => Ordering::Less,
        other => other,
    }
}

/// The exact decimal value of a finite double (every finite double is a finite decimal).
pub(crate) fn exact_decimal(d: f64) -> Option<BigDecimal> {
    if !d.is_finite() {
        return None;
    }
    if d == 0.0 {
        return Some(BigDecimal::zero());
    }
    let bits = d.to_bits();
    let negative = bits >> 63 == 1;
    let exponent = ((bits >> 52) & 0x7ff) as i64;
    let fraction = bits & ((1 << 52) - 1);
    let (mantissa, power) = if exponent == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1 << 52), exponent - 1075)
    };
    let mut m = BigInt::from(mantissa);
    if negative {
        m = -m;
    }
    Some(if power >= 0 {
        BigDecimal::from(m << power as usize)
    } else {
        // m / 2^k = m * 5^k / 10^k
        let k = (-power) as u32;
        BigDecimal::new(m * BigInt::from(5).pow(k), i64::from(k))
    })
}

/// A hashable key on which numbers that compare equal agree: integers (including integral
/// doubles and decimals) by their integer, other doubles by their bits (both NaNs alike),
/// other decimals by their shortest text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum NumKey {
    /// An integral number that fits 128 bits.
    Int(i128),
    /// A non-integral double (or a decimal a double represents exactly), by bits.
    Float(u64),
    /// Any other number, by its shortest decimal form.
    Big(String),
}

impl Num {
    /// The number's [`NumKey`].
    pub(crate) fn key(&self) -> NumKey {
        match self {
            Num::Int(n) => NumKey::Int(*n),
            Num::Float(d) => float_key(*d),
            Num::Big(b) => {
                if b.is_integer() {
                    if let Some(n) = b.to_i128() {
                        return NumKey::Int(n);
                    }
                }
                match b.to_f64() {
                    Some(d) if exact_decimal(d).as_ref() == Some(b) => float_key(d),
                    _ => NumKey::Big(b.normalized().to_string()),
                }
            }
        }
    }
}

fn float_key(d: f64) -> NumKey {
    if d.is_nan() {
        return NumKey::Float(f64::NAN.to_bits());
    }
    // Integral doubles that fit 128 bits meet the integers (2^127 itself does not fit).
    if d.fract() == 0.0 && d.abs() < 170_141_183_460_469_231_731_687_303_715_884_105_728.0 {
        return NumKey::Int(d as i128);
    }
    NumKey::Float(d.to_bits())
}

/// An arithmetic operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

impl Op {
    fn symbol(self) -> &'static str {
        match self {
            Op::Add => "+",
            Op::Sub => "-",
            Op::Mul => "*",
            Op::Div => "/",
        }
    }
}

/// The kind an arithmetic result takes, by Clojure's contagion: any double or float makes a
/// double; otherwise any big decimal a big decimal; otherwise any big integer a big integer;
/// otherwise a long.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Long,
    BigInt,
    BigDec,
    Double,
}

fn kind(v: &Value) -> Option<Kind> {
    Some(match v {
        Value::Long(_) => Kind::Long,
        Value::BigInt(_) => Kind::BigInt,
        Value::BigDec(_) => Kind::BigDec,
        Value::Double(_) | Value::Float(_) => Kind::Double,
        _ => return None,
    })
}

/// A number as the nearest double (`None` for non-numbers), for averages and the like.
pub(crate) fn to_f64(v: &Value) -> Option<f64> {
    kind(v).map(|_| as_f64(v))
}

fn as_f64(v: &Value) -> f64 {
    match v {
        Value::Long(n) => *n as f64,
        Value::Double(d) => *d,
        Value::Float(x) => f64::from(*x),
        Value::BigInt(n) => n.to_f64().unwrap_or(f64::NAN),
        Value::BigDec(d) => d.to_f64().unwrap_or(f64::NAN),
        _ => f64::NAN,
    }
}

fn as_bigint(v: &Value) -> BigInt {
    match v {
        Value::Long(n) => BigInt::from(*n),
        Value::BigInt(n) => (**n).clone(),
        _ => BigInt::zero(),
    }
}

fn as_bigdec(v: &Value) -> BigDecimal {
    match v {
        Value::Long(n) => BigDecimal::from(*n),
        Value::BigInt(n) => BigDecimal::from((**n).clone()),
        Value::BigDec(d) => (**d).clone(),
        _ => BigDecimal::zero(),
    }
}

/// `a op b` over numbers of any type (see [`Kind`] for the result's type). Long arithmetic that
/// overflows is an error (as Clojure's `+`); a long division that is not whole gives a double
/// (Datomic would give a ratio, which datolite has no value for); a big-decimal division that
/// does not terminate is an error; division by an exact zero is an error.
pub(crate) fn arith(op: Op, a: &Value, b: &Value) -> Result<Value, String> {
    let not_number = |v: &Value| format!("{} of a non-number {v}", op.symbol());
    let ka = kind(a).ok_or_else(|| not_number(a))?;
    let kb = kind(b).ok_or_else(|| not_number(b))?;
    let exact_zero = |v: &Value| match v {
        Value::Long(0) => true,
        Value::BigInt(n) => n.is_zero(),
        Value::BigDec(d) => d.is_zero(),
        _ => false,
    };
    if op == Op::Div && ka.max(kb) != Kind::Double && exact_zero(b) {
        return Err(format!("division by zero: {a} / {b}"));
    }
    Ok(match ka.max(kb) {
        Kind::Long => {
            let (Value::Long(x), Value::Long(y)) = (a, b) else {
                return Err(not_number(a));
            };
            let overflow = || format!("long overflow in {x} {} {y}", op.symbol());
            Value::Long(match op {
                Op::Add => x.checked_add(*y).ok_or_else(overflow)?,
                Op::Sub => x.checked_sub(*y).ok_or_else(overflow)?,
                Op::Mul => x.checked_mul(*y).ok_or_else(overflow)?,
                Op::Div => match x.checked_rem(*y) {
                    Some(0) => x.checked_div(*y).ok_or_else(overflow)?,
                    // i64::MIN / -1 overflows; any other remainder makes a double.
                    None => return Err(overflow()),
                    Some(_) => return Ok(Value::Double(*x as f64 / *y as f64)),
                },
            })
        }
        Kind::BigInt => {
            let (x, y) = (as_bigint(a), as_bigint(b));
            match op {
                Op::Add => Value::big_int(x + y),
                Op::Sub => Value::big_int(x - y),
                Op::Mul => Value::big_int(x * y),
                Op::Div => {
                    if (&x % &y).is_zero() {
                        Value::big_int(x / y)
                    } else {
                        // Not whole: exact as a decimal when it terminates.
                        return arith(
                            op,
                            &Value::big_dec(BigDecimal::from(x)),
                            &Value::big_dec(BigDecimal::from(y)),
                        );
                    }
                }
            }
        }
        Kind::BigDec => {
            let (x, y) = (as_bigdec(a), as_bigdec(b));
            if !decimal_in_range(&x) || !decimal_in_range(&y) {
                return Err(format!(
                    "{a} {} {b}: a decimal beyond datolite's exponent limit",
                    op.symbol()
                ));
            }
            match op {
                Op::Add => bounded(x + y, a, op, b)?,
                Op::Sub => bounded(x - y, a, op, b)?,
                Op::Mul => bounded(x * y, a, op, b)?,
                Op::Div => bounded(
                    exact_quotient(&x, &y).ok_or_else(|| {
                        format!(
                            "{a} / {b} has no exact decimal value (a non-terminating expansion); \
                         divide doubles instead"
                        )
                    })?,
                    a,
                    op,
                    b,
                )?,
            }
        }
        Kind::Double => {
            let (x, y) = (as_f64(a), as_f64(b));
            Value::Double(match op {
                Op::Add => x + y,
                Op::Sub => x - y,
                Op::Mul => x * y,
                Op::Div => x / y,
            })
        }
    })
}

/// A decimal result, refused beyond the exponent limit (see
/// [`datolite_store::model::MAX_DECIMAL_SCALE`]).
fn bounded(d: BigDecimal, a: &Value, op: Op, b: &Value) -> Result<Value, String> {
    if decimal_in_range(&d) {
        Ok(Value::big_dec(d))
    } else {
        Err(format!(
            "{a} {} {b} leaves datolite's decimal exponent limit (±{MAX_DECIMAL_SCALE})",
            op.symbol()
        ))
    }
}

/// `x / y` exactly, when the quotient is a terminating decimal (its reduced denominator has
/// no prime factors but 2 and 5); `None` otherwise or for a zero divisor.
fn exact_quotient(x: &BigDecimal, y: &BigDecimal) -> Option<BigDecimal> {
    use num_integer::Integer;
    if y.is_zero() {
        return None;
    }
    // x = p / 10^s, y = q / 10^t  →  x / y = (p · 10^t) / (q · 10^s)
    let (p, s) = x.as_bigint_and_exponent();
    let (q, t) = y.as_bigint_and_exponent();
    let ten = BigInt::from(10);
    let mut numerator = p;
    let mut denominator = q;
    if t >= s {
        numerator *= ten.pow(u32::try_from(t - s).ok()?);
    } else {
        denominator *= ten.pow(u32::try_from(s - t).ok()?);
    }
    let g = numerator.gcd(&denominator);
    numerator /= &g;
    denominator /= &g;
    if denominator.sign() == num_bigint::Sign::Minus {
        numerator = -numerator;
        denominator = -denominator;
    }
    // Strip the factors 2 and 5, counting how many decimal places they need.
    let (mut twos, mut fives) = (0u32, 0u32);
    let (two, five) = (BigInt::from(2), BigInt::from(5));
    while (&denominator % &two).is_zero() {
        denominator /= &two;
        twos += 1;
    }
    while (&denominator % &five).is_zero() {
        denominator /= &five;
        fives += 1;
    }
    if denominator != BigInt::from(1) {
        return None;
    }
    let places = twos.max(fives);
    // numerator / (2^twos 5^fives) = numerator · 2^(places-twos) · 5^(places-fives) / 10^places
    let scaled = numerator * two.pow(places - twos) * five.pow(places - fives);
    Some(BigDecimal::new(scaled, i64::from(places)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(v: Value) -> Num {
        Num::of(&v).expect("a number")
    }

    #[test]
    fn exact_comparison_across_types() {
        let big = |s: &str| Value::big_dec(s.parse().unwrap());
        let int = |s: &str| Value::big_int(s.parse().unwrap());
        let equal = [
            (Value::Long(1), Value::Double(1.0)),
            (Value::Long(1), big("1.00")),
            (Value::Long(1), int("1")),
            (Value::Ref(7), Value::Long(7)),
            (Value::Double(0.5), big("0.5")),
            (Value::Float(0.5), Value::Double(0.5)),
            (Value::Double(-0.0), Value::Long(0)),
        ];
        for (a, b) in equal {
            assert_eq!(
                compare_nums(&n(a.clone()), &n(b.clone())),
                Ordering::Equal,
                "{a} {b}"
            );
            assert_eq!(n(a.clone()).key(), n(b.clone()).key(), "{a} {b}");
        }
        let less = [
            (big("0.1"), Value::Double(0.1)), // the double is 0.1000000000000000055…
            (Value::Long(i64::MAX), Value::Double(9.3e18)),
            (
                Value::Long(9_007_199_254_740_993),
                Value::Double(9_007_199_254_740_994.0),
            ),
            (
                Value::Double(f64::NEG_INFINITY),
                int("-99999999999999999999999999999999999999999"),
            ),
            (
                int("99999999999999999999999999999999999999999"),
                Value::Double(f64::INFINITY),
            ),
            (Value::Double(f64::INFINITY), Value::Double(f64::NAN)),
            (big("1e40"), Value::Double(f64::NAN)),
            (Value::Double(0.1), Value::Float(0.1)), // the float is 0.10000000149…
        ];
        for (a, b) in less {
            assert_eq!(
                compare_nums(&n(a.clone()), &n(b.clone())),
                Ordering::Less,
                "{a} {b}"
            );
            assert_eq!(
                compare_nums(&n(b.clone()), &n(a.clone())),
                Ordering::Greater,
                "{b} {a}"
            );
            assert_ne!(n(a.clone()).key(), n(b.clone()).key(), "{a} {b}");
        }
    }

    #[test]
    fn arithmetic_follows_clojure_contagion() {
        let big = |s: &str| Value::big_dec(s.parse().unwrap());
        let int = |s: &str| Value::big_int(s.parse().unwrap());
        let ok = |op, a: Value, b: Value| arith(op, &a, &b).unwrap();
        assert_eq!(ok(Op::Add, Value::Long(1), Value::Long(2)), Value::Long(3));
        assert_eq!(ok(Op::Div, Value::Long(6), Value::Long(3)), Value::Long(2));
        assert_eq!(
            ok(Op::Div, Value::Long(1), Value::Long(4)),
            Value::Double(0.25)
        );
        assert_eq!(ok(Op::Add, int("1"), Value::Long(1)), int("2"));
        assert_eq!(
            ok(Op::Mul, int("99999999999999999999"), int("10")),
            int("999999999999999999990")
        );
        assert_eq!(ok(Op::Div, int("1"), int("8")), big("0.125"));
        assert_eq!(ok(Op::Add, big("1.25"), Value::Long(1)), big("2.25"));
        assert_eq!(ok(Op::Div, big("1"), big("8")), big("0.125"));
        assert_eq!(ok(Op::Div, big("-2.5"), big("0.04")), big("-62.5"));
        assert_eq!(
            ok(Op::Add, big("1.5"), Value::Double(1.0)),
            Value::Double(2.5)
        );
        assert_eq!(
            ok(Op::Mul, Value::Float(0.5), Value::Long(3)),
            Value::Double(1.5)
        );
        assert_eq!(
            ok(Op::Div, Value::Double(1.0), Value::Long(0)),
            Value::Double(f64::INFINITY)
        );
        for (op, a, b, wanted) in [
            (Op::Add, Value::Long(i64::MAX), Value::Long(1), "overflow"),
            (Op::Div, Value::Long(i64::MIN), Value::Long(-1), "overflow"),
            (Op::Div, Value::Long(1), Value::Long(0), "division by zero"),
            (Op::Div, big("1"), big("0"), "division by zero"),
            (Op::Div, big("1"), big("3"), "no exact decimal"),
            (Op::Div, int("1"), int("3"), "no exact decimal"),
            (Op::Add, Value::Long(1), Value::from("x"), "non-number"),
            (Op::Mul, big("1E+6000"), big("1E+6000"), "exponent limit"),
        ] {
            let e = arith(op, &a, &b).unwrap_err();
            assert!(e.contains(wanted), "{a} {op:?} {b}: {e}");
        }
    }

    #[test]
    fn exact_decimals_of_doubles() {
        assert_eq!(exact_decimal(0.5), Some("0.5".parse().unwrap()));
        assert_eq!(exact_decimal(-3.0), Some("-3".parse().unwrap()));
        assert_eq!(
            exact_decimal(0.1),
            Some(
                "0.1000000000000000055511151231257827021181583404541015625"
                    .parse()
                    .unwrap()
            )
        );
        assert_eq!(exact_decimal(f64::NAN), None);
    }
}
