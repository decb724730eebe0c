//! Adam and AdamW: one rule, [`AdamRule`], with the kind of weight decay as
//! its parameter ([`L2`] in the gradient, or [`Decoupled`] from it).

use std::marker::PhantomData;

use super::rule::coupled_decay;
use super::state::{ParamState, StateField, StateValue, check_same_shapes, expect_no_more, param_state, take_field};
use super::{Driver, Hyper, Rule, StateError, decay_rate, positive_eps};
use crate::float::Float;
use crate::kernels::threads::{num_threads, parts_for, run_parts};
use crate::kernels::vectorize::vectorized_256;
use crate::tensor::Tensor;

/// Adam (Kingma & Ba), with weight decay *coupled*: an L2 term mixed into
/// the gradient before the moments, as in PyTorch's `Adam(weight_decay=wd)`.
/// For decoupled weight decay use [`AdamW`].
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
/// Each parameter's [`AdamState`] is open to inspection
/// ([`state`](Driver::state)) and can be put back
/// ([`set_state`](Driver::set_state)).
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
pub type Adam<T = f32> = Driver<AdamRule<L2>, T>;

/// AdamW (Loshchilov & Hutter): [`Adam`] with weight decay *decoupled* from
/// the gradient. The parameter shrinks first, then takes the Adam step
/// computed from the plain gradient, so the decay is not rescaled by the
/// moments:
///
/// ```text
/// x *= 1 - lr*wd
/// m = b1*m + (1-b1)*g
/// v = b2*v + (1-b2)*g²
/// x -= lr * m̂ / (sqrt(v̂) + eps)       with m̂ = m/(1-b1^t), v̂ = v/(1-b2^t)
/// ```
///
/// The same rule as Adam's ([`AdamRule`], rounding included), with the same
/// options: `.betas`, `.eps`, `.bias_correction` (`false` gives
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
/// use tapegrad::{Param, Tensor};
///
/// // With a zero gradient only the decay acts: x *= 1 - lr*wd.
/// let mut x = Param::new("x", Tensor::from_vec(vec![2.0f64], [1]));
/// let mut opt = AdamW::new(0.1).weight_decay(0.5);
/// opt.update(&mut x, &Tensor::zeros([1]));
/// assert_eq!(x.value().data(), &[2.0 * (1.0 - 0.1 * 0.5)]);
/// ```
pub type AdamW<T = f32> = Driver<AdamRule<Decoupled>, T>;

/// How weight decay enters Adam's update: [`L2`] (in the gradient, Adam's)
/// or [`Decoupled`] (AdamW's). The names are dfdx's.
pub trait WeightDecay: sealed::Sealed + Clone + std::fmt::Debug + PartialEq {
    /// The optimizer's name with this decay: `"Adam"` or `"AdamW"`.
    const NAME: &'static str;
    /// The default amount: 0 for Adam, 0.01 for AdamW (PyTorch's).
    const DEFAULT: f64;
    /// `(l2, shrink)`: the update adds `l2 * x` to the gradient and first
    /// multiplies `x` by `shrink`; one of the two is neutral.
    fn factors(weight_decay: f64, lr: f64) -> (f64, f64);
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::L2 {}
    impl Sealed for super::Decoupled {}
}

/// Coupled weight decay: `g += wd*x` before the moments, so the moments
/// rescale the decay (Adam's `weight_decay`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct L2;

/// Decoupled weight decay: `x *= 1 - lr*wd` before the update, which uses
/// the plain gradient (AdamW).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Decoupled;

impl WeightDecay for L2 {
    const NAME: &'static str = "Adam";
    const DEFAULT: f64 = 0.0;
    fn factors(weight_decay: f64, _: f64) -> (f64, f64) {
        (weight_decay, 1.0)
    }
}

impl WeightDecay for Decoupled {
    const NAME: &'static str = "AdamW";
    const DEFAULT: f64 = 0.01;
    fn factors(weight_decay: f64, lr: f64) -> (f64, f64) {
        (0.0, 1.0 - lr * weight_decay)
    }
}

