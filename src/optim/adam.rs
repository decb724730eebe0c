//! Adam, and the moment/update code that [`AdamW`](super::AdamW) shares.

use std::collections::HashMap;

use super::state::{expect_no_more, take_count, take_tensor};
use super::{Optimizer, StateError, StateValue, check_shapes};
use crate::float::Float;
use crate::kernels::threads::{run_parts, threads_for};
use crate::kernels::vectorize::vectorized_256;
use crate::param::{Param, ParamId};
use crate::tensor::Tensor;

/// Adam (Kingma & Ba), with weight decay *coupled*: an L2 term mixed into
/// the gradient before the moments, as in PyTorch's `Adam(weight_decay=wd)`.
/// For decoupled weight decay use [`AdamW`](super::AdamW).
///
/// With `g` the gradient, `m`, `v` the per-parameter first and second
/// moments (zero before the first step) and `t = 1, 2, …` the number of
/// updates of that parameter:
///
/// ```text
/// g += wd*x                                  (only if weight_decay > 0)
/// m = b1*m + (1-b1)*g
/// v = b2*v + (1-b2)*g²
/// x -= lr * m̂ / (sqrt(v̂) + eps)       with m̂ = m/(1-b1^t), v̂ = v/(1-b2^t)
/// ```
///
/// With `.bias_correction(false)` it is the lecture's "Adam (90%)":
/// `x -= lr * m / (sqrt(v) + eps)`, whose first steps are about
/// `(1-b1)/sqrt(1-b2) ≈ 3.16` times larger.
///
/// The corrected step is computed the way PyTorch's single-tensor
/// implementation rounds it: `denom = sqrt(v)/sqrt(1-b2^t) + eps;
/// x -= (lr/(1-b1^t)) * m / denom`.
///
/// Defaults: `betas = (0.9, 0.999)`, `eps = 1e-8` (PyTorch's; the lecture's
/// code writes `1e-7`: use `.eps(1e-7)` for it), bias correction on, no
/// weight decay. The lecture recommends `lr = 1e-3` or `5e-4`.
///
/// **PyTorch equivalent:** `torch.optim.Adam(params, lr, betas=(b1, b2),
/// eps=eps, weight_decay=wd)`. PyTorch's `lr` defaults to `1e-3`; here it is
/// required. `amsgrad` and `maximize` are not offered; bias correction can be
/// switched off, which PyTorch cannot do.
///
/// Each parameter's [`AdamState`] is open to inspection ([`state`]) and can
/// be put back ([`set_state`]).
///
/// ```
/// use tapegrad::optim::{Adam, Optimizer};
/// use tapegrad::{Param, Tape, Tensor};
///
/// let mut x = Param::new("x", Tensor::from_vec(vec![1.0f64, -2.0], [2]));
/// let mut opt = Adam::new(0.1);
/// let tape = Tape::new();
/// let grads = {
///     let xv = tape.param(&x);
///     (xv * xv).sum().backward()
/// };
/// opt.step([&mut x], &grads);
/// // The first corrected step moves each coordinate by about lr, against the gradient.
/// assert!((x.value().data()[0] - 0.9).abs() < 1e-6);
/// assert!((x.value().data()[1] + 1.9).abs() < 1e-6);
/// assert_eq!(opt.state(x.id()).unwrap().step, 1);
/// ```
///
/// [`state`]: Adam::state
/// [`set_state`]: Adam::set_state
#[derive(Clone, Debug)]
pub struct Adam<T: Float = f32> {
    core: AdamCore<T>,
}

/// What Adam and AdamW keep per parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct AdamState<T: Float = f32> {
    /// How many updates this parameter has had: the `t` of the bias
    /// corrections (1 after the first update).
    pub step: u64,
    /// First moment, the running average of gradients.
    pub m: Tensor<T>,
    /// Second moment, the running average of squared gradients.
    pub v: Tensor<T>,
}

impl<T: Float> AdamState<T> {
    /// The state before the first update: `step = 0`, zero moments.
    pub fn zeros(shape: impl AsRef<[usize]>) -> Self {
        let shape = shape.as_ref();
        AdamState { step: 0, m: Tensor::zeros(shape), v: Tensor::zeros(shape) }
    }
}

