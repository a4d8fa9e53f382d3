//! `:where` clauses (and rule bodies): patterns, predicates, function
//! expressions, `not`/`not-join`, `or`/`or-join`/`and`, rule calls (written as lists
//! `(rule ?a)` or vectors `[rule ?a]`).

use std::collections::BTreeSet;

use datolite_edn::{SpannedEdn, SpannedKind};

use super::binding::clause_vars;
use super::inputs::parse_binding;
use super::{
    arg_constant, as_src, as_var, error_at, is_blank, parse_query_form, scalar_constant, show,
};
use crate::ast::{Call, Clause, ClauseKind, Constant, FnArg, Pattern, RuleVars, Term, Var};
use crate::error::Result;
use crate::functions::{builtin, describe, Kind};

/// Parses one clause; `and` is rejected here (it is only an `or` branch).
pub(super) fn parse_clause(form: &SpannedEdn) -> Result<Clause> {
    parse_clause_in(form, false)
}

/// Parses one clause, accepting `(and ...)` when `in_or`.
fn parse_clause_in(form: &SpannedEdn, in_or: bool) -> Result<Clause> {
    let kind = match &form.kind {
        SpannedKind::Vector(items) => match items.first().map(|f| &f.kind) {
            Some(SpannedKind::List(_)) => parse_call_clause(form, items)?,
            _ if is_rule_call_vector(items) => parse_rule_call_vector(form, items)?,
            _ => ClauseKind::Pattern(parse_pattern(form, items)?),
        },
        SpannedKind::List(items) => parse_list_clause(form, items, in_or)?,
        _ => {
            return Err(error_at(
                form,
                format!(
                    "expected a clause (a vector or a list), got {} {}",
                    form.type_name(),
                    show(form)
                ),
            ))
        }
    };
    Ok(Clause {
        kind,
        pos: form.pos,
        form: show(form),
    })
}

/// Whether a vector clause is a rule call `[$src? rule-name args...]`: its first element
/// (after a source) is a symbol that is no variable, blank or source — which no pattern can
/// start with.
fn is_rule_call_vector(items: &[SpannedEdn]) -> bool {
    let head = match items.split_first() {
        Some((first, rest)) if as_src(first).is_some() => rest.first(),
        Some((first, _)) => Some(first),
        None => None,
    };
    head.is_some_and(|h| {
        h.as_symbol().is_some() && as_var(h).is_none() && !is_blank(h) && as_src(h).is_none()
    })
}

/// `[rule-name args...]`: the same as the list form; the clause keywords (`not`, `or`, …)
/// only exist as lists.
fn parse_rule_call_vector(form: &SpannedEdn, items: &[SpannedEdn]) -> Result<ClauseKind> {
    let kind = parse_list_clause(form, items, false)?;
    match kind {
        ClauseKind::RuleCall { .. } => Ok(kind),
        _ => Err(error_at(
            form,
            format!(
                "not, not-join, or, or-join and and are written as lists, ( … ), not vectors: {}",
                show(form)
            ),
        )),
    }
}

/// `[$src? e a v tx added]`.
fn parse_pattern(form: &SpannedEdn, items: &[SpannedEdn]) -> Result<Pattern> {
    let (src, terms) = match items.split_first() {
        Some((first, rest)) => match as_src(first) {
            Some(src) => (Some(src), rest),
            None => (None, items),
        },
        None => (None, items),
    };
    if terms.is_empty() || terms.len() > 5 {
        return Err(error_at(
            form,
            format!(
                "a data pattern has 1 to 5 elements [e a v tx added], got {} in {}",
                terms.len(),
                show(form)
            ),
        ));
    }
    let mut parsed = [
        Term::Blank,
        Term::Blank,
        Term::Blank,
        Term::Blank,
        Term::Blank,
    ];
    for (i, (slot, term)) in parsed.iter_mut().zip(terms).enumerate() {
        *slot = pattern_term(term, form, i)?;
    }
    let [e, a, v, tx, added] = parsed;
    Ok(Pattern {
        src,
        e,
        a,
        v,
        tx,
        added,
    })
}

