//! Order-preserving encoding of single values.
//!
//! Layout: `[tag][payload]`. Fixed-size payloads (boolean, long, double, instant, uuid, ref) are
//! big-endian with sign handling. Variable-length payloads (string, keyword, bytes) escape `0x00`
//! as `0x00 0xFF` and end with `0x00 0x00`, which keeps the encoding prefix-free and memcmp order
//! equal to byte-string order. A payload longer than the inline threshold keeps its first
//! `threshold` bytes (escaped), then `0x00 0x01` and an 8-byte xxh3 hash of the whole value; the
//! full value is stored in the `values` table under that encoding. Order is exact for inline
//! values; out-of-line values sharing their first `threshold` bytes order by hash among
//! themselves (and after every shorter value with that prefix).

use std::borrow::Cow;

use super::tags::{self, END_INLINE, END_SPILLED, ESCAPED_ZERO};
use super::DecodeError;
use crate::model::{ValueRef, ValueType};

/// What encoding a value produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stored {
    /// The whole value is in the key.
    Inline,
    /// Only a prefix and hash are in the key; the full payload must go to the `values` table.
    Spilled,
}

/// Encodes a signed integer so that byte order equals numeric order.
#[inline]
pub fn encode_i64(n: i64) -> [u8; 8] {
    ((n as u64) ^ (1 << 63)).to_be_bytes()
}

/// Inverse of [`encode_i64`].
#[inline]
pub fn decode_i64(bytes: [u8; 8]) -> i64 {
    (u64::from_be_bytes(bytes) ^ (1 << 63)) as i64
}

/// Encodes a double so that byte order equals IEEE total order.
#[inline]
pub fn encode_f64(d: f64) -> [u8; 8] {
    let bits = d.to_bits();
    let ordered = if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    };
    ordered.to_be_bytes()
}

/// Inverse of [`encode_f64`].
#[inline]
pub fn decode_f64(bytes: [u8; 8]) -> f64 {
    let ordered = u64::from_be_bytes(bytes);
    let bits = if ordered >> 63 == 1 {
        ordered & !(1 << 63)
    } else {
        !ordered
    };
    f64::from_bits(bits)
}

/// Appends the encoding of `value` to `out`; values longer than `threshold` bytes are spilled.
pub fn encode_value(value: &ValueRef<'_>, threshold: usize, out: &mut Vec<u8>) -> Stored {
    out.push(tags::tag_of(value.value_type()));
    match value {
        ValueRef::Boolean(b) => out.push(u8::from(*b)),
        ValueRef::Long(n) | ValueRef::Instant(n) => out.extend_from_slice(&encode_i64(*n)),
        ValueRef::Double(d) => out.extend_from_slice(&encode_f64(*d)),
        ValueRef::Uuid(u) => out.extend_from_slice(u),
        ValueRef::Ref(e) => out.extend_from_slice(&e.to_be_bytes()),
        ValueRef::String(s) | ValueRef::Keyword(s) => {
            return encode_variable(s.as_bytes(), threshold, out)
        }
        ValueRef::Bytes(b) => return encode_variable(b, threshold, out),
    }
    Stored::Inline
}

/// The encoding of `value` as a fresh vector.
pub fn encoded(value: &ValueRef<'_>, threshold: usize) -> (Vec<u8>, Stored) {
    let mut out = Vec::with_capacity(16);
    let stored = encode_value(value, threshold, &mut out);
    (out, stored)
}

fn encode_variable(payload: &[u8], threshold: usize, out: &mut Vec<u8>) -> Stored {
    let spilled = payload.len() > threshold;
    let kept = if spilled {
        &payload[..threshold]
    } else {
        payload
    };
    let mut rest = kept;
    while let Some(zero) = memchr::memchr(0, rest) {
        out.extend_from_slice(&rest[..zero]);
        out.extend_from_slice(&[0, ESCAPED_ZERO]);
        rest = &rest[zero + 1..];
    }
    out.extend_from_slice(rest);
    if spilled {
        out.extend_from_slice(&[0, END_SPILLED]);
        out.extend_from_slice(&xxhash_rust::xxh3::xxh3_64(payload).to_be_bytes());
        Stored::Spilled
    } else {
        out.extend_from_slice(&[0, END_INLINE]);
        Stored::Inline
    }
}

/// A decoded value, or the marker that its payload lives in the `values` table.
#[derive(Debug)]
pub enum Decoded<'a> {
    /// The value, borrowing the key where it can.
    Value(ValueRef<'a>),
    /// The key holds only a prefix and hash; look the full payload up under this encoding.
    Spilled(ValueType),
}

#[cold]
fn corrupt(what: &'static str) -> DecodeError {
    DecodeError(what)
}

#[inline]
fn fixed<const N: usize>(payload: &[u8]) -> Result<[u8; N], DecodeError> {
    payload
        .get(..N)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| corrupt("payload too short"))
}

