//! The transaction log inside queries, as Datomic has it: `(tx-ids $ t1 t2)` — the ids of the
//! transactions from `t1` (inclusive) to `t2` (exclusive), for a collection binding
//! `[?tx ...]` — and `(tx-data $ tx)` — the datoms one transaction asserted and retracted, as
//! `[e a v tx added]` tuples for a relation binding `[[?e ?a ?v _ ?added]]`.
//!
//! A point is a `t`, a transaction id or an instant (`#inst`), as everywhere (`TimePoint`);
//! `nil` leaves an end of `tx-ids` open. The log is read through the query's database value.

use datolite_store::{TimePoint, TxEntry, Value};

use super::values::{arg, show, R};
use super::Env;
use crate::functions::FnVal;

/// A point argument; `None` for `nil` (an open end).
fn point(v: &FnVal) -> R<Option<TimePoint>> {
    match v {
        FnVal::Nil => Ok(None),
        FnVal::One(Value::Instant(ms)) => Ok(Some(TimePoint::Instant(*ms))),
        FnVal::One(Value::Ref(n)) => TimePoint::number(*n).map(Some).map_err(|e| e.to_string()),
        FnVal::One(Value::Long(n)) => u64::try_from(*n)
            .map_err(|_| format!("{n} is no t or transaction id"))
            .and_then(|n| TimePoint::number(n).map_err(|e| e.to_string()))
            .map(Some),
        other => Err(format!(
            "expected a t, a transaction id or an instant, got {}",
            show(other)
        )),
    }
}

/// The transactions of a range, read through the query's database value.
fn transactions(
    env: &dyn Env,
    from: Option<TimePoint>,
    to: Option<TimePoint>,
    name: &str,
) -> R<Vec<TxEntry>> {
    env.db()
        .tx_range(from, to)
        .map_err(|e| format!("{name}: {e}"))
}

/// `(tx-ids $ t1 t2)`: the transaction ids from `t1` (inclusive) to `t2` (exclusive).
pub(crate) fn tx_ids(env: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    let (from, to) = (point(arg(args, 1)?)?, point(arg(args, 2)?)?);
    Ok(FnVal::Seq(
        transactions(env, from, to, "tx-ids")?
            .into_iter()
            .map(|t| FnVal::One(Value::Ref(t.tx)))
            .collect(),
    ))
}

/// `(tx-data $ tx)`: the `[e a v tx added]` datoms transaction `tx` (an id or a `t`) asserted
/// and retracted; none for a transaction that does not exist.
pub(crate) fn tx_data(env: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    let which = point(arg(args, 1)?)?;
    let Some(t) = which.and_then(TimePoint::t) else {
        return Err(format!(
            "expected a t or a transaction id, got {}",
            show(arg(args, 1)?)
        ));
    };
    let found = transactions(
        env,
        Some(TimePoint::T(t)),
        Some(TimePoint::T(t + 1)),
        "tx-data",
    )?;
    Ok(FnVal::Seq(
        found
            .into_iter()
            .flat_map(|entry| entry.datoms)
            .map(|d| {
                FnVal::Seq(vec![
                    FnVal::One(Value::Ref(d.e)),
                    FnVal::One(Value::Ref(d.a)),
                    FnVal::One(d.v),
                    FnVal::One(Value::Ref(d.tx)),
                    FnVal::One(Value::Boolean(d.added)),
                ])
            })
            .collect(),
    ))
}
