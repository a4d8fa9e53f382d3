//! Rules: relations computed bottom-up by a semi-naive fixpoint, and rule calls joined to the
//! input through those relations (calls of closures that bind an argument are searches
//! instead: `closure.rs`).
//!
//! Each definition's body is planned once per stratum, before its first round, from no bound
//! variables; the sizes of the rules of lower strata are known then, those of the stratum's own
//! rules are not (the planner assumes a default). Every round runs that plan; in a delta round
//! the one recursive call it points at reads only the tuples the previous round added.

use std::collections::{BTreeMap, BTreeSet};

use datolite_store::Schema;
use rustc_hash::FxHashMap;

use crate::ast::{Clause, ClauseKind, Constant, Pos, Rule, Term, Var};
use crate::error::{QueryError, Result};
use crate::exec::hash_index::HashIndex;
use crate::exec::rel::Rel;
use crate::exec::val::Val;
use crate::exec::{Exec, Tuples};
use crate::explain::RulePlan;
use crate::plan::{self, Plan, RuleOp};
use crate::resolve::demand;
use crate::rows::{constant_matches, reachable_rules, rule_calls};

/// At most this many fixpoint rounds before rule evaluation gives up.
const MAX_ROUNDS: usize = 10_000;

/// One rule-call argument in a step.
#[derive(Clone, Copy)]
enum Arg<'c> {
    Blank,
    Const(&'c Constant),
    Col(usize),
    New,
    Again(usize),
    Never,
}

