//! Contour pictures of 2-D loss surfaces with optimizer paths on top, drawn
//! into one panel of a [`Figure`](super::figure::Figure).

use std::collections::{HashMap, VecDeque};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::DrawResult;
use super::figure::{COLORS, legend_width};

/// A path over the surface: the points an optimizer visited.
#[derive(Clone, Debug)]
pub struct Path {
    name: String,
    points: Vec<(f64, f64)>,
    color: Option<usize>,
    marker_every: Option<usize>,
}

impl Path {
    /// The path through `points`, colored by its place in the chart.
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Path { name: name.into(), points, color: None, marker_every: None }
    }

    /// Uses color `k` of the palette.
    pub fn color(mut self, k: usize) -> Self {
        self.color = Some(k);
        self
    }

    /// The color of the path at `place` in its chart.
    fn rgb(&self, place: usize) -> RGBColor {
        COLORS[self.color.unwrap_or(place) % COLORS.len()]
    }

    /// A hollow marker every `k` steps, so that speed along the path shows:
    /// markers bunch up where the optimizer crawls.
    pub fn markers_every(mut self, k: usize) -> Self {
        self.marker_every = Some(k.max(1));
        self
    }
}

/// Where a chart's heights come from.
enum Heights<'a> {
    /// A function, evaluated on a grid of `GRID_CELLS` cells a side.
    Function(Box<dyn Fn(f64, f64) -> f64 + 'a>),
    /// Values already computed on a grid of `cells` cells a side, row by row
    /// from the bottom (`(cells + 1)²` of them).
    Grid { values: Vec<f64>, cells: usize },
}

/// Cells per side of the grid a function is evaluated on.
const GRID_CELLS: usize = 120;

/// A surface over a box, as contour lines at `levels`, with paths.
pub struct SurfaceChart<'a> {
    title: String,
    bounds: (f64, f64, f64, f64),
    heights: Heights<'a>,
    levels: Vec<f64>,
    labels: (String, String),
    paths: Vec<Path>,
}

impl<'a> SurfaceChart<'a> {
    /// The surface `f` over `(x0, x1, y0, y1)` with contour lines at
    /// `levels` (drawn darker as the level rises) and axes named `x`, `y`.
    pub fn new(
        title: impl Into<String>,
        bounds: (f64, f64, f64, f64),
        f: impl Fn(f64, f64) -> f64 + 'a,
        levels: Vec<f64>,
    ) -> Self {
        SurfaceChart {
            title: title.into(),
            bounds,
            heights: Heights::Function(Box::new(f)),
            levels,
            labels: ("x".into(), "y".into()),
            paths: Vec::new(),
        }
    }

    /// A surface given by its values on a grid of `cells` cells a side over
    /// `(x0, x1, y0, y1)`, row by row from `y0` up (`(cells + 1)²` values):
    /// for surfaces that are costly to evaluate, such as a network's loss.
    pub fn from_grid(
        title: impl Into<String>,
        bounds: (f64, f64, f64, f64),
        values: Vec<f64>,
        cells: usize,
        levels: Vec<f64>,
    ) -> Self {
        assert_eq!(
            values.len(),
            (cells + 1) * (cells + 1),
            "SurfaceChart::from_grid: {} values for {cells} cells",
            values.len()
        );
        SurfaceChart { heights: Heights::Grid { values, cells }, ..Self::new(title, bounds, |_, _| 0.0, levels) }
    }

    /// Names the axes.
    pub fn axes(mut self, x: impl Into<String>, y: impl Into<String>) -> Self {
        self.labels = (x.into(), y.into());
        self
    }

    /// Adds a path.
    pub fn path(mut self, path: Path) -> Self {
        self.paths.push(path);
        self
    }

    /// Width of the legend column this chart needs (0 if no path is named).
    pub fn legend_width(&self) -> u32 {
        if self.paths.iter().all(|p| p.name.is_empty()) {
            0
        } else {
            legend_width(self.paths.iter().map(|p| p.name.as_str()))
        }
    }

