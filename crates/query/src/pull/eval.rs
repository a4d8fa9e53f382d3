//! Pulling: an entity's datoms read once, in entity order, straight from EAVT (one cursor kept
//! across the entities of a pull, positioned per entity), shaped by the pattern; reverse
//! attributes read VAET.
//!
//! Invariants: every name is checked against the schema before anything is read (an unknown
//! attribute is an error naming it, `:limit` on a cardinality-one attribute is an error, a
//! reverse attribute must be a reference); a recursion never expands an entity that is already
//! being expanded on the way down (a cycle gives `{:db/id e}`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use datolite_store::{Attribute, Cardinality, Db, EntityReader, Index, Reader, Value};

use super::pattern::{AttrName, AttrSpec, Limit, Nested, PullPattern};
use super::{PullKey, PullMap, Pulled};
use crate::error::{QueryError, Result};

/// Pulls patterns from one database value, on one snapshot (the caller's reader), entity
/// after entity from one EAVT cursor.
pub(crate) struct Puller<'a, 'db> {
    db: &'db Db,
    entities: EntityReader<'a, 'db>,
    /// The key of each attribute a wildcard has met (made once per pull, not per entity).
    wildcard_keys: RefCell<HashMap<u32, PullKey>>,
}

/// One entity's current datoms, grouped by attribute in EAVT order.
type Grouped = Vec<(u32, Vec<Value>)>;

/// The values an entity holds for one spec of a pattern without `*`, in index order.
#[derive(Default)]
struct Slot {
    first: Option<Value>,
    rest: Vec<Value>,
}

impl Slot {
    fn push(&mut self, v: Value) {
        match self.first {
            None => self.first = Some(v),
            Some(_) => self.rest.push(v),
        }
    }

    fn is_empty(&self) -> bool {
        self.first.is_none()
    }

    fn into_values(self) -> impl Iterator<Item = Value> {
        self.first.into_iter().chain(self.rest)
    }
}

impl<'a, 'db> Puller<'a, 'db> {
    pub(crate) fn new(db: &'db Db, reader: &'a Reader<'db>) -> Result<Self> {
        if db.is_history() {
            return Err(QueryError::Pull(
                "pull reads entities at one moment; a history value holds every moment (pull \
                 from an as-of value instead)"
                    .into(),
            ));
        }
        Ok(Puller {
            db,
            entities: reader.entity_reader()?,
            wildcard_keys: RefCell::default(),
        })
    }

    /// `pattern` (already [`resolve`]d against this value's schema) pulled from entity `e`;
    /// `None` when the entity has none of its attributes (and the pattern does not ask for
    /// `:db/id`).
    pub(crate) fn pull(&self, e: u64, pattern: &PullPattern) -> Result<Option<PullMap>> {
        let mut stack = Vec::new();
        let map = self.entity(e, pattern, &mut stack)?;
        Ok((!map.0.is_empty()).then_some(map))
    }

    /// The map of entity `e`; `stack` holds the entities being expanded above it.
    fn entity(&self, e: u64, pattern: &PullPattern, stack: &mut Vec<u64>) -> Result<PullMap> {
        stack.push(e);
        let out = if pattern.wildcard {
            self.wildcard_entity(e, pattern, stack)
        } else {
            self.named_entity(e, pattern, stack)
        };
        stack.pop();
        out
    }

