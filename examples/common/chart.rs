//! Line charts, drawn into one panel of a [`Figure`](super::figure::Figure):
//! named series of `(x, y)` points, linear or logarithmic axes, a legend to
//! the right of the plot (so that it never hides a curve), and optional
//! vertical marks ("rate drop") on the x axis.

use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;

use super::figure::{COLORS, legend_width};

/// How an axis maps values to pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scale {
    Linear,
    /// Logarithmic; points with a value `<= 0` on this axis are left out.
    Log,
}

/// How a series is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Look {
    /// A solid line, dashed where it runs over an earlier series so that
    /// both colors show.
    Line,
    /// A dashed line throughout.
    Dashed,
    /// A marker at each point and a thin line through them (measurements).
    Dots,
    /// A thin gray dashed line: a guide such as `1/B`, not a measurement.
    Reference,
}

/// One named curve of a [`LineChart`].
#[derive(Clone, Debug)]
pub struct Series {
    name: String,
    points: Vec<(f64, f64)>,
    look: Look,
    color: Option<usize>,
}

impl Series {
    /// A solid line through `points`, colored by its place in the chart.
    pub fn line(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series { name: name.into(), points, look: Look::Line, color: None }
    }

    /// Measured points: a marker at each, joined by a thin line.
    pub fn dots(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series { look: Look::Dots, ..Series::line(name, points) }
    }

    /// A guide line (a prediction, a slope): thin, gray and dashed.
    pub fn reference(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series { look: Look::Reference, ..Series::line(name, points) }
    }

    /// Draws the line dashed throughout.
    pub fn dashed(mut self) -> Self {
        self.look = Look::Dashed;
        self
    }

    /// Uses color `k` of the palette instead of the series' place, so that
    /// related series (the same setting under two optimizers) share a color.
    pub fn color(mut self, k: usize) -> Self {
        self.color = Some(k);
        self
    }

    /// The color of the series at `place` in its chart.
    fn rgb(&self, place: usize) -> RGBColor {
        match self.look {
            Look::Reference => RGBColor(110, 110, 110),
            _ => COLORS[self.color.unwrap_or(place) % COLORS.len()],
        }
    }
}

/// A line chart: title, axis labels and scales, series, marks.
#[derive(Clone, Debug)]
pub struct LineChart {
    title: String,
    x_label: String,
    y_label: String,
    x_scale: Scale,
    y_scale: Scale,
    x_limits: Option<(f64, f64)>,
    y_limits: Option<(f64, f64)>,
    marks: Vec<(f64, String)>,
    series: Vec<Series>,
}

impl LineChart {
    /// An empty chart with linear axes.
    pub fn new(title: impl Into<String>, x_label: impl Into<String>, y_label: impl Into<String>) -> Self {
        LineChart {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            x_scale: Scale::Linear,
            y_scale: Scale::Linear,
            x_limits: None,
            y_limits: None,
            marks: Vec::new(),
            series: Vec::new(),
        }
    }

    /// A logarithmic x axis.
    pub fn log_x(mut self) -> Self {
        self.x_scale = Scale::Log;
        self
    }

    /// A logarithmic y axis.
    pub fn log_y(mut self) -> Self {
        self.y_scale = Scale::Log;
        self
    }

    /// Fixes the x range (to give several panels the same one).
    pub fn x_limits(mut self, low: f64, high: f64) -> Self {
        self.x_limits = Some((low, high));
        self
    }

    /// Fixes the y range; values outside it are drawn on its edge, so that a
    /// diverging curve runs along the top instead of squashing the others.
    pub fn y_limits(mut self, low: f64, high: f64) -> Self {
        self.y_limits = Some((low, high));
        self
    }

    /// A dashed vertical line at `x` with a label.
    pub fn mark(mut self, x: f64, label: impl Into<String>) -> Self {
        self.marks.push((x, label.into()));
        self
    }

    /// Adds a series.
    pub fn series(mut self, series: Series) -> Self {
        self.series.push(series);
        self
    }

    /// Adds several series.
    pub fn with(mut self, series: impl IntoIterator<Item = Series>) -> Self {
        self.series.extend(series);
        self
    }

    /// Width of the legend column this chart needs, in pixels.
    pub fn legend_width(&self) -> u32 {
        legend_width(self.series.iter().map(|s| s.name.as_str()))
    }

