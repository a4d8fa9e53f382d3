//! Rules that define a transitive closure, recognized so that a call with a bound argument is
//! answered by a search from the bound values instead of computing the whole relation
//! (`docs/design.md`, §8.5 Rules).
//!
//! A rule `p` with two head variables `?a ?b` is a closure when every definition is one of:
//!
//! - an **exit**: the body calls neither `p` nor a rule that reaches `p` — a step `E(a, b)`;
//! - **right-linear**: `(p ?x ?b)` once, `?x` a fresh variable, and the other clauses `F(a, x)`
//!   do not mention `?b` nor reach `p`;
//! - **left-linear**: `(p ?a ?x)` once and the other clauses `G(x, b)` do not mention `?a`
//!   nor reach `p`;
//! - **doubly recursive**: exactly `(p ?a ?x) (p ?x ?b)`;
//!
//! with at least one exit and at least one recursive definition. Then, with `∘` joining the
//! second column of one relation to the first of the next, `p = E ∪ F∘p ∪ p∘G (∪ p∘p)`, whose
//! least fixpoint is `M = F* ∘ E ∘ G*` (without the doubly recursive definition) or `M⁺`
//! (with it): every derivation is a chain of `F` steps, one exit, `G` steps, repeated. A
//! call binding `?a` therefore reaches its answers by following `F`, `E`, `G` forward from the
//! bound values, and a call binding `?b` by following them backward — each node visited once
//! per start value, where the bottom-up fixpoint (and magic sets on a right-linear rule)
//! computes pairs for every node the start reaches.
//!
//! When the one exit is the one step before (or after) the call, as reachability is usually
//! written (`[?a :f ?b]` and `[?a :f ?x] (p ?x ?b)`), `F* ∘ E = F⁺`: the search takes that
//! step one or more times and never reads it a second time for the exit.
//!
//! Invariant: a [`Closure`] describes exactly its rule's relation — a definition that fits
//! none of the shapes, a body that reaches `p` in any other way, or a step whose clauses do
//! not bind both of its ends leaves the rule to the bottom-up fixpoint.

use std::collections::{BTreeMap, BTreeSet};

use crate::ast::{Clause, ClauseKind, Rule, Term, Var};
use crate::rows::{mentioned, produced, rules_reached};

/// One step of a closure: the clauses relating `from` to `to` (read forward).
#[derive(Debug)]
pub(crate) struct Step {
    /// The definition's body without its recursive calls.
    pub body: Vec<Clause>,
    /// The variable the step starts from.
    pub from: Var,
    /// The variable the step reaches.
    pub to: Var,
}

/// A rule recognized as a transitive closure (see the module documentation).
#[derive(Debug, Default)]
pub(crate) struct Closure {
    /// The exits `E(a, b)`.
    pub exits: Vec<Step>,
    /// The right-linear steps `F(a, x)`, before the recursive call.
    pub before: Vec<Step>,
    /// The left-linear steps `G(x, b)`, after the recursive call.
    pub after: Vec<Step>,
    /// Whether a definition is `(p ?a ?x) (p ?x ?b)`: the chains of `M` repeat.
    pub repeats: bool,
    /// The one exit is the one `before` step (`[?a :f ?b]` and `[?a :f ?x] (p ?x ?b)`, the way
    /// reachability is written) or the one `after` step: then `F* ∘ E = F⁺` (or `E ∘ G* = G⁺`),
    /// and a search takes that step one or more times instead of reading it twice.
    pub exit_repeats: Option<Side>,
}

/// Which steps of a closure: those before the recursive call or those after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    /// The right-linear steps `F`.
    Before,
    /// The left-linear steps `G`.
    After,
}

impl Closure {
    /// Every step, of every kind.
    pub(crate) fn steps(&self) -> impl Iterator<Item = &Step> {
        self.exits.iter().chain(&self.before).chain(&self.after)
    }
}

/// The rules of `rules` that are closures, by name.
pub(crate) fn closures(rules: &[Rule]) -> BTreeMap<String, Closure> {
    let names: BTreeSet<&str> = rules.iter().map(|r| r.name.as_str()).collect();
    names
        .into_iter()
        .filter_map(|n| Some((n.to_owned(), closure(n, rules)?)))
        .collect()
}