    /// A pattern without `*`: one pass over the entity's datoms drops each value named by a
    /// spec into that spec's slot (nothing else is decoded), then the map is built in spec
    /// order.
    fn named_entity(&self, e: u64, pattern: &PullPattern, stack: &mut Vec<u64>) -> Result<PullMap> {
        let mut slots: Vec<Slot> = pattern.specs.iter().map(|_| Slot::default()).collect();
        // EAVT orders an entity's datoms by attribute id: past the last attribute named, stop.
        if let Some(last) = pattern.specs.iter().filter_map(forward_id).max() {
            let reader = self.entities.reader();
            self.entities.for_each_datom(e, |raw| {
                if raw.a > last {
                    return Ok(false);
                }
                let mut matching = pattern
                    .specs
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| forward_id(s) == Some(raw.a))
                    .map(|(i, _)| i)
                    .peekable();
                let Some(&first) = matching.peek() else {
                    return Ok(true);
                };
                let v = reader.value(raw.v)?;
                // The same attribute may be named by several specs (with `:as`).
                for i in matching.skip(1) {
                    slots[i].push(v.clone());
                }
                slots[first].push(v);
                Ok(true)
            })?;
        }
        let mut map = PullMap(Vec::with_capacity(pattern.specs.len()));
        for (spec, slot) in pattern.specs.iter().zip(slots) {
            let value = match &spec.attr {
                AttrName::DbId => Some(Pulled::Value(Value::Ref(e))),
                AttrName::Attr { reverse: false, .. } if slot.is_empty() => None,
                AttrName::Attr { reverse: false, .. } => self.values(
                    spec_attribute(spec)?,
                    slot.into_values(),
                    spec.limit,
                    spec.nested.as_ref(),
                    pattern,
                    stack,
                )?,
                AttrName::Attr { reverse: true, .. } => {
                    self.reverse_spec(e, spec, pattern, stack)?
                }
            };
            self.set(&mut map, spec, value);
        }
        Ok(map)
    }

    /// A pattern with `*`: `:db/id`, then every attribute of the entity (components expanded),
    /// then the specs written beside `*`, which replace the wildcard's entries.
    fn wildcard_entity(
        &self,
        e: u64,
        pattern: &PullPattern,
        stack: &mut Vec<u64>,
    ) -> Result<PullMap> {
        let datoms = self.datoms_of(e)?;
        let mut map = PullMap(Vec::with_capacity(datoms.len() + 1));
        map.0
            .push((DB_ID_KEY.clone(), Pulled::Value(Value::Ref(e))));
        // The wildcard's own keys are distinct attributes, so they are pushed unsearched.
        let mut named = Vec::new();
        for (a, values) in datoms {
            let attr = self.attribute(a)?;
            if pattern.specs.iter().any(|s| forward_id(s) == Some(a)) {
                // Named beside `*` too: the spec decides (below); its values are kept for it.
                named.push((a, values.clone()));
            }
            let nested = attr.is_component.then_some(&*WILDCARD);
            if let Some(value) = self.values(
                attr,
                values.into_iter(),
                Limit::Default,
                nested,
                pattern,
                stack,
            )? {
                map.0.push((self.wildcard_key(attr), value));
            }
        }
        for spec in &pattern.specs {
            let value = match &spec.attr {
                AttrName::DbId => Some(Pulled::Value(Value::Ref(e))),
                AttrName::Attr { reverse: false, .. } => {
                    let attr = spec_attribute(spec)?;
                    match named.iter().find(|(a, _)| *a == attr.id) {
                        Some((_, values)) => self.values(
                            attr,
                            values.iter().cloned(),
                            spec.limit,
                            spec.nested.as_ref(),
                            pattern,
                            stack,
                        )?,
                        None => None,
                    }
                }
                AttrName::Attr { reverse: true, .. } => {
                    self.reverse_spec(e, spec, pattern, stack)?
                }
            };
            self.set(&mut map, spec, value);
        }
        Ok(map)
    }

    /// Sets the spec's key to `value`, or to its `:default` when the entity has no value.
    fn set(&self, map: &mut PullMap, spec: &AttrSpec, value: Option<Pulled>) {
        match (value, &spec.default) {
            (Some(v), _) => map.insert(spec.key.clone(), v),
            (None, Some(d)) => map.insert(spec.key.clone(), Pulled::Value(d.clone())),
            (None, None) => {}
        }
    }

    /// A reverse spec (`:ns/_attr`) of entity `e`.
    fn reverse_spec(
        &self,
        e: u64,
        spec: &AttrSpec,
        pattern: &PullPattern,
        stack: &mut Vec<u64>,
    ) -> Result<Option<Pulled>> {
        let attr = spec_attribute(spec)?;
        let sources = self.referring(e, attr.id)?;
        if sources.is_empty() {
            return Ok(None);
        }
        self.reverse(attr, &sources, spec, pattern, stack)
    }

    /// The key of `attr` in a wildcard's maps.
    fn wildcard_key(&self, attr: &Attribute) -> PullKey {
        self.wildcard_keys
            .borrow_mut()
            .entry(attr.id)
            .or_insert_with(|| Arc::new(Value::Keyword(attr.ident.clone())))
            .clone()
    }

    /// The values of forward attribute `attr` (`values` in index order), shaped by cardinality,
    /// limit and nesting; `None` when a recursion's depth is used up (the attribute is left
    /// out).
    fn values(
        &self,
        attr: &Attribute,
        mut values: impl Iterator<Item = Value>,
        limit: Limit,
        nested: Option<&Nested>,
        parent: &PullPattern,
        stack: &mut Vec<u64>,
    ) -> Result<Option<Pulled>> {
        let one = |v: Value, stack: &mut Vec<u64>| match (v, attr.is_ref()) {
            (Value::Ref(target), true) => self.reference(target, nested, parent, stack),
            (v, _) => Ok(Some(Pulled::Value(v))),
        };
        if attr.cardinality == Cardinality::One {
            return match values.next() {
                Some(v) => one(v, stack),
                None => Ok(None),
            };
        }
        let mut out = Vec::new();
        for v in values.take(limit.max()) {
            match one(v, stack)? {
                Some(p) => out.push(p),
                None => return Ok(None),
            }
        }
        Ok(Some(Pulled::Many(out)))
    }

    /// The entities referring to `e` through `attr` (`:attr/_name`): one for a component
    /// attribute (an entity is a component of one owner), a collection otherwise.
    fn reverse(
        &self,
        attr: &Attribute,
        sources: &[u64],
        spec: &AttrSpec,
        parent: &PullPattern,
        stack: &mut Vec<u64>,
    ) -> Result<Option<Pulled>> {
        let nested = spec.nested.as_ref();
        if attr.is_component {
            return self.reference(sources[0], nested, parent, stack);
        }
        let mut out = Vec::new();
        for &source in sources.iter().take(spec.limit.max()) {
            match self.reference(source, nested, parent, stack)? {
                Some(p) => out.push(p),
                None => return Ok(None),
            }
        }
        Ok(Some(Pulled::Many(out)))
    }

    /// A referenced entity: `{:db/id e}`, its nested pattern's map, or the parent pattern again
    /// (recursion). `None` when a recursion's depth is used up (the value is left out).
    fn reference(
        &self,
        target: u64,
        nested: Option<&Nested>,
        parent: &PullPattern,
        stack: &mut Vec<u64>,
    ) -> Result<Option<Pulled>> {
        match nested {
            None => Ok(Some(id_map(&Value::Ref(target)))),
            Some(Nested::Pattern(p)) => {
                if stack.contains(&target) && p.wildcard {
                    // A component cycle under `*`: stop with the id.
                    return Ok(Some(id_map(&Value::Ref(target))));
                }
                Ok(Some(Pulled::Map(self.entity(target, p, stack)?)))
            }
            Some(recursion @ Nested::Recurse(depth)) => {
                if *depth == Some(0) {
                    return Ok(None);
                }
                if stack.contains(&target) {
                    return Ok(Some(id_map(&Value::Ref(target))));
                }
                let next = deeper(parent, recursion);
                Ok(Some(Pulled::Map(self.entity(target, &next, stack)?)))
            }
        }
    }

    /// Every datom of `e`, grouped by attribute, values decoded: one EAVT prefix scan.
    fn datoms_of(&self, e: u64) -> Result<Grouped> {
        let mut out: Grouped = Vec::new();
        let reader = self.entities.reader();
        self.entities.for_each_datom(e, |raw| {
            let v = reader.value(raw.v)?;
            match out.last_mut() {
                Some((a, values)) if *a == raw.a => values.push(v),
                _ => out.push((raw.a, vec![v])),
            }
            Ok(true)
        })?;
        Ok(out)
    }

    /// The entities whose `a` refers to `e`, from VAET.
    fn referring(&self, e: u64, a: u32) -> Result<Vec<u64>> {
        let mut out = Vec::new();
        let scan = self
            .db
            .scan(Index::Vaet)
            .value(&Value::Ref(e))
            .attribute_id(a);
        self.entities.reader().for_each_raw(&scan, |raw| {
            out.push(raw.e);
            true
        })?;
        Ok(out)
    }

    fn attribute(&self, id: u32) -> Result<&'db Arc<Attribute>> {
        self.db.schema().attribute(id).ok_or_else(|| {
            QueryError::Storage(format!("a datom of attribute {id}, which the schema lacks"))
        })
    }
}

