//! Composite tuples (`:db/tupleAttrs`): after a transaction's datoms are written, every
//! composite whose sources it changed is recomputed from the entity's current values — a
//! missing source is `nil`, and when every source is gone the composite is retracted — exactly
//! as Datomic and DataScript maintain them. Uniqueness of composites is checked by the ordinary
//! assertion path.

use std::sync::Arc;

use datolite_kv::{Direction, KeyRange, ReadOps, Table};

use super::context::TxContext;
use crate::encoding::{decode_key, Index, Prefix};
use crate::model::Value;
use crate::schema::{Attribute, TupleType};
use crate::values::materialize;
use crate::{Result, StoreError};

impl TxContext<'_> {
    /// Recomputes the composites this transaction's writes touched (the writes are flushed).
    pub(crate) fn update_composites(&mut self) -> Result<()> {
        if self.composites_touched.is_empty() {
            return Ok(());
        }
        let mut touched: Vec<(u64, u32)> = std::mem::take(&mut self.composites_touched)
            .into_iter()
            .collect();
        touched.sort_unstable();
        for (e, composite) in touched {
            let attr = self.schema.attribute(composite).cloned().ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "composite attribute {composite} is not in the schema"
                ))
            })?;
            let Some(TupleType::Composite(sources)) = &attr.tuple else {
                continue;
            };
            let mut elements = Vec::with_capacity(sources.len());
            for &source in sources {
                elements.push(self.current_value(e, source)?);
            }
            if elements.iter().all(Option::is_none) {
                self.retract_all(e, &attr)?;
            } else {
                self.assert_datom(e, &attr, &Value::Tuple(elements))?;
            }
        }
        self.flush()?;
        // Composites are not sources of composites (the schema forbids it), so nothing new is
        // touched by these writes.
        self.composites_touched.clear();
        Ok(())
    }

    /// The value of cardinality-one attribute `a` of `e` in the write transaction.
    pub(super) fn current_value(&self, e: u64, a: u32) -> Result<Option<Value>> {
        let prefix = Prefix::new().id(e).attr(a).into_bytes();
        let txn: &dyn ReadOps = &*self.txn;
        match txn.first(Table::Eavt, &KeyRange::prefix(&prefix), Direction::Forward)? {
            Some((key, _)) => {
                let raw = decode_key(Index::Eavt, &key)?;
                Ok(Some(materialize(raw.v, txn)?.to_owned()))
            }
            None => Ok(None),
        }
    }
}

/// Whether `attr` is a composite tuple (never asserted or retracted by users).
pub(crate) fn is_composite(attr: &Arc<Attribute>) -> bool {
    matches!(attr.tuple, Some(TupleType::Composite(_)))
}
