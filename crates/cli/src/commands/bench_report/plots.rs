//! The SVG charts of `bench report` (crate `plotters`, SVG backend only — no font library: the
//! SVG's text is drawn by whatever displays it).
//!
//! Two shapes cover every chart: lines over a logarithmic x axis (a rate against database
//! size) and grouped bars over named groups (an optimization's speed-up at each size, a query's
//! latency on each database). Both take their numbers as given; nothing here measures.

use std::ops::Range;
use std::path::Path;

use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::{CliError, Result};

/// One named line or bar series.
pub(super) struct Series {
    /// The legend's text.
    pub name: String,
    /// (x, y) points of a line chart, or one y per group of a bar chart (`None`: not measured).
    pub values: Vec<(f64, Option<f64>)>,
}

/// A chart's titles.
pub(super) struct Titles<'a> {
    /// Above the chart.
    pub caption: &'a str,
    /// Under the x axis.
    pub x: &'a str,
    /// Beside the y axis.
    pub y: &'a str,
}

/// Chart size in pixels.
const SIZE: (u32, u32) = (900, 520);
/// The series' colours, in order (colour-blind-safe Tableau 10).
const PALETTE: [RGBColor; 8] = [
    RGBColor(78, 121, 167),
    RGBColor(242, 142, 43),
    RGBColor(225, 87, 89),
    RGBColor(118, 183, 178),
    RGBColor(89, 161, 79),
    RGBColor(237, 201, 72),
    RGBColor(176, 122, 161),
    RGBColor(156, 117, 95),
];

fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

fn plot_error<E: std::fmt::Display>(path: &Path) -> impl Fn(E) -> CliError + '_ {
    move |e| CliError::msg(format!("cannot draw {}: {e}", path.display()))
}

/// Head room above the highest value, as a share of the axis, so the legend (upper right)
/// stays clear of the data.
const HEAD_ROOM: f64 = 0.3;

/// The range of the positive values in `values` on a log scale, with a margin below and above
/// — and the head room above too when the axis is a y axis (`head_room`).
fn log_range(values: impl Iterator<Item = f64>, head_room: bool) -> Range<f64> {
    let (lo, hi) = values
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo > hi {
        return 0.1..10.0;
    }
    let (lo, hi) = (lo / 1.6, hi * 1.6);
    if !head_room {
        return lo..hi;
    }
    let decades = (hi / lo).log10();
    lo..(hi * 10f64.powf(decades * HEAD_ROOM / (1.0 - HEAD_ROOM)))
}

/// The top of a linear axis from 0 that shows `max` with the head room above.
fn linear_top(max: f64) -> f64 {
    max.max(1e-9) / (1.0 - HEAD_ROOM)
}

/// Lines over a logarithmic x axis; the y axis is logarithmic when `log_y`.
pub(super) fn line_chart(
    path: &Path,
    titles: &Titles<'_>,
    series: &[Series],
    log_y: bool,
) -> Result<()> {
    let err = plot_error(path);
    let points = || series.iter().flat_map(|s| s.values.iter());
    let x = log_range(points().map(|(x, _)| *x), false);
    let ys: Vec<f64> = points().filter_map(|(_, y)| *y).collect();
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(&err)?;
    let mut builder = frame(&root, titles);
    let x_axis = x.log_scale();
    if log_y {
        let mut chart = builder
            .build_cartesian_2d(x_axis, log_range(ys.iter().copied(), true).log_scale())
            .map_err(&err)?;
        mesh_and_lines(&mut chart, titles, series).map_err(&err)?;
    } else {
        let top = linear_top(ys.iter().copied().fold(0.0f64, f64::max));
        let mut chart = builder.build_cartesian_2d(x_axis, 0.0..top).map_err(&err)?;
        mesh_and_lines(&mut chart, titles, series).map_err(&err)?;
    }
    root.present().map_err(&err)
}

/// A chart's frame on `root`: the caption and room for the axes' labels.
fn frame<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    titles: &Titles<'_>,
) -> ChartBuilder<'a, 'b, SVGBackend<'b>> {
    let mut builder = ChartBuilder::on(root);
    builder
        .caption(titles.caption, ("sans-serif", 20))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(70);
    builder
}

