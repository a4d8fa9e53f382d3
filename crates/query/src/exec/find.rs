//! The find step over the executor's last relation: the only place user values are built.
//!
//! The relation is never gathered whole: its batches go into a [`FindSet`], the tuples of the
//! find and `:with` variables (a set as they come when the query aggregates).
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

/// What the find step reads: the plan's output projected onto the find and `:with` variables a
/// batch at a time ([`FindSet::add`]), never the rows the plan made.
pub(crate) struct FindSet {
    /// The projections so far (set from the first batch).
    gathered: Option<Gathered>,
    /// The first output row, whole: an aggregate's count variable is read from it.
    first: Option<Rel>,
    /// The variables projected, in order: the group key (the non-aggregate find variables)
    /// first, then the rest, as [`find`] groups them.
    vars: Vec<Var>,
    /// Whether the query aggregates.
    aggregates: bool,
}

/// The projections of a find step's batches.
enum Gathered {
    /// Without aggregates: every batch's projection, duplicates kept until the result's sort
    /// removes them (cheaper than hashing every row; the projection is all that is kept, and
    /// a batch that is its own projection is kept as it came, never copied).
    Bag { batches: Vec<Rel>, cols: Vec<usize> },
    /// With aggregates: the set the groups are formed from, duplicates removed as rows come
    /// (the hashing the grouping needs anyway), so memory follows the distinct tuples.
    Set(Distinct),
}

impl FindSet {
    /// An empty set for `query`.
    pub(crate) fn new(query: &Query) -> FindSet {
        let elems = query.find_elements();
        let vars = find_vars(query);
        let is_key = |i: usize| elems.get(i).is_some_and(|e| !e.is_aggregate());
        let key = (0..vars.len()).filter(|&i| is_key(i));
        let rest = (0..vars.len()).filter(|&i| !is_key(i));
        FindSet {
            gathered: None,
            first: None,
            vars: key.chain(rest).map(|i| vars[i].clone()).collect(),
            aggregates: elems.iter().any(FindElem::is_aggregate),
        }
    }

    /// Adds a batch of the plan's output.
    pub(crate) fn add(&mut self, batch: Rel) {
        if batch.is_empty() {
            return;
        }
        let gathered = match &mut self.gathered {
            Some(g) => g,
            None => {
                let mut first = Rel::empty(batch.vars().to_vec());
                first.push(batch.row(0));
                self.first = Some(first);
                // A variable the output lacks is left out: `find` names it.
                let cols: Vec<usize> = self.vars.iter().filter_map(|v| batch.col(v)).collect();
                self.gathered.insert(if self.aggregates {
                    Gathered::Set(Distinct::new(batch.vars(), &cols))
                } else {
                    Gathered::Bag {
                        batches: Vec::new(),
                        cols,
                    }
                })
            }
        };
        match gathered {
            Gathered::Set(set) => set.add(&batch),
            Gathered::Bag { batches, cols } if cols.iter().copied().eq(0..batch.vars().len()) => {
                batches.push(batch)
            }
            Gathered::Bag { batches, cols } => {
                let vars = cols.iter().map(|&c| batch.vars()[c].clone()).collect();
                let mut projected = Rel::empty(vars);
                projected.push_projections(&batch, cols);
                batches.push(projected);
            }
        }
    }
}

/// The result rows of `query` from the set of its final relation.
pub(crate) fn find(found: FindSet, query: &Query) -> Result<Vec<Vec<Cell>>> {
    let elems = query.find_elements();
    let (Some(gathered), Some(first)) = (found.gathered, found.first) else {
        return find_tuples(Vec::new(), query, &[]);
    };
    let cols_of = |rel: &Rel| {
        find_vars(query)
            .iter()
            .map(|v| rel.col(v).ok_or_else(|| unbound_find_var(v, query)))
            .collect::<Result<Vec<usize>>>()
    };
    let rel = match gathered {
        Gathered::Bag { batches, .. } => {
            let Some(cols) = batches.first().map(cols_of).transpose()? else {
                return find_tuples(Vec::new(), query, &[]);
            };
            let rows = batches
                .iter()
                .flat_map(Rel::rows)
                .map(|row| {
                    cols.iter()
                        .map(|&c| Cell::Value(row[c].to_value()))
                        .collect()
                })
                .collect();
            return Ok(finish_rows(rows, query));
        }
        Gathered::Set(set) => set.into_rel(),
    };
    let cols = cols_of(&rel)?;
    let counts = aggregate_counts(query, |v| first.col(v).map(|c| first.row(0)[c].to_value()))?;
    // The set of find + :with tuples, the group key (the non-aggregate find variables) first:
    // one flat relation, no tuple allocated per row, then the groups as ranges of its rows.
    let key_elems: Vec<usize> = (0..elems.len())
        .filter(|&i| !elems[i].is_aggregate())
        .collect();
    let rest: Vec<usize> = (0..cols.len()).filter(|i| !key_elems.contains(i)).collect();
    let order: Vec<usize> = key_elems.iter().chain(&rest).copied().collect();
    // `rel` is the set already, in this order unless a variable repeats.
    let projection: Vec<usize> = order.iter().map(|&i| cols[i]).collect();
    let set = if projection.iter().copied().eq(0..rel.vars().len()) {
        rel
    } else {
        rel.distinct_projection(&projection)
    };
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
