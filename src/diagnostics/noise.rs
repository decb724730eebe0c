//! Gradient noise: how far the samples' gradients scatter around their
//! mean, and the batch size at which that scatter stops mattering.
//!
//! With `g_i` the gradient of sample `i`'s loss, `G = E[g_i]` the true
//! gradient and `Σ` the covariance of the `g_i`, a mini-batch of `B`
//! samples estimates `G` with variance `tr(Σ) / B`. McCandlish et al.
//! (2018, "An Empirical Model of Large-Batch Training") call
//! `B_noise = tr(Σ) / |G|²` the *simple noise scale*: below it, a step's
//! gradient is mostly noise, and a batch twice as large is worth nearly two
//! steps (the linear scaling rule holds); above it, the gradient is mostly
//! signal, and larger batches give diminishing returns.

use std::path::Path;

use super::log::{TrainingLog, push_numbers, write_file};
use crate::error::FileError;
use crate::float::Float;
use crate::kernels::vectorize::vectorized;
use crate::tape::{GradientMoments, Moment, PerSampleMethod, Var};
use crate::tensor::Tensor;

/// `|G|²` and `tr(Σ)`, estimated without bias: the two numbers the noise
/// scale is the ratio of.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NoiseEstimate {
    /// `|G|²`, the squared norm of the true gradient.
    pub gradient_sq: f64,
    /// `tr(Σ)`, the summed variance of one sample's gradient.
    pub trace: f64,
}

impl NoiseEstimate {
    /// McCandlish et al.'s estimator from two batch sizes (their appendix
    /// A.1). A gradient averaged over `B` samples has
    /// `E |G_B|² = |G|² + tr(Σ) / B`; from `|G_small|²` and `|G_big|²`,
    /// measured at batch sizes `b_small < b_big`, both unknowns follow:
    ///
    /// `|G|² ≈ (b_big |G_big|² − b_small |G_small|²) / (b_big − b_small)`
    ///
    /// `tr(Σ) ≈ (|G_small|² − |G_big|²) / (1/b_small − 1/b_big)`
    ///
    /// Each is unbiased; their ratio is not, so over training the paper
    /// averages each before dividing ([`NoiseScale`]). With per-sample
    /// gradients the small batch is one sample (`|G_small|²` is the mean of
    /// `|g_i|²`) and the big one the whole batch, and the estimates are the
    /// sample variance's trace and `|ḡ|² − tr(Σ)/B`:
    ///
    /// ```
    /// use tapegrad::diagnostics::NoiseEstimate;
    /// // Gradients of 4 samples, 2 parameters.
    /// let g = [[1.0, 2.0], [3.0, 0.0], [-1.0, 1.0], [1.0, 1.0]];
    /// let mean = [1.0, 1.0];
    /// let mean_sq_norm = 2.0; // |ḡ|²
    /// let per_sample_sq_norm = g.iter().map(|g| g[0] * g[0] + g[1] * g[1]).sum::<f64>() / 4.0;
    /// let e = NoiseEstimate::from_two_batches(1.0, per_sample_sq_norm, 4.0, mean_sq_norm);
    /// // tr(Σ) is the sum of the two coordinates' sample variances (n - 1 in the denominator).
    /// let variance = |j: usize| g.iter().map(|g| (g[j] - mean[j]).powi(2)).sum::<f64>() / 3.0;
    /// assert!((e.trace - (variance(0) + variance(1))).abs() < 1e-12);
    /// assert!((e.gradient_sq - (mean_sq_norm - e.trace / 4.0)).abs() < 1e-12);
    /// assert!((e.noise_scale() - e.trace / e.gradient_sq).abs() < 1e-12);
    /// ```
    pub fn from_two_batches(b_small: f64, sq_small: f64, b_big: f64, sq_big: f64) -> Self {
        NoiseEstimate {
            gradient_sq: (b_big * sq_big - b_small * sq_small) / (b_big - b_small),
            trace: (sq_small - sq_big) / (1.0 / b_small - 1.0 / b_big),
        }
    }

    /// `B_noise = tr(Σ) / |G|²`, the simple noise scale. Negative or
    /// infinite when the noise swamps the estimate of `|G|²` (average
    /// estimates over steps first: [`NoiseScale`]).
    pub fn noise_scale(&self) -> f64 {
        self.trace / self.gradient_sq
    }