impl<T: Float> Adam<T> {
    /// Adam with learning rate `lr`, `betas = (0.9, 0.999)`, `eps = 1e-8`,
    /// bias correction and no weight decay.
    ///
    /// # Panics
    /// If `lr` is negative or not finite.
    pub fn new(lr: f64) -> Self {
        Adam { core: AdamCore::new("Adam", WeightDecay::Coupled, lr, 0.0) }
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

    /// `false` drops the bias corrections (the lecture's "Adam (90%)").
    /// Default `true`.
    pub fn bias_correction(mut self, on: bool) -> Self {
        self.core.bias_correction = on;
        self
    }

    /// Coupled weight decay (L2 in the gradient): `g += wd * x` before the
    /// moments, so the decay is rescaled by them (PyTorch's
    /// `Adam(weight_decay=wd)`). Default `0`. For the decoupled kind use
    /// [`AdamW`](super::AdamW).
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

impl<T: Float> Optimizer<T> for Adam<T> {
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

/// The scalars of one Adam step, computed once per parameter.
#[derive(Clone, Copy)]
struct AdamStep<T> {
    l2: T,
    shrink: T,
    b1: T,
    one_minus_b1: T,
    b2: T,
    one_minus_b2: T,
    step_size: T,
    bc2_sqrt: T,
    eps: T,
}

impl<T: Float> AdamStep<T> {
    /// The update over a range of elements: one pass over `x`, `g`, `m`, `v`
    /// in 256-bit vectors (a square root and a division per element: see
    /// `vectorized_256`).
    fn apply(self, x: &mut [T], g: &[T], m: &mut [T], v: &mut [T]) {
        vectorized_256(|| {
            for (((x, &g), m), v) in x.iter_mut().zip(g).zip(m).zip(v) {
                let xd = *x * self.shrink;
                let g = g + self.l2 * xd;
                *m = self.b1 * *m + self.one_minus_b1 * g;
                *v = self.b2 * *v + self.one_minus_b2 * g * g;
                let denom = v.sqrt() / self.bc2_sqrt + self.eps;
                *x = xd - self.step_size * *m / denom;
            }
        })
    }
}

/// How the weight decay enters the update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum WeightDecay {
    /// L2 in the gradient, `g += wd*x`, before the moments (Adam).
    Coupled,
    /// `x *= 1 - lr*wd` before the update, which uses the plain `g` (AdamW).
    Decoupled,
}

/// The configuration, state and update shared by [`Adam`] and
/// [`AdamW`](super::AdamW); they differ only in `decay` (and their name in
/// messages, and the default decay).
#[derive(Clone, Debug)]
pub(super) struct AdamCore<T: Float> {
    pub(super) name: &'static str,
    decay: WeightDecay,
    pub(super) lr: f64,
    beta1: f64,
    beta2: f64,
    eps: f64,
    pub(super) bias_correction: bool,
    weight_decay: f64,
    pub(super) states: HashMap<ParamId, AdamState<T>>,
    /// `(t, beta1^t, beta2^t)` for the last step count seen: every parameter
    /// of a model is at the same step, so the powers are computed once a step
    /// (`powf` took 5% of the W1 step when computed per parameter).
    powers: (u64, f64, f64),
}

impl<T: Float> AdamCore<T> {
    pub(super) fn new(name: &'static str, decay: WeightDecay, lr: f64, weight_decay: f64) -> Self {
        assert!(lr.is_finite() && lr >= 0.0, "{name}: learning rate must be finite and >= 0, got {lr}");
        let mut core = AdamCore {
            name,
            decay,
            lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            bias_correction: true,
            weight_decay: 0.0,
            states: HashMap::new(),
            powers: (0, 1.0, 1.0),
        };
        core.set_weight_decay(weight_decay);
        core
    }

    pub(super) fn set_betas(&mut self, beta1: f64, beta2: f64) {
        let name = self.name;
        assert!((0.0..1.0).contains(&beta1), "{name}: beta1 must be in [0, 1), got {beta1}");
        assert!((0.0..1.0).contains(&beta2), "{name}: beta2 must be in [0, 1), got {beta2}");
        (self.beta1, self.beta2) = (beta1, beta2);
        self.powers = (0, 1.0, 1.0);
    }

    pub(super) fn set_eps(&mut self, eps: f64) {
        assert!(eps.is_finite() && eps >= 0.0, "{}: eps must be finite and >= 0, got {eps}", self.name);
        self.eps = eps;
    }

    pub(super) fn set_weight_decay(&mut self, wd: f64) {
        assert!(wd.is_finite() && wd >= 0.0, "{}: weight decay must be finite and >= 0, got {wd}", self.name);
        self.weight_decay = wd;
    }

    pub(super) fn states(&self) -> impl Iterator<Item = (ParamId, &AdamState<T>)> {
        self.states.iter().map(|(&id, s)| (id, s))
    }

    pub(super) fn export_state(&self, id: ParamId) -> Vec<(String, StateValue<T>)> {
        match self.states.get(&id) {
            None => Vec::new(),
            Some(s) => vec![
                ("step".to_string(), StateValue::Count(s.step)),
                ("m".to_string(), StateValue::Tensor(s.m.clone())),
                ("v".to_string(), StateValue::Tensor(s.v.clone())),
            ],
        }
    }

    pub(super) fn import_state(
        &mut self,
        id: ParamId,
        mut entries: Vec<(String, StateValue<T>)>,
    ) -> Result<(), StateError> {
        let step = take_count(self.name, &mut entries, "step")?;
        let m = take_tensor(self.name, &mut entries, "m")?;
        let v = take_tensor(self.name, &mut entries, "v")?;
        expect_no_more(self.name, &entries)?;
        if m.shape() != v.shape() {
            return Err(StateError(format!(
                "{}: moments of shapes {:?} and {:?} differ",
                self.name,
                m.shape(),
                v.shape()
            )));
        }
        self.states.insert(id, AdamState { step, m, v });
        Ok(())
    }

    pub(super) fn set_state(&mut self, id: ParamId, state: AdamState<T>) {
        assert!(
            state.m.shape() == state.v.shape(),
            "{}: state with moments of shapes {:?} and {:?}",
            self.name,
            state.m.shape(),
            state.v.shape()
        );
        self.states.insert(id, state);
    }

    /// One Adam or AdamW step on one parameter: a single pass over `x`, `g`,
    /// `m` and `v`, with every scalar computed before the loop.
    pub(super) fn update(&mut self, param: &mut Param<T>, grad: &Tensor<T>) {
        check_shapes(self.name, param, grad);
        let state = self.states.entry(param.id()).or_insert_with(|| AdamState::zeros(param.shape()));
        assert!(
            state.m.shape() == param.shape(),
            "{}: state of shape {:?} for parameter {} of shape {:?}",
            self.name,
            state.m.shape(),
            param.name(),
            param.shape()
        );
        state.step += 1;
        let step = state.step;
        if self.powers.0 != step {
            // `powf`, not `powi`: the same rounding as PyTorch's `beta ** step`.
            let t = step as f64;
            self.powers = (step, self.beta1.powf(t), self.beta2.powf(t));
        }
        let (bc1, bc2) = if self.bias_correction { (1.0 - self.powers.1, 1.0 - self.powers.2) } else { (1.0, 1.0) };
        // Coupled: g += l2*x. Decoupled: x *= shrink first. The other factor
        // is neutral (0 and 1), so one loop serves both.
        let (l2, shrink) = match self.decay {
            WeightDecay::Coupled => (self.weight_decay, 1.0),
            WeightDecay::Decoupled => (0.0, 1.0 - self.lr * self.weight_decay),
        };
        let (l2, shrink) = (T::from_f64(l2), T::from_f64(shrink));
        let (b1, one_minus_b1) = (T::from_f64(self.beta1), T::from_f64(1.0 - self.beta1));
        let (b2, one_minus_b2) = (T::from_f64(self.beta2), T::from_f64(1.0 - self.beta2));
        let step_size = T::from_f64(self.lr / bc1);
        let bc2_sqrt = T::from_f64(bc2.sqrt());
        let eps = T::from_f64(self.eps);
        let step = AdamStep { l2, shrink, b1, one_minus_b1, b2, one_minus_b2, step_size, bc2_sqrt, eps };
        let (x, g) = (param.value_mut().data_mut(), grad.data());
        let (m, v) = (state.m.data_mut(), state.v.data_mut());
        // At least 64k elements a thread (about 10 µs of work): below that,
        // waking a thread costs more than it saves.
        let threads = threads_for(x.len(), 1 << 16);
        if threads == 1 {
            return step.apply(x, g, m, v);
        }
        let chunk = x.len().div_ceil(threads);
        let parts = x.chunks_mut(chunk).zip(g.chunks(chunk)).zip(m.chunks_mut(chunk)).zip(v.chunks_mut(chunk));
        run_parts(parts.collect(), |(((x, g), m), v)| step.apply(x, g, m, v));
    }
}
