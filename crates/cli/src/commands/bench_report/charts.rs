//! The report's SVG charts, drawn from the benchmarks' outputs (`plots.rs` draws them).

use std::path::Path;

use serde_json::Value as Json;

use super::plots::{bar_chart, line_chart, short_number, Series, Titles};
use super::{ablation_rows, engine_rows, field, text, Results, OHLC_QUERIES, PEOPLE_QUERIES};
use crate::error::Result;

/// The charts drawn, as (file, alt text).
pub(super) type Charts = Vec<(&'static str, &'static str)>;

/// Draws the charts into `out`.
pub(super) fn draw(out: &Path, results: &Results) -> Result<Charts> {
    let mut charts = Vec::new();

    // Scan cost per datom against size, per engine: decoded and raw.
    let series = scan_series(
        results,
        &[
            ("decoded", "scan_decoded_ns_per_datom"),
            ("raw engine", "raw_engine_scan_ns_per_datom"),
        ],
    )?;
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

    // Selective queries against size, per engine.
    let series = scan_series(
        results,
        &[("lookup", "lookup_ms"), ("reverse ref", "reverse_ref_ms")],
    )?;
    line_chart(
        &out.join("selective.svg"),
        &Titles {
            caption: "Selective queries: median time against database size",
            x: "datoms",
            y: "ms",
        },
        &series,
        false,
    )?;
    charts.push(("selective.svg", "selective query time against size"));

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

fn push_point(series: &mut Vec<Series>, name: String, point: (f64, Option<f64>)) {
    match series.iter_mut().find(|s| s.name == name) {
        Some(s) => s.values.push(point),
        None => series.push(Series {
            name,
            values: vec![point],
        }),
    }
}

/// One line per engine and `(label, key)`: `bench scan`'s `key` against its datoms.
fn scan_series(results: &Results, keys: &[(&str, &str)]) -> Result<Vec<Series>> {
    let mut series = Vec::new();
    for engine in engines_in(&results.scans) {
        for (label, key) in keys {
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
    Ok(series)
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