/// The attribute of an attribute spec, set when the pattern was [`resolve`]d (every pull
/// resolves its pattern before reading).
fn spec_attribute(spec: &AttrSpec) -> Result<&Arc<Attribute>> {
    spec.resolved
        .as_ref()
        .ok_or_else(|| QueryError::Pull(format!("internal: {} was pulled unresolved", spec.form)))
}

/// `[*]`, for components under a wildcard (made once).
static WILDCARD: LazyLock<Nested> = LazyLock::new(|| {
    Nested::Pattern(PullPattern {
        wildcard: true,
        specs: Vec::new(),
        form: "[*]".into(),
    })
});

/// The `:db/id` key (made once).
static DB_ID_KEY: LazyLock<PullKey> = LazyLock::new(|| Arc::new(Value::Keyword("db/id".into())));

/// `{:db/id e}` for a reference value not expanded.
fn id_map(v: &Value) -> Pulled {
    Pulled::Map(PullMap(vec![(DB_ID_KEY.clone(), Pulled::Value(v.clone()))]))
}

/// The attribute a forward spec reads, by id.
fn forward_id(spec: &AttrSpec) -> Option<u32> {
    match (&spec.attr, &spec.resolved) {
        (AttrName::Attr { reverse: false, .. }, Some(attr)) => Some(attr.id),
        _ => None,
    }
}

