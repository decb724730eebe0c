//! The moons task of `examples/moons.rs` (1000 points, noise 0.1, a fifth
//! held out; a 2-16-16-1 tanh MLP; BCE with logits; batches of 32), as the
//! learning-rate range test and the landscape examples and their tests run
//! it: train at a constant rate, test, and the range test on its batches.

use rand::{SeedableRng, rngs::StdRng};
use tapegrad::data::{Batches, Dataset, toy};
use tapegrad::nn::metrics::binary_accuracy;
use tapegrad::nn::{Activation, Mlp, Module, loss};
use tapegrad::optim::{Adam, Momentum, Optimizer, Sgd};
use tapegrad::probe::{LrRange, LrRangeTest};
use tapegrad::{Gradients, Tape};

/// The mini-batch size.
pub const BATCH: usize = 32;

/// Data, model and the generator of the batches, from one seed.
pub struct MoonsTask {
    pub train: Dataset,
    pub test: Dataset,
    pub model: Mlp,
    rng: StdRng,
}

impl MoonsTask {
    /// The data, the split and the initial weights of seed `seed`.
    pub fn new(seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let data = toy::moons::<f32, _>(1000, 0.1, &mut rng);
        let (train, test) = data.split(0.2, &mut rng);
        let model = Mlp::new(&[2, 16, 16, 1], Activation::Tanh, &mut rng);
        MoonsTask { train, test, model, rng }
    }

    /// Steps in one epoch.
    pub fn steps_per_epoch(&self) -> usize {
        self.train.len().div_ceil(BATCH)
    }

    /// The learning-rate range test on the task's batches (epoch after
    /// epoch), with `opt`; the model's weights are left as they were.
    pub fn range_test(&mut self, test: LrRangeTest, opt: impl Optimizer) -> LrRange {
        let MoonsTask { train, model, rng, .. } = self;
        let mut batches: Batches<'_> = train.batches(BATCH, rng);
        test.run(model, opt, |tape, model| {
            let batch = match batches.next() {
                Some(batch) => batch,
                None => {
                    batches = train.batches(BATCH, rng);
                    batches.next().expect("a batch")
                }
            };
            loss::bce_with_logits(model.forward(tape.constant(batch.x)), tape.constant(batch.y))
        })
    }

    /// Trains for `epochs` epochs with `opt` at its rate, calling
    /// `after_step(step, model)` after each step (step 1 is after the first
    /// update). Returns the accuracy on the test set.
    pub fn train(&mut self, opt: &mut impl Optimizer, epochs: usize, mut after_step: impl FnMut(usize, &Mlp)) -> f64 {
        let (mut tape, mut grads) = (Tape::new(), Gradients::new());
        let mut step = 0;
        for _ in 0..epochs {
            for batch in self.train.batches(BATCH, &mut self.rng) {
                tape.clear();
                let logits = self.model.forward(tape.constant(batch.x));
                loss::bce_with_logits(logits, tape.constant(batch.y)).backward_into(&mut grads);
                opt.step(&mut self.model, &grads);
                step += 1;
                after_step(step, &self.model);
            }
        }
        self.test_accuracy()
    }

    /// Accuracy of the model on the test set.
    pub fn test_accuracy(&self) -> f64 {
        binary_accuracy(&self.model.predict(self.test.x()), self.test.y())
    }
}

/// The runs of `examples/landscape.rs` (and of its test): a name, a name
/// for files, and the optimizer at its constant rate. Momentum's effective
/// rate, 0.05 / (1 - 0.9), is SGD's.
pub fn landscape_runs() -> [(&'static str, &'static str, Box<dyn Optimizer>); 3] {
    [
        ("SGD, lr 0.5", "sgd", Box::new(Sgd::new(0.5))),
        ("Momentum 0.9, lr 0.05", "momentum", Box::new(Momentum::new(0.05, 0.9))),
        ("Adam, lr 0.01", "adam", Box::new(Adam::new(0.01))),
    ]
}

/// The mean BCE of `model` on `data`, computed without recording a graph
/// worth keeping: what a loss landscape evaluates at every point.
pub fn mean_loss(model: &Mlp, data: &Dataset) -> f64 {
    let tape = Tape::new();
    let logits = tape.constant(model.predict(data.x()));
    loss::bce_with_logits(logits, tape.constant(data.y().clone())).item() as f64
}
