//! The gradient noise statistics estimate what they claim: averaged over
//! many batches, `|G|²` and `tr(Σ)` from one batch's per-sample gradients
//! and from McCandlish et al.'s two-batch estimator both come out at the
//! true values of the data set; the noise scale's averages and the log's
//! noise rows hold what was recorded.

use rand::{RngExt, SeedableRng, rngs::StdRng};
use tapegrad::diagnostics::{GradientNoise, NoiseEstimate, NoiseScale, StepMetrics, TrainingLog};
use tapegrad::nn::loss::{self, Reduction};
use tapegrad::nn::{Activation, Mlp, Module};
use tapegrad::{Tape, Tensor};

/// A fixed data set of `N` points for a small tanh MLP with a squared-error loss.
struct Population {
    model: Mlp<f64>,
    x: Tensor<f64>,
    y: Tensor<f64>,
}

const N: usize = 64;

impl Population {
    fn new() -> Self {
        let mut rng = StdRng::seed_from_u64(3);
        let model = Mlp::new(&[3, 4, 1], Activation::Tanh, &mut rng);
        let x = Tensor::randn([N, 3], &mut rng);
        let y = Tensor::from_fn([N, 1], |i| x.data()[3 * i] - 0.5 * x.data()[3 * i + 2] + 0.3);
        Population { model, x, y }
    }

    /// The rows `picks` of the data set.
    fn batch(&self, picks: &[usize]) -> (Tensor<f64>, Tensor<f64>) {
        let x = Tensor::from_fn([picks.len(), 3], |k| self.x.data()[3 * picks[k / 3] + k % 3]);
        let y = Tensor::from_fn([picks.len(), 1], |k| self.y.data()[picks[k]]);
        (x, y)
    }

    /// The true `|G|²` and `tr(Σ)`: the mean gradient over the whole set and
    /// the per-sample gradients' variance around it (dividing by N: the
    /// set is the population the batches are drawn from).
    fn truth(&self) -> NoiseEstimate {
        let tape = Tape::new();
        let all: Vec<usize> = (0..N).collect();
        let (x, y) = self.batch(&all);
        let terms = loss::mse_loss_with(self.model.forward(tape.constant(x)), tape.constant(y), Reduction::None);
        let per_sample = terms.per_sample_gradients();
        let (mut gradient_sq, mut trace) = (0.0, 0.0);
        for (_, g) in per_sample.iter() {
            let per = g.len() / N;
            for j in 0..per {
                let column: Vec<f64> = (0..N).map(|i| g.data()[i * per + j]).collect();
                let mean = column.iter().sum::<f64>() / N as f64;
                gradient_sq += mean * mean;
                trace += column.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / N as f64;
            }
        }
        NoiseEstimate { gradient_sq, trace }
    }

    /// The gradient of the mean loss over the rows `picks`, flattened.
    fn mean_gradient(&self, picks: &[usize]) -> Vec<f64> {
        let tape = Tape::new();
        let (x, y) = self.batch(picks);
        let grads = loss::mse_loss(self.model.forward(tape.constant(x)), tape.constant(y)).backward();
        self.model.params().flat_map(|p| grads.param(p).unwrap().data().to_vec()).collect()
    }
}

fn squared_norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum()
}

/// Within `tolerance` relative.
fn near(what: &str, got: f64, expected: f64, tolerance: f64) {
    assert!((got - expected).abs() <= tolerance * expected.abs(), "{what}: {got} against {expected}");
}

