//! Query results as text: EDN (what the REPL, `query --format edn` and the README tutorial
//! show) and JSON (the command line's contract: `docs/design.md`, §9 CLI/JSON contract), written
//! by hand so the facade needs no serializer.
//!
//! ```
//! use datolite::{result_edn, result_json, Cell, QueryResult, Value};
//! let r = QueryResult::Relation(vec![vec![Cell::Value(Value::from("Ivan")), Cell::Value(Value::Long(3))]]);
//! assert_eq!(result_edn(&r), r#"[["Ivan" 3]]"#);
//! assert_eq!(result_json(&r), r#"[["Ivan",3]]"#);
//! assert_eq!(result_json(&QueryResult::Scalar(None)), "null");
//! ```
//!
//! Return maps (`:keys`, `:strs`, `:syms`) print as EDN maps keyed by keywords, strings or
//! symbols, and as JSON objects keyed by the names as written.

use std::fmt::Write;

use datolite_edn::format_inst_millis;
use datolite_query::{Cell, PullMap, Pulled, QueryResult, ReturnKind, ReturnMap};
use datolite_store::{Value, ValueRef};

/// A query result as EDN: a relation as a vector of tuples `[[…] …]` (in the result's sorted
/// order), a scalar as its value (`nil` when none), a collection and a tuple as vectors. A
/// `(distinct ?x)` cell prints as a set `#{…}`. With `:keys` a relation is a vector of maps
/// `[{:title "Alien" :year 1979} …]` and a tuple one map (`:strs` keys are strings, `:syms`
/// symbols).
pub fn result_edn(result: &QueryResult) -> String {
    let mut out = String::new();
    match result {
        QueryResult::Maps { keys, rows } => {
            seq(&mut out, ("[", "]", " "), rows, |o, r| map_edn(o, keys, r))
        }
        QueryResult::Map { keys, row: Some(r) } => map_edn(&mut out, keys, r),
        QueryResult::Map { row: None, .. } => out.push_str("nil"),
        QueryResult::Relation(rows) => seq(&mut out, ("[", "]", " "), rows, |o, r| tuple_edn(o, r)),
        QueryResult::Scalar(None) | QueryResult::Tuple(None) => out.push_str("nil"),
        QueryResult::Scalar(Some(cell)) => cell_edn(&mut out, cell),
        QueryResult::Collection(cells) | QueryResult::Tuple(Some(cells)) => {
            tuple_edn(&mut out, cells)
        }
    }
    out
}

/// A query result as compact JSON (`docs/design.md`, §9 CLI/JSON contract): a relation → array
/// of arrays; a scalar → one value (`null` when none); a collection → array; a tuple → array
/// (`null` when none). Values as [`value_json`]; a `(distinct ?x)` cell → array. Return maps →
/// objects keyed by the names as written (`{"title":"Alien","year":1979}`): a relation an array
/// of them, a tuple one (`null` when none).
pub fn result_json(result: &QueryResult) -> String {
    let mut out = String::new();
    match result {
        QueryResult::Maps { keys, rows } => {
            seq(&mut out, ("[", "]", ","), rows, |o, r| map_json(o, keys, r))
        }
        QueryResult::Map { keys, row: Some(r) } => map_json(&mut out, keys, r),
        QueryResult::Map { row: None, .. } => out.push_str("null"),
        QueryResult::Relation(rows) => {
            seq(&mut out, ("[", "]", ","), rows, |o, r| cells_json(o, r))
        }
        QueryResult::Scalar(None) | QueryResult::Tuple(None) => out.push_str("null"),
        QueryResult::Scalar(Some(cell)) => cell_json(&mut out, cell),
        QueryResult::Collection(cells) | QueryResult::Tuple(Some(cells)) => {
            cells_json(&mut out, cells)
        }
    }
    out
}

/// One cell as EDN.
pub fn cell_edn_string(cell: &Cell) -> String {
    let mut out = String::new();
    cell_edn(&mut out, cell);
    out
}

/// A value as JSON text: strings → strings; keywords → `":ns/name"`; longs, doubles and entity
/// ids → numbers; instants → RFC 3339 UTC with milliseconds; uuids → strings; booleans →
/// booleans; bytes → hex strings; non-finite doubles → their EDN text (`"##NaN"`).
pub fn value_json(value: &Value) -> String {
    let mut out = String::new();
    write_value_json(&mut out, value);
    out
}

/// Writes `items` between `open` and `close`, separated by `sep`, each with `each`: the one
/// shape of every EDN vector and set and every JSON array below.
fn seq<T>(
    out: &mut String,
    (open, close, sep): (&str, &str, &str),
    items: &[T],
    mut each: impl FnMut(&mut String, &T),
) {
    out.push_str(open);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        each(out, item);
    }
    out.push_str(close);
}

