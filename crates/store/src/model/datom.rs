//! Datoms: `[entity attribute value tx added?]`.

use std::fmt;

use super::{Value, ValueRef};

/// An owned datom. `a` is the attribute's entity id (also its dense key id).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Datom {
    /// The entity.
    pub e: u64,
    /// The attribute's entity id.
    pub a: u64,
    /// The value.
    pub v: Value,
    /// The transaction entity that asserted (or retracted) the fact.
    pub tx: u64,
    /// `true` for an assertion, `false` for a retraction.
    pub added: bool,
}

/// A datom decoded straight from an index key; its value may borrow the key's bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatomRef<'a> {
    /// The entity.
    pub e: u64,
    /// The attribute's entity id.
    pub a: u64,
    /// The value.
    pub v: ValueRef<'a>,
    /// The transaction entity.
    pub tx: u64,
    /// `true` for an assertion (always, in the current-state indexes).
    pub added: bool,
}

impl DatomRef<'_> {
    /// An owned copy.
    pub fn to_owned(&self) -> Datom {
        Datom {
            e: self.e,
            a: self.a,
            v: self.v.to_owned(),
            tx: self.tx,
            added: self.added,
        }
    }
}

impl fmt::Display for Datom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{} {} {} {} {}]",
            self.e, self.a, self.v, self.tx, self.added
        )
    }
}