#[test]
fn per_sample_estimates_of_the_gradient_and_its_noise_are_unbiased() {
    let population = Population::new();
    let truth = population.truth();
    let mut rng = StdRng::seed_from_u64(11);
    let mut noise = GradientNoise::new();
    let (batches, size) = (10_000, 8);
    let (mut gradient_sq, mut trace) = (0.0, 0.0);
    for _ in 0..batches {
        let picks: Vec<usize> = (0..size).map(|_| rng.random_range(0..N)).collect();
        let (x, y) = population.batch(&picks);
        let tape = Tape::new();
        let out = population.model.forward(tape.constant(x));
        noise.measure(loss::mse_loss_with(out, tape.constant(y), Reduction::None));
        gradient_sq += noise.total().gradient_sq / batches as f64;
        trace += noise.total().trace / batches as f64;
    }
    // One batch of 8 sees |ḡ|² = |G|² + tr(Σ)/8 on average, 56% above |G|²
    // here; the estimate takes the noise out. A trace divided by B instead
    // of B - 1 would be 12.5% low. Seen: 1.8% and 0.6% off.
    near("|G|²", gradient_sq, truth.gradient_sq, 0.05);
    near("tr(Σ)", trace, truth.trace, 0.05);
    println!("truth {truth:?}; B_noise {:.2}", truth.noise_scale());
}

#[test]
fn the_two_batch_estimator_needs_only_two_mean_gradients() {
    // McCandlish et al.'s setting: no per-sample gradients, only the
    // gradient of a small batch and of a big one, at each step.
    let population = Population::new();
    let truth = population.truth();
    let mut rng = StdRng::seed_from_u64(12);
    let (small, big, rounds) = (4, 32, 3000);
    let mut scale = NoiseScale::new(0.999);
    for _ in 0..rounds {
        let picks: Vec<usize> = (0..big).map(|_| rng.random_range(0..N)).collect();
        let small_sq = squared_norm(&population.mean_gradient(&picks[..small]));
        let big_sq = squared_norm(&population.mean_gradient(&picks));
        scale.update(NoiseEstimate::from_two_batches(small as f64, small_sq, big as f64, big_sq));
    }
    let averaged = scale.smoothed();
    // Seen: 1.1%, 3.7% and 2.6% off.
    near("|G|²", averaged.gradient_sq, truth.gradient_sq, 0.1);
    near("tr(Σ)", averaged.trace, truth.trace, 0.1);
    near("B_noise", scale.noise_scale(), truth.noise_scale(), 0.15);
}

#[test]
fn the_log_keeps_each_noise_measurement_with_its_step() {
    let mut log = TrainingLog::new();
    let mut scale = NoiseScale::new(0.5);
    log.record_noise(&scale, 16);
    assert!(log.noise_rows().is_empty(), "nothing to record before the first estimate");
    for (step, (gradient_sq, trace)) in [(2.0, 8.0), (1.0, 12.0)].into_iter().enumerate() {
        log.record_step(StepMetrics { loss: 1.0, lr: 0.1 }, None);
        scale.update(NoiseEstimate { gradient_sq, trace });
        log.record_noise(&scale, 16);
        assert_eq!(log.noise_rows()[step].step, step + 1);
    }
    let last = log.noise_rows()[1];
    assert_eq!((last.batch, last.raw), (16, NoiseEstimate { gradient_sq: 1.0, trace: 12.0 }));
    // Bias-corrected averages with decay 0.5: weights 1/3 and 2/3.
    near("smoothed |G|²", last.smoothed.gradient_sq, 4.0 / 3.0, 1e-12);
    near("smoothed tr(Σ)", last.smoothed.trace, 32.0 / 3.0, 1e-12);
    let csv = log.noise_csv();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "step,batch,gradient_sq,trace,noise_scale,smoothed_gradient_sq,smoothed_trace,smoothed_noise_scale"
    );
    assert_eq!(lines[1], "1,16,2,8,4,2,8,4");
    assert_eq!(lines.len(), 3);
}

#[test]
fn a_decay_outside_zero_to_one_is_refused() {
    let message =
        std::panic::catch_unwind(|| NoiseScale::new(1.0)).err().and_then(|e| e.downcast_ref::<String>().cloned());
    assert_eq!(message.as_deref(), Some("NoiseScale::new: decay 1 is not in [0, 1)"));
}
