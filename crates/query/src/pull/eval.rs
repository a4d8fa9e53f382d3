//! Pulling: an entity's datoms read once, in entity order, straight from EAVT (one cursor kept
//! across the entities of a pull, positioned per entity), shaped by the pattern; reverse
//! attributes read VAET.
//!
//! Invariants: every name is checked against the schema before anything is read (an unknown
//! attribute is an error naming it, `:limit` on a cardinality-one attribute is an error, a
//! reverse attribute must be a reference); a recursion never expands an entity that is already
//! being expanded on the way down (a cycle gives `{:db/id e}`).

use std::sync::{Arc, LazyLock};

use datolite_store::{Attribute, Cardinality, Db, EntityReader, Index, Reader, Value};

use super::pattern::{AttrName, AttrSpec, Limit, Nested, PullPattern};
use super::{PullMap, Pulled};
use crate::error::{QueryError, Result};

/// Pulls patterns from one database value, on one snapshot (the caller's reader), entity
/// after entity from one EAVT cursor.
pub(crate) struct Puller<'a, 'db> {
    db: &'db Db,
    entities: EntityReader<'a, 'db>,
}

/// One entity's current datoms, grouped by attribute in EAVT order.
type Grouped = Vec<(u32, Vec<Value>)>;

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
        let out = self.entity_in(e, pattern, stack);
        stack.pop();
        out
    }

    fn entity_in(&self, e: u64, pattern: &PullPattern, stack: &mut Vec<u64>) -> Result<PullMap> {
        let forward = pattern.wildcard
            || pattern
                .specs
                .iter()
                .any(|s| matches!(s.attr, AttrName::Attr { reverse: false, .. }));
        let datoms = if !forward {
            Vec::new()
        } else if pattern.wildcard {
            self.datoms_of(e, None)?
        } else {
            // Only the values the pattern names are decoded.
            let mut wanted = Vec::with_capacity(pattern.specs.len());
            for spec in &pattern.specs {
                if let AttrName::Attr { reverse: false, .. } = &spec.attr {
                    wanted.push(spec_attribute(spec)?.id);
                }
            }
            self.datoms_of(e, Some(&wanted))?
        };
        let mut map = PullMap::default();
        if pattern.wildcard {
            map.0.reserve(datoms.len() + 1);
            map.0
                .push((Value::Keyword(DB_ID.into()), Pulled::Value(Value::Ref(e))));
            // Specs written beside `*` replace its entries (the map keeps one value per key);
            // the wildcard's own keys are distinct attributes, so they are pushed unsearched.
            for (a, values) in &datoms {
                let attr = self.attribute(*a)?;
                let key = Value::Keyword(attr.ident.clone());
                let nested = attr.is_component.then_some(&*WILDCARD);
                if let Some(value) =
                    self.values(attr, values, Limit::Default, nested, pattern, stack)?
                {
                    map.0.push((key, value));
                }
            }
        }
        for spec in &pattern.specs {
            let value = match &spec.attr {
                AttrName::DbId => Some(Pulled::Value(Value::Ref(e))),
                AttrName::Attr { reverse: false, .. } => {
                    let attr = spec_attribute(spec)?;
                    match datoms.iter().find(|(a, _)| *a == attr.id) {
                        Some((_, values)) => self.values(
                            attr,
                            values,
                            spec.limit,
                            spec.nested.as_ref(),
                            pattern,
                            stack,
                        )?,
                        None => None,
                    }
                }
                AttrName::Attr { reverse: true, .. } => {
                    let attr = spec_attribute(spec)?;
                    let sources = self.referring(e, attr.id)?;
                    if sources.is_empty() {
                        None
                    } else {
                        self.reverse(attr, &sources, spec, pattern, stack)?
                    }
                }
            };
            match (value, &spec.default) {
                (Some(v), _) => map.insert(spec.key.clone(), v),
                (None, Some(d)) => map.insert(spec.key.clone(), Pulled::Value(d.clone())),
                (None, None) => {}
            }
        }
        Ok(map)
    }

    /// The values of forward attribute `attr` (`values` in index order), shaped by cardinality,
    /// limit and nesting; `None` when a recursion's depth is used up (the attribute is left
    /// out).
    fn values(
        &self,
        attr: &Attribute,
        values: &[Value],
        limit: Limit,
        nested: Option<&Nested>,
        parent: &PullPattern,
        stack: &mut Vec<u64>,
    ) -> Result<Option<Pulled>> {
        let one = |v: &Value, stack: &mut Vec<u64>| match (v, attr.is_ref()) {
            (Value::Ref(target), true) => self.reference(*target, nested, parent, stack),
            _ => Ok(Some(Pulled::Value(v.clone()))),
        };
        if attr.cardinality == Cardinality::One {
            return match values.first() {
                Some(v) => one(v, stack),
                None => Ok(None),
            };
        }
        let mut out = Vec::new();
        for v in values.iter().take(limit.max()) {
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

    /// The datoms of `e` (of the `wanted` attributes only, when given), grouped by attribute,
    /// values decoded: one EAVT prefix scan.
    fn datoms_of(&self, e: u64, wanted: Option<&[u32]>) -> Result<Grouped> {
        let mut out: Grouped = Vec::new();
        let mut failure = None;
        let reader = self.entities.reader();
        self.entities.for_each_datom(e, |raw| {
            if wanted.is_some_and(|w| !w.contains(&raw.a)) {
                return true;
            }
            match reader.value(raw.v) {
                Ok(v) => {
                    match out.last_mut() {
                        Some((a, values)) if *a == raw.a => values.push(v),
                        _ => out.push((raw.a, vec![v])),
                    }
                    true
                }
                Err(e) => {
                    failure = Some(e);
                    false
                }
            }
        })?;
        match failure {
            Some(e) => Err(e.into()),
            None => Ok(out),
        }
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

/// `:db/id` as keyword text.
const DB_ID: &str = "db/id";

/// `{:db/id e}` for a reference value not expanded.
fn id_map(v: &Value) -> Pulled {
    Pulled::Map(PullMap(vec![(
        Value::Keyword(DB_ID.into()),
        Pulled::Value(v.clone()),
    )]))
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