    /// The signal-to-noise ratio of one sample's gradient, `|G|² / tr(Σ)`:
    /// `1 / B_noise`. A batch of `B` samples has `B` times it.
    pub fn snr(&self) -> f64 {
        self.gradient_sq / self.trace
    }

    /// The variance `tr(Σ) / B` of a mini-batch gradient of `batch` samples
    /// (drawn with replacement).
    pub fn batch_variance(&self, batch: usize) -> f64 {
        self.trace / batch as f64
    }
}

/// One parameter's gradient noise at one step.
#[derive(Clone, Debug)]
pub struct ParamNoise<T: Float = f32> {
    /// The parameter's name (`layers.0.weight`).
    pub name: String,
    /// How its per-sample gradients were computed.
    pub method: PerSampleMethod,
    /// `ḡ`, the mean of the per-sample gradients: the gradient of the mean
    /// loss.
    pub mean: Tensor<T>,
    /// The variance of the per-sample gradients element by element (`B − 1`
    /// in the denominator), if measured with
    /// [`measure_elementwise`](GradientNoise::measure_elementwise).
    pub variance: Option<Tensor<T>>,
    /// `|G|²` and `tr(Σ)` for this parameter alone.
    pub estimate: NoiseEstimate,
}

/// The gradient noise of one batch, per parameter and in total, from the
/// batch's per-sample gradients: the mean gradient, the per-sample
/// variance and the signal-to-noise ratio, and the noise scale.
///
/// [`measure`](Self::measure) needs only each sample's gradient norm, which
/// a `linear` layer gives without forming its per-sample gradients
/// ([`PerSampleNorms`](crate::PerSampleNorms)): about the cost of one
/// backward pass. [`measure_elementwise`](Self::measure_elementwise) also
/// gives each element's variance, at one more matrix product per weight.
///
/// ```
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::data::toy;
/// use tapegrad::diagnostics::GradientNoise;
/// use tapegrad::nn::{Activation, Mlp, Module, loss::{self, Reduction}};
/// use tapegrad::Tape;
///
/// let mut rng = StdRng::seed_from_u64(0);
/// let data = toy::moons::<f32, _>(256, 0.1, &mut rng);
/// let model = Mlp::new(&[2, 16, 16, 1], Activation::Tanh, &mut rng);
/// let tape = Tape::new();
/// let logits = model.forward(tape.constant(data.x().clone()));
/// let terms = loss::bce_with_logits_with(logits, tape.constant(data.y().clone()), Reduction::None);
///
/// let mut noise = GradientNoise::new();
/// noise.measure(terms);
/// let total = noise.total();
/// assert!(total.trace > 0.0 && total.gradient_sq > 0.0);
/// println!("B_noise = {:.1}, SNR of one sample's gradient {:.3}", total.noise_scale(), total.snr());
/// // The totals are the sums over the parameters.
/// let trace: f64 = noise.params().iter().map(|p| p.estimate.trace).sum();
/// assert!((trace - total.trace).abs() < 1e-6 * trace);
///
/// // Element by element: the variances add up to the same trace.
/// noise.measure_elementwise(terms);
/// let w = noise.param("layers.1.weight").unwrap();
/// let variance = w.variance.as_ref().unwrap();
/// assert_eq!((w.mean.shape(), variance.shape()), (&[16, 16][..], &[16, 16][..]));
/// let sum: f64 = variance.data().iter().map(|&v| v as f64).sum();
/// assert!((sum - w.estimate.trace).abs() < 1e-4 * w.estimate.trace);
/// ```
#[derive(Clone, Debug, Default)]
pub struct GradientNoise<T: Float = f32> {
    moments: GradientMoments<T>,
    params: Vec<ParamNoise<T>>,
    len: usize,
    total: NoiseEstimate,
}

impl<T: Float> GradientNoise<T> {
    /// Empty, to measure into.
    pub fn new() -> Self {
        Self::default()
    }

    /// Measures the noise of the batch whose per-sample losses are `terms`
    /// (one term, or row of terms, per sample along the first axis: a loss
    /// with `Reduction::None`), for every parameter bound to their tape.
    /// Buffers are reused from the previous measurement.
    ///
    /// # Panics
    /// If `terms` is a scalar, or holds fewer than two samples (one sample
    /// has no variance).
    #[track_caller]
    pub fn measure(&mut self, terms: Var<'_, T>) {
        self.measure_with("GradientNoise::measure", terms, false);
    }

