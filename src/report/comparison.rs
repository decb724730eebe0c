//! [`Comparison`]: several training runs side by side, one column each,
//! every row of charts on one scale, so that what differs between the runs
//! (an initialisation, a normalisation layer) shows as a difference of
//! curves, not of axes.

use std::fmt::Write;
use std::path::Path;

use super::chart::{LineChart, Series, tick};
use super::curves::{per_step, smoothed};
use super::page::{self, escape};
use crate::diagnostics::{StepRow, TrainingLog};
use crate::error::FileError;

/// Runs of one model side by side (makemore part 3's lesson: the same
/// network with a naive initialisation, with Kaiming's, and with
/// BatchNorm). Each row is one measurement, on the same y range in every
/// column: the loss, the saturated fraction of each tanh layer, the
/// update-to-value ratio of each parameter, and the spread of each
/// activation; then a table of the first and last step.
///
/// ```
/// use tapegrad::diagnostics::{StepMetrics, TrainingLog};
/// use tapegrad::report::Comparison;
///
/// let log = |scale: f64| {
///     let mut log = TrainingLog::new();
///     for step in 0..20 {
///         log.record_step(StepMetrics { loss: scale / (1.0 + step as f64), lr: 0.1 }, None);
///     }
///     log
/// };
/// let mut page = Comparison::new("two runs");
/// page.add_run("large", log(3.0)).add_run("small", log(1.0));
/// let html = page.to_html();
/// assert_eq!(html.matches("data-kind=\"lines\"").count(), 2); // one loss chart per run
/// ```
#[derive(Clone, Debug)]
pub struct Comparison {
    title: String,
    notes: Vec<String>,
    runs: Vec<(String, TrainingLog)>,
    /// The parameters whose update ratios are shown; all if `None`.
    shown: Option<Vec<String>>,
}

/// One row: a chart per run.
struct Row {
    heading: &'static str,
    caption: &'static str,
    charts: Vec<LineChart>,
}

/// The columns' grid, and a page wide enough for three charts.
const COLUMNS_STYLE: &str = "
body { max-width: 1880px; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 14px; }
.columns h3 { margin: 4px 0; font-size: 16px; }
";

impl Comparison {
    /// An empty page with this title.
    pub fn new(title: impl Into<String>) -> Self {
        Comparison { title: title.into(), notes: Vec::new(), runs: Vec::new(), shown: None }
    }

    /// Adds a line under the title.
    pub fn note(&mut self, text: impl Into<String>) -> &mut Self {
        self.notes.push(text.into());
        self
    }

    /// Adds a run, as the next column.
    pub fn add_run(&mut self, label: impl Into<String>, log: TrainingLog) -> &mut Self {
        self.runs.push((label.into(), log));
        self
    }

    /// Shows the update ratios of these parameters only (by name), as
    /// makemore part 3 plots its weight matrices alone: a bias or a gain
    /// that starts at 0 or 1 has a ratio of another scale.
    pub fn show_params<S: Into<String>>(&mut self, names: impl IntoIterator<Item = S>) -> &mut Self {
        self.shown = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// The page, as HTML text.
    pub fn to_html(&self) -> String {
        let mut html = String::new();
        page::open(&mut html, &self.title, COLUMNS_STYLE, &self.notes);
        html.push_str("</header>\n");
        for row in self.rows() {
            if row.charts.iter().all(|c| c.visible_points() == 0) {
                continue;
            }
            let _ =
                writeln!(html, "<section>\n<h2>{}</h2>\n<p>{}</p>\n<div class=\"columns\">", row.heading, row.caption);
            for ((label, _), chart) in self.runs.iter().zip(&row.charts) {
                page::line_figure(&mut html, chart, Some(label), None);
            }
            html.push_str("</div>\n</section>\n");
        }
        self.table(&mut html);
        page::close(&mut html);
        html
    }

    /// Writes the page to `path`.
    ///
    /// # Errors
    /// [`FileError::Io`] naming the path if the file cannot be written.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<(), FileError> {
        let path = path.as_ref();
        std::fs::write(path, self.to_html()).map_err(|error| FileError::Io { path: path.to_path_buf(), error })
    }

    /// Whether the update ratio of the parameter `name` is shown.
    fn shows(&self, name: &str) -> bool {
        self.shown.as_ref().is_none_or(|names| names.iter().any(|n| n == name))
    }

    /// The parameters shown, in the order of their first appearance in a
    /// run (runs may differ: BatchNorm adds gains, drops biases).
    fn shown_params(&self) -> Vec<&str> {
        first_appearances(self.runs.iter().flat_map(|(_, log)| log.param_names()).filter(|name| self.shows(name)))
    }

    /// The activations of every run, in the order of their first appearance.
    fn activations(&self) -> Vec<&str> {
        first_appearances(self.runs.iter().flat_map(|(_, log)| log.activation_names()))
    }

