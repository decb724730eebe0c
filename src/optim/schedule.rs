//! Learning-rate schedules: values with a closed-form rate `lr(t)`.
//!
//! A schedule is a plain value (a small `Clone + Debug` struct) that answers
//! one question: what is the learning rate at step `t`? It keeps no state and
//! is never "stepped", so resuming a run at step `t` needs nothing but `t`,
//! and the rates can be plotted or tabulated ahead of time. PyTorch's
//! schedulers are recursive (each rate is computed from the previous one,
//! in place on the optimizer), which is why a warmup chained before a cosine
//! gives wrong rates after a resume (pytorch #162591, #67586); here the rate
//! is always computed from the step alone.
//!
//! Steps count from `t = 0`, the rate of the first optimizer step: `lr(t)`
//! is the rate PyTorch's scheduler gives after `t` calls to
//! `scheduler.step()`. The unit is yours: pass an epoch number for a
//! schedule by epochs (the lecture's step schedule), a step number otherwise.
//!
//! | schedule | `lr(t)` | PyTorch |
//! |---|---|---|
//! | [`Constant`] | `a0` | `ConstantLR(factor=1)` |
//! | [`StepDecay`] | `a0 * gamma^(number of milestones <= t)` | `MultiStepLR` |
//! | [`Cosine`] | `m + (a0 - m)/2 * (1 + cos(pi * min(t, T)/T))` | `CosineAnnealingLR` |
//! | [`LinearDecay`] | `m + (a0 - m) * (1 - min(t, T)/T)` | `LinearLR(1, m/a0, T)` |
//! | [`InverseSqrt`] | `a0 / sqrt(max(t, 1))` | `LambdaLR` |
//! | [`Warmup`] | `inner.lr(0) * (t+1)/W` for `t < W`, then `inner.lr(t - W)` | `SequentialLR([LinearLR, inner])` |
//! | [`Sequence`] | `first.lr(t)` for `t < n`, then `second.lr(t - n)` | `SequentialLR` |
//! | [`Scaled`] | `factor * inner.lr(t)` | (multiply the base rate) |
//!
//! Schedules compose explicitly, by wrapping:
//!
//! ```
//! use tapegrad::optim::schedule::{Cosine, Schedule, Warmup};
//! use tapegrad::optim::{Optimizer, Sgd};
//!
//! // 100 steps of linear warmup, then a cosine over the remaining 900.
//! let schedule = Warmup::new(100, Cosine::new(0.1, 900));
//! let mut opt = Sgd::<f32>::new(0.1);
//! for step in 0..1000 {
//!     opt.set_lr(schedule.lr(step));
//!     // ... forward, backward, opt.step(...)
//! }
//! assert!((schedule.lr(99) - 0.1).abs() < 1e-15); // the top of the warmup
//! assert_eq!(schedule.lr(100), 0.1);              // the cosine's first step
//! assert!(schedule.lr(999) < 1e-5);               // the end of the cosine
//! ```
//!
//! The linear scaling rule for large batches is [`scale_lr_for_batch`].

use std::f64::consts::PI;

use super::non_negative;

/// A learning-rate schedule: the rate at any step, in closed form.
///
/// `lr` must be a pure function of `step`: calling it in any order, any
/// number of times, gives the same values. Every schedule here is a value
/// (`Clone + Debug`); references and boxes of schedules are schedules too,
/// so a `Vec<Box<dyn Schedule>>` can hold different kinds.
pub trait Schedule {
    /// The learning rate at step `step` (counting from 0, the first step).
    fn lr(&self, step: usize) -> f64;

    /// This schedule for `steps` steps, then `next` (started from its own
    /// step 0). See [`Sequence`].
    fn then<S: Schedule>(self, steps: usize, next: S) -> Sequence<Self, S>
    where
        Self: Sized,
    {
        Sequence::new(self, steps, next)
    }

    /// This schedule with every rate multiplied by `factor`. See [`Scaled`].
    fn scaled(self, factor: f64) -> Scaled<Self>
    where
        Self: Sized,
    {
        Scaled::new(self, factor)
    }

    /// This schedule in a box, to keep schedules of different kinds together.
    fn boxed<'a>(self) -> Box<dyn Schedule + 'a>
    where
        Self: Sized + 'a,
    {
        Box::new(self)
    }
}

impl<S: Schedule + ?Sized> Schedule for &S {
    fn lr(&self, step: usize) -> f64 {
        (**self).lr(step)
    }
}

impl<S: Schedule + ?Sized> Schedule for Box<S> {
    fn lr(&self, step: usize) -> f64 {
        (**self).lr(step)
    }
}

