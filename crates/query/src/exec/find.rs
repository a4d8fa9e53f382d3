//! The find step over the executor's last relation: the only place user values are built.
//!
//! Without aggregates, the find (and `:with`) variables' cells become values and
//! [`find_tuples`] makes the sorted set (or bag). With aggregates, the set of find + `:with`
//! tuples and its groups are formed on the cells themselves; `count` and `count-distinct` never
//! build a value, the other aggregates build only the column they read, and each group's key is
//! built once.

use rustc_hash::{FxHashMap, FxHashSet};

use datolite_store::Value;

use crate::ast::{AggregateFn, FindElem, Query};
use crate::error::Result;
use crate::exec::rel::Rel;
use crate::exec::val::Val;
use crate::find::{
    aggregate_counts, find_tuples, find_vars, finish_aggregated, finish_rows, run_aggregate,
    unbound_find_var,
};
use crate::result::Cell;

/// The result rows of `query` from its final relation.
pub(crate) fn find(rel: &Rel, query: &Query) -> Result<Vec<Vec<Cell>>> {
    let elems = query.find_elements();
    if rel.is_empty() {
        return find_tuples(Vec::new(), query, &[]);
    }
    let cols = find_vars(query)
        .iter()
        .map(|v| rel.col(v).ok_or_else(|| unbound_find_var(v, query)))
        .collect::<Result<Vec<usize>>>()?;
    if !elems.iter().any(|e| matches!(e, FindElem::Aggregate(_))) {
        let rows = rel
            .rows()
            .map(|row| {
                cols.iter()
                    .map(|&c| Cell::Value(row[c].to_value()))
                    .collect()
            })
            .collect();
        return Ok(finish_rows(rows, query));
    }
    let first = rel.row(0);
    let counts = aggregate_counts(query, |v| rel.col(v).map(|c| first[c].to_value()))?;
    // The set of find + :with tuples, the group key (the non-aggregate find variables) first:
    // one flat relation, no tuple allocated per row, then the groups as ranges of its rows.
    let key_elems: Vec<usize> = (0..elems.len())
        .filter(|&i| !elems[i].is_aggregate())
        .collect();
    let rest: Vec<usize> = (0..cols.len()).filter(|i| !key_elems.contains(i)).collect();
    let order: Vec<usize> = key_elems.iter().chain(&rest).copied().collect();
    let set = rel.distinct_projection(&order.iter().map(|&i| cols[i]).collect::<Vec<_>>());
    // Where tuple element `i` (in `cols` order) sits in the projected rows.
    let mut at = vec![0; cols.len()];
    for (pos, &i) in order.iter().enumerate() {
        at[i] = pos;
    }
    let k = key_elems.len();
    let mut groups: FxHashMap<&[Val], Vec<usize>> = FxHashMap::default();
    for r in 0..set.len() {
        groups.entry(&set.row(r)[..k]).or_default().push(r);
    }
    let mut out = Vec::with_capacity(groups.len());
    for (key, members) in groups {
        // The key holds the find variables' cells in find order.
        let mut keys = key.iter().map(Val::to_value);
        let (set, at) = (&set, &at);
        let column = |i: usize| members.iter().map(move |&r| &set.row(r)[at[i]]);
        let mut row = Vec::with_capacity(elems.len());
        for (i, elem) in elems.iter().enumerate() {
            row.push(match elem {
                FindElem::Var(_) | FindElem::Pull(_) => {
                    Cell::Value(keys.next().unwrap_or(Value::Boolean(false)))
                }
                FindElem::Aggregate(a) => match a.func {
                    AggregateFn::Count => Cell::Value(Value::Long(
                        i64::try_from(members.len()).unwrap_or(i64::MAX),
                    )),
                    // Compare-equal cells share a hash key.
                    AggregateFn::CountDistinct => {
                        let distinct: FxHashSet<_> = column(i).map(Val::hash_key).collect();
                        Cell::Value(Value::Long(
                            i64::try_from(distinct.len()).unwrap_or(i64::MAX),
                        ))
                    }
                    _ => run_aggregate(
                        a,
                        counts.get(i).copied().flatten(),
                        column(i).map(Val::to_value).collect(),
                        query,
                    )?,
                },
            });
        }
        out.push(row);
    }
    Ok(finish_aggregated(out, query))
}
