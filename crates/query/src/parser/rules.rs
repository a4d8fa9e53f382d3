//! Rule sets: `[[(name ?a [?req]...) clause...] ...]`.

use datolite_edn::{SpannedEdn, SpannedKind};

use super::clauses::{parse_clause, parse_rule_vars};
use super::{error_at, show};
use crate::ast::Rule;
use crate::error::Result;

/// Parses every definition; definitions sharing a name must agree on arity
/// (they are alternatives of one relation).
pub(super) fn parse_rules(form: &SpannedEdn) -> Result<Vec<Rule>> {
    let SpannedKind::Vector(defs) = &form.kind else {
        return Err(error_at(
            form,
            format!(
                "a rule set must be a vector of rule definitions, got {} {}",
                form.type_name(),
                show(form)
            ),
        ));
    };
    let mut rules: Vec<Rule> = Vec::with_capacity(defs.len());
    for def in defs {
        let rule = parse_rule(def)?;
        if let Some(other) = rules.iter().find(|r| r.name == rule.name) {
            if other.vars.len() != rule.vars.len()
                || other.vars.required.len() != rule.vars.required.len()
            {
                return Err(error_at(
                    def,
                    format!(
                        "rule {} is defined with {} variables at {} but {} here in {}",
                        rule.name,
                        other.vars.len(),
                        other.pos,
                        rule.vars.len(),
                        rule.form
                    ),
                ));
            }
        }
        rules.push(rule);
    }
    Ok(rules)
}

/// `[(name vars...) clause...]`.
fn parse_rule(def: &SpannedEdn) -> Result<Rule> {
    let bad = |what: &str| error_at(def, format!("{what} in {}", show(def)));
    let SpannedKind::Vector(items) = &def.kind else {
        return Err(bad(
            "a rule definition must be a vector [(name ?vars...) clause...]",
        ));
    };
    let Some((head, body)) = items.split_first() else {
        return Err(bad("empty rule definition"));
    };
    let SpannedKind::List(head_items) = &head.kind else {
        return Err(bad(
            "a rule definition must start with its head (name ?vars...)",
        ));
    };
    let name = match head_items.first().and_then(|h| h.as_symbol()) {
        Some(sym) if !sym.name.starts_with('?') && !sym.name.starts_with('$') => sym.to_string(),
        _ => return Err(bad("a rule head must start with the rule name")),
    };
    let vars = parse_rule_vars(&head_items[1..])
        .ok_or_else(|| bad("a rule head takes variables, the required ones in a leading vector"))?;
    if vars.is_empty() {
        return Err(bad("a rule head needs at least one variable"));
    }
    if body.is_empty() {
        return Err(bad("a rule needs at least one clause"));
    }
    let body = body.iter().map(parse_clause).collect::<Result<Vec<_>>>()?;
    Ok(Rule {
        name,
        vars,
        body,
        pos: def.pos,
        form: show(def),
    })
}
