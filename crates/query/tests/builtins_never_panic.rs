//! Every registered function and aggregate, called with arguments of every value type (and nil,
//! and collections, and the extremes of each type), through both evaluators: each call gives a
//! value or an error, never a panic. A grid calls every function with every pair of a set of
//! boundary values; the property tests add random ones.

use datolite_query::{
    builtin_aggregates, builtin_functions, naive, parse_query, q, InputValue, QueryResult,
};
use datolite_store::{Db, Value};
use proptest::prelude::*;

fn movies() -> Db {
    let db = datolite::Database::memory().unwrap();
    db.transact(include_str!("../../../fixtures/movies.edn"))
        .unwrap();
    db.db().unwrap()
}

/// Values of every type, extremes included (passed as inputs: some have no literal).
fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<bool>().prop_map(Value::Boolean),
        prop_oneof![
            Just(0i64),
            Just(1),
            Just(-1),
            Just(2),
            Just(i64::MAX),
            Just(i64::MIN),
            any::<i64>()
        ]
        .prop_map(Value::Long),
        prop_oneof![
            Just(0.0f64),
            Just(-0.0),
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(f64::MAX),
            Just(1.5),
            any::<f64>()
        ]
        .prop_map(Value::Double),
        prop_oneof![Just(i64::MIN), Just(i64::MAX), Just(0), any::<i64>()].prop_map(Value::Instant),
        prop_oneof![
            Just(String::new()),
            Just("abc".to_string()),
            Just("(".to_string()),
            Just("a.*".to_string()),
            Just("\\d+".to_string()),
            Just("(?=x)".to_string()),
            Just("Mel Gibson".to_string()),
            "\\PC{0,12}"
        ]
        .prop_map(Value::String),
        prop_oneof![
            Just("k".to_string()),
            Just("movie/title".to_string()),
            Just("person/name".to_string()),
            Just("movie/director".to_string()),
            Just("db.type/string".to_string()),
            Just("no/such".to_string()),
            Just("/".to_string()),
            Just(String::new())
        ]
        .prop_map(Value::Keyword),
        any::<[u8; 16]>().prop_map(|b| Value::Uuid(b.into())),
        proptest::collection::vec(any::<u8>(), 0..4).prop_map(Value::Bytes),
        prop_oneof![Just(0u64), Just(u64::MAX), Just(1 << 62), any::<u64>()].prop_map(Value::Ref),
    ]
}

/// Literal arguments the inputs cannot express: nil, collections, lookup-ref shapes.
const LITERALS: &[&str] = &[
    "nil",
    "[]",
    "[1 2]",
    "[[1] [2 3]]",
    "[nil]",
    "[:person/name \"Mel Gibson\"]",
    "[:person/name \"Nobody\"]",
    "[:movie/title \"Alien\"]",
    "\"x\"",
    "-9223372036854775808",
    "##NaN",
];

/// One argument: an input variable (index into the values) or a literal.
#[derive(Clone, Debug)]
enum Arg {
    Input(usize),
    Literal(usize),
}

fn arg() -> impl Strategy<Value = Arg> {
    prop_oneof![
        3 => (0usize..4).prop_map(Arg::Input),
        1 => (0..LITERALS.len()).prop_map(Arg::Literal),
    ]
}

/// Runs `text` with `inputs` through both evaluators; any outcome but a panic is fine.
fn both(db: &Db, text: &str, inputs: &[InputValue]) {
    let Ok(query) = parse_query(text) else {
        return;
    };
    let got = q(db, &query, inputs, &[]);
    let want = naive::q(db, &query, inputs, &[]);
    // Where both succeed on a deterministic call they agree (rand and sample draw at random).
    if let (Ok(g), Ok(w)) = (&got, &want) {
        if !text.contains("rand") && !text.contains("sample") {
            assert_eq!(g, w, "{text} with {inputs:?}");
        }
    }
    let _: Option<&QueryResult> = got.as_ref().ok();
}

/// Boundary arguments: input values, and literals for what inputs cannot hold.
fn grid() -> Vec<Arg2> {
    let mut out: Vec<Arg2> = [
        Value::Long(0),
        Value::Long(1),
        Value::Long(-1),
        Value::Long(i64::MAX),
        Value::Long(i64::MIN),
        Value::Double(-0.0),
        Value::Double(f64::NAN),
        Value::Double(f64::INFINITY),
        Value::Double(1.5),
        Value::String(String::new()),
        Value::String("(".into()),
        Value::String("a|ab".into()),
        Value::keyword(":movie/title"),
        Value::keyword(":no/such"),
        Value::Instant(i64::MIN),
        Value::Instant(i64::MAX),
        Value::Ref(u64::MAX),
        Value::Bytes(vec![0, 255]),
        Value::Uuid([7; 16].into()),
        Value::Boolean(false),
    ]
    .into_iter()
    .map(Arg2::Value)
    .collect();
    out.extend(["nil", "[]", "[1 [2]]", "[:person/name \"Mel Gibson\"]"].map(Arg2::Literal));
    out
}