    /// Draws the contour lines, the paths (a cross at the first path's
    /// start, a dot where each ends) and the legend in the rightmost
    /// `legend_width` pixels of `area`.
    pub fn draw(&self, area: &DrawingArea<SVGBackend<'_>, Shift>, legend_width: u32) -> DrawResult {
        let (x0, x1, y0, y1) = self.bounds;
        let (width, _) = area.dim_in_pixel();
        let (plot_area, legend_area) = area.split_horizontally(width.saturating_sub(legend_width));
        let mut chart = ChartBuilder::on(&plot_area)
            .caption(&self.title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(48)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(&self.labels.0)
            .y_desc(&self.labels.1)
            .label_style(("sans-serif", 13))
            .axis_desc_style(("sans-serif", 15))
            .draw()?;

        // Data coordinates to pixels, apart from the chart, which drawing borrows.
        let coords = chart.as_coord_spec().clone();
        let (values, cells) = match &self.heights {
            Heights::Function(f) => {
                let cells = GRID_CELLS;
                let at = |(i, j): (usize, usize)| {
                    f(x0 + (x1 - x0) * i as f64 / cells as f64, y0 + (y1 - y0) * j as f64 / cells as f64)
                };
                (
                    std::borrow::Cow::Owned(
                        (0..=cells).flat_map(|j| (0..=cells).map(move |i| (i, j))).map(at).collect(),
                    ),
                    cells,
                )
            }
            Heights::Grid { values, cells } => (std::borrow::Cow::Borrowed(values.as_slice()), *cells),
        };
        for (k, &level) in self.levels.iter().enumerate() {
            let shade = 200 - (150 * k / self.levels.len().max(1)) as u8;
            let style = RGBColor(shade, shade, shade).stroke_width(1);
            let lines = level_lines(&values, cells, self.bounds, level);
            let pixel = |p: &(f64, f64)| coords.translate(p);
            chart.draw_series(lines.into_iter().map(|line| PathElement::new(distinct_pixels(line, pixel), style)))?;
        }

        let inside = |&(x, y): &(f64, f64)| x.is_finite() && y.is_finite() && x >= x0 && x <= x1 && y >= y0 && y <= y1;
        for (k, path) in self.paths.iter().enumerate() {
            let color = path.rgb(k);
            // Keep the path inside the box: an optimizer that diverges leaves it.
            let shown: Vec<(f64, f64)> = path.points.iter().copied().take_while(inside).collect();
            let drawn = distinct_pixels(shown.clone(), |p| coords.translate(p));
            // Earlier paths are drawn wider, so that a later one running along
            // the same line leaves them visible at its sides.
            let width = 2 + 2 * (self.paths.len() - 1 - k) as u32;
            chart.draw_series(std::iter::once(PathElement::new(drawn, color.mix(0.7).stroke_width(width))))?;
            if let Some(every) = path.marker_every {
                let marks = shown.iter().step_by(every).skip(1);
                chart.draw_series(marks.map(|&p| Circle::new(p, 3, color.stroke_width(1))))?;
            }
            if let Some(&end) = shown.last() {
                chart.draw_series(std::iter::once(Circle::new(end, 5, color.filled())))?;
            }
        }
        if let Some(&start) = self.paths.first().and_then(|p| p.points.first()) {
            chart.draw_series(std::iter::once(Cross::new(start, 7, BLACK.stroke_width(2))))?;
        }

        for (k, path) in self.paths.iter().enumerate().filter(|(_, p)| !p.name.is_empty()) {
            let color = path.rgb(k);
            let y = 60 + 24 * k as i32;
            legend_area.draw(&PathElement::new(vec![(8, y), (40, y)], color.stroke_width(3)))?;
            legend_area.draw(&Text::new(path.name.clone(), (48, y - 8), ("sans-serif", 15)))?;
        }
        Ok(())
    }
}

/// The points without those that land on the same pixel as the point
/// before them: the SVG has integer coordinates, and a 5000-step path that
/// crawls would otherwise write most of its points on top of each other.
fn distinct_pixels(points: Vec<(f64, f64)>, pixel: impl Fn(&(f64, f64)) -> (i32, i32)) -> Vec<(f64, f64)> {
    let mut last = None;
    points
        .into_iter()
        .filter(|p| {
            let here = pixel(p);
            let keep = last != Some(here);
            last = Some(here);
            keep
        })
        .collect()
}

/// A grid edge a contour line crosses: its lower-left grid point and
/// whether it runs along x (`true`) or along y. Neighbouring cells share
/// their edges, which is how segments are joined into lines.
type Edge = (usize, usize, bool);

/// The lines where `f = level` on a grid of `cells × cells` over the box,
/// by marching squares: each cell whose corners straddle the level gives a
/// segment between the crossings on its edges, and segments that meet on
/// an edge are joined, so that a contour is one polyline rather than
/// thousands of two-point paths (a tenth of the SVG's size).
fn level_lines(
    values: &[f64],
    cells: usize,
    (x0, x1, y0, y1): (f64, f64, f64, f64),
    level: f64,
) -> Vec<Vec<(f64, f64)>> {
    let at = |i: usize, j: usize| values[j * (cells + 1) + i];
    let point = |i: f64, j: f64| (x0 + (x1 - x0) * i / cells as f64, y0 + (y1 - y0) * j / cells as f64);
    let mut crossing_at: HashMap<Edge, (f64, f64)> = HashMap::new();
    let mut segments: Vec<(Edge, Edge)> = Vec::new();
    for j in 0..cells {
        for i in 0..cells {
            // Corners counter-clockwise from the bottom left, and the edge
            // that leaves each corner.
            let corners = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)];
            let edges = [(i, j, true), (i + 1, j, false), (i, j + 1, true), (i, j, false)];
            let mut crossed = Vec::with_capacity(4);
            for e in 0..4 {
                let (a, b) = (corners[e], corners[(e + 1) % 4]);
                let (va, vb) = (at(a.0, a.1), at(b.0, b.1));
                if (va < level) != (vb < level) {
                    let t = (level - va) / (vb - va);
                    let (ia, ja, ib, jb) = (a.0 as f64, a.1 as f64, b.0 as f64, b.1 as f64);
                    crossing_at.entry(edges[e]).or_insert_with(|| point(ia + t * (ib - ia), ja + t * (jb - ja)));
                    crossed.push(edges[e]);
                }
            }
            // Two crossings: one segment; four (a saddle cell): two.
            for pair in crossed.chunks_exact(2) {
                segments.push((pair[0], pair[1]));
            }
        }
    }
    let mut touching: HashMap<Edge, Vec<usize>> = HashMap::new();
    for (k, &(a, b)) in segments.iter().enumerate() {
        touching.entry(a).or_default().push(k);
        touching.entry(b).or_default().push(k);
    }
    let mut used = vec![false; segments.len()];
    let mut lines = Vec::new();
    for first in 0..segments.len() {
        if used[first] {
            continue;
        }
        used[first] = true;
        let mut line = VecDeque::from([segments[first].0, segments[first].1]);
        for forward in [true, false] {
            loop {
                let end = if forward { line[line.len() - 1] } else { line[0] };
                let Some(&next) = touching[&end].iter().find(|&&k| !used[k]) else { break };
                used[next] = true;
                let (a, b) = segments[next];
                let other = if a == end { b } else { a };
                if forward { line.push_back(other) } else { line.push_front(other) }
            }
        }
        lines.push(line.iter().map(|edge| crossing_at[edge]).collect());
    }
    lines
}
