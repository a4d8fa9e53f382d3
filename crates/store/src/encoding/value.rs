//! Order-preserving encoding of single values.
//!
//! Layout: `[tag][payload]`. Fixed-size payloads (boolean, long, double, float, instant, uuid,
//! ref) are big-endian with sign handling; big integers and decimals carry a sign class and an
//! order-preserving length or exponent (see `tags.rs`); tuples are their elements' encodings in
//! sequence. Variable-length payloads (string, uri, bytes, and keyword and symbol after the
//! namespace/name transform of [`name_payload`]) escape `0x00`
//! as `0x00 0xFF` and end with `0x00 0x00`, which keeps the encoding prefix-free and memcmp order
//! equal to byte-string order. A payload longer than the inline threshold keeps its first
//! `threshold` bytes (escaped), then `0x00 0x01` and an 8-byte xxh3 hash of the whole value; the
//! full value is stored in the `values` table under that encoding. Order is exact for inline
//! values; out-of-line values sharing their first `threshold` bytes order by hash among
//! themselves (and after every shorter value with that prefix).

use std::borrow::Cow;

use bigdecimal::BigDecimal;
use num_bigint::{BigInt, Sign};

use super::tags::{self, END_INLINE, END_SPILLED, ESCAPED_ZERO};
use super::DecodeError;
use crate::model::{name_parts, shortest, Uuid, Value, ValueRef, ValueType};

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
        ValueRef::Float(x) => out.extend_from_slice(&encode_f32(*x)),
        ValueRef::Uuid(u) => out.extend_from_slice(u.as_bytes()),
        ValueRef::Ref(e) => out.extend_from_slice(&e.to_be_bytes()),
        ValueRef::String(s) | ValueRef::Uri(s) => {
            return encode_variable(s.as_bytes(), threshold, out)
        }
        ValueRef::Bytes(b) => return encode_variable(b, threshold, out),
        ValueRef::Keyword(k) | ValueRef::Symbol(k) => return encode_name(k, threshold, out),
        ValueRef::BigInt(n) => encode_bigint(n, out),
        ValueRef::BigDec(d) => encode_bigdec(d, out),
        ValueRef::Tuple(items) => {
            for item in items.iter() {
                match item {
                    None => out.push(tags::TUPLE_NIL),
                    Some(v) => {
                        out.push(tags::TUPLE_VALUE);
                        // Elements are always inline: a tuple is one key component.
                        encode_value(&v.as_ref(), usize::MAX, out);
                    }
                }
            }
            out.push(tags::TUPLE_END);
        }
    }
    Stored::Inline
}

/// The encoding of `value` as a fresh vector.
pub fn encoded(value: &ValueRef<'_>, threshold: usize) -> (Vec<u8>, Stored) {
    let mut out = Vec::with_capacity(16);
    let stored = encode_value(value, threshold, &mut out);
    (out, stored)
}

/// The full payload a spilled value keeps in the `values` table (the bytes its key holds a
/// prefix of); empty for types that never spill.
pub fn spill_payload<'v>(value: &'v ValueRef<'_>) -> Cow<'v, [u8]> {
    match value {
        ValueRef::String(s) | ValueRef::Uri(s) => Cow::Borrowed(s.as_bytes()),
        ValueRef::Bytes(b) => Cow::Borrowed(b),
        ValueRef::Keyword(k) | ValueRef::Symbol(k) => Cow::Owned(name_payload(k)),
        _ => Cow::Borrowed(&[]),
    }
}

/// The byte string a keyword or symbol is encoded from, ordered as Clojure compares them: a
/// name without namespace is `0x00 0x00 name`; with one, the namespace (its zero bytes as
/// `0x00 0x02`), `0x00 0x01`, the name. Since `0x00 0x01` sorts below every namespace byte,
/// namespace `a` sorts before `a-b` whatever the names.
fn name_payload(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 2);
    match name_parts(text) {
        (None, name) => {
            out.extend_from_slice(&[0, tags::NAME_NO_NAMESPACE]);
            out.extend_from_slice(name.as_bytes());
        }
        (Some(ns), name) => {
            for &b in ns.as_bytes() {
                if b == 0 {
                    out.extend_from_slice(&[0, tags::NAME_ZERO]);
                } else {
                    out.push(b);
                }
            }
            out.extend_from_slice(&[0, tags::NAME_SEPARATOR]);
            out.extend_from_slice(name.as_bytes());
        }
    }
    out
}