/// Element `i` of a pattern: a variable, `_`, a scalar constant, or — in an entity position
/// (entity, value, transaction) — a lookup ref `[:attr value]`, resolved against the database
/// when the query runs.
fn pattern_term(term: &SpannedEdn, clause: &SpannedEdn, i: usize) -> Result<Term> {
    if is_blank(term) {
        return Ok(Term::Blank);
    }
    if let Some(v) = as_var(term) {
        return Ok(Term::Var(v));
    }
    if let Some(c) = scalar_constant(term) {
        return Ok(Term::Const(c));
    }
    if let (SpannedKind::Vector(_), 0 | 2 | 3) = (&term.kind, i) {
        return match arg_constant(term) {
            Some(c @ Constant::Vector(_)) => Ok(Term::Const(c)),
            _ => Err(error_at(
                term,
                format!(
                    "a lookup ref is [:attribute value] with constants, got {} in {}",
                    show(term),
                    show(clause)
                ),
            )),
        };
    }
    // A plain symbol in the value position is a symbol value (for `:db.type/symbol`
    // attributes; the resolver refuses it for any other attribute, where it is a typo for a
    // variable).
    if let (SpannedKind::Symbol(sym), 2) = (&term.kind, i) {
        if !sym.name.starts_with(['?', '$']) {
            return Ok(Term::Const(Constant::Value(datolite_store::Value::Symbol(
                sym.to_string(),
            ))));
        }
    }
    Err(error_at(
        term,
        format!(
            "a pattern element must be a variable, _ or a constant, got {} in {}",
            show(term),
            show(clause)
        ),
    ))
}

/// `[(f args...)]` or `[(f args...) binding]`.
fn parse_call_clause(form: &SpannedEdn, items: &[SpannedEdn]) -> Result<ClauseKind> {
    match items {
        [call] => Ok(ClauseKind::Pred(parse_call(call)?)),
        [call, binding] => Ok(ClauseKind::Fn {
            call: parse_call(call)?,
            binding: parse_binding(binding, &show(form))?,
        }),
        _ => Err(error_at(
            form,
            format!(
                "a predicate is [(pred args...)] and a function expression [(f args...) binding], got {}",
                show(form)
            ),
        )),
    }
}

/// `(f args...)`: the function must be known and the arity right.
fn parse_call(call: &SpannedEdn) -> Result<Call> {
    let items = call.as_seq().unwrap_or_default();
    let Some(func) = items.first().and_then(|f| f.as_symbol()) else {
        return Err(error_at(
            call,
            format!("a call must start with a function name in {}", show(call)),
        ));
    };
    let func = func.to_string();
    let Some(b) = builtin(&func) else {
        let hint = if crate::functions::aggregate_named(&func).is_some() {
            " (an aggregate, only allowed in :find)"
        } else {
            ""
        };
        return Err(error_at(
            call,
            format!("unknown function {func}{hint} in {}", show(call)),
        ));
    };
    let args = items.get(1..).unwrap_or_default();
    if !b.accepts(args.len()) {
        return Err(error_at(
            call,
            format!(
                "{func} takes {}, got {} in {}",
                describe(b.min, b.max),
                args.len(),
                show(call)
            ),
        ));
    }
    if b.kind == Kind::Database && args.first().is_none_or(|a| as_src(a).is_none()) {
        return Err(error_at(
            call,
            format!(
                "{func} takes a source ($) as its first argument in {}",
                show(call)
            ),
        ));
    }
    let mut parsed = Vec::with_capacity(args.len());
    for (i, arg) in args.iter().enumerate() {
        // The subquery of `q` is a query form, not a constant vector.
        let parsed_arg = if b.kind == Kind::Subquery && i == 0 {
            match &arg.kind {
                SpannedKind::Vector(_) | SpannedKind::Map(_) => {
                    FnArg::Query(Box::new(parse_query_form(arg)?))
                }
                _ => {
                    return Err(error_at(
                        arg,
                        format!("q takes a query first, got {} in {}", show(arg), show(call)),
                    ))
                }
            }
        } else {
            fn_arg(arg, call)?
        };
        parsed.push(parsed_arg);
    }
    Ok(Call { func, args: parsed })
}

/// A variable, source, `%` or constant.
fn fn_arg(arg: &SpannedEdn, call: &SpannedEdn) -> Result<FnArg> {
    if let Some(v) = as_var(arg) {
        return Ok(FnArg::Var(v));
    }
    if let Some(s) = as_src(arg) {
        return Ok(FnArg::Src(s));
    }
    if arg.is_symbol_named("%") {
        return Ok(FnArg::Rules);
    }
    if let Some(c) = arg_constant(arg) {
        return Ok(FnArg::Const(c));
    }
    Err(error_at(
        arg,
        format!(
            "a function argument must be a variable, a source or a constant, got {} in {}",
            show(arg),
            show(call)
        ),
    ))
}

