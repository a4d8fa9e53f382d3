//! Values of EDN transaction data as the parser reads them, once.
//!
//! What a value means can depend on its attribute's type, which is known only during
//! resolution (a string is a tempid for a ref attribute and a string otherwise; a vector is a
//! lookup ref, a tuple or several values). So the parser (`parse.rs`) settles everything that
//! does not depend on the type — nested entity maps, legacy tempids `#db/id [...]`, the items of
//! collections — and keeps scalars as read. Resolution then asks a [`Form`] for one of its
//! readings (an entity, a typed value, a keyword) and never reads EDN or calls the parser.
//! Parse errors of nested parts are kept and raised only if resolution reads that part, so
//! the errors are the ones reading the value lazily would give.

use std::fmt;

use super::ops::{EntityMap, EntityRef, Tempid, TxValue};
use crate::model::{inferred_type, keyword_text, typed_value, ConvertError, Value, ValueType};
use crate::{Result, StoreError};
use datolite_edn::Edn;

/// The name of the tempid that stands for the transaction being committed.
pub const CURRENT_TX_TEMPID: &str = "datomic.tx";

/// One value of EDN transaction data, read by the parser.
#[derive(Clone, Debug, PartialEq)]
pub enum Form {
    /// `nil`.
    Nil,
    /// A scalar: a number, string, keyword, symbol, instant, UUID or tagged literal.
    Scalar(Literal),
    /// Datomic's legacy tempid `#db/id [partition -n?]`, or why the form is not one.
    LegacyTempid(Box<Read<EntityRef>>),
    /// A nested entity map, or why the map is not one.
    Map(Box<Read<EntityMap>>),
    /// A vector, list or set and its items.
    Coll(CollKind, Vec<Form>),
}

/// Which collection a [`Form::Coll`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CollKind {
    /// `[…]`.
    Vector,
    /// `(…)`.
    List,
    /// `#{…}`.
    Set,
}

/// What the parser made of a form (or why it could not), and the form as written, for
/// messages. Boxed in [`Form`], whose common variants are small: operations are moved around
/// in bulk.
#[derive(Clone, Debug, PartialEq)]
pub struct Read<T> {
    /// The reading, or the message of the error reading it gave.
    pub reading: std::result::Result<T, String>,
    /// The form as written.
    pub form: Literal,
}

/// An EDN form kept as read, until its attribute's type says what it is.
#[derive(Clone, Debug, PartialEq)]
pub struct Literal(pub(super) Edn);

impl Form {
    /// The reading of the form as an entity, for a ref attribute: `None` when the form is no
    /// entity at all (the caller reports a type mismatch), an error when it tries and fails (a
    /// malformed lookup ref or tempid). Nested maps are the caller's (they become entities of
    /// their own).
    pub fn entity(&self) -> Option<Result<EntityRef>> {
        match self {
            Form::Scalar(Literal(edn)) => scalar_entity(edn),
            Form::LegacyTempid(read) => Some(read.reading.clone().map_err(invalid)),
            Form::Coll(CollKind::Vector, items) => Some(match items.as_slice() {
                [Form::Scalar(Literal(Edn::Keyword(k))), value] => Ok(EntityRef::Lookup(
                    keyword_text(k),
                    Box::new(TxValue::Form(value.clone())),
                )),
                [_, _] => Err(invalid(lookup_shape(self))),
                _ => Err(invalid(not_an_entity(self))),
            }),
            Form::Nil | Form::Map(..) | Form::Coll(..) => None,
        }
    }

    /// The value of type `value_type` the form denotes (see `model/convert.rs`).
    pub fn typed(&self, value_type: ValueType) -> std::result::Result<Value, ConvertError> {
        match self {
            Form::Scalar(Literal(edn)) => typed_value(edn, value_type),
            _ => Err(ConvertError::WrongType),
        }
    }

    /// The type an undeclared attribute takes from this value (`None` when the form does not
    /// say: a collection, `nil`).
    pub fn inferred_type(&self) -> Option<ValueType> {
        match self {
            Form::Scalar(Literal(edn)) => inferred_type(edn),
            // A legacy tempid or a nested map names an entity.
            Form::LegacyTempid(..) | Form::Map(..) => Some(ValueType::Ref),
            Form::Nil | Form::Coll(..) => None,
        }
    }

    /// The ident text of a keyword (`db.part/db`), without the colon.
    pub fn keyword(&self) -> Option<String> {
        match self {
            Form::Scalar(Literal(Edn::Keyword(k))) => Some(keyword_text(k)),
            _ => None,
        }
    }

    /// The integer a long denotes.
    pub fn long(&self) -> Option<i64> {
        match self {
            Form::Scalar(Literal(Edn::Long(n))) => Some(*n),
            _ => None,
        }
    }
}

/// The entity a scalar names: an id or a negative tempid (a long), a tempid (a string), an
/// ident (a keyword). Tagged literals other than `#db/id` name no entity (an error naming the
/// tag); other scalars are no entity (`None`).
pub(super) fn scalar_entity(edn: &Edn) -> Option<Result<EntityRef>> {
    Some(Ok(match edn {
        Edn::Long(n) => EntityRef::from_long(*n),
        Edn::String(s) if s == CURRENT_TX_TEMPID => EntityRef::CurrentTx,
        Edn::String(s) => EntityRef::Tempid(Tempid::Named(s.clone())),
        Edn::Keyword(k) => EntityRef::Ident(keyword_text(k)),
        Edn::Tagged(tag, _) => {
            return Some(Err(invalid(format!(
                "unknown tagged literal #{tag} as an entity in {edn}; the only tag naming an \
                 entity is #db/id [partition] or #db/id [partition -n]"
            ))))
        }
        _ => return None,
    }))
}

/// The message for a two-element vector in entity position that is no lookup ref.
pub(super) fn lookup_shape(form: &dyn fmt::Display) -> String {
    format!("a lookup ref must be [:attribute value], got {form}")
}

/// The message for a form in entity position that names no entity.
pub(super) fn not_an_entity(form: &dyn fmt::Display) -> String {
    format!(
        "an entity must be an id, a tempid string, a negative integer, an ident or a lookup ref, \
         got {form}"
    )
}

fn invalid(message: String) -> StoreError {
    StoreError::InvalidTxData(message)
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for Form {
    /// Prints the form as the EDN it was read from.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Form::Nil => f.write_str("nil"),
            Form::Scalar(literal) => literal.fmt(f),
            Form::LegacyTempid(read) => read.form.fmt(f),
            Form::Map(read) => read.form.fmt(f),
            Form::Coll(kind, items) => {
                let (open, close) = match kind {
                    CollKind::Vector => ("[", "]"),
                    CollKind::List => ("(", ")"),
                    CollKind::Set => ("#{", "}"),
                };
                f.write_str(open)?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    item.fmt(f)?;
                }
                f.write_str(close)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsed_values_are_no_larger_than_edn() {
        // Operations are moved in bulk (batches, resolution): reading EDN once must not make
        // them bigger than holding the EDN did.
        assert!(std::mem::size_of::<Form>() <= std::mem::size_of::<Edn>());
        assert!(std::mem::size_of::<TxValue>() <= std::mem::size_of::<Edn>() + 8);
    }
}