/// The rule of [`Adam`] and [`AdamW`]: its hyper-parameters, and the kind
/// of weight decay `D`.
#[derive(Clone, Debug, PartialEq)]
pub struct AdamRule<D: WeightDecay> {
    beta1: f64,
    beta2: f64,
    eps: f64,
    bias_correction: bool,
    /// `(t, beta1^t, beta2^t)` for the last step count seen: every parameter
    /// of a model is at the same step, so the powers are computed once a step
    /// (`powf` took 5% of the W1 step when computed per parameter).
    powers: (u64, f64, f64),
    decay: PhantomData<D>,
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

param_state!(AdamState { step, m, v });

impl<T: Float> AdamState<T> {
    /// The state before the first update: `step = 0`, zero moments.
    pub fn zeros(shape: impl AsRef<[usize]>) -> Self {
        let shape = shape.as_ref();
        AdamState { step: 0, m: Tensor::zeros(shape), v: Tensor::zeros(shape) }
    }
}

impl<D: WeightDecay> AdamRule<D> {
    /// Advances the parameter's step count and computes the scalars of its
    /// update.
    fn scalars<T: Float>(&mut self, state: &mut AdamState<T>, hyper: Hyper) -> AdamScalars<T> {
        let lr = hyper.lr;
        state.step += 1;
        let t = state.step;
        if self.powers.0 != t {
            // `powf`, not `powi`: the same rounding as PyTorch's `beta ** step`.
            self.powers = (t, self.beta1.powf(t as f64), self.beta2.powf(t as f64));
        }
        let (bc1, bc2) = if self.bias_correction { (1.0 - self.powers.1, 1.0 - self.powers.2) } else { (1.0, 1.0) };
        let (l2, shrink) = D::factors(hyper.weight_decay, lr);
        AdamScalars {
            l2: T::from_f64(l2),
            shrink: T::from_f64(shrink),
            b1: T::from_f64(self.beta1),
            one_minus_b1: T::from_f64(1.0 - self.beta1),
            b2: T::from_f64(self.beta2),
            one_minus_b2: T::from_f64(1.0 - self.beta2),
            step_size: T::from_f64(lr / bc1),
            bc2_sqrt: T::from_f64(bc2.sqrt()),
            eps: T::from_f64(self.eps),
        }
    }

    fn new() -> Self {
        AdamRule {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            bias_correction: true,
            powers: (0, 1.0, 1.0),
            decay: PhantomData,
        }
    }
}

impl<T: Float> Adam<T> {
    /// Adam with learning rate `lr`, `betas = (0.9, 0.999)`, `eps = 1e-8`,
    /// bias correction and no weight decay.
    ///
    /// # Panics
    /// If `lr` is negative or not finite.
    #[track_caller]
    pub fn new(lr: f64) -> Self {
        Driver::from_rule(AdamRule::new(), lr)
    }
}

impl<T: Float> AdamW<T> {
    /// AdamW with learning rate `lr`, `weight_decay = 0.01`,
    /// `betas = (0.9, 0.999)`, `eps = 1e-8` and bias correction.
    ///
    /// # Panics
    /// If `lr` is negative or not finite.
    #[track_caller]
    pub fn new(lr: f64) -> Self {
        Driver::from_rule(AdamRule::new(), lr).with_weight_decay(Decoupled::DEFAULT)
    }
}

impl<T: Float, D: WeightDecay> Driver<AdamRule<D>, T> {
    /// The moments' decay rates. Default `(0.9, 0.999)`.
    ///
    /// # Panics
    /// If either is not in `[0, 1)`.
    #[track_caller]
    pub fn betas(self, beta1: f64, beta2: f64) -> Self {
        let (beta1, beta2) = (decay_rate(D::NAME, "beta1", beta1), decay_rate(D::NAME, "beta2", beta2));
        self.with_rule(|r| {
            r.beta1 = beta1;
            r.beta2 = beta2;
            r.powers = (0, 1.0, 1.0);
        })
    }

    /// The term added to `sqrt(v̂)` in the denominator. Default `1e-8`
    /// (PyTorch's); the lecture writes `1e-7`.
    ///
    /// # Panics
    /// If `eps` is not finite or not above 0 in `T`. **Departure from
    /// PyTorch**, which accepts `eps = 0`: then a weight whose gradient has
    /// been 0 at every step (a dead unit, an input that is always 0) has
    /// `m = v = 0` and the update `0 / 0`, and becomes NaN. Any positive
    /// value `T` can hold, however small, keeps that update at 0.
    #[track_caller]
    pub fn eps(self, eps: f64) -> Self {
        let eps = positive_eps::<T>(D::NAME, eps);
        self.with_rule(|r| r.eps = eps)
    }

    /// `false` drops the bias corrections (the lecture's "Adam (90%)").
    /// Default `true`.
    pub fn bias_correction(self, on: bool) -> Self {
        self.with_rule(|r| r.bias_correction = on)
    }

