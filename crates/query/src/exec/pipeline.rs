//! Running a plan's nodes as a pipeline of row batches (`docs/design.md`, §8.3, Pipelining).
//!
//! A data pattern hands its output on in batches of [`BATCH_ROWS`] rows as it makes them (a
//! scan emits while it reads; other steps hand on their whole output), and a node that can run on part of its input — a predicate,
//! a function expression, a pattern read by index lookups per row — runs on each batch as it
//! comes, so the rows between such nodes are never gathered. A node that needs its whole
//! input (a scan joined by hashing or merging, an adaptive join deciding by the input's size,
//! negation, `or`, rule calls) marks the end of a pipeline: the batches before it are
//! gathered into one relation, which it then reads. Peak memory follows the widest gathered
//! relation and the output, not the sum of every step's rows.
//!
//! Invariants:
//! - The rows a plan produces are the same bag, in the same order, as running each node over
//!   the whole relation before it: batching only changes when rows move, never which.
//! - A node runs with its own source active; the nodes after it, called from inside it while
//!   it emits, run with the source that was active when it started (each switches to its own).
//! - A node's time in `explain --analyze` excludes the time the nodes after it spent on its
//!   batches.

use std::time::{Duration, Instant};

use crate::ast::ClauseKind;
use crate::error::Result;
use crate::exec::rel::Rel;
use crate::exec::Exec;
use crate::plan::{Join, Node, Op, Plan};

/// Rows per batch: small enough that a batch and its successor stay in the CPU's caches, large
/// enough that per-batch work (compiling a step's slots, resolving its function) is noise.
pub(crate) const BATCH_ROWS: usize = 2048;

/// Where a node's output batches go.
pub(crate) type Sink<'s> = dyn FnMut(Rel) -> Result<()> + 's;

/// Whether `node` can run on each batch of its input separately (a row's output depends on
/// that row alone, and nothing is read once for all rows).
fn streams(node: &Node<'_>) -> bool {
    match &node.op {
        Op::Filter | Op::Bind => true,
        Op::Pattern(p) => matches!(p.join, Join::Lookups),
        _ => false,
    }
}

impl Exec<'_> {
    /// Runs a plan's nodes over `rel` and gathers their output.
    pub(crate) fn run_plan(&self, rel: Rel, plan: &Plan<'_>) -> Result<Rel> {
        let mut out = Rel::empty(rel.vars().to_vec());
        self.run_plan_into(rel, plan, &mut |batch| {
            out.append(batch);
            Ok(())
        })?;
        Ok(out)
    }

    /// Runs a plan's nodes over `rel`, handing the output to `sink` batch by batch (never an
    /// empty batch).
    pub(crate) fn run_plan_into(
        &self,
        rel: Rel,
        plan: &Plan<'_>,
        sink: &mut Sink<'_>,
    ) -> Result<()> {
        // Counts each node's run once however many batches it gets (see `run_node`).
        let run = self.plan_runs.get() + 1;
        self.plan_runs.set(run);
        self.run_nodes(rel, &plan.nodes, run, sink)
    }

    /// Runs `nodes` over the whole relation `rel`: pipelines up to each node that needs its
    /// whole input, whose input is gathered first.
    fn run_nodes(&self, rel: Rel, nodes: &[Node<'_>], run: u64, sink: &mut Sink<'_>) -> Result<()> {
        if rel.is_empty() {
            return Ok(());
        }
        let Some((first, rest)) = nodes.split_first() else {
            return sink(rel);
        };
        let end = rest.iter().position(|n| !streams(n)).unwrap_or(rest.len());
        let (streaming, after) = rest.split_at(end);
        if after.is_empty() {
            return self.run_pipeline(rel, first, streaming, run, sink);
        }
        let mut gathered = Rel::empty(Vec::new());
        self.run_pipeline(rel, first, streaming, run, &mut |batch| {
            gathered.append(batch);
            Ok(())
        })?;
        self.run_nodes(gathered, after, run, sink)
    }

    /// Runs `first` over `rel`, and each of its batches through `streaming` into `sink`.
    fn run_pipeline(
        &self,
        rel: Rel,
        first: &Node<'_>,
        streaming: &[Node<'_>],
        run: u64,
        sink: &mut Sink<'_>,
    ) -> Result<()> {
        self.run_node(
            rel,
            first,
            run,
            &mut |batch| match streaming.split_first() {
                None => sink(batch),
                Some((next, more)) => self.run_pipeline(batch, next, more, run, sink),
            },
        )
    }

    /// Runs one node over `rel` with its source active, emitting its output in batches, and
    /// counts what it did when analyzing (`run`: the plan run it belongs to).
    fn run_node(&self, rel: Rel, node: &Node<'_>, run: u64, emit: &mut Sink<'_>) -> Result<()> {
        let outer = self.active.get();
        let analyzing = self.analyzing.get();
        let start = analyzing.then(Instant::now);
        let mut rows = 0u64;
        let mut downstream = Duration::ZERO;
        // The nodes after this one run with the source active before it, and their time is
        // theirs.
        let mut pass = |batch: Rel| {
            rows += batch.len() as u64;
            self.budget
                .made(node.id.0, batch.len() as u64, node.clause)?;
            let inner = self.active.replace(outer);
            let before = analyzing.then(Instant::now);
            let out = emit(batch);
            if let Some(before) = before {
                downstream += before.elapsed();
            }
            self.active.set(inner);
            out
        };
        let clause = node.clause;
        let src = match &clause.kind {
            ClauseKind::Pattern(p) => p.src.as_ref(),
            ClauseKind::Pred(c) | ClauseKind::Fn { call: c, .. } => c.src(),
            _ => None,
        };
        let out = if src.is_some() {
            self.reading(src, || self.run_op(rel, node, &mut pass))
        } else {
            self.run_op(rel, node, &mut pass)
        };
        if let Some(start) = start {
            let time = start.elapsed().saturating_sub(downstream);
            self.record(node, |m| {
                if m.last_run != run {
                    m.last_run = run;
                    m.runs += 1;
                }
                m.batches += 1;
                m.rows += rows;
                m.time += time;
            });
        }
        out
    }

    fn run_op(&self, rel: Rel, node: &Node<'_>, emit: &mut Sink<'_>) -> Result<()> {
        let clause = node.clause;
        // Steps that make their output whole hand it on as one batch.
        let mut whole = |out: Result<Rel>| {
            let out = out?;
            if out.is_empty() {
                Ok(())
            } else {
                emit(out)
            }
        };
        match (&node.op, &clause.kind) {
            (Op::Pattern(op), ClauseKind::Pattern(p)) => self.pattern_step(rel, p, node, op, emit),
            (Op::Filter, ClauseKind::Pred(c)) => whole(self.filter(rel, c, clause)),
            (Op::Bind, ClauseKind::Fn { call: c, binding }) => {
                whole(self.bind(rel, c, binding, clause))
            }
            (Op::AntiJoin { keys, body }, _) => whole(self.anti_join(rel, keys, body)),
            (Op::Union { targets, branches }, _) => whole(self.union(rel, targets, branches)),
            (Op::And(body), _) => self.run_plan_into(rel, body, emit),
            (Op::Rule(op), ClauseKind::RuleCall { name, args, .. }) => {
                whole(self.rule_step(rel, clause, name, args, op))
            }
            (Op::Closure(op), ClauseKind::RuleCall { name, args, .. }) => {
                whole(self.closure_step(rel, clause, name, args, op))
            }
            _ => Err(crate::error::QueryError::invalid(
                format!("internal: the plan's node does not fit {}", clause.form),
                clause.pos,
            )),
        }
    }
}
