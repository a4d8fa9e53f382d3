//! Expansion: operations into single assertions and retractions with their attributes known.
//!
//! Entity maps become one assertion per attribute and value, reverse attributes
//! (`:person/_friends`) assertions about the entities they name, nested maps entities of their
//! own, and collections several values — except where the attribute's type makes a collection
//! one value (a lookup ref for a ref attribute, a tuple for a tuple attribute). Values become
//! [`Target`]s: literals typed by their attribute (`literal.rs`), or entities still to resolve
//! (`entity.rs`).

use std::sync::Arc;

use super::context::TxContext;
use super::form::{CollKind, Form};
use super::install::reverse_of;
use super::literal::literal;
use super::ops::{EntityMap, EntityRef, TxValue};
use super::resolve::{mismatch, next_internal, Pending, Target};
use crate::bootstrap::ids;
use crate::model::{Value, ValueType};
use crate::schema::{Attribute, Cardinality};
use crate::{Result, StoreError};

impl TxContext<'_> {
    pub(super) fn expand_map(
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
            TxValue::Form(Form::Coll(_, items)) if !self.is_lookup_form(items) => {
                for item in items {
                    let item = TxValue::Form(item.clone());
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

    pub(super) fn expand(
        &mut self,
        e: EntityRef,
        attr: &Arc<Attribute>,
        value: &TxValue,
        pending: &mut Vec<Pending>,
        internal: &mut u32,
    ) -> Result<()> {
        // One vector for every call (an allocation per datom otherwise); `targets` may recurse
        // into nested maps, which find it taken and use one of their own.
        let mut targets = std::mem::take(&mut self.targets_scratch);
        targets.clear();
        let found = self.targets(attr, value, &mut targets, pending, internal);
        if found.is_ok() {
            for target in targets.drain(..) {
                pending.push(Pending {
                    e: e.clone(),
                    attr: attr.clone(),
                    value: Some(target),
                    added: true,
                });
            }
        }
        targets.clear();
        self.targets_scratch = targets;
        found
    }

    /// Interprets `value` for `attr`: one or several targets (nested maps become pending
    /// assertions of their own).
    pub(super) fn targets(
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
            TxValue::Form(Form::Coll(kind, items)) if self.is_several(attr, *kind, items) => {
                many(items.len())?;
                for item in items {
                    let item = TxValue::Form(item.clone());
                    out.push(self.single(attr, &item, pending, internal)?);
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
    fn is_several(&self, attr: &Attribute, kind: CollKind, items: &[Form]) -> bool {
        let lookup = attr.is_ref() && self.is_lookup_form(items);
        let tuple = attr.value_type == ValueType::Tuple && is_one_tuple(kind, items);
        !lookup && !tuple
    }

    /// Whether `[kw value]` names a lookup ref (its keyword is a unique attribute).
    fn is_lookup_form(&self, items: &[Form]) -> bool {
        match items {
            [first, _] => first.keyword().is_some_and(|k| {
                self.schema
                    .attribute_named(&k)
                    .is_some_and(|a| a.unique.is_some())
            }),
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
                TxValue::Value(Value::Long(n)) => EntityRef::from_long(*n),
                TxValue::Value(Value::Keyword(k)) => EntityRef::Ident(k.clone()),
                TxValue::Map(map) => {
                    let e = map.id.clone().unwrap_or_else(|| next_internal(internal));
                    self.expand_map(e.clone(), map, pending, internal)?;
                    e
                }
                TxValue::Form(Form::Map(read)) => {
                    let map = (read.reading.as_ref())
                        .map_err(|m| StoreError::InvalidTxData(m.clone()))?;
                    let e = map.id.clone().unwrap_or_else(|| next_internal(internal));
                    self.expand_map(e.clone(), map, pending, internal)?;
                    e
                }
                TxValue::Form(form) => match form.entity() {
                    Some(entity) => entity?,
                    None => return Err(mismatch(attr, value)),
                },
                other => return Err(mismatch(attr, other)),
            };
            return Ok(Target::Entity(entity));
        }
        Ok(Target::Literal(literal(&self.schema, attr, value)?))
    }
}

/// Whether a collection given for a tuple attribute is one tuple (`[1 "a"]`) rather than
/// several (`#{[1 "a"] [2 "b"]}`, `[[1 "a"] [2 "b"]]`).
fn is_one_tuple(kind: CollKind, items: &[Form]) -> bool {
    let ordered = |kind: &CollKind| matches!(kind, CollKind::Vector | CollKind::List);
    ordered(&kind)
        && (items.is_empty()
            || !items
                .iter()
                .all(|i| matches!(i, Form::Coll(kind, _) if ordered(kind))))
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
        TxValue::Form(form) => {
            form.keyword().is_some_and(|k| k == NAME)
                || form.long().and_then(|n| u64::try_from(n).ok()) == Some(ids::PART_DB)
        }
        TxValue::Value(Value::Keyword(k)) | TxValue::Entity(EntityRef::Ident(k)) => {
            k.strip_prefix(':').unwrap_or(k) == NAME
        }
        TxValue::Value(Value::Ref(id)) | TxValue::Entity(EntityRef::Id(id)) => *id == ids::PART_DB,
        _ => false,
    }
}
