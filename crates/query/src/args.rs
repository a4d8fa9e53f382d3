//! Turning caller arguments (EDN values, as the CLI receives them) into query inputs.
//!
//! Source inputs (`$`, `$name`) are not arguments: they are the database the query runs on.
//! Every other `:in` element takes the next argument, shaped by its binding form: a scalar takes
//! any value, a collection `[?x ...]` a vector or set, a tuple `[?a ?b]` a vector of that length,
//! a relation `[[?a ?b]]` a vector of such vectors, and rules `%` a vector of rule definitions.

use datolite_store::edn::Edn;
use datolite_store::Value;

use crate::ast::{Binding, Input, Query, Rule};
use crate::error::{QueryError, Result};
use crate::parser::parse_rules;
use crate::result::InputValue;

/// The inputs (and the rules, for `%`) that `args` provide to `query`.
pub fn bind_args(query: &Query, args: &[Edn]) -> Result<(Vec<InputValue>, Vec<Rule>)> {
    let wanted: Vec<&Input> = query
        .inputs
        .iter()
        .filter(|i| !matches!(i, Input::Src(_)))
        .collect();
    if wanted.len() != args.len() {
        let names: Vec<String> = wanted.iter().map(|i| input_name(i)).collect();
        return Err(QueryError::InputCount {
            expected: wanted.len(),
            names: names.join(" "),
            got: args.len(),
        });
    }
    let mut next = args.iter();
    let mut inputs = Vec::with_capacity(query.inputs.len());
    let mut rules = Vec::new();
    for input in &query.inputs {
        let value = match input {
            Input::Src(_) => InputValue::Db,
            Input::Rules => {
                let arg = next.next().ok_or_else(|| arity_error(query))?;
                rules.extend(parse_rules(&arg.to_string())?);
                InputValue::Rules
            }
            Input::Binding(binding) => {
                let arg = next.next().ok_or_else(|| arity_error(query))?;
                shaped(binding, arg, query)?
            }
        };
        inputs.push(value);
    }
    Ok((inputs, rules))
}

fn input_name(input: &Input) -> String {
    match input {
        Input::Src(s) => s.0.clone(),
        Input::Rules => "%".into(),
        Input::Binding(b) => b.to_string(),
    }
}

fn arity_error(query: &Query) -> QueryError {
    QueryError::invalid("not enough arguments for :in", query.pos)
}

fn shaped(binding: &Binding, arg: &Edn, query: &Query) -> Result<InputValue> {
    let bad = |what: &str| {
        QueryError::invalid(
            format!("argument {arg} does not fit :in {binding}: expected {what}"),
            query.pos,
        )
    };
    let items = |edn: &Edn| -> Option<Vec<Edn>> {
        match edn {
            Edn::Vector(v) | Edn::List(v) | Edn::Set(v) => Some(v.clone()),
            _ => None,
        }
    };
    Ok(match binding {
        Binding::Scalar(_) => InputValue::Scalar(value_of(arg).ok_or_else(|| bad("a value"))?),
        Binding::Coll(_) => InputValue::Collection(
            items(arg)
                .ok_or_else(|| bad("a vector of values"))?
                .iter()
                .map(|e| value_of(e).ok_or_else(|| bad("values")))
                .collect::<Result<_>>()?,
        ),
        Binding::Tuple(_) => InputValue::Tuple(
            items(arg)
                .ok_or_else(|| bad("a vector"))?
                .iter()
                .map(|e| value_of(e).ok_or_else(|| bad("values")))
                .collect::<Result<_>>()?,
        ),
        Binding::Rel(_) => InputValue::Relation(
            items(arg)
                .ok_or_else(|| bad("a vector of vectors"))?
                .iter()
                .map(|row| {
                    items(row)
                        .ok_or_else(|| bad("a vector of vectors"))?
                        .iter()
                        .map(|e| value_of(e).ok_or_else(|| bad("values")))
                        .collect::<Result<Vec<_>>>()
                })
                .collect::<Result<_>>()?,
        ),
    })
}

/// The store value of a scalar EDN form (`None` for collections, nil and other forms); the one
/// reading of literals is [`datolite_store::model::untyped_value`].
pub fn value_of(edn: &Edn) -> Option<Value> {
    datolite_store::model::untyped_value(edn)
}
