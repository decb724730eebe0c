//! The training loop every network slide shares: a model, an optimizer, a
//! schedule, mini-batches; out comes the loss curve.

use rand::{SeedableRng, rngs::StdRng};
use tapegrad::data::{Dataset, toy};
use tapegrad::nn::metrics::binary_accuracy;
use tapegrad::nn::{Activation, Mlp, Module, loss};
use tapegrad::optim::{Optimizer, Schedule};
use tapegrad::{Tape, Tensor};

use super::measure::indexed;

/// Two moons split into training and test points, from one seed.
pub struct Moons {
    pub train: Dataset,
    pub test: Dataset,
}

impl Moons {
    /// `n` noisy moons points, a fifth of them held out for testing.
    pub fn new(n: usize, noise: f64, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let (train, test) = toy::moons(n, noise, &mut rng).split(0.2, &mut rng);
        Moons { train, test }
    }

    /// `train` points to learn from and `test` fresh points from the same
    /// distribution: for a small training set and a test accuracy that is
    /// not itself noisy.
    pub fn sized(train: usize, test: usize, noise: f64, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let train = toy::moons(train, noise, &mut rng);
        Moons { train, test: toy::moons(test, noise, &mut rng) }
    }
}

/// An MLP with tanh between its layers, initialised from `seed`: the same
/// seed gives the same starting weights, so runs that differ only in their
/// optimizer start from the same point.
pub fn mlp(sizes: &[usize], seed: u64) -> Mlp {
    Mlp::new(sizes, Activation::Tanh, &mut StdRng::seed_from_u64(seed))
}

/// How to train: batch size, number of updates, the rate at each, and the
/// seed of the batch order.
pub struct Plan<'a> {
    /// Examples per update; the whole training set if larger.
    pub batch_size: usize,
    /// Number of updates.
    pub steps: usize,
    /// The learning rate of each update.
    pub schedule: &'a dyn Schedule,
    /// Seeds the shuffling of the batches, so that runs compared with each
    /// other see the same batches in the same order.
    pub seed: u64,
}

impl<'a> Plan<'a> {
    /// `steps` updates on batches of `batch_size` at the rates of `schedule`.
    pub fn new(batch_size: usize, steps: usize, schedule: &'a dyn Schedule) -> Self {
        Plan { batch_size, steps, schedule, seed: 1 }
    }

    /// The same plan with its batches shuffled from `1 + seed` (seed 0 is
    /// the default order), for an experiment run at another seed.
    pub fn seeded(self, seed: u64) -> Self {
        Plan { seed: 1 + seed, ..self }
    }
}

/// What a training run leaves: the loss of each update's batch (before the
/// update), the mean loss of each epoch, and whether it blew up.
#[derive(Clone, Debug, Default)]
pub struct Curve {
    /// The loss on the whole training set before the first update.
    pub start_loss: f64,
    pub step_losses: Vec<f64>,
    pub epoch_losses: Vec<f64>,
    /// The loss went above [`BLOW_UP`] or stopped being finite; the run was
    /// stopped there.
    pub diverged: bool,
}

/// A loss above this counts as blown up (the initial loss of these tasks is
/// about 0.7).
pub const BLOW_UP: f64 = 1e3;

impl Curve {
    /// `(step, loss)` points for a chart, one per update.
    pub fn per_step(&self) -> Vec<(f64, f64)> {
        indexed(&self.step_losses)
    }

    /// `(epoch, loss)` points: the starting loss at epoch 0, then each
    /// epoch's mean batch loss at epochs 1, 2, ...
    pub fn per_epoch(&self) -> Vec<(f64, f64)> {
        let epochs = self.epoch_losses.iter().enumerate().map(|(k, &l)| ((k + 1) as f64, l));
        std::iter::once((0.0, self.start_loss)).chain(epochs).collect()
    }

    /// The mean of the last `n` step losses (or as many as there are).
    pub fn final_loss(&self, n: usize) -> f64 {
        let tail = &self.step_losses[self.step_losses.len().saturating_sub(n)..];
        tail.iter().sum::<f64>() / tail.len().max(1) as f64
    }
}

