//! The find step both evaluators share: projection onto the find (and `:with`) variables, set
//! or bag semantics, aggregates, sorting, `:order-by` and `:limit`.
//!
//! The relation projected onto the find + `:with` variables is a set. Without aggregates the
//! `:with` columns are then dropped and the duplicates this leaves are kept (Datomic's bag:
//! `[:find ?year :with ?movie …]` has one year per movie); with aggregates each group's column
//! is that bag.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use datolite_store::Value;

use crate::ast::{Aggregate, AggregateCount, Direction, FindElem, Query, Var};
use crate::error::{QueryError, Result};
use crate::functions::aggregate;
use crate::result::Cell;
use crate::rows::Row;
use crate::value_order::order;

/// The variables the find step reads, in order: the find elements' variables, then the `:with`
/// variables.
pub(crate) fn find_vars(query: &Query) -> Vec<Var> {
    let mut vars: Vec<Var> = query
        .find_elements()
        .iter()
        .map(|e| e.var().clone())
        .collect();
    vars.extend(query.with.iter().cloned());
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
    let first = rows.first();
    let counts = aggregate_counts(query, |v| first.and_then(|r| r.get(v).cloned()))?;
    find_tuples(tuples, query, &counts)
}

/// The count `n` of each find element's aggregate (`None` for the others), a variable's value
/// read with `value_of` (the parser only accepts scalar `:in` variables there, the same in
/// every row).
pub(crate) fn aggregate_counts(
    query: &Query,
    value_of: impl Fn(&Var) -> Option<Value>,
) -> Result<Vec<Option<usize>>> {
    query
        .find_elements()
        .iter()
        .map(|e| match e {
            FindElem::Aggregate(Aggregate {
                n: Some(AggregateCount::Const(n)),
                ..
            }) => Ok(Some(usize::try_from(*n).unwrap_or(usize::MAX))),
            FindElem::Aggregate(
                a @ Aggregate {
                    n: Some(AggregateCount::Var(v)),
                    ..
                },
            ) => match value_of(v) {
                Some(Value::Long(n)) if n >= 0 => {
                    Ok(Some(usize::try_from(n).unwrap_or(usize::MAX)))
                }
                // No row, no group: the count is never used.
                None => Ok(None),
                Some(other) => Err(QueryError::invalid(
                    format!("the count {v} of {a} is {other}; expected a non-negative integer"),
                    query.pos,
                )),
            },
            _ => Ok(None),
        })
        .collect()
}

/// One aggregate element over a group's column.
pub(crate) fn run_aggregate(
    a: &Aggregate,
    n: Option<usize>,
    col: Vec<Value>,
    query: &Query,
) -> Result<Cell> {
    aggregate(a.func, n, col).map_err(|m| QueryError::invalid(format!("{m} in {a}"), query.pos))
}

/// Aggregates, deduplicates, sorts, orders and limits `tuples`, each the values of
/// [`find_vars`] in one row (a bag: duplicates allowed); `counts` from [`aggregate_counts`].
pub(crate) fn find_tuples(
    mut tuples: Vec<Vec<Value>>,
    query: &Query,
    counts: &[Option<usize>],
) -> Result<Vec<Vec<Cell>>> {
    let elems = query.find_elements();
    let has_agg = elems.iter().any(|e| matches!(e, FindElem::Aggregate(_)));
    if !has_agg {
        let rows = tuples
            .into_iter()
            .map(|t| t.into_iter().map(Cell::Value).collect())
            .collect();
        return Ok(finish_rows(rows, query));
    }
    // Sorting by the result order then dropping adjacent duplicates is the set: equal under
    // `order` means identical values.
    if !sort_rows(&mut tuples) {
        tuples.dedup();
    }
    // Group the set by the non-aggregate columns.
    let key_cols: Vec<usize> = (0..elems.len())
        .filter(|&i| !elems[i].is_aggregate())
        .collect();
    let mut groups: BTreeMap<Vec<Value>, Vec<Vec<Value>>> = BTreeMap::new();
    for t in tuples {
        let key = key_cols.iter().filter_map(|&i| t.get(i).cloned()).collect();
        groups.entry(key).or_default().push(t);
    }
    let mut out = Vec::new();
    for (key, members) in groups {
        let mut keys = key.into_iter();
        let mut row = Vec::new();
        for (i, e) in elems.iter().enumerate() {
            row.push(match e {
                FindElem::Var(_) | FindElem::Pull(_) => {
                    Cell::Value(keys.next().unwrap_or(Value::Boolean(false)))
                }
                FindElem::Aggregate(a) => {
                    let col: Vec<Value> =
                        members.iter().filter_map(|t| t.get(i).cloned()).collect();
                    run_aggregate(a, counts.get(i).copied().flatten(), col, query)?
                }
            });
        }
        out.push(row);
    }
    Ok(finish_aggregated(out, query))
}