/// The same rate at every step:
///
/// `lr(t) = a0`
///
/// PyTorch: no scheduler at all (or `ConstantLR(factor=1.0)`).
///
/// ```
/// use tapegrad::optim::schedule::{Constant, Schedule};
/// let s = Constant::new(0.01);
/// assert_eq!((s.lr(0), s.lr(1_000_000)), (0.01, 0.01));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Constant {
    lr: f64,
}

impl Constant {
    /// The constant rate `lr`.
    ///
    /// # Panics
    /// If `lr` is negative or not finite.
    #[track_caller]
    pub fn new(lr: f64) -> Self {
        non_negative("Constant", "learning rate", lr);
        Constant { lr }
    }
}

impl Schedule for Constant {
    fn lr(&self, _step: usize) -> f64 {
        self.lr
    }
}

/// Step decay: the rate is multiplied by `gamma` at each milestone.
///
/// `lr(t) = a0 * gamma^k`, where `k` is the number of milestones `<= t`
///
/// The lecture's example multiplies by 0.1 at epochs 30, 60 and 90:
/// `StepDecay::new(a0, [30, 60, 90], 0.1)`, asked with the epoch number.
///
/// PyTorch: `MultiStepLR(opt, milestones, gamma)` (its closed form,
/// `base_lr * gamma ** bisect_right(milestones, t)`). PyTorch accepts a
/// repeated milestone (and applies `gamma` twice); here milestones must be
/// strictly increasing.
///
/// ```
/// use tapegrad::optim::schedule::{Schedule, StepDecay};
/// let s = StepDecay::new(1.0, [30, 60, 90], 0.1);
/// assert_eq!(s.lr(29), 1.0);
/// assert_eq!(s.lr(30), 0.1);               // the milestone itself is decayed
/// assert!((s.lr(95) - 1e-3).abs() < 1e-15);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct StepDecay {
    lr0: f64,
    milestones: Vec<usize>,
    gamma: f64,
}

impl StepDecay {
    /// Starts at `lr0` and multiplies by `gamma` at each of `milestones`.
    ///
    /// # Panics
    /// If `lr0` is negative or not finite, `gamma` is not finite and `> 0`,
    /// or the milestones are not strictly increasing.
    #[track_caller]
    pub fn new(lr0: f64, milestones: impl Into<Vec<usize>>, gamma: f64) -> Self {
        let milestones = milestones.into();
        non_negative("StepDecay", "learning rate", lr0);
        assert!(gamma.is_finite() && gamma > 0.0, "StepDecay: gamma must be finite and > 0, got {gamma}");
        assert!(
            milestones.windows(2).all(|w| w[0] < w[1]),
            "StepDecay: milestones must be strictly increasing, got {milestones:?}"
        );
        StepDecay { lr0, milestones, gamma }
    }

    /// The milestones, in increasing order.
    pub fn milestones(&self) -> &[usize] {
        &self.milestones
    }
}

impl Schedule for StepDecay {
    fn lr(&self, step: usize) -> f64 {
        let passed = self.milestones.partition_point(|&m| m <= step);
        self.lr0 * self.gamma.powi(passed as i32)
    }
}

/// Cosine annealing from `a0` down to `m` (0 unless set) over `T` steps:
///
/// `lr(t) = m + (a0 - m)/2 * (1 + cos(pi * t / T))` for `t <= T`, and
/// `lr(t) = m` for `t > T`.
///
/// With `m = 0` it is the lecture's `a0/2 * (1 + cos(t*pi/T))` (Loshchilov
/// and Hutter, SGDR).
///
/// PyTorch: `CosineAnnealingLR(opt, T_max=T, eta_min=m)`. After `T` PyTorch's
/// curve keeps following the cosine back up; this one stays at `m`.
///
/// ```
/// use tapegrad::optim::schedule::{Cosine, Schedule};
/// let s = Cosine::new(0.1, 100);
/// assert_eq!(s.lr(0), 0.1);
/// assert!((s.lr(50) - 0.05).abs() < 1e-15);
/// assert_eq!((s.lr(100), s.lr(500)), (0.0, 0.0));
///
/// let s = Cosine::new(0.1, 100).min_lr(0.01);
/// assert!((s.lr(50) - 0.055).abs() < 1e-15);
/// assert_eq!(s.lr(100), 0.01);
/// ```
pub type Cosine = Anneal<CosineCurve>;

