//! Resolution: from operations with tempids, lookup refs, idents and raw EDN values to concrete
//! datoms, checking the schema on the way.
//!
//! Steps, in order: expand entity maps, reverse attributes and nested maps into single
//! assertions (installing undeclared attributes unless the schema is strict), unify tempids that
//! upsert through a `:db.unique/identity` value (`upsert.rs`), allocate fresh ids for the
//! remaining tempids, resolve lookup refs and idents, refuse writes onto built-in entities,
//! check compare-and-swap expectations (`cas.rs`), and check cardinality-one conflicts inside
//! the transaction.

use std::collections::hash_map::Entry;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::Arc;

use datolite_kv::{Direction, KeyRange, ReadOps, Table};

use super::composite::is_composite;
use super::context::TxContext;
use super::literal::{infer_type, literal, lookup_tuple};
use super::ops::{EntityMap, EntityRef, Tempid, TxOp, TxValue};
use super::parse::{entity_ref, keyword_text};
use crate::bootstrap::{attr as sys, cardinality_entity, ids, type_ident_entity};
use crate::edn::Edn;
use crate::encoding::{decode_key, encoded, Index, Prefix};
use crate::model::{entity_in, partition_of, tx_t, Value, ValueType, PART_DB, PART_TX, PART_USER};
use crate::schema::{Attribute, Cardinality};
use crate::{Result, StoreError};

/// A value once its attribute is known: a literal, or an entity still to resolve.
#[derive(Clone, Debug)]
pub(super) enum Target {
    Literal(Value),
    Entity(EntityRef),
}

/// One assertion or retraction with its attribute known.
#[derive(Clone, Debug)]
pub(super) struct Pending {
    pub e: EntityRef,
    pub attr: Arc<Attribute>,
    /// `None` on a retraction means every value.
    pub value: Option<Target>,
    pub added: bool,
}

