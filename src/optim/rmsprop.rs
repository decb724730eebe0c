//! RMSProp: steps scaled by a running average of squared gradients.

use std::collections::HashMap;

use super::state::{expect_no_more, take_tensor};
use super::{Optimizer, StateError, StateValue, check_shapes};
use crate::float::Float;
use crate::param::{Param, ParamId};
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
/// The averages are open to inspection ([`square_avg`]) and can be put back
/// ([`set_square_avg`]).
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
/// let s = opt.square_avg(x.id()).unwrap();
/// assert!((s.data()[0] - 0.4).abs() < 1e-12);
/// assert!((x.value().data()[0] - (1.0 - 0.01 / 0.1f64.sqrt())).abs() < 1e-9);
/// ```
///
/// [`square_avg`]: RmsProp::square_avg
/// [`set_square_avg`]: RmsProp::set_square_avg
#[derive(Clone, Debug)]
pub struct RmsProp<T: Float = f32> {
    lr: f64,
    rho: f64,
    eps: f64,
    weight_decay: f64,
    square_avg: HashMap<ParamId, Tensor<T>>,
}

impl<T: Float> RmsProp<T> {
    /// RMSProp with learning rate `lr`, `rho = 0.99`, `eps = 1e-8` and no
    /// weight decay.
    ///
    /// # Panics
    /// If `lr` is negative or not finite.
    pub fn new(lr: f64) -> Self {
        assert!(lr.is_finite() && lr >= 0.0, "RmsProp: learning rate must be finite and >= 0, got {lr}");
        RmsProp { lr, rho: 0.99, eps: 1e-8, weight_decay: 0.0, square_avg: HashMap::new() }
    }

    /// The decay of the running average (PyTorch's `alpha`, the lecture's
    /// `decay_rate`). Default `0.99`.
    ///
    /// # Panics
    /// If `rho` is not in `[0, 1)`.
    pub fn rho(mut self, rho: f64) -> Self {
        assert!((0.0..1.0).contains(&rho), "RmsProp: rho must be in [0, 1), got {rho}");
        self.rho = rho;
        self
    }

    /// The term added to `sqrt(s)` in the denominator. Default `1e-8`.
    ///
    /// # Panics
    /// If `eps` is negative or not finite.
    pub fn eps(mut self, eps: f64) -> Self {
        assert!(eps.is_finite() && eps >= 0.0, "RmsProp: eps must be finite and >= 0, got {eps}");
        self.eps = eps;
        self
    }

    /// Adds coupled weight decay (L2 in the gradient): `g += wd * x` before
    /// the average and the step, like PyTorch's `RMSprop(weight_decay=wd)`.
    ///
    /// # Panics
    /// If `wd` is negative or not finite.
    pub fn weight_decay(mut self, wd: f64) -> Self {
        assert!(wd.is_finite() && wd >= 0.0, "RmsProp: weight decay must be finite and >= 0, got {wd}");
        self.weight_decay = wd;
        self
    }

    /// The running average of squared gradients of parameter `id`, or
    /// `None` before its first update.
    pub fn square_avg(&self, id: ParamId) -> Option<&Tensor<T>> {
        self.square_avg.get(&id)
    }

    /// Every stored average, in no particular order.
    pub fn square_avgs(&self) -> impl Iterator<Item = (ParamId, &Tensor<T>)> {
        self.square_avg.iter().map(|(&id, s)| (id, s))
    }

    /// Puts back the average of parameter `id` (for instance from a
    /// checkpoint). It must have the parameter's shape; the next update
    /// checks.
    pub fn set_square_avg(&mut self, id: ParamId, square_avg: Tensor<T>) {
        self.square_avg.insert(id, square_avg);
    }
}

impl<T: Float> Optimizer<T> for RmsProp<T> {
    fn lr(&self) -> f64 {
        self.lr
    }

    fn name(&self) -> &'static str {
        "RmsProp"
    }

    fn export_state(&self, id: ParamId) -> Vec<(String, StateValue<T>)> {
        self.square_avg(id).map(|s| vec![("square_avg".to_string(), StateValue::Tensor(s.clone()))]).unwrap_or_default()
    }

    fn import_state(&mut self, id: ParamId, mut entries: Vec<(String, StateValue<T>)>) -> Result<(), StateError> {
        let square_avg = take_tensor(self.name(), &mut entries, "square_avg")?;
        expect_no_more(self.name(), &entries)?;
        self.set_square_avg(id, square_avg);
        Ok(())
    }

    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    fn update(&mut self, param: &mut Param<T>, grad: &Tensor<T>) {
        check_shapes(self.name(), param, grad);
        let square_avg = self.square_avg.entry(param.id()).or_insert_with(|| Tensor::zeros(param.shape()));
        assert!(
            square_avg.shape() == param.shape(),
            "RmsProp: square average of shape {:?} for parameter {} of shape {:?}",
            square_avg.shape(),
            param.name(),
            param.shape()
        );
        let (lr, rho, one_minus_rho) = (T::from_f64(self.lr), T::from_f64(self.rho), T::from_f64(1.0 - self.rho));
        let (eps, wd) = (T::from_f64(self.eps), T::from_f64(self.weight_decay));
        let lanes = param.value_mut().data_mut().iter_mut().zip(grad.data()).zip(square_avg.data_mut());
        for ((x, &g), s) in lanes {
            let g = g + wd * *x;
            *s = rho * *s + one_minus_rho * g * g;
            *x -= lr * g / (s.sqrt() + eps);
        }
    }
}
