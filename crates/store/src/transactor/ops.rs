//! Transaction operations: what the EDN reader and the Rust builder both produce.

use super::form::Form;
use crate::model::{Value, PART_DB, PART_TX};

/// A temporary id, scoped to one transaction.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tempid {
    /// A string tempid (`"alice"`).
    Named(String),
    /// A negative integer tempid (`-1`).
    Numbered(i64),
    /// Generated for an entity map without `:db/id` or a nested map.
    Internal(u32),
    /// Datomic's legacy `#db/id [:db.part/user -7]`: the partition (`PART_USER`, `PART_DB`) and
    /// the negative index. The same pair names the same entity throughout the transaction.
    Partition(u64, i64),
    /// Datomic's legacy `#db/id [:db.part/user]`: the partition and a number unique to one
    /// occurrence in the text, so every occurrence names a new entity.
    Fresh(u64, u64),
}

impl Tempid {
    /// How the tempid appears in a [`crate::TxReport`] (`"alice"`, `"-1"`); internal tempids
    /// are not reported.
    pub fn report_key(&self) -> Option<String> {
        match self {
            Tempid::Named(s) => Some(s.clone()),
            Tempid::Numbered(n) => Some(n.to_string()),
            Tempid::Partition(..) => Some(self.to_string()),
            // Each occurrence of `#db/id [:db.part/user]` is its own entity: there is no key the
            // caller could look up, and the datoms name the entity.
            Tempid::Internal(_) | Tempid::Fresh(..) => None,
        }
    }

    /// The partition the tempid asks for, if it names one (`#db/id [:db.part/db]`).
    pub fn partition(&self) -> Option<u64> {
        match self {
            Tempid::Partition(partition, _) | Tempid::Fresh(partition, _) => Some(*partition),
            _ => None,
        }
    }
}

impl std::fmt::Display for Tempid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tempid::Named(s) => write!(f, "{s:?}"),
            Tempid::Numbered(n) => write!(f, "{n}"),
            Tempid::Internal(n) => write!(f, "#internal-{n}"),
            Tempid::Partition(partition, n) => {
                write!(f, "#db/id[:{} {n}]", partition_ident(*partition))
            }
            Tempid::Fresh(partition, _) => write!(f, "#db/id[:{}]", partition_ident(*partition)),
        }
    }
}

/// The ident of a partition number (`db.part/user`), for printing legacy tempids.
fn partition_ident(partition: u64) -> &'static str {
    match partition {
        PART_DB => "db.part/db",
        PART_TX => "db.part/tx",
        _ => "db.part/user",
    }
}

/// How an operation names an entity.
#[derive(Clone, Debug, PartialEq)]
pub enum EntityRef {
    /// An existing entity id.
    Id(u64),
    /// A tempid: resolved by upsert or allocated fresh.
    Tempid(Tempid),
    /// A lookup ref `[:attr value]` on a unique attribute.
    Lookup(String, Box<TxValue>),
    /// An ident (`:user/name` names the attribute entity).
    Ident(String),
    /// The transaction being committed (`"datomic.tx"`).
    CurrentTx,
}

/// A value in an operation, before it is checked against the attribute's type.
#[derive(Clone, Debug, PartialEq)]
pub enum TxValue {
    /// A value read from EDN by the parser; what is left of its meaning is settled by the
    /// attribute's type (a string is a tempid for a ref attribute, a vector a lookup ref, a
    /// tuple or several values, …: see `form.rs`).
    Form(Form),
    /// A typed value from the Rust API.
    Value(Value),
    /// An entity, for ref attributes.
    Entity(EntityRef),
    /// A nested entity map, for ref attributes.
    Map(EntityMap),
    /// Several values, for cardinality-many attributes.
    Many(Vec<TxValue>),
}

/// An entity map `{:db/id … :attr value …}`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct EntityMap {
    /// `:db/id`, absent for a new entity.
    pub id: Option<EntityRef>,
    /// Attribute idents (without the colon) and values.
    pub attrs: Vec<(String, TxValue)>,
}

/// One operation of transaction data.
#[derive(Clone, Debug, PartialEq)]
pub enum TxOp {
    /// `[:db/add e a v]`.
    Add {
        /// Entity.
        e: EntityRef,
        /// Attribute ident without the colon.
        attr: String,
        /// Value.
        value: TxValue,
    },
    /// `[:db/retract e a v]`, or `[:db/retract e a]` for every value.
    Retract {
        /// Entity.
        e: EntityRef,
        /// Attribute ident without the colon.
        attr: String,
        /// The value, or every value when absent.
        value: Option<TxValue>,
    },
    /// `[:db/retractEntity e]`: every datom of the entity, every reference to it, and its
    /// components, recursively.
    RetractEntity(EntityRef),
    /// `[:db/cas e a old new]`: asserts `new` if the cardinality-one attribute `a` of `e` holds
    /// `old` before the transaction (`None`: holds no value); otherwise the transaction fails.
    Cas {
        /// Entity.
        e: EntityRef,
        /// Attribute ident without the colon.
        attr: String,
        /// The value expected, or `None` for "no value".
        old: Option<TxValue>,
        /// The value to assert.
        new: TxValue,
    },
    /// An entity map.
    Map(EntityMap),
}

impl TxOp {
    /// The entity the operation is about.
    pub fn entity(&self) -> Option<&EntityRef> {
        match self {
            TxOp::Add { e, .. }
            | TxOp::Retract { e, .. }
            | TxOp::RetractEntity(e)
            | TxOp::Cas { e, .. } => Some(e),
            TxOp::Map(map) => map.id.as_ref(),
        }
    }
}

impl From<u64> for EntityRef {
    fn from(id: u64) -> Self {
        EntityRef::Id(id)
    }
}

impl EntityRef {
    /// The entity a number names: an existing id, or a tempid when negative (`-1`).
    pub fn from_long(n: i64) -> EntityRef {
        match u64::try_from(n) {
            Ok(id) => EntityRef::Id(id),
            Err(_) => EntityRef::Tempid(Tempid::Numbered(n)),
        }
    }
}

impl From<&str> for EntityRef {
    /// A string names a tempid.
    fn from(tempid: &str) -> Self {
        EntityRef::Tempid(Tempid::Named(tempid.to_string()))
    }
}

impl From<String> for EntityRef {
    fn from(tempid: String) -> Self {
        EntityRef::Tempid(Tempid::Named(tempid))
    }
}

impl<T: Into<Value>> From<T> for TxValue {
    fn from(value: T) -> Self {
        TxValue::Value(value.into())
    }
}

impl From<EntityRef> for TxValue {
    fn from(entity: EntityRef) -> Self {
        TxValue::Entity(entity)
    }
}
