//! The aggregation strategy of a query that is exactly one data pattern
//! (`docs/design.md`, §8.5 Aggregates): `(count ?x)` of the entities or values from the
//! statistics in O(1) ([`count_from_stats`]), or every aggregate computed while scanning the
//! attribute, split over the parallel workers when it is large ([`scan_aggregate`]); the
//! executor's `aggregate` module runs the latter.
//!
//! A scan aggregate applies when every find element is `count`, `count-distinct`, `min`, `max`,
//! `sum` or `avg` of the pattern's entity or value variable, and the result equals what
//! aggregating the set of find + `:with` tuples gives: `min`, `max` and `count-distinct` ignore
//! duplicates anyway; `count`, `sum` and `avg` need every datom to be its own tuple, so both
//! the entity and the value variable must be among the find and `:with` variables. `sum`/`avg`
//! run here only on Long attributes (summing doubles in scan order could round differently
//! from the find step's sorted order).

use datolite_store::{Attribute, Db, ValueType};

use crate::ast::{AggregateFn, ClauseKind, FindElem, Query, Term, Var};
use crate::plan::access::const_attribute;
use crate::result::InputValue;

/// From this many datoms of the attribute on, the scan is split over the parallel workers.
const PARALLEL_MIN_DATOMS: u64 = 200_000;

/// Which pattern component an aggregate reads.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Of {
    /// The entity.
    Entity,
    /// The value.
    Value,
}

/// A plan for [`run`]: the attribute and, per find element, its function and component.
pub(crate) struct ScanAggregate<'d> {
    /// The attribute scanned.
    pub attr: &'d Attribute,
    /// Per find element: the function and what it reads.
    pub elems: Vec<(AggregateFn, Of)>,
    /// Parallel workers the scan is split over.
    pub workers: usize,
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
        attr: const_attribute(db, p)?,
        e,
        v,
    })
}

/// The single-pattern aggregation plan for `query`, if it applies.
pub(crate) fn scan_aggregate<'d>(
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
