//! Pull patterns: Datomic's grammar, read from EDN into [`PullPattern`].
//!
//! ```text
//! pattern        [attr-spec+]
//! attr-spec      attr-name | '*' | map-spec | attr-expr
//! attr-name      :ns/name | :ns/_name (reverse) | :db/id
//! map-spec       {(attr-name | attr-expr) (pattern | recursion-limit)+}
//! recursion      a positive integer | ...
//! attr-expr      [attr-name option+]        options: :as x, :limit n|nil, :default v
//!                (attr-name option+)        (the older list form)
//!                (limit attr-name n)  (default attr-name v)
//! ```
//!
//! Reading checks only the shape; names are checked against a schema when the pattern is
//! pulled (`eval.rs`), so one pattern serves every database value.

use std::fmt;
use std::sync::Arc;

use datolite_edn::Edn;
use datolite_store::model::untyped_value;
use datolite_store::{Attribute, Value};

use super::PullKey;
use crate::error::{QueryError, Result};

/// Datomic's limit on the values of a cardinality-many attribute when the pattern sets none.
pub const DEFAULT_LIMIT: usize = 1000;

/// A parsed pull pattern.
#[derive(Clone, Debug, PartialEq)]
pub struct PullPattern {
    /// Whether the pattern holds `*`: every attribute of the entity.
    pub wildcard: bool,
    /// The attribute specs, in the order written.
    pub specs: Vec<AttrSpec>,
    /// The pattern as written, for messages.
    pub form: String,
}

/// Which attribute a spec reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttrName {
    /// `:db/id`: the entity id.
    DbId,
    /// An attribute (its ident without the colon), forward or reverse (`:movie/_cast`).
    Attr {
        /// The attribute's ident (`movie/cast` for both `:movie/cast` and `:movie/_cast`).
        ident: String,
        /// Whether it was written reversed.
        reverse: bool,
    },
}

/// How many values of a cardinality-many attribute to pull.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// Not set: [`DEFAULT_LIMIT`].
    Default,
    /// `:limit nil`: all of them.
    None,
    /// `:limit n`.
    At(usize),
}

impl Limit {
    /// The most values this limit lets through.
    pub fn max(self) -> usize {
        match self {
            Limit::Default => DEFAULT_LIMIT,
            Limit::None => usize::MAX,
            Limit::At(n) => n,
        }
    }
}

/// What a reference attribute's values become.
#[derive(Clone, Debug, PartialEq)]
pub enum Nested {
    /// A pattern for the referenced entities (`{:movie/director [:person/name]}`).
    Pattern(PullPattern),
    /// The enclosing pattern again, at most this many levels (`{:person/friends 3}`), or without
    /// a limit (`...`, `None`), stopping at cycles.
    Recurse(Option<usize>),
}

/// One attribute spec.
#[derive(Clone, Debug, PartialEq)]
pub struct AttrSpec {
    /// The attribute.
    pub attr: AttrName,
    /// The key of its value in the result: the attribute as written, or `:as` (shared by every
    /// map pulled with the spec).
    pub key: PullKey,
    /// `:limit`.
    pub limit: Limit,
    /// `:default`: the value when the entity has none.
    pub default: Option<Value>,
    /// What its references become.
    pub nested: Option<Nested>,
    /// The spec as written, for messages.
    pub form: String,
    /// The attribute, once the pattern is resolved against a schema for pulling (so that no
    /// entity looks its name up again).
    pub(crate) resolved: Option<Arc<Attribute>>,
}

impl fmt::Display for PullPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.form)
    }
}

/// Reads a pull pattern from EDN text.
pub fn parse_pull(text: &str) -> Result<PullPattern> {
    let form = datolite_edn::parse(text).map_err(QueryError::from)?;
    pull_pattern(&form)
}

/// Reads a pull pattern from an EDN form (a vector).
pub fn pull_pattern(form: &Edn) -> Result<PullPattern> {
    let Edn::Vector(items) = form else {
        return Err(bad(
            form,
            "a pull pattern is a vector of attribute specs, such as [:person/name *]",
        ));
    };
    if items.is_empty() {
        return Err(bad(form, "a pull pattern names at least one attribute"));
    }
    let mut pattern = PullPattern {
        wildcard: false,
        specs: Vec::new(),
        form: form.to_string(),
    };
    for item in items {
        match item {
            Edn::Symbol(s) if s.namespace.is_none() && s.name == "*" => pattern.wildcard = true,
            Edn::String(s) if s == "*" => pattern.wildcard = true,
            Edn::Map(entries) => {
                for (key, value) in entries {
                    let mut spec = attr_spec(key)?;
                    spec.nested = Some(nested(value, item)?);
                    spec.form = item.to_string();
                    pattern.specs.push(spec);
                }
            }
            other => pattern.specs.push(attr_spec(other)?),
        }
    }
    Ok(pattern)
}

