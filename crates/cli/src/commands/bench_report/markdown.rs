//! The report's `README.md`: the machine, the headline ratios, one section per benchmark and
//! the commands that printed every number, all read from the benchmarks' outputs.

use std::fmt::Write as _;

use serde_json::Value as Json;

use super::charts::Charts;
use super::plots::short_number;
use super::{
    ablation_rows, array, engine_rows, field, text, Ran, ReportBenchArgs, Results, OHLC_QUERIES,
    PEOPLE_QUERIES,
};
use crate::commands::bench_ablation::disk_engines;
use crate::error::{CliError, Result};

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

/// A section: its heading, what it measures, its table, and its chart when drawn.
fn table_section(
    heading: &str,
    about: &str,
    header: &[&str],
    rows: &[Vec<String>],
    chart: &str,
) -> String {
    format!(
        "## {heading}\n\n{about}\n\n{}\n{chart}",
        markdown(header, rows)
    )
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
pub(super) fn readme(
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
            num(field(json, "lookup_ms")?),
            num(field(json, "reverse_ref_ms")?),
        ]);
    }
    md.push_str(&table_section(
        "Scans at each size (`bench scan`)",
        "A full EAVT scan of the whole database, decoding every datom, beside the bare engine \
         cursor over the same keys; the time per datom shows how the cost grows with the \
         database. *lookup* and *reverse ref* are selective queries (median ms): the entities \
         with one `:bench/long` value and their doubles (AVET), and who refers to them (AVET, \
         then VAET) — their time shows how a query that reads a few datoms grows with it.",
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
            "lookup ms",
            "reverse ref ms",
        ],
        &rows,
        &format!("{}{}", chart("scan-rate.svg"), chart("selective.svg")),
    ));

    md.push_str(&parallel_section(&results.parallel)?);

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
    md.push_str(&table_section(
        "Each optimization off and on (`bench ablation`)",
        "Each row times the same work with one optimization off and on, on the same LMDB \
         database; *all together* turns all of them on at once.",
        &header,
        &table,
        &chart("ablation.svg"),
    ));

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
    md.push_str(&table_section(
        "Engines side by side (`bench ablation`)",
        "The same data loaded through the transactor (transactions of 100,000 datoms) into each \
         engine, then read.",
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
        &chart("load-rate.svg"),
    ));

    if let Some((size, json)) = results.ablations.first() {
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
        md.push_str(&table_section(
            &format!("Durability modes (`bench ablation --datoms {size}`)"),
            "One-entity transactions one after the other, each committed before the next.",
            &["engine", "sync", "transactions", "ms/tx", "tx/s"],
            &rows,
            "",
        ));
    }

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
    md.push_str(&table_section(
        "Bulk import (`bench import`)",
        "The bulk loader into a new LMDB database beside a bare LMDB append of the same sorted \
         keys (the floor).",
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
        "",
    ));

    if !results.ohlc.is_empty() {
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
        md.push_str(&table_section(
            "Market data (`bench ohlc`)",
            "Hourly OHLC bars; median ms (rows) of each query: the latest close per symbol, daily \
             high/low for a month through a subquery, bars in a time range with a price \
             predicate, bars per symbol.",
            &header,
            &rows,
            &chart("ohlc.svg"),
        ));
    }

    md.push_str(&peers_section(results, &chart("peers.svg"))?);
    md.push_str(&tune_section(&results.tune)?);
    Ok(md)
}

/// The parallel speed-up's spread over the trials, and what it went with.
fn parallel_section(runs: &[(u64, Json)]) -> Result<String> {
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
    Ok(table_section(
        "Parallel scans, trial after trial (`bench parallel`)",
        "A decoded fold over EAVT with every worker and with one, back to back, trial after \
         trial; *cores* is the same comparison for a loop of pure arithmetic run right after, \
         which is as well as this machine's cores can scale at that moment. Inflation is the \
         CPU time of all workers over one worker's; start, preempted and imbalance are medians \
         over the trials of the parallel fold's time before its last worker began, inside parts \
         while off the CPU, and between the first and the last worker to finish.",
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
        "",
    ))
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
    const HEADING: &str = "Beside the peers (datascript-bench people, 100k datoms)";
    let Some(peers) = &results.peers else {
        return Ok(format!(
            "## {HEADING}\n\nNot measured in this report: run it with `--peers ../shared/peers` \
             to time the same queries on Datalevin and DataScript.\n\n"
        ));
    };
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
    Ok(table_section(
        HEADING,
        "Median ms of each measure on the same EDN data set; each peer runs its own script \
         (listed under Commands); `add_all` loads the 100k datoms in one transaction.",
        &header,
        &rows,
        chart,
    ))
}

/// What `tune` measured and recommends.
fn tune_section(tune: &Json) -> Result<String> {
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
    Ok(table_section(
        "What `tune` recommends here",
        &format!(
            "Calibrated on {} datoms.",
            thousands(field(tune, "calibration_datoms")? as u64)
        ),
        &["knob", "recommended", "measured", "why"],
        &rows,
        "",
    ))
}

#[cfg(test)]
mod tests {
    use super::markdown;

    #[test]
    fn markdown_tables_align_numbers_right() {
        let t = markdown(&["a", "b"], &[vec!["x".into(), "2".into()]]);
        assert_eq!(t, "| a | b |\n|---|---:|\n| x | 2 |\n");
    }
}
