//! The learning-rate range test: [`LrRangeTest`], its curve [`LrRange`] and
//! the ways to read a rate off it ([`Suggestion`]).

use super::ParamVector;
use crate::float::Float;
use crate::nn::Module;
use crate::optim::Optimizer;
use crate::tape::{Gradients, Tape, Var};

/// The learning-rate range test of Smith (2017, "Cyclical learning rates
/// for training neural networks", section 3.3), with the defaults and the
/// reading of fastai's `Learner.lr_find`: train for `steps` mini-batch
/// steps while the rate grows exponentially from `start` to `end`,
///
/// `lr(i) = start · (end / start)^(i / steps)`, for `i = 0, 1, …, steps - 1`
///
/// (the last rate is just short of `end`, as in fastai), record the loss of
/// every step and its smoothed value, and stop early once the smoothed loss
/// exceeds `divergence` times the lowest smoothed loss so far. The smoothing
/// is fastai's `AvgSmoothLoss`: an exponential moving average with bias
/// correction,
///
/// `a(i) = β a(i-1) + (1 - β) loss(i)`, `a(-1) = 0`, `smoothed(i) = a(i) / (1 - β^(i+1))`.
///
/// Defaults (fastai's): from `1e-7` to `10` over 100 steps, `β = 0.98`,
/// stop at 4 times the best. One departure: the test also stops at a loss
/// that is not finite (fastai runs on and cuts its curve at the first NaN
/// when it reads it; after a NaN every later loss is NaN too).
///
/// The model's weights are put back when the test ends, as fastai does;
/// the optimizer is consumed (its state after the test belongs to a run
/// that diverged: train with a fresh one).
///
/// ```
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::data::toy;
/// use tapegrad::nn::{Activation, Mlp, Module, loss};
/// use tapegrad::optim::Adam;
/// use tapegrad::probe::{LrRangeTest, ParamVector};
///
/// let mut rng = StdRng::seed_from_u64(0);
/// let data = toy::moons::<f32, _>(256, 0.1, &mut rng);
/// let mut model = Mlp::new(&[2, 16, 16, 1], Activation::Tanh, &mut rng);
/// let before = ParamVector::of(&model);
/// let mut batches = data.batches(32, &mut rng);
/// let range = LrRangeTest::new().run(&mut model, Adam::new(1e-3), |tape, model| {
///     let batch = match batches.next() {
///         Some(batch) => batch,
///         None => {
///             batches = data.batches(32, &mut rng); // the next epoch
///             batches.next().unwrap()
///         }
///     };
///     loss::bce_with_logits(model.forward(tape.constant(batch.x)), tape.constant(batch.y))
/// });
/// assert_eq!(ParamVector::of(&model), before, "the weights are put back");
/// let points = range.points();
/// assert_eq!(points[0].lr, 1e-7);
/// assert!(points.len() <= 100 && points.iter().all(|p| p.lr < 10.0));
/// let lr = range.suggestion().expect("a curve long enough to read");
/// assert!(1e-4 < lr && lr < 1.0, "{lr}");
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LrRangeTest {
    start: f64,
    end: f64,
    steps: usize,
    divergence: f64,
    smoothing: f64,
}

impl Default for LrRangeTest {
    fn default() -> Self {
        LrRangeTest { start: 1e-7, end: 10.0, steps: 100, divergence: 4.0, smoothing: 0.98 }
    }
}

impl LrRangeTest {
    /// fastai's defaults: from `1e-7` to `10` over 100 steps, smoothing
    /// `β = 0.98`, stop when the smoothed loss exceeds 4 times its best.
    pub fn new() -> Self {
        Self::default()
    }

    /// The first rate and the rate the schedule heads for.
    ///
    /// # Panics
    /// Unless `0 < start < end`, both finite.
    #[track_caller]
    pub fn rates(mut self, start: f64, end: f64) -> Self {
        assert!(
            start > 0.0 && start < end && end.is_finite(),
            "LrRangeTest::rates: need 0 < start < end, finite; got {start} and {end}"
        );
        (self.start, self.end) = (start, end);
        self
    }

