//! What to watch while a network trains, measured after each step:
//!
//! * per parameter ([`ParamStats`]): the gradient's L2 norm, the value's
//!   norm, and the update-to-value ratio `|Δw| / |w|` of the optimizer step
//!   just taken (Karpathy's rule of thumb: about `1e-3`; much smaller and
//!   the layer barely learns, much larger and it thrashes);
//! * per activation node, `tanh`, `sigmoid`, `relu` or `gelu`
//!   ([`ActivationStats`]): mean, standard deviation, and the fraction of
//!   units that pass almost no gradient: saturated (`|tanh| > 0.97`) or
//!   dead (a ReLU whose output is 0 for the whole batch).
//!
//! [`Diagnostics::measure`] reads the tape, the gradients and the
//! parameters once the optimizer has stepped; [`TrainingLog`] keeps the
//! measurements with the loss, accuracy and learning rate, per step and per
//! epoch, and writes them as CSV. Neither allocates per step once warm
//! (give the log its capacity with [`TrainingLog::with_capacity`]).
//!
//! ```
//! use rand::{SeedableRng, rngs::StdRng};
//! use tapegrad::diagnostics::{Diagnostics, StepMetrics, TrainingLog};
//! use tapegrad::nn::{Activation, Mlp, Module, loss};
//! use tapegrad::optim::{Optimizer, Sgd};
//! use tapegrad::{Gradients, Tape, Tensor};
//!
//! let mut rng = StdRng::seed_from_u64(0);
//! let mut model = Mlp::<f32>::new(&[2, 8, 1], Activation::Tanh, &mut rng);
//! let mut opt = Sgd::new(0.1);
//! let (mut tape, mut grads) = (Tape::new(), Gradients::new());
//! let (mut diagnostics, mut log) = (Diagnostics::new(), TrainingLog::new());
//! let x = Tensor::randn([16, 2], &mut rng);
//! let y = Tensor::from_fn([16, 1], |i| (i % 2) as f32);
//! for _ in 0..5 {
//!     tape.clear();
//!     let logits = model.forward(tape.constant_from_slice(x.data(), x.shape()));
//!     let loss = loss::bce_with_logits(logits, tape.constant_from_slice(y.data(), y.shape()));
//!     let value = loss.item() as f64;
//!     loss.backward_into(&mut grads);
//!     opt.step(&mut model, &grads);
//!     diagnostics.measure(&tape, &grads, &model);
//!     log.record_step(StepMetrics { loss: value, lr: opt.lr() }, Some(&diagnostics));
//! }
//! let first = &diagnostics.params()[0];
//! assert_eq!(first.name, "layers.0.weight");
//! // SGD moves w by lr * g, so the ratio is lr |g| / |w|.
//! let expected = 0.1 * first.grad_norm / first.value_norm;
//! assert!((first.update_ratio() - expected).abs() < 1e-5 * expected);
//! assert_eq!(diagnostics.activations()[0].name, "layers.0.tanh");
//! assert_eq!(log.steps(), 5);
//! ```
#![forbid(unsafe_code)]

mod activations;
mod histograms;
mod log;
mod noise;
mod params;
mod sharpness;

pub use activations::{ActivationKind, ActivationStats, SATURATION_THRESHOLD};
pub use histograms::{Bins, HistogramSeries, Histograms, Quantity};
pub use log::{EpochMetrics, EpochRow, StepMetrics, StepRow, TrainingLog};
pub use noise::{GradientNoise, NoiseEstimate, NoiseRow, NoiseScale, ParamNoise};
pub use params::ParamStats;
pub use sharpness::{Sharpness, SharpnessPoint};

use crate::float::Float;
use crate::nn::Module;
use crate::tape::{Gradients, Tape};

/// The diagnostics of one training step, measured by
/// [`measure`](Diagnostics::measure) into buffers that the next
/// measurement reuses.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    params: Vec<ParamStats>,
    params_len: usize,
    activations: Vec<ActivationStats>,
    activations_len: usize,
    /// Per unit of the activation being measured: whether any row is alive
    /// (scratch space for the dead-unit count).
    alive: Vec<bool>,
    /// A parameter's path in the model, built during the walk.
    path: String,
}

impl Diagnostics {
    /// Empty diagnostics, to measure into.
    pub fn new() -> Self {
        Self::default()
    }

    /// Measures one step. Call it after the optimizer step, with the tape
    /// that recorded the step (not yet cleared), the gradients of its
    /// sweep, and the model, updated: the value each parameter had before
    /// the step is the copy the tape bound, so the update `Δw` needs no copy
    /// of its own. The model's parameters are walked with their names in
    /// the model (`res.inner.weight`), allocating nothing once warm.
    ///
    /// Parameters not bound to the tape are left out.
    ///
    /// # Panics
    /// If `grads` come from another tape or an earlier graph of this one.
    #[track_caller]
    pub fn measure<T: Float, M: Module<T> + ?Sized>(&mut self, tape: &Tape<T>, grads: &Gradients<T>, model: &M) {
        assert!(
            grads.belongs_to(tape),
            "Diagnostics::measure: the gradients come from another tape or an earlier graph"
        );
        tape.with_graph(|nodes, labels, bindings| {
            self.params_len = params::measure(&mut self.params, &mut self.path, nodes, bindings, grads, model);
            self.activations_len = activations::measure(&mut self.activations, &mut self.alive, nodes, labels);
        });
    }

    /// Each measured parameter, in the order they were given.
    pub fn params(&self) -> &[ParamStats] {
        &self.params[..self.params_len]
    }

    /// Each activation node of the graph, in the order recorded.
    pub fn activations(&self) -> &[ActivationStats] {
        &self.activations[..self.activations_len]
    }

    /// The stats of the parameter named `name`, if measured.
    pub fn param(&self, name: &str) -> Option<&ParamStats> {
        self.params().iter().find(|p| p.name == name)
    }

    /// The stats of the activation labelled `name` (`"layers.0.tanh"`), if
    /// measured.
    pub fn activation(&self, name: &str) -> Option<&ActivationStats> {
        self.activations().iter().find(|a| a.name == name)
    }
}

/// How many running sums the statistics keep: with one `f64` accumulator
/// every addition waits for the one before (the compiler may not reorder
/// floating-point sums), which made the norms and activation statistics cost
/// nearly half a W1 step; independent sums overlap and vectorise.
const LANES: usize = 4;

/// A slot of a reused buffer: the `k`-th entry, created on first use.
fn slot<S: Default>(buffer: &mut Vec<S>, k: usize) -> &mut S {
    if buffer.len() <= k {
        buffer.resize_with(k + 1, S::default);
    }
    &mut buffer[k]
}
