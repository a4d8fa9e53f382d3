//! The query's outer shape (vector or map form) and its `:find`, `:keys` / `:strs` /
//! `:syms`, `:with`, `:order-by` and `:limit` parts.

use datolite_edn::{SpannedEdn, SpannedKind};

use std::collections::BTreeSet;

use super::{as_src, as_var, binding, clauses, error_at, inputs, show};
use crate::ast::{
    Aggregate, AggregateCount, BindVar, Binding, Direction, FindElem, FindSpec, Input, OrderBy,
    PullElem, PullSource, Query, ReturnKind, ReturnMap, SrcVar, Var,
};
use crate::error::Result;
use crate::functions::aggregate_named;

/// The keys a query may have, in the order they are printed in messages.
const KEYS: &[&str] = &[
    "find", "keys", "strs", "syms", "with", "in", "where", "order-by", "limit",
];

/// One `:key` of the query with what follows it.
struct Section<'a> {
    /// The keyword itself (for positions and messages).
    key: &'a SpannedEdn,
    /// The forms of the section: in the vector form, the forms up to the
    /// next keyword; in the map form, the elements of the value (or the
    /// value itself for `:order-by` / `:limit`).
    items: Vec<&'a SpannedEdn>,
}

/// Keys whose value is a single form in both query shapes.
fn single_valued(key: &str) -> bool {
    key == "order-by" || key == "limit"
}

/// Splits a query form into its sections, checking for unknown and
/// repeated keys.
fn sections(form: &SpannedEdn) -> Result<Vec<(&'static str, Section<'_>)>> {
    let mut out: Vec<(&'static str, Section<'_>)> = Vec::new();
    let key_name = |key: &'_ SpannedEdn| -> Result<&'static str> {
        let name = key
            .as_keyword()
            .filter(|k| k.namespace.is_none())
            .and_then(|k| KEYS.iter().copied().find(|n| *n == k.name))
            .ok_or_else(|| {
                error_at(
                    key,
                    format!(
                        "unknown query key {}; expected one of :{}",
                        show(key),
                        KEYS.join(" :")
                    ),
                )
            })?;
        Ok(name)
    };
    match &form.kind {
        SpannedKind::Vector(items) => {
            for item in items {
                if item.as_keyword().is_some() {
                    let name = key_name(item)?;
                    out.push((
                        name,
                        Section {
                            key: item,
                            items: Vec::new(),
                        },
                    ));
                } else if let Some((_, section)) = out.last_mut() {
                    section.items.push(item);
                } else {
                    return Err(error_at(
                        item,
                        format!("a query must start with :find, found {}", show(item)),
                    ));
                }
            }
        }
        SpannedKind::Map(entries) => {
            for (key, value) in entries {
                let name = key_name(key)?;
                let items = if single_valued(name) {
                    vec![value]
                } else {
                    match &value.kind {
                        SpannedKind::Vector(items) => items.iter().collect(),
                        _ => {
                            return Err(error_at(
                                value,
                                format!(
                                    "the value of :{name} must be a vector, got {} {}",
                                    value.type_name(),
                                    show(value)
                                ),
                            ))
                        }
                    }
                };
                out.push((name, Section { key, items }));
            }
        }
        _ => {
            return Err(error_at(
                form,
                format!(
                    "a query must be a vector or a map, got {} {}",
                    form.type_name(),
                    show(form)
                ),
            ))
        }
    }
    for (i, (name, section)) in out.iter().enumerate() {
        if out[..i].iter().any(|(n, _)| n == name) {
            return Err(error_at(section.key, format!("repeated query key :{name}")));
        }
    }
    Ok(out)
}