type Chart<'a, 'b, X, Y> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<X, Y>>;

fn mesh_and_lines<'a, 'b: 'a, X, Y>(
    chart: &mut Chart<'a, 'b, X, Y>,
    titles: &Titles<'_>,
    series: &[Series],
) -> std::result::Result<(), DrawingAreaErrorKind<std::io::Error>>
where
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    chart
        .configure_mesh()
        .x_desc(titles.x)
        .y_desc(titles.y)
        .x_label_formatter(&|v| short_number(*v))
        .y_label_formatter(&|v| short_number(*v))
        .draw()?;
    for (i, s) in series.iter().enumerate() {
        let style = colour(i).stroke_width(2);
        let points: Vec<(f64, f64)> = s
            .values
            .iter()
            .filter_map(|(x, y)| y.map(|y| (*x, y)))
            .collect();
        chart
            .draw_series(LineSeries::new(points.clone(), style))?
            .label(s.name.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
        chart.draw_series(
            points
                .into_iter()
                .map(|p| Circle::new(p, 3, colour(i).filled())),
        )?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
}

/// Grouped bars: one group per name in `groups`, one bar per series in each group, on a
/// logarithmic y axis when `log_y` (speed-ups and latencies span several orders of magnitude).
pub(super) fn bar_chart(
    path: &Path,
    titles: &Titles<'_>,
    groups: &[String],
    series: &[Series],
    log_y: bool,
) -> Result<()> {
    let err = plot_error(path);
    let ys: Vec<f64> = series
        .iter()
        .flat_map(|s| s.values.iter().filter_map(|(_, y)| *y))
        .collect();
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(&err)?;
    let mut builder = frame(&root, titles);
    let x = -0.5..(groups.len() as f64 - 0.5);
    if log_y {
        let y = log_range(ys.iter().copied(), true);
        let floor = y.start;
        let mut chart = builder.build_cartesian_2d(x, y.log_scale()).map_err(&err)?;
        mesh_and_bars(&mut chart, titles, groups, series, floor).map_err(&err)?;
    } else {
        let top = linear_top(ys.iter().copied().fold(0.0f64, f64::max));
        let mut chart = builder.build_cartesian_2d(x, 0.0..top).map_err(&err)?;
        mesh_and_bars(&mut chart, titles, groups, series, 0.0).map_err(&err)?;
    }
    root.present().map_err(&err)
}

fn mesh_and_bars<'a, 'b: 'a, Y>(
    chart: &mut Chart<'a, 'b, RangedCoordf64, Y>,
    titles: &Titles<'_>,
    groups: &[String],
    series: &[Series],
    floor: f64,
) -> std::result::Result<(), DrawingAreaErrorKind<std::io::Error>>
where
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let label = |v: &f64| {
        let i = v.round();
        if (v - i).abs() < 1e-6 && i >= 0.0 {
            groups.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(groups.len().max(1) * 4 + 1)
        .x_label_formatter(&label)
        .x_desc(titles.x)
        .y_desc(titles.y)
        .y_label_formatter(&|v| short_number(*v))
        .draw()?;
    let width = 0.8 / series.len().max(1) as f64;
    for (i, s) in series.iter().enumerate() {
        let fill = colour(i).filled();
        let bars = s.values.iter().enumerate().filter_map(|(g, (_, y))| {
            let y = (*y)?;
            let left = g as f64 - 0.4 + width * i as f64;
            Some(Rectangle::new([(left, floor), (left + width, y)], fill))
        });
        chart
            .draw_series(bars)?
            .label(s.name.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], fill));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
}

/// `1240000` → `1.24M`, `0.05` → `0.05`: axis labels that fit.
pub(super) fn short_number(v: f64) -> String {
    let a = v.abs();
    let (scaled, suffix) = if a >= 1e9 {
        (v / 1e9, "G")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e3 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let text = format!("{scaled:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::short_number;

    #[test]
    fn short_numbers() {
        assert_eq!(short_number(1_240_000.0), "1.24M");
        assert_eq!(short_number(124_000.0), "124k");
        assert_eq!(short_number(10_000_000.0), "10M");
        assert_eq!(short_number(0.05), "0.05");
        assert_eq!(short_number(2.0), "2");
    }
}
