//! The order-preserving key encoding, in one place: type tags, values, index keys
//! (`docs/design.md`, §3 Values and §4 Key layout).
//!
//! Invariants, checked by the property tests in `tests/encoding_props.rs`:
//! `decode(encode(x)) == x`, encoding is injective, and byte order equals value order.

mod key;
mod log;
pub mod tags;
mod value;

pub use key::{
    decode_key, decode_log_key, encode_key, encode_log_key, key_entity, Component, Index, Prefix,
    RawDatom, FIXED_LEN, LOG_ASSERT, LOG_RETRACT,
};
pub use log::{decode_log_chunk, log_chunk_key, LogChunks, LOG_CHUNK_MAX};
pub use value::{
    decode_f32, decode_f64, decode_i64, decode_value, encode_f32, encode_f64, encode_i64,
    encode_value, encoded, encoded_len, spill_payload, variable, Decoded, Stored,
};

/// Stored bytes that do not decode: a bug or a damaged file. Small on purpose, so the decoding
/// hot path returns it in registers; it becomes a [`crate::StoreError::Corrupt`] at the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeError(pub &'static str);

impl From<DecodeError> for crate::StoreError {
    #[cold]
    fn from(error: DecodeError) -> Self {
        crate::StoreError::Corrupt(format!("malformed key or value: {}", error.0))
    }
}
