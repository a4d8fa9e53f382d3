//! EDN transaction data → [`TxOp`]s.
//!
//! Accepts what Datomic accepts: a vector (or list) of entity maps and list forms
//! `[:db/add e a v]`, `[:db/retract e a v]`, `[:db/retract e a]`, `[:db/retractEntity e]`
//! (`:db.fn/retractEntity` too) and `[:db/cas e a old new]` (`:db.fn/cas` too); entities may be
//! written with Datomic's legacy `#db/id [partition idx?]`. Entities are read here; values are
//! read into [`Form`]s, which settle what does not depend on the attribute's type (nested maps,
//! legacy tempids, collections) and leave the rest to resolution (see `form.rs`). Reverse
//! attributes (`:person/_friends`) in maps are resolved with the schema.

use std::sync::atomic::{AtomicU64, Ordering};

pub use super::form::CURRENT_TX_TEMPID;
use super::form::{lookup_shape, not_an_entity, scalar_entity, CollKind, Form, Literal, Read};
use super::ops::{EntityMap, EntityRef, Tempid, TxOp, TxValue};
use crate::model::{PART_DB, PART_USER};
use crate::{Result, StoreError};
use datolite_edn::{Edn, Keyword};

/// Parses EDN text holding transaction data.
pub fn parse_tx_data(text: &str) -> Result<Vec<TxOp>> {
    let form = datolite_edn::parse(text)?;
    tx_ops(&form)
}

/// Converts one EDN form holding transaction data (a vector of operations).
pub fn tx_ops(form: &Edn) -> Result<Vec<TxOp>> {
    let items = match form {
        Edn::Vector(items) | Edn::List(items) => items,
        other => {
            return Err(invalid(format!(
                "transaction data must be a vector of operations, got a {}",
                other.type_name()
            )))
        }
    };
    items.iter().map(tx_op).collect()
}

/// Converts one operation.
pub fn tx_op(form: &Edn) -> Result<TxOp> {
    match form {
        Edn::Map(entries) => Ok(TxOp::Map(entity_map(entries)?)),
        Edn::Vector(items) | Edn::List(items) => list_op(items, form),
        other => Err(invalid(format!(
            "an operation must be a map or a list form, got {other}"
        ))),
    }
}

fn list_op(items: &[Edn], form: &Edn) -> Result<TxOp> {
    let op = items
        .first()
        .and_then(Edn::as_keyword)
        .map(keyword_text)
        .unwrap_or_default();
    match (op.as_str(), items.len()) {
        ("db/add", 4) => Ok(TxOp::Add { e: entity_ref(&items[1])?, attr: attr_name(&items[2])?, value: value(&items[3]) }),
        ("db/retract", 4) => Ok(TxOp::Retract {
            e: entity_ref(&items[1])?,
            attr: attr_name(&items[2])?,
            value: Some(value(&items[3])),
        }),
        ("db/retract", 3) => Ok(TxOp::Retract { e: entity_ref(&items[1])?, attr: attr_name(&items[2])?, value: None }),
        ("db/retractEntity" | "db.fn/retractEntity", 2) => Ok(TxOp::RetractEntity(entity_ref(&items[1])?)),
        ("db/cas" | "db.fn/cas", 5) => Ok(TxOp::Cas {
            e: entity_ref(&items[1])?,
            attr: attr_name(&items[2])?,
            old: match &items[3] {
                Edn::Nil => None,
                old => Some(value(old)),
            },
            new: value(&items[4]),
        }),
        ("db/add" | "db/retract" | "db/retractEntity" | "db.fn/retractEntity" | "db/cas" | "db.fn/cas", n) => {
            Err(invalid(format!("{form} has {n} elements; expected [:db/add e a v], [:db/retract e a v?], [:db/retractEntity e] or [:db/cas e a old new]")))
        }
        _ => Err(invalid(format!("unknown operation {form}; expected :db/add, :db/retract, :db/retractEntity or :db/cas"))),
    }
}

fn entity_map(entries: &[(Edn, Edn)]) -> Result<EntityMap> {
    let mut map = EntityMap::default();
    for (key, value) in entries {
        let attr = attr_name(key)?;
        if attr == "db/id" {
            map.id = Some(entity_ref(value)?);
        } else {
            map.attrs.push((attr, self::value(value)));
        }
    }
    Ok(map)
}

