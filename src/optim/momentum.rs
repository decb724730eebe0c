//! SGD with momentum, in both of the lecture's forms.

use super::rule::coupled_decay;
use super::state::{ParamState, StateField, StateValue, check_same_shapes, expect_no_more, param_state, take_field};
use super::{Driver, Hyper, Rule, StateError, decay_rate};
use crate::float::Float;
use crate::tensor::Tensor;

/// Which of the lecture's two momentum updates a [`Momentum`] optimizer runs.
///
/// At a constant learning rate both give the same trajectory (the form-1
/// velocity is `-lr` times the form-2 velocity); they differ when the rate
/// changes during training. Neither is called "classic" here: other
/// libraries use that word for opposite formulas.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MomentumForm {
    /// The lecture's form 1: the velocity carries the learning rate.
    ///
    /// `v = rho*v - lr*g;  x += v`
    ///
    /// After a change of learning rate the velocity keeps the old rate's
    /// scale and forgets it only at the speed `rho`, so the step size adapts
    /// gradually. PyTorch has no equivalent.
    Velocity,
    /// The lecture's form 2, PyTorch's `SGD(momentum=rho)`: the velocity is a
    /// decaying sum of gradients and the rate is applied when stepping.
    ///
    /// `v = rho*v + g;  x -= lr*v`
    ///
    /// A change of learning rate rescales the very next step. The default.
    #[default]
    GradientSum,
}

/// Stochastic gradient descent with momentum (heavy ball or Nesterov).
///
/// With `g` the gradient, `v` the per-parameter velocity (zero before the
/// first step), `rho` the momentum and `lr` the learning rate, the two
/// [`MomentumForm`]s are:
///
/// | form | update | with `.nesterov(true)` |
/// |---|---|---|
/// | [`GradientSum`](MomentumForm::GradientSum) (default) | `v = rho*v + g;  x -= lr*v` | `v = rho*v + g;  x -= lr*(g + rho*v)` |
/// | [`Velocity`](MomentumForm::Velocity) | `v = rho*v - lr*g;  x += v` | `v = rho*v - lr*g;  x += rho*v - lr*g` |
///
/// The Nesterov update of either form is the look-ahead step: the same
/// momentum step applied once more to the new velocity, plus the gradient
/// step. At a constant rate the two Nesterov variants give the same
/// trajectory too.
///
/// Optional *coupled* weight decay (an L2 penalty `wd/2 * |x|²` mixed into the
/// gradient before it enters the velocity): `g += wd*x` first. Default `0`.
///
/// **PyTorch equivalent** of the default form:
/// `torch.optim.SGD(params, lr, momentum=rho, nesterov=..., weight_decay=wd)`
/// with `dampening=0` (tapegrad has no dampening). PyTorch sets its buffer to
/// `g` on the first step instead of starting from zero; `rho*0 + g = g`, so
/// the values are the same. The `Velocity` form has no PyTorch equivalent.
///
/// The velocity of each parameter is open to inspection
/// ([`state`](Driver::state)) and can be put back
/// ([`set_state`](Driver::set_state)).
///
/// ```
/// use tapegrad::optim::{Momentum, MomentumForm, Optimizer};
/// use tapegrad::{Param, Tape, Tensor};
///
/// // Minimise f(x) = x² from x = 1.
/// let mut x = Param::new("x", Tensor::from_vec(vec![1.0f64], [1]));
/// let mut opt = Momentum::new(0.1, 0.9).form(MomentumForm::Velocity).nesterov(true);
/// for _ in 0..100 {
///     let tape = Tape::new();
///     let grads = {
///         let xv = tape.param(&x);
///         (xv * xv).sum().backward()
///     };
///     opt.step([&mut x], &grads);
/// }
/// assert!(x.value().data()[0].abs() < 1e-3);
/// assert!(opt.state(x.id()).is_some());
/// ```
pub type Momentum<T = f32> = Driver<MomentumRule, T>;