impl Exec<'_> {
    /// Computes the rules the query's `clauses` reach, except closures they call directly: a
    /// call of one that binds an argument runs as a search (the plan decides), which needs only
    /// the rules its steps call; one that binds nothing computes the relation on first use.
    pub(crate) fn prepare_query_rules(&self, clauses: &[Clause]) -> Result<()> {
        let mut direct: Vec<Clause> = Vec::new();
        let mut searched = BTreeSet::new();
        for (name, _, call) in rule_calls(clauses) {
            match self.rules.closures.get(name) {
                Some(c) => {
                    searched.insert(name.to_owned());
                    direct.extend(c.steps().flat_map(|s| s.body.iter().cloned()));
                }
                // A recursive rule is computed when the call runs: on demand if it binds
                // arguments, whole otherwise.
                None if self.rules.demand.contains(name) => {
                    searched.insert(name.to_owned());
                }
                None => direct.push(call.clone()),
            }
        }
        self.rules.check(&searched)?;
        self.prepare_rules(&direct)
    }

    /// Computes every rule reachable from `clauses` by a semi-naive fixpoint: after the first
    /// round, a body is re-run once per recursive call with that call reading only the tuples
    /// the previous round added.
    pub(crate) fn prepare_rules(&self, clauses: &[Clause]) -> Result<()> {
        let rules: &[Rule] = &self.rules.rules;
        let mut names = reachable_rules(clauses, rules)?;
        self.rules.check(&names)?;
        names.retain(|n| !self.rels.borrow().contains_key(n));
        if names.is_empty() {
            return Ok(());
        }
        // Strata: a rule negated inside these definitions is computed completely first (it
        // cannot lead back here: `reachable_rules` rejects negation through recursion), so a
        // `not` never reads a relation that is still growing.
        for rule in rules.iter().filter(|r| names.contains(&r.name)) {
            for (_, negated, call) in rule_calls(&rule.body) {
                if negated {
                    self.prepare_rules(std::slice::from_ref(call))?;
                }
            }
        }
        names.retain(|n| !self.rels.borrow().contains_key(n));
        let defs: Vec<&Rule> = rules.iter().filter(|r| names.contains(&r.name)).collect();
        self.fixpoint(&defs, &names, clauses, false)
    }

    /// The semi-naive fixpoint of the definitions `defs` of the rules `names` (whose relations
    /// may start with tuples already: a magic relation's seeds); `at`: the clauses that asked,
    /// for the error when no fixpoint is reached; `generated`: the definitions are a rewrite's
    /// (their bodies may join a magic relation as a product).
    fn fixpoint(
        &self,
        defs: &[&Rule],
        names: &BTreeSet<String>,
        at: &[Clause],
        generated: bool,
    ) -> Result<()> {
        // Planned before the stratum's own relations exist: their sizes are unknown.
        let (consts, sizes) = (Default::default(), self.rule_sizes());
        // Inside definitions every call joins a relation: a search would not take part in the
        // semi-naive rounds.
        let (no_closures, no_demand) = (BTreeMap::new(), BTreeSet::new());
        let env = plan::Env {
            products: generated,
            ..self.plan_env(&consts, &sizes, &no_closures, &no_demand)
        };
        let plans: Vec<Plan<'_>> = defs
            .iter()
            .map(|r| plan::plan(&env, &r.body, &Default::default(), 1.0))
            .collect::<Result<_>>()?;
        for n in names {
            self.rels.borrow_mut().entry(n.clone()).or_default();
        }
        let mut delta: FxHashMap<String, Tuples> = FxHashMap::default();
        for round in 0..MAX_ROUNDS {
            let mut new: FxHashMap<String, Tuples> = FxHashMap::default();
            for (rule, plan) in defs.iter().zip(&plans) {
                let calls: Vec<(usize, &String)> = rule
                    .body
                    .iter()
                    .enumerate()
                    .filter_map(|(i, c)| match &c.kind {
                        ClauseKind::RuleCall { name, .. } if names.contains(name) => {
                            Some((i, name))
                        }
                        _ => None,
                    })
                    .collect();
                // A call nested in not/or cannot be pointed at: such bodies re-run in full.
                let nested = rule
                    .body
                    .iter()
                    .any(|c| !matches!(c.kind, ClauseKind::RuleCall { .. }) && mentions_rule(c));
                let mut tuples = Vec::new();
                if round == 0 || nested {
                    tuples = self.rule_tuples(rule, plan)?;
                } else {
                    for (i, name) in calls {
                        let Some(d) = delta.get(name).filter(|d| !d.is_empty()) else {
                            continue;
                        };
                        *self.delta.borrow_mut() =
                            Some((&rule.body[i] as *const Clause, d.clone()));
                        let got = self.rule_tuples(rule, plan);
                        *self.delta.borrow_mut() = None;
                        tuples.extend(got?);
                    }
                }
                let rels = self.rels.borrow();
                let known = &rels[&rule.name];
                for t in tuples {
                    if !known.contains(&t) {
                        new.entry(rule.name.clone()).or_default().insert(t);
                    }
                }
            }
            if new.is_empty() {
                self.explain_rules(defs, &plans);
                return Ok(());
            }
            let mut rels = self.rels.borrow_mut();
            for (name, ts) in &new {
                let rel = rels.get_mut(name).expect("initialised above");
                rel.extend(ts.iter().cloned());
                let pos = at.first().map_or(Pos { line: 1, column: 1 }, |c| c.pos);
                self.budget
                    .holds(rel.len(), || format!("the relation of rule {name}"), pos)?;
            }
            delta = new;
        }
        Err(QueryError::invalid(
            format!("rules did not reach a fixpoint in {MAX_ROUNDS} rounds"),
            at.first().map_or(Pos { line: 1, column: 1 }, |c| c.pos),
        ))
    }

    /// With `explain`: the plans of a finished stratum's definitions, with what they did.
    fn explain_rules(&self, defs: &[&Rule], plans: &[Plan<'_>]) {
        let mut out = self.rule_plans.borrow_mut();
        let Some(out) = out.as_mut() else {
            return;
        };
        let rels = self.rels.borrow();
        for (rule, plan) in defs.iter().zip(plans) {
            out.push(RulePlan {
                rule: rule.form.clone(),
                tuples: rels.get(&rule.name).map_or(0, |r| r.len()),
                steps: self.explain_plan(plan, self.analyzing.get()),
            });
        }
    }

    /// The head tuples one evaluation of `rule`'s body (planned as `plan`) yields.
    fn rule_tuples(&self, rule: &Rule, plan: &Plan<'_>) -> Result<Vec<Vec<Val>>> {
        let rel = self.run_plan(Rel::unit(), plan)?;
        if rel.is_empty() {
            return Ok(Vec::new());
        }
        let cols = rule
            .vars
            .all()
            .map(|v| {
                rel.col(v).ok_or_else(|| {
                    QueryError::invalid(
                        format!(
                            "rule head variable {v} is not bound by the body of {}",
                            rule.form
                        ),
                        rule.pos,
                    )
                })
            })
            .collect::<Result<Vec<usize>>>()?;
        Ok(rel
            .rows()
            .map(|row| cols.iter().map(|&c| row[c].clone()).collect())
            .collect())
    }

    /// Joins `rel` with the relation of rule `name` through the call's arguments.
    pub(crate) fn rule_step(
        &self,
        rel: Rel,
        clause: &Clause,
        name: &str,
        args: &[Term],
        op: &RuleOp,
    ) -> Result<Rel> {
        let computed = self.rels.borrow().contains_key(name);
        if !computed && self.delta.borrow().is_none() {
            if let Some(adornment) = &op.demand {
                return self.demand_step(rel, clause, name, args, op, adornment);
            }
            // A closure or recursive rule the query calls binding nothing: its relation,
            // computed on first use.
            self.prepare_rules(std::slice::from_ref(clause))?;
        }
        let delta = self.delta.borrow();
        let rels = self.rels.borrow();
        let tuples = match delta.as_ref() {
            Some((ptr, d)) if std::ptr::eq(*ptr, clause) => d,
            _ => rels.get(name).ok_or_else(|| {
                QueryError::invalid(
                    format!("unknown rule {name} in {}", clause.form),
                    clause.pos,
                )
            })?,
        };
        join_relation(
            self.db().schema(),
            rel,
            clause,
            name,
            args,
            tuples.iter().map(|t| t.as_slice()),
            op.index_arg,
            op.index_from_pairs,
        )
    }
}