/// One row as an EDN map from the return map's keys to its cells, in find order.
fn map_edn(out: &mut String, keys: &ReturnMap, cells: &[Cell]) {
    let pairs: Vec<(&String, &Cell)> = keys.names.iter().zip(cells).collect();
    seq(out, ("{", "}", " "), &pairs, |o, (name, cell)| {
        match keys.kind {
            ReturnKind::Keys => {
                o.push(':');
                o.push_str(name);
            }
            ReturnKind::Strs => {
                let _ = write!(o, "{}", Value::String((*name).clone()));
            }
            ReturnKind::Syms => o.push_str(name),
        }
        o.push(' ');
        cell_edn(o, cell);
    });
}

/// One row as a JSON object from the return map's names to its cells, in find order.
fn map_json(out: &mut String, keys: &ReturnMap, cells: &[Cell]) {
    let pairs: Vec<(&String, &Cell)> = keys.names.iter().zip(cells).collect();
    seq(out, ("{", "}", ","), &pairs, |o, (name, cell)| {
        json_string(o, name);
        o.push(':');
        cell_json(o, cell);
    });
}

fn tuple_edn(out: &mut String, cells: &[Cell]) {
    seq(out, ("[", "]", " "), cells, cell_edn);
}

fn cell_edn(out: &mut String, cell: &Cell) {
    match cell {
        Cell::Value(v) => {
            let _ = write!(out, "{v}");
        }
        Cell::Set(values) => seq(out, ("#{", "}", " "), values, |o, v| {
            let _ = write!(o, "{v}");
        }),
        Cell::Vector(values) => seq(out, ("[", "]", " "), values, |o, v| {
            let _ = write!(o, "{v}");
        }),
        Cell::Pulled(Some(map)) => {
            let _ = write!(out, "{map}");
        }
        Cell::Pulled(None) => out.push_str("nil"),
    }
}

fn cells_json(out: &mut String, cells: &[Cell]) {
    seq(out, ("[", "]", ","), cells, cell_json);
}

fn cell_json(out: &mut String, cell: &Cell) {
    match cell {
        Cell::Value(v) => write_value_json(out, v),
        Cell::Set(values) | Cell::Vector(values) => {
            seq(out, ("[", "]", ","), values, write_value_json)
        }
        Cell::Pulled(Some(map)) => pull_map_json(out, map),
        Cell::Pulled(None) => out.push_str("null"),
    }
}

/// A pulled entity as JSON (`docs/design.md`, §9.4): an object whose keys are the attribute
/// idents as strings with their colon (`":person/name"`) or the `:as` names as given (a string
/// as itself, anything else as its EDN text), `":db/id"` a number, many values an array.
fn pull_map_json(out: &mut String, map: &PullMap) {
    seq(out, ("{", "}", ","), &map.0, |o, (key, value)| {
        match &**key {
            Value::String(s) => json_string(o, s),
            other => json_string(o, &other.to_string()),
        }
        o.push(':');
        pulled_json(o, value);
    });
}

fn pulled_json(out: &mut String, value: &Pulled) {
    match value {
        Pulled::Value(v) => write_value_json(out, v),
        Pulled::Map(map) => pull_map_json(out, map),
        Pulled::Many(items) => seq(out, ("[", "]", ","), items, pulled_json),
    }
}

/// A pulled entity (`db.pull(…)`) as JSON, as [`result_json`] prints one in a query result;
/// `nil` (no attribute of the pattern) as `null`.
pub fn pull_json(map: Option<&PullMap>) -> String {
    let mut out = String::new();
    match map {
        Some(map) => pull_map_json(&mut out, map),
        None => out.push_str("null"),
    }
    out
}

/// A pulled entity as EDN (`nil` when absent).
pub fn pull_edn(map: Option<&PullMap>) -> String {
    map.map_or_else(|| "nil".to_string(), |m| m.to_string())
}

fn write_value_json(out: &mut String, value: &Value) {
    match value.as_ref() {
        ValueRef::Boolean(b) => {
            let _ = write!(out, "{b}");
        }
        ValueRef::Long(n) => {
            let _ = write!(out, "{n}");
        }
        ValueRef::Ref(e) => {
            let _ = write!(out, "{e}");
        }
        ValueRef::Double(d) if d.is_finite() => {
            let _ = write!(out, "{d:?}");
        }
        // A float prints as its shortest EDN text, which is also a JSON number.
        ValueRef::Float(x) if x.is_finite() => {
            let _ = write!(out, "{value}");
        }
        ValueRef::Double(d) => non_finite(out, d),
        ValueRef::Float(x) => non_finite(out, f64::from(x)),
        // Every digit, as a JSON number (readers that parse numbers as doubles will round).
        ValueRef::BigInt(n) => {
            let _ = write!(out, "{n}");
        }
        ValueRef::BigDec(d) => out.push_str(&d.to_plain_string()),
        ValueRef::Uri(u) | ValueRef::Symbol(u) => json_string(out, &u),
        ValueRef::Tuple(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                match item {
                    Some(v) => write_value_json(out, v),
                    None => out.push_str("null"),
                }
            }
            out.push(']');
        }
        ValueRef::Instant(ms) => json_string(out, &format_inst_millis(ms)),
        ValueRef::String(s) => json_string(out, &s),
        ValueRef::Keyword(k) => json_string(out, &format!(":{k}")),
        ValueRef::Uuid(u) => json_string(out, &u.to_string()),
        ValueRef::Bytes(b) => {
            let hex: String = b.iter().map(|byte| format!("{byte:02x}")).collect();
            json_string(out, &hex)
        }
    }
}

