//! Turning JSON objects and CSV rows into entity maps of tx-data, typed by the schema.
//!
//! JSON and CSV carry fewer types than datolite: an instant, a keyword or a UUID arrives as a
//! string. Each value is converted by its attribute's declared type — from the database's
//! schema, a `--schema` file, or the export being replayed. An attribute that is declared
//! nowhere gets a type inferred from its first value (JSON: string, integer → long, number →
//! double, boolean, object → component reference, array → cardinality many; CSV: long and
//! double only when the number prints back as written (`00501` stays a string), boolean, an
//! ISO-8601 date or instant, else string), and its schema is asserted in the same transaction as that value; a
//! later value of another type is an error naming it.
//!
//! Keys become idents: `:ns/name` and `ns/name` as written, a bare `name` in `--namespace NS`
//! (or without a namespace when none is given); `db/id` (or `:db/id`) is the entity's id.

use std::collections::HashMap;

use datolite::{Cardinality, Schema, Unique, ValueType};
use datolite_edn::{parse_inst, Edn, Keyword, Symbol};
use datolite_store::TupleType;

/// What converting a value needs to know of its attribute.
#[derive(Clone, Debug)]
pub struct AttrType {
    /// The declared (or inferred) value type.
    pub value_type: ValueType,
    /// Cardinality many: a JSON array is several values, not a tuple.
    pub many: bool,
    /// Element types of a tuple attribute (one entry repeated for `:db/tupleType`).
    pub tuple: Option<TupleElements>,
    /// `:db.unique/identity`: rows upsert on it.
    pub identity: bool,
}

/// The element types of a tuple attribute.
#[derive(Clone, Debug)]
pub enum TupleElements {
    /// `:db/tupleType`: every element one type.
    Homogeneous(ValueType),
    /// `:db/tupleTypes` (and composites, by their sources' types).
    Heterogeneous(Vec<ValueType>),
}

/// The types of the attributes an import may meet, by ident with its colon.
#[derive(Clone, Debug, Default)]
pub struct Types {
    attrs: HashMap<String, AttrType>,
}

impl Types {
    /// The attributes of `schema`.
    pub fn from_schema(schema: &Schema) -> Self {
        let mut types = Types::default();
        for attr in schema.attributes() {
            let tuple = match &attr.tuple {
                Some(TupleType::Homogeneous(t)) => Some(TupleElements::Homogeneous(*t)),
                Some(TupleType::Heterogeneous(ts)) => {
                    Some(TupleElements::Heterogeneous(ts.clone()))
                }
                _ => None,
            };
            types.attrs.insert(
                format!(":{}", attr.ident),
                AttrType {
                    value_type: attr.value_type,
                    many: attr.cardinality == Cardinality::Many,
                    tuple,
                    identity: attr.unique == Some(Unique::Identity),
                },
            );
        }
        types
    }

    /// The type of `ident` (with its colon), when known.
    pub fn get(&self, ident: &str) -> Option<&AttrType> {
        self.attrs.get(ident)
    }

    /// Learns the attributes an EDN schema form defines: maps with `:db/ident` and
    /// `:db/valueType` (alone or in a vector of them).
    pub fn learn_edn(&mut self, form: &Edn) {
        match form {
            Edn::Vector(items) | Edn::List(items) => items.iter().for_each(|i| self.learn_edn(i)),
            Edn::Map(_) => {
                let keyword = |k: &str| match form.get_keyword(k) {
                    Some(Edn::Keyword(kw)) => Some(kw.to_string()),
                    _ => None,
                };
                let (Some(ident), Some(value_type)) = (
                    keyword(":db/ident"),
                    keyword(":db/valueType").and_then(|t| ValueType::from_ident(&t)),
                ) else {
                    return;
                };
                let tuple = match (keyword(":db/tupleType"), form.get_keyword(":db/tupleTypes")) {
                    (Some(t), _) => ValueType::from_ident(&t).map(TupleElements::Homogeneous),
                    (None, Some(Edn::Vector(ts))) => Some(TupleElements::Heterogeneous(
                        ts.iter()
                            .filter_map(|t| match t {
                                Edn::Keyword(k) => ValueType::from_ident(&k.to_string()),
                                _ => None,
                            })
                            .collect(),
                    )),
                    _ => None,
                };
                self.attrs.insert(
                    ident,
                    AttrType {
                        value_type,
                        many: keyword(":db/cardinality").as_deref() == Some(":db.cardinality/many"),
                        tuple,
                        identity: keyword(":db/unique").as_deref() == Some(":db.unique/identity"),
                    },
                );
            }
            _ => {}
        }
    }

