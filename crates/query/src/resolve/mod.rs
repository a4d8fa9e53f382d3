//! Names against the snapshot, once per query: every ident a query writes is checked against
//! the schema, and the constants that name entities are turned into entity ids.
//!
//! - An attribute written in a pattern (`[?m :movie/yeer 1987]`) or as an attribute argument
//!   of `get-else`, `get-some` or `missing?` must exist: an unknown one is an error naming it
//!   and the clause (with its position), never an empty result — as in Datomic.
//! - An ident or lookup ref `[:attr value]` written where an entity is expected (a pattern's
//!   entity or transaction, the value of a reference attribute, the entity argument of those
//!   functions) is resolved here to the entity id: an unknown ident or a lookup ref matching no
//!   entity is an error naming it.
//!
//! The query and the rules are rewritten only when something is resolved (a borrowed query
//! otherwise). Values bound at run time are resolved elsewhere: inputs when they are bound
//! ([`crate::inputs`]), keywords that clauses bind in the attribute position per step
//! (`exec::idents`, and the naive evaluator per row). A keyword a clause binds (an ident read
//! as a value) names no entity in an entity position: resolving it there would make the answer
//! depend on which clause ran first.

pub(crate) mod closure;
pub(crate) mod demand;
mod inline;
pub(crate) mod lookup;
pub(crate) mod usage;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use datolite_store::{Attribute, Db, Value, ValueType};

use crate::ast::{Call, Clause, ClauseKind, Constant, FnArg, Pattern, Query, Rule, Term};
use crate::error::{QueryError, Result};
use crate::functions::FnVal;
use crate::functions::{builtin, constant, role, Kind, Role};
use crate::sources::Sources;
use lookup::{attribute_by_id, attribute_named, ident_entity, lookup_ref_constant, show_constant};

/// `query` with its names checked and its entity constants resolved, each clause against the
/// source it reads (see [`crate::sources`]).
pub(crate) fn query<'q>(sources: &Sources, q: &'q Query) -> Result<Cow<'q, Query>> {
    Ok(match clauses(sources, &q.where_clauses)? {
        None => Cow::Borrowed(q),
        Some(where_clauses) => Cow::Owned(Query {
            where_clauses,
            ..q.clone()
        }),
    })
}

/// A rule set resolved against one snapshot. A rule that names something unknown is kept as
/// written with its error, which is reported only when a query reaches the rule (an unused
/// rule in a shared rule set is not the query's mistake).
pub(crate) struct Rules<'r> {
    /// The rules, resolved where that succeeded.
    pub rules: Cow<'r, [Rule]>,
    /// Rule name → the first error of one of its definitions.
    errors: Vec<(String, QueryError)>,
    /// The rules evaluated at their calls (see [`inline`]).
    inline: BTreeSet<String>,
    /// The rules that are transitive closures (see [`closure`]).
    pub closures: BTreeMap<String, closure::Closure>,
    /// The recursive rules a call binding arguments evaluates on demand (see [`demand`]).
    pub demand: BTreeSet<String>,
}

impl Rules<'_> {
    /// `query` with its calls of rules that are evaluated at the call replaced by their
    /// definitions (see [`inline`]).
    pub(crate) fn inline_query<'q>(&self, query: &'q Query) -> Cow<'q, Query> {
        let mut fresh = 0;
        match inline::clauses(&query.where_clauses, &self.rules, &self.inline, &mut fresh) {
            None => Cow::Borrowed(query),
            Some(where_clauses) => Cow::Owned(Query {
                where_clauses,
                ..query.clone()
            }),
        }
    }

    /// The error of the first of `names` whose definition names something unknown.
    pub(crate) fn check(&self, names: &BTreeSet<String>) -> Result<()> {
        match self.errors.iter().find(|(n, _)| names.contains(n)) {
            Some((_, e)) => Err(e.clone()),
            None => Ok(()),
        }
    }
}

