//! `datolite bench parallel [--datoms N] [--trials T] [--format table|edn|json]`: why a parallel
//! scan's speed-up moves from run to run.
//!
//! A parallel decoded fold over EAVT with every worker versus one worker, `--trials` times,
//! back to back. Every part of a fold carries a clock: its worker thread, and the wall and
//! thread CPU time (`CLOCK_THREAD_CPUTIME_ID`) at its start and every 256 datoms. A fold's
//! wall time then splits into:
//!
//! - **start**: from the call until the last worker begins its first part (snapshots, cut
//!   points, waking a pool thread);
//! - **CPU inflation**: the CPU time of all workers over the one-worker fold's — above 1, the
//!   same datoms cost more CPU when read at once (shared caches, memory bandwidth, a sibling
//!   hardware thread on the host, the hypervisor);
//! - **preempted**: time inside a part while its worker was off the CPU (another task, or the
//!   machine's steal, which is reported beside it from `/proc/stat`);
//! - **imbalance**: between the first and the last worker to finish.
//!
//! Beside each trial, the same measurement of a pure arithmetic loop (no memory traffic) on one
//! and on every worker shows what this machine's cores give at that moment: the scan cannot
//! scale better than the cores do.

use std::time::Instant;

use clap::Args;
use datolite::{Database, Db, Index};
use serde::Serialize;

use crate::commands::bench::load;
use crate::commands::storage_options;
use crate::error::{CliError, Result};
use crate::measure::{fold_datom, parallel_fold};
use crate::output::{self, round3, Format};

/// Arguments of `bench parallel`.
#[derive(Debug, Args)]
pub struct ParallelBenchArgs {
    /// Datoms to load (entities of five attributes each).
    #[arg(long, value_name = "N", default_value_t = 1_240_000, value_parser = clap::value_parser!(u64).range(1_000..=1_000_000_000))]
    datoms: u64,

