//! `explain`: the query planned — and with analyze run — by the executor itself, so the tree it
//! reports is the tree that runs; each node rendered with its plan and, with analyze, the
//! metrics it gathered.

use datolite_store::Db;

use crate::ast::{Query, Rule};
use crate::error::Result;
use crate::exec::budget::Budget;
use crate::exec::QueryOptions;
use crate::exec::{aggregate, top_level_aggregate, Exec};
use crate::explain::{Actual, Body, Explain, PlanNode};
use crate::plan::{Join, Node, Op, Plan, Repeat, ScanJoin};
use crate::result::InputValue;
use crate::sources::Sources;

/// The plan of `query`; with `analyze`, run, each node with what it did.
pub(crate) fn explain(
    db: &Db,
    query: &Query,
    inputs: &[InputValue],
    rules: &[Rule],
    analyze: bool,
    limits: &QueryOptions,
) -> Result<Explain> {
    query.check_inputs(inputs.len())?;
    let sources = Sources::new(db, query, inputs)?;
    let (query, rules) = crate::sources::scope(query, rules);
    let query = &*crate::resolve::query(&sources, &query)?;
    let mut x = Explain {
        analyzed: analyze,
        sources: sources
            .iter()
            .filter_map(|(name, db)| Some(format!("{name} = {}", db.view_description()?)))
            .collect(),
        ..Explain::default()
    };
    if let Some(plan) = top_level_aggregate(db, query, inputs)? {
        let clause = &query.where_clauses[0];
        let workers = plan.workers;
        let mut node = PlanNode {
            op: "aggregate while scanning".into(),
            clause: clause.form.clone(),
            access: Some("AEVT [a]".into()),
            detail: Some(format!(
                "est. datoms {}, {workers} worker{}, no rows built",
                db.stats().count(plan.attr.id),
                if workers == 1 { "" } else { "s" }
            )),
            ..PlanNode::default()
        };
        if analyze {
            let start = std::time::Instant::now();
            let rows = aggregate::run(db, &plan, query)?.len();
            node.actual = Some(Actual {
                runs: 1,
                batches: 1,
                rows: rows as u64,
                ms: start.elapsed().as_secs_f64() * 1e3,
                joined: Vec::new(),
            });
        }
        x.steps.push(node);
        return Ok(x);
    }
    let mut exec = Exec::new(&sources, &rules)?;
    exec.budget = Budget::new(limits);
    exec.analyzing.set(analyze);
    *exec.rule_plans.borrow_mut() = Some(Vec::new());
    exec.run(query, inputs, Some(&mut x))?;
    Ok(x)
}

impl Explain {
    /// The plan of a query answered from the statistics.
    pub(crate) fn count_from_stats(&mut self, n: u64, why: String) {
        self.steps.push(PlanNode {
            op: "count from statistics".into(),
            detail: Some(format!("{why} = {n}, O(1), no scan")),
            actual: self.analyzed.then(|| Actual {
                runs: 1,
                batches: 1,
                rows: u64::from(n > 0),
                ..Actual::default()
            }),
            ..PlanNode::default()
        });
    }
}

/// How explain describes a join the plan chose.
fn describe_join(join: &Join) -> Option<String> {
    let scan = |s: &ScanJoin| {
        // A merge needs an id in every input row at the key (rows are sorted by it);
        // otherwise the scan is hashed.
        let how = if s.merge { "merge or hash" } else { "hash" };
        format!("{} scan + {how} join on {}", s.access, s.key.name())
    };
    match join {
        Join::Product => None,
        Join::Lookups => Some("index lookups".into()),
        Join::Scan(s) => Some(scan(s)),
        Join::Adaptive { from_rows, scan: s } => Some(format!(
            "index lookups under {from_rows} rows, else {}",
            scan(s)
        )),
    }
}

impl Exec<'_> {
    /// The nodes of `plan`, with what they did when `analyzed`.
    pub(crate) fn explain_plan(&self, plan: &Plan<'_>, analyzed: bool) -> Vec<PlanNode> {
        plan.nodes
            .iter()
            .map(|n| self.explain_node(n, analyzed))
            .collect()
    }

    fn explain_node(&self, node: &Node<'_>, analyzed: bool) -> PlanNode {
        let body = |label: &str, plan: &Plan<'_>| Body {
            label: label.into(),
            steps: self.explain_plan(plan, analyzed),
        };
        let (op, access, join, bodies) = match &node.op {
            Op::Pattern(p) => (
                "scan",
                Some(p.per_row.to_string()),
                describe_join(&p.join),
                Vec::new(),
            ),
            Op::Filter => ("filter", None, None, Vec::new()),
            Op::Bind => ("bind", None, None, Vec::new()),
            Op::AntiJoin { body: b, .. } => ("anti-join", None, None, vec![body("not", b)]),
            Op::Union { branches, .. } => (
                "union",
                None,
                None,
                branches.iter().map(|b| body("branch", b)).collect(),
            ),
            Op::And(b) => ("and", None, None, vec![body("and", b)]),
            Op::Closure(c) => (
                "search",
                None,
                Some(format!(
                    "closure searched {} from argument {}{}",
                    if c.start == 0 { "forward" } else { "backward" },
                    c.start + 1,
                    if c.repeats { ", chains repeated" } else { "" }
                )),
                c.phases
                    .iter()
                    .flat_map(|p| {
                        p.steps.iter().map(move |(from, to, plan)| {
                            let how = match p.repeat {
                                Repeat::Once => "exit",
                                Repeat::ZeroOrMore => "step, zero or more times,",
                                Repeat::OneOrMore => "step (the exit), one or more times,",
                            };
                            body(&format!("{how} {from} → {to}"), plan)
                        })
                    })
                    .collect(),
            ),
            Op::Rule(r) => (
                "rule",
                None,
                {
                    let demand = r.demand.as_ref().map(|adornment| {
                        let bound: Vec<String> = adornment
                            .iter()
                            .enumerate()
                            .filter(|(_, b)| **b)
                            .map(|(i, _)| (i + 1).to_string())
                            .collect();
                        format!(
                            "evaluated on demand (magic sets) for the values of argument{} {}",
                            if bound.len() == 1 { "" } else { "s" },
                            bound.join(", ")
                        )
                    });
                    let hashed = r.index_arg.map(|i| {
                        format!(
                            "relation hashed on argument {} from {} row × tuple pairs",
                            i + 1,
                            r.index_from_pairs
                        )
                    });
                    match (demand, hashed) {
                        (Some(d), Some(h)) => Some(format!("{d}; {h}")),
                        (d, h) => d.or(h),
                    }
                },
                Vec::new(),
            ),
        };
        let actual = analyzed.then(|| {
            let metrics = self.metrics.borrow();
            let m = metrics.get(node.id.0).cloned().unwrap_or_default();
            Actual {
                runs: m.runs,
                batches: m.batches,
                rows: m.rows,
                ms: m.time.as_secs_f64() * 1e3,
                joined: m.joined(),
            }
        });
        PlanNode {
            op: op.into(),
            clause: node.clause.form.clone(),
            access,
            join,
            absorbed: node.absorbed.iter().map(|c| c.form.clone()).collect(),
            est_rows: Some(node.est),
            detail: None,
            actual,
            bodies,
        }
    }
}
