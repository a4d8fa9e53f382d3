//! Values for non-ref attributes: a transaction's value checked against and converted to the
//! attribute's declared type, tuples element by element.

use super::form::{CollKind, Form};
use super::ops::TxValue;
use super::resolve::mismatch;
use crate::encoding::encoded;
use crate::model::{decimal_in_range, ConvertError, Value, ValueType, MAX_DECIMAL_SCALE};
use crate::schema::{Attribute, Schema, TupleType, MAX_TUPLE_ELEMENTS};
use crate::{Result, StoreError};

/// Longest encoding a tuple may have: a tuple is one key component and is never stored out of
/// line, and every index key must stay within the engines' 511-byte limit.
pub(crate) const MAX_TUPLE_BYTES: usize = 400;

/// The type an undeclared attribute gets from its first value.
pub(crate) fn infer_type(value: &TxValue) -> Option<ValueType> {
    match value {
        TxValue::Value(v) => Some(v.value_type()),
        TxValue::Entity(_) | TxValue::Map(_) => Some(ValueType::Ref),
        TxValue::Many(_) => None,
        TxValue::Form(form) => form.inferred_type(),
    }
}

/// Converts a value for a non-ref attribute, checking its type (see `model/convert.rs` for
/// what is widened).
pub(crate) fn literal(schema: &Schema, attr: &Attribute, value: &TxValue) -> Result<Value> {
    let invalid = |why: String| StoreError::InvalidTxData(format!(":{} {why}", attr.ident));
    let converted = match (attr.value_type, value) {
        (ValueType::Tuple, _) => return tuple(schema, attr, value),
        (expected, TxValue::Value(v)) => match (expected, v) {
            (ValueType::Double, Value::Long(n)) => Some(Value::Double(*n as f64)),
            (ValueType::Float, Value::Double(d)) => Some(Value::Float(*d as f32)),
            (ValueType::BigInt, Value::Long(n)) => Some(Value::big_int((*n).into())),
            (ValueType::BigDec, Value::Long(n)) => Some(Value::big_dec((*n).into())),
            (ValueType::BigDec, Value::BigDec(d)) if decimal_in_range(d) => {
                Some(Value::big_dec((**d).clone()))
            }
            (ValueType::BigDec, Value::BigDec(_)) => {
                return Err(invalid(format!(
                    "value {v}: the decimal's exponent is beyond ±{MAX_DECIMAL_SCALE}"
                )))
            }
            (expected, v) if v.value_type() == expected => Some(v.clone()),
            _ => None,
        },
        (expected, TxValue::Form(form)) => match form.typed(expected) {
            Ok(v) => Some(v),
            Err(ConvertError::WrongType) => None,
            Err(ConvertError::Invalid(why)) => return Err(invalid(format!("value {form}: {why}"))),
        },
        _ => None,
    };
    converted.ok_or_else(|| mismatch(attr, value))
}

/// The tuple a lookup ref on a composite tuple attribute names (`[:a+b ["x" 1]]`).
pub(crate) fn lookup_tuple(schema: &Schema, attr: &Attribute, value: &TxValue) -> Result<Value> {
    tuple_of(schema, attr, value, true)
}

/// A tuple for tuple attribute `attr`: a vector (EDN) or a [`Value::Tuple`] whose elements fit
/// the attribute's tuple type, `nil` allowed; composite tuples are never asserted directly.
fn tuple(schema: &Schema, attr: &Attribute, value: &TxValue) -> Result<Value> {
    tuple_of(schema, attr, value, false)
}

