//! `:in` inputs and the binding forms they share with function expressions.

use datolite_edn::{SpannedEdn, SpannedKind};

use super::{as_src, as_var, error_at, is_blank, show};
use crate::ast::{BindVar, Binding, Input};
use crate::error::Result;

/// One `:in` form: `$`, `$name`, `%`, or a binding form.
pub(super) fn parse_input(form: &SpannedEdn) -> Result<Input> {
    if let Some(src) = as_src(form) {
        return Ok(Input::Src(src));
    }
    if form.is_symbol_named("%") {
        return Ok(Input::Rules);
    }
    // A plain symbol (no `?`, `$` or `%`) names a pull pattern input.
    if let Some(s) = form.as_symbol() {
        if s.namespace.is_none() && !s.name.starts_with(['?', '$', '%', '_']) && s.name != "..." {
            return Ok(Input::Pattern(s.name.clone()));
        }
    }
    parse_binding(form, ":in").map(Input::Binding)
}

/// A binding form (Datomic's recursive grammar): `?x`, `_`, `[binding ...]`,
/// `[binding+]`, or `[[binding+]]` for a relation; `context` says where the form appeared,
/// for messages (which quote the whole form).
pub(super) fn parse_binding(form: &SpannedEdn, context: &str) -> Result<Binding> {
    binding(form).ok_or_else(|| {
        error_at(
            form,
            format!(
                "malformed binding form {} in {context}; expected ?x, [?x ?y], [?x ...] or \
                 [[?x ?y]] (nested as deep as needed)",
                show(form)
            ),
        )
    })
}

fn binding(form: &SpannedEdn) -> Option<Binding> {
    if let Some(v) = bind_var(form) {
        return Some(Binding::Scalar(v));
    }
    let SpannedKind::Vector(items) = &form.kind else {
        return None;
    };
    match items.as_slice() {
        [] => None,
        [elem, dots] if dots.is_symbol_named("...") => {
            binding(elem).map(|b| Binding::Coll(Box::new(b)))
        }
        // `[[a b]]` is a relation (a collection of tuples) unless its inner vector is a
        // collection form itself (`[[?x ...]]`: a tuple of one collection).
        [SpannedEdn {
            kind: SpannedKind::Vector(inner),
            ..
        }] if !inner.is_empty() && !inner.iter().any(|i| i.is_symbol_named("...")) => inner
            .iter()
            .map(binding)
            .collect::<Option<Vec<_>>>()
            .map(Binding::Rel),
        _ => items
            .iter()
            .map(binding)
            .collect::<Option<Vec<_>>>()
            .map(Binding::Tuple),
    }
}

/// `?x` or `_`.
fn bind_var(form: &SpannedEdn) -> Option<BindVar> {
    if is_blank(form) {
        Some(BindVar::Blank)
    } else {
        as_var(form).map(BindVar::Var)
    }
}