    /// Draws the chart into `area`: the plot on the left, the legend in the
    /// rightmost `legend_width` pixels.
    pub fn draw(&self, area: &DrawingArea<SVGBackend<'_>, Shift>, legend_width: u32) -> DrawResult {
        let (width, _) = area.dim_in_pixel();
        let (plot_area, legend_area) = area.split_horizontally(width.saturating_sub(legend_width));
        let series = self.visible_series();
        let x_range = match self.x_limits {
            Some(limits) => limits,
            // Steps start at 0 and end where the data ends; a log axis (batch
            // sizes, decays) gets a margin so that its end points show.
            None => {
                let pad = if self.x_scale == Scale::Log { 0.04 } else { 0.0 };
                padded_range(series.iter().flat_map(|s| s.points.iter().map(|p| p.0)), self.x_scale, pad)
            }
        };
        let y_range = match self.y_limits {
            Some(limits) => limits,
            None => padded_range(series.iter().flat_map(|s| s.points.iter().map(|p| p.1)), self.y_scale, 0.05),
        };
        let series: Vec<Series> = series
            .into_iter()
            .map(|s| Series {
                points: s.points.iter().map(|&(x, y)| (x, y.clamp(y_range.0, y_range.1))).collect(),
                ..s
            })
            .collect();
        let (x0, x1) = x_range;
        let (y0, y1) = y_range;
        match (self.x_scale, self.y_scale) {
            (Scale::Linear, Scale::Linear) => self.plot(&plot_area, x0..x1, y0..y1, &series),
            (Scale::Linear, Scale::Log) => self.plot(&plot_area, x0..x1, (y0..y1).log_scale(), &series),
            (Scale::Log, Scale::Linear) => self.plot(&plot_area, (x0..x1).log_scale(), y0..y1, &series),
            (Scale::Log, Scale::Log) => self.plot(&plot_area, (x0..x1).log_scale(), (y0..y1).log_scale(), &series),
        }?;
        self.draw_legend(&legend_area)
    }

    /// The series without the points an axis cannot show (not finite, or
    /// `<= 0` on a log axis).
    fn visible_series(&self) -> Vec<Series> {
        let shows = |v: f64, scale: Scale| v.is_finite() && (scale == Scale::Linear || v > 0.0);
        self.series
            .iter()
            .map(|s| Series {
                points: s
                    .points
                    .iter()
                    .copied()
                    .filter(|&(x, y)| shows(x, self.x_scale) && shows(y, self.y_scale))
                    .collect(),
                ..s.clone()
            })
            .collect()
    }

    fn plot<X, Y>(
        &self,
        area: &DrawingArea<SVGBackend<'_>, Shift>,
        x_spec: X,
        y_spec: Y,
        series: &[Series],
    ) -> DrawResult
    where
        X: AsRangedCoord<Value = f64>,
        X::CoordDescType: ValueFormatter<f64>,
        Y: AsRangedCoord<Value = f64>,
        Y::CoordDescType: ValueFormatter<f64>,
    {
        let decades = |range: std::ops::Range<f64>| (range.end / range.start).abs().log10();
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(42)
            .y_label_area_size(64)
            .build_cartesian_2d(x_spec, y_spec)?;
        let (x_decades, y_decades) = (decades(chart.x_range()), decades(chart.y_range()));
        chart
            .configure_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .x_label_formatter(&|&x| axis_label(x, self.x_scale, x_decades))
            .y_label_formatter(&|&y| axis_label(y, self.y_scale, y_decades))
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(BLACK.mix(0.08))
            .label_style(("sans-serif", 13))
            .axis_desc_style(("sans-serif", 15))
            .draw()?;
        let (y_low, y_high) = (chart.y_range().start, chart.y_range().end);
        for (x, label) in &self.marks {
            let style = BLACK.mix(0.5).stroke_width(1);
            chart.draw_series(DashedLineSeries::new([(*x, y_low), (*x, y_high)], 5, 5, style))?;
            let text = EmptyElement::at((*x, y_high)) + Text::new(label.clone(), (4, 4), ("sans-serif", 13));
            chart.draw_series(std::iter::once(text))?;
        }

        // The y values of the solid lines drawn so far, by x, to dash a line
        // where it runs over one of them.
        let y_span = match self.y_scale {
            Scale::Linear => y_high - y_low,
            Scale::Log => (y_high / y_low).ln(),
        };
        let same = |a: f64, b: f64| match self.y_scale {
            Scale::Linear => (a - b).abs() <= 0.002 * y_span,
            Scale::Log => (a / b).ln().abs() <= 0.002 * y_span,
        };
        let mut drawn: std::collections::HashMap<u64, Vec<f64>> = std::collections::HashMap::new();
        for (i, s) in series.iter().enumerate() {
            let color = s.rgb(i);
            match s.look {
                Look::Dots => {
                    chart.draw_series(LineSeries::new(s.points.clone(), color.mix(0.6).stroke_width(1)))?;
                    chart.draw_series(s.points.iter().map(|&p| Circle::new(p, 4, color.filled())))?;
                }
                Look::Reference => {
                    chart.draw_series(DashedLineSeries::new(s.points.clone(), 6, 5, color.stroke_width(1)))?;
                }
                Look::Dashed => {
                    let points = one_per_column(&s.points, |p| chart.backend_coord(p).0);
                    chart.draw_series(DashedLineSeries::new(points, 8, 6, color.stroke_width(2)))?;
                }
                Look::Line => {
                    let points = one_per_column(&s.points, |p| chart.backend_coord(p).0);
                    let covered: Vec<bool> = points
                        .iter()
                        .map(|&(x, y)| drawn.get(&x.to_bits()).is_some_and(|ys| ys.iter().any(|&v| same(v, y))))
                        .collect();
                    draw_runs(&mut chart, &points, &covered, color.stroke_width(2))?;
                    for &(x, y) in &points {
                        drawn.entry(x.to_bits()).or_default().push(y);
                    }
                }
            }
        }
        Ok(())
    }

