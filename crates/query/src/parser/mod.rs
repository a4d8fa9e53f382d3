//! EDN text → [`Query`] / [`Rule`]s, with positions in every error.
//!
//! The text is read with the store's spanned EDN reader, then each part of
//! the query is parsed by its own module; the `binding` module finally checks that
//! every variable that must be bound is.

mod binding;
mod clauses;
mod find;
mod inputs;
mod rules;

use datolite_edn::{self as edn, SpannedEdn, SpannedKind};

use crate::ast::{Constant, Query, Rule, SrcVar, Var};
use crate::error::{QueryError, Result};

/// Parses and validates a query written as a vector (`[:find ... :where ...]`)
/// or a map (`{:find [...] :where [...]}`).
pub fn parse_query(text: &str) -> Result<Query> {
    let form = edn::parse_spanned(text)?;
    parse_query_form(&form)
}

/// Parses and validates an already-read query form.
pub fn parse_query_form(form: &SpannedEdn) -> Result<Query> {
    find::parse_query_shape(form)
}

/// Parses and validates a rule set `[[(name ?a ?b) clause...] ...]`, as
/// passed for `%`.
pub fn parse_rules(text: &str) -> Result<Vec<Rule>> {
    let form = edn::parse_spanned(text)?;
    parse_rules_form(&form)
}

/// Parses and validates an already-read rule set.
pub fn parse_rules_form(form: &SpannedEdn) -> Result<Vec<Rule>> {
    let rules = rules::parse_rules(form)?;
    for rule in &rules {
        binding::check_rule(rule)?;
    }
    Ok(rules)
}

/// The form printed as EDN, for messages.
pub(crate) fn show(form: &SpannedEdn) -> String {
    form.to_edn().to_string()
}

/// An error pointing at `form`; callers quote the form in `message`.
pub(crate) fn error_at(form: &SpannedEdn, message: impl Into<String>) -> QueryError {
    QueryError::invalid(message, form.pos)
}

/// The symbol's text if `form` is a symbol without namespace.
fn plain_symbol(form: &SpannedEdn) -> Option<&str> {
    match form.as_symbol() {
        Some(s) if s.namespace.is_none() => Some(&s.name),
        _ => None,
    }
}

/// `?x` → the variable.
pub(crate) fn as_var(form: &SpannedEdn) -> Option<Var> {
    plain_symbol(form)
        .filter(|s| s.len() > 1 && s.starts_with('?'))
        .map(Var::new)
}

/// `$` / `$name` → the source.
pub(crate) fn as_src(form: &SpannedEdn) -> Option<SrcVar> {
    plain_symbol(form)
        .filter(|s| s.starts_with('$'))
        .map(|s| SrcVar(s.to_owned()))
}

/// Whether `form` is `_`.
pub(crate) fn is_blank(form: &SpannedEdn) -> bool {
    form.is_symbol_named("_")
}

/// A literal scalar (not nil, not a collection, not a symbol), if `form` is one: the values
/// every type can be written as (big numbers, `#uri "…"`, `#bytes "…"` too).
pub(crate) fn scalar_constant(form: &SpannedEdn) -> Option<Constant> {
    Some(match &form.kind {
        SpannedKind::Bool(b) => Constant::Bool(*b),
        SpannedKind::Long(n) => Constant::Long(*n),
        SpannedKind::Double(x) => Constant::Double(*x),
        SpannedKind::String(s) => Constant::String(s.clone()),
        SpannedKind::Keyword(k) => Constant::Keyword(k.to_string().split_off(1)),
        SpannedKind::Inst(ms) => Constant::Inst(*ms),
        SpannedKind::Uuid(b) => Constant::Uuid(*b),
        SpannedKind::BigInt(_) | SpannedKind::BigDec(_) | SpannedKind::Tagged(..) => {
            Constant::Value(datolite_store::model::untyped_value(&form.to_edn())?)
        }
        _ => return None,
    })
}

/// Any literal accepted as a function argument: scalars, `nil`, regular expressions and
/// vectors of those (for `ground`, and lookup refs).
pub(crate) fn arg_constant(form: &SpannedEdn) -> Option<Constant> {
    match &form.kind {
        SpannedKind::Nil => Some(Constant::Nil),
        SpannedKind::Regex(src) => Some(Constant::Regex(src.clone())),
        SpannedKind::Vector(items) => items
            .iter()
            .map(arg_constant)
            .collect::<Option<Vec<_>>>()
            .map(Constant::Vector),
        _ => scalar_constant(form),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> SpannedEdn {
        edn::parse_spanned(text).expect("test input is EDN")
    }

    #[test]
    fn symbol_classes() {
        assert_eq!(as_var(&read("?x")), Some(Var::new("?x")));
        assert_eq!(as_var(&read("?")), None);
        assert_eq!(as_var(&read("a/?x")), None);
        assert_eq!(as_src(&read("$h")), Some(SrcVar("$h".into())));
        assert!(is_blank(&read("_")));
        assert!(!is_blank(&read("?_")));
    }

    #[test]
    fn constants() {
        assert_eq!(
            scalar_constant(&read(":a/b")),
            Some(Constant::Keyword("a/b".into()))
        );
        assert_eq!(scalar_constant(&read("nil")), None);
        assert_eq!(arg_constant(&read("nil")), Some(Constant::Nil));
        assert_eq!(
            arg_constant(&read("[1 [true]]")),
            Some(Constant::Vector(vec![
                Constant::Long(1),
                Constant::Vector(vec![Constant::Bool(true)])
            ]))
        );
        assert_eq!(arg_constant(&read("[1 ?x]")), None);
        assert_eq!(arg_constant(&read("#{1}")), None);
    }

    #[test]
    fn edn_errors_keep_their_position() {
        let e = parse_query("[:find ?x\n  \"open").unwrap_err();
        assert_eq!(e.pos().map(|p| p.line), Some(2));
    }
}
