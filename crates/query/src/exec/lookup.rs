//! Turning a compiled pattern, the planned access ([`Access`]: the index and which leading
//! components it binds) and (optionally) an input row into one index scan: the row's and the
//! constants' values bound into the planned prefix — coerced to the attribute's type so that
//! [`crate::compare`] equality (`Long 1 = Double 1.0 = Ref 1`) holds as in the naive evaluator
//! — and running it on the query's snapshot.
//!
//! Values are coerced in [`crate::exec::coerce`]. The index is always the plan's. A bound
//! value the index cannot hold as one key narrows less: both zeros of a Double become a two-key range, a NaN or an ambiguous tuple leaves the
//! value out of the prefix (the datoms are then checked one by one).

use std::ops::Bound;

use datolite_store::encoding::encoded;
use datolite_store::encoding::tags;
use datolite_store::{Attribute, Index, RawDatom, Scan, Schema, Value, ValueType};

use crate::ast::{Clause, Constant};
use crate::error::{QueryError, Result};
use crate::exec::budget::CHECK_EVERY;
use crate::exec::coerce::{coerce, coerce_tuple, entity_of, Coerced, Res};
use crate::exec::slots::{Compiled, ConstKey, Slot};
use crate::exec::val::Val;
use crate::exec::Exec;
use crate::functions::constant;
use crate::functions::FnVal;
use crate::plan::access::row_bound;
use crate::plan::Access;

/// Tags of the values whose encoding a lookup binds as the cell holds it.
const ENCODED_AS_IS: [u8; 6] = [
    tags::STRING,
    tags::KEYWORD,
    tags::SYMBOL,
    tags::UUID,
    tags::URI,
    tags::BYTES,
];

/// The value a constant stands for in the value position of a pattern on `attr`: an ident
/// keyword is its entity for a reference attribute; `None` when no value can match.
fn constant_value(schema: &Schema, attr: &Res<&Attribute>, c: &Constant) -> Option<Value> {
    match c {
        Constant::Keyword(k) => match attr {
            Res::Is(a) if a.is_ref() => schema.entity_of_ident(k).map(Value::Ref),
            _ => Some(Value::Keyword(k.clone())),
        },
        c => match constant(c) {
            FnVal::One(x) => Some(x),
            _ => None,
        },
    }
}

/// `v` coerced to `attr`'s type (a tuple element by element).
fn coerce_to(v: &Value, attr: &Attribute, schema: &Schema) -> Coerced {
    match v {
        Value::Tuple(items) if attr.value_type == ValueType::Tuple => {
            coerce_tuple(items, attr, schema)
        }
        x => coerce(x, attr.value_type),
    }
}

/// One index scan for a pattern and what its key prefix already guarantees.
pub(crate) struct Lookup<'db> {
    pub scan: Scan<'db>,
    /// E, A (when bound) are in the prefix; this says whether V's equality is too.
    pub v_fixed: bool,
    /// Whether the scan yields datoms in ascending entity order (a merge join can use it).
    pub e_ordered: bool,
}

/// One candidate datom, its value decoded at most once.
pub(crate) struct Candidate<'k> {
    pub raw: RawDatom<'k>,
    pub v: Option<Val>,
}