    /// How many steps the rate takes to go from `start` to `end`.
    ///
    /// # Panics
    /// If `steps < 6`: the suggestions leave out the first tenth and the
    /// last five points (fastai raises such a count to 6 without a word).
    #[track_caller]
    pub fn steps(mut self, steps: usize) -> Self {
        assert!(steps >= 6, "LrRangeTest::steps: need at least 6 steps, got {steps}");
        self.steps = steps;
        self
    }

    /// Stop once the smoothed loss exceeds `factor` times its lowest value
    /// so far; `f64::INFINITY` never stops early (fastai's `stop_div=False`).
    ///
    /// # Panics
    /// Unless `factor > 1`.
    #[track_caller]
    pub fn divergence(mut self, factor: f64) -> Self {
        assert!(factor > 1.0, "LrRangeTest::divergence: the factor must be > 1, got {factor}");
        self.divergence = factor;
        self
    }

    /// The smoothing factor `β` of the loss's moving average; 0 does not
    /// smooth.
    ///
    /// # Panics
    /// Unless `0 <= beta < 1`.
    #[track_caller]
    pub fn smoothing(mut self, beta: f64) -> Self {
        assert!((0.0..1.0).contains(&beta), "LrRangeTest::smoothing: beta must be in [0, 1), got {beta}");
        self.smoothing = beta;
        self
    }

    /// The rate of step `step`: `start · (end / start)^(step / steps)`.
    pub fn lr_at(&self, step: usize) -> f64 {
        self.start * (self.end / self.start).powf(step as f64 / self.steps as f64)
    }

    /// Runs the test: at each step, `loss(tape, model)` records the loss of
    /// the next mini-batch on a cleared tape (it keeps its own place in the
    /// data), the tape sweeps it backward and `opt` steps the model at that
    /// step's rate. Returns the curve; the model's weights are as before.
    ///
    /// # Panics
    /// If `loss` returns more than one element.
    pub fn run<T, M, O, F>(&self, model: &mut M, mut opt: O, mut loss: F) -> LrRange
    where
        T: Float,
        M: Module<T> + ?Sized,
        O: Optimizer<T>,
        F: for<'t> FnMut(&'t Tape<T>, &'t M) -> Var<'t, T>,
    {
        let saved = ParamVector::of(model);
        let (mut tape, mut grads) = (Tape::new(), Gradients::new());
        let mut points = Vec::with_capacity(self.steps);
        let (mut average, mut best) = (0.0, f64::INFINITY);
        let mut diverged = false;
        for step in 0..self.steps {
            let lr = self.lr_at(step);
            tape.clear();
            let value = {
                let loss = loss(&tape, &*model);
                loss.backward_into(&mut grads);
                loss.item().to_f64()
            };
            average = self.smoothing * average + (1.0 - self.smoothing) * value;
            let smoothed = average / (1.0 - self.smoothing.powi(step as i32 + 1));
            points.push(LrPoint { lr, loss: value, smoothed });
            best = best.min(smoothed);
            if !smoothed.is_finite() || smoothed > self.divergence * best {
                diverged = true;
                break;
            }
            opt.set_lr(lr);
            opt.step(&mut *model, &grads);
        }
        saved.load_into(model);
        LrRange { points, steps: self.steps, diverged }
    }
}

/// One step of a range test.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LrPoint {
    /// The rate of the step.
    pub lr: f64,
    /// The mini-batch loss, before the step.
    pub loss: f64,
    /// Its smoothed value (see [`LrRangeTest`]).
    pub smoothed: f64,
}

/// How to read a rate off a range test's curve. Each looks at the smoothed
/// losses without the first tenth of the steps asked for and the last five
/// recorded (fastai's `lrs[num_it//10:-5]`), up to the first that is not
/// finite.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Suggestion {
    /// fastai's default since 2.5 (`SuggestionMethod.Valley`): the longest
    /// run of ever lower losses (a decreasing subsequence, not necessarily
    /// contiguous), and the rate about half-way down it (its start plus a
    /// third plus a sixth of its length). It looks at the whole descent, so
    /// one noisy dip does not move it far.
    #[default]
    Valley,
    /// Where the loss falls fastest per decade of rate (fastai's `steep`,
    /// its default before 2.5): the rate at the smallest
    /// `(loss(i+1) - loss(i)) / (ln lr(i+1) - ln lr(i))`. Noisy: one
    /// lucky step picks it.
    Steepest,
    /// A tenth of the rate of the lowest loss (fastai's `minimum`, the rule
    /// of thumb in Smith's and fastai's course): the minimum is already
    /// close to divergence.
    MinimumOverTen,
}