    /// Trials: each one fold with every worker and one with a single worker.
    #[arg(long, value_name = "T", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    trials: u64,

    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// One part of a fold as its worker saw it: which thread, and its wall and CPU clocks (ms) at
/// the part's start and at its last checkpoint (every `CHECKPOINT` datoms, so the end is
/// known to within a few microseconds without reading a clock per datom).
#[derive(Debug, Clone, Copy)]
struct PartClock {
    thread: usize,
    start: f64,
    end: f64,
    cpu_start: f64,
    cpu_end: f64,
}

/// Datoms between two clock readings inside a part.
const CHECKPOINT: u64 = 256;

/// A timed fold's accumulator: the (count, checksum) of `fold_datom` and the parts' clocks.
struct Timed {
    totals: (u64, u64),
    in_part: u64,
    parts: Vec<PartClock>,
}

/// One timed fold, taken apart.
#[derive(Debug, Default, Clone, Serialize)]
struct Run {
    wall_ms: f64,
    /// CPU time spent inside parts, all workers together.
    cpu_ms: f64,
    /// Time inside parts when the worker was not on a CPU (preempted, or its vCPU stolen).
    preempted_ms: f64,
    /// From the call to the last worker's first part (snapshots, cut points, waking a thread).
    start_ms: f64,
    /// Between the first and the last worker to finish its last part.
    imbalance_ms: f64,
    /// Worker threads that ran parts.
    threads: usize,
}

/// One trial: the fold with one worker and with every worker, and the arithmetic probe.
#[derive(Debug, Serialize)]
struct Trial {
    one: Run,
    all: Run,
    /// `one.wall_ms / all.wall_ms`.
    speedup: f64,
    /// `all.cpu_ms / one.cpu_ms`: above 1, the same datoms cost more CPU read at once.
    inflation: f64,
    /// The machine's steal time during the parallel fold (all CPUs; clock-tick resolution).
    steal_ms: f64,
    /// The arithmetic loop's speed-up with every worker at the same moment.
    cores_speedup: f64,
}

/// The JSON of `bench parallel`.
#[derive(Debug, Serialize)]
struct ParallelJson {
    datoms: u64,
    workers: usize,
    /// The number of keys in each part the range is cut into.
    part_sizes: Vec<u64>,
    trials: Vec<Trial>,
    speedup: Spread,
    inflation: Spread,
    cores_speedup: Spread,
    /// Pearson correlation of the scan's speed-up with the cores' speed-up across trials.
    speedup_vs_cores_correlation: f64,
}

/// Minimum, median and maximum over the trials.
#[derive(Debug, Serialize)]
struct Spread {
    min: f64,
    median: f64,
    max: f64,
}

/// Runs `bench parallel`.
pub fn run(args: ParallelBenchArgs) -> Result<()> {
    let options = storage_options()?;
    let workers = options.parallel_workers.max(2);
    let tmp = tempfile::TempDir::with_prefix("datolite-bench-parallel-")
        .map_err(|e| CliError::msg(format!("cannot create a temporary directory: {e}")))?;
    let database = Database::open(tmp.path(), options)?;
    load(&database, args.datoms)?;
    let db = database.db()?;
    let datoms = db.count()?;
    let part_sizes = db.scan(Index::Eavt).parallel(workers).part_sizes()?;

    // The plain fold is the reference; the first run also maps the pages and starts the pool.
    let expected = parallel_fold(&db, workers)?;
    let probe_work = calibrate_probe();
    let mut trials = Vec::new();
    for _ in 0..args.trials {
        let one = timed_fold(&db, 1, expected)?;
        let steal_before = steal_ms();
        let all = timed_fold(&db, workers, expected)?;
        let steal = steal_ms().zip(steal_before).map_or(0.0, |(a, b)| a - b);
        let probe_one = wall_ms(|| probe(1, probe_work * workers as u64));
        let probe_all = wall_ms(|| probe(workers, probe_work));
        trials.push(Trial {
            speedup: round3(one.wall_ms / all.wall_ms),
            inflation: round3(all.cpu_ms / one.cpu_ms),
            steal_ms: round3(steal),
            cores_speedup: round3(probe_one / probe_all),
            one,
            all,
        });
    }
    let pick = |f: fn(&Trial) -> f64| trials.iter().map(f).collect::<Vec<f64>>();
    let report = ParallelJson {
        datoms,
        workers,
        part_sizes,
        speedup: spread(pick(|t| t.speedup)),
        inflation: spread(pick(|t| t.inflation)),
        cores_speedup: spread(pick(|t| t.cores_speedup)),
        speedup_vs_cores_correlation: round3(correlation(
            &pick(|t| t.speedup),
            &pick(|t| t.cores_speedup),
        )),
        trials,
    };
    match args.format {
        Format::Edn | Format::Json => output::print_data(args.format, &report),
        Format::Table => output::print_text(&table_text(&report)),
    }
}

/// The parallel decoded fold with a clock on every part, checked against `expected`.
fn timed_fold(db: &Db, workers: usize, expected: (u64, u64)) -> Result<Run> {
    let epoch = Instant::now();
    let since = move || epoch.elapsed().as_secs_f64() * 1e3;
    let timed = db.scan(Index::Eavt).parallel(workers).fold(
        || {
            let (now, cpu) = (since(), thread_cpu_ms());
            Timed {
                totals: (0, 0),
                in_part: 0,
                parts: vec![PartClock {
                    thread: rayon::current_thread_index().unwrap_or(usize::MAX),
                    start: now,
                    end: now,
                    cpu_start: cpu,
                    cpu_end: cpu,
                }],
            }
        },
        |acc, d| {
            fold_datom(&mut acc.totals, d);
            acc.in_part += 1;
            if acc.in_part % CHECKPOINT == 0 {
                if let Some(part) = acc.parts.last_mut() {
                    part.end = since();
                    part.cpu_end = thread_cpu_ms();
                }
            }
        },
        |mut a, b| {
            a.totals = (a.totals.0 + b.totals.0, a.totals.1.wrapping_add(b.totals.1));
            a.parts.extend(b.parts);
            a
        },
    )?;
    let wall_ms = since();
    if timed.totals != expected {
        return Err(CliError::msg(format!(
            "a timed fold read {:?}, the plain fold {expected:?}; this is a bug in datolite",
            timed.totals
        )));
    }
    Ok(take_apart(wall_ms, &timed.parts))
}

/// A fold's wall time split by what its parts' clocks say.
fn take_apart(wall_ms: f64, parts: &[PartClock]) -> Run {
    let mut threads: Vec<usize> = parts.iter().map(|p| p.thread).collect();
    threads.sort_unstable();
    threads.dedup();
    let mut firsts = Vec::new();
    let mut lasts = Vec::new();
    for thread in &threads {
        let mine = parts.iter().filter(|p| p.thread == *thread);
        firsts.push(mine.clone().map(|p| p.start).fold(f64::MAX, f64::min));
        lasts.push(mine.map(|p| p.end).fold(0.0, f64::max));
    }
    let cpu_ms: f64 = parts.iter().map(|p| p.cpu_end - p.cpu_start).sum();
    let busy_ms: f64 = parts.iter().map(|p| p.end - p.start).sum();
    let max = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
    let min = |v: &[f64]| v.iter().copied().fold(f64::MAX, f64::min);
    Run {
        wall_ms: round3(wall_ms),
        cpu_ms: round3(cpu_ms),
        preempted_ms: round3((busy_ms - cpu_ms).max(0.0)),
        start_ms: round3(max(&firsts)),
        imbalance_ms: round3(max(&lasts) - min(&lasts)),
        threads: threads.len(),
    }
}

fn wall_ms(work: impl FnOnce() -> u64) -> f64 {
    let start = Instant::now();
    std::hint::black_box(work());
    start.elapsed().as_secs_f64() * 1e3
}

/// The calling thread's CPU time in ms.
fn thread_cpu_ms() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec this function owns; the clock id is a constant.
    let code = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if code != 0 {
        return 0.0;
    }
    ts.tv_sec as f64 * 1e3 + ts.tv_nsec as f64 / 1e6
}

