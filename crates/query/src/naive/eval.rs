//! Clause evaluation: patterns, predicates, functions, `not`, `or`, rules.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use datolite_store::{Datom, Db, Value};

use crate::ast::{Call, Clause, ClauseKind, Pos, SrcVar, Term, Var};
use crate::error::{QueryError, Result};
use crate::functions::FnVal;
use crate::functions::{call_with, Env, Regexes};
use crate::resolve::Rules;
use crate::result::{InputValue, QueryResult};
use crate::rows::{bind_all, merge, project, reachable_rules, ready, unify_term, Row};
use crate::sources::Sources;

/// At most this many fixpoint rounds before rule evaluation gives up.
pub(crate) const MAX_ROUNDS: usize = 10_000;

/// Everything evaluation needs: the snapshot, all its datoms, the rules and
/// the rule relations computed so far.
pub(crate) struct Ctx<'a> {
    /// The query's sources; `$` is the default.
    pub sources: &'a Sources,
    /// Every datom of each source, by source name.
    pub datoms: HashMap<String, Vec<Datom>>,
    /// The source the running call reads (`None`: `$`).
    active: RefCell<Option<SrcVar>>,
    /// The rules, resolved against the snapshot.
    pub rules: Rules<'a>,
    /// Rule name → its relation (tuples over the head variables).
    rels: RefCell<HashMap<String, BTreeSet<Vec<Value>>>>,
    /// Regular expressions compiled so far.
    regexes: Regexes,
}

impl<'a> Ctx<'a> {
    pub fn new(
        sources: &'a Sources,
        datoms: HashMap<String, Vec<Datom>>,
        rules: Rules<'a>,
    ) -> Self {
        Ctx {
            sources,
            datoms,
            active: RefCell::new(None),
            rules,
            rels: RefCell::new(HashMap::new()),
            regexes: Regexes::default(),
        }
    }

    /// The default source `$`.
    pub fn db(&self) -> &Db {
        self.sources.default_db()
    }

    /// The datoms of source `src` (`None`: `$`).
    fn datoms_of(&self, src: Option<&SrcVar>) -> &[Datom] {
        let name = src.map_or(crate::sources::DEFAULT, |s| s.0.as_str());
        self.datoms.get(name).map_or(&[], Vec::as_slice)
    }

    /// Evaluates a call in a binding row, reading the call's source.
    fn call(&self, row: &Row, c: &Call, clause: &Clause) -> Result<FnVal> {
        let before = self.active.replace(c.src().cloned());
        let out = call_with(self as &dyn Env, &|v: &Var| row.get(v).cloned(), c, clause);
        *self.active.borrow_mut() = before;
        out
    }

    /// Computes the relation of every rule reachable from `clauses` by a
    /// naive bottom-up fixpoint: each round evaluates every definition's body
    /// against the relations of the previous round, until nothing new appears.
    pub fn prepare_rules(&self, clauses: &[Clause]) -> Result<()> {
        let rules: &[crate::ast::Rule] = &self.rules.rules;
        let names = reachable_rules(clauses, rules)?;
        self.rules.check(&names)?;
        if names.iter().all(|n| self.rels.borrow().contains_key(n)) {
            return Ok(());
        }
        for n in &names {
            self.rels.borrow_mut().insert(n.clone(), BTreeSet::new());
        }
        for _ in 0..MAX_ROUNDS {
            let mut changed = false;
            for rule in rules.iter().filter(|r| names.contains(&r.name)) {
                let rows = self.eval_clauses(vec![Row::new()], &rule.body)?;
                let mut tuples = Vec::new();
                for row in rows {
                    let tuple = rule
                        .vars
                        .all()
                        .map(|v| {
                            row.get(v).cloned().ok_or_else(|| {
                                QueryError::invalid(
                                    format!(
                                        "rule head variable {v} is not bound by the body of {}",
                                        rule.form
                                    ),
                                    rule.pos,
                                )
                            })
                        })
                        .collect::<Result<Vec<Value>>>()?;
                    tuples.push(tuple);
                }
                let mut rels = self.rels.borrow_mut();
                let rel = rels.get_mut(&rule.name).expect("initialised above");
                for t in tuples {
                    changed |= rel.insert(t);
                }
            }
            if !changed {
                return Ok(());
            }
        }
        Err(QueryError::invalid(
            format!("rules did not reach a fixpoint in {MAX_ROUNDS} rounds"),
            clauses
                .first()
                .map_or(Pos { line: 1, column: 1 }, |c| c.pos),
        ))
    }

