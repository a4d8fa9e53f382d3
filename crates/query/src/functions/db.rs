//! Functions that read the database: `get-else`, `get-some`, `missing?` (and the roles of
//! every database function's arguments, the log's `tx-ids` and `tx-data` included).
//!
//! Their entity argument is an entity id, an ident keyword or (written in the query, or bound by
//! an input) a lookup ref, which the [`crate::resolve`] pass and input binding turn into ids
//! before evaluation. An unknown ident or attribute is an error naming it.

use datolite_store::{Cardinality, Index, Value};

use super::values::{arg, boolean, show, R};
use super::Env;
use crate::functions::FnVal;
use crate::value_order::compare;

/// What an argument of a database function is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// The source (`$`), first.
    Source,
    /// The entity, second.
    Entity,
    /// An attribute: the third of `get-else` and `missing?`, the third on of `get-some`.
    Attribute,
    /// Anything else (`get-else`'s default).
    Other,
}

/// The role of argument `i` of database function `name`.
pub(crate) fn role(name: &str, i: usize) -> Role {
    match (name, i) {
        (_, 0) => Role::Source,
        // The log functions take points in time, not entities or attributes.
        ("tx-ids" | "tx-data", _) => Role::Other,
        (_, 1) => Role::Entity,
        ("get-some", _) | (_, 2) => Role::Attribute,
        _ => Role::Other,
    }
}

/// The entity an argument names; `None` for an id no entity can have (negative).
fn entity(env: &dyn Env, v: &FnVal) -> R<Option<u64>> {
    match v {
        FnVal::One(Value::Ref(e)) => Ok(Some(*e)),
        FnVal::One(Value::Long(n)) => Ok(u64::try_from(*n).ok()),
        FnVal::One(Value::Keyword(k)) => env
            .db()
            .schema()
            .entity_of_ident(k)
            .map(Some)
            .ok_or_else(|| format!("unknown ident :{k} (no entity has it as :db/ident)")),
        other => Err(format!(
            "expected an entity (an id, an ident or a lookup ref), got {}",
            show(other)
        )),
    }
}

/// The attribute an argument names: its id and whether it is cardinality-many.
fn attribute(env: &dyn Env, v: &FnVal) -> R<(u64, bool)> {
    let schema = env.db().schema();
    let attr = match v {
        FnVal::One(Value::Keyword(k)) => schema
            .attribute_named(k)
            .ok_or_else(|| format!("unknown attribute :{k}"))?,
        FnVal::One(Value::Ref(id)) => u32::try_from(*id)
            .ok()
            .and_then(|id| schema.attribute(id))
            .ok_or_else(|| format!("entity {id} is not an attribute"))?,
        other => {
            return Err(format!(
                "expected an attribute keyword, got {}",
                show(other)
            ))
        }
    };
    Ok((u64::from(attr.id), attr.cardinality == Cardinality::Many))
}

/// The current values of `attr` on `e`, in value order.
fn values(env: &dyn Env, e: Option<u64>, attr: u64) -> Vec<Value> {
    let Some(e) = e else {
        return Vec::new();
    };
    let mut vals = env.values(e, attr);
    vals.sort_by(compare);
    vals
}

/// `(get-else $ e attr default)`: the value of a cardinality-one attribute, or `default`.
pub(crate) fn get_else(env: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    let e = entity(env, arg(args, 1)?)?;
    let (attr, many) = attribute(env, arg(args, 2)?)?;
    if many {
        return Err("get-else on a cardinality-many attribute".into());
    }
    let default = arg(args, 3)?;
    if matches!(default, FnVal::Nil) {
        return Err("get-else needs a default value other than nil".into());
    }
    Ok(values(env, e, attr)
        .into_iter()
        .next()
        .map_or_else(|| default.clone(), FnVal::One))
}

/// `(get-some $ e attr ...)`: `[attr-id value]` of the first attribute that has a value (its
/// least value for a cardinality-many attribute), else `nil`.
pub(crate) fn get_some(env: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    let e = entity(env, arg(args, 1)?)?;
    for a in args.get(2..).unwrap_or_default() {
        let (attr, _) = attribute(env, a)?;
        if let Some(v) = values(env, e, attr).into_iter().next() {
            return Ok(FnVal::Seq(vec![
                FnVal::One(Value::Ref(attr)),
                FnVal::One(v),
            ]));
        }
    }
    Ok(FnVal::Nil)
}

/// `(missing? $ e attr)`: whether `e` has no value of `attr`; with a reverse attribute
/// (`:_parent`), whether no entity refers to `e` through the forward one.
pub(crate) fn missing(env: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    let e = entity(env, arg(args, 1)?)?;
    if let FnVal::One(Value::Keyword(k)) = arg(args, 2)? {
        if let Some(forward) = crate::resolve::reverse_attribute(k) {
            if env.db().schema().attribute_named(k).is_none() {
                let (attr, _) = attribute(env, &FnVal::One(Value::Keyword(forward)))?;
                let Some(e) = e else { return boolean(true) };
                let referred = env
                    .db()
                    .scan(Index::Vaet)
                    .value(&Value::Ref(e))
                    .attribute_id(u32::try_from(attr).map_err(|_| "attribute id out of range")?)
                    .limit(1)
                    .count()
                    .map_err(|err| format!("missing?: {err}"))?;
                return boolean(referred == 0);
            }
        }
    }
    let (attr, _) = attribute(env, arg(args, 2)?)?;
    boolean(e.is_none_or(|e| !env.has_values(e, attr)))
}