    /// One line per series: a short sample of its style, then its name.
    fn draw_legend(&self, area: &DrawingArea<SVGBackend<'_>, Shift>) -> DrawResult {
        for (i, s) in self.series.iter().enumerate() {
            let y = 60 + 24 * i as i32;
            let color = s.rgb(i);
            match s.look {
                Look::Line => area.draw(&PathElement::new(vec![(8, y), (40, y)], color.stroke_width(3)))?,
                Look::Dashed | Look::Reference => {
                    let width = if s.look == Look::Reference { 1 } else { 3 };
                    area.draw(&PathElement::new(vec![(8, y), (18, y)], color.stroke_width(width)))?;
                    area.draw(&PathElement::new(vec![(28, y), (40, y)], color.stroke_width(width)))?;
                }
                Look::Dots => {
                    area.draw(&PathElement::new(vec![(8, y), (40, y)], color.mix(0.6).stroke_width(1)))?;
                    area.draw(&Circle::new((24, y), 4, color.filled()))?;
                }
            }
            area.draw(&Text::new(s.name.clone(), (48, y - 8), ("sans-serif", 15)))?;
        }
        Ok(())
    }
}

/// What drawing returns: plotters' errors are boxed, as in the examples' `main`.
pub type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// Draws `points` as runs of segments, dashed where both ends are
/// `covered` (over an earlier series), solid elsewhere.
fn draw_runs<DB: DrawingBackend, CT: CoordTranslate<From = (f64, f64)>>(
    chart: &mut ChartContext<'_, DB, CT>,
    points: &[(f64, f64)],
    covered: &[bool],
    style: ShapeStyle,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    if points.len() == 1 {
        chart.draw_series(std::iter::once(Circle::new(points[0], 2, style.filled())))?;
    }
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
    Ok(())
}

/// The points thinned to one per pixel column (the first in each, and the
/// last point): the SVG has integer coordinates, and several points in one
/// column would draw a zigzag with spiky joins.
fn one_per_column(points: &[(f64, f64)], column: impl Fn(&(f64, f64)) -> i32) -> Vec<(f64, f64)> {
    let mut last_column = None;
    points
        .iter()
        .enumerate()
        .filter(|&(k, p)| {
            let c = column(p);
            let keep = last_column != Some(c) || k + 1 == points.len();
            last_column = Some(c);
            keep
        })
        .map(|(_, &p)| p)
        .collect()
}

/// The range of `values` with a margin of `pad` times its width (a factor
/// on a log axis), and a usable range when there is nothing to show.
fn padded_range(values: impl Iterator<Item = f64>, scale: Scale, pad: f64) -> (f64, f64) {
    let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    match scale {
        _ if low > high => (if scale == Scale::Log { 0.1 } else { 0.0 }, 1.0),
        Scale::Log if low == high => (low / 10f64.sqrt(), high * 10f64.sqrt()),
        Scale::Log => {
            let factor = (high / low).powf(pad);
            (low / factor, high * factor)
        }
        Scale::Linear if low == high => (low - 0.5, high + 0.5),
        Scale::Linear => {
            // A loss or a rate reads best from 0 when it is not far from it.
            let low = if low > 0.0 && low < 0.5 * high { 0.0 } else { low };
            let margin = pad * (high - low);
            (low - if low == 0.0 { 0.0 } else { margin }, high + margin)
        }
    }
}

/// The label of a tick: on a log axis spanning more than a decade only
/// the ticks at 1, 2 and 5 times a power of ten are labelled (plotters puts
/// a tick at every multiple, and their labels would overlap).
fn axis_label(v: f64, scale: Scale, decades: f64) -> String {
    let mantissa = v / 10f64.powf(v.abs().log10().floor());
    let round = [1.0, 2.0, 5.0, 10.0].iter().any(|m| (mantissa - m).abs() < 1e-6 * m);
    if scale == Scale::Log && decades > 1.0 && !round { String::new() } else { tick_label(v) }
}

/// A short axis label: three significant digits, plain between 1e-3 and
/// 1e6, scientific otherwise, without trailing zeros (`0.05`, `250`, `1e-5`).
pub fn tick_label(v: f64) -> String {
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
