//! The entity API (Datomic's `d/entity`): a lazy view of one entity of a database value. Nothing
//! is read when it is made; each attribute access is one EAVT prefix scan (VAET for reverse
//! attributes), references come back as entities to navigate further.
//!
//! Invariant: two entities are equal when they are the same id of the same database value
//! (`Db::same_value`), whatever was read through them.

use std::fmt;
use std::sync::Arc;

use crate::encoding::Index;
use crate::model::{Datom, Value};
use crate::schema::{Attribute, Cardinality};
use crate::snapshot::Db;
use crate::{Result, StoreError};

/// One entity of a database value, read lazily.
#[derive(Clone)]
pub struct Entity {
    db: Db,
    id: u64,
}

/// What an attribute of an entity holds.
#[derive(Clone, Debug, PartialEq)]
pub enum EntityValue {
    /// A cardinality-one attribute's value.
    One(Value),
    /// A cardinality-many attribute's values, in index order.
    Many(Vec<Value>),
    /// A cardinality-one reference (or a reverse component): the entity it names.
    Entity(Entity),
    /// A cardinality-many reference, or a reverse reference: the entities, in index order.
    Entities(Vec<Entity>),
}

impl Db {
    /// Entity `e` of this value, read lazily (Datomic's `d/entity`). An id that names nothing
    /// gives an entity without attributes.
    pub fn entity(&self, e: u64) -> Entity {
        Entity {
            db: self.clone(),
            id: e,
        }
    }

    /// Every datom of entity `e`, in EAVT order.
    pub fn entity_datoms(&self, e: u64) -> Result<Vec<Datom>> {
        self.scan(Index::Eavt).entity(e).collect()
    }
}

impl Entity {
    /// The entity id.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The database value it is read from.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The value of attribute `ident` (`":person/name"`; reversed, `":person/_friends"`: the
    /// entities referring to this one), `None` when it has none. An unknown attribute is an
    /// error naming it.
    pub fn get(&self, ident: &str) -> Result<Option<EntityValue>> {
        let name = ident.trim_start_matches(':');
        if let Some(attr) = self.db.schema().attribute_named(name).cloned() {
            let values: Vec<Value> = self
                .db
                .scan(Index::Eavt)
                .entity(self.id)
                .attribute_id(attr.id)
                .collect()?
                .into_iter()
                .map(|d| d.v)
                .collect();
            return Ok(self.shape(&attr, values));
        }
        let reverse = name
            .split_once("/_")
            .map(|(ns, n)| format!("{ns}/{n}"))
            .and_then(|forward| self.db.schema().attribute_named(&forward).cloned());
        match reverse {
            Some(attr) if attr.is_ref() => {
                let sources: Vec<Entity> = self
                    .db
                    .scan(Index::Vaet)
                    .value(&Value::Ref(self.id))
                    .attribute_id(attr.id)
                    .collect()?
                    .into_iter()
                    .map(|d| self.db.entity(d.e))
                    .collect();
                Ok(match (sources.is_empty(), attr.is_component) {
                    (true, _) => None,
                    (false, true) => sources.into_iter().next().map(EntityValue::Entity),
                    (false, false) => Some(EntityValue::Entities(sources)),
                })
            }
            Some(attr) => Err(StoreError::InvalidArgument(format!(
                ":{name} is reversed, but :{} holds values of type {}, not references",
                attr.ident, attr.value_type
            ))),
            None => Err(StoreError::UnknownAttribute(name.to_string())),
        }
    }

    /// The idents of the attributes the entity has (`":person/name"`), in attribute id order.
    pub fn keys(&self) -> Result<Vec<String>> {
        Ok(self.touch()?.into_iter().map(|(k, _)| k).collect())
    }

    /// Every attribute of the entity with its value (Datomic's `touch`), in attribute id order.
    pub fn touch(&self) -> Result<Vec<(String, EntityValue)>> {
        let mut grouped: Vec<(u32, Vec<Value>)> = Vec::new();
        for d in self.db.entity_datoms(self.id)? {
            let a = u32::try_from(d.a).map_err(|_| StoreError::Corrupt("attribute id".into()))?;
            match grouped.last_mut() {
                Some((last, values)) if *last == a => values.push(d.v),
                _ => grouped.push((a, vec![d.v])),
            }
        }
        let mut out = Vec::with_capacity(grouped.len());
        for (a, values) in grouped {
            let attr = self.db.schema().attribute(a).cloned().ok_or_else(|| {
                StoreError::Corrupt(format!("a datom of attribute {a}, which the schema lacks"))
            })?;
            if let Some(v) = self.shape(&attr, values) {
                out.push((format!(":{}", attr.ident), v));
            }
        }
        Ok(out)
    }

    /// Every datom of the entity, in EAVT order.
    pub fn datoms(&self) -> Result<Vec<Datom>> {
        self.db.entity_datoms(self.id)
    }

    /// `values` of `attr` as the attribute's cardinality and type say.
    fn shape(&self, attr: &Arc<Attribute>, values: Vec<Value>) -> Option<EntityValue> {
        if values.is_empty() {
            return None;
        }
        let entity = |v: Value| match v {
            Value::Ref(e) => Ok(self.db.entity(e)),
            other => Err(other),
        };
        Some(match (attr.cardinality, attr.is_ref()) {
            (Cardinality::One, false) => EntityValue::One(values.into_iter().next()?),
            (Cardinality::Many, false) => EntityValue::Many(values),
            (Cardinality::One, true) => match entity(values.into_iter().next()?) {
                Ok(e) => EntityValue::Entity(e),
                Err(v) => EntityValue::One(v),
            },
            (Cardinality::Many, true) => {
                EntityValue::Entities(values.into_iter().filter_map(|v| entity(v).ok()).collect())
            }
        })
    }
}

impl PartialEq for Entity {
    fn eq(&self, other: &Entity) -> bool {
        self.id == other.id && self.db.same_value(&other.db)
    }
}

impl fmt::Debug for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#entity {{:db/id {}}}", self.id)
    }
}