/// Parses the query form (without the binding checks).
pub(super) fn parse_query_shape(form: &SpannedEdn) -> Result<Query> {
    let sections = sections(form)?;
    let get = |name: &str| sections.iter().find(|(n, _)| *n == name).map(|(_, s)| s);

    let find_section = get("find")
        .ok_or_else(|| error_at(form, format!("query has no :find in {}", show(form))))?;
    let find = parse_find(find_section)?;

    let return_map = parse_return_map(&sections, &find)?;
    let with = match get("with") {
        Some(section) => section
            .items
            .iter()
            .map(|item| {
                as_var(item).ok_or_else(|| {
                    error_at(item, format!(":with takes variables, got {}", show(item)))
                })
            })
            .collect::<Result<Vec<Var>>>()?,
        None => Vec::new(),
    };
    let inputs = match get("in") {
        Some(section) => section
            .items
            .iter()
            .map(|item| inputs::parse_input(item))
            .collect::<Result<Vec<_>>>()?,
        // Datomic's default: the query reads one database.
        None => vec![Input::Src(SrcVar("$".to_owned()))],
    };
    let where_clauses = match get("where") {
        Some(section) => section
            .items
            .iter()
            .map(|item| clauses::parse_clause(item))
            .collect::<Result<Vec<_>>>()?,
        None => Vec::new(),
    };
    let order_by = match get("order-by") {
        Some(section) => parse_order_by(section, find.elements())?,
        None => Vec::new(),
    };
    let limit = match get("limit") {
        Some(section) => Some(parse_limit(section)?),
        None => None,
    };
    check_counts(&find, &inputs, form.pos)?;
    check_pattern_inputs(&find, &inputs, form.pos)?;
    check_distinct_names(&find, &with, &inputs, &sections, find_section.key)?;
    let query = Query {
        find,
        return_map,
        with,
        inputs,
        where_clauses,
        order_by,
        limit,
        pos: form.pos,
    };
    let bound = binding::check_query(&query)?;
    // Checked on the forms rather than the AST so the error points at the
    // element that names the variable.
    for (name, section) in [("find", get("find")), ("with", get("with"))] {
        for item in section.map(|s| s.items.as_slice()).unwrap_or_default() {
            check_bound(item, item, name, &bound)?;
        }
    }
    Ok(query)
}

/// Each `:in` name once (`$`, `%`, every variable), each `:with` variable once and not also a
/// `:find` variable (Datomic refuses both: a repeated input would silently unify its
/// arguments, a `:with` variable in `:find` means nothing).
fn check_distinct_names(
    find: &FindSpec,
    with: &[Var],
    inputs: &[Input],
    sections: &[(&str, Section<'_>)],
    find_key: &SpannedEdn,
) -> Result<()> {
    // The section's keyword when it is written (a default :in repeats nothing).
    let fail = |section: &str, message: String| match sections.iter().find(|(n, _)| *n == section) {
        Some((_, s)) => error_at(s.key, message),
        None => error_at(find_key, message),
    };
    let mut names: Vec<String> = Vec::new();
    for input in inputs {
        let own: Vec<String> = match input {
            Input::Src(s) => vec![s.to_string()],
            Input::Rules => vec!["%".into()],
            Input::Binding(b) => b.vars().into_iter().map(Var::to_string).collect(),
            Input::Pattern(name) => vec![name.clone()],
        };
        for name in own {
            if names.contains(&name) {
                return Err(fail("in", format!("{name} appears twice in :in")));
            }
            names.push(name);
        }
    }
    // (An aggregate's variable may also be a :with variable: pointless, but harmless.)
    let found: BTreeSet<&Var> = find
        .elements()
        .iter()
        .filter_map(|e| match e {
            FindElem::Var(v) => Some(v),
            FindElem::Pull(p) => Some(&p.var),
            FindElem::Aggregate(_) => None,
        })
        .collect();
    let mut seen: BTreeSet<&Var> = BTreeSet::new();
    for v in with {
        if found.contains(v) {
            return Err(fail("with", format!("{v} is in both :find and :with")));
        }
        if !seen.insert(v) {
            return Err(fail("with", format!("{v} appears twice in :with")));
        }
    }
    Ok(())
}

/// Errors if a variable in `form` (a `:find`/`:with` element, searched
/// recursively) is not in `bound`.
fn check_bound(
    form: &SpannedEdn,
    element: &SpannedEdn,
    section: &str,
    bound: &BTreeSet<Var>,
) -> Result<()> {
    if let Some(var) = as_var(form) {
        if !bound.contains(&var) {
            return Err(error_at(
                element,
                format!(
                    "unbound variable {var} in :{section} element {} (no :in input or :where clause binds it)",
                    show(element)
                ),
            ));
        }
    }
    for child in form.as_seq().unwrap_or_default() {
        // Inside a tuple/collection find spec each element is its own.
        let element = if matches!(form.kind, SpannedKind::Vector(_)) {
            child
        } else {
            element
        };
        check_bound(child, element, section, bound)?;
    }
    Ok(())
}

/// The section's single value, or an error naming the key.
fn single<'a>(section: &Section<'a>) -> Result<&'a SpannedEdn> {
    match section.items.as_slice() {
        [one] => Ok(one),
        items => Err(error_at(
            section.key,
            format!(
                "{} takes exactly one value, got {}",
                show(section.key),
                items.len()
            ),
        )),
    }
}