    /// [`measure`](Self::measure), and each parameter's variance element by
    /// element ([`ParamNoise::variance`]).
    ///
    /// # Panics
    /// As [`measure`](Self::measure).
    #[track_caller]
    pub fn measure_elementwise(&mut self, terms: Var<'_, T>) {
        self.measure_with("GradientNoise::measure_elementwise", terms, true);
    }

    #[track_caller]
    fn measure_with(&mut self, what: &str, terms: Var<'_, T>, elementwise: bool) {
        let shape = terms.shape();
        assert!(
            shape.first().is_some_and(|&b| b >= 2),
            "{what}: the terms have shape {shape:?}; the noise needs two samples or more along the first axis"
        );
        let moment = if elementwise { Moment::SumOfSquares } else { Moment::SquaredNorms };
        self.moments.compute(what, terms, moment);
        let batch = self.moments.batch() as f64;
        // The two batch sizes of McCandlish's estimator: one sample (the
        // mean of |g_i|²) and the whole batch (|ḡ|²).
        let (mut sq_small, mut sq_big) = (0.0, 0.0);
        self.len = 0;
        for (name, method, moments, sum) in self.moments.iter() {
            if self.params.len() == self.len {
                let estimate = NoiseEstimate::default();
                let empty =
                    ParamNoise { name: String::new(), method, mean: Tensor::zeros([0]), variance: None, estimate };
                self.params.push(empty);
            }
            let p = &mut self.params[self.len];
            p.name.clear();
            p.name.push_str(name);
            p.method = method;
            let per_sample = T::from_f64(1.0 / batch);
            p.mean.reset_zeros(sum.shape());
            vectorized(
                #[inline(always)]
                || p.mean.data_mut().iter_mut().zip(sum.data()).for_each(|(m, &s)| *m = s * per_sample),
            );
            let mean_sq: f64 = p.mean.data().iter().map(|&m| m.to_f64() * m.to_f64()).sum();
            // Σ_i |g_i|², from the norms or from the squares.
            let norm_sq = if elementwise {
                moments.sum_of_squares.data().iter().map(|&q| q.to_f64()).sum::<f64>()
            } else {
                moments.squared_norms.iter().sum::<f64>()
            } / batch;
            p.estimate = NoiseEstimate::from_two_batches(1.0, norm_sq, batch, mean_sq);
            p.variance = elementwise.then(|| {
                let mut variance = p.variance.take().unwrap_or_else(|| Tensor::zeros([0]));
                variance.reset_zeros(sum.shape());
                let unbiased = T::from_f64(batch / (batch - 1.0));
                let cells = variance.data_mut().iter_mut().zip(p.mean.data().iter().zip(moments.sum_of_squares.data()));
                vectorized(
                    #[inline(always)]
                    || {
                        for (v, (&m, &squares)) in cells {
                            *v = (unbiased * (squares * per_sample - m * m)).max(T::ZERO);
                        }
                    },
                );
                variance
            });
            sq_small += norm_sq;
            sq_big += mean_sq;
            self.len += 1;
        }
        self.total = NoiseEstimate::from_two_batches(1.0, sq_small, batch, sq_big);
    }

    /// The batch size of the last measurement.
    pub fn batch(&self) -> usize {
        self.moments.batch()
    }

    /// `|G|²` and `tr(Σ)` over every parameter; `total().noise_scale()` is
    /// the batch's `B_noise`.
    pub fn total(&self) -> NoiseEstimate {
        self.total
    }

    /// Each parameter's noise, in binding order.
    pub fn params(&self) -> &[ParamNoise<T>] {
        &self.params[..self.len]
    }

    /// The noise of the parameter named `name`, if measured.
    pub fn param(&self, name: &str) -> Option<&ParamNoise<T>> {
        self.params().iter().find(|p| p.name == name)
    }
}