    /// Applies `clauses` to `rows`: repeatedly the first clause that is ready
    /// (its required variables bound), or the first one if none is.
    pub fn eval_clauses(&self, mut rows: Vec<Row>, clauses: &[Clause]) -> Result<Vec<Row>> {
        let mut pending: Vec<&Clause> = clauses.iter().collect();
        while !pending.is_empty() {
            let bound: BTreeSet<Var> = rows
                .first()
                .map(|r| r.keys().cloned().collect())
                .unwrap_or_default();
            let i = (0..pending.len())
                .find(|&i| ready(pending[i], &bound, &pending, i))
                .unwrap_or(0);
            let clause = pending.remove(i);
            rows = self.eval_clause(rows, clause)?;
            if rows.is_empty() {
                return Ok(rows);
            }
        }
        Ok(rows)
    }

    fn eval_clause(&self, rows: Vec<Row>, clause: &Clause) -> Result<Vec<Row>> {
        let mut out = BTreeSet::new();
        match &clause.kind {
            ClauseKind::Pattern(p) => {
                for row in &rows {
                    out.extend(super::pattern::extend(
                        self.sources.get(p.src.as_ref()),
                        self.datoms_of(p.src.as_ref()),
                        row,
                        p,
                        clause,
                    )?);
                }
            }
            ClauseKind::Pred(c) => {
                for row in rows {
                    let v = self.call(&row, c, clause)?;
                    if !matches!(v, FnVal::Nil | FnVal::One(Value::Boolean(false))) {
                        out.insert(row);
                    }
                }
            }
            ClauseKind::Fn { call: c, binding } => {
                for row in rows {
                    let v = self.call(&row, c, clause)?;
                    out.extend(bind_all(vec![row], binding, &v, &clause.form, clause.pos)?);
                }
            }
            ClauseKind::Not {
                join_vars, clauses, ..
            } => {
                for row in rows {
                    let start = match join_vars {
                        Some(vars) => project(&row, vars.iter()),
                        None => row.clone(),
                    };
                    if self.eval_clauses(vec![start], clauses)?.is_empty() {
                        out.insert(row);
                    }
                }
            }
            ClauseKind::Or { join, branches, .. } => {
                for row in rows {
                    let start = match join {
                        Some(vars) => project(&row, vars.all()),
                        None => row.clone(),
                    };
                    for branch in branches {
                        let body = match &branch.kind {
                            ClauseKind::And(cs) => cs.as_slice(),
                            _ => std::slice::from_ref(branch),
                        };
                        for r in self.eval_clauses(vec![start.clone()], body)? {
                            let r = match join {
                                Some(vars) => project(&r, vars.all()),
                                None => r,
                            };
                            if let Some(merged) = merge(&row, &r) {
                                out.insert(merged);
                            }
                        }
                    }
                }
            }
            ClauseKind::And(cs) => return self.eval_clauses(rows, cs),
            ClauseKind::RuleCall { name, args, .. } => {
                let rels = self.rels.borrow();
                let rel = rels.get(name).ok_or_else(|| {
                    QueryError::invalid(
                        format!("unknown rule {name} in {}", clause.form),
                        clause.pos,
                    )
                })?;
                for row in &rows {
                    for tuple in rel {
                        if tuple.len() != args.len() {
                            return Err(QueryError::invalid(
                                format!(
                                    "rule {name} takes {} arguments, {} given in {}",
                                    tuple.len(),
                                    args.len(),
                                    clause.form
                                ),
                                clause.pos,
                            ));
                        }
                        let mut r = row.clone();
                        if args
                            .iter()
                            .zip(tuple)
                            .all(|(t, v)| self.unify_term(&mut r, t, v))
                        {
                            out.insert(r);
                        }
                    }
                }
            }
        }
        Ok(out.into_iter().collect())
    }

    /// Unifies a value-position term (pattern V, rule argument) with `v`.
    fn unify_term(&self, row: &mut Row, t: &Term, v: &Value) -> bool {
        unify_term(self.db().schema(), row, t, v)
    }
}

impl Env for Ctx<'_> {
    fn db(&self) -> &Db {
        self.sources.get(self.active.borrow().as_ref())
    }

    fn source(&self, src: &SrcVar) -> &Db {
        self.sources.get(Some(src))
    }

    fn values(&self, e: u64, a: u64) -> Vec<Value> {
        self.datoms_of(self.active.borrow().as_ref())
            .iter()
            .filter(|d| d.e == e && d.a == a && d.added)
            .map(|d| d.v.clone())
            .collect()
    }

    fn subquery(&self, query: &crate::ast::Query, inputs: &[InputValue]) -> Result<QueryResult> {
        // A subquery reading other values than `$` has sources of its own: a run of its own.
        if inputs.iter().any(|i| matches!(i, InputValue::Source(_))) {
            return super::q(self.db(), query, inputs, &self.rules.rules);
        }
        super::run(self, query, inputs)
    }

    fn regexes(&self) -> &Regexes {
        &self.regexes
    }
}
