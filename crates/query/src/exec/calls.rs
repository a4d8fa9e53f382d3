//! Predicate and function-expression steps.
//!
//! Two-argument comparisons of bound variables and literals (`[(> ?s 50000)]`) compare cells
//! directly; every other call goes through the shared function registry
//! ([`crate::functions`]) with the row's values, as the naive evaluator does — the built-in
//! looked up once per step.

use datolite_store::Value;

use crate::ast::{Binding, Call, Clause, Constant, FnArg, Var};
use crate::error::{QueryError, Result};
use crate::exec::rel::Rel;
use crate::exec::val::Val;
use crate::exec::Exec;
use crate::functions::FnVal;
use crate::functions::{call_builtin, Builtin, Cmp, Kind};

/// The registry entry of a step's call.
fn resolve(c: &Call, clause: &Clause) -> Result<&'static Builtin> {
    crate::functions::resolve_call(c, clause)
}

/// A comparison predicate on two cells, evaluated without building values.
struct Comparison {
    op: Cmp,
    left: Operand,
    right: Operand,
}

enum Operand {
    Col(usize),
    Lit(Val),
}

impl Comparison {
    /// `(op x y)` with `op` one of `= != not= < > <= >=` and each side a bound variable or a
    /// literal value; `None` for anything else (the general function path handles it).
    fn of(b: &Builtin, call: &Call, rel: &Rel) -> Option<Comparison> {
        let Kind::Comparison(op) = b.kind else {
            return None;
        };
        let operand = |a: &FnArg| match a {
            FnArg::Var(v) => rel.col(v).map(Operand::Col),
            FnArg::Const(c) => Val::of_constant(c).map(Operand::Lit),
            _ => None,
        };
        match call.args.as_slice() {
            [l, r] => Some(Comparison {
                op,
                left: operand(l)?,
                right: operand(r)?,
            }),
            _ => None,
        }
    }

    fn holds(&self, row: &[Val]) -> bool {
        fn get<'v>(row: &'v [Val], o: &'v Operand) -> &'v Val {
            match o {
                Operand::Col(c) => &row[*c],
                Operand::Lit(v) => v,
            }
        }
        self.op
            .holds(get(row, &self.left).compare(get(row, &self.right)))
    }
}

impl Exec<'_> {
    /// Keeps the rows for which the predicate is true (not `nil`, not `false`).
    pub(crate) fn filter(&self, mut rel: Rel, c: &Call, clause: &Clause) -> Result<Rel> {
        let b = resolve(c, clause)?;
        if let Some(cmp) = Comparison::of(b, c, &rel) {
            rel.retain(|row| cmp.holds(row));
            return Ok(rel);
        }
        let missing = self.missing_check(b, c, &rel);
        let vars = rel.vars().to_vec();
        let col = |v: &Var| vars.iter().position(|x| x == v);
        let mut failure = None;
        rel.retain(|row| {
            if failure.is_some() {
                return false;
            }
            if let Some((col, attr)) = missing {
                if let Val::Ref(e) = row[col] {
                    let mut found = false;
                    let read = self.each_value(e, attr, |_| {
                        found = true;
                        false
                    });
                    return match read {
                        Ok(()) => !found,
                        Err(err) => {
                            failure = Some(QueryError::Storage(format!(
                                "reading for {}: {err}",
                                clause.form
                            )));
                            false
                        }
                    };
                }
            }
            match call_builtin(
                self,
                b,
                &|v: &Var| col(v).map(|c| row[c].to_value()),
                c,
                clause,
            ) {
                Ok(v) => !matches!(v, FnVal::Nil | FnVal::One(Value::Boolean(false))),
                Err(e) => {
                    failure = Some(e);
                    false
                }
            }
        });
        failure.map_or(Ok(rel), Err)
    }

    /// For `(missing? $ ?e :attr)` of a forward attribute the schema has: the column of `?e`
    /// and the attribute's id. Rows whose `?e` holds an entity id are then checked with one
    /// key read right here — the function's general path, which resolves the attribute and
    /// converts the arguments for every row, costs a quarter more per row (callgrind); any
    /// other row takes that path.
    fn missing_check(&self, b: &Builtin, c: &Call, rel: &Rel) -> Option<(usize, u64)> {
        if b.name != "missing?" {
            return None;
        }
        let [FnArg::Src(_), FnArg::Var(e), FnArg::Const(Constant::Keyword(k))] = c.args.as_slice()
        else {
            return None;
        };
        let attr = self.db().schema().attribute_named(k)?;
        Some((rel.col(e)?, u64::from(attr.id)))
    }

    /// Extends each row by binding the function's result.
    pub(crate) fn bind(
        &self,
        rel: Rel,
        c: &Call,
        binding: &Binding,
        clause: &Clause,
    ) -> Result<Rel> {
        let b = resolve(c, clause)?;
        rel.bind_each(binding, &clause.form, clause.pos, |rel, row| {
            call_builtin(
                self,
                b,
                &|v: &Var| rel.col(v).map(|c| row[c].to_value()),
                c,
                clause,
            )
        })
    }
}
