//! Writing resolved datoms: the four indexes, the log, the values table and the statistics, all
//! in the transaction's single engine write.

use std::collections::HashSet;

use datolite_kv::{Direction, KeyRange, ReadOps, Table, Visit};

use super::context::TxContext;
use crate::encoding::{
    decode_key, encode_key, encode_log_key, encode_value, tags, Index, Prefix, Stored,
};
use crate::model::{Datom, Value, ValueRef};
use crate::schema::{Attribute, Cardinality};
use crate::stats::extreme_value;
use crate::values::materialize;
use crate::{Result, StoreError};

impl TxContext<'_> {
    fn read(&self) -> &dyn ReadOps {
        &*self.txn
    }

    /// Encodes `value`, storing its payload in the `values` table when it is too long to stay in
    /// the key.
    fn encode(&mut self, value: &Value) -> Result<Vec<u8>> {
        let mut venc = Vec::with_capacity(16);
        if encode_value(
            &value.as_ref(),
            self.options.inline_value_threshold,
            &mut venc,
        ) == Stored::Spilled
        {
            let payload: &[u8] = match value {
                Value::String(s) | Value::Keyword(s) => s.as_bytes(),
                Value::Bytes(b) => b,
                _ => &[],
            };
            match self.txn.get(Table::Values, &venc)? {
                Some(existing) if existing == payload => {}
                Some(_) => {
                    return Err(StoreError::Corrupt(
                        "two different long values share a prefix and a 64-bit hash; the value cannot be stored".into(),
                    ))
                }
                None => self.txn.put(Table::Values, &venc, payload)?,
            }
        }
        Ok(venc)
    }

    fn first_key(&self, table: Table, prefix: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self
            .read()
            .first(table, &KeyRange::prefix(prefix), Direction::Forward)?
            .map(|(k, _)| k))
    }

    fn keys_with_prefix(&self, table: Table, prefix: &[u8]) -> Result<Vec<Vec<u8>>> {
        let mut keys = Vec::new();
        self.read().scan(
            table,
            &KeyRange::prefix(prefix),
            Direction::Forward,
            &mut |k, _| {
                keys.push(k.to_vec());
                Visit::Continue
            },
        )?;
        Ok(keys)
    }

    /// Asserts `[e attr value]`: a no-op when present; replaces the old value of a
    /// cardinality-one attribute.
    pub fn assert_datom(&mut self, e: u64, attr: &Attribute, value: &Value) -> Result<()> {
        let a = attr.id;
        let venc = self.encode(value)?;
        let ea = Prefix::new().id(e).attr(a).into_bytes();
        let is_new_entity = self.new_entities.contains(&e);
        let had_ea;
        if attr.cardinality == Cardinality::One {
            let existing = if is_new_entity {
                None
            } else {
                self.first_key(Table::Eavt, &ea)?
            };
            match existing {
                Some(key) => {
                    let old = decode_key(Index::Eavt, &key)?;
                    if old.v == venc.as_slice() {
                        return Ok(());
                    }
                    let (old_v, old_tx) = (old.v.to_vec(), old.tx);
                    self.remove(e, attr, &old_v, old_tx)?;
                    had_ea = false;
                }
                None => had_ea = false,
            }
        } else if is_new_entity {
            had_ea = self.new_entity_attrs.contains(&(e, a));
        } else {
            let eav = Prefix::new().id(e).attr(a).value(&venc).into_bytes();
            if self.first_key(Table::Eavt, &eav)?.is_some() {
                return Ok(());
            }
            had_ea = self.first_key(Table::Eavt, &ea)?.is_some();
        }
        if is_new_entity {
            self.new_entity_attrs.insert((e, a));
        }
        let av = Prefix::new().attr(a).value(&venc).into_bytes();
        let av_holder = if attr.unique.is_some() || self.options.stats {
            self.first_key(Table::Avet, &av)?
        } else {
            None
        };
        if attr.unique.is_some() {
            if let Some(key) = &av_holder {
                let holder = decode_key(Index::Avet, key)?.e;
                if holder != e {
                    return Err(StoreError::UniqueViolation {
                        attribute: attr.ident.clone(),
                        value: value.to_string(),
                        existing: holder,
                        entity: e,
                    });
                }
            }
        }
        self.write_keys(e, attr, &venc, true)?;
        if self.options.stats {
            let row = self.stats.attributes.entry(a).or_default();
            row.count += 1;
            row.distinct_entities += u64::from(!had_ea);
            row.distinct_values += u64::from(av_holder.is_none());
            if row.min.as_deref().is_none_or(|min| venc.as_slice() < min) {
                row.min = Some(venc.clone());
            }
            if row.max.as_deref().is_none_or(|max| venc.as_slice() > max) {
                row.max = Some(venc.clone());
            }
            self.stats.datoms += 1;
            self.changed_attrs.insert(a);
        }
        self.note(e, attr, value.clone(), true);
        Ok(())
    }

    /// Puts (`added`) or deletes the keys of `[e a v tx]` in every index, and logs the change.
    fn write_keys(&mut self, e: u64, attr: &Attribute, venc: &[u8], added: bool) -> Result<()> {
        self.write_keys_at(e, attr, venc, self.tx, added)
    }

    fn write_keys_at(
        &mut self,
        e: u64,
        attr: &Attribute,
        venc: &[u8],
        key_tx: u64,
        added: bool,
    ) -> Result<()> {
        let mut key = std::mem::take(&mut self.key);
        let indexes: &[Index] = if attr.is_ref() {
            &Index::ALL
        } else {
            &Index::ALL[..3]
        };
        for &index in indexes {
            key.clear();
            encode_key(index, e, attr.id, venc, key_tx, &mut key);
            if added {
                self.txn.put(index.table(), &key, &[])?;
            } else {
                self.txn.delete(index.table(), &key)?;
            }
        }
        key.clear();
        encode_log_key(self.tx, added, e, attr.id, venc, &mut key);
        self.txn.put(Table::Log, &key, &[])?;
        self.key = key;
        if crate::schema::Schema::is_schema_attribute(attr.id) {
            self.schema_touched = true;
        }
        Ok(())
    }

    /// Removes the current datom `[e a venc old_tx]` (a retraction by this transaction).
    fn remove(&mut self, e: u64, attr: &Attribute, venc: &[u8], old_tx: u64) -> Result<()> {
        let value = materialize(venc, self.read())?.to_owned();
        self.write_keys_at(e, attr, venc, old_tx, false)?;
        if self.options.stats {
            let a = attr.id;
            let ea = Prefix::new().id(e).attr(a).into_bytes();
            let av = Prefix::new().attr(a).value(venc).into_bytes();
            let entity_left = self.first_key(Table::Eavt, &ea)?.is_some();
            let value_left = self.first_key(Table::Avet, &av)?.is_some();
            let row = self.stats.attributes.entry(a).or_default();
            let was_min = row.min.as_deref() == Some(venc);
            let was_max = row.max.as_deref() == Some(venc);
            row.count = row.count.saturating_sub(1);
            row.distinct_entities -= u64::from(!entity_left && row.distinct_entities > 0);
            row.distinct_values -= u64::from(!value_left && row.distinct_values > 0);
            if !value_left && (was_min || was_max) {
                let min = extreme_value(&*self.txn, a, Direction::Forward)?;
                let max = extreme_value(&*self.txn, a, Direction::Reverse)?;
                let row = self.stats.attributes.entry(a).or_default();
                row.min = min;
                row.max = max;
            }
            if self
                .stats
                .attributes
                .get(&a)
                .is_some_and(|row| row.count == 0)
            {
                self.stats.attributes.remove(&a);
            }
            self.stats.datoms = self.stats.datoms.saturating_sub(1);
            self.changed_attrs.insert(a);
        }
        self.note(e, attr, value, false);
        Ok(())
    }

    fn note(&mut self, e: u64, attr: &Attribute, v: Value, added: bool) {
        self.report.push(Datom {
            e,
            a: u64::from(attr.id),
            v,
            tx: self.tx,
            added,
        });
    }

    /// Retracts `[e attr value]` if present.
    pub fn retract_datom(&mut self, e: u64, attr: &Attribute, value: &Value) -> Result<()> {
        let venc = self.encode(value)?;
        let eav = Prefix::new().id(e).attr(attr.id).value(&venc).into_bytes();
        if let Some(key) = self.first_key(Table::Eavt, &eav)? {
            let old_tx = decode_key(Index::Eavt, &key)?.tx;
            self.remove(e, attr, &venc, old_tx)?;
        }
        Ok(())
    }

    /// Retracts every value of `attr` of `e`.
    pub fn retract_all(&mut self, e: u64, attr: &Attribute) -> Result<()> {
        let ea = Prefix::new().id(e).attr(attr.id).into_bytes();
        for key in self.keys_with_prefix(Table::Eavt, &ea)? {
            let raw = decode_key(Index::Eavt, &key)?;
            let (venc, old_tx) = (raw.v.to_vec(), raw.tx);
            self.remove(e, attr, &venc, old_tx)?;
        }
        Ok(())
    }

    /// Retracts every datom of `e`, every reference to it, and its component entities.
    pub fn retract_entity(&mut self, e: u64, visited: &mut HashSet<u64>) -> Result<()> {
        if !visited.insert(e) {
            return Ok(());
        }
        let mut components = Vec::new();
        for key in self.keys_with_prefix(Table::Eavt, &Prefix::new().id(e).into_bytes())? {
            let raw = decode_key(Index::Eavt, &key)?;
            let attr = self.attribute_by_id(raw.a)?;
            if attr.is_component {
                if let ValueRef::Ref(child) = materialize(raw.v, self.read())? {
                    components.push(child);
                }
            }
            let (venc, old_tx) = (raw.v.to_vec(), raw.tx);
            self.remove(e, &attr, &venc, old_tx)?;
        }
        let mut target = vec![tags::REF];
        target.extend_from_slice(&e.to_be_bytes());
        for key in self.keys_with_prefix(Table::Vaet, &target)? {
            let raw = decode_key(Index::Vaet, &key)?;
            let attr = self.attribute_by_id(raw.a)?;
            let (source, venc, old_tx) = (raw.e, raw.v.to_vec(), raw.tx);
            self.remove(source, &attr, &venc, old_tx)?;
        }
        for child in components {
            self.retract_entity(child, visited)?;
        }
        Ok(())
    }

    fn attribute_by_id(&self, id: u32) -> Result<std::sync::Arc<Attribute>> {
        self.schema.attribute(id).cloned().ok_or_else(|| {
            StoreError::Corrupt(format!(
                "datom with attribute {id} that is not in the schema"
            ))
        })
    }
}
