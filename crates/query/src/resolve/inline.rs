//! Rules evaluated at the call: a rule whose body computes from its arguments (`(age ?born
//! ?today ?age)` with `[(year ?born) ?by]` in the body) has no meaning bottom-up, where the
//! rule's relation is computed before any call binds `?born`. Datomic and DataScript evaluate
//! such a rule with the caller's bindings; here a call of one is replaced by its definitions,
//! as an `or-join` over the call's variables whose branches are the renamed bodies — exactly
//! what evaluating the rule at the call means, and both evaluators share it.
//!
//! Only rules that need it are inlined (a definition needs a head variable that its body does
//! not bind) and only when they are not recursive: a recursive rule keeps the bottom-up
//! fixpoint, and one that also needs its arguments fails there naming the unbound variable.

use std::collections::{BTreeMap, BTreeSet};

use crate::ast::{
    BindVar, Binding, Call, Clause, ClauseKind, FnArg, Pattern, Rule, RuleVars, Term, Var,
};
use crate::rows::{needed, produced, rule_calls};

/// The names of the rules to inline: some definition needs a head variable its body does not
/// bind, and the rule does not reach itself through calls.
pub(crate) fn call_time(rules: &[Rule]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for rule in rules {
        let head: BTreeSet<&Var> = rule.vars.all().collect();
        let bound: BTreeSet<Var> = rule.body.iter().flat_map(produced).collect();
        let needs = rule
            .body
            .iter()
            .flat_map(needed)
            .any(|v| head.contains(&v) && !bound.contains(&v));
        if needs && !recursive(&rule.name, rules) {
            out.insert(rule.name.clone());
        }
    }
    out
}

/// Whether rule `name` calls itself, directly or through other rules.
fn recursive(name: &str, rules: &[Rule]) -> bool {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut todo: Vec<&str> = calls_of(name, rules);
    while let Some(n) = todo.pop() {
        if n == name {
            return true;
        }
        if seen.insert(n) {
            todo.extend(calls_of(n, rules));
        }
    }
    false
}

fn calls_of<'r>(name: &str, rules: &'r [Rule]) -> Vec<&'r str> {
    rules
        .iter()
        .filter(|r| r.name == name)
        .flat_map(|r| rule_calls(&r.body).into_iter().map(|(n, _, _)| n))
        .collect()
}

/// `clauses` with every call of a rule in `inline` replaced (`None` when there is none).
pub(crate) fn clauses(
    clauses: &[Clause],
    rules: &[Rule],
    inline: &BTreeSet<String>,
    fresh: &mut u32,
) -> Option<Vec<Clause>> {
    if inline.is_empty()
        || !rule_calls(clauses)
            .iter()
            .any(|(n, _, _)| inline.contains(*n))
    {
        return None;
    }
    Some(
        clauses
            .iter()
            .map(|c| clause(c, rules, inline, fresh))
            .collect(),
    )
}

fn clause(c: &Clause, rules: &[Rule], inline: &BTreeSet<String>, fresh: &mut u32) -> Clause {
    let nested = |cs: &[Clause], fresh: &mut u32| {
        clauses(cs, rules, inline, fresh).unwrap_or_else(|| cs.to_vec())
    };
    let kind = match &c.kind {
        ClauseKind::RuleCall { src, name, args } if inline.contains(name) => {
            let branches = rules
                .iter()
                .filter(|r| &r.name == name)
                .map(|r| {
                    let body = expand(r, args, fresh);
                    let body = nested(&body, fresh);
                    Clause {
                        kind: ClauseKind::And(body),
                        pos: r.pos,
                        form: r.form.clone(),
                    }
                })
                .collect();
            let mut join: Vec<Var> = Vec::new();
            for a in args {
                if let Term::Var(v) = a {
                    if !join.contains(v) {
                        join.push(v.clone());
                    }
                }
            }
            ClauseKind::Or {
                src: src.clone(),
                join: Some(RuleVars {
                    required: Vec::new(),
                    free: join,
                }),
                branches,
            }
        }
        ClauseKind::Not {
            src,
            join_vars,
            clauses: body,
        } => ClauseKind::Not {
            src: src.clone(),
            join_vars: join_vars.clone(),
            clauses: nested(body, fresh),
        },
        ClauseKind::Or {
            src,
            join,
            branches,
        } => ClauseKind::Or {
            src: src.clone(),
            join: join.clone(),
            branches: nested(branches, fresh),
        },
        ClauseKind::And(body) => ClauseKind::And(nested(body, fresh)),
        other => other.clone(),
    };
    Clause {
        kind,
        pos: c.pos,
        form: c.form.clone(),
    }
}

