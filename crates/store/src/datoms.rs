//! Index access by components, as Datomic users write it: `datoms` (the datoms whose leading
//! components are given), `seek_datoms` (from a point of an index onward) and `index_range`
//! (an attribute's values in a range, from AVET).
//!
//! Components name entities the way transactions do: an id (`Value::Ref`, or a non-negative
//! `Value::Long`), an ident (`Value::keyword(":person/ann")`) or a lookup ref (a two-element
//! `Value::Tuple` of an attribute keyword and a value). Attributes are keywords or ids. An
//! unknown ident or attribute, or a lookup ref matching nothing, is an error naming it.

use std::ops::Bound;
use std::sync::Arc;

use crate::encoding::{Component, Index};
use crate::model::{Datom, Value};
use crate::scan::{DatomIter, Scan};
use crate::schema::Attribute;
use crate::snapshot::Db;
use crate::{Result, StoreError};

impl Db {
    /// Datoms of `index` whose leading components equal `components`, Datomic's
    /// `(d/datoms db :eavt e a v tx)`.
    pub fn datoms(&self, index: Index, components: &[Value]) -> Result<Vec<Datom>> {
        self.bound_scan(index, components)?.collect()
    }

    /// The datoms of `index` from the first one at or after `components` to the end of the
    /// index (Datomic's `seek-datoms`), fetched lazily in batches.
    pub fn seek_datoms(&self, index: Index, components: &[Value]) -> Result<DatomIter> {
        let bound = self.bound_scan(index, components)?;
        Scan::from_key(self, index, bound.prefix().to_vec()).iter()
    }

    /// The datoms of attribute `attr` (a keyword) whose value lies from `start` (inclusive) to
    /// `end` (exclusive), in value order (Datomic's `index-range`); `None` leaves an end open.
    /// Values are those of the attribute's type (an id for a reference attribute).
    pub fn index_range(
        &self,
        attr: &str,
        start: Option<&Value>,
        end: Option<&Value>,
    ) -> Result<Vec<Datom>> {
        let a = self.attribute(attr)?.clone();
        let typed = |v: Option<&Value>| -> Result<Option<Value>> {
            v.map(|v| self.typed(&a, v)).transpose()
        };
        let (start, end) = (typed(start)?, typed(end)?);
        let lower = start.as_ref().map_or(Bound::Unbounded, Bound::Included);
        let upper = end.as_ref().map_or(Bound::Unbounded, Bound::Excluded);
        self.scan(Index::Avet)
            .attribute_id(a.id)
            .value_range(lower, upper)
            .collect()
    }

    /// The entity `v` names: an id, an ident or a lookup ref `[attr value]`.
    pub fn entity_id(&self, v: &Value) -> Result<u64> {
        match v {
            Value::Ref(e) => Ok(*e),
            Value::Long(n) if *n >= 0 => Ok(*n as u64),
            Value::Keyword(k) => self
                .schema()
                .entity_of_ident(k)
                .ok_or_else(|| StoreError::InvalidArgument(format!("unknown ident :{k}"))),
            Value::Tuple(items) => match items.as_slice() {
                [Some(Value::Keyword(attr)), Some(value)] => {
                    let a = self.attribute(attr)?.clone();
                    if a.unique.is_none() {
                        return Err(StoreError::InvalidArgument(format!(
                            "lookup ref [:{attr} {value}] needs a :db/unique attribute, and \
                             :{attr} is not unique"
                        )));
                    }
                    let value = self.typed(&a, value)?;
                    self.scan(Index::Avet)
                        .attribute_id(a.id)
                        .value(&value)
                        .limit(1)
                        .collect()?
                        .first()
                        .map(|d| d.e)
                        .ok_or_else(|| {
                            StoreError::InvalidArgument(format!(
                                "lookup ref [:{attr} {value}] matches no entity"
                            ))
                        })
                }
                _ => Err(StoreError::InvalidArgument(format!(
                    "{v} is not a lookup ref [:attribute value]"
                ))),
            },
            other => Err(StoreError::InvalidArgument(format!(
                "{other} is not an entity (an id, an ident or a lookup ref)"
            ))),
        }
    }

    /// A scan of `index` with `components` bound in its order.
    fn bound_scan(&self, index: Index, components: &[Value]) -> Result<Scan<'_>> {
        if components.len() > 4 {
            return Err(StoreError::InvalidArgument(
                "a datom has at most 4 components".into(),
            ));
        }
        let mut scan = self.scan(index);
        let mut attr: Option<Arc<Attribute>> = None;
        for (component, value) in index.components().iter().zip(components) {
            scan = match component {
                Component::E => scan.entity(self.entity_id(value)?),
                Component::T => scan.tx(self.entity_id(value)?),
                Component::A => {
                    let a = match value {
                        Value::Keyword(k) => self.attribute(k)?.clone(),
                        other => {
                            let n = self.entity_id(other)?;
                            u32::try_from(n)
                                .ok()
                                .and_then(|n| self.schema().attribute(n))
                                .cloned()
                                .ok_or_else(|| StoreError::UnknownAttribute(n.to_string()))?
                        }
                    };
                    let a_id = a.id;
                    attr = Some(a);
                    scan.attribute_id(a_id)
                }
                Component::V => match &attr {
                    Some(a) => scan.value(&self.typed(a, value)?),
                    // VAET: the value comes first and is always a reference.
                    None if index == Index::Vaet => scan.value(&Value::Ref(self.entity_id(value)?)),
                    None => scan.value(value),
                },
            };
        }
        Ok(scan)
    }

    /// `v` as a value of attribute `a`: entities (ids, idents, lookup refs) for a reference
    /// attribute, the value itself otherwise.
    fn typed(&self, a: &Attribute, v: &Value) -> Result<Value> {
        if a.is_ref() {
            return Ok(Value::Ref(self.entity_id(v)?));
        }
        Ok(v.clone())
    }
}
