//! `[:db/cas e a old new]` (also `:db.fn/cas`): compare-and-swap on a cardinality-one attribute.
//!
//! The new value is an ordinary assertion of the transaction; the expectation is checked once
//! every entity is resolved, against the value the entity holds before the transaction's writes
//! (for a tempid naming a new entity: none). `old` nil means "no value". A mismatch fails the
//! whole transaction with [`StoreError::CasFailed`].

use std::sync::Arc;

use super::context::TxContext;
use super::form::Form;
use super::ops::{EntityRef, TxValue};
use super::resolve::Target;
use crate::model::Value;
use crate::schema::{Attribute, Cardinality};
use crate::{Result, StoreError};

/// One compare-and-swap expectation, checked after resolution.
pub(super) struct CasCheck {
    /// The entity, resolved with the rest of the transaction.
    e: EntityRef,
    /// The attribute (cardinality one).
    pub attr: Arc<Attribute>,
    /// The value expected, or `None` for "no value".
    expected: Option<Target>,
}

impl TxContext<'_> {
    /// Checks the shape of a compare-and-swap and interprets its expected value.
    pub(super) fn cas_check(
        &mut self,
        e: &EntityRef,
        attr: &str,
        old: Option<&TxValue>,
    ) -> Result<CasCheck> {
        let attribute = self.known_attribute(attr)?;
        if attribute.cardinality == Cardinality::Many {
            return Err(StoreError::InvalidTxData(format!(
                "[:db/cas …] needs a cardinality-one attribute, and :{attr} is cardinality many"
            )));
        }
        let expected = match old {
            None | Some(TxValue::Form(Form::Nil)) => None,
            Some(TxValue::Map(_) | TxValue::Form(Form::Map(..)) | TxValue::Many(_)) => {
                return Err(StoreError::InvalidTxData(format!(
                    "the old value of [:db/cas … :{attr} …] must be one value, not a map or a collection"
                )))
            }
            Some(old) => {
                let mut nested = Vec::new();
                let mut internal = 0;
                Some(self.single(&attribute, old, &mut nested, &mut internal)?)
            }
        };
        Ok(CasCheck {
            e: e.clone(),
            attr: attribute,
            expected,
        })
    }

    /// Fails unless the entity holds the expected value.
    pub(super) fn check_cas(&mut self, check: &CasCheck) -> Result<()> {
        let e = self.entity(&check.e)?;
        let expected = match &check.expected {
            None => None,
            Some(Target::Literal(v)) => Some(v.clone()),
            Some(Target::Entity(r)) => Some(Value::Ref(self.entity(r)?)),
        };
        let found = self.current_value(e, check.attr.id)?;
        if found == expected {
            return Ok(());
        }
        let show = |v: Option<Value>| v.map_or_else(|| "no value".to_string(), |v| v.to_string());
        Err(StoreError::CasFailed {
            entity: e,
            attribute: check.attr.ident.clone(),
            expected: show(expected),
            found: show(found),
        })
    }
}