/// What a map spec's value says: a pattern or a recursion limit.
fn nested(value: &Edn, map: &Edn) -> Result<Nested> {
    match value {
        Edn::Vector(_) => Ok(Nested::Pattern(pull_pattern(value)?)),
        Edn::Symbol(s) if s.namespace.is_none() && s.name == "..." => Ok(Nested::Recurse(None)),
        Edn::Long(n) if *n > 0 => Ok(Nested::Recurse(Some(*n as usize))),
        _ => Err(bad(
            map,
            &format!(
                "a map spec's value is a pull pattern, a positive recursion limit or ..., got {value}"
            ),
        )),
    }
}

/// An attribute name, an attribute expression, or one of the older list forms.
fn attr_spec(form: &Edn) -> Result<AttrSpec> {
    match form {
        Edn::Keyword(_) => Ok(plain(form)?),
        Edn::Vector(items) => with_options(form, items),
        Edn::List(items) => match items.first() {
            Some(Edn::Keyword(_)) => with_options(form, items),
            Some(Edn::Symbol(s)) if s.namespace.is_none() && s.name == "limit" => {
                let [_, attr, n] = items.as_slice() else {
                    return Err(bad(form, "(limit :attr n) takes an attribute and a limit"));
                };
                let mut spec = plain(attr)?;
                spec.limit = limit(n, form)?;
                spec.form = form.to_string();
                Ok(spec)
            }
            Some(Edn::Symbol(s)) if s.namespace.is_none() && s.name == "default" => {
                let [_, attr, value] = items.as_slice() else {
                    return Err(bad(
                        form,
                        "(default :attr value) takes an attribute and a value",
                    ));
                };
                let mut spec = plain(attr)?;
                spec.default = Some(default_value(value, form)?);
                spec.form = form.to_string();
                Ok(spec)
            }
            _ => Err(bad(
                form,
                "an attribute expression is [:attr options…], (:attr options…), (limit :attr n) \
                 or (default :attr value)",
            )),
        },
        _ => Err(bad(
            form,
            "an attribute spec is a keyword, *, a map {:attr pattern} or an attribute \
             expression [:attr :as name :limit n :default value]",
        )),
    }
}

/// `[:attr :as x :limit n :default v]` (or the list form).
fn with_options(form: &Edn, items: &[Edn]) -> Result<AttrSpec> {
    let Some((attr, options)) = items.split_first() else {
        return Err(bad(
            form,
            "an attribute expression starts with the attribute",
        ));
    };
    let mut spec = plain(attr)?;
    spec.form = form.to_string();
    if options.is_empty() || options.len() % 2 != 0 {
        return Err(bad(
            form,
            "an attribute expression is the attribute followed by option/value pairs (:as, :limit, :default)",
        ));
    }
    for pair in options.chunks(2) {
        let (option, value) = (&pair[0], &pair[1]);
        match option {
            Edn::Keyword(k) if k.namespace.is_none() && k.name == "as" => {
                spec.key = match value {
                    Edn::Nil => return Err(bad(form, ":as takes a name, got nil")),
                    other => untyped_value(other)
                        .ok_or_else(|| bad(form, &format!(":as takes a name, got {other}")))?,
                }
                .into()
            }
            Edn::Keyword(k) if k.namespace.is_none() && k.name == "limit" => {
                spec.limit = limit(value, form)?
            }
            Edn::Keyword(k) if k.namespace.is_none() && k.name == "default" => {
                spec.default = Some(default_value(value, form)?)
            }
            other => {
                return Err(bad(
                    form,
                    &format!(
                    "unknown attribute option {other}; the options are :as, :limit and :default"
                ),
                ))
            }
        }
    }
    Ok(spec)
}

fn limit(value: &Edn, form: &Edn) -> Result<Limit> {
    match value {
        Edn::Nil => Ok(Limit::None),
        Edn::Long(n) if *n >= 0 => Ok(Limit::At(*n as usize)),
        other => Err(bad(
            form,
            &format!(":limit takes a non-negative integer or nil, got {other}"),
        )),
    }
}

fn default_value(value: &Edn, form: &Edn) -> Result<Value> {
    untyped_value(value).ok_or_else(|| bad(form, &format!(":default takes a value, got {value}")))
}

/// An attribute name with no options.
fn plain(form: &Edn) -> Result<AttrSpec> {
    let Edn::Keyword(k) = form else {
        return Err(bad(
            form,
            "an attribute name is a keyword such as :person/name",
        ));
    };
    let attr = match (&k.namespace, k.name.strip_prefix('_')) {
        (Some(ns), _) if ns == "db" && k.name == "id" => AttrName::DbId,
        (Some(ns), Some(name)) if !name.is_empty() => AttrName::Attr {
            ident: format!("{ns}/{name}"),
            reverse: true,
        },
        (ns, _) => AttrName::Attr {
            ident: match ns {
                Some(ns) => format!("{ns}/{}", k.name),
                None => k.name.clone(),
            },
            reverse: false,
        },
    };
    Ok(AttrSpec {
        attr,
        key: untyped_value(form)
            .unwrap_or(Value::Keyword(k.name.clone()))
            .into(),
        limit: Limit::Default,
        default: None,
        nested: None,
        form: form.to_string(),
        resolved: None,
    })
}

fn bad(form: &Edn, what: &str) -> QueryError {
    QueryError::Pull(format!("{what} (in {form})"))
}