/// The parent pattern one level deeper into `recursion` (one of its specs' nesting): that
/// spec's limit lowered by one (unlimited stays unlimited).
fn deeper(parent: &PullPattern, recursion: &Nested) -> PullPattern {
    let mut next = parent.clone();
    for (spec, original) in next.specs.iter_mut().zip(&parent.specs) {
        if let (Some(Nested::Recurse(Some(n))), Some(o)) = (&mut spec.nested, &original.nested) {
            if std::ptr::eq(o, recursion) {
                *n -= 1;
            }
        }
    }
    next
}

/// `pattern` with every name checked against the schema of `db` (unknown attributes, `:limit`
/// on a cardinality-one attribute, reverse or nested specs on value attributes are errors) and
/// each spec carrying its attribute, so that no entity looks a name up again.
pub(crate) fn resolve(db: &Db, pattern: &PullPattern) -> Result<PullPattern> {
    let mut out = pattern.clone();
    for spec in &mut out.specs {
        let AttrName::Attr { ident, reverse } = &spec.attr else {
            if spec.limit != Limit::Default || spec.nested.is_some() {
                return Err(QueryError::Pull(format!(
                    ":db/id takes no :limit and no nested pattern (in {})",
                    spec.form
                )));
            }
            continue;
        };
        let attr = db.schema().attribute_named(ident).ok_or_else(|| {
            QueryError::Pull(format!("unknown attribute :{ident} (in {})", spec.form))
        })?;
        if *reverse && !attr.is_ref() {
            return Err(QueryError::Pull(format!(
                ":{} is reversed, but :{ident} holds values of type {}, not references (in {})",
                reverse_ident(ident),
                attr.value_type,
                spec.form
            )));
        }
        let many = *reverse && !attr.is_component || attr.cardinality == Cardinality::Many;
        if !many && spec.limit != Limit::Default {
            return Err(QueryError::Pull(format!(
                ":limit applies to attributes with many values; :{} has one (in {})",
                if *reverse {
                    reverse_ident(ident)
                } else {
                    ident.clone()
                },
                spec.form
            )));
        }
        if spec.nested.is_some() && !attr.is_ref() {
            return Err(QueryError::Pull(format!(
                "a nested pattern needs a reference attribute; :{ident} holds values of type {} (in {})",
                attr.value_type, spec.form
            )));
        }
        if let Some(Nested::Pattern(p)) = &mut spec.nested {
            *p = resolve(db, p)?;
        }
        spec.resolved = Some(attr.clone());
    }
    Ok(out)
}

/// `ns/_name` for `ns/name`.
fn reverse_ident(ident: &str) -> String {
    match ident.split_once('/') {
        Some((ns, name)) => format!("{ns}/_{name}"),
        None => format!("_{ident}"),
    }
}