/// Linear decay from `a0` down to `m` (0 unless set) over `T` steps:
///
/// `lr(t) = m + (a0 - m) * (1 - t/T)` for `t <= T`, and `lr(t) = m` for `t > T`.
///
/// With `m = 0` it is the lecture's `a0 * (1 - t/T)`. (Named `LinearDecay`
/// rather than `Linear` so that it never clashes with [`nn::Linear`] when
/// both are imported.)
///
/// PyTorch: `LinearLR(opt, start_factor=1.0, end_factor=m/a0, total_iters=T)`;
/// with `m = 0` also `PolynomialLR(opt, total_iters=T, power=1.0)`.
///
/// [`nn::Linear`]: crate::nn::Linear
///
/// ```
/// use tapegrad::optim::schedule::{LinearDecay, Schedule};
/// let s = LinearDecay::new(0.1, 100);
/// assert_eq!(s.lr(0), 0.1);
/// assert!((s.lr(75) - 0.025).abs() < 1e-15);
/// assert_eq!((s.lr(100), s.lr(101)), (0.0, 0.0));
/// ```
pub type LinearDecay = Anneal<LinearCurve>;

/// A decay from `lr0` down to `min_lr` over `total_steps` steps along a
/// curve: [`Cosine`] or [`LinearDecay`].
#[derive(Clone, Debug, PartialEq)]
pub struct Anneal<C> {
    lr0: f64,
    total_steps: usize,
    min_lr: f64,
    curve: std::marker::PhantomData<C>,
}

/// The shape of an [`Anneal`]: the fraction of the way from `min_lr` to
/// `lr0` left at each point of the run.
pub trait Curve {
    /// The schedule's name in messages.
    const NAME: &'static str;
    /// 1 at `progress = 0`, 0 at `progress = 1`.
    fn remaining(progress: f64) -> f64;
}

/// The curve of [`Cosine`]: `(1 + cos(pi p)) / 2`.
#[derive(Clone, Debug, PartialEq)]
pub struct CosineCurve;

impl Curve for CosineCurve {
    const NAME: &'static str = "Cosine";
    fn remaining(progress: f64) -> f64 {
        (1.0 + (PI * progress).cos()) / 2.0
    }
}

/// The curve of [`LinearDecay`]: `1 - p`.
#[derive(Clone, Debug, PartialEq)]
pub struct LinearCurve;

impl Curve for LinearCurve {
    const NAME: &'static str = "LinearDecay";
    fn remaining(progress: f64) -> f64 {
        1.0 - progress
    }
}

impl<C: Curve> Anneal<C> {
    /// A decay from `lr0` to 0 over `total_steps` steps.
    ///
    /// # Panics
    /// If `lr0` is negative or not finite, or `total_steps` is 0.
    #[track_caller]
    pub fn new(lr0: f64, total_steps: usize) -> Self {
        non_negative(C::NAME, "learning rate", lr0);
        assert!(total_steps > 0, "{}: total_steps must be > 0, got 0", C::NAME);
        Anneal { lr0, total_steps, min_lr: 0.0, curve: std::marker::PhantomData }
    }

    /// Decays to `min_lr` instead of 0 (PyTorch's `eta_min`).
    ///
    /// # Panics
    /// If `min_lr` is not finite or not in `[0, lr0]`.
    #[track_caller]
    pub fn min_lr(mut self, min_lr: f64) -> Self {
        non_negative(C::NAME, "min_lr", min_lr);
        assert!(min_lr <= self.lr0, "{}: min_lr ({min_lr}) must not exceed the initial rate ({})", C::NAME, self.lr0);
        self.min_lr = min_lr;
        self
    }
}

impl<C: Curve> Schedule for Anneal<C> {
    fn lr(&self, step: usize) -> f64 {
        let progress = step.min(self.total_steps) as f64 / self.total_steps as f64;
        self.min_lr + (self.lr0 - self.min_lr) * C::remaining(progress)
    }
}

/// Inverse square-root decay:
///
/// `lr(t) = a0 / sqrt(max(t, 1))`
///
/// The lecture's `a0 / sqrt(t)` is infinite at `t = 0`; this schedule gives
/// step 0 the rate of step 1, `a0` (the initial rate, as its name says), and
/// follows the formula exactly from `t = 1` on.
///
/// With a timescale `k >= 1` ([`InverseSqrt::timescale`]) the decay is
/// slowed down so that it starts at `a0` and continues from step `k`:
///
/// `lr(t) = a0 * sqrt(k / (t + k))` (= `a0 / sqrt(1 + t/k)`, big_vision's
/// `rsqrt` schedule).
///
/// After a warmup of `W` steps the Transformer / fairseq `inverse_sqrt`
/// schedule is `a0 * sqrt(W / t)` at global step `t >= W`, which is
/// `Warmup::new(W, InverseSqrt::new(a0).timescale(W))`. Without the
/// timescale, `Warmup::new(W, InverseSqrt::new(a0))` restarts the decay at
/// the end of the warmup and falls to `a0/2` four steps later.
///
/// PyTorch: no built-in scheduler; `LambdaLR(opt, lambda t: 1 / max(t, 1) ** 0.5)`.
///
/// ```
/// use tapegrad::optim::schedule::{InverseSqrt, Schedule};
/// let s = InverseSqrt::new(1.0);
/// assert_eq!((s.lr(0), s.lr(1), s.lr(4), s.lr(100)), (1.0, 1.0, 0.5, 0.1));
///
/// let s = InverseSqrt::new(1.0).timescale(100);
/// assert_eq!((s.lr(0), s.lr(300)), (1.0, 0.5));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct InverseSqrt {
    lr0: f64,
    timescale: usize,
}

