//! The executor's cell: ids and numbers unboxed, strings and other values still encoded.
//!
//! Rows are copied on every join step, so a cell must be cheap to clone: entity ids, longs,
//! doubles, instants and booleans are stored inline (their fixed-width encodings decode to
//! them for free); strings, keywords, UUIDs and byte arrays keep the index's encoding, shared by
//! reference count, and become user values only when the find step (or a function) needs them
//! — late materialization. Encodings order and compare like their values (`docs/design.md`, §3.2), so joins
//! and comparisons between cells of one type never decode. Values the index keeps only as a
//! prefix and hash (longer than the inline threshold) and values computed by functions are held
//! decoded instead ([`Val::Obj`]).
//!
//! Equality is [`compare`] equality (`Long 1 = Double 1.0 = Ref 1`), as in the naive evaluator;
//! [`Val::hash_key`] gives equal cells equal keys for hash joins.

use std::cmp::Ordering;
use std::rc::Rc;

use datolite_store::encoding::{decode_f64, decode_i64, decode_value, encoded, tags, Decoded};
use datolite_store::Value;

use crate::ast::Constant;
use crate::functions::{constant, FnVal};
use crate::numeric::{Num, NumKey};
use crate::value_order::compare;

/// Whether an encoded cell holds a number (the numbers that are not unboxed: floats, big
/// integers, big decimals).
fn is_number_tag(bytes: &[u8]) -> bool {
    matches!(
        bytes.first(),
        Some(&(tags::FLOAT | tags::BIGINT | tags::BIGDEC))
    )
}

/// One cell of a relation. `==` and `Hash` are exact identity (as `Value`'s: `Long 1 != Double
/// 1.0`), which is what sets of rows need; unification uses [`Val::same`].
#[derive(Clone, Debug)]
pub(crate) enum Val {
    /// An entity id (`Value::Ref`).
    Ref(u64),
    /// A long.
    Long(i64),
    /// A double.
    Double(f64),
    /// An instant (ms since the epoch).
    Instant(i64),
    /// A boolean.
    Bool(bool),
    /// A string, keyword, UUID or byte array in its inline index encoding (tag included).
    /// Boxed behind a thin pointer so a cell stays two words.
    Enc(Rc<Box<[u8]>>),
    /// A value the index keeps out of line (longer than the inline threshold), fetched and
    /// decoded once, shared.
    Obj(Rc<Value>),
}

/// A hashable key under which [`compare`]-equal cells collide.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum HashKey {
    /// Numbers of every type (see [`NumKey`]).
    Num(NumKey),
    /// An instant.
    Instant(i64),
    /// A boolean.
    Bool(bool),
    /// Anything else, by its inline encoding.
    Bytes(Rc<Box<[u8]>>),
}

impl PartialEq for Val {
    fn eq(&self, other: &Val) -> bool {
        match (self, other) {
            (Val::Ref(a), Val::Ref(b)) => a == b,
            (Val::Long(a), Val::Long(b)) | (Val::Instant(a), Val::Instant(b)) => a == b,
            (Val::Double(a), Val::Double(b)) => a.to_bits() == b.to_bits(),
            (Val::Bool(a), Val::Bool(b)) => a == b,
            (Val::Enc(a), Val::Enc(b)) => a == b,
            (Val::Obj(a), Val::Obj(b)) => a == b,
            (Val::Enc(_), Val::Obj(b)) | (Val::Obj(b), Val::Enc(_)) => {
                let enc = if let Val::Enc(_) = self { self } else { other };
                enc.to_value() == **b
            }
            _ => false,
        }
    }
}

impl Eq for Val {}

impl std::hash::Hash for Val {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        // A kind tag, then the payload; Enc and Obj share their tag since they may be equal.
        match self {
            Val::Ref(x) => (0u8, x).hash(state),
            Val::Long(n) => (1u8, n).hash(state),
            Val::Instant(n) => (2u8, n).hash(state),
            Val::Double(d) => (3u8, d.to_bits()).hash(state),
            Val::Bool(b) => (4u8, b).hash(state),
            // An encoded value and the same value decoded hash alike.
            Val::Enc(bytes) => (5u8, &***bytes).hash(state),
            Val::Obj(v) => {
                let bytes = inline_encoding(v);
                (5u8, &**bytes).hash(state)
            }
        }
    }
}

impl From<Value> for Val {
    fn from(v: Value) -> Self {
        match v {
            Value::Ref(x) => Val::Ref(x),
            Value::Long(n) => Val::Long(n),
            Value::Double(d) => Val::Double(d),
            Value::Instant(ms) => Val::Instant(ms),
            Value::Boolean(b) => Val::Bool(b),
            other => Val::Enc(inline_encoding(&other)),
        }
    }
}

/// The inline encoding of a value, whatever its length (the form [`Val::Enc`] holds).
fn inline_encoding(v: &Value) -> Rc<Box<[u8]>> {
    Rc::new(encoded(&v.as_ref(), usize::MAX).0.into_boxed_slice())
}