/// The closure rule `name` defines, if it is one.
fn closure(name: &str, rules: &[Rule]) -> Option<Closure> {
    let mut out = Closure::default();
    let mut recursive = false;
    for rule in rules.iter().filter(|r| r.name == name) {
        let (a, b) = match rule.vars.all().collect::<Vec<_>>().as_slice() {
            [a, b] if a != b => ((*a).clone(), (*b).clone()),
            _ => return None,
        };
        // The calls of `name` written directly in the body; any other way of reaching it
        // (inside `or`/`not`, or through another rule) is a shape this module does not know.
        let direct: Vec<usize> = (0..rule.body.len())
            .filter(|&i| calls(&rule.body[i], name))
            .collect();
        let rest: Vec<Clause> = (0..rule.body.len())
            .filter(|i| !direct.contains(i))
            .map(|i| rule.body[i].clone())
            .collect();
        if reaches(&rest, name, rules) {
            return None;
        }
        let args: Vec<[&Var; 2]> = direct
            .iter()
            .map(|&i| call_vars(&rule.body[i]))
            .collect::<Option<_>>()?;
        let step = |from: &Var, to: &Var| -> Option<Step> {
            let binds: BTreeSet<Var> = rest.iter().flat_map(produced).collect();
            (binds.contains(from) && binds.contains(to)).then(|| Step {
                body: rest.clone(),
                from: from.clone(),
                to: to.clone(),
            })
        };
        let fresh = |x: &Var| *x != a && *x != b;
        let mentions = |v: &Var| rest.iter().any(|c| mentioned(c).contains(v));
        match args.as_slice() {
            [] => out.exits.push(step(&a, &b)?),
            [[x, to]] if *to == &b && fresh(x) && !mentions(&b) => {
                out.before.push(step(&a, x)?);
                recursive = true;
            }
            [[from, x]] if *from == &a && fresh(x) && !mentions(&a) => {
                out.after.push(step(x, &b)?);
                recursive = true;
            }
            [[p, q], [r, s]] if rest.is_empty() => {
                let chained = |(f, x): (&Var, &Var), (y, t): (&Var, &Var)| {
                    *f == a && x == y && *t == b && fresh(x)
                };
                if !(chained((p, q), (r, s)) || chained((r, s), (p, q))) {
                    return None;
                }
                out.repeats = true;
                recursive = true;
            }
            _ => return None,
        }
    }
    if let [exit] = out.exits.as_slice() {
        out.exit_repeats = match (out.before.as_slice(), out.after.as_slice()) {
            ([f], []) if same_step(exit, f) => Some(Side::Before),
            ([], [g]) if same_step(exit, g) => Some(Side::After),
            _ => None,
        };
    }
    (recursive && !out.exits.is_empty()).then_some(out)
}

/// Whether two steps are the same data patterns once `b`'s ends are renamed to `a`'s (other
/// variables must have the same names: a conservative test, enough for the way users write
/// the exit and the step alike).
fn same_step(a: &Step, b: &Step) -> bool {
    let rename = |t: &Term| match t {
        Term::Var(v) if *v == b.from => Term::Var(a.from.clone()),
        Term::Var(v) if *v == b.to => Term::Var(a.to.clone()),
        t => t.clone(),
    };
    a.body.len() == b.body.len()
        && a.body
            .iter()
            .zip(&b.body)
            .all(|(x, y)| match (&x.kind, &y.kind) {
                (ClauseKind::Pattern(p), ClauseKind::Pattern(q)) => {
                    p.src == q.src
                        && [(&p.e, &q.e), (&p.a, &q.a), (&p.v, &q.v), (&p.tx, &q.tx)]
                            .into_iter()
                            .chain([(&p.added, &q.added)])
                            .all(|(s, t)| *s == rename(t))
                }
                _ => false,
            })
}

/// Whether `c` is a call of rule `name` written without a source.
fn calls(c: &Clause, name: &str) -> bool {
    matches!(&c.kind, ClauseKind::RuleCall { name: n, src: None, .. } if n == name)
}

/// The two variables of a recursive call (`None` for any other argument list).
fn call_vars(c: &Clause) -> Option<[&Var; 2]> {
    match &c.kind {
        ClauseKind::RuleCall { args, .. } => match args.as_slice() {
            [Term::Var(x), Term::Var(y)] if x != y => Some([x, y]),
            _ => None,
        },
        _ => None,
    }
}

/// Whether `clauses` call rule `name`, directly, inside `or`/`not`/`and`, or through the rules
/// they call.
fn reaches(clauses: &[Clause], name: &str, rules: &[Rule]) -> bool {
    rules_reached(clauses, rules).contains(name)
}

