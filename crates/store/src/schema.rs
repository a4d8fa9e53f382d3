//! The schema cache: attributes and idents as of one snapshot.
//!
//! Attributes are entities; their definitions are ordinary datoms (`:db/ident`,
//! `:db/valueType`, `:db/cardinality`, `:db/unique`, `:db/isComponent`, `:db/doc`). This module
//! reads them back into lookup tables, rebuilt only when a transaction touches them.

use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

use datolite_kv::{Direction, KeyRange, ReadOps, Table};

use crate::bootstrap::attr;
use crate::encoding::{decode_key, Index, Prefix};
use crate::model::{ValueRef, ValueType};
use crate::values::materialize;
use crate::{Result, StoreError};

/// `:db/cardinality`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cardinality {
    /// One value per entity; asserting a new one replaces the old.
    One,
    /// A set of values per entity.
    Many,
}

/// `:db/unique`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unique {
    /// A value belongs to at most one entity; asserting it for another is an error.
    Value,
    /// Like `Value`, and an entity map with a tempid and this attribute upserts.
    Identity,
}

/// What a `:db.type/tuple` attribute's values hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TupleType {
    /// `:db/tupleType`: up to eight elements of one type.
    Homogeneous(ValueType),
    /// `:db/tupleTypes`: a fixed list of element types.
    Heterogeneous(Vec<ValueType>),
    /// `:db/tupleAttrs`: a composite of other attributes of the same entity (their ids), kept
    /// up to date by the transactor and never asserted directly.
    Composite(Vec<u32>),
}

impl TupleType {
    /// The type of element `i`, when the tuple type fixes it (composite tuples take their
    /// sources' types: see [`Schema::element_type`]).
    pub fn element(&self, i: usize) -> Option<ValueType> {
        match self {
            TupleType::Homogeneous(t) => Some(*t),
            TupleType::Heterogeneous(ts) => ts.get(i).copied(),
            TupleType::Composite(_) => None,
        }
    }
}

/// Most elements a tuple may have (as in Datomic).
pub const MAX_TUPLE_ELEMENTS: usize = 8;

/// One attribute's definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    /// Dense key id = the attribute's entity id.
    pub id: u32,
    /// Ident without the colon (`user/name`).
    pub ident: String,
    /// Value type.
    pub value_type: ValueType,
    /// Cardinality.
    pub cardinality: Cardinality,
    /// Uniqueness, if any.
    pub unique: Option<Unique>,
    /// Whether referenced entities are components (retracted with their owner).
    pub is_component: bool,
    /// `:db/noHistory`: retracted values are forgotten, not kept in the history tables.
    pub no_history: bool,
    /// Documentation string.
    pub doc: Option<String>,
    /// For `:db.type/tuple` attributes, what the tuples hold.
    pub tuple: Option<TupleType>,
}

impl Attribute {
    /// Whether the attribute is a reference (and so indexed in VAET).
    pub fn is_ref(&self) -> bool {
        self.value_type == ValueType::Ref
    }

    /// The indexes its datoms are in: all four for a reference, VAET aside otherwise.
    pub fn indexes(&self) -> &'static [Index] {
        if self.is_ref() {
            &Index::ALL
        } else {
            &Index::ALL[..3]
        }
    }
}

/// All attributes and idents of one snapshot.
#[derive(Clone, Debug, Default)]
pub struct Schema {
    attributes: HashMap<u32, Arc<Attribute>>,
    attribute_ids: HashMap<String, u32>,
    idents: HashMap<String, u64>,
    ident_names: HashMap<u64, String>,
    /// Source attribute id → the composite tuple attributes it is part of.
    composites: HashMap<u32, Vec<u32>>,
}

impl Schema {
    /// The attribute with key id `id`.
    pub fn attribute(&self, id: u32) -> Option<&Arc<Attribute>> {
        self.attributes.get(&id)
    }

