//! Optimizers: the [`Optimizer`] trait, the update rules of the lecture, the
//! learning-rate schedules and gradient clipping.
//!
//! Every optimizer is one [`Rule`] (how one parameter moves, given its
//! gradient, its state and the learning rate) run by the generic
//! [`Driver`], which owns the learning rate and each parameter's state,
//! keyed by [`ParamId`], and saves and restores that state for checkpoints.
//! The learning rate is set from outside each step (see the schedules), so
//! the update is a function of `(parameter, gradient, state, lr)`.
//!
//! [`ParamId`]: crate::ParamId
#![forbid(unsafe_code)]

mod adam;
pub mod clip;
mod groups;
mod momentum;
mod rmsprop;
mod rule;
pub mod schedule;
mod sgd;
mod state;

pub use crate::error::StateError;
pub use adam::{Adam, AdamRule, AdamState, AdamW, Decoupled, L2, WeightDecay};
pub use clip::{clip_grad_norm, clip_grad_value};
pub use groups::ParamGroup;
pub use momentum::{Momentum, MomentumForm, MomentumRule, MomentumState};
pub use rmsprop::{RmsProp, RmsPropRule, RmsPropState};
pub use rule::{Driver, Hyper, Rule};
pub use schedule::{
    Constant, Cosine, InverseSqrt, LinearDecay, Scaled, Schedule, Sequence, StepDecay, Warmup, scale_lr_for_batch,
};
pub use sgd::{Sgd, SgdRule};
pub use state::{ParamState, StateValue};

use crate::float::Float;
use crate::nn::Module;
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
///     let grads = loss.backward();
///     opt.step(&mut model, &grads);
///     losses.push(loss.item()); // read after the step, as in PyTorch
/// }
/// assert!(losses[49] < losses[0] / 2.0);
/// ```
pub trait Optimizer<T: Float = f32> {
    /// The learning rate the next step will use.
    fn lr(&self) -> f64;

    /// Sets the learning rate for the following steps (a schedule calls this
    /// every step).
    ///
    /// # Panics
    /// If `lr` is negative or not finite, as the constructors do: such a
    /// rate would turn every weight into NaN at the next step.
    #[track_caller]
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

    /// The parameter groups (see [`Driver::add_group`]), each with its
    /// members, in the order added: what a checkpoint saves. None by
    /// default.
    fn param_groups(&self) -> Vec<(ParamGroup, Vec<ParamId>)> {
        Vec::new()
    }

    /// Replaces the parameter groups (a checkpoint being loaded).
    ///
    /// # Panics
    /// If the optimizer has no groups (the default) and `groups` is not
    /// empty, or a parameter is in two groups.
    fn set_param_groups(&mut self, groups: Vec<(ParamGroup, Vec<ParamId>)>) {
        assert!(groups.is_empty(), "{}: this optimizer has no parameter groups", self.name());
    }

    /// Updates one parameter in place from its gradient, advancing that
    /// parameter's state by one step.
    ///
    /// # Panics
    /// If the gradient's shape differs from the parameter's.
    #[track_caller]
    fn update(&mut self, param: &mut Param<T>, grad: &Tensor<T>);

    /// One step over `params`: a module (`&mut model`), or any iterator of
    /// parameters (`[&mut w, &mut b]`, `params.iter_mut()` over a
    /// `Vec<Param>`, `model.params_mut()`). Each parameter that has a
    /// gradient in `grads` is updated; the others are left as they are, and
    /// so is their state, as are [frozen](Param::freeze) parameters.
    /// Returns how many were updated, so that a parameter the graph never
    /// bound (`tape.var(p.value().clone())` instead of `tape.param(&p)`)
    /// does not go unnoticed:
    ///
    /// ```
    /// use tapegrad::optim::{Optimizer, Sgd};
    /// use tapegrad::{Param, Tape, Tensor};
    ///
    /// let mut w = Param::new("w", Tensor::from_vec(vec![1.0f32], [1]));
    /// let tape = Tape::new();
    /// let copy = tape.var(w.value().clone()); // not bound: no gradient for `w`
    /// let grads = (copy * 2.0).sum().backward();
    /// assert_eq!(Sgd::new(0.1).step([&mut w], &grads), 0);
    /// ```
    ///
    /// # Panics
    /// If a parameter changed since the graph of `grads` bound it (a second
    /// step with the same gradients, or a value set in between): the
    /// gradient is of a value the parameter no longer has.
    #[track_caller]
    fn step<'a, Via>(&mut self, params: impl Parameters<'a, T, Via>, grads: &Gradients<T>) -> usize
    where
        Self: Sized,
        T: 'a,
    {
        let mut updated = 0;
        params.for_each(&mut |param| {
            let Some((grad, version)) = grads.param_and_version(param) else { return };
            if version != param.version() {
                stale(self.name(), param.name());
            }
            if param.requires_grad() {
                self.update(param, grad);
                updated += 1;
            }
        });
        updated
    }
}

