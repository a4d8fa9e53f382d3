//! Property tests of the key encoding: round trips, injectivity, and byte order == value order.

use std::cmp::Ordering;

use datolite_store::encoding::{
    decode_key, decode_value, encode_key, encoded, Decoded, Index, Stored,
};
use datolite_store::{Value, ValueRef};
use proptest::prelude::*;

const THRESHOLD: usize = 64;
/// A small threshold for the spill test.
const SMALL: usize = 16;

/// Keyword and symbol texts: with and without namespaces, namespaces that are prefixes of
/// each other (`a` / `a-b` / `a.b`), odd bytes, a lone `/`.
fn name_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-c]{1,3}",
        "[a-c.\\-]{0,3}/[a-c/]{0,3}",
        "[a\u{0}\u{1}]{0,2}/[b\u{0}]{0,2}",
        Just("/".to_string()),
    ]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<bool>().prop_map(Value::Boolean),
        any::<i64>().prop_map(Value::Long),
        any::<f64>().prop_map(Value::Double),
        prop_oneof![
            Just(0.0f64),
            Just(-0.0),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(f64::MIN_POSITIVE)
        ]
        .prop_map(Value::Double),
        any::<i64>().prop_map(Value::Instant),
        ".{0,12}".prop_map(Value::String),
        "[a-z]{0,3}\u{0}{0,2}[a-z]{0,3}".prop_map(Value::String),
        "[a-z]{1,5}/[a-z]{1,5}".prop_map(Value::Keyword),
        name_text().prop_map(Value::Keyword),
        name_text().prop_map(Value::Symbol),
        any::<[u8; 16]>().prop_map(|b| Value::Uuid(b.into())),
        prop::collection::vec(prop_oneof![Just(0u8), Just(0xFF), any::<u8>()], 0..10)
            .prop_map(Value::Bytes),
        any::<u64>().prop_map(Value::Ref),
        any::<f32>().prop_map(Value::Float),
        prop_oneof![
            Just(0.0f32),
            Just(-0.0),
            Just(f32::INFINITY),
            Just(f32::NAN)
        ]
        .prop_map(Value::Float),
        (any::<i128>(), 0u32..3)
            .prop_map(|(n, shift)| { Value::big_int(num_bigint::BigInt::from(n) << (64 * shift)) }),
        (-1000i64..1000).prop_map(|n| Value::big_int(n.into())),
        (any::<i64>(), -30i64..30).prop_map(|(digits, scale)| {
            Value::big_dec(bigdecimal::BigDecimal::new(digits.into(), scale))
        }),
        (-200i64..200, 0i64..4).prop_map(|(digits, scale)| {
            Value::big_dec(bigdecimal::BigDecimal::new(digits.into(), scale))
        }),
        ".{0,8}".prop_map(Value::Uri),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => scalar(),
        1 => prop::collection::vec(prop::option::of(scalar()), 0..5).prop_map(Value::Tuple),
    ]
}

