//! SGD with momentum, in both of the lecture's forms.

use std::collections::HashMap;

use super::state::{expect_no_more, take_tensor};
use super::{Optimizer, StateError, StateValue, check_shapes};
use crate::float::Float;
use crate::param::{Param, ParamId};
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
/// The velocity of each parameter is open to inspection ([`velocity`]) and
/// can be put back ([`set_velocity`]), e.g. when restoring a checkpoint.
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
/// assert!(opt.velocity(x.id()).is_some());
/// ```
///
/// [`velocity`]: Momentum::velocity
/// [`set_velocity`]: Momentum::set_velocity
#[derive(Clone, Debug)]
pub struct Momentum<T: Float = f32> {
    lr: f64,
    rho: f64,
    form: MomentumForm,
    nesterov: bool,
    weight_decay: f64,
    velocity: HashMap<ParamId, Tensor<T>>,
}

impl<T: Float> Momentum<T> {
    /// Momentum with learning rate `lr` and momentum `rho` (PyTorch's
    /// `momentum`; `0.9` is the usual choice), in the
    /// [`GradientSum`](MomentumForm::GradientSum) form, without Nesterov and
    /// without weight decay.
    ///
    /// # Panics
    /// If `lr` is negative or not finite, or `rho` is not in `[0, 1)`.
    pub fn new(lr: f64, rho: f64) -> Self {
        assert!(lr.is_finite() && lr >= 0.0, "Momentum: learning rate must be finite and >= 0, got {lr}");
        assert!((0.0..1.0).contains(&rho), "Momentum: rho must be in [0, 1), got {rho}");
        Momentum {
            lr,
            rho,
            form: MomentumForm::GradientSum,
            nesterov: false,
            weight_decay: 0.0,
            velocity: HashMap::new(),
        }
    }

    /// Chooses the form of the update (see [`MomentumForm`]). Set it before
    /// the first step: the two forms store velocities of different units.
    pub fn form(mut self, form: MomentumForm) -> Self {
        self.form = form;
        self
    }

    /// Uses Nesterov's look-ahead update (see the table on [`Momentum`]).
    pub fn nesterov(mut self, nesterov: bool) -> Self {
        self.nesterov = nesterov;
        self
    }

    /// Adds coupled weight decay (L2 in the gradient): `g += wd * x` before
    /// the velocity update, like PyTorch's `SGD(weight_decay=wd)`.
    ///
    /// # Panics
    /// If `wd` is negative or not finite.
    pub fn weight_decay(mut self, wd: f64) -> Self {
        assert!(wd.is_finite() && wd >= 0.0, "Momentum: weight decay must be finite and >= 0, got {wd}");
        self.weight_decay = wd;
        self
    }

    /// The velocity of parameter `id`, or `None` before its first update.
    /// In the `Velocity` form it is in units of `x` (it includes the rate);
    /// in the `GradientSum` form, in units of the gradient.
    pub fn velocity(&self, id: ParamId) -> Option<&Tensor<T>> {
        self.velocity.get(&id)
    }

    /// Every stored velocity, in no particular order.
    pub fn velocities(&self) -> impl Iterator<Item = (ParamId, &Tensor<T>)> {
        self.velocity.iter().map(|(&id, v)| (id, v))
    }

    /// Puts back the velocity of parameter `id` (for instance from a
    /// checkpoint). It must be in this optimizer's form's units and have the
    /// parameter's shape; the next update checks the shape.
    pub fn set_velocity(&mut self, id: ParamId, velocity: Tensor<T>) {
        self.velocity.insert(id, velocity);
    }
}

impl<T: Float> Optimizer<T> for Momentum<T> {
    fn lr(&self) -> f64 {
        self.lr
    }

    fn name(&self) -> &'static str {
        "Momentum"
    }

    fn export_state(&self, id: ParamId) -> Vec<(String, StateValue<T>)> {
        self.velocity
            .get(&id)
            .map(|v| vec![("velocity".to_string(), StateValue::Tensor(v.clone()))])
            .unwrap_or_default()
    }

    fn import_state(&mut self, id: ParamId, mut entries: Vec<(String, StateValue<T>)>) -> Result<(), StateError> {
        let velocity = take_tensor(self.name(), &mut entries, "velocity")?;
        expect_no_more(self.name(), &entries)?;
        self.set_velocity(id, velocity);
        Ok(())
    }

    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    fn update(&mut self, param: &mut Param<T>, grad: &Tensor<T>) {
        check_shapes(self.name(), param, grad);
        let velocity = self.velocity.entry(param.id()).or_insert_with(|| Tensor::zeros(param.shape()));
        assert!(
            velocity.shape() == param.shape(),
            "Momentum: velocity of shape {:?} for parameter {} of shape {:?}",
            velocity.shape(),
            param.name(),
            param.shape()
        );
        let (lr, rho, wd) = (T::from_f64(self.lr), T::from_f64(self.rho), T::from_f64(self.weight_decay));
        let lanes = param.value_mut().data_mut().iter_mut().zip(grad.data()).zip(velocity.data_mut());
        // One loop per variant, chosen once: each is a single pass that
        // vectorises.
        match (self.form, self.nesterov) {
            (MomentumForm::GradientSum, false) => {
                for ((x, &g), v) in lanes {
                    let g = g + wd * *x;
                    *v = rho * *v + g;
                    *x -= lr * *v;
                }
            }
            (MomentumForm::GradientSum, true) => {
                for ((x, &g), v) in lanes {
                    let g = g + wd * *x;
                    *v = rho * *v + g;
                    *x -= lr * (g + rho * *v);
                }
            }
            (MomentumForm::Velocity, false) => {
                for ((x, &g), v) in lanes {
                    let g = g + wd * *x;
                    *v = rho * *v - lr * g;
                    *x += *v;
                }
            }
            (MomentumForm::Velocity, true) => {
                for ((x, &g), v) in lanes {
                    let g = g + wd * *x;
                    *v = rho * *v - lr * g;
                    *x += rho * *v - lr * g;
                }
            }
        }
    }
}
