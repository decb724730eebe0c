//! [`GradientMoments`]: the sum and the sum of squares of the per-sample
//! gradients, element by element, without the gradients where a layer
//! allows it.

use super::linear::{Scratch, Signals};
use super::{Entry, PerSampleMethod, Sink, Start, Sweeper, entry};
use crate::float::Float;
use crate::tape::Var;
use crate::tensor::Tensor;

/// For every parameter, `Σ_i g_i` and `Σ_i g_i ⊙ g_i` over the samples'
/// gradients (BackPACK's `SumGradSquared`): what the mean and variance of
/// the per-sample gradients are computed from. A `linear` layer's weight
/// takes one extra product, `(δ ⊙ δ)ᵀ (a ⊙ a)`; no `[B, out, in]` tensor is
/// formed.
#[derive(Clone, Debug, Default)]
pub(crate) struct GradientMoments<T: Float> {
    batch: usize,
    entries: Vec<Entry<Moments<T>>>,
    len: usize,
    scratch: Scratch<T>,
    sweeper: Sweeper<T>,
}

/// One parameter's moments.
#[derive(Clone, Debug)]
pub(crate) struct Moments<T: Float> {
    /// `Σ_i g_i`.
    pub sum: Tensor<T>,
    /// `Σ_i g_i ⊙ g_i`.
    pub sum_of_squares: Tensor<T>,
}

impl<T: Float> Default for Moments<T> {
    fn default() -> Self {
        Moments { sum: Tensor::zeros([0]), sum_of_squares: Tensor::zeros([0]) }
    }
}

impl<T: Float> GradientMoments<T> {
    /// Computes the moments for `terms`, reusing the buffers of the last call.
    #[track_caller]
    pub fn compute(&mut self, what: &str, terms: Var<'_, T>) {
        let mut sink =
            Accumulate { entries: &mut self.entries, len: &mut self.len, scratch: &mut self.scratch, batch: 0 };
        self.batch = self.sweeper.run(what, terms, &mut sink);
    }

    /// The number of samples.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// Each parameter's name, method and moments, in binding order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, PerSampleMethod, &Moments<T>)> {
        self.entries[..self.len].iter().map(|e| (e.name.as_str(), e.method, &e.value))
    }
}

/// The sink that sums gradients and their squares.
struct Accumulate<'a, T: Float> {
    entries: &'a mut Vec<Entry<Moments<T>>>,
    len: &'a mut usize,
    scratch: &'a mut Scratch<T>,
    batch: usize,
}

impl<T: Float> Sink<T> for Accumulate<'_, T> {
    fn start(&mut self, k: usize, batch: usize, start: Start<'_, T>) {
        self.batch = batch;
        let moments = &mut entry(self.entries, k, &start, Moments::default).value;
        moments.sum.reset_zeros(start.shape);
        moments.sum.data_mut().copy_from_slice(start.sum.data());
        moments.sum_of_squares.reset_zeros(start.shape);
    }

    fn linear(&mut self, k: usize, slot: usize, signals: &Signals<'_, T>) {
        signals.add_squares(slot, self.batch, self.entries[k].value.sum_of_squares.data_mut(), self.scratch);
    }

    fn unused(&mut self, _: usize) {}

    fn sample(&mut self, k: usize, _: usize, gradient: &Tensor<T>) {
        let squares = self.entries[k].value.sum_of_squares.data_mut();
        squares.iter_mut().zip(gradient.data()).for_each(|(s, &g)| *s += g * g);
    }

    fn finish(&mut self, count: usize) {
        *self.len = count;
    }
}