/// [`encode_variable`] of [`name_payload`]`(text)`, without building the payload when it stays
/// inline (the transactor encodes every keyword of every datom).
fn encode_name(text: &str, threshold: usize, out: &mut Vec<u8>) -> Stored {
    let (ns, name) = name_parts(text);
    let zeros_in_ns = ns.map_or(0, |ns| memchr::memchr_iter(0, ns.as_bytes()).count());
    let payload_len = ns.map_or(0, str::len) + zeros_in_ns + 2 + name.len();
    if payload_len > threshold {
        return encode_variable(&name_payload(text), threshold, out);
    }
    // Every zero byte of the payload is escaped as `0x00 0xFF`.
    let escaped_zero = |out: &mut Vec<u8>| out.extend_from_slice(&[0, ESCAPED_ZERO]);
    match ns {
        None => {
            escaped_zero(out);
            escaped_zero(out);
        }
        Some(ns) => {
            for &b in ns.as_bytes() {
                if b == 0 {
                    escaped_zero(out);
                    out.push(tags::NAME_ZERO);
                } else {
                    out.push(b);
                }
            }
            escaped_zero(out);
            out.push(tags::NAME_SEPARATOR);
        }
    }
    let mut rest = name.as_bytes();
    while let Some(zero) = memchr::memchr(0, rest) {
        out.extend_from_slice(&rest[..zero]);
        escaped_zero(out);
        rest = &rest[zero + 1..];
    }
    out.extend_from_slice(rest);
    out.extend_from_slice(&[0, END_INLINE]);
    Stored::Inline
}

