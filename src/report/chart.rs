//! Line charts of a training run, drawn with plotters into SVG text: named
//! series against the step, on a linear or logarithmic y axis, with an
//! optional horizontal guide (the `1e-3` of the update ratio). The legend
//! is the page's (HTML), so that it never hides a curve.

use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;

/// Colors of series: matplotlib's "tab10", in its order.
pub(super) const PALETTE: [RGBColor; 10] = [
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

/// Width and height of a chart, in pixels.
pub(super) const CHART_SIZE: (u32, u32) = (600, 330);

/// One named curve.
#[derive(Clone, Debug)]
pub(super) struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    pub color: RGBColor,
    /// Drawn thin and light: raw per-step values under a smoother curve.
    pub faint: bool,
    /// Listed in the legend (a raw companion of a smoothed series is not).
    pub in_legend: bool,
}

impl Series {
    /// A series in palette color `k`.
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>, k: usize) -> Self {
        Series { name: name.into(), points, color: PALETTE[k % PALETTE.len()], faint: false, in_legend: true }
    }

    /// The same series drawn thin and light.
    pub fn faint(mut self) -> Self {
        self.faint = true;
        self
    }
}

/// A chart: its title, axes and series.
#[derive(Clone, Debug)]
pub(super) struct LineChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub log_y: bool,
    /// A fixed y range, for fractions and accuracies.
    pub y_range: Option<(f64, f64)>,
    /// A horizontal dashed guide and its label.
    pub guide: Option<(f64, String)>,
    pub series: Vec<Series>,
    /// Sentences about what this run's data shows that the lines cannot
    /// (values a log axis leaves out), printed under the caption.
    pub notes: Vec<String>,
}

impl LineChart {
    /// An empty chart on linear axes.
    pub fn new(title: impl Into<String>, x_label: &str, y_label: &str) -> Self {
        LineChart {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            log_y: false,
            y_range: None,
            guide: None,
            series: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// How many points the chart shows (after dropping those its axes
    /// cannot: not finite, or `<= 0` on a log axis).
    pub fn visible_points(&self) -> usize {
        self.series.iter().map(|s| self.visible_in(s)).sum()
    }

    /// How many of `series`' points the chart shows: a series with none
    /// (no test loss recorded, a ratio that is 0 on a log axis) is left out
    /// of the legend, which would otherwise name a curve that is not there.
    pub fn visible_in(&self, series: &Series) -> usize {
        series.points.iter().filter(|&&p| self.shows(p)).count()
    }

    fn shows(&self, (x, y): (f64, f64)) -> bool {
        x.is_finite() && y.is_finite() && (!self.log_y || y > 0.0)
    }

    /// The chart as an SVG element.
    ///
    /// # Panics
    /// If plotters fails to draw into its in-memory SVG, which only a bug
    /// (a layout that does not fit) can cause.
    pub fn to_svg(&self) -> String {
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, CHART_SIZE).into_drawing_area();
            self.draw(&root).unwrap_or_else(|e| panic!("report: drawing the chart {:?} failed: {e}", self.title));
        }
        svg
    }

    fn draw(&self, root: &DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), Box<dyn std::error::Error>> {
        root.fill(&WHITE)?;
        let series: Vec<Vec<(f64, f64)>> =
            self.series.iter().map(|s| s.points.iter().copied().filter(|&p| self.shows(p)).collect()).collect();
        let all = || series.iter().flatten();
        let (x0, x1) = span(all().map(|p| p.0), false);
        let (y0, y1) = self.y_range.unwrap_or_else(|| {
            let guide = self.guide.iter().map(|g| g.0);
            span(all().map(|p| p.1).chain(guide), self.log_y)
        });
        if self.log_y {
            self.plot(root, x0..x1, (y0..y1).log_scale(), &series)
        } else {
            self.plot(root, x0..x1, y0..y1, &series)
        }
    }

    fn plot<Y>(
        &self,
        root: &DrawingArea<SVGBackend<'_>, Shift>,
        x_range: std::ops::Range<f64>,
        y_spec: Y,
        series: &[Vec<(f64, f64)>],
    ) -> Result<(), Box<dyn std::error::Error>>
    where
        Y: AsRangedCoord<Value = f64>,
        Y::CoordDescType: ValueFormatter<f64>,
    {
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, ("sans-serif", 17))
            .margin(10)
            .x_label_area_size(38)
            .y_label_area_size(62)
            .build_cartesian_2d(x_range.clone(), y_spec)?;
        let y = chart.y_range();
        let decades = (y.end / y.start).abs().log10();
        chart
            .configure_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .x_label_formatter(&|&x| tick(x))
            .y_label_formatter(&|&y| if self.log_y && !round_on_log_axis(y, decades) { String::new() } else { tick(y) })
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(BLACK.mix(0.08))
            .label_style(("sans-serif", 12))
            .axis_desc_style(("sans-serif", 13))
            .draw()?;
        if let Some((y, label)) = &self.guide {
            let style = BLACK.mix(0.55).stroke_width(1);
            chart.draw_series(DashedLineSeries::new([(x_range.start, *y), (x_range.end, *y)], 6, 5, style))?;
            let text = EmptyElement::at((x_range.start, *y)) + Text::new(label.clone(), (6, -16), ("sans-serif", 12));
            chart.draw_series(std::iter::once(text))?;
        }
        // Faint series first, so that the others are drawn over them.
        let mut order: Vec<usize> = (0..self.series.len()).collect();
        order.sort_by_key(|&k| !self.series[k].faint);
        for k in order {
            let s = &self.series[k];
            let style = if s.faint { s.color.mix(0.22).stroke_width(1) } else { s.color.stroke_width(2) };
            let points = envelope(&series[k], x_range.clone(), CHART_SIZE.0 as usize);
            if points.len() == 1 {
                chart.draw_series(std::iter::once(Circle::new(points[0], 3, style.filled())))?;
            } else {
                chart.draw_series(LineSeries::new(points, style))?;
            }
        }
        root.present()?;
        Ok(())
    }
}

