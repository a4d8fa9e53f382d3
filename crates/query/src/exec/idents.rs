//! Keywords a relation binds in a pattern's attribute position, resolved once per step.
//!
//! `[?m ?attr ?v]` with `?attr` bound to `:movie/year` (by an input or another clause) reads
//! the attribute `:movie/year`. The relation keeps the keywords (they are what `:find`
//! returns): when the column holds any, the step reads a hidden copy of it with the keywords
//! turned into attribute ids, dropped again after the step. Columns of ids — the usual case —
//! are only scanned for keywords, once. An unknown keyword is an error naming it; an ident that
//! is no attribute matches no datom.
//!
//! Entity positions take ids: inputs there are resolved when bound ([`crate::inputs`]), and a
//! keyword a clause binds (an ident read as a value) names no entity there — resolving it would
//! make the answer depend on which clause ran first.

use datolite_store::encoding::{decode_value, Decoded};
use datolite_store::ValueRef;

use crate::ast::{Clause, Var};
use crate::error::{QueryError, Result};
use crate::exec::rel::Rel;
use crate::exec::slots::{Compiled, Slot};
use crate::exec::val::Val;
use crate::exec::Exec;

impl Exec<'_> {
    /// `rel` with a hidden resolved copy of the column `cp` reads in the attribute position
    /// when it holds keywords, and `cp` pointed at it; returns how many columns were added
    /// (the step's output drops them with [`Rel::drop_columns`]).
    pub(crate) fn resolve_idents(
        &self,
        rel: Rel,
        cp: &mut Compiled<'_>,
        clause: &Clause,
    ) -> Result<(Rel, usize)> {
        let Slot::Col(c) = cp.a else {
            return Ok((rel, 0));
        };
        if !rel.rows().any(|r| matches!(r.get(c), Some(Val::Enc(_)))) {
            return Ok((rel, 0));
        }
        let var = rel.vars().get(c).cloned().unwrap_or_else(|| Var::new("?"));
        let cells: Vec<Val> = rel
            .rows()
            .map(|r| match r.get(c) {
                Some(cell) => self.attribute_cell(cell, &var, clause),
                None => Ok(Val::Bool(false)),
            })
            .collect::<Result<Vec<Val>>>()?;
        let hidden = Var::new(&format!("?\u{0}{}", rel.vars().len()));
        let rel = rel.with_column(hidden, cells);
        cp.a = Slot::Col(rel.vars().len() - 1);
        Ok((rel, 1))
    }

    /// The attribute id a keyword cell names; other cells as they are.
    fn attribute_cell(&self, cell: &Val, var: &Var, clause: &Clause) -> Result<Val> {
        let Val::Enc(bytes) = cell else {
            return Ok(cell.clone());
        };
        let Ok(Decoded::Value(ValueRef::Keyword(k))) = decode_value(bytes) else {
            return Ok(cell.clone());
        };
        let schema = self.db().schema();
        let fail = |msg: String| {
            QueryError::invalid(
                format!("{msg} (the value of {var}) in {}", clause.form),
                clause.pos,
            )
        };
        match schema.attribute_named(&k) {
            Some(a) => Ok(Val::Ref(u64::from(a.id))),
            // An ident that names no attribute: no datom has it as attribute.
            None if schema.entity_of_ident(&k).is_some() => Ok(cell.clone()),
            None => Err(fail(format!("unknown attribute :{k}"))),
        }
    }
}
