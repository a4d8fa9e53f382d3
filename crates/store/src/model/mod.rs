//! The data model: entity ids, values and datoms.

mod convert;
mod datom;
mod entity;
mod print;
mod uuid;
mod value;

pub use convert::{
    inferred_type, keyword_text, parse_hex, symbol_text, typed_value, untyped_value, ConvertError,
};
pub use datom::{Datom, DatomRef};
pub use entity::{
    entity_in, partition_of, tx_entity, tx_t, PARTITION_SHIFT, PART_DB, PART_TX, PART_USER,
};
pub use uuid::Uuid;
pub use value::{
    decimal_in_range, name_parts, shortest, Value, ValueRef, ValueType, MAX_DECIMAL_SCALE,
};
