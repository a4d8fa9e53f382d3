//! A query's budget (`docs/design.md`, §8.12 Bounded queries): a time limit, a limit on the
//! rows any one step makes, and cancellation from another thread.
//!
//! The executor checks the budget where work accumulates: each batch a plan step hands on
//! (counting that step's rows over the whole query), every few thousand datoms a scan visits
//! (so a scan that filters everything out still notices the clock), each index lookup, each
//! round of a rule's fixpoint (whose relation counts as a step) and each level of a closure
//! search. Exceeding it stops the query with [`QueryError::Limit`] naming the step; nothing is
//! returned, and the database is only read.

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use datolite_edn::Pos;

use crate::ast::Clause;
use crate::error::{QueryError, Result};

/// Datoms a scan visits between two looks at the clock.
pub(crate) const CHECK_EVERY: u32 = 4096;

/// Limits on one query run. The default has none.
#[derive(Clone, Debug, Default)]
pub struct QueryOptions {
    /// The longest the query may run.
    pub timeout: Option<Duration>,
    /// The most rows any one step of the plan may make over the whole query (a rule's
    /// relation counts as a step): what bounds the memory a query can take.
    pub max_rows: Option<u64>,
    /// Set from another thread to stop the query.
    pub cancel: Option<Cancel>,
}

/// A handle that stops the queries it was given to: clone it into [`QueryOptions::cancel`],
/// keep a clone, and call [`Cancel::cancel`] from any thread.
#[derive(Clone, Debug, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A handle not yet cancelled.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Stops every query running with this handle at its next check (within a few thousand
    /// datoms), and every later one.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`Cancel::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// The budget of one query run, checked by the executor.
#[derive(Default)]
pub(crate) struct Budget {
    options: QueryOptions,
    start: Option<Instant>,
    /// Rows made so far by each plan step, by node id.
    rows: RefCell<Vec<u64>>,
    /// Lookups since the clock was last read.
    ticks: Cell<u32>,
}

impl Budget {
    /// The budget of `options`, starting now.
    pub(crate) fn new(options: &QueryOptions) -> Budget {
        Budget {
            options: options.clone(),
            start: Some(Instant::now()),
            ..Budget::default()
        }
    }

    /// What is left of the budget, for a run of its own (a subquery with other sources): the
    /// same limits, the time already spent taken off.
    pub(crate) fn remaining(&self) -> QueryOptions {
        let spent = self.start.map_or(Duration::ZERO, |s| s.elapsed());
        QueryOptions {
            timeout: self.options.timeout.map(|t| t.saturating_sub(spent)),
            ..self.options.clone()
        }
    }

    /// Whether there is anything to check (the hot paths skip the checks otherwise).
    pub(crate) fn limited(&self) -> bool {
        self.options.timeout.is_some() || self.options.cancel.is_some()
    }

    /// Fails when the query was cancelled or ran out of time, naming `clause` as the step it
    /// was running.
    pub(crate) fn check(&self, clause: &Clause) -> Result<()> {
        self.check_at(|| format!("step {}", clause.form), clause.pos)
    }

    /// [`Budget::check`] with the step described by `what`, at `pos` in the query.
    pub(crate) fn check_at(&self, what: impl Fn() -> String, pos: Pos) -> Result<()> {
        if self
            .options
            .cancel
            .as_ref()
            .is_some_and(Cancel::is_cancelled)
        {
            return Err(limit(
                format!("the query was cancelled while running {}", what()),
                pos,
            ));
        }
        if let (Some(timeout), Some(start)) = (self.options.timeout, self.start) {
            let elapsed = start.elapsed();
            if elapsed > timeout {
                return Err(limit(
                    format!(
                        "the query ran out of time ({} ms, its limit is {} ms) while running {}",
                        elapsed.as_millis(),
                        timeout.as_millis(),
                        what()
                    ),
                    pos,
                ));
            }
        }
        Ok(())
    }

    /// One index lookup or scan begins: the clock is read every [`CHECK_EVERY`] of them.
    #[inline]
    pub(crate) fn tick(&self, clause: &Clause) -> Result<()> {
        let n = self.ticks.get() + 1;
        if n < CHECK_EVERY {
            self.ticks.set(n);
            return Ok(());
        }
        self.ticks.set(0);
        self.check(clause)
    }

    /// Step `node` (of `clause`) made `n` more rows: fails when its total passes the limit,
    /// or when the query is out of time or cancelled.
    pub(crate) fn made(&self, node: usize, n: u64, clause: &Clause) -> Result<()> {
        if let Some(max) = self.options.max_rows {
            let mut rows = self.rows.borrow_mut();
            if rows.len() <= node {
                rows.resize(node + 1, 0);
            }
            rows[node] += n;
            if rows[node] > max {
                return Err(too_many(
                    max,
                    || format!("step {}", clause.form),
                    clause.pos,
                ));
            }
        }
        self.check(clause)
    }

    /// A rule's relation (or a search's reached set) holds `n` tuples (`what` names it): fails
    /// past the row limit, or when the query is out of time or cancelled.
    pub(crate) fn holds(&self, n: usize, what: impl Fn() -> String, pos: Pos) -> Result<()> {
        match self.options.max_rows {
            Some(max) if n as u64 > max => Err(too_many(max, what, pos)),
            _ => self.check_at(what, pos),
        }
    }
}

fn too_many(max: u64, what: impl Fn() -> String, pos: Pos) -> QueryError {
    limit(
        format!(
            "{} made more than {max} rows, the query's row limit; narrow the query (bind more \
             of it, join its parts through a variable) or raise the limit",
            what()
        ),
        pos,
    )
}

fn limit(message: String, pos: Pos) -> QueryError {
    QueryError::Limit { message, pos }
}