    /// Gives the type of attribute `old` to its new ident `new` (a rename).
    pub fn rename(&mut self, old: &str, new: &str) {
        if let Some(attr) = self.attrs.get(old).cloned() {
            self.attrs.insert(new.to_string(), attr);
        }
    }

    /// Records an attribute declared by the import itself.
    pub fn insert(&mut self, ident: String, attr: AttrType) {
        self.attrs.insert(ident, attr);
    }
}

/// Builds entity maps from JSON objects and CSV rows.
#[derive(Clone, Debug)]
pub struct EntityBuilder {
    /// What is known of the attributes.
    pub types: Types,
    namespace: Option<String>,
    /// The key whose attribute rows upsert on (`--id-column`).
    id_key: Option<String>,
    /// Schema maps to assert with the next entity (attributes it declares by inference).
    declared: Vec<Edn>,
    /// In a JSON-lines export: each entity given an ident (`"e<id>"`) → that ident, to follow
    /// renames.
    pub entity_idents: HashMap<String, String>,
    /// The store's strict schema: an attribute declared nowhere is an error, not inferred.
    strict: bool,
}

impl EntityBuilder {
    /// A builder knowing `types`, putting bare keys in `namespace`, upserting on `id_key`,
    /// inferring undeclared attributes unless `strict`.
    pub fn new(
        types: Types,
        namespace: Option<String>,
        id_key: Option<String>,
        strict: bool,
    ) -> Self {
        EntityBuilder {
            types,
            namespace,
            id_key,
            declared: Vec::new(),
            entity_idents: HashMap::new(),
            strict,
        }
    }

    /// The ident a key names (with its colon).
    pub fn ident(&self, key: &str) -> String {
        if key.starts_with(':') {
            key.to_string()
        } else if key.contains('/') {
            format!(":{key}")
        } else {
            match &self.namespace {
                Some(ns) => format!(":{ns}/{key}"),
                None => format!(":{key}"),
            }
        }
    }

    /// Whether a key is the entity's id.
    fn is_db_id(key: &str) -> bool {
        matches!(key, "db/id" | ":db/id")
    }

    /// The schema maps declared since the last call (assert them before the entity).
    pub fn take_declared(&mut self) -> Vec<Edn> {
        std::mem::take(&mut self.declared)
    }

