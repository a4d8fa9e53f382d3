//! Evaluating a call: the argument values from the row, the built-in from the registry, and
//! the subquery `q`.

use datolite_store::{Db, Uuid, Value};

use super::regex::Regexes;
use super::values::show;
use super::{builtin, Builtin, Kind};
use crate::ast::{Call, Clause, Constant, FnArg, Input, Query, SrcVar, Var};
use crate::error::{QueryError, Result};
use crate::functions::FnVal;
use crate::result::{Cell, InputForm, InputValue, QueryResult};

/// What the function library needs from an evaluator.
pub(crate) trait Env {
    /// The snapshot.
    fn db(&self) -> &Db;
    /// The database value a named source stands for (`$` included).
    fn source(&self, src: &SrcVar) -> &Db;
    /// The current values of attribute `a` on entity `e`.
    fn values(&self, e: u64, a: u64) -> Vec<Value>;
    /// Whether entity `e` has a value of attribute `a` (`missing?`): an evaluator that can
    /// tell without building the values says so directly.
    fn has_values(&self, e: u64, a: u64) -> bool {
        !self.values(e, a).is_empty()
    }
    /// Runs a subquery (`q`) with this evaluator.
    fn subquery(&self, query: &Query, inputs: &[InputValue]) -> Result<QueryResult>;
    /// The regular expressions compiled so far in this query run.
    fn regexes(&self) -> &Regexes;
}

/// How a call finds the values of its variable arguments.
pub(crate) type Lookup<'a> = &'a dyn Fn(&Var) -> Option<Value>;

/// A literal as a function value (`nil` → Nil, a vector → Seq, a regex → its pattern).
pub(crate) fn constant(c: &Constant) -> FnVal {
    FnVal::One(match c {
        Constant::Nil => return FnVal::Nil,
        Constant::Bool(b) => Value::Boolean(*b),
        Constant::Long(n) => Value::Long(*n),
        Constant::Double(d) => Value::Double(*d),
        Constant::String(s) => Value::String(s.clone()),
        Constant::Keyword(k) => Value::Keyword(k.clone()),
        Constant::Inst(ms) => Value::Instant(*ms),
        Constant::Uuid(u) => Value::Uuid(Uuid::from_bytes(*u)),
        Constant::Vector(items) => return FnVal::Seq(items.iter().map(constant).collect()),
        Constant::Regex(src) => return FnVal::Regex(src.clone()),
        Constant::Value(v) => v.clone(),
    })
}

/// The error of a failed call: the message, then the clause.
fn failed(clause: &Clause, msg: impl std::fmt::Display) -> QueryError {
    QueryError::invalid(format!("{msg} in {}", clause.form), clause.pos)
}

/// The registry entry of a call (the parser checked it exists; a hand-built AST may not).
pub(crate) fn resolve(c: &Call, clause: &Clause) -> Result<&'static Builtin> {
    builtin(&c.func).ok_or_else(|| failed(clause, format!("unknown function {}", c.func)))
}

/// Evaluates a call with variable values from `row`, looking the built-in up (the naive
/// evaluator's path; the executor resolves once per step and calls [`call_builtin`]).
pub(crate) fn call_with(
    ctx: &dyn Env,
    row: Lookup<'_>,
    c: &Call,
    clause: &Clause,
) -> Result<FnVal> {
    call_builtin(ctx, resolve(c, clause)?, row, c, clause)
}

/// Evaluates `c`, whose registry entry is `b`, with variable values from `row`.
pub(crate) fn call_builtin(
    ctx: &dyn Env,
    b: &Builtin,
    row: Lookup<'_>,
    c: &Call,
    clause: &Clause,
) -> Result<FnVal> {
    if b.kind == Kind::Subquery {
        return subquery(ctx, row, c, clause);
    }
    let args: Vec<FnVal> = c
        .args
        .iter()
        .map(|a| arg_value(row, a))
        .collect::<std::result::Result<_, String>>()
        .map_err(|m| failed(clause, m))?;
    if !b.accepts(args.len()) {
        return Err(failed(
            clause,
            format!(
                "{} takes {}, got {}",
                b.name,
                super::describe(b.min, b.max),
                args.len()
            ),
        ));
    }
    (b.imp)(ctx, &args).map_err(|m| failed(clause, format!("{}: {m}", b.name)))
}

