//! Timing of repeated runs for the benchmarks: one untimed warm-up run, then the median of
//! the timed runs (a run over [`SLOW_MS`] is not repeated).

use std::time::Instant;

use crate::error::Result;

/// A run slower than this is measured once: repeating it would only make the benchmark
/// slower, not more honest.
pub const SLOW_MS: f64 = 5_000.0;

/// What [`time_runs`] measured.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// The median wall time of the timed runs, in milliseconds.
    pub median_ms: f64,
    /// What the last run returned (rows).
    pub rows: usize,
    /// How many timed runs there were.
    pub runs: usize,
}

/// Runs `f` once untimed (the first run also pays for touching the snapshot's pages), then
/// `runs` times timed.
pub fn time_runs(runs: usize, f: impl FnMut() -> Result<usize>) -> Result<Timing> {
    time_runs_after(runs, || {}, f)
}

/// [`time_runs`], calling `before` ahead of every timed run, outside the timing (the
/// benchmarks' cold runs empty a cache there).
pub fn time_runs_after(
    runs: usize,
    mut before: impl FnMut(),
    mut f: impl FnMut() -> Result<usize>,
) -> Result<Timing> {
    f()?;
    let mut samples = Vec::with_capacity(runs);
    let mut rows = 0;
    for _ in 0..runs.max(1) {
        before();
        let start = Instant::now();
        rows = f()?;
        samples.push(start.elapsed().as_secs_f64() * 1000.0);
        if samples.len() == 1 && samples[0] > SLOW_MS {
            break;
        }
    }
    Ok(Timing {
        median_ms: median(&mut samples),
        rows,
        runs: samples.len(),
    })
}

/// The median of `samples` (sorted in place; 0 for none).
pub fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    let n = samples.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        samples[n / 2]
    } else {
        (samples[n / 2 - 1] + samples[n / 2]) / 2.0
    }
}
