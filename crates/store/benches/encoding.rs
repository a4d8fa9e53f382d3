//! `cargo bench -p datolite-store --bench encoding`: the key encoding of one datom per value type,
//! through the public `datolite_store::encoding` module — the two calls the transactor makes per
//! datom and index, and the two a scan makes per key:
//!
//! - `encode/<type>`: `encode_value` (tag and order-preserving payload) into a reused buffer,
//!   then `encode_key` (the EAVT key `[e][a][v][tx]`) into another, as the transactor does
//!   (it encodes the value once and builds each index's key from it);
//! - `decode/<type>`: `decode_key` (ids read at fixed offsets, the value sliced by length) and
//!   `decode_value` into a `ValueRef` borrowing the key where it can — what every decoded scan
//!   does per datom, without making the value owned.
//!
//! One value per type, all inline (below the default 128-byte threshold: a spilled value's
//! key holds only a prefix and hash, and its cost is the `values` table lookup, not the
//! encoding). The other indexes lay out the same bytes in another order, so EAVT stands for
//! them. Big integers, big decimals and tuples decode into owned values (they allocate): that
//! cost is part of their figure on purpose.

use std::hint::black_box;
use std::str::FromStr;

use bigdecimal::BigDecimal;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use datolite_store::encoding::{decode_key, decode_value, encode_key, encode_value};
use datolite_store::encoding::{Decoded, Index, Stored};
use datolite_store::model::{entity_in, tx_entity, PART_USER};
use datolite_store::{StoreOptions, Uuid, Value};
use num_bigint::BigInt;

/// The entity, attribute and transaction of every key: a user entity, an attribute id past the
/// bootstrap's, a transaction entity — realistic widths, though the encoding is fixed-width.
const E: u64 = entity_in(PART_USER, 123_456);
const A: u32 = 117;
const TX: u64 = tx_entity(4_242);

/// One value of each of the fifteen types, named as the benchmark ids name them.
fn values() -> Vec<(&'static str, Value)> {
    vec![
        ("long", Value::Long(-1_234_567_890)),
        ("double", Value::Double(std::f64::consts::PI * 1e6)),
        ("string", Value::String("Ivan Petrovich Sidorov".into())),
        ("keyword", Value::keyword(":person/last-name")),
        ("instant", Value::Instant(1_700_000_000_000)),
        ("ref", Value::Ref(entity_in(PART_USER, 98_765))),
        ("boolean", Value::Boolean(true)),
        (
            "uuid",
            Value::Uuid(Uuid::from_bytes([
                0x55, 0x0e, 0x84, 0x00, 0xe2, 0x9b, 0x41, 0xd4, 0xa7, 0x16, 0x44, 0x66, 0x55, 0x44,
                0x00, 0x00,
            ])),
        ),
        (
            "bigint",
            Value::big_int(BigInt::from_str("123456789012345678901234567890").expect("bigint")),
        ),
        (
            "bigdec",
            Value::big_dec(BigDecimal::from_str("-31415.92653589793").expect("bigdec")),
        ),
        (
            "tuple",
            Value::Tuple(vec![
                Some(Value::Long(42)),
                Some(Value::String("Ivan".into())),
                None,
            ]),
        ),
        ("float", Value::Float(-2.5e-3)),
        ("uri", Value::Uri("https://example.org/people/ivan".into())),
        ("symbol", Value::Symbol("clojure.core/map".into())),
        // With a zero byte: variable-length payloads escape it, the path worth timing.
        (
            "bytes",
            Value::Bytes(vec![0xDE, 0xAD, 0x00, 0xBE, 0xEF, 1, 2, 3]),
        ),
    ]
}

/// The EAVT key of `(E, A, value, TX)`, checked to be inline and to decode back to the same
/// datom — once, outside the timed loops, so a broken round trip fails instead of being timed.
fn checked_key(name: &str, value: &Value, threshold: usize) -> Vec<u8> {
    let mut encoded = Vec::new();
    assert_eq!(
        encode_value(&value.as_ref(), threshold, &mut encoded),
        Stored::Inline,
        "{name} must stay inline"
    );
    let mut key = Vec::new();
    encode_key(Index::Eavt, E, A, &encoded, TX, &mut key);
    let raw = decode_key(Index::Eavt, &key).expect("decode key");
    assert_eq!((raw.e, raw.a, raw.tx, raw.v), (E, A, TX, &encoded[..]));
    match decode_value(raw.v).expect("decode value") {
        Decoded::Value(decoded) => assert_eq!(&decoded.to_owned(), value, "{name} round trip"),
        Decoded::Spilled => panic!("{name} decoded as spilled"),
    }
    assert_eq!(
        value.value_type().name(),
        name,
        "benchmark id is the type's name"
    );
    key
}

fn encoding(c: &mut Criterion) {
    let threshold = StoreOptions::default().inline_value_threshold;
    let mut group = c.benchmark_group("key_eavt");
    for (name, value) in values() {
        let key = checked_key(name, &value, threshold);
        group.bench_with_input(BenchmarkId::new("encode", name), &value, |b, value| {
            // Buffers reused across iterations, as the transactor reuses its key buffers.
            let mut encoded = Vec::with_capacity(64);
            let mut out = Vec::with_capacity(64);
            b.iter(|| {
                encoded.clear();
                out.clear();
                encode_value(&black_box(value).as_ref(), threshold, &mut encoded);
                encode_key(Index::Eavt, E, A, &encoded, TX, &mut out);
                black_box(&out);
            })
        });
        group.bench_with_input(BenchmarkId::new("decode", name), &key, |b, key| {
            b.iter(|| {
                let raw = decode_key(Index::Eavt, black_box(key)).expect("key");
                black_box((raw.e, raw.a, raw.tx));
                black_box(decode_value(raw.v).expect("value"))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, encoding);
criterion_main!(benches);
