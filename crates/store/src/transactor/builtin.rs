//! The built-in entities are read-only.
//!
//! Every id below [`FIRST_USER_SCHEMA_ID`] belongs to the system: the system attributes, the
//! type, cardinality and uniqueness idents and the partitions (`bootstrap.rs`). Transaction 1
//! writes them; after that, asserting or retracting anything about them, or retracting them,
//! would break every later transaction (retracting `:db/ident`'s ident loses the schema), so it
//! is refused. References *to* them (`:db/valueType :db.type/long`) are ordinary datoms of the
//! referring entity and stay allowed. Ids in that range that name nothing do not exist.

use super::context::TxContext;
use crate::bootstrap::{FIRST_TYPE_IDENT, FIRST_USER_SCHEMA_ID, SYSTEM_ATTRIBUTES, SYSTEM_IDENTS};
use crate::model::ValueType;
use crate::schema::Attribute;
use crate::{Result, StoreError};

/// Whether `id` is one of the entities the bootstrap creates.
pub(crate) fn is_built_in(id: u64) -> bool {
    SYSTEM_ATTRIBUTES.iter().any(|a| u64::from(a.id) == id)
        || (FIRST_TYPE_IDENT..FIRST_TYPE_IDENT + ValueType::ALL.len() as u64).contains(&id)
        || SYSTEM_IDENTS.iter().any(|(e, _)| *e == id)
}

impl TxContext<'_> {
    /// Refuses a write whose entity is built in (unless this is the bootstrap transaction).
    pub(super) fn check_writable(&self, e: u64) -> Result<()> {
        if e >= FIRST_USER_SCHEMA_ID || self.writes_built_ins {
            return Ok(());
        }
        Err(self.read_only(e))
    }

    /// A component value is owned by its entity and retracted with it; a built-in entity
    /// cannot be owned.
    pub(super) fn check_component(&self, attr: &Attribute, target: u64) -> Result<()> {
        if target >= FIRST_USER_SCHEMA_ID || self.writes_built_ins {
            return Ok(());
        }
        Err(StoreError::InvalidTxData(format!(
            ":{} is a component attribute, so its value would be retracted with its entity; {}",
            attr.ident,
            self.read_only(target)
        )))
    }

    /// The error for a write onto built-in entity `e`.
    fn read_only(&self, e: u64) -> StoreError {
        let ident = self
            .schema
            .ident_of(e)
            .map_or_else(|| "built-in".to_string(), |i| format!(":{i}"));
        StoreError::ReadOnly { entity: e, ident }
    }
}