impl<'a> Exec<'a> {
    /// The scan of the planned `access` for `cp` given `row` (or only the constants, without
    /// a row); `None` when no datom can match.
    pub(crate) fn lookup(
        &self,
        cp: &Compiled<'_>,
        row: Option<&[Val]>,
        access: &Access,
        clause: &Clause,
    ) -> Result<Option<Lookup<'a>>> {
        let schema = self.db().schema();
        let e = match cp.e {
            // Resolved once for the step (`pattern_step`).
            Slot::Const(_) => cp.const_ids[0].map_or(Res::Never, Res::Is),
            Slot::Never => Res::Never,
            Slot::Col(c) => row.map_or(Res::Free, |r| entity_of(&r[c])),
            _ => Res::Free,
        };
        let attr_by_id = |id: u64| -> Res<&Attribute> {
            u32::try_from(id)
                .ok()
                .and_then(|id| schema.attribute(id))
                .map_or(Res::Never, |a| Res::Is(a.as_ref()))
        };
        let a: Res<&Attribute> = match cp.a {
            Slot::Const(Constant::Keyword(k)) => cp
                .const_attr
                .as_ref()
                .or_else(|| schema.attribute_named(k))
                .map_or(Res::Never, |a| Res::Is(a.as_ref())),
            Slot::Const(Constant::Long(n)) => u64::try_from(*n).map_or(Res::Never, &attr_by_id),
            Slot::Const(_) | Slot::Never => Res::Never,
            Slot::Col(c) => match row.map(|r| entity_of(&r[c])) {
                None => Res::Free,
                Some(Res::Is(id)) => attr_by_id(id),
                Some(_) => Res::Never,
            },
            _ => Res::Free,
        };
        // A cell holding the attribute's own inline encoding is bound as it is: no value is
        // decoded to be encoded again. Only for types with one encoding per value that equals
        // only values of its own type (numbers are equal across types, tuples element by
        // element: those take the coercion below).
        if let (Slot::Col(c), Some(r), Res::Is(attr)) = (cp.v, row, &a) {
            if let Val::Enc(bytes) = &r[c] {
                let tag = bytes.first().copied();
                // A value longer than the threshold is kept out of line: its key holds a
                // prefix and hash, not this encoding (the payload is shorter than the bytes).
                if bytes.len() <= self.db().inline_threshold()
                    && tag.is_some_and(|t| ENCODED_AS_IS.contains(&t))
                    && tag.and_then(tags::type_of) == Some(attr.value_type)
                    && !matches!(e, Res::Never)
                {
                    return Ok(Some(self.encoded_lookup(e, attr, bytes, access, clause)?));
                }
            }
        }
        // A constant value of a constant attribute: its key bytes were made once for the step.
        match (&cp.v_key, &a) {
            (Some(ConstKey::NoMatch), _) => return Ok(None),
            (Some(ConstKey::Bytes(bytes)), Res::Is(attr)) if !matches!(e, Res::Never) => {
                return Ok(Some(self.encoded_lookup(e, attr, bytes, access, clause)?));
            }
            _ => {}
        }
        let v: Option<Value> = match cp.v {
            Slot::Const(c) => match constant_value(schema, &a, c) {
                Some(x) => Some(x),
                None => return Ok(None),
            },
            Slot::Col(c) => row.map(|r| r[c].to_value()),
            Slot::Never => return Ok(None),
            _ => None,
        };
        let coerced = match (&a, &v) {
            (Res::Is(attr), Some(x)) => Some(coerce_to(x, attr, schema)),
            _ => None,
        };
        if matches!(e, Res::Never)
            || matches!(a, Res::Never)
            || matches!(coerced, Some(Coerced::Never))
        {
            return Ok(None);
        }
        let zero = (Value::Double(-0.0), Value::Double(0.0));
        let zero_range = |s: Scan<'a>| -> Scan<'a> {
            s.value_range(Bound::Included(&zero.0), Bound::Included(&zero.1))
        };
        let unbound = |what: &str| {
            QueryError::invalid(
                format!(
                    "internal: the plan reads {access} for {} but the {what} is not bound",
                    clause.form
                ),
                clause.pos,
            )
        };
        let (e, attr) = (
            match e {
                Res::Is(e) => Some(e),
                _ => None,
            },
            match a {
                Res::Is(a) => Some(a),
                _ => None,
            },
        );
        let db = self.db();
        // (scan, V fixed by the prefix, datoms in ascending E order)
        let (scan, v_fixed, e_ordered) = match access {
            Access::Eavt {
                a: with_a,
                v: with_v,
            } => {
                let s = db
                    .scan(Index::Eavt)
                    .entity(e.ok_or_else(|| unbound("entity"))?);
                match (with_a, attr) {
                    (false, _) => (s, false, true),
                    (true, None) => return Err(unbound("attribute")),
                    (true, Some(attr)) => {
                        let s = s.attribute_id(attr.id);
                        match (with_v, &coerced) {
                            (true, Some(Coerced::Exact(x))) => (s.value(x), true, true),
                            (true, Some(Coerced::Zero)) => (zero_range(s), true, true),
                            (true, None) => return Err(unbound("value")),
                            _ => (s, false, true),
                        }
                    }
                }
            }
            Access::Avet => {
                let attr = attr.ok_or_else(|| unbound("attribute"))?;
                let s = db.scan(Index::Avet).attribute_id(attr.id);
                match &coerced {
                    Some(Coerced::Exact(x)) => (s.value(x), true, true),
                    Some(Coerced::Zero) => (zero_range(s), true, false),
                    Some(_) => (s, false, false),
                    None => return Err(unbound("value")),
                }
            }
            Access::Vaet => {
                let attr = attr.ok_or_else(|| unbound("attribute"))?;
                match &coerced {
                    Some(Coerced::Exact(x)) => (
                        db.scan(Index::Vaet).value(x).attribute_id(attr.id),
                        true,
                        true,
                    ),
                    // A reference is one key or none (`coerce`): no range, no NaN.
                    _ => return Err(unbound("value")),
                }
            }
            Access::AvetRange(lo, hi) => {
                let attr = attr.ok_or_else(|| unbound("attribute"))?;
                (
                    db.scan(Index::Avet)
                        .attribute_id(attr.id)
                        .value_range(lo.as_ref(), hi.as_ref()),
                    false,
                    false,
                )
            }
            Access::AvetRangeOf { .. } => {
                let attr = attr.ok_or_else(|| unbound("attribute"))?;
                let row = row.ok_or_else(|| unbound("range end"))?;
                let end = |i: usize, lower: bool| match cp.range_ends[i] {
                    Some((col, strict)) => {
                        row_bound(db, attr.value_type, &row[col].to_value(), lower, strict)
                    }
                    None => Bound::Unbounded,
                };
                let (lo, hi) = (end(0, true), end(1, false));
                (
                    db.scan(Index::Avet)
                        .attribute_id(attr.id)
                        .value_range(lo.as_ref(), hi.as_ref()),
                    false,
                    false,
                )
            }
            Access::Aevt => {
                let attr = attr.ok_or_else(|| unbound("attribute"))?;
                (db.scan(Index::Aevt).attribute_id(attr.id), false, true)
            }
            Access::Full => (db.scan(Index::Eavt), false, true),
        };
        Ok(Some(Lookup {
            scan,
            v_fixed,
            e_ordered,
        }))
    }

    /// The key bytes of `cp`'s constant value when its attribute is a constant too — made once
    /// per step rather than coerced and encoded again for every input row; `None` when the
    /// value is not one key (a Double zero, a NaN: those narrow per lookup).
    pub(crate) fn constant_key(&self, cp: &Compiled<'_>) -> Option<ConstKey> {
        let Slot::Const(c) = cp.v else { return None };
        let schema = self.db().schema();
        let attr = match cp.a {
            Slot::Const(Constant::Keyword(k)) => schema.attribute_named(k)?,
            Slot::Const(Constant::Long(n)) => schema.attribute(u32::try_from(*n).ok()?)?,
            _ => return None,
        };
        let Some(value) = constant_value(schema, &Res::Is(attr.as_ref()), c) else {
            return Some(ConstKey::NoMatch);
        };
        match coerce_to(&value, attr, schema) {
            Coerced::Exact(x) => Some(ConstKey::Bytes(
                encoded(&x.as_ref(), self.db().inline_threshold()).0,
            )),
            Coerced::Never => Some(ConstKey::NoMatch),
            Coerced::Zero | Coerced::Scan => None,
        }
    }

    /// The lookup of `access` with the value bound as its index encoding `bytes` (a value of
    /// `attr`'s type).
    fn encoded_lookup(
        &self,
        e: Res<u64>,
        attr: &Attribute,
        bytes: &[u8],
        access: &Access,
        clause: &Clause,
    ) -> Result<Lookup<'a>> {
        let db = self.db();
        let scan = match (access, e) {
            (Access::Eavt { a: true, v: true }, Res::Is(e)) => db
                .scan(Index::Eavt)
                .entity(e)
                .attribute_id(attr.id)
                .value_encoded(bytes),
            (Access::Avet, _) => db
                .scan(Index::Avet)
                .attribute_id(attr.id)
                .value_encoded(bytes),
            (Access::Vaet, _) => db
                .scan(Index::Vaet)
                .value_encoded(bytes)
                .attribute_id(attr.id),
            _ => {
                return Err(QueryError::invalid(
                    format!(
                        "internal: the plan reads {access} for {}, which binds no value",
                        clause.form
                    ),
                    clause.pos,
                ))
            }
        };
        Ok(Lookup {
            scan,
            v_fixed: true,
            e_ordered: true,
        })
    }

    /// Runs a lookup's scan on the query's snapshot, calling `f` per candidate.
    pub(crate) fn scan_candidates(
        &self,
        lookup: &Lookup<'_>,
        clause: &Clause,
        mut f: impl FnMut(&mut Candidate<'_>) -> Result<bool>,
    ) -> Result<()> {
        let mut failure = None;
        self.budget.tick(clause)?;
        // A scan that makes no rows still looks at the clock now and then.
        let limited = self.budget.limited();
        let mut visited = 0u32;
        self.reader()
            .for_each_raw(&lookup.scan, |raw| {
                if limited {
                    visited += 1;
                    if visited == CHECK_EVERY {
                        visited = 0;
                        if let Err(e) = self.budget.check(clause) {
                            failure = Some(e);
                            return false;
                        }
                    }
                }
                let mut c = Candidate { raw, v: None };
                match f(&mut c) {
                    Ok(more) => more,
                    Err(e) => {
                        failure = Some(e);
                        false
                    }
                }
            })
            .map_err(|e| QueryError::Storage(format!("scanning for {}: {e}", clause.form)))?;
        failure.map_or(Ok(()), Err)
    }

    /// The cell of an encoded value from an index key (out-of-line values fetched).
    #[inline]
    pub(crate) fn cell(&self, encoded: &[u8]) -> Result<Val> {
        if let Some(v) = Val::from_fixed(encoded) {
            return Ok(v);
        }
        let mut interner = self.interner.borrow_mut();
        if let Some(cell) = interner.get(encoded) {
            return Ok(Val::Enc(cell));
        }
        match Val::inline_cell(encoded) {
            Some(cell) => {
                interner.insert(encoded, &cell);
                Ok(Val::Enc(cell))
            }
            None => Ok(Val::Obj(std::rc::Rc::new(self.reader().value(encoded)?))),
        }
    }

    /// The candidate's value as a cell (made on first use).
    pub(crate) fn value_of(&self, c: &mut Candidate<'_>) -> Result<Val> {
        if let Some(v) = &c.v {
            return Ok(v.clone());
        }
        let v = self.cell(c.raw.v)?;
        c.v = Some(v.clone());
        Ok(v)
    }
}
