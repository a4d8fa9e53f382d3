//! What the evaluators share around clause evaluation: the input and result types, binding the
//! `:in` inputs into the first relation, and the find step (projection, aggregates, set
//! semantics, sorting, `:order-by`, `:limit`, result shape).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use datolite_store::Value;

use crate::ast::{AggregateFn, Direction, FindElem, FindSpec, Input, Query, Var};
use crate::error::{QueryError, Result};
use crate::functions::compare;
use crate::rows::{bind_all, FnVal, Row};

/// One input supplied to [`crate::q`], matching the query's `:in` list in order.
#[derive(Clone, Debug, PartialEq)]
pub enum InputValue {
    /// For a source input (`$`, `$h`): the `db` passed to [`crate::q`].
    Db,
    /// For `?x`.
    Scalar(Value),
    /// For `[?x ...]`.
    Collection(Vec<Value>),
    /// For `[?x ?y]`.
    Tuple(Vec<Value>),
    /// For `[[?x ?y]]`.
    Relation(Vec<Vec<Value>>),
    /// For `%`: the `rules` passed to [`crate::q`].
    Rules,
}

/// One cell of a result: a value, or the set returned by the `distinct`
/// aggregate (sorted by [`compare`]).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cell {
    /// A plain value.
    Value(Value),
    /// The values of a `(distinct ?x)` aggregate, sorted, without duplicates.
    Set(Vec<Value>),
    /// The values of `(min n ?x)` / `(max n ?x)`, in that aggregate's order.
    Vector(Vec<Value>),
}

impl From<Value> for Cell {
    fn from(v: Value) -> Self {
        Cell::Value(v)
    }
}

/// The result of [`crate::q`], shaped by the find spec.
#[derive(Clone, Debug, PartialEq)]
pub enum QueryResult {
    /// `:find ?a ?b`: deduplicated (set semantics; `:with` only affects
    /// aggregation) and sorted lexicographically by [`compare`] (ties broken
    /// by `Value`'s own order), then `:order-by` (stable) and `:limit`.
    Relation(Vec<Vec<Cell>>),
    /// `:find ?x .`: the first value of the sorted relation, if any.
    Scalar(Option<Cell>),
    /// `:find [?x ...]`: the sorted, deduplicated values.
    Collection(Vec<Cell>),
    /// `:find [?a ?b]`: the first tuple of the sorted relation, if any.
    Tuple(Option<Vec<Cell>>),
}

/// The first relation of a query: one row per combination of the bound inputs.
pub(crate) fn bind_inputs(query: &Query, inputs: &[InputValue]) -> Result<Vec<Row>> {
    query.check_inputs(inputs.len())?;
    // 1. Input bindings.
    let mut rows: Vec<Row> = vec![Row::new()];
    for (input, value) in query.inputs.iter().zip(inputs) {
        match (input, value) {
            (Input::Src(_), InputValue::Db) | (Input::Rules, InputValue::Rules) => {}
            (Input::Binding(b), v) => {
                let fv = match v {
                    InputValue::Scalar(x) => FnVal::One(x.clone()),
                    InputValue::Collection(xs) | InputValue::Tuple(xs) => {
                        FnVal::Seq(xs.iter().cloned().map(FnVal::One).collect())
                    }
                    InputValue::Relation(rs) => FnVal::Seq(
                        rs.iter()
                            .map(|r| FnVal::Seq(r.iter().cloned().map(FnVal::One).collect()))
                            .collect(),
                    ),
                    InputValue::Db | InputValue::Rules => {
                        return Err(QueryError::invalid(
                            format!("input {input} expects a value, got {v:?}"),
                            query.pos,
                        ))
                    }
                };
                rows = bind_all(rows, b, &fv, &format!("input {input}"), query.pos)?;
            }
            (input, v) => {
                return Err(QueryError::invalid(
                    format!("input {input} cannot take {v:?}"),
                    query.pos,
                ))
            }
        }
    }
    Ok(rows)
}

/// The total order of results: [`compare`], ties broken by `Value`'s `Ord`
/// (so `Long 1` and `Double 1.0` stay distinct but adjacent).
pub(crate) fn order(a: &Value, b: &Value) -> Ordering {
    compare(a, b).then_with(|| a.cmp(b))
}

fn cell_order(a: &Cell, b: &Cell) -> Ordering {
    match (a, b) {
        (Cell::Value(x), Cell::Value(y)) => order(x, y),
        (Cell::Set(x), Cell::Set(y)) | (Cell::Vector(x), Cell::Vector(y)) => lex(x, y, order),
        // Across kinds: values, then sets, then vectors.
        (a, b) => kind_rank(a).cmp(&kind_rank(b)),
    }
}

fn kind_rank(c: &Cell) -> u8 {
    match c {
        Cell::Value(_) => 0,
        Cell::Set(_) => 1,
        Cell::Vector(_) => 2,
    }
}

fn lex<T>(a: &[T], b: &[T], f: impl Fn(&T, &T) -> Ordering) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let o = f(x, y);
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

