//! Turning caller arguments (EDN values, as the CLI receives them) into query inputs.
//!
//! Source inputs (`$`, `$name`) are not arguments: they are the database the query runs on.
//! Every other `:in` element takes the next argument: rules `%` a vector of rule definitions,
//! a binding form any value, kept as written ([`InputForm`]) and destructured by the form when
//! the query binds it (a collection `[?x ...]` takes a vector or set, a tuple `[?a ?b]` a
//! vector of that length, a relation `[[?a ?b]]` a vector of such vectors, nested forms nested
//! vectors; a vector at a variable is a lookup ref).

use datolite_edn::Edn;
use datolite_store::Value;

use crate::ast::{Input, Query, Rule};
use crate::error::{QueryError, Result};
use crate::parser::parse_rules;
use crate::result::{InputForm, InputValue};

/// The inputs (and the rules, for `%`) that `args` provide to `query`.
pub fn bind_args(query: &Query, args: &[Edn]) -> Result<(Vec<InputValue>, Vec<Rule>)> {
    let wanted: Vec<&Input> = query
        .inputs
        .iter()
        .filter(|i| !matches!(i, Input::Src(_)))
        .collect();
    if wanted.len() != args.len() {
        let names: Vec<String> = wanted.iter().map(|i| i.to_string()).collect();
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
            Input::Pattern(name) => {
                let arg = next.next().ok_or_else(|| arity_error(query))?;
                let pattern = crate::pull::pull_pattern(arg).map_err(|e| {
                    QueryError::invalid(format!("pattern input {name}: {e}"), query.pos)
                })?;
                InputValue::Pattern(pattern)
            }
            Input::Binding(binding) => {
                let arg = next.next().ok_or_else(|| arity_error(query))?;
                let form = input_form(arg).map_err(|what| {
                    QueryError::invalid(
                        format!("argument {arg} does not fit :in {binding}: {what}"),
                        query.pos,
                    )
                })?;
                InputValue::Form(form)
            }
        };
        inputs.push(value);
    }
    Ok((inputs, rules))
}

fn arity_error(query: &Query) -> QueryError {
    QueryError::invalid("not enough arguments for :in", query.pos)
}

/// An EDN argument as an input: scalars as values, vectors and lists as vectors, sets as sets.
pub fn input_form(edn: &Edn) -> std::result::Result<InputForm, String> {
    let all = |items: &[Edn]| {
        items
            .iter()
            .map(input_form)
            .collect::<std::result::Result<Vec<_>, _>>()
    };
    Ok(match edn {
        Edn::Vector(items) | Edn::List(items) => InputForm::Vector(all(items)?),
        Edn::Set(items) => InputForm::Set(all(items)?),
        Edn::Nil => InputForm::Nil,
        other => InputForm::Value(
            value_of(other)
                .ok_or_else(|| format!("{} is not an input value", other.type_name()))?,
        ),
    })
}

/// The store value of a scalar EDN form (`None` for collections, nil and other forms); the one
/// reading of literals is [`datolite_store::model::untyped_value`].
pub fn value_of(edn: &Edn) -> Option<Value> {
    datolite_store::model::untyped_value(edn)
}

/// Binds named sources of `query` to database values: each `(name, db)` replaces the
/// [`InputValue::Db`] that [`bind_args`] put for `:in` source `name` (`$before`). A name the
/// query does not declare in `:in` is an error naming it and the sources it does declare.
pub fn bind_sources(
    query: &Query,
    inputs: &mut [InputValue],
    sources: &[(String, datolite_store::Db)],
) -> Result<()> {
    for (name, db) in sources {
        let at = query
            .inputs
            .iter()
            .position(|i| matches!(i, Input::Src(s) if s.0 == *name));
        let Some(slot) = at.and_then(|i| inputs.get_mut(i)) else {
            let declared: Vec<String> = query
                .inputs
                .iter()
                .filter(|i| matches!(i, Input::Src(_)))
                .map(|i| i.to_string())
                .collect();
            return Err(QueryError::invalid(
                format!(
                    "source {name} is not in the query's :in (its sources: {})",
                    declared.join(" ")
                ),
                query.pos,
            ));
        };
        *slot = InputValue::Source(db.clone());
    }
    Ok(())
}
