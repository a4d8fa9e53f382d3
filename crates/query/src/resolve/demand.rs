//! Demand-driven evaluation of recursive rules: the magic-sets rewrite (`docs/design.md`,
//! §8.5 Rules).
//!
//! A call of a recursive rule `r` that binds some arguments needs only the tuples of `r` that
//! agree with the bound values, yet the bottom-up fixpoint computes all of `r`. The rewrite
//! turns the rules of `r`'s recursive component into rules that compute only what the call
//! demands, still evaluated bottom-up (semi-naively):
//!
//! - each rule `s` called with the arguments at positions `B` bound gets an **adorned** copy
//!   `s^B` whose definitions start with a call of its **magic** relation `m_s^B` — the values
//!   of the bound arguments that are demanded — over the head variables at `B`;
//! - each call of a component rule `t` inside such a body, at a point where the arguments at
//!   `B'` are bound (constants, variables bound by the head's bound variables or by the
//!   clauses before it), becomes a call of `t^B'`, and a **magic rule** derives the demand
//!   for it: `m_t^B'(args at B') :- m_s^B(...), the clauses before the call`;
//! - the query's call seeds `m_r^B` with the distinct bound values of its input, and reads
//!   `r^B`.
//!
//! The "clauses before the call" (sideways information passing, in written order) are the
//! patterns and rule calls before it that share a variable with what is bound by then, and the
//! predicates and function expressions whose inputs are bound by then; `not`, `or` and `and`
//! are left out. Leaving a clause out only makes a
//! magic relation larger, never wrong: every adorned definition still has all its clauses.
//! A call in the component that binds no argument stays a call of the original rule, whose
//! whole relation is computed first (it is demanded for every value anyway).
//!
//! Invariant: `r^B` holds exactly the tuples of `r` whose arguments at `B` are among the seed
//! values — what joining the call's input with all of `r` uses (the executor-vs-naive property
//! test checks it). Only rules whose component calls all sit at the top level of the bodies
//! (not under `not`, `or`, `and`) and read the default source are rewritten.

use std::collections::BTreeSet;

use crate::ast::{
    BindVar, Binding, Call, Clause, ClauseKind, Constant, FnArg, Rule, RuleVars, Term, Var,
};
use crate::resolve::lookup::show_constant;
use crate::rows::{mentioned, rule_calls, rules_reached};

/// Whether a call argument counts as bound for the rewrite: a variable bound before, or a
/// scalar constant (a keyword may name an entity by its ident, which only the relation's
/// values can tell; it is matched after, as an unbound argument).
pub(crate) fn binds(term: &Term, bound: &BTreeSet<Var>) -> bool {
    match term {
        Term::Var(v) => bound.contains(v),
        Term::Const(c) => !matches!(
            c,
            Constant::Keyword(_) | Constant::Vector(_) | Constant::Nil | Constant::Regex(_)
        ),
        _ => false,
    }
}

/// The rules `name`'s definitions reach (`name` itself only if a cycle leads back).
fn reach<'r>(rules: &'r [Rule], name: &str) -> BTreeSet<&'r str> {
    rules
        .iter()
        .filter(|r| r.name == name)
        .flat_map(|r| rules_reached(&r.body, rules))
        .collect()
}

/// The recursive component of `name`: the rules it reaches that reach it back.
fn component<'r>(rules: &'r [Rule], name: &str) -> BTreeSet<&'r str> {
    reach(rules, name)
        .into_iter()
        .filter(|n| reach(rules, n).contains(name))
        .collect()
}

/// The recursive rules whose calls can be rewritten (see the module documentation).
pub(crate) fn eligible(rules: &[Rule]) -> BTreeSet<String> {
    let names: BTreeSet<&str> = rules.iter().map(|r| r.name.as_str()).collect();
    let mut out = BTreeSet::new();
    for name in names {
        let comp = component(rules, name);
        if !comp.contains(name) {
            continue;
        }
        let well_placed = rules
            .iter()
            .filter(|r| comp.contains(r.name.as_str()))
            .all(|r| {
                let top: usize = r
                    .body
                    .iter()
                    .filter(|c| {
                        matches!(&c.kind, ClauseKind::RuleCall { name, src: None, .. }
                            if comp.contains(name.as_str()))
                    })
                    .count();
                let anywhere = rule_calls(&r.body)
                    .iter()
                    .filter(|(n, _, _)| comp.contains(n))
                    .count();
                top == anywhere
            });
        if well_placed {
            out.insert((*name).to_owned());
        }
    }
    out
}

