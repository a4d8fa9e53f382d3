//! The executor's cell: ids and numbers unboxed, everything else decoded once and shared.
//!
//! Rows are copied on every join step, so a cell must be cheap to clone: entity ids, longs,
//! doubles, instants and booleans are stored inline; strings, keywords, UUIDs and byte arrays
//! are decoded from the index only when a variable binds them, then shared by reference count.
//! Equality is [`compare`] equality (`Long 1 = Double 1.0 = Ref 1`), as in the naive evaluator;
//! [`Val::hash_key`] gives equal cells equal keys for hash joins.

use std::cmp::Ordering;
use std::rc::Rc;

use datolite_store::{Value, ValueRef};

use crate::functions::compare;

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
    /// Any other value, shared.
    Obj(Rc<Value>),
}

/// A hashable key under which [`compare`]-equal cells collide.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum HashKey {
    /// Integral numbers (longs, ids, integral doubles).
    Int(i128),
    /// Other doubles, by bits (NaN canonical).
    Float(u64),
    /// An instant.
    Instant(i64),
    /// A boolean.
    Bool(bool),
    /// Anything else, by value.
    Obj(Rc<Value>),
}

impl PartialEq for Val {
    fn eq(&self, other: &Val) -> bool {
        match (self, other) {
            (Val::Ref(a), Val::Ref(b)) => a == b,
            (Val::Long(a), Val::Long(b)) | (Val::Instant(a), Val::Instant(b)) => a == b,
            (Val::Double(a), Val::Double(b)) => a.to_bits() == b.to_bits(),
            (Val::Bool(a), Val::Bool(b)) => a == b,
            (Val::Obj(a), Val::Obj(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Val {}

impl std::hash::Hash for Val {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        match self {
            Val::Ref(x) => x.hash(state),
            Val::Long(n) | Val::Instant(n) => n.hash(state),
            Val::Double(d) => d.to_bits().hash(state),
            Val::Bool(b) => b.hash(state),
            Val::Obj(v) => v.hash(state),
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
            other => Val::Obj(Rc::new(other)),
        }
    }
}

impl Val {
    /// The cell of a value read from the index (only strings and other boxed values copy).
    #[inline]
    pub(crate) fn from_ref(v: ValueRef<'_>) -> Val {
        match v {
            ValueRef::Ref(x) => Val::Ref(x),
            ValueRef::Long(n) => Val::Long(n),
            ValueRef::Double(d) => Val::Double(d),
            ValueRef::Instant(ms) => Val::Instant(ms),
            ValueRef::Boolean(b) => Val::Bool(b),
            other => Val::Obj(Rc::new(other.to_owned())),
        }
    }

    /// The value, for functions and output.
    pub(crate) fn to_value(&self) -> Value {
        match self {
            Val::Ref(x) => Value::Ref(*x),
            Val::Long(n) => Value::Long(*n),
            Val::Double(d) => Value::Double(*d),
            Val::Instant(ms) => Value::Instant(*ms),
            Val::Bool(b) => Value::Boolean(*b),
            Val::Obj(v) => (**v).clone(),
        }
    }

    /// [`compare`] on cells, without building values for the common same-kind cases.
    pub(crate) fn compare(&self, other: &Val) -> Ordering {
        match (self, other) {
            (Val::Ref(a), Val::Ref(b)) => a.cmp(b),
            (Val::Long(a), Val::Long(b)) | (Val::Instant(a), Val::Instant(b)) => a.cmp(b),
            (Val::Bool(a), Val::Bool(b)) => a.cmp(b),
            (Val::Obj(a), Val::Obj(b)) => compare(a, b),
            _ => compare(&self.to_value(), &other.to_value()),
        }
    }

    /// Whether the cells are equal by [`compare`] (the unification test).
    pub(crate) fn same(&self, other: &Val) -> bool {
        match (self, other) {
            (Val::Ref(a), Val::Ref(b)) => a == b,
            (Val::Long(a), Val::Long(b)) => a == b,
            _ => self.compare(other) == Ordering::Equal,
        }
    }

    /// The hash-join key of the cell.
    pub(crate) fn hash_key(&self) -> HashKey {
        match self {
            Val::Ref(x) => HashKey::Int(i128::from(*x)),
            Val::Long(n) => HashKey::Int(i128::from(*n)),
            Val::Double(d) if d.fract() == 0.0 && d.abs() < 1e30 => HashKey::Int(*d as i128),
            Val::Double(d) if d.is_nan() => HashKey::Float(f64::NAN.to_bits()),
            Val::Double(d) => HashKey::Float(d.to_bits()),
            Val::Instant(ms) => HashKey::Instant(*ms),
            Val::Bool(b) => HashKey::Bool(*b),
            Val::Obj(v) => HashKey::Obj(v.clone()),
        }
    }
}
