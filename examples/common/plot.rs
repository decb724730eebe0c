//! SVG pictures for the examples (plotters, SVG backend only).

use plotters::prelude::*;

use super::chart::{LineChart, Series};
use super::figure::Figure;

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

/// Writes a line chart: one colored line per named series of `(x, y)`
/// points, with a legend to the right of the plot (so that it never hides a
/// curve). With `log_y` the y axis is logarithmic and points with `y <= 0`
/// are left out. Where a series runs over an earlier one it is drawn
/// dashed, so that both colors show.
///
/// Meant for anything plotted against steps: learning-rate schedules, loss
/// curves of several optimizers. For several panels in one picture, or log
/// x axes, build a [`LineChart`] and a [`Figure`] directly.
pub fn lines(
    path: &str,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[(&str, Vec<(f64, f64)>)],
    log_y: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut chart = LineChart::new(title, x_label, y_label)
        .with(series.iter().map(|(name, points)| Series::line(*name, points.clone())));
    if log_y {
        chart = chart.log_y();
    }
    Figure::new().plot_size(760, 560).panel(chart).save(path)
}
