//! Pull: entities as nested maps, shaped by a pattern (Datomic's `pull`).
//!
//! - [`pattern`]: the pattern grammar read from EDN ([`PullPattern`], [`parse_pull`]).
//! - `eval`: pulling, entity after entity from one EAVT cursor on one snapshot; reverse
//!   attributes from VAET.
//! - [`Pulled`] / [`PullMap`]: the result, printed as EDN by `Display`.
//!
//! Pull reads any database value but a history one (as of, since, with); in queries,
//! `(pull ?e pattern)` is a find element (`find.rs`).

mod eval;
pub mod pattern;

use std::fmt;
use std::sync::Arc;

use datolite_store::{Db, Value};

use crate::ast::{FindElem, PullSource, Query};
use crate::error::QueryError;
use crate::result::{Cell, InputValue};
use crate::sources::Sources;

pub use pattern::{parse_pull, pull_pattern, AttrName, AttrSpec, Limit, Nested, PullPattern};

use crate::error::Result;

/// A pulled value: a plain value, a map (an entity), or the values of a cardinality-many
/// attribute.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Pulled {
    /// A value (`:db/id` is a `Value::Ref`).
    Value(Value),
    /// An entity, or a reference not expanded (`{:db/id e}`).
    Map(PullMap),
    /// The values of a cardinality-many (or reverse) attribute, in index order.
    Many(Vec<Pulled>),
}

/// A key of a pulled map: an attribute ident as a keyword, or an `:as` name. Shared: every map
/// pulled with one pattern holds the same keys, so they are counted references, not copies.
pub type PullKey = Arc<Value>;

/// A pulled entity: keys (attribute idents as keywords, or `:as` names) to values, in the
/// order of the pattern (`*` first: `:db/id`, then attributes in id order). Keys are distinct.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct PullMap(pub Vec<(PullKey, Pulled)>);

impl PullMap {
    /// Sets `key` (replacing a value it had, in place).
    pub fn insert(&mut self, key: impl Into<PullKey>, value: Pulled) {
        let key = key.into();
        match self.0.iter_mut().find(|(k, _)| same_key(k, &key)) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }

    /// The value of `key`.
    pub fn get(&self, key: &Value) -> Option<&Pulled> {
        self.0
            .iter()
            .find(|(k, _)| same_key(k, key))
            .map(|(_, v)| v)
    }

    /// The value of attribute `ident` (`":person/name"`).
    pub fn attr(&self, ident: &str) -> Option<&Pulled> {
        self.get(&Value::keyword(ident))
    }
}

/// Key equality: keywords and strings by their text (what `==` on values decides too, without
/// its general ordering of names), anything else by `==`.
fn same_key(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Keyword(x), Value::Keyword(y)) | (Value::String(x), Value::String(y)) => x == y,
        _ => a == b,
    }
}

impl fmt::Display for Pulled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pulled::Value(v) => write!(f, "{v}"),
            Pulled::Map(m) => write!(f, "{m}"),
            Pulled::Many(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
        }
    }
}

impl fmt::Display for PullMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, (k, v)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{k} {v}")?;
        }
        f.write_str("}")
    }
}

/// `pattern` pulled from entity `e` of `db`; `None` when the entity has none of the pattern's
/// attributes. Names are checked against `db`'s schema first (an unknown attribute is an
/// error naming it).
pub fn pull(db: &Db, e: u64, pattern: &PullPattern) -> Result<Option<PullMap>> {
    let pattern = eval::resolve(db, pattern)?;
    let reader = db.reader()?;
    let puller = eval::Puller::new(db, &reader)?;
    puller.pull(e, &pattern)
}

/// [`pull`] of every entity of `es`, in order, on one snapshot.
pub fn pull_many(db: &Db, es: &[u64], pattern: &PullPattern) -> Result<Vec<Option<PullMap>>> {
    let pattern = eval::resolve(db, pattern)?;
    let reader = db.reader()?;
    let puller = eval::Puller::new(db, &reader)?;
    es.iter().map(|&e| puller.pull(e, &pattern)).collect()
}

/// Replaces the entity ids of `rows` (the find step's result, in `:find` order) in each
/// `(pull ?e pattern)` column by the pulled maps — after sorting and `:limit`, so only the rows
/// returned are pulled.
pub(crate) fn pull_columns(
    rows: &mut [Vec<Cell>],
    query: &Query,
    sources: &Sources,
    inputs: &[InputValue],
) -> Result<()> {
    for (i, elem) in query.find_elements().iter().enumerate() {
        let FindElem::Pull(p) = elem else { continue };
        let pattern = match &p.pattern {
            PullSource::Literal(pattern) => pattern,
            PullSource::Input(name) => query
                .inputs
                .iter()
                .zip(inputs)
                .find_map(|(input, value)| match (input, value) {
                    (crate::ast::Input::Pattern(n), InputValue::Pattern(pattern)) if n == name => {
                        Some(pattern)
                    }
                    _ => None,
                })
                .ok_or_else(|| {
                    QueryError::invalid(
                        format!("pull pattern {name} is not a pattern input of :in (:in $ {name})"),
                        query.pos,
                    )
                })?,
        };
        sources
            .check(p.src.as_ref())
            .map_err(|m| QueryError::invalid(format!("{m} in (pull …)"), query.pos))?;
        let db = sources.get(p.src.as_ref());
        let pattern = &eval::resolve(db, pattern)?;
        let reader = db.reader()?;
        let puller = eval::Puller::new(db, &reader)?;
        for row in rows.iter_mut() {
            let Some(cell) = row.get_mut(i) else { continue };
            let e = match cell {
                Cell::Value(Value::Ref(e)) => *e,
                Cell::Value(Value::Long(n)) if *n >= 0 => *n as u64,
                other => {
                    return Err(QueryError::invalid(
                        format!(
                            "pull's entity {} is bound to {other:?}, which is no entity id",
                            p.var
                        ),
                        query.pos,
                    ))
                }
            };
            *cell = Cell::Pulled(puller.pull(e, pattern)?);
        }
    }
    Ok(())
}

/// The entity an EDN form names, as `pull` and the CLI take one: an id (`17592186045418`), an
/// ident (`:db/ident`'s value, `:person/ann`) or a lookup ref (`[:person/email "a@b"]`). An
/// unknown ident or a lookup ref matching nothing is an error naming it.
pub fn entity_of(db: &Db, form: &datolite_edn::Edn) -> Result<u64> {
    use datolite_edn::Edn;
    let fail = |m: String| QueryError::Entity(m);
    match form {
        Edn::Long(n) if *n >= 0 => Ok(*n as u64),
        Edn::Keyword(k) => {
            crate::resolve::lookup::ident_entity(db, &datolite_store::model::keyword_text(k))
                .map_err(fail)
        }
        Edn::Vector(items) => match items.as_slice() {
            [Edn::Keyword(attr), value] => {
                let value = datolite_store::model::untyped_value(value).ok_or_else(|| {
                    fail(format!(
                        "a lookup ref is [:attribute value], and {value} is not a value"
                    ))
                })?;
                crate::resolve::lookup::lookup_ref(
                    db,
                    &datolite_store::model::keyword_text(attr),
                    &value,
                )
                .map_err(fail)
            }
            _ => Err(fail(format!(
                "{form} is not a lookup ref [:attribute value]"
            ))),
        },
        other => Err(fail(format!(
            "an entity is an id, an ident or a lookup ref [:attribute value], got {other}"
        ))),
    }
}
