//! Every Datomic value type through the transactor and back: typed conversion, index order,
//! tuples (homogeneous, heterogeneous, composite), long values out of line, on both engines.

mod common;

use common::{dump, lmdb, memory};
use datolite_store::{Index, Store, StoreError, Value};

const SCHEMA: &str = r#"[
 {:db/ident :t/float :db/valueType :db.type/float :db/cardinality :db.cardinality/one}
 {:db/ident :t/bigint :db/valueType :db.type/bigint :db/cardinality :db.cardinality/one}
 {:db/ident :t/bigdec :db/valueType :db.type/bigdec :db/cardinality :db.cardinality/many}
 {:db/ident :t/uri :db/valueType :db.type/uri :db/cardinality :db.cardinality/one}
 {:db/ident :t/symbol :db/valueType :db.type/symbol :db/cardinality :db.cardinality/one}
 {:db/ident :t/kw :db/valueType :db.type/keyword :db/cardinality :db.cardinality/one}
 {:db/ident :t/pair :db/valueType :db.type/tuple :db/tupleTypes [:db.type/long :db.type/string]
  :db/cardinality :db.cardinality/one}
 {:db/ident :t/longs :db/valueType :db.type/tuple :db/tupleType :db.type/long
  :db/cardinality :db.cardinality/many}
 {:db/ident :reg/course :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
 {:db/ident :reg/semester :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
 {:db/ident :reg/course+semester :db/valueType :db.type/tuple
  :db/tupleAttrs [:reg/course :reg/semester] :db/cardinality :db.cardinality/one
  :db/unique :db.unique/value}
]"#;

fn values(store: &Store, e: u64, attr: &str) -> Vec<Value> {
    store
        .db()
        .unwrap()
        .datoms(Index::Eavt, &[Value::Ref(e), Value::keyword(attr)])
        .unwrap()
        .into_iter()
        .map(|d| d.v)
        .collect()
}

fn avet(store: &Store, attr: &str) -> Vec<Value> {
    store
        .db()
        .unwrap()
        .datoms(Index::Avet, &[Value::keyword(attr)])
        .unwrap()
        .into_iter()
        .map(|d| d.v)
        .collect()
}

fn scalar_types(store: &Store) {
    store.transact_edn(SCHEMA).unwrap();
    let r = store
        .transact_edn(
            r#"[{:db/id "x" :t/float 0.1 :t/bigint 123456789012345678901234567890N
                 :t/bigdec [1.50M 2 0.0001M] :t/uri #uri "https://example.org/a?b=c"
                 :t/symbol my.ns/sym :t/pair [7 "seven"] :t/longs #{[1 2 3] [4]}}]"#,
        )
        .unwrap();
    let x = r.tempids["x"];
    assert_eq!(values(store, x, ":t/float"), vec![Value::Float(0.1)]);
    assert_eq!(
        values(store, x, ":t/bigint"),
        vec![Value::big_int(
            "123456789012345678901234567890".parse().unwrap()
        )]
    );
    // Numerically ordered, shortest form (1.50M is 1.5M).
    let decimals: Vec<String> = values(store, x, ":t/bigdec")
        .iter()
        .map(|v| v.to_string())
        .collect();
    assert_eq!(decimals, ["0.0001M", "1.5M", "2M"]);
    assert_eq!(
        values(store, x, ":t/uri"),
        vec![Value::Uri("https://example.org/a?b=c".into())]
    );
    assert_eq!(
        values(store, x, ":t/symbol"),
        vec![Value::Symbol("my.ns/sym".into())]
    );
    assert_eq!(
        values(store, x, ":t/pair"),
        vec![Value::Tuple(vec![
            Some(Value::Long(7)),
            Some("seven".into())
        ])]
    );
    assert_eq!(values(store, x, ":t/longs").len(), 2);
    // Asserting an equal decimal is a no-op; 1.5M and 1.50M are one value.
    let again = store
        .transact_edn(&format!("[[:db/add {x} :t/bigdec 1.5000M]]"))
        .unwrap();
    assert_eq!(
        again.tx_data.len(),
        1,
        "only the tx instant: {:?}",
        again.tx_data
    );
    // Printing reads back.
    for v in values(store, x, ":t/pair") {
        assert_eq!(v.to_string(), "[7 \"seven\"]");
    }
}

#[test]
fn scalar_types_memory() {
    scalar_types(&memory());
}

#[test]
fn scalar_types_lmdb() {
    let (store, _dir) = lmdb();
    scalar_types(&store);
}

#[test]
fn type_errors_name_attribute_and_value() {
    let store = memory();
    store.transact_edn(SCHEMA).unwrap();
    let cases = [
        ("[{:t/bigdec 1.5}]", "bigdec"),
        ("[{:t/float 1e300}]", "out of the range of a float"),
        // A typo of an exponent must not build a number with a billion digits.
        ("[{:t/bigdec 1E+999999999M}]", "exponent is beyond"),
        ("[{:t/uri \"not a uri\"}]", "contains ' '"),
        ("[{:t/pair [1]}]", "takes 2 elements"),
        ("[{:t/pair [\"a\" \"b\"]}]", "element 0"),
        ("[{:t/longs [[1 2 3 4 5 6 7 8 9]]}]", "at most 8 elements"),
        (
            "[{:reg/course+semester [\"x\" 1]}]",
            "maintained by the transactor",
        ),
        (
            "[[:db/retract 1000 :reg/course+semester]]",
            "maintained by the transactor",
        ),
    ];
    let before = dump(&store);
    for (tx, wanted) in cases {
        let e = store.transact_edn(tx).unwrap_err().to_string();
        assert!(e.contains(wanted), "{tx}: {e}");
        assert!(
            e.contains(":t/") || e.contains(":reg/"),
            "{tx}: {e} names no attribute"
        );
    }
    assert!(
        dump(&store) == before,
        "a failed transaction wrote something"
    );
}

#[test]
fn tuple_schema_is_checked() {
    let store = memory();
    store.transact_edn(SCHEMA).unwrap();
    for (tx, wanted) in [
        (
            "[{:db/ident :bad/a :db/valueType :db.type/tuple :db/cardinality :db.cardinality/one}]",
            "needs exactly one of",
        ),
        (
            "[{:db/ident :bad/b :db/valueType :db.type/tuple :db/tupleTypes [:db.type/long] :db/cardinality :db.cardinality/one}]",
            "2 to 8",
        ),
        (
            "[{:db/ident :bad/c :db/valueType :db.type/tuple :db/tupleAttrs [:t/longs :t/kw] :db/cardinality :db.cardinality/one}]",
            "tuple attribute :t/longs",
        ),
        (
            "[{:db/ident :bad/d :db/valueType :db.type/long :db/tupleType :db.type/long :db/cardinality :db.cardinality/one}]",
            "has a tuple definition",
        ),
    ] {
        let e = store.transact_edn(tx).unwrap_err();
        assert!(matches!(e, StoreError::Schema(_)), "{tx}: {e}");
        assert!(e.to_string().contains(wanted), "{tx}: {e}");
    }
}

fn composites(store: &Store) {
    store.transact_edn(SCHEMA).unwrap();
    let r = store
        .transact_edn(r#"[{:db/id "a" :reg/course "Math"}]"#)
        .unwrap();
    let a = r.tempids["a"];
    // A missing source is nil.
    assert_eq!(
        values(store, a, ":reg/course+semester"),
        vec![Value::Tuple(vec![Some("Math".into()), None])]
    );
    store
        .transact_edn(&format!("[[:db/add {a} :reg/semester 2]]"))
        .unwrap();
    assert_eq!(
        values(store, a, ":reg/course+semester"),
        vec![Value::Tuple(vec![
            Some("Math".into()),
            Some(Value::Long(2))
        ])]
    );
    // A lookup ref names an entity by its composite value.
    store
        .transact_edn(r#"[[:db/add [:reg/course+semester ["Math" 2]] :t/kw :found]]"#)
        .unwrap();
    assert_eq!(values(store, a, ":t/kw"), vec![Value::keyword(":found")]);
    // A composite is unique: a second entity with the same sources is refused.
    let e = store
        .transact_edn(r#"[{:reg/course "Math" :reg/semester 2}]"#)
        .unwrap_err();
    assert!(matches!(e, StoreError::UniqueViolation { .. }), "{e}");
    // Every source gone: the composite is retracted.
    store
        .transact_edn(&format!(
            "[[:db/retract {a} :reg/course \"Math\"] [:db/retract {a} :reg/semester 2]]"
        ))
        .unwrap();
    assert!(values(store, a, ":reg/course+semester").is_empty());
    assert!(avet(store, ":reg/course+semester").is_empty());
}

#[test]
fn composites_memory() {
    composites(&memory());
}

#[test]
fn composites_lmdb() {
    let (store, _dir) = lmdb();
    composites(&store);
}

#[test]
fn upsert_through_a_composite_identity() {
    let store = memory();
    store
        .transact_edn(
            r#"[{:db/ident :reg/course :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
                {:db/ident :reg/semester :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
                {:db/ident :reg/room :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
                {:db/ident :reg/course+semester :db/valueType :db.type/tuple
                 :db/tupleAttrs [:reg/course :reg/semester] :db/cardinality :db.cardinality/one
                 :db/unique :db.unique/identity}]"#,
        )
        .unwrap();
    let first = store
        .transact_edn(r#"[{:db/id "m" :reg/course "Math" :reg/semester 2}]"#)
        .unwrap()
        .tempids["m"];
    // Same sources, a new tempid: the same entity.
    let again = store
        .transact_edn(r#"[{:db/id "again" :reg/course "Math" :reg/semester 2 :reg/room "101"}]"#)
        .unwrap()
        .tempids["again"];
    assert_eq!(again, first);
    assert_eq!(values(&store, first, ":reg/room"), vec![Value::from("101")]);
    // Another semester is another entity.
    let other = store
        .transact_edn(r#"[{:db/id "o" :reg/course "Math" :reg/semester 3}]"#)
        .unwrap()
        .tempids["o"];
    assert_ne!(other, first);
    // Two tempids with the same sources in one transaction are one entity.
    let r = store
        .transact_edn(
            r#"[{:db/id "x" :reg/course "Art" :reg/semester 1} {:db/id "y" :reg/course "Art" :reg/semester 1 :reg/room "7"}]"#,
        )
        .unwrap();
    assert_eq!(r.tempids["x"], r.tempids["y"]);
}

#[test]
fn keywords_sort_as_clojure_compares_them_in_avet() {
    let store = memory();
    store.transact_edn(SCHEMA).unwrap();
    store
        .transact_edn("[{:t/kw :b/a} {:t/kw :zz} {:t/kw :a-b/c} {:t/kw :a/z} {:t/kw :b}]")
        .unwrap();
    let order: Vec<String> = avet(&store, ":t/kw")
        .iter()
        .map(|v| v.to_string())
        .collect();
    assert_eq!(order, [":b", ":zz", ":a/z", ":a-b/c", ":b/a"]);
}

#[test]
fn long_keywords_and_symbols_live_out_of_line() {
    let store = memory();
    store.transact_edn(SCHEMA).unwrap();
    let long_ns = "n".repeat(300);
    let kw = format!(":{long_ns}/x");
    let r = store
        .transact_edn(&format!(
            "[{{:db/id \"k\" :t/kw {kw} :t/symbol {long_ns}/sym}}]"
        ))
        .unwrap();
    let k = r.tempids["k"];
    assert_eq!(values(&store, k, ":t/kw"), vec![Value::keyword(&kw)]);
    assert_eq!(
        values(&store, k, ":t/symbol"),
        vec![Value::Symbol(format!("{long_ns}/sym"))]
    );
}

#[test]
fn engines_agree() {
    let mem = memory();
    let (disk, _dir) = lmdb();
    for store in [&mem, &disk] {
        store.transact_edn(SCHEMA).unwrap();
        store
            .transact_edn(
                r#"[{:t/float -0.0 :t/bigint -5N :t/bigdec [-1.25M 0M] :t/symbol s
                     :t/pair [-1 ""] :reg/course "X" :reg/semester 9}]"#,
            )
            .unwrap();
    }
    // Transaction instants differ between the two runs: compare everything but the log and
    // the instant datoms by dropping transaction entities' own datoms.
    let strip = |store: &Store| -> Vec<Value> {
        let db = store.db().unwrap();
        db.datoms(Index::Aevt, &[])
            .unwrap()
            .into_iter()
            .filter(|d| d.a != 7)
            .map(|d| {
                Value::Tuple(vec![
                    Some(Value::Ref(d.e)),
                    Some(Value::Ref(d.a)),
                    Some(d.v),
                ])
            })
            .collect()
    };
    assert_eq!(strip(&mem), strip(&disk));
}
