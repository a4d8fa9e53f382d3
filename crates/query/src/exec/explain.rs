//! `explain`: the plan as text, one line per step (index, bound components, estimated rows), with
//! `--analyze` the actual rows and how each pattern was joined; nested bodies (`not`, `or`
//! branches, rule definitions) indented under their step.

use std::collections::{BTreeMap, BTreeSet};

use datolite_store::Db;

use crate::ast::{Clause, ClauseKind, Query, Rule, Var};
use crate::error::Result;
use crate::exec::rel::Rel;
use crate::exec::{aggregate, scan_aggregate, Exec};
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

/// The plans of the clause lists inside `clause` (`not` bodies, `or` branches), indented under
/// its explain line, as they would be planned for rows binding `bound`. Nested steps show
/// estimates only.
fn nested_plan(
    env: &plan::Env<'_>,
    clause: &Clause,
    bound: &BTreeSet<Var>,
    depth: usize,
    lines: &mut Vec<String>,
) -> Result<()> {
    let indent = "   ".repeat(depth);
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
        lines.push(format!("{indent}{what}:"));
        let mut inner = bound.clone();
        for (i, s) in plan::plan(env, clauses, bound, 1.0)?.iter().enumerate() {
            lines.push(format!("{indent}   {}. {}", i + 1, s.describe()));
            nested_plan(env, s.clause, &inner, depth + 2, lines)?;
            inner.extend(produced(s.clause));
        }
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
        let mut bound = rel.var_set();
        let mut actual = Vec::new();
        let out = if t.analyze {
            self.run_steps(rel, steps, Some(&mut actual))?
        } else {
            Rel::empty(Vec::new())
        };
        for (i, s) in steps.iter().enumerate() {
            let mut line = format!("{}. {}", i + 1, s.describe());
            if t.analyze {
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
            t.lines.push(line);
            nested_plan(env, s.clause, &bound, 1, &mut t.lines)?;
            bound.extend(produced(s.clause));
        }
        self.explain_rules(clauses, &mut t.lines)?;
        Ok(out)
    }

    /// For `explain`: each rule the query reaches, its relation's size, and each
    /// definition's body as planned from no bound variables (how rounds evaluate it).
    fn explain_rules(&self, clauses: &[Clause], lines: &mut Vec<String>) -> Result<()> {
        let names = reachable_rules(clauses, self.rules)?;
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
        for rule in self.rules.iter().filter(|r| names.contains(&r.name)) {
            let size = sizes.get(&rule.name).copied().unwrap_or(0);
            lines.push(format!("   {}  ({size} tuples)", rule.form));
            let mut bound = BTreeSet::new();
            for (i, s) in plan::plan(&env, &rule.body, &bound, 1.0)?
                .iter()
                .enumerate()
            {
                lines.push(format!("      {}. {}", i + 1, s.describe()));
                nested_plan(&env, s.clause, &bound, 3, lines)?;
                bound.extend(produced(s.clause));
            }
        }
        Ok(())
    }
}
