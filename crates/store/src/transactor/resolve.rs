//! Resolution: from parsed operations (tempids, lookup refs, idents, values not yet typed) to
//! concrete datoms, checking the schema on the way. Nothing is written here: `apply.rs` writes
//! what resolution returns.
//!
//! Steps, in order: expand entity maps, reverse attributes and nested maps into single
//! assertions (`expand.rs`; undeclared attributes are installed unless the schema is strict:
//! `install.rs`; values are typed by `literal.rs`), unify tempids that upsert through a
//! `:db.unique/identity` value (`upsert.rs`), allocate fresh ids for the remaining tempids and
//! resolve lookup refs and idents (`entity.rs`), refuse writes onto built-in entities, check
//! compare-and-swap expectations (`cas.rs`), and check cardinality-one conflicts inside the
//! transaction (here).

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::Arc;

use super::composite::is_composite;
use super::context::TxContext;
use super::ops::{EntityRef, Tempid, TxOp, TxValue};
use crate::bootstrap::attr as sys;
use crate::model::Value;
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
}

pub(super) fn next_internal(internal: &mut u32) -> EntityRef {
    *internal += 1;
    EntityRef::Tempid(Tempid::Internal(*internal))
}

pub(super) fn tempid_of(e: &EntityRef) -> Option<&Tempid> {
    match e {
        EntityRef::Tempid(t) => Some(t),
        _ => None,
    }
}

pub(super) fn target_tempid(target: &Target) -> Option<&Tempid> {
    match target {
        Target::Entity(e) => tempid_of(e),
        Target::Literal(_) => None,
    }
}

pub(super) fn describe(value: &TxValue) -> String {
    match value {
        TxValue::Form(form) => format!("{form}"),
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