/// The noise scale tracked over training, as McCandlish et al. do: each of
/// `|G|²` and `tr(Σ)` is averaged over the measurements with an
/// exponential moving average (with Adam's bias correction, so that the
/// first measurements count fully), and `B_noise` is the ratio of the
/// averages. One batch's estimate of `|G|²` is noisy and can be negative;
/// the averages are not.
///
/// ```
/// use tapegrad::diagnostics::{NoiseEstimate, NoiseScale};
/// let mut scale = NoiseScale::new(0.9);
/// scale.update(NoiseEstimate { gradient_sq: 0.5, trace: 10.0 });
/// assert_eq!(scale.noise_scale(), 20.0);
/// scale.update(NoiseEstimate { gradient_sq: -0.1, trace: 12.0 }); // a noisy batch
/// assert!(scale.noise_scale() > 20.0 && scale.noise_scale().is_finite());
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NoiseScale {
    decay: f64,
    average: NoiseEstimate,
    /// `1 - decay^n` after `n` updates: the averages' bias correction.
    weight: f64,
    last: Option<NoiseEstimate>,
}

impl NoiseScale {
    /// A tracker whose averages keep `decay` of their value at each update
    /// (0.9: about the last ten measurements).
    ///
    /// # Panics
    /// If `decay` is not in `[0, 1)`.
    #[track_caller]
    pub fn new(decay: f64) -> Self {
        assert!((0.0..1.0).contains(&decay), "NoiseScale::new: decay {decay} is not in [0, 1)");
        NoiseScale { decay, average: NoiseEstimate::default(), weight: 0.0, last: None }
    }

    /// Adds one batch's estimate.
    pub fn update(&mut self, estimate: NoiseEstimate) {
        let d = self.decay;
        self.average.gradient_sq = d * self.average.gradient_sq + (1.0 - d) * estimate.gradient_sq;
        self.average.trace = d * self.average.trace + (1.0 - d) * estimate.trace;
        self.weight = d * self.weight + (1.0 - d);
        self.last = Some(estimate);
    }

    /// The averaged `|G|²` and `tr(Σ)` (NaN before the first update).
    pub fn smoothed(&self) -> NoiseEstimate {
        NoiseEstimate { gradient_sq: self.average.gradient_sq / self.weight, trace: self.average.trace / self.weight }
    }

    /// The last estimate added, if any.
    pub fn last(&self) -> Option<NoiseEstimate> {
        self.last
    }

    /// `B_noise` from the averages.
    pub fn noise_scale(&self) -> f64 {
        self.smoothed().noise_scale()
    }
}

/// One measurement of the noise scale in a [`TrainingLog`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NoiseRow {
    /// The steps recorded before it.
    pub step: usize,
    /// The training batch size at that step: what `B_noise` is compared
    /// with (the report draws it as a guide).
    pub batch: usize,
    /// That batch's own estimate.
    pub raw: NoiseEstimate,
    /// The averages up to it ([`NoiseScale::smoothed`]).
    pub smoothed: NoiseEstimate,
}

impl TrainingLog {
    /// Records the noise scale as `scale` has it now (its last estimate and
    /// its averages), after the steps recorded so far, with the training
    /// batch size `batch`. Does nothing if `scale` has no estimate yet.
    pub fn record_noise(&mut self, scale: &NoiseScale, batch: usize) {
        if let Some(raw) = scale.last() {
            let row = NoiseRow { step: self.steps(), batch, raw, smoothed: scale.smoothed() };
            self.noise_rows_mut().push(row);
        }
    }
}

impl TrainingLog {
    /// The noise measurements as CSV:
    /// `step,batch,gradient_sq,trace,noise_scale,smoothed_gradient_sq,smoothed_trace,smoothed_noise_scale`.
    pub fn noise_csv(&self) -> String {
        let mut csv = String::from(
            "step,batch,gradient_sq,trace,noise_scale,smoothed_gradient_sq,smoothed_trace,smoothed_noise_scale\n",
        );
        for row in self.noise_rows() {
            csv.push_str(&format!("{},{}", row.step, row.batch));
            let (raw, smooth) = (row.raw, row.smoothed);
            let numbers =
                [raw.gradient_sq, raw.trace, raw.noise_scale(), smooth.gradient_sq, smooth.trace, smooth.noise_scale()];
            push_numbers(&mut csv, &numbers);
            csv.push('\n');
        }
        csv
    }

    /// Writes [`noise_csv`](TrainingLog::noise_csv) to `path`.
    ///
    /// # Errors
    /// [`FileError::Io`] naming the path if the file cannot be written.
    pub fn write_noise_csv(&self, path: impl AsRef<Path>) -> Result<(), FileError> {
        write_file(path.as_ref(), &self.noise_csv())
    }
}
