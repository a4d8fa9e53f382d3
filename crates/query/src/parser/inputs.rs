//! `:in` inputs and the binding forms they share with function expressions.

use datolite_store::edn::{SpannedEdn, SpannedKind};

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
    parse_binding(form, ":in").map(Input::Binding)
}

/// `?x`, `_`, `[?x ?y]`, `[?x ...]` or `[[?x ?y]]`; `context` says where the
/// form appeared, for messages.
pub(super) fn parse_binding(form: &SpannedEdn, context: &str) -> Result<Binding> {
    if let Some(v) = bind_var(form) {
        return Ok(Binding::Scalar(v));
    }
    let bad = || {
        error_at(
            form,
            format!(
                "malformed binding form {} in {context}; expected ?x, [?x ?y], [?x ...] or [[?x ?y]]",
                show(form)
            ),
        )
    };
    let SpannedKind::Vector(items) = &form.kind else {
        return Err(bad());
    };
    match items.as_slice() {
        [] => Err(bad()),
        [elem, dots] if dots.is_symbol_named("...") => {
            bind_var(elem).map(Binding::Coll).ok_or_else(bad)
        }
        [SpannedEdn {
            kind: SpannedKind::Vector(inner),
            ..
        }] => {
            if inner.is_empty() {
                return Err(bad());
            }
            inner
                .iter()
                .map(|i| bind_var(i).ok_or_else(bad))
                .collect::<Result<Vec<_>>>()
                .map(Binding::Rel)
        }
        _ => items
            .iter()
            .map(|i| bind_var(i).ok_or_else(bad))
            .collect::<Result<Vec<_>>>()
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
