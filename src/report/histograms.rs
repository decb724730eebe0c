//! The report's histograms over time: per series of [`Histograms`], a heat
//! strip (steps left to right, the histogram's bins bottom to top, each
//! column shaded by how the values of those steps spread over the bins).
//! One picture per quantity (activations, gradients at activations,
//! parameter gradients), its strips stacked on one step axis.
//!
//! Drawn as SVG text by hand: every cell of one shade is one `<path>`, so a
//! strip of 120 columns by 40 bins is a few kilobytes, where a rectangle a
//! cell would be a hundred.

use std::fmt::Write;

use super::chart::tick;
use super::page::{escape, section};
use crate::diagnostics::{Bins, Histograms, Quantity};

/// At most this many columns of steps per strip (steps are summed into them).
const MAX_COLUMNS: usize = 120;
/// Width of a column, pixels.
const COLUMN_WIDTH: usize = 4;
/// Left margin (tick labels), right margin, top margin of a strip's title.
const LEFT: usize = 64;
const RIGHT: usize = 20;
const TITLE: usize = 18;
/// Height of a strip, about; a bin is at least 2 pixels high.
const STRIP_HEIGHT: usize = 80;
/// Space below the last strip for the step axis.
const AXIS: usize = 34;
/// Shades, from the least to the most populated bin of a column.
const SHADES: usize = 8;

/// The section, if there are histograms.
pub(super) fn render(html: &mut String, histograms: &Histograms) {
    if histograms.is_empty() {
        return;
    }
    section(html, "histograms", "Histograms over time", |html| {
        html.push_str(
            "<p>Each strip is one layer's histogram at every step, left to right: a column shows how that \
             step's values spread over the bins, darkest where most of them are (each column is shaded on its \
             own scale; steps are summed into at most 120 columns). Karpathy's makemore part 3 and TensorBoard's \
             histogram view show the same, one moment at a time.</p>\n<div class=\"grid\">\n",
        );
        for (quantity, title, caption) in GROUPS {
            if let Some(svg) = strips(histograms, quantity, title) {
                let count = histograms.series().iter().filter(|s| s.quantity == quantity).count();
                let _ = writeln!(
                    html,
                    "<figure class=\"chart\" data-kind=\"heatstrip\" data-strips=\"{count}\" style=\"max-width:{}px\">\n\
                     {svg}<figcaption><p>{}</p></figcaption>\n</figure>",
                    width(),
                    escape(caption)
                );
            }
        }
        html.push_str("</div>\n");
    });
}

const GROUPS: [(Quantity, &str, &str); 3] = [
    (
        Quantity::Activation,
        "Activations",
        "The outputs of each activation layer. tanh over [-1, 1]: mass in the end bins is saturation (the \
         gradient through those units is nearly 0); a healthy layer keeps most of its outputs inside. ReLU and \
         GELU: the magnitude of the outputs by powers of two, the dead and the inactive in the bottom row.",
    ),
    (
        Quantity::ActivationGradient,
        "Gradients at the activations",
        "The gradient of the loss with respect to each activation's outputs, by magnitude (powers of two, on a \
         log axis; 0 in the bottom row). Layers whose strips sit decades apart have vanishing or exploding \
         gradients; makemore part 3 looks for them to be alike.",
    ),
    (
        Quantity::ParamGradient,
        "Parameter gradients",
        "The gradient of each parameter, by magnitude (powers of two, on a log axis; 0 in the bottom row): \
         TensorBoard's histogram of gradients. As training converges the strips sink; a strip that rises is a \
         spike the update ratio chart shows too.",
    ),
];

fn width() -> usize {
    LEFT + MAX_COLUMNS * COLUMN_WIDTH + RIGHT
}