/// The ident text of a keyword without the colon (`user/name`).
pub fn keyword_text(k: &Keyword) -> String {
    match &k.namespace {
        Some(ns) => format!("{ns}/{}", k.name),
        None => k.name.clone(),
    }
}

fn attr_name(form: &Edn) -> Result<String> {
    match form {
        Edn::Keyword(k) => Ok(keyword_text(k)),
        other => Err(invalid(format!(
            "an attribute must be a keyword, got {other}"
        ))),
    }
}

/// Interprets an EDN form in entity position.
pub fn entity_ref(form: &Edn) -> Result<EntityRef> {
    match form {
        Edn::Vector(items) if items.len() == 2 => match &items[0] {
            Edn::Keyword(k) => Ok(EntityRef::Lookup(
                keyword_text(k),
                Box::new(value(&items[1])),
            )),
            _ => Err(invalid(lookup_shape(form))),
        },
        Edn::Tagged(tag, inner) if tag == "db/id" => legacy_tempid(form, inner),
        other => scalar_entity(other).unwrap_or_else(|| Err(invalid(not_an_entity(other)))),
    }
}

/// Reads a form in value position.
fn value(form: &Edn) -> TxValue {
    TxValue::Form(read_form(form))
}

/// Reads a value: nested maps, legacy tempids and collections at once, scalars as they are.
/// Errors in nested parts are kept for resolution to raise if it reads them.
fn read_form(form: &Edn) -> Form {
    let message = |error: StoreError| match error {
        StoreError::InvalidTxData(message) => message,
        other => other.to_string(),
    };
    match form {
        Edn::Nil => Form::Nil,
        Edn::Map(entries) => Form::Map(Box::new(Read {
            reading: entity_map(entries).map_err(message),
            form: Literal(form.clone()),
        })),
        Edn::Vector(items) => Form::Coll(CollKind::Vector, items.iter().map(read_form).collect()),
        Edn::List(items) => Form::Coll(CollKind::List, items.iter().map(read_form).collect()),
        Edn::Set(items) => Form::Coll(CollKind::Set, items.iter().map(read_form).collect()),
        Edn::Tagged(tag, inner) if tag == "db/id" => Form::LegacyTempid(Box::new(Read {
            reading: legacy_tempid(form, inner).map_err(message),
            form: Literal(form.clone()),
        })),
        scalar => Form::Scalar(Literal(scalar.clone())),
    }
}

/// Numbers the occurrences of `#db/id [partition]`: each one is a new entity, as each read of
/// Datomic's reader literal makes a new tempid. Only uniqueness matters (ids are allocated in
/// order of appearance), so one process-wide counter serves every transaction.
static FRESH_TEMPIDS: AtomicU64 = AtomicU64::new(0);

/// Datomic's legacy tempid `#db/id [partition]` or `#db/id [partition -n]`.
fn legacy_tempid(form: &Edn, inner: &Edn) -> Result<EntityRef> {
    let expected = || {
        invalid(format!(
            "{form} must be #db/id [partition] or #db/id [partition -n] (n a positive integer)"
        ))
    };
    let (partition, index) = match inner {
        Edn::Vector(items) | Edn::List(items) => match items.as_slice() {
            [partition] => (partition, None),
            [partition, Edn::Long(n)] if *n < 0 => (partition, Some(*n)),
            _ => return Err(expected()),
        },
        _ => return Err(expected()),
    };
    let partition = match partition {
        Edn::Keyword(k) => match keyword_text(k).as_str() {
            "db.part/db" => PART_DB,
            "db.part/user" => PART_USER,
            // Datomic's tempid in the transaction partition names the transaction itself.
            "db.part/tx" => return Ok(EntityRef::CurrentTx),
            other => {
                return Err(invalid(format!(
                    "unknown partition :{other} in {form}; the partitions are :db.part/db, :db.part/tx and :db.part/user"
                )))
            }
        },
        _ => return Err(expected()),
    };
    Ok(EntityRef::Tempid(match index {
        Some(n) => Tempid::Partition(partition, n),
        None => Tempid::Fresh(partition, FRESH_TEMPIDS.fetch_add(1, Ordering::Relaxed)),
    }))
}

fn invalid(message: String) -> StoreError {
    StoreError::InvalidTxData(message)
}
