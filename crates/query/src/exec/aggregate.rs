//! Runs a scan aggregate ([`crate::plan::aggregate`]): the aggregates of one data pattern
//! computed while scanning the attribute — no rows, no values beyond the running accumulators,
//! and the scan split over the parallel workers the plan gives.

use std::cmp::Ordering;
use std::collections::HashSet;

use datolite_store::{Db, Index, Value};

use crate::ast::{AggregateFn, Query};
use crate::error::{QueryError, Result};
use crate::plan::aggregate::{Of, ScanAggregate};
use crate::result::Cell;
use crate::value_order::order;

/// One element's running state.
#[derive(Clone, Default)]
struct Acc {
    count: u64,
    sum: i128,
    min: Option<Value>,
    max: Option<Value>,
    distinct: HashSet<Value>,
}

impl Acc {
    fn add(&mut self, func: AggregateFn, x: Value) {
        // `count` is every datom seen, whatever the function.
        self.count += 1;
        match func {
            AggregateFn::Count => {}
            AggregateFn::Sum | AggregateFn::Avg => {
                if let Value::Long(n) = x {
                    self.sum += i128::from(n);
                }
            }
            AggregateFn::Min => keep(&mut self.min, x, Ordering::Less),
            AggregateFn::Max => keep(&mut self.max, x, Ordering::Greater),
            AggregateFn::CountDistinct => {
                self.distinct.insert(canonical(x));
            }
            _ => {}
        }
    }

    fn merge(mut self, other: Acc) -> Acc {
        self.count += other.count;
        self.sum += other.sum;
        if let Some(m) = other.min {
            keep(&mut self.min, m, Ordering::Less);
        }
        if let Some(m) = other.max {
            keep(&mut self.max, m, Ordering::Greater);
        }
        self.distinct.extend(other.distinct);
        self
    }
}

/// Puts `x` in `slot` when the slot is empty or `x` orders `side` of what it holds (by the
/// result order, as the find step's `min`/`max` pick from a sorted column).
fn keep(slot: &mut Option<Value>, x: Value, side: Ordering) {
    if slot.as_ref().is_none_or(|m| order(&x, m) == side) {
        *slot = Some(x);
    }
}

/// Values that [`crate::compare`] calls equal, made identical (the zeros, NaNs).
fn canonical(x: Value) -> Value {
    match x {
        Value::Double(d) if d.is_nan() => Value::Double(f64::NAN),
        Value::Double(d) => Value::Double(if d == 0.0 { 0.0 } else { d }),
        Value::Float(x) if x.is_nan() => Value::Float(f32::NAN),
        Value::Float(x) => Value::Float(if x == 0.0 { 0.0 } else { x }),
        other => other,
    }
}

/// Runs the plan: the one result row, or none when the attribute has no datoms.
pub(crate) fn run(db: &Db, plan: &ScanAggregate<'_>, query: &Query) -> Result<Vec<Vec<Cell>>> {
    let elems = &plan.elems;
    let fresh = || vec![Acc::default(); elems.len()];
    let accs = db
        .scan(Index::Aevt)
        .attribute_id(plan.attr.id)
        .parallel(plan.workers)
        .fold(
            fresh,
            |accs, d| {
                for (acc, (func, of)) in accs.iter_mut().zip(elems) {
                    let x = match of {
                        Of::Entity => Value::Ref(d.e),
                        Of::Value => d.v.to_owned(),
                    };
                    acc.add(*func, x);
                }
            },
            |a, b| a.into_iter().zip(b).map(|(x, y)| x.merge(y)).collect(),
        )
        .map_err(QueryError::from)?;
    // Every accumulator saw every datom; an empty attribute has no result row.
    if accs.first().is_none_or(|a| a.count == 0) {
        return Ok(Vec::new());
    }
    let mut row = Vec::with_capacity(elems.len());
    for (acc, (func, _)) in accs.into_iter().zip(elems) {
        row.push(Cell::Value(match func {
            AggregateFn::Count => Value::Long(acc.count as i64),
            AggregateFn::CountDistinct => Value::Long(acc.distinct.len() as i64),
            AggregateFn::Sum => Value::Long(
                i64::try_from(acc.sum)
                    .map_err(|_| QueryError::invalid("sum overflows a Long", query.pos))?,
            ),
            AggregateFn::Avg => Value::Double(acc.sum as f64 / acc.count as f64),
            AggregateFn::Min => acc.min.expect("a datom was seen"),
            AggregateFn::Max => acc.max.expect("a datom was seen"),
            other => {
                return Err(QueryError::invalid(
                    format!("{} is not computed while scanning", other.name()),
                    query.pos,
                ))
            }
        }));
    }
    Ok(vec![row])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_query;
    use crate::plan::aggregate::scan_aggregate;
    use crate::result::InputValue;

    /// Split over workers, the partial accumulators merge to the single-worker answer.
    #[test]
    fn parallel_parts_merge_to_the_same_answer() {
        let database = datolite::Database::memory().unwrap();
        database
            .transact(
                "[{:db/ident :n :db/valueType :db.type/long :db/cardinality :db.cardinality/many}]",
            )
            .unwrap();
        let mut tx = String::from("[");
        for i in 0..3000 {
            tx.push_str(&format!("{{:n #{{{} {}}}}}", i % 97 - 40, i * 7));
        }
        tx.push(']');
        database.transact(&tx).unwrap();
        let db = database.db().unwrap();
        let query = parse_query(
            "[:find (count ?e) (sum ?v) (avg ?v) (min ?v) (max ?v) (count-distinct ?v) \
             :with ?e :where [?e :n ?v]]",
        )
        .unwrap();
        let mut plan = scan_aggregate(&db, &query, &[InputValue::Db]).expect("applies");
        let one = run(&db, &plan, &query).unwrap();
        plan.workers = 4;
        assert_eq!(run(&db, &plan, &query).unwrap(), one);
        assert_eq!(one[0][0], Cell::Value(Value::Long(6000)));
    }
}