/// The strips of every series of `quantity`, in one SVG, or `None` if there
/// is none.
fn strips(histograms: &Histograms, quantity: Quantity, title: &str) -> Option<String> {
    let series: Vec<usize> =
        (0..histograms.series().len()).filter(|&k| histograms.series()[k].quantity == quantity).collect();
    if series.is_empty() {
        return None;
    }
    let records = histograms.len();
    let columns = records.min(MAX_COLUMNS);
    let plot_width = columns * COLUMN_WIDTH;
    let strips: Vec<Strip> = series.iter().map(|&k| Strip::of(histograms, k, columns)).collect();
    let height: usize = 26 + strips.iter().map(|s| TITLE + s.height() + 8).sum::<usize>() + AXIS;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" viewBox=\"0 0 {} {height}\" \
         font-family=\"sans-serif\"><rect width=\"100%\" height=\"100%\" fill=\"white\"/>\
         <text x=\"{}\" y=\"18\" font-size=\"16\" text-anchor=\"middle\">{}</text>",
        width(),
        width(),
        width() / 2,
        escape(title)
    );
    let mut top = 26;
    for strip in &strips {
        strip.draw(&mut svg, top + TITLE, plot_width);
        top += TITLE + strip.height() + 8;
    }
    step_axis(&mut svg, top, plot_width, histograms.steps());
    svg.push_str("</svg>\n");
    Some(svg)
}

/// One series' counts summed into columns of steps, cropped to the bins
/// that ever hold a value.
struct Strip {
    name: String,
    bins: Bins,
    /// `columns[c][r]`: the count of bin `first + r` in column `c`.
    columns: Vec<Vec<u64>>,
    /// The first bin shown.
    first: usize,
    not_finite: u64,
}

impl Strip {
    fn of(histograms: &Histograms, series: usize, columns: usize) -> Strip {
        let s = &histograms.series()[series];
        let bins = s.bins;
        let records = histograms.len();
        let mut sums = vec![vec![0u64; bins.len()]; columns];
        let mut not_finite = 0;
        for record in 0..records {
            let counts = histograms.counts(record, series);
            let column = &mut sums[record * columns / records];
            for (sum, &c) in column.iter_mut().zip(counts) {
                *sum += c as u64;
            }
            not_finite += counts[bins.len()] as u64;
        }
        // Linear bins keep their whole range (the axis means something);
        // octaves are cropped to the occupied ones, bin 0 (zero) kept apart.
        let occupied = |r: usize| sums.iter().any(|c| c[r] > 0);
        let (first, last) = match bins {
            Bins::Linear { count, .. } => (0, count - 1),
            Bins::Octaves { .. } => {
                let used: Vec<usize> = (0..bins.len()).filter(|&r| occupied(r)).collect();
                match (used.first(), used.last()) {
                    (Some(&lo), Some(&hi)) => (lo, hi),
                    _ => (0, 0),
                }
            }
        };
        let columns = sums.into_iter().map(|c| c[first..=last].to_vec()).collect();
        Strip { name: s.name.clone(), bins, columns, first, not_finite }
    }

    fn rows(&self) -> usize {
        self.columns.first().map_or(1, Vec::len)
    }

    fn row_height(&self) -> usize {
        (STRIP_HEIGHT / self.rows()).max(2)
    }

    fn height(&self) -> usize {
        self.rows() * self.row_height()
    }

    /// Draws the strip with its top at `top`: the title, the cells (one
    /// path per shade), a frame and the bins' tick labels.
    fn draw(&self, svg: &mut String, top: usize, plot_width: usize) {
        let (rows, row_height) = (self.rows(), self.row_height());
        let _ = write!(svg, "<text x=\"{LEFT}\" y=\"{}\" font-size=\"12\">{}", top - 5, escape(&self.name));
        if self.not_finite > 0 {
            let _ = write!(svg, " <tspan fill=\"#b3261e\">({} values NaN or infinite)</tspan>", self.not_finite);
        }
        svg.push_str("</text>");
        let mut paths = vec![String::new(); SHADES];
        for (c, column) in self.columns.iter().enumerate() {
            let most = column.iter().copied().max().unwrap_or(0);
            if most == 0 {
                continue;
            }
            let x = LEFT + c * COLUMN_WIDTH;
            let mut r = 0;
            while r < rows {
                let level = shade(column[r], most);
                let run = column[r..].iter().take_while(|&&n| shade(n, most) == level).count();
                if let Some(level) = level {
                    let y = top + (rows - r - run) * row_height;
                    let _ = write!(paths[level], "M{x} {y}h{COLUMN_WIDTH}v{}h-{COLUMN_WIDTH}z", run * row_height);
                }
                r += run;
            }
        }
        for (level, d) in paths.iter().enumerate().filter(|(_, d)| !d.is_empty()) {
            let _ = write!(svg, "<path fill=\"{}\" d=\"{d}\"/>", color(level));
        }
        let _ = write!(
            svg,
            "<rect x=\"{LEFT}\" y=\"{top}\" width=\"{plot_width}\" height=\"{}\" fill=\"none\" stroke=\"#bbb\"/>",
            rows * row_height
        );
        for (value, label) in self.ticks() {
            let y = top as f64 + (rows as f64 - value) * row_height as f64;
            let _ = write!(
                svg,
                "<line x1=\"{}\" x2=\"{LEFT}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#888\"/>\
                 <text x=\"{}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\">{label}</text>",
                LEFT - 4,
                LEFT - 6,
                y + 3.5
            );
        }
    }