/// The result of rows of find + `:with` cells without aggregates: the sorted set of rows, the
/// `:with` columns then dropped (keeping the duplicates they leave: the bag), `:order-by`,
/// `:limit`. (The executor builds its result cells straight into these rows.)
pub(crate) fn finish_rows(mut rows: Vec<Vec<Cell>>, query: &Query) -> Vec<Vec<Cell>> {
    // Sorting by the result order then dropping adjacent duplicates is the set: equal under
    // the order means identical values.
    if !sort_rows(&mut rows) {
        rows.dedup();
    }
    if !query.with.is_empty() {
        // The find variables come first, so dropping the `:with` columns keeps the order.
        let width = query.find_elements().len();
        rows.iter_mut().for_each(|t| t.truncate(width));
    }
    order_and_limit(rows, query)
}

/// Aggregated rows (one per group) sorted like every result, then `:order-by` and `:limit`.
pub(crate) fn finish_aggregated(mut out: Vec<Vec<Cell>>, query: &Query) -> Vec<Vec<Cell>> {
    out.sort();
    out.dedup();
    sort_tuples(&mut out, cell_order);
    order_and_limit(out, query)
}

fn cell_order(a: &Cell, b: &Cell) -> Ordering {
    match (a, b) {
        (Cell::Value(x), Cell::Value(y)) => order(x, y),
        (Cell::Set(x), Cell::Set(y)) | (Cell::Vector(x), Cell::Vector(y)) => lex(x, y, order),
        (Cell::Pulled(x), Cell::Pulled(y)) => x.cmp(y),
        // Across kinds: values, then sets, then vectors.
        (a, b) => kind_rank(a).cmp(&kind_rank(b)),
    }
}

fn kind_rank(c: &Cell) -> u8 {
    match c {
        Cell::Value(_) => 0,
        Cell::Set(_) => 1,
        Cell::Vector(_) => 2,
        Cell::Pulled(_) => 3,
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

/// Applies `:order-by` (stable, last key first) and `:limit` to sorted result rows.
fn order_and_limit(mut out: Vec<Vec<Cell>>, query: &Query) -> Vec<Vec<Cell>> {
    for ob in query.order_by.iter().rev() {
        out.sort_by(|a, b| {
            let o = match (a.get(ob.column), b.get(ob.column)) {
                (Some(x), Some(y)) => cell_order(x, y),
                _ => Ordering::Equal,
            };
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

/// What the result sort needs of a row element (a value, or a result cell).
pub(crate) trait ResultOrder: Sized {
    /// The element as an integer key in the result order, when it is a long or an entity id.
    fn int_key(&self) -> Option<u64>;
    /// The result order.
    fn result_order(a: &Self, b: &Self) -> Ordering;
}

impl ResultOrder for Value {
    fn int_key(&self) -> Option<u64> {
        // Integers as u64 in the same order: the sign bit flipped (ids are below 2^63).
        match self {
            Value::Long(n) => Some((*n as u64) ^ (1 << 63)),
            Value::Ref(n) => i64::try_from(*n).ok().map(|n| (n as u64) ^ (1 << 63)),
            _ => None,
        }
    }

    fn result_order(a: &Self, b: &Self) -> Ordering {
        order(a, b)
    }
}

impl ResultOrder for Cell {
    fn int_key(&self) -> Option<u64> {
        match self {
            Cell::Value(v) => v.int_key(),
            _ => None,
        }
    }

    fn result_order(a: &Self, b: &Self) -> Ordering {
        cell_order(a, b)
    }
}

/// [`sort_tuples`] by the result order, faster when every first element is an integer
/// (entity ids, longs — the usual first column): those sort as plain integers, in the same
/// order [`crate::compare`] gives them, and only runs of equal integers go through the full
/// comparison. Returns whether the rows are known to be distinct (no two first integers equal).
fn sort_rows<T: ResultOrder>(tuples: &mut Vec<Vec<T>>) -> bool {
    let int = |t: &Vec<T>| t.first().and_then(T::int_key);
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
        sort_tuples(tuples, T::result_order);
        return false;
    };
    if !keys.is_sorted_by(|a, b| a.0 <= b.0) {
        // A stable radix sort on the integer: a few linear passes instead of n log n compares.
        radsort::sort_by_key(&mut keys, |k| k.0);
        let mut slots: Vec<Option<Vec<T>>> = std::mem::take(tuples).into_iter().map(Some).collect();
        // Each index of `keys` is a distinct position of `slots` (they were enumerated).
        tuples.reserve_exact(keys.len());
        for &(_, i) in &keys {
            if let Some(t) = slots.get_mut(i).and_then(Option::take) {
                tuples.push(t);
            }
        }
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
            sort_tuples(&mut tuples[start..end], T::result_order);
        }
        start = end;
    }
    distinct
}