/// A call's program after the rewrite.
#[derive(Debug)]
pub(crate) struct Rewrite {
    /// The adorned and magic rules.
    pub rules: Vec<Rule>,
    /// The relation the call reads (`r^B`).
    pub answer: String,
    /// The magic relation the call's bound values seed (`m_r^B`).
    pub seed: String,
    /// Calls of rules outside the rewrite that its rules read: computed whole first.
    pub lower: Vec<Clause>,
    /// The written rules the rewrite was made from (their definitions' errors are the call's).
    pub from: BTreeSet<String>,
}

impl Rewrite {
    /// Every relation the rewrite makes (the seed included).
    pub(crate) fn names(&self) -> BTreeSet<String> {
        let mut names: BTreeSet<String> = self.rules.iter().map(|r| r.name.clone()).collect();
        names.insert(self.seed.clone());
        names.insert(self.answer.clone());
        names
    }
}

/// The marker in generated names: no written rule name holds it.
const MARK: char = '\u{1}';

/// `s^bf…` for a call's adornment, unique to the call (`tag`).
fn adorned(name: &str, bound: &[bool], tag: usize) -> String {
    let bits: String = bound.iter().map(|&b| if b { 'b' } else { 'f' }).collect();
    format!("{name}{MARK}{bits}{MARK}{tag}")
}

/// The magic relation of an adorned name.
fn magic(adorned: &str) -> String {
    format!("m{MARK}{adorned}")
}

/// A generated name as `explain` shows it: `reach^bf`, `magic reach^bf`.
pub(crate) fn display(name: &str) -> String {
    let mut parts = name.split(MARK);
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("m"), Some(rule), Some(bits), Some(_)) => format!("magic {rule}^{bits}"),
        (Some(rule), Some(bits), Some(_), None) => format!("{rule}^{bits}"),
        _ => name.to_owned(),
    }
}

/// A call clause of `name` with `args`, positioned at `like`.
fn call(name: String, args: Vec<Term>, like: &Clause) -> Clause {
    let form = format!(
        "({} {})",
        display(&name),
        args.iter().map(show_term).collect::<Vec<_>>().join(" ")
    );
    Clause {
        kind: ClauseKind::RuleCall {
            src: None,
            name,
            args,
        },
        pos: like.pos,
        form,
    }
}

fn show_term(t: &Term) -> String {
    match t {
        Term::Var(v) => v.to_string(),
        Term::Blank => "_".into(),
        Term::Const(c) => show_constant(c),
        Term::Src(s) => s.0.clone(),
    }
}

/// `[(identity x) ?to]`: binds `?to` to a variable's or a constant's value.
fn copy(from: FnArg, to: Var, like: &Clause) -> Clause {
    let form = format!(
        "[(identity {}) {to}]",
        match &from {
            FnArg::Var(v) => v.to_string(),
            FnArg::Const(c) => show_constant(c),
            _ => "?".into(),
        }
    );
    Clause {
        kind: ClauseKind::Fn {
            call: Call {
                func: "identity".into(),
                args: vec![from],
            },
            binding: Binding::Scalar(BindVar::Var(to)),
        },
        pos: like.pos,
        form,
    }
}

/// The variables a clause kept in a magic rule's prefix binds, if it can be kept there: its
/// inputs are bound by `bound`. `None` for a clause left out.
fn prefix_binds(c: &Clause, bound: &BTreeSet<Var>) -> Option<BTreeSet<Var>> {
    match &c.kind {
        // Only when joined to what is known: a clause sharing nothing would multiply the
        // demand by all of its rows (and the planner refuses such a product).
        ClauseKind::Pattern(_) | ClauseKind::RuleCall { .. } => {
            let vars = mentioned(c);
            (!vars.is_disjoint(bound)).then_some(vars)
        }
        ClauseKind::Pred(call) => call
            .args
            .iter()
            .all(|a| !matches!(a, FnArg::Var(v) if !bound.contains(v)))
            .then(BTreeSet::new),
        ClauseKind::Fn { call, binding } => call
            .args
            .iter()
            .all(|a| !matches!(a, FnArg::Var(v) if !bound.contains(v)))
            .then(|| binding.vars().into_iter().cloned().collect()),
        _ => None,
    }
}