/// `:find` elements → the find spec.
fn parse_find(section: &Section<'_>) -> Result<FindSpec> {
    match section.items.as_slice() {
        [] => Err(error_at(
            section.key,
            ":find is empty; name at least one variable in :find",
        )),
        [elem, dot] if dot.is_symbol_named(".") => Ok(FindSpec::Scalar(parse_find_elem(elem)?)),
        [SpannedEdn {
            kind: SpannedKind::Vector(items),
            ..
        }] => {
            let vector = section.items[0];
            match items.as_slice() {
                [elem, dots] if dots.is_symbol_named("...") => {
                    Ok(FindSpec::Coll(parse_find_elem(elem)?))
                }
                [] => Err(error_at(
                    vector,
                    format!("empty tuple find spec {}", show(vector)),
                )),
                _ => Ok(FindSpec::Tuple(
                    items.iter().map(parse_find_elem).collect::<Result<_>>()?,
                )),
            }
        }
        items => Ok(FindSpec::Rel(
            items
                .iter()
                .map(|item| parse_find_elem(item))
                .collect::<Result<_>>()?,
        )),
    }
}

/// `(pull ?e pattern)` or `(pull $src ?e pattern)`; the pattern written in the query or the
/// name of a pattern input.
fn parse_pull_elem(form: &SpannedEdn, items: &[SpannedEdn]) -> Result<FindElem> {
    let (src, rest) = match items.get(1).and_then(as_src) {
        Some(src) => (Some(src), &items[2..]),
        None => (None, &items[1..]),
    };
    let [var, pattern] = rest else {
        return Err(error_at(
            form,
            format!(
                "pull takes an entity variable and a pattern, as in (pull ?e [*]), got {}",
                show(form)
            ),
        ));
    };
    let Some(var) = as_var(var) else {
        return Err(error_at(
            var,
            format!(
                "pull's entity must be a variable, got {} in {}",
                show(var),
                show(form)
            ),
        ));
    };
    let pattern = match pattern.as_symbol() {
        Some(s) if s.namespace.is_none() && !s.name.starts_with(['?', '$']) => {
            PullSource::Input(s.name.clone())
        }
        _ => PullSource::Literal(
            crate::pull::pull_pattern(&pattern.to_edn())
                .map_err(|e| error_at(pattern, e.to_string()))?,
        ),
    };
    Ok(FindElem::Pull(PullElem { src, var, pattern }))
}

