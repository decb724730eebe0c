//! "Nuestros gradientes provienen de minibatches, ¡por eso pueden ser
//! ruidosos!" The same network trained by SGD at the same rate with batches
//! of 1, 8, 32 and the whole set; and the variance of the mini-batch
//! gradient around the full one for batch sizes 1 to 256, measured by
//! sampling batches and predicted from the per-sample gradients:
//! `tr(Σ) / B`, times `1 - B/N` for batches drawn without replacement.

use rand::{SeedableRng, rngs::StdRng};

use super::measure::{fraction_rising, indexed, log_log_slope};
use super::training::{Moons, Plan, dataset_loss, distance, gradient, mlp, train_observed};
use super::{Experiment, Size};
use crate::common::chart::{LineChart, Series};
use crate::common::figure::Figure;
use tapegrad::Tape;
use tapegrad::diagnostics::GradientNoise;
use tapegrad::nn::Module;
use tapegrad::nn::loss::{self, Reduction};
use tapegrad::optim::{Constant, Sgd};

const SIZES: [usize; 4] = [2, 16, 16, 1];
const LR: f64 = 0.2;

/// One training run at a batch size.
pub struct Run {
    pub batch: usize,
    /// The loss on the whole training set after each update.
    pub losses: Vec<f64>,
    /// How often an update made the training loss worse.
    pub rising: f64,
}

/// The measured noise at a batch size.
pub struct Variance {
    pub batch: usize,
    /// `E |g_B − g|²`: the mini-batch gradient's squared distance from the
    /// full gradient, averaged over `samples` batches.
    pub variance: f64,
    pub samples: usize,
    /// What the per-sample gradients predict for it: `tr(Σ) / B (1 − B/N)`.
    pub predicted: f64,
}

impl Variance {
    /// Measured over predicted.
    pub fn ratio(&self) -> f64 {
        self.variance / self.predicted
    }
}

/// The slide's measurements: training runs by batch size, and the
/// gradient noise by batch size.
pub struct Noise {
    pub train_len: usize,
    pub runs: Vec<Run>,
    pub variances: Vec<Variance>,
    /// The exponent `p` of `variance ∝ B^p` fitted to the measurements.
    pub slope: f64,
    /// `tr(Σ)`: the summed variance of one sample's gradient over the
    /// training set, from the per-sample gradients.
    pub trace: f64,
}

impl Noise {
    /// The measured variance at batch size `batch`.
    pub fn variance(&self, batch: usize) -> f64 {
        self.variances.iter().find(|v| v.batch == batch).expect("a measured batch size").variance
    }

    /// The run at batch size `batch`.
    pub fn run(&self, batch: usize) -> &Run {
        self.runs.iter().find(|r| r.batch == batch).expect("a trained batch size")
    }
}

impl Experiment for Noise {
    const FILE: &'static str = "minibatch_noise.svg";

    fn run(size: Size, seed: u64) -> Self {
        let moons = Moons::new(size.pick(1000, 2000), 0.2, seed);
        let train_len = moons.train.len();
        let steps = size.pick(150, 400);
        let schedule = Constant::new(LR);
        let runs = [1, 8, 32, train_len]
            .into_iter()
            .map(|batch| {
                let mut model = mlp(&SIZES, seed);
                let mut losses = vec![dataset_loss(&model, &moons.train)];
                let plan = Plan::new(batch, steps, &schedule).seeded(seed);
                train_observed(&mut model, &moons.train, &mut Sgd::new(LR), &plan, |_, m| {
                    losses.push(dataset_loss(m, &moons.train))
                });
                Run { batch, rising: fraction_rising(&losses), losses }
            })
            .collect();

        // The noise at the starting weights: each batch's gradient against
        // the full one, over whole shuffled epochs (batches drawn without
        // replacement, as training draws them).
        let model = mlp(&SIZES, seed);
        let full = gradient(&model, moons.train.x().clone(), moons.train.y().clone());
        let trace = per_sample_trace(&model, &moons.train);
        let samples = size.pick(200, 400);
        let mut rng = StdRng::seed_from_u64(2 + seed);
        let variances: Vec<Variance> = [1, 2, 4, 8, 16, 32, 64, 128, 256]
            .into_iter()
            .map(|batch| {
                let mut sum = 0.0;
                let mut drawn = 0;
                while drawn < samples {
                    for b in moons.train.batches(batch, &mut rng).drop_last().take(samples - drawn) {
                        sum += distance(&gradient(&model, b.x, b.y), &full).powi(2);
                        drawn += 1;
                    }
                }
                // Without replacement a batch of the whole set has no noise.
                let predicted = trace / batch as f64 * (1.0 - batch as f64 / train_len as f64);
                Variance { batch, variance: sum / samples as f64, samples, predicted }
            })
            .collect();
        let points: Vec<(f64, f64)> = variances.iter().map(|v| (v.batch as f64, v.variance)).collect();
        Noise { train_len, runs, slope: log_log_slope(&points), variances, trace }
    }