/// Trains `model` on `data` with binary cross-entropy, as `plan` says; after
/// each update `observe(step, model)` sees the model (to measure a step or
/// a test accuracy along the way). Returns the loss curve.
pub fn train_observed(
    model: &mut Mlp,
    data: &Dataset,
    opt: &mut impl Optimizer,
    plan: &Plan,
    mut observe: impl FnMut(usize, &Mlp),
) -> Curve {
    train_until(model, data, opt, plan, |step, m| {
        observe(step, m);
        false
    })
}

/// [`train_observed`] with an observer that can end the run: training stops
/// after the update at which `stop(step, model)` returns true (the last
/// epoch's loss is then the mean over the updates it had).
pub fn train_until(
    model: &mut Mlp,
    data: &Dataset,
    opt: &mut impl Optimizer,
    plan: &Plan,
    mut stop: impl FnMut(usize, &Mlp) -> bool,
) -> Curve {
    let mut rng = StdRng::seed_from_u64(plan.seed);
    let mut tape = Tape::new();
    let mut curve = Curve { start_loss: dataset_loss(model, data), ..Curve::default() };
    let batch_size = plan.batch_size.min(data.len());
    let mut step = 0;
    while step < plan.steps {
        let (mut sum, mut seen) = (0.0, 0);
        let mut stopped = false;
        for batch in data.batches(batch_size, &mut rng) {
            if step == plan.steps {
                break;
            }
            tape.clear();
            let n = batch.len();
            let logits = model.forward(tape.constant(batch.x));
            let loss = loss::bce_with_logits(logits, tape.constant(batch.y));
            let value = loss.item() as f64;
            curve.step_losses.push(value);
            if !value.is_finite() || value > BLOW_UP {
                curve.diverged = true;
                return curve;
            }
            (sum, seen) = (sum + value * n as f64, seen + n);
            let grads = loss.backward();
            opt.set_lr(plan.schedule.lr(step));
            opt.step(&mut *model, &grads);
            step += 1;
            if stop(step, model) {
                stopped = true;
                break;
            }
        }
        curve.epoch_losses.push(sum / seen.max(1) as f64);
        if stopped {
            break;
        }
    }
    curve
}

/// [`train_observed`] without an observer.
pub fn train(model: &mut Mlp, data: &Dataset, opt: &mut impl Optimizer, plan: &Plan) -> Curve {
    train_observed(model, data, opt, plan, |_, _| {})
}

/// The mean binary cross-entropy of `model` over all of `data`.
pub fn dataset_loss(model: &Mlp, data: &Dataset) -> f64 {
    let tape = Tape::new();
    let logits = tape.constant(model.predict(data.x()));
    loss::bce_with_logits(logits, tape.constant(data.y().clone())).item() as f64
}

/// The fraction of `data` that `model` classifies right.
pub fn accuracy(model: &Mlp, data: &Dataset) -> f64 {
    binary_accuracy(&model.predict(data.x()), data.y())
}

/// Every parameter of `model` in one vector, in `params()` order: a point
/// in weight space, to measure how far an update moved it.
pub fn flatten(model: &Mlp) -> Vec<f64> {
    model.params().flat_map(|p| p.value().data().iter().map(|&v| v as f64)).collect()
}

/// The Euclidean distance between two points in weight space.
pub fn distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f64>().sqrt()
}

/// The Euclidean norm of every weight matrix of `model` together (biases
/// left out: weight decay is about the weights).
pub fn weight_norm(model: &Mlp) -> f64 {
    model.layers().map(|layer| layer.weight().value().norm() as f64).map(|n| n * n).sum::<f64>().sqrt()
}

/// A tensor's elements as `f64`.
pub fn values(t: &Tensor) -> Vec<f64> {
    t.data().iter().map(|&v| v as f64).collect()
}

/// The gradient of the mean binary cross-entropy of `model` on the examples
/// `(x, y)`, every parameter's in one vector (in `params()` order).
pub fn gradient(model: &Mlp, x: Tensor, y: Tensor) -> Vec<f64> {
    let tape = Tape::new();
    let logits = model.forward(tape.constant(x));
    let grads = loss::bce_with_logits(logits, tape.constant(y)).backward();
    model.params().flat_map(|p| grads.param(p).map(values).unwrap_or_else(|| vec![0.0; p.value().len()])).collect()
}