#[cfg(test)]
mod tests {
    use super::{closures, Side};
    use crate::parse_rules;

    /// The shape each rule of `text` is recognized as: exits, before, after, repeats
    /// (`None`: no closure).
    fn shape(text: &str, name: &str) -> Option<(usize, usize, usize, bool)> {
        let rules = parse_rules(text).unwrap();
        let found = closures(&rules);
        found
            .get(name)
            .map(|c| (c.exits.len(), c.before.len(), c.after.len(), c.repeats))
    }

    #[test]
    fn every_linear_shape_and_the_doubly_recursive_one_are_closures() {
        let exit = "[(r ?a ?b) [?a :f ?b]]";
        for (rec, want) in [
            ("[(r ?a ?b) [?a :f ?x] (r ?x ?b)]", (1, 1, 0, false)),
            ("[(r ?a ?b) (r ?x ?b) [?a :f ?x]]", (1, 1, 0, false)),
            ("[(r ?a ?b) (r ?a ?x) [?x :f ?b]]", (1, 0, 1, false)),
            ("[(r ?a ?b) (r ?a ?x) (r ?x ?b)]", (1, 0, 0, true)),
            ("[(r ?a ?b) (r ?x ?b) (r ?a ?x)]", (1, 0, 0, true)),
            (
                "[(r ?a ?b) [?a :f ?x] [(< ?a ?x)] (r ?x ?b)]",
                (1, 1, 0, false),
            ),
        ] {
            assert_eq!(shape(&format!("[{exit} {rec}]"), "r"), Some(want), "{rec}");
        }
    }

    #[test]
    fn an_exit_that_is_the_step_itself_is_recognized() {
        let rules = |text: &str| closures(&parse_rules(text).unwrap());
        let right = rules("[[(r ?a ?b) [?a :f ?b]] [(r ?a ?b) [?a :f ?x] (r ?x ?b)]]");
        assert_eq!(right["r"].exit_repeats, Some(Side::Before));
        let left = rules("[[(r ?u ?v) [?u :f ?v]] [(r ?a ?b) (r ?a ?x) [?x :f ?b]]]");
        assert_eq!(left["r"].exit_repeats, Some(Side::After));
        // A different attribute, an extra clause, another source: two steps.
        for text in [
            "[[(r ?a ?b) [?a :g ?b]] [(r ?a ?b) [?a :f ?x] (r ?x ?b)]]",
            "[[(r ?a ?b) [?a :f ?b] [?b :g _]] [(r ?a ?b) [?a :f ?x] (r ?x ?b)]]",
            "[[(r ?a ?b) [?b :f ?a]] [(r ?a ?b) [?a :f ?x] (r ?x ?b)]]",
        ] {
            assert_eq!(rules(text)["r"].exit_repeats, None, "{text}");
        }
    }

    #[test]
    fn other_shapes_are_left_to_the_fixpoint() {
        let exit = "[(r ?a ?b) [?a :f ?b]]";
        for rec in [
            // The free argument is used by the step, or not passed through.
            "[(r ?a ?b) [?a :f ?x] (r ?x ?b) [?b :g _]]",
            "[(r ?a ?b) [?a :f ?x] (r ?b ?x)]",
            // Recursion through `or`, or through another rule.
            "[(r ?a ?b) (or-join [?a ?b] (r ?a ?b) [?a :g ?b])]",
            "[(r ?a ?b) [?a :f ?x] (s ?x ?b)] [(s ?a ?b) (r ?a ?b)]",
            // Three calls; a constant argument; the step does not bind its end.
            "[(r ?a ?b) (r ?a ?x) (r ?x ?y) (r ?y ?b)]",
            "[(r ?a ?b) [?a :f ?x] (r ?x 3)]",
            "[(r ?a ?b) [(ground 1) ?x] (r ?x ?b)]",
        ] {
            assert_eq!(shape(&format!("[{exit} {rec}]"), "r"), None, "{rec}");
        }
        // No exit, or no recursion.
        assert_eq!(shape("[[(r ?a ?b) [?a :f ?x] (r ?x ?b)]]", "r"), None);
        assert_eq!(shape(&format!("[{exit}]"), "r"), None);
        // Three head variables.
        assert_eq!(
            shape(
                "[[(r ?a ?b ?c) [?a :f ?b] [?a :g ?c]] [(r ?a ?b ?c) [?a :f ?x] (r ?x ?b ?c)]]",
                "r"
            ),
            None
        );
    }
}
