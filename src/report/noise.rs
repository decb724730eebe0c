//! The report's charts of the gradient noise scale over training
//! (`TrainingLog::record_noise`): `B_noise` against the step with the batch
//! size for comparison, and the two quantities it is the ratio of.

use super::chart::{LineChart, Series};
use super::curves::Figure;
use crate::diagnostics::TrainingLog;

/// The noise-scale charts, or none if the log has no noise measurements.
pub(super) fn noise_curves(log: &TrainingLog) -> Vec<Figure> {
    let rows = log.noise_rows();
    if rows.is_empty() {
        return Vec::new();
    }
    let at = |value: fn(&crate::diagnostics::NoiseRow) -> f64| -> Vec<(f64, f64)> {
        rows.iter().map(|r| (r.step as f64, value(r))).collect()
    };
    let mut scale = LineChart::new("Gradient noise scale B_noise = tr(Σ) / |G|²", "step", "B_noise (samples)");
    scale.log_y = true;
    scale.series.push(Series::new("one batch's estimate", at(|r| r.raw.noise_scale()), 0).faint());
    scale.series.push(Series::new("averaged (EMA of |G|² and tr(Σ))", at(|r| r.smoothed.noise_scale()), 0));
    let batch = rows[rows.len() - 1].batch;
    scale.guide = Some((batch as f64, format!("batch size {batch}")));

    let mut parts = LineChart::new("Signal and noise of a batch's gradient", "step", "squared norm");
    parts.log_y = true;
    parts.series.push(Series::new("|G|², the true gradient's (averaged)", at(|r| r.smoothed.gradient_sq), 1));
    let noise = at(|r| r.smoothed.batch_variance(r.batch));
    parts.series.push(Series::new("tr(Σ) / B, the batch gradient's variance (averaged)", noise, 3));
    vec![
        Figure {
            chart: scale,
            caption: "McCandlish et al. (2018)'s simple noise scale, estimated from each measured batch's \
                      per-sample gradients (faint; a single batch's estimate of |G|² is noisy and can be negative, \
                      which drops the point) and from averages over the run. Batches much smaller than B_noise \
                      give mostly noise per step, and a batch twice as large is worth about two steps; much \
                      larger batches give diminishing returns. It grows as training approaches a minimum, where \
                      |G| shrinks and the noise does not.",
        },
        Figure {
            chart: parts,
            caption: "The two parts of the noise scale: the squared norm of the true gradient, and the variance \
                      of the mini-batch gradient at the batch size used. Where the variance lies above the \
                      signal, a step's direction is mostly noise.",
        },
    ]
    .into_iter()
    .filter(|f| f.chart.visible_points() > 0)
    .collect()
}
