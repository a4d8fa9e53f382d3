//! `explain`: the plan as text, one line per step (index, bound components, estimated rows), with
//! `--analyze` the actual rows and how each pattern was joined; nested bodies (`not`, `or`
//! branches, rule definitions) indented under their step.

use std::collections::{BTreeMap, BTreeSet};

use datolite_store::Db;

use crate::ast::{Clause, ClauseKind, Query, Rule, Var};
use crate::error::Result;
use crate::exec::rel::Rel;
use crate::exec::{aggregate, scan_aggregate, Actual, Exec};
use crate::plan::{self, Step};
use crate::result::InputValue;
use crate::rows::{produced, reachable_rules};

/// The plan of `query`, one line per step; with `analyze`, run and with actual rows.
pub(crate) fn explain(
    db: &Db,
    query: &Query,
    inputs: &[InputValue],
    rules: &[Rule],
    analyze: bool,
) -> Result<String> {
    let query = &*crate::resolve::query(db, query)?;
    if let Some(plan) = scan_aggregate(db, query, inputs)? {
        let mut line = plan.describe(db, query);
        if analyze {
            let rows = aggregate::run(db, &plan, query)?.len();
            line.push_str(&format!("  actual rows {rows}"));
        }
        return Ok(line);
    }
    let exec = Exec::new(db, rules)?;
    let mut trace = Trace {
        analyze,
        lines: Vec::new(),
    };
    exec.run(query, inputs, Some(&mut trace))?;
    Ok(trace.lines.join("\n"))
}

/// What `explain` collects while the query is planned (and, with analyze, run).
pub(crate) struct Trace {
    /// Run the query and report actual rows.
    pub analyze: bool,
    /// The lines so far.
    pub lines: Vec<String>,
}

/// One numbered line per step, indented `depth` levels, each followed by its nested bodies;
/// with `actual` (analyze) also the rows each step left.
fn push_steps(
    env: &plan::Env<'_>,
    steps: &[Step<'_>],
    bound: &BTreeSet<Var>,
    depth: usize,
    actual: Option<&[Actual]>,
    lines: &mut Vec<String>,
) -> Result<()> {
    let indent = "   ".repeat(depth);
    let mut bound = bound.clone();
    for (i, s) in steps.iter().enumerate() {
        let mut line = format!("{indent}{}. {}", i + 1, s.describe());
        if let Some(actual) = actual {
            match actual.get(i) {
                Some((n, mode)) => {
                    line.push_str(&format!("  actual rows {n}"));
                    if let Some(m) = mode {
                        line.push_str(&format!(" ({})", m.describe()));
                    }
                }
                None => line.push_str("  (not run: no rows left)"),
            }
        }
        lines.push(line);
        nested_plan(env, s.clause, &bound, depth + 1, lines)?;
        bound.extend(produced(s.clause));
    }
    Ok(())
}

/// The plans of the clause lists inside `clause` (`not` bodies, `or` branches), a label at
/// `depth` and their steps under it, as they would be planned for rows binding `bound`.
/// Nested steps show estimates only.
fn nested_plan(
    env: &plan::Env<'_>,
    clause: &Clause,
    bound: &BTreeSet<Var>,
    depth: usize,
    lines: &mut Vec<String>,
) -> Result<()> {
    let lists: Vec<(&str, &[Clause])> = match &clause.kind {
        ClauseKind::Not { clauses, .. } => vec![("not", clauses.as_slice())],
        ClauseKind::Or { branches, .. } => branches
            .iter()
            .map(|b| match &b.kind {
                ClauseKind::And(cs) => ("branch", cs.as_slice()),
                _ => ("branch", std::slice::from_ref(b)),
            })
            .collect(),
        _ => return Ok(()),
    };
    for (what, clauses) in lists {
        lines.push(format!("{}{what}:", "   ".repeat(depth)));
        let steps = plan::plan(env, clauses, bound, 1.0)?;
        push_steps(env, &steps, bound, depth + 1, None, lines)?;
    }
    Ok(())
}

impl Exec<'_> {
    /// Plans are printed into `t`; with analyze the steps run (else no rows come back).
    pub(crate) fn run_traced(
        &self,
        rel: Rel,
        steps: &[Step<'_>],
        env: &plan::Env<'_>,
        t: &mut Trace,
        clauses: &[Clause],
    ) -> Result<Rel> {
        if !env.consts.is_empty() {
            let c: Vec<String> = env
                .consts
                .iter()
                .map(|(k, v)| format!("{k} = {v}"))
                .collect();
            t.lines.push(format!("inputs inlined: {}", c.join(", ")));
        }
        t.lines.push(format!("input rows: {}", rel.len()));
        let bound = rel.var_set();
        let mut actual = Vec::new();
        let out = if t.analyze {
            self.run_steps(rel, steps, Some(&mut actual))?
        } else {
            Rel::empty(Vec::new())
        };
        let actual = t.analyze.then_some(actual.as_slice());
        push_steps(env, steps, &bound, 0, actual, &mut t.lines)?;
        self.explain_rules(clauses, &mut t.lines)?;
        Ok(out)
    }

    /// For `explain`: each rule the query reaches, its relation's size, and each
    /// definition's body as planned from no bound variables (how rounds evaluate it).
    fn explain_rules(&self, clauses: &[Clause], lines: &mut Vec<String>) -> Result<()> {
        let rules: &[Rule] = &self.rules.rules;
        let names = reachable_rules(clauses, rules)?;
        if names.is_empty() {
            return Ok(());
        }
        lines.push("rules (computed bottom-up before the query, semi-naive):".into());
        let (consts, sizes) = (BTreeMap::new(), self.rule_sizes());
        let env = plan::Env {
            db: self.db,
            consts: &consts,
            rule_sizes: &sizes,
        };
        for rule in rules.iter().filter(|r| names.contains(&r.name)) {
            let size = sizes.get(&rule.name).copied().unwrap_or(0);
            lines.push(format!("   {}  ({size} tuples)", rule.form));
            let none = BTreeSet::new();
            let steps = plan::plan(&env, &rule.body, &none, 1.0)?;
            push_steps(&env, &steps, &none, 2, None, lines)?;
        }
        Ok(())
    }
}
