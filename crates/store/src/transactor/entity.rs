//! Entities: fresh ids for tempids, and the id every entity reference names (existing ids,
//! tempids, idents, lookup refs, the transaction itself).

use std::collections::hash_map::Entry;

use rustc_hash::FxHashMap as HashMap;

use datolite_kv::{Direction, KeyRange, ReadOps, Table};

use super::composite::is_composite;
use super::context::TxContext;
use super::literal::lookup_tuple;
use super::ops::{EntityRef, Tempid};
use super::resolve::{target_tempid, tempid_of, Pending, Target};
use crate::encoding::{decode_key, encoded, Index, Prefix};
use crate::model::{entity_in, partition_of, tx_t, Value, PART_DB, PART_TX, PART_USER};
use crate::{Result, StoreError};

impl TxContext<'_> {
    /// The entity holding `(a, venc)` in AVET.
    pub(super) fn holder(&self, a: u32, venc: &[u8]) -> Result<Option<u64>> {
        let prefix = Prefix::new().attr(a).value(venc).into_bytes();
        let txn: &dyn ReadOps = &*self.txn;
        match txn.first(Table::Avet, &KeyRange::prefix(&prefix), Direction::Forward)? {
            Some((key, _)) => Ok(Some(decode_key(Index::Avet, &key)?.e)),
            None => Ok(self.deferred_holder(&prefix)),
        }
    }

    /// Allocates ids for tempids that are asserted; a tempid that only appears in retractions
    /// is an error (it names nothing).
    pub(super) fn allocate(
        &mut self,
        pending: &[Pending],
        retract_entities: &[EntityRef],
    ) -> Result<()> {
        // Each tempid asserted, in order of appearance, and whether some assertion is about it
        // (it is an entity position, not only a value).
        let mut asserted: Vec<&Tempid> = Vec::new();
        let mut subject: HashMap<&Tempid, bool> = HashMap::default();
        for p in pending.iter().filter(|p| p.added) {
            let e = tempid_of(&p.e);
            for (tempid, is_subject) in
                [(e, true), (p.value.as_ref().and_then(target_tempid), false)]
            {
                let Some(tempid) = tempid else { continue };
                match subject.entry(tempid) {
                    Entry::Vacant(slot) => {
                        slot.insert(is_subject);
                        asserted.push(tempid);
                    }
                    Entry::Occupied(mut seen) => *seen.get_mut() |= is_subject,
                }
            }
        }
        // A new entity must be described by something: a tempid that is only ever a value
        // (`[:db/add -1 :friend -2]`) would leave a reference to an entity with no datoms.
        if let Some(orphan) = asserted
            .iter()
            .find(|t| !subject.get(*t).copied().unwrap_or(false) && !self.tempids.contains_key(**t))
        {
            return Err(StoreError::InvalidTxData(format!(
                "tempid {orphan} is used only as a value: no assertion in the transaction is \
                 about the entity it would create (give it an attribute, or refer to an existing \
                 entity)"
            )));
        }
        for tempid in asserted {
            if !self.tempids.contains_key(tempid) {
                let id = self.fresh_id(tempid);
                self.tempids.insert(tempid.clone(), id);
            }
        }
        let retracted = pending
            .iter()
            .filter(|p| !p.added)
            .flat_map(|p| [tempid_of(&p.e), p.value.as_ref().and_then(target_tempid)])
            .chain(retract_entities.iter().map(tempid_of))
            .flatten();
        for tempid in retracted {
            if !self.tempids.contains_key(tempid) {
                return Err(StoreError::UnresolvedTempid(tempid.to_string()));
            }
        }
        Ok(())
    }

    /// Whether a new entity for `tempid` belongs in the schema partition: it asks for it
    /// (`#db/id [:db.part/db]`) or defines an ident.
    pub(super) fn in_db_partition(&self, tempid: &Tempid) -> bool {
        tempid.partition() == Some(PART_DB) || self.schema_tempids.contains(tempid)
    }

    /// A new entity id for `tempid`.
    fn fresh_id(&mut self, tempid: &Tempid) -> u64 {
        let in_db = self.in_db_partition(tempid);
        self.fresh_id_in(in_db)
    }

    /// A new entity id in the schema partition (`in_db`) or the user partition.
    pub(super) fn fresh_id_in(&mut self, in_db: bool) -> u64 {
        let id = if in_db {
            self.next_db += 1;
            entity_in(PART_DB, self.next_db - 1)
        } else {
            self.next_user += 1;
            entity_in(PART_USER, self.next_user - 1)
        };
        self.new_entities.insert(id);
        id
    }

    /// The entity id an entity reference names.
    pub(super) fn entity(&mut self, r: &EntityRef) -> Result<u64> {
        match r {
            EntityRef::Id(id) => {
                self.check_exists(*id)?;
                Ok(*id)
            }
            EntityRef::Tempid(t) => self
                .tempids
                .get(t)
                .copied()
                .ok_or_else(|| StoreError::UnresolvedTempid(t.to_string())),
            EntityRef::Ident(ident) => self
                .schema
                .entity_of_ident(ident)
                .ok_or_else(|| StoreError::UnknownIdent(ident.clone())),
            EntityRef::CurrentTx => Ok(self.tx),
            EntityRef::Lookup(attr, value) => {
                let attribute = self.known_attribute(attr)?;
                if attribute.unique.is_none() {
                    return Err(StoreError::InvalidTxData(format!(
                        "lookup ref [:{attr} …] needs a :db/unique attribute, and :{attr} is not unique"
                    )));
                }
                let target = if is_composite(&attribute) {
                    // A composite's value may be named (never asserted) in a lookup ref.
                    lookup_tuple(&self.schema, &attribute, value)?
                } else {
                    match self.single(&attribute, value, &mut Vec::new(), &mut 0)? {
                        Target::Literal(v) => v,
                        Target::Entity(r) => Value::Ref(self.entity(&r)?),
                    }
                };
                let (venc, _) = encoded(&target.as_ref(), self.options.inline_value_threshold);
                self.holder(attribute.id, &venc)?
                    .ok_or_else(|| StoreError::LookupRefNotFound {
                        attribute: attr.clone(),
                        value: target.to_string(),
                    })
            }
        }
    }

    /// Entity ids must have been allocated before (or be this transaction). Below the first
    /// user schema id only the built-in entities exist.
    fn check_exists(&self, id: u64) -> Result<()> {
        if id < crate::bootstrap::FIRST_USER_SCHEMA_ID && !self.writes_built_ins {
            return if super::builtin::is_built_in(id) {
                Ok(())
            } else {
                Err(StoreError::UnknownEntity(id))
            };
        }
        let counter = id & ((1 << crate::model::PARTITION_SHIFT) - 1);
        let exists = match partition_of(id) {
            PART_DB => counter < self.next_db,
            PART_TX => counter >= 1 && tx_t(id) <= self.t,
            PART_USER => counter < self.next_user,
            _ => false,
        };
        if exists {
            Ok(())
        } else {
            Err(StoreError::UnknownEntity(id))
        }
    }
}
