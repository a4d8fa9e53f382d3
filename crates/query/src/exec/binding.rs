//! Binding a value to a binding form in every row of a relation — a function expression's
//! result per row, or an input once for the one starting row — straight into cells.

use crate::ast::{Binding, Pos, Var};
use crate::error::Result;
use crate::exec::rel::Rel;
use crate::exec::val::Val;
use crate::functions::FnVal;
use crate::rows::alternatives;

impl Rel {
    /// Each row extended by every way of binding `value(row)` with `binding` (a scalar binds
    /// one value, `nil` drops the row, a tuple destructures, a collection gives a row per
    /// element); variables the row binds already must be [`Val::same`]. `form` and `pos` name
    /// the binding in errors.
    pub(crate) fn bind_each(
        self,
        binding: &Binding,
        form: &str,
        pos: Pos,
        mut value: impl FnMut(&Rel, &[Val]) -> Result<FnVal>,
    ) -> Result<Rel> {
        let mut new_vars: Vec<Var> = Vec::new();
        for v in binding.vars() {
            if self.col(v).is_none() && !new_vars.contains(v) {
                new_vars.push(v.clone());
            }
        }
        let mut vars = self.vars().to_vec();
        vars.extend(new_vars.iter().cloned());
        let mut out = Rel::empty(vars);
        let mut extra: Vec<Option<Val>> = vec![None; new_vars.len()];
        for row in self.rows() {
            let v = value(&self, row)?;
            'alt: for alt in alternatives(binding, &v, form, pos)? {
                extra.iter_mut().for_each(|x| *x = None);
                for (var, x) in alt {
                    let x = Val::from(x);
                    if let Some(col) = self.col(var) {
                        if !row[col].same(&x) {
                            continue 'alt;
                        }
                    } else if let Some(i) = new_vars.iter().position(|n| n == var) {
                        match &extra[i] {
                            Some(old) if !old.same(&x) => continue 'alt,
                            Some(_) => {}
                            None => extra[i] = Some(x),
                        }
                    }
                }
                let cells: Option<Vec<Val>> = extra.iter().cloned().collect();
                if let Some(cells) = cells {
                    out.push_extended(row, &cells);
                }
            }
        }
        Ok(out)
    }
}