    /// The entity map of a JSON object; nested objects become nested (component) entities.
    pub fn json_entity(
        &mut self,
        object: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Edn, String> {
        let mut entries = Vec::with_capacity(object.len());
        for (key, value) in object {
            if value.is_null() {
                continue;
            }
            if Self::is_db_id(key) {
                let id = match value {
                    serde_json::Value::Number(n) => {
                        n.as_u64().map(|n| Edn::Long(n as i64)).ok_or_else(|| {
                            format!("\"{key}\": an entity id is a positive integer, got {n}")
                        })?
                    }
                    serde_json::Value::String(s) => Edn::String(s.clone()),
                    other => {
                        return Err(format!(
                            "\"{key}\": expected an entity id or a tempid string, got {other}"
                        ))
                    }
                };
                entries.push((keyword(":db/id")?, id));
                continue;
            }
            let ident = self.ident(key);
            let attr = match self.types.get(&ident) {
                Some(attr) => attr.clone(),
                None => match infer_json(value) {
                    Some(attr) => self.declare(&ident, attr)?,
                    // An empty array says nothing of its type, and asserts nothing.
                    None => continue,
                },
            };
            let v = self
                .json_value(value, &attr)
                .map_err(|e| format!("\"{key}\" ({ident}): {e}"))?;
            entries.push((keyword(&ident)?, v));
        }
        Ok(Edn::Map(entries))
    }

    /// A JSON value of an attribute of type `attr`.
    pub fn json_value(
        &mut self,
        value: &serde_json::Value,
        attr: &AttrType,
    ) -> Result<Edn, String> {
        use serde_json::Value as J;
        match (value, attr.value_type) {
            (J::Array(items), _) if attr.many => Ok(Edn::Vector(
                items
                    .iter()
                    .map(|item| self.json_value(item, &AttrType { many: false, ..attr.clone() }))
                    .collect::<Result<_, _>>()?,
            )),
            (J::Array(items), ValueType::Tuple) => {
                let elements = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| match (&attr.tuple, item) {
                        (_, J::Null) => Ok(Edn::Nil),
                        (Some(TupleElements::Homogeneous(t)), _) => json_scalar(item, *t),
                        (Some(TupleElements::Heterogeneous(ts)), _) if i < ts.len() => {
                            json_scalar(item, ts[i])
                        }
                        _ => json_untyped(item),
                    })
                    .collect::<Result<_, _>>()?;
                Ok(Edn::Vector(elements))
            }
            (J::Object(object), ValueType::Ref) => self.json_entity(object),
            // A lookup ref: `[":person/email", "a@b"]`.
            (J::Array(items), ValueType::Ref) => match items.as_slice() {
                [J::String(a), v] => {
                    let ident = self.ident(a);
                    let target = self
                        .types
                        .get(&ident)
                        .cloned()
                        .ok_or_else(|| format!("lookup ref on unknown attribute {ident}"))?;
                    Ok(Edn::Vector(vec![keyword(&ident)?, json_scalar(v, target.value_type)?]))
                }
                _ => Err(format!("expected an entity: an id, a tempid, an ident, a lookup ref [\"attr\", value] or an object, got {value}")),
            },
            (v, t) => json_scalar(v, t),
        }
    }

    /// The entity map of a CSV row: `(key, text)` pairs, empty texts skipped.
    pub fn csv_entity<'r>(
        &mut self,
        fields: impl Iterator<Item = (&'r str, &'r str)>,
    ) -> Result<Edn, (usize, String)> {
        let mut entries = Vec::new();
        for (column, (key, text)) in fields.enumerate() {
            if text.is_empty() {
                continue;
            }
            let fail = |e: String| (column, e);
            if Self::is_db_id(key) {
                let id = text
                    .parse::<u64>()
                    .map(|n| Edn::Long(n as i64))
                    .unwrap_or_else(|_| Edn::String(text.to_string()));
                entries.push((keyword(":db/id").map_err(fail)?, id));
                continue;
            }
            let ident = self.ident(key);
            let attr = match self.types.get(&ident) {
                Some(attr) => attr.clone(),
                None => {
                    let inferred = infer_text(text);
                    self.declare(&ident, inferred).map_err(fail)?
                }
            };
            let value = text_value(text, attr.value_type)
                .map_err(|e| fail(format!("column \"{key}\" ({ident}): {e}")))?;
            entries.push((keyword(&ident).map_err(fail)?, value));
        }
        Ok(Edn::Map(entries))
    }

    /// Declares `ident` with the inferred `attr` (unique identity when it is the id key) — or,
    /// with strict schema on, refuses it as the transactor refuses an undeclared attribute.
    fn declare(&mut self, ident: &str, mut attr: AttrType) -> Result<AttrType, String> {
        if self.strict {
            return Err(format!(
                "unknown attribute {ident}: DATOLITE_STRICT_SCHEMA is on, so it must be declared \
                 (in the database or in --schema FILE)"
            ));
        }
        let is_id = self
            .id_key
            .as_deref()
            .is_some_and(|k| self.ident(k) == ident);
        attr.identity = is_id;
        let kw = |t: &str| {
            Edn::Keyword(Keyword::new(
                t.split_once('/').map(|(n, _)| n),
                t.split_once('/').map_or(t, |(_, n)| n),
            ))
        };
        let mut map = vec![
            (kw("db/ident"), kw(&ident[1..])),
            (kw("db/valueType"), kw(attr.value_type.ident())),
            (
                kw("db/cardinality"),
                kw(if attr.many {
                    "db.cardinality/many"
                } else {
                    "db.cardinality/one"
                }),
            ),
        ];
        if attr.value_type == ValueType::Ref {
            map.push((kw("db/isComponent"), Edn::Bool(true)));
        }
        if is_id {
            map.push((kw("db/unique"), kw("db.unique/identity")));
        }
        self.declared.push(Edn::Map(map));
        self.types.insert(ident.to_string(), attr.clone());
        Ok(attr)
    }

    /// The `--id-column` value of an entity map (its EDN text), when it has one.
    pub fn identity_of(&self, entity: &Edn) -> Option<String> {
        let ident = self.ident(self.id_key.as_deref()?);
        entity.get_keyword(&ident).map(Edn::to_string)
    }

    /// Checks that the `--id-column` attribute, if declared, upserts.
    pub fn check_id_key(&self) -> Result<(), String> {
        let Some(key) = &self.id_key else {
            return Ok(());
        };
        let ident = self.ident(key);
        match self.types.get(&ident) {
            Some(attr) if !attr.identity => Err(format!(
                "--id-column {key}: {ident} is not :db.unique/identity in the schema, so rows \
                 cannot upsert on it"
            )),
            _ => Ok(()),
        }
    }
}

