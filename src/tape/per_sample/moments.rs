//! [`GradientMoments`]: for every parameter, each sample's squared gradient
//! norm and, if asked, `Σ_i g_i ⊙ g_i`, without the per-sample gradients
//! where a layer allows it; with the sum of the gradients, what the norms
//! and the noise statistics are computed from.

use super::linear::{Scratch, Signals};
use super::{Entry, PerSampleMethod, Sink, Start, Sweeper, entry};
use crate::float::Float;
use crate::tape::{Gradients, Var};
use crate::tensor::Tensor;

/// Per parameter, one of two things ([`Moment`]): each sample's squared
/// gradient norm `|g_i|²` (BackPACK's `BatchL2Grad`; for a `linear` layer
/// from its input and output gradient alone, Goodfellow 2015), or
/// `Σ_i g_i ⊙ g_i` element by element (BackPACK's `SumGradSquared`: one
/// extra product `(δ ⊙ δ)ᵀ (a ⊙ a)` per weight); and, from the same sweep,
/// `Σ_i g_i` ([`summed`](Self::summed)).
#[derive(Clone, Debug, Default)]
pub(crate) struct GradientMoments<T: Float> {
    batch: usize,
    entries: Vec<Entry<Moments<T>>>,
    len: usize,
    scratch: Scratch<T>,
    sweeper: Sweeper<T>,
}

/// What [`GradientMoments`] computes besides the sum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Moment {
    /// Each sample's squared gradient norm.
    SquaredNorms,
    /// The sum of the squared gradients, element by element.
    SumOfSquares,
}

/// One parameter's moments: the one asked for is filled, the other empty.
#[derive(Clone, Debug)]
pub(crate) struct Moments<T: Float> {
    /// `|g_i|²`, one per sample.
    pub squared_norms: Vec<f64>,
    /// `Σ_i g_i ⊙ g_i`.
    pub sum_of_squares: Tensor<T>,
}

impl<T: Float> Default for Moments<T> {
    fn default() -> Self {
        Moments { squared_norms: Vec::new(), sum_of_squares: Tensor::zeros([0]) }
    }
}

impl<T: Float> GradientMoments<T> {
    /// Computes `moment` for `terms`, reusing the buffers of the last call.
    /// `what` names the caller in panics.
    #[track_caller]
    pub fn compute(&mut self, what: &str, terms: Var<'_, T>, moment: Moment) {
        let elementwise = moment == Moment::SumOfSquares;
        let mut sink = Accumulate {
            entries: &mut self.entries,
            len: &mut self.len,
            scratch: &mut self.scratch,
            batch: 0,
            elementwise,
        };
        self.batch = self.sweeper.run(what, terms, &mut sink);
    }

    /// The number of samples.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// The gradients of the summed terms: for each parameter, `Σ_i g_i`.
    pub fn summed(&self) -> &Gradients<T> {
        self.sweeper.summed()
    }

    /// Each parameter's entry, in binding order.
    pub(super) fn entries(&self) -> &[Entry<Moments<T>>] {
        &self.entries[..self.len]
    }

    /// Each parameter's name, method and moments, and its `Σ_i g_i`, in
    /// binding order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, PerSampleMethod, &Moments<T>, &Tensor<T>)> {
        self.entries().iter().map(|e| {
            let sum = self.summed().param_by_id(e.id).expect("a bound parameter has a gradient");
            (e.name.as_str(), e.method, &e.value, sum)
        })
    }
}

/// The sink that keeps squared norms and sums squares.
struct Accumulate<'a, T: Float> {
    entries: &'a mut Vec<Entry<Moments<T>>>,
    len: &'a mut usize,
    scratch: &'a mut Scratch<T>,
    batch: usize,
    elementwise: bool,
}

impl<T: Float> Sink<T> for Accumulate<'_, T> {
    fn start(&mut self, k: usize, batch: usize, start: Start<'_>) {
        self.batch = batch;
        let moments = &mut entry(self.entries, k, &start, Moments::default).value;
        moments.squared_norms.clear();
        if self.elementwise {
            moments.sum_of_squares.reset_zeros(start.shape);
        } else {
            moments.squared_norms.resize(batch, 0.0);
            moments.sum_of_squares.reset_zeros(&[0]);
        }
    }

    fn linear(&mut self, k: usize, slot: usize, signals: &Signals<'_, T>) {
        let moments = &mut self.entries[k].value;
        if self.elementwise {
            signals.add_squares(slot, self.batch, moments.sum_of_squares.data_mut(), self.scratch);
        } else {
            signals.squared_norms(slot, &mut moments.squared_norms);
        }
    }

    fn unused(&mut self, _: usize) {}

    fn sample(&mut self, k: usize, i: usize, gradient: &Tensor<T>) {
        let moments = &mut self.entries[k].value;
        if self.elementwise {
            let squares = moments.sum_of_squares.data_mut();
            squares.iter_mut().zip(gradient.data()).for_each(|(s, &g)| *s += g * g);
        } else {
            moments.squared_norms[i] = gradient.data().iter().map(|g| g.to_f64() * g.to_f64()).sum();
        }
    }

    fn finish(&mut self, count: usize) {
        *self.len = count;
    }
}