    /// The rows of charts, each on one y range across the runs; a name has
    /// one colour in every column.
    fn rows(&self) -> Vec<Row> {
        let (params, activations) = (self.shown_params(), self.activations());
        let mut loss = Row {
            heading: "Loss",
            caption: "The mini-batch loss of every step (faint) and smoothed over about ten steps.",
            charts: Vec::new(),
        };
        let mut saturation = Row {
            heading: "Saturated tanh outputs",
            caption: "The fraction of each tanh layer's outputs with |tanh| > 0.97, which pass back less than 6% of \
                      their gradient: a layer that starts saturated learns slowly, if at all.",
            charts: Vec::new(),
        };
        let mut ratios = Row {
            heading: "Update / value ratio",
            caption: "|Δw| / |w| of each parameter shown, at every step (faint) and smoothed; Karpathy's rule of \
                      thumb is about 1e-3. Far below, the parameter barely learns; far above, it thrashes.",
            charts: Vec::new(),
        };
        let mut spread = Row {
            heading: "Spread of activations",
            caption: "The standard deviation of each activation's outputs over the batch.",
            charts: Vec::new(),
        };
        for (_, log) in &self.runs {
            let mut chart = LineChart::new("loss", "step", "loss");
            smoothed(&mut chart, "loss", per_step(log, |r| r.loss()), 0);
            loss.charts.push(chart);

            let mut chart = LineChart::new("saturated fraction", "step", "fraction");
            let mut chart_spread = LineChart::new("std of outputs", "step", "std");
            for (k, name) in log.activation_names().iter().enumerate() {
                let color = color_of(&activations, name);
                chart.series.push(Series::new(name.clone(), per_step(log, |r| r.saturation(k)), color));
                chart_spread.series.push(Series::new(name.clone(), per_step(log, |r| r.activation_std(k)), color));
            }
            saturation.charts.push(chart);
            spread.charts.push(chart_spread);

            let mut chart = LineChart::new("|Δw| / |w|", "step", "ratio");
            chart.log_y = true;
            chart.guide = Some((1e-3, "1e-3".into()));
            for (k, name) in log.param_names().iter().enumerate().filter(|(_, name)| self.shows(name)) {
                smoothed(&mut chart, name, per_step(log, |r| r.update_ratio(k)), color_of(&params, name));
            }
            ratios.charts.push(chart);
        }
        saturation.charts.iter_mut().for_each(|c| c.y_range = Some((0.0, 1.0)));
        let mut rows = vec![loss, saturation, ratios, spread];
        for row in &mut rows {
            share_y_range(&mut row.charts);
        }
        rows
    }

    /// Per run, the first and the last step: the loss, each activation's
    /// saturated fraction and each shown parameter's update ratio (by
    /// name; a run without that parameter has an empty cell).
    fn table(&self, html: &mut String) {
        html.push_str("<section>\n<h2>First and last step</h2>\n<table><tr><th></th>");
        for (label, _) in &self.runs {
            let _ = write!(html, "<th>{}</th>", escape(label));
        }
        html.push_str("</tr>\n");
        let first_last = |log: &TrainingLog, value: &dyn Fn(&StepRow<'_>) -> f64| match (
            log.step_rows().next(),
            log.step_rows().last(),
        ) {
            (Some(first), Some(last)) => format!("{} → {}", tick(value(&first)), tick(value(&last))),
            _ => String::new(),
        };
        let mut line = |name: String, cell: &dyn Fn(&TrainingLog) -> String| {
            let _ = write!(html, "<tr><td>{}</td>", escape(&name));
            for (_, log) in &self.runs {
                let _ = write!(html, "<td>{}</td>", cell(log));
            }
            html.push_str("</tr>\n");
        };
        line("loss".into(), &|log| first_last(log, &|r| r.loss()));
        for name in self.activations() {
            line(format!("{name}: saturated"), &|log| match log.activation_names().iter().position(|n| n == name) {
                Some(k) => first_last(log, &|r| r.saturation(k)),
                None => String::new(),
            });
        }
        for name in self.shown_params() {
            line(format!("{name}: |Δw| / |w|"), &|log| match log.param_names().iter().position(|n| n == name) {
                Some(k) => first_last(log, &|r| r.update_ratio(k)),
                None => String::new(),
            });
        }
        html.push_str("</table>\n</section>\n");
    }
}

/// Each name once, in the order of its first appearance.
fn first_appearances<'a>(names: impl Iterator<Item = &'a String>) -> Vec<&'a str> {
    let mut once: Vec<&str> = Vec::new();
    for name in names {
        if !once.contains(&name.as_str()) {
            once.push(name);
        }
    }
    once
}

/// The colour of `name`: its place among `names`.
fn color_of(names: &[&str], name: &str) -> usize {
    names.iter().position(|n| *n == name).unwrap_or(names.len())
}

/// Gives every chart the y range that holds all of their points (unless
/// they share a fixed one already).
fn share_y_range(charts: &mut [LineChart]) {
    if charts.iter().any(|c| c.y_range.is_some()) {
        return;
    }
    let log = charts.first().is_some_and(|c| c.log_y);
    let points = charts.iter().flat_map(|c| c.series.iter().flat_map(|s| s.points.iter().map(|p| p.1)));
    let values = points.chain(charts.iter().filter_map(|c| c.guide.as_ref().map(|g| g.0)));
    let values: Vec<f64> = values.filter(|v| v.is_finite() && (!log || *v > 0.0)).collect();
    let (low, high) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    if low > high {
        return;
    }
    let range = if log {
        let factor = (high / low).powf(0.05).max(1.5);
        (low / factor, high * factor)
    } else {
        let margin = 0.04 * (high - low).max(1e-12);
        (if low >= 0.0 && low < 0.4 * high { 0.0 } else { low - margin }, high + margin)
    };
    charts.iter_mut().for_each(|c| c.y_range = Some(range));
}