/// A grid argument.
#[derive(Clone, Debug)]
enum Arg2 {
    Value(Value),
    Literal(&'static str),
}

/// The arguments of a call to `name` as written, with the inputs they need.
fn written(name: &str, args: &[&Arg2]) -> (Vec<String>, Vec<InputValue>) {
    let mut inputs = vec![InputValue::Db];
    let mut out: Vec<String> = args
        .iter()
        .enumerate()
        .map(|(i, a)| match a {
            Arg2::Value(v) => {
                inputs.push(InputValue::Scalar(v.clone()));
                format!("?v{}", inputs.len() - 2)
            }
            Arg2::Literal(l) => {
                let _ = i;
                l.to_string()
            }
        })
        .collect();
    match name {
        "get-else" | "get-some" | "missing?" => {
            if let Some(first) = out.first_mut() {
                *first = "$".into();
            }
        }
        "q" => {
            if let Some(first) = out.first_mut() {
                *first = "[:find ?x . :in $ ?a :where [(identity ?a) ?x]]".into();
            }
            if out.len() > 1 {
                out.insert(1, "$".into());
            }
        }
        _ => {}
    }
    (out, inputs)
}

#[test]
fn every_function_on_every_pair_of_boundary_values() {
    let db = movies();
    let grid = grid();
    for (name, min, max) in builtin_functions() {
        let top = max.unwrap_or(min + 2).min(min + 2).max(min);
        for n in min..=top {
            for a in &grid {
                for b in &grid {
                    let args: Vec<&Arg2> = (0..n).map(|k| if k % 2 == 0 { a } else { b }).collect();
                    let (args, mut inputs) = written(name, &args);
                    let vars: Vec<String> =
                        (0..inputs.len() - 1).map(|k| format!("?v{k}")).collect();
                    let text = format!(
                        "[:find ?r :in $ {} :where [({name} {}) ?r]]",
                        vars.join(" "),
                        args.join(" ")
                    );
                    if vars.is_empty() {
                        inputs.truncate(1);
                    }
                    both(&db, &text, &inputs);
                    if n < 2 {
                        break;
                    }
                }
                if n == 0 {
                    break;
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn every_function_returns_or_fails(
        which in any::<prop::sample::Index>(),
        extra in 0usize..3,
        args in proptest::collection::vec(arg(), 0..6),
        values in proptest::collection::vec(value(), 4),
        as_predicate in any::<bool>(),
    ) {
        let db = movies();
        let functions = builtin_functions();
        let (name, min, max) = functions[which.index(functions.len())];
        let n = max.map_or(min + extra, |max| (min + extra).min(max));
        let mut written: Vec<String> = (0..n)
            .map(|i| match args.get(i).cloned().unwrap_or(Arg::Input(i % 4)) {
                Arg::Input(k) => format!("?v{k}"),
                Arg::Literal(k) => LITERALS[k].to_string(),
            })
            .collect();
        match name {
            "get-else" | "get-some" | "missing?" => {
                if let Some(first) = written.first_mut() {
                    *first = "$".into();
                }
            }
            "q" => {
                if let Some(first) = written.first_mut() {
                    *first = "[:find ?x . :in $ ?a :where [(identity ?a) ?x]]".into();
                }
                if written.len() > 1 {
                    written.insert(1, "$".into());
                }
            }
            _ => {}
        }
        let call = format!("({name} {})", written.join(" "));
        let clause = if as_predicate { format!("[{call}]") } else { format!("[{call} ?r]") };
        let find = if as_predicate { "?v0" } else { "?r" };
        let text = format!(
            "[:find {find} :in $ ?v0 ?v1 ?v2 ?v3 :where [(identity ?v0) ?w] {clause}]"
        );
        let mut inputs = vec![InputValue::Db];
        inputs.extend(values.iter().cloned().map(InputValue::Scalar));
        both(&db, &text, &inputs);
    }

    #[test]
    fn every_aggregate_returns_or_fails(
        which in any::<prop::sample::Index>(),
        column in proptest::collection::vec(value(), 1..6),
        n in prop_oneof![Just(-1i64), Just(0), Just(2), Just(i64::MAX), any::<i64>()],
        count_kind in 0usize..3,
        with in any::<bool>(),
    ) {
        let db = movies();
        let aggregates = builtin_aggregates();
        let (name, min, max) = aggregates[which.index(aggregates.len())];
        let count = match (count_kind, min, max) {
            (_, 2, _) | (1, _, 2) => "?n ",
            (2, _, 2) => "3 ",
            _ => "",
        };
        let with = if with { ":with ?i" } else { "" };
        let text = format!(
            "[:find ({name} {count}?x) . {with} :in $ ?n [[?x ?i]]]"
        );
        let rel: Vec<Vec<Value>> = column
            .iter()
            .enumerate()
            .map(|(i, v)| vec![v.clone(), Value::Long(i as i64 % 2)])
            .collect();
        let inputs = [InputValue::Db, InputValue::Scalar(Value::Long(n)), InputValue::Relation(rel)];
        both(&db, &text, &inputs);
        // The count may be any value too.
        let inputs = [InputValue::Db, InputValue::Scalar(column[0].clone()), InputValue::Relation(vec![column.clone()[..1].to_vec().into_iter().chain([Value::Long(0)]).collect()])];
        both(&db, &text, &inputs);
    }
}