/// The body of definition `r` for a call with `args`: head variables renamed to the call's
/// variables (a constant or `_` argument to a fresh variable, a constant bound with `ground`),
/// every other variable of the body to a fresh one.
fn expand(r: &Rule, args: &[Term], fresh: &mut u32) -> Vec<Clause> {
    *fresh += 1;
    let n = *fresh;
    let local = |v: &Var| Var(format!("{}~{}#{n}", v.0, r.name));
    let mut names: BTreeMap<Var, Var> = BTreeMap::new();
    let mut grounds = Vec::new();
    for (h, a) in r.vars.all().zip(args) {
        match a {
            Term::Var(v) => {
                names.insert(h.clone(), v.clone());
            }
            Term::Const(c) => {
                let v = local(h);
                grounds.push(Clause {
                    kind: ClauseKind::Fn {
                        call: Call {
                            func: "ground".into(),
                            args: vec![FnArg::Const(c.clone())],
                        },
                        binding: Binding::Scalar(BindVar::Var(v.clone())),
                    },
                    pos: r.pos,
                    form: format!(
                        "[(ground {}) {v}]",
                        crate::resolve::lookup::show_constant(c)
                    ),
                });
                names.insert(h.clone(), v);
            }
            _ => {
                names.insert(h.clone(), local(h));
            }
        }
    }
    let mut rename =
        |v: &Var| -> Var { names.entry(v.clone()).or_insert_with(|| local(v)).clone() };
    grounds
        .into_iter()
        .chain(r.body.iter().map(|c| renamed(c, &mut rename)))
        .collect()
}

fn renamed(c: &Clause, f: &mut dyn FnMut(&Var) -> Var) -> Clause {
    let term = |t: &Term, f: &mut dyn FnMut(&Var) -> Var| match t {
        Term::Var(v) => Term::Var(f(v)),
        other => other.clone(),
    };
    let vars = |vs: &[Var], f: &mut dyn FnMut(&Var) -> Var| vs.iter().map(&mut *f).collect();
    let kind = match &c.kind {
        ClauseKind::Pattern(p) => ClauseKind::Pattern(Pattern {
            src: p.src.clone(),
            e: term(&p.e, f),
            a: term(&p.a, f),
            v: term(&p.v, f),
            tx: term(&p.tx, f),
            added: term(&p.added, f),
        }),
        ClauseKind::Pred(call) => ClauseKind::Pred(renamed_call(call, f)),
        ClauseKind::Fn { call, binding } => ClauseKind::Fn {
            call: renamed_call(call, f),
            binding: renamed_binding(binding, f),
        },
        ClauseKind::Not {
            src,
            join_vars,
            clauses,
        } => ClauseKind::Not {
            src: src.clone(),
            join_vars: join_vars.as_ref().map(|vs| vars(vs, f)),
            clauses: clauses.iter().map(|c| renamed(c, f)).collect(),
        },
        ClauseKind::Or {
            src,
            join,
            branches,
        } => ClauseKind::Or {
            src: src.clone(),
            join: join.as_ref().map(|j| RuleVars {
                required: vars(&j.required, f),
                free: vars(&j.free, f),
            }),
            branches: branches.iter().map(|c| renamed(c, f)).collect(),
        },
        ClauseKind::And(cs) => ClauseKind::And(cs.iter().map(|c| renamed(c, f)).collect()),
        ClauseKind::RuleCall { src, name, args } => ClauseKind::RuleCall {
            src: src.clone(),
            name: name.clone(),
            args: args.iter().map(|a| term(a, f)).collect(),
        },
    };
    Clause {
        kind,
        pos: c.pos,
        form: c.form.clone(),
    }
}

fn renamed_call(call: &Call, f: &mut dyn FnMut(&Var) -> Var) -> Call {
    Call {
        func: call.func.clone(),
        args: call
            .args
            .iter()
            .map(|a| match a {
                FnArg::Var(v) => FnArg::Var(f(v)),
                other => other.clone(),
            })
            .collect(),
    }
}

fn renamed_binding(b: &Binding, f: &mut dyn FnMut(&Var) -> Var) -> Binding {
    let bind_var = |b: &BindVar, f: &mut dyn FnMut(&Var) -> Var| match b {
        BindVar::Var(v) => BindVar::Var(f(v)),
        BindVar::Blank => BindVar::Blank,
    };
    match b {
        Binding::Scalar(v) => Binding::Scalar(bind_var(v, f)),
        Binding::Coll(inner) => Binding::Coll(Box::new(renamed_binding(inner, f))),
        Binding::Tuple(bs) => Binding::Tuple(bs.iter().map(|b| renamed_binding(b, f)).collect()),
        Binding::Rel(bs) => Binding::Rel(bs.iter().map(|b| renamed_binding(b, f)).collect()),
    }
}