fn tuple_of(schema: &Schema, attr: &Attribute, value: &TxValue, lookup: bool) -> Result<Value> {
    let fail =
        |why: String| StoreError::InvalidTxData(format!("tuple attribute :{} {why}", attr.ident));
    let spec = attr
        .tuple
        .as_ref()
        .ok_or_else(|| fail("has no :db/tupleType, :db/tupleTypes or :db/tupleAttrs".into()))?;
    if let (TupleType::Composite(_), false) = (spec, lookup) {
        return Err(fail(
            "is a composite of other attributes and is maintained by the transactor; assert \
             those attributes instead"
                .into(),
        ));
    }
    let elements: Vec<Option<Value>> = match value {
        TxValue::Value(Value::Tuple(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                None => Ok(None),
                Some(v) => element_of_value(schema, attr, i, v).map(Some),
            })
            .collect::<Result<_>>()?,
        TxValue::Form(Form::Coll(CollKind::Vector | CollKind::List, items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Form::Nil => Ok(None),
                form => element_of_form(schema, attr, i, form).map(Some),
            })
            .collect::<Result<_>>()?,
        other => return Err(mismatch(attr, other)),
    };
    check_shape(spec, elements.len()).map_err(fail)?;
    let value = Value::Tuple(elements);
    let size = encoded(&value.as_ref(), usize::MAX).0.len();
    if size > MAX_TUPLE_BYTES {
        return Err(fail(format!(
            "value {value} takes {size} bytes; tuples are limited to {MAX_TUPLE_BYTES} encoded \
             bytes (they are index keys)"
        )));
    }
    Ok(value)
}

/// Checks the element count against the tuple type.
fn check_shape(spec: &TupleType, n: usize) -> std::result::Result<(), String> {
    match spec {
        TupleType::Composite(sources) if sources.len() != n => Err(format!(
            "takes {} elements (:db/tupleAttrs), got {n}",
            sources.len()
        )),
        TupleType::Composite(sources) if sources.len() != n => Err(format!(
            "takes {} elements (:db/tupleAttrs), got {n}",
            sources.len()
        )),
        TupleType::Heterogeneous(types) if types.len() != n => Err(format!(
            "takes {} elements (:db/tupleTypes), got {n}",
            types.len()
        )),
        _ if n > MAX_TUPLE_ELEMENTS => Err(format!(
            "takes at most {MAX_TUPLE_ELEMENTS} elements, got {n}"
        )),
        _ => Ok(()),
    }
}

fn element_type(schema: &Schema, attr: &Attribute, i: usize) -> Result<ValueType> {
    schema.element_type(attr, i).ok_or_else(|| {
        StoreError::InvalidTxData(format!(
            "tuple attribute :{} has no element {i}",
            attr.ident
        ))
    })
}

fn element_of_form(schema: &Schema, attr: &Attribute, i: usize, form: &Form) -> Result<Value> {
    let t = element_type(schema, attr, i)?;
    let wrong = || StoreError::TypeMismatch {
        attribute: format!("{} (element {i})", attr.ident),
        expected: t.to_string(),
        got: form.to_string(),
    };
    match (t, form) {
        // Entity ids only: tuples are values, resolved before the transaction runs.
        (ValueType::Ref, form) => form
            .long()
            .and_then(|n| u64::try_from(n).ok())
            .map(Value::Ref)
            .ok_or_else(wrong),
        (t, form) => match form.typed(t) {
            Ok(v) => Ok(v),
            Err(ConvertError::WrongType) => Err(wrong()),
            Err(ConvertError::Invalid(why)) => Err(StoreError::InvalidTxData(format!(
                "tuple attribute :{} element {i}: {why}",
                attr.ident
            ))),
        },
    }
}

fn element_of_value(schema: &Schema, attr: &Attribute, i: usize, v: &Value) -> Result<Value> {
    let t = element_type(schema, attr, i)?;
    match (t, v) {
        (ValueType::Ref, Value::Long(n)) if *n >= 0 => Ok(Value::Ref(*n as u64)),
        (ValueType::Double, Value::Long(n)) => Ok(Value::Double(*n as f64)),
        (t, v) if v.value_type() == t && t != ValueType::Tuple => Ok(v.clone()),
        _ => Err(StoreError::TypeMismatch {
            attribute: format!("{} (element {i})", attr.ident),
            expected: t.to_string(),
            got: v.to_string(),
        }),
    }
}