fn arg_value(row: Lookup<'_>, a: &FnArg) -> std::result::Result<FnVal, String> {
    match a {
        FnArg::Var(v) => row(v)
            .map(FnVal::One)
            .ok_or_else(|| format!("variable {v} is not bound")),
        FnArg::Const(c) => Ok(constant(c)),
        // Sources are the one db; `%` has no value.
        FnArg::Src(_) | FnArg::Rules => Ok(FnVal::Nil),
        FnArg::Query(_) => Err("a nested query is only allowed as q's first argument".into()),
    }
}

/// A function value as a query input (a collection becomes a vector, destructured by the
/// subquery's binding form).
fn input_form(v: FnVal) -> std::result::Result<InputForm, String> {
    Ok(match v {
        FnVal::One(x) => InputForm::Value(x),
        FnVal::Regex(src) => InputForm::Value(Value::String(src)),
        FnVal::Seq(items) => InputForm::Vector(
            items
                .into_iter()
                .map(input_form)
                .collect::<std::result::Result<_, _>>()?,
        ),
        FnVal::Nil => return Err("nil is not accepted as a q input".into()),
    })
}

/// A result cell as a function value.
fn cell_value(c: Cell) -> FnVal {
    match c {
        Cell::Value(v) => FnVal::One(v),
        Cell::Set(vs) | Cell::Vector(vs) => FnVal::Seq(vs.into_iter().map(FnVal::One).collect()),
        // Refused before the subquery's result is read (see `subquery`).
        Cell::Pulled(_) => FnVal::Nil,
    }
}

/// `(q query inputs...)`: the subquery's result as a function value (a relation → a collection
/// of tuples, a scalar → a value or `nil`, a collection → a collection, a tuple → a tuple).
fn subquery(ctx: &dyn Env, row: Lookup<'_>, c: &Call, clause: &Clause) -> Result<FnVal> {
    let err = |msg: String| failed(clause, msg);
    let Some((FnArg::Query(sub), rest)) = c.args.split_first() else {
        return Err(err("q needs a query as first argument".into()));
    };
    let mut inputs = Vec::new();
    for (arg, input) in rest
        .iter()
        .zip(sub.inputs.iter().chain(std::iter::repeat(&Input::Rules)))
    {
        inputs.push(match arg {
            // The subquery's source is the value the outer query's source names.
            FnArg::Src(s) if ctx.source(s).same_value(ctx.source(&SrcVar("$".into()))) => {
                InputValue::Db
            }
            FnArg::Src(s) => InputValue::Source(ctx.source(s).clone()),
            FnArg::Rules => InputValue::Rules,
            FnArg::Query(_) => return Err(err("a query is not a q input".into())),
            FnArg::Var(_) | FnArg::Const(_) => {
                let v = arg_value(row, arg).map_err(&err)?;
                let shown = show(&v);
                let form = input_form(v).map_err(&err)?;
                match input {
                    Input::Binding(_) => InputValue::Form(form),
                    other => {
                        return Err(err(format!("q input {other} cannot take {shown}")));
                    }
                }
            }
        });
    }
    if sub
        .find_elements()
        .iter()
        .any(|e| matches!(e, crate::ast::FindElem::Pull(_)))
    {
        return Err(err(
            "a subquery with (pull …) in :find returns maps, which q cannot bind".into(),
        ));
    }
    let tuple = |r: Vec<Cell>| FnVal::Seq(r.into_iter().map(cell_value).collect());
    Ok(match ctx.subquery(sub, &inputs)? {
        QueryResult::Relation(rows) => FnVal::Seq(rows.into_iter().map(tuple).collect()),
        QueryResult::Scalar(v) => v.map_or(FnVal::Nil, cell_value),
        QueryResult::Collection(vs) => FnVal::Seq(vs.into_iter().map(cell_value).collect()),
        QueryResult::Tuple(t) => t.map_or(FnVal::Nil, tuple),
        QueryResult::Maps { .. } | QueryResult::Map { .. } => {
            return Err(err(
                "a subquery with :keys, :strs or :syms returns maps, which q cannot bind".into(),
            ))
        }
    })
}
