//! Contour pictures of 2-D loss surfaces with optimizer paths on top.

use plotters::prelude::*;

/// Colors of the paths, one per optimizer.
pub const PATH_COLORS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

/// The line segments where `f = level` on a grid of `cells × cells` over
/// the box, by marching squares: each cell whose corners straddle the level
/// contributes the segment between the crossing points on its edges.
fn level_segments(
    values: &[f64],
    cells: usize,
    (x0, x1, y0, y1): (f64, f64, f64, f64),
    level: f64,
) -> Vec<[(f64, f64); 2]> {
    let at = |i: usize, j: usize| values[j * (cells + 1) + i];
    let point = |i: f64, j: f64| (x0 + (x1 - x0) * i / cells as f64, y0 + (y1 - y0) * j / cells as f64);
    let mut segments = Vec::new();
    for j in 0..cells {
        for i in 0..cells {
            // Corners counter-clockwise from the bottom left, with grid coordinates.
            let corners = [
                (i as f64, j as f64, at(i, j)),
                (i as f64 + 1.0, j as f64, at(i + 1, j)),
                (i as f64 + 1.0, j as f64 + 1.0, at(i + 1, j + 1)),
                (i as f64, j as f64 + 1.0, at(i, j + 1)),
            ];
            let mut crossings = Vec::with_capacity(4);
            for e in 0..4 {
                let (xa, ya, va) = corners[e];
                let (xb, yb, vb) = corners[(e + 1) % 4];
                if (va < level) != (vb < level) {
                    let t = (level - va) / (vb - va);
                    crossings.push(point(xa + t * (xb - xa), ya + t * (yb - ya)));
                }
            }
            // Two crossings: one segment; four (a saddle cell): two.
            for pair in crossings.chunks_exact(2) {
                segments.push([pair[0], pair[1]]);
            }
        }
    }
    segments
}

/// Writes an SVG of the surface `f` over the box as contour lines at
/// `levels`, with each named path drawn on top and a legend.
pub fn surface_with_paths(
    path: &str,
    title: &str,
    bounds: (f64, f64, f64, f64),
    f: impl Fn(f64, f64) -> f64,
    levels: &[f64],
    paths: &[(String, Vec<(f64, f64)>)],
) -> Result<(), Box<dyn std::error::Error>> {
    let (x0, x1, y0, y1) = bounds;
    let cells = 200;
    let values: Vec<f64> = (0..=cells)
        .flat_map(|j| (0..=cells).map(move |i| (i, j)))
        .map(|(i, j)| f(x0 + (x1 - x0) * i as f64 / cells as f64, y0 + (y1 - y0) * j as f64 / cells as f64))
        .collect();

    let root = SVGBackend::new(path, (760, 620)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(32)
        .y_label_area_size(44)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    chart.configure_mesh().disable_mesh().x_desc("x").y_desc("y").draw()?;

    for (k, &level) in levels.iter().enumerate() {
        let shade = 200 - (150 * k / levels.len().max(1)) as u8;
        let style = RGBColor(shade, shade, shade).stroke_width(1);
        for segment in level_segments(&values, cells, bounds, level) {
            chart.draw_series(std::iter::once(PathElement::new(segment.to_vec(), style)))?;
        }
    }
    for (k, (name, points)) in paths.iter().enumerate() {
        let color = PATH_COLORS[k % PATH_COLORS.len()];
        // Keep the path inside the box: an optimizer that diverges leaves it.
        let inside: Vec<(f64, f64)> = points
            .iter()
            .copied()
            .take_while(|&(x, y)| x.is_finite() && y.is_finite() && x >= x0 && x <= x1 && y >= y0 && y <= y1)
            .collect();
        // Earlier paths are drawn wider, so that a later one running along
        // the same line leaves them visible at its sides.
        let width = 2 + 2 * (paths.len() - 1 - k) as u32;
        chart
            .draw_series(std::iter::once(PathElement::new(inside.clone(), color.mix(0.7).stroke_width(width))))?
            .label(name.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(3)));
        if let Some(&end) = inside.last() {
            chart.draw_series(std::iter::once(Circle::new(end, 4, color.filled())))?;
        }
    }
    if let Some((_, points)) = paths.first()
        && let Some(&start) = points.first()
    {
        chart.draw_series(std::iter::once(Cross::new(start, 7, BLACK.stroke_width(2))))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}
