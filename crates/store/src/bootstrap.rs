//! The system attributes and idents every database starts with.
//!
//! They are written as ordinary datoms by transaction 1 when a database is created, so queries
//! can read the schema like any other data (`[?a :db/ident ?ident]`).

use std::sync::Arc;

use datolite_kv::WriteTxn;

use crate::meta;
use crate::model::{Value, ValueType};
use crate::schema::{Attribute, Cardinality, Schema, TupleType, Unique};
use crate::transactor::{self, TxOp};
use crate::version::Version;
use crate::Result;
use crate::StoreOptions;

/// Entity ids (= attribute key ids) of the system attributes.
pub mod attr {
    /// `:db/ident` — keyword, unique identity.
    pub const IDENT: u32 = 1;
    /// `:db/valueType` — ref to a `:db.type/*` ident.
    pub const VALUE_TYPE: u32 = 2;
    /// `:db/cardinality` — ref to a `:db.cardinality/*` ident.
    pub const CARDINALITY: u32 = 3;
    /// `:db/unique` — ref to a `:db.unique/*` ident.
    pub const UNIQUE: u32 = 4;
    /// `:db/isComponent` — boolean.
    pub const IS_COMPONENT: u32 = 5;
    /// `:db/doc` — string.
    pub const DOC: u32 = 6;
    /// `:db/txInstant` — instant of a transaction entity.
    pub const TX_INSTANT: u32 = 7;
    /// `:db/tupleType` — ref to the `:db.type/*` of a homogeneous tuple's elements.
    pub const TUPLE_TYPE: u32 = 8;
    /// `:db/tupleTypes` — tuple of `:db.type/*` keywords: a heterogeneous tuple's elements.
    pub const TUPLE_TYPES: u32 = 9;
    /// `:db/tupleAttrs` — tuple of attribute keywords: a composite tuple's sources.
    pub const TUPLE_ATTRS: u32 = 10;
    /// `:db/noHistory` — boolean: the attribute keeps no history of retracted values.
    pub const NO_HISTORY: u32 = 11;
    /// `:db/index` — boolean, Datomic On-Prem's request for an AVET index: accepted and
    /// recorded; every datolite attribute is in AVET anyway.
    pub const INDEX: u32 = 12;
}

/// The system ids, in one place. Everything below [`FIRST_USER_SCHEMA_ID`] is built in and
/// read-only; ids in that range not listed here do not exist.
///
/// | ids | what |
/// |---|---|
/// | 1–19 | system attributes ([`attr`]) |
/// | 20–39 | value type idents `:db.type/*`, in [`ValueType::ALL`] order |
/// | 40–41 | `:db.cardinality/one`, `:db.cardinality/many` |
/// | 42–43 | `:db.unique/value`, `:db.unique/identity` |
/// | 50–52 | partitions `:db.part/db`, `:db.part/tx`, `:db.part/user` |
pub mod ids {
    /// `:db.cardinality/one`.
    pub const CARDINALITY_ONE: u64 = 40;
    /// `:db.cardinality/many`.
    pub const CARDINALITY_MANY: u64 = 41;
    /// `:db.unique/value`.
    pub const UNIQUE_VALUE: u64 = 42;
    /// `:db.unique/identity`.
    pub const UNIQUE_IDENTITY: u64 = 43;
    /// `:db.part/db`: the partition of schema entities.
    pub const PART_DB: u64 = 50;
    /// `:db.part/tx`: the partition of transaction entities.
    pub const PART_TX: u64 = 51;
    /// `:db.part/user`: the partition of user entities.
    pub const PART_USER: u64 = 52;
}

/// A system attribute's definition.
pub struct SystemAttribute {
    /// Entity / key id.
    pub id: u32,
    /// Ident without the colon.
    pub ident: &'static str,
    /// Value type.
    pub value_type: ValueType,
    /// Cardinality.
    pub cardinality: Cardinality,
    /// Uniqueness.
    pub unique: Option<Unique>,
    /// For tuple-valued system attributes, the type of their elements.
    pub tuple_of: Option<ValueType>,
}

impl SystemAttribute {
    /// The tuple type of a tuple-valued system attribute.
    pub fn tuple(&self) -> Option<TupleType> {
        self.tuple_of.map(TupleType::Homogeneous)
    }
}

const fn system(
    id: u32,
    ident: &'static str,
    value_type: ValueType,
    unique: Option<Unique>,
) -> SystemAttribute {
    SystemAttribute {
        id,
        ident,
        value_type,
        cardinality: Cardinality::One,
        unique,
        tuple_of: None,
    }
}

/// A system attribute whose values are tuples of keywords.
const fn keyword_tuple(id: u32, ident: &'static str) -> SystemAttribute {
    SystemAttribute {
        tuple_of: Some(ValueType::Keyword),
        ..system(id, ident, ValueType::Tuple, None)
    }
}

/// The system attributes.
pub const SYSTEM_ATTRIBUTES: [SystemAttribute; 12] = [
    system(
        attr::IDENT,
        "db/ident",
        ValueType::Keyword,
        Some(Unique::Identity),
    ),
    system(attr::VALUE_TYPE, "db/valueType", ValueType::Ref, None),
    system(attr::CARDINALITY, "db/cardinality", ValueType::Ref, None),
    system(attr::UNIQUE, "db/unique", ValueType::Ref, None),
    system(
        attr::IS_COMPONENT,
        "db/isComponent",
        ValueType::Boolean,
        None,
    ),
    system(attr::DOC, "db/doc", ValueType::String, None),
    system(attr::TX_INSTANT, "db/txInstant", ValueType::Instant, None),
    system(attr::TUPLE_TYPE, "db/tupleType", ValueType::Ref, None),
    keyword_tuple(attr::TUPLE_TYPES, "db/tupleTypes"),
    keyword_tuple(attr::TUPLE_ATTRS, "db/tupleAttrs"),
    system(attr::NO_HISTORY, "db/noHistory", ValueType::Boolean, None),
    system(attr::INDEX, "db/index", ValueType::Boolean, None),
];

