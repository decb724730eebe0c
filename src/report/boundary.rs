//! [`DecisionBoundary`]: what a classifier of 2-D points predicts over the
//! plane at one moment of training, with the data on top.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::PALETTE;
use crate::float::Float;
use crate::tensor::Tensor;

/// Cells per side of the grid the plane is evaluated on.
const GRID: usize = 80;
/// Confidence levels the shading distinguishes.
const LEVELS: u8 = 5;
/// At most this many data points are drawn (every k-th point).
const MAX_POINTS: usize = 400;

/// A snapshot of a 2-D classifier: the predicted class and its confidence
/// on an 80 × 80 grid over the data, and the data points. Taken with
/// [`capture`](DecisionBoundary::capture) at a few epochs, it is drawn in
/// the report beside the others.
#[derive(Clone, Debug)]
pub struct DecisionBoundary {
    label: String,
    /// `x` and `y` ranges of the grid.
    bounds: [(f64, f64); 2],
    /// Per cell, bottom row first: the class and the confidence level.
    cells: Vec<(u8, u8)>,
    points: Vec<(f64, f64, u8)>,
}

impl DecisionBoundary {
    /// Evaluates `predict` on a grid over `inputs` (`[N, 2]`) and keeps the
    /// result with the points and their `labels` (`[N]` or `[N, 1]` class
    /// indices, 0 and 1 for a binary task). `predict` gets a batch of
    /// points `[M, 2]` and returns logits: `[M, 1]` for a binary classifier
    /// (class 1 where the logit is positive), `[M, C]` for `C` classes.
    /// `label` names the moment (`"epoch 5"`).
    ///
    /// ```
    /// use tapegrad::report::DecisionBoundary;
    /// use tapegrad::Tensor;
    /// let x = Tensor::from_vec(vec![-1.0f32, 0.0, 1.0, 0.0], [2, 2]);
    /// let y = Tensor::from_vec(vec![0.0f32, 1.0], [2, 1]);
    /// // Class 1 right of the y axis.
    /// let boundary = DecisionBoundary::capture("start", &x, &y, |grid| {
    ///     Tensor::from_fn([grid.shape()[0], 1], |i| grid.data()[2 * i])
    /// });
    /// assert_eq!(boundary.class_share(1), 0.5);
    /// ```
    ///
    /// # Panics
    /// If `inputs` is not `[N, 2]`, `labels` does not hold `N` classes, or
    /// `predict` returns another shape than `[M, 1]` or `[M, C]`.
    #[track_caller]
    pub fn capture<T: Float>(
        label: impl Into<String>,
        inputs: &Tensor<T>,
        labels: &Tensor<T>,
        predict: impl FnOnce(&Tensor<T>) -> Tensor<T>,
    ) -> Self {
        let n = inputs.shape().first().copied().unwrap_or(0);
        assert!(
            inputs.shape() == [n, 2] && labels.len() == n,
            "DecisionBoundary::capture: inputs {:?} and labels {:?} do not fit; expected [N, 2] and [N] or [N, 1]",
            inputs.shape(),
            labels.shape()
        );
        assert!(n > 0, "DecisionBoundary::capture: no point to draw (inputs {:?} are empty)", inputs.shape());
        let bounds = [0, 1].map(|axis| {
            let values = inputs.data().iter().skip(axis).step_by(2).map(|v| v.to_f64());
            let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
            let margin = 0.1 * (high - low) + 0.1;
            (low - margin, high + margin)
        });
        let cell = |axis: usize, k: usize| {
            let (low, high) = bounds[axis];
            low + (k as f64 + 0.5) * (high - low) / GRID as f64
        };
        let grid = Tensor::from_fn([GRID * GRID, 2], |i| {
            let (point, axis) = (i / 2, i % 2);
            let k = if axis == 0 { point % GRID } else { point / GRID };
            T::from_f64(cell(axis, k))
        });
        let logits = predict(&grid);
        let shape = logits.shape();
        assert!(
            shape.len() == 2 && shape[0] == GRID * GRID && shape[1] >= 1,
            "DecisionBoundary::capture: predict returned shape {shape:?} for {} points; expected [M, 1] or [M, C]",
            GRID * GRID
        );
        let classes = shape[1];
        let cells = logits.data().chunks_exact(classes).map(|row| decide(row)).collect();
        let stride = n.div_ceil(MAX_POINTS);
        let points = (0..n)
            .step_by(stride)
            .map(|i| {
                let (x, y) = (inputs.data()[2 * i].to_f64(), inputs.data()[2 * i + 1].to_f64());
                (x, y, labels.data()[i].to_f64().round().clamp(0.0, 255.0) as u8)
            })
            .collect();
        DecisionBoundary { label: label.into(), bounds, cells, points }
    }