/// A fully resolved operation.
#[derive(Clone, Debug)]
pub(crate) enum Resolved {
    /// A datom of an attribute installed on first use (written before everything else).
    Install(u64, Arc<Attribute>, Value),
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
        let mut cas = Vec::new();
        let mut internal = self.internal;
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
                TxOp::Cas { e, attr, old, new } => {
                    let check = self.cas_check(e, attr, old.as_ref())?;
                    self.expand(e.clone(), &check.attr, new, &mut pending, &mut internal)?;
                    cas.push(check);
                }
            }
        }
        self.internal = internal;
        self.schema_tempids = pending
            .iter()
            .filter(|p| p.added && p.attr.id == sys::IDENT)
            .filter_map(|p| tempid_of(&p.e).cloned())
            .collect();
        self.upsert(&pending)?;
        self.allocate(&pending, &retract_entities)?;
        let mut resolved = std::mem::take(&mut self.installs);
        resolved.reserve(pending.len() + retract_entities.len());
        for e in &retract_entities {
            let e = self.entity(e)?;
            self.check_writable(e)?;
            resolved.push(Resolved::RetractEntity(e));
        }
        for p in &pending {
            let e = self.entity(&p.e)?;
            self.check_writable(e)?;
            if p.added && p.attr.id == sys::VALUE_TYPE && u32::try_from(e).is_err() {
                // Attribute ids are their dense u32 key ids: the schema would ignore this one.
                return Err(StoreError::Schema(format!(
                    "entity {e} cannot become an attribute: it lies outside the schema partition \
                     (define attributes with a new tempid, or #db/id [:db.part/db])"
                )));
            }
            let value = match &p.value {
                None => {
                    resolved.push(Resolved::RetractAll(e, p.attr.clone()));
                    continue;
                }
                Some(Target::Literal(v)) => v.clone(),
                Some(Target::Entity(r)) => {
                    let target = self.entity(r)?;
                    if p.added && p.attr.is_component {
                        self.check_component(&p.attr, target)?;
                    }
                    Value::Ref(target)
                }
            };
            resolved.push(if p.added {
                Resolved::Add(e, p.attr.clone(), value)
            } else {
                Resolved::Retract(e, p.attr.clone(), value)
            });
        }
        for check in &cas {
            self.check_cas(check)?;
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
            let attribute = match self.attribute(attr) {
                Some(attribute) => attribute,
                None => {
                    if legacy_install_marker(attr, value, map)? {
                        continue;
                    }
                    if let Some(forward) = reverse_of(attr) {
                        self.expand_reverse(&e, attr, &forward, value, pending, internal)?;
                        continue;
                    }
                    self.attribute_for(attr, Some(value))?
                }
            };
            self.expand(e.clone(), &attribute, value, pending, internal)?;
        }
        Ok(())
    }

    /// `{:db/id e :ns/_attr v}`: asserts `[v :ns/attr e]` for each entity `v` names (an entity,
    /// a collection of them, or nested maps).
    fn expand_reverse(
        &mut self,
        e: &EntityRef,
        attr: &str,
        forward: &str,
        value: &TxValue,
        pending: &mut Vec<Pending>,
        internal: &mut u32,
    ) -> Result<()> {
        let attribute = self
            .attribute(forward)
            .ok_or_else(|| StoreError::UnknownAttribute(forward.to_string()))?;
        if !attribute.is_ref() {
            return Err(StoreError::InvalidTxData(format!(
                "reverse attribute :{attr} needs a ref attribute, and :{forward} is a {} attribute",
                attribute.value_type
            )));
        }
        let mut sources = Vec::new();
        self.reverse_sources(&attribute, value, &mut sources, pending, internal)?;
        for source in sources {
            pending.push(Pending {
                e: source,
                attr: attribute.clone(),
                value: Some(Target::Entity(e.clone())),
                added: true,
            });
        }
        Ok(())
    }

    /// The entities a reverse attribute's value names. Unlike a forward value, a collection is
    /// fine even for a cardinality-one attribute: each source entity still gets one value.
    fn reverse_sources(
        &mut self,
        attr: &Arc<Attribute>,
        value: &TxValue,
        out: &mut Vec<EntityRef>,
        pending: &mut Vec<Pending>,
        internal: &mut u32,
    ) -> Result<()> {
        match value {
            TxValue::Many(items) => {
                for item in items {
                    self.reverse_sources(attr, item, out, pending, internal)?;
                }
            }
            TxValue::Edn(Edn::Vector(items) | Edn::List(items) | Edn::Set(items))
                if !self.is_lookup_form(items) =>
            {
                for item in items {
                    let item = TxValue::Edn(item.clone());
                    self.reverse_sources(attr, &item, out, pending, internal)?;
                }
            }
            single => match self.single(attr, single, pending, internal)? {
                Target::Entity(source) => out.push(source),
                Target::Literal(_) => return Err(mismatch(attr, single)),
            },
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

    pub(super) fn single(
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
                    form @ (Edn::Long(_)
                    | Edn::String(_)
                    | Edn::Keyword(_)
                    | Edn::Vector(_)
                    | Edn::Tagged(..)),
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
        // A legacy tempid names an entity, so the attribute is a reference (decided here rather
        // than in `infer_type`, which converts plain values).
        let legacy_tempid =
            |v: &TxValue| matches!(v, TxValue::Edn(Edn::Tagged(tag, _)) if tag == "db/id");
        let value_type = value
            .and_then(|v| if legacy_tempid(v) { Some(ValueType::Ref) } else { infer_type(v) })
            .ok_or_else(|| {
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

    /// The entity holding `(a, venc)` in AVET.
    pub(super) fn holder(&self, a: u32, venc: &[u8]) -> Result<Option<u64>> {
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

pub(super) fn tempid_of(e: &EntityRef) -> Option<&Tempid> {
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

/// The forward attribute of a reverse attribute name (`person/_friends` → `person/friends`).
fn reverse_of(attr: &str) -> Option<String> {
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

/// Datomic's legacy schema markers: `:db.install/_attribute :db.part/db` in an attribute
/// definition and `:db.alter/_attribute :db.part/db` in an alteration. Modern Datomic implies
/// them, and so do we: they are accepted there and write nothing (returns `true`). Any other
/// `:db.install/…` or `:db.alter/…` key is an error naming it.
fn legacy_install_marker(attr: &str, value: &TxValue, map: &EntityMap) -> Result<bool> {
    let unsupported = |why: &str| {
        Err(StoreError::InvalidTxData(format!(
            ":{attr} is not supported{why}; attributes are installed and altered by asserting \
             :db/valueType, :db/cardinality, … on the attribute entity"
        )))
    };
    let install = attr == "db.install/_attribute";
    if !install && attr != "db.alter/_attribute" {
        if attr.starts_with("db.install/") || attr.starts_with("db.alter/") {
            return unsupported("");
        }
        return Ok(false);
    }
    if !names_db_partition(value) {
        return unsupported(" except as :db.part/db's marker (the value must be :db.part/db)");
    }
    if install && !map.attrs.iter().any(|(a, _)| a == "db/valueType") {
        return unsupported(" outside an attribute definition (a map with :db/valueType)");
    }
    if !install && map.id.is_none() {
        return unsupported(" in a map without the :db/id of the attribute it alters");
    }
    Ok(true)
}

/// Whether a value names the `:db.part/db` partition entity.
fn names_db_partition(value: &TxValue) -> bool {
    const NAME: &str = "db.part/db";
    match value {
        TxValue::Edn(Edn::Keyword(k)) => keyword_text(k) == NAME,
        TxValue::Edn(Edn::Long(n)) => u64::try_from(*n) == Ok(ids::PART_DB),
        TxValue::Value(Value::Keyword(k)) | TxValue::Entity(EntityRef::Ident(k)) => {
            k.strip_prefix(':').unwrap_or(k) == NAME
        }
        TxValue::Value(Value::Ref(id)) | TxValue::Entity(EntityRef::Id(id)) => *id == ids::PART_DB,
        _ => false,
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
