//! The report's charts of a [`TrainingLog`]: loss, accuracy, learning rate,
//! gradient norms, update ratios, activation saturation and spread. A chart
//! with nothing to show (no test set, no diagnostics) is left out.

use super::chart::{LineChart, Series};
use crate::diagnostics::{StepRow, TrainingLog};

/// A chart and the sentence under it that says what to look for.
pub(super) struct Figure {
    pub chart: LineChart,
    pub caption: &'static str,
}

/// The charts of the training curves: loss, accuracy, learning rate.
pub(super) fn training_curves(log: &TrainingLog) -> Vec<Figure> {
    let epoch_end = |row: &crate::diagnostics::EpochRow| row.step as f64;
    let mut loss = LineChart::new("Loss", "step", "loss");
    loss.series.push(Series::new("train, per batch", per_step(log, |r| r.loss()), 0).faint());
    loss.series.push(Series::new(
        "train, epoch mean",
        log.epoch_rows().map(|r| (epoch_end(r), r.metrics.train_loss)).collect(),
        0,
    ));
    let test: Vec<(f64, f64)> = log.epoch_rows().filter_map(|r| Some((epoch_end(r), r.metrics.test_loss?))).collect();
    let loss_caption = if test.is_empty() {
        "The mini-batch loss of every step (faint) and its mean over each epoch (no test loss was recorded)."
    } else {
        "The mini-batch loss of every step (faint), its mean over each epoch, and the loss on the test set after each epoch."
    };
    loss.series.push(Series::new("test", test, 1));

    let mut accuracy = LineChart::new("Accuracy", "step", "accuracy");
    accuracy.series.push(Series::new(
        "train",
        log.epoch_rows().filter_map(|r| Some((epoch_end(r), r.metrics.train_accuracy?))).collect(),
        0,
    ));
    accuracy.series.push(Series::new(
        "test",
        log.epoch_rows().filter_map(|r| Some((epoch_end(r), r.metrics.test_accuracy?))).collect(),
        1,
    ));

    let mut lr = LineChart::new("Learning rate", "step", "learning rate");
    lr.series.push(Series::new("learning rate", per_step(log, |r| r.lr()), 2));

    vec![
        Figure { chart: loss, caption: loss_caption },
        Figure {
            chart: accuracy,
            caption: "Accuracy on the training and test sets after each epoch: a gap that widens is overfitting.",
        },
        Figure { chart: lr, caption: "The learning rate each step used (the schedule)." },
    ]
    .into_iter()
    .filter(|f| f.chart.visible_points() > 0)
    .collect()
}

/// The charts of the diagnostics: per parameter, gradient norms and update
/// ratios; per activation, saturated or dead fraction and spread.
pub(super) fn diagnostics_curves(log: &TrainingLog) -> Vec<Figure> {
    let mut grads = LineChart::new("Gradient norm per parameter", "step", "|g|");
    grads.log_y = true;
    let mut ratios = LineChart::new("Update / value ratio per parameter", "step", "|Δw| / |w|");
    ratios.log_y = true;
    ratios.guide = Some((1e-3, "1e-3".into()));
    for (k, name) in log.param_names().iter().enumerate() {
        smoothed(&mut grads, name, per_step(log, |r| r.grad_norm(k)), k);
        let points = per_step(log, |r| r.update_ratio(k));
        let unchanged = points.iter().filter(|p| p.1 == 0.0).count();
        if unchanged > 0 {
            ratios.notes.push(format!(
                "{name}: the ratio is 0 at {unchanged} of {} steps, which a log axis cannot draw: no element of \
                 it changed. {UNCHANGED}",
                points.len()
            ));
        }
        smoothed(&mut ratios, name, points, k);
    }

    let mut saturation = LineChart::new("Saturated or dead units per activation", "step", "fraction");
    let mut spread = LineChart::new("Spread of activations", "step", "std of outputs");
    for (k, (name, kind)) in log.activation_names().iter().zip(log.activation_kinds()).enumerate() {
        let label = format!("{name} ({})", kind.saturation_name());
        saturation.series.push(Series::new(label, per_step(log, |r| r.saturation(k)), k));
        spread.series.push(Series::new(name.clone(), per_step(log, |r| r.activation_std(k)), k));
    }
    // From 0, to a little above the highest fraction (at least 5%, so that
    // noise near 0 stays flat).
    let highest =
        saturation.series.iter().flat_map(|s| &s.points).map(|p| p.1).filter(|v| v.is_finite()).fold(0.0, f64::max);
    saturation.y_range = Some((0.0, (1.15 * highest).clamp(0.05, 1.0)));
    vec![
        Figure {
            chart: grads,
            caption: "The L2 norm of each parameter's gradient, every step (faint) and smoothed over about ten steps. Norms that shrink by decades towards the input mean vanishing gradients; spikes, instability.",
        },
        Figure {
            chart: ratios,
            caption: "How far the optimizer moved each parameter relative to its size, |Δw| / |w|. Karpathy's rule of thumb: about 1e-3. Far below, the layer barely learns; far above, it thrashes. A bias that starts at zero has no ratio at its first step.",
        },
        Figure {
            chart: saturation,
            caption: "tanh and sigmoid: the fraction of outputs saturated (|tanh| > 0.97, which passes back less than 6% of the gradient). ReLU and GELU: the fraction of units dead, zero for the whole batch.",
        },
        Figure {
            chart: spread,
            caption: "The standard deviation of each activation's outputs over the batch: collapsing to 0 or pinned at the extremes both stop learning.",
        },
    ]
    .into_iter()
    .filter(|f| f.chart.visible_points() > 0)
    .collect()
}

/// Why a parameter with a gradient can be left unchanged by a step.
pub(super) const UNCHANGED: &str = "Where its gradient is not 0, each element's update was below the resolution \
    of the float type at the weight's size (about 6e-8 of the weight in f32, 1e-16 in f64), so rounding gave back \
    the same weight; or the parameter was not stepped.";

/// One value of every step, against the step.
pub(super) fn per_step(log: &TrainingLog, value: impl Fn(&StepRow<'_>) -> f64) -> Vec<(f64, f64)> {
    log.step_rows().map(|r| (r.step() as f64, value(&r))).collect()
}

/// Adds `points` to `chart` twice: faint as they are, and smoothed by an
/// exponential moving average over about ten steps (in log space on a log
/// axis, so that one spike does not lift the curve for long).
pub(super) fn smoothed(chart: &mut LineChart, name: &str, points: Vec<(f64, f64)>, k: usize) {
    let log_y = chart.log_y;
    let mut average: Option<f64> = None;
    let smooth: Vec<(f64, f64)> = points
        .iter()
        .filter(|p| p.1.is_finite() && (!log_y || p.1 > 0.0))
        .map(|&(x, y)| {
            let y = if log_y { y.ln() } else { y };
            let a = average.map_or(y, |a| 0.9 * a + 0.1 * y);
            average = Some(a);
            (x, if log_y { a.exp() } else { a })
        })
        .collect();
    let raw = Series { in_legend: false, ..Series::new(format!("{name} (raw)"), points, k).faint() };
    chart.series.push(raw);
    chart.series.push(Series::new(name, smooth, k));
}
