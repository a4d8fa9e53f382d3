//! Turning encoded values into values, fetching spilled payloads from the `values` table.

use datolite_kv::{ReadOps, Table};

use crate::encoding::{decode_value, tags, variable, Decoded};
use crate::model::ValueRef;
use crate::{Result, StoreError};

/// Decodes the encoded value `v`, looking its full payload up in `txn` when it was spilled.
#[inline(always)]
pub fn materialize<'t>(v: &'t [u8], txn: &'t dyn ReadOps) -> Result<ValueRef<'t>> {
    match decode_value(v)? {
        Decoded::Value(value) => Ok(value),
        Decoded::Spilled => spilled(v, txn),
    }
}

/// The cold path of [`materialize`]: the payload lives in the `values` table.
#[cold]
#[inline(never)]
fn spilled<'t>(v: &'t [u8], txn: &'t dyn ReadOps) -> Result<ValueRef<'t>> {
    let value_type = v
        .first()
        .and_then(|&tag| tags::type_of(tag))
        .ok_or_else(|| StoreError::Corrupt("a spilled value has no type tag".into()))?;
    let payload = txn.get(Table::Values, v)?.ok_or_else(|| {
        StoreError::Corrupt("a long value is missing from the values table".into())
    })?;
    Ok(variable(value_type, payload)?)
}
