//! SVG pictures for the examples (plotters, SVG backend only).

use plotters::prelude::*;

/// Colors of classes 0, 1, 2, ... for points, and lighter ones for regions.
const POINT_COLORS: [RGBColor; 4] =
    [RGBColor(31, 119, 180), RGBColor(214, 39, 40), RGBColor(44, 160, 44), RGBColor(148, 103, 189)];

/// Writes a picture of a 2-D classifier: the plane colored by the predicted
/// class (`decide(x, y)` gives the class and a confidence in [0, 1]), and the
/// labelled points on top.
pub fn decision_boundary(
    path: &str,
    title: &str,
    points: &[(f32, f32, usize)],
    decide: impl Fn(&[(f32, f32)]) -> Vec<(usize, f32)>,
) -> Result<(), Box<dyn std::error::Error>> {
    let (x_min, x_max, y_min, y_max) = bounds(points);
    let root = SVGBackend::new(path, (640, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(40)
        .build_cartesian_2d(x_min..x_max, y_min..y_max)?;
    chart.configure_mesh().disable_mesh().draw()?;

    // The plane as a grid of cells, each filled with its predicted class.
    let cells = 120;
    let (dx, dy) = ((x_max - x_min) / cells as f32, (y_max - y_min) / cells as f32);
    let centers: Vec<(f32, f32)> = (0..cells * cells)
        .map(|i| (x_min + (i % cells) as f32 * dx + dx / 2.0, y_min + (i / cells) as f32 * dy + dy / 2.0))
        .collect();
    let decisions = decide(&centers);
    chart.draw_series(centers.iter().zip(&decisions).map(|(&(x, y), &(class, confidence))| {
        let base = POINT_COLORS[class % POINT_COLORS.len()];
        let alpha = 0.1 + 0.25 * confidence as f64;
        Rectangle::new([(x - dx / 2.0, y - dy / 2.0), (x + dx / 2.0, y + dy / 2.0)], base.mix(alpha).filled())
    }))?;
    chart.draw_series(points.iter().map(|&(x, y, class)| {
        Circle::new((x, y), 3, POINT_COLORS[class % POINT_COLORS.len()].filled().stroke_width(1))
    }))?;
    root.present()?;
    Ok(())
}

/// The points' bounding box with a margin.
fn bounds(points: &[(f32, f32, usize)]) -> (f32, f32, f32, f32) {
    let xs = points.iter().map(|p| p.0);
    let ys = points.iter().map(|p| p.1);
    let (x_min, x_max) = xs.fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (y_min, y_max) = ys.fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (mx, my) = (0.1 * (x_max - x_min) + 0.1, 0.1 * (y_max - y_min) + 0.1);
    (x_min - mx, x_max + mx, y_min - my, y_max + my)
}

/// Colors of line series: matplotlib's "tab10", in its order.
const LINE_COLORS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Writes a line chart: one colored line per named series of `(x, y)`
/// points, with a legend to the right of the plot (so that it never hides a
/// curve). With `log_y` the y axis is logarithmic and points with `y <= 0`
/// are left out.
///
/// Where a series runs over an earlier one (same x, y within 0.2% of the
/// y range), it is drawn dashed, so that both colors show. Series beyond the
/// tenth color are dashed throughout.
///
/// Meant for anything plotted against steps: learning-rate schedules, loss
/// curves of several optimizers.
pub fn lines(
    path: &str,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[(&str, Vec<(f64, f64)>)],
    log_y: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let series: Vec<(&str, Vec<(f64, f64)>)> = series
        .iter()
        .map(|(name, points)| {
            (
                *name,
                points
                    .iter()
                    .copied()
                    .filter(|&(x, y)| x.is_finite() && y.is_finite() && (!log_y || y > 0.0))
                    .collect(),
            )
        })
        .collect();
    let points = || series.iter().flat_map(|(_, s)| s.iter().copied());
    let (mut x_min, mut x_max) =
        points().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| (lo.min(p.0), hi.max(p.0)));
    let (mut y_min, mut y_max) =
        points().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
    if x_min > x_max {
        (x_min, x_max, y_min, y_max) = (0.0, 1.0, if log_y { 0.1 } else { 0.0 }, 1.0);
    }
    if x_min == x_max {
        x_max = x_min + 1.0;
    }

    // The legend's width from its longest name (about 7 px a character at 15 px).
    let longest = series.iter().map(|(name, _)| name.chars().count()).max().unwrap_or(0) as u32;
    let legend_width = 60 + 7 * longest;
    let root = SVGBackend::new(path, (760 + legend_width, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let (plot_area, legend_area) = root.split_horizontally(760);
    if log_y {
        let (lo, hi) = (y_min / 1.5, if y_max > y_min { y_max * 1.5 } else { y_min * 10.0 });
        let tolerance = 0.002 * (hi / lo).ln();
        let same = move |a: f64, b: f64| (a / b).ln().abs() <= tolerance;
        draw_lines(&plot_area, title, x_label, y_label, x_min..x_max, (lo..hi).log_scale(), &series, same)?;
    } else {
        let lo = y_min.min(0.0);
        let hi = if y_max > lo { y_max + 0.05 * (y_max - lo) } else { lo + 1.0 };
        let tolerance = 0.002 * (hi - lo);
        let same = move |a: f64, b: f64| (a - b).abs() <= tolerance;
        draw_lines(&plot_area, title, x_label, y_label, x_min..x_max, lo..hi, &series, same)?;
    }

    // The legend: a short line in the series' style, then its name.
    for (i, (name, _)) in series.iter().enumerate() {
        let y = 60 + 24 * i as i32;
        let style = LINE_COLORS[i % LINE_COLORS.len()].stroke_width(3);
        if i < LINE_COLORS.len() {
            legend_area.draw(&PathElement::new(vec![(8, y), (40, y)], style))?;
        } else {
            legend_area.draw(&PathElement::new(vec![(8, y), (18, y)], style))?;
            legend_area.draw(&PathElement::new(vec![(28, y), (38, y)], style))?;
        }
        legend_area.draw(&Text::new(name.to_string(), (48, y - 8), ("sans-serif", 15)))?;
    }
    root.present()?;
    Ok(())
}

/// The chart of [`lines`] on a y axis given by `y_spec` (linear or log);
/// `same(y1, y2)` says whether two y values coincide on the picture.
#[allow(clippy::too_many_arguments)]
fn draw_lines<Y>(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    title: &str,
    x_label: &str,
    y_label: &str,
    x_range: std::ops::Range<f64>,
    y_spec: Y,
    series: &[(&str, Vec<(f64, f64)>)],
    same: impl Fn(f64, f64) -> bool,
) -> Result<(), Box<dyn std::error::Error>>
where
    Y: plotters::coord::ranged1d::AsRangedCoord<Value = f64>,
    Y::CoordDescType: plotters::coord::ranged1d::ValueFormatter<f64>,
{
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(64)
        .build_cartesian_2d(x_range, y_spec)?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .x_label_formatter(&|&x| tick_label(x))
        .y_label_formatter(&|&y| tick_label(y))
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.08))
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 15))
        .draw()?;

    // The y values of the series drawn so far, by x.
    let mut drawn: std::collections::HashMap<u64, Vec<f64>> = std::collections::HashMap::new();
    for (i, (_, points)) in series.iter().enumerate() {
        // One point per pixel column (the first, and the series' last point):
        // the SVG has integer coordinates, and several points in one column
        // would draw a zigzag with spiky joins.
        let mut last_column = None;
        let points: Vec<(f64, f64)> = points
            .iter()
            .enumerate()
            .filter(|&(k, &p)| {
                let column = chart.backend_coord(&p).0;
                let keep = last_column != Some(column) || k + 1 == points.len();
                last_column = Some(column);
                keep
            })
            .map(|(_, &p)| p)
            .collect();
        let points = &points;
        let style = LINE_COLORS[i % LINE_COLORS.len()].stroke_width(2);
        let covered: Vec<bool> = points
            .iter()
            .map(|&(x, y)| {
                i >= LINE_COLORS.len() || drawn.get(&x.to_bits()).is_some_and(|ys| ys.iter().any(|&v| same(v, y)))
            })
            .collect();
        // Runs of segments, each either over an earlier series (dashed) or not (solid).
        let mut start = 0;
        while start + 1 < points.len() {
            let dashed = covered[start] && covered[start + 1];
            let mut end = start + 1;
            while end + 1 < points.len() && (covered[end] && covered[end + 1]) == dashed {
                end += 1;
            }
            let run = points[start..=end].to_vec();
            if dashed {
                chart.draw_series(DashedLineSeries::new(run, 7, 7, style))?;
            } else {
                chart.draw_series(LineSeries::new(run, style))?;
            }
            start = end;
        }
        if points.len() == 1 {
            chart.draw_series(PointSeries::of_element(points.clone(), 2, style.filled(), &|c, s, st| {
                Circle::new(c, s, st)
            }))?;
        }
        for &(x, y) in points {
            drawn.entry(x.to_bits()).or_default().push(y);
        }
    }
    Ok(())
}

/// A short axis label: three significant digits, plain between 1e-3 and
/// 1e6, scientific otherwise, without trailing zeros (`0.05`, `250`, `1e-5`).
fn tick_label(v: f64) -> String {
    fn trim(text: &str) -> &str {
        if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.') } else { text }
    }
    let a = v.abs();
    if v == 0.0 || !v.is_finite() {
        format!("{v}")
    } else if (1e-3..1e6).contains(&a) {
        let decimals = (2 - a.log10().floor() as i32).max(0) as usize;
        trim(&format!("{v:.decimals$}")).to_string()
    } else {
        let text = format!("{v:.2e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        format!("{}e{exponent}", trim(mantissa))
    }
}
