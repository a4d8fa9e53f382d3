//! What each plan node did in one query run, for `explain --analyze`: how often it ran, the
//! rows it left (summed over its runs — a nested body runs once per step that holds it, a rule
//! body once per semi-naive round), the time it took and, for a pattern, how it joined.

use std::time::Duration;

use crate::exec::pattern::Mode;

/// One node's counters.
#[derive(Clone, Debug, Default)]
pub(crate) struct Metrics {
    /// Times the node ran: once per run of the plan holding it that gave it rows.
    pub runs: u64,
    /// Batches it ran on, over all its runs (a node that streams gets its input in batches).
    pub batches: u64,
    /// The plan run that counted last in `runs` (batches of one run count once).
    pub last_run: u64,
    /// Rows after it, summed over its runs.
    pub rows: u64,
    /// Time spent in it (nested bodies included), summed over its runs.
    pub time: Duration,
    /// For a pattern: how many of its batches used each join method ([`Mode::ALL`] order).
    pub modes: [u64; 4],
}

impl Metrics {
    /// The join methods the runs used, as explain names them.
    pub(crate) fn joined(&self) -> Vec<String> {
        Mode::ALL
            .iter()
            .zip(self.modes)
            .filter(|(_, n)| *n > 0)
            .map(|(m, n)| {
                if n == self.batches || self.batches <= 1 {
                    m.describe().to_string()
                } else {
                    format!("{} ×{n}", m.describe())
                }
            })
            .collect()
    }
}
