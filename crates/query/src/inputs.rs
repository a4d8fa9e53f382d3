//! Binding the `:in` inputs into the first relation of a query: one row per combination of the
//! bound values, each input destructured by its (possibly nested) binding form.
//!
//! What a vector is depends on where the binding form puts it: the elements of a collection or
//! tuple form, or — at a variable — a lookup ref `[:attr value]`. Lookup refs are resolved
//! **here, at bind time**, once per query: the variable then holds the entity id, so every
//! pattern, join and function sees an ordinary id and no lookup repeats per row. At a variable
//! the query uses as an entity (see [`crate::resolve::usage`]) a vector is a lookup ref; at any
//! other variable it is a tuple value ([`Cx::vector_value`] is the one place that decides). A keyword at a variable used as an entity is
//! an ident and becomes its entity id here too (an unknown one is an error). A keyword used
//! only as an attribute stays a keyword (what `:find` returns) and must name an ident (checked
//! here, so the error does not depend on evaluation order); patterns resolve it per step.

use std::cell::OnceCell;

use datolite_store::{Db, Value};

use crate::ast::{BindVar, Binding, Input, Query, Rule, Var};
use crate::error::{QueryError, Result};
use crate::functions::FnVal;
use crate::resolve::lookup::{ident_entity, lookup_ref};
use crate::resolve::usage::{usage, Usage};
use crate::result::{InputForm, InputValue};
use crate::rows::{bind_all, Row};

/// One bound input: its binding form, its value shaped by it (lookup refs resolved), and how
/// errors name it (`input ?name`).
pub(crate) struct BoundInput<'q> {
    /// The binding form.
    pub binding: &'q Binding,
    /// The value.
    pub value: FnVal,
    /// `input` and the form, for error messages.
    pub form: String,
}

/// The `:in` inputs that bind variables, each shaped by its binding form (sources and rules
/// bind none).
pub(crate) fn input_values<'q>(
    db: &Db,
    query: &'q Query,
    inputs: &[InputValue],
    rules: &[Rule],
) -> Result<Vec<BoundInput<'q>>> {
    query.check_inputs(inputs.len())?;
    let cx = Cx {
        db,
        query,
        rules,
        usage: OnceCell::new(),
    };
    let mut out = Vec::new();
    for (input, value) in query.inputs.iter().zip(inputs) {
        match (input, value) {
            (Input::Src(_), InputValue::Db | InputValue::Source(_))
            | (Input::Rules, InputValue::Rules)
            | (Input::Pattern(_), InputValue::Pattern(_)) => {}
            (Input::Binding(b), v) => {
                let Some(form) = v.form() else {
                    return Err(QueryError::invalid(
                        format!("input {input} expects a value, got {v:?}"),
                        query.pos,
                    ));
                };
                let value = cx.bind(b, &form).map_err(|e| {
                    QueryError::invalid(
                        match e {
                            Unfit::Shape(what) => {
                                format!("argument {form} does not fit :in {b}: {what}")
                            }
                            Unfit::Name(what) => format!("input {b}: {what}"),
                        },
                        query.pos,
                    )
                })?;
                out.push(BoundInput {
                    binding: b,
                    value,
                    form: format!("input {input}"),
                });
            }
            (input, v) => {
                return Err(QueryError::invalid(
                    format!("input {input} cannot take {v:?}"),
                    query.pos,
                ))
            }
        }
    }
    Ok(out)
}

/// The first rows of a query (the naive evaluator's form): one row per combination of the
/// bound inputs.
pub(crate) fn bind_inputs(
    db: &Db,
    query: &Query,
    inputs: &[InputValue],
    rules: &[Rule],
) -> Result<Vec<Row>> {
    let mut rows: Vec<Row> = vec![Row::new()];
    for input in input_values(db, query, inputs, rules)? {
        rows = bind_all(rows, input.binding, &input.value, &input.form, query.pos)?;
    }
    Ok(rows)
}

/// Why an input cannot be bound.
enum Unfit {
    /// Its shape is not the binding form's.
    Shape(String),
    /// It names an entity or attribute that does not exist (or a lookup ref badly).
    Name(String),
}

/// What binding needs: the snapshot, and where the query uses its variables (computed only
/// when an input holds a keyword or a vector at a variable).
struct Cx<'a> {
    db: &'a Db,
    query: &'a Query,
    rules: &'a [Rule],
    usage: OnceCell<Usage>,
}

