//! Type tags: the first byte of every encoded value.
//!
//! Tags are ordered so that values of different types sort deterministically (in the order of
//! [`crate::model::ValueType::ALL`]); within a type the encoding sorts like the value.

use crate::model::ValueType;

/// `:db.type/boolean`: one byte, 0 or 1.
pub const BOOLEAN: u8 = 0x01;
/// `:db.type/long`: 8 bytes big-endian with the sign bit flipped.
pub const LONG: u8 = 0x02;
/// `:db.type/double`: 8 bytes, IEEE total-order transform.
pub const DOUBLE: u8 = 0x03;
/// `:db.type/instant`: signed milliseconds, encoded like a long.
pub const INSTANT: u8 = 0x04;
/// `:db.type/string`: escaped UTF-8, terminated.
pub const STRING: u8 = 0x05;
/// `:db.type/keyword`: escaped text without the colon, terminated.
pub const KEYWORD: u8 = 0x06;
/// `:db.type/uuid`: 16 raw bytes.
pub const UUID: u8 = 0x07;
/// `:db.type/bytes`: escaped bytes, terminated.
pub const BYTES: u8 = 0x08;
/// `:db.type/ref`: 8 bytes big-endian entity id.
pub const REF: u8 = 0x09;
/// `:db.type/float`: 4 bytes, IEEE total-order transform.
pub const FLOAT: u8 = 0x0A;
/// `:db.type/bigint`: a sign class byte, then (unless zero) the magnitude's byte length (u32)
/// and its big-endian bytes, all inverted for negative numbers.
pub const BIGINT: u8 = 0x0B;
/// `:db.type/bigdec`: a sign class byte, then (unless zero) the decimal exponent (like a long)
/// and the digits as bytes 1–10 ending with 0, all inverted for negative numbers.
pub const BIGDEC: u8 = 0x0C;
/// `:db.type/uri`: escaped UTF-8, terminated, like a string.
pub const URI: u8 = 0x0D;
/// `:db.type/symbol`: namespace and name, encoded like a keyword.
pub const SYMBOL: u8 = 0x0E;
/// `:db.type/tuple`: the elements (each `0x01` for nil or `0x02` and the element's inline
/// encoding), then `0x00`.
pub const TUPLE: u8 = 0x0F;

/// Sign class of a negative big number (sorts first).
pub const NUM_NEGATIVE: u8 = 0x00;
/// Sign class of zero.
pub const NUM_ZERO: u8 = 0x01;
/// Sign class of a positive big number.
pub const NUM_POSITIVE: u8 = 0x02;

/// End of a tuple's elements.
pub const TUPLE_END: u8 = 0x00;
/// A `nil` tuple element.
pub const TUPLE_NIL: u8 = 0x01;
/// A tuple element with a value: its encoding follows.
pub const TUPLE_VALUE: u8 = 0x02;

/// Inside a keyword's or symbol's payload: the namespace ends (`0x00 0x01`) …
pub const NAME_SEPARATOR: u8 = 0x01;
/// … a zero byte inside the namespace (`0x00 0x02`) …
pub const NAME_ZERO: u8 = 0x02;
/// … and a payload starting `0x00 0x00` has no namespace. The payload is then escaped and
/// terminated like a string's (see `encoding/value.rs`).
pub const NAME_NO_NAMESPACE: u8 = 0x00;

/// The tag of a value type.
pub fn tag_of(value_type: ValueType) -> u8 {
    match value_type {
        ValueType::Boolean => BOOLEAN,
        ValueType::Long => LONG,
        ValueType::Double => DOUBLE,
        ValueType::Instant => INSTANT,
        ValueType::String => STRING,
        ValueType::Keyword => KEYWORD,
        ValueType::Uuid => UUID,
        ValueType::Bytes => BYTES,
        ValueType::Ref => REF,
        ValueType::Float => FLOAT,
        ValueType::BigInt => BIGINT,
        ValueType::BigDec => BIGDEC,
        ValueType::Uri => URI,
        ValueType::Symbol => SYMBOL,
        ValueType::Tuple => TUPLE,
    }
}

/// The value type of a tag, if it is one.
pub fn type_of(tag: u8) -> Option<ValueType> {
    ValueType::ALL
        .get(usize::from(tag).wrapping_sub(1))
        .copied()
}

/// Terminator of a variable-length value stored inline: `0x00 0x00`.
pub const END_INLINE: u8 = 0x00;
/// Marker after the kept prefix of a value stored out of line: `0x00 0x01`, then an 8-byte hash.
pub const END_SPILLED: u8 = 0x01;
/// Second byte of an escaped `0x00` inside a variable-length value: `0x00 0xFF`.
pub const ESCAPED_ZERO: u8 = 0xFF;
