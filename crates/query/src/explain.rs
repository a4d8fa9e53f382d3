//! What `explain` returns: the physical plan tree of a query ([`crate::plan`]) in a form for
//! people ([`Explain`]'s `Display`: one numbered line per node, nested bodies indented under
//! their node) and for tools ([`Explain::to_json`]). With analyze, every node — nested bodies
//! and rule bodies included — carries what it did ([`Actual`]).

use std::fmt;

use serde::Serialize;

/// A query's plan, as [`crate::explain_plan`] reports it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Explain {
    /// Whether the query ran and the nodes carry [`Actual`] figures.
    pub analyzed: bool,
    /// Scalar inputs inlined as constants (`?min = 150000.5`).
    pub inputs_inlined: Vec<String>,
    /// Rows the inputs bind before the first node (absent when the query needs no rows).
    pub input_rows: Option<usize>,
    /// The sources that read another value than the committed current state, each with what
    /// it reads (`$ = as of t 3`, `$h = history`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// The top-level nodes, in the order they run.
    pub steps: Vec<PlanNode>,
    /// Each rule definition the query reaches, computed before the query runs.
    pub rules: Vec<RulePlan>,
}

/// One node of a plan.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PlanNode {
    /// What it does: `scan`, `filter`, `bind`, `anti-join`, `union`, `and`, `rule`,
    /// `count from statistics`, `aggregate while scanning`.
    pub op: String,
    /// The clause it runs, as written (empty for a whole-query node).
    pub clause: String,
    /// For a data pattern: the index and the components bound per lookup (`EAVT [e a]`,
    /// `AVET [a] range v > 150000`).
    pub access: Option<String>,
    /// For a data pattern: how it joins the rows before it.
    pub join: Option<String>,
    /// Range predicates the node's AVET bounds answer exactly (no filter runs for them).
    pub absorbed: Vec<String>,
    /// Estimated rows after the node.
    pub est_rows: Option<f64>,
    /// Anything else the node fixes (a count's source, an aggregate's workers).
    pub detail: Option<String>,
    /// With analyze: what the node did.
    pub actual: Option<Actual>,
    /// Nested bodies: a `not`'s body, an `or`'s branches, an `and`'s clauses.
    pub bodies: Vec<Body>,
}

/// A nested clause list's plan.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Body {
    /// `not`, `branch` or `and`.
    pub label: String,
    /// Its nodes, in the order they run.
    pub steps: Vec<PlanNode>,
}

/// What a node did when the query ran.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Actual {
    /// How many times it ran (a nested body once per run of its node, a rule body once per
    /// round); 0 when no rows were left to run it on.
    pub runs: u64,
    /// The batches of rows it ran on, over all its runs (a step fed by a pipeline runs once per
    /// batch the steps before it hand on).
    pub batches: u64,
    /// Rows after it, summed over its runs.
    pub rows: u64,
    /// Milliseconds spent in it (its nested bodies included), summed over its runs.
    pub ms: f64,
    /// For a data pattern: the join methods its runs used (`index lookups`, `scan + hash
    /// join`, `scan + merge join`, `scan`).
    pub joined: Vec<String>,
}

/// A rule definition's plan.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RulePlan {
    /// The definition, as written.
    pub rule: String,
    /// Tuples in the rule's relation once computed.
    pub tuples: usize,
    /// The body's nodes, planned from no bound variables.
    pub steps: Vec<PlanNode>,
}

impl Explain {
    /// The plan as compact JSON (the fields of these types, `null` where absent).
    pub fn to_json(&self) -> String {
        // Every field is a string, number, bool, list or struct: serialising cannot fail.
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

/// An estimate as whole rows, or in scientific notation when huge.
fn fmt_est(x: f64) -> String {
    if x >= 1e15 {
        format!("{x:.3e}")
    } else {
        format!("{}", x.ceil() as u64)
    }
}

impl fmt::Display for Explain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut lines = Vec::new();
        if !self.sources.is_empty() {
            lines.push(format!("sources: {}", self.sources.join(", ")));
        }
        if !self.inputs_inlined.is_empty() {
            lines.push(format!(
                "inputs inlined: {}",
                self.inputs_inlined.join(", ")
            ));
        }
        if let Some(n) = self.input_rows {
            lines.push(format!("input rows: {n}"));
        }
        push_steps(&self.steps, 0, &mut lines);
        if !self.rules.is_empty() {
            lines.push("rules (computed bottom-up, semi-naive; a call evaluated on demand computes its rewrite when it runs):".into());
            for r in &self.rules {
                lines.push(format!("   {}  ({} tuples)", r.rule, r.tuples));
                push_steps(&r.steps, 2, &mut lines);
            }
        }
        f.write_str(&lines.join("\n"))
    }
}

/// One numbered line per node at `depth`, each followed by its bodies.
fn push_steps(steps: &[PlanNode], depth: usize, lines: &mut Vec<String>) {
    let indent = "   ".repeat(depth);
    for (i, s) in steps.iter().enumerate() {
        lines.push(format!("{indent}{}. {}", i + 1, s.line()));
        for b in &s.bodies {
            lines.push(format!("{indent}   {}:", b.label));
            push_steps(&b.steps, depth + 2, lines);
        }
    }
}

impl PlanNode {
    /// The node's line, without its number.
    fn line(&self) -> String {
        let mut line = self.op.clone();
        for part in [self.access.as_deref(), Some(self.clause.as_str())]
            .into_iter()
            .flatten()
            .filter(|p| !p.is_empty())
        {
            line.push(' ');
            line.push_str(part);
        }
        for a in &self.absorbed {
            line.push_str(" + ");
            line.push_str(a);
        }
        let mut planned: Vec<String> = Vec::new();
        if let Some(est) = self.est_rows {
            planned.push(format!("est. rows {}", fmt_est(est)));
        }
        planned.extend(self.join.iter().cloned());
        planned.extend(self.detail.iter().cloned());
        if !planned.is_empty() {
            line.push_str(&format!("  ({})", planned.join("; ")));
        }
        if let Some(a) = &self.actual {
            if a.runs == 0 {
                line.push_str("  (not run: no rows left)");
            } else {
                line.push_str(&format!("  actual rows {}", a.rows));
                if !a.joined.is_empty() {
                    line.push_str(&format!(" ({})", a.joined.join(", ")));
                }
                if a.runs > 1 {
                    line.push_str(&format!(" over {} runs", a.runs));
                }
                if a.batches > a.runs {
                    line.push_str(&format!(" in {} batches", a.batches));
                }
                line.push_str(&format!(" in {:.3} ms", a.ms));
            }
        }
        line
    }
}