impl InverseSqrt {
    /// `lr0 / sqrt(max(t, 1))`.
    ///
    /// # Panics
    /// If `lr0` is negative or not finite.
    #[track_caller]
    pub fn new(lr0: f64) -> Self {
        non_negative("InverseSqrt", "learning rate", lr0);
        InverseSqrt { lr0, timescale: 0 }
    }

    /// Slows the decay: `lr(t) = lr0 * sqrt(k / (t + k))` for `k >= 1`
    /// (`k = 0` is the plain `lr0 / sqrt(max(t, 1))`).
    pub fn timescale(mut self, k: usize) -> Self {
        self.timescale = k;
        self
    }
}

impl Schedule for InverseSqrt {
    fn lr(&self, step: usize) -> f64 {
        // Both forms at once: sqrt(max(k, 1)) / sqrt(max(t + k, 1)). Two
        // square roots rather than one of a quotient, so that perfect
        // squares give exact rates (`lr(100) = a0 / 10`).
        let k = self.timescale;
        self.lr0 * (k.max(1) as f64).sqrt() / (step.saturating_add(k).max(1) as f64).sqrt()
    }
}

/// Linear warmup before any schedule ([`Warmup::new`]; for the form that
/// starts from 0, [`Warmup::from_zero`]):
///
/// `lr(t) = inner.lr(0) * (t + 1) / W` for `t < W`, then
/// `lr(t) = inner.lr(t - W)` for `t >= W`.
///
/// The rate climbs in equal steps of `inner.lr(0) / W` from 0 to the inner
/// schedule's starting rate, which the last warmup step (`t = W - 1`)
/// reaches; then the inner schedule runs from its own step 0, so its
/// `total_steps` should be the steps left after the warmup. Counting `t + 1`
/// rather than `t` means no step is spent at rate 0 (with `t / W`, as in
/// Hugging Face's `get_*_schedule_with_warmup` and optax, the first step
/// is a no-op for SGD); the price is that `inner.lr(0)` is used twice, at
/// `t = W - 1` and `t = W`. `W = 0` means no warmup.
///
/// PyTorch: `SequentialLR(opt, [LinearLR(opt, start_factor=1/W,
/// total_iters=W-1), inner], milestones=[W])`, which gives these same rates
/// (but, being recursive, not after a resume).
///
/// ```
/// use tapegrad::optim::schedule::{Cosine, Schedule, Warmup};
/// let s = Warmup::new(4, Cosine::new(1.0, 10));
/// let rates: Vec<f64> = (0..5).map(|t| s.lr(t)).collect();
/// assert_eq!(rates, [0.25, 0.5, 0.75, 1.0, 1.0]);
/// assert_eq!(s.lr(14), 0.0); // the cosine's step 10
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Warmup<S> {
    steps: usize,
    inner: S,
    /// Counting `t` rather than `t + 1` (Hugging Face's form).
    from_zero: bool,
}

impl<S: Schedule> Warmup<S> {
    /// `steps` steps of linear warmup, then `inner`: `lr(t) = inner.lr(0) *
    /// (t + 1) / W` during the warmup, so no step is spent at rate 0.
    pub fn new(steps: usize, inner: S) -> Self {
        Warmup { steps, inner, from_zero: false }
    }

    /// The warmup of Hugging Face's `get_*_schedule_with_warmup` (and
    /// optax's): `lr(t) = inner.lr(0) * t / W` during the warmup, starting
    /// from 0 (the first step does nothing for SGD) and reaching the inner
    /// schedule's first rate at `t = W`, where the inner schedule begins.
    /// `Warmup::from_zero(W, Cosine::new(a0, T - W))` gives the rates of
    /// `get_cosine_schedule_with_warmup(opt, W, T)`.
    ///
    /// ```
    /// use tapegrad::optim::schedule::{Cosine, Schedule, Warmup};
    /// let s = Warmup::from_zero(4, Cosine::new(1.0, 10));
    /// let rates: Vec<f64> = (0..5).map(|t| s.lr(t)).collect();
    /// assert_eq!(rates, [0.0, 0.25, 0.5, 0.75, 1.0]);
    /// ```
    pub fn from_zero(steps: usize, inner: S) -> Self {
        Warmup { steps, inner, from_zero: true }
    }

