//! The value order and the built-in functions and predicates, shared by both evaluators
//! through the [`Env`] they provide.

use std::cmp::Ordering;

use datolite_store::Value;

use crate::ast::{Binding, Call, Clause, Constant, FnArg, Input, Var};
use crate::error::{QueryError, Result};
use crate::numeric::{self, compare_nums};
use crate::result::{Cell, InputValue, QueryResult};
use crate::rows::{FnVal, Row};

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
///   symbols as Clojure compares them — namespace, then name —, tuples element by element).
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
    let (ra, rb) = (rank(a), rank(b));
    if ra != rb {
        return ra.cmp(&rb);
    }
    if ra == 1 {
        if let (Some(x), Some(y)) = (numeric::Num::of(a), numeric::Num::of(b)) {
            return compare_nums(&x, &y);
        }
    }
    if let (Value::Tuple(x), Value::Tuple(y)) = (a, b) {
        // Element by element with this same order (nil first), shorter first.
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

/// A literal as a function value (`nil` → Nil, a vector → Seq).
pub(crate) fn constant(c: &Constant) -> FnVal {
    FnVal::One(match c {
        Constant::Nil => return FnVal::Nil,
        Constant::Bool(b) => Value::Boolean(*b),
        Constant::Long(n) => Value::Long(*n),
        Constant::Double(d) => Value::Double(*d),
        Constant::String(s) => Value::String(s.clone()),
        Constant::Keyword(k) => Value::Keyword(k.clone()),
        Constant::Inst(ms) => Value::Instant(*ms),
        Constant::Uuid(u) => Value::Uuid(*u),
        Constant::Vector(items) => return FnVal::Seq(items.iter().map(constant).collect()),
    })
}

/// What the function library needs from an evaluator.
pub(crate) trait Env {
    /// The snapshot.
    fn db(&self) -> &datolite_store::Db;
    /// The current values of attribute `a` on entity `e`.
    fn values(&self, e: u64, a: u64) -> Vec<Value>;
    /// Runs a subquery (`q`) with this evaluator.
    fn subquery(&self, query: &crate::ast::Query, inputs: &[InputValue]) -> Result<QueryResult>;
}

/// How a call finds the values of its variable arguments.
pub(crate) type Lookup<'a> = &'a dyn Fn(&Var) -> Option<Value>;

/// Evaluates a call in a binding row.
pub(crate) fn call(ctx: &dyn Env, row: &Row, c: &Call, clause: &Clause) -> Result<FnVal> {
    call_with(ctx, &|v: &Var| row.get(v).cloned(), c, clause)
}

/// Evaluates a call with variable values from `row`.
pub(crate) fn call_with(
    ctx: &dyn Env,
    row: Lookup<'_>,
    c: &Call,
    clause: &Clause,
) -> Result<FnVal> {
    let err = |msg: String| QueryError::invalid(format!("{msg} in {}", clause.form), clause.pos);
    // Subquery: the first argument is the query, the rest its inputs.
    if c.func == "q" {
        let Some(FnArg::Query(sub)) = c.args.first() else {
            return Err(err("q needs a quoted query as first argument".into()));
        };
        let mut inputs = Vec::new();
        for (arg, input) in c.args[1..]
            .iter()
            .zip(sub.inputs.iter().chain(std::iter::repeat(&Input::Rules)))
        {
            inputs.push(match arg {
                FnArg::Src(_) => InputValue::Db,
                FnArg::Rules => InputValue::Rules,
                FnArg::Query(_) => return Err(err("a query is not a q input".into())),
                FnArg::Var(_) | FnArg::Const(_) => {
                    let v = arg_value(row, arg).map_err(err)?;
                    let ones = |v: FnVal| -> Result<Vec<Value>> {
                        match v {
                            FnVal::Seq(items) => items
                                .into_iter()
                                .map(|i| match i {
                                    FnVal::One(x) => Ok(x),
                                    other => Err(err(format!("bad q input element {other:?}"))),
                                })
                                .collect(),
                            other => Err(err(format!(
                                "q input {input} needs a vector, got {other:?}"
                            ))),
                        }
                    };
                    match (input, v) {
                        (Input::Binding(Binding::Scalar(_)), FnVal::One(x)) => {
                            InputValue::Scalar(x)
                        }
                        (Input::Binding(Binding::Coll(_)), v) => InputValue::Collection(ones(v)?),
                        (Input::Binding(Binding::Tuple(_)), v) => InputValue::Tuple(ones(v)?),
                        (Input::Binding(Binding::Rel(_)), FnVal::Seq(ts)) => {
                            InputValue::Relation(ts.into_iter().map(&ones).collect::<Result<_>>()?)
                        }
                        (input, v) => {
                            return Err(err(format!("q input {input} cannot take {v:?}")))
                        }
                    }
                }
            });
        }
        let one = |c: Cell| match c {
            Cell::Value(v) => FnVal::One(v),
            Cell::Set(vs) | Cell::Vector(vs) => {
                FnVal::Seq(vs.into_iter().map(FnVal::One).collect())
            }
        };
        let tuple = |r: Vec<Cell>| FnVal::Seq(r.into_iter().map(one).collect());
        return Ok(match ctx.subquery(sub, &inputs)? {
            QueryResult::Relation(rows) => FnVal::Seq(rows.into_iter().map(tuple).collect()),
            QueryResult::Scalar(v) => v.map_or(FnVal::Nil, one),
            QueryResult::Collection(vs) => FnVal::Seq(vs.into_iter().map(one).collect()),
            QueryResult::Tuple(t) => t.map_or(FnVal::Nil, tuple),
        });
    }
    let args: Vec<FnVal> = c
        .args
        .iter()
        .map(|a| arg_value(row, a))
        .collect::<std::result::Result<_, String>>()
        .map_err(err)?;
    builtin(ctx, &c.func, args).map_err(err)
}

fn arg_value(row: Lookup<'_>, a: &FnArg) -> std::result::Result<FnVal, String> {
    match a {
        FnArg::Var(v) => row(v)
            .map(FnVal::One)
            .ok_or_else(|| format!("variable {v} is not bound")),
        FnArg::Const(c) => Ok(constant(c)),
        // Sources are the one db; `%` has no value.
        FnArg::Src(_) | FnArg::Rules => Ok(FnVal::Nil),
        FnArg::Query(_) => Err("a nested query is only allowed as q's first argument".into()),
    }
}

type R<T> = std::result::Result<T, String>;

fn one(v: &FnVal) -> R<&Value> {
    match v {
        FnVal::One(x) => Ok(x),
        other => Err(format!("expected a value, got {other:?}")),
    }
}

fn long(v: &FnVal) -> R<i64> {
    match one(v)? {
        Value::Long(n) => Ok(*n),
        other => Err(format!("expected a Long, got {other}")),
    }
}

fn string(v: &FnVal) -> R<&str> {
    match one(v)? {
        Value::String(s) => Ok(s),
        other => Err(format!("expected a String, got {other}")),
    }
}

/// Entity id of an argument: a Ref, a non-negative Long or an ident keyword.
fn entity(ctx: &dyn Env, v: &FnVal) -> R<Option<u64>> {
    Ok(match one(v)? {
        Value::Ref(e) => Some(*e),
        Value::Long(n) => u64::try_from(*n).ok(),
        Value::Keyword(k) => ctx.db().schema().entity_of_ident(k),
        other => return Err(format!("{other} is not an entity")),
    })
}

/// Attribute entity id of a keyword argument (`None` if unknown).
fn attribute(ctx: &dyn Env, v: &FnVal) -> R<Option<(u64, bool)>> {
    match one(v)? {
        Value::Keyword(k) => Ok(ctx.db().schema().attribute_named(k).map(|a| {
            (
                u64::from(a.id),
                a.cardinality == datolite_store::Cardinality::Many,
            )
        })),
        other => Err(format!("{other} is not an attribute keyword")),
    }
}

/// The values of attribute `a` on entity `e`.
fn values(ctx: &dyn Env, e: Option<u64>, a: Option<(u64, bool)>) -> Vec<Value> {
    let (Some(e), Some((a, _))) = (e, a) else {
        return Vec::new();
    };
    ctx.values(e, a)
}

fn builtin(ctx: &dyn Env, f: &str, args: Vec<FnVal>) -> R<FnVal> {
    let b = |x: bool| Ok(FnVal::One(Value::Boolean(x)));
    let s = |x: String| Ok(FnVal::One(Value::String(x)));
    let l = |x: i64| Ok(FnVal::One(Value::Long(x)));
    match f {
        "=" | "!=" | "not=" | "<" | ">" | "<=" | ">=" => {
            let vals: Vec<&Value> = args.iter().map(one).collect::<R<_>>()?;
            let all = |p: fn(Ordering) -> bool| vals.windows(2).all(|w| p(compare(w[0], w[1])));
            match f {
                "=" => b(all(|o| o == Ordering::Equal)),
                "!=" | "not=" => b(!all(|o| o == Ordering::Equal)),
                "<" => b(all(|o| o == Ordering::Less)),
                ">" => b(all(|o| o == Ordering::Greater)),
                "<=" => b(all(|o| o != Ordering::Greater)),
                _ => b(all(|o| o != Ordering::Less)),
            }
        }
        "+" | "*" | "-" | "/" => {
            let op = match f {
                "+" => numeric::Op::Add,
                "-" => numeric::Op::Sub,
                "*" => numeric::Op::Mul,
                _ => numeric::Op::Div,
            };
            let values: Vec<&Value> = args.iter().map(one).collect::<R<_>>()?;
            // (+) is 0, (*) is 1; (- x) is 0 - x, (/ x) is 1 / x.
            let (first, rest) = match (f, values.split_first()) {
                ("+", None) => return l(0),
                ("*", None) => return l(1),
                (_, None) => return Err(format!("{f} needs at least one argument")),
                ("-" | "/", Some((x, []))) => {
                    let unit = Value::Long(i64::from(f == "/"));
                    return numeric::arith(op, &unit, x).map(FnVal::One);
                }
                (_, Some((x, rest))) => ((*x).clone(), rest),
            };
            rest.iter()
                .try_fold(first, |acc, x| numeric::arith(op, &acc, x))
                .map(FnVal::One)
        }
        "quot" | "rem" | "mod" => {
            let (x, y) = (long(&args[0])?, long(&args[1])?);
            if y == 0 {
                return Err("division by zero".into());
            }
            let r = match f {
                "quot" => x.checked_div(y),
                "rem" => x.checked_rem(y),
                _ => x.checked_rem(y).map(|r| {
                    if r != 0 && (r < 0) != (y < 0) {
                        r + y
                    } else {
                        r
                    }
                }),
            };
            r.map_or_else(|| Err("Long overflow".into()), l)
        }
        "inc" => numeric::arith(numeric::Op::Add, one(&args[0])?, &Value::Long(1)).map(FnVal::One),
        "dec" => numeric::arith(numeric::Op::Sub, one(&args[0])?, &Value::Long(1)).map(FnVal::One),
        "identity" | "untuple" => Ok(args[0].clone()),
        "tuple" => Ok(FnVal::Seq(args)),
        "ground" => Ok(args[0].clone()),
        "str" => {
            let mut out = String::new();
            for a in &args {
                match a {
                    FnVal::Nil => {}
                    FnVal::One(Value::String(x)) => out.push_str(x),
                    FnVal::One(Value::Keyword(k)) => {
                        out.push(':');
                        out.push_str(k);
                    }
                    FnVal::One(v) => out.push_str(&v.to_string()),
                    FnVal::Seq(_) => return Err("str of a tuple".into()),
                }
            }
            s(out)
        }
        "subs" => {
            let chars: Vec<char> = string(&args[0])?.chars().collect();
            let start = long(&args[1])?;
            let end = match args.get(2) {
                Some(e) => long(e)?,
                None => chars.len() as i64,
            };
            if start < 0 || end < start || end > chars.len() as i64 {
                return Err(format!("subs range {start}..{end} out of bounds"));
            }
            s(chars[start as usize..end as usize].iter().collect())
        }
        "get-else" => {
            let attr = attribute(ctx, &args[2])?;
            if attr.is_some_and(|(_, many)| many) {
                return Err("get-else on a cardinality-many attribute".into());
            }
            let vals = values(ctx, entity(ctx, &args[1])?, attr);
            Ok(vals
                .into_iter()
                .next()
                .map_or_else(|| args[3].clone(), FnVal::One))
        }
        "get-some" => {
            let e = entity(ctx, &args[1])?;
            for a in &args[2..] {
                let attr = attribute(ctx, a)?;
                if let (Some(v), Some((id, _))) =
                    (values(ctx, e, attr).into_iter().min_by(compare), attr)
                {
                    return Ok(FnVal::Seq(vec![FnVal::One(Value::Ref(id)), FnVal::One(v)]));
                }
            }
            Ok(FnVal::Nil)
        }
        "missing?" => {
            let attr = attribute(ctx, &args[2])?;
            b(values(ctx, entity(ctx, &args[1])?, attr).is_empty())
        }
        "clojure.string/starts-with?" => b(string(&args[0])?.starts_with(string(&args[1])?)),
        "clojure.string/ends-with?" => b(string(&args[0])?.ends_with(string(&args[1])?)),
        "clojure.string/includes?" => b(string(&args[0])?.contains(string(&args[1])?)),
        "clojure.string/lower-case" => s(string(&args[0])?.to_lowercase()),
        "clojure.string/upper-case" => s(string(&args[0])?.to_uppercase()),
        "year" | "month" | "day" | "hour" | "minute" | "second" => {
            let Value::Instant(ms) = one(&args[0])? else {
                return Err(format!("{f} of a non-instant"));
            };
            let (y, mo, d, h, mi, se) = datolite_store::edn::civil_utc(*ms);
            l(match f {
                "year" => y,
                "month" => mo,
                "day" => d,
                "hour" => h,
                "minute" => mi,
                _ => se,
            })
        }
        other => Err(format!("unknown function {other}")),
    }
}