/// A NaN or infinity, which JSON has no number for: its EDN text as a string (`"##NaN"`).
fn non_finite(out: &mut String, d: f64) {
    json_string(
        out,
        if d.is_nan() {
            "##NaN"
        } else if d > 0.0 {
            "##Inf"
        } else {
            "##-Inf"
        },
    )
}

/// `s` as a JSON string literal.
pub(crate) fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_values_follow_the_contract() {
        assert_eq!(
            value_json(&Value::Instant(1_375_401_600_000)),
            "\"2013-08-02T00:00:00.000Z\""
        );
        assert_eq!(value_json(&Value::keyword(":a/b")), "\":a/b\"");
        assert_eq!(value_json(&Value::Double(1.5)), "1.5");
        assert_eq!(value_json(&Value::Double(2.0)), "2.0");
        assert_eq!(value_json(&Value::Double(f64::NAN)), "\"##NaN\"");
        assert_eq!(value_json(&Value::Ref(17)), "17");
        assert_eq!(value_json(&Value::from("a\"b\n")), "\"a\\\"b\\n\"");
        assert_eq!(value_json(&Value::Float(0.1)), "0.1");
        assert_eq!(value_json(&Value::Float(f32::NEG_INFINITY)), "\"##-Inf\"");
        assert_eq!(
            value_json(&Value::big_int(
                "123456789012345678901234567890".parse().unwrap()
            )),
            "123456789012345678901234567890"
        );
        assert_eq!(value_json(&Value::big_dec("1.50".parse().unwrap())), "1.5");
        assert_eq!(value_json(&Value::big_dec("1E+3".parse().unwrap())), "1000");
        assert_eq!(
            value_json(&Value::Uri("http://x.org/a b".into())),
            "\"http://x.org/a b\""
        );
        assert_eq!(value_json(&Value::Symbol("a/b".into())), "\"a/b\"");
        assert_eq!(
            value_json(&Value::Tuple(vec![
                Some(Value::Long(1)),
                None,
                Some("x".into())
            ])),
            "[1,null,\"x\"]"
        );
    }

    #[test]
    fn results_as_edn_and_json() {
        let set = QueryResult::Scalar(Some(Cell::Set(vec![Value::Long(1), Value::Long(2)])));
        assert_eq!(result_edn(&set), "#{1 2}");
        assert_eq!(result_json(&set), "[1,2]");
        let least = QueryResult::Scalar(Some(Cell::Vector(vec![Value::Long(1), Value::Long(1)])));
        assert_eq!(result_edn(&least), "[1 1]");
        assert_eq!(result_json(&least), "[1,1]");
        let coll = QueryResult::Collection(vec![Cell::Value(Value::keyword(":x"))]);
        assert_eq!(result_edn(&coll), "[:x]");
        assert_eq!(result_json(&coll), "[\":x\"]");
        assert_eq!(result_edn(&QueryResult::Tuple(None)), "nil");
        assert_eq!(result_edn(&QueryResult::Relation(vec![])), "[]");
    }

    #[test]
    fn return_maps_as_edn_and_json() {
        let row = vec![
            Cell::Value(Value::from("Alien")),
            Cell::Value(Value::Long(1979)),
        ];
        let keys = |kind| ReturnMap {
            kind,
            names: vec!["title".into(), "movie/year".into()],
        };
        let maps = |kind| QueryResult::Maps {
            keys: keys(kind),
            rows: vec![row.clone(), row.clone()],
        };
        assert_eq!(
            result_edn(&maps(ReturnKind::Keys)),
            r#"[{:title "Alien" :movie/year 1979} {:title "Alien" :movie/year 1979}]"#
        );
        assert_eq!(
            result_edn(&maps(ReturnKind::Strs)),
            r#"[{"title" "Alien" "movie/year" 1979} {"title" "Alien" "movie/year" 1979}]"#
        );
        assert_eq!(
            result_edn(&maps(ReturnKind::Syms)),
            r#"[{title "Alien" movie/year 1979} {title "Alien" movie/year 1979}]"#
        );
        for kind in [ReturnKind::Keys, ReturnKind::Strs, ReturnKind::Syms] {
            assert_eq!(
                result_json(&maps(kind)),
                r#"[{"title":"Alien","movie/year":1979},{"title":"Alien","movie/year":1979}]"#
            );
        }
        let one = QueryResult::Map {
            keys: keys(ReturnKind::Keys),
            row: Some(row.clone()),
        };
        assert_eq!(result_edn(&one), r#"{:title "Alien" :movie/year 1979}"#);
        assert_eq!(result_json(&one), r#"{"title":"Alien","movie/year":1979}"#);
        let none = QueryResult::Map {
            keys: keys(ReturnKind::Keys),
            row: None,
        };
        assert_eq!(result_edn(&none), "nil");
        assert_eq!(result_json(&none), "null");
    }
}