    fn report(&self) -> String {
        let mut text = format!("SGD at lr {LR} on {} moons points, 2-16-16-1 tanh MLP\n", self.train_len);
        text += "batch   final training loss   updates that raised the loss\n";
        for run in &self.runs {
            let last = run.losses.last().copied().unwrap_or(f64::NAN);
            text += &format!("{:>5}   {last:>19.4}   {:>27.0}%\n", run.batch, 100.0 * run.rising);
        }
        text += &format!(
            "\ntr(Σ) from the per-sample gradients of the {} training points: {:.4}\n",
            self.train_len, self.trace
        );
        text += "batch   E|g_B - g|² measured   predicted tr(Σ)/B (1 - B/N)   measured / predicted\n";
        for v in &self.variances {
            text += &format!("{:>5}   {:>20.3e}   {:>28.3e}   {:>20.3}\n", v.batch, v.variance, v.predicted, v.ratio());
        }
        text += &format!(
            "fitted slope of log variance vs log B: {:.3} (1/B is -1); variance(32)/variance(8) = {:.3} (1/4 is 0.25)",
            self.slope,
            self.variance(32) / self.variance(8)
        );
        text
    }

    fn figure(&self) -> Figure<'_> {
        let name = |batch: usize| {
            if batch == self.train_len { format!("full batch ({batch})") } else { format!("batch {batch}") }
        };
        let curves =
            LineChart::new("the same net, SGD lr 0.2: training loss", "update", "loss on the whole training set").with(
                self.runs.iter().map(|run| {
                    let name = format!("{} ({:.0}% of updates raise it)", name(run.batch), 100.0 * run.rising);
                    Series::line(name, indexed(&run.losses))
                }),
            );
        let measured: Vec<(f64, f64)> = self.variances.iter().map(|v| (v.batch as f64, v.variance)).collect();
        let predicted = self.variances.iter().map(|v| (v.batch as f64, v.predicted)).collect();
        let one_over_b = self.variances.iter().map(|v| (v.batch as f64, self.trace / v.batch as f64)).collect();
        let noise = LineChart::new(
            format!("gradient noise vs batch size (slope {:.2})", self.slope),
            "batch size B",
            "E |g_B − g|²",
        )
        .log_x()
        .log_y()
        .series(Series::dots("measured by sampling batches", measured))
        .series(Series::line("predicted from per-sample gradients: tr(Σ)/B (1 − B/N)", predicted).dashed())
        .series(Series::reference("tr(Σ) / B", one_over_b));
        Figure::new()
            .title("Mini-batch gradients are noisy, and the noise shrinks like 1/B (its size like 1/√B)")
            .panel(curves)
            .panel(noise)
    }
}

/// `tr(Σ)` of the per-sample gradients of `model` over all of `data` (the
/// sample covariance, `N − 1` in the denominator).
fn per_sample_trace(model: &tapegrad::nn::Mlp, data: &tapegrad::data::Dataset) -> f64 {
    let tape = Tape::new();
    let logits = model.forward(tape.constant(data.x().clone()));
    let terms = loss::bce_with_logits_with(logits, tape.constant(data.y().clone()), Reduction::None);
    let mut noise = GradientNoise::new();
    noise.measure(terms);
    noise.total().trace
}
