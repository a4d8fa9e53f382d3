//! The Rust transaction builder: `tx.add(entity, ":user/name", "Alice")`.

use super::ops::{EntityMap, EntityRef, Tempid, TxOp, TxValue};

/// Builds transaction data in Rust without writing EDN.
///
/// ```
/// use datolite_store::{Tx, Value};
/// let mut tx = Tx::new();
/// let alice = tx.tempid("alice");
/// tx.add(alice.clone(), ":user/name", "Alice");
/// tx.add(alice, ":user/age", 34);
/// assert_eq!(tx.ops().len(), 2);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Tx {
    ops: Vec<TxOp>,
}

impl Tx {
    /// An empty transaction.
    pub fn new() -> Self {
        Tx::default()
    }

    /// A tempid named `name`, scoped to this transaction.
    pub fn tempid(&self, name: &str) -> EntityRef {
        EntityRef::Tempid(Tempid::Named(name.to_string()))
    }

    /// A lookup ref `[attr value]`.
    pub fn lookup(&self, attr: &str, value: impl Into<TxValue>) -> EntityRef {
        EntityRef::Lookup(strip(attr), Box::new(value.into()))
    }

    /// Asserts `attr` = `value` for `entity` (for ref attributes, pass an [`EntityRef`]).
    pub fn add(
        &mut self,
        entity: impl Into<EntityRef>,
        attr: &str,
        value: impl Into<TxValue>,
    ) -> &mut Self {
        self.ops.push(TxOp::Add {
            e: entity.into(),
            attr: strip(attr),
            value: value.into(),
        });
        self
    }

    /// Retracts `attr` = `value` of `entity`.
    pub fn retract(
        &mut self,
        entity: impl Into<EntityRef>,
        attr: &str,
        value: impl Into<TxValue>,
    ) -> &mut Self {
        self.ops.push(TxOp::Retract {
            e: entity.into(),
            attr: strip(attr),
            value: Some(value.into()),
        });
        self
    }

    /// Retracts every value of `attr` of `entity`.
    pub fn retract_all(&mut self, entity: impl Into<EntityRef>, attr: &str) -> &mut Self {
        self.ops.push(TxOp::Retract {
            e: entity.into(),
            attr: strip(attr),
            value: None,
        });
        self
    }

    /// Retracts the entity, references to it and its components.
    pub fn retract_entity(&mut self, entity: impl Into<EntityRef>) -> &mut Self {
        self.ops.push(TxOp::RetractEntity(entity.into()));
        self
    }

    /// Compare-and-swap: asserts `attr` = `new` for `entity` if its value before the
    /// transaction is `old` (`None`: if it has none); otherwise the transaction fails.
    /// `attr` must be cardinality one.
    pub fn cas(
        &mut self,
        entity: impl Into<EntityRef>,
        attr: &str,
        old: Option<TxValue>,
        new: impl Into<TxValue>,
    ) -> &mut Self {
        self.ops.push(TxOp::Cas {
            e: entity.into(),
            attr: strip(attr),
            old,
            new: new.into(),
        });
        self
    }

    /// Adds an entity map (`id` `None` = a new entity).
    pub fn map(&mut self, id: Option<EntityRef>, attrs: Vec<(&str, TxValue)>) -> &mut Self {
        let attrs = attrs.into_iter().map(|(a, v)| (strip(a), v)).collect();
        self.ops.push(TxOp::Map(EntityMap { id, attrs }));
        self
    }

    /// The operations so far.
    pub fn ops(&self) -> &[TxOp] {
        &self.ops
    }

    /// Consumes the builder.
    pub fn into_ops(self) -> Vec<TxOp> {
        self.ops
    }
}

fn strip(attr: &str) -> String {
    attr.strip_prefix(':').unwrap_or(attr).to_string()
}
