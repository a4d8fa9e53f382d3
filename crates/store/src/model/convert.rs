//! EDN forms → datom values: the one place that decides which EDN form is which value.
//!
//! The transactor reads a form with the attribute's declared type ([`typed_value`]); queries
//! read literals and inputs without one ([`untyped_value`]). Widening that loses nothing is
//! allowed (an integer for a double, big integer or big decimal attribute; a big integer that
//! fits for a long); narrowing a double to a float rounds to the nearest float, as the only way
//! to write a float in EDN; nothing else is coerced.

use bigdecimal::BigDecimal;
use num_traits::ToPrimitive;

use super::{Uuid, Value, ValueType};
use datolite_edn::{Edn, Keyword, Symbol};

/// Why a form is not a value of the wanted type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConvertError {
    /// The form has another type (the caller names the attribute and the form).
    WrongType,
    /// The form has the right shape but an invalid content; the message says what.
    Invalid(String),
}

/// The text of a keyword without the colon (`user/name`).
pub fn keyword_text(k: &Keyword) -> String {
    match &k.namespace {
        Some(ns) => format!("{ns}/{}", k.name),
        None => k.name.clone(),
    }
}

/// The text of a symbol (`clojure.string/blank?`).
pub fn symbol_text(s: &Symbol) -> String {
    match &s.namespace {
        Some(ns) => format!("{ns}/{}", s.name),
        None => s.name.clone(),
    }
}

/// The value of type `value_type` that `form` denotes (never for refs and tuples, which need
/// the schema: see the transactor).
pub fn typed_value(form: &Edn, value_type: ValueType) -> Result<Value, ConvertError> {
    use ConvertError::WrongType;
    Ok(match (value_type, form) {
        (ValueType::Boolean, Edn::Bool(b)) => Value::Boolean(*b),
        (ValueType::Long, Edn::Long(n)) => Value::Long(*n),
        (ValueType::Long, Edn::BigInt(n)) => Value::Long(
            n.to_i64()
                .ok_or_else(|| ConvertError::Invalid(format!("{n}N does not fit a long")))?,
        ),
        (ValueType::Double, Edn::Double(d)) => Value::Double(*d),
        (ValueType::Double, Edn::Long(n)) => Value::Double(*n as f64),
        (ValueType::Float, Edn::Double(d)) => Value::Float(to_float(*d)?),
        (ValueType::Float, Edn::Long(n)) => Value::Float(*n as f32),
        (ValueType::BigInt, Edn::BigInt(n)) => Value::big_int(n.clone()),
        (ValueType::BigInt, Edn::Long(n)) => Value::big_int((*n).into()),
        (ValueType::BigDec, Edn::BigDec(d)) => Value::big_dec(decimal(d)?),
        (ValueType::BigDec, Edn::Long(n)) => Value::big_dec(BigDecimal::from(*n)),
        (ValueType::BigDec, Edn::BigInt(n)) => Value::big_dec(BigDecimal::from(n.clone())),
        (ValueType::String, Edn::String(s)) => Value::String(s.clone()),
        (ValueType::Keyword, Edn::Keyword(k)) => Value::Keyword(keyword_text(k)),
        (ValueType::Symbol, Edn::Symbol(s)) => Value::Symbol(symbol_text(s)),
        (ValueType::Instant, Edn::Inst(ms)) => Value::Instant(*ms),
        (ValueType::Uuid, Edn::Uuid(u)) => Value::Uuid(Uuid::from_bytes(*u)),
        (ValueType::Uri, Edn::String(text)) => Value::Uri(uri(text)?),
        (ValueType::Uri, Edn::Tagged(tag, inner)) if tag == "uri" => match inner.as_ref() {
            Edn::String(text) => Value::Uri(uri(text)?),
            _ => return Err(invalid("#uri must be followed by a string")),
        },
        (ValueType::Bytes, Edn::Tagged(tag, inner)) if tag == "bytes" => match inner.as_ref() {
            Edn::String(hex) => Value::Bytes(
                parse_hex(hex)
                    .ok_or_else(|| invalid("#bytes needs an even number of hex digits"))?,
            ),
            _ => return Err(invalid("#bytes must be followed by a string of hex digits")),
        },
        _ => return Err(WrongType),
    })
}

/// The value a literal denotes without a declared type, as queries read constants and inputs:
/// `None` for forms that are no single value (collections, `nil`, ratios, unknown tags).
pub fn untyped_value(form: &Edn) -> Option<Value> {
    Some(match form {
        Edn::Bool(b) => Value::Boolean(*b),
        Edn::Long(n) => Value::Long(*n),
        Edn::BigInt(n) => Value::big_int(n.clone()),
        Edn::Double(d) => Value::Double(*d),
        Edn::BigDec(d) => Value::big_dec(decimal(d).ok()?),
        Edn::String(s) => Value::String(s.clone()),
        Edn::Keyword(k) => Value::Keyword(keyword_text(k)),
        Edn::Symbol(s) => Value::Symbol(symbol_text(s)),
        Edn::Inst(ms) => Value::Instant(*ms),
        Edn::Uuid(u) => Value::Uuid(Uuid::from_bytes(*u)),
        Edn::Tagged(tag, _) if tag == "uri" => typed_value(form, ValueType::Uri).ok()?,
        Edn::Tagged(tag, _) if tag == "bytes" => typed_value(form, ValueType::Bytes).ok()?,
        _ => return None,
    })
}

