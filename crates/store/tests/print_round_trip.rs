//! One printer: every value datolite prints as EDN reads back to the same value (read with the
//! value's type, as the transactor reads it) — directly, and after a trip through a database
//! whose long values live out of line.

use datolite_edn::parse;
use datolite_store::model::typed_value;
use datolite_store::StoreOptions;
use datolite_store::{Index, Store, Value, ValueType};
use proptest::prelude::*;
use proptest::strategy::ValueTree;

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\\u{0}\\u{1}\\u{7f}\\n\\t\\r\"\\\\aé€😀]{0,12}",
        // Longer than the small inline threshold below: stored out of line.
        "[a-z\\u{0}é]{17,40}",
    ]
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9.*+!?-]{0,8}",
        "[a-z][a-z0-9.-]{0,5}/[a-z][a-z0-9*+!?-]{0,30}"
    ]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<bool>().prop_map(Value::Boolean),
        any::<i64>().prop_map(Value::Long),
        any::<f64>().prop_map(Value::Double),
        prop_oneof![
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(-0.0)
        ]
        .prop_map(Value::Double),
        any::<f32>().prop_map(Value::Float),
        (-62_135_596_800_000i64..253_402_300_799_999).prop_map(Value::Instant),
        text().prop_map(Value::String),
        name().prop_map(Value::Keyword),
        name().prop_map(Value::Symbol),
        any::<[u8; 16]>().prop_map(|b| Value::Uuid(b.into())),
        prop::collection::vec(any::<u8>(), 0..40).prop_map(Value::Bytes),
        (any::<i128>(), 0u32..3)
            .prop_map(|(n, s)| Value::big_int(num_bigint::BigInt::from(n) << (64 * s))),
        (any::<i64>(), -20i64..30)
            .prop_map(|(d, s)| Value::big_dec(bigdecimal::BigDecimal::new(d.into(), s))),
        "[a-z]{1,8}:[!-~]{0,30}".prop_map(Value::Uri),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        6 => scalar(),
        1 => prop::collection::vec(prop::option::of(scalar()), 0..5).prop_map(Value::Tuple),
    ]
}

/// Reads printed text back with the types of `like` (element by element for tuples).
fn read_back(text: &str, like: &Value) -> Value {
    let form = parse(text).unwrap_or_else(|e| panic!("{text:?} does not read: {e}"));
    typed(&form, like)
}

fn typed(form: &datolite_edn::Edn, like: &Value) -> Value {
    use datolite_edn::Edn;
    match (like, form) {
        (Value::Tuple(items), Edn::Vector(forms)) => {
            assert_eq!(items.len(), forms.len());
            Value::Tuple(
                items
                    .iter()
                    .zip(forms)
                    .map(|(item, f)| match (item, f) {
                        (None, Edn::Nil) => None,
                        (Some(v), f) => Some(typed(f, v)),
                        (None, other) => panic!("nil printed as {other}"),
                    })
                    .collect(),
            )
        }
        (v, form) => typed_value(form, v.value_type())
            .unwrap_or_else(|e| panic!("{form} is not a {}: {e:?}", v.value_type())),
    }
}

/// Values equal as datoms: by their encoding's order, where NaN equals NaN only bit for bit;
/// printing keeps one NaN, so compare NaNs as NaNs.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Double(x), Value::Double(y)) if x.is_nan() => y.is_nan(),
        (Value::Float(x), Value::Float(y)) if x.is_nan() => y.is_nan(),
        (Value::Tuple(x), Value::Tuple(y)) => {
            x.len() == y.len()
                && x.iter().zip(y).all(|(p, q)| match (p, q) {
                    (Some(p), Some(q)) => same(p, q),
                    (p, q) => p.is_none() && q.is_none(),
                })
        }
        _ => a == b,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn every_value_prints_as_edn_that_reads_back(v in value()) {
        let text = v.to_string();
        let back = read_back(&text, &v);
        prop_assert!(same(&back, &v), "{:?} printed as {} read back as {:?}", v, text, back);
    }
}

/// Every scalar type through a database with a 16-byte inline threshold (long strings,
/// keywords, symbols, URIs and bytes are stored out of line), printed and read back.
#[test]
fn values_read_from_a_database_print_and_read_back() {
    let store = Store::open(
        None,
        StoreOptions {
            inline_value_threshold: 16,
            ..StoreOptions::memory()
        },
    )
    .unwrap();
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let types = [
        ValueType::Boolean,
        ValueType::Long,
        ValueType::Double,
        ValueType::Float,
        ValueType::Instant,
        ValueType::String,
        ValueType::Keyword,
        ValueType::Symbol,
        ValueType::Uuid,
        ValueType::Bytes,
        ValueType::BigInt,
        ValueType::BigDec,
        ValueType::Uri,
    ];
    let schema: String = types
        .iter()
        .map(|t| {
            format!(
                "{{:db/ident :v/{} :db/valueType :{} :db/cardinality :db.cardinality/many}}",
                t.name(),
                t.ident()
            )
        })
        .collect();
    store.transact_edn(&format!("[{schema}]")).unwrap();
    let strategy = scalar();
    for _ in 0..400 {
        let v = strategy.new_tree(&mut runner).unwrap().current();
        let attr = format!(":v/{}", v.value_type().name());
        let text = v.to_string();
        let report = store
            .transact_edn(&format!("[{{:db/id \"x\" {attr} {text}}}]"))
            .unwrap_or_else(|e| panic!("{text}: {e}"));
        let e = report.tempids["x"];
        let stored = store
            .db()
            .unwrap()
            .datoms(Index::Eavt, &[Value::Ref(e), Value::keyword(&attr)])
            .unwrap();
        assert_eq!(stored.len(), 1, "{text}");
        let printed = stored[0].v.to_string();
        assert!(same(&read_back(&printed, &v), &v), "{v:?} → {printed}");
    }
}