/// `(not ...)`, `(or ...)`, `(and ...)`, rule calls, each with an optional
/// leading source.
fn parse_list_clause(form: &SpannedEdn, items: &[SpannedEdn], in_or: bool) -> Result<ClauseKind> {
    let (src, items) = match items.split_first() {
        Some((first, rest)) => match as_src(first) {
            Some(src) => (Some(src), rest),
            None => (None, items),
        },
        None => (None, items),
    };
    let Some((head, rest)) = items.split_first() else {
        return Err(error_at(form, format!("empty clause {}", show(form))));
    };
    let Some(name) = head.as_symbol().map(ToString::to_string) else {
        return Err(error_at(
            form,
            format!(
                "a list clause must start with not, not-join, or, or-join or a rule name, got {}",
                show(form)
            ),
        ));
    };
    match name.as_str() {
        "not" => Ok(ClauseKind::Not {
            src,
            join_vars: None,
            clauses: body(form, rest, "not", false)?,
        }),
        "not-join" => {
            let (vars, rest) = join_vars(form, rest, "not-join")?;
            if !vars.required.is_empty() {
                return Err(error_at(
                    form,
                    format!("not-join takes a vector of variables in {}", show(form)),
                ));
            }
            Ok(ClauseKind::Not {
                src,
                join_vars: Some(vars.free),
                clauses: body(form, rest, "not-join", false)?,
            })
        }
        "or" => {
            let branches = body(form, rest, "or", true)?;
            // Datomic requires every branch of `or` to use the same
            // variables: the branches are unified as one relation.
            let sets: Vec<BTreeSet<Var>> = branches.iter().map(clause_vars).collect();
            if sets.windows(2).any(|w| w[0] != w[1]) {
                return Err(error_at(
                    form,
                    format!(
                        "all branches of or must use the same variables (use or-join otherwise) in {}",
                        show(form)
                    ),
                ));
            }
            Ok(ClauseKind::Or {
                src,
                join: None,
                branches,
            })
        }
        "or-join" => {
            let (vars, rest) = join_vars(form, rest, "or-join")?;
            Ok(ClauseKind::Or {
                src,
                join: Some(vars),
                branches: body(form, rest, "or-join", true)?,
            })
        }
        "and" if in_or && src.is_none() => Ok(ClauseKind::And(body(form, rest, "and", false)?)),
        "and" => Err(error_at(
            form,
            format!(
                "and is only allowed as a branch of or / or-join in {}",
                show(form)
            ),
        )),
        _ => {
            if head.as_symbol().is_some_and(|s| s.name.starts_with('?')) || name == "_" {
                return Err(error_at(
                    form,
                    format!("{name} is not a rule name in {}", show(form)),
                ));
            }
            let args = rest
                .iter()
                .map(|arg| rule_arg(arg, form))
                .collect::<Result<Vec<_>>>()?;
            Ok(ClauseKind::RuleCall { src, name, args })
        }
    }
}

/// A rule-call argument: variable, `_` or constant.
fn rule_arg(arg: &SpannedEdn, form: &SpannedEdn) -> Result<Term> {
    if is_blank(arg) {
        return Ok(Term::Blank);
    }
    if let Some(v) = as_var(arg) {
        return Ok(Term::Var(v));
    }
    if let Some(c) = scalar_constant(arg) {
        return Ok(Term::Const(c));
    }
    Err(error_at(
        arg,
        format!(
            "a rule argument must be a variable, _ or a constant, got {} in {}",
            show(arg),
            show(form)
        ),
    ))
}

/// The clauses of a `not`/`or`/`and`: at least one.
fn body(form: &SpannedEdn, rest: &[SpannedEdn], what: &str, in_or: bool) -> Result<Vec<Clause>> {
    if rest.is_empty() {
        return Err(error_at(
            form,
            format!("{what} needs at least one clause in {}", show(form)),
        ));
    }
    rest.iter().map(|c| parse_clause_in(c, in_or)).collect()
}

/// The variable vector of `not-join` / `or-join`.
fn join_vars<'a>(
    form: &SpannedEdn,
    rest: &'a [SpannedEdn],
    what: &str,
) -> Result<(RuleVars, &'a [SpannedEdn])> {
    let bad = || {
        error_at(
            form,
            format!(
                "{what} must be followed by a vector of variables in {}",
                show(form)
            ),
        )
    };
    let Some((vars, rest)) = rest.split_first() else {
        return Err(bad());
    };
    let SpannedKind::Vector(items) = &vars.kind else {
        return Err(bad());
    };
    let vars = parse_rule_vars(items).ok_or_else(bad)?;
    if vars.is_empty() {
        return Err(bad());
    }
    Ok((vars, rest))
}

/// `[?req ...] ?a ?b` (the required vector, if any, first) → the variables;
/// `None` if anything is not a variable.
pub(super) fn parse_rule_vars(items: &[SpannedEdn]) -> Option<RuleVars> {
    let (required, rest) = match items.split_first() {
        Some((
            SpannedEdn {
                kind: SpannedKind::Vector(req),
                ..
            },
            rest,
        )) => (req.iter().map(as_var).collect::<Option<Vec<_>>>()?, rest),
        _ => (Vec::new(), items),
    };
    let free = rest.iter().map(as_var).collect::<Option<Vec<_>>>()?;
    Some(RuleVars { required, free })
}