impl Cx<'_> {
    fn usage(&self) -> &Usage {
        self.usage
            .get_or_init(|| usage(self.db, &self.query.where_clauses, self.rules))
    }

    /// `form` shaped by `b` as a function value, lookup refs resolved.
    fn bind(&self, b: &Binding, form: &InputForm) -> std::result::Result<FnVal, Unfit> {
        let items = |form: &InputForm, sets: bool| match form {
            InputForm::Vector(items) => Ok(items.clone()),
            InputForm::Set(items) if sets => Ok(items.clone()),
            other => Err(Unfit::Shape(format!("expected a vector, got {other}"))),
        };
        Ok(match b {
            // Anything fits a blank.
            Binding::Scalar(BindVar::Blank) => FnVal::Nil,
            Binding::Scalar(BindVar::Var(var)) => match form {
                InputForm::Value(v) => FnVal::One(self.scalar(var, v)?),
                InputForm::Vector(items) => FnVal::One(self.vector_value(var, items)?),
                InputForm::Nil => return Err(Unfit::Shape(format!("{var} cannot be nil"))),
                InputForm::Set(_) => {
                    return Err(Unfit::Shape(format!("expected a value, got {form}")))
                }
            },
            Binding::Coll(inner) => FnVal::Seq(
                items(form, true)?
                    .iter()
                    .map(|x| self.bind(inner, x))
                    .collect::<std::result::Result<_, _>>()?,
            ),
            Binding::Tuple(bs) => FnVal::Seq(self.tuple(bs, &items(form, false)?)?),
            Binding::Rel(bs) => FnVal::Seq(
                items(form, true)?
                    .iter()
                    .map(|t| Ok(FnVal::Seq(self.tuple(bs, &items(t, false)?)?)))
                    .collect::<std::result::Result<_, Unfit>>()?,
            ),
        })
    }

    fn tuple(&self, bs: &[Binding], items: &[InputForm]) -> std::result::Result<Vec<FnVal>, Unfit> {
        if items.len() != bs.len() {
            return Err(Unfit::Shape(format!(
                "expected a tuple of {} values, got {}",
                bs.len(),
                items.len()
            )));
        }
        bs.iter().zip(items).map(|(b, x)| self.bind(b, x)).collect()
    }

    /// A value at `var`: a keyword the query uses as an entity is that ident's entity id; one
    /// it uses as an attribute must name an ident.
    fn scalar(&self, var: &Var, v: &Value) -> std::result::Result<Value, Unfit> {
        if let Value::Keyword(k) = v {
            let u = self.usage();
            if u.entity.contains(var) {
                return ident_entity(self.db, k)
                    .map(Value::Ref)
                    .map_err(|m| Unfit::Name(format!("{m} (the value of {var})")));
            }
            if u.attribute.contains(var) && self.db.schema().entity_of_ident(k).is_none() {
                return Err(Unfit::Name(format!(
                    "unknown attribute :{k} (the value of {var})"
                )));
            }
        }
        Ok(v.clone())
    }

    /// The value a vector input at variable `var` stands for: a lookup ref `[:attr value]`
    /// at a variable the query uses as an entity is that entity's id; any other vector of
    /// values (and `nil`s) is a tuple value.
    fn vector_value(&self, var: &Var, items: &[InputForm]) -> std::result::Result<Value, Unfit> {
        if self.usage().entity.contains(var) {
            return match items {
                [InputForm::Value(Value::Keyword(attr)), InputForm::Value(v)] => {
                    lookup_ref(self.db, attr, v)
                        .map(Value::Ref)
                        .map_err(Unfit::Name)
                }
                _ => Err(Unfit::Shape(format!(
                    "{var} is used as an entity, so a vector input must be a lookup ref \
                     [:attribute value]: {} is not",
                    InputForm::Vector(items.to_vec())
                ))),
            };
        }
        let elements = items
            .iter()
            .map(|item| match item {
                InputForm::Nil => Ok(None),
                InputForm::Value(Value::Tuple(_)) | InputForm::Vector(_) | InputForm::Set(_) => {
                    Err(Unfit::Shape(format!(
                        "a tuple holds values, not collections (got {item} in {})",
                        InputForm::Vector(items.to_vec())
                    )))
                }
                InputForm::Value(v) => Ok(Some(v.clone())),
            })
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(Value::Tuple(elements))
    }
}