impl Exec<'_> {
    /// A call of a recursive rule binding the arguments `adornment` marks, evaluated on demand
    /// (`crate::resolve::demand`): the rewrite's magic relation is seeded with the distinct
    /// bound values of `rel`, its rules run to their fixpoint, and `rel` is joined with the
    /// answer relation, which holds exactly the rule's tuples agreeing with those values.
    fn demand_step(
        &self,
        rel: Rel,
        clause: &Clause,
        name: &str,
        args: &[Term],
        op: &RuleOp,
        adornment: &[bool],
    ) -> Result<Rel> {
        let internal = || {
            QueryError::invalid(
                format!(
                    "internal: the plan binds an argument of {} that the input does not",
                    clause.form
                ),
                clause.pos,
            )
        };
        let tag = self.ids.get();
        self.ids.set(tag + 1);
        let rewrite = demand::rewrite(&self.rules.rules, name, adornment, tag);
        self.rules.check(&rewrite.from)?;
        self.prepare_rules(&rewrite.lower)?;
        // The seeds: the distinct tuples of the bound arguments' values, per input row.
        enum Part {
            Col(usize),
            Fixed(Val),
        }
        let parts: Vec<Part> = args
            .iter()
            .zip(adornment)
            .filter(|(_, &bound)| bound)
            .map(|(arg, _)| match arg {
                Term::Var(v) => rel.col(v).map(Part::Col).ok_or_else(internal),
                Term::Const(c) => Val::of_constant(c).map(Part::Fixed).ok_or_else(internal),
                _ => Err(internal()),
            })
            .collect::<Result<_>>()?;
        let seeds: Tuples = rel
            .rows()
            .map(|row| {
                parts
                    .iter()
                    .map(|p| match p {
                        Part::Col(c) => row[*c].clone(),
                        Part::Fixed(v) => v.clone(),
                    })
                    .collect()
            })
            .collect();
        self.rels.borrow_mut().insert(rewrite.seed.clone(), seeds);
        let names = rewrite.names();
        let defs: Vec<&Rule> = rewrite.rules.iter().collect();
        let evaluated = self.fixpoint(&defs, &names, std::slice::from_ref(clause), true);
        let answer = self.rels.borrow_mut().remove(&rewrite.answer);
        // The rewrite's relations belong to this call only.
        self.rels.borrow_mut().retain(|n, _| !names.contains(n));
        evaluated?;
        let answer = answer.unwrap_or_default();
        join_relation(
            self.db().schema(),
            rel,
            clause,
            name,
            args,
            answer.iter().map(|t| t.as_slice()),
            op.index_arg,
            op.index_from_pairs,
        )
    }
}

