//! AdamW: Adam with decoupled weight decay.

use super::adam::{AdamCore, AdamState, WeightDecay};
use super::{Optimizer, StateError, StateValue};
use crate::float::Float;
use crate::param::{Param, ParamId};
use crate::tensor::Tensor;

/// AdamW (Loshchilov & Hutter): Adam with weight decay *decoupled* from the
/// gradient. The parameter shrinks first, then takes the Adam step computed
/// from the plain gradient, so the decay is not rescaled by the moments:
///
/// ```text
/// x *= 1 - lr*wd
/// m = b1*m + (1-b1)*g
/// v = b2*v + (1-b2)*g²
/// x -= lr * m̂ / (sqrt(v̂) + eps)       with m̂ = m/(1-b1^t), v̂ = v/(1-b2^t)
/// ```
///
/// Compare [`Adam`](super::Adam), whose weight decay is *coupled* (L2 in the
/// gradient, `g += wd*x`, which then goes through the moments). The Adam
/// part is the same code as Adam's, rounding included, with the same options:
/// `.betas`, `.eps`, `.bias_correction` (`false` gives
/// `x -= lr * m / (sqrt(v) + eps)` after the shrink).
///
/// Defaults: `weight_decay = 0.01` (PyTorch AdamW's), `betas = (0.9, 0.999)`,
/// `eps = 1e-8` (PyTorch's; the lecture's code writes `1e-7`: use
/// `.eps(1e-7)` for it), bias correction on. The decay uses the learning
/// rate of the current step, so a schedule scales it too.
///
/// **PyTorch equivalent:** `torch.optim.AdamW(params, lr, betas=(b1, b2),
/// eps=eps, weight_decay=wd)`. PyTorch's `lr` defaults to `1e-3`; here it is
/// required. `amsgrad` and `maximize` are not offered.
///
/// ```
/// use tapegrad::optim::{AdamW, Optimizer};
/// use tapegrad::{Param, Tape, Tensor};
///
/// // With a zero gradient only the decay acts: x *= 1 - lr*wd.
/// let mut x = Param::new("x", Tensor::from_vec(vec![2.0f64], [1]));
/// let mut opt = AdamW::new(0.1).weight_decay(0.5);
/// opt.update(&mut x, &Tensor::zeros([1]));
/// assert_eq!(x.value().data(), &[2.0 * (1.0 - 0.1 * 0.5)]);
/// ```
#[derive(Clone, Debug)]
pub struct AdamW<T: Float = f32> {
    core: AdamCore<T>,
}

impl<T: Float> AdamW<T> {
    /// AdamW with learning rate `lr`, `weight_decay = 0.01`,
    /// `betas = (0.9, 0.999)`, `eps = 1e-8` and bias correction.
    ///
    /// # Panics
    /// If `lr` is negative or not finite.
    pub fn new(lr: f64) -> Self {
        AdamW { core: AdamCore::new("AdamW", WeightDecay::Decoupled, lr, 0.01) }
    }

    /// The moments' decay rates. Default `(0.9, 0.999)`.
    ///
    /// # Panics
    /// If either is not in `[0, 1)`.
    pub fn betas(mut self, beta1: f64, beta2: f64) -> Self {
        self.core.set_betas(beta1, beta2);
        self
    }

    /// The term added to `sqrt(v̂)` in the denominator. Default `1e-8`
    /// (PyTorch's); the lecture writes `1e-7`.
    ///
    /// # Panics
    /// If `eps` is negative or not finite.
    pub fn eps(mut self, eps: f64) -> Self {
        self.core.set_eps(eps);
        self
    }

    /// `false` drops the bias corrections. Default `true`.
    pub fn bias_correction(mut self, on: bool) -> Self {
        self.core.bias_correction = on;
        self
    }

    /// Decoupled weight decay: `x *= 1 - lr * wd` before the Adam step, which
    /// uses the plain gradient. Default `0.01`; `0` makes AdamW plain Adam.
    ///
    /// # Panics
    /// If `wd` is negative or not finite.
    pub fn weight_decay(mut self, wd: f64) -> Self {
        self.core.set_weight_decay(wd);
        self
    }

    /// The state of parameter `id`, or `None` before its first update.
    pub fn state(&self, id: ParamId) -> Option<&AdamState<T>> {
        self.core.states.get(&id)
    }

    /// Every stored state, in no particular order.
    pub fn states(&self) -> impl Iterator<Item = (ParamId, &AdamState<T>)> {
        self.core.states()
    }

    /// Puts back the state of parameter `id` (for instance from a
    /// checkpoint).
    ///
    /// # Panics
    /// If `m` and `v` differ in shape. (The next update checks that they
    /// have the parameter's shape.)
    pub fn set_state(&mut self, id: ParamId, state: AdamState<T>) {
        self.core.set_state(id, state);
    }
}

impl<T: Float> Optimizer<T> for AdamW<T> {
    fn lr(&self) -> f64 {
        self.core.lr
    }

    fn name(&self) -> &'static str {
        self.core.name
    }

    fn export_state(&self, id: ParamId) -> Vec<(String, StateValue<T>)> {
        self.core.export_state(id)
    }

    fn import_state(&mut self, id: ParamId, entries: Vec<(String, StateValue<T>)>) -> Result<(), StateError> {
        self.core.import_state(id, entries)
    }

    fn set_lr(&mut self, lr: f64) {
        self.core.lr = lr;
    }

    fn update(&mut self, param: &mut Param<T>, grad: &Tensor<T>) {
        self.core.update(param, grad);
    }
}