    /// Tick positions, in rows from the bottom of the strip (fractional),
    /// and their labels.
    fn ticks(&self) -> Vec<(f64, String)> {
        let rows = self.rows() as f64;
        match self.bins {
            Bins::Linear { low, high, .. } => {
                let at = |v: f64| (v - low) / (high - low) * rows;
                let mid = (low + high) / 2.0;
                [low, mid, high].into_iter().map(|v| (at(v), tick(v))).collect()
            }
            Bins::Octaves { lowest, .. } => {
                // Row r shows bin first + r; bin b >= 1 holds [2^(lowest+b-1), 2^(lowest+b)),
                // so 2^e sits at row e - lowest + 1 - first. A tick at each power of
                // ten inside, thinned out when they crowd.
                let row_of = |e: f64| e - lowest as f64 + 1.0 - self.first as f64;
                let mut ticks = Vec::new();
                if self.first == 0 {
                    ticks.push((0.5, "0".to_string()));
                }
                let lowest_edge = (lowest + self.first.max(1) as i32 - 1) as f64;
                let highest_edge = (lowest + (self.first + self.rows() - 1) as i32) as f64;
                let to_decade = std::f64::consts::LOG10_2;
                let (from, to) = ((lowest_edge * to_decade).ceil() as i32, (highest_edge * to_decade).floor() as i32);
                let every = match to - from {
                    span if span > 8 => 3,
                    span if span > 4 => 2,
                    _ => 1,
                };
                for decade in (from..=to).filter(|d| d.rem_euclid(every) == 0) {
                    ticks.push((row_of(decade as f64 / to_decade), tick(10f64.powi(decade))));
                }
                ticks
            }
        }
    }
}

/// The shade of a cell holding `n` of a column whose fullest bin holds
/// `most`: `None` for an empty cell, else `0..SHADES` by its share of
/// `most`; any value at all gets the palest shade, so thin tails stay
/// visible.
fn shade(n: u64, most: u64) -> Option<usize> {
    (n > 0).then(|| ((n as f64 / most as f64 * SHADES as f64).ceil() as usize).clamp(1, SHADES) - 1)
}

/// Shade `level` (0 palest) of a blue ramp, white to matplotlib's "Blues" end.
fn color(level: usize) -> String {
    let t = (level + 1) as f64 / SHADES as f64;
    let mix = |from: f64, to: f64| (from + (to - from) * t).round() as u8;
    format!("#{:02x}{:02x}{:02x}", mix(222.0, 8.0), mix(235.0, 48.0), mix(247.0, 107.0))
}

/// The step axis under the strips: a tick at round steps.
fn step_axis(svg: &mut String, top: usize, plot_width: usize, steps: &[usize]) {
    let (Some(&first), Some(&last)) = (steps.first(), steps.last()) else { return };
    let span = (last - first).max(1) as f64;
    let raw = span / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let every = [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * magnitude).find(|&e| e >= raw).unwrap_or(raw).max(1.0);
    let _ = write!(svg, "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{top}\" y2=\"{top}\" stroke=\"#888\"/>", LEFT + plot_width);
    let mut at = (first as f64 / every).ceil() * every;
    while at <= last as f64 {
        let x = LEFT as f64 + (at - first as f64) / span * plot_width as f64;
        let _ = write!(
            svg,
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{top}\" y2=\"{}\" stroke=\"#888\"/>\
             <text x=\"{x:.1}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
            top + 4,
            top + 16,
            tick(at)
        );
        at += every;
    }
    let _ = write!(
        svg,
        "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">step</text>",
        LEFT + plot_width / 2,
        top + 30
    );
}