/// The keyword or symbol text (`ns/name`) a [`name_payload`] was made from.
fn name_text(payload: &[u8]) -> Result<String, DecodeError> {
    let mut text = Vec::with_capacity(payload.len());
    let mut i = 0;
    loop {
        match (payload.get(i), payload.get(i + 1)) {
            (Some(0), Some(&tags::NAME_NO_NAMESPACE)) if i == 0 => {
                text.extend_from_slice(&payload[2..]);
                break;
            }
            (Some(0), Some(&tags::NAME_ZERO)) => {
                text.push(0);
                i += 2;
            }
            (Some(0), Some(&tags::NAME_SEPARATOR)) => {
                text.push(b'/');
                text.extend_from_slice(&payload[i + 2..]);
                break;
            }
            (Some(0), _) | (None, _) => return Err(corrupt("malformed keyword or symbol")),
            (Some(&b), _) => {
                text.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(text).map_err(|_| corrupt("invalid UTF-8"))
}

/// Encodes a float so that byte order equals IEEE total order.
#[inline]
pub fn encode_f32(x: f32) -> [u8; 4] {
    let bits = x.to_bits();
    let ordered = if bits >> 31 == 1 {
        !bits
    } else {
        bits | (1 << 31)
    };
    ordered.to_be_bytes()
}

/// Inverse of [`encode_f32`].
#[inline]
pub fn decode_f32(bytes: [u8; 4]) -> f32 {
    let ordered = u32::from_be_bytes(bytes);
    let bits = if ordered >> 31 == 1 {
        ordered & !(1 << 31)
    } else {
        !ordered
    };
    f32::from_bits(bits)
}

/// Sign class, then the magnitude's length and bytes, inverted when negative so that a
/// larger magnitude sorts lower.
fn encode_bigint(n: &BigInt, out: &mut Vec<u8>) {
    let class = match n.sign() {
        Sign::NoSign => {
            out.push(tags::NUM_ZERO);
            return;
        }
        Sign::Plus => tags::NUM_POSITIVE,
        Sign::Minus => tags::NUM_NEGATIVE,
    };
    out.push(class);
    let start = out.len();
    let magnitude = n.magnitude().to_bytes_be();
    out.extend_from_slice(&(magnitude.len() as u32).to_be_bytes());
    out.extend_from_slice(&magnitude);
    if class == tags::NUM_NEGATIVE {
        invert(&mut out[start..]);
    }
}

/// Sign class, then the decimal exponent `e` (the number is `0.d1d2… × 10^e`, `d1` non-zero)
/// and the digits without trailing zeros as bytes 1–10 ended by 0, inverted when negative. A
/// larger exponent is a larger magnitude; with equal exponents the digits compare like the
/// numbers, a shorter run first.
fn encode_bigdec(d: &BigDecimal, out: &mut Vec<u8>) {
    let (unscaled, scale) = d.as_bigint_and_scale();
    let class = match unscaled.sign() {
        Sign::NoSign => {
            out.push(tags::NUM_ZERO);
            return;
        }
        Sign::Plus => tags::NUM_POSITIVE,
        Sign::Minus => tags::NUM_NEGATIVE,
    };
    out.push(class);
    let start = out.len();
    let digits = unscaled.magnitude().to_string();
    let exponent = digits.len() as i64 - scale;
    out.extend_from_slice(&encode_i64(exponent));
    let significant = digits.trim_end_matches('0');
    out.extend(significant.bytes().map(|b| b - b'0' + 1));
    out.push(0);
    if class == tags::NUM_NEGATIVE {
        invert(&mut out[start..]);
    }
}

fn invert(bytes: &mut [u8]) {
    for b in bytes {
        *b = !*b;
    }
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
    /// The key holds only a prefix and hash; look the full payload up under this encoding
    /// (whose tag says the value's type). It carries no data on purpose: a payload here would
    /// sit beside the value's tag, and scans would copy those bytes with every datom.
    Spilled,
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
        tags::UUID => ValueRef::Uuid(Uuid::from_bytes(fixed(payload)?)),
        tags::STRING | tags::KEYWORD | tags::BYTES | tags::URI | tags::SYMBOL => {
            let value_type = tags::type_of(tag).ok_or_else(|| corrupt("tag"))?;
            return match unescape(payload)? {
                None => Ok(Decoded::Spilled),
                Some(raw) => Ok(Decoded::Value(variable(value_type, raw)?)),
            };
        }
        tags::FLOAT => ValueRef::Float(decode_f32(fixed(payload)?)),
        _ => return decode_rare(tag, payload),
    };
    Ok(Decoded::Value(value))
}

/// [`decode_value`] of big numbers and tuples (and unknown tags), kept out of the scan loop.
#[cold]
#[inline(never)]
fn decode_rare(tag: u8, payload: &[u8]) -> Result<Decoded<'_>, DecodeError> {
    Ok(Decoded::Value(match tag {
        tags::BIGINT => ValueRef::BigInt(Cow::Owned(Box::new(decode_bigint(payload)?.0))),
        tags::BIGDEC => ValueRef::BigDec(Cow::Owned(Box::new(decode_bigdec(payload)?.0))),
        tags::TUPLE => ValueRef::Tuple(Cow::Owned(decode_tuple(payload)?.0)),
        _ => return Err(corrupt("unknown type tag")),
    }))
}

/// Builds a string, keyword, bytes, URI or symbol value from its raw payload.
#[inline(always)]
pub fn variable(value_type: ValueType, raw: Cow<'_, [u8]>) -> Result<ValueRef<'_>, DecodeError> {
    // Strings and bytes are the hot path of scans: kept inline; the rest out of line.
    match value_type {
        ValueType::String => Ok(ValueRef::String(utf8(raw)?)),
        ValueType::Bytes => Ok(ValueRef::Bytes(raw)),
        other => variable_other(other, raw),
    }
}

/// [`variable`] for URIs, keywords and symbols.
#[inline(never)]
fn variable_other(value_type: ValueType, raw: Cow<'_, [u8]>) -> Result<ValueRef<'_>, DecodeError> {
    Ok(match value_type {
        ValueType::Uri => ValueRef::Uri(utf8(raw)?),
        ValueType::Keyword => ValueRef::Keyword(Cow::Owned(name_text(&raw)?)),
        ValueType::Symbol => ValueRef::Symbol(Cow::Owned(name_text(&raw)?)),
        _ => return Err(corrupt("not a variable-length type")),
    })
}

/// A big integer from its payload, and the payload bytes it used.
fn decode_bigint(payload: &[u8]) -> Result<(BigInt, usize), DecodeError> {
    let (&class, rest) = payload
        .split_first()
        .ok_or_else(|| corrupt("empty number"))?;
    let (sign, flip) = match class {
        tags::NUM_ZERO => return Ok((BigInt::from(0), 1)),
        tags::NUM_POSITIVE => (Sign::Plus, 0x00),
        tags::NUM_NEGATIVE => (Sign::Minus, 0xFF),
        _ => return Err(corrupt("bad number sign")),
    };
    let len_bytes: [u8; 4] = fixed(rest)?;
    let len = u32::from_be_bytes(len_bytes.map(|b| b ^ flip)) as usize;
    let magnitude: Vec<u8> = rest
        .get(4..4 + len)
        .ok_or_else(|| corrupt("number too short"))?
        .iter()
        .map(|b| b ^ flip)
        .collect();
    Ok((BigInt::from_bytes_be(sign, &magnitude), 1 + 4 + len))
}

/// A big decimal (in its shortest form) from its payload, and the payload bytes it used.
fn decode_bigdec(payload: &[u8]) -> Result<(BigDecimal, usize), DecodeError> {
    let (&class, rest) = payload
        .split_first()
        .ok_or_else(|| corrupt("empty number"))?;
    let (negative, flip) = match class {
        tags::NUM_ZERO => return Ok((BigDecimal::from(0), 1)),
        tags::NUM_POSITIVE => (false, 0x00),
        tags::NUM_NEGATIVE => (true, 0xFF),
        _ => return Err(corrupt("bad number sign")),
    };
    let exponent_bytes: [u8; 8] = fixed(rest)?;
    let exponent = decode_i64(exponent_bytes.map(|b| b ^ flip));
    let digits = &rest[8..];
    let end = digits
        .iter()
        .position(|&b| b ^ flip == 0)
        .ok_or_else(|| corrupt("unterminated decimal"))?;
    let mut text = String::with_capacity(end + 1);
    if negative {
        text.push('-');
    }
    for &b in &digits[..end] {
        match (b ^ flip).checked_sub(1) {
            Some(d @ 0..=9) => text.push(char::from(b'0' + d)),
            _ => return Err(corrupt("bad decimal digit")),
        }
    }
    if end == 0 {
        return Err(corrupt("decimal without digits"));
    }
    let unscaled: BigInt = text.parse().map_err(|_| corrupt("bad decimal digits"))?;
    let scale = end as i64 - exponent;
    let d = shortest(BigDecimal::new(unscaled, scale));
    Ok((d, 1 + 8 + end + 1))
}

/// A tuple's elements from its payload, and the payload bytes they used.
fn decode_tuple(payload: &[u8]) -> Result<(Vec<Option<Value>>, usize), DecodeError> {
    let mut items = Vec::new();
    let mut at = 0;
    loop {
        match payload.get(at) {
            Some(&tags::TUPLE_END) => return Ok((items, at + 1)),
            Some(&tags::TUPLE_NIL) => {
                items.push(None);
                at += 1;
            }
            Some(&tags::TUPLE_VALUE) => {
                let element = &payload[at + 1..];
                let len = encoded_len(element)?;
                match decode_value(&element[..len])? {
                    Decoded::Value(v) => items.push(Some(v.to_owned())),
                    Decoded::Spilled => return Err(corrupt("spilled tuple element")),
                }
                at += 1 + len;
            }
            _ => return Err(corrupt("malformed tuple")),
        }
    }
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
/// last component and length is implied, for tuple elements, and for tests).
pub fn encoded_len(bytes: &[u8]) -> Result<usize, DecodeError> {
    let (&tag, payload) = bytes.split_first().ok_or_else(|| corrupt("empty"))?;
    let fixed = match tag {
        tags::BOOLEAN => 1,
        tags::FLOAT => 4,
        tags::LONG | tags::DOUBLE | tags::INSTANT | tags::REF => 8,
        tags::UUID => 16,
        tags::STRING | tags::KEYWORD | tags::BYTES | tags::URI | tags::SYMBOL => {
            let mut at = 0;
            loop {
                let zero = at
                    + memchr::memchr(0, payload.get(at..).unwrap_or_default())
                        .ok_or_else(|| corrupt("unterminated"))?;
                match payload.get(zero + 1) {
                    Some(&END_INLINE) => return Ok(1 + zero + 2),
                    Some(&END_SPILLED) => return Ok(1 + zero + 2 + 8),
                    Some(&ESCAPED_ZERO) => at = zero + 2,
                    _ => return Err(corrupt("bad escape")),
                }
            }
        }
        tags::BIGINT => decode_bigint(payload)?.1,
        tags::BIGDEC => decode_bigdec(payload)?.1,
        tags::TUPLE => decode_tuple(payload)?.1,
        _ => return Err(corrupt("unknown type tag")),
    };
    if payload.len() < fixed {
        return Err(corrupt("payload too short"));
    }
    Ok(1 + fixed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The allocation-free keyword encoding is the escaped name payload, byte for byte.
        #[test]
        fn names_encode_as_their_payload(text in "[a\\u{0}/.-]{0,8}", threshold in 0usize..20) {
            let mut fast = Vec::new();
            let mut slow = Vec::new();
            let a = encode_name(&text, threshold, &mut fast);
            let b = encode_variable(&name_payload(&text), threshold, &mut slow);
            prop_assert_eq!(fast, slow);
            prop_assert_eq!(a, b);
        }
    }
}