/// A keyword from its text with colon.
fn keyword(text: &str) -> Result<Edn, String> {
    Keyword::parse(text)
        .map(Edn::Keyword)
        .map_err(|_| format!("{text} is not a valid attribute name"))
}

/// The type a JSON value suggests for an attribute declared nowhere; `None` for an empty array.
fn infer_json(value: &serde_json::Value) -> Option<AttrType> {
    use serde_json::Value as J;
    let one = |value_type| AttrType {
        value_type,
        many: false,
        tuple: None,
        identity: false,
    };
    Some(match value {
        J::Bool(_) => one(ValueType::Boolean),
        J::Number(n) if n.is_i64() || n.is_u64() => one(ValueType::Long),
        J::Number(_) => one(ValueType::Double),
        J::String(_) | J::Null => one(ValueType::String),
        J::Object(_) => one(ValueType::Ref),
        J::Array(items) => AttrType {
            many: true,
            ..infer_json(items.first()?)?
        },
    })
}

/// The type a CSV text suggests for an attribute declared nowhere.
fn infer_text(text: &str) -> AttrType {
    let value_type = if text.parse::<i64>().is_ok_and(|n| n.to_string() == text) {
        ValueType::Long
    } else if plain_decimal(text) {
        ValueType::Double
    } else if text == "true" || text == "false" {
        ValueType::Boolean
    } else if looks_like_date(text) {
        ValueType::Instant
    } else {
        ValueType::String
    };
    AttrType {
        value_type,
        many: false,
        tuple: None,
        identity: false,
    }
}

/// Whether a CSV text is a decimal number whose digits a double keeps as written: an optional
/// `-`, digits without a leading zero (`0` alone is fine), a point, digits. Codes such as
/// `00501`, `+44` or `1e5` stay strings: read as numbers they would change (and, as an
/// `--id-column`, merge rows).
fn plain_decimal(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let Some((whole, fraction)) = digits.split_once('.') else {
        return false;
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    all_digits(whole)
        && all_digits(fraction)
        && (whole == "0" || !whole.starts_with('0'))
        && whole.len() + fraction.len() <= 15
}

/// Whether a CSV text is an ISO-8601 date or instant (`2024-05-01`, `2024-05-01T09:30:00Z`):
/// CSV has no types, and dates are the one kind of column worth reading as instants.
fn looks_like_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 10
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && parse_inst(text).is_ok()
}