/// The range of `values`, with a margin; usable when there is nothing or
/// one value. On a log axis the margin is a factor. A constant (a learning
/// rate that does not change) is drawn from 0 to twice its value, so that
/// it reads as what it is rather than as a line at 0 on a `-0.5..0.5` axis.
fn span(values: impl Iterator<Item = f64>, log: bool) -> (f64, f64) {
    let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    // Equal up to rounding: a range of 1e-12 would give ticks that all read the same.
    let constant = high - low <= 1e-9 * low.abs().max(high.abs());
    match (low <= high, log) {
        (false, true) => (0.1, 1.0),
        (false, false) => (0.0, 1.0),
        (true, true) if constant => (low / 3.0, high * 3.0),
        (true, true) => {
            let factor = (high / low).powf(0.05);
            (low / factor, high * factor)
        }
        (true, false) if constant && high > 0.0 => (0.0, 2.0 * high),
        (true, false) if constant && low < 0.0 => (2.0 * low, 0.0),
        (true, false) if constant => (low - 0.5, high + 0.5),
        (true, false) => {
            let margin = 0.04 * (high - low);
            // Losses and rates read best from 0 when they are not far from it.
            let low = if low >= 0.0 && low < 0.4 * high { 0.0 } else { low - margin };
            (low, high + margin)
        }
    }
}

/// `points` (in x order) reduced to the first, lowest and highest point of
/// each of `columns` columns of the x range, in order: what a line of that
/// many pixels can show, spikes included.
fn envelope(points: &[(f64, f64)], x: std::ops::Range<f64>, columns: usize) -> Vec<(f64, f64)> {
    if points.len() <= 2 * columns {
        return points.to_vec();
    }
    let width = (x.end - x.start).max(f64::MIN_POSITIVE);
    let column = |p: &(f64, f64)| (((p.0 - x.start) / width) * columns as f64) as usize;
    let mut kept = Vec::with_capacity(3 * columns);
    let mut start = 0;
    while start < points.len() {
        let c = column(&points[start]);
        let end = start + points[start..].iter().take_while(|p| column(p) == c).count();
        let bucket = &points[start..end];
        let by_y = |a: &&(f64, f64), b: &&(f64, f64)| a.1.total_cmp(&b.1);
        let (low, high) = (bucket.iter().min_by(by_y).unwrap(), bucket.iter().max_by(by_y).unwrap());
        let mut picks = [bucket[0], *low, *high];
        picks.sort_by(|a, b| a.0.total_cmp(&b.0));
        for p in picks {
            if kept.last() != Some(&p) {
                kept.push(p);
            }
        }
        start = end;
    }
    kept
}

/// Whether a log axis spanning `decades` labels the tick at `v`: plotters
/// puts a tick at every multiple of a power of ten, and their labels would
/// overlap, so beyond one decade only 1, 2 and 5 times a power are
/// labelled, and beyond three only the powers.
fn round_on_log_axis(v: f64, decades: f64) -> bool {
    let mantissa = v / 10f64.powf(v.abs().log10().floor());
    let round: &[f64] = if decades > 3.0 { &[1.0, 10.0] } else { &[1.0, 2.0, 5.0, 10.0] };
    decades <= 1.0 || round.iter().any(|m| (mantissa - m).abs() < 1e-6 * m)
}

/// A tick label: three significant digits, plain between 1e-3 and 1e5,
/// scientific otherwise (`0.05`, `250`, `1e-5`).
pub(super) fn tick(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 || !v.is_finite() {
        format!("{v}")
    } else if (1e-3..1e5).contains(&a) {
        let decimals = (2 - a.log10().floor() as i32).max(0) as usize;
        let text = format!("{v:.decimals$}");
        if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_string() } else { text }
    } else {
        let text = format!("{v:.1e}");
        text.replace(".0e", "e")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_envelope_keeps_each_columns_extremes_in_order() {
        let points: Vec<(f64, f64)> =
            (0..1000).map(|i| (i as f64, if i == 501 { 50.0 } else { (i % 7) as f64 })).collect();
        let kept = envelope(&points, 0.0..999.0, 100);
        assert!(kept.len() <= 300 && kept.len() >= 100, "{}", kept.len());
        assert!(kept.contains(&(501.0, 50.0)), "the spike survives");
        assert!(kept.windows(2).all(|w| w[0].0 < w[1].0), "in x order");
    }

    #[test]
    fn ticks_are_short() {
        assert_eq!(
            [tick(0.05), tick(250.0), tick(1e-5), tick(0.001), tick(1.5)],
            ["0.05", "250", "1e-5", "0.001", "1.5"]
        );
    }
}