/// The variables the find step reads, in order: the find elements' variables, then (only when
/// aggregating) the `:with` variables.
pub(crate) fn find_vars(query: &Query) -> Vec<Var> {
    let elems = query.find_elements();
    let mut vars: Vec<Var> = elems.iter().map(|e| e.var().clone()).collect();
    if elems.iter().any(|e| matches!(e, FindElem::Aggregate(_))) {
        vars.extend(query.with.iter().cloned());
    }
    vars
}

/// The error for a find (or `:with`) variable that the clauses leave unbound.
pub(crate) fn unbound_find_var(var: &Var, query: &Query) -> QueryError {
    QueryError::invalid(format!("find variable {var} is not bound"), query.pos)
}

/// [`find_tuples`] of binding rows.
pub(crate) fn find(rows: &[Row], query: &Query) -> Result<Vec<Vec<Cell>>> {
    let vars = find_vars(query);
    let tuples = rows
        .iter()
        .map(|row| {
            vars.iter()
                .map(|v| {
                    row.get(v)
                        .cloned()
                        .ok_or_else(|| unbound_find_var(v, query))
                })
                .collect::<Result<Vec<Value>>>()
        })
        .collect::<Result<_>>()?;
    find_tuples(tuples, query)
}

/// Aggregates, deduplicates, sorts, orders and limits `tuples`, each the values of
/// [`find_vars`] in one row (a bag: duplicates allowed).
pub(crate) fn find_tuples(mut tuples: Vec<Vec<Value>>, query: &Query) -> Result<Vec<Vec<Cell>>> {
    let elems = query.find_elements();
    let has_agg = elems.iter().any(|e| matches!(e, FindElem::Aggregate(_)));
    // Sorting by the result order then dropping adjacent duplicates is the set: equal under
    // `order` means identical values.
    if !sort_value_tuples(&mut tuples) {
        tuples.dedup();
    }
    let out: Vec<Vec<Cell>> = if !has_agg {
        tuples
            .into_iter()
            .map(|t| t.into_iter().map(Cell::Value).collect())
            .collect()
    } else {
        // The relation projected to find + :with variables is a set; group it by the
        // non-aggregate columns.
        let key_cols: Vec<usize> = (0..elems.len())
            .filter(|&i| matches!(elems[i], FindElem::Var(_)))
            .collect();
        let mut groups: BTreeMap<Vec<Value>, Vec<Vec<Value>>> = BTreeMap::new();
        for t in tuples {
            let key = key_cols.iter().map(|&i| t[i].clone()).collect();
            groups.entry(key).or_default().push(t);
        }
        let mut out = Vec::new();
        for (_, members) in groups {
            let mut row = Vec::new();
            for (i, e) in elems.iter().enumerate() {
                row.push(match e {
                    FindElem::Var(_) => Cell::Value(members[0][i].clone()),
                    FindElem::Aggregate(a) => {
                        let col: Vec<Value> = members.iter().map(|t| t[i].clone()).collect();
                        aggregate(a.func, col, query)?
                    }
                });
            }
            out.push(row);
        }
        return Ok(finish_aggregated(out, query));
    };
    Ok(order_and_limit(out, query))
}

/// Aggregated rows (one per group) sorted like every result, then `:order-by` and `:limit`.
pub(crate) fn finish_aggregated(mut out: Vec<Vec<Cell>>, query: &Query) -> Vec<Vec<Cell>> {
    out.sort();
    out.dedup();
    sort_tuples(&mut out, cell_order);
    order_and_limit(out, query)
}

/// Applies `:order-by` (stable, last key first) and `:limit` to sorted result rows.
fn order_and_limit(mut out: Vec<Vec<Cell>>, query: &Query) -> Vec<Vec<Cell>> {
    for ob in query.order_by.iter().rev() {
        out.sort_by(|a, b| {
            let o = cell_order(&a[ob.column], &b[ob.column]);
            match ob.dir {
                Direction::Asc => o,
                Direction::Desc => o.reverse(),
            }
        });
    }
    if let Some(limit) = query.limit {
        out.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    }
    out
}

/// Sorts tuples lexicographically by `cmp`; the common already-sorted case (rows that came out
/// of an index in order) costs one pass.
fn sort_tuples<T>(tuples: &mut [Vec<T>], cmp: impl Fn(&T, &T) -> Ordering) {
    let lt = |a: &Vec<T>, b: &Vec<T>| lex(a, b, &cmp);
    if !tuples.is_sorted_by(|a, b| lt(a, b) != Ordering::Greater) {
        tuples.sort_by(lt);
    }
}

