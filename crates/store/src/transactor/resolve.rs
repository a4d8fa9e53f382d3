//! Resolution: from operations with tempids, lookup refs, idents and raw EDN values to concrete
//! datoms, checking the schema on the way.
//!
//! Steps, in order: expand entity maps and nested maps into single assertions (installing
//! undeclared attributes unless the schema is strict), unify tempids that upsert through a
//! `:db.unique/identity` value, allocate fresh ids for the remaining tempids, resolve lookup refs
//! and idents, and check cardinality-one conflicts inside the transaction.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::Arc;

use datolite_kv::{Direction, KeyRange, ReadOps, Table};

use super::composite::is_composite;
use super::context::TxContext;
use super::literal::{infer_type, literal, lookup_tuple};
use super::ops::{EntityMap, EntityRef, Tempid, TxOp, TxValue};
use super::parse::{entity_ref, keyword_text};
use crate::bootstrap::{attr as sys, cardinality_entity, type_ident_entity};
use crate::edn::Edn;
use crate::encoding::{decode_key, encoded, Index, Prefix};
use crate::model::{entity_in, partition_of, tx_t, Value, ValueType, PART_DB, PART_TX, PART_USER};
use crate::schema::{Attribute, Cardinality, Unique};
use crate::{Result, StoreError};

/// A value once its attribute is known: a literal, or an entity still to resolve.
#[derive(Clone, Debug)]
enum Target {
    Literal(Value),
    Entity(EntityRef),
}

/// One assertion or retraction with its attribute known.
#[derive(Clone, Debug)]
struct Pending {
    e: EntityRef,
    attr: Arc<Attribute>,
    /// `None` on a retraction means every value.
    value: Option<Target>,
    added: bool,
}

/// A fully resolved operation.
#[derive(Clone, Debug)]
pub(crate) enum Resolved {
    Add(u64, Arc<Attribute>, Value),
    Retract(u64, Arc<Attribute>, Value),
    RetractAll(u64, Arc<Attribute>),
    RetractEntity(u64),
}

