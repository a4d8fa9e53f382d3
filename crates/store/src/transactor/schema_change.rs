//! Schema changes, checked against the data the transaction leaves behind.
//!
//! Datomic's rules (its "Changing Schema" documentation): an attribute's type never changes;
//! its ident may be renamed; cardinality, uniqueness, `:db/isComponent`, `:db/noHistory` and
//! `:db/doc` may change, and a change that would make existing data violate the new definition
//! aborts the transaction. So, comparing the schema before the transaction with the one after:
//!
//! | change | rule |
//! |---|---|
//! | `:db/valueType`, `:db/tupleType`, `:db/tupleTypes`, `:db/tupleAttrs` | refused |
//! | adding `:db/unique` | refused while two entities share a value (AVET: one run per value) |
//! | cardinality many → one | refused while an entity holds several values (AEVT: one run per entity) |
//! | removing the attribute (`:db/ident`, `:db/valueType` or the entity retracted) | refused while datoms use it (AEVT prefix count) |
//! | `:db/isComponent` true | refused on a non-ref attribute |
//! | anything else (rename, doc, removing uniqueness, one → many, noHistory) | allowed |
//!
//! The checks read only the changed attribute's own index runs, and only when a transaction
//! wrote schema datoms, so ordinary transactions pay nothing.

use datolite_kv::{Direction, KeyRange, ReadOps, Table, Visit};

use super::context::TxContext;
use crate::encoding::{decode_key, Index, Prefix};
use crate::schema::{Attribute, Cardinality, Schema};
use crate::values::materialize;
use crate::{Result, StoreError};

impl TxContext<'_> {
    /// Checks every difference between `before` and the current schema (see the module
    /// comment). Runs after all of the transaction's datoms are written.
    pub(super) fn check_schema_changes(&self, before: &Schema) -> Result<()> {
        for old in before.attributes() {
            let Some(new) = self.schema.attribute(old.id) else {
                let count = self.count_datoms(old.id)?;
                if count > 0 {
                    let datoms = if count == 1 {
                        "1 datom still uses".to_string()
                    } else {
                        format!("{count} datoms still use")
                    };
                    return Err(StoreError::Schema(format!(
                        "cannot remove attribute :{}: {datoms} it; retract them first",
                        old.ident
                    )));
                }
                continue;
            };
            check_type(old, new)?;
            if old.unique.is_none() && new.unique.is_some() {
                self.check_unique_values(new)?;
            }
            if old.cardinality == Cardinality::Many && new.cardinality == Cardinality::One {
                self.check_single_values(new)?;
            }
            if new.is_component && !old.is_component {
                check_component(new)?;
            }
        }
        for new in self.schema.attributes() {
            if new.is_component && before.attribute(new.id).is_none() {
                check_component(new)?;
            }
        }
        Ok(())
    }

    /// The cheap check that needs no data: no attribute of `before` changed its type.
    pub(super) fn check_types(&self, before: &Schema) -> Result<()> {
        for old in before.attributes() {
            if let Some(new) = self.schema.attribute(old.id) {
                check_type(old, new)?;
            }
        }
        Ok(())
    }

    fn reader(&self) -> &dyn ReadOps {
        &*self.txn
    }

    /// Datoms of attribute `a` (its AEVT run).
    fn count_datoms(&self, a: u32) -> Result<u64> {
        let prefix = Prefix::new().attr(a).into_bytes();
        let mut count = 0u64;
        self.reader().scan_keys(
            Table::Aevt,
            &KeyRange::prefix(&prefix),
            Direction::Forward,
            &mut |keys| {
                count += keys.len() as u64;
                Visit::Continue
            },
        )?;
        Ok(count)
    }

    /// Refuses uniqueness while two entities share a value: equal values are adjacent in the
    /// attribute's AVET run (an encoded value is unique to its value, long ones included).
    fn check_unique_values(&self, attr: &Attribute) -> Result<()> {
        let prefix = Prefix::new().attr(attr.id).into_bytes();
        let mut previous: Option<(Vec<u8>, u64)> = None;
        let mut shared: Option<(Vec<u8>, u64, u64)> = None;
        let mut failure = None;
        self.reader().scan(
            Table::Avet,
            &KeyRange::prefix(&prefix),
            Direction::Forward,
            &mut |key, _| {
                let raw = match decode_key(Index::Avet, key) {
                    Ok(raw) => raw,
                    Err(e) => {
                        failure = Some(e);
                        return Visit::Stop;
                    }
                };
                if let Some((v, e)) = &previous {
                    if v.as_slice() == raw.v && *e != raw.e {
                        shared = Some((v.clone(), *e, raw.e));
                        return Visit::Stop;
                    }
                }
                previous = Some((raw.v.to_vec(), raw.e));
                Visit::Continue
            },
        )?;
        if let Some(e) = failure {
            return Err(e.into());
        }
        match shared {
            Some((venc, first, second)) => Err(StoreError::Schema(format!(
                "cannot make :{} unique: entities {first} and {second} both have the value {}; \
                 retract the duplicates first",
                attr.ident,
                materialize(&venc, self.reader())?
            ))),
            None => Ok(()),
        }
    }

    /// Refuses cardinality one while an entity holds several values: an entity's values are
    /// adjacent in the attribute's AEVT run.
    fn check_single_values(&self, attr: &Attribute) -> Result<()> {
        let prefix = Prefix::new().attr(attr.id).into_bytes();
        let mut previous: Option<u64> = None;
        let mut several: Option<(u64, u64)> = None;
        let mut failure = None;
        self.reader().scan(
            Table::Aevt,
            &KeyRange::prefix(&prefix),
            Direction::Forward,
            &mut |key, _| {
                let e = match decode_key(Index::Aevt, key) {
                    Ok(raw) => raw.e,
                    Err(err) => {
                        failure = Some(err);
                        return Visit::Stop;
                    }
                };
                match &mut several {
                    // Count the values of the first entity found with several, then stop.
                    Some((entity, count)) if *entity == e => *count += 1,
                    Some(_) => return Visit::Stop,
                    None if previous == Some(e) => several = Some((e, 2)),
                    None => previous = Some(e),
                }
                Visit::Continue
            },
        )?;
        if let Some(e) = failure {
            return Err(e.into());
        }
        match several {
            Some((entity, count)) => Err(StoreError::Schema(format!(
                "cannot change :{} to cardinality one: entity {entity} has {count} values; \
                 retract all but one first",
                attr.ident
            ))),
            None => Ok(()),
        }
    }
}

fn check_type(old: &Attribute, new: &Attribute) -> Result<()> {
    if new.value_type != old.value_type {
        return Err(StoreError::Schema(format!(
            "cannot change the type of :{} from {} to {}",
            old.ident, old.value_type, new.value_type
        )));
    }
    if new.tuple != old.tuple {
        return Err(StoreError::Schema(format!(
            "cannot change the tuple definition of :{} (:db/tupleType, :db/tupleTypes and \
             :db/tupleAttrs never change); define a new attribute instead",
            old.ident
        )));
    }
    Ok(())
}

fn check_component(attr: &Attribute) -> Result<()> {
    if attr.is_ref() {
        return Ok(());
    }
    Err(StoreError::Schema(format!(
        ":db/isComponent needs a ref attribute, and :{} is a {} attribute",
        attr.ident, attr.value_type
    )))
}