/// Rewrites `rules` for a call of `name` binding the arguments where `bound` is true (at
/// least one). `tag` keeps the names of one call's rewrite apart from another's.
pub(crate) fn rewrite(rules: &[Rule], name: &str, bound: &[bool], tag: usize) -> Rewrite {
    let comp: BTreeSet<String> = component(rules, name)
        .into_iter()
        .map(str::to_owned)
        .collect();
    let answer = adorned(name, bound, tag);
    let mut out = Rewrite {
        rules: Vec::new(),
        seed: magic(&answer),
        answer,
        lower: Vec::new(),
        from: BTreeSet::new(),
    };
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut todo: Vec<(String, Vec<bool>)> = vec![(name.to_owned(), bound.to_vec())];
    let mut fresh = 0usize;
    while let Some((s, adornment)) = todo.pop() {
        let s_ad = adorned(&s, &adornment, tag);
        if !done.insert(s_ad.clone()) {
            continue;
        }
        out.from.insert(s.clone());
        for def in rules.iter().filter(|r| r.name == s) {
            let head: Vec<Var> = def.vars.all().cloned().collect();
            let head_bound: Vec<Term> = head
                .iter()
                .zip(&adornment)
                .filter(|(_, &b)| b)
                .map(|(v, _)| Term::Var(v.clone()))
                .collect();
            let Some(first) = def.body.first() else {
                continue;
            };
            let demand = call(magic(&s_ad), head_bound, first);
            let mut body = vec![demand.clone()];
            let mut prefix = vec![demand];
            let mut known: BTreeSet<Var> = head
                .iter()
                .zip(&adornment)
                .filter(|(_, &b)| b)
                .map(|(v, _)| v.clone())
                .collect();
            for c in &def.body {
                let target = match &c.kind {
                    ClauseKind::RuleCall {
                        name: t,
                        args,
                        src: None,
                    } if comp.contains(t) => Some((t, args)),
                    _ => None,
                };
                let Some((t, args)) = target else {
                    // Calls of rules outside the component (in the clause or nested in it).
                    out.lower.extend(
                        rule_calls(std::slice::from_ref(c))
                            .into_iter()
                            .map(|(_, _, call)| call.clone()),
                    );
                    body.push(c.clone());
                    if let Some(vars) = prefix_binds(c, &known) {
                        known.extend(vars);
                        prefix.push(c.clone());
                    }
                    continue;
                };
                let ad: Vec<bool> = args.iter().map(|a| binds(a, &known)).collect();
                if !ad.contains(&true) {
                    // Demanded for every value: the whole relation.
                    out.lower.push(c.clone());
                    body.push(c.clone());
                    if let Some(vars) = prefix_binds(c, &known) {
                        known.extend(vars);
                        prefix.push(c.clone());
                    }
                    continue;
                }
                let t_ad = adorned(t, &ad, tag);
                // The magic rule: the demand for t^ad from what is known before the call.
                let mut magic_head = Vec::new();
                let mut magic_body = prefix.clone();
                for (arg, _) in args.iter().zip(&ad).filter(|(_, &b)| b) {
                    match arg {
                        Term::Var(v) if !magic_head.contains(v) => magic_head.push(v.clone()),
                        other => {
                            fresh += 1;
                            // No written variable holds a space: the name cannot clash.
                            let to = Var(format!("?demand {fresh}"));
                            let from = match other {
                                Term::Var(v) => FnArg::Var(v.clone()),
                                Term::Const(k) => FnArg::Const(k.clone()),
                                _ => continue,
                            };
                            magic_body.push(copy(from, to.clone(), c));
                            magic_head.push(to);
                        }
                    }
                }
                let magic_name = magic(&t_ad);
                out.rules.push(Rule {
                    form: format!(
                        "[({} {}) {}]",
                        display(&magic_name),
                        magic_head
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(" "),
                        magic_body
                            .iter()
                            .map(|c| c.form.as_str())
                            .collect::<Vec<_>>()
                            .join(" ")
                    ),
                    name: magic_name,
                    vars: RuleVars {
                        required: Vec::new(),
                        free: magic_head,
                    },
                    body: magic_body,
                    pos: def.pos,
                });
                let adorned_call = call(t_ad.clone(), args.clone(), c);
                body.push(adorned_call.clone());
                if let Some(vars) = prefix_binds(&adorned_call, &known) {
                    known.extend(vars);
                    prefix.push(adorned_call);
                }
                todo.push((t.clone(), ad));
            }
            out.rules.push(Rule {
                form: format!(
                    "[({} {}) {}]",
                    display(&s_ad),
                    head.iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(" "),
                    body.iter()
                        .map(|c| c.form.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                name: s_ad.clone(),
                vars: def.vars.clone(),
                body,
                pos: def.pos,
            });
        }
    }
    out
}