    /// The attribute named `ident` (with or without the leading colon).
    pub fn attribute_named(&self, ident: &str) -> Option<&Arc<Attribute>> {
        let ident = ident.strip_prefix(':').unwrap_or(ident);
        self.attribute_ids
            .get(ident)
            .and_then(|id| self.attributes.get(id))
    }

    /// The entity id of an ident (attribute or not), with or without the colon.
    pub fn entity_of_ident(&self, ident: &str) -> Option<u64> {
        self.idents
            .get(ident.strip_prefix(':').unwrap_or(ident))
            .copied()
    }

    /// The ident of an entity, if it has one (without the colon).
    pub fn ident_of(&self, entity: u64) -> Option<&str> {
        self.ident_names.get(&entity).map(String::as_str)
    }

    /// The composite tuple attributes that `attribute` is a source of.
    #[inline]
    pub fn composites_of(&self, attribute: u32) -> &[u32] {
        // Most schemas have no composites: skip the hash lookup the transactor would pay per
        // datom.
        if self.composites.is_empty() {
            return &[];
        }
        self.composites.get(&attribute).map_or(&[], Vec::as_slice)
    }

    /// The type of element `i` of tuple attribute `attr` (for composites, the type of its `i`-th
    /// source attribute).
    pub fn element_type(&self, attr: &Attribute, i: usize) -> Option<ValueType> {
        match attr.tuple.as_ref()? {
            TupleType::Composite(sources) => {
                let source = sources.get(i)?;
                Some(self.attribute(*source)?.value_type)
            }
            other => other.element(i),
        }
    }

    /// Checks every tuple attribute's definition: a `:db.type/tuple` attribute has exactly one
    /// of `:db/tupleType`, `:db/tupleTypes`, `:db/tupleAttrs`, with scalar element types, 2 to
    /// 8 types or sources, and composite sources that are cardinality-one, non-tuple
    /// attributes; no other attribute has any of them.
    pub fn check_tuple_attributes(&self) -> Result<()> {
        for attribute in self.attributes.values() {
            let fail = |why: String| {
                Err(StoreError::Schema(format!(
                    "attribute :{} {why}",
                    attribute.ident
                )))
            };
            match (&attribute.tuple, attribute.value_type) {
                (None, ValueType::Tuple) => {
                    return fail(
                        "is a :db.type/tuple and needs exactly one of :db/tupleType, \
                         :db/tupleTypes or :db/tupleAttrs"
                            .into(),
                    )
                }
                (None, _) => {}
                (Some(_), t) if t != ValueType::Tuple => {
                    return fail(format!(
                        "has a tuple definition but its :db/valueType is :{}",
                        t.ident()
                    ))
                }
                (Some(TupleType::Homogeneous(t)), _) if *t == ValueType::Tuple => {
                    return fail("cannot hold tuples inside tuples".into())
                }
                (Some(TupleType::Heterogeneous(ts)), _) => {
                    if !(2..=MAX_TUPLE_ELEMENTS).contains(&ts.len()) {
                        return fail(format!(
                            "has {} :db/tupleTypes; a tuple has 2 to {MAX_TUPLE_ELEMENTS}",
                            ts.len()
                        ));
                    }
                    if ts.contains(&ValueType::Tuple) {
                        return fail("cannot hold tuples inside tuples".into());
                    }
                }
                (Some(TupleType::Composite(sources)), _) => {
                    if !(2..=MAX_TUPLE_ELEMENTS).contains(&sources.len()) {
                        return fail(format!(
                            "has {} :db/tupleAttrs; a composite has 2 to {MAX_TUPLE_ELEMENTS}",
                            sources.len()
                        ));
                    }
                    if attribute.cardinality != Cardinality::One {
                        return fail("is a composite tuple and must be cardinality one".into());
                    }
                    for source in sources {
                        let Some(s) = self.attribute(*source) else {
                            return fail(format!("lists entity {source} in :db/tupleAttrs, which is not an attribute"));
                        };
                        if s.value_type == ValueType::Tuple {
                            return fail(format!(
                                "cannot be a composite of the tuple attribute :{}",
                                s.ident
                            ));
                        }
                        if s.cardinality != Cardinality::One {
                            return fail(format!(
                                "cannot be a composite of the cardinality-many attribute :{}",
                                s.ident
                            ));
                        }
                    }
                }
                (Some(TupleType::Homogeneous(_)), _) => {}
            }
        }
        Ok(())
    }