impl Val {
    /// The bytes an [`Val::Enc`] cell holds for an encoded value read from an index that is
    /// not fixed-width ([`Val::from_fixed`] takes those); `None` when the value is kept out of
    /// line (the caller fetches it), or the bytes do not decode — checked by the full decoder,
    /// so that a stored `Enc` always decodes.
    pub(crate) fn inline_cell(bytes: &[u8]) -> Option<Rc<Box<[u8]>>> {
        match decode_value(bytes).ok()? {
            Decoded::Value(_) => Some(Rc::new(Box::from(bytes))),
            Decoded::Spilled => None,
        }
    }

    /// The cell of a scalar literal of the query; `None` for `nil`, a vector or a regex.
    pub(crate) fn of_constant(c: &Constant) -> Option<Val> {
        match constant(c) {
            FnVal::One(v) => Some(Val::from(v)),
            _ => None,
        }
    }

    /// The cell of a fixed-width encoding (ids, longs, doubles, instants, booleans), which
    /// decodes straight from the tag (this runs once per candidate datom, so building and
    /// dropping a `ValueRef` there is measurable); `None` for every other encoding.
    #[inline]
    pub(crate) fn from_fixed(bytes: &[u8]) -> Option<Val> {
        let (&tag, payload) = bytes.split_first()?;
        let word = || -> Option<[u8; 8]> { payload.try_into().ok() };
        Some(match tag {
            tags::REF => Val::Ref(u64::from_be_bytes(word()?)),
            tags::LONG => Val::Long(decode_i64(word()?)),
            tags::DOUBLE => Val::Double(decode_f64(word()?)),
            tags::INSTANT => Val::Instant(decode_i64(word()?)),
            tags::BOOLEAN if payload.len() == 1 => Val::Bool(payload[0] != 0),
            _ => return None,
        })
    }

    /// The value, for functions and output.
    pub(crate) fn to_value(&self) -> Value {
        match self {
            Val::Ref(x) => Value::Ref(*x),
            Val::Long(n) => Value::Long(*n),
            Val::Double(d) => Value::Double(*d),
            Val::Instant(ms) => Value::Instant(*ms),
            Val::Bool(b) => Value::Boolean(*b),
            Val::Enc(bytes) => match decode_value(bytes) {
                Ok(Decoded::Value(v)) => v.to_owned(),
                // Only inline encodings that decoded are ever stored (`inline_cell`).
                _ => unreachable!("an Enc cell holds a checked inline encoding"),
            },
            Val::Obj(v) => (**v).clone(),
        }
    }

    /// [`compare`] on cells, without building values for the common same-kind cases.
    pub(crate) fn compare(&self, other: &Val) -> Ordering {
        match (self, other) {
            (Val::Ref(a), Val::Ref(b)) => a.cmp(b),
            (Val::Long(a), Val::Long(b)) | (Val::Instant(a), Val::Instant(b)) => a.cmp(b),
            (Val::Bool(a), Val::Bool(b)) => a.cmp(b),
            // One type (same tag): the encoding's byte order is the value order — except for
            // floats, whose encoding tells -0.0 from 0.0 and NaNs apart, which `compare` does not.
            (Val::Enc(a), Val::Enc(b))
                if a.first() == b.first() && a.first() != Some(&tags::FLOAT) =>
            {
                a.cmp(b)
            }
            (Val::Obj(a), Val::Obj(b)) => compare(a, b),
            _ => compare(&self.to_value(), &other.to_value()),
        }
    }

    /// Whether the cells are equal by [`compare`] (the unification test).
    pub(crate) fn same(&self, other: &Val) -> bool {
        match (self, other) {
            (Val::Ref(a), Val::Ref(b)) => a == b,
            (Val::Long(a), Val::Long(b)) => a == b,
            // Equal bytes are equal values; different bytes of one type differ, except floats
            // (the zeros, the NaNs). Numbers of different types may still be equal.
            (Val::Enc(a), Val::Enc(b)) if a.first() == b.first() && !is_number_tag(a) => a == b,
            _ => self.compare(other) == Ordering::Equal,
        }
    }

    /// The hash-join key of the cell.
    pub(crate) fn hash_key(&self) -> HashKey {
        match self {
            Val::Ref(x) => HashKey::Num(NumKey::Int(i128::from(*x))),
            Val::Long(n) => HashKey::Num(NumKey::Int(i128::from(*n))),
            Val::Double(d) => HashKey::Num(Num::Float(*d).key()),
            Val::Instant(ms) => HashKey::Instant(*ms),
            Val::Bool(b) => HashKey::Bool(*b),
            // Big numbers and floats meet the other numbers by value.
            Val::Enc(bytes) if is_number_tag(bytes) => match Num::of(&self.to_value()) {
                Some(n) => HashKey::Num(n.key()),
                None => HashKey::Bytes(bytes.clone()),
            },
            Val::Enc(bytes) => HashKey::Bytes(bytes.clone()),
            Val::Obj(v) => match Num::of(v) {
                Some(n) => HashKey::Num(n.key()),
                None => HashKey::Bytes(inline_encoding(v)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    /// Rows copy cells on every join step: keep a cell at two words.
    #[test]
    fn a_cell_is_two_words() {
        assert_eq!(std::mem::size_of::<super::Val>(), 16);
    }
}
