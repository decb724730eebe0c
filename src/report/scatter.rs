//! [`PredictedVsTrue`]: a regression's predictions against the true
//! values, with the diagonal where they would be equal.

use plotters::prelude::*;

use super::chart::{PALETTE, tick};
use super::predictions::svg;
use crate::float::Float;
use crate::tensor::Tensor;

/// Width and height of the panel.
const SIZE: (u32, u32) = (440, 420);

/// A regression's predictions against the true values of one target, and
/// the coefficient of determination
/// `R² = 1 - Σ(y - ŷ)² / Σ(y - mean(y))²` (1 is perfect; 0 is no better
/// than predicting the mean; it can be negative).
///
/// ```
/// use tapegrad::Tensor;
/// use tapegrad::report::PredictedVsTrue;
///
/// let truth = Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [4, 1]);
/// let predicted = Tensor::from_vec(vec![1.5, 2.0, 2.5, 4.0], [4, 1]);
/// let panel = PredictedVsTrue::capture("test set", "target", &truth, &predicted);
/// assert!((panel.r2() - 0.9).abs() < 1e-12);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct PredictedVsTrue {
    label: String,
    target: String,
    /// (true, predicted) per example.
    points: Vec<(f64, f64)>,
}

impl PredictedVsTrue {
    /// Pairs `truth` with `predicted`, both `[N]` or `[N, 1]` values of the
    /// target named `target`; `label` names the examples (`"test set"`).
    ///
    /// # Panics
    /// If the shapes differ, are empty, or hold more than one target (make
    /// one panel per target).
    #[track_caller]
    pub fn capture<T: Float>(
        label: impl Into<String>,
        target: impl Into<String>,
        truth: &Tensor<T>,
        predicted: &Tensor<T>,
    ) -> Self {
        let one_column = |t: &Tensor<T>| t.ndim() == 1 || (t.ndim() == 2 && t.shape()[1] == 1);
        assert!(
            truth.len() == predicted.len() && !truth.is_empty() && one_column(truth) && one_column(predicted),
            "PredictedVsTrue::capture: truth {:?} and predicted {:?} must both be [N] or [N, 1] (one target)",
            truth.shape(),
            predicted.shape()
        );
        let points = truth.data().iter().zip(predicted.data()).map(|(t, p)| (t.to_f64(), p.to_f64())).collect();
        PredictedVsTrue { label: label.into(), target: target.into(), points }
    }

    /// The coefficient of determination of the predictions.
    pub fn r2(&self) -> f64 {
        let n = self.points.len() as f64;
        let mean = self.points.iter().map(|p| p.0).sum::<f64>() / n;
        let residual: f64 = self.points.iter().map(|(t, p)| (t - p).powi(2)).sum();
        let total: f64 = self.points.iter().map(|(t, _)| (t - mean).powi(2)).sum();
        1.0 - residual / total
    }

    /// Number of examples.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// `true` if there are no examples (never, once captured).
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    pub(super) fn caption(&self) -> String {
        format!(
            "{}: the predicted {} of each example against the true one (R² = {:.3}). Points on the dashed \
             diagonal are exact; above it the model predicts too much, below too little.",
            self.label,
            self.target,
            self.r2()
        )
    }

    pub(super) fn to_svg(&self) -> String {
        let all = self.points.iter().flat_map(|&(t, p)| [t, p]);
        let (low, high) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
        let margin = 0.05 * (high - low).max(1e-9);
        let range = (low - margin)..(high + margin);
        svg("the predicted-against-true chart", SIZE, |root| {
            let title = format!("{}: R² = {:.3}", self.label, self.r2());
            let mut chart = ChartBuilder::on(root)
                .caption(title, ("sans-serif", 16))
                .margin(10)
                .x_label_area_size(38)
                .y_label_area_size(52)
                .build_cartesian_2d(range.clone(), range.clone())?;
            chart
                .configure_mesh()
                .x_desc(format!("true {}", self.target))
                .y_desc(format!("predicted {}", self.target))
                .x_label_formatter(&|&v| tick(v))
                .y_label_formatter(&|&v| tick(v))
                .light_line_style(WHITE.mix(0.0))
                .bold_line_style(BLACK.mix(0.08))
                .label_style(("sans-serif", 12))
                .axis_desc_style(("sans-serif", 13))
                .draw()?;
            let diagonal = [(range.start, range.start), (range.end, range.end)];
            chart.draw_series(DashedLineSeries::new(diagonal, 6, 5, BLACK.mix(0.5).stroke_width(1)))?;
            let color = PALETTE[0];
            chart.draw_series(self.points.iter().map(|&p| Circle::new(p, 3, color.mix(0.7).filled())))?;
            Ok(())
        })
    }
}