/// `rules` resolved against their sources.
pub(crate) fn rules<'r>(sources: &Sources, rules: &'r [Rule]) -> Rules<'r> {
    let mut out: Option<Vec<Rule>> = None;
    let mut errors = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        match clauses(sources, &rule.body) {
            Ok(None) => {}
            Ok(Some(body)) => {
                if let Some(r) = out.get_or_insert_with(|| rules.to_vec()).get_mut(i) {
                    r.body = body;
                }
            }
            Err(e) => {
                if !errors
                    .iter()
                    .any(|(n, _): &(String, QueryError)| *n == rule.name)
                {
                    errors.push((rule.name.clone(), e));
                }
            }
        }
    }
    let mut rules = out.map_or(Cow::Borrowed(rules), Cow::Owned);
    let inline = inline::call_time(&rules);
    if !inline.is_empty() {
        // Rule bodies that call them get the definitions too (fresh names never clash: the
        // counter runs across every expansion).
        let mut fresh = 0;
        let snapshot: Vec<Rule> = rules.to_vec();
        let owned = rules.to_mut();
        for rule in owned.iter_mut() {
            if let Some(body) = inline::clauses(&rule.body, &snapshot, &inline, &mut fresh) {
                rule.body = body;
            }
        }
    }
    let closures = closure::closures(&rules);
    let demand = demand::eligible(&rules);
    Rules {
        demand,
        rules,
        errors,
        inline,
        closures,
    }
}

/// The clauses, rewritten if any of them is (`None` when none changes).
fn clauses(sources: &Sources, cs: &[Clause]) -> Result<Option<Vec<Clause>>> {
    let mut out: Option<Vec<Clause>> = None;
    for (i, c) in cs.iter().enumerate() {
        if let Some(new) = clause(sources, c)? {
            if let Some(slot) = out.get_or_insert_with(|| cs.to_vec()).get_mut(i) {
                *slot = new;
            }
        }
    }
    Ok(out)
}

/// An error about `c`.
fn at(c: &Clause, msg: impl std::fmt::Display) -> QueryError {
    QueryError::invalid(format!("{msg} in {}", c.form), c.pos)
}

fn clause(sources: &Sources, c: &Clause) -> Result<Option<Clause>> {
    let named = match &c.kind {
        ClauseKind::Pattern(p) => p.src.as_ref(),
        ClauseKind::Pred(call) | ClauseKind::Fn { call, .. } => call.src(),
        ClauseKind::Not { src, .. }
        | ClauseKind::Or { src, .. }
        | ClauseKind::RuleCall { src, .. } => src.as_ref(),
        ClauseKind::And(_) => None,
    };
    sources.check(named).map_err(|m| at(c, m))?;
    let kind = match &c.kind {
        ClauseKind::Pattern(p) => pattern(sources.get(p.src.as_ref()), p)
            .map_err(|m| at(c, m))?
            .map(ClauseKind::Pattern),
        ClauseKind::Pred(call) => call_args(sources.get(call.src()), call)
            .map_err(|m| at(c, m))?
            .map(ClauseKind::Pred),
        ClauseKind::Fn { call, binding } => call_args(sources.get(call.src()), call)
            .map_err(|m| at(c, m))?
            .map(|call| ClauseKind::Fn {
                call,
                binding: binding.clone(),
            }),
        ClauseKind::Not {
            src,
            join_vars,
            clauses: body,
        } => clauses(sources, body)?.map(|body| ClauseKind::Not {
            src: src.clone(),
            join_vars: join_vars.clone(),
            clauses: body,
        }),
        ClauseKind::Or {
            src,
            join,
            branches,
        } => clauses(sources, branches)?.map(|branches| ClauseKind::Or {
            src: src.clone(),
            join: join.clone(),
            branches,
        }),
        ClauseKind::And(body) => clauses(sources, body)?.map(ClauseKind::And),
        ClauseKind::RuleCall { .. } => None,
    };
    Ok(kind.map(|kind| Clause {
        kind,
        pos: c.pos,
        form: c.form.clone(),
    }))
}

