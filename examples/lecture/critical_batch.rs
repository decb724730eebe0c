//! "Regla empírica: si aumentas el batch en N, aumenta LR en N", measured
//! against the gradient noise scale. The same network trained by SGD to
//! the same training loss at batch sizes 1 to 512, the rate scaled with the
//! batch (Goyal et al. 2017): how many steps and how many samples each
//! needed. McCandlish et al. (2018) predict near-perfect scaling (half the
//! steps for twice the batch, the same samples) below the noise scale
//! `B_noise = tr(Σ) / |G|²` and diminishing returns above it; the noise
//! scale is measured from the per-sample gradients of the whole training
//! set.

use super::training::{Moons, Plan, dataset_loss, mlp, train_until};
use super::{Experiment, Size};
use crate::common::chart::{LineChart, Series};
use crate::common::figure::Figure;
use tapegrad::Tape;
use tapegrad::diagnostics::{GradientNoise, NoiseEstimate};
use tapegrad::nn::loss::{self, Reduction};
use tapegrad::nn::{Mlp, Module};
use tapegrad::optim::{Constant, Sgd};

const SIZES: [usize; 4] = [2, 16, 16, 1];
/// The rate at batch 1; batch B trains at B times it.
const LR_PER_SAMPLE: f64 = 0.01;
/// The training loss every run must reach.
const TARGET: f64 = 0.2;

/// One batch size's run.
pub struct Run {
    pub batch: usize,
    pub lr: f64,
    /// Updates until the loss on the whole training set first fell to the
    /// target, if it did.
    pub steps: Option<usize>,
    /// The run's loss blew up.
    pub diverged: bool,
}

impl Run {
    /// Samples seen until the target: steps times batch.
    pub fn samples(&self) -> Option<usize> {
        self.steps.map(|s| s * self.batch)
    }
}

/// The slide's measurements.
pub struct CriticalBatch {
    pub train_len: usize,
    pub runs: Vec<Run>,
    /// `B_noise` of the whole training set at the starting weights.
    pub noise_at_start: f64,
    /// `B_noise` of the whole training set where the smallest batch's run
    /// reached the target.
    pub noise_at_target: f64,
    /// `B_noise` over the smallest batch's run: `tr(Σ)` and `|G|²` of the
    /// whole training set averaged over its checks, then divided.
    pub noise_over_run: f64,
}

impl CriticalBatch {
    /// The run at batch size `batch`.
    pub fn run(&self, batch: usize) -> &Run {
        self.runs.iter().find(|r| r.batch == batch).expect("a trained batch size")
    }

    /// McCandlish et al.'s model of the runs, `S = S_min + E_min / B` (steps
    /// `S` at batch `B`: the fewest steps any batch can take, plus the
    /// fewest samples spread over batches of `B`), fitted to the runs that
    /// reached the target by least squares on relative errors. Returns
    /// `(S_min, E_min)`; their ratio is the critical batch size.
    pub fn fit(&self) -> (f64, f64) {
        // Minimise Σ ((a + b/B - S) / S)²: linear in a and b.
        let (mut saa, mut sab, mut sbb, mut sa, mut sb) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for run in &self.runs {
            let Some(steps) = run.steps else { continue };
            let (w, u) = (1.0 / steps as f64, 1.0 / run.batch as f64);
            let (ca, cb) = (w, u * w);
            (saa, sab, sbb) = (saa + ca * ca, sab + ca * cb, sbb + cb * cb);
            (sa, sb) = (sa + ca, sb + cb);
        }
        let det = saa * sbb - sab * sab;
        ((sa * sbb - sb * sab) / det, (sb * saa - sa * sab) / det)
    }

    /// The fewest samples any run needed to reach the target.
    pub fn fewest_samples(&self) -> usize {
        self.runs.iter().filter_map(Run::samples).min().expect("some run reaches the target")
    }
}

/// `|G|²` and `tr(Σ)` of `model` on all of `data`, from its per-sample gradients.
fn noise(model: &Mlp, data: &tapegrad::data::Dataset) -> NoiseEstimate {
    let tape = Tape::new();
    let logits = model.forward(tape.constant(data.x().clone()));
    let terms = loss::bce_with_logits_with(logits, tape.constant(data.y().clone()), Reduction::None);
    let mut noise = GradientNoise::new();
    noise.measure(terms);
    noise.total()
}

impl Experiment for CriticalBatch {
    const FILE: &'static str = "critical_batch.svg";