/// Joins `rel` with `tuples` (of rule `name`) through the call's arguments; the tuples are
/// indexed on argument `index_arg` when the rows bind it and there are at least
/// `index_from_pairs` row × tuple pairs, else every row is paired with every tuple.
#[allow(clippy::too_many_arguments)]
pub(crate) fn join_relation<'t>(
    schema: &Schema,
    rel: Rel,
    clause: &Clause,
    name: &str,
    args: &[Term],
    tuples: impl ExactSizeIterator<Item = &'t [Val]> + Clone,
    index_arg: Option<usize>,
    index_from_pairs: usize,
) -> Result<Rel> {
    if let Some(t) = tuples.clone().find(|t| t.len() != args.len()) {
        return Err(QueryError::invalid(
            format!(
                "rule {name} takes {} arguments, {} given in {}",
                t.len(),
                args.len(),
                clause.form
            ),
            clause.pos,
        ));
    }
    let mut new_vars: Vec<Var> = Vec::new();
    let slots: Vec<Arg<'_>> = args
        .iter()
        .map(|t| match t {
            Term::Blank => Arg::Blank,
            Term::Const(c) => Arg::Const(c),
            Term::Src(_) => Arg::Never,
            Term::Var(v) => match rel.col(v) {
                Some(c) => Arg::Col(c),
                None => match new_vars.iter().position(|n| n == v) {
                    Some(i) => Arg::Again(i),
                    None => {
                        new_vars.push(v.clone());
                        Arg::New
                    }
                },
            },
        })
        .collect();
    let mut vars = rel.vars().to_vec();
    vars.extend(new_vars.iter().cloned());
    let mut out = Rel::empty(vars);
    let mut extra: Vec<Val> = Vec::with_capacity(new_vars.len());
    let mut join = |row: &[Val], tuple: &[Val], out: &mut Rel| {
        extra.clear();
        for (slot, v) in slots.iter().zip(tuple) {
            let ok = match *slot {
                Arg::Blank => true,
                Arg::Const(c) => constant_matches(schema, c, &v.to_value()),
                Arg::Col(col) => row[col].same(v),
                Arg::New => {
                    extra.push(v.clone());
                    true
                }
                Arg::Again(i) => extra[i].same(v),
                Arg::Never => false,
            };
            if !ok {
                return;
            }
        }
        out.push_extended(row, &extra);
    };
    // Many pairs: index the relation on the argument the plan names (one the rows bind).
    let keyed = index_arg.and_then(|i| match slots.get(i) {
        Some(Arg::Col(c)) => Some((i, *c)),
        _ => None,
    });
    let pairs = rel.len().saturating_mul(tuples.len());
    match keyed {
        Some((i, col)) if pairs >= index_from_pairs => {
            let tuples: Vec<&[Val]> = tuples.collect();
            let index = HashIndex::new(tuples.iter().map(|t| t[i].hash_key()));
            for row in rel.rows() {
                for t in index.rows(&row[col].hash_key()) {
                    join(row, tuples[t], &mut out);
                }
            }
        }
        _ => {
            for row in rel.rows() {
                for t in tuples.clone() {
                    join(row, t, &mut out);
                }
            }
        }
    }
    Ok(out)
}

/// Whether a clause calls a rule anywhere inside it.
fn mentions_rule(c: &Clause) -> bool {
    match &c.kind {
        ClauseKind::RuleCall { .. } => true,
        ClauseKind::Not { clauses, .. } | ClauseKind::And(clauses) => {
            clauses.iter().any(mentions_rule)
        }
        ClauseKind::Or { branches, .. } => branches.iter().any(mentions_rule),
        _ => false,
    }
}