/// Decodes one encoded value occupying all of `bytes` (tag included).
#[inline(always)]
pub fn decode_value(bytes: &[u8]) -> Result<Decoded<'_>, DecodeError> {
    let (&tag, payload) = bytes.split_first().ok_or_else(|| corrupt("empty"))?;
    let value = match tag {
        tags::LONG => ValueRef::Long(decode_i64(fixed(payload)?)),
        tags::REF => ValueRef::Ref(u64::from_be_bytes(fixed(payload)?)),
        tags::DOUBLE => ValueRef::Double(decode_f64(fixed(payload)?)),
        tags::INSTANT => ValueRef::Instant(decode_i64(fixed(payload)?)),
        tags::BOOLEAN => ValueRef::Boolean(fixed::<1>(payload)?[0] != 0),
        tags::UUID => ValueRef::Uuid(fixed(payload)?),
        tags::STRING | tags::KEYWORD | tags::BYTES => {
            let value_type = tags::type_of(tag).ok_or_else(|| corrupt("tag"))?;
            return match unescape(payload)? {
                None => Ok(Decoded::Spilled(value_type)),
                Some(raw) => Ok(Decoded::Value(variable(value_type, raw)?)),
            };
        }
        _ => return Err(corrupt("unknown type tag")),
    };
    Ok(Decoded::Value(value))
}

/// Builds a string, keyword or bytes value from its raw payload.
#[inline]
pub fn variable(value_type: ValueType, raw: Cow<'_, [u8]>) -> Result<ValueRef<'_>, DecodeError> {
    Ok(match value_type {
        ValueType::Bytes => ValueRef::Bytes(raw),
        ValueType::String => ValueRef::String(utf8(raw)?),
        _ => ValueRef::Keyword(utf8(raw)?),
    })
}

#[inline]
fn utf8(raw: Cow<'_, [u8]>) -> Result<Cow<'_, str>, DecodeError> {
    match raw {
        Cow::Borrowed(b) => std::str::from_utf8(b)
            .map(Cow::Borrowed)
            .map_err(|_| corrupt("invalid UTF-8")),
        Cow::Owned(v) => String::from_utf8(v)
            .map(Cow::Owned)
            .map_err(|_| corrupt("invalid UTF-8")),
    }
}

/// The raw payload of an escaped, terminated variable-length encoding, or `None` when the value
/// was spilled out of line.
#[inline]
fn unescape(payload: &[u8]) -> Result<Option<Cow<'_, [u8]>>, DecodeError> {
    let first = memchr::memchr(0, payload).ok_or_else(|| corrupt("unterminated"))?;
    match payload.get(first + 1) {
        Some(&END_INLINE) => return Ok(Some(Cow::Borrowed(&payload[..first]))),
        Some(&END_SPILLED) => return Ok(None),
        Some(&ESCAPED_ZERO) => {}
        _ => return Err(corrupt("bad escape")),
    }
    unescape_copy(payload, first)
}

/// The rare path of [`unescape`]: the payload contains zero bytes and must be copied.
#[cold]
#[inline(never)]
fn unescape_copy(payload: &[u8], first: usize) -> Result<Option<Cow<'_, [u8]>>, DecodeError> {
    let mut raw = payload[..first].to_vec();
    raw.push(0);
    let mut rest = &payload[first + 2..];
    loop {
        let zero = memchr::memchr(0, rest).ok_or_else(|| corrupt("unterminated"))?;
        raw.extend_from_slice(&rest[..zero]);
        match rest.get(zero + 1) {
            Some(&END_INLINE) => return Ok(Some(Cow::Owned(raw))),
            Some(&END_SPILLED) => return Ok(None),
            Some(&ESCAPED_ZERO) => raw.push(0),
            _ => return Err(corrupt("bad escape")),
        }
        rest = &rest[zero + 2..];
    }
}

/// The length of the encoded value at the start of `bytes` (for the log, where a value is the
/// last component and length is implied, and for tests).
pub fn encoded_len(bytes: &[u8]) -> Result<usize, DecodeError> {
    let (&tag, payload) = bytes.split_first().ok_or_else(|| corrupt("empty"))?;
    let fixed = match tag {
        tags::BOOLEAN => 1,
        tags::LONG | tags::DOUBLE | tags::INSTANT | tags::REF => 8,
        tags::UUID => 16,
        tags::STRING | tags::KEYWORD | tags::BYTES => {
            let mut at = 0;
            loop {
                let zero = at
                    + memchr::memchr(0, &payload[at..]).ok_or_else(|| corrupt("unterminated"))?;
                match payload.get(zero + 1) {
                    Some(&END_INLINE) => return Ok(1 + zero + 2),
                    Some(&END_SPILLED) => return Ok(1 + zero + 2 + 8),
                    Some(&ESCAPED_ZERO) => at = zero + 2,
                    _ => return Err(corrupt("bad escape")),
                }
            }
        }
        _ => return Err(corrupt("unknown type tag")),
    };
    if payload.len() < fixed {
        return Err(corrupt("payload too short"));
    }
    Ok(1 + fixed)
}