fn inline_of(v: &Value) -> Vec<u8> {
    let (bytes, stored) = encoded(&v.as_ref(), THRESHOLD);
    assert_eq!(stored, Stored::Inline);
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn values_round_trip(v in value()) {
        let bytes = inline_of(&v);
        match decode_value(&bytes).unwrap() {
            Decoded::Value(back) => prop_assert_eq!(back.to_owned(), v),
            Decoded::Spilled => prop_assert!(false, "inline value decoded as spilled"),
        }
    }

    #[test]
    fn byte_order_is_value_order(a in value(), b in value()) {
        let (ea, eb) = (inline_of(&a), inline_of(&b));
        prop_assert_eq!(ea.cmp(&eb), a.cmp(&b), "{:?} vs {:?}", a, b);
        // Injective: equal encodings only for equal values.
        prop_assert_eq!(ea == eb, a == b);
    }

    #[test]
    fn order_holds_inside_composite_keys(a in value(), b in value(), e1 in any::<u64>(), e2 in any::<u64>(), t in any::<u64>()) {
        let (ea, eb) = (inline_of(&a), inline_of(&b));
        let mut ka = Vec::new();
        let mut kb = Vec::new();
        encode_key(Index::Avet, e1, 7, &ea, t, &mut ka);
        encode_key(Index::Avet, e2, 7, &eb, t, &mut kb);
        let expected = a.cmp(&b).then(e1.cmp(&e2));
        prop_assert_eq!(ka.cmp(&kb), expected);
    }

    #[test]
    fn keys_round_trip(v in value(), e in any::<u64>(), a in any::<u32>(), t in any::<u64>()) {
        let enc = inline_of(&v);
        for index in [Index::Eavt, Index::Aevt, Index::Avet] {
            let mut key = Vec::new();
            encode_key(index, e, a, &enc, t, &mut key);
            let raw = decode_key(index, &key).unwrap();
            prop_assert_eq!((raw.e, raw.a, raw.v, raw.tx), (e, a, enc.as_slice(), t));
        }
    }

    #[test]
    fn long_values_spill_and_keep_prefix_order(a in "[a-c]{0,40}", b in "[a-c]{0,40}") {
        let (ea, sa) = encoded(&ValueRef::String(a.as_str().into()), SMALL);
        let (eb, sb) = encoded(&ValueRef::String(b.as_str().into()), SMALL);
        prop_assert_eq!(sa == Stored::Spilled, a.len() > SMALL);
        prop_assert_eq!(sb == Stored::Spilled, b.len() > SMALL);
        prop_assert_eq!(ea == eb, a == b);
        // Order is exact unless both spilled with the same kept prefix.
        let same_prefix = a.len() > SMALL && b.len() > SMALL && a[..SMALL] == b[..SMALL];
        if !same_prefix {
            prop_assert_eq!(ea.cmp(&eb), a.cmp(&b));
        }
    }
}

#[test]
fn keywords_order_as_clojure_compares_them() {
    // No namespace first, then by namespace (so `a` before `a-b` and `a.b`), then by name.
    let ordered = [":b", ":zz", ":a/z", ":a-b/c", ":a.b/a", ":b/a", ":b/a/c"];
    for pair in ordered.windows(2) {
        let (x, y) = (Value::keyword(pair[0]), Value::keyword(pair[1]));
        assert_eq!(x.cmp(&y), Ordering::Less, "{pair:?}");
        assert_eq!(
            inline_of(&x).cmp(&inline_of(&y)),
            Ordering::Less,
            "{pair:?}"
        );
    }
}

#[test]
fn decimals_are_numbers() {
    let d = |s: &str| Value::big_dec(s.parse().unwrap());
    assert_eq!(d("1.50"), d("1.5"));
    assert_eq!(inline_of(&d("1.50")), inline_of(&d("1.5")));
    assert_eq!(d("1E+2").to_string(), "100M");
    assert_eq!(d("-0.050").to_string(), "-0.05M");
    let ordered = [
        "-100", "-2.5", "-2", "-0.001", "0", "0.001", "0.01", "0.1", "1", "1.05", "10",
    ];
    for pair in ordered.windows(2) {
        let (x, y) = (d(pair[0]), d(pair[1]));
        assert_eq!(x.cmp(&y), Ordering::Less, "{pair:?}");
        assert_eq!(
            inline_of(&x).cmp(&inline_of(&y)),
            Ordering::Less,
            "{pair:?}"
        );
    }
}

#[test]
fn doubles_order_by_ieee_total_order() {
    let values = [
        f64::NEG_INFINITY,
        -1.0,
        -0.0,
        0.0,
        f64::MIN_POSITIVE,
        1.0,
        f64::INFINITY,
        f64::NAN,
    ];
    for pair in values.windows(2) {
        let (a, b) = (
            inline_of(&Value::Double(pair[0])),
            inline_of(&Value::Double(pair[1])),
        );
        assert_eq!(a.cmp(&b), Ordering::Less, "{pair:?}");
    }
}
