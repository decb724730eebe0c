//! RMSProp: steps scaled by a running average of squared gradients.

use super::rule::coupled_decay;
use super::state::{ParamState, StateField, StateValue, check_same_shapes, expect_no_more, param_state, take_field};
use super::{Driver, Hyper, Rule, StateError, decay_rate, positive_eps};
use crate::float::Float;
use crate::tensor::Tensor;

/// RMSProp, as in the lecture: each coordinate's step is divided by the
/// root of a running average of its squared gradients, which evens out
/// progress between steep and shallow directions.
///
/// With `g` the gradient and `s` the per-parameter average of squares (zero
/// before the first step):
///
/// `s = rho*s + (1-rho)*g²;  x -= lr * g / (sqrt(s) + eps)`
///
/// `eps` is added *outside* the square root, as in the lecture and in
/// PyTorch (dfdx puts it inside; tapegrad does not).
///
/// Defaults: `rho = 0.99` (PyTorch's `alpha`), `eps = 1e-8` (PyTorch's; the
/// lecture's code writes `1e-7`: use `.eps(1e-7)` for it), no weight decay.
/// Optional *coupled* weight decay (L2 in the gradient): `g += wd*x` before
/// everything else.
///
/// **PyTorch equivalent:** `torch.optim.RMSprop(params, lr, alpha=rho,
/// eps=eps, weight_decay=wd)` with `momentum=0, centered=False` (tapegrad has
/// neither option). PyTorch's `lr` defaults to `1e-2`; here it is required.
///
/// The averages are open to inspection ([`state`](Driver::state)) and can
/// be put back ([`set_state`](Driver::set_state)).
///
/// ```
/// use tapegrad::optim::{Optimizer, RmsProp};
/// use tapegrad::{Param, Tape, Tensor};
///
/// let mut x = Param::new("x", Tensor::from_vec(vec![1.0f64, -1.0], [2]));
/// let mut opt = RmsProp::new(0.01).rho(0.9);
/// let tape = Tape::new();
/// let grads = {
///     let xv = tape.param(&x);
///     (xv * xv).sum().backward() // g = 2x = [2, -2]
/// };
/// opt.step([&mut x], &grads);
/// // s = 0.1 * g², so each coordinate moves by lr * |g| / sqrt(0.1 g²) = lr / sqrt(0.1)
/// let s = &opt.state(x.id()).unwrap().square_avg;
/// assert!((s.data()[0] - 0.4).abs() < 1e-12);
/// assert!((x.value().data()[0] - (1.0 - 0.01 / 0.1f64.sqrt())).abs() < 1e-9);
/// ```
pub type RmsProp<T = f32> = Driver<RmsPropRule, T>;

/// The rule of [`RmsProp`]: its decay and `eps` (the weight decay is the
/// driver's, per group).
#[derive(Clone, Debug, PartialEq)]
pub struct RmsPropRule {
    rho: f64,
    eps: f64,
}

/// What [`RmsProp`] keeps per parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct RmsPropState<T: Float = f32> {
    /// The running average of squared gradients.
    pub square_avg: Tensor<T>,
}

param_state!(RmsPropState { square_avg });

const NAME: &str = "RmsProp";

impl<T: Float> RmsProp<T> {
    /// RMSProp with learning rate `lr`, `rho = 0.99`, `eps = 1e-8` and no
    /// weight decay.
    ///
    /// # Panics
    /// If `lr` is negative or not finite.
    #[track_caller]
    pub fn new(lr: f64) -> Self {
        Driver::from_rule(RmsPropRule { rho: 0.99, eps: 1e-8 }, lr)
    }

    /// The decay of the running average (PyTorch's `alpha`, the lecture's
    /// `decay_rate`). Default `0.99`.
    ///
    /// # Panics
    /// If `rho` is not in `[0, 1)`.
    #[track_caller]
    pub fn rho(self, rho: f64) -> Self {
        let rho = decay_rate(NAME, "rho", rho);
        self.with_rule(|r| r.rho = rho)
    }

    /// The term added to `sqrt(s)` in the denominator. Default `1e-8`.
    ///
    /// # Panics
    /// If `eps` is not finite or not above 0 in `T`: **unlike PyTorch**,
    /// which accepts 0, with which a weight whose gradient has been 0 at
    /// every step gets the update `0 / 0` and becomes NaN.
    #[track_caller]
    pub fn eps(self, eps: f64) -> Self {
        let eps = positive_eps::<T>(NAME, eps);
        self.with_rule(|r| r.eps = eps)
    }

    /// Adds coupled weight decay (L2 in the gradient): `g += wd * x` before
    /// the average and the step, like PyTorch's `RMSprop(weight_decay=wd)`.
    ///
    /// # Panics
    /// If `wd` is negative or not finite.
    #[track_caller]
    pub fn weight_decay(self, wd: f64) -> Self {
        self.with_weight_decay(wd)
    }
}

impl<T: Float> Rule<T> for RmsPropRule {
    type State = RmsPropState<T>;

    fn name(&self) -> &'static str {
        NAME
    }

    fn init(&self, shape: &[usize]) -> RmsPropState<T> {
        RmsPropState { square_avg: Tensor::zeros(shape) }
    }

    fn update(&mut self, x: &mut [T], g: &[T], state: &mut RmsPropState<T>, hyper: Hyper) {
        let (lr, rho, one_minus_rho) = (T::from_f64(hyper.lr), T::from_f64(self.rho), T::from_f64(1.0 - self.rho));
        let (eps, wd) = (T::from_f64(self.eps), T::from_f64(hyper.weight_decay));
        for ((x, &g), s) in x.iter_mut().zip(g).zip(state.square_avg.data_mut()) {
            let g = coupled_decay(g, *x, wd);
            *s = rho * *s + one_minus_rho * g * g;
            *x -= lr * g / (s.sqrt() + eps);
        }
    }
}