/// The curve of a learning-rate range test: the rate, the loss and the
/// smoothed loss of every step run.
#[derive(Clone, Debug, PartialEq)]
pub struct LrRange {
    points: Vec<LrPoint>,
    steps: usize,
    diverged: bool,
}

impl LrRange {
    /// Every step run, in order.
    pub fn points(&self) -> &[LrPoint] {
        &self.points
    }

    /// Whether the test stopped early: the smoothed loss rose above the
    /// divergence factor times its best, or was not finite.
    pub fn diverged(&self) -> bool {
        self.diverged
    }

    /// The rate [`Suggestion::Valley`] reads off the curve (fastai's default),
    /// or `None` if the curve is too short to read (fewer than two points
    /// left once the ends are dropped).
    pub fn suggestion(&self) -> Option<f64> {
        self.suggest(Suggestion::Valley)
    }

    /// The rate `method` reads off the curve, or `None` if the curve is too
    /// short.
    pub fn suggest(&self, method: Suggestion) -> Option<f64> {
        let points = self.considered();
        if points.len() < 2 {
            return None;
        }
        let losses: Vec<f64> = points.iter().map(|p| p.smoothed).collect();
        let lowest =
            |values: &[f64]| (0..values.len()).fold(0, |best, i| if values[i] < values[best] { i } else { best });
        Some(match method {
            Suggestion::Valley => points[valley(&losses)].lr,
            Suggestion::MinimumOverTen => points[lowest(&losses)].lr / 10.0,
            Suggestion::Steepest => {
                let slopes: Vec<f64> = points
                    .windows(2)
                    .map(|w| (w[1].smoothed - w[0].smoothed) / (w[1].lr.ln() - w[0].lr.ln()))
                    .collect();
                points[lowest(&slopes)].lr
            }
        })
    }

    /// The points the suggestions read: without the first `steps / 10` and
    /// the last five, cut before the first loss that is not finite.
    fn considered(&self) -> &[LrPoint] {
        let (skip, len) = (self.steps / 10, self.points.len());
        let kept = if len > skip + 5 { &self.points[skip..len - 5] } else { &[] };
        let finite = kept.iter().take_while(|p| p.smoothed.is_finite()).count();
        &kept[..finite]
    }
}

/// fastai's `valley`: the index about half-way down the longest decreasing
/// subsequence of `losses`. Written as fastai computes it, including its
/// `start`, which is the index before the subsequence's first; where that
/// reaches `-1` (a valley from the first point), Python would index from
/// the end, and this takes the first point instead.
fn valley(losses: &[f64]) -> usize {
    let n = losses.len();
    let mut longest = vec![1usize; n];
    let (mut start, mut end) = (0i64, 0usize);
    for i in 1..n {
        for j in 0..i {
            if losses[i] < losses[j] && longest[i] < longest[j] + 1 {
                longest[i] = longest[j] + 1;
            }
            if longest[end] < longest[i] {
                end = i;
                start = end as i64 - longest[end] as i64;
            }
        }
    }
    let sections = (end as i64 - start) as f64 / 3.0;
    let index = start + sections as i64 + (sections / 2.0) as i64;
    index.clamp(0, n as i64 - 1) as usize
}

#[cfg(test)]
mod tests {
    use super::valley;

    #[test]
    fn the_valley_is_read_half_way_down_the_longest_descent() {
        // Falls from index 1 to index 9 (a descent of 9 points), then rises.
        let losses = [1.0, 1.1, 1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.5, 0.9, 2.0];
        // fastai: end 9, start 9 - 9 = 0, sections 9/3 = 3: 0 + 3 + 1 = 4.
        assert_eq!(valley(&losses), 4);
        // A descent from the very first point: start is -1 in fastai's terms.
        assert_eq!(valley(&[3.0, 2.0, 1.0, 0.5, 0.4, 0.3, 0.2]), 2); // -1 + 2 + 1
        assert_eq!(valley(&[1.0, 2.0]), 0);
    }
}