    /// Rebuilds the source → composite index after attributes changed.
    fn index_composites(&mut self) {
        self.composites.clear();
        for attribute in self.attributes.values() {
            if let Some(TupleType::Composite(sources)) = &attribute.tuple {
                for source in sources {
                    self.composites
                        .entry(*source)
                        .or_default()
                        .push(attribute.id);
                }
            }
        }
        for composites in self.composites.values_mut() {
            composites.sort_unstable();
        }
    }

    /// Every attribute, in id order.
    pub fn attributes(&self) -> Vec<&Arc<Attribute>> {
        let mut all: Vec<_> = self.attributes.values().collect();
        all.sort_by_key(|a| a.id);
        all
    }

    /// Adds (or replaces) an attribute in this in-memory schema.
    pub(crate) fn install(&mut self, attribute: Attribute) {
        let entity = u64::from(attribute.id);
        self.idents.insert(attribute.ident.clone(), entity);
        self.ident_names.insert(entity, attribute.ident.clone());
        self.attribute_ids
            .insert(attribute.ident.clone(), attribute.id);
        self.attributes.insert(attribute.id, Arc::new(attribute));
        self.index_composites();
    }

    /// Reads the schema from a snapshot.
    pub fn load(txn: &dyn ReadOps) -> Result<Schema> {
        let mut schema = Schema::default();
        let ident_prefix = Prefix::new().attr(attr::IDENT).into_bytes();
        let mut failure = None;
        txn.scan(
            Table::Aevt,
            &KeyRange::prefix(&ident_prefix),
            Direction::Forward,
            &mut |key, _| match ident_of_key(key, txn) {
                Ok((e, ident)) => {
                    schema.ident_names.insert(e, ident.clone());
                    schema.idents.insert(ident, e);
                    datolite_kv::Visit::Continue
                }
                Err(e) => {
                    failure = Some(e);
                    datolite_kv::Visit::Stop
                }
            },
        )?;
        if let Some(e) = failure {
            return Err(e);
        }
        let entities: Vec<(u64, String)> = schema
            .ident_names
            .iter()
            .map(|(e, i)| (*e, i.clone()))
            .collect();
        for (entity, ident) in entities {
            if let Some(attribute) = schema.read_attribute(txn, entity, ident)? {
                schema
                    .attribute_ids
                    .insert(attribute.ident.clone(), attribute.id);
                schema.attributes.insert(attribute.id, Arc::new(attribute));
            }
        }
        schema.index_composites();
        Ok(schema)
    }