/// The message of a step with a stale gradient, built out of the loop.
#[cold]
#[track_caller]
fn stale(optimizer: &str, param: &str) -> ! {
    panic!(
        "{optimizer}: the gradient of {param} was computed from a value it no longer has (a step already used \
         these gradients, or the value was set since); record the graph again"
    )
}

/// What [`Optimizer::step`] updates: a module (`&mut model`, walked without
/// allocating), or any iterator of parameters (`[&mut w, &mut b]`, a
/// `Vec<&mut Param>`, `params.iter_mut()`, `model.params_mut()`). `Via` is
/// [`ViaModule`] or [`ViaIter`] and is inferred: it keeps the two kinds
/// apart, so that both can be taken by one method.
pub trait Parameters<'a, T: Float, Via> {
    /// Calls `f` on each parameter.
    fn for_each(self, f: &mut dyn FnMut(&'a mut Param<T>));
}

/// [`Parameters`] of a module.
pub enum ViaModule {}

/// [`Parameters`] of an iterator.
pub enum ViaIter {}

impl<'a, T: Float, M: Module<T> + ?Sized> Parameters<'a, T, ViaModule> for &'a mut M {
    fn for_each(self, f: &mut dyn FnMut(&'a mut Param<T>)) {
        self.visit_params_mut(f)
    }
}

impl<'a, T: Float + 'a, I: IntoIterator<Item = &'a mut Param<T>>> Parameters<'a, T, ViaIter> for I {
    fn for_each(self, f: &mut dyn FnMut(&'a mut Param<T>)) {
        Iterator::for_each(self.into_iter(), f)
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
    fn param_groups(&self) -> Vec<(ParamGroup, Vec<ParamId>)> {
        (**self).param_groups()
    }
    fn set_param_groups(&mut self, groups: Vec<(ParamGroup, Vec<ParamId>)>) {
        (**self).set_param_groups(groups)
    }
    fn update(&mut self, param: &mut Param<T>, grad: &Tensor<T>) {
        (**self).update(param, grad)
    }
}

/// `value`, checked to be finite and `>= 0`.
///
/// # Panics
/// Otherwise, with `{owner}: {what} must be finite and >= 0, got {value}`.
#[track_caller]
pub(crate) fn non_negative(owner: &str, what: &str, value: f64) -> f64 {
    assert!(value.is_finite() && value >= 0.0, "{owner}: {what} must be finite and >= 0, got {value}");
    value
}

/// `value`, checked to be in `[0, 1)` (a decay rate).
///
/// # Panics
/// Otherwise, with `{owner}: {what} must be in [0, 1), got {value}`.
#[track_caller]
pub(crate) fn decay_rate(owner: &str, what: &str, value: f64) -> f64 {
    assert!((0.0..1.0).contains(&value), "{owner}: {what} must be in [0, 1), got {value}");
    value
}

/// The `eps` of a denominator `sqrt(v) + eps` (Adam's, RMSProp's), checked
/// to be finite and above 0 in `T`.
///
/// **Departure from PyTorch**, which accepts `eps = 0`: a weight whose
/// gradient has been 0 at every step so far (a dead unit, an unused input)
/// has `v = 0`, and its update is then `0 / 0`, which makes the weight NaN
/// for good. Any positive `eps` that `T` can represent, however small,
/// keeps that update at 0.
///
/// # Panics
/// Otherwise, with `{owner}: eps must be finite and > 0 in {float32|float64}, got {eps} ...`.
#[track_caller]
pub(crate) fn positive_eps<T: Float>(owner: &str, eps: f64) -> f64 {
    assert!(
        eps.is_finite() && T::from_f64(eps) > T::ZERO,
        "{owner}: eps must be finite and > 0 in {}, got {eps} (with eps = 0, a weight whose gradient has been 0 at \
         every step would become 0/0 = NaN)",
        T::DTYPE
    );
    eps
}
