//! Aggregates over one data pattern, computed while scanning: no rows, no values beyond the
//! running accumulators, and the scan split over the parallel workers when the attribute is
//! large (`[:find (max ?h) (count ?b) :with ?b :where [?b :bar/high ?h]]` over millions of
//! datoms).
//!
//! It applies when the query is exactly one pattern with a constant attribute, every find
//! element is `count`, `count-distinct`, `min`, `max`, `sum` or `avg` of the pattern's entity
//! or value variable, and the result equals what aggregating the set of find + `:with` tuples
//! gives: `min`, `max` and `count-distinct` ignore duplicates anyway; `count`, `sum` and `avg`
//! need every datom to be its own tuple, so both the entity and the value variable must be
//! among the find and `:with` variables. `sum`/`avg` run here only on Long attributes (summing
//! doubles in scan order could round differently from the find step's sorted order).

use std::cmp::Ordering;
use std::collections::HashSet;

use datolite_store::{Attribute, Db, Index, Value, ValueType};

use crate::ast::{AggregateFn, ClauseKind, FindElem, Query, Term, Var};
use crate::error::{QueryError, Result};
use crate::plan;
use crate::result::{order, Cell, InputValue};

/// From this many datoms of the attribute on, the scan is split over the parallel workers.
const PARALLEL_MIN_DATOMS: u64 = 200_000;

/// Which pattern component an aggregate reads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Of {
    Entity,
    Value,
}

/// A plan for [`run`]: the attribute and, per find element, its function and component.
pub(crate) struct ScanAggregate<'d> {
    attr: &'d Attribute,
    elems: Vec<(AggregateFn, Of)>,
    workers: usize,
}

impl ScanAggregate<'_> {
    /// The explain line.
    pub(crate) fn describe(&self, db: &Db, query: &Query) -> String {
        format!(
            "1. aggregate while scanning AEVT [a] {}  (est. datoms {}, {} worker{}; no rows built)",
            query.where_clauses[0].form,
            db.stats().count(self.attr.id),
            self.workers,
            if self.workers == 1 { "" } else { "s" }
        )
    }
}

/// A query that is exactly one pattern `[E :attr V]` over the database: E and V variables or
/// blanks (not one variable twice), no tx or added position, no other input, no `:limit 0`.
struct SinglePattern<'d, 'q> {
    attr: &'d Attribute,
    e: Option<&'q Var>,
    v: Option<&'q Var>,
}

fn single_pattern<'d, 'q>(
    db: &'d Db,
    query: &'q Query,
    inputs: &[InputValue],
) -> Option<SinglePattern<'d, 'q>> {
    if query.where_clauses.len() != 1
        || !inputs.iter().all(|i| *i == InputValue::Db)
        || query.limit == Some(0)
    {
        return None;
    }
    let ClauseKind::Pattern(p) = &query.where_clauses[0].kind else {
        return None;
    };
    if p.tx != Term::Blank || p.added != Term::Blank {
        return None;
    }
    fn var(t: &Term) -> Option<Option<&Var>> {
        match t {
            Term::Var(v) => Some(Some(v)),
            Term::Blank => Some(None),
            _ => None,
        }
    }
    let (e, v) = (var(&p.e)?, var(&p.v)?);
    if e.is_some() && e == v {
        return None;
    }
    Some(SinglePattern {
        attr: plan::const_attribute(db, p)?,
        e,
        v,
    })
}

/// The single-pattern aggregation plan for `query`, if it applies.
pub(crate) fn plan<'d>(
    db: &'d Db,
    query: &Query,
    inputs: &[InputValue],
) -> Option<ScanAggregate<'d>> {
    let SinglePattern { attr, e, v } = single_pattern(db, query, inputs)?;
    let mut listed: Vec<&Var> = query.with.iter().collect();
    let mut elems = Vec::new();
    for elem in query.find_elements() {
        let FindElem::Aggregate(agg) = elem else {
            return None;
        };
        listed.push(&agg.arg);
        let of = if Some(&agg.arg) == e {
            Of::Entity
        } else if Some(&agg.arg) == v {
            Of::Value
        } else {
            return None;
        };
        let long_value = of == Of::Value && attr.value_type == ValueType::Long;
        match agg.func {
            AggregateFn::Count
            | AggregateFn::CountDistinct
            | AggregateFn::Min
            | AggregateFn::Max => {}
            AggregateFn::Sum | AggregateFn::Avg if long_value => {}
            _ => return None,
        }
        elems.push((agg.func, of));
    }
    // Bag-sensitive aggregates need one tuple per datom.
    let per_datom = [e, v]
        .iter()
        .all(|x| x.is_some_and(|x| listed.contains(&x)));
    let needs_bag = elems
        .iter()
        .any(|(f, _)| matches!(f, AggregateFn::Count | AggregateFn::Sum | AggregateFn::Avg));
    if needs_bag && !per_datom {
        return None;
    }
    // `:with` variables must be the pattern's, or they would be unbound.
    if query.with.iter().any(|w| Some(w) != e && Some(w) != v) {
        return None;
    }
    let workers = if db.stats().count(attr.id) >= PARALLEL_MIN_DATOMS {
        db.parallel_workers().max(1)
    } else {
        1
    };
    Some(ScanAggregate {
        attr,
        elems,
        workers,
    })
}

/// `[:find (count ?x) :where [?e :a ?v]]` with `?x` the entity or the value: the distinct
/// entities or values of `:a`, straight from the statistics.
pub(crate) fn count_from_stats(
    db: &Db,
    query: &Query,
    inputs: &[InputValue],
) -> Option<(u64, String)> {
    if !db.has_stats() || !query.with.is_empty() {
        return None;
    }
    let [FindElem::Aggregate(agg)] = query.find_elements() else {
        return None;
    };
    if !matches!(agg.func, AggregateFn::Count | AggregateFn::CountDistinct) {
        return None;
    }
    let SinglePattern { attr, e, v } = single_pattern(db, query, inputs)?;
    let s = db.stats().attribute(attr.id);
    if e == Some(&agg.arg) {
        Some((
            s.distinct_entities,
            format!("distinct entities of :{}", attr.ident),
        ))
    } else if v == Some(&agg.arg) {
        Some((
            s.distinct_values,
            format!("distinct values of :{}", attr.ident),
        ))
    } else {
        None
    }
}

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
        let mut plan = plan(&db, &query, &[InputValue::Db]).expect("applies");
        let one = run(&db, &plan, &query).unwrap();
        plan.workers = 4;
        assert_eq!(run(&db, &plan, &query).unwrap(), one);
        assert_eq!(one[0][0], Cell::Value(Value::Long(6000)));
    }
}
