//! The find step over the executor's last relation: the only place user values are built.
//!
//! The relation is never gathered whole: its batches go into a [`FindSet`], the distinct tuples
//! of the find and `:with` variables, as the plan makes them.
//!
//! Without aggregates, the find (and `:with`) variables' cells become values and
//! [`find_tuples`] makes the sorted set (or bag). With aggregates, the set of find + `:with`
//! tuples and its groups are formed on the cells themselves; `count` and `count-distinct` never
//! build a value, the other aggregates build only the column they read, and each group's key is
//! built once.

use rustc_hash::{FxHashMap, FxHashSet};

use datolite_store::Value;

use crate::ast::{AggregateFn, FindElem, Query, Var};
use crate::error::Result;
use crate::exec::rel::{Distinct, Rel};
use crate::exec::val::Val;
use crate::find::{
    aggregate_counts, find_tuples, find_vars, finish_aggregated, finish_rows, run_aggregate,
    unbound_find_var,
};
use crate::result::Cell;

/// What the find step reads: the plan's output gathered by [`FindSet::add`] a batch at a time.
pub(crate) struct FindSet {
    /// The distinct tuples of the find and `:with` variables (the ones the output binds).
    set: Option<Distinct>,
    /// The first output row, whole: an aggregate's count variable is read from it.
    first: Option<Rel>,
    vars: Vec<Var>,
}

impl FindSet {
    /// An empty set for `query`.
    pub(crate) fn new(query: &Query) -> FindSet {
        FindSet {
            set: None,
            first: None,
            vars: find_vars(query),
        }
    }

    /// Adds a batch of the plan's output.
    pub(crate) fn add(&mut self, batch: &Rel) {
        if batch.is_empty() {
            return;
        }
        if self.first.is_none() {
            let mut first = Rel::empty(batch.vars().to_vec());
            first.push(batch.row(0));
            self.first = Some(first);
        }
        let vars = &self.vars;
        self.set
            .get_or_insert_with(|| {
                let cols: Vec<usize> = vars.iter().filter_map(|v| batch.col(v)).collect();
                Distinct::new(batch.vars(), &cols)
            })
            .add(batch);
    }
}

/// The result rows of `query` from the set of its final relation.
pub(crate) fn find(found: FindSet, query: &Query) -> Result<Vec<Vec<Cell>>> {
    let elems = query.find_elements();
    let (Some(set), Some(first)) = (found.set, found.first) else {
        return find_tuples(Vec::new(), query, &[]);
    };
    let rel = set.into_rel();
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
    let counts = aggregate_counts(query, |v| first.col(v).map(|c| first.row(0)[c].to_value()))?;
    // The set of find + :with tuples, the group key (the non-aggregate find variables) first:
    // one flat relation, no tuple allocated per row, then the groups as ranges of its rows.
    let key_elems: Vec<usize> = (0..elems.len())
        .filter(|&i| !elems[i].is_aggregate())
        .collect();
    let rest: Vec<usize> = (0..cols.len()).filter(|i| !key_elems.contains(i)).collect();
    let order: Vec<usize> = key_elems.iter().chain(&rest).copied().collect();
    // `rel` is a set already: reordering its columns keeps it one.
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