/// [`sort_tuples`] by [`order`], faster when every first value is an integer (entity ids,
/// longs — the usual first column): those sort as plain integers, in the same order
/// [`compare`] gives them, and only runs of equal integers go through the full comparison.
/// Returns whether the tuples are known to be distinct (no two first integers equal).
fn sort_value_tuples(tuples: &mut Vec<Vec<Value>>) -> bool {
    // Integers as u64 in the same order: the sign bit flipped (ids are below 2^63).
    let int = |t: &Vec<Value>| match t.first() {
        Some(Value::Long(n)) => Some((*n as u64) ^ (1 << 63)),
        Some(Value::Ref(n)) => i64::try_from(*n).ok().map(|n| (n as u64) ^ (1 << 63)),
        _ => None,
    };
    // The common case, rows that came out of an index in entity order: one pass, no copies.
    let mut previous = None;
    let ascending = tuples.iter().all(|t| match int(t) {
        Some(k) => previous.replace(k).is_none_or(|p| p < k),
        None => false,
    });
    if ascending {
        return true;
    }
    let keys: Option<Vec<(u64, usize)>> = tuples
        .iter()
        .enumerate()
        .map(|(i, t)| int(t).map(|k| (k, i)))
        .collect();
    let Some(mut keys) = keys else {
        sort_tuples(tuples, order);
        return false;
    };
    if !keys.is_sorted_by(|a, b| a.0 <= b.0) {
        // A stable radix sort on the integer: a few linear passes instead of n log n compares.
        radsort::sort_by_key(&mut keys, |k| k.0);
        let mut slots: Vec<Option<Vec<Value>>> =
            std::mem::take(tuples).into_iter().map(Some).collect();
        *tuples = keys
            .iter()
            .map(|&(_, i)| slots[i].take().expect("each index once"))
            .collect();
    }
    // Runs of equal first integers: order them fully.
    let mut distinct = true;
    let mut start = 0;
    while start < keys.len() {
        let end = start
            + keys[start..]
                .iter()
                .take_while(|k| k.0 == keys[start].0)
                .count();
        if end - start > 1 {
            distinct = false;
            sort_tuples(&mut tuples[start..end], order);
        }
        start = end;
    }
    distinct
}

/// One aggregate over the column of a group (duplicates present only
/// through `:with`).
///
/// `count` → Long; `count-distinct` → Long; `sum` → Long if every value is a
/// Long, else Double; `avg` → Double; `min`/`max` by [`compare`]; `median` →
/// the middle value for an odd count, the Double mean of the two middle
/// values for an even count; `distinct` → [`Cell::Set`]; `(min n ?x)` / `(max n ?x)` → a
/// [`Cell::Vector`] of the `n` least (greatest) values, duplicates kept.
pub(crate) fn aggregate(func: AggregateFn, mut col: Vec<Value>, query: &Query) -> Result<Cell> {
    let num = |v: &Value| -> Result<f64> {
        crate::numeric::to_f64(v).ok_or_else(|| {
            QueryError::invalid(format!("{} of a non-number {v}", func.name()), query.pos)
        })
    };
    col.sort_by(order);
    let distinct = |col: &[Value]| {
        let mut d = col.to_vec();
        d.dedup_by(|a, b| compare(a, b) == Ordering::Equal);
        d
    };
    Ok(Cell::Value(match func {
        AggregateFn::Count => Value::Long(col.len() as i64),
        AggregateFn::CountDistinct => Value::Long(distinct(&col).len() as i64),
        AggregateFn::Sum => match exact_long_sum(&col) {
            Some(s) => Value::Long(
                i64::try_from(s)
                    .map_err(|_| QueryError::invalid("sum overflows a Long", query.pos))?,
            ),
            // Big numbers sum exactly, any double makes the sum a double (as `+` does).
            None => col.iter().try_fold(Value::Long(0), |acc, v| {
                crate::numeric::arith(crate::numeric::Op::Add, &acc, v)
                    .map_err(|e| QueryError::invalid(format!("sum: {e}"), query.pos))
            })?,
        },
        AggregateFn::Avg => match exact_long_sum(&col) {
            Some(s) => Value::Double(s as f64 / col.len() as f64),
            None => {
                let mut s = 0.0;
                for v in &col {
                    s += num(v)?;
                }
                Value::Double(s / col.len() as f64)
            }
        },
        AggregateFn::Min => col[0].clone(),
        AggregateFn::Max => col[col.len() - 1].clone(),
        AggregateFn::Median => {
            let n = col.len();
            if n % 2 == 1 {
                col[n / 2].clone()
            } else {
                Value::Double((num(&col[n / 2 - 1])? + num(&col[n / 2])?) / 2.0)
            }
        }
        AggregateFn::Distinct => return Ok(Cell::Set(distinct(&col))),
        AggregateFn::MinN(n) => return Ok(Cell::Vector(col.into_iter().take(n).collect())),
        AggregateFn::MaxN(n) => return Ok(Cell::Vector(col.into_iter().rev().take(n).collect())),
    }))
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

pub(crate) fn shape(rel: Vec<Vec<Cell>>, spec: &FindSpec) -> QueryResult {
    match spec {
        FindSpec::Rel(_) => QueryResult::Relation(rel),
        FindSpec::Scalar(_) => QueryResult::Scalar(rel.into_iter().next().map(|mut r| r.remove(0))),
        FindSpec::Coll(_) => {
            QueryResult::Collection(rel.into_iter().map(|mut r| r.remove(0)).collect())
        }
        FindSpec::Tuple(_) => QueryResult::Tuple(rel.into_iter().next()),
    }
}
