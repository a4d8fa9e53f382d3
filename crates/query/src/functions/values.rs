//! Reading a built-in's arguments: each helper names what it expected and what it got, so a
//! wrong argument is an error message rather than a panic or a silent `nil`.

use datolite_store::Value;

/// A function argument or result: nothing, one value, a sequence, or a regular expression.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum FnVal {
    /// `nil`.
    Nil,
    /// One value.
    One(Value),
    /// A tuple or collection.
    Seq(Vec<FnVal>),
    /// A regular expression (its source): a `#"…"` literal or what `re-pattern` returns. Bound
    /// to a variable it is its source string.
    Regex(String),
}

/// Results of built-ins: the message is completed with the clause by the caller.
pub(crate) type R<T> = std::result::Result<T, String>;

/// Argument `i`, or an error (the registry's arity check makes this unreachable for queries
/// that parsed, but a built-in never indexes blindly).
pub(crate) fn arg(args: &[FnVal], i: usize) -> R<&FnVal> {
    args.get(i)
        .ok_or_else(|| format!("missing argument {}", i + 1))
}

/// A short printed form of an argument, for messages.
pub(crate) fn show(v: &FnVal) -> String {
    match v {
        FnVal::Nil => "nil".into(),
        FnVal::One(x) => x.to_string(),
        FnVal::Regex(src) => format!("#\"{src}\""),
        FnVal::Seq(items) => {
            let inner: Vec<String> = items.iter().map(show).collect();
            format!("[{}]", inner.join(" "))
        }
    }
}

/// One value (not nil, not a collection).
pub(crate) fn one(v: &FnVal) -> R<&Value> {
    match v {
        FnVal::One(x) => Ok(x),
        other => Err(format!("expected a value, got {}", show(other))),
    }
}

/// A Long.
pub(crate) fn long(v: &FnVal) -> R<i64> {
    match v {
        FnVal::One(Value::Long(n)) => Ok(*n),
        other => Err(format!("expected an integer, got {}", show(other))),
    }
}

/// A String.
pub(crate) fn string(v: &FnVal) -> R<&str> {
    match v {
        FnVal::One(Value::String(s)) => Ok(s),
        other => Err(format!("expected a string, got {}", show(other))),
    }
}

/// A number argument, as the value it is.
pub(crate) fn number(v: &FnVal) -> R<&Value> {
    match v {
        FnVal::One(x) if crate::numeric::to_f64(x).is_some() => Ok(x),
        other => Err(format!("expected a number, got {}", show(other))),
    }
}

/// A boolean result.
pub(crate) fn boolean(x: bool) -> R<FnVal> {
    Ok(FnVal::One(Value::Boolean(x)))
}

/// A string result.
pub(crate) fn text(x: String) -> R<FnVal> {
    Ok(FnVal::One(Value::String(x)))
}

/// A Long result.
pub(crate) fn integer(x: i64) -> R<FnVal> {
    Ok(FnVal::One(Value::Long(x)))
}

/// Whether a value is logically true (Clojure: everything but `nil` and `false`).
pub(crate) fn truthy(v: &FnVal) -> bool {
    !matches!(v, FnVal::Nil | FnVal::One(Value::Boolean(false)))
}