/// A JSON scalar as a value of type `t`.
fn json_scalar(value: &serde_json::Value, t: ValueType) -> Result<Edn, String> {
    use serde_json::Value as J;
    match (value, t) {
        (J::String(s), _) => text_value(s, t).or_else(|e| match t {
            // A string for a reference is a tempid (or an ident, which text_value took).
            ValueType::Ref => Ok(Edn::String(s.clone())),
            _ => Err(e),
        }),
        (J::Bool(b), ValueType::Boolean) => Ok(Edn::Bool(*b)),
        (J::Number(n), ValueType::Long | ValueType::Ref) => n
            .as_i64()
            .map(Edn::Long)
            .ok_or_else(|| format!("expected an integer, got {n}")),
        (J::Number(n), ValueType::Double | ValueType::Float) => n
            .as_f64()
            .map(Edn::Double)
            .ok_or_else(|| format!("expected a number, got {n}")),
        (J::Number(n), ValueType::Instant) => n
            .as_i64()
            .map(Edn::Inst)
            .ok_or_else(|| format!("expected milliseconds since the epoch, got {n}")),
        (J::Number(n), ValueType::BigInt | ValueType::BigDec) => text_value(&n.to_string(), t),
        (other, t) => Err(format!("expected a {}, got {other}", type_name(t))),
    }
}

/// A JSON value with no declared type (inside an untyped tuple).
fn json_untyped(value: &serde_json::Value) -> Result<Edn, String> {
    infer_json(value)
        .ok_or_else(|| format!("cannot tell the type of {value}"))
        .and_then(|attr| json_scalar(value, attr.value_type))
}

/// A text (a CSV field, a JSON string) as a value of type `t`.
pub fn text_value(text: &str, t: ValueType) -> Result<Edn, String> {
    let expected = || format!("expected a {}, got \"{text}\"", type_name(t));
    Ok(match t {
        ValueType::String => Edn::String(text.to_string()),
        ValueType::Long => Edn::Long(text.trim().parse().map_err(|_| expected())?),
        // Not-a-number and infinities are strings in JSON (§9.3): their EDN text.
        ValueType::Double | ValueType::Float => Edn::Double(match text.trim() {
            "##NaN" => f64::NAN,
            "##Inf" => f64::INFINITY,
            "##-Inf" => f64::NEG_INFINITY,
            number => number.parse().map_err(|_| expected())?,
        }),
        ValueType::Boolean => match text.trim() {
            "true" => Edn::Bool(true),
            "false" => Edn::Bool(false),
            _ => return Err(expected()),
        },
        ValueType::Instant => {
            Edn::Inst(parse_inst(text.trim()).map_err(|e| format!("{}: {e}", expected()))?)
        }
        ValueType::Keyword => {
            let text = text.trim();
            let with_colon = if text.starts_with(':') {
                text.to_string()
            } else {
                format!(":{text}")
            };
            Edn::Keyword(Keyword::parse(&with_colon).map_err(|_| expected())?)
        }
        ValueType::Symbol => Edn::Symbol(Symbol::parse(text.trim()).map_err(|_| expected())?),
        ValueType::Uuid | ValueType::BigInt | ValueType::BigDec => {
            let edn = match t {
                ValueType::Uuid => format!("#uuid \"{}\"", text.trim()),
                ValueType::BigInt => format!("{}N", text.trim()),
                _ => format!("{}M", text.trim()),
            };
            let parsed = datolite_edn::parse(&edn).map_err(|_| expected())?;
            match (&parsed, t) {
                (Edn::Uuid(_), ValueType::Uuid)
                | (Edn::BigInt(_), ValueType::BigInt)
                | (Edn::BigDec(_), ValueType::BigDec) => parsed,
                _ => return Err(expected()),
            }
        }
        ValueType::Uri => Edn::Tagged("uri".into(), Box::new(Edn::String(text.to_string()))),
        ValueType::Bytes => Edn::Tagged(
            "bytes".into(),
            Box::new(Edn::String(text.trim().to_string())),
        ),
        ValueType::Ref => {
            let text = text.trim();
            if let Ok(id) = text.parse::<i64>() {
                Edn::Long(id)
            } else if text.starts_with(':') {
                Edn::Keyword(Keyword::parse(text).map_err(|_| expected())?)
            } else {
                return Err(expected());
            }
        }
        ValueType::Tuple => {
            datolite_edn::parse(text).map_err(|e| format!("{}: {e}", expected()))?
        }
    })
}

/// A type's name in messages: `long`, `instant`.
fn type_name(t: ValueType) -> &'static str {
    t.ident().trim_start_matches("db.type/")
}
