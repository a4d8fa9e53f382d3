//! Attributes by ident, and attributes installed on first use.
//!
//! Unless the schema is strict, an undeclared attribute is installed with the type of its first
//! value and cardinality one. Installing writes nothing here: the attribute enters the
//! transaction's schema at once (so later operations of the transaction use it) and its three
//! datoms (`:db/ident`, `:db/valueType`, `:db/cardinality`) join the resolved operations, which
//! `apply.rs` writes.

use std::sync::Arc;

use super::context::TxContext;
use super::literal::infer_type;
use super::ops::TxValue;
use super::resolve::{describe, Resolved};
use crate::bootstrap::{attr as sys, cardinality_entity, type_ident_entity};
use crate::model::{Value, ValueType};
use crate::schema::{Attribute, Cardinality};
use crate::{Result, StoreError};

impl TxContext<'_> {
    /// The attribute named `ident`, installing it (typed by `value`) when the schema is not
    /// strict.
    pub(super) fn attribute_for(
        &mut self,
        ident: &str,
        value: Option<&TxValue>,
    ) -> Result<Arc<Attribute>> {
        if let Some(attr) = self.attribute(ident) {
            return Ok(attr);
        }
        if self.options.strict_schema {
            return Err(StoreError::UnknownAttribute(ident.to_string()));
        }
        if ident.starts_with("db.install/") || ident.starts_with("db.alter/") {
            return Err(StoreError::InvalidTxData(format!(
                ":{ident} is not supported; attributes are installed and altered by asserting \
                 :db/valueType, :db/cardinality, … on the attribute entity (the legacy marker \
                 :db.install/_attribute :db.part/db is accepted in an attribute definition map)"
            )));
        }
        if ident.is_empty() || is_reserved(ident) {
            return Err(StoreError::UnknownAttribute(ident.to_string()));
        }
        if let Some(forward) = reverse_of(ident) {
            return Err(StoreError::InvalidTxData(format!(
                "reverse attribute :{ident} can only be used as a key of an entity map; \
                 to assert it in a list form, write [:db/add value :{forward} entity]"
            )));
        }
        let value_type = value.and_then(infer_type).ok_or_else(|| {
            StoreError::Schema(format!(
                "cannot infer the type of undeclared attribute :{ident} from {}; declare it with :db/valueType",
                value.map_or("nothing".to_string(), describe)
            ))
        })?;
        self.install_attribute(ident, value_type)
    }

    pub(super) fn known_attribute(&mut self, ident: &str) -> Result<Arc<Attribute>> {
        self.attribute(ident)
            .ok_or_else(|| StoreError::UnknownAttribute(ident.to_string()))
    }

    /// Installs an undeclared attribute: cardinality one, the given type.
    fn install_attribute(&mut self, ident: &str, value_type: ValueType) -> Result<Arc<Attribute>> {
        let id = self.next_db;
        self.next_db += 1;
        let id32 =
            u32::try_from(id).map_err(|_| StoreError::Schema("too many attributes".into()))?;
        let attribute = Attribute {
            id: id32,
            ident: ident.to_string(),
            value_type,
            cardinality: Cardinality::One,
            unique: None,
            is_component: false,
            no_history: false,
            doc: None,
            tuple: None,
        };
        self.new_entities.insert(id);
        let ident_attr = self.system(sys::IDENT)?;
        let type_attr = self.system(sys::VALUE_TYPE)?;
        let card_attr = self.system(sys::CARDINALITY)?;
        // The datoms are written by `apply.rs` ahead of the operations; the schema knows the
        // attribute at once, so later operations of the transaction can use it.
        self.installs.extend([
            Resolved::Install(id, ident_attr, Value::Keyword(ident.to_string())),
            Resolved::Install(id, type_attr, Value::Ref(type_ident_entity(value_type))),
            Resolved::Install(
                id,
                card_attr,
                Value::Ref(cardinality_entity(Cardinality::One)),
            ),
        ]);
        Arc::make_mut(&mut self.schema).install(attribute);
        self.known_attribute(ident)
    }

    fn system(&self, id: u32) -> Result<Arc<Attribute>> {
        self.schema
            .attribute(id)
            .cloned()
            .ok_or_else(|| StoreError::Corrupt(format!("system attribute {id} is missing")))
    }
}

/// The forward attribute of a reverse attribute name (`person/_friends` → `person/friends`).
pub(super) fn reverse_of(attr: &str) -> Option<String> {
    match attr.rsplit_once('/') {
        Some((namespace, name)) => name
            .strip_prefix('_')
            .map(|name| format!("{namespace}/{name}")),
        None => attr.strip_prefix('_').map(str::to_string),
    }
}

/// Whether an ident lies in a namespace the database reserves (`:db/…`, `:db.type/…`, …), so an
/// unknown one is a mistake, never a new attribute to install.
fn is_reserved(ident: &str) -> bool {
    let namespace = ident.split_once('/').map_or(ident, |(ns, _)| ns);
    namespace == "db"
        || namespace.starts_with("db.")
        || (!ident.contains('/') && ident.starts_with("db"))
}