/// An entity id as the constant that replaces what named it.
fn id_constant(id: u64) -> Result<Term, String> {
    i64::try_from(id)
        .map(|n| Term::Const(Constant::Long(n)))
        .map_err(|_| format!("entity id {id} is out of range"))
}

/// The replacement of a constant in an entity position (an ident or a lookup ref → its id).
fn entity_term(db: &Db, t: &Term) -> Result<Option<Term>, String> {
    match t {
        Term::Const(Constant::Keyword(k)) => id_constant(ident_entity(db, k)?).map(Some),
        Term::Const(Constant::Vector(items)) => {
            id_constant(lookup_ref_constant(db, items)?).map(Some)
        }
        Term::Const(Constant::Long(_)) => Ok(None),
        Term::Const(other) => Err(format!(
            "an entity position takes an entity id, an ident or a lookup ref, got {}",
            show_constant(other)
        )),
        _ => Ok(None),
    }
}

/// The pattern with its entity constants resolved (`None` if nothing changes); its attribute
/// must exist.
fn pattern(db: &Db, p: &Pattern) -> Result<Option<Pattern>, String> {
    let attr: Option<&Attribute> = match &p.a {
        Term::Const(Constant::Keyword(k)) => Some(attribute_named(db, k)?),
        Term::Const(Constant::Long(n)) => Some(attribute_by_id(
            db,
            u64::try_from(*n).map_err(|_| format!("entity {n} is not an attribute"))?,
        )?),
        Term::Const(other) => {
            return Err(format!(
                "the attribute position takes an attribute (a keyword or an id), got {}",
                show_constant(other)
            ))
        }
        _ => None,
    };
    let mut out: Option<Pattern> = None;
    if let Some(e) = entity_term(db, &p.e)? {
        out.get_or_insert_with(|| p.clone()).e = e;
    }
    if let Some(tx) = entity_term(db, &p.tx)? {
        out.get_or_insert_with(|| p.clone()).tx = tx;
    }
    let v = match (&p.v, attr) {
        (Term::Const(Constant::Keyword(k)), Some(a)) if a.is_ref() => {
            Some(id_constant(ident_entity(db, k)?)?)
        }
        (Term::Const(Constant::Vector(items)), Some(a)) if a.is_ref() => {
            Some(id_constant(lookup_ref_constant(db, items)?)?)
        }
        (Term::Const(Constant::Vector(items)), Some(a)) if a.value_type == ValueType::Tuple => {
            Some(Term::Const(Constant::Value(tuple_constant(db, a, items)?)))
        }
        (Term::Const(c @ Constant::Vector(_)), Some(a)) => {
            return Err(format!(
                "{} in the value position is a lookup ref, which needs a reference attribute \
                 (or a tuple, which needs a tuple attribute); :{} holds values of type {}",
                show_constant(c),
                a.ident,
                a.value_type
            ))
        }
        (Term::Const(Constant::Value(Value::Symbol(s))), a)
            if a.is_none_or(|a| a.value_type != ValueType::Symbol) =>
        {
            return Err(format!(
                "the symbol {s} in the value position is a value only for a :db.type/symbol \
                 attribute; write ?{s} for a variable"
            ))
        }
        (Term::Const(c @ Constant::Vector(_)), None) => {
            return Err(format!(
                "the lookup ref {} in the value position needs the pattern's attribute written \
                 as a constant reference attribute",
                show_constant(c)
            ))
        }
        _ => None,
    };
    if let Some(v) = v {
        out.get_or_insert_with(|| p.clone()).v = v;
    }
    Ok(out)
}

/// The forward attribute a reverse name stands for (`:person/_friends` → `person/friends`,
/// `:_parent` → `parent`), if it is one.
pub(crate) fn reverse_attribute(ident: &str) -> Option<String> {
    match ident.split_once('/') {
        Some((ns, name)) => name.strip_prefix('_').map(|n| format!("{ns}/{n}")),
        None => ident.strip_prefix('_').map(str::to_string),
    }
    .filter(|forward| !forward.ends_with('/') && !forward.is_empty())
}