/// The machine's total steal time in ms (`/proc/stat`'s eighth `cpu` field, in clock ticks).
fn steal_ms() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    let ticks: f64 = text
        .lines()
        .next()?
        .split_whitespace()
        .nth(8)?
        .parse()
        .ok()?;
    // SAFETY: sysconf only reads a configuration value.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    (hz > 0).then(|| ticks * 1e3 / hz as f64)
}

/// Iterations of the arithmetic loop that take about as long as a 10 ms piece of work.
fn calibrate_probe() -> u64 {
    let mut n = 1u64 << 16;
    loop {
        let start = Instant::now();
        std::hint::black_box(spin(n));
        if start.elapsed().as_secs_f64() >= 0.01 || n >= 1 << 40 {
            return n;
        }
        n *= 2;
    }
}

/// `per_worker` iterations on each of `workers` pool threads.
fn probe(workers: usize, per_worker: u64) -> u64 {
    use rayon::prelude::*;
    (0..workers)
        .into_par_iter()
        .map(|i| spin(per_worker + i as u64))
        .reduce(|| 0, u64::wrapping_add)
}

/// A dependent chain of xorshift steps: pure arithmetic, no memory traffic.
fn spin(n: u64) -> u64 {
    let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ n;
    for _ in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    x
}

fn spread(mut values: Vec<f64>) -> Spread {
    let median = round3(crate::commands::timing::median(&mut values));
    Spread {
        min: values.first().copied().unwrap_or(0.0),
        median,
        max: values.last().copied().unwrap_or(0.0),
    }
}

/// Pearson's correlation (0 when either side does not vary).
fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len()) as f64;
    if n < 2.0 {
        return 0.0;
    }
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut cov, mut va, mut vb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        cov += (x - ma) * (y - mb);
        va += (x - ma).powi(2);
        vb += (y - mb).powi(2);
    }
    if va == 0.0 || vb == 0.0 {
        0.0
    } else {
        cov / (va * vb).sqrt()
    }
}

fn table_text(report: &ParallelJson) -> String {
    let mut table = output::table(
        &[
            "trial",
            "1 worker ms",
            "all ms",
            "speed-up",
            "CPU inflation",
            "start ms",
            "preempted ms",
            "imbalance ms",
            "steal ms",
            "cores' speed-up",
        ],
        &[1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    for (i, t) in report.trials.iter().enumerate() {
        table.add_row(vec![
            (i + 1).to_string(),
            format!("{:.2}", t.one.wall_ms),
            format!("{:.2}", t.all.wall_ms),
            format!("{:.2}×", t.speedup),
            format!("{:.3}", t.inflation),
            format!("{:.2}", t.all.start_ms),
            format!("{:.2}", t.all.preempted_ms),
            format!("{:.2}", t.all.imbalance_ms),
            format!("{:.0}", t.steal_ms),
            format!("{:.2}×", t.cores_speedup),
        ]);
    }
    let s = |x: &Spread| format!("{:.2} / {:.2} / {:.2}", x.min, x.median, x.max);
    format!(
        "bench parallel: {} datoms, {} workers, parts of {:?} keys\n{table}\n\
         min / median / max — speed-up {}, CPU inflation {}, cores' speed-up {}\n\
         correlation of the scan's speed-up with the cores' = {:.2}",
        report.datoms,
        report.workers,
        report.part_sizes,
        s(&report.speedup),
        s(&report.inflation),
        s(&report.cores_speedup),
        report.speedup_vs_cores_correlation,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreads_and_correlations() {
        let s = spread(vec![3.0, 1.0, 2.0]);
        assert_eq!((s.min, s.median, s.max), (1.0, 2.0, 3.0));
        assert!((correlation(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]) - 1.0).abs() < 1e-9);
        assert!((correlation(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]) + 1.0).abs() < 1e-9);
        assert_eq!(correlation(&[1.0, 1.0], &[2.0, 3.0]), 0.0);
    }

    #[test]
    fn this_threads_cpu_time_advances() {
        let before = thread_cpu_ms();
        std::hint::black_box(spin(5_000_000));
        assert!(thread_cpu_ms() > before);
    }
}