/// The rule of [`Momentum`]: its momentum, form and Nesterov switch (the
/// weight decay is the driver's, per group).
#[derive(Clone, Debug, PartialEq)]
pub struct MomentumRule {
    rho: f64,
    form: MomentumForm,
    nesterov: bool,
}

/// What [`Momentum`] keeps per parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct MomentumState<T: Float = f32> {
    /// The velocity: in units of `x` in the `Velocity` form (it includes the
    /// rate), in units of the gradient in the `GradientSum` form.
    pub velocity: Tensor<T>,
}

param_state!(MomentumState { velocity });

const NAME: &str = "Momentum";

impl<T: Float> Momentum<T> {
    /// Momentum with learning rate `lr` and momentum `rho` (PyTorch's
    /// `momentum`; `0.9` is the usual choice), in the
    /// [`GradientSum`](MomentumForm::GradientSum) form, without Nesterov and
    /// without weight decay.
    ///
    /// # Panics
    /// If `lr` is negative or not finite, or `rho` is not in `[0, 1)`.
    #[track_caller]
    pub fn new(lr: f64, rho: f64) -> Self {
        let rho = decay_rate(NAME, "rho", rho);
        Driver::from_rule(MomentumRule { rho, form: MomentumForm::GradientSum, nesterov: false }, lr)
    }

    /// Chooses the form of the update (see [`MomentumForm`]). Set it before
    /// the first step: the two forms store velocities of different units.
    pub fn form(self, form: MomentumForm) -> Self {
        self.with_rule(|r| r.form = form)
    }

    /// Uses Nesterov's look-ahead update (see the table on [`Momentum`]).
    pub fn nesterov(self, nesterov: bool) -> Self {
        self.with_rule(|r| r.nesterov = nesterov)
    }

    /// Adds coupled weight decay (L2 in the gradient): `g += wd * x` before
    /// the velocity update, like PyTorch's `SGD(weight_decay=wd)`.
    ///
    /// # Panics
    /// If `wd` is negative or not finite.
    #[track_caller]
    pub fn weight_decay(self, wd: f64) -> Self {
        self.with_weight_decay(wd)
    }
}

impl<T: Float> Rule<T> for MomentumRule {
    type State = MomentumState<T>;

    fn name(&self) -> &'static str {
        NAME
    }

    fn init(&self, shape: &[usize]) -> MomentumState<T> {
        MomentumState { velocity: Tensor::zeros(shape) }
    }

    fn update(&mut self, x: &mut [T], g: &[T], state: &mut MomentumState<T>, hyper: Hyper) {
        let (lr, rho, wd) = (T::from_f64(hyper.lr), T::from_f64(self.rho), T::from_f64(hyper.weight_decay));
        let lanes = x.iter_mut().zip(g).zip(state.velocity.data_mut());
        // One loop per variant, chosen once: each is a single pass that
        // vectorises.
        match (self.form, self.nesterov) {
            (MomentumForm::GradientSum, false) => {
                for ((x, &g), v) in lanes {
                    let g = coupled_decay(g, *x, wd);
                    *v = rho * *v + g;
                    *x -= lr * *v;
                }
            }
            (MomentumForm::GradientSum, true) => {
                for ((x, &g), v) in lanes {
                    let g = coupled_decay(g, *x, wd);
                    *v = rho * *v + g;
                    *x -= lr * (g + rho * *v);
                }
            }
            (MomentumForm::Velocity, false) => {
                for ((x, &g), v) in lanes {
                    let g = coupled_decay(g, *x, wd);
                    *v = rho * *v - lr * g;
                    *x += *v;
                }
            }
            (MomentumForm::Velocity, true) => {
                for ((x, &g), v) in lanes {
                    let g = coupled_decay(g, *x, wd);
                    *v = rho * *v - lr * g;
                    *x += rho * *v - lr * g;
                }
            }
        }
    }
}
