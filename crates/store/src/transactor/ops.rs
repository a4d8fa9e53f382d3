//! Transaction operations: what the EDN reader and the Rust builder both produce.

use crate::edn::Edn;
use crate::model::Value;

/// A temporary id, scoped to one transaction.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tempid {
    /// A string tempid (`"alice"`).
    Named(String),
    /// A negative integer tempid (`-1`).
    Numbered(i64),
    /// Generated for an entity map without `:db/id` or a nested map.
    Internal(u32),
}

impl Tempid {
    /// How the tempid appears in a [`crate::TxReport`] (`"alice"`, `"-1"`); internal tempids
    /// are not reported.
    pub fn report_key(&self) -> Option<String> {
        match self {
            Tempid::Named(s) => Some(s.clone()),
            Tempid::Numbered(n) => Some(n.to_string()),
            Tempid::Internal(_) => None,
        }
    }
}

impl std::fmt::Display for Tempid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tempid::Named(s) => write!(f, "{s:?}"),
            Tempid::Numbered(n) => write!(f, "{n}"),
            Tempid::Internal(n) => write!(f, "#internal-{n}"),
        }
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
    /// Raw EDN, interpreted by the attribute's type (a string is a tempid for a ref attribute, a
    /// vector is a lookup ref or several values, …).
    Edn(Edn),
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
    /// An entity map.
    Map(EntityMap),
}

impl TxOp {
    /// The entity the operation is about.
    pub fn entity(&self) -> Option<&EntityRef> {
        match self {
            TxOp::Add { e, .. } | TxOp::Retract { e, .. } | TxOp::RetractEntity(e) => Some(e),
            TxOp::Map(map) => map.id.as_ref(),
        }
    }
}

impl From<u64> for EntityRef {
    fn from(id: u64) -> Self {
        EntityRef::Id(id)
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
