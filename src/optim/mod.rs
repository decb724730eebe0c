//! Optimizers: the [`Optimizer`] trait and the update rules of the lecture.
//!
//! An optimizer updates parameters in place from their gradients and keeps
//! whatever state it needs (velocities, moments) keyed by [`ParamId`], so
//! one optimizer serves every parameter of a model. The learning rate is
//! set from outside each step (see the schedules), which keeps the update a
//! function of `(parameter, gradient, state, lr)`.
//!
//! [`ParamId`]: crate::ParamId

mod adam;
mod adamw;
pub mod clip;
mod momentum;
mod rmsprop;
pub mod schedule;
mod sgd;
mod state;

pub use adam::{Adam, AdamState};
pub use adamw::AdamW;
pub use clip::{clip_grad_norm, clip_grad_value};
pub use momentum::{Momentum, MomentumForm};
pub use rmsprop::RmsProp;
pub use schedule::{
    Constant, Cosine, InverseSqrt, LinearDecay, Scaled, Schedule, Sequence, StepDecay, Warmup, scale_lr_for_batch,
};
pub use sgd::Sgd;
pub use state::{StateError, StateValue};

use crate::float::Float;
use crate::param::{Param, ParamId};
use crate::tape::Gradients;
use crate::tensor::Tensor;

/// An update rule over parameter tensors.
///
/// ```
/// use tapegrad::nn::{Activation, Mlp, Module, loss};
/// use tapegrad::optim::{Optimizer, Sgd};
/// use tapegrad::{Tape, Tensor};
/// use rand::{SeedableRng, rngs::StdRng};
///
/// let mut rng = StdRng::seed_from_u64(0);
/// let mut model = Mlp::new(&[1, 8, 1], Activation::Tanh, &mut rng);
/// let mut opt = Sgd::new(0.1);
/// let mut tape = Tape::new();
/// let mut losses = vec![];
/// for _ in 0..50 {
///     tape.clear();
///     let x = tape.constant(Tensor::from_vec(vec![-1.0, 0.0, 1.0], [3, 1]));
///     let y = tape.constant(Tensor::from_vec(vec![1.0, 0.0, 1.0], [3, 1]));
///     let loss = loss::mse_loss(model.forward(x), y);
///     losses.push(loss.item());
///     let grads = loss.backward();
///     opt.step(model.params_mut(), &grads);
/// }
/// assert!(losses[49] < losses[0] / 2.0);
/// ```
pub trait Optimizer<T: Float = f32> {
    /// The learning rate the next step will use.
    fn lr(&self) -> f64;

    /// Sets the learning rate for the following steps (a schedule calls this
    /// every step).
    fn set_lr(&mut self, lr: f64);

    /// A short name (`"Adam"`), stored in checkpoints and checked when one
    /// is loaded.
    fn name(&self) -> &'static str;

    /// The state kept for parameter `id` as named values (empty before its
    /// first update, and always for stateless rules): what a checkpoint saves.
    fn export_state(&self, id: ParamId) -> Vec<(String, StateValue<T>)>;

    /// Puts back state saved by [`export_state`](Optimizer::export_state)
    /// for parameter `id`, checking that every entry is there and known.
    fn import_state(&mut self, id: ParamId, entries: Vec<(String, StateValue<T>)>) -> Result<(), StateError>;

    /// Updates one parameter in place from its gradient, advancing that
    /// parameter's state by one step.
    ///
    /// # Panics
    /// If the gradient's shape differs from the parameter's.
    fn update(&mut self, param: &mut Param<T>, grad: &Tensor<T>);

    /// One step over `params` (usually `model.params_mut()`): each parameter
    /// that has a gradient in `grads` is updated; the others are left as
    /// they are, and so is their state.
    fn step<'a>(&mut self, params: impl IntoIterator<Item = &'a mut Param<T>>, grads: &Gradients<T>)
    where
        Self: Sized,
        T: 'a,
    {
        for param in params {
            if let Some(grad) = grads.param(param) {
                self.update(param, grad);
            }
        }
    }
}

/// A boxed optimizer is an optimizer, so different rules can share a `Vec`.
impl<T: Float, O: Optimizer<T> + ?Sized> Optimizer<T> for Box<O> {
    fn lr(&self) -> f64 {
        (**self).lr()
    }
    fn set_lr(&mut self, lr: f64) {
        (**self).set_lr(lr)
    }
    fn name(&self) -> &'static str {
        (**self).name()
    }
    fn export_state(&self, id: ParamId) -> Vec<(String, StateValue<T>)> {
        (**self).export_state(id)
    }
    fn import_state(&mut self, id: ParamId, entries: Vec<(String, StateValue<T>)>) -> Result<(), StateError> {
        (**self).import_state(id, entries)
    }
    fn update(&mut self, param: &mut Param<T>, grad: &Tensor<T>) {
        (**self).update(param, grad)
    }
}

/// Panics unless the gradient fits the parameter.
pub(crate) fn check_shapes<T: Float>(optimizer: &str, param: &Param<T>, grad: &Tensor<T>) {
    assert!(
        param.shape() == grad.shape(),
        "{optimizer}: gradient of shape {:?} for parameter {} of shape {:?}",
        grad.shape(),
        param.name(),
        param.shape()
    );
}