/// The tuple a vector constant stands for in the value position of tuple attribute `a`: each
/// element converted to the attribute's element type by exact value (`[1 "x"]` for a
/// `[:db.type/ref :db.type/string]` composite is `[Ref 1 "x"]`), `nil` kept.
fn tuple_constant(db: &Db, a: &Attribute, items: &[Constant]) -> Result<Value, String> {
    let mut elements = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let value = match constant(item) {
            FnVal::Nil => None,
            FnVal::One(v) => {
                let wanted = db.schema().element_type(a, i).ok_or_else(|| {
                    format!("{} has no element {i} in :{}", show_constant(item), a.ident)
                })?;
                Some(element_as(&v, wanted).ok_or_else(|| {
                    format!(
                        "element {i} of the tuple for :{} is a {}, got {}",
                        a.ident, wanted, v
                    )
                })?)
            }
            _ => return Err(format!("a tuple holds values, got {}", show_constant(item))),
        };
        elements.push(value);
    }
    Ok(Value::Tuple(elements))
}

/// `v` as a value of type `t` equal to it (numbers by exact value, ids for refs), if any.
pub(crate) fn element_as(v: &Value, t: ValueType) -> Option<Value> {
    if v.value_type() == t {
        return Some(v.clone());
    }
    let n = crate::numeric::Num::of(v)?;
    match t {
        ValueType::Ref => n
            .to_i128()
            .and_then(|i| u64::try_from(i).ok())
            .map(Value::Ref),
        ValueType::Long => n
            .to_i128()
            .and_then(|i| i64::try_from(i).ok())
            .map(Value::Long),
        ValueType::Double => n.to_exact_f64().map(Value::Double),
        ValueType::Float => n
            .to_exact_f64()
            .filter(|d| f64::from(*d as f32) == *d)
            .map(|d| Value::Float(d as f32)),
        ValueType::BigInt => n.to_bigint().map(Value::big_int),
        ValueType::BigDec => n.to_bigdec().map(Value::big_dec),
        _ => None,
    }
}

/// A call with the entity constants of a database function resolved (`None` if nothing
/// changes); its attribute constants must exist.
fn call_args(db: &Db, call: &Call) -> Result<Option<Call>, String> {
    if !builtin(&call.func).is_some_and(|b| b.kind == Kind::Database) {
        return Ok(None);
    }
    let mut out: Option<Call> = None;
    for (i, a) in call.args.iter().enumerate() {
        let FnArg::Const(c) = a else { continue };
        match role(&call.func, i) {
            Role::Entity => {
                if let Some(Term::Const(id)) = entity_term(db, &Term::Const(c.clone()))? {
                    if let Some(slot) = out.get_or_insert_with(|| call.clone()).args.get_mut(i) {
                        *slot = FnArg::Const(id);
                    }
                }
            }
            Role::Attribute => match c {
                // `(missing? $ ?e :_parent)`: no entity refers to ?e through :parent.
                Constant::Keyword(k)
                    if call.func == "missing?" && db.schema().attribute_named(k).is_none() =>
                {
                    match reverse_attribute(k) {
                        Some(forward) => {
                            let a = attribute_named(db, &forward)?;
                            if !a.is_ref() {
                                return Err(format!(
                                    "the reverse attribute :{k} needs a reference attribute, \
                                     and :{forward} holds values of type {}",
                                    a.value_type
                                ));
                            }
                        }
                        None => {
                            attribute_named(db, k)?;
                        }
                    }
                }
                Constant::Keyword(k) => {
                    attribute_named(db, k)?;
                }
                other => {
                    return Err(format!(
                        "{} takes attribute keywords, got {}",
                        call.func,
                        show_constant(other)
                    ))
                }
            },
            Role::Source | Role::Other => {}
        }
    }
    Ok(out)
}