/// First entity id of the `:db.type/*` idents (in [`ValueType::ALL`] order).
pub const FIRST_TYPE_IDENT: u64 = 20;

/// Other system idents: (entity id, ident).
pub const SYSTEM_IDENTS: [(u64, &str); 7] = [
    (ids::CARDINALITY_ONE, "db.cardinality/one"),
    (ids::CARDINALITY_MANY, "db.cardinality/many"),
    (ids::UNIQUE_VALUE, "db.unique/value"),
    (ids::UNIQUE_IDENTITY, "db.unique/identity"),
    (ids::PART_DB, "db.part/db"),
    (ids::PART_TX, "db.part/tx"),
    (ids::PART_USER, "db.part/user"),
];

/// First counter of the user partition (user entity ids start at `4·2^42 + 1000`, as in
/// Datomic).
pub const FIRST_USER_COUNTER: u64 = 1000;

/// First entity id handed to user-defined attributes and idents.
pub const FIRST_USER_SCHEMA_ID: u64 = 100;

/// The entity id of the ident of a value type.
pub fn type_ident_entity(value_type: ValueType) -> u64 {
    let position = ValueType::ALL
        .iter()
        .position(|t| *t == value_type)
        .unwrap_or(0);
    FIRST_TYPE_IDENT + position as u64
}

/// The entity id of a cardinality ident.
pub fn cardinality_entity(cardinality: Cardinality) -> u64 {
    match cardinality {
        Cardinality::One => ids::CARDINALITY_ONE,
        Cardinality::Many => ids::CARDINALITY_MANY,
    }
}

/// The entity id of a uniqueness ident.
pub fn unique_entity(unique: Unique) -> u64 {
    match unique {
        Unique::Value => ids::UNIQUE_VALUE,
        Unique::Identity => ids::UNIQUE_IDENTITY,
    }
}

/// The instant of transaction 1, the epoch (as Datomic's built-in transactions): instants never
/// go back (`transactor::run`), so a later one would forbid importing older history.
pub const BOOTSTRAP_INSTANT_MS: i64 = 0;

/// Writes the system schema as transaction 1 of a new database, at [`BOOTSTRAP_INSTANT_MS`].
pub(crate) fn bootstrap_into(txn: &mut dyn WriteTxn, threshold: u64) -> Result<()> {
    let now_ms = BOOTSTRAP_INSTANT_MS;
    meta::put_u64(txn, meta::FORMAT, meta::FORMAT_VERSION)?;
    meta::put_u64(txn, meta::INLINE_THRESHOLD, threshold)?;
    meta::put_u64(txn, meta::BASIS_T, 0)?;
    meta::put_u64(txn, meta::NEXT_USER, FIRST_USER_COUNTER)?;
    meta::put_u64(txn, meta::NEXT_DB, FIRST_USER_SCHEMA_ID)?;
    meta::put_u64(txn, meta::STATS_EXACT, 1)?;
    let mut schema = Schema::default();
    for system in &SYSTEM_ATTRIBUTES {
        schema.install(Attribute {
            id: system.id,
            ident: system.ident.to_string(),
            value_type: system.value_type,
            cardinality: system.cardinality,
            unique: system.unique,
            is_component: false,
            no_history: false,
            doc: None,
            tuple: system.tuple(),
        });
    }
    let add = |e: u64, a: &str, v: Value| TxOp::Add {
        e: e.into(),
        attr: a.to_string(),
        value: v.into(),
    };
    let mut ops = Vec::new();
    for system in &SYSTEM_ATTRIBUTES {
        let e = u64::from(system.id);
        ops.push(add(e, "db/ident", Value::keyword(system.ident)));
        ops.push(add(
            e,
            "db/valueType",
            Value::Ref(type_ident_entity(system.value_type)),
        ));
        ops.push(add(
            e,
            "db/cardinality",
            Value::Ref(cardinality_entity(Cardinality::One)),
        ));
        if let Some(unique) = system.unique {
            ops.push(add(e, "db/unique", Value::Ref(unique_entity(unique))));
        }
        if let Some(element) = system.tuple_of {
            ops.push(add(
                e,
                "db/tupleType",
                Value::Ref(type_ident_entity(element)),
            ));
        }
    }
    for value_type in ValueType::ALL {
        ops.push(add(
            type_ident_entity(value_type),
            "db/ident",
            Value::keyword(value_type.ident()),
        ));
    }
    for (e, ident) in SYSTEM_IDENTS {
        ops.push(add(e, "db/ident", Value::keyword(ident)));
    }
    let options = StoreOptions {
        inline_value_threshold: threshold as usize,
        ..StoreOptions::default()
    };
    let base = Version {
        basis_t: 0,
        next_db: FIRST_USER_SCHEMA_ID,
        next_user: FIRST_USER_COUNTER,
        schema: Arc::new(schema),
        stats: Arc::default(),
    };
    transactor::run(txn, &options, &base, &ops, now_ms)?;
    Ok(())
}
