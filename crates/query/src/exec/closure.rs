//! Calls of closure rules that bind an argument (`crate::resolve::closure`), answered by a
//! search from the bound values: the plan's phases (`F*`, the exits, `G*`, or backward) run
//! over pairs (start value, value reached), each step one batched run of its body's plan for
//! the whole frontier. Every value is expanded once per start value, so the work follows what
//! the call can reach, not the rule's whole relation.
//!
//! Invariant: the pairs are exactly the tuples of the rule's relation whose searched argument
//! is a start value — the bottom-up fixpoint's answer for the call (the executor-vs-naive
//! property test checks it). Values are compared by exact identity, as the relation's set is.

use rustc_hash::FxHashSet;

use crate::ast::{Clause, Term, Var};
use crate::error::{QueryError, Result};
use crate::exec::rel::Rel;
use crate::exec::rules::join_relation;
use crate::exec::val::Val;
use crate::exec::Exec;
use crate::plan::{ClosureOp, Plan, Repeat, Search};

/// At most this many rounds of one search (its depth) before it gives up: only steps that
/// compute new values (`[(inc ?a) ?b]`) can go on for ever.
const MAX_ROUNDS: usize = 1_000_000;

/// A pair of the search: (start value, value reached).
type Pair = (Val, Val);

/// The column holding the start value while steps run; no clause can mention it (a written
/// variable has no space).
fn start_var() -> Var {
    Var("?search start".into())
}

impl Exec<'_> {
    /// Joins `rel` with the tuples of closure rule `name` that the search from the bound
    /// argument's values reaches.
    pub(crate) fn closure_step(
        &self,
        rel: Rel,
        clause: &Clause,
        name: &str,
        args: &[Term],
        op: &ClosureOp<'_>,
    ) -> Result<Rel> {
        let starts: Vec<Val> = match args.get(op.start).ok_or_else(|| internal(clause))? {
            Term::Const(c) => vec![Val::of_constant(c).ok_or_else(|| internal(clause))?],
            Term::Var(v) => {
                let col = rel.col(v).ok_or_else(|| internal(clause))?;
                let starts = rel.distinct_projection(&[col]);
                starts.rows().map(|r| r[0].clone()).collect()
            }
            _ => return Err(internal(clause)),
        };
        let pairs = self.search(op, starts, clause)?;
        // Tuples in the rule's argument order, indexed on the searched argument.
        let tuples: Vec<[Val; 2]> = pairs
            .into_iter()
            .map(|(s, r)| if op.start == 0 { [s, r] } else { [r, s] })
            .collect();
        join_relation(
            self.db().schema(),
            rel,
            clause,
            name,
            args,
            tuples.iter().map(|t| t.as_slice()),
            Some(op.start),
            0,
        )
    }

    /// Every (start, reached) pair: the phases in order from each start value, repeated from
    /// every newly reached value when the rule's chains repeat.
    fn search(&self, op: &ClosureOp<'_>, starts: Vec<Val>, clause: &Clause) -> Result<Vec<Pair>> {
        let mut frontier: Vec<Pair> = starts.into_iter().map(|s| (s.clone(), s)).collect();
        let mut reached: FxHashSet<Pair> = FxHashSet::default();
        for _ in 0..MAX_ROUNDS {
            let mut pairs = frontier;
            for phase in &op.phases {
                pairs = self.phase(phase, pairs, clause)?;
            }
            if !op.repeats {
                // One pass: the last phase's pairs are distinct already.
                return Ok(pairs);
            }
            frontier = pairs
                .into_iter()
                .filter(|p| reached.insert(p.clone()))
                .collect();
            if !op.repeats || frontier.is_empty() {
                return Ok(reached.into_iter().collect());
            }
        }
        Err(no_fixpoint(clause))
    }

    /// The pairs one phase leads `pairs` to: each step once; or the steps repeated, each pair
    /// expanded once, keeping the pairs the phase starts from (zero or more steps) or only
    /// those a step reached (one or more).
    fn phase(&self, phase: &Search<'_>, pairs: Vec<Pair>, clause: &Clause) -> Result<Vec<Pair>> {
        if phase.repeat == Repeat::Once {
            let mut out: FxHashSet<Pair> = FxHashSet::default();
            for (from, to, plan) in &phase.steps {
                out.extend(self.step(from, to, plan, pairs.clone())?);
            }
            return Ok(out.into_iter().collect());
        }
        if phase.steps.is_empty() {
            return Ok(pairs);
        }
        let mut seen: FxHashSet<Pair> = FxHashSet::default();
        if phase.repeat == Repeat::ZeroOrMore {
            seen.extend(pairs.iter().cloned());
        }
        let mut frontier = pairs;
        for _ in 0..MAX_ROUNDS {
            if frontier.is_empty() {
                return Ok(seen.into_iter().collect());
            }
            let mut next = Vec::new();
            for (from, to, plan) in &phase.steps {
                for p in self.step(from, to, plan, frontier.clone())? {
                    if seen.insert(p.clone()) {
                        next.push(p);
                    }
                }
            }
            let what = || format!("the search for {}", clause.form);
            self.budget.holds(seen.len(), what, clause.pos)?;
            frontier = next;
        }
        Err(no_fixpoint(clause))
    }

    /// One run of a step's body for all of `pairs`: the body binds `from` to each pair's
    /// reached value and yields what it binds `to`.
    fn step(
        &self,
        from: &Var,
        to: &Var,
        plan: &Plan<'_>,
        mut pairs: Vec<Pair>,
    ) -> Result<Vec<Pair>> {
        // In value order the rows read the index in its order: lookups walk the tree forward,
        // and a scan of the step's pattern merges with them instead of hashing.
        sort_by_reached(&mut pairs);
        let mut input = Rel::empty(vec![start_var(), from.clone()]);
        for (s, r) in &pairs {
            input.push(&[s.clone(), r.clone()]);
        }
        // The step's rows become pairs batch by batch, never gathered.
        let mut out = Vec::new();
        self.run_plan_into(input, plan, &mut |batch| {
            if let (Some(s), Some(t)) = (batch.col(&start_var()), batch.col(to)) {
                out.extend(batch.rows().map(|r| (r[s].clone(), r[t].clone())));
            }
            Ok(())
        })?;
        Ok(out)
    }
}

/// Sorts pairs by the value reached, then the start: by id when every value is an entity id
/// (radix sort), else in query value order.
fn sort_by_reached(pairs: &mut [Pair]) {
    let ids = |p: &Pair| match p {
        (Val::Ref(s), Val::Ref(r)) => Some((*r, *s)),
        _ => None,
    };
    if pairs.iter().all(|p| ids(p).is_some()) {
        radsort::sort_by_key(pairs, |p| ids(p).unwrap_or_default());
    } else {
        pairs.sort_unstable_by(|a, b| a.1.compare(&b.1).then_with(|| a.0.compare(&b.0)));
    }
}

/// A search the plan cannot have produced.
fn internal(clause: &Clause) -> QueryError {
    QueryError::invalid(
        format!("internal: the search does not fit {}", clause.form),
        clause.pos,
    )
}

fn no_fixpoint(clause: &Clause) -> QueryError {
    QueryError::invalid(
        format!(
            "the search for {} did not end in {MAX_ROUNDS} rounds",
            clause.form
        ),
        clause.pos,
    )
}
