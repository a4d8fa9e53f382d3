//! Rules: relations computed bottom-up by a semi-naive fixpoint, and rule calls joined to the
//! input through those relations.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::ast::{Clause, ClauseKind, Constant, Pos, Rule, Term, Var};
use crate::error::{QueryError, Result};
use crate::exec::rel::Rel;
use crate::exec::val::{HashKey, Val};
use crate::exec::{Exec, JoinStrategy, Tuples};
use crate::rows::{constant_matches, reachable_rules, rule_calls};

/// At most this many fixpoint rounds before rule evaluation gives up.
const MAX_ROUNDS: usize = 10_000;

/// From this many row × tuple pairs on, a rule call indexes the relation on a bound argument.
const INDEX_MIN_PAIRS: usize = 4096;

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
        for n in &names {
            self.rels
                .borrow_mut()
                .insert(n.clone(), FxHashSet::default());
        }
        let defs: Vec<&Rule> = rules.iter().filter(|r| names.contains(&r.name)).collect();
        let mut delta: FxHashMap<String, Tuples> = FxHashMap::default();
        for round in 0..MAX_ROUNDS {
            let mut new: FxHashMap<String, Tuples> = FxHashMap::default();
            for rule in &defs {
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
                    tuples = self.rule_tuples(rule)?;
                } else {
                    for (i, name) in calls {
                        let Some(d) = delta.get(name).filter(|d| !d.is_empty()) else {
                            continue;
                        };
                        *self.delta.borrow_mut() =
                            Some((&rule.body[i] as *const Clause, d.clone()));
                        let got = self.rule_tuples(rule);
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
                return Ok(());
            }
            let mut rels = self.rels.borrow_mut();
            for (name, ts) in &new {
                rels.get_mut(name)
                    .expect("initialised above")
                    .extend(ts.iter().cloned());
            }
            delta = new;
        }
        Err(QueryError::invalid(
            format!("rules did not reach a fixpoint in {MAX_ROUNDS} rounds"),
            clauses
                .first()
                .map_or(Pos { line: 1, column: 1 }, |c| c.pos),
        ))
    }

    /// The head tuples one evaluation of `rule`'s body yields.
    fn rule_tuples(&self, rule: &Rule) -> Result<Vec<Vec<Val>>> {
        let rel = self.eval_clauses(Rel::unit(), &rule.body)?;
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
    ) -> Result<Rel> {
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
        if let Some(t) = tuples.iter().find(|t| t.len() != args.len()) {
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
        let schema = self.db.schema();
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
        // Many pairs: index the relation on an argument every row binds.
        let keyed = slots.iter().enumerate().find_map(|(i, s)| match s {
            Arg::Col(c) => Some((i, *c)),
            _ => None,
        });
        match keyed {
            Some((i, col))
                if self.strategy == JoinStrategy::Scans
                    || rel.len().saturating_mul(tuples.len()) > INDEX_MIN_PAIRS =>
            {
                let mut index: FxHashMap<HashKey, Vec<&Vec<Val>>> = FxHashMap::default();
                for t in tuples {
                    index.entry(t[i].hash_key()).or_default().push(t);
                }
                for row in rel.rows() {
                    for t in index.get(&row[col].hash_key()).into_iter().flatten() {
                        join(row, t, &mut out);
                    }
                }
            }
            _ => {
                for row in rel.rows() {
                    for t in tuples {
                        join(row, t, &mut out);
                    }
                }
            }
        }
        Ok(out)
    }
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