    /// The label given at capture.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The fraction of the grid predicted as `class`.
    pub fn class_share(&self, class: u8) -> f64 {
        self.cells.iter().filter(|c| c.0 == class).count() as f64 / self.cells.len() as f64
    }

    /// The snapshot as an SVG element of `size` pixels.
    ///
    /// # Panics
    /// If plotters fails to draw into its in-memory SVG (a bug).
    pub(super) fn to_svg(&self, size: (u32, u32)) -> String {
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
            self.draw(&root).unwrap_or_else(|e| panic!("report: drawing the boundary {:?} failed: {e}", self.label));
        }
        svg
    }

    fn draw(&self, root: &DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), Box<dyn std::error::Error>> {
        root.fill(&WHITE)?;
        let [(x0, x1), (y0, y1)] = self.bounds;
        let mut chart = ChartBuilder::on(root)
            .caption(&self.label, ("sans-serif", 16))
            .margin(8)
            .x_label_area_size(24)
            .y_label_area_size(34)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(5)
            .y_labels(5)
            .x_label_formatter(&|&x| super::chart::tick(x))
            .y_label_formatter(&|&y| super::chart::tick(y))
            .label_style(("sans-serif", 11))
            .draw()?;
        // Each row's cells as runs of one class and confidence: one
        // rectangle a run instead of one a cell.
        let (dx, dy) = ((x1 - x0) / GRID as f64, (y1 - y0) / GRID as f64);
        let mut runs = Vec::new();
        for (row, cells) in self.cells.chunks_exact(GRID).enumerate() {
            let mut start = 0;
            while start < GRID {
                let end = start + cells[start..].iter().take_while(|&&c| c == cells[start]).count();
                runs.push((row, start, end, cells[start]));
                start = end;
            }
        }
        chart.draw_series(runs.into_iter().map(|(row, start, end, (class, level))| {
            let color = PALETTE[class as usize % PALETTE.len()];
            let alpha = 0.08 + 0.32 * (level as f64 + 0.5) / LEVELS as f64;
            let corner = |k: usize, r: usize| (x0 + k as f64 * dx, y0 + r as f64 * dy);
            Rectangle::new([corner(start, row), corner(end, row + 1)], color.mix(alpha).filled())
        }))?;
        chart.draw_series(self.points.iter().map(|&(x, y, class)| {
            Circle::new((x, y), 3, PALETTE[class as usize % PALETTE.len()].filled().stroke_width(1))
        }))?;
        root.present()?;
        Ok(())
    }
}

/// The class a row of logits predicts and its confidence level: for one
/// logit, class 1 if positive, confidence `|2σ(z) - 1|`; for several, the
/// first largest, confidence how far its softmax probability is from
/// uniform towards 1.
fn decide<T: Float>(row: &[T]) -> (u8, u8) {
    let (class, confidence) = if let [z] = row {
        let p = 1.0 / (1.0 + (-z.to_f64()).exp());
        (u8::from(p > 0.5), (2.0 * p - 1.0).abs())
    } else {
        let values: Vec<f64> = row.iter().map(|v| v.to_f64()).collect();
        let best = (0..values.len()).fold(0, |b, k| if values[k] > values[b] { k } else { b });
        let total: f64 = values.iter().map(|v| (v - values[best]).exp()).sum();
        let uniform = 1.0 / values.len() as f64;
        (best.min(255) as u8, ((1.0 / total - uniform) / (1.0 - uniform)).clamp(0.0, 1.0))
    };
    let level = ((confidence * LEVELS as f64) as u8).min(LEVELS - 1);
    (class, level)
}
