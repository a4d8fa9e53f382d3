//! Naming entities and attributes against one snapshot: idents, attribute ids and lookup refs.
//! Every function returns the message of what is unknown (the caller adds the clause).

use datolite_store::{Attribute, Db, Index, Value, ValueType};

use crate::ast::Constant;
use crate::functions::constant;
use crate::functions::FnVal;

/// The attribute an ident (without its colon) names: an unknown ident, or an ident that names
/// something else, is an error naming it.
pub(crate) fn attribute_named<'d>(db: &'d Db, ident: &str) -> Result<&'d Attribute, String> {
    let schema = db.schema();
    match schema.attribute_named(ident) {
        Some(a) => Ok(a),
        None if schema.entity_of_ident(ident).is_some() => {
            Err(format!(":{ident} is not an attribute"))
        }
        None => Err(format!("unknown attribute :{ident}")),
    }
}

/// The attribute with entity id `id`.
pub(crate) fn attribute_by_id(db: &Db, id: u64) -> Result<&Attribute, String> {
    u32::try_from(id)
        .ok()
        .and_then(|id| db.schema().attribute(id))
        .map(|a| a.as_ref())
        .ok_or_else(|| format!("entity {id} is not an attribute"))
}

/// The entity an ident (without its colon) names.
pub(crate) fn ident_entity(db: &Db, ident: &str) -> Result<u64, String> {
    db.schema()
        .entity_of_ident(ident)
        .ok_or_else(|| format!("unknown ident :{ident} (no entity has it as :db/ident)"))
}

/// The entity the lookup ref `[:attr value]` names: `attr` must be a unique attribute and
/// exactly one entity holds `value` for it (uniqueness guarantees at most one).
pub(crate) fn lookup_ref(db: &Db, attr: &str, value: &Value) -> Result<u64, String> {
    let shown = format!("[:{attr} {value}]");
    let a = attribute_named(db, attr).map_err(|m| format!("{m} in lookup ref {shown}"))?;
    if a.unique.is_none() {
        return Err(format!(
            "lookup ref {shown} needs a :db/unique attribute, and :{attr} is not unique"
        ));
    }
    let wrong = || {
        format!(
            "lookup ref {shown}: the values of :{attr} are of type {}",
            a.value_type
        )
    };
    let target = match (a.value_type, value) {
        (ValueType::Ref, Value::Keyword(k)) => {
            Value::Ref(ident_entity(db, k).map_err(|m| format!("{m} in lookup ref {shown}"))?)
        }
        // A composite (or other tuple) key: each element in the attribute's element type.
        (ValueType::Tuple, Value::Tuple(items)) => Value::Tuple(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| match item {
                    None => Ok(None),
                    Some(v) => db
                        .schema()
                        .element_type(a, i)
                        .and_then(|t| super::element_as(v, t))
                        .map(Some)
                        .ok_or_else(wrong),
                })
                .collect::<Result<_, _>>()?,
        ),
        (vt, v) => super::element_as(v, vt).ok_or_else(wrong)?,
    };
    let found = db
        .scan(Index::Avet)
        .attribute_id(a.id)
        .value(&target)
        .limit(1)
        .collect()
        .map_err(|e| format!("resolving lookup ref {shown}: {e}"))?;
    found
        .first()
        .map(|d| d.e)
        .ok_or_else(|| format!("lookup ref {shown} matches no entity"))
}

/// The entity a lookup-ref constant `[:attr value]` names.
pub(crate) fn lookup_ref_constant(db: &Db, items: &[Constant]) -> Result<u64, String> {
    match items {
        [Constant::Keyword(attr), value] => match constant(value) {
            FnVal::One(v) => lookup_ref(db, attr, &v),
            // `[:a+b ["a" "B"]]`: a tuple key.
            FnVal::Seq(items)
                if items
                    .iter()
                    .all(|i| matches!(i, FnVal::One(_) | FnVal::Nil)) =>
            {
                let tuple = items
                    .into_iter()
                    .map(|i| match i {
                        FnVal::One(v) => Some(v),
                        _ => None,
                    })
                    .collect();
                lookup_ref(db, attr, &Value::Tuple(tuple))
            }
            _ => Err(format!(
                "a lookup ref is [:attribute value], and {} is not a value",
                show_constant(value)
            )),
        },
        _ => Err(format!(
            "{} is not a lookup ref [:attribute value]",
            show_constant(&Constant::Vector(items.to_vec()))
        )),
    }
}

/// A constant printed as EDN, for messages.
pub(crate) fn show_constant(c: &Constant) -> String {
    match c {
        Constant::Nil => "nil".into(),
        Constant::Keyword(k) => format!(":{k}"),
        Constant::Regex(src) => format!("#\"{src}\""),
        Constant::Vector(items) => {
            let inner: Vec<String> = items.iter().map(show_constant).collect();
            format!("[{}]", inner.join(" "))
        }
        other => match constant(other) {
            FnVal::One(v) => v.to_string(),
            _ => String::new(),
        },
    }
}