    /// The schedule after the warmup.
    pub fn inner(&self) -> &S {
        &self.inner
    }
}

impl<S: Schedule> Schedule for Warmup<S> {
    fn lr(&self, step: usize) -> f64 {
        if step < self.steps {
            let climbed = if self.from_zero { step } else { step + 1 };
            self.inner.lr(0) * climbed as f64 / self.steps as f64
        } else {
            self.inner.lr(step - self.steps)
        }
    }
}

/// One schedule for `n` steps, then another:
///
/// `lr(t) = first.lr(t)` for `t < n`, then `lr(t) = second.lr(t - n)`.
///
/// The second schedule starts from its own step 0. Chain more than two with
/// [`Schedule::then`]: `a.then(n, b).then(n + m, c)`.
///
/// PyTorch: `SequentialLR(opt, [first, second], milestones=[n])`.
///
/// ```
/// use tapegrad::optim::schedule::{Constant, LinearDecay, Schedule};
/// // Hold 0.1 for 100 steps, then decay linearly to 0 over 100 more.
/// let s = Constant::new(0.1).then(100, LinearDecay::new(0.1, 100));
/// assert_eq!((s.lr(99), s.lr(100), s.lr(150), s.lr(200)), (0.1, 0.1, 0.05, 0.0));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Sequence<A, B> {
    first: A,
    steps: usize,
    second: B,
}

impl<A: Schedule, B: Schedule> Sequence<A, B> {
    /// `first` for steps `0..steps`, then `second`.
    pub fn new(first: A, steps: usize, second: B) -> Self {
        Sequence { first, steps, second }
    }
}

impl<A: Schedule, B: Schedule> Schedule for Sequence<A, B> {
    fn lr(&self, step: usize) -> f64 {
        if step < self.steps { self.first.lr(step) } else { self.second.lr(step - self.steps) }
    }
}

/// A schedule with every rate multiplied by a constant:
///
/// `lr(t) = factor * inner.lr(t)`
///
/// With [`scale_lr_for_batch`] this applies the linear scaling rule to a
/// whole schedule. PyTorch has no scheduler for it: one multiplies the base
/// rate given to the optimizer.
///
/// ```
/// use tapegrad::optim::schedule::{Cosine, Schedule, scale_lr_for_batch};
/// let factor = scale_lr_for_batch(1.0, 256, 1024);
/// let s = Cosine::new(0.1, 100).scaled(factor);
/// assert!((s.lr(0) - 0.4).abs() < 1e-15);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Scaled<S> {
    inner: S,
    factor: f64,
}

impl<S: Schedule> Scaled<S> {
    /// `inner` with every rate multiplied by `factor`.
    ///
    /// # Panics
    /// If `factor` is negative or not finite.
    #[track_caller]
    pub fn new(inner: S, factor: f64) -> Self {
        non_negative("Scaled", "factor", factor);
        Scaled { inner, factor }
    }
}

impl<S: Schedule> Schedule for Scaled<S> {
    fn lr(&self, step: usize) -> f64 {
        self.factor * self.inner.lr(step)
    }
}

/// The linear scaling rule (Goyal et al., "Accurate, Large Minibatch SGD",
/// 2017; the lecture: multiply the batch by N, multiply the rate by N):
///
/// `lr = base_lr * batch / base_batch`
///
/// Goyal et al. pair it with a warmup ([`Warmup`]) for the first epochs.
///
/// ```
/// use tapegrad::optim::schedule::scale_lr_for_batch;
/// assert_eq!(scale_lr_for_batch(0.1, 256, 8192), 3.2);
/// assert_eq!(scale_lr_for_batch(0.1, 256, 64), 0.025);
/// ```
///
/// # Panics
/// If `base_lr` is negative or not finite, or either batch size is 0.
#[track_caller]
pub fn scale_lr_for_batch(base_lr: f64, base_batch: usize, batch: usize) -> f64 {
    non_negative("scale_lr_for_batch", "base learning rate", base_lr);
    assert!(base_batch > 0 && batch > 0, "scale_lr_for_batch: batch sizes must be > 0, got {base_batch} and {batch}");
    base_lr * batch as f64 / base_batch as f64
}