impl TxContext<'_> {
    /// Resolves `ops` into concrete operations.
    pub fn resolve(&mut self, ops: &[&TxOp]) -> Result<Vec<Resolved>> {
        let mut pending = Vec::new();
        let mut retract_entities = Vec::new();
        let mut internal = self.tempids.len() as u32;
        for op in ops {
            match *op {
                TxOp::Add { e, attr, value } => {
                    let attribute = self.attribute_for(attr, Some(value))?;
                    self.expand(e.clone(), &attribute, value, &mut pending, &mut internal)?;
                }
                TxOp::Retract { e, attr, value } => {
                    let attribute = self.known_attribute(attr)?;
                    if is_composite(&attribute) {
                        return Err(StoreError::InvalidTxData(format!(
                            "composite tuple :{attr} is maintained by the transactor; retract \
                             its source attributes instead"
                        )));
                    }
                    match value {
                        None => pending.push(Pending {
                            e: e.clone(),
                            attr: attribute,
                            value: None,
                            added: false,
                        }),
                        Some(value) => {
                            let mut targets = Vec::new();
                            self.targets(
                                &attribute,
                                value,
                                &mut targets,
                                &mut pending,
                                &mut internal,
                            )?;
                            for target in targets {
                                pending.push(Pending {
                                    e: e.clone(),
                                    attr: attribute.clone(),
                                    value: Some(target),
                                    added: false,
                                });
                            }
                        }
                    }
                }
                TxOp::RetractEntity(e) => retract_entities.push(e.clone()),
                TxOp::Map(map) => {
                    let e = map
                        .id
                        .clone()
                        .unwrap_or_else(|| next_internal(&mut internal));
                    self.expand_map(e, map, &mut pending, &mut internal)?;
                }
            }
        }
        self.schema_tempids = pending
            .iter()
            .filter(|p| p.added && p.attr.id == sys::IDENT)
            .filter_map(|p| tempid_of(&p.e).cloned())
            .collect();
        self.upsert(&pending)?;
        self.allocate(&pending, &retract_entities)?;
        let mut resolved = Vec::with_capacity(pending.len() + retract_entities.len());
        for e in &retract_entities {
            resolved.push(Resolved::RetractEntity(self.entity(e)?));
        }
        for p in &pending {
            let e = self.entity(&p.e)?;
            let value = match &p.value {
                None => {
                    resolved.push(Resolved::RetractAll(e, p.attr.clone()));
                    continue;
                }
                Some(Target::Literal(v)) => v.clone(),
                Some(Target::Entity(r)) => Value::Ref(self.entity(r)?),
            };
            resolved.push(if p.added {
                Resolved::Add(e, p.attr.clone(), value)
            } else {
                Resolved::Retract(e, p.attr.clone(), value)
            });
        }
        let keep = check_conflicts(&resolved)?;
        let mut keep = keep.into_iter();
        resolved.retain(|_| keep.next().unwrap_or(true));
        Ok(resolved)
    }

    fn expand_map(
        &mut self,
        e: EntityRef,
        map: &EntityMap,
        pending: &mut Vec<Pending>,
        internal: &mut u32,
    ) -> Result<()> {
        for (attr, value) in &map.attrs {
            let attribute = self.attribute_for(attr, Some(value))?;
            self.expand(e.clone(), &attribute, value, pending, internal)?;
        }
        Ok(())
    }

    fn expand(
        &mut self,
        e: EntityRef,
        attr: &Arc<Attribute>,
        value: &TxValue,
        pending: &mut Vec<Pending>,
        internal: &mut u32,
    ) -> Result<()> {
        let mut targets = Vec::new();
        self.targets(attr, value, &mut targets, pending, internal)?;
        for target in targets {
            pending.push(Pending {
                e: e.clone(),
                attr: attr.clone(),
                value: Some(target),
                added: true,
            });
        }
        Ok(())
    }

    /// Interprets `value` for `attr`: one or several targets (nested maps become pending
    /// assertions of their own).
    fn targets(
        &mut self,
        attr: &Arc<Attribute>,
        value: &TxValue,
        out: &mut Vec<Target>,
        pending: &mut Vec<Pending>,
        internal: &mut u32,
    ) -> Result<()> {
        let many = |items: usize| {
            if attr.cardinality == Cardinality::One && items != 1 {
                Err(StoreError::InvalidTxData(format!(
                    "cardinality-one :{} cannot take a collection of {items} values",
                    attr.ident
                )))
            } else {
                Ok(())
            }
        };
        match value {
            TxValue::Many(items) => {
                many(items.len())?;
                for item in items {
                    self.targets(attr, item, out, pending, internal)?;
                }
                Ok(())
            }
            TxValue::Edn(form @ (Edn::Vector(items) | Edn::List(items) | Edn::Set(items)))
                if self.is_several(attr, form, items) =>
            {
                many(items.len())?;
                for item in items {
                    out.push(self.single(attr, &TxValue::Edn(item.clone()), pending, internal)?);
                }
                Ok(())
            }
            single => {
                out.push(self.single(attr, single, pending, internal)?);
                Ok(())
            }
        }
    }

    /// Whether a collection given for `attr` is several values (not one lookup ref for a ref
    /// attribute, nor one tuple for a tuple attribute).
    fn is_several(&self, attr: &Attribute, form: &Edn, items: &[Edn]) -> bool {
        let lookup = attr.is_ref() && self.is_lookup_form(items);
        let tuple = attr.value_type == ValueType::Tuple && is_one_tuple(form);
        !lookup && !tuple
    }

    /// Whether `[kw value]` names a lookup ref (its keyword is a unique attribute).
    fn is_lookup_form(&self, items: &[Edn]) -> bool {
        match items {
            [Edn::Keyword(k), _] => self
                .schema
                .attribute_named(&keyword_text(k))
                .is_some_and(|a| a.unique.is_some()),
            _ => false,
        }
    }

    fn single(
        &mut self,
        attr: &Arc<Attribute>,
        value: &TxValue,
        pending: &mut Vec<Pending>,
        internal: &mut u32,
    ) -> Result<Target> {
        if attr.is_ref() {
            let entity = match value {
                TxValue::Entity(r) => r.clone(),
                TxValue::Value(Value::Ref(id)) => EntityRef::Id(*id),
                TxValue::Value(Value::Long(n)) => entity_ref(&Edn::Long(*n))?,
                TxValue::Value(Value::Keyword(k)) => EntityRef::Ident(k.clone()),
                TxValue::Map(map) => {
                    let e = map.id.clone().unwrap_or_else(|| next_internal(internal));
                    self.expand_map(e.clone(), map, pending, internal)?;
                    e
                }
                TxValue::Edn(Edn::Map(entries)) => {
                    let map = nested_map(entries)?;
                    let e = map.id.clone().unwrap_or_else(|| next_internal(internal));
                    self.expand_map(e.clone(), &map, pending, internal)?;
                    e
                }
                TxValue::Edn(
                    form @ (Edn::Long(_) | Edn::String(_) | Edn::Keyword(_) | Edn::Vector(_)),
                ) => entity_ref(form)?,
                other => return Err(mismatch(attr, other)),
            };
            return Ok(Target::Entity(entity));
        }
        Ok(Target::Literal(literal(&self.schema, attr, value)?))
    }

    /// The attribute named `ident`, installing it (typed by `value`) when the schema is not
    /// strict.
    fn attribute_for(&mut self, ident: &str, value: Option<&TxValue>) -> Result<Arc<Attribute>> {
        if let Some(attr) = self.attribute(ident) {
            return Ok(attr);
        }
        if self.options.strict_schema {
            return Err(StoreError::UnknownAttribute(ident.to_string()));
        }
        if ident.is_empty() || !ident.contains('/') && ident.starts_with("db") {
            return Err(StoreError::UnknownAttribute(ident.to_string()));
        }
        let value_type = value.and_then(infer_type).ok_or_else(|| {
            StoreError::Schema(format!(
                "cannot infer the type of undeclared attribute :{ident} from {}; declare it with :db/valueType",
                value.map_or("nothing".to_string(), describe)
            ))
        })?;
        self.install_attribute(ident, value_type)
    }

    fn known_attribute(&mut self, ident: &str) -> Result<Arc<Attribute>> {
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
            doc: None,
            tuple: None,
        };
        self.new_entities.insert(id);
        let ident_attr = self.system(sys::IDENT)?;
        let type_attr = self.system(sys::VALUE_TYPE)?;
        let card_attr = self.system(sys::CARDINALITY)?;
        self.assert_datom(id, &ident_attr, &Value::Keyword(ident.to_string()))?;
        self.assert_datom(id, &type_attr, &Value::Ref(type_ident_entity(value_type)))?;
        self.assert_datom(
            id,
            &card_attr,
            &Value::Ref(cardinality_entity(Cardinality::One)),
        )?;
        self.schema.install(attribute);
        self.known_attribute(ident)
    }

    fn system(&self, id: u32) -> Result<Arc<Attribute>> {
        self.schema
            .attribute(id)
            .cloned()
            .ok_or_else(|| StoreError::Corrupt(format!("system attribute {id} is missing")))
    }

    /// Binds tempids to existing entities through `:db.unique/identity` values, and unifies
    /// tempids that assert the same identity value.
    fn upsert(&mut self, pending: &[Pending]) -> Result<()> {
        let mut owners: HashMap<(u32, Vec<u8>), Tempid> = HashMap::default();
        for p in pending {
            let (EntityRef::Tempid(tempid), Some(Target::Literal(value)), true) =
                (&p.e, &p.value, p.added)
            else {
                continue;
            };
            if p.attr.unique != Some(Unique::Identity) {
                continue;
            }
            let (venc, _) = encoded(&value.as_ref(), self.options.inline_value_threshold);
            let existing = self.holder(p.attr.id, &venc)?;
            let target = match existing {
                Some(e) => Some(e),
                None => match owners.get(&(p.attr.id, venc.clone())) {
                    Some(first) if first != tempid => self.tempids.get(first).copied(),
                    _ => None,
                },
            };
            match (target, self.tempids.get(tempid)) {
                (Some(e), Some(&bound)) if bound != e => {
                    return Err(StoreError::InvalidTxData(format!(
                        "tempid {tempid} resolves to both entity {bound} and entity {e}"
                    )))
                }
                (Some(e), None) => {
                    self.tempids.insert(tempid.clone(), e);
                }
                (None, None) => {
                    if let Some(first) = owners.get(&(p.attr.id, venc.clone())).cloned() {
                        if &first != tempid {
                            let id = self.fresh_id(&first);
                            self.tempids.insert(first, id);
                            self.tempids.insert(tempid.clone(), id);
                        }
                    }
                }
                _ => {}
            }
            owners
                .entry((p.attr.id, venc))
                .or_insert_with(|| tempid.clone());
        }
        Ok(())
    }

    /// The entity holding `(a, venc)` in AVET.
    fn holder(&self, a: u32, venc: &[u8]) -> Result<Option<u64>> {
        let prefix = Prefix::new().attr(a).value(venc).into_bytes();
        let txn: &dyn ReadOps = &*self.txn;
        match txn.first(Table::Avet, &KeyRange::prefix(&prefix), Direction::Forward)? {
            Some((key, _)) => Ok(Some(decode_key(Index::Avet, &key)?.e)),
            None => Ok(None),
        }
    }

    /// Allocates ids for tempids that are asserted; a tempid that only appears in retractions
    /// is an error (it names nothing).
    fn allocate(&mut self, pending: &[Pending], retract_entities: &[EntityRef]) -> Result<()> {
        let mut asserted: Vec<&Tempid> = Vec::new();
        let mut seen = HashSet::default();
        for p in pending.iter().filter(|p| p.added) {
            for tempid in [tempid_of(&p.e), p.value.as_ref().and_then(target_tempid)]
                .into_iter()
                .flatten()
            {
                if seen.insert(tempid) {
                    asserted.push(tempid);
                }
            }
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

    /// A new entity id for `tempid`: in the schema partition when it defines an ident.
    fn fresh_id(&mut self, tempid: &Tempid) -> u64 {
        let id = if self.schema_tempids.contains(tempid) {
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
    fn entity(&mut self, r: &EntityRef) -> Result<u64> {
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

    /// Entity ids must have been allocated before (or be this transaction).
    fn check_exists(&self, id: u64) -> Result<()> {
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

/// Whether a collection given for a tuple attribute is one tuple (`[1 "a"]`) rather than
/// several (`#{[1 "a"] [2 "b"]}`, `[[1 "a"] [2 "b"]]`).
fn is_one_tuple(form: &Edn) -> bool {
    match form {
        Edn::Vector(items) | Edn::List(items) => {
            items.is_empty()
                || !items
                    .iter()
                    .all(|i| matches!(i, Edn::Vector(_) | Edn::List(_)))
        }
        _ => false,
    }
}

fn next_internal(internal: &mut u32) -> EntityRef {
    *internal += 1;
    EntityRef::Tempid(Tempid::Internal(*internal))
}

fn tempid_of(e: &EntityRef) -> Option<&Tempid> {
    match e {
        EntityRef::Tempid(t) => Some(t),
        _ => None,
    }
}

fn target_tempid(target: &Target) -> Option<&Tempid> {
    match target {
        Target::Entity(e) => tempid_of(e),
        Target::Literal(_) => None,
    }
}

fn nested_map(entries: &[(Edn, Edn)]) -> Result<EntityMap> {
    match super::parse::tx_op(&Edn::Map(entries.to_vec()))? {
        TxOp::Map(map) => Ok(map),
        _ => Err(StoreError::InvalidTxData(
            "a nested entity must be a map".into(),
        )),
    }
}

pub(super) fn describe(value: &TxValue) -> String {
    match value {
        TxValue::Edn(edn) => format!("{edn}"),
        TxValue::Value(v) => v.to_string(),
        TxValue::Entity(e) => format!("{e:?}"),
        TxValue::Map(_) => "a nested map".into(),
        TxValue::Many(_) => "several values".into(),
    }
}

pub(super) fn mismatch(attr: &Attribute, value: &TxValue) -> StoreError {
    StoreError::TypeMismatch {
        attribute: attr.ident.clone(),
        expected: attr.value_type.to_string(),
        got: describe(value),
    }
}

/// Two different values for one cardinality-one attribute of one entity is a conflict. The same
/// assertion twice (two maps naming one entity, say) must be written once, or the statistics
/// would count it twice: the returned mask keeps the first of each.
fn check_conflicts(resolved: &[Resolved]) -> Result<Vec<bool>> {
    let mut one: HashMap<(u64, u32), &Value> = HashMap::default();
    let mut many: HashSet<(u64, u32, &Value)> = HashSet::default();
    let mut keep = Vec::with_capacity(resolved.len());
    for op in resolved {
        let first = match op {
            Resolved::Add(e, attr, v) if attr.cardinality == Cardinality::One => {
                match one.insert((*e, attr.id), v) {
                    Some(first) if first != v => {
                        return Err(StoreError::CardinalityConflict {
                            entity: *e,
                            attribute: attr.ident.clone(),
                            first: first.to_string(),
                            second: v.to_string(),
                        })
                    }
                    Some(_) => false,
                    None => true,
                }
            }
            Resolved::Add(e, attr, v) => many.insert((*e, attr.id, v)),
            _ => true,
        };
        keep.push(first);
    }
    Ok(keep)
}