/// A variable, an aggregate call or a pull.
fn parse_find_elem(form: &SpannedEdn) -> Result<FindElem> {
    if let Some(var) = as_var(form) {
        return Ok(FindElem::Var(var));
    }
    if let SpannedKind::List(items) = &form.kind {
        let name = items.first().and_then(|f| f.as_symbol());
        let Some(name) = name else {
            return Err(error_at(
                form,
                format!("an aggregate must start with its name in {}", show(form)),
            ));
        };
        let name = name.to_string();
        if name == "pull" {
            return parse_pull_elem(form, items);
        }
        let spec = aggregate_named(&name)
            .ok_or_else(|| error_at(form, format!("unknown aggregate {name} in {}", show(form))))?;
        let takes = |n: usize| {
            format!(
                "aggregate {name} takes {n} argument{}, got {} in {}",
                if n == 1 { "" } else { "s" },
                items.len() - 1,
                show(form)
            )
        };
        return match items.get(1..).unwrap_or_default() {
            [arg] => {
                let Some(func) = spec.one else {
                    return Err(error_at(
                        form,
                        format!(
                            "{name} takes a count and a variable, as in ({name} 3 ?x), got {}",
                            show(form)
                        ),
                    ));
                };
                match as_var(arg) {
                    Some(arg) => Ok(FindElem::Aggregate(Aggregate { func, n: None, arg })),
                    None => Err(error_at(
                        arg,
                        format!(
                            "aggregate {name} takes a variable, got {} in {}",
                            show(arg),
                            show(form)
                        ),
                    )),
                }
            }
            [n, arg] => {
                let Some(func) = spec.with_n else {
                    return Err(error_at(form, takes(1)));
                };
                let count = match &n.kind {
                    SpannedKind::Long(k) => u64::try_from(*k).ok().map(AggregateCount::Const),
                    _ => as_var(n).map(AggregateCount::Var),
                };
                let (Some(n), Some(arg)) = (count, as_var(arg)) else {
                    return Err(error_at(
                        form,
                        format!(
                            "{name} with two arguments takes a count (a non-negative integer \
                             or a scalar :in variable) and a variable, as in ({name} 3 ?x), \
                             got {}",
                            show(form)
                        ),
                    ));
                };
                Ok(FindElem::Aggregate(Aggregate {
                    func,
                    n: Some(n),
                    arg,
                }))
            }
            _ => Err(error_at(
                form,
                takes(if spec.with_n.is_some() { 2 } else { 1 }),
            )),
        };
    }
    Err(error_at(
        form,
        format!(
            "a find element must be a variable or an aggregate, got {}",
            show(form)
        ),
    ))
}

/// `:keys a b` (or `:strs`, `:syms`) → the names; at most one of the three, with a relation
/// or tuple find spec, one name per find element.
fn parse_return_map(
    sections: &[(&'static str, Section<'_>)],
    find: &FindSpec,
) -> Result<Option<ReturnMap>> {
    let mut found = sections.iter().filter_map(|(name, section)| {
        let kind = match *name {
            "keys" => ReturnKind::Keys,
            "strs" => ReturnKind::Strs,
            "syms" => ReturnKind::Syms,
            _ => return None,
        };
        Some((kind, section))
    });
    let Some((kind, section)) = found.next() else {
        return Ok(None);
    };
    if let Some((other, second)) = found.next() {
        return Err(error_at(
            second.key,
            format!(
                "a query takes one of :keys, :strs and :syms, got :{} and :{}",
                kind.key(),
                other.key()
            ),
        ));
    }
    let key = kind.key();
    if matches!(find, FindSpec::Scalar(_) | FindSpec::Coll(_)) {
        return Err(error_at(
            section.key,
            format!(
                ":{key} needs a relation or tuple find spec (:find ?a ?b or :find [?a ?b]), \
                 not a scalar or collection one"
            ),
        ));
    }
    let names = section
        .items
        .iter()
        .map(|item| match item.as_symbol() {
            Some(sym) if !sym.name.starts_with('?') => Ok(sym.to_string()),
            _ => Err(error_at(
                item,
                format!(":{key} takes plain symbols, got {}", show(item)),
            )),
        })
        .collect::<Result<Vec<_>>>()?;
    let n_find = find.elements().len();
    if names.len() != n_find {
        return Err(error_at(
            section.key,
            format!(
                ":{key} names {} keys but :find has {} elements in :{key} {}",
                names.len(),
                n_find,
                names.join(" ")
            ),
        ));
    }
    Ok(Some(ReturnMap { kind, names }))
}

/// Pattern inputs and pulls agree: every `(pull ?e name)` names a pattern input of `:in`, and
/// every pattern input is read by a pull (a plain symbol in `:in` that no pull reads is most
/// likely a mistyped variable).
fn check_pattern_inputs(find: &FindSpec, inputs: &[Input], pos: crate::ast::Pos) -> Result<()> {
    let pulled: Vec<&str> = find
        .elements()
        .iter()
        .filter_map(|e| match e {
            FindElem::Pull(PullElem {
                pattern: PullSource::Input(name),
                ..
            }) => Some(name.as_str()),
            _ => None,
        })
        .collect();
    for name in &pulled {
        if !inputs
            .iter()
            .any(|i| matches!(i, Input::Pattern(n) if n == name))
        {
            return Err(crate::error::QueryError::invalid(
                format!("(pull ?e {name}) reads the pattern input {name}, which :in does not declare (:in $ {name})"),
                pos,
            ));
        }
    }
    for input in inputs {
        if let Input::Pattern(name) = input {
            if !pulled.contains(&name.as_str()) {
                return Err(crate::error::QueryError::invalid(
                    format!(
                        ":in {name} is a pattern input (a plain symbol), but no (pull ?e {name}) in :find reads it; variables start with ?"
                    ),
                    pos,
                ));
            }
        }
    }
    Ok(())
}