    /// Reads the definition of `entity` if it is an attribute (has `:db/valueType`).
    fn read_attribute(
        &self,
        txn: &dyn ReadOps,
        entity: u64,
        ident: String,
    ) -> Result<Option<Attribute>> {
        let Ok(id) = u32::try_from(entity) else {
            return Ok(None);
        };
        let mut value_type = None;
        let mut cardinality = Cardinality::One;
        let mut unique = None;
        let mut is_component = false;
        let mut no_history = false;
        let mut doc = None;
        let mut tuple_type = None;
        let mut tuple_types = None;
        let mut tuple_attrs = None;
        let prefix = Prefix::new().id(entity).into_bytes();
        let mut datoms = Vec::new();
        txn.scan(
            Table::Eavt,
            &KeyRange::prefix(&prefix),
            Direction::Forward,
            &mut |key, _| {
                datoms.push(key.to_vec());
                datolite_kv::Visit::Continue
            },
        )?;
        for key in &datoms {
            let raw = decode_key(Index::Eavt, key)?;
            let v = materialize(raw.v, txn)?;
            let target_ident = |v: &ValueRef<'_>| match v {
                ValueRef::Ref(e) => self.ident_of(*e).unwrap_or(""),
                _ => "",
            };
            match raw.a {
                attr::VALUE_TYPE => value_type = ValueType::from_ident(target_ident(&v)),
                attr::CARDINALITY if target_ident(&v) == "db.cardinality/many" => {
                    cardinality = Cardinality::Many
                }
                attr::UNIQUE => {
                    unique = match target_ident(&v) {
                        "db.unique/identity" => Some(Unique::Identity),
                        "db.unique/value" => Some(Unique::Value),
                        _ => None,
                    }
                }
                attr::IS_COMPONENT => is_component = matches!(v, ValueRef::Boolean(true)),
                attr::NO_HISTORY => no_history = matches!(v, ValueRef::Boolean(true)),
                attr::DOC => {
                    if let ValueRef::String(s) = &v {
                        doc = Some(s.to_string())
                    }
                }
                attr::TUPLE_TYPE => tuple_type = ValueType::from_ident(target_ident(&v)),
                attr::TUPLE_TYPES => {
                    tuple_types = Some(
                        keywords(&v)
                            .iter()
                            .map(|k| {
                                ValueType::from_ident(k).ok_or_else(|| {
                                    bad_tuple(&ident, &format!("lists :{k} in :db/tupleTypes, which is not a value type"))
                                })
                            })
                            .collect::<Result<Vec<_>>>()?,
                    )
                }
                attr::TUPLE_ATTRS => {
                    tuple_attrs = Some(
                        keywords(&v)
                            .iter()
                            .map(|k| {
                                self.entity_of_ident(k)
                                    .and_then(|e| u32::try_from(e).ok())
                                    .ok_or_else(|| {
                                        bad_tuple(&ident, &format!("lists :{k} in :db/tupleAttrs, which is not an attribute"))
                                    })
                            })
                            .collect::<Result<Vec<_>>>()?,
                    )
                }
                _ => {}
            }
        }
        let tuple = match (tuple_type, tuple_types, tuple_attrs) {
            (Some(t), None, None) => Some(TupleType::Homogeneous(t)),
            (None, Some(ts), None) => Some(TupleType::Heterogeneous(ts)),
            (None, None, Some(sources)) => Some(TupleType::Composite(sources)),
            _ => None,
        };
        Ok(value_type.map(|value_type| Attribute {
            id,
            ident,
            value_type,
            cardinality,
            unique,
            is_component,
            no_history,
            doc,
            tuple,
        }))
    }

    /// Whether `attribute` is one of the attributes that define schema.
    pub fn is_schema_attribute(attribute: u32) -> bool {
        // System attributes 1..=6 and 8..=10 (the tuple definitions) define schema, and so does
        // :db/noHistory; 7 is :db/txInstant.
        (attr::IDENT..=attr::DOC).contains(&attribute)
            || (attr::TUPLE_TYPE..=attr::TUPLE_ATTRS).contains(&attribute)
            || attribute == attr::NO_HISTORY
    }
}

/// The keyword texts of a tuple-of-keywords value (`:db/tupleTypes`, `:db/tupleAttrs`).
fn keywords(v: &ValueRef<'_>) -> Vec<String> {
    match v {
        ValueRef::Tuple(items) => items
            .iter()
            .map(|item| match item {
                Some(crate::Value::Keyword(k)) => k.clone(),
                _ => String::new(),
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn bad_tuple(ident: &str, why: &str) -> StoreError {
    StoreError::Schema(format!("tuple attribute :{ident} {why}"))
}

fn ident_of_key(key: &[u8], txn: &dyn ReadOps) -> Result<(u64, String)> {
    let raw = decode_key(Index::Aevt, key)?;
    match materialize(raw.v, txn)? {
        ValueRef::Keyword(k) => Ok((raw.e, k.into_owned())),
        _ => Err(StoreError::Corrupt(format!(
            "entity {} has a :db/ident that is not a keyword",
            raw.e
        ))),
    }
}