/// The type an undeclared attribute takes from the first value it is given (`None` when the
/// form does not say: a collection, `nil`).
pub fn inferred_type(form: &Edn) -> Option<ValueType> {
    Some(match form {
        Edn::Map(_) => ValueType::Ref,
        other => untyped_value(other)?.value_type(),
    })
}

/// A decimal within [`MAX_DECIMAL_SCALE`](super::MAX_DECIMAL_SCALE).
fn decimal(d: &BigDecimal) -> Result<BigDecimal, ConvertError> {
    if super::decimal_in_range(d) {
        Ok(d.clone())
    } else {
        Err(ConvertError::Invalid(format!(
            "the decimal's exponent is beyond ±{} (datolite's limit)",
            super::MAX_DECIMAL_SCALE
        )))
    }
}

fn invalid(message: &str) -> ConvertError {
    ConvertError::Invalid(message.to_string())
}

/// A double narrowed to the nearest float; finite doubles beyond the float range are refused
/// rather than turned into an infinity.
fn to_float(d: f64) -> Result<f32, ConvertError> {
    let x = d as f32;
    if d.is_finite() && !x.is_finite() {
        return Err(ConvertError::Invalid(format!(
            "{d} is out of the range of a float"
        )));
    }
    Ok(x)
}

/// A URI's text, refused when it holds whitespace or control characters (which no URI may
/// contain unescaped, and which `java.net.URI` refuses too).
fn uri(text: &str) -> Result<String, ConvertError> {
    match text.chars().find(|c| c.is_whitespace() || c.is_control()) {
        Some(c) => Err(ConvertError::Invalid(format!(
            "URI {text:?} contains {c:?}; escape it (%20 for a space)"
        ))),
        None if text.is_empty() => Err(invalid("a URI cannot be empty")),
        None => Ok(text.to_string()),
    }
}

/// Bytes from hex digits (`"0aff"`).
pub fn parse_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use datolite_edn::parse;

    fn typed(text: &str, t: ValueType) -> Result<Value, ConvertError> {
        typed_value(&parse(text).unwrap(), t)
    }

    #[test]
    fn widening_only_where_nothing_is_lost() {
        assert_eq!(typed("42", ValueType::Double), Ok(Value::Double(42.0)));
        assert_eq!(typed("42N", ValueType::Long), Ok(Value::Long(42)));
        assert!(matches!(
            typed("99999999999999999999N", ValueType::Long),
            Err(ConvertError::Invalid(_))
        ));
        assert_eq!(
            typed("7", ValueType::BigDec),
            Ok(Value::big_dec(BigDecimal::from(7)))
        );
        assert_eq!(
            typed("1.5", ValueType::BigDec),
            Err(ConvertError::WrongType)
        );
        assert_eq!(
            typed("1.5M", ValueType::Double),
            Err(ConvertError::WrongType)
        );
        assert_eq!(typed("0.1", ValueType::Float), Ok(Value::Float(0.1)));
        assert!(matches!(
            typed("1e300", ValueType::Float),
            Err(ConvertError::Invalid(_))
        ));
        assert_eq!(
            typed("foo/bar", ValueType::Symbol),
            Ok(Value::Symbol("foo/bar".into()))
        );
        assert_eq!(
            typed("#uri \"http://a.b/c\"", ValueType::Uri),
            Ok(Value::Uri("http://a.b/c".into()))
        );
        assert!(matches!(
            typed("\"a b\"", ValueType::Uri),
            Err(ConvertError::Invalid(_))
        ));
        assert_eq!(
            typed("#bytes \"0aff\"", ValueType::Bytes),
            Ok(Value::Bytes(vec![10, 255]))
        );
    }

    #[test]
    fn untyped_literals() {
        assert_eq!(
            untyped_value(&parse("1.50M").unwrap()),
            Some(Value::big_dec("1.5".parse().unwrap()))
        );
        assert_eq!(untyped_value(&parse("1/2").unwrap()), None);
        assert_eq!(untyped_value(&parse("[1 2]").unwrap()), None);
        assert_eq!(
            inferred_type(&parse("{:a 1}").unwrap()),
            Some(ValueType::Ref)
        );
        assert_eq!(
            inferred_type(&parse("sym").unwrap()),
            Some(ValueType::Symbol)
        );
    }
}