/// The count variable of `(max ?n ?x)` must be bound by a scalar `:in` input: one value for
/// the whole query.
fn check_counts(find: &FindSpec, inputs: &[Input], pos: crate::ast::Pos) -> Result<()> {
    for elem in find.elements() {
        if let FindElem::Aggregate(
            a @ Aggregate {
                n: Some(AggregateCount::Var(v)),
                ..
            },
        ) = elem
        {
            let scalar = inputs
                .iter()
                .any(|i| matches!(i, Input::Binding(Binding::Scalar(BindVar::Var(x))) if x == v));
            if !scalar {
                return Err(crate::error::QueryError::invalid(
                    format!(
                        "the count {v} of {a} must be an integer or a variable bound by a \
                         scalar :in input (:in $ {v})"
                    ),
                    pos,
                ));
            }
        }
    }
    Ok(())
}

/// `:order-by [[?x :asc] [?y :desc]]`, `[?x :desc ?y]` or `[?x ?y]`.
fn parse_order_by(section: &Section<'_>, find: &[FindElem]) -> Result<Vec<OrderBy>> {
    let value = single(section)?;
    let items = match &value.kind {
        SpannedKind::Vector(items) => items,
        _ => {
            return Err(error_at(
                value,
                format!(":order-by must be a vector, got {}", show(value)),
            ))
        }
    };
    let direction = |form: &SpannedEdn| {
        if form.is_keyword_named(":asc") {
            Some(Direction::Asc)
        } else if form.is_keyword_named(":desc") {
            Some(Direction::Desc)
        } else {
            None
        }
    };
    let column = |var: &Var, form: &SpannedEdn| {
        find.iter()
            .position(|e| !e.is_aggregate() && e.var() == var)
            .ok_or_else(|| {
                error_at(
                    form,
                    format!(
                        ":order-by variable {var} is not a variable of :find in {}",
                        show(value)
                    ),
                )
            })
    };
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(item) = items.get(i) {
        i += 1;
        let (var, dir) = if let Some(var) = as_var(item) {
            // A bare variable, optionally followed by its direction.
            match items.get(i).and_then(direction) {
                Some(dir) => {
                    i += 1;
                    (var, dir)
                }
                None => (var, Direction::Asc),
            }
        } else {
            match &item.kind {
                SpannedKind::Vector(pair) => match pair.as_slice() {
                    [v, d] => match (as_var(v), direction(d)) {
                        (Some(var), Some(dir)) => (var, dir),
                        _ => return Err(bad_order(item)),
                    },
                    [v] => match as_var(v) {
                        Some(var) => (var, Direction::Asc),
                        None => return Err(bad_order(item)),
                    },
                    _ => return Err(bad_order(item)),
                },
                _ => return Err(bad_order(item)),
            }
        };
        let column = column(&var, item)?;
        out.push(OrderBy { var, column, dir });
    }
    Ok(out)
}

/// A malformed `:order-by` entry.
fn bad_order(item: &SpannedEdn) -> crate::error::QueryError {
    error_at(
        item,
        format!(
            ":order-by entries are ?var, [?var :asc] or [?var :desc], got {}",
            show(item)
        ),
    )
}

/// `:limit N` with N a non-negative integer.
fn parse_limit(section: &Section<'_>) -> Result<u64> {
    let value = single(section)?;
    match value.kind {
        SpannedKind::Long(n) if n >= 0 => Ok(n.unsigned_abs()),
        _ => Err(error_at(
            value,
            format!(":limit must be a non-negative integer, got {}", show(value)),
        )),
    }
}
