//! The order-preserving key encoding (DESIGN §4), in one place: type tags, values, index keys.
//!
//! Invariants, checked by the property tests in `tests/encoding_props.rs`:
//! `decode(encode(x)) == x`, encoding is injective, and byte order equals value order.

mod key;
pub mod tags;
mod value;

pub use key::{
    decode_key, decode_log_key, encode_key, encode_log_key, key_entity, Component, Index, Prefix,
    RawDatom, FIXED_LEN, LOG_ASSERT, LOG_RETRACT,
};
pub use value::{
    decode_f64, decode_i64, decode_value, encode_f64, encode_i64, encode_value, encoded,
    encoded_len, variable, Decoded, Stored,
};