    fn run(size: Size, seed: u64) -> Self {
        // 1024 training points: every batch size divides the set, so that no
        // epoch ends with a smaller batch.
        let moons = Moons::sized(1024, 256, 0.2, seed);
        let train_len = moons.train.len();
        let batches: Vec<usize> = (0..=10).map(|k| 1 << k).collect();
        let epochs = size.pick(60, 100);
        let noise_at_start = noise(&mlp(&SIZES, seed), &moons.train).noise_scale();
        let mut along = Vec::new();
        let runs = batches
            .iter()
            .map(|&batch| {
                let lr = LR_PER_SAMPLE * batch as f64;
                let schedule = Constant::new(lr);
                let steps = epochs * train_len.div_ceil(batch);
                // The training loss is checked sixteen times an epoch, or
                // after every update for batches above a sixteenth of the set.
                let every = (train_len / 16 / batch).max(1);
                let mut model = mlp(&SIZES, seed);
                let mut reached = None;
                let curve = train_until(
                    &mut model,
                    &moons.train,
                    &mut Sgd::new(lr),
                    &Plan::new(batch, steps, &schedule).seeded(seed),
                    |step, m| {
                        if step % every != 0 {
                            return false;
                        }
                        if batch == batches[0] {
                            along.push(noise(m, &moons.train));
                        }
                        let done = dataset_loss(m, &moons.train) <= TARGET;
                        if done {
                            reached = Some(step);
                        }
                        done
                    },
                );
                Run { batch, lr, steps: reached, diverged: curve.diverged }
            })
            .collect();
        let noise_at_target = along.last().map_or(f64::NAN, NoiseEstimate::noise_scale);
        let mean = |f: fn(&NoiseEstimate) -> f64| along.iter().map(f).sum::<f64>() / along.len() as f64;
        let noise_over_run = mean(|e| e.trace) / mean(|e| e.gradient_sq);
        CriticalBatch { train_len, runs, noise_at_start, noise_at_target, noise_over_run }
    }

    fn report(&self) -> String {
        let mut text = format!(
            "SGD on {} moons points, 2-16-16-1 tanh MLP, rate {LR_PER_SAMPLE} x batch, until the training loss is {TARGET}\n",
            self.train_len
        );
        text += "batch      lr    steps    samples   samples / fewest\n";
        let fewest = self.fewest_samples() as f64;
        for run in &self.runs {
            let (steps, samples, ratio) = match run.steps {
                Some(s) => {
                    (s.to_string(), (s * run.batch).to_string(), format!("{:.2}", (s * run.batch) as f64 / fewest))
                }
                None if run.diverged => ("diverged".into(), "-".into(), "-".into()),
                None => ("never".into(), "-".into(), "-".into()),
            };
            text += &format!("{:>5} {:>7} {steps:>8} {samples:>10} {ratio:>18}\n", run.batch, run.lr);
        }
        text += &format!(
            "B_noise of the training set: {:.1} at the start, {:.1} where batch 1 reached the target, {:.1} over its run\n",
            self.noise_at_start, self.noise_at_target, self.noise_over_run
        );
        let (s_min, e_min) = self.fit();
        text += &format!(
            "fit S = S_min + E_min / B: S_min {s_min:.1}, E_min {e_min:.0}, B_crit = E_min / S_min = {:.1}",
            e_min / s_min
        );
        text
    }

    fn figure(&self) -> Figure<'_> {
        let reached: Vec<(f64, f64, f64)> =
            self.runs.iter().filter_map(|r| Some((r.batch as f64, r.steps? as f64, r.samples()? as f64))).collect();
        let batches: Vec<f64> = self.runs.iter().map(|r| r.batch as f64).collect();
        // McCandlish et al.'s model with the measured noise scale as the
        // critical batch: E = E_min (1 + B / B_noise), S = E / B.
        let e_min = self.fewest_samples() as f64;
        let b_noise = self.noise_over_run;
        let model_samples = |b: f64| e_min * (1.0 + b / b_noise);
        let model = format!("McCandlish's model, B_crit = B_noise = {b_noise:.0}");
        let mark = format!("B_noise {b_noise:.0}");
        let steps_chart = LineChart::new("updates to reach the target loss", "batch size B (rate ∝ B)", "updates")
            .log_x()
            .log_y()
            .series(Series::dots("measured", reached.iter().map(|r| (r.0, r.1)).collect()))
            .series(Series::reference("perfect scaling: E_min / B", batches.iter().map(|&b| (b, e_min / b)).collect()))
            .series(
                Series::line(model.clone(), batches.iter().map(|&b| (b, model_samples(b) / b)).collect())
                    .dashed()
                    .color(2),
            )
            .mark(b_noise, mark.clone());
        let samples_chart =
            LineChart::new("samples to reach the target loss", "batch size B (rate ∝ B)", "samples (updates × B)")
                .log_x()
                .log_y()
                .series(Series::dots("measured", reached.iter().map(|r| (r.0, r.2)).collect()))
                .series(Series::line(model, batches.iter().map(|&b| (b, model_samples(b))).collect()).dashed().color(2))
                .mark(b_noise, mark);
        Figure::new()
            .title(format!(
                "Batch × N, rate × N: nearly free below the noise scale, diminishing returns above (training loss {TARGET})"
            ))
            .panel(steps_chart)
            .panel(samples_chart)
    }
}