    /// The amount of weight decay, of the kind `D`: for [`Adam`] coupled
    /// (`g += wd * x` before the moments, so they rescale it; PyTorch's
    /// `Adam(weight_decay=wd)`; default 0), for [`AdamW`] decoupled
    /// (`x *= 1 - lr * wd` before the step; default 0.01; 0 makes AdamW
    /// plain Adam).
    ///
    /// # Panics
    /// If `wd` is negative or not finite.
    #[track_caller]
    pub fn weight_decay(self, wd: f64) -> Self {
        self.with_weight_decay(wd)
    }
}

impl<T: Float, D: WeightDecay> Rule<T> for AdamRule<D> {
    type State = AdamState<T>;

    fn name(&self) -> &'static str {
        D::NAME
    }

    fn init(&self, shape: &[usize]) -> AdamState<T> {
        AdamState::zeros(shape)
    }

    /// One Adam or AdamW step on one parameter: a single pass over `x`, `g`,
    /// `m` and `v`, with every scalar computed before the loop.
    fn update(&mut self, x: &mut [T], g: &[T], state: &mut AdamState<T>, hyper: Hyper) {
        let scalars = self.scalars(state, hyper);
        let (m, v) = (state.m.data_mut(), state.v.data_mut());
        // Split when the threads' share of the work outweighs handing it over
        // (`parts_for`); the parts read and write only their own elements,
        // so nothing but the hand-off is extra. The split is bit-identical:
        // every element gets the same operations.
        let parts = if x.len() < MIN_SPLIT || num_threads() == 1 {
            1
        } else {
            parts_for(x.len() as f64 * ns_per_element::<T>(), 0.0)
        };
        if parts == 1 {
            return scalars.apply(x, g, m, v);
        }
        // Chunks of a multiple of 64 elements: whole vectors in every part
        // but the last.
        let chunk = x.len().div_ceil(parts).next_multiple_of(64);
        let parts = x.chunks_mut(chunk).zip(g.chunks(chunk)).zip(m.chunks_mut(chunk)).zip(v.chunks_mut(chunk));
        run_parts(parts, |(((x, g), m), v)| scalars.apply(x, g, m, v));
    }
}

/// Below this many elements the update is never split (about 2 µs of work
/// on one thread, less than any hand-off), so that small parameters do not
/// even consult the cost model.
const MIN_SPLIT: usize = 4096;

/// The time of the update an element on one thread, in ns: measured once
/// per element type, the first time a split is considered, on 16k elements
/// that stay in cache (where a split gains least; from memory each element
/// costs more, and the split gains more).
fn ns_per_element<T: Float>() -> f64 {
    use std::sync::OnceLock;
    static NS: [OnceLock<f64>; 2] = [OnceLock::new(), OnceLock::new()];
    *NS[usize::from(size_of::<T>() == 8)].get_or_init(|| {
        const LEN: usize = 1 << 14;
        let (mut x, g) = (vec![T::ONE; LEN], vec![T::from_f64(0.5); LEN]);
        let (mut m, mut v) = (vec![T::ZERO; LEN], vec![T::ZERO; LEN]);
        let mut rule = AdamRule::<L2>::new();
        let mut state = AdamState { step: 0, m: Tensor::zeros([0]), v: Tensor::zeros([0]) };
        let scalars = rule.scalars(&mut state, Hyper { lr: 1e-3, weight_decay: 0.0 });
        let best = (0..5)
            .map(|_| {
                let t0 = std::time::Instant::now();
                scalars.apply(&mut x, &g, &mut m, &mut v);
                t0.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min);
        best * 1e9 / LEN as f64
    })
}

/// The scalars of one Adam step, computed once per parameter.
#[derive(Clone, Copy)]
struct AdamScalars<T> {
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

impl<T: Float> AdamScalars<T> {
    /// The update over a range of elements: one pass over `x`, `g`, `m`, `v`
    /// in 256-bit vectors (a square root and a division per element: see
    /// `vectorized_256`). Coupled decay is `l2 > 0`, decoupled `shrink < 1`;
    /// the other factor is neutral, so one loop serves both.
    fn apply(self, x: &mut [T], g: &[T], m: &mut [T], v: &mut [T]) {
        vectorized_256(|| {
            for (((x, &g), m), v) in x.iter_mut().zip(g).zip(m).zip(v) {
                let xd = *x * self.shrink;
                let g = coupled_decay(g, xd, self.l2);
                *m = self.b1 * *m + self.one_minus_b1 * g;
                *v = self.b2 * *v + self.one_minus_b2 * g * g;
                let denom = v.sqrt() / self.bc2_sqrt + self.eps;
                *x = xd - self.step_size * *m / denom;
            }
        })
    }
}
